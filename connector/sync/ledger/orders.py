"""Orders pulled from the channels, each channel's cursor, and the stock basis: units sold are counted once.

A repeated pull never counts an order line twice (the latest status wins); sales are subtracted from the stock
figure staff set in the catalog only until they set a new one (the new figure accounts for every sale before it).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict

from connector.sync.ledger.connection import LedgerFile, dump_json, now
from connector.sync.ledger.model import SaleLine

PLACED = "placed"


class Orders:
    def __init__(self, file: LedgerFile):
        self._file = file

    def cursor(self, channel: str) -> str | None:
        rows = self._file.rows("SELECT cursor FROM order_cursors WHERE channel = ?", (channel,))
        return rows[0][0] if rows else None

    def record(self, channel: str, lines: Sequence[SaleLine], cursor: str) -> None:
        """Upsert the channel's order lines (the latest status wins, so a repeated pull never counts twice) and move
        its cursor, in one transaction: a killed run keeps both or neither."""
        stamp = now()
        with self._file.transaction() as conn:
            # Not sqlite-utils' upsert: a line seen again without a known SKU keeps the institution found before.
            conn.executemany(
                "INSERT INTO orders (channel, order_id, seller_sku, institution, stock_key, quantity, status, at,"
                " seen_at, settled, unit_price) VALUES (:channel, :order_id, :seller_sku, :institution, :stock_key,"
                " :quantity, :status, :at, :seen_at, 0, :unit_price)"
                " ON CONFLICT (channel, order_id, seller_sku) DO UPDATE SET"
                " quantity = excluded.quantity, status = excluded.status, seen_at = excluded.seen_at,"
                " institution = coalesce(excluded.institution, institution),"
                " stock_key = coalesce(excluded.stock_key, stock_key),"
                " unit_price = coalesce(excluded.unit_price, unit_price)",
                [{**asdict(line), "channel": channel, "seen_at": stamp} for line in lines])
            self._file.db["order_cursors"].upsert({"channel": channel, "cursor": cursor, "at": stamp}, pk="channel")

    def sold_since_basis(self, catalog: dict[str, int], *, record: bool = True) -> dict[str, int]:
        """Units sold (placed, not cancelled or returned) per stock key since the catalog's figure for it was last
        set. When the catalog's figure differs from the basis, the count starts over: every order known so far is
        settled (the new figure accounts for it), so a sale is never subtracted twice, and a settled order that is
        cancelled later gives nothing back. `record=False` (dry run) changes nothing and counts a changed key as
        unsold. No change: one query of the asked keys' bases and one of their unsettled units."""
        asked = dump_json(sorted(catalog))
        bases = dict(self._file.rows("SELECT stock_key, stock FROM stock_basis"
                                     " WHERE stock_key IN (SELECT value FROM json_each(?))", (asked,)))
        changed = {key: stock for key, stock in catalog.items() if bases.get(key) != stock}
        if changed and record:
            stamp = now()
            with self._file.transaction() as conn:
                self._file.db["stock_basis"].upsert_all(
                    ({"stock_key": key, "stock": stock, "since": stamp} for key, stock in changed.items()),
                    pk="stock_key")
                conn.executemany("UPDATE orders SET settled = 1 WHERE stock_key = ? AND settled = 0",
                                 [(key,) for key in changed])
        rows = self._file.rows("SELECT stock_key, sum(quantity) FROM orders WHERE settled = 0 AND status = ?"
                               " AND stock_key IN (SELECT value FROM json_each(?)) GROUP BY stock_key",
                               (PLACED, asked))
        return {key: sold for key, sold in rows if key not in changed}

    def unattributed(self, channel: str, *, since: str) -> set[str]:
        """The seller SKUs of the channel's order lines seen at or after `since` (this run's pull: a line no
        product claimed then stays as it was) and not attributed to a catalog product."""
        return {sku for (sku,) in self._file.rows("SELECT DISTINCT seller_sku FROM orders WHERE channel = ?"
                                                  " AND stock_key IS NULL AND seen_at >= ?", (channel, since))}

    def attribute(self, channel: str, found: dict[str, tuple[str, str]]) -> None:
        """Attribute the channel's unattributed lines of each seller SKU to (institution, stock key)."""
        with self._file.transaction() as conn:
            conn.executemany("UPDATE orders SET institution = ?, stock_key = ? WHERE channel = ? AND seller_sku = ?"
                             " AND stock_key IS NULL", [(i, key, channel, sku) for sku, (i, key) in found.items()])

    def sales(self, *, institution: str | None = None, since: str | None = None, until: str | None = None,
              institutions: Collection[str] = ()) -> list[SaleLine]:
        """Order lines as recorded, by institution, channel and time, for `pasindo sales`: of `institution` (or
        of any of `institutions`), placed at or after `since` and before `until` (ISO 8601 UTC)."""
        where, params = ["1 = 1"], []
        chosen = [*([institution] if institution else []), *institutions]
        if chosen:
            where.append(f"institution IN ({', '.join('?' * len(chosen))})")
            params += chosen
        if since:
            where.append("at >= ?")
            params.append(since)
        if until:
            where.append("at < ?")
            params.append(until)
        rows = self._file.rows(
            f"SELECT channel, order_id, seller_sku, institution, stock_key, quantity, status, at, unit_price"
            f" FROM orders WHERE {' AND '.join(where)} ORDER BY institution, channel, at, order_id", tuple(params))
        return [SaleLine(*row) for row in rows]
