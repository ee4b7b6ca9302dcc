"""Human-readable reports: what validate found, what a sync did."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import click

from connector.catalog.validation import Validation
from connector.sync.engine import SyncResult

_HEADINGS = {
    "en": ("institution", "products", "variants", "refused rows", "Refused rows", "file", "row", "column",
           "value", "reason", "Products"),
    "id": ("institusi", "produk", "varian", "baris ditolak", "Baris yang ditolak", "file", "baris", "kolom",
           "isi", "alasan", "Produk"),
}


def table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    """A plain aligned text table (readable in a terminal, a log viewer or an email)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def print_validation(result: Validation, *, lang: str = "en", show_products: bool = False) -> None:
    h = _HEADINGS[lang]
    click.echo(table([(s.code, s.products, s.variants, s.rejected) for s in result.institutions], h[:4]))
    if show_products and result.products:
        click.echo(f"\n{h[10]}")
        click.echo(table(
            [(p.key, p.name[:60], p.category, p.price, p.stock, p.weight_g, len(p.variants), len(p.images))
             for p in result.products],
            ("key", "name", "category", "price", "stock", "weight_g", "variants", "images"),
        ))
    if result.rejects:
        click.echo(f"\n{h[4]}")
        click.echo(table(
            [(r.institution, r.file, r.row, r.column, r.value, r.reason, r.message(lang)) for r in result.rejects],
            (h[0], h[5], h[6], h[7], h[8], h[9], "message" if lang == "en" else "keterangan"),
        ))


def sync_document(result: SyncResult) -> dict[str, Any]:
    """A sync's result as JSON: the plan (dry run) or the outcome per institution x channel x operation."""
    doc: dict[str, Any] = {"run_id": result.run_id, "status": result.status, "exit_code": result.exit_code,
                           "seconds": result.seconds}
    if result.run_id is None:  # dry run
        doc["plan"] = [
            {"channel": p.channel, "institution": op.institution, "key": op.key, "op": op.kind, "reason": op.reason}
            for p in result.plans for op in p.ops
        ]
    doc["counts"] = [
        {"institution": i, "channel": ch, "op": op, "outcome": outcome, "count": n}
        for (i, ch, op, outcome), n in sorted(result.counts().items())
    ]
    doc["held"] = [{"channel": h.op.channel, "institution": h.op.institution, "key": h.op.key, "op": h.op.kind,
                    "guard": h.guard, "message": h.message} for h in result.held]
    doc["invalid"] = [{"channel": c, "institution": i, "key": k, "message": m} for c, i, k, m in result.invalid]
    doc["rejects"] = len(result.rejects)
    doc["stopped"] = {c.channel: c.stopped for c in result.channels if c.stopped}
    return doc


def print_sync(result: SyncResult) -> None:
    if result.run_id is None:
        rows = Counter((op.institution, p.channel, op.kind) for p in result.plans for op in p.ops)
        click.echo("Plan (dry run: nothing was changed)")
        click.echo(table([(*k, n) for k, n in sorted(rows.items())], ("institution", "channel", "op", "count"))
                   if rows else "nothing to do")
    else:
        click.echo(f"Run {result.run_id}: {result.status} in {result.seconds:.1f}s")
        counts = result.counts()
        click.echo(table([(*k, n) for k, n in sorted(counts.items())],
                         ("institution", "channel", "op", "outcome", "count")) if counts else "nothing to do")
    if result.held:
        click.echo("\nHeld by the guards (run again with --force to let them through)")
        click.echo(table([(h.op.channel, h.op.key, h.op.kind, h.message) for h in result.held],
                         ("channel", "key", "op", "why")))
    if result.invalid:
        click.echo("\nNot listed")
        click.echo(table(result.invalid, ("channel", "institution", "key", "why")))
    for channel in result.channels:
        if channel.stopped:
            click.echo(f"\nchannel {channel.channel} stopped: {channel.stopped}")
    if result.rejects:
        click.echo(f"\n{len(result.rejects)} catalog rows refused: `pasindo validate` shows them")
