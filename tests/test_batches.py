"""A run works a batch of institutions at a time (`connector/sync/batch.py`): with one institution per batch it
creates everything once, plans what a run of one batch plans, delists what left a catalog, guards each
institution, counts the orders of every batch's products, keeps going on the other channels when one stops, and
sees a seller SKU shared by two batches. Real catalog files as staff write them, a real ledger, three channels of
the sandbox over loopback HTTP."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import requests

from connector import logs
from connector.config import load_config
from connector.sandbox import default_credentials
from connector.sync.kinds import OpKind
from connector.sync.result import SyncResult
from connector.sync.run import Sync, SyncOptions
from tests.helpers import CHANNELS, HEADER, png, shown_stock

# Four institutions of different sizes, their catalogs as staff keep them (rupiah with dots, a variant group).
INSTITUTIONS = {
    "lapas-mojokerto": ("LPMJK", [("DMP", "Dompet Kulit Sapi Asli Pria", "Fashion / Dompet", 3)]),
    "lapas-cikarang": ("LPCKR", [("RTG", "Rantang Plastik Susun Tiga Motif Bunga", "Kerajinan", 2)]),
    "lapas-mataram": ("LPMTR", [("CKL", "Kotak Perhiasan Cukli Lombok Kayu Mahoni", "Kerajinan > Cukli", 4)]),
    "lpka-tangerang": ("LPKATG", [("TAS", "Tas Anyaman Pandan Wanita Motif Etnik", "Fashion/Tas", 1)]),
}


def catalog_rows(code: str, prefix: str, products: list[tuple[str, str, str, int]]) -> list[str]:
    rows = []
    for sku, name, category, count in products:
        for i in range(count):
            rows.append(f"{sku}-{i:02d};{name} Model {i:02d};{category};Rp{150 + i}.000;{10 + i};250;img/a.png;;;")
    rows += [f"SPT-{size};Sepatu Pantofel Kulit Pria Hitam {code};Fashion/Sepatu;275.000;3;900;img/a.png;SPT;"
             f"Ukuran;{size}" for size in (40, 41)]
    return rows


def make_config(folder: Path, url: str, *, prefixes: dict[str, str | None] | None = None,
                credentials: dict[str, dict[str, str]] | None = None) -> Path:
    (folder / "img").mkdir(exist_ok=True)
    (folder / "img" / "a.png").write_bytes(png(3))
    entries = []
    for code, (prefix, products) in INSTITUTIONS.items():
        prefix = (prefixes or {}).get(code, prefix)
        write_catalog(folder, code, catalog_rows(code, prefix or "", products))
        entries.append(f"  - code: {code}\n    name: {code.replace('-', ' ').title()}\n    type: "
                       f"{code.split('-')[0]}\n    catalog: {{path: {code}.csv}}\n"
                       + (f"    sku_prefix: {prefix}\n" if prefix else ""))
    given = credentials or {}
    channels = "".join(
        f"  - name: {name}\n    adapter: {name}\n    endpoint: {url}\n    credentials: "
        f"{json.dumps({**default_credentials(name), **given.get(name, {})})}\n" for name in CHANNELS)
    config = folder / "pasindo.yaml"
    config.write_text(f"state_dir: state\ninstitutions:\n{''.join(entries)}channels:\n{channels}", encoding="utf-8")
    return config


def write_catalog(folder: Path, code: str, rows: list[str]) -> None:
    (folder / f"{code}.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def run(config: Path, *, batch: int = 1, **options) -> SyncResult:
    sync = Sync(load_config(config), SyncOptions(**options), log=logs.get_logger(), batch_products=batch)
    try:
        return sync.run()
    finally:
        sync.close()


def planned(result: SyncResult) -> list[tuple[str, str, str]]:
    return sorted((p.channel, op.kind, op.key) for p in result.plans for op in p.ops)


def done(result: SyncResult) -> Counter[tuple[str, str]]:
    """(channel, operation) -> items that went through."""
    out: Counter[tuple[str, str]] = Counter()
    for (_, ch, op, outcome), n in result.counts().items():
        if outcome == "ok":
            out[(ch, op)] += n
    return out


def items(url: str, dialect: str) -> list[dict]:
    return requests.get(f"{url}/_sandbox/items", params={"dialect": dialect}, timeout=10).json()["items"]


def products_in(folder: Path) -> int:
    return sum(len(catalog_rows(c, p, products)) - 1 for c, (p, products) in INSTITUTIONS.items())  # 2 sizes: 1


def test_many_batches_create_everything_once_then_skip_then_delist_what_left(tmp_path, sandbox):
    config = make_config(tmp_path, sandbox.url)
    first = run(config)
    assert first.status == "ok", first.counts()
    total = products_in(tmp_path)
    for name in CHANNELS:
        listed = items(sandbox.url, name)
        skus = [i["seller_sku"] or ",".join(sorted(v["seller_sku"] for v in i["variants"])) for i in listed]
        assert len(skus) == total and len(set(skus)) == total  # every product once, none twice
        assert done(first)[(name, OpKind.CREATE)] == total
    again = run(config)
    assert again.skipped == sorted(INSTITUTIONS) and planned(again) == [] and again.status == "ok"
    rows = catalog_rows("lapas-mataram", "LPMTR", INSTITUTIONS["lapas-mataram"][1])
    write_catalog(tmp_path, "lapas-mataram", [r for r in rows if not r.startswith("CKL-03;")])
    left = run(config)
    assert left.skipped == sorted(set(INSTITUTIONS) - {"lapas-mataram"})
    assert planned(left) == [(name, OpKind.DELIST, "lapas-mataram:CKL-03") for name in sorted(CHANNELS)]
    assert [i["status"] for name in CHANNELS for i in items(sandbox.url, name)
            if i["seller_sku"] == "LPMTR-CKL-03"] == ["inactive"] * 3


def test_a_run_of_many_batches_plans_what_a_run_of_one_batch_plans(tmp_path, sandbox):
    config = make_config(tmp_path, sandbox.url)
    # a first sync, never linked: each batch is linked against the channel's listings as it comes
    assert planned(run(config, dry_run=True)) == planned(run(config, dry_run=True, batch=10_000))
    run(config)
    for code, price, kept in (("lapas-cikarang", "Rp199.000", 2), ("lpka-tangerang", "Rp99.000", 1)):
        prefix, products = INSTITUTIONS[code]
        rows = catalog_rows(code, prefix, products)  # cikarang's second row gone, tangerang's all kept
        write_catalog(tmp_path, code, [rows[0].replace("Rp150.000", price), *rows[kept:]])
    many = planned(run(config, dry_run=True))
    assert many == planned(run(config, dry_run=True, batch=10_000))
    assert {(kind, key) for _, kind, key in many} == {
        (OpKind.PRICE, "lapas-cikarang:RTG-00"), (OpKind.DELIST, "lapas-cikarang:RTG-01"),
        (OpKind.PRICE, "lpka-tangerang:TAS-00")}


def test_the_mass_delist_guard_holds_one_institution_and_lets_the_others_go(tmp_path, sandbox):
    config = make_config(tmp_path, sandbox.url)
    run(config)
    write_catalog(tmp_path, "lapas-mataram", catalog_rows("lapas-mataram", "LPMTR", INSTITUTIONS["lapas-mataram"][1])
                  [:1])  # 4 of 5 listings gone at once: is the catalog complete?
    prefix, products = INSTITUTIONS["lapas-mojokerto"]
    write_catalog(tmp_path, "lapas-mojokerto", catalog_rows("lapas-mojokerto", prefix, products)[1:])
    result = run(config)
    assert result.status == "held"
    assert {(h.op.institution, h.guard) for h in result.held} == {("lapas-mataram", "mass_delist")}
    assert done(result)[("shopee", OpKind.DELIST)] == 1  # mojokerto's one product that left
    assert [i["status"] for i in items(sandbox.url, "shopee") if i["seller_sku"] == "LPMJK-DMP-00"] == ["inactive"]


def test_units_sold_of_a_later_batchs_product_lower_every_channel(tmp_path, sandbox):
    config = make_config(tmp_path, sandbox.url)
    run(config)
    sku = "LPKATG-TAS-00"  # the last institution's: its batch is read after the orders are pulled
    assert shown_stock(sandbox.url, sku) == dict.fromkeys(CHANNELS, 10)
    answer = requests.post(f"{sandbox.url}/_sandbox/orders", json={"dialect": "lazada", "seller_sku": sku,
                                                                   "quantity": 3}, timeout=10)
    assert answer.status_code == 200, answer.text
    result = run(config)
    assert result.status == "ok"
    assert shown_stock(sandbox.url, sku) == dict.fromkeys(CHANNELS, 7)
    assert run(config).skipped == sorted(INSTITUTIONS)  # counted once: the next run has nothing to do


def test_a_channel_that_cannot_run_stops_alone_and_the_others_take_every_batch(tmp_path, sandbox):
    config = make_config(tmp_path, sandbox.url, credentials={"lazada": {"app_secret": "wrong-secret"}})
    result = run(config)
    stopped = {c.channel: c.stopped for c in result.channels if c.stopped}
    assert list(stopped) == ["lazada"]
    total = products_in(tmp_path)
    assert [done(result)[(name, OpKind.CREATE)] for name in ("shopee", "tiktokshop")] == [total, total]
    assert items(sandbox.url, "lazada") == []


def test_a_seller_sku_shared_by_two_batches_sends_the_earlier_and_holds_the_later(tmp_path, sandbox):
    # no prefixes: staff of two institutions both numbered a wallet DMP-00
    config = make_config(tmp_path, sandbox.url, prefixes={"lapas-mojokerto": None, "lapas-mataram": None})
    write_catalog(tmp_path, "lapas-mataram", ["DMP-00;Dompet Cukli Lombok Kayu Mahoni;Kerajinan > Cukli;Rp175.000;"
                                              "4;300;img/a.png;;;"])
    write_catalog(tmp_path, "lapas-mojokerto", catalog_rows("lapas-mojokerto", "", [("DMP", "Dompet Kulit Sapi Asli "
                                                                                      "Pria", "Fashion / Dompet", 2)]))
    result = run(config)
    clashes = {(u.channel, u.key, u.params["other"]) for u in result.invalid if u.reason == "seller_sku_clash"}
    # mojokerto comes first in the config: its wallet goes out; mataram's names it and waits
    assert clashes == {(name, "lapas-mataram:DMP-00", "lapas-mojokerto:DMP-00") for name in CHANNELS}
    for name in CHANNELS:
        assert [i["seller_sku"] for i in items(sandbox.url, name)].count("DMP-00") == 1
    again = run(config)  # both catalogs are read again: the clash is said again, nothing is created twice
    assert "lapas-mojokerto" not in again.skipped and "lapas-mataram" not in again.skipped
    assert {(u.channel, u.key) for u in again.invalid} == {(name, "lapas-mataram:DMP-00") for name in CHANNELS}
    one = run(config, batch=10_000, dry_run=True)  # in one batch both are held, as before batches
    assert {u.key for u in one.invalid} == {"lapas-mataram:DMP-00", "lapas-mojokerto:DMP-00"}


@pytest.mark.parametrize(("prefixes", "possible"), [
    (["LPMJK", "LPCKR", "LPKATG"], False),
    (["LPMJK", None], True),  # no prefix: its seller SKUs are the catalog's own
    (["LPM", "LPMJK"], False),  # a prefix holds no "-": "LPM-..." never begins "LPMJK-..."
    ([None, None], True),
])
def test_seller_skus_of_two_institutions_can_meet_only_when_one_has_no_prefix(prefixes, possible):
    from connector.config import InstitutionConfig
    from connector.sync.claims import clash_possible

    entries = [InstitutionConfig.model_validate({"code": f"lapas-{n}", "name": f"Lapas {n}", "type": "lapas",
                                                 "catalog": {"path": f"{n}.csv"}, "sku_prefix": p})
               for n, p in enumerate(prefixes)]
    assert clash_possible(entries) is possible


def test_the_first_batches_are_cut_smaller_so_the_channels_start_early():
    """A run of the whole country cuts its first batch at FIRST_BATCH_PRODUCTS and doubles it each time up to the
    batch size; a run of fewer products than the first cut stays one batch, and a batch size at or below the
    first cut is kept from the start."""
    from datetime import date

    from connector.sync.batch import BATCH_PRODUCTS, FIRST_BATCH_PRODUCTS, Stream

    def cuts(size: int) -> list[int]:  # the cut depends on the batch size and the batches made so far only
        return [Stream(None, [], set(), date(2026, 12, 3), size=size, batches=n)._cut() for n in range(6)]

    assert cuts(BATCH_PRODUCTS)[0] == FIRST_BATCH_PRODUCTS < BATCH_PRODUCTS
    assert cuts(BATCH_PRODUCTS) == [min(BATCH_PRODUCTS, FIRST_BATCH_PRODUCTS * 2**n) for n in range(6)]
    assert cuts(BATCH_PRODUCTS)[-1] == BATCH_PRODUCTS
    assert set(cuts(3)) == {3} and set(cuts(FIRST_BATCH_PRODUCTS)) == {FIRST_BATCH_PRODUCTS}


def test_validate_in_many_batches_finds_what_it_finds_in_one(tmp_path, sandbox):
    """`pasindo validate` reads a batch at a time too: every count, refused row, warning, channel refusal and
    adaptation as one reading of everything finds them; a seller SKU two batches share is held on the later
    product, as the sync holds it."""
    from connector.reports import validation_document
    from connector.sync.check import check

    config = make_config(tmp_path, sandbox.url)
    rows = catalog_rows("lapas-cikarang", "LPCKR", INSTITUTIONS["lapas-cikarang"][1])
    write_catalog(tmp_path, "lapas-cikarang", [*rows, "RTG-09;Rantang Plastik;Kerajinan;Rp12,5;3;300;img/a.png;;;",
                                               "RTG-10;Rantang;Kerajinan;Rp25.000;3;300;img/a.png;;;",  # completed
                                               "RTG-11;Rantang Plastik Susun Dua;Kerajinan;Rp30.000;3;300;;;;"])
    loaded = load_config(config)
    one = validation_document(check(loaded, batch_products=10_000), "en", show_products=True)
    many = validation_document(check(loaded, batch_products=1), "en", show_products=True)
    assert one == many
    assert one["rejects"] and one["channel_refusals"] and one["channel_adaptations"]  # each kind was compared
    assert [i["code"] for i in one["institutions"]] == list(INSTITUTIONS)

    config = make_config(tmp_path, sandbox.url, prefixes={"lapas-mojokerto": None, "lapas-mataram": None})
    write_catalog(tmp_path, "lapas-mataram", ["DMP-00;Dompet Cukli Lombok Kayu Mahoni;Kerajinan > Cukli;Rp175.000;"
                                              "4;300;img/a.png;;;"])
    write_catalog(tmp_path, "lapas-mojokerto", catalog_rows("lapas-mojokerto", "", [("DMP", "Dompet Kulit Sapi Asli "
                                                                                      "Pria", "Fashion / Dompet", 2)]))
    found = check(load_config(config), batch_products=1)
    clashes = {(u.channel, u.key, u.params["other"]) for c in found.channels for u in c.refused
               if u.reason == "seller_sku_clash"}
    assert clashes == {(name, "lapas-mataram:DMP-00", "lapas-mojokerto:DMP-00") for name in CHANNELS}


def test_stock_changes_of_many_batches_share_a_channels_calls_as_in_one_batch(tmp_path, sandbox):
    """Lazada takes the stock of many products in one call: a run of one institution per batch sends the four
    institutions' changes in one call, as one batch would; Shopee and TikTok Shop take one product per call."""
    from tests.helpers import requests_counted

    calls = {"lazada": ("stock/sellable/update", "lazada /rest/product/"),
             "shopee": ("update_stock", "shopee /api/v2/product/"),
             "tiktokshop": (r"\d+/inventory/update", "tiktokshop /product/202309/products/")}
    config = make_config(tmp_path, sandbox.url)
    assert run(config).status == "ok"
    for code, (prefix, products) in INSTITUTIONS.items():  # the first product of every catalog: stock 10 -> 17
        rows = catalog_rows(code, prefix, products)
        rows[0] = rows[0].replace(";10;250;", ";17;250;")
        write_catalog(tmp_path, code, rows)
    before = {name: requests_counted(sandbox, path, under=under) for name, (path, under) in calls.items()}
    result = run(config)
    made = {name: requests_counted(sandbox, path, under=under) - before[name] for name, (path, under) in calls.items()}
    assert result.status == "ok" and made == {"lazada": 1, "shopee": 4, "tiktokshop": 4}, made
    assert all(done(result)[(name, OpKind.STOCK)] == len(INSTITUTIONS) for name in CHANNELS)
    for prefix, products in INSTITUTIONS.values():
        sku = f"{prefix}-{products[0][0]}-00"
        assert shown_stock(sandbox.url, sku) == {name: 17 for name in CHANNELS}, sku
