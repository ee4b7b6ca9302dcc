"""The sandbox's TikTok Shop dialect, driven over real HTTP on loopback."""

from __future__ import annotations

import functools
import json
import time
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import requests

from connector.sandbox import SandboxServer
from connector.sandbox.dialect import Request, Settings
from connector.sandbox.store import Store
from connector.sandbox.tiktokshop import TikTokShopDialect, tiktok_sign
from tests.helpers import sandbox_items, sandbox_stats, tiktok_refresh

APP_KEY = "sandbox-tts-app"
SECRET = "sandbox-tts-secret"
TOKEN = "sandbox-tts-token"
REFRESH = "sandbox-tts-refresh"
CIPHER = "sandbox-cipher"
WAREHOUSE = "7000000000000000001"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
NAME = "Dompet Kulit Sapi Asli Lapas Mojokerto"  # 38 characters: Indonesia wants 25-255

VECTOR_PATH = "/product/202309/products/1729000000000000001/inventory/update"
VECTOR_BODY = (b'{"skus":[{"id":"1729000000000000001","inventory":[{"warehouse_id":"7000000000000000001",'
               b'"quantity":7}]}]}')
VECTOR_SIGN = "723fe35329eae55fb02e559619ef8ecd5d7bd4a2868e27f0b2f6ac8d2da37311"

refresh = functools.partial(tiktok_refresh, app_key=APP_KEY, secret=SECRET)


