"""The catalog reader's fast paths give what the full rules give: the same value or the same refusal for every cell,
the same products and rejects for every catalog; models built without re-validation only where every field is
checked (reader.CHECKED); image files opened once per run."""

from __future__ import annotations

import csv
import tempfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from connector.catalog import parsers, reader, sources
from connector.catalog.mapping import load_mapping
from connector.catalog.reader import CHECKED, CatalogSpec, ImageChecks, read_catalog
from connector.catalog.rejects import Reject
from connector.catalog.text import plain_text, plain_text_full, safe_description, safe_description_full
from connector.config import BUILTIN_MAPPINGS
from connector.schema import Institution, Maker, Product, SourceRef, Variant, construct_checked

TODAY = date(2026, 11, 29)
MAPPING = load_mapping(BUILTIN_MAPPINGS / "standard.yaml")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HEADER = ["SKU", "Nama Produk", "Deskripsi", "Kategori", "Harga", "Stok", "Berat (gram)", "Foto", "SKU Induk",
          "Nama Variasi", "Varian"]

# --- staff-style values ----------------------------------------------------------------------------------

SPACES = ["", " ", "  ", "\u00a0", "\t", "\u200b", "\u2009", "\u202f"]
space = st.sampled_from(SPACES)


@st.composite
def prices(draw: st.DrawFn) -> str:
    amount = draw(st.integers(min_value=0, max_value=2 * 10**9))
    body = draw(st.sampled_from([
        str(amount), f"{amount:,}".replace(",", "."), f"{amount:,}", f"{amount:,}".replace(",", ".") + ",00",
        f"{amount // 1000}rb", f"{amount / 10**6:.1f}".replace(".", ",") + "jt", f"{amount / 1000:.2f}",
        f"{amount:,}".replace(",", ".") + ",-", f"{amount}e3", "-" + str(amount), "-",
    ]))
    prefix = draw(st.sampled_from(["", "Rp", "Rp ", "Rp. ", "Rp.", "rp", "RP", "IDR ", "Rp\u00a0", "Rp -"]))
    edge, gap = st.sampled_from(["", "", "", "", *SPACES]), st.sampled_from(["", "", " ", "\u00a0", "  "])
    return draw(edge) + prefix + draw(gap) + body + draw(edge)


numberish = st.text(alphabet="0123456789.,-Rrpb kgjt\u00a0IDpcs", max_size=14)
stocks = st.one_of(numberish, st.integers(-3, 10**6).map(str), st.builds(
    lambda n, unit, gap: f"{n}{gap}{unit}", st.integers(0, 5000), st.sampled_from(["pcs", "buah", "kg", "Pcs", ""]),
    space))
weights = st.one_of(numberish, st.builds(
    lambda n, unit, gap: f"{n}{gap}{unit}", st.sampled_from(["250", "0,3", "1.5", "1.500", "0", "12,25", "007"]),
    st.sampled_from(["", "g", "gr", "gram", "kg", "Kg", "ons"]), space))
words = st.sampled_from(["Dompet", "Kulit", "Sapi", "Tas", "Batik", "Café", "Cafe\u0301", "<b>Rajut</b>", "A&B",
                         "Rotan", "&amp;", "\x07", "\u200e", "12345"])
plain_words = st.sampled_from(["Dompet", "Kulit", "Sapi", "Tas", "Batik", "Rotan", "12345", "(XL)", "A-B", "No.1"])


@st.composite
def texts(draw: st.DrawFn, *, lines: bool = False) -> str:
    """Half of them as most cells are (ASCII words, single spaces) with now and then one thing the fast path must
    notice (a double space, a space at an end, a tab, a new line); half with odd spaces, accents, HTML, controls."""
    if draw(st.booleans()):
        parts = draw(st.lists(plain_words, min_size=1, max_size=8))
        odd = draw(st.sampled_from([None, "  ", "\t", " \u00a0", "\x0b", *(["\n", "\r\n", "\n\n\n"] if lines else [])]))
        where = draw(st.integers(0, len(parts)))  # 0: at the start, len(parts): at the end, else between two words
        if odd is not None:
            parts.insert(where, odd.strip(" ") if 0 < where < len(parts) and odd != "  " else odd)
        return " ".join(parts) if odd is None or 0 < where < len(parts) else "".join(parts[:1]) + " ".join(parts[1:])
    parts = draw(st.lists(words, min_size=0, max_size=8))
    gaps = [*SPACES, "\n", "\r\n"] if lines else SPACES
    text = "".join(part + draw(st.sampled_from([" ", " ", *gaps])) for part in parts)
    return draw(space) + text + draw(space)


