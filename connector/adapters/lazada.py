"""The `lazada` adapter: Lazada Open Platform (Indonesia), one seller per channel.

Every request goes through `connector.adapters.http.call`; every answer body is parsed by `_parse`, and a `code`
other than "0" is classified by `classify`:

- Throttled: `ApiCallLimit` (retry_after = the ban it announces, "this ban will last 1 seconds"), `AppCallLimit`,
  `901` (per-API QPS), `4154`, HTTP 429.
- Transient: `998` (API switched off during mega campaigns), `6` / `E0006`, `513`, `1000` (internal errors), `4147` (a
  concurrent edit of the same product), SYSTEM errors (`InternalError`, `ServiceTimeout`, ...), HTTP 5xx, non-JSON.
- AuthError: `IncompleteSignature` / `InvalidSignature` (app_key, app_secret), `IllegalAccessToken`,
  `IllegalRefreshToken`, `AUTH_TYPE_UNSUPPORTED` (this app's tokens are not refreshed), `InvalidAppKey`,
  `InvalidTimestamp` (this machine's clock), `AppWhiteIpLimit` (IP not allowed), `InsufficientPermission`,
  `AccessDenied`, `SellerNotActive` / `SellerNotVerified` (the shop itself cannot trade: every call of the channel
  would fail, so the channel stops instead of refusing each item for good).
- NotFound: `E0002` (product not exists), `E0003` (seller SKU not exists), `207` / `208` (SKU / item not exist),
  `4136` (SELLER_SKU_NOT_FOUND), `4137` (ITEM_NOT_FOUND), `16` (Invalid Order ID: that order, never the pull).
- AdapterError: `InvalidApiPath` (a wrong endpoint URL: never NotFound, which would re-create), `MissingParameter`,
  `InvalidParameter`, and GetOrders' / GetProducts' `14`, `17`, `19`, `36`, `70`, `74`, `75` (a request this adapter
  got wrong).
- Invalid: every other code: the data was refused (`5`, `1001`, `4104`, `4108`, `4112`, `4143`, `500`, ...).
- `detail` of a per-SKU update (`501`) lists the SKUs that failed: an item fails if any of its SKUs failed (NotFound
  when the SKU "does not exist", so the engine re-binds the listing by SKU), the others succeeded.

Transport: Lazada signs every parameter (see `sign`). `call` sends no form-encoded bodies, so a POST carries its
business parameters as multipart form fields, which Lazada's gateway reads as it reads the official SDK's uploads,
and the system parameters (app_key, timestamp, access_token, sign...) in the query string; a GET sends everything in
the query string, as the SDK does.

Lazada keeps no product-level seller SKU: a product is found by its SKUs' seller SKUs, `Remote.seller_sku` is the
sole SKU's seller SKU of a product without variants (else None), and `variant_ids` maps every SKU's seller SKU to its
SkuId, the key of every SKU update (seller SKUs are unique within a product only since November 2023).

Calls: a first listing is one `/image/upload` per image not uploaded before (cached by content hash) and one
`/product/create` with every SKU, price and quantity; a stock change is one `/product/stock/sellable/update` for up
to 50 SKUs of any products (sellable stock: what buyers can order); prices go through
`/product/price_quantity/update` the same way. Either sends only the SKUs whose value differs from what the channel
acknowledged (`Remote.prices` / `Remote.stock`): one variant's new stock is one SKU, not the whole product.
Delist is `/product/deactivate` (one product per call); Lazada has no activate API, so relist is `/product/update`
with every SKU's Status active. Variants are added by `/product/update` with `AssociatedSku` and removed by
`/product/remove` (`sku_id_list`).

Orders: GetOrders by update_after, then GetOrderItems per order (one entry per unit). Times come in two documented
forms, GetOrders' ISO 8601 with offset and GetOrderItems' `2014-10-15 19:12:15 +0800`; both are read, and an order
whose time cannot be read in either, or that GetOrderItems does not know (16), is left out and logged, never given
the time of the pull. Every documented item status is placed, cancelled or returned (`_ITEM_STATUS`).

Tokens (`connector.adapters.tokens`): the TokenStore's pair wins over the config's (unless the config carries a
newly authorised refresh token). An `IllegalAccessToken` answer triggers one refresh (under a lock; the new pair is
saved before it is used: Lazada does not promise the old refresh token survives) and one retry; a token whose stored
expiry is near is refreshed before the call. Refreshes go to `https://auth.lazada.com/rest` for Lazada's own hosts,
else to the endpoint itself.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any
from urllib.parse import urlsplit

import requests
from pydantic import BeforeValidator, Field

from connector import logs
from connector.adapters.base import (
    ORDER_OVERLAP_SECONDS,
    Adapter,
    AdapterError,
    AttributeInput,
    AttributeOption,
    AuthError,
    Capabilities,
    CategoryAttribute,
    Change,
    ChannelCategory,
    Image,
    Invalid,
    Listing,
    ListingLink,
    ListingRules,
    ListingVariant,
    NotFound,
    OrderLine,
    Outcome,
    Remote,
    Throttled,
    Transient,
    UnknownOutcome,
    answer_amount,
    answer_id,
)
from connector.adapters.http import ChannelOptions, RetryPolicy, json_body, status_error
from connector.adapters.tokens import ChannelCredentials

AUTH_URL = "https://auth.lazada.com/rest"
REFRESH_API = "/auth/token/refresh"

DEFAULT_RATE_LIMIT = 10.0  # Lazada publishes per-API limits only (inventory: 50/s per seller): a conservative pace
TOKEN_REFRESH_MARGIN = 3600.0  # access tokens live days: refresh an hour before the stored expiry
ACCESS_TOKEN_TTL = 7 * 24 * 3600  # if a refresh answer lacks expires_in (the test environment's lifetime)
PAGE_SIZE = 50
ORDER_PAGE = 100
ORDER_WINDOW_DAYS = 30  # the first pull reads this far back
PLACED, CANCELLED, RETURNED = "placed", "cancelled", "returned"
# Every order item status Lazada documents (lazykern/ecommerce-api-docs: data/raw/lazada/apis/order-api/getorders.json,
# `statuses` and the `status` filter with its error 6; getorderitems.json `status`), as OrderLine counts it. A unit
# counts as sold until it is canceled or back with the seller: returned by the buyer, or shipped back after a failed
# delivery (shipped_back: on its way, as this adapter always counted it; shipped_back_success: arrived). Lost,
# damaged, scrapped or failed-to-return units never come back to the shelf, and a failed delivery attempt
# (failed_delivery, failed) may still be delivered: all stay sold.
_ITEM_STATUS = {
    **dict.fromkeys(("unpaid", "pending", "topack", "repacked", "packed", "toship", "ready_to_ship_pending",
                     "ready_to_ship", "shipping", "shipped", "delivered", "failed_delivery", "failed", "lost",
                     "lost_by_3pl", "damaged_by_3pl", "shipped_back_failed", "package_scrapped"), PLACED),
    "canceled": CANCELLED,
    "returned": RETURNED,
    "shipped_back": RETURNED,
    "shipped_back_success": RETURNED,
}
SKU_LIST_MAX = 100  # GetProducts sku_seller_list
BATCH_MAX = 50  # SKUs per price/stock update, SKUs per removal
PRODUCT_PAGE_HOST = "https://www.lazada.co.id"  # buyers' site in Indonesia (see LazadaAdapter.listing_links)
MAX_SALE_PROPS = 2
MAX_VARIANTS = 50  # Lazada: more than 50 SKUs in one create/update request time out
MAX_IMAGES = 8
# Lazada requires package sizes on every SKU; catalogs rarely carry them. Set options.package_cm to the usual parcel.
DEFAULT_PACKAGE_CM = (10, 10, 10)

_TOKEN_ERRORS = frozenset({"IllegalAccessToken"})
_THROTTLE_CODES = frozenset({"ApiCallLimit", "AppCallLimit", "901", "4154"})
_BUSY_CODES = frozenset({"998", "6", "E0006", "513", "1000", "4147", "InternalError", "ServiceTimeout",
                         "ServiceUnavailable"})
# The error tables of the API reference pages (lazykern/ecommerce-api-docs: data/raw/lazada/apis/product-api/
# deactivateproduct.json, getproductitem.json, createproduct.json, updateproduct.json; order-api/getorderitems.json).
_NOT_FOUND_CODES = frozenset({"E0002", "E0003", "207", "208", "4136", "4137", "16"})
_CALLER_ERRORS = {
    "InvalidApiPath": "check the channel's endpoint URL",
    "MissingParameter": "the adapter sent an incomplete request",
    "InvalidParameter": "the adapter sent an invalid request",
    # order-api/getorders.json, product-api/getproducts.json: offset, date format, limit, status filter, seller SKU
    # list, sort direction, sort column
    **dict.fromkeys(("14", "17", "19", "36", "70", "74", "75"), "the adapter sent an invalid request"),
}
_AUTH_HINTS = {
    "IncompleteSignature": "Lazada refused the request signature: check app_key and app_secret",
    "InvalidSignature": "Lazada refused the request signature: check app_key and app_secret",
    "InvalidAppKey": "Lazada does not know this app_key",
    "IllegalAccessToken": "Lazada says the access token is invalid or expired",
    "IllegalRefreshToken": "Lazada refused the refresh token",
    # system-api/refreshaccesstoken.json: the app's tokens are bound to a service-market order, no refresh
    "AUTH_TYPE_UNSUPPORTED": "Lazada does not refresh this app's tokens (bound to its service-market order)",
    "InvalidTimestamp": "Lazada refused the request timestamp: check this machine's clock",
    "AppWhiteIpLimit": "this machine's IP address is not allowed: add it to the app's IP whitelist",
    "InsufficientPermission": "the app may not call this API for this seller",
    "AccessDenied": "the app may not call this API for this seller",
    # createproduct.json, updateproduct.json, getorders.json, getproducts.json: "please check seller status"
    "SellerNotActive": "the Lazada shop is not active: check its status in Seller Center",
    "SellerNotVerified": "the Lazada shop is not verified yet: finish its opening in Seller Center",
}
_PER_SKU_CODES = frozenset({"501"})
_ALREADY_INACTIVE = "E0004"


def sign(app_secret: str, api: str, params: Mapping[str, Any]) -> str:
    """Lazada's signature, as the official SDK computes it: uppercase hex HMAC-SHA256 of the API path followed by
    every parameter but `sign` (files are not parameters), sorted by name, as key + value."""
    base = api + "".join(f"{key}{params[key]}" for key in sorted(params) if key != "sign")
    return hmac.new(app_secret.encode(), base.encode(), hashlib.sha256).hexdigest().upper()


def classify(code: str, message: str, status: int, where: str, kind: str = "") -> AdapterError:
    """The failure class of a Lazada error answer (see the module's table); `kind` is the answer's `type`."""
    detail = f"{where}: {code}: {message}" if message else f"{where}: {code}"
    if code in _THROTTLE_CODES or status == 429:
        return Throttled(detail, code=code, retry_after=_ban_seconds(message) if code == "ApiCallLimit" else None)
    if code in _AUTH_HINTS:
        return AuthError(f"{_AUTH_HINTS[code]} ({detail})", code=code)
    if code in _BUSY_CODES or kind == "SYSTEM" or status >= 500:
        return Transient(detail, code=code)
    if code in _NOT_FOUND_CODES:
        return NotFound(detail, code=code)
    if code in _CALLER_ERRORS:
        return AdapterError(f"{detail} ({_CALLER_ERRORS[code]})", code=code)
    return Invalid(detail, code=code)


@dataclass(frozen=True)
class _SkuValue:
    """One SKU of a batched price or stock update."""

    key: str
    item_id: str
    sku_id: str
    seller_sku: str
    value: int


def _trimmed(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class Credentials(ChannelCredentials):
    """A Lazada channel's credentials: the app (app_key, app_secret) and the seller's token pair."""

    app_key: Annotated[str, BeforeValidator(_trimmed), Field(min_length=1)]
    app_secret: Annotated[str, Field(min_length=1)]


class Options(ChannelOptions):
    """A Lazada channel's options, beyond the shared ones."""

    auth_url: str | None = None  # the token API; default: Lazada's for its own hosts, else the endpoint
    package_cm: tuple[int, int, int] = DEFAULT_PACKAGE_CM  # [length, width, height] when a listing has none
    brand_ids: dict[str, int] = {}  # brand name -> Lazada brand_id; other brands are listed as "No Brand"
    # GetCategoryTree / GetCategoryAttributes language_code (in Indonesia en_US or id_ID; Lazada's default: en_US)
    language_code: str | None = None
    token_refresh_margin: Annotated[float, Field(ge=0)] = TOKEN_REFRESH_MARGIN


class LazadaAdapter(Adapter):
    """One Lazada seller. Credentials and options: the `Credentials` and `Options` models above."""

    name = "lazada"
    marketplace = "Lazada"
    token_holder = "seller"
    Credentials = Credentials
    Options = Options
    # Indonesia, as the sandbox's dialect (connector/sandbox/lazada.py, "Limits for Indonesia") keeps them from
    # Lazada's product guides and lazykern/ecommerce-api-docs data/raw/lazada/apis/product-api/createproduct.json.
    # Weight and dimensions: positive with at most two decimals, no maximum documented; this adapter rounds a
    # weight up to 0.01 kg and sends `options.package_cm` for a product without dimensions, so neither is required.
    listing_rules = ListingRules(
        title_min=1, title_max=255,
        description_max=25_000,
        images_min=1, images_max=MAX_IMAGES,  # CreateProduct refuses a product without a main image (4139)
        price_min=100, price_max=150_000_000,
        stock_max=999_999,  # quantity
        variants_max=MAX_VARIANTS,
        seller_sku_max=200,  # SellerSku
    )
    capabilities = Capabilities(
        price_batch=BATCH_MAX,
        stock_batch=BATCH_MAX,
        status_batch=1,  # DeactivateProduct takes one ItemId; relisting is an UpdateProduct of one product
        batch_across_products=True,
        idempotent_create=False,
        rate_limit=DEFAULT_RATE_LIMIT,
        max_variants=MAX_VARIANTS,
        max_images=MAX_IMAGES,
    )
    # UploadImage: "Allowed image formats are JPG and PNG" (lazykern/ecommerce-api-docs
    # data/raw/lazada/apis/product-api/uploadimage.json, desc; its error 303 allows files under 3145728 bytes)
    image_formats = frozenset({"JPG", "PNG"})
    credentials: Credentials
    options: Options

    @classmethod
    def listing_links(cls, credentials: Mapping[str, Any], external_id: str, *, sandbox: str | None = None,
                      variant_ids: Mapping[str, str] | None = None) -> tuple[ListingLink, ...]:
        """On the sandbox, its page of the product. Live: the product page of its first SKU (lowest SkuId; the
        page shows every variant), in the form each SKU's `Url` takes in GetProductItem's official response
        sample for Indonesia, "www.lazada.co.id/-i<ItemId>-s<SkuId>.html" (lazykern/ecommerce-api-docs
        data/raw/lazada/apis/product-api/getproductitem.json, examples; GetProducts' Malaysian sample in
        getproducts.json has the same form over https). The form needs a SkuId: without `variant_ids`, none."""
        if not (external_id.isascii() and external_id.isdigit()):
            return ()
        if sandbox is not None:
            return (ListingLink("Lazada", f"{sandbox.rstrip('/')}/_sandbox/listing/{cls.name}/{external_id}"),)
        sku_ids = sorted(int(i) for i in (variant_ids or {}).values() if str(i).isascii() and str(i).isdigit())
        if not sku_ids:
            return ()
        return (ListingLink("Lazada", f"{PRODUCT_PAGE_HOST}/-i{external_id}-s{sku_ids[0]}.html"),)

    @property
    def _api_url(self) -> str:
        # The documented gateway URL ends in /rest (https://api.lazada.co.id/rest); a bare host gets it appended.
        return self.base_url if self.base_url.endswith("/rest") else self.base_url + "/rest"

    @property
    def _auth_url(self) -> str:
        is_lazada = (urlsplit(self._api_url).hostname or "").endswith((".lazada.co.id", ".lazada.com"))
        return (self.options.auth_url or (AUTH_URL if is_lazada else self._api_url)).rstrip("/")

    # -- the Adapter protocol ----------------------------------------------------------------------------------

    def categories(self) -> list[ChannelCategory]:
        """GetCategoryTree (/category/tree/get): nested nodes with category_id, name, leaf and children
        (lazykern/ecommerce-api-docs:data/raw/lazada/apis/product-api/getcategorytree.json, its sample), flattened."""
        params = {"language_code": self.options.language_code} if self.options.language_code else {}
        data = self._request("GET", "/category/tree/get", write=False, params=params).get("data") or []
        found: list[ChannelCategory] = []
        pending: list[tuple[Any, str | None]] = [(node, None) for node in _as_nodes(data)]
        while pending:
            node, parent = pending.pop()
            if node.get("category_id") in (None, ""):
                continue
            category_id = str(node["category_id"])
            children = _as_nodes(node.get("children"))
            found.append(ChannelCategory(category_id, str(node.get("name") or ""), parent,
                                         _truthy(node.get("leaf")) if "leaf" in node else not children))
            pending.extend((child, category_id) for child in children)
        return found

    def attributes(self, category_id: str) -> list[CategoryAttribute]:
        """GetCategoryAttributes (/category/attributes/get?primary_category_id=): the product-level attributes the
        sync fills (lazykern/ecommerce-api-docs:data/raw/lazada/apis/product-api/getcategoryattributes.json). Left
        out: sale properties (is_sale_prop 1: the variations), SKU-level attributes (attribute_type "sku", written
        per SKU: the ease-mode API reference guide, data/processed/lazada/guides/api-best-practice/
        lazada-marketplace-ease-mode-api-reference.md; the adapter writes the SKU's own price, stock and package),
        and name, description and brand, which the adapter writes itself from the listing."""
        params = {"primary_category_id": str(category_id)}
        if self.options.language_code:
            params["language_code"] = self.options.language_code
        data = self._request("GET", "/category/attributes/get", write=False, params=params).get("data") or []
        return [_category_attribute(raw) for raw in data
                if isinstance(raw, Mapping) and raw.get("name") and not _truthy(raw.get("is_sale_prop"))
                and str(raw.get("attribute_type") or "normal") != "sku" and raw.get("name") not in _OWN_ATTRIBUTES]

    def check(self) -> str:
        data = self._request("GET", "/products/get", write=False, params={"filter": "live", "limit": 1})["data"]
        return f"app {self.credentials.app_key}: authorised, {data.get('total_products', 0)} live products"

    def find(self, seller_sku: str, variant_skus: Sequence[str] = ()) -> list[Remote]:
        """Every product holding one of the SKUs (the variants' seller SKUs, else the product's own)."""
        wanted = list(dict.fromkeys(variant_skus)) or [seller_sku]
        found: dict[str, Remote] = {}
        for start in range(0, len(wanted), SKU_LIST_MAX):
            chunk = wanted[start : start + SKU_LIST_MAX]
            offset = 0
            while True:
                params = {"filter": "all", "sku_seller_list": json.dumps(chunk), "limit": PAGE_SIZE, "offset": offset}
                data = self._request("GET", "/products/get", write=False, params=params)["data"]
                products = data.get("products") or []
                for product in products:
                    # An item_id that is no id (see `_lazada_id`) fails the lookup: dropping it could make a
                    # product that exists look absent, and a create would follow.
                    if _lazada_id(product.get("item_id")) is None:
                        raise AdapterError(f"Lazada GetProducts answered {str(product.get('item_id'))[:40]!r} where "
                                           "an item_id belongs; the lookup settles nothing")
                    remote = _remote(product)
                    # Lazada matches whole seller SKUs; deleted products are no listing to bind.
                    if set(remote.variant_ids) & set(chunk) and str(product.get("status")).lower() != "deleted":
                        found.setdefault(remote.external_id, remote)
                offset += len(products)
                if not products or offset >= int(data.get("total_products") or 0):
                    break
        return list(found.values())

    def listings(self) -> Iterator[Remote]:
        """GetProducts (filter all, 50 a page by offset): every product with its SKUs' prices and sellable stock."""
        offset = 0
        while True:
            params = {"filter": "all", "limit": PAGE_SIZE, "offset": offset}
            data = self._request("GET", "/products/get", write=False, params=params)["data"]
            products = data.get("products") or []
            for product in products:
                if str(product.get("status")).lower() != "deleted" and _lazada_id(product.get("item_id")):
                    yield _listed(product)
            offset += len(products)
            if not products or offset >= int(data.get("total_products") or 0):
                return

    def orders(self, since_cursor: str | None) -> tuple[list[OrderLine], str]:
        """GetOrders by update_after (oldest update first, 100 a page), then GetOrderItems per order: one entry per
        unit, counted here. The cursor is the latest updated_at seen, as ISO 8601. An order that cannot be read (its
        items gone, no readable time) is left out and logged; the pull goes on."""
        start = datetime.now(UTC)
        since = (datetime.fromisoformat(since_cursor) - timedelta(seconds=ORDER_OVERLAP_SECONDS) if since_cursor
                 else start - timedelta(days=ORDER_WINDOW_DAYS))
        latest = datetime.fromisoformat(since_cursor) if since_cursor else None
        lines: list[OrderLine] = []
        offset = 0
        while True:
            params = {"update_after": since.isoformat(timespec="seconds"), "sort_by": "updated_at",
                      "sort_direction": "ASC", "offset": offset, "limit": ORDER_PAGE}
            data = self._request("GET", "/orders/get", write=False, params=params)["data"]
            orders = data.get("orders") or []
            for order in orders:
                updated = _lazada_time(order.get("updated_at"))
                latest = updated if latest is None or (updated and updated > latest) else latest
                lines.extend(self._order_lines(order))
            offset += len(orders)
            if not orders or offset >= int(data.get("countTotal") or 0):
                break
        cursor = latest or start - timedelta(seconds=ORDER_OVERLAP_SECONDS)
        return lines, cursor.isoformat(timespec="seconds")

    def _order_lines(self, order: Mapping[str, Any]) -> list[OrderLine]:
        """One GetOrders order's lines: units per (seller SKU, status) from GetOrderItems. Placed at the order's
        created_at, else its items' earliest created_at."""
        order_id = str(order.get("order_id") or "")
        log = logs.get_logger(channel=self.channel, order_id=order_id)
        if not order_id:
            log.warning("order_skipped", reason="the order has no order_id")
            return []
        try:
            items = self._request("GET", "/order/items/get", write=False, params={"order_id": order_id})["data"]
        except NotFound as err:  # code 16: the order is not in this shop (any more)
            log.warning("order_skipped", reason=err.message)
            return []
        items = [item for item in items or [] if isinstance(item, Mapping)]
        at = _lazada_time(order.get("created_at")) or min(
            (t for t in (_lazada_time(item.get("created_at")) for item in items) if t), default=None)
        if at is None:
            log.warning("order_skipped", reason=f"unreadable order time {order.get('created_at')!r}")
            return []
        units: dict[tuple[str, str], int] = {}
        prices: dict[tuple[str, str], int | None] = {}
        for item in items:
            sku = str(item.get("sku") or "")
            if not sku:
                log.warning("order_item_skipped", order_item_id=item.get("order_item_id"), reason="no seller SKU")
                continue
            key = (sku, _line_status(item.get("status"), log))
            units[key] = units.get(key, 0) + 1
            prices.setdefault(key, _unit_price(item.get("item_price"), item.get("currency")))
        return [OrderLine(order_id, sku, quantity, status, at, prices[(sku, status)])
                for (sku, status), quantity in units.items()]

    def create(self, listing: Listing, intent_id: str) -> Remote:
        """One /product/create with every SKU. Lazada takes no idempotency key (`intent_id` goes unused): a lost
        answer is UnknownOutcome and a 5xx is not repeated; the executor settles both with `find`."""
        sale_props = _sale_props(listing)  # refuse what Lazada would refuse before any upload
        product = self._content(listing, sale_props)
        stock = listing.sku_stock()
        product["Skus"] = {
            "Sku": [
                self._sku(listing, sku, sale_props.get(sku), price=price, stock=stock[sku])
                for sku, price in listing.sku_prices().items()
            ]
        }
        data = self._request("POST", "/product/create", write=True, params={"payload": _request_json(product)},
                             retry=replace(self.transport.retry, transient=False))["data"]
        # CreateProduct answers data.item_id and sku_list[].sku_id (Numbers; its official sample writes them as
        # texts of digits): a success without a usable item_id is no answer.
        item_id = _lazada_id(data.get("item_id"))
        if item_id is None:
            raise UnknownOutcome("Lazada product/create answered success without a usable item_id; the product may "
                                 "exist")
        variant_ids = {str(entry.get("seller_sku")): sku_id for entry in data.get("sku_list") or []
                       if (sku_id := _lazada_id(entry.get("sku_id"))) is not None and entry.get("seller_sku")}
        return Remote(item_id, None if listing.variants else listing.seller_sku, variant_ids, active=True)

    def update_content(self, remote: Remote, listing: Listing) -> Remote:
        """Name, description, category, images, package and variants; SKUs are added next to an existing one
        (AssociatedSku) and removed afterwards, so the product never runs out of SKUs."""
        sale_props = _sale_props(listing)
        current, adding, removing = self._sku_changes(remote, listing)
        product = {"ItemId": remote.external_id, **self._content(listing, sale_props)}
        stock = listing.sku_stock()
        skus = []
        for sku, price in listing.sku_prices().items():
            if sku in current:
                skus.append({"SkuId": current[sku], **self._sku(listing, sku, sale_props.get(sku))})
            else:
                skus.append(self._sku(listing, sku, sale_props.get(sku), price=price, stock=stock[sku]))
        product["Skus"] = {"Sku": skus}
        if adding:
            product["AssociatedSku"] = next(iter(current.values()))
        self._request("POST", "/product/update", write=True, params={"payload": _request_json(product)},
                      confirmed_by_data=True)
        for start in range(0, len(removing), BATCH_MAX):
            entries = [f"SkuId_{remote.external_id}_{current[sku]}" for sku in removing[start : start + BATCH_MAX]]
            self._request("POST", "/product/remove", write=True, params={"sku_id_list": json.dumps(entries)})
        if adding:  # the new SKUs' ids come from a fresh read
            variant_ids = dict(_remote(self._item(remote.external_id)).variant_ids)
        else:
            variant_ids = {sku: current[sku] for sku in stock}
        return Remote(remote.external_id, None if listing.variants else listing.seller_sku, variant_ids, remote.active)

    def _sku_changes(self, remote: Remote, listing: Listing) -> tuple[dict[str, str], list[str], list[str]]:
        """The product's SKU ids by seller SKU (the only SKU of a product without variants renamed to the
        listing's), the seller SKUs to add and those to remove."""
        wanted = list(listing.sku_stock())
        if set(remote.variant_ids) == set(wanted):
            return dict(remote.variant_ids), [], []
        # The ledger may be behind the marketplace; and only Lazada's own answer tells whether the product has
        # variations (the ledger's Remote carries the listing's seller SKU either way).
        fresh = _remote(self._item(remote.external_id))
        current = dict(fresh.variant_ids)
        adding = [sku for sku in wanted if sku not in current]
        removing = [sku for sku in current if sku not in wanted]
        if not (adding or removing):
            return current, [], []
        if fresh.seller_sku is not None and not listing.variants:
            # A product without variants renames its only SKU (allowed since November 2023).
            return {listing.seller_sku: current[fresh.seller_sku]}, [], []
        if fresh.seller_sku is not None or not listing.variants:
            raise Invalid(
                "Lazada cannot switch a product between having variants and not having them "
                f"(has {sorted(current)}, wants {sorted(wanted)}): remove the listing in Seller Center to have it "
                "created again"
            )
        return current, adding, removing

    def update_prices(self, changes: Sequence[Change]) -> list[Outcome]:
        return self._set_skus([_changed(c, c.remote.prices) for c in changes], "/product/price_quantity/update",
                              "Price")

    def update_stock(self, changes: Sequence[Change]) -> list[Outcome]:
        return self._set_skus([_changed(c, c.remote.stock) for c in changes], "/product/stock/sellable/update",
                              "SellableQuantity")

    def set_active(self, remotes: Sequence[tuple[str, Remote]], active: bool) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for key, remote in remotes:
            try:
                if active:
                    self._activate(remote)
                else:
                    self._deactivate(remote)
            except AuthError:
                raise  # the whole channel is stopped, not this item
            except AdapterError as err:
                outcomes.append(Outcome(key, err))
                continue
            outcomes.append(Outcome(key))
        return outcomes

    def upload_image(self, image: Image) -> str:
        files = {"image": (image.filename, image.load())}
        data = self._request("POST", "/image/upload", write=True, files=files)["data"]
        return str(data["image"]["url"])  # Lazada-hosted: products take URLs, never image ids

    # -- listing content ---------------------------------------------------------------------------------------

    def _content(self, listing: Listing, sale_props: Mapping[str, dict[str, str]]) -> dict[str, Any]:
        """The product fields /product/create and /product/update share."""
        if len(listing.images) > MAX_IMAGES:
            raise Invalid(f"Lazada shows at most {MAX_IMAGES} images per product, the listing has "
                          f"{len(listing.images)}")
        attributes: dict[str, Any] = {
            **_attribute_values(listing),
            "name": listing.name,
            "description": listing.description,
            "brand": listing.brand if listing.brand in self.options.brand_ids else "No Brand",
        }
        if listing.brand in self.options.brand_ids:
            attributes["brand_id"] = str(self.options.brand_ids[listing.brand])
        product: dict[str, Any] = {
            "PrimaryCategory": str(listing.category_id),
            "Images": {"Image": [self.image_id(image) for image in listing.images]},
            "Attributes": attributes,
        }
        if sale_props:
            product["variation"] = _variation(listing.variants)
        return product

    def _sku(
        self, listing: Listing, seller_sku: str, sale_prop: dict[str, str] | None, *, price: int | None = None,
        stock: int | None = None,
    ) -> dict[str, Any]:
        """A Skus.Sku entry: package (kg, cm) and sale properties; with price and stock for a new SKU."""
        length, width, height = (
            (listing.length_cm, listing.width_cm, listing.height_cm)
            if listing.length_cm and listing.width_cm and listing.height_cm
            else self.options.package_cm
        )
        entry: dict[str, Any] = {
            "SellerSku": seller_sku,
            "package_weight": _kilograms(listing.weight_g),
            "package_length": str(length),
            "package_width": str(width),
            "package_height": str(height),
        }
        if sale_prop:
            entry["saleProp"] = sale_prop
        if price is not None:
            entry["price"] = str(price)
            entry["quantity"] = str(stock or 0)
        return entry

    # -- reads -------------------------------------------------------------------------------------------------

    def _item(self, item_id: str) -> dict[str, Any]:
        """GetProductItem: the product with all its SKUs."""
        return self._request("GET", "/product/item/get", write=False, params={"item_id": item_id})["data"]

    # -- price, stock, status ----------------------------------------------------------------------------------

    def _set_skus(self, changes: Sequence[Change], api: str, element: str) -> list[Outcome]:
        """One call per 50 SKUs of any products; an item fails if any of its SKUs failed."""
        problems: dict[str, list[str]] = {change.key: [] for change in changes}
        whole: dict[str, AdapterError] = {}
        rows: list[_SkuValue] = []
        for change in changes:
            for sku, value in change.values.items():
                sku_id = change.remote.variant_ids.get(sku)
                if sku_id is None:
                    problems[change.key].append(f"{sku}: no Lazada SkuId known for this SKU (variant not created yet?)")
                else:
                    rows.append(_SkuValue(change.key, change.remote.external_id, sku_id, sku, int(value)))
        for start in range(0, len(rows), BATCH_MAX):
            batch = rows[start : start + BATCH_MAX]
            try:
                answer = self._request("POST", api, write=True, params={"payload": _sku_xml(batch, element)},
                                       partial=True)
            except AuthError:
                raise  # the whole channel is stopped, not these items
            except AdapterError as err:
                whole.update(dict.fromkeys((row.key for row in batch), err))
                continue
            for failure in answer.get("detail") or []:
                sku = str(failure.get("seller_sku") or "")
                for row in batch:
                    if sku in (row.seller_sku, row.sku_id):
                        problems[row.key].append(f"{row.seller_sku}: {failure.get('message') or 'refused'}")
        outcomes = []
        for change in changes:
            if change.key in whole:
                outcomes.append(Outcome(change.key, whole[change.key]))
            elif problems[change.key]:
                outcomes.append(Outcome(change.key, _sku_failure(f"Lazada {api}: " + "; ".join(problems[change.key]))))
            else:
                outcomes.append(Outcome(change.key))
        return outcomes

    def _deactivate(self, remote: Remote) -> None:
        body = ElementTree.Element("Request")
        ElementTree.SubElement(ElementTree.SubElement(body, "Product"), "ItemId").text = remote.external_id
        try:
            self._request("POST", "/product/deactivate", write=True,
                          params={"apiRequestBody": ElementTree.tostring(body, encoding="unicode")})
        except Invalid as err:
            if err.code != _ALREADY_INACTIVE:  # "Product Status not online": already delisted, as wanted
                raise

    def _activate(self, remote: Remote) -> None:
        # The SKU ids are read afresh: a stale one would refuse the whole update.
        sku_ids = _remote(self._item(remote.external_id)).variant_ids.values()
        product = {"ItemId": remote.external_id, "Skus": {"Sku": [{"SkuId": i, "Status": "active"} for i in sku_ids]}}
        self._request("POST", "/product/update", write=True, params={"payload": _request_json(product)},
                      confirmed_by_data=True)

    # -- requests and tokens -----------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        api: str,
        *,
        write: bool,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        partial: bool = False,
        retry: RetryPolicy | None = None,
        confirmed_by_data: bool = False,
    ) -> dict[str, Any]:
        """A seller call, signed with the access token; refreshed once if Lazada says the token is invalid.
        `confirmed_by_data`: the call's documented answer carries `data` about the item (see `_parse`)."""

        def send(access_token: str) -> dict[str, Any]:
            return self._send(method, self._api_url, api, write=write, access_token=access_token, params=params,
                              files=files, partial=partial, retry=retry, confirmed_by_data=confirmed_by_data)

        return self.keeper.authorised(send, _token_refused)

    def _send(
        self,
        method: str,
        base: str,
        api: str,
        *,
        write: bool,
        access_token: str | None,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        partial: bool = False,
        retry: RetryPolicy | None = None,
        confirmed_by_data: bool = False,
    ) -> dict[str, Any]:
        """One signed call; `access_token=None` for the token API. Returns the parsed answer body."""
        business = {name: str(value) for name, value in (params or {}).items()}

        def system_params() -> dict[str, str]:
            system = {"app_key": self.credentials.app_key, "sign_method": "sha256",
                      "timestamp": str(int(time.time() * 1000))}
            if access_token is not None:
                system["access_token"] = access_token
            system["sign"] = sign(self.credentials.app_secret, api, {**system, **business})
            return system

        form = None
        if method == "POST":
            form = {**{name: (None, value) for name, value in business.items()}, **(files or {})}
        return self.transport.call(
            method,
            base + api,
            write=write,
            parse=functools.partial(_parse, where=f"Lazada {api}", partial=partial,
                                    confirmed_by_data=confirmed_by_data),
            sign=system_params,
            params=business if method == "GET" else None,
            files=form,
            retry=retry,
        )

    def exchange(self, refresh_token: str) -> dict[str, Any]:
        """Lazada's token call: the refresh token for a new pair, as the TokenStore keeps it."""
        # write=False: repeating a refresh whose answer was lost is safe.
        answer = self._send("POST", self._auth_url, REFRESH_API, write=False, access_token=None,
                            params={"refresh_token": refresh_token})
        return {
            "access_token": answer.get("access_token"),
            "refresh_token": answer.get("refresh_token"),
            "expires_at": time.time() + int(answer.get("expires_in") or ACCESS_TOKEN_TTL),
        }


