"""Refreshed access tokens per channel (the adapters' `TokenStore`), and when they expire (never the tokens)."""

from __future__ import annotations

import json
from typing import Any

from connector.logs import REDACTOR
from connector.sync.ledger.connection import LedgerFile, now
from connector.sync.ledger.model import TokenExpiry


class Tokens:
    def __init__(self, file: LedgerFile):
        self._file = file

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
