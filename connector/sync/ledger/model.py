"""The ledger's rows as plain typed values: what the stores return and take.

Nothing here touches SQLite, so the pure parts of the sync (plan, guards, link) can take a `Binding` without
importing the ledger's storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from connector.adapters.base import ErrorClass
from connector.sync.kinds import ItemOutcome, ListingStatus, OpKind, Origin, RunStatus, Severity, Trigger


@dataclass(frozen=True)
class Binding:
    """One product on one channel, as the channel acknowledged it."""

    channel: str
    product_key: str
    institution: str
    seller_sku: str
    external_id: str | None = None
    variant_ids: dict[str, str] = field(default_factory=dict)
    status: ListingStatus = ListingStatus.ACTIVE
    content_fp: str | None = None
    prices: dict[str, int] | None = None  # acknowledged price per seller SKU
    stock: dict[str, int] | None = None  # acknowledged stock per seller SKU
    invalid_fp: str | None = None  # content the channel refused: not retried until it changes
    last_error: str | None = None
    updated_at: str | None = None

    @property
    def active(self) -> bool:
        return self.status == ListingStatus.ACTIVE


class IntentOutcome(StrEnum):
    """How an intent to create was settled."""

    CREATED = "created"  # the create call answered with the listing
    FOUND = "found"  # the outcome was unknown; a lookup by seller SKU found the listing
    INVALID = "invalid"  # the channel refused the listing's data
    ABSENT = "absent"  # the outcome was unknown; a lookup found nothing, so the next plan creates it again
    AUTH = "auth"  # refused for authentication: nothing was created


@dataclass(frozen=True)
class Intent:
    """A create about to be sent (committed before the call), or one whose outcome is still unknown."""

    intent_id: str
    channel: str
    product_key: str
    institution: str
    seller_sku: str
    op: OpKind
    run_id: str | None
    created_at: str
    variant_skus: tuple[str, ...] = ()
    resolved_at: str | None = None
    outcome: IntentOutcome | None = None


@dataclass(frozen=True)
class LinkConflict:
    """A product a link could not match safely: held (nothing created or updated) until a later link matches it."""

    key: str
    institution: str
    reason: str
    listings: tuple[str, ...]  # the external ids involved


@dataclass(frozen=True)
class Run:
    run_id: str
    trigger: Trigger
    pid: int | None
    options: dict[str, Any]  # institutions, channels, only, force, and the daemon's job
    started_at: str
    finished_at: str | None
    status: RunStatus
    summary: dict[str, Any]  # seconds, rejects, held, stopped, counts (empty while running)

    @property
    def job(self) -> str | None:
        return self.options.get("job")


@dataclass(frozen=True)
class RunItem:
    """What one operation on one product did in one run. `run_id`, `at` and `id` are the ledger's to set."""

    channel: str
    institution: str | None
    product_key: str | None
    op: OpKind
    outcome: ItemOutcome
    error_class: ErrorClass | None = None
    code: str | None = None  # the marketplace's error code, or the guard that held the operation
    message: str | None = None
    run_id: str | None = None
    at: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class RejectRow:
    """Something staff should fix or look at, as the rejects store keeps it: a catalog finding (`channel` None) or
    what one channel refuses or adapts (before any call, or the marketplace's answer: its own `code` and
    `channel_message`). `message_en`/`message_id` are the reason's texts in English and Bahasa Indonesia."""

    institution: str
    file: str | None
    row: int | None
    column: str | None
    value: str | None
    reason: str
    message_en: str | None
    message_id: str | None
    sku: str | None
    run_id: str | None = None
    channel: str | None = None
    severity: Severity = Severity.REFUSED
    origin: Origin = Origin.SYNC
    product_key: str | None = None
    code: str | None = None  # the marketplace's own error code
    channel_message: str | None = None  # the marketplace's own message

    def message(self, lang: str) -> str | None:
        return self.message_id if lang == "id" else self.message_en


@dataclass(frozen=True)
class SaleLine:
    """Units of one seller SKU in one order on one channel; `stock_key` is the catalog product (or variant) whose
    stock they came from, when the seller SKU is known. `status`: placed, cancelled or returned."""

    channel: str
    order_id: str
    seller_sku: str
    institution: str | None
    stock_key: str | None
    quantity: int
    status: str
    at: str  # when the order was placed, ISO 8601 UTC
    unit_price: int | None = None  # whole rupiah per unit, as the marketplace reported it; None: not known

    @property
    def amount(self) -> int | None:
        """The line's proceeds in whole rupiah, where the unit price is known."""
        return None if self.unit_price is None else self.unit_price * self.quantity


@dataclass(frozen=True)
class ListingCounts:
    """Listings active and inactive on a channel for one institution, and bindings whose content the channel
    refused (`invalid`, not retried until the content changes)."""

    channel: str
    institution: str
    active: int
    inactive: int
    invalid: int


@dataclass(frozen=True)
class FailingCount:
    """Products whose last operation failed, with nothing acknowledged for them since."""

    channel: str
    institution: str | None
    failing: int


@dataclass(frozen=True)
class TokenExpiry:
    """When a channel's stored access token expires (Unix seconds, or None) — never the token itself."""

    channel: str
    expires_at: int | float | None
    updated_at: str
