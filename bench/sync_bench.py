"""National-scale sync benchmarks: what operators ask about, measured against the sandbox on loopback.

    python bench/sync_bench.py --products 50000 --institutions 500          # read, first sync, no-change, 1%, naive
    python bench/sync_bench.py --products 20000 --institutions 200 --reuse --pace 10   # and the 1% change paced
    python bench/sync_bench.py --paced --products 5000 --rate 20            # first listing under N req/s, 3 channels
    python bench/sync_bench.py --read-only --products 500000 --institutions 500   # read + normalise alone

Every mode takes `--repeats N` (default 5) and prints medians with their spread (see bench/figures.py): each round
runs a fresh first sync (the sandbox reset, the ledger removed; with `--first-once` only the first round, and
with `--reuse` none: the rounds go on from the ledger and sandbox an earlier run left), then read + normalise and
a no-change sync (the pair whose ratio is printed), a no-change sync that reads every catalog again (`--force`:
the peak memory of a whole reading, worked a batch at a time), then a 1% stock change, its calls made alone and the
naive push of every price and stock (the other pairs). The rounds' channels are unpaced (5,000 req/s: every call is
CPU on loopback); `--pace N` then runs the 1% change and its calls alone again with every channel paced at N req/s,
as a real shop is called (the adapters' default pace is 10 req/s).
Each phase runs in its own child process, which reports its time and peak RSS. The sandbox runs in its own process
(`pasindo sandbox serve`), so the connector and the marketplace do not share an interpreter.

`--paced` measures each channel's rate over its own active time: the parent polls the sandbox's request counters
every POLL_SECONDS while the sync runs, and a channel's active time runs from the poll that first saw one of its
requests to the poll that saw its last (so each figure is within about POLL_SECONDS of the truth), and its rate is
(calls - 1) / active time. The sandbox's bucket lets a burst of N requests through on top of N/s, so a short run can
show more than 100% of N; its throttled answers are counted as calls (the sandbox counts a request before it
throttles it). Figures are printed; nothing is asserted (the tests assert behaviour).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import header, in_child, peak_rss_mb, ratios, spread  # noqa: E402
from workload import generate  # noqa: E402

SCRIPT = Path(__file__).resolve()
POLL_SECONDS = 0.1
CHANNELS = ["shopee", "lazada", "tiktokshop"]
# What each marketplace documents as its limit (the sandbox's --rate-limit N is what the paced run enforces):
DOCUMENTED_LIMITS = {
    "shopee": "none published",  # connector/adapters/shopee.py DEFAULT_RATE_LIMIT
    "lazada": "per API; inventory 50/s per seller",  # connector/adapters/lazada.py DEFAULT_RATE_LIMIT
    "tiktokshop": "50/s per API, app and shop",  # connector/adapters/tiktokshop.py DEFAULT_RATE_LIMIT
}


class Sandbox:
    """`pasindo sandbox serve` in a child process."""

    def __init__(self, state: Path, rate_limit: float | None = None, faults: list[str] | None = None, port: int = 0):
        args = [sys.executable, "-m", "connector.cli", "sandbox", "serve", "--port", str(port), "--state", str(state),
                *(faults or [])]
        if rate_limit:
            args += ["--rate-limit", str(rate_limit)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        self.url = re.search(r"http://\S+", line).group(0)

    def stats(self) -> dict:
        return requests.get(f"{self.url}/_sandbox/stats", timeout=30).json()

    def reset(self) -> None:
        requests.post(f"{self.url}/_sandbox/reset", timeout=60).raise_for_status()

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


def change_stock(out: Path, catalogs: int, products: int, seed: int) -> int:
    """Change the stock of `products` products in each of `catalogs` CSV catalogs chosen at random (the issue's 1%:
    500 products in 50 institutions); writes their institution codes to `out/changed.json` (for the `readchanged`
    phase) and returns how many products changed."""
    rnd = random.Random(seed)
    found = sorted(out.glob("*.csv"))
    chosen = sorted(rnd.sample(found, min(catalogs, len(found))))
    changed = 0
    for path in chosen:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
        parents = sorted({r[8] or r[0] for r in rows[1:]})
        touched = set(rnd.sample(parents, min(products, len(parents))))
        for r in rows[1:]:
            if (r[8] or r[0]) in touched:
                r[5] = str(int(r[5]) + 1)
        changed += len(touched)
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, delimiter=";").writerows(rows)
    (out / "changed.json").write_text(json.dumps([p.stem for p in chosen]))
    return changed


# -- the phases, each run in a child process (`--phase NAME --config FILE`) ------------------------------------------


def phase_read(config_path: Path, only: list[str] | None = None) -> dict:
    from connector.catalog.validation import Catalogs
    from connector.config import load_config

    config = load_config(config_path)
    start = time.perf_counter()
    products = 0
    catalogs = Catalogs(config, today=date.today())
    for entry in config.institutions:
        if only is not None and entry.code not in only:
            continue
        for item in catalogs.read(entry):
            products += hasattr(item, "key")
    return {"seconds": time.perf_counter() - start, "products": products}


class CallClock:
    """The wall time during which at least one marketplace call was in flight (the channels call side by side, so
    their calls' times are merged, not added): what a sync spends waiting on the marketplaces."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    def install(self) -> None:
        send = requests.Session.send

        def timed(session: requests.Session, request: requests.PreparedRequest, **kwargs: object):
            start = time.perf_counter()
            try:
                return send(session, request, **kwargs)
            finally:
                with self._lock:
                    self.spans.append((start, time.perf_counter()))

        requests.Session.send = timed  # the bench's own child process only

    def seconds(self) -> float:
        total, end = 0.0, float("-inf")
        for start, stop in sorted(self.spans):
            if stop > end:
                total += stop - max(start, end)
                end = stop
        return total


def phase_sync(config_path: Path, *, force: bool = False) -> dict:
    from connector.config import load_config
    from connector.logs import get_logger
    from connector.sync.run import Sync, SyncOptions

    config = load_config(config_path)
    clock = CallClock()
    clock.install()
    sync = Sync(config, SyncOptions(force=force), log=get_logger())
    start = time.perf_counter()
    try:
        result = sync.run()
    finally:
        sync.close()
    return {"seconds": time.perf_counter() - start, "status": str(result.status), "call_seconds": clock.seconds()}


def phase_naive(config_path: Path) -> dict:
    """The baseline: push every product's price and stock on every run, whatever changed."""
    from connector.adapters.base import Change, Remote
    from connector.config import load_config
    from connector.logs import get_logger
    from connector.sync.adapter import make_adapter
    from connector.sync.run import Sync, SyncOptions

    config = load_config(config_path)
    sync = Sync(config, SyncOptions(), log=get_logger())
    start = time.perf_counter()
    for channel in config.channels:
        adapter = make_adapter(channel, channel.endpoint, sync.ledger)
        caps = adapter.capabilities
        bindings = [b for b in sync.ledger.bindings.all(channel.name).values() if b.external_id]
        for limit, update, values in ((caps.price_batch, adapter.update_prices, "prices"),
                                      (caps.stock_batch, adapter.update_stock, "stock")):
            # No acknowledged values on the Remote: an adapter that skips unchanged SKUs sends them all here.
            items = [Change(b.product_key, Remote(b.external_id, b.seller_sku, dict(b.variant_ids), b.active),
                            getattr(b, values) or {}) for b in bindings]
            for batch in value_calls(adapter, items, limit):
                update(batch)
        adapter.close()
    sync.close()
    return {"seconds": time.perf_counter() - start}


def phase_calls(config_path: Path) -> dict:
    """The 1% change's calls alone: the stock values the last run sent, sent again through the same adapters with
    nothing read or planned (channels side by side, each in its own thread, as a sync calls them). What the calls
    cost with their signing, encoding and answer parsing: `send`'s clock (`CallClock`) times only the wire."""
    from concurrent.futures import ThreadPoolExecutor

    from connector.adapters.base import Change, Remote
    from connector.config import load_config
    from connector.logs import get_logger
    from connector.sync.adapter import make_adapter
    from connector.sync.kinds import OpKind
    from connector.sync.run import Sync, SyncOptions

    config = load_config(config_path)
    sync = Sync(config, SyncOptions(), log=get_logger())
    run = sync.ledger.runs.latest()
    sent: dict[str, set[str]] = {}
    for item in sync.ledger.runs.items(run.run_id, outcome="ok", ops=[OpKind.STOCK.value]):
        sent.setdefault(item.channel, set()).add(item.product_key)
    work = []
    for channel in config.channels:
        adapter = make_adapter(channel, channel.endpoint, sync.ledger)
        bindings = sync.ledger.bindings.all(channel.name)
        items = [Change(k, Remote(b.external_id, b.seller_sku, dict(b.variant_ids), b.active), b.stock or {})
                 for k in sorted(sent.get(channel.name, ())) if (b := bindings[k]).external_id]
        work.append((adapter, value_calls(adapter, items, adapter.capabilities.stock_batch)))

    def send(adapter, calls) -> None:
        for batch in calls:
            adapter.update_stock(batch)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, len(work))) as pool:
        list(pool.map(lambda w: send(*w), work))
    seconds = time.perf_counter() - start
    for adapter, _ in work:
        adapter.close()
    sync.close()
    return {"seconds": seconds}


