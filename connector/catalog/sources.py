"""Catalog sources: read an institution's catalog file as a stream of raw rows.

This module only reads. It does not look for headers, parse rupiah or map columns; it hands the caller
every non-blank row with a row number a person can find in the file.

Decisions a caller relies on:

- CSV is decoded as UTF-8 (with or without BOM) when the whole file is valid UTF-8, else as Windows-1252
  (what Excel in the Indonesian locale writes); a file with a UTF-16 BOM (Excel's "Unicode Text") is UTF-16.
  The delimiter (``;``, ``,`` or tab) is the one that splits the first records most consistently.
- XLSX cells come as python-calamine gives them, except that a whole float becomes an ``int``: xlsx stores
  every number as a float, and ``150000.0`` would otherwise leak into prices and SKUs; and a whole number under a
  number format of zeros alone (``00000``) is the text Excel shows (``00123``), as Excel's CSV export writes it.
  Formula cells give their cached value; error cells (``#DIV/0!``) and formulas without a cached value read as
  ``""`` because python-calamine does not expose them.
- A JSON array element or a JSON Lines line that is not an object, or a JSON Lines line that is not valid
  JSON, is still yielded, as ``{"__invalid__": "<reason>"}``, so the caller rejects that one record
  with a reason and goes on.
- A CSV row is blank when its cells hold only spaces, or it is one cell of only delimiters (an empty sheet
  exported as lines of ``;;;;``, where the sniffer finds no delimiter and falls back on ``,``).
- Row numbers: the spreadsheet row for CSV and XLSX (blank rows skipped but counted), the line number for
  JSON Lines, the record number (from 1) for JSON arrays and SQLite.
- Options that do not apply to the format (``sheet`` for a CSV, say) are ignored, so one mapping can
  follow an institution from one file format to another.
- Hostile files are refused before they can block or exhaust the process (the limits below, README "Limits on a
  catalog file"): the file is stat-ed before it is opened (a pipe or a device is refused), its size checked, a
  workbook's unpacked size and each sheet's span read from the zip before python-calamine allocates the sheet
  (rows and cells without a reference counted where they land); a workbook part that declares a DTD is refused.
  A value a source cannot read as it is (a JSON number of thousands of digits, SQLite text that is not UTF-8)
  stays in its cell as an ``Unreadable``, so only that record is refused.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import json
import posixpath
import re
import sqlite3
import stat
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

FORMATS = ("csv", "xlsx", "json", "jsonl", "sqlite")
RECORD_FORMATS = ("json", "jsonl", "sqlite")  # rows are records (field -> value), with no header row

_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
    ".db": "sqlite",
}

_ZIP_MAGIC = b"PK\x03\x04"
# Excel wraps a password-protected workbook in an OLE container, the same container as an old .xls.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SQLITE_MAGIC = b"SQLite format 3\x00"

_HEAD_SIZE = 64 * 1024
_READ_SIZE = 256 * 1024
_JSON_CHUNK = 64 * 1024  # characters read at a time from a JSON file
_SNIFF_LINES = 50

# C0 control bytes that real text files never contain (tab, line breaks and form feed are fine).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f")
_NON_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)

# --- limits: one place for what a catalog file may be; each is checked before (or while) the file is read, and
# a file past one is that institution's reject, with a reason, never the run's. The largest institution keeps a
# few thousand rows (DOMAIN.md); these leave ten times that room and stay far below 1 GB of memory.
FILE_BYTES_MAX = 64 * 1024 * 1024  # a few thousand rows with 3,000-character descriptions is under 20 MB
ROWS_MAX = 50_000  # non-blank rows (records) per file
COLUMNS_MAX = 16_384  # Excel's own limit (column XFD); a wider row was not written by a spreadsheet
CELL_CHARS_MAX = 32_767  # Excel's own limit for one cell; a longer cell is refused (descriptions are cut at 3,000)
JSON_DEPTH_MAX = 32  # lists and objects inside a record's value (any of them is refused as cell_nested)
NUMBER_DIGITS_MAX = 40  # a JSON number longer than this is never a price, stock or code (Python stops at 4,300)
# python-calamine allocates a sheet's used range densely (rows x columns) before giving one row: a sheet whose
# cells sit at A1 and XFD1048576 needs 500 GB and aborts the process. So the span is measured from the zip first.
XLSX_CELLS_MAX = 2_000_000  # 50,000 rows of 40 columns
XLSX_UNPACKED_MAX = 256 * 1024 * 1024  # the workbook's parts, unpacked (a zip bomb is refused unopened)

_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")
# A CSV row of one cell holding only delimiters is blank: an empty sheet exported from Excel is lines of ";;;;",
# which no delimiter splits into anything, so the sniffer falls back on "," and reads ";;;;" as one cell.
_DELIMITERS = ";,\t "
_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """Text with each lone surrogate (JSON's "\\ud800", which is no character and cannot be written as UTF-8) shown
    as its escape, so a report or the ledger can hold the text that is refused."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _json_int(digits: str) -> int | Unreadable:
    # Python refuses to convert more than 4,300 digits with a ValueError that would end the whole file's reading.
    if len(digits) > NUMBER_DIGITS_MAX:
        return Unreadable(f"a number of {len(digits):,} digits; at most {NUMBER_DIGITS_MAX}")
    return int(digits)


def _object(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object, refusing a repeated field: `{"Harga": 150000, "Harga": 1500}` would otherwise list the last
    one silently. The record then carries why it is refused (headers match ignoring case, so do these keys)."""
    record: dict = {}
    seen: dict[str, str] = {}
    for key, value in pairs:
        key = escape_surrogates(key)
        folded = str(key).casefold()
        if folded in seen and "__invalid__" not in record:
            record["__invalid__"] = (f"the field {seen[folded]!r} appears twice in this record "
                                     f"({json.dumps(record.get(seen[folded]), ensure_ascii=False)[:30]} and "
                                     f"{json.dumps(value, ensure_ascii=False)[:30]}); keep one")
        seen.setdefault(folded, key)
        record.setdefault(key, value)
    return record


_JSON_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_int=_json_int)


@dataclass(frozen=True, slots=True)
class RawRow:
    """One non-blank row of a catalog, before any header detection or parsing.

    ``number`` is where a person finds the row (see the module docstring); ``cells`` is a list in column
    order for CSV and XLSX, header rows included, and a dict of field to value for JSON, JSONL and SQLite.
    """

    number: int
    cells: list | dict


class CatalogUnreadable(Exception):
    """The catalog cannot be read at all (missing, corrupt, wrong sheet, not JSON, ...).

    ``str()`` names the file and says what is wrong in words staff can act on; ``.path`` is the file and
    ``.problem`` the message without the file name.
    """

    def __init__(self, path: Path, problem: str, reason: str | None = None, **params: object) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
        self.reason = reason  # for a limit or a kind of file: its code in rejects.MESSAGES (English, Indonesian)
        self.params = params


class Unreadable:
    """A value the source could not read as it is (a JSON number of 5,001 digits, SQLite text that is not UTF-8):
    kept in its cell, so the reader refuses that cell with ``why`` instead of the source guessing a value."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why

    def __repr__(self) -> str:
        return f"<{self.why}>"


def detect_format(path: Path) -> str:
    """The catalog format of ``path``: from its extension, else from its first bytes."""
    by_extension = _EXTENSIONS.get(path.suffix.lower())
    if by_extension:
        return by_extension
    head = _read_head(path)
    sniffed = _sniff_format(head)
    if sniffed is None:
        raise CatalogUnreadable(
            path, "cannot tell what kind of file this is; name it .csv, .xlsx, .json, .jsonl or .sqlite"
        )
    return sniffed


def iter_rows(
    path: Path,
    *,
    format: str | None = None,
    sheet: str | None = None,
    table: str | None = None,
    query: str | None = None,
) -> Iterator[RawRow]:
    """Yield the non-blank rows of the catalog at ``path`` one at a time, in file order.

    ``sheet`` picks an XLSX sheet by name (default: the first visible worksheet). ``table`` or ``query``
    picks what to read from an SQLite database (default: its only table). Raises CatalogUnreadable, at the
    first ``next()`` or later if the file turns out to be damaged part-way; ValueError for a bad argument.
    """
    _check_options(format, table, query)
    try:
        _check_file(path)
        match format or detect_format(path):
            case "csv":
                rows = _read_csv(path)
            case "xlsx":
                rows = _read_xlsx(path, sheet)
            case "json":
                rows = _read_json(path)
            case "jsonl":
                rows = _read_jsonl(path)
            case "sqlite":
                rows = _read_sqlite(path, table, query)
        yield from rows
    except OSError as error:
        raise CatalogUnreadable(path, _os_problem(error)) from error


class RowSource:
    """The rows of one catalog for a reading that goes over them more than once (a SKU-only pass, then the main
    pass): each ``rows()`` yields what ``iter_rows`` would. An XLSX workbook is checked and parsed once, at the
    first pass, and its one parsed sheet (held by python-calamine, one copy) serves every pass; the other
    formats stream from the file again, so their memory stays one row."""

    def __init__(self, path: Path, *, format: str | None = None, sheet: str | None = None,
                 table: str | None = None, query: str | None = None) -> None:
        self.path = path
        self._options = {"format": format, "sheet": sheet, "table": table, "query": query}
        self._sheet: tuple[CalamineSheet, dict[int, dict[int, int]]] | None = None

    def rows(self) -> Iterator[RawRow]:
        return self._pass(bounded_for=None)  # type: ignore[return-value]

    def numbered(self) -> Iterator[tuple[int, list | dict]]:
        """``bounded(path, self.rows())`` as ``(number, cells)`` pairs: the same rows, refused at the same row with the
        same reason. For CSV and XLSX the limits are checked in the source's own loop, so a row passes through one
        generator rather than four (the reader's two passes take every row this way)."""
        return self._pass(bounded_for=self.path)  # type: ignore[return-value]

    def _pass(self, bounded_for: Path | None) -> Iterator[RawRow | tuple[int, list | dict]]:
        if self._sheet is None:
            fmt = self._options["format"]
            _check_options(fmt, self._options["table"], self._options["query"])
            try:
                kind = fmt or detect_format(self.path)
            except OSError as error:
                raise CatalogUnreadable(self.path, _os_problem(error)) from error
            if kind == "csv" and bounded_for is not None:  # iter_rows' reading of a CSV, its limits in the loop
                try:
                    _check_file(self.path)
                    yield from _read_csv(self.path, bounded_for)
                except OSError as error:
                    raise CatalogUnreadable(self.path, _os_problem(error)) from error
                return
            if kind != "xlsx":
                rows = iter_rows(self.path, **self._options)
                if bounded_for is None:
                    yield from rows
                else:
                    yield from ((row.number, row.cells) for row in bounded(self.path, rows))
                return
            try:
                _check_file(self.path)
                self._sheet = _open_xlsx(self.path, self._options["sheet"])
            except OSError as error:
                raise CatalogUnreadable(self.path, _os_problem(error)) from error
        yield from _xlsx_rows(*self._sheet, bounded_for)


def _check_options(format: str | None, table: str | None, query: str | None) -> None:
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown catalog format {format!r}; expected one of {', '.join(FORMATS)}")
    if table is not None and query is not None:
        raise ValueError("give table= or query=, not both")


def _check_file(path: Path) -> None:
    """Stat before opening: a pipe (FIFO) or a device named like a catalog would block or never end on read."""
    info = path.stat()  # follows a link; a missing file is an OSError, said as "file not found"
    if stat.S_ISDIR(info.st_mode):
        raise CatalogUnreadable(path, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise CatalogUnreadable(path, "is not a regular file (a pipe, a device or a socket); give the catalog file "
                                "itself", reason="catalog_not_regular")
    if info.st_size > FILE_BYTES_MAX:
        raise CatalogUnreadable(path, f"is {info.st_size:,} bytes; a catalog is at most {FILE_BYTES_MAX:,} bytes",
                                reason="limit_file_size", size=f"{info.st_size:,}", limit=f"{FILE_BYTES_MAX:,}")


def bounded(path: Path, rows: Iterator[RawRow]) -> Iterator[RawRow]:
    """The rows, refusing the file (CatalogUnreadable) at the first row past ROWS_MAX or wider than COLUMNS_MAX.
    The reader applies it to every catalog (``RowSource.numbered``); ``iter_rows`` itself streams a file of any
    length."""
    for count, row in enumerate(rows, 1):
        if count > ROWS_MAX or len(row.cells) > COLUMNS_MAX:
            _refuse_limits(path, count, row.number, row.cells)
        yield row


def _refuse_limits(path: Path, count: int, number: int, cells: list | dict) -> None:
    """`bounded`'s refusal of the `count`-th row (row `number`, of `cells`) when it is past a limit (else nothing):
    one place for it, also checked in the loops of `_read_csv` and `_xlsx_rows` (`RowSource.numbered`)."""
    if count > ROWS_MAX:
        raise CatalogUnreadable(path, f"has more than {ROWS_MAX:,} rows (row {number}); split it",
                                reason="limit_rows", limit=f"{ROWS_MAX:,}", at=number)
    if len(cells) > COLUMNS_MAX:
        raise CatalogUnreadable(path, f"row {number} has {len(cells):,} columns; at most "
                                f"{COLUMNS_MAX:,}", reason="limit_columns", at=number,
                                count=f"{len(cells):,}", limit=f"{COLUMNS_MAX:,}")


# --- sniffing ----------------------------------------------------------------------------------------


def _read_head(path: Path) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(_HEAD_SIZE)
    except OSError as error:
        raise CatalogUnreadable(path, _os_problem(error)) from error


def _os_problem(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "file not found"
    if isinstance(error, PermissionError):
        return "permission denied; check who may read the file"
    return f"cannot be read ({error.strerror or error})"


def _sniff_format(head: bytes) -> str | None:
    if head.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        return "xlsx"
    if head.startswith(_SQLITE_MAGIC):
        return "sqlite"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        # One complete object on the first line is JSON Lines; anything else is a pretty-printed object.
        try:
            return "jsonl" if isinstance(json.loads(text.split(b"\n", 1)[0]), dict) else "json"
        except (ValueError, RecursionError):
            return "json"
    if head and not _looks_binary(head):
        return "csv"
    return None


def _looks_binary(head: bytes) -> bool:
    controls = len(head.translate(None, _NON_CONTROL_BYTES))
    return b"\0" in head or controls * 20 > len(head)


def _binary_problem(head: bytes) -> str:
    kind = _sniff_format(head)
    hint = f" (it looks like an {kind} file; give it that extension)" if kind in ("xlsx", "sqlite") else ""
    return f"is not a text file{hint}"


# --- CSV ---------------------------------------------------------------------------------------------


def _read_csv(path: Path, bounded_for: Path | None = None) -> Iterator[RawRow] | Iterator[tuple[int, list]]:
    """The CSV's non-blank rows as RawRows; with `bounded_for`, as (number, cells) pairs refused as `bounded` refuses
    them (RowSource.numbered)."""
    encoding = _csv_encoding(path)
    pairs = bounded_for is not None
    count, rows_max, columns_max = 0, ROWS_MAX, COLUMNS_MAX
    with open(path, encoding=encoding, newline="") as file:
        try:
            delimiter = _sniff_delimiter(file.read(_HEAD_SIZE))
            file.seek(0)
            reader = csv.reader(file, delimiter=delimiter)
            # enumerate counts records, so a quoted cell spanning lines stays one row, as in a spreadsheet.
            width, start = 0, 1
            for number, cells in enumerate(reader, 1):
                width = width or len(cells)
                if reader.line_num != start:  # a cell holds a line break only when its record spans lines
                    _check_unclosed_quote(path, cells, delimiter, width, start)
                start = reader.line_num + 1
                if not (len(cells) > 1 and cells[0] and not cells[0].isspace()):  # most rows: a first cell of text
                    text = "".join(cells).strip()
                    if not (text and (len(cells) > 1 or text.strip(_DELIMITERS))):
                        continue
                if pairs:
                    count += 1
                    if count > rows_max or len(cells) > columns_max:
                        _refuse_limits(bounded_for, count, number, cells)  # type: ignore[arg-type]
                    yield number, cells
                else:
                    yield RawRow(number, cells)
        except UnicodeDecodeError as error:
            raise CatalogUnreadable(
                path,
                f"has bytes that are neither UTF-8 nor Windows-1252 text ({error.reason}); "
                "save it again as 'CSV UTF-8'",
            ) from error
        except csv.Error as error:
            raise CatalogUnreadable(
                path, f'line {reader.line_num}: {error} (often a quote mark " that is never closed)'
            ) from error


def _check_unclosed_quote(path: Path, cells: list[str], delimiter: str, width: int, start: int) -> None:
    """A cell spanning lines that holds whole rows (a line with nearly as many delimiters as the header) means a
    quote mark `"` was opened and never closed: every later row went into that one cell. Reading on would lose
    those products (and delist them), so the file is refused, naming where the quote opened."""
    for column, cell in enumerate(cells, 1):
        if "\n" not in cell:
            continue
        rows_inside = sum(1 for line in cell.split("\n")[1:] if line.count(delimiter) >= max(2, width - 2))
        if rows_inside:
            opened = start + sum(c.count("\n") for c in cells[:column - 1])
            raise CatalogUnreadable(
                path, f'line {opened}, column {column}: a quote mark " opened there is never closed, so the '
                      f"{rows_inside} row(s) after it were read into one cell; close the quote or remove it")


def _csv_encoding(path: Path) -> str:
    """UTF-8 if the whole file decodes as UTF-8, else Windows-1252; one cheap streaming pass."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    offset = 0
    with open(path, "rb") as file:
        chunk = file.read(_HEAD_SIZE)
        if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if _looks_binary(chunk):
            raise CatalogUnreadable(path, _binary_problem(chunk))
        while chunk:
            if b"\0" in chunk:
                where = offset + chunk.index(0)
                raise CatalogUnreadable(path, f"is not a text file (NUL byte at byte {where})")
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            offset += len(chunk)
            chunk = file.read(_READ_SIZE)
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    return "utf-8-sig" if is_utf8 else "cp1252"


def _sniff_delimiter(sample: str) -> str:
    """The delimiter that gives the most records of one same width (over one column) in the sample."""
    if len(sample) == _HEAD_SIZE:  # drop the record cut in half at the end of the sample
        sample = sample[: sample.rfind("\n") + 1] or sample
    best, best_score = ",", (0, 0)
    # On a tie ';' wins: in Indonesian exports commas are decimal marks inside ';'-separated cells.
    for delimiter in (";", ",", "\t"):
        widths: Counter[int] = Counter()
        # newline="": records may end in CR alone (old Mac exports), as the real read takes them
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            for cells in reader:
                text = "".join(cells).strip()
                if text and (len(cells) > 1 or text.strip(_DELIMITERS)):
                    widths[len(cells)] += 1
                if reader.line_num >= _SNIFF_LINES:
                    break
        except csv.Error:
            pass  # judge on the records read so far; the real read reports the problem with its line
        if widths:
            width, count = widths.most_common(1)[0]
            if width > 1 and (count, width) > best_score:
                best, best_score = delimiter, (count, width)
    return best


# --- XLSX --------------------------------------------------------------------------------------------


def _read_xlsx(path: Path, sheet_name: str | None) -> Iterator[RawRow]:
    yield from _xlsx_rows(*_open_xlsx(path, sheet_name))


def _open_xlsx(path: Path, sheet_name: str | None) -> tuple[CalamineSheet, dict[int, dict[int, int]]]:
    """The chosen sheet, parsed by python-calamine after the workbook's parts were checked, and its zero-padded
    cells. The sheet can be read more than once (RowSource's passes share it)."""
    head = _read_head(path)
    if head.startswith(_OLE_MAGIC):
        raise CatalogUnreadable(
            path,
            "is password-protected or an old Excel 97-2003 file; "
            "open it in Excel and save it as .xlsx without a password",
        )
    if not head.startswith(_ZIP_MAGIC):
        raise CatalogUnreadable(path, "is not an Excel .xlsx workbook")
    _check_workbook(path)
    try:
        with CalamineWorkbook.from_path(path) as workbook:
            chosen = _choose_sheet(path, workbook, sheet_name)
            sheet = workbook.get_sheet_by_name(chosen)
    except CalamineError as error:
        raise CatalogUnreadable(
            path, f"the workbook is damaged ({error}); open it in Excel and save it again"
        ) from error
    return sheet, _padded_cells(path, chosen)


def _xlsx_rows(sheet: CalamineSheet, padded: dict[int, dict[int, int]], bounded_for: Path | None = None
               ) -> Iterator[RawRow] | Iterator[tuple[int, list]]:
    """The sheet's non-blank rows as RawRows; with `bounded_for` (the workbook's path), as (number, cells) pairs
    refused as `bounded` refuses them (RowSource.numbered)."""
    # calamine drops empty columns left of the used range; put them back so cells[i] is column i.
    left_pad = [""] * sheet.start[1] if sheet.start else []
    pairs = bounded_for is not None
    count, rows_max, columns_max = 0, ROWS_MAX, COLUMNS_MAX
    # calamine pads the rows above the used range with empty rows, so the index is the sheet row number.
    for number, row in enumerate(sheet.iter_rows(), 1):
        cells = [int(v) if type(v) is float and v.is_integer() else v for v in row]
        first = cells[0] if cells else ""  # most rows: a first cell that is not blank, so no look at the others
        if (first.strip() if isinstance(first, str) else True) or any(
                v.strip() if isinstance(v, str) else True for v in cells):
            cells = left_pad + cells if left_pad else cells
            if number in padded:
                _show_padded(cells, padded[number])
            if pairs:
                count += 1
                if count > rows_max or len(cells) > columns_max:
                    _refuse_limits(bounded_for, count, number, cells)  # type: ignore[arg-type]
                yield number, cells
            else:
                yield RawRow(number, cells)


# --- XLSX number formats: a whole number shown zero-padded ---------------------------------------------
# Staff type a SKU such as 00123 into a cell formatted "00000": the cell holds the number 123 and Excel shows
# 00123, and Excel's own "Save as CSV" writes 00123. The reader takes what staff see, so a catalog reads the same
# as its CSV export; a price or stock cell under such a format still parses to its number ("00150" is 150).
# Only a format made of zeros alone is read (ECMA-376 Part 1, 18.8.30 numFmt; 18.8.10 cellXfs): any other
# format is how a number looks, not part of a code.

_PADDED_FORMAT = re.compile(r"0{2,}")
_SMALL_PART_MAX = 32 * 1024 * 1024  # styles, workbook and relationships parts; a bloated styles.xml is a few MB
_TAG_MAX = 64 * 1024  # a row or cell tag's attributes (r, s, t, ...) take a few dozen bytes
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s>/])([^>]*)>")
_ATTR_REF = re.compile(rb'\sr="([A-Z]{0,3})([0-9]{0,7})"')
_ROOT_PREFIX = re.compile(rb"<(\w+:)?worksheet[\s>]")
_ATTR_STYLE = re.compile(rb'\ss="([0-9]{1,9})"')


def _show_padded(cells: list, columns: dict[int, int]) -> None:
    for column, width in columns.items():
        value = cells[column] if column < len(cells) else None
        if type(value) is int and value >= 0:  # a fraction or a negative number keeps its number
            cells[column] = f"{value:0{width}d}"


def _padded_cells(path: Path, sheet_name: str) -> dict[int, dict[int, int]]:
    """Per sheet row, the columns (from 0) whose cell style is a zero-padding number format, with its width.
    Empty (and the sheet not read) when the workbook has no such format, which is the usual case."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = _workbook_parts(path, archive)
            widths = _padded_styles(path, archive, parts.get("", "xl/styles.xml"))
            part = parts.get(sheet_name)
            return _padded_positions(path, archive, part, widths) if widths and part else {}
    except (zipfile.BadZipFile, ET.ParseError, KeyError, ValueError) as error:
        raise CatalogUnreadable(
            path, f"the workbook is damaged ({error}); open it in Excel and save it again") from error


def _small_xml(path: Path, archive: zipfile.ZipFile, name: str) -> ET.Element | None:
    """A small part of the workbook parsed whole, or None when it is missing. A part that declares a DTD is
    refused unparsed (a workbook never has one; entities in one could expand without bound)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _SMALL_PART_MAX:
        raise CatalogUnreadable(path, f"the workbook part {name} is {info.file_size:,} bytes; at most "
                                f"{_SMALL_PART_MAX:,}: open it in Excel and save it again")
    data = archive.read(name)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise CatalogUnreadable(path, f"the workbook part {name} declares a DTD, which Excel never writes; "
                                "open it in Excel and save it again")
    return ET.fromstring(data)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _workbook_parts(path: Path, archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the zip (and "" -> the styles part), from xl/workbook.xml and its relationships."""
    targets: dict[str, str] = {}
    rels = _small_xml(path, archive, "xl/_rels/workbook.xml.rels")
    for rel in rels.iter() if rels is not None else ():
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
        targets[rel.get("Id", "")] = part
        if rel.get("Type", "").endswith("/styles"):
            targets[""] = part
    parts = {"": targets[""]} if "" in targets else {}
    workbook = _small_xml(path, archive, "xl/workbook.xml")
    for sheet in workbook.iter() if workbook is not None else ():
        if _local(sheet.tag) == "sheet":
            rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
            if rid in targets:
                parts[sheet.get("name", "")] = targets[rid]
    return parts


def _padded_styles(path: Path, archive: zipfile.ZipFile, name: str) -> dict[int, int]:
    """Cell style index (a cell's s=) -> the width of its zero-padding number format, for those that have one."""
    styles = _small_xml(path, archive, name)
    if styles is None:
        return {}
    formats = {fmt.get("numFmtId"): len(code) for fmt in styles.iter()
               if _local(fmt.tag) == "numFmt" and _PADDED_FORMAT.fullmatch(code := fmt.get("formatCode", ""))}
    if not formats:
        return {}
    cell_xfs = next((e for e in styles.iter() if _local(e.tag) == "cellXfs"), None)
    xfs = [xf for xf in cell_xfs if _local(xf.tag) == "xf"] if cell_xfs is not None else []
    return {index: formats[xf.get("numFmtId")] for index, xf in enumerate(xfs) if xf.get("numFmtId") in formats}


def _padded_positions(path: Path, archive: zipfile.ZipFile, part: str, widths: dict[int, int]
                      ) -> dict[int, dict[int, int]]:
    """Where the cells styled with a padding format are. Only those cells' tags are matched while each names its
    own place (r="B5", as every spreadsheet program writes it); a styled cell without a reference is placed by
    counting every row and cell tag before it (`_positions_by_order`)."""
    styles = b"|".join(str(index).encode() for index in widths)
    with archive.open(part) as stream:  # the sheet's own prefix ("x:" in some generators): a literal is fast
        root = _ROOT_PREFIX.search(stream.read(_HEAD_SIZE))
    prefix = re.escape(root.group(1)) if root and root.group(1) else b""
    styled = re.compile(b"<" + prefix + rb'c\s[^>]*?\bs="(?:' + styles + rb')"[^>]*>')
    found: dict[int, dict[int, int]] = {}
    for match in _tags(path, archive, part, styled):
        ref = _ATTR_REF.search(match.group(0))
        if not (ref and ref.group(1) and ref.group(2)):
            return _positions_by_order(path, archive, part, widths)
        style = _ATTR_STYLE.search(match.group(0))
        found.setdefault(int(ref.group(2)), {})[_column_number(ref.group(1)) - 1] = widths[int(style.group(1))]
    return found


def _positions_by_order(path: Path, archive: zipfile.ZipFile, part: str, widths: dict[int, int]
                        ) -> dict[int, dict[int, int]]:
    """`_padded_positions` for a sheet whose cells do not all say where they are: a row or cell tag without a
    reference is the one after the one before it (the next row; the next column, from A in a row), as
    python-calamine places it."""
    found: dict[int, dict[int, int]] = {}
    row = column = 0
    for match in _tags(path, archive, part, _ROW_OR_CELL):
        ref = _ATTR_REF.search(match.group(2))
        if match.group(1) == b"row":
            row, column = (int(ref.group(2)) if ref and ref.group(2) else row + 1), 0
            continue
        column = _column_number(ref.group(1)) if ref and ref.group(1) else column + 1
        style = _ATTR_STYLE.search(match.group(2))
        if style and int(style.group(1)) in widths:
            at = int(ref.group(2)) if ref and ref.group(2) else row
            found.setdefault(at, {})[column - 1] = widths[int(style.group(1))]
    return found


def _tags(path: Path, archive: zipfile.ZipFile, part: str, pattern: re.Pattern[bytes]) -> Iterator[re.Match[bytes]]:
    """The tags `pattern` matches in a sheet part, read a chunk at a time; a tag cut by a chunk's end is matched
    whole with the next chunk."""
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_XML_CHUNK):
            text = tail + chunk
            cut = text.rfind(b"<")
            end = len(text) if cut < 0 or b">" in text[cut:] else cut
            tail = text[end:]
            if len(tail) > _TAG_MAX and _ROW_OR_CELL.match(tail + b">"):
                raise CatalogUnreadable(path, f"sheet part {part} has a row or cell tag of more than {_TAG_MAX:,} "
                                        "bytes; open it in Excel and save it again")
            tail = tail[:_TAG_MAX]  # another tag's long attributes: what matters is never in them
            yield from pattern.finditer(text, 0, end)


_SPAN_REF = re.compile(rb'<(?:\w+:)?(?:c|row|dimension)\b[^>]*?\b(?:r|ref)="([A-Z]{0,3})([0-9]{1,7})'
                       rb'(?::([A-Z]{1,3})([0-9]{1,7}))?"')
_PLAIN_REF = re.compile(rb'<(?:c|row) r="([A-Z]{0,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?"')  # _SPAN_REF's groups
_XML_CHUNK = 1024 * 1024
_ROW_WINDOW = 64 * 1024  # where the last row's start tag of a chunk is looked for (a row of a table is far shorter)
_ROW_START = re.compile(rb"<(?:\w+:)?row[\s>]")
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_REFERENCED_CELL = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=")
_PREFIXED_TAG = re.compile(rb":(?:c|row|dimension)\b")  # a prefixed tag of those _SPAN_REF, _CELL, _ROW_START match
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{0,3})([0-9]{1,7})()()"')  # _SPAN_REF's groups
_UNREFERENCED_ROW = re.compile(rb"<(?:\w+:)?row(?=[\s>/])(?![^>]*\br=)[^>]*>")


def _check_workbook(path: Path) -> None:
    """Refuse, before python-calamine sees it, a workbook whose parts unpack past XLSX_UNPACKED_MAX or one of
    whose worksheets spans more than XLSX_CELLS_MAX cells, by the cell references its XML declares (dimension,
    rows, cells), read as a stream from the zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            unpacked = sum(part.file_size for part in parts)
            if unpacked > XLSX_UNPACKED_MAX:
                raise CatalogUnreadable(
                    path, f"unpacks to {unpacked:,} bytes; a workbook may unpack to at most {XLSX_UNPACKED_MAX:,}",
                    reason="limit_unpacked", size=f"{unpacked:,}", limit=f"{XLSX_UNPACKED_MAX:,}")
            for part in parts:
                if "worksheets/" in part.filename and part.filename.endswith(".xml"):
                    _check_sheet_span(path, part.filename, archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as error:
        raise CatalogUnreadable(
            path, f"the workbook is damaged ({error}); open it in Excel and save it again") from error


def _check_sheet_span(path: Path, name: str, archive: zipfile.ZipFile) -> None:
    span = _sheet_span(archive, name)
    if span is None:
        return
    height, width = span
    if height * width > XLSX_CELLS_MAX:
        raise CatalogUnreadable(
            path, f"sheet part {name} spans {height:,} rows by {width:,} columns; a sheet may span at most "
                  f"{XLSX_CELLS_MAX:,} cells (delete the empty rows and columns far below or right of the table)",
            reason="limit_sheet_cells", part=name, rows=f"{height:,}", columns=f"{width:,}",
            limit=f"{XLSX_CELLS_MAX:,}")


def _sheet_span(archive: zipfile.ZipFile, name: str) -> tuple[int, int] | None:
    """(rows, columns) a worksheet part may span, by the references its XML declares; None when it declares none.
    Each chunk's references are gathered by `findall` and reduced by min/max over `map(int, ...)`, in C: a sheet of
    100,000 rows holds a million references, one Python step each would cost seconds."""
    rows: list[int] = []
    columns: list[int] = []
    unreferenced = 0  # the most cells without a reference in one row: the reader counts those from column A
    # rows without a reference: each is the row after the one before it, so `<row/>` repeated a million times
    # (a few KB zipped) pushes the last row down as far as a reference would
    unreferenced_rows = 0
    tail = b""
    with archive.open(name) as part:
        while chunk := part.read(_XML_CHUNK):
            text = tail + chunk
            # Up to the chunk's last `>`: a tag cut by the chunk's end is after it, and no match of _UNREFERENCED_ROW
            # (which ends at its one `>`) or of _SPAN_REF (which holds none) runs across it.
            body = text[:text.rfind(b">") + 1]
            plain = _plain_rows(body, columns) if len(columns) == 2 and columns[1] <= 26 else None
            if plain is not None:  # every row and cell tag plain: the references are bounded by the row numbers
                row_numbers, refs, last_row = plain
                rows += row_numbers
                unreferenced = max(unreferenced, _unreferenced_cells(text, len(body), last_row))
                refs += _SPAN_REF.findall(text, len(body))
            else:
                cells, row_tags = _referenced_tags(body)
                unreferenced = max(unreferenced, _unreferenced_cells(text, len(body) if cells >= 0 else 0))
                if row_tags < 0:  # a tag ending in the tail was counted with the chunk before
                    unreferenced_rows += sum(1 for m in _UNREFERENCED_ROW.finditer(text) if m.end() > len(tail))
                refs = _span_refs(text, body, cells, row_tags)
            if refs:
                letters, digits, end_letters, end_digits = zip(*refs, strict=True)
                numbers = set(digits)  # a row's cells share its number: each distinct one converted once
                rows += [min(map(int, numbers)), max(map(int, numbers))]
                ends = [int(d) for d in set(end_digits) if d]  # the end of a range ("A1:J900"), where one is given
                rows += [min(ends), max(ends)] if ends else []
                found = [_column_number(c) for c in {*letters, *end_letters} if c]
                columns += [min(found), max(found)] if found else []
            rows[:] = [min(rows), max(rows)] if rows else []
            columns[:] = [min(columns), max(columns)] if columns else []
            tail = text[-256:]  # a reference cut in two by the chunk is read whole with the next one
    if not rows and not unreferenced_rows:
        return None
    # With rows or cells that have no reference, where they land depends on the ones before: count them on top
    # of the referenced span, from row 1 and column A (a bound, never less than what python-calamine allocates).
    height = (rows[1] if rows else 0) + unreferenced_rows if unreferenced_rows else rows[1] - rows[0] + 1
    width = (columns[1] if columns else 0) + unreferenced if unreferenced else (
        columns[1] - columns[0] + 1 if columns else 1)
    return height, width


def _unreferenced_cells(text: bytes, referenced_to: int, row_start: int = 0) -> int:
    """The most cells without a reference in one row of `text` (split at each row's start tag). The rows before the
    last row's start tag are counted together: when each of their cells has a reference and no referenced cell's
    tag runs on into another tag (a `<` inside it), none of those rows has a cell without one, and only the last row
    (maybe cut by the chunk's end) is counted alone. `referenced_to`: where the part of `text` ends whose every cell
    tag `_referenced_tags` found to begin with a reference (0: none); else two scans decide. `row_start`: where a
    row's start tag is known to begin (the last is looked for from there on: no two of them overlap)."""
    starts = list(_ROW_START.finditer(text, max(row_start, len(text) - _ROW_WINDOW)))
    if starts:
        last = starts[-1].end()
        if last <= referenced_to:  # a `<c r="` cannot straddle the end of a row's start tag: all of it is there
            return _unreferenced_in(text[last:])
        head = text[:last]
        referenced = _REFERENCED_CELL.findall(head)
        if len(_CELL.findall(head)) == len(referenced) and b"".join(referenced).count(b"<") == len(referenced):
            return _unreferenced_in(text[last:])
    return max(_unreferenced_in(piece) for piece in _ROW_START.split(text))


def _span_refs(text: bytes, body: bytes, cells: int, row_tags: int) -> list[tuple[bytes, bytes, bytes, bytes]]:
    """`_SPAN_REF.findall(text)`; `body`: `text` up to its last `>`, with `cells` and `row_tags` its cell and row tags
    (`_referenced_tags`). In a body as spreadsheet programs write it (every `<c` and `<row` begins its tag with a
    well-formed r="...", no prefix, no dimension tag) `_SPAN_REF` matches just those references, which the plainer
    `_PLAIN_REF` finds in about half the time; where a count says otherwise, `_SPAN_REF` reads the chunk. The rest of
    `text` (a cut tag) is read by `_SPAN_REF`."""
    if cells >= 0 and row_tags >= 0 and b"dimension" not in body:
        refs = _PLAIN_REF.findall(body)
        if len(refs) == cells + row_tags:
            return refs + _SPAN_REF.findall(text, len(body))
    return _SPAN_REF.findall(text)


def _plain_rows(body: bytes, columns: list[int]
                ) -> tuple[list[int], list[tuple[bytes, bytes, bytes, bytes]], int] | None:
    """What `_SPAN_REF` finds in `body` (`text` up to its last `>`) when its rows and cells are as spreadsheet
    programs write them, found without a match per reference; None when they are not (the regexes decide). Plain:
    no prefixed row, cell or dimension tag (`:c`, `:row`, `:dimension`); every `<row` begins `<row r="N"` (1 to 7
    digits); every `<c` (and `<d`: a dimension tag) before the first row tag is a cell `<c r="B5"`, and after it
    `<c r="XN"`, X one letter within `columns` (the span's columns so far, A to Z) and N its row's number. Then
    the rows span what the row tags say (their least and greatest number, first) and the columns do not change;
    the cells before the first row tag (of a row begun in the chunk before) are returned as references, and where
    the last row tag begins (0: none).

    Counted, not matched: `body` translated (the letters within `columns` to A, the others to `?`, d to c) is
    split at each `<row`, and each row's cells `<c r="AN"` are counted in its piece; their number and the first
    cells' must be that of `<c` in the whole. A sheet's 61 MB take about a fifth of the time of one `findall`."""
    if b":" in body and _PREFIXED_TAG.search(body):
        return None
    translated = body.translate(_letters_table(columns[0], columns[1]))
    pieces = translated.split(b"<row")
    head = _PLAIN_CELL.findall(body, 0, len(pieces[0]))
    if len(pieces) == 1:
        return ([], head, 0) if translated.count(b"<c") == len(head) else None
    rows = pieces[1:]
    if not all(map(bytes.startswith, rows, itertools.repeat(b' r="'))):
        return None
    ends = list(map(bytes.find, rows, itertools.repeat(b'"'), itertools.repeat(4)))  # the quote closing r="
    if min(ends) < 5 or max(ends) > 11:  # none (-1), or not 1 to 7 characters
        return None
    numbers = list(map(bytes.__getitem__, rows, map(slice, itertools.repeat(4), ends)))
    if not b"".join(numbers).isdigit():
        return None
    cells = map(b"".join, zip(itertools.repeat(b'<c r="A'), numbers, itertools.repeat(b'"')))
    if translated.count(b"<c") != len(head) + sum(map(bytes.count, rows, cells)):
        return None
    found = list(map(int, numbers))
    return [min(found), max(found)], head, len(body) - len(pieces[-1]) - len(b"<row")


@functools.lru_cache(maxsize=32)
def _letters_table(first: int, last: int) -> bytes:
    letters = bytes(range(ord("A"), ord("Z") + 1))
    within = b"".join(b"A" if first <= n <= last else b"?" for n in range(1, 27))
    return bytes.maketrans(letters + b"d", within + b"c")


def _referenced_tags(body: bytes) -> tuple[int, int]:
    """How many cell tags and row tags `body` has when each begins with its reference (`<c r="`, `<row r="`), as
    spreadsheet programs write a sheet, found by counting rather than by the regexes: then each cell tag (`_CELL`)
    is one with a reference (`_REFERENCED_CELL`) whose match holds no other `<`, and `_UNREFERENCED_ROW` matches no
    row. -1 (another tag such as `<cols>`, a prefix) says nothing: the regexes decide."""
    cells = body.count(b'<c r="') if b":c" not in body else -1
    row_tags = body.count(b'<row r="') if b":row" not in body else -1
    return (cells if body.count(b"<c") == cells else -1), (row_tags if body.count(b"<row") == row_tags else -1)


def _unreferenced_in(piece: bytes) -> int:
    return len(_CELL.findall(piece)) - len(_REFERENCED_CELL.findall(piece))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _choose_sheet(path: Path, workbook: CalamineWorkbook, wanted: str | None) -> str:
    names = workbook.sheet_names
    if not names:
        raise CatalogUnreadable(path, "the workbook has no sheets")
    if wanted is None:
        visible = [
            sheet.name
            for sheet in workbook.sheets_metadata
            if sheet.typ == SheetTypeEnum.WorkSheet and sheet.visible == SheetVisibleEnum.Visible
        ]
        return (visible or names)[0]
    if wanted in names:
        return wanted
    # Excel itself treats sheet names case-insensitively, so "produk" means "Produk".
    matches = [name for name in names if name.strip().casefold() == wanted.strip().casefold()]
    if len(matches) == 1:
        return matches[0]
    raise CatalogUnreadable(path, f"sheet {wanted!r} not found; the workbook has: {', '.join(names)}")


# --- JSON and JSON Lines -----------------------------------------------------------------------------


def _read_json(path: Path) -> Iterator[RawRow]:
    """Stream the records of ``[{...}, ...]`` or ``{"products": [{...}, ...]}`` one element at a time."""
    with open(path, encoding="utf-8-sig") as file:
        stream = _JsonStream(path, file)
        try:
            wrapped = stream.peek() == "{"
            if wrapped:
                stream.pos += 1
                if stream.peek() != '"':
                    raise stream.error("expected an object with one key holding the list of products")
                key = stream.value()
                stream.take(":")
                if stream.peek() != "[":
                    raise stream.error(f"expected a list of products under {key!r}")
            stream.take("[", "a list of products ('[') or an object holding one")
            if stream.peek() == "]":
                stream.pos += 1
            else:
                for number in itertools.count(1):
                    yield RawRow(number, _as_record(stream.value()))
                    separator = stream.peek()
                    if separator not in (",", "]"):
                        raise stream.error("expected ',' or ']' after a record")
                    stream.pos += 1
                    if separator == "]":
                        break
            if wrapped:
                stream.take("}", "'}': the object must hold only the list of products")
            if stream.peek():
                raise stream.error("unexpected data after the list of products")
        except UnicodeDecodeError as error:
            raise CatalogUnreadable(path, "is not UTF-8 text, which JSON must be") from error


def _as_record(value: object) -> dict:
    if isinstance(value, dict):
        deepest = max((_depth(v) for v in value.values() if isinstance(v, (dict, list))), default=0)
        if deepest > JSON_DEPTH_MAX:
            return {"__invalid__": f"a value is nested {deepest} levels deep; at most {JSON_DEPTH_MAX}, and a cell "
                                   "holds one plain value"}
        return value
    return {"__invalid__": "record is not an object: "
                           + escape_surrogates(json.dumps(value, ensure_ascii=False, default=repr)[:40])}


def _depth(value: object) -> int:
    """How deep lists and objects nest in ``value`` (1 for a flat list), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _too_deep(path: Path) -> CatalogUnreadable:
    return CatalogUnreadable(path, f"nests lists or objects deeper than Python can read; a record's values nest at "
                             f"most {JSON_DEPTH_MAX} levels", reason="json_too_deep", limit=JSON_DEPTH_MAX)


class _JsonStream:
    """A window onto a JSON text that is decoded one value at a time, keeping memory flat."""

    def __init__(self, path: Path, file: io.TextIOBase) -> None:
        self.path = path
        self.file = file
        self.buf = ""
        self.pos = 0
        self.at_eof = False
        # Where buf[0] is in the file, for error messages.
        self.line = 1
        self.column = 1

    def peek(self) -> str:
        """The next non-whitespace character, not consumed; "" at the end of the file."""
        while True:
            self.pos = _JSON_WHITESPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._read_more(_JSON_CHUNK):
                return ""

    def take(self, expected: str, what: str | None = None) -> None:
        if self.peek() != expected:
            raise self.error(f"expected {what or repr(expected)}")
        self.pos += 1

    def value(self) -> object:
        """Decode the next JSON value, reading more of the file while the value is cut off by the window."""
        size = _JSON_CHUNK
        while True:
            self.peek()
            try:
                value, end = _JSON_DECODER.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise _too_deep(self.path) from None
            except json.JSONDecodeError as error:
                cut_off = error.msg.startswith("Unterminated string") or error.pos >= len(self.buf) - 8
                if cut_off and self._read_more(size):
                    size *= 2  # a long value: grow geometrically so retries stay cheap
                    continue
                raise self.error(error.msg, error.pos) from None
            # A value ending at most two characters before the window's end may be a number cut short,
            # as in "12|345", "0.|5" or "1e+|3": read on and decode it again.
            if len(self.buf) - end <= 2 and self._read_more(size):
                continue
            self.pos = end
            return value

    def error(self, problem: str, pos: int | None = None) -> CatalogUnreadable:
        pos = self.pos if pos is None else pos
        if pos >= len(self.buf) and self.at_eof:
            return CatalogUnreadable(self.path, f"is not valid JSON: the file ends too early ({problem})")
        newline = self.buf.rfind("\n", 0, pos)
        line = self.line + self.buf.count("\n", 0, pos)
        column = pos - newline if newline >= 0 else self.column + pos
        return CatalogUnreadable(self.path, f"is not valid JSON at line {line}, column {column}: {problem}")

    def _read_more(self, size: int) -> bool:
        """Drop the consumed text and append up to ``size`` more characters; False at the end of the file."""
        more = "" if self.at_eof else self.file.read(size)
        if not more:
            self.at_eof = True
            return False
        consumed = self.buf[: self.pos]
        newline = consumed.rfind("\n")
        self.line += consumed.count("\n")
        self.column = self.pos - newline if newline >= 0 else self.column + self.pos
        self.buf = self.buf[self.pos :] + more
        self.pos = 0
        return True


def _read_jsonl(path: Path) -> Iterator[RawRow]:
    with open(path, "rb") as file:
        head = file.read(_HEAD_SIZE)
        if _looks_binary(head):
            raise CatalogUnreadable(path, _binary_problem(head))
        file.seek(0)
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                record = _as_record(_JSON_DECODER.decode(line.rstrip().decode("utf-8-sig")))
            except UnicodeDecodeError:
                record = {"__invalid__": "line is not UTF-8 text"}
            except RecursionError:
                record = {"__invalid__": f"lists or objects nest deeper than Python can read; a record's values "
                                         f"nest at most {JSON_DEPTH_MAX} levels"}
            except json.JSONDecodeError as error:
                record = {"__invalid__": f"not valid JSON at column {error.colno}: {error.msg}"}
            yield RawRow(number, record)


# --- SQLite ------------------------------------------------------------------------------------------


def _read_sqlite(path: Path, table: str | None, query: str | None) -> Iterator[RawRow]:
    if not _read_head(path).startswith(_SQLITE_MAGIC):
        raise CatalogUnreadable(path, "is not an SQLite database")
    # Read-only: a catalog query must never change the institution's database, nor write anything anywhere
    # (`VACUUM INTO` writes a copy even on a read-only connection): only reading is authorised.
    connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    connection.set_authorizer(_reading_only)
    connection.text_factory = _sqlite_text
    try:
        cursor = connection.execute(query if query is not None else _table_query(path, connection, table))
        if cursor.description is None:
            raise CatalogUnreadable(path, f"the query returns no columns; give a SELECT: {query}")
        columns = [column[0] for column in cursor.description]
        for number, values in enumerate(cursor, 1):
            yield RawRow(number, dict(zip(columns, values, strict=True)))
    except sqlite3.Error as error:
        problem = f"the query failed: {error}" if query is not None else f"the database is damaged ({error})"
        if query is not None and "authoriz" in str(error):
            problem = f"the query may only read (a SELECT): it tried something else ({error})"
        raise CatalogUnreadable(path, problem) from error
    finally:
        connection.close()


def _sqlite_text(data: bytes) -> str | Unreadable:
    """SQLite TEXT as str; text that is not UTF-8 stays in its cell as unreadable, so that one record is refused
    (sqlite3 would otherwise stop the whole table with "Could not decode to UTF-8")."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Unreadable(f"text that is not UTF-8 (byte {error.start})")


_READING = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
            getattr(sqlite3, "SQLITE_RECURSIVE", 33)}


def _reading_only(action: int, *_: object) -> int:
    """SQLite authorizer: a SELECT (with its reads, functions and recursive CTEs) and nothing else."""
    return sqlite3.SQLITE_OK if action in _READING else sqlite3.SQLITE_DENY


def _table_query(path: Path, connection: sqlite3.Connection, table: str | None) -> str:
    rows = connection.execute(
        "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    tables = [name for name, kind in rows if kind == "table"]
    if table is None:
        if len(tables) != 1:
            listing = f"it has: {', '.join(tables)}" if tables else "it has no tables"
            raise CatalogUnreadable(path, f"name the table to read; {listing}")
        table = tables[0]
    elif table.casefold() not in {name.casefold() for name, _ in rows}:  # SQLite names ignore case
        raise CatalogUnreadable(path, f"table {table!r} not found; the database has: {', '.join(tables)}")
    return 'SELECT * FROM "{}"'.format(table.replace('"', '""'))
