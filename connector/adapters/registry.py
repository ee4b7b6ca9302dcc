"""Finding adapters: the entry-point group `pasindo.adapters`, where the built-in ones are registered too."""

from __future__ import annotations

from importlib.metadata import entry_points

from connector.adapters.base import Adapter

GROUP = "pasindo.adapters"
# Used only when the package's own metadata is missing (running from a source tree that was never installed).
BUILTIN = {
    "shopee": "connector.adapters.shopee:ShopeeAdapter",
    "lazada": "connector.adapters.lazada:LazadaAdapter",
    "tiktokshop": "connector.adapters.tiktokshop:TikTokShopAdapter",
}


class UnknownAdapter(LookupError):
    pass


def installed() -> dict[str, str]:
    """Adapter name -> "module:Class" for every adapter installed."""
    found = dict(BUILTIN)
    found.update({ep.name: ep.value for ep in entry_points(group=GROUP)})
    return found


def adapter_class(name: str) -> type[Adapter]:
    for ep in entry_points(group=GROUP):
        if ep.name == name:
            return ep.load()
    if name in BUILTIN:
        module, _, attr = BUILTIN[name].partition(":")
        return getattr(__import__(module, fromlist=[attr]), attr)
    raise UnknownAdapter(f"no adapter named {name!r}; installed: {', '.join(sorted(installed()))}")
