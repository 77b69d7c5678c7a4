"""Trace's read model and its store: lots, units and the steps that happened to them."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    Row,
    Select,
    String,
    Uuid,
    and_,
    insert,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.trace.timeline import rejected_serials
from shared.contracts import BatchCompleted, LocationChanged
from shared.db import TYPE_MAP, core_table, delivery_tables, row_values, upsert
from shared.errors import NotFound


class Base(DeclarativeBase):
    type_annotation_map = TYPE_MAP


delivery = delivery_tables(Base.metadata)


class LotRow(Base):
    __tablename__ = "lots"
    lot_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    batch_id: Mapped[UUID] = mapped_column(Uuid)
    sku: Mapped[str] = mapped_column(String(16))
    product_name: Mapped[str] = mapped_column(String(120))
    gtin: Mapped[str] = mapped_column(String(14))
    tracking: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[int]
    unit_of_measure: Mapped[str] = mapped_column(String(16))
    upt_code: Mapped[str] = mapped_column(String(8))
    upt_name: Mapped[str] = mapped_column(String(120))
    workshop_code: Mapped[str] = mapped_column(String(16))
    workshop_name: Mapped[str] = mapped_column(String(120))


class UnitRow(Base):
    __tablename__ = "units"
    serial: Mapped[str] = mapped_column(String(32), primary_key=True)
    lot_code: Mapped[str] = mapped_column(String(24), index=True)


class StepRow(Base):
    """One EPCIS-style step; `serial` is set when it concerns one unit only (a sale).
    `recorded_at`: when its source event was recorded (EPCIS exports page on it)."""

    __tablename__ = "steps"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    lot_code: Mapped[str] = mapped_column(String(24))
    serial: Mapped[str | None] = mapped_column(String(32))
    biz_step: Mapped[str] = mapped_column(String(20))
    disposition: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    event_id: Mapped[UUID] = mapped_column(Uuid)
    data: Mapped[dict[str, object]] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_steps_lot_serial", "lot_code", "serial"),
        Index("ix_steps_recorded", "recorded_at", "id"),
    )


class ReleaseRow(Base):
    """Goods an order had been given and gave back (reservation-released): no step of the
    trace, but the recall report says which held or stocked goods came back from which order.
    One row per unit, or per lot and location for goods traced per lot."""

    __tablename__ = "releases"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[UUID] = mapped_column(Uuid)
    order_id: Mapped[UUID] = mapped_column(Uuid)
    lot_code: Mapped[str] = mapped_column(String(24), index=True)
    serial: Mapped[str | None] = mapped_column(String(32))
    location_code: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    released_at: Mapped[datetime]


class PlaceRow(Base):
    """A place goods are kept or sold from, as inventory announces it (location-changed): the
    page names places by their names, not their codes."""

    __tablename__ = "places"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12))


LOTS, UNITS, STEPS = core_table(LotRow), core_table(UnitRow), core_table(StepRow)
RELEASES, PLACES = core_table(ReleaseRow), core_table(PlaceRow)

# A batch of 200 lots of 1,000 units would otherwise build 200,000 parameter rows at once.
UNIT_ROWS_PER_STATEMENT = 5_000


@dataclass(frozen=True)
class Found:
    """What the read model holds on a code: a unit (`serial` set) or a lot (`serials` listed;
    for a unit, when asked, its lot's).

    `lot` is None while steps arrived before the lot's production event.
    """

    code: str
    lot_code: str
    lot: Row[Any] | None
    steps: list[Row[Any]]
    serial: str | None = None
    serials: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StepQuery:
    """Filters of an export: a lot, a unit (its lot's steps and its own), a GTIN, and recorded
    times from `since` (inclusive) to `until` (exclusive)."""

    lot: str | None = None
    serial: str | None = None
    gtin: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class LotUnits:
    """A lot row, the serials of its units and those QC rejected, by its latest sign-off (an
    export's facts of it)."""

    lot: Row[Any]
    serials: list[str]
    rejected: set[str]


class Traces:
    """Trace's data access: lots, units and steps, as plain rows (no ORM objects)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_lots(self, batches: Sequence[BatchCompleted]) -> None:
        """The lots of completed batches and their units."""
        await self.session.execute(insert(LOTS), [row_values(LOTS, batch) for batch in batches])
        units = ((serial, batch.lot_code) for batch in batches for serial in batch.serials)
        while chunk := list(islice(units, UNIT_ROWS_PER_STATEMENT)):
            rows = [{"serial": serial, "lot_code": lot_code} for serial, lot_code in chunk]
            await self.session.execute(insert(UNITS), rows)

    async def add_steps(self, steps: Sequence[dict[str, Any]]) -> None:
        if steps:
            await self.session.execute(insert(STEPS), steps)

    async def add_releases(self, releases: Sequence[dict[str, Any]]) -> None:
        if releases:
            await self.session.execute(insert(RELEASES), releases)

    async def keep_places(self, changes: Sequence[LocationChanged]) -> None:
        """The places as last announced (a batch's later change of a place wins)."""
        latest = {change.location_code: change for change in changes}
        for change in latest.values():
            statement = upsert(self.session, PLACES).values(
                code=change.location_code, name=change.name, kind=change.kind
            )
            await self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["code"],
                    set_={"name": statement.excluded.name, "kind": statement.excluded.kind},
                )
            )

    async def place_names(self) -> dict[str, str]:
        """Every known place's name, by code (a few dozen)."""
        rows = await self.session.execute(select(PLACES.c.code, PLACES.c.name))
        return dict(rows.tuples().all())

    async def releases(self, lot_code: str) -> list[Row[Any]]:
        """What orders gave back of a lot, oldest first."""
        query = select(RELEASES).where(RELEASES.c.lot_code == lot_code)
        rows = await self.session.execute(query.order_by(RELEASES.c.released_at, RELEASES.c.id))
        return list(rows.all())

    async def find(self, code: str, *, lot_units: bool = False) -> Found:
        """A unit serial or a lot code, with the steps its trace is made of. A unit's lot's
        units only when asked (`lot_units`, for its EPCIS events): a buyer's scan skips them."""
        unit = (await self.session.execute(select(UNITS).where(UNITS.c.serial == code))).first()
        lot_code = unit.lot_code if unit else code
        lot = (await self.session.execute(select(LOTS).where(LOTS.c.lot_code == lot_code))).first()
        if unit is not None:
            steps = await self._steps(lot_code, only_for=unit.serial)
            serials = await self._serials(lot_code) if lot_units else []
            return Found(code, lot_code, lot, steps, serial=unit.serial, serials=serials)
        steps = await self._steps(lot_code)
        if lot is None and not steps:
            raise NotFound("code", f"{code} is neither a known unit serial nor a lot code")
        return Found(code, lot_code, lot, steps, serials=await self._serials(lot_code))

    async def _serials(self, lot_code: str) -> list[str]:
        query = select(UNITS.c.serial).where(UNITS.c.lot_code == lot_code).order_by(UNITS.c.serial)
        return list(await self.session.scalars(query))

    async def _steps(self, lot_code: str, *, only_for: str | None = None) -> list[Row[Any]]:
        """A lot's steps in time order; for one unit, the lot's own steps and that unit's."""
        query = select(STEPS).where(STEPS.c.lot_code == lot_code)
        if only_for is not None:
            query = query.where(or_(STEPS.c.serial.is_(None), STEPS.c.serial == only_for))
        return list(
            (await self.session.execute(query.order_by(STEPS.c.occurred_at, STEPS.c.id))).all()
        )

    async def recorded_steps(
        self, query: StepQuery, start: tuple[datetime, int] | None, limit: int
    ) -> list[Row[Any]]:
        """Steps of known lots in recorded order (then id), from `start` on (inclusive)."""
        steps = _filtered(select(STEPS).join(LOTS, LOTS.c.lot_code == STEPS.c.lot_code), query)
        if start is not None:
            recorded_at, step_id = start
            steps = steps.where(
                or_(
                    STEPS.c.recorded_at > recorded_at,
                    and_(STEPS.c.recorded_at == recorded_at, STEPS.c.id >= step_id),
                )
            )
        steps = steps.order_by(STEPS.c.recorded_at, STEPS.c.id).limit(limit)
        return list((await self.session.execute(steps)).all())

    async def lots_with_units(self, lot_codes: Collection[str]) -> dict[str, LotUnits]:
        """Lots by code, each with its units and those QC rejected."""
        codes = sorted(lot_codes)
        lots = (await self.session.execute(select(LOTS).where(LOTS.c.lot_code.in_(codes)))).all()
        units = select(UNITS).where(UNITS.c.lot_code.in_(codes)).order_by(UNITS.c.serial)
        inspections = (  # in time order: the latest sign-off decides (timeline.latest_sign_off)
            select(STEPS)
            .where(STEPS.c.lot_code.in_(codes), STEPS.c.biz_step == "inspecting")
            .order_by(STEPS.c.occurred_at, STEPS.c.id)
        )
        serials: dict[str, list[str]] = {code: [] for code in codes}
        for unit in await self.session.execute(units):
            serials[unit.lot_code].append(unit.serial)
        checked: dict[str, list[Row[Any]]] = {code: [] for code in codes}
        for step in await self.session.execute(inspections):
            checked[step.lot_code].append(step)
        return {
            lot.lot_code: LotUnits(
                lot, serials[lot.lot_code], rejected_serials(checked[lot.lot_code])
            )
            for lot in lots
        }


def _filtered(steps: Select[Any], query: StepQuery) -> Select[Any]:
    if query.lot is not None:
        steps = steps.where(STEPS.c.lot_code == query.lot)
    if query.gtin is not None:
        steps = steps.where(LOTS.c.gtin == query.gtin)
    if query.serial is not None:
        lot_of_unit = select(UNITS.c.lot_code).where(UNITS.c.serial == query.serial)
        steps = steps.where(
            STEPS.c.lot_code == lot_of_unit.scalar_subquery(),
            or_(STEPS.c.serial.is_(None), STEPS.c.serial == query.serial),
        )
    if query.since is not None:
        steps = steps.where(STEPS.c.recorded_at >= query.since)
    if query.until is not None:
        steps = steps.where(STEPS.c.recorded_at < query.until)
    return steps
