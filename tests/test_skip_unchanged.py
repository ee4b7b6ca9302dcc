"""An unchanged catalog is not read again, and every change that matters is seen: a cell, an image file, a channel
rule, an expiry date passing, a unit sold. Real catalog files, a real ledger, the sandbox over loopback HTTP."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector import logs
from connector.cli import main
from connector.config import load_config
from connector.sandbox import SandboxServer
from connector.sync.kinds import OpKind
from connector.sync.result import SyncResult
from connector.sync.run import Sync, SyncOptions
from tests.helpers import HEADER, Shop, Shops, child_python, png


@pytest.fixture
def sandbox(tmp_path):
    server = SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", timeout_seconds=1)
    server.start()
    yield server
    server.stop()


def run(config: Path, *, today: date | None = None, **options) -> SyncResult:
    sync = Sync(load_config(config), SyncOptions(**options), log=logs.get_logger(), today=today)
    try:
        return sync.run()
    finally:
        sync.close()


def planned(result: SyncResult) -> dict[str, int]:
    """Operations planned, by kind, over every channel."""
    return dict(sum((plan.counts() for plan in result.plans), Counter()))


def listing(shop: Shop, sku: str) -> dict:
    (item,) = [i for i in shop.items() if i["seller_sku"] == sku]
    return item


def test_an_unchanged_catalog_is_skipped_plans_nothing_and_sends_nothing(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    first = run(shop.config)
    assert first.skipped == [] and planned(first)[OpKind.CREATE] == 7
    writes = shop.stats()["writes"]
    assert writes > 0
    again = run(shop.config)
    assert again.skipped == ["lapas-uji"] and planned(again) == {} and again.status == "ok"
    dry = run(shop.config, dry_run=True)
    assert dry.skipped == ["lapas-uji"] and planned(dry) == {}
    assert shop.stats()["writes"] == writes  # nothing sent
    forced = run(shop.config, force=True)  # --force reads everything again, and still finds nothing to do
    assert forced.skipped == [] and planned(forced) == {}


def test_one_changed_cell_is_seen_by_the_next_sync(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    run(shop.config)
    assert run(shop.config).skipped == ["lapas-uji"]
    shop.rows["DMP-02"] = shop.rows["DMP-02"].replace("Rp152.000", "Rp199.000")
    shop.write()
    changed = run(shop.config)
    assert changed.skipped == [] and planned(changed) == {OpKind.PRICE: 1}
    assert listing(shop, "LPUJI-DMP-02")["price"] == 199000
    assert run(shop.config).skipped == ["lapas-uji"]


def test_a_changed_image_file_is_seen_by_the_next_sync(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    run(shop.config)
    assert run(shop.config).skipped == ["lapas-uji"]
    (tmp_path / "img" / "b.png").write_bytes(png(9))  # same name, new picture: only the shoes use it
    changed = run(shop.config)
    assert changed.skipped == [] and planned(changed) == {OpKind.CONTENT: 1}
    assert [op.key for plan in changed.plans for op in plan.ops] == ["lapas-uji:SPT"]


def test_a_changed_channel_rule_is_seen_by_the_next_sync(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    run(shop.config)
    assert run(shop.config).skipped == ["lapas-uji"]
    text = shop.config.read_text(encoding="utf-8")
    token = "      refresh_token: sandbox-shopee-refresh\n"
    shop.config.write_text(text.replace(token, token + "    price: {markup_percent: 10}\n"), encoding="utf-8")
    changed = run(shop.config)
    assert changed.skipped == [] and planned(changed) == {OpKind.PRICE: 7}
    assert listing(shop, "LPUJI-DMP-00")["price"] == 165000


def test_a_channels_pace_or_timeouts_changed_read_nothing_again(tmp_path, sandbox):
    """How a channel's calls travel (its pace, timeouts, retries) changes no listing: the catalogs stay skipped."""
    shop = Shop(tmp_path, sandbox.url)
    run(shop.config)
    assert run(shop.config).skipped == ["lapas-uji"]
    text = shop.config.read_text(encoding="utf-8")
    token = "      refresh_token: sandbox-shopee-refresh\n"
    assert "options:" not in text
    options = "    options: {rate_limit: 50, timeout: 20, retry: {attempts: 3}}\n"
    shop.config.write_text(text.replace(token, token + options), encoding="utf-8")
    paced = run(shop.config)
    assert paced.skipped == ["lapas-uji"] and planned(paced) == {} and paced.status == "ok"


