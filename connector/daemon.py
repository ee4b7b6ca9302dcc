"""`pasindo daemon`: the config's schedule, run in the foreground for systemd (APScheduler 3, BlockingScheduler).

Never two syncs at once: one worker thread runs every job, a job never runs twice at the same time (a fire due
while it is still going is coalesced or skipped), and every run takes the same sync lock as a manual `pasindo sync`.
A manual sync started during a scheduled run therefore exits 4 (or waits with `--wait`); a scheduled run that finds
a manual sync going waits for it, up to `LOCK_WAIT_SECONDS`, then skips and says so.

SIGTERM and SIGINT stop after the batch in flight (the run is recorded as `interrupted`; the next run picks up the
rest); SIGHUP reloads the config (a config that does not load is reported and the running one kept).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_STARTED,
    JobEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from connector import logs
from connector.config import Config, ConfigError, load_config, schedule_trigger
from connector.sync.kinds import Aspect, Trigger
from connector.sync.ledger import Ledger
from connector.sync.lock import Locked, SyncLock
from connector.sync.run import Sync, SyncOptions
from connector.sync.state import StateError, ensure_state_dir, state_error

KINDS: dict[str, tuple[Aspect, ...]] = {"full": (), "stock_price": (Aspect.PRICE, Aspect.STOCK)}  # -> SyncOptions.only
MISFIRE_GRACE_SECONDS = 3600  # a run kept waiting behind a long one still runs if it can start within this
LOCK_POLL_SECONDS = 0.5
LOCK_WAIT_SECONDS = 3600
DAEMON_RUNNING = 4  # exit code: another daemon runs for this state directory (as a sync holding the lock)
NOTHING_SCHEDULED = "nothing to run; set full and/or stock_price (a cron expression or e.g. every 10m)"


@dataclass(frozen=True)
class ScheduledSync:
    """One job: a kind of sync, when, and for which institutions (empty: every institution)."""

    job_id: str  # full | stock_price | full:<institution> | stock_price:<institution>
    kind: str
    expression: str
    institutions: tuple[str, ...]
    trigger: Any

    @property
    def only(self) -> tuple[Aspect, ...]:
        return KINDS[self.kind]

    def next_run(self, now: datetime, previous: datetime | None = None) -> datetime | None:
        """The next fire time after `now`. An interval counts from the previous run when there was one."""
        if previous is None or not isinstance(self.trigger, IntervalTrigger):
            return self.trigger.get_next_fire_time(None, now)
        return max(self.trigger.get_next_fire_time(previous, now), now)


def scheduled_syncs(config: Config) -> list[ScheduledSync]:
    """The jobs the config's `schedule:` asks for. An institution with its own schedule for a kind leaves the
    global job of that kind; `off` turns a kind off (for one institution, or globally)."""
    schedule = config.schedule
    jobs: list[ScheduledSync] = []
    for kind in KINDS:
        own = {code: getattr(s, kind) for code, s in schedule.institutions.items() if getattr(s, kind) is not None}
        default = getattr(schedule, kind)
        if default is not None and default != "off":
            rest = tuple(i.code for i in config.institutions if i.code not in own)
            if rest:
                jobs.append(ScheduledSync(kind, kind, default, rest if own else (),
                                          schedule_trigger(default, schedule.timezone)))
        for code in (i.code for i in config.institutions if own.get(i.code) not in (None, "off")):
            jobs.append(ScheduledSync(f"{kind}:{code}", kind, own[code], (code,),
                                      schedule_trigger(own[code], schedule.timezone)))
    return jobs


def next_runs(config: Config, last_started: Callable[[str], str | None], now: datetime | None = None
              ) -> list[dict[str, Any]]:
    """Each job with its next run, computed from the triggers without running a scheduler. `last_started(job_id)`
    gives the start of the job's latest run (intervals count from there; a daemon restart starts them afresh)."""
    now = now or datetime.now(UTC)
    out = []
    for job in scheduled_syncs(config):
        started = last_started(job.job_id)
        following = job.next_run(now, datetime.fromisoformat(started) if started else None)
        out.append({"job": job.job_id, "kind": job.kind, "schedule": job.expression,
                    "institutions": list(job.institutions) or "all", "next_run": _iso(following)})
    return out


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def warn_sandbox(config: Config) -> None:
    """One warning per channel on the embedded sandbox: a service syncing nothing real must say so."""
    for channel in config.channels:
        if channel.is_sandbox:
            logs.get_logger().warning(
                "sandbox_channel", channel=channel.name, sandbox=True,
                message="this channel syncs with the embedded sandbox, not a marketplace: set its endpoint to the "
                        "API base URL (and environment: production to refuse the sandbox)")


DAEMON_FILE = "daemon.json"  # in the state dir: the running daemon's pid, start and next runs
DAEMON_LOCK = "daemon.lock"  # held by the running daemon for as long as it runs (released by the OS if it dies)


