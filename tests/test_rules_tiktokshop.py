"""TikTok Shop's category rules, audit and listing platforms: the sandbox over raw HTTP, the adapter against it."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests
import yaml

from connector.adapters.base import AttributeValue, Change, Pending
from connector.adapters.tiktokshop import TikTokShopAdapter
from connector.sandbox import SandboxServer
from tests.helpers import sandbox_items, wallet_listing
from tests.test_sandbox_tiktokshop import TikTok, product_body

MAP = "mappings/channels/tiktokshop.yaml"
CREDENTIALS = {"app_key": "sandbox-tts-app", "app_secret": "sandbox-tts-secret", "access_token": "sandbox-tts-token",
               "shop_cipher": "sandbox-cipher", "refresh_token": "sandbox-tts-refresh"}
BAHAN = AttributeValue("100107", "Bahan", "Kulit", "1000101")
inspect = functools.partial(sandbox_items, dialect="tiktokshop")
listing = functools.partial(wallet_listing, name="Dompet Kulit Sapi Asli Lapas Mojokerto", category_id=601430,
                            attributes=(BAHAN,))


@pytest.fixture
def tiktok(sandbox: SandboxServer) -> TikTok:
    return TikTok(sandbox.url)


def code(tiktok: TikTok, method: str, path: str, body: dict[str, Any] | None = None, **kwargs: Any) -> int:
    return tiktok.call(method, path, body, **kwargs).json()["code"]


def mapped_ids() -> set[str]:
    with open(MAP) as f:
        return {str(value) for value in yaml.safe_load(f)["categories"].values()}


# --- the tree and the attributes (sandbox) ----------------------------------------------------------


def test_every_mapped_category_is_a_leaf_of_the_tree_with_its_parents(tiktok: TikTok) -> None:
    nodes = {node["id"]: node for node in tiktok.ok("GET", "/product/202309/categories")["categories"]}
    for category_id in mapped_ids():
        assert nodes[category_id]["is_leaf"] is True, category_id
        parent = nodes[category_id]["parent_id"]
        while parent != "0":
            assert nodes[parent]["is_leaf"] is False
            parent = nodes[parent]["parent_id"]


def test_get_attributes_declares_the_mandatory_material_of_leather_leaves_as_documented(tiktok: TikTok) -> None:
    attributes = tiktok.ok("GET", "/product/202309/categories/601430/attributes")["attributes"]
    [bahan] = [a for a in attributes if a["id"] == "100107"]
    assert bahan["type"] == "PRODUCT_PROPERTY" and bahan["is_requried"] is True and bahan["is_customizable"] is True
    assert {"id": "1000101", "name": "Kulit"} in bahan["values"]
    food = tiktok.ok("GET", "/product/202309/categories/920328/attributes")["attributes"]
    assert not any(a["is_requried"] for a in food)


def test_get_attributes_refuses_unknown_and_parent_categories(tiktok: TikTok) -> None:
    assert code(tiktok, "GET", "/product/202309/categories/999999/attributes") == 12052023
    assert code(tiktok, "GET", "/product/202309/categories/824586/attributes") == 12052024


def test_create_refuses_a_missing_required_attribute_a_parent_and_an_unknown_category(tiktok: TikTok) -> None:
    uri = tiktok.upload()
    path = "/product/202309/products"
    assert code(tiktok, "POST", path, product_body(uri, product_attributes=[])) == 12052104
    assert code(tiktok, "POST", path, product_body(uri, category_id="824586")) == 12052024
    assert code(tiktok, "POST", path, product_body(uri, category_id="999999")) == 12052023
    foreign = [{"id": "100198", "values": [{"name": "Malaysia"}]}, {"id": "100107", "values": [{"id": "1000101"}]}]
    assert code(tiktok, "POST", path, product_body(uri, product_attributes=foreign)) == 12052247  # not customizable
    assert inspect(tiktok.url) == []


def test_a_hidden_category_leaves_the_tree_and_refuses_creates(tiktok: TikTok) -> None:
    hide = requests.post(tiktok.url + "/_sandbox/categories/hide",
                         json={"dialect": "tiktokshop", "category_id": "601430"}, timeout=5)
    assert hide.status_code == 200
    ids = {node["id"] for node in tiktok.ok("GET", "/product/202309/categories")["categories"]}
    assert "601430" not in ids and "601369" in ids
    assert code(tiktok, "POST", "/product/202309/products", product_body(tiktok.upload())) == 12052023


# --- the adapter ---------------------------------------------------------------------------------------


@pytest.fixture
def adapter(adapters, sandbox: SandboxServer) -> TikTokShopAdapter:
    return adapters(TikTokShopAdapter, "tiktok", CREDENTIALS, sandbox)


def test_the_adapter_reads_the_tree_and_a_leafs_product_attributes(adapter: TikTokShopAdapter) -> None:
    tree = {node.id: node for node in adapter.categories()}
    assert tree["601430"].leaf and tree["601430"].parent_id == "824586" and not tree["824584"].leaf
    assert tree["824584"].parent_id is None
    [bahan, origin] = adapter.attributes("601430")
    assert (bahan.id, bahan.name, bahan.mandatory, bahan.custom, bahan.multiple) == ("100107", "Bahan", True, True,
                                                                                     True)
    assert (origin.mandatory, origin.custom, [o.name for o in origin.options]) == (False, False, ["Indonesia"])


def test_product_attributes_are_sent_by_option_id_or_custom_name(adapter: TikTokShopAdapter,
                                                                 sandbox: SandboxServer) -> None:
    custom = listing("LPMJK-DOMPET-02", attributes=(AttributeValue("100107", "Bahan", "Kulit Domba"),))
    remote = adapter.create(custom, "intent-custom")
    assert [item["item_id"] for item in inspect(sandbox.url)] == [int(remote.external_id)]
    with pytest.raises(Exception, match="12052104"):
        adapter.create(replace(custom, seller_sku="LPMJK-DOMPET-03", attributes=()), "intent-bare")


# --- audit -------------------------------------------------------------------------------------------


@pytest.fixture
def audited(state) -> Iterator[SandboxServer]:
    with SandboxServer(port=0, state_path=state, audit_seconds=1.5) as server:
        yield server


def test_stock_and_price_sent_during_audit_are_pending_and_taken_once_active(adapters, audited) -> None:
    adapter = adapters(TikTokShopAdapter, "tiktok", CREDENTIALS, audited)
    remote = adapter.create(listing("LPMJK-DOMPET-01"), "intent-audit")
    [stock] = adapter.update_stock([Change("k", remote, {"LPMJK-DOMPET-01": 3})])
    [price] = adapter.update_prices([Change("k", remote, {"LPMJK-DOMPET-01": 90000})])
    assert isinstance(stock.error, Pending) and isinstance(price.error, Pending)
    [item] = inspect(audited.url)
    assert (item["stock"], item["price"]) == (12, 85000)
    deadline = time.monotonic() + 5
    while isinstance((stock := adapter.update_stock([Change("k", remote, {"LPMJK-DOMPET-01": 3})])[0]).error,
                     Pending):
        assert time.monotonic() < deadline, "the product never left audit"
        time.sleep(0.2)
    assert stock.error is None and inspect(audited.url)[0]["stock"] == 3


# --- listing platforms -------------------------------------------------------------------------------


def test_a_delist_naming_both_platforms_leaves_the_product_inactive_on_both(adapters, sandbox: SandboxServer) -> None:
    both = adapters(TikTokShopAdapter, "tiktok", CREDENTIALS, sandbox,
                    options={"listing_platforms": ["TIKTOK_SHOP", "TOKOPEDIA"]})
    remote = both.create(listing("LPMJK-DOMPET-01"), "intent-both")
    assert inspect(sandbox.url)[0]["platforms"] == {"TIKTOK_SHOP": "active", "TOKOPEDIA": "active"}
    [outcome] = both.set_active([("k", remote)], False)
    assert outcome.error is None
    [item] = inspect(sandbox.url)
    assert (item["status"], item["platforms"]) == ("inactive", {"TIKTOK_SHOP": "inactive", "TOKOPEDIA": "inactive"})
    [outcome] = both.set_active([("k", remote)], True)
    assert inspect(sandbox.url)[0]["platforms"] == {"TIKTOK_SHOP": "active", "TOKOPEDIA": "active"}


def test_a_deactivate_without_listing_platforms_leaves_tokopedia_live(tiktok: TikTok) -> None:
    made = tiktok.create(listing_platforms=["TIKTOK_SHOP", "TOKOPEDIA"])
    tiktok.ok("POST", "/product/202309/products/deactivate", {"product_ids": [made["product_id"]]})
    [item] = inspect(tiktok.url)
    assert (item["status"], item["platforms"]) == ("active", {"TIKTOK_SHOP": "inactive", "TOKOPEDIA": "active"})
    answer = tiktok.ok("POST", "/product/202309/products/activate",
                       {"product_ids": [made["product_id"]], "listing_platforms": ["TOKOPEDIA"]})
    assert answer == {}
    only_tiktok = tiktok.create(skus=[{**product_body("x")["skus"][0], "seller_sku": "LPMJK-DOMPET-09"}])
    refused = tiktok.ok("POST", "/product/202309/products/activate",
                        {"product_ids": [only_tiktok["product_id"]], "listing_platforms": ["TOKOPEDIA"]})
    assert refused["errors"][0]["code"] == 12052330


# --- orders: the unit price (issue 13) ---------------------------------------------------------------


def test_order_lines_carry_the_sale_price_per_unit(adapter: TikTokShopAdapter, sandbox: SandboxServer) -> None:
    adapter.create(listing("LPMJK-DOMPET-01", price=85000), "intent-order")
    placed = requests.post(f"{sandbox.url}/_sandbox/orders",
                           json={"dialect": "tiktokshop", "seller_sku": "LPMJK-DOMPET-01", "quantity": 2}, timeout=5)
    assert placed.status_code == 200, placed.text
    lines, _ = adapter.orders(None)
    assert [(line.seller_sku, line.quantity, line.unit_price) for line in lines] == [("LPMJK-DOMPET-01", 2, 85000)]
