"""Refreshed access tokens per channel (the adapters' `TokenStore`), and when they expire (never the tokens).

Several processes share the stored pairs (a sync, `pasindo check`, `pasindo link`, the daemon), and a refresh token
is single use: `refreshing` is the lock a TokenKeeper holds from re-reading the pair to storing the one it traded it
for. It is a lock file beside the ledger (flock), not a ledger transaction: a transaction held through the
marketplace call would stall every other writer of the ledger (a sync's progress) for as long as the call takes.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from connector.adapters.tokens import RefreshWaitExpired
from connector.logs import REDACTOR
from connector.sync.ledger.connection import LedgerFile, now
from connector.sync.ledger.model import TokenExpiry

# How long a refresh waits for another process's: its token call, retried, ends well before this.
REFRESH_WAIT = 120.0
_POLL = 0.05


class Tokens:
    def __init__(self, file: LedgerFile):
        self._file = file
        self._lock_path = file.path.with_name(file.path.name + "-tokens.lock")
        self.refresh_wait = REFRESH_WAIT  # seconds; a test shortens it

    @contextmanager
    def refreshing(self, channel: str) -> Iterator[None]:
        """Held by one refresh at a time, across processes and threads (each holder opens the file: flock is per
        open file). One lock for every channel: refreshes are rare, and a channel name needs no file of its own.
        Raises RefreshWaitExpired after `refresh_wait` seconds (REFRESH_WAIT)."""
        fd = os.open(self._lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            deadline = time.monotonic() + self.refresh_wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise RefreshWaitExpired(f"another process has been refreshing the {channel} token for "
                                           f"{self.refresh_wait:g} s") from None
                    time.sleep(_POLL)
            yield  # closing the file below releases the lock, also when the holder dies
        finally:
            os.close(fd)

    def load(self, channel: str) -> dict[str, Any] | None:
        rows = self._file.rows("SELECT data FROM tokens WHERE channel = ?", (channel,))
        found = json.loads(rows[0][0]) if rows else None
        _redact(found)
        return found

    def save(self, channel: str, tokens: dict[str, Any]) -> None:
        """Atomic and durable before it returns: a refreshed token is never lost to a crash. From now on the log
        redactor knows the new tokens too, as it knows the config's."""
        _redact(tokens)
        with self._file.transaction():
            self._file.db["tokens"].upsert({"channel": channel, "data": json.dumps(tokens), "updated_at": now()},
                                           pk="channel")

    def expiry(self) -> dict[str, TokenExpiry]:
        """Per channel: when the stored access token expires (Unix seconds, or None)."""
        out = {}
        rows = self._file.rows("SELECT channel, data, updated_at FROM tokens ORDER BY channel")
        for channel, data, updated_at in rows:
            try:
                expires_at = json.loads(data).get("expires_at")
            except (ValueError, AttributeError):
                expires_at = None
            out[channel] = TokenExpiry(channel, expires_at if isinstance(expires_at, int | float) else None, updated_at)
        return out


def _redact(tokens: dict[str, Any] | None) -> None:
    if isinstance(tokens, dict):
        REDACTOR.add(str(v) for k, v in tokens.items() if "token" in k and isinstance(v, str))
