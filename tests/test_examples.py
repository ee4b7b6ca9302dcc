"""The shipped example: its catalogs validate clean, and they sync to the embedded sandbox and stay in step."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parent.parent


def example_config(tmp_path: Path) -> Path:
    """config.example.yaml with its state in tmp_path and a faster pace for the embedded sandbox."""
    text = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    text = text.replace("state_dir: var", f"state_dir: {tmp_path / 'state'}")
    text = text.replace("path: examples/", f"path: {ROOT / 'examples'}/")
    text = text.replace("    adapter: shopee\n", "    adapter: shopee\n    options: {rate_limit: 500}\n")
    config = tmp_path / "pasindo.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def test_example_catalogs_validate_clean_with_at_least_180_products(tmp_path):
    # validate keeps what it finds in the state directory: the example's, moved out of the checkout
    result = CliRunner().invoke(main, ["--config", str(example_config(tmp_path)), "validate", "--format", "json",
                                       "--products"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert len(doc["institutions"]) >= 6 and doc["rejects"] == []
    # every channel on the embedded sandbox was checked, and takes every example product
    assert [c["attributes_checked"] for c in doc["channels"]] == [True] * 3 and doc["channel_refusals"] == []
    products = doc["products"]
    assert len(products) >= 180
    assert {p["category"].split("/")[0] for p in products} == {"craft", "culinary", "fashion"}
    assert sum(1 for p in products if p["variants"]) >= 20
    assert all(p["images"] for p in products)
    lpka = [p for p in products if p["institution"] == "lpka-tangerang"]
    assert lpka and all(p["maker"]["name"] is None for p in lpka)  # never name a child


def test_the_rejects_example_refuses_each_mistake(tmp_path):
    config = tmp_path / "pasindo.yaml"
    config.write_text((ROOT / "examples" / "rejects" / "pasindo.yaml").read_text(encoding="utf-8").replace(
        "state_dir: ../../var/rejects", f"state_dir: {tmp_path / 'state'}").replace(
        "path: toko-contoh.csv", f"path: {ROOT / 'examples' / 'rejects' / 'toko-contoh.csv'}"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "validate", "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["institutions"][0]["products"] == 2 and doc["institutions"][0]["rejected"] >= 20
    assert len({r["reason"] for r in doc["rejects"]}) >= 18


@pytest.mark.slow
def test_example_sync_lists_every_product_and_a_second_sync_writes_nothing(tmp_path):
    config = example_config(tmp_path)
    first = CliRunner().invoke(main, ["--config", str(config), "sync", "--channel", "shopee", "--format", "json"])
    assert first.exit_code == 0, first.output
    created = sum(c["count"] for c in json.loads(first.stdout)["counts"] if c["op"] == "create")
    second = CliRunner().invoke(main, ["--config", str(config), "sync", "--channel", "shopee", "--format", "json"])
    assert second.exit_code == 0 and json.loads(second.stdout)["counts"] == []
    with SandboxServer(port=0, state_path=tmp_path / "state" / "sandbox.sqlite") as server:
        items = requests.get(f"{server.url}/_sandbox/items", params={"dialect": "shopee"}, timeout=10).json()["items"]
        stats = requests.get(f"{server.url}/_sandbox/stats", timeout=10).json()
    assert len(items) == created >= 180
    assert max(Counter(i["seller_sku"] for i in items).values()) == 1
    variants = sum(1 for i in items if i["variants"])
    # The minimum: one add_item per product, one init_tier_variation per product with variants, one upload per image.
    assert stats["requests"]["shopee /api/v2/product/add_item"] == created
    assert stats["requests"]["shopee /api/v2/product/init_tier_variation"] == variants
    listed = CliRunner().invoke(main, ["--config", str(config), "validate", "--format", "json", "--products"])
    contents = {hashlib.sha256(Path(i).read_bytes()).digest() for p in json.loads(listed.stdout)["products"]
                for i in p["images"]}
    assert stats["requests"]["shopee /api/v2/media_space/upload_image"] == len(contents)
