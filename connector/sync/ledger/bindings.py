"""Bindings (what each channel acknowledged per product), intents to create, and links of existing listings.

A binding moves only when the channel acknowledged the write. An intent is committed *before* a create call, so a
run killed at any point leaves either a binding or an open intent to resolve by lookup — never a blind re-create.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from typing import Any

from connector.sync.kinds import ListingStatus, OpKind
from connector.sync.ledger.connection import LedgerFile, dump_json, load_json, now
from connector.sync.ledger.model import Binding, Intent, IntentOutcome, LinkConflict

_COLUMNS = ("channel", "product_key", "institution", "seller_sku", "external_id", "variant_ids", "status",
            "content_fp", "prices", "stock", "invalid_fp", "last_error", "updated_at")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM bindings"
_STATUS = {s.value: s for s in ListingStatus}
_JSON_FIELDS = frozenset({"prices", "stock", "variant_ids"})
UPDATABLE = frozenset({"seller_sku", "external_id", "variant_ids", "status", "content_fp", "prices", "stock",
                       "invalid_fp", "last_error"})


def _binding(row: tuple) -> Binding:
    (channel, key, institution, sku, external_id, variant_ids, status, content_fp, prices, stock, invalid_fp,
     last_error, updated_at) = row
    return Binding(channel, key, institution, sku, external_id, load_json(variant_ids) or {}, _STATUS[status],
                   content_fp, load_json(prices), load_json(stock), invalid_fp, last_error, updated_at)


def _intent(row: dict[str, Any]) -> Intent:
    return Intent(row["intent_id"], row["channel"], row["product_key"], row["institution"], row["seller_sku"],
                  OpKind(row["op"]), row["run_id"], row["created_at"], tuple(load_json(row["variant_skus"]) or ()),
                  row["resolved_at"], IntentOutcome(row["outcome"]) if row["outcome"] else None)


class Bindings:
    def __init__(self, file: LedgerFile):
        self._file = file

    # -- bindings ------------------------------------------------------------------------------------------

    def all(self, channel: str, *, of: Collection[str] | None = None) -> dict[str, Binding]:
        """Every binding of the channel, by product key; `of`: only these institutions' (a batch's)."""
        if of is None:
            return {row[1]: _binding(row) for row in self._file.rows(f"{_SELECT} WHERE channel = ?", (channel,))}
        rows = self._file.rows(f"{_SELECT} WHERE channel = ? AND institution IN (SELECT value FROM json_each(?))",
                               (channel, json.dumps(sorted(of))))
        return {row[1]: _binding(row) for row in rows}

    def bound_ids(self, channel: str) -> set[str]:
        """The listing ids the channel's bindings hold."""
        return {row[0] for row in self._file.rows("SELECT external_id FROM bindings WHERE channel = ?"
                                                  " AND external_id IS NOT NULL", (channel,))}

    def seller_skus_of(self, channel: str, skus: Collection[str], institutions: Collection[str], *,
                       products: bool = True) -> dict[str, tuple[str, str]]:
        """Which of `skus` (compared in lower case: SQLite's lower() folds ASCII letters only, and seller SKUs are
        ASCII) a binding of one of `institutions` carries on the channel: as one that has a price (a variant's, or
        the product's own when it has none) and, with `products`, as its product's own seller SKU. Lower-cased
        SKU -> (institution, the SKU as bound). One query, whatever the number of SKUs; none asked, none run."""
        if not skus or not institutions:
            return {}
        params = (json.dumps(sorted({s.lower() for s in skus})), json.dumps(sorted(institutions)), channel)
        sql = ("WITH wanted(sku) AS (SELECT value FROM json_each(?)), chosen(code) AS (SELECT value FROM json_each(?))"
               " SELECT b.institution, j.key FROM bindings b, json_each(b.prices) j WHERE b.channel = ?"
               " AND b.prices IS NOT NULL AND b.institution IN chosen AND lower(j.key) IN wanted")
        if products:
            sql += (" UNION SELECT b.institution, b.seller_sku FROM bindings b WHERE b.channel = ?"
                    " AND b.institution IN chosen AND lower(b.seller_sku) IN wanted")
            params += (channel,)
        return {sku.lower(): (institution, sku) for institution, sku in self._file.rows(sql, params)}

    def get(self, channel: str, key: str) -> Binding | None:
        rows = self._file.rows(f"{_SELECT} WHERE channel = ? AND product_key = ?", (channel, key))
        return _binding(rows[0]) if rows else None

    def holder(self, channel: str, external_id: str) -> str | None:
        """The product key bound to this listing id on the channel, if any."""
        rows = self._file.rows("SELECT product_key FROM bindings WHERE channel = ? AND external_id = ?",
                               (channel, external_id))
        return rows[0][0] if rows else None

    def save(self, b: Binding, *, intent_id: str | None = None,
             outcome: IntentOutcome = IntentOutcome.CREATED) -> Binding:
        """Insert or replace a binding; with `intent_id`, resolve that intent in the same transaction. Returns the
        binding as stored (with its `updated_at`)."""
        stamp = now()
        with self._file.transaction() as conn:
            _upsert(conn, b, stamp)
            if intent_id is not None:
                _resolve(conn, intent_id, outcome, stamp)
        return replace(b, updated_at=stamp)

    def update(self, channel: str, key: str, **values: Any) -> None:
        """Move acknowledged aspects of a binding: content_fp, prices, stock, status, variant_ids, ..."""
        unknown = set(values) - UPDATABLE
        if unknown:
            raise ValueError(f"not a binding's acknowledged aspect: {', '.join(sorted(unknown))}")
        encoded = {k: dump_json(v) if k in _JSON_FIELDS else v for k, v in values.items()}
        encoded["updated_at"] = now()
        assignments = ", ".join(f"{k} = :{k}" for k in encoded)
        with self._file.transaction() as conn:
            conn.execute(f"UPDATE bindings SET {assignments} WHERE channel = :channel AND product_key = :key",
                         {**encoded, "channel": channel, "key": key})

    def delete(self, channel: str, key: str) -> None:
        with self._file.transaction() as conn:
            conn.execute("DELETE FROM bindings WHERE channel = ? AND product_key = ?", (channel, key))

    # -- intents to create ---------------------------------------------------------------------------------

    def begin_intent(self, channel: str, key: str, institution: str, seller_sku: str, op: OpKind,
                     run_id: str | None, variant_skus: Sequence[str] = ()) -> str:
        """Commit the intent to create before the call is sent; returns its id (the create's idempotency key)."""
        intent_id = uuid.uuid4().hex
        with self._file.transaction() as conn:
            conn.execute(
                "INSERT INTO intents (intent_id, channel, product_key, institution, seller_sku, op, run_id,"
                " created_at, variant_skus) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (intent_id, channel, key, institution, seller_sku, op, run_id, now(), dump_json(list(variant_skus))),
            )
        return intent_id

    def resolve_intent(self, intent_id: str, outcome: IntentOutcome) -> None:
        with self._file.transaction() as conn:
            _resolve(conn, intent_id, outcome, now())

    def open_intents(self, channel: str) -> list[Intent]:
        rows = self._file.query("SELECT * FROM intents WHERE channel = ? AND resolved_at IS NULL ORDER BY created_at",
                                (channel,))
        return [_intent(r) for r in rows]

    # -- links (adopting existing listings) ----------------------------------------------------------------

    def forget_links(self) -> list[str]:
        """Every channel counts as never linked again (a restored ledger): the next sync links each first."""
        with self._file.transaction() as conn:
            channels = [row[0] for row in conn.execute("SELECT channel FROM links ORDER BY channel")]
            conn.execute("DELETE FROM links")
            conn.execute("DELETE FROM catalog_marks")  # what they vouched for is to be linked again
        return channels

    def linked(self, channel: str) -> bool:
        return bool(self._file.rows("SELECT 1 FROM links WHERE channel = ?", (channel,)))

    def record_link(self, channel: str, adopted: Iterable[Binding], conflicts: Iterable[LinkConflict], *,
                    institutions: set[str], complete: bool, run_id: str | None = None) -> None:
        """One link of a channel, in one transaction: the adopted listings' bindings, and the conflicts of the
        `institutions` it covered (they replace that link's earlier ones: a conflict resolved in the seller centre is
        gone after the next link). `complete`: every catalog was read, so the channel counts as linked and a sync no
        longer links it first."""
        stamp = now()
        adopted = list(adopted)
        with self._file.transaction() as conn:
            for b in adopted:
                _upsert(conn, b, stamp)
            scope = sorted(institutions)
            marks = ",".join("?" * len(scope))
            conn.execute(f"DELETE FROM link_conflicts WHERE channel = ? AND institution IN ({marks})",
                         (channel, *scope))
            self._file.db["link_conflicts"].insert_all(
                {"channel": channel, "product_key": c.key, "institution": c.institution, "reason": c.reason,
                 "listings": json.dumps(list(c.listings)), "found_at": stamp} for c in conflicts)
            conn.execute("DELETE FROM catalog_marks WHERE channel = ?", (channel,))  # bindings moved: read again
            if complete:
                self._file.db["links"].upsert({"channel": channel, "linked_at": stamp, "run_id": run_id,
                                               "adopted": len(adopted)}, pk="channel")

    def link_conflicts(self, channel: str, *, of: Collection[str] | None = None) -> dict[str, LinkConflict]:
        """Products held until a link matches them, by product key (`of`: only these institutions')."""
        if of is None:
            rows = self._file.query("SELECT * FROM link_conflicts WHERE channel = ?", (channel,))
        else:
            rows = self._file.query("SELECT * FROM link_conflicts WHERE channel = ?"
                                    " AND institution IN (SELECT value FROM json_each(?))",
                                    (channel, json.dumps(sorted(of))))
        return {r["product_key"]: LinkConflict(r["product_key"], r["institution"], r["reason"],
                                               tuple(json.loads(r["listings"]))) for r in rows}


def _upsert(conn: sqlite3.Connection, b: Binding, stamp: str) -> None:
    conn.execute(
        """INSERT INTO bindings (channel, product_key, institution, seller_sku, external_id, variant_ids,
               status, content_fp, prices, stock, invalid_fp, last_error, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (channel, product_key) DO UPDATE SET
               institution = excluded.institution, seller_sku = excluded.seller_sku,
               external_id = excluded.external_id, variant_ids = excluded.variant_ids,
               status = excluded.status, content_fp = excluded.content_fp, prices = excluded.prices,
               stock = excluded.stock, invalid_fp = excluded.invalid_fp, last_error = excluded.last_error,
               updated_at = excluded.updated_at""",
        (b.channel, b.product_key, b.institution, b.seller_sku, b.external_id, dump_json(b.variant_ids),
         b.status, b.content_fp, dump_json(b.prices), dump_json(b.stock), b.invalid_fp, b.last_error, stamp, stamp),
    )


def _resolve(conn: sqlite3.Connection, intent_id: str, outcome: IntentOutcome, stamp: str) -> None:
    conn.execute("UPDATE intents SET resolved_at = ?, outcome = ? WHERE intent_id = ?", (stamp, outcome, intent_id))
