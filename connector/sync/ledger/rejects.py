"""Refused catalog rows: each institution's as its catalog's latest reading left them, for staff to fix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from connector.sync.ledger.connection import LedgerFile
from connector.sync.ledger.model import RejectRow


def _reject(row: dict[str, Any]) -> RejectRow:
    return RejectRow(row["institution"], row["file"], row["row"], row["column"], row["value"], row["reason"],
                     row["message_en"], row["message_id"], row["sku"], row["run_id"])


class Rejects:
    def __init__(self, file: LedgerFile):
        self._file = file

    def replace(self, run_id: str, refused: Mapping[str, Sequence[RejectRow]]) -> None:
        """Each institution's current refused rows (the latest reading of its catalog), in one transaction."""
        with self._file.transaction() as conn:
            for institution, rejects in refused.items():
                conn.execute("DELETE FROM rejects WHERE institution = ?", (institution,))
                self._file.db["rejects"].insert_all(
                    {**asdict(r), "run_id": run_id, "institution": institution} for r in rejects)

    def all(self, institution: str | None = None) -> list[RejectRow]:
        """The stored refused rows: every institution's (by institution and row), or one institution's."""
        if institution is None:
            rows = self._file.query("SELECT * FROM rejects ORDER BY institution, row")
        else:
            rows = self._file.query("SELECT * FROM rejects WHERE institution = ? ORDER BY row", (institution,))
        return [_reject(r) for r in rows]
