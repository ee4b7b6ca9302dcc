"""Every YAML file the connector reads (the config, mappings, category maps, the taxonomy) goes through one loader
that bounds it: a few hundred bytes of aliases that expand to a billion values, an alias that holds itself, nesting
a thousand deep or a file of many megabytes are refused with exit 2 and a line naming the file and the problem —
never a hang, a traceback or gigabytes of memory. The daemon's SIGHUP reload reads the config the same way, and
keeps the config it runs on."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from connector.yamlfile import MAX_BYTES, MAX_DEPTH, MAX_VALUES, YamlFileError, read_yaml
from tests.helpers import Shop
from tests.test_daemon import Daemon, wait_until

PASINDO = Path(sys.executable).parent / "pasindo"
MEMORY = 1 << 30  # "no input file makes the process exceed 1 GB"


def alias_bomb(key: str = "lol") -> str:
    """The billion laughs: nine anchors, each a list of nine aliases of the one before: 9**9 values once expanded."""
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"{name}: &{name} [{', '.join([f'*{before}'] * 9)}]"
              for before, name in zip("abcdefgh", "bcdefghi", strict=True)]
    return "\n".join(lines) + f"\n{key}: *i\n"


ATTACKS = {
    "alias bomb": (alias_bomb(), "aliases"),
    "alias holding itself": ("lol: &a [x, *a]\n", "alias"),
    "nesting": ("lol: " + "[" * 800 + "]" * 800 + "\n", "nested"),
    "block nesting": ("".join(f"{'  ' * i}k{i}:\n" for i in range(400)) + "  " * 400 + "v\n", "nested"),
    "size": ("# " + "x" * (MAX_BYTES + 10) + "\nlol: 1\n", "larger than"),
}


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def pasindo(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PASINDO), "--config", str(config), *args], capture_output=True, text=True, timeout=30,
                          preexec_fn=limited)


def refused(done: subprocess.CompletedProcess[str], path: Path, problem: str) -> None:
    assert "Traceback" not in done.stderr + done.stdout and "MemoryError" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert any(str(path) in line and problem in line for line in done.stderr.splitlines()), done.stderr[-2000:]


def test_the_bomb_is_small():
    assert len(alias_bomb().encode()) < 600


@pytest.mark.parametrize(("attack", "command"), [*((attack, "validate") for attack in ATTACKS), ("alias bomb", "sync")])
def test_a_hostile_config_is_refused_with_exit_2(tmp_path, sandbox, attack, command):
    shop = Shop(tmp_path, sandbox.url)
    text, problem = ATTACKS[attack]
    shop.config.write_text(shop.config.read_text() + text, encoding="utf-8")
    started = time.monotonic()
    refused(pasindo(shop.config, command), shop.config, problem)
    assert time.monotonic() - started < 20


def _mapping(shop: Shop, text: str) -> Path:
    (shop.dir / "mappings").mkdir(exist_ok=True)
    path = shop.dir / "mappings" / "lapas.yaml"
    path.write_text("fields:\n  sku: {columns: [SKU]}\n" + text, encoding="utf-8")
    shop.config.write_text(shop.config.read_text().replace("catalog: {path: katalog.csv}",
                                                           "catalog: {path: katalog.csv, mapping: lapas}"))
    return path


def _category_map(shop: Shop, text: str) -> Path:
    path = shop.dir / "kategori-shopee.yaml"
    path.write_text("categories: {}\n" + text, encoding="utf-8")
    shop.config.write_text(shop.config.read_text().replace("    adapter: shopee\n",
                                                           f"    adapter: shopee\n    categories: {path}\n"))
    return path


def _taxonomy(shop: Shop, text: str) -> Path:
    (shop.dir / "mappings").mkdir(exist_ok=True)
    path = shop.dir / "mappings" / "taxonomy.yaml"
    path.write_text("categories: {}\n" + text, encoding="utf-8")
    return path


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("file", [_mapping, _category_map, _taxonomy])
def test_a_hostile_mapping_category_map_or_taxonomy_is_refused_with_exit_2(tmp_path, sandbox, attack, file):
    shop = Shop(tmp_path, sandbox.url)
    text, problem = ATTACKS[attack]
    path = file(shop, text)
    refused(pasindo(shop.config, "validate"), path, problem)


def test_the_daemon_keeps_its_config_when_sighup_brings_an_alias_bomb(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url, guards="schedule: {full: every 1 day}\n")
    daemon = Daemon(shop)
    try:
        wait_until(lambda: [e for e in daemon.events() if e["event"] == "scheduled"], daemon, what="the schedule")
        shop.config.write_text(shop.config.read_text() + alias_bomb(), encoding="utf-8")
        daemon.signal(signal.SIGHUP)
        failed = wait_until(lambda: [e for e in daemon.events() if e["event"] == "config_reload_failed"], daemon,
                            timeout=30, what="the reload to be refused")
        assert str(shop.config) in failed[0]["problems"][0] and "aliases" in failed[0]["problems"][0]
        assert daemon.proc.poll() is None  # still running, on the config it had
        code, took = daemon.stop()
    finally:
        daemon.kill()
    assert code == 0 and took < 10, daemon.explain()


@pytest.mark.parametrize("text", [Path(__file__).parents[1].joinpath("mappings", name).read_text(encoding="utf-8")
                                  for name in ("standard.yaml", "taxonomy.yaml")]
                         + ["base: &base {unit: kg}\nfields:\n  weight: {<<: *base, columns: [Berat]}\n"])
def test_the_shipped_files_and_a_few_honest_aliases_load(tmp_path, text):
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    assert isinstance(read_yaml(path), dict)


@pytest.mark.slow
def test_the_limits_are_what_the_loader_says(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("v: [" + ", ".join(["x"] * (MAX_VALUES - 3)) + "]\n", encoding="utf-8")
    assert len(read_yaml(path)["v"]) == MAX_VALUES - 3  # the document, the key, the list and its values
    path.write_text("v: [" + ", ".join(["x"] * (MAX_VALUES - 2)) + "]\n", encoding="utf-8")
    with pytest.raises(YamlFileError, match="values"):
        read_yaml(path)
    path.write_text("v: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n", encoding="utf-8")
    assert read_yaml(path)
    path.write_text("v: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n", encoding="utf-8")
    with pytest.raises(YamlFileError, match="nested"):
        read_yaml(path)
