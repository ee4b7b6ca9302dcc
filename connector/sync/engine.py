"""One sync run: catalogs -> desired listings -> plan per channel -> guards -> executor -> ledger and report.

The caller holds the sync lock. Channels run side by side, one thread each; every channel's adapter gets its
own HTTP session and rate limiter. With `dry_run` the run stops at the plan and changes nothing anywhere.
"""

from __future__ import annotations

import gc
import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path
from typing import Any

import requests

from connector.adapters.base import Adapter, AdapterError, AuthError, ErrorClass, Image
from connector.adapters.registry import UnknownAdapter, adapter_class
from connector.catalog.rejects import Reject
from connector.catalog.validation import Catalogs
from connector.config import ChannelConfig, Config
from connector.schema import Product
from connector.sync.desired import (
    CategoryMap,
    CategoryMapError,
    Desired,
    ProductParts,
    desired_listing,
    load_category_map,
    product_parts,
)
from connector.sync.executor import ChannelExecutor, ChannelResult, ChannelStopped
from connector.sync.guards import apply_guards
from connector.sync.kinds import Guard, ItemOutcome, OpKind, RunStatus
from connector.sync.ledger import Ledger
from connector.sync.ledger.model import RejectRow, RunItem, SaleLine
from connector.sync.link import Linking, match
from connector.sync.plan import Adopted, Held, Op, Plan, plan_channel

LEDGER_FILE = "ledger.sqlite"
SANDBOX_FILE = "sandbox.sqlite"
IMAGE_DOWNLOAD_TIMEOUT = 30


@dataclass
class SyncOptions:
    institutions: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    only: tuple[str, ...] = ()  # content | price | stock; empty = everything
    dry_run: bool = False
    force: bool = False
    trigger: str = "manual"  # manual | schedule
    job: str | None = None  # the daemon's job that started the run (full, stock_price, full:<institution>)


@dataclass
class SyncResult:
    run_id: str | None
    plans: list[Plan] = field(default_factory=list)
    channels: list[ChannelResult] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    invalid: list[tuple[str, str, str, str]] = field(default_factory=list)  # (channel, institution, key, why)
    refused: list[tuple[str, str, str, str]] = field(default_factory=list)  # still refused by the channel
    status: str = "ok"
    seconds: float = 0.0

    @property
    def held(self) -> list[Held]:
        return [h for p in self.plans for h in p.held]

    def counts(self) -> Counter[tuple[str, str, str, str]]:
        """(institution, channel, op, outcome) -> count, for the run summary."""
        out: Counter[tuple[str, str, str, str]] = Counter()
        for result in self.channels:
            for (institution, op, outcome), n in result.counts.items():
                out[(institution, result.channel, op, outcome)] += n
        for plan in self.plans:
            for h in plan.held:
                out[(h.op.institution, plan.channel, h.op.kind, "held")] += 1
        for channel, institution, _, _ in self.invalid:
            out[(institution, channel, "prepare", "invalid")] += 1
        for channel, institution, _, _ in self.refused:
            out[(institution, channel, "wait", "invalid")] += 1
        return out

    @property
    def exit_code(self) -> int:
        if self.held:
            return 3
        if self.rejects or self.invalid or self.refused or any(c.failed() or c.stopped for c in self.channels):
            return 1
        return 0


def ledger_path(config: Config) -> Path:
    return config.state_dir / LEDGER_FILE


@contextmanager
def channel_endpoints(config: Config, channels: list[ChannelConfig]) -> Iterator[dict[str, str]]:
    """Base URL per channel; `endpoint: sandbox` starts the embedded emulator on a loopback port for the run."""
    with ExitStack() as stack:
        sandbox_url = None
        urls = {}
        for channel in channels:
            if channel.is_sandbox:
                if sandbox_url is None:
                    from connector.sandbox import SandboxServer

                    server = SandboxServer(port=0, state_path=config.state_dir / SANDBOX_FILE)
                    server.start()
                    stack.callback(server.stop)
                    sandbox_url = server.url
                urls[channel.name] = sandbox_url
            else:
                urls[channel.name] = channel.endpoint
        yield urls


