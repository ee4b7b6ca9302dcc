"""Reports: what validate found, what a sync did, a run read back from the ledger, refused rows for staff, status."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

import click

from connector.config import Config
from connector.sync.check import Checked
from connector.sync.kinds import ItemOutcome, OpKind, Origin, Severity
from connector.sync.ledger import Ledger
from connector.sync.ledger.model import RejectRow, Run, RunItem, SaleLine
from connector.sync.link import Linking
from connector.sync.result import Unlisted
from connector.sync.run import SyncResult, ledger_path

_HEADINGS = {
    "en": {"institution": "institution", "products": "products", "variants": "variants", "rejected": "refused rows",
           "warnings": "warnings", "unlisted": "not listable", "file": "file", "row": "row", "column": "column",
           "value": "value", "code": "reason", "message": "message", "channel": "channel",
           "Rejects": "Refused rows", "Notices": "Warnings (read, but look at them)", "Products": "Products",
           "Refused": "What the channels will refuse", "Adapted": "What the channels will list changed",
           "unchecked": "{channel}: category attributes not checked: {why}",
           "unrecorded": "not kept for `pasindo report --rejects`: {why}"},
    "id": {"institution": "institusi", "products": "produk", "variants": "varian", "rejected": "baris ditolak",
           "warnings": "peringatan", "unlisted": "tidak bisa tayang", "file": "file", "row": "baris",
           "column": "kolom", "value": "isi", "code": "kode", "message": "alasan", "channel": "kanal",
           "Rejects": "Baris yang ditolak", "Notices": "Peringatan (terbaca, tetapi periksa)", "Products": "Produk",
           "Refused": "Yang akan ditolak kanal", "Adapted": "Yang akan ditayangkan kanal dengan perubahan",
           "unchecked": "{channel}: atribut kategori tidak diperiksa: {why}",
           "unrecorded": "tidak disimpan untuk `pasindo report --rejects`: {why}"},
}


def table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    """A plain aligned text table (readable in a terminal, a log viewer or an email)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def print_validation(found: Checked, *, lang: str = "en", show_products: bool = False) -> None:
    """Validate's findings: the counts per institution, then each kind of finding in its own section."""
    h, result = _HEADINGS[lang], found.validation
    click.echo(table([(s.code, s.products, s.variants, s.rejected, s.warnings, s.unlisted)
                      for s in result.institutions],
                     [h[k] for k in ("institution", "products", "variants", "rejected", "warnings", "unlisted")]))
    if show_products and result.products:
        click.echo(f"\n{h['Products']}")
        click.echo(table(
            [(p.key, p.name[:60], p.category, p.price, p.stock, p.weight_g, len(p.variants), len(p.images))
             for p in result.products],
            ("key", "name", "category", "price", "stock", "weight_g", "variants", "images"),
        ))
    cell = [h[k] for k in ("file", "row", "column", "value", "code", "message")]
    for title, findings in (("Rejects", result.rejects), ("Notices", result.notices)):
        if findings:
            click.echo(f"\n{h[title]}")
            click.echo(table([(f.institution, f.file, f.row, f.column, f.value, f.reason, f.message(lang))
                              for f in findings], [h["institution"], *cell]))
    for title, kind in (("Refused", "refused"), ("Adapted", "adapted")):
        if rows := [(u.channel, u.institution, u.file, u.row, u.column, u.value, u.reason, u.message(lang))
                    for c in found.channels for u in getattr(c, kind)]:
            click.echo(f"\n{h[title]}")
            click.echo(table(rows, [h["channel"], h["institution"], *cell]))
    notes = [h["unchecked"].format(channel=c.channel, why=c.unchecked) for c in found.channels if c.unchecked]
    if found.unrecorded:
        notes.append(h["unrecorded"].format(why=found.unrecorded))
    if notes:
        click.echo("\n" + "\n".join(notes))


