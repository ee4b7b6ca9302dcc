"""Filling a channel's category attributes from a product (pure): data, then defaults, then neutral values."""

from __future__ import annotations

from datetime import date

from connector.adapters.base import AttributeInput, AttributeOption, CategoryAttribute, ChannelCategory
from connector.category_maps import CategoryMap
from connector.schema import FoodPermit, Maker, Product, SourceRef
from connector.sync.attributes import Unfilled, fill_attributes, resolve
from connector.sync.rules import ChannelRules

LEATHER = (AttributeOption("1", "Kulit"), AttributeOption("2", "Kulit Sintetis"), AttributeOption("3", "Kanvas"))
MATERIAL = CategoryAttribute("100134", "Bahan", True, LEATHER, custom=False)
ORIGIN = CategoryAttribute("100037", "Negara Asal", True, (AttributeOption("9", "Indonesia"),), custom=False)
EXPIRY = CategoryAttribute("100999", "Tanggal Kedaluwarsa", True, input=AttributeInput.DATE)
STYLE = CategoryAttribute("100500", "Gaya", False, (AttributeOption("5", "Kasual"),), custom=False)
MAP = CategoryMap({"fashion": 1, "culinary": 2}, "shopee.yaml",
                  sources={"Bahan": "material", "100037": "origin", "tanggal kedaluwarsa": "expiry"},
                  defaults={"fashion": {"Bahan": "Kanvas"}, "fashion/dompet": {"bahan": "Kulit"}})
PERMIT = FoodPermit(kind="pirt", number="1234567890123-45")


def product(**changes) -> Product:
    values = dict(institution="lapas-uji", sku="DMP-01", name="Dompet Kulit Sapi Asli Pria Coklat", description="",
                  category="fashion/dompet", price=150_000, stock=5, weight_g=120,
                  maker=Maker(credit="Karya WBP Lapas Uji"), source=SourceRef(file="k.csv", row=2))
    values.update(changes)
    return Product(**values)


def test_the_products_own_data_comes_first_and_is_matched_to_an_option():
    filled = fill_attributes(product(material="Kulit Sapi Asli"), (MATERIAL, ORIGIN), MAP, {})
    assert [(a.attribute_id, a.value, a.option_id) for a in filled] == [("100134", "Kulit", "1"),
                                                                         ("100037", "Indonesia", "9")]


def test_the_longest_option_named_in_the_text_wins():
    assert resolve(MATERIAL, "kulit sintetis premium").option_id == "2"
    assert resolve(MATERIAL, "Rotan") is None  # no such option, and the attribute takes no custom value


def test_without_data_the_category_default_then_the_top_categorys_serves():
    assert fill_attributes(product(), (MATERIAL,), MAP, {})[0].value == "Kulit"
    assert fill_attributes(product(category="fashion/tas"), (MATERIAL,), MAP, {})[0].value == "Kanvas"


def test_a_neutral_value_serves_last_and_an_optional_attribute_is_sent_only_when_filled():
    unmapped = CategoryMap({"fashion": 1}, "m.yaml")
    filled = fill_attributes(product(), (ORIGIN, STYLE), unmapped, {"negara asal": "Indonesia"})
    assert [a.attribute_id for a in filled] == ["100037"]


def test_an_unfillable_mandatory_attribute_names_itself_the_category_and_where_to_add_it():
    coffee = product(category="culinary/kopi", food_permit=PERMIT)
    unfilled = fill_attributes(coffee, (EXPIRY,), MAP, {}, channel="shopee", category_id=2,
                               category_name="Makanan > Kopi")
    assert isinstance(unfilled, Unfilled)
    assert (unfilled.attribute, unfilled.attribute_id, unfilled.column, unfilled.value) == (
        "Tanggal Kedaluwarsa", "100999", "expiry", None)
    why = unfilled.why
    assert "Tanggal Kedaluwarsa" in why and "100999" in why and "2 (Makanan > Kopi)" in why
    assert "expiry date" in why and "culinary/kopi" in why and "shopee.yaml" in why


def test_a_value_that_is_no_option_is_refused_with_the_accepted_ones():
    strict = CategoryMap({"fashion": 1}, "m.yaml", defaults={"fashion": {"Bahan": "Emas"}})
    unfilled = fill_attributes(product(), (MATERIAL,), strict, {})
    assert isinstance(unfilled, Unfilled)
    assert "'Emas'" in unfilled.why and "accepted: Kulit, Kulit Sintetis, Kanvas" in unfilled.why


def test_a_date_attribute_takes_the_expiry_as_an_iso_date():
    coffee = product(category="culinary/kopi", expiry=date(2027, 3, 1), food_permit=PERMIT)
    filled = fill_attributes(coffee, (EXPIRY,), MAP, {})
    assert filled[0].value == "2027-03-01" and filled[0].option_id is None
    assert resolve(EXPIRY, "besok") is None


