"""The Shopee adapter on Shopee's own documented answers (tests/samples/shopee/, each naming its page), served over
loopback with no sandbox in between: what the adapter reads from them and how it classifies each documented error."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from structlog.testing import capture_logs

from connector.adapters.base import (
    AdapterError,
    AuthError,
    Change,
    Invalid,
    NotFound,
    OrderLine,
    Remote,
    Throttled,
    Transient,
)
from connector.adapters.contract import MemoryStore
from connector.adapters.shopee import ShopeeAdapter, bare_code
from tests.samples import Asked, Sample, SampleServer, sample, serving

CREDENTIALS = {"partner_id": "2001887", "partner_key": "a-partner-key", "shop_id": "322300222",
               "access_token": "an-access-token", "refresh_token": "a-refresh-token"}
OPTIONS = {"rate_limit": 200, "retry": {"attempts": 2, "total_seconds": 5, "base_wait": 0.01, "max_wait": 0.05}}
ORDER_LIST = "/api/v2/order/get_order_list"
ORDER_DETAIL = "/api/v2/order/get_order_detail"
ITEM_LIST = "/api/v2/product/get_item_list"
UPDATE_STOCK = "/api/v2/product/update_stock"
REFRESH = "/api/v2/auth/access_token/get"
MISSING = "201214JAJXU6G7"  # one of get_order_list's sample orders


def shopee(name: str) -> Sample:
    return sample("shopee", name)


@pytest.fixture
def server() -> Iterator[SampleServer]:
    with serving() as running:
        yield running


@pytest.fixture
def adapter(server: SampleServer) -> Iterator[ShopeeAdapter]:
    made = ShopeeAdapter("shopee", server.url, dict(CREDENTIALS), tokens=MemoryStore(), media=MemoryStore(),
                         options=OPTIONS)
    yield made
    made.close()


def order_pages(asked: Asked) -> Sample:
    """get_order_list: the documented first page, then (cursor "20") the last one."""
    return shopee("get_order_list_last_page" if asked.query.get("cursor") == ["20"] else "get_order_list")


def optional_fields(asked: Asked) -> set[str]:
    return set(",".join(asked.query.get("response_optional_fields", [])).split(","))


def detail_as_asked(asked: Asked) -> Sample:
    """get_order_detail as Shopee answers it: item_list only when response_optional_fields asks for it."""
    asked_for = "item_list" in optional_fields(asked)
    return shopee("get_order_detail_with_item_list" if asked_for else "get_order_detail_without_item_list")


def in_sequence(*names: str) -> Callable[[Asked], Sample]:
    """The samples in turn, the last one again for every later call."""
    answers = list(names)

    def reply(asked: Asked) -> Sample:
        return shopee(answers.pop(0) if len(answers) > 1 else answers[0])

    return reply


def stock_change(key: str, item_id: int) -> Change:
    return Change(key, Remote(str(item_id), f"SKU-{item_id}", {}, True), {f"SKU-{item_id}": 7})


# -- orders ------------------------------------------------------------------------------------------------------


def test_order_lines_are_read_from_the_documented_sample_with_item_list_asked_for(server, adapter):
    server.answer("GET", ORDER_LIST, order_pages)
    server.answer("GET", ORDER_DETAIL, detail_as_asked)
    lines, cursor = adapter.orders(None)
    # unit_price: the line's model_discounted_price (48000), not its model_original_price (300000)
    assert lines == [OrderLine("2404098R48U37H", "QAZ-SADOER-05", 1, "placed",
                               datetime.fromtimestamp(1712601591, UTC), unit_price=48000)]
    assert cursor == "1713139948"  # the sample's update_time
    [asked] = server.calls(ORDER_DETAIL)
    assert "item_list" in optional_fields(asked)
    assert asked.query["order_sn_list"] == [",".join(o["order_sn"] for o in
                                                     shopee("get_order_list").response["response"]["order_list"])]


def test_an_order_answered_without_item_list_is_asked_for_again(server, adapter):
    server.answer("GET", ORDER_LIST, order_pages)
    server.answer("GET", ORDER_DETAIL, in_sequence("get_order_detail_without_item_list",
                                                   "get_order_detail_with_item_list"))
    lines, _ = adapter.orders(None)
    assert [(line.order_id, line.seller_sku, line.quantity) for line in lines] == [("2404098R48U37H",
                                                                                    "QAZ-SADOER-05", 1)]
    assert [a.query["order_sn_list"] for a in server.calls(ORDER_DETAIL)][1] == ["2404098R48U37H"]


def test_orders_never_answered_with_item_list_fail_the_pull_instead_of_counting_no_lines(server, adapter):
    server.answer("GET", ORDER_LIST, order_pages)
    server.answer("GET", ORDER_DETAIL, shopee("get_order_detail_without_item_list"))
    with pytest.raises(AdapterError, match="without item_list"):
        adapter.orders(None)
    assert len(server.calls(ORDER_DETAIL)) == 2


def test_item_level_quantities_give_back_what_was_returned_or_cancelled_and_to_return_is_still_sold(server, adapter):
    server.answer("GET", ORDER_LIST, order_pages)
    server.answer("GET", ORDER_DETAIL, shopee("get_order_detail_item_quantities"))
    lines, _ = adapter.orders(None)
    assert [(line.order_id, line.seller_sku, line.quantity, line.status) for line in lines] == [
        ("2605220RETURN1", "DMP-COKLAT", 2, "placed"),  # 3 bought, 1 returned
        ("2605220RETURN1", "TAS", 2, "returned"),  # no model_sku: the item_sku
        ("2605220RETURN1", "SDL-40", 2, "cancelled"),
        ("2605220RETURN1", "KRS", 1, "placed"),  # a return requested is not a return done
    ]


def test_a_missing_order_is_logged_and_skipped_and_the_others_are_read(server, adapter):
    one = shopee("get_order_detail_with_item_list").response["response"]["order_list"][0]

    def detail(asked: Asked) -> Sample:
        wanted = asked.query["order_sn_list"][0].split(",")
        if MISSING in wanted:
            return shopee("get_order_detail_not_found")
        orders = [{**copy.deepcopy(one), "order_sn": sn} for sn in wanted]
        return Sample("tests: the sample order under each order_sn asked for", {"error": "", "message": "",
                                                                                "response": {"order_list": orders}})

    server.answer("GET", ORDER_LIST, order_pages)
    server.answer("GET", ORDER_DETAIL, detail)
    with capture_logs() as events:
        lines, _ = adapter.orders(None)
    listed = [o["order_sn"] for o in shopee("get_order_list").response["response"]["order_list"]]
    assert sorted(line.order_id for line in lines) == sorted(sn for sn in listed if sn != MISSING)
    assert [(e["event"], e["order_id"]) for e in events if e["event"] == "order_not_found"] == [
        ("order_not_found", MISSING)]


def test_a_documented_order_list_error_fails_the_pull_as_a_plain_error(server, adapter):
    server.answer("GET", ORDER_LIST, shopee("get_order_list_invalid_time"))
    with pytest.raises(AdapterError) as raised:
        adapter.orders(None)
    assert type(raised.value) is AdapterError and raised.value.code == "order.order_list_invalid_time"


# -- errors on a read ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("common_rate_limit", Throttled),
    ("common_daily_limit", Throttled),
    ("update_stock_busy", Transient),
    ("update_stock_inner", Transient),
    ("common_error_sign", AuthError),
    ("get_item_list_auth", AuthError),
    ("common_path_incorrect", AdapterError),
])
def test_documented_errors_on_a_read_are_classified(server, adapter, name, expected):
    server.answer("GET", ITEM_LIST, shopee(name))
    with pytest.raises(AdapterError) as raised:
        adapter.check()
    assert isinstance(raised.value, expected) and raised.value.error_class == expected.error_class
    assert raised.value.code == shopee(name).response["error"]
    if name == "common_daily_limit":
        assert 0 < (raised.value.retry_after or 0) <= 24 * 3600
    if name == "common_path_incorrect":
        assert "endpoint URL" in raised.value.message
    assert not server.calls(REFRESH)  # none of them is about the access token


@pytest.mark.parametrize(("code", "bare"), [("product.error_param", "error_param"), ("error.param", "error_param"),
                                            ("common.error_auth", "error_auth"), ("error_auth", "error_auth"),
                                            ("order.order_list_invalid_time", "order_list_invalid_time")])
def test_module_prefixed_codes_are_read_as_their_bare_code(code, bare):
    assert bare_code(code) == bare


# -- errors on a write -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("update_stock_reserved", Invalid),
    ("update_stock_reserved_dotted", Invalid),
    ("update_stock_holiday", Invalid),
    ("update_stock_item_id_missing", Invalid),
    ("update_stock_not_found", NotFound),
    ("update_stock_busy", Transient),
    ("common_rate_limit", Throttled),
])
def test_a_documented_stock_refusal_fails_that_item_only(server, adapter, name, expected):
    refused, accepted = stock_change("a", 1), stock_change("b", 2)

    def update_stock(asked: Asked) -> Sample:
        return shopee(name if asked.json()["item_id"] == 1 else "update_stock_ok")

    server.answer("POST", UPDATE_STOCK, update_stock)
    server.answer("GET", ITEM_LIST, shopee("get_item_list"))
    first, second = adapter.update_stock([refused, accepted])
    assert isinstance(first.error, expected) and first.error.error_class == expected.error_class
    assert first.error.code == shopee(name).response["error"]
    assert second.ok
    # Only an error_auth raises the question whether the credentials still work.
    assert len(server.calls(ITEM_LIST)) == (1 if bare_code(first.error.code or "") == "error_auth" else 0)


def test_an_error_auth_on_a_write_stops_the_channel_when_the_check_fails_too(server, adapter):
    server.answer("POST", UPDATE_STOCK, shopee("update_stock_reserved"))
    server.answer("GET", ITEM_LIST, shopee("get_item_list_auth"))
    with pytest.raises(AuthError, match="Invalid partner_id or shopid"):
        adapter.update_stock([stock_change("a", 1)])


def test_one_passing_check_vouches_for_the_next_refusals(server, adapter):
    server.answer("POST", UPDATE_STOCK, shopee("update_stock_holiday"))
    server.answer("GET", ITEM_LIST, shopee("get_item_list"))
    outcomes = adapter.update_stock([stock_change("a", 1), stock_change("b", 2), stock_change("c", 3)])
    assert [o.error.error_class if o.error else None for o in outcomes] == [Invalid.error_class] * 3
    assert len(server.calls(ITEM_LIST)) == 1


# -- tokens ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["common_error_auth_token", "common_prefixed_error_auth_token",
                                  "common_invalid_acceess_token"])
def test_every_form_of_an_expired_token_is_refreshed_once_and_the_call_retried(server, adapter, name):
    server.answer("GET", ITEM_LIST, in_sequence(name, "get_item_list"))
    server.answer("POST", REFRESH, shopee("refresh_ok"))
    assert adapter.check().endswith("19 active listings")
    assert len(server.calls(REFRESH)) == 1
    first, retried = server.calls(ITEM_LIST)
    new_token = shopee("refresh_ok").response["access_token"]
    assert first.query["access_token"] == ["an-access-token"] and retried.query["access_token"] == [new_token]


def test_an_expired_token_on_a_write_is_refreshed_not_taken_for_a_refusal(server, adapter):
    server.answer("POST", UPDATE_STOCK, in_sequence("common_error_auth_token", "update_stock_ok"))
    server.answer("POST", REFRESH, shopee("refresh_ok"))
    [outcome] = adapter.update_stock([stock_change("a", 1)])
    assert outcome.ok and len(server.calls(REFRESH)) == 1 and not server.calls(ITEM_LIST)


@pytest.mark.parametrize("name", ["refresh_invalid", "refresh_expired", "refresh_shop_token", "refresh_access_expired"])
def test_a_refused_refresh_says_re_authorise_the_shop(server, adapter, name):
    server.answer("GET", ITEM_LIST, shopee("common_error_auth_token"))
    server.answer("POST", REFRESH, shopee(name))
    with pytest.raises(AuthError, match="re-authorise the shop") as raised:
        adapter.check()
    assert raised.value.code == shopee(name).response["error"]
    assert len(server.calls(REFRESH)) == 1 and len(server.calls(ITEM_LIST)) == 1
