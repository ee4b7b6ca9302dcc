"""The sandbox's Shopee dialect, driven over real HTTP on loopback."""

from __future__ import annotations

import functools
import json
import re
import signal
import time
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import requests

from connector.sandbox import SandboxServer
from connector.sandbox.dialect import Request, Response, Settings
from connector.sandbox.faults import FaultInjector
from connector.sandbox.gateway import Gateway
from connector.sandbox.shopee import ShopeeDialect, shopee_sign
from connector.sandbox.store import Store
from tests.helpers import child_python, sandbox_items, sandbox_stats, shopee_refresh

PARTNER_ID = 100001
PARTNER_KEY = "sandbox-shopee-key"
SHOP_ID = 200001
TOKEN = "sandbox-shopee-token"
REFRESH = "sandbox-shopee-refresh"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(200)


class Shopee:
    """A minimal signed Shopee v2 client, written from the docs (not the project's adapter)."""

    def __init__(self, url: str, token: str = TOKEN, shop_id: int = SHOP_ID) -> None:
        self.url = url
        self.token = token
        self.shop_id = shop_id
        self.session = requests.Session()

    def call(
        self,
        method: str,
        api: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        *,
        public: bool = False,
        timestamp: int | None = None,
        key: str = PARTNER_KEY,
        files: Any = None,
        timeout: float = 5.0,
    ) -> requests.Response:
        path = f"/api/v2/{api}"
        ts = int(time.time()) if timestamp is None else timestamp
        query: dict[str, Any] = {"partner_id": PARTNER_ID, "timestamp": ts}
        if public:
            query["sign"] = shopee_sign(key, PARTNER_ID, path, ts)
        else:
            query.update(access_token=self.token, shop_id=self.shop_id)
            query["sign"] = shopee_sign(key, PARTNER_ID, path, ts, self.token, self.shop_id)
        query.update(params or {})
        return self.session.request(method, self.url + path, params=query, json=body, files=files, timeout=timeout)

    def ok(self, method: str, api: str, body: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        answer = self.call(method, api, body, **kwargs)
        payload = answer.json()
        assert answer.status_code == 200 and payload["error"] == "", payload
        return payload

    def upload(self, data: bytes = PNG) -> str:
        answer = self.call("POST", "media_space/upload_image", public=True, files={"image": ("p.png", data)})
        return answer.json()["response"]["image_info"]["image_id"]

    def add_item(self, **overrides: Any) -> int:
        return self.ok("POST", "product/add_item", item_body(self.upload(), **overrides))["response"]["item_id"]


def item_body(image_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "item_name": "Dompet Kulit Lapas Mojokerto",
        "description": "Dompet kulit sapi asli buatan warga binaan.",
        "item_sku": "LPMJK-DOMPET-01",
        "original_price": 85000,
        "seller_stock": [{"stock": 12}],
        "weight": 0.25,
        "category_id": 100_613,
        "image": {"image_id_list": [image_id]},
        "brand": {"brand_id": 0, "original_brand_name": "No Brand"},
        "logistic_info": [{"logistic_id": 8003, "enabled": True}],
        "attribute_list": [{"attribute_id": 100_037, "attribute_value_list": [{"value_id": 2001}]},
                           {"attribute_id": 100_134, "attribute_value_list": [{"value_id": 1001}]}],
    }
    body.update(overrides)
    return body


def tiers_body(item_id: int, models: int = 2) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "tier_variation": [{"name": "Warna", "option_list": [{"option": f"W{i}"} for i in range(models)]}],
        "model": [
            {
                "tier_index": [i],
                "model_sku": f"LPMJK-DOMPET-01-W{i}",
                "original_price": 80000 + 1000 * i,
                "seller_stock": [{"stock": 3 + i}],
            }
            for i in range(models)
        ],
    }


TWO_TIERS = [{"name": name, "option_list": [{"option": "x"}]} for name in ("Warna", "Ukuran")]


def no_tier_model() -> dict[str, Any]:
    """init_tier_variation's one model for an item going back to no tier."""
    return {"tier_index": [], "original_price": 70000, "seller_stock": [{"stock": 6}]}


def model_list(shopee: Shopee, item_id: int) -> dict[str, Any]:
    return shopee.ok("GET", "product/get_model_list", params={"item_id": item_id})["response"]


def model_ids(shopee: Shopee, item_id: int) -> list[int]:
    return [model["model_id"] for model in model_list(shopee, item_id)["model"]]


inspect = functools.partial(sandbox_items, dialect="shopee")
refresh = functools.partial(shopee_refresh, partner_id=PARTNER_ID, partner_key=PARTNER_KEY, shop_id=SHOP_ID)


@pytest.fixture
def shopee(sandbox: SandboxServer) -> Shopee:
    return Shopee(sandbox.url)


# --- signing -----------------------------------------------------------------------------------------


def test_shop_call_signature_matches_the_test_vector() -> None:
    sign = shopee_sign(PARTNER_KEY, PARTNER_ID, "/api/v2/product/update_stock", 1764403200, TOKEN, SHOP_ID)
    assert sign == "6cb04139bc2b941bf2ad4506d2680404f44d34be043ea898e3b7bb4cc1cd816a"


def test_public_call_signature_matches_the_test_vector() -> None:
    sign = shopee_sign(PARTNER_KEY, PARTNER_ID, "/api/v2/auth/access_token/get", 1764403200)
    assert sign == "7f70f4684897c4915f5dc5b20602b0fc21d27d2d9262c9ef27311de787f2ece2"


def test_wrong_sign_is_refused(shopee: Shopee) -> None:
    answer = shopee.call("GET", "product/get_item_list", params={"page_size": 10, "item_status": "NORMAL"}, key="x")
    assert answer.status_code == 403
    assert answer.json()["error"] == "error_sign" and answer.json()["message"] == "Wrong sign."


def test_expired_timestamp_is_refused(shopee: Shopee) -> None:
    answer = shopee.call("GET", "product/get_item_list", timestamp=int(time.time()) - 301)
    assert answer.status_code == 403
    assert (answer.json()["error"], answer.json()["message"]) == ("error_param", "Timestamp is expired.")


