"""The config file: shape, environment interpolation, relative paths, and every problem reported at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connector.config import ConfigError, interpolate, load_config

GOOD = """
state_dir: state
institutions:
  - code: lapas-mojokerto
    name: Lapas Kelas IIB Mojokerto
    type: lapas
    class: IIB
    catalog: {path: data/katalog.csv}
channels:
  - name: shopee
    adapter: shopee
    credentials: {partner_key: "${KEY}", shop_id: "${SHOP:-200001}"}
"""


def write(tmp_path: Path, text: str, catalog: bool = True) -> Path:
    if catalog:
        (tmp_path / "data").mkdir(exist_ok=True)
        (tmp_path / "data" / "katalog.csv").write_text("SKU;Nama\n", encoding="utf-8")
    path = tmp_path / "pasindo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_paths_are_relative_to_the_config_file(tmp_path):
    config = load_config(write(tmp_path, GOOD), env={"KEY": "k-123456"})
    assert config.state_dir == (tmp_path / "state").resolve()
    assert config.institutions[0].catalog.path == (tmp_path / "data" / "katalog.csv").resolve()
    assert config.institutions[0].class_ == "IIB"


def test_environment_variables_and_defaults_are_interpolated(tmp_path):
    config = load_config(write(tmp_path, GOOD), env={"KEY": "k-123456"})
    assert config.channels[0].credentials == {"partner_key": "k-123456", "shop_id": "200001"}
    assert config.secrets() == ["k-123456", "200001"]


def test_interpolation_records_missing_variables():
    missing: list[str] = []
    assert interpolate("a${X}b${Y:-y}c", {}, missing) == "abyc"
    assert missing == ["X"]


def test_every_problem_is_listed_with_file_and_location(tmp_path):
    text = """
institutions:
  - code: Lapas Mojokerto
    name: x
    type: prison
    catalog: {path: data/katalog.csv}
  - code: lapas-b
    name: b
    type: rutan
    catalog: {path: nowhere.xlsx}
channels:
  - name: shopee
    adapter: shopee
    credentials: {partner_key: "${NOT_SET}"}
"""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    problems = err.value.problems
    assert any("institutions[0].code" in p for p in problems)
    assert any("institutions[0].type" in p for p in problems)
    assert any("channels[0].credentials.partner_key: environment variable NOT_SET is not set" in p
               for p in problems)
    assert all(p.startswith(f"{path}: ") for p in problems)


def test_missing_catalog_file_is_named(tmp_path):
    text = GOOD.replace("data/katalog.csv", "data/hilang.csv")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path, env={"KEY": "k"})
    assert err.value.problems == [
        f"{path}: institutions[0].catalog.path: no such file: {(tmp_path / 'data' / 'hilang.csv').resolve()}"
    ]


def test_duplicate_codes_and_unknown_channels_are_refused(tmp_path):
    text = GOOD + """
  - name: shopee
    adapter: shopee
"""
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env={"KEY": "k"})
    assert any("channel name 'shopee' is used twice" in p for p in err.value.problems)


def test_unknown_keys_are_refused(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, GOOD + "colour: blue\n"), env={"KEY": "k"})
    assert any("colour" in p for p in err.value.problems)


@pytest.mark.parametrize("text, expected", [
    ("institutions: [", "not valid YAML"),
    ("- just\n- a list\n", "expected a mapping"),
])
def test_unreadable_yaml_is_one_clear_problem(tmp_path, text, expected):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env={})
    assert expected in err.value.problems[0]


def test_bad_config_exits_2_without_traceback(tmp_path):
    path = write(tmp_path, GOOD.replace("type: lapas", "type: prison"))
    proc = subprocess.run([sys.executable, "-m", "connector.cli", "--config", str(path), "validate"],
                          capture_output=True, text=True, env={"KEY": "k", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2
    assert "institutions[0].type" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_config_file_exits_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "connector.cli", "--config", str(tmp_path / "none.yaml"),
                           "validate"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "none.yaml: no such file" in proc.stderr


def test_an_unknown_adapter_names_the_installed_ones(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, GOOD.replace("adapter: shopee", "adapter: blibli")), env={"KEY": "k"})
    [problem] = err.value.problems
    assert "channels[0].adapter: no adapter named 'blibli'; installed: " in problem and "shopee" in problem
