"""Finding adapters: the entry-point group `pasindo.adapters`, where the built-in ones are registered too.

The package is always installed (editable in a checkout), so its own entry points in pyproject.toml are the one
list of built-in adapters.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from connector.adapters.base import Adapter

GROUP = "pasindo.adapters"


class UnknownAdapter(LookupError):
    pass


@cache  # reading every installed distribution's metadata takes tens of ms, and a sync asks once per channel and step
def entry_points_by_name() -> dict[str, EntryPoint]:
    """Adapter name -> its entry point, for every adapter installed when the process first asked (an adapter
    installed later is found after a restart, as its code is loaded then too)."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def installed() -> dict[str, str]:
    """Adapter name -> "module:Class" for every adapter installed."""
    return {name: ep.value for name, ep in entry_points_by_name().items()}


def adapter_class(name: str) -> type[Adapter]:
    ep = entry_points_by_name().get(name)
    if ep is None:
        raise UnknownAdapter(f"no adapter named {name!r}; installed: {', '.join(sorted(installed()))}")
    return ep.load()
