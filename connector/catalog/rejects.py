"""Refused catalog rows: what was wrong, where, and what would be accepted — in English and Bahasa Indonesia."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connector.catalog import parsers
from connector.schema import IMAGES_MAX, NAME_MAX, NAME_MIN, PRICE_MAX, PRICE_MIN, SKU_MAX, VARIANTS_MAX

VALUE_SHOWN_MAX = 120

# reason -> (English, Bahasa Indonesia). Templates take {value} and the reject's params.
MESSAGES: dict[str, tuple[str, str]] = {
    "catalog_unreadable": (
        "the catalog cannot be read: {detail}",
        "katalog tidak dapat dibaca: {detail}",
    ),
    "column_missing": (
        "no column for {field}; name a column one of: {accepted}",
        "tidak ada kolom untuk {field}; beri nama kolom salah satu dari: {accepted}",
    ),
    "column_ambiguous": (
        "columns {columns} all hold {field}; keep one and rename or remove the others",
        "kolom {columns} sama-sama berisi {field}; sisakan satu, ganti nama atau hapus yang lain",
    ),
    "header_rows_unclear": (
        "column {letter}: the two header rows ({rows}) name different fields in it ({fields}), so the catalog is not "
        "read; put each column's name in one row",
        "kolom {letter}: dua baris judul ({rows}) menyebut isian berbeda untuk kolom ini ({fields}), jadi katalog "
        "tidak dibaca; tulis nama setiap kolom dalam satu baris",
    ),
    "column_unknown": (
        "column {letter} '{header}' matches no field, so it is not read; rename it if PASINDO should read it",
        "kolom {letter} '{header}' tidak dikenali, jadi tidak dibaca; ganti namanya bila PASINDO perlu membacanya",
    ),
    "column_unknown_close": (
        "column {letter} '{header}' matches no field, so it is not read; did you mean '{close}'?",
        "kolom {letter} '{header}' tidak dikenali, jadi tidak dibaca; mungkin maksudnya '{close}'?",
    ),
    "field_unknown": (
        "field '{header}' matches no field, so it is not read; rename it if PASINDO should read it",
        "isian '{header}' tidak dikenali, jadi tidak dibaca; ganti namanya bila PASINDO perlu membacanya",
    ),
    "field_unknown_close": (
        "field '{header}' matches no field, so it is not read; did you mean '{close}'?",
        "isian '{header}' tidak dikenali, jadi tidak dibaca; mungkin maksudnya '{close}'?",
    ),
    "catalog_empty_file": (
        "the file is empty (0 bytes): no products were read; a sync's mass-delist guard holds back delisting its "
        "products unless forced",
        "file kosong (0 byte): tidak ada produk yang dibaca; penjaga sinkronisasi menahan penurunan produknya "
        "kecuali dipaksa (--force)",
    ),
    "catalog_no_rows": (
        "the catalog has no rows (an empty sheet, or only blank lines): no products were read; a sync's "
        "mass-delist guard holds back delisting its products unless forced",
        "katalog tidak berisi baris (lembar kosong, atau hanya baris kosong): tidak ada produk yang dibaca; "
        "penjaga sinkronisasi menahan penurunan produknya kecuali dipaksa (--force)",
    ),
    "catalog_no_records": (
        "the catalog holds no records (an empty list, or a table or query with no rows): no products were read; "
        "a sync's mass-delist guard holds back delisting its products unless forced",
        "katalog tidak berisi data (daftar kosong, atau tabel atau query tanpa baris): tidak ada produk yang "
        "dibaca; penjaga sinkronisasi menahan penurunan produknya kecuali dipaksa (--force)",
    ),
    "catalog_header_only": (
        "the catalog has only its header (row {rows}) and no product rows below it: no products were read; a "
        "sync's mass-delist guard holds back delisting its products unless forced",
        "katalog hanya berisi judul kolom (baris {rows}) tanpa baris produk di bawahnya: tidak ada produk yang "
        "dibaca; penjaga sinkronisasi menahan penurunan produknya kecuali dipaksa (--force)",
    ),
    "catalog_title_only": (
        "the catalog has only title rows (row {rows}), no header and no products: no products were read; a "
        "sync's mass-delist guard holds back delisting its products unless forced",
        "katalog hanya berisi baris judul (baris {rows}), tanpa judul kolom dan tanpa produk: tidak ada produk yang "
        "dibaca; penjaga sinkronisasi menahan penurunan produknya kecuali dipaksa (--force)",
    ),
    "row_invalid": (
        "this record cannot be read: {detail}",
        "baris ini tidak dapat dibaca: {detail}",
    ),
    "cell_nested": (
        "{value} is a list or an object, not a single value; write plain text or a number",
        "{value} berupa daftar atau objek, bukan satu nilai; tulis teks biasa atau angka",
    ),
    "value_missing": (
        "{field} is empty; every product needs one",
        "{field} kosong; setiap produk wajib diisi",
    ),
    "sku_too_long": (
        f"SKU '{{value}}' is longer than {SKU_MAX} characters; shorten it",
        f"SKU '{{value}}' lebih dari {SKU_MAX} karakter; persingkat",
    ),
    "sku_not_text": (
        "SKU '{value}' is not a code (an empty, yes/no, not-a-number or binary cell); type the product's code, "
        "e.g. DMP-01",
        "SKU '{value}' bukan kode (sel kosong, ya/tidak, bukan angka atau biner); ketik kode produk, mis. DMP-01",
    ),
    "sku_not_ascii": (
        "SKU '{value}' has letters outside A-Z (accents or look-alike letters); use letters A-Z, digits and dashes, "
        "e.g. DMP-01",
        "SKU '{value}' memuat huruf di luar A-Z (aksen atau huruf mirip); gunakan huruf A-Z, angka dan tanda hubung, "
        "mis. DMP-01",
    ),
    "sku_spaces": (
        "SKU '{value}' contains spaces or invisible characters; use letters, digits and dashes, e.g. DMP-01",
        "SKU '{value}' mengandung spasi atau karakter tak terlihat; gunakan huruf, angka dan tanda hubung, mis. DMP-01",
    ),
    "sku_duplicate": (
        "SKU '{value}' is used on rows {rows}; each SKU must be unique, so none of them is listed",
        "SKU '{value}' dipakai di baris {rows}; SKU harus unik, jadi tidak ada yang ditayangkan",
    ),
    "name_length": (
        f"the name has {{length}} characters; write {NAME_MIN} to {NAME_MAX}",
        f"nama produk {{length}} karakter; tulis {NAME_MIN} sampai {NAME_MAX} karakter",
    ),
    "price_range": (
        f"price {{value}} is out of range; a price is Rp{PRICE_MIN:,} to Rp{PRICE_MAX:,}".replace(",", "."),
        f"harga {{value}} di luar batas; harga antara Rp{PRICE_MIN:,} dan Rp{PRICE_MAX:,}".replace(",", "."),
    ),
    "category_unknown": (
        "category '{value}' is unknown; write one of: {accepted}",
        "kategori '{value}' tidak dikenal; tulis salah satu dari: {accepted}",
    ),
    "category_sub_unknown": (
        "category '{value}': PASINDO has no subcategory '{sub}' under {top}, so the product is listed as {top} "
        "({top_code}); to keep it apart, write one of {accepted}, or add '{sub}' under {top_code} in "
        "mappings/taxonomy.yaml next to the config",
        "kategori '{value}': PASINDO tidak punya subkategori '{sub}' di bawah {top}, jadi produk ditayangkan "
        "sebagai {top} ({top_code}); agar terpisah, tulis salah satu dari {accepted}, atau tambahkan '{sub}' di "
        "bawah {top_code} pada mappings/taxonomy.yaml di samping config",
    ),
    "images_too_many": (
        f"{{count}} images given; at most {IMAGES_MAX} per product",
        f"{{count}} foto; paling banyak {IMAGES_MAX} foto per produk",
    ),
    "image_not_https": (
        "image '{value}' is not an https:// address; use https or a file in the catalog's folder",
        "foto '{value}' bukan alamat https://; gunakan https atau file di folder katalog",
    ),
    "image_outside_folder": (
        "image '{value}' is outside the catalog's folder; put the file in that folder or below it",
        "foto '{value}' berada di luar folder katalog; simpan file di folder itu atau di bawahnya",
    ),
    "image_missing": (
        "image file '{value}' does not exist in the catalog's folder",
        "file foto '{value}' tidak ada di folder katalog",
    ),
    "image_format": (
        "image '{value}' is not a JPG or PNG file; save it as .jpg or .png",
        "foto '{value}' bukan file JPG atau PNG; simpan sebagai .jpg atau .png",
    ),
    "food_permit_missing": (
        "culinary products need a P-IRT or BPOM (MD/ML) number, unless marked Siap Saji or Pre Order",
        "produk kuliner wajib punya nomor P-IRT atau BPOM (MD/ML), kecuali ditandai Siap Saji atau Pre Order",
    ),
    "food_permit_format": (
        "'{value}' is not a permit number; P-IRT has 15 digits (1234567890123-45), BPOM is MD or ML "
        "followed by 12 or 15 digits",
        "'{value}' bukan nomor izin edar; P-IRT 15 angka (1234567890123-45), BPOM diawali MD atau ML "
        "lalu 12 atau 15 angka",
    ),
    "food_permit_expired": (
        "P-IRT '{value}' expired in {year}; renew it and write the new number",
        "P-IRT '{value}' habis berlaku tahun {year}; perpanjang dan tulis nomor yang baru",
    ),
    "food_permit_implausible": (
        "P-IRT '{value}' would be valid until {year}; a P-IRT is valid at most 5 years — check the number",
        "P-IRT '{value}' berlaku sampai {year}; P-IRT berlaku paling lama 5 tahun — periksa nomornya",
    ),
    "expired": (
        "the expiry date {value} has passed; update it or remove the product",
        "tanggal kedaluwarsa {value} sudah lewat; perbarui atau hapus produk",
    ),
    "variant_options_missing": (
        "a variant row needs Nama Variasi and Varian (e.g. Ukuran / 42)",
        "baris varian wajib mengisi Nama Variasi dan Varian (mis. Ukuran / 42)",
    ),
    "variant_duplicate": (
        "variant {value} appears twice in product {parent} (rows {rows})",
        "varian {value} muncul dua kali pada produk {parent} (baris {rows})",
    ),
    "variants_too_many": (
        f"product {{value}} has {{count}} variants; at most {VARIANTS_MAX}",
        f"produk {{value}} punya {{count}} varian; paling banyak {VARIANTS_MAX}",
    ),
    "variant_parent_refused": (
        "product {value} is refused (row {rows}), so this variant is not listed either",
        "produk {value} ditolak (baris {rows}), jadi varian ini juga tidak ditayangkan",
    ),
    "variant_price_own": (
        "the parent row's price {value} is not listed for the variants in rows {rows}: they have prices of their "
        "own; leave a variant's price empty to give it the parent's",
        "harga baris induk {value} tidak dipakai untuk varian di baris {rows}: varian itu punya harga sendiri; "
        "kosongkan harga varian agar memakai harga induk",
    ),
    "variant_none_left": (
        "every variant of product {value} was refused, so the product is not listed",
        "semua varian produk {value} ditolak, jadi produk tidak ditayangkan",
    ),
    # A whole file past a limit is refused as "catalog_unreadable" (so a sync keeps its listings as they are); these
    # are its problem texts, chosen by the reject's "problem" param. The limits are in catalog/sources.py.
    "catalog_not_regular": (
        "{file} is not a regular file (a pipe, a device or a socket); give the path of the catalog file itself",
        "{file} bukan file biasa (pipa, perangkat atau soket); tulis jalur file katalognya sendiri",
    ),
    "limit_file_size": (
        "{file} is {size} bytes; a catalog may be at most {limit} bytes: split it, or remove what is not the "
        "product list (pictures pasted in, other sheets)",
        "{file} berukuran {size} byte; katalog paling besar {limit} byte: pecah filenya, atau hapus yang bukan "
        "daftar produk (gambar yang ditempel, lembar lain)",
    ),
    "limit_rows": (
        "{file} has more than {limit} rows (row {at}); split it into files of at most {limit} rows",
        "{file} berisi lebih dari {limit} baris (baris {at}); pecah menjadi file berisi paling banyak {limit} baris",
    ),
    "limit_columns": (
        "{file}: row {at} has {count} columns; a catalog has at most {limit}",
        "{file}: baris {at} berisi {count} kolom; katalog paling banyak {limit} kolom",
    ),
    "limit_unpacked": (
        "{file} unpacks to {size} bytes; a workbook may unpack to at most {limit}: save only the product sheet",
        "{file} setelah dibuka berukuran {size} byte; buku kerja paling besar {limit}: simpan lembar produk saja",
    ),
    "limit_sheet_cells": (
        "{file}: the sheet ({part}) spans {rows} rows by {columns} columns; a sheet may span at most {limit} cells: "
        "delete the empty rows and columns far below or to the right of the table and save again",
        "{file}: lembar ({part}) membentang {rows} baris kali {columns} kolom; paling banyak {limit} sel: hapus "
        "baris dan kolom kosong jauh di bawah atau di kanan tabel, lalu simpan lagi",
    ),
    "json_too_deep": (
        "{file} nests lists or objects deeper than can be read; a record's values nest at most {limit} levels",
        "{file} bersarang (daftar atau objek) terlalu dalam untuk dibaca; nilai sebuah data paling dalam {limit} "
        "tingkat",
    ),
    "cell_too_long": (
        "the cell has {length} characters; a cell holds at most {limit} (a description is cut at 3,000): "
        "shorten it",
        "sel berisi {length} karakter; satu sel paling banyak {limit} karakter (deskripsi dipotong pada 3.000): "
        "persingkat",
    ),
    "cell_not_unicode": (
        "'{value}' holds a broken character (a lone surrogate, no letter at all); type the text again",
        "'{value}' memuat karakter rusak (surrogate tunggal, bukan huruf); ketik ulang teksnya",
    ),
    "cell_unreadable": (
        "the cell holds {why}; write a plain value",
        "sel berisi nilai yang tidak dapat dibaca ({why}); tulis nilai biasa",
    ),
    "cell_binary": (
        "the cell holds binary data ({size} bytes), not text or a number; write the value as text",
        "sel berisi data biner ({size} byte), bukan teks atau angka; tulis nilainya sebagai teks",
    ),
    "image_not_a_file": (
        "image '{value}' is not a regular file (a folder, a pipe or a device); give a JPG or PNG file",
        "foto '{value}' bukan file biasa (folder, pipa atau perangkat); beri file JPG atau PNG",
    ),
    "image_name_invalid": (
        "image name '{value}' holds a control character (such as NUL), which no file name has; write the name again",
        "nama foto '{value}' memuat karakter kendali (mis. NUL), yang tidak ada di nama file; tulis ulang namanya",
    ),
}

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "sku": ("SKU", "SKU"),
    "name": ("the product name", "Nama Produk"),
    "category": ("the category", "Kategori"),
    "price": ("the price", "Harga"),
    "stock": ("the stock", "Stok"),
    "weight_g": ("the weight", "Berat"),
}

@dataclass(slots=True)
class Finding:
    """Something the reading found in a catalog: where (file, row, column), the cell's value and a reason code
    with a text in English and Bahasa Indonesia."""

    institution: str
    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    params: dict[str, Any] = field(default_factory=dict)
    sku: str | None = None  # the row's SKU when it has one

    severity = "refused"

    def message(self, lang: str = "en") -> str:
        if self.reason in MESSAGES:
            template = MESSAGES[self.reason][1 if lang == "id" else 0]
            params = dict(self.params)
            if "field" in params:
                params["field"] = field_label(params["field"], lang)
            if params.get("problem") in MESSAGES:  # a file past a limit: its problem in the same language
                params["detail"] = MESSAGES[params["problem"]][1 if lang == "id" else 0].format(
                    value=self.value, file=self.file, **params)
            return template.format(value=self.value, **params)
        return parsers.message(self.reason, self.value, lang)

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "institution": self.institution,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "message": self.message(lang),
        }


@dataclass(slots=True)
class Reject(Finding):
    """A refused row (or file, or column): nothing of it is listed, and its SKU's existing listings are left as
    they are."""


@dataclass(slots=True)
class Notice(Finding):
    """A warning that refuses nothing: the row (or file) is read, staff should still look (an unknown
    subcategory read as its top category, an empty catalog, a column that matches no field)."""

    severity = "warning"

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        return {**Finding.as_dict(self, lang), "severity": self.severity}


def field_label(name: str, lang: str) -> str:
    label = FIELD_LABELS.get(name)
    if label is None:
        return name
    return label[1 if lang == "id" else 0]


def shown(value: Any) -> str | None:
    """A cell value as a reject shows it: text, shortened so a 1 MB cell does not flood a report."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= VALUE_SHOWN_MAX else text[: VALUE_SHOWN_MAX - 1] + "…"
