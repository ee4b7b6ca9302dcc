"""The Lazada Open Platform dialect of the sandbox (``/rest/...``).

Sources: Lazada's API reference pages (GetProducts, UpdatePriceQuantity, UpdateSellableQuantity, DeactivateProduct,
RemoveProduct: parameters, limits, error tables), its product guides (create and update product payloads, inventory
management, image upload, the create/update Q&A with its error codes), and the official Python SDK ``lazop-sdk``
1.0.3 (how a request is signed and sent). Where they are silent the sandbox decides, as noted here.

Transport, as the SDK and the gateway do it: parameters may come in the query string, a form-urlencoded body or
multipart form fields; a multipart part with a filename is a file. ``sign`` is the uppercase hex HMAC-SHA256, keyed
with the app secret, of the API path followed by every other parameter except files, sorted by name, as
``key + value``. ``timestamp`` is in milliseconds, within 7200 s of the sandbox clock; ``sign_method`` is ``sha256``.
Payloads (``payload``, and ``apiRequestBody`` of DeactivateProduct) may be JSON or XML, rooted at ``Request``.

Answers: HTTP 200 for whatever Lazada decides, errors included (clients and the SDK read only the body):
``{"code": "0", "data": ..., "request_id"}`` or ``{"type", "code", "message", "request_id"}`` plus ``detail``
(``[{"field", "message", "seller_sku"}]``) for per-SKU problems. The token API answers its fields at the top level.
Injected failures are HTTP 5xx: Lazada's SYSTEM error in JSON, or a load balancer's HTML page.

Codes. Gateway: MissingParameter, InvalidParameter (sign_method), InvalidAppKey, InvalidTimestamp, IncompleteSignature
(wrong sign), IllegalAccessToken (unknown or expired), IllegalRefreshToken, InvalidApiPath, ApiCallLimit ("this ban
will last 1 seconds": the throttle answer). Business: 5 / 1001 malformed payload, 4108 mandatory field missing, 4104
price not whole rupiah, 4118 price zero, 4105 seller SKU repeated within a product, 4112 duplicate sale properties,
4113 sale properties missing, 4143 undeclared sale property, 500 any other refused field (message and ``detail``
say which), 204 / 4171 too many SKUs, 30 empty request, 14 / 17 / 19 / 36 / 70 bad GetProducts parameters,
14 / 17 / 19 / 74 / 75 bad GetOrders parameters, 16 an order not in the shop (GetOrderItems), E0001-E0004 and 4193
(DeactivateProduct), 501 / 503 per-SKU failures of updates / removals with ``detail``.
A missing product is ``E0002`` everywhere (DeactivateProduct's code; the other APIs document none).

Decisions where the docs are silent:
- Per-SKU updates (price/quantity, sellable quantity, removal) apply the SKUs that pass and answer 501 / 503 with
  ``detail`` for the others: partial success, as the docs' "check the detail field" advice implies.
- Seller SKUs are unique within a product only: Lazada dropped shop-wide uniqueness in November 2023 (4193 says the
  seller SKU "does not have uniqueness"), so duplicates across products happen and updates key on SkuId. A request
  naming a SKU by seller SKU alone must name exactly one SKU in the shop.
- Sale properties: custom variations (``variation`` with ``VariationN.name``) and per-SKU ``saleProp``; at most
  2 names (Lazada's BIZ_CHECK_TOTAL_SALE_PROP_MAX_ITEMS for most categories), at most 50 SKUs per product (more
  in one request time out on Lazada). SKUs are added by /product/update with ``AssociatedSku`` (only to a product
  that has variations, as Lazada requires) and removed by /product/remove ``sku_id_list``.
- Status lives on each SKU (``Status`` active/inactive); a product is active while any SKU is. DeactivateProduct
  takes one ItemId per call; Lazada has no activate API: relisting is /product/update with SKU ``Status`` active.
- Tokens: an access token lives 7 days and a refresh token 30 (Lazada's test environment). A refresh returns a new
  pair; Lazada does not document refresh tokens as single-use, so the old one stays usable until it expires (the
  lenient reading), and so does the old access token. The default tokens never expire.
- Images must be Lazada-hosted (``https://id-live-02.slatic.net/p/<hash_code>.<ext>``) and known to the sandbox.
  /image/upload (multipart ``image``, JPG or PNG, at most 3 MB; pixel sizes are not checked) names an image by the
  MD5 of its bytes, so the same bytes keep their URL; /image/migrate does not fetch the URL, it mints one from it.
- Limits for Indonesia: name 1-255 characters, description at most 25,000, at most 8 images, price 100 -
  150,000,000 whole rupiah, quantity 0 - 999,999, package weight (kg) and sizes (cm) positive with at most two
  decimals, 50 SKUs per update request, GetProducts ``limit`` at most 50, ``offset`` at most 10,000 and
  ``sku_seller_list`` at most 100 seller SKUs.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

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
from connector.sandbox.store import Item, Model, Store

PREFIX = "/rest"
APP_KEY = "100002"
APP_SECRET = "sandbox-lazada-secret"
ACCESS_TOKEN = "sandbox-lazada-token"
REFRESH_TOKEN = "sandbox-lazada-refresh"
SELLER_ID = "200002"

ACCESS_TOKEN_TTL = 7 * 24 * 3600
REFRESH_TOKEN_TTL = 30 * 24 * 3600
TIMESTAMP_WINDOW_MS = 7200 * 1000

NAME_MAX = 255
DESCRIPTION_MAX = 25_000
IMAGES_MAX = 8
PRICE_MIN = 100
PRICE_MAX = 150_000_000
QUANTITY_MAX = 999_999
SELLER_SKU_MAX = 200
SKUS_MAX = 50
SALE_PROPS_MAX = 2
BATCH_MAX = 50
SKU_LIST_MAX = 100
LIMIT_MAX = 50
ORDER_LIMIT_MAX = 100  # GetOrders pages up to 100 (order-api/getorders.json, limit)
ORDER_OFFSET_MAX = 4500  # GetOrders offset "Max Size:4500" (order-api/getorders.json, offset)
LIMIT_DEFAULT = 10
OFFSET_MAX = 10_000
IMAGE_BYTES_MAX = 3 * 1024 * 1024

FIRST_ITEM_ID = 3_000_000_001
FIRST_SKU_ID = 15_000_000_001

IMAGE_HOST = "https://id-live-02.slatic.net/p/"
_IMAGE_URL = re.compile(r"https://[a-z0-9-]+\.slatic\.net/p/([0-9a-f]{32})\.(?:jpg|png)")
_SKU_ID_ENTRY = re.compile(r"SkuId_(\d+)_(\d+)")
_PACKAGE = ("package_weight", "package_length", "package_width", "package_height")
_LISTED = ("active", "inactive")
_PRODUCT_STATUS = {"active": "Active", "inactive": "InActive", "deleted": "Deleted"}
_FILTERS: dict[str, tuple[str, ...]] = {
    "all": _LISTED,
    "live": ("active",),
    "inactive": ("inactive",),
    "deleted": ("deleted",),
    "sold-out": ("active",),
    "pending": (),  # the sandbox has no quality control: nothing is ever pending or rejected
    "rejected": (),
}
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def lazada_sign(secret: str, api: str, params: Mapping[str, Any]) -> str:
    """Lazada's request signature, as the official SDK computes it (``sign`` itself is left out)."""
    base = api + "".join(f"{key}{params[key]}" for key in sorted(params) if key != "sign")
    return hmac.new(secret.encode(), base.encode(), hashlib.sha256).hexdigest().upper()


