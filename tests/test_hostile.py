"""Hostile input: malformed catalogs get clear rejects, never a traceback, and nothing invalid reaches a channel."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
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


def institutions(folder: Path) -> tuple[str, list[str]]:
    entries, codes = [], []
    for name, make in CASES.items():
        d = folder / name
        d.mkdir()
        (d / "foto.png").write_bytes(PNG)
        file, extra = make(d)
        code = "lapas-" + name.replace("_", "-")
        codes.append(code)
        settings = "".join(f", {k}: {v}" for k, v in extra.items())
        entries.append(f"  - {{code: {code}, name: Lapas Uji, type: lapas, sku_prefix: {code[-12:].replace('-', '')},"
                       f" catalog: {{path: {name}/{file}{settings}}}}}")
    return "institutions:\n" + "\n".join(entries) + "\n", codes


def test_the_corpus_has_at_least_30_malformed_catalogs():
    assert len(CASES) >= 30


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    text, codes = institutions(folder)
    config = folder / "pasindo.yaml"
    config.write_text(text + "state_dir: state\n", encoding="utf-8")
    return folder, config, codes


def test_every_malformed_catalog_gets_clear_rejects_and_no_traceback(corpus):
    _, config, codes = corpus
    result = CliRunner().invoke(main, ["--config", str(config), "validate", "--format", "json", "--products"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [i["code"] for i in doc["institutions"]] == codes  # every catalog was read, none stopped the others
    by_institution: dict[str, list[dict]] = {}
    for reject in doc["rejects"]:
        by_institution.setdefault(reject["institution"], []).append(reject)
        assert reject["reason"] and reject["message"] and "Traceback" not in reject["message"]
        assert reject["value"] is None or len(reject["value"]) <= 120
    clean = {"cp1252-with-accents", "utf16-export", "emoji-and-right-to-left-text", "html-and-script-in-descriptions",
             "hundred-thousand-empty-rows", "header-only", "empty-file", "empty-headers-with-data",
             "ten-thousand-columns", "merged-title-rows-above-the-header"}
    for code in codes:
        if code.removeprefix("lapas-") not in clean:
            assert by_institution.get(code), f"{code}: no reject"
    for product in doc["products"]:  # what was accepted is valid and safe
        assert PRICE_MIN <= product["price"] <= PRICE_MAX and product["stock"] >= 0 and product["weight_g"] > 0
        assert "<" not in product["name"] and "<script" not in product["description"]
        assert not any(ch in product["sku"] for ch in " \t\n\x07")
        for image in product["images"]:
            assert image.startswith("https://") or Path(image).resolve().is_relative_to(corpus[0])
    names = {p["sku"]: p["name"] for p in doc["products"]}
    assert "\u202e" not in names.get("E-1", "") and "👜" in names.get("E-1", "")
    assert {"M-1", "M-2", "LAST", "W-1"} <= set(names)


def test_nothing_invalid_reaches_the_sandbox(corpus, tmp_path):
    _, config, _ = corpus
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
