"""The Shopee adapter against the sandbox's Shopee dialect, over real HTTP on loopback."""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from connector.adapters.base import (
    AttributeValue,
    AuthError,
    Change,
    Invalid,
    Listing,
    ListingVariant,
    NotFound,
    Remote,
    UnknownOutcome,
)
from connector.adapters.contract import MemoryStore
from connector.adapters.shopee import ShopeeAdapter, sign
from connector.sandbox import SandboxServer
from tests.helpers import (
    listing_image,
    media_holding,
    requests_counted,
    sandbox_items,
    sandbox_stats,
    shirt_listing,
    shopee_refresh,
    stored_tokens,
    wallet_as_shown,
    wallet_listing,
)

ADAPTER = ShopeeAdapter
CHANNEL = "shopee"
PARTNER_ID = 100001
PARTNER_KEY = "sandbox-shopee-key"
SHOP_ID = 200001
TOKEN = "sandbox-shopee-token"
REFRESH = "sandbox-shopee-refresh"
CREDENTIALS = {
    "partner_id": str(PARTNER_ID),
    "partner_key": PARTNER_KEY,
    "shop_id": str(SHOP_ID),
    "access_token": TOKEN,
    "refresh_token": REFRESH,
}
# What every update_content of a listing with variants costs: the content, and one read of the models.
READ_AND_UPDATE = Counter({"product/update_item": 1, "product/get_model_list": 1})


# The mandatory attributes of the sandbox's leaf 100613 (Dompet Pria): Negara Asal and Bahan, as the sync fills them.
LEAF_ATTRIBUTES = (AttributeValue("100037", "Negara Asal", "Indonesia", "2001"),
                   AttributeValue("100134", "Bahan", "Kulit", "1001"))
plain_listing = functools.partial(wallet_listing, category_id=100613, attributes=LEAF_ATTRIBUTES)
varied_listing = functools.partial(shirt_listing, category_id=100613, attributes=LEAF_ATTRIBUTES)
inspect = functools.partial(sandbox_items, dialect="shopee")
requests_to = functools.partial(requests_counted, under="shopee /api/v2/")
raw_refresh = functools.partial(shopee_refresh, partner_id=PARTNER_ID, partner_key=PARTNER_KEY, shop_id=SHOP_ID)


def shoe(size: int) -> dict[str, Any]:
    """A shoe variant as the sandbox's inspection shows it."""
    return {"seller_sku": f"SPT-{size}", "price": 275000 + 1000 * (size - 40), "stock": size - 37}


def shoes(*sizes: int) -> Listing:
    """Shoes in the given sizes (one option list, Ukuran); without sizes a single-SKU listing."""
    variants = tuple(ListingVariant(**shoe(size), options={"Ukuran": str(size)}) for size in sizes)
    return plain_listing(
        "SPT", name="Sepatu Pantofel Kulit Pria", price=min((v.price for v in variants), default=275000),
        stock=sum(v.stock for v in variants), variants=variants,
    )


def calls(server: SandboxServer) -> Counter[str]:
    """Requests the sandbox has seen so far, by API (e.g. "product/add_model")."""
    return Counter({path.split("/api/v2/", 1)[-1]: n for path, n in sandbox_stats(server)["requests"].items()})


def model_list(server: SandboxServer, remote: Remote) -> dict[str, Any]:
    """get_model_list, signed by hand: what Shopee holds, independent of the adapter's own reading."""
    path, timestamp = "/api/v2/product/get_model_list", int(time.time())
    query = {
        "partner_id": PARTNER_ID, "timestamp": timestamp, "access_token": TOKEN, "shop_id": SHOP_ID,
        "sign": sign(PARTNER_KEY, PARTNER_ID, path, timestamp, TOKEN, SHOP_ID), "item_id": remote.external_id,
    }
    return requests.get(server.url + path, params=query, timeout=5).json()["response"]


