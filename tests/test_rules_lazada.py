"""The Lazada sandbox's category rules over real HTTP on loopback, and the Lazada adapter reading and writing
against them: the tree (GetCategoryTree), each leaf's attributes (GetCategoryAttributes), creates refused for an
unknown (201) or non-leaf (4134) category, a missing mandatory attribute (4110) or no image (4139), a withdrawn
category, and the unit price GetOrderItems reports."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from connector.adapters.base import AttributeValue, Invalid
from connector.adapters.contract import MemoryStore
from connector.adapters.lazada import LazadaAdapter, sign
from connector.sandbox import SandboxServer, default_credentials
from tests.helpers import wallet_listing

MAP = Path(__file__).parent.parent / "mappings" / "channels" / "lazada.yaml"
WALLETS = 10100763  # mappings/channels/lazada.yaml, fashion/dompet: a textile leaf (material mandatory)
HONEY = 24494  # culinary/madu: no material asked
PARENT = 62541732  # the sandbox's Fashion parent


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    server = SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", timeout_seconds=1)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def adapter(sandbox: SandboxServer, tmp_path: Path) -> Iterator[LazadaAdapter]:
    made = LazadaAdapter("lazada", sandbox.url, dict(default_credentials("lazada")), tokens=MemoryStore(),
                         media=MemoryStore(), options={"rate_limit": 200})
    yield made
    made.close()


def call(url: str, api: str, **params: str) -> dict[str, Any]:
    """A signed GET to the sandbox's Lazada dialect with the default credentials."""
    credentials = default_credentials("lazada")
    signed = {"app_key": credentials["app_key"], "sign_method": "sha256", "timestamp": str(int(time.time() * 1000)),
              "access_token": credentials["access_token"], **params}
    signed["sign"] = sign(credentials["app_secret"], api, signed)
    return requests.get(f"{url}/rest{api}", params=signed, timeout=10).json()


def material(value: str = "Leather") -> tuple[AttributeValue, ...]:
    return (AttributeValue("material", "material", value),)


def test_every_mapped_category_is_a_leaf_of_the_tree_with_its_parent(adapter: LazadaAdapter) -> None:
    tree = {c.id: c for c in adapter.categories()}
    mapped = {str(v) for v in yaml.safe_load(MAP.read_text())["categories"].values()}
    assert mapped <= {c.id for c in tree.values() if c.leaf}
    assert all(tree[c].parent_id in tree and not tree[tree[c].parent_id].leaf for c in mapped)


def test_a_textile_leaf_asks_a_material_and_a_food_leaf_does_not(adapter: LazadaAdapter) -> None:
    wallets = {a.name: a for a in adapter.attributes(str(WALLETS))}
    assert wallets["material"].mandatory and wallets["material"].custom  # enumInput: options or a custom value
    assert "Leather" in {o.name for o in wallets["material"].options}
    assert "material" not in {a.name for a in adapter.attributes(str(HONEY))}
    # name/description/brand (the adapter's own), package_weight (SKU level), color_family (sale prop) left out
    assert not {"name", "brand", "package_weight", "color_family"} & set(wallets)


def test_every_mandatory_attribute_of_every_mapped_leaf_has_a_source_or_a_default(adapter: LazadaAdapter) -> None:
    channel_map = yaml.safe_load(MAP.read_text())
    sources, defaults = channel_map.get("attributes") or {}, channel_map.get("defaults") or {}
    for code, category_id in channel_map["categories"].items():
        for attribute in adapter.attributes(str(category_id)):
            if not attribute.mandatory or attribute.name in sources:
                continue
            given = {**defaults.get(code.split("/")[0], {}), **defaults.get(code, {})}
            assert attribute.name in given, (code, attribute.name)
            names = {o.name.lower() for o in attribute.options}
            assert attribute.custom or given[attribute.name].lower() in names


def test_a_create_with_its_mandatory_attribute_is_listed_and_without_it_refused_4110(adapter: LazadaAdapter,
                                                                                    sandbox: SandboxServer) -> None:
    with pytest.raises(Invalid) as refused:
        adapter.create(wallet_listing(category_id=WALLETS), "intent-1")
    assert refused.value.code == "4110" and "material" in refused.value.message
    remote = adapter.create(wallet_listing(category_id=WALLETS, attributes=material()), "intent-2")
    (item,) = requests.get(f"{sandbox.url}/_sandbox/items", params={"dialect": "lazada"}, timeout=10).json()["items"]
    assert str(item["item_id"]) == remote.external_id and item["category_id"] == WALLETS


def test_a_parent_category_is_refused_4134_and_an_unknown_one_201(adapter: LazadaAdapter) -> None:
    for category_id, code in ((PARENT, "4134"), (99_999_999, "201")):
        with pytest.raises(Invalid) as refused:
            adapter.create(wallet_listing(category_id=category_id, attributes=material()), "intent")
        assert refused.value.code == code


def test_a_product_without_any_image_is_refused_4139(adapter: LazadaAdapter) -> None:
    with pytest.raises(Invalid) as refused:
        adapter.create(wallet_listing(category_id=WALLETS, attributes=material(), images=()), "intent")
    assert refused.value.code == "4139"


def test_a_withdrawn_category_leaves_the_tree_and_takes_no_product(adapter: LazadaAdapter,
                                                                  sandbox: SandboxServer) -> None:
    hidden = requests.post(f"{sandbox.url}/_sandbox/categories/hide",
                           json={"dialect": "lazada", "category_id": str(WALLETS)}, timeout=10)
    assert hidden.status_code == 200, hidden.text
    assert str(WALLETS) not in {c.id for c in adapter.categories()}
    assert call(sandbox.url, "/category/attributes/get", primary_category_id=str(WALLETS))["code"] == "4228"
    with pytest.raises(Invalid) as refused:
        adapter.create(wallet_listing(category_id=WALLETS, attributes=material()), "intent")
    assert refused.value.code == "201"


def test_an_unknown_category_has_no_attributes_4227(sandbox: SandboxServer) -> None:
    assert call(sandbox.url, "/category/attributes/get", primary_category_id="123")["code"] == "4227"


def test_an_order_line_carries_the_skus_price_as_its_unit_price(adapter: LazadaAdapter,
                                                               sandbox: SandboxServer) -> None:
    adapter.create(wallet_listing(category_id=WALLETS, attributes=material(), price=85_000), "intent")
    placed = requests.post(f"{sandbox.url}/_sandbox/orders",
                           json={"dialect": "lazada", "seller_sku": "LPMJK-DOMPET-01", "quantity": 2}, timeout=10)
    assert placed.status_code == 200, placed.text
    items = call(sandbox.url, "/order/items/get", order_id=placed.json()["order_id"])["data"]
    assert [(i["item_price"], i["currency"]) for i in items] == [("85000.00", "IDR")] * 2
    (line,) = adapter.orders(None)[0]
    assert (line.seller_sku, line.quantity, line.unit_price) == ("LPMJK-DOMPET-01", 2, 85_000)


def test_attributes_go_by_name_with_several_values_of_one_attribute_comma_separated(adapter: LazadaAdapter,
                                                                                    sandbox: SandboxServer) -> None:
    values = (*material("Leather"), *material("Canvas"), AttributeValue("warranty_type", "warranty_type",
                                                                         "No Warranty", "400"))
    remote = adapter.create(wallet_listing(category_id=WALLETS, attributes=values), "intent")
    shown = call(sandbox.url, "/product/item/get", item_id=remote.external_id)["data"]["attributes"]
    assert (shown["material"], shown["warranty_type"], shown["brand"]) == ("Leather,Canvas", "No Warranty", "No Brand")
