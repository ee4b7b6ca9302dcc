"""The Lazada adapter against the sandbox's Lazada dialect, over real HTTP on loopback."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

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
    Transient,
    UnknownOutcome,
)
from connector.adapters.contract import MemoryStore
from connector.adapters.lazada import LazadaAdapter, sign
from connector.sandbox import SandboxServer
from tests.helpers import (
    HEADER,
    listing_image,
    media_holding,
    one_channel_config,
    requests_counted,
    sandbox_items,
    sandbox_stats,
    shirt_listing,
    stored_tokens,
    sync_report,
    wallet_as_shown,
    wallet_listing,
)

ADAPTER = LazadaAdapter
CHANNEL = "lazada"
SECRET = "sandbox-lazada-secret"
TOKEN = "sandbox-lazada-token"
REFRESH = "sandbox-lazada-refresh"
CREDENTIALS = {"app_key": "100002", "app_secret": SECRET, "access_token": TOKEN, "refresh_token": REFRESH}
CONFIG_REFRESH_SHA = hashlib.sha256(REFRESH.encode()).hexdigest()  # marks a stored pair as refreshed from these


MATERIAL = (AttributeValue("material", "material", "Leather"),)  # mandatory on both leaves (the sandbox's tree)
plain_listing = functools.partial(wallet_listing, category_id=10100763, attributes=MATERIAL)
varied_listing = functools.partial(shirt_listing, category_id=8638, attributes=MATERIAL)
inspect = functools.partial(sandbox_items, dialect="lazada")
requests_to = functools.partial(requests_counted, under="lazada /rest/")


@pytest.fixture
def lazada(sandbox: SandboxServer, make_adapter: Callable[..., LazadaAdapter]) -> LazadaAdapter:
    return make_adapter(sandbox)


# --- signing, check, create ----------------------------------------------------------------------------------


def test_signature_matches_the_test_vector() -> None:
    params = {
        "app_key": "100002",
        "sign_method": "sha256",
        "timestamp": "1764403200000",
        "access_token": TOKEN,
        "payload": "<Request><Product><Skus><Sku><SellerSku>LPMJK-DOMPET-01</SellerSku><Quantity>7</Quantity></Sku>"
        "</Skus></Product></Request>",
    }
    expected = "0FAAF7B8CB1D14100FD088A3092DADE64D48470643E8875BF8B86D3A1335E0B0"
    assert sign(SECRET, "/product/price_quantity/update", params) == expected


def test_check_summarises_the_seller(lazada: LazadaAdapter) -> None:
    assert lazada.check() == "app 100002: authorised, 0 live products"


def test_create_without_variants_shows_exactly_the_listing(sandbox: SandboxServer, lazada: LazadaAdapter) -> None:
    remote = lazada.create(plain_listing(), "intent-1")
    assert remote == Remote(remote.external_id, "LPMJK-DOMPET-01", {"LPMJK-DOMPET-01": remote.variant_ids[
        "LPMJK-DOMPET-01"]}, active=True)
    assert inspect(sandbox) == [wallet_as_shown(int(remote.external_id), category_id=10100763)]


def test_create_with_variants_and_images_shows_exactly_the_listing(
    sandbox: SandboxServer, lazada: LazadaAdapter
) -> None:
    remote = lazada.create(varied_listing(), "intent-1")
    assert remote.seller_sku is None
    assert sorted(remote.variant_ids) == ["LPMJK-KAOS-01-BM", "LPMJK-KAOS-01-ML", "LPMJK-KAOS-01-MM"]
    [item] = inspect(sandbox)
    assert (item["seller_sku"], item["name"], item["images"]) == (None, "Kaos Sablon Lapas Mojokerto", 2)
    assert (item["price"], item["stock"]) == (50000, 6)
    assert item["variants"] == [
        {"seller_sku": "LPMJK-KAOS-01-MM", "price": 50000, "stock": 1},
        {"seller_sku": "LPMJK-KAOS-01-ML", "price": 51000, "stock": 2},
        {"seller_sku": "LPMJK-KAOS-01-BM", "price": 52000, "stock": 3},
    ]
    assert (requests_to(sandbox, "image/upload"), requests_to(sandbox, "product/create")) == (2, 1)


def test_an_image_is_uploaded_once_across_two_creates(sandbox: SandboxServer, lazada: LazadaAdapter) -> None:
    lazada.create(plain_listing("A-1"), "intent-1")
    lazada.create(plain_listing("A-2"), "intent-2")
    assert requests_to(sandbox, "image/upload") == 1
    assert [item["images"] for item in inspect(sandbox)] == [1, 1]


@pytest.mark.parametrize(
    ("listing", "words"),
    [
        (varied_listing(variants=(ListingVariant("X-1", 10000, 1, {"Warna": "Merah"}),
                                  ListingVariant("X-2", 10000, 1, {"Ukuran": "L"}))), "variant X-1 has options"),
        (varied_listing(variants=(ListingVariant("X-1", 10000, 1, {"Warna": "Merah"}),
                                  ListingVariant("X-2", 10000, 1, {"Warna": "Merah"}))), "the same options"),
        (varied_listing(variants=(ListingVariant("X-1", 10000, 1, {"A": "1", "B": "2", "C": "3"}),)),
         "1 or 2 option names"),
        (plain_listing(images=tuple(listing_image(n) for n in range(9))), "at most 8 images"),
    ],
)
def test_listings_lazada_would_refuse_are_refused_before_any_call(
    sandbox: SandboxServer, lazada: LazadaAdapter, listing: Listing, words: str
) -> None:
    with pytest.raises(Invalid, match=words):
        lazada.create(listing, "intent-1")
    assert requests_to(sandbox, "image/upload") == requests_to(sandbox, "product/create") == 0


def test_refused_content_is_invalid_with_lazadas_reason(lazada: LazadaAdapter) -> None:
    with pytest.raises(Invalid) as raised:
        lazada.create(plain_listing(name="x" * 256), "intent-1")
    assert raised.value.code == "500" and "longer than 255" in raised.value.message


# --- find ------------------------------------------------------------------------------------------------------


def test_find_sees_none_one_or_duplicates(lazada: LazadaAdapter) -> None:
    assert lazada.find("LPMJK-DOMPET-01") == []
    first = lazada.create(plain_listing(), "intent-1")
    assert lazada.find("LPMJK-DOMPET-01") == [first]
    second = lazada.create(plain_listing(), "intent-2")  # seller SKUs are unique within a product only
    assert lazada.find("LPMJK-DOMPET-01") == [first, second]


def test_find_by_variant_skus_reports_each_product_once_with_its_status(lazada: LazadaAdapter) -> None:
    created = lazada.create(varied_listing(), "intent-1")
    lazada.set_active([("k", created)], False)
    skus = list(created.variant_ids)
    assert lazada.find("LPMJK-KAOS-01", skus) == [replace(created, active=False)]
    assert lazada.find("LPMJK-KAOS-01") == []  # Lazada keeps no parent SKU


def test_find_by_variant_skus_sees_every_product_holding_one_of_them(lazada: LazadaAdapter) -> None:
    listing = varied_listing()
    single = lazada.create(plain_listing("LPMJK-KAOS-01-MM"), "intent-1")
    whole = lazada.create(listing, "intent-2")
    assert lazada.find(listing.seller_sku, [v.seller_sku for v in listing.variants]) == [single, whole]


# --- update_content --------------------------------------------------------------------------------------------


def test_update_content_changes_the_listing_and_keeps_variant_ids(
    sandbox: SandboxServer, lazada: LazadaAdapter
) -> None:
    created = lazada.create(varied_listing(), "intent-1")
    changed = varied_listing(name="Kaos Sablon Baru", images=(listing_image(3),), category_id=7344)
    assert lazada.update_content(created, changed) == created
    [item] = inspect(sandbox)
    assert (item["name"], item["category_id"], item["images"]) == ("Kaos Sablon Baru", 7344, 1)


def test_update_content_adds_and_removes_variants(sandbox: SandboxServer, lazada: LazadaAdapter) -> None:
    created = lazada.create(varied_listing(), "intent-1")
    bound = replace(created, seller_sku="LPMJK-KAOS-01")  # the ledger's Remote carries the listing's own SKU
    kept = varied_listing().variants[1:]
    added = ListingVariant("LPMJK-KAOS-01-HS", 60000, 4, {"Warna": "Hijau", "Ukuran": "S"})
    remote = lazada.update_content(bound, varied_listing(variants=(*kept, added)))
    assert sorted(remote.variant_ids) == ["LPMJK-KAOS-01-BM", "LPMJK-KAOS-01-HS", "LPMJK-KAOS-01-ML"]
    assert remote.variant_ids["LPMJK-KAOS-01-ML"] == created.variant_ids["LPMJK-KAOS-01-ML"]
    assert [(v["seller_sku"], v["price"], v["stock"]) for v in inspect(sandbox)[0]["variants"]] == [
        ("LPMJK-KAOS-01-ML", 51000, 2), ("LPMJK-KAOS-01-BM", 52000, 3), ("LPMJK-KAOS-01-HS", 60000, 4)]
    assert requests_to(sandbox, "product/remove") == 1


def test_update_content_renames_the_only_sku_of_a_plain_product(sandbox: SandboxServer, lazada: LazadaAdapter) -> None:
    created = lazada.create(plain_listing(), "intent-1")
    remote = lazada.update_content(created, plain_listing("LPMJK-DOMPET-02"))
    assert remote == Remote(created.external_id, "LPMJK-DOMPET-02", {"LPMJK-DOMPET-02": created.variant_ids[
        "LPMJK-DOMPET-01"]})
    assert [item["seller_sku"] for item in inspect(sandbox)] == ["LPMJK-DOMPET-02"]


def test_update_content_refuses_to_switch_between_variants_and_none(
    sandbox: SandboxServer, lazada: LazadaAdapter
) -> None:
    created = lazada.create(plain_listing("LPMJK-KAOS-01"), "intent-1")
    with pytest.raises(Invalid, match="between having variants and not"):
        lazada.update_content(created, varied_listing())
    assert requests_to(sandbox, "product/update") == 0


# --- price, stock, status --------------------------------------------------------------------------------------


def test_prices_and_stock_of_several_products_go_in_one_call(sandbox: SandboxServer, lazada: LazadaAdapter) -> None:
    first = lazada.create(varied_listing("KAOS-A"), "intent-1")
    second = lazada.create(varied_listing("KAOS-B"), "intent-2")
    changes = [Change("a", first, dict.fromkeys(first.variant_ids, 60000)),
               Change("b", second, dict.fromkeys(second.variant_ids, 61000))]
    assert [(o.key, o.ok) for o in lazada.update_prices(changes)] == [("a", True), ("b", True)]
    stock = [Change("a", first, dict.fromkeys(first.variant_ids, 7)),
             Change("b", second, dict.fromkeys(second.variant_ids, 8))]
    assert all(outcome.ok for outcome in lazada.update_stock(stock))
    assert requests_to(sandbox, "product/price_quantity/update") == 1
    assert requests_to(sandbox, "product/stock/sellable/update") == 1
    assert [{(v["price"], v["stock"]) for v in item["variants"]} for item in inspect(sandbox)] == [
        {(60000, 7)}, {(61000, 8)}]


def test_a_failing_sku_fails_its_item_only(sandbox: SandboxServer, lazada: LazadaAdapter) -> None:
    plain = lazada.create(plain_listing(), "intent-1")
    kaos = lazada.create(varied_listing(), "intent-2")
    prices = {**dict.fromkeys(kaos.variant_ids, 70000), "LPMJK-KAOS-01-ML": 50}
    outcomes = lazada.update_prices([Change("plain", plain, {"LPMJK-DOMPET-01": 90000}), Change("kaos", kaos, prices)])
    assert outcomes[0].ok and isinstance(outcomes[1].error, Invalid)
    assert "LPMJK-KAOS-01-ML: price must be between" in outcomes[1].error.message
    plain_item, kaos_item = inspect(sandbox)
    assert plain_item["price"] == 90000 and [v["price"] for v in kaos_item["variants"]] == [70000, 51000, 70000]


def test_a_stale_sku_id_is_not_found_for_its_item(lazada: LazadaAdapter) -> None:
    plain = lazada.create(plain_listing(), "intent-1")
    stale = replace(plain, variant_ids={"LPMJK-DOMPET-01": "1"})
    [outcome] = lazada.update_stock([Change("plain", stale, {"LPMJK-DOMPET-01": 3})])
    assert isinstance(outcome.error, NotFound)
    unknown = replace(plain, variant_ids={})
    [outcome] = lazada.update_stock([Change("plain", unknown, {"LPMJK-DOMPET-01": 3})])
    assert isinstance(outcome.error, Invalid) and "no Lazada SkuId" in outcome.error.message


def test_delist_and_relist(sandbox: SandboxServer, lazada: LazadaAdapter) -> None:
    remotes = [("plain", lazada.create(plain_listing(), "intent-1")), ("kaos", lazada.create(varied_listing(), "i-2"))]
    assert all(outcome.ok for outcome in lazada.set_active(remotes, False))
    assert {item["status"] for item in inspect(sandbox)} == {"inactive"}
    assert all(outcome.ok for outcome in lazada.set_active(remotes, False))  # already delisted: done
    assert all(outcome.ok for outcome in lazada.set_active(remotes, True))
    assert {item["status"] for item in inspect(sandbox)} == {"active"}
    assert requests_to(sandbox, "product/deactivate") == 4


def test_a_vanished_listing_is_not_found(lazada: LazadaAdapter) -> None:
    gone = Remote("1", "GONE-1", {"GONE-1": "2"})
    [delist] = lazada.set_active([("gone", gone)], False)
    [relist] = lazada.set_active([("gone", gone)], True)
    assert isinstance(delist.error, NotFound) and isinstance(relist.error, NotFound)


# --- faults ----------------------------------------------------------------------------------------------------


def test_throttled_calls_are_retried_until_the_create_succeeds(
    state: Path, make_adapter: Callable[..., LazadaAdapter]
) -> None:
    with SandboxServer(port=0, state_path=state, seed=3, throttle_rate=0.3) as server:
        remote = make_adapter(server).create(varied_listing(), "intent-1")
        assert sandbox_stats(server)["faults"]["throttle"] > 0
        [item] = inspect(server)
        assert str(item["item_id"]) == remote.external_id and len(item["variants"]) == 3


def test_a_failed_create_is_not_repeated_but_reads_are(state: Path, make_adapter: Callable[..., LazadaAdapter]) -> None:
    media = media_holding(listing_image(1), state, make_adapter)
    with SandboxServer(port=0, state_path=state, seed=2, fail_rate=0.5) as server:
        adapter = make_adapter(server, media=media)
        outcomes = []
        for n in range(4):
            try:
                adapter.create(plain_listing(f"S-{n}"), f"intent-{n}")
                outcomes.append("created")
            except Transient:
                outcomes.append("failed")
        assert "failed" in outcomes and requests_to(server, "product/create") == 4
        assert len(adapter.find("S-0")) == (outcomes[0] == "created")  # find retries through the failures


def test_lost_create_answer_is_unknown_outcome_and_find_sees_the_product(
    state: Path, make_adapter: Callable[..., LazadaAdapter]
) -> None:
    media = media_holding(listing_image(1), state, make_adapter)
    with SandboxServer(port=0, state_path=state, seed=1, timeout_rate=1.0, timeout_seconds=2) as server:
        adapter = make_adapter(server, media=media, timeout=0.3)
        with pytest.raises(UnknownOutcome):
            adapter.create(plain_listing(), "intent-1")
        assert requests_to(server, "product/create") == 1  # never blindly repeated
        [found] = adapter.find("LPMJK-DOMPET-01")  # reads are never hit by timeouts
        assert found.seller_sku == "LPMJK-DOMPET-01"


# --- tokens and credentials ------------------------------------------------------------------------------------


def test_invalid_access_token_is_refreshed_once_saved_before_use_and_the_call_succeeds(
    sandbox: SandboxServer, make_adapter: Callable[..., LazadaAdapter]
) -> None:
    calls_when_saved: list[int] = []
    tokens = MemoryStore(on_save=lambda: calls_when_saved.append(requests_to(sandbox, "products/get")))
    adapter = make_adapter(sandbox, tokens=tokens, access_token="expired-token")
    assert adapter.check().startswith("app 100002")
    assert requests_to(sandbox, "auth/token/refresh") == 1
    assert calls_when_saved == [1]  # saved after the refused call, before the retry
    assert requests_to(sandbox, "products/get") == 2
    [saved] = tokens.saved
    assert saved["access_token"] != "expired-token" and saved["refresh_token"] not in ("", REFRESH)
    assert saved["config_refresh_sha"] == CONFIG_REFRESH_SHA and saved["expires_at"] > time.time() + 3600


def test_threads_sharing_the_adapter_refresh_only_once(
    sandbox: SandboxServer, make_adapter: Callable[..., LazadaAdapter], in_threads: Callable[..., list[BaseException]]
) -> None:
    # The store wins over the config.
    tokens = stored_tokens(CHANNEL, "revoked", REFRESH)
    adapter = make_adapter(sandbox, tokens=tokens)
    errors = in_threads(adapter.check, 4)
    assert errors == []
    assert requests_to(sandbox, "auth/token/refresh") == 1 and len(tokens.saved) == 1


def test_access_token_near_its_stored_expiry_is_refreshed_before_the_call(
    sandbox: SandboxServer, make_adapter: Callable[..., LazadaAdapter]
) -> None:
    tokens = stored_tokens(CHANNEL, TOKEN, REFRESH, expires_at=time.time() + 60)
    make_adapter(sandbox, tokens=tokens).check()
    assert requests_to(sandbox, "auth/token/refresh") == 1
    assert requests_to(sandbox, "products/get") == 1  # no refused call first


def test_a_refused_refresh_token_is_an_auth_error_that_says_what_to_do(
    sandbox: SandboxServer, make_adapter: Callable[..., LazadaAdapter]
) -> None:
    adapter = make_adapter(sandbox, access_token="revoked", refresh_token="not-a-refresh-token")
    with pytest.raises(AuthError, match="re-authorise the seller") as raised:
        adapter.check()
    assert raised.value.code == "IllegalRefreshToken"


def test_bad_app_secret_is_an_auth_error_without_secrets(
    sandbox: SandboxServer, make_adapter: Callable[..., LazadaAdapter]
) -> None:
    adapter = make_adapter(sandbox, app_secret="not-the-app-secret")
    with pytest.raises(AuthError) as raised:
        adapter.check()
    error = raised.value
    assert "signature" in error.message and error.code == "IncompleteSignature"
    text = " ".join(str(e) for e in (error, error.__cause__, error.__context__) if e is not None)
    assert "not-the-app-secret" not in text and TOKEN not in text
    assert not re.search(r"[0-9A-Fa-f]{64}", text)  # no sign
    assert requests_to(sandbox, "auth/token/refresh") == 0  # a bad signature is no reason to refresh


# --- pasindo sync end to end -----------------------------------------------------------------------------------


def test_pasindo_sync_lists_everything_then_writes_nothing(tmp_path: Path, sandbox: SandboxServer) -> None:
    (tmp_path / "foto.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    rows = [
        HEADER,
        "DMP-01;Dompet Kulit Sapi Asli Pria;Fashion / Dompet;Rp150.000;10;120;foto.png;;;",
        *(f"SPT-{size};Sepatu Pantofel Kulit Pria Hitam;Fashion/Sepatu;275.000;3;900;foto.png;SPT;Ukuran;{size}"
          for size in (40, 41)),
    ]
    (tmp_path / "katalog.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = one_channel_config(tmp_path, f"""\
  - name: lazada
    adapter: lazada
    endpoint: {sandbox.url}
    credentials: {json.dumps(CREDENTIALS)}""")
    assert [(c["op"], c["outcome"], c["count"]) for c in sync_report(config)["counts"]] == [("create", "ok", 2)]
    items = {item["name"]: item for item in inspect(sandbox)}
    assert items["Dompet Kulit Sapi Asli Pria"]["seller_sku"] == "LPUJI-DMP-01"
    shoe = items["Sepatu Pantofel Kulit Pria Hitam"]
    assert shoe["seller_sku"] is None
    assert [v["seller_sku"] for v in shoe["variants"]] == ["LPUJI-SPT-40", "LPUJI-SPT-41"]
    writes = sandbox_stats(sandbox)["writes"]
    assert sync_report(config)["counts"] == []
    assert sandbox_stats(sandbox)["writes"] == writes


class RecordingProxy:
    """A loopback HTTP proxy in front of the sandbox that keeps every request body it forwards, by path: what the
    sandbox received, as it received it."""

    def __init__(self, target: str):
        self.bodies: dict[str, list[bytes]] = {}
        proxy = self

        class Forward(http.server.BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.bodies.setdefault(self.path.split("?", 1)[0], []).append(body)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = requests.request(self.command, target + self.path, data=body, headers=headers, timeout=10)
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = _forward

            def log_message(self, *args: object) -> None:  # the test's output stays quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def skus_sent(self, path: str) -> list[int]:
        """The number of `<Sku>` entries in each request to `path` (the XML payload of a per-SKU update)."""
        return [body.count(b"<Sku>") for body in self.bodies.get(path, [])]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_change_of_one_variants_stock_sends_that_sku_only(tmp_path: Path, sandbox: SandboxServer) -> None:
    (tmp_path / "foto.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))

    def catalog(stock_41: int, price_42: str) -> None:
        rows = [HEADER, *(f"SPT-{size};Sepatu Pantofel Kulit Pria Hitam;Fashion/Sepatu;"
                          f"{price_42 if size == 42 else '275.000'};{stock_41 if size == 41 else 3};900;foto.png;SPT;"
                          f"Ukuran;{size}" for size in (40, 41, 42))]
        (tmp_path / "katalog.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    proxy = RecordingProxy(sandbox.url)
    try:
        config = one_channel_config(tmp_path, f"""\
  - name: lazada
    adapter: lazada
    endpoint: {proxy.url}
    credentials: {json.dumps(CREDENTIALS)}""")
        catalog(stock_41=3, price_42="275.000")
        sync_report(config)
        catalog(stock_41=9, price_42="Rp 280.000")
        assert {(c["op"], c["outcome"]) for c in sync_report(config)["counts"]} == {
            ("update_stock", "ok"), ("update_price", "ok")}
        assert proxy.skus_sent("/rest/product/stock/sellable/update") == [1]
        assert proxy.skus_sent("/rest/product/price_quantity/update") == [1]
    finally:
        proxy.close()
    [shoe] = inspect(sandbox)
    assert [(v["seller_sku"], v["price"], v["stock"]) for v in shoe["variants"]] == [
        ("LPUJI-SPT-40", 275000, 3), ("LPUJI-SPT-41", 275000, 9), ("LPUJI-SPT-42", 280000, 3)]