class LazadaError(Exception):
    """A Lazada error answer; ``detail`` lists per-SKU problems."""

    def __init__(
        self, code: str, message: str, *, kind: str = "ISV", detail: list[dict[str, Any]] | None = None,
        status: int = 200,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.kind = kind
        self.detail = detail
        self.status = status


def _missing(name: str) -> LazadaError:
    message = f'The input parameter "{name}" that is mandatory for processing this request is not supplied'
    return LazadaError("MissingParameter", message)


def _malformed(detail: str) -> LazadaError:
    return LazadaError("5", f"E005: Invalid Request Format: {detail}")


def _required(name: str, seller_sku: str | None = None) -> LazadaError:
    return _refused(name, f"CHK_BASIC_REQUIRED: {name} is mandatory", seller_sku, code="4108")


def _refused(name: str, message: str, seller_sku: str | None = None, *, code: str = "500") -> LazadaError:
    entry = {"field": name, "message": message}
    if seller_sku is not None:
        entry["seller_sku"] = seller_sku
    return LazadaError(code, message, kind="ISP", detail=[entry])


def _not_exists() -> LazadaError:
    return LazadaError("E0002", "Product not exists", kind="ISP")


@dataclass(frozen=True)
class _Call:
    """An authenticated request: its parameters (query and body merged) and files."""

    request: Request
    params: dict[str, str]
    files: dict[str, bytes]


@dataclass
class _Reply:
    """A handler's result; ``error`` with ``committed`` is a partial success (some SKUs changed)."""

    data: dict[str, Any] = field(default_factory=dict)
    committed: bool = False
    error: LazadaError | None = None


# --- categories ----------------------------------------------------------------------------------
# The sandbox's Indonesian category tree: every leaf of mappings/channels/lazada.yaml, under made-up parents. Shape
# of a node (category_id, name, leaf, var, children) from the official GetCategoryTree sample
# (lazykern/ecommerce-api-docs:data/raw/lazada/apis/product-api/getcategorytree.json).
_TEXTILE = "textile"  # leaves whose products are made of a material: a mandatory "material" attribute
_TREE: tuple[tuple[int, str, tuple[tuple[int, str, str], ...]], ...] = (
    (62541730, "Home & Living", (
        (10100093, "Decorative Accessories", ""), (23359, "Jewellery Storage", ""), (42018401, "Religious Decor", ""),
        (22487, "Wall Art & Frames", ""), (22600, "Baskets", ""), (22804, "Tables", ""), (22523, "Plates", ""))),
    (62541731, "Groceries", (
        (25284, "Chips", ""), (25150, "Ground Coffee", ""), (25178, "Bread", ""), (25446, "Lemon & Ginger Drinks", ""),
        (24494, "Honey", ""))),
    (62541732, "Fashion", (
        (42018803, "Fabric & Material", _TEXTILE), (23993, "Sling Bags", _TEXTILE), (10100763, "Wallets", _TEXTILE),
        (8595, "Formal Shoes", _TEXTILE), (7344, "Sandals", _TEXTILE), (8638, "Casual Shirts", _TEXTILE))),
)
_MATERIALS = ("Leather", "Synthetic Leather", "Cotton", "Canvas", "Batik", "Wood", "Others")


def _attribute(number: int, name: str, label: str, mandatory: bool, input_type: str, options: tuple[str, ...] = (),
               *, sale_prop: bool = False, level: str = "normal") -> dict[str, Any]:
    """One GetCategoryAttributes entry, in the official sample's shape (ids and flags as strings)
    (lazykern/ecommerce-api-docs:data/raw/lazada/apis/product-api/getcategoryattributes.json)."""
    return {"id": str(number), "name": name, "label": label, "is_mandatory": "1" if mandatory else "0",
            "input_type": input_type, "attribute_type": level, "is_sale_prop": "1" if sale_prop else "0",
            "advanced": {"is_key_prop": 0},
            "options": [{"id": str(number * 100 + n), "name": o, "en_name": o} for n, o in enumerate(options, 1)]}


def _leaf_attributes(kind: str) -> list[dict[str, Any]]:
    """What every leaf asks: the basic attributes (name, description, brand: mandatory, as the create-product guide
    lists them), a warranty type with options (the CreateProduct sample's "warranty_type"), the SKU-level package
    weight and a sale property (color_family); textile leaves also a mandatory material."""
    found = [
        _attribute(1, "name", "Name", True, "text"),
        _attribute(2, "description", "Long Description", False, "richText"),
        _attribute(3, "brand", "Brand", True, "singleSelect", ("No Brand",)),
        _attribute(4, "warranty_type", "Warranty Type", False, "singleSelect",
                   ("No Warranty", "Local seller warranty")),
        _attribute(5, "package_weight", "Package Weight (kg)", True, "numeric", level="sku"),
        _attribute(6, "color_family", "Color Family", False, "multiEnumInput", ("Black", "Brown"), sale_prop=True),
    ]
    if kind == _TEXTILE:
        found.append(_attribute(7, "material", "Material", True, "enumInput", _MATERIALS))
    return found


_BASIC = frozenset({"name", "description", "brand"})  # checked on their own (4108, brand / brand_id)


@dataclass(frozen=True)
class _Endpoint:
    methods: tuple[str, ...]
    handler: Callable[[_Call], _Reply]
    write: bool = False  # changes listings: counts as a write, may be hit by a timeout fault
    auth: bool = True  # needs the seller's access_token
    top_level: bool = False  # the token API answers its fields beside "code"


class LazadaDialect:
    """Lazada Open Platform over HTTP, backed by the shared sandbox store (one seller, Indonesia)."""

    name: ClassVar[str] = "lazada"
    prefixes: ClassVar[tuple[str, ...]] = (PREFIX + "/",)
    default_credentials: ClassVar[Mapping[str, str]] = MappingProxyType({
        "app_key": APP_KEY, "app_secret": APP_SECRET, "access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN,
    })
    settings_type: ClassVar[type[NoSettings]] = NoSettings

    @staticmethod
    def order_id(number: int) -> str:
        """Lazada's order ids are long numbers."""
        return str(700000000000 + number)

    def __init__(self, store: Store, settings: Settings, own: NoSettings | None = None) -> None:
        self._store = store
        self._clock = settings.clock
        read, write = ("GET", "POST"), ("POST",)
        self._endpoints: dict[str, _Endpoint] = {
            "/auth/token/refresh": _Endpoint(read, self._refresh_token, auth=False, top_level=True),
            "/image/upload": _Endpoint(write, self._upload_image, write=True),
            "/image/migrate": _Endpoint(write, self._migrate_image, write=True),
            "/product/create": _Endpoint(write, self._create, write=True),
            "/product/update": _Endpoint(write, self._update, write=True),
            "/product/price_quantity/update": _Endpoint(write, self._update_price_quantity, write=True),
            "/product/stock/sellable/update": _Endpoint(read, self._update_sellable, write=True),
            "/product/deactivate": _Endpoint(write, self._deactivate, write=True),
            "/product/remove": _Endpoint(write, self._remove, write=True),
            "/products/get": _Endpoint(read, self._get_products),
            "/product/item/get": _Endpoint(read, self._get_item),
            "/orders/get": _Endpoint(("GET",), self._get_orders),
            "/order/items/get": _Endpoint(("GET",), self._get_order_items),
            "/category/tree/get": _Endpoint(("GET",), self._get_category_tree),
            "/category/attributes/get": _Endpoint(("GET",), self._get_category_attributes),
        }
        self._hidden: set[int] = set()  # categories withdrawn through the hide hook

    # --- the Dialect protocol --------------------------------------------------------------------

    def hide_category(self, category_id: str) -> bool:
        """Withdraw a category (with its children): gone from GetCategoryTree, refused by GetCategoryAttributes and by
        creates and updates as an invalid category. True if the sandbox's tree has it."""
        number = _optional_whole(category_id)
        if number is None or _node(number) is None:
            return False
        self._hidden.add(number)
        return True

    def seed(self) -> None:
        self._store.put_token(self.name, "access", ACCESS_TOKEN, SELLER_ID, None, replace=False)
        self._store.put_token(self.name, "refresh", REFRESH_TOKEN, SELLER_ID, None, replace=False)

    def is_write(self, request: Request) -> bool:
        endpoint = self._endpoints.get(request.path.removeprefix(PREFIX))
        return endpoint is not None and endpoint.write and request.method in endpoint.methods

    def handle(self, request: Request) -> Response:
        api = request.path.removeprefix(PREFIX)
        endpoint = self._endpoints.get(api)
        if endpoint is None or request.method not in endpoint.methods:
            return _answer(LazadaError("InvalidApiPath", f"The specified API path is invalid: {request.method} {api}"))
        try:
            call = self._authenticate(request, api, endpoint)
            if endpoint.write:
                with self._store.transaction():
                    reply = endpoint.handler(call)
            else:
                reply = endpoint.handler(call)
        except LazadaError as error:
            return _answer(error)
        return _answer(reply.error, reply.data, top_level=endpoint.top_level, committed=reply.committed)

    def failure(self, roll: float) -> Response:
        if roll < 0.5:
            return _answer(
                LazadaError("InternalError", "The request has failed due to some unknown error.", kind="SYSTEM",
                            status=500)
            )
        if roll < 0.7:
            return _answer(LazadaError("ServiceTimeout", "The service timed out, please try again later.",
                                       kind="SYSTEM", status=504))
        status, reason = (502, "Bad Gateway") if roll < 0.85 else (503, "Service Temporarily Unavailable")
        page = (
            f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n"
        )
        return Response(status, page.encode(), content_type="text/html")

    def throttled(self) -> Response:
        message = "Api access frequency exceeds the limit. this ban will last 1 seconds"
        return _answer(LazadaError("ApiCallLimit", message))

    def inspect(self) -> list[dict[str, Any]]:
        items, _ = self._store.query_items(self.name, statuses=_LISTED)
        skus = self._skus_by_item(items)
        return [inspected(item, skus[item.item_id] if item.extra.get("sale_props") else []) for item in items]

    def buyer_listing(self, item_id: int) -> dict[str, Any] | None:
        """A product a buyer sees: an active one (a deactivated product's page is gone for buyers)."""
        item = self._store.get_item(self.name, item_id)
        if item is None or item.status != "active":
            return None
        return inspected(item, self._skus_by_item([item])[item_id] if item.extra.get("sale_props") else [])

    def plant(self, listings: list[Planted]) -> list[int]:
        """Products as Seller Center makes them: one SKU, or one SKU per variant with its sale properties."""
        ids = []
        for planted in listings:
            now = int(self._clock())
            item_id = self._store.next_id(self.name, "item", FIRST_ITEM_ID)
            names = [name for name, _ in planted.tiers()]
            item = Item(self.name, item_id, None, planted.name, planted.description, 0, 0, planted.status,
                        planted.category_id, None, planted_images(self._store, self.name, item_id, planted.images,
                                                                  clock=self._clock), now, now,
                        extra={"brand": "No Brand", "attributes": {}, "sale_props": names, "declared": names})
            rows = [(v.seller_sku, v.price, v.stock, v.options) for v in planted.variants] or [
                (planted.seller_sku, planted.price, planted.stock, {})]
            package = {"package_weight": "0.5", "package_length": "10", "package_width": "10", "package_height": "10"}
            models = []
            for seller_sku, price, stock, options in rows:
                model = Model(self.name, item_id, self._store.next_id(self.name, "sku", FIRST_SKU_ID), seller_sku,
                              price, stock, {"status": planted.status, "saleProp": dict(options),
                                             "package": dict(package)})
                self._store.save_model(model)
                models.append(model)
            _summarise(item, models)
            self._store.save_item(item)
            ids.append(item_id)
        return ids

    # --- gateway: parameters, signature, timestamp, token -----------------------------------------

    def _authenticate(self, request: Request, api: str, endpoint: _Endpoint) -> _Call:
        params, files = _read_params(request)
        for name in ("app_key", "timestamp", "sign_method", "sign"):
            if not params.get(name):
                raise _missing(name)
        if params["app_key"] != APP_KEY:
            raise LazadaError("InvalidAppKey", "Specified app key is invalid")
        if params["sign_method"] != "sha256":
            raise LazadaError("InvalidParameter", 'sign_method must be "sha256"')
        timestamp = _optional_whole(params["timestamp"])
        if timestamp is None or abs(self._clock() * 1000 - timestamp) > TIMESTAMP_WINDOW_MS:
            raise LazadaError("InvalidTimestamp", "Timestamp is invalid or more than 7200 s away from UTC time (ms)")
        if not hmac.compare_digest(lazada_sign(APP_SECRET, api, params), params["sign"].upper()):
            raise LazadaError("IncompleteSignature", "The request signature does not conform to lazada standards")
        if endpoint.auth:
            access_token = params.get("access_token")
            if not access_token:
                raise _missing("access_token")
            token = self._store.get_token(self.name, "access", access_token)
            if token is None or (token.expires_at is not None and token.expires_at <= self._clock()):
                raise LazadaError("IllegalAccessToken", "The specified access token is invalid or expired")
        return _Call(request, params, files)

    # --- auth ------------------------------------------------------------------------------------

    def _refresh_token(self, call: _Call) -> _Reply:
        refresh_token = call.params.get("refresh_token")
        if not refresh_token:
            raise _missing("refresh_token")
        now = self._clock()
        with self._store.transaction():
            token = self._store.get_token(self.name, "refresh", refresh_token)
            if token is None or (token.expires_at is not None and token.expires_at <= now):
                raise LazadaError("IllegalRefreshToken", "The specified refresh token is invalid or expired")
            access, refresh = secrets.token_hex(20), secrets.token_hex(20)
            self._store.put_token(self.name, "access", access, token.subject, now + ACCESS_TOKEN_TTL, replace=True)
            self._store.put_token(self.name, "refresh", refresh, token.subject, now + REFRESH_TOKEN_TTL, replace=True)
        data = {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": ACCESS_TOKEN_TTL,
            "refresh_expires_in": REFRESH_TOKEN_TTL,
            "country": "id",
            "account_platform": "seller_center",
            "account": "sandbox-seller@pasindo.id",
            "country_user_info": [
                {"country": "id", "seller_id": token.subject, "user_id": token.subject, "short_code": "IDSBX"}
            ],
        }
        return _Reply(data)

    # --- images ----------------------------------------------------------------------------------

    def _upload_image(self, call: _Call) -> _Reply:
        """UploadImage (lazykern/ecommerce-api-docs data/raw/lazada/apis/product-api/uploadimage.json): "Allowed image
        formats are JPG and PNG", told here by the bytes' magic number; too large is E303 "Please make sure your image
        size is less than 5000*5000px and file size is less than 3145728B" (the page's summary says 1MB; the error
        table's figure is taken). A format it does not take has no code of its own: the table's E300 "Upload Image
        Failed" is answered (its 1000 "Internal Application Error" also asks for a JPG or PNG, but an internal error
        reads as one worth retrying)."""
        data = call.files.get("image")
        if data is None:
            raise _missing("image")
        if len(data) > IMAGE_BYTES_MAX:
            raise _refused("image", "The image is too large: please make sure your image size is less than "
                           f"5000*5000px and file size is less than {IMAGE_BYTES_MAX}B.", code="303")
        if data.startswith(_JPEG_MAGIC):
            extension = "jpg"
        elif data.startswith(_PNG_MAGIC):
            extension = "png"
        else:
            raise _refused("image", "Upload Image Failed: the image is not a JPG or PNG", code="300")
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        return self._hosted(digest, extension, hashlib.sha256(data).hexdigest(), len(data))

    def _migrate_image(self, call: _Call) -> _Reply:
        image = _request_body(call.params).get("Image")
        url = _text(image.get("Url")) if isinstance(image, dict) else None
        if not url:
            raise _required("Url")
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host or _is_ip(host) or parts.port not in (None, 80, 443):
            raise _refused("Url", f"{url} is not a downloadable image URL (http/https on port 80 or 443, no IP hosts)")
        extension = "png" if parts.path.lower().endswith(".png") else "jpg"
        digest = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
        return self._hosted(digest, extension, hashlib.sha256(url.encode()).hexdigest(), 0)

    def _hosted(self, digest: str, extension: str, sha256: str, size: int) -> _Reply:
        if not self._store.known_images(self.name, [digest]):
            self._store.add_image(self.name, digest, sha256, size, int(self._clock()))
        return _Reply({"image": {"hash_code": digest, "url": f"{IMAGE_HOST}{digest}.{extension}"}}, committed=True)

    def _images(self, value: Any) -> list[str]:
        """An ``Images`` block: at most 8 Lazada-hosted URLs known to the sandbox."""
        if value in (None, ""):
            return []
        urls = _as_list(value.get("Image")) if isinstance(value, dict) else None
        if urls is None or not all(isinstance(url, str) for url in urls):
            raise LazadaError("1001", "The parameters are not in JSON format: Images.Image must be a list of URLs")
        urls = [url.strip() for url in urls if url.strip()]
        if len(urls) > IMAGES_MAX:
            raise _refused("Images", f"at most {IMAGES_MAX} images per product or SKU, got {len(urls)}")
        hashes: dict[str, str] = {}
        for url in urls:
            match = _IMAGE_URL.fullmatch(url)
            if match is None:
                raise _refused("Images", f"{url} is not a Lazada image URL: upload or migrate the image first")
            hashes[match.group(1)] = url
        unknown = sorted(set(hashes) - self._store.known_images(self.name, hashes))
        if unknown:
            raise _refused("Images", f"{hashes[unknown[0]]} is not a known Lazada image")
        return urls

    # --- categories ------------------------------------------------------------------------------

    def _get_category_tree(self, call: _Call) -> _Reply:
        """GetCategoryTree: the whole tree, parents with their children (getcategorytree.json sample shape)."""
        tree = []
        for parent_id, parent_name, leaves in _TREE:
            if parent_id in self._hidden:
                continue
            children = [{"category_id": leaf_id, "name": name, "leaf": True, "var": True}
                        for leaf_id, name, _ in leaves if leaf_id not in self._hidden]
            tree.append({"category_id": parent_id, "name": parent_name, "leaf": False, "var": True,
                         "children": children})
        return _Reply(tree)

    def _get_category_attributes(self, call: _Call) -> _Reply:
        """GetCategoryAttributes of one leaf. Source of the refusals: the page's error table
        (lazykern/ecommerce-api-docs:data/raw/lazada/apis/product-api/getcategoryattributes.json): a category the
        country does not have is 4227 "Query category is null", an inactive one 4228 (here: a withdrawn one), a
        category without attributes 57 (here: a parent, which takes no products)."""
        raw = call.params.get("primary_category_id")
        if not raw:
            raise _missing("primary_category_id")
        number = _optional_whole(raw)
        node = None if number is None else _node(number)
        if node is None:
            raise LazadaError("4227", "Query category is null")
        if number in self._hidden or _parent_of(number) in self._hidden:
            raise LazadaError("4228", "Query category is not active")
        if node[0] is None:
            raise LazadaError("57", "E057: No attribute sets linked to that category.")
        return _Reply(_leaf_attributes(node[0]))

    def _leaf(self, value: Any) -> int:
        """The PrimaryCategory of a create or update, which must be a live leaf. Source: the CreateProduct error
        table (lazykern/ecommerce-api-docs:data/raw/lazada/apis/product-api/createproduct.json): 201 "E201: %s
        Invalid CategoryId" for an id that is not valid (here: unknown or withdrawn), 4134 "Please select the last
        level category." for a parent."""
        number = _category(value)
        node = _node(number)
        if node is None or number in self._hidden or _parent_of(number) in self._hidden:
            raise _refused("PrimaryCategory", f"E201: {number} Invalid CategoryId", code="201")
        if node[0] is None:
            raise _refused("PrimaryCategory", "Please select the last level category.", code="4134")
        return number

    # --- product writes --------------------------------------------------------------------------

    def _create(self, call: _Call) -> _Reply:
        """One product with all its SKUs; no duplicate check across products (hence lookup before create)."""
        product = _product(_request_body(call.params))
        if product.get("AssociatedSku") not in (None, ""):
            raise _refused("AssociatedSku", "the sandbox adds SKUs to a product through /product/update")
        category = product.get("PrimaryCategory")
        if category in (None, ""):
            raise _required("PrimaryCategory")
        attributes = product.get("Attributes")
        if not isinstance(attributes, dict):
            raise _required("Attributes")
        now = int(self._clock())
        item = Item(
            dialect=self.name, item_id=0, seller_sku=None, name="", description="", price=0, stock=0,
            status="active", category_id=self._leaf(category), weight_grams=None,
            images=self._images(product.get("Images")), created_at=now, updated_at=now,
        )
        _apply_attributes(item, attributes, creating=True)
        raw_skus = _sku_entries(product)
        if not raw_skus:
            raise _required("Skus")
        _check_mandatory(item)
        _check_main_image(item, raw_skus)
        models = [self._new_sku(raw) for raw in raw_skus]
        item.extra["sale_props"] = _check_skus(models, _declare(product, item))
        item.item_id = self._store.next_id(self.name, "item", FIRST_ITEM_ID)
        for model in models:
            model.item_id = item.item_id
            model.model_id = self._store.next_id(self.name, "sku", FIRST_SKU_ID)
            self._store.save_model(model)
        _summarise(item, models)
        self._store.save_item(item)
        return _Reply(_sku_list(item, models), committed=True)

    def _update(self, call: _Call) -> _Reply:
        """Update attributes and SKUs; SKUs without SkuId are added next to ``AssociatedSku``."""
        product = _product(_request_body(call.params))
        raw_skus = _sku_entries(product)
        item = self._item_to_update(product, raw_skus)
        models = self._skus_of(item.item_id)
        if product.get("PrimaryCategory") not in (None, ""):
            item.category_id = self._leaf(product["PrimaryCategory"])
        attributes = product.get("Attributes")
        if isinstance(attributes, dict):
            _apply_attributes(item, attributes, creating=False)
        if product.get("PrimaryCategory") not in (None, "") or isinstance(attributes, dict):
            _check_mandatory(item)
        if "Images" in product:
            item.images = self._images(product["Images"])
        by_id = {model.model_id: model for model in models}
        added: list[Model] = []
        for raw in raw_skus:
            if raw.get("SkuId") in (None, ""):
                added.append(self._new_sku(raw))
                continue
            model = by_id.get(_whole(raw["SkuId"], "SkuId"))
            if model is None:
                raise _refused("SkuId", f"SkuId {raw['SkuId']} does not exist in item {item.item_id}")
            self._apply_sku(model, raw)
        if added:
            anchor = _text(product.get("AssociatedSku"))
            if not anchor or not any(anchor in (str(model.model_id), model.seller_sku) for model in models):
                raise _refused("AssociatedSku", "name an existing SKU of the product to add SKUs to it")
            if not item.extra.get("sale_props"):
                raise _refused("Skus", "the product has no variation attributes: SKUs cannot be added to it")
        everything = models + added
        item.extra["sale_props"] = _check_skus(everything, _declare(product, item))
        for model in added:
            model.item_id = item.item_id
            model.model_id = self._store.next_id(self.name, "sku", FIRST_SKU_ID)
        for model in everything:
            self._store.save_model(model)
        _summarise(item, everything)
        item.updated_at = int(self._clock())
        self._store.save_item(item)
        return _Reply(_sku_list(item, everything), committed=True)

    def _item_to_update(self, product: Mapping[str, Any], raw_skus: list[dict[str, Any]]) -> Item:
        if product.get("ItemId") not in (None, ""):
            return self._live_item(product["ItemId"])
        sku_ids = [raw["SkuId"] for raw in raw_skus if raw.get("SkuId") not in (None, "")]
        if not sku_ids:
            raise LazadaError("E0001", "Parameter ItemId is mandatory")
        wanted = _whole(sku_ids[0], "SkuId")
        items, _ = self._store.query_items(self.name, statuses=_LISTED)
        for item_id, models in self._skus_by_item(items).items():
            if any(model.model_id == wanted for model in models):
                return next(item for item in items if item.item_id == item_id)
        raise _not_exists()

    def _new_sku(self, raw: Mapping[str, Any]) -> Model:
        seller_sku = _text(raw.get("SellerSku"))
        if not seller_sku:
            raise _required("SellerSku")
        if len(seller_sku) > SELLER_SKU_MAX:
            raise _refused("SellerSku", f"SellerSku is longer than {SELLER_SKU_MAX} characters", seller_sku)
        for name in ("price", *_PACKAGE):
            if raw.get(name) in (None, ""):
                raise _required(name, seller_sku)
        model = Model(self.name, 0, 0, seller_sku, 0, 0, {"status": "active", "saleProp": {}, "package": {}})
        self._apply_sku(model, {"quantity": 0, **raw})
        return model

    def _apply_sku(self, model: Model, raw: Mapping[str, Any]) -> None:
        """Set the SKU fields present in ``raw`` (a Skus.Sku entry of create or update)."""
        seller_sku = _text(raw.get("SellerSku")) or model.seller_sku or ""
        model.seller_sku = seller_sku  # renaming by SkuId is allowed since November 2023
        if raw.get("price") not in (None, ""):
            model.price = _price(raw["price"], seller_sku)
        if raw.get("quantity") not in (None, ""):
            model.stock = _quantity(raw["quantity"], "quantity", seller_sku)
        for name in _PACKAGE:
            if raw.get(name) not in (None, ""):
                model.options["package"][name] = str(_package(raw[name], name, seller_sku))
        if "saleProp" in raw:
            model.options["saleProp"] = _sale_prop(raw["saleProp"], seller_sku)
        if raw.get("Status") not in (None, ""):
            status = str(raw["Status"]).lower()
            if status not in _LISTED:
                raise _refused("Status", "Status must be active or inactive", seller_sku)
            model.options["status"] = status
        if "Images" in raw:
            model.options["images"] = self._images(raw["Images"])

    def _update_price_quantity(self, call: _Call) -> _Reply:
        def read(raw: Mapping[str, Any], seller_sku: str) -> dict[str, int]:
            changes: dict[str, int] = {}
            if raw.get("Price") not in (None, ""):
                changes["price"] = _price(raw["Price"], seller_sku)
            quantity = _warehouse_total(raw, "Quantity", seller_sku)
            if quantity is not None:
                changes["stock"] = quantity  # total quantity: the sandbox has no pending orders, total == sellable
            if not changes:
                raise _refused("Price", "give Price or Quantity", seller_sku)
            return changes

        return self._update_skus(call, read)

    def _update_sellable(self, call: _Call) -> _Reply:
        def read(raw: Mapping[str, Any], seller_sku: str) -> dict[str, int]:
            quantity = _warehouse_total(raw, "SellableQuantity", seller_sku)
            if quantity is None:
                raise _required("SellableQuantity", seller_sku)
            return {"stock": quantity}

        return self._update_skus(call, read)

    def _update_skus(self, call: _Call, read: Callable[[Mapping[str, Any], str], dict[str, int]]) -> _Reply:
        """Up to 50 SKUs of any products, each named by SkuId (with ItemId) or a shop-unique SellerSku."""
        entries = _sku_entries(_product(_request_body(call.params)))
        if not entries:
            raise LazadaError("30", "E030: Empty Request")
        if len(entries) > BATCH_MAX:
            raise LazadaError(
                "4171",
                f"The updated SKU quantity exceeds the maximum number {BATCH_MAX}, please do not update more than "
                f"{BATCH_MAX} SKUs at once",
            )
        items, by_id, by_seller_sku = self._sku_index(entries)
        failures: list[dict[str, Any]] = []
        touched: set[int] = set()
        for raw in entries:
            label = _text(raw.get("SellerSku")) or _text(raw.get("SkuId")) or ""
            try:
                model = _resolve_sku(raw, by_id, by_seller_sku)
                changes = read(raw, model.seller_sku or label)
            except LazadaError as error:
                failures.append({"field": "SellerSku", "message": error.message, "seller_sku": label})
                continue
            for attribute, value in changes.items():
                setattr(model, attribute, value)
            self._store.save_model(model)
            touched.add(model.item_id)
        now = int(self._clock())
        for item_id in touched:
            item = items[item_id]
            _summarise(item, [model for model in by_id.values() if model.item_id == item_id])
            item.updated_at = now
            self._store.save_item(item)
        error = LazadaError("501", "E501: Update product failed", kind="ISP", detail=failures) if failures else None
        return _Reply(committed=bool(touched), error=error)

    def _sku_index(
        self, entries: list[dict[str, Any]]
    ) -> tuple[dict[int, Item], dict[int, Model], dict[str, list[Model]]]:
        """The listed items the entries may touch, their live SKUs by SkuId, and by seller SKU."""
        item_ids = {_optional_whole(raw.get("ItemId")) for raw in entries}
        if None in item_ids:
            items, _ = self._store.query_items(self.name, statuses=_LISTED)
        else:
            found = (self._store.get_item(self.name, item_id) for item_id in item_ids if item_id is not None)
            items = [item for item in found if item is not None and item.status in _LISTED]
        by_id: dict[int, Model] = {}
        by_seller_sku: dict[str, list[Model]] = {}
        for models in self._skus_by_item(items).values():
            for model in models:
                by_id[model.model_id] = model
                by_seller_sku.setdefault(model.seller_sku or "", []).append(model)
        return {item.item_id: item for item in items}, by_id, by_seller_sku

    def _deactivate(self, call: _Call) -> _Reply:
        """One product per call; ``Skus`` (SkuId) narrows it to some SKUs."""
        product = _product(_request_body(call.params, "apiRequestBody"))
        if product.get("ItemId") in (None, ""):
            raise LazadaError("E0001", "Parameter ItemId is mandatory")
        try:
            item = self._live_item(product["ItemId"])
        except LazadaError:
            raise LazadaError("E0002", "Product:item id not exist", kind="ISP") from None
        models = self._skus_of(item.item_id)
        targets = models
        skus = product.get("Skus")
        if isinstance(skus, dict):
            sku_ids = {_whole(value, "SkuId") for value in _as_list(skus.get("SkuId"))}
            if not sku_ids and skus.get("SellerSku") not in (None, ""):
                raise LazadaError(
                    "4193",
                    "The SellerSku parameter is no longer supported. Please update your parameter to use SkuId and "
                    "try again",
                )
            if sku_ids:
                targets = [model for model in models if model.model_id in sku_ids]
                if len(targets) != len(sku_ids):
                    raise LazadaError("E0003", "Seller Sku not exists", kind="ISP")
        if all(model.options.get("status") == "inactive" for model in targets):
            raise LazadaError("E0004", "Product Status not online", kind="ISP")
        for model in targets:
            model.options["status"] = "inactive"
            self._store.save_model(model)
        _summarise(item, models)
        item.updated_at = int(self._clock())
        self._store.save_item(item)
        return _Reply(committed=True)

    def _remove(self, call: _Call) -> _Reply:
        """Remove SKUs named ``SkuId_<item>_<sku>``; a product left without SKUs is deleted."""
        raw = call.params.get("sku_id_list")
        if raw is None:
            if "seller_sku_list" in call.params:
                raise LazadaError("6", "Unexpected internal error: seller_sku_list is deprecated, use sku_id_list")
            raise _missing("sku_id_list")
        try:
            entries = json.loads(raw)
        except ValueError:
            raise _malformed("sku_id_list must be a JSON list") from None
        if not isinstance(entries, list) or not all(isinstance(entry, str) for entry in entries):
            raise _malformed("sku_id_list must be a JSON list of strings")
        if not entries:
            raise LazadaError("30", "E030: Empty Request")
        if len(entries) > BATCH_MAX:
            raise LazadaError("204", f"E204: Too many SKU in one request (at most {BATCH_MAX})")
        failures: list[dict[str, Any]] = []
        touched: dict[int, Item] = {}
        for entry in entries:
            match = _SKU_ID_ENTRY.fullmatch(entry)
            item = self._store.get_item(self.name, int(match.group(1))) if match else None
            model = None
            if match and item is not None and item.status in _LISTED:
                model = next((m for m in self._skus_of(item.item_id) if m.model_id == int(match.group(2))), None)
            if item is None or model is None:
                failures.append({"field": "SkuId", "message": f"{entry}: SKU does not exist", "seller_sku": entry})
                continue
            model.options["status"] = "deleted"
            self._store.save_model(model)
            touched[item.item_id] = item
        now = int(self._clock())
        for item in touched.values():
            left = self._skus_of(item.item_id)
            if left:
                _summarise(item, left)
            else:
                item.status = "deleted"
            item.updated_at = now
            self._store.save_item(item)
        error = LazadaError("503", "E503: Remove product failed", kind="ISP", detail=failures) if failures else None
        return _Reply(committed=bool(touched), error=error)

    # --- product reads ---------------------------------------------------------------------------

    def _get_products(self, call: _Call) -> _Reply:
        params = call.params
        wanted = params.get("filter") or "all"
        if wanted not in _FILTERS:
            raise LazadaError("36", "E036: Invalid status filter")
        limit = _bounded(params.get("limit"), LIMIT_DEFAULT, 1, LIMIT_MAX, LazadaError("19", "E019: Invalid Limit"))
        offset = _bounded(params.get("offset"), 0, 0, OFFSET_MAX, LazadaError("14", "E014: Invalid Offset"))
        seller_skus = _seller_sku_list(params.get("sku_seller_list"))
        items, _ = self._store.query_items(
            self.name,
            statuses=_FILTERS[wanted],
            updated_from=_date(params.get("update_after")),
            updated_to=_date(params.get("update_before")),
        )
        created_from, created_to = _date(params.get("create_after")), _date(params.get("create_before"))
        skus = self._skus_by_item(items, deleted=wanted == "deleted")
        matching = [
            item
            for item in items
            if (created_from is None or item.created_at >= created_from)
            and (created_to is None or item.created_at <= created_to)
            and (seller_skus is None or any(model.seller_sku in seller_skus for model in skus[item.item_id]))
            and (wanted != "sold-out" or all(model.stock == 0 for model in skus[item.item_id]))
        ]
        page = matching[offset : offset + limit]
        data = {"total_products": len(matching), "products": [_product_answer(i, skus[i.item_id]) for i in page]}
        return _Reply(data)

    def _get_orders(self, call: _Call) -> _Reply:
        """GetOrders by update_after or created_after, sorted by updated_at or created_at, paged by offset and limit.

        Source: lazykern/ecommerce-api-docs:data/raw/lazada/apis/order-api/getorders.json (parameters, error table and
        the official sample in examples[].responseCode). Either update_after or created_after is mandatory; times are
        ISO 8601 with offset (17 otherwise); limit at most 100 (19), offset at most 4500 (14); sort_direction ASC or
        DESC (74), sort_by created_at or updated_at (75). The answer has the sample's shape and its types: count,
        countTotal, order ids and items_count as strings, created_at / updated_at as 2018-02-09T22:44:30+08:00
        (here in Jakarta time, +07:00), statuses the distinct statuses of the order's items. Of the sample's other
        fields (buyer, addresses, prices, vouchers) the sandbox keeps none: it has no buyers. The docs give no default
        sort: the sandbox's is created_at, DESC."""
        params = call.params
        updated_from, created_from = _date(params.get("update_after")), _date(params.get("created_after"))
        if updated_from is None and created_from is None:
            raise LazadaError("MissingParameter", "update_after or created_after is required")
        limit = _bounded(params.get("limit"), ORDER_LIMIT_MAX, 1, ORDER_LIMIT_MAX,
                         LazadaError("19", f'E019: "{params.get("limit")}" Invalid Limit'))
        offset = _bounded(params.get("offset"), 0, 0, ORDER_OFFSET_MAX,
                          LazadaError("14", f'E014: "{params.get("offset")}" Invalid Offset'))
        direction = (params.get("sort_direction") or "DESC").upper()
        if direction not in ("ASC", "DESC"):
            raise LazadaError("74", "E074: Invalid sort direction.")
        column = params.get("sort_by") or "created_at"
        if column not in ("created_at", "updated_at"):
            raise LazadaError("75", "E075: Invalid sort filter.")
        orders = [o for o in self._store.orders(self.name, updated_from=updated_from)
                  if created_from is None or o.created_at >= created_from]
        orders.sort(key=lambda o: (getattr(o, column), int(o.order_id)), reverse=direction == "DESC")
        page = orders[offset : offset + limit]
        return _Reply({"count": str(len(page)), "countTotal": str(len(orders)), "orders": [
            {"order_id": o.order_id, "order_number": o.order_id, "created_at": _iso_time(o.created_at),
             "updated_at": _iso_time(o.updated_at), "items_count": str(o.quantity),
             "statuses": [_ITEM_STATUS[o.status]]} for o in page]})

    def _get_order_items(self, call: _Call) -> _Reply:
        """GetOrderItems: one entry per unit, as Lazada lists them ("If an order is placed for two identical items, it
        will still be responded to as two different objects with unique order item ids": the get-order guide).

        Source: lazykern/ecommerce-api-docs:data/raw/lazada/apis/order-api/getorderitems.json (the official sample:
        ids as strings, sku the seller SKU, created_at / updated_at as 2014-10-15 19:12:15 +0800, here +0700) and
        its error table: an order not in the shop is 16 ("E016: "%s" Invalid Order ID"). Of the sample's other
        fields it keeps the prices: item_price and paid_price (decimal strings, as the sample's "99.00"), both the SKU's
        price when the order is read (the sandbox has no vouchers, so nothing is paid below the item's price), and
        currency IDR; none of buyers or parcels. An order of a SKU the shop no longer lists has no price."""
        order_id = call.params.get("order_id")
        if not order_id:
            raise _missing("order_id")
        found = self._store.orders(self.name, order_ids=[order_id])
        if not found:
            raise LazadaError("16", f'E016: "{order_id}" Invalid Order ID')
        o = found[0]
        price = self._sku_price(o.seller_sku)
        prices = {} if price is None else {"item_price": f"{price}.00", "paid_price": f"{price}.00", "currency": "IDR"}
        return _Reply([{"order_item_id": str(int(o.order_id) * 100 + n), "order_id": o.order_id,  # type: ignore[arg-type]
                        "sku": o.seller_sku, "status": _ITEM_STATUS[o.status], "created_at": _item_time(o.created_at),
                        "updated_at": _item_time(o.updated_at), **prices} for n in range(o.quantity)])

    def _sku_price(self, seller_sku: str) -> int | None:
        """The price of the listed SKU with this seller SKU, if the shop lists one."""
        items, _ = self._store.query_items(self.name, statuses=_LISTED)  # a variant's SKU is not its item's
        for models in self._skus_by_item(items).values():
            for model in models:
                if model.seller_sku == seller_sku:
                    return model.price
        return None

    def _get_item(self, call: _Call) -> _Reply:
        params = call.params
        if params.get("item_id"):
            item = self._live_item(params["item_id"])
        elif params.get("seller_sku"):
            items, _ = self._store.query_items(self.name, statuses=_LISTED)
            skus = self._skus_by_item(items)
            found = [i for i in items if any(m.seller_sku == params["seller_sku"] for m in skus[i.item_id])]
            if not found:
                raise _not_exists()
            item = found[0]
        else:
            raise _missing("item_id")
        return _Reply(_product_answer(item, self._skus_of(item.item_id)))

    # --- helpers ---------------------------------------------------------------------------------

    def _live_item(self, raw_id: Any) -> Item:
        item = self._store.get_item(self.name, _whole(raw_id, "ItemId"))
        if item is None or item.status == "deleted":
            raise _not_exists()
        return item

    def _skus_of(self, item_id: int) -> list[Model]:
        models = self._store.models(self.name, [item_id]).get(item_id, [])
        return [model for model in models if model.options.get("status") != "deleted"]

    def _skus_by_item(self, items: Iterable[Item], *, deleted: bool = False) -> dict[int, list[Model]]:
        """Each item's SKUs (removed ones only with ``deleted``); every item has an entry."""
        ids = [item.item_id for item in items]
        models = self._store.models(self.name, ids)
        return {
            item_id: [m for m in models.get(item_id, []) if deleted or m.options.get("status") != "deleted"]
            for item_id in ids
        }


# --- answers ---------------------------------------------------------------------------------------


def _answer(
    error: LazadaError | None, data: dict[str, Any] | None = None, *, top_level: bool = False, committed: bool = False
) -> Response:
    request_id = uuid.uuid4().hex[:25]
    status = 200
    if error is not None:
        body: dict[str, Any] = {"type": error.kind, "code": error.code, "message": error.message,
                                "request_id": request_id}
        if error.detail:
            body["detail"] = error.detail
        status = error.status
    elif top_level:
        body = {**(data or {}), "code": "0", "request_id": request_id}
    else:
        body = {"code": "0", "data": data or {}, "request_id": request_id}
    return Response(status, json.dumps(body, ensure_ascii=False).encode(), committed_write=committed)


def _sku_list(item: Item, models: list[Model]) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "sku_list": [
            {"shop_sku": f"{item.item_id}_ID-{m.model_id}", "seller_sku": m.seller_sku, "sku_id": m.model_id}
            for m in models
        ],
    }


