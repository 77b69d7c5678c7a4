"""Consignment transfers over HTTP: ship goods of a lot to another location, record what
arrived, and read transfers (transfers.py says what each does to stock)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select

from services.inventory import db
from services.inventory.locations import active_places, find
from services.inventory.stock import changing_stock
from services.inventory.transfers import (
    Receipt,
    Shipment,
    check_receipt,
    find_transfer,
)
from shared.auth import CallerDep, allow, require_binding
from shared.errors import NotFound, Rejected
from shared.http import CheckedRoute
from shared.pagination import Page, PagingDep, page_of
from shared.places import readable_locations
from shared.service import ReadSessionDep, UnitOfWorkDep

router = APIRouter(tags=["transfers"], route_class=CheckedRoute)
ADMINS = ("upt_admin", "kanwil_admin")


class TransferView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    transfer_id: UUID
    sku: str
    lot_code: str
    from_location: str
    to_location: str
    quantity: int
    serials: list[str]
    status: Literal["shipped", "received"]
    shipped_at: datetime
    received_at: datetime | None
    received_quantity: int | None
    received_serials: list[str]
    short_quantity: int | None
    short_serials: list[str]
    damaged_quantity: int | None
    damaged_serials: list[str]


@router.post(
    "/transfers",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": TransferView, "description": "A resend: the transfer shipped"}},
    **allow(*ADMINS, errors=[409]),
)
async def ship(
    body: Shipment, uow: UnitOfWorkDep, caller: CallerDep, response: Response
) -> TransferView:
    """Ship goods of one lot (a quantity, or the units named) from one location to another:
    available goods only, taken off the source and in transit until received. A UPT
    administrator ships from its UPT's store."""
    if (resent := await uow.session.get(db.TransferRow, body.transfer_id)) is not None:
        # a resend answers as the first did, whatever became of the places since
        require_binding(caller, "upt", (await find(uow.session, resent.from_location)).upt_code)
        body.check_resent(resent)
        response.status_code = status.HTTP_200_OK
        return TransferView.model_validate(resent)
    places = await active_places(uow.session, [body.from_location, body.to_location])
    source = places.get(body.from_location)
    if source is None:
        raise Rejected("from_location", f"{body.from_location} is no active location")
    require_binding(caller, "upt", source.upt_code)
    if body.to_location not in places:
        raise Rejected("to_location", f"{body.to_location} is no active location")
    if body.to_location == body.from_location:
        raise Rejected("to_location", "goods are shipped to another location")
    async with changing_stock(uow, skus={body.sku}) as stock:
        # sent twice at once: the second finds the first here, under the SKU's locks
        known = await uow.session.get(db.TransferRow, body.transfer_id, populate_existing=True)
        if known is not None:
            body.check_resent(known)
            response.status_code = status.HTTP_200_OK
            return TransferView.model_validate(known)
        row = await stock.ship(body, uow.correlation_id)
    return TransferView.model_validate(row)


@router.post("/transfers/{transfer_id}/receipt", **allow(*ADMINS, errors=[404, 409]))
async def receive(
    transfer_id: UUID, body: Receipt, uow: UnitOfWorkDep, caller: CallerDep
) -> TransferView:
    """Record what arrived: received (sellable there), short (never arrived) and damaged
    (quarantined there, pending inspection); together what was shipped. The destination's
    administrator records it (Kanwil's for places no UPT runs). The same receipt again changes
    nothing; another one is a conflict."""
    # Who may receive it, and its SKU to lock, read as values: the transfer itself is read
    # once, under the locks, as the last receipt committed left it.
    known = (
        await uow.session.execute(
            select(db.TransferRow.sku, db.LocationRow.upt_code)
            .join(db.LocationRow, db.LocationRow.code == db.TransferRow.to_location, isouter=True)
            .where(db.TransferRow.transfer_id == transfer_id)
        )
    ).one_or_none()
    if known is None:
        raise NotFound("transfer_id", f"no transfer {transfer_id}")
    require_binding(caller, "upt", known.upt_code)
    async with changing_stock(uow, skus={known.sku}) as stock:
        row = await find_transfer(uow.session, transfer_id, lock=True)
        counted = check_receipt(row, body)
        if row.status == "received":
            counted.check_resent(row)
            return TransferView.model_validate(row)
        await stock.receive_transfer(row, counted)
    return TransferView.model_validate(row)


@router.get("/transfers", **allow(*ADMINS))
async def list_transfers(
    session: ReadSessionDep,
    caller: CallerDep,
    paging: PagingDep,
    transfer_status: Literal["shipped", "received"] | None = None,
    sku: str | None = None,
    location: str | None = None,
) -> Page[TransferView]:
    """Transfers, oldest first (a UPT administrator's: from or to its store); `transfer_status`
    shipped lists what is in transit."""
    query = select(db.TransferRow).order_by(db.TransferRow.shipped_at, db.TransferRow.transfer_id)
    if transfer_status is not None:
        query = query.where(db.TransferRow.status == transfer_status)
    if sku is not None:
        query = query.where(db.TransferRow.sku == sku)
    for places in ({location} if location is not None else None, readable_locations(caller)):
        if places is not None:  # a transfer from or to one of them
            query = query.where(
                or_(
                    db.TransferRow.from_location.in_(places), db.TransferRow.to_location.in_(places)
                )
            )
    rows, total = await page_of(session, query, paging)
    items = [TransferView.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/transfers/{transfer_id}", **allow(*ADMINS, errors=[404]))
async def get_transfer(
    transfer_id: UUID, session: ReadSessionDep, caller: CallerDep
) -> TransferView:
    row = await find_transfer(session, transfer_id)
    seen = readable_locations(caller)
    if seen is not None and not seen & {row.from_location, row.to_location}:
        where = ", ".join(sorted(seen)) or "a place you may read"
        raise NotFound("transfer_id", f"no transfer {transfer_id} from or to {where}")
    return TransferView.model_validate(row)
