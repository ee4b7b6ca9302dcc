"""Read + normalise throughput and peak memory for large CSV and XLSX catalogs.

    python bench/catalog_bench.py                 # 25k, 50k, 100k rows, CSV and XLSX, 5 repeats
    python bench/catalog_bench.py --rows 100000 --formats csv --repeats 9

Each measurement runs in a fresh process so its peak RSS is its own (see bench/figures.py). The formats are
interleaved (csv xlsx csv xlsx ...) for `--repeats` rounds; the figures are medians with their spread, and the
XLSX/CSV time ratio is taken within each round. 10% of the products have 3 variants.

Beside each format, in the same round and on the same file, two floors: the bare library (Python's `csv` module;
calamine alone) and the connector's own row source (`sources.iter_rows`: encoding and delimiter sniffing, the
file's limits, no normalising); the read + normalise time is also printed as a multiple of each floor's.

A file of more rows than a catalog may have (`sources.ROWS_MAX`) would be refused whole at that row, which times
nothing; for such sizes the child lifts the limit for its own reading and the header line says so.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import header, in_child, peak_rss_mb, ratios, spread  # noqa: E402

HEADER = ["SKU", "Nama Produk", "Deskripsi", "Kategori", "Harga", "Stok", "Berat (gram)", "SKU Induk",
          "Nama Variasi", "Varian"]
KINDS = [("Dompet Kulit Sapi Asli Pria", "Fashion / Dompet"), ("Tas Selempang Kulit Wanita", "Fashion/Tas"),
         ("Kotak Perhiasan Cukli Lombok", "Kerajinan > Cukli"), ("Rantang Plastik Susun Tiga", "Kerajinan")]


def rows(n: int, seed: int = 7):
    rnd = random.Random(seed)
    i = 0
    while i < n:
        name, cat = rnd.choice(KINDS)
        price = f"Rp{rnd.randrange(50, 900) * 1000:,}".replace(",", ".")
        desc = f"{name} buatan tangan warga binaan. Bahan pilihan, jahitan rapi, ukuran standar."
        if rnd.random() < 0.1 and i + 3 <= n:
            parent = f"P{i}"
            for size in ("40", "41", "42"):
                yield [f"{parent}-{size}", f"{name} {parent}", desc, cat, price, rnd.randrange(0, 50), "250", parent,
                       "Ukuran", size]
                i += 1
        else:
            yield [f"P{i}", f"{name} {i}", desc, cat, price, rnd.randrange(0, 50), rnd.choice(["250", "0,3 kg"]),
                   "", "", ""]
            i += 1


def make(path: Path, n: int) -> None:
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(HEADER)
            w.writerows(rows(n))
    else:
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("Produk")
        ws.append(HEADER)
        for r in rows(n):
            ws.append(r)
        wb.save(path)


FLOORS = {"csv": ("csv module", "source"), "xlsx": ("calamine", "source")}


def _lift_row_limit(rows: int) -> None:
    from connector.catalog import sources

    sources.ROWS_MAX = max(sources.ROWS_MAX, rows + 1)


def floor(path: Path, kind: str, rows: int) -> dict:
    """Runs in the child process: read every row of the file with the bare library or the connector's source."""
    from python_calamine import CalamineWorkbook

    from connector.catalog.sources import bounded, iter_rows

    _lift_row_limit(rows)
    start = time.perf_counter()
    count = 0
    if kind == "csv module":
        with path.open(encoding="utf-8", newline="") as fh:
            for _ in csv.reader(fh, delimiter=";"):
                count += 1
    elif kind == "calamine":
        with CalamineWorkbook.from_path(path) as workbook:
            for _ in workbook.get_sheet_by_index(0).iter_rows():
                count += 1
    else:
        for _ in bounded(path, iter_rows(path)):
            count += 1
    return {"rows": count, "seconds": time.perf_counter() - start, "peak_rss_mb": round(peak_rss_mb(), 1)}


