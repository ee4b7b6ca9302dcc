"""The PASINDO schema: what every institution's catalog is normalised into.

Money is whole rupiah (`int`), weight whole grams, dimensions whole centimetres. A product's key is
`institution_code:sku`, stable across runs; names and classes of institutions change, codes do not.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, computed_field

from connector.problems import problems
from connector.yamlfile import YamlFileError, read_yaml

PRICE_MIN = 100
PRICE_MAX = 150_000_000
NAME_MIN = 5
NAME_MAX = 255
DESCRIPTION_MAX = 3000  # Shopee Indonesia's limit, the strictest of the three marketplaces
SKU_MAX = 50
IMAGES_MAX = 9
VARIANTS_MAX = 50  # Shopee's model limit per item
INSTITUTION_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class InstitutionType(StrEnum):
    lapas = "lapas"
    rutan = "rutan"
    bapas = "bapas"
    lpka = "lpka"
    lpp = "lpp"
    lpas = "lpas"


CATEGORY_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def _shipped_mappings() -> Path:
    """The shipped mappings/: beside the package in a checkout (editable install), or installed as data files
    under the environment's share/pasindo/ by a regular `pip install`."""
    checkout = Path(__file__).resolve().parent.parent / "mappings"
    return checkout if checkout.is_dir() else Path(sys.prefix) / "share" / "pasindo" / "mappings"


BUILTIN_MAPPINGS = _shipped_mappings()
SHIPPED_TAXONOMY = BUILTIN_MAPPINGS / "taxonomy.yaml"


def category_word(text: str) -> str:
    """`Roti & Kue` -> `rotikue`: the form category words are compared in (case, spaces and punctuation
    ignored, as headers are)."""
    return _NOT_ALNUM.sub("", text).casefold()


