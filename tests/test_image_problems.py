"""An image that cannot be had is one product's problem: that product is not listed (or its listing is left as it
was) on each channel, with a message naming the catalog file, the row and the image; every other product and
channel carries on; the run exits 1. Downloads are bounded in size and in total time and happen once per run.

The download tests talk to a real HTTP server on loopback. The public-address check refuses loopback (and plain
http) before any connection, so those tests hand `download` / `Images` an address check that lets this one server
through (`_LetThrough`) and sends every other address to the real check; nothing in the config can do that.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connector import logs
from connector.adapters.base import ErrorClass, Image, ImageProblem
from connector.adapters.lazada import LazadaAdapter
from connector.adapters.shopee import ShopeeAdapter
from connector.adapters.tiktokshop import TikTokShopAdapter
from connector.cli import main
from connector.config import load_config
from connector.sandbox import SandboxServer, default_credentials
from connector.sync.images import DOWNLOAD_MAX_BYTES, Images, download, public_https
from connector.sync.ledger import Ledger
from connector.sync.options import SyncOptions
from connector.sync.run import Sync
from tests.helpers import CHANNELS, HEADER, dead_endpoint, png, sandbox_items, three_channel_config

PNG = png(7)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)
HTML = b"<!DOCTYPE html><html><body>Halaman tidak ditemukan</body></html>"
ADAPTERS = {"shopee": ShopeeAdapter, "lazada": LazadaAdapter, "tiktokshop": TikTokShopAdapter}


# --- a loopback image host that misbehaves in every way a real one does ---------------------------------------------


class _Host(BaseHTTPRequestHandler):
    counts: Counter[str]

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook
        self.counts[self.path] += 1
        route: dict[str, Callable[[], None]] = {
            "/foto.png": lambda: self._send(200, PNG, "image/png"),
            "/foto.webp": lambda: self._send(200, WEBP, "image/webp"),
            "/halaman.html": lambda: self._send(200, HTML, "text/html"),
            "/hilang.png": lambda: self._send(404, HTML, "text/html"),
            "/sibuk.png": lambda: self._send(503, b"busy", "text/plain"),
            "/besar.png": lambda: self._send(200, PNG + bytes(DOWNLOAD_MAX_BYTES), "image/png"),
            "/besar-tanpa-panjang.png": self._big_without_length,
            "/pelan.png": self._trickle_body,
            "/pelan-kepala.png": self._trickle_headers,
            "/ke-dalam.png": lambda: self._redirect("https://169.254.169.254/latest/meta-data/"),
            "/ke-halaman.png": lambda: self._redirect("/halaman.html"),
            "/ke-foto.png": lambda: self._redirect("/foto.png"),
            "/putar.png": lambda: self._redirect("/putar.png"),
        }
        route.get(self.path, lambda: self._send(404, b"", "text/plain"))()

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, where: str) -> None:
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _big_without_length(self) -> None:  # no Content-Length: only reading tells the size
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(PNG)
        for _ in range(DOWNLOAD_MAX_BYTES // 65536 + 2):
            self.wfile.write(bytes(65536))

    def _trickle_body(self) -> None:  # a byte every 0.3 s: each socket read succeeds, the whole never ends
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PNG) * 100))
        self.end_headers()
        self._trickle(PNG * 100)

    def _trickle_headers(self) -> None:
        self._trickle(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n" + b"X-Padding: " + b"a" * 1000)

    def _trickle(self, data: bytes) -> None:
        try:
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.3)
        except OSError:  # the client gave up: what the test wants
            return

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server hook's own name
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that hung up on a slow or big answer is what these tests make happen


class ImageHost:
    """An HTTP server on 127.0.0.1 serving `_Host`'s paths; `counts` are the requests per path."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        handler = type("Handler", (_Host,), {"counts": self.counts})
        self.server = _Server(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host() -> Iterator[ImageHost]:
    served = ImageHost()
    yield served
    served.close()


class _LetThrough:
    """The test seam: this loopback host's addresses pass; any other goes to the real check (`public_https`)."""

    def __init__(self, port: int):
        self.port = port

    def __call__(self, url: str) -> list[str]:
        if url.startswith((f"http://127.0.0.1:{self.port}/", f"https://localhost:{self.port}/")):
            return ["127.0.0.1"]
        return public_https(url)


# --- every way a download fails, against a real server ---------------------------------------------------------------


@pytest.mark.parametrize(("path", "error_class", "words"), [
    ("/halaman.html", ErrorClass.INVALID, "not a JPG, PNG or WEBP image"),
    ("/hilang.png", ErrorClass.INVALID, "the server answered 404; fix the address"),
    ("/sibuk.png", ErrorClass.TRANSIENT, "the server answered 503"),
    ("/besar.png", ErrorClass.INVALID, "larger than 10 MB"),
    ("/besar-tanpa-panjang.png", ErrorClass.INVALID, "larger than 10 MB"),
    ("/ke-dalam.png", ErrorClass.INVALID, "169.254.169.254 is an internal address"),
    ("/ke-halaman.png", ErrorClass.INVALID, "(redirected to http://127.0.0.1:"),
    ("/putar.png", ErrorClass.INVALID, "more than 3 redirects"),
])
def test_a_download_that_will_not_do_names_the_address_and_why(host: ImageHost, path: str, error_class: ErrorClass,
                                                                words: str) -> None:
    with pytest.raises(ImageProblem) as err:
        download(host.url(path), address_check=_LetThrough(host.port), deadline=10)
    assert err.value.error_class == error_class
    assert words in err.value.message and host.url(path) in err.value.message
    assert err.value.source == host.url(path)


def test_a_redirect_to_an_image_on_an_allowed_host_is_followed(host: ImageHost) -> None:
    assert download(host.url("/ke-foto.png"), address_check=_LetThrough(host.port)) == PNG
    assert host.counts["/ke-foto.png"] == host.counts["/foto.png"] == 1


def test_a_closed_port_is_a_transient_failure_naming_the_address() -> None:
    closed = dead_endpoint() + "/foto.png"  # http://127.0.0.1:<a port nothing listens on>/foto.png
    port = int(closed.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(ImageProblem) as err:
        download(closed, address_check=_LetThrough(port))
    assert err.value.error_class == ErrorClass.TRANSIENT
    assert err.value.message == f"image {closed}: cannot connect: connection refused"


def test_a_host_that_cannot_be_reached_is_not_tried_again_in_the_run(tmp_path: Path) -> None:
    dead = dead_endpoint()
    port = int(dead.rsplit(":", 1)[1])
    ledger = Ledger(tmp_path / "state" / "ledger.sqlite")
    try:
        images = Images(ledger, address_check=_LetThrough(port))
        with pytest.raises(ImageProblem) as first:
            images(f"{dead}/dompet.jpg").load()
        with pytest.raises(ImageProblem) as second:
            images(f"{dead}/sepatu.jpg").load()
    finally:
        ledger.close()
    assert first.value.message == f"image {dead}/dompet.jpg: cannot connect: connection refused"
    assert second.value.message == (f"image {dead}/sepatu.jpg: {dead} could not be reached earlier in this run "
                                    "(cannot connect: connection refused)")
    assert second.value.error_class == ErrorClass.TRANSIENT


@pytest.mark.parametrize("path", ["/pelan.png", "/pelan-kepala.png"])
def test_a_trickling_host_costs_the_deadline_and_no_more(host: ImageHost, path: str) -> None:
    started = time.monotonic()
    with pytest.raises(ImageProblem) as err:
        download(host.url(path), address_check=_LetThrough(host.port), deadline=1.0)
    took = time.monotonic() - started
    assert err.value.error_class == ErrorClass.TRANSIENT and "took longer than 1 s" in err.value.message
    assert 0.9 <= took < 1.8  # a socket timeout alone would wait for ever: every read brings a byte


def test_https_checks_the_certificate_of_the_host(tmp_path: Path) -> None:
    """Over https the connection goes to the checked address and still verifies the host's certificate: a
    self-signed one is refused (made with the openssl command; nothing is installed for it)."""
    import ssl

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    served = ImageHost()
    served.server.socket = context.wrap_socket(served.server.socket, server_side=True)
    try:
        url = f"https://localhost:{served.port}/foto.png"
        with pytest.raises(ImageProblem) as err:
            download(url, address_check=_LetThrough(served.port), deadline=5)
        assert err.value.error_class == ErrorClass.TRANSIENT
        assert "SSLCertVerificationError" in err.value.message and url in err.value.message
    finally:
        served.close()


# --- once per run, whatever the number of channels --------------------------------------------------------------------


def test_a_trickling_image_costs_the_deadline_once_for_all_channels(tmp_path: Path, host: ImageHost,
                                                                    sandbox: SandboxServer,
                                                                    adapters: Callable[..., Any]) -> None:
    ledger = Ledger(tmp_path / "state" / "ledger.sqlite")
    try:
        images = Images(ledger, address_check=_LetThrough(host.port), deadline=1.0)
        image = images(host.url("/pelan.png"))
        channels = [adapters(ADAPTERS[name], name, default_credentials(name), sandbox) for name in CHANNELS]
        failures: list[BaseException] = []

        def upload(adapter: Any) -> None:
            try:
                adapter.image_id(image)
            except ImageProblem as err:
                failures.append(err)

        started = time.monotonic()
        threads = [threading.Thread(target=upload, args=(adapter,)) for adapter in channels]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - started
        with pytest.raises(ImageProblem) as again:  # a fourth asking, later: the failure is remembered
            images(host.url("/pelan.png")).load()
    finally:
        ledger.close()
    assert len(failures) == 3 and took < 1.8
    assert {str(f) for f in failures} == {again.value.message} and "took longer than 1 s" in again.value.message
    assert host.counts["/pelan.png"] == 1


def test_a_downloaded_image_is_fetched_once_for_all_channels(tmp_path: Path, host: ImageHost, sandbox: SandboxServer,
                                                             adapters: Callable[..., Any]) -> None:
    ledger = Ledger(tmp_path / "state" / "ledger.sqlite")
    try:
        image = Images(ledger, address_check=_LetThrough(host.port))(host.url("/foto.webp"))
        shown = {}
        for name in CHANNELS:
            try:
                shown[name] = bool(adapters(ADAPTERS[name], name, default_credentials(name), sandbox).image_id(image))
            except ImageProblem as err:
                shown[name] = err.message
    finally:
        ledger.close()
    assert host.counts["/foto.webp"] == 1
    assert shown["tiktokshop"] is True  # upload-product-image.spec.json: WEBP is supported
    assert shown["shopee"] == f"image {host.url('/foto.webp')}: a WEBP image; Shopee takes JPG or PNG"
    assert shown["lazada"] == f"image {host.url('/foto.webp')}: a WEBP image; Lazada takes JPG or PNG"


@pytest.mark.parametrize("failure", [OSError(5, "Input/output error"), ValueError("broken decoder"),
                                     KeyError("not what a loader should raise")])
def test_whatever_a_loader_raises_is_that_image_s_problem(sandbox: SandboxServer, adapters: Callable[..., Any],
                                                           failure: Exception) -> None:
    def load() -> bytes:
        raise failure

    adapter = adapters(ShopeeAdapter, "shopee", default_credentials("shopee"), sandbox)
    image = Image(hashlib.sha256(b"x").hexdigest(), "foto.jpg", load, source="/katalog/img/foto.jpg")
    with pytest.raises(ImageProblem) as err:
        adapter.image_id(image)
    assert err.value.message.startswith(f"image /katalog/img/foto.jpg cannot be read: {type(failure).__name__}")
    assert sandbox_stats_uploads(sandbox) == 0


def sandbox_stats_uploads(sandbox: SandboxServer) -> int:
    import requests

    counted = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()["requests"]
    return sum(n for path, n in counted.items() if "upload" in path)


# --- a whole sync on three channels ----------------------------------------------------------------------------------


def _row(number: int, image: str, name: str = "") -> str:
    name = name or f"Dompet Kulit Sapi Asli Pria Model {number:02d}"
    return f"DMP-{number:02d};{name};Fashion / Dompet;Rp{150 + number}.000;{10 + number};120;{image};;;"


class Catalog:
    """Institution lapas-uji on the three channels of a sandbox: five wallets with a good local image, and
    whatever rows a test adds."""

    def __init__(self, folder: Path, sandbox_url: str):
        self.folder, self.url = folder, sandbox_url
        (folder / "img").mkdir(exist_ok=True)
        (folder / "img" / "a.png").write_bytes(png(1))
        self.config = three_channel_config(folder, sandbox_url)
        self.rows = {n: _row(n, "img/a.png") for n in range(5)}

    def write(self, **rows: str) -> None:
        extra = {int(key.split("_")[1]): row for key, row in rows.items()}
        lines = [HEADER, *({**self.rows, **extra}.values())]
        (self.folder / "katalog.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def cli(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["--config", str(self.config), *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, result.stdout

    def problems(self) -> list[dict[str, Any]]:
        code, out = self.cli("report", "--last", "--format", "json")
        assert code == 0, out
        return json.loads(out)["problems"]

    def listed(self) -> dict[str, dict[str, str]]:
        """Per channel: seller SKU -> name, as the marketplace shows its listings."""
        return {name: {item["seller_sku"] or item["variants"][0]["seller_sku"]: item["name"]
                       for item in sandbox_items(self.url, name)} for name in CHANNELS}


def _staff_csv(catalog: Catalog) -> list[dict[str, str]]:
    """`report --rejects --lang id --format csv` as a spreadsheet reads it: one dict per row, by its header."""
    target = catalog.folder / "ditolak.csv"
    code, out = catalog.cli("report", "--rejects", "--lang", "id", "--format", "csv", "--output", str(target))
    assert code == 0, out
    return list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))


def test_an_unreachable_image_fails_its_product_only_on_every_channel(tmp_path: Path, sandbox: SandboxServer) -> None:
    catalog = Catalog(tmp_path, sandbox.url)
    closed = dead_endpoint().replace("http://", "https://") + "/foto-dompet.jpg"
    catalog.write(row_9=_row(9, closed))  # the sixth data row: line 7 of the file

    code, out = catalog.cli("sync", "--format", "json")

    assert code == 1 and json.loads(out)["stopped"] == {}
    wallets = {f"LPUJI-DMP-{n:02d}" for n in range(5)}
    assert {name: set(shown) for name, shown in catalog.listed().items()} == {name: wallets for name in CHANNELS}
    problems = catalog.problems()
    assert sorted(p["channel"] for p in problems) == sorted(CHANNELS)
    for problem in problems:
        assert (problem["key"], problem["op"], problem["outcome"]) == ("lapas-uji:DMP-09", "create", "invalid")
        assert problem["message"].startswith(f"katalog.csv row 7: image {closed}: ")
        assert problem["message"].endswith("; not listed in this run")
    code, table = catalog.cli("report", "--last")
    assert code == 0 and "lapas-uji:DMP-09" in table and f"katalog.csv row 7: image {closed}" in table
    staff = _staff_csv(catalog)  # what staff open in a spreadsheet: the row to fix, on every channel
    assert {(r["Kanal"], r["File"], r["Baris"], r["SKU"]) for r in staff} == {
        (name, "katalog.csv", "7", "DMP-09") for name in CHANNELS}
    assert all(closed in r["Keterangan"] and r["Alasan"].startswith(f"{r['Kanal']} menolak") for r in staff)

    code, _ = catalog.cli("sync", "--format", "json")  # tried again at the next run, not parked for good
    assert code == 1 and {p["op"] for p in catalog.problems()} == {"create"}


def test_a_content_update_with_a_failing_image_leaves_the_listing_as_it_was(tmp_path: Path,
                                                                             sandbox: SandboxServer) -> None:
    catalog = Catalog(tmp_path, sandbox.url)
    catalog.write()
    assert catalog.cli("sync")[0] == 0
    renamed = "Dompet Kulit Sapi Asli Pria Model Baru 03"
    gone = dead_endpoint().replace("http://", "https://") + "/foto-baru.jpg"
    catalog.write(row_3=_row(3, f"img/a.png, {gone}", name=renamed))

    code, _ = catalog.cli("sync")

    assert code == 1
    assert {name: shown["LPUJI-DMP-03"] for name, shown in catalog.listed().items()} == {
        name: "Dompet Kulit Sapi Asli Pria Model 03" for name in CHANNELS}
    assert {(p["key"], p["op"]) for p in catalog.problems()} == {("lapas-uji:DMP-03", "update_content")}
    assert all(p["message"].startswith(f"katalog.csv row 5: image {gone}: ") and
               p["message"].endswith("; the listing stays as it was") for p in catalog.problems())

    catalog.write(row_3=_row(3, "img/a.png", name=renamed))  # the image fixed: the update goes through
    assert catalog.cli("sync")[0] == 0
    assert {shown["LPUJI-DMP-03"] for shown in catalog.listed().values()} == {renamed}


@pytest.mark.parametrize(("spoil", "words"), [
    (lambda path: path.unlink(), "gone since the catalog was read"),
    (lambda path: path.write_text("bukan gambar"), "not an image"),
])
def test_a_local_image_spoilt_after_reading_fails_its_product_only(tmp_path: Path, sandbox: SandboxServer,
                                                                   spoil: Callable[[Path], None], words: str) -> None:
    catalog = Catalog(tmp_path, sandbox.url)
    victim = tmp_path / "img" / "hilang.png"
    victim.write_bytes(png(9))
    catalog.write(row_9=_row(9, "img/hilang.png"))
    spoilt = threading.Event()

    def progress(channel: str, done: int, planned: int) -> None:  # called once the catalogs are read
        if not spoilt.is_set():
            spoilt.set()
            spoil(victim)

    sync = Sync(load_config(catalog.config), SyncOptions(), log=logs.get_logger(), progress=progress)
    try:
        result = sync.run()
    finally:
        sync.close()

    assert spoilt.is_set() and not any(c.stopped for c in result.channels)
    wallets = {f"LPUJI-DMP-{n:02d}" for n in range(5)}
    assert {name: set(shown) for name, shown in catalog.listed().items()} == {name: wallets for name in CHANNELS}
    problems = catalog.problems()
    assert sorted(p["channel"] for p in problems) == sorted(CHANNELS)
    for problem in problems:
        assert problem["key"] == "lapas-uji:DMP-09" and problem["outcome"] == "invalid"
        assert problem["message"].startswith("katalog.csv row 7: image ")
        assert str(victim) in problem["message"] and words in problem["message"]


def test_a_webp_photo_is_listed_where_the_channel_takes_webp(tmp_path: Path, sandbox: SandboxServer) -> None:
    catalog = Catalog(tmp_path, sandbox.url)
    (tmp_path / "img" / "kaos.webp").write_bytes(WEBP)
    catalog.write(row_9=_row(9, "img/kaos.webp"))

    code, _ = catalog.cli("sync")

    assert code == 1
    assert "LPUJI-DMP-09" in catalog.listed()["tiktokshop"]
    assert not any("LPUJI-DMP-09" in catalog.listed()[name] for name in ("shopee", "lazada"))
    refused = {p["channel"]: p["message"] for p in catalog.problems()}
    photo = tmp_path / "img" / "kaos.webp"
    assert refused == {
        "shopee": f"katalog.csv row 7: image {photo}: a WEBP image; Shopee takes JPG or PNG; not listed in this run",
        "lazada": f"katalog.csv row 7: image {photo}: a WEBP image; Lazada takes JPG or PNG; not listed in this run",
    }


def test_an_internal_image_address_is_refused_before_any_connection() -> None:
    """The address check itself: loopback is refused as internal without a connection being tried."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/foto.png"
        with pytest.raises(ImageProblem) as err:
            download(url)
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody came
    assert "is an internal address" in err.value.message
