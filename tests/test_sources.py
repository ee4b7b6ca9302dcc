import datetime
import json
import os
import re
import sqlite3
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.catalog import sources
from connector.catalog.sources import CatalogUnreadable, RawRow, detect_format, iter_rows


def read(path: Path, **options) -> list[tuple[int, list | dict]]:
    return [(row.number, row.cells) for row in iter_rows(path, **options)]


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def unreadable(path: Path, **options) -> str:
    with pytest.raises(CatalogUnreadable) as caught:
        list(iter_rows(path, **options))
    assert caught.value.path == path
    assert str(caught.value).startswith(str(path))
    return caught.value.problem


# --- format detection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("katalog.csv", "csv"),
        ("KATALOG.TXT", "csv"),
        ("katalog.xlsx", "xlsx"),
        ("katalog.xlsm", "xlsx"),
        ("katalog.json", "json"),
        ("katalog.jsonl", "jsonl"),
        ("katalog.ndjson", "jsonl"),
        ("katalog.sqlite", "sqlite"),
        ("katalog.sqlite3", "sqlite"),
        ("katalog.db", "sqlite"),
    ],
)
def test_format_comes_from_the_extension(tmp_path, name, expected):
    assert detect_format(tmp_path / name) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"PK\x03\x04rest of a zip", "xlsx"),
        (b"SQLite format 3\x00" + bytes(100), "sqlite"),
        (b'\xef\xbb\xbf  [{"sku": "A1"}]', "json"),
        (b'{"sku": "A1"}\n{"sku": "A2"}\n', "jsonl"),
        (b'{\n  "products": [{"sku": "A1"}]\n}\n', "json"),
        (b"SKU;Nama Produk\nA1;Tas\n", "csv"),
    ],
)
def test_format_without_extension_is_sniffed_from_the_first_bytes(tmp_path, data, expected):
    assert detect_format(write_bytes(tmp_path / "katalog", data)) == expected


def test_binary_file_without_extension_is_unreadable(tmp_path):
    path = write_bytes(tmp_path / "katalog", bytes(range(256)) * 4)
    with pytest.raises(CatalogUnreadable, match="cannot tell what kind of file"):
        detect_format(path)


@pytest.mark.parametrize("name", ["ada.csv", "ada.xlsx", "ada.json", "ada.jsonl", "ada.db", "tanpa-ekstensi"])
def test_missing_file_is_unreadable(tmp_path, name):
    assert unreadable(tmp_path / name) == "file not found"


def test_folder_is_unreadable(tmp_path):
    folder = tmp_path / "katalog.csv"
    folder.mkdir()
    assert unreadable(folder) == "is a folder, not a file"


def test_unknown_format_argument_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="unknown catalog format 'xls'"):
        list(iter_rows(tmp_path / "katalog.xls", format="xls"))


def test_rows_are_raw_rows(tmp_path):
    path = tmp_path / "katalog.csv"
    path.write_text("SKU,Nama\n", encoding="utf-8")
    assert list(iter_rows(path)) == [RawRow(1, ["SKU", "Nama"])]


# --- CSV -------------------------------------------------------------------------------------------


def test_csv_with_commas(tmp_path):
    path = tmp_path / "katalog.csv"
    path.write_text("SKU,Nama Produk,Harga\nLMJ-001,Tas Selempang Kulit,150000\n", encoding="utf-8")
    assert read(path) == [
        (1, ["SKU", "Nama Produk", "Harga"]),
        (2, ["LMJ-001", "Tas Selempang Kulit", "150000"]),
    ]


def test_csv_with_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "katalog.csv"
    path.write_text(
        "SKU;Nama Produk;Harga;Berat\n"
        "KPI-01;Kopi Arabika, bubuk;150.000,00;0,25 kg\n"
        "KPI-02;Kopi Robusta, biji;90.000,00;0,5 kg\n",
        encoding="utf-8",
    )
    assert read(path) == [
        (1, ["SKU", "Nama Produk", "Harga", "Berat"]),
        (2, ["KPI-01", "Kopi Arabika, bubuk", "150.000,00", "0,25 kg"]),
        (3, ["KPI-02", "Kopi Robusta, biji", "90.000,00", "0,5 kg"]),
    ]


def test_csv_with_tabs(tmp_path):
    path = tmp_path / "katalog.txt"
    path.write_text("SKU\tNama Produk\nA1\tPiring, plastik\n", encoding="utf-8")
    assert read(path) == [(1, ["SKU", "Nama Produk"]), (2, ["A1", "Piring, plastik"])]


