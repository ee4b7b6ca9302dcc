"""The `pasindo` command: parses options, calls the library, sets exit codes. Nothing else lives here."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from connector import logs
from connector.config import Config, ConfigError, load_config
from connector.sync.kinds import RunStatus

if TYPE_CHECKING:
    from connector.sync.ledger import Ledger

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_HELD, EXIT_LOCKED = 0, 1, 2, 3, 4
# A sync's exit code from what the run came to. An interrupted run (only the daemon stops one before its end)
# exits as what it came to until then: its status says interrupted, its outcome ok, problems or held.
SYNC_EXIT_CODES = {RunStatus.OK: EXIT_OK, RunStatus.PROBLEMS: EXIT_PROBLEMS, RunStatus.HELD: EXIT_HELD}


class _Context:
    def __init__(self, config_path: Path, log_format: str, log_level: str):
        self.config_path = config_path
        self.log_format = log_format
        self.log_level = log_level
        self._config: Config | None = None

    def config(self, *, secrets: bool = True) -> Config:
        """The validated config, or exit 2 listing every problem. `secrets=False`: the command talks to no
        marketplace, so credentials from unset environment variables are no problem."""
        if self._config is None:
            try:
                self._config = load_config(self.config_path, secrets=secrets)
            except ConfigError as err:
                for problem in err.problems:
                    click.echo(problem, err=True)
                sys.exit(EXIT_USAGE)
            self.configure_logs(self._config)
        return self._config

    def configure_logs(self, config: Config, stream: TextIO | None = None) -> None:
        """The config's logging settings, unless the command line says otherwise."""
        logs.configure(
            json=None if self.log_format == "auto" else self.log_format == "json",
            level=config.logging.level if self.log_level == "auto" else self.log_level,
            file=config.logging.file, secrets=config.secrets(), stream=stream,
        )


class _Pasindo(click.Group):
    """The command group: a setup problem (the state directory, an output file, a full disk) is one line naming
    the path, what was tried and what to do, and exit 2 — never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from connector.sync.state import StateError, state_error

        try:
            return super().invoke(ctx)
        except StateError as err:
            _usage(str(err))
        except sqlite3.OperationalError as err:  # e.g. the disk filled up under the ledger mid-run
            _usage(str(state_error(_ledger_of(ctx), "write the ledger", err)))
        except OSError as err:
            if err.errno == errno.EPIPE or err.filename is None:
                raise
            _usage(str(state_error(err.filename, "use it", err)))


def _ledger_of(ctx: click.Context) -> str:
    from connector.sync.run import ledger_path

    loaded = ctx.obj._config if isinstance(ctx.obj, _Context) else None
    return str(ledger_path(loaded)) if loaded is not None else "the ledger"


@click.group(cls=_Pasindo, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pasindo-connector", prog_name="pasindo", message="%(prog)s %(version)s")
@click.option("--config", "config_path", type=click.Path(path_type=Path), envvar="PASINDO_CONFIG",
              default="pasindo.yaml", show_default=True, help="The config file (also PASINDO_CONFIG).")
@click.option("--log-format", type=click.Choice(["auto", "json", "console"]), default="auto", show_default=True,
              help="auto: JSON lines unless the log goes to a terminal.")
@click.option("--log-level", type=click.Choice(["auto", "debug", "info", "warning", "error"]), default="auto",
              help="Default: the config's logging.level.")
@click.pass_context
def main(ctx: click.Context, config_path: Path, log_format: str, log_level: str) -> None:
    """PASINDO connector: keeps correctional institutions' products listed on the marketplaces."""
    logs.configure(json=None if log_format == "auto" else log_format == "json",
                   level="info" if log_level == "auto" else log_level)
    ctx.obj = _Context(config_path, log_format, log_level)


@main.command()
@click.option("--institution", "institutions", multiple=True, metavar="CODE", help="Only these institutions.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--lang", type=click.Choice(["en", "id"]), default="en", show_default=True,
              help="Language of the reasons: English or Bahasa Indonesia.")
