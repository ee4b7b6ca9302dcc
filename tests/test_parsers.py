import ast
import math
import pickle
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.catalog import parsers
from connector.catalog.parsers import (
    MESSAGES,
    ParseError,
    is_blank,
    message,
    parse_bool,
    parse_date,
    parse_dimension_cm,
    parse_int,
    parse_list,
    parse_price,
    parse_text,
    parse_weight_g,
)

NBSP = "\u00a0"


def refusal(parse, value, *args) -> str:
    with pytest.raises(ParseError) as caught:
        parse(value, *args)
    assert caught.value.value is value
    return caught.value.reason


# --- prices ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "rupiah"), [
    ("Rp150.000", 150_000),
    ("Rp 150.000", 150_000),
    ("Rp.150.000", 150_000),
    ("Rp. 150.000,00", 150_000),
    ("RP150.000", 150_000),
    ("IDR 150000", 150_000),
    ("IDR150.000", 150_000),
    ("150.000", 150_000),
    ("150000", 150_000),
    ("150.000,00", 150_000),
    ("150.000,-", 150_000),
    ("Rp 150.000,-", 150_000),
    ("1.500.000", 1_500_000),
    ("150,00", 150),
    ("150rb", 150_000),
    ("150 rb", 150_000),
    ("150 ribu", 150_000),
    ("150K", 150_000),
    ("150k", 150_000),
    ("Rp150rb", 150_000),
    ("2,5rb", 2_500),
    ("1,5jt", 1_500_000),
    ("1.5jt", 1_500_000),
    ("1,25jt", 1_250_000),
    ("2jt", 2_000_000),
    ("1,5 juta", 1_500_000),
    ("0,250jt", 250_000),
    ("0", 0),
    (f"  Rp{NBSP}150.000{NBSP} ", 150_000),
    ("\ufeff150000", 150_000),
    (150_000, 150_000),
    (150_000.0, 150_000),
    (150_000 * 1.11, 166_500),
    (0.0, 0),
])
def test_price_accepts_indonesian_forms(cell, rupiah):
    assert parse_price(cell) == rupiah


def test_price_dot_is_thousands_never_decimal():
    assert parse_price("150.000") == 150_000


@pytest.mark.parametrize(("cell", "reason"), [
    (None, "price_blank"),
    ("", "price_blank"),
    ("   ", "price_blank"),
    ("-", "price_blank"),
    ("Rp -", "price_blank"),
    ("Rp", "price_blank"),
    ("gratis", "price_format"),
    ("seratus ribu", "price_format"),
    ("1.2.3", "price_format"),
    ("150.000/pcs", "price_format"),
    ("150 000", "price_format"),
    ("1.50", "price_ambiguous"),
    ("1.5", "price_ambiguous"),
    ("150,000", "price_ambiguous"),
    ("1,500,000", "price_ambiguous"),
    ("1,500.00", "price_ambiguous"),
    ("1.500rb", "price_ambiguous"),
    ("1,500jt", "price_ambiguous"),
    ("1.5e5", "price_scientific"),
    ("1E6", "price_scientific"),
    ("150.000,50", "price_not_whole"),
    ("150,5", "price_not_whole"),
    ("1,2345rb", "price_not_whole"),
    (150.5, "price_not_whole"),
    (0.1 + 0.2, "price_not_whole"),
    ("-150.000", "price_negative"),
    ("Rp -150.000", "price_negative"),
    ("-Rp150.000", "price_negative"),
    ("\u2212150000", "price_negative"),
    (-5, "price_negative"),
    (-5.0, "price_negative"),
    (float("nan"), "price_not_finite"),
    (float("inf"), "price_not_finite"),
    (True, "price_type"),
    (date(2025, 1, 1), "price_type"),
    ("1" * 16, "price_too_large"),
    ("9" * 5000, "price_too_large"),
    (10**15, "price_too_large"),
    (1e20, "price_too_large"),
])
def test_price_refusals(cell, reason):
    assert refusal(parse_price, cell) == reason