def value_calls(adapter, items: list, limit: int) -> list:
    """Price or stock changes cut into the calls the channel takes them in (as the executor cuts them): up to
    `limit` SKUs a call across products where the channel allows it, else `limit` products."""
    from connector.adapters.base import batched

    size = (lambda c: len(c.values)) if adapter.capabilities.batch_across_products else (lambda c: 1)
    return batched(items, limit, size)


def phase_read_changed(config_path: Path) -> dict:
    """Read + normalise of the catalogs the last change touched, alone (what a 1% change must read)."""
    return phase_read(config_path, json.loads((config_path.parent / "changed.json").read_text()))


def phase_forced(config_path: Path) -> dict:
    """A sync that reads every catalog again (`--force`) though nothing changed: a whole reading's memory."""
    return phase_sync(config_path, force=True)


PHASES = {"read": phase_read, "readchanged": phase_read_changed, "sync": phase_sync, "forced": phase_forced,
          "calls": phase_calls, "naive": phase_naive}


def run_phase(name: str, config_path: Path, sandbox: Sandbox | None = None) -> dict:
    """One phase in a child process: its figures, plus the marketplace calls it made (when a sandbox is given)."""
    before = sandbox.stats() if sandbox else None
    figures = in_child(SCRIPT, "--phase", name, "--config", str(config_path))
    if sandbox is not None:
        figures["calls"] = dict(calls(before, sandbox.stats()))
    return figures


