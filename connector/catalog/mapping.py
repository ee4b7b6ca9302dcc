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
from connector.schema import TAXONOMY, Taxonomy, category_word, top_category

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
# Between a top category and its subcategory staff write `/`, `>`, `»`, `|`, `\`, `:` or a dash between spaces.
_CATEGORY_PARTS = re.compile(r"\s*[/>»|\\:]\s*|\s+[-–]\s+")


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
    taxonomy: Taxonomy
    words: CategoryWords

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

    def category(self, text: str) -> CategoryReading:
        """`Kerajinan > Cukli`, `Kerajinan / Cukli`, `Kerajinan Cukli`, `Cukli` -> `craft/cukli`. A subcategory
        its top category does not have is read as the top category, saying which word was not known; an unknown
        top category raises ParseError('category_unknown')."""
        parts = [p for p in _CATEGORY_PARTS.split(text.strip()) if category_word(p)]
        if not parts:
            raise ParseError("category_unknown", text)
        if len(parts) == 1:
            return self.words.phrase(parts[0], text)
        top = self.words.tops.get(category_word(parts[0]))
        if top is None:
            raise ParseError("category_unknown", text)
        return self.words.under(top, parts[1])

    def accepted_categories(self) -> str:
        """What a category cell may say, for a refusal: each top category, and each with its subcategories."""
        return ", ".join([t.name_id for t in self.taxonomy] + [
            f"{t.name_id} / {s.name_id}" for t in self.taxonomy for s in t.subcategories])

    def accepted_subcategories(self, top: str) -> str:
        found = self.taxonomy.top(top)
        return ", ".join(f"{found.name_id} / {s.name_id}" for s in found.subcategories) if found else ""


@dataclass(frozen=True, slots=True)
class CategoryReading:
    """A category cell as read: the code, and the subcategory words no subcategory of its top category has (then
    the code is the top category's)."""

    code: str
    unknown_sub: str | None = None


@dataclass(frozen=True)
class CategoryWords:
    """The category words of a mapping: the taxonomy's names and synonyms, and the mapping's own `categories:`
    words, which win over the taxonomy's where they differ (an institution's own meaning of a word)."""

    tops: dict[str, str]  # normalised word -> top code
    subs: dict[tuple[str, str], str]  # (top code, normalised word) -> subcategory code
    alone: dict[str, str]  # normalised word -> subcategory code, for the words one top category alone has

    def phrase(self, text: str, cell: str) -> CategoryReading:
        """One phrase: a top category, a subcategory word alone, or a top category's words followed by a
        subcategory's (`Kerajinan Kulit`, the longest top words first)."""
        key = category_word(text)
        if key in self.tops:
            return CategoryReading(self.tops[key])
        if key in self.alone:
            return CategoryReading(self.alone[key])
        tokens = text.split()
        for cut in range(len(tokens) - 1, 0, -1):
            top = self.tops.get(category_word(" ".join(tokens[:cut])))
            if top is not None:
                return self.under(top, " ".join(tokens[cut:]))
        raise ParseError("category_unknown", cell)

    def under(self, top: str, text: str) -> CategoryReading:
        code = self.subs.get((top, category_word(text)))
        return CategoryReading(code) if code else CategoryReading(top, text.strip())


def category_words(taxonomy: Taxonomy, mapping_words: dict[str, list[str] | None]) -> CategoryWords:
    """The taxonomy's words, then the mapping's over them."""
    tops: dict[str, str] = {}
    subs: dict[tuple[str, str], str] = {}
    alone: list[dict[str, set[str]]] = [{}, {}]  # the taxonomy's, the mapping's: word -> subcategory codes
    named = [(t.code, t.words) for t in taxonomy] + [
        (f"{t.code}/{s.code}", s.words) for t in taxonomy for s in t.subcategories]
    given = [(code, words or []) for code, words in mapping_words.items()]
    for layer, entries in enumerate((named, given)):
        for code, words in entries:
            for word in map(category_word, words):
                if "/" not in code:
                    tops[word] = code
                    continue
                subs[(top_category(code), word)] = code
                alone[layer].setdefault(word, set()).add(code)
    single = {**alone[0], **alone[1]}  # a word the mapping gives means what the mapping says
    return CategoryWords(tops, subs, {w: next(iter(c)) for w, c in single.items() if len(c) == 1})


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


def load_mapping(path: Path, taxonomy: Taxonomy = TAXONOMY) -> Mapping:
    """The mapping in `path`, its category words read against `taxonomy` (the shipped one unless the config
    check loaded a deployment's), or MappingError listing every problem as `FILE: loc: message`."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise MappingError(f"{path}: cannot read the mapping: {err}") from None
    try:
        parsed = MappingFile.model_validate(raw if raw is not None else {})
    except ValidationError as err:
        found = problems(err, MappingFile)
    else:
        found = _name_problems(parsed) + _category_problems(parsed.categories, taxonomy)
    if found:
        lines = [f"{path}: {p}" for p in found]
        raise MappingError("; ".join(lines), lines)
    return Mapping(name=path.stem, fields=_field_specs(parsed.fields), taxonomy=taxonomy,
                   words=category_words(taxonomy, parsed.categories))


def _name_problems(parsed: MappingFile) -> list[str]:
    """Field names that PASINDO does not know, and required fields left out."""
    found = [f"fields.{name}: unknown field{suggestion(name, FIELDS)}; known: {', '.join(sorted(FIELDS))}"
             for name in parsed.fields if name not in FIELDS]
    found += [f"fields.{name}: every mapping must say where {name} comes from"
              for name in REQUIRED_FIELDS if name not in parsed.fields]
    return found


def _category_problems(codes: dict[str, list[str] | None], taxonomy: Taxonomy) -> list[str]:
    """Codes the taxonomy does not have, and a word given for two top categories or two subcategories of one."""
    found = [f"categories.{code}: not a PASINDO category; see `pasindo schema`"
             f"{suggestion(code, taxonomy.codes)}" for code in codes if code not in taxonomy.codes]
    owner: dict[tuple[str, str], str] = {}
    for code, words in codes.items():
        scope = "" if "/" not in code else top_category(code)
        for word in words or []:
            if not category_word(word):
                found.append(f"categories.{code}: {word!r} has no letters or digits")
                continue
            other = owner.setdefault((scope, category_word(word)), code)
            if other != code:
                found.append(f"categories.{code}: {word!r} is also given for {other}; a word names one category")
    return found


def _field_specs(entries: dict[str, FieldEntry]) -> dict[str, FieldSpec]:
    specs = {}
    for name, entry in entries.items():
        headers = {norm(c.header): {"unit": c.unit} if c.unit else {} for c in entry.columns}
        specs[name] = FieldSpec(name=name, headers=headers, display=[c.header for c in entry.columns],
                                required=entry.required, default=entry.default, numbered=entry.numbered)
    return specs
