"""A channel's access token: which pair is in force, and trading its refresh token for a new pair, once.

Shopee, Lazada and TikTok Shop each give a shop an access token and a refresh token, and the rules for them are the
same; only the trade itself (`Exchange`) and which refusals mean "this token" are the marketplace's:

- The TokenStore's pair wins over the config's, whose refresh token a refresh has spent - unless the operator
  re-authorised the shop since and put a new pair in the config. A saved pair carries `config_refresh_sha`, the hash
  of the config's refresh token when it was saved; a config with another refresh token wins.
- A refresh happens under a lock, once: threads that saw the same stale token wait and take the first one's pair.
  Other processes share the stored pair (a sync, `pasindo check`, `pasindo link`, the daemon): a store that can
  (`SharedTokenStore`, the ledger) lends a lock across processes too, and under it the pair is read again from the
  store before the trade - the refresh token in hand may be one another process has spent since.
- The new pair is saved before its first use: the trade may spend the old refresh token, and losing the new one
  would lock the shop out.
- A token whose stored expiry is near (`margin` seconds) is refreshed before the call instead of being refused.

`ChannelCredentials` is the pair a channel's `credentials` give; every adapter's `Credentials` extends it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict

from connector.adapters.base import AuthError, TokenStore, Transient

T = TypeVar("T")

# The marketplace's token call: a refresh token -> the record to save: `access_token`, `refresh_token`, `expires_at`
# (Unix seconds) and whatever else the adapter keeps with the pair. Raises AuthError if the marketplace refuses.
Exchange = Callable[[str], dict[str, Any]]


class RefreshWaitExpired(Exception):
    """A SharedTokenStore's lock was not had in time: another process is still refreshing (the message says so)."""


@runtime_checkable
class SharedTokenStore(TokenStore, Protocol):
    """A TokenStore other processes use too. `refreshing(channel)` is held from re-reading the pair to saving the
    new one, by one refresh at a time across processes; it raises RefreshWaitExpired after a bounded wait."""

    def refreshing(self, channel: str) -> AbstractContextManager[None]: ...


class ChannelCredentials(BaseModel):
    """The token pair from the config: where the keeper starts until a refreshed pair is stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    access_token: str = ""
    refresh_token: str = ""


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: float | None  # Unix seconds; None when unknown (tokens taken from the config)

    def expiring(self, now: float, margin: float) -> bool:
        return not self.access_token or (self.expires_at is not None and self.expires_at - now < margin)


class TokenKeeper:
    """The token pair of one channel, shared by every thread using its adapter.

    `marketplace` and `holder` name the marketplace and who authorises it ("shop", "seller") in error messages."""

    def __init__(
        self,
        channel: str,
        credentials: ChannelCredentials,
        store: TokenStore,
        *,
        exchange: Exchange,
        margin: float,
        marketplace: str,
        holder: str = "shop",
    ) -> None:
        self._channel = channel
        self._credentials = credentials
        self._store = store
        self._exchange = exchange
        self._margin = margin
        self._marketplace = marketplace
        self._holder = holder
        self._lock = threading.RLock()
        self._current: TokenPair | None = None

    def in_force(self) -> TokenPair:
        with self._lock:
            if self._current is None:
                self._current = self._stored_or_config()
            return self._current

    def refresh(self, stale: TokenPair) -> TokenPair:
        """Trade the refresh token for a new pair, save it, then hand it out. Threads and processes that saw the
        same stale token wait on the lock and take the pair the first one got."""
        with self._lock:
            try:
                with self._across_processes():
                    return self._refreshed(stale)
            except RefreshWaitExpired as err:
                raise Transient(f"the {self._marketplace} access token is not refreshed now: {err}") from None

    def _refreshed(self, stale: TokenPair) -> TokenPair:
        """Under both locks: the pair in the store now, unless it is still `stale`; then the marketplace's new one."""
        current = self._current = self._stored_or_config()  # another process may have refreshed since
        if current.access_token != stale.access_token:
            return current
        if not current.refresh_token:
            raise AuthError(
                f"the {self._marketplace} access token is missing or expired and there is no refresh token: "
                f"re-authorise the {self._holder} and put the new tokens in the channel's credentials"
            )
        try:
            record = self._exchange(current.refresh_token)
        except AuthError as err:
            raise AuthError(
                f"refreshing the {self._marketplace} access token failed ({err.message}): "
                f"re-authorise the {self._holder}",
                code=err.code,
            ) from err
        if not record.get("access_token") or not record.get("refresh_token"):
            raise AuthError(f"{self._marketplace}'s token refresh answer carries no token pair")
        fresh = TokenPair(record["access_token"], record["refresh_token"], record.get("expires_at"))
        self._store.save(self._channel, {**record, "config_refresh_sha": self._config_refresh_sha()})
        self._current = fresh
        return fresh

    def authorised(self, send: Callable[[str], T], refused: Callable[[AuthError], bool]) -> T:
        """`send(access_token)` with the token in force (refreshed first if it is near its expiry), and once more
        with a refreshed one if the answer is an AuthError that `refused` says is about the token."""
        tokens = self.in_force()
        if tokens.expiring(time.time(), self._margin):
            tokens = self.refresh(tokens)
        try:
            return send(tokens.access_token)
        except AuthError as err:
            if not refused(err):
                raise
        # The gateway refused the token before the API ran: repeating the call (even a write) is safe.
        return send(self.refresh(tokens).access_token)

    def _stored_or_config(self) -> TokenPair:
        """The stored pair, unless the config's refresh token is not the one it was saved under (re-authorised)."""
        stored = self._store.load(self._channel)
        if stored and stored.get("config_refresh_sha") == self._config_refresh_sha():
            return TokenPair(stored.get("access_token", ""), stored.get("refresh_token", ""), stored.get("expires_at"))
        return TokenPair(self._credentials.access_token, self._credentials.refresh_token, None)

    def _across_processes(self) -> AbstractContextManager[None]:
        """The store's lock across processes; a store only this process uses (tests' memory) needs none."""
        return self._store.refreshing(self._channel) if isinstance(self._store, SharedTokenStore) else nullcontext()

    def _config_refresh_sha(self) -> str:
        return hashlib.sha256(self._credentials.refresh_token.encode()).hexdigest()