# -- the national benchmark ----------------------------------------------------------------------------------------


@dataclass
class Rounds:
    """Each phase's figures, one entry per repeat, in the order they ran."""

    phases: dict[str, list[dict]] = field(default_factory=dict)
    changed: list[int] = field(default_factory=list)

    def add(self, name: str, figures: dict) -> None:
        self.phases.setdefault(name, []).append(figures)

    def values(self, name: str, key: str) -> list[float]:
        return [f[key] for f in self.phases.get(name, [])]

    def call_totals(self, name: str) -> list[float]:
        return [sum(f["calls"].values()) for f in self.phases.get(name, [])]


def national(args: argparse.Namespace) -> None:
    work = args.out / f"national-{args.products}"
    config_path = work / "pasindo.yaml"
    reuse = args.reuse and (work / "first.json").exists()
    if not reuse:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
    if reuse:  # on the port the channels know: a new endpoint is a change that reads every catalog again
        sandbox = Sandbox(work / "sandbox.sqlite", port=int(re.search(r"http://127\.0\.0\.1:(\d+)",
                                                                      config_path.read_text()).group(1)))
    else:
        sandbox = Sandbox(work / "sandbox.sqlite")
        generate(work, args.institutions, args.products, 1, args.channels, sandbox.url)
        text = config_path.read_text()
        config_path.write_text(text.replace("credentials:", "options: {rate_limit: 5000}, credentials:"))
    rounds = Rounds()
    if reuse:
        rounds.add("first", json.loads((work / "first.json").read_text()))
    try:
        for repeat in range(args.repeats):
            if not reuse and (repeat == 0 or not args.first_once):
                sandbox.reset()
                shutil.rmtree(work / "state", ignore_errors=True)
                rounds.add("first", run_phase("sync", config_path, sandbox))
                (work / "first.json").write_text(json.dumps(rounds.phases["first"][-1]))
            rounds.add("read", run_phase("read", config_path))
            rounds.add("nochange", run_phase("sync", config_path, sandbox))
            rounds.add("forced", run_phase("forced", config_path, sandbox))
            rounds.changed.append(change_stock(work, max(1, args.institutions // 10), 10, 7 + repeat))
            rounds.add("onepct", run_phase("sync", config_path, sandbox))
            rounds.add("calls", run_phase("calls", config_path, sandbox))
            rounds.add("readchanged", run_phase("readchanged", config_path))
            if not args.no_naive:
                rounds.add("naive", run_phase("naive", config_path, sandbox))
        paced_rounds = paced_change(args, work, config_path, sandbox) if args.pace else None
    finally:
        sandbox.stop()
    print_national(args, rounds)
    if paced_rounds is not None:
        print_paced_change(args, paced_rounds)


def paced_change(args: argparse.Namespace, work: Path, config_path: Path, sandbox: Sandbox) -> Rounds:
    """The 1% change and its calls alone with every channel paced at `--pace` requests/s, as the adapters pace a
    real shop by default (DEFAULT_RATE_LIMIT), instead of the unpaced loopback of the rounds above. Its own config
    file, differing only in the pace (no input of a reading: `skip.TRANSPORT_OPTIONS`); one sync runs under it first
    (a no-change sync), then each round changes the stock and runs the pair."""
    paced_path = work / "pasindo-paced.yaml"
    paced_path.write_text(config_path.read_text().replace("rate_limit: 5000", f"rate_limit: {args.pace:g}"))
    rounds = Rounds()
    rounds.add("taken", run_phase("sync", paced_path, sandbox))
    for repeat in range(args.repeats):
        rounds.changed.append(change_stock(work, max(1, args.institutions // 10), 10, 107 + repeat))
        rounds.add("onepct", run_phase("sync", paced_path, sandbox))
        rounds.add("calls", run_phase("calls", paced_path, sandbox))
        rounds.add("readchanged", run_phase("readchanged", paced_path))
    return rounds


def print_paced_change(args: argparse.Namespace, r: Rounds) -> None:
    alone = r.values("calls", "seconds")
    beyond = [total - sent for total, sent in zip(r.values("onepct", "seconds"), alone, strict=True)]
    print(f"paced at {args.pace:g} req/s per channel (the adapters' default pace), {args.repeats} rounds after one "
          f"sync under that pace ({spread(r.values('taken', 'seconds'), 's')}): 1% stock change "
          f"{spread(r.values('onepct', 'seconds'), 's')}, calls {spread(r.call_totals('onepct'), digits=0)}, products "
          f"changed {spread(r.changed, digits=0)}; its calls made alone {spread(alone, 's')}; the 1% change beyond "
          f"them {spread(beyond, 's')} = {spread(ratios(beyond, r.values('readchanged', 'seconds')), 'x')} the read "
          f"of the changed catalogs ({spread(r.values('readchanged', 'seconds'), 's')})")


def print_national(args: argparse.Namespace, r: Rounds) -> None:
    products = r.values("read", "products")
    print(header(f"national workload: {args.products} products, {args.institutions} institutions, channels "
                 f"{' '.join(args.channels)}", args.repeats))
    print(f"read + normalise: {spread(r.values('read', 'seconds'), 's')}, "
          f"{spread(ratios(products, r.values('read', 'seconds')), 'products/s', 0)}; "
          f"peak RSS {spread(r.values('read', 'peak_rss_mb'), 'MB', 0)}")
    for name, title in (("first", "first sync"), ("nochange", "no-change sync"),
                        ("forced", "no-change sync reading every catalog (--force)"), ("onepct", "1% stock change"),
                        ("naive", "naive push of every price and stock")):
        if name not in r.phases:
            continue
        last = r.phases[name][-1]
        print(f"{title}: {spread(r.values(name, 'seconds'), 's')}, calls {spread(r.call_totals(name), digits=0)}; "
              f"peak RSS {spread(r.values(name, 'peak_rss_mb'), 'MB', 0)}; last round's calls {last['calls']}"
              + (f"; status {last['status']}" if "status" in last else ""))
    print(f"products changed by the 1% stock change: {spread(r.changed, digits=0)}; read + normalise of the changed "
          f"catalogs alone: {spread(r.values('readchanged', 'seconds'), 's')}")
    print(f"1% stock change / read of the changed catalogs: "
          f"{spread(ratios(r.values('onepct', 'seconds'), r.values('readchanged', 'seconds')), 'x')}")
    calls_s = r.values("onepct", "call_seconds")
    rest = [total - waiting for total, waiting in zip(r.values("onepct", "seconds"), calls_s, strict=True)]
    print(f"1% stock change, waiting on marketplace calls: {spread(calls_s, 's')}; the rest: {spread(rest, 's')} = "
          f"{spread(ratios(rest, r.values('readchanged', 'seconds')), 'x')} the read of the changed catalogs")
    if "calls" in r.phases:  # the measure: the 1% change against its read plus its calls made alone
        alone = r.values("calls", "seconds")
        beyond = [total - sent for total, sent in zip(r.values("onepct", "seconds"), alone, strict=True)]
        print(f"1% stock change's calls made alone (the same values sent again, nothing read or planned): "
              f"{spread(alone, 's')}, calls {spread(r.call_totals('calls'), digits=0)}; the 1% change beyond them: "
              f"{spread(beyond, 's')} = {spread(ratios(beyond, r.values('readchanged', 'seconds')), 'x')} the read of "
              f"the changed catalogs")
    print(f"no-change sync / read + normalise: "
          f"{spread(ratios(r.values('nochange', 'seconds'), r.values('read', 'seconds')), 'x')}")
    if "naive" not in r.phases:
        return
    print(f"naive push / 1% stock change: time "
          f"{spread(ratios(r.values('naive', 'seconds'), r.values('onepct', 'seconds')), 'x')}, calls "
          f"{spread(ratios(r.call_totals('naive'), r.call_totals('onepct')), 'x', 1)}")


# -- read + normalise alone ------------------------------------------------------------------------------------------


def read_only(args: argparse.Namespace) -> None:
    work = args.out / f"read-{args.products}"
    if not (work / "pasindo.yaml").exists():
        generate(work, args.institutions, args.products, 1, [], "sandbox")
    runs = [run_phase("read", work / "pasindo.yaml") for _ in range(args.repeats)]
    seconds = [f["seconds"] for f in runs]
    print(header(f"read + normalise: {runs[0]['products']} products ({args.institutions} catalogs, 70% CSV / 30% "
                 "XLSX)", args.repeats))
    print(f"read + normalise: {spread(seconds, 's')}, "
          f"{spread(ratios([f['products'] for f in runs], seconds), 'products/s', 0)}; "
          f"peak RSS {spread([f['peak_rss_mb'] for f in runs], 'MB', 0)}")


# -- first listing under a rate limit --------------------------------------------------------------------------------


class Activity:
    """Polls the sandbox's request counters: when each dialect was first and last seen making progress."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self._seen: Counter = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> Activity:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._look()  # the requests after the last poll

    def _poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self._look()

    def _look(self) -> None:
        now = time.perf_counter()
        per_dialect: Counter = Counter()
        for path, n in self.sandbox.stats()["requests"].items():
            per_dialect[path.split(" ", 1)[0]] += n
        for dialect, n in per_dialect.items():
            if n > self._seen[dialect]:
                self.first.setdefault(dialect, now)
                self.last[dialect] = now
                self._seen[dialect] = n

    def active_seconds(self, dialect: str) -> float:
        return max(self.last.get(dialect, 0.0) - self.first.get(dialect, 0.0), POLL_SECONDS)


def paced(args: argparse.Namespace) -> None:
    work = args.out / f"paced-{args.products}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sandbox = Sandbox(work / "sandbox.sqlite", rate_limit=args.rate)
    rates: dict[str, list[float]] = {c: [] for c in CHANNELS}
    counts: dict[str, list[float]] = {c: [] for c in CHANNELS}
    active: dict[str, list[float]] = {c: [] for c in CHANNELS}
    whole: list[float] = []
    try:
        config_path = generate(work, max(1, args.products // 100), args.products, 2, CHANNELS, sandbox.url)
        text = config_path.read_text()
        config_path.write_text(text.replace("credentials:", f"options: {{rate_limit: {args.rate}}}, credentials:"))
        for _ in range(args.repeats):
            sandbox.reset()
            shutil.rmtree(work / "state", ignore_errors=True)
            with Activity(sandbox) as activity:
                figures = run_phase("sync", config_path, sandbox)
            whole.append(figures["seconds"])
            for dialect in CHANNELS:
                n = sum(v for k, v in figures["calls"].items() if k.split(" ", 1)[0] == dialect)
                counts[dialect].append(n)
                active[dialect].append(activity.active_seconds(dialect))
                rates[dialect].append(max(n - 1, 0) / activity.active_seconds(dialect))
        faults = sandbox.stats()["faults"]
    finally:
        sandbox.stop()
    print(header(f"first listing of {args.products} products to 3 channels side by side, sandbox limit N = "
                 f"{args.rate:g} req/s per channel", args.repeats))
    print(f"  whole sync: {spread(whole, 's', 1)}; each rate below is over that channel's own active time "
          f"(its first to its last request, polled every {POLL_SECONDS:g} s)")
    for dialect in CHANNELS:
        share = [100 * rate / args.rate for rate in rates[dialect]]
        print(f"  {dialect:11} calls {spread(counts[dialect], digits=0)} in {spread(active[dialect], 's', 1)} = "
              f"{spread(rates[dialect], 'req/s', 1)} = {spread(share, '%', 0)} of N; documented limit: "
              f"{DOCUMENTED_LIMITS[dialect]}")
    print(f"  throttled answers in the last round: {faults}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--institutions", type=int, default=500)
    parser.add_argument("--channels", nargs="*", default=["shopee"])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--repeats", type=int, default=5, help="rounds of every phase (medians are printed)")
    parser.add_argument("--paced", action="store_true", help="first listing under a per-channel rate limit")
    parser.add_argument("--rate", type=float, default=20, help="the sandbox's requests/s per channel (--paced)")
    parser.add_argument("--pace", type=float, help="after the rounds, the 1%% change and its calls alone again with "
                        "every channel paced at this many requests/s (the adapters' default: 10)")
    parser.add_argument("--read-only", action="store_true", help="only read + normalise")
    parser.add_argument("--no-naive", action="store_true", help="leave out the naive push (the slowest phase)")
    parser.add_argument("--first-once", action="store_true",
                        help="the first sync in the first round only; later rounds go on from the state it left")
    parser.add_argument("--reuse", action="store_true",
                        help="go on from the workload, ledger and sandbox state an earlier run left in --out "
                             "(no first sync; its figures are the earlier run's)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        from connector.logs import configure

        configure(json=True, level="error", stream=open("/dev/null", "w"))  # noqa: SIM115 - the bench's own output
        figures = PHASES[args.phase](args.config)
        print(json.dumps({**figures, "peak_rss_mb": peak_rss_mb()}))
        return
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.paced:
        paced(args)
    elif args.read_only:
        read_only(args)
    else:
        national(args)


if __name__ == "__main__":
    main()
