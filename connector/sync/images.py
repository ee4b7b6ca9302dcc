"""Image references from the catalogs -> `Image`: a content hash for the media cache, the bytes loaded only when
an adapter uploads them. Local files are hashed through the ledger's file cache; addresses are downloaded on
demand, once per run whatever the number of channels (the bytes, or the failure, are kept for the run's other
channels).

A download goes only to public addresses over https (connecting to the very address that was checked, so a second
DNS answer cannot point it elsewhere), follows at most a few redirects (each checked the same way), takes at most
`DOWNLOAD_MAX_BYTES` and at most `DOWNLOAD_SECONDS` in all (a watchdog cuts the connection: a socket timeout alone
restarts with every byte a slow host trickles), and must be a JPG, PNG or WEBP by its first bytes: a catalog's
address can never make the connector fetch an internal service and publish its answer as a product image, nor
hold a run. Every way a download or a file read can fail is an `ImageProblem` naming the address or file: that
one product's failure on each channel for this run.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from connector.adapters.base import ErrorClass, Image, ImageProblem, image_format
from connector.sync.ledger import Ledger

DOWNLOAD_SECONDS = 30.0  # one image's whole download, redirects included
DOWNLOAD_MAX_BYTES = 10 * 1024 * 1024  # the most any marketplace takes (Shopee and TikTok Shop: 10 MB)
MAX_REDIRECTS = 3
KEPT_MAX_BYTES = 64 * 1024 * 1024  # downloaded bytes kept for the run's other channels, at most
USER_AGENT = "pasindo-connector (product images)"

# An address check: the address -> the IP addresses it may be fetched from; raises ImageProblem when it may not be
# fetched at all. `public_https` in production; a test of the download itself passes its own.
AddressCheck = Callable[[str], list[str]]


IMAGES_KEPT = 20_000  # `Image`s kept per run, the most recently used: a few batches' worth (`batch.py`)


class Images:
    """One `Image` per reference and run, whatever the number of products and channels using it — within the
    `IMAGES_KEPT` most recently used: a run works a few batches at a time, and the channels take each batch at
    about the same time, so a country's worth of photos is never held at once.

    `address_check` and `deadline` are for tests of the download (a loopback server, a short deadline); the
    connector always uses the defaults."""

    def __init__(self, ledger: Ledger, *, address_check: AddressCheck | None = None,
                 deadline: float = DOWNLOAD_SECONDS):
        self.ledger = ledger
        self._check = address_check or public_https
        self._deadline = deadline
        self._made: OrderedDict[str, Image] = OrderedDict()
        self._made_lock = threading.Lock()
        self._unreachable: dict[str, str] = {}  # origin -> why it could not be reached, for the rest of the run
        self._kept = 0
        self._kept_lock = threading.Lock()

    def __call__(self, ref: str) -> Image:
        with self._made_lock:
            image = self._made.get(ref)
            if image is not None:
                self._made.move_to_end(ref)
                return image
        image = self._image(ref)
        with self._made_lock:
            image = self._made.setdefault(ref, image)
            while len(self._made) > IMAGES_KEPT:
                self._made.popitem(last=False)
        return image

    def _image(self, ref: str) -> Image:
        if "://" in ref:  # the catalog reader lets only https addresses through; the check refuses any other
            return Image(hashlib.sha256(ref.encode()).hexdigest(), ref.rsplit("/", 1)[-1] or "image.jpg",
                         _Download(ref, self._download, self._keep), source=ref)
        path = Path(ref)
        return Image(self.ledger.media.file_sha256(path), path.name, lambda: read_image_file(path), source=ref)

    def _download(self, url: str) -> bytes:
        """`download`, but an origin (scheme, host, port) that could not be reached is not tried again in this
        run: a dead or silent host costs its timeout once, not once per image it holds."""
        earlier = self._unreachable.get(_origin(url))
        if earlier is not None:
            raise ImageProblem(f"image {url[:200]}: {earlier}", source=url, transient=True)
        try:
            return download(url, address_check=self._check, deadline=self._deadline)
        except Unreachable as err:
            self._unreachable[err.origin] = f"{err.origin} could not be reached earlier in this run ({err.why})"
            raise

    def _keep(self, size: int) -> bool:
        """Whether `size` more downloaded bytes may be kept for the run (else a later channel downloads again)."""
        with self._kept_lock:
            if self._kept + size > KEPT_MAX_BYTES:
                return False
            self._kept += size
            return True


class Unreachable(ImageProblem):
    """The image's host could not be reached at all (its name not resolved, no connection, no TLS handshake): every
    image of that `origin` would fail the same way for now."""

    def __init__(self, url: str, origin: str, why: str):
        super().__init__(f"image {url[:200]}: {why}", source=url, transient=True)
        self.origin = origin
        self.why = why


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


class _Download:
    """One address's download, done once per run: channels asking at the same time wait for the one download,
    and later ones get its bytes (when kept) or its failure without asking the host again."""

    def __init__(self, url: str, fetch: Callable[[str], bytes], keep: Callable[[int], bool]):
        self._url = url
        self._fetch = fetch
        self._keep = keep
        self._lock = threading.Lock()
        self._data: bytes | None = None
        self._failure: ImageProblem | None = None

    def __call__(self) -> bytes:
        with self._lock:
            if self._failure is not None:  # a fresh one: channel threads never share one exception's traceback
                raise ImageProblem(self._failure.message, source=self._url,
                                   transient=self._failure.error_class == ErrorClass.TRANSIENT)
            if self._data is not None:
                return self._data
            try:
                data = self._fetch(self._url)
            except ImageProblem as err:
                self._failure = err
                raise
            if self._keep(len(data)):
                self._data = data
            return data


def read_image_file(path: Path) -> bytes:
    """A local image's bytes; ImageProblem naming the file when it went missing or cannot be read."""
    try:
        if path.stat().st_size > DOWNLOAD_MAX_BYTES:
            raise ImageProblem(f"image file {path}: larger than {DOWNLOAD_MAX_BYTES // (1024 * 1024)} MB",
                               source=str(path))
        return path.read_bytes()
    except FileNotFoundError:
        raise ImageProblem(f"image file {path}: gone since the catalog was read; put it back or change the catalog",
                           source=str(path)) from None
    except OSError as err:
        raise ImageProblem(f"image file {path} cannot be read: {err.strerror or type(err).__name__}",
                           source=str(path)) from None