# -- pure helpers --------------------------------------------------------------------------------------------


def _parse(response: requests.Response, *, where: str, partial: bool, confirmed_by_data: bool = False
           ) -> dict[str, Any]:
    """The answer body, or the failure it reports. With `partial`, a per-SKU failure answer (`501` with `detail`)
    is returned for the caller to read SKU by SKU.

    A success is `code` "0". Whether a bare `{"code": "0"}` confirms the write depends on what the call's documented
    answer carries (lazykern/ecommerce-api-docs data/raw/lazada/apis/product-api/, each page's
    `examples[].responseCode`): UpdateSellableQuantity (updatesellablequantity.json), UpdatePriceQuantity
    (updatepricequantity.json), RemoveSku (removesku.json) and DeactivateProduct (deactivateproduct.json) answer
    `"data": {}`, so nothing more is there to check and a bare success is a success; UpdateProduct
    (updateproduct.json) answers `data` with the product's `item_status` (and its variations), so with
    `confirmed_by_data` a success without any `data` about the product is not a confirmation: an unknown outcome,
    not recorded and sent again at the next sync."""
    body = json_body(response)
    if body is None:
        # A load balancer's HTML page or a cut-off answer: nothing Lazada decided.
        raise status_error(response) or Transient(f"{where}: the answer is not JSON (HTTP {response.status_code})")
    if "code" not in body:
        # Every Lazada answer carries `code` ("0" for success): a body without one says nothing was done.
        raise status_error(response) or Transient(f"{where}: the answer is not Lazada's (no code, HTTP "
                                                  f"{response.status_code})")
    code = str(body["code"])
    if code != "0":
        if partial and code in _PER_SKU_CODES and body.get("detail"):
            return body
        raise classify(code, str(body.get("message") or ""), response.status_code, where, str(body.get("type") or ""))
    error = status_error(response)
    if error is not None:
        raise error
    if confirmed_by_data and not (isinstance(body.get("data"), dict) and body["data"]):
        raise UnknownOutcome(f"{where}: answered success without the product data its documented answer carries; "
                             "not recorded, sent again at the next sync")
    return body