def test_csv_delimiter_is_found_below_a_title_line(tmp_path):
    path = tmp_path / "katalog.csv"
    path.write_text("Katalog Lapas Kelas IIB Mojokerto\n\nSKU;Nama;Harga\nA1;Dompet, kulit;55.000\n", "utf-8")
    assert read(path) == [
        (1, ["Katalog Lapas Kelas IIB Mojokerto"]),
        (3, ["SKU", "Nama", "Harga"]),
        (4, ["A1", "Dompet, kulit", "55.000"]),
    ]


def test_csv_utf8_bom_is_not_part_of_the_first_cell(tmp_path):
    path = write_bytes(tmp_path / "katalog.csv", "\ufeffSKU;Nama\nA1;Kopi Gayo – 250 g\n".encode())
    assert read(path) == [(1, ["SKU", "Nama"]), (2, ["A1", "Kopi Gayo – 250 g"])]


def test_csv_in_windows_1252_is_decoded(tmp_path):
    text = "SKU;Nama Produk\nKPI-01;Kopi Arabika Gayo – 250 g\nKPI-02;Café Toraja\n"
    path = write_bytes(tmp_path / "katalog.csv", text.encode("cp1252"))
    assert read(path) == [
        (1, ["SKU", "Nama Produk"]),
        (2, ["KPI-01", "Kopi Arabika Gayo – 250 g"]),
        (3, ["KPI-02", "Café Toraja"]),
    ]


def test_csv_encoding_is_decided_on_the_whole_file_not_its_start(tmp_path):
    rows = "".join(f"A{i};Keripik tempe\n" for i in range(10_000))  # well past the first read
    path = write_bytes(tmp_path / "katalog.csv", (rows + "Z9;Café\n").encode("cp1252"))
    result = read(path)
    assert result[0] == (1, ["A0", "Keripik tempe"])
    assert result[-1] == (10_001, ["Z9", "Café"])


def test_csv_utf8_character_split_across_read_chunks_stays_utf8(tmp_path):
    prefix = "SKU;Nama\n" + "A;" + "x" * (sources._HEAD_SIZE - len("SKU;Nama\nA;") - 1)
    data = (prefix + "–;y\n").encode()
    assert data[sources._HEAD_SIZE - 1 : sources._HEAD_SIZE + 2] == "–".encode()  # straddles the chunk end
    last = read(write_bytes(tmp_path / "katalog.csv", data))[-1]
    assert last == (2, ["A", "x" * (len(prefix) - len("SKU;Nama\nA;")) + "–", "y"])


def test_csv_in_utf16_from_excel_unicode_text(tmp_path):
    path = write_bytes(tmp_path / "katalog.txt", "SKU\tNama\nA1\tKopi Gayo – 250 g\n".encode("utf-16"))
    assert read(path) == [(1, ["SKU", "Nama"]), (2, ["A1", "Kopi Gayo – 250 g"])]


def test_csv_quoted_cell_with_line_breaks_is_one_row(tmp_path):
    path = tmp_path / "katalog.csv"
    path.write_text(
        'SKU;Deskripsi;Harga\nB1;"Batik tulis\nukuran 2 x 1,1 m\n""motif parang""";350.000\n'
        "B2;Kaligrafi;500.000\n",
        encoding="utf-8",
    )
    assert read(path) == [
        (1, ["SKU", "Deskripsi", "Harga"]),
        (2, ["B1", 'Batik tulis\nukuran 2 x 1,1 m\n"motif parang"', "350.000"]),
        (3, ["B2", "Kaligrafi", "500.000"]),
    ]


def test_csv_blank_rows_are_skipped_but_counted(tmp_path):
    path = tmp_path / "katalog.csv"
    path.write_text("SKU;Nama\r\n\r\nA1;Tas\r\n;\r\n  ;\t\r\nA2;Dompet\r\n\r\n", encoding="utf-8")
    assert read(path) == [(1, ["SKU", "Nama"]), (3, ["A1", "Tas"]), (6, ["A2", "Dompet"])]


def test_csv_cells_are_not_stripped(tmp_path):
    path = tmp_path / "katalog.csv"
    path.write_text("SKU;Nama\n A1 ; Tas \n", encoding="utf-8")
    assert read(path)[1] == (2, [" A1 ", " Tas "])


def test_empty_csv_has_no_rows(tmp_path):
    assert read(write_bytes(tmp_path / "katalog.csv", b"")) == []


