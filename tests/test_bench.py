"""The benchmarks run, at a tiny size, and print well-formed figures: medians with their spread over the repeats,
ratios, peak RSS, each paced channel's rate over its own active time. Nothing here is timed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import child_python

BENCH = Path(__file__).resolve().parent.parent / "bench"
NUMBER = r"-?[\d,]+(?:\.\d+)?"
# `median unit (min–max)`: the spread of the repeats beside every figure
FIGURE = rf"{NUMBER} ?(?:s|MB|x|%|req/s|products/s|rows/s)? \({NUMBER}\u2013{NUMBER}\)"


def bench(script: str, *args: str, timeout: float = 240) -> list[str]:
    with child_python(str(BENCH / script), *args) as process:
        out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return out.splitlines()


def figures(line: str) -> list[str]:
    return re.findall(FIGURE, line)


def line_starting(lines: list[str], start: str) -> str:
    [line] = [line for line in lines if line.lstrip().startswith(start)]
    return line


@pytest.mark.slow
def test_catalog_bench_prints_each_formats_median_spread_and_peak_rss(tmp_path: Path) -> None:
    lines = bench("catalog_bench.py", "--rows", "120", "--repeats", "3", "--out", str(tmp_path))
    assert "3 repeats, interleaved" in lines[0]
    for fmt in ("csv", "xlsx"):
        [line] = [line for line in lines if re.match(rf"{fmt} +120 rows: \d+ products, 0 rejects", line)]
        assert len(figures(line)) == 3, line  # seconds, rows/s, peak RSS
        assert re.search(rf"peak RSS {NUMBER} MB \({NUMBER}\u2013{NUMBER}\)$", line), line
    assert len(figures(line_starting(lines, "xlsx / csv"))) == 1


def test_catalog_bench_prints_the_floors_of_each_format_in_the_same_round(tmp_path: Path) -> None:
    lines = bench("catalog_bench.py", "--rows", "60", "--repeats", "2", "--out", str(tmp_path))
    for floor in ("csv module", "csv source", "calamine", "xlsx source"):
        line = line_starting(lines, f"floor {floor} ")
        assert len(figures(line)) == 3, line  # seconds, rows/s, read + normalise as a multiple of the floor's time
        assert re.search(rf"read \+ normalise takes {NUMBER}x \({NUMBER}\u2013{NUMBER}\) its time$", line), line


@pytest.mark.slow
def test_sync_bench_prints_every_phase_and_the_ratios_within_a_round(tmp_path: Path) -> None:
    lines = bench("sync_bench.py", "--products", "24", "--institutions", "2", "--channels", "shopee", "lazada",
                  "tiktokshop", "--repeats", "2", "--pace", "50", "--out", str(tmp_path))
    assert "2 repeats, interleaved" in lines[0]
    assert len(figures(line_starting(lines, "read + normalise:"))) == 3
    for phase in ("first sync:", "no-change sync:", "no-change sync reading every catalog (--force):",
                  "1% stock change:", "naive push of every price and stock:"):
        line = line_starting(lines, phase)
        assert len(figures(line)) == 3, line  # seconds, calls, peak RSS
    first = line_starting(lines, "first sync:")
    assert "status ok" in first and "tiktokshop /logistics/202309/warehouses': 1" in first
    assert re.fullmatch(rf"no-change sync / read \+ normalise: {FIGURE}", line_starting(lines, "no-change sync /"))
    waiting = line_starting(lines, "1% stock change, waiting on marketplace calls:")
    assert len(figures(waiting)) == 3, waiting  # waiting on calls, the rest, the rest against the changed read
    alone = line_starting(lines, "1% stock change's calls made alone")
    assert len(figures(alone)) == 4, alone  # their time, their calls, the change beyond them, that against the read
    assert len(figures(line_starting(lines, "naive push / 1% stock change:"))) == 2  # time, calls
    paced = line_starting(lines, "paced at 50 req/s per channel")
    assert "1 sample" in paced.split("1% stock change")[0], paced  # the one sync that took the pace
    # the change's time, its calls, products changed, the calls alone, the change beyond them, that against the read,
    # the read of the changed catalogs
    assert len(figures(paced)) == 7, paced


@pytest.mark.slow
def test_sync_bench_lists_once_and_goes_on_from_an_earlier_runs_state(tmp_path: Path) -> None:
    once = bench("sync_bench.py", "--products", "20", "--institutions", "2", "--channels", "shopee", "--repeats",
                 "2", "--no-naive", "--first-once", "--out", str(tmp_path))
    first = line_starting(once, "first sync:")
    assert "(1 sample)" in first and "status ok" in first, first  # one first sync for the two rounds
    assert "status ok" in line_starting(once, "1% stock change:")
    again = bench("sync_bench.py", "--products", "20", "--institutions", "2", "--channels", "shopee", "--repeats",
                  "1", "--no-naive", "--reuse", "--out", str(tmp_path))
    assert line_starting(again, "first sync:") == first  # the earlier run's, not listed again
    nochange = line_starting(again, "no-change sync:")
    assert "status ok" in nochange and "/api/v2/product/add_item" not in nochange, nochange
    assert "status ok" in line_starting(again, "1% stock change:")


@pytest.mark.slow
def test_sync_bench_read_only_prints_throughput_and_peak_rss(tmp_path: Path) -> None:
    lines = bench("sync_bench.py", "--read-only", "--products", "30", "--institutions", "2", "--repeats", "2",
                  "--out", str(tmp_path))
    title, line = lines
    assert title.startswith("read + normalise: 30 products") and "2 repeats" in title
    assert line.startswith("read + normalise: ") and len(figures(line)) == 3, line  # seconds, products/s, peak RSS


@pytest.mark.slow
def test_paced_bench_prints_each_channels_rate_over_its_own_active_time(tmp_path: Path) -> None:
    lines = bench("sync_bench.py", "--paced", "--products", "12", "--rate", "50", "--repeats", "2", "--out",
                  str(tmp_path))
    assert "sandbox limit N = 50 req/s per channel; 2 repeats" in lines[0]
    assert "own active time" in line_starting(lines, "whole sync:")
    for channel in ("shopee", "lazada", "tiktokshop"):
        line = line_starting(lines, channel + " ")
        assert len(figures(line)) == 4, line  # calls, active seconds, req/s, share of N
        assert "of N; documented limit: " in line


@pytest.mark.parametrize("repeats", ["0"])
def test_a_benchmark_refuses_fewer_than_one_repeat(repeats: str) -> None:
    with child_python(str(BENCH / "catalog_bench.py"), "--repeats", repeats) as process:
        _, err = process.communicate(timeout=60)
    assert process.returncode == 2 and "--repeats must be at least 1" in err


def test_memory_curve_prints_the_samples_of_a_first_sync_and_its_peak(tmp_path: Path) -> None:
    lines = bench("memory_curve.py", "--products", "40", "--batch", "10", "--interval", "0.05", "--out",
                  str(tmp_path))
    assert lines[0].startswith("memory curve: first sync of 40 products, shopee lazada tiktokshop, 10 products per")
    samples = line_starting(lines, "RSS samples:")
    assert re.fullmatch(r"RSS samples: \d+; largest \d+ MB, last \d+ MB; largest in the first half "
                        r"\d+ MB, in the second half \d+ MB", samples), samples
    tenths = line_starting(lines, "largest RSS in each tenth of the run:")
    assert re.fullmatch(r"largest RSS in each tenth of the run: \d+(, \d+){0,9} MB", tenths), tenths
    assert re.fullmatch(r"sync: status ok, [\d.]+ s, peak RSS \d+ MB", line_starting(lines, "sync:"))