def test_timestamp_from_the_future_is_refused(shopee: Shopee) -> None:
    answer = shopee.call("GET", "product/get_item_list", timestamp=int(time.time()) + 600)
    assert answer.json()["error"] == "error_param"


def test_unknown_access_token_is_refused_with_shopees_spelling(sandbox: SandboxServer) -> None:
    answer = Shopee(sandbox.url, token="not-a-token").call("GET", "product/get_item_list")
    assert answer.status_code == 403
    assert answer.json()["error"] == "invalid_acceess_token"


def test_token_of_another_shop_is_refused(sandbox: SandboxServer) -> None:
    answer = Shopee(sandbox.url, shop_id=999).call("GET", "product/get_item_list")
    assert answer.status_code == 403 and answer.json()["error"] == "error_auth"


def test_unknown_partner_is_refused(shopee: Shopee) -> None:
    path = "/api/v2/product/get_item_list"
    ts = int(time.time())
    query = {"partner_id": 5, "timestamp": ts, "access_token": TOKEN, "shop_id": SHOP_ID}
    query["sign"] = shopee_sign(PARTNER_KEY, 5, path, ts, TOKEN, SHOP_ID)
    answer = requests.get(shopee.url + path, params=query, timeout=5)
    assert answer.status_code == 403 and answer.json()["error"] == "invalid_partner_id"


def test_missing_access_token_is_a_param_error(shopee: Shopee) -> None:
    path = "/api/v2/product/get_item_list"
    ts = int(time.time())
    query = {"partner_id": PARTNER_ID, "timestamp": ts, "sign": shopee_sign(PARTNER_KEY, PARTNER_ID, path, ts)}
    answer = requests.get(shopee.url + path, params=query, timeout=5)
    assert answer.json()["message"] == "There is no access_token in query."


def test_unknown_api_is_a_param_error_as_shopee_answers_a_wrong_path(shopee: Shopee) -> None:
    # error_not_found is what the order pages answer for a missing order; a wrong path is error_param.
    answer = shopee.call("POST", "product/no_such_api", {})
    assert answer.status_code == 404 and answer.json()["error"] == "error_param"
    assert answer.json()["message"] == (
        "Permission denied. This API is currently offline or the request path is incorrect.")


# --- tokens ------------------------------------------------------------------------------------------


def test_refresh_issues_a_new_pair_and_the_used_refresh_token_dies(shopee: Shopee) -> None:
    first = refresh(shopee.url, REFRESH).json()
    assert first["error"] == "" and first["expire_in"] == 4 * 3600
    assert first["access_token"] not in (TOKEN, "") and first["refresh_token"] not in (REFRESH, "")

    reused = refresh(shopee.url, REFRESH)
    assert reused.status_code == 403
    assert (reused.json()["error"], reused.json()["message"]) == ("error_auth", "Invalid refresh_token.")

    new_client = Shopee(shopee.url, token=first["access_token"])
    new_client.ok("GET", "product/get_item_list", params={"page_size": 10, "item_status": "NORMAL"})
    # The previous access token keeps working until its own expiry.
    shopee.ok("GET", "product/get_item_list", params={"page_size": 10, "item_status": "NORMAL"})
    second = refresh(shopee.url, first["refresh_token"]).json()
    assert second["error"] == "" and second["refresh_token"] != first["refresh_token"]


def test_refreshed_access_token_expires_after_its_ttl(state: Path) -> None:
    with SandboxServer(port=0, state_path=state, shopee_token_ttl=1) as server:
        pair = refresh(server.url, REFRESH).json()
        assert pair["expire_in"] == 1
        client = Shopee(server.url, token=pair["access_token"])
        client.ok("GET", "product/get_item_list", params={"page_size": 1, "item_status": "NORMAL"})
        time.sleep(1.1)
        answer = client.call("GET", "product/get_item_list", params={"page_size": 1, "item_status": "NORMAL"})
        assert answer.status_code == 403 and answer.json()["error"] == "invalid_acceess_token"


# --- media -------------------------------------------------------------------------------------------


def test_the_same_image_uploaded_twice_gets_two_ids(shopee: Shopee) -> None:
    assert shopee.upload(JPEG) != shopee.upload(JPEG)


@pytest.mark.parametrize("data", [b"GIF89a...", b"RIFF\x24\0\0\0WEBPVP8 " + bytes(24), b"<html>not found</html>"])
def test_upload_refuses_what_is_not_jpg_or_png(shopee: Shopee, data: bytes) -> None:
    # v2.media_space.upload_image.json: "Image format accepted: JPG, JPEG, PNG", whatever the file is called
    answer = shopee.call("POST", "media_space/upload_image", public=True, files={"image": ("a.jpg", data)})
    assert answer.status_code == 200 and answer.json()["error"] == "error_param"


def test_upload_accepts_a_shop_signed_call(shopee: Shopee) -> None:
    answer = shopee.call("POST", "media_space/upload_image", files={"image": ("p.png", PNG)})
    assert answer.json()["response"]["image_info"]["image_id"]


# --- add_item and reads ------------------------------------------------------------------------------


