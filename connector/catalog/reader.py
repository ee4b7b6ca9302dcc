"""From an institution's catalog file to validated PASINDO products, with a reason for every refused row.

Two passes over the file keep memory flat: the first reads only the SKU columns to find duplicates and
variant groups; the second normalises row by row, holding back only the rows of a variant group until its
last row has been read. A SKU used twice refuses both rows: the connector never guesses which one is meant.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from connector.catalog import parsers
from connector.catalog.mapping import HEADER_SEARCH_ROWS, CategoryReading, Column, ColumnPlan, Mapping
from connector.catalog.parsers import ParseError
from connector.catalog.permits import PermitExpired, PermitImplausible, parse_food_permit
from connector.catalog.rejects import Notice, Reject, shown
from connector.catalog.sources import (
    CELL_CHARS_MAX,
    RECORD_FORMATS,
    CatalogUnreadable,
    RawRow,
    RowSource,
    Unreadable,
    detect_format,
    escape_surrogates,
)
from connector.catalog.text import plain_text, plain_text_full, safe_description, safe_description_full
from connector.schema import (
    DESCRIPTION_MAX,
    IMAGES_MAX,
    NAME_MAX,
    NAME_MIN,
    PRICE_MAX,
    PRICE_MIN,
    SKU_MAX,
    VARIANTS_MAX,
    Institution,
    InstitutionType,
    Maker,
    Product,
    SourceRef,
    Variant,
    checked_builder,
    field_order,
    ordered_builder,
)

_WHITESPACE = re.compile(r"\s")
_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"
_WEBP = (b"RIFF", b"WEBP")  # at 0 and at 8: a RIFF file of form WEBP (TikTok Shop takes WEBP; Shopee and Lazada
# refuse it, each channel for itself, when the sync uploads it)
PRODUCT_FIELDS = (
    "name", "description", "category", "unit", "weight_g", "length_cm", "width_cm", "height_cm", "images",
    "material", "food_permit", "halal", "expiry", "ready_to_eat", "made_to_order", "maker", "maker_consent",
)
_OPTIONAL = ("length_cm", "width_cm", "height_cm", "food_permit", "expiry")
VARIANT_FIELDS = ("sku", "price", "stock", "option_name_1", "option_value_1", "option_name_2", "option_value_2")


@dataclass(frozen=True, slots=True)
class CatalogSpec:
    """Where an institution's catalog is and how to read it."""

    institution: Institution
    path: Path
    mapping: Mapping
    label: str  # the file as reports show it
    format: str | None = None
    sheet: str | None = None
    table: str | None = None
    query: str | None = None


class Layout:
    """Which cells of a row feed which field: resolved once per file (list rows), or once per set of keys
    (records), never per row."""

    __slots__ = ("columns", "first", "cells", "listed", "keys", "widest", "names", "firsts", "first_keys",
                 "widest_first", "sku_at", "parent_at")

    def __init__(self, columns: dict[str, list[Column]], *, listed: bool):
        self.columns = columns  # field -> its columns (several for numbered image columns)
        self.first = {name: cols[0] for name, cols in columns.items() if cols}  # the one `Record.raw` reads
        self.cells = tuple((name, c) for name, cols in columns.items() for c in cols)  # every mapped cell
        self.listed = listed  # list rows (by column index) rather than records (by key)
        self.keys = operator.itemgetter(*[c.key for _, c in self.cells]) if len(self.cells) > 1 else None
        self.widest = max((c.key for _, c in self.cells), default=-1) if listed else -1  # type: ignore[type-var]
        self.names = tuple(self.first)
        self.firsts = tuple(self.first.values())
        self.first_keys = operator.itemgetter(*[c.key for c in self.firsts]) if len(self.firsts) > 1 else None
        self.widest_first = max((c.key for c in self.firsts), default=-1) if listed else -1  # type: ignore[type-var]
        self.sku_at = self.first["sku"].key if listed and "sku" in self.first else -1  # list rows: the SKU cells
        self.parent_at = self.first["parent_sku"].key if listed and "parent_sku" in self.first else -1

    def found(self, row: list | dict) -> dict[str, tuple[Column, Any]]:
        """Each field's first column and its value in `row` (a field without a column is not there)."""
        if self.first_keys is not None and self.listed and len(row) > self.widest_first:
            return dict(zip(self.names, zip(self.firsts, self.first_keys(row), strict=True), strict=True))  # in C
        if self.listed:
            return {name: (c, row[c.key] if c.key < len(row) else None)  # type: ignore[operator]
                    for name, c in self.first.items()}
        return {name: (c, row[c.key]) for name, c in self.first.items()}  # type: ignore[call-overload]


_NO_LAYOUT = Layout({}, listed=False)
_NO_CELL: tuple[None, None] = (None, None)


@dataclass(slots=True)
class Record:
    """One data row, read through its file's layout: the source row's cells are not copied."""

    number: int
    row: list | dict
    layout: Layout
    invalid: str | None = None  # a record the source could not read (JSON Lines)
    ambiguous: Sequence[tuple[str, list[Column]]] = ()
    nested: Sequence[tuple[Column, Any]] = ()  # JSON lists or objects given as cell values
    _found: dict[str, tuple[Column, Any]] | None = None  # each field's first cell, read once when first asked

    def raw(self, name: str) -> tuple[Column | None, Any]:
        found = self._found
        if found is None:
            found = self._found = self.layout.found(self.row)
        return found.get(name, _NO_CELL)

    def value(self, col: Column) -> Any:
        row = self.row
        if self.layout.listed:
            return row[col.key] if col.key < len(row) else None  # type: ignore[operator]
        return row[col.key]  # type: ignore[call-overload]

    @property
    def cells(self) -> dict[str, list[tuple[Column, Any]]]:
        """Each mapped field's cells, in the mapping's order."""
        return {name: [(c, self.value(c)) for c in cols] for name, cols in self.layout.columns.items()}


@dataclass(frozen=True, slots=True)
class Cleaners:
    """How one reading reads cells and builds models: the fast paths (the default), or the full rules alone
    (`read_catalog(..., fast=False)`), which must give the same products and rejects (tests/test_fast_paths.py)."""

    blank: Callable[[Any], bool]
    text: Callable[[Any], str]  # any cell as text (_text)
    price: Callable[[Any], int]
    weight: Callable[..., int]
    plain: Callable[[str], str]
    description: Callable[[str], str]
    construct: bool  # build models without re-validating what the checks of CHECKED covered


def _text_fast(value: Any) -> str:
    """`_text`, with clean ASCII text (most cells) read in one C call."""
    if type(value) is str and value.isascii():
        return value.strip()
    return _text(value)


def _text_full(value: Any) -> str:
    return _text(value, parsers.parse_text_full)


FAST = Cleaners(parsers.is_blank, _text_fast, parsers.parse_price, parsers.parse_weight_g, plain_text,
                safe_description, construct=True)
FULL = Cleaners(parsers.is_blank_full, _text_full, parsers.parse_price_full,
                parsers.parse_weight_g_full, plain_text_full, safe_description_full, construct=False)

