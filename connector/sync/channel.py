"""The channel step: one channel's part of a run, as a short pipeline.

settle unresolved intents, then for each batch of the run (`batch.py`): link if never linked -> plan -> guards ->
execute -> report. Each channel runs in its own thread with its own adapter, taking the batches as the reading
hands them on; a defect in one channel is reported and never takes the others down.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from connector.adapters.base import Adapter, AdapterError, AuthError, ErrorClass, Remote
from connector.adapters.registry import UnknownAdapter
from connector.config import ChannelConfig, Config
from connector.logs import REDACTOR, channel_logger
from connector.schema import SourceRef
from connector.sync.adapter import make_adapter
from connector.sync.batch import Batch
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
    rows: dict[str, SourceRef] = field(default_factory=dict)  # catalog rows of what the channels refused

    @property
    def dry_run(self) -> bool:
        return self.options.dry_run


ChannelOutcome = tuple[Plan, ChannelResult | None]  # the result is None in a dry run


def for_channel(ctx: RunContext, channel: ChannelConfig) -> RunContext:
    """The run's context with the channel's logger (marked when the channel is on the sandbox)."""
    return replace(ctx, log=channel_logger(ctx.log, sandbox=channel.is_sandbox))


def sync_channel(ctx: RunContext, channel: ChannelConfig, base_url: str, batches: Iterable[Batch]) -> ChannelOutcome:
    """The channel's part of the run, batch after batch (`batch.py`) until `batches` ends or the channel stops.
    `batches` is drained (a `Feed` is closed) whatever happens, so the reading never waits on a stopped channel."""
    ctx = for_channel(ctx, channel)
    try:
        try:
            adapter = make_adapter(channel, base_url, ctx.ledger)
        except (UnknownAdapter, ValueError) as err:  # e.g. a credential missing: this channel cannot run
            return _stopped(ctx, channel, str(err))
        work = ChannelWork(ctx, channel, adapter)
        try:
            return work.run(batches)
        except sqlite3.OperationalError:  # the ledger itself failed (a full disk): a setup problem for the command
            raise
        except Exception as err:  # a defect in one channel must not take the others down: report it, go on
            ctx.log.exception("channel_failed", channel=channel.name, error=f"{type(err).__name__}: {err}")
            work.executor.result.stopped = f"internal error: {type(err).__name__}"
            return work.plan, work.executor.result
        finally:
            adapter.close()
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


class ChannelWork:
    """One channel's steps over the run's batches: settle unresolved intents once, then per batch link (while
    the channel was never linked), plan, guard, execute; the batches' plans gathered into one."""

    def __init__(self, ctx: RunContext, channel: ChannelConfig, adapter: Adapter):
        self.ctx, self.channel, self.adapter = ctx, channel, adapter
        self.executor = ChannelExecutor(adapter, ctx.ledger, ctx.run_id or "dry-run", log=ctx.log, stop=ctx.stop,
                                        progress=ctx.progress)
        self.plan = Plan(channel.name)
        self.batches = 0

    def run(self, batches: Iterable[Batch]) -> ChannelOutcome:
        ctx, result = self.ctx, self.executor.result
        try:
            pending = settle_intents(ctx, self.executor)
        except ChannelStopped as err:  # the failed lookup is recorded as the run's item
            result.stopped = REDACTOR.scrub(str(err))
            return self.plan, result
        linker = None if ctx.ledger.bindings.linked(self.channel.name) else Linker(ctx, self.adapter)
        for batch in batches:
            try:
                self._batch(batch, linker, pending)
            except ChannelStopped as err:  # its listings could not be read to link it: nothing is created
                ctx.log.error("channel_stopped", channel=self.channel.name, reason=str(err))
                result.stopped = REDACTOR.scrub(str(err))
            if result.stopped or result.interrupted:
                break
        else:
            self.executor.flush()
            if linker is not None:
                linker.finish()
        return self.plan, None if ctx.dry_run and not result.stopped else result

    def _batch(self, batch: Batch, linker: Linker | None, pending: set[str]) -> None:
        ctx, name = self.ctx, self.channel.name
        desired = batch.desired[name]
        linking = linker.link(desired, batch) if linker is not None else None
        bindings, conflicts = known_bindings(ctx, name, linking, batch.institutions)
        if linking is not None and not ctx.dry_run:
            record_adopted(self.executor, linking)
        plan = plan_channel(name, {k: d for k, d in desired.items() if k not in conflicts}, bindings,
                            readable=set(batch.readable), untouchable=batch.untouchable[name] | set(conflicts),
                            only=set(ctx.options.only) or None, unsettled=pending)
        if linking is not None:
            plan.adopted = [Adopted(m.desired.key, m.desired.institution, m.remote.external_id)
                            for m in linking.matched]
        guard(ctx, plan, desired, bindings, conflicts)
        report_held(ctx, plan)
        if not ctx.dry_run:
            self.executor.execute(plan, more=True)  # `flush` after the last batch
        refused = {s.key for s in plan.skipped} | self.executor.take_refused()
        ctx.rows.update((key, batch.rows[key]) for key in refused if key in batch.rows)
        self._gather(plan)
        self.batches += 1

    def _gather(self, plan: Plan) -> None:
        """Add a batch's plan to the run's. What a run of one batch planned is kept as planned; of many, a dry
        run keeps each operation without the listings it carries (what the report prints), a real run none (its
        outcome is in the executor's counts): a plan of the whole country would hold every desired listing."""
        whole = self.plan
        whole.held += plan.held
        whole.skipped += plan.skipped
        whole.adopted += plan.adopted
        if self.batches == 0:
            whole.ops = plan.ops
            return
        if self.batches == 1 and whole.ops and not self.ctx.dry_run:
            whole.ops = []
        elif self.batches == 1:
            whole.ops = [light(op) for op in whole.ops]
        if self.ctx.dry_run:
            whole.ops += [light(op) for op in plan.ops]


