"""The TikTok Shop Partner API dialect of the sandbox (``/product/...``, ``/authorization/...``, ``/logistics/...``).

TikTok Shop also manages Tokopedia listings since Tokopedia's own Open API was switched off (Sept 2025): a
product created with ``listing_platforms: ["TOKOPEDIA"]`` (or both) is listed there too.

Sources: the endpoint pages of the Partner API (202309 / 202502 / 202509) as mirrored in lywzx/tiktok-partner-api
(doc-derived request and response interfaces, Indonesian limits), the official response samples and the
common-errors table collected in rymndcs/tiktok_shop_rb_api (``test/fixtures``), EcomPHP/tiktokshop-php (signing;
``images/upload`` and ``/authorization/`` refuse ``shop_cipher``; the image part is called ``data``), and the
project's MARKETPLACES.md (signature test vector).

Served (every call signed, see ``tiktok_sign``; ``x-tts-access-token`` header; ``shop_cipher`` where marked):
- POST /product/202309/products                          create; ``idempotency_key`` (<= 128 chars) makes a repeat
                                                          answer with the product it made the first time   [cipher]
- PUT  /product/202509/products/{id}                     full edit: a SKU without ``id`` is new, a known SKU left
                                                          out is deleted                                    [cipher]
- POST /product/202309/products/{id}/inventory/update    one product, its SKUs, per warehouse; partial success in
                                                          ``data.errors``                                   [cipher]
- POST /product/202309/products/{id}/prices/update       one product, its SKUs; all or nothing              [cipher]
- POST /product/202502/products/search                   ``page_size`` (<= 100), ``page_token`` in the query;
                                                          ``seller_skus`` (<= 10), ``status`` in the body   [cipher]
- POST /product/202309/products/deactivate | activate    <= 20 ``product_ids``; per product ``data.errors`` [cipher]
- GET  /product/202309/categories                        Get Categories: the tree (every mapped leaf, its parents)
- GET  /product/202309/categories/{id}/attributes        Get Attributes of a leaf (product attributes only)
- POST /product/202309/images/upload                     multipart ``data`` (+ ``use_case``) -> uri, url
- GET  /authorization/202309/shops                       the shops the token may act for (with their cipher)
- GET  /logistics/202309/warehouses                      the shop's one sales warehouse                     [cipher]
- POST /order/202309/orders/search                       orders by create/update time, one line item per unit,
                                                          each with its ``display_status``                  [cipher]
- GET  /order/202507/orders?ids=                         Get Order Detail, <= 50 ids                        [cipher]
- POST /return_refund/202309/returns/search              returns (``return_line_items``) by time, id, status [cipher]
- POST /return_refund/202309/cancellations/search        cancellations (``cancel_line_items``), likewise    [cipher]
- GET  /authorization/api/v2/token/refresh               the auth host's ``/api/v2/token/refresh``
                                                          (auth.tiktok-shops.com), mounted under ``/authorization``
                                                          because ``/api/v2/`` is Shopee's; unsigned, takes
                                                          app_key, app_secret, refresh_token, grant_type=refresh_token

Indonesian limits: title 25-255 characters, description <= 10,000, package weight required (KILOGRAM), seller_sku
1-50 characters without spaces, price 100-100,000,000 IDR (whole rupiah), 1-9 images, <= 100 SKUs and <= 3 sales
attributes, quantity 0-999,999 (the create page's bound; the inventory page says 99,999 - the docs disagree).

The sandbox's own decisions, where the docs are silent:
- HTTP status: 429 for throttling (with code 36009002), 400 for 36009004 (as observed for a bad app_key), 401 for
  106001 and 105002, 403 for 36009033, 404 / 405 for an unknown path / method, 503 for injected overload;
  everything an API itself answers is HTTP 200 with ``code`` != 0.
- New and edited products are PENDING (in audit) for the shared ``audit_seconds`` (0: live at once), then
  ACTIVATE; idempotency keys never expire.
- A refresh token is single-use (undocumented either way; the strict reading) and the access token lives 7 days;
  the refresh token a year (as in the documented sample answer); expiry fields are absolute Unix times.
- Activating an active product or deactivating an inactive one is a successful no-op.
- Only custom sales attributes (``name`` / ``value_name``; on edit also the ids the product already has).
- Image pixel sizes are not checked.
- The app's IP allow list is loopback and private networks; the client address is taken from ``X-Forwarded-For``
  when present (as behind a proxy), which is how a test presents a foreign address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, ClassVar

from connector.sandbox.dialect import (
    NoSettings,
    Planted,
    Request,
    Response,
    Settings,
    inspected,
    multipart_parts,
    planted_images,
)
from connector.sandbox.store import Item, Model, Order, OrderChange, Store

APP_KEY = "sandbox-tts-app"
APP_SECRET = "sandbox-tts-secret"
ACCESS_TOKEN = "sandbox-tts-token"
REFRESH_TOKEN = "sandbox-tts-refresh"
SHOP_CIPHER = "sandbox-cipher"
SHOP_ID = "7494000000000000001"
SHOP_NAME = "PASINDO Sandbox"
WAREHOUSE_ID = "7000000000000000001"

ACCESS_TOKEN_TTL = 7 * 24 * 3600
REFRESH_TOKEN_TTL = 365 * 24 * 3600
TIMESTAMP_MAX_AGE = 5 * 60
TIMESTAMP_MAX_AHEAD = 30

TITLE_MIN = 25
TITLE_MAX = 255
DESCRIPTION_MAX = 10_000
IMAGES_MAX = 9
IMAGE_BYTES_MAX = 10 * 1024 * 1024  # Upload Product Image: "Max size: 10MB" (see `_upload_image`)
SELLER_SKU_MAX = 50
PRICE_MIN = 100
PRICE_MAX = 100_000_000
QUANTITY_MAX = 999_999
SKUS_MAX = 100
SALES_ATTRIBUTES_MAX = 3
ATTRIBUTE_NAME_MAX = 20
ATTRIBUTE_VALUE_MAX = 50
IDEMPOTENCY_KEY_MAX = 128
STATUS_BATCH_MAX = 20
SEARCH_SKUS_MAX = 10
PAGE_MAX = 100
LISTING_PLATFORMS = ("TIKTOK_SHOP", "TOKOPEDIA")
USE_CASES = ("MAIN_IMAGE", "ATTRIBUTE_IMAGE", "DESCRIPTION_IMAGE", "CERTIFICATION_IMAGE", "SIZE_CHART_IMAGE")

FIRST_PRODUCT_ID = 1_729_000_000_000_000_001
FIRST_SKU_ID = 1_729_500_000_000_000_001
FIRST_ATTRIBUTE_ID = 7_100_000_000_000_000_001
MODELS_QUERY_CHUNK = 500  # item ids per store.models() call: SQLite caps the number of bound parameters

_STATUS_TO_TIKTOK = {"active": "ACTIVATE", "inactive": "SELLER_DEACTIVATED", "deleted": "DELETED"}
_STATUS_FROM_TIKTOK = {tiktok: ours for ours, tiktok in _STATUS_TO_TIKTOK.items()}
# TikTok's other statuses exist (drafts, audits, platform actions); no sandbox product is ever in them.
_OTHER_STATUSES = ("DRAFT", "PENDING", "FAILED", "PLATFORM_DEACTIVATED", "FREEZE")
_ALL_STATUSES = ("active", "inactive", "deleted")
_LISTED = ("active", "inactive")
_UNSIGNED_PARAMS = ("sign", "access_token")
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_HEIF_BRANDS = (b"heic", b"heix", b"mif1", b"msf1")  # an ISO media file's brand (bytes 8-12, after "ftyp")
# The sandbox app's IP allow list: loopback and the private networks (RFC 1918, unique local IPv6).
_ALLOWED_NETWORKS = tuple(ipaddress.ip_network(network) for network in (
    "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))
_HTTP_STATUS = {36009002: 429, 36009004: 400, 36009009: 404, 36009010: 405, 36009022: 400, 36009023: 400,
                106001: 401, 105002: 401, 106013: 400, 36009033: 403}


def tiktok_sign(app_secret: str, path: str, query: Mapping[str, str], body: bytes = b"") -> str:
    """TikTok Shop's request signature: lowercase hex HMAC-SHA256(app_secret, secret + base + secret).

    base = path + key1 + value1 + key2 + value2 ... over the query sorted by key, without ``sign`` and
    ``access_token``, + the raw body (callers pass b"" for multipart bodies, which are not signed).
    """
    base = path + "".join(f"{key}{query[key]}" for key in sorted(query) if key not in _UNSIGNED_PARAMS)
    secret = app_secret.encode()
    return hmac.new(secret, secret + base.encode() + body + secret, hashlib.sha256).hexdigest()


class TikTokError(Exception):
    """A TikTok error answer: a non-zero ``code`` with its ``message``."""

    def __init__(self, code: int, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else _HTTP_STATUS.get(code, 200)


def _invalid(parameter: str, reason: str, expected: str) -> TikTokError:
    """TikTok's generic parameter error, with its documented message template."""
    return TikTokError(98001004, f"Parameter {parameter} is invalid. Reason: {reason}. Expected: {expected}")


def _gateway_param(message: str) -> TikTokError:
    return TikTokError(36009004, message)




@dataclass(frozen=True)
class _Call:
    """An authenticated call: the request, its parsed JSON body and the product id of its path, if any."""

    request: Request
    body: dict[str, Any]
    product_id: int | None


@dataclass(frozen=True)
class _Endpoint:
    """An API: ``handler`` answers with ``data`` and whether it committed a listing write."""

    method: str
    pattern: re.Pattern[str]
    handler: Callable[[_Call], tuple[dict[str, Any], bool]]
    write: bool = False  # changes listings: counts as a write, may be hit by a timeout fault
    cipher: bool = True  # needs shop_cipher (False: the API refuses one)
    auth_host: bool = False  # the token API: unsigned, app_secret in the query, no access token


@dataclass
class _SkuFields:
    """One SKU of a create or edit body, validated."""

    sku_id: int | None
    seller_sku: str | None
    price: int
    quantity: int
    sales_attributes: list[dict[str, str]]


