"""The `tiktokshop` adapter: TikTok Shop Partner API (Indonesia), one shop per channel - and Tokopedia through it.

Tokopedia's own Open API was switched off in Sept 2025; its listings are managed here: `options.listing_platforms`
(default `["TIKTOK_SHOP"]`, the documented default of create, activate and deactivate; `["TOKOPEDIA"]`, or both) goes
into every create, activate and deactivate, so a delist leaves no platform the product was listed on live.

Calls (each path's version is `options.versions[<api>]`, defaults in `DEFAULT_VERSIONS`):
- create   POST /product/202309/products, with `idempotency_key` = the intent id
- edit     PUT  /product/202509/products/{id} (full edit: a SKU sent without id is new, one left out is deleted)
- stock    POST /product/202309/products/{id}/inventory/update (one product, all its SKUs, per warehouse)
- price    POST /product/202309/products/{id}/prices/update (one product, all its SKUs)
- find     POST /product/202502/products/search by `seller_skus` (at most 10 per call), grouped by product
- status   POST /product/202309/products/deactivate | activate (at most 20 products)
- images   POST /product/202309/images/upload (multipart, unsigned body, no shop_cipher) -> uri
- check    GET  /authorization/202309/shops (no shop_cipher) and a search for the count of live products
- orders   POST /order/202309/orders/search, /return_refund/202309/returns/search and .../cancellations/search by
           update_time (see `orders`), GET /order/202507/orders?ids= (Get Order Detail) for an order known only by
           its return or cancellation
- categories GET /product/202309/categories (the whole tree, `is_leaf`), GET /product/202309/categories/{id}/attributes
           (product attributes only: `type` PRODUCT_PROPERTY; mandatory is `is_requried`, so spelt on the page)
- the warehouse: `options.warehouse_id`, else the shop's default sales warehouse from GET /logistics/202309/warehouses
  (the list kept in the ledger's facts for a day: read once, not once per run)

Every call carries `app_key`, `timestamp`, `shop_cipher` (where the API takes one) and `sign` in the query and the
access token in the `x-tts-access-token` header. `_Signature` signs the prepared request, so the signature covers
exactly the body bytes that are sent.

Classification (`classify`; TikTok reuses 36009004 for several failures, so it is read by its message):
- Throttled: HTTP 429, 36009002, 12052109 (the merchant's request limit).
- Transient: HTTP 5xx, 36009003 / 36009007 / 12001000 / 33001002 / 12052881 and any message saying "internal error",
  Get Order Detail's 10002014 / 10002015 / 10037002-10037004 ("if multiple retry have failed ..."), answers that are
  not TikTok's JSON.
- AuthError: 105002 (expired token), 106001 (signature), 36009033 (IP not allowed), 105005 (scope), 106013
  (shop_cipher missing), 101000, 36004004 (refresh token), 36009004 about credentials, timestamp, app_key, token or
  shop identifier - each with what to do.
- NotFound: 12052260 / 12052032 / 12019150 (product does not exist), 12052048 / 12052034 (not a product of this
  shop), 21008111 (not an order of this shop: Get Order Detail leaves that order out and reads the others).
- AdapterError: 36009009 / 36009010 / 36009014, and 36009004 about the API version (no such path, method or version:
  the endpoint or options.versions).
- Invalid: every other code (title, description, price, weight, SKU, category, image, attribute errors ...).
- `data.errors` of inventory update and (de)activate: that SKU's or product's Outcome.

Creates are idempotent (`capabilities.idempotent_create`): the same idempotency key makes TikTok answer with the
product it already made, so a create whose answer was lost (timeout, 5xx) is repeated by `call` like a read. When the
attempts run out it is UnknownOutcome, and the executor's lookup by SKU finds at most one product. Other writes are
never repeated after a lost answer: an edit that adds SKUs would add them twice.

Title: TikTok Shop Indonesia takes 25-255 characters (`listing_rules`). The sync completes a shorter catalog name
before it gets here (`connector/sync/fit.py`: the name as written, then its subcategory, material or credit line), so
the adapter sends `listing.name` as it comes; a name still too short is the marketplace's to refuse.

Tokens (`connector.adapters.tokens`): the TokenStore's pair wins over the config's (unless the shop was
re-authorised in the config since). An answer saying the access token expired (105002) or is invalid triggers one
refresh (under a lock; the new pair is saved before it is used) and one retry; a token whose stored expiry is near is
refreshed before the call. The token API lives on TikTok's auth host: `options.auth_base`, else
https://auth.tiktok-shops.com when the endpoint is TikTok's own API host, else the endpoint + "/authorization" (where
the PASINDO sandbox mounts it); the path is /api/v2/token/refresh, unsigned, with app_key, app_secret, refresh_token
and grant_type=refresh_token in the query.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import html
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from pydantic import BeforeValidator, ConfigDict, Field, create_model
from requests.auth import AuthBase

from connector.adapters.base import (
    ORDER_OVERLAP_SECONDS,
    Adapter,
    AdapterError,
    AttributeInput,
    AttributeOption,
    AttributeValue,
    AuthError,
    Capabilities,
    CategoryAttribute,
    Change,
    ChannelCategory,
    FactStore,
    Image,
    Invalid,
    Listing,
    ListingLink,
    ListingRules,
    MediaCache,
    NotFound,
    OrderLine,
    Outcome,
    Pending,
    Remote,
    Throttled,
    TokenStore,
    Transient,
    UnknownOutcome,
    answer_amount,
    answer_id,
)
from connector.adapters.http import ChannelOptions, json_body, new_session, status_error
from connector.adapters.tokens import ChannelCredentials

API_HOST = "https://open-api.tiktokglobalshop.com"
AUTH_HOST = "https://auth.tiktok-shops.com"
PRODUCT_PAGE_URL = "https://shop.tiktok.com/view/product/"  # a product's detail page (TikTokShopAdapter.listing_links)
SANDBOX_AUTH_MOUNT = "/authorization"
TOKEN_REFRESH_PATH = "/api/v2/token/refresh"

DEFAULT_RATE_LIMIT = 10.0  # TikTok allows 50 requests/s per API, app and shop; a conservative pace for all of them
DEFAULT_VERSIONS = {
    "create": "202309", "edit": "202509", "inventory": "202309", "prices": "202309", "search": "202502",
    "deactivate": "202309", "activate": "202309", "images": "202309", "shops": "202309", "warehouses": "202309",
    "orders": "202309", "order_detail": "202507", "returns": "202309", "cancellations": "202309",
    "categories": "202309", "attributes": "202309",
}
_PATHS = {
    "create": "/product/{version}/products",
    "edit": "/product/{version}/products/{id}",
    "inventory": "/product/{version}/products/{id}/inventory/update",
    "prices": "/product/{version}/products/{id}/prices/update",
    "search": "/product/{version}/products/search",
    "deactivate": "/product/{version}/products/deactivate",
    "activate": "/product/{version}/products/activate",
    "images": "/product/{version}/images/upload",
    "shops": "/authorization/{version}/shops",
    "warehouses": "/logistics/{version}/warehouses",
    "orders": "/order/{version}/orders/search",
    "order_detail": "/order/{version}/orders",
    "returns": "/return_refund/{version}/returns/search",
    "cancellations": "/return_refund/{version}/cancellations/search",
    "categories": "/product/{version}/categories",
    "attributes": "/product/{version}/categories/{id}/attributes",
}
# Get Categories / Get Attributes: the 3-level tree ("v1", every region but the US) in Indonesian.
CATEGORY_QUERY = {"category_version": "v1", "locale": "id-ID"}
ORDER_WINDOW = 30 * 86400  # the first pull reads this far back
LISTING_PLATFORMS = ("TIKTOK_SHOP", "TOKOPEDIA")
TITLE_MIN = 25
SEARCH_SKUS_MAX = 10
PAGE_SIZE = 100
ORDER_DETAIL_MAX = 50  # get-order-detail: ids, max count 50
RETURN_PAGE_SIZE = 50  # search-returns: page_size in [10-50]
CANCELLATION_PAGE_SIZE = 50  # search-cancellations: page_size in [1-50]
# search-returns: a RETURN_AND_REFUND return brings the units back once it succeeded or completed (REFUND leaves the
# item with the buyer, REPLACEMENT sends another unit out); pending, rejected or cancelled returns change nothing.
_RETURNED = frozenset({"RETURN_OR_REFUND_REQUEST_SUCCESS", "RETURN_OR_REFUND_REQUEST_COMPLETE"})
# search-cancellations: a cancellation counts once it succeeded or completed, not while pending or after it was
# withdrawn (the page spells that status both CANCELLATION_REQUEST_CANCEL and _CANCELLED).
_CANCELLED = frozenset({"CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"})
_RETURNS_AFTER = frozenset({"DELIVERED", "COMPLETED"})  # get-order-list: the order statuses a return can follow
TOKEN_REFRESH_MARGIN = 3600.0  # refresh this many seconds before the stored expiry
# The shop's warehouse list, kept in the ledger's facts for a day (as the category rules are, connector/sync/rules.py):
# a shop's warehouses change in Seller Center, rarely, and a run should not read them again (`options.warehouse_id`
# pins one). Keyed by a digest of the shop_cipher, so a channel pointed at another shop reads its own.
WAREHOUSES = "warehouses"
WAREHOUSES_MAX_AGE = 86400.0
ACCESS_TOKEN_TTL = 7 * 24 * 3600  # if a refresh answer lacks access_token_expire_in

_THROTTLE_CODES = frozenset({"36009002", "12052109"})
# Sources: lazykern/ecommerce-api-docs data/processed/tiktok/guides/developer-guide/tiktok-shop-api-concepts/
# common-errors.md and rate-limits.md, each endpoint page's error table (data/raw/tiktok/api-reference/), and
# rymndcs/tiktok_shop_rb_api test/fixtures/error_list.json (the error tables of the pages this adapter calls).
_BUSY_CODES = frozenset({
    "36009003", "36009007", "12001000",  # internal error, request timeout, product api internal error
    "33001002", "12052881",  # internal error, identity internal error
    # get-order-detail: "Failed to get orders, If multiple retry have failed, please contact the platform"
    "10002014", "10002015", "10037002", "10037003", "10037004",
})
# A product still in review (PENDING) takes no price (12019113, update-price) or stock (12052901, update-inventory)
# change yet: Pending, sent again by a later run.
_PENDING_CODES = frozenset({"12019113", "12052901"})
_NOT_FOUND_CODES = frozenset({
    "12052260", "12052032", "12019150",  # the product (ID) does not exist
    "12052048", "12052034",  # not a product of this shop
    "21008111",  # get-order-detail: the order or package does not belong to the current seller
})
_WRONG_API_CODES = frozenset({"36009009", "36009010", "36009014"})
_AUTH_HINTS = {
    "105002": "TikTok Shop says the access token has expired",
    "106001": "TikTok Shop refused the request signature: check app_key and app_secret",
    "36009033": "this machine's IP address is not in the app's IP allow list: add it in TikTok Shop Partner Center",
    "105005": "the app lacks an access scope this call needs: grant it in Partner Center and re-authorise the shop",
    "106013": "TikTok Shop needs the shop_cipher: set it in the channel's credentials",
    "101000": "TikTok Shop refused the access token: re-authorise the shop",
    "36004004": "TikTok Shop refused the refresh token",
}
# 36009004 covers several gateway refusals; its message says which (TikTok's common-errors page).
_INVALID_TOKEN_HINT = "TikTok Shop says the access token is invalid"
_CREDENTIAL_HINTS = (
    ("timestamp", "TikTok Shop refused the request timestamp: check this machine's clock (30 s ahead is too much)"),
    ("app_key", "TikTok Shop does not know this app_key or app_secret"),
    ("access", _INVALID_TOKEN_HINT),
    ("signature", "the request carried no signature"),
    ("identifier", "TikTok Shop refused the shop identifier: check shop_cipher"),
)


def sign(app_secret: str, path: str, query: Mapping[str, str], body: bytes = b"") -> str:
    """TikTok Shop's signature: lowercase hex HMAC-SHA256(app_secret, app_secret + base + app_secret), where base is
    the path, then key + value of every query parameter but `sign` and `access_token` sorted by key, then the raw
    body (b"" for multipart bodies, which are not signed)."""
    base = path + "".join(f"{key}{query[key]}" for key in sorted(query) if key not in ("sign", "access_token"))
    secret = app_secret.encode()
    return hmac.new(secret, secret + base.encode() + body + secret, hashlib.sha256).hexdigest()


def classify(code: str, message: str, status: int, where: str) -> AdapterError:
    """The failure class of a TikTok Shop error answer (see the module's table)."""
    detail = f"{where}: {code}: {message}" if message else f"{where}: {code}"
    if code in _THROTTLE_CODES or status == 429:
        return Throttled(detail, code=code)
    if code in _BUSY_CODES or status >= 500 or "internal error" in message.lower():
        return Transient(detail, code=code)
    if code in _AUTH_HINTS:
        return AuthError(f"{_AUTH_HINTS[code]} ({detail})", code=code)
    if code == "36009004":
        if "version" in message.lower():  # "Invalid API version. The `version` value is invalid or unsupported."
            return AdapterError(f"{detail} (check the channel's endpoint URL and options.versions)", code=code)
        for keyword, hint in _CREDENTIAL_HINTS:
            if keyword in message.lower():
                return AuthError(f"{hint} ({detail})", code=code)
    if code in _NOT_FOUND_CODES:
        return NotFound(detail, code=code)
    if code in _PENDING_CODES:
        return Pending(f"{detail} (the product is still in review; a later run sends it)", code=code)
    if code in _WRONG_API_CODES:
        return AdapterError(f"{detail} (check the channel's endpoint URL and options.versions)", code=code)
    return Invalid(detail, code=code)


class _Signature(AuthBase):
    """Adds `sign` over the prepared request (exact body bytes) and the access token header."""

    def __init__(self, app_secret: str, access_token: Callable[[], str]) -> None:
        self._app_secret = app_secret
        self._access_token = access_token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        query = parse_qsl(parts.query, keep_blank_values=True)
        multipart = request.headers.get("Content-Type", "").startswith("multipart/form-data")
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        signature = sign(self._app_secret, parts.path, dict(query), b"" if multipart else body)
        request.url = urlunsplit(parts._replace(query=urlencode([*query, ("sign", signature)])))
        request.headers["x-tts-access-token"] = self._access_token()
        return request


def _listing_platforms(value: Any) -> list[str]:
    if (not isinstance(value, list) or not value or len(set(value)) != len(value)
            or not set(value) <= set(LISTING_PLATFORMS)):
        raise ValueError(f"must be TIKTOK_SHOP, TOKOPEDIA or both, got {value!r}")
    return list(value)


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int) else value