def _token_refused(err: AuthError) -> bool:
    """Whether Lazada refused the access token itself (a refresh can help), not the signature or the app."""
    return err.code in _TOKEN_ERRORS


def _lazada_id(value: Any) -> str | None:
    """An item or SKU id from an answer: a positive number, or its digits as text (CreateProduct's official sample,
    lazykern/ecommerce-api-docs data/raw/lazada/apis/product-api/createproduct.json, writes them as texts); else
    None (null, a bool, a negative, a name)."""
    return answer_id(value, int, digits=True)


def _remote(product: Mapping[str, Any]) -> Remote:
    """A Remote from a GetProducts / GetProductItem product."""
    # SkuId is a Number (GetProducts): a SKU without one is no SKU to bind.
    skus = [sku for sku in product.get("skus") or [] if sku.get("SellerSku") and _lazada_id(sku.get("SkuId"))]
    variant_ids = {str(sku["SellerSku"]): str(sku["SkuId"]) for sku in skus}
    plain = len(skus) == 1 and not skus[0].get("saleProp") and not product.get("variation")
    active = str(product.get("status", "")).lower() == "active"
    return Remote(str(product["item_id"]), str(skus[0]["SellerSku"]) if plain else None, variant_ids, active)


def _listed(product: Mapping[str, Any]) -> Remote:
    """A Remote with each SKU's price and sellable stock, from a GetProducts product."""
    remote = _remote(product)
    prices: dict[str, int] = {}
    stock: dict[str, int] = {}
    for sku in product.get("skus") or []:
        seller_sku = str(sku.get("SellerSku") or "")
        if seller_sku not in remote.variant_ids:
            continue
        price = answer_amount(sku.get("price") or 0)
        if price is not None:  # an implausible price is not known, so no guard compares with it
            prices[seller_sku] = int(Decimal(str(sku.get("price") or 0)).to_integral_value(ROUND_HALF_UP))
        warehouses = sku.get("multiWarehouseInventories") or []
        figures = ([answer_amount(w.get("sellableQuantity") or 0) for w in warehouses] if warehouses
                   else [answer_amount(sku.get("quantity") or 0)])
        if None not in figures:
            stock[seller_sku] = sum(f for f in figures if f is not None)
    return replace(remote, prices=prices, stock=stock)