class TikTok:
    """A minimal signed TikTok Shop client, written from the Partner API docs (not the project's adapter)."""

    def __init__(self, url: str, token: str = TOKEN, secret: str = SECRET) -> None:
        self.url = url
        self.token = token
        self.secret = secret
        self.session = requests.Session()

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        *,
        cipher: str | None = CIPHER,
        timestamp: int | None = None,
        files: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 5.0,
    ) -> requests.Response:
        query = {"app_key": APP_KEY, "timestamp": str(int(time.time()) if timestamp is None else timestamp)}
        if cipher is not None:
            query["shop_cipher"] = cipher
        query.update({key: str(value) for key, value in (params or {}).items()})
        data = json.dumps(body).encode() if body is not None else b""
        query["sign"] = tiktok_sign(self.secret, path, query, b"" if files else data)  # multipart bodies: unsigned
        sent = {"x-tts-access-token": self.token, **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/json"
        return self.session.request(method, self.url + path, params=query, data=data or None, files=files,
                                    headers=sent, timeout=timeout)

    def ok(self, method: str, path: str, body: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        answer = self.call(method, path, body, **kwargs)
        payload = answer.json()
        assert answer.status_code == 200 and payload["code"] == 0, payload
        return payload["data"]

    def upload(self, data: bytes = PNG) -> str:
        return self.ok("POST", "/product/202309/images/upload", cipher=None, files={"data": ("p.png", data)})["uri"]

    def create(self, **overrides: Any) -> dict[str, Any]:
        return self.ok("POST", "/product/202309/products", product_body(self.upload(), **overrides))

    def search(self, body: dict[str, Any], page_size: int = 100, **params: Any) -> dict[str, Any]:
        return self.ok("POST", "/product/202502/products/search", body, params={"page_size": page_size, **params})


def sku(seller_sku: str | None, price: int | str = 85000, quantity: int = 12, **attributes: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "price": {"amount": str(price), "currency": "IDR"},
        "inventory": [{"warehouse_id": WAREHOUSE, "quantity": quantity}],
    }
    if seller_sku is not None:
        entry["seller_sku"] = seller_sku
    if attributes:
        entry["sales_attributes"] = [{"name": name, "value_name": value} for name, value in attributes.items()]
    return entry


def varied_skus() -> list[dict[str, Any]]:
    return [sku("LPMJK-KAOS-01-M", 50000, 2, Ukuran="M"), sku("LPMJK-KAOS-01-L", 51000, 4, Ukuran="L")]


def product_body(uri: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": NAME,
        "description": "<p>Dompet kulit sapi asli buatan warga binaan.</p>",
        "category_id": "601430",
        "main_images": [{"uri": uri}],
        "package_weight": {"value": "0.25", "unit": "KILOGRAM"},
        "skus": [sku("LPMJK-DOMPET-01")],
        "product_attributes": [{"id": "100107", "values": [{"id": "1000101"}]}],  # the wallet leaf's mandatory Bahan
    }
    body.update(overrides)
    return body


inspect = functools.partial(sandbox_items, dialect="tiktokshop")


def error(answer: requests.Response) -> tuple[int, int]:
    return answer.status_code, answer.json()["code"]


@pytest.fixture
def tiktok(sandbox: SandboxServer) -> TikTok:
    return TikTok(sandbox.url)


# --- signing and the gateway ---------------------------------------------------------------------


def test_signature_matches_the_test_vector() -> None:
    query = {"app_key": APP_KEY, "timestamp": "1764403200", "shop_cipher": CIPHER, "access_token": "x", "sign": "y"}
    assert tiktok_sign(SECRET, VECTOR_PATH, query, VECTOR_BODY) == VECTOR_SIGN


def test_the_dialects_verifier_accepts_the_test_vector_request_and_nothing_else() -> None:
    dialect = TikTokShopDialect(Store(None), Settings(clock=lambda: 1764403200))
    dialect.seed()
    headers = Message()
    headers["x-tts-access-token"] = TOKEN
    headers["Content-Type"] = "application/json"

    def answer(body: bytes, sign: str = VECTOR_SIGN) -> dict[str, Any]:
        query = {"app_key": [APP_KEY], "timestamp": ["1764403200"], "shop_cipher": [CIPHER], "sign": [sign]}
        return json.loads(dialect.handle(Request("POST", VECTOR_PATH, query, headers, body, "127.0.0.1")).body)

    assert answer(VECTOR_BODY)["code"] == 12052260  # signature accepted; the product just does not exist
    assert answer(VECTOR_BODY.replace(b"7}", b"8}"))["code"] == 106001
    assert answer(VECTOR_BODY, VECTOR_SIGN.upper())["code"] == 12052260  # hex case does not matter


def test_wrong_secret_is_refused(sandbox: SandboxServer) -> None:
    answer = TikTok(sandbox.url, secret="not-the-secret").call("GET", "/logistics/202309/warehouses")
    assert error(answer) == (401, 106001)
    assert answer.json()["message"] == "Invalid credentials. The `sign` query parameter is invalid."
    assert set(answer.json()) == {"code", "message", "request_id", "data"}


def test_timestamps_older_than_five_minutes_or_30_seconds_ahead_are_refused(tiktok: TikTok) -> None:
    now = int(time.time())
    old = tiktok.call("GET", "/logistics/202309/warehouses", timestamp=now - 301)
    assert error(old) == (400, 36009004) and "5 minutes" in old.json()["message"]
    ahead = tiktok.call("GET", "/logistics/202309/warehouses", timestamp=now + 40)
    assert error(ahead) == (400, 36009004) and "30 seconds" in ahead.json()["message"]
    assert tiktok.call("GET", "/logistics/202309/warehouses", timestamp=now + 20).json()["code"] == 0


def test_unknown_app_key_and_missing_sign_are_refused(tiktok: TikTok) -> None:
    path = "/logistics/202309/warehouses"
    query = {"app_key": "other", "timestamp": str(int(time.time())), "shop_cipher": CIPHER}
    query["sign"] = tiktok_sign(SECRET, path, query)
    assert error(requests.get(tiktok.url + path, params=query, timeout=5)) == (400, 36009004)
    unsigned = {"app_key": APP_KEY, "timestamp": str(int(time.time())), "shop_cipher": CIPHER}
    answer = requests.get(tiktok.url + path, params=unsigned, headers={"x-tts-access-token": TOKEN}, timeout=5)
    assert answer.json()["message"].startswith("Missing credentials")


def test_unknown_and_expired_access_tokens_are_refused(state: Path) -> None:
    store = Store(state)
    store.put_token("tiktokshop", "access", "expired-token", CIPHER, time.time() - 1, replace=True)
    store.close()
    with SandboxServer(port=0, state_path=state) as server:
        unknown = TikTok(server.url, token="no-such-token").call("GET", "/logistics/202309/warehouses")
        assert error(unknown) == (400, 36009004) and "x-tts-access-token" in unknown.json()["message"]
        expired = TikTok(server.url, token="expired-token").call("GET", "/logistics/202309/warehouses")
        assert error(expired) == (401, 105002)


def test_shop_cipher_is_required_refused_or_checked_per_api(tiktok: TikTok) -> None:
    assert error(tiktok.call("GET", "/logistics/202309/warehouses", cipher=None)) == (400, 106013)
    assert error(tiktok.call("GET", "/logistics/202309/warehouses", cipher="other")) == (400, 36009004)
    refused = tiktok.call("GET", "/authorization/202309/shops")  # this API takes no shop_cipher
    assert refused.json()["message"].startswith("Unexpected identifier")
    assert tiktok.ok("GET", "/authorization/202309/shops", cipher=None)["shops"][0]["cipher"] == CIPHER


def test_an_address_outside_the_allow_list_is_refused(tiktok: TikTok) -> None:
    answer = tiktok.call("GET", "/logistics/202309/warehouses", headers={"X-Forwarded-For": "203.0.113.7"})
    assert error(answer) == (403, 36009033)
    assert tiktok.call("GET", "/logistics/202309/warehouses", headers={"X-Forwarded-For": "10.1.2.3"}).ok


def test_unknown_path_method_and_version_are_refused(tiktok: TikTok) -> None:
    assert error(tiktok.call("POST", "/product/202309/no_such_api", {})) == (404, 36009009)
    assert error(tiktok.call("GET", "/product/202502/products/search")) == (405, 36009010)
    assert error(tiktok.call("POST", "/product/202312/products/search", {}, {"page_size": 1})) == (404, 36009014)


def test_shop_and_warehouse_are_served(tiktok: TikTok) -> None:
    [warehouse] = tiktok.ok("GET", "/logistics/202309/warehouses")["warehouses"]
    assert (warehouse["id"], warehouse["type"], warehouse["is_default"]) == (WAREHOUSE, "SALES_WAREHOUSE", True)


# --- tokens --------------------------------------------------------------------------------------


def test_refresh_issues_a_new_pair_with_absolute_expiry_and_spends_the_old_refresh_token(tiktok: TikTok) -> None:
    answer = refresh(tiktok.url, REFRESH)
    assert answer["code"] == 0
    data = answer["data"]
    assert abs(data["access_token_expire_in"] - (time.time() + 7 * 24 * 3600)) < 60
    assert data["refresh_token_expire_in"] > data["access_token_expire_in"]
    assert TikTok(tiktok.url, token=data["access_token"]).ok("GET", "/logistics/202309/warehouses")
    assert refresh(tiktok.url, REFRESH)["code"] == 36004004  # single use
    assert refresh(tiktok.url, data["refresh_token"])["code"] == 0
    assert refresh(tiktok.url, data["refresh_token"], secret="wrong")["code"] == 36009004


# --- images --------------------------------------------------------------------------------------


def test_upload_answers_a_uri_and_url_and_refuses_what_it_cannot_take(tiktok: TikTok) -> None:
    upload = "/product/202309/images/upload"
    answer = tiktok.ok("POST", upload, cipher=None, files={"data": ("p.png", PNG), "use_case": (None, "MAIN_IMAGE")})
    assert answer["uri"] and answer["url"].startswith("https://") and answer["use_case"] == "MAIN_IMAGE"
    assert tiktok.upload() != tiktok.upload()  # the same bytes twice: two uris
    assert error(tiktok.call("POST", upload, {}, cipher=None)) == (400, 36009023)
    assert tiktok.call("POST", upload, cipher=None, files={"data": ("x.gif", b"GIF89a")}).json()["code"] == 12038004
    too_big = PNG + bytes(10 * 1024 * 1024)  # upload-product-image.spec.json: "Max size: 10MB"
    assert tiktok.call("POST", upload, cipher=None, files={"data": ("p.png", too_big)}).json()["code"] == 12038005
    webp = b"RIFF\x24\0\0\0WEBPVP8 " + bytes(24)  # "Supported formats: JPG, JPEG, PNG, WEBP, HEIC, BMP"
    assert tiktok.call("POST", upload, cipher=None, files={"data": ("p.webp", webp)}).json()["code"] == 0
    html = b"<!DOCTYPE html><title>Not found</title>"
    assert tiktok.call("POST", upload, cipher=None, files={"data": ("p.jpg", html)}).json()["code"] == 12038004
    odd_use = {"data": ("p.png", PNG), "use_case": (None, "BANNER")}
    assert tiktok.call("POST", upload, cipher=None, files=odd_use).json()["code"] == 11050001


# --- create --------------------------------------------------------------------------------------


def test_created_products_show_exactly_in_the_inspection(tiktok: TikTok) -> None:
    plain = tiktok.create()
    varied = tiktok.create(title="Kaos Sablon Lapas Mojokerto Asli", skus=varied_skus(), category_id="601226")
    assert [s["seller_sku"] for s in varied["skus"]] == ["LPMJK-KAOS-01-M", "LPMJK-KAOS-01-L"]
    assert all(s["id"] and s["sales_attributes"][0]["value_id"] for s in varied["skus"])
    assert inspect(tiktok.url) == [
        {"item_id": int(plain["product_id"]), "seller_sku": "LPMJK-DOMPET-01", "name": NAME, "price": 85000,
         "stock": 12, "status": "active", "category_id": 601430, "images": 1, "variants": [],
         "platforms": {"TIKTOK_SHOP": "active"}},
        {"item_id": int(varied["product_id"]), "seller_sku": None, "name": "Kaos Sablon Lapas Mojokerto Asli",
         "price": 50000, "stock": 6, "status": "active", "category_id": 601226, "images": 1,
         "variants": [{"seller_sku": "LPMJK-KAOS-01-M", "price": 50000, "stock": 2},
                      {"seller_sku": "LPMJK-KAOS-01-L", "price": 51000, "stock": 4}],
         "platforms": {"TIKTOK_SHOP": "active"}},
    ]


def test_the_same_idempotency_key_answers_the_same_product_and_creates_nothing(tiktok: TikTok) -> None:
    uri = tiktok.upload()
    writes = sandbox_stats(tiktok.url)["writes"]
    first = tiktok.ok("POST", "/product/202309/products", product_body(uri, idempotency_key="intent-1"))
    again = tiktok.ok("POST", "/product/202309/products", product_body(uri, idempotency_key="intent-1"))
    assert again == first
    assert len(inspect(tiktok.url)) == 1 and sandbox_stats(tiktok.url)["writes"] == writes + 1
    other = tiktok.ok("POST", "/product/202309/products", product_body(uri, idempotency_key="intent-2"))
    assert other["product_id"] != first["product_id"]  # TikTok has no duplicate check by SKU
    too_long = tiktok.call("POST", "/product/202309/products", product_body(uri, idempotency_key="k" * 129))
    assert too_long.json()["code"] == 98001004


def test_listing_platforms_are_stored_and_reported_by_search(tiktok: TikTok) -> None:
    tiktok.create(listing_platforms=["TOKOPEDIA", "TIKTOK_SHOP"])
    tiktok.create(skus=[sku("LPMJK-DOMPET-02")])
    found = tiktok.search({})["products"]
    assert [[s["platform"] for s in p["integrated_platform_statuses"]] for p in found] == [
        ["TOKOPEDIA", "TIKTOK_SHOP"], ["TIKTOK_SHOP"]]
    refused = tiktok.call("POST", "/product/202309/products", product_body("x", listing_platforms=["SHOPEE"]))
    assert refused.json()["code"] == 98001004


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"title": "D" * 24}, 98001004),
        ({"title": "D" * 256}, 12052051),
        ({"title": ""}, 12052261),
        ({"description": "d" * 10_001}, 12052013),
        ({"category_id": "abc"}, 12052002),
        ({"package_weight": None}, 98001004),
        ({"package_weight": {"value": "0.5", "unit": "POUND"}}, 12052916),
        ({"package_weight": {"value": "0", "unit": "KILOGRAM"}}, 12052181),
        ({"main_images": []}, 12052028),
        ({"main_images": [{"uri": "never-uploaded"}]}, 98001004),
        ({"skus": [sku("LPMJK DOMPET")]}, 12019059),
        ({"skus": [sku("S" * 51)]}, 12052054),
        ({"skus": [sku("A", price=99)]}, 12052073),
        ({"skus": [sku("A", price=100_000_001)]}, 12052073),
        ({"skus": [sku("A", price="15000.5")]}, 12052012),
        ({"skus": [{**sku("A"), "price": {"amount": "15000", "currency": "USD"}}]}, 12052084),
        ({"skus": [{**sku("A"), "inventory": [{"warehouse_id": "1", "quantity": 1}]}]}, 12052097),
        ({"skus": [sku("A", quantity=1_000_000)]}, 12052055),
        ({"skus": [sku("A"), sku("B")]}, 12019019),
        ({"skus": [sku("A", Warna="Merah"), sku("A", Warna="Biru")]}, 98001004),
        ({"skus": [sku("A", Warna="Merah"), sku("B", Warna="Merah")]}, 12052251),
        ({"skus": [sku(f"S-{n}", Nomor=str(n)) for n in range(101)]}, 12052050),
        ({"skus": [sku("A", A="1", B="2", C="3", D="4")]}, 98001004),
    ],
)
def test_create_refuses_content_outside_the_indonesian_limits(tiktok: TikTok, override: dict[str, Any],
                                                              code: int) -> None:
    answer = tiktok.call("POST", "/product/202309/products", product_body(tiktok.upload(), **override))
    assert error(answer) == (200, code), answer.json()
    assert inspect(tiktok.url) == []


