"""The seeded catalogue: Banten UPTs, their workshops and products (from the domain brief)."""

from dataclasses import dataclass
from typing import Literal

from services.production.domain import internal_gtin
from shared.errors import Rejected

Family = Literal["PAN", "AGR", "KYU", "TEX", "FTW", "BGN"]


@dataclass(frozen=True)
class Upt:
    code: str
    name: str


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
    gtin: str | None = None  # a real GTIN-14 when the UPT owns a GS1 prefix; none do yet


UPTS = (
    Upt("TGR1", "Lapas Kelas I Tangerang"),
    Upt("TGRP", "Lapas Pemuda Kelas IIA Tangerang"),
    Upt("TGRW", "Lapas Perempuan Kelas IIA Tangerang"),
    Upt("RTGR", "Rutan Kelas I Tangerang"),
    Upt("SRG", "Lapas Kelas IIA Serang"),
    Upt("CLG", "Lapas Kelas IIA Cilegon"),
    Upt("RKB", "Lapas Kelas III Rangkasbitung"),
    Upt("PDG", "Rutan Kelas IIB Pandeglang"),
    Upt("CGR", "Lapas Terbuka Kelas IIB Ciangir"),
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
    Product("PAN-JHM-250", "Jahe merah instan JAILS 250 g", "SRG", "PAN", "lot", "pouch", 40_000),
    Product("PAN-KTP-150", "Keripik tempe 150 g", "TGR1", "PAN", "lot", "pack", 15_000),
    Product("PAN-ROT-001", "Roti manis", "CLG", "PAN", "lot", "piece", 5_000),
    Product("PAN-NST-500", "Nastar 500 g", "TGRW", "PAN", "lot", "jar", 95_000),
    Product("AGR-TLR-30", "Telur ayam, tray 30", "SRG", "AGR", "lot", "tray", 55_000),
    Product("AGR-LEL-KG", "Lele segar", "CGR", "AGR", "lot", "kg", 25_000),
    Product("KYU-GTR-AKS", "Gitar akustik Pasthika", "RKB", "KYU", "unit", "unit", 1_800_000),
    Product("KYU-CBK-20", "Cobek kayu 20 cm", "RKB", "KYU", "unit", "piece", 50_000),
    Product("KYU-MJT-HPL", "Meja teras besi HPL", "CLG", "KYU", "unit", "unit", 950_000),
    Product("FTW-SPT-OLR", "Sepatu olahraga mesh", "CLG", "FTW", "unit", "pair", 175_000),
    Product("TEX-TRJ-TAS", "Tas rajut", "PDG", "TEX", "unit", "piece", 120_000),
    Product("TEX-ECO-2M", "Kain ecoprint 2 m", "TGRW", "TEX", "unit", "sheet", 200_000),
    Product("BGN-PVB-6", "Paving block 6 cm Jawara Beton", "TGR1", "BGN", "lot", "m2", 55_000),
)

# The catalogue is reference data seeded from this module; requests look it up here instead
# of querying it on every call.
UPT_BY_CODE = {upt.code: upt for upt in UPTS}
WORKSHOP_BY_CODE = {workshop.code: workshop for workshop in WORKSHOPS}
PRODUCT_BY_SKU = {product.sku: product for product in PRODUCTS}
CATALOGUE_NUMBER = {product.sku: number for number, product in enumerate(PRODUCTS, start=1)}


def gtin_of(product: Product) -> str:
    return product.gtin or internal_gtin(CATALOGUE_NUMBER[product.sku])


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


def origin(workshop_code: str, sku: str) -> Origin:
    """The product as made in that workshop; a clear refusal when it is not made there."""
    workshop = WORKSHOP_BY_CODE.get(workshop_code)
    if workshop is None:
        raise Rejected("workshop_code", f"unknown workshop {workshop_code!r}")
    product = PRODUCT_BY_SKU.get(sku)
    if product is None:
        raise Rejected("sku", f"unknown product {sku!r}")
    if product.upt_code != workshop.upt_code or product.family not in workshop.families:
        raise Rejected("sku", f"{sku} is not made in workshop {workshop.code}")
    upt = UPT_BY_CODE[workshop.upt_code]
    return Origin(
        product.sku,
        product.name,
        product.family,
        product.tracking,
        gtin_of(product),
        product.unit_of_measure,
        upt.code,
        upt.name,
        workshop.code,
        workshop.name,
    )
