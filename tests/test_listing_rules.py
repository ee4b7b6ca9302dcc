"""Each channel's listing rules, declared by its adapter, are met before any call: a short name is completed for
TikTok Shop and listed as written elsewhere, a product one channel cannot take is refused there only, with the
cell to change; the declared rules agree with what the sandbox enforces. Real xlsx catalog, real sandbox on
loopback, real ledger."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import requests
from openpyxl import Workbook

from connector import logs
from connector.adapters.lazada import LazadaAdapter
from connector.adapters.shopee import ShopeeAdapter
from connector.adapters.tiktokshop import TikTokShopAdapter
from connector.config import load_config
from connector.sandbox import SandboxServer
from connector.sandbox import lazada as lazada_dialect
from connector.sandbox import shopee as shopee_dialect
from connector.sandbox import tiktokshop as tiktok_dialect
from connector.sync.result import SyncResult
from connector.sync.run import Sync, SyncOptions
from tests.helpers import png

CHANNELS = """
channels:
  - {name: shopee, adapter: shopee, endpoint: '%(url)s', credentials: {partner_id: '100001',
     partner_key: sandbox-shopee-key, shop_id: '200001', access_token: sandbox-shopee-token}}
  - {name: lazada, adapter: lazada, endpoint: '%(url)s', credentials: {app_key: '100002',
     app_secret: sandbox-lazada-secret, access_token: sandbox-lazada-token}}
  - {name: tiktokshop, adapter: tiktokshop, endpoint: '%(url)s', credentials: {app_key: sandbox-tts-app,
     app_secret: sandbox-tts-secret, access_token: sandbox-tts-token, shop_cipher: sandbox-cipher}}
"""

HEADER = ["Kode Barang", "Nama Barang", "Kategori", "Harga Jual", "Stok", "Berat (gram)", "Bahan", "Foto"]
SANDAL = ["SDL-01", "Sandal Kulit Pria", "Fashion / Sandal", "Rp 95.000", 12, "600 gr", "Kulit Sapi", "img/sdl.png"]
# A Cukli gazebo at 125 juta: within PASINDO's and Shopee's and Lazada's bounds, above TikTok Shop's 100 juta.
GAZEBO = ["GZB-01", "Gazebo Kayu Jati Ukir Cukli Mutiara Lombok", "Kerajinan / Perabot", "Rp125.000.000", 1,
          "250 kg", "Kayu Jati", "img/gzb.png"]


def catalog(directory: Path, *rows: list) -> None:
    """The catalog as staff keep it: a title row above the header, prices and weights written their way."""
    (directory / "img").mkdir(exist_ok=True)
    for i, name in enumerate(("sdl", "gzb", "tas"), start=1):
        (directory / "img" / f"{name}.png").write_bytes(png(i))
    book = Workbook()
    sheet = book.active
    sheet.append(["Daftar Produk Giatja Lapas Kelas IIB Mojokerto"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(directory / "katalog.xlsx")


def config(directory: Path, url: str) -> Path:
    path = directory / "pasindo.yaml"
    path.write_text("""state_dir: state
institutions:
  - code: lapas-mojokerto
    name: Lapas Kelas IIB Mojokerto
    type: lapas
    class: IIB
    catalog: {path: katalog.xlsx}
    sku_prefix: LPMJK
