"""The adapters' HTTP plumbing, against a tiny real HTTP server on loopback."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from connector.adapters.base import AdapterError, AuthError, Invalid, Throttled, Transient, UnknownOutcome
from connector.adapters.http import (
    MAX_ANSWER_BYTES,
    ChannelTransport,
    RateLimiter,
    RetryPolicy,
    call,
    json_body,
    new_session,
    parse_retry_after,
    status_error,
)

QUICK = RetryPolicy(attempts=4, total_seconds=10, base_wait=0.01, max_wait=0.05)
SECRET_QUERY = {"sign": "0123abcdsecretsign", "access_token": "secret-access-token"}


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: str = "ok"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    trickle: float = 0.0  # seconds between the body's bytes
    endless: bool = False  # no Content-Length, and bytes until the client hangs up


class Script:
    """Per path, the answers to give in order (the last one repeats), and how many requests came."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = {}
        self.requests: Counter[str] = Counter()
        self.lock = threading.Lock()

    def next(self, path: str) -> Answer:
        with self.lock:
            self.requests[path] += 1
            queue = self.answers.get(path, [Answer()])
            return queue.pop(0) if len(queue) > 1 else queue[0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self) -> None:
        answer = self.server.script.next(self.path.split("?")[0])
        if answer.delay:
            self.server.stopping.wait(answer.delay)
        body = answer.body.encode()
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        if answer.endless:
            self._endless()
            return
        if all(name != "Content-Length" for name, _ in answer.headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not answer.trickle:
            self.wfile.write(body)
        for byte in body if answer.trickle else b"":
            if self.server.stopping.wait(answer.trickle):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def _endless(self) -> None:
        self.send_header("Connection", "close")  # the body ends when the connection does: never
        self.end_headers()
        chunk = b"[" * 65536
        with contextlib.suppress(OSError):
            while not self.server.stopping.is_set():
                self.wfile.write(chunk)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.script = Script()
        self.stopping = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out closed its end: nothing to report."""

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = Server()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.stopping.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with new_session(pool_size=4) as pooled:
        yield pooled


def text_or_error(response: requests.Response) -> str:
    error = status_error(response)
    if error is not None:
        raise error
    return response.text


def send(
    session: requests.Session,
    url: str,
    *,
    write: bool = False,
    limiter: RateLimiter | None = None,
    timeout: tuple[float, float] = (1.0, 2.0),
    retry: RetryPolicy = QUICK,
) -> str:
    return call(
        session,
        limiter or RateLimiter(1000, burst=1000),
        "POST" if write else "GET",
        url,
        write=write,
        parse=text_or_error,
        params=SECRET_QUERY,
        timeout=timeout,
        retry=retry,
    )


def assert_no_secrets(error: BaseException) -> None:
    text = str(error) + str(error.__cause__ or "") + str(error.__context__ or "")
    assert all(secret not in text for secret in SECRET_QUERY.values()), text


# --- rate limiter ------------------------------------------------------------------------------------------------


def test_limiter_paces_requests_to_the_rate(server: Server, session: requests.Session) -> None:
    limiter = RateLimiter(20, burst=1)
    started = time.monotonic()
    for _ in range(21):
        send(session, f"{server.url}/ok", limiter=limiter)
    elapsed = time.monotonic() - started
    assert 0.95 <= elapsed < 1.6  # the first request is free, the next 20 come at 20/s
    assert server.script.requests["/ok"] == 21


def test_limiter_paces_threads_that_share_it() -> None:
    limiter = RateLimiter(40, burst=1)

    def take(n: int) -> None:
        for _ in range(n):
            limiter.acquire()

    threads = [threading.Thread(target=take, args=(10,)) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 0.95 <= time.monotonic() - started < 1.6  # 40 requests at 40/s, less the free first one


def test_limiter_slows_down_after_a_throttle_and_recovers_on_successes() -> None:
    limiter = RateLimiter(10, burst=5)
    limiter.slow_down(0.5)
    limiter.slow_down(0.5)
    assert limiter.rate == pytest.approx(2.5)
    for _ in range(5):
        limiter.succeeded()
    assert limiter.rate == pytest.approx(5.0)  # each success gives back 5 % of the configured rate
    for _ in range(100):
        limiter.succeeded()
    assert limiter.rate == 10
    for _ in range(10):
        limiter.slow_down(0.5)
    assert limiter.rate == pytest.approx(1.0)  # never below a tenth of the configured rate


# --- retries -----------------------------------------------------------------------------------------------------


def test_throttled_answer_is_retried_after_its_retry_after(server: Server, session: requests.Session) -> None:
    server.script.answers["/busy"] = [Answer(429, "slow down", (("Retry-After", "1"),)), Answer()]
    limiter = RateLimiter(1000, burst=1000)
    started = time.monotonic()
    assert send(session, f"{server.url}/busy", limiter=limiter) == "ok"
    assert time.monotonic() - started >= 1.0
    assert server.script.requests["/busy"] == 2
    assert limiter.rate < 1000  # the throttle slowed the channel


def test_transient_answers_are_retried_with_backoff(server: Server, session: requests.Session) -> None:
    server.script.answers["/flaky"] = [Answer(503, "<html>busy</html>"), Answer(502), Answer()]
    assert send(session, f"{server.url}/flaky", write=True) == "ok"
    assert server.script.requests["/flaky"] == 3


def test_attempts_are_bounded(server: Server, session: requests.Session) -> None:
    server.script.answers["/down"] = [Answer(500)]
    with pytest.raises(Transient) as raised:
        send(session, f"{server.url}/down")
    assert server.script.requests["/down"] == QUICK.attempts
    assert_no_secrets(raised.value)


def test_retry_after_beyond_the_time_budget_gives_up_at_once(server: Server, session: requests.Session) -> None:
    server.script.answers["/quota"] = [Answer(429, headers=(("Retry-After", "3600"),))]
    with pytest.raises(Throttled) as raised:
        send(session, f"{server.url}/quota")
    assert raised.value.retry_after == 3600
    assert server.script.requests["/quota"] == 1


@pytest.mark.parametrize(("status", "error"), [(400, Invalid), (401, AuthError), (403, AuthError)])
def test_invalid_and_auth_answers_are_not_retried(
    server: Server, session: requests.Session, status: int, error: type[Exception]
) -> None:
    server.script.answers["/refused"] = [Answer(status, "no")]
    with pytest.raises(error) as raised:
        send(session, f"{server.url}/refused", write=True)
    assert server.script.requests["/refused"] == 1
    assert_no_secrets(raised.value)


# --- timeouts and connection failures -----------------------------------------------------------------------------


def test_read_timeout_on_a_write_is_unknown_outcome_and_not_retried(server: Server, session: requests.Session) -> None:
    server.script.answers["/create"] = [Answer(delay=1.0), Answer()]
    with pytest.raises(UnknownOutcome) as raised:
        send(session, f"{server.url}/create", write=True, timeout=(1.0, 0.2))
    assert server.script.requests["/create"] == 1
    assert "/create" in raised.value.message
    assert_no_secrets(raised.value)


def test_read_timeout_on_a_read_is_retried(server: Server, session: requests.Session) -> None:
    server.script.answers["/lookup"] = [Answer(delay=1.0), Answer(body="found")]
    assert send(session, f"{server.url}/lookup", timeout=(1.0, 0.2)) == "found"
    assert server.script.requests["/lookup"] == 2


def test_refused_connection_is_transient_even_for_a_write(session: requests.Session) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Transient) as raised:
        send(session, f"http://127.0.0.1:{port}/create", write=True)
    assert "could not connect" in raised.value.message
    assert_no_secrets(raised.value)


# --- a channel's transport ---------------------------------------------------------------------------------------


def test_channel_transport_takes_pace_timeouts_and_retries_from_the_options() -> None:
    options = {"rate_limit": 4, "timeout": 12, "connect_timeout": 3, "retry": {"attempts": 2}}
    transport = ChannelTransport.from_options(options, rate_limit=10, read_timeout=30)
    try:
        assert (transport.limiter.rate, transport.limiter.burst) == (4, 4)
        assert transport.timeout == (3, 12)
        assert transport.retry == RetryPolicy(attempts=2)
    finally:
        transport.close()


def test_channel_transport_defaults_connect_within_five_seconds_of_the_read_timeout() -> None:
    quick = ChannelTransport.from_options({}, rate_limit=0.5, read_timeout=2)
    usual = ChannelTransport.from_options({}, rate_limit=10, read_timeout=30)
    try:
        assert (quick.limiter.rate, quick.limiter.burst) == (0.5, 1)
        assert (quick.timeout, usual.timeout) == ((2, 2), (5, 30))
        assert quick.retry == RetryPolicy()
    finally:
        quick.close()
        usual.close()


def test_channel_transport_calls_with_its_own_policy_unless_given_one(server: Server) -> None:
    server.script.answers["/busy"] = [Answer(503)]
    transport = ChannelTransport(new_session(), RateLimiter(1000, burst=1000), (1.0, 2.0), QUICK)
    try:
        with pytest.raises(Transient):
            transport.call("GET", f"{server.url}/busy", write=False, parse=text_or_error)
        assert server.script.requests["/busy"] == QUICK.attempts
        with pytest.raises(Transient):
            transport.call("GET", f"{server.url}/busy", write=False, parse=text_or_error,
                           retry=replace(QUICK, attempts=1))
        assert server.script.requests["/busy"] == QUICK.attempts + 1
    finally:
        transport.close()


def test_json_body_is_a_json_object_or_none(server: Server, session: requests.Session) -> None:
    server.script.answers["/object"] = [Answer(body='{"code": 0}')]
    server.script.answers["/list"] = [Answer(body="[1, 2]")]
    server.script.answers["/html"] = [Answer(502, body="<html>Bad Gateway</html>")]
    assert json_body(session.get(f"{server.url}/object", timeout=2)) == {"code": 0}
    assert json_body(session.get(f"{server.url}/list", timeout=2)) is None
    assert json_body(session.get(f"{server.url}/html", timeout=2)) is None


# --- Retry-After parsing ------------------------------------------------------------------------------------------


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("7") == 7
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-3") == 0
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 55 <= (parse_retry_after(in_a_minute) or 0) <= 61
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


def test_a_redirect_is_never_followed_so_tokens_never_travel_elsewhere(session: requests.Session) -> None:
    from connector.adapters.base import AdapterError

    first, elsewhere = Server(), Server()
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
               for s in (first, elsewhere)]
    for thread in threads:
        thread.start()
    try:
        for status in (301, 302, 307, 308):
            first.script.answers["/api/token"] = [Answer(status, "", (("Location", f"{elsewhere.url}/steal"),))]
            with pytest.raises(AdapterError) as err:
                send(session, f"{first.url}/api/token", write=True)
            assert f"a redirect to {elsewhere.url}/steal" in err.value.message and err.value.code == str(status)
            assert_no_secrets(err.value)
        assert elsewhere.script.requests["/steal"] == 0
        assert first.script.requests["/api/token"] == 4  # one request per status: a redirect is not retried
    finally:
        for s in (first, elsewhere):
            s.stopping.set()
            s.shutdown()
            s.server_close()


# --- hostile answers: trickled, endless, huge ------------------------------------------------------------------


@pytest.mark.parametrize("write", [False, True])
def test_an_answer_trickled_a_byte_at_a_time_ends_at_the_calls_deadline(server: Server, session: requests.Session,
                                                                         write: bool) -> None:
    # A byte every 0.1 s never trips the 2 s read timeout; the whole answer would take 6 s.
    server.script.answers["/slow"] = [Answer(body="x" * 60, trickle=0.1)]
    started = time.monotonic()
    with pytest.raises(UnknownOutcome if write else AdapterError) as caught:
        send(session, f"{server.url}/slow", write=write, retry=replace(QUICK, total_seconds=1.0))
    assert time.monotonic() - started < 2.0
    assert "within the call's 1 s" in str(caught.value)
    assert server.script.requests["/slow"] == 1  # the call's time is spent: not asked again
    assert_no_secrets(caught.value)


def test_the_connection_a_deadline_cut_is_not_used_again(server: Server, session: requests.Session) -> None:
    server.script.answers["/slow"] = [Answer(body="x" * 60, trickle=0.1)]
    with pytest.raises(AdapterError):
        send(session, f"{server.url}/slow", retry=replace(QUICK, total_seconds=0.5))
    assert send(session, f"{server.url}/ok") == "ok"


def test_a_shorter_deadline_begun_after_a_longer_one_still_cuts_at_its_own_time(server: Server) -> None:
    """Every call's deadline is kept by one watchdog: a call begun later with less time is cut first, and the
    longer one at its own time."""
    server.script.answers["/slow"] = [Answer(body="x" * 60, trickle=0.1)]
    ended: dict[str, float] = {}
    started = time.monotonic()

    def slow(name: str, seconds: float) -> None:
        with new_session() as own, contextlib.suppress(AdapterError):
            send(own, f"{server.url}/slow", retry=replace(QUICK, total_seconds=seconds))
        ended[name] = time.monotonic() - started

    long_call = threading.Thread(target=slow, args=("long", 2.5))
    long_call.start()
    time.sleep(0.3)
    slow("short", 0.5)
    long_call.join()
    assert ended["short"] < 1.5 and 2.3 < ended["long"] < 4.0, ended


def test_the_environments_proxy_is_used_on_every_call_of_a_session(server: Server, session: requests.Session,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The session reads the environment's proxy settings once per host, and sends every call through them."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)  # the test server answers as the proxy
    for _ in range(3):
        assert send(session, "http://shop.pasindo.invalid/ok") == "ok"
    assert server.script.requests["http://shop.pasindo.invalid/ok"] == 3


@pytest.mark.parametrize("write", [False, True])
def test_an_endless_answer_is_refused_past_the_size_limit(server: Server, session: requests.Session,
                                                          write: bool) -> None:
    server.script.answers["/huge"] = [Answer(endless=True)]
    started = time.monotonic()
    with pytest.raises(UnknownOutcome if write else AdapterError) as caught:
        send(session, f"{server.url}/huge", write=write)
    assert time.monotonic() - started < 5.0
    assert f"larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MB" in str(caught.value)
    assert not isinstance(caught.value, Transient)  # not fetched again
    assert server.script.requests["/huge"] == 1


def test_a_declared_gigabyte_is_refused_before_any_of_it_is_read(server: Server, session: requests.Session) -> None:
    # The header says 1 GB; the body never comes, so waiting for it would hang until the read timeout.
    server.script.answers["/huge"] = [Answer(headers=(("Content-Length", str(2**30)),), body="")]
    with pytest.raises(AdapterError, match="1,073,741,824 bytes declared"):
        send(session, f"{server.url}/huge", timeout=(1.0, 30.0))