def public_https(url: str) -> list[str]:
    """The addresses of `url`'s host, if it is https to a host whose every address is public (not loopback,
    private, link-local, reserved or multicast); else ImageProblem (transient when the name cannot be resolved)."""
    shown = url[:200]
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ImageProblem(f"image {shown}: only https addresses are downloaded", source=url)
    try:
        found = [info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443,
                                                           type=socket.SOCK_STREAM)]
    except (OSError, UnicodeError, ValueError) as err:
        raise Unreachable(url, _origin(url), f"cannot resolve {parts.hostname}: {err}") from None
    for address in found:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise ImageProblem(f"image {shown}: {parts.hostname} is an internal address ({ip}); only public image "
                               "addresses are downloaded", source=url)
    return found


def download(url: str, *, address_check: AddressCheck = public_https, deadline: float = DOWNLOAD_SECONDS) -> bytes:
    """The image at `url` (see the module notes); ImageProblem naming the address when it cannot be had."""
    started = time.monotonic()
    where = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            addresses = address_check(where)
        except ImageProblem as err:
            if where == url:
                raise
            why = err.message.removeprefix(f"image {where[:200]}: ")
            if isinstance(err, Unreachable):
                raise Unreachable(url, err.origin, f"redirected to {where[:200]}: {err.why}") from None
            raise ImageProblem(f"image {url[:200]} (redirected to {where[:200]}): {why}", source=url,
                               transient=err.error_class == ErrorClass.TRANSIENT) from None
        left = deadline - (time.monotonic() - started)
        if left <= 0:
            raise _too_slow(url, deadline)
        status, location, body = _get(where, addresses, left, source=url, deadline=deadline)
        if status in (301, 302, 303, 307, 308) and location:
            where = urljoin(where, location)
            continue
        return _image_body(url, where, status, body)
    raise ImageProblem(f"image {url[:200]}: more than {MAX_REDIRECTS} redirects", source=url)


