"""Trace's read model: lots, units and the steps that happened to them (built from events)."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import TYPE_MAP, delivery_tables


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
    """One EPCIS-style step; `serial` is set when it concerns one unit only (a sale)."""

    __tablename__ = "steps"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    lot_code: Mapped[str] = mapped_column(String(24))
    serial: Mapped[str | None] = mapped_column(String(32))
    biz_step: Mapped[str] = mapped_column(String(20))
    disposition: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    event_id: Mapped[UUID] = mapped_column(Uuid)
    data: Mapped[dict[str, object]] = mapped_column(JSON)

    __table_args__ = (Index("ix_steps_lot_serial", "lot_code", "serial"),)
