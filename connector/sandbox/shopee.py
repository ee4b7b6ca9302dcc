"""The Shopee Open Platform v2 dialect of the sandbox (``/api/v2/...``).

Sources: the endpoint pages of Shopee's v2 API reference as mirrored in congminh1254/shopee-sdk
``schemas/`` (request/response fields, error names and messages, "common_error_list"), and clients
seen in the wild (``invalid_acceess_token`` with its typo is what Shopee really answers and what every
client retries on; production answers unknown partners with ``invalid_partner_id``).

HTTP status (Shopee documents none; this is the sandbox's decision, consistent everywhere):
- 403 when the gateway refuses the call before any API runs (missing/invalid common parameters,
  expired timestamp, wrong sign, unknown partner, bad or expired access token, shop mismatch) and for
  auth failures of the token API, in line with reports of 403 answers to sign and token errors.
- 200 for everything an API itself answers, business errors included (``error`` set in the body):
  a client must parse the body, never trust the status alone.
- 404 for an unknown path (body ``error_param`` "Permission denied. This API is currently offline or the request
  path is incorrect.", as every page's common_error_list gives it), 429 for throttling (body ``error_rate_limit``
  too, so both signals agree), 500/502/503 for injected failures.

Error codes come bare (``error_param``) and module-prefixed where the pages show them so: ``product.error_param``
(``v2.product.update_stock.json`` error_example), ``error.param`` (its error_list, reserved stock),
``order.order_list_invalid_time`` (``v2.order.get_order_list.json`` error_example) and ``common.error_auth``
(``v2.order.get_order_detail.json``'s response_params sample for "Invalid access_token.").

Orders (``v2.order.get_order_detail.json``): the fields "Return by default" always; ``item_list`` and ``pay_time``
only when ``response_optional_fields`` names them (the other optional fields are buyer, address, payment and
logistics data the sandbox does not keep, so they never come). Each item carries ``model_original_price`` and
``model_discounted_price`` (equal: the sandbox has no discounts), the SKU's price when the order is read, and the
item-level quantities added 2026-05-22 (``active_qty``, ``cancel_requested_qty``, ``cancelled_qty``,
``return_requested_qty``, ``returned_qty``). A returned order stays ``TO_RETURN`` (the data definitions: "The buyer
requested to return the order and order's return is processing"; what the order status becomes after the return is
not documented) and its ``returned_qty`` says the units came back. An unknown order_sn fails the call with
``error_not_found`` "Wrong parameters, detail: the order is not found." (the page's error_example).

Reserved (promotion) stock: ``POST /_sandbox/reserved_stock`` ``{"dialect": "shopee", "seller_sku", "reserved"}``
reserves units of a listing or model as a promotion does; update_stock below them is refused with ``error_auth``
"Total stock must be more than reserved stock." (``v2.product.update_stock.json`` error_list; its request
params: stock "should be larger than or equal to real-time reserved stock").

Categories (Indonesia): product/get_category serves the tree below (``CATEGORY_TREE``: every leaf of
mappings/channels/shopee.yaml with its parents), product/get_attribute_tree each leaf's attributes with their
mandatory flags and values, product/get_brand_list the brands a leaf lists, logistics/get_channel_list the shop's
channels and whether each is enabled. add_item / update_item refuse, as v2.product.add_item.json's error_list
names them: a category that is not a leaf of the tree, unknown or hidden (``error_invalid_category`` "Invalid
category ID {id}"), a brand id the leaf does not list (``error_invalid_brand`` "Invalid brand"), an enabled
logistic channel the shop does not have enabled (``error_invalid_logistic_info``), an attribute of another category
(``error_invalid_category_attribute``), a bad value (``error_value_name_required``, ``error_value_id_must_equal_zero``,
``error_param`` "Invalid attribute. ..."), and a mandatory attribute left out (``error_less_required_attribute``;
attribute_list: "This field is optional(expect Indonesia) ... Must contain all mandatory attribute"). update_item
checks the attributes only when it sends them. ``hide_category`` (the ``/_sandbox/categories/hide`` hook) takes a
category and everything under it out of the tree. Not documented, so left out: which message each logistics
refusal carries (the page gives "invalid logistic info , {{.error_info}}"), and the real ids and names of the
parents, attributes, values, brands and channels (the pages give placeholders; these are the sandbox's own).

Limits for an Indonesian shop (Shopee serves per-category values through ``get_item_limit``; these are
the sandbox's fixed choices): item_name 1-255 characters (the Indonesian Seller Centre counter; the
API's sample limit is 100 and a third-party validator uses 120), description 1-3000, 1-9 images, price
100-150,000,000 whole rupiah, stock 0-10,000,000, item_sku and model_sku at most 100 characters, at
most 2 tiers and 50 models, batches of at most 50 (update_stock/update_price models, unlist_item
items, get_item_base_info ids, add_model models), pages of at most 100.

Variants: init_tier_variation sets the tier structure or changes its level (no tier <-> one <-> two);
at the same level update_tier_variation edits the option lists and add_model / delete_model the
models. Both take ``standardise_tier_variation`` (the form to upload since 2025-09-12) and the deprecated
``tier_variation``; answers and get_model_list give ``tier_variation``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from connector.sandbox.dialect import (
    Planted,
    Request,
    Response,
    Settings,
    inspected,
    multipart_parts,
    planted_images,
)
from connector.sandbox.store import Item, Model, Order, Store

PARTNER_ID = 100001
PARTNER_KEY = "sandbox-shopee-key"
SHOP_ID = 200001
ACCESS_TOKEN = "sandbox-shopee-token"
REFRESH_TOKEN = "sandbox-shopee-refresh"

ACCESS_TOKEN_TTL = 4 * 3600
REFRESH_TOKEN_TTL = 30 * 24 * 3600
TIMESTAMP_MAX_AGE = 5 * 60
TIMESTAMP_MAX_AHEAD = 60  # clock skew tolerated for timestamps from the future

ITEM_NAME_MAX = 255
DESCRIPTION_MAX = 3000
IMAGES_MAX = 9
PRICE_MIN = 100
PRICE_MAX = 150_000_000
STOCK_MAX = 10_000_000
SKU_MAX = 100
TIERS_MAX = 2
TIER_NAME_MAX = 14
TIER_OPTION_MAX = 20
MODELS_MAX = 50
BATCH_MAX = 50
PAGE_MAX = 100
IMAGE_BYTES_MAX = 10 * 1024 * 1024
UINT32_MAX = 4_294_967_295
ORDER_WINDOW = 15 * 86400  # get_order_list's longest time range

FIRST_ITEM_ID = 800_000_001
FIRST_MODEL_ID = 900_000_001

_STATUS_TO_SHOPEE = {"active": "NORMAL", "inactive": "UNLIST", "deleted": "SELLER_DELETE"}
_STATUS_FROM_SHOPEE = {shopee: ours for ours, shopee in _STATUS_TO_SHOPEE.items()}
_LISTED = ("active", "inactive")
_AUTH_ERRORS = frozenset({"error_auth", "error_sign", "invalid_acceess_token", "invalid_partner_id"})
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def shopee_sign(
    partner_key: str,
    partner_id: int | str,
    path: str,
    timestamp: int | str,
    access_token: str = "",
    shop_id: int | str = "",
) -> str:
    """Shopee's request signature: lowercase hex HMAC-SHA256 over the plain concatenation.

    Shop calls sign partner_id + path + timestamp + access_token + shop_id; public calls leave the
    last two empty.
    """
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


class ShopeeError(Exception):
    """A Shopee error answer: ``error`` code, ``message``, and maybe a partial ``response``."""

    def __init__(
        self, error: str, message: str, *, status: int | None = None, response: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message
        self.status = status if status is not None else (403 if error in _AUTH_ERRORS else 200)
        self.response = response


def _gateway_refusal(error: str, message: str) -> ShopeeError:
    return ShopeeError(error, message, status=403)


def _param_error(detail: str) -> ShopeeError:
    return ShopeeError("error_param", f"Wrong parameters, detail: {detail}.")


def _constraint_error(detail: str) -> ShopeeError:
    return ShopeeError("error_param", f"Parameter is not match the constraints, {detail}.")


# What add_item answers when a mandatory field (mandatory in Indonesia) is missing.
_REQUIRED_ON_CREATE: dict[str, Callable[[], ShopeeError]] = {
    "item_name": lambda: ShopeeError("error_item_name_empty", "Item name could not be empty."),
    "description": lambda: ShopeeError("error_desc_length_min_limit", "Description length is less than the min limit."),
    "original_price": lambda: _param_error("original_price is required"),
    "seller_stock": lambda: _param_error("seller_stock is required"),
    "weight": lambda: ShopeeError("error_param", "Invalid Weight."),
    "category_id": lambda: _param_error("category_id is required"),
    "image": lambda: ShopeeError("error_image_num_min", "Item image count is less than min limit 1."),
    "brand": lambda: ShopeeError("error_less_required_brand", "Brand information required"),
    "logistic_info": lambda: ShopeeError(
        "error_invalid_logistic_info", "invalid logistic info , logistic_info is required"
    ),
    "attribute_list": lambda: ShopeeError("error_less_required_attribute", "Mandatory attribute information required"),
}


# --- the Indonesian shop's category tree, attributes, brands and logistics channels -------------------------------
# Shapes: v2.product.get_category.json (category_id, parent_category_id, original_category_name,
# display_category_name, has_children), v2.product.get_attribute_tree.json (attribute_tree entries with
# attribute_id, mandatory, name, attribute_value_list, attribute_info.input_type / input_validation_type /
# date_format_type), v2.product.get_brand_list.json and v2.logistics.get_channel_list.json (all in
# congminh1254/shopee-sdk schemas/). The leaf ids are those of mappings/channels/shopee.yaml; the parent ids, the
# attribute, value, brand and channel ids and every name are the sandbox's own (the pages give only placeholders).

# category id -> (parent id or 0, English name, Indonesian name)
CATEGORY_TREE: Mapping[int, tuple[int, str, str]] = MappingProxyType({
    100600: (0, "Home & Living", "Perlengkapan Rumah"),
    101165: (100600, "Other Decor", "Dekorasi Lainnya"),
    101260: (100600, "Jewellery Organisers", "Organizer Perhiasan"),
    101156: (100600, "Photo Frames & Wall Decor", "Bingkai Foto & Pajangan Dinding"),
    101254: (100600, "Storage Boxes & Baskets", "Kotak & Keranjang Penyimpanan"),
    101169: (100600, "Tables", "Meja"),
    101243: (100600, "Plates", "Piring"),
    100601: (0, "Food & Beverages", "Makanan & Minuman"),
    100788: (100601, "Chips & Crackers", "Keripik & Kerupuk"),
    100824: (100601, "Coffee", "Kopi"),
    100856: (100601, "Bread", "Roti"),
    100834: (100601, "Traditional & Herbal Drinks", "Minuman Tradisional & Herbal"),
    100819: (100601, "Honey", "Madu"),
    100602: (0, "Fashion", "Fashion"),
    100603: (100602, "Bags & Wallets", "Tas & Dompet"),
    100095: (100603, "Women's Sling Bags", "Tas Selempang Wanita"),
    100613: (100603, "Men's Wallets", "Dompet Pria"),
    100604: (100602, "Shoes & Sandals", "Sepatu & Sandal"),
    100067: (100604, "Oxford Shoes", "Sepatu Oxford"),
    100260: (100604, "Men's Sandals", "Sandal Pria"),
    100605: (100602, "Clothes & Fabric", "Pakaian & Kain"),
    100416: (100605, "Other Fabric", "Kain Lainnya"),
    100251: (100605, "Men's Traditional Tops", "Atasan Tradisional Pria"),
})

# get_attribute_tree's attribute_info.input_type and input_validation_type codes (v2.product.get_attribute_tree.json).
SINGLE_DROP_DOWN, SINGLE_COMBO_BOX, FREE_TEXT_FILED, MULTI_DROP_DOWN, MULTI_COMBO_BOX = 1, 2, 3, 4, 5
VALIDATOR_NO_VALIDATE, VALIDATOR_INT, VALIDATOR_STRING, VALIDATOR_FLOAT, VALIDATOR_DATE = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class _Attribute:
    attribute_id: int
    name: str
    input_type: int
    validation: int = VALIDATOR_STRING
    values: tuple[tuple[int, str], ...] = ()


ATTR_MATERIAL = _Attribute(100134, "Bahan", SINGLE_COMBO_BOX, values=(
    (1001, "Kulit"), (1002, "Kulit Sintetis"), (1003, "Katun"), (1004, "Kain Tenun"), (1005, "Batik"),
    (1006, "Kayu"), (1007, "Rotan"), (1008, "Bambu"), (1009, "Kerang"), (1010, "Lainnya")))
ATTR_ORIGIN = _Attribute(100037, "Negara Asal", SINGLE_DROP_DOWN, values=((2001, "Indonesia"), (2002, "Lainnya")))
ATTR_EXPIRY = _Attribute(100999, "Tanggal Kedaluwarsa", FREE_TEXT_FILED, VALIDATOR_DATE)
ATTR_PERMIT = _Attribute(101000, "No. Izin Edar (PIRT/BPOM)", FREE_TEXT_FILED)

_CRAFT = ((ATTR_ORIGIN, True), (ATTR_MATERIAL, False))
_FOOD = ((ATTR_ORIGIN, True), (ATTR_EXPIRY, False), (ATTR_PERMIT, False))
_WEAR = ((ATTR_ORIGIN, True), (ATTR_MATERIAL, True))  # leather and textile leaves: the material is mandatory
LEAF_ATTRIBUTES: Mapping[int, tuple[tuple[_Attribute, bool], ...]] = MappingProxyType({
    **dict.fromkeys((101165, 101260, 101156, 101254, 101169, 101243), _CRAFT),
    **dict.fromkeys((100788, 100824, 100856, 100834, 100819), _FOOD),
    **dict.fromkeys((100416, 100095, 100613, 100067, 100260, 100251), _WEAR),
})

# Brands a leaf lists (get_brand_list, status 1); no leaf makes a brand mandatory (is_mandatory false), so
# brand_id 0 "No Brand" is accepted everywhere (add_item: original_brand_name "No Brand if not brand").
BRANDS: Mapping[int, str] = MappingProxyType({3000001: "Karya Nusantara", 3000002: "Warisan Lapas"})
_BRANDED_LEAVES = frozenset({100095, 100613, 100067, 100260, 100416, 100251, 100824})

# The shop's logistics channels: id -> (name, enabled on shop level).
LOGISTICS_CHANNELS: Mapping[int, tuple[str, bool]] = MappingProxyType({
    8003: ("Reguler (Cashless)", True),
    8005: ("Hemat", True),
    8001: ("Kargo", False),
})


@dataclass(frozen=True)
class _Call:
    """An authenticated call (to the one sandbox shop): the request and its parsed JSON body."""

    request: Request
    body: dict[str, Any]


@dataclass(frozen=True)
class _Endpoint:
    """An API: its handler returns the answer and whether it committed a listing write."""

    method: str
    handler: Callable[[_Call], tuple[dict[str, Any], bool]]
    public: bool = False  # signed without access_token / shop_id
    write: bool = False  # changes listings: counts as a write, may be hit by a timeout fault
    top_level: bool = False  # the token API answers its fields beside "error", not under "response"


@dataclass(frozen=True)
class ShopeeSettings:
    """This dialect's own knobs (``SandboxServer(shopee_token_ttl=...)``)."""

    token_ttl: int = ACCESS_TOKEN_TTL  # seconds an access token issued by a refresh lives
    # How the gateway refuses an unknown or expired access token: one of _TOKEN_REFUSALS. Every page's
    # common_error_list has both `invalid_acceess_token` and `error_auth` "Invalid access_token."; which one a live
    # gateway sends for an expired token is not documented, so a test picks.
    token_refusal: str = "invalid_acceess_token"

    def __post_init__(self) -> None:
        if self.token_refusal not in _TOKEN_REFUSALS:
            raise ValueError(f"token_refusal must be one of {sorted(_TOKEN_REFUSALS)}, got {self.token_refusal!r}")


