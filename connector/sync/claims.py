"""Seller SKUs claimed across the batches of one run (`batch.py`), kept out of memory.

Within a batch, two products sharing a seller SKU on a channel are both held back (`listable.sku_clashes`). A
run works a few institutions at a time, so a product of a later batch may share a seller SKU with one an earlier
batch already sent. That is possible only when an institution has no seller SKU prefix (`clash_possible`);
otherwise no index is kept at all. When it is possible, every
batch's seller SKUs are kept in a temporary SQLite table (in a file SQLite removes itself, not in memory), and a
later product naming a SKU an earlier batch claimed is held back, naming the earlier product; the earlier one
went out already, so its institution is not marked (`skip.py`) and is read again by the next run, which finds the
clash again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from connector.config import InstitutionConfig
from connector.sync.listable import Listable, clash_refusal


def clash_possible(entries: Iterable[InstitutionConfig]) -> bool:
    """Can two institutions' products share a seller SKU? Only when one has no prefix: a prefix holds no "-"
    (`config.py`), so the first "-" of a seller SKU ends its prefix, and no two institutions share one (letter
    case ignored, as the marketplaces ignore it; the config check refuses that, this only does not count on it)."""
    prefixes = []
    for entry in entries:
        if not entry.sku_prefix:
            return True
        prefixes.append(entry.sku_prefix.casefold())
    return len(set(prefixes)) < len(prefixes)


class Claims:
    """Per channel, which product (and institution) each seller SKU belongs to, over the run's earlier batches."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # "": a temporary database on disk, removed when closed
        self._db.execute("CREATE TABLE claims (channel TEXT, sku TEXT, key TEXT, institution TEXT,"
                         " PRIMARY KEY (channel, sku)) WITHOUT ROWID")

    def close(self) -> None:
        self._db.close()

    def settle(self, listables: Mapping[str, Listable]) -> dict[str, set[str]]:
        """Hold back each channel's candidates that name a seller SKU an earlier batch claimed (moved to the
        listable's `invalid` and `untouchable`), then claim the rest's. Returns, per channel, the institutions of
        the earlier products a candidate clashed with (their listings went out: read them again next run)."""
        spoilt: dict[str, set[str]] = {}
        for channel, listed in listables.items():
            skus = {key: [s.casefold() for s in c.seller_skus()] for key, c in listed.candidates.items()}
            held = self._earlier(channel, skus)
            for key, (other, institution) in held.items():
                candidate = listed.candidates.pop(key)
                listed.untouchable.add(key)
                listed.invalid.append(clash_refusal(channel, candidate.parts.product, key, other))
                spoilt.setdefault(channel, set()).add(institution)
            listed.adapted = [a for a in listed.adapted if a.key not in held]
            with self._db:
                self._db.executemany(
                    "INSERT OR IGNORE INTO claims VALUES (?, ?, ?, ?)",
                    ((channel, s, key, listed.candidates[key].parts.product.institution)
                     for key, found in skus.items() if key not in held for s in found))
        return spoilt

    def _earlier(self, channel: str, skus: Mapping[str, list[str]]) -> dict[str, tuple[str, str]]:
        """Candidate key -> (the earlier product's key, its institution) for each candidate naming a claimed SKU."""
        out: dict[str, tuple[str, str]] = {}
        for key, found in skus.items():
            marks = ",".join("?" * len(found))
            row = self._db.execute(f"SELECT key, institution FROM claims WHERE channel = ? AND sku IN ({marks})"
                                   " LIMIT 1", (channel, *found)).fetchone()
            if row is not None:
                out[key] = (row[0], row[1])
        return out
