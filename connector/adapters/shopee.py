"""The `shopee` adapter: Shopee Open Platform v2 (Indonesia), one shop per channel.

Every request goes through `connector.adapters.http.call` (pacing, retries, transport failures); every answer
body is parsed by `_parse`, and a non-empty `error` is classified by `classify`. Codes come bare (`error_param`)
and module-prefixed (`product.error_param`, `common.error_auth`, `error.param`: congminh1254/shopee-sdk
schemas/v2.product.update_stock.json, v2.order.get_order_detail.json); both forms are classified alike:

- Throttled: `error_rate_limit`, HTTP 429 (retried; the channel's limiter slows down); `error_limit` (the daily
  quota, reset at 00:00 UTC+8) with retry_after = the time until the reset.
- Transient: `error_system_busy`, `error_busy`, `error_server`, `error_inner`, HTTP 5xx, non-JSON gateway pages.
- AuthError: `error_sign`, `error_auth`, `invalid_acceess_token` (sic), `invalid_access_token`, `invalid_partner_id`,
  `source_ip_undeclared`, an expired request timestamp (`error_param` "Timestamp is expired": the clock); the
  refresh failures `refresh_token_expired`, `error_shop_refresh_token`, `shop_access_expired` ("re-authorise the
  shop", v2.public.refresh_access_token.json).
- NotFound: `error_item_not_found`; `error_not_found` (the order pages' "the order is not found").
- AdapterError: `error_param` "... the request path is incorrect." (no such API: a wrong endpoint URL; never
  NotFound, which would re-create).
- Invalid: every other `error_*` (`error_param`, `error_item_*`, `error_repeated_mtsku`, name, price, weight,
  image, brand, logistics, attribute and tier errors, `error_busi_update_*_failed`).
- `response.failure_list` of a batch: a per-item Outcome, Invalid (NotFound when the reason says "not found").

`error_auth` is also Shopee's answer to business refusals of one write ("Total stock must be more than reserved
stock.", holiday mode, a missing location_id: v2.product.update_stock.json error_list). An `error_auth` on a write
is that item's Invalid unless `check()` (one cheap authenticated read) fails too, then it is the AuthError it says;
a passing check is trusted for CREDENTIALS_CHECKED_FOR seconds.

Orders: get_order_detail sends `item_list` only when `response_optional_fields` asks for it (the page's request
parameters; its FAQ "many response fields are missing"), so every call asks, and an order answered without it is
asked for again, then the pull fails rather than count no lines. One order_sn answered `error_not_found` is
logged and skipped; the others are read. Units still sold per line: `model_quantity_purchased` less the item-level
`cancelled_qty` and `returned_qty` (added 2026-05-22); a CANCELLED order gives all back. `TO_RETURN` ("the buyer
requested to return the order and order's return is processing", data definitions) and IN_CANCEL are still sold:
only `returned_qty` / `cancelled_qty` say what came back. The returns API (v2.returns.get_return_list) is not read:
its items repeat what returned_qty says, per model, in another paged call.

`error_limit` is Throttled rather than Auth: nothing is wrong with the shop, it must only wait; its retry_after
(hours) never fits `call`'s time budget, so the error reaches the executor at once instead of a long sleep.

Categories: `categories()` reads product/get_category (language id), `attributes()` product/get_attribute_tree
(input_type 1/4 take listed values only, 4/5 several; input_validation_type 1/3 a number, 4 a date). attribute_list
sends an option by value_id and any other value as value_id 0 with original_value_name, a date as a timestamp
string (v2.product.add_item.json). New items ship with options.logistic_ids, else with the checkout channels
logistics/get_channel_list says the shop has enabled (read once per adapter). No neutral attribute value is
documented ("No Brand" is the brand field's, not an attribute's), so `neutral_values` stays empty.

Tokens (`connector.adapters.tokens`): the TokenStore's pair wins over the config's. An answer saying the access
token is invalid or expired triggers one refresh (under a lock; the new pair is saved before it is used, since
Shopee's refresh token is single-use) and one retry; a token whose stored expiry is near is refreshed before the call.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

import requests
from pydantic import BeforeValidator, Field

from connector import logs
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

API_PREFIX = "/api/v2"
REFRESH_API = "/auth/access_token/get"
UPLOAD_API = "/media_space/upload_image"

DEFAULT_RATE_LIMIT = 10.0  # Shopee publishes no numbers: a conservative pace per shop
CATEGORY_LANGUAGE = "id"  # get_category / get_attribute_tree: an Indonesian shop answers in en or id
WIB = timezone(timedelta(hours=7))  # a date attribute's day starts at midnight in Jakarta (the docs name no zone)
TOKEN_REFRESH_MARGIN = 300.0  # refresh this many seconds before the stored expiry
ACCESS_TOKEN_TTL = 4 * 3600  # if a refresh answer lacks expire_in
PAGE_SIZE = 100
BASE_INFO_BATCH = 50
ORDER_PAGE = 100
ORDER_DETAIL_BATCH = 50
ORDER_WINDOW = 15 * 86400  # get_order_list answers at most 15 days per call
ORDER_FIELDS = "item_list"  # get_order_detail's response_optional_fields
CREDENTIALS_CHECKED_FOR = 300.0  # seconds a passing check() vouches for the credentials after a write's error_auth
MAX_TIERS = 2
QUOTA_TIMEZONE = timezone(timedelta(hours=8))

_TOKEN_ERRORS = frozenset({"invalid_acceess_token", "invalid_access_token"})
_TOKEN_HINT = "Shopee says the access token is invalid or expired"
_REAUTHORISE = "the shop's authorisation has ended: re-authorise the shop and put the new tokens in the credentials"
_AUTH_HINTS = {
    "error_sign": "Shopee refused the request signature: check partner_id and partner_key",
    "invalid_acceess_token": _TOKEN_HINT,
    "invalid_access_token": _TOKEN_HINT,
    "error_auth": "Shopee refused the shop's authorisation: check shop_id, or re-authorise the shop",
    "invalid_partner_id": "Shopee does not know this partner_id",
    "source_ip_undeclared": "this machine's IP address is not allowed: declare it for the app on the Open Platform",
    "refresh_token_expired": _REAUTHORISE,
    "error_shop_refresh_token": _REAUTHORISE,
    "shop_access_expired": _REAUTHORISE,
}
_TierPlan = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # init_tier_variation's tier_variation and model
_BUSY_ERRORS = frozenset({"error_system_busy", "error_busy", "error_server", "error_inner"})


def sign(
    partner_key: str,
    partner_id: int | str,
    path: str,
    timestamp: int | str,
    access_token: str = "",
    shop_id: int | str = "",
) -> str:
    """Shopee's signature: lowercase hex HMAC-SHA256 of partner_id + path + timestamp + access_token + shop_id
    (plain concatenation; public calls leave the last two out)."""
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


class ShopAuthError(AuthError):
    """An AuthError Shopee sent, with what it said (`detail`) and whether it is about the access token (`token`):
    one refresh may help that; an `error_auth` about neither may be one write's business refusal."""

    def __init__(self, message: str, *, code: str, detail: str, token: bool):
        super().__init__(message, code=code)
        self.detail = detail
        self.token = token


