"""The category rules of the sandbox's Shopee dialect over real HTTP on loopback: the Indonesian tree
(product/get_category), each leaf's attributes (product/get_attribute_tree), brands (product/get_brand_list),
the shop's logistics channels (logistics/get_channel_list), and add_item / update_item refused as
congminh1254/shopee-sdk schemas/v2.product.add_item.json names the refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from connector.sandbox import SandboxServer
from tests.test_sandbox_shopee import Shopee, item_body

MAP = Path(__file__).resolve().parent.parent / "mappings" / "channels" / "shopee.yaml"
ORIGIN, MATERIAL, EXPIRY = 100_037, 100_134, 100_999
WALLET_ATTRIBUTES = [{"attribute_id": ORIGIN, "attribute_value_list": [{"value_id": 2001}]},
                     {"attribute_id": MATERIAL, "attribute_value_list": [{"value_id": 1001}]}]


@pytest.fixture
def shopee(tmp_path: Path) -> Any:
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite") as server:
        client = Shopee(server.url)
        client.server = server  # type: ignore[attr-defined]
        yield client


def refusal(shopee: Shopee, api: str, body: dict[str, Any]) -> tuple[str, str]:
    answer = shopee.call("POST", f"product/{api}", body).json()
    return answer["error"], answer["message"]


def tree(shopee: Shopee, language: str = "id") -> dict[int, dict[str, Any]]:
    answer = shopee.ok("GET", "product/get_category", params={"language": language})
    return {node["category_id"]: node for node in answer["response"]["category_list"]}


def test_every_mapped_category_is_a_leaf_with_its_parents_up_to_the_root(shopee: Shopee) -> None:
    nodes = tree(shopee)
    mapped = {int(value) for value in yaml.safe_load(MAP.read_text())["categories"].values()}
    for category_id in mapped:
        assert nodes[category_id]["has_children"] is False
        parent = nodes[category_id]["parent_category_id"]
        while parent:
            assert nodes[parent]["has_children"] is True
            parent = nodes[parent]["parent_category_id"]
    assert nodes[100_613]["display_category_name"] == "Dompet Pria"
    assert tree(shopee, "en")[100_613]["display_category_name"] == "Men's Wallets"
    assert shopee.call("GET", "product/get_category", params={"language": "fr"}).json()["error"] == (
        "error_invalid_language")


def test_attribute_tree_gives_mandatory_flags_options_and_the_date_format(shopee: Shopee) -> None:
    answer = shopee.ok("GET", "product/get_attribute_tree", params={"category_id_list": "100613,100824"})
    trees = {entry["category_id"]: {a["attribute_id"]: a for a in entry["attribute_tree"]}
             for entry in answer["response"]["list"]}
    wallet, coffee = trees[100_613], trees[100_824]
    assert wallet[MATERIAL]["mandatory"] is True and coffee[ORIGIN]["mandatory"] is True
    assert MATERIAL not in coffee and coffee[EXPIRY]["mandatory"] is False
    assert coffee[EXPIRY]["attribute_info"]["input_validation_type"] == 4
    assert coffee[EXPIRY]["attribute_info"]["date_format_type"] == 0
    assert {"value_id": 2001, "name": "Indonesia"}.items() <= wallet[ORIGIN]["attribute_value_list"][0].items()
    assert wallet[ORIGIN]["attribute_info"]["input_type"] == 1  # SINGLE_DROP_DOWN: listed values only
    for category_id in ("100602", "999"):  # a parent, an unknown id
        error = shopee.call("GET", "product/get_attribute_tree", params={"category_id_list": category_id}).json()
        assert error["error"] == "error_invalid_category", error


def test_brand_list_pages_and_names_no_mandatory_brand(shopee: Shopee) -> None:
    params = {"offset": 0, "page_size": 1, "category_id": 100_613, "status": 1}
    first = shopee.ok("GET", "product/get_brand_list", params=params)["response"]
    assert first["has_next_page"] is True and first["next_offset"] == 1 and first["is_mandatory"] is False
    assert first["brand_list"][0]["brand_id"] == 3_000_001
    assert shopee.call("GET", "product/get_brand_list", params={**params, "status": 0}).json()["error"] == (
        "error_param")


def test_add_item_takes_every_mandatory_attribute_and_refuses_a_missing_one(shopee: Shopee) -> None:
    image = shopee.upload()
    assert shopee.ok("POST", "product/add_item", item_body(image, attribute_list=WALLET_ATTRIBUTES))
    without_material = WALLET_ATTRIBUTES[:1]
    assert refusal(shopee, "add_item", item_body(image, attribute_list=without_material)) == (
        "error_less_required_attribute", "Mandatory attribute information required")
    craft = item_body(image, category_id=101_165, attribute_list=without_material)  # material optional there
    assert shopee.ok("POST", "product/add_item", craft)


@pytest.mark.parametrize(("attributes", "error"), [
    ([{"attribute_id": EXPIRY, "attribute_value_list": [{"value_id": 0, "original_value_name": "1798675200"}]}],
     "error_invalid_category_attribute"),  # a food attribute on a wallet
    ([{"attribute_id": MATERIAL, "attribute_value_list": [{"value_id": 0}]}], "error_value_name_required"),
    ([{"attribute_id": ORIGIN, "attribute_value_list": [{"value_id": 0, "original_value_name": "Jawa"}]}],
     "error_param"),  # a drop-down takes its listed values only
    ([{"attribute_id": ORIGIN, "attribute_value_list": [{"value_id": 77}]}], "error_param"),
])
def test_add_item_refuses_attribute_values_the_tree_does_not_allow(
        shopee: Shopee, attributes: list[dict[str, Any]], error: str) -> None:
    body = item_body(shopee.upload(), attribute_list=WALLET_ATTRIBUTES + attributes)
    assert refusal(shopee, "add_item", body)[0] == error


def test_a_date_attribute_is_a_timestamp_string(shopee: Shopee) -> None:
    image = shopee.upload()
    origin = WALLET_ATTRIBUTES[:1]

    def coffee(value: str) -> dict[str, Any]:
        expiry = {"attribute_id": EXPIRY, "attribute_value_list": [{"value_id": 0, "original_value_name": value}]}
        return item_body(image, category_id=100_824, attribute_list=[*origin, expiry])

    assert shopee.ok("POST", "product/add_item", coffee("1798675200"))
    assert refusal(shopee, "add_item", coffee("31/12/2026"))[0] == "error_param"


@pytest.mark.parametrize(("override", "error"), [
    ({"category_id": 100_603}, "error_invalid_category"),  # Tas & Dompet: a parent
    ({"category_id": 123_456}, "error_invalid_category"),
    ({"brand": {"brand_id": 42, "original_brand_name": "Merek Lain"}}, "error_invalid_brand"),
    ({"logistic_info": [{"logistic_id": 8001, "enabled": True}]}, "error_invalid_logistic_info"),  # disabled
    ({"logistic_info": [{"logistic_id": 9999, "enabled": True}]}, "error_invalid_logistic_info"),  # unknown
])
def test_add_item_refuses_categories_brands_and_channels_the_shop_does_not_have(
        shopee: Shopee, override: dict[str, Any], error: str) -> None:
    body = item_body(shopee.upload(), attribute_list=WALLET_ATTRIBUTES, **override)
    assert refusal(shopee, "add_item", body)[0] == error


def test_a_listed_brand_and_an_enabled_channel_are_taken(shopee: Shopee) -> None:
    body = item_body(shopee.upload(), attribute_list=WALLET_ATTRIBUTES,
                     brand={"brand_id": 3_000_001, "original_brand_name": "Karya Nusantara"},
                     logistic_info=[{"logistic_id": 8005, "enabled": True}, {"logistic_id": 8001, "enabled": False}])
    assert shopee.ok("POST", "product/add_item", body)


def test_update_item_checks_a_new_category_and_the_attributes_it_sends(shopee: Shopee) -> None:
    item_id = shopee.add_item(attribute_list=WALLET_ATTRIBUTES)
    assert refusal(shopee, "update_item", {"item_id": item_id, "category_id": 100_602})[0] == "error_invalid_category"
    assert refusal(shopee, "update_item", {"item_id": item_id, "attribute_list": WALLET_ATTRIBUTES[1:]})[0] == (
        "error_less_required_attribute")
    assert shopee.ok("POST", "product/update_item", {"item_id": item_id, "category_id": 100_095})


def test_logistics_channel_list_says_which_channels_the_shop_enabled(shopee: Shopee) -> None:
    channels = shopee.ok("GET", "logistics/get_channel_list")["response"]["logistics_channel_list"]
    assert {c["logistics_channel_id"]: c["enabled"] for c in channels} == {8003: True, 8005: True, 8001: False}


def test_a_hidden_category_leaves_the_tree_and_is_refused_as_unknown(shopee: Shopee) -> None:
    dialect = shopee.server._httpd.gateway._dialects["shopee"]  # type: ignore[attr-defined]
    assert dialect.hide_category("100603") is True and dialect.hide_category("4") is False
    nodes = tree(shopee)
    assert 100_603 not in nodes and 100_613 not in nodes and 100_095 not in nodes and 100_067 in nodes
    body = item_body(shopee.upload(), attribute_list=WALLET_ATTRIBUTES)
    assert refusal(shopee, "add_item", body) == ("error_invalid_category", "Invalid category ID 100613")
