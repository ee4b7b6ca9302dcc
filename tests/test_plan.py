"""Desired state and the plan: pure functions, tested without any I/O."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

from connector.adapters.base import Image
from connector.category_maps import CategoryMap
from connector.config import ChannelConfig, GuardsConfig, PriceRule, StockRule
from connector.schema import Maker, Product, SourceRef, Variant
from connector.sync.desired import channel_price, channel_stock, desired_listing, seller_sku
from connector.sync.guards import apply_guards
from connector.sync.kinds import DelistReason, Guard, ListingStatus, OpKind
from connector.sync.ledger.model import Binding
from connector.sync.plan import Plan, plan_channel

CREATE, CONTENT, PRICE, STOCK, DELIST, RELIST = (OpKind.CREATE, OpKind.CONTENT, OpKind.PRICE, OpKind.STOCK,
                                                 OpKind.DELIST, OpKind.RELIST)

CATEGORIES = CategoryMap({"fashion": 100416, "fashion/dompet": 100613}, "test map")


def product(sku: str = "DMP-01", price: int = 150_000, stock: int = 5, **changes) -> Product:
    values = dict(institution="lapas-uji", sku=sku, name="Dompet Kulit Sapi Asli Pria Coklat", description="Kulit.",
                  category="fashion/dompet", price=price, stock=stock, weight_g=120,
                  maker=Maker(credit="Karya WBP Lapas Uji"), source=SourceRef(file="k.csv", row=2))
    values.update(changes)
    return Product(**values)


def image(ref: str) -> Image:
    return Image(ref, ref, lambda: b"")


def desired(p: Product, channel: ChannelConfig | None = None, prefix: str | None = "LPUJI"):
    channel = channel or ChannelConfig(name="shopee", adapter="shopee")
    return desired_listing(p, channel=channel, categories=CATEGORIES, sku_prefix=prefix, image=image)


def test_price_rules_markup_round_and_bounds():
    assert channel_price(150_000, PriceRule(markup_percent=10, round_to=1000)) == 165_000
    assert channel_price(12_345, PriceRule(round_to=100)) == 12_300
    assert channel_price(12_350, PriceRule(round_to=100)) == 12_400  # half up
    assert channel_price(100, PriceRule(markup_percent=-50, round_to=1)) == 100  # never below the schema minimum
    assert channel_price(90_000, PriceRule(min=100_000)) == 100_000


def test_stock_rules_buffer_and_cap():
    assert channel_stock(5, StockRule(buffer=2)) == 3
    assert channel_stock(1, StockRule(buffer=2)) == 0
    assert channel_stock(500, StockRule(max=100)) == 100


def test_listing_uses_prefix_category_map_and_fallback():
    want = desired(product())
    assert want.listing.seller_sku == "LPUJI-DMP-01" and want.listing.category_id == 100613
    assert desired(product(category="fashion/sepatu")).listing.category_id == 100416
    assert seller_sku("X", None) == "X"


def test_variants_get_prefixed_skus_and_the_product_takes_the_lowest_price():
    p = product(variants=[Variant(sku="D-40", price=200_000, stock=1, options={"Ukuran": "40"}),
                          Variant(sku="D-41", price=180_000, stock=2, options={"Ukuran": "41"})])
    listing = desired(p).listing
    assert [v.seller_sku for v in listing.variants] == ["LPUJI-D-40", "LPUJI-D-41"]
    assert (listing.price, listing.stock) == (180_000, 3)
    assert listing.sku_prices() == {"LPUJI-D-40": 200_000, "LPUJI-D-41": 180_000}


def test_delist_at_zero_makes_an_empty_product_inactive():
    channel = ChannelConfig(name="shopee", adapter="shopee", stock=StockRule(delist_at_zero=True))
    assert desired(product(stock=0), channel).active is False
    assert desired(product(stock=0)).active is True  # default: stay listed, out of stock


def acknowledged(want, **changes) -> Binding:
    b = Binding("shopee", want.listing.key, "lapas-uji", want.listing.seller_sku, "800000001", {}, ListingStatus.ACTIVE,
                want.content_fp, want.listing.sku_prices(), want.listing.sku_stock())
    return replace(b, **changes)


def kinds(plan: Plan) -> list[tuple[str, str]]:
    return sorted((op.kind, op.key) for op in plan.ops)


def plan(desired_by_key, bindings, readable=("lapas-uji",), untouchable=(), only=None) -> Plan:
    return plan_channel("shopee", desired_by_key, bindings, readable=set(readable), untouchable=set(untouchable),
                        only=only)


def test_new_product_is_created_and_an_acknowledged_one_needs_nothing():
    want = desired(product())
    assert kinds(plan({want.listing.key: want}, {})) == [(CREATE, "lapas-uji:DMP-01")]
    assert kinds(plan({want.listing.key: want}, {want.listing.key: acknowledged(want)})) == []


def test_each_aspect_change_is_its_own_operation():
    before = desired(product())
    key = before.listing.key
    binding = acknowledged(before)
    assert kinds(plan({key: desired(product(stock=7))}, {key: binding})) == [(STOCK, key)]
    assert kinds(plan({key: desired(product(price=160_000))}, {key: binding})) == [(PRICE, key)]
    assert kinds(plan({key: desired(product(name="Dompet Kulit Domba Asli Pria Hitam"))}, {key: binding})) == [
        (CONTENT, key)]


def test_a_product_that_left_the_catalog_is_delisted_and_relisted_when_back():
    want = desired(product())
    key = want.listing.key
    gone = plan({}, {key: acknowledged(want)})
    assert kinds(gone) == [(DELIST, key)] and gone.ops[0].reason == DelistReason.LEFT_CATALOG
    back = plan({key: want}, {key: acknowledged(want, status=ListingStatus.INACTIVE)})
    assert kinds(back) == [(RELIST, key)]


def test_unreadable_catalogs_and_refused_rows_never_delist():
    want = desired(product())
    bindings = {want.listing.key: acknowledged(want)}
    assert kinds(plan({}, bindings, readable=())) == []
    assert kinds(plan({}, bindings, untouchable=[want.listing.key])) == []


def test_content_refused_by_the_channel_is_not_retried_until_it_changes():
    want = desired(product())
    refused = Binding("shopee", want.listing.key, "lapas-uji", want.listing.seller_sku, invalid_fp=want.content_fp,
                      last_error="category not allowed")
    p = plan({want.listing.key: want}, {want.listing.key: refused})
    assert p.ops == [] and p.skipped[0].why == "refused by the channel: category not allowed"
    changed = desired(product(name="Dompet Kulit Sapi Asli Pria Coklat Tua"))
    assert kinds(plan({want.listing.key: changed}, {want.listing.key: refused})) == [(CREATE, want.listing.key)]


def test_only_restricts_the_aspects():
    before = desired(product())
    key = before.listing.key
    after = desired(product(price=160_000, stock=9, name="Dompet Kulit Domba Asli Pria Hitam"))
    assert kinds(plan({key: after}, {key: acknowledged(before)}, only={"stock", "price"})) == [(PRICE, key),
                                                                                                (STOCK, key)]


def listings(n: int) -> dict:
    return {f"lapas-uji:P{i}": desired(product(f"P{i}")) for i in range(n)}


def test_mass_delist_is_held_and_a_single_delist_is_not():
    wants = listings(10)
    bindings = {k: acknowledged(w) for k, w in wants.items()}
    guards = GuardsConfig(max_delist_percent=20)
    truncated = apply_guards(plan(dict(list(wants.items())[:5]), bindings), bindings, guards)
    assert truncated.ops == [] and len(truncated.held) == 5 and truncated.held[0].guard == Guard.MASS_DELIST
    one_less = apply_guards(plan(dict(list(wants.items())[:9]), bindings), bindings, guards)
    assert [op.kind for op in one_less.ops] == [DELIST] and one_less.held == []


def test_price_crash_is_held_for_that_item_only():
    wants = listings(2)
    bindings = {k: acknowledged(w) for k, w in wants.items()}
    typo = dict(wants, **{"lapas-uji:P0": desired(product("P0", price=15_000))})
    fine = dict(typo, **{"lapas-uji:P1": desired(product("P1", price=140_000))})
    guarded = apply_guards(plan(fine, bindings), bindings, GuardsConfig(max_price_drop_percent=50))
    assert [(op.kind, op.key) for op in guarded.ops] == [(PRICE, "lapas-uji:P1")]
    assert [h.op.key for h in guarded.held] == ["lapas-uji:P0"] and "90%" in guarded.held[0].message


def test_listing_carries_the_credit_line():
    listing = desired(product()).listing
    assert listing.description == "Kulit.\n\nKarya WBP Lapas Uji."


def test_refused_new_variants_hold_back_their_prices_and_stock_too():
    p = product(variants=[Variant(sku="D-40", price=200_000, stock=1, options={"Ukuran": "40"})])
    want = desired(p)
    bound = Binding("shopee", want.listing.key, "lapas-uji", want.listing.seller_sku, "800000001", {},
                    ListingStatus.ACTIVE, None, None, None, invalid_fp=want.content_fp,
                    last_error="variation name refused")
    result = plan({want.listing.key: want}, {want.listing.key: bound})
    assert result.ops == [] and result.skipped[0].why == "refused by the channel: variation name refused"
    plain = desired(product())  # a refused name change still lets price and stock through
    named = acknowledged(plain, content_fp="older", invalid_fp=plain.content_fp, stock={"LPUJI-DMP-01": 1})
    assert kinds(plan({plain.listing.key: plain}, {plain.listing.key: named})) == [(STOCK, plain.listing.key)]


def test_a_product_whose_create_is_unsettled_gets_no_operation_at_all():
    want = desired(product())
    result = plan_channel("shopee", {want.listing.key: want}, {}, readable={"lapas-uji"}, untouchable=set(),
                          unsettled={want.listing.key})
    assert result.ops == [] and "still unknown" in result.skipped[0].why
    bound = {want.listing.key: acknowledged(want)}
    gone = plan_channel("shopee", {}, bound, readable={"lapas-uji"}, untouchable=set(), unsettled={want.listing.key})
    assert gone.ops == []  # nor a delist


def test_out_of_stock_delists_are_not_a_mass_delist():
    channel = ChannelConfig(name="shopee", adapter="shopee", stock=StockRule(delist_at_zero=True))
    wants = listings(10)
    bindings = {k: acknowledged(w) for k, w in wants.items()}
    empty = {k: desired(product(k.split(":")[1], stock=0), channel) for k in wants}
    guarded = apply_guards(plan(empty, bindings), bindings, GuardsConfig(max_delist_percent=20))
    delists = [op for op in guarded.ops if op.kind == DELIST]
    assert guarded.held == [] and len(delists) == 10
    assert {op.reason for op in delists} == {DelistReason.OUT_OF_STOCK}


def test_the_mass_delist_guard_goes_by_the_delist_reason_not_the_message():
    wants = listings(10)
    bindings = {k: acknowledged(w) for k, w in wants.items()}
    leaving = plan(dict(list(wants.items())[:5]), bindings)
    leaving.ops = [replace(op, reason=DelistReason.OUT_OF_STOCK) for op in leaving.ops]
    assert apply_guards(leaving, bindings, GuardsConfig(max_delist_percent=20)).held == []


def test_desired_state_plan_and_guards_import_nothing_that_touches_sqlite_or_http():
    code = ("import sys; import connector.sync.desired, connector.sync.plan, connector.sync.guards;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in"
            " ('sqlite3', '_sqlite3', 'sqlite_utils', 'requests', 'urllib3', 'httpx', 'http', 'aiohttp')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