# The gateway's answers to an access token that is not (or no longer) valid, by error code (common_error_list of
# every page; the prefixed form from v2.order.get_order_detail.json's response_params sample).
_TOKEN_REFUSALS = {
    "invalid_acceess_token": "Invalid access_token, please have a check.",
    "error_auth": "Invalid access_token.",
    "common.error_auth": "Invalid access_token.",
}


class ShopeeDialect:
    """Shopee Open Platform v2 over HTTP, backed by the shared sandbox store."""

    name: ClassVar[str] = "shopee"
    prefixes: ClassVar[tuple[str, ...]] = ("/api/v2/",)
    default_credentials: ClassVar[Mapping[str, str]] = MappingProxyType({
        "partner_id": str(PARTNER_ID), "partner_key": PARTNER_KEY, "shop_id": str(SHOP_ID),
        "access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN,
    })
    settings_type: ClassVar[type[ShopeeSettings]] = ShopeeSettings

    @staticmethod
    def order_id(number: int) -> str:
        """Shopee's order_sn is text: date, letters, a serial."""
        return f"261129SBX{number:06d}"

    def __init__(self, store: Store, settings: Settings, own: ShopeeSettings | None = None) -> None:
        self._store = store
        self._clock = settings.clock
        own = own or ShopeeSettings()
        self._token_ttl = own.token_ttl
        self._token_refusal = own.token_refusal
        product = "/api/v2/product/"
        self._endpoints: dict[str, _Endpoint] = {
            "/api/v2/auth/access_token/get": _Endpoint("POST", self._refresh_token, public=True, top_level=True),
            "/api/v2/media_space/upload_image": _Endpoint("POST", self._upload_image, public=True, write=True),
            product + "add_item": _Endpoint("POST", self._add_item, write=True),
            product + "update_item": _Endpoint("POST", self._update_item, write=True),
            product + "init_tier_variation": _Endpoint("POST", self._init_tier_variation, write=True),
            product + "update_tier_variation": _Endpoint("POST", self._update_tier_variation, write=True),
            product + "add_model": _Endpoint("POST", self._add_model, write=True),
            product + "delete_model": _Endpoint("POST", self._delete_model, write=True),
            product + "update_stock": _Endpoint("POST", self._update_stock, write=True),
            product + "update_price": _Endpoint("POST", self._update_price, write=True),
            product + "unlist_item": _Endpoint("POST", self._unlist_item, write=True),
            product + "delete_item": _Endpoint("POST", self._delete_item, write=True),
            product + "search_item": _Endpoint("GET", self._search_item),
            product + "get_item_list": _Endpoint("GET", self._get_item_list),
            product + "get_item_base_info": _Endpoint("GET", self._get_item_base_info),
            product + "get_model_list": _Endpoint("GET", self._get_model_list),
            "/api/v2/order/get_order_list": _Endpoint("GET", self._get_order_list),
            "/api/v2/order/get_order_detail": _Endpoint("GET", self._get_order_detail),
            product + "get_category": _Endpoint("GET", self._get_category),
            product + "get_attribute_tree": _Endpoint("GET", self._get_attribute_tree),
            product + "get_brand_list": _Endpoint("GET", self._get_brand_list),
            "/api/v2/logistics/get_channel_list": _Endpoint("GET", self._get_channel_list),
        }
        self._hidden: set[int] = set()

    # --- the Dialect protocol --------------------------------------------------------------------

    def seed(self) -> None:
        # The default access token never expires, so a sandbox started long ago still answers;
        # tokens issued by a refresh expire like real ones.
        self._store.put_token(self.name, "access", ACCESS_TOKEN, str(SHOP_ID), None, replace=False)
        self._store.put_token(self.name, "refresh", REFRESH_TOKEN, str(SHOP_ID), None, replace=False)

    def is_write(self, request: Request) -> bool:
        endpoint = self._endpoints.get(request.path)
        return endpoint is not None and endpoint.write and endpoint.method == request.method

    def handle(self, request: Request) -> Response:
        endpoint = self._endpoints.get(request.path)
        if endpoint is None or endpoint.method != request.method:
            # Shopee answers a wrong path with error_param (common_error_list), not error_not_found, which the
            # order pages use for an order that does not exist.
            return _envelope(
                ShopeeError(
                    "error_param",
                    "Permission denied. This API is currently offline or the request path is incorrect.",
                    status=404,
                )
            )
        try:
            call = self._authenticate(request, endpoint)
            if endpoint.write:
                with self._store.transaction():
                    payload, committed = endpoint.handler(call)
            else:
                payload, committed = endpoint.handler(call)
        except ShopeeError as error:
            return _envelope(error)
        return _envelope(None, payload, top_level=endpoint.top_level, committed=committed)

    def failure(self, roll: float) -> Response:
        # Mostly Shopee's own busy answer; sometimes the load balancer's HTML page, as a real gateway does.
        if roll < 0.6:
            return _envelope(
                ShopeeError(
                    "error_system_busy",
                    "Our system is taking some time to respond, please try later.",
                    status=500,
                )
            )
        status, reason = (502, "Bad Gateway") if roll < 0.8 else (503, "Service Temporarily Unavailable")
        page = (
            f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )
        return Response(status, page.encode(), content_type="text/html")

    def throttled(self) -> Response:
        return _envelope(
            ShopeeError(
                "error_rate_limit",
                "Too many requests. You have reached the rate limit. Please try again later.",
                status=429,
            )
        )

    def inspect(self) -> list[dict[str, Any]]:
        items, _ = self._store.query_items(self.name, statuses=_LISTED)
        models = self._models([item.item_id for item in items])
        return [inspected(item, models.get(item.item_id, [])) for item in items]

    def buyer_listing(self, item_id: int) -> dict[str, Any] | None:
        """An item a buyer sees: a NORMAL one (an unlisted item's page is gone for buyers)."""
        item = self._store.get_item(self.name, item_id)
        if item is None or item.status != "active":
            return None
        return inspected(item, self._models([item_id]).get(item_id, []))

    def plant(self, listings: list[Planted]) -> list[int]:
        """Items as Seller Centre makes them: item_sku, and for variants one tier per option name."""
        ids = []
        for planted in listings:
            now = int(self._clock())
            item_id = self._store.next_id(self.name, "item", FIRST_ITEM_ID)
            images = planted_images(self._store, self.name, item_id, planted.images, clock=self._clock)
            extra = {"condition": "NEW", "brand": {"brand_id": 0, "original_brand_name": "No Brand"},
                     "logistic_info": [{"logistic_id": 8003, "enabled": True}]}
            item = Item(self.name, item_id, planted.seller_sku, planted.name, planted.description, planted.price,
                        planted.stock, planted.status, planted.category_id, 500, images, now, now, [], extra)
            if planted.variants:
                tiers = planted.tiers()
                item.extra["tier_variation"] = [{"name": name, "option_list": [{"option": o} for o in options]}
                                                for name, options in tiers]
                self._save_new([
                    Model(self.name, item_id, 0, v.seller_sku, v.price, v.stock,
                          {"tier_index": [options.index(v.options[name]) for name, options in tiers]})
                    for v in planted.variants])
            self._store.save_item(item)
            ids.append(item_id)
        return ids

    # --- gateway: signature, timestamp, token ----------------------------------------------------

    def _authenticate(self, request: Request, endpoint: _Endpoint) -> _Call:
        partner_id = _partner_id(request)
        timestamp = self._timestamp(request)
        sign = request.param("sign")
        if sign is None:
            raise _gateway_refusal("error_param", "There is no sign in query.")
        access_token = request.param("access_token")
        shop_id = request.param("shop_id")

        def signed(*extra: str) -> bool:
            expected = shopee_sign(PARTNER_KEY, partner_id, request.path, timestamp, *extra)
            return hmac.compare_digest(expected, sign.lower())

        if endpoint.public and signed():
            return _Call(request, _json_body(request, endpoint))
        # A public API is also accepted when signed like a shop call (clients that sign every call
        # the same way); the token is then checked like any shop call's.
        if access_token is None:
            if endpoint.public:
                raise _gateway_refusal("error_sign", "Wrong sign.")
            raise _gateway_refusal("error_param", "There is no access_token in query.")
        if shop_id is None:
            raise _gateway_refusal("error_param", "There is no shop_id in query.")
        if not _is_uint32(shop_id):
            raise _gateway_refusal("error_param", "shop_id is invalid, should be an integer between 0 and 4294967295.")
        if not signed(access_token, shop_id):
            raise _gateway_refusal("error_sign", "Wrong sign.")
        token = self._store.get_token(self.name, "access", access_token)
        if token is None or (token.expires_at is not None and token.expires_at <= self._clock()):
            raise _gateway_refusal(self._token_refusal, _TOKEN_REFUSALS[self._token_refusal])
        if token.subject != str(int(shop_id)):
            raise _gateway_refusal("error_auth", "Invalid partner_id or shopid.")
        return _Call(request, _json_body(request, endpoint))

    def _timestamp(self, request: Request) -> str:
        timestamp = request.param("timestamp")
        if timestamp is None:
            raise _gateway_refusal("error_param", "no timestamp.")
        if not _is_uint32(timestamp):
            raise _gateway_refusal(
                "error_param", "Timestamp is invalid, should be an integer between 0 and 4294967295."
            )
        age = self._clock() - int(timestamp)
        if age > TIMESTAMP_MAX_AGE or -age > TIMESTAMP_MAX_AHEAD:
            raise _gateway_refusal("error_param", "Timestamp is expired.")
        return timestamp

    # --- auth ------------------------------------------------------------------------------------

    def _refresh_token(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Single-use refresh: the used refresh token dies, the old access token lives to its expiry.

        Shopee's docs say refresh tokens are single-use; whether the previous access token dies at once
        is not documented, so it keeps its own expiry here (the lenient reading).

        Refusals (v2.public.refresh_access_token.json): an unknown or spent token is its error_example, ``error_auth``
        "Invalid refresh_token."; an expired one ``refresh_token_expired``; one issued to another shop
        ``error_shop_refresh_token``, both from its error_list.
        """
        body = call.body
        refresh_token = body.get("refresh_token")
        if not isinstance(refresh_token, str) or not refresh_token:
            raise _param_error("refresh_token is required")
        if body.get("partner_id") != PARTNER_ID:
            raise _param_error("partner_id in the body must be the partner_id of the query")
        shop_id = body.get("shop_id")
        if not isinstance(shop_id, int) or isinstance(shop_id, bool):
            raise _param_error("shop_id is required")
        now = self._clock()
        with self._store.transaction():
            token = self._store.get_token(self.name, "refresh", refresh_token)
            if token is None or token.used:
                raise ShopeeError("error_auth", "Invalid refresh_token.")
            if token.expires_at is not None and token.expires_at <= now:
                raise ShopeeError("refresh_token_expired", "Your refresh_token expired.", status=403)
            if token.subject != str(shop_id):
                raise ShopeeError("error_shop_refresh_token",
                                  "Your refresh token is error ,please check refresh token or shopid.", status=403)
            self._store.mark_token_used(self.name, "refresh", refresh_token)
            access, refresh = secrets.token_hex(16), secrets.token_hex(16)
            self._store.put_token(self.name, "access", access, str(shop_id), now + self._token_ttl, replace=True)
            self._store.put_token(self.name, "refresh", refresh, str(shop_id), now + REFRESH_TOKEN_TTL, replace=True)
        answer = {
            "access_token": access,
            "refresh_token": refresh,
            "expire_in": self._token_ttl,
            "partner_id": PARTNER_ID,
            "shop_id": shop_id,
        }
        return answer, False

    # --- media -----------------------------------------------------------------------------------

    def _upload_image(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Every upload gets a new image id, even for bytes uploaded before (as Shopee does).

        The rules: "image files. Max 10.0 MB each. Image format accepted: JPG, JPEG, PNG. image number should be less
        than 9" (congminh1254/shopee-sdk schemas/v2.media_space.upload_image.json, request param `image`); the format
        is told by the bytes' magic number, whatever the file name says. The page's error_list gives no text for a
        refused format or size, only the generic error_param "Wrong parameters, detail: {msg}": these details are
        the sandbox's own."""
        images = _multipart_files(call.request, "image")
        if not images:
            raise _param_error("image is required")
        if len(images) > IMAGES_MAX:
            raise _constraint_error(f"image number should be less than {IMAGES_MAX + 1}")
        now = int(self._clock())
        infos = []
        for data in images:
            if len(data) > IMAGE_BYTES_MAX:
                raise ShopeeError("error_param", "Image size exceeds the limit of 10.0 MB.")
            if not (data.startswith(_JPEG_MAGIC) or data.startswith(_PNG_MAGIC)):
                raise ShopeeError("error_param", "Invalid image format. Image format accepted: JPG, JPEG, PNG.")
            digest = hashlib.sha256(data).hexdigest()
            number = self._store.next_id(self.name, "image", 1)
            image_id = f"id-11134207-sbx{number:07d}{digest[:12]}"
            self._store.add_image(self.name, image_id, digest, len(data), now)
            infos.append(
                {
                    "image_id": image_id,
                    "image_url_list": [{"image_url_region": "ID", "image_url": _image_url(image_id)}],
                }
            )
        listed = [{"id": index, "error": "", "message": "", "image_info": info} for index, info in enumerate(infos)]
        return {"image_info": infos[0], "image_info_list": listed}, True

    # --- product writes --------------------------------------------------------------------------

    def _add_item(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Create an item. No duplicate check by item_sku: Shopee has none, hence lookup-before-create."""
        fields = self._item_fields(call.body, creating=True)
        self._check_listing(fields["category_id"], fields, fields["attribute_list"])
        now = int(self._clock())
        item = Item(
            dialect=self.name,
            item_id=self._store.next_id(self.name, "item", FIRST_ITEM_ID),
            seller_sku=fields.get("item_sku"),
            name=fields["item_name"],
            description=fields["description"],
            price=fields["original_price"],
            stock=fields["seller_stock"],
            status=fields.get("item_status", "active"),
            category_id=fields["category_id"],
            weight_grams=fields["weight"],
            images=fields["image"],
            attributes=fields["attribute_list"],
            extra={key: fields[key] for key in ("brand", "logistic_info", "condition", "dimension") if key in fields},
            created_at=now,
            updated_at=now,
        )
        item.extra.setdefault("condition", "NEW")
        self._store.save_item(item)
        answer = self._item_echo(item)
        answer["price_info"] = {"original_price": item.price, "current_price": item.price}
        answer["seller_stock"] = [{"stock": item.stock}]
        return answer, True

    def _update_item(self, call: _Call) -> tuple[dict[str, Any], bool]:
        item = self._live_item(call.body.get("item_id"))
        fields = self._item_fields(call.body, creating=False)
        # Attributes are checked when sent (the adapter leaves them out to keep what the seller set).
        self._check_listing(fields.get("category_id", item.category_id), fields, fields.get("attribute_list"))
        for key, attribute in (
            ("item_name", "name"),
            ("description", "description"),
            ("item_sku", "seller_sku"),
            ("item_status", "status"),
            ("category_id", "category_id"),
            ("weight", "weight_grams"),
            ("image", "images"),
            ("attribute_list", "attributes"),
        ):
            if key in fields:
                setattr(item, attribute, fields[key])
        for key in ("brand", "logistic_info", "condition", "dimension"):
            if key in fields:
                item.extra[key] = fields[key]
        item.updated_at = int(self._clock())
        self._store.save_item(item)
        return self._item_echo(item), True

    def _init_tier_variation(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Set the item's tier structure, or change its level: no tier <-> one <-> two option lists.

        Shopee's page: "Supported changes include: no tier <-> one/two tiers, one tier <-> two/no tier" (the way
        back to no tier since 2024-06), and "The level of tier-variation not change." when the level stays: such
        edits go through update_tier_variation, add_model and delete_model. A new structure replaces every model
        (new model ids). To no tier: ``tier_variation`` [] and one ``model`` with ``tier_index`` [] whose price
        and stock become the item's.
        """
        body = call.body
        item = self._live_item(body.get("item_id"))
        tiers = _tiers_in(body, init=True)
        if len(tiers) == len(item.extra.get("tier_variation", [])):
            raise ShopeeError("error_param", "The level of tier-variation not change.")
        models = self._model_entries(
            item, body.get("model"), tiers, [], "model",
            ShopeeError("error_model_tier_index_bound", "Invalid item iter_index."),
        )
        self._retire(self._models([item.item_id]).get(item.item_id, []))
        if tiers:
            self._save_new(models)
            item.extra["tier_variation"] = tiers
            self._summarise(item, models)
        else:
            # The duplicate tier_index check leaves exactly one entry: the plain item's price and stock.
            [plain] = models
            item.price, item.stock = plain.price, plain.stock
            item.extra.pop("tier_variation", None)
            models = []
        item.updated_at = int(self._clock())
        self._store.save_item(item)
        return {"item_id": item.item_id, "tier_variation": tiers, "model": [_model_echo(m) for m in models]}, True

    def _add_model(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Add models to an item with tiers; each points at existing options (update_tier_variation adds
        options first). At most 50 models in all, model_sku unique within the item."""
        body = call.body
        item = self._live_item(body.get("item_id"))
        tiers = self._tiers_of(item)
        raw_models = body.get("model_list")
        if isinstance(raw_models, list) and len(raw_models) > BATCH_MAX:
            raise _constraint_error(f"model_list length should be between 1 and {BATCH_MAX}")
        existing = self._models([item.item_id]).get(item.item_id, [])
        models = self._model_entries(
            item, raw_models, tiers, existing, "model_list", ShopeeError("error_param", "Model tier_index error.")
        )
        self._save_new(models)
        self._summarise(item, existing + models)
        item.updated_at = int(self._clock())
        self._store.save_item(item)
        return {"model": [_model_echo(model) for model in models]}, True

    def _delete_model(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Delete one model; its option stays in the tier lists (update_tier_variation drops options).

        The last model is refused: Shopee documents no answer for it outside promotions (where it says "Item
        cannot be without model"), so the sandbox takes the strict reading, in the words Shopee uses when
        update_tier_variation would delete every model. An item leaves its tiers through init_tier_variation.
        """
        body = call.body
        item = self._live_item(body.get("item_id"))
        model_id = body.get("model_id")
        if not _is_int(model_id):
            raise _param_error("model_id is required")
        models = self._models([item.item_id]).get(item.item_id, [])
        doomed = [model for model in models if model.model_id == model_id]
        if not doomed:
            raise ShopeeError("error_model_invalid_model_id", "Invalid model_id.")
        if len(models) == 1:
            raise ShopeeError("error_busi_cannot_delete_all_model", "Cannot delete all models by this api.")
        self._retire(doomed)
        self._summarise(item, [model for model in models if model.model_id != model_id])
        item.updated_at = int(self._clock())
        self._store.save_item(item)
        return {}, True

    def _update_tier_variation(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Rename, reorder, add or drop options and rename tiers, at the same level.

        ``model_list`` gives every model that stays its new tier_index; a model it leaves out is deleted, but
        never all of them. Without ``model_list`` every model keeps its tier_index. Either way the new option
        lists must cover the models: each tier_index left must point at an option. An option without a model is
        allowed (the documented way to add one: update_tier_variation, then add_model).
        """
        body = call.body
        item = self._live_item(body.get("item_id"))
        current = self._tiers_of(item)
        tiers = _tiers_in(body, init=False)
        if len(tiers) != len(current):
            raise ShopeeError("error_tier_var_level_not_same", "Item tier-variation level not same")
        models = {model.model_id: model for model in self._models([item.item_id]).get(item.item_id, [])}
        entries = body.get("model_list")
        if entries is None:
            placed = {model_id: model.options["tier_index"] for model_id, model in models.items()}
        else:
            placed = _placements(entries, models)
        indexes: set[tuple[int, ...]] = set()
        for index in placed.values():
            if not _valid_tier_index(index, tiers):
                raise ShopeeError("error_tier_index", "The tier_index is not exist")
            if tuple(index) in indexes:
                raise ShopeeError("error_model_duplicate_tier_variation_index", "Item have duplicate tier_index.")
            indexes.add(tuple(index))
        for model_id, index in placed.items():
            models[model_id].options["tier_index"] = list(index)
            self._store.save_model(models[model_id])
        self._retire([model for model_id, model in models.items() if model_id not in placed])
        item.extra["tier_variation"] = tiers
        self._summarise(item, [models[model_id] for model_id in placed])
        item.updated_at = int(self._clock())
        self._store.save_item(item)
        return {}, True

    def _update_stock(self, call: _Call) -> tuple[dict[str, Any], bool]:
        if call.body.get("item_id") is None:
            # v2.product.update_stock.json, error_example (the double space is Shopee's).
            raise ShopeeError("product.error_param", "invalid field ItemId: value must  Not Null")
        self._refuse_below_reserved(call.body)
        return self._update_models(
            call.body,
            list_key="stock_list",
            read=lambda entry: _seller_stock(entry.get("seller_stock")),
            field="stock",
            echo="stock",
            all_failed=ShopeeError(
                "error_busi_update_stock_failed",
                "Update stock failed, please check failure_list for detailed reason",
            ),
        )

    def _refuse_below_reserved(self, body: dict[str, Any]) -> None:
        """update_stock's reserved-stock refusal (v2.product.update_stock.json: seller_stock "should be larger than
        or equal to real-time reserved stock"; error_list ``error_auth`` "Total stock must be more than reserved
        stock."). The whole call is refused, as the error_list entry is a call's error. Malformed entries are left
        for ``_update_models`` to report."""
        item = self._store.get_item(self.name, body["item_id"]) if _is_int(body.get("item_id")) else None
        entries = body.get("stock_list")
        if item is None or not isinstance(entries, list):
            return
        models = {model.model_id: model for model in self._models([item.item_id]).get(item.item_id, [])}
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            model_id = entry.get("model_id", 0)
            held = models[model_id].options if model_id in models else item.extra if not models else {}
            try:
                stock = _seller_stock(entry.get("seller_stock"))
            except ShopeeError:
                continue
            if stock < int(held.get("reserved_stock") or 0):
                # An API answer, not the gateway's: HTTP 200 like every business error.
                raise ShopeeError("error_auth", "Total stock must be more than reserved stock.", status=200)

    def reserve_stock(self, seller_sku: str, reserved: int) -> None:
        """``POST /_sandbox/reserved_stock``: hold `reserved` units of the listing or model with this seller SKU
        for a promotion (0 lifts it). Raises LookupError when no live listing sells the SKU."""
        items, _ = self._store.query_items(self.name, statuses=_LISTED)
        models = self._models([item.item_id for item in items])
        for item in items:
            for model in models.get(item.item_id, []):
                if model.seller_sku == seller_sku:
                    model.options["reserved_stock"] = reserved
                    self._store.save_model(model)
                    return
            if item.seller_sku == seller_sku and item.item_id not in models:
                item.extra["reserved_stock"] = reserved
                self._store.save_item(item)
                return
        raise LookupError(f"no {self.name} listing sells {seller_sku}")

    def _update_price(self, call: _Call) -> tuple[dict[str, Any], bool]:
        return self._update_models(
            call.body,
            list_key="price_list",
            read=lambda entry: _price(entry.get("original_price")),
            field="price",
            echo="original_price",
            all_failed=ShopeeError("error_busi_update_price_failed", "Update original_price failed, please try later."),
        )

    def _update_models(
        self,
        body: dict[str, Any],
        *,
        list_key: str,
        read: Callable[[dict[str, Any]], int],
        field: str,
        echo: str,
        all_failed: ShopeeError,
    ) -> tuple[dict[str, Any], bool]:
        """update_stock / update_price: one item per call, up to 50 models, partial success."""
        item_id = _single_item_id(body, list_key)
        entries = body.get(list_key)
        if not isinstance(entries, list) or not 1 <= len(entries) <= BATCH_MAX:
            raise _constraint_error(f"{list_key} length should be between 1 and {BATCH_MAX}")
        requested: list[tuple[int, dict[str, Any]]] = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise _param_error(f"every {list_key} entry must be an object")
            if "item_id" in entry and entry["item_id"] != item_id:
                raise _param_error(f"{list_key} must only hold models of item_id {item_id}; update one item per call")
            model_id = entry.get("model_id", 0)
            if not _is_int(model_id):
                raise _param_error("model_id must be an int64")
            if any(model_id == seen for seen, _ in requested):
                raise ShopeeError("error_param", "Repeat model_id.")
            requested.append((model_id, entry))
        item = self._live_item(item_id)
        models = {model.model_id: model for model in self._models([item.item_id]).get(item_id, [])}
        successes: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        for model_id, entry in requested:
            try:
                value = read(entry)
            except ShopeeError as error:
                failures.append({"model_id": model_id, "failed_reason": error.message})
                continue
            if not models and model_id == 0:
                setattr(item, field, value)
            elif models and model_id == 0:
                reason = f"Can't to edit item {field} directly while item has models."
                failures.append({"model_id": 0, "failed_reason": reason})
                continue
            elif model_id in models:
                setattr(models[model_id], field, value)
                self._store.save_model(models[model_id])
            else:
                failures.append({"model_id": model_id, "failed_reason": "Wrong model_id."})
                continue
            successes.append({"model_id": model_id, echo: value})
        answer = {"failure_list": failures, "success_list": successes}
        if not successes:
            raise ShopeeError(all_failed.error, all_failed.message, response=answer)
        if models:
            self._summarise(item, list(models.values()))
        item.updated_at = int(self._clock())
        self._store.save_item(item)
        return answer, True

    def _unlist_item(self, call: _Call) -> tuple[dict[str, Any], bool]:
        entries = call.body.get("item_list")
        if not isinstance(entries, list) or not 1 <= len(entries) <= BATCH_MAX:
            raise _constraint_error(f"item_list length should be between 1 and {BATCH_MAX}")
        successes: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        now = int(self._clock())
        for entry in entries:
            if not isinstance(entry, dict) or not _is_int(entry.get("item_id")):
                raise _param_error("every item_list entry needs an int64 item_id")
            unlist = entry.get("unlist")
            if not isinstance(unlist, bool):
                raise _param_error("unlist must be true or false")
            item = self._store.get_item(self.name, entry["item_id"])
            if item is None or item.status == "deleted":
                failures.append({"item_id": entry["item_id"], "failed_reason": "Item_id is not found."})
                continue
            item.status = "inactive" if unlist else "active"
            item.updated_at = now
            self._store.save_item(item)
            successes.append({"item_id": item.item_id, "unlist": unlist})
        answer = {"failure_list": failures, "success_list": successes}
        if not successes:
            raise ShopeeError("error_unlist_item_all_failed", "Unlist item all failed.", response=answer)
        return answer, True

    def _delete_item(self, call: _Call) -> tuple[dict[str, Any], bool]:
        item = self._live_item(call.body.get("item_id"))
        item.status = "deleted"
        item.updated_at = int(self._clock())
        self._store.save_item(item)
        return {}, True

    # --- product reads ---------------------------------------------------------------------------

    def _search_item(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Find items by exact item_sku (or name substring); the offset is an opaque string cursor."""
        request = call.request
        page_size = _page_size(request.param("page_size"))
        offset = _offset(request.param("offset") or "0")
        item_sku = request.param("item_sku")
        item_name = request.param("item_name")
        attribute_status = request.param("attribute_status")
        if item_sku is None and item_name is None and attribute_status is None:
            raise ShopeeError("error_param", "request must set one of [item_name,attribute_status]")
        statuses = _statuses(request.query.get("item_status"))
        if item_sku is None and item_name is None:
            # Every sandbox item carries the attributes it was created with: none lacks any.
            return {"item_id_list": [], "total_count": 0, "next_offset": ""}, False
        items, total = self._store.query_items(
            self.name,
            statuses=_LISTED if statuses is None else statuses,
            seller_sku=item_sku,
            name_contains=None if item_sku is not None else item_name,
            offset=offset,
            limit=page_size,
        )
        following = offset + len(items)
        answer = {
            "item_id_list": [item.item_id for item in items],
            "total_count": total,
            "next_offset": str(following) if following < total else "",
        }
        return answer, False

    def _get_item_list(self, call: _Call) -> tuple[dict[str, Any], bool]:
        request = call.request
        page_size = _page_size(request.param("page_size"))
        offset = _offset(request.param("offset") or "0")
        statuses = _statuses(request.query.get("item_status"))
        if statuses is None:
            raise _param_error("item_status is required")
        items, total = self._store.query_items(
            self.name,
            statuses=statuses,
            updated_from=_optional_uint(request.param("update_time_from"), "update_time_from"),
            updated_to=_optional_uint(request.param("update_time_to"), "update_time_to"),
            offset=offset,
            limit=page_size,
        )
        following = offset + len(items)
        answer = {
            "item": [
                {
                    "item_id": item.item_id,
                    "item_status": _STATUS_TO_SHOPEE[item.status],
                    "update_time": item.updated_at,
                }
                for item in items
            ],
            "total_count": total,
            "has_next_page": following < total,
            "next_offset": following,
        }
        return answer, False

    def _get_item_base_info(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Unknown ids are left out of item_list; deleted items are reported with SELLER_DELETE."""
        ids = _id_list(call.request.query.get("item_id_list"))
        found = [item for item in (self._store.get_item(self.name, item_id) for item_id in ids) if item is not None]
        models = self._models([item.item_id for item in found])
        return {"item_list": [self._base_info(item, bool(models.get(item.item_id))) for item in found]}, False

    def _get_model_list(self, call: _Call) -> tuple[dict[str, Any], bool]:
        raw_id = call.request.param("item_id")
        if raw_id is None or not _is_uint(raw_id):
            raise _param_error("item_id is required")
        item = self._store.get_item(self.name, int(raw_id))
        if item is None or item.status == "deleted":
            raise ShopeeError("error_item_not_found", "Item_id is not found.")
        models = self._models([item.item_id]).get(item.item_id, [])
        answer = {
            "tier_variation": item.extra.get("tier_variation", []),
            "model": [
                {
                    "model_id": model.model_id,
                    "tier_index": model.options.get("tier_index", []),
                    "model_sku": model.seller_sku or "",
                    "model_status": "MODEL_NORMAL",
                    "price_info": [_price_info(model.price)],
                    "stock_info_v2": _stock_info(model.stock),
                }
                for model in models
            ],
        }
        return answer, False

    def _get_order_list(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Orders by update_time from time_from, paged by cursor (an offset, as text)."""
        request = call.request
        if request.param("time_range_field") not in ("create_time", "update_time"):
            raise _param_error("time_range_field must be create_time or update_time")
        time_from = _optional_uint(request.param("time_from"), "time_from")
        time_to = _optional_uint(request.param("time_to"), "time_to")
        if time_from is None or time_to is None:
            raise _param_error("time_from and time_to are required")
        if time_from > time_to or time_to - time_from > ORDER_WINDOW:
            # v2.order.get_order_list.json, error_example: "The maximum date range ... is 15 days."
            raise ShopeeError("order.order_list_invalid_time", "Start time must be earlier than end time and diff in "
                                                               "15days.")
        page_size = _page_size(request.param("page_size"))
        offset = _offset(request.param("cursor") or "0")
        orders = [o for o in self._store.orders(self.name, updated_from=time_from) if o.updated_at <= time_to]
        page = orders[offset : offset + page_size]
        more = offset + len(page) < len(orders)
        return {"more": more, "next_cursor": str(offset + len(page)) if more else "",
                "order_list": [{"order_sn": o.order_id} for o in page]}, False

    def _get_order_detail(self, call: _Call) -> tuple[dict[str, Any], bool]:
        """Orders by order_sn (1 to 50). Only the fields "Return by default" unless response_optional_fields names
        more; an unknown order_sn fails the call (the page's error_example)."""
        wanted = [sn for sn in (call.request.param("order_sn_list") or "").split(",") if sn]
        if not wanted or len(wanted) > 50:
            raise _param_error("order_sn_list needs 1 to 50 order_sn")
        orders = self._store.orders(self.name, order_ids=wanted)
        if len(orders) < len(set(wanted)):
            raise ShopeeError("error_not_found", "Wrong parameters, detail: the order is not found.")
        optional = {name.strip() for name in (call.request.param("response_optional_fields") or "").split(",")}
        prices = self._prices() if "item_list" in optional else {}
        return {"order_list": [_order_detail(order, optional, prices.get(order.seller_sku)) for order in orders]}, False

    def _prices(self) -> dict[str, int]:
        """Seller SKU -> the price its listing or model shows (the store keeps no price per order, so an order
        reports the SKU's price at the time it is read; the sandbox has no discounts)."""
        items, _ = self._store.query_items(self.name, statuses=_LISTED, limit=None)
        prices = {item.seller_sku: item.price for item in items if item.seller_sku}
        for models in self._models([item.item_id for item in items]).values():
            prices.update({model.seller_sku: model.price for model in models if model.seller_sku})
        return prices

    # --- categories, attributes, brands, logistics ---------------------------------------------------

    def hide_category(self, category_id: str) -> bool:
        """Take a category (and everything under it) out of the shop's tree: get_category leaves it out and
        add_item / update_item refuse it as an unknown category. True if the id was in the tree."""
        if not str(category_id).isdigit() or int(category_id) not in CATEGORY_TREE:
            return False
        self._hidden.add(int(category_id))
        return True

    def _visible(self, category_id: int) -> bool:
        while category_id:
            if category_id in self._hidden or category_id not in CATEGORY_TREE:
                return False
            category_id = CATEGORY_TREE[category_id][0]
        return True

    def _leaf(self, category_id: int) -> int:
        """The category of an item, if it is a visible leaf (add_item: error_invalid_category "Invalid category ID
        {{.error_info}}"; LIVE-CONTRACTS: the category must be a leaf of the shop's tree)."""
        if not self._visible(category_id) or category_id not in LEAF_ATTRIBUTES:
            raise ShopeeError("error_invalid_category", f"Invalid category ID {category_id}")
        return category_id

    @staticmethod
    def _language(call: _Call) -> str:
        # get_category / get_attribute_tree: ID supports en and id (error_invalid_language "Invalid language.").
        language = call.request.param("language") or "en"
        if language not in ("en", "id"):
            raise ShopeeError("error_invalid_language", "Invalid language.")
        return language

    def _get_category(self, call: _Call) -> tuple[dict[str, Any], bool]:
        language = self._language(call)
        parents = {parent for parent, _, _ in CATEGORY_TREE.values()}
        listed = [
            {"category_id": category_id, "parent_category_id": parent, "original_category_name": english,
             "display_category_name": indonesian if language == "id" else english,
             "has_children": category_id in parents}
            for category_id, (parent, english, indonesian) in CATEGORY_TREE.items() if self._visible(category_id)
        ]
        return {"category_list": listed}, False

    def _get_attribute_tree(self, call: _Call) -> tuple[dict[str, Any], bool]:
        self._language(call)
        ids: list[int] = []
        for value in call.request.query.get("category_id_list") or []:
            for part in value.strip("[]").replace(" ", ",").split(","):
                if part and not _is_uint(part):
                    raise _param_error(f"category_id_list holds {part!r}")
                ids += [int(part)] if part else []
        if not 1 <= len(ids) <= 20:  # request params: "max count is 20"
            raise _param_error("category_id_list needs 1 to 20 category ids")
        return {"list": [{"category_id": category_id, "attribute_tree": [
            _attribute_entry(attribute, mandatory) for attribute, mandatory in LEAF_ATTRIBUTES[self._leaf(category_id)]
        ]} for category_id in ids]}, False

    def _get_brand_list(self, call: _Call) -> tuple[dict[str, Any], bool]:
        request = call.request
        offset = _offset(request.param("offset") or "")
        page_size = _page_size(request.param("page_size"))
        if request.param("status") not in ("1", "2"):
            raise ShopeeError("error_param", "status is required.")
        raw = request.param("category_id") or ""
        category_id = self._leaf(int(raw)) if _is_uint(raw) else self._leaf(0)
        brands = sorted(BRANDS.items()) if category_id in _BRANDED_LEAVES and request.param("status") == "1" else []
        page = brands[offset:offset + page_size]
        following = offset + len(page)
        return {"brand_list": [{"brand_id": brand_id, "original_brand_name": name, "display_brand_name": name}
                               for brand_id, name in page],
                "has_next_page": following < len(brands), "next_offset": following,
                "is_mandatory": False, "input_type": "DROP_DOWN"}, False

    def _get_channel_list(self, call: _Call) -> tuple[dict[str, Any], bool]:
        return {"logistics_channel_list": [
            {"logistics_channel_id": channel_id, "logistics_channel_name": name, "cod_enabled": False,
             "enabled": enabled, "fee_type": "SIZE_INPUT", "mask_channel_id": 0}
            for channel_id, (name, enabled) in LOGISTICS_CHANNELS.items()
        ]}, False

    def _check_listing(self, category_id: int, fields: dict[str, Any], attributes: list[Any] | None) -> None:
        """The category-dependent rules of add_item / update_item (v2.product.add_item.json error_list)."""
        leaf = self._leaf(category_id)
        brand = fields.get("brand")
        if brand is not None and brand["brand_id"] != 0 and (
                leaf not in _BRANDED_LEAVES or brand["brand_id"] not in BRANDS):
            raise ShopeeError("error_invalid_brand", "Invalid brand")
        for channel in fields.get("logistic_info") or []:
            known = LOGISTICS_CHANNELS.get(channel["logistic_id"])
            if channel["enabled"] and (known is None or not known[1]):
                raise ShopeeError("error_invalid_logistic_info", f"invalid logistic info , logistic_id "
                                  f"{channel['logistic_id']} is not a channel enabled in this shop")
        if attributes is not None:
            _check_attributes(LEAF_ATTRIBUTES[leaf], attributes)

    # --- helpers ---------------------------------------------------------------------------------

    def _live_item(self, raw_id: Any) -> Item:
        if not _is_int(raw_id):
            raise _param_error("item_id must be an int64")
        item = self._store.get_item(self.name, raw_id)
        if item is None or item.status == "deleted":
            raise ShopeeError("error_item_not_found", "Item_id is not found.")
        return item

    def _models(self, item_ids: list[int]) -> dict[int, list[Model]]:
        """The live models of each item: deleted ones keep their row (their ids are never reused) with a mark."""
        return {
            item_id: live
            for item_id, models in self._store.models(self.name, item_ids).items()
            if (live := [model for model in models if not model.options.get("deleted")])
        }

    def _retire(self, models: list[Model]) -> None:
        for model in models:
            model.options["deleted"] = True
            self._store.save_model(model)

    def _save_new(self, models: list[Model]) -> None:
        for model in models:
            model.model_id = self._store.next_id(self.name, "model", FIRST_MODEL_ID)
            self._store.save_model(model)

    @staticmethod
    def _tiers_of(item: Item) -> list[dict[str, Any]]:
        tiers: list[dict[str, Any]] = item.extra.get("tier_variation", [])
        if not tiers:
            raise ShopeeError(
                "error_param",
                "Item without tier_variation. Please use init_tier_variation api to upgrade the structure.",
            )
        return tiers

    def _model_entries(
        self,
        item: Item,
        raw_models: Any,
        tiers: list[dict[str, Any]],
        existing: list[Model],
        list_key: str,
        bad_index: ShopeeError,
    ) -> list[Model]:
        """New models (not yet saved, no id) from init_tier_variation's ``model`` or add_model's ``model_list``,
        checked against the tiers and the item's ``existing`` models."""
        if not isinstance(raw_models, list) or not raw_models:
            raise _param_error(f"{list_key} is required")
        if len(existing) + len(raw_models) > MODELS_MAX:
            raise ShopeeError(
                "error_model_count_over_limit",
                f"The count of model is too large. Should be under {MODELS_MAX}.",
            )
        indexes = {tuple(model.options["tier_index"]) for model in existing}
        skus = {model.seller_sku for model in existing if model.seller_sku}
        models: list[Model] = []
        for raw in raw_models:
            if not isinstance(raw, dict):
                raise _param_error(f"every {list_key} entry must be an object")
            index = raw.get("tier_index")
            if not _valid_tier_index(index, tiers):
                raise bad_index
            if tuple(index) in indexes:
                raise ShopeeError("error_model_duplicate_tier_variation_index", "Item have duplicate tier_index.")
            indexes.add(tuple(index))
            sku = _optional_sku(raw.get("model_sku"), "model_sku")
            if sku is not None:
                if sku in skus:
                    raise _constraint_error(f"model_sku {sku} is used by more than one model of the item")
                skus.add(sku)
            models.append(
                Model(
                    dialect=self.name,
                    item_id=item.item_id,
                    model_id=0,
                    seller_sku=sku,
                    price=_price(raw.get("original_price")),
                    stock=_seller_stock(raw.get("seller_stock")),
                    options={"tier_index": index},
                )
            )
        return models

    def _item_fields(self, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        """Validate the item fields present in an add_item / update_item body, in Shopee's order."""
        parsers: list[tuple[str, Callable[[Any], Any]]] = [
            ("item_name", _item_name),
            ("description", _description),
            ("original_price", _price),
            ("seller_stock", _seller_stock),
            ("weight", _weight),
            ("category_id", _category),
            ("image", self._images),
            ("brand", _brand),
            ("logistic_info", _logistics),
            ("attribute_list", _attributes),
            ("item_sku", lambda value: _optional_sku(value, "item_sku")),
            ("item_status", _item_status),
            ("condition", _condition),
            ("dimension", _dimension),
        ]
        fields: dict[str, Any] = {}
        for name, parse in parsers:
            # Price and stock change through update_price / update_stock only.
            if not creating and name in ("original_price", "seller_stock"):
                continue
            if body.get(name) is not None:
                fields[name] = parse(body[name])
            elif creating and name in _REQUIRED_ON_CREATE:
                raise _REQUIRED_ON_CREATE[name]()
        return fields

    def _images(self, value: Any) -> list[str]:
        ids = value.get("image_id_list") if isinstance(value, dict) else None
        if not isinstance(ids, list) or not ids:
            raise ShopeeError("error_image_num_min", "Item image count is less than min limit 1.")
        if len(ids) > IMAGES_MAX:
            raise _constraint_error(f"image_id_list length should be at most {IMAGES_MAX}")
        if not all(isinstance(image_id, str) for image_id in ids):
            raise _param_error("image_id_list must hold strings")
        if self._store.known_images(self.name, ids) != set(ids):
            raise ShopeeError("error_param", "Image not exist.")
        return list(ids)

    def _item_echo(self, item: Item) -> dict[str, Any]:
        """The item as add_item / update_item echo it back."""
        return {
            "item_id": item.item_id,
            "item_name": item.name,
            "description": item.description,
            "item_sku": item.seller_sku or "",
            "item_status": _STATUS_TO_SHOPEE[item.status],
            "category_id": item.category_id,
            "weight": _kilograms(item.weight_grams),
            "images": {"image_id_list": item.images, "image_url_list": [_image_url(i) for i in item.images]},
            "attribute": item.attributes,
            "brand": item.extra.get("brand"),
            "logistic_info": item.extra.get("logistic_info", []),
            "condition": item.extra.get("condition", "NEW"),
            "dimension": item.extra.get("dimension"),
        }

    def _base_info(self, item: Item, has_model: bool) -> dict[str, Any]:
        info: dict[str, Any] = {
            "item_id": item.item_id,
            "category_id": item.category_id,
            "item_name": item.name,
            "description": item.description,
            "description_type": "normal",
            "item_sku": item.seller_sku or "",
            "create_time": item.created_at,
            "update_time": item.updated_at,
            "attribute_list": item.attributes,
            "image": {"image_id_list": item.images, "image_url_list": [_image_url(i) for i in item.images]},
            # Shopee reports the weight as a string of kilograms here.
            "weight": _kilogram_text(item.weight_grams),
            "logistic_info": item.extra.get("logistic_info", []),
            "condition": item.extra.get("condition", "NEW"),
            "item_status": _STATUS_TO_SHOPEE[item.status],
            "has_model": has_model,
            "brand": item.extra.get("brand"),
            "item_dangerous": 0,
        }
        if "dimension" in item.extra:
            info["dimension"] = item.extra["dimension"]
        # As documented: an item with models has no item-level price (nor stock); ask get_model_list.
        if not has_model:
            info["price_info"] = [_price_info(item.price)]
            info["stock_info_v2"] = _stock_info(item.stock)
        return info

    @staticmethod
    def _summarise(item: Item, models: list[Model]) -> None:
        item.price = min(model.price for model in models)
        item.stock = sum(model.stock for model in models)


_ORDER_STATUS = {"placed": "READY_TO_SHIP", "cancelled": "CANCELLED", "returned": "TO_RETURN"}
DAYS_TO_SHIP = 2


def _order_detail(order: Order, optional: set[str], price: int | None = None) -> dict[str, Any]:
    """One get_order_detail entry (v2.order.get_order_detail.json): the default fields, and the optional ones asked
    for that the sandbox knows."""
    detail: dict[str, Any] = {
        "order_sn": order.order_id, "region": "ID", "currency": "IDR", "cod": False,
        "order_status": _ORDER_STATUS[order.status], "message_to_seller": "",
        "create_time": order.created_at, "update_time": order.updated_at,
        "days_to_ship": DAYS_TO_SHIP, "ship_by_date": order.created_at + DAYS_TO_SHIP * 86400,
    }
    if "pay_time" in optional:
        detail["pay_time"] = order.created_at
    if "item_list" in optional:
        done = {"placed": "active_qty", "cancelled": "cancelled_qty", "returned": "returned_qty"}[order.status]
        quantities = {"active_qty": 0, "cancel_requested_qty": 0, "cancelled_qty": 0, "return_requested_qty": 0,
                      "returned_qty": 0, done: order.quantity}
        # model_original_price / model_discounted_price: the unit price before and after the item's discount
        # (the same without a discount), in the listing currency.
        prices = {} if price is None else {"model_original_price": price, "model_discounted_price": price}
        detail["item_list"] = [{"item_sku": order.seller_sku, "model_sku": order.seller_sku,
                                "model_quantity_purchased": order.quantity, **prices, **quantities}]
    return detail


def _attribute_entry(attribute: _Attribute, mandatory: bool) -> dict[str, Any]:
    """One attribute_tree entry (v2.product.get_attribute_tree.json)."""
    info: dict[str, Any] = {"input_type": attribute.input_type, "input_validation_type": attribute.validation,
                            "format_type": 1, "max_value_count": 1, "is_oem": False, "support_search_value": False}
    if attribute.validation == VALIDATOR_DATE:
        info["date_format_type"] = 0  # YEAR_MONTH_DATE (DD/MM/YYYY)
    return {"attribute_id": attribute.attribute_id, "mandatory": mandatory, "name": attribute.name,
            "attribute_value_list": [{"value_id": value_id, "name": name, "value_unit": "",
                                      "child_attribute_list": [], "multi_lang": []}
                                     for value_id, name in attribute.values],
            "attribute_info": info, "multi_lang": []}


def _check_attributes(  # noqa: C901
    declared: tuple[tuple[_Attribute, bool], ...], attributes: list[Any]
) -> None:
    """attribute_list against the leaf's attribute tree (v2.product.add_item.json): an attribute of another category
    is error_invalid_category_attribute; value_id 0 needs original_value_name (error_value_name_required) and is
    refused where only listed values are taken; a free-text attribute takes value_id 0 only
    (error_value_id_must_equal_zero); a date is a timestamp string ("If AttributeType is DATE_TYPE ... upload
    timestamp(string type) as the original_value_name"); a mandatory attribute left out is
    error_less_required_attribute ("Indonesia ... Must contain all mandatory attribute")."""
    known = {attribute.attribute_id: attribute for attribute, _ in declared}
    given: set[int] = set()
    for entry in attributes:
        attribute = known.get(entry["attribute_id"])
        if attribute is None:
            raise ShopeeError("error_invalid_category_attribute", "Category and attribute not match.")
        values = entry.get("attribute_value_list")
        if not isinstance(values, list) or not values:
            continue  # an attribute without a value is not filled
        for value in values:
            value_id = value.get("value_id") if isinstance(value, dict) else None
            name = value.get("original_value_name") if isinstance(value, dict) else None
            if not _is_int(value_id):
                raise ShopeeError("error_param", "Invalid attribute. value_id is required")
            if value_id == 0 and not (isinstance(name, str) and name.strip()):
                raise ShopeeError("error_value_name_required", "Value_name is required.")
            if value_id != 0 and attribute.input_type == FREE_TEXT_FILED:
                raise ShopeeError("error_value_id_must_equal_zero", "Value_id must equal 0.")
            if value_id != 0 and value_id not in dict(attribute.values):
                raise ShopeeError("error_param", f"Invalid attribute. value_id {value_id} is not a value of "
                                  f"attribute {attribute.attribute_id}")
            if value_id == 0 and attribute.input_type in (SINGLE_DROP_DOWN, MULTI_DROP_DOWN):
                raise ShopeeError("error_param", f"Invalid attribute. attribute {attribute.attribute_id} takes "
                                  "only its listed values")
            if value_id == 0 and attribute.validation == VALIDATOR_DATE and not str(name).isdigit():
                raise ShopeeError("error_param", f"Invalid attribute. attribute {attribute.attribute_id} is a date: "
                                  "send a timestamp")
        given.add(attribute.attribute_id)
    if any(mandatory and attribute.attribute_id not in given for attribute, mandatory in declared):
        raise ShopeeError("error_less_required_attribute", "Mandatory attribute information required")


# --- envelopes -------------------------------------------------------------------------------------


def _envelope(
    error: ShopeeError | None,
    payload: dict[str, Any] | None = None,
    *,
    top_level: bool = False,
    committed: bool = False,
) -> Response:
    body: dict[str, Any] = {"error": "", "message": "", "warning": "", "request_id": uuid.uuid4().hex}
    status = 200
    if error is not None:
        body["error"], body["message"], status = error.error, error.message, error.status
        if error.response is not None:
            body["response"] = error.response
    elif top_level:
        body.update(payload or {})
    else:
        body["response"] = payload or {}
    return Response(status, json.dumps(body, ensure_ascii=False).encode(), committed_write=committed)


# --- request parsing -------------------------------------------------------------------------------


def _json_body(request: Request, endpoint: _Endpoint) -> dict[str, Any]:
    if endpoint.method != "POST" or request.path.endswith("/upload_image"):
        return {}
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as error:
        raise _param_error(f"the request body is not valid JSON ({error})") from None
    if not isinstance(body, dict):
        raise _param_error("the request body must be a JSON object")
    return body


def _multipart_files(request: Request, field: str) -> list[bytes]:
    if not request.headers.get("Content-Type", "").lower().startswith("multipart/form-data"):
        raise _param_error("the request must be multipart/form-data with an image file")
    parts = multipart_parts(request)
    if parts is None:
        raise _param_error("the multipart body cannot be parsed")
    return [part.data for part in parts if part.name == field]


def _partner_id(request: Request) -> str:
    partner_id = request.param("partner_id")
    if partner_id is None:
        raise _gateway_refusal("error_param", "There is no partner_id in query.")
    if not _is_uint32(partner_id):
        raise _gateway_refusal(
            "error_param", "Partner_id is invalid, should be an integer between 0 and 4294967295."
        )
    if int(partner_id) != PARTNER_ID:
        raise _gateway_refusal("invalid_partner_id", "Invalid partner_id, please have a check.")
    return partner_id


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_uint(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _is_uint32(text: str) -> bool:
    return _is_uint(text) and int(text) <= UINT32_MAX


def _optional_uint(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    if not _is_uint(text):
        raise _param_error(f"{name} must be a non-negative integer")
    return int(text)


def _page_size(text: str | None) -> int:
    if text is None or not _is_uint(text) or not 1 <= int(text) <= PAGE_MAX:
        raise _param_error(f"page_size must be between 1 and {PAGE_MAX}")
    return int(text)


def _offset(text: str) -> int:
    if not _is_uint(text):
        raise _param_error("offset must be a non-negative integer")
    return int(text)


def _statuses(values: list[str] | None) -> tuple[str, ...] | None:
    """Shopee item_status filters (repeated parameter or comma list) as store statuses; None if absent."""
    if not values:
        return None
    wanted: list[str] = []
    for value in values:
        for name in value.split(","):
            if name in _STATUS_FROM_SHOPEE:
                wanted.append(_STATUS_FROM_SHOPEE[name])
            elif name not in ("", "BANNED", "REVIEWING", "SHOPEE_DELETE"):
                raise _param_error(f"item_status {name} is not one of NORMAL, UNLIST, BANNED, SELLER_DELETE")
            # BANNED, REVIEWING and SHOPEE_DELETE exist on Shopee; no sandbox item is ever in them.
    return tuple(dict.fromkeys(wanted))


def _id_list(values: list[str] | None) -> list[int]:
    """item_id_list as Shopee's clients send it: "1,2", "[1,2]", "[1 2]" or a repeated parameter."""
    ids: list[int] = []
    for value in values or []:
        for part in value.strip("[]").replace(" ", ",").replace("+", ",").split(","):
            if not part:
                continue
            if not _is_uint(part):
                raise _param_error(f"item_id_list holds {part!r}, which is not an item id")
            ids.append(int(part))
    if not 1 <= len(ids) <= BATCH_MAX:
        raise _param_error(f"item_id_list length should be between 1 and {BATCH_MAX}")
    return list(dict.fromkeys(ids))


def _single_item_id(body: Mapping[str, Any], list_key: str) -> int:
    item_id = body.get("item_id")
    if isinstance(item_id, list):
        raise _param_error(f"item_id must be a single int64: {list_key.split('_')[0]} updates one item per call")
    if not _is_int(item_id):
        raise _param_error("item_id is required")
    return item_id


# --- field validation ------------------------------------------------------------------------------


def _item_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ShopeeError("error_item_name_empty", "Item name could not be empty.")
    if len(value) > ITEM_NAME_MAX:
        raise ShopeeError(
            "error_title_exceeds_max_length",
            f"The length of item_name is bigger than max limit. ({len(value)} > {ITEM_NAME_MAX})",
        )
    return value


def _description(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ShopeeError("error_desc_length_min_limit", "Description length is less than the min limit.")
    if len(value) > DESCRIPTION_MAX:
        raise _constraint_error(f"description length should be at most {DESCRIPTION_MAX}, got {len(value)}")
    return value


def _price(value: Any) -> int:
    """Indonesian prices are whole rupiah: 15000 and 15000.0 pass, 15000.5 does not."""
    if value is None:
        raise _param_error("original_price is required")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ShopeeError("error_invalid_price", "Invalid price, please use the correct format")
    if isinstance(value, float) and not value.is_integer():
        raise ShopeeError("error_invalid_price", "Invalid price, please use the correct format")
    price = int(value)
    if price < PRICE_MIN:
        raise ShopeeError("error_price_exceed_min_limitt", "Original_price is less than min price limit.")
    if price > PRICE_MAX:
        raise ShopeeError("error_price_exceed_max_limitt", "Original_price is bigger than max price limit.")
    return price


def _seller_stock(value: Any) -> int:
    """seller_stock is a list of {location_id?, stock}; the sandbox shop has one warehouse: the sum."""
    if not isinstance(value, list) or not value:
        raise _param_error("seller_stock is required")
    total = 0
    for entry in value:
        stock = entry.get("stock") if isinstance(entry, dict) else None
        if not _is_int(stock) or not 0 <= stock <= STOCK_MAX:
            raise _constraint_error(f"stock should be an integer between 0 and {STOCK_MAX}")
        total += stock
    if total > STOCK_MAX:
        raise _constraint_error(f"stock should be an integer between 0 and {STOCK_MAX}")
    return total


def _weight(value: Any) -> int:
    """Shopee takes kilograms; the store keeps grams."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ShopeeError("error_param", "Invalid Weight.")
    grams = round(value * 1000)
    if grams < 1:
        raise ShopeeError("error_param", "Invalid Weight.")
    return grams


def _category(value: Any) -> int:
    if not _is_int(value) or value <= 0:
        raise ShopeeError("error_invalid_category", f"Invalid category ID {value}")
    return value


def _brand(value: Any) -> dict[str, Any]:
    if (
        not isinstance(value, dict)
        or not _is_int(value.get("brand_id"))
        or not isinstance(value.get("original_brand_name"), str)
    ):
        raise ShopeeError("error_invalid_brand", "Brand ID or brand name required")
    return {"brand_id": value["brand_id"], "original_brand_name": value["original_brand_name"]}


def _logistics(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ShopeeError("error_invalid_logistic_info", "invalid logistic info , logistic_info is required")
    for channel in value:
        if not isinstance(channel, dict) or not _is_int(channel.get("logistic_id")):
            raise ShopeeError("error_invalid_logistic_info", "invalid logistic info , logistic_id is required")
        if not isinstance(channel.get("enabled"), bool):
            raise ShopeeError("error_invalid_logistic_info", "invalid logistic info , enabled is required")
    if not any(channel["enabled"] for channel in value):
        raise ShopeeError("error_invalid_logistic_info", "invalid logistic info , enable at least one channel")
    return value


def _attributes(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ShopeeError("error_param", "Invalid attribute. attribute_list must be a list")
    for attribute in value:
        if not isinstance(attribute, dict) or not _is_int(attribute.get("attribute_id")):
            raise ShopeeError("error_param", "Invalid attribute. attribute_id is required")
    return value


def _optional_sku(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _param_error(f"{name} must be a string")
    if len(value) > SKU_MAX:
        raise _constraint_error(f"{name} length should be at most {SKU_MAX}, got {len(value)}")
    return value


def _item_status(value: Any) -> str:
    if value not in ("NORMAL", "UNLIST"):
        raise _param_error("item_status could be UNLIST or NORMAL")
    return _STATUS_FROM_SHOPEE[value]


def _condition(value: Any) -> str:
    if value not in ("NEW", "USED"):
        raise _param_error("condition could be NEW or USED")
    return value


def _dimension(value: Any) -> dict[str, int]:
    keys = ("package_length", "package_width", "package_height")
    if not isinstance(value, dict) or not all(_is_int(value.get(key)) and value[key] > 0 for key in keys):
        raise _param_error("dimension needs package_length, package_width and package_height in cm")
    return {key: value[key] for key in keys}


def _tiers_in(body: Mapping[str, Any], *, init: bool) -> list[dict[str, Any]]:
    """The tiers of an init/update_tier_variation body: ``standardise_tier_variation`` (since 2025-09-12 the form to
    upload, both pages' update_log_list) or the deprecated ``tier_variation`` ("There is at least one
    standardise_tier_variation and tier_variation"); [] (init only) is the way to no tier."""
    standardised = body.get("standardise_tier_variation")
    if standardised is None:
        raw = body.get("tier_variation")
        return [] if init and raw == [] else _tier_variation(raw)
    if init and standardised == []:
        return []
    if not isinstance(standardised, list):
        raise _param_error("standardise_tier_variation must be a list")
    return _tier_variation([_from_standardised(tier, init=init) for tier in standardised])


def _from_standardised(tier: Any, *, init: bool) -> dict[str, Any]:
    """One standardise_tier_variation entry in the deprecated shape: variation_id and variation_option_list are
    required, and on update each option's variation_option_id (the pages' request parameters). The sandbox knows no
    standard variation (get_variations is not served): every tier is the seller's own, named by variation_name."""
    if not isinstance(tier, dict) or not _is_int(tier.get("variation_id")):
        raise _param_error("standardise_tier_variation.variation_id is required")
    options = tier.get("variation_option_list")
    if not isinstance(options, list):
        raise _param_error("standardise_tier_variation.variation_option_list is required")
    if not init and not all(isinstance(o, dict) and _is_int(o.get("variation_option_id")) for o in options):
        raise _param_error("standardise_tier_variation.variation_option_list.variation_option_id is required")
    return {"name": tier.get("variation_name"),
            "option_list": [{"option": option.get("variation_option_name") if isinstance(option, dict) else None}
                            for option in options]}


def _tier_variation(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not 1 <= len(value) <= TIERS_MAX:
        raise _constraint_error(f"tier_variation length should be between 1 and {TIERS_MAX}")
    tiers: list[dict[str, Any]] = []
    for tier in value:
        name = tier.get("name") if isinstance(tier, dict) else None
        options = tier.get("option_list") if isinstance(tier, dict) else None
        if not isinstance(name, str) or not name or len(name) > TIER_NAME_MAX:
            raise ShopeeError(
                "error_tier_var_name_too_long", f"tier_variation name length should be 1 to {TIER_NAME_MAX}"
            )
        if any(name == other["name"] for other in tiers):
            raise ShopeeError("error_model_duplicate_name", "Item tier_variation have duplicate name.")
        if not isinstance(options, list) or not options:
            raise _param_error(f"tier_variation {name} needs a non-empty option_list")
        normalised: list[dict[str, Any]] = []
        for option in options:
            text = option.get("option") if isinstance(option, dict) else None
            if not isinstance(text, str) or not text or len(text) > TIER_OPTION_MAX:
                raise ShopeeError(
                    "error_tier_opt_val_too_long",
                    f"tier_variation option length should be 1 to {TIER_OPTION_MAX}",
                )
            normalised.append({"option": text})
        tiers.append({"name": name, "option_list": normalised})
    return tiers


def _valid_tier_index(index: Any, tiers: list[dict[str, Any]]) -> bool:
    """One option index per tier, each pointing at an existing option."""
    return (
        isinstance(index, list)
        and len(index) == len(tiers)
        and all(_is_int(i) and 0 <= i < len(t["option_list"]) for i, t in zip(index, tiers, strict=True))
    )


def _placements(entries: Any, models: Mapping[int, Model]) -> dict[int, Any]:
    """update_tier_variation's model_list as model id -> new tier_index (checked against the tiers later)."""
    if not isinstance(entries, list):
        raise _param_error("model_list must be a list")
    placed: dict[int, Any] = {}
    for entry in entries:
        model_id = entry.get("model_id") if isinstance(entry, dict) else None
        if not _is_int(model_id) or model_id not in models:
            raise ShopeeError(
                "error_wrong_modelid", f"The model_id is wrong or not related to this item, model_id:{model_id}"
            )
        if model_id in placed:
            raise ShopeeError("error_duplicate_modelid", f"The model_id is duplicate, model_id:{model_id}")
        placed[model_id] = entry.get("tier_index")
    if not placed:
        raise ShopeeError("error_busi_cannot_delete_all_model", "Cannot delete all models by this api.")
    return placed


# --- answer fragments ------------------------------------------------------------------------------


def _model_echo(model: Model) -> dict[str, Any]:
    """A model as init_tier_variation and add_model answer it."""
    return {
        "tier_index": model.options["tier_index"],
        "model_id": model.model_id,
        "model_sku": model.seller_sku or "",
        "price_info": [{"original_price": model.price}],
        "seller_stock": [{"stock": model.stock}],
    }


def _price_info(price: int) -> dict[str, Any]:
    return {"currency": "IDR", "original_price": price, "current_price": price}


def _stock_info(stock: int) -> dict[str, Any]:
    return {
        "summary_info": {"total_reserved_stock": 0, "total_available_stock": stock},
        "seller_stock": [{"location_id": "", "stock": stock, "if_saleable": True}],
        "shopee_stock": [],
    }


def _image_url(image_id: str) -> str:
    return f"https://cf.shopee.co.id/file/{image_id}"


def _kilograms(grams: int | None) -> float | None:
    return None if grams is None else grams / 1000


def _kilogram_text(grams: int | None) -> str:
    if grams is None:
        return ""
    return f"{grams / 1000:.3f}".rstrip("0").rstrip(".")