def test_binary_junk_named_csv_is_unreadable(tmp_path):
    path = write_bytes(tmp_path / "katalog.csv", bytes(range(256)) * 16)
    assert unreadable(path) == "is not a text file"


def test_workbook_named_csv_is_unreadable_with_a_hint(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "SKU"
    workbook.save(tmp_path / "katalog.csv")
    assert "looks like an xlsx file" in unreadable(tmp_path / "katalog.csv")


def test_csv_with_a_nul_byte_past_its_start_is_unreadable(tmp_path):
    data = b"SKU;Nama\n" + b"A1;Tas\n" * 20_000 + b"A2;\x00\x00\n"
    assert "NUL byte at byte" in unreadable(write_bytes(tmp_path / "katalog.csv", data))


def test_csv_neither_utf8_nor_windows_1252_is_unreadable(tmp_path):
    path = write_bytes(tmp_path / "katalog.csv", b"SKU;Nama\nA1;\x81\x8d\n")
    assert "neither UTF-8 nor Windows-1252" in unreadable(path)


def test_csv_with_a_quote_never_closed_is_unreadable(tmp_path):
    data = 'SKU;Nama\nA1;"Tas kulit\n' + "A2;Dompet\n" * 20_000
    problem = unreadable(write_bytes(tmp_path / "katalog.csv", data.encode()))
    assert "field larger than field limit" in problem
    assert "quote mark" in problem


@pytest.mark.slow
def test_csv_of_200000_rows_is_fast_and_streams_in_flat_memory(tmp_path):
    path = tmp_path / "besar.csv"
    with path.open("w", encoding="utf-8") as file:
        file.write("SKU;Nama Produk;Harga;Stok;Berat (gram)\n")
        file.writelines(f"LP-{i:06d};Tas Kulit Mojokerto {i};Rp150.000;{i % 50};350\n" for i in range(200000))
    assert path.stat().st_size > 10_000_000

    # The reader's own CPU time, not the wall clock: a parallel run's other workers must not slow the measure.
    started = time.process_time()
    count = sum(1 for _ in iter_rows(path))
    rate = count / (time.process_time() - started)
    assert count == 200_001
    assert rate > 100_000, f"{rate:.0f} rows/s"

    tracemalloc.start()
    try:
        for row in iter_rows(path):
            last = row
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert last == RawRow(200_001, ["LP-199999", "Tas Kulit Mojokerto 199999", "Rp150.000", "49", "350"])
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes"


# --- XLSX ------------------------------------------------------------------------------------------


def cache_formula_results(path: Path, part: str, results: dict[str, tuple[str, str]]) -> None:
    """Store the results Excel would have cached; openpyxl writes formulas without them."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts[part].decode()
    for ref, (kind, value) in results.items():
        xml, found = re.subn(
            rf'<c r="{ref}"><f>(.*?)</f><v ?/>', rf'<c r="{ref}" t="{kind}"><f>\1</f><v>{value}</v>', xml
        )
        assert found == 1, ref
    parts[part] = xml.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


@pytest.fixture
def workbook_path(tmp_path) -> Path:
    """A workbook whose 'Produk' sheet has a title, its header on row 3, a blank row and formulas."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "Petunjuk"
    workbook.active["A1"] = "Isi sheet Produk"
    produk = workbook.create_sheet("Produk")
    produk["B1"] = "Katalog Lapas Kelas IIB Mojokerto"
    produk.append([])
    for column, title in zip("BCDEF", ["SKU", "Harga", "Berat", "Terbit", "Total"], strict=True):
        produk[f"{column}3"] = title
    produk["B4"], produk["C4"], produk["D4"] = "LMJ-001", 150000, 0.35
    produk["E4"] = datetime.date(2025, 12, 31)
    produk["F4"] = "=C4*2"
    produk["B6"], produk["C6"], produk["D6"] = "LMJ-002", 55000, 1.0
    produk["E6"] = datetime.datetime(2025, 1, 2, 13, 30)
    produk["F6"] = "=C6/0"
    produk["B7"], produk["C7"], produk["F7"] = "LMJ-003", True, "=C7"
    workbook.create_sheet("Data")["A1"] = "lain"
    path = tmp_path / "katalog.xlsx"
    workbook.save(path)
    cache_formula_results(path, "xl/worksheets/sheet2.xml", {"F4": ("n", "300000"), "F6": ("e", "#DIV/0!")})
    return path


def test_xlsx_sheet_by_name_keeps_real_row_numbers_and_columns(workbook_path):
    assert read(workbook_path, sheet="Produk") == [
        (1, ["", "Katalog Lapas Kelas IIB Mojokerto", "", "", "", ""]),
        (3, ["", "SKU", "Harga", "Berat", "Terbit", "Total"]),
        # Whole floats become int; the cached formula result is read; python-calamine gives "" for the
        # #DIV/0! error and for the formula in F7, which has no cached result.
        (4, ["", "LMJ-001", 150000, 0.35, datetime.date(2025, 12, 31), 300000]),
        (6, ["", "LMJ-002", 55000, 1, datetime.datetime(2025, 1, 2, 13, 30), ""]),
        (7, ["", "LMJ-003", True, "", "", ""]),
    ]


def test_xlsx_whole_numbers_are_int(workbook_path):
    cells = read(workbook_path, sheet="Produk")[2][1]
    assert type(cells[2]) is int
    assert type(cells[3]) is float


def test_xlsx_sheet_name_ignores_case_like_excel(workbook_path):
    assert read(workbook_path, sheet="produk ") == read(workbook_path, sheet="Produk")


def test_xlsx_missing_sheet_lists_the_sheets(workbook_path):
    problem = unreadable(workbook_path, sheet="Katalog")
    assert problem == "sheet 'Katalog' not found; the workbook has: Petunjuk, Produk, Data"


def test_xlsx_without_sheet_reads_the_first_sheet(workbook_path):
    assert read(workbook_path) == [(1, ["Isi sheet Produk"])]


def test_xlsx_without_sheet_skips_hidden_sheets(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "daftar kategori"
    workbook.active.sheet_state = "hidden"
    workbook.create_sheet("Produk")["A1"] = "SKU"
    workbook.save(tmp_path / "katalog.xlsx")
    assert read(tmp_path / "katalog.xlsx") == [(1, ["SKU"])]


def test_xlsx_empty_sheet_has_no_rows(tmp_path):
    openpyxl.Workbook().save(tmp_path / "kosong.xlsx")
    assert read(tmp_path / "kosong.xlsx") == []


def test_xlsx_truncated_is_unreadable(workbook_path):
    data = workbook_path.read_bytes()
    workbook_path.write_bytes(data[: len(data) // 2])
    assert "the workbook is damaged" in unreadable(workbook_path)


def test_random_bytes_named_xlsx_are_unreadable(tmp_path):
    path = write_bytes(tmp_path / "katalog.xlsx", os.urandom(4096))
    assert unreadable(path) == "is not an Excel .xlsx workbook"


def test_csv_named_xlsx_is_unreadable(tmp_path):
    path = write_bytes(tmp_path / "katalog.xlsx", b"SKU;Nama\nA1;Tas\n")
    assert unreadable(path) == "is not an Excel .xlsx workbook"


def test_zip_that_is_not_a_workbook_is_unreadable(tmp_path):
    with zipfile.ZipFile(tmp_path / "katalog.xlsx", "w") as archive:
        archive.writestr("foto/tas.txt", "bukan workbook")
    assert "the workbook is damaged" in unreadable(tmp_path / "katalog.xlsx")


def test_password_protected_xlsx_is_unreadable(tmp_path):
    # Excel stores an encrypted workbook inside an OLE compound file; this is how such a file begins.
    path = write_bytes(tmp_path / "katalog.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))
    assert "password-protected" in unreadable(path)


# --- JSON ------------------------------------------------------------------------------------------

PRODUCTS = [
    {"sku": "CKL-01", "nama": "Kotak Cukli", "harga": 350000, "berat": 0.8},
    {"sku": "CKL-02", "nama": 'Bingkai "Cukli" – kecil', "harga": None, "varian": ["S", "M"]},
]


def test_json_array_of_objects(tmp_path):
    path = tmp_path / "katalog.json"
    path.write_text(json.dumps(PRODUCTS, indent=2), encoding="utf-8")
    assert read(path) == [(1, PRODUCTS[0]), (2, PRODUCTS[1])]


def test_json_array_wrapped_in_an_object(tmp_path):
    path = tmp_path / "katalog.json"
    path.write_text("\ufeff" + json.dumps({"products": PRODUCTS}), encoding="utf-8")
    assert read(path) == [(1, PRODUCTS[0]), (2, PRODUCTS[1])]


def test_json_empty_array_has_no_rows(tmp_path):
    path = tmp_path / "katalog.json"
    path.write_text(' { "produk" : [ ] } ', encoding="utf-8")
    assert read(path) == []


def test_json_element_that_is_not_an_object_is_yielded_as_invalid(tmp_path):
    path = tmp_path / "katalog.json"
    path.write_text('[{"sku": "A1"}, 42, "A3", {"sku": "A4"}]', encoding="utf-8")
    assert read(path) == [
        (1, {"sku": "A1"}),
        (2, {"__invalid__": "record is not an object: 42"}),
        (3, {"__invalid__": 'record is not an object: "A3"'}),
        (4, {"sku": "A4"}),
    ]


def test_json_larger_than_many_read_chunks(tmp_path):
    products = [
        {"sku": f"PLS-{i:05d}", "nama": f"Kotak makan plastik {i}", "harga": 5000 + i} for i in range(5_000)
    ]
    path = tmp_path / "katalog.json"
    path.write_text(json.dumps({"products": products}), encoding="utf-8")
    assert path.stat().st_size > 4 * sources._JSON_CHUNK
    assert read(path) == [(i + 1, product) for i, product in enumerate(products)]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=4) | json_values, max_size=6),
    chunk=st.integers(min_value=1, max_value=40),
    indent=st.sampled_from([None, 0, 2]),
)
@pytest.mark.slow
def test_json_streaming_matches_json_load_whatever_the_chunk_size(tmp_path, records, chunk, indent):
    path = tmp_path / "katalog.json"
    path.write_text(json.dumps(records, indent=indent, ensure_ascii=False), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sources, "_JSON_CHUNK", chunk)
        rows = [row.cells for row in iter_rows(path)]
    assert len(rows) == len(records)
    for cells, record in zip(rows, records, strict=True):
        assert cells == record if isinstance(record, dict) else "__invalid__" in cells


@pytest.mark.slow
def test_json_streams_in_flat_memory(tmp_path):
    path = tmp_path / "besar.json"
    with path.open("w", encoding="utf-8") as file:
        file.write("[")
        file.write(
            ",".join(json.dumps({"sku": f"A{i}", "nama": "Keripik", "harga": 12000}) for i in range(60_000))
        )
        file.write("]")
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 60_000
    assert peak < path.stat().st_size / 4, f"peak {peak} bytes"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[{"sku": "A1"},\n {"sku" "A2"}]', "is not valid JSON at line 2, column 9: Expecting ':' delimiter"),
        ('[{"sku": "A1"}, {"sku": "A2"}', "the file ends too early (expected ',' or ']' after a record)"),
        ('[{"sku": "A1"},]', "is not valid JSON at line 1, column 16: Expecting value"),
        ('{"products": {"sku": "A1"}}', "line 1, column 14: expected a list of products under 'products'"),
        ('{"products": [], "jumlah": 0}', "the object must hold only the list of products"),
        ('[{"sku": "A1"}] [', "line 1, column 17: unexpected data after the list of products"),
        (
            "SKU;Nama\nA1;Tas\n",
            "line 1, column 1: expected a list of products ('[') or an object holding one",
        ),
        ("", "is not valid JSON: the file ends too early"),
    ],
)
def test_invalid_json_is_unreadable_with_where(tmp_path, text, problem):
    path = tmp_path / "katalog.json"
    path.write_text(text, encoding="utf-8")
    assert problem in unreadable(path)