def shopee_variant_ids(server: SandboxServer, remote: Remote) -> dict[str, str]:
    return {model["model_sku"]: str(model["model_id"]) for model in model_list(server, remote)["model"]}


def option_lists(server: SandboxServer, remote: Remote) -> list[tuple[str, list[str]]]:
    tiers = model_list(server, remote)["tier_variation"]
    return [(tier["name"], [option["option"] for option in tier["option_list"]]) for tier in tiers]


@pytest.fixture
def shopee(sandbox: SandboxServer, make_adapter: Callable[..., ShopeeAdapter]) -> ShopeeAdapter:
    return make_adapter(sandbox)


# --- signing -----------------------------------------------------------------------------------------------------


def test_shop_call_signature_matches_the_test_vector() -> None:
    signature = sign(PARTNER_KEY, PARTNER_ID, "/api/v2/product/update_stock", 1764403200, TOKEN, SHOP_ID)
    assert signature == "6cb04139bc2b941bf2ad4506d2680404f44d34be043ea898e3b7bb4cc1cd816a"


def test_public_call_signature_matches_the_test_vector() -> None:
    signature = sign(PARTNER_KEY, PARTNER_ID, "/api/v2/auth/access_token/get", 1764403200)
    assert signature == "7f70f4684897c4915f5dc5b20602b0fc21d27d2d9262c9ef27311de787f2ece2"


# --- check and create --------------------------------------------------------------------------------------------


def test_check_summarises_the_shop(shopee: ShopeeAdapter) -> None:
    assert shopee.check() == "shop 200001: authorised, 0 active listings"


