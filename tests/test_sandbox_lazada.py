"""The sandbox's Lazada dialect, driven over real HTTP on loopback (and by Lazada's own SDK)."""

from __future__ import annotations

import functools
import importlib
import json
import re
import time
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from connector.sandbox import SandboxServer
from connector.sandbox.dialect import Request, Settings
from connector.sandbox.lazada import LazadaDialect, lazada_sign
from connector.sandbox.store import Store
from tests.helpers import sandbox_items, wallet_as_shown
from tests.samples import sample

APP_KEY = "100002"
SECRET = "sandbox-lazada-secret"
TOKEN = "sandbox-lazada-token"
REFRESH = "sandbox-lazada-refresh"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(200)
VECTOR_PAYLOAD = (
    "<Request><Product><Skus><Sku><SellerSku>LPMJK-DOMPET-01</SellerSku><Quantity>7</Quantity></Sku></Skus>"
    "</Product></Request>"
)
VECTOR_PARAMS = {
    "app_key": APP_KEY,
    "sign_method": "sha256",
    "timestamp": "1764403200000",
    "access_token": TOKEN,
    "payload": VECTOR_PAYLOAD,
}
VECTOR_SIGN = "0FAAF7B8CB1D14100FD088A3092DADE64D48470643E8875BF8B86D3A1335E0B0"


