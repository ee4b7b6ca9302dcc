"""`status` tells the truth about the daemon: whether one runs for this state directory, its pid, start and next
runs as the daemon's scheduler computed them, or "no daemon running" (also after a daemon was killed)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli import main
from tests.helpers import Shop

PASINDO = Path(sys.executable).parent / "pasindo"
SCHEDULE = 'schedule: {full: every 2s, stock_price: "0 3 * * *"}'


def status(shop: Shop) -> dict:
    result = CliRunner().invoke(main, ["--config", str(shop.config), "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def start(shop: Shop) -> subprocess.Popen:
    log = (shop.dir / "daemon.log").open("a")
    return subprocess.Popen([str(PASINDO), "--config", str(shop.config), "daemon"], stdout=log, stderr=log)


def until(condition, what: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_status_shows_the_running_daemon_and_its_own_next_runs_then_no_daemon(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url, guards=SCHEDULE)
    assert status(shop)["daemon"] == {"running": False}
    daemon = start(shop)
    try:
        doc = until(lambda: (d := status(shop))["daemon"]["running"] and d["daemon"].get("pid") and d,
                    "the daemon's record")
        assert doc["daemon"]["pid"] == daemon.pid
        assert datetime.fromisoformat(doc["daemon"]["started_at"]) <= datetime.now(UTC)
        jobs = {j["job"]: j for j in doc["schedule"]}
        assert jobs == {j["job"]: j for j in doc["daemon"]["next_runs"]}
        assert set(jobs) == {"full", "stock_price"}
        nightly = datetime.fromisoformat(jobs["stock_price"]["next_run"])
        assert (nightly.hour, nightly.minute) == (3, 0)
        first = datetime.fromisoformat(jobs["full"]["next_run"])
        assert first - datetime.now(UTC) <= timedelta(seconds=3)
        # After a run, the next run is the scheduler's following one.
        later = until(lambda: (n := datetime.fromisoformat(
            {j["job"]: j for j in status(shop)["schedule"]}["full"]["next_run"])) > first and n, "the next run moved")
        assert later - first >= timedelta(seconds=2) - timedelta(milliseconds=50)
        table = CliRunner().invoke(main, ["--config", str(shop.config), "status"]).stdout
        assert f"Daemon: running, pid {daemon.pid}" in table
        second = subprocess.run([str(PASINDO), "--config", str(shop.config), "daemon"], capture_output=True,
                                text=True, timeout=30)
        assert second.returncode == 4 and "another daemon" in second.stdout + second.stderr
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=20)
    doc = status(shop)
    assert doc["daemon"] == {"running": False}
    table = CliRunner().invoke(main, ["--config", str(shop.config), "status"]).stdout
    assert "no daemon running for this state directory" in table and "would run" in table


def test_a_killed_daemon_is_not_taken_for_a_running_one(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url, guards=SCHEDULE)
    daemon = start(shop)
    try:
        until(lambda: status(shop)["daemon"].get("pid"), "the daemon's record")
    finally:
        daemon.kill()
        daemon.wait(timeout=10)
    assert (tmp_path / "state" / "daemon.json").exists()  # left behind
    assert status(shop)["daemon"] == {"running": False}