def test_added_item_reads_back_through_get_item_base_info(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    assert item_id >= 800_000_001
    info = shopee.ok("GET", "product/get_item_base_info", params={"item_id_list": f"{item_id},1"})
    [item] = info["response"]["item_list"]
    assert item["item_sku"] == "LPMJK-DOMPET-01"
    assert item["item_name"] == "Dompet Kulit Lapas Mojokerto"
    assert item["item_status"] == "NORMAL" and item["has_model"] is False
    assert item["price_info"][0]["original_price"] == 85000
    assert item["stock_info_v2"]["summary_info"]["total_available_stock"] == 12
    assert item["category_id"] == 100_613 and item["weight"] == "0.25"
    assert len(item["image"]["image_id_list"]) == 1


def test_two_add_items_with_one_sku_both_succeed_and_search_finds_both(shopee: Shopee) -> None:
    first, second = shopee.add_item(), shopee.add_item()
    assert first != second
    found = shopee.ok("GET", "product/search_item", params={"item_sku": "LPMJK-DOMPET-01", "page_size": 100})
    assert found["response"]["item_id_list"] == [first, second]
    assert found["response"]["total_count"] == 2


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"item_name": "x" * 256}, "error_title_exceeds_max_length"),
        ({"item_name": ""}, "error_item_name_empty"),
        ({"original_price": 50}, "error_price_exceed_min_limitt"),
        ({"original_price": 150_000_001}, "error_price_exceed_max_limitt"),
        ({"original_price": 15000.5}, "error_invalid_price"),
        ({"weight": 0}, "error_param"),
        ({"category_id": -1}, "error_invalid_category"),
        ({"image": {"image_id_list": ["never-uploaded"]}}, "error_param"),
        ({"image": {"image_id_list": []}}, "error_image_num_min"),
        ({"brand": None}, "error_less_required_brand"),
        ({"logistic_info": [{"logistic_id": 8003, "enabled": False}]}, "error_invalid_logistic_info"),
        ({"attribute_list": None}, "error_less_required_attribute"),
        ({"item_sku": "S" * 101}, "error_param"),
        ({"description": "d" * 3001}, "error_param"),
    ],
)
def test_add_item_refuses_invalid_content(shopee: Shopee, override: dict[str, Any], error: str) -> None:
    answer = shopee.call("POST", "product/add_item", item_body(shopee.upload(), **override))
    assert answer.status_code == 200 and answer.json()["error"] == error
    assert inspect(shopee.url) == []


def test_whole_rupiah_float_price_is_accepted(shopee: Shopee) -> None:
    item_id = shopee.add_item(original_price=15000.0)
    [item] = inspect(shopee.url)
    assert (item["item_id"], item["price"]) == (item_id, 15000)


def test_update_item_changes_name_and_sku(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    shopee.ok("POST", "product/update_item", {"item_id": item_id, "item_name": "Dompet Baru", "item_sku": "NEW-1"})
    [item] = inspect(shopee.url)
    assert (item["name"], item["seller_sku"]) == ("Dompet Baru", "NEW-1")


def test_get_item_list_pages_and_filters_by_status(shopee: Shopee) -> None:
    ids = [shopee.add_item(item_sku=f"S-{n}") for n in range(3)]
    page = shopee.ok("GET", "product/get_item_list", params={"page_size": 2, "item_status": "NORMAL"})["response"]
    assert [entry["item_id"] for entry in page["item"]] == ids[:2]
    assert (page["has_next_page"], page["next_offset"], page["total_count"]) == (True, 2, 3)
    rest = shopee.ok("GET", "product/get_item_list", params={"page_size": 2, "offset": 2, "item_status": "NORMAL"})[
        "response"
    ]
    assert [entry["item_id"] for entry in rest["item"]] == ids[2:] and rest["has_next_page"] is False
    shopee.ok("POST", "product/unlist_item", {"item_list": [{"item_id": ids[0], "unlist": True}]})
    unlisted = shopee.ok("GET", "product/get_item_list", params={"page_size": 10, "item_status": "UNLIST"})
    assert [entry["item_id"] for entry in unlisted["response"]["item"]] == ids[:1]


def test_page_and_batch_limits_are_enforced(shopee: Shopee) -> None:
    too_big = shopee.call("GET", "product/get_item_list", params={"page_size": 101, "item_status": "NORMAL"})
    assert too_big.json()["error"] == "error_param"
    ids = ",".join(str(800_000_001 + n) for n in range(51))
    assert shopee.call("GET", "product/get_item_base_info", params={"item_id_list": ids}).json()["error"]
    unlist = {"item_list": [{"item_id": 800_000_001 + n, "unlist": True} for n in range(51)]}
    assert shopee.call("POST", "product/unlist_item", unlist).json()["error"] == "error_param"


# --- variants ----------------------------------------------------------------------------------------


def test_init_tier_variation_creates_models_read_back_by_get_model_list(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    created = shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id))["response"]
    assert [model["model_sku"] for model in created["model"]] == ["LPMJK-DOMPET-01-W0", "LPMJK-DOMPET-01-W1"]
    listed = shopee.ok("GET", "product/get_model_list", params={"item_id": item_id})["response"]
    assert listed["tier_variation"][0]["name"] == "Warna"
    first = listed["model"][0]
    assert first["model_id"] == created["model"][0]["model_id"] and first["tier_index"] == [0]
    assert first["price_info"][0]["original_price"] == 80000
    assert first["stock_info_v2"]["summary_info"]["total_available_stock"] == 3
    info = shopee.ok("GET", "product/get_item_base_info", params={"item_id_list": str(item_id)})
    assert info["response"]["item_list"][0]["has_model"] is True


def test_init_tier_variation_refuses_51_models(shopee: Shopee) -> None:
    body = tiers_body(shopee.add_item(), models=51)
    assert shopee.call("POST", "product/init_tier_variation", body).json()["error"] == "error_model_count_over_limit"


def test_model_sku_must_be_unique_within_an_item(shopee: Shopee) -> None:
    body = tiers_body(shopee.add_item())
    body["model"][1]["model_sku"] = body["model"][0]["model_sku"]
    assert shopee.call("POST", "product/init_tier_variation", body).json()["error"] == "error_param"


def test_init_tier_variation_refuses_an_unchanged_level(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id))
    answer = shopee.call("POST", "product/init_tier_variation", tiers_body(item_id, models=3)).json()
    assert (answer["error"], answer["message"]) == ("error_param", "The level of tier-variation not change.")
    plain = shopee.add_item()
    no_tier = {"item_id": plain, "tier_variation": [], "model": [no_tier_model()]}
    assert shopee.call("POST", "product/init_tier_variation", no_tier).json()["error"] == "error_param"