def _product_answer(item: Item, models: list[Model]) -> dict[str, Any]:
    """A product as GetProducts and GetProductItem describe it."""
    answer: dict[str, Any] = {
        "item_id": item.item_id,
        "primary_category": item.category_id,
        "created_time": str(item.created_at * 1000),
        "updated_time": str(item.updated_at * 1000),
        "images": item.images,
        "marketImages": [],
        "status": _PRODUCT_STATUS[item.status],
        "subStatus": "",
        "suspendedSkus": [],
        "trialProduct": False,
        "attributes": {
            "name": item.name, "description": item.description, "brand": item.extra.get("brand", ""),
            **item.extra.get("attributes", {}),
        },
        "skus": [_sku_answer(item, model) for model in models],
    }
    if item.extra.get("sale_props"):
        answer["variation"] = {
            f"Variation{n}": {
                "name": name,
                "customize": True,
                "hasImage": False,
                "options": list(dict.fromkeys(m.options["saleProp"].get(name) for m in models)),
            }
            for n, name in enumerate(item.extra["sale_props"], start=1)
        }
    return answer


def _sku_answer(item: Item, model: Model) -> dict[str, Any]:
    return {
        "SkuId": model.model_id,
        "SellerSku": model.seller_sku,
        "ShopSku": f"{item.item_id}_ID-{model.model_id}",
        "Url": f"https://www.lazada.co.id/-i{item.item_id}-s{model.model_id}.html",
        "Status": model.options.get("status", "active"),
        "quantity": model.stock,
        "Available": model.stock,
        "price": model.price,
        "special_price": 0,
        "saleProp": model.options.get("saleProp", {}),
        "Images": model.options.get("images", []),
        "multiWarehouseInventories": [
            {"warehouseCode": "dropshipping", "quantity": model.stock, "totalQuantity": model.stock,
             "sellableQuantity": model.stock, "occupyQuantity": 0, "withholdQuantity": 0}
        ],
        **model.options.get("package", {}),
    }