def test_json_error_position_is_right_after_many_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "_JSON_CHUNK", 7)
    path = tmp_path / "katalog.json"
    path.write_text("[\n" + '  {"sku": "A"},\n' * 30 + '  {"sku": "B" "harga": 1}\n]', encoding="utf-8")
    assert "line 32, column 15: Expecting ',' delimiter" in unreadable(path)


def test_json_not_utf8_is_unreadable(tmp_path):
    path = write_bytes(tmp_path / "katalog.json", '[{"nama": "Café"}]'.encode("cp1252"))
    assert unreadable(path) == "is not UTF-8 text, which JSON must be"


# --- JSON Lines ------------------------------------------------------------------------------------


def test_jsonl_bad_line_is_yielded_as_invalid_and_reading_goes_on(tmp_path):
    path = tmp_path / "katalog.jsonl"
    path.write_text(
        '{"sku": "A1", "nama": "Roti"}\n\n{"sku": "A2", "nama": \n[1, 2]\r\n'
        '{"sku": "A5", "nama": "Jahe merah"}\n',
        encoding="utf-8",
    )
    assert read(path) == [
        (1, {"sku": "A1", "nama": "Roti"}),
        (3, {"__invalid__": "not valid JSON at column 22: Expecting value"}),
        (4, {"__invalid__": "record is not an object: [1, 2]"}),
        (5, {"sku": "A5", "nama": "Jahe merah"}),
    ]


