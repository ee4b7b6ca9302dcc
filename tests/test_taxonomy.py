"""The taxonomy is data: category cells as staff write them, a deployment's own subcategories, the notice for a
subcategory PASINDO does not have, and the listing of such products on every channel."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import requests
from click.testing import CliRunner

from connector.catalog.mapping import MappingError, load_mapping
from connector.catalog.parsers import ParseError
from connector.category_maps import read_category_map
from connector.cli import main
from connector.config import BUILTIN_MAPPINGS, load_config
from connector.sandbox import SandboxServer
from connector.schema import TAXONOMY, TaxonomyError, read_taxonomy
from tests.helpers import png

DIALECTS = ("shopee", "lazada", "tiktokshop")
STANDARD = load_mapping(BUILTIN_MAPPINGS / "standard.yaml")
HEADER = ["Kode Barang", "Nama Barang", "Kategori", "Harga Jual", "Stok", "Berat", "Foto"]

# Lapas Mojokerto's leather craft as its staff label it; names long enough for every marketplace's title rules.
LEATHER_CRAFT = [
    ["KLT-01", "Wayang Kulit Arjuna Tatah Sungging Asli Mojokerto", "Kerajinan / Kulit", "Rp150.000", 4, "250 gr"],
    ["KLT-02", "Hiasan Dinding Kulit Sapi Ukir Motif Majapahit", "Kerajinan Kulit", "Rp 85.000", 10, "300 gr"],
    ["KLT-03", "Gantungan Kunci Kulit Sapi Ukir Nama Pesanan", "Kerajinan > Kulit", "25.000", 40, "50 gr"],
    ["KLT-04", "Sampul Buku Agenda Kulit Sapi Jahit Tangan A5", "Kulit", "Rp120.000", 6, "0,3 kg"],
    ["KLT-05", "Tatakan Gelas Kulit Sapi Anyam Isi Enam Buah", "Kerajinan / Sesuatu Baru", "Rp45.000", 12, "150"],
]


def write_catalog(folder: Path, rows: list[list[object]]) -> Path:
    """A workbook as staff keep it: a title row above the header, a photo beside the sheet."""
    (folder / "foto").mkdir(exist_ok=True)
    (folder / "foto" / "produk.png").write_bytes(png(3))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["DAFTAR PRODUK BIMKER LAPAS KELAS IIB MOJOKERTO"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append([*row, "foto/produk.png"])
    path = folder / "katalog.xlsx"
    book.save(path)
    return path


def write_config(folder: Path, *, mapping: str = "standard", channels: str = "") -> Path:
    config = folder / "pasindo.yaml"
    config.write_text(f"""
