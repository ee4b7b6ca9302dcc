"""The sync's steps one at a time: catalogs, what each channel can list, units sold, desired state, the run's
status and its exit code. Pure steps get plain data; the others a real ledger file and real catalogs."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime

import pytest

from connector.adapters.base import Image
from connector.catalog.validation import Catalogs
from connector.category_maps import CategoryMap, CategoryMapError
from connector.cli import EXIT_HELD, EXIT_OK, EXIT_PROBLEMS, SYNC_EXIT_CODES
from connector.config import ChannelConfig, StockRule, load_config
from connector.schema import Maker, Product, SourceRef, Variant
from connector.sync.catalogs import CatalogReading, Offer, read_catalogs
from connector.sync.desired import desired_state, product_parts
from connector.sync.executor import ChannelResult, ItemCount
from connector.sync.kinds import Guard, ItemOutcome, OpKind, RunStatus
from connector.sync.ledger import Ledger
from connector.sync.ledger.model import SaleLine
from connector.sync.listable import listable, sku_clashes
from connector.sync.plan import Held, Op, Plan
from connector.sync.result import SyncResult, Unlisted
from connector.sync.run import run_outcome
from connector.sync.sold import sold_units
from tests.helpers import Shop

CATEGORIES = CategoryMap({"fashion": 100416}, "test map")
SHOPEE = ChannelConfig(name="shopee", adapter="shopee")


def product(sku: str, institution: str = "lapas-a", category: str = "fashion/dompet", stock: int = 5,
            variants: tuple[tuple[str, int], ...] = ()) -> Product:
    return Product(institution=institution, sku=sku, name="Dompet Kulit Sapi Asli Pria Coklat", description="Kulit.",
                   category=category, price=150_000, stock=stock, weight_g=120,
                   maker=Maker(credit="Karya WBP"), source=SourceRef(file="k.csv", row=2),
                   variants=[Variant(sku=s, price=150_000, stock=n, options={"Ukuran": s}) for s, n in variants])


def offer(p: Product, prefix: str | None = None, channels: tuple[str, ...] = ("shopee",)) -> Offer:
    return Offer(p, product_parts(p, lambda ref: Image(ref, ref, lambda: b"")), prefix, channels)


def reading(*offers: Offer) -> CatalogReading:
    return CatalogReading(offers=list(offers), readable={"lapas-a", "lapas-b"}, untouchable={"shopee": set()})


# -- what each channel can list ---------------------------------------------------------------------------------

def test_two_products_sharing_a_seller_sku_are_both_held_back_naming_each_other():
    got = listable(reading(offer(product("DMP-01")), offer(product("DMP-01", institution="lapas-b")),
                           offer(product("DMP-02"))), SHOPEE, CATEGORIES)
    assert list(got.candidates) == ["lapas-a:DMP-02"]
    why = "seller SKU clash on shopee: lapas-b:DMP-01 and lapas-a:DMP-01 (set sku_prefix to separate them)"
    assert got.invalid == [
        Unlisted("shopee", "lapas-b", "lapas-b:DMP-01", why, "seller_sku_clash", {}, "k.csv", 2, "sku", "DMP-01"),
        Unlisted("shopee", "lapas-a", "lapas-a:DMP-01", why, "seller_sku_clash", {}, "k.csv", 2, "sku", "DMP-01")]
    assert [u.params for u in got.invalid] == [{"other": "lapas-a:DMP-01"}, {"other": "lapas-b:DMP-01"}]
    assert "lapas-a:DMP-01" in got.invalid[0].message("id") and "sku_prefix" in got.invalid[0].message("id")
    assert got.untouchable == {"lapas-a:DMP-01", "lapas-b:DMP-01"}  # their listings stay as they are


def test_a_variant_sku_clashes_with_another_products_sku_and_a_prefix_separates_them():
    shoe = product("SPT", variants=(("SPT-40", 1), ("DMP-01", 2)))
    assert sku_clashes([("a:DMP-01", ["DMP-01"]), ("a:SPT", ["SPT", "SPT-40", "DMP-01"])]) == [("a:SPT", "a:DMP-01")]
    assert sku_clashes([("a:1", ["X"]), ("b:1", ["X"]), ("c:1", ["X"])]) == [("b:1", "a:1"), ("c:1", "a:1")]
    assert sku_clashes([("a:1", ["LPA-DMP-01"]), ("b:1", ["lpa-dmp-01"])]) == [("b:1", "a:1")]  # case is ignored
    got = listable(reading(offer(product("DMP-01"), "A"), offer(shoe, "B")), SHOPEE, CATEGORIES)
    assert list(got.candidates) == ["lapas-a:DMP-01", "lapas-a:SPT"] and got.invalid == []


def test_a_product_without_a_category_or_an_image_or_a_category_map_is_not_listed_there():
    missing = Offer(product("DMP-02"), OSError("img/x.png: gone"), None, ("shopee",))
    elsewhere = offer(product("DMP-03"), channels=("lazada",))
    got = listable(reading(offer(product("DMP-01", category="makanan/kue")), missing, elsewhere), SHOPEE, CATEGORIES)
    assert got.candidates == {}
    assert [(u.key, u.why) for u in got.invalid] == [("lapas-a:DMP-01", "no category id for makanan/kue in test map"),
                                                      ("lapas-a:DMP-02", "img/x.png: gone")]
    assert [(u.reason, u.column, u.value) for u in got.invalid] == [
        ("category_unmapped", "category", "makanan/kue"), ("image_unreadable", "images", None)]
    assert got.invalid[0].message("id") == "shopee: kategori makanan/kue belum dipetakan di test map"
    broken = listable(reading(offer(product("DMP-01"))), SHOPEE, CategoryMapError("cannot read map.yaml"))
    assert [(u.key, u.why, u.reason) for u in broken.invalid] == [
        ("lapas-a:DMP-01", "cannot read map.yaml", "category_map_unreadable")]


# -- desired state ----------------------------------------------------------------------------------------------

def test_desired_state_takes_the_units_sold_off_each_stock_figure_before_the_channels_rules():
    shoe = product("SPT", variants=(("SPT-40", 4), ("SPT-41", 2)))
    got = listable(reading(offer(product("DMP-01", stock=5), "LP"), offer(shoe, "LP")), SHOPEE, CATEGORIES)
    channel = ChannelConfig(name="shopee", adapter="shopee", stock=StockRule(buffer=1, delist_at_zero=True))
    sold = {"lapas-a:DMP-01": 7, "lapas-a:SPT-40": 1}
    desired = desired_state(got.candidates, channel, sold)
    assert desired["lapas-a:DMP-01"].stock == {"LP-DMP-01": 0} and not desired["lapas-a:DMP-01"].active
    assert desired["lapas-a:SPT"].stock == {"LP-SPT-40": 2, "LP-SPT-41": 1}
    assert desired["lapas-a:SPT"].listing.stock == 3
    assert desired_state(got.candidates, channel)["lapas-a:DMP-01"].stock == {"LP-DMP-01": 4}  # nothing sold


# -- catalogs -------------------------------------------------------------------------------------------------

def test_the_catalog_step_keeps_refused_rows_listings_and_knows_which_catalogs_were_read(tmp_path):
    shop = Shop(tmp_path, "http://127.0.0.1:9")
    shop.rows["DMP-01"] = shop.rows["DMP-01"].replace("Rp151.000", "gratis")
    shop.write()
    config = load_config(shop.config)
    got = read_catalogs(Catalogs(config), (), config.channels, lambda ref: Image(ref, ref, lambda: b""))
    assert got.readable == {"lapas-uji"} and got.untouchable == {"shopee": {"lapas-uji:DMP-01"}}
    assert [r.sku for r in got.all_rejects()] == ["DMP-01"]
    assert {o.product.key for o in got.offers} == {"lapas-uji:DMP-00", *(f"lapas-uji:DMP-0{i}" for i in range(2, 6)),
                                                   "lapas-uji:SPT"}
    (tmp_path / "katalog.csv").unlink()
    gone = read_catalogs(Catalogs(config), (), config.channels, lambda ref: Image(ref, ref, lambda: b""))
    assert gone.readable == set() and gone.offers == []


# -- units sold -----------------------------------------------------------------------------------------------

@pytest.fixture
def ledger(tmp_path):
    with closing(Ledger(tmp_path / "ledger.sqlite")) as ledger:
        yield ledger


def bases(ledger: Ledger) -> list:
    with closing(sqlite3.connect(ledger.path)) as conn:
        return conn.execute("SELECT stock_key, stock FROM stock_basis ORDER BY stock_key").fetchall()


def no_adapter(channel: ChannelConfig):
    raise AssertionError(f"a dry run pulls no orders ({channel.name})")


def test_units_sold_count_recorded_orders_and_a_dry_run_counts_the_same_without_writing(ledger):
    candidates = {"shopee": listable(reading(offer(product("DMP-01", stock=5))), SHOPEE, CATEGORIES).candidates}
    assert sold_units([SHOPEE], candidates, ledger, no_adapter, None, dry_run=True) == {}
    assert bases(ledger) == []  # the first reading sets the basis only in a real run
    ledger.orders.sold_since_basis({"lapas-a:DMP-01": 5})
    at = datetime(2025, 1, 2, tzinfo=UTC).isoformat()
    ledger.orders.record("shopee", [SaleLine("shopee", "1", "DMP-01", "lapas-a", "lapas-a:DMP-01", 2, "placed", at)],
                         "c")
    assert sold_units([SHOPEE], candidates, ledger, no_adapter, None, dry_run=True) == {"lapas-a:DMP-01": 2}
    restocked = {"shopee": listable(reading(offer(product("DMP-01", stock=9))), SHOPEE, CATEGORIES).candidates}
    assert sold_units([SHOPEE], restocked, ledger, no_adapter, None, dry_run=True) == {}  # the new figure counts
    assert bases(ledger) == [("lapas-a:DMP-01", 5)]


# -- the run's status and exit code ---------------------------------------------------------------------------

def test_a_run_is_held_before_it_has_problems_and_the_cli_maps_what_it_came_to_onto_exit_codes():
    clean = SyncResult("r", channels=[ChannelResult("shopee")])
    failed = ChannelResult("shopee")
    failed.counts[ItemCount("lapas-a", OpKind.STOCK, ItemOutcome.FAILED)] += 1
    held = Plan("shopee", held=[Held(Op(OpKind.PRICE, "shopee", "k", "lapas-a"), Guard.PRICE_DROP, "typo?")])
    assert run_outcome(clean) == RunStatus.OK
    assert run_outcome(SyncResult("r", channels=[failed])) == RunStatus.PROBLEMS
    assert run_outcome(SyncResult("r", invalid=[Unlisted("shopee", "lapas-a", "k", "no category")])) == \
        RunStatus.PROBLEMS
    assert run_outcome(SyncResult("r", plans=[held], channels=[failed])) == RunStatus.HELD
    assert run_outcome(SyncResult("r", channels=[ChannelResult("shopee", stopped="auth")])) == RunStatus.PROBLEMS
    assert [SYNC_EXIT_CODES[s] for s in (RunStatus.OK, RunStatus.PROBLEMS, RunStatus.HELD)] == \
        [EXIT_OK, EXIT_PROBLEMS, EXIT_HELD] == [0, 1, 3]
