"""The TikTok Shop adapter against the sandbox's TikTok Shop dialect, over real HTTP on loopback."""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from connector.adapters.base import (
    AdapterError,
    AttributeValue,
    AuthError,
    Change,
    Invalid,
    Listing,
    ListingVariant,
    NotFound,
    Remote,
    Throttled,
    Transient,
    UnknownOutcome,
)
from connector.adapters.contract import MemoryStore
from connector.adapters.tiktokshop import TikTokShopAdapter, classify, sign
from connector.sandbox import SandboxServer
from connector.sandbox.store import Store
from tests.helpers import (
    HEADER,
    listing_image,
    media_holding,
    one_channel_config,
    png,
    requests_counted,
    sandbox_items,
    sandbox_stats,
    stored_tokens,
    sync_report,
    tiktok_refresh,
    wallet_as_shown,
    wallet_listing,
)

ADAPTER = TikTokShopAdapter
CHANNEL = "tiktok"
SECRET = "sandbox-tts-secret"
REFRESH = "sandbox-tts-refresh"
CREDENTIALS = {
    "app_key": "sandbox-tts-app",
    "app_secret": SECRET,
    "access_token": "sandbox-tts-token",
    "shop_cipher": "sandbox-cipher",
    "refresh_token": REFRESH,
}


plain_listing = functools.partial(
    wallet_listing, name="Dompet Kulit Sapi Asli Lapas Mojokerto",
    description="Dompet kulit sapi asli buatan warga binaan.\n\nJahitan rapi.", category_id=601430,
    attributes=(AttributeValue("100107", "Bahan", "Kulit", "1000101"),),  # the wallet leaf's mandatory Bahan
)
inspect = functools.partial(sandbox_items, dialect="tiktokshop")
requests_to = functools.partial(requests_counted, under="tiktokshop ")
raw_refresh = functools.partial(tiktok_refresh, app_key=CREDENTIALS["app_key"], secret=SECRET)


def varied_listing(sku: str = "LPMJK-KAOS-01", sizes: tuple[str, ...] = ("M", "L", "XL")) -> Listing:
    variants = tuple(
        ListingVariant(f"{sku}-{size}", 50000 + 1000 * n, n + 1, {"Warna": "Hitam", "Ukuran": size})
        for n, size in enumerate(sizes)
    )
    return plain_listing(sku, name="Kaos Sablon Katun Lapas Mojokerto", category_id=601226, price=50000,
                         stock=sum(v.stock for v in variants), images=(listing_image(1), listing_image(2)),
                         variants=variants, length_cm=30, width_cm=20, height_cm=2)


@pytest.fixture
def tiktok(sandbox: SandboxServer, make_adapter: Callable[..., TikTokShopAdapter]) -> TikTokShopAdapter:
    return make_adapter(sandbox)


# --- signing and classification ----------------------------------------------------------------------------------


def test_signature_matches_the_test_vector() -> None:
    path = "/product/202309/products/1729000000000000001/inventory/update"
    query = {"app_key": "sandbox-tts-app", "timestamp": "1764403200", "shop_cipher": "sandbox-cipher",
             "sign": "ignored", "access_token": "ignored"}
    body = b'{"skus":[{"id":"1729000000000000001","inventory":[{"warehouse_id":"7000000000000000001","quantity":7}]}]}'
    assert sign(SECRET, path, query, body) == "723fe35329eae55fb02e559619ef8ecd5d7bd4a2868e27f0b2f6ac8d2da37311"


@pytest.mark.parametrize(
    ("code", "message", "status", "expected"),
    [
        ("36009002", "Too many requests.", 429, Throttled),
        ("12052109", "number of requests from merchants over limit", 200, Throttled),
        ("36009003", "Internal error.", 503, Transient),
        ("0", "", 503, Transient),
        ("105002", "Expired credentials.", 401, AuthError),
        ("106001", "Invalid credentials. The `sign` query parameter is invalid.", 401, AuthError),
        ("36009033", "Access denied. Your IP address is not in the IP allow list", 403, AuthError),
        ("36009004", "Invalid timestamp. The value of the `timestamp` query parameter must not exceed ...", 400,
         AuthError),
        ("36009004", "invalid param error", 200, Invalid),
        ("12052260", "The product ID does not exist", 200, NotFound),
        ("36009009", "Invalid path.", 404, AdapterError),
        ("12052073", "The product price is invalid", 200, Invalid),
    ],
)
def test_answers_are_classified(code: str, message: str, status: int, expected: type[AdapterError]) -> None:
    assert type(classify(code, message, status, "TikTok Shop create")) is expected


