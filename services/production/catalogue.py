"""The seed of production's catalogue: Banten's UPTs, their workshops and products (from the
domain brief), and what a batch needs to know of them.

The catalogue itself is master data in production's tables (services/production/db.py), which
Kanwil administrators edit (services/production/master.py); these tuples are what a new
database starts with, and stay importable for tests and benchmarks.
"""

from dataclasses import dataclass
from typing import Literal

from services.production.domain import internal_gtin
from shared.errors import Rejected

Family = Literal["PAN", "AGR", "KYU", "TEX", "FTW", "BGN"]
UptKind = Literal["lapas", "rutan", "lpka", "lapas_perempuan", "lapas_terbuka"]
UptClass = Literal["I", "IIA", "IIB", "III"]
FoodPermit = Literal["spp-irt", "bpom-md"]


@dataclass(frozen=True)
class Upt:
    code: str
    name: str
    kind: UptKind
    upt_class: UptClass


@dataclass(frozen=True)
class Workshop:
    code: str
    upt_code: str
    name: str
    families: tuple[Family, ...]


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    upt_code: str
    family: Family
    tracking: Literal["unit", "lot"]
    unit_of_measure: str
    price_idr: int
    shelf_life_days: int | None = None  # food and fresh produce
    food_permit: FoodPermit | None = None  # processed food only
    gtin: str | None = None  # a real GTIN-14 when the UPT owns a GS1 prefix; none do yet
    active: bool = True


UPTS = (
    Upt("TGR1", "Lapas Kelas I Tangerang", "lapas", "I"),
    Upt("TGRP", "Lapas Pemuda Kelas IIA Tangerang", "lapas", "IIA"),
    Upt("TGRW", "Lapas Perempuan Kelas IIA Tangerang", "lapas_perempuan", "IIA"),
    Upt("RTGR", "Rutan Kelas I Tangerang", "rutan", "I"),
    Upt("SRG", "Lapas Kelas IIA Serang", "lapas", "IIA"),
    Upt("CLG", "Lapas Kelas IIA Cilegon", "lapas", "IIA"),
    Upt("RKB", "Lapas Kelas III Rangkasbitung", "lapas", "III"),
    Upt("PDG", "Rutan Kelas IIB Pandeglang", "rutan", "IIB"),
    Upt("CGR", "Lapas Terbuka Kelas IIB Ciangir", "lapas_terbuka", "IIB"),
)
WORKSHOPS = (
    Workshop("TGR1-BTN", "TGR1", "Bengkel paving Jawara Beton", ("BGN",)),
    Workshop("TGR1-DPR", "TGR1", "Dapur olahan tempe", ("PAN",)),
    Workshop("TGRW-KUE", "TGRW", "Dapur kue", ("PAN",)),
    Workshop("TGRW-TEX", "TGRW", "Bengkel ecoprint dan batik", ("TEX",)),
    Workshop("SRG-JHM", "SRG", "Dapur jahe merah JAILS", ("PAN",)),
    Workshop("SRG-SAE", "SRG", "SAE peternakan", ("AGR",)),
    Workshop("CLG-SPT", "CLG", "Bengkel sepatu", ("FTW",)),
    Workshop("CLG-MBL", "CLG", "Bengkel mebel dan las", ("KYU",)),
    Workshop("CLG-ROT", "CLG", "Bakery", ("PAN",)),
    Workshop("RKB-KYU", "RKB", "Bengkel kayu Pasthika", ("KYU",)),
    Workshop("PDG-RJT", "PDG", "Bengkel rajut", ("TEX",)),
    Workshop("CGR-SAE", "CGR", "SAE Ciangir", ("AGR", "PAN")),
)

