"""The executor: applies one channel's plan through its adapter, recording only what the channel acknowledged.

Order within a channel: delist, content, relist, stock, price, create — content before stock and price so new
variants have ids, relist before stock because some marketplaces (TikTok Shop) update stock only on live
listings; creates last because they are the slowest. One item's failure never stops the others; an
authentication failure stops the channel for this run. Creation is idempotent: an intent is committed before
the call, and any doubt about the outcome is settled by looking the seller SKU up, never by a blind retry.

A create or a content update first has every image of the listing on the channel (uploaded, or known from the
media cache): an image that cannot be had, or that the channel refuses, fails that product before any write, so
no listing is created without its images or left half-updated, and its message names the catalog file, the row
and the image. The channel refused nothing of the product itself, so a later run tries again.

A marketplace's answer is verified, never trusted: an id a lookup or a create answers is bound only if it is a
usable id that no other product's binding holds; a lookup that answers only unusable ids settles nothing (the
intent stays open, the binding stays as it was), since taking it for "absent" would create a duplicate. An answer
the adapter cannot read at all (a field missing, a value of the wrong type) fails that item, never the channel:
for a create it is an unknown outcome, settled by lookup like a lost answer.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, NamedTuple

from connector.adapters.base import (
    Adapter,
    AdapterError,
    AuthError,
    Change,
    ErrorClass,
    Invalid,
    NotFound,
    Outcome,
    Pending,
    Remote,
    UnknownOutcome,
    batched,
)
from connector.logs import REDACTOR
from connector.sync.desired import Desired
from connector.sync.kinds import ItemOutcome, ListingStatus, OpKind
from connector.sync.ledger import Ledger
from connector.sync.ledger.model import Binding, IntentOutcome, RunItem
from connector.sync.plan import Op, Plan

ORDER = (OpKind.DELIST, OpKind.CONTENT, OpKind.RELIST, OpKind.STOCK, OpKind.PRICE, OpKind.CREATE)


class ChannelStopped(Exception):
    """The channel cannot go on in this run (authentication failed)."""


class ItemCount(NamedTuple):
    """What `ChannelResult.counts` counts: items per institution, operation and outcome."""

    institution: str  # "-" for an item of no institution
    op: OpKind
    outcome: ItemOutcome


@dataclass
class ChannelResult:
    channel: str
    counts: Counter[ItemCount] = field(default_factory=Counter)
    stopped: str | None = None
    interrupted: bool = False

    def failed(self) -> int:
        return sum(n for key, n in self.counts.items() if key.outcome not in (ItemOutcome.OK, ItemOutcome.PENDING))


class ChannelExecutor:
    def __init__(self, adapter: Adapter, ledger: Ledger, run_id: str, *, log: Any,
                 stop: threading.Event | None = None, progress: Callable[[str, int, int], None] | None = None):
        self.adapter = adapter
        self.ledger = ledger
        self.run_id = run_id
        self.log = log.bind(channel=adapter.channel, run_id=run_id)
        self.stop = stop or threading.Event()
        self.channel = adapter.channel
        self.result = ChannelResult(self.channel)
        self.progress = progress
        self._planned = self._done = 0  # over every batch of the run so far
        self._refused: set[str] = set()  # products whose content the channel refused, since `take_refused`
        # price or stock changes of earlier batches held back for a fuller call, on a channel whose calls take
        # many products (`_values`, `flush`)
        self._carried: dict[OpKind, list[tuple[Op, Change]]] = {}

    # -- recording -------------------------------------------------------------------------------------------

    def record(self, op: OpKind, institution: str | None, key: str | None, outcome: ItemOutcome,
               error: AdapterError | None = None, message: str | None = None) -> None:
        # A marketplace's message may echo the request: no known secret (config or refreshed token) is kept.
        message = REDACTOR.scrub(message or (error.message if error else None))
        self.ledger.runs.record(self.run_id, RunItem(
            self.channel, institution, key, op, outcome, error_class=error.error_class if error else None,
            code=error.code if error else None, message=message))
        self.result.counts[ItemCount(institution or "-", op, outcome)] += 1
        if outcome == ItemOutcome.INVALID and op in (OpKind.CREATE, OpKind.CONTENT) and key is not None:
            self._refused.add(key)
        if self.progress is not None and self._planned and op != OpKind.RESOLVE:
            self._done = min(self._done + 1, self._planned)
            self.progress(self.channel, self._done, self._planned)
        if outcome == ItemOutcome.OK:  # routine: the run's summary counts it, `pasindo report` lists the rest
            self.log.debug("item", op=op, institution=institution, key=key, outcome=outcome, message=message)
        else:
            self.log.warning("item", op=op, institution=institution, key=key, outcome=outcome,
                             error_class=error.error_class if error else None,
                             code=error.code if error else None, message=message)

    # -- unresolved creates from earlier runs ---------------------------------------------------------------

    def resolve_intents(self) -> set[str]:
        """Settle creates whose outcome is unknown by looking up their SKU. Returns keys still unresolved."""
        unresolved: set[str] = set()
        for intent in self.ledger.bindings.open_intents(self.channel):
            key, institution = intent.product_key, intent.institution
            try:
                with _unreadable_answer():
                    found = self.adapter.find(intent.seller_sku, list(intent.variant_skus))
                if not found:
                    self.ledger.bindings.resolve_intent(intent.intent_id, IntentOutcome.ABSENT)
                    continue
                remote = self._adopt(found, institution, key)
            except AuthError as err:
                self.record(OpKind.RESOLVE, institution, key, ItemOutcome.FAILED, err)
                raise ChannelStopped(err.message) from err
            except AdapterError as err:
                self.record(OpKind.RESOLVE, institution, key, ItemOutcome.FAILED, err)
                unresolved.add(key)
                continue
            self.ledger.bindings.save(
                Binding(self.channel, key, institution, intent.seller_sku, remote.external_id,
                        dict(remote.variant_ids), _status(remote.active)),
                intent_id=intent.intent_id, outcome=IntentOutcome.FOUND,
            )
            self.log.info("intent_resolved", key=key, external_id=remote.external_id)
        return unresolved

    def _adopt(self, found: list[Remote], institution: str, key: str) -> Remote:
        """The listing a lookup found to bind `key` to: of those with usable ids no other binding holds, the oldest
        (shortest, then lowest id); the others are reported. None usable: `UnknownOutcome`, nothing is settled."""
        refused = {id(r): self._implausible(r, key) for r in found}
        usable = [r for r in found if refused[id(r)] is None]
        if not usable:
            why = "; ".join(sorted({str(problem) for problem in refused.values()}))
            raise UnknownOutcome(f"the lookup's answer cannot be bound ({why}); looked up again at the next run")
        found = sorted(usable, key=lambda r: (len(r.external_id), r.external_id))
        if len(found) > 1:
            ids = ", ".join(r.external_id for r in found)
            self.record(OpKind.RESOLVE, institution, key, ItemOutcome.FAILED,
                        message=f"{len(found)} listings carry this seller SKU ({ids}); kept {found[0].external_id},"
                                " remove the others in the seller centre")
        return found[0]

    # -- the plan ----------------------------------------------------------------------------------------------

    def execute(self, plan: Plan, *, more: bool = False) -> ChannelResult:
        """Carry out the plan. `more`: other plans follow (the run's batches): a price or stock call that is not
        full may wait for theirs, until `flush`."""
        by_kind: dict[OpKind, list[Op]] = {kind: [] for kind in ORDER}
        for op in plan.ops:
            by_kind[op.kind].append(op)
        self._planned += len(plan.ops)
        if self.progress is not None:
            self.progress(self.channel, self._done, self._planned)
        steps: dict[OpKind, Callable[[list[Op]], None]] = {
            OpKind.DELIST: lambda ops: self._set_active(ops, False), OpKind.CONTENT: self._contents,
            OpKind.STOCK: lambda ops: self._values(ops, OpKind.STOCK, final=not more),
            OpKind.PRICE: lambda ops: self._values(ops, OpKind.PRICE, final=not more),
            OpKind.RELIST: lambda ops: self._set_active(ops, True), OpKind.CREATE: self._creates,
        }
        try:
            for kind in ORDER:
                if by_kind[kind]:
                    steps[kind](by_kind[kind])
        except ChannelStopped as err:
            self.result.stopped = REDACTOR.scrub(str(err))
            self.log.error("channel_stopped", reason=str(err))
        if self.progress is not None and not (self.result.stopped or self.result.interrupted):
            self._done = self._planned
            self.progress(self.channel, self._planned, self._planned)
        return self.result

    def take_refused(self) -> set[str]:
        """The products whose content (create or update) the channel refused since the last call."""
        refused, self._refused = self._refused, set()
        return refused

    def _interrupted(self) -> bool:
        if self.stop.is_set():
            self.result.interrupted = True
        return self.result.interrupted

    def _current(self, op: Op) -> Binding | None:
        """The binding as the ledger has it now (an earlier step of this run may have moved it)."""
        return self.ledger.bindings.get(self.channel, op.key)

    # -- creates -----------------------------------------------------------------------------------------------

    def _creates(self, ops: list[Op]) -> None:
        for op in ops:
            if self._interrupted():
                return
            self._create(op)

    def _create(self, op: Op) -> None:
        want = op.desired
        assert want is not None
        listing = want.listing
        if not self._images_ready(op, want):
            return
        intent = self.ledger.bindings.begin_intent(self.channel, op.key, op.institution, listing.seller_sku,
                                                   OpKind.CREATE, self.run_id, [v.seller_sku for v in listing.variants])
        try:
            with _unreadable_answer(UnknownOutcome):
                remote = self.adapter.create(listing, intent)
        except AdapterError as err:
            if err.remote is not None:  # the listing exists, part of the create failed: bind it, updates finish it
                with self.ledger.transaction():
                    self._bind(op, want, err.remote, intent, acknowledged=False)
                    self.record(OpKind.CREATE, op.institution, op.key, ItemOutcome.FAILED, err,
                                message=f"listing created but not complete ({err.message}); the next sync completes it")
            elif isinstance(err, Invalid):
                with self.ledger.transaction():
                    self.ledger.bindings.save(
                        Binding(self.channel, op.key, op.institution, listing.seller_sku, invalid_fp=want.content_fp,
                                last_error=err.message), intent_id=intent, outcome=IntentOutcome.INVALID)
                    self.record(OpKind.CREATE, op.institution, op.key, ItemOutcome.INVALID, err)
            elif isinstance(err, AuthError):
                with self.ledger.transaction():
                    self.ledger.bindings.resolve_intent(intent, IntentOutcome.AUTH)
                    self.record(OpKind.CREATE, op.institution, op.key, ItemOutcome.FAILED, err)
            else:
                # Timed out, failed or throttled: the listing may exist all the same. Only a lookup can tell.
                self._settle_by_lookup(op, want, intent, err)
            if isinstance(err, AuthError):
                raise ChannelStopped(err.message) from err
            return
        problem = self._implausible(remote, op.key)
        if problem is not None:  # an answer we cannot bind as is: settle it as a lost answer, by lookup
            self._settle_by_lookup(op, want, intent, UnknownOutcome(f"the create answer {problem}"))
            return
        with self.ledger.transaction():  # the binding and its run item: one commit
            self._bind(op, want, remote, intent, acknowledged=True)
            self.record(OpKind.CREATE, op.institution, op.key, ItemOutcome.OK)

    def _implausible(self, remote: Any, key: str) -> str | None:
        """Why a create's or a lookup's answer cannot be bound as it is, or None: its ids must be short printable
        texts, and the listing id must not be bound to another product already."""
        ids = [getattr(remote, "external_id", None), *(getattr(remote, "variant_ids", None) or {}).values()]
        if not isinstance(remote, Remote) or not all(_plausible_id(i) for i in ids):
            return f"carries no usable listing id ({str(ids[0])[:40]!r})"
        holder = self.ledger.bindings.holder(self.channel, remote.external_id)
        if holder is not None and holder != key:
            return f"names listing {remote.external_id}, which is {holder}'s"
        return None

    def _settle_by_lookup(self, op: Op, want: Desired, intent: str, err: AdapterError) -> None:
        try:
            with _unreadable_answer():
                found = self.adapter.find(want.listing.seller_sku, [v.seller_sku for v in want.listing.variants])
            if not found:
                with self.ledger.transaction():
                    self.ledger.bindings.resolve_intent(intent, IntentOutcome.ABSENT)
                    self.record(OpKind.CREATE, op.institution, op.key, ItemOutcome.FAILED, err)
                return
            remote = self._adopt(found, op.institution, op.key)
        except AdapterError as lookup_err:
            self.record(OpKind.CREATE, op.institution, op.key, ItemOutcome.FAILED, err,
                        message=f"{err.message}; outcome unknown, lookup failed too ({lookup_err.message}):"
                                " resolved at the next run")
            if isinstance(lookup_err, AuthError):
                raise ChannelStopped(lookup_err.message) from lookup_err
            return
        with self.ledger.transaction():
            self._bind(op, want, remote, intent, acknowledged=False)
            self.record(OpKind.CREATE, op.institution, op.key, ItemOutcome.OK,
                        message=f"created; confirmed by lookup after: {err.message}")

    def _bind(self, op: Op, want: Desired, remote: Remote, intent: str, *, acknowledged: bool) -> None:
        """A create's result. Without an acknowledgement only the ids are known: the next plan sends the rest."""
        listing = want.listing
        complete = acknowledged and set(remote.variant_ids) >= {v.seller_sku for v in listing.variants}
        self.ledger.bindings.save(
            Binding(self.channel, op.key, op.institution, listing.seller_sku, remote.external_id,
                    dict(remote.variant_ids), _status(remote.active),
                    content_fp=want.content_fp if complete else None,
                    prices=listing.sku_prices() if complete else None,
                    stock=listing.sku_stock() if complete else None),
            intent_id=intent, outcome=IntentOutcome.CREATED if acknowledged else IntentOutcome.FOUND,
        )

    # -- content -----------------------------------------------------------------------------------------------

    def _contents(self, ops: list[Op]) -> None:
        for op in ops:
            if self._interrupted():
                return
            have = self._current(op)
            if have is None or have.external_id is None or op.desired is None:
                continue
            if not self._images_ready(op, op.desired):
                continue
            try:
                with _unreadable_answer():
                    remote = self.adapter.update_content(_remote(have), op.desired.listing)
            except AuthError as err:
                self.record(OpKind.CONTENT, op.institution, op.key, ItemOutcome.FAILED, err)
                raise ChannelStopped(err.message) from err
            except Invalid as err:
                with self.ledger.transaction():
                    self.ledger.bindings.update(self.channel, op.key, invalid_fp=op.desired.content_fp,
                                                last_error=err.message)
                    self.record(OpKind.CONTENT, op.institution, op.key, ItemOutcome.INVALID, err)
                continue
            except NotFound as err:
                self._gone(op, have, err)
                continue
            except AdapterError as err:
                self.record(OpKind.CONTENT, op.institution, op.key, ItemOutcome.FAILED, err)
                continue
            with self.ledger.transaction():
                self.ledger.bindings.update(self.channel, op.key, content_fp=op.desired.content_fp,
                                            variant_ids=dict(remote.variant_ids),
                                            seller_sku=op.desired.listing.seller_sku, invalid_fp=None,
                                            last_error=None)
                self.record(OpKind.CONTENT, op.institution, op.key, ItemOutcome.OK)

    def _images_ready(self, op: Op, want: Desired) -> bool:
        """Every image of the listing on the channel before its create or content update; else the item's failure
        is recorded (invalid, or failed when it may work later), naming the catalog row, and nothing is sent."""
        try:
            with _unreadable_answer():
                for image in want.listing.images:
                    self.adapter.image_id(image)
        except AuthError as err:
            self.record(op.kind, op.institution, op.key, ItemOutcome.FAILED, err)
            raise ChannelStopped(err.message) from err
        except AdapterError as err:
            source = want.parts.product.source
            outcome = ItemOutcome.INVALID if err.error_class == ErrorClass.INVALID else ItemOutcome.FAILED
            left = "not listed in this run" if op.kind == OpKind.CREATE else "the listing stays as it was"
            self.record(op.kind, op.institution, op.key, outcome, err,
                        message=f"{source.file} row {source.row}: {err.message}; {left}")
            return False
        return True

    def _gone(self, op: Op, have: Binding, err: AdapterError) -> None:
        """The channel says the listing is gone: re-bind if the SKU is still there, else forget the binding
        so the next plan creates it again."""
        try:
            with _unreadable_answer():
                found = self.adapter.find(have.seller_sku, list(have.variant_ids))
                remote = self._adopt(found, op.institution, op.key) if found else None
        except AdapterError as lookup_err:
            self.record(op.kind, op.institution, op.key, ItemOutcome.FAILED, lookup_err)
            if isinstance(lookup_err, AuthError):
                raise ChannelStopped(lookup_err.message) from lookup_err
            return
        with self.ledger.transaction():
            if remote is not None:
                self.ledger.bindings.update(self.channel, op.key, external_id=remote.external_id,
                                            variant_ids=dict(remote.variant_ids), content_fp=None, prices=None,
                                            stock=None)
                self.record(op.kind, op.institution, op.key, ItemOutcome.FAILED, err,
                            message=f"{err.message}; re-bound by SKU")
            else:
                self.ledger.bindings.delete(self.channel, op.key)
                self.record(op.kind, op.institution, op.key, ItemOutcome.FAILED, err,
                            message=f"{err.message}; the listing is gone and will be created again")

    # -- price and stock ---------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Send the price and stock changes held back for a fuller call: the run's batches are over."""
        try:
            for kind in (OpKind.STOCK, OpKind.PRICE):
                if self._carried.get(kind):
                    self._values([], kind, final=True)
        except ChannelStopped as err:
            self.result.stopped = REDACTOR.scrub(str(err))
            self.log.error("channel_stopped", reason=str(err))

    def _values(self, ops: list[Op], kind: OpKind, *, final: bool = False) -> None:
        """Price (`OpKind.PRICE`) or stock (`OpKind.STOCK`) updates, batched the way the channel allows. Where a
        call takes many products, a last call that is not full waits for the next batch's changes (`flush` sends
        it when the batches are over), so a run of many batches makes no more calls than one batch would."""
        caps = self.adapter.capabilities
        prices = kind == OpKind.PRICE
        limit = caps.price_batch if prices else caps.stock_batch
        changes: list[tuple[Op, Change]] = []
        for op in ops:
            have = self._current(op)
            if have is None or have.external_id is None or op.desired is None:
                continue
            listing = op.desired.listing
            values = listing.sku_prices() if prices else listing.sku_stock()
            changes.append((op, Change(op.key, _remote(have), values)))
        size = (lambda c: len(c.values)) if caps.batch_across_products else (lambda c: 1)
        calls = batched(self._carried.pop(kind, []) + changes, limit, lambda pair: size(pair[1]))
        if not final and caps.batch_across_products and calls and sum(size(c) for _, c in calls[-1]) < limit:
            self._carried[kind] = calls.pop()
        for batch in calls:
            if self._interrupted():
                return
            call = self.adapter.update_prices if prices else self.adapter.update_stock
            outcomes = self._call_batch(kind, batch, call, [c for _, c in batch])
            # what the call's answer says is written in one commit, in order; a listing gone is looked up between
            for gone, answered in groupby(zip(batch, outcomes, strict=True),
                                          key=lambda pair: isinstance(pair[1].error, NotFound)):
                if gone:
                    for (op, _), outcome in answered:
                        self._gone(op, self._current(op) or op.binding, outcome.error)
                    continue
                with self.ledger.transaction(durable=False):  # a lost value is sent again: see `transaction`
                    for (op, change), outcome in answered:
                        if outcome.ok:
                            acknowledged = {"prices" if prices else "stock": change.values}
                            self.ledger.bindings.update(self.channel, op.key, **acknowledged)
                            self.record(kind, op.institution, op.key, ItemOutcome.OK)
                        elif isinstance(outcome.error, Pending):
                            self.record(kind, op.institution, op.key, ItemOutcome.PENDING, outcome.error,
                                        message=f"{outcome.error.message}; a later run sends it")
                        else:
                            self.record(kind, op.institution, op.key, _failure(outcome.error), outcome.error)

    def _call_batch(self, kind: OpKind, batch: Sequence[tuple[Op, Any]], call: Callable[..., list[Outcome]],
                    *args: Any) -> list[Outcome]:
        try:
            with _unreadable_answer():
                outcomes = call(*args)
        except AuthError as err:
            for op, _ in batch:
                self.record(kind, op.institution, op.key, ItemOutcome.FAILED, err)
            raise ChannelStopped(err.message) from err
        except AdapterError as err:
            return [Outcome(op.key, err) for op, _ in batch]
        by_key = {o.key: o for o in outcomes}
        return [by_key.get(op.key) or Outcome(op.key, AdapterError("no answer for this item")) for op, _ in batch]

    # -- delist and relist -------------------------------------------------------------------------------------

    def _set_active(self, ops: list[Op], active: bool) -> None:
        kind = OpKind.RELIST if active else OpKind.DELIST
        items: list[tuple[Op, Remote]] = []
        for op in ops:
            have = self._current(op)
            if have is not None and have.external_id is not None:
                items.append((op, _remote(have)))
        for batch in batched(items, self.adapter.capabilities.status_batch, lambda _: 1):
            if self._interrupted():
                return
            outcomes = self._call_batch(kind, batch, self.adapter.set_active,
                                        [(op.key, remote) for op, remote in batch], active)
            with self.ledger.transaction():  # what the call's answer says, in one commit
                for (op, _), outcome in zip(batch, outcomes, strict=True):
                    if outcome.ok:
                        self.ledger.bindings.update(self.channel, op.key, status=_status(active))
                        self.record(kind, op.institution, op.key, ItemOutcome.OK, message=op.reason)
                    elif isinstance(outcome.error, NotFound) and not active:
                        self.ledger.bindings.update(self.channel, op.key, status=ListingStatus.INACTIVE)
                        self.record(kind, op.institution, op.key, ItemOutcome.OK,
                                    message="already gone from the channel")
                    else:
                        self.record(kind, op.institution, op.key, _failure(outcome.error), outcome.error)


@contextlib.contextmanager
def _unreadable_answer(failure: type[AdapterError] = AdapterError) -> Iterator[None]:
    """An answer the adapter could not read (a field missing, a value of the wrong type) as that item's `failure`:
    one bad answer never stops the channel. A create passes `UnknownOutcome`: the listing may exist all the same."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise failure(f"the marketplace's answer could not be read ({type(err).__name__}: {str(err)[:80]})"
                      + ("; the write may or may not have happened" if failure is UnknownOutcome else "")) from None


def _status(active: bool) -> ListingStatus:
    return ListingStatus.ACTIVE if active else ListingStatus.INACTIVE


def _plausible_id(value: Any) -> bool:
    return (isinstance(value, str) and 0 < len(value) <= 64 and value.isprintable()
            and not any(c.isspace() for c in value))


def _failure(error: AdapterError | None) -> ItemOutcome:
    if isinstance(error, Pending):
        return ItemOutcome.PENDING
    return ItemOutcome.INVALID if isinstance(error, Invalid) else ItemOutcome.FAILED


def _remote(b: Binding) -> Remote:
    """The listing as the channel acknowledged it: ids, status, and the prices and stock it last took (so an adapter
    that updates SKU by SKU can leave out those that did not change)."""
    assert b.external_id is not None
    return Remote(b.external_id, b.seller_sku, dict(b.variant_ids), b.active, prices=dict(b.prices or {}),
                  stock=dict(b.stock or {}))
