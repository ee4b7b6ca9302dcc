"""The sandbox's HTTP server: every marketplace dialect on one loopback port.

``SandboxServer`` is the library entry (tests and the embedded ``endpoint: sandbox`` use it);
``serve`` is what ``pasindo sandbox serve`` and ``python -m connector.sandbox`` run.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connector.sandbox.dialect import Request, Response, Settings
from connector.sandbox.faults import FaultInjector
from connector.sandbox.gateway import Gateway, Hold
from connector.sandbox.store import Store

DEFAULT_PORT = 8765
MAX_BODY_BYTES = 64 * 1024 * 1024  # room for nine 10 MB images in one upload


class SandboxServer:
    """A marketplace emulator on ``host:port`` (``port=0`` picks a free one; see ``url``)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        state_path: Path | str | None = None,
        seed: int | None = None,
        fail_rate: float = 0.0,
        timeout_rate: float = 0.0,
        throttle_rate: float = 0.0,
        latency_ms: int = 0,
        rate_limit: float | None = None,
        timeout_seconds: float = 30.0,
        shopee_token_ttl: int = 4 * 3600,
    ) -> None:
        if latency_ms < 0:
            raise ValueError(f"latency_ms must not be negative, got {latency_ms}")
        self._address = (host, port)
        self._state_path = Path(state_path) if state_path is not None else None
        self._settings = Settings(shopee_token_ttl=shopee_token_ttl)
        self._faults = FaultInjector(seed, fail_rate=fail_rate, timeout_rate=timeout_rate, throttle_rate=throttle_rate)
        if rate_limit is not None and rate_limit <= 0:
            raise ValueError(f"rate limit must be positive, got {rate_limit}")
        self._rate_limit = rate_limit
        self._latency = latency_ms / 1000
        self._timeout_seconds = timeout_seconds
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._store: Store | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (known once started)."""
        if self._httpd is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SandboxServer:
        """Open the state, bind the port and serve from a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("the sandbox is already running")
        self._stopping.clear()
        self._store = Store(self._state_path)
        gateway = Gateway(self._store, self._settings, self._faults, self._rate_limit, self._timeout_seconds)
        try:
            self._httpd = _HTTPServer(self._address, gateway, self._latency, self._stopping)
        except OSError:
            self._store.close()
            self._store = None
            raise
        # A short poll interval makes stop() prompt (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release held connections and close the state file."""
        if self._httpd is None:
            return
        self._stopping.set()  # wakes connections held by timeout faults or latency
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        if self._store is not None:
            self._store.close()
        self._httpd = self._thread = self._store = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address: tuple[str, int], gateway: Gateway, latency: float, stopping: threading.Event) -> None:
        self.gateway = gateway
        self.latency = latency
        self.stopping = stopping
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End kept-alive connections, whose threads would otherwise wait for a next request forever."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive: no reconnect per request for clients using a session.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every answer on a kept-alive connection.
    disable_nagle_algorithm = True
    server_version = "PasindoSandbox/1"
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a benchmark would otherwise print a line per request."""

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Content-Length is not a number")
            return
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            self._send(Response(413, b'{"error":"request_too_large","message":"request body too large"}'))
            return
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=self.headers,
            body=self.rfile.read(length) if length else b"",
            client_host=self.client_address[0],
        )
        outcome = self.server.gateway.handle(request)
        if isinstance(outcome, Hold):
            # The write is committed; the client must now see silence, then a closed connection.
            self.server.stopping.wait(outcome.seconds)
            self.close_connection = True
            return
        if self.server.latency and not request.path.startswith("/_sandbox/"):
            self.server.stopping.wait(self.server.latency)
        self._send(outcome)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", f"{response.content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    state: Path | str | None = None,
    seed: int | None = None,
    fail_rate: float = 0.0,
    timeout_rate: float = 0.0,
    throttle_rate: float = 0.0,
    latency_ms: int = 0,
    rate_limit: float | None = None,
    timeout_seconds: float = 30.0,
) -> None:
    """Run the sandbox in the foreground until SIGINT or SIGTERM; prints one line with its URL."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    server = SandboxServer(
        host=host,
        port=port,
        state_path=state,
        seed=seed,
        fail_rate=fail_rate,
        timeout_rate=timeout_rate,
        throttle_rate=throttle_rate,
        latency_ms=latency_ms,
        rate_limit=rate_limit,
        timeout_seconds=timeout_seconds,
    )
    try:
        server.start()
        print(f"PASINDO sandbox serving on {server.url}", flush=True)
        while not stop.wait(0.5):
            pass  # a bounded wait lets the signal handler run promptly on every platform
    finally:
        server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m connector.sandbox``: parse the options and ``serve``."""
    parser = argparse.ArgumentParser(
        prog="python -m connector.sandbox",
        description="Serve the PASINDO marketplace sandbox (Shopee under /api/v2/...) on one port.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--state", type=Path, help="SQLite state file (default: in memory, lost on exit)")
    parser.add_argument("--seed", type=int, help="seed for fault injection")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of requests answered with a 5xx")
    parser.add_argument("--timeout-rate", type=float, default=0.0, help="share of writes committed but never answered")
    parser.add_argument("--throttle-rate", type=float, default=0.0, help="share of requests answered as throttled")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every answer")
    parser.add_argument("--rate-limit", type=float, help="requests per second before answers are throttled")
    parser.add_argument(
        "--timeout-seconds", type=float, default=30.0, help="how long a timeout fault holds the connection"
    )
    options = parser.parse_args(argv)
    try:
        serve(
            host=options.host,
            port=options.port,
            state=options.state,
            seed=options.seed,
            fail_rate=options.fail_rate,
            timeout_rate=options.timeout_rate,
            throttle_rate=options.throttle_rate,
            latency_ms=options.latency_ms,
            rate_limit=options.rate_limit,
            timeout_seconds=options.timeout_seconds,
        )
    except (ValueError, OSError) as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 2
    return 0
