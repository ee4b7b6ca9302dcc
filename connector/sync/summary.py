"""The run's own account of itself, in the log and the ledger: the products a channel does not list (said once
per run), and the summary that ends the run."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from connector.sync.kinds import ItemOutcome, OpKind, RunStatus
from connector.sync.ledger import Ledger
from connector.sync.ledger.model import RunItem
from connector.sync.plan import Plan
from connector.sync.result import SyncResult, Unlisted


def _marks(channel: str, sandbox: Collection[str]) -> dict[str, bool]:
    return {"sandbox": True} if channel in sandbox else {}


def report_invalid(invalid: list[Unlisted], ledger: Ledger, run_id: str | None, log: Any, *,
                   sandbox: Collection[str] = ()) -> None:
    """Products that cannot be listed on a channel at all (category map, image file, seller SKU clash).
    `sandbox`: the channels on the embedded sandbox, whose events say so."""
    for u in invalid:
        log.warning("item", **_marks(u.channel, sandbox), channel=u.channel, institution=u.institution, key=u.key,
                    op=OpKind.PREPARE, outcome=ItemOutcome.INVALID, message=u.why)
    if run_id is not None and invalid:
        ledger.runs.record_all(run_id, [RunItem(u.channel, u.institution, u.key, OpKind.PREPARE, ItemOutcome.INVALID,
                                                message=u.why) for u in invalid])


def still_refused(plans: list[Plan]) -> list[Unlisted]:
    """Listings the channel refused earlier, waiting for their content to change (the plans skipped them)."""
    return [Unlisted(p.channel, s.institution, s.key, s.why) for p in plans for s in p.skipped]


def report_refused(refused: list[Unlisted], ledger: Ledger, run_id: str | None, log: Any, *,
                   sandbox: Collection[str] = ()) -> None:
    """A standing problem, so the run still ends with problems, but said quietly (the refusal itself was logged
    when it happened)."""
    for u in refused:
        log.debug("item", **_marks(u.channel, sandbox), channel=u.channel, institution=u.institution, key=u.key,
                  op=OpKind.WAIT, outcome=ItemOutcome.INVALID, message=u.why)
    if run_id is not None and refused:
        ledger.runs.record_all(run_id, [RunItem(u.channel, u.institution, u.key, OpKind.WAIT, ItemOutcome.INVALID,
                                                message=u.why) for u in refused])


def run_summary(result: SyncResult) -> dict[str, Any]:
    """What the ledger keeps of a finished run, and what its last log line says."""
    return {
        "seconds": result.seconds,
        "rejects": len(result.rejects),
        "held": len(result.held),
        "stopped": {c.channel: c.stopped for c in result.channels if c.stopped},
        "sandbox_channels": result.sandbox,
        "counts": [
            {"institution": i, "channel": ch, "op": op, "outcome": outcome, "count": n}
            for (i, ch, op, outcome), n in sorted(result.counts().items())
        ],
    }


def log_summary(log: Any, result: SyncResult) -> None:
    level = log.info if result.status == RunStatus.OK else log.warning
    level("sync_finished", status=result.status, **run_summary(result))
