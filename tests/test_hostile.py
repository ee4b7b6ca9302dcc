"""Hostile input: malformed catalogs get clear rejects, never a traceback, and nothing invalid reaches a channel."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import shutil
import sqlite3
import stat
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.sandbox import SandboxServer
from connector.schema import PRICE_MAX, PRICE_MIN

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00"
       b"\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
HEADER = ["SKU", "Nama Produk", "Deskripsi", "Kategori", "Harga", "Stok", "Berat (gram)", "Foto"]
NAME = "Dompet Kulit Sapi Asli Pria Coklat Tua"


def row(sku: str = "OK-1", **changes: object) -> list[object]:
    values = {"SKU": sku, "Nama Produk": NAME, "Deskripsi": "Kulit sapi asli.", "Kategori": "Fashion / Dompet",
              "Harga": "Rp150.000", "Stok": "5", "Berat (gram)": "120", "Foto": "foto.png"}
    values.update(changes)
    return [values[h] for h in HEADER]


def write_csv(path: Path, rows: list[list[object]], header: list[str] = HEADER, delimiter: str = ";",
              encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER, title: bool = False) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Produk"
    if title:
        ws.append(["KATALOG PRODUK LAPAS"])
        ws.merge_cells(start_row=1, start_column=1, end_row=2, end_column=len(header))
        ws.append([])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)


def good_xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    for i in range(50):
        wb.active.append(row(f"X-{i}"))
    wb.save(buffer)
    return buffer.getvalue()


# Each case writes one catalog file into the folder and returns its name (and optional catalog settings).
Case = Callable[[Path], tuple[str, dict]]


def case(fn: Case) -> Case:
    CASES[fn.__name__.removeprefix("c_")] = fn
    return fn


CASES: dict[str, Case] = {}


@case
def c_truncated_xlsx(d: Path):
    data = good_xlsx_bytes()
    (d / "a.xlsx").write_bytes(data[: len(data) // 2])
    return "a.xlsx", {}


@case
def c_corrupt_xlsx(d: Path):
    (d / "a.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(4000))
    return "a.xlsx", {}


@case
def c_xlsx_zip_without_workbook(d: Path):
    with zipfile.ZipFile(d / "a.xlsx", "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return "a.xlsx", {}


@case
def c_csv_named_xlsx(d: Path):
    write_csv(d / "a.xlsx", [row()])
    return "a.xlsx", {}


@case
def c_missing_sheet(d: Path):
    write_xlsx(d / "a.xlsx", [row()])
    return "a.xlsx", {"sheet": "Katalog"}


@case
def c_binary_junk_csv(d: Path):
    (d / "a.csv").write_bytes(os.urandom(20_000))
    return "a.csv", {}


@case
def c_nul_bytes_csv(d: Path):
    (d / "a.csv").write_bytes(b"SKU;Nama Produk\x00\x00;Harga\nA\x00;B;C\n")
    return "a.csv", {}


@case
def c_empty_file(d: Path):
    (d / "a.csv").write_bytes(b"")
    return "a.csv", {}


@case
def c_header_only(d: Path):
    write_csv(d / "a.csv", [])
    return "a.csv", {}


@case
def c_cp1252_with_accents(d: Path):
    write_csv(d / "a.csv", [row(**{"Nama Produk": "Kopi Arabika Gayo – Café Edisi Spesial 250 g"})], encoding="cp1252")
    return "a.csv", {}


@case
def c_utf16_export(d: Path):
    write_csv(d / "a.csv", [row()], delimiter="\t", encoding="utf-16")
    return "a.csv", {}


@case
def c_unclosed_quote(d: Path):
    (d / "a.csv").write_text(";".join(HEADER) + "\nA-1;\"" + NAME + ";x;Fashion;100;1;1;\n", encoding="utf-8")
    return "a.csv", {}


@case
def c_one_megabyte_cells(d: Path):
    write_csv(d / "a.csv", [row("BIG-DESC", Deskripsi="kulit " * 200_000),
                            row("BIG-NAME", **{"Nama Produk": "x" * 1_000_000}), row("BIG-SKU", SKU="S" * 1_000_000)])
    return "a.csv", {}


@case
def c_formulas_without_cached_values(d: Path):
    write_xlsx(d / "a.xlsx", [row("F-1", Harga="=100*1500", Stok="=2+3")])
    return "a.xlsx", {}


@case
def c_merged_title_rows_above_the_header(d: Path):
    write_xlsx(d / "a.xlsx", [row("M-1"), row("M-2", Harga=99000)], title=True)
    return "a.xlsx", {}


@case
def c_duplicate_headers(d: Path):
    write_csv(d / "a.csv", [row() + ["99.000"]], header=HEADER + ["Harga"])
    return "a.csv", {}


@case
def c_empty_headers_with_data(d: Path):
    write_csv(d / "a.csv", [row() + ["ghost", "value"]], header=HEADER + ["", ""])
    return "a.csv", {}


@case
def c_negative_and_fractional_stock(d: Path):
    write_csv(d / "a.csv", [row("S-1", Stok="-3"), row("S-2", Stok="2,5"), row("S-3", Stok="1.5"),
                            row("S-4", Stok="1e3")])
    return "a.csv", {}


@case
def c_unreadable_prices(d: Path):
    prices = ["Rp -", "gratis", "1.2.3", "1e5", "1,5e3", "-150.000", "150,000", "Rp 1.50", "NaN", "∞", "١٥٠"]
    write_csv(d / "a.csv", [row(f"P-{i}", Harga=p) for i, p in enumerate(prices)])
    return "a.csv", {}


@case
def c_prices_out_of_range(d: Path):
    write_csv(d / "a.csv", [row("P-0", Harga="0"), row("P-1", Harga="99"),
                            row("P-2", Harga="Rp150.000.001"), row("P-3", Harga="999999999999999999999")])
    return "a.csv", {}


@case
def c_emoji_and_right_to_left_text(d: Path):
    write_csv(d / "a.csv", [row("E-1", **{"Nama Produk": "Dompet Kulit 👜 Asli Pria ‮Coklat‬ Tua Edisi"}),
                            row("E-2", **{"Nama Produk": "محفظة جلدية أصلية للرجال بني داكن"})])
    return "a.csv", {}


@case
def c_html_and_script_in_descriptions(d: Path):
    write_csv(d / "a.csv", [row("H-1", Deskripsi="<script>alert('x')</script><b>Kulit</b> <img src=x onerror=y>"),
                            row("H-2", **{"Nama Produk": "<b>Dompet</b> Kulit Sapi Asli <i>Pria</i> Coklat"})])
    return "a.csv", {}


@case
def c_path_traversal_in_images(d: Path):
    (d.parent / "rahasia.png").write_bytes(PNG)
    (d / "tautan.png").symlink_to(d.parent / "rahasia.png")
    (d / "folder.png").mkdir()
    bad = ["../rahasia.png", "/etc/passwd", "..\\..\\windows\\win.ini", "img/../../rahasia.png", "tautan.png",
           "folder.png", "file:///etc/passwd", "javascript:alert(1)", "data:image/png;base64,AAAA", "http://x/a.png"]
    write_csv(d / "a.csv", [row(f"I-{i}", Foto=b) for i, b in enumerate(bad)])
    return "a.csv", {}


@case
def c_hundred_thousand_empty_rows(d: Path):
    with (d / "a.csv").open("w", encoding="utf-8") as fh:
        fh.write(";".join(HEADER) + "\n")
        fh.write(";;;;;;;\n" * 100_000)
        fh.write(";".join(str(c) for c in row("LAST")) + "\n")
    return "a.csv", {}


@case
def c_json_not_a_list(d: Path):
    (d / "a.json").write_text(json.dumps({"a": 1, "b": [1, 2]}))
    return "a.json", {}


@case
def c_json_odd_records(d: Path):
    records = [dict(zip(HEADER, row("J-1"), strict=True)), 42, None, ["x"],
               {"SKU": {"nested": 1}, "Nama Produk": ["a"], "Harga": True, "Stok": None},
               dict(zip(HEADER, row("J-2", Harga=150000.75), strict=True))]
    (d / "a.json").write_text(json.dumps(records))
    return "a.json", {}


@case
def c_json_syntax_error(d: Path):
    (d / "a.json").write_text('[{"SKU": "A", "Nama Produk": "x"},, {')
    return "a.json", {}


@case
def c_jsonl_garbage_lines(d: Path):
    good = json.dumps(dict(zip(HEADER, row("L-1"), strict=True)))
    (d / "a.jsonl").write_text(f"{good}\n\x00\x01garbage\n[1,2]\n{{\"SKU\": \n{good.replace('L-1', 'L-2')}\n")
    return "a.jsonl", {}


@case
def c_sqlite_wrong_table(d: Path):
    con = sqlite3.connect(d / "a.sqlite")
    con.execute("CREATE TABLE lain (x)")
    con.commit()
    con.close()
    return "a.sqlite", {"table": "produk"}


@case
def c_not_a_database(d: Path):
    (d / "a.sqlite").write_bytes(b"SQLite format 3\x00" + os.urandom(3000))
    return "a.sqlite", {}


@case
def c_ten_thousand_columns(d: Path):
    header = HEADER + [f"Kolom {i}" for i in range(10_000)]
    write_csv(d / "a.csv", [row("W-1") + ["x"] * 10_000], header=header)
    return "a.csv", {}


@case
def c_control_characters_in_sku(d: Path):
    write_csv(d / "a.csv", [row("A\tB"), row("C\nD"), row("E\x07F")])
    return "a.csv", {}


@case
def c_impossible_dates(d: Path):
    header = HEADER + ["Kedaluwarsa"]
    write_csv(d / "a.csv", [row("D-1") + ["31/02/2027"], row("D-2") + ["12/31/2027"], row("D-3") + ["1/1/27"],
                            row("D-4") + ["kemarin"]], header=header)
    return "a.csv", {}


@case
def c_sixty_variants(d: Path):
    header = HEADER + ["SKU Induk", "Nama Variasi", "Varian"]
    write_csv(d / "a.csv", [row(f"V-{i}") + ["V", "Ukuran", str(i)] for i in range(60)], header=header)
    return "a.csv", {}


def record(sku: str = "OK-1", **changes: object) -> dict:
    return dict(zip(HEADER, row(sku, **changes), strict=True))


def write_json(path: Path, records: list[object]) -> None:
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def write_sqlite(path: Path, rows: list[tuple], columns: tuple[str, ...] = tuple(HEADER)) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE produk ({})".format(", ".join(f'"{c}"' for c in columns)))
    con.executemany("INSERT INTO produk VALUES ({})".format(", ".join("?" * len(columns))), rows)
    con.commit()
    con.close()


def sheet_zip(path: Path, sheet_xml: bytes) -> None:
    """A minimal workbook whose one sheet is `sheet_xml`, as a generator other than Excel would write it."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
                   '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
                   'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships"><sheets><sheet name="Produk" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)