class Lazada:
    """A minimal signed Lazada client written from the docs (not the project's adapter): POSTs form-encoded."""

    def __init__(self, url: str, token: str = TOKEN) -> None:
        self.url = url
        self.token = token
        self.session = requests.Session()

    def call(
        self,
        api: str,
        params: dict[str, Any] | None = None,
        *,
        method: str = "POST",
        secret: str = SECRET,
        timestamp: str | None = None,
        files: dict[str, Any] | None = None,
        token: str | None = "",
    ) -> dict[str, Any]:
        signed = {"app_key": APP_KEY, "sign_method": "sha256", "timestamp": timestamp or str(int(time.time() * 1000))}
        if token is not None:
            signed["access_token"] = token or self.token
        signed.update({name: str(value) for name, value in (params or {}).items()})
        signed["sign"] = lazada_sign(secret, api, signed)
        if method == "GET":
            answer = self.session.get(self.url + "/rest" + api, params=signed, timeout=5)
        else:
            answer = self.session.post(self.url + "/rest" + api, data=signed, files=files, timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def ok(self, api: str, params: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        body = self.call(api, params, **kwargs)
        assert body["code"] == "0", body
        return body

    def upload(self, data: bytes = PNG) -> str:
        return self.ok("/image/upload", files={"image": data})["data"]["image"]["url"]

    def create(self, product: dict[str, Any]) -> dict[str, Any]:
        return self.ok("/product/create", {"payload": payload(product)})["data"]

    def get(self, **params: Any) -> dict[str, Any]:
        return self.ok("/products/get", params, method="GET")["data"]


def payload(product: dict[str, Any]) -> str:
    return json.dumps({"Request": {"Product": product}})


def sku(seller_sku: str = "LPMJK-DOMPET-01", **overrides: Any) -> dict[str, Any]:
    entry = {
        "SellerSku": seller_sku, "price": "85000", "quantity": "12", "package_weight": "0.25",
        "package_length": "20", "package_width": "10", "package_height": "3",
    }
    entry.update(overrides)
    return entry


def product(images: list[str], *skus: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "PrimaryCategory": "10100763",
        "Images": {"Image": images},
        "Attributes": {"name": "Dompet Kulit Lapas Mojokerto", "description": "Dompet kulit sapi asli.",
                       "brand": "No Brand", "material": "Leather"},  # material: mandatory on the wallets leaf
        "Skus": {"Sku": list(skus) or [sku()]},
    }
    body.update(overrides)
    return body


def varied(images: list[str], prefix: str = "LPMJK-KAOS-01") -> dict[str, Any]:
    colours = [("Merah", "M"), ("Merah", "L"), ("Biru", "M")]
    return product(
        images,
        *(sku(f"{prefix}-{c[0]}{s}", price=str(50000 + 1000 * n), quantity=str(n + 1),
              saleProp={"Warna": c, "Ukuran": s}) for n, (c, s) in enumerate(colours)),
        variation={"Variation1": {"name": "Warna", "customize": True, "options": ["Merah", "Biru"]},
                   "Variation2": {"name": "Ukuran", "customize": True, "options": ["M", "L"]}},
    )


def xml_skus(*entries: dict[str, Any]) -> str:
    def fields(entry: dict[str, Any]) -> str:
        return "".join(f"<{name}>{value}</{name}>" for name, value in entry.items())

    skus = "".join(f"<Sku>{fields(entry)}</Sku>" for entry in entries)
    return f"<Request><Product><Skus>{skus}</Skus></Product></Request>"


inspect = functools.partial(sandbox_items, dialect="lazada")


@pytest.fixture
def lazada(sandbox: SandboxServer) -> Lazada:
    return Lazada(sandbox.url)


@pytest.fixture
def image(lazada: Lazada) -> str:
    return lazada.upload()


# --- signing and the gateway -------------------------------------------------------------------------


def test_signature_matches_the_test_vector() -> None:
    assert lazada_sign(SECRET, "/product/price_quantity/update", VECTOR_PARAMS) == VECTOR_SIGN


def test_the_dialect_verifies_the_test_vector_and_refuses_it_altered() -> None:
    store = Store(None)
    dialect = LazadaDialect(store, Settings(clock=lambda: 1764403200.0))
    dialect.seed()
    store.add_image("lazada", "0" * 32, "0" * 64, 100, 1764403200)  # a main image is mandatory (4139)

    def send(api: str, params: dict[str, str]) -> dict[str, Any]:
        headers = Message()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = Request("POST", "/rest" + api, {}, headers, urlencode(params).encode(), "127.0.0.1")
        return json.loads(dialect.handle(request).body)

    created = {**VECTOR_PARAMS, "payload": payload(product(["https://id-live-02.slatic.net/p/" + "0" * 32 + ".jpg"]))}
    assert send("/product/create", {**created, "sign": lazada_sign(SECRET, "/product/create", created)})["code"] == "0"
    assert send("/product/price_quantity/update", {**VECTOR_PARAMS, "sign": VECTOR_SIGN})["code"] == "0"
    assert [item["stock"] for item in dialect.inspect()] == [7]
    altered = {**VECTOR_PARAMS, "sign": VECTOR_SIGN, "payload": VECTOR_PAYLOAD.replace("7", "8")}
    assert send("/product/price_quantity/update", altered)["code"] == "IncompleteSignature"


def test_wrong_sign_is_refused_in_lazadas_shape(lazada: Lazada) -> None:
    body = lazada.call("/products/get", method="GET", secret="not-the-secret")
    assert set(body) == {"type", "code", "message", "request_id"}
    assert body["code"] == "IncompleteSignature"


# Named ids: a parallel run's workers must collect the same names, and the values depend on the moment of collection.
@pytest.mark.parametrize("timestamp", [str(int(time.time())), str(int(time.time() * 1000) - 7201 * 1000), "soon"],
                         ids=["in-seconds", "7201-s-ago-in-ms", "soon"])
def test_timestamps_outside_7200_s_of_now_in_ms_are_refused(lazada: Lazada, timestamp: str) -> None:
    assert lazada.call("/products/get", method="GET", timestamp=timestamp)["code"] == "InvalidTimestamp"


def test_unknown_app_key_and_missing_parameters_are_refused(sandbox: SandboxServer) -> None:
    ts = str(int(time.time() * 1000))
    params = {"app_key": "999", "sign_method": "sha256", "timestamp": ts, "access_token": TOKEN}
    params["sign"] = lazada_sign(SECRET, "/products/get", params)
    assert requests.get(sandbox.url + "/rest/products/get", params=params, timeout=5).json()["code"] == "InvalidAppKey"
    del params["sign"]
    body = requests.get(sandbox.url + "/rest/products/get", params=params, timeout=5).json()
    assert body["code"] == "MissingParameter" and '"sign"' in body["message"]


def test_unknown_access_token_is_illegal(sandbox: SandboxServer) -> None:
    body = Lazada(sandbox.url, token="not-a-token").call("/products/get", method="GET")
    assert (body["type"], body["code"]) == ("ISV", "IllegalAccessToken")
    assert body["message"] == "The specified access token is invalid or expired"


def test_unknown_api_is_an_invalid_path(lazada: Lazada) -> None:
    assert lazada.call("/product/no_such_api")["code"] == "InvalidApiPath"


def test_parameters_are_read_from_query_form_and_multipart(lazada: Lazada, sandbox: SandboxServer) -> None:
    assert lazada.ok("/products/get", method="GET")["data"]["total_products"] == 0
    assert lazada.ok("/products/get")["data"]["total_products"] == 0  # POST, form-encoded
    params = {"app_key": APP_KEY, "sign_method": "sha256", "timestamp": str(int(time.time() * 1000)),
              "access_token": TOKEN, "filter": "live"}
    params["sign"] = lazada_sign(SECRET, "/products/get", params)
    multipart = {name: (None, value) for name, value in params.items()}
    answer = requests.post(sandbox.url + "/rest/products/get", files=multipart, timeout=5).json()
    assert answer["code"] == "0"


# --- images ----------------------------------------------------------------------------------------


def test_upload_gives_a_lazada_url_named_by_the_content(lazada: Lazada) -> None:
    first, again, other = lazada.upload(), lazada.upload(), lazada.upload(JPEG)
    assert first.startswith("https://id-live-02.slatic.net/p/") and first.endswith(".png")
    assert first == again and other.endswith(".jpg") and other != first


@pytest.mark.parametrize(("data", "code"), [(b"GIF89a" + bytes(10), "300"), (b"RIFF\0\0\0\0WEBPVP8 ", "300"),
                                           (PNG + bytes(3 * 1024 * 1024), "303")])
def test_upload_refuses_other_formats_and_big_files(lazada: Lazada, data: bytes, code: str) -> None:
    # uploadimage.json: JPG and PNG only (E300 "Upload Image Failed"); E303 for a file of 3145728 bytes or more
    assert lazada.call("/image/upload", files={"image": data})["code"] == code


def test_migrate_mints_a_lazada_url_but_refuses_ip_hosts(lazada: Lazada) -> None:
    xml = "<Request><Image><Url>{}</Url></Image></Request>"
    url = lazada.ok("/image/migrate", {"payload": xml.format("https://example.com/a.png")})["data"]["image"]["url"]
    assert url.startswith("https://id-live-02.slatic.net/p/") and url.endswith(".png")
    assert lazada.call("/image/migrate", {"payload": xml.format("http://10.0.0.1/a.jpg")})["code"] == "500"


# --- create ----------------------------------------------------------------------------------------


def test_create_answers_ids_and_inspection_shows_a_plain_product(
    lazada: Lazada, image: str, sandbox: SandboxServer
) -> None:
    data = lazada.create(product([image]))
    [entry] = data["sku_list"]
    assert entry["seller_sku"] == "LPMJK-DOMPET-01" and isinstance(entry["sku_id"], int)
    assert inspect(sandbox.url) == [wallet_as_shown(data["item_id"], category_id=10100763)]


def test_a_product_with_variants_has_no_seller_sku_of_its_own(
    lazada: Lazada, image: str, sandbox: SandboxServer
) -> None:
    lazada.create(varied([image, lazada.upload(JPEG)]))
    [item] = inspect(sandbox.url)
    assert (item["seller_sku"], item["price"], item["stock"], item["images"]) == (None, 50000, 6, 2)
    assert item["variants"] == [
        {"seller_sku": "LPMJK-KAOS-01-MM", "price": 50000, "stock": 1},
        {"seller_sku": "LPMJK-KAOS-01-ML", "price": 51000, "stock": 2},
        {"seller_sku": "LPMJK-KAOS-01-BM", "price": 52000, "stock": 3},
    ]


def test_create_takes_an_xml_payload(lazada: Lazada, image: str, sandbox: SandboxServer) -> None:
    xml = (
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?><Request><Product><PrimaryCategory>10100763</PrimaryCategory>"
        f"<Images><Image>{image}</Image></Images><Attributes><name>Dompet</name><brand>No Brand</brand>"
        "<material>Leather</material></Attributes>"
        "<Skus><Sku><SellerSku>X-1</SellerSku><price>85000.00</price><quantity>3</quantity>"
        "<package_weight>0.25</package_weight><package_length>20</package_length><package_width>10</package_width>"
        "<package_height>3</package_height></Sku></Skus></Product></Request>"
    )
    lazada.ok("/product/create", {"payload": xml})
    assert [(i["seller_sku"], i["price"], i["stock"]) for i in inspect(sandbox.url)] == [("X-1", 85000, 3)]


def test_the_same_seller_sku_may_be_listed_twice(lazada: Lazada, image: str, sandbox: SandboxServer) -> None:
    first, second = lazada.create(product([image])), lazada.create(product([image]))
    assert first["item_id"] != second["item_id"] and len(inspect(sandbox.url)) == 2


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        (lambda p: p["Attributes"].update(name="x" * 256), "500", "longer than 255"),
        (lambda p: p["Attributes"].update(description="x" * 25_001), "500", "longer than 25000"),
        (lambda p: p["Attributes"].pop("brand"), "4108", "brand"),
        (lambda p: p["Images"]["Image"].__imul__(9), "500", "at most 8 images"),
        (lambda p: p["Images"]["Image"].append("https://example.com/a.jpg"), "500", "not a Lazada image"),
        (lambda p: p["Skus"]["Sku"][0].update(price="99"), "500", "between 100 and 150000000"),
        (lambda p: p["Skus"]["Sku"][0].update(price="150000001"), "500", "between 100 and 150000000"),
        (lambda p: p["Skus"]["Sku"][0].update(price="85000.5"), "4104", "whole rupiah"),
        (lambda p: p["Skus"]["Sku"][0].update(price="0"), "4118", "not be 0"),
        (lambda p: p["Skus"]["Sku"][0].pop("package_weight"), "4108", "package_weight"),
        (lambda p: p["Skus"]["Sku"][0].update(package_weight="0.255"), "500", "two decimals"),
        (lambda p: p["Skus"]["Sku"].append(sku()), "4105", "repeats"),
        (lambda p: p["Skus"]["Sku"].append(sku("OTHER")), "4113", "not filled in"),
        (lambda p: p["Skus"]["Sku"].extend(sku(f"S-{n}", saleProp={"Warna": str(n)}) for n in range(50)), "204",
         "at most 50"),
        (lambda p: p.pop("PrimaryCategory"), "4108", "PrimaryCategory"),
        (lambda p: p["Skus"].update(Sku={"SellerSku": "X"}), "4108", "price"),
    ],
)
def test_create_refuses_what_lazada_refuses(lazada: Lazada, image: str, change: Any, code: str, words: str) -> None:
    body = product([image])
    change(body)
    answer = lazada.call("/product/create", {"payload": payload(body)})
    assert answer["code"] == code and words in answer["message"], answer
    assert answer["detail"][0]["field"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda p: p["Skus"]["Sku"][1]["saleProp"].update(Warna="Merah", Ukuran="M"), "4112"),
        (lambda p: p["Skus"]["Sku"][0]["saleProp"].update(Bahan="Katun"), "500"),  # a third sale property
        (lambda p: p["variation"].pop("Variation2"), "4143"),
    ],
)
def test_create_refuses_bad_sale_properties(lazada: Lazada, image: str, change: Any, code: str) -> None:
    body = varied([image])
    change(body)
    assert lazada.call("/product/create", {"payload": payload(body)})["code"] == code