""" + CHANNELS % {"url": url}, encoding="utf-8")
    return path


def sync(path: Path) -> SyncResult:
    run = Sync(load_config(path), SyncOptions(), log=logs.get_logger())
    try:
        return run.run()
    finally:
        run.close()


def items(sandbox: SandboxServer, dialect: str) -> dict[str, dict]:
    answer = requests.get(f"{sandbox.url}/_sandbox/items", params={"dialect": dialect}, timeout=10).json()
    return {item["seller_sku"] or item["variants"][0]["seller_sku"]: item for item in answer["items"]}


def writes(sandbox: SandboxServer) -> int:
    return requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()["writes"]


def creates(sandbox: SandboxServer) -> Counter:
    requests_by_path = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()["requests"]
    paths = {"shopee": "/api/v2/product/add_item", "lazada": "/rest/product/create",
             "tiktokshop": "/product/202309/products"}
    return Counter({dialect: requests_by_path.get(f"{dialect} {path}", 0) for dialect, path in paths.items()})


def test_a_short_name_is_completed_for_tiktok_shop_and_listed_as_written_elsewhere(tmp_path, sandbox):
    catalog(tmp_path, SANDAL)
    result = sync(config(tmp_path, sandbox.url))
    assert result.invalid == [] and result.refused == []
    tiktok = items(sandbox, "tiktokshop")["LPMJK-SDL-01"]["name"]
    assert tiktok.startswith("Sandal Kulit Pria") and len(tiktok) >= 25
    assert tiktok == "Sandal Kulit Pria - Kulit Sapi"  # the staff's name, then the material it did not say
    assert items(sandbox, "shopee")["LPMJK-SDL-01"]["name"] == "Sandal Kulit Pria"
    assert items(sandbox, "lazada")["LPMJK-SDL-01"]["name"] == "Sandal Kulit Pria"

    before = writes(sandbox)
    again = sync(config(tmp_path, sandbox.url))
    assert writes(sandbox) == before, "the completed title is the same every run: nothing to send"
    assert again.invalid == [] and not again.problems()


def test_a_product_one_channel_cannot_take_is_refused_there_only_naming_the_cell(tmp_path, sandbox):
    catalog(tmp_path, SANDAL, GAZEBO)
    result = sync(config(tmp_path, sandbox.url))
    [refused] = result.invalid
    assert (refused.channel, refused.key, refused.reason) == ("tiktokshop", "lapas-mojokerto:GZB-01",
                                                              "price_out_of_range")
    assert (Path(refused.file).name, refused.row, refused.column, refused.value) == (
        "katalog.xlsx", 4, "price", "125000000")
    assert "Rp125.000.000" in refused.message("en") and "Rp100-Rp100.000.000" in refused.message("en")
    assert refused.message("id").startswith("tiktokshop: harga di kanal ini, Rp125.000.000, di luar batas")
    assert "LPMJK-GZB-01" not in items(sandbox, "tiktokshop")
    assert creates(sandbox)["tiktokshop"] == 1  # the sandal's: no call was made for the gazebo
    assert "LPMJK-GZB-01" in items(sandbox, "shopee") and "LPMJK-GZB-01" in items(sandbox, "lazada")
    assert result.problems()  # a refusal is a problem of the run (exit 1), as any product not listed


@pytest.mark.parametrize("adapter, dialect, name_max, description_max, images_max, price, stock, sku, variants", [
    (ShopeeAdapter, shopee_dialect, "ITEM_NAME_MAX", "DESCRIPTION_MAX", "IMAGES_MAX", ("PRICE_MIN", "PRICE_MAX"),
     "STOCK_MAX", "SKU_MAX", "MODELS_MAX"),
    (LazadaAdapter, lazada_dialect, "NAME_MAX", "DESCRIPTION_MAX", "IMAGES_MAX", ("PRICE_MIN", "PRICE_MAX"),
     "QUANTITY_MAX", "SELLER_SKU_MAX", "SKUS_MAX"),
    (TikTokShopAdapter, tiktok_dialect, "TITLE_MAX", "DESCRIPTION_MAX", "IMAGES_MAX", ("PRICE_MIN", "PRICE_MAX"),
     "QUANTITY_MAX", "SELLER_SKU_MAX", "SKUS_MAX"),
])
def test_the_declared_rules_are_what_the_sandbox_enforces(adapter, dialect, name_max, description_max, images_max,
                                                          price, stock, sku, variants):
    rules = adapter.listing_rules
    assert rules.problems() == []
    assert (rules.title_max, rules.description_max, rules.images_max) == (
        getattr(dialect, name_max), getattr(dialect, description_max), getattr(dialect, images_max))
    assert (rules.price_min, rules.price_max) == tuple(getattr(dialect, n) for n in price)
    assert (rules.stock_max, rules.seller_sku_max, rules.variants_max) == (
        getattr(dialect, stock), getattr(dialect, sku), getattr(dialect, variants))
    assert rules.images_max <= adapter.capabilities.max_images and rules.variants_max >= 1
    if dialect is tiktok_dialect:
        assert rules.title_min == tiktok_dialect.TITLE_MIN
