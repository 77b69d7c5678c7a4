"""Inventory's HTTP API: stock levels, lots, the ledger and reservations (read only)."""

from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from services.inventory import db
from shared.errors import NotFound
from shared.service import ReadSessionDep

router = APIRouter(tags=["inventory"])


class LevelView(BaseModel):
    sku: str
    product_name: str
    location_code: str
    on_hand: int
    reserved: int
    available: int
    version: int


class LedgerLine(BaseModel):
    id: int
    sku: str
    location_code: str
    lot_code: str
    on_hand_delta: int
    reserved_delta: int
    reason: str
    order_id: UUID | None


@router.get("/stock")
async def list_stock(session: ReadSessionDep, sku: str | None = None) -> list[LevelView]:
    """Stock per SKU and location."""
    query = select(db.LevelRow).order_by(db.LevelRow.sku, db.LevelRow.location_code)
    if sku:
        query = query.where(db.LevelRow.sku == sku)
    return [
        LevelView(
            sku=row.sku,
            product_name=row.product_name,
            location_code=row.location_code,
            on_hand=row.on_hand,
            reserved=row.reserved,
            available=row.on_hand - row.reserved,
            version=row.version,
        )
        for row in await session.scalars(query)
    ]


@router.get("/ledger")
async def ledger(session: ReadSessionDep, sku: str, limit: int = 200) -> list[LedgerLine]:
    """The newest movements of a SKU."""
    rows = await session.scalars(
        select(db.LedgerRow)
        .where(db.LedgerRow.sku == sku)
        .order_by(db.LedgerRow.id.desc())
        .limit(min(limit, 1000))
    )
    return [
        LedgerLine(
            id=row.id,
            sku=row.sku,
            location_code=row.location_code,
            lot_code=row.lot_code,
            on_hand_delta=row.on_hand_delta,
            reserved_delta=row.reserved_delta,
            reason=row.reason,
            order_id=row.order_id,
        )
        for row in rows
    ]


@router.get("/reservations/{order_id}")
async def get_reservation(order_id: UUID, session: ReadSessionDep) -> dict[str, object]:
    """How inventory answered an order."""
    row = await session.get(db.ReservationRow, order_id)
    if row is None:
        raise NotFound("order_id", f"no reservation for order {order_id} (yet)")
    return {
        "order_id": row.order_id,
        "sku": row.sku,
        "quantity": row.quantity,
        "status": row.status,
        "reason": row.reason,
        "allocations": row.allocations,
    }