# --- whole numbers --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "number"), [
    ("12", 12),
    ("0", 0),
    ("1.000", 1_000),
    ("1.000.000", 1_000_000),
    ("12,0", 12),
    ("12 pcs", 12),
    ("12pcs", 12),
    ("3 pasang", 3),
    ("5 buah", 5),
    ("2 lembar", 2),
    ("1 set", 1),
    ("4 unit", 4),
    (" 12 ", 12),
    (12, 12),
    (12.0, 12),
])
def test_int_accepts(cell, number):
    assert parse_int(cell) == number


@pytest.mark.parametrize(("cell", "reason"), [
    (None, "int_blank"),
    ("", "int_blank"),
    ("-", "int_blank"),
    ("dua belas", "int_format"),
    ("1.2.3", "int_format"),
    ("1.5", "int_ambiguous"),
    ("1,000", "int_ambiguous"),
    ("1e6", "int_scientific"),
    ("2,5", "int_not_whole"),
    (2.5, "int_not_whole"),
    ("-3", "int_negative"),
    (-3, "int_negative"),
    (float("nan"), "int_not_finite"),
    (False, "int_type"),
    (datetime(2025, 1, 1), "int_type"),
    ("1" * 20, "int_too_large"),
    ("12 kg", "int_unit"),
])
def test_int_refusals(cell, reason):
    assert refusal(parse_int, cell) == reason


# --- weights --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "grams"), [
    ("250", 250),
    ("250 gr", 250),
    ("250gr", 250),
    ("250 gr.", 250),
    ("250 g", 250),
    ("250 gram", 250),
    ("1.250 gr", 1_250),
    ("250,5 gr", 251),
    ("250,4", 250),
    ("0,25 kg", 250),
    ("0,250 kg", 250),
    ("0.250 kg", 250),
    ("1.2 kg", 1_200),
    ("1.25 kg", 1_250),
    ("1,2 kg", 1_200),
    ("1 kg", 1_000),
    ("1.000,5 kg", 1_000_500),
    ("1 KG", 1_000),
    ("0,0005 kg", 1),
    (250, 250),
    (250.0, 250),
    (0.5, 1),
])
def test_weight_accepts(cell, grams):
    assert parse_weight_g(cell) == grams


@pytest.mark.parametrize(("cell", "grams"), [
    (1, 1_000),
    (0.25, 250),
    (1.2, 1_200),
    ("0,25", 250),
    ("1.2", 1_200),
    ("300 gr", 300),
])
def test_weight_numbers_without_unit_are_in_the_default_unit(cell, grams):
    assert parse_weight_g(cell, "kg") == grams


def test_weight_default_unit_must_be_g_or_kg():
    with pytest.raises(ValueError, match="default_unit") as caught:
        parse_weight_g("250", "lb")
    assert not isinstance(caught.value, ParseError)


@pytest.mark.parametrize(("cell", "reason"), [
    (None, "weight_blank"),
    (" ", "weight_blank"),
    ("berat", "weight_format"),
    ("250 - 300 gr", "weight_format"),
    ("1.500 kg", "weight_ambiguous"),
    ("1.000 kg", "weight_ambiguous"),
    ("1,250 kg", "weight_ambiguous"),
    ("2.5 gr", "weight_ambiguous"),
    ("2.5", "weight_ambiguous"),
    ("2.5e2", "weight_scientific"),
    ("-250 gr", "weight_negative"),
    (-250, "weight_negative"),
    ("0", "weight_zero"),
    (0, "weight_zero"),
    ("0,4 gr", "weight_zero"),
    (float("-inf"), "weight_not_finite"),
    (True, "weight_type"),
    ("9" * 20, "weight_too_large"),
    ("250 ons", "weight_unit"),
    ("250 mg", "weight_unit"),
    ("2 lb", "weight_unit"),
])
def test_weight_refusals(cell, reason):
    assert refusal(parse_weight_g, cell) == reason


# --- dimensions -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "cm"), [
    ("30", 30),
    ("30 cm", 30),
    ("30cm", 30),
    ("30,5", 31),
    ("30,1 cm", 31),
    ("0,2", 1),
    (30, 30),
    (30.0, 30),
    (30.2, 31),
    (0.1 * 3 * 100, 30),  # 30.000000000000004 in binary, 30 on screen
])
def test_dimension_accepts_and_rounds_up(cell, cm):
    assert parse_dimension_cm(cell) == cm


