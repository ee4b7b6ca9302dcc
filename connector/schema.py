"""The PASINDO schema: what every institution's catalog is normalised into.

Money is whole rupiah (`int`), weight whole grams, dimensions whole centimetres. A product's key is
`institution_code:sku`, stable across runs; names and classes of institutions change, codes do not.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

PRICE_MIN = 100
PRICE_MAX = 150_000_000
NAME_MIN = 5
NAME_MAX = 255
DESCRIPTION_MAX = 3000  # Shopee Indonesia's limit, the strictest of the three marketplaces
SKU_MAX = 50
IMAGES_MAX = 9
VARIANTS_MAX = 50  # Shopee's model limit per item
INSTITUTION_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class InstitutionType(StrEnum):
    lapas = "lapas"
    rutan = "rutan"
    bapas = "bapas"
    lpka = "lpka"
    lpp = "lpp"
    lpas = "lpas"


class Subcategory(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    name_id: str
    name_en: str


class TopCategory(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    name_id: str
    name_en: str
    subcategories: tuple[Subcategory, ...]


def _subs(*items: tuple[str, str, str]) -> tuple[Subcategory, ...]:
    return tuple(Subcategory(code=c, name_id=i, name_en=e) for c, i, e in items)


TAXONOMY: tuple[TopCategory, ...] = (
    TopCategory(
        code="craft", name_id="Kerajinan", name_en="Craft",
        subcategories=_subs(
            ("cukli", "Cukli", "Cukli (mother-of-pearl inlay)"),
            ("kaligrafi", "Kaligrafi", "Calligraphy"),
            ("lukisan", "Lukisan & Hiasan Dinding", "Paintings & wall decor"),
            ("ukiran", "Ukiran Kayu", "Wood carving"),
            ("anyaman", "Anyaman", "Woven goods"),
            ("dekorasi", "Dekorasi & Suvenir", "Home decor & souvenirs"),
            ("perabot", "Perabot", "Furniture"),
            ("peralatan-rumah", "Peralatan Rumah Tangga", "Household ware"),
        ),
    ),
    TopCategory(
        code="culinary", name_id="Kuliner", name_en="Culinary",
        subcategories=_subs(
            ("kopi", "Kopi", "Coffee"),
            ("camilan", "Camilan", "Snacks"),
            ("roti-kue", "Roti & Kue", "Bread & cakes"),
            ("minuman", "Minuman", "Drinks"),
            ("madu", "Madu", "Honey"),
            ("bumbu", "Bumbu & Sambal", "Spices & sauces"),
        ),
    ),
    TopCategory(
        code="fashion", name_id="Fashion", name_en="Fashion",
        subcategories=_subs(
            ("tas", "Tas", "Bags"),
            ("dompet", "Dompet", "Wallets"),
            ("sepatu", "Sepatu", "Shoes"),
            ("sandal", "Sandal", "Sandals"),
            ("batik", "Kain Batik", "Batik cloth"),
            ("pakaian", "Pakaian", "Clothing"),
            ("aksesoris", "Aksesoris", "Accessories"),
        ),
    ),
)

CATEGORY_CODES: frozenset[str] = frozenset(
    [t.code for t in TAXONOMY] + [f"{t.code}/{s.code}" for t in TAXONOMY for s in t.subcategories]
)


def top_category(category: str) -> str:
    """`craft/cukli` -> `craft`."""
    return category.split("/", 1)[0]


class Institution(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    code: Annotated[str, Field(pattern=INSTITUTION_CODE.pattern, max_length=64)]
    name: str
    type: InstitutionType
    class_: str | None = Field(default=None, alias="class")
    province: str | None = None

    @property
    def credit(self) -> str:
        """How a product is credited when no maker may be named (UU PDP; never name a child)."""
        who = {InstitutionType.bapas: "Klien", InstitutionType.lpka: "Anak Binaan"}.get(self.type, "WBP")
        return f"Karya {who} {self.name}"


class FoodPermit(BaseModel):
    """A distribution permit for packaged food: P-IRT (home industry) or BPOM MD / ML."""

    kind: Literal["pirt", "bpom_md", "bpom_ml"]
    number: str  # normalised: P-IRT "1234567890123-45", BPOM "MD 123456789012"
    expires_year: int | None = None  # P-IRT only: the last two digits of the number


class Maker(BaseModel):
    """Who made the product, as the listing may show it."""

    name: str | None = None  # only with recorded consent, never for an LPKA
    credit: str  # the line the listing shows: the maker's name or the institution's credit


Sku = Annotated[str, Field(min_length=1, max_length=SKU_MAX, pattern=r"^\S+$")]
Price = Annotated[int, Field(ge=PRICE_MIN, le=PRICE_MAX)]
Stock = Annotated[int, Field(ge=0)]


class SourceRef(BaseModel):
    file: str
    row: int


class Variant(BaseModel):
    sku: Sku
    price: Price
    stock: Stock
    options: dict[str, str]  # option name -> value, e.g. {"Ukuran": "42"}
    weight_g: Annotated[int, Field(gt=0)] | None = None  # when the variant row gives its own
    row: int | None = None


class Product(BaseModel):
    institution: str
    sku: Sku
    name: Annotated[str, Field(min_length=NAME_MIN, max_length=NAME_MAX)]
    description: Annotated[str, Field(max_length=DESCRIPTION_MAX)]
    category: str  # a code from TAXONOMY: "craft", "craft/cukli"
    price: Price  # with variants: the lowest variant price
    stock: Stock  # with variants: the sum of the variants' stock
    unit: str = "pcs"
    weight_g: Annotated[int, Field(gt=0)]
    length_cm: Annotated[int, Field(gt=0)] | None = None
    width_cm: Annotated[int, Field(gt=0)] | None = None
    height_cm: Annotated[int, Field(gt=0)] | None = None
    images: Annotated[list[str], Field(max_length=IMAGES_MAX)] = []  # https URLs or absolute file paths
    variants: Annotated[list[Variant], Field(max_length=VARIANTS_MAX)] = []
    material: Annotated[str, Field(max_length=100)] | None = None  # "Kulit Sapi", "Katun", "Rotan"
    food_permit: FoodPermit | None = None
    halal: str | None = None
    expiry: date | None = None
    ready_to_eat: bool = False
    made_to_order: bool = False
    maker: Maker
    source: SourceRef

    @computed_field
    @property
    def key(self) -> str:
        return f"{self.institution}:{self.sku}"


def json_schema() -> dict:
    """The JSON Schema of a PASINDO product, as `pasindo schema` prints it."""
    schema = Product.model_json_schema(mode="serialization")
    schema["$defs"]["Institution"] = Institution.model_json_schema()
    schema["x-taxonomy"] = [t.model_dump() for t in TAXONOMY]
    return schema
