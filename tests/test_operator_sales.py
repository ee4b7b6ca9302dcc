"""Sales for accounting and the small conventions: unit price, amount and totals; times in the configured time
zone, dates as dates in xlsx; the dates people write; binary never to a terminal; `--version`; repeated options;
`--wait` saying what it waits for."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from connector.cli import main
from connector.sync.ledger import Ledger
from connector.sync.ledger.model import SaleLine
from connector.sync.lock import SyncLock
from tests.helpers import Shop

PASINDO = Path(sys.executable).parent / "pasindo"


def three_institutions(tmp_path: Path, url: str, extra: str = "") -> Shop:
    shop = Shop(tmp_path, url, guards=extra)
    more = "".join(f"  - code: lapas-{name}\n    name: Lapas Kelas IIA {name.title()}\n    type: lapas\n"
                   f"    catalog: {{path: katalog.csv}}\n    sku_prefix: LP{name.upper()}\n"
                   for name in ("dua", "tiga"))
    shop.config.write_text(shop.config.read_text().replace("channels:\n", more + "channels:\n"), encoding="utf-8")
    return shop


def recorded_sales(shop: Shop) -> None:
    """Order lines as the adapters record them: one placed before midnight in Jakarta that is still the day
    before in UTC, one without a reported price, one cancelled, and one of each other institution."""
    ledger = Ledger(shop.dir / "state" / "ledger.sqlite")
    try:
        ledger.orders.record("shopee", [
            SaleLine("shopee", "240101ABC", "LPUJI-DMP-00", "lapas-uji", "lapas-uji:DMP-00", 2, "placed",
                     "2026-12-01T18:30:00.000+00:00", 150000),  # 2 Des 2026, 01:30 in Jakarta
            SaleLine("shopee", "240101ABD", "LPUJI-DMP-01", "lapas-uji", "lapas-uji:DMP-01", 1, "placed",
                     "2026-12-03T03:00:00.000+00:00"),  # no price reported
            SaleLine("shopee", "240101ABE", "LPUJI-DMP-02", "lapas-uji", "lapas-uji:DMP-02", 1, "cancelled",
                     "2026-12-03T04:00:00.000+00:00", 152000),
            SaleLine("shopee", "240101ABF", "LPDUA-DMP-00", "lapas-dua", "lapas-dua:DMP-00", 3, "placed",
                     "2026-12-04T04:00:00.000+00:00", 150000),
            SaleLine("shopee", "240101ABG", "LPTIGA-DMP-00", "lapas-tiga", "lapas-tiga:DMP-00", 1, "placed",
                     "2026-12-04T05:00:00.000+00:00", 150000)], str(int(time.time())))  # as Shopee keeps it
    finally:
        ledger.close()


def sales(shop: Shop, *args: str) -> dict:
    result = CliRunner().invoke(main, ["--config", str(shop.config), "sales", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_sales_carry_unit_price_amount_and_totals_in_the_configured_time_zone(tmp_path, sandbox):
    shop = three_institutions(tmp_path, sandbox.url)
    recorded_sales(shop)
    doc = sales(shop, "--institution", "lapas-uji")
    assert [(o["order_id"], o["at"], o["unit_price"], o["amount"]) for o in doc["orders"]] == [
        ("240101ABC", "2026-12-02T01:30:00+07:00", 150000, 300000),
        ("240101ABD", "2026-12-03T10:00:00+07:00", None, None),
        ("240101ABE", "2026-12-03T11:00:00+07:00", 152000, 152000)]
    assert doc["channel_totals"] == [{"institution": "lapas-uji", "channel": "shopee", "sold": 3, "amount": 300000,
                                      "lines_without_price": 1}]
    shop.config.write_text(shop.config.read_text() + "timezone: Asia/Makassar\n", encoding="utf-8")
    assert sales(shop, "--institution", "lapas-uji")["orders"][0]["at"] == "2026-12-02T02:30:00+08:00"

    out = CliRunner().invoke(main, ["--config", str(shop.config), "sales", "--format", "csv"]).stdout_bytes
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-3:] == ["Waktu Pesanan", "Harga Satuan", "Nilai"]
    by_order = {r[2]: r for r in rows[1:]}
    assert by_order["240101ABC"][-3:] == ["2026-12-02T02:30:00+08:00", "150000", "300000"]
    assert by_order["240101ABD"][-3:] == ["2026-12-03T11:00:00+08:00", "", ""]


def test_sales_xlsx_holds_unit_price_amount_totals_and_dates_as_dates(tmp_path, sandbox):
    shop = three_institutions(tmp_path, sandbox.url)
    recorded_sales(shop)
    target = tmp_path / "s.xlsx"
    done = subprocess.run([str(PASINDO), "--config", str(shop.config), "sales", "--format", "xlsx", "--output",
                           str(target)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(target)
    orders = {r[2]: r for r in book["Pesanan"].iter_rows(min_row=2, values_only=True)}
    assert orders["240101ABC"][7] == datetime(2026, 12, 2, 1, 30) and orders["240101ABC"][8:] == (150000, 300000)
    assert all(row[7].is_date for row in book["Pesanan"].iter_rows(min_row=2))
    assert orders["240101ABD"][8:] == (None, None)
    assert list(book["Total"].iter_rows(values_only=True)) == [
        ("Lembaga", "Kanal", "Terjual", "Nilai", "Baris tanpa harga"), ("lapas-dua", "shopee", 3, 450000, 0),
        ("lapas-tiga", "shopee", 1, 150000, 0), ("lapas-uji", "shopee", 3, 300000, 1)]


def test_since_and_until_take_the_dates_people_write_as_days_in_the_time_zone(tmp_path, sandbox):
    shop = three_institutions(tmp_path, sandbox.url)
    recorded_sales(shop)
    for written in ("2026-12-02", "02/12/2026", "2 Des 2026", "2 Desember 2026"):
        doc = sales(shop, "--since", written, "--until", written)
        assert [o["order_id"] for o in doc["orders"]] == ["240101ABC"], written  # 1 Dec in UTC, 2 Dec in Jakarta
    assert [o["order_id"] for o in sales(shop, "--since", "3 Des 2026")["orders"]] == [
        "240101ABF", "240101ABG", "240101ABD", "240101ABE"]
    bad = CliRunner().invoke(main, ["--config", str(shop.config), "sales", "--since", "2/13/2026"])
    assert bad.exit_code == 2 and "2/13/2026" in bad.output
    backwards = CliRunner().invoke(main, ["--config", str(shop.config), "sales", "--since", "3 Des 2026",
                                          "--until", "2 Des 2026"])
    assert backwards.exit_code == 2 and "before --since" in backwards.output


def test_repeated_institution_options_are_all_honoured(tmp_path, sandbox):
    shop = three_institutions(tmp_path, sandbox.url)
    recorded_sales(shop)
    doc = sales(shop, "--institution", "lapas-dua", "--institution", "lapas-tiga")
    assert sorted({o["institution"] for o in doc["orders"]}) == ["lapas-dua", "lapas-tiga"]
    assert shop.sync()[0] == 0
    result = CliRunner().invoke(main, ["--config", str(shop.config), "report", "--last", "--format", "json",
                                       "--institution", "lapas-dua", "--institution", "lapas-tiga"])
    report = json.loads(result.stdout)
    assert report["institutions"] == ["lapas-dua", "lapas-tiga"]
    assert {c["institution"] for c in report["counts"]} == {"lapas-dua", "lapas-tiga"}


def test_a_binary_format_is_never_written_to_a_terminal(tmp_path, sandbox):
    shop = three_institutions(tmp_path, sandbox.url)
    recorded_sales(shop)
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([str(PASINDO), "--config", str(shop.config), "sales", "--format", "xlsx"],
                              stdout=follower, stderr=subprocess.PIPE, text=True, timeout=60)
        os.set_blocking(leader, False)
        try:
            written = os.read(leader, 65536)
        except BlockingIOError:
            written = b""
    finally:
        os.close(leader)
        os.close(follower)
    assert done.returncode == 2 and "--output" in done.stderr and "Traceback" not in done.stderr
    assert b"PK" not in written


def test_version_prints_the_version():
    done = subprocess.run([str(PASINDO), "--version"], capture_output=True, text=True, timeout=30)
    from importlib.metadata import version

    assert done.returncode == 0 and done.stdout.strip() == f"pasindo {version('pasindo-connector')}"


def test_wait_says_what_it_waits_for(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    lock = SyncLock(tmp_path / "state")
    lock.acquire()
    said = f"another sync holds the lock {tmp_path / 'state' / 'sync.lock'} (pid {os.getpid()}): waiting for it " \
           "to finish"
    lines: list[str] = []
    try:
        waiting = subprocess.Popen([str(PASINDO), "--config", str(shop.config), "sync", "--wait"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        reader = threading.Thread(target=lambda: lines.extend(waiting.stderr), daemon=True)
        reader.start()
        deadline = time.monotonic() + 60  # however long this machine takes to start the process
        while not any(said in line for line in lines) and time.monotonic() < deadline and waiting.poll() is None:
            time.sleep(0.05)
        assert waiting.poll() is None, "it did not wait"
        assert any(said in line for line in lines), "".join(lines)
    finally:
        lock.release()
    waiting.stdout.read()
    assert waiting.wait(timeout=60) == 0, "".join(lines)
    reader.join(timeout=10)


def test_a_channel_whose_orders_carry_no_price_has_no_amount_rather_than_zero():
    from connector.reports import sales_document

    doc = sales_document([SaleLine("lazada", "9001", "LPUJI-DMP-00", "lapas-uji", "lapas-uji:DMP-00", 2, "placed",
                                   "2026-12-02T03:00:00.000+00:00")])
    assert doc["channel_totals"] == [{"institution": "lapas-uji", "channel": "lazada", "sold": 2, "amount": None,
                                      "lines_without_price": 1}]
    assert doc["orders"][0]["at"] == "2026-12-02T03:00:00.000+00:00"  # no zone given: as recorded, UTC
