"""The sandbox's stand-in for a marketplace's product page: ``GET /_sandbox/listing/<dialect>/<item id>``.

A live channel's listing has a buyer-facing page on the marketplace; a sandbox channel's listing has this one, so
links built from the ledger (the landing page's "Beli di ...") can be followed in tests and by hand. A listing a
buyer could see answers 200 with its name, price, stock, status and seller SKUs; one that is unknown, deleted or
delisted answers 404, so a delisted product's link is visibly dead. Every value is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from connector.sandbox.dialect import Response

PREFIX = "/_sandbox/listing/"

_STYLE = ("body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
          "table{border-collapse:collapse}td,th{border:1px solid #888;padding:.25rem .5rem;text-align:left}")


def parse(path: str) -> tuple[str, int] | None:
    """(dialect, item id) of a listing page's path, or None when the path is not one."""
    dialect, _, rest = path.removeprefix(PREFIX).partition("/")
    if not dialect or not rest.isascii() or not rest.isdigit() or len(rest) > 30:
        return None
    return dialect, int(rest)


def page(dialect: str, listing: dict[str, Any]) -> Response:
    """The 200 page of one listing in the inspection shape (DESIGN.md's ``GET /_sandbox/items``)."""
    name = escape(str(listing["name"]))
    rows = [("Dialek", dialect), ("ID", listing["item_id"]), ("Harga", _rupiah(listing["price"])),
            ("Stok", listing["stock"]), ("Status", listing["status"]), ("SKU penjual", listing["seller_sku"] or "-")]
    facts = "".join(f"<tr><th scope=\"row\">{escape(label)}</th><td>{escape(str(value))}</td></tr>"
                    for label, value in rows)
    variants = "".join(f"<tr><td>{escape(str(v['seller_sku']))}</td><td>{escape(_rupiah(v['price']))}</td>"
                       f"<td>{escape(str(v['stock']))}</td></tr>" for v in listing.get("variants") or [])
    if variants:
        variants = ("<h2>Varian</h2><table><thead><tr><th scope=\"col\">SKU penjual</th><th scope=\"col\">Harga</th>"
                    f"<th scope=\"col\">Stok</th></tr></thead><tbody>{variants}</tbody></table>")
    body = f"<h1>{name}</h1><table><tbody>{facts}</tbody></table>{variants}"
    return Response(200, _document(name, body), content_type="text/html")


def gone(dialect: str, item_id: int | str) -> Response:
    """The 404 page: no buyer can see that listing (never created, deleted, or delisted)."""
    what = escape(f"{dialect} {item_id}")
    body = (f"<h1>Produk tidak tersedia</h1><p>Listing {what} tidak ada atau tidak aktif di sandbox "
            "(tidak pernah dibuat, dihapus, atau diturunkan).</p>")
    return Response(404, _document("Produk tidak tersedia", body), content_type="text/html")


def _document(title: str, body: str) -> bytes:
    return (f"<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            f"content=\"width=device-width, initial-scale=1\"><title>{title} (sandbox)</title><style>{_STYLE}</style>"
            f"</head><body><main>{body}</main></body></html>").encode()


def _rupiah(amount: Any) -> str:
    """Whole rupiah as Indonesians write it: "Rp150.000"."""
    return f"Rp{int(amount):,}".replace(",", ".") if isinstance(amount, int) else str(amount)