def same(fast, full, value, *args):
    """fast(value) and full(value) give the same result, or refuse with the same reason."""
    try:
        expected = full(value, *args)
    except parsers.ParseError as err:
        with pytest.raises(parsers.ParseError) as caught:
            fast(value, *args)
        assert caught.value.reason == err.reason
        return
    got = fast(value, *args)
    assert got == expected and type(got) is type(expected)


# --- cell by cell --------------------------------------------------------------------------------------


@given(st.one_of(prices(), numberish, st.integers(-10, 10**16)))
def test_a_price_reads_the_same_on_the_fast_path(value):
    same(parsers.parse_price, parsers.parse_price_full, value)


@given(weights, st.sampled_from(["g", "kg"]))
def test_a_weight_reads_the_same_on_the_fast_path(value, unit):
    same(parsers.parse_weight_g, parsers.parse_weight_g_full, value, unit)


@given(st.one_of(texts(lines=True), stocks, st.none(), st.integers(), st.floats(allow_nan=True)))
def test_a_cell_reads_as_the_same_text_and_blankness_on_the_fast_path(value):
    same(parsers.parse_text, parsers.parse_text_full, value)
    assert parsers.is_blank(value) == parsers.is_blank_full(value)


@given(texts(lines=True))
def test_a_name_and_a_description_are_cleaned_the_same_on_the_fast_path(text):
    assert plain_text(text) == plain_text_full(text)
    assert safe_description(text) == safe_description_full(text)
    assert safe_description(text, 20) == safe_description_full(text, 20)


def test_the_common_clean_values_take_the_fast_path_and_read_as_staff_mean_them():
    assert [parsers.parse_price(v) for v in ("150000", "Rp150.000", "Rp 1.500.000", "Rp. 25.000", "rp0")] == [
        150_000, 150_000, 1_500_000, 25_000, 0]
    assert parsers.parse_weight_g("250") == 250 and parsers.parse_weight_g("2", "kg") == 2000
    with pytest.raises(parsers.ParseError) as err:
        parsers.parse_weight_g("0")  # not taken by the fast path: the full rules refuse it
    assert err.value.reason == "weight_zero"
    with pytest.raises(parsers.ParseError) as err:
        parsers.parse_price("Rp1.50")
    assert err.value.reason == "price_ambiguous"
    text = "Dompet Kulit Sapi Asli"
    assert plain_text(text) is text  # already clean: returned as it is


# --- whole catalogs ------------------------------------------------------------------------------------

categories = st.sampled_from(["Fashion / Dompet", "Kerajinan > Cukli", "Kerajinan", "fashion/tas", "Mainan Anak",
                              "Kuliner / Kue", "", " Fashion "])


@st.composite
def catalogs(draw: st.DrawFn) -> list[list[str]]:
    rows = []
    for i in range(draw(st.integers(1, 8))):
        group = draw(st.booleans()) and i > 0
        rows.append([
            f"P{i}" if not group else f"P0-{i}", draw(texts()), draw(texts(lines=True)), draw(categories),
            draw(st.one_of(prices(), numberish)), draw(stocks), draw(weights), "",
            "P0" if group else "", "Ukuran" if group else "", str(i) if group else "",
        ])
    return rows


def write_csv(folder: Path, rows: list[list[str]]) -> Path:
    path = folder / "katalog.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def both_paths(path: Path) -> tuple[list, list]:
    spec = CatalogSpec(Institution(code="lapas-uji", name="Lapas Uji", type="lapas"), path, MAPPING, path.name)
    fast = list(read_catalog(spec, today=TODAY))
    full = list(read_catalog(spec, today=TODAY, fast=False))
    return fast, full