def test_jsonl_line_not_in_utf8_is_yielded_as_invalid(tmp_path):
    data = b'{"sku": "A1"}\n' + '{"nama": "Café"}\n'.encode("cp1252") + b'{"sku": "A3"}\n'
    assert read(write_bytes(tmp_path / "katalog.ndjson", data)) == [
        (1, {"sku": "A1"}),
        (2, {"__invalid__": "line is not UTF-8 text"}),
        (3, {"sku": "A3"}),
    ]


def test_jsonl_with_bom(tmp_path):
    path = write_bytes(tmp_path / "katalog.jsonl", '\ufeff{"sku": "A1"}\n'.encode())
    assert read(path) == [(1, {"sku": "A1"})]


def test_binary_junk_named_jsonl_is_unreadable(tmp_path):
    path = write_bytes(tmp_path / "katalog.jsonl", bytes(range(256)) * 16)
    assert unreadable(path) == "is not a text file"


# --- SQLite ----------------------------------------------------------------------------------------


def make_database(path: Path, *tables: str) -> Path:
    with sqlite3.connect(path) as connection:
        for table in tables:
            quoted = '"{}"'.format(table.replace('"', '""'))
            connection.execute(f"CREATE TABLE {quoted} (sku TEXT, nama TEXT, harga INTEGER, berat REAL)")
            connection.executemany(
                f"INSERT INTO {quoted} VALUES (?, ?, ?, ?)",
                [("LMJ-001", "Tas Kulit", 150000, 0.35), ("LMJ-002", "Dompet", None, 0.1)],
            )
    connection.close()
    return path


