"""The channel step: one channel's part of a run, as a short pipeline.

settle unresolved intents -> link if never linked -> plan -> guards -> execute -> report. Each channel runs in
its own thread with its own adapter; a defect in one channel is reported and never takes the others down.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, replace
from typing import Any

from connector.adapters.base import Adapter, AdapterError, AuthError, ErrorClass
from connector.adapters.registry import UnknownAdapter
from connector.config import ChannelConfig, Config
from connector.logs import REDACTOR, channel_logger
from connector.sync.adapter import make_adapter
from connector.sync.desired import Desired
from connector.sync.executor import ChannelExecutor, ChannelResult, ChannelStopped
from connector.sync.guards import apply_guards
from connector.sync.kinds import Guard, ItemOutcome, OpKind
from connector.sync.ledger import Ledger
from connector.sync.ledger.model import Binding, RunItem
from connector.sync.link import Linking, match
from connector.sync.options import Progress, SyncOptions
from connector.sync.plan import Adopted, Held, Op, Plan, plan_channel


@dataclass(frozen=True)
class RunContext:
    """What every channel's steps share in one run."""

    config: Config
    options: SyncOptions
    ledger: Ledger
    log: Any
    run_id: str | None = None  # None: a dry run
    readable: frozenset[str] = frozenset()  # institutions whose catalog was read in full
    stop: threading.Event | None = None
    progress: Progress | None = None
    skipped: frozenset[str] = frozenset()  # institutions whose unchanged catalogs were not read: nothing planned

    @property
    def dry_run(self) -> bool:
        return self.options.dry_run


ChannelOutcome = tuple[Plan, ChannelResult | None]  # the result is None in a dry run


def for_channel(ctx: RunContext, channel: ChannelConfig) -> RunContext:
    """The run's context with the channel's logger (marked when the channel is on the sandbox)."""
    return replace(ctx, log=channel_logger(ctx.log, sandbox=channel.is_sandbox))


def sync_channel(ctx: RunContext, channel: ChannelConfig, base_url: str, desired: dict[str, Desired],
                 untouchable: set[str]) -> ChannelOutcome:
    ctx = for_channel(ctx, channel)
    try:
        adapter = make_adapter(channel, base_url, ctx.ledger)
    except (UnknownAdapter, ValueError) as err:  # e.g. a credential missing: this channel cannot run
        return _stopped(ctx, channel, str(err))
    try:
        return _steps(ctx, channel, adapter, desired, untouchable)
    except sqlite3.OperationalError:  # the ledger itself failed (a full disk): a setup problem for the command
        raise
    except Exception as err:  # a defect in one channel must not take the others down: report it, go on
        ctx.log.exception("channel_failed", channel=channel.name, error=f"{type(err).__name__}: {err}")
        return Plan(channel.name), ChannelResult(channel.name, stopped=f"internal error: {type(err).__name__}")
    finally:
        adapter.close()


def _steps(ctx: RunContext, channel: ChannelConfig, adapter: Adapter, desired: dict[str, Desired],
           untouchable: set[str]) -> ChannelOutcome:
    executor = ChannelExecutor(adapter, ctx.ledger, ctx.run_id or "dry-run", log=ctx.log, stop=ctx.stop,
                               progress=ctx.progress)
    try:
        pending = settle_intents(ctx, executor)
    except ChannelStopped as err:  # the failed lookup is recorded as the run's item
        executor.result.stopped = REDACTOR.scrub(str(err))
        return Plan(channel.name), executor.result
    try:
        linking = link_if_never_linked(ctx, adapter, desired)
    except ChannelStopped as err:
        return _stopped(ctx, channel, str(err))
    bindings, conflicts = known_bindings(ctx, channel.name, linking)
    if linking is not None and not ctx.dry_run:
        record_adopted(executor, linking)
    plan = plan_channel(channel.name, {k: d for k, d in desired.items() if k not in conflicts}, bindings,
                        readable=set(ctx.readable), untouchable=untouchable | set(conflicts),
                        only=set(ctx.options.only) or None, unsettled=pending)
    if linking is not None:
        plan.adopted = [Adopted(m.desired.key, m.desired.institution, m.remote.external_id) for m in linking.matched]
    guard(ctx, plan, desired, bindings, conflicts)
    report_held(ctx, plan)
    return plan, None if ctx.dry_run else executor.execute(plan)


def _stopped(ctx: RunContext, channel: ChannelConfig, reason: str) -> ChannelOutcome:
    ctx.log.error("channel_stopped", channel=channel.name, reason=reason)
    return Plan(channel.name), ChannelResult(channel.name, stopped=reason)


# -- the steps ------------------------------------------------------------------------------------------------

