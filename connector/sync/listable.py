"""Which products each channel can list in this run, and why not the others (pure).

A product cannot be listed on a channel when the channel's category map has no category for it (or cannot be
read), when the channel's own tree does not have that category as a leaf, when a mandatory attribute of the
category cannot be filled (`attributes.py`), when one of its images went missing, or when another product would
share a seller SKU with it on that channel: then both are held back, each naming the other. What cannot be listed
is untouchable too: its listing, if it has one, stays as it is. Stock plays no part here: units sold are counted
for the listable products only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from connector.category_maps import CategoryMap, CategoryMapError
from connector.config import ChannelConfig
from connector.sync.attributes import fill_attributes
from connector.sync.catalogs import CatalogReading, Offer
from connector.sync.desired import Candidate
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


def listable(reading: CatalogReading, channel: ChannelConfig, categories: CategoryMap | CategoryMapError,
             rules: ChannelRules | None = None, provinces: Mapping[str, str | None] = NO_PROVINCES) -> Listable:
    """The channel's candidates among the catalog's products, in catalog order.

    `rules`: the channel's category rules (None: nothing to check before the marketplace); `provinces`: each
    institution's province, by institution code."""
    out = Listable(channel.name, untouchable=set(reading.untouchable.get(channel.name, ())))
    offered: list[tuple[str, Candidate]] = []
    for offer in reading.offers:
        if channel.name not in offer.channels:
            continue
        candidate = _candidate(offer, categories, rules, provinces)
        if isinstance(candidate, str):
            out.untouchable.add(offer.product.key)
            out.invalid.append(Unlisted(channel.name, offer.product.institution, offer.product.key, candidate))
        else:
            offered.append((offer.product.key, candidate))
    clashes = sku_clashes((key, c.seller_skus()) for key, c in offered)
    for key, other in clashes:
        why = f"seller SKU clash on {channel.name}: {key} and {other} (set sku_prefix to separate them)"
        out.untouchable.update((key, other))
        out.invalid.extend(Unlisted(channel.name, k.split(":", 1)[0], k, why) for k in (key, other))
    clashing = {k for pair in clashes for k in pair}
    out.candidates = {key: c for key, c in offered if key not in clashing}
    return out


def _candidate(offer: Offer, categories: CategoryMap | CategoryMapError, rules: ChannelRules | None,
               provinces: Mapping[str, str | None]) -> Candidate | str:
    """The offer as the channel's candidate, or why it cannot be listed there."""
    if isinstance(categories, CategoryMapError):
        return str(categories)
    if isinstance(offer.parts, OSError):
        return str(offer.parts)
    product = offer.product
    category_id = categories.lookup(product.category)
    if category_id is None:
        return f"no category id for {product.category} in {categories.source}"
    if rules is None:
        return Candidate(offer.parts, category_id, offer.prefix)
    problem = rules.category_problem(category_id)
    if problem is not None:
        return f"{problem} (mapped for {product.category} in {categories.source}; see `pasindo categories`)"
    filled = fill_attributes(product, rules.attributes.get(str(category_id), ()), categories, rules.neutral,
                             province=provinces.get(product.institution), channel=rules.channel,
                             category_id=category_id, category_name=rules.path(category_id))
    if isinstance(filled, str):
        return filled
    return Candidate(offer.parts, category_id, offer.prefix, filled)


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
