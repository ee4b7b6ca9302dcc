"""The ledger: what each channel has acknowledged, what is in flight, and what every run did.

One SQLite file in `state_dir` (WAL, synchronous=FULL, one writer at a time). A fingerprint or a binding
moves only when the channel acknowledged the write. An intent is committed *before* a create call, so a run
killed at any point leaves either a binding or an open intent to resolve by lookup — never a blind re-create.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

SCHEMA_VERSION = 4


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Binding:
    """One product on one channel, as the channel acknowledged it."""

    channel: str
    product_key: str
    institution: str
    seller_sku: str
    external_id: str | None = None
    variant_ids: dict[str, str] = field(default_factory=dict)
    status: str = "active"  # active | inactive
    content_fp: str | None = None
    prices: dict[str, int] | None = None  # acknowledged price per seller SKU
    stock: dict[str, int] | None = None  # acknowledged stock per seller SKU
    invalid_fp: str | None = None  # content the channel refused: not retried until it changes
    last_error: str | None = None
    updated_at: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Binding:
        return cls(
            channel=row["channel"], product_key=row["product_key"], institution=row["institution"],
            seller_sku=row["seller_sku"], external_id=row["external_id"],
            variant_ids=_load(row["variant_ids"]) or {}, status=row["status"],
            content_fp=row["content_fp"], prices=_load(row["prices"]), stock=_load(row["stock"]),
            invalid_fp=row["invalid_fp"], last_error=row["last_error"], updated_at=row["updated_at"],
        )


_decode = json.JSONDecoder().decode


def _load(text: str | None) -> Any:
    return None if text is None else {} if text == "{}" else _decode(text)


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE bindings (
        channel TEXT NOT NULL, product_key TEXT NOT NULL, institution TEXT NOT NULL, seller_sku TEXT NOT NULL,
        external_id TEXT, variant_ids TEXT, status TEXT NOT NULL DEFAULT 'active',
        content_fp TEXT, prices TEXT, stock TEXT, invalid_fp TEXT, last_error TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        PRIMARY KEY (channel, product_key)
    );
    CREATE UNIQUE INDEX bindings_external ON bindings (channel, external_id) WHERE external_id IS NOT NULL;
    CREATE INDEX bindings_institution ON bindings (channel, institution);
    CREATE TABLE intents (
        intent_id TEXT PRIMARY KEY, channel TEXT NOT NULL, product_key TEXT NOT NULL, institution TEXT NOT NULL,
        seller_sku TEXT NOT NULL, op TEXT NOT NULL, run_id TEXT, created_at TEXT NOT NULL,
        resolved_at TEXT, outcome TEXT
    );
    CREATE INDEX intents_open ON intents (channel) WHERE resolved_at IS NULL;
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY, trigger TEXT NOT NULL, pid INTEGER, options TEXT,
        started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, summary TEXT
    );
    CREATE TABLE run_items (
        id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, channel TEXT NOT NULL, institution TEXT,
        product_key TEXT, op TEXT NOT NULL, outcome TEXT NOT NULL, error_class TEXT, code TEXT, message TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX run_items_run ON run_items (run_id);
    CREATE TABLE rejects (
        id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, institution TEXT NOT NULL, file TEXT, row INTEGER,
        "column" TEXT, value TEXT, reason TEXT NOT NULL, message_en TEXT, message_id TEXT, sku TEXT
    );
    CREATE INDEX rejects_institution ON rejects (institution);
    CREATE TABLE media (
        channel TEXT NOT NULL, sha256 TEXT NOT NULL, image_id TEXT NOT NULL, uploaded_at TEXT NOT NULL,
        PRIMARY KEY (channel, sha256)
    );
    CREATE TABLE files (
        path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL
    );
    CREATE TABLE tokens (
        channel TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    """,
    # 2: variant SKUs on intents, for marketplaces that find a product only by its variants' seller SKUs
    """
    ALTER TABLE intents ADD COLUMN variant_skus TEXT
    """,
    # 3: adopting existing listings: when each channel was linked, and the products a link could not match safely
    """
    CREATE TABLE links (
        channel TEXT PRIMARY KEY, linked_at TEXT NOT NULL, run_id TEXT, adopted INTEGER NOT NULL
    );
    CREATE TABLE link_conflicts (
        channel TEXT NOT NULL, product_key TEXT NOT NULL, institution TEXT NOT NULL, reason TEXT NOT NULL,
        listings TEXT NOT NULL, found_at TEXT NOT NULL,
        PRIMARY KEY (channel, product_key)
    )
    """,
    """
    CREATE TABLE orders (
        channel TEXT NOT NULL, order_id TEXT NOT NULL, seller_sku TEXT NOT NULL,
        institution TEXT, stock_key TEXT, quantity INTEGER NOT NULL, status TEXT NOT NULL,
        at TEXT NOT NULL, seen_at TEXT NOT NULL, settled INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (channel, order_id, seller_sku));
    CREATE INDEX orders_by_stock_key ON orders (stock_key, settled);
    CREATE TABLE order_cursors (channel TEXT PRIMARY KEY, cursor TEXT NOT NULL, at TEXT NOT NULL);
    CREATE TABLE stock_basis (stock_key TEXT PRIMARY KEY, stock INTEGER NOT NULL, since TEXT NOT NULL)
    """,
]