def bare_code(code: str) -> str:
    """Shopee's error code without its module: `product.error_param` and `error.param` -> `error_param`,
    `common.error_auth` -> `error_auth`; a bare code as it is."""
    module, dot, rest = code.rpartition(".")
    if not dot:
        return code
    return rest if rest.startswith("error_") or module != "error" else f"error_{rest}"


def classify(code: str, message: str, status: int, where: str) -> AdapterError:
    """The failure class of a Shopee error answer (see the module's table); `code` bare or module-prefixed."""
    detail = f"{where}: {code}: {message}" if message else f"{where}: {code}"
    bare, lowered = bare_code(code), message.lower()
    if bare == "error_rate_limit" or status == 429:
        return Throttled(detail, code=code)
    if bare == "error_limit":
        return Throttled(f"{detail} (daily quota, resets at 00:00 UTC+8)", code=code, retry_after=_until_quota_reset())
    if bare in _BUSY_ERRORS or status >= 500:
        return Transient(detail, code=code)
    if bare in _AUTH_HINTS:
        # error_auth "Invalid access_token." (common_error_list) is the expired token in another form.
        token = bare in _TOKEN_ERRORS or (bare == "error_auth" and "invalid access_token" in lowered)
        hint = _TOKEN_HINT if token else _AUTH_HINTS[bare]
        return ShopAuthError(f"{hint} ({detail})", code=code, detail=detail, token=token)
    if bare == "error_param" and "timestamp" in lowered:
        return AuthError(f"Shopee refused the request timestamp: check this machine's clock ({detail})", code=code)
    if bare == "error_param" and "request path is incorrect" in lowered:
        return AdapterError(f"{detail} (check the channel's endpoint URL)", code=code)
    if bare in ("error_item_not_found", "error_not_found"):
        return NotFound(detail, code=code)
    if bare.startswith("error_"):
        return Invalid(detail, code=code)
    return AdapterError(detail, code=code)


def _whole_number(value: Any) -> int:
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError("must be a whole number")
    return int(text)


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


class Credentials(ChannelCredentials):
    """A Shopee channel's credentials: the app (partner_id, partner_key), the shop and its token pair."""

    partner_id: WholeNumber
    partner_key: Annotated[str, Field(min_length=1)]
    shop_id: WholeNumber


class Options(ChannelOptions):
    """A Shopee channel's options, beyond the shared ones."""

    # The logistics channels a new item ships with; by default those the shop has enabled (get_channel_list).
    logistic_ids: list[int] | None = None
    brand_ids: dict[str, int] = {}  # brand name -> Shopee brand_id
    token_refresh_margin: Annotated[float, Field(ge=0)] = TOKEN_REFRESH_MARGIN