class DaemonRecord:
    """What `pasindo status` knows of the daemon: a lock it holds while it runs, and a file it rewrites with its
    pid, its start and each job's next run as the scheduler computed it. A lock nobody holds means no daemon is
    running, whatever the file says (a killed daemon leaves its file behind)."""

    def __init__(self, state_dir: Path):
        self.path = state_dir / DAEMON_FILE
        self.lock_path = state_dir / DAEMON_LOCK
        self._fd: int | None = None

    def claim(self) -> bool:
        """Take the daemon lock; False when another daemon holds it for this state directory."""
        ensure_state_dir(self.lock_path.parent)
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            raise state_error(self.lock_path, "take the daemon lock", err) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def write(self, doc: dict[str, Any]) -> None:
        """Replace the file at once (a reader never sees half of it)."""
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
        partial.replace(self.path)

    def release(self) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def read(self) -> dict[str, Any]:
        """`{"running": False}`, or the running daemon's record with `"running": True`."""
        if not self.lock_path.is_file():
            return {"running": False}
        try:
            fd = os.open(self.lock_path, os.O_RDONLY)
        except OSError as err:
            raise state_error(self.lock_path, "read the daemon lock", err) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return {"running": False}
        except BlockingIOError:
            pass
        finally:
            os.close(fd)
        try:
            return {**json.loads(self.path.read_text(encoding="utf-8")), "running": True}
        except (OSError, ValueError):  # started a moment ago: the file comes next
            return {"running": True, "pid": None, "started_at": None, "next_runs": []}


