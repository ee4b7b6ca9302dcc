"""Read one spreadsheet cell, as Indonesian staff write it, into a typed value.

Indonesian numbers use a dot for thousands and a comma for decimals, so '150.000' is one hundred fifty
thousand, never 150. Where a cell reads differently under the English and the Indonesian convention the
parsers refuse it instead of guessing: a refusal is a `ParseError` whose `reason` is a stable code and whose
message (English or Bahasa Indonesia) says what is wrong and what would be accepted.

Decisions on the ambiguous cases:
- A dot groups digits in threes (1.500.000). A dot followed by anything but three digits is refused as
  ambiguous ('1.50'), except next to kg, rb/ribu/k or jt/juta, where a dot followed by one or two digits can
  only be a decimal point ('1.2 kg', '1.5jt'). There, one dot followed by three digits is refused instead
  ('1.500 kg', '1.500rb': thousands or decimal?), unless the number before it is 0 ('0.250 kg').
- A comma followed by exactly three digits is refused ('150,000', '1,500 kg': English thousands or Indonesian
  decimal?), unless the number before it is 0 ('0,250 kg') or dots already mark the thousands ('1.500,000').
- A minus sign is refused as negative; '-' or 'Rp -' alone means "no value" and is refused as blank.
  'Rp150.000,-' (the ',-' of Indonesian price tags) is accepted. A price of 0 is accepted; whether it can be
  listed is not a parsing question.
- Stock may carry a count unit ('12 pcs', '3 pasang'); any other unit ('12 kg') is refused.
- Numeric cells are read at the 15 significant digits Excel shows, so a computed 166500.00000000003 is
  166500, as the staff member sees it.
- Numbers of 10**15 or more (16+ digits, e.g. a barcode pasted into a price) are refused as too large.
- Dates are day first; a time after an ISO date ('2025-12-31 00:00:00', as CSV exports write) is dropped.
- Yes/no: 't' means tidak (Indonesian Y/T forms), not true.
- A list is split on ';' and newlines; only a cell with neither is split on ',' (so a single URL with commas
  in its query splits wrongly: put one link per line).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

__all__ = ["MESSAGES", "ParseError", "is_blank", "is_blank_full", "message", "parse_bool", "parse_date",
           "parse_dimension_cm", "parse_int", "parse_list", "parse_price", "parse_price_full", "parse_text",
           "parse_text_full", "parse_weight_g", "parse_weight_g_full"]

MESSAGES: dict[str, tuple[str, str]] = {
    "price_blank": (
        "No price given; write it like 150000, Rp150.000, 150rb or 1,5jt",
        "Harga kosong; tulis seperti 150000, Rp150.000, 150rb atau 1,5jt",
    ),
    "price_format": (
        "'{value}' is not a price; write it like 150000, Rp150.000, 150rb or 1,5jt",
        "'{value}' bukan harga; tulis seperti 150000, Rp150.000, 150rb atau 1,5jt",
    ),
    "price_ambiguous": (
        "'{value}' reads differently in English and Indonesian number formats; write thousands with dots "
        "in groups of three and decimals with a comma, like 150.000 or 1,5jt, or digits only, like 150000",
        "'{value}' terbaca berbeda dalam format angka Inggris dan Indonesia; tulis ribuan dengan titik per "
        "tiga angka dan desimal dengan koma, seperti 150.000 atau 1,5jt, atau angka saja, seperti 150000",
    ),
    "price_scientific": (
        "'{value}' is in scientific notation; format the cell as a number and write the price in full, "
        "like 150000 or 150.000",
        "'{value}' ditulis dalam notasi ilmiah; format sel sebagai angka dan tulis harga lengkap, "
        "seperti 150000 atau 150.000",
    ),
    "price_not_whole": (
        "'{value}' is not a whole number of rupiah; write whole rupiah, like 150000 or 150.000,00",
        "'{value}' bukan rupiah bulat; tulis rupiah tanpa sen, seperti 150000 atau 150.000,00",
    ),
    "price_negative": (
        "'{value}' is negative; a price is 0 or more, like 150000 or Rp150.000",
        "'{value}' bernilai negatif; harga harus 0 atau lebih, seperti 150000 atau Rp150.000",
    ),
    "price_not_finite": (
        "'{value}' is not a number (an Excel error or infinity); write a price like 150000 or Rp150.000",
        "'{value}' bukan angka (galat Excel atau tak hingga); tulis harga seperti 150000 atau Rp150.000",
    ),
    "price_type": (
        "'{value}' is a yes/no or date cell, not a price; write a price like 150000 or Rp150.000",
        "'{value}' berisi ya/tidak atau tanggal, bukan harga; tulis harga seperti 150000 atau Rp150.000",
    ),
    "price_too_large": (
        "'{value}' has too many digits for a price (is a code pasted here?); write a price like 150000",
        "'{value}' terlalu banyak digit untuk harga (apakah ada kode yang tertempel?); "
        "tulis harga seperti 150000",
    ),
    "int_blank": (
        "No number given; write a whole number like 12, 1.000 or 12 pcs",
        "Angka kosong; tulis bilangan bulat seperti 12, 1.000 atau 12 pcs",
    ),
    "int_format": (
        "'{value}' is not a whole number; write it like 12, 1.000 or 12 pcs",
        "'{value}' bukan bilangan bulat; tulis seperti 12, 1.000 atau 12 pcs",
    ),
    "int_ambiguous": (
        "'{value}' reads differently in English and Indonesian number formats; write thousands with dots "
        "in groups of three, like 1.000, or digits only, like 1000",
        "'{value}' terbaca berbeda dalam format angka Inggris dan Indonesia; tulis ribuan dengan titik per "
        "tiga angka, seperti 1.000, atau angka saja, seperti 1000",
    ),
    "int_scientific": (
        "'{value}' is in scientific notation; format the cell as a number and write it in full, like 1000",
        "'{value}' ditulis dalam notasi ilmiah; format sel sebagai angka dan tulis lengkap, seperti 1000",
    ),
    "int_not_whole": (
        "'{value}' has a fraction; write a whole number, like 12 or 1.000",
        "'{value}' mengandung pecahan; tulis bilangan bulat, seperti 12 atau 1.000",
    ),
    "int_negative": (
        "'{value}' is negative; write 0 or more, like 0, 12 or 1.000",
        "'{value}' bernilai negatif; tulis 0 atau lebih, seperti 0, 12 atau 1.000",
    ),
    "int_not_finite": (
        "'{value}' is not a number (an Excel error or infinity); write a whole number like 12",
        "'{value}' bukan angka (galat Excel atau tak hingga); tulis bilangan bulat seperti 12",
    ),
    "int_type": (
        "'{value}' is a yes/no or date cell, not a number; write a whole number like 12 or 1.000",
        "'{value}' berisi ya/tidak atau tanggal, bukan angka; tulis bilangan bulat seperti 12 atau 1.000",
    ),
    "int_too_large": (
        "'{value}' has too many digits (is a code pasted here?); write a whole number like 12 or 1.000",
        "'{value}' terlalu banyak digit (apakah ada kode yang tertempel?); "
        "tulis bilangan bulat seperti 12 atau 1.000",
    ),
    "int_unit": (
        "'{value}' has a unit that is not a count; write a whole number, alone or with pcs, buah, unit, "
        "pasang, lembar or set, like 12 or 12 pcs",
        "'{value}' memakai satuan yang bukan hitungan; tulis bilangan bulat, saja atau dengan pcs, buah, "
        "unit, pasang, lembar atau set, seperti 12 atau 12 pcs",
    ),
    "weight_blank": (
        "No weight given; write it like 250, 250 gr or 0,25 kg",
        "Berat kosong; tulis seperti 250, 250 gr atau 0,25 kg",
    ),
    "weight_format": (
        "'{value}' is not a weight; write it like 250, 250 gr or 0,25 kg",
        "'{value}' bukan berat; tulis seperti 250, 250 gr atau 0,25 kg",
    ),
    "weight_ambiguous": (
        "'{value}' reads differently in English and Indonesian number formats; write decimals with a comma "
        "and thousands with dots, like 1,5 kg or 1.500 gr",
        "'{value}' terbaca berbeda dalam format angka Inggris dan Indonesia; tulis desimal dengan koma dan "
        "ribuan dengan titik, seperti 1,5 kg atau 1.500 gr",
    ),
    "weight_scientific": (
        "'{value}' is in scientific notation; write the weight in full, like 250 gr or 0,25 kg",
        "'{value}' ditulis dalam notasi ilmiah; tulis berat lengkap, seperti 250 gr atau 0,25 kg",
    ),
    "weight_negative": (
        "'{value}' is negative; a weight is more than 0, like 250 gr or 0,25 kg",
        "'{value}' bernilai negatif; berat harus lebih dari 0, seperti 250 gr atau 0,25 kg",
    ),
    "weight_zero": (
        "'{value}' is 0 grams (after rounding to whole grams); a weight is at least 1 gram, like 250 gr",
        "'{value}' sama dengan 0 gram (setelah dibulatkan ke gram); berat minimal 1 gram, seperti 250 gr",
    ),
    "weight_not_finite": (
        "'{value}' is not a number (an Excel error or infinity); write a weight like 250 gr or 0,25 kg",
        "'{value}' bukan angka (galat Excel atau tak hingga); tulis berat seperti 250 gr atau 0,25 kg",
    ),
    "weight_type": (
        "'{value}' is a yes/no or date cell, not a weight; write a weight like 250 gr or 0,25 kg",
        "'{value}' berisi ya/tidak atau tanggal, bukan berat; tulis berat seperti 250 gr atau 0,25 kg",
    ),
    "weight_too_large": (
        "'{value}' has too many digits for a weight (is a code pasted here?); write it like 250 gr",
        "'{value}' terlalu banyak digit untuk berat (apakah ada kode yang tertempel?); "
        "tulis seperti 250 gr",
    ),
    "weight_unit": (
        "'{value}' has a unit we do not know; use g, gr, gram or kg, like 250 gr or 0,25 kg",
        "'{value}' memakai satuan yang tidak dikenal; pakai g, gr, gram atau kg, seperti 250 gr atau 0,25 kg",
    ),
    "dimension_blank": (
        "No size given; write whole or decimal centimetres, like 30, 30 cm or 30,5",
        "Ukuran kosong; tulis sentimeter, bulat atau desimal, seperti 30, 30 cm atau 30,5",
    ),
    "dimension_format": (
        "'{value}' is not a size in centimetres; write it like 30, 30 cm or 30,5",
        "'{value}' bukan ukuran dalam sentimeter; tulis seperti 30, 30 cm atau 30,5",
    ),
    "dimension_ambiguous": (
        "'{value}' reads differently in English and Indonesian number formats; write decimals with a comma, "
        "like 30,5 cm, or whole centimetres, like 31",
        "'{value}' terbaca berbeda dalam format angka Inggris dan Indonesia; tulis desimal dengan koma, "
        "seperti 30,5 cm, atau sentimeter bulat, seperti 31",
    ),
    "dimension_scientific": (
        "'{value}' is in scientific notation; write the size in full, like 30 cm",
        "'{value}' ditulis dalam notasi ilmiah; tulis ukuran lengkap, seperti 30 cm",
    ),
    "dimension_negative": (
        "'{value}' is negative; a size is more than 0, like 30 cm",
        "'{value}' bernilai negatif; ukuran harus lebih dari 0, seperti 30 cm",
    ),
    "dimension_zero": (
        "'{value}' is 0; a size is more than 0 cm, like 30 or 30,5 cm",
        "'{value}' sama dengan 0; ukuran harus lebih dari 0 cm, seperti 30 atau 30,5 cm",
    ),
    "dimension_not_finite": (
        "'{value}' is not a number (an Excel error or infinity); write a size like 30 cm",
        "'{value}' bukan angka (galat Excel atau tak hingga); tulis ukuran seperti 30 cm",
    ),
    "dimension_type": (
        "'{value}' is a yes/no or date cell, not a size; write a size like 30 cm",
        "'{value}' berisi ya/tidak atau tanggal, bukan ukuran; tulis ukuran seperti 30 cm",
    ),
    "dimension_too_large": (
        "'{value}' has too many digits for a size (is a code pasted here?); write it like 30 cm",
        "'{value}' terlalu banyak digit untuk ukuran (apakah ada kode yang tertempel?); tulis seperti 30 cm",
    ),
    "dimension_unit": (
        "'{value}' is not in centimetres; write centimetres, like 30 or 30 cm",
        "'{value}' bukan dalam sentimeter; tulis dalam sentimeter, seperti 30 atau 30 cm",
    ),
    "date_blank": (
        "No date given; write it day first, like 31/12/2025, 31-12-2025 or 31 Des 2025",
        "Tanggal kosong; tulis dengan hari di depan, seperti 31/12/2025, 31-12-2025 atau 31 Des 2025",
    ),
    "date_format": (
        "'{value}' is not a date; write it day first, like 31/12/2025, 31-12-2025, 31 Des 2025 "
        "or 2025-12-31",
        "'{value}' bukan tanggal; tulis dengan hari di depan, seperti 31/12/2025, 31-12-2025, 31 Des 2025 "
        "atau 2025-12-31",
    ),
    "date_invalid": (
        "'{value}' is not a real date (dates are read day first); write it like 31/12/2025",
        "'{value}' bukan tanggal yang ada (tanggal dibaca hari dulu); tulis seperti 31/12/2025",
    ),
    "date_two_digit_year": (
        "'{value}' has a two-digit year; write the year in full, like 31/12/2025",
        "'{value}' memakai tahun dua digit; tulis tahun lengkap, seperti 31/12/2025",
    ),
    "date_month": (
        "'{value}' has a month name we do not know; use an Indonesian or English month, like 31 Des 2025, "
        "31 Desember 2025 or 31 Dec 2025",
        "'{value}' memakai nama bulan yang tidak dikenal; pakai nama bulan Indonesia atau Inggris, seperti "
        "31 Des 2025, 31 Desember 2025 atau 31 Dec 2025",
    ),
    "date_type": (
        "'{value}' is a number or yes/no cell, not a date; format the cell as a date or write it like "
        "31/12/2025",
        "'{value}' berisi angka atau ya/tidak, bukan tanggal; format sel sebagai tanggal atau tulis seperti "
        "31/12/2025",
    ),
    "bool_blank": (
        "No yes/no given; write ya or tidak",
        "Ya/tidak kosong; tulis ya atau tidak",
    ),
    "bool_format": (
        "'{value}' is not yes or no; write ya or tidak (also accepted: y/n, yes/no, true/false, 1/0, "
        "benar/bukan, ada/tidak ada)",
        "'{value}' bukan ya atau tidak; tulis ya atau tidak (juga diterima: y/t, yes/no, true/false, 1/0, "
        "benar/bukan, ada/tidak ada)",
    ),
    "bool_type": (
        "'{value}' is a date cell, not yes/no; write ya or tidak",
        "'{value}' berisi tanggal, bukan ya/tidak; tulis ya atau tidak",
    ),
    "text_type": (
        "'{value}' is a yes/no cell or an unknown kind of cell, not text; type the text into the cell",
        "'{value}' berisi ya/tidak atau jenis sel yang tidak dikenal, bukan teks; ketik teksnya di sel",
    ),
    "text_not_finite": (
        "'{value}' is an Excel error or infinity, not text; type the text into the cell",
        "'{value}' adalah galat Excel atau tak hingga, bukan teks; ketik teksnya di sel",
    ),
    "list_type": (
        "'{value}' is not a list of image names or links; write them separated by ; or new lines, "
        "like depan.jpg; belakang.jpg",
        "'{value}' bukan daftar nama gambar atau tautan; pisahkan dengan ; atau baris baru, "
        "seperti depan.jpg; belakang.jpg",
    ),
}

_SHOWN_MAX = 80


def _shown(value: object) -> str:
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 3] + "..."


def message(reason: str, value: object, lang: str = "en") -> str:
    """The message for a refusal in English ('en') or Bahasa Indonesia ('id'); KeyError for other reasons."""
    english, indonesian = MESSAGES[reason]
    if lang == "en":
        template = english
    elif lang == "id":
        template = indonesian
    else:
        raise ValueError(f"lang must be 'en' or 'id', not {lang!r}")
    return template.format(value=_shown(value))


class ParseError(ValueError):
    """A cell that cannot be read without guessing; `reason` is a stable code, str() the English message."""

    reason: str
    value: object

    def __init__(self, reason: str, value: object) -> None:
        super().__init__(reason, value)
        self.reason = reason
        self.value = value

    def __str__(self) -> str:
        # Other modules raise ParseError with reasons kept in their own message tables.
        if self.reason in MESSAGES:
            return message(self.reason, self.value)
        return f"{self.reason}: {_shown(self.value)!r}"


# --- cleaning -------------------------------------------------------------------------------------------

_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"  # zero-width characters and the BOM of CSV exports
_VISIBLE = re.compile(rf"[^\s{_INVISIBLE}]")
_EDGES = re.compile(rf"^[\s{_INVISIBLE}]+|[\s{_INVISIBLE}]+$")
_CLEANUP = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", **dict.fromkeys(_INVISIBLE)})


def _normalize(text: str) -> str:
    """Lower-case, unify dashes and collapse every kind of space (Excel exports non-breaking spaces)."""
    return " ".join(text.translate(_CLEANUP).split()).lower()


# Fast paths. Each public parser below first tries the common clean value (ASCII text, plain digits, "Rp150.000")
# with a check or two in C, and hands everything else to its `_full` twin, which applies every rule; both give the
# same answer for every value (tests/test_fast_paths.py). The `_full` functions stay public for that test.


def is_blank(value: object) -> bool:
    """True for an empty cell: None, '' or only spaces (non-breaking and zero-width ones included)."""
    if value is None:
        return True
    if type(value) is str and value.isascii():  # the invisible characters are all outside ASCII
        return not value or value.isspace()
    return is_blank_full(value)


def is_blank_full(value: object) -> bool:
    return value is None or (isinstance(value, str) and _VISIBLE.search(value) is None)


def parse_text(value: object) -> str:
    """Cell as text: stripped; whole-number cells without '.0' (an SKU 12345 is not '12345.0'); dates ISO."""
    if type(value) is str and value.isascii():  # `\s` is str.isspace; the invisible characters are not ASCII
        return value.strip()
    return parse_text_full(value)


def parse_text_full(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _EDGES.sub("", value)
    if isinstance(value, bool):
        raise ParseError("text_type", value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParseError("text_not_finite", value)
        # 15 significant digits is what Excel shows, so 0.1 + 0.2 reads as '0.3'.
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise ParseError("text_type", value)


# --- numbers --------------------------------------------------------------------------------------------

_LIMIT = 10**15  # no price, stock, weight or size comes near; a pasted barcode does
_NUMBER_CHARS_MAX = 40  # longer number text is refused before int() sees it

_PLAIN = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"([1-9][0-9]{0,2}(?:\.[0-9]{3})+)(?:,([0-9]+))?")  # 1.500.000 or 1.500,00
_COMMA_DECIMAL = re.compile(r"([0-9]+),([0-9]+)")
_DOT_DECIMAL = re.compile(r"([0-9]+)\.([0-9]+)")
_ENGLISH_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")  # 1,500,000 or 1,500.00
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]+)?e[+-]?[0-9]+")
_WITH_UNIT = re.compile(r"([0-9][0-9.,]*) ?([a-z]+)\.?")


@dataclass(frozen=True, slots=True)
class _Reasons:
    """The reason codes of one numeric parser, so the shared number reading refuses in its terms."""

    blank: str
    format: str
    ambiguous: str
    scientific: str
    negative: str
    not_finite: str
    type: str
    too_large: str


_PRICE = _Reasons("price_blank", "price_format", "price_ambiguous", "price_scientific", "price_negative",
                  "price_not_finite", "price_type", "price_too_large")
_INT = _Reasons("int_blank", "int_format", "int_ambiguous", "int_scientific", "int_negative",
                "int_not_finite", "int_type", "int_too_large")
_WEIGHT = _Reasons("weight_blank", "weight_format", "weight_ambiguous", "weight_scientific",
                   "weight_negative", "weight_not_finite", "weight_type", "weight_too_large")
_DIMENSION = _Reasons("dimension_blank", "dimension_format", "dimension_ambiguous", "dimension_scientific",
                      "dimension_negative", "dimension_not_finite", "dimension_type", "dimension_too_large")


def _ratio(whole: str, fraction: str) -> tuple[int, int]:
    return int(whole + fraction), 10 ** len(fraction)


def _number(text: str, value: object, reasons: _Reasons, *, dot_decimal: bool) -> tuple[int, int]:
    """Exact value of unsigned number text as (numerator, denominator); refuses what reads two ways.

    `dot_decimal` is set next to kg, rb or jt, where '1.2' cannot be thousands and so is a decimal.
    """
    if len(text) > _NUMBER_CHARS_MAX:
        raise ParseError(reasons.too_large, value)
    if _PLAIN.fullmatch(text):
        return int(text), 1
    if m := _GROUPED.fullmatch(text):
        whole, fraction = m.groups()
        if dot_decimal and fraction is None and whole.count(".") == 1:
            raise ParseError(reasons.ambiguous, value)  # '1.500 kg': 1500 kg or 1,5 kg?
        return _ratio(whole.replace(".", ""), fraction or "")
    if m := _COMMA_DECIMAL.fullmatch(text):
        whole, fraction = m.groups()
        if len(fraction) == 3 and whole != "0":
            raise ParseError(reasons.ambiguous, value)  # '150,000': English thousands or a decimal?
        return _ratio(whole, fraction)
    if m := _DOT_DECIMAL.fullmatch(text):
        whole, fraction = m.groups()
        if dot_decimal and (len(fraction) <= 2 or whole == "0"):
            return _ratio(whole, fraction)
        raise ParseError(reasons.ambiguous, value)  # '1.50': 1,5 or a mistyped 1.500?
    if _SCIENTIFIC.fullmatch(text):
        raise ParseError(reasons.scientific, value)
    if _ENGLISH_GROUPED.fullmatch(text):
        raise ParseError(reasons.ambiguous, value)
    raise ParseError(reasons.format, value)


def _cell_number(value: object, reasons: _Reasons) -> tuple[int, int]:
    """Exact value of a non-text cell as (numerator, denominator), at the 15 digits Excel shows."""
    if value is None:
        raise ParseError(reasons.blank, value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParseError(reasons.type, value)
    if isinstance(value, int):
        numerator, denominator = value, 1
    else:
        if not math.isfinite(value):
            raise ParseError(reasons.not_finite, value)
        if abs(value) >= _LIMIT:
            raise ParseError(reasons.too_large, value)
        numerator, denominator = Decimal(f"{value:.15g}").as_integer_ratio()
    if numerator < 0:
        raise ParseError(reasons.negative, value)
    return numerator, denominator


def _unsigned(text: str) -> tuple[bool, str]:
    """Split off a leading minus sign."""
    if text.startswith("-"):
        return True, text[1:].lstrip()
    return False, text


def _amount(value: str, reasons: _Reasons) -> tuple[bool, str, str | None]:
    """Normalized text cell as (minus sign, number text, unit word or None); refuses blanks and '-'."""
    negative, text = _unsigned(_normalize(value))
    if not text:
        raise ParseError(reasons.blank, value)
    if m := _WITH_UNIT.fullmatch(text):
        return negative, m[1], m[2]
    return negative, text, None


def _checked(result: int, value: object, negative: bool, reasons: _Reasons) -> int:
    if negative:
        raise ParseError(reasons.negative, value)
    if result >= _LIMIT:
        raise ParseError(reasons.too_large, value)
    return result


def _whole(numerator: int, denominator: int, value: object, negative: bool, reasons: _Reasons,
           not_whole: str) -> int:
    if numerator % denominator:
        raise ParseError(not_whole, value)
    return _checked(numerator // denominator, value, negative, reasons)


def _plain_digits(text: str) -> bool:
    """The common case, ASCII digits few enough to stay below the limit, skips the regexes."""
    return len(text) < 16 and text.isdigit() and text.isascii()


_CURRENCY = re.compile(r"(?:rp\.?|idr) ?")
_MULTIPLIED = re.compile(r"([0-9][0-9.,]*) ?(rb|ribu|k|jt|juta)")
_MULTIPLIERS = {"rb": 1_000, "ribu": 1_000, "k": 1_000, "jt": 1_000_000, "juta": 1_000_000}


# "150000", "Rp150.000", "Rp 150.000", "Rp. 1.500.000": at most 15 digits, so always below _LIMIT.
_PRICE_CLEAN = re.compile(r"(?:[Rr][Pp]\.? ?)?([1-9][0-9]{0,2}(?:\.[0-9]{3}){1,4}|[0-9]{1,15})")


def parse_price(value: object) -> int:
    """Whole rupiah from a price cell: '150.000' is 150000 (never 150), '1,5jt' is 1500000."""
    if type(value) is str and (m := _PRICE_CLEAN.fullmatch(value)):
        return int(m[1].replace(".", ""))
    return parse_price_full(value)


def parse_price_full(value: object) -> int:
    if type(value) is int and 0 <= value < _LIMIT:
        return value
    if not isinstance(value, str):
        return _whole(*_cell_number(value, _PRICE), value, False, _PRICE, "price_not_whole")
    if _plain_digits(value):
        return int(value)
    negative, text = _unsigned(_normalize(value))
    if m := _CURRENCY.match(text):
        text = text[m.end():]
    if not negative:
        negative, text = _unsigned(text)  # 'Rp -150.000'
    text = text.removesuffix(",-").rstrip()  # 'Rp150.000,-' as on Indonesian price tags
    if not text:
        raise ParseError("price_blank", value)  # '', '-', 'Rp -'
    if m := _MULTIPLIED.fullmatch(text):
        numerator, denominator = _number(m[1], value, _PRICE, dot_decimal=True)
        numerator *= _MULTIPLIERS[m[2]]
    else:
        numerator, denominator = _number(text, value, _PRICE, dot_decimal=False)
    return _whole(numerator, denominator, value, negative, _PRICE, "price_not_whole")


_COUNT_UNITS = frozenset({"pcs", "pc", "buah", "bh", "unit", "pasang", "psg", "lembar", "lbr", "set", "biji",
                          "bungkus", "bks", "sachet", "botol", "pack"})


def parse_int(value: object) -> int:
    """A whole number of things (stock): '1.000' is 1000; a count unit such as '12 pcs' is allowed."""
    if type(value) is int and 0 <= value < _LIMIT:
        return value
    if not isinstance(value, str):
        return _whole(*_cell_number(value, _INT), value, False, _INT, "int_not_whole")
    if _plain_digits(value):
        return int(value)
    negative, text, unit = _amount(value, _INT)
    if unit is not None and unit not in _COUNT_UNITS:
        raise ParseError("int_unit", value)
    numerator, denominator = _number(text, value, _INT, dot_decimal=False)
    return _whole(numerator, denominator, value, negative, _INT, "int_not_whole")


_GRAMS_PER_UNIT = {"g": 1, "gr": 1, "grm": 1, "gm": 1, "gram": 1, "grams": 1,
                   "kg": 1000, "kgs": 1000, "kilo": 1000, "kilogram": 1000, "kilograms": 1000}


# "250 gr", "0,3 kg", "1,25kg": already in the form `_amount` normalises to (lower case, one space at most), a whole
# part of at most 9 digits (far below _LIMIT in grams) and a comma decimal of one or two digits (never ambiguous).
_WEIGHT_CLEAN = re.compile(r"([0-9]{1,9})(?:,([0-9]{1,2}))? ?(g|gr|gram|kg)")


def parse_weight_g(value: object, default_unit: str = "g") -> int:
    """Whole grams, rounded half up; numbers without a unit (and numeric cells) are in `default_unit`.

    `default_unit` is 'g' or 'kg' (a column setting, so a wrong one is a ValueError, not a ParseError).
    """
    if type(value) is str and default_unit in ("g", "kg"):
        if _plain_digits(value):
            grams = int(value) * (1000 if default_unit == "kg" else 1)
            if 0 < grams < _LIMIT:
                return grams
        elif m := _WEIGHT_CLEAN.fullmatch(value):
            fraction = m[2] or ""
            numerator, denominator = int(m[1] + fraction) * _GRAMS_PER_UNIT[m[3]], 10 ** len(fraction)
            grams = (2 * numerator + denominator) // (2 * denominator)  # round half up, as the full rules do
            if grams:
                return grams
    return parse_weight_g_full(value, default_unit)


def parse_weight_g_full(value: object, default_unit: str = "g") -> int:
    if default_unit not in ("g", "kg"):
        raise ValueError(f"default_unit must be 'g' or 'kg', not {default_unit!r}")
    if default_unit == "g" and type(value) is int and 0 < value < _LIMIT:
        return value
    negative = False
    if isinstance(value, str):
        negative, text, unit = _amount(value, _WEIGHT)
        factor = _GRAMS_PER_UNIT.get(unit or default_unit)
        if factor is None:
            raise ParseError("weight_unit", value)
        numerator, denominator = _number(text, value, _WEIGHT, dot_decimal=factor == 1000)
    else:
        factor = _GRAMS_PER_UNIT[default_unit]
        numerator, denominator = _cell_number(value, _WEIGHT)
    numerator *= factor
    grams = (2 * numerator + denominator) // (2 * denominator)  # round half up
    if grams == 0 and not negative:
        raise ParseError("weight_zero", value)
    return _checked(grams, value, negative, _WEIGHT)


_CM_UNITS = frozenset({"cm", "centimeter", "sentimeter"})


def parse_dimension_cm(value: object) -> int:
    """Whole centimetres, rounded up: couriers bill by whole cm, so 30,5 cm is 31."""
    if type(value) is int and 0 < value < _LIMIT:
        return value
    negative = False
    if isinstance(value, str):
        negative, text, unit = _amount(value, _DIMENSION)
        if unit is not None and unit not in _CM_UNITS:
            raise ParseError("dimension_unit", value)
        numerator, denominator = _number(text, value, _DIMENSION, dot_decimal=False)
    else:
        numerator, denominator = _cell_number(value, _DIMENSION)
    centimetres = -(-numerator // denominator)
    if centimetres == 0 and not negative:
        raise ParseError("dimension_zero", value)
    return _checked(centimetres, value, negative, _DIMENSION)


# --- dates ----------------------------------------------------------------------------------------------

_MONTHS = {
    **dict.fromkeys(("jan", "januari", "january"), 1),
    **dict.fromkeys(("feb", "februari", "pebruari", "february"), 2),
    **dict.fromkeys(("mar", "maret", "march"), 3),
    **dict.fromkeys(("apr", "april"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("jun", "juni", "june"), 6),
    **dict.fromkeys(("jul", "juli", "july"), 7),
    **dict.fromkeys(("agu", "agt", "agus", "agustus", "aug", "august"), 8),
    **dict.fromkeys(("sep", "sept", "september"), 9),
    **dict.fromkeys(("okt", "oktober", "oct", "october"), 10),
    **dict.fromkeys(("nov", "nop", "november", "nopember"), 11),
    **dict.fromkeys(("des", "desember", "dec", "december"), 12),
}
_TIME = r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
_DATE_ISO = re.compile(rf"([0-9]{{4}})([-/.])([0-9]{{1,2}})\2([0-9]{{1,2}})(?:[ t]{_TIME})?")
_DATE_NUMERIC = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]+)")
_DATE_NAMED = re.compile(r"([0-9]{1,2})[ /.-]?([a-z]+)\.?[ /.,-]?([0-9]+)")


def parse_date(value: object) -> date:
    """A calendar date, day first as Indonesians write it: '31/12/2025', '31 Des 2025', date cells."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        raise ParseError("date_blank", value)
    if not isinstance(value, str):
        raise ParseError("date_type", value)  # a number may be an Excel serial day; we do not guess
    text = _normalize(value)
    if text in ("", "-"):
        raise ParseError("date_blank", value)
    if m := _DATE_ISO.fullmatch(text):
        year, month, day = m[1], int(m[3]), m[4]
    elif m := _DATE_NUMERIC.fullmatch(text):
        day, month, year = m[1], int(m[3]), m[4]
    elif m := _DATE_NAMED.fullmatch(text):
        day, name, year = m.groups()
        if name not in _MONTHS:
            raise ParseError("date_month", value)
        month = _MONTHS[name]
    else:
        raise ParseError("date_format", value)
    if len(year) == 2:
        raise ParseError("date_two_digit_year", value)  # 25: 1925 or 2025?
    if len(year) != 4:
        raise ParseError("date_format", value)
    try:
        return date(int(year), month, int(day))
    except ValueError:
        raise ParseError("date_invalid", value) from None


