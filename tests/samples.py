"""The marketplaces' official documented response samples, served over loopback to the real adapters.

No sandbox in between: a `SampleServer` answers each request with the canned answer registered for its method
and path, exactly as written, and remembers what it was asked. Fixtures live in `tests/samples/<marketplace>/` as
JSON files `{"source": "<repository>:<path of the documentation page>", "note": "...", "status": 200,
"response": {...}}`, each written by the team from the page it names (`sample(...)` refuses a fixture without a
source).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SAMPLES = Path(__file__).resolve().parent / "samples"


@dataclass(frozen=True)
class Sample:
    """One documented answer: its HTTP status, its body, and the documentation page it was written from."""

    source: str
    response: Any
    status: int = 200
    note: str = ""


def sample(marketplace: str, name: str) -> Sample:
    """`tests/samples/<marketplace>/<name>.json`."""
    raw = json.loads((SAMPLES / marketplace / f"{name}.json").read_text(encoding="utf-8"))
    if not raw.get("source"):
        raise ValueError(f"{marketplace}/{name}.json names no source: write it from a documentation page")
    return Sample(raw["source"], raw["response"], raw.get("status", 200), raw.get("note", ""))


@dataclass(frozen=True)
class Asked:
    """A request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


Answer = Sample | Callable[[Asked], Sample]


@dataclass
class SampleServer:
    """Answers `(method, path)` with its registered Sample (or a function of the request giving one); anything
    else is a 599 with a message, so a test sees at once which call it did not expect."""

    routes: dict[tuple[str, str], Answer] = field(default_factory=dict)
    asked: list[Asked] = field(default_factory=list)
    url: str = ""

    def answer(self, method: str, path: str, reply: Answer) -> None:
        self.routes[(method.upper(), path)] = reply

    def calls(self, path: str) -> list[Asked]:
        return [a for a in self.asked if a.path == path]

    def _handle(self, asked: Asked) -> tuple[int, bytes]:
        self.asked.append(asked)
        reply = self.routes.get((asked.method, asked.path))
        if reply is None:
            return 599, json.dumps({"unexpected": f"{asked.method} {asked.path}"}).encode()
        got = reply(asked) if callable(reply) else reply
        body = got.response if isinstance(got.response, str) else json.dumps(got.response)
        return got.status, body.encode()


@contextmanager
def serving(server: SampleServer | None = None) -> Iterator[SampleServer]:
    """A SampleServer on a free loopback port for the duration of the block."""
    server = server or SampleServer()

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            asked = Asked(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                          {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length) if length else b"")
            status, body = server._handle(asked)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _any

        def log_message(self, *args: Any) -> None:  # quiet: the test reads `asked`
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
