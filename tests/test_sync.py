"""`pasindo sync` end to end: real catalog files, a real ledger, real HTTP to the sandbox on loopback."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from click.testing import CliRunner

from connector import logs
from connector.cli import SYNC_EXIT_CODES, main
from connector.config import load_config
from connector.sandbox import SandboxServer
from connector.sync.kinds import RunStatus
from connector.sync.run import Sync, SyncOptions
from tests.helpers import Shop


def writes(before: dict, after: dict) -> Counter:
    """Write requests between two stats snapshots, by path."""
    out: Counter = Counter()
    for path, n in after["requests"].items():
        delta = n - before["requests"].get(path, 0)
        if delta and not any(w in path for w in ("search_item", "get_item", "get_model", "auth/", "order/get_")):
            out[path.split("/api/v2/", 1)[-1]] = delta
    return out


@pytest.fixture
def sandbox(tmp_path):
    server = SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", timeout_seconds=1)
    server.start()
    yield server
    server.stop()


def test_first_sync_lists_everything_and_a_second_sync_writes_nothing(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    code, doc = shop.sync()
    assert code == 0, doc
    items = {i["seller_sku"]: i for i in shop.items()}
    assert set(items) == {f"LPUJI-DMP-{i:02d}" for i in range(6)} | {"LPUJI-SPT"}
    assert items["LPUJI-DMP-03"]["price"] == 153_000 and items["LPUJI-DMP-03"]["stock"] == 13
    shoe = items["LPUJI-SPT"]
    assert shoe["images"] == 2
    assert [(v["seller_sku"], v["price"], v["stock"]) for v in shoe["variants"]] == [
        ("LPUJI-SPT-40", 275_000, 3), ("LPUJI-SPT-41", 275_000, 3), ("LPUJI-SPT-42", 275_000, 3)]
    before = shop.stats()
    code, doc = shop.sync()
    assert code == 0 and writes(before, shop.stats()) == Counter()
    assert doc["counts"] == []


def test_images_are_uploaded_once_per_channel(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    uploads = shop.stats()["requests"].get("shopee /api/v2/media_space/upload_image", 0)
    assert uploads == 2  # two distinct files shared by seven products


def test_one_cell_changes_send_exactly_one_write(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    shop.rows["DMP-02"] = shop.rows["DMP-02"].replace(";12;120;", ";4;120;")
    shop.write()
    before = shop.stats()
    assert shop.sync()[0] == 0
    assert writes(before, shop.stats()) == Counter({"product/update_stock": 1})
    assert {i["seller_sku"]: i["stock"] for i in shop.items()}["LPUJI-DMP-02"] == 4

    shop.rows["SPT-41"] = shop.rows["SPT-41"].replace(";275.000;", ";265.000;")
    shop.write()
    before = shop.stats()
    assert shop.sync()[0] == 0
    assert writes(before, shop.stats()) == Counter({"product/update_price": 1})
    shoe = next(i for i in shop.items() if i["seller_sku"] == "LPUJI-SPT")
    assert [v["price"] for v in shoe["variants"]] == [275_000, 265_000, 275_000]


def test_a_removed_row_is_delisted_and_relisted_when_restored(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    removed = shop.rows.pop("DMP-05")
    shop.write()
    before = shop.stats()
    code, doc = shop.sync()
    assert code == 0
    assert writes(before, shop.stats()) == Counter({"product/unlist_item": 1})
    status = {i["seller_sku"]: i["status"] for i in shop.items()}
    assert status["LPUJI-DMP-05"] == "inactive"
    shop.rows["DMP-05"] = removed
    shop.write()
    before = shop.stats()
    shop.sync()
    assert writes(before, shop.stats()) == Counter({"product/unlist_item": 1})
    items = shop.items()
    assert [i["status"] for i in items if i["seller_sku"] == "LPUJI-DMP-05"] == ["active"]  # the same listing
    assert len(items) == 7


def test_guards_hold_a_truncated_catalog_and_a_price_typo_until_forced(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    full = dict(shop.rows)
    shop.rows = {k: v for k, v in full.items() if k in ("DMP-00", "DMP-01")}  # a truncated export
    shop.rows["DMP-00"] = shop.rows["DMP-00"].replace("Rp150.000", "Rp15.000")  # a missing zero
    shop.write()
    before = shop.stats()
    code, doc = shop.sync()
    assert code == 3
    assert {h["guard"] for h in doc["held"]} == {"mass_delist", "price_drop"}
    assert len(doc["held"]) == 6  # five delists and one price
    assert writes(before, shop.stats()) == Counter()
    code, doc = shop.sync("--force")
    assert code == 0 and doc["held"] == []
    status = Counter(i["status"] for i in shop.items())
    assert status == Counter({"inactive": 5, "active": 2})


def test_dry_run_prints_the_plan_and_changes_nothing(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    code, doc = shop.sync("--dry-run")
    assert code == 0 and doc["run_id"] is None
    assert Counter(p["op"] for p in doc["plan"]) == Counter({"create": 7})
    assert shop.items() == []
    table = CliRunner().invoke(main, ["--config", str(shop.config), "sync", "--dry-run"])
    assert "Products per planned operation" in table.stdout
    [line] = [row for row in table.stdout.splitlines() if row.startswith("shopee") and " create " in row]
    assert "lapas-uji:DMP-00" in line and "lapas-uji:SPT" in line and "more" not in line  # seven: all named


def test_refused_rows_exit_1_and_keep_their_listing(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    shop.rows["DMP-01"] = shop.rows["DMP-01"].replace("Rp151.000", "gratis")
    shop.write()
    before = shop.stats()
    code, doc = shop.sync()
    assert code == 1 and doc["rejects"] == 1
    assert writes(before, shop.stats()) == Counter()  # not delisted because of a typo


def test_a_second_sync_on_the_same_state_exits_4(tmp_path, sandbox):
    from connector.sync.lock import SyncLock

    shop = Shop(tmp_path, sandbox.url)
    lock = SyncLock(tmp_path / "state")
    lock.acquire()
    try:
        result = CliRunner().invoke(main, ["--config", str(shop.config), "sync"])
        assert result.exit_code == 4 and "another sync holds the lock" in result.output
    finally:
        lock.release()


def test_the_embedded_sandbox_keeps_its_listings_in_the_state_dir(tmp_path):
    shop = Shop(tmp_path, "sandbox")
    code, _ = shop.sync()
    assert code == 0
    with SandboxServer(port=0, state_path=tmp_path / "state" / "sandbox.sqlite") as server:
        shop.sandbox_url = server.url
        assert len(shop.items()) == 7
        before = shop.stats()
    shop.sandbox_url = "sandbox"
    assert shop.sync()[0] == 0
    with SandboxServer(port=0, state_path=tmp_path / "state" / "sandbox.sqlite") as server:
        shop.sandbox_url = server.url
        assert writes(before, shop.stats()) == Counter()


def test_a_run_stopped_before_its_end_is_recorded_interrupted_and_exits_as_what_it_came_to(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    stop = threading.Event()
    stop.set()  # as the daemon does on SIGTERM
    sync = Sync(load_config(shop.config), SyncOptions(), log=logs.get_logger(), stop=stop)
    try:
        result = sync.run()
        assert sync.ledger.runs.get(result.run_id).status == "interrupted"
    finally:
        sync.close()
    assert result.status == RunStatus.INTERRUPTED and result.outcome == RunStatus.OK
    assert SYNC_EXIT_CODES[result.outcome] == 0 and shop.items() == []
    code, doc = shop.sync()  # the next run does the work
    assert code == 0 and doc["status"] == "ok" and len(shop.items()) == 7


def test_a_ledger_restored_from_a_backup_adopts_the_newer_listings_instead_of_creating_them_again(tmp_path, sandbox):
    import sqlite3

    shop = Shop(tmp_path, sandbox.url)
    assert shop.sync()[0] == 0
    ledger_file = tmp_path / "state" / "ledger.sqlite"
    backup = tmp_path / "backup.sqlite"
    with sqlite3.connect(ledger_file) as live, sqlite3.connect(backup) as copy:
        live.backup(copy)  # the README's online backup
    copy.close()
    live.close()
    shop.rows["DMP-09"] = "DMP-09;Dompet Kulit Sapi Asli Pria Model 09;Fashion / Dompet;Rp159.000;19;120;img/a.png;;;"
    shop.write()
    code, doc = shop.sync()
    assert code == 0 and {(c["op"], c["count"]) for c in doc["counts"]} == {("create", 1)}
    for companion in ("-wal", "-shm"):
        ledger_file.with_name(ledger_file.name + companion).unlink(missing_ok=True)
    ledger_file.write_bytes(backup.read_bytes())  # restored: it knows nothing of DMP-09's listing
    code, doc = shop.sync()
    assert code == 0, doc
    ops = {c["op"]: c["count"] for c in doc["counts"]}
    assert ops.get("adopt") == 1 and "create" not in ops  # adopted by seller SKU, then updated as adopted ones are
    assert len(shop.items()) == 8  # 6 wallets, the shoe and DMP-09: nothing created twice
