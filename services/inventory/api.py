"""Inventory's HTTP API: stock levels, lots, the ledger and reservations (read only)."""

from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from services.inventory import db
from shared.contracts import Allocation
from shared.errors import NotFound
from shared.service import ReadSessionDep

router = APIRouter(tags=["inventory"])


class LevelView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    sku: str
    product_name: str
    location_code: str
    on_hand: int
    reserved: int
    available: int
    version: int


class LedgerLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    sku: str
    location_code: str
    lot_code: str
    on_hand_delta: int
    reserved_delta: int
    reason: str
    order_id: UUID | None


class ReservationView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    order_id: UUID
    sku: str
    quantity: int
    status: str
    reason: str | None
    allocations: list[Allocation]


@router.get("/stock")
async def list_stock(session: ReadSessionDep, sku: str | None = None) -> list[LevelView]:
    """Stock per SKU and location."""
    query = select(db.LevelRow).order_by(db.LevelRow.sku, db.LevelRow.location_code)
    if sku:
        query = query.where(db.LevelRow.sku == sku)
    return [LevelView.model_validate(row) for row in await session.scalars(query)]


@router.get("/ledger")
async def ledger(session: ReadSessionDep, sku: str, limit: int = 200) -> list[LedgerLine]:
    """The newest movements of a SKU."""
    query = select(db.LedgerRow).where(db.LedgerRow.sku == sku)
    rows = await session.scalars(query.order_by(db.LedgerRow.id.desc()).limit(min(limit, 1000)))
    return [LedgerLine.model_validate(row) for row in rows]


@router.get("/reservations/{order_id}")
async def get_reservation(order_id: UUID, session: ReadSessionDep) -> ReservationView:
    """How inventory answered an order."""
    row = await session.get(db.ReservationRow, order_id)
    if row is None:
        raise NotFound("order_id", f"no reservation for order {order_id} (yet)")
    return ReservationView.model_validate(row)
