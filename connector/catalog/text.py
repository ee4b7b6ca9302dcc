"""Making catalog text safe to publish: HTML reduced to plain text, control characters removed, length capped."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from connector.schema import DESCRIPTION_MAX

_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table"}
_DROP_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _DROP_CONTENT:
            self._dropping += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def _strip_controls(text: str) -> str:
    # Keep newlines and tabs; drop other control, format (zero-width, bidi override) and unassigned characters.
    if text.isprintable() or text.replace("\n", " ").replace("\t", " ").isprintable():
        return text  # the common case, checked in C
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )


def _nfc(text: str) -> str:
    """Composed accents: "é" typed on a Mac (e + combining accent) is the same text as "é" typed on Windows."""
    return text if text.isascii() or unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _clean_line(text: str) -> bool:
    """Printable ASCII (so NFC, no control or odd space), no HTML, no space at either end or twice: already what
    both cleaners make of it. Checked in C; the full cleaning below gives the same text (tests/test_fast_paths.py)."""
    return (text.isascii() and text.isprintable() and "  " not in text and "<" not in text and "&" not in text
            and text[:1] != " " and text[-1:] != " ")


def plain_text(text: str) -> str:
    """One line of text (names): NFC, no HTML, no control characters, single spaces."""
    return text if _clean_line(text) else plain_text_full(text)


def plain_text_full(text: str) -> str:
    text = _nfc(text)
    if "<" in text or "&" in text:
        text = _html_to_text(text)
    return " ".join(_strip_controls(text).split())


def safe_description(text: str, limit: int = DESCRIPTION_MAX) -> str:
    """A description safe to publish: NFC, HTML reduced to text, control characters removed, at most `limit`
    chars."""
    return text if len(text) <= limit and _clean_line(text) else safe_description_full(text, limit)


def safe_description_full(text: str, limit: int = DESCRIPTION_MAX) -> str:
    text = _nfc(text)
    if "<" in text or "&" in text:
        text = _html_to_text(text)
    text = _strip_controls(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    if len(text) > limit:
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        text = (cut[:space] if space > limit * 0.8 else cut).rstrip() + "…"
    return text


def _html_to_text(text: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(text)
    extractor.close()
    return "".join(extractor.parts)
