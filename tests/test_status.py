"""`pasindo status`: listings per channel and institution, the last run, the next scheduled runs, token expiry."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.sandbox import SandboxServer
from connector.sync.kinds import RunStatus, Trigger
from connector.sync.ledger import Ledger
from tests.helpers import Shop, dead_endpoint

SCHEDULE = """
schedule:
  full: "0 2 * * *"
  stock_price: every 10m
  timezone: Asia/Jakarta
  institutions:
    lapas-dua: {full: "30 3 * * 0", stock_price: off}
"""


@pytest.fixture
def sandbox(tmp_path):
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite") as server:
        yield server


def two_institutions(tmp_path, url: str) -> Shop:
    """The test shop's catalog listed by two institutions (different SKU prefixes), with a schedule."""
    shop = Shop(tmp_path, url, guards=SCHEDULE)
    shop.config.write_text(shop.config.read_text().replace("channels:\n", (
        "  - code: lapas-dua\n    name: Lapas Kelas IIA Dua\n    type: lapas\n    catalog: {path: katalog.csv}\n"
        "    sku_prefix: LPDUA\nchannels:\n")), encoding="utf-8")
    return shop


def status(shop: Shop) -> dict:
    result = CliRunner().invoke(main, ["--config", str(shop.config), "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_status_before_the_first_sync_shows_the_schedule_and_creates_nothing(tmp_path, sandbox):
    shop = two_institutions(tmp_path, sandbox.url)
    before = datetime.now(UTC)
    doc = status(shop)
    assert not (tmp_path / "state").exists()
    assert [(r["channel"], r["institution"], r["active"], r["failing"]) for r in doc["listings"]] == [
        ("shopee", "lapas-dua", 0, 0), ("shopee", "lapas-uji", 0, 0)]
    assert doc["last_run"] is None
    jobs = {j["job"]: j for j in doc["schedule"]}
    assert list(jobs) == ["full", "full:lapas-dua", "stock_price"]
    assert jobs["full"]["institutions"] == ["lapas-uji"] and jobs["stock_price"]["institutions"] == ["lapas-uji"]
    full = datetime.fromisoformat(jobs["full"]["next_run"])
    assert (full.hour, full.minute, full.utcoffset()) == (2, 0, timedelta(hours=7))
    assert timedelta(0) < full - before <= timedelta(days=1)
    weekly = datetime.fromisoformat(jobs["full:lapas-dua"]["next_run"])
    assert (weekly.weekday(), weekly.hour, weekly.minute) == (6, 3, 30)  # crontab 0 is Sunday
    fast = datetime.fromisoformat(jobs["stock_price"]["next_run"])
    assert timedelta(minutes=9) < fast - before <= timedelta(minutes=11)
    assert doc["tokens"] == [{"channel": "shopee", "source": "config", "expires_at": None, "expired": None,
                              "refreshed_at": None}]


def test_status_counts_listings_failures_and_invalid_and_shows_token_expiry_never_tokens(tmp_path, sandbox):
    shop = two_institutions(tmp_path, sandbox.url)
    for size in (40, 41, 42):  # Shopee takes a variation name of at most 14 characters: the shoe is refused
        shop.rows[f"SPT-{size}"] = shop.rows[f"SPT-{size}"].replace(";Ukuran;", ";Ukuran Sepatu Pria Dewasa;")
    del shop.rows["DMP-05"]
    shop.write()
    assert shop.sync()[0] == 1
    shop.rows["DMP-05"] = "DMP-05;Dompet Kulit Sapi Asli Pria Model 05;Fashion / Dompet;Rp155.000;15;120;img/a.png;;;"
    shop.write()
    assert shop.sync()[0] == 1
    del shop.rows["DMP-05"]  # leaves the catalog: delisted
    shop.rows["DMP-02"] = shop.rows["DMP-02"].replace(";12;120;", ";4;120;")
    shop.write()
    assert shop.sync("--institution", "lapas-dua")[0] == 1
    shop.config.write_text(shop.config.read_text().replace(shop.sandbox_url, dead_endpoint()).replace(
        "adapter: shopee\n", "adapter: shopee\n    options: {retry: {attempts: 1}, timeout: 2}\n"), encoding="utf-8")
    assert shop.sync("--institution", "lapas-uji")[0] == 1  # the stock change fails: the channel is unreachable

    expires = time.time() + 3 * 3600
    ledger = Ledger(tmp_path / "state" / "ledger.sqlite")
    ledger.tokens.save("shopee", {"access_token": "tok-rahasia-123", "refresh_token": "ref-rahasia-456",
                                  "expires_at": expires})
    ledger.close()

    result = CliRunner().invoke(main, ["--config", str(shop.config), "status", "--format", "json"])
    assert "rahasia" not in result.output
    doc = json.loads(result.stdout)
    rows = {r["institution"]: (r["active"], r["inactive"], r["failing"], r["invalid"]) for r in doc["listings"]}
    # The shoe is listed without its variants and its content refused: active and invalid. lapas-dua delisted
    # DMP-05; lapas-uji could not (unreachable), nor send DMP-02's stock: two failing.
    assert rows == {"lapas-dua": (6, 1, 0, 1), "lapas-uji": (7, 0, 2, 1)}
    last = doc["last_run"]
    assert last["status"] == "problems" and last["trigger"] == "manual" and last["not_ok"] >= 1
    assert doc["tokens"] == [{"channel": "shopee", "source": "ledger",
                              "expires_at": datetime.fromtimestamp(expires, UTC).isoformat(timespec="seconds"),
                              "expired": False, "refreshed_at": doc["tokens"][0]["refreshed_at"]}]

    table = CliRunner().invoke(main, ["--config", str(shop.config), "status"])
    assert table.exit_code == 0 and "rahasia" not in table.output
    assert "lapas-dua" in table.output and "full:lapas-dua" in table.output and "Access tokens" in table.output


def test_a_scheduled_interval_counts_from_the_jobs_last_run(tmp_path, sandbox):
    shop = two_institutions(tmp_path, sandbox.url)
    shop.sync()
    ledger = Ledger(tmp_path / "state" / "ledger.sqlite")
    run = ledger.runs.start(Trigger.SCHEDULE, {"job": "stock_price"})
    ledger.runs.finish(run, RunStatus.OK, {"counts": []})
    started = datetime.fromisoformat(ledger.runs.get(run).started_at)
    ledger.close()
    jobs = {j["job"]: j for j in status(shop)["schedule"]}
    following = datetime.fromisoformat(jobs["stock_price"]["next_run"])
    assert abs(following - (started + timedelta(minutes=10))) < timedelta(seconds=1)