def light(op: Op) -> Op:
    """The operation as a report names it, without the listings it carries."""
    return Op(op.kind, op.channel, op.key, op.institution, reason=op.reason) if op.desired or op.binding else op


class Linker:
    """Links a channel never linked, batch by batch: its listings read once (at the first batch), each batch's
    products matched to what is left of them and recorded; the channel counts as linked when every
    institution's catalog was read in full by the end of the run."""

    def __init__(self, ctx: RunContext, adapter: Adapter):
        self.ctx, self.adapter = ctx, adapter
        self.remotes: list[Remote] | None = None
        self.unsupported = False
        self.scope: set[str] = set()
        self.adopted = self.to_create = self.conflicts = self.unknown = 0

    def link(self, desired: dict[str, Desired], batch: Batch) -> Linking | None:
        ctx, channel = self.ctx, self.adapter.channel
        if self.unsupported:
            return None
        if self.remotes is None:
            try:
                bound = ctx.ledger.bindings.bound_ids(channel)
                self.remotes = [r for r in self.adapter.listings() if r.external_id not in bound]
            except NotImplementedError as err:
                ctx.log.warning("link_unsupported", channel=channel, reason=str(err))
                self.unsupported = True
                if not ctx.dry_run:
                    ctx.ledger.bindings.record_link(channel, [], [], institutions=set(), complete=True,
                                                    run_id=ctx.run_id)
                return None
            except AuthError as err:
                raise ChannelStopped(err.message) from err
            except AdapterError as err:
                raise ChannelStopped(f"cannot read the channel's listings to adopt them before creating any "
                                     f"({err.message}); nothing is created until they can be read") from err
        linking = match(channel, desired, self.remotes, ctx.ledger.bindings.all(channel, of=batch.institutions))
        taken = {m.remote.external_id for m in linking.matched}
        self.remotes = [r for r in self.remotes if r.external_id not in taken]
        scope = (set(ctx.options.institutions) or everyone(ctx)) & batch.readable
        if not ctx.dry_run:
            ctx.ledger.bindings.record_link(channel, linking.bindings(), linking.conflicts, institutions=scope,
                                            complete=False, run_id=ctx.run_id)
        self.scope |= scope
        self.adopted += len(linking.matched)
        self.to_create += len(linking.to_create)
        self.conflicts += len(linking.conflicts)
        self.unknown = len(linking.unknown)  # what no product of any batch so far claims
        return linking

    def finish(self) -> None:
        """After the last batch: log the link, and record the channel as linked when every catalog was read."""
        ctx, channel = self.ctx, self.adapter.channel
        if self.unsupported or self.remotes is None:
            return
        # Worth an operator's eye only when something was adopted or is in conflict; otherwise it is routine.
        level = ctx.log.info if self.adopted or self.conflicts else ctx.log.debug
        level("linked", channel=channel, adopted=self.adopted, to_create=self.to_create, unknown=self.unknown,
              conflicts=self.conflicts)
        if not ctx.dry_run and self.scope == everyone(ctx):
            ctx.ledger.bindings.record_link(channel, [], [], institutions=set(), complete=True, run_id=ctx.run_id)


def everyone(ctx: RunContext) -> set[str]:
    return {i.code for i in ctx.config.institutions}


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


def known_bindings(ctx: RunContext, channel: str, linking: Linking | None, institutions: Collection[str]
                   ) -> tuple[dict[str, Binding], dict[str, str]]:
    """The bindings and link conflicts (product key -> reason) of a batch's `institutions` on the channel, which
    the plan starts from. A dry run recorded nothing of its linking: it plans as if it had."""
    bindings = ctx.ledger.bindings.all(channel, of=institutions)
    conflicts = {key: c.reason for key, c in ctx.ledger.bindings.link_conflicts(channel, of=institutions).items()}
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
