"""What the landing page and the feeds are made of: plain data, built once per build from the catalogs and the
ledger (`connector/site/data.py`), read by the pages (`pages.py`) and the feeds (`feeds.py`).

Paths are relative to the site's root, with forward slashes; `SiteCatalog.base_url` makes them absolute where a
format asks for absolute links (the feeds).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelLink:
    """One place to buy a product: a live listing on one channel."""

    channel: str  # the channel's name in the config
    label: str  # what a buyer knows it as: "Shopee", "Lazada", "TikTok Shop", "Tokopedia"
    url: str
    price: int | None  # rupiah the channel acknowledged (the lowest over the variants); None when not known


@dataclass(frozen=True)
class SiteVariant:
    name: str  # the option values as the listing shows them ("Hitam / 42")
    seller_sku: str
    price: int  # rupiah, the catalog's price
    in_stock: bool


@dataclass(frozen=True)
class SiteProduct:
    key: str  # the product key the ledger uses
    slug: str  # unique in the site, safe as a file name
    institution: str  # the institution's code
    name: str
    description: str
    category: str  # top category code: craft, culinary, fashion
    subcategory: str | None  # full code, "craft/kulit"; None when the catalog gives only the top category
    category_name: str  # Indonesian name of the subcategory, else of the category
    price: int  # rupiah, the lowest catalog price over the variants
    in_stock: bool  # some variant has units
    credit: str  # the credit line exactly as the listings carry it ("Karya WBP Lapas ...")
    page: str  # "produk/<slug>.html"
    images: tuple[str, ...]  # the resized copies: "gambar/<slug>-1.jpg", ...; the first is the main image
    variants: tuple[SiteVariant, ...]
    links: tuple[ChannelLink, ...]  # at least one: only products live on some channel are on the site
    brand: str = "PASINDO"
    condition: str = "new"
    gtin: str | None = None  # a barcode number where the catalog gives one
    thumbnails: tuple[str, ...] = ()  # small copies of `images`, one each, same order: "gambar/kecil/<slug>-1.jpg"


@dataclass(frozen=True)
class SiteInstitution:
    code: str
    name: str
    type: str  # lapas, rutan, lpp, lpka, bapas
    type_name: str  # Indonesian: "Lembaga Pemasyarakatan", "Rumah Tahanan Negara", ...
    province: str | None
    page: str  # "lembaga/<code>.html"
    products: tuple[str, ...]  # keys of its products on the site, in the site's order


@dataclass(frozen=True)
class SiteCatalog:
    institutions: tuple[SiteInstitution, ...]
    products: tuple[SiteProduct, ...]
    base_url: str  # where the site is published, without a trailing slash ("https://pasindo.example.go.id")
    built_at: str  # ISO 8601 with the offset

    def absolute(self, path: str) -> str:
        return f"{self.base_url}/{path}"
