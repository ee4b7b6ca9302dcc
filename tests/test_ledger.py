"""The ledger: a real SQLite file; bindings, intents, runs, tokens, media; survives reopening; reads a file written
before its stores were split, and writes the same data."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from connector.adapters.base import ErrorClass
from connector.sync.kinds import Guard, ItemOutcome, ListingStatus, OpKind, RunStatus, Trigger
from connector.sync.ledger import SCHEMA_VERSION, Binding, Ledger
from connector.sync.ledger.model import (
    FailingCount,
    IntentOutcome,
    LinkConflict,
    ListingCounts,
    RejectRow,
    RunItem,
    SaleLine,
    TokenExpiry,
)
from connector.sync.lock import Locked, SyncLock

WRITTEN_BEFORE = Path(__file__).parent / "data" / "ledger-schema-4.sql"


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
    ledger.tokens.save("shopee", {"access_token": "t"})  # a write: the WAL and its index exist now
    companions = [ledger.path.with_name(ledger.path.name + end) for end in ("-wal", "-shm")]
    assert all(p.exists() for p in companions)
    assert {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in companions} == {p.name: 0o600 for p in companions}


def test_binding_round_trip_and_intent_resolved_in_the_same_transaction(tmp_path, ledger):
    intent = ledger.bindings.begin_intent("shopee", "lapas-a:X", "lapas-a", "LPA-X", OpKind.CREATE, "run-1")
    assert [i.intent_id for i in ledger.bindings.open_intents("shopee")] == [intent]
    ledger.bindings.save(Binding("shopee", "lapas-a:X", "lapas-a", "LPA-X", "800000001", {"LPA-X-40": "9001"},
                                 ListingStatus.ACTIVE, "fp", {"LPA-X-40": 1000}, {"LPA-X-40": 3}), intent_id=intent)
    assert ledger.bindings.open_intents("shopee") == []
    ledger.close()
    reopened = Ledger(tmp_path / "state" / "ledger.sqlite")
    b = reopened.bindings.get("shopee", "lapas-a:X")
    assert (b.external_id, b.variant_ids, b.prices, b.stock) == ("800000001", {"LPA-X-40": "9001"},
                                                                 {"LPA-X-40": 1000}, {"LPA-X-40": 3})
    reopened.bindings.update("shopee", "lapas-a:X", stock={"LPA-X-40": 0}, status=ListingStatus.INACTIVE)
    b = reopened.bindings.get("shopee", "lapas-a:X")
    assert (b.stock, b.status) == ({"LPA-X-40": 0}, "inactive")
    reopened.close()


def test_one_external_id_is_bound_to_one_product(ledger):
    ledger.bindings.save(Binding("shopee", "a:1", "a", "1", "800000001"))
    with pytest.raises(Exception, match="UNIQUE"):
        ledger.bindings.save(Binding("shopee", "a:2", "a", "2", "800000001"))


def test_a_run_left_running_is_marked_interrupted_by_the_next(ledger):
    first = ledger.runs.start(Trigger.MANUAL, {})
    second = ledger.runs.start(Trigger.SCHEDULE, {})
    assert ledger.runs.get(first).status == "interrupted"
    assert ledger.runs.get(second).status == "running"
    ledger.runs.finish(second, RunStatus.OK, {"counts": []})
    assert ledger.runs.get().run_id == second and ledger.runs.get().status == "ok"


def test_prune_keeps_failures(ledger):
    run = ledger.runs.start(Trigger.MANUAL, {})
    ledger.runs.record(run, RunItem("shopee", "a", "a:1", OpKind.CREATE, ItemOutcome.OK))
    ledger.runs.record(run, RunItem("shopee", "a", "a:2", OpKind.CREATE, ItemOutcome.FAILED, message="boom"))
    ledger.db.conn.execute("UPDATE run_items SET at = '2000-01-01T00:00:00+00:00'")
    assert ledger.runs.prune(30) == 1
    assert [i.outcome for i in ledger.runs.items(run)] == ["failed"]


def test_tokens_and_media(ledger, tmp_path):
    assert ledger.tokens.load("shopee") is None
    ledger.tokens.save("shopee", {"access_token": "a1", "refresh_token": "r1"})
    assert ledger.tokens.load("shopee") == {"access_token": "a1", "refresh_token": "r1"}
    ledger.media.put("shopee", "abc", "img-1")
    assert ledger.media.get("shopee", "abc") == "img-1" and ledger.media.get("lazada", "abc") is None
    image = tmp_path / "a.png"
    image.write_bytes(b"one")
    first = ledger.media.file_sha256(image)
    image.write_bytes(b"two!")
    assert ledger.media.file_sha256(image) != first


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


def written_before(tmp_path: Path) -> Path:
    """A ledger file as the connector wrote it before its stores were split (tests/data, dumped as SQL)."""
    path = tmp_path / "state" / "ledger.sqlite"
    path.parent.mkdir(parents=True, mode=0o700)  # a state directory others may open is refused
    conn = sqlite3.connect(path)
    conn.executescript(WRITTEN_BEFORE.read_text(encoding="utf-8"))
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return path


def test_a_ledger_written_before_the_stores_opens_and_reads_as_before(tmp_path):
    ledger = Ledger(written_before(tmp_path))
    try:
        assert ledger.schema_version() == SCHEMA_VERSION == 9 and ledger.integrity() == "ok"
        bindings = ledger.bindings.all("shopee")
        assert sorted(bindings) == ["lapas-a:X", "lapas-a:Y", "lapas-a:Z"]
        x, y, z = bindings["lapas-a:X"], bindings["lapas-a:Y"], bindings["lapas-a:Z"]
        assert (x.external_id, x.variant_ids, x.status, x.content_fp, x.prices, x.stock) == (
            "800000001", {"LPA-X-40": "9001", "LPA-X-41": "9002"}, ListingStatus.ACTIVE, "fp-x",
            {"LPA-X-40": 150000, "LPA-X-41": 160000}, {"LPA-X-40": 3, "LPA-X-41": 0})
        assert (y.status, y.active, y.variant_ids, y.stock) == (ListingStatus.INACTIVE, False, {}, {"LPA-Y": 0})
        assert (z.external_id, z.invalid_fp, z.last_error, z.prices) == (None, "fp-z", "kategori ditolak", None)
        assert ledger.bindings.get("shopee", "lapas-a:X") == x
        [waiting] = ledger.bindings.open_intents("shopee")
        assert (waiting.product_key, waiting.op, waiting.variant_skus, waiting.outcome) == (
            "lapas-a:W", OpKind.CREATE, (), None)
        assert ledger.bindings.linked("shopee") and not ledger.bindings.linked("lazada")
        assert ledger.bindings.link_conflicts("shopee") == {"lapas-a:V": LinkConflict(
            "lapas-a:V", "lapas-a", "2 listings carry its seller SKUs", ("800000007", "800000008"))}

        run = ledger.runs.get()
        assert (run.trigger, run.job, run.status, run.summary["seconds"], run.options["only"]) == (
            Trigger.SCHEDULE, "stock_price", RunStatus.PROBLEMS, 1.5, ["price", "stock"])
        assert ledger.runs.latest(job="stock_price") == run and ledger.runs.latest(job="full") is None
        items = ledger.runs.items(run.run_id)
        assert [(i.product_key, i.op, i.outcome, i.error_class, i.code, i.message) for i in items] == [
            ("lapas-a:X", OpKind.CREATE, ItemOutcome.OK, None, None, None),
            ("lapas-a:Y", OpKind.PRICE, ItemOutcome.FAILED, ErrorClass.TRANSIENT, "503", "service busy"),
            ("lapas-a:Y", OpKind.DELIST, ItemOutcome.HELD, ErrorClass.GUARD, Guard.MASS_DELIST,
             "2 of 2 active listings of lapas-a would be delisted"),
            ("lapas-a:Z", OpKind.WAIT, ItemOutcome.INVALID, None, None, "refused by the channel: kategori ditolak")]
        assert ledger.runs.listing_counts() == [ListingCounts("shopee", "lapas-a", 1, 1, 1)]
        assert ledger.runs.failing_counts() == []  # lapas-a:Y's failed price was followed by a held delist
        ledger.runs.record(run.run_id, RunItem("shopee", "lapas-a", "lapas-a:Y", OpKind.STOCK, ItemOutcome.FAILED))
        assert ledger.runs.failing_counts() == [FailingCount("shopee", "lapas-a", 1)]

        assert ledger.rejects.all() == ledger.rejects.all("lapas-a") == [RejectRow(
            "lapas-a", "katalog.xlsx", 7, "harga", "Rp 1.000,-x", "price_invalid", "price is not a number",
            "harga bukan angka", "V", run.run_id)]
        assert ledger.media.get("shopee", "ab" * 32) == "img-1"
        assert ledger.tokens.load("shopee") == {"access_token": "tok", "refresh_token": "ref",
                                                "expires_at": 1900000000}
        assert ledger.tokens.expiry()["shopee"].expires_at == 1900000000
        assert ledger.orders.cursor("shopee") == "cursor-1"
        assert [(s.order_id, s.institution, s.stock_key, s.quantity, s.status) for s in ledger.orders.sales()] == [
            ("O-2", None, None, 1, "cancelled"), ("O-1", "lapas-a", "lapas-a:X-40", 2, "placed")]
        assert ledger.orders.sold_since_basis({"lapas-a:X-40": 5, "lapas-a:Y": 4}, record=False) == {}
        assert ledger.orders.sold_since_basis({"lapas-a:Y": 4}) == {}
    finally:
        ledger.close()


def write_as_before(ledger: Ledger, tmp_path: Path) -> None:
    """Through the stores, the writes that made tests/data/ledger-schema-4.sql with the code before them."""
    run = ledger.runs.start(Trigger.SCHEDULE, {"institutions": ["lapas-a"], "channels": ["shopee"],
                                               "only": ["price", "stock"], "force": False, "job": "stock_price"})
    b = ledger.bindings
    intent = b.begin_intent("shopee", "lapas-a:X", "lapas-a", "LPA-X", OpKind.CREATE, run, ["LPA-X-40", "LPA-X-41"])
    b.save(Binding("shopee", "lapas-a:X", "lapas-a", "LPA-X", "800000001", {"LPA-X-40": "9001", "LPA-X-41": "9002"},
                   ListingStatus.ACTIVE, "fp-x", {"LPA-X-40": 150000, "LPA-X-41": 160000},
                   {"LPA-X-40": 3, "LPA-X-41": 0}), intent_id=intent, outcome=IntentOutcome.CREATED)
    b.save(Binding("shopee", "lapas-a:Y", "lapas-a", "LPA-Y", "800000002", {}, ListingStatus.INACTIVE, "fp-y",
                   {"LPA-Y": 20000}, {"LPA-Y": 0}))
    b.save(Binding("shopee", "lapas-a:Z", "lapas-a", "LPA-Z", invalid_fp="fp-z", last_error="kategori ditolak"))
    b.begin_intent("shopee", "lapas-a:W", "lapas-a", "LPA-W", OpKind.CREATE, run)
    ledger.runs.record(run, RunItem("shopee", "lapas-a", "lapas-a:X", OpKind.CREATE, ItemOutcome.OK))
    ledger.runs.record(run, RunItem("shopee", "lapas-a", "lapas-a:Y", OpKind.PRICE, ItemOutcome.FAILED,
                                    ErrorClass.TRANSIENT, "503", "service busy"))
    ledger.runs.record(run, RunItem("shopee", "lapas-a", "lapas-a:Y", OpKind.DELIST, ItemOutcome.HELD, ErrorClass.GUARD,
                                    Guard.MASS_DELIST, "2 of 2 active listings of lapas-a would be delisted"))
    ledger.runs.record_all(run, [RunItem("shopee", "lapas-a", "lapas-a:Z", OpKind.WAIT, ItemOutcome.INVALID,
                                         message="refused by the channel: kategori ditolak")])
    ledger.rejects.replace(run, {"lapas-a": [RejectRow("lapas-a", "katalog.xlsx", 7, "harga", "Rp 1.000,-x",
                                                       "price_invalid", "price is not a number", "harga bukan angka",
                                                       "V")]})
    ledger.runs.finish(run, RunStatus.PROBLEMS, {"seconds": 1.5, "rejects": 1, "held": 1, "stopped": {}, "counts": [
        {"institution": "lapas-a", "channel": "shopee", "op": "create", "outcome": "ok", "count": 1}]})
    ledger.media.put("shopee", "ab" * 32, "img-1")
    image = tmp_path / "a.jpg"
    image.write_bytes(b"jpeg")
    ledger.media.file_sha256(image)
    ledger.tokens.save("shopee", {"access_token": "tok", "refresh_token": "ref", "expires_at": 1900000000})
    ledger.orders.record("shopee", [
        SaleLine("shopee", "O-1", "LPA-X-40", "lapas-a", "lapas-a:X-40", 2, "placed", "2024-05-01T10:00:00.000+00:00"),
        SaleLine("shopee", "O-2", "UNKNOWN", None, None, 1, "cancelled", "2024-05-02T10:00:00.000+00:00")], "cursor-1")
    ledger.orders.sold_since_basis({"lapas-a:Y": 4})
    b.record_link("shopee", [], [LinkConflict("lapas-a:V", "lapas-a", "2 listings carry its seller SKUs",
                                              ("800000007", "800000008"))],
                  institutions={"lapas-a"}, complete=True, run_id=run)


def rows_of(dump: list[str]) -> list[str]:
    """A dump's rows, with what differs between two writes of the same data (times, ids, pid, paths) blanked."""
    out = []
    for line in dump:
        if not line.startswith("INSERT"):
            continue
        line = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", "TIME", line)
        line = re.sub(r"\d{8}T\d{6}-[0-9a-f]{6}", "RUN", line)
        line = re.sub(r"'[0-9a-f]{32}'", "'INTENT'", line)
        line = re.sub(r"'schedule',\d+,", "'schedule',PID,", line)
        files = r'^INSERT INTO "files" VALUES\(\'[^\']*\',(\d+),\d+,'
        line = re.sub(files, r'INSERT INTO "files" VALUES(PATH,\1,MTIME,', line)
        out.append(line)
    return out


