"""Mappings: which catalog column holds which PASINDO field, and which local words mean which category.

A mapping is data (mappings/*.yaml). This module loads it, matches it against a catalog's header row and
resolves category words. Header matching ignores case, spaces and punctuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from connector.catalog.parsers import ParseError
from connector.problems import problems, suggestion
from connector.schema import CATEGORY_CODES, TAXONOMY

# The parsers a mapping's (ignored) `parser:` key may name.
PARSERS = ("text", "price", "int", "weight", "dimension", "date", "bool", "list", "category")
FIELDS = {
    "sku", "parent_sku", "name", "description", "category", "price", "stock", "unit", "weight_g",
    "length_cm", "width_cm", "height_cm", "images", "option_name_1", "option_value_1", "option_name_2",
    "option_value_2", "material", "food_permit", "halal", "expiry", "ready_to_eat", "made_to_order", "maker",
    "maker_consent",
}
REQUIRED_FIELDS = ("sku", "name", "price", "stock", "category")
HEADER_SEARCH_ROWS = 10  # title rows above the header are common; look this far for it
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_NUMBERED = re.compile(r"^(.*?)(\d{1,2})$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def norm(text: Any) -> str:
    """`Berat (gram)` -> `beratgram`: the form headers and category words are compared in."""
    return _NOT_ALNUM.sub("", str(text)).casefold()


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
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


def _column(value: Any) -> Any:
    """A column written as its header alone (`Harga`) is `{header: Harga}`."""
    return value if isinstance(value, dict) else {"header": value}


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


Header = Annotated[str, BeforeValidator(_text), Field(min_length=1)]


class ColumnEntry(_Strict):
    header: Header
    unit: Literal["g", "kg"] | None = None  # weight columns: numbers without a unit are in this one


class FieldEntry(_Strict):
    columns: Annotated[list[Annotated[ColumnEntry, BeforeValidator(_column)]], Field(min_length=1)]
    required: bool = False
    default: Any = None
    numbered: bool = False  # also "Foto 1" ... "Foto 9"
    # Ignored: every PASINDO field has its own parser (a price is always read as a price). Accepted, with the
    # values it always took, so mappings copied from older versions of mappings/standard.yaml still load.
    parser: Literal[PARSERS] | None = Field(default=None, exclude=True)


class MappingFile(_Strict):
    """The shape of a mapping file."""

    fields: dict[str, FieldEntry]
    categories: dict[str, list[Annotated[str, BeforeValidator(_text)]] | None] = {}


class MappingError(Exception):
    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


def load_mapping(path: Path) -> Mapping:
    """The mapping in `path`, or MappingError listing every problem as `FILE: loc: message`."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise MappingError(f"{path}: cannot read the mapping: {err}") from None
    try:
        parsed = MappingFile.model_validate(raw if raw is not None else {})
    except ValidationError as err:
        found = problems(err, MappingFile)
    else:
        found = _name_problems(parsed)
    if found:
        lines = [f"{path}: {p}" for p in found]
        raise MappingError("; ".join(lines), lines)
    categories, top_words = _category_words(parsed.categories)
    return Mapping(name=path.stem, fields=_field_specs(parsed.fields), categories=categories, top_words=top_words)


def _name_problems(parsed: MappingFile) -> list[str]:
    """Field names and category codes that PASINDO does not know, and required fields left out."""
    found = [f"fields.{name}: unknown field{suggestion(name, FIELDS)}; known: {', '.join(sorted(FIELDS))}"
             for name in parsed.fields if name not in FIELDS]
    found += [f"fields.{name}: every mapping must say where {name} comes from"
              for name in REQUIRED_FIELDS if name not in parsed.fields]
    found += [f"categories.{code}: not a PASINDO category; see `pasindo schema`{suggestion(code, CATEGORY_CODES)}"
              for code in parsed.categories if code not in CATEGORY_CODES]
    return found


def _field_specs(entries: dict[str, FieldEntry]) -> dict[str, FieldSpec]:
    specs = {}
    for name, entry in entries.items():
        headers = {norm(c.header): {"unit": c.unit} if c.unit else {} for c in entry.columns}
        specs[name] = FieldSpec(name=name, headers=headers, display=[c.header for c in entry.columns],
                                required=entry.required, default=entry.default, numbered=entry.numbered)
    return specs


def _category_words(codes: dict[str, list[str] | None]) -> tuple[dict[str, str], dict[str, str]]:
    """Normalised word -> category code (subcategory words also under "top\x00word"), and -> top-level code."""
    categories: dict[str, str] = {}
    top_words: dict[str, str] = {}
    for code, words in codes.items():
        for word in words or []:
            w = norm(word)
            if "/" not in code:
                top_words[w] = code
                continue
            categories[f"{code.split('/', 1)[0]}\x00{w}"] = code
            # a subcategory word alone resolves only if no other top-level category uses it
            if w in categories and categories[w] != code:
                categories[w] = ""
            else:
                categories.setdefault(w, code)
    return {k: v for k, v in categories.items() if v}, top_words
