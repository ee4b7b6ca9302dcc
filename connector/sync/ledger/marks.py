"""What lets a sync skip a catalog that did not change: per institution, what its latest reading referenced
(its local image files) and whether any of its checks depends on the day; per (institution, channel), the
fingerprint of every input of the latest reading the channel fully took, and of the institution's units sold then.

A mark is written only after a run in which the channel took every product of that reading (nothing failed, held,
refused or left unsettled), and it is forgotten as soon as a run starts to work on the institution again, so a
mark never outlives the bindings it vouches for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from connector.sync.ledger.connection import LedgerFile, dump_json, load_json, now
from connector.sync.ledger.orders import PLACED


@dataclass(frozen=True)
class CatalogRead:
    """What an institution's latest reading referenced: local image paths, and whether it checks dates."""

    institution: str
    images: tuple[str, ...]
    dated: bool


@dataclass(frozen=True)
class Mark:
    institution: str
    channel: str
    inputs: str  # fingerprint of the file, mapping, taxonomy, rules, image files (and the day, when dated)
    sold: str  # fingerprint of the institution's units sold, counted as the orders store counts them


class Marks:
    def __init__(self, file: LedgerFile):
        self._file = file

    def read(self, institution: str) -> CatalogRead | None:
        """What the institution's latest reading referenced (one institution at a time: the country's list of
        photos is never loaded at once)."""
        rows = self._file.rows("SELECT institution, images, dated FROM catalog_reads WHERE institution = ?",
                               (institution,))
        return CatalogRead(rows[0][0], tuple(load_json(rows[0][1])), bool(rows[0][2])) if rows else None

    def marks(self, *, since: float) -> dict[tuple[str, str], Mark]:
        """The marks made at or after `since` (Unix seconds), by (institution, channel)."""
        stamp = datetime.fromtimestamp(since, UTC).isoformat(timespec="milliseconds")
        rows = self._file.rows("SELECT institution, channel, inputs, sold FROM catalog_marks WHERE marked_at >= ?",
                               (stamp,))
        return {(i, c): Mark(i, c, inputs, sold) for i, c, inputs, sold in rows}

    def forget(self, institutions: Collection[str], channels: Collection[str]) -> None:
        """Drop the marks of these institutions on these channels (none to drop: no statement at all)."""
        held = {(i, c) for i, c in self._file.rows("SELECT institution, channel FROM catalog_marks")
                if i in institutions and c in channels}
        if held:
            with self._file.transaction() as conn:
                conn.executemany("DELETE FROM catalog_marks WHERE institution = ? AND channel = ?", sorted(held))

    def record(self, run_id: str | None, reads: Sequence[CatalogRead], marks: Iterable[Mark]) -> None:
        marks = list(marks)
        if not reads and not marks:
            return
        stamp = now()
        with self._file.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO catalog_reads VALUES (?, ?, ?, ?)",
                             [(r.institution, dump_json(list(r.images)), int(r.dated), stamp) for r in reads])
            conn.executemany("INSERT OR REPLACE INTO catalog_marks VALUES (?, ?, ?, ?, ?, ?)",
                             [(m.institution, m.channel, m.inputs, m.sold, run_id, stamp) for m in marks])

    def sold(self, institutions: Collection[str]) -> dict[str, str]:
        """Per institution, a fingerprint of its unsettled units sold per stock key (one query for all)."""
        counts: dict[str, list[tuple[str, int]]] = {i: [] for i in institutions}
        rows = self._file.rows("SELECT institution, stock_key, sum(quantity) FROM orders WHERE settled = 0"
                               " AND status = ? AND stock_key IS NOT NULL GROUP BY institution, stock_key"
                               " ORDER BY institution, stock_key", (PLACED,))
        for institution, key, units in rows:
            if institution in counts:
                counts[institution].append((key, units))
        return {i: hashlib.sha256(repr(c).encode()).hexdigest()[:32] for i, c in counts.items()}
