"""The run's own account of itself, in the log and the ledger: the products a channel does not list (said once
per run), and the summary that ends the run."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from connector.schema import SourceRef
from connector.sync.catalogs import CatalogReading
from connector.sync.kinds import ItemOutcome, OpKind, Origin, RunStatus, Severity
from connector.sync.ledger import Ledger
from connector.sync.ledger.model import RejectRow, RunItem
from connector.sync.plan import Plan
from connector.sync.result import SyncResult, Unlisted

NO_ROWS: Mapping[str, SourceRef] = {}  # no catalog rows known: the refusals point at none


def _marks(channel: str, sandbox: Collection[str]) -> dict[str, bool]:
    return {"sandbox": True} if channel in sandbox else {}


def report_invalid(invalid: list[Unlisted], ledger: Ledger, run_id: str | None, log: Any, *,
                   sandbox: Collection[str] = (), adapted: Sequence[Unlisted] = (),
                   rows: Mapping[str, SourceRef] = NO_ROWS, read: Collection[str] | None = None) -> None:
    """Products that cannot be listed on a channel at all (category map, image file, seller SKU clash), and
    (`adapted`) those listed changed to meet its rules. In a real run they become the run's items and the latest
    check of the run's (institution, channel) pairs in the rejects store, pointing at each product's catalog row
    (`rows`, by product key). `sandbox`: the channels on the embedded sandbox, whose events say so."""
    for u in invalid:
        log.warning("item", **_marks(u.channel, sandbox), channel=u.channel, institution=u.institution, key=u.key,
                    op=OpKind.PREPARE, outcome=ItemOutcome.INVALID, message=u.why)
    if run_id is None:
        return
    if invalid:
        ledger.runs.record_all(run_id, [RunItem(u.channel, u.institution, u.key, OpKind.PREPARE, ItemOutcome.INVALID,
                                                message=u.why) for u in invalid])
    run = ledger.runs.get(run_id)
    options = run.options if run is not None else {}
    # `read`: when the run skipped unchanged catalogs, only the institutions it read were checked again
    checked = {channel: (sorted(read) if read is not None else options.get("institutions") or None)
               for channel in options.get("channels", ())}
    ledger.rejects.replace_channels(run_id, checked, [
        *(unlisted_row(at_row(u, rows), Origin.SYNC) for u in invalid),
        *(unlisted_row(at_row(u, rows), Origin.SYNC, Severity.WARNING) for u in adapted)])


def product_rows(reading: CatalogReading) -> dict[str, SourceRef]:
    """Product key -> its catalog file and row, so what a channel refuses points staff at the row to change."""
    return {o.product.key: o.product.source for o in reading.offers}


def at_row(u: Unlisted, rows: Mapping[str, SourceRef]) -> Unlisted:
    """The refusal pointing at the product's catalog row when it names no cell of its own."""
    source = rows.get(u.key)
    if u.file is not None or source is None:
        return u
    return replace(u, file=source.file, row=source.row)


def unlisted_row(u: Unlisted, origin: Origin, severity: Severity = Severity.REFUSED) -> RejectRow:
    """What a channel refuses or adapts, as the rejects store keeps it, with its texts in both languages."""
    return RejectRow(u.institution, u.file, u.row, u.column, u.value, u.reason, u.message("en"), u.message("id"),
                     u.key.split(":", 1)[-1], channel=u.channel, severity=severity, origin=origin, product_key=u.key)


def still_refused(plans: list[Plan]) -> list[Unlisted]:
    """Listings the channel refused earlier, waiting for their content to change (the plans skipped them)."""
    return [Unlisted(p.channel, s.institution, s.key, s.why) for p in plans for s in p.skipped]


def report_refused(refused: list[Unlisted], ledger: Ledger, run_id: str | None, log: Any, *,
                   sandbox: Collection[str] = (), rows: Mapping[str, SourceRef] = NO_ROWS) -> None:
    """A standing problem, so the run still ends with problems, but said quietly (the refusal itself was logged
    when it happened). In a real run, the marketplace's refusals (those answered in this run and those still
    waiting) are kept in the rejects store for staff, with the marketplace's own message and the product's
    catalog row (`rows`, by product key)."""
    for u in refused:
        log.debug("item", **_marks(u.channel, sandbox), channel=u.channel, institution=u.institution, key=u.key,
                  op=OpKind.WAIT, outcome=ItemOutcome.INVALID, message=u.why)
    if run_id is None:
        return
    if refused:
        ledger.runs.record_all(run_id, [RunItem(u.channel, u.institution, u.key, OpKind.WAIT, ItemOutcome.INVALID,
                                                message=u.why) for u in refused])
    answered = ledger.runs.items(run_id, outcome=ItemOutcome.INVALID, ops=SENT)
    waiting = [u for u in refused if u.why.startswith(REFUSED_EARLIER)]
    ledger.rejects.record_refusals(run_id, [
        marketplace_row(i.channel, i.institution or "", i.product_key or "", i.message, i.code, rows)
        for i in answered
    ], [marketplace_row(u.channel, u.institution, u.key, u.why.removeprefix(REFUSED_EARLIER), None, rows)
        for u in waiting])


SENT = (OpKind.CREATE, OpKind.CONTENT)  # the operations that send a product's content for the marketplace to judge
REFUSED_EARLIER = "refused by the channel: "  # how the plan says a refused content waits (`plan.py`)


def marketplace_row(channel: str, institution: str, key: str, message: str | None, code: str | None,
                    rows: Mapping[str, SourceRef] = NO_ROWS) -> RejectRow:
    """A marketplace's refusal of a product's content: the reason staff read, in both languages, around the
    marketplace's own message."""
    u = at_row(Unlisted(channel, institution, key, message or "no message", "marketplace_refused"), rows)
    return RejectRow(institution, u.file, u.row, None, None, u.reason, u.message("en"), u.message("id"),
                     key.split(":", 1)[-1], channel=channel, origin=Origin.MARKETPLACE, product_key=key, code=code,
                     channel_message=message)


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
