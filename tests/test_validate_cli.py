"""`pasindo validate` and `pasindo schema`: exit codes, JSON shape, languages, per-institution failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli import main

HEADER = "SKU;Nama Produk;Kategori;Harga;Stok;Berat (gram);SKU Induk;Nama Variasi;Varian\n"
GOOD = ("DMP-01;Dompet Kulit Sapi Asli Pria Coklat;Fashion / Dompet;Rp150.000;12;120;;;\n"
        "SPT-40;Sepatu Pantofel Kulit Pria Hitam;Fashion/Sepatu;275.000;2;900;SPT;Ukuran;40\n"
        "SPT-41;Sepatu Pantofel Kulit Pria Hitam;Fashion/Sepatu;275.000;1;900;SPT;Ukuran;41\n")
BAD = "TAS-01;Tas Selempang Kulit Wanita Merah;Fashion / Tas;gratis;3;400;;;\n"


def setup(tmp_path: Path, catalogs: dict[str, str]) -> Path:
    institutions = []
    for code, text in catalogs.items():
        (tmp_path / f"{code}.csv").write_text(HEADER + text, encoding="utf-8")
        institutions.append(f"  - {{code: {code}, name: Lapas {code}, type: lapas, catalog: {{path: {code}.csv}}}}")
    config = tmp_path / "pasindo.yaml"
    config.write_text("institutions:\n" + "\n".join(institutions) + "\n", encoding="utf-8")
    return config


def run(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), "validate", *args])


def test_clean_catalogs_exit_0(tmp_path):
    result = run(setup(tmp_path, {"lapas-a": GOOD}))
    assert result.exit_code == 0, result.output
    assert "lapas-a" in result.output


def test_refused_rows_exit_1_and_json_has_the_documented_shape(tmp_path):
    result = run(setup(tmp_path, {"lapas-a": GOOD + BAD, "lapas-b": GOOD}), "--format", "json", "--products")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["institutions"] == [
        {"code": "lapas-a", "products": 2, "variants": 2, "rejected": 1, "warnings": 0, "unlisted": 0},
        {"code": "lapas-b", "products": 2, "variants": 2, "rejected": 0, "warnings": 0, "unlisted": 0},
    ]
    assert doc["notices"] == doc["channels"] == doc["channel_refusals"] == doc["channel_adaptations"] == []
    [reject] = doc["rejects"]
    assert reject == {"institution": "lapas-a", "file": "lapas-a.csv", "row": 5, "column": "Harga",
                      "value": "gratis", "reason": "price_format", "message": reject["message"]}
    assert "gratis" in reject["message"]
    shoe = next(p for p in doc["products"] if p["sku"] == "SPT")
    assert shoe["key"] == "lapas-a:SPT" and shoe["weight_g"] == 900 and shoe["category"] == "fashion/sepatu"
    assert [(v["sku"], v["price"], v["stock"], v["options"]) for v in shoe["variants"]] == [
        ("SPT-40", 275_000, 2, {"Ukuran": "40"}), ("SPT-41", 275_000, 1, {"Ukuran": "41"})]
    for field in ("key", "institution", "sku", "name", "category", "price", "stock", "weight_g", "images"):
        assert field in shoe


def test_messages_in_bahasa_indonesia(tmp_path):
    result = run(setup(tmp_path, {"lapas-a": BAD}), "--lang", "id")
    assert result.exit_code == 1
    assert "Baris yang ditolak" in result.output and "bukan harga" in result.output


def test_only_the_chosen_institution_is_read(tmp_path):
    result = run(setup(tmp_path, {"lapas-a": BAD, "lapas-b": GOOD}), "--institution", "lapas-b", "--format", "json")
    assert result.exit_code == 0
    assert [i["code"] for i in json.loads(result.output)["institutions"]] == ["lapas-b"]


def test_unknown_institution_is_a_usage_error(tmp_path):
    result = run(setup(tmp_path, {"lapas-a": GOOD}), "--institution", "lapas-z")
    assert result.exit_code == 2 and "unknown institution lapas-z" in result.output


def test_an_unreadable_catalog_is_reported_and_the_others_still_validate(tmp_path):
    config = setup(tmp_path, {"lapas-a": GOOD, "lapas-b": GOOD})
    (tmp_path / "lapas-a.csv").write_bytes(b"\x00\x01\x02 binary junk \xff\x00" * 50)
    result = run(config, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["institutions"][1] == {"code": "lapas-b", "products": 2, "variants": 2, "rejected": 0, "warnings": 0,
                                      "unlisted": 0}
    assert [(r["institution"], r["reason"], r["row"]) for r in doc["rejects"]] == [
        ("lapas-a", "catalog_unreadable", None)]


def test_schema_prints_the_product_json_schema_with_the_taxonomy():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "Product" and "price" in schema["properties"]
    assert schema["properties"]["price"]["minimum"] == 100
    assert [t["code"] for t in schema["x-taxonomy"]] == ["craft", "culinary", "fashion"]


# --- configuration problems: every command exits 2 naming the key, never with a traceback ------------------------

SHOPEE = ("channels:\n  - name: shopee\n    adapter: shopee\n    endpoint: {endpoint}\n"
          "    credentials: {{partner_id: '100001', {key}: '${{SHOPEE_KEY}}', shop_id: '200001'}}\n"
          "    options: {options}\n")


def with_channel(tmp_path: Path, *, endpoint: str = "sandbox", key: str = "partner_key",
                 options: str = "{retry: {attempts: 2}}") -> Path:
    config = setup(tmp_path, {"lapas-a": GOOD})
    config.write_text(config.read_text() + SHOPEE.format(endpoint=endpoint, key=key, options=options),
                      encoding="utf-8")
    return config


def invoke(config: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["--config", str(config), *args], env=env or {"SHOPEE_KEY": "k-5150"})


@pytest.mark.parametrize("command", [["validate"], ["sync"], ["sync", "--dry-run"], ["check"], ["link"],
                                     ["status"], ["report"], ["sales"], ["daemon"]])
@pytest.mark.parametrize("broken, expected", [
    ({"options": "{retry: {attempt: 3}}"}, "channels[0].options.retry.attempt: unknown key; did you mean attempts?"),
    ({"key": "partnr_key"}, "channels[0].credentials.partnr_key: unknown key; did you mean partner_key?"),
    ({"endpoint": "sandbx"}, "channels[0].endpoint: must be sandbox or an http(s) URL; did you mean sandbox?"),
])
def test_a_config_problem_exits_2_naming_the_key_from_every_command(tmp_path, command, broken, expected):
    config = with_channel(tmp_path, **broken)
    result = invoke(config, *command)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not a traceback
    assert f"{config}: {expected}" in result.output.splitlines()
    assert "k-5150" not in result.output


def test_every_problem_is_listed_at_once_on_the_command_line(tmp_path):
    config = with_channel(tmp_path, endpoint="sandbx", key="partnr_key", options="{retry: {attempt: 3}}")
    lines = invoke(config, "sync").output.splitlines()
    assert sorted(line.removeprefix(f"{config}: channels[0].").split(":")[0] for line in lines) == [
        "credentials.partner_key", "credentials.partnr_key", "endpoint", "options.retry.attempt"]  # not the sandbox


@pytest.mark.parametrize("command", [["status"], ["report"], ["sales"]])
def test_commands_that_talk_to_no_marketplace_need_no_secrets(tmp_path, command):
    config = with_channel(tmp_path, endpoint="https://partner.shopeemobile.com")
    result = invoke(config, *command, env={"PATH": "/usr/bin:/bin"})
    assert result.exit_code == 0, result.output


def test_validate_without_the_secrets_checks_what_needs_no_call_and_says_what_it_left_unchecked(tmp_path):
    config = with_channel(tmp_path, endpoint="https://partner.shopeemobile.com")
    result = invoke(config, "validate", env={"PATH": "/usr/bin:/bin"})
    assert result.exit_code in (0, 1), result.output  # findings, never the config error of a missing secret
    assert isinstance(result.exception, SystemExit)
    assert "shopee: category attributes not checked: credentials not set: partner_key" in result.output


@pytest.mark.parametrize("command", [["sync"], ["sync", "--dry-run"], ["check"], ["link"], ["daemon"]])
def test_commands_that_talk_to_marketplaces_refuse_without_the_secrets(tmp_path, command):
    config = with_channel(tmp_path, endpoint="https://partner.shopeemobile.com")
    (config.parent / "state").mkdir()
    result = invoke(config, *command, env={"PATH": "/usr/bin:/bin"})
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        f"{config}: channels[0].credentials.partner_key: environment variable SHOPEE_KEY is not set"]