def validation_document(found: Checked, lang: str, *, show_products: bool = False) -> dict[str, Any]:
    """Validate's findings as JSON: the catalog's (`rejects`, `notices`), each channel's check (`channels`) and
    what the channels will refuse or list changed, each in the shape of a catalog refusal plus its channel."""
    result = found.validation
    doc: dict[str, Any] = {
        "institutions": [vars(s) for s in result.institutions],
        "rejects": [r.as_dict(lang) for r in result.rejects],
        "notices": [n.as_dict(lang) for n in result.notices],
        "channels": [{"channel": c.channel, "sandbox": c.sandbox, "attributes_checked": c.unchecked is None,
                      "warning": c.unchecked} for c in found.channels],
        "channel_refusals": [_unlisted(u, lang) for c in found.channels for u in c.refused],
        "channel_adaptations": [_unlisted(u, lang) for c in found.channels for u in c.adapted],
        "recorded": found.unrecorded is None,
    }
    if show_products:
        doc["products"] = [p.model_dump(mode="json") for p in result.products]
    return doc


def _unlisted(u: Unlisted, lang: str) -> dict[str, Any]:
    return {"channel": u.channel, "institution": u.institution, "file": u.file, "row": u.row, "column": u.column,
            "value": u.value, "reason": u.reason, "message": u.message(lang), "key": u.key}


def sync_document(result: SyncResult, exit_code: int) -> dict[str, Any]:
    """A sync's result as JSON: the plan (dry run) or the outcome per institution x channel x operation."""
    doc: dict[str, Any] = {"run_id": result.run_id, "status": result.status, "exit_code": exit_code,
                           "seconds": result.seconds}
    if result.run_id is None:  # dry run
        doc["plan"] = [
            {"channel": p.channel, "institution": a.institution, "key": a.key, "op": OpKind.ADOPT,
             "reason": f"listing {a.external_id}"}
            for p in result.plans for a in p.adopted
        ] + [
            {"channel": p.channel, "institution": op.institution, "key": op.key, "op": op.kind, "reason": op.reason}
            for p in result.plans for op in p.ops
        ]
    doc["counts"] = [
        {"institution": i, "channel": ch, "op": op, "outcome": outcome, "count": n}
        for (i, ch, op, outcome), n in sorted(result.counts().items())
    ]
    doc["held"] = [{"channel": h.op.channel, "institution": h.op.institution, "key": h.op.key, "op": h.op.kind,
                    "guard": h.guard, "message": h.message} for h in result.held]
    doc["invalid"] = [{"channel": u.channel, "institution": u.institution, "key": u.key, "message": u.why}
                      for u in result.invalid]
    doc["rejects"] = len(result.rejects)
    doc["stopped"] = {c.channel: c.stopped for c in result.channels if c.stopped}
    doc["channels"] = [{"channel": p.channel, "sandbox": p.channel in result.sandbox} for p in result.plans]
    return doc


PLANNED_SHOWN = 10  # products named per (channel, operation) in a dry run's table; --format json names them all


def _print_planned_products(result: SyncResult) -> None:
    """The products behind each planned operation, per channel: the first few, and how many more."""
    keys: dict[tuple[str, str], list[str]] = {}
    for p in result.plans:
        for a in p.adopted:
            keys.setdefault((p.channel, OpKind.ADOPT), []).append(a.key)
        for op in p.ops:
            keys.setdefault((p.channel, op.kind), []).append(op.key)
    rows = []
    for (channel, op), found in sorted(keys.items()):
        more = len(found) - PLANNED_SHOWN
        rows.append((channel, op, ", ".join(found[:PLANNED_SHOWN]) + (f" ... and {more} more" if more > 0 else "")))
    click.echo("\nProducts per planned operation (--format json lists every one)")
    click.echo(table(rows, ("channel", "op", "products")))


