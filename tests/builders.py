"""Events as their producers build them (shared/samples.py), with random ids and codes per test.

Defaults describe a pair of shoes from Cilegon (unit-tracked) or red ginger drink from Serang
(lot-tracked); pass what a test cares about, leave the rest. Product facts come from
production's catalogue, defect codes from quality, store locations from inventory.
"""

import itertools
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from services.inventory.domain import store_location
from services.production.catalogue import PRODUCT_BY_SKU, UPT_BY_CODE, WORKSHOP_BY_CODE, gtin_of
from services.production.domain import serials
from services.quality.domain import DEFECT_CODES
from shared import samples
from shared.contracts import (
    Allocation,
    BatchCompleted,
    BatchSignedOff,
    FoodPermit,
    OrderPlaced,
    ReservationDeclined,
    SaleCompleted,
    StockChanged,
    StockReserved,
)
from shared.samples import Line

SHOES = "FTW-SPT-OLR"  # unit-tracked
GINGER = "PAN-JHM-250"  # lot-tracked
COBEK = "KYU-CBK-20"  # unit-tracked, Rangkasbitung's: another UPT's goods than the shoes
# The workshop of each product the tests make.
MADE_IN = {SHOES: "CLG-SPT", GINGER: "SRG-JHM", COBEK: "RKB-KYU"}

# Lots counted up from a random one in 2026-2029: never repeated within a run.
_lot_numbers = itertools.count(random.randrange(samples.LOTS_PER_MONTH * 12 * 4))
_clock = itertools.count(1)


def line(sku: str) -> Line:
    """Shoes or ginger where the tests make them, with production's catalogue entries."""
    product, workshop = PRODUCT_BY_SKU[sku], WORKSHOP_BY_CODE[MADE_IN[sku]]
    upt = UPT_BY_CODE[workshop.upt_code]
    return Line.model_validate(
        {"product": product, "gtin": gtin_of(product), "upt": upt, "workshop": workshop}
    )


def random_lot_code(upt_code: str = "CLG", family: str = "FTW") -> str:
    """A lot code never used before in this test run."""
    return samples.lot_code(upt_code, family, next(_lot_numbers))


def random_buyer_ref() -> str:
    return f"BUYER-{uuid4().hex[:10].upper()}"


def later() -> datetime:
    """Strictly increasing times, so steps of one test keep the order they were made in."""
    return datetime(2026, 11, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=next(_clock))


def batch_completed(*, sku: str = SHOES, quantity: int = 24) -> BatchCompleted:
    made = line(sku)
    lot = random_lot_code(made.upt.code, made.product.family)
    numbered = serials(lot, quantity) if made.unit_tracked else []
    return samples.batch_completed(made, lot, quantity, serials=numbered, occurred_at=later())


def batch_signed_off(
    batch: BatchCompleted,
    *,
    rejected_serials: Sequence[str] = (),
    rejected_quantity: int | None = None,
) -> BatchSignedOff:
    """QC's answer to a batch: the listed serials (or a quantity, per lot) fail the first code."""
    first_defect = next(iter(DEFECT_CODES[batch.qc_family].items()))
    return samples.batch_signed_off(
        batch,
        rejected=rejected_serials if rejected_quantity is None else rejected_quantity,
        defect=first_defect,
        occurred_at=later(),
    )


def stock_changed(
    *, sku: str = SHOES, location_code: str = "CLG-STORE", **change: Any
) -> StockChanged:
    """Stock of shoes in Cilegon's store, unless told otherwise; `change`: available, version
    and the rest that samples.stock_changed takes."""
    name = PRODUCT_BY_SKU[sku].name
    return samples.stock_changed(
        sku=sku, product_name=name, location_code=location_code, occurred_at=later(), **change
    )


def received(signed_off: BatchSignedOff, *, version: int = 1) -> StockChanged:
    """What inventory announces when the passed goods of a sign-off enter the store."""
    location = store_location(signed_off.upt_code)
    return samples.stock_received(
        signed_off, location_code=location, version=version, occurred_at=later()
    )


def order_placed(*, sku: str = SHOES, quantity: int, serials: Sequence[str] = ()) -> OrderPlaced:
    return samples.order_placed(sku=sku, quantity=quantity, serials=serials, occurred_at=later())


def stock_reserved(order: OrderPlaced, allocations: Sequence[Allocation]) -> StockReserved:
    return samples.stock_reserved(order, allocations, occurred_at=later())


def reservation_declined(order: OrderPlaced, *, available: int) -> ReservationDeclined:
    return samples.reservation_declined(order, available=available, occurred_at=later())


def sale_completed(reserved: StockReserved, *, buyer_ref: str | None = None) -> SaleCompleted:
    """The hand-over of a reserved order: it takes exactly what inventory set aside."""
    buyer = buyer_ref or random_buyer_ref()
    return samples.sale_completed(reserved, buyer_ref=buyer, occurred_at=later())


def food(
    batch: BatchCompleted,
    *,
    best_before: date,
    production_date: date | None = None,
    food_permit: FoodPermit | None = "spp-irt",
    upt_code: str | None = None,
) -> BatchCompleted:
    """A food batch as production completes it once it sets the food fields: its dates (WIB)
    and the permit it is sold under; `upt_code` moves it to another UPT (quality's tests give
    it permits of its own there)."""
    fields: dict[str, Any] = {
        "best_before": best_before,
        "production_date": production_date,
        "food_permit": food_permit,
    }
    if upt_code is not None:
        fields["upt_code"] = upt_code
    return batch.model_copy(update=fields)
