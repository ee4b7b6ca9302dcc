"""The catalog step: read and normalise every selected catalog once per run, for every channel.

Out come the products (with what every channel's listing of one shares, worked out once), the refused rows,
which institutions were read in full (only their missing products may be delisted), and per channel the
product keys of refused rows, whose listings stay as they are: a typo never delists a product.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from connector.adapters.base import Image
from connector.catalog.rejects import Finding, Notice, Reject
from connector.catalog.validation import Catalogs
from connector.config import ChannelConfig, InstitutionConfig
from connector.schema import Product
from connector.sync.desired import ProductParts, product_parts
from connector.sync.kinds import Origin, Severity
from connector.sync.ledger import Ledger
from connector.sync.ledger.model import RejectRow

# A catalog refused as a whole (or a column it needs): none of its products can be told apart from missing ones.
UNREADABLE = frozenset({"catalog_unreadable", "column_missing", "column_ambiguous", "header_rows_unclear"})


class Offer(NamedTuple):
    """One catalog product, offered to the channels that list its institution's products."""

    product: Product
    parts: ProductParts | OSError  # OSError: an image went missing since the catalog was read
    prefix: str | None  # the institution's seller SKU prefix
    channels: tuple[str, ...]


@dataclass
class CatalogReading:
    offers: list[Offer] = field(default_factory=list)
    rejects: dict[str, list[Reject]] = field(default_factory=dict)  # institution -> its refused rows
    notices: dict[str, list[Notice]] = field(default_factory=dict)  # institution -> warnings that refuse nothing
    readable: set[str] = field(default_factory=set)  # institutions whose catalog was read in full
    untouchable: dict[str, set[str]] = field(default_factory=dict)  # channel -> product keys of refused rows

    def all_rejects(self) -> list[Reject]:
        return [r for rejects in self.rejects.values() for r in rejects]

    @property
    def read(self) -> set[str]:
        """The institutions whose catalog this reading read (in full or not)."""
        return set(self.rejects)

    def merge(self, other: CatalogReading) -> None:
        """Add another reading of other institutions (read later in the same run)."""
        self.offers.extend(other.offers)
        self.rejects.update(other.rejects)
        self.notices.update(other.notices)
        self.readable |= other.readable
        for channel, keys in other.untouchable.items():
            self.untouchable.setdefault(channel, set()).update(keys)


def read_catalogs(catalogs: Catalogs, institutions: tuple[str, ...], channels: list[ChannelConfig],
                  image: Callable[[str], Image], *, leave: Collection[str] = ()) -> CatalogReading:
    """`leave`: institutions not to read this time (their catalogs did not change: `skip.py`)."""
    reading = CatalogReading(untouchable={c.name: set() for c in channels})
    for entry in catalogs.selected(institutions):
        if entry.code in leave:
            continue
        on = tuple(c.name for c in channels if entry.channels is None or c.name in entry.channels)
        rejects = _read_one(catalogs, entry, on, image, reading.offers, reading.notices.setdefault(entry.code, []))
        if not any(r.reason in UNREADABLE for r in rejects):
            reading.readable.add(entry.code)
        for r in rejects:
            if r.sku:
                for name in on:
                    reading.untouchable[name].add(f"{entry.code}:{r.sku}")
        reading.rejects[entry.code] = rejects
    return reading


def _read_one(catalogs: Catalogs, entry: InstitutionConfig, on: tuple[str, ...], image: Callable[[str], Image],
              offers: list[Offer], notices: list[Notice]) -> list[Reject]:
    """Adds the catalog's products to `offers` and its notices to `notices`; returns its refused rows."""
    rejects: list[Reject] = []
    for item in catalogs.read(entry):
        if isinstance(item, Reject):
            rejects.append(item)
            continue
        if isinstance(item, Notice):
            notices.append(item)
            continue
        try:
            parts: ProductParts | OSError = product_parts(item, image)  # once, whatever the number of channels
        except OSError as err:
            parts = err
        offers.append(Offer(item, parts, entry.sku_prefix, on))
    return rejects


def report_rejects(rejects: dict[str, list[Reject]], ledger: Ledger, log: Any, run_id: str | None, *,
                   notices: dict[str, list[Notice]] | None = None) -> None:
    """Log the refused rows and, in a real run, keep them (and `notices`, the warnings, when given) as each
    institution's latest reading. A row is a warning when it is new; one the previous reading refused too is
    debug, so a schedule running every few minutes does not repeat the same warnings all day (the run's summary
    counts them)."""
    refusing = [institution for institution, refused in rejects.items() if refused]
    known = {(k.institution, k.file, k.row, k.column, k.reason, k.value)
             for k in ledger.rejects.catalog_refusals(refusing)} if refusing else set()
    for institution, refused in rejects.items():
        for r in refused:
            seen = (institution, r.file, r.row, r.column, r.reason, r.value) in known
            (log.debug if seen else log.warning)(
                "rejected", institution=institution, file=r.file, row=r.row, column=r.column, value=r.value,
                reason=r.reason, message=r.message("en"))
    if run_id is not None:  # one transaction for all institutions: one disk sync, not one per catalog
        found = {institution: [finding_row(r, Origin.SYNC) for r in refused]
                 + [finding_row(n, Origin.SYNC) for n in (notices or {}).get(institution, ())]
                 for institution, refused in rejects.items()}
        ledger.rejects.replace(run_id, found, severities=(Severity.REFUSED, Severity.WARNING) if notices is not None
                               else (Severity.REFUSED,))


def finding_row(finding: Finding, origin: Origin) -> RejectRow:
    """A catalog finding as the rejects store keeps it, with its texts in both languages."""
    return RejectRow(finding.institution, finding.file, finding.row, finding.column, finding.value, finding.reason,
                     finding.message("en"), finding.message("id"), finding.sku, severity=Severity(finding.severity),
                     origin=origin)
