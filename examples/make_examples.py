#!/usr/bin/env python3
"""(Re)create the PASINDO sample catalogs in examples/catalogs/ and the reject samples in examples/rejects/.

Deterministic: a fixed random seed, fixed timestamps inside the workbooks, and files rewritten from scratch
on every run, so two runs give byte-identical files. Needs only the standard library and openpyxl.

    python3 examples/make_examples.py

The content is invented but realistic: Indonesian product names and descriptions, prices and weights in the
ranges the institutions report, number formats as staff type them (``Rp12.500``, ``150rb``, ``0,25 kg``,
``31 Des 2027``). Makers are anonymous ("karya WBP") except where a row records the maker's consent; no file
says anything about anyone's offence or sentence.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import sqlite3
import struct
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

SEED = 20181212  # PASINDO launched in December 2018
HERE = Path(__file__).resolve().parent
CATALOGS = HERE / "catalogs"
REJECTS = HERE / "rejects"
FIXED_TIME = datetime(2026, 11, 2, 8, 0, 0)

rng = random.Random(SEED)

# --- PNG images (standard library only) ----------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(seed: int, base: tuple[int, int, int], accent: tuple[int, int, int], motif: str,
              size: int = 48) -> bytes:
    """A small valid RGB PNG: a product-photo placeholder with a shaded background and a motif."""
    r = random.Random(seed)
    raw = bytearray()
    c = size / 2
    for y in range(size):
        raw.append(0)  # filter type None
        for x in range(size):
            shade = 1.0 - 0.25 * y / size
            col = [int(v * shade) for v in base]
            dx, dy = x - c + 0.5, y - c + 0.5
            inside = {
                "circle": dx * dx + dy * dy < (size * 0.32) ** 2,
                "diamond": abs(dx) + abs(dy) < size * 0.36,
                "box": abs(dx) < size * 0.3 and abs(dy) < size * 0.22,
                "stripes": (x + y) // 6 % 2 == 0 and abs(dy) < size * 0.3,
                "ring": (size * 0.18) ** 2 < dx * dx + dy * dy < (size * 0.34) ** 2,
            }[motif]
            if inside:
                col = list(accent)
            noise = r.randint(-6, 6)  # a little texture, like a real photo
            raw.extend(max(0, min(255, v + noise)) for v in col)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + _chunk(b"IEND", b""))


PALETTE = {
    "coklat": (121, 76, 43), "hitam": (38, 36, 34), "tan": (196, 150, 98), "marun": (118, 32, 44),
    "krem": (232, 220, 196), "biru": (52, 98, 168), "merah": (200, 48, 44), "hijau": (60, 140, 80),
    "kuning": (236, 196, 52), "pink": (232, 140, 170), "putih": (240, 240, 236), "indigo": (42, 52, 110),
    "sogan": (150, 96, 50), "emas": (200, 164, 70), "kayu": (150, 104, 62), "mutiara": (226, 228, 232),
    "pandan": (150, 170, 90), "bambu": (206, 178, 120), "kopi": (70, 46, 30), "madu": (214, 150, 40),
}
MOTIFS = ("circle", "diamond", "box", "stripes", "ring")


def make_images(folder: Path, names: list[tuple[str, str, str]]) -> list[str]:
    """Write folder/<name>.png for each (name, base colour, accent colour); return the relative paths."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, (name, base, accent) in enumerate(names):
        seed = zlib.crc32(f"{folder.name}/{name}".encode())
        data = png_bytes(seed, PALETTE[base], PALETTE[accent], MOTIFS[(seed + i) % len(MOTIFS)])
        (folder / f"{name}.png").write_bytes(data)
        out.append(f"img/{folder.name}/{name}.png")
    return out


# --- number and date formats as staff type them ----------------------------------------------------------

BULAN = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def dots(n: int) -> str:
    """150000 -> '150.000' (a dot always groups exactly three digits)."""
    return f"{n:,}".replace(",", ".")