def _summarise(item: Item, models: list[Model]) -> None:
    """Item-level figures from its SKUs; only a product without variations keeps a seller SKU of its own."""
    item.price = min(model.price for model in models)
    item.stock = sum(model.stock for model in models)
    item.status = "active" if any(model.options.get("status") == "active" for model in models) else "inactive"
    item.seller_sku = None if item.extra.get("sale_props") or len(models) != 1 else models[0].seller_sku
    weight = models[0].options.get("package", {}).get("package_weight")
    item.weight_grams = round(Decimal(weight) * 1000) if weight else None


# --- request parsing -------------------------------------------------------------------------------


def _read_params(request: Request) -> tuple[dict[str, str], dict[str, bytes]]:
    """Parameters from the query and the body (form-urlencoded or multipart), and multipart files."""
    params = {name: values[0] for name, values in request.query.items() if values}
    files: dict[str, bytes] = {}
    content_type = request.headers.get("Content-Type", "")
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        body = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        params.update({name: values[0] for name, values in body.items()})
    elif kind == "multipart/form-data":
        parts = multipart_parts(request)
        if parts is None:
            raise _malformed("the multipart body cannot be parsed")
        for part in parts:
            if part.filename is not None:
                files[part.name] = part.data
            else:
                params[part.name] = part.data.decode("utf-8", "replace")
    return params, files