def test_init_tier_variation_to_two_tiers_replaces_every_model(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    old = shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id))["response"]["model"]
    two_tiers = {
        "item_id": item_id,
        "tier_variation": [
            {"name": "Warna", "option_list": [{"option": "Hitam"}]},
            {"name": "Ukuran", "option_list": [{"option": "M"}, {"option": "L"}]},
        ],
        "model": [
            {"tier_index": [0, s], "model_sku": f"D-H{s}", "original_price": 90000, "seller_stock": [{"stock": 2}]}
            for s in (0, 1)
        ],
    }
    new = shopee.ok("POST", "product/init_tier_variation", two_tiers)["response"]["model"]
    listed = model_list(shopee, item_id)
    assert [tier["name"] for tier in listed["tier_variation"]] == ["Warna", "Ukuran"]
    assert [(m["model_sku"], m["tier_index"]) for m in listed["model"]] == [("D-H0", [0, 0]), ("D-H1", [0, 1])]
    assert {m["model_id"] for m in new}.isdisjoint(m["model_id"] for m in old)
    assert (inspect(shopee.url)[0]["price"], inspect(shopee.url)[0]["stock"]) == (90000, 4)


def test_init_tier_variation_back_to_no_tier_makes_a_plain_item(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id))
    answer = shopee.ok(
        "POST", "product/init_tier_variation", {"item_id": item_id, "tier_variation": [], "model": [no_tier_model()]}
    )
    assert answer["response"] == {"item_id": item_id, "tier_variation": [], "model": []}
    assert model_list(shopee, item_id) == {"tier_variation": [], "model": []}
    [info] = shopee.ok("GET", "product/get_item_base_info", params={"item_id_list": str(item_id)})["response"][
        "item_list"
    ]
    assert info["has_model"] is False and info["price_info"][0]["original_price"] == 70000
    stock = {"item_id": item_id, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 5}]}]}
    shopee.ok("POST", "product/update_stock", stock)  # model 0 again: the item is plain
    assert [(i["price"], i["stock"], i["variants"]) for i in inspect(shopee.url)] == [(70000, 5, [])]


def test_update_tier_variation_then_add_model_adds_a_size(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id))
    three = [{"name": "Warna", "option_list": [{"option": f"W{i}"} for i in range(3)]}]
    shopee.ok("POST", "product/update_tier_variation", {"item_id": item_id, "tier_variation": three})
    new_model = {
        "tier_index": [2], "model_sku": "LPMJK-DOMPET-01-W2", "original_price": 79000, "seller_stock": [{"stock": 8}]
    }
    [added] = shopee.ok("POST", "product/add_model", {"item_id": item_id, "model_list": [new_model]})["response"][
        "model"
    ]
    assert added["model_sku"] == "LPMJK-DOMPET-01-W2" and added["tier_index"] == [2]
    assert added["price_info"] == [{"original_price": 79000}] and added["seller_stock"] == [{"stock": 8}]
    listed = model_list(shopee, item_id)
    assert [option["option"] for option in listed["tier_variation"][0]["option_list"]] == ["W0", "W1", "W2"]
    assert [m["model_id"] for m in listed["model"]][-1] == added["model_id"]
    [item] = inspect(shopee.url)
    assert (item["price"], item["stock"], len(item["variants"])) == (79000, 15, 3)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"tier_index": [3]}, "error_param"),  # no such option yet: update_tier_variation first
        ({"tier_index": [1]}, "error_model_duplicate_tier_variation_index"),
        ({"model_sku": "LPMJK-DOMPET-01-W0"}, "error_param"),  # model_sku is unique within the item
        ({"original_price": 50}, "error_price_exceed_min_limitt"),
    ],
)
def test_add_model_refuses_what_does_not_fit_the_item(shopee: Shopee, change: dict[str, Any], error: str) -> None:
    item_id = shopee.add_item()
    shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id, models=3))
    shopee.ok("POST", "product/delete_model", {"item_id": item_id, "model_id": model_ids(shopee, item_id)[2]})
    # Option W2 is free again: a model for it fits, unless `change` breaks a rule.
    model = {"tier_index": [2], "model_sku": "NEW", "original_price": 79000, "seller_stock": [{"stock": 8}], **change}
    answer = shopee.call("POST", "product/add_model", {"item_id": item_id, "model_list": [model]}).json()
    assert answer["error"] == error
    assert len(model_ids(shopee, item_id)) == 2


def test_add_model_needs_tiers_and_keeps_to_50_models(shopee: Shopee) -> None:
    plain = shopee.add_item()
    model = {"tier_index": [0], "model_sku": "X", "original_price": 79000, "seller_stock": [{"stock": 1}]}
    answer = shopee.call("POST", "product/add_model", {"item_id": plain, "model_list": [model]}).json()
    assert answer["error"] == "error_param" and "init_tier_variation" in answer["message"]
    full = shopee.add_item()
    shopee.ok("POST", "product/init_tier_variation", tiers_body(full, models=50))
    shopee.ok("POST", "product/delete_model", {"item_id": full, "model_id": model_ids(shopee, full)[0]})
    two = {"item_id": full, "model_list": [model, model | {"tier_index": [1], "model_sku": "Y"}]}
    assert shopee.call("POST", "product/add_model", two).json()["error"] == "error_model_count_over_limit"


def test_delete_model_removes_one_model_and_never_the_last(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id))
    first, second = model_ids(shopee, item_id)
    shopee.ok("POST", "product/delete_model", {"item_id": item_id, "model_id": first})
    listed = model_list(shopee, item_id)
    assert [m["model_id"] for m in listed["model"]] == [second]
    assert len(listed["tier_variation"][0]["option_list"]) == 2  # the option stays
    [item] = inspect(shopee.url)
    assert (item["price"], item["stock"], len(item["variants"])) == (81000, 4, 1)
    again = shopee.call("POST", "product/delete_model", {"item_id": item_id, "model_id": first}).json()
    assert again["error"] == "error_model_invalid_model_id"
    last = shopee.call("POST", "product/delete_model", {"item_id": item_id, "model_id": second}).json()
    assert last["error"] == "error_busi_cannot_delete_all_model"
    stock = {"item_id": item_id, "stock_list": [{"model_id": first, "seller_stock": [{"stock": 1}]}]}
    failed = shopee.call("POST", "product/update_stock", stock).json()
    assert failed["response"]["failure_list"] == [{"model_id": first, "failed_reason": "Wrong model_id."}]