def print_sync(result: SyncResult) -> None:
    if result.run_id is None:
        rows = Counter((op.institution, p.channel, op.kind) for p in result.plans for op in p.ops)
        rows.update((a.institution, p.channel, OpKind.ADOPT) for p in result.plans for a in p.adopted)
        click.echo("Plan (dry run: nothing was changed)")
        click.echo(table([(*k, n) for k, n in sorted(rows.items())], ("institution", "channel", "op", "count"))
                   if rows else "nothing to do")
        if rows:
            _print_planned_products(result)
    else:
        click.echo(f"Run {result.run_id}: {result.status} in {result.seconds:.1f}s")
    if result.sandbox:
        click.echo(f"on the sandbox (no real shop): {', '.join(result.sandbox)}")
    if result.run_id is not None:
        counts = result.counts()
        click.echo(table([(i, ch, shown_op(op), outcome, n) for (i, ch, op, outcome), n in sorted(counts.items())],
                         ("institution", "channel", "op", "outcome", "count")) if counts else "nothing to do")
    if result.held:
        click.echo("\nHeld back (guards: check, then run again with --force; link conflicts: resolve them in the"
                   " seller centre, then `pasindo link`)")
        click.echo(table([(h.op.channel, h.op.key, h.op.kind, h.message) for h in result.held],
                         ("channel", "key", "op", "why")))
    if result.invalid:
        click.echo("\nNot listed")
        click.echo(table([(u.channel, u.institution, u.key, u.why) for u in result.invalid],
                         ("channel", "institution", "key", "why")))
    for channel in result.channels:
        if channel.stopped:
            click.echo(f"\nchannel {channel.channel} stopped: {channel.stopped}")
    if result.rejects:
        click.echo(f"\n{len(result.rejects)} catalog rows refused: `pasindo validate` shows them")


def link_document(linked: list[tuple[str, Linking | None, str | None]], *, dry_run: bool) -> dict[str, Any]:
    """`pasindo link` as JSON: per channel, what matched, what will be created, what is left alone, what conflicts."""
    channels = []
    for name, linking, error in linked:
        if linking is None:
            channels.append({"channel": name, "error": error, "matched": [], "to_create": [], "unknown": [],
                             "conflicts": []})
            continue
        channels.append({
            "channel": name, "error": None,
            "matched": [{"key": m.desired.listing.key, "listing": m.remote.external_id} for m in linking.matched],
            "to_create": linking.to_create,
            "unknown": [{"listing": r.external_id, "seller_sku": r.seller_sku, "skus": sorted(r.skus())}
                        for r in linking.unknown],
            "conflicts": [{"key": c.key, "reason": c.reason, "listings": list(c.listings)} for c in linking.conflicts],
        })
    return {"dry_run": dry_run, "channels": channels}


def print_link(doc: dict[str, Any]) -> None:
    click.echo("Link (dry run: nothing was recorded)" if doc["dry_run"] else "Link")
    click.echo(table([(c["channel"], len(c["matched"]), len(c["to_create"]), len(c["unknown"]), len(c["conflicts"]),
                       c["error"] or "") for c in doc["channels"]],
                     ("channel", "matched", "to create", "unknown", "conflicts", "error")))
    unknown = [(c["channel"], u["listing"], ", ".join(u["skus"])) for c in doc["channels"] for u in c["unknown"]]
    if unknown:
        click.echo("\nListings with no catalog product (left alone)")
        click.echo(table(unknown, ("channel", "listing", "seller SKUs")))
    conflicts = [(c["channel"], k["key"], ", ".join(k["listings"]), k["reason"]) for c in doc["channels"]
                 for k in c["conflicts"]]
    if conflicts:
        click.echo("\nConflicts (held until resolved in the seller centre and linked again)")
        click.echo(table(conflicts, ("channel", "key", "listings", "why")))


# -- progress of an interactive sync ------------------------------------------------------------------------------


