"""The skip step: which catalogs need not be read again this run, and, after a run, which readings the channels
fully took (their marks, kept in `ledger.marks`).

An institution's catalog is skipped when, for every selected channel that lists it, the fingerprint of every input
of a reading equals the one marked after the last run that read it and whose plan that channel took in full: the
catalog file's bytes, its mapping, the taxonomy, the institution's settings (its seller SKU prefix, its channels),
the channel's rules (price and stock rules, category map, options: not those that only say how its calls travel,
`TRANSPORT_OPTIONS`), the local image files the last reading referenced (size and modification time; a remote
image's address is part of the file), the connector's version, and — when any of its checks depends on the day (an
expiry date, a food permit) — today's date. The institution's units sold are compared apart (`sold_changed`), after
the run has pulled its orders. A mark older than the channels' category rules' lifetime (`rules.MAX_AGE`) is not
trusted, so a changed category tree or attribute list reaches every listing within a day. `--force`, a channel
never linked, and a catalog with refused rows or products a channel refuses (reported again by every reading) are
always read.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from connector.adapters.http import ChannelOptions
from connector.catalog.rejects import Reject
from connector.config import ChannelConfig, Config, InstitutionConfig, mapping_path, taxonomy_path
from connector.schema import SHIPPED_TAXONOMY
from connector.sync.catalogs import CatalogReading
from connector.sync.kinds import ItemOutcome
from connector.sync.ledger import Ledger
from connector.sync.ledger.marks import CatalogRead
from connector.sync.listable import Listable
from connector.sync.result import SyncResult
from connector.sync.rules import MAX_AGE

try:
    _VERSION = version("pasindo-connector")
except PackageNotFoundError:  # a source tree without its metadata: never skip across what may be new rules
    _VERSION = f"unknown-{time.time()}"


# The options every adapter shares that say only how its calls travel (pace, pool, timeouts, retries, when a token
# is refreshed: `ChannelOptions`): tuning them changes no listing, so it is no reason to read every catalog again.
TRANSPORT_OPTIONS = frozenset(ChannelOptions.model_fields)
IMAGES_LOOKED_UP = 20_000  # image files' size and time kept per run (`Inputs.trim_images`)


def _digest(value: object) -> str:
    return _digest_text(repr(value))


def _digest_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def file_sha256(path: Path) -> str | None:
    """The file's bytes hashed; None when it is not a regular file that can be read (the reading says why)."""
    try:
        if not path.is_file():
            return None
        h = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


