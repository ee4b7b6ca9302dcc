"""Hostile and clumsy cells in workbooks and catalogs (issue 15): numbers that lose their leading zeros, sheets
without cell references, a parent row's price, a catalog path that is not a regular file."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from helpers import sandbox_items
from test_hostile import HEADER, PNG, row, sheet_rows, sheet_xml, sheet_zip, write_csv

from connector.cli import main
from connector.sandbox import SandboxServer


def config(folder: Path, *catalogs: str) -> Path:
    (folder / "foto.png").write_bytes(PNG)
    lines = [f"  - {{code: lapas-{i}, name: Lapas {i}, type: lapas, sku_prefix: L{i}, catalog: {{path: {path}}}}}"
             for i, path in enumerate(catalogs, 1)]
    path = folder / "pasindo.yaml"
    path.write_text("institutions:\n" + "\n".join(lines) + "\nstate_dir: state\n", encoding="utf-8")
    return path


def validate(path: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["--config", str(path), "validate", "--format", "json", "--products"])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout)


def by_sku(doc: dict) -> dict[str, dict]:
    return {p["sku"]: p for p in doc["products"]}


# --- 1. a number under a zero-padding format reads as Excel shows it ---------------------------------


def padded_workbook(path: Path, rows: list[list[object]], padded: dict[str, str]) -> Path:
    """Staff's workbook: the SKU column (and here the price and stock columns too) formatted "00000" before typing,
    so Excel shows 00123 for the number 123."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Produk"
    ws.append(HEADER)
    for values in rows:
        ws.append(values)
    for number in range(2, len(rows) + 2):
        for header, code in padded.items():
            ws.cell(number, HEADER.index(header) + 1).number_format = code
    wb.save(path)
    return path


def test_a_sku_typed_as_a_number_under_a_zero_padded_format_is_what_excel_shows(tmp_path):
    padded_workbook(tmp_path / "a.xlsx", [row(123, Harga=150000, Stok=5), row(4567, Harga=75000, Stok=12),
                                          row("KT-9", Harga=99000, Stok=3)],
                    {"SKU": "00000", "Harga": "00000", "Stok": "000"})
    code, doc = validate(config(tmp_path, "a.xlsx"))
    assert code == 0, doc["rejects"]
    products = by_sku(doc)
    assert set(products) == {"00123", "04567", "KT-9"}
    # numeric columns keep their number: 150000 is wider than the format, 5 is shown 005 and is still 5
    assert (products["00123"]["price"], products["00123"]["stock"]) == (150000, 5)
    assert (products["04567"]["price"], products["04567"]["stock"]) == (75000, 12)


def test_the_workbook_reads_as_its_own_csv_export(tmp_path):
    padded_workbook(tmp_path / "a.xlsx", [row(123, Harga=150000, Stok=5)], {"SKU": "00000"})
    write_csv(tmp_path / "b.csv", [row("00123", Harga="150000", Stok="5")])  # Excel's "Save as CSV" writes 00123
    _, doc = validate(config(tmp_path, "a.xlsx", "b.csv"))
    keys = sorted(p["key"] for p in doc["products"])
    assert keys == ["lapas-1:00123", "lapas-2:00123"]


def test_only_a_format_of_zeros_alone_pads(tmp_path):
    padded_workbook(tmp_path / "a.xlsx", [row(123, Harga=150000), row(77, Harga=80000)],
                    {"SKU": "#,##0", "Harga": '"Rp"#,##0'})
    _, doc = validate(config(tmp_path, "a.xlsx"))
    assert set(by_sku(doc)) == {"123", "77"}


def test_the_chosen_sheet_reads_its_own_cell_formats(tmp_path):
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Lama"
    first.append(HEADER)
    first.append(row(55, Harga=150000))
    first["A2"].number_format = "00000"
    other = wb.create_sheet("Produk")
    other.append(HEADER)
    other.append(row(55, Harga=150000))
    other.append(row(66, Harga=150000))
    other["A3"].number_format = "0000"
    wb.save(tmp_path / "a.xlsx")
    path = config(tmp_path, "a.xlsx")
    path.write_text(path.read_text().replace("path: a.xlsx", "path: a.xlsx, sheet: Produk"))
    _, doc = validate(path)
    assert set(by_sku(doc)) == {"55", "0066"}


def test_a_workbook_part_declaring_entities_is_refused_unparsed(tmp_path):
    padded_workbook(tmp_path / "good.xlsx", [row(123)], {"SKU": "00000"})
    with zipfile.ZipFile(tmp_path / "good.xlsx") as source, zipfile.ZipFile(tmp_path / "a.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/styles.xml":
                # declared, not yet used: the sheet reader passes over it; a parser that expands entities must not
                data = (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "00000"><!ENTITY b "&a;&a;&a;&a;">]>'
                        + data.split(b"?>", 1)[-1])
            target.writestr(item, data)
    write_csv(tmp_path / "b.csv", [row("B-1")])
    code, doc = validate(config(tmp_path, "a.xlsx", "b.csv"))
    assert code == 1
    refused = [r for r in doc["rejects"] if r["institution"] == "lapas-1"]
    assert [r["reason"] for r in refused] == ["catalog_unreadable"]
    assert "xl/styles.xml declares a DTD" in refused[0]["message"]
    assert set(by_sku(doc)) == {"B-1"}  # the other institution carries on


