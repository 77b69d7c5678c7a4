"""The primitives every change of inventory's stock is made of, for one unit of work.

Handlers work on whole batches of events. The store locks the levels they touch once (in
(sku, location) order, so replicas never deadlock), keeps them in memory so each change gets
the next version, and `save` writes every level, ledger line and event of the batch at once.
Every change of a level goes through `_move`: its ledger line and its stock-changed event.

What the changes mean lives with them: receiving and orders in stock.py, holds in holds.py,
QC corrections in corrections.py, returns in returns.py; `Stock` (stock.py) is all of them.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory import db
from services.inventory.domain import Level, Take, store_location
from shared.contracts import (
    Allocation,
    BatchSignedOff,
    Event,
    Link,
    ReservationReleased,
    StockChanged,
    StockReason,
)
from shared.db import core_table, upsert
from shared.uow import UnitOfWork

Key = tuple[str, str]  # (sku, location_code)
LEVELS, LEDGER = core_table(db.LevelRow), core_table(db.LedgerRow)
LOTS, UNITS = core_table(db.LotRow), core_table(db.UnitRow)
# Changes that name the lot (and units) on stock-changed: goods entering or leaving a lot's
# stock for reasons of their own (trace and channels read which goods they were).
LOT_REASONS: tuple[StockReason, ...] = (
    "received",
    "quarantined",
    "written_off",
    "rejected",
    "returned",
    "expired",
    "shipped",
)


class Store:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.levels: dict[Key, Level] = {}
        self.names: dict[Key, str] = {}
        self.touched: set[Key] = set()
        self.ledger: list[dict[str, object]] = []
        self.events: list[Event] = []

    # ------------------------------------------------------------------ levels

    async def lock_stores(self, sign_offs: Iterable[BatchSignedOff]) -> None:
        """Create the store levels passed goods go to where missing, then lock them."""
        await self.lock_levels(
            {
                (e.sku, store_location(e.upt_code)): e.product_name
                for e in sign_offs
                if e.passed_quantity > 0
            }
        )

    async def lock_levels(self, names: Mapping[Key, str]) -> None:
        """Create these levels (with their product names) where missing, then lock them."""
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

    def product_name(self, sku: str) -> str | None:
        """The name of a SKU as a locked level of it has it (None when none is locked)."""
        return next((name for (key_sku, _), name in self.names.items() if key_sku == sku), None)

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
        transfer_id: UUID | None = None,
    ) -> None:
        """One change of a level: its ledger line and the stock-changed event (naming the lot
        and units for the reasons of LOT_REASONS, and the transfer that moved them, if one)."""
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
                transfer_id=transfer_id,
            )
        )

    # ------------------------------------------------------------------ lots and units

    async def _lot_at(self, lot_code: str, location_code: str, sku: str) -> Row[Any] | None:
        """A lot's row at one location, if goods of it were ever there."""
        query = select(LOTS).where(
            LOTS.c.lot_code == lot_code, LOTS.c.location_code == location_code, LOTS.c.sku == sku
        )
        return (await self.session.execute(query)).one_or_none()

    async def _ensure_lot(
        self, lot_code: str, location_code: str, sku: str, tracking: str, received_at: datetime
    ) -> None:
        """A lot's row at a location where goods of it arrive, created empty where missing."""
        await self.session.execute(
            upsert(self.session, LOTS).on_conflict_do_nothing(),
            [
                {
                    "lot_code": lot_code,
                    "location_code": location_code,
                    "sku": sku,
                    "tracking": tracking,
                    "on_hand": 0,
                    "reserved": 0,
                    "quarantined": 0,
                    "received_at": received_at,
                }
            ],
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

    # ------------------------------------------------------------------ reservations

    async def _release(
        self, reservation: db.ReservationRow, cause: Event | Link, reason: str
    ) -> None:
        """Give back all a confirmed order was given: it can no longer be completed as placed
        (a hold on some of its goods, a QC correction rejecting some, its channel cancelling
        it, its goods past their best-before date). The release follows its cause (caused_by
        it, in its flow): the cause is why; the order is named by its id."""
        allocations = allocations_of(reservation)
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
                cause,
                reason="released",
                reserved=-take.quantity,
                order_id=reservation.order_id,
            )
        reservation.status = "released"
        reservation.reason = reason[:200]
        self.events.append(
            ReservationReleased.new(
                caused_by=cause,
                order_id=reservation.order_id,
                sku=reservation.sku,
                quantity=reservation.quantity,
                allocations=allocations,
                reason=reason,
            )
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


def allocations_of(reservation: db.ReservationRow) -> list[Allocation]:
    """What a reservation gave its order, as the contract has it."""
    return [Allocation.model_validate(allocation) for allocation in reservation.allocations]
