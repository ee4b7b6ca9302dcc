"""Channel category maps: which of a marketplace's categories each PASINDO category is listed in.

A category map is data (`mappings/channels/<adapter>.yaml`, or the file a channel's `categories:` names):
`categories:` maps PASINDO category codes (`pasindo schema`) to the channel's category ids, a top-level code being
the fallback for its subcategories (those without a line, a deployment's own among them). Two optional sections
say how the channel's mandatory category attributes are filled: `attributes:` names, per channel attribute (its id
or its name on the channel), the PASINDO field its value comes from (`ATTRIBUTE_SOURCES`); `defaults:` gives, per
PASINDO category code (a top-level code covering its subcategories), values for attributes the product's own data
does not fill.

The config check reads every channel's map when the config loads, so a broken
one is refused with the rest of the config's problems rather than at sync time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from connector.problems import join, problems, suggestion
from connector.schema import TAXONOMY, Taxonomy, top_category
from connector.yamlfile import YamlFileError, read_yaml


class CategoryMapError(Exception):
    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


# PASINDO fields a channel attribute's value may come from (`attributes:` in a category map)
ATTRIBUTE_SOURCES: dict[str, str] = {
    "material": "the product's material (catalog column Bahan / Material)",
    "origin": "the country of origin: Indonesia, for every PASINDO product",
    "province": "the institution's province (config: institutions[].province)",
    "food_permit": "the food permit number (P-IRT or BPOM MD/ML)",
    "food_permit_kind": "the kind of food permit: P-IRT, BPOM MD or BPOM ML",
    "expiry": "the expiry date (catalog column Kedaluwarsa)",
    "halal": "the halal certificate (catalog column Halal)",
    "weight_g": "the weight in grams",
    "unit": "the unit of sale (catalog column Satuan)",
}


@dataclass(frozen=True)
class CategoryMap:
    """PASINDO category -> the channel's category id, with a fallback per top-level category; and how the
    channel's category attributes are filled (`sources`: attribute id or name -> PASINDO field; `defaults`:
    PASINDO category code -> attribute id or name -> value)."""

    ids: dict[str, int | str]
    source: str
    sources: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, dict[str, str]] = field(default_factory=dict)

    def lookup(self, category: str) -> int | str | None:
        return self.ids.get(category) or self.ids.get(top_category(category))


def _category_id(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise ValueError("must be the channel's category id (a number or a text)")
    return value


def _key(value: Any) -> Any:
    """An attribute id (a number) or name, or a value: read as text."""
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value).strip() == "":
        raise ValueError("must be a number or a text")
    return str(value).strip()


class CategoryMapFile(BaseModel):
    """The shape of a category map file."""

    model_config = ConfigDict(extra="forbid")

    categories: dict[str, Annotated[int | str, BeforeValidator(_category_id)]]
    attributes: dict[Annotated[str, BeforeValidator(_key)], str] = {}
    defaults: dict[str, dict[Annotated[str, BeforeValidator(_key)], Annotated[str, BeforeValidator(_key)]]] = {}


class _Channel(Protocol):
    name: str

    @property
    def category_map_path(self) -> Path: ...


def read_category_map(path: Path, taxonomy: Taxonomy = TAXONOMY) -> CategoryMap:
    """The category map in `path`, its codes checked against `taxonomy` (the shipped one unless the config check
    loaded a deployment's), or CategoryMapError listing every problem as `FILE: loc: message`."""
    label = str(path)
    try:
        raw = read_yaml(path)
    except YamlFileError as err:
        raise CategoryMapError(f"{label}: cannot read the category map: {err}") from None
    try:
        parsed = CategoryMapFile.model_validate(raw if raw is not None else {})
    except ValidationError as err:
        found = problems(err, CategoryMapFile)
    else:
        found = _unknown_codes(parsed, taxonomy.codes)
    if found:
        lines = [f"{label}: {p}" for p in found]
        raise CategoryMapError("; ".join(lines), lines)
    return CategoryMap(ids={str(k): v for k, v in parsed.categories.items()}, source=label,
                       sources=dict(parsed.attributes), defaults={k: dict(v) for k, v in parsed.defaults.items()})


def _unknown_codes(parsed: CategoryMapFile, known: frozenset[str]) -> list[str]:
    """Category codes that are not PASINDO's, and attribute sources that are not PASINDO fields."""
    found = [f"{join(section, code)}: not a PASINDO category; see `pasindo schema`{suggestion(code, known)}"
             for section, codes in (("categories", parsed.categories), ("defaults", parsed.defaults))
             for code in codes if code not in known]
    found += [f"{join('attributes', name)}: {source!r} is not a PASINDO field; one of "
              f"{', '.join(ATTRIBUTE_SOURCES)}{suggestion(source, list(ATTRIBUTE_SOURCES))}"
              for name, source in parsed.attributes.items() if source not in ATTRIBUTE_SOURCES]
    return found


def load_category_map(channel: _Channel) -> CategoryMap:
    """A channel's category map (its `categories:` file, else the adapter's shipped one)."""
    try:
        return read_category_map(channel.category_map_path)
    except CategoryMapError as err:
        raise CategoryMapError(f"channel {channel.name}: {err}", err.problems) from None
