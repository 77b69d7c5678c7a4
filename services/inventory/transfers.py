"""Consignment transfers: goods of one lot sent from one location to another (a UPT's store
to Kanwil's gallery, say), shipped, then received.

Shipping takes available goods only (not reserved, not quarantined) off the source: on hand
down (reason shipped), units in_transit. In transit the goods are on nobody's shelf: no order
can be given them, and a hold placed meanwhile finds none of them to quarantine; it is kept,
and the goods arriving under it are quarantined as they arrive (holds.py, `_follow_holds`).
Receiving puts what arrived on hand at the destination (reason received), in the lot's row
there, which keeps the lot's age (oldest lots are still allocated first). Of what was shipped:
- received: whole, sellable at the destination;
- damaged: arrived damaged, received quarantined at the destination pending inspection (quality
  holds them and closes the hold, released or destroyed, as any quarantined goods): they are
  goods the UPT still has, and a person decides what becomes of them, not the receipt;
- short: never arrived; they left the source's stock when shipped and enter no other (units
  `lost`). The transfer keeps them on record.

Both change stock as every other change does: every level of the SKU locked first
(`changing_stock`), so a transfer and an order of the SKU serialize on those row locks.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory import db
from services.inventory.domain import Take
from services.inventory.holds import Holds
from services.inventory.store import LOTS, UNITS
from shared.contracts import (
    GoodsReceived,
    GoodsShipped,
    Link,
    LocationCode,
    LotCode,
    Serial,
    Sku,
)
from shared.db import core_table, row_values
from shared.errors import NotFound, Rejected, check_resend
from shared.inputs import MAX_SERIALS


class Shipment(BaseModel):
    """Goods of one lot to send from one location to another."""

    model_config = ConfigDict(extra="forbid")
    transfer_id: UUID = Field(description="Chosen by the caller; resending it is harmless.")
    from_location: LocationCode
    to_location: LocationCode
    sku: Sku
    lot_code: LotCode
    quantity: StrictInt | None = Field(
        None, gt=0, le=10_000_000, description="Goods traced per lot: how many."
    )
    serials: list[Serial] = Field(
        default_factory=list, max_length=MAX_SERIALS, description="Goods traced per unit: which."
    )

    def check_resent(self, row: db.TransferRow) -> None:
        """A transfer on record under this id must be this one sent again (its quantity, when
        given, and its units in any order), or it is a 409 naming what differs."""
        asked = self.model_dump(
            include={"from_location", "to_location", "sku", "lot_code", "quantity"},
            exclude_none=True,
        ) | {"serials": sorted(self.serials)}
        recorded = {name: getattr(row, name) for name in asked} | {"serials": sorted(row.serials)}
        what = f"transfer {self.transfer_id} was shipped with other goods or places"
        check_resend("transfer_id", what, recorded, asked)


class Receipt(BaseModel):
    """What arrived of a transfer: every piece shipped is received, short or damaged."""

    model_config = ConfigDict(extra="forbid")
    received_quantity: StrictInt | None = Field(
        None,
        ge=0,
        le=10_000_000,
        description="Arrived whole; left out: what is not short or damaged.",
    )
    received_serials: list[Serial] = Field(default_factory=list, max_length=MAX_SERIALS)
    short_quantity: StrictInt = Field(0, ge=0, le=10_000_000, description="Never arrived.")
    short_serials: list[Serial] = Field(default_factory=list, max_length=MAX_SERIALS)
    damaged_quantity: StrictInt = Field(
        0, ge=0, le=10_000_000, description="Arrived damaged: quarantined, pending inspection."
    )
    damaged_serials: list[Serial] = Field(default_factory=list, max_length=MAX_SERIALS)


@dataclass(frozen=True)
class Counted:
    """A receipt checked against its transfer: how many, and which units, of each kind."""

    received: int
    short: int
    damaged: int
    received_serials: tuple[str, ...] = ()
    short_serials: tuple[str, ...] = ()
    damaged_serials: tuple[str, ...] = ()

    def check_resent(self, row: db.TransferRow) -> None:
        """The receipt on record must be this one sent again (units in any order), or it is a
        409 naming what differs."""
        asked: dict[str, object] = {
            "received_quantity": self.received,
            "short_quantity": self.short,
            "damaged_quantity": self.damaged,
            "received_serials": sorted(self.received_serials),
            "short_serials": sorted(self.short_serials),
            "damaged_serials": sorted(self.damaged_serials),
        }
        recorded = {
            name: sorted(value) if isinstance(value := getattr(row, name), list) else value
            for name in asked
        }
        what = f"transfer {row.transfer_id} was received otherwise"
        check_resend("transfer_id", what, recorded, asked)


def check_receipt(row: db.TransferRow, receipt: Receipt) -> Counted:
    """A receipt must account for every shipped piece: for goods traced per unit, the three
    lists split the shipped serials (received may be left out: the rest); per lot, the three
    quantities add up to what was shipped (received left out: the rest)."""
    if row.tracking == "unit":
        return _check_units(row, receipt)
    if receipt.received_serials or receipt.short_serials or receipt.damaged_serials:
        raise Rejected("serials", f"lot {row.lot_code} is traced per lot: give quantities")
    short, damaged = receipt.short_quantity, receipt.damaged_quantity
    received = (
        row.quantity - short - damaged
        if receipt.received_quantity is None
        else receipt.received_quantity
    )
    if received < 0 or received + short + damaged != row.quantity:
        raise Rejected(
            "received_quantity",
            f"received {received} + short {short} + damaged {damaged} must be the "
            f"{row.quantity} shipped",
        )
    return Counted(received, short, damaged)


def _check_units(row: db.TransferRow, receipt: Receipt) -> Counted:
    short, damaged = receipt.short_serials, receipt.damaged_serials
    received = receipt.received_serials or [s for s in row.serials if s not in {*short, *damaged}]
    named = [*received, *short, *damaged]
    if twice := sorted({s for s in named if named.count(s) > 1}):
        raise Rejected("serials", f"named twice: {', '.join(twice)}")
    if strangers := sorted(set(named) - set(row.serials)):
        raise Rejected(
            "serials", f"not shipped on transfer {row.transfer_id}: {', '.join(strangers)}"
        )
    if unaccounted := sorted(set(row.serials) - set(named)):
        raise Rejected(
            "received_serials",
            f"shipped but neither received, short nor damaged: {', '.join(unaccounted)}",
        )
    counted = Counted(
        len(received), len(short), len(damaged), tuple(received), tuple(short), tuple(damaged)
    )
    # Quantities may be left out (received) or at 0 (short, damaged): the serials say them.
    given = (
        ("received_quantity", receipt.received_quantity, counted.received),
        ("short_quantity", receipt.short_quantity or None, counted.short),
        ("damaged_quantity", receipt.damaged_quantity or None, counted.damaged),
    )
    for name, quantity, count in given:
        if quantity is not None and quantity != count:
            raise Rejected(name, f"{quantity} given, but {count} serials named")
    return counted


class Transfers(Holds):
    async def ship(self, shipment: Shipment, correlation_id: UUID | None) -> db.TransferRow:
        """Take the goods off the source and put them in transit; goods-shipped, and a
        stock-changed (shipped) at the source. The caller locked every level of the SKU and
        checked the places. Bad input changes nothing: every check comes before a change."""
        lot = await self._source_lot(shipment)
        take = await self._shippable(shipment, lot)
        shipped = GoodsShipped.new(
            correlation_id=correlation_id,
            source=shipment,
            quantity=take.quantity,
            serials=list(take.serials),
        )
        self.events.append(shipped)  # before the stock change it causes
        await self._change_lot(take, on_hand=-take.quantity)
        await self._set_units(take.serials, status="in_transit")
        self._move(
            take,
            shipment.sku,
            shipped,
            reason="shipped",
            on_hand=-take.quantity,
            transfer_id=shipment.transfer_id,
        )
        row = db.TransferRow(
            **row_values(
                core_table(db.TransferRow),
                shipment,
                tracking=lot.tracking,
                quantity=take.quantity,
                serials=list(take.serials),
                status="shipped",
                shipped_at=shipped.occurred_at,
                shipped_event_id=shipped.event_id,
                correlation_id=shipped.correlation_id,
                received_serials=[],
                short_serials=[],
                damaged_serials=[],
            )
        )
        self.session.add(row)
        return row

    async def _source_lot(self, shipment: Shipment) -> Any:
        lot = await self._lot_at(shipment.lot_code, shipment.from_location, shipment.sku)
        if lot is None:
            raise Rejected(
                "lot_code",
                f"no lot {shipment.lot_code} of {shipment.sku} at {shipment.from_location}",
            )
        return lot

    async def _shippable(self, shipment: Shipment, lot: Any) -> Take:
        """The goods to ship, if all are available at the source (neither reserved nor
        quarantined); else a 422 saying what is missing."""
        where = (shipment.lot_code, shipment.from_location)
        if lot.tracking != "unit":
            if shipment.serials or shipment.quantity is None:
                raise Rejected("quantity", f"lot {lot.lot_code} is traced per lot: give a quantity")
            free = lot.on_hand - lot.reserved - lot.quarantined
            if shipment.quantity > free:
                raise Rejected(
                    "quantity",
                    f"only {free} of lot {lot.lot_code} available at {shipment.from_location} "
                    f"(on hand {lot.on_hand}, reserved {lot.reserved}, "
                    f"quarantined {lot.quarantined})",
                )
            return Take(*where, shipment.quantity)
        if not shipment.serials:
            raise Rejected("serials", f"lot {lot.lot_code} is traced per unit: name the serials")
        if shipment.quantity is not None and shipment.quantity != len(shipment.serials):
            raise Rejected(
                "quantity", f"{len(shipment.serials)} serials given for {shipment.quantity}"
            )
        if len(set(shipment.serials)) != len(shipment.serials):
            raise Rejected("serials", "a serial is named twice")
        rows = await self.session.execute(
            select(UNITS.c.serial, UNITS.c.status).where(
                UNITS.c.serial.in_(shipment.serials),
                UNITS.c.lot_code == shipment.lot_code,
                UNITS.c.location_code == shipment.from_location,
            )
        )
        status = dict(rows.tuples().all())
        if missing := [s for s in shipment.serials if status.get(s) != "available"]:
            why = ", ".join(f"{s} ({status.get(s, 'not there')})" for s in sorted(missing))
            raise Rejected(
                "serials",
                f"not available in lot {lot.lot_code} at {shipment.from_location}: {why}",
            )
        return Take(*where, len(shipment.serials), tuple(sorted(shipment.serials)))

    # ------------------------------------------------------------------ receiving

    async def receive_transfer(self, row: db.TransferRow, counted: Counted) -> None:
        """What arrived on hand at the destination, damaged goods quarantined there, goods
        arriving under a hold of their lot quarantined as well; goods-received, and
        stock-changed (received, and quarantined for the damaged) at the destination."""
        received, damaged = counted.received, counted.damaged
        shipped = Link(row.shipped_event_id, row.correlation_id)
        event = GoodsReceived.new(
            caused_by=shipped,
            source=row,
            received_quantity=received,
            received_serials=list(counted.received_serials),
            short_quantity=counted.short,
            short_serials=list(counted.short_serials),
            damaged_quantity=damaged,
            damaged_serials=list(counted.damaged_serials),
        )
        self.events.append(event)  # before the stock changes it causes
        rejected = await self._rejected_in_transit(
            [*counted.received_serials, *counted.damaged_serials]
        )
        await self._set_units(sorted(rejected), location_code=row.to_location)
        whole_serials = tuple(s for s in counted.received_serials if s not in rejected)
        broken_serials = tuple(s for s in counted.damaged_serials if s not in rejected)
        if row.tracking == "unit":  # units QC rejected on the way arrive out of stock
            received, damaged = len(whole_serials), len(broken_serials)
        arrived = received + damaged
        if arrived:
            await self._arrive_at(row)
            whole = Take(row.lot_code, row.to_location, received, whole_serials)
            broken = Take(row.lot_code, row.to_location, damaged, broken_serials)
            await self._set_units(whole.serials, status="available", location_code=row.to_location)
            await self._set_units(
                broken.serials, status="quarantined", location_code=row.to_location
            )
            await self._change_lot(whole, on_hand=arrived, quarantined=damaged)
            everything = Take(
                row.lot_code, row.to_location, arrived, (*whole.serials, *broken.serials)
            )
            self._move(
                everything,
                row.sku,
                event,
                reason="received",
                on_hand=arrived,
                transfer_id=row.transfer_id,
            )
            if damaged:
                self._move(
                    broken,
                    row.sku,
                    event,
                    reason="quarantined",
                    quarantined=damaged,
                    transfer_id=row.transfer_id,
                )
            await self._follow_holds([(row.sku, whole)])
            await self._follow_destructions(row.sku, whole)
        await self._set_units(counted.short_serials, status="lost")
        row.status = "received"
        row.received_at = event.occurred_at
        row.received_quantity, row.short_quantity = received, counted.short
        row.damaged_quantity = damaged
        row.received_serials = list(counted.received_serials)
        row.short_serials = list(counted.short_serials)
        row.damaged_serials = list(counted.damaged_serials)

    async def _rejected_in_transit(self, serials: list[str]) -> set[str]:
        """The units a QC correction rejected while they were in transit (corrections.py)."""
        if not serials:
            return set()
        rows = await self.session.scalars(
            select(UNITS.c.serial).where(UNITS.c.serial.in_(serials), UNITS.c.status == "rejected")
        )
        return set(rows)

    async def _arrive_at(self, row: db.TransferRow) -> None:
        """The destination's level (named as the SKU's other levels, all locked by the caller)
        and the lot's row there, which keeps the lot's age."""
        name = self.product_name(row.sku)
        if name is None:  # the source's level is locked: it cannot be missing
            raise ValueError(f"{row.sku} has no level locked")
        await self.lock_levels({(row.sku, row.to_location): name})
        received_at = await self.session.scalar(
            select(LOTS.c.received_at).where(
                LOTS.c.lot_code == row.lot_code, LOTS.c.location_code == row.from_location
            )
        )
        await self._ensure_lot(
            row.lot_code, row.to_location, row.sku, row.tracking, received_at or datetime.now(UTC)
        )

    async def _follow_destructions(self, sku: str, arrived: Take) -> None:
        """Goods of a hold closed as destroyed while they were in transit arrive quarantined:
        the hold wrote off what it found, and what arrives after it is for a person to decide
        (hold it again and close it), never back on sale."""
        holds = await self.session.scalars(
            select(db.HoldRow).where(
                db.HoldRow.lot_code == arrived.lot_code,
                db.HoldRow.sku == sku,
                db.HoldRow.closed == "destroyed",
            )
        )
        for hold in holds:
            cause = Link(hold.event_id, hold.correlation_id)
            await self._quarantine_lot(
                arrived.lot_code, sku, hold.serials, cause, arrived.location_code
            )


async def find_transfer(
    session: AsyncSession, transfer_id: UUID, *, lock: bool = False
) -> db.TransferRow:
    row = await session.get(db.TransferRow, transfer_id, with_for_update=lock)
    if row is None:
        raise NotFound("transfer_id", f"no transfer {transfer_id}")
    return row
