"""A catalog's shape: empty files, headers written in two rows (merged cells over sub-headers), columns that match no
field. Real files: xlsx written with openpyxl (merged cells merged for real), CSV as Excel exports it, JSON, SQLite."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from connector.catalog.mapping import load_mapping
from connector.catalog.reader import CatalogSpec, read_catalog
from connector.catalog.rejects import MESSAGES, Notice, Reject
from connector.cli import main
from connector.config import BUILTIN_MAPPINGS
from connector.schema import Institution, Product
from tests.helpers import HEADER as SHOP_HEADER
from tests.helpers import Shop

TODAY = date(2026, 11, 29)
MAPPING = load_mapping(BUILTIN_MAPPINGS / "standard.yaml")
HEADER = ["SKU", "Nama Produk", "Kategori", "Harga", "Stok", "Berat (gram)"]
WALLET = ["DMP-01", "Dompet Kulit Sapi Asli Pria Coklat", "Fashion / Dompet", "Rp150.000", "12", "120"]
BAG = ["TAS-01", "Tas Selempang Kulit Wanita Merah", "Fashion / Tas", "Rp250.000", "3", "0,6 kg"]


def read(path: Path, **kwargs) -> tuple[list[Product], list[Reject], list[Notice]]:
    spec = CatalogSpec(institution=Institution(code="lapas-uji", name="Lapas Kelas IIB Uji", type="lapas"),
                       path=path, mapping=MAPPING, label=path.name, **kwargs)
    items = list(read_catalog(spec, today=TODAY))
    return ([i for i in items if isinstance(i, Product)], [i for i in items if isinstance(i, Reject)],
            [i for i in items if isinstance(i, Notice)])


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    return path


def workbook(path: Path, rows: list[list[object]], merged: tuple[str, ...] = ()) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Produk"
    for row in rows:
        ws.append(row)
    for cells in merged:
        ws.merge_cells(cells)
    wb.save(path)
    return path


def sqlite_table(path: Path, rows: list[dict[str, object]]) -> Path:
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE produk ("id" INTEGER PRIMARY KEY, "SKU" TEXT, "Nama Produk" TEXT, "Kategori" TEXT, '
                   '"Harga" TEXT, "Stok" INTEGER, "Berat (gram)" INTEGER)')
        for row in rows:
            names = ", ".join(f'"{k}"' for k in row)
            db.execute(f"INSERT INTO produk ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    db.close()
    return path


# -- empty catalogs ------------------------------------------------------------------------------------------------


def _text(text: str):
    return lambda path: path.write_text(text, encoding="utf-8")


def _empty_sheet(path: Path) -> Path:
    return workbook(path, [])


def _title_only(path: Path) -> Path:
    return workbook(path, [["Katalog Produk Lapas Kelas IIB Uji"], [], ["Update: 01/12/2026"]])


EMPTY = {
    "zero bytes csv": ("katalog.csv", _text(""), "catalog_empty_file", None),
    "zero bytes xlsx": ("katalog.xlsx", _text(""), "catalog_empty_file", None),
    "blank lines csv": ("katalog.csv", _text(";;;\r\n\r\n ; \r\n"), "catalog_no_rows", None),
    "empty sheet": ("katalog.xlsx", _empty_sheet, "catalog_no_rows", None),
    "header only csv": ("katalog.csv", lambda p: write_csv(p, [HEADER]), "catalog_header_only", 1),
    "header only xlsx under a title": (
        "katalog.xlsx", lambda p: workbook(p, [["Daftar Produk Giatja"], HEADER]), "catalog_header_only", 2),
    "title only": ("katalog.xlsx", _title_only, "catalog_title_only", None),
    "empty json list": ("katalog.json", _text("[]"), "catalog_no_records", None),
    "empty wrapped json list": (
        "katalog.json", _text('{"products": []}'), "catalog_no_records", None),
    "empty sqlite table": ("katalog.sqlite", lambda p: sqlite_table(p, []), "catalog_no_records", None),
}


@pytest.mark.parametrize("case", EMPTY)
def test_an_empty_catalog_is_a_warning_that_names_the_file_and_what_was_found(tmp_path, case):
    name, make, reason, row = EMPTY[case]
    path = tmp_path / name
    make(path)
    products, rejects, notices = read(path)
    assert (products, rejects) == ([], [])
    [notice] = notices
    assert (notice.file, notice.reason, notice.row, notice.severity) == (name, reason, row, "warning")
    assert "no products" in notice.message("en") and "tidak ada produk" in notice.message("id")
    if row is not None:
        assert f"row {row}" in notice.message("en")


def test_a_title_only_sheet_names_its_title_rows(tmp_path):
    [notice] = read(_title_only(tmp_path / "katalog.xlsx"))[2]
    assert notice.params["rows"] == "1, 3"


def _config(folder: Path, catalogs: dict[str, str]) -> Path:
    config = folder / "pasindo.yaml"
    config.write_text("institutions:\n" + "".join(
        f"  - {{code: {code}, name: Lapas {code}, type: lapas, catalog: {{path: {name}}}}}\n"
        for code, name in catalogs.items()), encoding="utf-8")
    return config


def test_validate_warns_of_empty_catalogs_and_exits_0(tmp_path):
    (tmp_path / "kosong.csv").write_bytes(b"")
    write_csv(tmp_path / "judul.csv", [HEADER])
    write_csv(tmp_path / "isi.csv", [HEADER, WALLET])
    config = _config(tmp_path, {"lapas-kosong": "kosong.csv", "lapas-judul": "judul.csv", "lapas-isi": "isi.csv"})
    table = CliRunner().invoke(main, ["--config", str(config), "validate"])
    assert table.exit_code == 0, table.output
    assert "kosong.csv" in table.output and "judul.csv" in table.output
    result = CliRunner().invoke(main, ["--config", str(config), "validate", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["rejects"] == []
    assert [(n["institution"], n["file"], n["reason"]) for n in found["notices"]] == [
        ("lapas-kosong", "kosong.csv", "catalog_empty_file"), ("lapas-judul", "judul.csv", "catalog_header_only")]
    assert {s["code"]: (s["products"], s["warnings"]) for s in found["institutions"]} == {
        "lapas-kosong": (0, 1), "lapas-judul": (0, 1), "lapas-isi": (1, 0)}


@pytest.mark.parametrize("emptied", ["", SHOP_HEADER + "\n"], ids=["zero bytes", "header only"])
def test_a_catalog_that_becomes_empty_delists_nothing_without_force(tmp_path, sandbox, emptied):
    shop = Shop(tmp_path, sandbox.url)
    assert shop.sync()[0] == 0
    (tmp_path / "katalog.csv").write_text(emptied, encoding="utf-8")
    before = shop.stats()["writes"]
    code, doc = shop.sync()
    assert code == 3
    assert Counter(h["guard"] for h in doc["held"]) == Counter({"mass_delist": 7})
    assert shop.stats()["writes"] == before
    assert {i["status"] for i in shop.items()} == {"active"}
    code, doc = shop.sync("--force")
    assert code == 0 and doc["held"] == []
    assert {i["status"] for i in shop.items()} == {"inactive"}


# -- headers in two rows ---------------------------------------------------------------------------------------------

# As office spreadsheets lay it out: a title, then "Produk" merged over Nama and SKU, "Ukuran (cm)" merged over the
# three dimensions, and the one-row headers merged down over both header rows.
TWO_ROWS = [
    ["KATALOG PRODUK LAPAS KELAS IIB UJI"],
    ["No", "Produk", None, "Kategori", "Harga", "Ukuran (cm)", None, None, "Berat (gram)", "Stok", "Foto"],
    [None, "Nama", "SKU", None, None, "Panjang", "Lebar", "Tinggi", None, None, None],
    [1, "Dompet Kulit Sapi Asli Pria Coklat", "DMP-01", "Fashion / Dompet", 150000, 20, 10, 2, 120, 12, None],
    [2, "Tas Selempang Kulit Wanita Merah", "TAS-01", "Fashion/Tas", "Rp250.000", 30.5, 20, 10, "0,6 kg", 3, None],
]
TWO_ROWS_MERGED = ("A2:A3", "B2:C2", "D2:D3", "E2:E3", "F2:H2", "I2:I3", "J2:J3", "K2:K3")
READ_RIGHT = [("DMP-01", "Dompet Kulit Sapi Asli Pria Coklat", "fashion/dompet", 150_000, 12, 120, 20, 10, 2, 4),
              ("TAS-01", "Tas Selempang Kulit Wanita Merah", "fashion/tas", 250_000, 3, 600, 31, 20, 10, 5)]


def _fields(products: list[Product]) -> list[tuple]:
    return [(p.sku, p.name, p.category, p.price, p.stock, p.weight_g, p.length_cm, p.width_cm, p.height_cm,
             p.source.row) for p in products]


def test_a_two_row_header_with_merged_cells_is_read_with_every_field(tmp_path):
    path = workbook(tmp_path / "katalog.xlsx", TWO_ROWS, TWO_ROWS_MERGED)
    products, rejects, notices = read(path)
    assert rejects == [] and notices == []  # the sub-header row is a header, not a refused product
    assert _fields(products) == READ_RIGHT


def test_a_csv_exported_from_a_two_row_header_is_read_the_same(tmp_path):
    exported = [["" if c is None else str(c).replace(".", ",") if isinstance(c, float) else c for c in row]
                for row in TWO_ROWS]  # Excel in the Indonesian locale writes 30,5
    path = write_csv(tmp_path / "katalog.csv", exported)
    products, rejects, notices = read(path)
    assert rejects == [] and notices == []
    assert _fields(products) == READ_RIGHT


def test_the_upper_row_alone_names_two_fields_and_the_sub_headers_still_count(tmp_path):
    """The header search stops at the first row naming two fields (Produk, Harga); the row below still joins it."""
    rows = [
        ["Produk", None, None, "Harga", None, "Stok", "Berat"],
        ["Kode", "Nama", "Kategori", "Jual", "Modal", None, "kg"],
        ["KPI-01", "Kotak Perhiasan Cukli Lombok", "Kerajinan > Cukli", "Rp450.000", "Rp300.000", 2, "0,8"],
    ]
    products, rejects, notices = read(workbook(tmp_path / "katalog.xlsx", rows, ("A1:C1", "D1:E1", "F1:F2")))
    assert rejects == []
    [p] = products
    assert (p.sku, p.name, p.category, p.price, p.stock, p.weight_g) == (
        "KPI-01", "Kotak Perhiasan Cukli Lombok", "craft/cukli", 450_000, 2, 800)  # "Berat" over "kg": kilograms
    assert [(n.reason, n.params["letter"], n.column) for n in notices] == [("column_unknown", "E", "Harga / Modal")]


def test_sub_headers_found_first_join_the_merged_headers_above_them(tmp_path):
    """Only the sub-header row names two fields; the merged headers above it are still read."""
    rows = [
        ["Barang", None, None, "Ukuran (cm)", None, None, "Persediaan"],
        ["Kode", "Nama", "Jenis", "Panjang", "Lebar", "Tinggi", None],
        ["RTG-01", "Rantang Plastik Susun Tiga", "Kerajinan", 18, 18, 25, 40],
    ]
    path = workbook(tmp_path / "katalog.xlsx", rows, ("A1:C1", "D1:F1", "G1:G2"))
    products, rejects, notices = read(path)
    # "Harga" and "Berat" are missing: the two rows are read together, and say so at their first row
    assert sorted((r.reason, r.params["field"], r.row) for r in rejects) == [
        ("column_missing", "price", 1), ("column_missing", "weight_g", 1)]
    rows[0] += ["Harga", "Berat"]
    rows[2] += ["Rp25.000", 300]
    products, rejects, notices = read(workbook(tmp_path / "katalog.xlsx", rows, ("A1:C1", "D1:F1", "G1:G2")))
    assert rejects == [] and notices == []
    [p] = products
    assert (p.sku, p.name, p.stock, p.price, p.weight_g, p.length_cm, p.width_cm, p.height_cm) == (
        "RTG-01", "Rantang Plastik Susun Tiga", 40, 25_000, 300, 18, 18, 25)


def test_merged_variant_and_photo_headers_read_as_their_numbered_columns(tmp_path):
    rows = [
        HEADER + ["SKU Induk", "Variasi", None, "Foto", None],
        [None] * 7 + ["Nama", "Pilihan", 1, 2],
        ["SPT-40", "Sepatu Pantofel Kulit Pria Hitam", "Fashion/Sepatu", "275.000", 2, 900, "SPT", "Ukuran", "40",
         "b.png", "a.png"],
        ["SPT-41", "Sepatu Pantofel Kulit Pria Hitam", "Fashion/Sepatu", "275.000", 1, 900, "SPT", "Ukuran", "41",
         None, None],
    ]
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    merged = tuple(f"{c}1:{c}2" for c in "ABCDEFG") + ("H1:I1", "J1:K1")
    products, rejects, notices = read(workbook(tmp_path / "katalog.xlsx", rows, merged))
    assert rejects == [] and notices == []
    [shoe] = products
    assert [(v.sku, v.options) for v in shoe.variants] == [("SPT-40", {"Ukuran": "40"}), ("SPT-41", {"Ukuran": "41"})]
    assert [Path(i).name for i in shoe.images] == ["b.png", "a.png"]  # Foto 1, Foto 2


def test_a_first_data_row_is_never_taken_for_sub_headers(tmp_path):
    """A variant value "2" under "Varian" would read as "Varian 2": it names no more columns, so it stays data."""
    rows = [HEADER + ["SKU Induk", "Nama Variasi", "Varian"],
            ["KOS-2", "Kaos Batik Tulis Lengan Pendek", "Fashion", "Rp95.000", 4, 200, "KOS", "Ukuran", "2"],
            ["KOS-3", "Kaos Batik Tulis Lengan Pendek", "Fashion", "Rp95.000", 5, 200, "KOS", "Ukuran", "3"]]
    products, rejects, notices = read(write_csv(tmp_path / "katalog.csv", rows))
    assert rejects == [] and notices == []
    assert [v.sku for v in products[0].variants] == ["KOS-2", "KOS-3"]


def test_a_column_whose_two_header_rows_name_different_fields_is_refused_saying_so(tmp_path):
    rows = [
        ["Produk", None, "Kategori", "Harga", "Berat", "Stok"],
        ["SKU", "Nama", None, None, "Satuan", None],  # "Berat" over "Satuan": the weight, or the unit?
        ["DMP-01", "Dompet Kulit Sapi Asli Pria Coklat", "Fashion / Dompet", "Rp150.000", "120", 12],
    ]
    path = workbook(tmp_path / "katalog.xlsx", rows, ("A1:B1", "C1:C2", "D1:D2", "F1:F2"))
    products, rejects, _ = read(path)
    assert products == []
    assert [(r.reason, r.row, r.column, r.params["letter"], r.params["rows"]) for r in rejects] == [
        ("header_rows_unclear", 1, "Berat / Satuan", "E", "1, 2")]  # and no "no column for the weight"
    message = rejects[0].message("en")
    assert "Berat (gram)" in message and "Satuan" in message and "put each column's name in one row" in message
    assert "tulis nama setiap kolom dalam satu baris" in rejects[0].message("id")


# -- columns that match no field ---------------------------------------------------------------------------------------


def test_unknown_columns_are_listed_once_per_file_with_a_suggestion_where_one_fits(tmp_path):
    header = ["No", "SKU", "Nama Produk", "Kategori", "Harga", "Hraga Grosir", "Stok", "Berat (gram)", "Warna Favorit",
              "Bahan Utma", "Keterangan Internal"]
    rows = [header] + [[i, *WALLET[:4], "Rp140.000", *WALLET[4:], "Coklat", "Kulit Sapi", "stok gudang 2"]
                       for i in range(1, 4)]
    for i, row in enumerate(rows[1:]):
        row[1] = f"DMP-0{i}"
    products, rejects, notices = read(write_csv(tmp_path / "katalog.csv", rows))
    assert rejects == [] and len(products) == 3
    assert [(n.row, n.params["letter"], n.column, n.reason, n.params["close"]) for n in notices] == [
        (1, "F", "Hraga Grosir", "column_unknown", None),  # the price has its column: no second one suggested
        (1, "I", "Warna Favorit", "column_unknown", None),
        (1, "J", "Bahan Utma", "column_unknown_close", "Bahan Utama"),
    ]  # "No" and "Keterangan Internal" are on the mapping's ignore list
    assert notices[2].message("en").endswith("did you mean 'Bahan Utama'?")
    assert "mungkin maksudnya 'Bahan Utama'" in notices[2].message("id")
    assert {p.material for p in products} == {None}


def test_a_misspelt_required_header_is_refused_and_the_nearest_header_suggested(tmp_path):
    products, rejects, notices = read(workbook(tmp_path / "katalog.xlsx", [
        ["SKU", "Nama Produk", "Kategori", "Hraga", "Stok", "Berat (gram)"], WALLET]))
    assert products == []
    assert [(r.reason, r.params["field"]) for r in rejects] == [("column_missing", "price")]
    [notice] = notices
    assert (notice.column, notice.params["letter"], notice.params["close"]) == ("Hraga", "D", "Harga")


def test_unknown_fields_of_records_are_listed_once_per_file(tmp_path):
    record = dict(zip(HEADER, WALLET, strict=True))
    records = [dict(record, Warna="Coklat"), dict(record, SKU="DMP-02", Warna="Hitam", Kategory="Fashion"),
               dict(record, SKU="DMP-03", Kategory="Fashion", ID=7)]
    path = tmp_path / "katalog.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    products, rejects, notices = read(path)
    assert [p.sku for p in products] == ["DMP-01", "DMP-02", "DMP-03"] and rejects == []
    assert [(n.row, n.column, n.reason) for n in notices] == [(1, "Warna", "field_unknown"),
                                                              (2, "Kategory", "field_unknown")]
    db = sqlite_table(tmp_path / "katalog.sqlite", [dict(record, SKU=f"DMP-{i}") for i in range(3)])
    products, rejects, notices = read(db)
    assert len(products) == 3 and rejects == [] and notices == []  # the table's own "id" is on the ignore list


def test_every_shape_reason_has_both_languages():
    for reason in ("catalog_empty_file", "catalog_no_rows", "catalog_no_records", "catalog_header_only",
                   "catalog_title_only", "header_rows_unclear", "column_unknown", "column_unknown_close",
                   "field_unknown", "field_unknown_close"):
        en, id_ = MESSAGES[reason]
        assert en and id_ and en != id_


def test_a_catalog_refused_for_an_unclear_header_delists_nothing_even_forced(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    assert shop.sync()[0] == 0
    upper = "Produk;;Kategori;Harga;Stok;Berat;Foto;SKU Induk;Nama Variasi;Varian"
    lower = "SKU;Nama;;;;Satuan;;;;"  # "Berat" over "Satuan": the weight, or the unit?
    (tmp_path / "katalog.csv").write_text("\n".join([upper, lower, *shop.rows.values()]) + "\n", encoding="utf-8")
    before = shop.stats()["writes"]
    code, doc = shop.sync("--force")
    assert code == 1 and doc["held"] == [] and doc["rejects"] == 1
    assert shop.stats()["writes"] == before
    assert {i["status"] for i in shop.items()} == {"active"}
