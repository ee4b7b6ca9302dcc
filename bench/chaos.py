"""Chaos: a faulty marketplace and a sync killed at random moments, then one clean sync must converge.

    python bench/chaos.py                        # 30 kills, Shopee, about 3 minutes
    python bench/chaos.py --kills 10 --channels shopee lazada tiktokshop

Runs the sandbox (its own process) with failures, committed-then-timed-out writes and throttling; changes the
catalogs between runs; kills `pasindo sync` with SIGKILL at random moments; then runs a clean sync against a
fault-free sandbox on the same state and checks: every channel shows exactly the desired listings (price,
stock, status, variants), no seller SKU is listed twice, and the ledger passes SQLite's integrity check. Bounded
in time by --minutes. Prints the counts; exits 1 if a check fails. A shorter version runs in the test suite
(tests/test_sync_faults.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_bench import Sandbox, change_stock  # noqa: E402
from workload import generate  # noqa: E402


def desired(config: Path) -> dict[str, dict]:
    """seller SKU -> expected (price, stock, variants) from what `pasindo validate` understood."""
    proc = subprocess.run([sys.executable, "-m", "connector.cli", "--config", str(config), "validate", "--format",
                           "json", "--products"], capture_output=True, text=True, check=False)
    out = {}
    for p in json.loads(proc.stdout)["products"]:
        prefix = "U" + p["institution"].split("-")[1]
        variants = sorted((f"{prefix}-{v['sku']}", v["price"], v["stock"]) for v in p["variants"])
        out[f"{prefix}-{p['sku']}"] = {"price": p["price"], "stock": p["stock"], "variants": variants}
    return out


def check(url: str, dialect: str, want: dict[str, dict]) -> list[str]:
    items = requests.get(f"{url}/_sandbox/items", params={"dialect": dialect}, timeout=60).json()["items"]
    problems = []
    keys = Counter()
    by_key = {}
    for item in items:
        key = item["seller_sku"] or (item["variants"][0]["seller_sku"].rsplit("-", 1)[0] if item["variants"] else None)
        keys[key] += 1
        by_key[key] = item
    problems += [f"{dialect}: {k} listed {n} times" for k, n in keys.items() if n > 1]
    for sku, expected in want.items():
        item = by_key.get(sku)
        if item is None:
            problems.append(f"{dialect}: {sku} missing")
            continue
        got = sorted((v["seller_sku"], v["price"], v["stock"]) for v in item["variants"])
        if item["status"] != "active" or got != expected["variants"] or (
                not got and (item["price"], item["stock"]) != (expected["price"], expected["stock"])):
            problems.append(f"{dialect}: {sku} differs: {item} vs {expected}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--channels", nargs="*", default=["shopee"])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "chaos")
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    deadline = time.monotonic() + args.minutes * 60
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("**/*.sqlite*"):
        old.unlink()
    state = args.out / "sandbox.sqlite"
    faulty = Sandbox(state, faults=["--seed", str(args.seed), "--fail-rate", "0.1", "--timeout-rate", "0.05",
                                    "--throttle-rate", "0.1", "--latency-ms", "5"])
    config = generate(args.out, max(1, args.products // 50), args.products, args.seed, args.channels, faulty.url)
    config.write_text(config.read_text().replace("credentials:", "options: {rate_limit: 300, timeout: 3},"
                                                                 " credentials:"))
    env = dict(os.environ, PASINDO_CONFIG=str(config))
    kills = finished = 0
    try:
        while kills < args.kills and time.monotonic() < deadline:
            if rnd.random() < 0.5:
                change_stock(args.out, 0.05, rnd.randrange(1 << 30))
            proc = subprocess.Popen([sys.executable, "-m", "connector.cli", "sync"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.2, 4.0))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            else:
                finished += 1
            proc.wait()
        faults = faulty.stats()["faults"]
    finally:
        faulty.stop()
    clean = Sandbox(state)
    try:
        config.write_text(config.read_text().replace(faulty.url, clean.url))
        proc = subprocess.run([sys.executable, "-m", "connector.cli", "sync"], env=env, capture_output=True,
                              text=True, check=False)
        want = desired(config)
        problems = [p for c in args.channels for p in check(clean.url, c, want)]
        ledger = sqlite3.connect(args.out / "state" / "ledger.sqlite")
        integrity = ledger.execute("PRAGMA integrity_check").fetchone()[0]
        runs = dict(ledger.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall())
        ledger.close()
    finally:
        clean.stop()
    print(f"kills: {kills}, runs that finished before their kill: {finished}, faults injected: {faults}")
    print(f"runs in the ledger by status: {runs}")
    print(f"clean sync exit {proc.returncode}; products {len(want)} x channels {len(args.channels)}; "
          f"ledger integrity: {integrity}; problems: {len(problems)}")
    for p in problems[:20]:
        print("  ", p)
    sys.exit(0 if not problems and integrity == "ok" and proc.returncode == 0 else 1)


if __name__ == "__main__":
    main()
