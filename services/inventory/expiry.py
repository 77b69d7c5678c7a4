"""Food past its best-before date leaves the shelf without anyone acting: inventory's job.

Each lot's best-before date (WIB) is kept from its sign-off (`remember_best_before`). Every
`JEJAK_BEST_BEFORE_INTERVAL_S` the job finds lots past it (best_before before today in
Asia/Jakarta) that still have goods on hand and not quarantined, at any location, and for each
SKU in a unit of work of its own does what a hold does (`Holds`: reused, not copied): confirmed
orders given goods of the lot are released whole, and the lot's free goods are quarantined at
every location, with a ledger line and stock-changed of reason `expired` (on hand, not
available: sales' catalogue drops them).

Exactly once per lot and location, with every replica running the job: each SKU's levels are
locked first, as orders, holds and sales lock them (the commit point of `changing_stock`), and
the lot's goods are read only after that. A replica that waited for the lock finds nothing free
left, so nothing is quarantined twice; an order placed meanwhile either committed first (it is
released here) or finds the goods quarantined.

The per-lot fact is the best-before date itself, so goods of an expired lot that become free
later anywhere are quarantined as expired by the next run (within one interval): goods arriving
at another location on a transfer, goods of a hold released back to sale. Returned goods come
back quarantined already; if a hold releases them, the same applies. What is left: between
their arrival and the next run (at most one interval) such goods are available.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy import Date, String, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.inventory import db
from services.inventory.domain import takes_held
from services.inventory.holds import Holds
from services.inventory.store import LOTS, allocations_of
from shared.contracts import BatchSignedOff, Link
from shared.db import core_table, upsert
from shared.service import Job
from shared.settings import Settings
from shared.timezones import WIB
from shared.uow import UnitsOfWork


class BestBeforeRow(db.Base):
    """A food lot's best-before date, from its sign-off, kept once per lot: the expiry job's
    fact, whatever location its goods are at."""

    __tablename__ = "stock_best_before"
    lot_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    sku: Mapped[str] = mapped_column(String(16))
    best_before: Mapped[date] = mapped_column(Date, index=True)
    event_id: Mapped[UUID] = mapped_column(Uuid, doc="the sign-off; expiry follows it")
    correlation_id: Mapped[UUID] = mapped_column(Uuid, doc="the batch's flow")


BEST_BEFORE = core_table(BestBeforeRow)


@dataclass(frozen=True)
class DueLot:
    """A lot the job found past its best-before date, read before its SKU is locked."""

    lot_code: str
    sku: str
    best_before: date
    event_id: UUID
    correlation_id: UUID


def named(row: BestBeforeRow) -> tuple[str, str, date, UUID, UUID]:
    return row.lot_code, row.sku, row.best_before, row.event_id, row.correlation_id


async def remember_best_before(session: AsyncSession, sign_offs: Sequence[BatchSignedOff]) -> None:
    """Keep the best-before date of each food lot signed off (the first sign-off's: a
    correction does not move it)."""
    rows = [
        {
            "lot_code": e.lot_code,
            "sku": e.sku,
            "best_before": e.best_before,
            "event_id": e.event_id,
            "correlation_id": e.correlation_id,
        }
        for e in sign_offs
        if e.best_before is not None
    ]
    if rows:
        await session.execute(upsert(session, BEST_BEFORE).on_conflict_do_nothing(), rows)


class Expiry(Holds):
    """Inventory's store as the expiry job changes it: a hold's primitives, reason expired."""

    async def expire(self, lot: "DueLot") -> int:
        """Release the confirmed orders given goods of the lot, then quarantine what is free of
        it at every location; returns at how many locations goods were quarantined. The
        caller locked every level of the lot's SKU first."""
        cause = Link(lot.event_id, lot.correlation_id)
        reason = f"lot {lot.lot_code} is past its best-before date {lot.best_before}"
        open_orders = await self.session.scalars(
            select(db.ReservationRow)
            .where(db.ReservationRow.sku == lot.sku, db.ReservationRow.status == "reserved")
            .order_by(db.ReservationRow.order_id)
        )
        for reservation in open_orders.all():
            if takes_held(allocations_of(reservation), lot.lot_code):
                await self._release(reservation, cause, reason)
        before = len(self.ledger)
        await self._quarantine_lot(lot.lot_code, lot.sku, (), cause, reason="expired")
        return sum(1 for line in self.ledger[before:] if line["reason"] == "expired")


async def expire_lots(units: UnitsOfWork, *, today: date) -> int:
    """Quarantine the goods of every lot whose best-before date is before `today` (WIB) that
    are still on hand and not quarantined somewhere, one SKU per unit of work; returns at how
    many (lot, location) goods were quarantined."""
    async with units.begin() as uow:
        due = (
            await uow.session.scalars(
                select(BestBeforeRow)
                .join(
                    LOTS,
                    (LOTS.c.lot_code == BestBeforeRow.lot_code) & (LOTS.c.sku == BestBeforeRow.sku),
                )
                .where(
                    BestBeforeRow.best_before < today,
                    LOTS.c.on_hand - LOTS.c.quarantined > 0,  # free or reserved goods
                )
                .distinct()
                .order_by(BestBeforeRow.sku, BestBeforeRow.lot_code)
            )
        ).all()
        by_sku: dict[str, list[DueLot]] = defaultdict(list)
        for row in due:
            by_sku[row.sku].append(DueLot(*named(row)))
    done = 0
    for sku, lots in by_sku.items():
        async with units.begin() as uow:
            expiry = Expiry(uow.session)
            await expiry.lock_skus({sku})
            for lot in lots:
                done += await expiry.expire(lot)
            await expiry.save(uow)
    return done


def business_day(settings: Settings, now: datetime | None = None) -> date:
    """Today in Asia/Jakarta, shifted by JEJAK_BUSINESS_DATE_SHIFT_DAYS (drills and tests)."""
    today = (now or datetime.now(UTC)).astimezone(WIB).date()
    return today + timedelta(days=settings.business_date_shift_days)


async def expire_best_before(units: UnitsOfWork, settings: Settings) -> int:
    """The job's run: what is past its best-before date on the business day."""
    return await expire_lots(units, today=business_day(settings))


def best_before_interval(settings: Settings) -> float:
    return settings.best_before_interval_s


EXPIRY = Job(name="best-before-expiry", interval_s=best_before_interval, run=expire_best_before)
