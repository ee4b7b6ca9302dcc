"""The product feeds: the landing page's products in the formats shopping search and social shops read for free.

`write_feeds(catalog, output)` writes `output/feeds/google-merchant.xml` and `output/feeds/meta-catalog.csv` and
returns `(paths, warnings)`; a warning is `(product key, reason)` for an item left out (or a product written without
something it should have), `("", reason)` for the whole feed.

Checked against (December 2026):
- Google Merchant Center "Product data specification" (support.google.com/merchants/answer/7052112) and its
  attribute pages: availability (answer/6324448: in_stock, out_of_stock, preorder, backorder), price (answer/6324371:
  a number and an ISO 4217 currency), item group id (answer/6324507: variants share one, they differ by size, color,
  material, pattern, age_group or gender; 1-50 characters, ASCII letters, digits, underscores and dashes recommended),
  additional image link (up to 10, each up to 2,000 characters, URLs in ASCII per RFC 3986). Limits enforced: id 50,
  title 150, description 5,000, link and image links 2,000, brand 70, size and color 100; an RSS 2.0 feed with the
  `g:` namespace http://base.google.com/ns/1.0. Price written "150000.00 IDR".
- Meta "Catalog Fields" (developers.facebook.com/docs/commerce-platform/catalog/fields, updated Jan 13, 2025) and
  "Reference - Catalog" (developers.facebook.com/docs/marketing-api/catalog/reference: a CSV's first row is the
  header, a field with a comma or quote is quoted and a quote doubled). Required: id, title, description,
  availability ("in stock" / "out of stock"), condition, price, link, image_link, brand. Limits enforced: id 100,
  title 200, description 9,999, brand 100, additional_image_link up to 20 URLs in 2,000 characters. Price written
  "150000 IDR". fb_product_category is left out: no copy of Meta's own category ids was at hand to check one against;
  Meta also reads google_product_category, which is given where known.

Ids: a product without variants is its product key (`institution:SKU`, the ledger's identity of it: it never
changes while the product exists); a variant is the key and its seller SKU (`institution:SKU/SELLER-SKU`), so every
variant of the shop has its own stable id and all of them share the product's item_group_id. An id past the limit
(a long institution code) becomes "PSD-" and 24 hex digits of its SHA-256: still stable, still unique.

Text: control characters removed, HTML tags removed from descriptions (the formats want plain text), runs of spaces
folded, cut at a word boundary to each limit; XML escaping is ElementTree's, CSV quoting the csv module's.
"""

from __future__ import annotations

import csv
import hashlib
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from connector.schema import BUILTIN_MAPPINGS
from connector.site.model import SiteCatalog, SiteProduct, SiteVariant
from connector.yamlfile import YamlFileError, read_yaml

GOOGLE_NS = "http://base.google.com/ns/1.0"
GOOGLE_FILE = "google-merchant.xml"
META_FILE = "meta-catalog.csv"
CATEGORY_MAP = BUILTIN_MAPPINGS / "google-product-category.yaml"
CURRENCY = "IDR"

GOOGLE_LIMITS = {"id": 50, "title": 150, "description": 5000, "link": 2000, "brand": 70, "item_group_id": 50,
                 "size": 100, "color": 100}
GOOGLE_EXTRA_IMAGES = 10
META_LIMITS = {"id": 100, "title": 200, "description": 9999, "link": 2000, "brand": 100, "item_group_id": 100,
               "size": 100, "color": 100}
META_EXTRA_IMAGES = 20
META_COLUMNS = ("id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand",
                "additional_image_link", "item_group_id", "google_product_category", "gtin", "size", "color")