@pytest.mark.parametrize(("cell", "reason"), [
    (None, "dimension_blank"),
    ("", "dimension_blank"),
    ("tiga puluh", "dimension_format"),
    ("30 x 20", "dimension_format"),
    ("30.5", "dimension_ambiguous"),
    ("3e1", "dimension_scientific"),
    ("-30", "dimension_negative"),
    (-30.0, "dimension_negative"),
    ("0", "dimension_zero"),
    (0, "dimension_zero"),
    (float("nan"), "dimension_not_finite"),
    (False, "dimension_type"),
    ("9" * 20, "dimension_too_large"),
    ("300 mm", "dimension_unit"),
    ("1 m", "dimension_unit"),
])
def test_dimension_refusals(cell, reason):
    assert refusal(parse_dimension_cm, cell) == reason


# --- dates ----------------------------------------------------------------------------------------------

NEW_YEARS_EVE = date(2025, 12, 31)


@pytest.mark.parametrize(("cell", "day"), [
    ("31/12/2025", NEW_YEARS_EVE),
    ("31-12-2025", NEW_YEARS_EVE),
    ("31.12.2025", NEW_YEARS_EVE),
    ("2025-12-31", NEW_YEARS_EVE),
    ("2025-12-31 00:00:00", NEW_YEARS_EVE),
    ("2025-12-31T08:30", NEW_YEARS_EVE),
    ("31 Des 2025", NEW_YEARS_EVE),
    ("31 des. 2025", NEW_YEARS_EVE),
    ("31-Des-2025", NEW_YEARS_EVE),
    ("31 Desember 2025", NEW_YEARS_EVE),
    ("31 DESEMBER 2025", NEW_YEARS_EVE),
    ("31 Dec 2025", NEW_YEARS_EVE),
    ("31 December 2025", NEW_YEARS_EVE),
    (f" 31{NBSP}Des{NBSP}2025 ", NEW_YEARS_EVE),
    ("5/8/2026", date(2026, 8, 5)),
    ("5 Agu 2026", date(2026, 8, 5)),
    ("5 Agt 2026", date(2026, 8, 5)),
    ("5 Agustus 2026", date(2026, 8, 5)),
    ("1 Mei 2026", date(2026, 5, 1)),
    ("17 Okt 2026", date(2026, 10, 17)),
    ("10 Nopember 2025", date(2025, 11, 10)),
    ("29 Februari 2028", date(2028, 2, 29)),
    (NEW_YEARS_EVE, NEW_YEARS_EVE),
    (datetime(2025, 12, 31, 14, 30), NEW_YEARS_EVE),
    (datetime(2025, 12, 31, tzinfo=UTC), NEW_YEARS_EVE),
])
def test_date_accepts_day_first_forms(cell, day):
    assert parse_date(cell) == day


@pytest.mark.parametrize(("cell", "reason"), [
    (None, "date_blank"),
    ("", "date_blank"),
    ("-", "date_blank"),
    ("besok", "date_format"),
    ("31/12", "date_format"),
    ("31/12-2025", "date_format"),
    ("31/12/202", "date_format"),
    ("12/31/2025", "date_invalid"),
    ("31/02/2025", "date_invalid"),
    ("29 Feb 2025", "date_invalid"),
    ("00/01/2025", "date_invalid"),
    ("31/12/25", "date_two_digit_year"),
    ("31-Dec-25", "date_two_digit_year"),
    ("31 Desm 2025", "date_month"),
    (45_000, "date_type"),
    (45_000.0, "date_type"),
    (True, "date_type"),
])
def test_date_refusals(cell, reason):
    assert refusal(parse_date, cell) == reason


# --- yes/no ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["ya", "Ya", "YA", "iya", "y", "Y", "yes", "true", "TRUE", "1", "benar",
                                  "ada", " Ya ", True, 1, 1.0])
def test_bool_yes(cell):
    assert parse_bool(cell) is True


@pytest.mark.parametrize("cell", ["tidak", "Tidak", "tdk", "t", "T", "n", "no", "false", "FALSE", "0",
                                  "bukan", "tidak ada", "Tidak  Ada", False, 0, 0.0])
def test_bool_no(cell):
    assert parse_bool(cell) is False


