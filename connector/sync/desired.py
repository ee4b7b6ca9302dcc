"""Desired state: what one channel should show for one PASINDO product (pure, apart from image hashing).

Channel rules apply here: price markup and rounding, stock buffer, allocation and cap, the category map, the
seller SKU prefix. Units sold on every channel since staff last set a stock figure are an input: desired state is
made once per run from the catalog, the channel's rules and the units sold, and never changed afterwards. The
result is a `Listing` and its fingerprints per aspect, which the plan compares with the ledger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from connector.adapters.base import AttributeValue, Image, Listing, ListingVariant
from connector.category_maps import CategoryMap, CategoryMapError
from connector.config import ChannelConfig, PriceRule, StockRule
from connector.schema import PRICE_MAX, PRICE_MIN, Product


def seller_sku(sku: str, prefix: str | None) -> str:
    return f"{prefix}-{sku}" if prefix else sku


def channel_price(price: int, rule: PriceRule) -> int:
    """Markup, rounded half up to the step, kept within the rule's and the schema's bounds.

    Integer arithmetic in basis points: exact for markups with up to two decimals, and no float ever touches
    money."""
    basis = 10_000 + round(rule.markup_percent * 100)
    step = rule.round_to * 10_000
    result = (price * basis + step // 2) // step * rule.round_to
    if rule.min is not None:
        result = max(result, rule.min)
    if rule.max is not None:
        result = min(result, rule.max)
    return min(max(result, PRICE_MIN), PRICE_MAX)


def channel_stock(stock: int, rule: StockRule) -> int:
    """What a channel shows of the available stock: less the buffer, its allocation share (rounded down, so the
    channels together never promise more than there is), within the cap."""
    value = max(0, stock - rule.buffer) * rule.allocation_percent // 100
    return value if rule.max is None else min(value, rule.max)


def available_stock(catalog: int, sold: int) -> int:
    """The catalog's figure less the units sold on every channel since staff last set it."""
    return max(0, catalog - sold)


def stock_key(institution: str, sku: str) -> str:
    """Identifies one stock figure of a catalog (a product without variants, or a variant) across channels."""
    return f"{institution}:{sku}"


def catalog_stock(product: Product) -> dict[str, int]:
    """The catalog's stock figures of one product, by stock key."""
    if product.variants:
        return {stock_key(product.institution, v.sku): v.stock for v in product.variants}
    return {stock_key(product.institution, product.sku): product.stock}


NOTHING_SOLD: Mapping[str, int] = {}


@dataclass(frozen=True)
class ProductParts:
    """What every channel's listing of one product shares, worked out once per product per run."""

    product: Product
    description: str
    images: tuple[Image, ...]
    digest: str  # of the channel-independent content


def product_parts(product: Product, image: Callable[[str], Image]) -> ProductParts:
    description = product.description
    if product.maker.credit not in description:
        description = f"{description}\n\n{product.maker.credit}."
    images = tuple(image(ref) for ref in product.images)
    digest = fingerprint((
        product.name, description, product.weight_g, (product.length_cm, product.width_cm, product.height_cm),
        tuple(i.sha256 for i in images), tuple((v.sku, tuple(v.options.items())) for v in product.variants),
    ))
    return ProductParts(product, description, images, digest)


