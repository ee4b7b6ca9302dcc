"""The config file: shape, environment interpolation, relative paths, and every problem reported at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connector.catalog.mapping import FIELDS
from connector.config import BUILTIN_MAPPINGS, ConfigError, interpolate, load_config

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


# --- the one configuration check: adapters' credentials and options, endpoints, mappings, category maps ----------

LIVE = """
institutions:
  - {code: lapas-mojokerto, name: Lapas Mojokerto, type: lapas, catalog: {path: data/katalog.csv}}
channels:
  - name: shopee
    adapter: shopee
    endpoint: https://partner.shopeemobile.com
    credentials: {partner_id: "100001", partner_key: "${SHOPEE_KEY}", shop_id: "200001"}
  - name: lazada
    adapter: lazada
    endpoint: https://api.lazada.co.id/rest
    credentials: {app_key: "100002", app_secret: "${LAZADA_SECRET}"}
"""
ENV = {"SHOPEE_KEY": "shopee-secret-77", "LAZADA_SECRET": "lazada-secret-88"}


def problems_of(tmp_path: Path, text: str, env: dict[str, str] | None = None, **kwargs) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path, env=ENV if env is None else env, **kwargs)
    assert all(p.startswith(f"{path}: ") or ": " in p for p in err.value.problems)
    return [p.removeprefix(f"{path}: ") for p in err.value.problems]


def test_a_live_config_with_every_credential_loads(tmp_path):
    config = load_config(write(tmp_path, LIVE), env=ENV)
    assert config.channels[0].credentials["partner_key"] == "shopee-secret-77"
    assert set(config.category_maps) == {"shopee", "lazada"}
    assert config.category_maps["shopee"].lookup("fashion/dompet") == 100613


def test_a_misspelt_credential_names_the_key_it_meant(tmp_path):
    found = problems_of(tmp_path, LIVE.replace("app_secret:", "app_secrte:"))
    assert sorted(found) == ["channels[1].credentials.app_secret: required, but not given",
                             "channels[1].credentials.app_secrte: unknown key; did you mean app_secret?"]


def test_a_misspelt_option_names_the_option_it_meant_even_nested(tmp_path):
    text = LIVE.replace('shop_id: "200001"}', 'shop_id: "200001"}\n    options: {retry: {attempt: 3}, ratelimit: 5}')
    assert problems_of(tmp_path, text) == ["channels[0].options.retry.attempt: unknown key; did you mean attempts?",
                                           "channels[0].options.ratelimit: unknown key; did you mean rate_limit?"]


def test_option_values_are_checked_by_the_adapters_model(tmp_path):
    text = LIVE.replace('shop_id: "200001"}', 'shop_id: "200001"}\n    options: {logistic_ids: [abc], timeout: 0}')
    found = problems_of(tmp_path, text)
    assert sorted(p.split(":")[0] for p in found) == ["channels[0].options.logistic_ids[0]",
                                                      "channels[0].options.timeout"]


def test_a_missing_credential_is_a_problem_only_for_a_live_endpoint(tmp_path):
    text = LIVE.replace('partner_key: "${SHOPEE_KEY}", ', "")
    assert problems_of(tmp_path, text) == ["channels[0].credentials.partner_key: required, but not given"]
    sandboxed = text.replace("endpoint: https://partner.shopeemobile.com", "endpoint: sandbox")
    assert load_config(write(tmp_path, sandboxed), env=ENV).channels[0].is_sandbox


def test_a_shopee_partner_id_must_be_a_whole_number(tmp_path):
    assert problems_of(tmp_path, LIVE.replace('partner_id: "100001"', 'partner_id: "10O001"')) == [
        "channels[0].credentials.partner_id: must be a whole number"]


def test_endpoint_is_sandbox_or_an_http_url(tmp_path):
    found = problems_of(tmp_path, LIVE.replace("endpoint: https://partner.shopeemobile.com", "endpoint: sandbx"))
    assert found == ["channels[0].endpoint: must be sandbox or an http(s) URL; did you mean sandbox?"]
    found = problems_of(tmp_path, LIVE.replace("https://api.lazada.co.id/rest", "ftp://api.lazada.co.id"))
    assert found == ["channels[1].endpoint: must be sandbox or an http(s) URL"]


def test_unset_credential_variables_stop_only_what_needs_the_secrets(tmp_path):
    assert problems_of(tmp_path, LIVE, env={"LAZADA_SECRET": "x"}) == [
        "channels[0].credentials.partner_key: environment variable SHOPEE_KEY is not set"]
    config = load_config(write(tmp_path, LIVE), env={}, secrets=False)
    assert config.channels[0].credentials["partner_key"] == ""
    # Other variables are still needed, and a credential's key must still be one the adapter knows.
    text = LIVE.replace("partner_key:", "partnr_key:").replace("name: Lapas Mojokerto", "name: '${LAPAS_NAME}'")
    assert sorted(problems_of(tmp_path, text, env={}, secrets=False)) == [
        "channels[0].credentials.partner_key: required, but not given",
        "channels[0].credentials.partnr_key: unknown key; did you mean partner_key?",
        "institutions[0].name: environment variable LAPAS_NAME is not set"]


def test_secrets_never_appear_in_the_problems(tmp_path):
    text = LIVE.replace('partner_id: "100001"', 'partner_id: "${SHOPEE_KEY}"').replace("app_key:", "app_kee:")
    found = problems_of(tmp_path, text)
    assert found and not any(secret in p for p in found for secret in ENV.values())


def test_a_broken_mapping_file_is_a_config_problem_with_its_own_file_and_location(tmp_path):
    (tmp_path / "mappings").mkdir()
    mapping = tmp_path / "mappings" / "lapas.yaml"
    mapping.write_text("fields:\n  skuu: {columns: [SKU]}\n  name: {columns: [Nama]}\n  price: {columns: []}\n"
                       "  stock: {columns: [Stok], requierd: true}\n  category: {columns: [Kategori]}\n"
                       "  weight_g: {columns: [{header: Berat (kg), unit: pound}]}\n"
                       "categories:\n  fashion/dompt: [Dompet]\n", encoding="utf-8")
    found = problems_of(tmp_path, GOOD.replace("data/katalog.csv}", "data/katalog.csv, mapping: lapas}"),
                        env={"KEY": "k"})
    assert [p.removeprefix(f"{mapping}: ") for p in found] == [
        "fields.price.columns: List should have at least 1 item after validation, not 0",
        "fields.stock.requierd: unknown key; did you mean required?",
        "fields.weight_g.columns[0].unit: Input should be 'g' or 'kg'",
    ]
    mapping.write_text(mapping.read_text().replace("price: {columns: []}", "price: {columns: [Harga]}").replace(
        ", requierd: true", "").replace(", unit: pound", ""), encoding="utf-8")
    found = problems_of(tmp_path, GOOD.replace("data/katalog.csv}", "data/katalog.csv, mapping: lapas}"),
                        env={"KEY": "k"})
    assert [p.removeprefix(f"{mapping}: ") for p in found] == [
        "fields.skuu: unknown field; did you mean sku?; known: " + ", ".join(sorted(FIELDS)),
        "fields.sku: every mapping must say where sku comes from",
        "categories.fashion/dompt: not a PASINDO category; see `pasindo schema`; did you mean fashion/dompet?",
    ]


def test_a_mapping_copied_with_the_old_parser_keys_still_loads(tmp_path):
    """`parser:` was never read (each field has its own parser); mappings copied from the old standard.yaml
    carry it, so it is accepted with the values it always took."""
    (tmp_path / "mappings").mkdir()
    old = (BUILTIN_MAPPINGS / "standard.yaml").read_text(encoding="utf-8").replace(
        "    required: true\n", "    parser: text\n    required: true\n")
    assert old.count("parser: text") == 6
    (tmp_path / "mappings" / "old.yaml").write_text(old, encoding="utf-8")
    config = load_config(write(tmp_path, GOOD.replace("data/katalog.csv}", "data/katalog.csv, mapping: old}")),
                         env={"KEY": "k"})
    assert [m.name for m in config.mappings.values()] == ["old"]
    (tmp_path / "mappings" / "old.yaml").write_text(old.replace("parser: text", "parser: txt", 1), encoding="utf-8")
    found = problems_of(tmp_path, GOOD.replace("data/katalog.csv}", "data/katalog.csv, mapping: old}"),
                        env={"KEY": "k"})
    assert len(found) == 1 and found[0].endswith(".parser: Input should be 'text', 'price', 'int', 'weight', "
                                                 "'dimension', 'date', 'bool', 'list' or 'category'")


def test_a_broken_category_map_is_a_config_problem(tmp_path):
    (tmp_path / "map.yaml").write_text("categories:\n  fashion: [1]\n  fashon/tas: 2\n", encoding="utf-8")
    found = problems_of(tmp_path, GOOD.replace("adapter: shopee", "adapter: shopee\n    categories: map.yaml"),
                        env={"KEY": "k"})
    label = tmp_path / "map.yaml"
    assert found == [f"{label}: categories.fashion: must be the channel's category id (a number or a text)"]
    (tmp_path / "map.yaml").write_text("categories:\n  fashion: 1\n  fashon/tas: 2\n", encoding="utf-8")
    found = problems_of(tmp_path, GOOD.replace("adapter: shopee", "adapter: shopee\n    categories: map.yaml"),
                        env={"KEY": "k"})
    assert found == [f"{label}: categories.fashon/tas: not a PASINDO category; see `pasindo schema`; "
                     "did you mean fashion/tas?"]
    (tmp_path / "map.yaml").write_text("{}\n", encoding="utf-8")
    assert problems_of(tmp_path, GOOD.replace("adapter: shopee", "adapter: shopee\n    categories: map.yaml"),
                       env={"KEY": "k"}) == [f"{label}: categories: required, but not given"]


def test_every_problem_of_every_file_is_listed_at_once(tmp_path):
    (tmp_path / "map.yaml").write_text("categories: {fashon: 1}\n", encoding="utf-8")
    text = LIVE.replace("endpoint: https://partner.shopeemobile.com",
                        "endpoint: https://partner.shopeemobile.com\n    categories: map.yaml\n"
                        "    options: {retry: {attempt: 3}}").replace("app_key:", "app_kye:")
    found = problems_of(tmp_path, text)
    assert len(found) == 4
    assert any("channels[0].options.retry.attempt" in p for p in found)
    assert any("channels[1].credentials.app_kye: unknown key; did you mean app_key?" in p for p in found)
    assert any("map.yaml: categories.fashon" in p for p in found)


def test_two_institutions_sharing_a_channel_cannot_share_a_sku_prefix(tmp_path):
    two = GOOD.replace("""    catalog: {path: data/katalog.csv}
channels:""", """    catalog: {path: data/katalog.csv}
    sku_prefix: LPMJK
  - code: lapas-lain
    name: Lapas Lain
    type: lapas
    catalog: {path: data/katalog.csv}
    sku_prefix: lpmjk
channels:""")
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, two), env={"KEY": "k"})
    assert any("lapas-mojokerto and lapas-lain share sku_prefix 'lpmjk' on channel shopee" in p
               for p in err.value.problems)
    apart = two.replace("sku_prefix: lpmjk", "sku_prefix: LPLAIN")
    assert [i.sku_prefix for i in load_config(write(tmp_path, apart), env={"KEY": "k"}).institutions] == [
        "LPMJK", "LPLAIN"]
