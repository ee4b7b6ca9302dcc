"""Image references from the catalogs -> `Image`: a content hash for the media cache, the bytes loaded only when
an adapter uploads them. Local files are hashed through the ledger's file cache; URLs are downloaded on demand.

A download goes only to public addresses over https, follows at most a few redirects (each checked the same way),
and takes at most `DOWNLOAD_MAX_BYTES`: a catalog's address can never make the connector fetch an internal
service and publish its answer as a product image. A refused or failed download is that one product's failure
(`Invalid` for an address or answer that will not do, `Transient` for one that may work later)."""

from __future__ import annotations

import hashlib
import ipaddress
import socket
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from connector.adapters.base import Image, Invalid, Transient
from connector.sync.ledger import Ledger

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAX_BYTES = 10 * 1024 * 1024  # the marketplaces take images of a few MB at most
MAX_REDIRECTS = 3


class Images:
    """One `Image` per reference and run, whatever the number of products and channels using it."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self._made: dict[str, Image] = {}

    def __call__(self, ref: str) -> Image:
        image = self._made.get(ref)
        if image is None:
            image = self._made[ref] = self._image(ref)
        return image

    def _image(self, ref: str) -> Image:
        if ref.startswith("https://"):
            return Image(hashlib.sha256(ref.encode()).hexdigest(), ref.rsplit("/", 1)[-1] or "image.jpg",
                         lambda: download(ref))
        path = Path(ref)
        return Image(self.ledger.media.file_sha256(path), path.name, path.read_bytes)


def public_https(url: str) -> None:
    """Invalid unless `url` is https to a host whose every address is public (not loopback, private, link-local,
    reserved or multicast)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise Invalid(f"image {url[:200]}: only https addresses are downloaded")
    try:
        found = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError) as err:
        raise Transient(f"image {url[:200]}: cannot resolve {parts.hostname}: {err}") from None
    for address in found:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise Invalid(f"image {url[:200]}: {parts.hostname} is an internal address ({ip}); only public image "
                          "addresses are downloaded")


def download(url: str) -> bytes:
    """The image at `url` (see the module notes); Invalid or Transient naming the address when it cannot be had."""
    for _ in range(MAX_REDIRECTS + 1):
        public_https(url)
        try:
            response = requests.get(url, timeout=DOWNLOAD_TIMEOUT, allow_redirects=False, stream=True)
        except requests.RequestException as err:
            raise Transient(f"image {url[:200]}: cannot download: {type(err).__name__}") from None
        with response:
            if response.is_redirect and response.headers.get("location"):
                url = urljoin(url, response.headers["location"])
                continue
            if response.status_code >= 500:
                raise Transient(f"image {url[:200]}: the server answered {response.status_code}")
            if response.status_code != 200:
                raise Invalid(f"image {url[:200]}: the server answered {response.status_code}; fix the address")
            body = response.raw.read(DOWNLOAD_MAX_BYTES + 1, decode_content=True)
        if len(body) > DOWNLOAD_MAX_BYTES:
            raise Invalid(f"image {url[:200]}: larger than {DOWNLOAD_MAX_BYTES // (1024 * 1024)} MB")
        return body
    raise Invalid(f"image {url[:200]}: more than {MAX_REDIRECTS} redirects")
