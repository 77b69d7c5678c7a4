"""Inventory's store: levels, ledger, lots, units and reservations, for one unit of work.

Handlers work on whole batches of events. The store locks the levels they touch once (in
(sku, location) order, so replicas never deadlock), keeps them in memory so each change gets
the next version, and `save` writes every level, ledger line and event of the batch at once.

Orders, sales and holds all lock every level of their SKUs first, so they serialize on those
row locks: whichever transaction takes them first is applied and committed before the other
reads anything of the SKU (see `quarantine`).
"""

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory import db
from services.inventory.domain import (
    Level,
    LotStock,
    Shortage,
    Take,
    Unavailable,
    allocate_fifo,
    check_units,
    sale_sources,
    store_location,
    take_units,
    takes_held,
)
from shared.contracts import (
    Allocation,
    BatchSignedOff,
    Event,
    Link,
    LotHeld,
    OrderPlaced,
    ReservationDeclined,
    ReservationReleased,
    SaleCompleted,
    StockChanged,
    StockReason,
    StockReserved,
)
from shared.db import core_table, upsert
from shared.uow import UnitOfWork

Key = tuple[str, str]  # (sku, location_code)
LEVELS, LEDGER = core_table(db.LevelRow), core_table(db.LedgerRow)
LOTS, UNITS = core_table(db.LotRow), core_table(db.UnitRow)
LOT_REASONS: tuple[StockReason, ...] = ("received", "quarantined")  # changes that name the lot


