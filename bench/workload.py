"""A national-scale workload: many institutions' catalogs (CSV and XLSX), reproducible from a seed.

    python bench/workload.py --out bench/out/national --institutions 500 --products 50000 --seed 1

Writes one catalog per institution (70% CSV with `;`, 30% XLSX), a pool of small PNG images shared by the
catalogs, and `pasindo.yaml` with every institution and the channels asked for (`--channels shopee lazada
tiktokshop`, endpoint `--endpoint URL` or the embedded sandbox). 10% of products have three variants.
"""

from __future__ import annotations

import argparse
import csv
import random
import struct
import zlib
from pathlib import Path

HEADER = ["SKU", "Nama Produk", "Deskripsi", "Kategori", "Harga", "Stok", "Berat (gram)", "Foto", "SKU Induk",
          "Nama Variasi", "Varian"]
KINDS = [
    ("Dompet Kulit Sapi Asli Pria", "Fashion / Dompet", (55_000, 300_000), 120),
    ("Tas Selempang Kulit Wanita", "Fashion / Tas", (150_000, 450_000), 600),
    ("Sepatu Pantofel Kulit Pria", "Fashion / Sepatu", (250_000, 600_000), 1100),
    ("Kain Batik Tulis Motif Parang", "Fashion / Batik", (150_000, 700_000), 300),
    ("Kotak Perhiasan Cukli Lombok", "Kerajinan / Cukli", (100_000, 950_000), 900),
    ("Kaligrafi Kayu Jati Ukir Bingkai", "Kerajinan / Kaligrafi", (150_000, 3_000_000), 2500),
    ("Rantang Plastik Susun Tiga", "Kerajinan / Peralatan Rumah Tangga", (15_000, 45_000), 300),
    ("Keranjang Anyaman Bambu Serbaguna", "Kerajinan / Anyaman", (35_000, 150_000), 400),
]
SIZES = ("40", "41", "42")
IMAGE_POOL = 200


def png(seed: int) -> bytes:
    row = b"\x00" + bytes((seed * 37 + x * 11) % 256 for x in range(24))
    body = zlib.compress(row * 8)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def rupiah(value: int) -> str:
    return "Rp" + f"{value:,}".replace(",", ".")


def catalog_rows(rnd: random.Random, code: str, count: int) -> list[list[object]]:
    rows: list[list[object]] = []
    product = 0
    while product < count:
        name, category, (low, high), weight = rnd.choice(KINDS)
        sku = f"{code.upper()[:6]}-{product:05d}"
        price = rnd.randrange(low // 1000, high // 1000 + 1) * 1000
        title = f"{name} Model {product:05d}"
        description = f"{name} buatan tangan warga binaan. Bahan pilihan, jahitan rapi, ukuran standar."
        image = f"img/{rnd.randrange(IMAGE_POOL):03d}.png"
        if rnd.random() < 0.10:
            for size in SIZES:
                rows.append([f"{sku}-{size}", title, description, category, rupiah(price), rnd.randrange(0, 20),
                             weight, image, sku, "Ukuran", size])
        else:
            rows.append([sku, title, description, category, rupiah(price), rnd.randrange(0, 50), weight, image, "",
                         "", ""])
        product += 1
    return rows


def generate(out: Path, institutions: int, products: int, seed: int, channels: list[str], endpoint: str) -> Path:
    rnd = random.Random(seed)
    (out / "img").mkdir(parents=True, exist_ok=True)
    for i in range(IMAGE_POOL):
        (out / "img" / f"{i:03d}.png").write_bytes(png(i))
    per = products // institutions
    entries = []
    for n in range(institutions):
        code = f"upt-{n:03d}"
        rows = catalog_rows(rnd, code.replace("-", ""), per)
        if rnd.random() < 0.3:
            name = f"{code}.xlsx"
            _write_xlsx(out / name, rows)
        else:
            name = f"{code}.csv"
            with (out / name).open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh, delimiter=";")
                writer.writerow(HEADER)
                writer.writerows(rows)
        entries.append(f"  - {{code: {code}, name: UPT Uji {n:03d}, type: lapas, catalog: {{path: {name}}},"
                       f" sku_prefix: U{n:03d}}}")
    creds = {
        "shopee": "{partner_id: '100001', partner_key: sandbox-shopee-key, shop_id: '200001', "
                  "access_token: sandbox-shopee-token, refresh_token: sandbox-shopee-refresh}",
        "lazada": "{app_key: '100002', app_secret: sandbox-lazada-secret, access_token: sandbox-lazada-token, "
                  "refresh_token: sandbox-lazada-refresh}",
        "tiktokshop": "{app_key: sandbox-tts-app, app_secret: sandbox-tts-secret, access_token: sandbox-tts-token, "
                      "shop_cipher: sandbox-cipher, refresh_token: sandbox-tts-refresh}",
    }
    channel_lines = [f"  - {{name: {c}, adapter: {c}, endpoint: '{endpoint}', credentials: {creds[c]}}}"
                     for c in channels]
    config = out / "pasindo.yaml"
    config.write_text("state_dir: state\ninstitutions:\n" + "\n".join(entries) + "\nchannels:\n"
                      + ("\n".join(channel_lines) if channels else "  []") + "\n", encoding="utf-8")
    return config


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Produk")
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench/out/national"))
    parser.add_argument("--institutions", type=int, default=500)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--channels", nargs="*", default=["shopee"])
    parser.add_argument("--endpoint", default="sandbox")
    args = parser.parse_args()
    config = generate(args.out, args.institutions, args.products, args.seed, args.channels, args.endpoint)
    print(config)


if __name__ == "__main__":
    main()
