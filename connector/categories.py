"""`pasindo categories`: for every category a channel's map uses, whether the channel has it as a leaf, its
mandatory attributes, and how each is filled (the product's data, the map's default, a documented neutral
value) — read through the adapters as the sync reads them, and kept in the ledger the same way."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from connector.adapters.base import AdapterError, CategoryAttribute
from connector.adapters.registry import UnknownAdapter
from connector.category_maps import ATTRIBUTE_SOURCES, CategoryMap, CategoryMapError, load_category_map
from connector.config import ChannelConfig, Config
from connector.schema import top_category
from connector.sync.adapter import make_adapter
from connector.sync.attributes import keyed, norm, resolve
from connector.sync.endpoints import channel_endpoints
from connector.sync.ledger import Ledger
from connector.sync.rules import ChannelRules, load_rules


@dataclass
class AttributeCheck:
    attribute_id: str
    name: str
    filled_by: str | None  # "data: material", "default: Kulit", "neutral: ..."; None: nothing fills it

    @property
    def ok(self) -> bool:
        return self.filled_by is not None


@dataclass
class MappedCategory:
    code: str  # the PASINDO category
    category_id: str  # the channel's
    path: str | None  # the channel's names, parent first; None: not in the tree
    leaf: bool
    problem: str | None
    attributes: list[AttributeCheck] = field(default_factory=list)  # the mandatory ones

    @property
    def ok(self) -> bool:
        return self.problem is None and all(a.ok for a in self.attributes)


@dataclass
class ChannelCategories:
    channel: str
    sandbox: bool
    categories: list[MappedCategory] = field(default_factory=list)
    error: str | None = None  # the channel or its map could not be read; None with no categories: nothing to check

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.ok for c in self.categories)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        for mapped, plain in zip(self.categories, out["categories"], strict=True):
            plain["ok"] = mapped.ok
        return out


def check_categories(config: Config, ledger: Ledger, names: tuple[str, ...] = (), *,
                     refresh: bool = False) -> list[ChannelCategories]:
    channels = [c for c in config.channels if not names or c.name in names]
    with channel_endpoints(config, channels) as urls:
        return [_channel(config, channel, urls[channel.name], ledger, refresh) for channel in channels]


def _channel(config: Config, channel: ChannelConfig, base_url: str, ledger: Ledger, refresh: bool
             ) -> ChannelCategories:
    out = ChannelCategories(channel.name, channel.is_sandbox)
    try:
        categories = config.category_maps.get(channel.name) or load_category_map(channel)
        adapter = make_adapter(channel, base_url, ledger)
    except (CategoryMapError, UnknownAdapter, ValueError) as err:
        out.error = str(err)
        return out
    try:
        rules = load_rules(adapter, ledger.facts, categories.ids.values(), refresh=refresh)
    except AdapterError as err:
        out.error = f"cannot read the category tree and attributes: {err.message}"
        return out
    finally:
        adapter.close()
    if rules is None:
        out.error = f"the {channel.adapter} adapter reads no categories: nothing can be checked before a create"
        return out
    out.categories = [_mapped(code, category_id, rules, categories) for code, category_id in categories.ids.items()]
    return out


def _mapped(code: str, category_id: int | str, rules: ChannelRules, categories: CategoryMap) -> MappedCategory:
    node = rules.tree.get(str(category_id))
    mapped = MappedCategory(code, str(category_id), rules.path(category_id) if node else None,
                            bool(node and node.leaf), rules.category_problem(category_id))
    if mapped.problem is None:
        mapped.attributes = [AttributeCheck(a.id, a.name, _filled_by(a, code, categories, rules))
                             for a in rules.attributes.get(str(category_id), ()) if a.mandatory]
    return mapped


def _filled_by(attribute: CategoryAttribute, code: str, categories: CategoryMap, rules: ChannelRules) -> str | None:
    """How the sync fills this attribute for products of `code`, in the order it tries; None: nothing does."""
    source = keyed(categories.sources, attribute)
    default = (keyed(categories.defaults.get(code, {}), attribute)
               or keyed(categories.defaults.get(top_category(code), {}), attribute))
    neutral = {norm(k): v for k, v in rules.neutral.items()}.get(norm(attribute.name))
    chain = [f"data: {source}"] if source in ATTRIBUTE_SOURCES else []
    fallbacks = [f"{how}: {value}" for how, value in (("default", default), ("neutral", neutral))
                 if value is not None and resolve(attribute, value) is not None]
    if not chain and not fallbacks:
        return None
    if source != "origin" and not fallbacks:
        chain.append("(products without it are refused)")
    return ", else ".join(chain[:1] + fallbacks) + (f" {chain[1]}" if len(chain) > 1 else "")