def test_a_malformed_payload_is_refused(lazada: Lazada) -> None:
    assert lazada.call("/product/create", {"payload": "{not json"})["code"] == "1001"
    assert lazada.call("/product/create", {"payload": "<Request><Product>"})["code"] == "5"
    assert lazada.call("/product/create")["code"] == "MissingParameter"


# --- reads -----------------------------------------------------------------------------------------


def test_get_products_finds_by_any_seller_sku_and_pages(lazada: Lazada, image: str) -> None:
    varied_id = lazada.create(varied([image]))["item_id"]
    plain_ids = [lazada.create(product([image], sku(f"P-{n}")))["item_id"] for n in range(3)]
    found = lazada.get(filter="all", sku_seller_list=json.dumps(["LPMJK-KAOS-01-ML", "nothing"]))
    assert found["total_products"] == 1 and found["products"][0]["item_id"] == varied_id
    [shown] = found["products"]
    assert shown["status"] == "Active" and [s["SellerSku"] for s in shown["skus"]][1] == "LPMJK-KAOS-01-ML"
    assert shown["variation"]["Variation1"]["name"] == "Warna"
    pages = [lazada.get(limit=2, offset=offset) for offset in (0, 2)]
    assert [p["total_products"] for p in pages] == [4, 4]
    assert [i["item_id"] for p in pages for i in p["products"]] == [varied_id, *plain_ids]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": "51"}, "19"),
        ({"offset": "10001"}, "14"),
        ({"filter": "everything"}, "36"),
        ({"sku_seller_list": "LPMJK"}, "70"),
        ({"sku_seller_list": json.dumps([f"S-{n}" for n in range(101)])}, "70"),
        ({"update_after": "yesterday"}, "17"),
    ],
)
def test_get_products_refuses_bad_parameters(lazada: Lazada, params: dict[str, str], code: str) -> None:
    assert lazada.call("/products/get", params, method="GET")["code"] == code


