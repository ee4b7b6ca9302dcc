"""Logging: secrets never reach the output, whatever shape they arrive in."""

from __future__ import annotations

import io
import json
import sys

from connector import logs


def test_secrets_are_redacted_by_value_and_by_key():
    out = io.StringIO()
    logs.configure(json=True, stream=out, secrets=["sandbox-shopee-key", "tok-123456"])
    log = logs.get_logger()
    log.warning("call_failed", url="https://x/api?access_token=tok-123456&sign=abc", partner_key="whatever",
                nested={"refresh_token": "r-999999", "note": "key sandbox-shopee-key leaked"},
                error=RuntimeError("bad tok-123456"))
    line = out.getvalue()
    for secret in ("sandbox-shopee-key", "tok-123456", "whatever", "r-999999"):
        assert secret not in line
    event = json.loads(line)
    assert event["event"] == "call_failed" and event["level"] == "warning"
    assert event["partner_key"] == logs.REDACTED and event["nested"]["refresh_token"] == logs.REDACTED


def test_console_output_for_a_terminal():
    out = io.StringIO()
    logs.configure(json=False, stream=out)
    logs.get_logger().info("hello", institution="lapas-a")
    assert "hello" in out.getvalue() and "institution=lapas-a" in out.getvalue()


def test_under_systemd_each_line_carries_its_syslog_priority(monkeypatch, capsys):
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    logs.configure(json=True, stream=sys.stdout)
    log = logs.get_logger()
    log.info("quiet")
    log.warning("loud")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("<6>{") and lines[1].startswith("<4>{")
    assert json.loads(lines[1][3:])["event"] == "loud"


def test_setting_up_again_releases_the_previous_log_file(tmp_path):
    logs.configure(json=True, file=tmp_path / "a.log")
    logs.get_logger().info("one")
    first = logs._LOG_FILE
    logs.configure(json=True, file=tmp_path / "b.log")
    logs.get_logger().info("two")
    assert first._fh is None and "one" in (tmp_path / "a.log").read_text() and "two" in (tmp_path / "b.log").read_text()
    logs.configure(json=True, stream=io.StringIO())


def test_a_console_line_leaves_the_counts_table_out_and_the_json_log_keeps_it():
    counts = [{"institution": "lapas-a", "channel": "shopee", "op": "create", "outcome": "ok", "count": 3}] * 40
    console, machine = io.StringIO(), io.StringIO()
    logs.configure(json=False, stream=console)
    logs.get_logger().info("sync_finished", status="ok", counts=counts)
    logs.configure(json=True, stream=machine)
    logs.get_logger().info("sync_finished", status="ok", counts=counts)
    assert "counts_rows=40" in console.getvalue() and "lapas-a" not in console.getvalue()
    assert len(console.getvalue()) < 300
    assert json.loads(machine.getvalue())["counts"] == counts


def test_a_channel_with_nothing_to_do_gets_no_progress_bar():
    from connector.reports import SyncProgress

    progress = SyncProgress()
    progress("shopee", 0, 0)
    progress("lazada", 1, 4)
    assert list(progress._tasks) == ["lazada"]
