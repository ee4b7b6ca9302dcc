"""Sales on every channel share one stock: orders pulled from the sandbox over real HTTP, counted once in the ledger."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing

import openpyxl
import pytest
from click.testing import CliRunner

from connector import logs
from connector.cli import main
from connector.config import StockRule, load_config
from connector.sandbox import SandboxServer
from connector.sync.desired import available_stock, channel_stock
from connector.sync.kinds import OpKind
from connector.sync.run import Sync, SyncOptions
from tests.helpers import SKU, Shops


@pytest.fixture
def sandbox(tmp_path):
    server = SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", timeout_seconds=1)
    server.start()
    yield server
    server.stop()


def test_a_sale_on_one_channel_lowers_every_channel_and_a_catalog_update_restarts_the_count(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url, stock=3)
    shops.sync()
    assert shops.stock() == {"shopee": 3, "lazada": 3, "tiktokshop": 3}
    first, _ = shops.order("shopee"), shops.order("shopee")
    assert shops.stock() == {"shopee": 1, "lazada": 3, "tiktokshop": 3}  # the marketplace took them off
    shops.sync("--only", "stock")
    assert shops.stock() == {"shopee": 1, "lazada": 1, "tiktokshop": 1}
    shops.end(first, "cancel")
    shops.sync("--only", "stock")
    assert shops.stock() == {"shopee": 2, "lazada": 2, "tiktokshop": 2}
    shops.set_stock(2)  # staff took the remaining sale off their spreadsheet
    shops.sync()
    assert shops.stock() == {"shopee": 2, "lazada": 2, "tiktokshop": 2}
    shops.sync()
    assert shops.stock() == {"shopee": 2, "lazada": 2, "tiktokshop": 2}


def test_sales_on_lazada_and_tiktok_count_and_returns_give_units_back(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url, stock=5)
    shops.sync()
    shops.order("lazada", 2)
    returned = shops.order("tiktokshop")
    shops.sync("--only", "stock")
    assert shops.stock() == {"shopee": 2, "lazada": 2, "tiktokshop": 2}
    shops.end(returned, "return")
    shops.sync("--only", "stock")
    assert shops.stock() == {"shopee": 3, "lazada": 3, "tiktokshop": 3}


def test_repeated_pulls_and_a_lost_cursor_never_count_an_order_twice(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url, stock=4)
    shops.sync()
    shops.order("shopee")
    shops.sync("--only", "stock")
    shops.sync("--only", "stock")
    ledger = shops.ledger()
    try:
        with ledger.transaction() as conn:  # as if a run were killed before its cursors were kept
            conn.execute("DELETE FROM order_cursors")
    finally:
        ledger.close()
    shops.sync("--only", "stock")
    assert shops.stock() == {"shopee": 3, "lazada": 3, "tiktokshop": 3}
    ledger = shops.ledger()
    try:
        assert [(s.channel, s.quantity, s.status) for s in ledger.orders.sales()] == [("shopee", 1, "placed")]
    finally:
        ledger.close()


def test_sales_lists_orders_per_institution_and_channel_as_json_and_spreadsheet_csv(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url, stock=3)
    shops.sync()
    sold = shops.order("shopee", 2)
    cancelled = shops.order("lazada")
    shops.end(cancelled, "cancel")
    shops.sync("--only", "stock")
    code, out = shops.cli("sales", "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert [(r["institution"], r["channel"], r["order_id"], r["quantity"], r["status"]) for r in doc["orders"]] == [
        ("lapas-uji", "lazada", cancelled, 1, "cancelled"), ("lapas-uji", "shopee", sold, 2, "placed")]
    assert doc["totals"] == [{"institution": "lapas-uji", "channel": "shopee", "sku": "DMP-00", "sold": 2}]
    result = CliRunner().invoke(main, ["--config", str(shops.config), "sales", "--format", "csv",
                                       "--institution", "lapas-uji"])
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Lembaga", "Kanal", "No. Pesanan", "SKU", "SKU Penjual", "Jumlah", "Status", "Waktu Pesanan",
                       "Harga Satuan", "Nilai"]
    assert [r[1:3] + r[5:7] for r in rows[1:]] == [["lazada", cancelled, "1", "dibatalkan"],
                                                  ["shopee", sold, "2", "terjual"]]


def test_a_channel_gets_its_allocation_of_the_available_stock_after_the_buffer():
    assert channel_stock(available_stock(10, 3), StockRule()) == 7
    assert channel_stock(available_stock(10, 3), StockRule(allocation_percent=50)) == 3  # rounded down
    assert channel_stock(available_stock(10, 3), StockRule(buffer=1, allocation_percent=50, max=2)) == 2
    assert available_stock(2, 5) == 0


def test_sales_as_a_workbook_for_staff(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url, stock=3)
    shops.sync()
    sold = shops.order("shopee", 2)
    shops.sync("--only", "stock")
    target = tmp_path / "penjualan.xlsx"
    code, out = shops.cli("sales", "--format", "xlsx", "--output", str(target))
    assert code == 0, out
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Pesanan", "Terjual", "Total"]
    orders = list(book["Pesanan"].iter_rows(values_only=True))
    assert orders[0] == ("Lembaga", "Kanal", "No. Pesanan", "SKU", "SKU Penjual", "Jumlah", "Status", "Waktu Pesanan",
                         "Harga Satuan", "Nilai")
    assert [(r[1], r[2], r[5], r[6]) for r in orders[1:]] == [("shopee", sold, 2, "terjual")]
    assert list(book["Terjual"].iter_rows(values_only=True))[1] == ("lapas-uji", "shopee", "DMP-00", 2)


def plan_stock(shops: Shops, **options) -> dict[str, dict[str, int]]:
    """One sync through the library: the stock each channel's plan sets, by seller SKU."""
    config = load_config(shops.config)
    sync = Sync(config, SyncOptions(**options), log=logs.get_logger())
    try:
        result = sync.run()
    finally:
        sync.close()
    return {p.channel: {sku: n for op in p.ops if op.kind == OpKind.STOCK for sku, n in op.desired.stock.items()}
            for p in result.plans}


