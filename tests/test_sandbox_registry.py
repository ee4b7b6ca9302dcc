"""What each dialect declares for itself (default credentials, order ids, own settings) and the shared parts
the registry and the gateway derive from it."""

from __future__ import annotations

from email.message import Message

import pytest
import requests

from connector.sandbox import SandboxServer, default_credentials
from connector.sandbox.dialect import FormPart, Request, Settings, multipart_parts
from connector.sandbox.registry import DIALECTS, dialect_settings
from connector.sandbox.shopee import ShopeeSettings
from connector.sandbox.store import Store

# DESIGN.md, Outside contracts -> Sandbox (refresh tokens included: the adapters refresh with them).
DOCUMENTED = {
    "shopee": {"partner_id": "100001", "partner_key": "sandbox-shopee-key", "shop_id": "200001",
               "access_token": "sandbox-shopee-token", "refresh_token": "sandbox-shopee-refresh"},
    "lazada": {"app_key": "100002", "app_secret": "sandbox-lazada-secret", "access_token": "sandbox-lazada-token",
               "refresh_token": "sandbox-lazada-refresh"},
    "tiktokshop": {"app_key": "sandbox-tts-app", "app_secret": "sandbox-tts-secret",
                   "access_token": "sandbox-tts-token", "shop_cipher": "sandbox-cipher",
                   "refresh_token": "sandbox-tts-refresh"},
}


def test_the_registry_serves_the_three_marketplaces() -> None:
    assert list(DIALECTS) == ["shopee", "lazada", "tiktokshop"]
    assert all(cls.name == name for name, cls in DIALECTS.items())


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_default_credentials_are_the_documented_ones(name: str) -> None:
    assert default_credentials(name) == DOCUMENTED[name]


def test_default_credentials_of_an_unknown_marketplace_are_empty() -> None:
    assert default_credentials("bukalapak") == {}


def test_default_credentials_are_a_fresh_copy_each_time() -> None:
    mine = default_credentials("shopee")
    mine["partner_key"] = "changed"
    assert default_credentials("shopee")["partner_key"] == "sandbox-shopee-key"


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_the_default_tokens_are_the_ones_the_dialect_seeds(name: str) -> None:
    """A token the dialect does not know would fail every call of an `endpoint: sandbox` channel."""
    store = Store(None)
    DIALECTS[name](store, Settings()).seed()
    credentials = default_credentials(name)
    assert store.get_token(name, "access", credentials["access_token"]) is not None
    assert store.get_token(name, "refresh", credentials["refresh_token"]) is not None


@pytest.mark.parametrize(("name", "first", "second"), [
    ("shopee", "261129SBX000001", "261129SBX000002"),
    ("lazada", "700000000001", "700000000002"),
    ("tiktokshop", "576000000000000001", "576000000000000002"),
])
def test_each_marketplace_numbers_orders_in_its_own_format(name: str, first: str, second: str,
                                                           sandbox: SandboxServer) -> None:
    planted = requests.post(f"{sandbox.url}/_sandbox/items", json={
        "dialect": name, "seller_sku": "SKU-1", "name": "Tas anyaman pandan buatan warga binaan", "price": 50_000,
        "stock": 5}, timeout=10)
    assert planted.status_code == 200, planted.text
    ids = []
    for _ in range(2):
        answer = requests.post(f"{sandbox.url}/_sandbox/orders", json={"dialect": name, "seller_sku": "SKU-1"},
                               timeout=10)
        assert answer.status_code == 200, answer.text
        ids.append(answer.json()["order_id"])
    assert ids == [first, second]


def test_dialect_settings_come_from_prefixed_keywords() -> None:
    settings = dialect_settings({"shopee_token_ttl": 1})
    assert settings["shopee"] == ShopeeSettings(token_ttl=1)
    assert set(settings) == set(DIALECTS)
    assert dialect_settings({})["shopee"] == ShopeeSettings()


@pytest.mark.parametrize("keyword", ["shopee_tokn_ttl", "token_ttl", "lazada_token_ttl"])
def test_a_keyword_that_names_no_setting_is_refused(keyword: str) -> None:
    with pytest.raises(TypeError, match=keyword):
        dialect_settings({keyword: 1})
    with pytest.raises(TypeError, match=keyword):
        SandboxServer(port=0, **{keyword: 1})


def _multipart(body: bytes, content_type: str = "multipart/form-data; boundary=XyZ") -> Request:
    headers = Message()
    headers["Content-Type"] = content_type
    return Request("POST", "/upload", {}, headers, body, "127.0.0.1")


def test_multipart_parts_reads_files_and_fields_in_order() -> None:
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"use_case\"\r\n\r\nMAIN_IMAGE\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a.png\"\r\n"
            b"Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\nrest\r\n"
            b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"data\"; filename=\"b.jpg\"\r\n\r\n\xff\xd8\xff\r\n"
            b"--XyZ--\r\n")
    assert multipart_parts(_multipart(body)) == [
        FormPart("use_case", b"MAIN_IMAGE", None),
        FormPart("data", b"\x89PNG\r\n\x1a\nrest", "a.png"),
        FormPart("data", b"\xff\xd8\xff", "b.jpg"),
    ]


def test_a_body_that_is_not_multipart_has_no_parts() -> None:
    assert multipart_parts(_multipart(b"{}", "application/json")) is None
