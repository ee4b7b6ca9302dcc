"""One sync run, as a short pipeline of named steps; the caller holds the sync lock.

skip unchanged catalogs (`skip.py`) -> read the others -> what each channel can list -> units sold (orders pulled,
ledger updated; a skipped catalog whose units sold moved is read after all) -> desired state (made once, never
changed) -> per channel, side by side: settle, link, plan, guards, execute, report -> one run
record and summary. With `dry_run` the run stops at the plan and changes nothing anywhere: no run record, no
order pull, no binding, no call that writes.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from connector.adapters.base import Adapter, AdapterError, ListingRules
from connector.adapters.registry import UnknownAdapter, adapter_class
from connector.catalog.validation import Catalogs
from connector.category_maps import CategoryMap, CategoryMapError, load_category_map
from connector.config import ChannelConfig, Config
from connector.sync.adapter import make_adapter
from connector.sync.catalogs import CatalogReading, catalog_heap, read_catalogs, report_rejects
from connector.sync.channel import ChannelOutcome, RunContext, for_channel, link_channel, sync_channel
from connector.sync.desired import Desired, desired_state
from connector.sync.endpoints import channel_endpoints
from connector.sync.images import Images
from connector.sync.kinds import RunStatus
from connector.sync.ledger import Ledger
from connector.sync.listable import Listable, listable
from connector.sync.options import Progress, SyncOptions
from connector.sync.restore import check_restored, note_run
from connector.sync.result import ChannelLink, SyncResult
from connector.sync.rules import channel_rules
from connector.sync.skip import (
    Inputs,
    clashing,
    kept_rejects,
    new_marks,
    reading_record,
    skippable,
    sold_changed,
    taken_in_full,
)
from connector.sync.sold import pull_all, sold_units
from connector.sync.summary import log_summary, product_rows, report_invalid, report_refused, run_summary, still_refused

__all__ = ["LEDGER_FILE", "Sync", "SyncOptions", "SyncResult", "ledger_path"]

LEDGER_FILE = "ledger.sqlite"


def ledger_path(config: Config) -> Path:
    return config.state_dir / LEDGER_FILE


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
        finally:
            gc.unfreeze()  # this run's catalog objects become ordinary garbage again
        result.seconds = round(time.monotonic() - started, 3)
        result.outcome = run_outcome(result)
        result.status = RunStatus.INTERRUPTED if self._interrupted(result) else result.outcome
        self._finish_run(result, log)
        return result

    def _steps(self, result: SyncResult, log: Any) -> None:
        with channel_endpoints(self.config, self.channels) as urls:
            reading, listables, skipped = self._catalogs(result.run_id, urls, log)
            kept = kept_rejects(self.ledger, skipped)
            for r in kept:  # as a reading logs a refusal it found before: debug
                log.debug("rejected", institution=r.institution, file=r.file, row=r.row, column=r.column,
                          value=r.value, reason=r.reason, message=r.message("en"))
            result.rejects = reading.all_rejects() + kept
            result.skipped = sorted(skipped)
            result.invalid = [u for lst in listables.values() for u in lst.invalid]
            rows = product_rows(reading)
            report_invalid(result.invalid, self.ledger, result.run_id, log, sandbox=set(result.sandbox),
                           adapted=[u for lst in listables.values() for u in lst.adapted], rows=rows,
                           read=reading.read if skipped else None)
            sold = sold_units(self.channels, {name: lst.candidates for name, lst in listables.items()}, self.ledger,
                              self._connector(urls), log, dry_run=self.options.dry_run, pulled=True)
            with catalog_heap():
                desired = {c.name: desired_state(listables[c.name].candidates, c, sold) for c in self.channels}
            ctx = RunContext(self.config, self.options, self.ledger, log, result.run_id, frozenset(reading.readable),
                             self.stop, self.progress, frozenset(skipped))
            for plan, channel_result in self._channels(ctx, urls, desired, listables):
                result.plans.append(plan)
                if channel_result is not None:
                    result.channels.append(channel_result)
        result.refused = still_refused(result.plans)
        report_refused(result.refused, self.ledger, result.run_id, log, sandbox=set(result.sandbox), rows=rows)
        if result.run_id is not None:
            self._mark(result, reading, listables)

    def _inputs(self) -> Inputs:
        """What this run's readings depend on, fingerprinted once per run."""
        return Inputs(self.config)

    def _connector(self, urls: dict[str, str]) -> Callable[[ChannelConfig], Adapter]:
        return lambda ch: make_adapter(ch, urls[ch.name], self.ledger)

    def _catalogs(self, run_id: str | None, urls: dict[str, str], log: Any
                  ) -> tuple[CatalogReading, dict[str, Listable], set[str]]:
        """Read the catalogs that changed (`skip.py`), work out what each channel can list, pull the orders; then
        read too the skipped catalogs whose units sold moved or that hold a seller SKU a changed one now uses, until
        none is left. Returns the reading, the listables and the institutions still skipped."""
        self.inputs, images = self._inputs(), Images(self.ledger)  # an image is checked once per run
        selected = self.catalogs.selected(self.options.institutions)
        self.inputs.before_reading(selected)
        skipped = set() if self.options.force else skippable(self.inputs, self.ledger, selected, self.channels,
                                                              self.catalogs.today)
        with catalog_heap():
            reading = self._read(log, run_id, leave=skipped, images=images)
            listables = self._listable(reading, urls, log)
        if not self.options.dry_run:
            prefixes = {i.code: i.sku_prefix for i in self.config.institutions if i.code in skipped}
            pull_all(self.channels, {name: lst.candidates for name, lst in listables.items()}, self.ledger,
                     self._connector(urls), log, skipped=prefixes)
        late = sold_changed(self.ledger, skipped, self.channels) | clashing(self.ledger, listables, skipped)
        while late:
            skipped -= late
            log.debug("catalogs_read_again", institutions=sorted(late))
            with catalog_heap():
                reading.merge(self._read(log, run_id, only=late, images=images))
                order = {entry.code: n for n, entry in enumerate(selected)}  # as one reading would have them
                reading.offers.sort(key=lambda offer: order[offer.product.institution])
                listables = self._listable(reading, urls, log)
            late = clashing(self.ledger, listables, skipped)
        if skipped:
            log.debug("catalogs_unchanged", skipped=len(skipped), read=len(reading.read))
        if not self.options.dry_run:  # what is worked on again is vouched for only when this run took it all
            self.ledger.marks.forget(reading.read, {c.name for c in self.channels})
        return reading, listables, skipped

    def _mark(self, result: SyncResult, reading: CatalogReading, listables: dict[str, Listable]) -> None:
        """Mark the readings every channel of this run took in full, so the next run can skip them."""
        if self.options.only or self._interrupted(result):
            return
        taken = taken_in_full(result, reading, listables)
        reads = reading_record(reading, {i for names in taken.values() for i in names})
        sold = self.ledger.marks.sold({r.institution for r in reads})
        entries = {i.code: i for i in self.config.institutions}
        self.ledger.marks.record(result.run_id, reads, new_marks(self.inputs, entries, reads, taken, sold,
                                                                 self.catalogs.today))

    def _channels(self, ctx: RunContext, urls: dict[str, str], desired: dict[str, dict[str, Desired]],
                  listables: dict[str, Listable]) -> list[ChannelOutcome]:
        """Every channel side by side, one thread each (each adapter has its own session and rate limiter)."""
        with ThreadPoolExecutor(max_workers=max(1, len(self.channels)), thread_name_prefix="channel") as pool:
            futures = [pool.submit(sync_channel, ctx, ch, urls[ch.name], desired[ch.name],
                                   listables[ch.name].untouchable) for ch in self.channels]
            return [future.result() for future in futures]

    # -- the steps before the channels ----------------------------------------------------------------------

    def _read(self, log: Any, run_id: str | None, *, leave: Collection[str] = (),
              only: Collection[str] | None = None, images: Images | None = None) -> CatalogReading:
        chosen = self.options.institutions if only is None else tuple(sorted(only))
        reading = read_catalogs(self.catalogs, chosen, self.channels, images or Images(self.ledger), leave=leave)
        self.inputs.after_reading(reading)
        report_rejects(reading.rejects, self.ledger, log, run_id, notices=reading.notices)
        return reading

    def _listable(self, reading: CatalogReading, urls: dict[str, str], log: Any) -> dict[str, Listable]:
        """Per channel: its category rules (read through its adapter, kept in the ledger), then what it can list."""
        provinces = {i.code: i.province for i in self.config.institutions}
        out = {}
        for channel in self.channels:
            categories = channel_category_map(self.config, channel)
            # only the leaves this run's products use: a catalog of crafts never needs the shoes' attributes
            used = [] if isinstance(categories, CategoryMapError) else [
                categories.lookup(o.product.category) for o in reading.offers if channel.name in o.channels]
            # nothing of this channel read (every catalog unchanged): no rules needed, no call, no ledger read
            rules = None if isinstance(categories, CategoryMapError) or not used else channel_rules(
                channel, [i for i in used if i is not None], self.ledger.facts,
                lambda ch: make_adapter(ch, urls[ch.name], self.ledger), log)
            out[channel.name] = listable(reading, channel, categories, rules, provinces, channel_listing_rules(channel))
        return out

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
            reading = self._read(log, None)
            listables = self._listable(reading, urls, log)
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


def channel_listing_rules(channel: ChannelConfig) -> ListingRules | None:
    """What the channel's adapter declares a listing must meet (read from its class: no call); None when no
    adapter has its name (the channel's own step says so)."""
    try:
        return adapter_class(channel.adapter).listing_rules
    except UnknownAdapter:
        return None


def channel_category_map(config: Config, channel: ChannelConfig) -> CategoryMap | CategoryMapError:
    """The channel's category map as the config check loaded it (read here only for a config made in code)."""
    loaded = config.category_maps.get(channel.name)
    if loaded is not None:
        return loaded
    try:
        return load_category_map(channel)
    except CategoryMapError as err:
        return err
