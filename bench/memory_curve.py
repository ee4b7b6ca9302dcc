"""The resident memory of one first sync over its whole run, sampled: flat once the batches flow, or growing?

    python bench/memory_curve.py --products 6000 --batch 500 --channels shopee lazada tiktokshop

Generates the national workload (bench/workload.py) at `--products` (100 products per institution), starts the
sandbox in its own process, and runs one first sync in a child process with `--batch` products per batch
(`Sync(batch_products=...)`), sampling the child's RSS every `--interval` seconds from /proc. Prints the samples'
largest and last values, the largest of the first and of the second half of the run (a run whose memory is
bounded by the batch has both halves alike; one that holds the country grows through the second) and of each
tenth of it, the peak RSS the child reports, and the sync's status. A figure of one run, not a median: the curve
is the figure. The first sample is taken one interval after the child starts (before, it may not be loaded yet).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import peak_rss_mb  # noqa: E402
from sync_bench import Sandbox  # noqa: E402
from workload import generate  # noqa: E402

SCRIPT = Path(__file__).resolve()


def child(config: Path, batch: int) -> None:
    """Runs in the child: one sync, then its status and peak RSS as JSON."""
    from connector.config import load_config
    from connector.logs import configure, get_logger
    from connector.sync.run import Sync, SyncOptions

    configure(json=True, level="error", stream=open("/dev/null", "w"))  # noqa: SIM115 - the bench's own output
    sync = Sync(load_config(config), SyncOptions(), log=get_logger(), batch_products=batch)
    start = time.perf_counter()
    try:
        result = sync.run()
    finally:
        sync.close()
    print(json.dumps({"status": str(result.status), "seconds": time.perf_counter() - start,
                      "peak_rss_mb": peak_rss_mb()}))


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * 4096 / 2**20
    except (OSError, ValueError, IndexError):
        return None


def tenths(samples: list[float]) -> list[float]:
    """The largest sample of each tenth of the run (of each sample, when there are fewer than ten)."""
    n, parts = len(samples), min(10, len(samples))
    return [max(samples[n * i // parts:n * (i + 1) // parts]) for i in range(parts)]


def curve(args: argparse.Namespace) -> None:
    work = args.out / f"memory-{args.products}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sandbox = Sandbox(work / "sandbox.sqlite")
    try:
        config = generate(work, max(1, args.products // 100), args.products, 1, args.channels, sandbox.url)
        config.write_text(config.read_text().replace("credentials:", "options: {rate_limit: 5000}, credentials:"))
        proc = subprocess.Popen([sys.executable, str(SCRIPT), "--child", str(config), "--batch", str(args.batch)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        samples = []
        while True:
            time.sleep(args.interval)
            if proc.poll() is not None:
                break
            found = rss_mb(proc.pid)
            if found is not None:
                samples.append(found)
        out, err = proc.communicate()
    finally:
        sandbox.stop()
    if proc.returncode != 0:
        raise SystemExit(f"the sync failed ({proc.returncode}): {err[-2000:]}")
    report = json.loads(out.strip().splitlines()[-1])
    half = max(1, len(samples) // 2)
    print(f"memory curve: first sync of {args.products} products, {args.channels and ' '.join(args.channels)}, "
          f"{args.batch} products per batch; RSS sampled every {args.interval:g} s")
    if samples:
        print(f"RSS samples: {len(samples)}; largest {max(samples):.0f} MB, last "
              f"{samples[-1]:.0f} MB; largest in the first half {max(samples[:half]):.0f} MB, in the second half "
              f"{max(samples[half:] or samples[:half]):.0f} MB")
        print("largest RSS in each tenth of the run: " + ", ".join(f"{mb:.0f}" for mb in tenths(samples)) + " MB")
    print(f"sync: status {report['status']}, {report['seconds']:.1f} s, peak RSS {report['peak_rss_mb']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=500, help="products per batch")
    parser.add_argument("--channels", nargs="*", default=["shopee", "lazada", "tiktokshop"])
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between RSS samples")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.batch)
        return
    if args.products < 1 or args.batch < 1 or args.interval <= 0:
        parser.error("--products and --batch must be at least 1, --interval above 0")
    curve(args)


if __name__ == "__main__":
    main()