def test_update_tier_variation_remaps_models_and_deletes_those_left_out(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id, models=3))
    w0, _, w2 = model_ids(shopee, item_id)
    body = {
        "item_id": item_id,
        "tier_variation": [{"name": "Ukuran", "option_list": [{"option": "W2"}, {"option": "W0"}]}],
        "model_list": [{"model_id": w2, "tier_index": [0]}, {"model_id": w0, "tier_index": [1]}],
    }
    shopee.ok("POST", "product/update_tier_variation", body)
    listed = model_list(shopee, item_id)
    assert listed["tier_variation"] == body["tier_variation"]
    assert [(m["model_id"], m["tier_index"]) for m in listed["model"]] == [(w0, [1]), (w2, [0])]
    assert [v["seller_sku"] for v in inspect(shopee.url)[0]["variants"]] == ["LPMJK-DOMPET-01-W0", "LPMJK-DOMPET-01-W2"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"model_list": None}, "error_tier_index"),  # W2's model would point past the option lists
        ({"model_list": []}, "error_busi_cannot_delete_all_model"),
        ({"model_list": [{"model_id": 1, "tier_index": [0]}]}, "error_wrong_modelid"),
        ({"tier_variation": TWO_TIERS}, "error_tier_var_level_not_same"),
    ],
)
def test_update_tier_variation_refuses_what_would_break_the_item(
    shopee: Shopee, body: dict[str, Any], error: str
) -> None:
    item_id = shopee.add_item()
    shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id, models=3))
    two_options = tiers_body(item_id)["tier_variation"]
    request = {"item_id": item_id, "tier_variation": two_options, **body}
    assert shopee.call("POST", "product/update_tier_variation", request).json()["error"] == error
    assert len(model_ids(shopee, item_id)) == 3


def test_update_tier_variation_refuses_repeated_models_and_items_without_tiers(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id))
    first, _ = model_ids(shopee, item_id)
    body = tiers_body(item_id) | {"model_list": [{"model_id": first, "tier_index": [0]}] * 2}
    assert shopee.call("POST", "product/update_tier_variation", body).json()["error"] == "error_duplicate_modelid"
    plain = tiers_body(shopee.add_item())
    answer = shopee.call("POST", "product/update_tier_variation", plain).json()
    assert answer["error"] == "error_param" and "init_tier_variation" in answer["message"]


def test_variant_edits_are_writes() -> None:
    dialect = ShopeeDialect(Store(None), Settings())
    for api in ("init_tier_variation", "update_tier_variation", "add_model", "delete_model"):
        assert dialect.is_write(Request("POST", f"/api/v2/product/{api}", {}, Message(), b"", "127.0.0.1"))
    assert not dialect.is_write(Request("GET", "/api/v2/product/get_model_list", {}, Message(), b"", "127.0.0.1"))


# --- stock, price, status ----------------------------------------------------------------------------


def test_update_stock_of_an_item_without_models(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    answer = shopee.ok(
        "POST",
        "product/update_stock",
        {"item_id": item_id, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 7}]}]},
    )
    assert answer["response"] == {"failure_list": [], "success_list": [{"model_id": 0, "stock": 7}]}
    assert inspect(shopee.url)[0]["stock"] == 7


def test_update_stock_reports_partial_success(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    models = shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id))["response"]["model"]
    stock_list = [
        {"model_id": models[0]["model_id"], "seller_stock": [{"stock": 9}]},
        {"model_id": 123, "seller_stock": [{"stock": 1}]},
    ]
    answer = shopee.ok("POST", "product/update_stock", {"item_id": item_id, "stock_list": stock_list})["response"]
    assert answer["success_list"] == [{"model_id": models[0]["model_id"], "stock": 9}]
    assert answer["failure_list"] == [{"model_id": 123, "failed_reason": "Wrong model_id."}]
    [item] = inspect(shopee.url)
    assert [variant["stock"] for variant in item["variants"]] == [9, 4] and item["stock"] == 13


def test_update_stock_takes_one_item_per_call(shopee: Shopee) -> None:
    first, second = shopee.add_item(), shopee.add_item()
    two_items = {"item_id": [first, second], "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 1}]}]}
    assert shopee.call("POST", "product/update_stock", two_items).json()["error"] == "error_param"
    mixed = {
        "item_id": first,
        "stock_list": [
            {"model_id": 0, "seller_stock": [{"stock": 1}]},
            {"item_id": second, "model_id": 0, "seller_stock": [{"stock": 1}]},
        ],
    }
    assert shopee.call("POST", "product/update_stock", mixed).json()["error"] == "error_param"
    fifty_one = {"item_id": first, "stock_list": [{"model_id": n, "seller_stock": [{"stock": 1}]} for n in range(51)]}
    assert shopee.call("POST", "product/update_stock", fifty_one).json()["error"] == "error_param"


def test_update_price_sets_whole_rupiah_and_refuses_fractions_and_too_low(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    shopee.ok(
        "POST", "product/update_price", {"item_id": item_id, "price_list": [{"model_id": 0, "original_price": 90000}]}
    )
    assert inspect(shopee.url)[0]["price"] == 90000
    for price, reason in ((50, "Original_price is less than min price limit."), (9000.5, "Invalid price")):
        body = {"item_id": item_id, "price_list": [{"model_id": 0, "original_price": price}]}
        answer = shopee.call("POST", "product/update_price", body).json()
        assert answer["error"] == "error_busi_update_price_failed"
        assert answer["response"]["failure_list"][0]["failed_reason"].startswith(reason)
    assert inspect(shopee.url)[0]["price"] == 90000


def test_unlist_and_relist(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    answer = shopee.ok(
        "POST",
        "product/unlist_item",
        {"item_list": [{"item_id": item_id, "unlist": True}, {"item_id": 1, "unlist": True}]},
    )
    assert answer["response"]["success_list"] == [{"item_id": item_id, "unlist": True}]
    assert answer["response"]["failure_list"] == [{"item_id": 1, "failed_reason": "Item_id is not found."}]
    assert inspect(shopee.url)[0]["status"] == "inactive"
    shopee.ok("POST", "product/unlist_item", {"item_list": [{"item_id": item_id, "unlist": False}]})
    assert inspect(shopee.url)[0]["status"] == "active"


def test_deleted_item_is_gone_from_listings_and_refuses_updates(shopee: Shopee) -> None:
    item_id = shopee.add_item()
    shopee.ok("POST", "product/delete_item", {"item_id": item_id})
    assert inspect(shopee.url) == []
    stock = {"item_id": item_id, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 1}]}]}
    assert shopee.call("POST", "product/update_stock", stock).json()["error"] == "error_item_not_found"
    info = shopee.ok("GET", "product/get_item_base_info", params={"item_id_list": str(item_id)})
    assert info["response"]["item_list"][0]["item_status"] == "SELLER_DELETE"