PRODUCTS = (
    Product(
        "PAN-JHM-250",
        "Jahe merah instan JAILS 250 g",
        "SRG",
        "PAN",
        "lot",
        "pouch",
        40_000,
        365,
        "spp-irt",
    ),
    Product(
        "PAN-KTP-150", "Keripik tempe 150 g", "TGR1", "PAN", "lot", "pack", 15_000, 90, "spp-irt"
    ),
    Product("PAN-ROT-001", "Roti manis", "CLG", "PAN", "lot", "piece", 5_000, 5, "spp-irt"),
    Product("PAN-NST-500", "Nastar 500 g", "TGRW", "PAN", "lot", "jar", 95_000, 60, "spp-irt"),
    Product("AGR-TLR-30", "Telur ayam, tray 30", "SRG", "AGR", "lot", "tray", 55_000, 14),
    Product("AGR-LEL-KG", "Lele segar", "CGR", "AGR", "lot", "kg", 25_000, 2),
    Product("KYU-GTR-AKS", "Gitar akustik Pasthika", "RKB", "KYU", "unit", "unit", 1_800_000),
    Product("KYU-CBK-20", "Cobek kayu 20 cm", "RKB", "KYU", "unit", "piece", 50_000),
    Product("KYU-MJT-HPL", "Meja teras besi HPL", "CLG", "KYU", "unit", "unit", 950_000),
    Product("FTW-SPT-OLR", "Sepatu olahraga mesh", "CLG", "FTW", "unit", "pair", 175_000),
    Product("TEX-TRJ-TAS", "Tas rajut", "PDG", "TEX", "unit", "piece", 120_000),
    Product("TEX-ECO-2M", "Kain ecoprint 2 m", "TGRW", "TEX", "unit", "sheet", 200_000),
    Product("BGN-PVB-6", "Paving block 6 cm Jawara Beton", "TGR1", "BGN", "lot", "m2", 55_000),
)

# Lookups in the seed, for tests and benchmarks; services read the catalogue's tables.
UPT_BY_CODE = {upt.code: upt for upt in UPTS}
WORKSHOP_BY_CODE = {workshop.code: workshop for workshop in WORKSHOPS}
PRODUCT_BY_SKU = {product.sku: product for product in PRODUCTS}
# A product's catalogue number makes its internal GTIN: it never changes, and a product added
# later gets the next free one.
CATALOGUE_NUMBER = {product.sku: number for number, product in enumerate(PRODUCTS, start=1)}


def label_gtin(own_gtin: str | None, catalogue_number: int) -> str:
    """The GTIN printed on labels: the product's own, else its internal code."""
    return own_gtin or internal_gtin(catalogue_number)


def gtin_of(product: Product) -> str:
    """A seeded product's label GTIN."""
    return label_gtin(product.gtin, CATALOGUE_NUMBER[product.sku])


@dataclass(frozen=True)
class Origin:
    """Where and what a batch makes: the facts a completed batch announces, named as in
    BatchCompleted."""

    sku: str
    product_name: str
    qc_family: Family
    tracking: Literal["unit", "lot"]
    gtin: str
    unit_of_measure: str
    upt_code: str
    upt_name: str
    workshop_code: str
    workshop_name: str
    shelf_life_days: int | None = None
    food_permit: FoodPermit | None = None


def made_in(workshop: Workshop, product: Product, upt: Upt, gtin: str) -> Origin:
    """The product as made in that workshop; a clear refusal when it is not made there."""
    if product.upt_code != workshop.upt_code or product.family not in workshop.families:
        raise Rejected("sku", f"{product.sku} is not made in workshop {workshop.code}")
    return Origin(
        product.sku,
        product.name,
        product.family,
        product.tracking,
        gtin,
        product.unit_of_measure,
        upt.code,
        upt.name,
        workshop.code,
        workshop.name,
        product.shelf_life_days,
        product.food_permit,
    )


def origin(workshop_code: str, sku: str) -> Origin:
    """A product of the seed as made in a workshop of the seed (tests, benchmarks)."""
    workshop = WORKSHOP_BY_CODE.get(workshop_code)
    if workshop is None:
        raise Rejected("workshop_code", f"unknown workshop {workshop_code!r}")
    product = PRODUCT_BY_SKU.get(sku)
    if product is None:
        raise Rejected("sku", f"unknown product {sku!r}")
    return made_in(workshop, product, UPT_BY_CODE[workshop.upt_code], gtin_of(product))
