"""The ledger: what each channel has acknowledged, what is in flight, and what every run did.

One SQLite file in `state_dir` (`connection.py`: WAL, synchronous=FULL save for the values a run may send again,
one writer at a time, explicit `BEGIN IMMEDIATE` transactions), read and written through small stores that share
its connection, each with its own typed rows (`model.py`): `ledger.bindings` (bindings, intents, links),
`ledger.runs` (runs, run items, the status counts), `ledger.rejects`, `ledger.orders` (orders, cursors, stock
basis, sales), `ledger.media` (the adapters' media cache, local file hashes) and `ledger.tokens` (the adapters'
token store).

`Ledger` is loaded on first use, so importing the typed rows (`connector.sync.ledger.model`), as the pure plan
and guards do, loads nothing of SQLite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.sync.ledger.migrations import MIGRATIONS, SCHEMA_VERSION
from connector.sync.ledger.model import Binding

if TYPE_CHECKING:
    from connector.sync.ledger.stores import Ledger

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Binding", "Ledger"]


def __getattr__(name: str) -> Any:
    if name == "Ledger":
        from connector.sync.ledger.stores import Ledger

        return Ledger
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
