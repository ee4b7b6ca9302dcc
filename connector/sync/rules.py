"""A channel's category rules: its category tree and the attributes of the leaves its category map uses.

Read through the adapter (`Adapter.categories`, `Adapter.attributes`) and kept in the ledger (`ledger.facts`), so
a run reads them again only when they are older than `MAX_AGE`; `pasindo categories` reads them afresh. A
channel whose adapter reads no categories (a plug-in without them) has no rules: nothing is checked before a
create. When a refresh fails, the rules kept last time serve; with none kept, the channel's products
are not checked in this run (a warning says so): the marketplace's own refusals are all there is, and a product
it refuses is tried again once its attributes are filled (they are part of its content fingerprint).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from connector.adapters.base import (
    Adapter,
    AdapterError,
    AttributeInput,
    AttributeOption,
    CategoryAttribute,
    ChannelCategory,
)
from connector.logs import channel_logger
from connector.sync.ledger.facts import Facts

MAX_AGE = 86_400.0  # a day: marketplaces change category trees and attributes rarely, and announce it
TREE, ATTRIBUTES = "category_tree", "category_attributes"


@dataclass(frozen=True)
class ChannelRules:
    """What one channel says about its categories; `attributes` by leaf id (only the leaves asked for)."""

    channel: str
    tree: dict[str, ChannelCategory]
    attributes: dict[str, tuple[CategoryAttribute, ...]] = field(default_factory=dict)
    neutral: Mapping[str, str] = field(default_factory=dict)
    fetched_at: float = 0.0  # the oldest of the parts used
    _paths: dict[str, str] = field(default_factory=dict, compare=False, repr=False)  # `path`, worked out once

    def category_problem(self, category_id: int | str) -> str | None:
        """Why the channel cannot take listings in this category, or None."""
        node = self.tree.get(str(category_id))
        if node is None:
            return f"category {category_id} is not in {self.channel}'s category tree"
        if not node.leaf:
            return f"category {category_id} ({node.name}) on {self.channel} is not a leaf: map a subcategory of it"
        return None

    def path(self, category_id: int | str) -> str:
        """`Parent > Child > Leaf` names, for messages."""
        found = self._paths.get(str(category_id))
        if found is None:
            found = self._paths[str(category_id)] = self._path(category_id)
        return found

    def _path(self, category_id: int | str) -> str:
        names, node, seen = [], self.tree.get(str(category_id)), set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            names.append(node.name)
            node = self.tree.get(node.parent_id) if node.parent_id else None
        return " > ".join(reversed(names)) or str(category_id)


def load_rules(adapter: Adapter, facts: Facts, category_ids: Iterable[int | str], *, refresh: bool = False,
               max_age: float = MAX_AGE, clock: Callable[[], float] = time.time) -> ChannelRules | None:
    """The channel's rules for these category ids, from the ledger when fresh, else read from the channel.

    None when the adapter reads no categories. Raises AdapterError when the channel cannot be read and nothing
    was kept."""
    channel = adapter.channel
    tree_body, tree_at = _cached(facts, channel, TREE, "", refresh, max_age, clock,
                                 lambda: [asdict(c) for c in adapter.categories()])
    if tree_body is None:
        return None
    tree = {str(c["id"]): ChannelCategory(**c) for c in tree_body}
    attributes: dict[str, tuple[CategoryAttribute, ...]] = {}
    oldest = tree_at
    for category_id in dict.fromkeys(str(i) for i in category_ids):
        node = tree.get(category_id)
        if node is None or not node.leaf:
            continue
        body, at = _cached(facts, channel, ATTRIBUTES, category_id, refresh, max_age, clock,
                           lambda cid=category_id: [asdict(a) for a in adapter.attributes(cid)])
        attributes[category_id] = tuple(_attribute(a) for a in body or ())
        oldest = min(oldest, at)
    return ChannelRules(channel, tree, attributes, dict(type(adapter).neutral_values), oldest)


def _cached(facts: Facts, channel: str, kind: str, key: str, refresh: bool, max_age: float,
            clock: Callable[[], float], read: Callable[[], Any]) -> tuple[Any, float]:
    """The body kept for (kind, key) when fresh; else read and kept. A failed read falls back to what was kept.
    (None, now) when the adapter cannot read this at all."""
    kept = facts.get(channel, kind, key)
    now = clock()
    if kept is not None and not refresh and now - kept[1] < max_age:
        return kept
    try:
        body = read()
    except NotImplementedError:
        return None, now
    except AdapterError:
        if kept is not None:
            return kept
        raise
    facts.put(channel, kind, key, body, now)
    return body, now


def _attribute(body: Mapping[str, Any]) -> CategoryAttribute:
    return CategoryAttribute(
        id=str(body["id"]), name=str(body["name"]), mandatory=bool(body["mandatory"]),
        options=tuple(AttributeOption(str(o["id"]), str(o["name"])) for o in body.get("options") or ()),
        custom=bool(body.get("custom", True)), input=AttributeInput(body.get("input", "text")),
        multiple=bool(body.get("multiple", False)))


def channel_rules(channel: Any, category_ids: Iterable[int | str], facts: Facts, connect: Callable[[Any], Adapter],
                  log: Any, *, failed: set[str] | None = None) -> ChannelRules | None:
    """One channel's rules for the sync; None when it has none to check, cannot be connected (its own step says
    why) or cannot be read now with nothing kept (a warning says so, and the channel's name joins `failed`: the
    run's later batches do not ask again)."""
    log = channel_logger(log, sandbox=channel.is_sandbox)
    try:
        adapter = connect(channel)
    except (LookupError, ValueError):
        return None
    try:
        rules = load_rules(adapter, facts, category_ids)
    except AdapterError as err:
        log.warning("category_rules_unavailable", channel=channel.name, error_class=err.error_class,
                    message=f"cannot read the channel's category tree and attributes ({err.message}): nothing is "
                            "checked before the marketplace in this run")
        if failed is not None:
            failed.add(channel.name)
        return None
    finally:
        adapter.close()
    if rules is not None:
        log.debug("category_rules", channel=channel.name, categories=len(rules.tree),
                  leaves_checked=len(rules.attributes))
    return rules
