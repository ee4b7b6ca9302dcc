"""Read + normalise throughput and peak memory for large CSV and XLSX catalogs.

    python bench/catalog_bench.py                 # 25k, 50k, 100k rows, CSV and XLSX
    python bench/catalog_bench.py --rows 100000 --formats csv

Each measurement runs in a fresh process so its peak RSS is its own. 10% of the products have 3 variants.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

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
    return {"products": products, "rejects": rejects, "seconds": round(seconds, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[25_000, 50_000, 100_000])
    parser.add_argument("--formats", nargs="*", default=["csv", "xlsx"])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'format':6} {'rows':>8} {'products':>9} {'rejects':>8} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}")
    for fmt in args.formats:
        for n in args.rows:
            path = args.out / f"catalog-{n}.{fmt}"
            if not path.exists():
                make(path, n)
            proc = subprocess.run([sys.executable, __file__, "--measure", str(path)], capture_output=True,
                                  text=True, check=True)
            r = json.loads(proc.stdout)
            print(f"{fmt:6} {n:>8} {r['products']:>9} {r['rejects']:>8} {r['seconds']:>8} "
                  f"{n / r['seconds']:>9,.0f} {r['peak_rss_mb']:>8}")


if __name__ == "__main__":
    main()