@click.option("--products", "show_products", is_flag=True, help="Also print the normalised products.")
@click.pass_obj
def validate(obj: _Context, institutions: tuple[str, ...], fmt: str, lang: str, show_products: bool) -> None:
    """Read every catalog and report products, variants, refused rows and warnings, and what each configured
    channel will refuse or list changed; writes nothing to a marketplace. Exit 1 when a row is refused or a product
    cannot be listed on some channel. What it finds is kept for `pasindo report --rejects`."""
    from connector.reports import print_validation, validation_document
    from connector.sync.check import check as check_catalogs

    config = obj.config(secrets=False)  # a channel whose credentials are not set is checked without its rules
    _check_institutions(config, institutions)
    found = check_catalogs(config, institutions, keep_products=show_products)
    if fmt == "json":
        click.echo(json.dumps(validation_document(found, lang, show_products=show_products), ensure_ascii=False,
                              indent=2))
    else:
        print_validation(found, lang=lang, show_products=show_products)
    sys.exit(EXIT_PROBLEMS if found.problems() else EXIT_OK)


@main.command()
@click.option("--institution", "institutions", multiple=True, metavar="CODE", help="Only these institutions.")
@click.option("--channel", "channels", multiple=True, metavar="NAME", help="Only these channels.")
@click.option("--only", "only", type=click.Choice(["content", "price", "stock"]), multiple=True,
              help="Only these aspects (create, delist and relist count as content).")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--force", is_flag=True, help="Let changes held by the guards through.")
@click.option("--wait", is_flag=True, help="Wait for another sync to finish instead of exiting 4.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def sync(obj: _Context, institutions: tuple[str, ...], channels: tuple[str, ...], only: tuple[str, ...],
         dry_run: bool, force: bool, wait: bool, fmt: str) -> None:
    """Bring every channel in step with the catalogs."""
    from connector.reports import SyncProgress, print_sync, sync_document
    from connector.sync.lock import Locked, SyncLock
    from connector.sync.run import Sync, SyncOptions

    config = obj.config()
    _check_institutions(config, institutions)
    known = {c.name for c in config.channels}
    if unknown := [c for c in channels if c not in known]:
        click.echo(f"unknown channel {', '.join(unknown)}; configured: {', '.join(sorted(known))}", err=True)
        sys.exit(EXIT_USAGE)
    lock = SyncLock(config.state_dir)
    try:
        lock.acquire(wait=wait, waiting=_say_waiting)
    except Locked as err:
        click.echo(str(err), err=True)
        sys.exit(EXIT_LOCKED)
    # Progress per channel for a person at a terminal; never in logs, pipes or the daemon.
    progress = SyncProgress() if not dry_run and sys.stderr.isatty() else None
    try:
        with progress or nullcontext():
            if progress is not None:  # log lines go above the progress bars, not through them
                obj.configure_logs(config, stream=sys.stderr)
            run = Sync(config, SyncOptions(institutions, channels, only, dry_run, force, "manual"),
                       log=logs.get_logger(), progress=progress)
            try:
                result = run.run()
            finally:
                run.close()
    finally:
        lock.release()
        if progress is not None:
            obj.configure_logs(config)
    code = SYNC_EXIT_CODES[result.outcome]
    if fmt == "json":
        click.echo(json.dumps(sync_document(result, code), ensure_ascii=False, indent=2))
    else:
        print_sync(result)
    sys.exit(code)


@main.command()
@click.option("--channel", "channels", multiple=True, metavar="NAME", help="Only these channels.")
@click.option("--dry-run", is_flag=True, help="Show the matching; record nothing.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--wait", is_flag=True, help="Wait for a sync to finish instead of exiting 4.")
@click.pass_obj
def link(obj: _Context, channels: tuple[str, ...], dry_run: bool, fmt: str, wait: bool) -> None:
    """Adopt listings already on the channels by seller SKU; writes nothing to the marketplaces. Exit 1 when a
    channel has conflicts (held until resolved) or could not be linked."""
    from connector.reports import link_document, print_link
    from connector.sync.lock import Locked, SyncLock
    from connector.sync.run import Sync, SyncOptions

    config = obj.config()
    known = {c.name for c in config.channels}
    if unknown := [c for c in channels if c not in known]:
        _usage(f"unknown channel {', '.join(unknown)}; configured: {', '.join(sorted(known))}")
    lock = SyncLock(config.state_dir)  # bindings are written: not while a sync runs
    try:
        lock.acquire(wait=wait, waiting=_say_waiting)
    except Locked as err:
        click.echo(str(err), err=True)
        sys.exit(EXIT_LOCKED)
    try:
        run = Sync(config, SyncOptions(channels=channels, dry_run=dry_run), log=logs.get_logger())
        try:
            linked = run.link()
        finally:
            run.close()
    finally:
        lock.release()
    doc = link_document([(c.channel, c.linking, c.error) for c in linked], dry_run=dry_run)
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print_link(doc)
    sys.exit(EXIT_PROBLEMS if any(c.problems() for c in linked) else EXIT_OK)


