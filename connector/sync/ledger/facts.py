"""What each channel said about its categories (the tree, each leaf's attributes) and about itself (a shop's
warehouses, kept by its adapter through `connector.adapters.base.FactStore`), cached as read.

Bodies are plain JSON of the adapter's answer; `fetched_at` is Unix seconds, so the caller decides what is too old.
"""

from __future__ import annotations

import json
from typing import Any

from connector.sync.ledger.connection import LedgerFile


class Facts:
    def __init__(self, file: LedgerFile):
        self._file = file

    def get(self, channel: str, kind: str, key: str = "") -> tuple[Any, float] | None:
        """The stored body and when it was fetched, or None."""
        rows = self._file.rows("SELECT body, fetched_at FROM channel_facts WHERE channel = ? AND kind = ? AND key = ?",
                               (channel, kind, key))
        return (json.loads(rows[0][0]), float(rows[0][1])) if rows else None

    def put(self, channel: str, kind: str, key: str, body: Any, fetched_at: float) -> None:
        with self._file.transaction():
            self._file.db["channel_facts"].upsert(
                {"channel": channel, "kind": kind, "key": key, "body": json.dumps(body, ensure_ascii=False),
                 "fetched_at": fetched_at}, pk=("channel", "kind", "key"))
