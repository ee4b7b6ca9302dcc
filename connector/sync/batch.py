"""The batch step: the selected catalogs read a few institutions at a time, each batch carried end to end.

A run reads one institution after another until the batch holds `BATCH_PRODUCTS` products (or the catalogs
end; the first batch is cut at `FIRST_BATCH_PRODUCTS` and each next one at twice the last, up to
`BATCH_PRODUCTS`, so the channels' calls begin while most catalogs are still to be read), and then works that
batch out as a whole: what each channel can list, seller SKU clashes (with the
skipped catalogs, read after all when they hold a SKU the batch uses, and with earlier batches: `claims.py`),
the refused rows kept for staff, the orders of the batch's products attributed, units sold, the desired listing
per channel. The batch then goes to every channel's thread (`Feed`), which plans and executes it while the next
one is read. So a run holds a few batches at a time, whatever the size of the country: memory is bounded by the
batch (or the largest institution, which is never split), not by the number of institutions.

An institution is never split across batches, and everything the plan needs of one (its bindings, its units
sold, the mass-delist guard's count) is per institution, so a run of many batches plans what one batch of every
institution would — save a seller SKU shared by products of two batches: the earlier one is sent, the later one
held back naming it (`claims.py`).
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from connector.adapters.base import Adapter, ListingRules
from connector.adapters.registry import UnknownAdapter, adapter_class
from connector.catalog.rejects import Reject
from connector.catalog.validation import Catalogs
from connector.category_maps import CategoryMap, CategoryMapError, load_category_map
from connector.config import ChannelConfig, Config, InstitutionConfig
from connector.schema import SourceRef
from connector.sync.adapter import make_adapter
from connector.sync.catalogs import CatalogReading, read_catalogs, report_rejects
from connector.sync.claims import Claims, clash_possible
from connector.sync.desired import Desired, desired_state
from connector.sync.images import Images
from connector.sync.ledger import Ledger
from connector.sync.listable import Fills, Listable, listable
from connector.sync.options import SyncOptions
from connector.sync.result import Unlisted
from connector.sync.rules import ChannelRules, channel_rules
from connector.sync.skip import Inputs, clashing, reading_record
from connector.sync.sold import attribute_orders, sold_units
from connector.sync.summary import product_rows, report_invalid

BATCH_PRODUCTS = 2000  # products per batch: a few batches in memory at once stay within tens of megabytes
FIRST_BATCH_PRODUCTS = 100  # the first batch's: a run of fewer products (a small ministry, the tests) is one batch


@dataclass
class Batch:
    """Some institutions' catalogs, worked out up to each channel's desired listings."""

    institutions: frozenset[str]  # read in this batch (in full or not)
    readable: frozenset[str]  # read in full: only their missing products may be delisted
    desired: dict[str, dict[str, Desired]]  # channel -> product key -> desired listing
    untouchable: dict[str, set[str]]  # channel -> product keys whose listings stay as they are
    rows: dict[str, SourceRef]  # product key -> its catalog row, for what a channel refuses


@dataclass
class Reader:
    """What reading a batch needs of the run: the catalogs, the channels' rules, the ledger."""

    config: Config
    options: SyncOptions
    catalogs: Catalogs
    channels: list[ChannelConfig]
    ledger: Ledger
    inputs: Inputs
    log: Any
    run_id: str | None
    urls: dict[str, str]
    images: Images
    no_rules: set[str] = field(default_factory=set)  # channels whose category rules could not be read this run
    rules: dict[str, ChannelRules] = field(default_factory=dict)  # each channel's, as read for this run so far
    fills: dict[str, Fills] = field(default_factory=dict)  # each channel's attributes filled so far in this run

    def connect(self, channel: ChannelConfig) -> Adapter:
        return make_adapter(channel, self.urls[channel.name], self.ledger)

    def read(self, institutions: tuple[str, ...], *, report: bool = True) -> CatalogReading:
        """The institutions' catalogs read; `report`: their refused rows logged and kept at once (else the caller
        reports them with `report`)."""
        reading = read_catalogs(self.catalogs, institutions, self.channels, self.images)
        self.inputs.after_reading(reading)
        if report:
            self.report(reading)
        return reading

    def _rules(self, channel: ChannelConfig, used: list[int | str | None]) -> ChannelRules | None:
        """The channel's category rules for these category ids, read once per run for all its batches (again only
        when a batch uses a leaf the earlier ones did not); a channel whose rules could not be read is not asked
        again in this run."""
        if channel.name in self.no_rules:
            return None
        ids = {str(i) for i in used if i is not None}
        kept = self.rules.get(channel.name)
        if kept is not None and all(i in kept.attributes or not (node := kept.tree.get(i)) or not node.leaf
                                    for i in ids):
            return kept
        wanted = sorted(ids | set(kept.attributes)) if kept is not None else sorted(ids)
        rules = channel_rules(channel, wanted, self.ledger.facts, self.connect, self.log, failed=self.no_rules)
        if rules is not None:
            self.rules[channel.name] = rules
        return rules

    def report(self, reading: CatalogReading) -> None:
        report_rejects(reading.rejects, self.ledger, self.log, self.run_id, notices=reading.notices)

    def listable(self, reading: CatalogReading) -> dict[str, Listable]:
        """Per channel: its category rules (read through its adapter, kept in the ledger), then what it can list."""
        provinces = {i.code: i.province for i in self.config.institutions}
        out = {}
        for channel in self.channels:
            categories = channel_category_map(self.config, channel)
            # only the leaves this batch's products use: a catalog of crafts never needs the shoes' attributes
            used = [] if isinstance(categories, CategoryMapError) else [
                categories.lookup(o.product.category) for o in reading.offers if channel.name in o.channels]
            # nothing of this channel read (every catalog unchanged): no rules needed, no call, no ledger read
            rules = None if isinstance(categories, CategoryMapError) or not used else self._rules(channel, used)
            out[channel.name] = listable(reading, channel, categories, rules, provinces, channel_listing_rules(channel),
                                         self.fills.setdefault(channel.name, Fills()))
        return out


