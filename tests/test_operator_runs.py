"""Runs an operator can find: `report --list`, and `report` with no id showing the latest run that did something."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from connector.cli import main
from tests.helpers import Shop

PASINDO = Path(sys.executable).parent / "pasindo"
MONTHS_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def invoke(shop: Shop, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(shop.config), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def listed(shop: Shop, *args: str) -> list[dict]:
    code, out = invoke(shop, "report", "--list", "--format", "json", *args)
    assert code == 0, out
    return json.loads(out)


def finished(shop: Shop) -> list[dict]:
    return [r for r in listed(shop, "--limit", "1000") if r["status"] != "running"]


def wait_for(condition, daemon: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        assert daemon.poll() is None, f"the daemon exited with {daemon.returncode}"
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_report_lists_a_daemons_runs_and_shows_the_one_with_a_change(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url, guards="schedule: {full: every 1s}")
    with (tmp_path / "daemon.log").open("w") as log:
        daemon = subprocess.Popen([str(PASINDO), "--config", str(shop.config), "daemon"], stdout=log, stderr=log)
    try:
        wait_for(lambda: len(finished(shop)) >= 3, daemon, "a first sync and two quiet runs")
        shop.rows["DMP-02"] = shop.rows["DMP-02"].replace(";12;120;", ";4;120;")
        shop.write()
        wait_for(lambda: any(c["op"] == "update_stock" for r in finished(shop) for c in r["counts"]), daemon,
                 "the run with the stock change")
        changed = next(r for r in finished(shop) if any(c["op"] == "update_stock" for c in r["counts"]))
        wait_for(lambda: len([r for r in finished(shop) if r["started_at"] > changed["started_at"]]) >= 2, daemon,
                 "two quiet runs after the change")
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=20)

    runs = listed(shop, "--limit", "1000")
    assert [r["started_at"] for r in runs] == sorted((r["started_at"] for r in runs), reverse=True)
    assert {r["trigger"] for r in runs} == {"schedule"} and {r["job"] for r in runs} == {"full"}
    eventful = [r for r in runs if r["counts"]]
    assert [r["run_id"] for r in eventful][0] == changed["run_id"]
    assert changed["counts"] == [{"op": "update_stock", "outcome": "ok", "count": 1}]
    quiet_after = [r for r in runs if r["started_at"] > changed["started_at"]]
    assert len(quiet_after) >= 2 and all(not r["counts"] and r["status"] in ("ok", "interrupted")
                                         for r in quiet_after)
    assert len(listed(shop, "--limit", "2")) == 2

    code, out = invoke(shop, "report", "--format", "json")
    doc = json.loads(out)
    assert doc["run_id"] == changed["run_id"] and doc["quiet_runs_after"] == len(quiet_after)
    code, out = invoke(shop, "report")
    assert f"Run {changed['run_id']}" in out and f"{len(quiet_after)} quiet runs followed" in out
    code, out = invoke(shop, "report", "--last", "--format", "json")
    assert json.loads(out)["run_id"] == runs[0]["run_id"] != changed["run_id"]
    code, out = invoke(shop, "report", "--list")
    assert code == 0 and changed["run_id"] in out and "update_stock 1" in out


def test_report_list_since_takes_the_dates_people_write(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    shop.sync()
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    tomorrow = today + timedelta(days=1)
    for written in (today.isoformat(), today.strftime("%d/%m/%Y"), f"{today.day} {MONTHS_ID[today.month - 1]} "
                    f"{today.year}"):
        assert len(listed(shop, "--since", written)) == 2, written
    assert listed(shop, "--since", tomorrow.isoformat()) == []
    code, out = invoke(shop, "report", "--list", "--since", "31/02/2026")
    assert code == 2 and "31/02/2026" in out


def test_report_passes_over_quiet_runs_and_says_how_many(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    first = shop.sync()[1]["run_id"]
    code, out = invoke(shop, "report", "--format", "json")
    assert json.loads(out)["run_id"] == first and "quiet_runs_after" not in json.loads(out)
    second = shop.sync()[1]["run_id"]
    doc = json.loads(invoke(shop, "report", "--format", "json")[1])
    assert doc["run_id"] == first and doc["quiet_runs_after"] == 1
    assert json.loads(invoke(shop, "report", "--last", "--format", "json")[1])["run_id"] == second


def test_report_options_that_do_not_go_together_are_usage_errors(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    assert invoke(shop, "report", "--list", "--last")[0] == 2
    assert invoke(shop, "report", "--list", "--format", "csv")[0] == 2
    assert invoke(shop, "report", "--since", "2026-01-01")[0] == 2


def test_report_html_is_one_self_contained_page_with_the_summary_and_every_item_that_needs_a_person(tmp_path,
                                                                                                     sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    shop.rows["DMP-01"] = shop.rows["DMP-01"].replace("Rp151.000", "<b>gratis</b>")  # a refused row
    shop.rows["DMP-00"] = shop.rows["DMP-00"].replace("Rp150.000", "Rp15.000")  # a price crash: held
    shop.rows["DMP-02"] = shop.rows["DMP-02"].replace(";12;120;", ";4;120;")  # a stock change: done
    shop.write()
    run_id = shop.sync()[1]["run_id"]
    page = tmp_path / "run.html"
    code, out = invoke(shop, "report", "--format", "html", "--output", str(page))
    assert code == 0, out
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "name=viewport" in html and run_id in html
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", html), "an external asset"
    assert "<td>lapas-uji</td><td>shopee</td><td>update_price held 1, update_stock 1</td>" in html
    assert "Needs a person" in html and "<td>update_price</td><td>held</td>" in html and "price_drop" in html
    assert "&lt;b&gt;gratis&lt;/b&gt;" in html and "<b>gratis" not in html  # catalog text is escaped
    assert invoke(shop, "report", "--list", "--format", "html")[0] == 2
