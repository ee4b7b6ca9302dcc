"""HTTP plumbing every adapter shares: a pooled session per channel, a token-bucket rate limiter, and `call`;
`ChannelTransport` holds one channel's session, limiter, timeouts and retry policy, built from its options.

`ChannelOptions` is what that plumbing reads from a channel's `options` (every adapter's `Options` extends it).

`call` paces a request through the channel's limiter, turns transport failures into the failure classes of
`connector.adapters.base`, lets the adapter's `parse` classify the answer, and retries only `Throttled` and
`Transient` (exponential backoff with full jitter, or the marketplace's Retry-After), within a bounded number of
attempts and a bounded total time.

Whether a request is a write decides what a lost answer means: a read that timed out is simply asked again, but a
write that timed out after it was sent may have happened, so it becomes `UnknownOutcome` and is never repeated
here (the sync engine resolves it by looking the SKU up). Failures before anything was sent (connect timeout,
connection refused) are `Transient` for both.

Every call has a total deadline (its retry policy's `total_seconds`, all attempts together): at the deadline the
connection is shut down, so an answer trickled one byte at a time cannot hold the call past it however short each
read's wait is. Every answer body is read in chunks up to `MAX_ANSWER_BYTES` and refused past it, unread: a marketplace
(or whatever answers in its place) cannot make the process hold a body of any size.

Messages never carry a URL's query string: marketplaces put signatures and access tokens there.
"""

from __future__ import annotations

import contextlib
import email.utils
import heapq
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from pydantic import BaseModel, ConfigDict, Field, with_config
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, stop_before_delay
from tenacity.wait import wait_random_exponential
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from connector.adapters.base import AdapterError, AuthError, Invalid, Throttled, Transient, UnknownOutcome

T = TypeVar("T")

Timeout = tuple[float, float]  # (connect, read) seconds
DEFAULT_TIMEOUT: Timeout = (5.0, 30.0)
USER_AGENT = "pasindo-connector"
# The largest answer body read: Shopee's and TikTok Shop's whole category trees, the largest answers we ask for, are
# a few MB; anything past this is no answer of theirs.
MAX_ANSWER_BYTES = 32 * 1024 * 1024
_CHUNK = 64 * 1024