# --- yes/no and lists -----------------------------------------------------------------------------------

_YES = frozenset({"ya", "iya", "y", "yes", "true", "1", "benar", "ada"})
_NO = frozenset({"tidak", "tdk", "t", "n", "no", "false", "0", "bukan", "tidak ada"})


def parse_bool(value: object) -> bool:
    """Yes/no as Indonesian forms write it ('ya'/'tidak', 'Y'/'T'), English words, 1/0, TRUE/FALSE cells."""
    if isinstance(value, bool):
        return value
    if value is None:
        raise ParseError("bool_blank", value)
    if isinstance(value, int | float):
        if value == 1:
            return True
        if value == 0:
            return False
        raise ParseError("bool_format", value)
    if not isinstance(value, str):
        raise ParseError("bool_type", value)
    text = _normalize(value)
    if text in _YES:
        return True
    if text in _NO:
        return False
    if text in ("", "-"):
        raise ParseError("bool_blank", value)
    raise ParseError("bool_format", value)


_LIST_LINES = re.compile(r"[;\r\n]")


def parse_list(value: object) -> list[str]:
    """Several image names or links in one cell, split on ';' or new lines, else on ','; empties dropped."""
    if is_blank(value):
        return []
    if not isinstance(value, str):
        raise ParseError("list_type", value)
    parts = _LIST_LINES.split(value) if _LIST_LINES.search(value) else value.split(",")
    return [item for item in (_EDGES.sub("", part) for part in parts) if item]
