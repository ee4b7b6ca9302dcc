"""Desired state: what one channel should show for one PASINDO product (pure, apart from image hashing).

Channel rules apply here: price markup and rounding, stock buffer and cap, the category map, the seller SKU
prefix. The result is a `Listing` and its fingerprints per aspect, which the plan compares with the ledger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from connector.adapters.base import Image, Listing, ListingVariant
from connector.config import BUILTIN_MAPPINGS, ChannelConfig, PriceRule, StockRule
from connector.schema import PRICE_MAX, PRICE_MIN, Product, top_category

BUILTIN_CHANNEL_MAPS = BUILTIN_MAPPINGS / "channels"


class CategoryMapError(Exception):
    pass


@dataclass(frozen=True)
class CategoryMap:
    """PASINDO category -> the channel's category id, with a fallback per top-level category."""

    ids: dict[str, int | str]
    source: str

    def lookup(self, category: str) -> int | str | None:
        return self.ids.get(category) or self.ids.get(top_category(category))


def load_category_map(channel: ChannelConfig) -> CategoryMap:
    path = channel.categories or BUILTIN_CHANNEL_MAPS / f"{channel.adapter}.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CategoryMapError(f"channel {channel.name}: cannot read category map {path}: {err}") from None
    ids = (raw or {}).get("categories") if isinstance(raw, dict) else None
    if not isinstance(ids, dict):
        raise CategoryMapError(f"channel {channel.name}: {path} needs a 'categories' mapping")
    return CategoryMap(ids={str(k): v for k, v in ids.items()}, source=str(path))


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
    value = max(0, stock - rule.buffer)
    return value if rule.max is None else min(value, rule.max)


@dataclass(frozen=True)
class Desired:
    """A listing and whether it should be live, with the fingerprint of its content."""

    listing: Listing
    active: bool
    content_fp: str
    institution: str


def fingerprint(value: tuple) -> str:
    """A stable digest of plain values (str, int, None, tuples of them): repr is exact for these."""
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def desired_listing(product: Product, *, channel: ChannelConfig, categories: CategoryMap, sku_prefix: str | None,
                    image: Callable[[str], Image]) -> Desired:
    """Raises CategoryMapError when the channel has no category for the product."""
    category_id = categories.lookup(product.category)
    if category_id is None:
        raise CategoryMapError(f"no category id for {product.category} in {categories.source}")
    variants = tuple(
        ListingVariant(seller_sku=seller_sku(v.sku, sku_prefix), price=channel_price(v.price, channel.price),
                       stock=channel_stock(v.stock, channel.stock), options=dict(v.options))
        for v in product.variants
    )
    price = min((v.price for v in variants), default=channel_price(product.price, channel.price))
    stock = sum(v.stock for v in variants) if variants else channel_stock(product.stock, channel.stock)
    description = product.description
    if product.maker.credit not in description:
        description = f"{description}\n\n{product.maker.credit}."
    listing = Listing(
        key=product.key, seller_sku=seller_sku(product.sku, sku_prefix), name=product.name,
        description=description, category_id=category_id, price=price, stock=stock, weight_g=product.weight_g,
        images=tuple(image(ref) for ref in product.images), variants=variants, length_cm=product.length_cm,
        width_cm=product.width_cm, height_cm=product.height_cm,
    )
    content = (
        listing.name, listing.description, listing.category_id, listing.weight_g,
        (listing.length_cm, listing.width_cm, listing.height_cm), tuple(i.sha256 for i in listing.images),
        listing.seller_sku, tuple((v.seller_sku, tuple(v.options.items())) for v in variants), listing.brand,
        tuple(sorted((k, repr(v)) for k, v in listing.attributes.items())),
    )
    active = not (channel.stock.delist_at_zero and stock == 0)
    return Desired(listing=listing, active=active, content_fp=fingerprint(content), institution=product.institution)