def _sale_props(listing: Listing) -> dict[str, dict[str, str]]:
    """Each variant's sale properties (option name -> value); none for a listing without variants."""
    if len(listing.variants) > MAX_VARIANTS:
        raise Invalid(f"Lazada takes at most {MAX_VARIANTS} SKUs per product, the listing has {len(listing.variants)}")
    names = list(dict.fromkeys(name for variant in listing.variants for name in variant.options))
    if listing.variants and not 1 <= len(names) <= MAX_SALE_PROPS:
        raise Invalid(f"Lazada variants need 1 or {MAX_SALE_PROPS} option names (e.g. Warna, Ukuran), "
                      f"got {names or 'none'}")
    props: dict[str, dict[str, str]] = {}
    seen: dict[tuple[str, ...], str] = {}
    for variant in listing.variants:
        if set(variant.options) != set(names):
            raise Invalid(f"variant {variant.seller_sku} has options {sorted(variant.options)}, expected {names}")
        combination = tuple(variant.options[name] for name in names)
        if combination in seen:
            raise Invalid(f"variants {seen[combination]} and {variant.seller_sku} have the same options {combination}")
        seen[combination] = variant.seller_sku
        props[variant.seller_sku] = {name: variant.options[name] for name in names}
    return props


def _variation(variants: Sequence[ListingVariant]) -> dict[str, dict[str, Any]]:
    """Custom variations (Lazada's `variation` block): option names in first-seen order with their values."""
    values: dict[str, list[str]] = {}
    for variant in variants:
        for name, value in variant.options.items():
            options = values.setdefault(name, [])
            if value not in options:
                options.append(value)
    return {
        f"Variation{n}": {"name": name, "customize": True, "hasImage": False, "options": options}
        for n, (name, options) in enumerate(values.items(), start=1)
    }