ROWS = [
    (1, {"sku": "LMJ-001", "nama": "Tas Kulit", "harga": 150000, "berat": 0.35}),
    (2, {"sku": "LMJ-002", "nama": "Dompet", "harga": None, "berat": 0.1}),
]


def test_sqlite_single_table_is_read_by_default(tmp_path):
    assert read(make_database(tmp_path / "katalog.db", "produk")) == ROWS


def test_sqlite_table_by_name(tmp_path):
    path = make_database(tmp_path / "katalog.sqlite", "produk", 'tabel "aneh"')
    assert read(path, table='tabel "aneh"') == ROWS
    assert read(path, table="PRODUK") == ROWS


def test_sqlite_query(tmp_path):
    path = make_database(tmp_path / "katalog.sqlite", "produk", "stok")
    query = "SELECT sku, harga * 2 AS dua FROM produk WHERE harga IS NOT NULL"
    assert read(path, query=query) == [(1, {"sku": "LMJ-001", "dua": 300000})]


def test_sqlite_several_tables_without_a_choice_are_listed(tmp_path):
    path = make_database(tmp_path / "katalog.sqlite", "produk", "stok")
    assert unreadable(path) == "name the table to read; it has: produk, stok"


def test_sqlite_missing_table_lists_the_tables(tmp_path):
    path = make_database(tmp_path / "katalog.sqlite", "produk", "stok")
    assert unreadable(path, table="barang") == "table 'barang' not found; the database has: produk, stok"


def test_sqlite_failing_query_is_unreadable(tmp_path):
    path = make_database(tmp_path / "katalog.sqlite", "produk")
    assert unreadable(path, query="SELECT warna FROM produk") == "the query failed: no such column: warna"


def test_sqlite_query_cannot_change_the_database(tmp_path):
    path = make_database(tmp_path / "katalog.sqlite", "produk")
    assert "the query may only read (a SELECT)" in unreadable(path, query="DELETE FROM produk")
    assert len(read(path)) == 2


def test_sqlite_query_cannot_write_a_copy_anywhere(tmp_path):
    path = make_database(tmp_path / "katalog.sqlite", "produk")
    copy = tmp_path / "salinan.sqlite"
    assert "the query may only read" in unreadable(path, query=f"VACUUM INTO '{copy}'")
    assert "the query may only read" in unreadable(path, query=f"ATTACH DATABASE '{copy}' AS x")
    assert not copy.exists()
    rows = read(path, query="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2) "
                            "SELECT p.* FROM produk p JOIN n ON n.i = 1")
    assert len(rows) == 2  # a read-only query with a recursive CTE still reads


