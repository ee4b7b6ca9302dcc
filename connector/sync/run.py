"""One sync run, as a short pipeline of named steps; the caller holds the sync lock.

skip unchanged catalogs (`skip.py`) -> pull the orders (a skipped catalog whose units sold moved is read after
all) -> read the others a batch of institutions at a time (`batch.py`): what each channel can list, units sold,
desired state (made once, never changed) -> per channel, side by side, each batch as it comes: settle, link, plan,
guards, execute, report -> one run record and summary. With `dry_run` the run stops at the plan and changes
nothing anywhere: no run record, no order pull, no binding, no call that writes.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from connector.adapters.base import AdapterError
from connector.adapters.registry import UnknownAdapter
from connector.catalog.validation import Catalogs
from connector.config import ChannelConfig, Config
from connector.sync.adapter import make_adapter
from connector.sync.batch import (
    BATCH_PRODUCTS,
    Feed,
    Reader,
    Stream,
    channel_category_map,
    channel_listing_rules,
)
from connector.sync.channel import ChannelOutcome, RunContext, for_channel, link_channel, sync_channel
from connector.sync.desired import Desired, desired_state
from connector.sync.endpoints import channel_endpoints
from connector.sync.images import Images
from connector.sync.kinds import RunStatus
from connector.sync.ledger import Ledger
from connector.sync.ledger.connection import now
from connector.sync.ledger.marks import Mark
from connector.sync.options import Progress, SyncOptions
from connector.sync.restore import check_restored, note_run
from connector.sync.result import ChannelLink, SyncResult
from connector.sync.skip import Inputs, kept_rejects, skippable, sold_changed, taken_in_full
from connector.sync.sold import pull_all
from connector.sync.summary import log_summary, report_refused, run_summary, still_refused

__all__ = ["LEDGER_FILE", "Sync", "SyncOptions", "SyncResult", "channel_category_map", "channel_listing_rules",
           "ledger_path"]

LEDGER_FILE = "ledger.sqlite"


def ledger_path(config: Config) -> Path:
    return config.state_dir / LEDGER_FILE


class Sync:
    def __init__(self, config: Config, options: SyncOptions, *, log: Any, stop: threading.Event | None = None,
                 today: date | None = None, progress: Progress | None = None, batch_products: int = BATCH_PRODUCTS):
        self.config = config
        self.options = options
        self.log = log
        self.stop = stop or threading.Event()
        self.progress = progress
        self.batch_products = batch_products  # products per batch (`batch.py`)
        self.catalogs = Catalogs(config, today=today)
        self.ledger = Ledger(ledger_path(config))
        self.channels = [c for c in config.channels if not options.channels or c.name in options.channels]
        self.inputs = self._inputs()

    def close(self) -> None:
        self.ledger.close()

    def run(self) -> SyncResult:
        started = time.monotonic()
        if not self.options.dry_run:
            check_restored(self.config.state_dir, self.ledger, self.log)
        run_id = self._start_run()
        log = self.log.bind(run_id=run_id, trigger=self.options.trigger)
        log.info("sync_started", channels=[c.name for c in self.channels], institutions=list(self.options.institutions),
                 only=list(self.options.only), dry_run=self.options.dry_run)
        result = SyncResult(run_id, sandbox=[c.name for c in self.channels if c.is_sandbox])
        try:
            self._steps(result, log)
        except BaseException:
            if run_id is not None:
                self.ledger.runs.finish(run_id, RunStatus.FAILED, {})
            raise
        result.seconds = round(time.monotonic() - started, 3)
        result.outcome = run_outcome(result)
        result.status = RunStatus.INTERRUPTED if self._interrupted(result) else result.outcome
        self._finish_run(result, log)
        return result

    def _steps(self, result: SyncResult, log: Any) -> None:
        self.inputs = self._inputs()
        with channel_endpoints(self.config, self.channels) as urls:
            reader = Reader(self.config, self.options, self.catalogs, self.channels, self.ledger, self.inputs, log,
                            result.run_id, urls, Images(self.ledger))  # an image is checked once per run
            stream = self._stream(reader, log)
            ctx = RunContext(self.config, self.options, self.ledger, log, result.run_id, stop=self.stop,
                             progress=self.progress)
            for plan, channel_result in self._channels(ctx, urls, stream):
                result.plans.append(plan)
                if channel_result is not None:
                    result.channels.append(channel_result)
        kept = kept_rejects(self.ledger, stream.skipped)
        for r in kept:  # as a reading logs a refusal it found before: debug
            log.debug("rejected", institution=r.institution, file=r.file, row=r.row, column=r.column,
                      value=r.value, reason=r.reason, message=r.message("en"))
        if stream.skipped:
            log.debug("catalogs_unchanged", skipped=len(stream.skipped), read=len(stream.read),
                      batches=stream.batches)
        result.rejects = stream.rejects + kept
        result.skipped = sorted(stream.skipped)
        result.invalid = stream.invalid
        result.refused = still_refused(result.plans)
        report_refused(result.refused, self.ledger, result.run_id, log, sandbox=set(result.sandbox), rows=ctx.rows)
        if result.run_id is not None:
            self._mark(result, stream)

    def _inputs(self) -> Inputs:
        """What this run's readings depend on, fingerprinted once per run."""
        return Inputs(self.config)

    def _stream(self, reader: Reader, log: Any) -> Stream:
        """Which catalogs need reading (`skip.py`), the orders pulled (attributed through the bindings: the
        catalogs are read batch by batch afterwards), and the batches to come. A skipped catalog whose units sold
        moved is read after all; so is one holding a seller SKU a batch uses (`Stream`)."""
        selected = self.catalogs.selected(self.options.institutions)
        pulled_at = now()
        # The orders are pulled on a thread of their own (they wait on calls) while the skip check runs here.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="orders") as pool:
            pulling = None
            if not self.options.dry_run:
                prefixes = {i.code: i.sku_prefix for i in self.config.institutions}
                pulling = pool.submit(pull_all, self.channels, {c.name: {} for c in self.channels}, self.ledger,
                                      reader.connect, log, bound=prefixes)
            self.inputs.before_reading(selected)
            skipped = set() if self.options.force else skippable(self.inputs, self.ledger, selected, self.channels,
                                                                  self.catalogs.today)
            if pulling is not None:
                pulling.result()
        skipped -= sold_changed(self.ledger, skipped, self.channels)
        return Stream(reader, selected, skipped, self.catalogs.today, pulled_at, size=self.batch_products,
                      stop=self.stop)

    def _mark(self, result: SyncResult, stream: Stream) -> None:
        """Mark the readings every channel of this run took in full, so the next run can skip them."""
        if self.options.only or self._interrupted(result):
            return
        taken = taken_in_full(result, stream.readable, stream.spoilt)
        marked = {i for names in taken.values() for i in names}
        sold = self.ledger.marks.sold(marked)
        self.ledger.marks.record(result.run_id, (), [
            Mark(i, channel, fp, sold[i]) for (i, channel), fp in stream.fingerprints.items()
            if i in taken.get(channel, ())])

    def _channels(self, ctx: RunContext, urls: dict[str, str], stream: Stream) -> list[ChannelOutcome]:
        """Every channel side by side, one thread each (each adapter has its own session and rate limiter), fed
        the batches as this thread reads them."""
        feeds = {ch.name: Feed() for ch in self.channels}
        with ThreadPoolExecutor(max_workers=max(1, len(self.channels)), thread_name_prefix="channel") as pool:
            futures = [pool.submit(sync_channel, ctx, ch, urls[ch.name], feeds[ch.name]) for ch in self.channels]
            try:
                for batch in stream:
                    for feed in feeds.values():
                        feed.put(batch)
            finally:
                for feed in feeds.values():
                    feed.end()
            return [future.result() for future in futures]

    # -- the run record -------------------------------------------------------------------------------------

    def _start_run(self) -> str | None:
        if self.options.dry_run:
            return None
        options: dict[str, Any] = {
            "institutions": list(self.options.institutions), "channels": [c.name for c in self.channels],
            "only": list(self.options.only), "force": self.options.force}
        if self.options.job:
            options["job"] = self.options.job
        return self.ledger.runs.start(self.options.trigger, options)

    def _interrupted(self, result: SyncResult) -> bool:
        return self.stop.is_set() or any(c.interrupted for c in result.channels)

    def _finish_run(self, result: SyncResult, log: Any) -> None:
        if result.run_id is not None:
            self.ledger.runs.finish(result.run_id, result.status, run_summary(result))
            note_run(self.config.state_dir, result.run_id)
        log_summary(log, result)
        if result.run_id is not None:  # retention: the ledger must not grow without bound
            pruned = self.ledger.runs.prune(self.config.retention_days)
            if pruned:
                log.debug("ledger_pruned", run_items=pruned, retention_days=self.config.retention_days)

    # -- adopting existing listings (`pasindo link`) ----------------------------------------------------------

    def link(self) -> list[ChannelLink]:
        """Match every selected channel's listings to the catalogs and record the bindings (unless dry run)."""
        log = self.log.bind(run_id=None, trigger=self.options.trigger)
        with channel_endpoints(self.config, self.channels) as urls:
            reader = Reader(self.config, self.options, self.catalogs, self.channels, self.ledger, self.inputs, log,
                            None, urls, Images(self.ledger))
            reading = reader.read(self.options.institutions)
            listables = reader.listable(reading)
            ctx = RunContext(self.config, self.options, self.ledger, log, readable=frozenset(reading.readable))
            return [self._link_one(ctx, channel, urls[channel.name],
                                   desired_state(listables[channel.name].candidates, channel))
                    for channel in self.channels]

    def _link_one(self, ctx: RunContext, channel: ChannelConfig, base_url: str, desired: dict[str, Desired]
                  ) -> ChannelLink:
        try:
            adapter = make_adapter(channel, base_url, self.ledger)
        except (UnknownAdapter, ValueError) as err:
            return ChannelLink(channel.name, None, str(err))
        try:
            return ChannelLink(channel.name, link_channel(for_channel(ctx, channel), adapter, desired))
        except NotImplementedError as err:
            return ChannelLink(channel.name, None, str(err))
        except AdapterError as err:
            return ChannelLink(channel.name, None, f"cannot read the channel's listings: {err.message}")
        finally:
            adapter.close()


def run_outcome(result: SyncResult) -> RunStatus:
    """What the run came to: held when a guard held something back, else problems or ok."""
    if result.held:
        return RunStatus.HELD
    return RunStatus.PROBLEMS if result.problems() else RunStatus.OK
