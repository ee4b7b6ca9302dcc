"""Channel checks and the installed adapters: what `pasindo check` and `pasindo adapters` report."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from typing import Any

from connector.adapters.base import AdapterError, AuthError, Transient
from connector.adapters.registry import UnknownAdapter, adapter_class, entry_points_by_name
from connector.config import ChannelConfig, Config
from connector.sync.adapter import make_adapter
from connector.sync.endpoints import channel_endpoints
from connector.sync.ledger import Ledger


@dataclass
class CheckResult:
    channel: str
    adapter: str
    ok: bool
    message: str
    sandbox: bool = False  # the channel is on the embedded sandbox: a pass proves nothing about a real shop


def check_channels(config: Config, ledger: Ledger, names: tuple[str, ...] = ()) -> list[CheckResult]:
    """One cheap authenticated call per channel: proves credentials, shop and permissions."""
    channels = [c for c in config.channels if not names or c.name in names]
    with channel_endpoints(config, channels) as urls:
        return [_check_one(channel, urls[channel.name], ledger) for channel in channels]


def _check_one(channel: ChannelConfig, base_url: str, ledger: Ledger) -> CheckResult:
    def result(ok: bool, message: str) -> CheckResult:
        return CheckResult(channel.name, channel.adapter, ok, message, channel.is_sandbox)

    try:
        adapter = make_adapter(channel, base_url, ledger)
    except (UnknownAdapter, ValueError) as err:
        return result(False, str(err))
    try:
        return result(True, adapter.check())
    except AuthError as err:
        return result(False, f"refused: {err.message}")
    except Transient as err:
        return result(False, f"cannot reach {channel.endpoint}: {err.message}")
    except AdapterError as err:
        return result(False, err.message)
    finally:
        adapter.close()

def installed_adapters() -> list[dict[str, Any]]:
    """Every adapter installed, with where it comes from, its version and its capabilities."""
    out = []
    for name, ep in sorted(entry_points_by_name().items()):
        try:
            version = distribution(ep.dist.name).version if ep.dist else "unknown"
        except PackageNotFoundError:
            version = "unknown"
        try:
            caps = adapter_class(name).capabilities
            capabilities = {k: getattr(caps, k) for k in caps.__dataclass_fields__}
            problem = None
        except Exception as err:  # a broken plug-in is reported, not fatal
            capabilities, problem = {}, f"{type(err).__name__}: {err}"
        out.append({"name": name, "target": ep.value, "version": version, "capabilities": capabilities,
                    "problem": problem})
    return out
