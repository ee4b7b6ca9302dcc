"""The words the sync's layers say to each other: operation kinds, outcomes, statuses, reasons.

They are `StrEnum`s: each member *is* the string the ledger stores and the reports print, so the ledger's data
and the outside contracts (`--format json`, `pasindo report`) read exactly as before.
"""

from __future__ import annotations

from enum import StrEnum


class OpKind(StrEnum):
    """What was done (or planned) for one product on one channel."""

    # planned by the diff (`plan.py`) and applied by the executor
    CREATE = "create"
    CONTENT = "update_content"
    PRICE = "update_price"
    STOCK = "update_stock"
    DELIST = "delist"
    RELIST = "relist"
    # recorded around the plan
    RESOLVE = "resolve"  # an earlier create's unknown outcome settled by lookup
    ADOPT = "adopt"  # a listing already on the channel bound to its catalog product
    PREPARE = "prepare"  # the product cannot be listed on the channel at all (category map, image, SKU clash)
    WAIT = "wait"  # the channel refused this content earlier: it waits until the content changes


PLANNED = (OpKind.CREATE, OpKind.CONTENT, OpKind.PRICE, OpKind.STOCK, OpKind.DELIST, OpKind.RELIST)


class Aspect(StrEnum):
    """What `--only` may restrict a sync to, and the planned kinds each covers."""

    CONTENT = "content"
    PRICE = "price"
    STOCK = "stock"

    @property
    def kinds(self) -> frozenset[OpKind]:
        return _ASPECT_KINDS[self]


_ASPECT_KINDS = {
    Aspect.CONTENT: frozenset({OpKind.CREATE, OpKind.CONTENT, OpKind.DELIST, OpKind.RELIST}),
    Aspect.PRICE: frozenset({OpKind.PRICE}),
    Aspect.STOCK: frozenset({OpKind.STOCK}),
}


class ItemOutcome(StrEnum):
    """How one operation ended (a run item)."""

    OK = "ok"
    FAILED = "failed"
    INVALID = "invalid"  # the channel (or the connector, before any call) refused the item's data
    HELD = "held"  # a guard held it back
    PENDING = "pending"  # the channel cannot take it yet (a product in review): a later run sends it; no problem
    SKIPPED = "skipped"


class ListingStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class DelistReason(StrEnum):
    LEFT_CATALOG = "left the catalog"
    OUT_OF_STOCK = "out of stock"


class Guard(StrEnum):
    """Why a planned operation was held back."""

    MASS_DELIST = "mass_delist"
    PRICE_DROP = "price_drop"
    LINK_CONFLICT = "link_conflict"


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"  # everything done
    PROBLEMS = "problems"  # finished, with refused rows or failed items
    HELD = "held"  # a guard held changes back
    INTERRUPTED = "interrupted"  # stopped (signal) before the end, or found dead at the next start
    FAILED = "failed"  # ended by an unexpected error


class Trigger(StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"


class Severity(StrEnum):
    """How much a finding stops: refused (not listed there) or a warning (listed, staff should look)."""

    REFUSED = "refused"
    WARNING = "warning"


class Origin(StrEnum):
    """Who found it: `pasindo validate`, a sync before any call, or the marketplace answering a sync's call."""

    VALIDATE = "validate"
    SYNC = "sync"
    MARKETPLACE = "marketplace"
