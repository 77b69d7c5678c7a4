"""Holds in inventory's store: held goods quarantined (orders given them released), goods
arriving under an open hold quarantined on arrival, and a closed hold's goods released back
to sale or written off."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from services.inventory import db
from services.inventory.domain import Take, still_held, takes_held
from services.inventory.store import LOTS, UNITS, Store, allocations_of
from shared.contracts import Event, HoldClosed, Link, LotHeld, StockReason


class Holds(Store):
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
        the recall's business, not inventory's. Held again, nothing changes twice; a hold
        closed since (its lot-held sent again) quarantines nothing.
        """
        known = await self.session.get(db.HoldRow, held.hold_id)
        if known is not None and known.closed is not None:
            return
        open_orders = await self.session.scalars(
            select(db.ReservationRow)
            .where(db.ReservationRow.sku == held.sku, db.ReservationRow.status == "reserved")
            .order_by(db.ReservationRow.order_id)
        )
        if known is None:
            self._remember(held)
        reason = f"lot {held.lot_code} is on hold: {held.reason}"
        for reservation in open_orders.all():
            if takes_held(allocations_of(reservation), held.lot_code, held.serials):
                await self._release(reservation, held, reason)
        await self._quarantine_lot(held.lot_code, held.sku, held.serials, held)

    def _remember(self, held: LotHeld) -> None:
        """Keep the hold: for goods of the lot not received yet (see `_follow_holds`), and for
        closing other holds of the lot (see `close`)."""
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

    async def _follow_holds(self, arrivals: Sequence[tuple[str, Take]]) -> None:
        """Goods arriving in a lot under an open hold are quarantined as they arrive, following
        the hold: goods of a lot held before they were received (inventory read the hold first:
        it comes on another stream), or passed by a QC correction while the lot is held.
        `arrivals`: (sku, take) of the goods that came in."""
        holds = await self.session.scalars(
            select(db.HoldRow)
            .where(
                db.HoldRow.lot_code.in_({take.lot_code for _, take in arrivals}),
                db.HoldRow.closed.is_(None),
            )
            .order_by(db.HoldRow.hold_id)
        )
        by_lot: dict[str, list[db.HoldRow]] = {}
        for hold in holds:
            by_lot.setdefault(hold.lot_code, []).append(hold)
        for sku, take in arrivals:
            for hold in by_lot.get(take.lot_code, []):
                if hold.sku == sku:
                    cause = Link(hold.event_id, hold.correlation_id)
                    await self._quarantine_lot(
                        take.lot_code, sku, hold.serials, cause, take.location_code
                    )

    async def _quarantine_lot(
        self,
        lot_code: str,
        sku: str,
        serials: Sequence[str],
        cause: Event | Link,
        location_code: str | None = None,
        reason: StockReason = "quarantined",
    ) -> None:
        """What is on hand and not reserved of a lot (or of its units `serials`) at every
        location holding it (or at `location_code`) set aside: on hand, not available (held,
        or `expired` past its best-before date: see expiry.py)."""
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
                self._move(take, sku, cause, reason=reason, quarantined=take.quantity)

    async def _quarantine_units(
        self, lot_code: str, location_code: str, serials: Sequence[str]
    ) -> Take:
        """The available units of a lot at a location (those of `serials`, if any) quarantined."""
        chosen = await self._units_of(lot_code, location_code, "available", serials)
        await self._set_units(chosen, status="quarantined")
        return Take(lot_code, location_code, len(chosen), chosen)

    async def _units_of(
        self, lot_code: str, location_code: str, status: str, serials: Sequence[str]
    ) -> tuple[str, ...]:
        """The units of a lot at a location in a status (those of `serials`, if any)."""
        query = select(UNITS.c.serial).where(
            UNITS.c.lot_code == lot_code,
            UNITS.c.location_code == location_code,
            UNITS.c.status == status,
        )
        if serials:
            query = query.where(UNITS.c.serial.in_(serials))
        return tuple((await self.session.scalars(query.order_by(UNITS.c.serial))).all())

    # ------------------------------------------------------------------ closing

    async def close(self, closed: HoldClosed) -> None:
        """A closed hold's quarantined goods, at every location of the lot, leave quarantine.

        Released: they are sellable again, except goods another open hold still covers (a
        unit it names, or anything of the lot when it holds the whole lot): those stay
        quarantined until that hold is closed too. Quarantined means quarantined for any
        reason: a returned unit the hold names is released with it. Destroyed: they are
        written off, on hand and quarantined both down, whatever other holds say (destroyed
        goods are gone). Goods the hold released from orders were given back then; sold goods
        are the recall's business. Once closed, the hold no longer quarantines goods arriving
        in its lot, and a second close of it finds nothing to do.

        A close read before its hold (they come on different streams) raises, to be retried
        once inventory has read the hold.
        """
        hold = await self.session.get(db.HoldRow, closed.hold_id, with_for_update=True)
        if hold is None:
            raise ValueError(
                f"hold {closed.hold_id} of lot {closed.lot_code} closed, but inventory has not "
                "read that hold (yet)"
            )
        if hold.closed is not None:
            return
        hold.closed = closed.outcome
        others = [] if closed.outcome == "destroyed" else await self._other_open_holds(hold)
        lots = await self.session.execute(
            select(LOTS)
            .where(LOTS.c.lot_code == hold.lot_code, LOTS.c.sku == hold.sku)
            .order_by(LOTS.c.location_code)
        )
        for lot in lots.all():
            take = await self._held_goods(lot, hold.serials, others)
            if take.quantity > 0:
                await self._end_quarantine(take, hold.sku, closed)

    async def _other_open_holds(self, hold: db.HoldRow) -> list[list[str]]:
        """The units each other open hold of the lot names (empty: the whole lot)."""
        serials = await self.session.scalars(
            select(db.HoldRow.serials).where(
                db.HoldRow.lot_code == hold.lot_code,
                db.HoldRow.sku == hold.sku,
                db.HoldRow.hold_id != hold.hold_id,
                db.HoldRow.closed.is_(None),
            )
        )
        return [list(held) for held in serials]

    async def _held_goods(self, lot: Any, serials: Sequence[str], others: list[list[str]]) -> Take:
        """The quarantined goods of a lot at a location that a hold (its units `serials`, or
        the whole lot) alone keeps there: not covered by one of the `others` open holds."""
        if lot.tracking != "unit":  # goods traced per lot are held whole
            return Take(lot.lot_code, lot.location_code, 0 if others else lot.quarantined)
        units = await self._units_of(lot.lot_code, lot.location_code, "quarantined", serials)
        freed = tuple(serial for serial in units if not still_held(serial, others))
        return Take(lot.lot_code, lot.location_code, len(freed), freed)

    async def _end_quarantine(self, take: Take, sku: str, closed: HoldClosed) -> None:
        """Quarantined goods released back to sale, or destroyed and written off."""
        destroyed = closed.outcome == "destroyed"
        on_hand = -take.quantity if destroyed else 0
        await self._set_units(take.serials, status="destroyed" if destroyed else "available")
        await self._change_lot(take, on_hand=on_hand, quarantined=-take.quantity)
        self._move(
            take,
            sku,
            closed,
            reason="written_off" if destroyed else "released",
            on_hand=on_hand,
            quarantined=-take.quantity,
        )
