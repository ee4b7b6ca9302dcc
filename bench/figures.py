"""How the benchmarks measure and print: phases in child processes, medians of repeats with their spread.

A figure is never one sample: each benchmark repeats its phases `--repeats` times, interleaving the variants it
compares (A B A B ...), so a slow minute of the machine falls on both; a ratio is taken within one repeat (B / A of
the same round) and the median of those ratios is printed, never a ratio of two medians.

Peak memory: each phase runs in its own child process (`python bench/X.py --phase ...`), which reports its own
`resource.getrusage(RUSAGE_SELF).ru_maxrss` when the phase ends: the phase's real peak RSS, interpreter and imports
included (about 60 MB of it), C allocations included (calamine, SQLite, which tracemalloc cannot see). The parent's
`RUSAGE_CHILDREN` is not used: it keeps the largest child ever waited for, so after one large phase it would report
that peak for every later one. Times are taken inside the child around the phase alone (no start-up).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

DASH = "\u2013"


def peak_rss_mb() -> float:
    """This process's peak resident set so far, in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(script: Path, *args: str) -> dict:
    """Run one phase in a fresh interpreter (`script --phase ...`) and return the JSON it prints last."""
    proc = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def spread(values: Sequence[float], unit: str = "", digits: int = 2) -> str:
    """`median unit (min–max)`, e.g. `4.41 s (4.30–4.62)`; one value prints alone with `(1 sample)`."""
    if not values:
        return "n/a"
    fmt = f"{{:,.{digits}f}}"
    med = fmt.format(statistics.median(values)) + (unit if unit in ("x", "%") else f" {unit}" if unit else "")
    if len(values) == 1:
        return f"{med} (1 sample)"
    return f"{med} ({fmt.format(min(values))}{DASH}{fmt.format(max(values))})"


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """numerator / denominator of each repeat (pairs from the same round)."""
    return [n / d for n, d in zip(numerators, denominators, strict=True) if d]


def header(what: str, repeats: int) -> str:
    return f"{what}; {repeats} repeats, interleaved; figures are medians (min{DASH}max over the repeats)"
