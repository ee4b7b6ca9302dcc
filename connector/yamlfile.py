"""Reading a YAML file the operator gives (the config, a mapping, a category map, the taxonomy): one loader, bounded.

YAML lets a few hundred bytes say a billion values: an anchor of nine values, a list of nine aliases of it, a
list of nine aliases of that, and so on ("billion laughs"). PyYAML builds such a document cheaply, as shared
lists, but everything after it (the config's `${VAR}` interpolation, pydantic, a message quoting it) walks it
expanded, and never finishes. An alias may also hold itself, and nesting a thousand deep breaks every recursive
walk. So a file is refused, before anything reads its values, when it is

- larger than MAX_BYTES (read only that far: a FIFO or a device named like a config does not hang or fill memory),
- holds more than MAX_VALUES values once its aliases are expanded (honest aliases, a merge key `<<: *base` or
  shared defaults, stay far below it),
- nests containers deeper than MAX_DEPTH, or holds an alias inside the value it names.

`read_yaml` raises YamlFileError with the problem (the caller puts its file and what it is in front).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1 << 20  # the shipped taxonomy is 9 KB, a config a few KB
MAX_VALUES = 250_000  # after expanding aliases: a map/list counts one, and each of its keys and values
MAX_DEPTH = 50  # maps and lists inside one another, the document's own counted; a config nests 5 deep

# libyaml when installed (the taxonomy is read at every start-up); it also refuses flow nesting past 1,000 itself.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlFileError(ValueError):
    """A YAML file that cannot be read, is not YAML, or is past the loader's bounds; the message says which."""


def read_yaml(path: Path) -> Any:
    """The document in `path` (None for an empty file), or YamlFileError."""
    text = _text(path)
    try:
        document = yaml.load(text, Loader=_LOADER)  # a safe loader, C or Python
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise YamlFileError(f"not valid YAML{where}: {getattr(err, 'problem', None) or err}") from None
    except RecursionError:  # the pure-Python loader, on nesting past the interpreter's stack
        raise YamlFileError(_TOO_DEEP) from None
    _Bounds().size(document, 1)
    return document


def _text(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens at once instead of waiting for a writer
    except FileNotFoundError:
        raise YamlFileError("no such file") from None
    except OSError as err:
        raise YamlFileError(f"cannot read: {err.strerror or err}") from None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise YamlFileError("cannot read: not a regular file (a folder, a pipe or a device)")
        try:
            data = file.read(MAX_BYTES + 1)
        except OSError as err:
            raise YamlFileError(f"cannot read: {err.strerror or err}") from None
    if len(data) > MAX_BYTES:
        raise YamlFileError(f"the file is larger than {MAX_BYTES // 1024} KB: not a file the connector reads")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise YamlFileError(f"cannot read: not UTF-8 text (byte {err.start + 1})") from None


_TOO_DEEP = f"maps or lists nested more than {MAX_DEPTH} deep"


class _Bounds:
    """The number of values a document holds with its aliases expanded, counted once per shared container."""

    def __init__(self) -> None:
        self._sizes: dict[int, int] = {}  # id of a map or list -> its values, expanded
        self._open: set[int] = set()  # the containers being counted: one met again is an alias holding itself

    def size(self, value: Any, depth: int) -> int:
        if not isinstance(value, dict | list):
            return 1
        key = id(value)
        if key in self._sizes:
            return self._sizes[key]
        if key in self._open:
            raise YamlFileError("an alias stands inside the value it names: the document would never end")
        if depth > MAX_DEPTH:
            raise YamlFileError(_TOO_DEEP)
        self._open.add(key)
        total = 1
        for item in (v for pair in value.items() for v in pair) if isinstance(value, dict) else value:
            total += self.size(item, depth + 1)
            if total > MAX_VALUES:
                raise YamlFileError(f"aliases or its length make it more than {MAX_VALUES:,} values: anchors "
                                    "(&name) and aliases (*name) may repeat a part, not multiply it")
        self._open.discard(key)
        self._sizes[key] = total
        return total
