"""Inventory's HTTP API: stock levels, lots, the ledger and reservations (read only)."""

from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.inventory import db
from services.inventory.domain import store_location
from shared.auth import CallerDep, allow
from shared.contracts import Allocation
from shared.errors import NotFound
from shared.identity import Claims
from shared.service import ReadSessionDep

router = APIRouter(tags=["inventory"])


class LevelView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    sku: str
    product_name: str
    location_code: str
    on_hand: int
    reserved: int
    quarantined: int = Field(description="Held goods: on hand, neither reserved nor available.")
    available: int = Field(description="On hand minus reserved and quarantined.")
    version: int


class LedgerLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    sku: str
    location_code: str
    lot_code: str
    on_hand_delta: int
    reserved_delta: int
    quarantined_delta: int
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


ADMINS = ("upt_admin", "kanwil_admin")


def _locations(caller: Claims) -> list[str] | None:
    """The locations a caller may see: its UPT's store; None for every location."""
    return None if caller.role == "kanwil_admin" else [store_location(str(caller.upt))]


@router.get("/stock", **allow(*ADMINS))
async def list_stock(
    session: ReadSessionDep, caller: CallerDep, sku: str | None = None
) -> list[LevelView]:
    """Stock per SKU and location (a UPT administrator's: its store's)."""
    query = select(db.LevelRow).order_by(db.LevelRow.sku, db.LevelRow.location_code)
    if sku:
        query = query.where(db.LevelRow.sku == sku)
    if (locations := _locations(caller)) is not None:
        query = query.where(db.LevelRow.location_code.in_(locations))
    return [LevelView.model_validate(row) for row in await session.scalars(query)]


@router.get("/ledger", **allow(*ADMINS))
async def ledger(
    session: ReadSessionDep, caller: CallerDep, sku: str, limit: int = 200
) -> list[LedgerLine]:
    """The newest movements of a SKU (a UPT administrator's: at its store)."""
    query = select(db.LedgerRow).where(db.LedgerRow.sku == sku)
    if (locations := _locations(caller)) is not None:
        query = query.where(db.LedgerRow.location_code.in_(locations))
    rows = await session.scalars(query.order_by(db.LedgerRow.id.desc()).limit(min(limit, 1000)))
    return [LedgerLine.model_validate(row) for row in rows]


@router.get("/reservations/{order_id}", **allow("kanwil_admin"))
async def get_reservation(order_id: UUID, session: ReadSessionDep) -> ReservationView:
    """How inventory answered an order."""
    row = await session.get(db.ReservationRow, order_id)
    if row is None:
        raise NotFound("order_id", f"no reservation for order {order_id} (yet)")
    return ReservationView.model_validate(row)
