"""Category rules end to end: each channel's tree and mandatory attributes, read through the adapters from the
sandbox over loopback, decide what a sync may list there; `pasindo categories` shows the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import yaml

from tests.helpers import CHANNELS, SKU, Shops

ROOT = Path(__file__).resolve().parents[1]


def listed(url: str, dialect: str) -> set[str]:
    items = requests.get(f"{url}/_sandbox/items", params={"dialect": dialect}, timeout=10).json()["items"]
    return {i["seller_sku"] or i["variants"][0]["seller_sku"] for i in items}


def bare_map(folder: Path, channel: str) -> Path:
    """The channel's shipped category map without its attributes and defaults sections."""
    shipped = yaml.safe_load((ROOT / "mappings" / "channels" / f"{channel}.yaml").read_text(encoding="utf-8"))
    path = folder / f"bare-{channel}.yaml"
    path.write_text(yaml.safe_dump({"categories": shipped["categories"]}), encoding="utf-8")
    return path


def use_map(config: Path, channel: str, path: Path | None) -> None:
    text = config.read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("    categories: "))
    if path is not None:
        text = text.replace(f"    adapter: {channel}\n", f"    adapter: {channel}\n    categories: {path}\n")
    config.write_text(text + "\n", encoding="utf-8")


def mandatory(shops: Shops, channel: str) -> list[dict]:
    """The mandatory attributes of the wallet's category on the channel, as `pasindo categories` reports them."""
    code, out = shops.cli("categories", "--channel", channel, "--format", "json")
    [found] = json.loads(out)
    [wallet] = [c for c in found["categories"] if c["code"] == "fashion/dompet"]
    return wallet["attributes"]


@pytest.mark.slow
def test_the_mapped_categories_are_usable_and_a_withdrawn_one_fails_by_name(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url)
    code, out = shops.cli("categories", "--format", "json")
    assert code == 0, out
    found = {c["channel"]: c for c in json.loads(out)}
    assert set(found) == set(CHANNELS) and all(c["ok"] and c["categories"] for c in found.values())
    for channel in found.values():
        assert all(c["leaf"] and c["path"] for c in channel["categories"])
    wallet_id = next(c["category_id"] for c in found["lazada"]["categories"] if c["code"] == "fashion/dompet")
    answer = requests.post(f"{sandbox.url}/_sandbox/categories/hide", json={"dialect": "lazada",
                                                                            "category_id": wallet_id}, timeout=10)
    assert answer.status_code == 200, answer.text
    code, out = shops.cli("categories", "--channel", "lazada")
    assert code == 1
    assert f"category {wallet_id} is not in lazada's category tree" in out
    code, out = shops.cli("check", "--channel", "lazada")
    assert code == 1 and "categories check FAILED on lazada" in out


@pytest.mark.slow
def test_an_attribute_nothing_fills_keeps_the_product_off_that_channel_only(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url)
    channel = next(c for c in CHANNELS if mandatory(shops, c))  # a channel asking for an attribute for wallets
    use_map(shops.config, channel, bare_map(tmp_path, channel))
    assert any(a["filled_by"] is None for a in mandatory(shops, channel))
    code, out = shops.cli("categories", "--channel", channel)
    assert code == 1 and "NOT FILLED" in out
    code, out = shops.cli("sync", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    [why] = [u for u in doc["invalid"] if u["key"] == "lapas-uji:DMP-00"]
    assert why["channel"] == channel and "needs the attribute" in why["message"]
    assert "defaults:" in why["message"] and "bare-" in why["message"]  # where to add the value
    for other in CHANNELS:
        assert (SKU in listed(sandbox.url, other)) == (other != channel)
    use_map(shops.config, channel, None)  # the shipped map fills it: the next sync lists it there too
    assert shops.sync() == 0
    assert SKU in listed(sandbox.url, channel)


@pytest.mark.slow
def test_stock_sent_while_a_tiktok_product_is_in_audit_arrives_once_it_is_active(tmp_path):
    import time

    from connector.sandbox import SandboxServer

    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", audit_seconds=2.0) as server:
        shops = Shops(tmp_path, server.url, stock=3)
        assert shops.sync() == 0  # created: in audit on TikTok Shop
        shops.set_stock(7)
        code, out = shops.cli("sync", "--format", "json")
        doc = json.loads(out)
        assert code == 0, out  # waiting for the audit is no problem
        waiting = {(c["channel"], c["op"], c["outcome"]) for c in doc["counts"]}
        assert ("tiktokshop", "update_stock", "pending") in waiting
        assert shops.stock() == {"shopee": 7, "lazada": 7, "tiktokshop": 3}
        time.sleep(2.2)  # the audit passes
        assert shops.sync() == 0
        assert shops.stock() == {"shopee": 7, "lazada": 7, "tiktokshop": 7}
