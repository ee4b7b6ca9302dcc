"""The TikTok Shop adapter on TikTok Shop's own documented answers (tests/samples/tiktokshop/, each naming its page),
served over loopback with no sandbox in between: what the adapter reads from the order, return and cancellation
searches and Get Order Detail, and how it classifies each documented error. The SampleServer checks no signature:
signing is proven against the documented test vector elsewhere (tests/test_sandbox_tiktokshop.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

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
    Pending,
    Remote,
    Throttled,
    Transient,
)
from connector.adapters.contract import MemoryStore
from connector.adapters.tiktokshop import TikTokShopAdapter, classify
from tests.samples import Asked, Sample, SampleServer, sample, serving

CREDENTIALS = {"app_key": "an-app-key", "app_secret": "an-app-secret", "shop_cipher": "ROW_RHkDDABBAAB8tKAVoAqsMTjsQ",
               "access_token": "an-access-token", "refresh_token": "a-refresh-token"}
WAREHOUSE = "7068517275539719942"  # the Update Inventory sample's warehouse
OPTIONS = {"rate_limit": 200, "retry": {"attempts": 2, "total_seconds": 5, "base_wait": 0.01, "max_wait": 0.05},
           "warehouse_id": WAREHOUSE}
ORDERS = "/order/202309/orders/search"
DETAIL = "/order/202507/orders"
RETURNS = "/return_refund/202309/returns/search"
CANCELLATIONS = "/return_refund/202309/cancellations/search"
REFRESH = "/authorization/api/v2/token/refresh"  # the auth host, as the adapter mounts it under a non-TikTok endpoint
SAMPLE_ORDER = "576461413038785752"  # the official Get Order List / Get Order Detail samples' order
X, Y, Z = "576000000000000101", "576000000000000102", "576000000000000103"  # orders of the built answers
CURSOR = "1764403200"


def tiktok(name: str) -> Sample:
    return sample("tiktokshop", name)


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


@pytest.fixture
def server() -> Iterator[SampleServer]:
    with serving() as running:
        yield running


@pytest.fixture
def adapter(server: SampleServer) -> Iterator[TikTokShopAdapter]:
    made = TikTokShopAdapter("tiktok", server.url, dict(CREDENTIALS), tokens=MemoryStore(), media=MemoryStore(),
                             options=OPTIONS)
    yield made
    made.close()


def paged(first: str, by_order: str = "search_last_page"):
    """A search: the documented page first, the last page for its next_page_token; asked by order ids, `by_order`."""
    def answer(asked: Asked) -> Sample:
        if asked.query.get("page_token"):
            return tiktok("search_last_page")
        return tiktok(by_order if "order_ids" in asked.json() else first)
    return answer


def details(*names: str):
    """Get Order Detail over the orders of these answers; an id none holds fails the call with 21008111."""
    pool = {order["id"]: order for name in names for order in tiktok(name).response["data"]["orders"]}

    def answer(asked: Asked) -> Sample:
        ids = asked.query["ids"][0].split(",")
        if not set(ids) <= set(pool):
            return tiktok("error_order_not_this_sellers")
        body = {"code": 0, "message": "Success", "request_id": "r", "data": {"orders": [pool[i] for i in ids]}}
        return Sample("built by the test from " + ", ".join(names), body)
    return answer


def by_order(lines: list[OrderLine]) -> list[tuple[str, str, int, str]]:
    return sorted((line.order_id, line.seller_sku, line.quantity, line.status) for line in lines)


# --- orders, returns and cancellations -----------------------------------------------------------


def test_the_official_samples_give_the_order_line_placed_and_pending_requests_give_nothing_back(server, adapter):
    server.answer("POST", ORDERS, paged("orders_search"))
    server.answer("POST", RETURNS, paged("returns_search"))
    server.answer("POST", CANCELLATIONS, paged("cancellations_search"))
    lines, cursor = adapter.orders("1619600000")  # a cursor from before the samples' times
    # One line item per unit; the sample's UNPAID order is a sale. Its pending REFUND and pending cancellation are
    # of other orders and change nothing, so no order detail is read.
    # unit_price: the line's sale_price "0.01" (the sample's test amount), in whole rupiah
    assert lines == [OrderLine(SAMPLE_ORDER, "red_iphone_256", 1, "placed", at(1619611561), unit_price=0)]
    assert server.calls(DETAIL) == []
    assert cursor == "1690453136"  # the latest update_time seen: the return's
    for path, size in ((ORDERS, "100"), (RETURNS, "50"), (CANCELLATIONS, "50")):
        first, last = server.calls(path)  # the sample's next_page_token is followed to the last page
        assert first.query["page_size"] == [size] and first.json() == {"update_time_ge": 1619600000 - 300}
        assert last.query["page_token"] and last.json() == first.json()


def test_line_statuses_returns_and_cancellations_give_units_back_one_line_per_order_and_seller_sku(server, adapter):
    server.answer("POST", ORDERS, paged("orders_search_partly_gone"))
    server.answer("POST", RETURNS, paged("returns_search_completed", by_order="returns_search_completed"))
    server.answer("POST", CANCELLATIONS, paged("cancellations_search_completed"))
    server.answer("GET", DETAIL, details("order_detail", "order_detail_built"))
    lines, cursor = adapter.orders(CURSOR)
    assert by_order(lines) == [
        (X, "LPUJI-DMP-00", 1, "placed"),  # 3 wallets: one line CANCELLED, one returned, one return still on its way
        (X, "LPUJI-SPT-40", 1, "placed"),  # a REFUND: the buyer keeps the shoe
        (Y, "LPUJI-DMP-00", 1, "returned"),  # known by its return only: read with Get Order Detail
        (Z, "LPUJI-DMP-00", 1, "placed"),  # one of its two lines cancelled inside the live order
        ("576000000000000104", "LPUJI-DMP-00", 2, "cancelled"),
        (SAMPLE_ORDER, "red_iphone_256", 1, "cancelled"),  # the Get Order Detail sample, its line cancelled
    ]
    assert {line.order_id: line.at for line in lines}[Y] == at(1764000000)  # when the order was placed
    assert cursor == "1764500500"
    (detail,) = server.calls(DETAIL)
    assert detail.query["ids"] == [",".join(sorted((Y, Z, SAMPLE_ORDER)))]
    # A DELIVERED order's returns are read whenever they were made, not only those updated since the cursor.
    assert [call.json() for call in server.calls(RETURNS) if "order_ids" in call.json()] == [{"order_ids": [X]}]


def test_an_order_the_shop_does_not_have_is_left_out_and_the_others_are_read(server, adapter):
    server.answer("POST", ORDERS, tiktok("search_last_page"))
    server.answer("POST", RETURNS, paged("returns_search_completed"))
    server.answer("POST", CANCELLATIONS, paged("cancellations_search_completed"))
    server.answer("GET", DETAIL, details("order_detail"))  # only the sample order: ...102 and ...103 answer 21008111
    lines, _ = adapter.orders(CURSOR)
    assert by_order(lines) == [(SAMPLE_ORDER, "red_iphone_256", 1, "cancelled")]
    asked = [call.query["ids"][0] for call in server.calls(DETAIL)]
    assert asked == [",".join(sorted((X, Y, Z, SAMPLE_ORDER))), *sorted((X, Y, Z, SAMPLE_ORDER))]


def test_order_detail_failing_to_get_orders_is_transient(server, adapter):
    server.answer("POST", ORDERS, tiktok("search_last_page"))
    server.answer("POST", RETURNS, paged("returns_search_completed"))
    server.answer("POST", CANCELLATIONS, tiktok("search_last_page"))
    server.answer("GET", DETAIL, tiktok("error_failed_to_get_orders"))
    with pytest.raises(Transient) as raised:
        adapter.orders(CURSOR)
    assert raised.value.code == "10002014" and len(server.calls(DETAIL)) == 2  # retried, as the page asks


# --- documented errors on a write ----------------------------------------------------------------


def stock_change(*skus: str) -> Change:
    return Change("wallet", Remote("1729592969712207012", None, {sku: sku_id for sku, sku_id in skus}),
                  {sku: 4 for sku, _ in skus})


INVENTORY = "/product/202309/products/1729592969712207012/inventory/update"


def test_the_update_inventory_sample_refuses_its_one_sku_and_the_call_goes_through(server, adapter):
    server.answer("POST", INVENTORY, tiktok("inventory_update"))
    (refused,) = adapter.update_stock([stock_change(("LPUJI-DMP-00", "1729592969712207013"))])
    assert isinstance(refused.error, Invalid) and "LPUJI-DMP-00: 12052990" in refused.error.message
    (asked,) = server.calls(INVENTORY)
    assert asked.json() == {"skus": [{"id": "1729592969712207013",
                                      "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 4}]}]}
    server.answer("POST", INVENTORY, tiktok("inventory_update_ok"))
    assert adapter.update_stock([stock_change(("LPUJI-DMP-00", "1729592969712207013"))])[0].ok


@pytest.mark.parametrize(("name", "error_class", "code", "calls"), [
    ("error_too_many_requests", Throttled, "36009002", 2),
    ("error_internal", Transient, "36009003", 2),  # TikTok answered, so nothing was done: tried again
    ("error_stock_count_invalid", Invalid, "12019024", 1),
    ("error_product_does_not_exist", NotFound, "12052260", 1),
])
def test_each_documented_error_of_a_stock_update_is_that_items_outcome(server, adapter, name, error_class, code,
                                                                        calls):
    server.answer("POST", INVENTORY, tiktok(name))
    (outcome,) = adapter.update_stock([stock_change(("LPUJI-DMP-00", "1729592969712207013"))])
    assert type(outcome.error) is error_class and outcome.error.code == code
    assert len(server.calls(INVENTORY)) == calls


def test_a_refused_signature_stops_the_channel_and_an_unknown_api_version_says_which_option(server, adapter):
    server.answer("POST", INVENTORY, tiktok("error_sign_invalid"))
    with pytest.raises(AuthError, match="app_key and app_secret"):
        adapter.update_stock([stock_change(("LPUJI-DMP-00", "1729592969712207013"))])
    assert server.calls(REFRESH) == []
    server.answer("POST", INVENTORY, tiktok("error_api_version"))
    (outcome,) = adapter.update_stock([stock_change(("LPUJI-DMP-00", "1729592969712207013"))])
    assert type(outcome.error) is AdapterError and "options.versions" in outcome.error.message


@pytest.mark.parametrize("name", ["error_token_expired", "error_token_invalid"])
def test_an_expired_or_invalid_access_token_is_refreshed_once_and_the_call_repeated(server, adapter, name):
    answers = iter([tiktok(name), tiktok("inventory_update_ok")])
    server.answer("POST", INVENTORY, lambda asked: next(answers))
    server.answer("GET", REFRESH, tiktok("token_refresh"))
    assert adapter.update_stock([stock_change(("LPUJI-DMP-00", "1729592969712207013"))])[0].ok
    (refresh,) = server.calls(REFRESH)
    assert refresh.query["refresh_token"] == ["a-refresh-token"] and refresh.query["grant_type"] == ["refresh_token"]
    first, second = server.calls(INVENTORY)
    new_token = tiktok("token_refresh").response["data"]["access_token"]
    assert (first.headers["x-tts-access-token"], second.headers["x-tts-access-token"]) == ("an-access-token",
                                                                                           new_token)


# --- every documented error pair ------------------------------------------------------------------

# (code, message as documented, HTTP status) -> the class the adapter gives it. Sources: the common-errors guide
# (lazykern/ecommerce-api-docs data/processed/tiktok/guides/developer-guide/tiktok-shop-api-concepts/common-errors.md),
# rymndcs/tiktok_shop_rb_api test/fixtures/error_list.json (the pages' error tables) and the return/refund pages.
DOCUMENTED = [
    ("36009002", "Too many requests. You've made too many requests in a short period of time.", 429, Throttled),
    ("12052109", "number of requests from merchants over limit", 200, Throttled),
    ("36009003", "Internal error. Please try again. If the issue persists after multiple attempts, please contact "
                 "platform support.", 200, Transient),
    ("36009007", "Request timeout. The request to the endpoint timed out.", 200, Transient),
    ("12001000", "product api internal error", 200, Transient),
    ("33001002", "internal error", 200, Transient),
    ("12052881", "identity internal error", 200, Transient),
    ("10006402", "Internal error. Please try again. If the issue persists after multiple attempts, please contact "
                 "platform support.", 200, Transient),
    ("10002014", "Failed to get orders, If multiple retry have failed, please contact the platform for assistance",
     200, Transient),
    ("10037004", "Failed to get orders, If multiple retry have failed, please contact the platform for assistance",
     200, Transient),
    ("36009003", "Service unavailable", 503, Transient),
    ("105002", "Expired credentials. The `access_token` or `x-tts-access-token` header has expired.", 200, AuthError),
    ("106001", "Invalid credentials. The `sign` query parameter is invalid.", 200, AuthError),
    ("36009004", "Missing credentials. The request does not include a required signature in the query.", 200,
     AuthError),
    ("36009004", "Invalid credentials. The `access_token` header is invalid.", 200, AuthError),
    ("36009004", "Invalid credentials. The `x-tts-access-token` header is invalid.", 200, AuthError),
    ("36009004", "Invalid credentials. Invalid `app_key` query parameter.", 200, AuthError),
    ("36009004", "Invalid timestamp. The value of the `timestamp` query parameter must not be earlier than 5 minutes "
                 "before the current time.", 200, AuthError),
    ("36009004", "Invalid identifier. The `shop_id` query parameter is invalid.", 200, AuthError),
    ("101000", "Invalid query or header. The `category_asset_cipher` query parameter or `x-tts-access-token` header "
               "is invalid.", 200, AuthError),
    ("105005", "Access denied. The app is not authorized to access the endpoint because the access scopes granted "
               "for the app or the access token do not contain the required access scope for the endpoint.", 200,
     AuthError),
    ("36009033", "Access denied. Your IP address is not in the IP allow list configured for this app.", 200,
     AuthError),
    ("106013", "Missing identifier. The `shop_cipher` query parameter is required to identify the target shop.", 200,
     AuthError),
    ("36004004", "Invalid auth code.", 200, AuthError),
    ("12052260", "The product ID does not exist", 200, NotFound),
    ("12019150", "The product ID does not exist.", 200, NotFound),
    ("12052032", "The product does not exist", 200, NotFound),
    ("12052048", "You cannot edit the specified product(s) as it isn't listed in your account or shop.", 200,
     NotFound),
    ("12052034", "This product doesn't belong to this shop", 200, NotFound),
    ("21008111", "The order or package does not belong to the current seller.", 200, NotFound),
    ("12019024", "stock count is invalid", 200, Invalid),
    ("12052055", "The SKU inventory quantity for the warehouse must be within allowed limits.", 200, Invalid),
    ("12019113", "product status is invalid", 200, Pending),  # update-price: the product is still in review
    ("12052901", "The product in its current status is not available for this operation. Change the product status "
                 "and try again.", 200, Pending),  # update-inventory's code for the same
    ("12052104", "property is required", 200, Invalid),
    ("12052393", "Product locked for Promotion and stock can't be updated below current stock", 200, Invalid),
    ("36009004", "invalid param error", 200, Invalid),
    ("98001004", "Parameter {param_name} is invalid. Reason: {reason}. Expected: {expected_value}", 200, Invalid),
    ("25001001", "An invalid request parameter was passed. Please check that you have the correct parameter type(s) "
                 "and format.", 200, Invalid),
    ("36009009", "Invalid path. The specified path does not match any available endpoint.", 200, AdapterError),
    ("36009010", "Invalid method. The HTTP method used is not supported by this endpoint.", 200, AdapterError),
    ("36009014", "Invalid API version. The `version` value is invalid or unsupported.", 200, AdapterError),
    ("36009004", "Invalid API version. The `version` value is invalid or unsupported.", 200, AdapterError),
]


@pytest.mark.parametrize(("code", "message", "status", "error_class"), DOCUMENTED)
def test_every_documented_error_is_classified(code, message, status, error_class):
    assert type(classify(code, message, status, "TikTok Shop inventory")) is error_class


def test_every_error_fixture_is_in_the_table():
    """The error answers served above carry the documented code and message of a table row."""
    rows = {(code, message) for code, message, _, _ in DOCUMENTED}
    names = ["error_too_many_requests", "error_internal", "error_failed_to_get_orders", "error_order_not_this_sellers",
             "error_stock_count_invalid", "error_product_does_not_exist", "error_sign_invalid", "error_token_expired",
             "error_token_invalid", "error_api_version"]
    for name in names:
        body = tiktok(name).response
        assert (str(body["code"]), body["message"]) in rows, (name, json.dumps(body))


def test_the_category_tree_and_attributes_are_read_from_the_documented_samples(server, adapter) -> None:
    server.answer("GET", "/product/202309/categories", tiktok("categories"))
    server.answer("GET", "/product/202309/categories/600002/attributes", tiktok("attributes"))
    assert adapter.categories() == [ChannelCategory("600002", "Home Supplies", "600001", False)]
    [asked] = server.calls("/product/202309/categories")
    assert (asked.query["category_version"], asked.query["locale"]) == (["v1"], ["id-ID"])
    # The sales attribute (Color) is left out; is_requried false: optional; a free-form positive number.
    assert adapter.attributes("600002") == [
        CategoryAttribute("100392", "Occasion", False, (AttributeOption("1001533", "Birthday"),), custom=True,
                          input=AttributeInput.NUMBER, multiple=True)
    ]
