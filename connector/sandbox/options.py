"""The sandbox's options, declared once.

``SandboxServer`` takes them as keywords (``SandboxServer(port=0, state_path=..., fail_rate=0.1)``);
``python -m connector.sandbox`` and ``pasindo sandbox serve`` derive their command-line options, defaults and
help from the same fields (``command_options``).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8765


def _option(default: Any, kind: type, help: str, *, flag: str | None = None, command_default: Any = MISSING) -> Any:
    """A field of ``SandboxOptions``: its default, the type its command-line text converts to, and its help."""
    return field(default=default, metadata={"kind": kind, "help": help, "flag": flag,
                                            "command_default": command_default})


@dataclass(frozen=True)
class SandboxOptions:
    """How a sandbox serves: where, with what state, and which faults it injects."""

    host: str = _option("127.0.0.1", str, "address to listen on")
    # A library caller (tests, `endpoint: sandbox`) wants a free port; an operator wants a known one.
    port: int = _option(0, int, "port to listen on; 0 picks a free port", command_default=DEFAULT_PORT)
    state_path: Path | str | None = _option(
        None, Path, "SQLite state file keeping listings between runs (default: in memory, lost on exit)", flag="--state"
    )
    seed: int | None = _option(None, int, "seed for fault injection")
    fail_rate: float = _option(0.0, float, "share of requests answered with a 5xx")
    timeout_rate: float = _option(0.0, float, "share of writes committed, then never answered")
    throttle_rate: float = _option(0.0, float, "share of requests answered as throttled")
    latency_ms: int = _option(0, int, "delay in milliseconds added to every answer")
    rate_limit: float | None = _option(None, float, "requests per second per marketplace before answers are throttled")
    timeout_seconds: float = _option(30.0, float, "how long a timeout fault holds the connection")
    # Library callers (tests, `endpoint: sandbox`) get products live at once; `sandbox serve` reviews them a while,
    # as a marketplace that audits new products does. 0 means at once.
    audit_seconds: float = _option(0.0, float, "seconds a new or edited product stays in review (audit) where the "
                                   "marketplace reviews products; 0: live at once", command_default=30.0)

    def __post_init__(self) -> None:
        if self.latency_ms < 0:
            raise ValueError(f"latency_ms must not be negative, got {self.latency_ms}")
        if self.audit_seconds < 0:
            raise ValueError(f"audit_seconds must not be negative, got {self.audit_seconds}")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ValueError(f"rate limit must be positive, got {self.rate_limit}")


@dataclass(frozen=True)
class CommandOption:
    """One ``SandboxOptions`` field as a command-line option."""

    field: str  # where the value goes: SandboxOptions(**{field: value})
    flag: str  # e.g. --fail-rate
    kind: type
    default: Any  # on the command line
    help: str


def command_options() -> list[CommandOption]:
    """Every field of ``SandboxOptions`` as a command-line option, in declaration order."""
    options = []
    for declared in fields(SandboxOptions):
        meta = declared.metadata
        default = declared.default if meta["command_default"] is MISSING else meta["command_default"]
        flag = meta["flag"] or "--" + declared.name.replace("_", "-")
        options.append(CommandOption(declared.name, flag, meta["kind"], default, meta["help"]))
    return options
