"""Adopting listings made by hand in the seller centres: `pasindo link`, and the link before a first sync."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.sandbox import default_credentials
from connector.sync.ledger import Ledger
from tests.helpers import Shop

DIALECTS = ("shopee", "lazada", "tiktokshop")
UNKNOWN = {"seller_sku": "TOKO-LAIN-01", "name": "Tas anyaman pandan dari toko lain yang lama", "price": 80_000,
           "stock": 9}


class LinkShop(Shop):
    """The test shop of test_sync on one marketplace of choice, with listings planted in its seller centre."""

    def __init__(self, tmp_path: Path, sandbox_url: str, dialect: str, guards: str = ""):
        super().__init__(tmp_path, sandbox_url, guards)
        self.dialect = dialect
        channel = (f"  - name: {dialect}\n    adapter: {dialect}\n    endpoint: {sandbox_url}\n"
                   f"    options: {{rate_limit: 500}}\n    credentials: {json.dumps(default_credentials(dialect))}\n")
        text = self.config.read_text(encoding="utf-8")
        last = "sandbox-shopee-refresh\n"
        start, end = text.index("  - name: shopee"), text.index(last) + len(last)
        self.config.write_text(text[:start] + channel + text[end:], encoding="utf-8")

    def plant(self, *items: dict) -> list[int]:
        answer = requests.post(f"{self.sandbox_url}/_sandbox/items", json={"dialect": self.dialect, "items": items},
                               timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["item_ids"]

    def items(self) -> list[dict]:
        return requests.get(f"{self.sandbox_url}/_sandbox/items", params={"dialect": self.dialect}, timeout=10).json()[
            "items"]

    def link(self, *args: str) -> tuple[int, dict]:
        result = CliRunner().invoke(main, ["--config", str(self.config), "link", "--format", "json", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, json.loads(result.stdout)

    def bindings(self) -> dict:
        ledger = Ledger(self.dir / "state" / "ledger.sqlite")
        try:
            return ledger.bindings.all(self.dialect)
        finally:
            ledger.close()


def shoe(*sizes: int) -> dict:
    return {"seller_sku": "LPUJI-SPT", "name": "Sepatu pantofel buatan tangan di seller centre",
            "variants": [{"seller_sku": f"LPUJI-SPT-{s}", "price": 275_000, "stock": 1, "options": {"Ukuran": str(s)}}
                         for s in sizes]}


def wallet(n: int, price: int, stock: int = 2) -> dict:
    return {"seller_sku": f"LPUJI-DMP-{n:02d}", "name": f"Dompet kulit lama buatan tangan nomor {n:02d}",
            "price": price, "stock": stock}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_link_adopts_matching_listings_holds_conflicts_and_leaves_the_rest_alone(tmp_path, sandbox, dialect):
    shop = LinkShop(tmp_path, sandbox.url, dialect)
    shop.plant(wallet(0, 120_000), wallet(2, 152_000, stock=12), wallet(1, 151_000), wallet(1, 151_000),
               shoe(40, 41), UNKNOWN)
    before = {i["item_id"]: i for i in shop.items()}

    code, doc = shop.link("--dry-run")
    assert code == 1  # conflicts
    [channel] = doc["channels"]
    assert {m["key"] for m in channel["matched"]} == {"lapas-uji:DMP-00", "lapas-uji:DMP-02"}
    assert channel["to_create"] == ["lapas-uji:DMP-03", "lapas-uji:DMP-04", "lapas-uji:DMP-05"]
    assert [u["skus"] for u in channel["unknown"]] == [["TOKO-LAIN-01"]]
    conflicts = {c["key"]: c for c in channel["conflicts"]}
    assert set(conflicts) == {"lapas-uji:DMP-01", "lapas-uji:SPT"}
    assert len(conflicts["lapas-uji:DMP-01"]["listings"]) == 2
    assert "variants do not line up" in conflicts["lapas-uji:SPT"]["reason"]
    assert "LPUJI-SPT-42" in conflicts["lapas-uji:SPT"]["reason"]
    assert shop.bindings() == {}  # a dry run records nothing

    code, doc = shop.link()
    assert code == 1 and doc == {**doc, "dry_run": False}
    assert set(shop.bindings()) == {"lapas-uji:DMP-00", "lapas-uji:DMP-02"}
    assert {i["item_id"]: i for i in shop.items()} == before  # linking writes nothing to the marketplace

    code, doc = shop.sync()
    assert code == 3  # the conflicts are held
    held = {h["key"]: h["guard"] for h in doc["held"]}
    assert held == {"lapas-uji:DMP-01": "link_conflict", "lapas-uji:SPT": "link_conflict"}
    after = {i["item_id"]: i for i in shop.items()}
    by_sku = Counter(i["seller_sku"] or i["variants"][0]["seller_sku"] for i in after.values())
    assert all(n == 1 for sku, n in by_sku.items() if sku != "LPUJI-DMP-01"), by_sku  # no duplicate listing
    assert by_sku["LPUJI-DMP-01"] == 2 and len(after) == len(before) + 3  # only DMP-03..05 were created
    for item_id, old in before.items():
        new = after[item_id]
        if old["seller_sku"] in ("LPUJI-DMP-00", "LPUJI-DMP-02"):  # updated in place to the catalog
            n = int(old["seller_sku"][-2:])
            assert (new["name"], new["price"], new["stock"]) == (
                f"Dompet Kulit Sapi Asli Pria Model {n:02d}", 150_000 + n * 1000, 10 + n)
        else:  # held (duplicated SKU, variants that do not line up) or unknown: untouched
            assert new == old


@pytest.mark.parametrize("dialect", ["lazada"])
def test_a_first_plain_sync_adopts_instead_of_creating(tmp_path, sandbox, dialect):
    shop = LinkShop(tmp_path, sandbox.url, dialect)
    [wallet_id, shoe_id] = shop.plant(wallet(0, 150_000, stock=10), shoe(40, 41, 42))
    code, doc = shop.sync()
    assert code == 0, doc
    counts = {(c["op"], c["outcome"]): c["count"] for c in doc["counts"]}
    assert counts[("adopt", "ok")] == 2 and counts[("create", "ok")] == 5
    items = shop.items()
    assert len(items) == 7
    shoe_item = next(i for i in items if i["item_id"] == shoe_id)
    assert [(v["seller_sku"], v["price"], v["stock"]) for v in shoe_item["variants"]] == [
        ("LPUJI-SPT-40", 275_000, 3), ("LPUJI-SPT-41", 275_000, 3), ("LPUJI-SPT-42", 275_000, 3)]
    assert any(i["item_id"] == wallet_id for i in items)
    code, doc = shop.sync()
    assert code == 0 and doc["counts"] == []  # linked once: the next sync has nothing to do


def test_a_large_price_drop_on_an_adopted_listing_is_held_until_forced(tmp_path, sandbox):
    shop = LinkShop(tmp_path, sandbox.url, "shopee")
    [item_id] = shop.plant(wallet(0, 1_500_000, stock=10))
    code, doc = shop.sync()
    assert code == 3
    assert [(h["key"], h["guard"]) for h in doc["held"]] == [("lapas-uji:DMP-00", "price_drop")]
    assert {i["item_id"]: i["price"] for i in shop.items()}[item_id] == 1_500_000
    code, doc = shop.sync("--force")
    assert code == 0, doc
    assert {i["item_id"]: i["price"] for i in shop.items()}[item_id] == 150_000


def test_a_dry_run_sync_shows_the_adoption_and_records_nothing(tmp_path, sandbox):
    shop = LinkShop(tmp_path, sandbox.url, "tiktokshop")
    shop.plant(wallet(3, 153_000, stock=13), UNKNOWN)
    code, doc = shop.sync("--dry-run")
    assert code == 0, doc
    ops = Counter(p["op"] for p in doc["plan"])
    assert ops == Counter({"adopt": 1, "update_content": 1, "create": 6})  # price and stock already right
    assert shop.bindings() == {}
    code, doc = shop.link("--dry-run")
    assert code == 0 and [m["key"] for m in doc["channels"][0]["matched"]] == ["lapas-uji:DMP-03"]


def test_planting_refuses_a_body_not_in_the_inspection_shape(sandbox):
    answer = requests.post(f"{sandbox.url}/_sandbox/items", json={"dialect": "shopee", "price": 5}, timeout=10)
    assert answer.status_code == 400 and "seller_sku" in answer.json()["message"]
    answer = requests.post(f"{sandbox.url}/_sandbox/items", json={"dialect": "nope", "items": []}, timeout=10)
    assert answer.status_code == 400
    answer = requests.post(f"{sandbox.url}/_sandbox/items", json={"dialect": "lazada", **wallet(1, 1000)}, timeout=10)
    assert answer.status_code == 200 and len(answer.json()["item_ids"]) == 1


@pytest.mark.parametrize("dialect", DIALECTS)
def test_link_pages_through_every_listing(tmp_path, sandbox, dialect):
    shop = LinkShop(tmp_path, sandbox.url, dialect)
    shop.plant(*({**UNKNOWN, "seller_sku": f"TOKO-LAIN-{n:03d}"} for n in range(130)), wallet(5, 155_000))
    code, doc = shop.link("--dry-run")
    [channel] = doc["channels"]
    assert code == 0 and len(channel["unknown"]) == 130
    assert [m["key"] for m in channel["matched"]] == ["lapas-uji:DMP-05"]
