"""Production's own tables and their store: catalogue, batches, outputs with worker codes, units."""

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, Uuid, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.production import catalogue
from services.production.domain import (
    business_month,
    check_completable,
    food_dates,
    lot_code,
    lot_sequence_scope,
    serials,
)
from shared.contracts import BatchCompleted
from shared.db import TYPE_MAP, core_table, delivery_tables, row_values, upsert
from shared.errors import NotFound, check_resend


class Base(DeclarativeBase):
    type_annotation_map = TYPE_MAP


delivery = delivery_tables(Base.metadata)


class UptRow(Base):
    __tablename__ = "upts"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), doc="lapas, rutan, lpka, ...")
    upt_class: Mapped[str] = mapped_column(String(4), doc="I, IIA, IIB or III")


class WorkshopRow(Base):
    __tablename__ = "workshops"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    upt_code: Mapped[str] = mapped_column(ForeignKey("upts.code"))
    name: Mapped[str] = mapped_column(String(120))
    families: Mapped[str] = mapped_column(String(40), doc="comma-separated QC families")


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("gtin", name="products_gtin_key"),)
    sku: Mapped[str] = mapped_column(String(16), primary_key=True)
    catalogue_number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    upt_code: Mapped[str] = mapped_column(ForeignKey("upts.code"))
    family: Mapped[str] = mapped_column(String(3))
    tracking: Mapped[str] = mapped_column(String(4))
    unit_of_measure: Mapped[str] = mapped_column(String(16))
    price_idr: Mapped[int]
    gtin: Mapped[str | None] = mapped_column(
        String(14), doc="its own GTIN-14; without one, labels carry the internal code"
    )
    shelf_life_days: Mapped[int | None]
    food_permit: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def label_gtin(self) -> str:
        return catalogue.label_gtin(self.gtin, self.catalogue_number)


class BatchRow(Base):
    __tablename__ = "batches"
    batch_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    workshop_code: Mapped[str] = mapped_column(ForeignKey("workshops.code"))
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    quantity: Mapped[int] = mapped_column(default=0)
    lot_code: Mapped[str | None] = mapped_column(String(24), unique=True)
    correlation_id: Mapped[UUID] = mapped_column(Uuid, doc="the batch's flow, from its opening")
    opened_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    # The food dates it was completed with (none: not food, or completed before 2026-12-07).
    production_date: Mapped[date | None]
    best_before: Mapped[date | None]


class OutputRow(Base):
    """One terminal submission; its id makes a resend after an offline spell harmless."""

    __tablename__ = "outputs"
    submission_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    batch_id: Mapped[UUID] = mapped_column(ForeignKey("batches.batch_id"), index=True)
    quantity: Mapped[int]
    worker_codes: Mapped[str] = mapped_column(String(2000), doc="comma-separated pseudonyms")
    recorded_at: Mapped[datetime]


class LotSequenceRow(Base):
    __tablename__ = "lot_sequences"
    prefix: Mapped[str] = mapped_column(String(16), primary_key=True, doc="UPT-yymm")
    last: Mapped[int]


class UnitRow(Base):
    __tablename__ = "units"
    serial: Mapped[str] = mapped_column(String(32), primary_key=True)
    batch_id: Mapped[UUID] = mapped_column(ForeignKey("batches.batch_id"), index=True)


UNITS = core_table(UnitRow)


