"""What a sync run came to, as plain data: its plans, each channel's outcome, the rows and products it could not
take, and its status; and what `pasindo link` found per channel. The CLI turns them into exit codes; the reports
print the rest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from connector.catalog.rejects import Reject
from connector.sync.executor import ChannelResult
from connector.sync.kinds import ItemOutcome, OpKind, RunStatus
from connector.sync.link import Linking
from connector.sync.plan import Held, Plan
from connector.sync.reasons import reason_message


@dataclass(frozen=True)
class Unlisted:
    """A product one channel does not list in this run, and why: `why` is the English line the run report shows;
    `reason` a stable code with an English and an Indonesian text (`reasons.py`), filled in from `params`; `file`,
    `row`, `column`, `value` point staff at the cell to change, as a catalog refusal does."""

    channel: str
    institution: str
    key: str
    why: str
    reason: str = "channel_refused"
    params: dict[str, Any] = field(default_factory=dict, compare=False)
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def message(self, lang: str = "en") -> str:
        return reason_message(self.reason, lang, self.why, channel=self.channel, **self.params)


@dataclass
class SyncResult:
    run_id: str | None  # None: a dry run
    plans: list[Plan] = field(default_factory=list)
    channels: list[ChannelResult] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    invalid: list[Unlisted] = field(default_factory=list)  # cannot be listed at all (category map, image, SKU clash)
    refused: list[Unlisted] = field(default_factory=list)  # still refused by the channel: waits for new content
    status: RunStatus = RunStatus.OK  # as recorded: interrupted when the run was stopped before the end
    outcome: RunStatus = RunStatus.OK  # ok, problems or held: what the run came to, interrupted or not
    seconds: float = 0.0
    sandbox: list[str] = field(default_factory=list)  # the channels of this run on the embedded sandbox
    skipped: list[str] = field(default_factory=list)  # institutions whose unchanged catalogs were not read again

    @property
    def held(self) -> list[Held]:
        return [h for p in self.plans for h in p.held]

    def problems(self) -> bool:
        """Refused rows, products not listed, failed items or a stopped channel."""
        return bool(self.rejects or self.invalid or self.refused
                    or any(c.failed() or c.stopped for c in self.channels))

    def counts(self) -> Counter[tuple[str, str, str, str]]:
        """(institution, channel, op, outcome) -> count, for the run summary."""
        out: Counter[tuple[str, str, str, str]] = Counter()
        for result in self.channels:
            for (institution, op, outcome), n in result.counts.items():
                out[(institution, result.channel, op, outcome)] += n
        for plan in self.plans:
            for h in plan.held:
                out[(h.op.institution, plan.channel, h.op.kind, ItemOutcome.HELD)] += 1
        for u in self.invalid:
            out[(u.institution, u.channel, OpKind.PREPARE, ItemOutcome.INVALID)] += 1
        for u in self.refused:
            out[(u.institution, u.channel, OpKind.WAIT, ItemOutcome.INVALID)] += 1
        return out


@dataclass(frozen=True)
class ChannelLink:
    """`pasindo link` on one channel: its linking, or why the channel could not be linked."""

    channel: str
    linking: Linking | None
    error: str | None = None

    def problems(self) -> bool:
        """Not linked, or products in conflict (held until resolved)."""
        return bool(self.error or (self.linking is not None and self.linking.conflicts))