class SyncProgress:
    """One progress bar per channel on stderr, for `pasindo sync` at a terminal. Called from channel threads."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=Console(stderr=True), redirect_stderr=True)
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> SyncProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, channel: str, done: int, total: int) -> None:
        with self._lock:
            task = self._tasks.get(channel)
            if task is None and total == 0:
                return  # a channel with nothing to do gets no bar
            if task is None:
                task = self._tasks[channel] = self._progress.add_task(channel, total=total)
            self._progress.update(task, completed=done, total=total)


# -- a run, read back from the ledger -----------------------------------------------------------------------------


def run_document(run: Run, items: list[RunItem], rejects: list[RejectRow],
                 institutions: str | Collection[str] | None = None) -> dict[str, Any]:
    """A run as the ledger recorded it: its summary and every item that did not succeed, with reasons, for every
    institution or only `institutions` (one code or several). `rejects` are the stored refused rows; those this run
    read (and no later run replaced) are included."""
    summary = run.summary
    chosen = [institutions] if isinstance(institutions, str) else sorted(institutions or ())

    def wanted(institution_of: str | None) -> bool:
        return not chosen or institution_of in chosen

    return {
        "run_id": run.run_id, "trigger": run.trigger, "job": run.job, "status": run.status,
        "started_at": run.started_at, "finished_at": run.finished_at,
        "seconds": summary.get("seconds", _seconds(run.started_at, run.finished_at)),
        "options": run.options, "institution": chosen[0] if len(chosen) == 1 else None, "institutions": chosen,
        "counts": [c for c in summary.get("counts", []) if wanted(c["institution"])],
        "problems": [
            {"channel": i.channel, "institution": i.institution, "key": i.product_key, "op": i.op,
             "outcome": i.outcome, "error_class": i.error_class, "code": i.code, "message": i.message, "at": i.at}
            for i in items if i.outcome != ItemOutcome.OK and wanted(i.institution)
        ],
        "rejected_rows": summary.get("rejects") if not chosen else None,
        "rejects": [_reject(r) for r in rejects if r.run_id == run.run_id and wanted(r.institution)
                    and r.channel is None and r.severity == Severity.REFUSED],
        "stopped": summary.get("stopped", {}),
        "sandbox_channels": summary.get("sandbox_channels", []),
    }


def _seconds(started: str | None, finished: str | None) -> float | None:
    if not started or not finished:
        return None
    return round((datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds(), 3)


def _reject(r: RejectRow) -> dict[str, Any]:
    return {"institution": r.institution, "file": r.file, "row": r.row, "column": r.column, "value": r.value,
            "reason": r.reason, "message_en": r.message_en, "message_id": r.message_id, "sku": r.sku,
            "channel": r.channel, "severity": r.severity, "origin": r.origin, "key": r.product_key, "code": r.code,
            "channel_message": r.channel_message}


_PROBLEM_COLUMNS = ("channel", "institution", "key", "op", "outcome", "error_class", "code", "message")
# How the tables name an operation where its JSON word would puzzle staff. JSON keeps `wait`: the channel refused
# this content earlier, so it is not sent again until the content changes (README, "Reading a run's report").
OPS_SHOWN: dict[str, str] = {OpKind.WAIT: "still refused"}


def shown_op(op: str) -> str:
    return OPS_SHOWN.get(op, op)


def _problem_cells(problem: dict[str, Any]) -> list[Any]:
    return [shown_op(problem[c]) if c == "op" else problem[c] for c in _PROBLEM_COLUMNS]


def run_output(doc: dict[str, Any], fmt: str) -> str | bytes:
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return run_html(doc)
    if fmt == "csv":
        return spreadsheet_csv(("run_id", *_PROBLEM_COLUMNS, "at"),
                               [(doc["run_id"], *(p[c] for c in _PROBLEM_COLUMNS), p["at"]) for p in doc["problems"]])
    job = f", job {doc['job']}" if doc["job"] else ""
    seconds = f" ({doc['seconds']:.1f}s)" if doc["seconds"] is not None else ""
    lines = [f"Run {doc['run_id']}: {doc['status']} (trigger {doc['trigger']}{job})",
             f"started {doc['started_at']}, finished {doc['finished_at'] or '-'}{seconds}", ""]
    if doc.get("quiet_runs_after"):
        lines[-1:] = [f"the latest run that changed something or had problems; {doc['quiet_runs_after']} quiet runs "
                      "followed (`pasindo report --last` shows the very latest, `--list` all of them)", ""]
    if doc["sandbox_channels"]:
        lines[-1:] = [f"on the sandbox (no real shop): {', '.join(doc['sandbox_channels'])}", ""]
    counts = [(c["institution"], c["channel"], shown_op(c["op"]), c["outcome"], c["count"]) for c in doc["counts"]]
    lines.append(table(counts, ("institution", "channel", "op", "outcome", "count")) if counts else "nothing to do")
    if doc["problems"]:
        lines += ["", "Items that did not succeed",
                  table([_problem_cells(p) for p in doc["problems"]], _PROBLEM_COLUMNS)]
    for channel, why in doc["stopped"].items():
        lines += ["", f"channel {channel} stopped: {why}"]
    refused = len(doc["rejects"]) if doc["institutions"] else doc["rejected_rows"]
    if refused:
        which = "".join(f" --institution {code}" for code in doc["institutions"]) or " --institution CODE"
        lines += ["", f"{refused} catalog rows refused: `pasindo report --rejects{which}` lists them"]
    return "\n".join(lines) + "\n"


# -- a run as one web page -------------------------------------------------------------------------------------

_PAGE_STYLE = """body{font-family:system-ui,sans-serif;margin:1rem;max-width:60rem;line-height:1.4;color:#222}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}table{border-collapse:collapse;width:100%;
font-size:.9rem}th,td{border-bottom:1px solid #ddd;padding:.3rem .4rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.scroll{overflow-x:auto}.bad{color:#a00}.note{background:#fff6d5;padding:.5rem}"""


def run_html(doc: dict[str, Any]) -> str:
    """The run as one self-contained page (no external assets; readable on a phone): its summary per institution
    and channel, and every item that needs a person."""
    from html import escape

    title = f"PASINDO run {doc['run_id']}: {doc['status']}"
    job = f", job {doc['job']}" if doc["job"] else ""
    parts = [f"<h1>{escape(title)}</h1>",
             f"<p>trigger {escape(str(doc['trigger']))}{escape(job)}; started {escape(str(doc['started_at']))}, "
             f"finished {escape(str(doc['finished_at'] or '-'))}</p>"]
    if doc["sandbox_channels"]:
        parts.append(f"<p class=note>on the sandbox (no real shop): {escape(', '.join(doc['sandbox_channels']))}</p>")
    summary: dict[tuple[str, str], Counter[str]] = {}
    for c in doc["counts"]:
        summary.setdefault((c["institution"] or "", c["channel"]), Counter())[
            " ".join([shown_op(c["op"])] + ([] if c["outcome"] == ItemOutcome.OK else [c["outcome"]]))] += c["count"]
    parts += ["<h2>Summary per institution and channel</h2>", _html_table(
        [(i, ch, ", ".join(f"{k} {n}" for k, n in sorted(ops.items()))) for (i, ch), ops in sorted(summary.items())],
        ("institution", "channel", "what was done"), empty="nothing to do")]
    parts += _html_needs_a_person(doc)
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<meta name=viewport content='width=device-width, initial-scale=1'><title>{escape(title)}</title>"
            f"<style>{_PAGE_STYLE}</style></head><body>\n{body}\n</body></html>\n")


