"""Inventory's HTTP API: stock levels, lots, the ledger and reservations (read only)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory import db, locations, transfers_api
from shared.auth import CallerDep, allow
from shared.contracts import Allocation
from shared.errors import BadRequest, NotFound
from shared.http import CheckedRoute
from shared.pagination import MAX_LIMIT, CursorPage, Page, PagingDep, count, page_of
from shared.places import readable_locations
from shared.service import ReadSessionDep

router = APIRouter(tags=["inventory"], route_class=CheckedRoute)
router.include_router(locations.router)
router.include_router(transfers_api.router)


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
    in_transit: int = Field(
        0, description="Shipped to this location on a transfer, not received yet (not on hand)."
    )


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


@router.get("/stock", **allow(*ADMINS))
async def list_stock(
    session: ReadSessionDep, caller: CallerDep, paging: PagingDep, sku: str | None = None
) -> Page[LevelView]:
    """Stock per SKU and location (a UPT administrator's: its store's), a page at a time."""
    query = select(db.LevelRow).order_by(db.LevelRow.sku, db.LevelRow.location_code)
    if sku:
        query = query.where(db.LevelRow.sku == sku)
    if (locations := readable_locations(caller)) is not None:
        query = query.where(db.LevelRow.location_code.in_(locations))
    rows, total = await page_of(session, query, paging)
    coming = await _in_transit(session, {row.sku for row in rows})
    items = [
        LevelView.model_validate(row).model_copy(
            update={"in_transit": coming.get((row.sku, row.location_code), 0)}
        )
        for row in rows
    ]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


async def _in_transit(session: AsyncSession, skus: set[str]) -> dict[tuple[str, str], int]:
    """Goods shipped and not received yet, by SKU and destination."""
    transfers = db.TransferRow
    rows = await session.execute(
        select(transfers.sku, transfers.to_location, func.sum(transfers.quantity))
        .where(transfers.sku.in_(skus), transfers.status == "shipped")
        .group_by(transfers.sku, transfers.to_location)
    )
    return {(sku, place): int(quantity) for sku, place, quantity in rows.tuples()}


@router.get("/ledger", **allow(*ADMINS, errors=[400]))
async def ledger(
    session: ReadSessionDep,
    caller: CallerDep,
    sku: str,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Lines per page, at most {MAX_LIMIT}")
    ] = 200,
    cursor: Annotated[
        str | None, Query(max_length=20, description="next_cursor of the page before")
    ] = None,
) -> CursorPage[LedgerLine]:
    """The movements of a SKU, newest first (a UPT administrator's: at its store). The ledger
    is only appended to: `next_cursor` continues below the last line given, whatever was
    written since."""
    query = select(db.LedgerRow).where(db.LedgerRow.sku == sku)
    if (locations := readable_locations(caller)) is not None:
        query = query.where(db.LedgerRow.location_code.in_(locations))
    total = await count(session, query)
    if cursor is not None:
        query = query.where(db.LedgerRow.id < _ledger_cursor(cursor))
    rows = list(await session.scalars(query.order_by(db.LedgerRow.id.desc()).limit(limit + 1)))
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    items = [LedgerLine.model_validate(row) for row in rows[:limit]]
    return CursorPage(items=items, total=total, limit=limit, next_cursor=next_cursor)


def _ledger_cursor(cursor: str) -> int:
    if not (cursor.isascii() and cursor.isdigit()) or int(cursor) > 2**63 - 1:
        raise BadRequest("cursor", "not a cursor of this ledger (give next_cursor as it came)")
    return int(cursor)


@router.get("/reservations/{order_id}", **allow("kanwil_admin", errors=[404]))
async def get_reservation(order_id: UUID, session: ReadSessionDep) -> ReservationView:
    """How inventory answered an order."""
    row = await session.get(db.ReservationRow, order_id)
    if row is None:
        raise NotFound("order_id", f"no reservation for order {order_id} (yet)")
    return ReservationView.model_validate(row)
