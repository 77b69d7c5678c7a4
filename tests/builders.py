"""Events as their producers build them (`Model.new`), with random ids and codes per test.

Defaults describe a pair of shoes from Cilegon (unit-tracked) or red ginger drink from Serang
(lot-tracked); pass what a test cares about, leave the rest.
"""

import itertools
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from services.production.catalogue import PRODUCTS, Product
from services.production.domain import internal_gtin, serials
from services.quality.domain import DEFECT_CODES
from shared.contracts import (
    Allocation,
    BatchCompleted,
    BatchSignedOff,
    Defect,
    OrderPlaced,
    ReservationDeclined,
    SaleCompleted,
    StockChanged,
    StockReason,
    StockReserved,
)

SHOES = "FTW-SPT-OLR"  # unit-tracked, made in CLG-SPT
GINGER = "PAN-JHM-250"  # lot-tracked, made in SRG-JHM
WORKSHOPS = {SHOES: ("CLG-SPT", "Bengkel sepatu"), GINGER: ("SRG-JHM", "Dapur jahe merah JAILS")}
UPT_NAMES = {"CLG": "Lapas Kelas IIA Cilegon", "SRG": "Lapas Kelas IIA Serang"}

_lot_numbers = itertools.count(random.randint(1, 5000))
_clock = itertools.count(1)


def product(sku: str) -> tuple[int, Product]:
    """The catalogue number and entry of a product, as production seeds them."""
    return next((n, p) for n, p in enumerate(PRODUCTS, start=1) if p.sku == sku)


def random_lot_code(upt_code: str = "CLG", family: str = "FTW") -> str:
    """A lot code never used before in this test run."""
    yymm = f"{random.randint(24, 29)}{random.randint(1, 12):02d}"
    return f"{upt_code}-{family}-{yymm}-{next(_lot_numbers) % 10_000:04d}"


def random_buyer_ref() -> str:
    return f"BUYER-{uuid4().hex[:10].upper()}"


def later() -> datetime:
    """Strictly increasing times, so steps of one test keep the order they were made in."""
    return datetime(2026, 11, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=next(_clock))


def batch_completed(*, sku: str = SHOES, quantity: int = 24) -> BatchCompleted:
    number, item = product(sku)
    lot = random_lot_code(item.upt_code, item.family)
    workshop_code, workshop_name = WORKSHOPS[sku]
    return BatchCompleted.new(
        occurred_at=later(),
        batch_id=uuid4(),
        lot_code=lot,
        sku=item.sku,
        product_name=item.name,
        qc_family=item.family,
        tracking=item.tracking,
        gtin=internal_gtin(number),
        upt_code=item.upt_code,
        upt_name=UPT_NAMES[item.upt_code],
        workshop_code=workshop_code,
        workshop_name=workshop_name,
        quantity=quantity,
        unit_of_measure=item.unit_of_measure,
        serials=serials(lot, quantity) if item.tracking == "unit" else [],
        worker_count=3,
    )


def batch_signed_off(
    batch: BatchCompleted,
    *,
    rejected_serials: Sequence[str] = (),
    rejected_quantity: int | None = None,
) -> BatchSignedOff:
    """QC's answer to a batch: the listed serials (or a quantity, per lot) fail the first code."""
    rejected = len(rejected_serials) if rejected_quantity is None else rejected_quantity
    code, description = next(iter(DEFECT_CODES[batch.qc_family].items()))
    defects = (
        [Defect(code=code, description=description, quantity=rejected, serials=[*rejected_serials])]
        if rejected
        else []
    )
    return BatchSignedOff.new(
        caused_by=batch,
        occurred_at=later(),
        inspection_id=uuid4(),
        batch_id=batch.batch_id,
        lot_code=batch.lot_code,
        sku=batch.sku,
        product_name=batch.product_name,
        tracking=batch.tracking,
        upt_code=batch.upt_code,
        officer_code=f"QC-{batch.upt_code}-07",
        passed_quantity=batch.quantity - rejected,
        rejected_quantity=rejected,
        passed_serials=[s for s in batch.serials if s not in rejected_serials],
        defects=defects,
    )


def stock_changed(
    *,
    sku: str = SHOES,
    location_code: str = "CLG-STORE",
    available: int,
    version: int,
    reason: StockReason = "received",
    delta: int = 0,
    lot_code: str | None = None,
    serials: Sequence[str] = (),
) -> StockChanged:
    return StockChanged.new(
        occurred_at=later(),
        sku=sku,
        product_name=product(sku)[1].name,
        location_code=location_code,
        available=available,
        on_hand=available,
        version=version,
        reason=reason,
        delta=delta,
        lot_code=lot_code,
        serials=[*serials],
    )


def received(signed_off: BatchSignedOff, *, version: int = 1) -> StockChanged:
    """What inventory announces when the passed goods of a sign-off enter the store."""
    return stock_changed(
        sku=signed_off.sku,
        location_code=f"{signed_off.upt_code}-STORE",
        available=signed_off.passed_quantity,
        version=version,
        delta=signed_off.passed_quantity,
        lot_code=signed_off.lot_code,
        serials=signed_off.passed_serials,
    )


def order_placed(*, sku: str = SHOES, quantity: int, serials: Sequence[str] = ()) -> OrderPlaced:
    return OrderPlaced.new(
        occurred_at=later(),
        order_id=uuid4(),
        channel_code="GALERI-SERANG",
        sku=sku,
        quantity=quantity,
        serials=[*serials],
    )


def stock_reserved(order: OrderPlaced, allocations: Sequence[Allocation]) -> StockReserved:
    return StockReserved.new(
        caused_by=order,
        occurred_at=later(),
        order_id=order.order_id,
        sku=order.sku,
        quantity=order.quantity,
        allocations=[*allocations],
    )


def reservation_declined(order: OrderPlaced, *, available: int) -> ReservationDeclined:
    return ReservationDeclined.new(
        caused_by=order,
        occurred_at=later(),
        order_id=order.order_id,
        sku=order.sku,
        requested=order.quantity,
        available=available,
        reason=f"only {available} available",
    )


def sale_completed(reserved: StockReserved, *, buyer_ref: str | None = None) -> SaleCompleted:
    """The hand-over of a reserved order: it takes exactly what inventory set aside."""
    return SaleCompleted.new(
        caused_by=reserved,
        occurred_at=later(),
        order_id=reserved.order_id,
        channel_code="GALERI-SERANG",
        sku=reserved.sku,
        quantity=reserved.quantity,
        buyer_ref=buyer_ref or random_buyer_ref(),
        allocations=reserved.allocations,
    )
