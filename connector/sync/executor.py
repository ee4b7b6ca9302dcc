"""The executor: applies one channel's plan through its adapter, recording only what the channel acknowledged.

Order within a channel: delist, content, relist, stock, price, create — content before stock and price so new
variants have ids, relist before stock because some marketplaces (TikTok Shop) update stock only on live
listings; creates last because they are the slowest. One item's failure never stops the others; an
authentication failure stops the channel for this run. Creation is idempotent: an intent is committed before
the call, and any doubt about the outcome is settled by looking the seller SKU up, never by a blind retry.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from connector.adapters.base import (
    Adapter,
    AdapterError,
    AuthError,
    Change,
    Invalid,
    NotFound,
    Outcome,
    Remote,
    batched,
)
from connector.sync.desired import Desired
from connector.sync.ledger import Binding, Ledger
from connector.sync.plan import CONTENT, CREATE, DELIST, PRICE, RELIST, STOCK, Op, Plan

ORDER = (DELIST, CONTENT, RELIST, STOCK, PRICE, CREATE)


class ChannelStopped(Exception):
    """The channel cannot go on in this run (authentication failed)."""


@dataclass
class ChannelResult:
    channel: str
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (institution, op, outcome)
    stopped: str | None = None
    interrupted: bool = False

    def failed(self) -> int:
        return sum(n for (_, _, outcome), n in self.counts.items() if outcome != "ok")


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
        self._planned = self._done = 0

    # -- recording -------------------------------------------------------------------------------------------

    def record(self, op: str, institution: str | None, key: str | None, outcome: str,
               error: AdapterError | None = None, message: str | None = None) -> None:
        message = message or (error.message if error else None)
        self.ledger.record_item(self.run_id, self.channel, institution, key, op, outcome,
                                error_class=error.error_class if error else None,
                                code=error.code if error else None, message=message)
        self.result.counts[(institution or "-", op, outcome)] += 1
        if self.progress is not None and self._planned and op != "resolve":
            self._done = min(self._done + 1, self._planned)
            self.progress(self.channel, self._done, self._planned)
        if outcome == "ok":  # routine: the run's summary counts it, `pasindo report` lists the rest
            self.log.debug("item", op=op, institution=institution, key=key, outcome=outcome, message=message)
        else:
            self.log.warning("item", op=op, institution=institution, key=key, outcome=outcome,
                             error_class=error.error_class if error else None,
                             code=error.code if error else None, message=message)

    # -- unresolved creates from earlier runs ---------------------------------------------------------------

    def resolve_intents(self) -> set[str]:
        """Settle creates whose outcome is unknown by looking up their SKU. Returns keys still unresolved."""
        unresolved: set[str] = set()
        for intent in self.ledger.open_intents(self.channel):
            key, institution = intent["product_key"], intent["institution"]
            try:
                found = self.adapter.find(intent["seller_sku"], json.loads(intent["variant_skus"] or "[]"))
            except AuthError as err:
                self.record("resolve", institution, key, "failed", err)
                raise ChannelStopped(err.message) from err
            except AdapterError as err:
                self.record("resolve", institution, key, "failed", err)
                unresolved.add(key)
                continue
            if not found:
                self.ledger.resolve_intent(intent["intent_id"], "absent")
                continue
            remote = self._adopt(found, institution, key)
            self.ledger.save_binding(
                Binding(self.channel, key, institution, intent["seller_sku"], remote.external_id,
                        dict(remote.variant_ids), "active" if remote.active else "inactive"),
                intent_id=intent["intent_id"], outcome="found",
            )
            self.log.info("intent_resolved", key=key, external_id=remote.external_id)
        return unresolved

    def _adopt(self, found: list[Remote], institution: str, key: str) -> Remote:
        found = sorted(found, key=lambda r: (len(r.external_id), r.external_id))
        if len(found) > 1:
            ids = ", ".join(r.external_id for r in found)
            self.record("resolve", institution, key, "failed",
                        message=f"{len(found)} listings carry this seller SKU ({ids}); kept {found[0].external_id},"
                                " remove the others in the seller centre")
        return found[0]

    # -- the plan ----------------------------------------------------------------------------------------------

    def execute(self, plan: Plan) -> ChannelResult:
        by_kind: dict[str, list[Op]] = {kind: [] for kind in ORDER}
        for op in plan.ops:
            by_kind[op.kind].append(op)
        self._planned = len(plan.ops)
        if self.progress is not None:
            self.progress(self.channel, 0, self._planned)
        steps: dict[str, Callable[[list[Op]], None]] = {
            DELIST: lambda ops: self._set_active(ops, False), CONTENT: self._contents,
            STOCK: lambda ops: self._values(ops, "stock"), PRICE: lambda ops: self._values(ops, "price"),
            RELIST: lambda ops: self._set_active(ops, True), CREATE: self._creates,
        }
        try:
            for kind in ORDER:
                if by_kind[kind]:
                    steps[kind](by_kind[kind])
        except ChannelStopped as err:
            self.result.stopped = str(err)
            self.log.error("channel_stopped", reason=str(err))
        if self.progress is not None and not (self.result.stopped or self.result.interrupted):
            self.progress(self.channel, self._planned, self._planned)
        return self.result

    def _interrupted(self) -> bool:
        if self.stop.is_set():
            self.result.interrupted = True
        return self.result.interrupted

    def _current(self, op: Op) -> Binding | None:
        """The binding as the ledger has it now (an earlier step of this run may have moved it)."""
        return self.ledger.binding(self.channel, op.key)

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
        intent = self.ledger.begin_intent(self.channel, op.key, op.institution, listing.seller_sku, CREATE,
                                          self.run_id, [v.seller_sku for v in listing.variants])
        try:
            remote = self.adapter.create(listing, intent)
        except AdapterError as err:
            if err.remote is not None:  # the listing exists, part of the create failed: bind it, updates finish it
                self._bind(op, want, err.remote, intent, acknowledged=False)
                self.record(CREATE, op.institution, op.key, "failed", err,
                            message=f"listing created but not complete ({err.message}); the next sync completes it")
            elif isinstance(err, Invalid):
                self.ledger.save_binding(
                    Binding(self.channel, op.key, op.institution, listing.seller_sku, invalid_fp=want.content_fp,
                            last_error=err.message), intent_id=intent, outcome="invalid")
                self.record(CREATE, op.institution, op.key, "invalid", err)
            elif isinstance(err, AuthError):
                self.ledger.resolve_intent(intent, "auth")
                self.record(CREATE, op.institution, op.key, "failed", err)
            else:
                # Timed out, failed or throttled: the listing may exist all the same. Only a lookup can tell.
                self._settle_by_lookup(op, want, intent, err)
            if isinstance(err, AuthError):
                raise ChannelStopped(err.message) from err
            return
        self._bind(op, want, remote, intent, acknowledged=True)
        self.record(CREATE, op.institution, op.key, "ok")

    def _settle_by_lookup(self, op: Op, want: Desired, intent: str, err: AdapterError) -> None:
        try:
            found = self.adapter.find(want.listing.seller_sku, [v.seller_sku for v in want.listing.variants])
        except AdapterError as lookup_err:
            self.record(CREATE, op.institution, op.key, "failed", err,
                        message=f"{err.message}; outcome unknown, lookup failed too ({lookup_err.message}):"
                                " resolved at the next run")
            return
        if not found:
            self.ledger.resolve_intent(intent, "absent")
            self.record(CREATE, op.institution, op.key, "failed", err)
            return
        remote = self._adopt(found, op.institution, op.key)
        self._bind(op, want, remote, intent, acknowledged=False)
        self.record(CREATE, op.institution, op.key, "ok", message=f"created; confirmed by lookup after: {err.message}")

    def _bind(self, op: Op, want: Desired, remote: Remote, intent: str, *, acknowledged: bool) -> None:
        """A create's result. Without an acknowledgement only the ids are known: the next plan sends the rest."""
        listing = want.listing
        complete = acknowledged and set(remote.variant_ids) >= {v.seller_sku for v in listing.variants}
        self.ledger.save_binding(
            Binding(self.channel, op.key, op.institution, listing.seller_sku, remote.external_id,
                    dict(remote.variant_ids), "active" if remote.active else "inactive",
                    content_fp=want.content_fp if complete else None,
                    prices=listing.sku_prices() if complete else None,
                    stock=listing.sku_stock() if complete else None),
            intent_id=intent, outcome="created" if acknowledged else "found",
        )

    # -- content -----------------------------------------------------------------------------------------------

    def _contents(self, ops: list[Op]) -> None:
        for op in ops:
            if self._interrupted():
                return
            have = self._current(op)
            if have is None or have.external_id is None or op.desired is None:
                continue
            try:
                remote = self.adapter.update_content(_remote(have), op.desired.listing)
            except AuthError as err:
                self.record(CONTENT, op.institution, op.key, "failed", err)
                raise ChannelStopped(err.message) from err
            except Invalid as err:
                self.ledger.update_binding(self.channel, op.key, invalid_fp=op.desired.content_fp,
                                           last_error=err.message)
                self.record(CONTENT, op.institution, op.key, "invalid", err)
                continue
            except NotFound as err:
                self._gone(op, have, err)
                continue
            except AdapterError as err:
                self.record(CONTENT, op.institution, op.key, "failed", err)
                continue
            self.ledger.update_binding(self.channel, op.key, content_fp=op.desired.content_fp,
                                       variant_ids=dict(remote.variant_ids), seller_sku=op.desired.listing.seller_sku,
                                       invalid_fp=None, last_error=None)
            self.record(CONTENT, op.institution, op.key, "ok")

    def _gone(self, op: Op, have: Binding, err: AdapterError) -> None:
        """The channel says the listing is gone: re-bind if the SKU is still there, else forget the binding
        so the next plan creates it again."""
        try:
            found = self.adapter.find(have.seller_sku, list(have.variant_ids))
        except AdapterError as lookup_err:
            self.record(op.kind, op.institution, op.key, "failed", lookup_err)
            return
        if found:
            remote = self._adopt(found, op.institution, op.key)
            self.ledger.update_binding(self.channel, op.key, external_id=remote.external_id,
                                       variant_ids=dict(remote.variant_ids), content_fp=None, prices=None, stock=None)
            self.record(op.kind, op.institution, op.key, "failed", err, message=f"{err.message}; re-bound by SKU")
        else:
            self.ledger.delete_binding(self.channel, op.key)
            self.record(op.kind, op.institution, op.key, "failed", err,
                        message=f"{err.message}; the listing is gone and will be created again")

    # -- price and stock ---------------------------------------------------------------------------------------

    def _values(self, ops: list[Op], aspect: str) -> None:
        caps = self.adapter.capabilities
        limit = caps.price_batch if aspect == "price" else caps.stock_batch
        op_kind = PRICE if aspect == "price" else STOCK
        changes: list[tuple[Op, Change]] = []
        for op in ops:
            have = self._current(op)
            if have is None or have.external_id is None or op.desired is None:
                continue
            listing = op.desired.listing
            values = listing.sku_prices() if aspect == "price" else listing.sku_stock()
            changes.append((op, Change(op.key, _remote(have), values)))
        size = (lambda c: len(c.values)) if caps.batch_across_products else (lambda c: 1)
        for batch in batched(changes, limit, lambda pair: size(pair[1])):
            if self._interrupted():
                return
            call = self.adapter.update_prices if aspect == "price" else self.adapter.update_stock
            outcomes = self._call_batch(op_kind, batch, call, [c for _, c in batch])
            for (op, change), outcome in zip(batch, outcomes, strict=True):
                if outcome.ok:
                    self.ledger.update_binding(self.channel, op.key, **{"prices" if aspect == "price" else "stock":
                                                                        change.values})
                    self.record(op_kind, op.institution, op.key, "ok")
                elif isinstance(outcome.error, NotFound):
                    self._gone(op, self._current(op) or op.binding, outcome.error)
                else:
                    self.record(op_kind, op.institution, op.key,
                                "invalid" if isinstance(outcome.error, Invalid) else "failed", outcome.error)

    def _call_batch(self, kind: str, batch: Sequence[tuple[Op, Any]], call: Callable[..., list[Outcome]],
                    *args: Any) -> list[Outcome]:
        try:
            outcomes = call(*args)
        except AuthError as err:
            for op, _ in batch:
                self.record(kind, op.institution, op.key, "failed", err)
            raise ChannelStopped(err.message) from err
        except AdapterError as err:
            return [Outcome(op.key, err) for op, _ in batch]
        by_key = {o.key: o for o in outcomes}
        return [by_key.get(op.key) or Outcome(op.key, AdapterError("no answer for this item")) for op, _ in batch]

    # -- delist and relist -------------------------------------------------------------------------------------

    def _set_active(self, ops: list[Op], active: bool) -> None:
        kind = RELIST if active else DELIST
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
            for (op, _), outcome in zip(batch, outcomes, strict=True):
                if outcome.ok:
                    self.ledger.update_binding(self.channel, op.key, status="active" if active else "inactive")
                    self.record(kind, op.institution, op.key, "ok", message=op.reason)
                elif isinstance(outcome.error, NotFound) and not active:
                    self.ledger.update_binding(self.channel, op.key, status="inactive")
                    self.record(kind, op.institution, op.key, "ok", message="already gone from the channel")
                else:
                    self.record(kind, op.institution, op.key,
                                "invalid" if isinstance(outcome.error, Invalid) else "failed", outcome.error)


def _remote(b: Binding) -> Remote:
    assert b.external_id is not None
    return Remote(b.external_id, b.seller_sku, dict(b.variant_ids), b.status == "active")
