"""Food distribution permits: P-IRT (home industry) and BPOM MD / ML numbers, as Indonesian labels write them."""

from __future__ import annotations

import re
from datetime import date

from connector.catalog.parsers import ParseError
from connector.schema import FoodPermit

PIRT_MAX_YEARS = 5  # a P-IRT is valid at most five years
_BPOM = re.compile(r"\b(MD|ML)\s*[-.:]?\s*((?:\d[\s.-]?){11}\d(?:(?:[\s.-]?\d){3})?)\b", re.IGNORECASE)
_PIRT_WORDS = re.compile(r"(?i)\b(?:sp\s*)?-?\s*p\s*-?\s*irt\b|\bno\.?|\bnomor\b|\bdinkes\b|[:#]")


def parse_food_permit(text: str, today: date) -> FoodPermit:
    """`P-IRT No. 2063201010123-29` or `BPOM RI MD 224113001234` -> FoodPermit; raises ParseError.

    Reasons: food_permit_format, food_permit_expired (P-IRT year digits past),
    food_permit_implausible (P-IRT year further than five years ahead).
    """
    bpom = _BPOM.search(text)
    if bpom:
        digits = re.sub(r"\D", "", bpom.group(2))
        if len(digits) in (12, 15):
            kind = "bpom_md" if bpom.group(1).upper() == "MD" else "bpom_ml"
            return FoodPermit(kind=kind, number=f"{bpom.group(1).upper()} {digits}")
        raise ParseError("food_permit_format", text)
    rest = _PIRT_WORDS.sub(" ", text)
    if re.search(r"[A-Za-z]", rest):
        raise ParseError("food_permit_format", text)
    digits = re.sub(r"\D", "", rest)
    if len(digits) != 15:
        raise ParseError("food_permit_format", text)
    year = 2000 + int(digits[-2:])
    if year < today.year:
        raise PermitExpired(text, year)
    if year > today.year + PIRT_MAX_YEARS:
        raise PermitImplausible(text, year)
    return FoodPermit(kind="pirt", number=f"{digits[:13]}-{digits[13:]}", expires_year=year)


class PermitExpired(ParseError):
    def __init__(self, value: str, year: int):
        super().__init__("food_permit_expired", value)
        self.year = year


class PermitImplausible(ParseError):
    def __init__(self, value: str, year: int):
        super().__init__("food_permit_implausible", value)
        self.year = year
