"""`pasindo daemon` as systemd runs it: a subprocess on a second-level schedule against a slow sandbox on loopback."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.sandbox import SandboxServer
from connector.sync.lock import SyncLock
from tests.helpers import Shop

SCHEDULE = """
schedule:
  full: every 1s
  stock_price: "*/2 * * * * *"
"""


class Daemon:
    """`pasindo daemon` in a subprocess; its JSON log lines (stdout) go to a file."""

    def __init__(self, shop: Shop):
        self.shop = shop
        self.log_path = shop.dir / "daemon.jsonl"
        self.err_path = shop.dir / "daemon.err"
        with self.log_path.open("w") as out, self.err_path.open("w") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "connector.cli", "--config", str(shop.config),
                                          "daemon"], stdout=out, stderr=err)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line.startswith("{")]

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def stop(self) -> tuple[int, float]:
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=15)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def explain(self) -> str:
        return f"daemon log:\n{self.log_path.read_text()[-3000:]}\nstderr:\n{self.err_path.read_text()[-3000:]}"


def ledger_rows(shop: Shop, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    path = shop.dir / "state" / "ledger.sqlite"
    if not path.exists():
        return []
    conn = sqlite3.connect(path, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    except sqlite3.OperationalError:  # the daemon has not created the tables yet
        return []
    finally:
        conn.close()


def finished_runs(shop: Shop) -> list[dict[str, Any]]:
    return ledger_rows(shop, "SELECT * FROM runs WHERE status != 'running' ORDER BY started_at")


def wait_until(condition: Callable[[], Any], daemon: Daemon, timeout: float = 15, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        assert daemon.proc.poll() is None, f"the daemon exited with {daemon.proc.returncode}\n{daemon.explain()}"
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}\n{daemon.explain()}")


def running_with(shop: Shop, op: str, at_least: int = 1) -> str | None:
    """The id of a run in progress that has recorded `op` items already."""
    rows = ledger_rows(shop, "SELECT r.run_id, count(i.id) AS n FROM runs r JOIN run_items i ON i.run_id = r.run_id"
                             " WHERE r.status = 'running' AND i.op = ? GROUP BY r.run_id", (op,))
    return next((r["run_id"] for r in rows if r["n"] >= at_least), None)


@pytest.fixture
def slow_sandbox(tmp_path):
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", latency_ms=80) as server:
        yield server


@pytest.mark.slow
def test_scheduled_runs_never_overlap_and_sigterm_mid_run_stops_cleanly(tmp_path, slow_sandbox):
    shop = Shop(tmp_path, slow_sandbox.url, guards=SCHEDULE, products=20)
    daemon = Daemon(shop)
    try:
        wait_until(lambda: len(finished_runs(shop)) >= 3, daemon, timeout=20, what="three scheduled runs")
        for key in shop.rows:  # 20 names change: the next full run has 20 content updates to send, slowly
            shop.rows[key] = shop.rows[key].replace("Pria Model", "Wanita Model")
        shop.write()
        interrupted = wait_until(lambda: running_with(shop, "update_content", 2), daemon, what="a run mid-way")
        code, seconds = daemon.stop()
    finally:
        daemon.kill()
    assert code == 0 and seconds < 5, daemon.explain()

    conn = sqlite3.connect(tmp_path / "state" / "ledger.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    runs = ledger_rows(shop, "SELECT * FROM runs ORDER BY started_at")
    assert len(runs) >= 4 and {r["trigger"] for r in runs} == {"schedule"}
    assert {json.loads(r["options"])["job"] for r in runs} == {"full", "stock_price"}
    assert next(r for r in runs if r["run_id"] == interrupted)["status"] == "interrupted"
    assert all(r["status"] in ("ok", "interrupted") and r["finished_at"] for r in runs), runs
    spans = [(datetime.fromisoformat(r["started_at"]), datetime.fromisoformat(r["finished_at"])) for r in runs]
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start, f"runs overlap: {spans}"
    sent = ledger_rows(shop, "SELECT count(*) AS n FROM run_items WHERE run_id = ? AND op = 'update_content'",
                       (interrupted,))[0]["n"]
    assert 2 <= sent < 20  # stopped after the batch in flight, with work left

    events = daemon.events()
    scheduled = {e["job"]: e for e in events if e["event"] == "scheduled"}
    assert set(scheduled) == {"full", "stock_price"} and all(e["next_run"] for e in scheduled.values())
    tail = [(e["event"], e.get("status")) for e in events if e["event"] in ("daemon_stopping", "daemon_stopped")
            or e.get("run_id") == interrupted and e["event"] == "sync_finished"]
    assert tail == [("daemon_stopping", None), ("sync_finished", "interrupted"), ("daemon_stopped", None)]
    quiet = [r["run_id"] for r in runs if r["status"] == "ok" and not json.loads(r["summary"])["counts"]]
    assert quiet, "no run without changes"
    loud = Counter(e["run_id"] for e in events if e.get("run_id") in quiet and e["level"] != "debug")
    assert all(loud[run_id] <= 2 for run_id in quiet), loud  # a no-change scheduled run: at most two info lines
    assert not [e for e in events if e.get("run_id") in quiet and e["level"] in ("warning", "error")]

    code, doc = shop.sync()  # a manual sync finishes the interrupted work
    assert code == 0, doc
    assert {(c["op"], c["outcome"]) for c in doc["counts"]} == {("update_content", "ok")}
    assert sum(c["count"] for c in doc["counts"]) == 20 - sent
    skus = Counter(i["seller_sku"] for i in shop.items())
    assert set(skus.values()) == {1} and len(skus) == 21
    assert all("Pria Model" not in i["name"] for i in shop.items())


@pytest.mark.slow
def test_sighup_keeps_the_old_config_when_the_new_one_is_broken_and_a_manual_sync_meanwhile_exits_4(
        tmp_path, slow_sandbox):
    shop = Shop(tmp_path, slow_sandbox.url, guards="schedule: {full: every 1s}\n", products=20)
    good = shop.config.read_text()
    daemon = Daemon(shop)
    try:
        wait_until(lambda: running_with(shop, "create"), daemon, what="the first run creating listings")
        manual = CliRunner().invoke(main, ["--config", str(shop.config), "sync"])
        assert manual.exit_code == 4 and "another sync holds the lock" in manual.output

        shop.config.write_text(good.replace("every 1s", "every 1 fortnight"), encoding="utf-8")
        daemon.signal(signal.SIGHUP)
        failed = wait_until(lambda: [e for e in daemon.events() if e["event"] == "config_reload_failed"], daemon,
                            what="the reload to fail")
        assert failed[0]["level"] == "error" and "schedule.full" in " ".join(failed[0]["problems"])
        done = len(finished_runs(shop))
        wait_until(lambda: len(finished_runs(shop)) >= done + 2, daemon, what="runs on the old config")

        shop.config.write_text(good.replace("every 1s", "every 2s"), encoding="utf-8")
        daemon.signal(signal.SIGHUP)
        wait_until(lambda: [e for e in daemon.events() if e["event"] == "scheduled" and e["schedule"] == "every 2s"],
                   daemon, what="the new schedule")
        code, _ = daemon.stop()
    finally:
        daemon.kill()
    assert code == 0, daemon.explain()
    events = [e["event"] for e in daemon.events()]
    assert events.count("config_reloaded") == 1 and events.count("config_reload_failed") == 1


@pytest.mark.slow
def test_a_scheduled_run_waits_for_a_manual_sync_holding_the_lock(tmp_path):
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite") as sandbox:
        shop = Shop(tmp_path, sandbox.url, guards="schedule: {stock_price: every 1s}\n")
        lock = SyncLock(tmp_path / "state")
        lock.acquire()
        daemon = Daemon(shop)
        try:
            busy = wait_until(lambda: [e for e in daemon.events() if e["event"] == "lock_busy"], daemon,
                              what="the daemon to find the lock held")
            assert busy[0]["level"] == "info" and busy[0]["job"] == "stock_price"
            time.sleep(1.2)
            assert finished_runs(shop) == []
            lock.release()
            runs = wait_until(lambda: finished_runs(shop), daemon, what="the run after the lock was released")
            assert runs[0]["trigger"] == "schedule" and json.loads(runs[0]["options"])["only"] == ["price", "stock"]
            code, _ = daemon.stop()
        finally:
            lock.release()
            daemon.kill()
    assert code == 0
    assert "lock_acquired" in [e["event"] for e in daemon.events()]


def test_a_config_without_a_schedule_is_refused(tmp_path):
    shop = Shop(tmp_path, "sandbox")
    result = CliRunner().invoke(main, ["--config", str(shop.config), "daemon"])
    assert result.exit_code == 2 and "schedule: nothing to run" in result.output


@pytest.mark.parametrize(("schedule", "problem"), [
    ("{full: '*/5 * * *'}", "schedule.full: '*/5 * * *' is not a schedule"),
    ("{stock_price: every 0m}", "schedule.stock_price: 'every 0m': the interval must be at least 1"),
    ("{full: every 1h, timezone: Asia/Bandung}", "schedule.timezone: unknown time zone 'Asia/Bandung'"),
    ("{full: every 1h, institutions: {lapas-lain: {full: off}}}", "'lapas-lain', which is not a configured"),
])
def test_a_bad_schedule_is_a_config_error(tmp_path, schedule, problem):
    shop = Shop(tmp_path, "sandbox", guards=f"schedule: {schedule}\n")
    result = CliRunner().invoke(main, ["--config", str(shop.config), "daemon"])
    assert result.exit_code == 2 and f"{shop.config}: " in result.output and problem in result.output
