"""The guards: hold back planned changes that look like mistakes — a mass delist, a price crash (pure functions).

`--force` skips them. A held operation is reported with what a person needs to decide; nothing is sent for it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from connector.config import GuardsConfig
from connector.sync.kinds import DelistReason, Guard, OpKind
from connector.sync.ledger.model import Binding
from connector.sync.plan import Held, Op, Plan


@dataclass(frozen=True)
class PriceDrop:
    """The largest fall of one seller SKU's price in an update."""

    sku: str
    percent: float
    old: int
    new: int


def apply_guards(plan: Plan, bindings: dict[str, Binding], guards: GuardsConfig) -> Plan:
    """Move the operations a guard holds from `plan.ops` to `plan.held`; returns the plan."""
    mass = _mass_delists(plan, bindings, guards)
    kept: list[Op] = []
    for op in plan.ops:
        held = mass.get(op.institution) if _leaves_catalog(op) else _price_crash(op, guards)
        if held is None:
            kept.append(op)
        else:
            plan.held.append(Held(op, *held))
    plan.ops = kept
    return plan


def _leaves_catalog(op: Op) -> bool:
    return op.kind == OpKind.DELIST and op.reason == DelistReason.LEFT_CATALOG


def _mass_delists(plan: Plan, bindings: dict[str, Binding], guards: GuardsConfig) -> dict[str, tuple[Guard, str]]:
    """Institutions whose listings would leave at once, beyond the guard's share: is the catalog complete?"""
    active = Counter(b.institution for b in bindings.values() if b.active and b.external_id)
    leaving = Counter(op.institution for op in plan.ops if _leaves_catalog(op))
    mass = {}
    for institution, count in leaving.items():
        share = 100 * count / max(active[institution], 1)
        # One listing leaving is ordinary catalog care, unless it empties the institution's shop.
        if share > guards.max_delist_percent and (count > 1 or count == active[institution]):
            mass[institution] = (Guard.MASS_DELIST, (
                f"{count} of {active[institution]} active listings of {institution} would be "
                f"delisted (over {guards.max_delist_percent:g}%): is the catalog complete?"))
    return mass


def _price_crash(op: Op, guards: GuardsConfig) -> tuple[Guard, str] | None:
    if op.kind != OpKind.PRICE or op.binding is None or not op.binding.prices:
        return None
    drop = worst_drop(op.binding.prices, op.desired.prices if op.desired else {})
    if drop is None or drop.percent <= guards.max_price_drop_percent:
        return None
    return Guard.PRICE_DROP, (f"price of {drop.sku} would fall {drop.percent:.0f}% at once "
                              f"(Rp{drop.old:,} -> Rp{drop.new:,}); a typo?").replace(",", ".")


def worst_drop(old: dict[str, int], new: dict[str, int]) -> PriceDrop | None:
    """The seller SKU whose price falls the most from `old` to `new` (None: no SKU had a price before)."""
    worst = None
    for sku, price in new.items():
        before = old.get(sku)
        if before:
            pct = 100 * (before - price) / before
            if worst is None or pct > worst.percent:
                worst = PriceDrop(sku, pct, before, price)
    return worst