class Stock:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.levels: dict[Key, Level] = {}
        self.names: dict[Key, str] = {}
        self.touched: set[Key] = set()
        self.ledger: list[dict[str, object]] = []
        self.events: list[Event] = []

    # ------------------------------------------------------------------ levels

    async def lock_stores(self, sign_offs: Iterable[BatchSignedOff]) -> None:
        """Create the store levels the goods go to where missing, then lock them."""
        names = {(e.sku, store_location(e.upt_code)): e.product_name for e in sign_offs}
        if wanted := sorted(names.keys() - self.levels.keys()):
            await self.session.execute(
                upsert(self.session, LEVELS).on_conflict_do_nothing(),
                [
                    {
                        "sku": sku,
                        "location_code": location,
                        "product_name": names[sku, location],
                        "on_hand": 0,
                        "reserved": 0,
                        "quarantined": 0,
                        "version": 0,
                    }
                    for sku, location in wanted
                ],
            )
            await self._load({sku for sku, _ in wanted}, only=set(wanted))

    async def lock_skus(self, skus: Iterable[str]) -> None:
        """Lock every location of these SKUs: orders may take from any of them."""
        if wanted := set(skus):
            await self._load(wanted, only=None)

    async def _load(self, skus: set[str], only: set[Key] | None) -> None:
        rows = await self.session.execute(
            select(LEVELS)
            .where(LEVELS.c.sku.in_(skus))
            .order_by(LEVELS.c.sku, LEVELS.c.location_code)
            .with_for_update()
        )
        for row in rows:
            key = (row.sku, row.location_code)
            if (only is None or key in only) and key not in self.levels:
                self.levels[key] = Level(
                    row.on_hand, row.reserved, row.version, quarantined=row.quarantined
                )
                self.names[key] = row.product_name

    def available(self, sku: str) -> int:
        """Available stock of a SKU over the locations loaded so far."""
        return sum(level.available for (key_sku, _), level in self.levels.items() if key_sku == sku)

    def _move(
        self,
        take: Take,
        sku: str,
        cause: Event | Link,
        *,
        reason: StockReason,
        on_hand: int = 0,
        reserved: int = 0,
        quarantined: int = 0,
        order_id: UUID | None = None,
    ) -> None:
        """One change of a level: its ledger line and the stock-changed event (naming the lot
        and units when goods were received or quarantined)."""
        key = (sku, take.location_code)
        level = self.levels[key]
        available_before = level.available
        level.change(on_hand=on_hand, reserved=reserved, quarantined=quarantined)
        self.touched.add(key)
        self.ledger.append(
            {
                "sku": sku,
                "location_code": take.location_code,
                "lot_code": take.lot_code,
                "on_hand_delta": on_hand,
                "reserved_delta": reserved,
                "quarantined_delta": quarantined,
                "reason": reason,
                "cause_event_id": cause.event_id,
                "order_id": order_id,
            }
        )
        self.events.append(
            StockChanged.new(
                caused_by=cause,
                sku=sku,
                product_name=self.names[key],
                location_code=take.location_code,
                available=level.available,
                on_hand=level.on_hand,
                version=level.version,
                reason=reason,
                delta=level.available - available_before,
                lot_code=take.lot_code if reason in LOT_REASONS else None,
                serials=list(take.serials) if reason in LOT_REASONS else [],
            )
        )

    # ------------------------------------------------------------------ receiving

    async def receive(self, sign_offs: Sequence[BatchSignedOff]) -> None:
        """Passed goods enter their UPT's store: a lot row, its units, a level change each."""
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
        await self._quarantine_arrivals(takes)

    async def _quarantine_arrivals(self, takes: Sequence[tuple[BatchSignedOff, Take]]) -> None:
        """Goods of a lot held before they were received (inventory read the hold first: it
        comes on another stream) are quarantined as they arrive, following the hold."""
        holds = await self.session.scalars(
            select(db.HoldRow)
            .where(db.HoldRow.lot_code.in_({take.lot_code for _, take in takes}))
            .order_by(db.HoldRow.hold_id)
        )
        by_lot: dict[str, list[db.HoldRow]] = {}
        for hold in holds:
            by_lot.setdefault(hold.lot_code, []).append(hold)
        for event, take in takes:
            for hold in by_lot.get(take.lot_code, []):
                if hold.sku == event.sku:
                    cause = Link(hold.event_id, hold.correlation_id)
                    await self._quarantine_lot(
                        take.lot_code, event.sku, hold.serials, cause, take.location_code
                    )

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
        lots = await self.session.execute(
            select(LOTS.c.lot_code, LOTS.c.location_code, free)
            .where(LOTS.c.sku == order.sku, free > 0)
            .order_by(LOTS.c.received_at, LOTS.c.lot_code)
        )
        return allocate_fifo([LotStock(*row) for row in lots], order.quantity)

    async def _choose_units(self, order: OrderPlaced) -> list[Take]:
        query = select(UNITS.c.serial, UNITS.c.lot_code, UNITS.c.location_code).where(
            UNITS.c.sku == order.sku, UNITS.c.status == "available"
        )
        if order.serials:
            rows = await self.session.execute(query.where(UNITS.c.serial.in_(order.serials)))
            units = [tuple(row) for row in rows]
            held = await self.session.scalars(
                select(UNITS.c.serial).where(
                    UNITS.c.serial.in_(order.serials), UNITS.c.status == "quarantined"
                )
            )
            check_units(
                order.serials, order.quantity, (serial for serial, _, _ in units), held.all()
            )
        else:
            rows = await self.session.execute(query.order_by(UNITS.c.serial).limit(order.quantity))
            units = [tuple(row) for row in rows]
            if len(units) < order.quantity:
                raise Shortage(order.quantity, len(units))
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

    def _answer(
        self,
        order: OrderPlaced,
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
                reason=reason,
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

    # ------------------------------------------------------------------ holds

    async def quarantine(self, held: LotHeld) -> None:
        """Held goods can no longer be sold, wherever they are in stock.

        The caller locked every level of the SKU first, as orders and sales do: that lock is
        the commit point deciding whether an order placed concurrently got held goods. An order
        whose transaction took the locks first committed its reservation before this reads
        any: it is found here and released. One that takes them after this commits finds the
        goods quarantined and cannot be given them (its units are not available, its lot has
        nothing free). Nothing in between is possible.

        First, confirmed orders holding goods of the lot (or of the held units) are released
        whole: the order can no longer be completed as placed. Then the lot's (or the units')
        goods on hand and not reserved are quarantined: on hand, not available. Sold goods are
        the recall's business, not inventory's. Held again, nothing changes twice.
        """
        open_orders = await self.session.scalars(
            select(db.ReservationRow)
            .where(db.ReservationRow.sku == held.sku, db.ReservationRow.status == "reserved")
            .order_by(db.ReservationRow.order_id)
        )
        await self._remember(held)
        for reservation in open_orders.all():
            allocations = [Allocation.model_validate(a) for a in reservation.allocations]
            if takes_held(allocations, held.lot_code, held.serials):
                await self._release(reservation, allocations, held)
        await self._quarantine_lot(held.lot_code, held.sku, held.serials, held)

    async def _remember(self, held: LotHeld) -> None:
        """Keep the hold for goods of the lot not received yet (see `_quarantine_arrivals`)."""
        if await self.session.get(db.HoldRow, held.hold_id) is None:
            self.session.add(
                db.HoldRow(
                    hold_id=held.hold_id,
                    lot_code=held.lot_code,
                    sku=held.sku,
                    serials=[*held.serials],
                    event_id=held.event_id,
                    correlation_id=held.correlation_id,
                )
            )

    async def _quarantine_lot(
        self,
        lot_code: str,
        sku: str,
        serials: Sequence[str],
        cause: Event | Link,
        location_code: str | None = None,
    ) -> None:
        """What is on hand and not reserved of a lot (or of its units `serials`) at every
        location holding it (or at `location_code`) set aside: on hand, not available."""
        query = select(LOTS).where(LOTS.c.lot_code == lot_code, LOTS.c.sku == sku)
        if location_code is not None:
            query = query.where(LOTS.c.location_code == location_code)
        lots = await self.session.execute(query.order_by(LOTS.c.location_code))
        for lot in lots.all():
            if lot.tracking == "unit":
                take = await self._quarantine_units(lot.lot_code, lot.location_code, serials)
            else:  # goods traced per lot are held whole (quality refuses a hold of some)
                free = lot.on_hand - lot.reserved - lot.quarantined
                take = Take(lot.lot_code, lot.location_code, free)
            if take.quantity > 0:
                await self._change_lot(take, quarantined=take.quantity)
                self._move(take, sku, cause, reason="quarantined", quarantined=take.quantity)

    async def _quarantine_units(
        self, lot_code: str, location_code: str, serials: Sequence[str]
    ) -> Take:
        """The available units of a lot at a location (those of `serials`, if any) quarantined."""
        query = select(UNITS.c.serial).where(
            UNITS.c.lot_code == lot_code,
            UNITS.c.location_code == location_code,
            UNITS.c.status == "available",
        )
        if serials:
            query = query.where(UNITS.c.serial.in_(serials))
        chosen = tuple((await self.session.scalars(query.order_by(UNITS.c.serial))).all())
        await self._set_units(chosen, status="quarantined")
        return Take(lot_code, location_code, len(chosen), chosen)

    async def _release(
        self, reservation: db.ReservationRow, allocations: Sequence[Allocation], held: LotHeld
    ) -> None:
        """Give back all a confirmed order was given, because some of it is held. The release
        follows the hold (caused_by the LotHeld, in the hold's flow): the hold is why; the
        order is named by its id."""
        reason = f"lot {held.lot_code} is on hold: {held.reason}"
        for allocation in allocations:
            take = Take(
                allocation.lot_code,
                allocation.location_code,
                allocation.quantity,
                tuple(allocation.serials),
            )
            await self._change_lot(take, reserved=-take.quantity)
            await self._set_units(take.serials, status="available", order_id=None)
            self._move(
                take,
                reservation.sku,
                held,
                reason="released",
                reserved=-take.quantity,
                order_id=reservation.order_id,
            )
        reservation.status = "released"
        reservation.reason = reason[:200]
        self.events.append(
            ReservationReleased.new(
                caused_by=held,
                order_id=reservation.order_id,
                sku=reservation.sku,
                quantity=reservation.quantity,
                allocations=allocations,
                reason=reason,
            )
        )

    async def _change_lot(
        self, take: Take, *, on_hand: int = 0, reserved: int = 0, quarantined: int = 0
    ) -> None:
        await self.session.execute(
            update(LOTS)
            .where(LOTS.c.lot_code == take.lot_code, LOTS.c.location_code == take.location_code)
            .values(
                on_hand=LOTS.c.on_hand + on_hand,
                reserved=LOTS.c.reserved + reserved,
                quarantined=LOTS.c.quarantined + quarantined,
            )
        )

    async def _set_units(self, serials: Sequence[str], **values: object) -> None:
        if serials:
            await self.session.execute(
                update(UNITS).where(UNITS.c.serial.in_(serials)).values(**values)
            )

    # ------------------------------------------------------------------ writing

    async def save(self, uow: UnitOfWork) -> None:
        """Write the changed levels and the ledger lines; emit the events."""
        changed = [
            {
                "sku": sku,
                "location_code": location,
                "on_hand": level.on_hand,
                "reserved": level.reserved,
                "quarantined": level.quarantined,
                "version": level.version,
            }
            for (sku, location), level in self.levels.items()
            if (sku, location) in self.touched
        ]
        if changed:
            await self.session.execute(update(db.LevelRow), changed)
        if self.ledger:
            await self.session.execute(insert(LEDGER), self.ledger)
        uow.emit(*self.events)


@asynccontextmanager
async def changing_stock(uow: UnitOfWork, skus: Iterable[str] = ()) -> AsyncIterator[Stock]:
    """The stock a batch of events changes: every level of `skus` locked first (orders may take
    from any location), everything written and announced when the block ends."""
    stock = Stock(uow.session)
    await stock.lock_skus(skus)
    yield stock
    await stock.save(uow)
