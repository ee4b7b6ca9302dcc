"""What the two product feeds must hold, per their published specifications, encoded once for every test that
checks a feed (tests/test_feeds.py, the site's end-to-end test).

`google_problems(xml)` and `meta_problems(csv_text)` return one line per problem (empty: the feed is well-formed).
Sources, as connector/site/feeds.py names them: Google Merchant Center's Product data specification
(support.google.com/merchants/answer/7052112 and the attribute pages it links) and Meta's Catalog Fields
(developers.facebook.com/docs/commerce-platform/catalog/fields) with its CSV rules
(developers.facebook.com/docs/marketing-api/catalog/reference).
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

G = "{http://base.google.com/ns/1.0}"
PRICE = re.compile(r"\d+(?:\.\d{1,2})? [A-Z]{3}")  # a number, a space, an ISO 4217 code
GROUP_ID = re.compile(r"[A-Za-z0-9_-]{1,50}")

GOOGLE_REQUIRED = ("id", "title", "description", "link", "image_link", "availability", "price", "brand", "condition")
GOOGLE_MAX = {"id": 50, "title": 150, "description": 5000, "link": 2000, "image_link": 2000, "brand": 70,
              "item_group_id": 50, "size": 100, "color": 100, "additional_image_link": 2000}
GOOGLE_AVAILABILITY = {"in_stock", "out_of_stock", "preorder", "backorder"}
GOOGLE_EXTRA_IMAGES = 10

META_REQUIRED = ("id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand")
META_MAX = {"id": 100, "title": 200, "description": 9999, "brand": 100, "additional_image_link": 2000}
META_AVAILABILITY = {"in stock", "out of stock", "preorder", "available for order", "discontinued"}
META_EXTRA_IMAGES = 20

CONDITIONS = {"new", "refurbished", "used"}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def web_url_problem(value: str) -> str | None:
    """Why `value` is not an absolute https address in ASCII (RFC 3986), or None."""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc:
        return f"not an absolute https address: {value[:120]!r}"
    if not value.isascii() or " " in value:
        return f"not ASCII / has spaces (encode it): {value[:120]!r}"
    return None


def google_items(xml: bytes) -> list[dict[str, list[str]]]:
    """Each <item>'s g: fields, name -> values (repeated fields keep every value)."""
    root = ElementTree.fromstring(xml)
    out = []
    for item in root.iter("item"):
        fields: dict[str, list[str]] = defaultdict(list)
        for child in item:
            if child.tag.startswith(G):
                fields[child.tag.removeprefix(G)].append(child.text or "")
        out.append(dict(fields))
    return out


def google_problems(xml: bytes) -> list[str]:
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as err:
        return [f"not well-formed XML: {err}"]
    found = []
    if root.tag != "rss" or root.get("version") != "2.0" or root.find("channel") is None:
        found.append("not an RSS 2.0 document with a <channel>")
    items = google_items(xml)
    for n, item in enumerate(items, 1):
        flat = {name: values[0] for name, values in item.items()}
        where = f"item {n} ({flat.get('id', '?')})"
        found += [f"{where}: {p}" for p in _google_item(item, flat)]
    found += _unique_ids([i.get("id", [""])[0] for i in items])
    found += _groups([{k: v[0] for k, v in i.items()} for i in items])
    return found


def _google_item(item: Mapping[str, list[str]], flat: Mapping[str, str]) -> list[str]:
    found = [f"{name} missing or empty" for name in GOOGLE_REQUIRED if not flat.get(name, "").strip()]
    for name, values in item.items():
        if len(values) > 1 and name != "additional_image_link":
            found.append(f"{name} given {len(values)} times")
        found += [f"{name} longer than {GOOGLE_MAX[name]}" for v in values if name in GOOGLE_MAX
                  and len(v) > GOOGLE_MAX[name]]
        found += [f"{name} holds a control character" for v in values if CONTROL.search(v)]
    for name in ("link", "image_link", *(["additional_image_link"] if "additional_image_link" in item else [])):
        found += [f"{name}: {p}" for v in item.get(name, []) if (p := web_url_problem(v))]
    if len(item.get("additional_image_link", [])) > GOOGLE_EXTRA_IMAGES:
        found.append(f"more than {GOOGLE_EXTRA_IMAGES} additional_image_link")
    found += _common(flat, GOOGLE_AVAILABILITY)
    if not flat.get("gtin") and flat.get("identifier_exists") not in ("no", "false"):
        found.append("no gtin and identifier_exists is not 'no'")
    category = flat.get("google_product_category")
    if category is not None and not category.isdigit():
        found.append(f"google_product_category {category!r} is not a taxonomy id")
    return found