# C0 and C1 controls (tab and newline become spaces later), and what XML 1.0 cannot carry at all
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LOOSE_MARK = re.compile(r" ([,.;:!?])")  # "<b>Nusakambangan</b>, ..." leaves a space before the comma
_GROUP_ID = re.compile(r"[A-Za-z0-9_-]{1,50}")
# Clothing and shoe sizes as Indonesian catalogs write them; anything else in a variant's name is not taken for one.
_SIZE = re.compile(r"(?i)(?:x{0,3}s|m|x{0,4}l|[2-5]xl|all ?size|free ?size|jumbo|\d{1,2}(?:[.,]5)?)")
_COLORS = frozenset({
    "hitam", "putih", "merah", "biru", "hijau", "kuning", "coklat", "cokelat", "abu", "abu-abu", "ungu", "oranye",
    "jingga", "pink", "merah muda", "krem", "cream", "navy", "emas", "perak", "maroon", "tosca", "toska", "salem",
    "hitam putih", "biru dongker", "natural", "black", "white", "red", "blue", "green", "yellow", "brown", "grey",
    "gray", "purple", "orange", "gold", "silver", "indigo", "sogan", "soga", "marun", "nila"})

Warning = tuple[str, str]


@dataclass(frozen=True)
class FeedItem:
    """One offer as both formats carry it: a product without variants, or one variant of a product."""

    key: str  # the product's key, for warnings
    id: str
    title: str
    description: str
    link: str
    image_link: str
    extra_images: tuple[str, ...]
    in_stock: bool
    price: int  # whole rupiah
    brand: str
    condition: str
    gtin: str | None
    google_category: int | None
    group_id: str | None = None
    size: str | None = None
    color: str | None = None


@dataclass
class _Items:
    items: list[FeedItem] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)


def write_feeds(catalog: SiteCatalog, output: Path) -> tuple[list[Path], list[Warning]]:
    """Both feeds under `output/feeds/`, from the catalog; the files written and what was left out, and why."""
    if not web_address(catalog.base_url):
        return [], [("", f"the site's base URL {catalog.base_url[:200]!r} is not an http(s) address: the feeds need "
                         "absolute web links to the product pages (set site.base_url); no feed written")]
    categories, warnings = _category_map(CATEGORY_MAP)
    found = feed_items(catalog, categories)
    folder = output / "feeds"
    folder.mkdir(parents=True, exist_ok=True)
    google = folder / GOOGLE_FILE
    google.write_bytes(google_feed(catalog, found.items))
    meta = folder / META_FILE
    meta.write_text(meta_feed(found.items), encoding="utf-8", newline="")
    return [google, meta], warnings + found.warnings


def feed_items(catalog: SiteCatalog, categories: Mapping[str, int]) -> _Items:
    """Every product's offers, in the catalog's order; a product that cannot meet a required field is left out."""
    out = _Items()
    for product in catalog.products:
        problem = _unfit(product)
        if problem:
            out.warnings.append((product.key, problem))
            continue
        category = categories.get(product.subcategory or "") or categories.get(product.category)
        out.items += _offers(catalog, product, category, out.warnings)
    seen: set[str] = set()
    unique = []
    for item in out.items:
        if item.id in seen:
            out.warnings.append((item.key, f"id {item.id} is already another item's: left out"))
            continue
        seen.add(item.id)
        unique.append(item)
    out.items = unique
    return out


def _unfit(product: SiteProduct) -> str | None:
    if not product.images:
        return "no image: image_link is required by both feeds; left out until the product has a photo"
    if not plain(product.name):
        return "no title left after removing control characters: left out"
    if not plain(product.description, html=True):
        return "no description (plain text, without HTML): description is required by both feeds; left out"
    if product.price <= 0:
        return f"price {product.price} is not above zero: left out"
    return None


