"""Fixtures the adapter and sandbox tests share: a sandbox on loopback, adapters made on it (closed after the test),
threads. Also how the suite runs: in parallel workers by default (`WORKERS`, when pytest-xdist is installed and no
`-n` is given), the tests marked `slow` handed out first (ARCHITECTURE.md, Tests)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from connector.adapters.base import Adapter
from connector.adapters.contract import MemoryStore
from connector.sandbox import SandboxServer

AdapterT = TypeVar("AdapterT", bound=Adapter)

# Parallel workers for a run that names none (`-n N` chooses, `-n 0` or `-p no:xdist` runs in one process). The suite
# waits far more than it computes (pacing, back-off, timeouts, subprocess start-ups), so more workers than this
# machine's two cores overlap those waits (measured on it, shared: 4 workers 248 s, 6 workers 208 s, one process
# 639 s; ARCHITECTURE.md, Tests).
WORKERS = 6


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """`python -m pytest` runs in `WORKERS` processes (each test handed to the next free one), set before pytest-xdist
    reads its options (a conftest's hook runs before an installed plugin's of the same rank)."""
    if not hasattr(config.option, "numprocesses") or hasattr(config, "workerinput") or config.getoption("usepdb"):
        return  # no xdist, a worker, or --pdb (one process)
    if config.option.numprocesses is None:
        config.option.numprocesses = WORKERS
    if config.option.maxschedchunk is None:  # else the first worker gets the first quarter of its share at once:
        config.option.maxschedchunk = 1  # every slow test; one at a time, each goes to the next free worker


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked `slow` first (in their own order), so that parallel workers start the long ones at once
    instead of one worker finishing with them while the others stand idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


QUICK_RETRY = {"attempts": 8, "total_seconds": 20, "base_wait": 0.01, "max_wait": 0.05}


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "sandbox.db"


@pytest.fixture
def sandbox(state: Path) -> Iterator[SandboxServer]:
    with SandboxServer(port=0, state_path=state) as server:
        yield server


@pytest.fixture
def adapters() -> Iterator[Callable[..., Any]]:
    """`adapters(cls, channel, credentials, server, ...)`: an adapter on a sandbox, paced fast and retried quickly,
    closed after the test. Keywords: tokens and media (a fresh MemoryStore each if not given), timeout, options (over
    the fast ones), and any other is a credential that replaces the given one."""
    made: list[Adapter] = []

    def make(
        cls: type[AdapterT],
        channel: str,
        credentials: dict[str, str],
        server: SandboxServer,
        *,
        tokens: MemoryStore | None = None,
        media: MemoryStore | None = None,
        timeout: float = 5.0,
        options: dict[str, Any] | None = None,
        **overrides: str,
    ) -> AdapterT:
        adapter = cls(
            channel,
            server.url,
            {**credentials, **overrides},
            tokens=tokens or MemoryStore(),
            media=media or MemoryStore(),
            options={"rate_limit": 200, "retry": QUICK_RETRY, **(options or {})},
            timeout=timeout,
        )
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()


@pytest.fixture
def make_adapter(adapters: Callable[..., Any], request: pytest.FixtureRequest) -> Callable[..., Adapter]:
    """`make_adapter(server, **keywords)`: `adapters` for the test module's marketplace, which the module names in
    its ADAPTER (the class), CHANNEL and CREDENTIALS."""
    module = request.module
    return functools.partial(adapters, module.ADAPTER, module.CHANNEL, module.CREDENTIALS)


@pytest.fixture
def in_threads() -> Callable[[Callable[[], object], int], list[BaseException]]:
    """`in_threads(call, n)`: `call` in n threads started together; the exceptions they raised."""

    def run(call: Callable[[], object], n: int) -> list[BaseException]:
        errors: list[BaseException] = []

        def guarded() -> None:
            try:
                call()
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=guarded) for _ in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return errors

    return run