def assert_same(fast: list, full: list) -> None:
    assert fast == full
    assert [type(i) for i in fast] == [type(i) for i in full]
    assert [i.model_dump() for i in fast if isinstance(i, Product)] == [
        i.model_dump() for i in full if isinstance(i, Product)]
    assert [i.message("id") for i in fast if isinstance(i, Reject)] == [
        i.message("id") for i in full if isinstance(i, Reject)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs())
def test_a_catalog_gives_the_same_products_and_rejects_on_both_paths(rows):
    with tempfile.TemporaryDirectory() as folder:
        fast, full = both_paths(write_csv(Path(folder), rows))
    assert_same(fast, full)


def test_a_staff_catalog_in_csv_and_xlsx_reads_the_same_on_both_paths(tmp_path):
    rows = [
        ["DMP-01", "Dompet Kulit Sapi Asli", "Kulit asli.", "Fashion / Dompet", "Rp150.000", "12", "250", "", "", "",
         ""],
        ["DMP-02", " Dompet\u00a0Kulit  Coklat ", "Baris satu\n\nBaris <b>dua</b>", "Fashion/Dompet",
         "Rp 1.250.000,-", "12 pcs", "0,3 kg", "", "", "", ""],
        ["TAS-01-40", "Tas Selempang Kulit", "", "Fashion / Tas", "150rb", "3", "600", "", "TAS-01", "Ukuran", "40"],
        ["TAS-01-41", "Tas Selempang Kulit", "", "Fashion / Tas", "", "4", "650", "", "TAS-01", "Ukuran", "41"],
        ["BAD-01", "Tas", "", "Fashion / Dompet", "150,000", "-2", "0", "", "", "", ""],
    ]
    fast, full = both_paths(write_csv(tmp_path, rows))
    assert_same(fast, full)
    products = {p.sku: p for p in fast if isinstance(p, Product)}
    assert products["DMP-01"].price == 150_000 and products["DMP-02"].price == 1_250_000
    assert products["DMP-02"].name == "Dompet Kulit Coklat" and products["DMP-02"].weight_g == 300
    assert products["DMP-02"].description == "Baris satu\n\nBaris dua"
    assert [v.sku for v in products["TAS-01"].variants] == ["TAS-01-40"]  # TAS-01-41 gives no price
    refused = {r.reason for r in fast if isinstance(r, Reject)}
    assert {"price_ambiguous", "int_negative", "weight_zero", "name_length", "value_missing"} <= refused

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([int(v) if v.isdigit() else v for v in row])
    workbook.save(tmp_path / "katalog.xlsx")
    fast_xlsx, full_xlsx = both_paths(tmp_path / "katalog.xlsx")
    assert_same(fast_xlsx, full_xlsx)
    assert {p.sku for p in fast_xlsx if isinstance(p, Product)} == set(products)


# --- models built without re-validation -----------------------------------------------------------------


@pytest.mark.parametrize("model", [Product, Variant, Maker, SourceRef])
def test_every_field_of_a_model_the_reader_builds_is_covered_by_a_named_check(model):
    assert set(model.model_fields) == set(CHECKED[model]), "name the reader's check of each field in CHECKED"
    assert all(CHECKED[model].values())


def product_values() -> dict:
    return dict(institution="lapas-uji", sku="DMP-01", name="Dompet Kulit", description="Kulit asli.",
                category="fashion/dompet", price=150_000, stock=12, unit="pcs", weight_g=250, length_cm=None,
                width_cm=None, height_cm=None, images=[], variants=[], material=None, food_permit=None, halal=None,
                expiry=None, ready_to_eat=False, made_to_order=False,
                maker=Maker(name=None, credit="Karya WBP Lapas Uji"), source=SourceRef(file="katalog.csv", row=2))


