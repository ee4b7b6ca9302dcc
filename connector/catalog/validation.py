"""Reading every configured catalog: products, variants, refused rows and warnings per institution
(`connector/sync/check.py` adds what each channel will refuse, for `pasindo validate`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from connector.catalog.mapping import Mapping, MappingError, load_mapping
from connector.catalog.reader import CatalogSpec, ImageChecks, read_catalog
from connector.catalog.rejects import Notice, Reject
from connector.config import Config, InstitutionConfig, mapping_path
from connector.schema import Institution, Product


@dataclass
class InstitutionSummary:
    code: str
    products: int = 0
    variants: int = 0
    rejected: int = 0  # refused rows (a catalog that cannot be read counts as one)
    warnings: int = 0  # notices: read, but staff should look
    unlisted: int = 0  # products some configured channel cannot list (`pasindo validate` checks the channels)


@dataclass
class Validation:
    institutions: list[InstitutionSummary] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)


def institution(entry: InstitutionConfig) -> Institution:
    return Institution(code=entry.code, name=entry.name, type=entry.type, class_=entry.class_,
                       province=entry.province)


class Catalogs:
    """The configured catalogs, each readable as a stream of products and rejects. One per run: its image checks
    (`images`, unless given) are shared by every catalog it reads, so a picture many catalogs name is read once."""

    def __init__(self, config: Config, *, today: date | None = None, images: ImageChecks | None = None):
        self.config = config
        self.today = today or date.today()
        self.images = images or ImageChecks()
        self._mappings: dict[Path, Mapping] = dict(config.mappings)  # as the config check loaded them

    def spec(self, entry: InstitutionConfig) -> CatalogSpec:
        base = self.config.source.parent if self.config.source else Path.cwd()
        path = mapping_path(base, entry.catalog.mapping)
        if path is None:
            raise MappingError(f"no mapping named {entry.catalog.mapping!r}")
        if path not in self._mappings:
            self._mappings[path] = load_mapping(path)
        try:
            label = str(entry.catalog.path.relative_to(base))
        except ValueError:
            label = str(entry.catalog.path)
        return CatalogSpec(
            institution=institution(entry), path=entry.catalog.path, mapping=self._mappings[path], label=label,
            format=entry.catalog.format, sheet=entry.catalog.sheet, table=entry.catalog.table,
            query=entry.catalog.query,
        )

    def read(self, entry: InstitutionConfig) -> Iterator[Product | Reject | Notice]:
        try:
            spec = self.spec(entry)
        except MappingError as err:
            yield Reject(entry.code, str(entry.catalog.path), None, None, None, "catalog_unreadable",
                         {"detail": str(err)})
            return
        yield from read_catalog(spec, today=self.today, images=self.images)

    def selected(self, codes: Iterable[str] | None) -> list[InstitutionConfig]:
        wanted = set(codes or [])
        return [i for i in self.config.institutions if not wanted or i.code in wanted]


def tally(code: str, products: Iterable[Product], rejects: Iterable[Reject], notices: Iterable[Notice]
          ) -> InstitutionSummary:
    """An institution's counts: products, variants, refused rows (a row refused for several reasons counts once)
    and warnings."""
    listed = list(products)
    return InstitutionSummary(code, products=len(listed), variants=sum(len(p.variants) for p in listed),
                              rejected=len({r.row for r in rejects}), warnings=len(list(notices)))
