"""The adapter protocol: what a marketplace adapter declares and does, and the failure classes it raises.

The sync engine knows marketplaces only through this module. An adapter turns a channel-ready `Listing`
(built by the sync engine from a PASINDO product) into the marketplace's calls, parses every answer, and
raises one of the failure classes below; the executor decides what to do with each.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from connector.problems import problems

T = TypeVar("T")

# -- failure classes ------------------------------------------------------------------------------------------


class ErrorClass(StrEnum):
    """The failure class of a refused or failed call, as run items record it (DESIGN.md, Failure classes)."""

    ERROR = "error"
    THROTTLED = "throttled"
    TRANSIENT = "transient"
    INVALID = "invalid"
    AUTH = "auth"
    NOT_FOUND = "not_found"
    UNKNOWN_OUTCOME = "unknown_outcome"
    PENDING = "pending"  # the marketplace cannot take it yet (audit): a later run sends it
    GUARD = "guard"  # not an adapter's: a guard of the sync held the operation back


class AdapterError(Exception):
    """A marketplace refused or failed a call. `code` is the marketplace's own error code, if any."""

    error_class: ErrorClass = ErrorClass.ERROR

    def __init__(self, message: str, *, code: str | None = None, retry_after: float | None = None,
                 remote: Remote | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after
        self.remote = remote  # a create that got as far as making the listing: its ids, so it can be bound


class Throttled(AdapterError):
    """Too many requests: wait (Retry-After or backoff) and retry; the channel's limiter slows down."""

    error_class: ErrorClass = ErrorClass.THROTTLED


class Transient(AdapterError):
    """Timeouts before sending, connection resets, 5xx, busy: retry with backoff, a bounded number of times."""

    error_class: ErrorClass = ErrorClass.TRANSIENT


class Invalid(AdapterError):
    """The marketplace refuses this item's data: not retried until the item's content changes."""

    error_class: ErrorClass = ErrorClass.INVALID


class AuthError(AdapterError):
    """Bad signature, expired or invalid token, IP not allowed: refresh once if that can help, else stop the
    channel for this run."""

    error_class: ErrorClass = ErrorClass.AUTH


class NotFound(AdapterError):
    """The listing is gone on the marketplace: look it up by SKU, re-create only if truly gone."""

    error_class: ErrorClass = ErrorClass.NOT_FOUND


class UnknownOutcome(AdapterError):
    """A write whose answer never came (timeout after sending): never blind-retry; resolve by lookup."""

    error_class: ErrorClass = ErrorClass.UNKNOWN_OUTCOME


class Pending(AdapterError):
    """The marketplace cannot take this change yet (a product still in review/audit): not a failure; the ledger
    does not move, so a later run sends it again."""

    error_class: ErrorClass = ErrorClass.PENDING


class ImageProblem(AdapterError):
    """An image of a listing cannot be had (an address that will not do, a download that failed, a file gone or
    unreadable) or is not a format the channel takes. Found before any write, so it is that one product's failure
    for this run and nothing of it is sent; a later run tries again (the channel refused nothing).

    `source` is the image as the catalog gives it (its address or file); `transient` when it may work later
    (timeouts, connection failures, a server error), which the run records as failed rather than invalid."""

    def __init__(self, message: str, *, source: str, transient: bool = False):
        super().__init__(message)
        self.source = source
        self.error_class = ErrorClass.TRANSIENT if transient else ErrorClass.INVALID


# -- what the sync engine hands an adapter -------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """An image to show. `sha256` identifies it for the media cache; `load()` gives the bytes to upload and raises
    `ImageProblem` when they cannot be had; `source` is the image as the catalog gives it (address or file)."""

    sha256: str
    filename: str
    load: Callable[[], bytes] = field(compare=False, repr=False)
    source: str = field(default="", compare=False)


# Image formats by their first bytes (the file's magic number): what a channel's `image_formats` names.
_MAGIC = (("JPG", b"\xff\xd8\xff", 0), ("PNG", b"\x89PNG\r\n\x1a\n", 0), ("WEBP", b"WEBP", 8))


def image_format(data: bytes) -> str | None:
    """"JPG", "PNG" or "WEBP" as the bytes' magic number says (a WEBP file is a RIFF file of form WEBP), or None."""
    for name, magic, offset in _MAGIC:
        if data[offset:offset + len(magic)] == magic and (name != "WEBP" or data.startswith(b"RIFF")):
            return name
    return None


@dataclass(frozen=True)
class ListingLink:
    """Where a buyer sees one listing: the label a buyer knows ("Shopee", "Tokopedia") and the page's address."""

    label: str
    url: str


@dataclass(frozen=True)
class ListingVariant:
    seller_sku: str
    price: int
    stock: int
    options: dict[str, str]  # option name -> value, in tier order


@dataclass(frozen=True)
class AttributeValue:
    """One category attribute of a listing, as the sync filled it from the channel's `CategoryAttribute`.

    `value` is the text to send: an option's name, or a custom value (a date as YYYY-MM-DD, a number as digits);
    `option_id` is the option's id on the channel when the value is one of the attribute's options."""

    attribute_id: str
    name: str  # the attribute's name on the channel (Lazada sends attributes by name)
    value: str
    option_id: str | None = None


@dataclass(frozen=True)
class Listing:
    """What one channel should show for one product: channel-ready, money in whole rupiah, weight in grams."""

    key: str  # the PASINDO product key, institution:sku
    seller_sku: str
    name: str
    description: str
    category_id: int | str
    price: int  # without variants: the price; with variants: the lowest variant price
    stock: int
    weight_g: int
    images: tuple[Image, ...]
    variants: tuple[ListingVariant, ...] = ()
    length_cm: int | None = None
    width_cm: int | None = None
    height_cm: int | None = None
    brand: str = "No Brand"
    attributes: tuple[AttributeValue, ...] = ()  # the category's attributes as filled by the sync (see below)

    def sku_prices(self) -> dict[str, int]:
        return {v.seller_sku: v.price for v in self.variants} or {self.seller_sku: self.price}

    def sku_stock(self) -> dict[str, int]:
        return {v.seller_sku: v.stock for v in self.variants} or {self.seller_sku: self.stock}


@dataclass(frozen=True)
class Remote:
    """A listing as the marketplace knows it: its id, and the ids of its variants by seller SKU.

    `prices` and `stock` (by seller SKU) are filled by `Adapter.listings` where the marketplace answers them
    cheaply, so an adopted listing's real price is what the price-drop guard compares with; elsewhere empty."""

    external_id: str
    seller_sku: str | None
    variant_ids: dict[str, str] = field(default_factory=dict)  # seller SKU -> model / SKU id
    active: bool = True
    prices: dict[str, int] = field(default_factory=dict, compare=False)
    stock: dict[str, int] = field(default_factory=dict, compare=False)

    def skus(self) -> set[str]:
        """The seller SKUs it sells: its variants', or its own when it has none."""
        return set(self.variant_ids) or ({self.seller_sku} if self.seller_sku else set())


@dataclass(frozen=True)
class OrderLine:
    """Units of one seller SKU in one order, as the marketplace last reported them. `status` is placed,
    cancelled or returned; `at` is when the order was placed (timezone-aware UTC)."""

    order_id: str
    seller_sku: str
    quantity: int
    status: str
    at: datetime
    unit_price: int | None = None  # whole rupiah per unit, as the marketplace reported it; None: not read


# -- answers are verified, never trusted -------------------------------------------------------------------------

# The highest listing, model or SKU id an answer may carry: the marketplaces document int64 ids.
MAX_ANSWER_ID = 2**63 - 1
# The highest price (whole rupiah) or stock an answer may carry before it is taken for garbage, not a value: far
# above any price or stock a PASINDO product has, far below where arithmetic on it misbehaves.
MAX_ANSWER_AMOUNT = 10**12


def answer_id(value: Any, documented: type[int] | type[str], *, digits: bool = False) -> str | None:
    """An id from a marketplace's answer as the text the ledger keeps, or None when it is not what the
    marketplace documents: a positive int64 where an int is documented (never a bool, a text or a float; with
    `digits`, also that number written in digits, where the documentation's own samples write it so), a short
    printable text without spaces where a string is documented (never a number)."""
    if documented is int:
        if digits and type(value) is str and value.isascii() and value.isdigit() and not value.startswith("0"):
            value = int(value) if len(value) <= 19 else 0
        if type(value) is int and 0 < value <= MAX_ANSWER_ID:
            return str(value)
        return None
    if (type(value) is str and 0 < len(value) <= 64 and value.isprintable()
            and not any(c.isspace() for c in value)):
        return value
    return None


def answer_amount(value: Any) -> int | None:
    """A price (whole rupiah) or a stock figure from a marketplace's answer, or None when it is no plausible one:
    not a number (a bool is none), not finite, negative, or past `MAX_ANSWER_AMOUNT`. Numeric texts are read,
    since the marketplaces send prices as texts."""
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 <= number <= MAX_ANSWER_AMOUNT:  # NaN fails both comparisons
        return None
    return int(round(number))


# -- what a channel says about its categories -----------------------------------------------------------------


@dataclass(frozen=True)
class ChannelCategory:
    """One node of a channel's category tree. Only a leaf takes listings."""

    id: str
    name: str
    parent_id: str | None
    leaf: bool


class AttributeInput(StrEnum):
    """How a custom (non-option) value of an attribute is written."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"  # the sync fills YYYY-MM-DD; the adapter writes the marketplace's own form


@dataclass(frozen=True)
class AttributeOption:
    id: str
    name: str


@dataclass(frozen=True)
class CategoryAttribute:
    """A product attribute a channel's category asks for (sales/variation attributes excluded).

    `options` are the values the channel offers; `custom` says whether a value outside them is accepted."""

    id: str
    name: str
    mandatory: bool
    options: tuple[AttributeOption, ...] = ()
    custom: bool = True
    input: AttributeInput = AttributeInput.TEXT
    multiple: bool = False


ORDER_OVERLAP_SECONDS = 300  # each pull re-reads this much before the cursor: late-indexed updates are not missed


@dataclass(frozen=True)
class Change:
    """One item of a batched update: a listing's remote ids and the new values by seller SKU."""

    key: str
    remote: Remote
    values: dict[str, int]  # seller SKU -> price or stock


@dataclass
class Outcome:
    """The answer for one item of a batch: done, or the failure that item met."""

    key: str
    error: AdapterError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Capabilities:
    """What the executor must know to batch and pace calls."""

    price_batch: int  # items (Shopee, TikTok) or SKUs (Lazada) per price call
    stock_batch: int
    status_batch: int  # listings per delist / relist call
    batch_across_products: bool  # True: a batch may mix SKUs of several products (Lazada)
    idempotent_create: bool  # True: create takes an idempotency key (TikTok Shop)
    rate_limit: float  # requests per second the marketplace allows a shop
    max_variants: int
    max_images: int


@dataclass(frozen=True)
class ListingRules:
    """What a channel accepts in one listing, as its documentation states it: checked (and, where the sync can,
    adapted to) before any call (`connector/sync/fit.py`). Lengths count characters; weight in grams, dimensions
    in whole cm, prices in whole rupiah. None: the channel documents no bound there, nothing is checked.

    `dimensions_required`: the listing must carry length, width and height (an adapter that fills a default
    itself does not require them)."""

    title_min: int = 1
    title_max: int | None = None
    description_min: int = 0
    description_max: int | None = None
    images_min: int = 0
    images_max: int | None = None
    weight_min_g: int = 1
    weight_max_g: int | None = None
    dimensions_required: bool = False
    dimension_max_cm: int | None = None
    price_min: int = 0
    price_max: int | None = None
    stock_max: int | None = None
    variants_max: int | None = None
    seller_sku_max: int | None = None

    def problems(self) -> list[str]:
        """What makes these rules impossible to meet (a minimum above its maximum, a negative bound)."""
        ranges = (("title", self.title_min, self.title_max), ("description", self.description_min,
                  self.description_max), ("images", self.images_min, self.images_max),
                  ("weight_g", self.weight_min_g, self.weight_max_g), ("price", self.price_min, self.price_max),
                  ("stock", 0, self.stock_max), ("variants", 0, self.variants_max),
                  ("seller_sku", 1, self.seller_sku_max), ("dimension_cm", 1, self.dimension_max_cm))
        found = [f"{name}: minimum {low} is negative" for name, low, _ in ranges if low < 0]
        found += [f"{name}: minimum {low} is above maximum {high}" for name, low, high in ranges
                  if high is not None and low > high]
        return found


def batched(items: Sequence[T], limit: int, size: Callable[[T], int]) -> list[list[T]]:
    """Split items into batches whose sizes (items, or SKUs when batches span products) stay within `limit`."""
    batches: list[list[T]] = []
    used = 0
    for item in items:
        n = size(item)
        if not batches or used + n > limit:
            batches.append([])
            used = 0
        batches[-1].append(item)
        used += n
    return batches


class TokenStore(Protocol):
    """Where an adapter keeps refreshed tokens (the ledger). `save` is atomic and durable before it returns."""

    def load(self, channel: str) -> dict[str, Any] | None: ...

    def save(self, channel: str, tokens: dict[str, Any]) -> None: ...


class MediaCache(Protocol):
    """Image content hash -> the channel's image id, so an image is uploaded once per channel."""

    def get(self, channel: str, sha256: str) -> str | None: ...

    def put(self, channel: str, sha256: str, image_id: str) -> None: ...


class FactStore(Protocol):
    """What a channel said about itself, kept across runs (the ledger's facts): a body by (channel, kind, key), with
    when it was read (Unix seconds), so the adapter decides what is too old."""

    def get(self, channel: str, kind: str, key: str = "") -> tuple[Any, float] | None: ...

    def put(self, channel: str, kind: str, key: str, body: Any, fetched_at: float) -> None: ...


class AdapterSettingsError(ValueError):
    """A channel's credentials or options do not fit the adapter's models: every problem, as `loc: message`
    (never a value: credentials are secrets)."""

    def __init__(self, channel: str, problems: list[str]):
        super().__init__(f"channel {channel}: " + "; ".join(problems))
        self.problems = problems


class Adapter(ABC):
    """One marketplace. Subclasses set `capabilities` and implement the calls; every answer body is parsed.

    `Credentials` and `Options` are the adapter's pydantic models (extra keys forbidden) of what a channel's
    `credentials` and `options` may hold; the config check validates every channel against them when the config
    loads, and the constructor validates again, so `self.credentials` and `self.options` are model instances. The
    constructor also sets up what every adapter shares: `self.transport` (session, rate limiter, timeouts and
    retry policy from the options; `capabilities.rate_limit` becomes the pace in force) and `self.keeper` (the
    token pair, starting from the credentials' access_token and refresh_token, refreshed through `exchange`).

    A plug-in that declares neither model keeps what it got: `self.credentials` and `self.options` are the
    mappings as given, unchecked; the transport and the token keeper read their own keys from them
    (`ChannelOptions`, `ChannelCredentials`) and ignore the rest.
    """

    name: str
    capabilities: Capabilities
    # what a listing must meet on this marketplace, declared (no call): the default checks nothing a plug-in's
    # marketplace may refuse; the marketplace's own answer is then all there is
    listing_rules: ClassVar[ListingRules] = ListingRules()
    Credentials: ClassVar[type[BaseModel] | None] = None
    Options: ClassVar[type[BaseModel] | None] = None
    marketplace: ClassVar[str] = ""  # how messages name it ("TikTok Shop"); default: `name`
    token_holder: ClassVar[str] = "shop"  # who authorises the app ("seller" on Lazada), for messages

    @classmethod
    def listing_links(cls, credentials: Mapping[str, Any], external_id: str, *, sandbox: str | None = None,
                      variant_ids: Mapping[str, str] | None = None) -> tuple[ListingLink, ...]:
        """The buyer-facing pages of one listing, from its id on the channel and the channel's credentials, in the
        marketplace's documented product-page form; for a channel on the sandbox (`sandbox`: the sandbox's base
        URL), the sandbox's page of that listing. `variant_ids`: the binding's variant ids by seller SKU, for a
        marketplace whose page address names a SKU (Lazada's). Never calls the marketplace. Default: none known."""
        return ()

    def __init__(self, channel: str, base_url: str, credentials: dict[str, str], *, tokens: TokenStore,
                 media: MediaCache, options: dict[str, Any] | None = None, timeout: float = 30.0,
                 facts: FactStore | None = None):
        """`facts`: where what the shop says about itself is kept across runs; without it, kept by this instance."""
        # http and tokens raise this module's failure classes, so they import it: imported here, not at the top.
        from connector.adapters.http import ChannelOptions, ChannelTransport
        from connector.adapters.tokens import ChannelCredentials, TokenKeeper

        self.channel = channel
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.media = media
        self.facts = facts
        self.timeout = timeout
        found: list[str] = []
        self.credentials: Any = _validated(self.Credentials, credentials, "credentials", found)
        self.options: Any = _validated(self.Options, options or {}, "options", found)
        shared = self.options if self.Options is not None else _validated(
            ChannelOptions, _own(ChannelOptions, self.options), "options", found)
        if found:
            raise AdapterSettingsError(channel, found)
        self.transport = ChannelTransport.from_options(shared, rate_limit=self.capabilities.rate_limit,
                                                       read_timeout=timeout)
        self.capabilities = replace(self.capabilities, rate_limit=self.transport.limiter.max_rate)
        pair = self.credentials if self.Credentials is not None else ChannelCredentials.model_validate(
            _own(ChannelCredentials, self.credentials))
        self.keeper = TokenKeeper(channel, pair, tokens, exchange=self.exchange, margin=shared.token_refresh_margin,
                                  marketplace=self.marketplace or self.name, holder=self.token_holder)

    def exchange(self, refresh_token: str) -> dict[str, Any]:
        """The marketplace's token call (see `connector.adapters.tokens.Exchange`): a refresh token for a new pair.

        Optional for plug-ins: without it, an expired access token stops the channel until it is re-authorised."""
        raise AuthError(f"the {self.name} adapter cannot refresh access tokens (Adapter.exchange)")

    @abstractmethod
    def check(self) -> str:
        """One cheap authenticated call proving credentials, shop and permissions; returns a short summary."""

    @abstractmethod
    def find(self, seller_sku: str, variant_skus: Sequence[str] = ()) -> list[Remote]:
        """Every listing on the channel for this product: none, one, or duplicates.

        `seller_sku` is the product's seller SKU; `variant_skus` its variants' seller SKUs. A marketplace that
        keeps a product-level SKU (Shopee's item_sku) searches by `seller_sku`; one that knows only SKU-level
        seller SKUs (Lazada, TikTok Shop) searches by `variant_skus` when there are variants."""

    def listings(self) -> Iterator[Remote]:
        """Every listing on the shop (active or not, never deleted ones), paged the marketplace's way, with
        `variant_ids` and, where cheap, `prices` and `stock`. `pasindo link` adopts them by seller SKU.

        Optional for plug-ins: without it, a channel cannot be linked and its first sync creates everything."""
        raise NotImplementedError(f"the {self.name} adapter cannot list a shop's listings (Adapter.listings), so "
                                  "existing listings cannot be adopted")

    def orders(self, since_cursor: str | None) -> tuple[list[OrderLine], str]:
        """Order lines placed, cancelled or returned since the cursor (None: the marketplace's recent window), and
        the cursor to give next time. Lines may repeat across pulls; the ledger keeps the latest of each.

        Optional for plug-ins: without it, the channel's sales are not shared with the other channels."""
        raise NotImplementedError(f"the {self.name} adapter cannot read orders (Adapter.orders)")

    def categories(self) -> list[ChannelCategory]:
        """The shop's whole category tree (parents and leaves), in the language the listings are written in.

        Optional for plug-ins: without it (and `attributes`), the sync checks no category and fills no attribute
        before a create; the marketplace's own refusals are all there is."""
        raise NotImplementedError(f"the {self.name} adapter cannot read the category tree (Adapter.categories)")

    def attributes(self, category_id: str) -> list[CategoryAttribute]:
        """The product attributes of one leaf category, with which are mandatory and their options."""
        raise NotImplementedError(f"the {self.name} adapter cannot read category attributes (Adapter.attributes)")

    # documented neutral values, by attribute name (compared ignoring case and punctuation): what the sync may
    # send for a mandatory attribute nothing else fills, where the marketplace documents such a value
    neutral_values: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    def create(self, listing: Listing, intent_id: str) -> Remote:
        """Create the listing with its variants, price and stock. Raises UnknownOutcome if the answer was lost."""

    @abstractmethod
    def update_content(self, remote: Remote, listing: Listing) -> Remote:
        """Name, description, category, weight, images, variants. Returns the (possibly new) variant ids."""

    @abstractmethod
    def update_prices(self, changes: Sequence[Change]) -> list[Outcome]:
        """At most `capabilities.price_batch` items (or SKUs); one Outcome per change."""

    @abstractmethod
    def update_stock(self, changes: Sequence[Change]) -> list[Outcome]:
        """At most `capabilities.stock_batch` items (or SKUs); absolute sellable stock; one Outcome per change."""

    @abstractmethod
    def set_active(self, remotes: Sequence[tuple[str, Remote]], active: bool) -> list[Outcome]:
        """Delist (False) or relist (True) at most `capabilities.status_batch` listings, given as (key, remote)."""

    # the image formats the marketplace's upload takes (of those `image_format` recognises); each adapter names
    # its documentation. Every built-in marketplace takes JPG and PNG.
    image_formats: ClassVar[frozenset[str]] = frozenset({"JPG", "PNG"})

    @abstractmethod
    def upload_image(self, image: Image) -> str:
        """Upload one image; returns the channel's image id. Callers go through `image_id`, which caches and
        hands this method an `Image` whose bytes are loaded and checked already."""

    def image_id(self, image: Image) -> str:
        """The channel's id of `image`, uploaded first if the channel does not have it. Raises `ImageProblem`,
        before any call, when the bytes cannot be had or are not a format the channel takes."""
        cached = self.media.get(self.channel, image.sha256)
        if cached is not None:
            return cached
        data = _loaded(image)
        found = image_format(data)
        if found not in self.image_formats:
            takes = " or ".join(sorted(self.image_formats))
            what = f"a {found} image" if found else f"not an image (it starts {data[:12]!r})"
            raise ImageProblem(f"image {_shown(image)}: {what}; {self.marketplace or self.name} takes {takes}",
                               source=image.source or image.filename)
        image_id = self.upload_image(replace(image, load=lambda: data))
        self.media.put(self.channel, image.sha256, image_id)
        return image_id

    def close(self) -> None:
        """Release connections; adapters holding more than the shared transport close theirs too."""
        self.transport.close()


def _loaded(image: Image) -> bytes:
    """The image's bytes. A loader is the edge where a file or a download is read: whatever it raises is that
    image's problem (a plug-in's loader may raise OSError, a decoder's ValueError, an HTTP client's own errors)."""
    try:
        return image.load()
    except ImageProblem:
        raise
    except Exception as err:  # one image's failure, never the channel's (see the docstring)
        raise ImageProblem(f"image {_shown(image)} cannot be read: {type(err).__name__}: {str(err)[:200]}",
                           source=image.source or image.filename) from None


def _shown(image: Image) -> str:
    return (image.source or image.filename)[:200]


M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M] | None, given: Mapping[str, Any], what: str, found: list[str]) -> M | Any:
    """`given` checked by `model` (its problems added to `found`), or as given without a model."""
    if model is None:
        return given
    try:
        return model.model_validate(given)
    except ValidationError as err:
        found += problems(err, model, what)
        return None


def _own(model: type[BaseModel], given: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of `given` that `model` knows: what the shared plumbing reads from a plug-in's settings."""
    return {key: value for key, value in given.items() if key in model.model_fields}