@pytest.mark.parametrize(("cell", "reason"), [
    (None, "bool_blank"),
    ("", "bool_blank"),
    ("-", "bool_blank"),
    ("mungkin", "bool_format"),
    ("yatidak", "bool_format"),
    (2, "bool_format"),
    (0.5, "bool_format"),
    (float("nan"), "bool_format"),
    (date(2025, 1, 1), "bool_type"),
])
def test_bool_refusals(cell, reason):
    assert refusal(parse_bool, cell) == reason


# --- text, blanks and lists -----------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "text"), [
    (None, ""),
    ("", ""),
    (f"  Tas Kulit{NBSP}", "Tas Kulit"),
    ("\ufeffSKU-01\u200b", "SKU-01"),
    ("Baris 1\nBaris 2", "Baris 1\nBaris 2"),
    ("00123", "00123"),
    (12345, "12345"),
    (12345.0, "12345"),
    (12.5, "12.5"),
    (0.1 + 0.2, "0.3"),
    (date(2025, 12, 31), "2025-12-31"),
    (datetime(2025, 12, 31), "2025-12-31"),
    (datetime(2025, 12, 31, 8, 30), "2025-12-31T08:30:00"),
])
def test_text(cell, text):
    assert parse_text(cell) == text


@pytest.mark.parametrize(("cell", "reason"), [
    (True, "text_type"),
    ([1, 2], "text_type"),
    (float("nan"), "text_not_finite"),
])
def test_text_refusals(cell, reason):
    assert refusal(parse_text, cell) == reason


@pytest.mark.parametrize("cell", [None, "", "   ", f"{NBSP}\t\n", "\u200b"])
def test_blank(cell):
    assert is_blank(cell)


@pytest.mark.parametrize("cell", ["-", "0", 0, 0.0, False, "x", float("nan")])
def test_not_blank(cell):
    assert not is_blank(cell)


@pytest.mark.parametrize(("cell", "items"), [
    (None, []),
    ("", []),
    ("a.jpg", ["a.jpg"]),
    ("a.jpg; b.jpg;", ["a.jpg", "b.jpg"]),
    ("a.jpg\nb.jpg\r\n\nc.jpg", ["a.jpg", "b.jpg", "c.jpg"]),
    ("a.jpg, b.jpg,,", ["a.jpg", "b.jpg"]),
    ("https://x.id/a.jpg?s=1,2; b.jpg", ["https://x.id/a.jpg?s=1,2", "b.jpg"]),
    ("https://x.id/a.jpg?s=1,2\nb.jpg", ["https://x.id/a.jpg?s=1,2", "b.jpg"]),
])
def test_list_splits_on_semicolons_and_lines_before_commas(cell, items):
    assert parse_list(cell) == items


@pytest.mark.parametrize("cell", [12, True, date(2025, 1, 1)])
def test_list_refuses_non_text_cells(cell):
    assert refusal(parse_list, cell) == "list_type"


# --- errors and messages --------------------------------------------------------------------------------

def test_error_carries_reason_value_and_english_message():
    err = ParseError("price_format", "gratis")
    assert (err.reason, err.value) == ("price_format", "gratis")
    assert isinstance(err, ValueError)
    assert str(err) == message("price_format", "gratis") == (
        "'gratis' is not a price; write it like 150000, Rp150.000, 150rb or 1,5jt")


def test_message_in_bahasa_indonesia():
    assert message("price_format", "gratis", "id") == (
        "'gratis' bukan harga; tulis seperti 150000, Rp150.000, 150rb atau 1,5jt")


def test_message_rejects_unknown_language():
    with pytest.raises(ValueError, match="lang"):
        message("price_format", "x", "fr")


def test_message_shortens_long_values():
    shown = message("price_format", "x" * 500)
    assert "x" * 77 + "..." in shown and "x" * 78 not in shown


def test_error_with_a_reason_from_another_module_still_prints():
    assert str(ParseError("category_unknown", "Sepatu")) == "category_unknown: 'Sepatu'"


def test_error_survives_pickling():
    err = pickle.loads(pickle.dumps(ParseError("price_format", "gratis")))
    assert (err.reason, err.value, str(err)) == ("price_format", "gratis", message("price_format", "gratis"))