def test_the_ip_refusal_says_what_to_do() -> None:
    error = classify("36009033", "Access denied.", 403, "TikTok Shop search")
    assert "IP allow list" in error.message and "Partner Center" in error.message


# --- check and create --------------------------------------------------------------------------------------------


def test_check_summarises_the_shop(tiktok: TikTokShopAdapter) -> None:
    assert tiktok.check() == "shop PASINDO Sandbox (ID): authorised, 0 active listings"


def test_create_without_variants_shows_exactly_the_listing(sandbox: SandboxServer, tiktok: TikTokShopAdapter) -> None:
    remote = tiktok.create(plain_listing(), "intent-1")
    assert remote.seller_sku == "LPMJK-DOMPET-01" and list(remote.variant_ids) == ["LPMJK-DOMPET-01"]
    assert inspect(sandbox) == [
        {**wallet_as_shown(int(remote.external_id), name="Dompet Kulit Sapi Asli Lapas Mojokerto", category_id=601430),
         "platforms": {"TIKTOK_SHOP": "active"}},  # the sandbox's per-platform state
    ]


def test_create_with_variants_and_images_in_one_call(sandbox: SandboxServer, tiktok: TikTokShopAdapter) -> None:
    remote = tiktok.create(varied_listing(), "intent-1")
    assert remote.seller_sku is None
    assert sorted(remote.variant_ids) == ["LPMJK-KAOS-01-L", "LPMJK-KAOS-01-M", "LPMJK-KAOS-01-XL"]
    [item] = inspect(sandbox)
    assert (item["seller_sku"], item["images"], item["price"], item["stock"]) == (None, 2, 50000, 6)
    assert item["variants"] == [
        {"seller_sku": "LPMJK-KAOS-01-M", "price": 50000, "stock": 1},
        {"seller_sku": "LPMJK-KAOS-01-L", "price": 51000, "stock": 2},
        {"seller_sku": "LPMJK-KAOS-01-XL", "price": 52000, "stock": 3},
    ]
    assert requests_to(sandbox, "/product/202309/products") == 1
    assert requests_to(sandbox, "/product/202309/images/upload") == 2


def test_an_image_is_uploaded_once_across_two_creates(sandbox: SandboxServer, tiktok: TikTokShopAdapter) -> None:
    tiktok.create(plain_listing("A-1"), "intent-1")
    tiktok.create(plain_listing("A-2"), "intent-2")
    assert requests_to(sandbox, "/product/202309/images/upload") == 1
    assert requests_to(sandbox, "/logistics/202309/warehouses") == 1  # the warehouse is read once too


def test_a_name_shorter_than_25_characters_is_refused_by_tiktok_as_invalid(
    sandbox: SandboxServer, tiktok: TikTokShopAdapter
) -> None:
    # the sync completes short names before the adapter (connector/sync/fit.py); one that still comes short is
    # TikTok's to refuse, and nothing is created
    with pytest.raises(Invalid, match="25-255 characters"):
        tiktok.create(plain_listing(name="Dompet Kulit Mojokerto"), "intent-1")
    assert tiktok.find(plain_listing().seller_sku) == []


def test_a_price_above_100_million_is_invalid_with_tiktoks_reason(tiktok: TikTokShopAdapter) -> None:
    with pytest.raises(Invalid) as raised:
        tiktok.create(plain_listing(price=120_000_000), "intent-1")  # within PASINDO's 150 million
    assert raised.value.code == "12052073" and "100,000,000" in raised.value.message