state_dir: state
institutions:
  - code: lapas-mojokerto
    name: Lapas Kelas IIB Mojokerto
    type: lapas
    province: Jawa Timur
    catalog: {{path: katalog.xlsx, mapping: {mapping}}}
    sku_prefix: LPMJK
{channels}""", encoding="utf-8")
    return config


def run(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args, "--format", "json"])


# -- reading a category cell ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, code", [
    ("Kerajinan / Kulit", "craft/kulit"),
    ("Kerajinan > Kulit", "craft/kulit"),
    ("Kerajinan Kulit", "craft/kulit"),
    ("KERAJINAN/KULIT", "craft/kulit"),
    ("Kulit", "craft/kulit"),
    ("Kerajinan Tangan Kulit", "craft/kulit"),  # the longest top-category words first
    ("Kriya - Kulit", "craft/kulit"),
    ("Tas Kulit", "fashion/tas"),  # leather that is carried is fashion
    ("Fashion / Dompet", "fashion/dompet"),
    ("Busana > Batik", "fashion/batik"),
    ("Batik Cap", "fashion/batik"),
    ("Songket", "fashion/tenun"),
    ("Kuliner: Sambal", "culinary/bumbu"),
    ("Makanan Beku", "culinary/makanan-beku"),
    ("Kuliner Frozen Food", "culinary/makanan-beku"),
    ("Keripik Tempe", "culinary/camilan"),
    ("Gerabah", "craft/gerabah"),
    ("Sabun Herbal", "craft/sabun-lilin"),
    ("Kerajinan / Rotan", "craft/rotan-bambu"),
    ("Kerajinan", "craft"),
    ("Pakaian", "fashion"),  # a top category's word wins over its subcategory's alone
    ("Fashion / Pakaian", "fashion/pakaian"),
])
def test_a_category_is_read_however_staff_write_it(cell, code):
    reading = STANDARD.category(cell)
    assert (reading.code, reading.unknown_sub) == (code, None)


@pytest.mark.parametrize("cell, top, sub", [
    ("Kerajinan / Sesuatu Baru", "craft", "Sesuatu Baru"),
    ("Kuliner > Tempe Mendoan", "culinary", "Tempe Mendoan"),
    ("Fashion Mukena Bordir Anak", "fashion", "Mukena Bordir Anak"),
])
def test_an_unknown_subcategory_is_read_as_its_top_category_saying_which_word(cell, top, sub):
    reading = STANDARD.category(cell)
    assert (reading.code, reading.unknown_sub) == (top, sub)


@pytest.mark.parametrize("cell", ["Elektronik", "Elektronik / HP", "Otomotif Kulit", "/"])
def test_an_unknown_top_category_is_not_read(cell):
    with pytest.raises(ParseError) as raised:
        STANDARD.category(cell)
    assert raised.value.reason == "category_unknown"


def test_a_mappings_own_word_wins_over_the_taxonomys(tmp_path):
    text = (BUILTIN_MAPPINGS / "standard.yaml").read_text(encoding="utf-8")
    mapping = tmp_path / "mojokerto.yaml"
    mapping.write_text(text.replace("categories: {}", "categories:\n  fashion/tas: [Kulit, Kerajinan Kulit]"),
                       encoding="utf-8")
    own = load_mapping(mapping)
    assert own.category("Kulit").code == own.category("Kerajinan Kulit").code == "fashion/tas"
    assert own.category("Kerajinan / Kulit").code == "craft/kulit"  # with its top category, still the taxonomy's


def test_a_mapping_naming_a_code_the_taxonomy_lacks_or_one_word_twice_is_refused(tmp_path):
    text = (BUILTIN_MAPPINGS / "standard.yaml").read_text(encoding="utf-8")
    mapping = tmp_path / "salah.yaml"
    mapping.write_text(text.replace("categories: {}", "categories:\n  craft/batu-akik: [Akik]\n"
                                    "  fashion/tas: [Kantong]\n  fashion/dompet: [Kantong]"), encoding="utf-8")
    with pytest.raises(MappingError) as raised:
        load_mapping(mapping)
    assert [p.removeprefix(f"{mapping}: ") for p in raised.value.problems] == [
        "categories.craft/batu-akik: not a PASINDO category; see `pasindo schema`; did you mean craft/cukli?",
        "categories.fashion/dompet: 'Kantong' is also given for fashion/tas; a word names one category",
    ]


def test_every_shipped_code_is_kept_and_each_channel_map_names_only_known_codes():
    kept = {"craft", "craft/cukli", "craft/kaligrafi", "craft/lukisan", "craft/ukiran", "craft/anyaman",
            "craft/dekorasi", "craft/perabot", "craft/peralatan-rumah", "culinary", "culinary/kopi", "culinary/camilan",
            "culinary/roti-kue", "culinary/minuman", "culinary/madu", "culinary/bumbu", "fashion", "fashion/tas",
            "fashion/dompet", "fashion/sepatu", "fashion/sandal", "fashion/batik", "fashion/pakaian",
            "fashion/aksesoris"}
    assert kept < TAXONOMY.codes
    for dialect in DIALECTS:
        channel_map = read_category_map(BUILTIN_MAPPINGS / "channels" / f"{dialect}.yaml")
        assert set(channel_map.ids) <= TAXONOMY.codes
        assert channel_map.lookup("craft/kulit") == channel_map.ids["craft"]  # no leaf of its own: the fallback


# -- a staff catalog through validate and sync ---------------------------------------------------------------------

def test_leather_craft_as_staff_write_it_validates_with_a_notice_for_the_new_subcategory(tmp_path):
    write_catalog(tmp_path, LEATHER_CRAFT)
    config = write_config(tmp_path)
    result = run(config, "validate", "--products")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["rejects"] == []
    assert [(i["products"], i["rejected"], i["warnings"]) for i in doc["institutions"]] == [(5, 0, 1)]
    assert {p["sku"]: p["category"] for p in doc["products"]} == {
        "KLT-01": "craft/kulit", "KLT-02": "craft/kulit", "KLT-03": "craft/kulit", "KLT-04": "craft/kulit",
        "KLT-05": "craft"}
    assert {p["sku"]: (p["price"], p["weight_g"]) for p in doc["products"]}["KLT-04"] == (120_000, 300)

    [notice] = doc["notices"]
    assert (notice["file"], notice["row"], notice["column"], notice["value"], notice["reason"]) == (
        "katalog.xlsx", 7, "Kategori", "Kerajinan / Sesuatu Baru", "category_sub_unknown")
    english = notice["message"]
    [indonesian] = [n["message"] for n in json.loads(run(config, "validate", "--lang", "id").output)["notices"]]
    assert "'Sesuatu Baru'" in english and "listed as Kerajinan (craft)" in english
    assert "Kerajinan / Kerajinan Kulit" in english and "mappings/taxonomy.yaml" in english
    assert "ditayangkan sebagai Kerajinan (craft)" in indonesian and english != indonesian


def test_an_unknown_top_category_is_still_refused_naming_what_is_accepted(tmp_path):
    write_catalog(tmp_path, [*LEATHER_CRAFT[:1],
                             ["ELK-01", "Lampu Hias Meja Kulit Sapi Tenaga Surya", "Elektronik", "Rp95.000", 3, "400"]])
    result = run(write_config(tmp_path), "validate")
    assert result.exit_code == 1
    [reject] = json.loads(result.output)["rejects"]
    assert (reject["row"], reject["column"], reject["value"], reject["reason"]) == (
        4, "Kategori", "Elektronik", "category_unknown")
    assert "Kerajinan, Kuliner, Fashion" in reject["message"] and "Kerajinan / Kerajinan Kulit" in reject["message"]


CHANNELS = """channels:
  - {name: shopee, adapter: shopee, options: {rate_limit: 500}}
  - {name: lazada, adapter: lazada, options: {rate_limit: 500}}
  - {name: tiktokshop, adapter: tiktokshop, options: {rate_limit: 500}}
