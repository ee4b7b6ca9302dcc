"""Issue 18's "done when" for Shopee, end to end: `pasindo sync` on a real sandbox over loopback and a real ledger.
A Shopee sale reaches the other channels, a stock push refused for reserved (promotion) stock fails that item only,
and an access token refused as `error_auth` "Invalid access_token." is refreshed once while the run carries on."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.sandbox import SandboxServer
from tests.helpers import HEADER, png, sandbox_stats, shown_stock, three_channel_config

WALLET, BAG = "LPUJI-DMP-00", "LPUJI-TAS-01"


class Shops:
    """Two products of one institution listed on Shopee, Lazada and TikTok Shop of one sandbox."""

    def __init__(self, tmp_path: Path, sandbox_url: str, *, shopee: dict[str, str] | None = None):
        self.dir, self.url = tmp_path, sandbox_url
        (tmp_path / "img").mkdir(exist_ok=True)
        (tmp_path / "img" / "a.png").write_bytes(png(1))
        (tmp_path / "img" / "b.png").write_bytes(png(2))
        self.config = three_channel_config(tmp_path, sandbox_url, {"shopee": shopee or {}})
        self.set_stock(wallet=5, bag=5)

    def set_stock(self, *, wallet: int, bag: int) -> None:
        rows = [f"DMP-00;Dompet Kulit Sapi Asli Pria Model 00;Fashion / Dompet;Rp150.000;{wallet};120;img/a.png;;;",
                f"TAS-01;Tas Anyaman Pandan Wanita Model 01;Fashion / Dompet;Rp95.000;{bag};300;img/b.png;;;"]
        (self.dir / "katalog.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")

    def sync(self, *args: str) -> tuple[int, dict[str, Any]]:
        result = CliRunner().invoke(main, ["--config", str(self.config), "sync", "--format", "json", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, json.loads(result.stdout)

    def stock(self, sku: str) -> dict[str, int]:
        """The listing's stock on each channel, as the marketplace shows it."""
        return shown_stock(self.url, sku)

    def order(self, dialect: str, sku: str, quantity: int = 1) -> str:
        answer = requests.post(f"{self.url}/_sandbox/orders", json={"dialect": dialect, "seller_sku": sku,
                                                                   "quantity": quantity}, timeout=10)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["order_id"])


def shopee_calls(sandbox: SandboxServer, api: str) -> int:
    return int(sandbox_stats(sandbox)["requests"].get(f"shopee /api/v2/{api}", 0))


@pytest.fixture
def sandbox(tmp_path: Path) -> Any:
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", timeout_seconds=1) as server:
        yield server


def test_a_shopee_order_lowers_the_other_channels_at_the_next_sync_and_its_return_gives_the_units_back(
        tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url)
    assert shops.sync()[0] == 0
    sold = shops.order("shopee", WALLET, 2)
    assert shops.stock(WALLET) == {"shopee": 3, "lazada": 5, "tiktokshop": 5}
    assert shops.sync("--only", "stock")[0] == 0
    # The sandbox, like Shopee, sends item_list only to a call that asks for it: no lines, no lowered stock.
    assert shops.stock(WALLET) == {"shopee": 3, "lazada": 3, "tiktokshop": 3}
    assert shops.stock(BAG) == {"shopee": 5, "lazada": 5, "tiktokshop": 5}
    assert requests.post(f"{sandbox.url}/_sandbox/orders/{sold}/return", timeout=10).status_code == 200
    assert shops.sync("--only", "stock")[0] == 0  # TO_RETURN with returned_qty 2: both units came back
    assert shops.stock(WALLET) == {"shopee": 5, "lazada": 5, "tiktokshop": 5}


def test_a_stock_push_refused_for_reserved_stock_fails_that_item_only(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url)
    assert shops.sync()[0] == 0
    reserved = requests.post(f"{sandbox.url}/_sandbox/reserved_stock",
                             json={"dialect": "shopee", "seller_sku": WALLET, "reserved": 5}, timeout=10)
    assert reserved.status_code == 200, reserved.text
    shops.order("lazada", WALLET)
    shops.order("lazada", BAG, 2)
    code, summary = shops.sync("--only", "stock")
    assert code == 1  # finished with a failed item
    assert shops.stock(WALLET) == {"shopee": 5, "lazada": 4, "tiktokshop": 4}  # Shopee kept its promotion stock
    assert shops.stock(BAG) == {"shopee": 3, "lazada": 3, "tiktokshop": 3}  # the same run went on past it
    shopee = {c["outcome"]: c["count"] for c in summary["counts"] if c["channel"] == "shopee"}
    assert shopee == {"invalid": 1, "ok": 1} and summary["stopped"] == {}
    with closing(sqlite3.connect(tmp_path / "state" / "ledger.sqlite")) as ledger:
        [(product, error_class, code, message)] = ledger.execute(
            "SELECT product_key, error_class, code, message FROM run_items WHERE run_id = ? AND outcome != 'ok'",
            (summary["run_id"],)).fetchall()
    assert (product, error_class, code) == ("lapas-uji:DMP-00", "invalid", "error_auth")
    assert "Total stock must be more than reserved stock." in message
    assert shopee_calls(sandbox, "product/get_item_list") >= 1  # the credentials were checked, and passed


def test_an_access_token_refused_as_error_auth_is_refreshed_once_and_the_run_carries_on(tmp_path):
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", shopee_token_refusal="error_auth") as sandbox:
        shops = Shops(tmp_path, sandbox.url, shopee={"access_token": "an-expired-access-token"})
        assert shops.sync()[0] == 0
        assert shopee_calls(sandbox, "auth/access_token/get") == 1
        assert shops.stock(WALLET) == {"shopee": 5, "lazada": 5, "tiktokshop": 5}
        assert shops.stock(BAG) == {"shopee": 5, "lazada": 5, "tiktokshop": 5}
        shops.order("shopee", BAG)
        assert shops.sync("--only", "stock")[0] == 0  # the refreshed pair, kept in the ledger, is used
        assert shopee_calls(sandbox, "auth/access_token/get") == 1
        assert shops.stock(BAG) == {"shopee": 4, "lazada": 4, "tiktokshop": 4}