class Desired:
    """What one channel should show for one product: the values the plan compares, and the `Listing` for the
    adapter — built only when an operation needs it, since most products need none on most runs."""

    __slots__ = ("parts", "key", "institution", "seller_sku", "variant_skus", "category_id", "prices", "stock",
                 "active", "content_fp", "stock_keys", "attributes", "title", "images", "_listing")

    def __init__(self, parts: ProductParts, channel: ChannelConfig, category_id: int | str, prefix: str | None,
                 sold: Mapping[str, int] = NOTHING_SOLD, attributes: tuple[AttributeValue, ...] = (), *,
                 title: str | None = None, images: int | None = None):
        """`sold`: units sold on every channel since the catalog's figure was set, by stock key; `attributes`: the
        category's attributes as filled for this channel; `title` and `images`: the listed title and how many of
        the product's photos, where the channel's listing rules adapted them (`fit.py`; None: as in the catalog)."""
        product = parts.product
        self.parts = parts
        self.attributes = attributes
        self.title = product.name if title is None else title
        self.images = parts.images if images is None else parts.images[:images]
        self.key, self.institution, self.category_id = product.key, product.institution, category_id
        self.seller_sku = seller_sku(product.sku, prefix)
        self.variant_skus = tuple(seller_sku(v.sku, prefix) for v in product.variants)
        rule = channel.stock
        if product.variants:
            self.prices = {s: channel_price(v.price, channel.price) for s, v in zip(self.variant_skus,
                                                                                     product.variants, strict=True)}
            self.stock_keys = {s: stock_key(product.institution, v.sku) for s, v in zip(self.variant_skus,
                                                                                         product.variants, strict=True)}
            self.stock = {s: channel_stock(available_stock(v.stock, sold.get(self.stock_keys[s], 0)), rule)
                          for s, v in zip(self.variant_skus, product.variants, strict=True)}
        else:
            self.prices = {self.seller_sku: channel_price(product.price, channel.price)}
            key = stock_key(product.institution, product.sku)
            self.stock_keys = {self.seller_sku: key}
            self.stock = {self.seller_sku: channel_stock(available_stock(product.stock, sold.get(key, 0)), rule)}
        self.active = not (channel.stock.delist_at_zero and sum(self.stock.values()) == 0)
        # attributes join the fingerprint only when there are some, so a channel without category rules keeps the
        # fingerprints its listings were acknowledged with
        content = (parts.digest, category_id, prefix, BRAND)
        if attributes:
            content += (tuple((a.attribute_id, a.value, a.option_id) for a in attributes),)
        if title is not None or images is not None:  # likewise: only an adapted listing's fingerprint moves
            content += (("fitted", self.title, len(self.images)),)
        self.content_fp = fingerprint(content)
        self._listing: Listing | None = None

    @property
    def listing(self) -> Listing:
        if self._listing is None:
            product = self.parts.product
            variants = tuple(ListingVariant(sku, self.prices[sku], self.stock[sku], dict(v.options))
                             for sku, v in zip(self.variant_skus, product.variants, strict=True))
            self._listing = Listing(
                key=self.key, seller_sku=self.seller_sku, name=self.title, description=self.parts.description,
                category_id=self.category_id, price=min(self.prices.values()), stock=sum(self.stock.values()),
                weight_g=product.weight_g, images=self.images, variants=variants, brand=BRAND,
                length_cm=product.length_cm, width_cm=product.width_cm, height_cm=product.height_cm,
                attributes=self.attributes,
            )
        return self._listing


BRAND = "No Brand"


def fingerprint(value: tuple) -> str:
    """A stable digest of plain values (str, int, None, tuples of them): repr is exact for these."""
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def desired_listing(product: Product, *, channel: ChannelConfig, categories: CategoryMap, sku_prefix: str | None,
                    parts: ProductParts | None = None, image: Callable[[str], Image] | None = None,
                    sold: Mapping[str, int] = NOTHING_SOLD) -> Desired:
    """Raises CategoryMapError when the channel has no category for the product. Give the product's `parts`
    (worked out once for all channels), or `image` to work them out here."""
    category_id = categories.lookup(product.category)
    if category_id is None:
        raise CategoryMapError(f"no category id for {product.category} in {categories.source}")
    if parts is None:
        if image is None:
            raise TypeError("desired_listing needs the product's parts or an image resolver")
        parts = product_parts(product, image)
    return Desired(parts, channel, category_id, sku_prefix, sold)


class Candidate(NamedTuple):
    """A product one channel can list: what its desired listing is made from, stock figures aside."""

    parts: ProductParts
    category_id: int | str
    prefix: str | None
    attributes: tuple[AttributeValue, ...] = ()
    title: str | None = None  # the title the channel's listing rules made of the name (None: as written)
    images: int | None = None  # how many of the product's photos the channel shows (None: all)

    def seller_skus(self) -> list[str]:
        """The product's own seller SKU, then its variants'."""
        product = self.parts.product
        return [seller_sku(product.sku, self.prefix), *(seller_sku(v.sku, self.prefix) for v in product.variants)]

    def stock_keys(self) -> dict[str, str]:
        """Seller SKU that carries stock (the variants', or the product's own) -> the catalog's stock key."""
        product = self.parts.product
        if product.variants:
            return {seller_sku(v.sku, self.prefix): stock_key(product.institution, v.sku) for v in product.variants}
        return {seller_sku(product.sku, self.prefix): stock_key(product.institution, product.sku)}


def desired_state(candidates: Mapping[str, Candidate], channel: ChannelConfig,
                  sold: Mapping[str, int] = NOTHING_SOLD) -> dict[str, Desired]:
    """Every desired listing of one channel, by product key: the channel's candidates under its rules, less the
    units sold on every channel (by stock key)."""
    return {key: Desired(c.parts, channel, c.category_id, c.prefix, sold, c.attributes, title=c.title,
                         images=c.images) for key, c in candidates.items()}