# The one place that says which check of this reader covers each field of the models it builds without pydantic
# re-validating them (schema.construct_checked). A field not named here makes its model validated as before. The
# quick reading of a clean row (_QuickSingle) applies the same checks through its converters, or reads the row by
# the checks named here.
CHECKED: dict[type, dict[str, str]] = {
    Product: {
        "institution": "the spec's Institution, validated when it was made",
        "sku": "_sku_problems / _parent_sku_problems: present, a code cell, no space, printable ASCII, <= SKU_MAX",
        "name": "_naming: plain text, NAME_MIN..NAME_MAX (name_length)",
        "description": "safe_description cuts at DESCRIPTION_MAX; _build checks the fallback text's length",
        "category": "_naming: a taxonomy code from the mapping's words (category_unknown)",
        "price": "_price: a whole rupiah count in PRICE_MIN..PRICE_MAX (price_range); a group's lowest variant's",
        "stock": "_stock: parse_int, never negative; a group's sum",
        "unit": "_product_fields: plain text, else the mapping's default, else pcs",
        "weight_g": "_parcel / _variant_weight: parse_weight_g, at least 1 gram",
        "length_cm": "_parcel: parse_dimension_cm, at least 1 cm, or absent",
        "width_cm": "_parcel: as length_cm",
        "height_cm": "_parcel: as length_cm",
        "images": "_images: at most IMAGES_MAX (images_too_many), each checked by _check_image",
        "variants": "_group: at most VARIANTS_MAX (variants_too_many), each a built Variant",
        "material": "_product_fields: plain text cut at 100 characters, or None",
        "food_permit": "_food: parse_food_permit's FoodPermit, or None",
        "halal": "_product_fields: text or None",
        "expiry": "_food: parse_date, not before today (expired)",
        "ready_to_eat": "_product_fields: parse_bool or the mapping's default, as bool",
        "made_to_order": "_product_fields: as ready_to_eat",
        "maker": "_product_fields: a Maker of plain text",
        "source": "_build: the file's label and the row number",
    },
    Variant: {
        "sku": "_sku_problems, as Product.sku",
        "price": "_price, as Product.price",
        "stock": "_stock, as Product.stock",
        "options": "_options: plain text values under the tier names",
        "weight_g": "_variant_weight: parse_weight_g (at least 1 gram) or None",
        "row": "the record's number",
    },
    Maker: {"name": "plain text or None", "credit": "plain text or the institution's credit"},
    SourceRef: {"file": "the spec's label", "row": "the record's number"},
}


_BUILDERS = {model: checked_builder(model, fields.keys()) for model, fields in CHECKED.items()}
_VALIDATING = {model: checked_builder(model, frozenset()) for model in CHECKED}  # nothing taken as checked
# the quick reading's (_QuickSingle): each model's values given in field order become its own dict
_IN_ORDER = {model: ordered_builder(model, fields.keys()) for model, fields in CHECKED.items()}


class ImageChecks:
    """What each image file was found to be, kept for one run: a file named by many products in many catalogs
    is opened once. Keyed by its resolved path and what `stat` says of it (mtime, size, inode), so a file that
    changes during the run is checked again. Made by whoever runs the readings and passed to each of them."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, int, int, int], str | None] = {}
        self.opened = 0  # files read, for tests and benchmarks

    def problem(self, path: str, info: os.stat_result) -> str | None:
        """The reason `path` (a regular file, `info` its stat) is not a picture we take; None for a picture.
        OSError when it cannot be read (not kept: the next catalog tries again)."""
        key = (path, info.st_mtime_ns, info.st_size, info.st_ino)
        if key in self._found:
            return self._found[key]
        with open(path, "rb") as fh:
            magic = fh.read(12)
        self.opened += 1
        webp = magic.startswith(_WEBP[0]) and magic[8:12] == _WEBP[1]
        found = None if magic.startswith(_JPEG) or magic.startswith(_PNG) or webp else "image_format"
        self._found[key] = found
        return found


class RowKeys(NamedTuple):
    """A data row's SKU cells, all the first pass reads."""

    number: int
    sku: Any
    parent: Any


class _Body(NamedTuple):
    """A list file's data rows after its header, as (number, cells) pairs read through `layout`: the passes take
    them straight from the source, with no object per row (`records` makes Records or RowKeys of them)."""

    layout: Layout
    rows: Iterator[tuple[int, list]]


_Cell = Callable[[str], tuple[Record, Column | None, Any]]  # a product field -> its source row, column and value


def read_catalog(spec: CatalogSpec, *, today: date, images: ImageChecks | None = None, fast: bool = True
                 ) -> Iterator[Product | Reject | Notice]:
    """Every valid product, every refused row and every notice (a warning that refuses nothing) of one catalog, in
    file order (groups at their last row). `images`: the run's image checks (else this reading's own); `fast`
    False reads every cell by the full rules alone (the fast paths must give the same)."""
    reading = _Reading(spec, today, images or ImageChecks(), FAST if fast else FULL)
    try:
        yield from reading.run()
    except CatalogUnreadable as err:
        problem = {"problem": err.reason, **err.params} if err.reason else {}
        yield reading.reject(None, None, None, "catalog_unreadable", detail=str(err), **problem)


class _Doubt(Exception):
    """A cell the quick reading does not take as it is: the row is read cell by cell, which says why."""


class _QuickSingle:
    """A product of one list row in few calls, when the row is as most rows are: every mapped cell readable as it
    is, each parsing, nothing refused, nothing noticed. Any other row gives None and is read cell by cell
    (`_Reading._single`), which then makes the same product or says what is wrong. Each field's converter is the
    cleaner that reading calls, chosen once per file, with one rule: a ParseError or a refusal is a `_Doubt`, never
    a reject of its own (tests/test_fast_paths.py compares both on whole catalogs). fast=True readings only."""

    def __init__(self, reading: _Reading, layout: Layout):
        self.reading = reading
        self.layout = layout
        first = layout.first
        self.sku_at, self.price_at, self.stock_at = first["sku"].key, first["price"].key, first["stock"].key
        self.weight_at = first["weight_g"].key
        self.weight_unit = first["weight_g"].options.get("unit") or "g"
        # the models' builders (reading._model's, without its call per model), each given its values in field order
        self.build_product, self.build_variant = _IN_ORDER[Product], _IN_ORDER[Variant]
        self.build_maker, self.build_source = _IN_ORDER[Maker], _IN_ORDER[SourceRef]
        self.images = layout.columns.get("images", [])
        converters = reading.quick_converters(first)
        # a field without a column reads as its converter reads an empty cell: once per file (immutable values)
        self.fixed = {name: conv(None) for name, conv in converters.items()
                      if name not in first and name in _QUICK_FIXED}
        # each row's values start from the Product's fields in field order, those read from no column filled in (the
        # converters and `product` fill the others; maker_consent, last, is no field and is taken out again)
        self.template = {**field_order(Product), **self.fixed}
        self.steps = tuple((name, first[name].key, conv) for name, conv in converters.items() if name in first)
        self.group_steps = tuple(step for step in self.steps if step[0] not in ("price", "stock"))  # the variants'
        self.maker_named = reading.inst.type != InstitutionType.lpka  # a maker may be named (never for an LPKA)
        self.credited = self.build_maker({"name": None, "credit": reading.credit})  # no maker named
        self.institution, self.label = reading.inst.code, reading.spec.label

    def product(self, number: int, row: list, sku: str, duplicates: dict[str, list[int]]) -> Product | None:
        """The product of data row `number` (its `row` of cells, `sku` its SKU read as text), or None."""
        layout = self.layout
        if len(row) <= layout.widest or not self.reading.readable(layout.keys(row)):  # else cell by cell
            return None
        raw, folded = row[self.sku_at], sku.casefold()  # _sku_ok, inlined: this runs for most rows
        if not (sku and (type(raw) is str or type(raw) is int) and sku.isascii() and sku.isprintable()
                and " " not in sku and len(sku) <= SKU_MAX and folded not in _NOT_CODES and folded not in duplicates):
            return None
        try:
            values = self._values(number, row, self.steps)
        except (_Doubt, ParseError):
            return None
        values["sku"], values["variants"], values["institution"] = sku, [], self.institution
        values["source"] = self.build_source({"file": self.label, "row": number})
        return self.build_product(values)

    def variant(self, rec: Record, sku: str, head: Record | None, tiers: list[tuple[str, int]] | None,
                duplicates: dict[str, list[int]]) -> Variant | None:
        """A variant row of a group whose rows `_group_problems` found readable, as `_Reading._variants` builds it
        when nothing refuses it; None for a row to read cell by cell. `tiers`: each option's name and column."""
        row = rec.row
        if tiers is None or len(row) <= self.layout.widest or not self._sku_ok(row[self.sku_at], sku, duplicates):
            return None
        price, weight = row[self.price_at], row[self.weight_at]
        if price is None or parsers.is_blank(price):  # _price's fallback: the parent row's price
            if head is None or len(head.row) <= self.layout.widest:
                return None
            price = head.row[self.price_at]
        options = {}
        for name, at in tiers:
            options[name] = text = plain_text(_text_fast(row[at]))
            if not text:
                return None
        try:
            values = {"sku": sku, "price": _quick_price(price), "stock": parsers.parse_int(row[self.stock_at]),
                      "options": options, "weight_g": None if weight is None or parsers.is_blank(weight)
                      else parsers.parse_weight_g(weight, self.weight_unit), "row": rec.number}
        except (_Doubt, ParseError):
            return None
        return self.build_variant(values)

    def tiers(self, tier_names: list[str], two_tiers: bool) -> list[tuple[str, int]] | None:
        """Each option of a group's variants (`_options`): its name and column; None when a column is missing."""
        columns = [self.layout.first.get(f"option_value_{i}") for i in ((1, 2) if two_tiers else (1,))]
        if None in columns:
            return None
        return [(tier_names[i] or ("Variasi" if i == 0 else "Variasi 2"), column.key)  # type: ignore[union-attr]
                for i, column in enumerate(columns)]

    @staticmethod
    def _sku_ok(raw: Any, sku: str, duplicates: dict[str, list[int]]) -> bool:
        """`_sku_problems` finds nothing: an ASCII SKU of text or a whole number, without spaces or control
        characters (an ASCII space is the only printable whitespace), not a no-value word, used once."""
        kind = type(raw)
        folded = sku.casefold()
        return (bool(sku) and (kind is str or kind is int) and sku.isascii() and sku.isprintable()
                and " " not in sku and len(sku) <= SKU_MAX and folded not in _NOT_CODES and folded not in duplicates)

    def fields(self, rec: Record) -> dict[str, Any] | None:
        """A group's product fields (`_Reading._product_fields`) when its first row gives every one of them and
        nothing refuses or notices them; None: read them cell by cell."""
        if len(rec.row) <= self.layout.widest:
            return None
        try:
            return self._values(rec.number, rec.row, self.group_steps)
        except (_Doubt, ParseError):
            return None

    def _values(self, number: int, row: list, steps: tuple[tuple[str, int, Callable[[Any], Any]], ...]
                ) -> dict[str, Any]:
        out = self.template.copy()
        for name, at, conv in steps:
            out[name] = conv(row[at])
        out["images"] = self._images(Record(number, row, self.layout)) if self.images else []
        consent = out.pop("maker_consent", False)
        maker = out["maker"]  # "" where the file has no maker column
        if maker and consent and self.maker_named:
            out["maker"] = made = self.build_maker({"name": maker, "credit": maker})
        else:  # the institution's credit: one Maker for every product of the file (models are never changed)
            out["maker"] = made = self.credited
        if (out["food_permit"] is None and out["category"].startswith("culinary")
                and not out["ready_to_eat"] and not out["made_to_order"]):
            raise _Doubt("food_permit_missing")
        out["description"] = description = out["description"] or f"{out['name']}. {made.credit}."
        if len(description) > DESCRIPTION_MAX:
            raise _Doubt("description")
        return out

    def _images(self, rec: Record) -> list[str]:
        rejects: list[Reject] = []
        images = self.reading._images(rec, rejects)
        if rejects:
            raise _Doubt("images")
        return images