def price_text(n: int, style: str) -> str:
    if style == "rp":
        return f"Rp{dots(n)}"
    if style == "rp_space":
        return f"Rp {dots(n)}"
    if style == "rp_dot":
        return f"Rp.{dots(n)}"
    if style == "dots":
        return dots(n)
    if style == "rb" and n % 1000 == 0 and n < 1_000_000:
        return f"{n // 1000}rb"
    if style == "jt" and n % 100_000 == 0 and n >= 1_000_000:
        whole, frac = divmod(n // 100_000, 10)
        return f"{whole}jt" if frac == 0 else f"{whole},{frac}jt"
    if style == "dec" and n >= 1000:
        return f"{dots(n)},00"
    if style == "plain":
        return str(n)
    return f"Rp{dots(n)}"  # a style that does not fit this amount


def some_price(n: int, styles: tuple[str, ...]) -> str:
    return price_text(n, rng.choice(styles))


def weight_text(g: int, style: str) -> str:
    if style == "gr":
        return f"{g} gr"
    if style == "kg":
        kg = f"{g / 1000:.3f}".rstrip("0").rstrip(".").replace(".", ",")
        return f"{kg} kg"
    return str(g)


def date_text(d: date, style: str) -> str:
    if style == "dmy":
        return d.strftime("%d/%m/%Y")
    if style == "named":
        return f"{d.day} {BULAN[d.month - 1]} {d.year}"
    return d.isoformat()


def ya(flag: bool) -> str:
    return "ya" if flag else "tidak"


def round_to(n: float, step: int) -> int:
    return max(step, int(round(n / step)) * step)


# --- the product model every catalog is written from -----------------------------------------------------

FIELDS = ("sku", "parent", "name", "desc", "cat", "price", "stock", "unit", "weight", "length", "width",
          "height", "images", "opt_name", "opt_value", "permit", "halal", "expiry", "ready", "preorder",
          "maker", "consent")


def product(sku: str, name: str, desc: str, cat: str, price: int, stock: int, unit: str, weight: int,
            dims: tuple[int, int, int] | None, images: list[str], variants: list[dict] | None = None,
            **extra) -> dict:
    assert 25 <= len(name) <= 100, (len(name), name)
    assert 100 <= price <= 150_000_000 and stock >= 0 and weight > 0, (sku, price, stock, weight)
    assert 1 <= len(images) <= 5, (sku, images)
    p = dict(sku=sku, name=name, desc=desc, cat=cat, price=price, stock=stock, unit=unit, weight=weight,
             dims=dims, images=images, variants=variants or [])
    p.update(extra)
    return p


def variant(sku: str, opt_name: str, value: str, price: int, stock: int, **extra) -> dict:
    assert 100 <= price <= 150_000_000 and stock >= 0, (sku, price, stock)
    return dict(sku=sku, opt_name=opt_name, opt_value=value, price=price, stock=stock, **extra)


def rows_of(products: list[dict]) -> list[dict]:
    """One row per simple product; one row per variant (repeating the product's cells) otherwise."""
    rows = []
    for p in products:
        base = {k: p.get(k) for k in FIELDS}
        base["length"], base["width"], base["height"] = p["dims"] or (None, None, None)
        if not p["variants"]:
            rows.append(base)
            continue
        for v in p["variants"]:
            row = dict(base, parent=p["sku"])
            row.update(v)
            rows.append(row)
    return rows


def pick(pool: list[str], k: int) -> list[str]:
    return rng.sample(pool, min(k, len(pool)))


# --- writers ----------------------------------------------------------------------------------------------


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save with fixed timestamps (document properties and zip entries) so every run gives the same bytes."""
    wb.properties.creator = "Seksi Kegiatan Kerja"
    wb.properties.lastModifiedBy = "Seksi Kegiatan Kerja"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item.filename))


def style_header(ws, row: int, width: int) -> None:
    for col in range(1, width + 1):
        cell = ws.cell(row=row, column=col)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def write_csv(path: Path, header: list[str], rows: list[list], delimiter: str, bom: bool) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in r] for r in rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))


# --- 1. Lapas Kelas IIB Mojokerto: leather goods (xlsx, sheet "Produk") -------------------------------------

MJK = "Lapas Kelas IIB Mojokerto"

MJK_WALLETS = [  # (name, price, slots) men's then women's
    ("Dompet Kulit Sapi Asli Pria Lipat Dua Coklat Tua", 85000, 6),
    ("Dompet Kulit Sapi Asli Pria Lipat Dua Hitam Polos", 85000, 6),
    ("Dompet Pria Kulit Crazy Horse Lipat Tiga Tan Jahitan Tangan", 110000, 8),
    ("Dompet Panjang Pria Kulit Sapi Asli Resleting Hitam", 135000, 12),
    ("Dompet Kartu Kulit Sapi Asli Tipis Enam Slot Coklat Muda", 55000, 6),
    ("Dompet STNK dan Kartu Kulit Sapi Asli Coklat Tua", 65000, 4),
    ("Dompet Pria Kulit Sapi Lipat Dua Model Berdiri Hitam", 90000, 7),
    ("Dompet Pria Kulit Samak Nabati Lipat Dua Natural Tan", 120000, 6),
    ("Dompet Pria Kulit Sapi Asli Lipat Dua Emboss Logo PASINDO", 95000, 6),
    ("Dompet Koin dan Kartu Kulit Sapi Asli Kancing Coklat", 60000, 3),
    ("Dompet Pria Panjang Kulit Crazy Horse Coklat Kopi", 145000, 10),
    ("Dompet Pria Kulit Sapi Asli Lipat Tiga Hitam Doff", 100000, 9),
    ("Dompet Wanita Panjang Kulit Sapi Asli Resleting Merah Marun", 140000, 12),
    ("Dompet Wanita Kulit Domba Lipat Tiga Kancing Magnet Krem", 115000, 8),
    ("Dompet Wanita Kecil Kulit Sapi Asli Lipat Dua Pink Salem", 95000, 6),
    ("Dompet Clutch Wanita Kulit Sapi Asli Tali Tangan Hitam", 150000, 10),
    ("Dompet Wanita Panjang Kulit Sapi Motif Anyam Coklat Muda", 145000, 12),
    ("Dompet Koin Wanita Kulit Domba Asli Resleting Hijau Botol", 55000, 2),
    ("Dompet Wanita Kulit Sapi Asli Model Amplop Biru Dongker", 125000, 8),
    ("Dompet Kartu Wanita Kulit Sapi Asli Model Akordeon Maroon", 75000, 10),
]
MJK_BAGS = [  # (name, price, weight, dims, kind)
    ("Tas Selempang Pria Kulit Sapi Asli Sling Bag Coklat Tua", 245000, 450, (24, 8, 18), "sling"),
    ("Tas Selempang Kecil Kulit Crazy Horse Muat HP dan Dompet", 185000, 320, (18, 5, 14), "sling"),
    ("Sling Bag Kulit Sapi Asli Model Tas Dada Hitam Resleting", 265000, 480, (30, 7, 17), "sling"),
    ("Tas Selempang Wanita Kulit Sapi Asli Mini Krem Tali Panjang", 215000, 350, (20, 7, 15), "sling"),
    ("Tas Pinggang Waist Bag Kulit Sapi Asli Coklat Muda", 175000, 300, (25, 6, 13), "sling"),
    ("Tas Selempang Tablet 10 Inci Kulit Sapi Asli Hitam", 290000, 620, (30, 6, 25), "sling"),
    ("Tas Tangan Wanita Kulit Sapi Asli Model Tote Coklat Tan", 295000, 850, (36, 13, 28), "hand"),
    ("Handbag Wanita Kulit Sapi Asli Dua Ruang Hitam Elegan", 285000, 780, (30, 12, 22), "hand"),
    ("Tas Jinjing Wanita Kulit Domba Asli Merah Marun", 265000, 650, (32, 11, 24), "hand"),
    ("Tas Tangan Kulit Sapi Asli Model Bucket Tali Serut Krem", 240000, 560, (22, 18, 26), "hand"),
    ("Tas Kerja Pria Kulit Sapi Asli Jinjing dan Selempang Coklat", 300000, 900, (38, 9, 28), "hand"),
]
MJK_BELTS = [
    ("Ikat Pinggang Kulit Sapi Asli Pria Gesper Kuningan Hitam 3,5 cm", 125000, 280),
    ("Sabuk Kulit Sapi Asli Pria Gesper Perak Coklat Tua Lebar 3,5 cm", 120000, 270),
    ("Ikat Pinggang Kulit Sapi Utuh Full Grain Gesper Jarum Tan", 150000, 300),
    ("Ikat Pinggang Wanita Kulit Sapi Asli Ramping 2,5 cm Coklat Muda", 85000, 200),
    ("Sabuk Kulit Sapi Asli Polos Gesper Otomatis Hitam Formal", 135000, 290),
]
MJK_SHOES = [
    ("Sepatu Pantofel Pria Kulit Sapi Asli Hitam Sol Karet", 285000),
    ("Sepatu Formal Pria Kulit Sapi Asli Model Oxford Coklat Tua", 300000),
    ("Sepatu Pantofel Slip On Kulit Sapi Asli Hitam Mengkilap", 275000),
    ("Sepatu Kerja Pria Kulit Sapi Asli Bertali Model Derby Coklat", 295000),
    ("Sepatu Pantofel Pria Kulit Sapi Asli Model Loafer Tan", 260000),
]
MJK_SANDALS = [  # (name, price, sizes)
    ("Sandal Kulit Sapi Asli Pria Model Selop Coklat Tua", 120000, range(39, 44)),
    ("Sandal Jepit Kulit Sapi Asli Pria Sol Karet Anti Slip Hitam", 95000, range(39, 44)),
    ("Sandal Kulit Sapi Asli Wanita Model Tali Silang Warna Tan", 110000, range(36, 41)),
    ("Sandal Gunung Kulit Sapi Asli Tali Perekat Coklat Tua", 150000, range(39, 44)),
]


def mojokerto() -> list[dict]:
    img = make_images(CATALOGS / "img" / "mojokerto", [
        ("dompet-pria-coklat", "krem", "coklat"), ("dompet-pria-hitam", "krem", "hitam"),
        ("dompet-wanita", "putih", "marun"), ("tas-selempang", "krem", "coklat"),
        ("tas-tangan", "putih", "tan"), ("ikat-pinggang", "krem", "hitam"),
        ("sepatu-pantofel", "putih", "hitam"), ("sepatu-pantofel-samping", "krem", "coklat"),
        ("sandal-kulit", "putih", "tan"),
    ])
    d_coklat, d_hitam, d_wanita, t_sling, t_hand, belt, shoe, shoe_side, sandal = img
    made = f"Dijahit tangan oleh WBP {MJK} dalam program pembinaan kemandirian."
    out = []
    for i, (name, price, slots) in enumerate(MJK_WALLETS, 1):
        women = "Wanita" in name
        sku = f"DMP-{'W' if women else 'P'}{i:02d}"
        length = rng.choice((11, 12)) if not ("Panjang" in name or "Clutch" in name) else 19
        height = 9 if length < 15 else 10
        leather = "kulit domba asli yang lembut" if "Domba" in name else (
            "kulit crazy horse dengan efek warna yang berubah saat ditekuk" if "Crazy" in name
            else "kulit sapi asli pilihan")
        desc = (f"Dompet dari {leather}, dengan lapisan dalam kain drill yang kuat. "
                f"Ukuran {length} x {height} cm, berisi {slots} slot kartu"
                f"{' dan ruang koin beresleting' if slots >= 8 else ''}. {made}")
        pics = [d_wanita] if women else [d_hitam if "Hitam" in name else d_coklat]
        if i % 3 == 0:
            pics.append(d_coklat if pics[0] != d_coklat else d_hitam)
        out.append(product(sku, name, desc, "Fashion / Dompet", price, rng.randint(3, 40), "pcs",
                           rng.randint(80, 150), (length, height, 2), pics))
    for i, (name, price, weight, dims, kind) in enumerate(MJK_BAGS, 1):
        sku = f"TAS-{'S' if kind == 'sling' else 'H'}{i:02d}"
        desc = (f"Tas dari kulit sapi asli finishing doff, jahitan rapat dan tali yang dapat disetel. "
                f"Ukuran {dims[0]} x {dims[2]} x {dims[1]} cm dengan {rng.choice(('dua', 'tiga'))} ruang "
                f"dan kantong dalam beresleting. {made}")
        if rng.random() < 0.5:
            desc += " Stok terbatas karena setiap tas dikerjakan satu per satu."
        pics = [t_sling if kind == "sling" else t_hand] + ([t_hand if kind == "sling" else t_sling]
                                                            if i % 2 else [])
        out.append(product(sku, name, desc, "Fashion / Tas", price, rng.randint(2, 15), "pcs", weight, dims,
                           pics))
    for i, (name, price, weight) in enumerate(MJK_BELTS, 1):
        desc = (f"Ikat pinggang dari kulit sapi utuh setebal 3,5 mm, panjang 120 cm dan bisa dipotong "
                f"sesuai lingkar pinggang. Tepi kulit dihaluskan dan diwarnai manual. {made}")
        out.append(product(f"IKP-{i:02d}", name, desc, rng.choice(("Fashion / Aksesoris", "Fashion > Aksesoris")),
                           price, rng.randint(5, 30), "pcs", weight, (35, 12, 4), [belt]))
    for i, (name, price) in enumerate(MJK_SHOES, 1):
        sku = f"SPT-PTF{i:02d}"
        desc = (f"Sepatu formal dari kulit sapi asli dengan sol karet yang dijahit keliling, nyaman untuk "
                f"kerja dan acara resmi. Tersedia ukuran 39 sampai 44; pilih satu nomor lebih besar bila "
                f"kaki lebar. Dikirim dalam kotak sepatu. Dibuat oleh WBP {MJK} di bengkel kerja kulit.")
        variants = [variant(f"{sku}-{size}", "Ukuran", str(size), price if size < 44 or price > 295000
                            else price + 5000, rng.randint(0, 8)) for size in range(39, 45)]
        out.append(product(sku, name, desc, "Fashion / Sepatu", price, 0, "pasang", rng.randint(950, 1250),
                           (32, 20, 12), [shoe, shoe_side], variants))
    for i, (name, price, sizes) in enumerate(MJK_SANDALS, 1):
        sku = f"SDL-{i:02d}"
        desc = (f"Sandal dari kulit sapi asli dengan alas karet yang tidak licin. Ukuran {sizes[0]} sampai "
                f"{sizes[-1]}, panjang alas mengikuti ukuran standar. {made}")
        variants = [variant(f"{sku}-{size}", "Ukuran", str(size), price, rng.randint(0, 10)) for size in sizes]
        out.append(product(sku, name, desc, "Fashion / Sandal", price, 0, "pasang", rng.randint(450, 650),
                           (30, 12, 8), [sandal], variants))
    return out


MJK_HEADER = ["Kode Barang", "Nama Barang", "Keterangan", "Kategori", "Harga Jual", "Stok", "Satuan",
              "Berat (gram)", "Panjang (cm)", "Lebar (cm)", "Tinggi (cm)", "Foto", "SKU Induk", "Nama Variasi",
              "Varian"]


def write_mojokerto(products: list[dict]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Produk"
    ws["A1"] = f"DAFTAR PRODUK KEGIATAN KERJA {MJK.upper()}"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = "Kerajinan kulit karya WBP - dijual melalui PASINDO"
    ws.append([])
    ws.append(MJK_HEADER)
    style_header(ws, 4, len(MJK_HEADER))
    for r in rows_of(products):
        ws.append([r["sku"], r["name"], r["desc"], r["cat"], r["price"], r["stock"], r["unit"], r["weight"],
                   r["length"], r["width"], r["height"], ";".join(r["images"]), r["parent"], r["opt_name"],
                   r["opt_value"]])
    for col, width in zip("ABCDEFGHIJKLMNO", (14, 52, 70, 22, 12, 7, 8, 12, 12, 10, 11, 60, 12, 12, 8)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "C5"
    note = wb.create_sheet("Catatan")
    for line in (
        "Catatan Seksi Kegiatan Kerja",
        "Harga sudah termasuk kemasan. Stok diperbarui setiap hari Senin.",
        "Sepatu dan sandal: satu baris per ukuran, dihubungkan lewat kolom SKU Induk.",
        "Foto ada di folder img/mojokerto; beberapa produk memakai foto yang sama.",
        "Pembuat tidak dicantumkan: semua produk adalah karya WBP Lapas Kelas IIB Mojokerto.",
    ):
        note.append([line])
    note["A1"].font = Font(bold=True)
    note.column_dimensions["A"].width = 90
    save_workbook(wb, CATALOGS / "mojokerto.xlsx")


def main() -> None:
    for folder in (CATALOGS, REJECTS):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    mjk = mojokerto()
    write_mojokerto(mjk)
    for label, items in (("mojokerto.xlsx", mjk),):
        print(f"{label:30} {len(items):3} products {sum(len(p['variants']) for p in items):3} variant rows")


if __name__ == "__main__":
    main()
