"""What the gateway and a marketplace dialect say to each other.

A dialect is one marketplace's API. The gateway does the dialect-independent work (counting, rate limit,
faults, inspection) and hands each request whose path starts with one of the dialect's prefixes to
``Dialect.handle``. A new dialect is a module with a class that satisfies ``Dialect`` (its default
credentials, order-id format and own settings included) plus one line in ``connector.sandbox.registry``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, ClassVar, Protocol

from connector.sandbox.store import Store


@dataclass(frozen=True)
class Request:
    """One HTTP request as the gateway received it (body fully read, query parsed)."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Message  # case-insensitive, as http.server parsed them
    body: bytes
    client_host: str

    def param(self, name: str) -> str | None:
        """The first value of a query parameter, or None when it is absent."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    """An answer to send back. ``committed_write`` marks a write that changed marketplace state."""

    status: int
    body: bytes
    content_type: str = "application/json"
    committed_write: bool = False


@dataclass(frozen=True)
class FormPart:
    """One named part of a multipart/form-data body; ``filename`` is None for a text field."""

    name: str
    data: bytes
    filename: str | None


def multipart_parts(request: Request) -> list[FormPart] | None:
    """The named parts of the request's multipart/form-data body in order, or None when the body is not multipart.

    Whether the request had to be multipart, and what to answer when it is not, is each dialect's own business.
    """
    content_type = request.headers.get("Content-Type", "")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + request.body
    )
    if not message.is_multipart():
        return None
    parts = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            parts.append(FormPart(name, part.get_payload(decode=True) or b"", part.get_filename()))
    return parts


@dataclass(frozen=True)
class Settings:
    """Knobs every dialect reads. ``clock`` is Unix seconds; tests may replace it."""

    clock: Callable[[], float] = time.time
    audit_seconds: float = 0.0  # how long a new or edited product stays in review, where the marketplace reviews


@dataclass(frozen=True)
class NoSettings:
    """The own settings of a dialect that has none."""


class Dialect(Protocol):
    """One marketplace API served by the sandbox."""

    name: ClassVar[str]
    prefixes: ClassVar[tuple[str, ...]]
    # What `endpoint: sandbox` uses for a channel that gives no credentials (DESIGN.md, Outside contracts).
    default_credentials: ClassVar[Mapping[str, str]]
    # A frozen dataclass of this dialect's own settings, every field with a default (``NoSettings`` for none).
    settings_type: ClassVar[type[Any]]

    def __init__(self, store: Store, settings: Settings, own: Any = None) -> None:
        """``own`` is an instance of ``settings_type``; None means its defaults."""

    @staticmethod
    def order_id(number: int) -> str:
        """The id of the sandbox's ``number``-th order (from 1), in this marketplace's format."""

    def seed(self) -> None:
        """Install the default credentials (idempotent; called at start and after a reset)."""

    def is_write(self, request: Request) -> bool:
        """Whether the request targets an endpoint that changes listings (timeouts only hit these)."""

    def handle(self, request: Request) -> Response:
        """Answer the request exactly as the marketplace would."""

    def failure(self, roll: float) -> Response:
        """An injected server failure in this marketplace's shape; ``roll`` in [0, 1) picks the variant."""

    def throttled(self) -> Response:
        """The marketplace's answer to a caller that exceeded its rate limit."""

    def inspect(self) -> list[dict[str, Any]]:
        """Listings for ``GET /_sandbox/items`` (see DESIGN.md, Outside contracts → Sandbox)."""

    def plant(self, listings: list[Planted]) -> list[int]:
        """Create listings directly, as a seller centre would (``POST /_sandbox/items``); returns their ids."""

    def buyer_listing(self, item_id: int) -> dict[str, Any] | None:
        """The listing a buyer sees on its product page (``GET /_sandbox/listing/<dialect>/<id>``), in the
        inspection shape; None when no buyer can see it there (unknown, deleted, delisted, still in review)."""


class PlantError(ValueError):
    """A ``POST /_sandbox/items`` body that does not have the inspection shape."""


@dataclass(frozen=True)
class PlantedVariant:
    seller_sku: str
    price: int
    stock: int
    options: dict[str, str]  # option name -> value; default {"Variasi": seller SKU}


@dataclass(frozen=True)
class Planted:
    """A hand-made listing in the shape of ``GET /_sandbox/items`` (item_id and images as a count are optional)."""

    seller_sku: str | None
    name: str
    description: str
    price: int
    stock: int
    status: str
    category_id: int
    images: int
    variants: tuple[PlantedVariant, ...]

    @classmethod
    def parse(cls, raw: Any) -> Planted:
        if not isinstance(raw, dict):
            raise PlantError("every item must be an object in the shape of GET /_sandbox/items")
        variants = []
        for v in raw.get("variants") or []:
            if not isinstance(v, dict) or not v.get("seller_sku"):
                raise PlantError("every variant needs a seller_sku")
            options = v.get("options") or {"Variasi": str(v["seller_sku"])}
            variants.append(PlantedVariant(str(v["seller_sku"]), _whole(v.get("price"), "variants.price"),
                                           _whole(v.get("stock", 0), "variants.stock"),
                                           {str(k): str(o) for k, o in options.items()}))
        if not variants and not raw.get("seller_sku"):
            raise PlantError("an item without variants needs a seller_sku")
        status = raw.get("status", "active")
        if status not in ("active", "inactive"):
            raise PlantError("status must be active or inactive")
        planted = cls(
            seller_sku=str(raw["seller_sku"]) if raw.get("seller_sku") else None,
            name=str(raw.get("name") or f"Produk buatan tangan {raw.get('seller_sku') or variants[0].seller_sku}"),
            description=str(raw.get("description") or "Dibuat di Seller Center."),
            price=min((v.price for v in variants), default=0) if variants else _whole(raw.get("price"), "price"),
            stock=sum(v.stock for v in variants) if variants else _whole(raw.get("stock", 0), "stock"),
            status=status,
            category_id=_whole(raw.get("category_id", 100001), "category_id"),
            images=_whole(raw.get("images", 1), "images"),
            variants=tuple(variants),
        )
        planted.tiers()  # refuse variants whose option names differ
        return planted


    def tiers(self) -> list[tuple[str, list[str]]]:
        """Option names (the first variant's, in order) and each name's values in first-seen order."""
        names = list(self.variants[0].options) if self.variants else []
        if any(list(v.options) != names for v in self.variants):
            raise PlantError("every variant needs the same option names")
        return [(name, list(dict.fromkeys(v.options[name] for v in self.variants))) for name in names]


def inspected(item: Any, variants: Any) -> dict[str, Any]:
    """One listing in the inspection API's documented shape (DESIGN.md), whatever the dialect."""
    return {
        "item_id": item.item_id,
        "seller_sku": item.seller_sku,
        "name": item.name,
        "price": item.price,
        "stock": item.stock,
        "status": item.status,
        "category_id": item.category_id,
        "images": len(item.images),
        "variants": [{"seller_sku": v.seller_sku, "price": v.price, "stock": v.stock} for v in variants],
    }


def planted_images(store: Store, dialect: str, item_id: int, count: int, *, clock: Callable[[], float]) -> list[str]:
    """Image ids for a planted listing, known to the store as if uploaded."""
    ids = [f"planted-{item_id}-{n}" for n in range(count)]
    for image_id in ids:
        store.add_image(dialect, image_id, "0" * 64, 0, int(clock()))
    return ids


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PlantError(f"{name} must be a whole number >= 0, got {value!r}")
    return value