def measure(path: Path, rows: int) -> dict:
    """Runs in the child process: read + normalise the whole file."""
    from connector.catalog.mapping import load_mapping
    from connector.catalog.reader import CatalogSpec, read_catalog
    from connector.config import BUILTIN_MAPPINGS
    from connector.schema import Institution

    _lift_row_limit(rows)
    spec = CatalogSpec(Institution(code="bench", name="Lapas Bench", type="lapas"), path,
                       load_mapping(BUILTIN_MAPPINGS / "standard.yaml"), path.name)
    start = time.perf_counter()
    products = rejects = 0
    for item in read_catalog(spec, today=date(2026, 11, 29)):
        if type(item).__name__ == "Product":
            products += 1
        else:
            if getattr(item, "reason", None) == "catalog_unreadable":  # a refused file times nothing
                raise SystemExit(f"{path}: refused as a whole: {item.params}")
            rejects += 1
    seconds = time.perf_counter() - start
    return {"products": products, "rejects": rejects, "seconds": seconds,
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def _round(out: Path, n: int, formats: list[str]) -> dict[str, dict]:
    """One round: each format read + normalised, then its floors, on the same file."""
    results: dict[str, dict] = {}
    for fmt in formats:
        path = str(out / f"catalog-{n}.{fmt}")
        results[fmt] = in_child(Path(__file__), "--measure", path, "--count", str(n))
        for kind in FLOORS[fmt]:
            results[f"{fmt} {kind}"] = in_child(Path(__file__), "--floor", kind, path, "--count", str(n))
    return results


def _print(n: int, formats: list[str], rounds: list[dict[str, dict]]) -> None:
    for fmt in formats:
        results = [r[fmt] for r in rounds]
        seconds = [r["seconds"] for r in results]
        print(f"{fmt:5} {n:>8} rows: {results[-1]['products']} products, {results[-1]['rejects']} rejects; "
              f"{spread(seconds, 's')}, {spread(ratios([n] * len(seconds), seconds), 'rows/s', 0)}; "
              f"peak RSS {spread([r['peak_rss_mb'] for r in results], 'MB', 0)}")
        for kind in FLOORS[fmt]:
            floors = [r[f"{fmt} {kind}"]["seconds"] for r in rounds]
            label = f"{fmt} {kind}" if kind == "source" else kind
            print(f"  floor {label:12} {n:>8} rows: {spread(floors, 's', 3)}, "
                  f"{spread(ratios([n] * len(floors), floors), 'rows/s', 0)}; "
                  f"read + normalise takes {spread(ratios(seconds, floors), 'x', 1)} its time")
    if "csv" in formats and "xlsx" in formats:
        slower = ratios([r["xlsx"]["seconds"] for r in rounds], [r["csv"]["seconds"] for r in rounds])
        print(f"xlsx / csv {n:>8} rows: time {spread(slower, 'x')}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[25_000, 50_000, 100_000])
    parser.add_argument("--formats", nargs="*", default=["csv", "xlsx"], choices=list(FLOORS))
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--repeats", type=int, default=5, help="rounds of every measurement (medians are printed)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floor", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.count)))
        return
    if args.floor:
        print(json.dumps(floor(Path(args.floor[1]), args.floor[0], args.count)))
        return
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    args.out.mkdir(parents=True, exist_ok=True)
    from connector.catalog.sources import ROWS_MAX

    lifted = [n for n in args.rows if n > ROWS_MAX]
    print(header("read + normalise, one catalog file", args.repeats)
          + (f"; the {ROWS_MAX:,}-row file limit lifted for {', '.join(f'{n:,}' for n in lifted)} rows"
             if lifted else ""))
    for n in args.rows:
        for fmt in args.formats:
            path = args.out / f"catalog-{n}.{fmt}"
            if not path.exists():
                make(path, n)
        rounds = [_round(args.out, n, args.formats) for _ in range(args.repeats)]
        _print(n, args.formats, rounds)


if __name__ == "__main__":
    main()
