"""`pasindo site`: the landing page built after real syncs on the sandbox — a page per live product and institution,
well-formed and accessible HTML, the listings' credit and prices, links only to the channels a product is live on,
delisted products gone at the next build, unreachable images as placeholders (exit 1), resized copies cached."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from PIL import Image as Picture

from connector.adapters.base import ListingLink
from connector.adapters.registry import adapter_class
from connector.cli import main
from connector.config import load_config
from connector.sandbox import SandboxServer, default_credentials
from connector.site.build import build_site
from connector.site.data import read_site, slug_text
from connector.site.pages import rupiah
from connector.sync.ledger import Ledger
from connector.sync.run import ledger_path
from tests.helpers import png
from tests.test_examples import example_config

ROOT = Path(__file__).resolve().parent.parent
HEADER = "SKU;Nama Produk;Deskripsi;Kategori;Harga;Stok;Berat (gram);Foto;SKU Induk;Nama Variasi;Varian"
LAPAS_ROWS = [
    "DMP-01;Dompet Kulit Sapi Asli Pria Coklat;Dompet lipat dari kulit sapi asli, jahitan tangan.;Fashion / Dompet;"
    "Rp150.000;12;120;img/dompet.png;;;",
    "DMP-02;Dompet Kulit Wanita Panjang Hitam;Dompet panjang & rapi, muat 12 kartu 'ATM'.;Fashion / Dompet;Rp 185.000;"
    "4;150;img/dompet2.png;;;",
    "SPT-40;Sepatu Pantofel Kulit Pria Hitam;Sepatu kulit sapi, sol karet.;Fashion/Sepatu;275.000;3;900;"
    "img/sepatu.png;SPT;Ukuran;40",
    "SPT-41;Sepatu Pantofel Kulit Pria Hitam;;Fashion/Sepatu;275.000;0;900;img/sepatu.png;SPT;Ukuran;41",
]
BAPAS_ROWS = [
    "CKL-01;Kotak Perhiasan Cukli Mutiara Kecil;Kotak kayu mahoni bertatah kerang mutiara.;Kerajinan / Cukli;"
    "Rp350.000;2;700;img/cukli.png;;;",
]


def write_shop(tmp_path: Path, url: str) -> Path:
    """Two institutions on a sandbox: a lapas on two channels, a bapas on one."""
    (tmp_path / "img").mkdir(exist_ok=True)
    for n, name in enumerate(("dompet", "dompet2", "sepatu", "cukli"), start=1):
        Picture.new("RGB", (1200, 900), (40 * n, 90, 160 - 20 * n)).save(tmp_path / "img" / f"{name}.png")
    (tmp_path / "lapas.csv").write_text(HEADER + "\n" + "\n".join(LAPAS_ROWS) + "\n", encoding="utf-8")
    (tmp_path / "bapas.csv").write_text(HEADER + "\n" + "\n".join(BAPAS_ROWS) + "\n", encoding="utf-8")
    config = tmp_path / "pasindo.yaml"
    config.write_text(f"""
state_dir: state
institutions:
  - code: lapas-uji
    name: Lapas Kelas IIB Uji
    type: lapas
    province: Jawa Timur
    catalog: {{path: lapas.csv}}
    sku_prefix: LPUJI
  - code: bapas-uji
    name: Bapas Kelas II Uji
    type: bapas
    province: Nusa Tenggara Barat
    catalog: {{path: bapas.csv}}
    sku_prefix: BPUJI
    channels: [toko-a]
channels:
  - name: toko-a
    adapter: shopee
    endpoint: {url}
    credentials: {{partner_id: "100001", partner_key: sandbox-shopee-key, shop_id: "200001",
                   access_token: sandbox-shopee-token, refresh_token: sandbox-shopee-refresh}}
    options: {{rate_limit: 500}}
  - name: toko-b
    adapter: lazada
    endpoint: {url}
    credentials: {{app_key: "100002", app_secret: sandbox-lazada-secret, access_token: sandbox-lazada-token,
                   refresh_token: sandbox-lazada-refresh}}
    options: {{rate_limit: 500}}