def _request_body(params: Mapping[str, str], name: str = "payload") -> dict[str, Any]:
    """The ``Request`` object of a JSON or XML payload parameter."""
    text = (params.get(name) or "").strip()
    if not text:
        raise _missing(name)
    if text.startswith("<"):
        try:
            root = ElementTree.fromstring(text.encode())
        except ElementTree.ParseError as error:
            raise _malformed(f"{name} is not valid XML ({error})") from None
        request = _xml_value(root) if root.tag == "Request" else None
    else:
        try:
            document = json.loads(text)
        except ValueError:
            raise LazadaError("1001", f"The parameters are not in JSON format: {name}") from None
        request = document.get("Request") if isinstance(document, dict) else None
    if not isinstance(request, dict):
        raise _malformed(f"{name} needs a Request object")
    return request


def _xml_value(element: ElementTree.Element) -> Any:
    """An XML element as JSON-like data: text for a leaf, a dict for children (repeated tags become lists)."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    value: dict[str, Any] = {}
    for child in children:
        item = _xml_value(child)
        if child.tag not in value:
            value[child.tag] = item
        elif isinstance(value[child.tag], list):
            value[child.tag].append(item)
        else:
            value[child.tag] = [value[child.tag], item]
    return value


def _product(request: Mapping[str, Any]) -> dict[str, Any]:
    product = request.get("Product")
    if product == "":  # an empty XML element
        return {}
    if not isinstance(product, dict):
        raise _malformed("Request needs a Product object")
    return product


def _sku_entries(product: Mapping[str, Any]) -> list[dict[str, Any]]:
    skus = product.get("Skus")
    if skus in (None, ""):
        return []
    entries = _as_list(skus.get("Sku")) if isinstance(skus, dict) else None
    if entries is None or not all(isinstance(entry, dict) for entry in entries):
        raise LazadaError("1001", "The parameters are not in JSON format: Skus.Sku must be a list of SKU objects")
    return entries


def _as_list(value: Any) -> list[Any]:
    """XML cannot tell one element from a list of one; JSON callers send either."""
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value).strip() or None


def _whole(value: Any, name: str) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise _malformed(f"{name} must be a whole number, got {value!r}")
    return int(text)


def _optional_whole(value: Any) -> int | None:
    text = _text(value)
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def _bounded(text: str | None, default: int, low: int, high: int, error: LazadaError) -> int:
    if text in (None, ""):
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise error
    return int(text)


def _seller_sku_list(text: str | None) -> set[str] | None:
    if text in (None, ""):
        return None
    try:
        skus = json.loads(text)
    except ValueError:
        skus = None
    if not isinstance(skus, list) or not all(isinstance(sku, str) for sku in skus):
        raise LazadaError("70", "E070: You have corrupt data in your sku seller list.")
    if len(skus) > SKU_LIST_MAX:
        raise LazadaError("70", f"E070: You have corrupt data in your sku seller list (at most {SKU_LIST_MAX}).")
    return set(skus)


# The sandbox's order states as Lazada's item statuses (order-api/getorders.json `statuses`; the order-status-flow
# guide): a paid order waits as pending until it is packed; a cancellation is canceled, a buyer's return returned.
_ITEM_STATUS = {"placed": "pending", "cancelled": "canceled", "returned": "returned"}
_JAKARTA = timezone(timedelta(hours=7))


def _iso_time(seconds: int) -> str:
    """GetOrders' order times: ISO 8601 with offset, e.g. 2018-02-09T22:44:30+08:00 (here Jakarta time)."""
    return datetime.fromtimestamp(seconds, tz=_JAKARTA).isoformat(timespec="seconds")