def _html_needs_a_person(doc: dict[str, Any]) -> list[str]:
    parts = ["<h2>Needs a person</h2>"]
    if not (doc["problems"] or doc["rejects"] or doc["stopped"]):
        return [*parts, "<p>nothing: every item succeeded</p>"]
    from html import escape

    for channel, why in doc["stopped"].items():
        parts.append(f"<p class=bad>channel {escape(channel)} stopped: {escape(str(why))}</p>")
    if doc["problems"]:
        parts += ["<h3>Items that did not succeed</h3>",
                  _html_table([_problem_cells(p) for p in doc["problems"]], _PROBLEM_COLUMNS)]
    if doc["rejects"]:
        parts += ["<h3>Catalog rows refused</h3>", _html_table(
            [(r["institution"], r["file"], r["row"], r["column"], r["value"], r["message_en"] or r["reason"])
             for r in doc["rejects"]], ("institution", "file", "row", "column", "value", "reason"))]
    return parts


def _html_table(rows: Sequence[Sequence[object]], headers: Sequence[str], empty: str = "none") -> str:
    from html import escape

    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<div class=scroll><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


# -- the runs, listed ----------------------------------------------------------------------------------------


def runs_document(runs: list[Run]) -> list[dict[str, Any]]:
    """Each run as a line of `pasindo report --list`: id, start, trigger, job, status, its counts by operation
    and outcome, and the refused rows it read."""
    listed = []
    for run in runs:
        counts: Counter[tuple[str, str]] = Counter()
        for c in run.summary.get("counts", []):
            counts[(c["op"], c["outcome"])] += c["count"]
        listed.append({"run_id": run.run_id, "started_at": run.started_at, "finished_at": run.finished_at,
                       "trigger": run.trigger, "job": run.job, "status": run.status,
                       "counts": [{"op": op, "outcome": outcome, "count": n}
                                  for (op, outcome), n in sorted(counts.items())],
                       "rejects": run.summary.get("rejects", 0)})
    return listed