@dataclass
class Inputs:
    """The fingerprints of one run's inputs, worked out once per run and reused for every institution."""

    config: Config
    _channels: dict[str, str] = field(default_factory=dict)
    _stats: dict[str, object] = field(default_factory=dict)
    _texts: dict[str, str] = field(default_factory=dict)  # path -> repr((path, `image(path)`))
    _files: dict[Path, str | None] = field(default_factory=dict)
    _mappings: dict[str, Path | None] = field(default_factory=dict)  # a mapping's name -> its file, found once
    _taxonomy: tuple[str | None, str | None] | None = None

    def before_reading(self, entries: Iterable[InstitutionConfig]) -> None:
        """Hash the catalog files before any is read, so a mark never vouches for bytes a later write brought."""
        for entry in entries:
            self.file(entry.catalog.path)

    def after_reading(self, reading: CatalogReading) -> None:
        """Look at the local image files a reading referenced, as soon as it is done."""
        for offer in reading.offers:
            for ref in offer.product.images:
                if "://" not in ref:
                    self.image(ref)

    def trim_images(self) -> None:
        """Drop what was looked up of image files once it holds more than `IMAGES_LOOKED_UP` (called as each
        institution or batch is done): the institutions share their photos, so each file is looked at about once
        per run, and a run never holds the whole country's list of photos. A look taken before a reading is as
        safe as one after: a photo changed meanwhile differs from it at the next run, which reads it again."""
        if len(self._stats) > IMAGES_LOOKED_UP:
            self._stats.clear()
            self._texts.clear()

    def file(self, path: Path) -> str | None:
        if path not in self._files:
            self._files[path] = file_sha256(path)
        return self._files[path]

    def channel(self, channel: ChannelConfig) -> str:
        """The channel's settings (credentials and transport options left out) and its category map file's bytes."""
        found = self._channels.get(channel.name)
        if found is None:
            settings = channel.model_dump(mode="json", exclude={"credentials"})
            settings["options"] = {k: v for k, v in settings["options"].items() if k not in TRANSPORT_OPTIONS}
            found = self._channels[channel.name] = _digest((
                sorted(settings.items(), key=str), self.file(channel.category_map_path)))
        return found

    def taxonomy(self) -> tuple[str | None, str | None]:
        """The shipped taxonomy file's bytes and the deployment's (next to the config), hashed."""
        if self._taxonomy is None:
            own = taxonomy_path(self._base())
            self._taxonomy = self.file(SHIPPED_TAXONOMY), self.file(own) if own is not None else None
        return self._taxonomy

    def _base(self) -> Path:
        return self.config.source.parent if self.config.source else Path.cwd()

    def mapping(self, name: str) -> str | None:
        """The bytes of the mapping file the name stands for, hashed; None when there is none."""
        if name not in self._mappings:
            self._mappings[name] = mapping_path(self._base(), name)
        where = self._mappings[name]
        return self.file(where) if where is not None else None

    def image(self, ref: str) -> object:
        found = self._stats.get(ref)
        if found is None:
            try:
                st = os.stat(ref)
                found = (st.st_size, st.st_mtime_ns)
            except OSError as err:
                found = type(err).__name__
            self._stats[ref] = found
        return found

    def institution(self, entry: InstitutionConfig, read: CatalogRead, today: date) -> str | None:
        """What a reading of the institution's catalog depends on, apart from the channel, from the bytes of the
        files it is read with (never from loaded objects, whose sets print in a different order in every
        process); None: read it."""
        content = self.file(entry.catalog.path)
        mapping = self.mapping(entry.catalog.mapping)
        if content is None or mapping is None:
            return None
        settings = sorted(entry.model_dump(mode="json").items(), key=str)
        # the repr of (version, content, mapping, settings, taxonomy, images, day), with the images' part put
        # together from each file's own text (`images_repr`): the same bytes, without printing every photo again
        head = repr((_VERSION, content, mapping, settings, self.taxonomy()))[:-1]
        return _digest_text(f"{head}, {self.images_repr(read.images)}, {today.isoformat() if read.dated else None!r})")

    def images_repr(self, refs: tuple[str, ...]) -> str:
        """`repr` of the tuple of each image file's path with its size and time (`image`), from each file's text
        printed once per run: the institutions share their photos, so most are known after a few catalogs."""
        texts = self._texts
        try:
            parts = list(map(texts.__getitem__, refs))
        except KeyError:
            parts = [texts.get(ref) or texts.setdefault(ref, repr((ref, self.image(ref)))) for ref in refs]
        return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"

    def marks(self, entry: InstitutionConfig, channels: Iterable[ChannelConfig], read: CatalogRead, today: date
              ) -> dict[str, str | None]:
        """The fingerprint of a reading on each channel (the institution's part worked out once)."""
        base = self.institution(entry, read, today)
        return {c.name: None if base is None else _digest((base, self.channel(c))) for c in channels}


def on_channels(entry: InstitutionConfig, channels: Iterable[ChannelConfig]) -> list[ChannelConfig]:
    return [c for c in channels if entry.channels is None or c.name in entry.channels]


def skippable(inputs: Inputs, ledger: Ledger, entries: Iterable[InstitutionConfig], channels: list[ChannelConfig],
              today: date) -> set[str]:
    """The institutions whose catalog need not be read again (their units sold still to be compared)."""
    if not all(ledger.bindings.linked(c.name) for c in channels):
        return set()  # a channel is linked before anything is skipped: its link needs every catalog read
    marks = ledger.marks.marks(since=time.time() - MAX_AGE)
    if not marks:
        return set()
    out = set()
    for entry in entries:
        on = on_channels(entry, channels)
        if not on or not any((entry.code, c.name) in marks for c in on):
            continue
        read = ledger.marks.read(entry.code)
        if read is None:
            continue
        wanted = [marks.get((entry.code, c.name)) for c in on]
        if all(m is not None for m in wanted):
            now = inputs.marks(entry, on, read, today)
            if all(m.inputs == now[c.name] for m, c in zip(wanted, on, strict=True)):
                out.add(entry.code)
        inputs.trim_images()  # the country's photos are never all held
    return out


