"""The sandbox's marketplace state in one SQLite file, shared by every dialect.

One connection serves every request thread behind one re-entrant lock: SQLite serialises writers
anyway, and a single connection is the only way an in-memory database is shared between threads.
WAL with ``synchronous=NORMAL`` keeps commits cheap (no fsync per request) while a crash can only lose
the last moments, which is fine for an emulator.

Tables are dialect-neutral: every row carries its dialect, prices are whole rupiah, weights grams,
times Unix seconds (UTC), statuses ``active`` / ``inactive`` / ``deleted``. Whatever only one marketplace
knows (brand, logistics, tier variations...) lives in the JSON ``extra`` / ``options`` columns.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    dialect     TEXT NOT NULL,
    item_id     INTEGER NOT NULL,
    seller_sku  TEXT,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    price       INTEGER NOT NULL,
    stock       INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'deleted')),
    category_id INTEGER,
    weight      INTEGER,
    images      TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    extra       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (dialect, item_id)
);
CREATE INDEX IF NOT EXISTS items_by_sku ON items (dialect, seller_sku);
CREATE TABLE IF NOT EXISTS models (
    dialect    TEXT NOT NULL,
    item_id    INTEGER NOT NULL,
    model_id   INTEGER NOT NULL,
    seller_sku TEXT,
    price      INTEGER NOT NULL,
    stock      INTEGER NOT NULL,
    options    TEXT NOT NULL,
    PRIMARY KEY (dialect, model_id)
);
CREATE INDEX IF NOT EXISTS models_by_item ON models (dialect, item_id);
CREATE TABLE IF NOT EXISTS images (
    dialect    TEXT NOT NULL,
    image_id   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (dialect, image_id)
);
CREATE TABLE IF NOT EXISTS tokens (
    dialect    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    token      TEXT NOT NULL,
    subject    TEXT NOT NULL,
    expires_at REAL,
    used       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (dialect, kind, token)
);
CREATE TABLE IF NOT EXISTS sequences (
    dialect TEXT NOT NULL,
    name    TEXT NOT NULL,
    value   INTEGER NOT NULL,
    PRIMARY KEY (dialect, name)
);
CREATE TABLE IF NOT EXISTS orders (
    dialect    TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    seller_sku TEXT NOT NULL,
    quantity   INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('placed', 'cancelled', 'returned')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (dialect, order_id)
);
CREATE TABLE IF NOT EXISTS order_changes (
    dialect    TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    change_id  INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('cancelled', 'returned')),
    quantity   INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (dialect, change_id)
);
CREATE INDEX IF NOT EXISTS order_changes_by_order ON order_changes (dialect, order_id);
CREATE TABLE IF NOT EXISTS counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""

_TABLES = ("items", "models", "images", "tokens", "sequences", "orders", "order_changes", "counters")


@dataclass
class Item:
    """A listing. With models (variants) ``price`` is the lowest model price and ``stock`` their sum."""

    dialect: str
    item_id: int
    seller_sku: str | None
    name: str
    description: str
    price: int
    stock: int
    status: str
    category_id: int | None
    weight_grams: int | None
    images: list[str]
    created_at: int
    updated_at: int
    attributes: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Model:
    """A variant of an item (Shopee "model", Lazada/TikTok "SKU")."""

    dialect: str
    item_id: int
    model_id: int
    seller_sku: str | None
    price: int
    stock: int
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Order:
    """A buyer's order of one seller SKU (the sandbox keeps one line per order)."""

    dialect: str
    order_id: str
    seller_sku: str
    quantity: int
    status: str  # placed | cancelled | returned
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class OrderChange:
    """Some units of a live order cancelled or returned while the rest of the order stays as it is."""

    dialect: str
    order_id: str
    change_id: int
    kind: str  # cancelled | returned
    quantity: int
    at: int


