"""National-scale sync benchmarks: what operators ask about, measured against the sandbox on loopback.

    python bench/sync_bench.py --products 50000 --institutions 500          # read, first sync, no-change, 1%, naive
    python bench/sync_bench.py --paced --products 5000 --rate 20            # first listing under N req/s, 3 channels
    python bench/sync_bench.py --read-only --products 500000 --institutions 500   # read + normalise alone

The sandbox runs in its own process (`pasindo sandbox serve`), so the connector and the marketplace do not share
an interpreter. Figures are printed; nothing is asserted (the tests assert behaviour).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workload import generate  # noqa: E402

from connector.adapters.base import Change, Remote, batched  # noqa: E402
from connector.catalog.validation import Catalogs  # noqa: E402
from connector.config import load_config  # noqa: E402
from connector.logs import configure, get_logger  # noqa: E402
from connector.sync.adapter import make_adapter  # noqa: E402
from connector.sync.kinds import OpKind  # noqa: E402
from connector.sync.ledger.model import Binding  # noqa: E402
from connector.sync.plan import Op  # noqa: E402
from connector.sync.run import Sync, SyncOptions  # noqa: E402


class Sandbox:
    """`pasindo sandbox serve` in a child process."""

    def __init__(self, state: Path, rate_limit: float | None = None, faults: list[str] | None = None):
        args = [sys.executable, "-m", "connector.cli", "sandbox", "serve", "--port", "0", "--state", str(state),
                *(faults or [])]
        if rate_limit:
            args += ["--rate-limit", str(rate_limit)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        self.url = re.search(r"http://\S+", line).group(0)

    def stats(self) -> dict:
        return requests.get(f"{self.url}/_sandbox/stats", timeout=30).json()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def calls(before: dict, after: dict) -> Counter:
    """Requests between two stats snapshots, by endpoint (listing ids in paths folded into `{id}`)."""
    out: Counter = Counter()
    for path, n in after["requests"].items():
        if n - before["requests"].get(path, 0):
            out[re.sub(r"/\d{9,}(?=/|$)", "/{id}", path)] += n - before["requests"].get(path, 0)
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_only(config_path: Path) -> tuple[float, int]:
    config = load_config(config_path)
    start = time.perf_counter()
    products = 0
    catalogs = Catalogs(config, today=date.today())
    for entry in config.institutions:
        for item in catalogs.read(entry):
            products += hasattr(item, "key")
    return time.perf_counter() - start, products


def run_sync(config_path: Path, **options) -> tuple[float, dict]:
    config = load_config(config_path)
    sync = Sync(config, SyncOptions(**options), log=get_logger())
    start = time.perf_counter()
    try:
        result = sync.run()
    finally:
        sync.close()
    return time.perf_counter() - start, {"status": result.status, "counts": dict(Counter(
        {f"{ch} {op} {outcome}": n for (_, ch, op, outcome), n in result.counts().items()}))}


def change_stock(out: Path, share: float, seed: int) -> int:
    """Change the stock of `share` of the products in the CSV catalogs; returns how many products changed."""
    rnd = random.Random(seed)
    changed = 0
    for path in sorted(out.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
        touched_parents: set[str] = set()
        for r in rows[1:]:
            if rnd.random() < share:
                r[5] = str(int(r[5]) + 1)
                key = r[8] or r[0]
                if key not in touched_parents:
                    touched_parents.add(key)
                    changed += 1
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, delimiter=";").writerows(rows)
    return changed


def naive(config_path: Path) -> tuple[float, int]:
    """The baseline: push every product's price and stock on every run, whatever changed."""
    config = load_config(config_path)
    sync = Sync(config, SyncOptions(), log=get_logger())
    total_calls = 0
    start = time.perf_counter()
    for channel in config.channels:
        bindings = sync.ledger.bindings.all(channel.name)
        ops = [Op(kind, channel.name, key, b.institution, None, b) for key, b in bindings.items() for kind in
               (OpKind.PRICE, OpKind.STOCK)]
        adapter = make_adapter(channel, channel.endpoint, sync.ledger)
        for kind in (OpKind.PRICE, OpKind.STOCK):
            changes = [op for op in ops if op.kind == kind]
            caps = adapter.capabilities
            limit = caps.price_batch if kind == OpKind.PRICE else caps.stock_batch
            items = [Change(op.key, executor_remote(op.binding), (op.binding.prices if kind == OpKind.PRICE else
                                                                  op.binding.stock) or {}) for op in changes]
            size = (lambda c: len(c.values)) if caps.batch_across_products else (lambda c: 1)
            for batch in batched(items, limit, size):
                (adapter.update_prices if kind == OpKind.PRICE else adapter.update_stock)(batch)
                total_calls += 1
        adapter.close()
    sync.close()
    return time.perf_counter() - start, total_calls