def runs_output(listed: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(listed, ensure_ascii=False, indent=2) + "\n"
    if not listed:
        return "no runs\n"

    def ops(run: dict[str, Any], ok: bool) -> str:
        return ", ".join(" ".join([shown_op(c["op"]), *([] if ok else [c["outcome"]]), str(c["count"])])
                         for c in run["counts"] if (c["outcome"] == ItemOutcome.OK) == ok)

    rows = [(r["run_id"], r["started_at"][:19].replace("T", " "), r["trigger"], r["job"] or "", r["status"],
             ops(r, True) or "-", ops(r, False), r["rejects"] or "") for r in listed]
    return table(rows, ("run", "started (UTC)", "trigger", "job", "status", "done", "not done", "refused rows")) + "\n"


# -- refused rows, for staff to fix in a spreadsheet ---------------------------------------------------------------

_REJECT_HEADERS = {
    "en": ("institution", "channel", "kind", "file", "row", "column", "value", "reason", "marketplace message", "SKU",
           "code", "found by"),
    "id": ("Institusi", "Kanal", "Jenis", "File", "Baris", "Kolom", "Isi", "Alasan", "Keterangan", "SKU", "Kode",
           "Ditemukan oleh"),
}
_REJECT_WORDS_ID = {Severity.REFUSED: "ditolak", Severity.WARNING: "peringatan", Origin.VALIDATE: "validate",
                    Origin.SYNC: "sinkronisasi", Origin.MARKETPLACE: "marketplace"}


def rejects_output(rows: list[RejectRow], *, fmt: str, lang: str = "en", with_institution: bool = True
                   ) -> str | bytes:
    """What staff should fix, as the rejects store keeps it (catalog findings, what each channel refuses or lists
    changed, what a marketplace refused) as a table, JSON, or a spreadsheet CSV. Alasan is the reason in the chosen
    language, Keterangan the marketplace's own message where it answered one, Kode the stable reason code."""
    if fmt == "json":
        return json.dumps([_reject(r) for r in rows], ensure_ascii=False, indent=2) + "\n"
    headers = _REJECT_HEADERS[lang] if with_institution else _REJECT_HEADERS[lang][1:]
    word = (lambda w: _REJECT_WORDS_ID.get(w, w)) if lang == "id" else str
    cells = [((r.institution,) if with_institution else ()) + (
        r.channel, word(r.severity), r.file, r.row, r.column, r.value, r.message(lang), r.channel_message, r.sku,
        r.reason, word(r.origin)) for r in rows]
    if fmt == "csv":
        return spreadsheet_csv(headers, cells)
    return table(cells, headers) + "\n" if rows else ("tidak ada yang ditolak\n" if lang == "id"
                                                      else "nothing refused\n")


# -- sales ---------------------------------------------------------------------------------------------------------

_SALES_HEADERS = ("Lembaga", "Kanal", "No. Pesanan", "SKU", "SKU Penjual", "Jumlah", "Status", "Waktu Pesanan",
                  "Harga Satuan", "Nilai")
_CHANNEL_TOTAL_HEADERS = ("Lembaga", "Kanal", "Terjual", "Nilai", "Baris tanpa harga")
_SALE_STATUS_ID = {"placed": "terjual", "cancelled": "dibatalkan", "returned": "dikembalikan"}


def sales_document(rows: list[SaleLine], zone: tzinfo | None = None) -> dict[str, Any]:
    """Order lines per institution and channel (times ISO 8601 in `zone`, default UTC; unit price and amount in
    whole rupiah where the marketplace reported them), the units sold (not cancelled or returned) per catalog SKU,
    and per institution and channel the units sold, their amount and how many sold lines had no price."""
    orders = [{"institution": r.institution, "channel": r.channel, "order_id": r.order_id,
               "sku": r.stock_key.split(":", 1)[1] if r.stock_key else None, "seller_sku": r.seller_sku,
               "quantity": r.quantity, "status": r.status, "at": _local(r.at, zone), "unit_price": r.unit_price,
               "amount": r.amount} for r in rows]
    totals: dict[tuple[str, str, str], int] = {}
    channels: dict[tuple[str, str], dict[str, int]] = {}
    for o in orders:
        if o["status"] == "placed":
            key = (o["institution"] or "", o["channel"], o["sku"] or o["seller_sku"])
            totals[key] = totals.get(key, 0) + o["quantity"]
            sums = channels.setdefault((o["institution"] or "", o["channel"]), {"sold": 0, "amount": 0, "unpriced": 0,
                                                                                 "priced": 0})
            sums["sold"] += o["quantity"]
            sums["amount"] += o["amount"] or 0
            sums["unpriced" if o["amount"] is None else "priced"] += 1
    return {"orders": orders, "totals": [{"institution": i, "channel": c, "sku": sku, "sold": n}
                                         for (i, c, sku), n in sorted(totals.items())],
            "channel_totals": [{"institution": i, "channel": c, "sold": t["sold"],
                                "amount": t["amount"] if t["priced"] else None,
                                "lines_without_price": t["unpriced"]} for (i, c), t in sorted(channels.items())]}


def _local(at: str, zone: tzinfo | None) -> str:
    moment = datetime.fromisoformat(at)
    return moment.astimezone(zone).isoformat(timespec="seconds") if zone is not None else at


def sales_output(doc: dict[str, Any], fmt: str) -> str | bytes:
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    when = (lambda at: datetime.fromisoformat(at).replace(tzinfo=None)) if fmt == "xlsx" else (lambda at: at)
    cells = [(o["institution"], o["channel"], o["order_id"], o["sku"], o["seller_sku"], o["quantity"],
              _SALE_STATUS_ID.get(o["status"], o["status"]), when(o["at"]), o["unit_price"], o["amount"])
             for o in doc["orders"]]
    sold = [(t["institution"], t["channel"], t["sku"], t["sold"]) for t in doc["totals"]]
    per_channel = [(t["institution"], t["channel"], t["sold"], t["amount"], t["lines_without_price"])
                   for t in doc["channel_totals"]]
    if fmt == "csv":
        return spreadsheet_csv(_SALES_HEADERS, cells)
    if fmt == "xlsx":  # times as the workbook's own dates, in the time zone they were given in
        return workbook([("Pesanan", _SALES_HEADERS, cells), ("Terjual", ("Lembaga", "Kanal", "SKU", "Terjual"), sold),
                         ("Total", _CHANNEL_TOTAL_HEADERS, per_channel)])
    if not cells:
        return "no orders recorded\n"
    return (table(cells, ("institution", "channel", "order", "sku", "seller sku", "qty", "status", "at", "unit price",
                          "amount")) + "\n\n"
            + table(sold, ("institution", "channel", "sku", "sold")) + "\n\n"
            + table(per_channel, ("institution", "channel", "sold", "amount", "lines without price")) + "\n")


def workbook(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]]) -> bytes:
    """An .xlsx file with one sheet per (title, headers, rows): bold headers, columns wide enough to read."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(c) for c in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
        for i, header in enumerate(headers):
            width = max([len(str(header)), *(len(str(r[i])) for r in rows if r[i] is not None)])
            sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = min(width + 2, 60)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def spreadsheet_csv(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """CSV that Excel in an Indonesian locale opens as columns: UTF-8 with a BOM, `;` between cells, CRLF.
    A cell that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_cell(c) for c in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


