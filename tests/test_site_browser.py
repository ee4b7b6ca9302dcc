"""The landing page in a real headless browser (Chromium from the system's packages, driven by playwright): the home
page and a product page load without console or page errors, show the product's name, price and credit, link to
every channel it is live on, filter the list from the search box, fit a phone's width; a screenshot of each."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from connector.sandbox import SandboxServer
from tests.test_site import bindings, cli, live_links, write_shop

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip("no /usr/bin/chromium here (apt-get install chromium); CI installs it and runs this test",
                allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402  (only once Chromium is known to be there)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (the base class's name)
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[dict]:
    """A site built after a real sync, served over loopback."""
    tmp = tmp_path_factory.mktemp("browser")
    with SandboxServer(port=0, state_path=tmp / "sandbox.sqlite") as server:
        config = write_shop(tmp, server.url)
        assert cli(config, "sync")[0] == 0
    assert cli(config, "site", "--output", str(tmp / "public"))[0] == 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp / "public")))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{httpd.server_port}", "config": config}
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def open_page(browser, url: str, problems: list[str], **context: object) -> Page:
    """A page at `url` that records console errors, page errors and any request leaving loopback (none may)."""
    page = browser.new_context(**context).new_page()
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))

    def route(r) -> None:
        if r.request.url.startswith("http://127.0.0.1:"):
            r.continue_()
        else:
            problems.append(f"request off the machine: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    return page


def shot(page: Page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, (path, len(data))


def test_the_home_page_loads_clean_and_its_search_box_filters_the_list(served, browser, tmp_path):
    problems: list[str] = []
    page = open_page(browser, f"{served['url']}/index.html", problems)
    cards = page.locator(".daftar-produk .kartu")
    assert cards.count() == 4 and page.locator("#cari").is_visible()
    assert page.get_by_text("4 produk", exact=True).is_visible()
    page.get_by_label("Cari produk").fill("cukli")
    assert [c.inner_text().splitlines()[0] for c in cards.all() if c.is_visible()] == [
        "Kotak Perhiasan Cukli Mutiara Kecil"]
    assert page.get_by_text("1 dari 4 produk cocok").is_visible()
    page.get_by_label("Cari produk").fill("")
    page.get_by_label("Harga terendah (Rp)").fill("200000")
    assert sum(c.is_visible() for c in cards.all()) == 2  # the shoes (275.000) and the Cukli box (350.000)
    page.get_by_role("combobox", name="Lembaga").select_option("lapas-uji")
    assert [c.get_attribute("data-slug") for c in cards.all() if c.is_visible()] == ["lapas-uji-spt"]
    shot(page, tmp_path / "beranda.png")
    assert problems == []


def test_a_product_page_shows_name_price_credit_and_a_link_per_live_channel(served, browser, tmp_path):
    problems: list[str] = []
    page = open_page(browser, f"{served['url']}/produk/lapas-uji-dmp-01.html", problems)
    assert page.get_by_role("heading", level=1).inner_text() == "Dompet Kulit Sapi Asli Pria Coklat"
    assert page.get_by_text("Rp150.000", exact=True).is_visible()
    assert page.get_by_text("Karya WBP Lapas Kelas IIB Uji", exact=True).is_visible()
    assert page.get_by_role("img", name="Dompet Kulit Sapi Asli Pria Coklat").first.is_visible()
    bound = bindings(served["config"])
    expected = [link for channel in ("toko-a", "toko-b")
                for link in live_links(served["config"], channel, bound[channel]["lapas-uji:DMP-01"])]
    buttons = page.locator("a.tombol")
    assert [b.get_attribute("href") for b in buttons.all()] == [link.url for link in expected]
    for link in expected:
        assert page.get_by_role("link", name=f"Beli di {link.label}").is_visible()
    shot(page, tmp_path / "produk.png")
    assert problems == []


def test_a_product_page_fits_a_phone(served, browser, tmp_path):
    problems: list[str] = []
    page = open_page(browser, f"{served['url']}/produk/lapas-uji-spt.html", problems,
                     viewport={"width": 360, "height": 740}, is_mobile=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.get_by_role("table").is_visible() and page.get_by_text("Habis", exact=True).is_visible()
    shot(page, tmp_path / "produk-ponsel.png")
    assert problems == []
