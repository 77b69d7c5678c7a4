"""Quality's own tables: one inspection per completed batch."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import TYPE_MAP, delivery_tables


class Base(DeclarativeBase):
    type_annotation_map = TYPE_MAP


delivery = delivery_tables(Base.metadata)


class InspectionRow(Base):
    __tablename__ = "inspections"
    batch_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    inspection_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    lot_code: Mapped[str] = mapped_column(String(24), unique=True)
    sku: Mapped[str] = mapped_column(String(16))
    product_name: Mapped[str] = mapped_column(String(120))
    family: Mapped[str] = mapped_column(String(3))
    tracking: Mapped[str] = mapped_column(String(4))
    upt_code: Mapped[str] = mapped_column(String(8), index=True)
    workshop_code: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int]
    serials: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), index=True, doc="pending or signed_off")
    received_at: Mapped[datetime]
    officer_code: Mapped[str | None] = mapped_column(String(24))
    passed_quantity: Mapped[int | None]
    rejected_quantity: Mapped[int | None]
    defects: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    signed_off_at: Mapped[datetime | None]
