"""The marketplace sandbox: faithful emulators of the marketplaces' APIs over real HTTP on loopback.

It imports nothing from ``connector.sync`` or ``connector.adapters``: it is a separate marketplace
that happens to ship in the same package.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SandboxServer", "default_credentials", "main", "serve"]


def default_credentials(name: str) -> dict[str, str]:
    """What `endpoint: sandbox` uses for a channel of adapter ``name`` that gives no credentials (DESIGN.md);
    empty for a marketplace the sandbox does not serve."""
    from connector.sandbox.registry import DIALECTS

    dialect = DIALECTS.get(name)
    return dict(dialect.default_credentials) if dialect is not None else {}


def __getattr__(name: str) -> Any:
    # The server and the dialects load on first use: `pasindo` reads the sandbox's option declaration
    # (connector.sandbox.options) at start-up and should not pay for the emulators then.
    if name in ("SandboxServer", "main", "serve"):
        from connector.sandbox import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