def test_table_and_query_together_are_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="not both"):
        list(iter_rows(tmp_path / "katalog.db", table="produk", query="SELECT 1"))


def test_non_database_named_sqlite_is_unreadable(tmp_path):
    path = write_bytes(tmp_path / "katalog.sqlite", b"SKU;Nama\nA1;Tas\n")
    assert unreadable(path) == "is not an SQLite database"


def test_damaged_database_is_unreadable(tmp_path):
    path = make_database(tmp_path / "katalog.sqlite", "produk")
    data = bytearray(path.read_bytes())
    data[100:] = bytes(len(data) - 100)  # keep the header, wipe the schema
    path.write_bytes(bytes(data))
    assert "the database is damaged" in unreadable(path)


@pytest.mark.slow
def test_sqlite_streams_in_flat_memory(tmp_path):
    path = tmp_path / "besar.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE produk (sku TEXT, nama TEXT, harga INTEGER)")
        connection.executemany(
            "INSERT INTO produk VALUES (?, ?, ?)", ((f"A{i}", "Keripik tempe", 12000) for i in range(60_000))
        )
    connection.close()
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 60_000
    assert peak < 512 * 1024, f"peak {peak} bytes"


def test_csv_quote_never_closed_refuses_the_file_instead_of_swallowing_rows(tmp_path):
    path = tmp_path / "katalog.csv"
    rows = ["SKU;Nama Produk;Deskripsi;Kategori;Harga;Stok;Berat (gram)",
            'DMP-01;Dompet Kulit;"Kulit sapi asli;Fashion;Rp150.000;3;120',
            *(f"DMP-0{n};Dompet Kulit {n};Kulit;Fashion;Rp150.000;3;120" for n in range(2, 6))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    problem = unreadable(path)
    assert problem.startswith("line 2, column 3: a quote mark") and "never closed" in problem
    quoted = tmp_path / "baik.csv"  # a description that truly spans lines stays one cell
    quoted.write_text('SKU;Nama Produk;Deskripsi;Kategori\nDMP-01;Dompet;"Baris satu;\nbaris dua";Fashion\n',
                      encoding="utf-8")
    assert [r.cells[2] for r in iter_rows(quoted)][1] == "Baris satu;\nbaris dua"


# --- hostile files: refused before they are opened or allocated (issue 15) ---


def test_a_fifo_named_like_a_catalog_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "katalog.csv"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes, for ever
    with pytest.raises(CatalogUnreadable, match="not a regular file") as caught:
        list(iter_rows(fifo))
    assert caught.value.reason == "catalog_not_regular"


def test_a_device_linked_as_a_catalog_is_refused(tmp_path):
    (tmp_path / "katalog.json").symlink_to("/dev/zero")
    with pytest.raises(CatalogUnreadable, match="not a regular file"):
        list(iter_rows(tmp_path / "katalog.json"))


def test_a_catalog_past_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "FILE_BYTES_MAX", 1000)
    path = tmp_path / "katalog.csv"
    path.write_text("SKU;Nama\n" + "A;B\n" * 500)
    with pytest.raises(CatalogUnreadable) as caught:
        list(iter_rows(path))
    assert caught.value.reason == "limit_file_size" and caught.value.params["size"] == "2,009"


def test_rows_and_columns_past_their_limits_refuse_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "ROWS_MAX", 3)
    path = tmp_path / "katalog.csv"
    path.write_text("SKU;Nama\n" + "A;B\n" * 3)
    with pytest.raises(CatalogUnreadable) as caught:
        list(sources.bounded(path, iter_rows(path)))
    assert caught.value.reason == "limit_rows" and caught.value.params["at"] == 4
    assert len(list(iter_rows(path))) == 4  # the source alone streams any length
    wide = tmp_path / "lebar.csv"
    wide.write_text(";".join(["x"] * (sources.COLUMNS_MAX + 1)) + "\n")
    with pytest.raises(CatalogUnreadable) as caught:
        list(sources.bounded(wide, iter_rows(wide)))
    assert caught.value.reason == "limit_columns"


def _workbook_with_sheet(path: Path, sheet_xml: bytes) -> None:
    tmp = path.with_suffix(".tmp.xlsx")
    wb = openpyxl.Workbook()
    wb.active.append(["SKU", "Nama Produk"])
    wb.save(tmp)
    with zipfile.ZipFile(tmp) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else data)


