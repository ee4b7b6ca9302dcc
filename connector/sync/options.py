"""What a sync is asked to do: which institutions and channels, which aspects, dry run or not, who started it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from connector.sync.kinds import Trigger

Progress = Callable[[str, int, int], None]  # (channel, operations done, operations planned)


@dataclass
class SyncOptions:
    institutions: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    only: tuple[str, ...] = ()  # content | price | stock; empty = everything
    dry_run: bool = False
    force: bool = False
    trigger: Trigger = Trigger.MANUAL
    job: str | None = None  # the daemon's job that started the run (full, stock_price, full:<institution>)

    def __post_init__(self) -> None:
        self.trigger = Trigger(self.trigger)