# --- 2. a sheet whose cells carry no reference ---------------------------------------------------------


def unreferenced(rows: list[list[object]]) -> bytes:
    """Rows and cells as some generators write them: no r= at all, each one after the one before."""
    return b"".join(b"<row>" + b"".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>'.encode() for v in cells)
                    + b"</row>" for cells in rows)


def test_cells_without_references_are_numbered_where_a_spreadsheet_shows_them(tmp_path):
    sheet_zip(tmp_path / "a.xlsx", sheet_xml(unreferenced([HEADER, row("NR-1"), row("NR-2", Harga="murah")])))
    code, doc = validate(config(tmp_path, "a.xlsx"))
    assert code == 1
    assert set(by_sku(doc)) == {"NR-1"}
    assert by_sku(doc)["NR-1"]["source"]["row"] == 2
    [refused] = [r for r in doc["rejects"] if r["reason"] != "catalog_empty"]
    assert (refused["row"], refused["column"], refused["value"]) == (3, "Harga", "murah")


def test_cells_without_references_after_referenced_ones_continue_from_them(tmp_path):
    # row 4 is referenced, the row after it is not (row 5); in row 5 the cells after E5 have no reference (F5...)
    cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in row("NR-4", Harga="gratis")[5:])
    body = (sheet_rows([HEADER]) + sheet_rows([row("NR-3")], start=4)
            + b"<row>" + b"".join(f'<c r="{chr(65 + i)}5" t="inlineStr"><is><t>{v}</t></is></c>'.encode()
                                  for i, v in enumerate(row("NR-4", Harga="gratis")[:5])) + cells.encode()
            + b"</row>")
    sheet_zip(tmp_path / "a.xlsx", sheet_xml(body))
    _, doc = validate(config(tmp_path, "a.xlsx"))
    assert by_sku(doc)["NR-3"]["source"]["row"] == 4
    [refused] = doc["rejects"]
    assert (refused["row"], refused["column"], refused["value"]) == (5, "Harga", "gratis")


def test_rows_without_references_far_down_are_refused_before_the_sheet_is_allocated(tmp_path):
    # 19 KB on disk: header and one product, two million `<row/>`, then a row of twenty cells far below
    body = (sheet_rows([HEADER, row("NR-5")]) + b"<row/>" * 2_000_000
            + b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 20 + b"</row>")
    sheet_zip(tmp_path / "a.xlsx", sheet_xml(body))
    write_csv(tmp_path / "b.csv", [row("B-2")])
    code, doc = validate(config(tmp_path, "a.xlsx", "b.csv"))
    assert code == 1
    [refused] = [r for r in doc["rejects"] if r["institution"] == "lapas-1"]
    assert refused["reason"] == "catalog_unreadable" and "2,000,003 rows by 28 columns" in refused["message"]
    assert set(by_sku(doc)) == {"B-2"}


# --- 4. a catalog path that is not a regular file ---------------------------------------------------


def with_shopee(path: Path, url: str) -> Path:
    path.write_text(path.read_text(encoding="utf-8") + (
        f"channels:\n  - {{name: shopee, adapter: shopee, endpoint: '{url}', options: {{rate_limit: 500}},"
        " credentials: {partner_id: '100001', partner_key: sandbox-shopee-key, shop_id: '200001',"
        " access_token: sandbox-shopee-token}}\n"), encoding="utf-8")
    return path


def test_a_pipe_as_a_catalog_is_that_institutions_reject_and_the_others_carry_on(tmp_path):
    os.mkfifo(tmp_path / "a.csv")
    write_csv(tmp_path / "b.csv", [row("B-3")])
    code, doc = validate(config(tmp_path, "a.csv", "b.csv"))
    assert code == 1
    [refused] = [r for r in doc["rejects"] if r["institution"] == "lapas-1"]
    assert refused["reason"] == "catalog_unreadable" and "not a regular file" in refused["message"]
    assert set(by_sku(doc)) == {"B-3"}


def test_a_missing_catalog_is_still_a_config_error(tmp_path):
    write_csv(tmp_path / "b.csv", [row("B-4")])
    result = CliRunner().invoke(main, ["--config", str(config(tmp_path, "hilang.csv", "b.csv")), "validate"])
    assert result.exit_code == 2 and "catalog.path: no such file" in result.output