""", encoding="utf-8")
    return config


def cli(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> dict:
    """One real sync of the two catalogs, then a site built by the command; shared by the read-only tests."""
    tmp = tmp_path_factory.mktemp("site")
    with SandboxServer(port=0, state_path=tmp / "sandbox.sqlite") as server:
        config = write_shop(tmp, server.url)
        code, out, err = cli(config, "sync", "--format", "json")
        assert code == 0, out + err
    code, out, err = cli(config, "site", "--output", str(tmp / "public"), "--base-url", "https://pasindo.example.id/",
                         "--format", "json")
    assert code == 0, out + err
    return {"dir": tmp, "config": config, "site": tmp / "public", "doc": json.loads(out)}


class Page(HTMLParser):
    """A page read with html.parser: every start tag must be closed in order (void elements aside)."""

    VOID = {"meta", "link", "img", "input", "br", "hr", "source"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()
        if self.open:
            self.problems.append(f"never closed: {self.open}")

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    @property
    def words(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


def page(path: Path) -> Page:
    parsed = Page(path.read_text(encoding="utf-8"))
    assert not parsed.problems, (path, parsed.problems)
    return parsed


def live_links(config: Path, channel: str, binding) -> tuple[ListingLink, ...]:
    """What the channel's adapter says a buyer's page of that listing is (the adapters' `listing_links`)."""
    entry = next(c for c in load_config(config).channels if c.name == channel)
    return adapter_class(entry.adapter).listing_links(entry.credentials, binding.external_id, sandbox=None,
                                                      variant_ids=binding.variant_ids)


def bindings(config: Path) -> dict[str, dict]:
    ledger = Ledger(ledger_path(load_config(config)))
    try:
        return {name: ledger.bindings.all(name) for name in ("toko-a", "toko-b")}
    finally:
        ledger.close()


def test_every_live_product_and_institution_has_a_well_formed_accessible_page(synced):
    site, doc = synced["site"], synced["doc"]
    assert (doc["products"], doc["institutions"], doc["warnings"]) == (4, 2, [])
    for html in site.rglob("*.html"):
        parsed = page(html)
        assert parsed.all("html")[0]["lang"] == "id"
        assert parsed.all("meta", name="viewport")
        assert all(parsed.all(landmark) for landmark in ("header", "nav", "main", "footer")), html
        assert parsed.all("a", href="#isi") and parsed.all("main", id="isi")  # the skip link and its target
        assert not [a for _, a in parsed.tags if (a.get("src") or a.get("href") or "").startswith(("http:", "//"))
                    and a.get("class") != "tombol"], "no external assets"
    assert sorted(p.name for p in (site / "lembaga").iterdir()) == ["bapas-uji.html", "lapas-uji.html"]
    assert sorted(p.name for p in (site / "produk").iterdir()) == [
        "bapas-uji-ckl-01.html", "lapas-uji-dmp-01.html", "lapas-uji-dmp-02.html", "lapas-uji-spt.html"]


def test_a_product_page_shows_name_price_credit_variants_and_resized_images(synced):
    site = synced["site"]
    shoes = page(site / "produk" / "lapas-uji-spt.html")
    assert "Sepatu Pantofel Kulit Pria Hitam" in shoes.words and "Rp275.000" in shoes.words
    assert "Karya WBP Lapas Kelas IIB Uji" in shoes.words
    assert "Tersedia" in shoes.words and "Habis" in shoes.words  # size 40 in stock, 41 not
    images = shoes.all("img")
    assert images and all(i["alt"] == "Sepatu Pantofel Kulit Pria Hitam" or i["alt"].startswith(
        "Sepatu Pantofel Kulit Pria Hitam (foto") for i in images)
    for image in images:
        with Picture.open(site / "produk" / image["src"]) as picture:
            assert picture.format == "JPEG" and max(picture.size) == 800  # 1200 x 900 made 800 x 600
    with Picture.open(site / "gambar" / "kecil" / "lapas-uji-spt-1.jpg") as thumb:
        assert max(thumb.size) == 320
    wallet = page(site / "produk" / "lapas-uji-dmp-02.html")
    assert "Dompet panjang & rapi, muat 12 kartu 'ATM'." in wallet.words  # escaped, read back as written
    assert "&amp; rapi, muat 12 kartu &#39;ATM&#39;" in (site / "produk" / "lapas-uji-dmp-02.html").read_text(
        encoding="utf-8")
    cukli = page(site / "produk" / "bapas-uji-ckl-01.html")
    assert "Karya Klien Bapas Kelas II Uji" in cukli.words and rupiah(350_000) == "Rp350.000" in cukli.words


def test_the_home_page_lists_categories_institutions_products_and_carries_the_search_index(synced):
    site = synced["site"]
    home = page(site / "index.html")
    assert "Fashion (3)" in home.words and "Kerajinan (1)" in home.words and "Cukli (1)" in home.words
    assert {a["href"] for a in home.all("a")} >= {"lembaga/lapas-uji.html", "lembaga/bapas-uji.html",
                                                   "produk/lapas-uji-dmp-01.html", "produk/bapas-uji-ckl-01.html"}
    for field in ("cari-teks", "cari-kategori", "cari-lembaga", "cari-min", "cari-maks"):
        assert home.all("label", **{"for": field}), field
    index = json.loads((site / "cari.json").read_text(encoding="utf-8"))
    assert [(i["slug"], i["harga"]) for i in index] == [
        ("lapas-uji-dmp-01", 150000), ("lapas-uji-dmp-02", 185000), ("lapas-uji-spt", 275000),
        ("bapas-uji-ckl-01", 350000)]
    institution = page(site / "lembaga" / "bapas-uji.html")
    assert "Balai Pemasyarakatan" in institution.words and "Nusa Tenggara Barat" in institution.words
    assert "Kotak Perhiasan Cukli Mutiara Kecil" in institution.words and "Dompet" not in institution.words


def test_links_are_the_adapters_and_only_to_the_channels_a_product_is_live_on(synced):
    config, site = synced["config"], synced["site"]
    bound = bindings(config)
    assert "bapas-uji:CKL-01" in bound["toko-a"] and "bapas-uji:CKL-01" not in bound["toko-b"]
    for key, slug in (("lapas-uji:DMP-01", "lapas-uji-dmp-01"), ("bapas-uji:CKL-01", "bapas-uji-ckl-01")):
        buttons = [a["href"] for a in page(site / "produk" / f"{slug}.html").all("a", **{"class": "tombol"})]
        expected = [link.url for channel in ("toko-a", "toko-b") if key in bound[channel]
                    for link in live_links(config, channel, bound[channel][key])]
        assert buttons == expected
        # toko-b's adapter documents a product-page form, toko-a's none: only toko-b's listing has a button
        assert len(expected) == (1 if key in bound["toko-b"] else 0)


class TestShop:
    """A plug-in adapter whose listing pages are known: the site's links come from `listing_links` alone."""

    @staticmethod
    def lookup(name: str) -> type:
        base = adapter_class(name)

        class Linked(base):  # type: ignore[misc, valid-type]
            @classmethod
            def listing_links(cls, credentials, external_id, *, sandbox=None, variant_ids=None):
                return (ListingLink(f"Toko {name}", f"https://toko.example/{name}/{external_id}"),)

        return Linked


def test_a_product_live_on_one_channel_has_one_link_and_each_carries_the_acknowledged_price(synced, tmp_path):
    config = load_config(synced["config"], secrets=False)
    ledger = Ledger(ledger_path(config))
    try:
        built = build_site(config, ledger, tmp_path / "out", adapters=TestShop.lookup)
    finally:
        ledger.close()
    assert built.links == 3 * 2 + 1 and built.warnings == []
    cukli = page(tmp_path / "out" / "produk" / "bapas-uji-ckl-01.html")
    assert [a["href"] for a in cukli.all("a", **{"class": "tombol"})] == [
        f"https://toko.example/shopee/{bindings(synced['config'])['toko-a']['bapas-uji:CKL-01'].external_id}"]
    assert "Beli di Toko shopee" in cukli.words
    shoes = page(tmp_path / "out" / "produk" / "lapas-uji-spt.html")
    assert [a["href"].split("/")[3] for a in shoes.all("a", **{"class": "tombol"})] == ["shopee", "lazada"]


def test_colours_meet_a_contrast_of_4_5_to_1():
    css = (ROOT / "connector" / "site" / "static" / "gaya.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    def ratio(a: str, b: str) -> float:
        high, low = sorted((luminance(colours[a]), luminance(colours[b])), reverse=True)
        return (high + 0.05) / (low + 0.05)

    pairs = [(text, background) for text in ("teks", "teks-lembut", "tautan", "harga")
             for background in ("latar", "latar-kartu")]
    pairs += [("kepala-teks", "kepala-latar"), ("tombol-teks", "tombol-latar")]
    low = {pair: round(ratio(*pair), 2) for pair in pairs if ratio(*pair) < 4.5}
    assert not low, low
    assert round(ratio("teks", "latar-kartu"), 1) > 14  # the check computes: black on white is far past 4.5


def test_a_delisted_product_is_gone_and_an_unreachable_image_gives_a_placeholder_and_exit_1(tmp_path):
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite") as server:
        config = write_shop(tmp_path, server.url)
        assert cli(config, "sync")[0] == 0
        assert cli(config, "site", "--output", str(tmp_path / "public"))[0] == 0
        assert (tmp_path / "public" / "produk" / "lapas-uji-dmp-02.html").is_file()
        rows = [LAPAS_ROWS[0], *LAPAS_ROWS[2:]]
        (tmp_path / "lapas.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        # staff point the Cukli box at an address that cannot be had: the sync fails its update, the listing stays
        (tmp_path / "bapas.csv").write_text(HEADER + "\n" + BAPAS_ROWS[0].replace(
            "img/cukli.png", "https://127.0.0.1/foto/cukli.jpg") + "\n", encoding="utf-8")
        cli(config, "sync", "--force")
    code, out, err = cli(config, "site", "--output", str(tmp_path / "public"))
    assert code == 1
    assert "bapas-uji:CKL-01" in err and "https://127.0.0.1/foto/cukli.jpg" in err
    assert not (tmp_path / "public" / "produk" / "lapas-uji-dmp-02.html").exists()
    assert "lapas-uji-dmp-02" not in (tmp_path / "public" / "index.html").read_text(encoding="utf-8")
    cukli = page(tmp_path / "public" / "produk" / "bapas-uji-ckl-01.html")
    assert not cukli.all("img")
    assert [a["aria-label"] for a in cukli.all("span", role="img")] == ["Kotak Perhiasan Cukli Mutiara Kecil"]
    assert not list(tmp_path.glob(".public-*")), "the staging folders are gone"


def test_unchanged_images_are_not_resized_again(synced, tmp_path):
    config, photo = synced["config"], synced["dir"] / "img" / "cukli.png"
    first = json.loads(cli(config, "site", "--output", str(tmp_path / "a"), "--format", "json")[1])
    assert (first["images_made"], first["images_reused"]) == (0, 4)  # the fixture's build made them
    kept = photo.read_bytes()
    photo.write_bytes(png(7))  # changed content: made again
    try:
        second = json.loads(cli(config, "site", "--output", str(tmp_path / "a"), "--format", "json")[1])
    finally:
        photo.write_bytes(kept)
    assert (second["images_made"], second["images_reused"]) == (1, 3)


def test_a_folder_the_builder_did_not_make_is_never_replaced(synced, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "catatan.txt").write_text("jangan dihapus", encoding="utf-8")
    code, out, err = cli(synced["config"], "site", "--output", str(tmp_path / "mine"))
    assert code == 2 and "did not write" in err
    assert (tmp_path / "mine" / "catatan.txt").read_text(encoding="utf-8") == "jangan dihapus"
    assert cli(synced["config"], "site")[0] == 2  # no --output and no site.output: usage


def test_the_daemon_builds_the_site_after_each_full_sync_and_a_failed_build_never_stops_it(tmp_path):
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite") as server:
        config = write_shop(tmp_path, server.url)
        config.write_text(config.read_text(encoding="utf-8") + "schedule: {full: every 1s}\nsite: {output: public}\n",
                          encoding="utf-8")
        (tmp_path / "public").mkdir()
        (tmp_path / "public" / "catatan.txt").write_text("bukan situs", encoding="utf-8")  # refused: not ours
        log = tmp_path / "daemon.log"
        with log.open("w") as out:
            daemon = subprocess.Popen([str(Path(sys.executable).parent / "pasindo"), "--config", str(config),
                                       "daemon"], stdout=out, stderr=out)
        try:
            wait_until(lambda: log.read_text().count('"site_failed"') >= 2, daemon, "two failed builds")
            (tmp_path / "public" / "catatan.txt").unlink()
            wait_until(lambda: (tmp_path / "public" / "index.html").is_file(), daemon, "a built site")
            wait_until(lambda: '"site_built"' in log.read_text(), daemon, "the build's log event")
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    built = next(e for e in events if e["event"] == "site_built")
    assert built["products"] == 4 and built["institutions"] == 2 and built["warnings"] == 0
    assert any(e["event"] == "site_failed" and "did not write" in e.get("exception", "") for e in events)
    assert page(tmp_path / "public" / "produk" / "lapas-uji-dmp-01.html").all("main")


def wait_until(condition, daemon: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        assert daemon.poll() is None, f"the daemon exited with {daemon.returncode}"
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_site_section_of_the_config_is_checked_and_its_output_is_relative_to_the_file(tmp_path):
    config = write_shop(tmp_path, "http://127.0.0.1:9")
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "site: {output: publik/situs, base_url: https://pasindo.example.id/}\n", encoding="utf-8")
    loaded = load_config(config)
    assert loaded.site.output == tmp_path / "publik" / "situs" and loaded.site.base_url == "https://pasindo.example.id"
    assert loaded.site.sandbox_url == "http://127.0.0.1:8765"
    config.write_text(text + "site: {outptu: x, base_url: pasindo.example.id}\n", encoding="utf-8")
    code, out, err = cli(config, "site")
    assert code == 2 and "site.outptu" in err and "site.base_url" in err and "http(s) URL" in err


def test_the_example_config_shows_all_205_products_under_their_seven_institutions(tmp_path):
    config = example_config(tmp_path)  # the state in tmp_path: the checkout's var/ is untouched
    code, out, err = cli(config, "sync", "--format", "json")
    assert code == 0, out + err
    code, out, err = cli(config, "site", "--output", str(tmp_path / "public"), "--format", "json")
    assert code == 0, out + err
    doc = json.loads(out)
    assert (doc["products"], doc["institutions"], doc["placeholders"]) == (205, 7, 0)
    site = tmp_path / "public"
    assert len(list((site / "produk").glob("*.html"))) == 205
    loaded = load_config(config, secrets=False)
    home = page(site / "index.html")
    listed = [a["href"] for a in home.all("a") if (a["href"] or "").startswith("produk/")]
    assert len(listed) == len(set(listed)) == 205
    pages = 0
    for inst in loaded.institutions:
        shown = page(site / "lembaga" / f"{inst.code}.html")
        assert inst.name in shown.words
        pages += len({a["href"] for a in shown.all("a") if (a["href"] or "").startswith("../produk/")})
    assert pages == 205
    ledger = Ledger(ledger_path(loaded))
    try:
        bound = {c.name: ledger.bindings.all(c.name) for c in loaded.channels}
    finally:
        ledger.close()
    for channel in loaded.channels:  # every product is live on the three channels
        assert len([b for b in bound[channel.name].values() if b.active]) == 205
    links: dict[str, list[str]] = {}
    for key in bound[loaded.channels[0].name]:  # and its page links to what each channel's adapter says
        institution, sku = key.split(":", 1)
        hrefs = [a["href"] for a in page(site / "produk" / f"{slug_text(f'{institution}-{sku}')}.html").all(
            "a", **{"class": "tombol"})]
        assert hrefs == [link.url for c in loaded.channels for link in adapter_class(c.adapter).listing_links(
            c.credentials, bound[c.name][key].external_id, sandbox=loaded.site.sandbox_url)]
        assert len(hrefs) == len(loaded.channels) == 3
        links[key] = hrefs
    # every link works: the sandbox served from the sync's own store answers each with the product's page
    with SandboxServer(port=0, state_path=loaded.state_dir / "sandbox.sqlite") as server:
        for key, hrefs in links.items():
            for href in hrefs:
                assert href.startswith(loaded.site.sandbox_url + "/_sandbox/listing/")
                answer = requests.get(server.url + href[len(loaded.site.sandbox_url):], timeout=10)
                assert answer.status_code == 200, (key, href)
                assert key.split(":", 1)[1] in answer.text, (key, href)


class Unlinkable:
    """A plug-in whose links need a credential the config leaves unset: its error even quotes a secret."""

    @staticmethod
    def lookup(name: str) -> type:
        base = adapter_class(name)

        class Failing(base):  # type: ignore[misc, valid-type]
            @classmethod
            def listing_links(cls, credentials, external_id, *, sandbox=None, variant_ids=None):
                if name == "lazada":
                    raise ValueError(f"no seller page for app_secret={credentials['app_secret']}")
                return (ListingLink("Toko A", f"https://toko.example/a/{external_id}"),)

        return Failing


def test_a_channel_whose_links_cannot_be_made_gives_none_and_one_warning_without_its_secrets(synced, tmp_path):
    config = load_config(synced["config"], secrets=False)
    ledger = Ledger(ledger_path(config))
    try:
        reading = read_site(config, ledger, base_url="https://pasindo.example.id", adapters=Unlinkable.lookup)
    finally:
        ledger.close()
    assert [w for w in reading.warnings if "toko-b" in w] == reading.warnings and len(reading.warnings) == 1
    assert "sandbox-lazada-secret" not in reading.warnings[0] and "[redacted]" in reading.warnings[0]
    wallet = next(p for p in reading.catalog.products if p.key == "lapas-uji:DMP-01")
    assert [(link.channel, link.label, link.price) for link in wallet.links] == [("toko-a", "Toko A", 150000)]
    assert wallet.links[0].url.startswith("https://toko.example/a/")


def test_a_live_channel_with_its_secrets_unset_still_builds(synced, tmp_path, monkeypatch):
    """`site` reads the config without the secrets, like `report`: unset credentials are no config error."""
    text = synced["config"].read_text(encoding="utf-8")
    live = tmp_path / "pasindo.yaml"
    live.write_text(text.replace("state_dir: state", f"state_dir: {synced['dir'] / 'state'}").replace(
        "lapas.csv", str(synced["dir"] / "lapas.csv")).replace("bapas.csv", str(synced["dir"] / "bapas.csv")).replace(
        "app_secret: sandbox-lazada-secret", "app_secret: \"${PASINDO_TEST_UNSET_SECRET}\""), encoding="utf-8")
    monkeypatch.delenv("PASINDO_TEST_UNSET_SECRET", raising=False)
    code, out, err = cli(live, "site", "--output", str(tmp_path / "out"), "--format", "json")
    assert code in (0, 1), out + err  # 1: the adapter needs that credential for its links, and says so
    doc = json.loads(out)
    assert doc["products"] == 4 and all("Traceback" not in w for w in doc["warnings"])
    assert all("toko-b" in w for w in doc["warnings"])


def test_a_sandbox_channel_without_credentials_links_with_the_sandboxs_own_into_the_sandbox(synced, tmp_path):
    text = synced["config"].read_text(encoding="utf-8")
    head, toko_b = text.split("  - name: toko-b", 1)
    head = re.sub(r"    endpoint: \S+\n    credentials: \{[^}]*\}\n", "    endpoint: sandbox\n", head)
    moved = tmp_path / "pasindo.yaml"
    moved.write_text((head + "  - name: toko-b" + toko_b)
                     .replace("state_dir: state", f"state_dir: {synced['dir']}/state")
                     .replace("path: lapas.csv", f"path: {synced['dir']}/lapas.csv")
                     .replace("path: bapas.csv", f"path: {synced['dir']}/bapas.csv")
                     + "site: {sandbox_url: http://127.0.0.1:9999}\n", encoding="utf-8")
    config = load_config(moved, secrets=False)
    assert config.channels[0].is_sandbox and config.channels[0].credentials == {}
    asked: list[tuple[str, dict, str | None]] = []

    def lookup(name: str) -> type:
        class Recording(adapter_class(name)):  # type: ignore[misc]
            @classmethod
            def listing_links(cls, credentials, external_id, *, sandbox=None, variant_ids=None):
                asked.append((name, dict(credentials), sandbox))
                return ()

        return Recording

    ledger = Ledger(ledger_path(config))
    try:
        read_site(config, ledger, base_url="https://pasindo.example.id", adapters=lookup)
    finally:
        ledger.close()
    shopee = {(tuple(sorted(c.items())), s) for n, c, s in asked if n == "shopee"}
    assert shopee == {(tuple(sorted(default_credentials("shopee").items())), "http://127.0.0.1:9999")}
    assert {s for n, _, s in asked if n == "lazada"} == {None}  # toko-b is on its own endpoint URL


def _with_site_links(config: Path, links: str) -> Path:
    given = config.with_name("links.yaml")
    given.write_text(config.read_text(encoding="utf-8") + "site:\n  links:\n" + links, encoding="utf-8")
    return given


def test_an_operator_given_page_form_links_a_live_channel_whose_adapter_documents_none(synced, tmp_path):
    """toko-a's adapter documents no buyer page: the operator's form, filled from the listing's id and the shop id,
    gives its button; toko-b keeps its adapter's documented form."""
    config = _with_site_links(synced["config"], '    toko-a: {label: "Toko A", url: '
                                                '"https://toko-a.example/product/{shop_id}/{id}"}\n')
    code, out, err = cli(config, "site", "--output", str(tmp_path / "public"), "--format", "json")
    assert code == 0, out + err
    bound = bindings(config)
    buttons = page(tmp_path / "public" / "produk" / "lapas-uji-dmp-01.html").all("a", **{"class": "tombol"})
    assert [a["href"] for a in buttons] == [
        f"https://toko-a.example/product/200001/{bound['toko-a']['lapas-uji:DMP-01'].external_id}",
        *[link.url for link in live_links(config, "toko-b", bound["toko-b"]["lapas-uji:DMP-01"])]]
    assert "Beli di Toko A" in page(tmp_path / "public" / "produk" / "lapas-uji-dmp-01.html").words


@pytest.mark.parametrize(("links", "says"), [
    ('    toko-a: {label: A, url: "https://a.example/{partner_key}/{id}"}\n', "a secret never goes into a page"),
    ('    toko-a: {label: A, url: "https://a.example/product/{shop_id}"}\n', "must hold {id}"),
    ('    toko-a: {label: A, url: "http://a.example/{id}"}\n', "must be an https URL"),
    ('    toko-z: {label: Z, url: "https://z.example/{id}"}\n', "site.links names channel 'toko-z'"),
])
def test_a_page_form_that_would_leak_a_secret_or_cannot_link_is_a_config_error(synced, links, says):
    code, out, err = cli(_with_site_links(synced["config"], links), "site", "--output", "unused")
    assert code == 2 and says in out + err, out + err