def test_listing_platforms_come_from_the_options(state: Path, sandbox: SandboxServer,
                                                 make_adapter: Callable[..., TikTokShopAdapter]) -> None:
    make_adapter(sandbox, options={"listing_platforms": ["TOKOPEDIA"]}).create(plain_listing("T-1"), "intent-1")
    make_adapter(sandbox).create(plain_listing("T-2"), "intent-2")
    store = Store(state)  # the sandbox's own file: what TikTok stored
    try:
        items, _ = store.query_items("tiktokshop", statuses=("active",))
        assert [item.extra["listing_platforms"] for item in items] == [["TOKOPEDIA"], ["TIKTOK_SHOP"]]
    finally:
        store.close()
    with pytest.raises(ValueError, match="listing_platforms"):
        make_adapter(sandbox, options={"listing_platforms": ["SHOPEE"]})


# --- find --------------------------------------------------------------------------------------------------------


def test_find_by_variant_skus_sees_none_one_or_duplicates(tiktok: TikTokShopAdapter) -> None:
    variant_skus = [v.seller_sku for v in varied_listing().variants]
    assert tiktok.find("LPMJK-KAOS-01", variant_skus) == []
    first = tiktok.create(varied_listing(), "intent-1")
    assert tiktok.find("LPMJK-KAOS-01", variant_skus) == [first]
    second = tiktok.create(varied_listing(), "intent-2")  # another intent: TikTok has no duplicate check by SKU
    assert tiktok.find("LPMJK-KAOS-01", variant_skus) == [first, second]


def test_find_a_product_without_variants_by_its_own_sku_and_reads_its_status(tiktok: TikTokShopAdapter) -> None:
    created = tiktok.create(plain_listing(), "intent-1")
    tiktok.set_active([("k", created)], False)
    assert tiktok.find("LPMJK-DOMPET-01") == [replace(created, active=False)]


def test_find_searches_ten_seller_skus_per_call(sandbox: SandboxServer, tiktok: TikTokShopAdapter) -> None:
    sizes = tuple(str(size) for size in range(36, 48))
    created = tiktok.create(varied_listing("LPMJK-SPT-01", sizes), "intent-1")
    before = requests_to(sandbox, "/product/202502/products/search")
    assert tiktok.find("LPMJK-SPT-01", [f"LPMJK-SPT-01-{size}" for size in sizes]) == [created]
    assert requests_to(sandbox, "/product/202502/products/search") - before == 2


# --- update_content ----------------------------------------------------------------------------------------------


def test_update_content_changes_the_listing_and_keeps_sku_ids(sandbox: SandboxServer,
                                                               tiktok: TikTokShopAdapter) -> None:
    created = tiktok.create(varied_listing(), "intent-1")
    changed = replace(varied_listing(), name="Kaos Sablon Katun Baru Lapas Mojokerto", images=(listing_image(3),),
                      category_id=601195)
    assert tiktok.update_content(created, changed) == created
    [item] = inspect(sandbox)
    assert (item["name"], item["category_id"], item["images"]) == ("Kaos Sablon Katun Baru Lapas Mojokerto", 601195, 1)


def test_update_content_changes_the_sku_set(sandbox: SandboxServer, tiktok: TikTokShopAdapter) -> None:
    created = tiktok.create(varied_listing(), "intent-1")
    remote = tiktok.update_content(created, varied_listing(sizes=("M", "XXL")))
    assert remote.variant_ids["LPMJK-KAOS-01-M"] == created.variant_ids["LPMJK-KAOS-01-M"]
    assert sorted(remote.variant_ids) == ["LPMJK-KAOS-01-M", "LPMJK-KAOS-01-XXL"]
    assert [v["seller_sku"] for v in inspect(sandbox)[0]["variants"]] == ["LPMJK-KAOS-01-M", "LPMJK-KAOS-01-XXL"]
    assert tiktok.find("LPMJK-KAOS-01", ["LPMJK-KAOS-01-L"]) == []


