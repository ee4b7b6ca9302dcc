"""Mappings: which catalog column holds which PASINDO field, and which local words mean which category.

A mapping is data (mappings/*.yaml). This module loads it, matches it against a catalog's header row (or two
rows: merged headers above sub-headers) and resolves category words. Header matching ignores case, spaces and
punctuation.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from connector.catalog.parsers import ParseError
from connector.problems import problems, suggestion
from connector.schema import TAXONOMY, Taxonomy, category_word, top_category
from connector.yamlfile import YamlFileError, read_yaml

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
_UNIT = re.compile(r"\([^()]*\)\s*$")  # "Ukuran (cm)" -> "(cm)": a merged header's unit, for its sub-headers


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


@dataclass(frozen=True, slots=True)
class HeaderCell:
    """One column's header as the catalog writes it, and the texts that may name its field."""

    key: int | str
    shown: str  # as staff wrote it: "Harga", or "Produk / Nama" for a sub-header under a merged header
    readings: tuple[str, ...]  # tried in order: the first that names a field decides
    # When no reading names a field: the two header rows read apart. They must agree, else the column is unclear.
    apart: tuple[str, ...] = ()


@dataclass
class ColumnPlan:
    columns: dict[str, list[Column]] = field(default_factory=dict)
    missing: list[FieldSpec] = field(default_factory=list)
    ambiguous: list[tuple[FieldSpec, list[Column]]] = field(default_factory=list)
    unknown: list[HeaderCell] = field(default_factory=list)  # headers naming no field (the ignore list left out)
    unclear: list[tuple[HeaderCell, list[str]]] = field(default_factory=list)  # two header rows, two fields
    named: int = 0  # columns whose header names a field (or two, unclear): how well a header reading fits


@dataclass
class HeaderRows:
    """Where a catalog's header is among its first rows (indexes into them), and how its columns map."""

    plan: ColumnPlan
    first: int
    last: int  # first + 1 for a header in two rows
    found: bool = True  # False: no row has two known headers; `plan` reads the likeliest row, to say what is missing


@dataclass
class Mapping:
    name: str
    fields: dict[str, FieldSpec]
    taxonomy: Taxonomy
    words: CategoryWords
    ignored: frozenset[str] = frozenset()  # normalised headers staff keep that PASINDO does not read ("No")

    def plan(self, headers: list[tuple[int | str, Any]]) -> ColumnPlan:
        """Match a header row to fields. Two columns for one field are ambiguous, never a guess."""
        return self.plan_cells([HeaderCell(key, str(header), (str(header),)) for key, header in headers
                                if header is not None and header != ""])

    def plan_cells(self, cells: list[HeaderCell]) -> ColumnPlan:
        """Match header cells (one row's, or two rows' read together) to fields."""
        found: dict[str, list[Column]] = {}
        plan = ColumnPlan()
        for cell in cells:
            named = self._fields_named(cell)
            if len(named) == 1:
                spec, column = named[0]
                found.setdefault(spec.name, []).append(column)
                plan.named += 1
            elif named:  # still a header: it counts towards the reading that found it
                plan.unclear.append((cell, [spec.name for spec, _ in named]))
                plan.named += 1
            elif not self._ignored(cell):
                plan.unknown.append(cell)
        unclear = {name for _, names in plan.unclear for name in names}
        for spec in self.fields.values():
            columns = sorted(found.get(spec.name, []), key=lambda c: c.order)
            if not columns:
                if spec.required and spec.name not in unclear:  # an unclear column is its own reason
                    plan.missing.append(spec)
                continue
            orders = [c.order for c in columns]
            if len(set(orders)) != len(orders):
                plan.ambiguous.append((spec, columns))
                continue
            plan.columns[spec.name] = columns
        return plan

    def _fields_named(self, cell: HeaderCell) -> list[tuple[FieldSpec, Column]]:
        """The field the cell's first fitting reading names; else every field its rows name read apart."""
        for text in cell.readings:
            named = self._named(norm(text), cell)
            if named is not None:
                return [named]
        apart: dict[str, tuple[FieldSpec, Column]] = {}
        for text in cell.apart:
            named = self._named(norm(text), cell)
            if named is not None:
                apart.setdefault(named[0].name, named)
        return list(apart.values())

    def _named(self, h: str, cell: HeaderCell) -> tuple[FieldSpec, Column] | None:
        for spec in self.fields.values():
            column = _match(spec, h, cell.key, cell.shown)
            if column is not None:
                return spec, column
        return None

    def _ignored(self, cell: HeaderCell) -> bool:
        """A header on the ignore list, or one with no letters or digits at all ("#", "-")."""
        texts = [norm(t) for t in (*cell.readings, *cell.apart)]
        return any(t in self.ignored for t in texts) or not any(texts)

    def closest_header(self, cell: HeaderCell, plan: ColumnPlan) -> str | None:
        """The mapping's header nearest to an unknown one, among the fields the catalog left out: a misspelt
        "Hraga" -> "Harga" when no column gives the price (a field already given needs no second column)."""
        given = set(plan.columns) | {spec.name for spec, _ in plan.ambiguous}
        known: dict[str, str] = {}
        for spec in self.fields.values():
            if spec.name not in given:
                for header in spec.display:
                    known.setdefault(norm(header), header)
        # Like problems.suggestion, but compared as headers are matched (ignoring case and punctuation), and closer:
        # short Indonesian header words share many letters ("Modal Harga" is 0.6 like "Kadaluarsa").
        for text in (*cell.readings, *cell.apart):
            close = difflib.get_close_matches(norm(text), list(known), n=1, cutoff=0.75)
            if close:
                return known[close[0]]
        return None

    def find_header(self, rows: list[list[Any]]) -> HeaderRows:
        """The header among the first rows: the first row with two known headers, read alone or as merged headers
        over sub-headers with the row above or below it, whichever names more columns (alone on a tie: a first
        data row never adds columns)."""
        scores = [self.header_score(cells) for cells in rows[:HEADER_SEARCH_ROWS]]
        at = next((i for i, score in enumerate(scores) if score >= 2), None)
        if at is None:
            likeliest = max(range(len(scores)), key=scores.__getitem__)
            return HeaderRows(self.plan(list(enumerate(rows[likeliest]))), likeliest, likeliest, found=False)
        best = HeaderRows(self.plan(list(enumerate(rows[at]))), at, at)
        for upper in (at - 1, at):
            if upper >= 0 and upper + 1 < len(rows):
                plan = self.plan_cells(two_row_headers(rows[upper], rows[upper + 1]))
                if plan.named > best.plan.named:
                    best = HeaderRows(plan, upper, upper + 1)
        return best

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