class IndonesianDate(click.ParamType):
    """A date as people here write it: 2026-12-02, 02/12/2026 (day first), 2 Des 2026 (the catalog's parser)."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from connector.catalog.parsers import ParseError, parse_date

        if not isinstance(value, str):
            return value
        try:
            return parse_date(value)
        except ParseError as err:
            self.fail(f"{value!r}: {err}; or write 2026-12-31", param, ctx)


DATE = IndonesianDate()


@main.command()
@click.argument("run_id", required=False)
@click.option("--last", is_flag=True, help="The very latest run (default: the latest that changed something or had "
              "problems).")
@click.option("--list", "show_list", is_flag=True, help="List the runs (latest first) instead of showing one.")
@click.option("--since", type=DATE, help="With --list: runs started on or after this date (the config's time zone).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="With --list: at most this "
              "many runs.")
@click.option("--institution", "institutions", multiple=True, metavar="CODE",
              help="Only these institutions' items (or refused rows).")
@click.option("--rejects", "show_rejects", is_flag=True,
              help="What staff should fix instead of a run: refused catalog rows and warnings (latest reading), "
              "what each channel refuses before any call (latest validate or sync), what a marketplace refused.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "html"]), default="table",
              show_default=True, help="csv: UTF-8 with BOM, ';' separated, for a spreadsheet; html: one run as a "
              "self-contained page.")
@click.option("--lang", type=click.Choice(["en", "id"]), default="en", show_default=True,
              help="Language of the findings' headers and reasons.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.pass_obj
def report(obj: _Context, run_id: str | None, last: bool, show_list: bool, since: Any, limit: int,
           institutions: tuple[str, ...], show_rejects: bool, fmt: str, lang: str, output: Path | None) -> None:
    """A run's summary and every item that did not succeed, the runs listed, or the refused rows. With no RUN_ID:
    the latest run that changed something or had problems (and how many quiet runs followed it)."""
    from connector import reports

    config = obj.config(secrets=False)
    _check_output(output, fmt)
    _check_institutions(config, institutions)
    if sum(map(bool, (run_id, last, show_list, show_rejects))) > 1:
        _usage("give one of RUN_ID, --last, --list and --rejects")
    if show_list and fmt in ("csv", "html"):
        _usage("--list prints a table or json: use --format table or --format json")
    if show_rejects and fmt == "html":
        _usage("--rejects prints a table, json or csv (for a spreadsheet): --format html is for a run")
    if since is not None and not show_list:
        _usage("--since goes with --list")
    ledger = _open_ledger(config)
    try:
        if show_rejects:
            rows = [r for r in (ledger.rejects.all() if ledger else []) if not institutions or r.institution in
                    institutions]
            content = reports.rejects_output(rows, fmt=fmt, lang=lang, with_institution=len(institutions) != 1)
        elif show_list:
            runs = ledger.runs.listed(since=_utc_start(since, config), limit=limit) if ledger else []
            content = reports.runs_output(reports.runs_document(runs), fmt)
        else:
            content = reports.run_output(_run_doc(config, ledger, run_id, last, institutions), fmt)
    finally:
        if ledger:
            ledger.close()
    _emit(content, output)


def _run_doc(config: Config, ledger: Ledger | None, run_id: str | None, last: bool, institutions: tuple[str, ...]
             ) -> dict[str, Any]:
    """The run asked for: RUN_ID, the very latest (--last), or the latest that changed something or had problems."""
    from connector import reports
    from connector.sync.run import ledger_path

    quiet_after = None
    if ledger is None:
        run = None
    elif run_id or last:
        run = ledger.runs.get(run_id)
    else:
        run, quiet_after = ledger.runs.latest_eventful()
        if run is None:  # every run was quiet: the latest one
            run, quiet_after = ledger.runs.get(), None
    if run is None:
        if run_id:
            _usage(f"no run {run_id} in the ledger {ledger_path(config)}")
        click.echo(f"no runs yet in the ledger {ledger_path(config)}", err=True)
        sys.exit(EXIT_OK)
    doc = reports.run_document(run, ledger.runs.items(run.run_id), ledger.rejects.all(), institutions)
    if quiet_after:  # only when quiet runs were passed over: the run then reads as it does by its id
        doc["quiet_runs_after"] = quiet_after
    return doc


def _utc_start(day: Any, config: Config) -> str | None:
    """The start of `day` in the config's time zone, as the ledger's UTC timestamps are written."""
    if day is None:
        return None
    from datetime import UTC, datetime, time

    return datetime.combine(day, time(), config.zone).astimezone(UTC).isoformat(timespec="milliseconds")


@main.command()
@click.option("--institution", "institutions", multiple=True, metavar="CODE", help="Only these institutions' sales.")
@click.option("--since", type=DATE, help="Orders placed on or after this day: 2026-12-02, 02/12/2026 or 2 Des 2026 "
              "(in the config's time zone).")
@click.option("--until", type=DATE, help="Orders placed on or before this day (same forms).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table",
              show_default=True, help="csv: UTF-8 with BOM, ';' separated, Indonesian headers, for a spreadsheet; "
              "xlsx: a workbook (orders, units sold, totals per institution and channel), with --output.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.pass_obj
def sales(obj: _Context, institutions: tuple[str, ...], since: Any, until: Any, fmt: str, output: Path | None
          ) -> None:
    """What sold where, per institution and channel, from the orders pulled at each sync: unit price and amount in
    rupiah where the marketplace reported them, times in the config's time zone."""
    from datetime import timedelta

    from connector import reports

    config = obj.config(secrets=False)
    _check_output(output, fmt)
    _check_institutions(config, institutions)
    if since and until and until < since:
        _usage(f"--until {until.isoformat()} is before --since {since.isoformat()}")
    ledger = _open_ledger(config)
    try:
        rows = ledger.orders.sales(institutions=institutions, since=_utc_start(since, config),
                                   until=_utc_start(until + timedelta(days=1) if until else None, config)) \
            if ledger else []
    finally:
        if ledger:
            ledger.close()
    _emit(reports.sales_output(reports.sales_document(rows, config.zone), fmt), output)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def status(obj: _Context, fmt: str) -> None:
    """Listings per channel and institution, the last run, whether a daemon runs and its next runs, token expiry."""
    from connector import reports
    from connector.daemon import DaemonRecord, next_runs

    config = obj.config(secrets=False)
    ledger = _open_ledger(config)
    try:
        def last_started(job: str) -> str | None:
            run = ledger.runs.latest(job=job) if ledger else None
            return run.started_at if run else None

        daemon = DaemonRecord(config.state_dir).read()
        schedule = daemon["next_runs"] if daemon["running"] else next_runs(config, last_started)
        doc = reports.status_document(config, ledger, schedule, daemon=daemon)
    finally:
        if ledger:
            ledger.close()
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        reports.print_status(doc)