def test_update_content_with_a_stale_ledger_looks_the_sku_ids_up_instead_of_adding_skus_twice(
    sandbox: SandboxServer, tiktok: TikTokShopAdapter
) -> None:
    created = tiktok.create(varied_listing(), "intent-1")
    remote = tiktok.update_content(replace(created, variant_ids={}), varied_listing())
    assert remote.variant_ids == created.variant_ids
    assert len(inspect(sandbox)[0]["variants"]) == 3


def test_update_content_of_a_vanished_product_is_not_found(tiktok: TikTokShopAdapter) -> None:
    with pytest.raises(NotFound):
        tiktok.update_content(Remote("1", "LPMJK-DOMPET-01", {"LPMJK-DOMPET-01": "2"}), plain_listing())


# --- price, stock, status ----------------------------------------------------------------------------------------


def test_prices_and_stock_go_one_call_per_product(sandbox: SandboxServer, tiktok: TikTokShopAdapter) -> None:
    plain = tiktok.create(plain_listing(), "intent-1")
    varied = tiktok.create(varied_listing(), "intent-2")
    outcomes = tiktok.update_prices([Change("plain", plain, {"LPMJK-DOMPET-01": 90000}),
                                     Change("varied", varied, dict.fromkeys(varied.variant_ids, 60000))])
    assert [(o.key, o.ok) for o in outcomes] == [("plain", True), ("varied", True)]
    outcomes = tiktok.update_stock([Change("plain", plain, {"LPMJK-DOMPET-01": 4}),
                                    Change("varied", varied, dict.fromkeys(varied.variant_ids, 7))])
    assert all(outcome.ok for outcome in outcomes)
    assert requests_to(sandbox, r"/product/202309/products/\d+/prices/update") == 2
    assert requests_to(sandbox, r"/product/202309/products/\d+/inventory/update") == 2
    plain_item, varied_item = inspect(sandbox)
    assert (plain_item["price"], plain_item["stock"]) == (90000, 4)
    assert {(v["price"], v["stock"]) for v in varied_item["variants"]} == {(60000, 7)}


def test_a_refused_sku_is_an_invalid_outcome_and_the_others_are_set(sandbox: SandboxServer,
                                                                    tiktok: TikTokShopAdapter) -> None:
    varied = tiktok.create(varied_listing(), "intent-1")
    stale = replace(varied, variant_ids={**varied.variant_ids, "LPMJK-KAOS-01-M": "123"})
    [outcome] = tiktok.update_stock([Change("varied", stale, dict.fromkeys(varied.variant_ids, 9))])
    assert isinstance(outcome.error, Invalid) and "LPMJK-KAOS-01-M: 98001004" in outcome.error.message
    assert [v["stock"] for v in inspect(sandbox)[0]["variants"]] == [1, 9, 9]


def test_a_refused_price_is_an_invalid_outcome(tiktok: TikTokShopAdapter) -> None:
    plain = tiktok.create(plain_listing(), "intent-1")
    [outcome] = tiktok.update_prices([Change("plain", plain, {"LPMJK-DOMPET-01": 50})])
    assert isinstance(outcome.error, Invalid) and outcome.error.code == "12052073"


def test_delist_and_relist_several_products_in_one_call(sandbox: SandboxServer, tiktok: TikTokShopAdapter) -> None:
    remotes = [(f"k{n}", tiktok.create(plain_listing(f"S-{n}"), f"intent-{n}")) for n in range(3)]
    assert all(outcome.ok for outcome in tiktok.set_active(remotes, False))
    assert {item["status"] for item in inspect(sandbox)} == {"inactive"}
    assert all(outcome.ok for outcome in tiktok.set_active(remotes, True))
    assert {item["status"] for item in inspect(sandbox)} == {"active"}
    assert requests_to(sandbox, "/product/202309/products/(de)?activate") == 2


def test_delisting_a_vanished_product_is_not_found_for_that_product(tiktok: TikTokShopAdapter) -> None:
    kept = tiktok.create(plain_listing(), "intent-1")
    outcomes = tiktok.set_active([("kept", kept), ("gone", Remote("1", "GONE-1"))], False)
    assert outcomes[0].ok and isinstance(outcomes[1].error, NotFound)