class Batches:
    """Production's data access: batches, their output and their units."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, batch_id: UUID, *, lock: bool = False) -> BatchRow:
        batch = await self.session.get(BatchRow, batch_id, with_for_update=lock)
        if batch is None:
            raise NotFound("batch_id", f"no batch {batch_id}")
        return batch

    async def of_workshops(
        self, workshop_codes: Collection[str] | None, status: str | None, limit: int, offset: int
    ) -> Sequence[BatchRow]:
        """The batches of these workshops (None: of every one), the latest opened first
        (serials are left out: a list)."""
        query = select(BatchRow)
        if workshop_codes is not None:
            query = query.where(BatchRow.workshop_code.in_(workshop_codes))
        if status is not None:
            query = query.where(BatchRow.status == status)
        query = query.order_by(BatchRow.opened_at.desc(), BatchRow.batch_id)
        return (await self.session.scalars(query.limit(limit).offset(offset))).all()

    async def resent(self, batch_id: UUID, workshop_code: str, sku: str) -> BatchRow | None:
        """The batch a terminal opened before under this id (a resend), if any."""
        batch = await self.session.get(BatchRow, batch_id)
        if batch is not None:
            check_resend(
                "batch_id",
                "this batch id is already used for another batch",
                {"workshop_code": batch.workshop_code, "sku": batch.sku},
                {"workshop_code": workshop_code, "sku": sku},
            )
        return batch

    def open(
        self, origin: catalogue.Origin, batch_id: UUID, correlation_id: UUID, at: datetime
    ) -> BatchRow:
        batch = BatchRow(
            batch_id=batch_id,
            workshop_code=origin.workshop_code,
            sku=origin.sku,
            status="open",
            quantity=0,
            correlation_id=correlation_id,
            opened_at=at,
        )
        self.session.add(batch)
        return batch

    async def resent_output(
        self, batch: BatchRow, submission_id: UUID, quantity: int, worker_codes: Sequence[str]
    ) -> bool:
        """Whether this submission was recorded before (a resend after an offline spell): the
        same batch, quantity and workers (in any order), or a 409 naming what differs."""
        earlier = await self.session.get(OutputRow, submission_id)
        if earlier is None:
            return False
        check_resend(
            "submission_id",
            "this submission id was used for other output",
            {
                "batch_id": earlier.batch_id,
                "quantity": earlier.quantity,
                "worker_codes": sorted(earlier.worker_codes.split(",")),
            },
            {
                "batch_id": batch.batch_id,
                "quantity": quantity,
                "worker_codes": sorted(worker_codes),
            },
        )
        return True

    def add_output(self, batch: BatchRow, submission: Any, at: datetime) -> None:
        """Pieces made and the pseudonymous codes of who made them."""
        codes = ",".join(submission.worker_codes)
        self.session.add(
            OutputRow(
                **row_values(
                    core_table(OutputRow),
                    submission,
                    batch_id=batch.batch_id,
                    worker_codes=codes,
                    recorded_at=at,
                )
            )
        )
        batch.quantity += submission.quantity

    async def complete(
        self,
        batch: BatchRow,
        made: catalogue.Origin,
        at: datetime,
        production_date: date | None = None,
        best_before: date | None = None,
    ) -> BatchCompleted:
        """Give the batch its lot code (and unit serials); returns the event announcing it.
        Food gets its dates: entered, or from the WIB day of completion and its shelf life."""
        check_completable(batch.quantity)
        made_on, best = food_dates(made.shelf_life_days, at, production_date, best_before)
        sequence = await self._next_lot_sequence(made.upt_code, at)
        lot = lot_code(made.upt_code, made.qc_family, at, sequence)
        unit_serials = serials(lot, batch.quantity) if made.tracking == "unit" else []
        batch.status, batch.lot_code, batch.completed_at = "completed", lot, at
        batch.production_date, batch.best_before = made_on, best
        if unit_serials:
            rows = [{"serial": serial, "batch_id": batch.batch_id} for serial in unit_serials]
            await self.session.execute(insert(UNITS), rows)
        return BatchCompleted.new(
            correlation_id=batch.correlation_id,
            occurred_at=at,
            source=made,
            batch_id=batch.batch_id,
            lot_code=lot,
            quantity=batch.quantity,
            serials=unit_serials,
            worker_count=await self._worker_count(batch),
            production_date=made_on,
            best_before=best,
        )

    async def serials(self, batch: BatchRow) -> list[str]:
        if batch.status != "completed":
            return []
        query = select(UNITS.c.serial).where(UNITS.c.batch_id == batch.batch_id)
        return list(await self.session.scalars(query.order_by(UNITS.c.serial)))

    async def _worker_count(self, batch: BatchRow) -> int:
        """How many distinct workers took part; their codes never leave this service."""
        query = select(OutputRow.worker_codes).where(OutputRow.batch_id == batch.batch_id)
        return len(
            {code for codes in await self.session.scalars(query) for code in codes.split(",")}
        )

    async def _next_lot_sequence(self, upt_code: str, at: datetime) -> int:
        """Atomic per UPT and month, also when terminals complete batches at the same moment.

        Until 2026-11-28 sequences counted per UPT, family and month (prefix CLG-FTW-2611). A
        month's first lot under the new scope continues after the highest of those, so no lot
        code is given twice in the month of the upgrade.
        """
        scope = lot_sequence_scope(upt_code, at)
        legacy = LotSequenceRow.prefix.like(f"{upt_code}-%-{business_month(at)}")
        after_legacy = select(func.coalesce(func.max(LotSequenceRow.last), 0) + 1).where(legacy)
        statement = (
            upsert(self.session, LotSequenceRow)
            .values(prefix=scope, last=after_legacy.scalar_subquery())
            .on_conflict_do_update(
                index_elements=["prefix"], set_={"last": LotSequenceRow.last + 1}
            )
            .returning(LotSequenceRow.last)
        )
        return int((await self.session.execute(statement)).scalar_one())
