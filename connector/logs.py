"""Structured logging: JSON lines for machines (journald, files), readable lines for people; secrets redacted."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import structlog

REDACTED = "[redacted]"
_SECRET_KEYS = re.compile(r"(secret|token|partner_key|password|passwd|sign$|signature|authorization)", re.I)


class Redactor:
    """A structlog processor that removes secrets: by key name, and by value wherever a known secret appears."""

    def __init__(self, secrets: Iterable[str] = ()):
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        # Very short values would redact ordinary words; credentials are never that short.
        self._secrets.update(s for s in secrets if s and len(s) >= 6)

    def scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self._secrets:
                if secret in value:
                    value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {k: REDACTED if _SECRET_KEYS.search(str(k)) and v else self.scrub(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.scrub(v) for v in value)
        if isinstance(value, BaseException):
            return self.scrub(f"{type(value).__name__}: {value}")
        return value

    def __call__(self, logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
        return self.scrub(event)


REDACTOR = Redactor()


class _ReopeningFile:
    """A log file reopened when logrotate moves it away (so no copytruncate is needed)."""

    def __init__(self, path: Path):
        self.path = path
        self._fh: TextIO | None = None
        self._ino: int | None = None

    def write(self, text: str) -> None:
        try:
            ino = self.path.stat().st_ino
        except FileNotFoundError:
            ino = None
        if self._fh is None or ino != self._ino:
            if self._fh is not None:
                self._fh.close()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
            self._ino = self.path.stat().st_ino
        self._fh.write(text)
        self._fh.flush()

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


_LOG_FILE: _ReopeningFile | None = None


def configure(*, json: bool | None = None, level: str = "info", file: Path | None = None,
              secrets: Iterable[str] = (), stream: TextIO | None = None) -> None:
    """Set up structlog once per process. `json=None` means JSON unless the output is a terminal."""
    global _LOG_FILE
    REDACTOR.add(secrets)
    if _LOG_FILE is not None:  # set up again (SIGHUP): the previous file is released
        _LOG_FILE.close()
        _LOG_FILE = None
    if file is not None:
        _LOG_FILE = _ReopeningFile(file)
    out: Any = _LOG_FILE or stream or sys.stderr
    if json is None:
        json = file is not None or not getattr(out, "isatty", lambda: False)()
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        REDACTOR,
    ]
    if not json:  # a person reads it: the bulky fields the command prints as a table anyway stay in the JSON log
        processors.append(_compact)
    if json and out is sys.stdout and os.environ.get("JOURNAL_STREAM"):
        renderer = _JournaldPriority(renderer)  # under systemd: `journalctl -p warning` then filters by level
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.WriteLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )


# Fields a console log line leaves out: the command prints them as a table (the JSON log keeps every field).
CONSOLE_OMITS = ("counts",)


def _compact(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    for name in CONSOLE_OMITS:
        value = event.pop(name, None)
        if isinstance(value, list):
            event[f"{name}_rows"] = len(value)
    return event


_PRIORITY = {"debug": 7, "info": 6, "warning": 4, "error": 3, "critical": 2}


class _JournaldPriority:
    """Prefix each line with its syslog priority; journald strips the `<N>` and files the line at that level."""

    def __init__(self, render: Any):
        self.render = render

    def __call__(self, logger: Any, method: str, event: dict[str, Any]) -> str:
        return f"<{_PRIORITY.get(event.get('level', 'info'), 6)}>" + self.render(logger, method, event)


def get_logger(**context: Any) -> Any:
    return structlog.get_logger("pasindo").bind(**context)


def channel_logger(log: Any, *, sandbox: bool) -> Any:
    """A channel's logger: on the embedded sandbox every event says `sandbox: true`, so a log reader never takes
    a sandbox run for a real shop's."""
    return log.bind(sandbox=True) if sandbox else log