def _reasons_in_code() -> set[str]:
    """Every reason literal in parsers.py outside the MESSAGES table itself."""
    tree = ast.parse(Path(parsers.__file__).read_text(encoding="utf-8"))
    table = next(node.value for node in ast.walk(tree)
                 if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "MESSAGES")
    in_table = {id(key) for key in table.keys}
    pattern = re.compile(r"(price|int|weight|dimension|date|bool|text|list)_[a-z_]+")
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_table
            and pattern.fullmatch(node.value)}


def test_every_reason_raised_has_messages_and_every_message_is_used():
    assert _reasons_in_code() == set(MESSAGES)


@pytest.mark.parametrize("reason", sorted(MESSAGES))
def test_messages_exist_in_both_languages(reason):
    english, indonesian = MESSAGES[reason]
    for lang, template in (("en", english), ("id", indonesian)):
        assert template.strip()
        assert set(re.findall(r"{(\w*)}", template)) <= {"value"}
        assert message(reason, "Rp 1{x}", lang).startswith(template.split("{value}")[0])
    assert english != indonesian


# --- properties -----------------------------------------------------------------------------------------

def indonesian(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@given(st.integers(0, 10**12), st.sampled_from(["", "Rp", "Rp ", "Rp.", "Rp. ", "IDR "]),
       st.sampled_from(["", ",00"]))
def test_price_reads_back_indonesian_formatting(n, prefix, suffix):
    assert parse_price(f"{prefix}{indonesian(n)}{suffix}") == n


@given(st.integers(0, 10**12))
def test_price_reads_back_plain_digits_and_numeric_cells(n):
    assert parse_price(str(n)) == parse_price(n) == parse_price(float(n)) == n


@given(st.integers(0, 10**12), st.sampled_from(["", ",00", " pcs"]))
def test_int_reads_back_indonesian_formatting(n, suffix):
    assert parse_int(f"{indonesian(n)}{suffix}") == parse_int(n) == n


@given(st.integers(1, 10**9))
def test_weight_reads_back_grams_written_indonesian_style(grams):
    assert parse_weight_g(f"{indonesian(grams)} gr") == parse_weight_g(indonesian(grams)) == grams


@given(st.integers(1, 999_999))
def test_weight_in_kg_reads_back_unless_three_decimals_make_it_ambiguous(grams):
    kg, g = divmod(grams, 1000)
    decimals = f"{g:03d}".rstrip("0")
    written = f"{kg},{decimals} kg" if decimals else f"{kg} kg"
    if len(decimals) == 3 and kg:
        assert refusal(parse_weight_g, written) == "weight_ambiguous"  # '1,001 kg': 1001 kg in English
    else:
        assert parse_weight_g(written) == grams


@given(st.dates(min_value=date(1000, 1, 1)))
def test_date_reads_back_every_written_form(day):
    month_name = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    forms = [f"{day:%d/%m/%Y}", f"{day:%d-%m-%Y}", f"{day:%d.%m.%Y}", day.isoformat(),
             f"{day.day} {month_name[day.month - 1]} {day.year}"]
    assert {parse_date(form) for form in forms} == {day}


ALL_PARSERS = [parse_price, parse_int, parse_weight_g, parse_dimension_cm, parse_date, parse_bool, parse_text,
               parse_list]
NUMBER_TEXT = st.text(alphabet="0123456789.,-+eE kgrbjtRpcmpcs ", max_size=20)
CELLS = st.one_of(st.none(), st.text(), NUMBER_TEXT, st.booleans(), st.integers(), st.floats(), st.dates(),
                  st.datetimes())


@pytest.mark.parametrize("parse", ALL_PARSERS, ids=lambda parse: parse.__name__)
@given(cell=CELLS)
def test_parsers_refuse_only_with_parse_error_and_known_reason(parse, cell):
    try:
        parse(cell)
    except ParseError as err:
        assert err.reason in MESSAGES
        assert message(err.reason, err.value, "id")


@given(cell=st.one_of(st.text(), st.floats(), st.integers()))
def test_whatever_parses_as_a_number_is_non_negative_and_whole(cell):
    for parse in (parse_price, parse_int, parse_weight_g, parse_dimension_cm):
        try:
            result = parse(cell)
        except ParseError:
            continue
        assert type(result) is int and result >= 0
        assert not (isinstance(cell, float) and math.isnan(cell))