class Credentials(ChannelCredentials):
    """A TikTok Shop channel's credentials: the app (app_key, app_secret), the shop's cipher and its token pair."""

    app_key: Annotated[str, Field(min_length=1)]
    app_secret: Annotated[str, Field(min_length=1)]
    shop_cipher: Annotated[str, Field(min_length=1)]


# options.versions: one API version per call, defaults in DEFAULT_VERSIONS (a version written as a number is fine).
Versions = create_model("Versions", __config__=ConfigDict(extra="forbid", frozen=True),
                        **{api: (Annotated[str, BeforeValidator(_text)], version)
                           for api, version in DEFAULT_VERSIONS.items()})


class Options(ChannelOptions):
    """A TikTok Shop channel's options, beyond the shared ones."""

    listing_platforms: Annotated[list[str], BeforeValidator(_listing_platforms)] = ["TIKTOK_SHOP"]
    versions: Versions = Versions()  # type: ignore[valid-type]
    warehouse_id: Annotated[str, BeforeValidator(_text)] | None = None  # else the shop's default sales warehouse
    auth_base: str | None = None  # the token host; see the module's notes
    token_refresh_margin: Annotated[float, Field(ge=0)] = TOKEN_REFRESH_MARGIN


class TikTokShopAdapter(Adapter):
    """One TikTok Shop shop. Credentials and options: the `Credentials` and `Options` models above."""

    name = "tiktokshop"
    marketplace = "TikTok Shop"
    Credentials = Credentials
    Options = Options
    # Indonesia, from lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products/create-product.spec.json
    # (as the sandbox's dialect, connector/sandbox/tiktokshop.py, enforces them). The page gives no weight maximum
    # (package_weight: "a positive number", KILOGRAM with up to 3 decimals) and no dimension bounds
    # (package_dimensions "Optional for ID").
    listing_rules = ListingRules(
        title_min=TITLE_MIN, title_max=255,  # title: "Other regions: [25, 255]"
        description_min=1, description_max=10_000,  # description: required, "Max length: 10,000 characters"
        images_min=1, images_max=9,  # main_images: required, "Max count: 9"
        weight_min_g=1,  # a gram is 0.001 kg, the finest the page allows
        # the Indonesian price range, as lywzx/tiktok-partner-api mirrors the Product Pricing page (12052073)
        price_min=100, price_max=100_000_000,
        # create-product's quantity says [1, 99,999], the copy the sandbox follows 999,999: the docs disagree,
        # and the sandbox's bound is declared
        stock_max=999_999,
        variants_max=100,  # skus: "Max SKUs for other regions: 100"
        seller_sku_max=50,  # seller_sku: "Valid length: 1-50 characters"
    )
    capabilities = Capabilities(
        price_batch=1,
        stock_batch=1,
        status_batch=20,
        batch_across_products=False,
        idempotent_create=True,
        rate_limit=DEFAULT_RATE_LIMIT,
        max_variants=100,
        max_images=9,
    )
    # Upload Product Image: "Supported formats: JPG, JPEG, PNG, WEBP, HEIC, BMP", max 10MB (lazykern/ecommerce-api-docs
    # data/raw/tiktok/api-reference/products/upload-product-image.spec.json, body param `data`). HEIC and BMP are
    # left out: the sync recognises JPG, PNG and WEBP only, the formats the catalogs hold.
    image_formats = frozenset({"JPG", "PNG", "WEBP"})
    credentials: Credentials
    options: Options

    @classmethod
    def listing_links(cls, credentials: Mapping[str, Any], external_id: str, *, sandbox: str | None = None,
                      variant_ids: Mapping[str, str] | None = None) -> tuple[ListingLink, ...]:
        """On the sandbox, its page of the product. Live: the product's detail page on TikTok Shop,
        "shop.tiktok.com/view/product/<product id>?region=ID", the form of `detail_link` ("Product's detail link
        which is used to get product details on mobile clients") in Get Open Collaboration Product List by Product
        IDs, whose official sample is an Indonesian product (lazykern/ecommerce-api-docs
        data/raw/tiktok/api-reference/affiliate-creator/get-open-collaboration-product-list-by-product-ids.spec.json).
        The sample's link also carries `local=en`, the page's language; it is left out, so the buyer's own applies.

        Tokopedia: a product listed there too (`listing_platforms`) has a Tokopedia page, but no page of the docs
        copies says how it is addressed from a TikTok Shop product id (the Tokopedia one-pager, data/processed/tiktok/
        guides/changelog/other/id-market-tokopedia-shop-open-api-integration-one-pager.md, maps old Tokopedia
        products through Tokopedia's own API only), so no Tokopedia link is made."""
        if not (external_id.isascii() and external_id.isdigit()):
            return ()
        if sandbox is not None:
            return (ListingLink("TikTok Shop", f"{sandbox.rstrip('/')}/_sandbox/listing/{cls.name}/{external_id}"),)
        return (ListingLink("TikTok Shop", f"{PRODUCT_PAGE_URL}{external_id}?region=ID"),)

    def __init__(self, channel: str, base_url: str, credentials: dict[str, str], *, tokens: TokenStore,
                 media: MediaCache, options: dict[str, Any] | None = None, timeout: float = 30.0,
                 facts: FactStore | None = None):
        super().__init__(channel, base_url, credentials, tokens=tokens, media=media, options=options, timeout=timeout,
                         facts=facts)
        default_auth = AUTH_HOST if self.base_url == API_HOST else self.base_url + SANDBOX_AUTH_MOUNT
        self._auth_base = (self.options.auth_base or default_auth).rstrip("/")
        self.transport.session.auth = _Signature(self.credentials.app_secret,
                                                 lambda: self.keeper.in_force().access_token)
        # The token host: unsigned, no access token; paced with the shop's calls.
        self._auth_transport = replace(self.transport, session=new_session(pool_size=1))
        self._warehouse_lock = threading.Lock()
        self._warehouse_id = self.options.warehouse_id

    # -- the Adapter protocol ----------------------------------------------------------------------------------

    def check(self) -> str:
        shops = self._request("GET", "shops", write=False, cipher=False)["data"].get("shops") or []
        shop = next((shop for shop in shops if shop.get("cipher") == self.credentials.shop_cipher), None)
        if shop is None:
            raise AuthError("the access token does not cover this channel's shop_cipher: check shop_cipher or "
                            "re-authorise the shop")
        answer = self._request("POST", "search", write=False, params={"page_size": 1}, body={"status": "ACTIVATE"})
        active = answer["data"].get("total_count", 0)
        return f"shop {shop.get('name')} ({shop.get('region')}): authorised, {active} active listings"

    def find(self, seller_sku: str, variant_skus: Sequence[str] = ()) -> list[Remote]:
        """TikTok keeps seller SKUs on SKUs only: search by the variants' SKUs, or by the product's own SKU when it
        has no variants. `Remote.seller_sku` is that own SKU, None for a product with variants."""
        wanted = list(variant_skus) or [seller_sku]
        own = None if variant_skus else seller_sku
        remotes = []
        for product in self._search(wanted):
            skus = _sku_ids(product.get("skus"))
            # Search may match loosely; deleted products are no listing to bind.
            if product.get("status") != "DELETED" and set(wanted) & set(skus):
                remotes.append(Remote(str(product["id"]), own if own in skus else None,
                                      {sku: sku_id for sku, sku_id in skus.items() if sku},
                                      product.get("status") == "ACTIVATE"))
        return remotes

    def listings(self) -> Iterator[Remote]:
        """products/search without a SKU filter (status ALL, 100 a page by page_token): every product but the
        deleted, with its SKUs' prices and stock (summed over warehouses)."""
        for product in self._pages({"status": "ALL"}):
            if product.get("status") == "DELETED" or answer_id(product.get("id"), str) is None:
                continue
            skus = [sku for sku in product.get("skus") or [] if sku.get("seller_sku")
                    and answer_id(sku.get("id"), str)]
            own = skus[0]["seller_sku"] if len(product.get("skus") or []) == 1 and skus else None
            prices = {sku["seller_sku"]: answer_amount(_amount(sku.get("price"))) for sku in skus}
            stock = {sku["seller_sku"]: _stock(sku.get("inventory")) for sku in skus}
            yield Remote(str(product["id"]), own, {sku["seller_sku"]: str(sku.get("id")) for sku in skus},
                         product.get("status") == "ACTIVATE",
                         prices={k: v for k, v in prices.items() if v is not None},
                         stock={k: v for k, v in stock.items() if v is not None})

    def orders(self, since_cursor: str | None) -> tuple[list[OrderLine], str]:
        """Orders, returns and cancellations updated since the cursor (each search paged by page_token), as one
        OrderLine per order and seller SKU. An order lists one line item per unit; a line item whose display_status
        is CANCELLED (or every line of a CANCELLED order), or that a completed cancellation names, is cancelled; one
        that a completed RETURN_AND_REFUND return names came back. The line's quantity is the units still sold, status
        placed, while any is; when none is, it is every unit, status returned (any came back) or cancelled. An order
        named only by a return or cancellation is read with Get Order Detail. The cursor is the latest update_time
        seen."""
        until = int(time.time())
        since = int(since_cursor) - ORDER_OVERLAP_SECONDS if since_cursor else until - ORDER_WINDOW
        window = {"update_time_ge": since}
        found = {str(order["id"]): order for order in self._pages(window, "orders", "orders")}
        returns = list(self._pages(window, "returns", "return_orders", RETURN_PAGE_SIZE))
        cancellations = list(self._pages(window, "cancellations", "cancellations", CANCELLATION_PAGE_SIZE))
        latest = max([int(since_cursor or 0), *(int(record.get("update_time") or 0)
                                                for record in [*found.values(), *returns, *cancellations])])
        # A return completed before this window still counts for an order that changed since.
        returns += self._returns_of(sorted(i for i, order in found.items() if order.get("status") in _RETURNS_AFTER))
        gone = _gone(returns, cancellations)
        found.update(self._order_details(sorted(set(gone) - set(found))))
        lines = [line for order_id, order in found.items() for line in _order_lines(order, gone.get(order_id))]
        return lines, str(latest or until - ORDER_OVERLAP_SECONDS)

    def _returns_of(self, order_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The returns of these orders, whenever they were made."""
        returns: list[dict[str, Any]] = []
        for start in range(0, len(order_ids), ORDER_DETAIL_MAX):
            body = {"order_ids": list(order_ids[start:start + ORDER_DETAIL_MAX])}
            returns += self._pages(body, "returns", "return_orders", RETURN_PAGE_SIZE)
        return returns

    def _order_details(self, order_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Get Order Detail, 50 ids a call; an order the shop does not have (21008111) is left out, not the others."""
        found: dict[str, dict[str, Any]] = {}

        def detail(ids: Sequence[str]) -> list[dict[str, Any]]:
            data = self._request("GET", "order_detail", write=False, params={"ids": ",".join(ids)})["data"]
            return list(data.get("orders") or [])

        for start in range(0, len(order_ids), ORDER_DETAIL_MAX):
            batch = order_ids[start:start + ORDER_DETAIL_MAX]
            try:
                orders = detail(batch)
            except NotFound:
                orders = []
                for order_id in batch:
                    try:
                        orders += detail([order_id])
                    except NotFound:
                        continue
            found.update({str(order["id"]): order for order in orders})
        return found

    def create(self, listing: Listing, intent_id: str) -> Remote:
        """One call with the variants, prices and stock. `intent_id` is the idempotency key (the ledger's ids are
        32 hex characters, within TikTok's 128)."""
        body = {
            **self._content(listing),
            "skus": self._skus(listing, {}),
            "listing_platforms": self.options.listing_platforms,
            "idempotency_key": intent_id,
        }
        try:
            # write=False: the idempotency key makes a repeat return the product already made, never a second one.
            answer = self._request("POST", "create", write=False, body=body)
        except Transient as err:
            raise UnknownOutcome(f"{err.message}; the product may exist (look it up by SKU; a repeat with the same "
                                 "idempotency key would return it)", code=err.code) from err
        return self._remote(answer["data"], listing, active=True)

    def update_content(self, remote: Remote, listing: Listing) -> Remote:
        wanted = {variant.seller_sku for variant in listing.variants} or {listing.seller_sku}
        sku_ids = dict(remote.variant_ids)
        if not wanted <= set(sku_ids):
            sku_ids = self._sku_ids(remote.external_id, wanted)  # the ledger may be behind the marketplace
        body = {**self._content(listing), "skus": self._skus(listing, sku_ids)}
        answer = self._request("PUT", "edit", product_id=remote.external_id, write=True, body=body)
        return self._remote(answer["data"], listing, active=remote.active)

    def update_prices(self, changes: Sequence[Change]) -> list[Outcome]:
        return [
            self._set_skus(change, "prices", lambda sku_id, price: {
                "id": sku_id, "price": {"amount": str(price), "currency": "IDR"},
            })
            for change in changes
        ]

    def update_stock(self, changes: Sequence[Change]) -> list[Outcome]:
        return [
            self._set_skus(change, "inventory", lambda sku_id, quantity: {
                "id": sku_id, "inventory": [{"warehouse_id": self._warehouse(), "quantity": quantity}],
            })
            for change in changes
        ]

    def set_active(self, remotes: Sequence[tuple[str, Remote]], active: bool) -> list[Outcome]:
        if not remotes:
            return []
        api = "activate" if active else "deactivate"
        # The listing platforms of create: a delist that named TIKTOK_SHOP only (the documented default) would leave
        # the Tokopedia listing live.
        body = {"product_ids": [remote.external_id for _, remote in remotes],
                "listing_platforms": self.options.listing_platforms}
        errors = self._request("POST", api, write=True, body=body, confirmed_by_data=True)["data"].get("errors") or []
        refused = {str((error.get("detail") or {}).get("product_id")): error for error in errors}
        outcomes = []
        for key, remote in remotes:
            error = refused.get(remote.external_id)
            outcomes.append(Outcome(key, None if error is None else classify(
                str(error.get("code")), str(error.get("message") or ""), 200, f"TikTok Shop {api}")))
        return outcomes

    def categories(self) -> list[ChannelCategory]:
        """The shop's category tree (Get Categories): every node, parents and leaves."""
        data = self._request("GET", "categories", write=False, params=CATEGORY_QUERY).get("data") or {}
        return [ChannelCategory(str(node["id"]), str(node.get("local_name") or node.get("name") or node["id"]),
                                _parent(node.get("parent_id")), bool(node.get("is_leaf")))
                for node in data.get("categories") or []]

    def attributes(self, category_id: str) -> list[CategoryAttribute]:
        """A leaf's product attributes (Get Attributes), sales attributes (SALES_PROPERTY) left out."""
        answer = self._request("GET", "attributes", write=False, product_id=str(category_id), params=CATEGORY_QUERY)
        data = answer.get("data") or {}
        return [_category_attribute(entry) for entry in data.get("attributes") or []
                if entry.get("type") == "PRODUCT_PROPERTY"]

    def upload_image(self, image: Image) -> str:
        files = {"data": (image.filename, image.load()), "use_case": (None, "MAIN_IMAGE")}
        answer = self._request("POST", "images", write=True, cipher=False, files=files)
        return str(answer["data"]["uri"])

    def close(self) -> None:
        super().close()
        self._auth_transport.close()

    # -- listing content ---------------------------------------------------------------------------------------

    def _content(self, listing: Listing) -> dict[str, Any]:
        """The fields create and edit share (everything but the SKUs)."""
        body: dict[str, Any] = {
            "title": listing.name,
            "description": _html(listing.description),
            "category_id": str(listing.category_id),
            "main_images": [{"uri": self.image_id(image)} for image in listing.images],
            # Outside the US TikTok takes only kilograms (and centimetres), as decimal strings.
            "package_weight": {"value": f"{Decimal(listing.weight_g) / 1000:f}", "unit": "KILOGRAM"},
        }
        if listing.length_cm and listing.width_cm and listing.height_cm:
            body["package_dimensions"] = {"length": str(listing.length_cm), "width": str(listing.width_cm),
                                          "height": str(listing.height_cm), "unit": "CENTIMETER"}
        if listing.attributes:
            body["product_attributes"] = _product_attributes(listing.attributes)
        return body

    def _skus(self, listing: Listing, sku_ids: Mapping[str, str]) -> list[dict[str, Any]]:
        """The SKUs of a create or edit: a product without variants is one SKU without sales attributes. A SKU
        already on the product carries its id (else the edit would delete it and add a new one)."""
        rows = [(v.seller_sku, v.price, v.stock, v.options) for v in listing.variants] or [
            (listing.seller_sku, listing.price, listing.stock, {})
        ]
        skus = []
        for seller_sku, price, stock, options in rows:
            sku: dict[str, Any] = {"id": sku_ids[seller_sku]} if seller_sku in sku_ids else {}
            sku.update(seller_sku=seller_sku, price={"amount": str(price), "currency": "IDR"},
                       inventory=[{"warehouse_id": self._warehouse(), "quantity": stock}])
            if options:
                sku["sales_attributes"] = [{"name": name, "value_name": value} for name, value in options.items()]
            skus.append(sku)
        return skus

    def _remote(self, data: Mapping[str, Any], listing: Listing, *, active: bool) -> Remote:
        """A Remote from create's or edit's answer: the product id and its SKU ids by seller SKU. Both are strings
        (202309 Create Product / Edit Product): an answer without a usable product id is an unknown outcome."""
        product_id = answer_id(data.get("product_id"), str)
        if product_id is None:
            raise UnknownOutcome("TikTok Shop answered success without a usable product_id; the write may or may "
                                 "not have happened")
        return Remote(product_id, None if listing.variants else listing.seller_sku, _sku_ids(data.get("skus")), active)

    def _warehouse(self) -> str:
        """options.warehouse_id, else the shop's default sales warehouse: from the warehouse list kept in `facts`
        while it is younger than WAREHOUSES_MAX_AGE, else read (and kept) once."""
        with self._warehouse_lock:
            if self._warehouse_id is None:
                self._warehouse_id = _sales_warehouse(self._warehouses())
            return self._warehouse_id

    def _warehouses(self) -> list[Any]:
        shop = hashlib.sha256(self.credentials.shop_cipher.encode()).hexdigest()[:16]
        kept = self.facts.get(self.channel, WAREHOUSES, shop) if self.facts is not None else None
        if kept is not None and _sales(kept[0]) and time.time() - kept[1] < WAREHOUSES_MAX_AGE:
            return kept[0]
        warehouses = self._request("GET", "warehouses", write=False)["data"].get("warehouses") or []
        if self.facts is not None and _sales(warehouses):
            self.facts.put(self.channel, WAREHOUSES, shop, warehouses, time.time())
        return warehouses

    # -- reads -------------------------------------------------------------------------------------------------

    def _search(self, seller_skus: Sequence[str]) -> list[dict[str, Any]]:
        """Every product holding any of the seller SKUs, once each, in product id order."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(seller_skus), SEARCH_SKUS_MAX):
            body = {"seller_skus": list(seller_skus[start:start + SEARCH_SKUS_MAX])}
            for product in self._pages(body):
                # Search Products: id is a string. Anything else fails the lookup: dropping it could make a product
                # that exists look absent, and a create would follow.
                if answer_id(product.get("id"), str) is None:
                    raise AdapterError(f"TikTok Shop search answered {str(product.get('id'))[:40]!r} "
                                       f"({type(product.get('id')).__name__}) where a product id (string) belongs; "
                                       "the lookup settles nothing")
                found[product["id"]] = product
        return [found[product_id] for product_id in sorted(found, key=lambda i: (len(i), i))]

    def _pages(self, body: dict[str, Any], api: str = "search", key: str = "products",
               page_size: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Every entry under `key` of a search, page by page (`page_token` from `next_page_token`)."""
        token = ""
        while True:
            params: dict[str, Any] = {"page_size": page_size, **({"page_token": token} if token else {})}
            data = self._request("POST", api, write=False, params=params, body=body)["data"]
            yield from data.get(key) or []
            token = str(data.get("next_page_token") or "")
            if not token:
                return

    def _sku_ids(self, product_id: str, seller_skus: set[str]) -> dict[str, str]:
        """The product's current SKU ids by seller SKU (none when no wanted SKU is on it yet)."""
        for product in self._search(sorted(seller_skus)):
            if product.get("id") == product_id:
                return _sku_ids(product.get("skus"))
        return {}

    # -- price and stock ---------------------------------------------------------------------------------------

    def _set_skus(self, change: Change, api: str, entry: Callable[[str, int], dict[str, Any]]) -> Outcome:
        """prices/update or inventory/update of one product: its SKUs' values in one call, one Outcome."""
        sku_ids = change.remote.variant_ids
        targets = {sku_ids[sku]: (sku, value) for sku, value in change.values.items() if sku in sku_ids}
        problems = [f"{sku}: no TikTok Shop SKU id for this seller SKU (content not synced yet?)"
                    for sku in change.values if sku not in sku_ids]
        if targets:
            body = {"skus": [entry(sku_id, int(value)) for sku_id, (_, value) in targets.items()]}
            try:
                answer = self._request("POST", api, product_id=change.remote.external_id, write=True, body=body,
                                       confirmed_by_data=api == "inventory")
            except AuthError:
                raise  # the whole channel is stopped, not this item
            except AdapterError as err:
                return Outcome(change.key, err)
            for error in answer["data"].get("errors") or []:
                sku_id = str((error.get("detail") or {}).get("sku_id"))
                sku = targets[sku_id][0] if sku_id in targets else f"SKU {sku_id}"
                problems.append(f"{sku}: {error.get('code')}: {error.get('message') or 'refused'}")
        if not problems:
            return Outcome(change.key)
        return Outcome(change.key, Invalid(f"TikTok Shop {api} update: " + "; ".join(problems)))

    # -- requests and tokens -----------------------------------------------------------------------------------

    def _request(self, method: str, api: str, *, write: bool, product_id: str | None = None, cipher: bool = True,
                 params: Mapping[str, Any] | None = None, body: dict[str, Any] | None = None,
                 files: Mapping[str, Any] | None = None, confirmed_by_data: bool = False) -> dict[str, Any]:
        """A shop call; refreshed once if TikTok says the access token expired or is invalid.
        `confirmed_by_data`: the call's documented answer carries `data` about the items (see `_parse`)."""
        path = _PATHS[api].format(version=getattr(self.options.versions, api), id=product_id)
        where = f"TikTok Shop {api}"

        def common_params() -> dict[str, Any]:
            query: dict[str, Any] = {"app_key": self.credentials.app_key, "timestamp": int(time.time())}
            if cipher:
                query["shop_cipher"] = self.credentials.shop_cipher
            return query

        def send(_access_token: str) -> dict[str, Any]:
            # The token travels in the header `_Signature` adds: the one in force when the request is signed.
            return self.transport.call(method, self.base_url + path, write=write,
                                        parse=functools.partial(_parse, where=where,
                                                                confirmed_by_data=confirmed_by_data),
                                        sign=common_params,
                                        params=params, json=body, files=files)

        return self.keeper.authorised(send, _token_refused)

    def exchange(self, refresh_token: str) -> dict[str, Any]:
        """TikTok Shop's token call: the refresh token for a new pair, as the TokenStore keeps it."""
        params = {"app_key": self.credentials.app_key, "app_secret": self.credentials.app_secret,
                  "refresh_token": refresh_token, "grant_type": "refresh_token"}
        # write=False: a repeated refresh is safe (a spent refresh token is refused, never used twice).
        # Messages never carry the query, where the app secret travels.
        answer = self._auth_transport.call("GET", self._auth_base + TOKEN_REFRESH_PATH, write=False,
                                           parse=functools.partial(_parse, where="TikTok Shop token refresh"),
                                           params=params)["data"]
        return {
            "access_token": answer.get("access_token"),
            "refresh_token": answer.get("refresh_token"),
            # TikTok's expiry fields are absolute Unix times despite their names.
            "expires_at": float(answer.get("access_token_expire_in") or time.time() + ACCESS_TOKEN_TTL),
            "refresh_expires_at": answer.get("refresh_token_expire_in"),
            "shop_cipher": self.credentials.shop_cipher,
        }


# -- pure helpers --------------------------------------------------------------------------------------------


def _sales(warehouses: Any) -> list[Mapping[str, Any]]:
    """The enabled sales warehouses of a warehouse list (GET /logistics/202309/warehouses `data.warehouses`)."""
    if not isinstance(warehouses, list):
        return []
    return [w for w in warehouses if isinstance(w, Mapping) and w.get("type") == "SALES_WAREHOUSE"
            and w.get("effect_status", "ENABLED") == "ENABLED"]


def _sales_warehouse(warehouses: list[Any]) -> str:
    """The default sales warehouse's id, else the first sales warehouse's."""
    sales = _sales(warehouses)
    if not sales:
        raise AdapterError("the TikTok Shop shop has no enabled sales warehouse: add one in Seller Center "
                           "or set options.warehouse_id")
    return str(next((w for w in sales if w.get("is_default")), sales[0])["id"])


def _parse(response: requests.Response, *, where: str, confirmed_by_data: bool = False) -> dict[str, Any]:
    """The answer body (with `data` always a dict), or the failure it reports: TikTok answers HTTP 200 with a
    non-zero `code` for business errors.

    Whether a bare `{"code": 0}` confirms a write depends on what the call's documented answer carries (the
    official response samples in rymndcs/tiktok_shop_rb_api test/fixtures/): Update Price
    (product_202309_products_id_prices_update.json) answers `"data": {}`, so a bare success is a success; Update
    Inventory (product_202309_products_id_inventory_update.json) and Activate / Deactivate Products
    (product_202309_products_activate.json, product_202309_products_deactivate.json) answer a `data` object whose
    `errors` name each SKU or product refused, so with `confirmed_by_data` an answer without that `data` object
    has not said which items were done: an unknown outcome, not recorded and sent again at the next sync (an empty
    `errors` list, or none inside `data`, is every item done; the samples list refusals only)."""
    body = json_body(response)
    if body is None or "code" not in body:
        # A load balancer's page or a cut-off answer: nothing TikTok decided.
        raise status_error(response) or Transient(f"{where}: the answer is not TikTok's JSON "
                                                  f"(HTTP {response.status_code})")
    code = str(body["code"])
    if code != "0":
        raise classify(code, str(body.get("message") or ""), response.status_code, where)
    error = status_error(response)
    if error is not None:
        raise error
    if not isinstance(body.get("data"), dict):
        if confirmed_by_data:
            raise UnknownOutcome(f"{where}: answered success without the data its documented answer carries; not "
                                 "recorded, sent again at the next sync")
        body["data"] = {}
    return body


def _token_refused(err: AuthError) -> bool:
    """Whether TikTok refused the access token itself (a refresh can help), not the signature or the app."""
    return err.code == "105002" or (err.code == "36009004" and err.message.startswith(_INVALID_TOKEN_HINT))



@dataclass
class _Gone:
    """One order's line items that left the sale, by line item id, with the seller SKU the record names."""

    returned: dict[str, str] = field(default_factory=dict)
    cancelled: dict[str, str] = field(default_factory=dict)


def _gone(returns: Sequence[Mapping[str, Any]], cancellations: Sequence[Mapping[str, Any]]) -> dict[str, _Gone]:
    """Per order id, the line items that came back (completed RETURN_AND_REFUND returns) or were cancelled
    (completed cancellations). A return edited into another names the same line items: counted once."""
    gone: dict[str, _Gone] = {}
    for record in returns:
        if record.get("return_type") == "RETURN_AND_REFUND" and record.get("return_status") in _RETURNED:
            _named(gone.setdefault(str(record.get("order_id")), _Gone()).returned,
                   record.get("return_line_items"), "return_line_item_id")
    for record in cancellations:
        if record.get("cancel_status") in _CANCELLED:
            _named(gone.setdefault(str(record.get("order_id")), _Gone()).cancelled,
                   record.get("cancel_line_items"), "cancel_line_item_id")
    return gone


def _named(into: dict[str, str], items: Any, own_id: str) -> None:
    for item in items or []:
        line = str(item.get("order_line_item_id") or item.get(own_id) or "")
        if line:
            into[line] = str(item.get("seller_sku") or "")


def _order_lines(order: Mapping[str, Any], gone: _Gone | None) -> list[OrderLine]:
    """One OrderLine per seller SKU of the order (see `TikTokShopAdapter.orders`)."""
    gone = gone or _Gone()
    whole = order.get("status") == "CANCELLED"
    sku_of: dict[str, str] = {}
    cancelled: dict[str, str] = {}
    for n, item in enumerate(order.get("line_items") or []):
        line = str(item.get("id") or f"#{n}")
        sku_of[line] = str(item.get("seller_sku") or "")
        if whole or item.get("display_status") == "CANCELLED":
            cancelled[line] = sku_of[line]
    for line, sku in gone.cancelled.items():
        cancelled.setdefault(line, sku_of.get(line, sku))
    returned = {line: sku_of.get(line, sku) for line, sku in gone.returned.items() if line not in cancelled}
    cancelled_units, returned_units = Counter(cancelled.values()), Counter(returned.values())
    at = datetime.fromtimestamp(int(order.get("create_time") or 0), UTC)
    prices = _unit_prices(order.get("line_items") or [])
    lines = []
    for sku, units in Counter(sku_of.values()).items():
        if not sku:
            continue
        cancels = min(cancelled_units[sku], units)
        returns = min(returned_units[sku], units - cancels)
        if units - cancels - returns:
            lines.append(OrderLine(str(order["id"]), sku, units - cancels - returns, "placed", at,
                                   unit_price=prices.get(sku)))
        else:
            lines.append(OrderLine(str(order["id"]), sku, units, "returned" if returns else "cancelled", at,
                                   unit_price=prices.get(sku)))
    return lines


def _unit_prices(items: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Whole rupiah per unit by seller SKU: a line item is one unit, and its `sale_price` ("Item sale price",
    documented beside `original_price`, `seller_discount` and `platform_discount`: the price it sold at, not the list
    price) is read (get-order-list.spec.json). Units of one SKU at different prices give their mean."""
    paid: dict[str, list[Decimal]] = {}
    for item in items:
        try:
            price = Decimal(str(item.get("sale_price")))
        except InvalidOperation:
            continue
        if item.get("seller_sku") and price.is_finite():
            paid.setdefault(str(item["seller_sku"]), []).append(price)
    return {sku: int((sum(values) / len(values)).to_integral_value(ROUND_HALF_UP)) for sku, values in paid.items()}


def _sku_ids(skus: Any) -> dict[str, str]:
    """Seller SKU -> SKU id from an answer's `skus`; an id that is no string (the documented type) is left out."""
    return {sku["seller_sku"]: sku["id"] for sku in skus or []
            if isinstance(sku, Mapping) and sku.get("seller_sku") and answer_id(sku.get("id"), str) is not None}


def _stock(inventory: Any) -> int | None:
    """A SKU's stock summed over warehouses, or None when a figure is no plausible stock."""
    figures = [answer_amount(w.get("quantity") or 0) for w in inventory or []]
    return None if None in figures else sum(f for f in figures if f is not None)


def _amount(price: Any) -> int:
    """Whole rupiah from a search answer's SKU price (sale price, else the price before tax)."""
    price = price or {}
    return int(Decimal(str(price.get("sale_price") or price.get("tax_exclusive_price") or 0))
               .to_integral_value(ROUND_HALF_UP))


def _parent(value: Any) -> str | None:
    """A node's parent id; a root's is "0" (or absent)."""
    return None if value in (None, "", "0", 0) else str(value)


def _category_attribute(entry: Mapping[str, Any]) -> CategoryAttribute:
    """One PRODUCT_PROPERTY of Get Attributes. The page spells the mandatory flag `is_requried`; `is_required` is
    read too, should TikTok correct it. An attribute whose values are free-form positive numbers
    (`value_data_format` POSITIVE_INT_OR_DECIMAL) takes a number; TikTok documents no date input."""
    mandatory = bool(entry.get("is_requried", entry.get("is_required", False)))
    options = tuple(AttributeOption(str(value["id"]), str(value.get("name", "")))
                    for value in entry.get("values") or [] if value.get("id"))
    number = entry.get("value_data_format") == "POSITIVE_INT_OR_DECIMAL"
    return CategoryAttribute(str(entry["id"]), str(entry.get("name", "")), mandatory, options,
                             custom=bool(entry.get("is_customizable", not options)),
                             input=AttributeInput.NUMBER if number else AttributeInput.TEXT,
                             multiple=bool(entry.get("is_multiple_selection", False)))


def _html(text: str) -> str:
    """TikTok takes an HTML description: a paragraph per blank-line separated block, line breaks kept."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return "".join(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in blocks)


def _product_attributes(attributes: Sequence[AttributeValue]) -> list[dict[str, Any]]:
    """The listing's filled attributes as TikTok's product_attributes: an option by id, a custom value by name."""
    result: list[dict[str, Any]] = []
    for attribute in attributes:
        if not attribute.attribute_id.isdigit():
            raise Invalid(f"attribute {attribute.attribute_id!r}: TikTok Shop needs a numeric attribute id "
                          "(see Get Attributes)")
        value = {"id": attribute.option_id} if attribute.option_id else {"name": attribute.value}
        result.append({"id": attribute.attribute_id, "values": [value]})
    return result
