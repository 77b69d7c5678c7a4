"""Production's own tables: catalogue, batches, outputs with worker codes, units."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, Integer, String, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.production import catalogue
from shared.db import TYPE_MAP, delivery_tables, upsert


class Base(DeclarativeBase):
    type_annotation_map = TYPE_MAP


delivery = delivery_tables(Base.metadata)


class UptRow(Base):
    __tablename__ = "upts"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class WorkshopRow(Base):
    __tablename__ = "workshops"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    upt_code: Mapped[str] = mapped_column(ForeignKey("upts.code"))
    name: Mapped[str] = mapped_column(String(120))
    families: Mapped[str] = mapped_column(String(40), doc="comma-separated QC families")


class ProductRow(Base):
    __tablename__ = "products"
    sku: Mapped[str] = mapped_column(String(16), primary_key=True)
    catalogue_number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    upt_code: Mapped[str] = mapped_column(ForeignKey("upts.code"))
    family: Mapped[str] = mapped_column(String(3))
    tracking: Mapped[str] = mapped_column(String(4))
    unit_of_measure: Mapped[str] = mapped_column(String(16))
    price_idr: Mapped[int]
    gtin: Mapped[str] = mapped_column(String(14))


class BatchRow(Base):
    __tablename__ = "batches"
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    workshop_code: Mapped[str] = mapped_column(ForeignKey("workshops.code"))
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    quantity: Mapped[int] = mapped_column(default=0)
    lot_code: Mapped[str | None] = mapped_column(String(24), unique=True)
    opened_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class OutputRow(Base):
    """One terminal submission; its id makes a resend after an offline spell harmless."""

    __tablename__ = "outputs"
    submission_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    batch_id: Mapped[UUID] = mapped_column(ForeignKey("batches.id"), index=True)
    quantity: Mapped[int]
    worker_codes: Mapped[str] = mapped_column(String(2000), doc="comma-separated pseudonyms")
    recorded_at: Mapped[datetime]


class LotSequenceRow(Base):
    __tablename__ = "lot_sequences"
    prefix: Mapped[str] = mapped_column(String(16), primary_key=True, doc="UPT-FAMILY-yymm")
    last: Mapped[int]


class UnitRow(Base):
    __tablename__ = "units"
    serial: Mapped[str] = mapped_column(String(32), primary_key=True)
    batch_id: Mapped[UUID] = mapped_column(ForeignKey("batches.id"), index=True)


async def seed_catalogue(session: AsyncSession) -> None:
    """Insert the catalogue of the domain brief once; later starts leave it as it is."""
    if await session.scalar(select(UptRow.code).limit(1)) is not None:
        return
    session.add_all(UptRow(code=upt.code, name=upt.name) for upt in catalogue.UPTS)
    await session.flush()
    session.add_all(
        WorkshopRow(code=w.code, upt_code=w.upt_code, name=w.name, families=",".join(w.families))
        for w in catalogue.WORKSHOPS
    )
    session.add_all(
        ProductRow(
            sku=p.sku,
            catalogue_number=catalogue.CATALOGUE_NUMBER[p.sku],
            name=p.name,
            upt_code=p.upt_code,
            family=p.family,
            tracking=p.tracking,
            unit_of_measure=p.unit_of_measure,
            price_idr=p.price_idr,
            gtin=catalogue.gtin_of(p),
        )
        for p in catalogue.PRODUCTS
    )


async def next_lot_sequence(session: AsyncSession, prefix: str) -> int:
    """Atomic per prefix, also when terminals complete batches at the same moment."""
    statement = (
        upsert(session, LotSequenceRow)
        .values(prefix=prefix, last=1)
        .on_conflict_do_update(index_elements=["prefix"], set_={"last": LotSequenceRow.last + 1})
        .returning(LotSequenceRow.last)
    )
    return int((await session.execute(statement)).scalar_one())
