"""The ledger: a real SQLite file; bindings, intents, runs, tokens, media; survives reopening."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from connector.sync.ledger import SCHEMA_VERSION, Binding, Ledger
from connector.sync.lock import Locked, SyncLock


@pytest.fixture
def ledger(tmp_path):
    led = Ledger(tmp_path / "state" / "ledger.sqlite")
    yield led
    led.close()


def test_schema_is_versioned_and_wal(ledger):
    assert ledger.schema_version() == SCHEMA_VERSION
    assert ledger.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger.integrity() == "ok"


def test_state_dir_and_file_are_owner_only(ledger):
    assert stat.S_IMODE(os.stat(ledger.path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(ledger.path).st_mode) == 0o600


def test_binding_round_trip_and_intent_resolved_in_the_same_transaction(tmp_path, ledger):
    intent = ledger.begin_intent("shopee", "lapas-a:X", "lapas-a", "LPA-X", "create", "run-1")
    assert [i["intent_id"] for i in ledger.open_intents("shopee")] == [intent]
    ledger.save_binding(Binding("shopee", "lapas-a:X", "lapas-a", "LPA-X", "800000001", {"LPA-X-40": "9001"},
                                "active", "fp", {"LPA-X-40": 1000}, {"LPA-X-40": 3}), intent_id=intent)
    assert ledger.open_intents("shopee") == []
    ledger.close()
    reopened = Ledger(tmp_path / "state" / "ledger.sqlite")
    b = reopened.binding("shopee", "lapas-a:X")
    assert (b.external_id, b.variant_ids, b.prices, b.stock) == ("800000001", {"LPA-X-40": "9001"},
                                                                 {"LPA-X-40": 1000}, {"LPA-X-40": 3})
    reopened.update_binding("shopee", "lapas-a:X", stock={"LPA-X-40": 0}, status="inactive")
    b = reopened.binding("shopee", "lapas-a:X")
    assert (b.stock, b.status) == ({"LPA-X-40": 0}, "inactive")
    reopened.close()


def test_one_external_id_is_bound_to_one_product(ledger):
    ledger.save_binding(Binding("shopee", "a:1", "a", "1", "800000001"))
    with pytest.raises(Exception, match="UNIQUE"):
        ledger.save_binding(Binding("shopee", "a:2", "a", "2", "800000001"))


def test_a_run_left_running_is_marked_interrupted_by_the_next(ledger):
    first = ledger.start_run("manual", {})
    second = ledger.start_run("schedule", {})
    assert ledger.run(first)["status"] == "interrupted"
    assert ledger.run(second)["status"] == "running"
    ledger.finish_run(second, "ok", {"counts": []})
    assert ledger.run()["run_id"] == second and ledger.run()["status"] == "ok"


def test_prune_keeps_failures(ledger):
    run = ledger.start_run("manual", {})
    ledger.record_item(run, "shopee", "a", "a:1", "create", "ok")
    ledger.record_item(run, "shopee", "a", "a:2", "create", "failed", message="boom")
    ledger.db.conn.execute("UPDATE run_items SET at = '2000-01-01T00:00:00+00:00'")
    assert ledger.prune(30) == 1
    assert [i["outcome"] for i in ledger.run_items(run)] == ["failed"]


def test_tokens_and_media(ledger, tmp_path):
    assert ledger.load("shopee") is None
    ledger.save("shopee", {"access_token": "a1", "refresh_token": "r1"})
    assert ledger.load("shopee") == {"access_token": "a1", "refresh_token": "r1"}
    ledger.put("shopee", "abc", "img-1")
    assert ledger.get("shopee", "abc") == "img-1" and ledger.get("lazada", "abc") is None
    image = tmp_path / "a.png"
    image.write_bytes(b"one")
    first = ledger.file_sha256(image)
    image.write_bytes(b"two!")
    assert ledger.file_sha256(image) != first


def test_a_second_sync_lock_is_refused_and_released_when_the_holder_dies(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from connector.sync.lock import SyncLock;"
        f"SyncLock(Path({str(tmp_path)!r})).acquire(); print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Locked, match=f"pid {holder.pid}"):
            SyncLock(tmp_path).acquire()
    finally:
        holder.kill()
        holder.wait()
    lock = SyncLock(tmp_path)
    lock.acquire()
    lock.release()
