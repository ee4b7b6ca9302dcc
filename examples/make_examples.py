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
import re
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


# --- writers ----------------------------------------------------------------------------------------------


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save with fixed timestamps (document properties and zip entries) so every run gives the same bytes."""
    wb.properties.creator = "Seksi Kegiatan Kerja"
    wb.properties.lastModifiedBy = "Seksi Kegiatan Kerja"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the current time
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            dst.writestr(info, data)


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
    for col, width in zip("ABCDEFGHIJKLMNO", (14, 52, 70, 22, 12, 7, 8, 12, 12, 10, 11, 60, 12, 12, 8), strict=True):
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


# --- 2. Lapas Kelas III Cikarang: injection-moulded plastic ware (CSV, ";" and a BOM) ---------------------

CKR = "Lapas Kelas III Cikarang"
CKR_CAT = "Kerajinan / Peralatan Rumah Tangga"
CKR_ITEMS = [  # (sku, name, price, weight, dims, kind, unit, colours)
    ("KM-3SKT", "Kotak Makan Plastik 3 Sekat Tutup Rapat Bebas BPA 1000 ml", 15000, 220, (20, 14, 6), "kotak",
     "pcs", ("Biru", "Hijau", "Merah Muda", "Kuning")),
    ("KM-2SKT-ANAK", "Kotak Makan Anak Plastik 2 Sekat dengan Sendok dan Garpu", 12500, 180, (17, 12, 6),
     "kotak", "pcs", ("Biru", "Merah Muda")),
    ("KM-4SKT-BSR", "Kotak Makan Plastik 4 Sekat Ukuran Besar Tutup Klip", 22500, 290, (24, 18, 7), "kotak",
     "pcs", ()),
    ("KM-750", "Kotak Bekal Plastik Persegi 750 ml Tutup Karet Silikon", 11000, 160, (17, 12, 7), "kotak",
     "pcs", ()),
    ("RTG-3SUSUN", "Rantang Plastik Susun Tiga Tingkat dengan Pegangan Lipat", 25000, 300, (16, 16, 22),
     "kotak", "set", ()),
    ("KM-BLT-500", "Kotak Bekal Plastik Bulat 500 ml Tutup Ulir Anti Tumpah", 9500, 120, (12, 12, 8), "kotak",
     "pcs", ()),
    ("PRG-22", "Piring Makan Plastik Bulat Diameter 22 cm Warna Polos", 7500, 140, (22, 22, 3), "piring",
     "pcs", ("Putih", "Biru", "Hijau", "Krem")),
    ("PRG-SKT-ANAK", "Piring Plastik Tiga Sekat untuk Makan Anak Tahan Panas", 9000, 150, (24, 19, 3),
     "piring", "pcs", ()),
    ("PRG-OVAL-30", "Piring Saji Plastik Oval 30 cm Tebal Tidak Mudah Pecah", 14000, 210, (30, 21, 3),
     "piring", "pcs", ()),
    ("PRG-16-ISI6", "Piring Kecil Plastik 16 cm untuk Kue dan Camilan Isi Enam", 18000, 280, (16, 16, 8),
     "piring", "set", ()),
    ("PRG-CKG-20", "Piring Cekung Plastik Diameter 20 cm untuk Sayur Berkuah", 8000, 130, (20, 20, 4),
     "piring", "pcs", ()),
    ("GLS-350", "Gelas Plastik Tebal 350 ml Tahan Banting Warna Polos", 5000, 100, (8, 8, 12), "gelas", "pcs",
     ("Merah", "Biru", "Hijau", "Kuning", "Transparan")),
    ("GLS-CGK-300", "Cangkir Plastik Bertangkai 300 ml untuk Teh dan Kopi", 6500, 100, (9, 9, 10), "gelas",
     "pcs", ()),
    ("GLS-SET6", "Set Gelas Plastik 250 ml Isi Enam Warna Warni Bisa Ditumpuk", 24000, 300, (9, 9, 22),
     "gelas", "set", ()),
    ("MUG-ANAK", "Mug Plastik Anak 200 ml Dua Pegangan dengan Tutup Sedotan", 11500, 110, (12, 8, 11),
     "gelas", "pcs", ("Biru", "Merah Muda", "Hijau")),
    ("TEKO-1500", "Teko Plastik 1,5 Liter dengan Tutup dan Corong Tuang", 21000, 260, (18, 12, 24), "gelas",
     "pcs", ()),
    ("NMP-40", "Nampan Plastik Persegi Panjang 40 x 28 cm Anti Slip", 17500, 280, (40, 28, 3), "nampan",
     "pcs", ("Coklat", "Hitam", "Merah")),
    ("NMP-BLT-35", "Nampan Saji Plastik Bulat Diameter 35 cm Pinggiran Tinggi", 15000, 250, (35, 35, 4),
     "nampan", "pcs", ()),
    ("NMP-30", "Nampan Plastik Kecil 30 x 20 cm untuk Gelas dan Cangkir", 10000, 170, (30, 20, 3), "nampan",
     "pcs", ()),
    ("BAKI-5SKT", "Baki Plastik Bersekat Lima untuk Makan Prasmanan", 19500, 270, (34, 26, 3), "nampan", "pcs",
     ()),
    ("TPL-1000", "Toples Plastik Bening 1 Liter Tutup Ulir untuk Kue Kering", 12000, 180, (12, 12, 14),
     "wadah", "pcs", ()),
    ("WDH-SET3", "Wadah Penyimpanan Makanan Plastik Set Tiga Ukuran Kedap Udara", 25000, 300, (22, 16, 14),
     "wadah", "set", ()),
    ("WDH-2000", "Kotak Penyimpanan Plastik Serbaguna 2 Liter Tutup Klip Empat Sisi", 16000, 240,
     (22, 15, 10), "wadah", "pcs", ()),
    ("WDH-BUMBU4", "Wadah Bumbu Dapur Plastik Isi Empat dengan Sendok Takar", 18500, 260, (26, 8, 10), "wadah",
     "set", ()),
    ("TPL-KTK-750", "Toples Plastik Kotak 750 ml Tutup Warna untuk Camilan", 9000, 130, (11, 11, 10), "wadah",
     "pcs", ("Merah", "Biru", "Hijau")),
    ("TMP-SDK", "Tempat Sendok dan Garpu Plastik Berlubang Dua Ruang", 8500, 120, (14, 9, 15), "wadah", "pcs",
     ()),
    ("CTK-ES-24", "Cetakan Es Batu Plastik 24 Lubang dengan Tutup Rapat", 7000, 110, (26, 12, 4), "wadah",
     "pcs", ()),
    ("SRG-24", "Saringan Plastik Dapur Diameter 24 cm untuk Mencuci Beras", 9500, 150, (24, 24, 10), "wadah",
     "pcs", ()),
    ("MGK-15", "Mangkok Plastik Tebal Diameter 15 cm Tahan Panas", 5500, 100, (15, 15, 7), "mangkok", "pcs",
     ("Putih", "Biru", "Hijau", "Merah")),
    ("MGK-SYR-24", "Mangkuk Sayur Plastik Besar 24 cm dengan Tutup", 13000, 230, (24, 24, 10), "mangkok",
     "pcs", ()),
    ("MGK-SET4", "Set Mangkok Plastik Kecil 12 cm Isi Empat untuk Sambal", 10500, 160, (12, 12, 8),
     "mangkok", "set", ()),
    ("TMP-TISU", "Tempat Tisu Plastik Persegi Motif Anyaman Tutup Geser", 14500, 200, (25, 13, 9), "wadah",
     "pcs", ()),
]
COLOUR_CODE = {
    "Biru": "BRU", "Hijau": "HJU", "Merah": "MRH", "Merah Muda": "PNK", "Kuning": "KNG", "Putih": "PTH",
    "Krem": "KRM", "Coklat": "CKL", "Hitam": "HTM", "Transparan": "BNG",
}
CKR_NOTE = {
    "kotak": "tutupnya rapat sehingga kuah tidak mudah tumpah", "piring": "tebal, ringan dan tidak mudah pecah",
    "gelas": "bening tanpa bau plastik dan tahan air panas", "nampan": "permukaannya bertekstur agar gelas tidak licin",
    "wadah": "kedap udara sehingga isi tetap renyah", "mangkok": "tahan panas hingga 100 derajat Celsius",
}
CKR_USE = {
    "kotak": "bekal sekolah dan kerja", "piring": "makan sehari-hari di rumah atau warung",
    "gelas": "minuman dingin maupun hangat", "nampan": "menyajikan hidangan dan minuman",
    "wadah": "menyimpan makanan dan bahan dapur", "mangkok": "sayur, sup dan camilan",
}


def cikarang() -> list[dict]:
    img = dict(zip(("kotak", "piring", "gelas", "nampan", "wadah", "mangkok"), make_images(
        CATALOGS / "img" / "cikarang", [
            ("kotak-makan", "putih", "biru"), ("piring", "putih", "hijau"), ("gelas", "putih", "merah"),
            ("nampan", "krem", "coklat"), ("toples", "putih", "kuning"), ("mangkok", "krem", "pink"),
        ]), strict=True))
    extra = CATALOGS / "img" / "cikarang"
    colours_pic = make_images(extra, [("aneka-warna", "putih", "kuning")])[0]
    out = []
    for sku, name, price, weight, dims, kind, unit, colours in CKR_ITEMS:
        desc = (f"Terbuat dari plastik PP food grade bebas BPA, {CKR_NOTE[kind]}. "
                f"Ukuran {dims[0]} x {dims[1]} x {dims[2]} cm, cocok untuk {CKR_USE[kind]}. "
                f"Dicetak dengan mesin injeksi dan dirapikan satu per satu oleh WBP {CKR}.")
        if unit == "set":
            desc += " Dijual per set dalam plastik kemasan."
        pics = [img[kind]] + ([colours_pic] if colours else [])
        variants = []
        for _n, colour in enumerate(colours, 1):
            vprice = price + (500 if colour == "Transparan" else 0)
            variants.append(variant(f"{sku}-{COLOUR_CODE[colour]}", "Warna", colour, vprice,
                                    rng.choice((0, 24, 36, 48, 60, 120, 240))))
        out.append(product(f"CKR-{sku}", name, desc, CKR_CAT if rng.random() < 0.8 else
                           "Kerajinan > Peralatan Rumah Tangga", price, rng.choice(
                               (36, 48, 60, 72, 96, 120, 150, 240, 500, 1200, 1500)), unit, weight, dims, pics,
                           variants))
    for p in out:
        for v in p["variants"]:
            v["sku"] = f"CKR-{v['sku']}"
    return out


def write_cikarang(products: list[dict]) -> None:
    header = ["SKU", "Nama Produk", "Deskripsi", "Kategori", "Harga", "Stok", "Satuan", "Berat (gram)",
              "Panjang (cm)", "Lebar (cm)", "Tinggi (cm)", "Foto", "SKU Induk", "Nama Variasi", "Varian"]
    rows = []
    for r in rows_of(products):
        price = some_price(r["price"], ("rp",) * 6 + ("rp_space", "dots", "rb"))
        stock = dots(r["stock"]) if r["stock"] >= 1000 else str(r["stock"])
        weight = weight_text(r["weight"], rng.choice(("g", "g", "gr", "kg")))
        rows.append([r["sku"], r["name"], r["desc"], r["cat"], price, stock, r["unit"], weight, r["length"],
                     r["width"], r["height"], ";".join(r["images"]), r["parent"], r["opt_name"], r["opt_value"]])
    write_csv(CATALOGS / "cikarang.csv", header, rows, ";", bom=True)


# --- 3. Bapas Kelas II Mataram: Cukli mother-of-pearl inlay (JSON array) ------------------------------------

MTR = "Bapas Kelas II Mataram"
MTR_ITEMS = [  # (name, price, weight, dims, picture)
    ("Kotak Perhiasan Cukli Kayu Sonokeling Motif Bunga Sasak", 350000, 800, (20, 14, 9), "kotak"),
    ("Kotak Tisu Cukli Kayu Mahoni Hitam Motif Daun Kerang Mutiara", 225000, 900, (26, 14, 10), "tisu"),
    ("Bingkai Foto Cukli Kayu Sonokeling Tatahan Kerang Mutiara", 175000, 600, (25, 20, 3), "bingkai"),
    ("Peti Kecil Cukli Kayu Mahoni Engsel Kuningan Panjang 30 cm", 750000, 1600, (30, 18, 16), "peti"),
    ("Peti Harta Cukli Motif Lumbung Sasak Kayu Mahoni 45 cm", 950000, 2000, (45, 25, 22), "peti"),
    ("Tempat Pensil Cukli Kayu Hitam Motif Bintang dan Sulur", 110000, 500, (10, 10, 12), "kotak"),
    ("Kotak Cincin Cukli Mini Kayu Sonokeling Lapis Beludru Merah", 100000, 500, (8, 8, 6), "kotak"),
    ("Nampan Saji Cukli Kayu Mahoni 40 cm Motif Kembang Setaman", 450000, 1400, (40, 28, 5), "bingkai"),
    ("Tempat Buah Cukli Bulat Kayu Mahoni Diameter 30 cm", 385000, 1200, (30, 30, 8), "detail"),
    ("Cermin Dinding Cukli Bingkai Kayu Motif Sasak 40 x 60 cm", 850000, 2000, (60, 40, 4), "bingkai"),
    ("Hiasan Dinding Piring Cukli Kayu Motif Bale Lumbung Sasak", 275000, 900, (35, 35, 4), "detail"),
    ("Kotak Kartu Nama Cukli Kayu Sonokeling Motif Garis Mutiara", 120000, 500, (11, 7, 3), "kotak"),
    ("Tempat Tisu Gulung Cukli Kayu Mahoni Motif Bunga Kamboja", 185000, 700, (15, 15, 14), "tisu"),
    ("Vas Bunga Cukli Kayu Bulat Tinggi 30 cm Motif Sulur Daun", 325000, 1100, (12, 12, 30), "detail"),
    ("Kotak Al Quran Cukli Kayu Sonokeling dengan Kunci Kuningan", 650000, 1800, (32, 24, 10), "peti"),
    ("Set Tatakan Gelas Cukli Isi Enam dengan Dudukan Kayu", 195000, 600, (11, 11, 9), "detail"),
    ("Kotak Serbaguna Cukli Kayu Mahoni Motif Cicak Khas Lombok", 300000, 900, (22, 15, 10), "kotak"),
    ("Tempat Remote TV Cukli Kayu Hitam Tiga Ruang Motif Bunga", 215000, 800, (20, 10, 12), "kotak"),
    ("Miniatur Lumbung Padi Sasak Cukli Kayu Tinggi 35 cm", 525000, 1500, (20, 20, 35), "detail"),
    ("Bingkai Kaligrafi Cukli Lafaz Allah dan Muhammad Sepasang", 700000, 1900, (30, 30, 3), "bingkai"),
    ("Kotak Perhiasan Cukli Dua Laci Kayu Sonokeling dengan Kunci", 575000, 1300, (24, 16, 15), "kotak"),
    ("Kotak Jam Tangan Cukli Isi Enam Tutup Kaca Kayu Mahoni", 800000, 1700, (32, 20, 9), "peti"),
    ("Tempat Tisu Meja Cukli Model Rumah Adat Sasak Kayu Hitam", 265000, 950, (27, 15, 14), "tisu"),
    ("Baki Kecil Cukli Kayu Sonokeling Motif Ombak Pantai Lombok", 240000, 800, (30, 20, 4), "bingkai"),
    ("Kotak Pulpen Hadiah Cukli Kayu Mahoni Motif Bunga Melati", 150000, 500, (18, 7, 4), "kotak"),
]
MTR_FURNITURE = [
    ("Meja Kecil Cukli Kayu Sonokeling Motif Bunga Sasak 50 x 50 cm", 3750000, 8500, (50, 50, 55)),
    ("Meja Sudut Cukli Kaki Tiga Tatahan Kerang Mutiara Penuh", 2500000, 7000, (45, 45, 60)),
]
MTR_MAKERS = [  # (name, consent recorded): a Bapas maker is a client on parole, named only with consent
    ("Lalu Hendra Wijaya", True), ("Baiq Sri Wahyuni", True), ("Ahmad Zulkarnaen", True),
    ("Muhammad Rizal Fahmi", True), ("Lalu Agus Salim", True), ("Baiq Nurhasanah", True),
    ("Made Sutama", False), ("Hasanuddin", False), ("Zainal Abidin", False), ("Sahrul Gunawan Putra", False),
]


def mataram() -> list[dict]:
    img = dict(zip(("kotak", "tisu", "bingkai", "peti", "detail", "meja"), make_images(
        CATALOGS / "img" / "mataram", [
            ("kotak-perhiasan", "hitam", "mutiara"), ("kotak-tisu", "kayu", "mutiara"),
            ("bingkai-cukli", "hitam", "mutiara"), ("peti-cukli", "kayu", "mutiara"),
            ("detail-tatahan", "hitam", "mutiara"), ("meja-cukli", "kayu", "mutiara"),
        ]), strict=True))
    makers = {i: m for i, m in zip((1, 3, 5, 8, 10, 14, 2, 7, 12, 17), MTR_MAKERS, strict=True)}
    out = []
    for i, (name, price, weight, dims, pic) in enumerate(MTR_ITEMS, 1):
        wood = "kayu sonokeling" if "Sonokeling" in name else "kayu mahoni" if "Mahoni" in name else "kayu hitam"
        desc = (f"Kerajinan cukli khas Lombok: {wood} yang ditatah potongan kerang mutiara satu per satu, "
                f"lalu dipernis hingga mengilap. Ukuran {dims[0]} x {dims[1]} x {dims[2]} cm. "
                f"Dibuat oleh klien pemasyarakatan binaan {MTR}.")
        if rng.random() < 0.4:
            desc += " Karena dikerjakan tangan, pola kerang tiap produk sedikit berbeda."
        pics = [img[pic], img["detail"]] if pic != "detail" else [img["detail"]]
        sku = f"CKL-{i:03d}"
        variants = []
        if name.startswith("Bingkai Foto"):
            variants = [variant(f"{sku}-{size}", "Ukuran", size, p, rng.randint(2, 8))
                        for size, p in (("4R", 175000), ("5R", 195000), ("10R", 325000))]
        maker, consent = makers.get(i, (None, None))
        out.append(product(sku, name, desc, "Kerajinan / Cukli", price, rng.randint(1, 12), "pcs", weight, dims,
                           pics, variants, maker=maker, consent=consent))
    for i, (name, price, weight, dims) in enumerate(MTR_FURNITURE, 1):
        desc = (f"Meja kayu sonokeling dengan permukaan penuh tatahan cukli kerang mutiara, "
                f"ukuran {dims[0]} x {dims[1]} cm dan tinggi {dims[2]} cm. Dikerjakan sekitar satu bulan oleh "
                f"klien pemasyarakatan binaan {MTR}. Dikirim dengan peti kayu; ongkos kirim dihitung dari "
                f"berat volume.")
        out.append(product(f"MBL-{i:02d}", name, desc, "Kerajinan / Perabot", price, rng.randint(1, 2), "pcs",
                           weight, dims, [img["meja"], img["detail"]], maker="Lalu Hendra Wijaya" if i == 1
                           else None, consent=True if i == 1 else None))
    return out


def write_mataram(products: list[dict]) -> None:
    records = []
    for r in rows_of(products):
        if r["price"] >= 1_000_000:  # the furniture: one written in full, one the short way
            price = price_text(r["price"], "rp" if r["sku"].endswith("1") else "jt")
        else:
            price = rng.choice((some_price(r["price"], ("rp", "rp_space", "rb", "dots", "plain")), r["price"]))
        weight = rng.choice((r["weight"], weight_text(r["weight"], rng.choice(("gr", "kg")))))
        records.append({
            "SKU": r["sku"], "Nama Produk": r["name"], "Deskripsi": r["desc"],
            "Kategori": r["cat"], "Harga": price, "Stok": r["stock"], "Satuan": r["unit"],
            "Berat (gram)": weight, "Panjang (cm)": r["length"], "Lebar (cm)": r["width"],
            "Tinggi (cm)": r["height"], "Foto": "; ".join(r["images"]), "SKU Induk": r["parent"] or "",
            "Nama Variasi": r["opt_name"] or "", "Varian": r["opt_value"] or "",
            "Pembuat": r["maker"] or "", "Izin Pembuat": "" if r["maker"] is None else ya(r["consent"]),
        })
    (CATALOGS / "mataram.json").write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")


# --- 4. Lapas Kelas I Batu Nusakambangan: batik tulis (xlsx, first sheet) --------------------------------

BTU = "Lapas Kelas I Batu Nusakambangan"
BTU_CLOTH = [  # (name, price, colours: variants when more than one)
    ("Kain Batik Tulis Motif Wijayakusuma Pewarna Alam 2 x 1,1 m", 450000, ("Sogan", "Indigo", "Merah Marun")),
    ("Kain Batik Tulis Motif Parang Rusak Klasik Warna Sogan", 350000, ()),
    ("Kain Batik Tulis Motif Kawung Picis Latar Putih Gading", 325000, ("Coklat Soga", "Biru Dongker")),
    ("Kain Batik Tulis Motif Truntum Bunga Tanjung Warna Indigo", 300000, ()),
    ("Kain Batik Tulis Halus Motif Sekar Jagad Tiga Warna Karya Seni", 3500000, ()),
    ("Kain Batik Tulis Motif Sido Mukti Pewarna Alam Kulit Mahoni", 550000, ()),
    ("Kain Batik Tulis Motif Lereng Seling Bunga Latar Hitam", 275000, ("Hitam Putih", "Hijau Botol")),
    ("Kain Batik Tulis Motif Ceplok Bunga Teratai Warna Cerah", 225000, ()),
    ("Kain Batik Tulis Motif Mega Mendung Gradasi Biru Laut", 400000, ("Biru Laut", "Merah Marun")),
    ("Kain Batik Tulis Motif Segara Anakan Ombak dan Perahu", 375000, ()),
    ("Kain Batik Tulis Motif Karang Bolong Pantai Selatan Cilacap", 350000, ()),
    ("Kain Batik Tulis Motif Tumpal Pesisiran Warna Merah Bata", 250000, ()),
    ("Kain Batik Tulis Motif Gringsing Isen Isen Halus Sogan", 600000, ()),
    ("Kain Batik Tulis Motif Sido Luhur Latar Krem Warna Alam", 500000, ()),
    ("Kain Batik Tulis Motif Semen Rama Klasik Tiga Negeri", 2750000, ()),
    ("Kain Batik Tulis Motif Buketan Bunga Pesisir Pewarna Sintetis", 175000, ("Merah Muda", "Hijau Pupus",
                                                                              "Kuning Kunyit")),
    ("Kain Batik Tulis Motif Daun Jati Nusakambangan Warna Coklat", 200000, ()),
    ("Kain Batik Tulis Motif Burung Merak Latar Biru Dongker", 650000, ()),
    ("Selendang Batik Tulis Motif Wijayakusuma Sutra 2 x 0,5 m", 285000, ("Sogan", "Indigo")),
    ("Kain Batik Tulis Sarimbit Motif Kawung untuk Pasangan Dua Lembar", 700000, ()),
]
BTU_SHIRTS = [  # (name, price)
    ("Kemeja Batik Tulis Pria Lengan Pendek Motif Parang Sogan", 225000),
    ("Kemeja Batik Tulis Pria Lengan Panjang Furing Motif Kawung Biru", 325000),
    ("Kemeja Batik Tulis Pria Lengan Pendek Motif Wijayakusuma Merah", 250000),
    ("Kemeja Batik Pria Lengan Panjang Motif Sido Mukti Katun Primisima", 300000),
    ("Kemeja Batik Tulis Pria Lengan Pendek Motif Mega Mendung Hijau", 235000),
    ("Kemeja Batik Tulis Pria Slim Fit Motif Lereng Hitam Putih", 240000),
    ("Blus Batik Tulis Wanita Lengan Pendek Motif Truntum Indigo", 195000),
    ("Blus Batik Tulis Wanita Lengan Tiga Perempat Motif Ceplok Teratai", 210000),
    ("Tunik Batik Tulis Wanita Katun Motif Buketan Merah Muda", 225000),
    ("Kemeja Batik Tulis Pria Lengan Panjang Motif Segara Anakan", 350000),
    ("Kemeja Batik Tulis Pria Lengan Panjang Furing Motif Truntum Sogan", 310000),
    ("Kemeja Batik Tulis Pria Lengan Pendek Motif Daun Jati Coklat", 215000),
]


def batik() -> list[dict]:
    img = make_images(CATALOGS / "img" / "batu", [
        ("kain-wijayakusuma", "sogan", "krem"), ("kain-parang", "krem", "sogan"), ("kain-kawung", "indigo", "krem"),
        ("kain-pesisir", "merah", "kuning"), ("kemeja-batik-pendek", "putih", "sogan"),
        ("kemeja-batik-panjang", "putih", "indigo"), ("proses-canting", "krem", "hitam"),
    ])
    cloth_pics, shirt_pics, canting = img[:4], img[4:6], img[6]
    out = []
    for i, (name, price, colours) in enumerate(BTU_CLOTH, 1):
        scarf = name.startswith("Selendang")
        art = price >= 1_000_000
        size = "2 x 0,5 m" if scarf else "2 x 1,1 m"
        desc = (f"Batik tulis dengan canting di atas kain {'sutra' if scarf else 'katun primisima'}, ukuran "
                f"{size}, diwarnai dan dilorod dengan tangan. ")
        desc += ("Karya seni dengan isen-isen sangat halus; pengerjaan lebih dari tiga bulan. " if art else
                 "Setiap lembar unik, warna dapat sedikit berbeda dari foto. ")
        desc += f"Dibuat oleh WBP {BTU} di sanggar batik lapas."
        sku = f"BTK-{i:02d}"
        variants = [variant(f"{sku}-{''.join(w[0] for w in c.split())}", "Warna", c, price,
                            rng.randint(0, 6)) for c in colours] if len(colours) > 1 else []
        pics = [cloth_pics[(i - 1) % 4], canting] if i % 3 else [cloth_pics[(i - 1) % 4]]
        cat = rng.choice(("Fashion > Batik", "Fashion > Batik", "Busana > Batik"))
        out.append(product(sku, name, desc, cat, price, rng.randint(1, 8), "lembar",
                           rng.randint(300, 400) if "Sarimbit" in name else rng.randint(200, 350),
                           (30, 25, 2), pics, variants))
    for i, (name, price) in enumerate(BTU_SHIRTS, 1):
        sizes = ("S", "M", "L", "XL", "XXL")
        chest = "lingkar dada 96 cm (S) sampai 116 cm (XXL)"
        desc = (f"{name.split(' Motif')[0].capitalize()} dari katun adem, motif dibatik tulis dengan tangan. "
                f"Tersedia ukuran {sizes[0]} sampai {sizes[-1]}, {chest}. "
                f"Dijahit dan dibatik oleh WBP {BTU}.")
        sku = f"KMJ-{i:02d}"
        variants = [variant(f"{sku}-{size}", "Ukuran", size, price + (15000 if size == "XXL" else 0),
                            rng.randint(0, 10)) for size in sizes]
        cat = "Fashion > Pakaian" if i % 4 else "Busana > Pakaian"
        out.append(product(sku, name, desc, cat, price, 0, "pcs", rng.randint(200, 300), (30, 22, 3),
                           [shirt_pics[i % 2], shirt_pics[(i + 1) % 2]], variants))
    return out


def write_batik(products: list[dict]) -> None:
    header = ["SKU", "Nama Produk", "Deskripsi", "Kategori", "Harga", "Stok", "Satuan", "Berat (gram)",
              "Panjang (cm)", "Lebar (cm)", "Tinggi (cm)", "Foto", "SKU Induk", "Nama Variasi", "Varian"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Batik"
    ws.append(header)
    style_header(ws, 1, len(header))
    for r in rows_of(products):
        ws.append([r["sku"], r["name"], r["desc"], r["cat"], r["price"], r["stock"], r["unit"], r["weight"],
                   r["length"], r["width"], r["height"], ";".join(r["images"]), r["parent"], r["opt_name"],
                   r["opt_value"]])
    for row in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        row[0].number_format = '"Rp"#,##0'
    for col, width in zip("ABCDEFGHIJKLMNO", (11, 55, 70, 18, 13, 7, 8, 12, 12, 10, 11, 55, 10, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    rekap = wb.create_sheet("Rekap")
    rekap.append(["Jenis", "Jumlah produk"])
    rekap.append(["Kain batik tulis", sum(1 for p in products if p["unit"] == "lembar")])
    rekap.append(["Kemeja dan blus", sum(1 for p in products if p["unit"] == "pcs")])
    save_workbook(wb, CATALOGS / "nusakambangan-batik.xlsx")


# --- 5. Lapas Kelas IIA Besi Nusakambangan: calligraphy, paintings, carving (CSV, ",") --------------------

BSI = "Lapas Kelas IIA Besi Nusakambangan"
BSI_ITEMS = [  # (name, price, weight, dims, category, picture)
    ("Kaligrafi Ayat Kursi Bingkai Kayu Jati Ukir Motif Daun", 1750000, 4000, (90, 60, 5), "Kaligrafi", "ayat"),
    ("Kaligrafi Lafaz Bismillah Cat Akrilik Kanvas Bingkai Emas 40 x 60 cm", 650000, 2000, (60, 40, 4),
     "Kaligrafi", "bismillah"),
    ("Kaligrafi Asmaul Husna Bingkai Kayu Mahoni 80 x 120 cm", 3000000, 5000, (120, 80, 5), "Kaligrafi", "ayat"),
    ("Kaligrafi Surat Al Fatihah Kaca Bingkai Minimalis 50 x 70 cm", 950000, 3500, (70, 50, 3), "Kaligrafi",
     "bismillah"),
    ("Kaligrafi Lafaz Allah dan Muhammad Sepasang Bingkai Bulat 30 cm", 350000, 1800, (30, 30, 3),
     "Kaligrafi", "bismillah"),
    ("Kaligrafi Khat Diwani Doa Masuk Rumah Bingkai Hitam 30 x 40 cm", 250000, 1200, (40, 30, 3), "Kaligrafi",
     "ayat"),
    ("Kaligrafi Mini Lafaz Masya Allah Bingkai Kayu 20 x 25 cm", 75000, 1000, (25, 20, 3), "Kaligrafi",
     "bismillah"),
    ("Kaligrafi Surat Al Ikhlas Timbul Kayu Jati Tanpa Kaca 40 x 60 cm", 850000, 3000, (60, 40, 4),
     "Kaligrafi", "ayat"),
    ("Kaligrafi Ayat Seribu Dinar Kuningan Bingkai Kayu 50 x 100 cm", 1500000, 4500, (100, 50, 5), "Kaligrafi",
     "ayat"),
    ("Lukisan Pemandangan Pantai Permisan Cat Minyak 60 x 90 cm", 1250000, 3000, (90, 60, 4), "Lukisan",
     "pantai"),
    ("Lukisan Bunga Wijayakusuma Mekar Cat Akrilik Kanvas 50 x 70 cm", 750000, 2200, (70, 50, 4), "Lukisan",
     "bunga"),
    ("Lukisan Perahu Nelayan Cilacap Cat Minyak Bingkai Kayu 70 x 100 cm", 1850000, 4000, (100, 70, 4),
     "Lukisan", "pantai"),
    ("Lukisan Kuda Berlari di Padang Rumput Cat Minyak 80 x 120 cm", 2500000, 5000, (120, 80, 4), "Lukisan",
     "bunga"),
    ("Lukisan Sawah dan Gunung Slamet Cat Akrilik Kanvas 40 x 60 cm", 550000, 1500, (60, 40, 3), "Lukisan",
     "pantai"),
    ("Lukisan Abstrak Warna Tanah Kanvas Tanpa Bingkai 60 x 60 cm", 450000, 1000, (60, 60, 3), "Lukisan",
     "bunga"),
    ("Relief Kayu Jati Ukir Pemandangan Desa dan Sawah 40 x 80 cm", 1200000, 4500, (80, 40, 5), "Ukiran",
     "relief"),
    ("Pigura Ukir Kayu Jati Motif Jepara untuk Foto Ukuran 10R", 225000, 1200, (35, 30, 3), "Ukiran", "pigura"),
    ("Patung Burung Garuda Kayu Suar Ukir Tangan Tinggi 40 cm", 850000, 3000, (30, 20, 40), "Ukiran",
     "relief"),
    ("Hiasan Dinding Ukiran Kayu Mahoni Motif Bunga Teratai 30 x 60 cm", 450000, 2000, (60, 30, 3), "Ukiran",
     "relief"),
    ("Kotak Tisu Kayu Jati Ukir Motif Daun dan Sulur Finishing Natural", 125000, 1000, (26, 14, 10), "Ukiran",
     "pigura"),
    ("Jam Dinding Kayu Jati Ukir Motif Sulur Diameter 40 cm", 375000, 2000, (40, 40, 5), "Ukiran", "pigura"),
    ("Nampan Kayu Jati Ukir Pegangan Dua Motif Kawung 45 x 30 cm", 285000, 1800, (45, 30, 6), "Ukiran",
     "relief"),
    ("Kaligrafi Lafaz Laa Ilaaha Illallah Ukir Kayu Jati Bulat 50 cm", 1100000, 3500, (50, 50, 4),
     "Kaligrafi", "ayat"),
]
BSI_MEDIUM = {
    "Kaligrafi": "Ditulis dengan khat yang rapi, setiap huruf dikerjakan dan diperiksa satu per satu.",
    "Lukisan": "Dilukis langsung di atas kanvas, bukan cetakan; tanda tangan sanggar ada di sudut bawah.",
    "Ukiran": "Diukir tangan dari kayu kering oven agar tidak retak, lalu dipoles dengan pernis tipis.",
}


def kaligrafi() -> list[dict]:
    img = dict(zip(("ayat", "bismillah", "pantai", "bunga", "relief", "pigura"), make_images(
        CATALOGS / "img" / "besi", [
            ("kaligrafi-ayat-kursi", "hitam", "emas"), ("kaligrafi-bismillah", "hijau", "emas"),
            ("lukisan-pantai", "biru", "krem"), ("lukisan-bunga", "hijau", "putih"),
            ("ukiran-relief", "kayu", "coklat"), ("ukiran-pigura", "kayu", "tan"),
        ]), strict=True))
    back = make_images(CATALOGS / "img" / "besi", [("kemasan-kayu", "krem", "kayu")])[0]
    out = []
    for i, (name, price, weight, dims, sub, pic) in enumerate(BSI_ITEMS, 1):
        if i == 1:
            size = f"Tersedia dua ukuran bingkai, 40 x 60 cm dan 60 x 90 cm, tebal {dims[2]} cm"
        elif dims[2] > 6:  # an object rather than a flat piece
            size = f"Ukuran {dims[0]} x {dims[1]} x {dims[2]} cm"
        else:
            size = f"Ukuran {dims[0]} x {dims[1]} cm{f', tebal {dims[2]} cm' if sub != 'Lukisan' else ''}"
        desc = (f"{BSI_MEDIUM[sub]} {size}. "
                f"Karya WBP {BSI} dari sanggar seni lapas. Dikemas dengan kardus tebal dan sudut busa.")
        pics = [img[pic]]
        pair = next(g for g in (("ayat", "bismillah"), ("pantai", "bunga"), ("relief", "pigura")) if pic in g)
        if i % 2:
            pics.append(img[pair[1] if pic == pair[0] else pair[0]])
        if i % 3 == 0:
            pics.append(back)
        sku = f"BSI-{sub[:3].upper()}-{i:02d}"
        variants = []
        if i == 1:  # the same calligraphy in two frame sizes
            variants = [variant(f"{sku}-S", "Ukuran", "40 x 60 cm", 950000, 2),
                        variant(f"{sku}-L", "Ukuran", "60 x 90 cm", 1750000, 1)]
        out.append(product(sku, name, desc, f"Kerajinan / {sub}", price, rng.randint(1, 5), "pcs", weight, dims,
                           pics, variants))
    return out


def write_kaligrafi(products: list[dict]) -> None:
    header = ["Kode Barang", "Nama Produk", "Keterangan", "Kategori", "Harga", "Stok", "Satuan", "Berat (gram)",
              "Panjang (cm)", "Lebar (cm)", "Tinggi (cm)", "Foto 1", "Foto 2", "Foto 3", "SKU Induk",
              "Nama Variasi", "Varian"]
    rows = []
    for r in rows_of(products):
        price = some_price(r["price"], ("rp", "rp_space", "dots", "plain", "rb", "jt", "dec"))
        weight = weight_text(r["weight"], rng.choice(("g", "gr", "kg", "kg")))
        photos = (r["images"] + ["", "", ""])[:3]
        rows.append([r["sku"], r["name"], r["desc"], r["cat"], price, r["stock"], r["unit"], weight, r["length"],
                     r["width"], r["height"], *photos, r["parent"], r["opt_name"], r["opt_value"]])
    write_csv(CATALOGS / "nusakambangan-kaligrafi.csv", header, rows, ",", bom=False)


# --- 6. Lapas Perempuan Kelas IIA Semarang: food and drink (JSON Lines) ------------------------------------

LPP = "Lapas Perempuan Kelas IIA Semarang"
COFFEE = [  # (sku, name, description start, picture, {pack: price})
    ("KOPI-ROB-BBK", "Kopi Robusta Bubuk Temanggung Sangrai Medium Kemasan Zipper",
     "Kopi robusta dari petani Temanggung, disangrai tingkat medium lalu digiling sedang; cocok untuk tubruk "
     "maupun kopi susu.", "bubuk", {"100 g": 15000, "250 g": 32000, "1 kg": 115000}),
    ("KOPI-ARB-BBK", "Kopi Arabika Bubuk Gunung Ungaran Sangrai Medium Dark",
     "Kopi arabika lereng Gunung Ungaran dengan rasa cokelat dan gula aren, digiling halus untuk saring "
     "maupun tubruk.", "bubuk", {"100 g": 25000, "250 g": 55000, "1 kg": 150000}),
    ("KOPI-ROB-BJI", "Biji Kopi Robusta Sangrai Utuh untuk Espresso dan Tubruk",
     "Biji kopi robusta utuh yang disangrai medium dark, digiling sendiri sesaat sebelum diseduh agar aroma "
     "tetap segar.", "biji", {"100 g": 17000, "250 g": 36000, "1 kg": 125000}),
    ("KOPI-ARB-BJI", "Biji Kopi Arabika Sangrai Utuh Gunung Sumbing Proses Natural",
     "Biji kopi arabika Gunung Sumbing proses natural dengan rasa buah yang manis, disangrai medium.", "biji",
     {"100 g": 28000, "250 g": 62000, "1 kg": 150000}),
    ("KOPI-TBK-RMP", "Kopi Tubruk Bubuk Campur Rempah Jahe dan Kayu Manis Khas Semarang",
     "Kopi robusta bubuk dicampur jahe, kapulaga dan kayu manis kering; diseduh seperti kopi tubruk biasa.",
     "bubuk", {"100 g": 12000, "250 g": 27000}),
]
PACK_GRAMS = {"100 g": 100, "250 g": 250, "1 kg": 1000}
FOOD = [  # (sku, name, sub, price, weight, unit, picture, kind, description)
    ("KOPI-SUSU-AREN", "Kopi Susu Gula Aren Instan Sachet Isi 10 x 25 gram", "Kopi", 20000, 270, "bungkus",
     "bubuk", "packed", "Kopi susu gula aren dalam sachet 25 gram, tinggal seduh dengan 150 ml air panas. "
     "Berat bersih 250 gram (10 sachet)."),
    ("KRP-TMP-ORI", "Keripik Tempe Sagu Renyah Rasa Original Kemasan 200 gram", "Camilan", 15000, 210,
     "bungkus", "keripik", "packed", "Tempe kedelai diiris tipis, dibalut tepung sagu berbumbu bawang putih dan "
     "ketumbar lalu digoreng kering. Berat bersih 200 gram dalam standing pouch berzipper."),
    ("KRP-TMP-PDS", "Keripik Tempe Pedas Daun Jeruk Kemasan Standing Pouch 200 gram", "Camilan", 16000, 210,
     "bungkus", "keripik", "packed", "Keripik tempe renyah dengan bumbu cabai kering dan daun jeruk purut. "
     "Berat bersih 200 gram, tanpa pengawet dan penyedap buatan."),
    ("KRP-TMP-BLD", "Keripik Tempe Balado Manis Pedas Kemasan 150 gram", "Camilan", 14000, 160, "bungkus",
     "keripik", "packed", "Keripik tempe dengan bumbu balado cabai merah dan gula kelapa. Berat bersih 150 gram."),
    ("KRPK-BWG", "Kerupuk Bawang Mentah Siap Goreng Kemasan 500 gram", "Camilan", 18000, 510, "bungkus",
     "kerupuk", "packed", "Kerupuk bawang mentah dari tepung tapioka dan bawang putih asli, dijemur hingga "
     "kering. Goreng dalam minyak panas sedang. Berat bersih 500 gram."),
    ("KRPK-UDG", "Kerupuk Udang Mentah Khas Pesisir Utara Jawa Kemasan 250 gram", "Camilan", 22000, 260,
     "bungkus", "kerupuk", "packed", "Kerupuk udang mentah dengan kandungan udang segar yang terasa. Berat "
     "bersih 250 gram, simpan di tempat kering."),
    ("KRPK-RMBK", "Kerupuk Rambak Kulit Sapi Matang Gurih Kemasan 100 gram", "Camilan", 20000, 110, "bungkus",
     "kerupuk", "packed", "Rambak dari kulit sapi yang direbus, dijemur dan digoreng dua kali hingga mekar. "
     "Berat bersih 100 gram, siap dimakan."),
    ("PYK-KCG", "Peyek Kacang Tanah Renyah dalam Toples Plastik 250 gram", "Camilan", 20000, 330, "pcs",
     "keripik", "packed", "Peyek kacang tanah dengan adonan tepung beras berbumbu kencur dan daun jeruk, tipis "
     "dan renyah. Berat bersih 250 gram dalam toples."),
    ("KRP-SGK", "Keripik Singkong Pedas Manis Kemasan Standing Pouch 250 gram", "Camilan", 12000, 260,
     "bungkus", "keripik", "packed", "Singkong pilihan diiris tipis, digoreng lalu dibalur gula merah dan cabai. "
     "Berat bersih 250 gram."),
    ("KRPK-TGR", "Kerupuk Ikan Tenggiri Mentah Oleh Oleh Semarang 250 gram", "Camilan", 25000, 260, "bungkus",
     "kerupuk", "packed", "Kerupuk dari daging ikan tenggiri dan tapioka, dipotong tipis dan dijemur. Berat "
     "bersih 250 gram."),
    ("JHM-AREN-250", "Minuman Serbuk Jahe Merah Instan Gula Aren Kemasan 250 gram", "Minuman", 25000, 260,
     "bungkus", "jahe", "packed", "Serbuk jahe merah asli dengan gula aren, tinggal seduh dengan air panas. "
     "Satu kemasan 250 gram untuk sekitar 12 gelas."),
    ("JHM-SRI-SCH", "Wedang Jahe Merah Serai Instan Sachet Isi 10 x 20 gram", "Minuman", 18000, 220,
     "bungkus", "jahe", "packed", "Minuman jahe merah dengan serai dan gula batu dalam sachet 20 gram. "
     "Berat bersih 200 gram (10 sachet)."),
    ("KNY-ASM-200", "Serbuk Minuman Kunyit Asam Instan Gula Kelapa 200 gram", "Minuman", 20000, 210, "bungkus",
     "jahe", "packed", "Serbuk kunyit dan asam jawa dengan gula kelapa, segar diminum dingin maupun hangat. "
     "Berat bersih 200 gram."),
    ("TMLW-200", "Serbuk Minuman Temulawak Instan Gula Aren Kemasan 200 gram", "Minuman", 20000, 210,
     "bungkus", "jahe", "packed", "Serbuk temulawak dengan gula aren, diseduh dengan air hangat. Berat bersih "
     "200 gram."),
    ("MDU-RND-250", "Madu Randu Murni Botol Plastik 250 ml Hasil Panen Peternak Pati", "Madu", 45000, 380,
     "pcs", "madu", "bpom", "Madu bunga randu dari peternak lebah di Pati, disaring tanpa dipanaskan. Isi 250 ml "
     "(sekitar 340 gram), dalam botol bertutup segel."),
    ("MDU-HTN-500", "Madu Hutan Asli Botol Kaca 500 gram dari Hutan Jawa Tengah", "Madu", 95000, 800, "pcs",
     "madu", "bpom", "Madu hutan dari lebah liar, rasanya sedikit asam dan warnanya gelap. Berat bersih 500 "
     "gram dalam botol kaca."),
    ("MDU-KLK-1KG", "Madu Kelengkeng Murni Botol Plastik Berat Bersih 1 kg", "Madu", 150000, 1100, "pcs", "madu",
     "bpom", "Madu bunga kelengkeng yang harum dan manis. Berat bersih 1 kg dalam botol plastik tebal."),
    ("SMB-BWG-150", "Sambal Bawang Pedas Botol Kaca 150 gram Tanpa Pengawet", "Bumbu", 22000, 320, "pcs",
     "keripik", "packed", "Sambal bawang dari cabai rawit, bawang putih dan minyak kelapa, dimasak hingga "
     "matang. Berat bersih 150 gram."),
    ("BMB-PCL-250", "Bumbu Pecel Kacang Tanah Siap Seduh Kemasan 250 gram", "Bumbu", 15000, 260, "bungkus",
     "keripik", "packed", "Bumbu pecel dari kacang tanah sangrai, cabai, gula jawa dan daun jeruk. Cukup "
     "diseduh air panas. Berat bersih 250 gram."),
    ("ROTI-SBK-CKL", "Roti Sobek Manis Isi Cokelat dan Keju Dipanggang Setiap Hari", "Roti & Kue", 18000,
     350, "pcs", "roti", "ready", "Roti sobek lembut isi cokelat dan keju, dipanggang setiap pagi di dapur "
     "roti lapas. Tahan tiga hari di suhu ruang; pengiriman hanya dalam kota Semarang."),
    ("ROTI-TWR-400", "Roti Tawar Kupas Lembut 400 gram Dipanggang Setiap Pagi", "Roti & Kue", 16000, 420,
     "pcs", "roti", "ready", "Roti tawar tanpa kulit yang empuk untuk sarapan dan bekal. Tahan tiga hari; "
     "dikirim di hari yang sama dengan pembuatan."),
    ("BOLU-PDN-20", "Bolu Pandan Kukus Lembut Loyang Bulat 20 cm Siap Saji", "Roti & Kue", 35000, 600, "pcs",
     "roti", "ready", "Bolu kukus dengan daun pandan asli dan santan, tanpa pewarna buatan. Habiskan dalam dua "
     "hari."),
    ("ROTI-KCH-6", "Roti Manis Isi Kacang Hijau Kemasan Isi Enam Buah", "Roti & Kue", 15000, 360, "bungkus",
     "roti", "ready", "Enam roti manis isi pasta kacang hijau, dipanggang setiap pagi. Tahan tiga hari di suhu "
     "ruang."),
    ("TART-CKL-20", "Kue Tart Ulang Tahun Cokelat Diameter 20 cm Pesan Tiga Hari Sebelumnya", "Roti & Kue",
     150000, 1200, "pcs", "kue", "order", "Kue tart cokelat dengan krim ganache dan tulisan ucapan sesuai "
     "pesanan. Dibuat setelah dipesan; mohon pesan paling lambat tiga hari sebelumnya."),
    ("LPS-LGT-20", "Lapis Legit Spekuk Premium Loyang 20 x 20 cm Dibuat Sesuai Pesanan", "Roti & Kue", 150000,
     1000, "pcs", "kue", "order", "Lapis legit dengan 18 lapis, mentega asli dan rempah spekuk. Dipanggang "
     "lapis demi lapis setelah pesanan masuk, siap dikirim lima hari kemudian."),
    ("NSTR-500", "Kue Nastar Nanas Premium Toples 500 gram Pesanan Hari Raya", "Roti & Kue", 95000, 750, "pcs",
     "kue", "order", "Nastar dengan selai nanas buatan sendiri dan mentega wisman. Dibuat sesuai pesanan "
     "dalam toples plastik 500 gram."),
    ("BRWN-PGG-20", "Brownies Panggang Fudgy Cokelat Loyang 20 cm Pre Order", "Roti & Kue", 65000, 700, "pcs",
     "kue", "order", "Brownies panggang padat dengan cokelat hitam dan kacang mede di atasnya. Dipanggang "
     "setelah dipesan."),
]


def pirt(kind: str) -> str:
    code = {"kopi": "09", "camilan": "14", "minuman": "12", "bumbu": "10"}.get(kind, "14")
    year = rng.randint(28, 30)  # the last two digits: the year the permit ends (valid at most five years)
    return f"{rng.choice('2345')}{code}3374{rng.randint(1, 20):02d}{rng.randint(1, 9999):04d}-{year}"


def halal() -> str:
    return f"ID33{rng.randint(10, 99)}0000{rng.randint(10 ** 8, 10 ** 9 - 1)}"


def expiry() -> date:
    """A best-before date in late 2027 or 2028: about a year of shelf life, as the packs are labelled."""
    return date(2027, rng.randint(9, 12), rng.choice((1, 10, 15, 20, 28))) if rng.random() < 0.5 else date(
        2028, rng.randint(1, 12), rng.choice((1, 10, 15, 20, 28)))


def kuliner() -> list[dict]:
    img = dict(zip(("bubuk", "biji", "keripik", "kerupuk", "jahe", "madu", "roti", "kue"), make_images(
        CATALOGS / "img" / "semarang", [
            ("kopi-bubuk", "krem", "kopi"), ("kopi-biji", "kopi", "coklat"), ("keripik-tempe", "krem", "kuning"),
            ("kerupuk", "putih", "kuning"), ("jahe-merah", "krem", "merah"), ("madu", "putih", "madu"),
            ("roti", "krem", "tan"), ("kue-pesanan", "putih", "coklat"),
        ]), strict=True))
    made = f"Diolah dan dikemas oleh WBP {LPP} yang telah mengikuti pelatihan keamanan pangan."
    out = []
    for sku, name, lead, pic, packs in COFFEE:
        listed = ", ".join(list(packs)[:-1]) + " dan " + list(packs)[-1]
        desc = f"{lead} Tersedia kemasan {listed} dengan zipper dan katup udara. {made}"
        variants = [variant(f"{sku}-{pack.replace(' ', '').upper()}", "Berat", pack, price, rng.randint(5, 40),
                            weight=PACK_GRAMS[pack] + (20 if pack != "1 kg" else 50)) for pack, price in packs.items()]
        out.append(product(sku, name, desc, "Kuliner / Kopi", min(packs.values()), 0, "bungkus",
                           variants[0]["weight"], (12, 6, 20), [img[pic], img["biji" if pic == "bubuk" else "bubuk"]],
                           variants, permit=pirt("kopi"), halal=halal(), expiry=expiry()))
    for n, (sku, name, sub, price, weight, unit, pic, kind, desc) in enumerate(FOOD):
        extra: dict = {}
        if kind == "ready":
            extra.update(ready=True, halal=halal() if n % 2 else None)
        elif kind == "order":
            extra.update(preorder=True, halal=halal() if n % 2 else None)
        else:
            extra.update(permit=f"MD {rng.randint(2, 8)}{rng.randint(10 ** 10, 10 ** 11 - 1)}" if kind == "bpom"
                         else pirt(sub.lower()), halal=halal() if n % 5 else None, expiry=expiry())
        full = desc.rstrip(".") + ". " + (made if kind in ("packed", "bpom") else
                                        f"Dibuat oleh WBP {LPP} di dapur produksi lapas.")
        out.append(product(f"LPP-{sku}", name, full, rng.choice(("Kuliner / ", "Kuliner > ")) + sub, price,
                           rng.randint(5, 60) if kind != "order" else 10, unit, weight, None,
                           [img[pic]], **extra))
    for p in out:
        for v in p["variants"]:
            v["sku"] = f"LPP-{v['sku']}"
        if p["variants"]:
            p["sku"] = f"LPP-{p['sku']}"
    return out


def write_kuliner(products: list[dict]) -> None:
    lines = []
    for r in rows_of(products):
        rec = {"SKU": r["sku"]}
        if r["parent"]:
            rec["SKU Induk"] = r["parent"]
        rec.update({"Nama Produk": r["name"], "Deskripsi": r["desc"], "Kategori": r["cat"],
                    "Harga": rng.choice((r["price"], some_price(r["price"], ("rp", "rp_space", "rb", "dots")))),
                    "Stok": r["stock"], "Satuan": r["unit"],
                    "Berat (gram)": rng.choice((r["weight"], weight_text(r["weight"], rng.choice(("gr", "kg")))))})
        if r["parent"]:
            rec.update({"Nama Variasi": r["opt_name"], "Varian": r["opt_value"]})
        rec["Foto"] = ";".join(r["images"])
        same = random.Random(r["parent"] or r["sku"])  # choices one product's rows share
        if r["permit"]:
            prefixed = same.random() < 0.25 and not r["permit"].startswith("MD")
            rec["Izin Edar"] = f"P-IRT {r['permit']}" if prefixed else r["permit"]
        if r["halal"]:
            rec["Halal"] = r["halal"]
        if r["expiry"]:
            rec["Kedaluwarsa"] = date_text(r["expiry"], same.choice(("dmy", "named", "iso")))
        if r["ready"]:
            rec["Siap Saji"] = "ya"
        if r["preorder"]:
            rec["Pre Order"] = "ya"
        if not (r["ready"] or r["preorder"]) and same.random() < 0.3:
            rec["Siap Saji"] = "tidak"
        lines.append(json.dumps(rec, ensure_ascii=False))
    (CATALOGS / "kuliner.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- 7. LPKA Kelas I Tangerang: woven goods and souvenirs (SQLite) -----------------------------------------

LPKA = "LPKA Kelas I Tangerang"
LPKA_ITEMS = [  # (name, sub, price, weight, dims, picture, colours)
    ("Tas Anyaman Pandan Wanita Model Tote dengan Tali Kulit Sintetis", "Anyaman", 125000, 450, (38, 12, 30),
     "tas", ()),
    ("Keranjang Anyaman Bambu Serbaguna Ukuran Sedang Diameter 30 cm", "Anyaman", 65000, 500, (30, 30, 20),
     "keranjang", ()),
    ("Tatakan Gelas Anyaman Eceng Gondok Bulat Isi Enam Buah", "Anyaman", 45000, 200, (11, 11, 6), "tatakan",
     ()),
    ("Tempat Tisu Anyaman Rotan Sintetis Persegi Panjang Warna Coklat", "Anyaman", 55000, 300, (26, 14, 10),
     "keranjang", ()),
    ("Keranjang Parsel Anyaman Rotan Oval dengan Pegangan Tinggi", "Anyaman", 85000, 600, (40, 28, 35),
     "keranjang", ()),
    ("Tudung Saji Anyaman Bambu Diameter 50 cm Motif Kotak Kotak", "Anyaman", 70000, 550, (50, 50, 20),
     "keranjang", ()),
    ("Tas Selempang Kecil Anyaman Tali Kur Buatan Tangan", "Anyaman", 95000, 250, (22, 6, 18), "tas",
     ("Hitam", "Coklat", "Krem")),
    ("Alas Piring Anyaman Pandan Persegi Isi Empat Warna Natural", "Anyaman", 60000, 400, (40, 30, 2),
     "tatakan", ()),
    ("Miniatur Kapal Pinisi Kayu Panjang 40 cm dengan Layar Kain", "Dekorasi", 175000, 800, (40, 12, 35),
     "suvenir", ()),
    ("Gantungan Kunci Miniatur Kapal Kayu Isi Sepuluh untuk Suvenir", "Dekorasi", 50000, 150, (15, 10, 3),
     "suvenir", ()),
    ("Hiasan Dinding Miniatur Rumah Adat Betawi dari Stik Es Krim", "Dekorasi", 120000, 400, (30, 25, 6),
     "suvenir", ()),
    ("Bingkai Foto Kayu Hias Tempelan Kerang Ukuran 4R Suvenir", "Dekorasi", 40000, 250, (20, 15, 2),
     "suvenir", ()),
    ("Vas Bunga Hias dari Kertas Koran Daur Ulang Tinggi 30 cm", "Dekorasi", 55000, 300, (12, 12, 30),
     "tatakan", ()),
    ("Miniatur Ondel Ondel Sepasang Tinggi 25 cm dari Kain Perca", "Dekorasi", 150000, 500, (20, 12, 25),
     "suvenir", ()),
]
LPKA_MAKERS = {1: "Andi", 4: "Rizky", 9: "Bagas", 13: "Dimas"}  # the connector must drop these: never name a child


def tangerang() -> list[dict]:
    img = dict(zip(("tas", "keranjang", "tatakan", "suvenir"), make_images(CATALOGS / "img" / "tangerang", [
        ("tas-anyaman", "pandan", "bambu"), ("keranjang-bambu", "bambu", "kayu"),
        ("tatakan-anyaman", "pandan", "krem"), ("suvenir-kayu", "krem", "kayu"),
    ]), strict=True))
    out = []
    for i, (name, sub, price, weight, dims, pic, colours) in enumerate(LPKA_ITEMS, 1):
        what = ("Dianyam tangan helai demi helai, rapi dan kuat untuk dipakai sehari-hari." if sub == "Anyaman"
                else "Dirakit dan dicat tangan, cocok sebagai hiasan rumah atau cendera mata.")
        desc = (f"{what} Ukuran {dims[0]} x {dims[1]} x {dims[2]} cm. Karya anak binaan {LPKA} dalam kegiatan "
                f"pelatihan keterampilan.")
        sku = f"LPKA-{sub[:3].upper()}-{i:02d}"
        variants = [variant(f"{sku}-{COLOUR_CODE[c]}", "Warna", c, price, rng.randint(1, 6)) for c in colours]
        out.append(product(sku, name, desc, f"Kerajinan / {sub}", price, rng.randint(2, 20), "pcs", weight, dims,
                           [img[pic]] + ([img["tatakan"]] if pic == "tas" else []), variants,
                           maker=LPKA_MAKERS.get(i), consent=True if i in LPKA_MAKERS else None))
    return out


def write_tangerang(products: list[dict]) -> None:
    path = CATALOGS / "tangerang.sqlite"
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute("""CREATE TABLE produk (
        "SKU" TEXT NOT NULL, "SKU Induk" TEXT, "Nama Produk" TEXT NOT NULL, "Deskripsi" TEXT,
        "Kategori" TEXT, "Harga" INTEGER, "Stok" INTEGER, "Satuan" TEXT, "Berat (gram)" INTEGER,
        "Panjang (cm)" INTEGER, "Lebar (cm)" INTEGER, "Tinggi (cm)" INTEGER, "Foto" TEXT,
        "Nama Variasi" TEXT, "Varian" TEXT, "Pembuat" TEXT, "Izin Pembuat" TEXT)""")
    for r in rows_of(products):
        con.execute("INSERT INTO produk VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (
            r["sku"], r["parent"], r["name"], r["desc"], r["cat"], r["price"], r["stock"], r["unit"],
            r["weight"], r["length"], r["width"], r["height"], ";".join(r["images"]), r["opt_name"],
            r["opt_value"], r["maker"], None if r["consent"] is None else ya(r["consent"])))
    con.commit()
    con.close()


# --- 8. rejects: one typical mistake per row (CSV, ";") -----------------------------------------------------

REJECT_HEADER = ["SKU", "Nama Produk", "Deskripsi", "Kategori", "Harga", "Stok", "Satuan", "Berat (gram)",
                 "Foto", "Izin Edar", "Halal", "Kedaluwarsa", "Siap Saji"]


def rejects() -> list[tuple[dict, str, str]]:
    """The rows of toko-contoh.csv: (row, the mistake it shows, the reason `validate` gives); '' for a good row."""
    pics = make_images(REJECTS / "img", [(f"foto-{n:02d}", base, accent) for n, (base, accent) in enumerate(
        (("krem", "coklat"), ("putih", "hitam"), ("krem", "kuning"), ("putih", "merah"), ("krem", "biru"),
         ("putih", "hijau"), ("krem", "marun"), ("putih", "tan"), ("krem", "indigo"), ("putih", "emas")), 1)])
    pics = [p.replace("img/img/", "img/") for p in pics]
    made = "Karya WBP Rutan Kelas IIB Contoh."

    def craft(n: int, **change) -> dict:
        row = {"SKU": f"DMP-{n:02d}", "Nama Produk": f"Dompet Kulit Sapi Asli Pria Lipat Dua Model {n:02d}",
               "Deskripsi": f"Dompet kulit sapi asli ukuran 11 x 9 cm dengan enam slot kartu. {made}",
               "Kategori": "Fashion / Dompet", "Harga": "Rp85.000", "Stok": "12", "Satuan": "pcs",
               "Berat (gram)": "120 gr", "Foto": pics[n % 10], "Izin Edar": "", "Halal": "", "Kedaluwarsa": "",
               "Siap Saji": ""}
        row.update(change)
        return row

    def food(n: int, **change) -> dict:
        row = {"SKU": f"KRP-{n:02d}", "Nama Produk": f"Keripik Tempe Sagu Renyah Rasa Original 200 gram Nomor {n:02d}",
               "Deskripsi": f"Keripik tempe renyah dengan bumbu bawang putih, berat bersih 200 gram. {made}",
               "Kategori": "Kuliner / Camilan", "Harga": "Rp15.000", "Stok": "40", "Satuan": "bungkus",
               "Berat (gram)": "210", "Foto": pics[n % 10], "Izin Edar": "2143374010123-29",
               "Halal": "ID33110000412891122", "Kedaluwarsa": "31/12/2027", "Siap Saji": "tidak"}
        row.update(change)
        return row

    return [
        (craft(1), "", ""),
        (craft(2, Harga="gratis"), "price `gratis`: not a number", "price_format"),
        (craft(3, Harga="Rp -"), "price `Rp -`: no amount", "price_blank"),
        (craft(4, Harga="1.50"), "price `1.50`: ambiguous (a dot groups three digits in rupiah)", "price_ambiguous"),
        (craft(5, Harga="50"), "price `50`: below the Rp100 minimum", "price_range"),
        (craft(6, Stok="-3"), "stock `-3`: negative", "int_negative"),
        (craft(7, Stok="2,5"), "stock `2,5`: not a whole number", "int_not_whole"),
        (craft(8, **{"Berat (gram)": "0"}), "weight `0`", "weight_zero"),
        (craft(9, **{"Berat (gram)": ""}), "weight blank", "value_missing"),
        (craft(10, SKU=""), "SKU blank", "value_missing"),
        (craft(11, SKU="DMP 01"), "SKU `DMP 01` contains a space", "sku_spaces"),
        (craft(12, SKU="DMP-DUPLIKAT"), "SKU `DMP-DUPLIKAT` on two rows (13 and 14): both refused", "sku_duplicate"),
        (craft(13, SKU="DMP-DUPLIKAT"), "SKU `DMP-DUPLIKAT` on two rows (13 and 14): both refused", "sku_duplicate"),
        (craft(14, **{"Nama Produk": "Tas"}), "name `Tas` too short", "name_length"),
        (craft(15, Kategori="Elektronik"), "category `Elektronik` is not in the taxonomy", "category_unknown"),
        (craft(16, Foto="../../rahasia.png"), "image `../../rahasia.png` points outside the catalog's folder",
         "image_outside_folder"),
        (craft(17, Foto="http://contoh.id/a.png"), "image `http://contoh.id/a.png`: not https", "image_not_https"),
        (craft(18, Foto="img/foto-hilang.png"), "image `img/foto-hilang.png` does not exist", "image_missing"),
        (craft(19, Foto=";".join(pics)), "10 images in one cell (at most 9)", "images_too_many"),
        (food(20, **{"Izin Edar": ""}), "culinary product with no food permit and not Siap Saji / Pre Order",
         "food_permit_missing"),
        (food(21, **{"Izin Edar": "2143374010456-23"}), "P-IRT `2143374010456-23` expired in 2023",
         "food_permit_expired"),
        (food(22, Kedaluwarsa="31/12/2024"), "Kedaluwarsa `31/12/2024` is past", "expired"),
        (food(23, **{"Izin Edar": "2143374012"}), "P-IRT `2143374012` has 10 digits, not 15", "food_permit_format"),
        (food(24), "", ""),
    ]


def write_rejects(rows: list[tuple[dict, str, str]]) -> None:
    write_csv(REJECTS / "toko-contoh.csv", REJECT_HEADER, [[r[h] for h in REJECT_HEADER] for r, _, _ in rows],
              ";", bom=False)
    lines = [
        "# Rejected rows: typical mistakes",
        "",
        "`toko-contoh.csv` is a made-up catalog (`;` separated, header on row 1, images in `img/`) in which every",
        "row has exactly one typical mistake and is otherwise valid, plus two good rows (2 and 25). The connector",
        "must refuse each bad row with a reason staff can act on, and read the good rows.",
        "",
        "```sh",
        "pasindo --config examples/rejects/pasindo.yaml validate --lang id",
        "```",
        "",
        "Generated by `examples/make_examples.py`; do not edit by hand.",
        "",
        "| row | mistake | reason `validate` gives |",
        "|---:|---|---|",
    ]
    for number, (_, mistake, reason) in enumerate(rows, 2):
        lines.append(f"| {number} | {mistake or 'none: a good row'} | {f'`{reason}`' if reason else 'read'} |")
    (REJECTS / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (REJECTS / "pasindo.yaml").write_text(
        "# Reads only the reject samples: `pasindo --config examples/rejects/pasindo.yaml validate`.\n"
        "state_dir: ../../var/rejects\n"
        "institutions:\n"
        "  - code: rutan-contoh\n"
        "    name: Rutan Kelas IIB Contoh\n"
        "    type: rutan\n"
        "    class: IIB\n"
        "    province: Jawa Tengah\n"
        "    catalog: {path: toko-contoh.csv, mapping: standard}\n"
        "    sku_prefix: RTCTH\n", encoding="utf-8")


# --- checks: re-read every file written above, independently of the generator ----------------------------

SUBCATEGORIES = {
    "Kerajinan": {"Cukli", "Kaligrafi", "Lukisan", "Ukiran", "Anyaman", "Dekorasi", "Perabot",
                  "Peralatan Rumah Tangga"},
    "Kuliner": {"Kopi", "Camilan", "Roti & Kue", "Minuman", "Madu", "Bumbu"},
    "Fashion": {"Tas", "Dompet", "Sepatu", "Sandal", "Batik", "Pakaian", "Aksesoris"},
}
SUBCATEGORIES["Busana"] = SUBCATEGORIES["Fashion"]
ALIASES = {"Kode Barang": "SKU", "Nama Barang": "Nama Produk", "Keterangan": "Deskripsi", "Harga Jual": "Harga"}
MINIMUM = {"mojokerto.xlsx": 40, "cikarang.csv": 30, "mataram.json": 25, "nusakambangan-batik.xlsx": 30,
           "nusakambangan-kaligrafi.csv": 20, "kuliner.jsonl": 30, "tangerang.sqlite": 12}
_PRICE_TEXT = re.compile(
    r"(?:Rp\.? ?)?([1-9][0-9]{0,2}(?:\.[0-9]{3})*)(,00)?|([0-9]+)|([0-9]+)rb|([0-9]+)(?:,([0-9]))?jt")
_PIRT = re.compile(r"(?:P-IRT )?[0-9]{13}-(2[7-9]|30)")
_BPOM = re.compile(r"MD [0-9]{12}")
_HALAL = re.compile(r"ID[0-9]{17}")


def read_back(path: Path) -> list[tuple[int, dict]]:
    """(row number as the file shows it, {standard header: value}) for every data row."""
    rows: list[tuple[int, dict]] = []
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook
        wb = load_workbook(path, read_only=True)
        ws = wb["Produk"] if "Produk" in wb.sheetnames else wb.worksheets[0]
        values = list(ws.iter_rows(values_only=True))
        at = next(i for i, r in enumerate(values) if r and ("Nama Produk" in r or "Nama Barang" in r))
        header = values[at]
        rows = [(at + 2 + n, dict(zip(header, r, strict=True))) for n, r in enumerate(values[at + 1:])]
        wb.close()
    elif path.suffix == ".csv":
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
        delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        rows = [(n, dict(zip(records[0], r, strict=True))) for n, r in enumerate(records[1:], 2)]
    elif path.suffix == ".json":
        rows = list(enumerate(json.loads(path.read_text(encoding="utf-8")), 1))
    elif path.suffix == ".jsonl":
        rows = [(n, json.loads(line)) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)]
    elif path.suffix == ".sqlite":
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        cur = con.execute("SELECT * FROM produk")
        names = [d[0] for d in cur.description]
        rows = [(n, dict(zip(names, r, strict=True))) for n, r in enumerate(cur, 1)]
        con.close()
    out = []
    for n, row in rows:
        row = {ALIASES.get(k, k): (None if v == "" else v) for k, v in row.items()}
        out.append((n, row))
    return out


def price_value(v) -> int:
    if isinstance(v, int):
        return v
    m = _PRICE_TEXT.fullmatch(v)
    assert m, f"price {v!r} not in a staff format"
    if m.group(1):
        return int(m.group(1).replace(".", ""))
    if m.group(3):
        return int(m.group(3))
    if m.group(4):
        return int(m.group(4)) * 1000
    return int(m.group(5)) * 1_000_000 + int(m.group(6) or 0) * 100_000


def weight_value(v) -> int:
    if isinstance(v, int):
        return v
    m = re.fullmatch(r"([0-9]+)(?: gr)?|([0-9]+(?:,[0-9]+)?) kg", v)
    assert m, f"weight {v!r}"
    return int(m.group(1)) if m.group(1) else round(float(m.group(2).replace(",", ".")) * 1000)


def date_value(v) -> date:
    if m := re.fullmatch(r"([0-9]{2})/([0-9]{2})/([0-9]{4})", v):
        return date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.fullmatch(r"([0-9]{1,2}) ([A-Za-z]{3}) ([0-9]{4})", v):
        return date(int(m[3]), BULAN.index(m[2]) + 1, int(m[1]))
    return date.fromisoformat(v)


def check_file(path: Path) -> tuple[int, int]:
    """Assert every rule of a valid catalog; return (products, variant rows)."""
    rows = read_back(path)
    skus = [r["SKU"] for _, r in rows]
    assert len(skus) == len(set(skus)), f"{path.name}: duplicate SKU"
    parents: dict[str, list[int]] = {}
    products = 0
    for n, r in rows:
        where = f"{path.name} row {n}"
        sku = str(r["SKU"])
        assert 1 <= len(sku) <= 50 and not re.search(r"\s", sku), f"{where}: SKU {sku!r}"
        assert 25 <= len(r["Nama Produk"]) <= 100, f"{where}: name length {len(r['Nama Produk'])}"
        sentences = [x for x in re.split(r"(?<=[.!?])\s+", r["Deskripsi"]) if x]
        assert 2 <= len(sentences) <= 4, f"{where}: {len(sentences)} sentences"
        assert 100 <= price_value(r["Harga"]) <= 150_000_000, f"{where}: price {r['Harga']!r}"
        stock = r["Stok"]
        assert isinstance(stock, int) and stock >= 0 or re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})*", stock), where
        assert weight_value(r["Berat (gram)"]) > 0, where
        for dim in ("Panjang (cm)", "Lebar (cm)", "Tinggi (cm)"):
            assert r.get(dim) is None or int(r[dim]) > 0, where
        top, sep, sub = re.split(r"( / | > )", r["Kategori"])
        assert sub in SUBCATEGORIES[top], f"{where}: category {r['Kategori']!r}"
        images = ([x.strip() for x in r["Foto"].split(";")] if r.get("Foto") else
                  [r[k] for k in ("Foto 1", "Foto 2", "Foto 3") if r.get(k)])
        assert 1 <= len(images) <= 5, where
        for image in images:
            assert re.fullmatch(r"img/[a-z]+/[a-z0-9-]+\.png", image), f"{where}: image {image!r}"
            assert (path.parent / image).is_file(), f"{where}: no file {image}"
            data = (path.parent / image).read_bytes()
            assert data.startswith(b"\x89PNG\r\n\x1a\n") and 1024 <= len(data) <= 4096, f"{where}: {image}"
        if top == "Kuliner":
            exempt = "ya" in (r.get("Siap Saji"), r.get("Pre Order"))
            permit = r.get("Izin Edar")
            assert exempt or (permit and (_PIRT.fullmatch(permit) or _BPOM.fullmatch(permit))), f"{where}: permit"
            assert not r.get("Kedaluwarsa") or date_value(r["Kedaluwarsa"]).year >= 2027, where
            assert exempt or r.get("Kedaluwarsa"), f"{where}: no Kedaluwarsa"
            assert not r.get("Halal") or _HALAL.fullmatch(r["Halal"]), where
        if r.get("Pembuat"):
            assert r.get("Izin Pembuat") in ("ya", "tidak"), where
        parent = r.get("SKU Induk")
        if parent:
            assert parent not in skus, f"{where}: SKU Induk {parent} used as a SKU"
            assert r.get("Nama Variasi") and r.get("Varian"), where
            parents.setdefault(parent, []).append(n)
        else:
            products += 1
    for parent, numbers in parents.items():
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), f"{path.name}: {parent} not adjacent"
        group = [r for n, r in rows if r.get("SKU Induk") == parent]
        for key in ("Nama Produk", "Deskripsi", "Kategori"):
            assert len({g[key] for g in group}) == 1, f"{path.name}: {parent} {key} differs"
        if group[0]["Nama Variasi"] != "Berat":  # coffee packs weigh what the pack says
            assert len({weight_value(g["Berat (gram)"]) for g in group}) == 1, f"{path.name}: {parent} weight"
        assert len({(g["Nama Variasi"], g["Varian"]) for g in group}) == len(group), f"{parent}: repeated option"
    return products + len(parents), sum(len(v) for v in parents.values())


def check_all() -> None:
    total = 0
    for name, minimum in MINIMUM.items():
        products, variant_rows = check_file(CATALOGS / name)
        assert products >= minimum, f"{name}: {products} products, want {minimum}"
        total += products
        print(f"checked {name:28} {products:3} products {variant_rows:3} variant rows")
    assert total >= 190, total
    rows = read_back(REJECTS / "toko-contoh.csv")
    assert len(rows) == 24 and rows[0][0] == 2
    for image in (REJECTS / "img").iterdir():
        assert image.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    images = list(CATALOGS.glob("img/*/*.png"))
    size = sum(f.stat().st_size for f in HERE.rglob("*") if f.is_file())
    assert size < 1_500_000, size
    print(f"checked {total} products in all, {len(images)} catalog images, examples/ is {size / 1024:.0f} KB")


def main() -> None:
    for folder in (CATALOGS, REJECTS):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    made = {}
    for label, build, write in (
        ("mojokerto.xlsx", mojokerto, write_mojokerto),
        ("cikarang.csv", cikarang, write_cikarang),
        ("mataram.json", mataram, write_mataram),
        ("nusakambangan-batik.xlsx", batik, write_batik),
        ("nusakambangan-kaligrafi.csv", kaligrafi, write_kaligrafi),
        ("kuliner.jsonl", kuliner, write_kuliner),
        ("tangerang.sqlite", tangerang, write_tangerang),
    ):
        made[label] = build()
        write(made[label])
    write_rejects(rejects())
    for label, items in made.items():
        print(f"{label:30} {len(items):3} products {sum(len(p['variants']) for p in items):3} variant rows")
    check_all()


if __name__ == "__main__":
    main()
