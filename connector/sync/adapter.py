"""A channel's adapter, made from its config: the adapter class installed under its name, its credentials (the
sandbox's own when a sandbox channel gives none) and the ledger as its token store, media cache and fact store."""

from __future__ import annotations

from connector.adapters.base import Adapter
from connector.adapters.registry import adapter_class
from connector.config import ChannelConfig
from connector.sync.ledger import Ledger


def make_adapter(channel: ChannelConfig, base_url: str, ledger: Ledger) -> Adapter:
    """Raises UnknownAdapter when no adapter has the channel's adapter name, ValueError when a credential or
    option is missing or wrong: either way the channel cannot run."""
    credentials = dict(channel.credentials)
    if channel.is_sandbox and not credentials:
        from connector.sandbox import default_credentials

        credentials = default_credentials(channel.adapter)
    cls = adapter_class(channel.adapter)
    return cls(channel.name, base_url, credentials, tokens=ledger.tokens, media=ledger.media, options=channel.options,
               facts=ledger.facts)
