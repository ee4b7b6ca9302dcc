"""Why a channel does not list a product (or lists it changed), as stable codes with a text in English and in
Bahasa Indonesia, for the run report, `validate` and the staff rejects CSV.

A template takes `{channel}`, `{why}` (the English detail line) and the refusal's own params. A code without an
entry here is a defect: `tests/test_reasons.py` checks every code the connector emits has both texts.
"""

from __future__ import annotations

from typing import Any

# reason -> (English, Bahasa Indonesia)
MESSAGES: dict[str, tuple[str, str]] = {
    "channel_refused": (
        "{channel}: {why}",
        "{channel} menolak produk ini: {why}",
    ),
    "marketplace_refused": (  # the marketplace's own message is kept beside it (the CSV's Keterangan)
        "{channel} refused the listing: {why}",
        "{channel} menolak isi produk ini (pesan marketplace ada di kolom Keterangan); perbaiki baris ini, lalu "
        "sinkronkan lagi",
    ),
    # -- what the channel's category map and category rules say (listable.py) --
    "category_map_unreadable": (
        "{channel}: the channel's category map cannot be read: {why}",
        "{channel}: peta kategori kanal ini tidak dapat dibaca: {why}",
    ),
    "category_unmapped": (
        "{channel}: no category id for {category} in {source}",
        "{channel}: kategori {category} belum dipetakan di {source}",
    ),
    "category_not_in_tree": (
        "{why}",  # the English line names the channel already
        "{channel}: kategori {category_id} (peta untuk {category} di {source}) tidak ada di pohon kategori kanal",
    ),
    "category_not_leaf": (
        "{why}",  # the English line names the channel already
        "{channel}: kategori {category_id} (peta untuk {category} di {source}) bukan kategori terakhir: petakan "
        "subkategorinya",
    ),
    "attribute_unfilled": (
        "{why}",  # the English line names the channel already
        "{channel}: kategori {category_id} mewajibkan atribut '{attribute}', tetapi belum ada isinya: lengkapi "
        "data produk di katalog atau `defaults:` di {source}",
    ),
    "seller_sku_clash": (
        "{channel}: seller SKU clash with {other} (set sku_prefix to separate them)",
        "{channel}: SKU penjual sama dengan produk {other} (atur sku_prefix agar berbeda)",
    ),
    # -- the channel's listing rules (fit.py) --
    "title_completed": (
        "{channel}: the name has {length} characters, fewer than the {minimum} the channel needs: listed as "
        "'{title}'",
        "{channel}: nama produk hanya {length} karakter, kurang dari {minimum} yang diwajibkan: ditayangkan "
        "sebagai '{title}'",
    ),
    "title_too_short": (
        "{channel}: the name has {length} characters and cannot be completed to the {minimum} the channel needs "
        "from the subcategory, material and credit line: lengthen it",
        "{channel}: nama produk hanya {length} karakter dan tidak dapat dilengkapi sampai {minimum} karakter dari "
        "subkategori, bahan dan keterangan pembuat: perpanjang namanya",
    ),
    "title_too_long": (
        "{channel}: the name has {length} characters, more than the {maximum} the channel takes: shorten it",
        "{channel}: nama produk {length} karakter, melebihi batas {maximum} karakter: persingkat namanya",
    ),
    "description_too_short": (
        "{channel}: the description has {length} characters, fewer than the {minimum} the channel needs",
        "{channel}: deskripsi hanya {length} karakter, kurang dari {minimum} karakter yang diwajibkan",
    ),
    "description_too_long": (
        "{channel}: the description (with the credit line) has {length} characters, more than the {maximum} the "
        "channel takes: shorten it",
        "{channel}: deskripsi (beserta keterangan pembuat) {length} karakter, melebihi batas {maximum} karakter: "
        "persingkat deskripsinya",
    ),
    "images_too_few": (
        "{channel}: {count} photo(s), the channel needs at least {minimum}: add a photo",
        "{channel}: {count} foto, kanal ini mewajibkan paling sedikit {minimum} foto: tambahkan foto",
    ),
    "images_trimmed": (
        "{channel}: {count} photos, the channel shows at most {maximum}: the first {maximum} are listed",
        "{channel}: {count} foto, kanal ini menampilkan paling banyak {maximum}: {maximum} foto pertama yang "
        "ditayangkan",
    ),
    "weight_out_of_range": (
        "{channel}: weight {weight_g} g is outside what the channel takes ({accepted})",
        "{channel}: berat {weight_g} gram di luar batas kanal ini ({accepted})",
    ),
    "dimensions_missing": (
        "{channel}: the channel needs the package length, width and height (cm)",
        "{channel}: kanal ini mewajibkan panjang, lebar dan tinggi kemasan (cm)",
    ),
    "dimension_out_of_range": (
        "{channel}: a package side of {size} cm is more than the {maximum} cm the channel takes",
        "{channel}: sisi kemasan {size} cm melebihi batas {maximum} cm kanal ini",
    ),
    "price_out_of_range": (
        "{channel}: the price on the channel, Rp{price}, is outside what it takes ({accepted})",
        "{channel}: harga di kanal ini, Rp{price}, di luar batas yang diterima ({accepted})",
    ),
    "stock_out_of_range": (
        "{channel}: stock {stock} is more than the {maximum} the channel takes",
        "{channel}: stok {stock} melebihi batas {maximum} kanal ini",
    ),
    "variants_too_many": (
        "{channel}: {count} variants, the channel takes at most {maximum}",
        "{channel}: {count} varian, kanal ini menerima paling banyak {maximum} varian",
    ),
    "seller_sku_too_long": (
        "{channel}: seller SKU {seller_sku} has {length} characters, more than the {maximum} the channel takes",
        "{channel}: SKU penjual {seller_sku} {length} karakter, melebihi batas {maximum} karakter kanal ini",
    ),
    "image_unreadable": (
        "{channel}: a photo cannot be read: {why}",
        "{channel}: foto tidak dapat dibaca: {why}",
    ),
    # images
}


def reason_message(reason: str, lang: str, why: str, **params: Any) -> str:
    """The text of `reason` in `lang` ('en' or 'id'); an unknown code falls back to the generic refusal."""
    english, indonesian = MESSAGES.get(reason, MESSAGES["channel_refused"])
    template = indonesian if lang == "id" else english
    try:
        return template.format(why=why, **params)
    except (KeyError, IndexError):  # a code used without its params: the English detail still says it
        return MESSAGES["channel_refused"][1 if lang == "id" else 0].format(why=why, **params)