_OWN_ATTRIBUTES = frozenset({"name", "description", "brand", "brand_id"})
# input_type (getcategoryattributes.json): singleSelect / multiSelect take only options; enumInput / multiEnumInput
# take an option or a custom value ("supports custom value"); text, richText, numeric, date take a value.
_CLOSED_INPUTS = frozenset({"singleSelect", "multiSelect"})
_MULTIPLE_INPUTS = frozenset({"multiSelect", "multiEnumInput"})
_VALUE_INPUTS = {"numeric": AttributeInput.NUMBER, "date": AttributeInput.DATE}


def _unit_price(value: Any, currency: Any) -> int | None:
    """GetOrderItems' item_price ("Product price", a decimal string such as "99.00": getorderitems.json) in whole
    rupiah. item_price rather than paid_price: each entry is one unit, and item_price is the price the shop sold it
    at, while paid_price is what the buyer paid after vouchers (voucher_platform is paid by Lazada, not the shop).
    A price in another currency (the entry's ISO 4217 `currency`; the official sample's is SGD) is not rupiah: None."""
    if currency not in (None, "") and str(currency).strip().upper() != "IDR":
        return None
    try:
        price = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None
    if not price.is_finite() or price < 0:
        return None
    return int(price.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _attribute_values(listing: Listing) -> dict[str, str]:
    """The listing's product-level attributes as CreateProduct's Attributes take them: keyed by the attribute's
    (English) name, several values of one multiSelect / multiEnumInput attribute separated by commas (the ease-mode
    API reference guide, data/processed/lazada/guides/api-best-practice/lazada-marketplace-ease-mode-mp-api-
    reference.md, input_type). A date goes as the sync writes it (YYYY-MM-DD): the pages show no date value."""
    values: dict[str, list[str]] = {}
    for attribute in listing.attributes:
        given = values.setdefault(attribute.name, [])
        if attribute.value not in given:
            given.append(attribute.value)
    return {name: ",".join(given) for name, given in values.items()}


def _as_nodes(value: Any) -> list[Mapping[str, Any]]:
    return [node for node in value if isinstance(node, Mapping)] if isinstance(value, list) else []


def _truthy(value: Any) -> bool:
    """Lazada's flags come as booleans, 0/1 or "0"/"1" (the samples differ)."""
    return str(value).strip().lower() in ("1", "true")


def _category_attribute(raw: Mapping[str, Any]) -> CategoryAttribute:
    input_type = str(raw.get("input_type") or "text")
    # An option is written as its en_name ("if you need to fill in the enumeration when creating a product please use
    # the value of this field": the get-category-attributes guide); name may be in the request's language.
    options = tuple(AttributeOption(str(option.get("id") if option.get("id") not in (None, "") else spelled),
                                    spelled)
                    for option in _as_nodes(raw.get("options"))
                    if (spelled := str(option.get("en_name") or option.get("name") or "").strip()))
    return CategoryAttribute(
        id=str(raw["name"]),  # CreateProduct's Attributes are keyed by this name, not by the numeric id
        name=str(raw["name"]),
        mandatory=_truthy(raw.get("is_mandatory")),
        options=options,
        custom=input_type not in _CLOSED_INPUTS,
        input=_VALUE_INPUTS.get(input_type, AttributeInput.TEXT),
        multiple=input_type in _MULTIPLE_INPUTS,
    )


def _lazada_time(text: Any) -> datetime | None:
    """Lazada's order times as UTC, in either documented form: GetOrders' ISO 8601 with offset
    (2018-02-09T22:44:30+08:00) or GetOrderItems' 2014-10-15 19:12:15 +0800. None for anything else, a time
    without an offset included (its zone is unknown)."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            moment = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S %z")
        except ValueError:
            return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def _line_status(status: Any, log: Any) -> str:
    """An order item's status as OrderLine has it; an undocumented status counts as placed (a sale), and is logged."""
    known = _ITEM_STATUS.get(str(status or "").lower())
    if known is None:
        log.warning("order_status_unknown", status=status, counted_as=PLACED)
        return PLACED
    return known


def _request_json(product: Mapping[str, Any]) -> str:
    return json.dumps({"Request": {"Product": product}}, ensure_ascii=False, separators=(",", ":"))


def _sku_xml(rows: Sequence[_SkuValue], element: str) -> str:
    """The XML payload of UpdatePriceQuantity / UpdateSellableQuantity, as Lazada documents it."""
    request = ElementTree.Element("Request")
    skus = ElementTree.SubElement(ElementTree.SubElement(request, "Product"), "Skus")
    for row in rows:
        sku = ElementTree.SubElement(skus, "Sku")
        for tag, value in (("ItemId", row.item_id), ("SkuId", row.sku_id), ("SellerSku", row.seller_sku),
                           (element, row.value)):
            ElementTree.SubElement(sku, tag).text = str(value)
    return ElementTree.tostring(request, encoding="unicode")


def _kilograms(grams: int) -> str:
    """Lazada takes package weights in kg with at most two decimals (at least 0.01)."""
    kilograms = (Decimal(grams) / 1000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(max(kilograms, Decimal("0.01")))


def _changed(change: Change, shown: Mapping[str, int]) -> Change:
    """The change without the SKUs already showing their new value (`shown`: what the channel acknowledged).

    UpdatePriceQuantity and UpdateSellableQuantity take a list of `Skus.Sku` entries, each naming one SKU by
    ItemId + SkuId, up to 50 per request (lazykern/ecommerce-api-docs data/raw/lazada/apis/product-api/
    updatepricequantity.json and updatesellablequantity.json, error 4171); nothing there asks for a product's other
    SKUs, so a SKU whose value did not change is left out. A SKU whose acknowledged value is unknown is sent."""
    return replace(change, values={sku: value for sku, value in change.values.items() if shown.get(sku) != value})


def _sku_failure(message: str) -> AdapterError:
    return NotFound(message) if "not exist" in message.lower() else Invalid(message)


def _ban_seconds(message: str) -> float:
    """ApiCallLimit says how long the ban lasts ("this ban will last 1 seconds")."""
    match = re.search(r"last (\d+) seconds?", message)
    return float(match.group(1)) if match else 1.0