def _item_time(seconds: int) -> str:
    """GetOrderItems' times: 2014-10-15 19:12:15 +0800 (here Jakarta time, +0700)."""
    return datetime.fromtimestamp(seconds, tz=_JAKARTA).strftime("%Y-%m-%d %H:%M:%S %z")


def _date(text: str | None) -> int | None:
    """An ISO 8601 date or time as Unix seconds (UTC when no offset is given)."""
    if text in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise LazadaError("17", f'E017: "{text}" Invalid Date Format') from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _resolve_sku(raw: Mapping[str, Any], by_id: Mapping[int, Model], by_seller_sku: Mapping[str, list[Model]]) -> Model:
    """The SKU an update entry names: by SkuId (within ItemId when given), else by a shop-unique SellerSku."""
    if raw.get("SkuId") not in (None, ""):
        model = by_id.get(_optional_whole(raw["SkuId"]) or -1)
        item_id = _optional_whole(raw.get("ItemId"))
        if model is None or (item_id is not None and model.item_id != item_id):
            raise LazadaError("500", f"SkuId {raw['SkuId']} does not exist", kind="ISP")
        return model
    seller_sku = _text(raw.get("SellerSku"))
    if seller_sku is None:
        raise _required("SkuId")
    candidates = by_seller_sku.get(seller_sku, [])
    if not candidates:
        raise LazadaError("500", f"SellerSku {seller_sku} does not exist", kind="ISP")
    if len(candidates) > 1:
        raise LazadaError("4193", f"SellerSku {seller_sku} is not unique in the shop: use SkuId", kind="ISP")
    return candidates[0]


