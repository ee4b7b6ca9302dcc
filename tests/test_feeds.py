"""The product feeds (Google Merchant Center RSS, Meta catalog CSV) from a landing-page catalog built by hand.

The products are the kind staff list: a batik tulis shirt in four sizes (one sold out), ground coffee, a woven bag
whose name carries an ampersand, quotes and an emoji, a calligraphy without a photo yet. Every feed is checked by
tests/feed_rules.py, the spec's required fields encoded once.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree
from dataclasses import replace
from pathlib import Path

import pytest

from connector.site.feeds import GOOGLE_LIMITS, cut, plain, write_feeds
from connector.site.model import ChannelLink, SiteCatalog, SiteInstitution, SiteProduct, SiteVariant
from tests.feed_rules import google_items, google_problems, meta_problems, meta_rows

BASE = "https://pasindo.example.go.id"
NK = "lapas-nusakambangan"
CREDIT = "Karya WBP Lapas Kelas I Batu Nusakambangan"
BAG_NAME = 'Tas Anyaman Pandan & Rotan "Lombok" <Cukli> 👜'
SHOPEE = (ChannelLink("shopee", "Shopee", "https://shopee.example/1", 150_000),)


def _product(sku: str, name: str, **fields) -> SiteProduct:
    slug = sku.lower()
    values = dict(
        key=f"{NK}:{sku}", slug=slug, institution=NK, name=name,
        description="Dibuat dengan tangan oleh warga binaan.", category="craft", subcategory=None,
        category_name="Kerajinan", price=150_000, in_stock=True, credit=CREDIT, page=f"produk/{slug}.html",
        images=(f"gambar/{slug}-1.jpg",), variants=(), links=SHOPEE)
    values.update(fields)
    return SiteProduct(**values)


BATIK = _product(
    "BTK-TL-01", "Kemeja Batik Tulis Motif Parang Lengan Panjang Pria", category="fashion",
    subcategory="fashion/batik", category_name="Batik",
    description="<p>Batik tulis asli <b>Nusakambangan</b>,\x07 pewarna alami.</p><br/>Katun primisima.",
    price=350_000, images=("gambar/btk-tl-01-1.jpg", "gambar/btk-tl-01-2.jpg", "gambar/btk-tl-01-3.jpg"),
    variants=tuple(SiteVariant(size, f"LPNK-BTK-TL-01-{size}", 350_000 if size != "XL" else 375_000,
                               size != "L") for size in ("S", "M", "L", "XL")))
KOPI = _product("KOP-RB-250", "Kopi Robusta Bubuk Lampung 250 gr", category="culinary", subcategory="culinary/kopi",
                category_name="Kopi", description="Kopi robusta petik merah, sangrai medium. Berat bersih 250 gr.",
                price=45_000)
BAG = _product("TAS-AP-07", BAG_NAME, subcategory="craft/anyaman", category_name="Anyaman",
               description='Tas anyaman pandan & rotan, 30 x 25 cm. "Kuat" dan ringan 😊', price=85_000,
               in_stock=False)
KALIGRAFI = _product("KLG-03", "Kaligrafi Kayu Jati Ayat Kursi", subcategory="craft/kaligrafi", images=())
LONG = _product("LKS-09", " ".join(["Lukisan Kanvas Pemandangan Sawah Terasering Bali"] * 5),
                subcategory="craft/lukisan", description=" ".join(["Cat minyak di atas kanvas."] * 400))


def _catalog(*products: SiteProduct, base: str = BASE) -> SiteCatalog:
    institution = SiteInstitution(NK, "Lapas Kelas I Batu Nusakambangan", "lapas", "Lembaga Pemasyarakatan",
                                  "Jawa Tengah", f"lembaga/{NK}.html", tuple(p.key for p in products))
    return SiteCatalog((institution,), products, base, "2026-12-02T10:00:00+07:00")


@pytest.fixture
def written(tmp_path: Path):
    paths, warnings = write_feeds(_catalog(BATIK, KOPI, BAG, KALIGRAFI, LONG), tmp_path)
    return tmp_path, paths, warnings


def _google(folder: Path) -> bytes:
    return (folder / "feeds" / "google-merchant.xml").read_bytes()


def _meta(folder: Path) -> str:
    return (folder / "feeds" / "meta-catalog.csv").read_text(encoding="utf-8")


def test_both_feeds_are_written_and_meet_every_required_field(written):
    folder, paths, _ = written
    assert [p.relative_to(folder).as_posix() for p in paths] == ["feeds/google-merchant.xml", "feeds/meta-catalog.csv"]
    assert google_problems(_google(folder)) == []
    assert meta_problems(_meta(folder)) == []
    assert len(google_items(_google(folder))) == len(meta_rows(_meta(folder))) == 4 + 1 + 1 + 1


def test_a_product_without_an_image_is_left_out_with_a_warning(written):
    folder, _, warnings = written
    assert [(key, reason.split(":")[0]) for key, reason in warnings if key == KALIGRAFI.key] == [
        (KALIGRAFI.key, "no image")]
    ids = [i["id"][0] for i in google_items(_google(folder))] + [r["id"] for r in meta_rows(_meta(folder))]
    assert all(not i.startswith(KALIGRAFI.key) for i in ids)
    assert all(not key.startswith(NK + ":BTK") for key, _ in warnings)  # the batik's sizes are all read


def test_each_variant_is_an_item_of_one_group_with_its_size_price_and_availability(written):
    folder, _, _ = written
    batik = [i for i in google_items(_google(folder)) if i["id"][0].startswith(BATIK.key)]
    assert [(i["size"][0], i["price"][0], i["availability"][0]) for i in batik] == [
        ("S", "350000.00 IDR", "in_stock"), ("M", "350000.00 IDR", "in_stock"), ("L", "350000.00 IDR", "out_of_stock"),
        ("XL", "375000.00 IDR", "in_stock")]
    assert {i["item_group_id"][0] for i in batik} == {"lapas-nusakambangan_BTK-TL-01"}
    assert [i["title"][0] for i in batik][0] == "Kemeja Batik Tulis Motif Parang Lengan Panjang Pria - S"
    assert all(i["link"][0] == f"{BASE}/produk/btk-tl-01.html" for i in batik)
    assert all(i["image_link"][0] == f"{BASE}/gambar/btk-tl-01-1.jpg" for i in batik)
    assert all(i["additional_image_link"] == [f"{BASE}/gambar/btk-tl-01-2.jpg", f"{BASE}/gambar/btk-tl-01-3.jpg"]
               for i in batik)
    meta = [r for r in meta_rows(_meta(folder)) if r["id"].startswith(BATIK.key)]
    assert [(r["size"], r["price"], r["availability"]) for r in meta] == [
        ("S", "350000 IDR", "in stock"), ("M", "350000 IDR", "in stock"), ("L", "350000 IDR", "out of stock"),
        ("XL", "375000 IDR", "in stock")]
    assert {r["item_group_id"] for r in meta} == {"lapas-nusakambangan_BTK-TL-01"}
    single = [i for i in google_items(_google(folder)) if i["id"][0] == KOPI.key]
    assert len(single) == 1 and "item_group_id" not in single[0]


def test_ids_are_the_product_key_or_key_and_seller_sku_and_stay_the_same_build_after_build(written, tmp_path):
    folder, _, _ = written
    ids = [i["id"][0] for i in google_items(_google(folder))]
    assert KOPI.key in ids and f"{BATIK.key}/LPNK-BTK-TL-01-XL" in ids
    again = tmp_path / "again"
    write_feeds(_catalog(LONG, BAG, KOPI, BATIK), again)  # another order, one product fewer
    assert sorted(i["id"][0] for i in google_items(_google(again))) == sorted(ids)
    assert [r["id"] for r in meta_rows(_meta(folder))] == ids


def test_a_long_key_gets_a_stable_short_id(tmp_path):
    long_code = "lapas-perempuan-kelas-iia-semarang-jawa-tengah"
    product = replace(KOPI, key=f"{long_code}:KOP-RB-250-BUBUK-HALUS", institution=long_code)
    write_feeds(_catalog(product), tmp_path / "a")
    write_feeds(_catalog(product), tmp_path / "b")
    (first,), (second,) = google_items(_google(tmp_path / "a")), google_items(_google(tmp_path / "b"))
    assert first["id"] == second["id"] and len(first["id"][0]) <= 50 and first["id"][0].startswith("PSD-")


def test_ampersand_angle_brackets_quotes_and_emoji_survive_both_formats(written):
    folder, _, _ = written
    raw = _google(folder)
    assert b"Tas Anyaman Pandan &amp; Rotan" in raw and b"&lt;Cukli&gt;" in raw
    (bag,) = [i for i in google_items(raw) if i["id"][0] == BAG.key]
    assert bag["title"] == [BAG_NAME]
    assert bag["description"] == ['Tas anyaman pandan & rotan, 30 x 25 cm. "Kuat" dan ringan 😊']
    assert bag["availability"] == ["out_of_stock"]
    (row,) = [r for r in meta_rows(_meta(folder)) if r["id"] == BAG.key]
    assert row["title"] == BAG_NAME and row["availability"] == "out of stock"
    assert '"Tas Anyaman Pandan & Rotan ""Lombok"" <Cukli> 👜"' in _meta(folder)  # quoted, the quotes doubled


def test_descriptions_are_plain_text_without_html_or_control_characters(written):
    folder, _, _ = written
    (batik, *_) = [i for i in google_items(_google(folder)) if i["id"][0].startswith(BATIK.key)]
    assert batik["description"] == ["Batik tulis asli Nusakambangan, pewarna alami. Katun primisima."]
    row = next(r for r in meta_rows(_meta(folder)) if r["id"].startswith(BATIK.key))
    assert row["description"] == batik["description"][0]


def test_long_titles_and_descriptions_are_cut_at_a_word_boundary_within_each_limit(written):
    folder, _, _ = written
    (item,) = [i for i in google_items(_google(folder)) if i["id"][0] == LONG.key]
    (row,) = [r for r in meta_rows(_meta(folder)) if r["id"] == LONG.key]
    for text, original, limit in ((item["title"][0], LONG.name, 150), (item["description"][0], LONG.description, 5000),
                                  (row["title"], LONG.name, 200), (row["description"], LONG.description, 9999)):
        assert len(text) <= limit and original.startswith(text)
        assert original[len(text)] == " "  # ends on a whole word
    assert len(item["title"][0]) > 100  # cut near the limit, not far before it


def test_categories_come_from_the_mapping_where_known_and_are_left_out_otherwise(written):
    folder, _, _ = written
    by_id = {i["id"][0]: i for i in google_items(_google(folder))}
    assert by_id[KOPI.key]["google_product_category"] == ["1868"]  # Beverages > Coffee
    assert by_id[f"{BATIK.key}/LPNK-BTK-TL-01-S"]["google_product_category"] == ["166"]
    assert "google_product_category" not in by_id[BAG.key]  # woven goods span several Google categories
    assert {r["id"]: r["google_product_category"] for r in meta_rows(_meta(folder))}[BAG.key] == ""


def test_brand_condition_and_identifier_exists_without_a_gtin(written, tmp_path):
    folder, _, _ = written
    for item in google_items(_google(folder)):
        assert item["brand"] == ["PASINDO"] and item["condition"] == ["new"]
        assert item["identifier_exists"] == ["no"] and "gtin" not in item
    write_feeds(_catalog(replace(KOPI, gtin="8991234567891")), tmp_path / "gtin")
    (item,) = google_items(_google(tmp_path / "gtin"))
    assert item["gtin"] == ["8991234567891"] and "identifier_exists" not in item


def test_a_site_without_a_web_address_writes_no_feed(tmp_path):
    paths, warnings = write_feeds(_catalog(KOPI, base=(tmp_path / "public").as_uri()), tmp_path)
    assert paths == [] and not (tmp_path / "feeds").exists()
    assert len(warnings) == 1 and "base URL" in warnings[0][1]


def test_the_rss_root_carries_the_google_namespace(written):
    folder, _, _ = written
    text = _google(folder).decode()
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>")
    assert 'xmlns:g="http://base.google.com/ns/1.0"' in text
    root = ElementTree.fromstring(_google(folder))
    assert root.tag == "rss" and root.find("channel/link").text == BASE


def test_the_rules_catch_a_broken_feed():
    """feed_rules can fail: a feed missing a price, with a bad availability and a relative link is refused."""
    xml = (b'<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>A</g:id>'
           b'<g:title>Dompet</g:title><g:description>Kulit</g:description><g:link>/produk/a.html</g:link>'
           b'<g:image_link>https://x.id/a.jpg</g:image_link><g:availability>tersedia</g:availability>'
           b'<g:brand>PASINDO</g:brand><g:condition>new</g:condition></item></channel></rss>')
    problems = "\n".join(google_problems(xml))
    assert "price missing" in problems and "availability 'tersedia'" in problems and "link: not an absolute" in problems
    out = io.StringIO()
    csv.writer(out).writerows([["id", "title", "description", "availability", "condition", "price", "link",
                                "image_link", "brand"], ["A", "Dompet", "<b>Kulit</b>", "in_stock", "new", "150000",
                                                         "https://x.id/a", "https://x.id/a.jpg", "PASINDO"]])
    problems = "\n".join(meta_problems(out.getvalue()))
    assert "availability 'in_stock'" in problems and "price '150000'" in problems and "HTML" in problems


def test_sizes_and_colours_are_read_from_variant_values_as_catalogs_write_them():
    from connector.site.feeds import variant_attributes

    def read(name: str) -> tuple[str | None, str | None]:
        return variant_attributes(SiteVariant(name, "LPNK-X", 100_000, True))

    assert read("Hitam / 42") == ("42", "Hitam")
    assert read("XXL") == ("XXL", None) and read("All Size") == ("All Size", None)
    assert read("Coklat Soga") == (None, "Coklat Soga") and read("Indigo / L") == ("L", "Indigo")
    assert read("250 gr") == (None, None) and read("Motif Parang") == (None, None)  # neither is guessed


def test_text_helpers_cut_on_words_and_strip_controls():
    assert cut("Kopi Robusta Bubuk Lampung", 20) == "Kopi Robusta Bubuk"
    assert cut("Supercalifragilistik", 5) == "Super"
    assert plain("Madu\x00 Hutan\tSumbawa\r\n  Asli") == "Madu Hutan Sumbawa Asli"
    assert plain("<i>Kue</i> Bangkit", html=True) == "Kue Bangkit"
    assert plain("ukuran < 30 cm", html=True) == "ukuran < 30 cm"  # a bare '<' is text, not a tag
    assert GOOGLE_LIMITS["title"] == 150