def _common(row: Mapping[str, str], availability: set[str]) -> list[str]:
    found = []
    if row.get("availability") not in availability:
        found.append(f"availability {row.get('availability')!r} is not one of {sorted(availability)}")
    if row.get("condition") not in CONDITIONS:
        found.append(f"condition {row.get('condition')!r} is not one of {sorted(CONDITIONS)}")
    if not PRICE.fullmatch(row.get("price", "")):
        found.append(f"price {row.get('price')!r} is not 'NUMBER CUR'")
    if TAG.search(row.get("description", "")):
        found.append("description holds HTML")
    group = row.get("item_group_id")
    if group and not GROUP_ID.fullmatch(group):
        found.append(f"item_group_id {group!r}: 1-50 letters, digits, '_' or '-'")
    return found


def _unique_ids(ids: Iterable[str]) -> list[str]:
    seen: dict[str, int] = defaultdict(int)
    for item_id in ids:
        seen[item_id] += 1
    return [f"id {item_id!r} is used {count} times" for item_id, count in seen.items() if count > 1]


def _groups(rows: list[Mapping[str, str]]) -> list[str]:
    """Variants of one product share an item_group_id, its brand and category, and are told apart (title, size or
    color differ); a group id is never also an item's own id."""
    groups: dict[str, list[Mapping[str, str]]] = defaultdict(list)
    for row in rows:
        if row.get("item_group_id"):
            groups[row["item_group_id"]].append(row)
    ids = {row.get("id") for row in rows}
    found = [f"item_group_id {g!r} is also an item id" for g in groups if g in ids]
    for group, members in groups.items():
        for name in ("brand", "google_product_category"):
            if len({m.get(name, "") for m in members}) > 1:
                found.append(f"item_group_id {group!r}: its variants differ in {name}")
        looks = [(m.get("title"), m.get("size", ""), m.get("color", "")) for m in members]
        if len(set(looks)) < len(looks):
            found.append(f"item_group_id {group!r}: two variants cannot be told apart (title, size, color)")
    return found


def meta_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def meta_problems(text: str) -> list[str]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    found = [f"column {name} missing from the header" for name in META_REQUIRED if name not in header]
    rows = list(reader)
    for n, row in enumerate(rows, 2):
        where = f"row {n} ({row.get('id', '?')})"
        found += [f"{where}: {p}" for p in _meta_row(row)]
    found += _unique_ids(row.get("id", "") for row in rows)
    found += _groups([{k: v for k, v in row.items() if v} for row in rows])
    return found


def _meta_row(row: Mapping[str, str]) -> list[str]:
    found = [f"{name} missing or empty" for name in META_REQUIRED if not (row.get(name) or "").strip()]
    found += [f"{name} longer than {limit}" for name, limit in META_MAX.items() if len(row.get(name) or "") > limit]
    found += [f"{name} holds a control character" for name, value in row.items() if value and CONTROL.search(value)]
    for name in ("link", "image_link"):
        problem = web_url_problem(row.get(name) or "")
        if problem:
            found.append(f"{name}: {problem}")
    extra = [u for u in (row.get("additional_image_link") or "").split(",") if u]
    if len(extra) > META_EXTRA_IMAGES:
        found.append(f"more than {META_EXTRA_IMAGES} additional images")
    found += [f"additional_image_link: {p}" for u in extra if (p := web_url_problem(u))]
    category = row.get("google_product_category")
    if category and not category.isdigit():
        found.append(f"google_product_category {category!r} is not a taxonomy id")
    return found + _common({k: v or "" for k, v in row.items()}, META_AVAILABILITY)