# the fields without which a row is never clean (each is refused as missing): no quick reading without their columns
_QUICK_NEEDS = frozenset({"sku", "name", "category", "price", "stock", "weight_g"})
# fields whose converter gives the same immutable value for every empty cell (images and maker are made per row)
_QUICK_FIXED = frozenset({"description", "unit", "length_cm", "width_cm", "height_cm", "material", "food_permit",
                          "halal", "expiry", "ready_to_eat", "made_to_order", "maker", "maker_consent"})


class _Reading:
    def __init__(self, spec: CatalogSpec, today: date, images: ImageChecks, cleaners: Cleaners):
        self.spec = spec
        self.today = today
        self.inst = spec.institution
        self.credit = spec.institution.credit
        self.folder = str(spec.path.resolve().parent)
        self.images = images
        self.c = cleaners
        self._text = cleaners.text
        self._builders = _BUILDERS if cleaners.construct else _VALIDATING
        self._defaults = {name: f.default for name, f in spec.mapping.fields.items()}
        self._categories: dict[str, CategoryReading | None] = {}  # a category cell's text -> its reading
        self._real_dirs: dict[str, str] = {}
        self._plans: dict[tuple[str, ...], tuple[ColumnPlan, Layout, list]] = {}
        self._sku: str | None = None  # the product SKU rejects of the current row or group belong to
        self._image_cache: dict[str, tuple[str | None, str]] = {}
        self._notices: list[Notice] = []  # the current product's, yielded with it
        self._unknown_seen: set[int | str] = set()  # columns already reported as matching no field
        self._quick: _QuickSingle | None = None  # the file's quick reading of a clean list row (fast=True)
        self.readable = _readable  # a CSV row's check; a workbook's rows mix text and numbers (_list_records)
        self._quick_codes: dict[str, str | None] = {}  # a category cell -> its code, None: read it cell by cell
        # both passes read the file through one source: an XLSX workbook is checked and parsed once
        self._source = RowSource(spec.path, format=spec.format, sheet=spec.sheet, table=spec.table,
                                 query=spec.query)

    # -- rows to records -------------------------------------------------------------------------------

    def records(self, keys_only: bool = False) -> Iterator[Record | RowKeys | Reject | Notice]:
        """The data rows as records (`keys_only`: as their SKU cells alone); before them, rejects for a header that
        does not fit the mapping and notices about the file's shape (empty, only a header, columns that match no
        field)."""
        for item in self._read(keys_only):
            if type(item) is not _Body:
                yield item  # type: ignore[misc]
                continue
            layout = item.layout  # type: ignore[union-attr]
            if keys_only:
                at_sku, at_parent = layout.sku_at, layout.parent_at
                for number, cells in item.rows:  # type: ignore[union-attr]
                    size = len(cells)
                    yield RowKeys(number, cells[at_sku] if -1 < at_sku < size else None,
                                  cells[at_parent] if -1 < at_parent < size else None)
            else:
                for number, cells in item.rows:  # type: ignore[union-attr]
                    yield Record(number, cells, layout)

    def _read(self, keys_only: bool) -> Iterator[Record | RowKeys | Reject | Notice | _Body]:
        """`records`, with a list file's data rows given as one `_Body` (after the rejects and notices before them)
        for the passes to take straight from the source; a record file's rows as `records` gives them."""
        if _empty_file(self.spec.path):
            yield self.notice(None, None, "catalog_empty_file")
            return
        rows = self._source.numbered()  # bounded: refused at the first row past a limit
        first = next(rows, None)
        if first is None:
            records = (self.spec.format or detect_format(self.spec.path)) in RECORD_FORMATS
            yield self.notice(None, None, "catalog_no_records" if records else "catalog_no_rows")
            return
        if isinstance(first[1], dict):
            for rec in self._dict_records(first, rows):  # type: ignore[arg-type]
                yield RowKeys(rec.number, *self._raw_keys(rec)) if keys_only and isinstance(rec, Record) else rec
        else:
            yield from self._list_records(first, rows, keys_only)  # type: ignore[arg-type]

    def _list_records(self, first: tuple[int, list], rows: Iterator[tuple[int, list]], keys_only: bool
                      ) -> Iterator[Reject | Notice | _Body]:
        # the rows searched, and a sub-header row
        head = [RawRow(*first), *itertools.starmap(RawRow, itertools.islice(rows, HEADER_SEARCH_ROWS))]
        header = self.spec.mapping.find_header([r.cells for r in head])
        if not header.found and len(head) <= HEADER_SEARCH_ROWS and all(_filled(r.cells) <= 1 for r in head):
            yield self.notice(None, None, "catalog_title_only", rows=_row_list(head))
            return
        plan = header.plan
        at = head[header.first].number
        rows_shown = _row_list(head[header.first:header.last + 1])
        yield from self._plan_problems(plan, at, rows_shown)
        yield from self._unknown_columns(plan, at)
        if plan.missing or plan.ambiguous or plan.unclear:
            return
        layout = Layout(plan.columns, listed=True)
        if (self.spec.format or detect_format(self.spec.path)) != "csv":
            self.readable = _readable_mixed
        body = itertools.chain([(r.number, r.cells) for r in head[header.last + 1:]], rows)
        data = next(body, None)  # read as the first data row would be: a file refused there is refused here
        if data is None:
            yield self.notice(at, None, "catalog_header_only", rows=rows_shown)
            return
        if not keys_only and self.c is FAST and layout.keys is not None and layout.first.keys() >= _QUICK_NEEDS:
            self._quick = _QuickSingle(self, layout)
        yield _Body(layout, itertools.chain((data,), body))

    def _dict_records(self, first: tuple[int, dict], rows: Iterator[tuple[int, dict]]) -> Iterator[Record | Notice]:
        for number, cells in itertools.chain([first], rows):
            if "__invalid__" in cells:
                yield Record(number, {}, _NO_LAYOUT, invalid=str(cells["__invalid__"]))
                continue
            keys = tuple(cells)
            known = self._plans.get(keys)
            if known is None:
                plan = self.spec.mapping.plan([(k, k) for k in keys])
                known = self._plans[keys] = (plan, Layout(plan.columns, listed=False),
                                             [(spec.name, cols) for spec, cols in plan.ambiguous])
                yield from self._unknown_columns(plan, number)
            _, layout, ambiguous = known
            # JSON can nest lists and objects where a value belongs: say so, and read them as their text.
            nested = [(c, cells[c.key]) for _, c in layout.cells if isinstance(cells[c.key], (dict, list))]
            if nested:
                cells = {**cells, **{c.key: _json_text(v) for c, v in nested}}
            yield Record(number, cells, layout, nested=nested, ambiguous=ambiguous)

    def _plan_problems(self, plan: ColumnPlan, header_row: int, rows_shown: str) -> list[Reject]:
        out = []
        for spec in plan.missing:
            out.append(self.reject(header_row, None, None, "column_missing", field=spec.name,
                                   accepted=", ".join(spec.display)))
        for spec, cols in plan.ambiguous:
            out.append(self.reject(header_row, ", ".join(c.header for c in cols), None, "column_ambiguous",
                                   field=spec.name, columns=", ".join(c.header for c in cols)))
        for cell, names in plan.unclear:
            out.append(self.reject(header_row, cell.shown, None, "header_rows_unclear", rows=rows_shown,
                                   letter=_letter(cell.key), fields=" / ".join(
                                       self.spec.mapping.fields[name].display[0] for name in names)))
        return out

    def _unknown_columns(self, plan: ColumnPlan, row: int) -> Iterator[Notice]:
        """Once per file: each column (or record field) that matches no field of the mapping, with the nearest
        header where one is close, so a misspelt "Hraga" is seen rather than silently not read."""
        for cell in plan.unknown:
            if cell.key in self._unknown_seen:
                continue
            self._unknown_seen.add(cell.key)
            close = self.spec.mapping.closest_header(cell, plan)
            reason = ("column_unknown" if isinstance(cell.key, int) else "field_unknown") + ("_close" if close else "")
            yield self.notice(row, cell.shown, reason, letter=_letter(cell.key), header=cell.shown, close=close)

    # -- the two passes --------------------------------------------------------------------------------

    def _sku_pass(self) -> Generator[Notice | Reject, None, tuple[dict[str, list[int]], dict[str, int]] | None]:
        """The first pass: only the SKU columns (memory: one small entry per SKU, not the rows). Yields the file's
        notices, and the rejects of a header that does not fit the mapping; returns the duplicated SKUs (folded ->
        their rows) and each group's last row (SKU Induk -> row), or None when nothing can be read."""
        first_row: dict[str, int] = {}
        duplicates: dict[str, list[int]] = {}
        group_end: dict[str, int] = {}  # SKU Induk -> the last row of its group
        unreadable = False
        for item in self._read(keys_only=True):
            if type(item) is _Body:  # a list file's rows: the SKU cells read straight from each row's cells
                rows, at_sku, at_parent = item.rows, item.layout.sku_at, item.layout.parent_at  # type: ignore[union-attr]
            elif type(item) is RowKeys:  # a record's SKU cells: (number, sku, parent)
                rows, at_sku, at_parent = ((item.number, item),), 1, 2  # type: ignore[union-attr,assignment]
            else:  # a notice; or a reject: the header does not fit the mapping, nothing can be read
                unreadable = unreadable or not isinstance(item, Notice)
                yield item  # type: ignore[misc]
                continue
            self._sku_keys(rows, at_sku, at_parent, first_row, duplicates, group_end)
        if unreadable:
            return None
        for parent in group_end:  # a parent row after its variants closes the group
            group_end[parent] = max(group_end[parent], first_row.get(parent.casefold(), 0),
                                    *duplicates.get(parent.casefold(), [0]))
        return duplicates, group_end

    def _sku_keys(self, rows: Iterable[tuple[int, Any]], at_sku: int, at_parent: int, first_row: dict[str, int],
                  duplicates: dict[str, list[int]], group_end: dict[str, int]) -> None:
        """The first pass over some rows: each SKU's first row and its duplicates' rows, each group's last row."""
        text = self._text
        fast = text is _text_fast
        for number, cells in rows:
            size = len(cells)
            sku = cells[at_sku] if -1 < at_sku < size else None
            parent = cells[at_parent] if -1 < at_parent < size else None
            sku = sku.strip() if fast and type(sku) is str and sku.isascii() else text(sku)  # _text_fast, inlined
            parent = parent.strip() if fast and type(parent) is str and parent.isascii() else text(parent)
            if sku:  # SKUs that differ only in letter case are one SKU on the marketplaces
                seen = first_row.setdefault(sku.casefold(), number)
                if seen != number:
                    duplicates.setdefault(sku.casefold(), [seen]).append(number)
            if parent and parent != sku:
                group_end[parent] = max(number, group_end.get(parent, 0))

    def run(self) -> Iterator[Product | Reject | Notice]:
        keys = yield from self._sku_pass()
        if keys is None:
            return
        duplicates, group_end = keys
        pending: dict[str, list[Record]] = {}

        for item in self._read(keys_only=False):
            if type(item) is _Body:
                yield from self._list_body(item, duplicates, group_end, pending)  # type: ignore[arg-type]
                continue
            if not isinstance(item, Record):  # notices: said in the first pass
                continue
            rec = item
            sku, parent = self._keys(rec)
            self._sku = (parent or sku) or None
            if rec.invalid is not None:
                yield self.reject(rec.number, None, None, "row_invalid", detail=rec.invalid)
                continue
            group = parent if parent and parent != sku else (sku if sku in group_end else None)
            if group is None:
                yield from self._single(rec, sku, duplicates)
                continue
            pending.setdefault(group, []).append(rec)
            if rec.number >= group_end[group]:
                yield from self._group(group, pending.pop(group), duplicates)
        for group, recs in pending.items():  # rows numbered out of order (never in practice): finish them
            yield from self._group(group, recs, duplicates)

    def _list_body(self, body: _Body, duplicates: dict[str, list[int]], group_end: dict[str, int],
                   pending: dict[str, list[Record]]) -> Iterator[Product | Reject | Notice]:
        """The second pass over a list file's data rows: `run`'s loop over its records, with the SKU cells read
        from the row's cells and a clean single row made a product by the quick reading without a Record."""
        layout, quick = body.layout, self._quick
        at_sku, at_parent = layout.sku_at, layout.parent_at
        text = self._text
        fast = text is _text_fast
        for number, cells in body.rows:
            size = len(cells)
            sku = cells[at_sku] if -1 < at_sku < size else None  # _keys, inlined: this runs for every row
            parent = cells[at_parent] if -1 < at_parent < size else None
            sku = sku.strip() if fast and type(sku) is str and sku.isascii() else text(sku)
            parent = parent.strip() if fast and type(parent) is str and parent.isascii() else text(parent)
            self._sku = (parent or sku) or None
            group = parent if parent and parent != sku else (sku if sku in group_end else None)
            if group is None:
                if quick is not None and (product := quick.product(number, cells, sku, duplicates)) is not None:
                    yield product
                else:
                    yield from self._single_cells(Record(number, cells, layout), sku, duplicates)
                continue
            pending.setdefault(group, []).append(Record(number, cells, layout))
            if number >= group_end[group]:
                yield from self._group(group, pending.pop(group), duplicates)

    def _keys(self, rec: Record) -> tuple[str, str]:
        layout = rec.layout
        if layout.listed:  # _raw_keys, inlined: this runs for every row
            row = rec.row
            size = len(row)
            sku_at, parent_at = layout.sku_at, layout.parent_at
            sku = row[sku_at] if -1 < sku_at < size else None  # type: ignore[call-overload]
            parent = row[parent_at] if -1 < parent_at < size else None  # type: ignore[call-overload]
        else:
            sku, parent = self._raw_keys(rec)
        if self._text is _text_fast:  # _text_fast inlined: this runs for every row
            return (sku.strip() if type(sku) is str and sku.isascii() else _text(sku),
                    parent.strip() if type(parent) is str and parent.isascii() else _text(parent))
        return self._text(sku), self._text(parent)

    @staticmethod
    def _raw_keys(rec: Record) -> tuple[Any, Any]:
        layout = rec.layout
        if layout.listed:  # Record.raw's values, without making the row's dict of fields
            row = rec.row
            size = len(row)
            sku_at, parent_at = layout.sku_at, layout.parent_at
            return (row[sku_at] if -1 < sku_at < size else None,  # type: ignore[call-overload]
                    row[parent_at] if -1 < parent_at < size else None)  # type: ignore[call-overload]
        return rec.raw("sku")[1], rec.raw("parent_sku")[1]

    # -- one product -----------------------------------------------------------------------------------

    def _single(self, rec: Record, sku: str, duplicates: dict[str, list[int]]
                ) -> list[Product | Reject | Notice]:
        if self._quick is not None and (product := self._quick.product(rec.number, rec.row, sku, duplicates)
                                        ) is not None:  # type: ignore[arg-type]
            return [product]
        return self._single_cells(rec, sku, duplicates)

    def _single_cells(self, rec: Record, sku: str, duplicates: dict[str, list[int]]
                      ) -> list[Product | Reject | Notice]:
        """`_single`'s reading cell by cell, which says what is wrong with a row."""
        rejects: list[Reject] = self._ambiguity(rec)
        rejects += self._sku_problems(rec, sku, duplicates)
        product = self._product_fields(dict.fromkeys(PRODUCT_FIELDS, rec), rejects)
        price = self._price(rec, rejects)
        stock = self._stock(rec, rejects)
        if rejects:
            return rejects  # type: ignore[return-value]
        product.update(sku=sku, price=price, stock=stock, variants=[])
        return self._build(rec, product)

    def _group(self, parent: str, recs: list[Record], duplicates: dict[str, list[int]]
               ) -> Iterator[Product | Reject]:
        head = next((r for r in recs if self._keys(r)[0] == parent), None)
        variants = [r for r in recs if r is not head]
        first = head or variants[0]
        rejects = self._group_problems(parent, recs, head, first, duplicates)
        # a list file's field without a column is blank on every row (a record's keys may differ from row to row)
        columns = first.layout.first if first.layout.listed else None
        sources = {f: next((r for r in recs if not self.c.blank(r.raw(f)[1])), first)
                   if columns is None or f in columns else first for f in PRODUCT_FIELDS}
        product = self._group_fields(sources, first, rejects)
        if rejects:
            yield from self._refuse_group(parent, recs, rejects)
            return
        built = yield from self._variants(recs, variants, head, duplicates)
        kept = yield from self._distinct_variants(parent, built)
        if not kept:
            if head is not None:
                yield self.reject(head.number, None, parent, "variant_none_left")
            return
        if len(kept) > VARIANTS_MAX:
            yield self.reject(first.number, None, parent, "variants_too_many", count=len(kept))
            return
        self._parent_price_unused(head, variants, kept)
        # One parcel weight per listing on some marketplaces: the heaviest variant's, so postage is never short.
        weight = max([product["weight_g"], *(v.weight_g for v in kept if v.weight_g)])
        yield from self._build(first, dict(
            product, sku=parent, price=min(v.price for v in kept), stock=sum(v.stock for v in kept),
            weight_g=weight, variants=kept,
        ))

    def _group_fields(self, sources: dict[str, Record], first: Record, rejects: list[Reject]) -> dict[str, Any]:
        """`_product_fields` of a group, quickly where its first row gives every field and nothing refuses the group
        so far (else each problem of the fields must be said with the group's)."""
        quick = self._quick
        if quick is not None and not rejects and all(source is first for source in sources.values()):
            fields = quick.fields(first)
            if fields is not None:
                self._notices = []  # as _naming starts each product's (the group's notices follow)
                return fields
        return self._product_fields(sources, rejects)

    def _group_problems(self, parent: str, recs: list[Record], head: Record | None, first: Record,
                        duplicates: dict[str, list[int]]) -> list[Reject]:
        """What refuses a whole group: an ambiguous row, or a bad parent SKU (the head row's, else the column's)."""
        rejects: list[Reject] = []
        for rec in recs:
            rejects += self._ambiguity(rec)
        if head is not None:
            rejects += self._sku_problems(head, parent, duplicates)
        else:
            rejects += self._parent_sku_problems(first, parent)
        return rejects

    def _refuse_group(self, parent: str, recs: list[Record], rejects: list[Reject]) -> Iterator[Reject]:
        """The group's own rejects, then a reject naming them for each of its rows they do not already name."""
        refused = {r.row for r in rejects if r.row is not None}
        rows = _numbers(sorted(refused))
        yield from rejects
        for rec in recs:
            if rec.number not in refused:
                yield self.reject(rec.number, None, parent, "variant_parent_refused", rows=rows)

    def _variants(self, recs: list[Record], variants: list[Record], head: Record | None,
                  duplicates: dict[str, list[int]]) -> Generator[Reject, None, list[tuple[Record, Variant]]]:
        """Yields each refused variant row's rejects; returns the variants built from the others."""
        columns = recs[0].layout.first if recs[0].layout.listed else None  # as in _group: no column, no value
        tier_names = [self._text(next((r.raw(f"option_name_{i}")[1] for r in recs
                                       if not self.c.blank(r.raw(f"option_name_{i}")[1])), ""))
                      if columns is None or f"option_name_{i}" in columns else "" for i in (1, 2)]
        two_tiers = (columns is None or "option_value_2" in columns) and any(
            not self.c.blank(r.raw("option_value_2")[1]) for r in variants)
        built: list[tuple[Record, Variant]] = []
        quick = self._quick
        tiers = quick.tiers(tier_names, two_tiers) if quick is not None else None
        for rec in variants:
            sku = self._text(self._raw_keys(rec)[0])
            if quick is not None and (variant := quick.variant(rec, sku, head, tiers, duplicates)) is not None:
                built.append((rec, variant))
                continue
            row_rejects: list[Reject] = self._sku_problems(rec, sku, duplicates)
            price = self._price(rec, row_rejects, fallback=head)
            stock = self._stock(rec, row_rejects)
            options = self._options(rec, tier_names, two_tiers, row_rejects)
            weight = self._variant_weight(rec, row_rejects)
            if row_rejects:
                yield from row_rejects
                continue
            built.append((rec, self._model(Variant, {"sku": sku, "price": price, "stock": stock, "options": options,
                                                     "weight_g": weight, "row": rec.number})))
        return built

    def _parent_price_unused(self, head: Record | None, variants: list[Record], kept: list[Variant]) -> None:
        """A parent row's price is the price of each variant row that has none (``_price``'s fallback); where a
        listed variant has a price of its own that differs, the parent's figure is not listed for it, and staff
        are told so on the parent's cell (a notice: both rows are read as written)."""
        column, value = head.raw("price") if head is not None else (None, None)
        if head is None or parsers.is_blank(value):
            return
        parent_price = self._price(head, [])  # a parent price that does not parse differs from every variant's
        listed = {variant.row: variant.price for variant in kept}
        differing = [rec.number for rec in variants if rec.number in listed
                     and not parsers.is_blank(rec.raw("price")[1]) and listed[rec.number] != parent_price]
        if differing:
            self._notices.append(Notice(self.inst.code, self.spec.label, head.number, _header(column), shown(value),
                                        "variant_price_own", {"rows": _numbers(differing)}, sku=self._sku))

    def _distinct_variants(self, parent: str, built: list[tuple[Record, Variant]]
                           ) -> Generator[Reject, None, list[Variant]]:
        """Yields a reject for every variant whose options another variant repeats; returns the rest."""
        seen: dict[tuple[str, ...], list[Record]] = {}
        for rec, variant in built:
            seen.setdefault(tuple(variant.options.values()), []).append(rec)
        clashes = {key: _numbers([r.number for r in rows]) for key, rows in seen.items() if len(rows) > 1}
        kept = []
        for rec, variant in built:
            rows = clashes.get(tuple(variant.options.values()))
            if rows:
                yield self.reject(rec.number, None, " / ".join(variant.options.values()), "variant_duplicate",
                                  parent=parent, rows=rows)
            else:
                kept.append(variant)
        return kept

    def _model(self, model: type, values: dict[str, Any]) -> Any:
        """A model of values the reader checked (CHECKED), without re-validation on the fast path."""
        return self._builders[model](values)

    def _build(self, rec: Record, values: dict[str, Any]) -> list[Product | Reject | Notice]:
        """What the reading of this product noticed (a refused product's are dropped), then the product."""
        values["institution"] = self.inst.code
        values["source"] = self._model(SourceRef, {"file": self.spec.label, "row": rec.number})
        try:
            if len(values["description"]) > DESCRIPTION_MAX:  # the fallback text: let the schema say so
                return [*self._notices, Product(**values)]
            return [*self._notices, self._model(Product, values)]
        except ValidationError as err:  # a rule the checks above missed: still a reason, never a crash
            first = err.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            return [*self._notices, self.reject(rec.number, loc, None, "row_invalid",
                                                detail=f"{loc}: {first['msg']}")]

    # -- fields ----------------------------------------------------------------------------------------

    def _product_fields(self, sources: dict[str, Record], rejects: list[Reject]) -> dict[str, Any]:
        """The product-level fields, each read from its source row; every problem goes to ``rejects``."""
        def cell(name: str) -> tuple[Record, Column | None, Any]:
            rec = sources[name]
            found = rec._found  # Record.raw, inlined: this runs for every field of every row
            if found is None:
                found = rec._found = rec.layout.found(rec.row)
            column, value = found.get(name, _NO_CELL)
            return rec, column, value

        # The optional fields are given as None when not read, so the model is built with every field named. A
        # cell that is None (no such column) is blank and reads as "" on every path, so it skips the cleaning.
        out: dict[str, Any] = dict.fromkeys(_OPTIONAL)
        defaults, line = self._defaults, self._line
        self._naming(cell, rejects, out)
        self._parcel(cell, rejects, out)
        out["unit"] = line(cell("unit")[2]) or defaults.get("unit") or "pcs"
        flags = {}
        for flag in ("ready_to_eat", "made_to_order", "maker_consent"):
            rec, col, value = cell(flag)
            flags[flag] = bool(defaults.get(flag)) if value is None or self.c.blank(value) else bool(
                self._parse(rec, col, value, rejects, parsers.parse_bool))
        out["ready_to_eat"], out["made_to_order"] = flags["ready_to_eat"], flags["made_to_order"]
        self._food(cell, rejects, out)
        halal = cell("halal")[2]
        out["halal"] = (self._text(halal) if halal is not None else "") or None
        material = line(cell("material")[2]) or defaults.get("material") or ""
        out["material"] = material[:100] or None
        out["images"] = self._images(sources["images"], rejects)

        maker = line(cell("maker")[2])
        keep_name = bool(maker) and flags["maker_consent"] and self.inst.type != InstitutionType.lpka
        out["maker"] = self._model(Maker, {"name": maker if keep_name else None,
                                           "credit": maker if keep_name else self.credit})

        description = cell("description")[2]
        description = self.c.description(self._text(description)) if description is not None else ""
        out["description"] = description or f"{out['name']}. {out['maker'].credit}."
        return out

    # -- the quick reading's converters (_QuickSingle): what the field readers above make of a cell that reads
    # without a problem; a problem raises (ParseError, _Doubt) instead of a reject, and the row is read cell by cell

    def quick_converters(self, first: dict[str, Column]) -> dict[str, Callable[[Any], Any]]:
        """Each product field's converter for this file (`first`: each field's column)."""
        defaults = self._defaults
        weight = first.get("weight_g")
        unit = (weight.options.get("unit") if weight else None) or "g"
        unit_default, material_default = defaults.get("unit") or "pcs", defaults.get("material") or ""

        def line(value: Any) -> str:  # _line: an absent cell (None) reads as "" through both cleaners
            return plain_text(_text_fast(value))

        return {
            "name": _quick_name, "description": _quick_description,
            "category": self._quick_category, "price": _quick_price, "stock": parsers.parse_int,
            "unit": lambda value: line(value) or unit_default,
            "weight_g": lambda value: parsers.parse_weight_g(value, unit),
            **dict.fromkeys(("length_cm", "width_cm", "height_cm"), _quick_dimension),
            "material": lambda value: (line(value) or material_default)[:100] or None,
            "food_permit": self._quick_permit, "halal": lambda value: _text_fast(value) or None,
            "expiry": self._quick_expiry, "maker": line,
            **{flag: _quick_flag(bool(defaults.get(flag))) for flag in ("ready_to_eat", "made_to_order",
                                                                         "maker_consent")},
        }

    def _quick_category(self, value: Any) -> str:
        """`_naming`'s category: a known code without a notice (an unknown subcategory is one), once per cell text."""
        if type(value) is not str:
            raise _Doubt("category")
        code = self._quick_codes.get(value, _UNSEEN)
        if code is _UNSEEN:
            reading = None if parsers.is_blank(value) else self._category(_text_fast(value))
            code = self._quick_codes[value] = (reading.code if reading is not None and reading.unknown_sub is None
                                               else None)
        if code is None:
            raise _Doubt("category")
        return code  # type: ignore[return-value]

    def _quick_expiry(self, value: Any) -> date | None:
        if value is None or parsers.is_blank(value):
            return None
        expiry = parsers.parse_date(value)
        if expiry < self.today:
            raise _Doubt("expired")
        return expiry

    def _quick_permit(self, value: Any) -> Any:
        if value is None or parsers.is_blank(value):
            return None
        return parse_food_permit(_text_fast(value), self.today)  # its refusals are ParseErrors

    def _line(self, value: Any) -> str:
        """A cell as one line of plain text ("" for no cell)."""
        return self.c.plain(self._text(value)) if value is not None else ""

    def _naming(self, cell: _Cell, rejects: list[Reject], out: dict[str, Any]) -> None:
        """``name`` (always set) and ``category`` (set when known)."""
        rec, col, value = cell("name")
        name = self.c.plain(self._text(value))
        if not name:
            rejects.append(self._missing(rec, col, "name"))
        elif not NAME_MIN <= len(name) <= NAME_MAX:
            rejects.append(self.reject(rec.number, _header(col), shown(name), "name_length", length=len(name)))
        out["name"] = name

        rec, col, value = cell("category")
        self._notices = []
        if self.c.blank(value):
            rejects.append(self._missing(rec, col, "category"))
            return
        mapping = self.spec.mapping
        reading = self._category(self._text(value))
        if reading is None:
            rejects.append(self.reject(rec.number, _header(col), shown(value), "category_unknown",
                                       accepted=mapping.accepted_categories()))
            return
        out["category"] = reading.code
        if reading.unknown_sub is not None:  # listed under its top category; staff may want it apart
            top = mapping.taxonomy.top(reading.code)
            self._notices.append(Notice(
                self.inst.code, self.spec.label, rec.number, _header(col), shown(value), "category_sub_unknown",
                {"sub": reading.unknown_sub, "top": top.name_id if top else reading.code, "top_code": reading.code,
                 "accepted": mapping.accepted_subcategories(reading.code)}, sku=self._sku))

    def _category(self, text: str) -> CategoryReading | None:
        """The mapping's reading of a category cell (None: unknown), once per distinct text of the file."""
        if text not in self._categories:
            try:
                self._categories[text] = self.spec.mapping.category(text)
            except ParseError:
                self._categories[text] = None
        return self._categories[text]

    def _parcel(self, cell: _Cell, rejects: list[Reject], out: dict[str, Any]) -> None:
        """``weight_g`` (required) and the dimensions given."""
        rec, col, value = cell("weight_g")
        if self.c.blank(value):
            rejects.append(self._missing(rec, col, "weight_g"))
        else:
            unit = (col.options.get("unit") if col else None) or "g"
            out["weight_g"] = self._parse(rec, col, value, rejects, self.c.weight, unit)

        for dim in ("length_cm", "width_cm", "height_cm"):
            rec, col, value = cell(dim)
            if value is not None and not self.c.blank(value):
                out[dim] = self._parse(rec, col, value, rejects, parsers.parse_dimension_cm)

    def _food(self, cell: _Cell, rejects: list[Reject], out: dict[str, Any]) -> None:
        """``expiry`` and ``food_permit`` when given; a permit is required for culinary products that are neither
        ready to eat nor made to order (reads ``category``, ``ready_to_eat`` and ``made_to_order`` from ``out``)."""
        rec, col, value = cell("expiry")
        if value is not None and not self.c.blank(value):
            expiry = self._parse(rec, col, value, rejects, parsers.parse_date)
            if expiry is not None and expiry < self.today:
                rejects.append(self.reject(rec.number, _header(col), shown(value), "expired"))
            out["expiry"] = expiry

        rec, col, value = cell("food_permit")
        if value is not None and not self.c.blank(value):
            out["food_permit"] = self._permit(rec, col, self._text(value), rejects)
        elif (out.get("category", "").startswith("culinary") and not out["ready_to_eat"]
              and not out["made_to_order"]):
            rejects.append(self.reject(rec.number, _header(col) or "Izin Edar", None, "food_permit_missing"))

    def _price(self, rec: Record, rejects: list[Reject], fallback: Record | None = None) -> int:
        col, value = rec.raw("price")
        if self.c.blank(value) and fallback is not None:
            rec = fallback
            col, value = rec.raw("price")
        if self.c.blank(value):
            rejects.append(self._missing(rec, col, "price"))
            return 0
        price = self._parse(rec, col, value, rejects, self.c.price)
        if price is not None and not PRICE_MIN <= price <= PRICE_MAX:
            rejects.append(self.reject(rec.number, _header(col), shown(value), "price_range"))
        return price or 0

    def _variant_weight(self, rec: Record, rejects: list[Reject]) -> int | None:
        col, value = rec.raw("weight_g")
        if self.c.blank(value):
            return None
        unit = (col.options.get("unit") if col else None) or "g"
        return self._parse(rec, col, value, rejects, self.c.weight, unit)

    def _stock(self, rec: Record, rejects: list[Reject]) -> int:
        col, value = rec.raw("stock")
        if self.c.blank(value):
            rejects.append(self._missing(rec, col, "stock"))
            return 0
        return self._parse(rec, col, value, rejects, parsers.parse_int) or 0

    def _options(self, rec: Record, tier_names: list[str], two_tiers: bool, rejects: list[Reject]
                 ) -> dict[str, str]:
        options: dict[str, str] = {}
        for i in (1, 2) if two_tiers else (1,):
            col, value = rec.raw(f"option_value_{i}")
            text = self.c.plain(self._text(value))
            if not text:
                rejects.append(self.reject(rec.number, _header(col) or "Varian", None, "variant_options_missing"))
                continue
            options[tier_names[i - 1] or ("Variasi" if i == 1 else "Variasi 2")] = text
        return options

    def _sku_problems(self, rec: Record, sku: str, duplicates: dict[str, list[int]]) -> list[Reject]:
        col, raw = rec.raw("sku")
        if not sku:
            return [self._missing(rec, col, "sku")]
        if not _code_cell(raw) or sku.casefold() in _NOT_CODES:
            return [self.reject(rec.number, _header(col), shown(sku), "sku_not_text")]
        if sku.casefold() in duplicates:
            return [self.reject(rec.number, _header(col), shown(sku), "sku_duplicate",
                                rows=_numbers(duplicates[sku.casefold()]))]
        return self._sku_shape(rec.number, _header(col), sku)

    def _parent_sku_problems(self, rec: Record, parent: str) -> list[Reject]:
        return self._sku_shape(rec.number, _header(rec.raw("parent_sku")[0]), parent)

    def _sku_shape(self, row: int, column: str | None, sku: str) -> list[Reject]:
        if _WHITESPACE.search(sku) or not sku.isprintable():
            return [self.reject(row, column, shown(sku), "sku_spaces")]
        if not sku.isascii():  # look-alike letters and composed/decomposed accents would be different products that
            return [self.reject(row, column, shown(sku), "sku_not_ascii")]  # show as one seller SKU
        if len(sku) > SKU_MAX:
            return [self.reject(row, column, shown(sku), "sku_too_long")]
        return []

    def _permit(self, rec: Record, col: Column | None, text: str, rejects: list[Reject]):
        try:
            return parse_food_permit(text, self.today)
        except (PermitExpired, PermitImplausible) as err:
            rejects.append(self.reject(rec.number, _header(col), shown(text), err.reason, year=err.year))
        except ParseError as err:
            rejects.append(self.reject(rec.number, _header(col), shown(text), err.reason))
        return None

    def _images(self, rec: Record, rejects: list[Reject]) -> list[str]:
        entries: list[tuple[Column, str]] = []
        for col in rec.layout.columns.get("images", ()):
            value = rec.value(col)
            if not self.c.blank(value):
                entries += [(col, item) for item in parsers.parse_list(value)]
        if len(entries) > IMAGES_MAX:
            rejects.append(self.reject(rec.number, entries[0][0].header, None, "images_too_many",
                                       count=len(entries)))
            return []
        images = []
        for col, item in entries:
            problem, image = self._image(item)
            if problem:
                rejects.append(self.reject(rec.number, col.header, shown(item), problem))
            else:
                images.append(image)
        return images

    def _image(self, item: str) -> tuple[str | None, str]:
        """(problem, image); kept per catalog, since products share pictures (and each file's check per run)."""
        found = self._image_cache.get(item)
        if found is None:
            found = self._image_cache[item] = self._check_image(item)
        return found

    def _check_image(self, item: str) -> tuple[str | None, str]:
        if not item.isprintable():  # a NUL or a control character is in no file's name (os.stat would raise)
            return "image_name_invalid", item
        lowered = item.lower()
        if lowered.startswith("https://"):
            return None, "https://" + item[len("https://"):]  # `HTTPS://` is an address too, never a file name
        if "://" in lowered or lowered.startswith(("data:", "javascript:", "file:")):
            return "image_not_https", item
        # Resolved with one realpath per directory and one lstat per file (a catalog has thousands of images).
        joined = os.path.normpath(os.path.join(self.folder, item))
        parent = os.path.dirname(joined)
        real_parent = self._real_dirs.get(parent)
        if real_parent is None:
            real_parent = self._real_dirs[parent] = os.path.realpath(parent)
        path = os.path.join(real_parent, os.path.basename(joined))
        if not self._inside(path):
            return "image_outside_folder", item
        try:
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                path = os.path.realpath(path)
                if not self._inside(path):
                    return "image_outside_folder", item
                info = os.stat(path)
            # Stat before opening: a pipe (FIFO) named like a photo would block the reading for ever.
            if not stat.S_ISREG(info.st_mode):
                return "image_not_a_file", item
            problem = self.images.problem(path, info)  # opened once per run
        except (OSError, ValueError):  # missing, unreadable, a name the system cannot take
            return "image_missing", item
        return (problem, item) if problem else (None, path)

    def _inside(self, path: str) -> bool:
        return path.startswith(self.folder + os.sep)

    def _ambiguity(self, rec: Record) -> list[Reject]:
        """Row problems found while reading the record: ambiguous columns, nested JSON values, cells that cannot
        be read as they are (too long, binary, not Unicode, a value the source could not read)."""
        if not rec.ambiguous and not rec.nested:
            return self._cell_problems(rec)
        return self._cell_problems(rec) + [
            self.reject(rec.number, ", ".join(c.header for c in cols), None, "column_ambiguous",
                        field=name, columns=", ".join(c.header for c in cols)) for name, cols in rec.ambiguous] + [
            self.reject(rec.number, c.header, shown(_json_text(v)), "cell_nested")
            for c, v in rec.nested]

    def _cell_problems(self, rec: Record) -> list[Reject]:
        layout, row = rec.layout, rec.row
        if (layout.listed and layout.keys is not None and len(row) > layout.widest
                and self.readable(layout.keys(row))):
            return []
        out = []
        value_of = rec.value
        for name, col in rec.layout.cells:
            value = value_of(col)
            kind = type(value)
            if value is None or (kind is str and value.isascii() and len(value) <= CELL_CHARS_MAX) or kind is int:
                continue  # readable as it is: most cells (isascii is O(1), and ASCII holds no surrogate)
            reason, params = _cell_problem(value)
            if reason == "cell_binary" and name == "sku":  # the SKU's own check says so (sku_not_text)
                continue
            if reason:
                out.append(self.reject(rec.number, col.header, _shown_cell(value), reason, **params))
        return out

    def _parse(self, rec: Record, col: Column | None, value: Any, rejects: list[Reject], parse, *args):
        try:
            return parse(value, *args)
        except ParseError as err:
            rejects.append(self.reject(rec.number, _header(col), shown(value), err.reason))
            return None

    def _missing(self, rec: Record, col: Column | None, name: str) -> Reject:
        label = _header(col) or self.spec.mapping.fields[name].display[0]
        return self.reject(rec.number, label, None, "value_missing", field=name)


    def reject(self, row: int | None, column: str | None, value: str | None, reason: str, **params: Any) -> Reject:
        return Reject(self.inst.code, self.spec.label, row, column, value, reason, params, sku=self._sku)

    def notice(self, row: int | None, column: str | None, reason: str, **params: Any) -> Notice:
        return Notice(self.inst.code, self.spec.label, row, column, None, reason, params)

