"""Runs and what each did per product (run items), their retention, and the counts `pasindo status` shows."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.adapters.base import ErrorClass
from connector.sync.kinds import ItemOutcome, ListingStatus, OpKind, RunStatus, Trigger
from connector.sync.ledger.connection import LedgerFile, now
from connector.sync.ledger.model import FailingCount, ListingCounts, Run, RunItem

_ITEM_FIELDS = ("run_id", "channel", "institution", "product_key", "op", "outcome", "error_class", "code", "message",
                "at")


def _run(row: dict[str, Any]) -> Run:
    return Run(row["run_id"], Trigger(row["trigger"]), row["pid"], json.loads(row["options"] or "{}"),
               row["started_at"], row["finished_at"], RunStatus(row["status"]), json.loads(row["summary"] or "{}"))


def _item(row: dict[str, Any]) -> RunItem:
    return RunItem(row["channel"], row["institution"], row["product_key"], OpKind(row["op"]),
                   ItemOutcome(row["outcome"]), _error_class(row["error_class"]), row["code"], row["message"],
                   row["run_id"], row["at"], row["id"])


def _error_class(value: str | None) -> ErrorClass | None:
    """A plug-in adapter may have recorded a failure class of its own: it reads back as the text it stored."""
    if value is None:
        return None
    return _ERROR_CLASSES.get(value, value)  # type: ignore[return-value]


_ERROR_CLASSES = {c.value: c for c in ErrorClass}


class Runs:
    def __init__(self, file: LedgerFile):
        self._file = file

    def start(self, trigger: Trigger, options: dict[str, Any]) -> str:
        """A new run, `running`. The caller holds the sync lock: a run still `running` is a dead one, and is
        marked `interrupted`."""
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        with self._file.transaction() as conn:
            conn.execute("UPDATE runs SET status = ?, finished_at = ? WHERE status = ?",
                         (RunStatus.INTERRUPTED, now(), RunStatus.RUNNING))
            conn.execute(
                "INSERT INTO runs (run_id, trigger, pid, options, started_at, status) VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, trigger, os.getpid(), json.dumps(options, sort_keys=True), now(), RunStatus.RUNNING),
            )
        return run_id

    def finish(self, run_id: str, status: RunStatus, summary: dict[str, Any]) -> None:
        with self._file.transaction() as conn:
            conn.execute("UPDATE runs SET status = ?, finished_at = ?, summary = ? WHERE run_id = ?",
                         (status, now(), json.dumps(summary, sort_keys=True, ensure_ascii=False), run_id))

    def get(self, run_id: str | None = None) -> Run | None:
        """The run `run_id`, or the latest run."""
        if run_id is None:
            rows = self._file.query("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1")
        else:
            rows = self._file.query("SELECT * FROM runs WHERE run_id = ?", (run_id,))
        return _run(rows[0]) if rows else None

    def listed(self, *, since: str | None = None, limit: int | None = None) -> list[Run]:
        """Runs started at or after `since` (ISO 8601 UTC), the latest first, at most `limit` of them."""
        sql = "SELECT * FROM runs" + (" WHERE started_at >= ?" if since else "")
        sql += " ORDER BY started_at DESC, rowid DESC" + (" LIMIT ?" if limit is not None else "")
        params = tuple(p for p in (since, limit) if p is not None)
        return [_run(r) for r in self._file.query(sql, params)]

    def latest_eventful(self) -> tuple[Run | None, int]:
        """The latest run that changed something or had problems (the quiet ones — ok, nothing done, no refused
        rows — left out), and how many runs started after it."""
        rows = self._file.query(
            "SELECT * FROM runs WHERE status != ? AND NOT (status = ? AND"
            " coalesce(json_array_length(summary, '$.counts'), 0) = 0 AND"
            " coalesce(json_extract(summary, '$.rejects'), 0) = 0)"
            " ORDER BY started_at DESC, rowid DESC LIMIT 1", (RunStatus.RUNNING, RunStatus.OK))
        if not rows:
            return None, 0
        after = self._file.rows("SELECT count(*) FROM runs WHERE started_at > ? OR (started_at = ? AND rowid > "
                                "(SELECT rowid FROM runs WHERE run_id = ?))",
                                (rows[0]["started_at"], rows[0]["started_at"], rows[0]["run_id"]))[0][0]
        return _run(rows[0]), after

    def latest(self, *, job: str | None = None) -> Run | None:
        """The latest run, or the latest one the daemon started for `job`."""
        if job is None:
            return self.get()
        rows = self._file.query("SELECT * FROM runs WHERE trigger = ? AND json_extract(options, '$.job') = ?"
                                " ORDER BY started_at DESC, rowid DESC LIMIT 1", (Trigger.SCHEDULE, job))
        return _run(rows[0]) if rows else None

    def record(self, run_id: str, item: RunItem) -> None:
        self.record_all(run_id, (item,))

    def record_all(self, run_id: str, items: Sequence[RunItem]) -> None:
        """Several items at once: one transaction, one disk sync."""
        stamp = now()
        with self._file.transaction() as conn:
            conn.executemany(
                f"INSERT INTO run_items ({', '.join(_ITEM_FIELDS)}) VALUES ({', '.join('?' * len(_ITEM_FIELDS))})",
                [(run_id, i.channel, i.institution, i.product_key, i.op, i.outcome, i.error_class, i.code, i.message,
                  stamp) for i in items])

    def items(self, run_id: str, *, outcome: str | None = None, ops: Sequence[str] = ()) -> list[RunItem]:
        """The run's items in the order recorded; only those of `outcome` and of `ops` when given (a run of the
        whole country holds an item per product and channel: the sync asks only for what it reports)."""
        where, params = ["run_id = ?"], [run_id]
        if outcome is not None:
            where.append("outcome = ?")
            params.append(outcome)
        if ops:
            where.append(f"op IN ({', '.join('?' * len(ops))})")
            params += list(ops)
        return [_item(r) for r in self._file.query(f"SELECT * FROM run_items WHERE {' AND '.join(where)} ORDER BY id",
                                                   tuple(params))]

    def prune(self, days: int) -> int:
        """Forget successful run items older than `days` (failures are kept), then runs older than that with
        nothing left to show, and settled intents. Returns the number of run items removed."""
        cutoff = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="milliseconds")
        with self._file.transaction() as conn:
            cur = conn.execute("DELETE FROM run_items WHERE at < ? AND outcome = ?", (cutoff, ItemOutcome.OK))
            conn.execute("DELETE FROM runs WHERE finished_at < ? AND status != ?"
                         " AND NOT EXISTS (SELECT 1 FROM run_items i WHERE i.run_id = runs.run_id)"
                         " AND NOT EXISTS (SELECT 1 FROM rejects r WHERE r.run_id = runs.run_id)",
                         (cutoff, RunStatus.RUNNING))
            conn.execute("DELETE FROM intents WHERE resolved_at < ?", (cutoff,))
            return cur.rowcount

    # -- status --------------------------------------------------------------------------------------------

    def listing_counts(self) -> list[ListingCounts]:
        """Per channel and institution: listings active and inactive on the channel, and bindings whose content
        the channel refused."""
        rows = self._file.rows(
            "SELECT channel, institution,"
            " sum(external_id IS NOT NULL AND status = ?), sum(external_id IS NOT NULL AND status = ?),"
            " sum(invalid_fp IS NOT NULL)"
            " FROM bindings GROUP BY channel, institution ORDER BY channel, institution",
            (ListingStatus.ACTIVE, ListingStatus.INACTIVE))
        return [ListingCounts(channel, institution, active or 0, inactive or 0, invalid or 0)
                for channel, institution, active, inactive, invalid in rows]

    def failing_counts(self) -> list[FailingCount]:
        """Per channel and institution: products whose last operation failed (and nothing was acknowledged for
        them since: an acknowledged write moves the binding's `updated_at`)."""
        rows = self._file.rows(
            "SELECT i.channel, i.institution, count(*) FROM run_items i"
            " JOIN (SELECT max(id) AS id FROM run_items WHERE product_key IS NOT NULL"
            "       GROUP BY channel, product_key) last ON last.id = i.id"
            " LEFT JOIN bindings b ON b.channel = i.channel AND b.product_key = i.product_key"
            " WHERE i.outcome = ? AND (b.updated_at IS NULL OR i.at >= b.updated_at)"
            " GROUP BY i.channel, i.institution ORDER BY i.channel, i.institution", (ItemOutcome.FAILED,))
        return [FailingCount(*row) for row in rows]
