"""The example catalogs synced to Shopee, Lazada and TikTok Shop at once: the same products everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
DIALECTS = ("shopee", "lazada", "tiktokshop")


def example_config(tmp_path: Path) -> Path:
    """config.example.yaml (all three channels, embedded sandbox) with its state in tmp_path, at a faster pace."""
    text = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    text = text.replace("state_dir: var", f"state_dir: {tmp_path / 'state'}")
    text = text.replace("path: examples/", f"path: {ROOT / 'examples'}/")
    for dialect in ("shopee", "lazada"):
        text = text.replace(f"    adapter: {dialect}\n", f"    adapter: {dialect}\n    options: {{rate_limit: 500}}\n")
    text = text.replace("options: {listing_platforms:", "options: {rate_limit: 500, listing_platforms:")
    config = tmp_path / "pasindo.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def listed(items: list[dict]) -> dict[str, tuple]:
    """Each listing by its variants' seller SKUs (or its own): what it sells, at what price, how many."""
    out = {}
    for item in items:
        if item["variants"]:
            key = tuple(sorted(v["seller_sku"] for v in item["variants"]))
            value = tuple(sorted((v["seller_sku"], v["price"], v["stock"]) for v in item["variants"]))
        else:
            key = (item["seller_sku"],)
            value = ((item["seller_sku"], item["price"], item["stock"]),)
        assert key not in out, f"listed twice: {key}"
        out[key] = (value, item["status"], item["images"])
    return out


@pytest.mark.slow
def test_example_sync_to_three_channels_lists_the_same_products_and_then_writes_nothing(tmp_path):
    config = example_config(tmp_path)
    assert {c for c in DIALECTS} <= set(config.read_text().split())  # the example configures all three
    first = CliRunner().invoke(main, ["--config", str(config), "sync", "--format", "json"])
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(main, ["--config", str(config), "sync", "--format", "json"])
    assert second.exit_code == 0 and json.loads(second.stdout)["counts"] == []
    with SandboxServer(port=0, state_path=tmp_path / "state" / "sandbox.sqlite") as server:
        shops = {d: listed(requests.get(f"{server.url}/_sandbox/items", params={"dialect": d}, timeout=10).json()[
            "items"]) for d in DIALECTS}
    assert len(shops["shopee"]) >= 180
    assert shops["shopee"].keys() == shops["lazada"].keys() == shops["tiktokshop"].keys()
    for key, (value, status, _) in shops["shopee"].items():
        assert shops["lazada"][key][:2] == shops["tiktokshop"][key][:2] == (value, status)
