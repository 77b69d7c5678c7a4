"""Goods a buyer brought back: into quarantine where they came back, pending re-inspection.

They leave quarantine as any quarantined goods do: quality holds them (or their lot) and closes
the hold, released back to sale or destroyed (see holds.py)."""

from typing import Any, cast
from uuid import UUID

from sqlalchemy import func, select

from services.inventory import db
from services.inventory.domain import Take
from services.inventory.store import LEDGER, UNITS, Store
from shared.contracts import Allocation, GoodsReturned


class Returns(Store):
    async def take_back(self, returned: GoodsReturned) -> None:
        """Each allocation's goods back on hand and quarantined at the return's location,
        booked with reason returned and the order they were sold in. A return resent under a
        new event id (the same return_id) is taken back once. Goods that were not sold in
        that order (never sold, sold elsewhere, back already) raise: the return can never
        apply as it stands."""
        if await self.session.get(db.ReturnRow, returned.return_id) is not None:
            return
        self.session.add(
            db.ReturnRow(
                return_id=returned.return_id,
                order_id=returned.order_id,
                sku=returned.sku,
                location_code=returned.location_code,
                quantity=returned.quantity,
                event_id=returned.event_id,
            )
        )
        await self._lock_return_level(returned)
        for allocation in returned.allocations:
            await self._take_back(returned, allocation)

    async def _lock_return_level(self, returned: GoodsReturned) -> None:
        """The level where the goods come back, created where missing (named as the SKU's
        other levels: the caller locked them all)."""
        name = self.product_name(returned.sku)
        if name is None:
            raise ValueError(f"{returned.sku} returned, but inventory never kept any of it")
        await self.lock_levels({(returned.sku, returned.location_code): name})

    async def _take_back(self, returned: GoodsReturned, allocation: Allocation) -> None:
        sold_from = await self._lot_at(allocation.lot_code, allocation.location_code, returned.sku)
        if sold_from is None:
            raise ValueError(
                f"return {returned.return_id}: no lot {allocation.lot_code} of {returned.sku} "
                f"was ever at {allocation.location_code}"
            )
        if sold_from.tracking == "unit":
            await self._check_units_sold(returned, allocation)
        else:
            await self._check_quantity_sold(returned, allocation)
        take = Take(
            allocation.lot_code,
            returned.location_code,
            allocation.quantity,
            tuple(allocation.serials),
        )
        await self._arrive(take, sold_from)
        await self._set_units(
            take.serials, status="quarantined", location_code=take.location_code, order_id=None
        )
        await self._change_lot(take, on_hand=take.quantity, quarantined=take.quantity)
        self._move(
            take,
            returned.sku,
            returned,
            reason="returned",
            on_hand=take.quantity,
            quarantined=take.quantity,
            order_id=returned.order_id,
        )

    async def _arrive(self, take: Take, sold_from: Any) -> None:
        """The lot's row where the goods come back; it keeps the lot's age (oldest lots are
        allocated first, once the goods are released)."""
        await self._ensure_lot(
            take.lot_code,
            take.location_code,
            sold_from.sku,
            sold_from.tracking,
            sold_from.received_at,
        )

    async def _check_units_sold(self, returned: GoodsReturned, allocation: Allocation) -> None:
        """Every unit returned was sold, of this lot, in this order."""
        if len(allocation.serials) != allocation.quantity:
            raise ValueError(
                f"return {returned.return_id}: {len(allocation.serials)} serials for "
                f"{allocation.quantity} units of lot {allocation.lot_code}"
            )
        rows = await self.session.execute(
            select(UNITS.c.serial).where(
                UNITS.c.serial.in_(allocation.serials),
                UNITS.c.lot_code == allocation.lot_code,
                UNITS.c.status == "sold",
                UNITS.c.order_id == returned.order_id,
            )
        )
        sold = set(rows.scalars())
        if not_sold := sorted(set(allocation.serials) - sold):
            raise ValueError(
                f"return {returned.return_id}: units {', '.join(not_sold)} were not sold in "
                f"order {returned.order_id}"
            )

    async def _check_quantity_sold(self, returned: GoodsReturned, allocation: Allocation) -> None:
        """No more of the lot comes back from an order than it was sold (less what came back)."""
        if allocation.serials:
            raise ValueError(
                f"return {returned.return_id}: lot {allocation.lot_code} is traced per lot, "
                "not per unit"
            )
        left = await self._still_out(returned.order_id, allocation.lot_code)
        if allocation.quantity > left:
            raise ValueError(
                f"return {returned.return_id}: {allocation.quantity} of lot "
                f"{allocation.lot_code} returned, but order {returned.order_id} has "
                f"{left} of it out"
            )

    async def _still_out(self, order_id: UUID, lot_code: str) -> int:
        """What of a lot an order took out and was not brought back: the ledger's sold lines
        less its returned ones (those of this batch, not written yet, too)."""
        booked = await self.session.scalar(
            select(func.coalesce(func.sum(LEDGER.c.on_hand_delta), 0)).where(
                LEDGER.c.order_id == order_id,
                LEDGER.c.lot_code == lot_code,
                LEDGER.c.reason.in_(("sold", "returned")),
            )
        )
        pending = sum(
            cast(int, line["on_hand_delta"])
            for line in self.ledger
            if line["order_id"] == order_id
            and line["lot_code"] == lot_code
            and line["reason"] in ("sold", "returned")
        )
        return -(int(booked or 0) + pending)
