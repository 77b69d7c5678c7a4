"""Inventory's subscribers: receive passed goods, reserve or decline orders, book sales out."""

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory import db
from services.inventory.domain import LotStock, Shortage, Take, allocate_fifo, store_location
from services.inventory.stock import StockBook
from shared.contracts import (
    Allocation,
    BatchSignedOff,
    OrderPlaced,
    ReservationDeclined,
    SaleCompleted,
    StockReserved,
)
from shared.db import core_table
from shared.delivery.consumer import Subscription


async def receive_goods(session: AsyncSession, events: list[BatchSignedOff]) -> None:
    """Passed goods enter the UPT's store: a lot row, its units, a ledger line, stock changed."""
    received = [event for event in events if event.passed_quantity > 0]
    if not received:
        return
    book = StockBook(session)
    keys = {(e.sku, store_location(e.upt_code)): e.product_name for e in received}
    await book.lock(keys, names=keys)
    now = datetime.now(UTC)
    await session.execute(
        insert(core_table(db.LotRow)),
        [
            {
                "lot_code": e.lot_code,
                "location_code": store_location(e.upt_code),
                "sku": e.sku,
                "tracking": e.tracking,
                "on_hand": e.passed_quantity,
                "reserved": 0,
                "received_at": now,
            }
            for e in received
        ],
    )
    units = [
        {
            "serial": serial,
            "sku": e.sku,
            "lot_code": e.lot_code,
            "location_code": store_location(e.upt_code),
            "status": "available",
            "order_id": None,
        }
        for e in received
        for serial in e.passed_serials
    ]
    if units:
        await session.execute(insert(core_table(db.UnitRow)), units)
    for event in received:
        book.move(
            (event.sku, store_location(event.upt_code)),
            on_hand=event.passed_quantity,
            reason="received",
            lot_code=event.lot_code,
            cause=event,
            serials=event.passed_serials,
        )
    await book.flush()


async def reserve_stock(session: AsyncSession, events: list[OrderPlaced]) -> None:
    """Reserve each order in turn, oldest lots first; never below zero, all or nothing."""
    book = StockBook(session)
    await book.lock_skus({event.sku for event in events})
    for order in events:
        if await session.get(db.ReservationRow, order.order_id) is not None:
            continue  # the same order placed again under a new event id
        try:
            takes, serials = await _choose(session, order)
        except Shortage as shortage:
            _decline(
                session, book, order, f"only {shortage.available} available", shortage.available
            )
            continue
        except UnitsUnavailable as missing:
            _decline(session, book, order, str(missing), book.available(order.sku))
            continue
        allocations = await _reserve(session, book, order, takes, serials)
        _record_answer(session, order, "reserved", allocations=allocations)
        book.emit(
            StockReserved.new(
                caused_by=order,
                order_id=order.order_id,
                sku=order.sku,
                quantity=order.quantity,
                allocations=allocations,
            )
        )
    await book.flush()


class UnitsUnavailable(Exception):
    pass


async def _choose(
    session: AsyncSession, order: OrderPlaced
) -> tuple[list[Take], dict[Take, list[str]]]:
    """Which lots (and units) the order takes."""
    tracking = await session.scalar(
        select(db.LotRow.tracking).where(db.LotRow.sku == order.sku).limit(1)
    )
    if tracking == "unit":
        return await _choose_units(session, order)
    lots = await session.execute(
        select(db.LotRow.lot_code, db.LotRow.location_code, db.LotRow.on_hand - db.LotRow.reserved)
        .where(db.LotRow.sku == order.sku, db.LotRow.on_hand > db.LotRow.reserved)
        .order_by(db.LotRow.received_at, db.LotRow.lot_code)
    )
    return allocate_fifo([LotStock(*row) for row in lots], order.quantity), {}


