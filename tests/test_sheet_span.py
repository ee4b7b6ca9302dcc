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


ODD_REFS = ["{c}{n}", "{c}{m}", "Z{n}", "AB{n}", "{c}0{n}", "{n}", "{c}{n}:{c}{m}", "{c}12345678", "{c}{n}x", "a{n}",
            "{c}{m}0", "{c}{n}\" r=\"{c}{m}"]
ODD_TAGS = [b'<d r="A1">', b'<dimension ref="A1:K77"/>', b'<x:dimension ref="B2"/>', b'<a:b:row r="99">',
            b'<cow r="98">', b'<row r="123>', b'<row d="97">', b'<c d="A1">', b'<rowBreaks/>', b'<x:c r="K3">',
            b"<x:row>", b'<row r="A5">', b'<v x14ac:dyDescent="1">', b'<c r="E5"/>', b'<r r="Q1">', b"<c\nr=\"A1\">",
            b'<c  r="A1">', b"<c>", b'<row r="12345678">', b'<row r="">', b'<row r="7x">', b'<row r="0">']


@st.composite
def plain_sheets(draw: st.DrawFn) -> bytes:
    """Rows as spreadsheet programs write them (Excel's spans and x14ac: attributes or none), long enough for many
    rows to a chunk, now and then a cell naming another row or column, a row tag or other tag out of the common."""
    spans = draw(st.sampled_from(["", ' spans="1:4" x14ac:dyDescent="0.25"']))
    first, width = draw(st.integers(1, 3)), draw(st.integers(1, 5))
    rows = []
    for n in range(draw(st.integers(1, 5)), draw(st.integers(1, 90)) + 6):
        cells = []
        for i in range(draw(st.integers(0, width))):
            ref = draw(st.sampled_from(ODD_REFS)) if draw(st.integers(0, 30)) == 0 else "{c}{n}"
            ref = ref.format(c=chr(64 + first + i), n=n, m=draw(st.sampled_from([1, n - 1, n + 1, 500, 10**6])))
            cells.append(f'<c r="{ref}" s="1" t="s"><v>{i}</v></c>')
        rows.append(f'<row r="{n}"{spans}>{"".join(cells)}</row>'.encode())
        if draw(st.integers(0, 30)) == 0:
            rows.append(draw(st.sampled_from(ODD_TAGS)))
    return b"<worksheet><sheetData>" + b"".join(rows) + b"</sheetData></worksheet>"


@settings(max_examples=300, deadline=None)
@given(plain_sheets(), st.integers(40, 3000))
def test_a_plain_sheet_s_span_with_a_few_odd_cells_is_what_reading_every_reference_gives(data, chunk_size):
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert span(data, chunk_size, monkeypatch) == reference_span(data, chunk_size)


@pytest.mark.parametrize("odd", ['<c r="E900">', '<c r="Z15">', '<c r="E0">', '<c r="AB15">', '<c r="15">', "<c>",
                                 '<c r="Y15" t="' + "x" * 600 + '">'])  # its reference far before the chunk's end
@pytest.mark.parametrize("long", [0, 30])
def test_an_odd_cell_s_reference_counts_wherever_the_chunks_cut_its_row(odd, long, monkeypatch):
    """Rows longer than the 256 bytes a chunk carries on into the next: the cells of a row begun in the chunk before
    that are not read again with the chunk's first row tag, or chunks inside one row."""
    text = "Kotak Perhiasan Cukli Lombok buatan tangan"
    cells = "".join(f'<c r="{letter}{{n}}" t="inlineStr"><is><t>{text}</t></is></c>' for letter in "ABCDE")
    rows = [f'<row r="{n}">' + cells.format(n=n) + "</row>" for n in range(1, 31)]
    padding = f'<c r="E15" t="inlineStr"><is><t>{text}</t></is></c>' * long  # chunks with no row tag
    rows[14] = rows[14].replace("</row>", f"{padding}{odd}<v>2</v></c>{padding}</row>")
    data = ("<worksheet><sheetData>" + "".join(rows) + "</sheetData></worksheet>").encode()
    for chunk_size in range(300, 1500, 7):
        assert span(data, chunk_size, monkeypatch) == reference_span(data, chunk_size), chunk_size
