"""What the site shows, read the way the reports read it: the catalogs through the sync's catalog step (no channel
rules, no HTTP) and the ledger's bindings. A product is on the site when some channel has an active listing of it
with an id; its links are the adapters' (`Adapter.listing_links`, which never calls a marketplace).

Nothing personal beyond what the listings show: the credit is the listing's (`Product.maker.credit`, the maker's
name only with a recorded consent and never for an LPKA), and no other maker field is read.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from connector.adapters.base import Adapter, Image, ListingLink
from connector.adapters.registry import adapter_class
from connector.catalog.validation import Catalogs
from connector.config import LINK_PLACEHOLDER, ChannelConfig, Config, InstitutionConfig, SiteLinkForm
from connector.schema import InstitutionType, Product, Taxonomy, top_category
from connector.site.model import ChannelLink, SiteCatalog, SiteInstitution, SiteProduct, SiteVariant
from connector.sync.catalogs import CatalogReading, Offer, read_catalogs
from connector.sync.desired import seller_sku
from connector.sync.images import Images
from connector.sync.ledger import Binding, Ledger

TYPE_NAMES = {
    InstitutionType.lapas: "Lembaga Pemasyarakatan",
    InstitutionType.rutan: "Rumah Tahanan Negara",
    InstitutionType.bapas: "Balai Pemasyarakatan",
    InstitutionType.lpka: "Lembaga Pembinaan Khusus Anak",
    InstitutionType.lpp: "Lembaga Pemasyarakatan Perempuan",
    InstitutionType.lpas: "Lembaga Penempatan Anak Sementara",
}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_WEB = re.compile(r"^https?://[^\s/?#]+[^\s]*$")

# An adapter class by its name: the installed ones (`adapter_class`); a test passes a plug-in of its own.
AdapterLookup = Callable[[str], type[Adapter]]
ListingLinks = Callable[[Binding], tuple[ListingLink, ...]]


@dataclass
class SiteReading:
    """The site's data, the catalog images of each product (by key, in the catalog's order) for the builder to
    resize, and what a person should know (channels without links, live products the catalogs no longer give)."""

    catalog: SiteCatalog
    images: dict[str, tuple[Image, ...]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def site_catalog(config: Config, ledger: Ledger, *, base_url: str) -> SiteCatalog:
    """The site's data; each product's `images` and `thumbnails` are where the builder puts its resized copies
    (`build.py` leaves out, with a warning, any it cannot make)."""
    return read_site(config, ledger, base_url=base_url).catalog


def read_site(config: Config, ledger: Ledger, *, base_url: str, adapters: AdapterLookup = adapter_class
              ) -> SiteReading:
    """`site_catalog`, with the catalog images to resize and the warnings. `adapters`: the adapter classes by name
    (the installed ones; a test passes a plug-in's)."""
    warnings: list[str] = []
    reading = read_catalogs(Catalogs(config), (), config.channels, Images(ledger))
    live = _live_bindings(config, ledger)
    links = {c.name: channel_links(c, config.site.sandbox_url, adapters, warnings, config.site.links)
             for c in config.channels}
    products: list[SiteProduct] = []
    images: dict[str, tuple[Image, ...]] = {}
    slugs: set[str] = set()
    for offer in reading.offers:
        bound = live.get(offer.product.key)
        if not bound:
            continue
        product, found = _site_product(offer, bound, links, config.taxonomy, slugs, warnings)
        products.append(product)
        images[product.key] = found
    warnings += _left_off(reading, live, {p.key for p in products})
    catalog = SiteCatalog(
        institutions=_institutions(config.institutions, products), products=tuple(products),
        base_url=base_url.rstrip("/"), built_at=datetime.now(config.zone).isoformat(timespec="seconds"))
    return SiteReading(catalog, images, warnings)


def _live_bindings(config: Config, ledger: Ledger) -> dict[str, list[tuple[str, Binding]]]:
    """Product key -> (channel, binding) of every active listing with an id, in the config's channel order."""
    live: dict[str, list[tuple[str, Binding]]] = {}
    for channel in config.channels:
        for key, binding in ledger.bindings.all(channel.name).items():
            if binding.active and binding.external_id:
                live.setdefault(key, []).append((channel.name, binding))
    return live


def channel_links(channel: ChannelConfig, sandbox_url: str, adapters: AdapterLookup, warnings: list[str],
                  forms: Mapping[str, SiteLinkForm] | None = None) -> ListingLinks:
    """The links of one channel's listings by their id. A channel whose adapter or credentials cannot be used
    gives none, with one warning (the credential values never in it)."""
    try:
        cls = adapters(channel.adapter)
    except Exception as err:  # an adapter that is gone or broken: the site is still built
        warnings.append(f"channel {channel.name}: the {channel.adapter} adapter cannot be loaded "
                        f"({type(err).__name__}): its listings have no links on the site")
        return lambda binding: ()
    credentials = _credentials(channel)
    sandbox = sandbox_url if channel.is_sandbox else None
    form = (forms or {}).get(channel.name)
    failed: list[str] = []

    def links(binding: Binding) -> tuple[ListingLink, ...]:
        if failed:
            return ()
        try:
            found = tuple(cls.listing_links(credentials, binding.external_id or "", sandbox=sandbox,
                                            variant_ids=binding.variant_ids))
            if not found and form is not None and not channel.is_sandbox:
                found = (given_link(form, credentials, binding.external_id or ""),)
        except Exception as err:  # a credential unset or unreadable: that channel gives no links, never a crash
            failed.append(channel.name)
            warnings.append(f"channel {channel.name}: links to its listings cannot be made "
                            f"({_redacted(err, credentials)}): check its credentials; its listings have no links "
                            "on the site")
            return ()
        usable = tuple(link for link in found if _WEB.match(link.url))
        if len(usable) < len(found):
            failed.append(channel.name)
            warnings.append(f"channel {channel.name}: its adapter gave a link that is not an http(s) address; "
                            "its listings have no links on the site")
            return ()
        return usable

    return links


def given_link(form: SiteLinkForm, credentials: Mapping[str, str], external_id: str) -> ListingLink:
    """The operator's form filled in: `{id}` the listing's id, `{x_id}` that credential (a KeyError when unset)."""
    values = {"id": quote(external_id, safe="")}
    return ListingLink(form.label, LINK_PLACEHOLDER.sub(lambda m: values.get(m[1]) or quote(credentials[m[1]], safe=""),
                                                    form.url))


def _credentials(channel: ChannelConfig) -> dict[str, str]:
    """What the config gives (an unset environment variable reads as empty and is left out: links need no
    secret to be valid), or the sandbox's own for a sandbox channel that gives none."""
    if channel.is_sandbox and not channel.credentials:
        from connector.sandbox import default_credentials

        return default_credentials(channel.adapter)
    return {key: value for key, value in channel.credentials.items() if value}


def _redacted(err: Exception, credentials: Mapping[str, str]) -> str:
    text = f"{type(err).__name__}: {err}"[:300]
    for value in credentials.values():
        if len(value) >= 4:
            text = text.replace(value, "[redacted]")
    return text


def _site_product(offer: Offer, bound: list[tuple[str, Binding]], links: dict[str, ListingLinks],
                  taxonomy: Taxonomy, slugs: set[str], warnings: list[str]) -> tuple[SiteProduct, tuple[Image, ...]]:
    product = offer.product
    slug = unique_slug(product, slugs)
    if isinstance(offer.parts, OSError):
        warnings.append(f"{product.key} ({product.source.file}, row {product.source.row}): an image cannot be read "
                        f"({offer.parts.strerror or type(offer.parts).__name__}): shown without images")
        found: tuple[Image, ...] = ()
    else:
        found = offer.parts.images
    variants = tuple(SiteVariant(" / ".join(v.options.values()), seller_sku(v.sku, offer.prefix), v.price,
                                 v.stock > 0) for v in product.variants)
    site = SiteProduct(
        key=product.key, slug=slug, institution=product.institution, name=product.name,
        description=product.description, category=top_category(product.category),
        subcategory=product.category if "/" in product.category else None,
        category_name=category_name(taxonomy, product.category), price=product.price, in_stock=product.stock > 0,
        credit=product.maker.credit, page=f"produk/{slug}.html",
        images=tuple(f"gambar/{slug}-{n}.jpg" for n in range(1, len(found) + 1)),
        thumbnails=tuple(f"gambar/kecil/{slug}-{n}.jpg" for n in range(1, len(found) + 1)),
        variants=variants, links=_links(bound, links))
    return site, found


def _links(bound: list[tuple[str, Binding]], links: dict[str, ListingLinks]) -> tuple[ChannelLink, ...]:
    out = []
    for channel, binding in bound:
        price = min(binding.prices.values()) if binding.prices else None
        for link in links.get(channel, lambda binding: ())(binding):
            out.append(ChannelLink(channel, link.label, link.url, price))
    return tuple(out)


def slug_text(text: str) -> str:
    """`Lapas Mojokerto:DMP_01` -> `lapas-mojokerto-dmp-01`: ASCII letters, digits and dashes."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_SLUG.sub("-", folded).strip("-")[:80].strip("-")


def unique_slug(product: Product, taken: set[str]) -> str:
    """The product's page name from its key (stable while its SKU is, whatever its name becomes); two keys that
    read alike get the key's hash added."""
    slug = slug_text(f"{product.institution}-{product.sku}") or "produk"
    if slug in taken:
        slug = f"{slug}-{hashlib.sha256(product.key.encode()).hexdigest()[:8]}"
    taken.add(slug)
    return slug


def category_name(taxonomy: Taxonomy, code: str) -> str:
    """The Indonesian name of the subcategory (`craft/kulit`), else of the top category."""
    top = taxonomy.top(code)
    if top is None:
        return code
    sub = next((s for s in top.subcategories if f"{top.code}/{s.code}" == code), None)
    return sub.name_id if sub else top.name_id


def _institutions(entries: list[InstitutionConfig], products: list[SiteProduct]) -> tuple[SiteInstitution, ...]:
    """Every institution with a product on the site, in the config's order."""
    by_institution: dict[str, list[str]] = {}
    for p in products:
        by_institution.setdefault(p.institution, []).append(p.key)
    return tuple(SiteInstitution(code=e.code, name=e.name, type=e.type.value, type_name=TYPE_NAMES[e.type],
                                 province=e.province, page=f"lembaga/{e.code}.html",
                                 products=tuple(by_institution[e.code]))
                 for e in entries if e.code in by_institution)


def _left_off(reading: CatalogReading, live: dict[str, list[tuple[str, Binding]]], shown: set[str]) -> list[str]:
    """Live listings the site cannot show, said once per institution and cause: its catalog cannot be read, their
    rows are refused (the listings stay as they are), or they have left the catalog (the next sync delists them)."""
    refused = set().union(*reading.untouchable.values()) if reading.untouchable else set()
    counts: dict[tuple[str, str], int] = {}
    for key in live.keys() - shown:
        institution = key.split(":", 1)[0]
        why = ("its catalog cannot be read (see pasindo validate)" if institution not in reading.readable
               else "their catalog rows are refused (see pasindo report --rejects)" if key in refused
               else "they are no longer in the catalog (the next sync delists them)")
        counts[(institution, why)] = counts.get((institution, why), 0) + 1
    return [f"{institution}: {n} product(s) listed on a channel are left off the site: {why}"
            for (institution, why), n in sorted(counts.items())]