async def _choose_units(
    session: AsyncSession, order: OrderPlaced
) -> tuple[list[Take], dict[Take, list[str]]]:
    query = select(db.UnitRow.serial, db.UnitRow.lot_code, db.UnitRow.location_code).where(
        db.UnitRow.sku == order.sku, db.UnitRow.status == "available"
    )
    if order.serials:
        rows = (await session.execute(query.where(db.UnitRow.serial.in_(order.serials)))).all()
        missing = sorted(set(order.serials) - {row.serial for row in rows})
        if missing or len(order.serials) != order.quantity:
            raise UnitsUnavailable(
                f"units not available: {', '.join(missing)}"
                if missing
                else f"{len(order.serials)} serials given for a quantity of {order.quantity}"
            )
    else:
        rows = (
            await session.execute(query.order_by(db.UnitRow.serial).limit(order.quantity))
        ).all()
        if len(rows) < order.quantity:
            raise Shortage(order.quantity, len(rows))
    by_lot: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        by_lot[(row.lot_code, row.location_code)].append(row.serial)
    takes = {Take(lot, loc, len(serials)): serials for (lot, loc), serials in by_lot.items()}
    return list(takes), takes


async def _reserve(
    session: AsyncSession,
    book: StockBook,
    order: OrderPlaced,
    takes: list[Take],
    serials: dict[Take, list[str]],
) -> list[Allocation]:
    allocations = []
    for take in takes:
        await session.execute(
            update(db.LotRow)
            .where(
                db.LotRow.lot_code == take.lot_code, db.LotRow.location_code == take.location_code
            )
            .values(reserved=db.LotRow.reserved + take.quantity)
        )
        taken_serials = serials.get(take, [])
        if taken_serials:
            await session.execute(
                update(db.UnitRow)
                .where(db.UnitRow.serial.in_(taken_serials))
                .values(status="reserved", order_id=order.order_id)
            )
        book.move(
            (order.sku, take.location_code),
            reserved=take.quantity,
            reason="reserved",
            lot_code=take.lot_code,
            cause=order,
            order_id=order.order_id,
        )
        allocations.append(
            Allocation(
                lot_code=take.lot_code,
                location_code=take.location_code,
                quantity=take.quantity,
                serials=taken_serials,
            )
        )
    return allocations


def _record_answer(
    session: AsyncSession,
    order: OrderPlaced,
    status: str,
    *,
    reason: str | None = None,
    allocations: list[Allocation] | None = None,
) -> None:
    """Inventory's answer to an order, kept so a re-placed order is answered only once."""
    session.add(
        db.ReservationRow(
            order_id=order.order_id,
            sku=order.sku,
            quantity=order.quantity,
            status=status,
            reason=reason,
            allocations=[a.model_dump() for a in allocations or []],
        )
    )


def _decline(
    session: AsyncSession, book: StockBook, order: OrderPlaced, reason: str, available: int
) -> None:
    _record_answer(session, order, "declined", reason=reason)
    book.emit(
        ReservationDeclined.new(
            caused_by=order,
            order_id=order.order_id,
            sku=order.sku,
            requested=order.quantity,
            available=available,
            reason=reason,
        )
    )


async def book_out(session: AsyncSession, events: list[SaleCompleted]) -> None:
    """A completed sale takes its reserved goods off the shelf for good."""
    book = StockBook(session)
    await book.lock_skus({event.sku for event in events})
    for sale in events:
        reservation = await session.get(db.ReservationRow, sale.order_id, with_for_update=True)
        if reservation is None or reservation.status != "reserved":
            state = reservation.status if reservation else "missing"
            raise ValueError(f"order {sale.order_id} has no open reservation ({state})")
        for allocation in sale.allocations:
            await session.execute(
                update(db.LotRow)
                .where(
                    db.LotRow.lot_code == allocation.lot_code,
                    db.LotRow.location_code == allocation.location_code,
                )
                .values(
                    on_hand=db.LotRow.on_hand - allocation.quantity,
                    reserved=db.LotRow.reserved - allocation.quantity,
                )
            )
            if allocation.serials:
                await session.execute(
                    update(db.UnitRow)
                    .where(db.UnitRow.serial.in_(allocation.serials))
                    .values(status="sold")
                )
            book.move(
                (sale.sku, allocation.location_code),
                on_hand=-allocation.quantity,
                reserved=-allocation.quantity,
                reason="sold",
                lot_code=allocation.lot_code,
                cause=sale,
                order_id=sale.order_id,
            )
        reservation.status = "sold"
    await book.flush()


subscriptions: list[Subscription[Any]] = [
    Subscription(BatchSignedOff, receive_goods),
    Subscription(OrderPlaced, reserve_stock),
    Subscription(SaleCompleted, book_out),
]