def test_a_sync_whose_catalog_became_a_pipe_keeps_its_listings_and_lists_the_others(tmp_path):
    write_csv(tmp_path / "a.csv", [row("A-1")])
    write_csv(tmp_path / "b.csv", [row("B-5")])
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite") as sandbox:
        path = with_shopee(config(tmp_path, "a.csv", "b.csv"), sandbox.url)
        first = CliRunner().invoke(main, ["--config", str(path), "sync"])
        assert first.exit_code == 0, first.output
        (tmp_path / "a.csv").unlink()
        os.mkfifo(tmp_path / "a.csv")  # the share now hands over a pipe where the file was
        write_csv(tmp_path / "b.csv", [row("B-5"), row("B-6")])
        second = CliRunner().invoke(main, ["--config", str(path), "sync", "--format", "json"])
        assert second.exit_code == 1, second.output
        items = sandbox_items(sandbox, "shopee")
    listed = {item["seller_sku"]: item for item in items}
    assert set(listed) == {"L1-A-1", "L2-B-5", "L2-B-6"}
    assert listed["L1-A-1"]["status"] == "active"  # the pipe delisted nothing
    assert "not a regular file" in second.output


# --- 3. a parent row's price ---------------------------------------------------------------------------

VAR_HEADER = HEADER + ["SKU Induk", "Nama Variasi", "Varian"]


def shoe_rows(parent_price: object, *variant_prices: object) -> list[list[object]]:
    """Staff's way: a parent row with the product's fields and a price, then one row per size under SKU Induk
    with only what differs."""
    parent = row("SPT-01", Kategori="Fashion/Sepatu", Harga=parent_price, Stok="",
                 **{"Nama Produk": "Sepatu Pantofel Kulit Pria Hitam Asli"}) + ["", "", ""]
    sizes = [[f"SPT-01-{40 + i}", "", "", "", price, "3", "", "", "SPT-01", "Ukuran", str(40 + i)]
             for i, price in enumerate(variant_prices)]
    return [parent, *sizes]


def test_a_variant_without_a_price_takes_the_parent_rows_price_without_a_warning(tmp_path):
    write_csv(tmp_path / "a.csv", shoe_rows("Rp300.000", "", ""), header=VAR_HEADER)
    code, doc = validate(config(tmp_path, "a.csv"))
    assert (code, doc["rejects"], doc["notices"]) == (0, [], [])
    [shoe] = doc["products"]
    assert [(v["sku"], v["price"]) for v in shoe["variants"]] == [("SPT-01-40", 300_000), ("SPT-01-41", 300_000)]


def test_a_variant_price_that_differs_from_the_parent_rows_is_a_warning_on_the_parent_cell(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(VAR_HEADER)
    for values in shoe_rows(300000, 325000, None, 300000):
        wb.active.append(values)
    wb.save(tmp_path / "a.xlsx")
    code, doc = validate(config(tmp_path, "a.xlsx"))
    assert code == 0  # a warning refuses nothing
    [shoe] = doc["products"]
    assert [(v["sku"], v["price"]) for v in shoe["variants"]] == [
        ("SPT-01-40", 325_000), ("SPT-01-41", 300_000), ("SPT-01-42", 300_000)]
    assert doc["rejects"] == []
    [warning] = doc["notices"]
    assert (warning["severity"], warning["reason"], warning["row"], warning["column"], warning["value"]) == (
        "warning", "variant_price_own", 2, "Harga", "300000")
    assert "rows 3" in warning["message"] and "300000" in warning["message"]


def test_a_parent_price_that_does_not_parse_is_said_when_every_variant_has_its_own(tmp_path):
    write_csv(tmp_path / "a.csv", shoe_rows("tiga ratus ribu", "Rp300.000", "Rp310.000"), header=VAR_HEADER)
    code, doc = validate(config(tmp_path, "a.csv"))
    assert code == 0
    [warning] = doc["notices"]
    assert (warning["reason"], warning["row"], warning["value"]) == ("variant_price_own", 2, "tiga ratus ribu")
    assert "rows 3, 4:" in warning["message"]


def test_a_zero_padded_format_on_cells_without_references_pads_the_right_cells(tmp_path):
    padded_workbook(tmp_path / "good.xlsx", [row(123, Harga=150000), row(77, Harga=80000)], {"SKU": "00000"})
    with zipfile.ZipFile(tmp_path / "good.xlsx") as source, zipfile.ZipFile(tmp_path / "a.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":  # the same sheet as a generator without references
                data = re.sub(rb' r="[A-Z]*[0-9]+"', b"", data)
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b"", data)
            target.writestr(item, data)
    _, doc = validate(config(tmp_path, "a.xlsx"))
    assert {(p["sku"], p["price"], p["source"]["row"]) for p in doc["products"]} == {
        ("00123", 150_000, 2), ("00077", 80_000, 3)}
