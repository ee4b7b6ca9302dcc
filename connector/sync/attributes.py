"""Filling a channel's category attributes for one product (pure).

For every attribute of the product's leaf on the channel, the value comes from, in order: the product's own data
(the category map's `attributes:` section names which PASINDO field feeds which channel attribute), the map's
`defaults:` for the product's category (its own code over its top category's), and the neutral value the
marketplace documents for that attribute (the adapter's `neutral_values`). A value is matched to the attribute's
options by name (ignoring case, spaces and punctuation; an option named inside a longer text also matches, the
longest first); an attribute that takes no custom value accepts only its options. An optional attribute is sent
when something fills it; a mandatory one that nothing fills refuses the product for this channel, with a reason
naming the attribute, the category and where to supply it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from connector.adapters.base import AttributeInput, AttributeValue, CategoryAttribute
from connector.category_maps import ATTRIBUTE_SOURCES, CategoryMap
from connector.schema import Product, top_category

_PERMIT_KINDS = {"pirt": "P-IRT", "bpom_md": "BPOM MD", "bpom_ml": "BPOM ML"}
_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=8192)  # the same few names (attributes, options, map keys) for every product
def norm(text: str) -> str:
    """Compared form of a name: case, spaces and punctuation ignored."""
    return _NOT_WORD.sub("", text.casefold())


def product_value(product: Product, source: str, province: str | None) -> str | None:
    """The product's value of a PASINDO field (`ATTRIBUTE_SOURCES`), as text; None when it has none."""
    match source:
        case "material":
            return product.material
        case "origin":
            return "Indonesia"
        case "province":
            return province
        case "food_permit":
            return product.food_permit.number if product.food_permit else None
        case "food_permit_kind":
            return _PERMIT_KINDS.get(product.food_permit.kind) if product.food_permit else None
        case "expiry":
            return product.expiry.isoformat() if product.expiry else None
        case "halal":
            return product.halal
        case "weight_g":
            return str(product.weight_g)
        case "unit":
            return product.unit
    return None


def keyed(section: Mapping[str, str], attribute: CategoryAttribute) -> str | None:
    """The entry of a map section that names this attribute by id or by name."""
    if attribute.id in section:
        return section[attribute.id]
    wanted = norm(attribute.name)
    return next((value for key, value in section.items() if norm(key) == wanted), None)


def resolve(attribute: CategoryAttribute, text: str) -> AttributeValue | None:
    """`text` as a value of the attribute: one of its options, or a custom value where it takes one."""
    text = text.strip()
    if not text:
        return None
    wanted = norm(text)
    for option in attribute.options:
        if norm(option.name) == wanted:
            return AttributeValue(attribute.id, attribute.name, option.name, option.id)
    words = f" {' '.join(_NOT_WORD.sub(' ', text.casefold()).split())} "
    inside = [o for o in attribute.options
              if norm(o.name) and f" {' '.join(_NOT_WORD.sub(' ', o.name.casefold()).split())} " in words]
    if inside and not attribute.custom:
        best = max(inside, key=lambda o: len(o.name))
        return AttributeValue(attribute.id, attribute.name, best.name, best.id)
    if attribute.options and not attribute.custom:
        return None
    if attribute.input == AttributeInput.NUMBER and not re.fullmatch(r"\d+(\.\d+)?", text):
        return None
    if attribute.input == AttributeInput.DATE and not _is_date(text):
        return None
    return AttributeValue(attribute.id, attribute.name, text)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Unfilled:
    """A mandatory attribute nothing fills: `why` says which, in which category, and where to supply it."""

    why: str
    attribute: str  # its name on the channel
    attribute_id: str
    column: str | None  # the PASINDO field that feeds it, per the category map's `attributes:` section
    value: str | None  # the value the product gave it, when one was given and refused


def fill_attributes(product: Product, attributes: tuple[CategoryAttribute, ...], categories: CategoryMap,
                    neutral: Mapping[str, str], *, province: str | None = None, channel: str = "",
                    category_id: int | str = "", category_name: str = "") -> tuple[AttributeValue, ...] | Unfilled:
    """The product's values of the category's attributes, or the mandatory one that cannot be filled."""
    own = categories.defaults.get(product.category, {})
    top = categories.defaults.get(top_category(product.category), {})
    neutral_by_name = {norm(name): value for name, value in neutral.items()}
    filled: list[AttributeValue] = []
    for attribute in attributes:
        source = keyed(categories.sources, attribute)
        tried = [product_value(product, source, province) if source in ATTRIBUTE_SOURCES else None,
                 keyed(own, attribute) or keyed(top, attribute), neutral_by_name.get(norm(attribute.name))]
        value = next((v for v in (resolve(attribute, t) for t in tried if t) if v is not None), None)
        if value is not None:
            filled.append(value)
        elif attribute.mandatory:
            why = _unfilled(product, attribute, categories, source, [t for t in tried if t], channel=channel,
                            category=f"{category_id} ({category_name})" if category_name else str(category_id))
            own_field = source if source in ATTRIBUTE_SOURCES else None
            return Unfilled(why, attribute.name, attribute.id, own_field, tried[0])
    return tuple(filled)


def _unfilled(product: Product, attribute: CategoryAttribute, categories: CategoryMap, source: str | None,
              tried: list[str], *, channel: str, category: str) -> str:
    where = (f"fill the catalog's {ATTRIBUTE_SOURCES[source]} for this product, or " if source in ATTRIBUTE_SOURCES
             else "")
    why = f"the values given ({', '.join(repr(t) for t in tried)}) are not accepted; " if tried else ""
    accepted = ""
    if attribute.options and not attribute.custom:
        names = [o.name for o in attribute.options]
        accepted = f"; accepted: {', '.join(names[:12])}{', ...' if len(names) > 12 else ''}"
    return (f"{channel}: category {category} needs the attribute '{attribute.name}' (id {attribute.id}); {why}"
            f"{where}set `defaults: {{{product.category}: {{{attribute.name}: ...}}}}` in {categories.source}"
            f"{accepted}")