class OrderError(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    dialect: str
    kind: str
    token: str
    subject: str
    expires_at: float | None
    used: bool


class Store:
    """SQLite-backed state; ``path=None`` keeps everything in memory."""

    def __init__(self, path: Path | None) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        target = str(path) if path is not None else ":memory:"
        # isolation_level=None: transactions are begun explicitly in transaction(), so a nested
        # helper call never commits half of an operation.
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA busy_timeout = 5000")
        if path is not None:
            self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        with self.transaction():
            self._create_schema()

    def _create_schema(self) -> None:
        # Statement by statement: executescript() would commit the surrounding transaction.
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._conn.execute(statement)
        self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block atomically and alone; nested uses join the outer transaction."""
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._conn.execute("COMMIT")

    def _execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, params)

    def _fetchall(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def reset(self) -> None:
        """Forget every listing, image, token and counter."""
        with self.transaction():
            for table in _TABLES:
                self._execute(f"DELETE FROM {table}")

    # --- ids -------------------------------------------------------------------------------------

    def next_id(self, dialect: str, sequence: str, first: int) -> int:
        """The next number of a per-dialect sequence: ``first``, ``first + 1``, ... (persisted)."""
        with self.transaction():
            row = self._fetchall("SELECT value FROM sequences WHERE dialect = ? AND name = ?", (dialect, sequence))
            value = row[0]["value"] + 1 if row else first
            self._execute(
                "INSERT INTO sequences (dialect, name, value) VALUES (?, ?, ?) "
                "ON CONFLICT (dialect, name) DO UPDATE SET value = excluded.value",
                (dialect, sequence, value),
            )
            return value

    # --- items -----------------------------------------------------------------------------------

    def save_item(self, item: Item) -> None:
        """Insert or replace an item."""
        self._execute(
            "INSERT OR REPLACE INTO items (dialect, item_id, seller_sku, name, description, price, stock,"
            " status, category_id, weight, images, attributes, extra, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item.dialect,
                item.item_id,
                item.seller_sku,
                item.name,
                item.description,
                item.price,
                item.stock,
                item.status,
                item.category_id,
                item.weight_grams,
                _dump(item.images),
                _dump(item.attributes),
                _dump(item.extra),
                item.created_at,
                item.updated_at,
            ),
        )

    def get_item(self, dialect: str, item_id: int) -> Item | None:
        rows = self._fetchall("SELECT * FROM items WHERE dialect = ? AND item_id = ?", (dialect, item_id))
        return _item(rows[0]) if rows else None

    def query_items(
        self,
        dialect: str,
        *,
        statuses: Collection[str],
        seller_sku: str | None = None,
        name_contains: str | None = None,
        updated_from: int | None = None,
        updated_to: int | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[Item], int]:
        """One page of items in ``item_id`` order, and how many match in total."""
        if not statuses:
            return [], 0
        where = ["dialect = ?", f"status IN ({','.join('?' * len(statuses))})"]
        params: list[Any] = [dialect, *statuses]
        if seller_sku is not None:
            where.append("seller_sku = ?")
            params.append(seller_sku)
        if name_contains is not None:
            where.append("instr(lower(name), lower(?)) > 0")
            params.append(name_contains)
        if updated_from is not None:
            where.append("updated_at >= ?")
            params.append(updated_from)
        if updated_to is not None:
            where.append("updated_at <= ?")
            params.append(updated_to)
        condition = " AND ".join(where)
        with self._lock:
            total = self._conn.execute(f"SELECT count(*) FROM items WHERE {condition}", params).fetchone()[0]
            rows = self._conn.execute(
                f"SELECT * FROM items WHERE {condition} ORDER BY item_id LIMIT ? OFFSET ?",
                [*params, -1 if limit is None else limit, offset],
            ).fetchall()
        return [_item(row) for row in rows], total

    # --- models ----------------------------------------------------------------------------------

    def save_model(self, model: Model) -> None:
        self._execute(
            "INSERT OR REPLACE INTO models (dialect, item_id, model_id, seller_sku, price, stock, options)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                model.dialect,
                model.item_id,
                model.model_id,
                model.seller_sku,
                model.price,
                model.stock,
                _dump(model.options),
            ),
        )

    def models(self, dialect: str, item_ids: Collection[int]) -> dict[int, list[Model]]:
        """The models of each given item (items without models are absent), in ``model_id`` order."""
        if not item_ids:
            return {}
        # Sorted here, not by the query: with ORDER BY model_id SQLite walks the dialect's whole primary key (every
        # model of the shop) to skip a sort, instead of looking the items up by ``models_by_item``.
        rows = sorted(self._fetchall(
            f"SELECT * FROM models WHERE dialect = ? AND item_id IN ({','.join('?' * len(item_ids))})",
            [dialect, *item_ids],
        ), key=lambda row: row["model_id"])
        result: dict[int, list[Model]] = {}
        for row in rows:
            result.setdefault(row["item_id"], []).append(
                Model(
                    dialect=row["dialect"],
                    item_id=row["item_id"],
                    model_id=row["model_id"],
                    seller_sku=row["seller_sku"],
                    price=row["price"],
                    stock=row["stock"],
                    options=json.loads(row["options"]),
                )
            )
        return result

    # --- orders ----------------------------------------------------------------------------------

    def place_order(self, dialect: str, order_id: str, seller_sku: str, quantity: int, at: int) -> None:
        """Record the order and take its units off that listing's stock, as a marketplace does on checkout."""
        with self.transaction():
            self._move_stock(dialect, seller_sku, -quantity)
            self._execute("INSERT INTO orders VALUES (?, ?, ?, ?, 'placed', ?, ?)",
                          (dialect, order_id, seller_sku, quantity, at, at))

    def end_order(self, order_id: str, status: str, at: int) -> Order:
        """Cancel or return a placed order; a cancellation puts its units back on the listing."""
        with self.transaction():
            rows = self._fetchall("SELECT * FROM orders WHERE order_id = ?", (order_id,))
            if not rows:
                raise OrderError(f"no order {order_id}")
            order = _order(rows[0])
            if order.status != "placed":
                raise OrderError(f"order {order_id} is already {order.status}")
            if status == "cancelled":
                # Units cancelled earlier by change_order are back on the listing already.
                cancelled = sum(c.quantity for c in self.order_changes(order.dialect, order_ids=[order_id])
                                if c.kind == "cancelled")
                self._move_stock(order.dialect, order.seller_sku, order.quantity - cancelled)
            self._execute("UPDATE orders SET status = ?, updated_at = ? WHERE dialect = ? AND order_id = ?",
                          (status, at, order.dialect, order_id))
        return Order(**{**order.__dict__, "status": status, "updated_at": at})

    def change_order(self, order_id: str, kind: str, quantity: int, at: int) -> OrderChange:
        """Cancel or return ``quantity`` units of a placed order, the rest staying placed; cancelled units go back on
        the listing. When no unit is left the order ends: cancelled if every unit was, else returned."""
        with self.transaction():
            rows = self._fetchall("SELECT * FROM orders WHERE order_id = ?", (order_id,))
            if not rows:
                raise OrderError(f"no order {order_id}")
            order = _order(rows[0])
            if order.status != "placed":
                raise OrderError(f"order {order_id} is already {order.status}")
            changes = self.order_changes(order.dialect, order_ids=[order_id])
            left = order.quantity - sum(change.quantity for change in changes)
            if not 1 <= quantity <= left:
                raise OrderError(f"order {order_id} has {left} unit(s) left to change, not {quantity}")
            if kind == "cancelled":
                self._move_stock(order.dialect, order.seller_sku, quantity)
            change = OrderChange(order.dialect, order_id, self.next_id(order.dialect, "order_change", 1), kind,
                                 quantity, at)
            self._execute("INSERT INTO order_changes VALUES (?, ?, ?, ?, ?, ?)",
                          (change.dialect, order_id, change.change_id, kind, quantity, at))
            if quantity == left:
                ended = "cancelled" if all(c.kind == "cancelled" for c in [*changes, change]) else "returned"
                self._execute("UPDATE orders SET status = ?, updated_at = ? WHERE dialect = ? AND order_id = ?",
                              (ended, at, order.dialect, order_id))
        return change

    def order_changes(self, dialect: str, *, since: int | None = None, order_ids: Collection[str] | None = None
                      ) -> list[OrderChange]:
        """Partial cancellations and returns made at or after ``since`` (or of the given orders), oldest first."""
        if order_ids is not None and not order_ids:
            return []
        where, params = ["dialect = ?"], [dialect]
        if since is not None:
            where.append("at >= ?")
            params.append(since)
        if order_ids is not None:
            where.append(f"order_id IN ({','.join('?' * len(order_ids))})")
            params.extend(order_ids)
        rows = self._fetchall(f"SELECT * FROM order_changes WHERE {' AND '.join(where)} ORDER BY change_id", params)
        return [OrderChange(row["dialect"], row["order_id"], row["change_id"], row["kind"], row["quantity"], row["at"])
                for row in rows]

    def orders(self, dialect: str, *, updated_from: int | None = None, order_ids: Collection[str] | None = None
               ) -> list[Order]:
        """Orders updated at or after ``updated_from`` (or the given ids), oldest update first."""
        where, params = ["dialect = ?"], [dialect]
        if updated_from is not None:
            where.append("updated_at >= ?")
            params.append(updated_from)
        if order_ids is not None:
            where.append(f"order_id IN ({','.join('?' * len(order_ids))})")
            params.extend(order_ids)
        rows = self._fetchall(f"SELECT * FROM orders WHERE {' AND '.join(where)} ORDER BY updated_at, order_id",
                              params)
        return [_order(row) for row in rows]

    def _move_stock(self, dialect: str, seller_sku: str, by: int) -> None:
        models = self._fetchall(
            "SELECT m.item_id, m.model_id, m.stock FROM models m JOIN items i USING (dialect, item_id)"
            " WHERE m.dialect = ? AND m.seller_sku = ? AND i.status != 'deleted'", (dialect, seller_sku))
        if models:
            item_id, stock = models[0]["item_id"], models[0]["stock"]
            if stock + by < 0:
                raise OrderError(f"only {stock} of {seller_sku} in stock")
            self._execute("UPDATE models SET stock = stock + ? WHERE dialect = ? AND model_id = ?",
                          (by, dialect, models[0]["model_id"]))
        else:
            items = self._fetchall("SELECT item_id, stock FROM items WHERE dialect = ? AND seller_sku = ?"
                                   " AND status != 'deleted'", (dialect, seller_sku))
            if not items:
                raise OrderError(f"no listing with seller SKU {seller_sku} on {dialect}")
            item_id, stock = items[0]["item_id"], items[0]["stock"]
            if stock + by < 0:
                raise OrderError(f"only {stock} of {seller_sku} in stock")
        self._execute("UPDATE items SET stock = stock + ? WHERE dialect = ? AND item_id = ?", (by, dialect, item_id))

    # --- images ----------------------------------------------------------------------------------

    def add_image(self, dialect: str, image_id: str, sha256: str, size: int, created_at: int) -> None:
        self._execute(
            "INSERT INTO images (dialect, image_id, sha256, size, created_at) VALUES (?, ?, ?, ?, ?)",
            (dialect, image_id, sha256, size, created_at),
        )

    def known_images(self, dialect: str, image_ids: Collection[str]) -> set[str]:
        """Which of the given image ids were uploaded."""
        if not image_ids:
            return set()
        marks = ",".join("?" * len(image_ids))
        rows = self._fetchall(
            f"SELECT image_id FROM images WHERE dialect = ? AND image_id IN ({marks})", [dialect, *image_ids]
        )
        return {row["image_id"] for row in rows}

    # --- tokens ----------------------------------------------------------------------------------

    def put_token(
        self, dialect: str, kind: str, token: str, subject: str, expires_at: float | None, *, replace: bool
    ) -> None:
        """Store a token; with ``replace=False`` an existing one (maybe already used) is kept as is."""
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        self._execute(
            f"{verb} INTO tokens (dialect, kind, token, subject, expires_at, used) VALUES (?, ?, ?, ?, ?, 0)",
            (dialect, kind, token, subject, expires_at),
        )

    def get_token(self, dialect: str, kind: str, token: str) -> Token | None:
        rows = self._fetchall(
            "SELECT * FROM tokens WHERE dialect = ? AND kind = ? AND token = ?", (dialect, kind, token)
        )
        if not rows:
            return None
        row = rows[0]
        return Token(row["dialect"], row["kind"], row["token"], row["subject"], row["expires_at"], bool(row["used"]))

    def mark_token_used(self, dialect: str, kind: str, token: str) -> None:
        self._execute("UPDATE tokens SET used = 1 WHERE dialect = ? AND kind = ? AND token = ?", (dialect, kind, token))

    # --- counters --------------------------------------------------------------------------------

    def bump(self, name: str, by: int = 1) -> None:
        self._execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
            (name, by),
        )

    def counters(self) -> dict[str, int]:
        return {row["name"]: row["value"] for row in self._fetchall("SELECT name, value FROM counters")}


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _order(row: sqlite3.Row) -> Order:
    return Order(row["dialect"], row["order_id"], row["seller_sku"], row["quantity"], row["status"],
                 row["created_at"], row["updated_at"])


def _item(row: sqlite3.Row) -> Item:
    return Item(
        dialect=row["dialect"],
        item_id=row["item_id"],
        seller_sku=row["seller_sku"],
        name=row["name"],
        description=row["description"],
        price=row["price"],
        stock=row["stock"],
        status=row["status"],
        category_id=row["category_id"],
        weight_grams=row["weight"],
        images=json.loads(row["images"]),
        attributes=json.loads(row["attributes"]),
        extra=json.loads(row["extra"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
