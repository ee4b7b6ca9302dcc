"""The Lazada adapter on Lazada's official documented response samples, served over loopback with no sandbox in
between (tests/samples.py). Each fixture in tests/samples/lazada/ names the documentation page it was written from.

Derived answers (an empty second GetOrders page, a second order, another item status, an unreadable time) are made
here from the official samples by changing only the field the test is about; each says so where it is made.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import structlog

from connector.adapters.base import (
    AdapterError,
    AttributeInput,
    AttributeOption,
    AuthError,
    CategoryAttribute,
    Change,
    ChannelCategory,
    Invalid,
    NotFound,
    OrderLine,
    Remote,
    Throttled,
    Transient,
)
from connector.adapters.contract import MemoryStore
from connector.adapters.lazada import LazadaAdapter
from tests.helpers import wallet_listing
from tests.samples import Asked, Sample, SampleServer, sample, serving

CHANNEL = "lazada"
CREDENTIALS = {"app_key": "100002", "app_secret": "sample-app-secret", "access_token": "sample-access-token",
               "refresh_token": "sample-refresh-token"}
OPTIONS = {"rate_limit": 200, "retry": {"attempts": 2, "total_seconds": 5, "base_wait": 0.01, "max_wait": 0.05}}
ORDERS, ORDER_ITEMS = "/rest/orders/get", "/rest/order/items/get"
SAMPLE_ORDER = "491253082180001"  # the GetOrders sample's order_id


def lazada(name: str) -> Sample:
    return sample("lazada", name)


def changed(name: str, change: Callable[[Any], None]) -> Sample:
    """An official sample with one field changed by `change` (given the answer body)."""
    official = lazada(name)
    response = copy.deepcopy(official.response)
    change(response)
    return Sample(official.source, response, official.status, f"derived: {official.note}")


def orders_pages(first: Sample) -> Callable[[Asked], Sample]:
    """GetOrders: `first` at offset 0, then a page without orders. The official sample says countTotal 500 for its one
    order; the derived later page keeps the sample's shape with `orders` empty, so the pull ends."""
    empty = changed("getorders", lambda body: body["data"].update(orders=[], count="0"))
    return lambda asked: first if asked.query.get("offset") == ["0"] else empty


@pytest.fixture
def server() -> Iterator[SampleServer]:
    with serving() as running:
        yield running


@pytest.fixture
def adapter_on() -> Iterator[Callable[..., LazadaAdapter]]:
    made: list[LazadaAdapter] = []

    def make(server: SampleServer, tokens: MemoryStore | None = None, **options: Any) -> LazadaAdapter:
        adapter = LazadaAdapter(CHANNEL, server.url, dict(CREDENTIALS), tokens=tokens or MemoryStore(),
                                media=MemoryStore(), options={**OPTIONS, **options})
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()


def serve_orders(server: SampleServer, items: Sample | Callable[[Asked], Sample], orders: Sample | None = None) -> None:
    server.answer("GET", ORDERS, orders_pages(orders or lazada("getorders")))
    server.answer("GET", ORDER_ITEMS, items)


# -- order lines -------------------------------------------------------------------------------------------------


def test_the_official_order_samples_read_as_one_cancelled_line_at_the_order_time_in_utc(server, adapter_on) -> None:
    serve_orders(server, lazada("getorderitems"))
    lines, cursor = adapter_on(server).orders(None)
    # GetOrders: created_at 2018-02-09T22:44:30+08:00; GetOrderItems: sku BRSD#02, status canceled.
    # Its item_price "99.00" is in SGD (currency): not rupiah, so no unit price.
    assert lines == [OrderLine(SAMPLE_ORDER, "BRSD#02", 1, "cancelled", datetime(2018, 2, 9, 14, 44, 30, tzinfo=UTC),
                               None)]
    assert cursor == "2018-02-09T14:44:30+00:00"  # the order's updated_at
    assert [a.query["order_id"] for a in server.calls(ORDER_ITEMS)] == [[SAMPLE_ORDER]]
    (first, *_) = server.calls(ORDERS)
    # getorders.json, error 17: "YYYY-MM-DDTHH:mm:ss±HH:MM"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", first.query["update_after"][0])
    assert first.query["sort_by"] == ["updated_at"] and first.query["sort_direction"] == ["ASC"]


