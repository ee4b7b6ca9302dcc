"""`pasindo validate` checks every configured channel as a sync would before its first call, over loopback to the
sandbox, and keeps what it found; `pasindo report --rejects` gives staff all of it — catalog refusals, warnings,
channel refusals and the marketplace's own refusals — in Bahasa Indonesia as a spreadsheet CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import requests

from connector.catalog.rejects import Notice
from connector.catalog.validation import Validation, tally
from connector.reports import print_validation, rejects_output, validation_document
from connector.sync.catalogs import finding_row
from connector.sync.check import Checked
from connector.sync.kinds import Origin
from connector.sync.ledger import Ledger
from tests.helpers import CHANNELS, HEADER, Shops, dead_endpoint
from tests.test_category_rules import bare_map, mandatory, use_map

WALLET = "DMP-00;Dompet Kulit Sapi Asli Pria Model 00;Fashion / Dompet;Rp150.000;3;120;img/a.png;;;"
NO_IMAGE = "DMP-01;Dompet Kulit Sapi Asli Pria Model 01;Fashion / Dompet;Rp151.000;4;120;;;;"


def write_catalog(shops: Shops, *rows: str) -> None:
    (shops.dir / "katalog.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def validate(shops: Shops, *args: str) -> tuple[int, dict]:
    code, out = shops.cli("validate", "--format", "json", *args)
    return code, json.loads(out)


def staff_csv(shops: Shops) -> list[dict[str, str]]:
    """`report --rejects --lang id --format csv`, as a spreadsheet reads it: one dict per row, by Indonesian header."""
    code, out = shops.cli("report", "--rejects", "--lang", "id", "--format", "csv", "--output",
                          str(shops.dir / "ditolak.csv"))
    assert code == 0, out
    raw = (shops.dir / "ditolak.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def unfillable_channel(shops: Shops, tmp_path: Path) -> str:
    """A channel whose wallet category has a mandatory attribute, given a category map without defaults: nothing
    fills that attribute there."""
    channel = next(c for c in CHANNELS if mandatory(shops, c))
    use_map(shops.config, channel, bare_map(tmp_path, channel))
    return channel


def test_validate_names_the_row_a_channel_will_refuse_and_staff_get_it_in_indonesian(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url)
    channel = unfillable_channel(shops, tmp_path)
    write_catalog(shops, WALLET, NO_IMAGE)
    code, doc = validate(shops)
    assert code == 1
    assert doc["rejects"] == [] and doc["institutions"][0]["unlisted"] == 2
    refused = {(r["channel"], r["row"]) for r in doc["channel_refusals"]}
    assert {(channel, 2), (channel, 3)} <= refused  # both wallets need the attribute there
    assert {c for c, row in refused if row == 2} == {channel}  # the other channels fill it
    why = next(r for r in doc["channel_refusals"] if r["row"] == 2)
    assert why["file"] == "katalog.csv" and why["key"] == "lapas-uji:DMP-00" and "needs the attribute" in why["message"]
    assert all(c["attributes_checked"] and c["warning"] is None for c in doc["channels"])
    assert requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()["writes"] == 0  # nothing sent
    code, indonesian = validate(shops, "--lang", "id")
    alasan = next(r for r in indonesian["channel_refusals"] if r["row"] == 2)["message"]
    assert alasan != why["message"] and why["reason"] not in alasan

    rows = staff_csv(shops)
    assert list(rows[0])[:9] == ["Institusi", "Kanal", "Jenis", "File", "Baris", "Kolom", "Isi", "Alasan",
                                 "Keterangan"]
    mine = [r for r in rows if r["Kanal"] == channel]
    assert {r["Baris"] for r in mine} == {"2", "3"}
    for r in mine:
        assert r["Jenis"] == "ditolak" and r["Ditemukan oleh"] == "validate" and r["File"] == "katalog.csv"
        assert r["Institusi"] == "lapas-uji" and r["Kode"] not in r["Alasan"]
    assert next(r for r in mine if r["Baris"] == "2")["Alasan"] == alasan

    use_map(shops.config, channel, None)  # the shipped map fills it: the next check replaces what this one found
    validate(shops)
    assert [r for r in staff_csv(shops) if r["Kanal"] == channel and r["Baris"] == "2"] == []


def test_validate_names_on_every_channel_the_row_without_an_image(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url)
    write_catalog(shops, WALLET, NO_IMAGE)
    code, doc = validate(shops)
    assert code == 1
    assert {(r["channel"], r["row"]) for r in doc["channel_refusals"]} == {(c, 3) for c in CHANNELS}
    assert {r["Kanal"] for r in staff_csv(shops) if r["Baris"] == "3"} == set(CHANNELS)


def test_a_marketplace_refusal_reaches_the_staff_csv_with_its_own_message_until_the_product_is_listed(
        tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url)
    write_catalog(shops, WALLET)
    assert validate(shops)[0] == 0  # the channels' category rules are now kept for a day
    code, out = shops.cli("categories", "--channel", "shopee", "--format", "json")
    wallet = next(c for c in json.loads(out)[0]["categories"] if c["code"] == "fashion/dompet")["category_id"]
    hidden = requests.post(f"{sandbox.url}/_sandbox/categories/hide", json={"dialect": "shopee",
                                                                          "category_id": wallet}, timeout=10)
    assert hidden.status_code == 200, hidden.text
    code, out = shops.cli("sync", "--format", "json")  # the kept tree still has it: only the marketplace refuses
    assert code == 1, out
    [row] = [r for r in staff_csv(shops) if r["Kanal"] == "shopee"]
    assert row["SKU"] == "DMP-00" and row["Ditemukan oleh"] == "marketplace" and row["Jenis"] == "ditolak"
    assert (row["File"], row["Baris"]) == ("katalog.csv", "2")  # the row staff change
    assert "error_invalid_category" in row["Keterangan"]  # the marketplace's own words, kept whole
    assert row["Alasan"].startswith("shopee menolak isi produk ini") and "Keterangan" in row["Alasan"]
    code, out = shops.cli("report", "--rejects", "--format", "json")
    [kept] = [r for r in json.loads(out) if r["channel"] == "shopee"]
    assert kept["origin"] == "marketplace" and kept["code"] and kept["channel_message"] == row["Keterangan"]

    shops.cli("sync", "--format", "json")  # refused content is not sent again: the refusal stays, once
    assert [r["SKU"] for r in staff_csv(shops) if r["Kanal"] == "shopee"] == ["DMP-00"]
    code, out = shops.cli("report")
    assert "still refused" in out and " wait " not in out  # the run report says it in words

    write_catalog(shops, WALLET.replace("Rp150.000", "Rp155.000").replace("Fashion / Dompet", "Fashion / Tas"))
    assert shops.cli("sync", "--format", "json")[0] == 0  # changed content, taken: the refusal goes
    assert [r for r in staff_csv(shops) if r["Kanal"] == "shopee"] == []


def test_catalog_warnings_are_shown_counted_kept_and_alone_exit_0(tmp_path, capsys):
    # The readers emit no Notice yet on this branch (the other tasks add them): a warning as they will yield it.
    warning = Notice("lapas-uji", "katalog.csv", 3, "Kategori", "Kerajinan / Anyaman Rotan", "category_unknown",
                     {"accepted": "craft, culinary, fashion"}, sku="KRJ-01")
    validation = Validation([tally("lapas-uji", [], [], [warning])], notices=[warning])
    found = Checked(validation)
    assert not found.problems() and validation.institutions[0].warnings == 1  # validate exits 0 on warnings alone
    doc = validation_document(found, "id")
    assert doc["notices"] == [{**warning.as_dict("id"), "severity": "warning"}] and doc["rejects"] == []
    print_validation(found, lang="id")
    shown = capsys.readouterr().out
    assert "Peringatan" in shown and "Kerajinan / Anyaman Rotan" in shown and warning.message("id") in shown

    ledger = Ledger(tmp_path / "ledger.sqlite")
    try:
        ledger.rejects.replace("validate", {"lapas-uji": [finding_row(warning, Origin.VALIDATE)]})
        rows = ledger.rejects.all()
    finally:
        ledger.close()
    [row] = list(csv.DictReader(io.StringIO(rejects_output(rows, fmt="csv", lang="id").decode("utf-8-sig"),
                                            newline=""), delimiter=";"))
    assert (row["Jenis"], row["Kanal"], row["Baris"], row["Ditemukan oleh"]) == ("peringatan", "", "3", "validate")
    assert row["Alasan"] == warning.message("id")


def test_a_channel_that_cannot_be_read_is_checked_without_its_rules_and_said_so(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url)
    text = shops.config.read_text(encoding="utf-8")
    dead = dead_endpoint()
    shops.config.write_text(text.replace(f"    endpoint: {sandbox.url}\n    credentials: {{\"app_key\": \"100002\"",
                                         f"    endpoint: {dead}\n    options: {{retry: {{attempts: 1}}}}\n"
                                         f"    credentials: {{\"app_key\": \"100002\""),
                            encoding="utf-8")
    assert dead in shops.config.read_text(encoding="utf-8")
    write_catalog(shops, WALLET, WALLET.replace("DMP-00;", "DMP-02;").replace("Rp150.000", "gratis"))
    result = shops.cli("validate", "--format", "json")
    code, doc = result[0], json.loads(result[1])
    assert code == 1 and [r["row"] for r in doc["rejects"]] == [3]  # the catalog's refusal, as ever
    checked = {c["channel"]: c for c in doc["channels"]}
    assert not checked["lazada"]["attributes_checked"] and "cannot read" in checked["lazada"]["warning"]
    assert checked["shopee"]["attributes_checked"] and checked["tiktokshop"]["attributes_checked"]
    code, out = shops.cli("validate")
    assert code == 1 and "lazada: category attributes not checked" in out and "Traceback" not in out


def test_validate_needs_no_secret_and_says_which_channel_went_unchecked(tmp_path, sandbox, monkeypatch):
    shops = Shops(tmp_path, sandbox.url)
    monkeypatch.delenv("PASINDO_TEST_SHOPEE_KEY", raising=False)
    text = shops.config.read_text(encoding="utf-8")
    shops.config.write_text(text.replace('"partner_key": "sandbox-shopee-key"',
                                         '"partner_key": "${PASINDO_TEST_SHOPEE_KEY}"'), encoding="utf-8")
    write_catalog(shops, WALLET)
    assert shops.cli("sync", "--format", "json")[0] == 2  # a sync needs it
    code, doc = validate(shops)
    assert code == 0, doc
    [shopee] = [c for c in doc["channels"] if c["channel"] == "shopee"]
    assert not shopee["attributes_checked"] and "partner_key" in shopee["warning"]
    assert "sandbox-shopee-key" not in json.dumps(doc)


def test_a_dry_run_records_nothing_and_a_real_sync_replaces_what_validate_found(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url)
    channel = unfillable_channel(shops, tmp_path)
    write_catalog(shops, WALLET, WALLET.replace("DMP-00;", "DMP-02;").replace("Rp150.000", "gratis"))
    assert shops.cli("sync", "--dry-run", "--format", "json")[0] == 1
    assert not (tmp_path / "state" / "ledger.sqlite").exists() or staff_csv(shops) == []
    assert validate(shops)[0] == 1
    found = {(r["Kanal"], r["Baris"], r["Ditemukan oleh"]) for r in staff_csv(shops)}
    assert found == {("", "3", "validate"), (channel, "2", "validate")}
    assert shops.cli("sync", "--format", "json")[0] == 1
    found = {(r["Kanal"], r["Baris"], r["SKU"], r["Ditemukan oleh"]) for r in staff_csv(shops)}
    assert found == {("", "3", "DMP-02", "sinkronisasi"), (channel, "2", "DMP-00", "sinkronisasi")}


def test_a_state_directory_that_cannot_be_used_still_validates_and_says_nothing_was_kept(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url)
    (tmp_path / "state").write_text("not a folder", encoding="utf-8")
    write_catalog(shops, WALLET, WALLET.replace("DMP-00;", "DMP-02;").replace("Rp150.000", "gratis"))
    code, doc = validate(shops)
    assert code == 1 and [r["row"] for r in doc["rejects"]] == [3] and not doc["recorded"]
    assert all(not c["attributes_checked"] and "state" in c["warning"] for c in doc["channels"])
    code, out = shops.cli("validate", "--lang", "id")
    assert code == 1 and "tidak disimpan untuk `pasindo report --rejects`" in out and "Traceback" not in out
