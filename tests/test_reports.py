"""Sync reports: the events a run logs, and `pasindo report` reading runs and refused rows back from the ledger."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections import Counter

import pytest
import structlog
from click.testing import CliRunner

from connector import logs
from connector.cli import SYNC_EXIT_CODES, main
from connector.config import load_config
from connector.sandbox import SandboxServer
from connector.sync.run import Sync, SyncOptions
from tests.helpers import Shop, dead_endpoint


@pytest.fixture
def sandbox(tmp_path):
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite") as server:
        yield server


def run_sync(shop: Shop, **options) -> tuple[list[dict], object]:
    """One sync through the library, its log events captured (debug included)."""
    logs.configure(json=True, level="debug", stream=io.StringIO())
    config = load_config(shop.config)
    with structlog.testing.capture_logs() as events:
        engine = Sync(config, SyncOptions(**options), log=logs.get_logger())
        try:
            result = engine.run()
        finally:
            engine.close()
    return events, result


def troubled(shop: Shop) -> None:
    """After a clean first sync: a refused row, a price typo the guard holds, a stock change the channel fails,
    and a second channel whose category map has no id for these products (every product invalid there; a broken
    map is refused with the config)."""
    shop.rows["DMP-01"] = shop.rows["DMP-01"].replace("Rp151.000", "gratis")
    shop.rows["DMP-00"] = shop.rows["DMP-00"].replace("Rp150.000", "Rp15.000")
    shop.rows["DMP-02"] = shop.rows["DMP-02"].replace(";12;120;", ";4;120;")
    shop.write()
    (shop.dir / "incomplete.yaml").write_text("categories: {craft: 101165}\n", encoding="utf-8")
    dead = dead_endpoint()
    text = shop.config.read_text().replace(shop.sandbox_url, dead).replace(
        "adapter: shopee\n", "adapter: shopee\n    options: {retry: {attempts: 1}, timeout: 2}\n").replace(
        "channels:\n", f"channels:\n  - name: shopee-b\n    adapter: shopee\n    endpoint: {dead}\n"
                       "    categories: incomplete.yaml\n    options: {retry: {attempts: 1}, timeout: 2}\n"
                       "    credentials: {partner_id: '1', partner_key: k, shop_id: '2', access_token: t}\n")
    shop.config.write_text(text, encoding="utf-8")


# What `troubled` leads to: (channel, op, outcome) -> count
TROUBLE = {("shopee", "update_price", "held"): 1, ("shopee", "update_stock", "failed"): 1,
           ("shopee-b", "prepare", "invalid"): 6}


def test_a_run_logs_its_start_its_summary_and_one_event_per_problem(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    assert shop.sync()[0] == 0
    troubled(shop)
    events, result = run_sync(shop)

    started = [e for e in events if e["event"] == "sync_started"]
    finished = [e for e in events if e["event"] == "sync_finished"]
    assert len(started) == 1 and len(finished) == 1
    assert started[0]["run_id"] == result.run_id and started[0]["trigger"] == "manual"
    summary = finished[0]
    assert summary["run_id"] == result.run_id and summary["trigger"] == "manual"
    assert summary["log_level"] == "warning" and summary["status"] == "held" and summary["seconds"] > 0
    assert {c["institution"] for c in summary["counts"]} == {"lapas-uji"}
    assert {(c["channel"], c["op"], c["outcome"]): c["count"] for c in summary["counts"]} == TROUBLE
    assert summary["rejects"] == 1 and summary["held"] == 1

    rejected = [e for e in events if e["event"] == "rejected"]
    assert [(e["log_level"], e["row"], e["column"], e["value"], e["reason"]) for e in rejected] == [
        ("warning", 3, "Harga", "gratis", rejected[0]["reason"])]
    assert rejected[0]["message"] and rejected[0]["run_id"] == result.run_id

    held = [e for e in events if e["event"] == "held"]
    assert [(e["log_level"], e["key"], e["op"], e["guard"]) for e in held] == [
        ("warning", "lapas-uji:DMP-00", "update_price", "price_drop")]

    problems = [e for e in events if e["event"] == "item" and e["outcome"] != "ok"]
    failed = [e for e in problems if e["outcome"] == "failed"]
    assert [(e["log_level"], e["channel"], e["key"], e["op"]) for e in failed] == [
        ("warning", "shopee", "lapas-uji:DMP-02", "update_stock")]
    assert failed[0]["message"] and failed[0]["error_class"]
    invalid = [e for e in problems if e["outcome"] == "invalid"]
    assert len(invalid) == 6 and {e["channel"] for e in invalid} == {"shopee-b"}
    assert all(e["log_level"] == "warning" and "no category id" in e["message"] and "incomplete.yaml" in e["message"]
               for e in invalid)
    assert len(problems) == 7


def test_a_no_change_run_logs_two_info_lines_and_nothing_louder(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    assert shop.sync()[0] == 0
    events, result = run_sync(shop, trigger="schedule", job="full")
    loud = [e for e in events if e["log_level"] != "debug"]
    assert [(e["event"], e["log_level"]) for e in loud] == [("sync_started", "info"), ("sync_finished", "info")]
    assert all(e["trigger"] == "schedule" for e in loud) and SYNC_EXIT_CODES[result.outcome] == 0


def test_successful_items_are_debug_and_a_refused_row_warns_only_when_new(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    events, _ = run_sync(shop)
    assert Counter(e["log_level"] for e in events if e["event"] == "item") == Counter({"debug": 7})
    shop.rows["DMP-01"] = shop.rows["DMP-01"].replace("Rp151.000", "gratis")
    shop.write()
    first, _ = run_sync(shop)
    again, _ = run_sync(shop)
    assert [e["log_level"] for e in first if e["event"] == "rejected"] == ["warning"]
    assert [e["log_level"] for e in again if e["event"] == "rejected"] == ["debug"]
    assert [e["log_level"] for e in again if e["event"] == "sync_finished"] == ["warning"]  # still a problem


def report(shop: Shop, *args: str) -> tuple[int, object]:
    result = CliRunner().invoke(main, ["--config", str(shop.config), "report", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result


def test_report_json_lists_the_summary_and_every_item_that_did_not_succeed(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    troubled(shop)
    code, _ = shop.sync()
    assert code == 3
    code, result = report(shop, "--format", "json")
    assert code == 0
    doc = json.loads(result.stdout)
    assert doc["status"] == "held" and doc["trigger"] == "manual" and doc["seconds"] > 0
    assert {(c["channel"], c["op"], c["outcome"]): c["count"] for c in doc["counts"]} == TROUBLE
    assert Counter((p["channel"], p["op"], p["outcome"]) for p in doc["problems"]) == Counter(TROUBLE)
    assert all(p["message"] for p in doc["problems"])
    held = next(p for p in doc["problems"] if p["outcome"] == "held")
    assert held["key"] == "lapas-uji:DMP-00" and held["code"] == "price_drop"
    assert doc["rejected_rows"] == 1
    assert [(r["row"], r["column"], r["value"]) for r in doc["rejects"]] == [(3, "Harga", "gratis")]

    same = json.loads(report(shop, doc["run_id"], "--format", "json")[1].stdout)
    assert same == doc
    code, result = report(shop)
    assert code == 0 and doc["run_id"] in result.stdout and "Items that did not succeed" in result.stdout
    assert "lapas-uji:DMP-02" in result.stdout


def test_report_csv_opens_in_an_indonesian_spreadsheet(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    troubled(shop)
    shop.sync()
    code, result = report(shop, "--last", "--institution", "lapas-uji", "--format", "csv")
    assert code == 0
    raw = result.stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["run_id", "channel", "institution", "key", "op", "outcome", "error_class", "code", "message",
                       "at"]
    assert Counter((r[1], r[4], r[5]) for r in rows[1:]) == Counter(TROUBLE)
    assert {r[0] for r in rows[1:]} == {json.loads(report(shop, "--format", "json")[1].stdout)["run_id"]}
    failed = next(r for r in rows[1:] if r[5] == "failed")
    assert failed[3] == "lapas-uji:DMP-02" and failed[8]


def test_report_rejects_writes_the_refused_rows_as_an_indonesian_csv(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.rows["DMP-01"] = shop.rows["DMP-01"].replace("Rp151.000", "gratis")
    shop.rows["DMP-03"] = shop.rows["DMP-03"].replace(";13;120;", ";=1+1;120;")
    shop.rows["SPT-41"] = shop.rows["SPT-41"].replace("SPT-41;", "SPT 41;")
    shop.write()
    assert shop.sync()[0] == 1
    out = tmp_path / "ditolak.csv"
    code, result = report(shop, "--rejects", "--institution", "lapas-uji", "--lang", "id", "--format", "csv",
                          "--output", str(out))
    assert code == 0 and result.stdout == ""
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Kanal", "Jenis", "File", "Baris", "Kolom", "Isi", "Alasan", "Keterangan", "SKU", "Kode",
                       "Ditemukan oleh"]

    validate = CliRunner().invoke(main, ["--config", str(shop.config), "validate", "--lang", "id", "--format", "json"])
    refused = json.loads(validate.stdout)["rejects"]
    assert len(refused) == 3 and len(rows) == 1 + 3

    def shown(value: object) -> str:  # a cell a spreadsheet would run as a formula gets an apostrophe
        text = "" if value is None else str(value)
        return "'" + text if text[:1] in ("=", "+", "@") else text

    assert sorted(row[2:7] + row[9:10] for row in rows[1:]) == sorted(
        [r["file"], str(r["row"]), r["column"] or "", shown(r["value"]), r["message"], r["reason"]] for r in refused)
    assert all(row[:2] == ["", "ditolak"] and row[10] == "sinkronisasi" for row in rows[1:])  # catalog rows, by a sync
    assert next(row for row in rows[1:] if row[3] == "5")[5] == "'=1+1"

    code, result = report(shop, "--rejects", "--institution", "lapas-uji", "--format", "json")
    assert [(r["row"], r["reason"]) for r in json.loads(result.stdout)] == sorted(
        (r["row"], r["reason"]) for r in refused)


def test_report_refuses_what_it_cannot_answer(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    code, result = report(shop)
    assert code == 0 and "no runs yet" in result.output
    assert not (tmp_path / "state" / "ledger.sqlite").exists()  # reading never creates the ledger
    shop.sync()
    assert report(shop, "20990101T000000-abcdef")[0] == 2
    assert report(shop, "--rejects", "--last")[0] == 2
    assert report(shop, "--institution", "lapas-entah")[0] == 2


def test_a_sync_prunes_successful_items_past_retention_and_keeps_failures(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    ledger = sqlite3.connect(tmp_path / "state" / "ledger.sqlite")
    first = ledger.execute("SELECT run_id FROM runs").fetchone()[0]
    with ledger:
        ledger.execute("INSERT INTO run_items (run_id, channel, institution, product_key, op, outcome, message, at)"
                       " VALUES (?, 'shopee', 'lapas-uji', 'lapas-uji:DMP-00', 'stock', 'failed', 'boom', ?)",
                       (first, "2000-01-01T00:00:00.000+00:00"))
        ledger.execute("UPDATE run_items SET at = '2000-01-01T00:00:00.000+00:00'")
        ledger.execute("UPDATE runs SET started_at = '2000-01-01T00:00:00.000+00:00',"
                       " finished_at = '2000-01-01T00:00:01.000+00:00'")
    assert shop.sync()[0] == 0
    outcomes = ledger.execute("SELECT outcome FROM run_items WHERE run_id = ?", (first,)).fetchall()
    assert outcomes == [("failed",)]
    assert ledger.execute("SELECT count(*) FROM runs WHERE run_id = ?", (first,)).fetchone()[0] == 1
    ledger.close()


def test_an_interactive_sync_reports_progress_per_channel(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    calls: list[tuple[str, int, int]] = []
    config = load_config(shop.config)
    engine = Sync(config, SyncOptions(), log=logs.get_logger(), progress=lambda *a: calls.append(a))
    try:
        engine.run()
    finally:
        engine.close()
    assert calls[0] == ("shopee", 0, 7) and calls[-1] == ("shopee", 7, 7)
    assert [done for _, done, _ in calls] == sorted(done for _, done, _ in calls)


def test_the_log_file_is_reopened_after_logrotate_moves_it(tmp_path):
    path = tmp_path / "log" / "pasindo.log"
    logs.configure(level="info", file=path)
    log = logs.get_logger()
    log.info("before_rotation")
    path.rename(path.with_suffix(".log.1"))  # what logrotate does (no copytruncate)
    log.warning("after_rotation")
    rotated = [json.loads(line)["event"] for line in path.with_suffix(".log.1").read_text().splitlines()]
    fresh = [json.loads(line) for line in path.read_text().splitlines()]
    assert rotated == ["before_rotation"]
    assert [(e["event"], e["level"]) for e in fresh] == [("after_rotation", "warning")]