def sheet_rows(rows: list[list[object]], start: int = 1) -> bytes:
    out = []
    for number, cells in enumerate(rows, start):
        out.append(f'<row r="{number}">' + "".join(
            f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(cells))
            + "</row>")
    return "".join(out).encode()


def sheet_xml(body: bytes, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + dim + b"<sheetData>" + body + b"</sheetData></worksheet>")


# --- reported in issue 15: one malformed value aborted every institution's sync, or the process ---


@case
def c_json_nested_100000_deep(d: Path):
    (d / "a.json").write_text('[{"SKU": "N-1", "Deskripsi": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    return "a.json", {}


@case
def c_jsonl_line_nested_100000_deep(d: Path):
    good = json.dumps(record("N-2"))
    (d / "a.jsonl").write_text(good + '\n{"SKU": "N-3", "Harga": ' + "{\"a\": " * 100_000 + "1" + "}" * 100_000
                               + "}\n")
    return "a.jsonl", {}


@case
def c_json_nested_forty_deep(d: Path):
    deep: object = "x"
    for _ in range(40):
        deep = [deep]
    write_json(d / "a.json", [record("N-4"), {**record("N-5"), "Deskripsi": deep}])
    return "a.json", {}


@case
def c_json_price_of_5001_digits(d: Path):
    (d / "a.json").write_text(json.dumps([record("D-1")])[:-1] + ', {"SKU": "D-2", "Harga": ' + "9" * 5001 + "}]")
    return "a.json", {}


@case
def c_jsonl_sku_of_5001_digits(d: Path):
    (d / "a.jsonl").write_text(json.dumps(record("D-3")) + '\n{"SKU": ' + "1" * 5001 + ', "Nama Produk": "x"}\n')
    return "a.jsonl", {}


@case
def c_json_lone_surrogate_in_name(d: Path):
    good = json.dumps([record("U-1")])
    (d / "a.json").write_text(good[:-1] + ', ' + json.dumps(record("U-2")).replace(NAME, "Dompet \\ud800 Kulit Asli")
                              + "]")
    return "a.json", {}


@case
def c_json_lone_surrogate_in_sku(d: Path):
    (d / "a.json").write_text("[" + json.dumps(record("U-3")) + ", " + json.dumps(record("U-4")).replace(
        '"U-4"', '"U-\\udc00"') + "]")
    return "a.json", {}


@case
def c_jsonl_lone_surrogate_in_a_field_name(d: Path):
    (d / "a.jsonl").write_text(json.dumps(record("U-5")) + "\n" + json.dumps(record("U-6")).replace(
        '"Deskripsi"', '"Deskripsi\\ud83d"') + "\n")
    return "a.jsonl", {}


@case
def c_json_nul_in_image_path(d: Path):
    write_json(d / "a.json", [record("Z-1"), record("Z-2", Foto="foto.png\u0000.jpg")])
    return "a.json", {}


@case
def c_jsonl_nul_in_image_path(d: Path):
    (d / "a.jsonl").write_text(json.dumps(record("Z-3", Foto="\u0000")) + "\n" + json.dumps(record("Z-4")) + "\n")
    return "a.jsonl", {}


@case
def c_sqlite_nul_in_image_path(d: Path):
    write_sqlite(d / "a.sqlite", [tuple(row("Z-5", Foto="foto\x00.png")), tuple(row("Z-6"))])
    return "a.sqlite", {}


@case
def c_sqlite_text_that_is_not_utf8(d: Path):
    write_sqlite(d / "a.sqlite", [tuple(row("Z-7")), tuple(row("Z-8"))])
    con = sqlite3.connect(d / "a.sqlite")  # a lone surrogate as UTF-8 bytes, and cp1252 written by an old tool
    con.execute("""UPDATE produk SET "Nama Produk" = CAST(X'446F6D706574EDA080204B756C6974' AS TEXT) WHERE SKU='Z-8'""")
    con.execute("""INSERT INTO produk (SKU, "Nama Produk") VALUES ('Z-9', CAST(X'436166E9' AS TEXT))""")
    con.commit()
    con.close()
    return "a.sqlite", {}


@case
def c_sqlite_number_of_5001_digits(d: Path):
    write_sqlite(d / "a.sqlite", [tuple(row("D-4", Harga="9" * 5001)), tuple(row("D-5"))])
    return "a.sqlite", {}


@case
def c_xlsx_declared_dimension_absurd(d: Path):
    body = sheet_rows([HEADER, row("X-1")])
    sheet_zip(d / "a.xlsx", sheet_xml(body, "A1:XFD1048576"))
    return "a.xlsx", {}


@case
def c_xlsx_one_cell_at_the_far_corner(d: Path):  # 2.5 KB: the sheet reader's dense range aborted the process
    body = sheet_rows([HEADER, row("X-2")]) + b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>' \
        b"</c></row>"
    sheet_zip(d / "a.xlsx", sheet_xml(body))
    return "a.xlsx", {}


@case
def c_xlsx_cells_without_references_far_down(d: Path):
    body = sheet_rows([HEADER, row("X-3")]) + b'<row r="1000000">' + b'<c t="inlineStr"><is><t>x</t></is></c>' * 20 \
        + b"</row>"
    sheet_zip(d / "a.xlsx", sheet_xml(body))
    return "a.xlsx", {}


@case
def c_xlsx_rows_without_references_far_down(d: Path):  # 19 KB; aborted the process allocating the sheet
    body = sheet_rows([HEADER, row("X-5")]) + b"<row/>" * 2_000_000 + b"<row>" \
        + b'<c t="inlineStr"><is><t>x</t></is></c>' * 20 + b"</row>"
    sheet_zip(d / "a.xlsx", sheet_xml(body))
    return "a.xlsx", {}


@case
def c_xlsx_sku_typed_as_a_number_under_a_zero_format(d: Path):  # read as 777, listed as a different SKU
    write_xlsx(d / "a.xlsx", [row(777), row("Z-9")])
    wb = openpyxl.load_workbook(d / "a.xlsx")
    wb.active["A2"].number_format = "00000"
    wb.save(d / "a.xlsx")
    return "a.xlsx", {}


@case
def c_xlsx_dimension_of_whole_columns(d: Path):  # formatting whole columns A:H in some spreadsheet programs
    sheet_zip(d / "a.xlsx", sheet_xml(sheet_rows([HEADER, row("X-4")]), "A1:H1048576"))
    return "a.xlsx", {}


@case
def c_fifo_named_like_an_image(d: Path):
    os.mkfifo(d / "pipa.png")
    write_csv(d / "a.csv", [row("F-1"), row("F-2", Foto="pipa.png")])
    return "a.csv", {}


@case
def c_fifo_named_like_an_image_in_sqlite(d: Path):
    os.mkfifo(d / "pipa.jpg")
    write_sqlite(d / "a.sqlite", [tuple(row("F-3", Foto="pipa.jpg")), tuple(row("F-4"))])
    return "a.sqlite", {}


@case
def c_nfd_text_reads_as_nfc(d: Path):
    nfd = unicodedata.normalize("NFD", "Kopi Café Édisi Spesial Gayo")
    write_csv(d / "a.csv", [row("NFD-1", **{"Nama Produk": nfd, "Deskripsi": nfd})])
    return "a.csv", {}


@case
def c_nfd_and_nfc_of_one_sku(d: Path):
    write_csv(d / "a.csv", [row(unicodedata.normalize("NFC", "KOPI-É")), row(unicodedata.normalize("NFD", "KOPI-É"))])
    return "a.csv", {}


@case
def c_cell_longer_than_excel_allows(d: Path):
    write_csv(d / "a.csv", [row("L-1"), row("L-2", Deskripsi="Kulit sapi asli. " * 2_500)])
    return "a.csv", {}


@case
def c_json_description_of_a_million_characters(d: Path):
    write_json(d / "a.json", [record("L-3"), record("L-4", Deskripsi="a" * 1_000_000)])
    return "a.json", {}


@case
def c_sqlite_name_of_100000_characters(d: Path):
    write_sqlite(d / "a.sqlite", [tuple(row("L-5", **{"Nama Produk": "Dompet " * 15_000})), tuple(row("L-6"))])
    return "a.sqlite", {}


@case
def c_csv_wider_than_excel(d: Path):
    write_csv(d / "a.csv", [row("W-2") + ["x"] * 17_000], header=HEADER + [f"K{i}" for i in range(17_000)])
    return "a.csv", {}


@case
def c_sqlite_blob_cells(d: Path):
    write_sqlite(d / "a.sqlite", [tuple(row("B-1")), tuple(row(b"BLOB-SKU")),
                                  tuple(row("B-2", **{"Nama Produk": b"\x89PNG binary name"}))])
    return "a.sqlite", {}


# --- values that must be refused, never converted ---


@case
def c_json_non_finite_numbers(d: Path):
    (d / "a.json").write_text("[" + ", ".join(json.dumps(record(f"NF-{i}")).replace('"Rp150.000"', v)
                                             for i, v in enumerate(["NaN", "Infinity", "-Infinity", "1e999"])) + "]")
    return "a.json", {}


@case
def c_json_duplicate_price_field(d: Path):
    (d / "a.json").write_text("[" + json.dumps(record("DK-1")).replace('"Harga": "Rp150.000"',
                                                                    '"Harga": 150000, "harga": 1500') + "]")
    return "a.json", {}


@case
def c_json_booleans_and_nulls_as_codes(d: Path):
    write_json(d / "a.json", [record(True), record(None), record(False), record("OK-2", Stok=True)])
    return "a.json", {}


@case
def c_skus_that_are_not_codes(d: Path):
    write_csv(d / "a.csv", [row(s) for s in ("nan", "inf", "True", "NULL", "#N/A", "None", "-inf")])
    return "a.csv", {}


@case
def c_sku_case_variants(d: Path):
    write_csv(d / "a.csv", [row("dmp-01"), row("DMP-01"), row("Dmp-01")])
    return "a.csv", {}


@case
def c_sku_homoglyphs(d: Path):
    write_csv(d / "a.csv", [row("DMP-01"), row("DМP-01"), row("ＤMP-01")])  # Cyrillic М, fullwidth Ｄ
    return "a.csv", {}


@case
def c_sku_with_zero_width_space(d: Path):
    write_csv(d / "a.csv", [row("DMP\u200b01"), row("DMP\u00a001"), row("DMP\u202e01")])
    return "a.csv", {}


@case
def c_sku_longer_than_fifty(d: Path):
    write_csv(d / "a.csv", [row("KODE-" + "9" * 60)])
    return "a.csv", {}


@case
def c_xlsx_boolean_and_date_cells(d: Path):
    import datetime
    write_xlsx(d / "a.xlsx", [row(True), row("XB-1", Harga=datetime.datetime(2025, 1, 5)),
                              row("XB-2", Stok=False), row("XB-3", Harga=150000.75)])
    return "a.xlsx", {}


@case
def c_excel_error_texts_in_numbers(d: Path):
    write_csv(d / "a.csv", [row(f"EE-{i}", Harga=v) for i, v in enumerate(["#DIV/0!", "#VALUE!", "#REF!", "#N/A"])])
    return "a.csv", {}


@case
def c_formula_text_in_cells(d: Path):
    write_csv(d / "a.csv", [row("FX-1", Harga="=150000*1"), row("FX-2", Stok="=SUM(A1:A9)")])
    return "a.csv", {}


@case
def c_prices_in_other_words(d: Path):
    write_csv(d / "a.csv", [row(f"PW-{i}", Harga=v) for i, v in
                            enumerate(["seratus ribu", "150.000 rupiah", "USD 10", "Rp 150.000 / pcs", "0,5",
                                       "150.000-200.000", "±150rb", "Rp1.500.000.000.000.000"])])
    return "a.csv", {}


@case
def c_weights_that_are_not_weights(d: Path):
    write_csv(d / "a.csv", [row(f"WG-{i}", **{"Berat (gram)": v}) for i, v in
                            enumerate(["2 ons", "-120", "0", "0,0001 kg", "1.500 kg", "berat", "9" * 30])])
    return "a.csv", {}


@case
def c_stock_with_other_units(d: Path):
    write_csv(d / "a.csv", [row(f"SU-{i}", Stok=v) for i, v in enumerate(["12 kg", "banyak", "1e308", "~10",
                                                                          "10-20", "9" * 20])])
    return "a.csv", {}


@case
def c_dimensions_absurd(d: Path):
    header = HEADER + ["Panjang (cm)", "Lebar (cm)", "Tinggi (cm)"]
    write_csv(d / "a.csv", [row("DM-1") + ["9" * 20, "1", "1"], row("DM-2") + ["-5", "0", "2 m"],
                            row("DM-3") + ["30,5", "20", "10"]], header=header)
    return "a.csv", {}


@case
def c_names_too_short_and_too_long(d: Path):
    write_csv(d / "a.csv", [row("NM-1", **{"Nama Produk": "Tas"}), row("NM-2", **{"Nama Produk": "Tas " * 100}),
                            row("NM-3", **{"Nama Produk": "<b></b>"})])
    return "a.csv", {}


@case
def c_unknown_categories(d: Path):
    write_csv(d / "a.csv", [row(f"CT-{i}", Kategori=v) for i, v in enumerate(["Elektronik", "???", "Senjata"])])
    return "a.csv", {}


@case
def c_culinary_without_a_permit(d: Path):
    header = HEADER + ["Izin Edar"]
    write_csv(d / "a.csv", [row("KL-1", Kategori="Kuliner") + [""], row("KL-2", Kategori="Kuliner") + ["12345"],
                            row("KL-3", Kategori="Kuliner") + ["P-IRT 1234567890123-10"]], header=header)
    return "a.csv", {}


@case
def c_expired_products(d: Path):
    write_csv(d / "a.csv", [row("EX-1") + ["01/01/2020"], row("EX-2") + ["31 Des 2019"]],
              header=HEADER + ["Kedaluwarsa"])
    return "a.csv", {}


# --- images ---


@case
def c_too_many_images(d: Path):
    write_csv(d / "a.csv", [row("IM-1", Foto=";".join(["foto.png"] * 12))])
    return "a.csv", {}


@case
def c_images_that_are_not_pictures(d: Path):
    (d / "teks.png").write_text("bukan gambar")
    (d / "anim.jpg").write_bytes(b"GIF89a" + b"\0" * 100)
    (d / "kosong.png").write_bytes(b"")
    write_csv(d / "a.csv", [row("IM-2", Foto="teks.png"), row("IM-3", Foto="anim.jpg"), row("IM-4", Foto="kosong.png")])
    return "a.csv", {}


@case
def c_images_with_odd_addresses(d: Path):
    bad = ["ftp://x/a.png", "HTTP://x/a.png", "\\\\server\\share\\a.png", "C:\\Foto\\a.png", "~/a.png", "foto.png\n"]
    write_csv(d / "a.csv", [row(f"IM-{i + 5}", Foto=b) for i, b in enumerate(bad)])
    return "a.csv", {}


@case
def c_images_missing(d: Path):
    write_csv(d / "a.csv", [row("IM-20", Foto="tidak-ada.jpg"), row("IM-21", Foto="foto.PNG")])
    return "a.csv", {}


# --- variants ---


@case
def c_variant_parent_refused(d: Path):
    header = HEADER + ["SKU Induk", "Nama Variasi", "Varian"]
    write_csv(d / "a.csv", [row("VP 1") + ["VP 1", "", ""], row("VP-1") + ["VP 1", "Ukuran", "40"],
                            row("VP-2") + ["VP 1", "Ukuran", "41"]], header=header)
    return "a.csv", {}


@case
def c_variant_options_repeated(d: Path):
    header = HEADER + ["SKU Induk", "Nama Variasi", "Varian"]
    write_csv(d / "a.csv", [row("VR-1") + ["VR", "Warna", "Coklat"], row("VR-2") + ["VR", "Warna", "coklat"],
                            row("VR-3") + ["VR", "Warna", "Coklat"]], header=header)
    return "a.csv", {}


@case
def c_variant_options_missing(d: Path):
    header = HEADER + ["SKU Induk", "Nama Variasi", "Varian"]
    write_csv(d / "a.csv", [row("VM-1") + ["VM", "Ukuran", ""], row("VM-2") + ["VM", "", ""]], header=header)
    return "a.csv", {}


@case
def c_variant_sku_same_as_another_product(d: Path):
    header = HEADER + ["SKU Induk", "Nama Variasi", "Varian"]
    write_csv(d / "a.csv", [row("VS-1") + ["", "", ""], row("VS-1") + ["VS", "Ukuran", "40"],
                            row("VS-2") + ["VS", "Ukuran", "41"]], header=header)
    return "a.csv", {}


# --- headers and shape ---


@case
def c_required_column_missing(d: Path):
    header = [h for h in HEADER if h != "Harga"]
    write_csv(d / "a.csv", [[c for h, c in zip(HEADER, row(), strict=True) if h != "Harga"]], header=header)
    return "a.csv", {}


@case
def c_header_misspelt(d: Path):
    write_csv(d / "a.csv", [row()], header=[h.replace("Harga", "Hraga") for h in HEADER])
    return "a.csv", {}


@case
def c_header_below_twenty_title_rows(d: Path):
    with (d / "a.csv").open("w", encoding="utf-8") as fh:
        fh.write("DAFTAR PRODUK\n" * 20 + ";".join(HEADER) + "\n" + ";".join(map(str, row())) + "\n")
    return "a.csv", {}


@case
def c_header_twice_in_one_row(d: Path):
    write_csv(d / "a.csv", [row() + ["DUP-2"]], header=HEADER + ["Kode Barang"])
    return "a.csv", {}


@case
def c_csv_crlf_bom_and_quotes(d: Path):  # clean: Excel's "CSV UTF-8" with CRLF and quoted semicolons
    text = ";".join(HEADER) + "\r\n" + ";".join(map(str, row("CR-1", Deskripsi='"Kulit; asli"'))) + "\r\n"
    (d / "a.csv").write_bytes(codecs_bom() + text.encode("utf-8"))
    return "a.csv", {}


def codecs_bom() -> bytes:
    return b"\xef\xbb\xbf"


@case
def c_csv_old_mac_line_endings(d: Path):  # clean: lines ended by CR alone
    (d / "a.csv").write_bytes(("\r".join([";".join(HEADER), ";".join(map(str, row("MAC-1")))]) + "\r").encode())
    return "a.csv", {}


@case
def c_csv_bytes_undefined_in_windows_1252(d: Path):
    (d / "a.csv").write_bytes((";".join(HEADER) + "\n").encode()
                              + b"A-1;Dompet \x81\x8d\x8f\x90\x9d;x;Fashion;1;1;1;\n")
    return "a.csv", {}


@case
def c_csv_nul_byte_far_into_the_file(d: Path):
    write_csv(d / "a.csv", [row(f"NB-{i}") for i in range(2_000)])
    with (d / "a.csv").open("ab") as fh:
        fh.write(b"NB-X;Dompet\x00;x;Fashion;1;1;1;\n")
    return "a.csv", {}


@case
def c_xlsx_password_protected(d: Path):
    (d / "a.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2000))
    return "a.xlsx", {}


@case
def c_xlsx_only_hidden_sheets_hold_products(d: Path):  # clean: the visible sheet is read, and it is empty
    wb = openpyxl.Workbook()
    wb.active.title = "Petunjuk"
    hidden = wb.create_sheet("Produk")
    hidden.append(HEADER)
    hidden.append(row())
    hidden.sheet_state = "hidden"
    wb.save(d / "a.xlsx")
    return "a.xlsx", {}


@case
def c_xlsx_zip_with_a_damaged_sheet_part(d: Path):
    sheet_zip(d / "a.xlsx", b"<worksheet><sheetData><row r='1'><c r='A1'")
    return "a.xlsx", {}


@case
def c_json_wrapped_under_two_keys(d: Path):
    (d / "a.json").write_text(json.dumps({"produk": [record()], "lain": []}))
    return "a.json", {}


@case
def c_json_trailing_garbage(d: Path):
    (d / "a.json").write_text(json.dumps([record()]) + "\n<html>error</html>")
    return "a.json", {}


@case
def c_json_in_utf16(d: Path):
    (d / "a.json").write_bytes(json.dumps([record()]).encode("utf-16"))
    return "a.json", {}


@case
def c_json_leading_zeros_and_hex(d: Path):
    (d / "a.json").write_text('[{"SKU": 00123, "Harga": 0x10}]')
    return "a.json", {}


@case
def c_jsonl_last_line_cut_off(d: Path):
    good = json.dumps(record("JC-1"))
    (d / "a.jsonl").write_text(good + "\n" + json.dumps(record("JC-2"))[:40])
    return "a.jsonl", {}


@case
def c_sqlite_several_tables_none_named(d: Path):
    write_sqlite(d / "a.sqlite", [tuple(row())])
    con = sqlite3.connect(d / "a.sqlite")
    con.execute("CREATE TABLE stok (x)")
    con.commit()
    con.close()
    return "a.sqlite", {}


@case
def c_sqlite_query_that_writes(d: Path):
    write_sqlite(d / "a.sqlite", [tuple(row())])
    return "a.sqlite", {"query": "'DELETE FROM produk'"}


@case
def c_sqlite_integers_past_64_bits(d: Path):
    write_sqlite(d / "a.sqlite", [tuple(row("I64-1", Harga=2**63 - 1, Stok=-2**63))])
    return "a.sqlite", {}


@case
def c_sqlite_real_not_finite(d: Path):
    write_sqlite(d / "a.sqlite", [tuple(row("RF-1", Harga=float("inf"))), tuple(row("RF-2", Stok=float("-inf")))])
    return "a.sqlite", {}


# --- slow attacks: large files, behind the `slow` marker (`.ci/run` runs every test) ---

SLOW_CASES: dict[str, Case] = {}


def slow_case(fn: Case) -> Case:
    SLOW_CASES[fn.__name__.removeprefix("c_")] = fn
    return fn


@slow_case
def c_csv_of_one_sku_repeated_over_2_mb(d: Path):  # MemoryError: every reject listed every row of the SKU
    write_csv(d / "a.csv", [row("SAMA-1") for _ in range(36_000)])
    return "a.csv", {}


@slow_case
def c_csv_of_one_parent_sku_repeated_over_2_mb(d: Path):
    header = HEADER + ["SKU Induk", "Nama Variasi", "Varian"]
    write_csv(d / "a.csv", [row(f"VAR-{i}") + ["INDUK", "Ukuran", "40"] for i in range(30_000)], header=header)
    return "a.csv", {}


@slow_case
def c_xlsx_of_4_8_mb_spanning_the_whole_sheet(d: Path):  # > 8 GB in the sheet reader's dense range
    rows = [HEADER] + [[f"SP-{i}", os.urandom(24).hex(), "Fashion"] for i in range(60_000)]
    body = sheet_rows(rows) + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    sheet_zip(d / "a.xlsx", sheet_xml(body))
    return "a.xlsx", {}


@slow_case
def c_xlsx_zip_bomb(d: Path):  # 300 MB of sheet XML in a file of a few hundred KB
    with zipfile.ZipFile(d / "a.xlsx", "w", zipfile.ZIP_DEFLATED) as z, z.open("xl/worksheets/sheet1.xml", "w") as fh:
        chunk = b" " * (1 << 20)
        for _ in range(300):
            fh.write(chunk)
    return "a.xlsx", {}


@slow_case
def c_csv_larger_than_the_file_limit(d: Path):
    line = ";".join(map(str, row("BESAR-{}", Deskripsi="Kulit sapi asli. " * 50))) + "\n"
    with (d / "a.csv").open("w", encoding="utf-8") as fh:
        fh.write(";".join(HEADER) + "\n")
        for i in range(70 * 1024 * 1024 // len(line)):
            fh.write(line.format(i))
    return "a.csv", {}


@slow_case
def c_csv_of_more_rows_than_the_limit(d: Path):
    write_csv(d / "a.csv", [row(f"R-{i}") for i in range(50_001)])
    return "a.csv", {}


def institutions(folder: Path, cases: dict[str, Case] = CASES) -> tuple[str, list[str]]:
    entries, codes = [], []
    for number, (name, make) in enumerate(cases.items()):
        d = folder / name
        d.mkdir()
        (d / "foto.png").write_bytes(PNG)
        file, extra = make(d)
        code = "lapas-" + name.replace("_", "-")
        codes.append(code)
        settings = "".join(f", {k}: {v}" for k, v in extra.items())
        entries.append(f"  - {{code: {code}, name: Lapas Uji, type: lapas, sku_prefix: H{number:03d},"
                       f" catalog: {{path: {name}/{file}{settings}}}}}")
    return "institutions:\n" + "\n".join(entries) + "\n", codes


MEMORY_LIMIT = 1 << 30  # "no input file makes the process exceed 1 GB or run past its deadlines"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def validate_limited(config: Path, timeout: float) -> dict:
    """`pasindo validate` in its own process, held to 1 GB of address space and a deadline: a catalog that
    aborts, exhausts or hangs the process fails here instead of taking pytest with it."""
    done = subprocess.run(
        [sys.executable, "-c", "from connector.cli import main; main()", "--config", str(config), "validate",
         "--format", "json", "--products"],
        capture_output=True, text=True, timeout=timeout, preexec_fn=_limit_memory, cwd=config.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == 1, (done.returncode, done.stderr[-3000:])
    return json.loads(done.stdout)


def test_the_corpus_has_at_least_90_malformed_catalogs():
    assert len(CASES) + len(SLOW_CASES) >= 90


def make_corpus(folder: Path, cases: dict[str, Case]) -> tuple[Path, Path, list[str]]:
    text, codes = institutions(folder, cases)
    config = folder / "pasindo.yaml"
    config.write_text(text + "state_dir: state\n", encoding="utf-8")
    return folder, config, codes


@pytest.fixture(scope="session")
def shared_corpus(tmp_path_factory) -> tuple[Path, Path, list[str], dict]:
    """The corpus and its validation, made once for the whole run: the first worker to need them makes them under
    a file lock in the run's shared temporary folder, the others read what it left. Only read from it."""
    import fcntl

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by every worker of this run
    folder, done = root / "hostile-shared", root / "hostile-shared.json"
    with open(root / "hostile-shared.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            folder.mkdir(exist_ok=True)
            _, config, codes = make_corpus(folder, CASES)
            doc = validate_limited(config, timeout=300)
            done.write_text(json.dumps({"codes": codes, "doc": doc}), encoding="utf-8")
    kept = json.loads(done.read_text(encoding="utf-8"))
    return folder, folder / "pasindo.yaml", kept["codes"], kept["doc"]


def _copied(source: str, target: str) -> None:
    """A file copied as it is; a named pipe made anew (reading one to copy it would wait for a writer)."""
    if stat.S_ISFIFO(os.lstat(source).st_mode):
        os.mkfifo(target)
    else:
        shutil.copy2(source, target)


@pytest.fixture(scope="module")
def corpus(shared_corpus) -> tuple[Path, Path, list[str]]:
    return shared_corpus[:3]


CLEAN = {"cp1252-with-accents", "utf16-export", "emoji-and-right-to-left-text", "html-and-script-in-descriptions",
         "hundred-thousand-empty-rows", "header-only", "empty-file", "empty-headers-with-data",
         "ten-thousand-columns", "merged-title-rows-above-the-header", "nfd-text-reads-as-nfc",
         "csv-crlf-bom-and-quotes", "csv-old-mac-line-endings", "xlsx-only-hidden-sheets-hold-products",
         "jsonl-lone-surrogate-in-a-field-name",  # that field matches none: a warning shows it escaped
         "xlsx-sku-typed-as-a-number-under-a-zero-format"}

# The reported attacks: the reason each is refused with, and the good rows beside it that are still read.
REFUSED_AS = {
    "json-nested-100000-deep": "catalog_unreadable", "jsonl-line-nested-100000-deep": "row_invalid",
    "json-nested-forty-deep": "row_invalid", "json-price-of-5001-digits": "cell_unreadable",
    "jsonl-sku-of-5001-digits": "cell_unreadable", "json-lone-surrogate-in-name": "cell_not_unicode",
    "json-lone-surrogate-in-sku": "cell_not_unicode", "json-nul-in-image-path": "image_name_invalid",
    "jsonl-nul-in-image-path": "image_name_invalid", "sqlite-nul-in-image-path": "image_name_invalid",
    "sqlite-text-that-is-not-utf8": "cell_unreadable", "xlsx-declared-dimension-absurd": "catalog_unreadable",
    "xlsx-one-cell-at-the-far-corner": "catalog_unreadable",
    "xlsx-cells-without-references-far-down": "catalog_unreadable",
    "xlsx-rows-without-references-far-down": "catalog_unreadable",
    "xlsx-dimension-of-whole-columns": "catalog_unreadable", "fifo-named-like-an-image": "image_not_a_file",
    "fifo-named-like-an-image-in-sqlite": "image_not_a_file",
    "cell-longer-than-excel-allows": "cell_too_long",
    "json-description-of-a-million-characters": "cell_too_long", "sqlite-name-of-100000-characters": "cell_too_long",
    "csv-wider-than-excel": "catalog_unreadable", "sqlite-blob-cells": "cell_binary",
}
STILL_READ = {"N-2", "N-4", "D-1", "D-3", "D-5", "U-1", "U-3", "U-5", "Z-1", "Z-4", "Z-6", "Z-7", "F-1", "F-4",
              "L-1", "L-3", "L-6", "B-1", "NFD-1", "00777"}


def check_findings(doc: dict, codes: list[str], clean: set[str], root: Path) -> None:
    """Every catalog was read (none stopped the others), every refusal has a reason and a message, and what was
    accepted is valid and safe."""
    assert [i["code"] for i in doc["institutions"]] == codes
    by_institution: dict[str, list[dict]] = {}
    for reject in doc["rejects"]:
        by_institution.setdefault(reject["institution"], []).append(reject)
        assert reject["reason"] and reject["message"] and "Traceback" not in reject["message"]
        assert reject["value"] is None or len(reject["value"]) <= 120
    for code in codes:
        if code.removeprefix("lapas-") not in clean:
            assert by_institution.get(code), f"{code}: no reject"
    for product in doc["products"]:
        assert PRICE_MIN <= product["price"] <= PRICE_MAX and product["stock"] >= 0 and product["weight_g"] > 0
        assert "<" not in product["name"] and "<script" not in product["description"]
        assert not any(ch in product["sku"] for ch in " \t\n\x07\x00")
        assert unicodedata.is_normalized("NFC", product["name"] + product["description"])
        for image in product["images"]:
            assert image.startswith("https://") or Path(image).resolve().is_relative_to(root)


@pytest.fixture(scope="module")
def validated(shared_corpus) -> dict:
    return shared_corpus[3]


@pytest.mark.slow
def test_every_malformed_catalog_gets_clear_rejects_and_no_traceback(corpus, validated):
    folder, _, codes = corpus
    doc = validated
    check_findings(doc, codes, CLEAN, folder)
    reasons = {(r["institution"], r["reason"]) for r in doc["rejects"]}
    for name, reason in REFUSED_AS.items():
        assert (f"lapas-{name}", reason) in reasons, (name, [r for r in doc["rejects"] if r["institution"].endswith(
            name)][:3])
    names = {p["sku"]: p["name"] for p in doc["products"]}
    assert "\u202e" not in names.get("E-1", "") and "👜" in names.get("E-1", "")
    assert {"M-1", "M-2", "LAST", "W-1", "CR-1", "MAC-1"} | STILL_READ <= set(names)
    assert names["NFD-1"] == unicodedata.normalize("NFC", "Kopi Café Édisi Spesial Gayo")


@pytest.mark.slow
def test_a_limit_is_said_in_both_languages(corpus, validated):
    far = [r for r in validated["rejects"] if r["institution"] == "lapas-xlsx-one-cell-at-the-far-corner"]
    assert "1,048,576 rows by 16,384 columns" in far[0]["message"]
    result = CliRunner().invoke(main, ["--config", str(corpus[1]), "report", "--rejects", "--format", "json"])
    kept = [r for r in json.loads(result.stdout) if r["institution"] == "lapas-csv-wider-than-excel"]
    assert [r["reason"] for r in kept] == ["catalog_unreadable"]
    assert "17,008 columns" in kept[0]["message_en"] and "berisi 17,008 kolom" in kept[0]["message_id"]


@pytest.mark.slow
def test_large_hostile_catalogs_are_refused_within_1_gb_and_the_deadline(tmp_path):
    folder, config, codes = make_corpus(tmp_path, SLOW_CASES)
    doc = validate_limited(config, timeout=600)
    check_findings(doc, codes, set(), folder)
    refused = {r["institution"]: r for r in doc["rejects"]}
    for name in ("xlsx-of-4-8-mb-spanning-the-whole-sheet", "xlsx-zip-bomb", "csv-larger-than-the-file-limit",
                 "csv-of-more-rows-than-the-limit"):
        assert refused[f"lapas-{name}"]["reason"] == "catalog_unreadable"
    repeated = [r for r in doc["rejects"] if r["institution"] == "lapas-csv-of-one-sku-repeated-over-2-mb"]
    assert len(repeated) == 36_000 and all(r["reason"] == "sku_duplicate" for r in repeated)
    assert "36,000 rows" in repeated[0]["message"] and len(repeated[0]["message"]) < 300


@pytest.mark.slow
def test_nothing_invalid_reaches_the_sandbox(corpus, tmp_path):
    # its own copy of the corpus (without the shared state): this test rewrites the config and syncs
    own = tmp_path / "corpus"
    shutil.copytree(corpus[0], own, ignore=shutil.ignore_patterns("state"), symlinks=True, copy_function=_copied)
    config = own / "pasindo.yaml"
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite") as sandbox:
        config.write_text(config.read_text(encoding="utf-8").split("channels:")[0] + (
            f"channels:\n  - {{name: shopee, adapter: shopee, endpoint: '{sandbox.url}', options: {{rate_limit: 500}},"
            " credentials: {partner_id: '100001', partner_key: sandbox-shopee-key, shop_id: '200001',"
            " access_token: sandbox-shopee-token}}\n"), encoding="utf-8")
        result = CliRunner().invoke(main, ["--config", str(config), "sync", "--format", "json"])
        assert result.exit_code == 1, result.output  # rejects, and everything valid listed
        items = requests.get(f"{sandbox.url}/_sandbox/items", params={"dialect": "shopee"}, timeout=10).json()["items"]
    listed = CliRunner().invoke(main, ["--config", str(config), "validate", "--format", "json", "--products"])
    valid = {p["key"] for p in json.loads(listed.stdout)["products"]}
    assert len(items) == len(valid) > 0
    for item in items:
        assert PRICE_MIN <= item["price"] <= PRICE_MAX and item["stock"] >= 0
        assert "<" not in item["name"]
        assert unicodedata.is_normalized("NFC", item["name"])