def settle_intents(ctx: RunContext, executor: ChannelExecutor) -> set[str]:
    """Creates of earlier runs whose outcome is unknown: settled by lookup (not in a dry run, which only leaves
    them out of its plan). Returns the product keys still unsettled; raises ChannelStopped."""
    if ctx.dry_run:
        return {i.product_key for i in ctx.ledger.bindings.open_intents(executor.channel)}
    return executor.resolve_intents()


def link_if_never_linked(ctx: RunContext, adapter: Adapter, desired: dict[str, Desired]) -> Linking | None:
    """Link a channel before its first sync creates anything. A channel whose listings cannot be read is
    stopped for this run rather than risk duplicates (ChannelStopped); an adapter that cannot list at all is
    linked as empty (None)."""
    if ctx.ledger.bindings.linked(adapter.channel):
        return None
    try:
        linking = link_channel(ctx, adapter, desired)
    except NotImplementedError as err:
        ctx.log.warning("link_unsupported", channel=adapter.channel, reason=str(err))
        if not ctx.dry_run:
            ctx.ledger.bindings.record_link(adapter.channel, [], [], institutions=set(), complete=True,
                                            run_id=ctx.run_id)
        return None
    except AuthError as err:
        raise ChannelStopped(err.message) from err
    except AdapterError as err:
        raise ChannelStopped(f"cannot read the channel's listings to adopt them before creating any "
                             f"({err.message}); nothing is created until they can be read") from err
    # Worth an operator's eye only when something was adopted or is in conflict; otherwise it is routine.
    level = ctx.log.info if linking.matched or linking.conflicts else ctx.log.debug
    level("linked", channel=adapter.channel, adopted=len(linking.matched), to_create=len(linking.to_create),
          unknown=len(linking.unknown), conflicts=len(linking.conflicts))
    return linking


def link_channel(ctx: RunContext, adapter: Adapter, desired: dict[str, Desired]) -> Linking:
    """Match the channel's listings to `desired` and, unless dry run, record the bindings and conflicts. The
    channel counts as linked only when every institution's catalog was read (else a product missing from this
    reading would be created beside its hand-made listing later)."""
    linking = match(adapter.channel, desired, adapter.listings(), ctx.ledger.bindings.all(adapter.channel))
    if not ctx.dry_run:
        everyone = {i.code for i in ctx.config.institutions}
        scope = (set(ctx.options.institutions) or everyone) & ctx.readable
        ctx.ledger.bindings.record_link(adapter.channel, linking.bindings(), linking.conflicts, institutions=scope,
                                        complete=scope == everyone, run_id=ctx.run_id)
    return linking


def known_bindings(ctx: RunContext, channel: str, linking: Linking | None
                   ) -> tuple[dict[str, Binding], dict[str, str]]:
    """The channel's bindings and link conflicts (product key -> reason) the plan starts from. A dry run recorded
    nothing of its linking: it plans as if it had."""
    bindings = ctx.ledger.bindings.all(channel, besides=ctx.skipped)
    conflicts = {key: c.reason for key, c in ctx.ledger.bindings.link_conflicts(channel).items()}
    if linking is not None and ctx.dry_run:
        bindings.update((b.product_key, b) for b in linking.bindings())
        conflicts.update((c.key, c.reason) for c in linking.conflicts)
    return bindings, conflicts


def record_adopted(executor: ChannelExecutor, linking: Linking) -> None:
    for m in linking.matched:
        executor.record(OpKind.ADOPT, m.desired.institution, m.desired.key, ItemOutcome.OK,
                        message=f"adopted listing {m.remote.external_id}")


def guard(ctx: RunContext, plan: Plan, desired: dict[str, Desired], bindings: dict[str, Binding],
          conflicts: dict[str, str]) -> None:
    """Hold back what looks like a mistake (unless --force), and, --force or not, the creates of products in
    link conflict until a link matches them."""
    if not ctx.options.force:
        apply_guards(plan, bindings, ctx.config.guards)
    for key, reason in sorted(conflicts.items()):
        want, have = desired.get(key), bindings.get(key)
        if want is not None and (have is None or have.external_id is None):
            plan.held.append(Held(Op(OpKind.CREATE, plan.channel, key, want.institution, want), Guard.LINK_CONFLICT,
                                  f"{reason}; held until `pasindo link` matches it"))


def report_held(ctx: RunContext, plan: Plan) -> None:
    for held in plan.held:
        ctx.log.warning("held", channel=plan.channel, institution=held.op.institution, key=held.op.key,
                        op=held.op.kind, guard=held.guard, message=held.message)
        if ctx.run_id is not None:
            ctx.ledger.runs.record(ctx.run_id, RunItem(plan.channel, held.op.institution, held.op.key, held.op.kind,
                                                       ItemOutcome.HELD, ErrorClass.GUARD, held.guard, held.message))