def sold_changed(ledger: Ledger, skipped: Collection[str], channels: list[ChannelConfig]) -> set[str]:
    """The skipped institutions whose units sold moved since their mark: their stock is to be worked out again."""
    if not skipped:
        return set()
    now_sold = ledger.marks.sold(skipped)
    return {code for (code, _), m in ledger.marks.marks(since=0.0).items()
            if code in now_sold and m.sold != now_sold[code]}


def reading_record(reading: CatalogReading, institutions: Iterable[str]) -> list[CatalogRead]:
    """What each institution's reading referenced: its local image files, and whether it checks dates."""
    images: dict[str, set[str]] = {i: set() for i in institutions}
    dated: set[str] = set()
    for offer in reading.offers:
        product = offer.product
        if product.institution not in images:
            continue
        images[product.institution].update(ref for ref in product.images if "://" not in ref)
        if product.expiry is not None or product.food_permit is not None:
            dated.add(product.institution)
    # a refused row may have been refused for the day (expired, a permit's year): such a catalog is read daily
    dated.update(i for i, rejects in reading.rejects.items() if rejects and i in images)
    return [CatalogRead(i, tuple(sorted(refs)), i in dated) for i, refs in images.items()]


def clashing(ledger: Ledger, listables: Mapping[str, Listable], skipped: Collection[str]) -> set[str]:
    """The skipped institutions holding, on a channel, a seller SKU one of this run's candidates uses: both are to
    be read, so the clash is seen (and both held back) as a full reading would."""
    if not skipped:
        return set()
    out = set()
    for channel, listed in listables.items():
        skus = {s for c in listed.candidates.values() for s in c.seller_skus()}
        out.update(i for i, _ in ledger.bindings.seller_skus_of(channel, skus, skipped).values())
    return out


def taken_in_full(result: SyncResult, readable: Collection[str], spoilt: Mapping[str, Collection[str]]
                  ) -> dict[str, set[str]]:
    """Per channel of a real run: the institutions read in full this run whose every product the channel took —
    nothing it cannot list (`spoilt`, by channel: also an earlier batch's product a later one clashed with),
    nothing held, skipped (refused, unsettled) or failed, the channel not stopped. Only these are marked: every
    other is read again next run, and reported again."""
    clean = set(readable)  # refused rows may stay: their findings are kept, and given back (`kept_rejects`)
    out: dict[str, set[str]] = {}
    plans = {p.channel: p for p in result.plans}
    for channel in result.channels:
        plan = plans.get(channel.channel)
        if channel.stopped or channel.interrupted or plan is None:
            continue
        bad = set(spoilt.get(channel.channel, ()))
        bad.update(h.op.institution for h in plan.held)
        bad.update(s.institution for s in plan.skipped)
        bad.update(c.institution for c in channel.counts if c.outcome != ItemOutcome.OK)
        out[channel.channel] = clean - bad
    return out


@dataclass(slots=True)
class KeptReject(Reject):
    """A refused row of a skipped catalog, as its reading left it in the rejects store: its texts as stored."""

    texts: tuple[str, str] = ("", "")

    def message(self, lang: str = "en") -> str:
        return self.texts[1 if lang == "id" else 0]


def kept_rejects(ledger: Ledger, skipped: Collection[str]) -> list[Reject]:
    """The refused rows of the skipped catalogs, as their latest reading found them: the run reports them as a
    reading would (its status and summary count them), without reading the files again."""
    if not skipped:
        return []
    return [KeptReject(r.institution, r.file or "", r.row, r.column, r.value, r.reason, {}, r.sku,
                       texts=(r.message_en or r.reason, r.message_id or r.reason))
            for r in ledger.rejects.catalog_refusals(skipped)]
