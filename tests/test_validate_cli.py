"""`pasindo validate` and `pasindo schema`: exit codes, JSON shape, languages, per-institution failures."""

from __future__ import annotations

import json
from pathlib import Path

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
        {"code": "lapas-a", "products": 2, "variants": 2, "rejected": 1},
        {"code": "lapas-b", "products": 2, "variants": 2, "rejected": 0},
    ]
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
    assert doc["institutions"][1] == {"code": "lapas-b", "products": 2, "variants": 2, "rejected": 0}
    assert [(r["institution"], r["reason"], r["row"]) for r in doc["rejects"]] == [
        ("lapas-a", "catalog_unreadable", None)]


def test_schema_prints_the_product_json_schema_with_the_taxonomy():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "Product" and "price" in schema["properties"]
    assert schema["properties"]["price"]["minimum"] == 100
    assert [t["code"] for t in schema["x-taxonomy"]] == ["craft", "culinary", "fashion"]
