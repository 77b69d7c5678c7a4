"""Inventory's store: levels, ledger, lots, units and reservations, for one unit of work.

`Stock` is every change inventory makes, each concept in its own module: the primitives (levels,
`_move`, releasing an order, writing) in store.py, holds in holds.py, QC corrections in
corrections.py, returns in returns.py, consignment transfers in transfers.py, and here
receiving goods and answering orders.

Orders, sales, holds, cancellations, returns and corrections all lock every level of their SKUs
first, so they serialize on those row locks: whichever transaction takes them first is applied
and committed before the other reads anything of the SKU (see `Holds.quarantine`).
"""

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import insert, select

from services.inventory import db
from services.inventory.corrections import Corrections
from services.inventory.domain import (
    LotStock,
    Shortage,
    Take,
    Unavailable,
    allocate_fifo,
    cancel_reason,
    check_units,
    sale_sources,
    store_location,
    take_units,
)
from services.inventory.returns import Returns
from services.inventory.store import LOTS, UNITS
from services.inventory.transfers import Transfers
from shared.contracts import (
    Allocation,
    BatchSignedOff,
    OrderCancelled,
    OrderPlaced,
    ReservationDeclined,
    SaleCompleted,
    StockReserved,
)
from shared.uow import UnitOfWork


class Stock(Corrections, Returns, Transfers):
    """Inventory's stock as one unit of work changes it (see the module's docstring)."""

    # ------------------------------------------------------------------ receiving

    async def receive(self, sign_offs: Sequence[BatchSignedOff]) -> None:
        """First sign-offs of lots: the decisions kept (see `correct`), and the passed goods
        into their UPT's store: a lot row, its units, a level change each."""
        await self._record(sign_offs)
        sign_offs = [sign_off for sign_off in sign_offs if sign_off.passed_quantity > 0]
        if not sign_offs:
            return
        now = datetime.now(UTC)
        takes = [
            (
                e,
                Take(
                    e.lot_code,
                    store_location(e.upt_code),
                    e.passed_quantity,
                    tuple(e.passed_serials),
                ),
            )
            for e in sign_offs
        ]
        await self.session.execute(
            insert(LOTS),
            [
                {
                    "lot_code": t.lot_code,
                    "location_code": t.location_code,
                    "sku": e.sku,
                    "tracking": e.tracking,
                    "on_hand": t.quantity,
                    "reserved": 0,
                    "quarantined": 0,
                    "received_at": now,
                }
                for e, t in takes
            ],
        )
        units = [
            {
                "serial": serial,
                "sku": e.sku,
                "lot_code": t.lot_code,
                "location_code": t.location_code,
                "status": "available",
                "order_id": None,
            }
            for e, t in takes
            for serial in t.serials
        ]
        if units:
            await self.session.execute(insert(UNITS), units)
        for event, take in takes:
            self._move(take, event.sku, event, reason="received", on_hand=take.quantity)
        await self._follow_holds([(event.sku, take) for event, take in takes])

    # ------------------------------------------------------------------ orders

    async def answered(self, order_id: UUID) -> bool:
        """Whether this order was answered already (placed again under a new event id)."""
        return await self.session.get(db.ReservationRow, order_id) is not None

    async def choose(self, order: OrderPlaced) -> list[Take]:
        """Which lots (and units) an order takes; raises Unavailable when it cannot."""
        tracking = await self.session.scalar(
            select(LOTS.c.tracking).where(LOTS.c.sku == order.sku).limit(1)
        )
        if tracking == "unit":
            return await self._choose_units(order)
        free = LOTS.c.on_hand - LOTS.c.reserved - LOTS.c.quarantined  # held goods excluded
        query = select(LOTS.c.lot_code, LOTS.c.location_code, free).where(
            LOTS.c.sku == order.sku, free > 0
        )
        if order.locations:  # the channel's places only; none: anywhere (orders before 1.1)
            query = query.where(LOTS.c.location_code.in_(order.locations))
        lots = await self.session.execute(query.order_by(LOTS.c.received_at, LOTS.c.lot_code))
        return allocate_fifo([LotStock(*row) for row in lots], order.quantity, order.locations)

    async def _choose_units(self, order: OrderPlaced) -> list[Take]:
        query = select(UNITS.c.serial, UNITS.c.lot_code, UNITS.c.location_code).where(
            UNITS.c.sku == order.sku, UNITS.c.status == "available"
        )
        if order.locations:
            query = query.where(UNITS.c.location_code.in_(order.locations))
        if order.serials:
            rows = await self.session.execute(query.where(UNITS.c.serial.in_(order.serials)))
            units = [tuple(row) for row in rows]
            held = await self.session.scalars(
                select(UNITS.c.serial).where(
                    UNITS.c.serial.in_(order.serials), UNITS.c.status == "quarantined"
                )
            )
            check_units(
                order.serials,
                order.quantity,
                (serial for serial, _, _ in units),
                held.all(),
                order.locations,
            )
        else:
            rows = await self.session.execute(query.order_by(UNITS.c.serial).limit(order.quantity))
            units = [tuple(row) for row in rows]
            if len(units) < order.quantity:
                raise Shortage(order.quantity, len(units), order.locations)
        return take_units(units)

    async def reserve(self, order: OrderPlaced, takes: Sequence[Take]) -> None:
        """Set the takes aside for the order; inventory answers with stock reserved."""
        for take in takes:
            await self._change_lot(take, reserved=take.quantity)
            await self._set_units(take.serials, status="reserved", order_id=order.order_id)
            self._move(
                take,
                order.sku,
                order,
                reason="reserved",
                reserved=take.quantity,
                order_id=order.order_id,
            )
        allocations = [Allocation.model_validate(take, from_attributes=True) for take in takes]
        self._answer(order, "reserved", allocations=allocations)
        self.events.append(
            StockReserved.new(caused_by=order, source=order, allocations=allocations)
        )

    def decline(self, order: OrderPlaced, refusal: Unavailable) -> None:
        available = self.available(order.sku) if refusal.available is None else refusal.available
        self._answer(order, "declined", reason=refusal.reason)
        self.events.append(
            ReservationDeclined.new(
                caused_by=order,
                source=order,
                requested=order.quantity,
                available=available,
                reason=refusal.reason,
            )
        )

    async def cancel(self, cancelled: OrderCancelled) -> None:
        """A cancelled (or expired) order's reservation is released whole, as for a hold.

        Read before the order (it comes on another stream), the cancellation is inventory's
        answer to it: the order, read later, is found answered and never reserved. An order
        declined, released, sold or cancelled already has nothing to give back."""
        reservation = await self.session.get(
            db.ReservationRow, cancelled.order_id, with_for_update=True
        )
        if reservation is None:
            self._answer(cancelled, "cancelled", reason=cancel_reason(cancelled))
        elif reservation.status == "reserved":
            await self._release(reservation, cancelled, cancel_reason(cancelled))

    def _answer(
        self,
        order: OrderPlaced | OrderCancelled,
        status: str,
        *,
        reason: str | None = None,
        allocations: Sequence[Allocation] = (),
    ) -> None:
        """Inventory's answer to an order, kept so a re-placed order is answered only once."""
        self.session.add(
            db.ReservationRow(
                order_id=order.order_id,
                sku=order.sku,
                quantity=order.quantity,
                status=status,
                reason=None if reason is None else reason[:200],
                allocations=[a.model_dump() for a in allocations],
            )
        )

    async def sell(self, sale: SaleCompleted) -> None:
        """A completed sale takes its reserved goods off the shelf for good."""
        reservation = await self.session.get(db.ReservationRow, sale.order_id, with_for_update=True)
        if reservation is not None and reservation.status == "released":
            await self._sell_released(sale)
            reservation.status = "sold"
            return
        if reservation is None or reservation.status != "reserved":
            state = reservation.status if reservation else "missing"
            raise ValueError(f"order {sale.order_id} has no open reservation ({state})")
        for allocation in sale.allocations:
            take = Take(
                allocation.lot_code,
                allocation.location_code,
                allocation.quantity,
                tuple(allocation.serials),
            )
            await self._change_lot(take, on_hand=-take.quantity, reserved=-take.quantity)
            await self._set_units(take.serials, status="sold")
            self._move(
                take,
                sale.sku,
                sale,
                reason="sold",
                on_hand=-take.quantity,
                reserved=-take.quantity,
                order_id=sale.order_id,
            )
        reservation.status = "sold"

    async def _sell_released(self, sale: SaleCompleted) -> None:
        """The sale of an order whose reservation a hold released in the meantime.

        The channel handed the goods over before it heard of the hold: they are gone, and
        refusing the sale would only dead-letter it while the shelf still counts them. So they
        are booked out from wherever they are now: quarantine (goods of the held lot) or
        available (goods of other lots the release gave back). Goods another order has taken
        since are a real conflict (one unit sold twice) and are left to a person: it raises.
        """
        for allocation in sale.allocations:
            where = LOTS.c.lot_code == allocation.lot_code
            where &= LOTS.c.location_code == allocation.location_code
            if allocation.serials:
                rows = await self.session.execute(
                    select(UNITS.c.serial, UNITS.c.status).where(
                        UNITS.c.serial.in_(allocation.serials)
                    )
                )
                status = dict(rows.tuples().all())
                if conflict := sorted(
                    s
                    for s in allocation.serials
                    if status.get(s) not in ("available", "quarantined")
                ):
                    raise ValueError(
                        f"order {sale.order_id} was released and its units "
                        f"{', '.join(conflict)} are no longer on the shelf"
                    )
                quarantined = [s for s in allocation.serials if status[s] == "quarantined"]
                from_quarantine, from_free = (
                    len(quarantined),
                    allocation.quantity - len(quarantined),
                )
            else:
                lot = (
                    await self.session.execute(
                        select(LOTS.c.on_hand, LOTS.c.reserved, LOTS.c.quarantined).where(where)
                    )
                ).one()
                from_quarantine, from_free = sale_sources(
                    allocation.quantity,
                    lot.quarantined,
                    lot.on_hand - lot.reserved - lot.quarantined,
                )
            take = Take(
                allocation.lot_code,
                allocation.location_code,
                allocation.quantity,
                tuple(allocation.serials),
            )
            await self._change_lot(take, on_hand=-take.quantity, quarantined=-from_quarantine)
            await self._set_units(take.serials, status="sold", order_id=sale.order_id)
            self._move(
                take,
                sale.sku,
                sale,
                reason="sold",
                on_hand=-(from_quarantine + from_free),
                quarantined=-from_quarantine,
                order_id=sale.order_id,
            )


@asynccontextmanager
async def changing_stock(uow: UnitOfWork, skus: Iterable[str] = ()) -> AsyncIterator[Stock]:
    """The stock a batch of events changes: every level of `skus` locked first (orders may take
    from any location), everything written and announced when the block ends."""
    stock = Stock(uow.session)
    await stock.lock_skus(skus)
    yield stock
    await stock.save(uow)