class ShopeeAdapter(Adapter):
    """One Shopee shop. Credentials and options: the `Credentials` and `Options` models above."""

    name = "shopee"
    marketplace = "Shopee"
    Credentials = Credentials
    Options = Options
    # Indonesia, as the sandbox's dialect (connector/sandbox/shopee.py, "Limits for an Indonesian shop") keeps them
    # from congminh1254/shopee-sdk schemas/v2.product.add_item.json; Shopee serves per-category values through
    # get_item_limit, so these are the shop-wide ones. Weight: only "Invalid Weight." for a weight that is not
    # positive (add_item's error_list); the docs give no fixed maximum, nor for dimensions (optional here).
    listing_rules = ListingRules(
        title_min=1, title_max=255,  # item_name: the Indonesian Seller Centre counter (error_item_name_is_too_short)
        description_min=1, description_max=3000,  # error_desc_length_min_limit; 3000 for Indonesia
        images_min=1, images_max=9,  # error_image_num_min "Item image count is less than min limit 1."
        weight_min_g=1,  # sent in kg; a gram is the least that is not zero
        price_min=100, price_max=150_000_000,  # error_price_exceed_min_limitt / _max_limitt, Indonesian bounds
        stock_max=10_000_000,
        variants_max=50,  # models per item
        seller_sku_max=100,  # item_sku and model_sku
    )
    capabilities = Capabilities(
        price_batch=1,
        stock_batch=1,
        status_batch=50,
        batch_across_products=False,
        idempotent_create=False,
        rate_limit=DEFAULT_RATE_LIMIT,
        max_variants=50,
        max_images=9,
    )
    # media_space/upload_image: "Image format accepted: JPG, JPEG, PNG", max 10.0 MB each
    # (congminh1254/shopee-sdk schemas/v2.media_space.upload_image.json, request param `image`)
    image_formats = frozenset({"JPG", "PNG"})
    credentials: Credentials
    options: Options
    _checked_at = float("-inf")  # when check() last vouched for the credentials (time.monotonic)
    _enabled_logistics: list[int] | None = None  # get_channel_list's enabled channels, read once per adapter

    @classmethod
    def listing_links(cls, credentials: Mapping[str, Any], external_id: str, *, sandbox: str | None = None,
                      variant_ids: Mapping[str, str] | None = None) -> tuple[ListingLink, ...]:
        """On the sandbox, its page of the item. Live: none. The Open Platform pages kept in
        congminh1254/shopee-sdk (schemas/, every v2 API's parameters and response samples) and the Shopee guides in
        lazykern/ecommerce-api-docs (data/raw/shopee, data/processed/shopee) give no buyer-facing address of an
        item in any form (no field, sample or guide holds one), so none is made up here."""
        if sandbox is None or not (external_id.isascii() and external_id.isdigit()):
            return ()
        return (ListingLink("Shopee", f"{sandbox.rstrip('/')}/_sandbox/listing/{cls.name}/{external_id}"),)

    # -- the Adapter protocol ----------------------------------------------------------------------------------

    def check(self) -> str:
        params = {"offset": 0, "page_size": 1, "item_status": "NORMAL"}
        answer = self._request("GET", "/product/get_item_list", write=False, params=params)["response"]
        return f"shop {self.credentials.shop_id}: authorised, {answer.get('total_count', 0)} active listings"

    def find(self, seller_sku: str, variant_skus: Sequence[str] = ()) -> list[Remote]:
        item_ids = self._search(seller_sku)
        remotes: list[Remote] = []
        for start in range(0, len(item_ids), BASE_INFO_BATCH):
            batch = ",".join(str(item_id) for item_id in item_ids[start : start + BASE_INFO_BATCH])
            answer = self._request("GET", "/product/get_item_base_info", write=False, params={"item_id_list": batch})
            for info in answer["response"].get("item_list", []):
                # search_item may match loosely; deleted items are no listing to bind.
                if answer_id(info.get("item_id"), int) is None:
                    raise _unusable_id("get_item_base_info", info.get("item_id"))
                if info.get("item_sku") == seller_sku and "DELETE" not in str(info.get("item_status")):
                    remotes.append(self._remote(info))
        return remotes

    def listings(self) -> Iterator[Remote]:
        """get_item_list (listed and unlisted, 100 a page), get_item_base_info per 50 ids, and get_model_list for
        each item with models: its prices and stock come with it."""
        offset = 0
        while True:
            params = {"offset": offset, "page_size": PAGE_SIZE, "item_status": ["NORMAL", "UNLIST"]}
            answer = self._request("GET", "/product/get_item_list", write=False, params=params)["response"]
            item_ids = [entry.get("item_id") for entry in answer.get("item") or []
                        if answer_id(entry.get("item_id"), int) is not None]
            for start in range(0, len(item_ids), BASE_INFO_BATCH):
                batch = ",".join(str(item_id) for item_id in item_ids[start : start + BASE_INFO_BATCH])
                info = self._request("GET", "/product/get_item_base_info", write=False,
                                     params={"item_id_list": batch})["response"]
                for item in info.get("item_list") or []:
                    if "DELETE" not in str(item.get("item_status")) and answer_id(item.get("item_id"), int):
                        yield self._listed(item)
            if not answer.get("has_next_page") or not item_ids:
                return
            offset = int(answer.get("next_offset") or offset + len(item_ids))

    def orders(self, since_cursor: str | None) -> tuple[list[OrderLine], str]:
        """order/get_order_list by update_time (at most 15 days a call), then get_order_detail per 50 order_sn
        with their item_list (see the module's notes). The cursor is the latest update_time seen, in Unix seconds."""
        until = int(time.time())
        since = int(since_cursor) - ORDER_OVERLAP_SECONDS if since_cursor else until - ORDER_WINDOW
        latest = int(since_cursor or 0)
        lines: list[OrderLine] = []
        while since <= until:
            window_end = min(until, since + ORDER_WINDOW)
            for order in self._order_details(self._order_sns(since, window_end)):
                latest = max(latest, int(order.get("update_time") or 0))
                lines += order_lines(order)
            since = window_end + 1
        return lines, str(latest or until - ORDER_OVERLAP_SECONDS)

    def create(self, listing: Listing, intent_id: str) -> Remote:
        """add_item, then init_tier_variation for the variants.

        Shopee takes no idempotency key (`intent_id` goes unused): a lost add_item answer is UnknownOutcome, which
        the executor resolves with `find`. If the item was created but its variants failed, the error raised
        carries `err.remote` (the item, without variant ids) so the engine can bind the item; `update_content`
        adds the variants to an item that has none.
        """
        tiers = _tiers(listing.variants) if listing.variants else None  # refuse bad variants before any write
        body = {
            **self._content(listing),
            "original_price": listing.price,
            "seller_stock": [{"stock": listing.stock}],
            "brand": self._brand(listing.brand),
            "logistic_info": [{"logistic_id": logistic, "enabled": True} for logistic in self._logistic_ids()],
            "attribute_list": _attribute_list(listing.attributes),
            "condition": "NEW",
        }
        answer = self._request("POST", "/product/add_item", write=True, body=body,
                               retry=replace(self.transport.retry, transient=False))
        # v2.product.add_item.json: response.item_id, int64. A success without one is no answer: look it up.
        shown = answer_id((answer.get("response") or {}).get("item_id"), int)
        if shown is None:
            raise UnknownOutcome("Shopee add_item answered success without a usable item_id; the item may exist")
        item_id = int(shown)
        remote = Remote(shown, listing.seller_sku, {}, active=True)
        if tiers is None:
            return remote
        try:
            return replace(remote, variant_ids=self._init_tiers(item_id, tiers))
        except AdapterError as err:
            err.remote = remote
            raise

    # -- categories ----------------------------------------------------------------------------------------------

    def categories(self) -> list[ChannelCategory]:
        """product/get_category (v2.product.get_category.json): the whole tree in one answer; a node is a leaf when
        `has_children` is false. The name is `display_category_name` in Indonesian, else `original_category_name`."""
        answer = self._request("GET", "/product/get_category", write=False, params={"language": CATEGORY_LANGUAGE})
        return [_category_node(node) for node in (answer.get("response") or {}).get("category_list") or []]

    def attributes(self, category_id: str) -> list[CategoryAttribute]:
        """product/get_attribute_tree (v2.product.get_attribute_tree.json, the current page; get_attributes is its
        older form): one leaf's attribute_tree. Every entry is a product attribute (variations are tier_variation,
        not attributes); the child_attribute_list under a value is not read (no mapped leaf needs one)."""
        params = {"category_id_list": str(category_id), "language": CATEGORY_LANGUAGE}
        answer = self._request("GET", "/product/get_attribute_tree", write=False, params=params)
        entries = [entry for entry in (answer.get("response") or {}).get("list") or []
                   if str(entry.get("category_id")) == str(category_id)]
        return [_category_attribute(raw) for entry in entries for raw in entry.get("attribute_tree") or []]

    def _logistic_ids(self) -> list[int]:
        """options.logistic_ids if set, else the checkout channels logistics/get_channel_list says the shop has
        `enabled` (add_item's logistic_info must name channels of the shop: error_invalid_logistic_info). A channel
        with a non-zero mask_channel_id is a fulfillment channel under a checkout one (v2.logistics.get_channel_list
        .json); which of the two add_item takes is not documented: this sends the checkout channels."""
        if self.options.logistic_ids:
            return list(self.options.logistic_ids)
        if self._enabled_logistics is None:
            answer = self._request("GET", "/logistics/get_channel_list", write=False)
            channels = (answer.get("response") or {}).get("logistics_channel_list") or []
            self._enabled_logistics = [int(c["logistics_channel_id"]) for c in channels
                                       if c.get("enabled") is True and not c.get("mask_channel_id")]
        if not self._enabled_logistics:
            raise Invalid("the shop has no logistics channel enabled (logistics/get_channel_list); enable one in "
                          "Seller Centre or set options.logistic_ids")
        return self._enabled_logistics

    def update_content(self, remote: Remote, listing: Listing) -> Remote:
        """update_item, then the item's models brought in line with the listing's variants (`_align_variants`).
        Returns the Remote with the variant ids as they are now (new ones when Shopee replaced models)."""
        item_id = int(remote.external_id)
        tiers = _tiers(listing.variants) if listing.variants else None  # refuse bad variants before any write
        body = {"item_id": item_id, **self._content(listing)}
        if listing.attributes:  # else keep what the seller set in Seller Centre
            body["attribute_list"] = _attribute_list(listing.attributes)
        answer = self._request("POST", "/product/update_item", write=True, body=body)
        # v2.product.update_item.json answers the item it updated (response.item_id): an empty "success" is none.
        if (answer.get("response") or {}).get("item_id") != item_id:
            raise UnknownOutcome("Shopee update_item answered success without naming the item; sent again at the "
                                 "next sync")
        variant_ids: dict[str, str] = {}
        if tiers is not None or remote.variant_ids:
            variant_ids = self._align_variants(item_id, listing, tiers)
        return Remote(remote.external_id, listing.seller_sku, variant_ids, remote.active)

    def update_prices(self, changes: Sequence[Change]) -> list[Outcome]:
        return [
            self._set_models(change, "/product/update_price", "price_list", lambda price: {"original_price": price})
            for change in changes
        ]

    def update_stock(self, changes: Sequence[Change]) -> list[Outcome]:
        return [
            self._set_models(change, "/product/update_stock", "stock_list", lambda n: {"seller_stock": [{"stock": n}]})
            for change in changes
        ]

    def set_active(self, remotes: Sequence[tuple[str, Remote]], active: bool) -> list[Outcome]:
        if not remotes:
            return []
        body = {"item_list": [{"item_id": int(remote.external_id), "unlist": not active} for _, remote in remotes]}
        answer = self._request("POST", "/product/unlist_item", write=True, body=body, partial=True)["response"]
        done = {entry.get("item_id") for entry in answer.get("success_list") or []}
        failed = {entry.get("item_id"): entry.get("failed_reason") for entry in answer.get("failure_list") or []}
        outcomes: list[Outcome] = []
        for key, remote in remotes:
            item_id = int(remote.external_id)
            if item_id in done:
                outcomes.append(Outcome(key))
            elif item_id in failed:
                outcomes.append(Outcome(key, _item_failure(f"Shopee unlist_item: {failed[item_id] or 'refused'}")))
            else:
                outcomes.append(Outcome(key, AdapterError("Shopee unlist_item did not report on this item")))
        return outcomes

    def upload_image(self, image: Image) -> str:
        # A public API: signed without the shop's token.
        answer = self._send(
            "POST", UPLOAD_API, write=True, access_token=None, files={"image": (image.filename, image.load())}
        )
        return str(answer["response"]["image_info"]["image_id"])

    # -- listing content ---------------------------------------------------------------------------------------

    def _content(self, listing: Listing) -> dict[str, Any]:
        """The fields add_item and update_item share."""
        body: dict[str, Any] = {
            "item_name": listing.name,
            "description": listing.description,
            "item_sku": listing.seller_sku,
            "weight": listing.weight_g / 1000,  # Shopee takes kilograms
            "category_id": int(listing.category_id),
            "image": {"image_id_list": [self.image_id(image) for image in listing.images]},
        }
        if listing.length_cm and listing.width_cm and listing.height_cm:
            body["dimension"] = {
                "package_length": listing.length_cm,
                "package_width": listing.width_cm,
                "package_height": listing.height_cm,
            }
        return body

    def _brand(self, brand: str) -> dict[str, Any]:
        # A named brand needs Shopee's brand_id (options.brand_ids); anything else is listed as "No Brand".
        if brand in self.options.brand_ids:
            return {"brand_id": int(self.options.brand_ids[brand]), "original_brand_name": brand}
        return {"brand_id": 0, "original_brand_name": "No Brand"}

    def _init_tiers(self, item_id: int, tiers: _TierPlan) -> dict[str, str]:
        """Set the tier structure, or change its level (no tier <-> one <-> two): every model is replaced."""
        tier_variation, models = tiers
        body: dict[str, Any] = {"item_id": item_id, "standardise_tier_variation": _standardised(tier_variation),
                                "model": models}
        if not tier_variation:  # to no tier: "pass the tier_variation and standardise_tier_variation as []"
            body["tier_variation"] = []
        answer = self._request("POST", "/product/init_tier_variation", write=True, body=body)["response"]
        return _ids_by_sku(answer.get("model") or [])

    def _align_variants(self, item_id: int, listing: Listing, tiers: _TierPlan | None) -> dict[str, str]:
        """Make the item's models the listing's variants; returns seller SKU -> model id.

        One get_model_list (the ledger may be behind Shopee), then only the writes the difference needs:
        - the level changes (no variants, one or two option names), or no variant is kept: init_tier_variation,
          1 call, new ids for every model. Shopee refuses init at an unchanged level, so replacing every SKU at the
          same level passes through no tier first: 2 calls.
        - same level: delete_model per removed variant (first, so the item stays within 50 models and keeps one),
          then update_tier_variation if the option lists or a kept variant's options differ (its model_list names
          every model left, so nothing is deleted implicitly), then one add_model for every new variant.
          Adding a size: 2 writes; removing the only variant with a size: 2 (delete, drop the option).
        """
        current = self._model_list(item_id)
        models = current.get("model") or []
        if tiers is None:
            if models:  # back to a single SKU
                self._init_tiers(item_id, _no_tiers(listing))
            return {}
        tier_variation, entries = tiers
        by_sku = {model.get("model_sku"): model for model in models}
        kept = [(by_sku[entry["model_sku"]], entry) for entry in entries if entry["model_sku"] in by_sku]
        same_level = len(current.get("tier_variation") or []) == len(tier_variation)
        if not (same_level and kept):
            if same_level and models:
                self._init_tiers(item_id, _no_tiers(listing))
            return self._init_tiers(item_id, tiers)
        wanted = {entry["model_sku"] for entry in entries}
        for model in models:
            if model.get("model_sku") not in wanted:
                body = {"item_id": item_id, "model_id": model["model_id"]}
                self._request("POST", "/product/delete_model", write=True, body=body)
        moved = any(model.get("tier_index") != entry["tier_index"] for model, entry in kept)
        if moved or _option_lists(current["tier_variation"]) != _option_lists(tier_variation):
            model_list = [{"model_id": model["model_id"], "tier_index": entry["tier_index"]} for model, entry in kept]
            body = {"item_id": item_id, "standardise_tier_variation": _standardised(tier_variation),
                    "model_list": model_list}
            self._request("POST", "/product/update_tier_variation", write=True, body=body)
        variant_ids = {entry["model_sku"]: str(model["model_id"]) for model, entry in kept}
        added = [entry for entry in entries if entry["model_sku"] not in by_sku]
        if added:
            body = {"item_id": item_id, "model_list": added}
            answer = self._request("POST", "/product/add_model", write=True, body=body)["response"]
            variant_ids.update(_ids_by_sku(answer.get("model") or []))
        return variant_ids

    # -- reads -------------------------------------------------------------------------------------------------

    def _order_sns(self, since: int, until: int) -> list[str]:
        """get_order_list's order_sn updated in [since, until], every page."""
        order_sns: list[str] = []
        cursor = ""
        while True:
            params = {"time_range_field": "update_time", "time_from": since, "time_to": until,
                      "page_size": ORDER_PAGE, "cursor": cursor}
            answer = self._request("GET", "/order/get_order_list", write=False, params=params)["response"]
            order_sns += [str(o["order_sn"]) for o in answer.get("order_list") or []]
            cursor = str(answer.get("next_cursor") or "")
            if not answer.get("more") or not cursor:
                return order_sns

    def _order_details(self, order_sns: Sequence[str]) -> list[dict[str, Any]]:
        """get_order_detail of every order_sn that exists, each with its item_list. An order answered without
        item_list is asked for once more; still without it, the pull fails: its lines would be silently zero."""
        details = self._details(order_sns)
        missing = [str(order.get("order_sn")) for order in details if "item_list" not in order]
        if not missing:
            return details
        again = {str(order.get("order_sn")): order for order in self._details(missing)}
        still = [sn for sn in missing if "item_list" not in again.get(sn, {})]
        if still:
            raise AdapterError(f"Shopee get_order_detail answered {len(still)} order(s) without item_list although "
                               f"{ORDER_FIELDS} was asked for ({', '.join(still[:5])}): their units cannot be "
                               "counted, so this pull is not recorded")
        return [again.get(str(order.get("order_sn")), order) for order in details]

    def _details(self, order_sns: Sequence[str]) -> list[dict[str, Any]]:
        details: list[dict[str, Any]] = []
        for start in range(0, len(order_sns), ORDER_DETAIL_BATCH):
            details += self._detail_batch(list(order_sns[start : start + ORDER_DETAIL_BATCH]))
        return details

    def _detail_batch(self, batch: list[str]) -> list[dict[str, Any]]:
        """One get_order_detail call. `error_not_found` names no order_sn, so the batch is halved until the missing
        ones are alone: each is logged and skipped, the rest are read."""
        params = {"order_sn_list": ",".join(batch), "response_optional_fields": ORDER_FIELDS}
        try:
            answer = self._request("GET", "/order/get_order_detail", write=False, params=params)["response"]
        except NotFound as err:
            if len(batch) == 1:
                logs.get_logger().warning("order_not_found", channel=self.channel, order_id=batch[0],
                                          message=err.message)
                return []
            half = len(batch) // 2
            return self._detail_batch(batch[:half]) + self._detail_batch(batch[half:])
        return list(answer.get("order_list") or [])

    def _search(self, seller_sku: str) -> list[int]:
        item_ids: list[int] = []
        offset = ""
        while True:
            params: dict[str, Any] = {"item_sku": seller_sku, "page_size": PAGE_SIZE}
            if offset:
                params["offset"] = offset
            answer = self._request("GET", "/product/search_item", write=False, params=params)["response"]
            # v2.product.search_item.json: item_id_list of int64. Anything else fails the lookup: dropping it could
            # make a listing that exists look absent, and a create would follow.
            for item_id in answer.get("item_id_list") or []:
                if answer_id(item_id, int) is None:
                    raise _unusable_id("search_item", item_id)
                item_ids.append(item_id)
            offset = str(answer.get("next_offset") or "")
            if not offset:
                return item_ids

    def _remote(self, info: Mapping[str, Any]) -> Remote:
        """A Remote from get_item_base_info's entry (and get_model_list when the item has models)."""
        variant_ids = self._fetch_model_ids(info["item_id"]) if info.get("has_model") else {}
        return Remote(
            str(info["item_id"]), info.get("item_sku") or None, variant_ids, info.get("item_status") == "NORMAL"
        )

    def _listed(self, info: Mapping[str, Any]) -> Remote:
        """A Remote with prices and stock, from get_item_base_info's entry (and get_model_list's models)."""
        sku = info.get("item_sku") or None
        active = info.get("item_status") == "NORMAL"
        if not info.get("has_model"):
            values = {sku: (_first_price(info.get("price_info")), _stock_of(info.get("stock_info_v2")))} if sku else {}
            return Remote(str(info["item_id"]), sku, {}, active, prices=_known({k: p for k, (p, _) in values.items()}),
                          stock=_known({k: n for k, (_, n) in values.items()}))
        models = [m for m in self._model_list(info["item_id"]).get("model") or [] if m.get("model_sku")]
        return Remote(str(info["item_id"]), sku, _ids_by_sku(models), active,
                      prices=_known({m["model_sku"]: _first_price(m.get("price_info")) for m in models}),
                      stock=_known({m["model_sku"]: _stock_of(m.get("stock_info_v2")) for m in models}))

    def _model_list(self, item_id: int) -> dict[str, Any]:
        """get_model_list's answer: the item's tier_variation and its models."""
        answer = self._request("GET", "/product/get_model_list", write=False, params={"item_id": item_id})
        return dict(answer["response"])

    def _fetch_model_ids(self, item_id: int) -> dict[str, str]:
        """The item's current models: seller SKU -> model id."""
        return _ids_by_sku(self._model_list(item_id).get("model") or [])

    # -- price and stock ---------------------------------------------------------------------------------------

    def _set_models(self, change: Change, api: str, list_key: str, entry: Callable[[int], dict[str, Any]]) -> Outcome:
        """update_price / update_stock of one item: its models' values in one call, one Outcome."""
        targets, unmapped = _models_of(change)
        problems = [f"{sku}: no Shopee model id for this SKU (variants not created yet?)" for sku in unmapped]
        if targets:
            body = {
                "item_id": int(change.remote.external_id),
                list_key: [{"model_id": model_id, **entry(int(value))} for model_id, (_, value) in targets.items()],
            }
            try:
                answer = self._request("POST", api, write=True, body=body, partial=True)["response"]
            except AuthError:
                raise  # the credentials failed the check too: the whole channel is stopped, not this item
            except AdapterError as err:
                return Outcome(change.key, err)
            failed = answer.get("failure_list") or []
            for failure in failed:
                model_id = failure.get("model_id")
                sku = targets[model_id][0] if model_id in targets else f"model {model_id}"
                problems.append(f"{sku}: {failure.get('failed_reason') or 'refused'}")
            unconfirmed = _unconfirmed(targets, answer.get("success_list"), failed)
            if unconfirmed and not problems:
                return Outcome(change.key, UnknownOutcome(
                    f"Shopee {api.rsplit('/', 1)[-1]} answered success without confirming {', '.join(unconfirmed)};"
                    " sent again at the next sync"))
        if not problems:
            return Outcome(change.key)
        return Outcome(change.key, Invalid(f"Shopee {api.rsplit('/', 1)[-1]}: " + "; ".join(problems)))

    # -- requests and tokens -----------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        api: str,
        *,
        write: bool,
        params: Mapping[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        partial: bool = False,
        retry: RetryPolicy | None = None,
    ) -> dict[str, Any]:
        """A shop call, signed with the access token; refreshed once if Shopee says the token is invalid."""

        def send(access_token: str) -> dict[str, Any]:
            return self._send(method, api, write=write, access_token=access_token, params=params, body=body,
                              partial=partial, retry=retry)

        try:
            return self.keeper.authorised(send, _token_refused)
        except ShopAuthError as err:
            if not (write and not err.token and bare_code(err.code or "") == "error_auth"):
                raise
            dead = self._credentials_refusal()
            if dead is not None:
                raise dead from err
            raise Invalid(f"{err.detail} (Shopee refused this item; the shop's credentials work)",
                          code=err.code) from err

    def _credentials_refusal(self) -> AuthError | None:
        """The AuthError one cheap authenticated read (`check`) meets, or None when it passes: then a write's
        `error_auth` was about the item."""
        if time.monotonic() - self._checked_at < CREDENTIALS_CHECKED_FOR:
            return None
        try:
            self.check()
        except AuthError as err:
            return err
        except AdapterError:
            return None  # the check could not tell (busy, throttled): the item's refusal; the next one asks again
        self._checked_at = time.monotonic()
        return None

    def _send(
        self,
        method: str,
        api: str,
        *,
        write: bool,
        access_token: str | None,
        params: Mapping[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        partial: bool = False,
        retry: RetryPolicy | None = None,
    ) -> dict[str, Any]:
        """One signed call; `access_token=None` signs it as a public call. Returns the parsed answer body."""
        path = API_PREFIX + api
        where = f"Shopee {api.lstrip('/')}"

        app = self.credentials

        def common_params() -> dict[str, Any]:
            timestamp = int(time.time())
            if access_token is None:
                return {
                    "partner_id": app.partner_id,
                    "timestamp": timestamp,
                    "sign": sign(app.partner_key, app.partner_id, path, timestamp),
                }
            return {
                "partner_id": app.partner_id,
                "timestamp": timestamp,
                "access_token": access_token,
                "shop_id": app.shop_id,
                "sign": sign(app.partner_key, app.partner_id, path, timestamp, access_token, app.shop_id),
            }

        return self.transport.call(
            method,
            self.base_url + path,
            write=write,
            parse=functools.partial(_parse, where=where, partial=partial),
            sign=common_params,
            params=params,
            json=body,
            files=files,
            retry=retry,
        )

    def exchange(self, refresh_token: str) -> dict[str, Any]:
        """Shopee's token call (a public API): the refresh token for a new pair, as the TokenStore keeps it."""
        body = {"refresh_token": refresh_token, "partner_id": self.credentials.partner_id,
                "shop_id": self.credentials.shop_id}
        # write=False: repeating a refresh whose answer was lost is safe, a spent refresh token is refused.
        answer = self._send("POST", REFRESH_API, write=False, access_token=None, body=body)
        return {
            "access_token": answer.get("access_token"),
            "refresh_token": answer.get("refresh_token"),
            "expires_at": time.time() + int(answer.get("expire_in") or ACCESS_TOKEN_TTL),
            "shop_id": self.credentials.shop_id,
        }


# -- pure helpers --------------------------------------------------------------------------------------------


def _parse(response: requests.Response, *, where: str, partial: bool) -> dict[str, Any]:
    """The answer body, or the failure it reports. With `partial`, an error answer that lists per-item failures
    (`response.failure_list`, e.g. "all failed") is returned for the caller to read item by item."""
    body = json_body(response)
    if body is None:
        # A load balancer's HTML page or a cut-off answer: nothing Shopee decided.
        raise status_error(response) or Transient(f"{where}: the answer is not JSON (HTTP {response.status_code})")
    code = str(body.get("error") or "")
    if code:
        failures = (body.get("response") or {}).get("failure_list")
        if partial and failures:
            return body
        raise classify(code, str(body.get("message") or ""), response.status_code, where)
    error = status_error(response)
    if error is not None:
        raise error
    return body


def _token_refused(err: AuthError) -> bool:
    """Whether Shopee refused the access token itself (a refresh can help), not the signature or the shop."""
    return isinstance(err, ShopAuthError) and err.token


def order_lines(order: Mapping[str, Any]) -> list[OrderLine]:
    """One get_order_detail entry as order lines, one per seller SKU (the ledger keeps one line per order and SKU,
    so a SKU listed twice, e.g. in a bundle deal, is summed). A line still selling units is `placed` with those
    units (purchased less cancelled_qty and returned_qty): a partial return lowers the quantity sold, and the
    ledger's upsert takes the new figure. A line with nothing left is `returned` if any unit came back, else
    `cancelled`, with the units purchased. A CANCELLED order gives every unit back."""
    cancelled_order = order.get("order_status") == "CANCELLED"
    at = datetime.fromtimestamp(int(order.get("create_time") or 0), UTC)
    units: dict[str, list[int]] = {}  # seller SKU -> [purchased, still sold, returned]
    prices: dict[str, set[int | None]] = {}
    for item in order.get("item_list") or []:
        sku = item.get("model_sku") or item.get("item_sku")
        if not sku:
            continue
        prices.setdefault(str(sku), set()).add(_unit_price(item))
        purchased = int(item.get("model_quantity_purchased") or 0)
        returned = 0 if cancelled_order else int(item.get("returned_qty") or 0)
        gone = purchased if cancelled_order else int(item.get("cancelled_qty") or 0) + returned
        tally = units.setdefault(str(sku), [0, 0, 0])
        tally[0] += purchased
        tally[1] += max(purchased - gone, 0)
        tally[2] += returned
    order_id = str(order["order_sn"])
    # One price per SKU; a SKU listed twice at two prices has none.
    price = {sku: next(iter(seen)) if len(seen) == 1 else None for sku, seen in prices.items()}
    return [OrderLine(order_id, sku, kept, "placed", at, unit_price=price[sku]) if kept
            else OrderLine(order_id, sku, purchased, "returned" if returned else "cancelled", at,
                           unit_price=price[sku])
            for sku, (purchased, kept, returned) in units.items()]


def _unit_price(item: Mapping[str, Any]) -> int | None:
    """The buyer's price per unit: `model_discounted_price` ("the after-discount price of the item in the listing
    currency"; the original price when there is no discount), in whole rupiah. It is 0 for a bundle deal item
    (the page: the bundle discount is not broken down per item), and then unknown here: None."""
    value = item.get("model_discounted_price")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return round(value)


def _tiers(variants: Sequence[ListingVariant]) -> _TierPlan:
    """init_tier_variation's tier_variation and model list: tier names from the options' keys and option values
    in first-seen order."""
    values: dict[str, list[str]] = {}
    for variant in variants:
        for name, value in variant.options.items():
            options = values.setdefault(name, [])
            if value not in options:
                options.append(value)
    if not 1 <= len(values) <= MAX_TIERS:
        raise Invalid(f"Shopee variants need 1 or 2 option names (e.g. Warna, Ukuran), got {list(values) or 'none'}")
    for variant in variants:
        if set(variant.options) != set(values):
            raise Invalid(
                f"variant {variant.seller_sku} has options {sorted(variant.options)}, expected {list(values)}"
            )
    tier_variation = [
        {"name": name, "option_list": [{"option": option} for option in options]} for name, options in values.items()
    ]
    models = [
        {
            "tier_index": [options.index(variant.options[name]) for name, options in values.items()],
            "model_sku": variant.seller_sku,
            "original_price": variant.price,
            "seller_stock": [{"stock": variant.stock}],
        }
        for variant in variants
    ]
    return tier_variation, models


def _no_tiers(listing: Listing) -> _TierPlan:
    """init_tier_variation's way back to a single SKU: no tiers, one model without tier_index holding the price
    and stock (Shopee's page, since 2024-06)."""
    return [], [{"tier_index": [], "original_price": listing.price, "seller_stock": [{"stock": listing.stock}]}]


def _standardised(tier_variation: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Tiers as `standardise_tier_variation`, the form init/update_tier_variation take since 2025-09-12 (their
    update_log_list: tier_variation "has been deprecated"): the seller's own variations, so every variation and
    option id is 0 and names carry the values, as both pages' request samples show."""
    return [{"variation_id": 0, "variation_group_id": 0, "variation_name": tier["name"],
             "variation_option_list": [{"variation_option_id": 0, "variation_option_name": option["option"]}
                                       for option in tier["option_list"]]}
            for tier in tier_variation]


def _option_lists(tier_variation: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[str]]]:
    """Tier names and option values, to compare Shopee's tier_variation (options may carry images) with ours."""
    return [(tier["name"], [option["option"] for option in tier["option_list"]]) for tier in tier_variation]


def _attribute_list(attributes: Sequence[AttributeValue]) -> list[dict[str, Any]]:
    """The listing's filled attributes as add_item's attribute_list (v2.product.add_item.json): an option by its
    value_id; a custom value as value_id 0 with `original_value_name`; a date (YYYY-MM-DD from the sync) as a
    timestamp string ("If AttributeType is DATE_TYPE or TIMESTAMP_TYPE, you can upload timestamp(string type) as
    the original_value_name"), midnight in Jakarta. Several values of one attribute share its attribute_value_list."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for attribute in attributes:
        if not attribute.attribute_id.isdigit():
            raise Invalid(f"attribute {attribute.attribute_id!r}: Shopee needs a numeric attribute id "
                          "(see get_attribute_tree)")
        value = ({"value_id": int(attribute.option_id)} if attribute.option_id and attribute.option_id.isdigit()
                 else {"value_id": 0, "original_value_name": _custom_value(attribute.value)})
        grouped.setdefault(int(attribute.attribute_id), []).append(value)
    return [{"attribute_id": attribute_id, "attribute_value_list": values} for attribute_id, values in grouped.items()]


def _custom_value(value: str) -> str:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=WIB)
    except ValueError:
        return value
    return str(int(day.timestamp()))


# get_attribute_tree attribute_info.input_type: 1 SINGLE_DROP_DOWN, 2 SINGLE_COMBO_BOX, 3 FREE_TEXT_FILED,
# 4 MULTI_DROP_DOWN, 5 MULTI_COMBO_BOX (a combo box or free text takes values of one's own); input_validation_type:
# 1 INT, 2 STRING, 3 FLOAT, 4 DATE (0 none).
_LISTED_ONLY = frozenset({1, 4})
_MULTIPLE = frozenset({4, 5})
_INPUT_OF_VALIDATION = {1: AttributeInput.NUMBER, 3: AttributeInput.NUMBER, 4: AttributeInput.DATE}


def _category_node(node: Mapping[str, Any]) -> ChannelCategory:
    parent = node.get("parent_category_id")
    return ChannelCategory(
        id=str(node["category_id"]),
        name=str(node.get("display_category_name") or node.get("original_category_name") or ""),
        parent_id=str(parent) if parent else None,
        leaf=not node.get("has_children"),
    )


def _category_attribute(raw: Mapping[str, Any]) -> CategoryAttribute:
    info = raw.get("attribute_info") or {}
    input_type = info.get("input_type")
    return CategoryAttribute(
        id=str(raw["attribute_id"]),
        name=str(raw.get("name") or ""),
        mandatory=raw.get("mandatory") is True,
        options=tuple(AttributeOption(str(value["value_id"]), str(value.get("name") or ""))
                      for value in raw.get("attribute_value_list") or [] if value.get("value_id") is not None),
        custom=input_type not in _LISTED_ONLY,
        input=_INPUT_OF_VALIDATION.get(info.get("input_validation_type"), AttributeInput.TEXT),
        multiple=input_type in _MULTIPLE,
    )


def _models_of(change: Change) -> tuple[dict[int, tuple[str, int]], list[str]]:
    """model id -> (seller SKU, value) for the change's SKUs, and the SKUs without a model id.
    A listing without variants is model 0."""
    ids = change.remote.variant_ids
    if not ids and len(change.values) == 1:
        [(sku, value)] = change.values.items()
        return {0: (sku, value)}, []
    targets = {int(ids[sku]): (sku, value) for sku, value in change.values.items() if sku in ids}
    return targets, [sku for sku in change.values if sku not in ids]


def _ids_by_sku(models: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Seller SKU -> model id; a model whose id is no int64 (v2.product.get_model_list.json) is left out."""
    ids = {model["model_sku"]: answer_id(model.get("model_id"), int) for model in models if model.get("model_sku")}
    return {sku: model_id for sku, model_id in ids.items() if model_id is not None}


def _unconfirmed(targets: Mapping[int, tuple[str, int]], successes: Any, failures: Sequence[Any]) -> list[str]:
    """The SKUs an update_stock / update_price answer neither confirmed (`success_list`, model_id int64) nor
    refused (`failure_list`): v2.product.update_stock.json lists every model in one of the two."""
    answered = {entry.get("model_id") for entry in [*(successes if isinstance(successes, list) else []), *failures]
                if isinstance(entry, Mapping) and type(entry.get("model_id")) is int}
    return [sku for model_id, (sku, _) in targets.items() if model_id not in answered]


def _first_price(price_info: Any) -> int | None:
    """The original price, or None when the answer's is no plausible price."""
    entries = price_info if isinstance(price_info, list) else [price_info or {}]
    return answer_amount((entries[0] if entries else {}).get("original_price") or 0)


def _stock_of(stock_info: Any) -> int | None:
    """Seller stock from stock_info_v2 (summed over locations), or None when a figure is no plausible stock."""
    info = stock_info or {}
    sellers = info.get("seller_stock") or []
    figures = ([answer_amount(entry.get("stock") or 0) for entry in sellers] if sellers
               else [answer_amount((info.get("summary_info") or {}).get("total_available_stock") or 0)])
    return None if None in figures else sum(f for f in figures if f is not None)


def _unusable_id(api: str, value: Any) -> AdapterError:
    return AdapterError(f"Shopee {api} answered {str(value)[:40]!r} ({type(value).__name__}) where an item_id "
                        "(int64) belongs; the lookup settles nothing")


def _known(values: Mapping[str, int | None]) -> dict[str, int]:
    """The values an answer gave plausibly: an implausible one is not known, so nothing compares with it."""
    return {sku: value for sku, value in values.items() if value is not None}


def _item_failure(message: str) -> AdapterError:
    return NotFound(message) if "not found" in message.lower() else Invalid(message)


def _until_quota_reset() -> float:
    now = datetime.now(QUOTA_TIMEZONE)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()