def recorded(shops: Shops) -> tuple[list, list]:
    """The ledger's orders and stock bases, as stored."""
    with closing(sqlite3.connect(shops.dir / "state" / "ledger.sqlite")) as conn:
        return (conn.execute("SELECT * FROM orders ORDER BY channel, order_id").fetchall(),
                conn.execute("SELECT * FROM stock_basis ORDER BY stock_key").fetchall())


def test_a_dry_run_plans_the_stock_the_next_real_run_sets_after_sales_and_after_a_restock(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url, stock=3)
    shops.sync()
    shops.order("shopee", 2)
    shops.sync("--only", "price")  # the sale is pulled and recorded; no stock is sent yet
    before = recorded(shops)
    dry = plan_stock(shops, dry_run=True)
    assert recorded(shops) == before  # a dry run pulls no order and moves no basis
    assert dry == plan_stock(shops) == {"shopee": {SKU: 1}, "lazada": {SKU: 1}, "tiktokshop": {SKU: 1}}
    shops.set_stock(5)  # staff restocked: the new figure accounts for every sale so far
    dry = plan_stock(shops, dry_run=True)
    assert dry == plan_stock(shops) == {"shopee": {SKU: 5}, "lazada": {SKU: 5}, "tiktokshop": {SKU: 5}}
    assert shops.stock() == {"shopee": 5, "lazada": 5, "tiktokshop": 5}


def test_an_implausible_order_line_is_left_out_and_never_raises_stock():
    from datetime import UTC, datetime

    import structlog

    from connector.adapters.base import OrderLine
    from connector.sync.sold import sane_lines

    at = datetime(2026, 12, 2, tzinfo=UTC)
    lines = [OrderLine("A1", "LPUJI-DMP-00", -1000, "placed", at), OrderLine("A2", "LPUJI-DMP-00", True, "placed", at),
             OrderLine("A3", "", 1, "placed", at), OrderLine("A4", "LPUJI-DMP-00", 2, "placed", at, unit_price=-5),
             OrderLine("A5", "LPUJI-DMP-00", 1, "placed", at, unit_price=150_000)]
    with structlog.testing.capture_logs() as seen:
        kept = sane_lines("shopee", lines, structlog.get_logger())
    assert [(line.order_id, line.quantity, line.unit_price) for line in kept] == [("A4", 2, None), ("A5", 1, 150_000)]
    assert [e["order_id"] for e in seen if e["event"] == "order_line_ignored"] == ["A1", "A2", "A3"]