def test_a_pull_from_a_cursor_asks_from_before_it_and_keeps_it_when_nothing_newer_comes(server, adapter_on) -> None:
    serve_orders(server, lazada("getorderitems"))
    lines, cursor = adapter_on(server).orders("2019-01-01T00:00:00+00:00")
    assert [line.order_id for line in lines] == [SAMPLE_ORDER]  # Lazada answered it: it is read
    assert cursor == "2019-01-01T00:00:00+00:00"  # the sample's 2018 update does not move the cursor back
    assert server.calls(ORDERS)[0].query["update_after"] == ["2018-12-31T23:55:00+00:00"]


# Every item status the GetOrders page documents (`statuses` and the `status` filter with its error 6).
@pytest.mark.parametrize(("status", "expected"), [
    *[(s, "placed") for s in ("unpaid", "pending", "topack", "repacked", "packed", "toship", "ready_to_ship_pending",
                              "ready_to_ship", "shipping", "shipped", "delivered", "failed_delivery", "failed", "lost",
                              "lost_by_3pl", "damaged_by_3pl", "shipped_back_failed", "package_scrapped")],
    ("canceled", "cancelled"), ("returned", "returned"), ("shipped_back", "returned"),
    ("shipped_back_success", "returned"),
])
def test_each_documented_item_status_is_placed_cancelled_or_returned(server, adapter_on, status, expected) -> None:
    # derived: the GetOrderItems sample with its status changed
    serve_orders(server, changed("getorderitems", lambda body: body["data"][0].update(status=status)))
    (line,) = adapter_on(server).orders(None)[0]
    assert (line.seller_sku, line.quantity, line.status) == ("BRSD#02", 1, expected)


def test_an_undocumented_item_status_counts_as_sold_and_is_logged(server, adapter_on) -> None:
    serve_orders(server, changed("getorderitems", lambda body: body["data"][0].update(status="teleported")))
    with structlog.testing.capture_logs() as events:
        (line,) = adapter_on(server).orders(None)[0]
    assert line.status == "placed"
    assert [e["status"] for e in events if e["event"] == "order_status_unknown"] == ["teleported"]


def test_two_items_of_one_seller_sku_are_two_units_of_one_line(server, adapter_on) -> None:
    # derived: the sample's item listed twice with its own order item ids, as the get-order guide describes
    def two(body: Any) -> None:
        second = {**body["data"][0], "order_item_id": "98109", "status": "pending"}
        body["data"] = [{**body["data"][0], "status": "pending"}, second]
    serve_orders(server, changed("getorderitems", two))
    assert [(ln.seller_sku, ln.quantity, ln.status) for ln in adapter_on(server).orders(None)[0]] == [
        ("BRSD#02", 2, "placed")]


def test_an_unreadable_order_time_takes_the_items_time_never_the_time_of_the_pull(server, adapter_on) -> None:
    # derived: the GetOrders sample with created_at "null" (as the sample writes address_updated_at)
    orders = changed("getorders", lambda body: body["data"]["orders"][0].update(created_at="null"))
    serve_orders(server, lazada("getorderitems"), orders)
    (line,) = adapter_on(server).orders(None)[0]
    assert line.at == datetime(2014, 10, 15, 11, 12, 15, tzinfo=UTC)  # GetOrderItems: 2014-10-15 19:12:15 +0800


def test_an_order_without_any_readable_time_is_left_out_and_logged(server, adapter_on) -> None:
    orders = changed("getorders", lambda body: body["data"]["orders"][0].update(created_at="null"))
    items = changed("getorderitems", lambda body: body["data"][0].update(created_at="15/10/2014"))
    serve_orders(server, items, orders)
    with structlog.testing.capture_logs() as events:
        lines, cursor = adapter_on(server).orders(None)
    assert lines == []
    assert cursor == "2018-02-09T14:44:30+00:00"  # the pull went on: its updated_at was read
    (skipped,) = [e for e in events if e["event"] == "order_skipped"]
    assert skipped["order_id"] == SAMPLE_ORDER and "unreadable order time" in skipped["reason"]


def test_an_order_missing_from_the_shop_is_that_orders_problem_not_the_pulls(server, adapter_on) -> None:
    # derived: the GetOrders sample with a second order (its order_id changed)
    def second(body: Any) -> None:
        body["data"]["orders"].append({**body["data"]["orders"][0], "order_id": "491253082180002"})
    gone = lazada("error_16_invalid_order_id")
    serve_orders(server, lambda asked: gone if asked.query["order_id"] == [SAMPLE_ORDER] else lazada("getorderitems"),
                 changed("getorders", second))
    with structlog.testing.capture_logs() as events:
        lines, _ = adapter_on(server).orders(None)
    assert [(line.order_id, line.seller_sku) for line in lines] == [("491253082180002", "BRSD#02")]
    (skipped,) = [e for e in events if e["event"] == "order_skipped"]
    assert skipped["order_id"] == SAMPLE_ORDER and "16" in skipped["reason"]


