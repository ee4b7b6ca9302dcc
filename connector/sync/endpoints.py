"""Where each channel is reached: its configured API base URL, or the embedded sandbox (`endpoint: sandbox`),
started on a loopback port for as long as the caller needs it and keeping its listings in the state dir."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from connector.config import ChannelConfig, Config
from connector.sync.state import ensure_state_dir, state_error

SANDBOX_FILE = "sandbox.sqlite"


@contextmanager
def channel_endpoints(config: Config, channels: list[ChannelConfig]) -> Iterator[dict[str, str]]:
    """Base URL per channel name; one embedded sandbox serves every sandbox channel."""
    with ExitStack() as stack:
        sandbox_url = None
        urls = {}
        for channel in channels:
            if channel.is_sandbox:
                if sandbox_url is None:
                    server = _start_sandbox(config.state_dir / SANDBOX_FILE)
                    stack.callback(server.stop)
                    sandbox_url = server.url
                urls[channel.name] = sandbox_url
            else:
                urls[channel.name] = channel.endpoint
        yield urls


def _start_sandbox(state: Path) -> Any:
    """The embedded sandbox on a loopback port, its store in the state directory (a StateError when that cannot
    be used)."""
    import sqlite3

    from connector.sandbox import SandboxServer

    ensure_state_dir(state.parent)
    try:
        server = SandboxServer(port=0, state_path=state)
        server.start()
    except (OSError, sqlite3.Error) as err:
        raise state_error(state, "open the embedded sandbox's store", err) from None
    return server
