"""QC decisions on record, and a superseding sign-off's correction of a lot already received:
stock follows the difference between the lot's decision before and the new one."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import insert, select, update

from services.inventory import db
from services.inventory.domain import (
    LotOnHand,
    Take,
    correction_reason,
    store_location,
    take_out,
    takes_held,
)
from services.inventory.holds import Holds
from services.inventory.store import LOTS, UNITS, allocations_of
from shared.contracts import BatchSignedOff
from shared.db import core_table

SIGN_OFFS = core_table(db.SignOffRow)


class Corrections(Holds):
    async def unapplied(self, sign_offs: Sequence[BatchSignedOff]) -> list[BatchSignedOff]:
        """The sign-offs not applied yet: one sent again under a new event id is applied once."""
        inspections = {sign_off.inspection_id for sign_off in sign_offs}
        applied = set(
            await self.session.scalars(
                select(SIGN_OFFS.c.inspection_id).where(SIGN_OFFS.c.inspection_id.in_(inspections))
            )
        )
        fresh: dict[UUID, BatchSignedOff] = {}
        for sign_off in sign_offs:
            if sign_off.inspection_id not in applied:
                fresh.setdefault(sign_off.inspection_id, sign_off)
        return list(fresh.values())

    async def _record(self, sign_offs: Iterable[BatchSignedOff]) -> None:
        """Keep the decisions applied, goods passed or not (see db.SignOffRow)."""
        if rows := [
            {
                "inspection_id": e.inspection_id,
                "lot_code": e.lot_code,
                "sku": e.sku,
                "passed_quantity": e.passed_quantity,
                "superseded_by": None,
                "event_id": e.event_id,
            }
            for e in sign_offs
        ]:
            await self.session.execute(insert(SIGN_OFFS), rows)

    async def correct(self, sign_off: BatchSignedOff) -> None:
        """A superseding sign-off is the whole new decision on a lot: the goods it no longer
        passes are taken out (reason rejected), the goods it newly passes are received.

        Its original must have been applied: read first (the claimer retries sign-offs one
        by one), it raises, to be retried once the original is. A lot whose original passed
        nothing simply receives what passes now. Sold goods stay sold: they are with their
        buyers, out of inventory's hands (a hold and a recall bring them back).
        """
        before = await self._decision_before(sign_off)
        before.superseded_by = sign_off.inspection_id
        await self._record([sign_off])
        if sign_off.tracking == "unit":
            await self._correct_units(sign_off)
        else:
            await self._correct_quantity(
                sign_off, sign_off.passed_quantity - before.passed_quantity
            )

    async def _decision_before(self, sign_off: BatchSignedOff) -> db.SignOffRow:
        """The lot's decision the correction replaces: its sign-off not superseded yet."""
        if await self.session.get(db.SignOffRow, sign_off.supersedes) is None:
            raise ValueError(
                f"sign-off {sign_off.inspection_id} of lot {sign_off.lot_code} supersedes "
                f"{sign_off.supersedes}, which inventory has not applied (yet)"
            )
        current = await self.session.scalars(
            select(db.SignOffRow)
            .where(
                db.SignOffRow.lot_code == sign_off.lot_code, db.SignOffRow.superseded_by.is_(None)
            )
            .with_for_update()
        )
        decisions = current.all()
        if len(decisions) != 1:
            raise ValueError(
                f"lot {sign_off.lot_code} has {len(decisions)} sign-offs in force, not one: "
                f"which one {sign_off.inspection_id} corrects is for a person to say"
            )
        return decisions[0]

    # ------------------------------------------------------------------ units

    async def _correct_units(self, sign_off: BatchSignedOff) -> None:
        """Units passed before (the lot's units, but those rejected) and not now are taken
        out, after the orders holding some of them are released; units passed now and not
        before are received (a unit a correction rejected, then passed again, too)."""
        rows = await self.session.execute(
            select(UNITS.c.serial, UNITS.c.status, UNITS.c.order_id).where(
                UNITS.c.lot_code == sign_off.lot_code, UNITS.c.sku == sign_off.sku
            )
        )
        known = {row.serial: row for row in rows}
        passed = set(sign_off.passed_serials)
        failed = sorted(s for s, u in known.items() if s not in passed and u.status != "rejected")
        orders = {known[s].order_id for s in failed if known[s].status == "reserved"}
        await self._release_for(sign_off, sorted(order for order in orders if order is not None))
        await self._reject_units(sign_off, failed)
        await self._pass_units(
            sign_off, sorted(s for s in passed if s not in known or known[s].status == "rejected")
        )

    async def _reject_units(self, sign_off: BatchSignedOff, serials: Sequence[str]) -> None:
        """Failed units still on the shelf (available or quarantined) taken out, one change per
        location; failed units in transit on a transfer are rejected too (they are on no
        shelf: no stock changes; they arrive rejected, see Transfers.receive_transfer); sold and
        destroyed ones stay as they are."""
        await self.session.execute(
            update(UNITS)
            .where(UNITS.c.serial.in_(serials), UNITS.c.status == "in_transit")
            .values(status="rejected")
        )
        rows = await self.session.execute(
            select(UNITS.c.serial, UNITS.c.status, UNITS.c.location_code)
            .where(
                UNITS.c.serial.in_(serials),
                UNITS.c.status.in_(("available", "quarantined")),
            )
            .order_by(UNITS.c.serial)
        )
        by_location: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for serial, status, location in rows:
            by_location[location].append((serial, status))
        for location, units in sorted(by_location.items()):
            take = Take(sign_off.lot_code, location, len(units), tuple(s for s, _ in units))
            quarantined = sum(1 for _, status in units if status == "quarantined")
            await self._set_units(take.serials, status="rejected", order_id=None)
            await self._reject(sign_off, take, quarantined)

    async def _pass_units(self, sign_off: BatchSignedOff, serials: Sequence[str]) -> None:
        """Newly passed units received where they are (a unit rejected before) or into the
        store (a unit never received), quarantined if an open hold covers them."""
        store = store_location(sign_off.upt_code)
        rows = await self.session.execute(
            select(UNITS.c.serial, UNITS.c.location_code).where(UNITS.c.serial.in_(serials))
        )
        where = dict(rows.tuples().all())
        if new := [s for s in serials if s not in where]:
            await self.session.execute(
                insert(UNITS),
                [
                    {
                        "serial": serial,
                        "sku": sign_off.sku,
                        "lot_code": sign_off.lot_code,
                        "location_code": store,
                        "status": "available",
                        "order_id": None,
                    }
                    for serial in new
                ],
            )
        await self._set_units([s for s in serials if s in where], status="available")
        by_location: dict[str, list[str]] = defaultdict(list)
        for serial in serials:
            by_location[where.get(serial, store)].append(serial)
        for location, passed in sorted(by_location.items()):
            await self._receive_more(
                sign_off, Take(sign_off.lot_code, location, len(passed), tuple(passed))
            )

    # ------------------------------------------------------------------ quantities

    async def _correct_quantity(self, sign_off: BatchSignedOff, difference: int) -> None:
        """Goods traced per lot follow the difference in passed quantity: more is received
        into the store; less is taken out, free goods first, then quarantined ones, then goods
        of orders released for it; never sold ones."""
        if difference > 0:
            store = store_location(sign_off.upt_code)
            await self._receive_more(sign_off, Take(sign_off.lot_code, store, difference))
            return
        missing = await self._take_out(sign_off, -difference)
        if not missing:
            return
        reserved = await self.session.scalars(
            select(db.ReservationRow)
            .where(db.ReservationRow.sku == sign_off.sku, db.ReservationRow.status == "reserved")
            .order_by(db.ReservationRow.order_id)
        )
        for reservation in reserved.all():
            if takes_held(allocations_of(reservation), sign_off.lot_code):
                await self._release_for(sign_off, [reservation.order_id])
                missing = await self._take_out(sign_off, missing)
                if not missing:
                    return

    async def _take_out(self, sign_off: BatchSignedOff, quantity: int) -> int:
        """Up to `quantity` of the lot's free, then quarantined, goods taken out, at every
        location; returns how many could not be."""
        rows = await self.session.execute(
            select(LOTS)
            .where(LOTS.c.lot_code == sign_off.lot_code, LOTS.c.sku == sign_off.sku)
            .order_by(LOTS.c.location_code)
        )
        lots = [
            LotOnHand(
                lot.location_code, lot.on_hand - lot.reserved - lot.quarantined, lot.quarantined
            )
            for lot in rows
        ]
        takes, missing = take_out(quantity, lots)
        for out in takes:
            quantity_out = out.from_free + out.from_quarantine
            take = Take(sign_off.lot_code, out.location_code, quantity_out)
            await self._reject(sign_off, take, out.from_quarantine)
        return missing

    # ------------------------------------------------------------------ changes

    async def _release_for(self, sign_off: BatchSignedOff, order_ids: Sequence[UUID]) -> None:
        """Orders given goods the correction rejects are released whole, as for a hold."""
        reason = correction_reason(sign_off.lot_code, sign_off.defects)
        for order_id in order_ids:
            reservation = await self.session.get(db.ReservationRow, order_id, with_for_update=True)
            if reservation is None or reservation.status != "reserved":
                raise ValueError(
                    f"units of lot {sign_off.lot_code} are reserved for order "
                    f"{order_id}, which has no open reservation"
                )
            await self._release(reservation, sign_off, reason)

    async def _reject(self, sign_off: BatchSignedOff, take: Take, quarantined: int) -> None:
        """Goods taken out of a lot at a location: on hand down, and quarantined for those
        that were (their units' status is the caller's)."""
        await self._change_lot(take, on_hand=-take.quantity, quarantined=-quarantined)
        self._move(
            take,
            sign_off.sku,
            sign_off,
            reason="rejected",
            on_hand=-take.quantity,
            quarantined=-quarantined,
        )

    async def _receive_more(self, sign_off: BatchSignedOff, take: Take) -> None:
        """Goods a correction passes received into a lot at a location (its row created if
        the lot had none there), then quarantined if an open hold covers them."""
        await self._ensure_lot(
            take.lot_code, take.location_code, sign_off.sku, sign_off.tracking, datetime.now(UTC)
        )
        await self._change_lot(take, on_hand=take.quantity)
        self._move(take, sign_off.sku, sign_off, reason="received", on_hand=take.quantity)
        await self._follow_holds([(sign_off.sku, take)])