def test_a_model_built_from_checked_values_equals_the_validated_one():
    built = construct_checked(Product, set(Product.model_fields), product_values())
    validated = Product(**product_values())
    assert built == validated and built.model_dump() == validated.model_dump() and repr(built) == repr(validated)
    assert built.model_fields_set == validated.model_fields_set and built.key == "lapas-uji:DMP-01"
    fewer = {k: v for k, v in product_values().items() if k not in ("unit", "halal")}
    assert construct_checked(Product, set(Product.model_fields), fewer) == Product(**fewer)


def test_a_model_with_a_field_no_check_names_is_validated():
    values = dict(product_values(), price=5)  # below PRICE_MIN: only validation can say so
    with pytest.raises(ValueError, match="price"):
        construct_checked(Product, set(Product.model_fields) - {"price"}, values)


# --- image files, once per run ---------------------------------------------------------------------------


def test_an_image_file_named_by_two_catalogs_is_opened_once_per_run_and_again_when_it_changes(tmp_path):
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(PNG)
    paths = []
    for name in ("satu", "dua"):
        path = tmp_path / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(HEADER)
            writer.writerows([[f"{name}-{i}", "Dompet Kulit Sapi", "", "Fashion / Dompet", "150000", "1", "250",
                               "img/a.png", "", "", ""] for i in range(3)])
        paths.append(path)
    checks = ImageChecks()
    inst = Institution(code="lapas-uji", name="Lapas Uji", type="lapas")
    for path in paths:
        products = [p for p in read_catalog(CatalogSpec(inst, path, MAPPING, path.name), today=TODAY, images=checks)
                    if isinstance(p, Product)]
        assert [p.images for p in products] == [[str((tmp_path / "img" / "a.png").resolve())]] * 3
    assert checks.opened == 1

    (tmp_path / "img" / "a.png").write_bytes(b"GIF89a" + b"\x00" * 40)  # another size: checked again
    found = list(read_catalog(CatalogSpec(inst, paths[0], MAPPING, paths[0].name), today=TODAY, images=checks))
    assert checks.opened == 2
    assert {r.reason for r in found if isinstance(r, Reject)} == {"image_format"}


# --- one source for both passes ---------------------------------------------------------------------------