def test_create_accepts_the_limits_themselves(tiktok: TikTok) -> None:
    tiktok.create(title="D" * 25, skus=[sku("A", price=100)])
    tiktok.create(title="D" * 255, skus=[sku("B", price=100_000_000)], description="d" * 10_000)
    assert [item["price"] for item in inspect(tiktok.url)] == [100, 100_000_000]


# --- edit ----------------------------------------------------------------------------------------


def test_edit_replaces_content_and_the_sku_set(tiktok: TikTok) -> None:
    created = tiktok.create(title="Kaos Sablon Lapas Mojokerto Asli", skus=varied_skus())
    product_id, kept = created["product_id"], created["skus"][0]["id"]
    skus = [{**sku("LPMJK-KAOS-01-M", 55000, 3, Ukuran="M"), "id": kept},
            sku("LPMJK-KAOS-01-XL", 56000, 5, Ukuran="XL")]
    edited = tiktok.ok("PUT", f"/product/202509/products/{product_id}",
                       product_body(tiktok.upload(), title="Kaos Sablon Baru Lapas Mojokerto", skus=skus))
    assert [(s["seller_sku"], s["id"] == kept) for s in edited["skus"]] == [
        ("LPMJK-KAOS-01-M", True), ("LPMJK-KAOS-01-XL", False)]
    [item] = inspect(tiktok.url)
    assert item["name"] == "Kaos Sablon Baru Lapas Mojokerto"
    assert item["variants"] == [{"seller_sku": "LPMJK-KAOS-01-M", "price": 55000, "stock": 3},
                                {"seller_sku": "LPMJK-KAOS-01-XL", "price": 56000, "stock": 5}]
    assert tiktok.search({"seller_skus": ["LPMJK-KAOS-01-L"]})["products"] == []  # the dropped SKU is gone


