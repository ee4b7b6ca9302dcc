"""Image references from the catalogs -> `Image`: a content hash for the media cache, the bytes loaded only when
an adapter uploads them. Local files are hashed through the ledger's file cache; URLs are downloaded on demand."""

from __future__ import annotations

import hashlib
from pathlib import Path

import requests

from connector.adapters.base import Image
from connector.sync.ledger import Ledger

DOWNLOAD_TIMEOUT = 30


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


def download(url: str) -> bytes:
    response = requests.get(url, timeout=DOWNLOAD_TIMEOUT)
    response.raise_for_status()
    return response.content