_UNSEEN = object()


def _quick_name(value: Any) -> str:
    name = plain_text(value.strip() if type(value) is str and value.isascii() else _text(value))  # _text_fast
    if not NAME_MIN <= len(name) <= NAME_MAX:  # "" included: missing
        raise _Doubt("name")
    return name


def _quick_description(value: Any) -> str:
    return safe_description(value.strip() if type(value) is str and value.isascii() else _text(value))  # _text_fast


def _quick_price(value: Any) -> int:
    price = parsers.parse_price(value)  # a blank cell is a ParseError too
    if not PRICE_MIN <= price <= PRICE_MAX:
        raise _Doubt("price_range")
    return price


def _quick_dimension(value: Any) -> int | None:
    return None if value is None or parsers.is_blank(value) else parsers.parse_dimension_cm(value)


def _quick_flag(default: bool) -> Callable[[Any], bool]:
    def flag(value: Any) -> bool:
        return default if value is None or parsers.is_blank(value) else bool(parsers.parse_bool(value))
    return flag


def _header(col: Column | None) -> str | None:
    return col.header if col else None


def _empty_file(path: Path) -> bool:
    """A file of 0 bytes (a failed save or copy): empty whatever its format, rather than unreadable."""
    try:
        info = path.stat()
    except OSError:  # missing or unreadable: the source says so
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size == 0