# --- inspection API ----------------------------------------------------------------------------------


def test_inspection_lists_items_with_and_without_variants_exactly(shopee: Shopee) -> None:
    plain = shopee.add_item(item_sku="PLAIN-1")
    varied = shopee.add_item(item_sku="PARENT-1")
    shopee.ok("POST", "product/init_tier_variation", tiers_body(varied))
    images = 1
    assert inspect(shopee.url) == [
        {
            "item_id": plain,
            "seller_sku": "PLAIN-1",
            "name": "Dompet Kulit Lapas Mojokerto",
            "price": 85000,
            "stock": 12,
            "status": "active",
            "category_id": 100_613,
            "images": images,
            "variants": [],
        },
        {
            "item_id": varied,
            "seller_sku": "PARENT-1",
            "name": "Dompet Kulit Lapas Mojokerto",
            "price": 80000,  # the lowest variant price
            "stock": 7,  # the sum of the variants' stock
            "status": "active",
            "category_id": 100_613,
            "images": images,
            "variants": [
                {"seller_sku": "LPMJK-DOMPET-01-W0", "price": 80000, "stock": 3},
                {"seller_sku": "LPMJK-DOMPET-01-W1", "price": 81000, "stock": 4},
            ],
        },
    ]


def test_stats_count_requests_writes_and_faults(shopee: Shopee) -> None:
    shopee.add_item()
    shopee.call("GET", "product/get_item_list", params={"page_size": 1, "item_status": "NORMAL"})
    assert sandbox_stats(shopee.url) == {
        "requests": {
            "shopee /api/v2/media_space/upload_image": 1,
            "shopee /api/v2/product/add_item": 1,
            "shopee /api/v2/product/get_item_list": 1,
        },
        "writes": 2,
        "faults": {"fail": 0, "timeout": 0, "throttle": 0, "rate_limited": 0},
    }


def test_reset_clears_state_and_counters(shopee: Shopee) -> None:
    shopee.add_item()
    refresh(shopee.url, REFRESH)
    assert requests.post(f"{shopee.url}/_sandbox/reset", timeout=5).status_code == 200
    assert inspect(shopee.url) == []
    assert sandbox_stats(shopee.url) == {
        "requests": {},
        "writes": 0,
        "faults": {"fail": 0, "timeout": 0, "throttle": 0, "rate_limited": 0},
    }
    assert refresh(shopee.url, REFRESH).json()["error"] == ""  # the default refresh token is back


def test_inspection_answers_loopback_clients_only() -> None:
    store = Store(None)
    no_faults = FaultInjector(None, fail_rate=0, timeout_rate=0, throttle_rate=0)
    gateway = Gateway(store, Settings(), no_faults, None, timeout_seconds=1)

    def status_for(host: str) -> int:
        answer = gateway.handle(Request("GET", "/_sandbox/stats", {}, Message(), b"", host))
        assert isinstance(answer, Response)
        return answer.status

    assert (status_for("127.0.0.1"), status_for("::1"), status_for("192.168.1.20")) == (200, 200, 403)
    store.close()


# --- persistence and faults --------------------------------------------------------------------------


def test_state_survives_a_restart_on_the_same_file(state: Path) -> None:
    with SandboxServer(port=0, state_path=state) as first:
        item_id = Shopee(first.url).add_item()
        pair = refresh(first.url, REFRESH).json()
    with SandboxServer(port=0, state_path=state) as second:
        client = Shopee(second.url)
        assert [item["item_id"] for item in inspect(second.url)] == [item_id]
        assert client.add_item() == item_id + 1
        assert refresh(client.url, REFRESH).json()["error"] == "error_auth"  # still used
        Shopee(second.url, token=pair["access_token"]).ok(
            "GET", "product/get_item_list", params={"page_size": 1, "item_status": "NORMAL"}
        )


def test_timeout_fault_commits_the_write_but_never_answers(state: Path) -> None:
    with SandboxServer(port=0, state_path=state) as server:
        image_id = Shopee(server.url).upload()  # uploads are writes too: do it before faults start
    with SandboxServer(port=0, state_path=state, seed=1, timeout_rate=1.0, timeout_seconds=2) as server:
        client = Shopee(server.url)
        writes = sandbox_stats(server.url)["writes"]
        with pytest.raises(requests.exceptions.ReadTimeout):
            client.call("POST", "product/add_item", item_body(image_id), timeout=0.3)
        # Reads are never hit by a timeout: the connector can resolve the outcome by SKU.
        found = client.ok("GET", "product/search_item", params={"item_sku": "LPMJK-DOMPET-01", "page_size": 10})
        assert len(found["response"]["item_id_list"]) == 1
        assert sandbox_stats(server.url)["faults"]["timeout"] == 1
        assert sandbox_stats(server.url)["writes"] == writes + 1


