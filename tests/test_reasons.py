"""Every reason the catalog layer can give has a text in English and in Bahasa Indonesia, and staff reading
Indonesian output never meet a bare reason code where they expect a sentence."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from connector.catalog import parsers, rejects
from connector.cli import main
from connector.sync import reasons as channel_reasons

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "connector" / "catalog"
CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# The calls that take a reason code: the findings, the parse errors (and their subclasses' super().__init__), the
# parsers' reason sets and the helper that refuses a fraction.
REASON_CALLS = {"Reject", "Notice", "reject", "notice", "ParseError", "__init__", "_Reasons", "_whole"}
TEXTS = {**parsers.MESSAGES, **rejects.MESSAGES}
ALL_CODES = set(TEXTS) | set(channel_reasons.MESSAGES)


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def emitted_codes() -> dict[str, str]:
    """Reason code -> where the catalog layer's source emits it: a string passed to a reason call, or the problem a
    check returns first in a tuple (the image checks)."""
    found: dict[str, str] = {}
    for path in sorted(CATALOG.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call) and _name(node) in REASON_CALLS:
                values = [*node.args, *(k.value for k in node.keywords)]
            elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and node.value.elts:
                values = [node.value.elts[0]]
            for v in values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str) and CODE.match(v.value):
                    found.setdefault(v.value, f"{path.name}:{v.lineno}")
    return found


def test_the_scan_finds_the_catalog_layers_reasons():
    codes = emitted_codes()
    # a scan that found nothing would let every later check pass: these are spread over every module
    for sample in ("catalog_unreadable", "price_format", "price_not_whole", "food_permit_expired", "image_missing",
                   "category_unknown", "sku_duplicate", "expired", "date_month"):
        assert sample in codes, sample
    assert len(codes) >= 60


def test_every_reason_the_catalog_layer_emits_has_an_english_and_an_indonesian_text():
    missing = {code: where for code, where in emitted_codes().items() if code not in TEXTS}
    assert missing == {}, f"reasons without texts (add them at the END of rejects.MESSAGES): {missing}"


def test_every_indonesian_text_is_its_own_and_names_no_reason_code():
    codes = re.compile(r"\b(" + "|".join(sorted(map(re.escape, ALL_CODES), key=len, reverse=True)) + r")\b")
    for code, (english, indonesian) in TEXTS.items():
        assert indonesian.strip() and english.strip(), code
        assert indonesian != english, code
        assert not codes.search(indonesian), f"{code}: {indonesian}"
    for code, (english, indonesian) in channel_reasons.MESSAGES.items():
        assert indonesian != english and not codes.search(indonesian), code


def test_validate_in_indonesian_shows_sentences_where_staff_read_them(tmp_path):
    example = tmp_path / "rejects"
    shutil.copytree(ROOT / "examples" / "rejects", example)
    config = example / "pasindo.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("state_dir: ../../var/rejects",
                                                                 f"state_dir: {tmp_path / 'state'}"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "validate", "--lang", "id", "--format", "json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    refused = doc["rejects"] + doc["notices"]
    assert len({r["reason"] for r in refused}) >= 18
    for r in refused:
        assert r["message"] != r["reason"] and not CODE.match(r["message"]), r
        assert r["reason"] not in r["message"], r
    table = CliRunner().invoke(main, ["--config", str(config), "validate", "--lang", "id"])
    assert "alasan" in table.stdout and "kode" in table.stdout
    staff = CliRunner().invoke(main, ["--config", str(config), "report", "--rejects", "--lang", "id"])
    assert staff.exit_code == 0
    for r in refused:  # the staff table carries the same Indonesian sentence for every finding
        assert r["message"][:40] in staff.stdout
