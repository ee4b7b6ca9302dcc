"""Where a buyer sees each listing: the adapters' documented product-page forms, and the sandbox's own pages.

Live forms are checked on ids taken from the marketplaces' official response samples (each names its source); the
sandbox form is followed over real HTTP after a real sync to all three channels, and again after a delist.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest
import requests

from connector.adapters.lazada import LazadaAdapter
from connector.adapters.shopee import ShopeeAdapter
from connector.adapters.tiktokshop import TikTokShopAdapter
from connector.sandbox import SandboxServer, default_credentials
from tests.helpers import CHANNELS, HEADER, png, product_rows, three_channel_config

ADAPTERS = {"shopee": ShopeeAdapter, "lazada": LazadaAdapter, "tiktokshop": TikTokShopAdapter}
LABELS = {"shopee": "Shopee", "lazada": "Lazada", "tiktokshop": "TikTok Shop"}

# --- live forms, from documented ids -------------------------------------------------------------------------


def test_lazada_live_link_is_the_sku_url_of_getproductitem_sample():
    # lazykern/ecommerce-api-docs data/raw/lazada/apis/product-api/getproductitem.json, the Indonesian sample:
    # itemId 5758254690, its SKU's SkuId 11212296431 and Url "http://www.lazada.co.id/-i5758254690-s11212296431.html"
    links = LazadaAdapter.listing_links({}, "5758254690", variant_ids={"1pc": "11212296431"})
    assert [(link.label, link.url) for link in links] == [
        ("Lazada", "https://www.lazada.co.id/-i5758254690-s11212296431.html")]


def test_lazada_live_link_of_a_product_with_variants_names_its_lowest_sku_id():
    # getproducts.json's sample product 1901875545 has SKUs 10164106501..10164106504, each with its own Url
    links = LazadaAdapter.listing_links({}, "1901875545", variant_ids={
        "KMJ-M": "10164106503", "KMJ-S": "10164106501", "KMJ-L": "10164106504"})
    assert [link.url for link in links] == ["https://www.lazada.co.id/-i1901875545-s10164106501.html"]


def test_lazada_live_link_needs_a_sku_id():
    assert LazadaAdapter.listing_links({}, "5758254690") == ()
    assert LazadaAdapter.listing_links({}, "5758254690", variant_ids={"1pc": "not-an-id"}) == ()


def test_tiktokshop_live_link_is_the_documented_detail_link_and_no_tokopedia_link_is_made_up():
    # lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/affiliate-creator/
    # get-open-collaboration-product-list-by-product-ids.spec.json: detail_link
    # "https://shop.tiktok.com/view/product/1729624807198591373?region=ID&local=en" (sale_region ID; the page
    # language `local=en` is left out)
    links = TikTokShopAdapter.listing_links(default_credentials("tiktokshop"), "1729624807198591373")
    assert [(link.label, link.url) for link in links] == [
        ("TikTok Shop", "https://shop.tiktok.com/view/product/1729624807198591373?region=ID")]


def test_shopee_live_link_is_not_made_up_where_the_docs_give_none():
    # congminh1254/shopee-sdk schemas/ hold no buyer-facing item address; shop 200001 / item ids of the samples
    assert ShopeeAdapter.listing_links({"shop_id": "200001"}, "3000141126") == ()


@pytest.mark.parametrize("dialect", CHANNELS)
def test_an_id_that_is_not_a_marketplace_id_gives_no_link(dialect):
    cls = ADAPTERS[dialect]
    for bad in ("", "12a", "../items", "1 2", "١٢٣"):
        assert cls.listing_links({}, bad, variant_ids={"X": "1"}) == ()
        assert cls.listing_links({}, bad, sandbox="http://127.0.0.1:9", variant_ids={"X": "1"}) == ()


@pytest.mark.parametrize("dialect", CHANNELS)
def test_sandbox_link_is_the_sandboxs_listing_page(dialect):
    links = ADAPTERS[dialect].listing_links(default_credentials(dialect), "100123", sandbox="http://127.0.0.1:8765/")
    assert [(link.label, link.url) for link in links] == [
        (LABELS[dialect], f"http://127.0.0.1:8765/_sandbox/listing/{dialect}/100123")]


# --- the sandbox's listing pages, after a real sync ----------------------------------------------------------

BAG = "TAS-01;Tas Anyaman Pandan & Rotan \"Lombok\";Kriya / Anyaman;Rp85.000;4;400;img/a.png;;;"


def _catalog(folder: Path, *, without: str | None = None) -> None:
    rows = [row for key, row in product_rows().items() if not key.startswith(without or "\0")]
    (folder / "katalog.csv").write_text("\n".join([HEADER, *rows, BAG]) + "\n", encoding="utf-8")


def _links(server: SandboxServer, state: Path) -> dict[tuple[str, str], str]:
    """(channel, product key) -> the sandbox page link of each bound listing, from the ledger's ids."""
    from connector.sync.ledger import Ledger

    ledger = Ledger(state / "ledger.sqlite")
    try:
        out = {}
        for channel in CHANNELS:
            for key, binding in ledger.bindings.all(channel).items():
                (link,) = ADAPTERS[channel].listing_links(default_credentials(channel), binding.external_id or "",
                                                          sandbox=server.url, variant_ids=binding.variant_ids)
                out[(channel, key)] = link.url
        return out
    finally:
        ledger.close()