def test_throttle_fault_answers_429_with_error_rate_limit(state: Path) -> None:
    with SandboxServer(port=0, state_path=state, seed=7, throttle_rate=1.0) as server:
        answer = Shopee(server.url).call("POST", "product/add_item", item_body("x"))
        assert answer.status_code == 429 and answer.json()["error"] == "error_rate_limit"
        assert sandbox_stats(server.url)["faults"]["throttle"] == 1
        assert inspect(server.url) == []


def test_faults_follow_the_seed(tmp_path: Path) -> None:
    def pattern(name: str) -> list[int]:
        with SandboxServer(port=0, state_path=tmp_path / name, seed=42, throttle_rate=0.5) as server:
            client = Shopee(server.url)
            codes = [
                client.call(
                    "GET", "product/get_item_list", params={"page_size": 1, "item_status": "NORMAL"}
                ).status_code
                for _ in range(16)
            ]
            assert sandbox_stats(server.url)["faults"]["throttle"] == codes.count(429)
            return codes

    first = pattern("a.db")
    assert first == pattern("b.db") and {200, 429} == set(first)


def test_fail_fault_answers_5xx_and_commits_nothing(state: Path) -> None:
    with SandboxServer(port=0, state_path=state, seed=3, fail_rate=1.0) as server:
        client = Shopee(server.url)
        answers = [client.call("POST", "product/add_item", item_body("x")) for _ in range(12)]
        assert {answer.status_code for answer in answers} <= {500, 502, 503}
        busy = [answer.json() for answer in answers if answer.status_code == 500]
        assert busy and all(body["error"] == "error_system_busy" for body in busy)
        assert any(answer.headers["Content-Type"].startswith("text/html") for answer in answers)
        assert sandbox_stats(server.url)["faults"]["fail"] == 12 and sandbox_stats(server.url)["writes"] == 0


def test_rate_limit_throttles_requests_above_the_rate(state: Path) -> None:
    with SandboxServer(port=0, state_path=state, rate_limit=2) as server:
        client = Shopee(server.url)
        codes = [
            client.call("GET", "product/get_item_list", params={"page_size": 1, "item_status": "NORMAL"}).status_code
            for _ in range(20)
        ]
        assert codes[:2] == [200, 200] and codes.count(429) >= 10
        assert sandbox_stats(server.url)["faults"]["rate_limited"] == codes.count(429)


def test_latency_is_added_to_every_answer(state: Path) -> None:
    with SandboxServer(port=0, state_path=state, latency_ms=200) as server:
        started = time.monotonic()
        Shopee(server.url).call("GET", "product/get_item_list")
        assert time.monotonic() - started >= 0.2


# --- command line ------------------------------------------------------------------------------------


def test_command_line_serves_until_sigterm(tmp_path: Path) -> None:
    state = str(tmp_path / "cli.db")
    with child_python("-m", "connector.sandbox", "--port", "0", "--state", state, "--seed", "1") as process:
        line = process.stdout.readline() if process.stdout else ""
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert match, line
        assert sandbox_stats(match.group(0))["writes"] == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0


# --- issue 18: what Shopee's pages document ----------------------------------------------------------


def place(sandbox: SandboxServer, seller_sku: str, quantity: int = 1) -> str:
    answer = requests.post(f"{sandbox.url}/_sandbox/orders",
                           json={"dialect": "shopee", "seller_sku": seller_sku, "quantity": quantity}, timeout=5)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["order_id"])


def order_detail(shopee: Shopee, *order_sns: str, fields: str | None = None) -> requests.Response:
    params = {"order_sn_list": ",".join(order_sns)}
    if fields is not None:
        params["response_optional_fields"] = fields
    return shopee.call("GET", "order/get_order_detail", params=params)


def reserve(sandbox: SandboxServer, seller_sku: str, reserved: int, dialect: str = "shopee") -> requests.Response:
    return requests.post(f"{sandbox.url}/_sandbox/reserved_stock",
                         json={"dialect": dialect, "seller_sku": seller_sku, "reserved": reserved}, timeout=5)


def test_order_detail_sends_item_list_only_when_asked_for(sandbox: SandboxServer, shopee: Shopee) -> None:
    shopee.add_item()
    order_sn = place(sandbox, "LPMJK-DOMPET-01", 2)
    [plain] = order_detail(shopee, order_sn).json()["response"]["order_list"]
    assert "item_list" not in plain and "pay_time" not in plain
    assert {"order_sn", "region", "currency", "cod", "order_status", "create_time", "update_time"} <= set(plain)
    [full] = order_detail(shopee, order_sn, fields="buyer_user_id,item_list,pay_time").json()["response"]["order_list"]
    assert full["order_status"] == "READY_TO_SHIP" and full["pay_time"] == full["create_time"]
    [item] = full["item_list"]
    assert (item["model_sku"], item["model_quantity_purchased"], item["active_qty"], item["returned_qty"]) == (
        "LPMJK-DOMPET-01", 2, 2, 0)


def test_a_returned_order_is_to_return_with_its_returned_quantity(sandbox: SandboxServer, shopee: Shopee) -> None:
    shopee.add_item()
    order_sn = place(sandbox, "LPMJK-DOMPET-01", 2)
    assert requests.post(f"{sandbox.url}/_sandbox/orders/{order_sn}/return", timeout=5).status_code == 200
    [order] = order_detail(shopee, order_sn, fields="item_list").json()["response"]["order_list"]
    [item] = order["item_list"]
    assert order["order_status"] == "TO_RETURN"
    assert (item["active_qty"], item["returned_qty"], item["cancelled_qty"]) == (0, 2, 0)


def test_an_unknown_order_sn_is_error_not_found(sandbox: SandboxServer, shopee: Shopee) -> None:
    shopee.add_item()
    order_sn = place(sandbox, "LPMJK-DOMPET-01")
    answer = order_detail(shopee, order_sn, "261129SBX999999", fields="item_list")
    assert answer.status_code == 200
    assert (answer.json()["error"], answer.json()["message"]) == (
        "error_not_found", "Wrong parameters, detail: the order is not found.")