# --- faults ------------------------------------------------------------------------------------------------------


def test_throttles_and_server_failures_are_retried_until_the_create_succeeds(
    state: Path, make_adapter: Callable[..., TikTokShopAdapter]
) -> None:
    with SandboxServer(port=0, state_path=state, seed=1, throttle_rate=0.3, fail_rate=0.2) as server:
        remote = make_adapter(server).create(varied_listing(), "intent-1")
        assert sandbox_stats(server)["faults"]["throttle"] > 0 and sandbox_stats(server)["faults"]["fail"] > 0
        [item] = inspect(server)
        assert str(item["item_id"]) == remote.external_id and len(item["variants"]) == 3


def test_lost_create_answers_are_retried_with_the_same_key_and_never_duplicate(
    state: Path, make_adapter: Callable[..., TikTokShopAdapter]
) -> None:
    media = media_holding(listing_image(1), state, make_adapter)
    with SandboxServer(port=0, state_path=state, seed=1, timeout_rate=1.0, timeout_seconds=1) as server:
        adapter = make_adapter(server, media=media, timeout=0.3)
        writes = sandbox_stats(server)["writes"]  # the counters live in the state file: the upload is there already
        with pytest.raises(UnknownOutcome, match="idempotency key"):
            adapter.create(plain_listing(), "intent-1")
        # Repeated with the key, as often as the retry policy allows.
        assert requests_to(server, "/product/202309/products") == adapter.options.retry.attempts
        assert sandbox_stats(server)["writes"] == writes + 1  # the repeats found the product the first made
        [found] = adapter.find("LPMJK-DOMPET-01")  # reads are never hit by timeouts
        assert [item["item_id"] for item in inspect(server)] == [int(found.external_id)]


# --- tokens and credentials --------------------------------------------------------------------------------------


def test_expired_access_token_is_refreshed_once_saved_before_use_and_the_call_succeeds(
    state: Path, make_adapter: Callable[..., TikTokShopAdapter]
) -> None:
    store = Store(state)
    store.put_token("tiktokshop", "access", "expired-token", "sandbox-cipher", time.time() - 1, replace=True)
    store.close()
    with SandboxServer(port=0, state_path=state) as server:
        calls_when_saved: list[int] = []
        shops_calls = functools.partial(requests_to, server, "/authorization/202309/shops")
        tokens = MemoryStore(on_save=lambda: calls_when_saved.append(shops_calls()))
        adapter = make_adapter(server, tokens=tokens, access_token="expired-token")
        assert adapter.check().startswith("shop PASINDO Sandbox")
        assert requests_to(server, "/authorization/api/v2/token/refresh") == 1
        assert calls_when_saved == [1]  # saved after the refused call, before the retry
        assert requests_to(server, "/authorization/202309/shops") == 2
        [saved] = tokens.saved
        assert saved["refresh_token"] != REFRESH and saved["expires_at"] > time.time() + 6 * 24 * 3600
        assert raw_refresh(server, REFRESH)["code"] == 36004004  # the old one is spent


def test_access_token_near_its_stored_expiry_is_refreshed_before_the_call(
    sandbox: SandboxServer, make_adapter: Callable[..., TikTokShopAdapter]
) -> None:
    tokens = stored_tokens(CHANNEL, CREDENTIALS["access_token"], REFRESH, expires_at=time.time() + 60)
    make_adapter(sandbox, tokens=tokens).check()
    assert requests_to(sandbox, "/authorization/api/v2/token/refresh") == 1
    assert requests_to(sandbox, "/authorization/202309/shops") == 1  # no refused call first


def test_spent_refresh_token_is_an_auth_error_that_says_what_to_do(
    sandbox: SandboxServer, make_adapter: Callable[..., TikTokShopAdapter]
) -> None:
    raw_refresh(sandbox, REFRESH)
    with pytest.raises(AuthError, match="re-authorise the shop"):
        make_adapter(sandbox, access_token="revoked").check()