def _offers(catalog: SiteCatalog, product: SiteProduct, category: int | None,
            warnings: list[Warning]) -> list[FeedItem]:
    images = tuple(_url(catalog, path) for path in product.images)
    common = {"key": product.key, "description": plain(product.description, html=True),
              "link": _url(catalog, product.page), "image_link": images[0], "extra_images": images[1:],
              "brand": plain(product.brand) or "PASINDO", "condition": product.condition, "gtin": product.gtin,
              "google_category": category}
    if any(len(url) > GOOGLE_LIMITS["link"] for url in (common["link"], *images)):
        warnings.append((product.key, "its page or image address is longer than 2,000 characters: left out"))
        return []
    if not product.variants:
        return [FeedItem(id=item_id(product.key), title=plain(product.name), in_stock=product.in_stock,
                         price=product.price, **common)]
    group = group_id(product.key)
    offers = []
    for variant in product.variants:
        size, color = variant_attributes(variant)
        if size is None and color is None and product.category == "fashion":
            warnings.append((product.key, f"variant {variant.seller_sku} ({variant.name[:60]}): its name gives no "
                                          "size or color, the attributes Google tells variants apart by"))
        offers.append(FeedItem(id=item_id(f"{product.key}/{variant.seller_sku}"),
                               title=_variant_title(product.name, variant.name), in_stock=variant.in_stock,
                               price=variant.price, group_id=group, size=size, color=color, **common))
    return offers


