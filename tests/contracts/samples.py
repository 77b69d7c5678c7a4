"""One realistic event of every contract, built the way producers build them (`Model.new`)."""

from datetime import UTC, datetime
from uuid import UUID

from shared.contracts import (
    Allocation,
    BatchCompleted,
    BatchSignedOff,
    Defect,
    Event,
    OrderPlaced,
    ReservationDeclined,
    SaleCompleted,
    StockChanged,
    StockReserved,
)

BATCH_ID = UUID("6f1c2a4e-8d0b-4c7a-9e55-0b1d2c3e4f50")
ORDER_ID = UUID("0d9a7e62-3b41-4f08-a1c6-5e2f7b8c9d10")
LOT = "CLG-FTW-2611-0042"
SERIALS = [f"{LOT}-{n:04d}" for n in range(1, 25)]
OCCURRED_AT = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)

SAMPLE_FIELDS: dict[type[Event], dict[str, object]] = {
    BatchCompleted: {
        "batch_id": BATCH_ID,
        "lot_code": LOT,
        "sku": "FTW-SPT-OLR",
        "product_name": "Sepatu olahraga mesh",
        "qc_family": "FTW",
        "tracking": "unit",
        "gtin": "00200000000103",
        "upt_code": "CLG",
        "upt_name": "Lapas Kelas IIA Cilegon",
        "workshop_code": "CLG-SPT",
        "workshop_name": "Bengkel sepatu",
        "quantity": 24,
        "unit_of_measure": "pair",
        "serials": SERIALS,
        "worker_count": 9,
    },
    BatchSignedOff: {
        "inspection_id": UUID("a3b4c5d6-e7f8-4a1b-8c2d-3e4f5a6b7c8d"),
        "batch_id": BATCH_ID,
        "lot_code": LOT,
        "sku": "FTW-SPT-OLR",
        "product_name": "Sepatu olahraga mesh",
        "tracking": "unit",
        "upt_code": "CLG",
        "officer_code": "PTG-CLG-07",
        "passed_quantity": 22,
        "rejected_quantity": 2,
        "passed_serials": SERIALS[:22],
        "defects": [
            Defect(code="FTW-01", description="sole bonding", quantity=2, serials=SERIALS[22:]),
        ],
    },
    StockChanged: {
        "sku": "FTW-SPT-OLR",
        "product_name": "Sepatu olahraga mesh",
        "location_code": "CLG-STORE",
        "available": 22,
        "on_hand": 22,
        "version": 1,
        "reason": "received",
        "delta": 22,
        "lot_code": LOT,
        "serials": SERIALS[:22],
    },
    OrderPlaced: {
        "order_id": ORDER_ID,
        "channel_code": "GALERI-SERANG",
        "sku": "FTW-SPT-OLR",
        "quantity": 2,
    },
    StockReserved: {
        "order_id": ORDER_ID,
        "sku": "FTW-SPT-OLR",
        "quantity": 2,
        "allocations": [
            Allocation(lot_code=LOT, location_code="CLG-STORE", quantity=2, serials=SERIALS[:2]),
        ],
    },
    ReservationDeclined: {
        "order_id": ORDER_ID,
        "sku": "KYU-GTR-AKS",
        "requested": 5,
        "available": 2,
        "reason": "only 2 available",
    },
    SaleCompleted: {
        "order_id": ORDER_ID,
        "channel_code": "GALERI-SERANG",
        "sku": "FTW-SPT-OLR",
        "quantity": 2,
        "buyer_ref": "BYR-7Q2K9X",
        "allocations": [
            Allocation(lot_code=LOT, location_code="CLG-STORE", quantity=2, serials=SERIALS[:2]),
        ],
    },
}


def sample_event(model: type[Event], *, caused_by: Event | None = None) -> Event:
    """A valid event of `model`; fails loudly when a new contract has no sample yet."""
    if model not in SAMPLE_FIELDS:
        raise LookupError(f"add sample fields for {model.__name__} to {__name__}.SAMPLE_FIELDS")
    return model.new(caused_by=caused_by, occurred_at=OCCURRED_AT, **SAMPLE_FIELDS[model])