_NUMBERS_SHOWN = 10  # a SKU repeated on 30,000 rows names ten of them, not 30,000 in each of 30,000 rejects


def _numbers(rows: list[int]) -> str:
    """Row numbers as a reject names them: all of a few; the first ten and how many of many."""
    shown_rows = ", ".join(map(str, rows[:_NUMBERS_SHOWN]))
    return shown_rows if len(rows) <= _NUMBERS_SHOWN else f"{shown_rows} … ({len(rows):,} rows)"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _cell_problem(value: Any) -> tuple[str | None, dict[str, Any]]:
    """Why a cell cannot be read as it is, with the reason's params; (None, {}) for a readable cell."""
    if isinstance(value, str):
        if len(value) > CELL_CHARS_MAX:
            return "cell_too_long", {"length": f"{len(value):,}", "limit": f"{CELL_CHARS_MAX:,}"}
        if _SURROGATE.search(value):
            return "cell_not_unicode", {}
        return None, {}
    if isinstance(value, Unreadable):
        return "cell_unreadable", {"why": value.why}
    if isinstance(value, bytes | bytearray | memoryview):
        return "cell_binary", {"size": f"{len(value):,}"}
    return None, {}


def _readable(values: tuple) -> bool:
    """Whether every cell of a row is readable as it is, checked in C for the common rows: ASCII text (which
    holds no surrogate) no cell of which is too long, or only that and numbers; False means: look cell by cell."""
    try:
        joined = "".join(values)  # a CSV row: all text
    except TypeError:  # a workbook row: numbers and empty cells among the text
        texts = [v for v in values if type(v) is str]
        if len(texts) + sum(1 for v in values if v is None or type(v) is int or type(v) is float) != len(values):
            return False
        joined = "".join(texts)
        values = tuple(texts)
    return joined.isascii() and (len(joined) <= CELL_CHARS_MAX or max(map(len, values), default=0) <= CELL_CHARS_MAX)


