"""A Lazada sale and its cancellation, end to end: the real sandbox on loopback, `pasindo sync` through the CLI, and
the order as the sandbox's Lazada dialect sends it (GetOrders' ISO 8601 times, GetOrderItems' items)."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from connector.adapters.lazada import sign
from connector.cli import main
from connector.sandbox import SandboxServer, default_credentials
from tests.helpers import HEADER, png, shown_stock, three_channel_config

SKU = "LPUJI-DMP-00"


@pytest.fixture
def sandbox(tmp_path: Path):
    server = SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", timeout_seconds=1)
    server.start()
    yield server
    server.stop()


def shop(tmp_path: Path, url: str, stock: int) -> Path:
    """One institution's one product on the three channels of the sandbox at `url`."""
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(png(1))
    row = f"DMP-00;Dompet Kulit Sapi Asli Pria Model 00;Fashion / Dompet;Rp150.000;{stock};120;img/a.png;;;"
    (tmp_path / "katalog.csv").write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    return three_channel_config(tmp_path, url)


def sync(config: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["--config", str(config), "sync", "--format", "json", *args])
    assert result.exit_code == 0, result.output


def stock(url: str) -> dict[str, int]:
    return shown_stock(url, SKU)


def lazada_orders(url: str) -> list[dict[str, Any]]:
    """The sandbox's GetOrders answer, asked as any Lazada client would (signed with the default credentials)."""
    credentials = default_credentials("lazada")
    params = {"app_key": credentials["app_key"], "sign_method": "sha256", "timestamp": str(int(time.time() * 1000)),
              "access_token": credentials["access_token"], "created_after": "2020-01-01T00:00:00+07:00"}
    params["sign"] = sign(credentials["app_secret"], "/orders/get", params)
    return requests.get(f"{url}/rest/orders/get", params=params, timeout=10).json()["data"]["orders"]


def recorded(config: Path) -> list[tuple[str, str, int, str, str]]:
    with closing(sqlite3.connect(config.parent / "state" / "ledger.sqlite")) as conn:
        return conn.execute("SELECT order_id, seller_sku, quantity, status, at FROM orders WHERE channel = 'lazada'"
                            ).fetchall()


def test_a_lazada_sale_lowers_the_other_channels_and_its_cancellation_gives_the_units_back(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = shop(tmp_path, sandbox.url, stock=5)
    sync(config)
    assert stock(sandbox.url) == {"shopee": 5, "lazada": 5, "tiktokshop": 5}
    answer = requests.post(f"{sandbox.url}/_sandbox/orders", json={"dialect": "lazada", "seller_sku": SKU,
                                                                   "quantity": 2}, timeout=10)
    assert answer.status_code == 200, answer.text
    order_id = answer.json()["order_id"]
    (sent,) = lazada_orders(sandbox.url)
    time.sleep(1.2)  # the sandbox keeps whole seconds: the pull comes in a later second than the sale
    pulled_from = datetime.now(UTC)
    sync(config, "--only", "stock")
    assert stock(sandbox.url) == {"shopee": 3, "lazada": 3, "tiktokshop": 3}
    ((recorded_id, sku, quantity, status, at),) = recorded(config)
    assert (recorded_id, sku, quantity, status) == (order_id, SKU, 2, "placed")
    placed_at = datetime.fromisoformat(sent["created_at"])  # e.g. 2026-12-02T17:00:00+07:00, as GetOrders sends it
    assert datetime.fromisoformat(at) == placed_at.astimezone(UTC) < pulled_from

    cancelled = requests.post(f"{sandbox.url}/_sandbox/orders/{order_id}/cancel", timeout=10)
    assert cancelled.status_code == 200, cancelled.text
    sync(config, "--only", "stock")
    assert stock(sandbox.url) == {"shopee": 5, "lazada": 5, "tiktokshop": 5}
    ((_, _, _, status, at_after),) = recorded(config)
    assert (status, at_after) == ("cancelled", at)  # the order keeps the time it was placed