def test_an_order_list_over_fifteen_days_is_the_prefixed_time_error(shopee: Shopee) -> None:
    now = int(time.time())
    params = {"time_range_field": "update_time", "time_from": now - 16 * 86400, "time_to": now, "page_size": 10}
    answer = shopee.call("GET", "order/get_order_list", params=params).json()
    assert answer["error"] == "order.order_list_invalid_time"
    params["time_from"] = now - 15 * 86400
    assert shopee.call("GET", "order/get_order_list", params=params).json()["error"] == ""


def test_update_stock_without_item_id_is_the_prefixed_param_error(shopee: Shopee) -> None:
    answer = shopee.call("POST", "product/update_stock", {"stock_list": [{"model_id": 0,
                                                                         "seller_stock": [{"stock": 1}]}]})
    assert (answer.json()["error"], answer.json()["message"]) == (
        "product.error_param", "invalid field ItemId: value must  Not Null")


def test_stock_below_the_reserved_stock_is_refused_for_that_item_only(sandbox: SandboxServer, shopee: Shopee) -> None:
    held = shopee.add_item()
    free = shopee.add_item(item_sku="LPMJK-DOMPET-02")
    assert reserve(sandbox, "LPMJK-DOMPET-01", 5).json() == {"seller_sku": "LPMJK-DOMPET-01", "reserved": 5}

    def set_stock(item_id: int, stock: int) -> requests.Response:
        body = {"item_id": item_id, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": stock}]}]}
        return shopee.call("POST", "product/update_stock", body)

    refused = set_stock(held, 4)
    assert refused.status_code == 200  # an API's answer, not the gateway's
    assert (refused.json()["error"], refused.json()["message"]) == (
        "error_auth", "Total stock must be more than reserved stock.")
    assert set_stock(free, 0).json()["error"] == ""
    assert set_stock(held, 5).json()["error"] == ""  # "larger than or equal to" the reserved stock
    assert [(i["seller_sku"], i["stock"]) for i in inspect(sandbox)] == [("LPMJK-DOMPET-01", 5), ("LPMJK-DOMPET-02", 0)]
    assert reserve(sandbox, "LPMJK-DOMPET-01", 0).status_code == 200
    assert set_stock(held, 0).json()["error"] == ""


def test_reserved_stock_on_a_model_refuses_that_model(sandbox: SandboxServer, shopee: Shopee) -> None:
    item_id = shopee.add_item()
    shopee.ok("POST", "product/init_tier_variation", tiers_body(item_id))
    reserve(sandbox, "LPMJK-DOMPET-01-W1", 2)
    [low, high] = model_ids(shopee, item_id)
    body = {"item_id": item_id, "stock_list": [{"model_id": low, "seller_stock": [{"stock": 0}]},
                                               {"model_id": high, "seller_stock": [{"stock": 1}]}]}
    assert shopee.call("POST", "product/update_stock", body).json()["error"] == "error_auth"
    body["stock_list"][1]["seller_stock"] = [{"stock": 2}]
    assert shopee.call("POST", "product/update_stock", body).json()["error"] == ""


def test_reserving_stock_needs_a_listing_and_a_dialect_that_keeps_it(sandbox: SandboxServer) -> None:
    assert reserve(sandbox, "NO-SUCH-SKU", 1).status_code == 404
    assert reserve(sandbox, "NO-SUCH-SKU", 1, dialect="lazada").status_code == 400
    assert reserve(sandbox, "NO-SUCH-SKU", -1).status_code == 400


@pytest.mark.parametrize(("form", "message"), [
    ("invalid_acceess_token", "Invalid access_token, please have a check."),
    ("error_auth", "Invalid access_token."),
    ("common.error_auth", "Invalid access_token."),
])
def test_an_invalid_access_token_is_refused_in_the_chosen_documented_form(state: Path, form: str, message: str) -> None:
    with SandboxServer(port=0, state_path=state, shopee_token_refusal=form) as server:
        answer = Shopee(server.url, token="not-a-token").call("GET", "product/get_item_list")
        assert answer.status_code == 403 and (answer.json()["error"], answer.json()["message"]) == (form, message)
        Shopee(server.url).ok("GET", "product/get_item_list", params={"page_size": 1, "item_status": "NORMAL"})


def test_an_undocumented_token_refusal_form_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="token_refusal"):
        SandboxServer(port=0, shopee_token_refusal="token_expired")


def refresh_request(refresh_token: str, at: float, shop_id: int = SHOP_ID) -> Request:
    path, timestamp = "/api/v2/auth/access_token/get", int(at)
    query = {"partner_id": [str(PARTNER_ID)], "timestamp": [str(timestamp)],
             "sign": [shopee_sign(PARTNER_KEY, PARTNER_ID, path, timestamp)]}
    body = json.dumps({"refresh_token": refresh_token, "partner_id": PARTNER_ID, "shop_id": shop_id}).encode()
    return Request("POST", path, query, Message(), body, "127.0.0.1")


def test_refresh_failures_answer_the_documented_codes() -> None:
    now = [time.time()]
    dialect = ShopeeDialect(Store(None), Settings(clock=lambda: now[0]))
    dialect.seed()
    other_shop = json.loads(dialect.handle(refresh_request(REFRESH, now[0], shop_id=999)).body)
    assert (other_shop["error"], other_shop["message"]) == (
        "error_shop_refresh_token", "Your refresh token is error ,please check refresh token or shopid.")
    pair = json.loads(dialect.handle(refresh_request(REFRESH, now[0])).body)
    assert pair["error"] == ""
    now[0] += 31 * 86400  # a refresh token lives 30 days
    expired = dialect.handle(refresh_request(pair["refresh_token"], now[0]))
    assert expired.status == 403
    assert (json.loads(expired.body)["error"], json.loads(expired.body)["message"]) == (
        "refresh_token_expired", "Your refresh_token expired.")