class _Session(requests.Session):
    """requests' session, reading the environment's proxy and CA bundle settings once per scheme and host, not on
    every request (that read walks the whole environment twice, about a millisecond a call): a channel calls one
    host, and a process's environment does not change under it."""

    def __init__(self) -> None:
        super().__init__()
        self._settings: dict[tuple, dict[str, Any]] = {}

    def merge_environment_settings(self, url: str, proxies: Any, stream: Any, verify: Any, cert: Any
                                   ) -> dict[str, Any]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, tuple(sorted((proxies or {}).items())), stream, verify, cert)
        found = self._settings.get(key)
        if found is None:
            if len(self._settings) >= 64:  # a session that calls many hosts (it should not) reads them again
                self._settings.clear()
            found = self._settings[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        return {**found, "proxies": dict(found["proxies"])}


def new_session(pool_size: int = 10) -> requests.Session:
    """A session for one channel: kept-alive connections, up to `pool_size` of them for concurrent callers."""
    session = _Session()
    # max_retries=0: urllib3 must never repeat a request on its own; `call` decides what may be repeated.
    adapter = _DeadlineAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


class RateLimiter:
    """A thread-safe token bucket: `rate_per_s` requests per second on average, bursts of up to `burst`.

    After a throttle `slow_down` cuts the rate (never below `floor` of the configured rate); every success then
    gives back `recovery` of the configured rate, so the channel creeps back to full speed (AIMD).
    """

    def __init__(
        self,
        rate_per_s: float,
        burst: float = 1.0,
        *,
        floor: float = 0.1,
        recovery: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError(f"rate_per_s must be positive, got {rate_per_s}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self.max_rate = rate_per_s
        self.burst = burst
        self._floor = rate_per_s * floor
        self._step = rate_per_s * recovery
        self._rate = rate_per_s
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._last = clock()
        self._lock = threading.Lock()

    @property
    def rate(self) -> float:
        """The rate in force now (requests per second)."""
        return self._rate

    def acquire(self) -> None:
        """Wait until one request may go out."""
        with self._lock:
            self._refill()
            # Take the token now, even on credit: callers queue up in arrival order and each sleeps off its own
            # share of the debt outside the lock.
            self._tokens -= 1
            wait = -self._tokens / self._rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)

    def slow_down(self, factor: float = 0.5) -> None:
        """The marketplace throttled us: multiply the rate by `factor` and drop any saved-up burst."""
        with self._lock:
            self._refill()
            self._rate = max(self._floor, self._rate * factor)
            self._tokens = min(self._tokens, 0.0)

    def succeeded(self) -> None:
        """A request went through unthrottled: recover a little of the configured rate."""
        with self._lock:
            if self._rate < self.max_rate:
                self._refill()
                self._rate = min(self.max_rate, self._rate + self._step)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self._rate)
        self._last = now


@with_config(ConfigDict(extra="forbid"))  # options.retry is validated as this: an unknown key is refused
@dataclass(frozen=True)
class RetryPolicy:
    """How hard `call` tries: at most `attempts` sends within `total_seconds` (waits included); backoff waits
    are drawn uniformly from [0, min(max_wait, base_wait * 2**(attempt-1))] (full jitter)."""

    attempts: Annotated[int, Field(ge=1)] = 5
    total_seconds: Annotated[float, Field(gt=0)] = 60.0
    base_wait: Annotated[float, Field(ge=0)] = 0.5
    max_wait: Annotated[float, Field(ge=0)] = 20.0
    # False for creates without an idempotency key: a 5xx may follow a committed write, so the caller settles
    # it by lookup instead of repeating it. Throttling is always retried: a throttled request was not processed.
    transient: bool = True


DEFAULT_RETRY = RetryPolicy()


class ChannelOptions(BaseModel):
    """The options the shared plumbing reads: the transport's and the token keeper's. Each adapter's `Options`
    extends it with its own; unset pace and timeouts follow the adapter's defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rate_limit: Annotated[float, Field(gt=0)] | None = None  # requests per second; else the adapter's capabilities
    pool_size: Annotated[int, Field(ge=1)] = 10
    timeout: Annotated[float, Field(gt=0)] | None = None  # read, seconds; else the adapter's timeout
    connect_timeout: Annotated[float, Field(gt=0)] | None = None  # else the read timeout, at most 5 s
    retry: RetryPolicy = DEFAULT_RETRY
    token_refresh_margin: Annotated[float, Field(ge=0)] = 300.0  # refresh this many seconds before the expiry


def call(
    session: requests.Session,
    limiter: RateLimiter,
    method: str,
    url: str,
    *,
    write: bool,
    parse: Callable[[requests.Response], T],
    sign: Callable[[], Mapping[str, Any]] | None = None,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    files: Mapping[str, Any] | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    retry: RetryPolicy = DEFAULT_RETRY,
    max_bytes: int = MAX_ANSWER_BYTES,
) -> T:
    """Send one request (retried as needed) and return what `parse` makes of the answer, all within
    `retry.total_seconds`; an answer body longer than `max_bytes` is refused.

    `write`: the request changes marketplace state, so a timeout after sending is `UnknownOutcome`, not retried.
    `parse`: turns the response into a result or raises an `AdapterError` subclass (see `status_error`).
    `sign`: called before every attempt for extra query parameters, so a retry carries a fresh timestamp.
    """
    ends = time.monotonic() + retry.total_seconds  # the call's total deadline, every attempt and wait included

    def attempt() -> T:
        limiter.acquire()
        query = {**(sign() if sign is not None else {}), **(params or {})}
        response = _answer(session, method, url, write=write, query=query, json=json, files=files, timeout=timeout,
                           left=max(0.001, ends - time.monotonic()), budget=retry.total_seconds, max_bytes=max_bytes)
        return _parsed(response, parse, limiter)

    retrying = Retrying(
        retry=retry_if_exception_type((Throttled, Transient) if retry.transient else Throttled),
        stop=stop_after_attempt(retry.attempts) | stop_before_delay(retry.total_seconds),
        wait=_wait(retry),
        reraise=True,
    )
    return retrying(attempt)


def _answer(session: requests.Session, method: str, url: str, *, write: bool, query: Mapping[str, Any], json: Any,
            files: Mapping[str, Any] | None, timeout: Timeout, left: float, budget: float,
            max_bytes: int) -> requests.Response:
    """One attempt: the response with its whole body read, within `left` seconds of the call's `budget`."""
    where = f"{method} {safe_url(url)}"
    with _Deadline(left) as deadline:
        try:
            # Never redirected: a redirect would carry the signed query, the token headers and the body (a
            # single-use refresh token among them) to wherever the answer points.
            response = session.request(method, url, params=query, json=json, files=files, stream=True,
                                       timeout=(min(timeout[0], left), min(timeout[1], left)), allow_redirects=False)
            if not (response.is_redirect or 300 <= response.status_code < 400):
                _read_body(response, max_bytes)
        except _TooLarge as too_large:
            failure = _too_large_error(where, write, too_large.size, max_bytes)
        except (requests.RequestException, OSError) as exc:
            failure = (_past_deadline(where, write, budget) if deadline.cut.is_set()
                       else _transport_error(exc, where, write, timeout))
        else:
            if response.is_redirect or 300 <= response.status_code < 400:
                response.close()
                target = safe_url(urljoin(url, response.headers.get("location", "")))
                raise AdapterError(f"{where} answered HTTP {response.status_code}, a redirect to {target}: API "
                                   "calls are never followed elsewhere; check the channel's endpoint",
                                   code=str(response.status_code))
            return response
    # Raised outside the except block, so the original is not even its context: requests' messages quote the
    # full URL, query (sign, access_token) and all.
    raise failure


@dataclass(frozen=True)
class ChannelTransport:
    """What one channel's requests travel with: its session, its rate limiter, timeouts and retry policy."""

    session: requests.Session = field(repr=False)
    limiter: RateLimiter
    timeout: Timeout = DEFAULT_TIMEOUT
    retry: RetryPolicy = DEFAULT_RETRY

    @classmethod
    def from_options(cls, options: ChannelOptions | Mapping[str, Any], *, rate_limit: float,
                     read_timeout: float) -> ChannelTransport:
        """From a channel's options (`ChannelOptions`, or a mapping of its fields): rate_limit (requests per second;
        else `rate_limit`), pool_size, timeout (read, seconds; else `read_timeout`), connect_timeout (at most 5 s
        unless set), retry (RetryPolicy fields)."""
        if not isinstance(options, ChannelOptions):
            options = ChannelOptions.model_validate(options)
        rate = options.rate_limit or rate_limit
        limiter = RateLimiter(rate, burst=max(1.0, rate))
        read = options.timeout or read_timeout
        timeout = (options.connect_timeout or min(5.0, read), read)
        return cls(new_session(pool_size=options.pool_size), limiter, timeout, options.retry)

    def call(
        self,
        method: str,
        url: str,
        *,
        write: bool,
        parse: Callable[[requests.Response], T],
        sign: Callable[[], Mapping[str, Any]] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        retry: RetryPolicy | None = None,
    ) -> T:
        """`call` through this channel's session and limiter, with its timeouts and (unless given) retry policy."""
        return call(self.session, self.limiter, method, url, write=write, parse=parse, sign=sign, params=params,
                    json=json, files=files, timeout=self.timeout, retry=retry or self.retry)

    def close(self) -> None:
        self.session.close()


def status_error(response: requests.Response) -> AdapterError | None:
    """The failure class an HTTP status alone implies (None below 400), for answers without a usable body."""
    status = response.status_code
    if status < 400:
        return None
    what = f"{response.request.method} {safe_url(response.url)} answered HTTP {status}"
    if status == 429:
        return Throttled(what, code=str(status))
    if status >= 500 or status == 408:
        return Transient(what, code=str(status))
    if status in (401, 403):
        return AuthError(what, code=str(status))
    if status == 404:
        # A bare 404 means a wrong path or base URL, not a deleted listing: NotFound would trigger a re-create.
        return AdapterError(what, code=str(status))
    return Invalid(what, code=str(status))


def json_body(response: requests.Response) -> dict[str, Any] | None:
    """The answer body if it is a JSON object, else None (a load balancer's HTML page, a cut-off answer)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from an HTTP Retry-After header: delta-seconds or an HTTP date; None if absent or garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def safe_url(url: str) -> str:
    """The URL without its query string and fragment, fit for messages and logs."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _parsed(response: requests.Response, parse: Callable[[requests.Response], T], limiter: RateLimiter) -> T:
    """`parse`'s result; the limiter learns whether we were throttled, a retryable error learns its Retry-After."""
    try:
        result = parse(response)
    except (Throttled, Transient) as err:
        if isinstance(err, Throttled):
            limiter.slow_down()
        if err.retry_after is None:
            err.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise
    limiter.succeeded()
    return result


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    backoff = wait_random_exponential(multiplier=policy.base_wait, max=policy.max_wait)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, AdapterError) and error.retry_after is not None:
            return error.retry_after  # if it does not fit the time budget, the stop condition gives up at once
        return backoff(state)

    return wait