def test_get_product_item_shows_all_skus(lazada: Lazada, image: str) -> None:
    item_id = lazada.create(varied([image]))["item_id"]
    data = lazada.ok("/product/item/get", {"item_id": item_id}, method="GET")["data"]
    assert [s["saleProp"] for s in data["skus"]][0] == {"Warna": "Merah", "Ukuran": "M"}
    assert lazada.call("/product/item/get", {"item_id": 1}, method="GET")["code"] == "E0002"


# --- price, stock ----------------------------------------------------------------------------------


def test_prices_and_sellable_stock_of_several_products_go_in_one_call(
    lazada: Lazada, image: str, sandbox: SandboxServer
) -> None:
    plain = lazada.create(product([image]))
    kaos = lazada.create(varied([image]))
    entries = [{"ItemId": d["item_id"], "SkuId": s["sku_id"], "SellerSku": s["seller_sku"]}
               for d in (plain, kaos) for s in d["sku_list"]]
    lazada.ok("/product/price_quantity/update", {"payload": xml_skus(*({**e, "Price": "60000.00"} for e in entries))})
    lazada.ok("/product/stock/sellable/update", {"payload": xml_skus(*({**e, "SellableQuantity": 4} for e in entries))})
    assert {(v["price"], v["stock"]) for v in inspect(sandbox.url)[1]["variants"]} == {(60000, 4)}
    assert (inspect(sandbox.url)[0]["price"], inspect(sandbox.url)[0]["stock"]) == (60000, 4)


