"""Validation errors as the `loc: message` lines every configuration check reports.

The config file, the mapping files, the category maps and the adapters' credentials and options are all pydantic
models; this turns a `ValidationError` into one line per problem, with the location written as in the file
(`channels[1].credentials.partner_key`), and names the nearest known key for an unknown one (`did you mean
partner_key?`). Input values never appear: they may be secrets.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from collections.abc import Callable, Iterable
from types import UnionType
from typing import Any

from pydantic import BaseModel, ValidationError

_UNKNOWN_KEY = frozenset({"extra_forbidden", "unexpected_keyword_argument"})
_NOT_A_FIELD = frozenset({"function-after", "function-before", "function-wrap", "function-plain"})


def loc(parts: Iterable[Any]) -> str:
    """`("channels", 1, "credentials")` -> `channels[1].credentials`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def join(prefix: str, where: str) -> str:
    if not prefix:
        return where
    return f"{prefix}{where}" if where.startswith("[") else f"{prefix}.{where}" if where else prefix


def suggestion(word: str, known: Iterable[str]) -> str:
    """`; did you mean partner_key?` when one known word is close, else nothing."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def problems(err: ValidationError, model: Any = None, prefix: str = "",
             skip: Callable[[Any], bool] | None = None) -> list[str]:
    """One `loc: message` per error. `model` (the validated type) lets an unknown key name the nearest known one;
    `prefix` is where the validated value sits in its file; `skip(error)` leaves an error out."""
    out = []
    for error in err.errors(include_input=False):
        if skip is not None and skip(error):
            continue
        parts = tuple(p for p in error["loc"] if p not in _NOT_A_FIELD)
        where = join(prefix, loc(parts))
        if error["type"] in _UNKNOWN_KEY and parts and isinstance(parts[-1], str):
            message = "unknown key" + suggestion(parts[-1], known_keys(model, parts[:-1]))
        elif error["type"] == "missing":
            message = "required, but not given"
        else:
            message = error["msg"].removeprefix("Value error, ")
        out.append(f"{where}: {message}" if where else message)
    return out


def known_keys(model: Any, parts: tuple[Any, ...]) -> list[str]:
    """The keys the type found by following `parts` from `model` accepts (none if it is not a model)."""
    current = model
    for part in parts:
        current = _step(current, part)
        if current is None:
            return []
    return _keys(_unwrap(current))


def _keys(kind: Any) -> list[str]:
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return [f.alias or name for name, f in kind.model_fields.items()]
    if dataclasses.is_dataclass(kind):
        return [f.name for f in dataclasses.fields(kind)]
    return []


def _step(kind: Any, part: Any) -> Any:
    kind = _unwrap(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        for name, field in kind.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    if dataclasses.is_dataclass(kind):
        return typing.get_type_hints(kind).get(part)
    args = typing.get_args(kind)
    if typing.get_origin(kind) in (list, tuple, set, frozenset) and isinstance(part, int) and args:
        return args[0]
    if typing.get_origin(kind) is dict and len(args) == 2:
        return args[1]
    return None


def _unwrap(kind: Any) -> Any:
    """`X | None`, `Annotated[X, ...]` -> X (the first member that is a model or a container)."""
    origin = typing.get_origin(kind)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(kind)[0])
    if origin in (typing.Union, UnionType):
        members = [a for a in typing.get_args(kind) if a is not type(None)]
        return next((_unwrap(m) for m in members if _keys(_unwrap(m)) or typing.get_origin(m)), members[0])
    return kind
