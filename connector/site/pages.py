"""The site's pages from a `SiteCatalog`: the home page, a page per institution and per product, the search index
and the static style and script. Jinja2 templates with autoescape on (every catalog text is escaped); everything a
page needs is in the output folder (no CDN, no web fonts), and the lists are plain HTML, so the site works without
JavaScript too. Bahasa Indonesia throughout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from connector.schema import Taxonomy
from connector.site.model import SiteCatalog

STATIC = ("gaya.css", "cari.js")  # copied into aset/
INDEX = "cari.json"


MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


def tanggal(iso: str) -> str:
    """"2026-12-03T02:27:07+07:00" -> "3 Desember 2026 pukul 02.27 (UTC+07:00)"."""
    moment = datetime.fromisoformat(iso)
    offset = moment.strftime("%z")
    return (f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} pukul {moment:%H.%M}"
            + (f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""))


def rupiah(amount: int) -> str:
    """150000 -> "Rp150.000", as Indonesian shops write prices."""
    return f"Rp{amount:,}".replace(",", ".")


@dataclass(frozen=True)
class CategoryCount:
    code: str
    name: str
    count: int
    subcategories: tuple[tuple[str, str, int], ...]  # (code, name, count), only those with products


def category_counts(catalog: SiteCatalog, taxonomy: Taxonomy) -> list[CategoryCount]:
    """Each top category of the taxonomy with its products on the site, and its subcategories with theirs."""
    out = []
    for top in taxonomy:
        products = [p for p in catalog.products if p.category == top.code]
        if not products:
            continue
        subs = tuple((f"{top.code}/{s.code}", s.name_id, n) for s in top.subcategories
                     if (n := sum(1 for p in products if p.subcategory == f"{top.code}/{s.code}")))
        out.append(CategoryCount(top.code, top.name_id, len(products), subs))
    return out


def search_index(catalog: SiteCatalog) -> list[dict[str, Any]]:
    """What the search and filters run over: one entry per product, in the site's order."""
    names = {i.code: i.name for i in catalog.institutions}
    return [{"slug": p.slug, "nama": p.name, "lembaga": p.institution, "lembaga_nama": names.get(p.institution, ""),
             "kategori": p.category, "subkategori": p.subcategory, "kategori_nama": p.category_name,
             "harga": p.price, "halaman": p.page, "gambar": p.thumbnails[0] if p.thumbnails else None}
            for p in catalog.products]


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("connector.site", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["rupiah"] = rupiah
    env.filters["tanggal"] = tanggal
    env.filters["paragraphs"] = lambda text: [p.strip() for p in text.split("\n\n") if p.strip()]
    return env


def write_pages(catalog: SiteCatalog, taxonomy: Taxonomy, folder: Path) -> list[Path]:
    """Every page, the search index and the static files into `folder`; the paths written."""
    env = _environment()
    institutions = {i.code: i for i in catalog.institutions}
    products = {p.key: p for p in catalog.products}
    index = search_index(catalog)
    shared = {"catalog": catalog, "institutions": institutions, "built": catalog.built_at}
    written = [_render(env, "index.html", folder / "index.html", root="", categories=category_counts(
        catalog, taxonomy), index=index, **shared)]
    for inst in catalog.institutions:
        written.append(_render(env, "lembaga.html", folder / inst.page, root="../", institution=inst,
                               products=[products[k] for k in inst.products], **shared))
    for product in catalog.products:
        written.append(_render(env, "produk.html", folder / product.page, root="../", product=product,
                               institution=institutions[product.institution], **shared))
    (folder / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    written.append(folder / INDEX)
    for name in STATIC:
        target = folder / "aset" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(resources.files("connector.site").joinpath("static", name).read_bytes())
        written.append(target)
    return written


def _render(env: Environment, template: str, target: Path, **context: Any) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(env.get_template(template).render(**context), encoding="utf-8")
    return target

