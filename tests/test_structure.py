"""The shape of the code, as ARCHITECTURE.md promises it: small functions, one home per marketplace, a pure plan.

These read the source (ast and ruff), not the behaviour; they fail when a change puts code in the wrong room.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "connector"
MAX_LINES = 60
MAX_COMPLEXITY = 15
MARKETPLACES = ("shopee", "lazada", "tiktokshop")
# A sandbox dialect's request validators mirror the marketplace's documented checks one by one; they are the only
# functions allowed past the limits, and each says so with `# noqa: C901` on its `def` line.
VALIDATOR_EXEMPT = {PACKAGE / "sandbox" / f"{name}.py" for name in MARKETPLACES}


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _exempt(path: Path, source_lines: list[str], node: ast.AST) -> bool:
    return path in VALIDATOR_EXEMPT and "noqa: C901" in source_lines[node.lineno - 1]


def test_no_function_is_longer_than_60_lines():
    long = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not _exempt(path, lines, node):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    assert not long, "\n".join(long)


def test_no_function_is_more_complex_than_15():
    """McCabe complexity as ruff counts it (C901); the validators' `# noqa: C901` is their exemption."""
    found = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "C901", "--config",
         f"lint.mccabe.max-complexity={MAX_COMPLEXITY}", "--output-format", "concise", str(PACKAGE)],
        capture_output=True, text=True, cwd=ROOT)
    problems = [line for line in found.stdout.splitlines() if "C901" in line]
    assert found.returncode in (0, 1), found.stderr
    assert not problems, "\n".join(problems)
    exempt = [p for p in _sources() if "noqa: C901" in p.read_text(encoding="utf-8")]
    assert set(exempt) <= VALIDATOR_EXEMPT, f"only sandbox dialect validators may be exempt: {exempt}"


def _code_only(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the names and strings in a module, comments and docstrings left out."""
    text = path.read_text(encoding="utf-8")
    docstrings = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                docstrings.update(range(first.lineno, first.end_lineno + 1))
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type in (tokenize.NAME, tokenize.STRING) and tok.start[0] not in docstrings:
            out.append((tok.start[0], tok.string))
    return out


def test_a_marketplace_lives_in_its_adapter_its_dialect_and_one_registry_line():
    """Grepping for a marketplace's name in the package's code finds it in its adapter module, its sandbox
    dialect module and one registry line each; nowhere else."""
    pattern = re.compile(r"shopee|lazada|tiktok", re.I)
    homes = {PACKAGE / "adapters" / f"{m}.py" for m in MARKETPLACES} | VALIDATOR_EXEMPT
    elsewhere: dict[str, list[str]] = {}
    for path in _sources():
        if path in homes:
            continue
        lines = {line for line, token in _code_only(path) if pattern.search(token)}
        if lines:
            elsewhere[str(path.relative_to(ROOT))] = sorted(lines)
    registry_lines = [(where, line) for where, lines in elsewhere.items() for line in lines]
    # The adapters' registry is pyproject.toml's entry points; the sandbox lists its dialects in one module, at most
    # one line per marketplace.
    assert len(registry_lines) <= len(MARKETPLACES), elsewhere
    assert len({where for where, _ in registry_lines}) <= 1, elsewhere


def _connector_imports(path: Path) -> set[str]:
    """The connector modules a module imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        found.update(n for n in names if n.startswith("connector."))
    return found


# room -> the rooms it must not import (DESIGN.md: arrows point down the data flow). The adapters' contract suite
# is test tooling that drives an adapter against the sandbox, so it alone may import the sandbox and the config.
FORBIDDEN = {
    "connector/sandbox": ("connector.sync", "connector.adapters", "connector.catalog", "connector.config"),
    "connector/catalog": ("connector.sync", "connector.adapters", "connector.sandbox"),
    "connector/adapters": ("connector.sync", "connector.catalog", "connector.sandbox", "connector.config"),
}


def test_imports_point_down_the_data_flow():
    wrong = []
    for room, forbidden in FORBIDDEN.items():
        for path in sorted((ROOT / room).rglob("*.py")):
            if path.name == "contract.py" and room == "connector/adapters":
                continue
            wrong += [f"{path.relative_to(ROOT)} imports {name}" for name in sorted(_connector_imports(path))
                      if name.startswith(forbidden)]
    assert not wrong, "\n".join(wrong)


# The landing page's room reads the catalogs and the ledger through the same interfaces as the reports, links through
# the adapters' classes, and the sandbox's default credentials; nothing but the command and the daemon imports it.
SITE_MAY_IMPORT = ("connector.site", "connector.catalog", "connector.config", "connector.schema",
                   "connector.adapters.base", "connector.adapters.registry", "connector.sync.ledger",
                   "connector.sync.catalogs", "connector.sync.images", "connector.sync.desired", "connector.sandbox",
                   "connector.yamlfile")
SITE_IMPORTED_BY = {PACKAGE / "cli.py", PACKAGE / "daemon.py"}


def test_the_site_reads_through_the_reports_interfaces_and_only_the_command_and_daemon_import_it():
    site = sorted((PACKAGE / "site").rglob("*.py"))
    assert site, "connector/site is where the landing page lives"
    wrong = [f"{path.relative_to(ROOT)} imports {name}" for path in site for name in sorted(_connector_imports(path))
             if not any(name == allowed or name.startswith(f"{allowed}.") for allowed in SITE_MAY_IMPORT)]
    wrong += [f"{path.relative_to(ROOT)} imports {name}" for path in _sources()
              if path not in SITE_IMPORTED_BY and not path.is_relative_to(PACKAGE / "site")
              for name in sorted(_connector_imports(path)) if name == "connector.site" or
              name.startswith("connector.site.")]
    assert not wrong, "\n".join(wrong)