_PLAIN_CELLS = frozenset({str, int, float, type(None)})
_TEXT_ONLY = frozenset({str})


def _readable_mixed(values: tuple) -> bool:
    """`_readable` for a workbook's rows, whose numbers would make its first try (a join) fail every time: the kinds
    of cell looked at in C first. False where `_readable` might say True (a subclass of str) only means: look cell
    by cell."""
    kinds = set(map(type, values))
    if not kinds <= _PLAIN_CELLS:
        return False
    texts = values if kinds == _TEXT_ONLY else [v for v in values if type(v) is str]
    joined = "".join(texts)
    return joined.isascii() and (len(joined) <= CELL_CHARS_MAX or max(map(len, texts), default=0) <= CELL_CHARS_MAX)


def _json_text(value: dict | list) -> str:
    """A nested JSON value as its text (a value the source could not read shown as what it is)."""
    return escape_surrogates(json.dumps(value, ensure_ascii=False, default=repr))


def _shown_cell(value: Any) -> str | None:
    if isinstance(value, Unreadable):
        return None
    if isinstance(value, str):
        return shown(escape_surrogates(value[:200]))
    return shown(value if not isinstance(value, memoryview) else bytes(value))


def _filled(cells: list[Any]) -> int:
    return sum(1 for c in cells if not parsers.is_blank(c))