def write_xlsx(folder: Path, rows: list[list[str]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:  # a worksheet cannot hold control characters (Excel refuses them as typed)
        sheet.append([int(v) if v.isdigit() else ILLEGAL_CHARACTERS_RE.sub("", v) for v in row])
    path = folder / "katalog.xlsx"
    workbook.save(path)
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs(), st.sampled_from(["csv", "xlsx"]))
def test_every_pass_of_a_row_source_gives_the_rows_a_fresh_read_gives(rows, kind):
    with tempfile.TemporaryDirectory() as folder:
        path = (write_csv if kind == "csv" else write_xlsx)(Path(folder), rows)
        source = sources.RowSource(path)
        first, second = list(source.rows()), list(source.rows())
        fresh = list(sources.iter_rows(path))
    assert first == second == fresh
    assert len(fresh) == len(rows) + 1


def test_an_xlsx_catalog_is_checked_and_parsed_once_for_both_passes(tmp_path, monkeypatch):
    opened = []
    real = sources._open_xlsx

    def counted(path, sheet_name):
        opened.append(path)
        return real(path, sheet_name)

    monkeypatch.setattr(sources, "_open_xlsx", counted)
    rows = [["DMP-01", "Dompet Kulit Sapi Asli", "Kulit asli.", "Fashion / Dompet", "Rp150.000", "12", "250", "", "",
             "", ""],
            ["TAS-01-40", "Tas Selempang Kulit", "", "Fashion / Tas", "150rb", "3", "600", "", "TAS-01", "Ukuran",
             "40"]]
    fast, full = both_paths(write_xlsx(tmp_path, rows))
    assert_same(fast, full)
    assert {p.sku for p in fast if isinstance(p, Product)} == {"DMP-01", "TAS-01"}
    assert len(opened) == 2  # one per reading (fast, full), not one per pass


# --- the quick reading of a clean row, every column of the standard mapping ------------------------------

WIDE = [*HEADER, "Satuan", "Bahan", "Halal", "Siap Saji", "Pre Order", "Pembuat", "Izin Pembuat", "Panjang (cm)",
        "Lebar (cm)", "Kedaluwarsa", "Izin Edar", "Foto 2"]
OPTIONAL_CELLS = {
    "Satuan": ["", "pcs", "Buah", " set ", "<b>lusin</b>", "\u00a0"],
    "Bahan": ["", "Kulit sapi", "x" * 120, "Rotan\u00a0Asli", "Café"],
    "Halal": ["", "ID31110000123", " ya "],
    "Siap Saji": ["", "ya", "tidak", "Y", "T", "mungkin", "1"],
    "Pre Order": ["", "ya", "tidak", "0", "kadang"],
    "Pembuat": ["", "Budi", " Ani  S ", "<i>Rina</i>"],
    "Izin Pembuat": ["", "ya", "tidak", "entah"],
    "Panjang (cm)": ["", "30", "30,5 cm", "0", "-2", "abc", "1.5"],
    "Lebar (cm)": ["", "12", " 7 "],
    "Kedaluwarsa": ["", "31/12/2027", "01/01/2020", "2027-05-01", "32/13/2027", "besok", "31 Des 2027"],
    "Izin Edar": ["", "P-IRT No. 2063201010123-29", "BPOM RI MD 224113001234", "P-IRT 2063201010123-20", "abc"],
    "Foto": ["", "img/a.png", "img/a.png; img/b.jpg", "tidak-ada.jpg", "https://contoh.id/a.jpg", "http://x.id/a"],
    "Foto 2": ["", "img/a.png", "../luar.png"],
}
wide_categories = st.sampled_from(["Fashion / Dompet", "Kerajinan", "Kuliner", "Kuliner / Kue", "Kerajinan / Entah",
                                   "Mainan Anak", "", "fashion/tas"])


@st.composite
def wide_catalogs(draw: st.DrawFn) -> list[list[str]]:
    """Rows of every standard column, most of them clean (the quick reading's rows), some with one odd cell."""
    rows = []
    for i in range(draw(st.integers(1, 8))):
        group = draw(st.booleans()) and i > 0 and draw(st.booleans())
        cells = dict.fromkeys(WIDE, "")
        cells.update({"SKU": f"P{i}" if not group else f"P0-{i}", "Nama Produk": draw(texts()),
                      "Deskripsi": draw(texts(lines=True)), "Kategori": draw(wide_categories),
                      "Harga": draw(st.one_of(prices(), st.sampled_from(["150000", "Rp150.000", "99"]))),
                      "Stok": draw(st.one_of(stocks, st.sampled_from(["3", "12"]))),
                      "Berat (gram)": draw(st.one_of(weights, st.sampled_from(["250", "0,3 kg", "1,25kg"]))),
                      "SKU Induk": "P0" if group else "", "Nama Variasi": "Ukuran" if group else "",
                      "Varian": str(i) if group else ""})
        for column in draw(st.lists(st.sampled_from(sorted(OPTIONAL_CELLS)), max_size=5, unique=True)):
            cells[column] = draw(st.sampled_from(OPTIONAL_CELLS[column]))
        rows.append(list(cells.values()))
    return rows


def write_wide(folder: Path, rows: list[list[str]], kind: str) -> Path:
    (folder / "img").mkdir(exist_ok=True)
    (folder / "img" / "a.png").write_bytes(PNG)
    (folder / "img" / "b.jpg").write_bytes(b"bukan gambar")
    if kind == "csv":
        path = folder / "katalog.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(WIDE)
            writer.writerows(rows)
        return path
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(WIDE)
    for row in rows:
        sheet.append([int(v) if v.isdigit() else ILLEGAL_CHARACTERS_RE.sub("", v) for v in row])
    path = folder / "katalog.xlsx"
    workbook.save(path)
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_catalogs(), st.sampled_from(["csv", "xlsx"]), st.sampled_from(["lapas", "lpka"]))
def test_a_catalog_of_every_column_gives_the_same_products_and_rejects_on_both_paths(rows, kind, institution_type):
    with tempfile.TemporaryDirectory() as folder:
        path = write_wide(Path(folder), rows, kind)
        spec = CatalogSpec(Institution(code="lapas-uji", name="Lapas Uji", type=institution_type), path, MAPPING,
                           path.name)
        fast = list(read_catalog(spec, today=TODAY))
        full = list(read_catalog(spec, today=TODAY, fast=False))
    assert_same(fast, full)


