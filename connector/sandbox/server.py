"""The sandbox's HTTP server: every marketplace dialect on one loopback port.

``SandboxServer`` is the library entry (tests and the embedded ``endpoint: sandbox`` use it);
``run`` is what ``pasindo sandbox serve`` and ``python -m connector.sandbox`` (``main``) call.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connector.sandbox.dialect import Request, Response, Settings
from connector.sandbox.faults import FaultInjector
from connector.sandbox.gateway import Gateway, Hold
from connector.sandbox.options import SandboxOptions, command_options
from connector.sandbox.registry import DIALECTS, dialect_settings
from connector.sandbox.store import Store

MAX_BODY_BYTES = 64 * 1024 * 1024  # room for nine 10 MB images in one upload


class SandboxServer:
    """A marketplace emulator on ``host:port`` (``port=0`` picks a free one; see ``url``)."""

    def __init__(self, options: SandboxOptions | None = None, /, **keywords: Any) -> None:
        """Keywords are ``SandboxOptions`` fields (taking precedence over ``options``) or a dialect's own
        settings named ``<dialect>_<setting>`` (``shopee_token_ttl=1``)."""
        names = {declared.name for declared in fields(SandboxOptions)}
        self.options = replace(options or SandboxOptions(), **{k: v for k, v in keywords.items() if k in names})
        self._dialect_settings = dialect_settings({k: v for k, v in keywords.items() if k not in names})
        opts = self.options
        self._address = (opts.host, opts.port)
        self._state_path = Path(opts.state_path) if opts.state_path is not None else None
        self._settings = Settings(audit_seconds=opts.audit_seconds)
        self._faults = FaultInjector(
            opts.seed, fail_rate=opts.fail_rate, timeout_rate=opts.timeout_rate, throttle_rate=opts.throttle_rate
        )
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
        gateway = Gateway(self._store, self._settings, self._faults, self.options.rate_limit,
                          self.options.timeout_seconds, self._dialect_settings)
        try:
            self._httpd = _HTTPServer(self._address, gateway, self.options.latency_ms / 1000, self._stopping)
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


def serve(options: SandboxOptions) -> None:
    """Run the sandbox in the foreground until SIGINT or SIGTERM; prints one line with its URL."""
    server = SandboxServer(options)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        print(f"PASINDO sandbox serving on {server.url}", flush=True)
        while not stop.wait(0.5):
            pass  # a bounded wait lets the signal handler run promptly on every platform
    finally:
        server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run(values: Mapping[str, Any]) -> int:
    """Serve with these option values (by ``SandboxOptions`` field) until a signal: exit code 0, or 2 with a
    message for a value the sandbox refuses or a port it cannot bind."""
    try:
        serve(SandboxOptions(**values))
    except (ValueError, OSError) as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 2
    return 0


def argument_parser() -> argparse.ArgumentParser:
    """``python -m connector.sandbox``'s options, one per ``SandboxOptions`` field."""
    served = "; ".join(f"{name} under {', '.join(p + '...' for p in cls.prefixes)}" for name, cls in DIALECTS.items())
    parser = argparse.ArgumentParser(
        prog="python -m connector.sandbox",
        description=f"Serve the PASINDO marketplace sandbox ({served}) on one port.",
    )
    for option in command_options():
        parser.add_argument(option.flag, dest=option.field, type=option.kind, default=option.default,
                            help=option.help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m connector.sandbox``: parse the options and serve."""
    return run(vars(argument_parser().parse_args(argv)))
