"""From catalog rows to PASINDO products: every reject reason, variant grouping, privacy, header handling."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from connector.catalog.mapping import load_mapping
from connector.catalog.reader import CatalogSpec, read_catalog
from connector.catalog.rejects import MESSAGES, Reject
from connector.config import BUILTIN_MAPPINGS
from connector.schema import Institution, Product

TODAY = date(2026, 11, 29)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
HEADER = ["SKU", "Nama Produk", "Kategori", "Harga", "Stok", "Berat (gram)", "Foto"]
MAPPING = load_mapping(BUILTIN_MAPPINGS / "standard.yaml")


def institution(type_: str = "lapas") -> Institution:
    return Institution(code="lapas-uji", name="Lapas Kelas IIB Uji", type=type_)


def write_csv(folder: Path, rows: list[list[object]], header: list[str] = HEADER, name: str = "katalog.csv") -> Path:
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read(path: Path, type_: str = "lapas", **kwargs) -> tuple[list[Product], list[Reject]]:
    spec = CatalogSpec(institution=institution(type_), path=path, mapping=MAPPING, label=path.name, **kwargs)
    items = list(read_catalog(spec, today=TODAY))
    return [i for i in items if isinstance(i, Product)], [i for i in items if isinstance(i, Reject)]


def good(sku: str = "DMP-01", **changes: object) -> list[object]:
    row = {"SKU": sku, "Nama Produk": "Dompet Kulit Sapi Asli Pria Coklat", "Kategori": "Fashion / Dompet",
           "Harga": "Rp150.000", "Stok": "12", "Berat (gram)": "120", "Foto": ""}
    row.update(changes)
    return [row[h] for h in HEADER]


def test_a_good_row_becomes_a_product(tmp_path):
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(PNG)
    (tmp_path / "img" / "b.jpg").write_bytes(JPG)
    products, rejects = read(write_csv(tmp_path, [good(Foto="img/a.png; img/b.jpg")]))
    assert rejects == []
    [p] = products
    assert p.key == "lapas-uji:DMP-01"
    assert (p.price, p.stock, p.weight_g, p.category) == (150_000, 12, 120, "fashion/dompet")
    assert p.images == [str(tmp_path / "img" / "a.png"), str(tmp_path / "img" / "b.jpg")]
    assert p.source.row == 2
    assert p.maker.name is None and p.maker.credit == "Karya WBP Lapas Kelas IIB Uji"


def reasons(rejects: list[Reject]) -> set[str]:
    return {r.reason for r in rejects}


@pytest.mark.parametrize("changes, reason, column", [
    ({"Nama Produk": "Tas"}, "name_length", "Nama Produk"),
    ({"Nama Produk": "x" * 256}, "name_length", "Nama Produk"),
    ({"Nama Produk": ""}, "value_missing", "Nama Produk"),
    ({"Harga": "50"}, "price_range", "Harga"),
    ({"Harga": "Rp 200.000.000"}, "price_range", "Harga"),
    ({"Harga": ""}, "value_missing", "Harga"),
    ({"Stok": ""}, "value_missing", "Stok"),
    ({"Berat (gram)": ""}, "value_missing", "Berat (gram)"),
    ({"Kategori": "Elektronik"}, "category_unknown", "Kategori"),
    ({"Kategori": "Otomotif / Mobil"}, "category_unknown", "Kategori"),  # a known top's new sub: test_taxonomy
    ({"Kategori": ""}, "value_missing", "Kategori"),
    ({"SKU": "DMP 01"}, "sku_spaces", "SKU"),
    ({"SKU": "nan"}, "sku_not_text", "SKU"),
    ({"SKU": "DMP-\u0410"}, "sku_not_ascii", "SKU"),  # a Cyrillic A
    ({"SKU": "KÉ-01"}, "sku_not_ascii", "SKU"),
    ({"SKU": "TRUE"}, "sku_not_text", "SKU"),
    ({"SKU": "#N/A"}, "sku_not_text", "SKU"),
    ({"SKU": "D" * 51}, "sku_too_long", "SKU"),
    ({"SKU": ""}, "value_missing", "SKU"),
    ({"Foto": "http://contoh.id/a.png"}, "image_not_https", "Foto"),
    ({"Foto": "../rahasia.png"}, "image_outside_folder", "Foto"),
    ({"Foto": "/etc/passwd"}, "image_outside_folder", "Foto"),
    ({"Foto": "tidak-ada.png"}, "image_missing", "Foto"),
    ({"Foto": "catatan.txt"}, "image_format", "Foto"),
    ({"Foto": ";".join(f"https://cdn.contoh.id/{i}.jpg" for i in range(10))}, "images_too_many", "Foto"),
])
def test_each_rule_refuses_with_a_named_reason(tmp_path, changes, reason, column):
    (tmp_path / "catatan.txt").write_text("bukan gambar")
    (tmp_path.parent / "rahasia.png").write_bytes(PNG)
    products, rejects = read(write_csv(tmp_path, [good(**changes), good("OK-1")]))
    assert [p.sku for p in products] == ["OK-1"]  # the rest carries on
    assert reason in reasons(rejects)
    reject = next(r for r in rejects if r.reason == reason)
    assert (reject.file, reject.row, reject.column) == ("katalog.csv", 2, column)
    assert reject.message("en") and reject.message("id") and reject.message("en") != reject.message("id")


@pytest.mark.parametrize("value", ["gratis", "Rp -", "1.2.3", "1.50", "1e5", "-5000"])
def test_unreadable_prices_are_refused_by_the_parser(tmp_path, value):
    products, rejects = read(write_csv(tmp_path, [good(Harga=value)]))
    assert products == []
    [reject] = rejects
    assert reject.reason.startswith("price_") and reject.value == value


@pytest.mark.parametrize("value", ["-3", "2,5", "banyak"])
def test_stock_must_be_a_whole_number_not_below_zero(tmp_path, value):
    products, rejects = read(write_csv(tmp_path, [good(Stok=value)]))
    assert products == [] and len(rejects) == 1 and rejects[0].column == "Stok"


def test_zero_weight_is_refused(tmp_path):
    products, rejects = read(write_csv(tmp_path, [good(**{"Berat (gram)": "0"})]))
    assert products == [] and rejects[0].column == "Berat (gram)"


def test_both_duplicate_skus_are_refused_naming_each_other(tmp_path):
    products, rejects = read(write_csv(tmp_path, [good("A-1"), good("DUP"), good("DUP"), good("B-1")]))
    assert [p.sku for p in products] == ["A-1", "B-1"]
    assert [(r.row, r.reason, r.params["rows"]) for r in rejects] == [
        (3, "sku_duplicate", "3, 4"), (4, "sku_duplicate", "3, 4")]


def test_every_problem_of_a_row_is_reported(tmp_path):
    products, rejects = read(write_csv(tmp_path, [good(Harga="gratis", Stok="-1", Kategori="Mobil")]))
    assert products == []
    assert {r.column for r in rejects} == {"Harga", "Stok", "Kategori"}


def test_description_html_is_reduced_to_safe_text(tmp_path):
    header = HEADER + ["Deskripsi"]
    desc = "<p>Kulit <b>asli</b>\x07</p><script>alert(1)</script><ul><li>Jahit tangan</li></ul>" + "a " * 2000
    products, _ = read(write_csv(tmp_path, [good() + [desc]], header=header))
    text = products[0].description
    assert "<" not in text and "alert" not in text and "\x07" not in text
    assert text.startswith("Kulit asli\n\n- Jahit tangan\n\na a") and len(text) <= 3000 and text.endswith("…")


def test_missing_description_credits_the_institution(tmp_path):
    products, _ = read(write_csv(tmp_path, [good()]))
    assert products[0].description == "Dompet Kulit Sapi Asli Pria Coklat. Karya WBP Lapas Kelas IIB Uji."


# -- culinary permits and expiry ---------------------------------------------------------------------------

FOOD_HEADER = HEADER + ["Izin Edar", "Kedaluwarsa", "Siap Saji", "Pre Order"]


def food(sku: str, permit: str = "", expiry: str = "", ready: str = "", po: str = "") -> list[object]:
    return good(sku, Kategori="Kuliner / Kopi", **{"Nama Produk": "Kopi Robusta Bubuk Nusakambangan 250 g"}) + [
        permit, expiry, ready, po]


@pytest.mark.parametrize("row, reason", [
    (food("K1"), "food_permit_missing"),
    (food("K1", permit="1234567890123-25"), "food_permit_expired"),
    (food("K1", permit="1234567890123-45"), "food_permit_implausible"),
    (food("K1", permit="12345-29"), "food_permit_format"),
    (food("K1", permit="MD 12345"), "food_permit_format"),
    (food("K1", permit="P-IRT 1234567890123-29", expiry="31/12/2024"), "expired"),
])
def test_culinary_rules(tmp_path, row, reason):
    products, rejects = read(write_csv(tmp_path, [row], header=FOOD_HEADER))
    assert products == [] and reasons(rejects) == {reason}


@pytest.mark.parametrize("row, kind", [
    (food("K1", permit="P-IRT No. 2063201010123-29", expiry="31 Des 2027"), "pirt"),
    (food("K1", permit="1234567890123-26"), "pirt"),  # expires this year: still valid
    (food("K1", permit="BPOM RI MD 224113001234"), "bpom_md"),
    (food("K1", permit="ML 123456789012345"), "bpom_ml"),
    (food("K1", ready="ya"), None),
    (food("K1", po="Ya"), None),
])
def test_culinary_products_with_a_permit_or_exempt_are_accepted(tmp_path, row, kind):
    products, rejects = read(write_csv(tmp_path, [row], header=FOOD_HEADER))
    assert rejects == []
    assert (products[0].food_permit.kind if products[0].food_permit else None) == kind


# -- privacy ------------------------------------------------------------------------------------------------

MAKER_HEADER = HEADER + ["Pembuat", "Izin Pembuat"]


@pytest.mark.parametrize("type_, consent, shown_name, credit", [
    ("lapas", "ya", "Budi", "Budi"),
    ("lapas", "tidak", None, "Karya WBP Lapas Kelas IIB Uji"),
    ("lapas", "", None, "Karya WBP Lapas Kelas IIB Uji"),
    ("bapas", "ya", "Budi", "Budi"),
    ("bapas", "tidak", None, "Karya Klien Lapas Kelas IIB Uji"),
    ("lpka", "ya", None, "Karya Anak Binaan Lapas Kelas IIB Uji"),
])
def test_a_maker_is_named_only_with_consent_and_never_in_an_lpka(tmp_path, type_, consent, shown_name, credit):
    products, _ = read(write_csv(tmp_path, [good() + ["Budi", consent]], header=MAKER_HEADER), type_=type_)
    assert products[0].maker.name == shown_name and products[0].maker.credit == credit
    assert "Budi" not in products[0].model_dump_json() or shown_name == "Budi"


# -- variants -----------------------------------------------------------------------------------------------

VAR_HEADER = HEADER + ["SKU Induk", "Nama Variasi", "Varian"]


def shoe(sku: str, size: str, price: str = "Rp275.000", stock: str = "3", parent: str = "SPT-01",
         name: str = "Ukuran") -> list[object]:
    return good(sku, Kategori="Fashion/Sepatu", Harga=price, Stok=stock,
                **{"Nama Produk": "Sepatu Pantofel Kulit Pria Hitam"}) + [parent, name, size]


def test_rows_sharing_a_parent_sku_become_one_product_with_variants(tmp_path):
    rows = [shoe("SPT-01-40", "40", stock="2"), good("X-1") + ["", "", ""], shoe("SPT-01-41", "41", "Rp 285.000"),
            shoe("SPT-01-42", "42", stock="0", name="")]
    products, rejects = read(write_csv(tmp_path, rows, header=VAR_HEADER))
    assert rejects == []
    by_sku = {p.sku: p for p in products}
    p = by_sku["SPT-01"]
    assert [(v.sku, v.price, v.stock, v.options) for v in p.variants] == [
        ("SPT-01-40", 275_000, 2, {"Ukuran": "40"}), ("SPT-01-41", 285_000, 3, {"Ukuran": "41"}),
        ("SPT-01-42", 275_000, 0, {"Ukuran": "42"})]
    assert (p.price, p.stock, p.key) == (275_000, 5, "lapas-uji:SPT-01")
    assert by_sku["X-1"].variants == []


def test_a_parent_row_gives_product_fields_and_default_price(tmp_path):
    parent = good("SPT-01", Kategori="Fashion/Sepatu", Harga="300.000", Stok="0",
                  **{"Nama Produk": "Sepatu Pantofel Kulit Pria Hitam Asli"}) + ["", "", ""]
    child = ["SPT-01-40", "", "", "", "4", "", "", "SPT-01", "Ukuran", "40"]
    products, rejects = read(write_csv(tmp_path, [parent, child], header=VAR_HEADER))
    assert rejects == []
    [p] = products
    assert p.name == "Sepatu Pantofel Kulit Pria Hitam Asli"
    assert [(v.sku, v.price, v.stock) for v in p.variants] == [("SPT-01-40", 300_000, 4)]


def test_a_bad_variant_row_is_refused_and_the_others_are_listed(tmp_path):
    rows = [shoe("SPT-01-40", "40"), shoe("SPT-01-41", "41", price="gratis"), shoe("SPT-01-42", "")]
    products, rejects = read(write_csv(tmp_path, rows, header=VAR_HEADER))
    assert [v.sku for v in products[0].variants] == ["SPT-01-40"]
    assert [(r.row, r.reason) for r in rejects] == [(3, "price_format"), (4, "variant_options_missing")]


def test_a_refused_product_refuses_its_variant_rows_with_a_pointer(tmp_path):
    rows = [shoe("SPT-01-40", "40"), shoe("SPT-01-41", "41")]
    rows[0][2] = "Elektronik"  # the category, read from the first row of the group
    rows[1][2] = ""
    products, rejects = read(write_csv(tmp_path, rows, header=VAR_HEADER))
    assert products == []
    assert [(r.row, r.reason) for r in rejects] == [(2, "category_unknown"), (3, "variant_parent_refused")]


def test_the_same_option_twice_refuses_both_variants(tmp_path):
    rows = [shoe("SPT-01-40", "40"), shoe("SPT-01-40B", "40"), shoe("SPT-01-41", "41")]
    products, rejects = read(write_csv(tmp_path, rows, header=VAR_HEADER))
    assert [v.sku for v in products[0].variants] == ["SPT-01-41"]
    assert [(r.row, r.reason) for r in rejects] == [(2, "variant_duplicate"), (3, "variant_duplicate")]


# -- headers and sources ------------------------------------------------------------------------------------

def test_headers_match_ignoring_case_spaces_and_punctuation_under_a_title_row(tmp_path):
    path = tmp_path / "katalog.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Produk"
    ws.append(["Katalog Produk Lapas Uji 2026"])
    ws.append([])
    ws.append(["kode barang", "NAMA  BARANG", "kategori", "Harga_Jual", "STOK", "berat(gr)"])
    ws.append(["DMP-01", "Dompet Kulit Sapi Asli Pria Coklat", "Fashion > Dompet", 150000, 12, 120])
    ws.append([])
    ws.append([12345, "Dompet Kulit Domba Wanita Merah Marun", "fashion/dompet", 95000.0, 3.0, "0,15 kg"])
    wb.save(path)
    products, rejects = read(path)
    assert rejects == []
    assert [(p.sku, p.price, p.stock, p.weight_g, p.source.row) for p in products] == [
        ("DMP-01", 150_000, 12, 120, 4), ("12345", 95_000, 3, 150, 6)]


def test_a_catalog_without_a_required_column_says_which_headers_work(tmp_path):
    path = write_csv(tmp_path, [["A-1", "Dompet Kulit Sapi Asli Pria", "Fashion", "100"]],
                     header=["SKU", "Nama Produk", "Kategori", "Harga"])
    products, rejects = read(path)
    assert products == []
    assert [(r.reason, r.params["field"]) for r in rejects] == [("column_missing", "stock"),
                                                                ("column_missing", "weight_g")]
    assert "Stok" in rejects[0].message("en") and rejects[0].row == 1


def test_two_columns_for_one_field_are_ambiguous_not_guessed(tmp_path):
    header = HEADER + ["Harga Jual"]
    products, rejects = read(write_csv(tmp_path, [good() + ["99000"]], header=header))
    assert products == [] and rejects[0].reason == "column_ambiguous"
    assert rejects[0].column == "Harga, Harga Jual"


def test_numbered_image_columns_are_read_in_order(tmp_path):
    for name in ("a.png", "b.png", "c.png"):
        (tmp_path / name).write_bytes(PNG)
    header = HEADER[:-1] + ["Foto 2", "Foto 1", "Foto 3"]
    products, rejects = read(write_csv(tmp_path, [good()[:-1] + ["b.png", "a.png", "c.png"]], header=header))
    assert rejects == []
    assert [Path(i).name for i in products[0].images] == ["a.png", "b.png", "c.png"]


def test_json_records_and_a_broken_jsonl_line(tmp_path):
    record = dict(zip(HEADER, good(), strict=True))
    path = tmp_path / "katalog.jsonl"
    path.write_text(json.dumps(record) + "\n{not json\n" + json.dumps(dict(record, SKU="B-2")) + "\n")
    products, rejects = read(path)
    assert [p.sku for p in products] == ["DMP-01", "B-2"]
    assert [(r.row, r.reason) for r in rejects] == [(2, "row_invalid")]


def test_an_unreadable_catalog_is_one_reject_for_its_institution(tmp_path):
    path = tmp_path / "rusak.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    products, rejects = read(path)
    assert products == [] and [r.reason for r in rejects] == ["catalog_unreadable"]
    assert rejects[0].row is None and rejects[0].message("id").startswith("katalog tidak dapat dibaca")


def test_every_domain_reason_has_both_languages():
    for reason, (en, id_) in MESSAGES.items():
        assert en and id_ and en != id_, reason


def test_variants_keep_their_own_weight_and_the_product_ships_as_the_heaviest(tmp_path):
    rows = [shoe("KOPI-100", "100 g"), shoe("KOPI-1000", "1 kg")]
    rows[0][5], rows[1][5] = "120 gr", "1,05 kg"
    products, rejects = read(write_csv(tmp_path, rows, header=VAR_HEADER))
    assert rejects == []
    assert [v.weight_g for v in products[0].variants] == [120, 1050] and products[0].weight_g == 1050


def test_a_parent_row_whose_variants_are_all_refused_says_so(tmp_path):
    parent = good("SPT-01", Kategori="Fashion/Sepatu", **{"Nama Produk": "Sepatu Pantofel Kulit Pria Hitam Asli"})
    children = [["SPT-01-40", "", "", "gratis", "4", "", "", "SPT-01", "Ukuran", "40"],
                ["SPT-01-41", "", "", "100.000", "-1", "", "", "SPT-01", "Ukuran", "41"]]
    products, rejects = read(write_csv(tmp_path, [parent + ["", "", ""], *children], header=VAR_HEADER))
    assert products == []
    assert [(r.row, r.reason) for r in rejects] == [(3, "price_format"), (4, "int_negative"), (2, "variant_none_left")]


def test_an_uppercase_https_image_is_an_address_and_a_material_is_read(tmp_path):
    header = [*HEADER, "Bahan"]
    row = [*good(Foto="HTTPS://cdn.contoh.id/Dompet.JPG"), "Kulit Sapi Asli"]
    [product], rejects = read(write_csv(tmp_path, [row], header=header))
    assert rejects == []
    assert product.images == ["https://cdn.contoh.id/Dompet.JPG"] and product.material == "Kulit Sapi Asli"


@pytest.mark.parametrize("name", ["katalog.json", "katalog.jsonl"])
def test_a_field_given_twice_in_a_json_record_refuses_that_record_only(tmp_path, name):
    good_one = {"SKU": "DMP-01", "Nama Produk": "Dompet Kulit Sapi Asli Pria Coklat", "Kategori": "Fashion / Dompet",
                "Harga": 150000, "Stok": 3, "Berat (gram)": 120}
    twice = json.dumps(good_one)[:-1].replace('"DMP-01"', '"DMP-02"') + ', "harga": 1500}'
    text = (f"[{json.dumps(good_one)}, {twice}]" if name.endswith(".json")
            else f"{json.dumps(good_one)}\n{twice}\n")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    products, rejects = read(path)
    assert [p.sku for p in products] == ["DMP-01"] and products[0].price == 150_000
    [reject] = rejects
    assert reject.row == 2 and "'Harga' appears twice" in reject.message("en") and "1500" in reject.message("en")


def test_a_yes_no_or_binary_cell_is_never_a_sku(tmp_path):
    import sqlite3

    path = tmp_path / "katalog.sqlite"
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE produk ("SKU", "Nama Produk", "Kategori", "Harga", "Stok", "Berat (gram)")')
        rows = [(sku, "Dompet Kulit Sapi Asli Pria Coklat", "Fashion / Dompet", 150000, 3, 120)
                for sku in (b"BLOB-SKU", 1, float("nan"), "DMP-04")]
        db.executemany("INSERT INTO produk VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.close()
    products, rejects = read(path, table="produk")
    assert [p.sku for p in products] == ["1", "DMP-04"]
    # SQLite keeps a NaN as NULL: an empty SKU
    assert [(r.row, r.reason) for r in rejects] == [(1, "sku_not_text"), (3, "value_missing")]
    json_path = tmp_path / "katalog.json"
    json_path.write_text('[{"SKU": true, "Nama Produk": "Dompet Kulit Sapi Asli Pria Coklat", "Kategori": "Fashion",'
                         ' "Harga": 150000, "Stok": 3, "Berat (gram)": 120}]', encoding="utf-8")
    products, rejects = read(json_path)
    assert products == [] and [r.reason for r in rejects] == ["sku_not_text"]


def test_skus_that_differ_only_in_letter_case_are_one_sku_used_twice(tmp_path):
    products, rejects = read(write_csv(tmp_path, [good("DMP-01"), good("dmp-01"), good("DMP-02")]))
    assert [p.sku for p in products] == ["DMP-02"]
    assert [(r.row, r.reason) for r in rejects] == [(2, "sku_duplicate"), (3, "sku_duplicate")]