class Daemon:
    """The scheduler, its jobs, and the signals that stop it or reload its config."""

    def __init__(self, config_path: Path, config: Config, *, on_config: Callable[[Config], None] = lambda c: None):
        self.config_path = config_path
        self.config = config
        self.on_config = on_config  # applies a (re)loaded config's logging settings
        self.stop = threading.Event()
        self._jobs: dict[str, ScheduledSync] = {}
        self._busy = threading.Lock()  # held while a run is going
        self._signals: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._main_done = threading.Event()
        self.record = DaemonRecord(config.state_dir)
        self.started_at: str | None = None
        scheduler_options: dict[str, Any] = {}
        if config.schedule.timezone:
            scheduler_options["timezone"] = config.schedule.timezone
        self.scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(1)},  # one run at a time, whichever job it belongs to
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
            **scheduler_options,
        )
        self.scheduler.add_listener(self._on_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR)
        self.scheduler.add_listener(lambda event: self._record_next_runs(),
                                    EVENT_SCHEDULER_STARTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
                                    | EVENT_JOB_MAX_INSTANCES)
        # APScheduler's own stdlib log lines would bypass the JSON log; the listener reports what matters.
        aps = logging.getLogger("apscheduler")
        aps.propagate = False
        aps.addHandler(logging.NullHandler())

    def run(self) -> int:
        """Serve until SIGTERM or SIGINT; returns the exit code."""
        log = logs.get_logger()
        control = threading.Thread(target=self._control, name="signals", daemon=True)
        control.start()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        if not self.record.claim():
            running = self.record.read()
            log.error("daemon_refused", reason=f"another daemon (pid {running.get('pid')}) runs for the state "
                      f"directory {self.config.state_dir}")
            return DAEMON_RUNNING
        self.started_at = _iso(datetime.now(UTC))
        log.info("daemon_started", config=str(self.config_path), pid=os.getpid())
        warn_sandbox(self.config)
        self._schedule(scheduled_syncs(self.config))
        try:
            if not self.stop.is_set():
                self.scheduler.start()  # blocks until a stop signal shuts it down
        finally:
            self._main_done.set()
        with self._busy:  # the run in flight stops after its batch; wait for it to record itself
            pass
        self._signals.put(None)
        control.join(timeout=5)
        self.record.release()
        log.info("daemon_stopped")
        return 0

    def _record_next_runs(self) -> None:
        """Write the pid, the start and each job's next run as the scheduler holds it, for `pasindo status`."""
        now = datetime.now(UTC)
        jobs = {j.id: j for j in self.scheduler.get_jobs()} if self.scheduler.running else {}
        runs = []
        for job in self._jobs.values():
            planned = jobs.get(job.job_id)
            following = planned.next_run_time if planned is not None else job.next_run(now)
            if planned is not None and following is not None and following <= now:  # being updated just now
                following = planned.trigger.get_next_fire_time(following, now)
            runs.append({"job": job.job_id, "kind": job.kind, "schedule": job.expression,
                         "institutions": list(job.institutions) or "all", "next_run": _iso(following)})
        try:
            self.record.write({"pid": os.getpid(), "started_at": self.started_at, "config": str(self.config_path),
                               "state_dir": str(self.config.state_dir), "updated_at": _iso(now), "next_runs": runs})
        except OSError as err:  # status then shows what it recorded before; the service goes on
            logs.get_logger().warning("daemon_record_failed", path=str(self.record.path), error=str(err))

    # -- jobs ----------------------------------------------------------------------------------------------------

    def _schedule(self, jobs: list[ScheduledSync]) -> None:
        self.scheduler.remove_all_jobs()
        self._jobs = {job.job_id: job for job in jobs}
        now = datetime.now(UTC)
        for job in jobs:
            self.scheduler.add_job(self._run, job.trigger, args=[job.job_id], id=job.job_id, name=job.job_id)
            logs.get_logger().info("scheduled", job=job.job_id, kind=job.kind, schedule=job.expression,
                                   institutions=list(job.institutions) or "all", next_run=_iso(job.next_run(now)))
        self._record_next_runs()

    def _run(self, job_id: str) -> None:
        """One scheduled run: take the sync lock (waiting for a manual sync), sync, release."""
        with self._busy:
            job = self._jobs.get(job_id)
            if job is None or self.stop.is_set():  # removed by a reload, or stopping: nothing to do
                return
            config = self.config
            log = logs.get_logger(job=job_id, next_run=_iso(job.next_run(datetime.now(UTC))))
            lock = SyncLock(config.state_dir)
            try:
                if not self._acquire(lock, log):
                    return
            except StateError as err:
                log.error("sync_failed", error=str(err))
                return
            try:
                engine = Sync(config, SyncOptions(institutions=job.institutions, only=job.only,
                                                  trigger=Trigger.SCHEDULE, job=job_id), log=log, stop=self.stop)
                try:
                    engine.run()
                    if job.kind == "full" and config.site.output is not None:
                        build_site_after_sync(config, engine.ledger, log)
                finally:
                    engine.close()
            except StateError as err:  # an operator's mistake (permissions, a full disk): one line, no traceback
                log.error("sync_failed", error=str(err))
            except Exception:  # one run's failure must not end the service; the next run tries again
                log.exception("sync_failed")
            finally:
                lock.release()

    def _acquire(self, lock: SyncLock, log: Any) -> bool:
        started = time.monotonic()
        try:
            lock.acquire()
            return True
        except Locked as err:
            log.info("lock_busy", message=str(err), action="waiting for it")
        while not self.stop.wait(LOCK_POLL_SECONDS):
            try:
                lock.acquire()
            except Locked:
                if time.monotonic() - started > LOCK_WAIT_SECONDS:
                    log.warning("run_skipped", reason=f"another sync held the lock for over {LOCK_WAIT_SECONDS}s")
                    return False
                continue
            log.info("lock_acquired", waited_seconds=round(time.monotonic() - started, 1))
            return True
        log.info("run_skipped", reason="stopping")
        return False

    def _on_event(self, event: JobEvent) -> None:
        log = logs.get_logger(job=event.job_id)
        if event.code == EVENT_JOB_MAX_INSTANCES:
            log.info("run_skipped", reason="the previous run of this job is still going or waiting its turn")
        elif event.code == EVENT_JOB_MISSED:
            log.warning("run_missed", scheduled_at=_iso(getattr(event, "scheduled_run_time", None)),
                        reason=f"could not start within {MISFIRE_GRACE_SECONDS}s of its time")
        else:
            log.error("job_failed", error=repr(getattr(event, "exception", None)),
                      traceback=getattr(event, "traceback", None))

    # -- signals -------------------------------------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: object) -> None:
        # A signal handler interrupts the main thread anywhere, even inside a lock it holds: hand the work over.
        self._signals.put(signum)  # SimpleQueue.put is reentrant

    def _control(self) -> None:
        while (signum := self._signals.get()) is not None:
            if signum == signal.SIGHUP:
                self.reload()
            else:
                self.shutdown(signal.Signals(signum).name)

    def shutdown(self, reason: str) -> None:
        """Stop scheduling; the run in flight stops after its batch."""
        if self.stop.is_set():
            return
        self.stop.set()
        logs.get_logger().info("daemon_stopping", reason=reason, run_in_flight=self._busy.locked())
        while not self._main_done.is_set():
            try:
                self.scheduler.shutdown(wait=False)
                return
            except SchedulerNotRunningError:  # the signal came before the scheduler started: let it start first
                time.sleep(0.05)

    def reload(self) -> None:
        """Read the config again and reschedule; a config that does not load leaves the running one in place."""
        log = logs.get_logger()
        try:
            config = load_config(self.config_path)
            jobs = scheduled_syncs(config)
            if not jobs:
                raise ConfigError([f"{self.config_path}: schedule: {NOTHING_SCHEDULED}"])
        except ConfigError as err:
            log.error("config_reload_failed", config=str(self.config_path), problems=err.problems,
                      action="kept the running config")
            return
        self.config = config
        self.on_config(config)
        logs.get_logger().info("config_reloaded", config=str(self.config_path), jobs=len(jobs))
        warn_sandbox(config)
        self._schedule(jobs)



def build_site_after_sync(config: Config, ledger: Ledger, log: Any) -> None:
    """The landing page after a full sync (`site.output` set), under the sync lock, so it shows what the run left
    in the ledger. A build that fails is logged; the daemon carries on."""
    from connector.site.build import build_site

    try:
        built = build_site(config, ledger, config.site.output)
    except Exception:
        log.exception("site_failed", output=str(config.site.output))
        return
    for warning in built.warnings:
        log.warning("site_warning", message=warning)
    log.info("site_built", **{k: v for k, v in built.document().items() if k != "warnings"},
             warnings=len(built.warnings))