def test_a_system_error_on_order_items_fails_the_pull_so_the_cursor_does_not_pass_the_order(server, adapter_on) -> None:
    serve_orders(server, lazada("error_6_system_error"))
    with pytest.raises(Transient):
        adapter_on(server).orders(None)


# -- documented errors, classified -------------------------------------------------------------------------------


@pytest.mark.parametrize(("fixture", "expected"), [
    ("error_apicalllimit", Throttled),
    ("error_901_request_speed", Throttled),
    ("error_4154_request_too_fast", Throttled),
    ("error_servicetimeout", Transient),
    ("error_998_api_disabled", Transient),
    ("error_6_system_error", Transient),
    ("error_e0006_internal_error", Transient),
    ("error_513_internal_call", Transient),
    ("error_incompletesignature", AuthError),
    ("error_sellernotverified", AuthError),
    ("error_19_invalid_limit", AdapterError),  # a request the adapter got wrong, not an item's data
])
def test_documented_errors_on_a_read_are_classified(server, adapter_on, fixture, expected) -> None:
    server.answer("GET", ORDERS, lazada(fixture))
    with pytest.raises(AdapterError) as raised:
        adapter_on(server).orders(None)
    assert type(raised.value) is expected
    assert raised.value.code == lazada(fixture).response["code"]


def test_api_call_limit_waits_the_ban_it_announces(server, adapter_on) -> None:
    server.answer("GET", ORDERS, lazada("error_apicalllimit"))
    with pytest.raises(Throttled) as raised:
        adapter_on(server).orders(None)
    assert raised.value.retry_after == 1.0  # "this ban will last 1 seconds"


def test_an_illegal_access_token_is_refreshed_once_and_the_pull_carries_on(server, adapter_on) -> None:
    refused = lazada("error_illegalaccesstoken")
    fresh = lazada("refreshaccesstoken").response["access_token"]
    pages = orders_pages(lazada("getorders"))
    server.answer("GET", ORDERS, lambda asked: refused if asked.query["access_token"] != [fresh] else pages(asked))
    server.answer("GET", ORDER_ITEMS, lazada("getorderitems"))
    server.answer("POST", "/rest/auth/token/refresh", lazada("refreshaccesstoken"))
    tokens = MemoryStore()
    # The sample's token lives 10 seconds ("expires_in": "10"), less than the margin before expiry at which a token
    # is refreshed ahead of a call: without a zero margin every later call would refresh it again, as it should.
    lines, _ = adapter_on(server, tokens, token_refresh_margin=0).orders(None)
    assert [line.order_id for line in lines] == [SAMPLE_ORDER]
    assert len(server.calls("/rest/auth/token/refresh")) == 1
    assert tokens.saved[0]["access_token"] == fresh
    assert tokens.saved[0]["refresh_token"] == lazada("refreshaccesstoken").response["refresh_token"]


def test_a_refused_refresh_token_says_re_authorise_the_seller(server, adapter_on) -> None:
    server.answer("GET", ORDERS, lazada("error_illegalaccesstoken"))
    server.answer("POST", "/rest/auth/token/refresh", lazada("error_illegalrefreshtoken"))
    with pytest.raises(AuthError, match="re-authorise the seller") as raised:
        adapter_on(server).orders(None)
    assert raised.value.code == "IllegalRefreshToken"


def listing() -> Any:
    return wallet_listing(category_id=10100763)


def test_create_reads_the_ids_of_the_createproduct_sample(server, adapter_on) -> None:
    server.answer("POST", "/rest/image/upload", lazada("uploadimage"))
    server.answer("POST", "/rest/product/create", lazada("createproduct"))
    remote = adapter_on(server).create(listing(), "intent-1")
    assert (remote.external_id, remote.variant_ids) == ("2374791958", {"test2022 03": "13896560193"})
    assert "http://my-live-01.slatic.net/p/orange_yellow.jpg" in server.calls("/rest/product/create")[0].body.decode()


@pytest.mark.parametrize("fixture", ["error_4110_mandatory_attribute", "error_4134_not_leaf_category",
                                     "error_4139_main_image"])
def test_documented_create_refusals_are_the_items_invalid_data(server, adapter_on, fixture) -> None:
    server.answer("POST", "/rest/image/upload", lazada("uploadimage"))
    server.answer("POST", "/rest/product/create", lazada(fixture))
    with pytest.raises(Invalid) as raised:
        adapter_on(server).create(listing(), "intent-1")
    assert raised.value.code == lazada(fixture).response["code"]
    assert len(server.calls("/rest/product/create")) == 1  # refused data is not sent again


