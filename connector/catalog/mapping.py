"""Mappings: which catalog column holds which PASINDO field, and which local words mean which category.

A mapping is data (mappings/*.yaml). This module loads it, matches it against a catalog's header row and
resolves category words. Header matching ignores case, spaces and punctuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from connector.catalog.parsers import ParseError
from connector.schema import CATEGORY_CODES, TAXONOMY

PARSERS = {"text", "price", "int", "weight", "dimension", "date", "bool", "list", "category"}
FIELDS = {
    "sku", "parent_sku", "name", "description", "category", "price", "stock", "unit", "weight_g",
    "length_cm", "width_cm", "height_cm", "images", "option_name_1", "option_value_1", "option_name_2",
    "option_value_2", "food_permit", "halal", "expiry", "ready_to_eat", "made_to_order", "maker",
    "maker_consent",
}
HEADER_SEARCH_ROWS = 10  # title rows above the header are common; look this far for it
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_NUMBERED = re.compile(r"^(.*?)(\d{1,2})$")


class MappingError(Exception):
    pass


def norm(text: Any) -> str:
    """`Berat (gram)` -> `beratgram`: the form headers and category words are compared in."""
    return _NOT_ALNUM.sub("", str(text)).casefold()


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    parser: str
    headers: dict[str, dict[str, Any]]  # normalised header -> parser options
    display: list[str]  # the headers as written in the mapping, for messages
    required: bool = False
    default: Any = None
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    """One catalog column feeding a field: its position (list rows) or key (record rows)."""

    key: int | str
    header: str
    options: dict[str, Any]
    order: int = 0  # "Foto 2" -> 2, to keep numbered image columns in order


@dataclass
class ColumnPlan:
    columns: dict[str, list[Column]] = field(default_factory=dict)
    missing: list[FieldSpec] = field(default_factory=list)
    ambiguous: list[tuple[FieldSpec, list[Column]]] = field(default_factory=list)


@dataclass
class Mapping:
    name: str
    fields: dict[str, FieldSpec]
    categories: dict[str, str]  # normalised word -> category code
    top_words: dict[str, str]  # normalised word -> top-level code

    def plan(self, headers: list[tuple[int | str, Any]]) -> ColumnPlan:
        """Match a header row to fields. Two columns for one field are ambiguous, never a guess."""
        found: dict[str, list[Column]] = {}
        for key, header in headers:
            if header is None or header == "":
                continue
            h = norm(header)
            for spec in self.fields.values():
                column = _match(spec, h, key, str(header))
                if column is not None:
                    found.setdefault(spec.name, []).append(column)
                    break
        plan = ColumnPlan()
        for spec in self.fields.values():
            columns = sorted(found.get(spec.name, []), key=lambda c: c.order)
            if not columns:
                if spec.required:
                    plan.missing.append(spec)
                continue
            orders = [c.order for c in columns]
            if len(set(orders)) != len(orders):
                plan.ambiguous.append((spec, columns))
                continue
            plan.columns[spec.name] = columns
        return plan

    def header_score(self, cells: list[Any]) -> int:
        """How many cells of a row look like known headers (to find the header row under a title)."""
        return sum(1 for c in cells if isinstance(c, str) and c and self._is_header(norm(c)))

    def _is_header(self, h: str) -> bool:
        return any(_match(spec, h, 0, h) is not None for spec in self.fields.values())

    def category(self, text: str) -> str:
        """`Kerajinan > Cukli` -> `craft/cukli`; unknown words raise ParseError('category_unknown')."""
        parts = [p for p in re.split(r"\s*[/>]\s*", text.strip()) if p.strip()]
        if not parts:
            raise ParseError("category_unknown", text)
        first = norm(parts[0])
        if len(parts) == 1:
            if first in self.top_words:
                return self.top_words[first]
            if first in self.categories:
                return self.categories[first]
            raise ParseError("category_unknown", text)
        top = self.top_words.get(first)
        if top is None:
            raise ParseError("category_unknown", text)
        sub = norm(" ".join(parts[1:2]))
        code = self.categories.get(f"{top}\x00{sub}")
        if code is None:
            raise ParseError("category_unknown", text)
        return code

    def accepted_categories(self) -> str:
        return ", ".join(
            f"{t.name_id} / {s.name_id}" for t in TAXONOMY for s in t.subcategories
        )


def _match(spec: FieldSpec, h: str, key: int | str, header: str) -> Column | None:
    if h in spec.headers:
        return Column(key, header, spec.headers[h])
    if spec.numbered:
        m = _NUMBERED.match(h)
        if m and m.group(1) in spec.headers:
            return Column(key, header, spec.headers[m.group(1)], order=int(m.group(2)))
    return None


def load_mapping(path: Path) -> Mapping:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise MappingError(f"{path}: cannot read the mapping: {err}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), dict):
        raise MappingError(f"{path}: a mapping needs a 'fields' section")
    problems: list[str] = []
    fields: dict[str, FieldSpec] = {}
    for name, spec in raw["fields"].items():
        if name not in FIELDS:
            problems.append(f"fields.{name}: unknown field; known: {', '.join(sorted(FIELDS))}")
            continue
        if not isinstance(spec, dict) or not spec.get("columns"):
            problems.append(f"fields.{name}: needs 'columns'")
            continue
        parser = spec.get("parser", "text")
        if parser not in PARSERS:
            problems.append(f"fields.{name}.parser: {parser!r} unknown; known: {', '.join(sorted(PARSERS))}")
        headers: dict[str, dict[str, Any]] = {}
        display: list[str] = []
        for entry in spec["columns"]:
            if isinstance(entry, dict):
                entry = dict(entry)
                header = str(entry.pop("header", ""))
                options = entry
            else:
                header, options = str(entry), {}
            headers[norm(header)] = options
            display.append(header)
        fields[name] = FieldSpec(
            name=name, parser=parser, headers=headers, display=display,
            required=bool(spec.get("required", False)), default=spec.get("default"),
            numbered=bool(spec.get("numbered", False)),
        )
    for required in ("sku", "name", "price", "stock", "category"):
        if required not in fields:
            problems.append(f"fields.{required}: every mapping must say where {required} comes from")

    categories: dict[str, str] = {}
    top_words: dict[str, str] = {}
    for code, words in (raw.get("categories") or {}).items():
        if code not in CATEGORY_CODES:
            problems.append(f"categories.{code}: not a PASINDO category; see `pasindo schema`")
            continue
        for word in words or []:
            w = norm(word)
            if "/" in code:
                top = code.split("/", 1)[0]
                categories[f"{top}\x00{w}"] = code
                # a subcategory word alone resolves only if no other top-level category uses it
                if w in categories and categories[w] != code:
                    categories[w] = ""
                else:
                    categories.setdefault(w, code)
            else:
                top_words[w] = code
    if problems:
        raise MappingError(f"{path}: " + "; ".join(problems))
    categories = {k: v for k, v in categories.items() if v}
    return Mapping(name=path.stem, fields=fields, categories=categories, top_words=top_words)