def _transport_error(exc: requests.RequestException, where: str, write: bool, timeout: Timeout) -> AdapterError:
    if _never_sent(exc):
        return Transient(f"{where}: could not connect ({_reason(exc)})")
    if isinstance(exc, requests.Timeout):
        what = f"{where}: no answer within {timeout[1]:g} s"
    elif isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        what = f"{where}: connection lost before the answer was complete ({_reason(exc)})"
    else:
        return AdapterError(f"{where}: the request could not be made ({type(exc).__name__})")
    if write:
        return UnknownOutcome(f"{what}; the write may or may not have happened")
    return Transient(what)


def _never_sent(exc: requests.RequestException) -> bool:
    """Whether the request failed before any byte of it left (connect timeout, refused, unresolvable host)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _reason(exc: requests.RequestException) -> str:
    """A short cause without the URL: the innermost exception's class name."""
    inner: Any = exc.args[0] if exc.args else exc
    inner = getattr(inner, "reason", inner)
    if isinstance(inner, Exception) and inner.args and isinstance(inner.args[-1], Exception):
        inner = inner.args[-1]  # ProtocolError('Connection aborted.', RemoteDisconnected(...))
    return type(inner).__name__


# -- the deadline and the size limit ---------------------------------------------------------------------------


class _Watching(threading.local):
    deadline: _Deadline | None = None