def executor_remote(binding: Binding) -> Remote:
    return Remote(binding.external_id, binding.seller_sku, dict(binding.variant_ids), binding.active)


def minimum_stock_calls(channel: str, products: int, skus: int) -> int:
    return math.ceil(skus / 50) if channel == "lazada" else products


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--institutions", type=int, default=500)
    parser.add_argument("--channels", nargs="*", default=["shopee"])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--paced", action="store_true", help="first listing under a per-channel rate limit")
    parser.add_argument("--rate", type=float, default=20, help="the sandbox's requests/s per channel (--paced)")
    parser.add_argument("--read-only", action="store_true", help="only read + normalise, with this process's peak")
    args = parser.parse_args()
    configure(json=True, level="error", stream=open("/dev/null", "w"))  # noqa: SIM115 - the bench's own output
    if args.paced:
        paced(args)
        return
    if args.read_only:
        work = args.out / f"read-{args.products}"
        if not (work / "pasindo.yaml").exists():
            generate(work, args.institutions, args.products, 1, [], "sandbox")
        seconds, products = read_only(work / "pasindo.yaml")
        print(f"read + normalise: {products} products ({args.institutions} catalogs, 70% CSV / 30% XLSX) in "
              f"{seconds:.1f}s = {products / seconds:,.0f} products/s; peak memory {peak_mb():.0f} MB")
        return
    work = args.out / f"national-{args.products}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    sandbox = Sandbox(work / "sandbox.sqlite")
    config_path = generate(work, args.institutions, args.products, 1, args.channels, sandbox.url)
    text = config_path.read_text()
    config_path.write_text(text.replace("credentials:", "options: {rate_limit: 5000}, credentials:"))
    try:
        seconds, products = read_only(config_path)
        print(f"read + normalise: {products} products in {seconds:.1f}s = {products / seconds:,.0f} products/s")

        before = sandbox.stats()
        first, result = run_sync(config_path)
        first_calls = calls(before, sandbox.stats())
        print(f"first sync: {first:.1f}s, status {result['status']}, calls {sum(first_calls.values())}: "
              f"{dict(first_calls)}")

        before = sandbox.stats()
        nochange, result = run_sync(config_path)
        print(f"no-change sync: {nochange:.1f}s ({nochange / seconds:.2f}x read + normalise), "
              f"marketplace calls {sum(calls(before, sandbox.stats()).values())}, status {result['status']}")

        changed = change_stock(work, 0.01, 7)
        before = sandbox.stats()
        one_percent, result = run_sync(config_path)
        made = calls(before, sandbox.stats())
        print(f"1% stock change: {changed} products changed, {sum(made.values())} calls "
              f"(minimum {changed} for one-item-per-call channels), {one_percent:.1f}s: {dict(made)}")

        before = sandbox.stats()
        naive_seconds, naive_calls = naive(config_path)
        print(f"naive push of every price and stock: {naive_calls} calls, {naive_seconds:.1f}s "
              f"(vs {sum(made.values())} calls, {one_percent:.1f}s)")
        print(f"peak memory of this process: {peak_mb():.0f} MB")
    finally:
        sandbox.stop()


def paced(args: argparse.Namespace) -> None:
    channels = ["shopee", "lazada", "tiktokshop"]
    work = args.out / f"paced-{args.products}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sandbox = Sandbox(work / "sandbox.sqlite", rate_limit=args.rate)
    try:
        config_path = generate(work, max(1, args.products // 100), args.products, 2, channels, sandbox.url)
        text = config_path.read_text()
        config_path.write_text(text.replace("credentials:", f"options: {{rate_limit: {args.rate}}}, credentials:"))
        before = sandbox.stats()
        seconds, result = run_sync(config_path)
        made = calls(before, sandbox.stats())
        per_channel = Counter()
        for path, n in made.items():
            per_channel[path.split(" ", 1)[0]] += n
        print(f"first listing of {args.products} products to 3 channels, sandbox limit {args.rate:g} req/s each:")
        for dialect, n in sorted(per_channel.items()):
            rate = n / seconds
            share = 100 * rate / args.rate
            print(f"  {dialect:11} {n:6} calls in {seconds:.1f}s = {rate:.1f} req/s ({share:.0f}% of N)")
        print(f"  throttled answers: {json.dumps(sandbox.stats()['faults'])}; status {result['status']}")
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
