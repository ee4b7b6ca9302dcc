"""Which products each channel can list in this run, and why not the others (pure).

A product cannot be listed on a channel when the channel's category map has no category for it (or cannot be
read), when the channel's own tree does not have that category as a leaf, when a mandatory attribute of the
category cannot be filled (`attributes.py`), when one of its images went missing, when it does not fit the
listing rules the channel's adapter declares and cannot be adapted to them (`fit.py`; what was adapted, such as
a completed title, is in `Listable.adapted`), or when another product would share a seller SKU with it on that
channel: then both are held back, each naming the other. Each refusal is an `Unlisted` with a reason code
(`reasons.py`), its params and the cell to change. What cannot be listed
is untouchable too: its listing, if it has one, stays as it is. Stock plays no part here: units sold are counted
for the listable products only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.adapters.base import AttributeValue, ListingRules
from connector.category_maps import ATTRIBUTE_SOURCES, CategoryMap, CategoryMapError
from connector.config import ChannelConfig
from connector.schema import Product
from connector.sync.attributes import Unfilled, fill_attributes, keyed, product_value
from connector.sync.catalogs import CatalogReading, Offer
from connector.sync.desired import Candidate
from connector.sync.fit import fit
from connector.sync.result import Unlisted
from connector.sync.rules import ChannelRules

NO_PROVINCES: Mapping[str, str | None] = {}


@dataclass
class Listable:
    channel: str
    candidates: dict[str, Candidate] = field(default_factory=dict)  # product key -> candidate, in catalog order
    untouchable: set[str] = field(default_factory=set)  # refused rows, and what cannot be listed
    invalid: list[Unlisted] = field(default_factory=list)
    adapted: list[Unlisted] = field(default_factory=list)  # listed, but changed to meet the channel's rules


class Fills:
    """The attributes filled for one channel's category map and rules, by what filling them reads of a product
    (`fill_attributes` is pure): its category, and its values of the PASINDO fields the category's attributes are
    fed from. The products of a run share a few such combinations, so each is worked out once, not once per
    product. Kept only while the map and the rules are the same objects, and for at most `KEPT` combinations."""

    KEPT = 4096  # a few MB at most, however many products differ in what their attributes read

    def __init__(self) -> None:
        self._for: tuple[object, object] | None = None
        self._sources: dict[int | str, tuple[str, ...]] = {}  # category id -> the fields its attributes read
        self._filled: dict[tuple, tuple[AttributeValue, ...] | Unfilled] = {}

    def get(self, product: Product, category_id: int | str, categories: CategoryMap, rules: ChannelRules,
            province: str | None) -> tuple[AttributeValue, ...] | Unfilled:
        if self._for is None or self._for[0] is not categories or self._for[1] is not rules:
            self._for, self._sources, self._filled = (categories, rules), {}, {}
        attributes = rules.attributes.get(str(category_id), ())
        sources = self._sources.get(category_id)
        if sources is None:
            used = (keyed(categories.sources, a) for a in attributes)
            sources = self._sources[category_id] = tuple(dict.fromkeys(s for s in used if s in ATTRIBUTE_SOURCES))
        key = (category_id, product.category, *(product_value(product, s, province) for s in sources))
        found = self._filled.get(key)
        if found is None:
            if len(self._filled) >= self.KEPT:
                self._filled.clear()
            found = self._filled[key] = fill_attributes(
                product, attributes, categories, rules.neutral, province=province, channel=rules.channel,
                category_id=category_id, category_name=rules.path(category_id))
        return found


def listable(reading: CatalogReading, channel: ChannelConfig, categories: CategoryMap | CategoryMapError,
             rules: ChannelRules | None = None, provinces: Mapping[str, str | None] = NO_PROVINCES,
             listing_rules: ListingRules | None = None, fills: Fills | None = None) -> Listable:
    """The channel's candidates among the catalog's products, in catalog order.

    `rules`: the channel's category rules (None: nothing to check before the marketplace); `provinces`: each
    institution's province, by institution code; `listing_rules`: what the channel's adapter declares a listing
    must meet (None: not checked); `fills`: the channel's attributes filled so far in this run."""
    out = Listable(channel.name, untouchable=set(reading.untouchable.get(channel.name, ())))
    offered: list[tuple[str, Candidate]] = []
    fills = fills if fills is not None else Fills()
    for offer in reading.offers:
        if channel.name not in offer.channels:
            continue
        candidate = _candidate(offer, channel, categories, rules, provinces, fills)
        if isinstance(candidate, Candidate) and listing_rules is not None:
            candidate = _fitted(candidate, channel, listing_rules, out.adapted)
        if isinstance(candidate, Candidate):
            offered.append((offer.product.key, candidate))
        else:
            out.untouchable.add(offer.product.key)
            out.invalid.extend([candidate] if isinstance(candidate, Unlisted) else candidate)
    products = {o.product.key: o.product for o in reading.offers}
    clashes = sku_clashes((key, c.seller_skus()) for key, c in offered)
    for key, other in clashes:
        out.untouchable.update((key, other))
        out.invalid.extend(clash_refusal(channel.name, products[k], key, other) for k in (key, other))
    clashing = {k for pair in clashes for k in pair}
    out.candidates = {key: c for key, c in offered if key not in clashing}
    out.adapted = [a for a in out.adapted if a.key not in clashing]
    return out