def test_bad_app_secret_is_an_auth_error_without_secrets(
    sandbox: SandboxServer, make_adapter: Callable[..., TikTokShopAdapter]
) -> None:
    with pytest.raises(AuthError) as raised:
        make_adapter(sandbox, app_secret="not-the-app-secret").check()
    error = raised.value
    assert "signature" in error.message and error.code == "106001"
    text = " ".join(str(e) for e in (error, error.__cause__, error.__context__) if e is not None)
    assert "not-the-app-secret" not in text and CREDENTIALS["access_token"] not in text
    assert not re.search(r"[0-9a-f]{64}", text)  # no sign
    assert requests_to(sandbox, "/authorization/api/v2/token/refresh") == 0  # a bad signature is no reason to refresh


# --- end to end: pasindo sync ------------------------------------------------------------------------------------


def test_pasindo_sync_lists_everything_once_and_a_second_sync_writes_nothing(tmp_path: Path,
                                                                             sandbox: SandboxServer) -> None:
    (tmp_path / "a.png").write_bytes(png(1))
    rows = [f"DMP-{n};Dompet Kulit Sapi Asli Pria Model {n};Fashion / Dompet;Rp15{n}.000;1{n};120;a.png;;;"
            for n in range(3)]
    rows += [f"SPT-{size};Sepatu Pantofel Kulit Pria Hitam Asli;Fashion/Sepatu;275.000;3;900;a.png;SPT;Ukuran;{size}"
             for size in (40, 41)]
    (tmp_path / "katalog.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    config = one_channel_config(tmp_path, f"""\
  - name: tiktok
    adapter: tiktokshop
    endpoint: {sandbox.url}
    credentials: {json.dumps(CREDENTIALS)}
    options: {{listing_platforms: [TIKTOK_SHOP, TOKOPEDIA]}}""")

    first = sync_report(config)
    assert [(c["op"], c["outcome"], c["count"]) for c in first["counts"]] == [("create", "ok", 4)]
    items = {item["seller_sku"]: item for item in inspect(sandbox)}
    assert set(items) == {"LPUJI-DMP-0", "LPUJI-DMP-1", "LPUJI-DMP-2", None}
    assert [v["seller_sku"] for v in items[None]["variants"]] == ["LPUJI-SPT-40", "LPUJI-SPT-41"]
    before = sandbox_stats(sandbox)
    assert sync_report(config)["counts"] == []
    # Every sync pulls the new orders, returns and cancellations first: one read of each.
    reads = {f"tiktokshop {path}": 0 for path in ("/order/202309/orders/search", "/return_refund/202309/returns/search",
                                                   "/return_refund/202309/cancellations/search")}
    after = sandbox_stats(sandbox)
    assert {**after["requests"], **reads} == {**before["requests"], **reads} and after["writes"] == before["writes"]
    assert all(after["requests"][read] == before["requests"][read] + 1 for read in reads)


def test_two_syncs_read_the_shops_warehouse_list_once(tmp_path: Path, sandbox: SandboxServer) -> None:
    (tmp_path / "a.png").write_bytes(png(1))

    def catalog(stock: int) -> None:
        row = f"DMP-0;Dompet Kulit Sapi Asli Pria Model 0;Fashion / Dompet;Rp150.000;{stock};120;a.png;;;"
        (tmp_path / "katalog.csv").write_text(f"{HEADER}\n{row}\n", encoding="utf-8")

    config = one_channel_config(tmp_path, f"""\
  - name: tiktok
    adapter: tiktokshop
    endpoint: {sandbox.url}
    credentials: {json.dumps(CREDENTIALS)}""")
    catalog(4)
    assert [(c["op"], c["outcome"]) for c in sync_report(config)["counts"]] == [("create", "ok")]
    catalog(9)
    assert [(c["op"], c["outcome"]) for c in sync_report(config)["counts"]] == [("update_stock", "ok")]
    assert requests_to(sandbox, "/logistics/202309/warehouses") == 1
    assert requests_to(sandbox, r"/product/202309/products/\d+/inventory/update") == 1
    [item] = inspect(sandbox)
    assert item["stock"] == 9