def _row_list(rows: list[RawRow]) -> str:
    return ", ".join(str(r.number) for r in rows)


def _letter(key: int | str) -> str:
    """A list row's column index as the spreadsheet names it: 0 -> A, 26 -> AA (a record field keeps its key)."""
    if isinstance(key, str):
        return key
    letters = ""
    n = key + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# What a spreadsheet, a database or an export tool writes for "no value": never a product's code.
_NOT_CODES = frozenset({"nan", "inf", "-inf", "+inf", "infinity", "-infinity", "none", "null", "true", "false",
                        "#n/a", "n/a"})


def _code_cell(value: Any) -> bool:
    """Whether a cell can hold a code: text or a finite number (a yes/no, binary or not-a-number cell cannot)."""
    if isinstance(value, bool | bytes | bytearray | memoryview):
        return False
    return not (isinstance(value, float) and not math.isfinite(value))


def _text(value: Any, parse: Callable[[Any], str] = parsers.parse_text) -> str:
    """A cell as text. Cells no parser reads as text (a yes/no cell, NaN) keep their plain form: the field's
    own checks then refuse them with a reason."""
    if value is None:
        return ""
    try:
        text = parse(value)
    except ParseError:
        return str(value)
    # NFD "é" (e + combining accent, as macOS writes) reads the same as NFC "é"; a lone surrogate is shown escaped.
    if not text.isascii():
        text = escape_surrogates(unicodedata.normalize("NFC", text) if not unicodedata.is_normalized("NFC", text)
                                 else text)
    return text

