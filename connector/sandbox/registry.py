"""The marketplace dialects the sandbox serves, listed once.

A new marketplace is its dialect module plus one line in ``_CLASSES``; the gateway's routing, the rate-limit
buckets, the order ids, the default credentials and the per-dialect settings all follow from this list.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from typing import Any

from connector.sandbox.dialect import Dialect

# "module:class", in routing order (the dialects' path prefixes do not overlap).
_CLASSES = (
    "connector.sandbox.shopee:ShopeeDialect",
    "connector.sandbox.lazada:LazadaDialect",
    "connector.sandbox.tiktokshop:TikTokShopDialect",
)


def _load(reference: str) -> type[Dialect]:
    module, _, name = reference.partition(":")
    cls: type[Dialect] = getattr(importlib.import_module(module), name)
    return cls


DIALECTS: Mapping[str, type[Dialect]] = {cls.name: cls for cls in map(_load, _CLASSES)}


def dialect_settings(keywords: Mapping[str, Any]) -> dict[str, Any]:
    """Each dialect's own settings from keywords named ``<dialect>_<setting>`` (``shopee_token_ttl=1``).

    A setting not given keeps its default; a keyword that names no dialect's setting is a TypeError, as an
    unknown keyword argument is.
    """
    left = dict(keywords)
    settings = {}
    for name, cls in DIALECTS.items():
        own = {}
        for field in dataclasses.fields(cls.settings_type):
            keyword = f"{name}_{field.name}"
            if keyword in left:
                own[field.name] = left.pop(keyword)
        settings[name] = cls.settings_type(**own)
    if left:
        raise TypeError(f"unknown sandbox setting {', '.join(sorted(left))}")
    return settings