def _variant_title(name: str, variant: str) -> str:
    """"Kemeja Batik Tulis - L": the product's name, cut to leave room within the shorter title limit (Google's),
    and what sets the variant apart."""
    suffix = cut(plain(variant), GOOGLE_LIMITS["title"] // 3)
    if not suffix:
        return plain(name)
    return f"{cut(plain(name), GOOGLE_LIMITS['title'] - len(suffix) - 3)} - {suffix}"


def variant_attributes(variant: SiteVariant) -> tuple[str | None, str | None]:
    """(size, color) read from a variant's option values ("Hitam / 42"): a value that is a size, or a colour (or
    starts with one), as catalogs write them; the catalog's option names do not reach the site, so nothing else is
    guessed."""
    size = color = None
    for part in (p.strip() for p in variant.name.split("/")):
        if size is None and _SIZE.fullmatch(part):
            size = part
        elif color is None and (part.lower() in _COLORS or part.split(" ")[0].lower() in _COLORS):
            color = part  # "Hijau Botol", "Coklat Soga": a colour word and its shade
    return size, color


def item_id(text: str) -> str:
    """An item's id: `text` itself within Google's 50 characters, else a stable digest of it."""
    return text if len(text) <= GOOGLE_LIMITS["id"] else "PSD-" + hashlib.sha256(text.encode()).hexdigest()[:24]


def group_id(key: str) -> str:
    """A product's item_group_id: its key with ':' as '_' (institution codes have no '_', so keys stay apart) where
    that is letters, digits, '_' and '-' within 50 characters; else a stable digest."""
    candidate = key.replace(":", "_", 1)
    if _GROUP_ID.fullmatch(candidate):
        return candidate
    return "PSD-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def plain(text: str, *, html: bool = False) -> str:
    """One line of text without control characters (and, with `html`, without tags), spaces folded."""
    text = _CONTROL.sub(" ", text)
    if html:
        text = _TAG.sub(" ", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    joined = " ".join(line for line in lines if line)
    return _LOOSE_MARK.sub(r"\1", joined) if html else joined


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at the last word boundary before it (mid-word only for one word)."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    space = head.rfind(" ")
    return (head[:space] if space > 0 else text[:limit]).rstrip(" ,;:-")


def _url(catalog: SiteCatalog, path: str) -> str:
    """An absolute address of a site path, its non-ASCII and reserved characters percent-encoded (RFC 3986)."""
    return catalog.absolute(quote(path, safe="/-._~"))


def web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and url.isascii()


def _category_map(path: Path) -> tuple[dict[str, int], list[Warning]]:
    """The PASINDO category -> Google category id map; a missing or broken file gives no categories (the field is
    optional) and one warning."""
    try:
        document = read_yaml(path)
    except YamlFileError as err:
        return {}, [("", f"{path.name}: {err}; the feeds give no google_product_category")]
    entries = (document or {}).get("categories") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        return {}, [("", f"{path.name}: no `categories:` map; the feeds give no google_product_category")]
    found = {str(k): v for k, v in entries.items() if isinstance(v, int) and not isinstance(v, bool) and v > 0}
    wrong = sorted(str(k) for k in entries if str(k) not in found)
    return found, [("", f"{path.name}: {name} is not a category id, left out") for name in wrong]


# --- Google Merchant Center: RSS 2.0 with the g: namespace ----------------------------------------------------


def google_feed(catalog: SiteCatalog, items: list[FeedItem]) -> bytes:
    ElementTree.register_namespace("g", GOOGLE_NS)
    rss = ElementTree.Element("rss", {"version": "2.0"})
    channel = ElementTree.SubElement(rss, "channel")
    ElementTree.SubElement(channel, "title").text = "PASINDO"
    ElementTree.SubElement(channel, "link").text = catalog.base_url
    ElementTree.SubElement(channel, "description").text = (
        "Produk karya warga binaan pemasyarakatan Indonesia (PASINDO)")
    for item in items:
        _google_item(ElementTree.SubElement(channel, "item"), item)
    ElementTree.indent(rss)
    return ElementTree.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def _google_item(element: ElementTree.Element, item: FeedItem) -> None:
    limits = GOOGLE_LIMITS

    def put(name: str, value: str | None) -> None:
        if value:
            ElementTree.SubElement(element, f"{{{GOOGLE_NS}}}{name}").text = value

    put("id", item.id)
    put("title", cut(item.title, limits["title"]))
    put("description", cut(item.description, limits["description"]))
    put("link", item.link)
    put("image_link", item.image_link)
    for extra in item.extra_images[:GOOGLE_EXTRA_IMAGES]:
        put("additional_image_link", extra)
    put("availability", "in_stock" if item.in_stock else "out_of_stock")
    put("price", f"{item.price}.00 {CURRENCY}")
    put("brand", cut(item.brand, limits["brand"]))
    put("condition", item.condition)
    put("google_product_category", str(item.google_category) if item.google_category else None)
    put("gtin", item.gtin)
    put("identifier_exists", None if item.gtin else "no")  # handmade goods carry no GTIN
    put("item_group_id", item.group_id)
    put("size", cut(item.size, limits["size"]) if item.size else None)
    put("color", cut(item.color, limits["color"]) if item.color else None)


# --- Meta (Facebook / Instagram) catalog: CSV ----------------------------------------------------------------


class _Text:
    """A file-like collector for csv.writer."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)


def meta_feed(items: list[FeedItem]) -> str:
    out = _Text()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(META_COLUMNS)
    for item in items:
        row = _meta_row(item)
        writer.writerow([row.get(column, "") for column in META_COLUMNS])
    return "".join(out.parts)


def _meta_row(item: FeedItem) -> dict[str, str]:
    limits = META_LIMITS
    return {
        "id": item.id, "title": cut(item.title, limits["title"]),
        "description": cut(item.description, limits["description"]),
        "availability": "in stock" if item.in_stock else "out of stock", "condition": item.condition,
        "price": f"{item.price} {CURRENCY}", "link": item.link, "image_link": item.image_link,
        "brand": cut(item.brand, limits["brand"]), "additional_image_link": _joined(item.extra_images),
        "item_group_id": item.group_id or "", "google_product_category": str(item.google_category or ""),
        "gtin": item.gtin or "", "size": item.size or "", "color": item.color or "",
    }


def _joined(urls: tuple[str, ...]) -> str:
    """Up to 20 URLs, comma-separated, within 2,000 characters (a URL that does not fit is left out)."""
    kept: list[str] = []
    for url in urls[:META_EXTRA_IMAGES]:
        if len(",".join([*kept, url])) > META_LIMITS["link"]:
            break
        kept.append(url)
    return ",".join(kept)