def _sync(config: Path) -> None:
    from click.testing import CliRunner

    from connector.cli import main

    result = CliRunner().invoke(main, ["--config", str(config), "sync", "--format", "json"])
    assert result.exit_code == 0, result.output


def test_each_listing_link_answers_with_the_product_and_a_delisted_ones_is_dead(tmp_path, sandbox):
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(png(1))
    (tmp_path / "img" / "b.png").write_bytes(png(2))
    config = three_channel_config(tmp_path, sandbox.url)
    _catalog(tmp_path)
    _sync(config)
    links = _links(sandbox, tmp_path / "state")
    assert len(links) == 3 * 8  # six wallets, the shoe with three sizes, the bag: on each channel

    for (channel, key), url in links.items():
        page = requests.get(url, timeout=10)
        assert page.status_code == 200, (channel, key, page.text)
        assert page.headers["Content-Type"].startswith("text/html")
    bag = [url for (_, key), url in links.items() if key.endswith("TAS-01")]
    assert len(bag) == 3
    for url in bag:
        text = requests.get(url, timeout=10).text
        assert escape('Tas Anyaman Pandan & Rotan "Lombok"') in text
        assert "Rp85.000" in text and "LPUJI-TAS-01" in text
    shoe = [url for (_, key), url in links.items() if key.endswith("SPT")]
    for url in shoe:
        text = requests.get(url, timeout=10).text
        assert "Sepatu Pantofel Kulit Pria Hitam Asli" in text
        assert all(f"LPUJI-SPT-{size}" in text for size in (40, 41, 42))

    _catalog(tmp_path, without="DMP-03")
    _sync(config)
    for (channel, key), url in links.items():
        page = requests.get(url, timeout=10)
        if key.endswith("DMP-03"):
            assert page.status_code == 404, (channel, page.text)
            assert "tidak tersedia" in page.text and "Dompet" not in page.text
        else:
            assert page.status_code == 200, (channel, key)


def test_an_unknown_listing_or_dialect_answers_404_with_a_small_page(sandbox):
    for path in ("shopee/999999999", "nowhere/100001", "lazada/abc", "tiktokshop/", "tiktokshop/1/2"):
        page = requests.get(f"{sandbox.url}/_sandbox/listing/{path}", timeout=10)
        assert page.status_code == 404, path
        assert page.headers["Content-Type"].startswith("text/html")
        assert "<h1>Produk tidak tersedia</h1>" in page.text and len(page.content) < 2000


def test_a_planted_inactive_listing_has_no_page_and_an_active_one_has(sandbox):
    answer = requests.post(f"{sandbox.url}/_sandbox/items", json={"dialect": "shopee", "items": [
        {"seller_sku": "LPCKR-EMB-01", "name": "Ember Plastik 20 Liter <b>Hijau</b>", "price": 35_000, "stock": 9},
        {"seller_sku": "LPCKR-EMB-02", "name": "Ember Plastik 10 Liter", "price": 25_000, "stock": 0,
         "status": "inactive"}]}, timeout=10)
    active, inactive = answer.json()["item_ids"]
    shown = requests.get(f"{sandbox.url}/_sandbox/listing/shopee/{active}", timeout=10)
    assert shown.status_code == 200 and "Rp35.000" in shown.text and "LPCKR-EMB-01" in shown.text
    assert "<h1>Ember Plastik 20 Liter &lt;b&gt;Hijau&lt;/b&gt;</h1>" in shown.text  # escaped, never markup
    assert requests.get(f"{sandbox.url}/_sandbox/listing/shopee/{inactive}", timeout=10).status_code == 404


def test_a_tiktok_shop_product_still_in_audit_has_no_page_yet(tmp_path):
    """A new TikTok Shop product is PENDING while in review: no buyer sees it, so its link answers 404; the same
    product on Shopee, which reviews nothing in the sandbox, is live at once."""
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(png(1))
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.db", audit_seconds=3600) as server:
        config = three_channel_config(tmp_path, server.url)
        (tmp_path / "katalog.csv").write_text(f"{HEADER}\n{BAG}\n", encoding="utf-8")
        _sync(config)
        links = _links(server, tmp_path / "state")
        assert requests.get(links[("tiktokshop", "lapas-uji:TAS-01")], timeout=10).status_code == 404
        assert requests.get(links[("shopee", "lapas-uji:TAS-01")], timeout=10).status_code == 200
