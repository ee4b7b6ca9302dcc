"""Knowing when the ledger was restored from a backup.

A ledger copied yesterday does not know the listings created since; a sync on it would create them again. So
every finished run leaves its id beside the ledger (`state_dir/last_run`, outside the ledger file, so the
documented online backup does not carry it). When the ledger does not know the last run, it is older than that
run: every channel is linked again (its listings adopted by seller SKU) before anything is created.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from connector.sync.ledger import Ledger

MARKER = "last_run"


def note_run(state_dir: Path, run_id: str) -> None:
    """Record the run that just finished (atomically: a torn marker is never read)."""
    path = state_dir / MARKER
    temporary = path.with_name(f".{MARKER}.tmp")
    temporary.write_text(run_id, encoding="utf-8")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def check_restored(state_dir: Path, ledger: Ledger, log: Any) -> bool:
    """True when the ledger does not know the last finished run: then every channel's link is forgotten, so each
    is linked again before its next create."""
    try:
        last = (state_dir / MARKER).read_text(encoding="utf-8").strip()
    except OSError:
        return False
    if not last or ledger.runs.get(last) is not None:
        return False
    forgotten = ledger.bindings.forget_links()
    log.warning("ledger_restored", last_run=last, relinking=forgotten,
                message="the ledger does not know the last run (restored from a backup?): every channel is linked "
                        "again, adopting its listings by seller SKU, before anything is created")
    return True