def test_create_without_variants_shows_exactly_the_listing(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    remote = shopee.create(plain_listing(), "intent-1")
    assert remote == Remote(remote.external_id, "LPMJK-DOMPET-01", {}, active=True)
    assert inspect(sandbox) == [wallet_as_shown(int(remote.external_id), category_id=100613)]


def test_create_with_variants_and_images_shows_exactly_the_listing(
    sandbox: SandboxServer, shopee: ShopeeAdapter
) -> None:
    remote = shopee.create(varied_listing(), "intent-1")
    assert sorted(remote.variant_ids) == ["LPMJK-KAOS-01-BM", "LPMJK-KAOS-01-ML", "LPMJK-KAOS-01-MM"]
    [item] = inspect(sandbox)
    assert (item["seller_sku"], item["name"], item["images"]) == ("LPMJK-KAOS-01", "Kaos Sablon Lapas Mojokerto", 2)
    assert (item["price"], item["stock"]) == (50000, 6)  # the lowest variant price, the sum of their stock
    assert item["variants"] == [
        {"seller_sku": "LPMJK-KAOS-01-MM", "price": 50000, "stock": 1},
        {"seller_sku": "LPMJK-KAOS-01-ML", "price": 51000, "stock": 2},
        {"seller_sku": "LPMJK-KAOS-01-BM", "price": 52000, "stock": 3},
    ]
    assert requests_to(sandbox, "media_space/upload_image") == 2


def test_an_image_is_uploaded_once_across_two_creates(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    shopee.create(plain_listing("A-1"), "intent-1")
    shopee.create(plain_listing("A-2"), "intent-2")
    assert requests_to(sandbox, "media_space/upload_image") == 1
    assert [item["images"] for item in inspect(sandbox)] == [1, 1]


def test_variants_with_mismatched_options_are_refused_before_any_call(
    sandbox: SandboxServer, shopee: ShopeeAdapter
) -> None:
    variants = (ListingVariant("X-1", 10000, 1, {"Warna": "Merah"}), ListingVariant("X-2", 10000, 1, {"Ukuran": "L"}))
    with pytest.raises(Invalid, match="variant X-1 has options"):
        shopee.create(plain_listing("X", variants=variants), "intent-1")
    assert requests_to(sandbox, "product/add_item") == 0


def test_refused_content_is_invalid_with_shopees_reason(shopee: ShopeeAdapter) -> None:
    with pytest.raises(Invalid) as raised:
        shopee.create(plain_listing(price=50), "intent-1")
    assert raised.value.code == "error_price_exceed_min_limitt"
    assert "min price" in raised.value.message


# --- find --------------------------------------------------------------------------------------------------------


def test_find_sees_none_one_or_duplicates(shopee: ShopeeAdapter) -> None:
    assert shopee.find("LPMJK-DOMPET-01") == []
    first = shopee.create(plain_listing(), "intent-1")
    assert shopee.find("LPMJK-DOMPET-01") == [first]
    second = shopee.create(plain_listing(), "intent-2")  # Shopee itself has no duplicate check
    assert shopee.find("LPMJK-DOMPET-01") == [first, second]


def test_find_reads_variant_ids_and_status(shopee: ShopeeAdapter) -> None:
    created = shopee.create(varied_listing(), "intent-1")
    shopee.set_active([("k", created)], False)
    assert shopee.find("LPMJK-KAOS-01") == [Remote(created.external_id, "LPMJK-KAOS-01", created.variant_ids, False)]


# --- update_content ----------------------------------------------------------------------------------------------


def test_update_content_changes_the_listing_and_keeps_variant_ids(
    sandbox: SandboxServer, shopee: ShopeeAdapter
) -> None:
    created = shopee.create(varied_listing(), "intent-1")
    changed = replace(varied_listing(), name="Kaos Sablon Baru", images=(listing_image(3),), category_id=100251)
    before = calls(sandbox)
    remote = shopee.update_content(created, changed)
    assert remote == created
    [item] = inspect(sandbox)
    assert (item["name"], item["category_id"], item["images"]) == ("Kaos Sablon Baru", 100251, 1)
    # The variants are compared with one read; they are as wanted, so nothing else is written.
    assert calls(sandbox) - before == READ_AND_UPDATE + Counter({"media_space/upload_image": 1})


def test_adding_a_size_adds_its_option_then_one_model(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    created = shopee.create(shoes(40, 41, 42), "intent-1")
    before = calls(sandbox)
    remote = shopee.update_content(created, shoes(40, 41, 42, 43))
    assert calls(sandbox) - before == READ_AND_UPDATE + Counter(
        {"product/update_tier_variation": 1, "product/add_model": 1}
    )
    assert {sku: remote.variant_ids[sku] for sku in created.variant_ids} == created.variant_ids  # kept their ids
    assert remote.variant_ids == shopee_variant_ids(sandbox, remote)
    assert inspect(sandbox)[0]["variants"] == [shoe(size) for size in (40, 41, 42, 43)]
    assert option_lists(sandbox, remote) == [("Ukuran", ["40", "41", "42", "43"])]


def test_removing_a_size_deletes_its_model_and_its_option(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    created = shopee.create(shoes(40, 41, 42), "intent-1")
    before = calls(sandbox)
    remote = shopee.update_content(created, shoes(40, 42))
    assert calls(sandbox) - before == READ_AND_UPDATE + Counter(
        {"product/delete_model": 1, "product/update_tier_variation": 1}
    )
    assert remote.variant_ids == {sku: created.variant_ids[sku] for sku in ("SPT-40", "SPT-42")}
    assert inspect(sandbox)[0]["variants"] == [shoe(40), shoe(42)]
    assert option_lists(sandbox, remote) == [("Ukuran", ["40", "42"])]


def test_a_variant_of_options_already_there_is_one_add_model(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    created = shopee.create(varied_listing(), "intent-1")
    blue_large = ListingVariant("LPMJK-KAOS-01-BL", 53000, 4, {"Warna": "Biru", "Ukuran": "L"})
    more = replace(varied_listing(), variants=(*varied_listing().variants, blue_large))
    before = calls(sandbox)
    remote = shopee.update_content(created, more)
    assert calls(sandbox) - before == READ_AND_UPDATE + Counter({"product/add_model": 1})
    assert sorted(remote.variant_ids) == sorted([*created.variant_ids, "LPMJK-KAOS-01-BL"])
    assert inspect(sandbox)[0]["variants"][-1] == {"seller_sku": "LPMJK-KAOS-01-BL", "price": 53000, "stock": 4}


def test_a_renamed_option_is_one_update_tier_variation(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    created = shopee.create(varied_listing(), "intent-1")
    renamed = tuple(
        replace(v, options={**v.options, "Warna": "Navy"}) if v.options["Warna"] == "Biru" else v
        for v in varied_listing().variants
    )
    before = calls(sandbox)
    remote = shopee.update_content(created, replace(varied_listing(), variants=renamed))
    assert calls(sandbox) - before == READ_AND_UPDATE + Counter({"product/update_tier_variation": 1})
    assert remote.variant_ids == created.variant_ids
    assert option_lists(sandbox, remote) == [("Warna", ["Merah", "Navy"]), ("Ukuran", ["M", "L"])]


def test_a_second_option_list_replaces_every_model(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    created = shopee.create(shoes(40, 41), "intent-1")
    coloured = tuple(
        ListingVariant(f"SPT-{colour[0]}{size}", 275000 + size, 2, {"Warna": colour, "Ukuran": str(size)})
        for colour in ("Hitam", "Coklat")
        for size in (40, 41)
    )
    before = calls(sandbox)
    remote = shopee.update_content(created, replace(shoes(), variants=coloured))
    assert calls(sandbox) - before == READ_AND_UPDATE + Counter({"product/init_tier_variation": 1})
    assert sorted(remote.variant_ids) == ["SPT-C40", "SPT-C41", "SPT-H40", "SPT-H41"]
    assert remote.variant_ids == shopee_variant_ids(sandbox, remote)
    assert [(v["seller_sku"], v["price"], v["stock"]) for v in inspect(sandbox)[0]["variants"]] == [
        ("SPT-H40", 275040, 2), ("SPT-H41", 275041, 2), ("SPT-C40", 275040, 2), ("SPT-C41", 275041, 2)
    ]
    assert option_lists(sandbox, remote) == [("Warna", ["Hitam", "Coklat"]), ("Ukuran", ["40", "41"])]


def test_variants_of_a_plain_item_are_one_init_tier_variation(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    bare = shopee.create(plain_listing("LPMJK-KAOS-01"), "intent-1")  # or a create whose init_tier_variation failed
    before = calls(sandbox)
    remote = shopee.update_content(bare, varied_listing())
    assert calls(sandbox) - before == READ_AND_UPDATE + Counter(
        {"product/init_tier_variation": 1, "media_space/upload_image": 1}
    )
    assert sorted(remote.variant_ids) == ["LPMJK-KAOS-01-BM", "LPMJK-KAOS-01-ML", "LPMJK-KAOS-01-MM"]
    assert [(v["seller_sku"], v["price"], v["stock"]) for v in inspect(sandbox)[0]["variants"]] == [
        ("LPMJK-KAOS-01-MM", 50000, 1), ("LPMJK-KAOS-01-ML", 51000, 2), ("LPMJK-KAOS-01-BM", 52000, 3)
    ]


def test_variants_all_gone_make_a_single_sku_item(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    created = shopee.create(shoes(40, 41), "intent-1")
    single = replace(shoes(), price=260000, stock=5)
    before = calls(sandbox)
    remote = shopee.update_content(created, single)
    assert calls(sandbox) - before == READ_AND_UPDATE + Counter({"product/init_tier_variation": 1})
    assert remote.variant_ids == {}
    [item] = inspect(sandbox)
    assert (item["price"], item["stock"], item["variants"]) == (260000, 5, [])
    assert shopee.update_stock([Change("k", remote, {"SPT": 9})])[0].ok  # model 0: a plain item again
    assert inspect(sandbox)[0]["stock"] == 9


def test_replacing_every_sku_passes_through_no_tier(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    created = shopee.create(shoes(40, 41), "intent-1")
    new_skus = tuple(replace(v, seller_sku=f"NEW-{v.seller_sku}") for v in shoes(40, 41).variants)
    renamed = replace(shoes(), variants=new_skus)
    before = calls(sandbox)
    remote = shopee.update_content(created, renamed)
    assert (calls(sandbox) - before)["product/init_tier_variation"] == 2  # Shopee refuses init at the same level
    assert sorted(remote.variant_ids) == ["NEW-SPT-40", "NEW-SPT-41"]
    assert [v["seller_sku"] for v in inspect(sandbox)[0]["variants"]] == ["NEW-SPT-40", "NEW-SPT-41"]


# --- price, stock, status ----------------------------------------------------------------------------------------


def test_stock_below_a_promotions_reserved_stock_is_that_items_refusal(sandbox: SandboxServer,
                                                                       shopee: ShopeeAdapter) -> None:
    held = shopee.create(plain_listing(), "intent-1")
    free = shopee.create(plain_listing("TAS"), "intent-2")
    answer = requests.post(f"{sandbox.url}/_sandbox/reserved_stock", timeout=5,
                           json={"dialect": "shopee", "seller_sku": held.seller_sku, "reserved": 3})
    assert answer.status_code == 200
    refused, done = shopee.update_stock([Change("held", held, {str(held.seller_sku): 2}),
                                         Change("free", free, {str(free.seller_sku): 2})])
    assert isinstance(refused.error, Invalid) and refused.error.code == "error_auth"
    assert "reserved stock" in refused.error.message and done.ok
    assert requests_to(sandbox, "product/get_item_list") == 1  # the credentials were checked once


def test_orders_read_the_item_list_they_ask_for_and_a_return_as_returned(sandbox: SandboxServer,
                                                                          shopee: ShopeeAdapter) -> None:
    remote = shopee.create(plain_listing(), "intent-1")
    sku = str(remote.seller_sku)
    order_ids = [requests.post(f"{sandbox.url}/_sandbox/orders", timeout=5,
                               json={"dialect": "shopee", "seller_sku": sku, "quantity": n}).json()["order_id"]
                 for n in (1, 2)]
    assert requests.post(f"{sandbox.url}/_sandbox/orders/{order_ids[1]}/return", timeout=5).status_code == 200
    lines, _ = shopee.orders(None)
    assert sorted((line.order_id, line.seller_sku, line.quantity, line.status) for line in lines) == [
        (order_ids[0], sku, 1, "placed"), (order_ids[1], sku, 2, "returned")]


def test_prices_and_stock_go_one_call_per_item(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    plain = shopee.create(plain_listing(), "intent-1")
    varied = shopee.create(varied_listing(), "intent-2")
    variant_prices = {sku: 60000 for sku in varied.variant_ids}
    outcomes = shopee.update_prices(
        [Change("plain", plain, {"LPMJK-DOMPET-01": 90000}), Change("varied", varied, variant_prices)]
    )
    assert [(o.key, o.ok) for o in outcomes] == [("plain", True), ("varied", True)]
    outcomes = shopee.update_stock(
        [Change("plain", plain, {"LPMJK-DOMPET-01": 4}), Change("varied", varied, dict.fromkeys(varied.variant_ids, 7))]
    )
    assert all(outcome.ok for outcome in outcomes)
    assert requests_to(sandbox, "product/update_price") == 2
    assert requests_to(sandbox, "product/update_stock") == 2
    plain_item, varied_item = inspect(sandbox)
    assert (plain_item["price"], plain_item["stock"]) == (90000, 4)
    assert {(v["price"], v["stock"]) for v in varied_item["variants"]} == {(60000, 7)}


def test_a_failure_list_entry_is_an_invalid_outcome(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    varied = shopee.create(varied_listing(), "intent-1")
    stale = Remote(varied.external_id, varied.seller_sku, {**varied.variant_ids, "LPMJK-KAOS-01-MM": "123"})
    [outcome] = shopee.update_stock([Change("varied", stale, dict.fromkeys(varied.variant_ids, 9))])
    assert isinstance(outcome.error, Invalid)
    assert "LPMJK-KAOS-01-MM: Wrong model_id" in outcome.error.message
    assert sorted(v["stock"] for v in inspect(sandbox)[0]["variants"]) == [1, 9, 9]  # the others were set


def test_a_refused_price_is_an_invalid_outcome(shopee: ShopeeAdapter) -> None:
    plain = shopee.create(plain_listing(), "intent-1")
    [outcome] = shopee.update_prices([Change("plain", plain, {"LPMJK-DOMPET-01": 50})])
    assert isinstance(outcome.error, Invalid) and "min price" in outcome.error.message


def test_delist_and_relist_several_items_in_one_call(sandbox: SandboxServer, shopee: ShopeeAdapter) -> None:
    remotes = [(f"k{n}", shopee.create(plain_listing(f"S-{n}"), f"intent-{n}")) for n in range(3)]
    assert all(outcome.ok for outcome in shopee.set_active(remotes, False))
    assert {item["status"] for item in inspect(sandbox)} == {"inactive"}
    assert all(outcome.ok for outcome in shopee.set_active(remotes, True))
    assert {item["status"] for item in inspect(sandbox)} == {"active"}
    assert requests_to(sandbox, "product/unlist_item") == 2


def test_delisting_a_vanished_item_is_not_found_for_that_item(shopee: ShopeeAdapter) -> None:
    kept = shopee.create(plain_listing(), "intent-1")
    gone = Remote("1", "GONE-1")
    outcomes = shopee.set_active([("kept", kept), ("gone", gone)], False)
    assert outcomes[0].ok and isinstance(outcomes[1].error, NotFound)
    [alone] = shopee.set_active([("gone", gone)], False)  # all failed: still one outcome per item
    assert isinstance(alone.error, NotFound)


# --- faults ------------------------------------------------------------------------------------------------------


def test_throttles_and_server_failures_are_retried_until_the_create_succeeds(
    state: Path, make_adapter: Callable[..., ShopeeAdapter]
) -> None:
    with SandboxServer(port=0, state_path=state, seed=1, throttle_rate=0.3, fail_rate=0.2) as server:
        # the channels named, so the faults meet the same calls as before get_channel_list was read
        remote = make_adapter(server, options={"logistic_ids": [8003]}).create(varied_listing(), "intent-1")
        assert sandbox_stats(server)["faults"]["throttle"] > 0 and sandbox_stats(server)["faults"]["fail"] > 0
        [item] = inspect(server)
        assert str(item["item_id"]) == remote.external_id and len(item["variants"]) == 3


def test_lost_add_item_answer_is_unknown_outcome_and_find_sees_the_item(
    state: Path, make_adapter: Callable[..., ShopeeAdapter]
) -> None:
    media = media_holding(listing_image(1), state, make_adapter)
    with SandboxServer(port=0, state_path=state, seed=1, timeout_rate=1.0, timeout_seconds=2) as server:
        adapter = make_adapter(server, media=media, timeout=0.3)
        with pytest.raises(UnknownOutcome):
            adapter.create(plain_listing(), "intent-1")
        assert requests_to(server, "product/add_item") == 1  # never blindly repeated
        [found] = adapter.find("LPMJK-DOMPET-01")  # reads are never hit by timeouts
        assert found.seller_sku == "LPMJK-DOMPET-01"


# --- tokens and credentials --------------------------------------------------------------------------------------


def test_expired_access_token_is_refreshed_once_saved_before_use_and_the_call_succeeds(
    state: Path, make_adapter: Callable[..., ShopeeAdapter]
) -> None:
    with SandboxServer(port=0, state_path=state, shopee_token_ttl=1) as server:
        issued = raw_refresh(server, REFRESH).json()  # a pair that expires in one second
        time.sleep(1.1)
        calls_when_saved: list[int] = []
        tokens = MemoryStore(on_save=lambda: calls_when_saved.append(requests_to(server, "product/get_item_list")))
        adapter = make_adapter(
            server, tokens=tokens, access_token=issued["access_token"], refresh_token=issued["refresh_token"]
        )
        assert adapter.check().startswith("shop 200001")
        assert requests_to(server, "auth/access_token/get") == 2  # ours plus the test's own
        assert calls_when_saved == [1]  # saved after the refused call, before the retry
        assert requests_to(server, "product/get_item_list") == 2
        [saved] = tokens.saved
        assert saved["refresh_token"] not in ("", issued["refresh_token"])
        assert raw_refresh(server, issued["refresh_token"]).json()["error"] == "error_auth"  # the old one is spent


def test_threads_sharing_the_adapter_refresh_only_once(
    sandbox: SandboxServer, make_adapter: Callable[..., ShopeeAdapter], in_threads: Callable[..., list[BaseException]]
) -> None:
    # The store wins over the config.
    tokens = stored_tokens(CHANNEL, "revoked", REFRESH)
    adapter = make_adapter(sandbox, tokens=tokens)
    errors = in_threads(adapter.check, 4)
    assert errors == []
    assert requests_to(sandbox, "auth/access_token/get") == 1 and len(tokens.saved) == 1


def test_access_token_near_its_stored_expiry_is_refreshed_before_the_call(
    sandbox: SandboxServer, make_adapter: Callable[..., ShopeeAdapter]
) -> None:
    tokens = stored_tokens(CHANNEL, TOKEN, REFRESH, expires_at=time.time() + 60)
    make_adapter(sandbox, tokens=tokens).check()
    assert requests_to(sandbox, "auth/access_token/get") == 1
    assert requests_to(sandbox, "product/get_item_list") == 1  # no refused call first
    assert tokens.saved[0]["expires_at"] > time.time() + 3600


def test_spent_refresh_token_is_an_auth_error_that_says_what_to_do(
    sandbox: SandboxServer, make_adapter: Callable[..., ShopeeAdapter]
) -> None:
    raw_refresh(sandbox, REFRESH)
    adapter = make_adapter(sandbox, access_token="revoked")
    with pytest.raises(AuthError, match="re-authorise the shop"):
        adapter.check()


def test_bad_partner_key_is_an_auth_error_without_secrets(
    sandbox: SandboxServer, make_adapter: Callable[..., ShopeeAdapter]
) -> None:
    adapter = make_adapter(sandbox, partner_key="not-the-partner-key")
    with pytest.raises(AuthError) as raised:
        adapter.check()
    error = raised.value
    assert "signature" in error.message and error.code == "error_sign"
    text = " ".join(str(e) for e in (error, error.__cause__, error.__context__) if e is not None)
    assert "not-the-partner-key" not in text and TOKEN not in text
    assert not re.search(r"[0-9a-f]{64}", text)  # no sign
    assert requests_to(sandbox, "auth/access_token/get") == 0  # a bad signature is no reason to refresh


def test_a_shop_reauthorised_in_the_config_wins_over_the_stored_pair(
    sandbox: SandboxServer, make_adapter: Callable[..., ShopeeAdapter]
) -> None:
    stale = {"access_token": "revoked", "refresh_token": "spent", "expires_at": time.time() + 3600,
             "config_refresh_sha": hashlib.sha256(b"an-older-refresh-token").hexdigest()}
    tokens = MemoryStore({CHANNEL: stale})
    adapter = make_adapter(sandbox, tokens=tokens)  # the config carries the newly authorised pair
    assert adapter.check().startswith("shop 200001")
    assert requests_to(sandbox, "auth/access_token/get") == 0