def test_a_clean_row_of_every_column_is_read_quickly_as_the_full_rules_read_it(tmp_path, monkeypatch):
    row = dict.fromkeys(WIDE, "")
    row.update({"SKU": "KUE-01", "Nama Produk": "Kue Nastar Keju", "Deskripsi": "", "Kategori": "Kuliner / Kue",
                "Harga": "Rp45.000", "Stok": "12", "Berat (gram)": "0,5 kg", "Satuan": "toples", "Bahan": "Tepung",
                "Halal": "ID31110000123", "Siap Saji": "ya", "Pembuat": "Budi", "Izin Pembuat": "ya",
                "Panjang (cm)": "20", "Kedaluwarsa": "31/12/2027", "Izin Edar": "P-IRT No. 2063201010123-29",
                "Foto": "img/a.png", "Foto 2": "https://contoh.id/a.jpg"})
    path = write_wide(tmp_path, [list(row.values())], "csv")
    slow = []
    real = reader._Reading._product_fields
    monkeypatch.setattr(reader._Reading, "_product_fields", lambda self, *a: slow.append(1) or real(self, *a))
    fast, full = both_paths(path)
    assert_same(fast, full)
    assert len(slow) == 1  # the full reading's one row: the fast reading took it quickly
    [product] = fast
    assert (product.unit, product.weight_g, product.length_cm, product.maker.name, product.food_permit.kind,
            product.description) == ("toples", 500, 20, "Budi", "pirt", "Kue Nastar Keju. Budi.")
    assert product.images == [str((tmp_path / "img" / "a.png").resolve()), "https://contoh.id/a.jpg"]


cell_values = st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=True), st.none(), st.booleans(),
                        st.binary(max_size=4), st.just("x" * (sources.CELL_CHARS_MAX + 1)), st.just("Café"))


@given(st.lists(cell_values, max_size=8).map(tuple))
def test_a_workbook_row_is_found_readable_exactly_where_a_csv_row_s_check_finds_it(values):
    assert reader._readable_mixed(values) == reader._readable(values)


def test_the_quick_reading_gives_each_model_its_fields_in_field_order(tmp_path):
    """The quick reading's models take their values' dict as their own (schema.ordered_builder): in field order,
    every field, as validation makes them."""
    rows = [["DMP-01", "Dompet Kulit Sapi", "", "Fashion / Dompet", "150000", "1", "250", "", "", ""],
            ["TAS-40", "Tas Kulit Wanita", "", "Fashion / Tas", "Rp250.000", "2", "0,3 kg", "TAS", "Ukuran", "40"],
            ["TAS-41", "Tas Kulit Wanita", "", "Fashion / Tas", "Rp250.000", "3", "0,3 kg", "TAS", "Ukuran", "41"]]
    path = tmp_path / "katalog.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["SKU", "Nama Produk", "Deskripsi", "Kategori", "Harga", "Stok", "Berat (gram)", "SKU Induk",
                         "Nama Variasi", "Varian"])
        writer.writerows(rows)
    spec = CatalogSpec(Institution(code="lapas-uji", name="Lapas Uji", type="lapas"), path,
                       load_mapping(BUILTIN_MAPPINGS / "standard.yaml"), "katalog.csv")
    products = [p for p in read_catalog(spec, today=date(2026, 1, 1)) if isinstance(p, Product)]
    assert [p.sku for p in products] == ["DMP-01", "TAS"]
    models = [m for p in products for m in (p, p.maker, p.source, *p.variants)]
    for model in models:
        assert list(model.__dict__) == list(type(model).model_fields)
        assert model.model_fields_set == set(type(model).model_fields)
        assert model == type(model)(**model.__dict__)
