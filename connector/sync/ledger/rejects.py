"""What staff should fix or look at, for `pasindo report --rejects`: catalog findings, what each channel refuses or
adapts before any call, and what a marketplace refused during a sync.

Which findings replace which:
- an institution's catalog findings (`channel` null: refused rows and warnings) are replaced by its latest
  reading, `pasindo validate` or a sync, whichever came later (a sync that brings no warnings replaces only the
  refused rows, and leaves the warnings the last reading found);
- what a channel refuses or adapts before any call is replaced per (institution, channel) by the latest check of
  that pair, validate or sync;
- a marketplace's refusal of a product stays until the product is listed or its changed content is taken: while
  the channel's binding still holds the refused content, and no longer. A newer refusal of the same product on
  the same channel replaces it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from connector.sync.kinds import Origin, Severity
from connector.sync.ledger.connection import LedgerFile
from connector.sync.ledger.model import RejectRow

_ORDER = "ORDER BY institution, channel IS NOT NULL, channel, row, product_key, id"


def _reject(row: dict[str, Any]) -> RejectRow:
    return RejectRow(row["institution"], row["file"], row["row"], row["column"], row["value"], row["reason"],
                     row["message_en"], row["message_id"], row["sku"], row["run_id"], row["channel"],
                     Severity(row["severity"]), Origin(row["origin"]), row["product_key"], row["code"],
                     row["channel_message"])


class Rejects:
    def __init__(self, file: LedgerFile):
        self._file = file

    def replace(self, run_id: str, refused: Mapping[str, Sequence[RejectRow]], *,
                severities: Collection[Severity] = (Severity.REFUSED, Severity.WARNING)) -> None:
        """Each institution's catalog findings of these severities, as its latest reading left them, in one
        transaction. An institution with none kept and none found costs no statement."""
        marks = ", ".join("?" * len(severities))
        kept = {row[0] for row in self._file.rows(
            f"SELECT DISTINCT institution FROM rejects WHERE channel IS NULL AND severity IN ({marks})",
            tuple(severities))} if refused else set()
        gone = sorted(i for i in refused if i in kept)
        found = [(i, rows) for i, rows in refused.items() if rows]
        if not gone and not found:
            return
        with self._file.transaction() as conn:
            conn.executemany(f"DELETE FROM rejects WHERE institution = ? AND channel IS NULL AND severity IN ({marks})",
                             [(institution, *severities) for institution in gone])
            for institution, rejects in found:
                self._insert(run_id, institution, rejects)

    def replace_channels(self, run_id: str, checked: Mapping[str, Collection[str] | None], found: Sequence[RejectRow]
                         ) -> None:
        """What the channels refuse or adapt before any call, for every (institution, channel) checked (channel ->
        its institutions; None: every institution), replacing what the previous check of each pair found. A pair
        with none kept costs no statement."""
        kept = set(self._file.rows("SELECT DISTINCT channel, institution FROM rejects WHERE channel IS NOT NULL"
                                   " AND origin != ?", (Origin.MARKETPLACE,))) if checked else set()
        gone = sorted((channel, institution) for channel, institution in kept if channel in checked
                      and (checked[channel] is None or institution in checked[channel]))  # type: ignore[operator]
        if not gone and not found:
            return
        with self._file.transaction() as conn:
            conn.executemany("DELETE FROM rejects WHERE channel = ? AND institution = ? AND origin != ?",
                             [(channel, institution, Origin.MARKETPLACE) for channel, institution in gone])
            self._insert(run_id, None, found)

    def record_refusals(self, run_id: str, refused: Sequence[RejectRow], waiting: Sequence[RejectRow]) -> None:
        """A sync's marketplace refusals: `refused` answered in this run (each replaces the product's earlier one on
        that channel), `waiting` refused earlier and not sent again (kept; added when none is kept). Then every
        earlier refusal whose binding no longer holds refused content goes: the product was listed or changed."""
        with self._file.transaction() as conn:
            conn.executemany("DELETE FROM rejects WHERE origin = ? AND channel = ? AND product_key = ?",
                             [(Origin.MARKETPLACE, r.channel, r.product_key) for r in refused])
            self._insert(run_id, None, refused)
            kept = {(r[0], r[1]) for r in conn.execute(
                "SELECT channel, product_key FROM rejects WHERE origin = ?", (Origin.MARKETPLACE,))}
            self._insert(run_id, None, [r for r in waiting if (r.channel, r.product_key) not in kept])
            # An earlier run's refusal goes once the binding holds no refused content; one answered in this run
            # stays until the next answer, also where no binding keeps it (a create refused, an image that could
            # not be had: both tried again next run).
            conn.execute("""DELETE FROM rejects WHERE origin = ? AND run_id IS NOT ? AND NOT EXISTS (
                SELECT 1 FROM bindings b WHERE b.channel = rejects.channel AND b.product_key = rejects.product_key
                AND b.invalid_fp IS NOT NULL)""", (Origin.MARKETPLACE, run_id))

    def _insert(self, run_id: str, institution: str | None, rows: Sequence[RejectRow]) -> None:
        self._file.db["rejects"].insert_all(
            {**asdict(r), "run_id": run_id, "institution": institution or r.institution} for r in rows)

    def catalog_refusals(self, institutions: Collection[str]) -> list[RejectRow]:
        """The refused catalog rows kept for these institutions (their latest reading's)."""
        chosen = sorted(institutions)
        rows = self._file.query(f"SELECT * FROM rejects WHERE channel IS NULL AND severity = ? AND institution IN"
                                f" ({', '.join('?' * len(chosen))}) {_ORDER}", (Severity.REFUSED, *chosen))
        return [_reject(r) for r in rows]

    def all(self, institution: str | None = None) -> list[RejectRow]:
        """The stored findings: every institution's (by institution, catalog findings first, then by channel and
        row), or one institution's."""
        if institution is None:
            rows = self._file.query(f"SELECT * FROM rejects {_ORDER}")
        else:
            rows = self._file.query(f"SELECT * FROM rejects WHERE institution = ? {_ORDER}", (institution,))
        return [_reject(r) for r in rows]
