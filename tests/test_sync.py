"""`pasindo sync` end to end: real catalog files, a real ledger, real HTTP to the sandbox on loopback."""

from __future__ import annotations

import json
import struct
import zlib
from collections import Counter
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.sandbox import SandboxServer

HEADER = "SKU;Nama Produk;Kategori;Harga;Stok;Berat (gram);Foto;SKU Induk;Nama Variasi;Varian"


def png(seed: int) -> bytes:
    raw = b"".join(b"\x00" + bytes([(seed * 40 + x * 7) % 256, (x * 13) % 256, seed % 256]) * 1 for x in range(4))
    ihdr = struct.pack(">IIBBBBB", 1, 4, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def product_rows(n: int = 6) -> dict[str, str]:
    rows = {}
    for i in range(n):
        rows[f"DMP-{i:02d}"] = (f"DMP-{i:02d};Dompet Kulit Sapi Asli Pria Model {i:02d};Fashion / Dompet;"
                                f"Rp{150 + i}.000;{10 + i};120;img/a.png;;;")
    for size in (40, 41, 42):
        rows[f"SPT-{size}"] = (f"SPT-{size};Sepatu Pantofel Kulit Pria Hitam Asli;Fashion/Sepatu;275.000;3;900;"
                               f"img/a.png, img/b.png;SPT;Ukuran;{size}")
    return rows


class Shop:
    """A test institution catalog, a config pointing at a sandbox, and helpers to run and inspect syncs."""

    def __init__(self, tmp_path: Path, sandbox_url: str, guards: str = "", products: int = 6):
        self.dir = tmp_path
        (tmp_path / "img").mkdir(exist_ok=True)
        (tmp_path / "img" / "a.png").write_bytes(png(1))
        (tmp_path / "img" / "b.png").write_bytes(png(2))
        self.rows = product_rows(products)
        self.sandbox_url = sandbox_url
        self.config = tmp_path / "pasindo.yaml"
        self.config.write_text(f"""
state_dir: state
institutions:
  - code: lapas-uji
    name: Lapas Kelas IIB Uji
    type: lapas
    catalog: {{path: katalog.csv}}
    sku_prefix: LPUJI
channels:
  - name: shopee
    adapter: shopee
    endpoint: {sandbox_url}
    credentials:
      partner_id: "100001"
      partner_key: sandbox-shopee-key
      shop_id: "200001"
      access_token: sandbox-shopee-token
      refresh_token: sandbox-shopee-refresh
{guards}
""", encoding="utf-8")
        self.write()

    def write(self) -> None:
        (self.dir / "katalog.csv").write_text(HEADER + "\n" + "\n".join(self.rows.values()) + "\n", encoding="utf-8")

    def sync(self, *args: str) -> tuple[int, dict]:
        result = CliRunner().invoke(main, ["--config", str(self.config), "sync", "--format", "json", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, json.loads(result.stdout)

    def items(self) -> list[dict]:
        return requests.get(f"{self.sandbox_url}/_sandbox/items", params={"dialect": "shopee"}, timeout=10).json()[
            "items"]

    def stats(self) -> dict:
        return requests.get(f"{self.sandbox_url}/_sandbox/stats", timeout=10).json()


def writes(before: dict, after: dict) -> Counter:
    """Write requests between two stats snapshots, by path."""
    out: Counter = Counter()
    for path, n in after["requests"].items():
        delta = n - before["requests"].get(path, 0)
        if delta and not any(w in path for w in ("search_item", "get_item", "get_model", "auth/", "order/get_")):
            out[path.split("/api/v2/", 1)[-1]] = delta
    return out


@pytest.fixture
def sandbox(tmp_path):
    server = SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", timeout_seconds=1)
    server.start()
    yield server
    server.stop()


def test_first_sync_lists_everything_and_a_second_sync_writes_nothing(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    code, doc = shop.sync()
    assert code == 0, doc
    items = {i["seller_sku"]: i for i in shop.items()}
    assert set(items) == {f"LPUJI-DMP-{i:02d}" for i in range(6)} | {"LPUJI-SPT"}
    assert items["LPUJI-DMP-03"]["price"] == 153_000 and items["LPUJI-DMP-03"]["stock"] == 13
    shoe = items["LPUJI-SPT"]
    assert shoe["images"] == 2
    assert [(v["seller_sku"], v["price"], v["stock"]) for v in shoe["variants"]] == [
        ("LPUJI-SPT-40", 275_000, 3), ("LPUJI-SPT-41", 275_000, 3), ("LPUJI-SPT-42", 275_000, 3)]
    before = shop.stats()
    code, doc = shop.sync()
    assert code == 0 and writes(before, shop.stats()) == Counter()
    assert doc["counts"] == []


def test_images_are_uploaded_once_per_channel(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    uploads = shop.stats()["requests"].get("shopee /api/v2/media_space/upload_image", 0)
    assert uploads == 2  # two distinct files shared by seven products


def test_one_cell_changes_send_exactly_one_write(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    shop.rows["DMP-02"] = shop.rows["DMP-02"].replace(";12;120;", ";4;120;")
    shop.write()
    before = shop.stats()
    assert shop.sync()[0] == 0
    assert writes(before, shop.stats()) == Counter({"product/update_stock": 1})
    assert {i["seller_sku"]: i["stock"] for i in shop.items()}["LPUJI-DMP-02"] == 4

    shop.rows["SPT-41"] = shop.rows["SPT-41"].replace(";275.000;", ";265.000;")
    shop.write()
    before = shop.stats()
    assert shop.sync()[0] == 0
    assert writes(before, shop.stats()) == Counter({"product/update_price": 1})
    shoe = next(i for i in shop.items() if i["seller_sku"] == "LPUJI-SPT")
    assert [v["price"] for v in shoe["variants"]] == [275_000, 265_000, 275_000]


def test_a_removed_row_is_delisted_and_relisted_when_restored(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    removed = shop.rows.pop("DMP-05")
    shop.write()
    before = shop.stats()
    code, doc = shop.sync()
    assert code == 0
    assert writes(before, shop.stats()) == Counter({"product/unlist_item": 1})
    status = {i["seller_sku"]: i["status"] for i in shop.items()}
    assert status["LPUJI-DMP-05"] == "inactive"
    shop.rows["DMP-05"] = removed
    shop.write()
    before = shop.stats()
    shop.sync()
    assert writes(before, shop.stats()) == Counter({"product/unlist_item": 1})
    items = shop.items()
    assert [i["status"] for i in items if i["seller_sku"] == "LPUJI-DMP-05"] == ["active"]  # the same listing
    assert len(items) == 7


def test_guards_hold_a_truncated_catalog_and_a_price_typo_until_forced(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    full = dict(shop.rows)
    shop.rows = {k: v for k, v in full.items() if k in ("DMP-00", "DMP-01")}  # a truncated export
    shop.rows["DMP-00"] = shop.rows["DMP-00"].replace("Rp150.000", "Rp15.000")  # a missing zero
    shop.write()
    before = shop.stats()
    code, doc = shop.sync()
    assert code == 3
    assert {h["guard"] for h in doc["held"]} == {"mass_delist", "price_drop"}
    assert len(doc["held"]) == 6  # five delists and one price
    assert writes(before, shop.stats()) == Counter()
    code, doc = shop.sync("--force")
    assert code == 0 and doc["held"] == []
    status = Counter(i["status"] for i in shop.items())
    assert status == Counter({"inactive": 5, "active": 2})


def test_dry_run_prints_the_plan_and_changes_nothing(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    code, doc = shop.sync("--dry-run")
    assert code == 0 and doc["run_id"] is None
    assert Counter(p["op"] for p in doc["plan"]) == Counter({"create": 7})
    assert shop.items() == []


def test_refused_rows_exit_1_and_keep_their_listing(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.sync()
    shop.rows["DMP-01"] = shop.rows["DMP-01"].replace("Rp151.000", "gratis")
    shop.write()
    before = shop.stats()
    code, doc = shop.sync()
    assert code == 1 and doc["rejects"] == 1
    assert writes(before, shop.stats()) == Counter()  # not delisted because of a typo


def test_a_second_sync_on_the_same_state_exits_4(tmp_path, sandbox):
    from connector.sync.lock import SyncLock

    shop = Shop(tmp_path, sandbox.url)
    lock = SyncLock(tmp_path / "state")
    lock.acquire()
    try:
        result = CliRunner().invoke(main, ["--config", str(shop.config), "sync"])
        assert result.exit_code == 4 and "another sync holds the lock" in result.output
    finally:
        lock.release()


def test_the_embedded_sandbox_keeps_its_listings_in_the_state_dir(tmp_path):
    shop = Shop(tmp_path, "sandbox")
    code, _ = shop.sync()
    assert code == 0
    with SandboxServer(port=0, state_path=tmp_path / "state" / "sandbox.sqlite") as server:
        shop.sandbox_url = server.url
        assert len(shop.items()) == 7
        before = shop.stats()
    shop.sandbox_url = "sandbox"
    assert shop.sync()[0] == 0
    with SandboxServer(port=0, state_path=tmp_path / "state" / "sandbox.sqlite") as server:
        shop.sandbox_url = server.url
        assert writes(before, shop.stats()) == Counter()
