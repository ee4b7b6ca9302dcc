"""Channel category maps: which of a marketplace's categories each PASINDO category is listed in.

A category map is data (`mappings/channels/<adapter>.yaml`, or the file a channel's `categories:` names):
`categories:` maps PASINDO category codes (`pasindo schema`) to the channel's category ids, a top-level code being
the fallback for its subcategories. The config check reads every channel's map when the config loads, so a broken
one is refused with the rest of the config's problems rather than at sync time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from connector.problems import join, problems, suggestion
from connector.schema import CATEGORY_CODES, top_category


class CategoryMapError(Exception):
    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


@dataclass(frozen=True)
class CategoryMap:
    """PASINDO category -> the channel's category id, with a fallback per top-level category."""

    ids: dict[str, int | str]
    source: str

    def lookup(self, category: str) -> int | str | None:
        return self.ids.get(category) or self.ids.get(top_category(category))


def _category_id(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise ValueError("must be the channel's category id (a number or a text)")
    return value


class CategoryMapFile(BaseModel):
    """The shape of a category map file."""

    model_config = ConfigDict(extra="forbid")

    categories: dict[str, Annotated[int | str, BeforeValidator(_category_id)]]


class _Channel(Protocol):
    name: str

    @property
    def category_map_path(self) -> Path: ...


def read_category_map(path: Path) -> CategoryMap:
    """The category map in `path`, or CategoryMapError listing every problem as `FILE: loc: message`."""
    label = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise CategoryMapError(f"{label}: cannot read the category map: {err}") from None
    try:
        parsed = CategoryMapFile.model_validate(raw if raw is not None else {})
    except ValidationError as err:
        found = problems(err, CategoryMapFile)
    else:
        found = [f"{join('categories', code)}: not a PASINDO category; see `pasindo schema`"
                 f"{suggestion(code, CATEGORY_CODES)}" for code in parsed.categories if code not in CATEGORY_CODES]
    if found:
        lines = [f"{label}: {p}" for p in found]
        raise CategoryMapError("; ".join(lines), lines)
    return CategoryMap(ids={str(k): v for k, v in parsed.categories.items()}, source=label)


def load_category_map(channel: _Channel) -> CategoryMap:
    """A channel's category map (its `categories:` file, else the adapter's shipped one)."""
    try:
        return read_category_map(channel.category_map_path)
    except CategoryMapError as err:
        raise CategoryMapError(f"channel {channel.name}: {err}", err.problems) from None