_NUMBER = re.compile(r"^-?\d+([.,]\d+)*$")


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(value):
        return "'" + value
    return "" if value is None else value


# -- status --------------------------------------------------------------------------------------------------------


def status_document(config: Config, ledger: Ledger | None, schedule: list[dict[str, Any]],
                    now: datetime | None = None, *, daemon: dict[str, Any] | None = None) -> dict[str, Any]:
    """Listings per channel and institution, the last run, the daemon (running or not) and the next runs — the
    daemon's own when one runs, else when the config's schedule would run them —, token expiry (never a token)."""
    now = now or datetime.now(UTC)
    pairs = {(c.name, i.code) for i in config.institutions for c in config.channels
             if i.channels is None or c.name in i.channels}
    counts = {(r.channel, r.institution): r for r in ledger.runs.listing_counts()} if ledger else {}
    failing = {(r.channel, r.institution): r.failing for r in ledger.runs.failing_counts()} if ledger else {}
    listings = []
    for channel, institution in sorted(pairs | set(counts) | set(failing)):
        row = counts.get((channel, institution))
        listings.append({"channel": channel, "institution": institution, "active": row.active if row else 0,
                         "inactive": row.inactive if row else 0, "failing": failing.get((channel, institution), 0),
                         "invalid": row.invalid if row else 0})
    last = ledger.runs.get() if ledger else None
    last_run = None
    if last is not None:
        doc = run_document(last, [], [])
        last_run = {k: doc[k] for k in ("run_id", "trigger", "job", "status", "started_at", "finished_at", "seconds")}
        last_run["not_ok"] = sum(c["count"] for c in doc["counts"] if c["outcome"] != "ok")
    stored = ledger.tokens.expiry() if ledger else {}
    tokens = []
    for channel in sorted({c.name for c in config.channels} | set(stored)):
        token = stored.get(channel)
        expires = token.expires_at if token else None
        tokens.append({
            "channel": channel, "source": "ledger" if token else "config",
            "expires_at": datetime.fromtimestamp(expires, UTC).isoformat(timespec="seconds") if expires else None,
            "expired": expires < now.timestamp() if expires else None,
            "refreshed_at": token.updated_at if token else None,
        })
    channels = [{"channel": c.name, "adapter": c.adapter, "sandbox": c.is_sandbox,
                 "endpoint": c.endpoint} for c in config.channels]
    daemon = daemon or {"running": False}
    return {"ledger": str(ledger_path(config)), "channels": channels, "listings": listings, "last_run": last_run,
            "daemon": daemon, "schedule": schedule, "tokens": tokens}


