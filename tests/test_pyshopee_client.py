"""Shopee's public Python client, `pyshopee2` (PyPI package pyshopee), against the sandbox over loopback.

A client written by others is the best evidence that the dialect answers what Shopee answers. How pyshopee2
talks: it signs every call as a shop call (only paths with /public/ or /push/ get the short signature), builds the
query string by hand with lower-cased names and unencoded values (a list goes out as its Python repr, "[1, 2]"),
and sends POST bodies as JSON. Its host is an instance attribute, `Client.host` (set from the class's BASE_URL),
so the tests point it at the sandbox without touching the library. It imports selenium at import time for a
browser login helper these tests never call: a stub module stands in. It cannot upload an image (it sends JSON,
Shopee wants multipart), so images go up by a plain signed request.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from connector.sandbox import SandboxServer
from connector.sandbox.shopee import shopee_sign

PARTNER_ID = 100001
PARTNER_KEY = "sandbox-shopee-key"
SHOP_ID = 200001
TOKEN = "sandbox-shopee-token"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@pytest.fixture
def pyshopee2(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    selenium, webdriver = ModuleType("selenium"), ModuleType("selenium.webdriver")
    selenium.webdriver = webdriver  # type: ignore[attr-defined]  # `from selenium import webdriver`
    monkeypatch.setitem(sys.modules, "selenium", selenium)
    monkeypatch.setitem(sys.modules, "selenium.webdriver", webdriver)
    return importlib.import_module("pyshopee2")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.db") as server:
        yield server


@pytest.fixture
def client(pyshopee2: ModuleType, sandbox: SandboxServer) -> Any:
    client = pyshopee2.Client(SHOP_ID, PARTNER_ID, PARTNER_KEY, "http://127.0.0.1/callback", access_token=TOKEN)
    client.host = sandbox.url
    return client


def ok(answer: dict[str, Any]) -> dict[str, Any]:
    """The `response` of a successful Shopee answer, after checking the envelope."""
    assert answer["error"] == "" and answer["message"] == "" and answer["request_id"], answer
    return answer["response"]


def upload(sandbox: SandboxServer) -> str:
    path, timestamp = "/api/v2/media_space/upload_image", int(time.time())
    signature = shopee_sign(PARTNER_KEY, PARTNER_ID, path, timestamp)  # a public call
    query = {"partner_id": PARTNER_ID, "timestamp": timestamp, "sign": signature}
    answer = requests.post(sandbox.url + path, params=query, files={"image": ("foto.png", PNG)}, timeout=5).json()
    return answer["response"]["image_info"]["image_id"]


def add_item(client: Any, sandbox: SandboxServer, sku: str) -> int:
    answer = client.product.add_item(
        item_name="Dompet Kulit Lapas Mojokerto",
        description="Dompet kulit sapi asli buatan warga binaan.",
        item_sku=sku,
        original_price=85000,
        seller_stock=[{"stock": 12}],
        weight=0.25,
        category_id=100613,
        image={"image_id_list": [upload(sandbox)]},
        brand={"brand_id": 0, "original_brand_name": "No Brand"},
        logistic_info=[{"logistic_id": 8003, "enabled": True}],
        attribute_list=[{"attribute_id": 100037, "attribute_value_list": [{"value_id": 2001}]},
                        {"attribute_id": 100134, "attribute_value_list": [{"value_id": 1001}]}],
    )
    return int(ok(answer)["item_id"])


def test_get_item_list_pages_the_shop(client: Any, sandbox: SandboxServer) -> None:
    assert ok(client.product.get_item_list(offset=0, page_size=10, item_status="NORMAL")) == {
        "item": [], "total_count": 0, "has_next_page": False, "next_offset": 0
    }
    first, second = add_item(client, sandbox, "A-1"), add_item(client, sandbox, "A-2")
    page = ok(client.product.get_item_list(offset=0, page_size=1, item_status="NORMAL"))
    assert [entry["item_id"] for entry in page["item"]] == [first]
    assert (page["total_count"], page["has_next_page"], page["next_offset"]) == (2, True, 1)
    rest = ok(client.product.get_item_list(offset=1, page_size=1, item_status="NORMAL"))
    assert [(entry["item_id"], entry["item_status"]) for entry in rest["item"]] == [(second, "NORMAL")]


def test_added_items_read_back_through_base_info_and_search(client: Any, sandbox: SandboxServer) -> None:
    first, second = add_item(client, sandbox, "LPMJK-DOMPET-01"), add_item(client, sandbox, "LPMJK-DOMPET-02")
    # pyshopee2 sends the list as "[800000001, 800000002]"
    items = ok(client.product.get_item_base_info(item_id_list=[first, second]))["item_list"]
    assert [(i["item_id"], i["item_sku"], i["has_model"]) for i in items] == [
        (first, "LPMJK-DOMPET-01", False), (second, "LPMJK-DOMPET-02", False)
    ]
    assert items[0]["price_info"][0]["original_price"] == 85000
    assert items[0]["stock_info_v2"]["summary_info"]["total_available_stock"] == 12
    found = ok(client.product.search_item(item_sku="LPMJK-DOMPET-02", page_size=100))
    assert found == {"item_id_list": [second], "total_count": 1, "next_offset": ""}


def test_stock_price_and_status_updates(client: Any, sandbox: SandboxServer) -> None:
    item_id = add_item(client, sandbox, "LPMJK-DOMPET-01")
    stock = client.product.update_stock(item_id=item_id, stock_list=[{"model_id": 0, "seller_stock": [{"stock": 4}]}])
    assert ok(stock) == {"failure_list": [], "success_list": [{"model_id": 0, "stock": 4}]}
    price = client.product.update_price(item_id=item_id, price_list=[{"model_id": 0, "original_price": 90000}])
    assert ok(price) == {"failure_list": [], "success_list": [{"model_id": 0, "original_price": 90000}]}
    unlisted = client.product.unlist_item(item_list=[{"item_id": item_id, "unlist": True}])
    assert ok(unlisted)["success_list"] == [{"item_id": item_id, "unlist": True}]
    [info] = ok(client.product.get_item_base_info(item_id_list=[item_id]))["item_list"]
    assert (info["item_status"], info["price_info"][0]["original_price"]) == ("UNLIST", 90000)


def test_variant_edits_the_adapter_makes(client: Any, sandbox: SandboxServer) -> None:
    item_id = add_item(client, sandbox, "SPT")
    sizes = [{"name": "Ukuran", "option_list": [{"option": "40"}, {"option": "41"}]}]
    models = [
        {"tier_index": [n], "model_sku": f"SPT-{40 + n}", "original_price": 275000, "seller_stock": [{"stock": 3}]}
        for n in (0, 1)
    ]
    created = ok(client.product.init_tier_variation(item_id=item_id, tier_variation=sizes, model=models))["model"]
    size_40, size_41 = (model["model_id"] for model in created)
    wider = [{"name": "Ukuran", "option_list": [{"option": "40"}, {"option": "42"}]}]
    moved = [{"model_id": size_40, "tier_index": [0]}]
    assert ok(client.product.delete_model(item_id=item_id, model_id=size_41)) == {}
    assert ok(client.product.update_tier_variation(item_id=item_id, tier_variation=wider, model_list=moved)) == {}
    new = {"tier_index": [1], "model_sku": "SPT-42", "original_price": 285000, "seller_stock": [{"stock": 2}]}
    [added] = ok(client.product.add_model(item_id=item_id, model_list=[new]))["model"]
    listed = ok(client.product.get_model_list(item_id=item_id))
    assert listed["tier_variation"] == wider
    assert [(m["model_id"], m["model_sku"], m["tier_index"]) for m in listed["model"]] == [
        (size_40, "SPT-40", [0]), (added["model_id"], "SPT-42", [1])
    ]
    assert listed["model"][1]["price_info"][0]["original_price"] == 285000


def test_its_json_image_upload_is_refused_as_shopee_refuses_it(client: Any) -> None:
    answer = client.mediaspace.upload_image(image="foto.png")
    assert answer["error"] == "error_param" and "multipart/form-data" in answer["message"]


def test_a_wrong_partner_key_is_refused_before_any_api_runs(pyshopee2: ModuleType, sandbox: SandboxServer) -> None:
    client = pyshopee2.Client(SHOP_ID, PARTNER_ID, "not-the-key", "http://127.0.0.1/callback", access_token=TOKEN)
    client.host = sandbox.url
    # The gateway answers 403 (error_sign); pyshopee2 reports any non-2xx answer as just its status.
    assert client.product.get_item_list(offset=0, page_size=10, item_status="NORMAL")["error"] == 403