SHEET = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         b'%s<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>SKU</t></is></c></row>%s</sheetData></worksheet>')


@pytest.mark.parametrize("dimension, far", [
    (b'<dimension ref="A1:XFD1048576"/>', b""),
    (b"", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),  # aborted the process in the sheet reader
    (b"", b'<row r="900000">' + b"<c><v>1</v></c>" * 30 + b"</row>"),  # cells without a reference, far down
])
def test_a_sheet_spanning_too_many_cells_is_refused_before_the_sheet_reader(tmp_path, dimension, far):
    path = tmp_path / "katalog.xlsx"
    _workbook_with_sheet(path, SHEET % (dimension, far))
    with pytest.raises(CatalogUnreadable) as caught:
        list(iter_rows(path))
    assert caught.value.reason == "limit_sheet_cells"


def test_a_sheet_with_its_cells_near_the_top_is_read(tmp_path):
    path = tmp_path / "katalog.xlsx"
    _workbook_with_sheet(path, SHEET % (b'<dimension ref="A1:B2"/>', b'<row r="2"><c r="B2"><v>7</v></c></row>'))
    assert [r.cells for r in iter_rows(path)] == [["SKU", ""], ["", 7]]


def test_a_workbook_unpacking_past_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "XLSX_UNPACKED_MAX", 100_000)
    path = tmp_path / "katalog.xlsx"
    _workbook_with_sheet(path, SHEET % (b"", b"<!--" + b" " * 200_000 + b"-->"))
    with pytest.raises(CatalogUnreadable) as caught:
        list(iter_rows(path))
    assert caught.value.reason == "limit_unpacked"


def test_a_json_number_of_5001_digits_stays_in_its_cell_as_unreadable(tmp_path):
    path = tmp_path / "katalog.json"
    path.write_text('[{"SKU": "A", "Harga": ' + "9" * 5001 + '}, {"SKU": "B", "Harga": 150000}]')
    first, second = iter_rows(path)
    assert isinstance(first.cells["Harga"], sources.Unreadable) and "5,001 digits" in first.cells["Harga"].why
    assert second.cells == {"SKU": "B", "Harga": 150000}


def test_json_nested_past_python_s_reach_is_refused_not_crashed(tmp_path):
    path = tmp_path / "katalog.json"
    path.write_text('[{"SKU": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    with pytest.raises(CatalogUnreadable) as caught:
        list(iter_rows(path))
    assert caught.value.reason == "json_too_deep"
    lines = tmp_path / "katalog.jsonl"
    lines.write_text('{"SKU": ' + "[" * 100_000 + "]" * 100_000 + '}\n{"SKU": "B"}\n')
    first, second = iter_rows(lines)
    assert "nest" in first.cells["__invalid__"] and second.cells == {"SKU": "B"}


def test_json_nested_past_the_depth_limit_is_an_invalid_record(tmp_path):
    path = tmp_path / "katalog.json"
    path.write_text('[{"SKU": ' + "[" * 35 + '"x"' + "]" * 35 + "}]")
    assert "nested 35 levels deep" in next(iter_rows(path)).cells["__invalid__"]


def test_a_lone_surrogate_in_a_json_field_name_is_shown_escaped(tmp_path):
    path = tmp_path / "katalog.jsonl"
    path.write_text('{"Nama\\ud800": "x", "SKU": "A\\udc00"}\n')
    cells = next(iter_rows(path)).cells
    assert list(cells) == ["Nama\\ud800", "SKU"] and cells["SKU"] == "A\udc00"  # the value is the reader's to refuse


def test_sqlite_text_that_is_not_utf8_is_unreadable_in_its_cell_only(tmp_path):
    path = tmp_path / "katalog.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE produk (SKU, Nama)")
        db.execute("INSERT INTO produk VALUES ('A', CAST(X'436166E9' AS TEXT)), ('B', 'Kopi')")
    db.close()
    first, second = iter_rows(path)
    assert isinstance(first.cells["Nama"], sources.Unreadable) and second.cells == {"SKU": "B", "Nama": "Kopi"}


def test_csv_with_records_ended_by_cr_alone_is_split_on_its_delimiter(tmp_path):
    path = tmp_path / "katalog.csv"
    path.write_bytes(b"SKU;Nama;Harga\rA;Dompet;150.000\r")
    assert [r.cells for r in iter_rows(path)] == [["SKU", "Nama", "Harga"], ["A", "Dompet", "150.000"]]