def print_status(doc: dict[str, Any]) -> None:
    if on_sandbox := [c["channel"] for c in doc["channels"] if c["sandbox"]]:
        click.echo(f"On the sandbox (no real shop): {', '.join(on_sandbox)}\n")
    click.echo("Listings")
    columns = ("channel", "institution", "active", "inactive", "failing", "invalid")
    click.echo(table([[r[c] for c in columns] for r in doc["listings"]], columns) if doc["listings"] else "none")
    last = doc["last_run"]
    if last is None:
        click.echo("\nLast run: none yet")
    else:
        job = f", job {last['job']}" if last["job"] else ""
        took = f", took {last['seconds']:.1f}s" if last["seconds"] is not None else ""
        click.echo(f"\nLast run: {last['run_id']} {last['status']} (trigger {last['trigger']}{job}), started "
                   f"{last['started_at']}{took}; {last['not_ok']} items not ok (`pasindo report` lists them)")
    daemon = doc["daemon"]
    if daemon["running"]:
        click.echo(f"\nDaemon: running, pid {daemon.get('pid')}, since {daemon.get('started_at')}; its next runs")
        heading = "next run"
    else:
        click.echo("\nDaemon: no daemon running for this state directory, so nothing runs on schedule"
                   + ("; the config's schedule would run" if doc["schedule"] else ""))
        heading = "would run"
    click.echo(table([(s["job"], s["schedule"], ", ".join(s["institutions"]) if isinstance(s["institutions"], list)
                       else s["institutions"], s["next_run"]) for s in doc["schedule"]],
                     ("job", "schedule", "institutions", heading)) if doc["schedule"] else "no schedule configured")
    click.echo("\nAccess tokens")
    click.echo(table([(t["channel"], t["expires_at"] or "unknown (from the config; not refreshed yet)",
                       "yes" if t["expired"] else ("no" if t["expired"] is False else ""), t["refreshed_at"] or "")
                      for t in doc["tokens"]], ("channel", "expires", "expired", "refreshed")) if doc["tokens"]
               else "no channels")


def categories_table(found: Sequence[Any]) -> str:
    """`pasindo categories` as text: per channel, each mapped category and its mandatory attributes."""
    blocks = []
    for channel in found:
        head = f"{channel.channel}{' (sandbox)' if channel.sandbox else ''}: {'ok' if channel.ok else 'PROBLEMS'}"
        if channel.error:
            blocks.append(f"{head}\n  {channel.error}")
            continue
        rows = []
        for mapped in channel.categories:
            state = mapped.problem or "ok"
            attributes = "; ".join(f"{a.name} = {a.filled_by or 'NOT FILLED'}" for a in mapped.attributes) or "-"
            rows.append((mapped.code, mapped.category_id, mapped.path or "?", state if mapped.ok or mapped.problem
                         else "attribute not filled", attributes))
        blocks.append(head + "\n" + table(rows, ("PASINDO category", "id", "channel category", "state",
                                                  "mandatory attributes")))
    return "\n\n".join(blocks)