def _image_body(url: str, where: str, status: int, body: bytes) -> bytes:
    """The answer's body if it is an image; else why not."""
    shown = url[:200] if where == url else f"{url[:200]} (redirected to {where[:200]})"
    if status >= 500 or status == 429:
        raise ImageProblem(f"image {shown}: the server answered {status}", source=url, transient=True)
    if status != 200:
        raise ImageProblem(f"image {shown}: the server answered {status}; fix the address", source=url)
    if len(body) > DOWNLOAD_MAX_BYTES:
        raise _too_large(url)
    if image_format(body) is None:
        raise ImageProblem(f"image {shown}: not a JPG, PNG or WEBP image (it starts {body[:12]!r})", source=url)
    return body


def _get(url: str, addresses: list[str], seconds: float, *, source: str,
         deadline: float) -> tuple[int, str | None, bytes]:
    """GET `url` from `address` within `seconds` in all (what is left of the download's `deadline`): (status,
    redirect location, body up to the size cap)."""
    parts = urlsplit(url)
    connection = _connection(parts.scheme, parts.hostname or "", parts.port, addresses, seconds)
    cut = threading.Event()
    opened: list[socket.socket] = []  # the connected socket: http.client lets go of it once a response will close

    def cut_off() -> None:  # the deadline: a blocked read or handshake returns at once
        cut.set()
        for sock in {id(s): s for s in (connection.sock, *opened) if s is not None}.values():
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's: TLS state is left alone

    watchdog = threading.Timer(seconds, cut_off)
    watchdog.daemon = True
    watchdog.start()
    try:
        try:
            connection.connect()
        except OSError as err:  # no connection, or no TLS handshake (a certificate refused is one too)
            why = f"took longer than {deadline:g} s to connect" if cut.is_set() else _described(err)
            raise Unreachable(source, _origin(url), f"cannot connect: {why}") from None
        opened.append(connection.sock)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "image/jpeg, image/png, image/webp"})
        response = connection.getresponse()
        if response.status != 200:
            return response.status, response.getheader("Location"), b""
        length = response.getheader("Content-Length") or ""
        if length.isdigit() and int(length) > DOWNLOAD_MAX_BYTES:  # refused before any of it is read
            raise _too_large(source)
        body = response.read(DOWNLOAD_MAX_BYTES + 1)
    except (OSError, http.client.HTTPException, ValueError) as err:
        if cut.is_set():
            raise _too_slow(source, deadline) from None
        raise ImageProblem(f"image {source[:200]}: cannot download: {_described(err)}", source=source,
                           transient=True) from None
    finally:
        watchdog.cancel()
        connection.close()
    if cut.is_set():  # a body cut short by the deadline is not the image
        raise _too_slow(source, deadline)
    return 200, None, body


def _connection(scheme: str, host: str, port: int | None, addresses: list[str],
                seconds: float) -> http.client.HTTPConnection:
    """A connection to `host` that connects to one of `addresses` (those the check approved, each tried in turn
    within a share of `seconds`), verifying the host's certificate and name over https."""
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port or 443, timeout=seconds,
                                                 context=ssl.create_default_context())
    else:  # only when a test's address check lets plain http through
        connection = http.client.HTTPConnection(host, port or 80, timeout=seconds)
    def connect(target: tuple[str, int], timeout: float, source_address: Any = None) -> socket.socket:
        failure: OSError = OSError("no address")
        for address in addresses:
            try:
                return socket.create_connection((address, target[1]), timeout / len(addresses), source_address)
            except OSError as err:
                failure = err
        raise failure

    # http.client resolves the host itself through this hook; TLS still checks the certificate against `host`.
    connection._create_connection = connect  # type: ignore[attr-defined]
    return connection


def _too_large(url: str) -> ImageProblem:
    return ImageProblem(f"image {url[:200]}: larger than {DOWNLOAD_MAX_BYTES // (1024 * 1024)} MB", source=url)


def _too_slow(url: str, seconds: float) -> ImageProblem:
    return ImageProblem(f"image {url[:200]}: the download took longer than {seconds:g} s", source=url, transient=True)


def _described(err: BaseException) -> str:
    text = str(err)
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, TimeoutError | socket.timeout):
        return "timed out"
    return f"{type(err).__name__}: {text[:120]}" if text else type(err).__name__