_WATCHING = _Watching()  # the deadline of the call this thread is making, which its connections report to


class _Watchdog:
    """One thread for every deadline of the process, started when first needed: the deadline nearest in time is
    waited for, and a deadline whose call ended is dropped (a thread started per attempt cost as much as the
    call's own work on loopback)."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._due: list[tuple[float, int, _Deadline]] = []  # a heap by time
        self._count = 0
        self._thread: threading.Thread | None = None

    def watch(self, deadline: _Deadline, seconds: float) -> None:
        with self._wake:
            self._count += 1
            heapq.heappush(self._due, (time.monotonic() + seconds, self._count, deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="call-deadlines", daemon=True)
                self._thread.start()
            elif self._due[0][2] is deadline:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._due and self._due[0][2].ended:
                    heapq.heappop(self._due)
                if not self._due:
                    self._wake.wait()
                    continue
                left = self._due[0][0] - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                deadline = heapq.heappop(self._due)[2]
            deadline.cut_off()


_WATCHDOG = _Watchdog()


class _Deadline:
    """One attempt's deadline: when it passes, every connection the attempt used is shut down, so a read blocked on
    a trickling answer returns at once (a per-read timeout never fires while a byte comes every few seconds)."""

    def __init__(self, seconds: float) -> None:
        self.cut = threading.Event()
        self.ended = False
        self._seconds = seconds
        self._connections: list[HTTPConnection] = []

    def __enter__(self) -> _Deadline:
        _WATCHING.deadline = self
        _WATCHDOG.watch(self, self._seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        self.ended = True  # the watchdog drops it when it comes due
        self._connections = []
        _WATCHING.deadline = None

    def watch(self, connection: HTTPConnection) -> None:
        self._connections.append(connection)
        if self.cut.is_set():  # connected after the deadline: cut at once
            _shut(connection)

    def cut_off(self) -> None:
        if self.ended:
            return
        self.cut.set()
        for connection in list(self._connections):
            _shut(connection)


def _shut(connection: HTTPConnection) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's: TLS state is left alone


class _Watched:
    """A connection that reports to the deadline of the call using it (pooled connections serve many calls)."""

    def connect(self) -> None:
        super().connect()
        _report(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _report(self)
        super().request(*args, **kwargs)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


def _report(connection: HTTPConnection) -> None:
    deadline = _WATCHING.deadline
    if deadline is not None:
        deadline.watch(connection)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter with connections a call's deadline can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _TooLarge(Exception):
    def __init__(self, size: int | None) -> None:
        self.size = size


def _read_body(response: requests.Response, max_bytes: int) -> None:
    """Read the streamed body in chunks into the response (so `.json()` and `.text` work), refusing it as soon as it
    is known to pass `max_bytes`: by its Content-Length before any of it is read, else by what has come."""
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        response.close()
        raise _TooLarge(int(length))
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body += chunk
        if len(body) > max_bytes:
            response.close()
            raise _TooLarge(None)
    response._content = bytes(body)  # what requests itself sets when it reads a body


def _too_large_error(where: str, write: bool, size: int | None, max_bytes: int) -> AdapterError:
    said = f" ({size:,} bytes declared)" if size is not None else ""
    what = f"{where}: the answer is larger than {max_bytes // (1024 * 1024)} MB{said}, refused unread"
    if write:
        return UnknownOutcome(f"{what}; the write may or may not have happened")
    return AdapterError(what)  # asking again would only fetch it again


def _past_deadline(where: str, write: bool, seconds: float) -> AdapterError:
    what = f"{where}: no complete answer within the call's {seconds:g} s"
    if write:
        return UnknownOutcome(f"{what}; the write may or may not have happened")
    return AdapterError(what)  # the call's time is spent: no attempt is left