def test_edit_refuses_a_foreign_sku_id_and_an_unknown_product(tiktok: TikTok) -> None:
    first, second = tiktok.create(), tiktok.create(skus=[sku("LPMJK-DOMPET-02")])
    foreign = [{**sku("LPMJK-DOMPET-01"), "id": second["skus"][0]["id"]}]
    edit = f"/product/202509/products/{first['product_id']}"
    answer = tiktok.call("PUT", edit, product_body(tiktok.upload(), skus=foreign)).json()
    assert answer["code"] == 98001004 and "does not belong to product" in answer["message"]
    missing = tiktok.call("PUT", "/product/202509/products/1", product_body(tiktok.upload()))
    assert error(missing) == (200, 12052260)


# --- inventory and prices ------------------------------------------------------------------------


def test_inventory_update_sets_each_sku_and_reports_the_refused_ones(tiktok: TikTok) -> None:
    created = tiktok.create(title="Kaos Sablon Lapas Mojokerto Asli", skus=varied_skus())
    medium, large = (s["id"] for s in created["skus"])
    path = f"/product/202309/products/{created['product_id']}/inventory/update"
    answer = tiktok.ok("POST", path, {"skus": [
        {"id": medium, "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 7}]},
        {"id": large, "inventory": [{"quantity": 9}]},  # the one default warehouse may be left out
    ]})
    assert answer == {}
    assert [v["stock"] for v in inspect(tiktok.url)[0]["variants"]] == [7, 9]
    partial = tiktok.ok("POST", path, {"skus": [
        {"id": medium, "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 1}]},
        {"id": large, "inventory": [{"warehouse_id": "1", "quantity": 1}]},
        {"id": "123", "inventory": [{"quantity": 1}]},
        {"id": large, "inventory": [{"quantity": -1}]},
    ]})
    assert [(e["code"], e["detail"]["sku_id"]) for e in partial["errors"]] == [
        (12052097, large), (98001004, "123"), (12052055, large)]
    assert [v["stock"] for v in inspect(tiktok.url)[0]["variants"]] == [1, 9]
    unknown = "/product/202309/products/1/inventory/update"
    gone = tiktok.call("POST", unknown, {"skus": [{"id": medium, "inventory": []}]})
    assert gone.json()["code"] == 12052260


def test_price_update_is_all_or_nothing(tiktok: TikTok) -> None:
    created = tiktok.create(title="Kaos Sablon Lapas Mojokerto Asli", skus=varied_skus())
    medium, large = (s["id"] for s in created["skus"])
    path = f"/product/202309/products/{created['product_id']}/prices/update"

    def price(sku_id: str, amount: int) -> dict[str, Any]:
        return {"id": sku_id, "price": {"amount": str(amount), "currency": "IDR"}}

    assert tiktok.ok("POST", path, {"skus": [price(medium, 60000), price(large, 61000)]}) == {}
    too_high = {"skus": [price(medium, 70000), price(large, 100_000_001)]}
    assert tiktok.call("POST", path, too_high).json()["code"] == 12052073
    foreign = {"skus": [price(medium, 70000), price("123", 70000)]}
    assert tiktok.call("POST", path, foreign).json()["code"] == 98001004
    assert [v["price"] for v in inspect(tiktok.url)[0]["variants"]] == [60000, 61000]
    assert inspect(tiktok.url)[0]["price"] == 60000


# --- search, status ------------------------------------------------------------------------------


def test_search_by_seller_skus_pages_with_a_token_and_filters_by_status(tiktok: TikTok) -> None:
    ids = [tiktok.create(skus=[sku(f"S-{n}")])["product_id"] for n in range(3)]
    varied = tiktok.create(title="Kaos Sablon Lapas Mojokerto Asli", skus=varied_skus())
    first = tiktok.search({"seller_skus": ["S-0", "S-1", "S-2"]}, page_size=2)
    assert first["total_count"] == 3 and [p["id"] for p in first["products"]] == ids[:2]
    rest = tiktok.search({"seller_skus": ["S-0", "S-1", "S-2"]}, page_size=2, page_token=first["next_page_token"])
    assert [p["id"] for p in rest["products"]] == ids[2:] and rest["next_page_token"] == ""
    [found] = tiktok.search({"seller_skus": ["LPMJK-KAOS-01-L"]})["products"]
    assert found["id"] == varied["product_id"] and len(found["skus"]) == 2
    assert found["skus"][1]["inventory"] == [{"warehouse_id": WAREHOUSE, "quantity": 4}]
    tiktok.ok("POST", "/product/202309/products/deactivate", {"product_ids": [ids[0]]})
    assert tiktok.search({"status": "SELLER_DEACTIVATED"})["total_count"] == 1
    assert tiktok.search({"status": "ACTIVATE"})["total_count"] == 3
    assert tiktok.search({})["total_count"] == 4


def test_search_limits(tiktok: TikTok) -> None:
    search = "/product/202502/products/search"
    assert tiktok.call("POST", search, {}, {"page_size": 101}).json()["code"] == 12019109
    eleven = {"seller_skus": [f"S-{n}" for n in range(11)]}
    assert tiktok.call("POST", search, eleven, {"page_size": 10}).json()["code"] == 12019027
    assert tiktok.call("POST", search, {}, {"page_size": 10, "page_token": "bogus"}).json()["code"] == 98001004


def test_deactivate_and_activate_up_to_20_products_reporting_unknown_ones(tiktok: TikTok) -> None:
    ids = [tiktok.create(skus=[sku(f"S-{n}")])["product_id"] for n in range(2)]
    answer = tiktok.ok("POST", "/product/202309/products/deactivate", {"product_ids": [*ids, "1"]})
    assert answer["errors"] == [{"code": 12052032, "message": "The product does not exist",
                                 "detail": {"product_id": "1"}}]
    assert {item["status"] for item in inspect(tiktok.url)} == {"inactive"}
    assert tiktok.ok("POST", "/product/202309/products/activate", {"product_ids": ids}) == {}
    assert {item["status"] for item in inspect(tiktok.url)} == {"active"}
    too_many = tiktok.call("POST", "/product/202309/products/activate", {"product_ids": [str(n) for n in range(21)]})
    assert too_many.json()["code"] == 12019120


# --- faults, persistence -------------------------------------------------------------------------


def test_throttle_and_fail_faults_answer_in_tiktoks_shape(state: Path) -> None:
    with SandboxServer(port=0, state_path=state, seed=7, throttle_rate=1.0) as server:
        answer = TikTok(server.url).call("GET", "/logistics/202309/warehouses")
        assert error(answer) == (429, 36009002)
    with SandboxServer(port=0, state_path=state, seed=3, fail_rate=1.0) as server:
        answers = [TikTok(server.url).call("GET", "/logistics/202309/warehouses") for _ in range(8)]
        assert {answer.status_code for answer in answers} <= {502, 503}
        assert all(answer.json()["code"] == 36009003 for answer in answers if answer.status_code == 503)


def test_a_create_whose_answer_was_lost_is_answered_when_repeated_with_its_key(state: Path) -> None:
    with SandboxServer(port=0, state_path=state) as server:
        uri = TikTok(server.url).upload()
    body = product_body(uri, idempotency_key="intent-lost")
    with SandboxServer(port=0, state_path=state, seed=1, timeout_rate=1.0, timeout_seconds=1) as server:
        client = TikTok(server.url)
        with pytest.raises(requests.exceptions.ReadTimeout):
            client.call("POST", "/product/202309/products", body, timeout=0.3)
        assert len(inspect(server.url)) == 1  # committed, unanswered
    with SandboxServer(port=0, state_path=state) as server:  # a restart: the key is remembered
        answer = TikTok(server.url).ok("POST", "/product/202309/products", body)
        assert [item["item_id"] for item in inspect(server.url)] == [int(answer["product_id"])]
        assert TikTok(server.url).search({"seller_skus": ["LPMJK-DOMPET-01"]})["total_count"] == 1


def test_reset_forgets_products_and_their_keys(tiktok: TikTok) -> None:
    uri = tiktok.upload()
    tiktok.ok("POST", "/product/202309/products", product_body(uri, idempotency_key="intent-1"))
    requests.post(f"{tiktok.url}/_sandbox/reset", timeout=5)
    assert tiktok.search({"seller_skus": ["LPMJK-DOMPET-01"]})["total_count"] == 0
    tiktok.ok("POST", "/product/202309/products", product_body(tiktok.upload(), idempotency_key="intent-1"))
    assert len(inspect(tiktok.url)) == 1


# --- orders, returns and cancellations -----------------------------------------------------------


def place(sandbox: SandboxServer, seller_sku: str, quantity: int) -> str:
    answer = requests.post(f"{sandbox.url}/_sandbox/orders", json={"dialect": "tiktokshop", "seller_sku": seller_sku,
                                                                   "quantity": quantity}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["order_id"]


def end(sandbox: SandboxServer, order_id: str, action: str, quantity: int | None = None) -> requests.Response:
    return requests.post(f"{sandbox.url}/_sandbox/orders/{order_id}/{action}", timeout=10,
                         json={"quantity": quantity} if quantity is not None else None)


def orders(tiktok: TikTok, **body: Any) -> list[dict[str, Any]]:
    return tiktok.ok("POST", "/order/202309/orders/search", body, params={"page_size": 100})["orders"]


def returns(tiktok: TikTok, **body: Any) -> list[dict[str, Any]]:
    return tiktok.ok("POST", "/return_refund/202309/returns/search", body, params={"page_size": 50})["return_orders"]


def cancellations(tiktok: TikTok, **body: Any) -> list[dict[str, Any]]:
    return tiktok.ok("POST", "/return_refund/202309/cancellations/search", body,
                     params={"page_size": 50})["cancellations"]


def test_an_order_lists_one_line_item_per_unit_with_its_own_display_status_and_no_return_flag(tiktok, sandbox):
    product = tiktok.create()
    order_id = place(sandbox, "LPMJK-DOMPET-01", 2)
    (order,) = orders(tiktok)
    assert (order["id"], order["status"]) == (order_id, "AWAITING_SHIPMENT")
    assert [line["display_status"] for line in order["line_items"]] == ["AWAITING_SHIPMENT"] * 2
    line = order["line_items"][0]
    assert (line["seller_sku"], line["product_id"], line["sku_id"]) == (
        "LPMJK-DOMPET-01", product["product_id"], product["skus"][0]["id"])
    assert len({line["id"] for line in order["line_items"]}) == 2
    assert not any("is_returned" in line for line in order["line_items"])  # no such field on the documented page
    detail = tiktok.ok("GET", "/order/202507/orders", params={"ids": order_id})["orders"]
    assert detail == [order]


def test_a_line_cancelled_inside_a_live_order_shows_in_its_display_status_and_in_search_cancellations(tiktok,
                                                                                                       sandbox):
    tiktok.create()
    order_id = place(sandbox, "LPMJK-DOMPET-01", 3)
    (before,) = orders(tiktok)
    assert end(sandbox, order_id, "cancel", 1).json() == {"order_id": order_id, "change": "cancelled", "quantity": 1}
    assert inspect(sandbox)[0]["stock"] == 10  # 12 - 3 + the cancelled unit
    (order,) = tiktok.ok("GET", "/order/202507/orders", params={"ids": order_id})["orders"]
    assert order["status"] == "AWAITING_SHIPMENT" and order["update_time"] == before["update_time"]
    assert [line["display_status"] for line in order["line_items"]] == ["CANCELLED", "AWAITING_SHIPMENT",
                                                                         "AWAITING_SHIPMENT"]
    (cancellation,) = cancellations(tiktok, update_time_ge=before["update_time"])
    assert (cancellation["order_id"], cancellation["cancel_type"], cancellation["cancel_status"]) == (
        order_id, "CANCEL", "CANCELLATION_REQUEST_COMPLETE")
    assert [(item["order_line_item_id"], item["seller_sku"]) for item in cancellation["cancel_line_items"]] == [
        (order["line_items"][0]["id"], "LPMJK-DOMPET-01")]
    assert returns(tiktok) == []
    assert end(sandbox, order_id, "cancel").status_code == 200  # the rest of the order
    assert inspect(sandbox)[0]["stock"] == 12  # every unit back once, not the first one twice
    (order,) = orders(tiktok)
    assert order["status"] == "CANCELLED" and {line["display_status"] for line in order["line_items"]} == {"CANCELLED"}
    whole = [c for c in cancellations(tiktok) if c["cancel_id"] != cancellation["cancel_id"]]
    assert [len(c["cancel_line_items"]) for c in whole] == [2]


def test_returns_of_some_units_and_of_the_rest_each_name_their_own_line_items(tiktok, sandbox):
    tiktok.create()
    order_id = place(sandbox, "LPMJK-DOMPET-01", 3)
    assert end(sandbox, order_id, "return", 1).status_code == 200
    (order,) = orders(tiktok)
    assert order["status"] == "AWAITING_SHIPMENT"  # a return changes no order status
    assert end(sandbox, order_id, "return").status_code == 200
    (order,) = orders(tiktok)
    assert order["status"] == "COMPLETED"
    found = returns(tiktok, order_ids=[order_id])
    assert [(r["return_type"], r["return_status"], len(r["return_line_items"])) for r in found] == [
        ("RETURN_AND_REFUND", "RETURN_OR_REFUND_REQUEST_COMPLETE", 1),
        ("RETURN_AND_REFUND", "RETURN_OR_REFUND_REQUEST_COMPLETE", 2)]
    named = [item["order_line_item_id"] for r in found for item in r["return_line_items"]]
    assert sorted(named) == sorted(line["id"] for line in order["line_items"])
    assert inspect(sandbox)[0]["stock"] == 9  # a return does not restock the listing by itself
    assert returns(tiktok, return_status=["RETURN_OR_REFUND_REQUEST_PENDING"]) == []
    assert returns(tiktok, return_types=["REFUND"]) == []
    assert returns(tiktok, update_time_ge=int(time.time()) + 60) == []
    assert returns(tiktok, buyer_user_ids=["7494845267308415300"]) == []  # the sandbox keeps no buyers


def test_the_order_hooks_refuse_what_cannot_happen(tiktok, sandbox):
    tiktok.create()
    order_id = place(sandbox, "LPMJK-DOMPET-01", 2)
    assert end(sandbox, order_id, "cancel", 3).status_code == 409  # more units than the order has left
    assert end(sandbox, order_id, "return", 0).status_code == 400
    assert requests.post(f"{sandbox.url}/_sandbox/orders/{order_id}/return", data=b"[1]", timeout=10).status_code == 400
    assert end(sandbox, "576999999999999999", "return", 1).status_code == 404
    assert end(sandbox, order_id, "return", 2).status_code == 200  # every unit returned: the order has ended
    assert end(sandbox, order_id, "cancel", 1).status_code == 409
    (order,) = orders(tiktok)
    assert order["status"] == "COMPLETED"


def test_the_order_and_return_refund_pages_validate_paging_and_ids_as_documented(tiktok, sandbox):
    tiktok.create()
    order_ids = [place(sandbox, "LPMJK-DOMPET-01", 1) for _ in range(3)]
    assert error(tiktok.call("POST", "/return_refund/202309/returns/search", {}, params={"page_size": 5})) == (
        200, 25001001)  # search-returns: page_size in [10-50]
    assert error(tiktok.call("POST", "/return_refund/202309/cancellations/search", {},
                             params={"page_size": 51})) == (200, 25001001)
    assert error(tiktok.call("POST", "/order/202309/orders/search", {}, params={"page_size": 101})) == (200, 12019109)
    assert error(tiktok.call("GET", "/order/202507/orders", params={"ids": "576000000000999999"})) == (200, 21008111)
    assert error(tiktok.call("GET", "/order/202507/orders", params={"ids": ",".join(["1"] * 51)}))[1] == 98001004
    for order_id in order_ids:
        assert end(sandbox, order_id, "cancel").status_code == 200
    first = tiktok.ok("POST", "/return_refund/202309/cancellations/search", {}, params={"page_size": 2})
    rest = tiktok.ok("POST", "/return_refund/202309/cancellations/search", {},
                     params={"page_size": 2, "page_token": first["next_page_token"]})
    assert first["total_count"] == 3 and rest["next_page_token"] == ""
    assert [c["order_id"] for c in first["cancellations"] + rest["cancellations"]] == order_ids
    newest = tiktok.ok("POST", "/order/202309/orders/search", {}, params={"page_size": 1})
    assert newest["total_count"] == 3 and newest["next_page_token"]  # get-order-list: newest created first