def schema_of(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    finally:
        conn.close()


def test_the_stores_write_the_same_data_as_before(tmp_path):
    ledger = Ledger(tmp_path / "new" / "state" / "ledger.sqlite")
    try:
        write_as_before(ledger, tmp_path)
        now = list(ledger.db.conn.iterdump())
    finally:
        ledger.close()
    # The file written before, brought up to date by the migrations since (5: orders.unit_price, null there;
    # 6: channel_facts, empty; 7: the rejects' channel, severity, origin, product, marketplace code and message:
    # a refused catalog row found by a sync; 8: catalog_reads and catalog_marks, empty; 9: two indexes).
    before = Ledger(written_before(tmp_path / "old"))
    try:
        then = list(before.db.conn.iterdump())
    finally:
        before.close()
    dumped = rows_of(WRITTEN_BEFORE.read_text(encoding="utf-8").splitlines())
    added = {'INSERT INTO "orders"': ",NULL);", 'INSERT INTO "rejects"': ",NULL,'refused','sync',NULL,NULL,NULL);"}
    migrated = [next((line[:-2] + tail for head, tail in added.items() if line.startswith(head)), line)
                for line in dumped]
    assert sorted(rows_of(then)) == sorted([*migrated, *(f"""INSERT INTO "migrations" VALUES({v},'TIME');"""
                                                         for v in (5, 6, 7, 8, 9))])
    assert rows_of(now) == rows_of(then)
    assert schema_of(ledger.path) == schema_of(before.path)


def test_a_failure_part_way_through_a_transaction_leaves_nothing(ledger):
    ledger.rejects.replace("run-1", {"lapas-a": [RejectRow("lapas-a", "a.csv", 2, "harga", "x", "price_invalid",
                                                           "bad", "buruk", "A")]})
    broken = RejectRow("lapas-b", "b.csv", 3, "harga", "y", None, "bad", "buruk", "B")  # reason is NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        ledger.rejects.replace("run-2", {"lapas-a": [], "lapas-b": [broken]})  # lapas-a's delete came first
    assert [(r.institution, r.run_id) for r in ledger.rejects.all()] == [("lapas-a", "run-1")]
    with pytest.raises(RuntimeError), ledger.transaction():
        ledger.db["tokens"].upsert({"channel": "shopee", "data": "{}", "updated_at": "now"}, pk="channel")
        ledger.db["media"].insert_all([{"channel": "shopee", "sha256": "abc", "image_id": "i", "uploaded_at": "now"}])
        raise RuntimeError("killed")
    assert ledger.tokens.load("shopee") is None and ledger.media.get("shopee", "abc") is None
    assert not ledger.db.conn.in_transaction


def test_a_stores_write_inside_an_open_transaction_commits_with_it_and_rolls_back_with_it(ledger):
    """A binding and its run item written together: one commit for both, neither without the other."""
    ledger.bindings.save(Binding("shopee", "lapas-a:DMP-1", "lapas-a", "DMP-1", "100001"))
    item = RunItem("shopee", "lapas-a", "lapas-a:DMP-1", OpKind.STOCK, ItemOutcome.OK)
    commits = []
    ledger.db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    with ledger.transaction():
        ledger.bindings.update("shopee", "lapas-a:DMP-1", stock={"DMP-1": 4})
        ledger.runs.record("run-1", item)
        assert ledger.db.conn.in_transaction
    ledger.db.conn.set_trace_callback(None)
    assert len(commits) == 1
    assert ledger.bindings.get("shopee", "lapas-a:DMP-1").stock == {"DMP-1": 4}
    with pytest.raises(RuntimeError), ledger.transaction():
        ledger.bindings.update("shopee", "lapas-a:DMP-1", stock={"DMP-1": 9})
        ledger.runs.record("run-1", item)
        raise RuntimeError("killed between the item and the next")
    assert ledger.bindings.get("shopee", "lapas-a:DMP-1").stock == {"DMP-1": 4}
    assert len(ledger.runs.items("run-1")) == 1 and not ledger.db.conn.in_transaction


def test_a_value_written_without_waiting_for_the_disk_survives_a_killed_process_and_later_writes_wait_again(
        tmp_path):
    """A price or stock value the channel acknowledged is committed without a disk sync (`durable=False`): the
    commit is there after the process is killed at once, and the connection's next transaction syncs again."""
    path = tmp_path / "state" / "ledger.sqlite"
    code = (
        "import os, signal, sys\n"
        "from connector.sync.ledger import Binding, Ledger\n"
        "led = Ledger(__import__('pathlib').Path(sys.argv[1]))\n"
        "led.bindings.save(Binding('shopee', 'lapas-a:DMP-1', 'lapas-a', 'DMP-1', '100001'))\n"
        "with led.transaction(durable=False):\n"
        "    assert led.db.conn.execute('PRAGMA synchronous').fetchone()[0] == 1\n"
        "    led.bindings.update('shopee', 'lapas-a:DMP-1', stock={'DMP-1': 7})\n"
        "assert led.db.conn.execute('PRAGMA synchronous').fetchone()[0] == 2\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert killed.returncode == -9, killed.stderr
    led = Ledger(path)
    try:
        assert led.bindings.get("shopee", "lapas-a:DMP-1").stock == {"DMP-1": 7}
        with pytest.raises(RuntimeError), led.transaction(durable=False):
            led.bindings.update("shopee", "lapas-a:DMP-1", stock={"DMP-1": 8})
            raise RuntimeError("the answer could not be recorded")
        assert led.bindings.get("shopee", "lapas-a:DMP-1").stock == {"DMP-1": 7}
        assert led.db.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again after the rollback
        # a durable one opened first: the inner one is part of it, synced with it
        with led.transaction(), led.transaction(durable=False):
            assert led.db.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    finally:
        led.close()


def test_a_with_block_on_the_connection_never_commits_the_open_transaction(ledger):
    """Earlier sqlite-utils versions wrap their writes in `with conn:`; inside `transaction()` that must not commit."""
    with pytest.raises(RuntimeError), ledger.transaction() as conn:
        with conn:
            conn.execute("INSERT INTO tokens VALUES ('shopee', '{}', 'now')")
        assert conn.in_transaction
        raise RuntimeError("killed")
    assert ledger.tokens.load("shopee") is None


def test_the_adapters_get_the_token_and_media_stores(ledger):
    from connector.adapters.base import MediaCache, TokenStore

    tokens: TokenStore = ledger.tokens
    media: MediaCache = ledger.media
    tokens.save("lazada", {"access_token": "a", "expires_at": 1700000000})
    media.put("lazada", "f00", "img-9")
    assert ledger.tokens.expiry() == {"lazada": TokenExpiry("lazada", 1700000000, ledger.tokens.expiry()["lazada"]
                                                            .updated_at)}
    assert media.get("lazada", "f00") == "img-9"


def test_a_binding_update_names_only_acknowledged_aspects(ledger):
    ledger.bindings.save(Binding("shopee", "a:1", "a", "1", "800000001"))
    with pytest.raises(ValueError, match="product_key"):
        ledger.bindings.update("shopee", "a:1", product_key="a:2")


@pytest.mark.slow
def test_two_processes_opening_a_new_ledger_at_once_both_get_the_whole_schema(tmp_path):
    """The daemon and an operator's `pasindo report` may open a ledger that does not exist yet at the same moment:
    each migration is applied once, and neither fails."""
    import subprocess
    import sys

    path = tmp_path / "ledger.sqlite"
    code = ("import sys; from pathlib import Path; from connector.sync.ledger import Ledger; "
            "l = Ledger(Path(sys.argv[1])); print(l.schema_version()); l.close()")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(6)]
    results = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in results]
    from connector.sync.ledger.migrations import SCHEMA_VERSION

    assert {out.strip() for out, _ in results} == {str(SCHEMA_VERSION)}
