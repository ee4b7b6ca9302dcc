"""The worksheet span check (sources._sheet_span) gives what a reference reading of every reference one at a time
gives, for sheets as spreadsheet programs write them and for odd, hostile XML, across chunk boundaries."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.catalog import sources


def reference_span(data: bytes, chunk_size: int) -> tuple[int, int] | None:
    """The span, read as the check read it before its references were gathered per chunk: one match at a time."""
    rows: list[int] = []
    columns: list[int] = []
    unreferenced = unreferenced_rows = 0
    tail = b""
    stream = io.BytesIO(data)
    while chunk := stream.read(chunk_size):
        text = tail + chunk
        unreferenced = max(unreferenced, *(
            len(sources._CELL.findall(piece)) - len(sources._REFERENCED_CELL.findall(piece))
            for piece in sources._ROW_START.split(text)))
        unreferenced_rows += sum(1 for m in sources._UNREFERENCED_ROW.finditer(text) if m.end() > len(tail))
        for match in sources._SPAN_REF.finditer(text):
            for letters, digits in (match.group(1, 2), match.group(3, 4)):
                if digits:
                    rows.append(int(digits))
                    if letters:
                        columns.append(sources._column_number(letters))
        rows[:] = [min(rows), max(rows)] if rows else []
        columns[:] = [min(columns), max(columns)] if columns else []
        tail = text[-256:]
    if not rows and not unreferenced_rows:
        return None
    height = (rows[1] if rows else 0) + unreferenced_rows if unreferenced_rows else rows[1] - rows[0] + 1
    width = (columns[1] if columns else 0) + unreferenced if unreferenced else (
        columns[1] - columns[0] + 1 if columns else 1)
    return height, width


def span(data: bytes, chunk_size: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int] | None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", data)
    monkeypatch.setattr(sources, "_XML_CHUNK", chunk_size)
    with zipfile.ZipFile(buffer) as archive:
        return sources._sheet_span(archive, "xl/worksheets/sheet1.xml")


FRAGMENTS = [
    b'<row r="1">', b'<row r="12" spans="1:3">', b"<row>", b"<row/>", b"</row>", b'<c r="A1" t="s">', b'<c r="J900">',
    b'<c r="XFD1048576">', b"<c>", b'<c t="n">', b"<c/>", b'<x:c r="B2">', b"<x:c>", b"<x:row>", b'<x:row r="3">',
    b"<v>1</v>", b"</c>", b'<dimension ref="A1:J100001"/>', b'<dimension ref="B3"/>', b"<c a", b'<c s="1" r="C7">',
    b'<c q="<row r=">', b' r="D4">', b"<", b">", b"garbage", b"\n", b'<row r="0000007">', b'<c r="AB12">',
    b'<c r="A1x" t="s" r="C9">', b'<c r="B2:D4">', b"<cols><col/></cols>", b"<rowBreaks/>", b'<c r="a1">',
    b'<c\tr="E5">', b'<c r="F6" />', b'<row r="8" spans="1:10">', b'<x:dimension ref="A1:Z9"/>', b'r="Q9"',
]
sheets = st.lists(st.sampled_from(FRAGMENTS), max_size=80).map(b"".join)


@st.composite
def clean_sheets(draw: st.DrawFn) -> bytes:
    """Rows as spreadsheet programs write them, now and then one odd tag among them."""
    rows = []
    for n in range(1, draw(st.integers(1, 40)) + 1):
        cells = "".join(f'<c r="{chr(65 + i)}{n}" t="s"><v>{i}</v></c>' for i in range(draw(st.integers(0, 4))))
        rows.append(f'<row r="{n}">{cells}</row>'.encode())
        if draw(st.integers(0, 9)) == 0:
            rows.append(draw(st.sampled_from(FRAGMENTS)))
    return b"<worksheet><sheetData>" + b"".join(rows) + b"</sheetData></worksheet>"


@settings(max_examples=200, deadline=None)
@given(clean_sheets(), st.integers(5, 400))
def test_a_clean_sheet_s_span_is_what_reading_every_reference_gives_at_any_chunk_size(data, chunk_size):
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert span(data, chunk_size, monkeypatch) == reference_span(data, chunk_size)


@settings(max_examples=300, deadline=None)
@given(sheets, st.sampled_from([1, 7, 64, 300, 1024 * 1024]))
def test_a_sheet_s_span_is_what_reading_every_reference_gives(data, chunk_size):
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert span(data, chunk_size, monkeypatch) == reference_span(data, chunk_size)


def test_a_large_sheet_as_excel_writes_it_spans_its_table(monkeypatch):
    cells = "".join(f'<c r="{letter}{{n}}" t="s"><v>1</v></c>' for letter in "ABCDEFGHIJ")
    body = "".join(f'<row r="{n}">' + cells.format(n=n) + "</row>" for n in range(2, 20_002)).encode()
    data = b'<worksheet><dimension ref="A2:J20001"/><sheetData>' + body + b"</sheetData></worksheet>"
    found = span(data, 64 * 1024, monkeypatch)
    assert found == reference_span(data, 64 * 1024)
    assert found[0] == 20_000 and found[1] >= 10  # a tag cut by a chunk's end counts as one without a reference
