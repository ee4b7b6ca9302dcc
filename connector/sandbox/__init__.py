"""The marketplace sandbox: faithful emulators of the marketplaces' APIs over real HTTP on loopback.

It imports nothing from ``connector.sync`` or ``connector.adapters``: it is a separate marketplace
that happens to ship in the same package.
"""

from connector.sandbox import shopee
from connector.sandbox.server import SandboxServer, main, serve
from connector.sandbox.shopee import shopee_sign

# What `endpoint: sandbox` uses for a channel that gives no credentials (documented in DESIGN.md).
DEFAULT_CREDENTIALS: dict[str, dict[str, str]] = {
    "shopee": {
        "partner_id": str(shopee.PARTNER_ID), "partner_key": shopee.PARTNER_KEY, "shop_id": str(shopee.SHOP_ID),
        "access_token": shopee.ACCESS_TOKEN, "refresh_token": shopee.REFRESH_TOKEN,
    },
    "lazada": {
        "app_key": "100002", "app_secret": "sandbox-lazada-secret", "access_token": "sandbox-lazada-token",
        "refresh_token": "sandbox-lazada-refresh",
    },
    "tiktokshop": {
        "app_key": "sandbox-tts-app", "app_secret": "sandbox-tts-secret", "access_token": "sandbox-tts-token",
        "shop_cipher": "sandbox-cipher", "refresh_token": "sandbox-tts-refresh",
    },
}

__all__ = ["DEFAULT_CREDENTIALS", "SandboxServer", "main", "serve", "shopee_sign"]
