"""Resized copies of the catalogs' images for the site: a large one for the product page and a thumbnail for the
lists, as JPEG. The originals are never published (they can be large, and carry their camera's metadata).

Copies are kept by the image's content hash (for an address: the hash of the address, as the sync's media cache
keeps it) in a folder of the state directory, so an unchanged image is neither downloaded nor resized again; the
copies no build uses any more are removed after each build.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from pathlib import Path

from PIL import Image as Picture
from PIL import ImageOps

from connector.adapters.base import Image, ImageProblem

LARGE = 800  # longest side of the product page's copy, in pixels
SMALL = 320  # of the thumbnail
QUALITY = 85
SIZES = (LARGE, SMALL)


class ImageUnusable(Exception):
    """An image that cannot be had or read as a picture: the product is shown with a placeholder."""


class ResizedImages:
    """The cache of resized copies (`folder`), and which of them this build used."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.used: set[str] = set()
        self.made = 0  # resized in this build
        self.reused = 0  # found in the cache

    def copies(self, image: Image) -> dict[int, Path]:
        """Side in pixels -> the cached copy of `image` at that size; made (downloaded, resized) when missing.
        Raises ImageUnusable saying why, in a person's words, naming the image's source."""
        paths = {size: self.folder / f"{image.sha256}-{size}.jpg" for size in SIZES}
        self.used.update(p.name for p in paths.values())
        if all(p.is_file() for p in paths.values()):
            self.reused += 1
            return paths
        try:
            data = image.load()
        except ImageProblem as err:
            raise ImageUnusable(err.message) from None
        picture = _picture(data, image.source or image.filename)
        for size, path in paths.items():
            _write_jpeg(picture, size, path)
        self.made += 1
        return paths

    def prune(self) -> int:
        """Remove the copies no image of this build uses; how many were removed."""
        removed = 0
        for path in self.folder.glob("*.jpg"):
            if path.name not in self.used:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed


def _picture(data: bytes, source: str) -> Picture.Image:
    """The image as RGB, turned the way its EXIF says; transparency laid on white."""
    try:
        with Picture.open(io.BytesIO(data)) as opened:
            opened.load()
            picture = ImageOps.exif_transpose(opened) or opened
            if picture.mode in ("RGBA", "LA", "P", "PA"):
                rgba = picture.convert("RGBA")
                background = Picture.new("RGB", rgba.size, (255, 255, 255))
                background.paste(rgba, mask=rgba.getchannel("A"))
                return background
            return picture.convert("RGB")
    except (OSError, ValueError, SyntaxError, Picture.DecompressionBombError) as err:
        raise ImageUnusable(f"image {source[:200]}: cannot be read as a picture ({type(err).__name__}: "
                            f"{str(err)[:120]})") from None


def _write_jpeg(picture: Picture.Image, size: int, path: Path) -> None:
    copy = picture.copy()
    copy.thumbnail((size, size), Picture.Resampling.LANCZOS)  # only ever smaller, never enlarged
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    copy.save(temporary, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    temporary.replace(path)


def place(cached: Path, target: Path) -> None:
    """`cached` at `target` in the site being built: a hard link where the file system allows, else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(cached, target)
    except OSError:
        shutil.copyfile(cached, target)
