"""The plan: the difference between what a channel should show and what it acknowledged (pure functions).

A plan is itself the dry run: printing it changes nothing. The executor only applies a plan. A product that
leaves the catalog is delisted, never deleted; when it returns, the same listing is relisted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from connector.sync.desired import Desired
from connector.sync.kinds import PLANNED, Aspect, DelistReason, Guard, ListingStatus, OpKind
from connector.sync.ledger.model import Binding

UNSETTLED = "an earlier create's outcome is still unknown: the next run looks its SKU up first"


@dataclass(frozen=True)
class Op:
    kind: OpKind
    channel: str
    key: str
    institution: str
    desired: Desired | None = None
    binding: Binding | None = None
    reason: DelistReason | None = None  # why a delist


@dataclass(frozen=True)
class Held:
    """A planned operation a guard held back, and why."""

    op: Op
    guard: Guard
    message: str


@dataclass(frozen=True)
class Skipped:
    """A product nothing is planned for, and why (refused by the channel until its content changes; unsettled)."""

    key: str
    institution: str
    why: str


@dataclass(frozen=True)
class Adopted:
    """A listing already on the channel, bound to its catalog product before the plan (linked first)."""

    key: str
    institution: str
    external_id: str


@dataclass
class Plan:
    channel: str
    ops: list[Op] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    adopted: list[Adopted] = field(default_factory=list)

    def counts(self) -> Counter[OpKind]:
        return Counter(op.kind for op in self.ops)


def allowed_kinds(only: Iterable[Aspect | str] | None) -> frozenset[OpKind]:
    """The planned kinds `--only` lets through (None: all)."""
    if only is None:
        return frozenset(PLANNED)
    return frozenset().union(*(Aspect(a).kinds for a in only))


def plan_channel(channel: str, desired: dict[str, Desired], bindings: dict[str, Binding], *,
                 readable: set[str], untouchable: set[str], only: Iterable[Aspect | str] | None = None,
                 unsettled: set[str] = frozenset()) -> Plan:
    """Diff desired listings against acknowledged bindings.

    `readable`: institutions whose catalog was read in this run — only their missing products are delisted.
    `untouchable`: product keys whose rows were refused this run — their listings stay as they are.
    `only`: aspects to sync (content, price, stock); None means all.
    `unsettled`: products whose earlier create has an unknown outcome the lookup could not settle yet: nothing
    at all is planned for them (creating again could make a second listing).
    """
    plan = Plan(channel)
    ops: list[Op] = []
    for key, want in desired.items():
        if key in unsettled:
            plan.skipped.append(Skipped(key, want.institution, UNSETTLED))
        else:
            _diff(channel, key, want, bindings.get(key), ops, plan.skipped)
    for key, have in bindings.items():
        if key in desired or key in untouchable or key in unsettled or have.institution not in readable:
            continue
        if have.active and have.external_id is not None:
            ops.append(Op(OpKind.DELIST, channel, key, have.institution, None, have, DelistReason.LEFT_CATALOG))
    allowed = allowed_kinds(only)
    plan.ops = [op for op in ops if op.kind in allowed]
    return plan


def _diff(channel: str, key: str, want: Desired, have: Binding | None, ops: list[Op], skipped: list[Skipped]) -> None:
    """The operations one desired listing needs against its binding (if any)."""
    if have is None or have.external_id is None:
        if have is not None and have.invalid_fp == want.content_fp:
            skipped.append(Skipped(key, want.institution, f"refused by the channel: {have.last_error}"))
        elif want.active:
            ops.append(Op(OpKind.CREATE, channel, key, want.institution, want, have))
        return
    refused = have.invalid_fp == want.content_fp
    if have.content_fp != want.content_fp:
        if refused:
            skipped.append(Skipped(key, want.institution, f"refused by the channel: {have.last_error}"))
        else:
            ops.append(Op(OpKind.CONTENT, channel, key, want.institution, want, have))
    # While the channel refuses new variants, their prices and stock have nowhere to go: they wait too.
    reachable = not refused or all(sku in have.variant_ids for sku in want.variant_skus)
    if reachable and have.prices != want.prices:
        ops.append(Op(OpKind.PRICE, channel, key, want.institution, want, have))
    if reachable and have.stock != want.stock:
        ops.append(Op(OpKind.STOCK, channel, key, want.institution, want, have))
    if want.active and have.status != ListingStatus.ACTIVE:
        ops.append(Op(OpKind.RELIST, channel, key, want.institution, want, have))
    elif not want.active and have.status == ListingStatus.ACTIVE:
        ops.append(Op(OpKind.DELIST, channel, key, want.institution, want, have, DelistReason.OUT_OF_STOCK))

