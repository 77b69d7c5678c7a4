"""Transfers race orders on the same goods: inventory running (its reader applying orders as
they come) while shipments of the same lot are sent side by side. Both take every level of the
SKU's row locks first (`changing_stock`), so each reads what the other committed: no piece is
both reserved and shipped, nothing goes below zero, and the stock adds up."""

import asyncio
from uuid import uuid4

from fastapi import Response
from sqlalchemy import func, select

from services.inventory import db
from services.inventory.app import spec
from services.inventory.transfers import Shipment
from services.inventory.transfers_api import ship
from shared.contracts import Event
from shared.delivery.entries import encode
from shared.errors import Rejected
from shared.service import Runtime
from tests.builders import GINGER, batch_completed, batch_signed_off, order_placed
from tests.handlers.harness import KANWIL
from tests.integration.harness import running
from tests.waiting import eventually

LOT_SIZE, ORDERS, ORDER_SIZE, SHIPMENTS, SHIPMENT_SIZE = 40, 12, 2, 8, 3


async def publish(runtime: Runtime, *events: Event) -> None:
    for event in events:
        stream = type(event).stream(runtime.settings.namespace)
        await runtime.redis.xadd(stream, encode(event))  # type: ignore[arg-type]


async def send(runtime: Runtime, body: Shipment) -> int:
    """The quantity shipped, or 0 when refused for want of stock."""
    try:
        async with runtime.units.begin() as uow:
            return (await ship(body, uow, KANWIL, Response())).quantity
    except Rejected as refusal:
        if "available" not in refusal.reason:
            raise
        return 0


async def test_shipments_and_orders_never_take_the_same_goods(system_env: dict[str, str]) -> None:
    async with running(spec, system_env) as runtime:
        batch = batch_completed(sku=GINGER, quantity=LOT_SIZE)
        await publish(runtime, batch_signed_off(batch))

        async def lot_in_store() -> bool:
            async with runtime.db.sessions() as session:
                return await session.get(db.LotRow, (batch.lot_code, "SRG-STORE")) is not None

        await eventually("the lot in Serang's store", lot_in_store)
        orders = [order_placed(sku=GINGER, quantity=ORDER_SIZE) for _ in range(ORDERS)]
        bodies = [
            Shipment(
                transfer_id=uuid4(),
                from_location="SRG-STORE",
                to_location="KANWIL-GALERI",
                sku=GINGER,
                lot_code=batch.lot_code,
                quantity=SHIPMENT_SIZE,
            )
            for _ in range(SHIPMENTS)
        ]

        shipped = await asyncio.gather(
            publish(runtime, *orders), *(send(runtime, body) for body in bodies)
        )

        async def answered() -> int | None:
            async with runtime.db.sessions() as session:
                count = await session.scalar(select(func.count()).select_from(db.ReservationRow))
            return count if count == ORDERS else None

        await eventually("every order answered", answered)
        async with runtime.db.sessions() as session:
            reservations = list(await session.scalars(select(db.ReservationRow)))
            lot = await session.get(db.LotRow, (batch.lot_code, "SRG-STORE"))
            ledger = await session.execute(
                select(
                    func.sum(db.LedgerRow.on_hand_delta), func.sum(db.LedgerRow.reserved_delta)
                ).where(db.LedgerRow.location_code == "SRG-STORE", db.LedgerRow.sku == GINGER)
            )
            on_hand_sum, reserved_sum = ledger.one()
        out = sum(q for q in shipped[1:] if isinstance(q, int))
        reserved = sum(r.quantity for r in reservations if r.status == "reserved")
        assert lot is not None
        assert (lot.on_hand, lot.reserved) == (LOT_SIZE - out, reserved)
        assert lot.on_hand - lot.reserved >= 0
        assert out + reserved <= LOT_SIZE
        assert (on_hand_sum, reserved_sum) == (lot.on_hand, lot.reserved)
        # more was asked for than the lot holds: someone was refused
        assert out + reserved < ORDERS * ORDER_SIZE + SHIPMENTS * SHIPMENT_SIZE
