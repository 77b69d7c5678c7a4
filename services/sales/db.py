"""Sales' own tables: channels, the channel catalogue kept from stock changes, orders."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, String, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import TYPE_MAP, delivery_tables


class Base(DeclarativeBase):
    type_annotation_map = TYPE_MAP


delivery = delivery_tables(Base.metadata)

CHANNELS = (
    ("GALERI-SERANG", "Galeri produk WBP, Kanwil Ditjenpas Banten", "gallery"),
    ("EXPO-UMKM", "Stan pameran UMKM Pemprov Banten", "expo"),
    ("E-KATALOG", "Katalog elektronik pemerintah", "e-catalogue"),
    ("MARKETPLACE", "Toko daring", "marketplace"),
)


class ChannelRow(Base):
    __tablename__ = "channels"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))


class CatalogueRow(Base):
    """What a sales channel sees: kept from stock changed events, newest version wins."""

    __tablename__ = "catalogue"
    sku: Mapped[str] = mapped_column(String(16), primary_key=True)
    location_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    product_name: Mapped[str] = mapped_column(String(120))
    available: Mapped[int]
    version: Mapped[int]


class OrderRow(Base):
    __tablename__ = "orders"
    order_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    channel_code: Mapped[str] = mapped_column(String(20))
    sku: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int]
    serials: Mapped[list[str]] = mapped_column(JSON)
    buyer_ref: Mapped[str] = mapped_column(String(64), doc="opaque; personal data stays out")
    status: Mapped[str] = mapped_column(String(10), doc="pending, confirmed, rejected, completed")
    reason: Mapped[str | None] = mapped_column(String(200))
    allocations: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    placed_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


async def seed_channels(session: AsyncSession) -> None:
    known = set(await session.scalars(select(ChannelRow.code)))
    session.add_all(
        ChannelRow(code=code, name=name, kind=kind)
        for code, name, kind in CHANNELS
        if code not in known
    )