REMOTE = Remote("2374791958", "LPMJK-DOMPET-01", {"LPMJK-DOMPET-01": "13896560193"})


def test_an_item_gone_from_the_country_is_not_found_on_update(server, adapter_on) -> None:
    server.answer("POST", "/rest/image/upload", lazada("uploadimage"))
    server.answer("POST", "/rest/product/update", lazada("error_4137_item_not_found"))
    with pytest.raises(NotFound):
        adapter_on(server).update_content(REMOTE, listing())


def test_deactivating_a_product_that_does_not_exist_is_not_found_and_one_not_online_is_done(server, adapter_on) -> None:
    answers = {"gone": lazada("error_e0002_product_not_exists"), "offline": lazada("error_e0004_not_online")}
    server.answer("POST", "/rest/product/deactivate",
                  lambda asked: answers["gone" if b"<ItemId>1</ItemId>" in asked.body else "offline"])
    gone, offline = adapter_on(server).set_active([("a", Remote("1", "A")), ("b", Remote("2", "B"))], False)
    assert isinstance(gone.error, NotFound) and gone.error.code == "E0002"
    assert offline.ok


def test_a_campaign_stock_restriction_refuses_that_items_stock_only(server, adapter_on) -> None:
    server.answer("POST", "/rest/product/stock/sellable/update", lazada("error_4170_campaign_stock"))
    (outcome,) = adapter_on(server).update_stock([Change("lapas-mojokerto:DOMPET-01", REMOTE, {"LPMJK-DOMPET-01": 3})])
    assert isinstance(outcome.error, Invalid) and outcome.error.code == "4170"


# -- categories, attributes, unit prices (issues 17 and 13) -------------------------------------------------------

def test_the_official_category_tree_sample_reads_as_a_parent_and_its_two_leaves(server, adapter_on) -> None:
    server.answer("GET", "/rest/category/tree/get", lazada("getcategorytree"))
    found = sorted(adapter_on(server).categories(), key=lambda c: c.id)
    assert found == [ChannelCategory("6588", "Socks & Tights", None, False),
                     ChannelCategory("7435", "Underwear", "6588", True),
                     ChannelCategory("7436", "Socks", "6588", True)]


def test_the_official_attributes_sample_reads_as_one_mandatory_closed_attribute(server, adapter_on) -> None:
    server.answer("GET", "/rest/category/attributes/get", lazada("getcategoryattributes"))
    found = adapter_on(server).attributes("7436")
    assert found == [CategoryAttribute("mattress_size", "mattress_size", True, (AttributeOption("0", "Twin"),),
                                       custom=False, input=AttributeInput.TEXT, multiple=False)]
    assert server.calls("/rest/category/attributes/get")[0].query["primary_category_id"] == ["7436"]


def test_sale_properties_and_sku_level_attributes_are_left_out(server, adapter_on) -> None:
    def more(body: Any) -> None:
        (official,) = body["data"]
        body["data"] += [{**official, "name": "color_family", "is_sale_prop": "1"},
                         {**official, "name": "package_weight", "attribute_type": "sku"},
                         {**official, "name": "brand"}]  # the adapter writes the brand itself
    server.answer("GET", "/rest/category/attributes/get", changed("getcategoryattributes", more))
    assert [a.name for a in adapter_on(server).attributes("7436")] == ["mattress_size"]


def test_an_order_line_in_rupiah_carries_its_item_price_per_unit(server, adapter_on) -> None:
    # Derived: the official GetOrderItems sample with currency IDR and item_price 125000.00 (paid_price kept lower,
    # as after a voucher: the unit price is the item's price, not what the buyer paid).
    def rupiah(body: Any) -> None:
        body["data"][0].update(currency="IDR", item_price="125000.00", paid_price="100000.00")
    serve_orders(server, changed("getorderitems", rupiah))
    (line,) = adapter_on(server).orders(None)[0]
    assert line.unit_price == 125_000


def test_an_option_is_named_by_its_english_name_which_create_takes(server, adapter_on) -> None:
    # Derived: the official sample's option with a local `name` beside its en_name.
    server.answer("GET", "/rest/category/attributes/get", changed(
        "getcategoryattributes", lambda body: body["data"][0]["options"][0].update(name="Tunggal", en_name="Twin")))
    (attribute,) = adapter_on(server).attributes("7436")
    assert attribute.options == (AttributeOption("0", "Twin"),)