def test_rules_say_when_a_mapped_category_is_missing_or_not_a_leaf():
    tree = {"1": ChannelCategory("1", "Fashion", None, False), "2": ChannelCategory("2", "Dompet", "1", True)}
    rules = ChannelRules("shopee", tree)
    assert rules.category_problem(2) is None
    assert "not a leaf" in rules.category_problem(1)
    assert "not in shopee's category tree" in rules.category_problem(3)
    assert rules.path(2) == "Fashion > Dompet"


def test_a_category_map_names_only_pasindo_fields_and_categories(tmp_path):
    import pytest

    from connector.category_maps import CategoryMapError, read_category_map

    good = tmp_path / "good.yaml"
    good.write_text("categories: {fashion: 1}\nattributes: {Bahan: material, 100037: origin}\n"
                    "defaults: {fashion/dompet: {Bahan: Kulit}}\n", encoding="utf-8")
    loaded = read_category_map(good)
    assert loaded.sources == {"Bahan": "material", "100037": "origin"}
    assert loaded.defaults == {"fashion/dompet": {"Bahan": "Kulit"}}
    bad = tmp_path / "bad.yaml"
    bad.write_text("categories: {fashion: 1}\nattributes: {Bahan: materiaal}\ndefaults: {fashon: {Bahan: Kulit}}\n",
                   encoding="utf-8")
    with pytest.raises(CategoryMapError) as err:
        read_category_map(bad)
    assert any("attributes.Bahan" in p and "did you mean material" in p for p in err.value.problems)
    assert any("defaults.fashon" in p and "not a PASINDO category" in p for p in err.value.problems)


def test_rules_are_kept_for_a_day_and_a_failed_refresh_serves_what_was_kept(tmp_path, sandbox, adapters):
    import requests

    from connector.adapters.shopee import ShopeeAdapter
    from connector.sandbox import default_credentials
    from connector.sync.ledger import Ledger
    from connector.sync.rules import MAX_AGE, load_rules
    from tests.helpers import dead_endpoint

    def reads() -> int:
        counted = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()["requests"]
        return sum(n for path, n in counted.items() if "get_category" in path or "get_attribute" in path)

    ledger = Ledger(tmp_path / "state" / "ledger.sqlite")
    live = adapters(ShopeeAdapter, "shopee", default_credentials("shopee"), sandbox)
    try:
        first = load_rules(live, ledger.facts, [100613], clock=lambda: 1_000.0)
        assert reads() >= 2 and first.category_problem(100613) is None and first.attributes["100613"]
        before = reads()
        again = load_rules(live, ledger.facts, [100613], clock=lambda: 1_000.0 + MAX_AGE - 1)
        assert reads() == before and again.attributes == first.attributes  # fresh: the ledger serves
        gone = ShopeeAdapter("shopee", dead_endpoint(), default_credentials("shopee"), tokens=ledger.tokens,
                             media=ledger.media, options={"retry": {"attempts": 1}})
        try:
            stale = load_rules(gone, ledger.facts, [100613], clock=lambda: 1_000.0 + MAX_AGE + 1)
        finally:
            gone.close()
        assert stale.tree == first.tree and stale.attributes == first.attributes  # unreachable: what was kept
    finally:
        ledger.close()


def test_attributes_filled_once_per_run_answer_as_filling_each_product_does():
    """`Fills` keeps a channel's fills by what they read of a product: the same answer as `fill_attributes` for
    every product, whatever the order, and a new answer when a value it reads differs."""
    from connector.sync.listable import Fills

    tree = {"1": ChannelCategory("1", "Dompet", None, True), "2": ChannelCategory("2", "Kopi", None, True)}
    rules = ChannelRules("shopee", tree, {"1": (MATERIAL, ORIGIN, STYLE), "2": (EXPIRY, ORIGIN)})
    products = [product(material="Kulit Sapi"), product(material="kanvas tebal", weight_g=999), product(),
                product(material="Kulit Sapi", weight_g=300, sku="DMP-02"), product(material="Rotan"),
                product(category="fashion/tas"),
                product(category="culinary/kopi", food_permit=PERMIT, expiry=date(2027, 1, 5)),
                product(category="culinary/kopi", food_permit=PERMIT, expiry=date(2027, 2, 1)),
                product(category="culinary/kopi", food_permit=PERMIT)]
    fills = Fills()
    for p in products + products[::-1]:
        cid = 2 if p.category.startswith("culinary") else 1
        assert fills.get(p, cid, MAP, rules, "NTB") == fill_attributes(
            p, rules.attributes[str(cid)], MAP, {}, province="NTB", channel="shopee", category_id=cid,
            category_name=rules.path(cid)), p
    dates = {fills.get(p, 2, MAP, rules, "NTB") for p in products[-3:]}
    assert len(dates) == 3 and any(isinstance(d, Unfilled) for d in dates)  # each expiry its own answer
    other = ChannelRules("shopee", tree, {"1": (STYLE,)})  # rules read again: nothing kept from the old ones
    assert fills.get(products[0], 1, MAP, other, "NTB") == ()