def test_a_failing_sku_is_reported_in_detail_and_the_others_applied(
    lazada: Lazada, image: str, sandbox: SandboxServer
) -> None:
    data = lazada.create(varied([image]))
    good, bad = data["sku_list"][0], data["sku_list"][1]
    answer = lazada.call("/product/price_quantity/update", {"payload": xml_skus(
        {"ItemId": data["item_id"], "SkuId": good["sku_id"], "Price": 70000},
        {"ItemId": data["item_id"], "SkuId": bad["sku_id"], "SellerSku": bad["seller_sku"], "Price": 50},
        {"ItemId": data["item_id"], "SkuId": 1, "SellerSku": "GONE", "Price": 70000},
    )})
    assert (answer["code"], answer["message"]) == ("501", "E501: Update product failed")
    assert [(d["seller_sku"], "between" in d["message"] or "not exist" in d["message"]) for d in answer["detail"]] == [
        (bad["seller_sku"], True), ("GONE", True)]
    assert inspect(sandbox.url)[0]["variants"][0]["price"] == 70000


def test_a_seller_sku_alone_names_a_sku_only_when_unique(lazada: Lazada, image: str, sandbox: SandboxServer) -> None:
    lazada.create(product([image]))
    lazada.ok("/product/stock/sellable/update", {"payload": VECTOR_PAYLOAD.replace("Quantity", "SellableQuantity")})
    assert inspect(sandbox.url)[0]["stock"] == 7
    lazada.create(product([image]))
    answer = lazada.call("/product/price_quantity/update", {"payload": VECTOR_PAYLOAD})
    assert answer["code"] == "501" and "not unique" in answer["detail"][0]["message"]


def test_more_than_50_skus_per_update_are_refused(lazada: Lazada) -> None:
    entries = [{"SkuId": n, "SellableQuantity": 1} for n in range(51)]
    assert lazada.call("/product/stock/sellable/update", {"payload": xml_skus(*entries)})["code"] == "4171"
    assert lazada.call("/product/stock/sellable/update", {"payload": xml_skus()})["code"] == "30"


# --- update, deactivate, remove --------------------------------------------------------------------


def test_update_changes_attributes_and_adds_skus_next_to_an_associated_one(
    lazada: Lazada, image: str, sandbox: SandboxServer
) -> None:
    data = lazada.create(varied([image]))
    anchor = data["sku_list"][0]["sku_id"]
    added = sku("LPMJK-KAOS-01-HS", saleProp={"Warna": "Hijau", "Ukuran": "S"})
    change = {"ItemId": data["item_id"], "Attributes": {"name": "Kaos Baru"}, "Skus": {"Sku": [added]}}
    assert lazada.call("/product/update", {"payload": payload(change)})["code"] == "500"  # no AssociatedSku
    answer = lazada.ok("/product/update", {"payload": payload({**change, "AssociatedSku": str(anchor)})})["data"]
    assert [s["seller_sku"] for s in answer["sku_list"]][-1] == "LPMJK-KAOS-01-HS"
    [item] = inspect(sandbox.url)
    assert item["name"] == "Kaos Baru" and len(item["variants"]) == 4