# --- field validation ------------------------------------------------------------------------------


def _category(value: Any) -> int:
    category = _optional_whole(value)
    if category is None or category <= 0:
        raise _refused("PrimaryCategory", f"Invalid category {value!r}")
    return category


def _apply_attributes(item: Item, attributes: Mapping[str, Any], *, creating: bool) -> None:
    """name, description and brand go to their columns; every other attribute is kept as given."""
    if creating or "name" in attributes:
        name = _text(attributes.get("name"))
        if not name:
            raise _required("name")
        if len(name) > NAME_MAX:
            raise _refused("name", f"the product name is longer than {NAME_MAX} characters ({len(name)})")
        item.name = name
    if "description" in attributes:
        description = str(attributes.get("description") or "")
        if len(description) > DESCRIPTION_MAX:
            raise _refused("description", f"the description is longer than {DESCRIPTION_MAX} characters "
                                          f"({len(description)})")
        item.description = description
    brand = _text(attributes.get("brand")) or _text(attributes.get("brand_id"))
    if brand:
        item.extra["brand"] = brand
    elif creating:
        raise _required("brand")
    others = {k: v for k, v in attributes.items() if k not in ("name", "description", "brand", "brand_id")}
    item.extra["attributes"] = {**item.extra.get("attributes", {}), **others}