def test_an_expiry_date_passing_is_seen_by_the_next_sync(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    (tmp_path / "katalog.csv").write_text(
        "SKU;Nama Produk;Kategori;Harga;Stok;Berat (gram);Foto;Izin Edar;Kedaluwarsa;Siap Saji\n"
        "KOPI-01;Kopi Robusta Bubuk Temanggung Sangrai Medium;Kuliner / Kopi;Rp35.000;12;270;img/a.png;"
        "P-IRT 3093374116412-29;02/03/2027;tidak\n"
        "KOPI-02;Kopi Arabika Bubuk Gunung Ungaran Dark Roast;Kuliner / Kopi;Rp45.000;9;270;img/a.png;"
        "P-IRT 4093374102378-29;28/11/2027;tidak\n", encoding="utf-8")
    first = run(shop.config, today=date(2027, 3, 1))  # the first coffee expires tomorrow
    assert first.rejects == [] and planned(first) == {OpKind.CREATE: 2}, first.invalid
    assert run(shop.config, today=date(2027, 3, 1)).skipped == ["lapas-uji"]
    next_day = run(shop.config, today=date(2027, 3, 3))
    assert next_day.skipped == []
    assert [(r.sku, r.reason) for r in next_day.rejects] == [("KOPI-01", "expired")]


def test_a_unit_sold_moves_stock_on_a_run_where_no_file_changed(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url, stock=3)
    shops.sync()
    assert run(shops.config).skipped == ["lapas-uji"]
    shops.order("shopee")
    sold = run(shops.config)
    assert sold.skipped == [] and planned(sold) == {OpKind.STOCK: 3}
    assert shops.stock() == {"shopee": 2, "lazada": 2, "tiktokshop": 2}
    assert run(shops.config).skipped == ["lapas-uji"]
    assert shops.stock() == {"shopee": 2, "lazada": 2, "tiktokshop": 2}


def test_a_skipped_catalogs_refused_rows_stay_reported(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.rows["DMP-03"] = shop.rows["DMP-03"].replace("Rp153.000", "seratus ribu")
    shop.write()
    first = run(shop.config)
    assert [(r.sku, r.reason) for r in first.rejects] == [("DMP-03", first.rejects[0].reason)]
    again = run(shop.config)
    assert again.skipped == ["lapas-uji"] and planned(again) == {}
    assert [(r.sku, r.reason, r.message("en")) for r in again.rejects] == [
        (r.sku, r.reason, r.message("en")) for r in first.rejects]
    assert again.status == first.status == "problems"
    report = CliRunner().invoke(main, ["--config", str(shop.config), "report", "--rejects", "--format", "json"])
    rows = json.loads(report.stdout)
    assert [(r["sku"], r["reason"]) for r in rows] == [("DMP-03", first.rejects[0].reason)]


def test_a_seller_sku_a_skipped_catalog_holds_is_a_clash_as_in_a_full_reading(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    text = shop.config.read_text(encoding="utf-8").replace("    sku_prefix: LPUJI\n", "")
    shop.config.write_text(text.replace("channels:\n", (
        "  - code: rutan-uji\n    name: Rutan Kelas IIB Uji\n    type: rutan\n    catalog: {path: rutan.csv}\n"
        "channels:\n"), 1), encoding="utf-8")
    other = ["KPS-01;Keset Kaki Sabut Kelapa Anyaman Tangan;Kerajinan;Rp45.000;8;700;img/a.png;;;"]
    (tmp_path / "rutan.csv").write_text("\n".join([HEADER, *other]) + "\n", encoding="utf-8")
    run(shop.config)
    assert run(shop.config).skipped == ["lapas-uji", "rutan-uji"]
    other.append(shop.rows["DMP-01"].replace("Dompet Kulit Sapi", "Dompet Kulit Domba"))  # lapas-uji's SKU
    (tmp_path / "rutan.csv").write_text("\n".join([HEADER, *other]) + "\n", encoding="utf-8")
    clash = run(shop.config)
    assert clash.skipped == []  # the catalog holding DMP-01 is read too
    assert sorted((u.institution, u.reason) for u in clash.invalid) == [
        ("lapas-uji", "seller_sku_clash"), ("rutan-uji", "seller_sku_clash")]
    full = run(shop.config, force=True, dry_run=True)  # what a reading of every catalog makes of it
    assert planned(clash) == planned(full) == {} and sorted(clash.invalid, key=str) == sorted(full.invalid, key=str)


def test_a_catalog_is_skipped_by_the_next_process_too(tmp_path, sandbox):
    """The fingerprints are made from file bytes, never from objects whose sets print in another order in every
    process (Python salts its string hashes per process): a sync in a new process skips what the last one read."""
    shop = Shop(tmp_path, sandbox.url)

    def child_sync() -> list[tuple]:
        with child_python("-m", "connector.cli", "--config", str(shop.config), "sync", "--format", "json") as proc:
            out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        with closing(sqlite3.connect(tmp_path / "state" / "ledger.sqlite")) as conn:
            return conn.execute("SELECT institution, channel, inputs, run_id FROM catalog_marks").fetchall()

    first = child_sync()
    assert [(i, c) for i, c, _, _ in first] == [("lapas-uji", "shopee")]
    assert child_sync() == first  # not read again: the mark of the first run stands


@pytest.mark.parametrize("count", [0, 1, 3])
def test_an_institutions_fingerprint_is_the_digest_of_its_inputs_as_printed_whole(tmp_path, count):
    """The fingerprint is put together from each image file's own text (printed once per run); it must be the
    digest of the whole tuple of inputs printed at once, so the marks earlier versions left still match."""
    from connector.sync import skip
    from connector.sync.ledger.marks import CatalogRead

    shop = Shop(tmp_path, "http://127.0.0.1:9")
    config = load_config(shop.config)
    entry = config.institutions[0]
    refs = [tmp_path / f"foto-{n}.png" for n in range(count)]
    for n, ref in enumerate(refs):
        ref.write_bytes(png(1 + n))
    if count > 1:
        refs.append(tmp_path / "hilang.png")  # a file that is not there is printed by the name of its error
    read = CatalogRead(entry.code, tuple(str(r) for r in refs), dated=count == 1)
    inputs, plain = skip.Inputs(config), skip.Inputs(config)
    today = date(2026, 12, 3)
    expected = skip._digest((
        skip._VERSION, plain.file(entry.catalog.path), plain.mapping(entry.catalog.mapping),
        sorted(entry.model_dump(mode="json").items(), key=str), plain.taxonomy(),
        tuple((ref, plain.image(ref)) for ref in read.images), today.isoformat() if read.dated else None))
    assert inputs.institution(entry, read, today) == expected
    assert inputs.institution(entry, read, today) == expected  # the second time, from the texts kept
    assert inputs.institution(entry, CatalogRead(entry.code, read.images, not read.dated), today) != expected