def test_a_product_without_variations_gets_no_new_skus(lazada: Lazada, image: str) -> None:
    data = lazada.create(product([image]))
    change = {"ItemId": data["item_id"], "AssociatedSku": str(data["sku_list"][0]["sku_id"]),
              "Skus": {"Sku": [sku("OTHER")]}}
    answer = lazada.call("/product/update", {"payload": payload(change)})
    assert answer["code"] == "500" and "no variation" in answer["message"]


def test_deactivate_then_update_status_active_relists(lazada: Lazada, image: str, sandbox: SandboxServer) -> None:
    data = lazada.create(varied([image]))
    body = f"<Request><Product><ItemId>{data['item_id']}</ItemId></Product></Request>"
    lazada.ok("/product/deactivate", {"apiRequestBody": body})
    assert inspect(sandbox.url)[0]["status"] == "inactive"
    assert lazada.call("/product/deactivate", {"apiRequestBody": body})["code"] == "E0004"
    skus = [{"SkuId": s["sku_id"], "Status": "active"} for s in data["sku_list"]]
    lazada.ok("/product/update", {"payload": payload({"ItemId": data["item_id"], "Skus": {"Sku": skus}})})
    assert inspect(sandbox.url)[0]["status"] == "active"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("<Request><Product></Product></Request>", "E0001"),
        ("<Request><Product><ItemId>1</ItemId></Product></Request>", "E0002"),
        ("<Request><Product><ItemId>{id}</ItemId><Skus><SellerSku>X</SellerSku></Skus></Product></Request>", "4193"),
        ("<Request><Product><ItemId>{id}</ItemId><Skus><SkuId>1</SkuId></Skus></Product></Request>", "E0003"),
    ],
)
def test_deactivate_refuses_like_lazada(lazada: Lazada, image: str, body: str, code: str) -> None:
    item_id = lazada.create(product([image]))["item_id"]
    assert lazada.call("/product/deactivate", {"apiRequestBody": body.format(id=item_id)})["code"] == code


def test_remove_takes_skus_away_and_a_product_without_skus_is_gone(
    lazada: Lazada, image: str, sandbox: SandboxServer
) -> None:
    data = lazada.create(varied([image]))
    names = [f"SkuId_{data['item_id']}_{s['sku_id']}" for s in data["sku_list"]]
    lazada.ok("/product/remove", {"sku_id_list": json.dumps(names[:1])})
    assert [v["seller_sku"] for v in inspect(sandbox.url)[0]["variants"]] == ["LPMJK-KAOS-01-ML", "LPMJK-KAOS-01-BM"]
    answer = lazada.call("/product/remove", {"sku_id_list": json.dumps([*names[1:], "SkuId_1_2"])})
    assert answer["code"] == "503" and answer["detail"][0]["seller_sku"] == "SkuId_1_2"
    assert inspect(sandbox.url) == []
    assert lazada.get(filter="deleted")["total_products"] == 1


# --- tokens ----------------------------------------------------------------------------------------


def test_refresh_answers_a_new_pair_at_the_top_level_and_the_old_refresh_token_lives_on(lazada: Lazada) -> None:
    answer = lazada.ok("/auth/token/refresh", {"refresh_token": REFRESH}, token=None)
    assert answer["access_token"] != TOKEN and answer["refresh_token"] != REFRESH and answer["expires_in"] > 0
    assert Lazada(lazada.url, answer["access_token"]).ok("/products/get", method="GET")
    assert lazada.ok("/auth/token/refresh", {"refresh_token": REFRESH}, token=None)  # not single-use
    refused = lazada.call("/auth/token/refresh", {"refresh_token": "not-a-token"}, token=None)
    assert refused["code"] == "IllegalRefreshToken"


# --- faults and inspection ---------------------------------------------------------------------------


def test_throttled_answers_are_api_call_limits(tmp_path: Path) -> None:
    with SandboxServer(port=0, state_path=tmp_path / "t.db", seed=1, throttle_rate=1.0) as server:
        body = Lazada(server.url).call("/products/get", method="GET")
        assert body["code"] == "ApiCallLimit" and "1 seconds" in body["message"]


