"""Fitting one product to one channel's listing rules, before any call (pure).

Each adapter declares what its marketplace accepts (`Adapter.listing_rules`, `ListingRules`). What the sync can
change without changing what staff wrote, it adapts: a name shorter than the channel's minimum is completed —
the name as written first, then, joined by " - ", the subcategory's Indonesian name, the material and the credit
line, each only when the name does not say it already, in that order, stopping as soon as the minimum is reached,
never past the maximum and never cutting a piece; more photos than the channel shows are sent as the first ones.
Everything else that does not fit refuses the product for that channel only, with the cell to change: a name
too long (or that cannot be completed), a description too short or too long, too few photos, weight or package
sides out of range, a channel price or stock out of range, too many variants, a seller SKU too long.

Price and stock are checked as the channel would get them (its price rule; its stock rule on the catalog's figure,
the most it can show before units sold are taken off).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from connector.adapters.base import ListingRules
from connector.config import ChannelConfig
from connector.schema import TAXONOMY, Product
from connector.sync.desired import ProductParts, channel_price, channel_stock, seller_sku
from connector.sync.reasons import reason_message
from connector.sync.result import Unlisted

SEPARATOR = " - "
_WORD = re.compile(r"\w+")
_CATEGORY_NAMES = {t.code: t.name_id for t in TAXONOMY} | {
    f"{t.code}/{s.code}": s.name_id for t in TAXONOMY for s in t.subcategories}


@dataclass(frozen=True)
class Fit:
    """What one channel lists of one product: its title and how many of its photos, what was adapted to the
    channel's rules and what refuses the product there (empty: it can be listed)."""

    title: str
    images: int
    adapted: tuple[Unlisted, ...] = ()
    refused: tuple[Unlisted, ...] = ()


@dataclass(frozen=True)
class _Cell:
    """Where a finding points staff: the PASINDO field (as column), the catalog row and the value found."""

    column: str
    value: Any
    row: int | None = None


Finding = tuple[str, dict[str, Any], _Cell]  # reason, params, cell


def fit(parts: ProductParts, rules: ListingRules, channel: ChannelConfig, prefix: str | None) -> Fit:
    """The product as the channel's rules let it be listed, with every adaptation and refusal."""
    product = parts.product
    title, adapted_title, refused = _title(product, rules)
    adapted = [adapted_title] if adapted_title else []
    images = len(parts.images)
    if rules.images_max is not None and images > rules.images_max:
        adapted.append(("images_trimmed", {"count": images, "maximum": rules.images_max},
                        _Cell("images", images)))
        images = rules.images_max
    refused += list(_refusals(parts, rules, channel, prefix))
    return Fit(title, images, tuple(_finding(product, channel.name, *a) for a in adapted),
               tuple(_finding(product, channel.name, *r) for r in refused))


def _title(product: Product, rules: ListingRules) -> tuple[str, Finding | None, list[Finding]]:
    """The title to list, the completion made (if one was) and the refusal (if the name cannot fit)."""
    name, cell = product.name, _Cell("name", product.name)
    if rules.title_max is not None and len(name) > rules.title_max:
        return name, None, [("title_too_long", {"length": len(name), "maximum": rules.title_max}, cell)]
    if len(name) >= rules.title_min:
        return name, None, []
    title = completed_title(name, title_pieces(product), rules.title_min, rules.title_max)
    if title is None:
        return name, None, [("title_too_short", {"length": len(name), "minimum": rules.title_min}, cell)]
    return title, ("title_completed", {"title": title, "length": len(name), "minimum": rules.title_min}, cell), []


def title_pieces(product: Product) -> list[str]:
    """What a short name may be completed with, in order: the subcategory's Indonesian name, the material, the
    credit line (all already the product's own words)."""
    pieces = [_CATEGORY_NAMES.get(product.category), product.material, product.maker.credit]
    return [p.strip() for p in pieces if p and p.strip()]


def completed_title(name: str, pieces: list[str], minimum: int, maximum: int | None) -> str | None:
    """`name`, then pieces it does not already say, until the title reaches `minimum` characters; a piece that
    would take it past `maximum` is left out whole. None when the pieces are not enough."""
    title = name
    for piece in pieces:
        if len(title) >= minimum:
            break
        if _says(title, piece):
            continue
        longer = f"{title}{SEPARATOR}{piece}"
        if maximum is None or len(longer) <= maximum:
            title = longer
    return title if len(title) >= minimum else None


def _says(title: str, piece: str) -> bool:
    """Whether the title already holds the piece's words, in order (case ignored): "Sandal Kulit Pria" says
    "Sandal" and "kulit", not "Kulit Sapi"."""
    words = " ".join(_WORD.findall(piece.casefold()))
    return bool(words) and f" {words} " in f" {' '.join(_WORD.findall(title.casefold()))} "