@main.command()
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write the site into (default: the config's site.output); replaced at each build.")
@click.option("--base-url", help="Where the site is published, e.g. https://pasindo.example.go.id (default: the "
              "config's site.base_url, else the output folder as a file:// address).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def site(obj: _Context, output: Path | None, base_url: str | None, fmt: str) -> None:
    """The landing page: every product live on some channel, with links to its listings (no marketplace called).
    Exit 1 when something is missing from it (an image, a channel's links), 2 when it cannot be built."""
    from connector.config import SiteConfig
    from connector.site.build import SiteError, build_site

    config = obj.config(secrets=False)
    output = output or config.site.output
    if output is None:
        _usage("give --output DIR, or set site.output in the config")
    try:
        base_url = SiteConfig(base_url=base_url).base_url
    except ValueError:
        _usage(f"--base-url {base_url}: must be an http(s) URL, e.g. https://pasindo.example.go.id")
    ledger = _open_ledger(config)
    if ledger is None:
        _usage(f"no ledger yet in {config.state_dir}: run pasindo sync first, the site shows what is listed")
    try:
        built = build_site(config, ledger, output, base_url=base_url)
    except SiteError as err:
        _usage(str(err))
    finally:
        ledger.close()
    if fmt == "json":
        click.echo(json.dumps(built.document(), ensure_ascii=False, indent=2))
    else:
        click.echo(built.summary())
        for warning in built.warnings:
            click.echo(f"warning: {warning}", err=True)
    sys.exit(EXIT_PROBLEMS if built.warnings else EXIT_OK)


@main.command()
@click.pass_obj
def daemon(obj: _Context) -> None:
    """Run the config's schedule in the foreground (for systemd): SIGTERM stops, SIGHUP reloads the config."""
    from connector.daemon import NOTHING_SCHEDULED, Daemon, scheduled_syncs
    from connector.sync.state import ensure_state_dir

    config = obj.config()
    if not scheduled_syncs(config):
        click.echo(f"{obj.config_path}: schedule: {NOTHING_SCHEDULED}", err=True)
        sys.exit(EXIT_USAGE)

    def use(loaded: Config) -> None:  # JSON lines on stdout for journald, or the config's logging.file
        obj.configure_logs(loaded, stream=sys.stdout)

    ensure_state_dir(config.state_dir)  # a state directory it cannot write: exit 2 now, not at every run
    use(config)
    sys.exit(Daemon(obj.config_path, config, on_config=use).run())


@main.command()
@click.option("--channel", "channels", multiple=True, metavar="NAME", help="Only these channels.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def check(obj: _Context, channels: tuple[str, ...], fmt: str) -> None:
    """One cheap authenticated call per channel: credentials, shop and permissions. Exit 0 when all pass."""
    from connector.channels import check_channels
    from connector.sync.ledger import Ledger
    from connector.sync.run import ledger_path

    config = obj.config()
    known = {c.name for c in config.channels}
    if unknown := [c for c in channels if c not in known]:
        _usage(f"unknown channel {', '.join(unknown)}; configured: {', '.join(sorted(known))}")
    ledger = Ledger(ledger_path(config))  # refreshed tokens live there
    try:
        results = check_channels(config, ledger, channels)
    finally:
        ledger.close()
    if fmt == "json":
        click.echo(json.dumps([vars(r) for r in results], ensure_ascii=False, indent=2))
    else:
        from connector.reports import table

        click.echo(table([(r.channel, r.adapter, "sandbox" if r.sandbox else "live", "ok" if r.ok else "FAILED",
                           r.message) for r in results], ("channel", "adapter", "endpoint", "check", "message")))
        if on_sandbox := [r.channel for r in results if r.sandbox]:
            click.echo(f"\non the sandbox (no real shop): {', '.join(on_sandbox)}")
    unusable = _unusable_categories(config, [r.channel for r in results if r.ok])
    if unusable and fmt != "json":
        click.echo(f"\ncategories check FAILED on {', '.join(unusable)}: see `pasindo categories`")
    sys.exit(EXIT_OK if all(r.ok for r in results) and not unusable else EXIT_PROBLEMS)


def _unusable_categories(config: Config, channels: list[str]) -> list[str]:
    """The channels (of those that passed their check) whose category map uses a category they cannot take."""
    from connector.categories import check_categories
    from connector.sync.ledger import Ledger
    from connector.sync.run import ledger_path

    if not channels:
        return []
    ledger = Ledger(ledger_path(config))
    try:
        found = check_categories(config, ledger, tuple(channels))
    finally:
        ledger.close()
    return [c.channel for c in found if not c.ok and c.categories]


@main.command()
@click.option("--channel", "channels", multiple=True, metavar="NAME", help="Only these channels.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def categories(obj: _Context, channels: tuple[str, ...], fmt: str) -> None:
    """Every category each channel's map uses: on the channel as a leaf? its mandatory attributes, and what fills
    each. Exit 0 when every mapped category is usable, 1 otherwise. Reads the channels afresh and keeps what they
    said for the next syncs."""
    from connector.categories import check_categories
    from connector.sync.ledger import Ledger
    from connector.sync.run import ledger_path
    from connector.sync.state import ensure_state_dir

    config = obj.config()
    known = {c.name for c in config.channels}
    if unknown := [c for c in channels if c not in known]:
        _usage(f"unknown channel {', '.join(unknown)}; configured: {', '.join(sorted(known))}")
    ensure_state_dir(config.state_dir)
    ledger = Ledger(ledger_path(config))  # the trees are kept there, as the sync keeps them
    try:
        found = check_categories(config, ledger, channels, refresh=True)
    finally:
        ledger.close()
    if fmt == "json":
        click.echo(json.dumps([c.as_dict() for c in found], ensure_ascii=False, indent=2))
    else:
        from connector.reports import categories_table

        click.echo(categories_table(found))
    sys.exit(EXIT_OK if all(c.ok for c in found) else EXIT_PROBLEMS)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def adapters(fmt: str) -> None:
    """The marketplace adapters installed (entry-point group pasindo.adapters), with version and capabilities."""
    from connector.channels import installed_adapters

    found = installed_adapters()
    if fmt == "json":
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    from connector.reports import table

    rows = []
    for a in found:
        caps = a["capabilities"]
        summary = a["problem"] or ", ".join(f"{k}={v}" for k, v in caps.items())
        rows.append((a["name"], a["version"], a["target"], summary))
    click.echo(table(rows, ("adapter", "version", "from", "capabilities")))


@main.group()
def sandbox() -> None:
    """The marketplace sandbox: emulated Shopee, Lazada and TikTok Shop APIs on loopback."""


def _sandbox_options(command: Any) -> Any:
    """One click option per field of the sandbox's option declaration (as `python -m connector.sandbox` has)."""
    from connector.sandbox.options import command_options

    for option in reversed(command_options()):
        kind = click.Path(path_type=Path) if option.kind is Path else option.kind
        command = click.option(option.flag, option.field, type=kind, default=option.default,
                               show_default=option.default is not None, help=option.help)(command)
    return command


@sandbox.command("serve")
@_sandbox_options
def sandbox_serve(**options: Any) -> None:
    """Serve the sandbox in the foreground until SIGINT or SIGTERM."""
    from connector.sandbox.server import run

    sys.exit(run(options))


@main.command()
def schema() -> None:
    """Print the JSON Schema of a PASINDO product (with the category taxonomy)."""
    from connector.schema import json_schema

    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


def _say_waiting(why: str) -> None:
    click.echo(f"{why}: waiting for it to finish (--wait; Ctrl-C to stop waiting)", err=True)


def _usage(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_USAGE)


def _open_ledger(config: Config) -> Ledger | None:
    """The ledger for reading, or None before the first sync (a report does not create one)."""
    from connector.sync.ledger import Ledger
    from connector.sync.run import ledger_path
    from connector.sync.state import readable_file

    return Ledger(ledger_path(config)) if readable_file(ledger_path(config)) else None


def _check_output(output: Path | None, fmt: str) -> None:
    """Before any work: an --output whose folder is missing, or binary output bound for a terminal, exits 2."""
    if output is None:
        if fmt in BINARY_FORMATS and sys.stdout.isatty():
            _usage(f"--format {fmt} is a binary file, not for a terminal: add --output FILE (e.g. --output "
                   f"penjualan.{fmt}), or redirect the output to a file")
        return
    folder = output.parent
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        _usage(f"{output}: cannot write it: the folder {folder.absolute()} {what}; create the folder or choose "
               "another --output")
    if output.is_dir():
        _usage(f"{output}: cannot write it: it is a folder; give a file name, e.g. --output {output / 'report'}")


BINARY_FORMATS = ("xlsx",)


def _emit(content: str | bytes, output: Path | None) -> None:
    if output is not None:
        try:
            if isinstance(content, bytes):
                output.write_bytes(content)
            else:
                output.write_text(content, encoding="utf-8")
        except OSError as err:
            advice = {errno.ENOSPC: "the disk is full: free some space or write elsewhere",
                      errno.EACCES: "this user may not write there: choose another --output",
                      errno.EROFS: "the file system is read-only: choose another --output"}
            _usage(f"{output}: cannot write it: {os.strerror(err.errno or 0).lower()}; "
                   f"{advice.get(err.errno or 0, 'choose another --output')}")
    elif isinstance(content, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        click.echo(content, nl=not content.endswith("\n"))


def _check_institutions(config: Config, codes: tuple[str, ...]) -> None:
    known = {i.code for i in config.institutions}
    unknown = [c for c in codes if c not in known]
    if unknown:
        click.echo(f"unknown institution {', '.join(unknown)}; configured: {', '.join(sorted(known))}", err=True)
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":  # pragma: no cover
    main()
