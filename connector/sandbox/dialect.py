"""What the gateway and a marketplace dialect say to each other.

A dialect is one marketplace's API (Shopee today; Lazada and TikTok Shop later). The gateway does the
dialect-independent work (counting, rate limit, faults, inspection) and hands each request whose path
starts with one of the dialect's prefixes to ``Dialect.handle``. A new dialect is a module with a class
that satisfies ``Dialect`` plus one line in ``connector.sandbox.gateway.DIALECTS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
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
class Settings:
    """Knobs the dialects read. ``clock`` is Unix seconds; tests may replace it."""

    clock: Callable[[], float] = time.time
    shopee_token_ttl: int = 4 * 3600


class Dialect(Protocol):
    """One marketplace API served by the sandbox."""

    name: ClassVar[str]
    prefixes: ClassVar[tuple[str, ...]]

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


DialectFactory = Callable[[Store, Settings], Dialect]