def test_injected_failures_are_5xx(tmp_path: Path) -> None:
    with SandboxServer(port=0, state_path=tmp_path / "f.db", seed=1, fail_rate=1.0) as server:
        statuses = {requests.get(server.url + "/rest/products/get", timeout=5).status_code for _ in range(8)}
        assert statuses and all(status >= 500 for status in statuses)


def test_timeouts_hit_writes_only(tmp_path: Path) -> None:
    with SandboxServer(port=0, state_path=tmp_path / "o.db", seed=1, timeout_rate=1.0, timeout_seconds=2) as server:
        client = Lazada(server.url)
        assert client.ok("/products/get", method="GET")
        with pytest.raises(requests.Timeout):
            client.session.post(server.url + "/rest/image/upload", files={"image": PNG}, timeout=0.3)


def test_inspection_lists_no_deleted_products_and_reports_status(
    lazada: Lazada, image: str, sandbox: SandboxServer
) -> None:
    data = lazada.create(product([image]))
    lazada.ok("/product/deactivate", {"apiRequestBody": f"<Request><Product><ItemId>{data['item_id']}</ItemId>"
                                                        "</Product></Request>"})
    assert [(i["status"], i["variants"]) for i in inspect(sandbox.url)] == [("inactive", [])]


# --- Lazada's own SDK --------------------------------------------------------------------------------