class Ledger:
    """The ledger file. Thread-safe: every write goes through one connection under one lock."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)  # tokens live here: owner only
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        with self._lock:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives power loss too
            conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        os.chmod(path, 0o600)

    def close(self) -> None:
        self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _migrate(self) -> None:
        conn = self.db.conn
        conn.execute("CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
        done = {r[0] for r in conn.execute("SELECT version FROM migrations")}
        for version, script in enumerate(MIGRATIONS, start=1):
            if version in done:
                continue
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
                conn.execute("INSERT INTO migrations VALUES (?, ?)", (version, now()))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def schema_version(self) -> int:
        return self.db.conn.execute("SELECT max(version) FROM migrations").fetchone()[0]

    def integrity(self) -> str:
        return self.db.conn.execute("PRAGMA integrity_check").fetchone()[0]

    def _query(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query(sql, params))

    # -- bindings ------------------------------------------------------------------------------------------

    def bindings(self, channel: str) -> dict[str, Binding]:
        rows = self._query("SELECT * FROM bindings WHERE channel = ?", (channel,))
        return {r["product_key"]: Binding.from_row(r) for r in rows}

    def binding(self, channel: str, key: str) -> Binding | None:
        rows = self._query("SELECT * FROM bindings WHERE channel = ? AND product_key = ?", (channel, key))
        return Binding.from_row(rows[0]) if rows else None

    def save_binding(self, b: Binding, *, intent_id: str | None = None, outcome: str = "created") -> None:
        """Insert or replace a binding; with `intent_id`, resolve that intent in the same transaction."""
        stamp = now()
        with self.transaction() as conn:
            self._upsert_binding(conn, b, stamp)
            if intent_id is not None:
                conn.execute("UPDATE intents SET resolved_at = ?, outcome = ? WHERE intent_id = ?",
                             (stamp, outcome, intent_id))
        b.updated_at = stamp

    @staticmethod
    def _upsert_binding(conn: sqlite3.Connection, b: Binding, stamp: str) -> None:
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
            (b.channel, b.product_key, b.institution, b.seller_sku, b.external_id, _dump(b.variant_ids),
             b.status, b.content_fp, _dump(b.prices), _dump(b.stock), b.invalid_fp, b.last_error, stamp,
             stamp),
        )

    def update_binding(self, channel: str, key: str, **values: Any) -> None:
        """Move acknowledged aspects of a binding: content_fp, prices, stock, status, variant_ids, ..."""
        encoded = {k: _dump(v) if k in ("prices", "stock", "variant_ids") else v for k, v in values.items()}
        encoded["updated_at"] = now()
        assignments = ", ".join(f"{k} = :{k}" for k in encoded)
        with self.transaction() as conn:
            conn.execute(f"UPDATE bindings SET {assignments} WHERE channel = :channel AND product_key = :key",
                         {**encoded, "channel": channel, "key": key})

    def delete_binding(self, channel: str, key: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM bindings WHERE channel = ? AND product_key = ?", (channel, key))

    # -- links (adopting existing listings) ----------------------------------------------------------------

    def linked(self, channel: str) -> bool:
        return bool(self._query("SELECT 1 FROM links WHERE channel = ?", (channel,)))

    def record_link(self, channel: str, adopted: list[Binding], conflicts: list[dict[str, Any]], *,
                    institutions: set[str], complete: bool, run_id: str | None = None) -> None:
        """One link of a channel, in one transaction: the adopted listings' bindings, and the conflicts of the
        `institutions` it covered (they replace that link's earlier ones: a conflict resolved in the seller centre is
        gone after the next link). `complete`: every catalog was read, so the channel counts as linked and a sync no
        longer links it first. `conflicts`: {product_key, institution, reason, listings}."""
        stamp = now()
        with self.transaction() as conn:
            for b in adopted:
                self._upsert_binding(conn, b, stamp)
            scope = sorted(institutions)
            marks = ",".join("?" * len(scope))
            conn.execute(f"DELETE FROM link_conflicts WHERE channel = ? AND institution IN ({marks})",
                         (channel, *scope))
            conn.executemany(
                "INSERT INTO link_conflicts (channel, product_key, institution, reason, listings, found_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(channel, c["product_key"], c["institution"], c["reason"], json.dumps(c["listings"]), stamp)
                 for c in conflicts])
            if complete:
                conn.execute("INSERT OR REPLACE INTO links (channel, linked_at, run_id, adopted) VALUES (?, ?, ?, ?)",
                             (channel, stamp, run_id, len(adopted)))

    def link_conflicts(self, channel: str) -> dict[str, dict[str, Any]]:
        """Products held until a link matches them: product key -> {institution, reason, listings}."""
        rows = self._query("SELECT * FROM link_conflicts WHERE channel = ?", (channel,))
        return {r["product_key"]: {"institution": r["institution"], "reason": r["reason"],
                                   "listings": json.loads(r["listings"])} for r in rows}

    # -- intents -------------------------------------------------------------------------------------------

    def begin_intent(self, channel: str, key: str, institution: str, seller_sku: str, op: str,
                     run_id: str | None, variant_skus: list[str] | None = None) -> str:
        intent_id = uuid.uuid4().hex
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO intents (intent_id, channel, product_key, institution, seller_sku, op, run_id,"
                " created_at, variant_skus) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (intent_id, channel, key, institution, seller_sku, op, run_id, now(), _dump(variant_skus or [])),
            )
        return intent_id

    def resolve_intent(self, intent_id: str, outcome: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE intents SET resolved_at = ?, outcome = ? WHERE intent_id = ?",
                         (now(), outcome, intent_id))

    def open_intents(self, channel: str) -> list[dict[str, Any]]:
        return self._query("SELECT * FROM intents WHERE channel = ? AND resolved_at IS NULL ORDER BY created_at",
                           (channel,))

    # -- runs ----------------------------------------------------------------------------------------------

    def start_run(self, trigger: str, options: dict[str, Any]) -> str:
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        with self.transaction() as conn:
            conn.execute("UPDATE runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'",
                         (now(),))  # the caller holds the sync lock: a 'running' run left is a dead one
            conn.execute(
                "INSERT INTO runs (run_id, trigger, pid, options, started_at, status) VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, trigger, os.getpid(), json.dumps(options, sort_keys=True), now(), "running"),
            )
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE runs SET status = ?, finished_at = ?, summary = ? WHERE run_id = ?",
                         (status, now(), json.dumps(summary, sort_keys=True, ensure_ascii=False), run_id))

    def run(self, run_id: str | None = None) -> dict[str, Any] | None:
        if run_id is None:
            rows = self._query("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1")
        else:
            rows = self._query("SELECT * FROM runs WHERE run_id = ?", (run_id,))
        return rows[0] if rows else None

    def record_item(self, run_id: str, channel: str, institution: str | None, key: str | None, op: str,
                    outcome: str, *, error_class: str | None = None, code: str | None = None,
                    message: str | None = None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO run_items (run_id, channel, institution, product_key, op, outcome, error_class, code,"
                " message, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, channel, institution, key, op, outcome, error_class, code, message, now()),
            )

    def record_items(self, run_id: str, items: list[tuple[str, str | None, str | None, str, str, str | None]]) -> None:
        """Several (channel, institution, key, op, outcome, message) at once: one transaction, one disk sync."""
        stamp = now()
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO run_items (run_id, channel, institution, product_key, op, outcome, message, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(run_id, *item, stamp) for item in items])

    def run_items(self, run_id: str) -> list[dict[str, Any]]:
        return self._query("SELECT * FROM run_items WHERE run_id = ? ORDER BY id", (run_id,))

    def last_run(self, *, job: str | None = None) -> dict[str, Any] | None:
        """The latest run, or the latest one the daemon started for `job`."""
        if job is None:
            return self.run()
        rows = self._query("SELECT * FROM runs WHERE trigger = 'schedule' AND json_extract(options, '$.job') = ?"
                           " ORDER BY started_at DESC, rowid DESC LIMIT 1", (job,))
        return rows[0] if rows else None

    def prune(self, days: int) -> int:
        """Forget successful run items older than `days` (failures are kept), then runs older than that with
        nothing left to show, and settled intents. Returns the number of run items removed."""
        cutoff = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="milliseconds")
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM run_items WHERE at < ? AND outcome = 'ok'", (cutoff,))
            conn.execute("DELETE FROM runs WHERE finished_at < ? AND status != 'running'"
                         " AND NOT EXISTS (SELECT 1 FROM run_items i WHERE i.run_id = runs.run_id)"
                         " AND NOT EXISTS (SELECT 1 FROM rejects r WHERE r.run_id = runs.run_id)", (cutoff,))
            conn.execute("DELETE FROM intents WHERE resolved_at < ?", (cutoff,))
            return cur.rowcount

    # -- status --------------------------------------------------------------------------------------------

    def listing_counts(self) -> list[dict[str, Any]]:
        """Per channel and institution: listings active and inactive on the channel, and bindings whose content
        the channel refused (`invalid`, not retried until the content changes)."""
        return self._query(
            "SELECT channel, institution,"
            " sum(external_id IS NOT NULL AND status = 'active') AS active,"
            " sum(external_id IS NOT NULL AND status = 'inactive') AS inactive,"
            " sum(invalid_fp IS NOT NULL) AS invalid"
            " FROM bindings GROUP BY channel, institution ORDER BY channel, institution")

    def failing_counts(self) -> list[dict[str, Any]]:
        """Per channel and institution: products whose last operation failed (and nothing was acknowledged for
        them since: an acknowledged write moves the binding's `updated_at`)."""
        return self._query(
            "SELECT i.channel, i.institution, count(*) AS failing FROM run_items i"
            " JOIN (SELECT max(id) AS id FROM run_items WHERE product_key IS NOT NULL"
            "       GROUP BY channel, product_key) last ON last.id = i.id"
            " LEFT JOIN bindings b ON b.channel = i.channel AND b.product_key = i.product_key"
            " WHERE i.outcome = 'failed' AND (b.updated_at IS NULL OR i.at >= b.updated_at)"
            " GROUP BY i.channel, i.institution ORDER BY i.channel, i.institution")

    def token_expiry(self) -> dict[str, dict[str, Any]]:
        """Per channel: when the stored access token expires (Unix seconds, or None) — never the token itself."""
        out = {}
        for row in self._query("SELECT channel, data, updated_at FROM tokens ORDER BY channel"):
            try:
                expires_at = json.loads(row["data"]).get("expires_at")
            except (ValueError, AttributeError):
                expires_at = None
            out[row["channel"]] = {"expires_at": expires_at if isinstance(expires_at, int | float) else None,
                                   "updated_at": row["updated_at"]}
        return out

    # -- rejects -------------------------------------------------------------------------------------------

    def replace_rejects(self, run_id: str, refused: dict[str, list[dict[str, Any]]]) -> None:
        """Each institution's current refused rows (the latest reading of its catalog), in one transaction."""
        with self.transaction() as conn:
            for institution, rejects in refused.items():
                conn.execute("DELETE FROM rejects WHERE institution = ?", (institution,))
                conn.executemany(
                    'INSERT INTO rejects (run_id, institution, file, row, "column", value, reason, message_en,'
                    " message_id, sku) VALUES (:run_id, :institution, :file, :row, :column, :value, :reason,"
                    " :message_en, :message_id, :sku)",
                    [dict(r, run_id=run_id, institution=institution) for r in rejects],
                )

    def rejects(self, institution: str | None = None) -> list[dict[str, Any]]:
        if institution is None:
            return self._query("SELECT * FROM rejects ORDER BY institution, row")
        return self._query("SELECT * FROM rejects WHERE institution = ? ORDER BY row", (institution,))

    # -- media and file hashes (the adapters' MediaCache) --------------------------------------------------

    def get(self, channel: str, sha256: str) -> str | None:
        rows = self._query("SELECT image_id FROM media WHERE channel = ? AND sha256 = ?", (channel, sha256))
        return rows[0]["image_id"] if rows else None

    def put(self, channel: str, sha256: str, image_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO media VALUES (?, ?, ?, ?)", (channel, sha256, image_id, now()))

    def file_sha256(self, path: Path) -> str:
        """The content hash of a local image, re-read only when its size or mtime changed."""
        st = path.stat()
        key = str(path)
        rows = self._query("SELECT size, mtime_ns, sha256 FROM files WHERE path = ?", (key,))
        if rows and rows[0]["size"] == st.st_size and rows[0]["mtime_ns"] == st.st_mtime_ns:
            return rows[0]["sha256"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", (key, st.st_size, st.st_mtime_ns, digest))
        return digest

    # -- orders and shared stock ---------------------------------------------------------------------------

    def order_cursor(self, channel: str) -> str | None:
        rows = self._query("SELECT cursor FROM order_cursors WHERE channel = ?", (channel,))
        return rows[0]["cursor"] if rows else None

    def record_orders(self, channel: str, lines: list[dict[str, Any]], cursor: str) -> None:
        """Upsert the order lines (the latest status wins, so a repeated pull never counts twice) and move the
        channel's cursor, in one transaction: a killed run keeps both or neither."""
        stamp = now()
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO orders VALUES (:channel, :order_id, :seller_sku, :institution, :stock_key, :quantity,"
                " :status, :at, :seen_at, 0) ON CONFLICT (channel, order_id, seller_sku) DO UPDATE SET"
                " quantity = excluded.quantity, status = excluded.status, seen_at = excluded.seen_at,"
                " institution = coalesce(excluded.institution, institution),"
                " stock_key = coalesce(excluded.stock_key, stock_key)",
                [{**line, "channel": channel, "seen_at": stamp} for line in lines])
            conn.execute("INSERT OR REPLACE INTO order_cursors VALUES (?, ?, ?)", (channel, cursor, stamp))

    def sold_since_basis(self, catalog: dict[str, int], *, record: bool = True) -> dict[str, int]:
        """Units sold (placed, not cancelled or returned) per stock key since the catalog's figure for it was last
        set. When the catalog's figure differs from the basis, the count starts over: every order known so far is
        settled (the new figure accounts for it), so a sale is never subtracted twice, and a settled order that is
        cancelled later gives nothing back. `record=False` (dry run) changes nothing and counts a changed key as
        unsold. No change: one query of the bases and one of the unsettled units."""
        bases = {r["stock_key"]: r["stock"] for r in self._query("SELECT stock_key, stock FROM stock_basis")}
        changed = {key: stock for key, stock in catalog.items() if bases.get(key) != stock}
        if changed and record:
            stamp = now()
            with self.transaction() as conn:
                conn.executemany("INSERT OR REPLACE INTO stock_basis VALUES (?, ?, ?)",
                                 [(key, stock, stamp) for key, stock in changed.items()])
                conn.executemany("UPDATE orders SET settled = 1 WHERE stock_key = ? AND settled = 0",
                                 [(key,) for key in changed])
        rows = self._query("SELECT stock_key, sum(quantity) AS sold FROM orders"
                           " WHERE settled = 0 AND status = 'placed' AND stock_key IS NOT NULL GROUP BY stock_key")
        return {r["stock_key"]: r["sold"] for r in rows if r["stock_key"] in catalog and r["stock_key"] not in changed}

    def sales(self, *, institution: str | None = None, since: str | None = None) -> list[dict[str, Any]]:
        """Order lines as recorded, oldest first, for `pasindo sales`."""
        where, params = ["1 = 1"], []
        if institution:
            where.append("institution = ?")
            params.append(institution)
        if since:
            where.append("at >= ?")
            params.append(since)
        return self._query(f"SELECT institution, channel, order_id, seller_sku, stock_key, quantity, status, at"
                           f" FROM orders WHERE {' AND '.join(where)} ORDER BY institution, channel, at, order_id",
                           tuple(params))

    # -- tokens (the adapters' TokenStore) -----------------------------------------------------------------

    def load(self, channel: str) -> dict[str, Any] | None:
        rows = self._query("SELECT data FROM tokens WHERE channel = ?", (channel,))
        return json.loads(rows[0]["data"]) if rows else None

    def save(self, channel: str, tokens: dict[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO tokens VALUES (?, ?, ?)", (channel, json.dumps(tokens), now()))