@dataclass
class Stream:
    """The run's batches, made one at a time as they are asked for; what spans them is kept here, compactly."""

    reader: Reader
    selected: list[InstitutionConfig]
    skipped: set[str]  # unchanged catalogs not read (less those read after all)
    today: date
    pulled_at: str = ""  # when this run pulled the orders (a ledger time stamp)
    size: int = BATCH_PRODUCTS
    stop: threading.Event | None = None
    rejects: list[Reject] = field(default_factory=list)
    invalid: list[Unlisted] = field(default_factory=list)
    readable: set[str] = field(default_factory=set)
    read: set[str] = field(default_factory=set)
    spoilt: dict[str, set[str]] = field(default_factory=dict)  # channel -> institutions not to mark this run
    fingerprints: dict[tuple[str, str], str] = field(default_factory=dict)  # (institution, channel) -> inputs
    batches: int = 0

    def __iter__(self) -> Iterator[Batch]:
        order = {entry.code: n for n, entry in enumerate(self.selected)}
        todo = [e for e in self.selected if e.code not in self.skipped]
        claims = Claims() if clash_possible(self.reader.config.institutions) else None
        try:
            reading, count = self._empty(), 0
            for n, entry in enumerate(todo):
                with batch_heap():
                    part = self.reader.read((entry.code,), report=False)  # the batch's reported at once
                reading.merge(part)
                count += len(part.offers)
                if (count >= self._cut() or n == len(todo) - 1) and not self._stopped():
                    yield self._batch(reading, order, claims, single=self.batches == 0 and n == len(todo) - 1)
                    reading, count = self._empty(), 0
                if self._stopped():
                    return
            if not todo:  # nothing read: the channels still settle, and a dry run still plans nothing
                yield self._batch(reading, order, claims, single=True)
        finally:
            if claims is not None:
                claims.close()

    def _cut(self) -> int:
        return batch_cut(self.size, self.batches)

    def _stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def _empty(self) -> CatalogReading:
        return CatalogReading(untouchable={c.name: set() for c in self.reader.channels})

    def _batch(self, reading: CatalogReading, order: dict[str, int], claims: Claims | None, *, single: bool
               ) -> Batch:
        r = self.reader
        with batch_heap():
            listables = self._listables(reading, order, clash=claims is not None)
            r.report(reading)
            if claims is not None:
                for channel, earlier in claims.settle(listables).items():
                    self.spoilt.setdefault(channel, set()).update(earlier)
            if not r.options.dry_run:  # what is worked on again is vouched for only when this run took it all
                r.ledger.marks.forget(reading.read, {c.name for c in r.channels})
                for channel in r.channels:
                    attribute_orders(r.ledger, channel.name, listables[channel.name].candidates.values(),
                                     since=self.pulled_at)
            sold = sold_units(r.channels, {name: lst.candidates for name, lst in listables.items()}, r.ledger,
                              r.connect, r.log, dry_run=r.options.dry_run, pulled=True)
            desired = {c.name: desired_state(listables[c.name].candidates, c, sold) for c in r.channels}
        self._account(reading, listables, single=single)
        self.batches += 1
        return Batch(frozenset(reading.read), frozenset(reading.readable), desired,
                     {name: lst.untouchable for name, lst in listables.items()}, product_rows(reading))

    def _listables(self, reading: CatalogReading, order: dict[str, int], *, clash: bool) -> dict[str, Listable]:
        """What each channel can list of the batch; when institutions' seller SKUs can meet (`clash`), a skipped
        catalog holding a seller SKU the batch uses is read into it after all, until none is left, so the clash
        is seen (both held back) as a full reading would."""
        listables = self.reader.listable(reading)
        late = clashing(self.reader.ledger, listables, self.skipped) if clash else set()
        while late:
            self.skipped -= late
            self.reader.log.debug("catalogs_read_again", institutions=sorted(late))
            reading.merge(self.reader.read(tuple(sorted(late)), report=False))
            reading.offers.sort(key=lambda offer: order[offer.product.institution])  # as one reading has them
            listables = self.reader.listable(reading)
            late = clashing(self.reader.ledger, listables, self.skipped)
        return listables

    def _account(self, reading: CatalogReading, listables: dict[str, Listable], *, single: bool) -> None:
        """What the run keeps of a batch once it is handed on: its refusals (reported now), which institutions it
        read, and what the marks of the next run will need."""
        r = self.reader
        invalid = [u for lst in listables.values() for u in lst.invalid]
        # one batch that read every selected catalog checked every institution; else only the ones it read
        report_invalid(invalid, r.ledger, r.run_id, r.log, sandbox={c.name for c in r.channels if c.is_sandbox},
                       adapted=[u for lst in listables.values() for u in lst.adapted], rows=product_rows(reading),
                       read=None if single and not self.skipped else reading.read)
        self.rejects.extend(reading.all_rejects())
        self.invalid.extend(invalid)
        self.readable |= reading.readable
        self.read |= reading.read
        for u in invalid:
            self.spoilt.setdefault(u.channel, set()).add(u.institution)
        entries = {e.code: e for e in self.selected}
        reads = reading_record(reading, reading.read)
        for read in reads:
            for channel, fp in r.inputs.marks(entries[read.institution], r.channels, read, self.today).items():
                if fp is not None:
                    self.fingerprints[(read.institution, channel)] = fp
        r.inputs.trim_images()
        if r.run_id is not None and not r.options.dry_run:  # kept now; only the marks wait for the channels
            r.ledger.marks.record(r.run_id, reads, ())


def batch_cut(size: int, made: int) -> int:
    """The products at which the next batch is cut once `made` batches were: `size`, the first batches smaller (see
    the module)."""
    if size <= FIRST_BATCH_PRODUCTS:
        return size
    return min(size, FIRST_BATCH_PRODUCTS << min(made, 16))


@contextmanager
def batch_heap() -> Iterator[None]:
    """Reading and working out a batch builds thousands of objects that live until the batch is done; Python's
    cycle collector would rescan them again and again while they are built. It pauses meanwhile (reference
    counting still frees garbage) and runs as usual between batches."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


END = object()  # the end of a feed


class Feed:
    """Batches from the reading thread to one channel's thread, one waiting at a time (so reading runs at most
    one batch ahead of the slowest channel). A channel that stops `close`s its feed; the reader's `put` then
    returns at once, so a stopped channel never holds the others up."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._closed = threading.Event()

    def put(self, item: Any) -> None:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def end(self) -> None:
        self.put(END)

    def close(self) -> None:
        self._closed.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def __iter__(self) -> Iterator[Batch]:
        while not self._closed.is_set():
            item = self._queue.get()
            if item is END:
                return
            yield item


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

