"""The plan: the difference between what a channel should show and what it acknowledged (pure functions).

A plan is itself the dry run: printing it changes nothing. The executor only applies a plan. A product that
leaves the catalog is delisted, never deleted; when it returns, the same listing is relisted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from connector.config import GuardsConfig
from connector.sync.desired import Desired
from connector.sync.ledger import Binding

CREATE, CONTENT, PRICE, STOCK, DELIST, RELIST = "create", "update_content", "update_price", "update_stock", \
    "delist", "relist"
OPS = (CREATE, CONTENT, PRICE, STOCK, DELIST, RELIST)
ASPECT_OPS = {"content": {CREATE, CONTENT, DELIST, RELIST}, "price": {PRICE}, "stock": {STOCK}}


@dataclass(frozen=True)
class Op:
    kind: str
    channel: str
    key: str
    institution: str
    desired: Desired | None = None
    binding: Binding | None = None
    reason: str | None = None  # why a delist: "left the catalog", "out of stock"


@dataclass
class Held:
    op: Op
    guard: str
    message: str


@dataclass
class Plan:
    channel: str
    ops: list[Op] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (key, institution, why)
    adopted: list[tuple[str, str, str]] = field(default_factory=list)  # (key, institution, external id) linked first

    def counts(self) -> Counter[str]:
        return Counter(op.kind for op in self.ops)


def plan_channel(channel: str, desired: dict[str, Desired], bindings: dict[str, Binding], *,
                 readable: set[str], untouchable: set[str], only: set[str] | None = None,
                 unsettled: set[str] = frozenset()) -> Plan:
    """Diff desired listings against acknowledged bindings.

    `readable`: institutions whose catalog was read in this run — only their missing products are delisted.
    `untouchable`: product keys whose rows were refused this run — their listings stay as they are.
    `only`: aspects to sync ("content", "price", "stock"); None means all.
    `unsettled`: products whose earlier create has an unknown outcome the lookup could not settle yet: nothing
    at all is planned for them (creating again could make a second listing).
    """
    allowed = set(OPS) if only is None else set().union(*(ASPECT_OPS[a] for a in only))
    plan = Plan(channel)
    ops: list[Op] = []
    for key, want in desired.items():
        if key in unsettled:
            plan.skipped.append((key, want.institution, "an earlier create's outcome is still unknown: the next run"
                                                        " looks its SKU up first"))
            continue
        have = bindings.get(key)
        if have is None or have.external_id is None:
            if have is not None and have.invalid_fp == want.content_fp:
                plan.skipped.append((key, want.institution, f"refused by the channel: {have.last_error}"))
            elif want.active:
                ops.append(Op(CREATE, channel, key, want.institution, want, have))
            continue
        refused = have.invalid_fp == want.content_fp
        if have.content_fp != want.content_fp:
            if refused:
                plan.skipped.append((key, want.institution, f"refused by the channel: {have.last_error}"))
            else:
                ops.append(Op(CONTENT, channel, key, want.institution, want, have))
        # While the channel refuses new variants, their prices and stock have nowhere to go: they wait too.
        reachable = not refused or all(sku in have.variant_ids for sku in want.variant_skus)
        if reachable and have.prices != want.prices:
            ops.append(Op(PRICE, channel, key, want.institution, want, have))
        if reachable and have.stock != want.stock:
            ops.append(Op(STOCK, channel, key, want.institution, want, have))
        if want.active and have.status != "active":
            ops.append(Op(RELIST, channel, key, want.institution, want, have))
        elif not want.active and have.status == "active":
            ops.append(Op(DELIST, channel, key, want.institution, want, have, reason="out of stock"))
    for key, have in bindings.items():
        if key in desired or key in untouchable or key in unsettled or have.institution not in readable:
            continue
        if have.status == "active" and have.external_id is not None:
            ops.append(Op(DELIST, channel, key, have.institution, None, have, reason="left the catalog"))
    plan.ops = [op for op in ops if op.kind in allowed]
    return plan


def apply_guards(plan: Plan, bindings: dict[str, Binding], guards: GuardsConfig) -> Plan:
    """Hold back changes that look like mistakes: a mass delist, a price crash. `--force` skips this."""
    active = Counter(b.institution for b in bindings.values() if b.status == "active" and b.external_id)
    leaving = Counter(op.institution for op in plan.ops if op.kind == DELIST and op.reason == "left the catalog")
    mass = set()
    for institution, count in leaving.items():
        share = 100 * count / max(active[institution], 1)
        # One listing leaving is ordinary catalog care, unless it empties the institution's shop.
        if share > guards.max_delist_percent and (count > 1 or count == active[institution]):
            mass.add(institution)
    kept: list[Op] = []
    for op in plan.ops:
        if op.kind == DELIST and op.reason == "left the catalog" and op.institution in mass:
            plan.held.append(Held(op, "mass_delist", (
                f"{leaving[op.institution]} of {active[op.institution]} active listings of {op.institution} would be "
                f"delisted (over {guards.max_delist_percent:g}%): is the catalog complete?")))
            continue
        if op.kind == PRICE and op.binding is not None and op.binding.prices:
            drop = _worst_drop(op.binding.prices, op.desired.prices if op.desired else {})
            if drop is not None and drop[1] > guards.max_price_drop_percent:
                sku, pct, old, new = drop
                plan.held.append(Held(op, "price_drop", (
                    f"price of {sku} would fall {pct:.0f}% at once (Rp{old:,} -> Rp{new:,}); a typo?"
                ).replace(",", ".")))
                continue
        kept.append(op)
    plan.ops = kept
    return plan


def _worst_drop(old: dict[str, int], new: dict[str, int]) -> tuple[str, float, int, int] | None:
    worst = None
    for sku, price in new.items():
        before = old.get(sku)
        if before:
            pct = 100 * (before - price) / before
            if worst is None or pct > worst[1]:
                worst = (sku, pct, before, price)
    return worst


def summarize(plans: Iterable[Plan]) -> dict[str, dict[str, int]]:
    return {p.channel: dict(p.counts()) for p in plans}