"""


def test_every_leather_craft_row_is_listed_on_every_channel_in_its_top_categorys_leaf(tmp_path):
    write_catalog(tmp_path, LEATHER_CRAFT)
    result = run(write_config(tmp_path, channels=CHANNELS), "sync")
    assert result.exit_code == 0, result.output
    with SandboxServer(port=0, state_path=tmp_path / "state" / "sandbox.sqlite") as server:
        for dialect in DIALECTS:
            items = requests.get(f"{server.url}/_sandbox/items", params={"dialect": dialect}, timeout=10).json()
            craft = read_category_map(BUILTIN_MAPPINGS / "channels" / f"{dialect}.yaml").ids["craft"]
            assert {(i["seller_sku"], i["status"], str(i["category_id"])) for i in items["items"]} == {
                (f"LPMJK-{row[0]}", "active", str(craft)) for row in LEATHER_CRAFT}, dialect


# -- a deployment's own taxonomy -----------------------------------------------------------------------------------

DEPLOYMENT_TAXONOMY = """categories:
  craft:
    synonyms: [Karya Seni Binaan]
    subcategories:
      kulit:
        synonyms: [Tatah Sungging]
      batu-akik:
        name_id: Batu Akik
        name_en: Gemstones
        synonyms: [Akik, Batu Cincin]