def _refusals(parts: ProductParts, rules: ListingRules, channel: ChannelConfig, prefix: str | None
              ) -> Iterator[Finding]:
    product = parts.product
    yield from _description(parts.description, rules)
    if len(parts.images) < rules.images_min:
        yield "images_too_few", {"count": len(parts.images), "minimum": rules.images_min}, _Cell("images", None)
    yield from _package(product, rules)
    yield from _price(product, rules, channel)
    yield from _stock(product, rules, channel)
    if rules.variants_max is not None and len(product.variants) > rules.variants_max:
        yield ("variants_too_many", {"count": len(product.variants), "maximum": rules.variants_max},
               _Cell("variants", len(product.variants)))
    yield from _seller_skus(product, rules, prefix)


def _description(description: str, rules: ListingRules) -> Iterator[Finding]:
    """The description as every channel gets it (the credit line added where staff left it out)."""
    length = len(description)
    if length < rules.description_min:
        yield "description_too_short", {"length": length, "minimum": rules.description_min}, _Cell(
            "description", description)
    if rules.description_max is not None and length > rules.description_max:
        yield "description_too_long", {"length": length, "maximum": rules.description_max}, _Cell(
            "description", f"{description[:60]}...")


def _package(product: Product, rules: ListingRules) -> Iterator[Finding]:
    weight = product.weight_g
    if weight < rules.weight_min_g or (rules.weight_max_g is not None and weight > rules.weight_max_g):
        yield "weight_out_of_range", {"weight_g": weight, "accepted": _range(
            rules.weight_min_g, rules.weight_max_g, " g")}, _Cell("weight_g", weight)
    sides = {"length_cm": product.length_cm, "width_cm": product.width_cm, "height_cm": product.height_cm}
    if rules.dimensions_required and None in sides.values():
        missing = next(column for column, size in sides.items() if size is None)
        yield "dimensions_missing", {}, _Cell(missing, None)
    over = [(column, size) for column, size in sides.items()
            if size is not None and rules.dimension_max_cm is not None and size > rules.dimension_max_cm]
    if over:
        yield "dimension_out_of_range", {"size": over[0][1], "maximum": rules.dimension_max_cm}, _Cell(*over[0])


def _price(product: Product, rules: ListingRules, channel: ChannelConfig) -> Iterator[Finding]:
    priced = [(v.price, v.row) for v in product.variants] or [(product.price, None)]
    for price, row in priced:
        listed = channel_price(price, channel.price)
        if listed < rules.price_min or (rules.price_max is not None and listed > rules.price_max):
            yield "price_out_of_range", {"price": _number(listed), "accepted": _range(
                rules.price_min, rules.price_max, "", money=True)}, _Cell("price", price, row)
            return  # the first price out of range says it; the others are the same fix


def _stock(product: Product, rules: ListingRules, channel: ChannelConfig) -> Iterator[Finding]:
    if rules.stock_max is None:
        return
    stocked = [(v.stock, v.row) for v in product.variants] or [(product.stock, None)]
    for stock, row in stocked:
        shown = channel_stock(stock, channel.stock)
        if shown > rules.stock_max:
            yield "stock_out_of_range", {"stock": shown, "maximum": rules.stock_max}, _Cell("stock", stock, row)
            return


def _seller_skus(product: Product, rules: ListingRules, prefix: str | None) -> Iterator[Finding]:
    if rules.seller_sku_max is None:
        return
    skus = [(product.sku, None)] + [(v.sku, v.row) for v in product.variants]
    for sku, row in skus:
        listed = seller_sku(sku, prefix)
        if len(listed) > rules.seller_sku_max:
            yield ("seller_sku_too_long", {"seller_sku": listed, "length": len(listed),
                                            "maximum": rules.seller_sku_max}, _Cell("sku", sku, row))
            return


def _range(low: int, high: int | None, unit: str, *, money: bool = False) -> str:
    """An accepted range in a form both languages read: `Rp100-Rp100.000.000`, `>= 1 g`."""
    prefix = "Rp" if money else ""
    if high is None:
        return f">= {prefix}{_number(low)}{unit}"
    return f"{prefix}{_number(low)}-{prefix}{_number(high)}{unit}"


def _number(amount: int) -> str:
    """150000 -> 150.000, as Indonesian staff write it."""
    return f"{amount:,}".replace(",", ".")


def _finding(product: Product, channel: str, reason: str, params: dict[str, Any], cell: _Cell) -> Unlisted:
    return Unlisted(channel, product.institution, product.key, reason_message(reason, "en", "", channel=channel,
                                                                              **params),
                    reason, params, product.source.file, cell.row or product.source.row, cell.column,
                    None if cell.value is None else str(cell.value))
