"""Where each channel is reached: its configured API base URL, or the embedded sandbox (`endpoint: sandbox`),
started on a loopback port for as long as the caller needs it and keeping its listings in the state dir."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from connector.config import ChannelConfig, Config

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
                    from connector.sandbox import SandboxServer

                    server = SandboxServer(port=0, state_path=config.state_dir / SANDBOX_FILE)
                    server.start()
                    stack.callback(server.stop)
                    sandbox_url = server.url
                urls[channel.name] = sandbox_url
            else:
                urls[channel.name] = channel.endpoint
        yield urls