def _fitted(candidate: Candidate, channel: ChannelConfig, rules: ListingRules, adapted: list[Unlisted]
            ) -> Candidate | tuple[Unlisted, ...]:
    """The candidate as the channel's listing rules let it go out (its adaptations added to `adapted`), or
    everything that refuses it there."""
    parts = candidate.parts
    fitted = fit(parts, rules, channel, candidate.prefix)
    if fitted.refused:
        return fitted.refused
    adapted.extend(fitted.adapted)
    return candidate._replace(title=None if fitted.title == parts.product.name else fitted.title,
                              images=None if fitted.images == len(parts.images) else fitted.images)


def _candidate(offer: Offer, channel: ChannelConfig, categories: CategoryMap | CategoryMapError,
               rules: ChannelRules | None, provinces: Mapping[str, str | None], fills: Fills
               ) -> Candidate | Unlisted:
    """The offer as the channel's candidate, or why it cannot be listed there."""
    product = offer.product
    if isinstance(categories, CategoryMapError):
        return _unlisted(channel.name, product, str(categories), "category_map_unreadable", {})
    if isinstance(offer.parts, OSError):
        return _unlisted(channel.name, product, str(offer.parts), "image_unreadable", {}, "images")
    category_id = categories.lookup(product.category)
    where = {"category": product.category, "source": categories.source}
    if category_id is None:
        return _unlisted(channel.name, product, f"no category id for {product.category} in {categories.source}",
                         "category_unmapped", where, "category", product.category)
    if rules is None:
        return Candidate(offer.parts, category_id, offer.prefix)
    problem = rules.category_problem(category_id)
    if problem is not None:
        reason = "category_not_in_tree" if str(category_id) not in rules.tree else "category_not_leaf"
        return _unlisted(channel.name, product, f"{problem} (mapped for {product.category} in {categories.source}; "
                         "see `pasindo categories`)", reason, {**where, "category_id": category_id}, "category",
                         product.category)
    filled = fills.get(product, category_id, categories, rules, provinces.get(product.institution))
    if isinstance(filled, Unfilled):
        return _unlisted(channel.name, product, filled.why, "attribute_unfilled",
                         {**where, "category_id": category_id, "attribute": filled.attribute}, filled.column,
                         filled.value)
    return Candidate(offer.parts, category_id, offer.prefix, filled)


def clash_refusal(channel: str, product: Product, key: str, other: str) -> Unlisted:
    """`product` (one of `key` and `other`, two products sharing a seller SKU on `channel`) held back, naming the
    other one."""
    why = f"seller SKU clash on {channel}: {key} and {other} (set sku_prefix to separate them)"
    named = other if product.key == key else key
    return _unlisted(channel, product, why, "seller_sku_clash", {"other": named}, "sku", product.sku)


def _unlisted(channel: str, product: Product, why: str, reason: str, params: dict[str, Any],
              column: str | None = None, value: str | None = None) -> Unlisted:
    return Unlisted(channel, product.institution, product.key, why, reason, params, product.source.file,
                    product.source.row, column, value)


def sku_clashes(products: Iterable[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    """(product key, its seller SKUs) in catalog order -> (key, the earlier key it shares a seller SKU with), for
    every product that shares one. A product found clashing claims none of its SKUs, so a third product sharing
    them clashes with the first again."""
    owner: dict[str, str] = {}  # seller SKU (letter case ignored, as the marketplaces do) -> product key
    clashes = []
    for key, skus in products:
        other = next((owner[s.casefold()] for s in skus if s.casefold() in owner), None)
        if other is not None:
            clashes.append((key, other))
            continue
        for s in skus:
            owner[s.casefold()] = key
    return clashes