def test_the_official_sdk_drives_every_endpoint_the_adapter_uses(
    sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # the SDK opens a log file under ~/logs when imported
    lazop = importlib.import_module("lazop_sdk")
    client = lazop.LazopClient(sandbox.url + "/rest", APP_KEY, SECRET)

    def execute(api: str, params: dict[str, str], *, method: str = "POST", files: dict[str, bytes] | None = None,
                token: str | None = TOKEN) -> dict[str, Any]:
        request = lazop.LazopRequest(api, method)
        for name, value in params.items():
            request.add_api_param(name, value)
        for name, value in (files or {}).items():
            request.add_file_param(name, value)
        response = client.execute(request, token)
        assert response.code == "0", response.body
        return response.body

    url = execute("/image/upload", {}, files={"image": PNG})["data"]["image"]["url"]
    created = execute("/product/create", {"payload": payload(varied([url]))})["data"]
    item_id, skus = created["item_id"], created["sku_list"]
    listed = execute("/products/get", {"filter": "all", "sku_seller_list": json.dumps(["LPMJK-KAOS-01-BM"])},
                     method="GET")["data"]
    assert [p["item_id"] for p in listed["products"]] == [item_id]
    entries = [{"ItemId": item_id, "SkuId": s["sku_id"], "SellerSku": s["seller_sku"]} for s in skus]
    execute("/product/price_quantity/update", {"payload": xml_skus(*({**e, "Price": 65000} for e in entries))})
    execute("/product/stock/sellable/update", {"payload": xml_skus(*({**e, "SellableQuantity": 8} for e in entries))})
    execute("/product/deactivate", {"apiRequestBody": f"<Request><Product><ItemId>{item_id}</ItemId></Product>"
                                                      "</Request>"})
    relist = {"ItemId": item_id, "Skus": {"Sku": [{"SkuId": s["sku_id"], "Status": "active"} for s in skus]}}
    execute("/product/update", {"payload": payload(relist)})
    execute("/product/remove", {"sku_id_list": json.dumps([f"SkuId_{item_id}_{skus[0]['sku_id']}"])})
    item = execute("/product/item/get", {"item_id": str(item_id)}, method="GET")["data"]
    assert [s["SellerSku"] for s in item["skus"]] == ["LPMJK-KAOS-01-ML", "LPMJK-KAOS-01-BM"]
    tokens = execute("/auth/token/refresh", {"refresh_token": REFRESH}, token=None)
    assert tokens["access_token"] and tokens["refresh_token"]
    [shown] = inspect(sandbox.url)
    assert (shown["status"], {(v["price"], v["stock"]) for v in shown["variants"]}) == ("active", {(65000, 8)})


# --- orders ----------------------------------------------------------------------------------------


def placed(sandbox: SandboxServer, lazada: Lazada, image: str, quantity: int = 2) -> str:
    lazada.create(product([image]))
    answer = requests.post(f"{sandbox.url}/_sandbox/orders", json={"dialect": "lazada", "seller_sku": "LPMJK-DOMPET-01",
                                                                   "quantity": quantity}, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()["order_id"]


def same_fields_and_types(answer: dict[str, Any], official: dict[str, Any]) -> list[str]:
    """The fields of `answer` that the official sample lacks or gives another JSON type."""
    return [name for name, value in answer.items() if name not in official or type(value) is not type(official[name])]


def test_get_orders_answers_in_the_official_samples_shape_with_iso_times(
    sandbox: SandboxServer, lazada: Lazada, image: str
) -> None:
    order_id = placed(sandbox, lazada, image)
    data = lazada.ok("/orders/get", {"update_after": "2020-01-01T00:00:00+07:00"}, method="GET")["data"]
    official = sample("lazada", "getorders").response["data"]
    assert (data["count"], data["countTotal"]) == ("1", "1")  # strings, as in the sample
    (order,) = data["orders"]
    assert same_fields_and_types(order, official["orders"][0]) == []
    assert (order["order_id"], order["items_count"], order["statuses"]) == (order_id, "2", ["pending"])
    # getorders.json: created_at as 2018-02-09T22:44:30+08:00
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", order["created_at"])
    assert abs(datetime.fromisoformat(order["created_at"]).timestamp() - time.time()) < 60


def test_get_order_items_answers_one_entry_per_unit_in_the_official_samples_shape(
    sandbox: SandboxServer, lazada: Lazada, image: str
) -> None:
    order_id = placed(sandbox, lazada, image)
    items = lazada.ok("/order/items/get", {"order_id": order_id}, method="GET")["data"]
    official = sample("lazada", "getorderitems").response["data"][0]
    assert [same_fields_and_types(item, official) for item in items] == [[], []]
    assert [(i["order_id"], i["sku"], i["status"]) for i in items] == [(order_id, "LPMJK-DOMPET-01", "pending")] * 2
    assert len({i["order_item_id"] for i in items}) == 2
    # getorderitems.json: created_at as 2014-10-15 19:12:15 +0800
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0700", items[0]["created_at"])
    requests.post(f"{sandbox.url}/_sandbox/orders/{order_id}/cancel", timeout=5).raise_for_status()
    items = lazada.ok("/order/items/get", {"order_id": order_id}, method="GET")["data"]
    assert {i["status"] for i in items} == {"canceled"}


def test_an_unknown_order_is_16_invalid_order_id(lazada: Lazada) -> None:
    answer = lazada.call("/order/items/get", {"order_id": "491253082180001"}, method="GET")
    assert (answer["code"], answer["message"]) == ("16", 'E016: "491253082180001" Invalid Order ID')
    assert set(answer) == {"type", "code", "message", "request_id"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "MissingParameter"),
        ({"update_after": "kemarin"}, "17"),
        ({"update_after": "2020-01-01T00:00:00+07:00", "limit": "101"}, "19"),
        ({"update_after": "2020-01-01T00:00:00+07:00", "offset": "4501"}, "14"),
        ({"update_after": "2020-01-01T00:00:00+07:00", "sort_direction": "UP"}, "74"),
        ({"update_after": "2020-01-01T00:00:00+07:00", "sort_by": "price"}, "75"),
    ],
)
def test_get_orders_refuses_bad_parameters(lazada: Lazada, params: dict[str, str], code: str) -> None:
    assert lazada.call("/orders/get", params, method="GET")["code"] == code


def test_get_orders_filters_by_creation_and_sorts_as_asked(sandbox: SandboxServer, lazada: Lazada, image: str) -> None:
    first = placed(sandbox, lazada, image, 1)
    second = requests.post(f"{sandbox.url}/_sandbox/orders", timeout=5,
                           json={"dialect": "lazada", "seller_sku": "LPMJK-DOMPET-01"}).json()["order_id"]
    ask = {"created_after": "2020-01-01T00:00:00+07:00", "sort_by": "created_at"}
    ascending = lazada.ok("/orders/get", {**ask, "sort_direction": "ASC"}, method="GET")["data"]["orders"]
    descending = lazada.ok("/orders/get", {**ask, "sort_direction": "DESC"}, method="GET")["data"]["orders"]
    assert [o["order_id"] for o in ascending] == [first, second]
    assert [o["order_id"] for o in descending] == [second, first]
    later = lazada.ok("/orders/get", {"created_after": "2999-01-01T00:00:00+07:00"}, method="GET")["data"]
    assert (later["countTotal"], later["orders"]) == ("0", [])