@dataclass
class _ProductFields:
    """A create or edit body, validated."""

    title: str
    description: str
    category_id: int
    images: list[str]
    weight_grams: int
    skus: list[_SkuFields]
    extra: dict[str, Any] = field(default_factory=dict)  # brand, dimensions, attributes' ids
    attributes: list[Any] = field(default_factory=list)


class _Lookups:
    """Indexes the shared store lacks: seller SKU -> product ids, idempotency key -> product id.

    Rebuilt from the store by ``seed``; every hit is checked against the store by the caller, so an entry left by a
    rolled-back write costs a lookup, never a wrong answer.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_sku: dict[str, set[int]] = {}
        self._skus_of: dict[int, set[str]] = {}
        self._by_key: dict[str, int] = {}

    def clear(self) -> None:
        with self._lock:
            self._by_sku.clear()
            self._skus_of.clear()
            self._by_key.clear()

    def set_skus(self, product_id: int, skus: Iterable[str | None]) -> None:
        wanted = {sku for sku in skus if sku}
        with self._lock:
            for sku in self._skus_of.pop(product_id, set()) - wanted:
                self._by_sku.get(sku, set()).discard(product_id)
            for sku in wanted:
                self._by_sku.setdefault(sku, set()).add(product_id)
            self._skus_of[product_id] = wanted

    def products_with(self, skus: Iterable[str]) -> set[int]:
        with self._lock:
            return set().union(*(self._by_sku.get(sku, set()) for sku in skus))

    def remember_key(self, key: str, product_id: int) -> None:
        with self._lock:
            self._by_key[key] = product_id

    def product_for_key(self, key: str) -> int | None:
        with self._lock:
            return self._by_key.get(key)


class TikTokShopDialect:
    """TikTok Shop Partner API over HTTP, backed by the shared sandbox store."""

    name: ClassVar[str] = "tiktokshop"
    prefixes: ClassVar[tuple[str, ...]] = ("/product/", "/authorization/", "/logistics/", "/order/", "/return_refund/")
    default_credentials: ClassVar[Mapping[str, str]] = MappingProxyType({
        "app_key": APP_KEY, "app_secret": APP_SECRET, "access_token": ACCESS_TOKEN, "shop_cipher": SHOP_CIPHER,
        "refresh_token": REFRESH_TOKEN,
    })
    settings_type: ClassVar[type[NoSettings]] = NoSettings

    @staticmethod
    def order_id(number: int) -> str:
        """TikTok Shop's order ids are long numbers."""
        return str(FIRST_ORDER_ID + number)

    def __init__(self, store: Store, settings: Settings, own: NoSettings | None = None) -> None:
        self._store = store
        self._clock = settings.clock
        self._audit_seconds = settings.audit_seconds
        self._hidden: set[int] = set()  # categories withdrawn through the inspection hook (hide_category)
        self._lookups = _Lookups()
        self._orders = _Orders(store, self.name, self._order_sku)
        one = r"/product/202309/products/(?P<id>\d+)"
        self._endpoints: list[_Endpoint] = [
            _Endpoint("POST", re.compile(r"/product/202309/products"), self._create, write=True),
            _Endpoint("PUT", re.compile(r"/product/202509/products/(?P<id>\d+)"), self._edit, write=True),
            _Endpoint("POST", re.compile(one + "/inventory/update"), self._update_inventory, write=True),
            _Endpoint("POST", re.compile(one + "/prices/update"), self._update_prices, write=True),
            _Endpoint("POST", re.compile(r"/product/202502/products/search"), self._search),
            _Endpoint("GET", re.compile(r"/product/202309/categories"), self._categories),
            _Endpoint("GET", re.compile(r"/product/202309/categories/(?P<id>\d+)/attributes"), self._attributes),
            _Endpoint("POST", re.compile(r"/product/202309/products/deactivate"),
                      lambda call: self._set_status(call, "inactive"), write=True),
            _Endpoint("POST", re.compile(r"/product/202309/products/activate"),
                      lambda call: self._set_status(call, "active"), write=True),
            _Endpoint("POST", re.compile(r"/product/202309/images/upload"), self._upload_image, write=True,
                      cipher=False),
            _Endpoint("GET", re.compile(r"/authorization/202309/shops"), self._shops, cipher=False),
            _Endpoint("GET", re.compile(r"/logistics/202309/warehouses"), self._warehouses),
            _Endpoint("POST", re.compile(r"/order/202309/orders/search"), self._orders.search),
            _Endpoint("GET", re.compile(r"/order/202507/orders"), self._orders.detail),
            _Endpoint("POST", re.compile(r"/return_refund/202309/returns/search"), self._orders.returns),
            _Endpoint("POST", re.compile(r"/return_refund/202309/cancellations/search"), self._orders.cancellations),
            _Endpoint("GET", re.compile(r"/authorization/api/v2/token/refresh"), self._refresh_token,
                      auth_host=True),
        ]
        self._served_versions = re.compile(r"/product/(?:202309|202502|202509)/")

    # --- the Dialect protocol --------------------------------------------------------------------

    def seed(self) -> None:
        # The default access token never expires, so a sandbox started long ago still answers; tokens issued by a
        # refresh expire like real ones.
        self._store.put_token(self.name, "access", ACCESS_TOKEN, SHOP_CIPHER, None, replace=False)
        self._store.put_token(self.name, "refresh", REFRESH_TOKEN, SHOP_CIPHER, None, replace=False)
        # The indexes follow the store: empty after a reset, reloaded from the state file after a restart.
        self._lookups.clear()
        items, _ = self._store.query_items(self.name, statuses=_ALL_STATUSES)
        skus = self._skus([item.item_id for item in items])
        for item in items:
            self._lookups.set_skus(item.item_id, (sku.seller_sku for sku in skus.get(item.item_id, [])))
            if item.extra.get("idempotency_key"):
                self._lookups.remember_key(item.extra["idempotency_key"], item.item_id)

    def is_write(self, request: Request) -> bool:
        endpoint = self._match(request.method, request.path)
        return endpoint is not None and endpoint[0].write

    def handle(self, request: Request) -> Response:
        try:
            endpoint, product_id = self._route(request)
            call = self._authenticate(request, endpoint, product_id)
            if endpoint.write:
                with self._store.transaction():
                    data, committed = endpoint.handler(call)
            else:
                data, committed = endpoint.handler(call)
        except TikTokError as error:
            return _envelope(error)
        return _envelope(None, data, committed=committed)

    def failure(self, roll: float) -> Response:
        # Mostly TikTok's own overload answer; sometimes the load balancer's page, as a real gateway does.
        if roll < 0.6:
            return _envelope(TikTokError(36009003, "Internal error. Please try again. If the issue persists after "
                                         "multiple attempts, please contact platform support.", status=503))
        page = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")
        return Response(502, page.encode(), content_type="text/html")

    def throttled(self) -> Response:
        return _envelope(TikTokError(36009002, "Too many requests. You've made too many requests in a short period "
                                     "of time."))

    def hide_category(self, category_id: str) -> bool:
        """Withdraw a category (the inspection hook): it leaves the tree, and creates and edits in it are refused as
        unknown. True if the sandbox knew the id."""
        if not str(category_id).isdigit() or int(category_id) not in CATEGORIES or int(category_id) in self._hidden:
            return False
        self._hidden.add(int(category_id))
        return True

    def inspect(self) -> list[dict[str, Any]]:
        """The documented inspection shape, plus ``platforms``: each listing platform's own state
        ({"TIKTOK_SHOP": "active", "TOKOPEDIA": "inactive"}), for the platforms the product was created for."""
        items, _ = self._store.query_items(self.name, statuses=_LISTED)
        skus = self._skus([item.item_id for item in items])
        return [{**inspected(item, own if _has_variants(own := skus.get(item.item_id, [])) else []),
                 "platforms": _platform_states(item)} for item in items]

    def buyer_listing(self, item_id: int) -> dict[str, Any] | None:
        """A product a buyer sees on TikTok Shop: active there (a product live only on Tokopedia, deactivated,
        or still in audit has no TikTok Shop page)."""
        item = self._store.get_item(self.name, item_id)
        if item is None or item.status != "active" or self._in_audit(item) \
                or _platform_states(item).get("TIKTOK_SHOP") != "active":
            return None
        own = self._skus([item_id]).get(item_id, [])
        return inspected(item, own if _has_variants(own) else [])

    def plant(self, listings: list[Planted]) -> list[int]:
        """Products as Seller Center makes them: one SKU, or one SKU per variant with its sales attributes."""
        ids = []
        for planted in listings:
            now = int(self._clock())
            product_id = self._store.next_id(self.name, "product", FIRST_PRODUCT_ID)
            attributes = _SalesAttributes([], lambda: self._store.next_id(self.name, "attribute", FIRST_ATTRIBUTE_ID))
            rows = [(v.seller_sku, v.price, v.stock, v.options) for v in planted.variants] or [
                (planted.seller_sku, planted.price, planted.stock, {})]
            skus = [_SkuFields(None, seller_sku, price, stock, attributes.resolve(
                [{"name": name, "value_name": value} for name, value in options.items()] or None))
                for seller_sku, price, stock, options in rows]
            item = Item(self.name, product_id, None, planted.name, planted.description, 0, 0, planted.status,
                        planted.category_id, 500, planted_images(self._store, self.name, product_id, planted.images,
                                                                 clock=self._clock), now, now, [],
                        {"sales_attributes": attributes.dump(), "listing_platforms": ["TIKTOK_SHOP"]})
            self._save(item, skus, existing=[])
            ids.append(product_id)
        return ids

    # --- gateway: routing, signature, timestamp, token, shop --------------------------------------

    def _match(self, method: str, path: str) -> tuple[_Endpoint, int | None] | None:
        for endpoint in self._endpoints:
            found = endpoint.pattern.fullmatch(path)
            if found and endpoint.method == method:
                product_id = found.groupdict().get("id")
                return endpoint, int(product_id) if product_id else None
        return None

    def _route(self, request: Request) -> tuple[_Endpoint, int | None]:
        matched = self._match(request.method, request.path)
        if matched is not None:
            return matched
        if any(endpoint.pattern.fullmatch(request.path) for endpoint in self._endpoints):
            raise TikTokError(36009010, "Invalid method. The HTTP method used is not supported by this endpoint.")
        if request.path.startswith("/product/") and not self._served_versions.match(request.path):
            raise TikTokError(36009014, "Invalid API version. The `version` value is invalid or unsupported.",
                              status=404)
        raise TikTokError(36009009, "Invalid path. The specified path does not match any available endpoint.")

    def _authenticate(self, request: Request, endpoint: _Endpoint, product_id: int | None) -> _Call:
        if endpoint.auth_host:
            return _Call(request, {}, None)
        if request.param("app_key") != APP_KEY:
            raise _gateway_param("Invalid credentials. Invalid `app_key` query parameter.")
        sign = request.param("sign")
        if not sign:
            raise _gateway_param("Missing credentials. The request does not include a required signature in the "
                                 "query.")
        self._check_timestamp(request.param("timestamp"))
        multipart = _is_multipart(request)
        query = {name: values[0] for name, values in request.query.items() if values}
        expected = tiktok_sign(APP_SECRET, request.path, query, b"" if multipart else request.body)
        if not hmac.compare_digest(expected, sign.lower()):
            raise TikTokError(106001, "Invalid credentials. The `sign` query parameter is invalid.")
        if not _allowed_address(request):
            raise TikTokError(36009033, "Access denied. Your IP address is not in the IP allow list configured for "
                                        "this app.")
        self._check_access_token(request.headers.get("x-tts-access-token"))
        cipher = request.param("shop_cipher")
        if not endpoint.cipher and cipher is not None:
            raise _gateway_param("Unexpected identifier. The `shop_cipher` query parameter is not required for this "
                                 "request.")
        if endpoint.cipher and not cipher:
            raise TikTokError(106013, "Missing identifier. The `shop_cipher` query parameter is required to identify "
                                      "the target shop.")
        if endpoint.cipher and cipher != SHOP_CIPHER:
            raise _gateway_param("Invalid identifier. The `shop_cipher` query parameter is invalid.")
        body = {} if multipart or request.method == "GET" else _json_body(request)
        return _Call(request, body, product_id)

    def _check_timestamp(self, text: str | None) -> None:
        if text is None or not re.fullmatch(r"-?\d+", text):
            raise _gateway_param("Invalid timestamp. The `timestamp` query parameter is required and must be an "
                                 "integer.")
        timestamp = int(text)
        if timestamp < 0:
            raise _gateway_param("Invalid timestamp. The value of the `timestamp` query parameter must not be lesser "
                                 "than 0.")
        now = self._clock()
        if now - timestamp > TIMESTAMP_MAX_AGE:
            raise _gateway_param("Invalid timestamp. The value of the `timestamp` query parameter must not be earlier "
                                 "than 5 minutes before the current time.")
        if timestamp - now > TIMESTAMP_MAX_AHEAD:
            raise _gateway_param("Invalid timestamp. The value of the `timestamp` query parameter must not exceed the "
                                 "current time by more than 30 seconds.")

    def _check_access_token(self, value: str | None) -> None:
        token = self._store.get_token(self.name, "access", value) if value else None
        if token is None or token.subject != SHOP_CIPHER:
            raise _gateway_param("Invalid credentials. The `x-tts-access-token` header is invalid.")
        if token.expires_at is not None and token.expires_at <= self._clock():
            raise TikTokError(105002, "Expired credentials. The `access_token` or `x-tts-access-token` header has "
                                      "expired.")

    # --- the auth host ---------------------------------------------------------------------------

    def _refresh_token(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """A new pair for a refresh token; the used one is spent, the old access token lives to its expiry."""
        request = call.request
        if request.param("app_key") != APP_KEY or request.param("app_secret") != APP_SECRET:
            raise _gateway_param("Invalid credentials. Invalid `app_key` or `app_secret` query parameter.")
        if request.param("grant_type") != "refresh_token":
            raise _invalid("grant_type", f"{request.param('grant_type')!r} is not supported", "refresh_token")
        refresh_token = request.param("refresh_token") or ""
        now = self._clock()
        with self._store.transaction():
            token = self._store.get_token(self.name, "refresh", refresh_token)
            if token is None or token.used or (token.expires_at is not None and token.expires_at <= now):
                raise TikTokError(36004004, "Invalid refresh_token. It is unknown, expired or already used.")
            self._store.mark_token_used(self.name, "refresh", refresh_token)
            access, refresh = "TTP_" + secrets.token_urlsafe(24), "TTP_" + secrets.token_urlsafe(24)
            access_expiry, refresh_expiry = int(now) + ACCESS_TOKEN_TTL, int(now) + REFRESH_TOKEN_TTL
            self._store.put_token(self.name, "access", access, token.subject, access_expiry, replace=True)
            self._store.put_token(self.name, "refresh", refresh, token.subject, refresh_expiry, replace=True)
        answer = {
            "access_token": access,
            "access_token_expire_in": access_expiry,
            "refresh_token": refresh,
            "refresh_token_expire_in": refresh_expiry,
            "open_id": "sandbox-open-id",
            "seller_name": SHOP_NAME,
            "seller_base_region": "ID",
            "user_type": 0,
            "granted_scopes": ["seller.product.basic", "seller.product.write", "seller.logistics"],
        }
        return answer, False

    # --- shop ------------------------------------------------------------------------------------

    def _shops(self, call: _Call) -> tuple[dict[str, Any], bool]:
        shop = {"id": SHOP_ID, "name": SHOP_NAME, "region": "ID", "seller_type": "LOCAL", "cipher": SHOP_CIPHER,
                "code": "IDLCSBX001"}
        return {"shops": [shop]}, False

    def _warehouses(self, call: _Call) -> tuple[dict[str, Any], bool]:
        warehouse = {
            "id": WAREHOUSE_ID,
            "name": "Gudang PASINDO",
            "effect_status": "ENABLED",
            "type": "SALES_WAREHOUSE",
            "sub_type": "DOMESTIC_WAREHOUSE",
            "is_default": True,
            "address": {"region": "Indonesia", "region_code": "ID", "state": "DKI Jakarta", "city": "Jakarta Selatan",
                        "postal_code": "12950", "full_address": "Jl. Veteran No. 11"},
        }
        return {"warehouses": [warehouse]}, False

    # --- media -----------------------------------------------------------------------------------

    def _upload_image(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """One image per call; every upload gets a new uri, even for bytes uploaded before.

        The rules of the `data` part: "Supported formats: JPG, JPEG, PNG, WEBP, HEIC, BMP", "Max size: 10MB", with
        the page's codes 12038005 (too large), 12038004 (format or content not supported) and 12038002 (no file)
        (lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products/upload-product-image.spec.json). The
        format is told by the bytes' magic number; pixel sizes are not checked."""
        parts = _multipart_parts(call.request)
        images = parts.get("data", [])
        if len(images) != 1:
            raise TikTokError(12038002, "Invalid upload file. Please ensure you are passing the correct file data.")
        data = images[0]
        if len(data) > IMAGE_BYTES_MAX:
            raise TikTokError(12038005, "The file size exceeds the maximum allowed size.")
        if not _supported_image(data):
            raise TikTokError(12038004, "Failed to process the image. The format or content is not supported.")
        use_case = parts["use_case"][0].decode() if parts.get("use_case") else "MAIN_IMAGE"
        if use_case not in USE_CASES:
            raise TikTokError(11050001, "invalid param")
        digest = hashlib.sha256(data).hexdigest()
        number = self._store.next_id(self.name, "image", 1)
        uri = f"tos-alisg-i-sbx/{number:07d}{digest[:24]}"
        self._store.add_image(self.name, uri, digest, len(data), int(self._clock()))
        return {"uri": uri, "url": _image_url(uri), "use_case": use_case}, True

    # --- categories --------------------------------------------------------------------------

    def _categories(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Get Categories: the whole (3-level, v1) tree with ``is_leaf``.
        Source: lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products/get-categories.spec.json."""
        return {"categories": [
            {"id": str(node.id), "parent_id": str(node.parent_id), "local_name": node.name, "is_leaf": node.is_leaf,
             "permission_statuses": []}
            for node in CATEGORIES.values() if node.id not in self._hidden
        ]}, False

    def _attributes(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Get Attributes of a leaf (12052023 unknown, 12052024 not a leaf).
        Source: lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products/get-attributes.spec.json."""
        node = self._leaf(call.product_id)
        return {"attributes": [_attribute_answer(attribute) for attribute in node.attributes]}, False

    def _leaf(self, category_id: int | None) -> _Category:
        """A listable category, as create, edit and Get Attributes check it (codes of create-product.spec.json and
        get-attributes.spec.json in lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products/)."""
        node = CATEGORIES.get(category_id or 0)
        if node is None or node.id in self._hidden:
            raise TikTokError(12052023, "Category does not exist")
        if not node.is_leaf:
            raise TikTokError(12052024, "Category is not final category")
        return node

    # --- product writes --------------------------------------------------------------------------

    def _create(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Create a product. A known idempotency key answers with the product it created and creates nothing."""
        body = call.body
        key = _idempotency_key(body.get("idempotency_key"))
        if key is not None:
            earlier = self._lookups.product_for_key(key)
            item = self._store.get_item(self.name, earlier) if earlier is not None else None
            if item is not None:
                return self._product_answer(item), False
        platforms = _listing_platforms(body.get("listing_platforms"))
        product_id = self._store.next_id(self.name, "product", FIRST_PRODUCT_ID)
        fields = self._product_fields(body, product_id, current=[], known_attributes=[])
        now = int(self._clock())
        extra = {**fields.extra, "listing_platforms": platforms, **self._audit(now)}
        if key is not None:
            extra["idempotency_key"] = key
        item = Item(self.name, product_id, None, fields.title, fields.description, 0, 0, "active", fields.category_id,
                    fields.weight_grams, fields.images, now, now, fields.attributes, extra)
        self._save(item, fields.skus, existing=[])
        if key is not None:
            self._lookups.remember_key(key, product_id)
        return self._product_answer(item), True

    def _edit(self, call: _Call) -> tuple[dict[str, Any], bool]:
        item = self._live_item(call.product_id)
        current = self._skus([item.item_id]).get(item.item_id, [])
        fields = self._product_fields(call.body, item.item_id, current=current,
                                      known_attributes=item.extra.get("sales_attributes", []))
        item.name, item.description, item.category_id = fields.title, fields.description, fields.category_id
        item.weight_grams, item.images, item.attributes = fields.weight_grams, fields.images, fields.attributes
        for key in ("brand_id", "package_dimensions", "sales_attributes"):
            item.extra.pop(key, None)
        item.extra.update(fields.extra)
        item.updated_at = int(self._clock())
        item.extra.update(self._audit(item.updated_at))
        self._save(item, fields.skus, existing=current)
        return self._product_answer(item), True

    def _audit(self, now: float) -> dict[str, float]:
        """A new or edited product is in review (PENDING) for ``audit_seconds``, then ACTIVATE (none when 0).
        Source: lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products/get-product.spec.json (the status
        "incorporates both the product status and the audit status": PENDING, ACTIVATE, ...) and create-product /
        edit-product.spec.json (a product in audit is PENDING); the review's length is the sandbox's setting, as the
        docs give none."""
        return {"audit_until": now + self._audit_seconds} if self._audit_seconds > 0 else {"audit_until": 0}

    def _in_audit(self, item: Item) -> bool:
        return float(item.extra.get("audit_until") or 0) > self._clock()

    def _update_inventory(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Absolute quantities per SKU (one warehouse here); a refused SKU is reported in ``errors``. A product in
        review is refused whole: 12052901 (lazykern/ecommerce-api-docs
        data/raw/tiktok/api-reference/products/update-inventory.spec.json, the code that page lists for a product
        status that does not allow the operation; the page does not list 12019113)."""
        item = self._live_item(call.product_id)
        if self._in_audit(item):
            raise TikTokError(12052901, "The product in its current status is not available for this operation. "
                                        "Change the product status and try again.")
        skus = {sku.model_id: sku for sku in self._skus([item.item_id]).get(item.item_id, [])}
        errors: list[dict[str, Any]] = []
        changed: list[Model] = []
        for entry in _sku_entries(call.body):
            sku_id = _sku_id(entry)
            try:
                if sku_id not in skus:
                    raise _not_this_products_sku(sku_id, item.item_id)
                skus[sku_id].stock = _quantity(entry.get("inventory"), default_warehouse=True)
            except TikTokError as refused:
                errors.append({"code": refused.code, "message": refused.message,
                               "detail": {"sku_id": str(sku_id), "extra_errors": []}})
                continue
            changed.append(skus[sku_id])
        for sku in changed:
            self._store.save_model(sku)
        if changed:
            self._summarise(item, list(skus.values()))
            item.updated_at = int(self._clock())
            self._store.save_item(item)
        return ({"errors": errors} if errors else {}), bool(changed)

    def _update_prices(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """All of the product's SKUs given, or none changes (the API reports no per-SKU errors). A product in review
        is refused: 12019113 "product status is invalid" (lazykern/ecommerce-api-docs
        data/raw/tiktok/api-reference/products/update-price.spec.json)."""
        item = self._live_item(call.product_id)
        if self._in_audit(item):
            raise TikTokError(12019113, "product status is invalid")
        skus = {sku.model_id: sku for sku in self._skus([item.item_id]).get(item.item_id, [])}
        prices: dict[int, int] = {}
        for entry in _sku_entries(call.body):
            sku_id = _sku_id(entry)
            if sku_id not in skus:
                raise _not_this_products_sku(sku_id, item.item_id)
            prices[sku_id] = _price(entry.get("price"))
        for sku_id, price in prices.items():
            skus[sku_id].price = price
            self._store.save_model(skus[sku_id])
        self._summarise(item, list(skus.values()))
        item.updated_at = int(self._clock())
        self._store.save_item(item)
        return {}, True

    def _set_status(self, call: _Call, status: str) -> tuple[dict[str, Any], bool]:  # noqa: C901
        """(De)activate up to 20 products on ``listing_platforms`` (omitted: TIKTOK_SHOP only, the documented
        default), each platform keeping its own state; the product is active while it is live on any platform.
        Activating on a platform the product was not created for is refused for that product (12052330 "product
        is not supported to list in designated sale platform"); deactivating there changes nothing.
        Source: lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products/activate-product.spec.json and
        deactivate-products.spec.json (listing_platforms, default TIKTOK_SHOP; error 12052330). Which products a
        platform "does not support" is not documented further: the sandbox reads it as "not created for it"."""
        ids = call.body.get("product_ids")
        if not isinstance(ids, list) or not ids:
            raise _invalid("product_ids", "it is missing or empty", f"1-{STATUS_BATCH_MAX} product ids")
        if len(ids) > STATUS_BATCH_MAX:
            raise TikTokError(12019120, "The number of provided product IDs exceeds the limit.")
        platforms = _listing_platforms(call.body.get("listing_platforms"))
        errors: list[dict[str, Any]] = []
        changed = False
        now = int(self._clock())
        for raw in ids:
            product_id = _id_value(raw, "product_ids")
            item = self._store.get_item(self.name, product_id)
            if item is None or item.status == "deleted":
                errors.append({"code": 12052032, "message": "The product does not exist",
                               "detail": {"product_id": str(product_id)}})
                continue
            state = _platform_states(item)
            if status == "active" and not set(platforms) <= set(state):
                errors.append({"code": 12052330, "message": "product is not supported to list in designated sale "
                               "platform", "detail": {"product_id": str(product_id)}})
                continue
            wanted = {**state, **{platform: status for platform in platforms if platform in state}}
            overall = "active" if "active" in wanted.values() else "inactive"
            if wanted != state or overall != item.status:
                item.extra["platform_states"] = wanted
                item.status, item.updated_at, changed = overall, now, True
                self._store.save_item(item)
        return ({"errors": errors} if errors else {}), changed

    # --- product reads ---------------------------------------------------------------------------

    def _search(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Products holding any of ``seller_skus`` (or all), in product id order; an opaque page token."""
        request, body = call.request, call.body
        page_size = request.param("page_size")
        if page_size is None or not page_size.isdigit() or not 1 <= int(page_size) <= PAGE_MAX:
            raise TikTokError(12019109, "page size is invalid")
        offset = _page_offset(request.param("page_token"))
        statuses = _search_statuses(body.get("status"))
        wanted = body.get("seller_skus")
        if wanted is not None:
            if not isinstance(wanted, list) or not all(isinstance(sku, str) for sku in wanted):
                raise _invalid("seller_skus", "it must be a list of strings", "a list of seller SKUs")
            if len(wanted) > SEARCH_SKUS_MAX:
                raise TikTokError(12019027, "The maximum count of “seller_skus” in the search filter is 10.")
            items = self._items_with_skus(set(wanted), statuses)
            total, page = len(items), items[offset:offset + int(page_size)]
        else:
            page, total = self._store.query_items(self.name, statuses=statuses, offset=offset, limit=int(page_size))
        skus = self._skus([item.item_id for item in page])
        following = offset + len(page)
        answer = {
            "total_count": total,
            "products": [self._search_entry(item, skus.get(item.item_id, [])) for item in page],
            "next_page_token": _page_token(following) if following < total else "",
        }
        return answer, False

    def _items_with_skus(self, wanted: set[str], statuses: Collection[str]) -> list[Item]:
        found = []
        candidates = self._lookups.products_with(wanted)
        skus = self._skus(candidates)
        for product_id in sorted(candidates):
            item = self._store.get_item(self.name, product_id)
            holds = wanted & {sku.seller_sku for sku in skus.get(product_id, [])}
            if item is not None and item.status in statuses and holds:
                found.append(item)
        return found

    def _search_entry(self, item: Item, skus: list[Model]) -> dict[str, Any]:
        status = "PENDING" if self._in_audit(item) else _STATUS_TO_TIKTOK[item.status]
        return {
            "id": str(item.item_id),
            "title": item.name,
            "status": status,
            "skus": [
                {
                    "id": str(sku.model_id),
                    "seller_sku": sku.seller_sku or "",
                    "price": {"currency": "IDR", "tax_exclusive_price": str(sku.price), "sale_price": str(sku.price)},
                    "inventory": [{"warehouse_id": WAREHOUSE_ID, "quantity": sku.stock}],
                }
                for sku in skus
            ],
            "sales_regions": ["ID"],
            "create_time": item.created_at,
            "update_time": item.updated_at,
            "is_not_for_sale": False,
            "integrated_platform_statuses": [
                {"platform": platform, "status": status} for platform in item.extra.get("listing_platforms", [])
            ],
        }

    # --- helpers ---------------------------------------------------------------------------------

    def _order_sku(self, seller_sku: str) -> dict[str, str]:
        """What an order line shows of the SKU sold: its product and SKU ids, the product's name and the price."""
        for product_id in sorted(self._lookups.products_with({seller_sku})):
            item = self._store.get_item(self.name, product_id)
            sku = next((m for m in self._skus([product_id]).get(product_id, []) if m.seller_sku == seller_sku), None)
            if item is not None and item.status != "deleted" and sku is not None:
                return {"product_id": str(product_id), "sku_id": str(sku.model_id), "product_name": item.name,
                        "price": str(sku.price)}
        return {"product_id": "", "sku_id": "", "product_name": "", "price": "0"}

    def _live_item(self, product_id: int | None) -> Item:
        item = self._store.get_item(self.name, product_id) if product_id is not None else None
        if item is None or item.status == "deleted":
            raise TikTokError(12052260, "The product ID does not exist")
        return item

    def _skus(self, product_ids: Collection[int]) -> dict[int, list[Model]]:
        """The live SKUs of each product, in id order. The store cannot delete a model: a SKU removed by an edit
        keeps its row, marked ``deleted``."""
        ids = list(product_ids)
        found: dict[int, list[Model]] = {}
        for start in range(0, len(ids), MODELS_QUERY_CHUNK):
            for product_id, models in self._store.models(self.name, ids[start:start + MODELS_QUERY_CHUNK]).items():
                live = [model for model in models if not model.options.get("deleted")]
                if live:
                    found[product_id] = live
        return found

    def _product_fields(self, body: dict[str, Any], product_id: int, *, current: list[Model],
                        known_attributes: list[dict[str, Any]]) -> _ProductFields:
        """Validate a create or edit body in TikTok's order (title, description, category, images, weight, SKUs)."""
        fields = _ProductFields(
            title=_title(body.get("title")),
            description=_description(body.get("description")),
            category_id=_category(body.get("category_id")),
            images=self._main_images(body.get("main_images")),
            weight_grams=_package_weight(body.get("package_weight")),
            skus=[],
        )
        if body.get("package_dimensions") is not None:
            fields.extra["package_dimensions"] = _package_dimensions(body["package_dimensions"])
        if body.get("brand_id"):
            fields.extra["brand_id"] = str(body["brand_id"])
        leaf = self._leaf(fields.category_id)
        if body.get("product_attributes") is not None:
            fields.attributes = _product_attributes(body["product_attributes"])
        _check_product_attributes(leaf, fields.attributes)
        attributes = _SalesAttributes(known_attributes, lambda: self._store.next_id(self.name, "attribute",
                                                                                     FIRST_ATTRIBUTE_ID))
        fields.skus = _sku_fields(body.get("skus"), {sku.model_id for sku in current}, product_id, attributes)
        fields.extra["sales_attributes"] = attributes.dump()
        return fields

    def _main_images(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not value:
            raise TikTokError(12052028, "Main product image is required")
        if len(value) > IMAGES_MAX:
            raise _invalid("main_images", f"{len(value)} images", f"1-{IMAGES_MAX} images")
        uris = [image.get("uri") if isinstance(image, dict) else None for image in value]
        if not all(isinstance(uri, str) and uri for uri in uris):
            raise _invalid("main_images.uri", "an image has no uri", "the uri answered by Upload Product Image")
        unknown = set(uris) - self._store.known_images(self.name, uris)
        if unknown:
            raise _invalid("main_images.uri", f"{sorted(unknown)[0]} was never uploaded",
                           "the uri answered by Upload Product Image")
        return uris

    def _save(self, item: Item, skus: list[_SkuFields], *, existing: list[Model]) -> None:
        """Write the product and its SKUs: new SKUs get ids, SKUs left out of the body are marked deleted."""
        kept = {sku.sku_id for sku in skus}
        for old in existing:
            if old.model_id not in kept:
                old.options["deleted"] = True
                self._store.save_model(old)
        models = []
        for sku in skus:
            sku_id = sku.sku_id or self._store.next_id(self.name, "sku", FIRST_SKU_ID)
            model = Model(self.name, item.item_id, sku_id, sku.seller_sku, sku.price, sku.quantity,
                          {"sales_attributes": sku.sales_attributes})
            self._store.save_model(model)
            models.append(model)
        # Inspection shows a product's own seller SKU only when it has no variants.
        item.seller_sku = models[0].seller_sku if not _has_variants(models) else None
        self._summarise(item, models)
        self._store.save_item(item)
        self._lookups.set_skus(item.item_id, (model.seller_sku for model in models))

    def _product_answer(self, item: Item) -> dict[str, Any]:
        """What create and edit answer: the product id and its SKUs' ids."""
        skus = self._skus([item.item_id]).get(item.item_id, [])
        return {
            "product_id": str(item.item_id),
            "skus": [
                {
                    "id": str(sku.model_id),
                    "seller_sku": sku.seller_sku or "",
                    "sales_attributes": [
                        {"id": attribute["id"], "value_id": attribute["value_id"]}
                        for attribute in sku.options.get("sales_attributes", [])
                    ],
                    "external_sku_id": "",
                }
                for sku in skus
            ],
            "warnings": [],
        }

    @staticmethod
    def _summarise(item: Item, skus: list[Model]) -> None:
        item.price = min(sku.price for sku in skus)
        item.stock = sum(sku.stock for sku in skus)


class _SalesAttributes:
    """A product's sales attribute names and values, with the ids the sandbox gave them (kept across edits)."""

    def __init__(self, known: list[dict[str, Any]], new_id: Callable[[], int]) -> None:
        self._attributes = [{**attribute, "values": list(attribute["values"])} for attribute in known]
        self._new_id = new_id

    def resolve(self, raw: Any) -> list[dict[str, str]]:
        """One SKU's ``sales_attributes`` as [{id, name, value_id, value_name}]."""
        if raw is None:
            return []
        if not isinstance(raw, list) or len(raw) > SALES_ATTRIBUTES_MAX:
            raise _invalid("skus.sales_attributes", "too many or not a list", f"at most {SALES_ATTRIBUTES_MAX}")
        resolved = []
        for entry in raw:
            if not isinstance(entry, dict):
                raise TikTokError(12019019, "sale property is invalid")
            attribute = self._attribute(entry)
            value = self._value(attribute, entry)
            resolved.append({"id": attribute["id"], "name": attribute["name"], "value_id": value["id"],
                             "value_name": value["name"]})
        if len({attribute["id"] for attribute in resolved}) != len(resolved):
            raise TikTokError(12052244, "The attribute name duplicate.")
        return resolved

    def dump(self) -> list[dict[str, Any]]:
        return self._attributes

    def _attribute(self, entry: dict[str, Any]) -> dict[str, Any]:
        if entry.get("id"):
            for attribute in self._attributes:
                if attribute["id"] == str(entry["id"]):
                    return attribute
            raise TikTokError(12019019, "sale property is invalid")  # the sandbox knows no built-in attributes
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise TikTokError(12052241, "attribute name or attribute id is empty.")
        if len(name) > ATTRIBUTE_NAME_MAX:
            raise TikTokError(12052242, "The attribute name characters cannot exceed max_limit")
        for attribute in self._attributes:
            if attribute["name"] == name:
                return attribute
        attribute = {"id": str(self._new_id()), "name": name, "values": []}
        self._attributes.append(attribute)
        return attribute

    def _value(self, attribute: dict[str, Any], entry: dict[str, Any]) -> dict[str, str]:
        if entry.get("value_id"):
            for value in attribute["values"]:
                if value["id"] == str(entry["value_id"]):
                    return value
            raise TikTokError(12019019, "sale property is invalid")
        name = entry.get("value_name")
        if not isinstance(name, str) or not name.strip():
            raise TikTokError(12052248, "The sales_attribute value name or attribute value id is empty.")
        if len(name) > ATTRIBUTE_VALUE_MAX:
            raise TikTokError(12052249, f"The sales_attribute value name characters cannot exceed "
                                        f"{ATTRIBUTE_VALUE_MAX}, attribute value name is :{name}.")
        for value in attribute["values"]:
            if value["name"] == name:
                return value
        value = {"id": str(self._new_id()), "name": name}
        attribute["values"].append(value)
        return value


# --- orders, returns and cancellations --------------------------------------------------------------
# Sources (lazykern/ecommerce-api-docs): data/raw/tiktok/api-reference/orders/get-order-list.spec.json and
# get-order-detail.spec.json, return-and-refund/search-returns.spec.json and search-cancellations.spec.json; the
# official Get Order List response sample in rymndcs/tiktok_shop_rb_api test/fixtures/order_202309_orders_search.json.
# - An order lists one line item per unit (no quantity field in either page or the sample); each line item has its
#   own `display_status`, so one line can be CANCELLED inside a live order (get-order-list: line_items.display_status).
# - There is no per-line return flag: returns come from Search Returns (`return_orders`, each with
#   `return_line_items` naming `order_line_item_id` and `seller_sku`), cancellations from Search Cancellations
#   (`cancellations` with `cancel_line_items`), both filtered by create/update time, paged by `page_token`.
# The sandbox's own decisions, where the docs are silent:
# - `POST /_sandbox/orders/{id}/return` returns the whole order: one RETURN_AND_REFUND return, status
#   RETURN_OR_REFUND_REQUEST_COMPLETE, of every line not cancelled or returned before; the order shows COMPLETED.
#   With `{"quantity": n}` it returns n lines (the next ones) and the order keeps its status.
# - `POST /_sandbox/orders/{id}/cancel` cancels the whole order (CANCELLED, one cancellation of type CANCEL by the
#   SELLER, status CANCELLATION_REQUEST_COMPLETE); with `{"quantity": n}` it cancels n lines: their display_status
#   becomes CANCELLED while the order stays AWAITING_SHIPMENT.
# - An order's `update_time` is "the time of order status change" (get-order-list): a return or a cancellation of
#   some lines leaves it as it was; only the order's own end (or its last unit's) moves it.
# - A live order is AWAITING_SHIPMENT (the sandbox does not ship); Get Order Detail refuses an id that is not the
#   shop's with 21008111 (its documented code); an invalid page size or filter is 25001001 on the return/refund
#   pages (their documented code) and 12019109 / 98001004 on the order pages.

ORDER_DETAIL_MAX = 50  # get-order-detail: ids, max count 50
ORDER_PAGE = (20, 1, 100)  # get-order-list: page_size default 20, valid range [1-100]
RETURN_PAGE = (10, 10, 50)  # search-returns: page_size default 10, valid range [10-50]
CANCELLATION_PAGE = (10, 1, 50)  # search-cancellations: page_size default 10, valid range [1-50]
FIRST_ORDER_ID = 576000000000000000
FIRST_RETURN_ID = 4035000000000000000
FIRST_CANCEL_ID = 4037000000000000000
_RETURN_DONE = "RETURN_OR_REFUND_REQUEST_COMPLETE"
_CANCEL_DONE = "CANCELLATION_REQUEST_COMPLETE"
# Filters the sandbox keeps nothing for: a request that uses one is answered with no records.
_UNKEPT_FILTERS = ("buyer_user_ids", "arbitration_status", "seller_proposed_return_type")


def _bad_request() -> TikTokError:
    return TikTokError(25001001, "An invalid request parameter was passed. Please check that you have the correct "
                                 "parameter type(s) and format.")


@dataclass(frozen=True)
class _Ended:
    """A return or a cancellation as the return/refund API shows it: some lines of one order."""

    record_id: str
    order: Order
    lines: list[str]
    at: int


def _line_ids(order: Order) -> list[str]:
    return [f"{order.order_id}{n:02d}" for n in range(order.quantity)]


def _split(order: Order, changes: list[OrderChange]) -> tuple[list[tuple[OrderChange, list[str]]], list[str]]:
    """The lines each partial change took (the next ones, in change order) and the lines left."""
    lines, taken, at = _line_ids(order), [], 0
    for change in changes:
        taken.append((change, lines[at:at + change.quantity]))
        at += change.quantity
    return taken, lines[at:]


def _page(request: Request, bounds: tuple[int, int, int], error: Callable[[], TikTokError]) -> tuple[int, int]:
    """The page's offset and size from `page_token` and `page_size` (its default and valid range in `bounds`)."""
    default, low, high = bounds
    text = request.param("page_size")
    if text is not None and (not text.isdigit() or not low <= int(text) <= high):
        raise error()
    return _page_offset(request.param("page_token")), int(text) if text is not None else default


def _sorted(records: list[dict[str, Any]], request: Request, id_field: str, default_order: str
            ) -> list[dict[str, Any]]:
    """`sort_field` (create_time | update_time, default create_time) and `sort_order` (ASC | DESC); ties by id."""
    field_name = request.param("sort_field") or "create_time"
    order = request.param("sort_order") or default_order
    if field_name not in ("create_time", "update_time") or order not in ("ASC", "DESC"):
        raise _invalid("sort_field", f"{field_name} {order} is not a sort", "create_time | update_time, ASC | DESC")
    return sorted(records, key=lambda r: (r[field_name], r[id_field]), reverse=order == "DESC")


def _in_window(value: int, body: dict[str, Any], prefix: str) -> bool:
    """`<prefix>_ge` <= value < `<prefix>_lt` where given."""
    low, high = body.get(f"{prefix}_ge"), body.get(f"{prefix}_lt")
    return (not _is_int(low) or value >= low) and (not _is_int(high) or value < high)


def _wanted(value: Any) -> set[str] | None:
    """A list filter of the body: None when absent, else its values."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad_request()
    return set(value)


def _matches(record: dict[str, Any], filters: Mapping[str, set[str] | None]) -> bool:
    return all(wanted is None or record[field_name] in wanted for field_name, wanted in filters.items())


class _Orders:
    """The order and return/refund APIs over the shared store's orders and their partial changes."""

    def __init__(self, store: Store, name: str, sku: Callable[[str], dict[str, str]]) -> None:
        self._store = store
        self._name = name
        self._sku = sku

    # Get Order List: POST /order/202309/orders/search
    def search(self, call: _Call) -> tuple[dict[str, Any], bool]:
        text = call.request.param("page_size")
        if text is not None and (not text.isdigit() or not ORDER_PAGE[1] <= int(text) <= ORDER_PAGE[2]):
            raise TikTokError(12019109, "page size is invalid")
        offset, size = _page_offset(call.request.param("page_token")), int(text or ORDER_PAGE[0])
        body = call.body
        since = body.get("update_time_ge")
        found = self._store.orders(self._name, updated_from=since if _is_int(since) else None)
        found = [o for o in found if _in_window(o.updated_at, body, "update_time")
                 and _in_window(o.created_at, body, "create_time")]
        entries = self._entries(found)
        if body.get("order_status") is not None:
            entries = [entry for entry in entries if entry["status"] == body["order_status"]]
        entries = _sorted(entries, call.request, "id", "DESC")  # get-order-list: default create_time, DESC
        page = entries[offset:offset + size]
        following = offset + len(page)
        return {"total_count": len(entries), "orders": page,
                "next_page_token": _page_token(following) if following < len(entries) else ""}, False

    # Get Order Detail: GET /order/202507/orders?ids=a,b
    def detail(self, call: _Call) -> tuple[dict[str, Any], bool]:
        ids = [i for i in (call.request.param("ids") or "").split(",") if i]
        if not ids or len(ids) > ORDER_DETAIL_MAX:
            raise _invalid("ids", "it is missing or has too many ids", f"1-{ORDER_DETAIL_MAX} order ids")
        found = {o.order_id: o for o in self._store.orders(self._name, order_ids=ids)}
        if set(ids) - set(found):
            raise TikTokError(21008111, "The order or package does not belong to the current seller.")
        return {"orders": self._entries([found[i] for i in ids])}, False

    # Search Returns: POST /return_refund/202309/returns/search
    def returns(self, call: _Call) -> tuple[dict[str, Any], bool]:
        body = call.body
        filters = {"return_id": _wanted(body.get("return_ids")), "order_id": _wanted(body.get("order_ids")),
                   "return_type": _wanted(body.get("return_types")),
                   "return_status": _wanted(body.get("return_status"))}
        records = [r for r in map(self._return, self._ended("returned", body)) if _matches(r, filters)]
        return self._paged(call.request, RETURN_PAGE, "return_orders",
                           _sorted(records, call.request, "return_id", "ASC")), False

    # Search Cancellations: POST /return_refund/202309/cancellations/search
    def cancellations(self, call: _Call) -> tuple[dict[str, Any], bool]:
        body = call.body
        filters = {"cancel_id": _wanted(body.get("cancel_ids")), "order_id": _wanted(body.get("order_ids")),
                   "cancel_type": _wanted(body.get("cancel_types")),
                   "cancel_status": _wanted(body.get("cancel_status"))}
        records = [r for r in map(self._cancellation, self._ended("cancelled", body)) if _matches(r, filters)]
        return self._paged(call.request, CANCELLATION_PAGE, "cancellations",
                           _sorted(records, call.request, "cancel_id", "ASC")), False

    @staticmethod
    def _paged(request: Request, bounds: tuple[int, int, int], key: str, records: list[dict[str, Any]]
               ) -> dict[str, Any]:
        offset, size = _page(request, bounds, _bad_request)
        page = records[offset:offset + size]
        following = offset + len(page)
        return {key: page, "total_count": len(records),
                "next_page_token": _page_token(following) if following < len(records) else ""}

    # --- what the pages show ----------------------------------------------------------------------

    def _ended(self, kind: str, body: dict[str, Any]) -> list[_Ended]:
        """The returns (or cancellations) in the body's time window: partial changes and whole-order ends."""
        if any(body.get(name) for name in _UNKEPT_FILTERS):
            return []
        since = body.get("update_time_ge") if _is_int(body.get("update_time_ge")) else None
        recent = {c.change_id for c in self._store.order_changes(self._name, since=since) if c.kind == kind}
        ended = {o.order_id: o for o in self._store.orders(self._name, updated_from=since) if o.status == kind}
        by_order = self._changes(None)
        orders = {o.order_id: o for o in self._store.orders(self._name, order_ids=sorted(
            {c.order_id for changes in by_order.values() for c in changes if c.change_id in recent}))}
        orders.update(ended)
        first = FIRST_RETURN_ID if kind == "returned" else FIRST_CANCEL_ID
        records = []
        for order_id, order in orders.items():
            taken, rest = _split(order, by_order.get(order_id, []))
            records += [_Ended(str(first + change.change_id), order, lines, change.at)
                        for change, lines in taken if change.change_id in recent]
            if order_id in ended and rest:  # a whole-order end: numbered by the order, after the partial ones
                records.append(_Ended(str(first + 10**12 + int(order_id) - FIRST_ORDER_ID), order, rest,
                                      order.updated_at))
        return [r for r in records if _in_window(r.at, body, "update_time") and _in_window(r.at, body, "create_time")]

    def _changes(self, order_ids: list[str] | None) -> dict[str, list[OrderChange]]:
        """Each order's partial changes (of the given orders, or of all), in change order."""
        by_order: dict[str, list[OrderChange]] = {}
        for change in self._store.order_changes(self._name, order_ids=order_ids):
            by_order.setdefault(change.order_id, []).append(change)
        return by_order

    def _entries(self, orders: list[Order]) -> list[dict[str, Any]]:
        """Orders as Get Order List and Get Order Detail show them (fields as in the official sample)."""
        by_order = self._changes([o.order_id for o in orders])
        return [self._entry(order, by_order.get(order.order_id, [])) for order in orders]

    def _entry(self, order: Order, changes: list[OrderChange]) -> dict[str, Any]:
        taken, rest = _split(order, changes)
        cancelled = {line for change, lines in taken if change.kind == "cancelled" for line in lines}
        if order.status == "cancelled":
            cancelled |= set(rest)
        status = {"placed": "AWAITING_SHIPMENT", "cancelled": "CANCELLED", "returned": "COMPLETED"}[order.status]
        sku = self._sku(order.seller_sku)
        lines = []
        for line in _line_ids(order):
            entry = {"id": line, "sku_id": sku["sku_id"], "product_id": sku["product_id"],
                     "product_name": sku["product_name"], "seller_sku": order.seller_sku,
                     "display_status": "CANCELLED" if line in cancelled else status,
                     "sale_price": sku["price"], "original_price": sku["price"], "currency": "IDR", "is_gift": False}
            if line in cancelled:
                entry["cancel_user"] = "SELLER"
            lines.append(entry)
        paid = str(int(sku["price"]) * (order.quantity - len(cancelled)))
        entry = {"id": order.order_id, "status": status, "create_time": order.created_at,
                 "update_time": order.updated_at, "paid_time": order.created_at, "commerce_platform": "TIKTOK_SHOP",
                 "payment": {"currency": "IDR", "sub_total": paid, "total_amount": paid}, "line_items": lines}
        if order.status == "cancelled":
            entry.update(cancel_time=order.updated_at, cancellation_initiator="SELLER")
        return entry

    def _record_lines(self, ended: _Ended, id_field: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
        sku = self._sku(ended.order.seller_sku)
        refund = {"currency": "IDR", "refund_total": sku["price"], "refund_subtotal": sku["price"]}
        lines = [{id_field: f"{ended.record_id}{n:02d}", "order_line_item_id": line, "sku_id": sku["sku_id"],
                  "product_name": sku["product_name"], "seller_sku": ended.order.seller_sku, "refund_amount": refund}
                 for n, line in enumerate(ended.lines)]
        total = str(int(sku["price"]) * len(ended.lines))
        return lines, {"currency": "IDR", "refund_total": total, "refund_subtotal": total}

    def _return(self, ended: _Ended) -> dict[str, Any]:
        lines, refund = self._record_lines(ended, "return_line_item_id")
        return {"return_id": ended.record_id, "order_id": ended.order.order_id, "return_type": "RETURN_AND_REFUND",
                "return_status": _RETURN_DONE, "role": "BUYER", "can_buyer_keep_item": False,
                "create_time": ended.at, "update_time": ended.at, "return_line_items": lines, "refund_amount": refund}

    def _cancellation(self, ended: _Ended) -> dict[str, Any]:
        lines, refund = self._record_lines(ended, "cancel_line_item_id")
        return {"cancel_id": ended.record_id, "order_id": ended.order.order_id, "cancel_type": "CANCEL",
                "cancel_status": _CANCEL_DONE, "role": "SELLER", "create_time": ended.at, "update_time": ended.at,
                "cancel_line_items": lines, "refund_amount": refund}


# --- envelopes -------------------------------------------------------------------------------------


def _envelope(error: TikTokError | None, data: dict[str, Any] | None = None, *, committed: bool = False) -> Response:
    request_id = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + uuid.uuid4().hex[:20].upper()
    if error is not None:
        body = {"code": error.code, "message": error.message, "request_id": request_id, "data": {}}
        return Response(error.status, json.dumps(body, ensure_ascii=False).encode())
    body = {"code": 0, "message": "Success", "request_id": request_id, "data": data or {}}
    return Response(200, json.dumps(body, ensure_ascii=False).encode(), committed_write=committed)


# --- request parsing -------------------------------------------------------------------------------


def _is_multipart(request: Request) -> bool:
    return request.headers.get("Content-Type", "").lower().startswith("multipart/form-data")


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TikTokError(36009022, "Invalid request format. The request body format must be `application/json` for "
                                    "structured data or `multipart/form-data` for binary files.")
    return body


def _multipart_parts(request: Request) -> dict[str, list[bytes]]:
    """The parts of a multipart/form-data body by field name (file and text parts alike)."""
    if not _is_multipart(request):
        raise TikTokError(36009023, "Invalid request format. The value of the `content-type` header must be "
                                    "`multipart/form-data`.")
    parts: dict[str, list[bytes]] = {}
    for part in multipart_parts(request) or []:
        parts.setdefault(part.name, []).append(part.data)
    return parts


def _allowed_address(request: Request) -> bool:
    forwarded = request.headers.get("X-Forwarded-For")
    text = forwarded.split(",")[0].strip() if forwarded else request.client_host
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 from a dual-stack socket
    address = mapped or address
    return any(address in network for network in _ALLOWED_NETWORKS)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _id_value(raw: Any, name: str) -> int:
    """An id as TikTok sends them: a string of digits (an int is accepted too)."""
    text = str(raw) if _is_int(raw) or isinstance(raw, str) else ""
    if not text.isascii() or not text.isdigit():
        raise _invalid(name, f"{raw!r} is not an id", "a string of digits")
    return int(text)


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset={offset}".encode()).decode()


def _page_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except ValueError:
        text = ""
    if not text.startswith("offset=") or not text[7:].isdigit():
        raise _invalid("page_token", "it was not answered by a previous page", "the next_page_token of the last page")
    return int(text[7:])


def _search_statuses(value: Any) -> tuple[str, ...]:
    if value is None or value == "ALL":
        return _ALL_STATUSES
    if value in _STATUS_FROM_TIKTOK:
        return (_STATUS_FROM_TIKTOK[value],)
    if value in _OTHER_STATUSES:
        return ()
    raise _invalid("status", f"{value!r} is unknown", "ALL, ACTIVATE, SELLER_DEACTIVATED, DELETED, ...")


def _sku_entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    entries = body.get("skus")
    if not isinstance(entries, list) or not entries or not all(isinstance(entry, dict) for entry in entries):
        raise _invalid("skus", "it is missing or empty", "a list of SKUs of this product")
    if len(entries) > SKUS_MAX:
        raise TikTokError(12052050, f"A single product cannot have more than {SKUS_MAX} different SKUs")
    return entries


def _sku_id(entry: dict[str, Any]) -> int:
    if not entry.get("id"):
        raise TikTokError(12052036, "The SKU ID is necessary")
    return _id_value(entry["id"], "skus.id")


def _not_this_products_sku(sku_id: int, product_id: int) -> TikTokError:
    return _invalid("skus.id", f"SKU {sku_id} does not belong to product {product_id}", "an id of this product's SKUs")


def _has_variants(skus: list[Model]) -> bool:
    return any(sku.options.get("sales_attributes") for sku in skus)


def _supported_image(data: bytes) -> bool:
    """JPG, PNG, WEBP (RIFF of form WEBP), HEIC (an ISO media file of a HEIF brand) or BMP, by the first bytes."""
    return (data.startswith((_JPEG_MAGIC, _PNG_MAGIC, b"BM"))
            or (data.startswith(b"RIFF") and data[8:12] == b"WEBP")
            or (data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS))


def _image_url(uri: str) -> str:
    return f"https://p16-oec-sg.ibyteimg.com/{uri}~tplv-aphluv4xwc-origin-jpeg.jpeg"


# --- field validation ------------------------------------------------------------------------------


def _idempotency_key(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= IDEMPOTENCY_KEY_MAX:
        raise _invalid("idempotency_key", "it is empty, too long or not a string",
                       f"a string of 1-{IDEMPOTENCY_KEY_MAX} characters")
    return value


def _platform_states(item: Item) -> dict[str, str]:
    """Each listing platform's state; a product never (de)activated per platform has its own status on each."""
    states = item.extra.get("platform_states")
    if isinstance(states, dict):
        return dict(states)
    status = "active" if item.status == "active" else "inactive"
    return {platform: status for platform in item.extra.get("listing_platforms") or ["TIKTOK_SHOP"]}


def _listing_platforms(value: Any) -> list[str]:
    if value is None:
        return ["TIKTOK_SHOP"]
    if (not isinstance(value, list) or not value or not all(platform in LISTING_PLATFORMS for platform in value)
            or len(set(value)) != len(value)):
        raise _invalid("listing_platforms", f"{value!r} is not a list of known platforms",
                       "TIKTOK_SHOP, TOKOPEDIA or both")
    return list(value)


def _title(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TikTokError(12052261, "product name is empty")
    if len(value) > TITLE_MAX:
        raise TikTokError(12052051, "The product name exceed max limit characters")
    if len(value) < TITLE_MIN:
        raise _invalid("title", f"Indonesian product names need at least {TITLE_MIN} characters, this one has "
                                f"{len(value)}", f"{TITLE_MIN}-{TITLE_MAX} characters")
    return value


def _description(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TikTokError(12052015, "The product description is required")
    if len(value) > DESCRIPTION_MAX:
        raise TikTokError(12052013, "The product description cannot exceed maximum characters")
    return value


# --- the category tree and its attributes ------------------------------------------------------------
#
# Shapes from lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products/get-categories.spec.json (id,
# parent_id, local_name, is_leaf, permission_statuses) and get-attributes.spec.json (id, name, type, is_requried -
# spelt so on the page -, values [{id, name}], is_customizable, is_multiple_selection). The leaf ids are those of
# mappings/channels/tiktokshop.yaml; the parents' ids and names, and the attribute ids, are the sandbox's own (the
# docs show one node of a tree and one attribute). Roots have parent_id "0": the docs do not show a root.
# Only product attributes are declared (PRODUCT_PROPERTY): the sandbox's sales attributes are the seller's own.


@dataclass(frozen=True)
class _Attribute:
    id: str
    name: str
    required: bool
    values: tuple[tuple[str, str], ...]  # (value id, name)
    customizable: bool = True
    multiple: bool = False


@dataclass(frozen=True)
class _Category:
    id: int
    parent_id: int
    name: str
    is_leaf: bool
    attributes: tuple[_Attribute, ...] = ()


MATERIAL_ID, ORIGIN_ID = "100107", "100198"
_MATERIALS = (("1000101", "Kulit"), ("1000102", "Kain"), ("1000103", "Kayu"), ("1000104", "Rotan"),
              ("1000105", "Katun"), ("1000106", "Batik"), ("1000107", "Bambu"), ("1000108", "Lainnya"))


def _material(required: bool) -> _Attribute:
    return _Attribute(MATERIAL_ID, "Bahan", required, _MATERIALS, customizable=True, multiple=True)


_ORIGIN = _Attribute(ORIGIN_ID, "Negara Asal", False, (("1000201", "Indonesia"),), customizable=False)
# Leather and textile goods must name their material (a mandatory "Bahan", as Get Attributes' example of a product
# attribute - "materials used" - describes); craft leaves take it optionally; food leaves only the origin.
_WORN, _CRAFT = (_material(True), _ORIGIN), (_material(False), _ORIGIN)


def _tree() -> dict[int, _Category]:
    nodes = [
        _Category(600001, 0, "Perlengkapan Rumah", False), _Category(600024, 600001, "Dekorasi Rumah", False),
        _Category(600299, 600024, "Patung & Figurin", True, _CRAFT),
        _Category(854792, 600024, "Dekorasi Religi", True, _CRAFT),
        _Category(854024, 600024, "Dekorasi Gantung", True, _CRAFT),
        _Category(600025, 600001, "Penyimpanan Rumah", False),
        _Category(600621, 600025, "Kotak Penyimpanan", True, _CRAFT),
        _Category(600686, 600025, "Keranjang Penyimpanan", True, _CRAFT),
        _Category(600026, 600001, "Peralatan Makan", False), _Category(600064, 600026, "Piring", True, _CRAFT),
        _Category(875000, 0, "Furnitur", False), _Category(875001, 875000, "Furnitur Ruang Tamu", False),
        _Category(875912, 875001, "Meja", True, _CRAFT),
        _Category(700437, 0, "Makanan & Minuman", False), _Category(700438, 700437, "Camilan", False),
        _Category(700554, 700438, "Keripik", True, (_ORIGIN,)), _Category(923016, 700438, "Roti", True, (_ORIGIN,)),
        _Category(700439, 700437, "Minuman", False), _Category(700612, 700439, "Kopi", True, (_ORIGIN,)),
        _Category(917512, 700439, "Minuman Bubuk", True, (_ORIGIN,)),
        _Category(700440, 700437, "Bahan Pokok", False), _Category(920328, 700440, "Madu", True, (_ORIGIN,)),
        _Category(824328, 0, "Tekstil & Kain", False), _Category(824329, 824328, "Kain Jahit", False),
        _Category(846216, 824329, "Batik", True, _WORN),
        _Category(841000, 0, "Pakaian Tradisional", False), _Category(841001, 841000, "Atasan Tradisional", False),
        _Category(841224, 841001, "Atasan", True, _WORN),
        _Category(824584, 0, "Tas & Dompet", False), _Category(824585, 824584, "Tas Wanita", False),
        _Category(601439, 824585, "Tas Selempang", True, _WORN), _Category(824586, 824584, "Dompet", False),
        _Category(601430, 824586, "Dompet Pria", True, _WORN),
        # Not mapped: t-shirt leaves that the sandbox's own tests list in.
        _Category(601152, 0, "Pakaian Pria", False), _Category(601153, 601152, "Atasan Pria", False),
        _Category(601226, 601153, "Kaos", True, _CRAFT), _Category(601195, 601153, "Kemeja", True, _CRAFT),
        _Category(601352, 0, "Sepatu", False), _Category(601353, 601352, "Sepatu Pria", False),
        _Category(601369, 601353, "Sepatu Oxford", True, _WORN), _Category(601364, 601353, "Sandal Pria", True, _WORN),
    ]
    return {node.id: node for node in nodes}


CATEGORIES = _tree()


def _attribute_answer(attribute: _Attribute) -> dict[str, Any]:
    return {"id": attribute.id, "name": attribute.name, "type": "PRODUCT_PROPERTY", "is_requried": attribute.required,
            "values": [{"id": value_id, "name": name} for value_id, name in attribute.values],
            "is_customizable": attribute.customizable, "is_multiple_selection": attribute.multiple}


def _check_product_attributes(leaf: _Category, given: list[Any]) -> None:
    """Every attribute Get Attributes marks required must come with a value (12052104 "property is required"); a
    value outside an attribute's list needs ``is_customizable`` (12052247 "Do not support custom product
    attribute."); one value only unless ``is_multiple_selection`` (12052246).
    Source: lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products/create-product.spec.json (error
    codes) and get-attributes.spec.json (is_requried, is_customizable, is_multiple_selection)."""
    declared = {attribute.id: attribute for attribute in leaf.attributes}
    filled = {str(entry["id"]): entry["values"] for entry in given}
    for attribute in leaf.attributes:
        if attribute.required and not filled.get(attribute.id):
            raise TikTokError(12052104, f"property is required: {attribute.name} (attribute id {attribute.id})")
    for attribute_id, values in filled.items():
        attribute = declared.get(attribute_id)
        if attribute is None:
            continue  # the docs do not say how an attribute the category lacks is answered; the sandbox ignores it
        if len(values) > 1 and not attribute.multiple:
            raise TikTokError(12052246, f"The product attribute not support multi selected, attribute id is "
                                        f":{attribute_id}.")
        known = {value_id for value_id, _ in attribute.values}
        for value in values:
            if not (isinstance(value, dict) and (value.get("id") in known or
                                                 (attribute.customizable and value.get("name")))):
                raise TikTokError(12052247, "Do not support custom product attribute.")


def _category(value: Any) -> int:
    text = str(value) if _is_int(value) or isinstance(value, str) else ""
    if not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise TikTokError(12052002, "Incorrect category format")
    return int(text)


def _package_weight(value: Any) -> int:
    """TikTok takes kilograms as a decimal string (KILOGRAM is the only unit outside the US); the store keeps grams."""
    if not isinstance(value, dict) or value.get("value") in (None, ""):
        raise _invalid("package_weight", "it is required in Indonesia", '{"value": "0.25", "unit": "KILOGRAM"}')
    if value.get("unit") != "KILOGRAM":
        raise TikTokError(12052916, "The package unit is not supported in the current region.")
    try:
        kilograms = Decimal(str(value["value"]))
    except InvalidOperation:
        raise TikTokError(12052006, "Incorrect parcel weight format") from None
    if not kilograms.is_finite() or round(kilograms * 1000) < 1:
        raise TikTokError(12052181, "The package weight of the product can not be zero.")
    return round(kilograms * 1000)


def _package_dimensions(value: Any) -> dict[str, Any]:
    keys = ("length", "width", "height")
    if (not isinstance(value, dict) or value.get("unit") != "CENTIMETER"
            or not all(str(value.get(key, "")).isdigit() for key in keys)):
        raise TikTokError(12052116, "product package size is invalid")
    return {**{key: str(value[key]) for key in keys}, "unit": "CENTIMETER"}


def _product_attributes(value: Any) -> list[Any]:
    if not isinstance(value, list) or not all(
        isinstance(attribute, dict) and attribute.get("id") and isinstance(attribute.get("values"), list)
        for attribute in value
    ):
        raise _invalid("product_attributes", "every attribute needs an id and a list of values",
                       '[{"id": "100107", "values": [{"name": "Kulit"}]}]')
    return value


def _price(value: Any) -> int:
    """An IDR price: a decimal string of whole rupiah ("15000" or "15000.00")."""
    if not isinstance(value, dict):
        raise _invalid("skus.price", "it is missing", '{"amount": "15000", "currency": "IDR"}')
    if value.get("currency") != "IDR":
        raise TikTokError(12052084, "The provided currency is not available for this shop/region.")
    try:
        amount = Decimal(str(value.get("amount")))
    except InvalidOperation:
        raise TikTokError(12052012, "Incorrect price format") from None
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise TikTokError(12052012, "Incorrect price format")
    if not PRICE_MIN <= amount <= PRICE_MAX:
        raise TikTokError(12052073, f"The product price is invalid: Indonesian prices are {PRICE_MIN}-"
                                    f"{PRICE_MAX:,} IDR, got {int(amount):,}.")
    return int(amount)


def _seller_sku(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or any(char.isspace() for char in value):
        raise TikTokError(12019059, "seller sku is invalid")
    if len(value) > SELLER_SKU_MAX:
        raise TikTokError(12052054, "The seller SKU text length cannot exceed max limit characters")
    return value


def _quantity(value: Any, *, default_warehouse: bool = False) -> int:
    """The quantity of the shop's one warehouse. Inventory updates may leave the (default) warehouse out."""
    if not isinstance(value, list) or not value or not all(isinstance(entry, dict) for entry in value):
        raise _invalid("skus.inventory", "it is missing", '[{"warehouse_id": "...", "quantity": 7}]')
    if len(value) > 1:
        raise TikTokError(12052094, "No multiple warehouse permission")
    warehouse = value[0].get("warehouse_id") or (WAREHOUSE_ID if default_warehouse else None)
    if str(warehouse) != WAREHOUSE_ID:
        raise TikTokError(12052097, "The warehouse does not exist")
    quantity = value[0].get("quantity")
    if not _is_int(quantity) or not 0 <= quantity <= QUANTITY_MAX:
        raise TikTokError(12052055, "The SKU inventory quantity for the warehouse must be within allowed limits.")
    return quantity


def _sku_fields(value: Any, current_ids: set[int], product_id: int, attributes: _SalesAttributes) -> list[_SkuFields]:
    """A create or edit body's SKUs: each valid, their seller SKUs and attribute combinations unique."""
    if not isinstance(value, list) or not value or not all(isinstance(sku, dict) for sku in value):
        raise _invalid("skus", "it is missing or empty", "1 or more SKUs")
    if len(value) > SKUS_MAX:
        raise TikTokError(12052050, f"A single product cannot have more than {SKUS_MAX} different SKUs")
    skus: list[_SkuFields] = []
    for raw in value:
        sku_id = _id_value(raw["id"], "skus.id") if raw.get("id") else None
        if sku_id is not None and sku_id not in current_ids:
            raise _not_this_products_sku(sku_id, product_id)
        skus.append(_SkuFields(sku_id, _seller_sku(raw.get("seller_sku")), _price(raw.get("price")),
                               _quantity(raw.get("inventory")), attributes.resolve(raw.get("sales_attributes"))))
    names = {tuple(sorted(attribute["id"] for attribute in sku.sales_attributes)) for sku in skus}
    if len(skus) > 1 and (len(names) != 1 or () in names):
        raise TikTokError(12019019, "sale property is invalid: every SKU of a product with several SKUs needs a value "
                                    "for each of the same sales attributes")
    combinations = [tuple(sorted(a["value_id"] for a in sku.sales_attributes)) for sku in skus]
    if len(set(combinations)) != len(combinations):
        raise TikTokError(12052251, "Duplicated attribute values found for an attribute. Remove or modify the "
                                    "duplicated value.")
    seller_skus = [sku.seller_sku for sku in skus if sku.seller_sku]
    if len(set(seller_skus)) != len(seller_skus):
        raise _invalid("skus.seller_sku", "two SKUs of the product share a seller SKU", "unique seller SKUs")
    if len({sku.sku_id for sku in skus if sku.sku_id}) != len([sku for sku in skus if sku.sku_id]):
        raise _invalid("skus.id", "a SKU id is given twice", "each SKU once")
    return skus
