"""Convergence under faults: failures, committed-then-timed-out writes, throttling, and SIGKILL mid-run."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from connector.sandbox import SandboxServer
from tests.helpers import Shop


def assert_converged(shop: Shop, n: int = 6, stock: int = 10) -> None:
    items = shop.items()
    skus = Counter(i["seller_sku"] for i in items)
    assert all(count == 1 for count in skus.values()), f"duplicate listings: {skus}"
    by_sku = {i["seller_sku"]: i for i in items}
    assert set(by_sku) == {f"LPUJI-DMP-{i:02d}" for i in range(n)} | {"LPUJI-SPT"}
    for i in range(n):
        item = by_sku[f"LPUJI-DMP-{i:02d}"]
        assert (item["price"], item["stock"], item["status"], item["images"]) == (150_000 + i * 1000, stock + i,
                                                                                   "active", 1)
    shoe = by_sku["LPUJI-SPT"]
    assert [(v["seller_sku"], v["price"], v["stock"]) for v in shoe["variants"]] == [
        (f"LPUJI-SPT-{s}", 275_000, 3) for s in (40, 41, 42)]
    ledger = sqlite3.connect(shop.dir / "state" / "ledger.sqlite")
    assert ledger.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert ledger.execute("SELECT count(*) FROM intents WHERE resolved_at IS NULL").fetchone()[0] == 0
    ledger.close()


def sync_until_clean(shop: Shop, attempts: int = 8) -> list[int]:
    codes = []
    while len(codes) < attempts and (not codes or codes[-1] != 0):
        codes.append(shop.sync()[0])
    return codes


@pytest.mark.slow
def test_repeated_syncs_converge_under_faults_without_duplicates(tmp_path):
    n = 25
    faulty = SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", seed=11, fail_rate=0.15,
                           timeout_rate=0.1, throttle_rate=0.15, timeout_seconds=0.3)
    faulty.start()
    try:
        shop = Shop(tmp_path, faulty.url, products=n)
        shop.config.write_text(shop.config.read_text().replace("adapter: shopee\n", (
            # back-off of at most 0.4 s: the retries are what is tested, not how long they wait
            "adapter: shopee\n    options: {timeout: 2, rate_limit: 500, retry: {base_wait: 0.05, max_wait: 0.4}}\n")))
        rounds = [sync_until_clean(shop)]
        for key in list(shop.rows):  # every stock changes: one write per product, under the same faults
            if key.startswith("DMP-"):
                i = int(key[4:])
                shop.rows[key] = shop.rows[key].replace(f";{10 + i};120;", f";{20 + i};120;")
        shop.write()
        rounds.append(sync_until_clean(shop))
        faults = shop.stats()["faults"]
    finally:
        faulty.stop()
    assert faults["fail"] > 3 and faults["timeout"] > 3 and faults["throttle"] > 3, faults
    assert all(r[-1] == 0 for r in rounds), rounds
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite") as clean:
        shop.config.write_text(shop.config.read_text().replace(shop.sandbox_url, clean.url))
        shop.sandbox_url = clean.url
        assert shop.sync()[0] == 0
        assert_converged(shop, n, stock=20)
        before = shop.stats()
        shop.sync()
        assert shop.stats()["writes"] == before["writes"]


def wait_for_run(ledger: Path, runs: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Until the ledger has recorded `runs` runs (the process has started its run), or the process ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if ledger.exists():
            db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=5)
            try:
                if db.execute("SELECT count(*) FROM runs").fetchone()[0] >= runs:
                    return
            except sqlite3.OperationalError:  # the schema is still being made
                pass
            finally:
                db.close()
        time.sleep(0.02)


@pytest.mark.slow
def test_a_sync_killed_at_random_moments_converges_without_duplicates(tmp_path):
    n, rounds = 30, 8
    rnd = random.Random(5)
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", latency_ms=60) as slow:
        shop = Shop(tmp_path, slow.url, products=n)
        env = dict(os.environ, PASINDO_CONFIG=str(shop.config))
        for round_ in range(rounds):
            for i in range(n):  # every round changes every stock, so every run has writes to be killed in
                key = f"DMP-{i:02d}"
                shop.rows[key] = shop.rows[key].replace(f";{10 + i + round_ - 1};120;", f";{10 + i + round_};120;")
            shop.write()
            proc = subprocess.Popen([sys.executable, "-m", "connector.cli", "sync"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # kill at a random moment of the run itself, however long this machine takes to start the process
            wait_for_run(tmp_path / "state" / "ledger.sqlite", round_ + 1, proc)
            time.sleep(rnd.uniform(0.0, 1.2))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite") as clean:
        shop.config.write_text(shop.config.read_text().replace(shop.sandbox_url, clean.url))
        shop.sandbox_url = clean.url
        code, _ = shop.sync()
        assert code == 0
        assert_converged(shop, n, stock=10 + rounds - 1)
    ledger = sqlite3.connect(tmp_path / "state" / "ledger.sqlite")
    killed = ledger.execute("SELECT count(*) FROM runs WHERE status = 'interrupted'").fetchone()[0]
    ledger.close()
    assert killed >= rounds // 2  # most kills landed in the middle of a run
