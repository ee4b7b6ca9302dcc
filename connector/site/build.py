"""`pasindo site`: the landing page built into a folder beside the output and swapped in whole, so a half-written
site is never published and a product delisted everywhere is gone (with its pages) from the next build.

The output folder is only ever replaced when it is one this builder made (it carries `MARKER`) or is empty: a
mistyped `--output` never wipes someone's folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from connector.adapters.registry import adapter_class
from connector.config import Config
from connector.site.data import AdapterLookup, SiteReading, read_site
from connector.site.feeds import web_address, write_feeds
from connector.site.images import SIZES, ImageUnusable, ResizedImages, place
from connector.site.model import SiteCatalog, SiteProduct
from connector.site.pages import write_pages
from connector.sync.ledger import Ledger

MARKER = ".pasindo-site"  # in the output folder: this builder made it, so a build may replace it
CACHE = "site-images"  # in the state directory: the resized copies by content hash


class SiteError(Exception):
    """The site cannot be written where asked (the command exits 2): one line naming the path and what to do."""


@dataclass
class SiteBuild:
    output: Path
    products: int = 0
    institutions: int = 0
    links: int = 0
    images_made: int = 0  # resized in this build
    images_reused: int = 0  # taken from the cache: unchanged since an earlier build, or shared with another product
    placeholders: int = 0  # products shown without any image
    files: int = 0
    feeds: list[str] = field(default_factory=list)  # the feed files; none while the site has no web address
    warnings: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {"output": str(self.output), "products": self.products, "institutions": self.institutions,
                "links": self.links, "images_made": self.images_made, "images_reused": self.images_reused,
                "placeholders": self.placeholders, "files": self.files, "feeds": self.feeds,
                "warnings": self.warnings}

    def summary(self) -> str:
        return (f"site written to {self.output}: {self.products} products, {self.institutions} institutions, "
                f"{self.links} links to listings; images: {self.images_made} resized, {self.images_reused} "
                f"from the cache, {self.placeholders} products with a placeholder; {self._feeds()}; "
                f"{len(self.warnings)} warnings")

    def _feeds(self) -> str:
        if self.feeds:
            return "product feeds: " + ", ".join(self.feeds)
        return "no product feeds: they need the site's web address (site.base_url or --base-url)"


def build_site(config: Config, ledger: Ledger, output: Path, *, base_url: str | None = None,
               adapters: AdapterLookup = adapter_class) -> SiteBuild:
    """The site of every product live on some channel, into `output`. `base_url`: where it is published (default:
    the config's `site.base_url`, else the output folder as a file:// address). Raises SiteError."""
    output = output.absolute()
    _check_output(output)
    base = base_url or config.site.base_url or output.as_uri()
    reading = read_site(config, ledger, base_url=base, adapters=adapters)
    built = SiteBuild(output, warnings=list(reading.warnings))
    cache = ResizedImages(config.state_dir / CACHE)
    staging = _staging(output)
    try:
        catalog = _place_images(reading, cache, staging, built)
        written = write_pages(catalog, config.taxonomy, staging)
        if web_address(catalog.base_url):  # a feed's links must reach the site: without its address, no feeds
            feeds, left_out = write_feeds(catalog, staging)
            written += feeds
            built.feeds = [path.relative_to(staging).as_posix() for path in feeds]
            built.warnings += [f"{key}: {reason}" for key, reason in left_out]
        (staging / MARKER).write_text("built by pasindo site; the next build replaces this folder\n",
                                      encoding="utf-8")
        _swap(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    cache.prune()
    built.products, built.institutions = len(catalog.products), len(catalog.institutions)
    built.links = sum(len(p.links) for p in catalog.products)
    built.images_made, built.images_reused, built.files = cache.made, cache.reused, len(written) + 1
    return built


def _check_output(output: Path) -> None:
    if output.exists() and not output.is_dir():
        raise SiteError(f"{output}: cannot write the site there: it is a file; give a folder for --output")
    if output.is_dir() and not (output / MARKER).is_file() and any(output.iterdir()):
        raise SiteError(f"{output}: cannot write the site there: the folder holds files this command did not "
                        "write, and a build replaces the whole folder; give a new or empty folder for --output")


def _staging(output: Path) -> Path:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    except OSError as err:
        raise SiteError(f"{output}: cannot write the site there: {os.strerror(err.errno or 0).lower()}; choose "
                        "another --output") from None
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # a published folder, readable as the user's files are (mkdtemp makes it 0700)
    return staging


def _swap(staging: Path, output: Path) -> None:
    """`staging` becomes `output`; the previous build goes away only once the new one is in place."""
    old = None
    if output.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{output.name}-old-", dir=output.parent))
        output.rename(old / "site")
    try:
        staging.rename(output)
    except OSError:
        if old is not None:  # put the previous build back: a build never leaves no site
            (old / "site").rename(output)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _place_images(reading: SiteReading, cache: ResizedImages, staging: Path, built: SiteBuild) -> SiteCatalog:
    """Each product's resized copies into the site; an image that cannot be had is left out with a warning, and a
    product left with none is shown with a placeholder."""
    products = []
    for product in reading.catalog.products:
        images, thumbnails = [], []
        for n, image in enumerate(reading.images.get(product.key, ()), start=1):
            try:
                copies = cache.copies(image)
            except ImageUnusable as err:
                built.warnings.append(f"{product.key}: {err}; left out of its page")
                continue
            large, small = f"gambar/{product.slug}-{n}.jpg", f"gambar/kecil/{product.slug}-{n}.jpg"
            for size, path in zip(SIZES, (large, small), strict=True):
                place(copies[size], staging / path)
            images.append(large)
            thumbnails.append(small)
        if not images:
            built.placeholders += 1
        products.append(_with_images(product, images, thumbnails))
    return replace(reading.catalog, products=tuple(products))


def _with_images(product: SiteProduct, images: list[str], thumbnails: list[str]) -> SiteProduct:
    return replace(product, images=tuple(images), thumbnails=tuple(thumbnails))