def _node(number: int) -> tuple[str | None, int | None] | None:
    """(kind of leaf, parent id) of a category of the sandbox's tree; kind None for a parent; None if unknown."""
    for parent_id, _, leaves in _TREE:
        if number == parent_id:
            return None, None
        for leaf_id, _, kind in leaves:
            if number == leaf_id:
                return kind, parent_id
    return None


def _parent_of(number: int) -> int | None:
    node = _node(number)
    return None if node is None else node[1]


def _check_mandatory(item: Item) -> None:
    """Every mandatory product-level attribute of the leaf holds a value. Source: the CreateProduct error table
    (lazykern/ecommerce-api-docs:data/raw/lazada/apis/product-api/createproduct.json), 4110
    BIZ_CHECK_CAT_PROP_MANDATORY; which are mandatory is GetCategoryAttributes' is_mandatory. SKU-level attributes
    (attribute_type sku: the ease-mode API reference guide, data/processed/lazada/guides/api-best-practice/
    lazada-marketplace-ease-mode-api-reference.md) and sale properties are checked with the SKUs."""
    node = _node(item.category_id)
    given = item.extra.get("attributes", {})
    for attribute in _leaf_attributes(node[0] if node else ""):
        if (attribute["is_mandatory"] != "1" or attribute["name"] in _BASIC or attribute["attribute_type"] != "normal"
                or attribute["is_sale_prop"] == "1"):
            continue
        if _text(given.get(attribute["name"])) is None:
            raise _refused(attribute["name"], f"BIZ_CHECK_CAT_PROP_MANDATORY: {attribute['name']} is mandatory",
                           code="4110")


def _check_main_image(item: Item, raw_skus: list[dict[str, Any]]) -> None:
    """At least one product or SKU image. Source: the CreateProduct error table (createproduct.json), 4139
    "BIZ_CHECK_MAIN_IMAGE_REQUIRE:Main image is require", whose solution asks for one main or SKU image."""
    if item.images or any(raw.get("Images") not in (None, "", {}) for raw in raw_skus):
        return
    raise _refused("Images", "BIZ_CHECK_MAIN_IMAGE_REQUIRE:Main image is require", code="4139")


def _declare(product: Mapping[str, Any], item: Item) -> list[str] | None:
    """The custom variation names (``variation.VariationN.name``) a payload declares, kept on the item; without a
    ``variation`` block, the names declared before (None: nothing declared, any sale property goes)."""
    variation = product.get("variation")
    if not isinstance(variation, dict):
        return item.extra.get("declared")
    names = []
    for key in sorted(variation):
        name = _text(variation[key].get("name")) if isinstance(variation[key], dict) else None
        if not name:
            raise _refused("variation", f"{key} needs a name")
        names.append(name)
    item.extra["declared"] = names
    return names


def _check_skus(models: list[Model], declared: list[str] | None) -> list[str]:
    """Check a product's SKUs together; returns its sale property names (none: a product without variations)."""
    if len(models) > SKUS_MAX:
        raise _refused("Skus", f"E204: Too many SKU in one product (at most {SKUS_MAX})", code="204")
    seen: set[str] = set()
    for model in models:
        if model.seller_sku in seen:
            raise _refused("SellerSku", f"BIZ_CHECK_SELLER_SKU_DUPLICATE: SellerSku {model.seller_sku} repeats",
                           model.seller_sku, code="4105")
        seen.add(model.seller_sku or "")
    props = [model.options.get("saleProp") or {} for model in models]
    names = list(dict.fromkeys(name for prop in props for name in prop))
    if len(names) > SALE_PROPS_MAX:
        raise _refused("saleProp", f"BIZ_CHECK_TOTAL_SALE_PROP_MAX_ITEMS: Total sale prop more than maxItems "
                                   f"{SALE_PROPS_MAX}.")
    for name in names:
        if declared is not None and name not in declared:
            raise _refused(
                "saleProp",
                f"BIZ_CHECK_SALEPROP_ATTRIBUTE_INVALID: This variation attribute {name} is not found in the "
                "variation label,please make sure that this attribute is declared",
                code="4143",
            )
    if len(models) > 1 or names:
        combinations: set[tuple[str, ...]] = set()
        for model, prop in zip(models, props, strict=True):
            if not names or set(prop) != set(names):
                raise _refused("saleProp", f"CHK_SKU_PROPS_NOT_IDENTICAL: Sales attribute is not filled in for "
                                           f"{model.seller_sku}", model.seller_sku, code="4113")
            combination = tuple(prop[name] for name in names)
            if combination in combinations:
                raise _refused("saleProp", f"CHK_SKU_PROPS_DUPLICATE: Duplicate Sku attributes {combination}",
                               model.seller_sku, code="4112")
            combinations.add(combination)
    return names


def _sale_prop(value: Any, seller_sku: str) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or not all(_text(v) for v in value.values()):
        raise _refused("saleProp", "saleProp must map variation names to option values", seller_sku)
    return {str(name): str(option).strip() for name, option in value.items()}


def _price(value: Any, seller_sku: str) -> int:
    """Whole rupiah: "85000", "85000.00" and 85000 pass; "85000.5" does not."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _refused("price", f"price {value!r} is not a number", seller_sku) from None
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise _refused("price", "BIZ_CHECK_PRICE_PRECISION_INVALID: Indonesian prices are whole rupiah", seller_sku,
                       code="4104")
    if amount == 0:
        raise _refused("price", "BIZ_CHECK_PRICE_IS_ZERO: price must not be 0", seller_sku, code="4118")
    if not PRICE_MIN <= amount <= PRICE_MAX:
        raise _refused("price", f"price must be between {PRICE_MIN} and {PRICE_MAX} rupiah, got {value}", seller_sku)
    return int(amount)


def _quantity(value: Any, name: str, seller_sku: str) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > QUANTITY_MAX:
        raise _refused(name, f"{name} must be a whole number between 0 and {QUANTITY_MAX}, got {value!r}", seller_sku)
    return int(text)


def _warehouse_total(raw: Mapping[str, Any], name: str, seller_sku: str) -> int | None:
    """``name`` of a single-warehouse entry, or the sum over MultiWarehouseInventories; None when absent."""
    if raw.get(name) not in (None, ""):
        return _quantity(raw[name], name, seller_sku)
    inventories = raw.get("MultiWarehouseInventories")
    if not isinstance(inventories, dict):
        return None
    entries = _as_list(inventories.get("MultiWarehouseInventory"))
    values = [entry.get(name) for entry in entries if isinstance(entry, dict)]
    if not values or any(value in (None, "") for value in values):
        return None
    total = sum(_quantity(value, name, seller_sku) for value in values)
    if total > QUANTITY_MAX:
        raise _refused(name, f"{name} must be at most {QUANTITY_MAX} in total", seller_sku)
    return total


def _package(value: Any, name: str, seller_sku: str) -> Decimal:
    """Package weight (kg) or size (cm): positive, at most two decimals."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = Decimal(0)
    if not amount.is_finite() or amount <= 0 or amount * 100 != (amount * 100).to_integral_value():
        raise _refused(name, f"{name} must be a positive number with at most two decimals, got {value!r}", seller_sku)
    return amount