"""


def test_a_deployment_taxonomy_next_to_the_config_adds_subcategories_and_synonyms(tmp_path):
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "taxonomy.yaml").write_text(DEPLOYMENT_TAXONOMY, encoding="utf-8")
    mapping = (BUILTIN_MAPPINGS / "standard.yaml").read_text(encoding="utf-8")
    (tmp_path / "mappings" / "mojokerto.yaml").write_text(
        mapping.replace("categories: {}", "categories:\n  craft/batu-akik: [Permata]"), encoding="utf-8")
    (tmp_path / "kategori-shopee.yaml").write_text(  # validate checks the map's leaves: their mandatory attribute
        "categories:\n  craft: 101165\n  craft/batu-akik: 101260\ndefaults:\n  craft: {Negara Asal: Indonesia}\n",
        encoding="utf-8")
    write_catalog(tmp_path, [
        ["AKK-01", "Cincin Batu Akik Bacan Ikat Perak Asli", "Kerajinan / Batu Akik", "Rp350.000", 2, "30 gr"],
        ["AKK-02", "Liontin Batu Akik Kalimaya Banten Ikat Perak", "Akik", "Rp275.000", 3, "25 gr"],
        ["AKK-03", "Bros Batu Permata Hijau Garut Ikat Kuningan", "Permata", "Rp125.000", 5, "20 gr"],
        ["KLT-01", "Wayang Kulit Arjuna Tatah Sungging Asli Mojokerto", "Tatah Sungging", "Rp150.000", 4, "250 gr"],
        ["KLT-02", "Hiasan Dinding Kulit Sapi Ukir Motif Majapahit", "Karya Seni Binaan", "Rp85.000", 10, "300"],
        ["KLT-03", "Gantungan Kunci Kulit Sapi Ukir Nama Pesanan", "Kerajinan / Kulit", "25.000", 40, "50 gr"],
    ])
    channel = "channels:\n  - {name: shopee, adapter: shopee, categories: kategori-shopee.yaml}\n"
    config = write_config(tmp_path, mapping="mojokerto", channels=channel)
    result = run(config, "validate", "--products")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [(i["products"], i["rejected"], i["warnings"]) for i in doc["institutions"]] == [(6, 0, 0)]
    assert {p["sku"]: p["category"] for p in doc["products"]} == {
        "AKK-01": "craft/batu-akik", "AKK-02": "craft/batu-akik", "AKK-03": "craft/batu-akik",
        "KLT-01": "craft/kulit", "KLT-02": "craft", "KLT-03": "craft/kulit"}
    loaded = load_config(config, secrets=False)
    assert loaded.category_maps["shopee"].lookup("craft/batu-akik") == 101260
    craft = next(t for t in loaded.taxonomy if t.code == "craft")
    assert [s.code for s in craft.subcategories][-1] == "batu-akik"
    leather = next(s for s in craft.subcategories if s.code == "kulit")
    assert {"Tatah Sungging", "Wayang Kulit"} <= set(leather.synonyms)  # extended, nothing lost


@pytest.mark.parametrize("text, expected", [
    ("categories:\n  craft:\n    subcategories:\n      batu-akik: {synonyms: [Kulit]}\n", [
        "categories.craft.subcategories.batu-akik.name_id: required for a category PASINDO does not have yet",
        "categories.craft.subcategories.batu-akik.name_en: required for a category PASINDO does not have yet",
        "categories.craft.subcategories.batu-akik.synonyms: 'Kulit' already names craft/kulit; a word names one "
        "category"]),
    ("categories:\n  Batu Akik: {name_id: Batu Akik, name_en: Gems}\n  craft: {synonym: [Akik]}\n", [
        "categories.Batu Akik.[key]: String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'",
        "categories.craft.synonym: unknown key; did you mean synonyms?"]),
    ("categories: [craft]\n", ["categories: Input should be a valid dictionary"]),
    ("categories:\n  craft:\n    synonyms: [Kuliner\n", None),
])
def test_a_broken_deployment_taxonomy_is_a_config_error_naming_every_problem(tmp_path, text, expected):
    (tmp_path / "mappings").mkdir()
    taxonomy = tmp_path / "mappings" / "taxonomy.yaml"
    taxonomy.write_text(text, encoding="utf-8")
    write_catalog(tmp_path, LEATHER_CRAFT[:1])
    for command in (["validate"], ["sync", "--dry-run"]):
        result = CliRunner().invoke(main, ["--config", str(write_config(tmp_path)), *command])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        lines = [line.removeprefix(f"{taxonomy}: ") for line in result.output.splitlines() if str(taxonomy) in line]
        if expected is None:
            assert lines and "cannot read the taxonomy" in lines[0]
        else:
            assert lines == expected


def test_the_shipped_taxonomy_read_as_an_extension_of_itself_changes_nothing():
    again = read_taxonomy(BUILTIN_MAPPINGS / "taxonomy.yaml", TAXONOMY)
    assert again.categories == TAXONOMY.categories


def test_a_taxonomy_file_on_its_own_needs_every_name(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text("categories:\n  craft: {synonyms: [Kriya]}\n", encoding="utf-8")
    with pytest.raises(TaxonomyError) as raised:
        read_taxonomy(path)
    assert raised.value.problems == [
        f"{path}: categories.craft.{name}: required for a category PASINDO does not have yet"
        for name in ("name_id", "name_en")]


def test_schema_prints_the_taxonomy_with_names_and_synonyms():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    craft = next(t for t in json.loads(result.output)["x-taxonomy"] if t["code"] == "craft")
    leather = next(s for s in craft["subcategories"] if s["code"] == "kulit")
    assert (leather["name_id"], leather["name_en"]) == ("Kerajinan Kulit", "Leather craft")
    assert "Wayang Kulit" in leather["synonyms"]
