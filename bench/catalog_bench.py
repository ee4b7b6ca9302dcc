"""Read + normalise throughput and peak memory for large CSV and XLSX catalogs.

    python bench/catalog_bench.py                 # 25k, 50k, 100k rows, CSV and XLSX, 5 repeats
    python bench/catalog_bench.py --rows 100000 --formats csv --repeats 9

Each measurement runs in a fresh process so its peak RSS is its own (see bench/figures.py). The formats are
interleaved (csv xlsx csv xlsx ...) for `--repeats` rounds; the figures are medians with their spread, and the
XLSX/CSV time ratio is taken within each round. 10% of the products have 3 variants.
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


def measure(path: Path) -> dict:
    """Runs in the child process: read + normalise the whole file."""
    from connector.catalog.mapping import load_mapping
    from connector.catalog.reader import CatalogSpec, read_catalog
    from connector.config import BUILTIN_MAPPINGS
    from connector.schema import Institution

    spec = CatalogSpec(Institution(code="bench", name="Lapas Bench", type="lapas"), path,
                       load_mapping(BUILTIN_MAPPINGS / "standard.yaml"), path.name)
    start = time.perf_counter()
    products = rejects = 0
    for item in read_catalog(spec, today=date(2026, 11, 29)):
        if type(item).__name__ == "Product":
            products += 1
        else:
            rejects += 1
    seconds = time.perf_counter() - start
    return {"products": products, "rejects": rejects, "seconds": seconds,
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[25_000, 50_000, 100_000])
    parser.add_argument("--formats", nargs="*", default=["csv", "xlsx"])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--repeats", type=int, default=5, help="rounds of every measurement (medians are printed)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    args.out.mkdir(parents=True, exist_ok=True)
    print(header("read + normalise, one catalog file", args.repeats))
    for n in args.rows:
        runs: dict[str, list[dict]] = {fmt: [] for fmt in args.formats}
        for fmt in args.formats:
            path = args.out / f"catalog-{n}.{fmt}"
            if not path.exists():
                make(path, n)
        for _ in range(args.repeats):
            for fmt in args.formats:
                runs[fmt].append(in_child(Path(__file__), "--measure", str(args.out / f"catalog-{n}.{fmt}")))
        for fmt, results in runs.items():
            seconds = [r["seconds"] for r in results]
            print(f"{fmt:5} {n:>8} rows: {results[-1]['products']} products, {results[-1]['rejects']} rejects; "
                  f"{spread(seconds, 's')}, {spread(ratios([n] * len(seconds), seconds), 'rows/s', 0)}; "
                  f"peak RSS {spread([r['peak_rss_mb'] for r in results], 'MB', 0)}")
        if "csv" in runs and "xlsx" in runs:
            slower = ratios([r["seconds"] for r in runs["xlsx"]], [r["seconds"] for r in runs["csv"]])
            print(f"xlsx / csv {n:>8} rows: time {spread(slower, 'x')}")


if __name__ == "__main__":
    main()