class Subcategory(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    name_id: str
    name_en: str
    synonyms: tuple[str, ...] = ()  # the words staff write for it, besides its names

    @property
    def words(self) -> tuple[str, ...]:
        """Everything that names it: the code, both names and the synonyms."""
        return (self.code, self.name_id, self.name_en, *self.synonyms)


class TopCategory(Subcategory):
    subcategories: tuple[Subcategory, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """The PASINDO categories: top categories (craft, culinary, fashion, ...) and their subcategories. A product's
    category is a top code (`craft`) or `top/sub` (`craft/kulit`)."""

    categories: tuple[TopCategory, ...]
    codes: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        codes = [t.code for t in self.categories] + [f"{t.code}/{s.code}" for t in self.categories
                                                     for s in t.subcategories]
        object.__setattr__(self, "codes", frozenset(codes))

    def __iter__(self) -> Iterator[TopCategory]:
        return iter(self.categories)

    def top(self, code: str) -> TopCategory | None:
        return next((t for t in self.categories if t.code == top_category(code)), None)


def top_category(category: str) -> str:
    """`craft/cukli` -> `craft`."""
    return category.split("/", 1)[0]


class TaxonomyError(Exception):
    """A taxonomy file that cannot be used; `problems` lists each as `FILE: loc: message`."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


Word = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v), Field(min_length=1)]
Code = Annotated[str, Field(pattern=CATEGORY_CODE.pattern, max_length=40)]


class _SubEntry(BaseModel):
    """A category as a taxonomy file writes it. In a deployment's file, a code PASINDO already has may leave out
    its names (it adds synonyms, or subcategories); a new code needs both names."""

    model_config = ConfigDict(extra="forbid")
    name_id: Annotated[str, Field(min_length=1)] | None = None
    name_en: Annotated[str, Field(min_length=1)] | None = None
    synonyms: list[Word] = []


class _TopEntry(_SubEntry):
    subcategories: dict[Code, _SubEntry | None] = {}


class TaxonomyFile(BaseModel):
    """The shape of a taxonomy file (mappings/taxonomy.yaml)."""

    model_config = ConfigDict(extra="forbid")
    categories: dict[Code, _TopEntry | None]


def read_taxonomy(path: Path, base: Taxonomy | None = None) -> Taxonomy:
    """The taxonomy in `path` (`base` None), or `base` extended by it: new categories and subcategories added,
    synonyms added to the ones `base` has, names given replacing `base`'s; nothing of `base` is lost. Raises
    TaxonomyError listing every problem."""
    label = str(path)
    try:
        raw = read_yaml(path)
    except YamlFileError as err:
        raise TaxonomyError([f"{label}: cannot read the taxonomy: {err}"]) from None
    try:
        parsed = TaxonomyFile.model_validate(raw if raw is not None else {})
    except ValidationError as err:
        raise TaxonomyError([f"{label}: {p}" for p in problems(err, TaxonomyFile)]) from None
    found: list[str] = []
    tops = {t.code: t for t in (base.categories if base else ())}
    for code, entry in parsed.categories.items():
        tops[code] = _merged_top(tops.get(code), code, entry or _TopEntry(), found)
    taxonomy = Taxonomy(tuple(tops.values()))
    found += _word_clashes(taxonomy)
    if found:
        raise TaxonomyError([f"{label}: {p}" for p in found])
    return taxonomy


def _merged_top(known: TopCategory | None, code: str, entry: _TopEntry, found: list[str]) -> TopCategory:
    subs = {s.code: s for s in (known.subcategories if known else ())}
    for sub_code, sub_entry in entry.subcategories.items():
        subs[sub_code] = _merged(subs.get(sub_code), Subcategory, f"categories.{code}.subcategories.{sub_code}",
                                 sub_code, sub_entry or _SubEntry(), found)
    top = _merged(known, TopCategory, f"categories.{code}", code, entry, found)
    return top.model_copy(update={"subcategories": tuple(subs.values())})


C = TypeVar("C", bound=Subcategory)


def _merged(known: C | None, kind: type[C], where: str, code: str, entry: _SubEntry, found: list[str]) -> C:
    missing = [name for name in ("name_id", "name_en") if getattr(entry, name) is None and known is None]
    found += [f"{where}.{name}: required for a category PASINDO does not have yet" for name in missing]
    synonyms = list(dict.fromkeys([*(known.synonyms if known else ()), *(w.strip() for w in entry.synonyms)]))
    return kind(code=code, name_id=entry.name_id or (known.name_id if known else code),
                name_en=entry.name_en or (known.name_en if known else code), synonyms=tuple(synonyms))


def _word_clashes(taxonomy: Taxonomy) -> list[str]:
    """A word must name one top category, and one subcategory within its top category (the same word under two
    top categories' subcategories is fine: it then needs its top category written before it)."""
    found: list[str] = []
    _clashes([(f"categories.{t.code}", t.code, t.words) for t in taxonomy], found)
    for t in taxonomy:
        _clashes([(f"categories.{t.code}.subcategories.{s.code}", f"{t.code}/{s.code}", s.words)
                  for s in t.subcategories], found)
    return found


def _clashes(entries: list[tuple[str, str, tuple[str, ...]]], found: list[str]) -> None:
    owner: dict[str, str] = {}
    for where, code, words in entries:
        for word in words:
            key = category_word(word)
            if not key:
                found.append(f"{where}.synonyms: {word!r} has no letters or digits")
                continue
            other = owner.setdefault(key, code)
            if other != code:
                found.append(f"{where}.synonyms: {word!r} already names {other}; a word names one category")


TAXONOMY: Taxonomy = read_taxonomy(SHIPPED_TAXONOMY)
CATEGORY_CODES: frozenset[str] = TAXONOMY.codes


class Institution(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    code: Annotated[str, Field(pattern=INSTITUTION_CODE.pattern, max_length=64)]
    name: str
    type: InstitutionType
    class_: str | None = Field(default=None, alias="class")
    province: str | None = None

    @property
    def credit(self) -> str:
        """How a product is credited when no maker may be named (UU PDP; never name a child)."""
        who = {InstitutionType.bapas: "Klien", InstitutionType.lpka: "Anak Binaan"}.get(self.type, "WBP")
        return f"Karya {who} {self.name}"


class FoodPermit(BaseModel):
    """A distribution permit for packaged food: P-IRT (home industry) or BPOM MD / ML."""

    kind: Literal["pirt", "bpom_md", "bpom_ml"]
    number: str  # normalised: P-IRT "1234567890123-45", BPOM "MD 123456789012"
    expires_year: int | None = None  # P-IRT only: the last two digits of the number


class Maker(BaseModel):
    """Who made the product, as the listing may show it."""

    name: str | None = None  # only with recorded consent, never for an LPKA
    credit: str  # the line the listing shows: the maker's name or the institution's credit


Sku = Annotated[str, Field(min_length=1, max_length=SKU_MAX, pattern=r"^\S+$")]
Price = Annotated[int, Field(ge=PRICE_MIN, le=PRICE_MAX)]
Stock = Annotated[int, Field(ge=0)]


class SourceRef(BaseModel):
    file: str
    row: int


class Variant(BaseModel):
    sku: Sku
    price: Price
    stock: Stock
    options: dict[str, str]  # option name -> value, e.g. {"Ukuran": "42"}
    weight_g: Annotated[int, Field(gt=0)] | None = None  # when the variant row gives its own
    row: int | None = None


class Product(BaseModel):
    institution: str
    sku: Sku
    name: Annotated[str, Field(min_length=NAME_MIN, max_length=NAME_MAX)]
    description: Annotated[str, Field(max_length=DESCRIPTION_MAX)]
    category: str  # a taxonomy code: "craft", "craft/cukli"
    price: Price  # with variants: the lowest variant price
    stock: Stock  # with variants: the sum of the variants' stock
    unit: str = "pcs"
    weight_g: Annotated[int, Field(gt=0)]
    length_cm: Annotated[int, Field(gt=0)] | None = None
    width_cm: Annotated[int, Field(gt=0)] | None = None
    height_cm: Annotated[int, Field(gt=0)] | None = None
    images: Annotated[list[str], Field(max_length=IMAGES_MAX)] = []  # https URLs or absolute file paths
    variants: Annotated[list[Variant], Field(max_length=VARIANTS_MAX)] = []
    material: Annotated[str, Field(max_length=100)] | None = None  # "Kulit Sapi", "Katun", "Rotan"
    food_permit: FoodPermit | None = None
    halal: str | None = None
    expiry: date | None = None
    ready_to_eat: bool = False
    made_to_order: bool = False
    maker: Maker
    source: SourceRef

    @computed_field
    @property
    def key(self) -> str:
        return f"{self.institution}:{self.sku}"


M = TypeVar("M", bound=BaseModel)
_MISSING = object()  # a required field
_COPIED = object()  # a field whose default model_construct would copy (a list): built directly only when given
_IMMUTABLE = (type(None), str, int, float, bool, tuple, frozenset)
_SHAPES: dict[type, tuple[tuple[str, object], ...] | None] = {}  # model -> (field, default or _MISSING)


def _shape(model: type[BaseModel]) -> tuple[tuple[str, object], ...] | None:
    """The model's fields with their defaults (_MISSING: required; _COPIED: a default factory or a mutable
    default), or None when `construct_checked` cannot build it directly (private attributes, extras, post-init)."""
    if model not in _SHAPES:
        shape = tuple((name, _MISSING if info.is_required() else _COPIED if info.default_factory is not None
                       or not isinstance(info.default, _IMMUTABLE) else info.default)
                      for name, info in model.model_fields.items())
        plain = (not model.__private_attributes__ and not model.__pydantic_post_init__
                 and model.model_config.get("extra") != "allow")
        _SHAPES[model] = shape if plain else None
    return _SHAPES[model]


def construct_checked(model: type[M], checked: AbstractSet[str], values: dict) -> M:
    """`model(**values)` without pydantic re-validating them, for a caller whose own checks already cover every
    field (`checked` names them; the catalog reader's `CHECKED` says which check covers which). A model with a
    field the caller does not name is validated as usual, so a field added to the schema is never taken unchecked."""
    return checked_builder(model, checked)(values)


def checked_builder(model: type[M], checked: AbstractSet[str]) -> Callable[[dict], M]:
    """`construct_checked` for one model, its checks looked at once: a function of the values.

    It makes the model as `model_construct` makes it (its `__dict__` in field order with the defaults of the fields
    not given, the fields set, no extras, no private values), directly when every field is given: `model_construct`
    is plain Python and slower than pydantic-core's validation, which would defeat the purpose."""
    fields = model.__pydantic_fields__
    if not fields.keys() <= checked:
        return lambda values: model(**values)
    shape = _shape(model)
    if shape is None:
        return lambda values: model.model_construct(**values)
    names = tuple(fields)
    every = frozenset(names)
    defaults = tuple(shape)
    new, put = model.__new__, object.__setattr__
    blank = dict.fromkeys(names)  # in field order, as validation makes it

    def build(values: dict) -> M:
        if values.keys() == every:
            built = new(model)
            data = blank.copy()  # a copy of a dict of its size: cheaper than making it again
            data.update(values)
            put(built, "__dict__", data)
            put(built, "__pydantic_fields_set__", set(every))
            put(built, "__pydantic_extra__", None)
            put(built, "__pydantic_private__", None)
            return built
        return _with_defaults(model, defaults, values)

    return build


def ordered_builder(model: type[M], checked: AbstractSet[str]) -> Callable[[dict], M]:
    """`checked_builder` for a caller that gives every field in field order (a copy of `field_order(model)` filled
    in, or a literal written in field order): that dict becomes the model's own, without a look at its keys or a
    copy, so the caller keeps no hold of it. A dict of another size goes to `checked_builder`'s build (a field left
    out is pydantic's to name); a model that builder would validate is validated."""
    build = checked_builder(model, checked)
    fields = model.__pydantic_fields__
    if not fields.keys() <= checked or _shape(model) is None:
        return build
    size, every = len(fields), frozenset(fields)
    new, put = model.__new__, object.__setattr__

    def in_order(values: dict) -> M:
        if len(values) != size:
            return build(values)
        built = new(model)
        put(built, "__dict__", values)
        put(built, "__pydantic_fields_set__", set(every))
        put(built, "__pydantic_extra__", None)
        put(built, "__pydantic_private__", None)
        return built

    return in_order


def field_order(model: type[BaseModel]) -> dict:
    """Every field of `model` as a key (None its value), in field order: what `ordered_builder`'s callers fill in."""
    return dict.fromkeys(model.__pydantic_fields__)


def _with_defaults(model: type[M], shape: tuple[tuple[str, object], ...], values: dict) -> M:
    data = {}
    for name, default in shape:
        value = values.get(name, default)
        if value is _MISSING:
            return model(**values)  # a required field left out: pydantic says which, as before
        if value is _COPIED:
            return model.model_construct(**values)
        data[name] = value
    built = model.__new__(model)
    object.__setattr__(built, "__dict__", data)
    object.__setattr__(built, "__pydantic_fields_set__", set(values))
    object.__setattr__(built, "__pydantic_extra__", None)
    object.__setattr__(built, "__pydantic_private__", None)
    return built


def json_schema(taxonomy: Taxonomy = TAXONOMY) -> dict:
    """The JSON Schema of a PASINDO product, as `pasindo schema` prints it."""
    schema = Product.model_json_schema(mode="serialization")
    schema["$defs"]["Institution"] = Institution.model_json_schema()
    schema["x-taxonomy"] = [t.model_dump() for t in taxonomy]
    return schema