def make_adapter(channel: ChannelConfig, base_url: str, ledger: Ledger) -> Adapter:
    credentials = dict(channel.credentials)
    if channel.is_sandbox and not credentials:
        from connector.sandbox import default_credentials

        credentials = default_credentials(channel.adapter)
    cls = adapter_class(channel.adapter)
    return cls(channel.name, base_url, credentials, tokens=ledger.tokens, media=ledger.media, options=channel.options)


class _Images:
    """Image references -> `Image` (content hash for the media cache, bytes loaded only when uploading)."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self._made: dict[str, Image] = {}

    def __call__(self, ref: str) -> Image:
        image = self._made.get(ref)
        if image is None:
            image = self._made[ref] = self._image(ref)
        return image

    def _image(self, ref: str) -> Image:
        if ref.startswith("https://"):
            return Image(hashlib.sha256(ref.encode()).hexdigest(), ref.rsplit("/", 1)[-1] or "image.jpg",
                         lambda: _download(ref))
        path = Path(ref)
        return Image(self.ledger.media.file_sha256(path), path.name, path.read_bytes)


def _download(url: str) -> bytes:
    response = requests.get(url, timeout=IMAGE_DOWNLOAD_TIMEOUT)
    response.raise_for_status()
    return response.content


Progress = Callable[[str, int, int], None]  # (channel, operations done, operations planned)


class Sync:
    def __init__(self, config: Config, options: SyncOptions, *, log: Any, stop: threading.Event | None = None,
                 today: date | None = None, progress: Progress | None = None):
        self.config = config
        self.options = options
        self.log = log
        self.stop = stop or threading.Event()
        self.progress = progress
        self.catalogs = Catalogs(config, today=today)
        self.ledger = Ledger(ledger_path(config))
        self.channels = [c for c in config.channels if not options.channels or c.name in options.channels]

    def close(self) -> None:
        self.ledger.close()

    def run(self) -> SyncResult:
        started = time.monotonic()
        run_id = None
        if not self.options.dry_run:
            options: dict[str, Any] = {
                "institutions": list(self.options.institutions), "channels": [c.name for c in self.channels],
                "only": list(self.options.only), "force": self.options.force}
            if self.options.job:
                options["job"] = self.options.job
            run_id = self.ledger.runs.start(self.options.trigger, options)
        log = self.log.bind(run_id=run_id, trigger=self.options.trigger)
        log.info("sync_started", channels=[c.name for c in self.channels], institutions=list(self.options.institutions),
                 only=list(self.options.only), dry_run=self.options.dry_run)
        result = SyncResult(run_id)
        try:
            with _catalog_heap():
                desired, readable, untouchable = self._desired(result, run_id)
            self._report_invalid(result, run_id, log)
            with channel_endpoints(self.config, self.channels) as urls, ThreadPoolExecutor(
                    max_workers=max(1, len(self.channels)), thread_name_prefix="channel") as pool:
                self._share_stock(desired, urls, log)
                futures = [pool.submit(self._channel, ch, urls[ch.name], desired[ch.name], readable,
                                       untouchable[ch.name], run_id, log) for ch in self.channels]
                for future in futures:
                    plan, channel_result = future.result()
                    result.plans.append(plan)
                    if channel_result is not None:
                        result.channels.append(channel_result)
            self._report_refused(result, run_id, log)
        except BaseException:
            if run_id is not None:
                self.ledger.runs.finish(run_id, RunStatus.FAILED, {})
            raise
        finally:
            gc.unfreeze()  # this run's catalog objects become ordinary garbage again
        result.seconds = round(time.monotonic() - started, 3)
        result.status = _status(result, self.stop.is_set())
        if run_id is not None:
            self.ledger.runs.finish(run_id, result.status, _summary(result))
        _log_summary(log, result)
        if run_id is not None:  # retention: the ledger must not grow without bound
            pruned = self.ledger.runs.prune(self.config.retention_days)
            if pruned:
                log.debug("ledger_pruned", run_items=pruned, retention_days=self.config.retention_days)
        return result

    # -- sales on every channel: one shared stock -----------------------------------------------------------

    def _share_stock(self, desired: dict[str, dict[str, Desired]], urls: dict[str, str], log: Any) -> None:
        """Pull every channel's new orders, then take the units sold since staff last set each stock figure off
        every channel's desired stock. A channel whose orders cannot be read this time still shares the sales
        recorded earlier."""
        if not self.options.dry_run:
            for channel in self.channels:
                self._pull_orders(channel, urls[channel.name], desired[channel.name], log)
        catalog: dict[str, int] = {}
        for wanted in desired.values():
            for want in wanted.values():
                catalog.update(want.catalog_stock())
        sold = self.ledger.orders.sold_since_basis(catalog, record=not self.options.dry_run) if catalog else {}
        if not sold:
            return
        for wanted in desired.values():
            for want in wanted.values():
                if not sold.keys().isdisjoint(want.stock_keys.values()):
                    want.share(sold)

    def _pull_orders(self, channel: ChannelConfig, base_url: str, desired: dict[str, Desired], log: Any) -> None:
        try:
            adapter = make_adapter(channel, base_url, self.ledger)
        except (UnknownAdapter, ValueError):
            return  # the channel's own run reports why it cannot run
        try:
            lines, cursor = adapter.orders(self.ledger.orders.cursor(channel.name))
        except NotImplementedError as err:
            log.debug("orders_unsupported", channel=channel.name, reason=str(err))
            return
        except AdapterError as err:
            log.warning("orders_unavailable", channel=channel.name, error_class=err.error_class, message=err.message)
            return
        finally:
            adapter.close()
        by_sku = {sku: (want.institution, key) for want in desired.values() for sku, key in want.stock_keys.items()}
        self.ledger.orders.record(channel.name, [
            SaleLine(channel.name, line.order_id, line.seller_sku, *by_sku.get(line.seller_sku, (None, None)),
                     line.quantity, line.status, line.at.astimezone(UTC).isoformat(timespec="milliseconds"))
            for line in lines], cursor)
        if lines:
            log.info("orders_pulled", channel=channel.name, lines=len(lines))

    # -- desired state from every catalog --------------------------------------------------------------------

    def _desired(self, result: SyncResult, run_id: str | None
                 ) -> tuple[dict[str, dict[str, Desired]], set[str], dict[str, set[str]]]:
        maps: dict[str, CategoryMap | CategoryMapError] = {}
        for channel in self.channels:
            try:
                maps[channel.name] = load_category_map(channel)
            except CategoryMapError as err:
                maps[channel.name] = err
        images = _Images(self.ledger)
        desired: dict[str, dict[str, Desired]] = {c.name: {} for c in self.channels}
        untouchable: dict[str, set[str]] = {c.name: set() for c in self.channels}
        skus: dict[str, dict[str, str]] = {c.name: {} for c in self.channels}  # seller SKU -> product key
        readable: set[str] = set()
        refused: dict[str, list[Reject]] = {}
        for entry in self.catalogs.selected(self.options.institutions):
            on = [c for c in self.channels if entry.channels is None or c.name in entry.channels]
            rejects: list[Reject] = []
            for item in self.catalogs.read(entry):
                if isinstance(item, Reject):
                    rejects.append(item)
                    continue
                try:
                    parts = product_parts(item, images)  # once per product, whatever the number of channels
                except OSError as err:  # an image went missing since the catalog was read
                    parts = err
                for channel in on:
                    self._add(item, channel, entry.sku_prefix, maps[channel.name], parts, desired[channel.name],
                              skus[channel.name], untouchable[channel.name], result)
            if not any(r.reason in ("catalog_unreadable", "column_missing", "column_ambiguous") for r in rejects):
                readable.add(entry.code)
            for r in rejects:  # a refused row keeps its listing as it is: never delisted for a typo
                if r.sku:
                    for channel in on:
                        untouchable[channel.name].add(f"{entry.code}:{r.sku}")
            refused[entry.code] = rejects
            result.rejects.extend(rejects)
        self._report_rejects(refused, run_id)
        return desired, readable, untouchable

    def _add(self, product: Product, channel: ChannelConfig, prefix: str | None,
             categories: CategoryMap | CategoryMapError, parts: ProductParts | OSError, desired: dict[str, Desired],
             skus: dict[str, str], untouchable: set[str], result: SyncResult) -> None:
        try:
            if isinstance(categories, CategoryMapError):
                raise categories
            if isinstance(parts, OSError):
                raise parts
            want = desired_listing(product, channel=channel, categories=categories, sku_prefix=prefix, parts=parts)
        except (CategoryMapError, OSError) as err:
            untouchable.add(product.key)
            result.invalid.append((channel.name, product.institution, product.key, str(err)))
            return
        all_skus = [want.seller_sku, *want.variant_skus]
        clash = next((skus[s] for s in all_skus if s in skus), None)
        if clash is not None:
            for key in (product.key, clash):
                untouchable.add(key)
                desired.pop(key, None)
            other = clash
            why = f"seller SKU clash on {channel.name}: {product.key} and {other} (set sku_prefix to separate them)"
            result.invalid.append((channel.name, product.institution, product.key, why))
            result.invalid.append((channel.name, other.split(":", 1)[0], other, why))
            return
        for s in all_skus:
            skus[s] = product.key
        if product.key not in untouchable:
            desired[product.key] = want

    def _report_rejects(self, refused: dict[str, list[Reject]], run_id: str | None) -> None:
        # A refused row is a warning when it is new; one the previous reading refused too is debug, so a schedule
        # running every few minutes does not repeat the same warnings all day (the run's summary counts them).
        known = {(k.institution, k.file, k.row, k.column, k.reason, k.value)
                 for k in self.ledger.rejects.all()} if refused else set()
        for institution, rejects in refused.items():
            for r in rejects:
                seen = (institution, r.file, r.row, r.column, r.reason, r.value) in known
                (self.log.debug if seen else self.log.warning)(
                    "rejected", run_id=run_id, trigger=self.options.trigger, institution=institution, file=r.file,
                    row=r.row, column=r.column, value=r.value, reason=r.reason, message=r.message("en"))
        if run_id is not None:  # one transaction for all institutions: one disk sync, not one per catalog
            self.ledger.rejects.replace(run_id, {institution: [
                RejectRow(institution, r.file, r.row, r.column, r.value, r.reason, r.message("en"), r.message("id"),
                          r.sku) for r in rejects]
                for institution, rejects in refused.items()})

    def _report_invalid(self, result: SyncResult, run_id: str | None, log: Any) -> None:
        """Products that cannot be listed on a channel at all (category map, image file, seller SKU clash)."""
        for channel, institution, key, why in result.invalid:
            log.warning("item", channel=channel, institution=institution, key=key, op="prepare", outcome="invalid",
                        message=why)
        if run_id is not None and result.invalid:
            self.ledger.runs.record_all(run_id, [RunItem(channel, institution, key, OpKind.PREPARE, ItemOutcome.INVALID,
                                                         message=why)
                                                 for channel, institution, key, why in result.invalid])

    def _report_refused(self, result: SyncResult, run_id: str | None, log: Any) -> None:
        """Listings the channel refused earlier, waiting for their content to change: a standing problem, so
        the run still ends with problems, but said quietly (the refusal itself was logged when it happened)."""
        refused = [(p.channel, s.institution, s.key, s.why) for p in result.plans for s in p.skipped]
        for channel, institution, key, why in refused:
            log.debug("item", channel=channel, institution=institution, key=key, op="wait", outcome="invalid",
                      message=why)
        if run_id is not None and refused:
            self.ledger.runs.record_all(run_id, [RunItem(channel, institution, key, OpKind.WAIT, ItemOutcome.INVALID,
                                                         message=why)
                                                 for channel, institution, key, why in refused])
        result.refused = refused

    # -- one channel ---------------------------------------------------------------------------------------------

    def _channel(self, channel: ChannelConfig, base_url: str, desired: dict[str, Desired], readable: set[str],
                 untouchable: set[str], run_id: str | None, log: Any) -> tuple[Plan, ChannelResult | None]:
        try:
            adapter = make_adapter(channel, base_url, self.ledger)
        except (UnknownAdapter, ValueError) as err:  # e.g. a credential missing: this channel cannot run
            log.error("channel_stopped", channel=channel.name, reason=str(err))
            return Plan(channel.name), ChannelResult(channel.name, stopped=str(err))
        try:
            executor = ChannelExecutor(adapter, self.ledger, run_id or "dry-run", log=log, stop=self.stop,
                                       progress=self.progress)
            pending: set[str] = set()
            if not self.options.dry_run:
                try:
                    pending = executor.resolve_intents()
                except ChannelStopped as err:
                    executor.result.stopped = str(err)
                    return Plan(channel.name), executor.result
            else:
                pending = {i.product_key for i in self.ledger.bindings.open_intents(channel.name)}
            linking = None
            if not self.ledger.bindings.linked(channel.name):  # never linked: adopt what the shop already has first
                try:
                    linking = self._auto_link(adapter, desired, readable, run_id, log)
                except ChannelStopped as err:
                    log.error("channel_stopped", channel=channel.name, reason=str(err))
                    return Plan(channel.name), ChannelResult(channel.name, stopped=str(err))
            bindings = self.ledger.bindings.all(channel.name)
            conflicts = {key: c.reason for key, c in self.ledger.bindings.link_conflicts(channel.name).items()}
            if linking is not None and self.options.dry_run:  # nothing recorded: plan as if it were
                bindings.update((b.product_key, b) for b in linking.bindings())
                conflicts.update((c.key, c.reason) for c in linking.conflicts)
            elif linking is not None:
                for m in linking.matched:
                    executor.record(OpKind.ADOPT, m.desired.institution, m.desired.listing.key, ItemOutcome.OK,
                                    message=f"adopted listing {m.remote.external_id}")
            plan = plan_channel(channel.name, {k: d for k, d in desired.items() if k not in conflicts}, bindings,
                                readable=readable, untouchable=untouchable | set(conflicts),
                                only=set(self.options.only) or None, unsettled=pending)
            if linking is not None:
                plan.adopted = [Adopted(m.desired.listing.key, m.desired.institution, m.remote.external_id)
                                for m in linking.matched]
            if not self.options.force:
                apply_guards(plan, bindings, self.config.guards)
            for key, reason in sorted(conflicts.items()):  # held until a link matches them, --force or not
                want, have = desired.get(key), bindings.get(key)
                if want is not None and (have is None or have.external_id is None):
                    plan.held.append(Held(Op(OpKind.CREATE, channel.name, key, want.institution, want),
                                          Guard.LINK_CONFLICT, f"{reason}; held until `pasindo link` matches it"))
            for held in plan.held:
                log.warning("held", channel=channel.name, institution=held.op.institution, key=held.op.key,
                            op=held.op.kind, guard=held.guard, message=held.message)
                if run_id is not None:
                    self.ledger.runs.record(run_id, RunItem(channel.name, held.op.institution, held.op.key,
                                                            held.op.kind, ItemOutcome.HELD, ErrorClass.GUARD,
                                                            held.guard, held.message))
            if self.options.dry_run:
                return plan, None
            return plan, executor.execute(plan)
        except Exception as err:  # a defect in one channel must not take the others down: report it, go on
            log.exception("channel_failed", channel=channel.name, error=f"{type(err).__name__}: {err}")
            return Plan(channel.name), ChannelResult(channel.name, stopped=f"internal error: {type(err).__name__}")
        finally:
            adapter.close()


    # -- adopting existing listings ---------------------------------------------------------------------------

    def link(self) -> list[tuple[Linking | None, str | None]]:
        """`pasindo link`: match every selected channel's listings to the catalogs and record the bindings (unless
        dry run). Per channel: the linking, or None and why the channel could not be linked."""
        desired, readable, _ = self._desired(SyncResult(None), None)
        out: list[tuple[Linking | None, str | None]] = []
        with channel_endpoints(self.config, self.channels) as urls:
            for channel in self.channels:
                try:
                    adapter = make_adapter(channel, urls[channel.name], self.ledger)
                except (UnknownAdapter, ValueError) as err:
                    out.append((None, str(err)))
                    continue
                try:
                    out.append((self._link(adapter, desired[channel.name], readable, None), None))
                except NotImplementedError as err:
                    out.append((None, str(err)))
                except AdapterError as err:
                    out.append((None, f"cannot read the channel's listings: {err.message}"))
                finally:
                    adapter.close()
        return out

    def _link(self, adapter: Adapter, desired: dict[str, Desired], readable: set[str], run_id: str | None) -> Linking:
        """Match the channel's listings to `desired` and, unless dry run, record the bindings and conflicts. The
        channel counts as linked only when every institution's catalog was read (else a product missing from this
        reading would be created beside its hand-made listing later)."""
        linking = match(adapter.channel, desired, adapter.listings(), self.ledger.bindings.all(adapter.channel))
        if not self.options.dry_run:
            everyone = {i.code for i in self.config.institutions}
            scope = (set(self.options.institutions) or everyone) & readable
            self.ledger.bindings.record_link(adapter.channel, linking.bindings(), linking.conflicts,
                                             institutions=scope, complete=scope == everyone, run_id=run_id)
        return linking

    def _auto_link(self, adapter: Adapter, desired: dict[str, Desired], readable: set[str], run_id: str | None,
                   log: Any) -> Linking | None:
        """Link a channel before its first sync creates anything. A channel whose listings cannot be read is
        stopped for this run rather than risk duplicates; an adapter that cannot list at all is linked as empty."""
        try:
            linking = self._link(adapter, desired, readable, run_id)
        except NotImplementedError as err:
            log.warning("link_unsupported", channel=adapter.channel, reason=str(err))
            if not self.options.dry_run:
                self.ledger.bindings.record_link(adapter.channel, [], [], institutions=set(), complete=True,
                                                 run_id=run_id)
            return None
        except AuthError as err:
            raise ChannelStopped(err.message) from err
        except AdapterError as err:
            raise ChannelStopped(f"cannot read the channel's listings to adopt them before creating any "
                                 f"({err.message}); nothing is created until they can be read") from err
        # Worth an operator's eye only when something was adopted or is in conflict; otherwise it is routine.
        level = log.info if linking.matched or linking.conflicts else log.debug
        level("linked", channel=adapter.channel, adopted=len(linking.matched), to_create=len(linking.to_create),
              unknown=len(linking.unknown), conflicts=len(linking.conflicts))
        return linking


@contextmanager
def _catalog_heap() -> Iterator[None]:
    """Reading every catalog builds tens of thousands of long-lived objects; Python's cycle collector would
    rescan them again and again, during the reading and during the rest of the run (a fifth of a no-change run's
    time). So the collector pauses while they are built (reference counting still frees garbage), and what the
    run keeps is then frozen out of its scans; `Sync.run` unfreezes it at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _status(result: SyncResult, interrupted: bool) -> str:
    if interrupted or any(c.interrupted for c in result.channels):
        return "interrupted"
    return {0: "ok", 1: "problems", 3: "held"}[result.exit_code]


def _summary(result: SyncResult) -> dict[str, Any]:
    return {
        "seconds": result.seconds,
        "rejects": len(result.rejects),
        "held": len(result.held),
        "stopped": {c.channel: c.stopped for c in result.channels if c.stopped},
        "counts": [
            {"institution": i, "channel": ch, "op": op, "outcome": outcome, "count": n}
            for (i, ch, op, outcome), n in sorted(result.counts().items())
        ],
    }


def _log_summary(log: Any, result: SyncResult) -> None:
    summary = _summary(result)
    level = log.info if result.status == "ok" else log.warning
    level("sync_finished", status=result.status, **summary)