def two_row_headers(upper: list[Any], lower: list[Any]) -> list[HeaderCell]:
    """A header written in two rows: merged headers above sub-headers ("Ukuran (cm)" over "Panjang", "Lebar",
    "Tinggi"). A merged cell's text is only in its first column, so a header in the upper row reaches right over
    the blank upper cells that have a sub-header below them (in a workbook and in a CSV exported from it)."""
    width = max(len(upper), len(lower))
    above = [_header_text(upper[j]) if j < len(upper) else "" for j in range(width)]
    below = [_header_text(lower[j]) if j < len(lower) else "" for j in range(width)]
    owner: list[int | None] = []  # per column: the upper cell whose header spans it
    for j in range(width):
        owner.append(j if above[j] else (owner[j - 1] if j and below[j] else None))
    spans = Counter(owner)
    cells = []
    for j in range(width):
        group, sub = (above[owner[j]] if owner[j] is not None else ""), below[j]
        if not sub:
            if above[j]:  # a one-row header, its cell below blank (or merged down)
                cells.append(HeaderCell(j, above[j], (above[j],)))
        elif not group:
            cells.append(HeaderCell(j, sub, (sub,)))
        elif spans[owner[j]] == 1:  # a header over this one column: "Berat" over "gram", or "Harga" over "Stok"
            cells.append(HeaderCell(j, f"{group} / {sub}", _joined(group, sub), (sub, group)))
        else:
            cells.append(HeaderCell(j, f"{group} / {sub}", (*_joined(group, sub), sub)))
    return cells


def _joined(group: str, sub: str) -> tuple[str, ...]:
    """How a sub-header reads with the merged header above it: "Harga" + "Jual", "Nama" + "Produk" (in Indonesian
    the qualifier follows), "Panjang" + "(cm)" from "Ukuran (cm)"."""
    unit = _UNIT.search(group)
    bare = _UNIT.sub("", group).strip()
    forms = [f"{group} {sub}", f"{sub} {group}", f"{bare} {sub}", f"{sub} {bare}"]
    if unit:
        forms.append(f"{sub} {unit.group(0)}")
    return tuple(dict.fromkeys(forms))


def _header_text(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()


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
    # Headers of columns staff keep that PASINDO does not read: not reported as unknown columns.
    ignore: list[Header] = []


class MappingError(Exception):
    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


def load_mapping(path: Path, taxonomy: Taxonomy = TAXONOMY) -> Mapping:
    """The mapping in `path`, its category words read against `taxonomy` (the shipped one unless the config
    check loaded a deployment's), or MappingError listing every problem as `FILE: loc: message`."""
    try:
        raw = read_yaml(path)
    except YamlFileError as err:
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
                   words=category_words(taxonomy, parsed.categories), ignored=frozenset(norm(h) for h in parsed.ignore))


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
