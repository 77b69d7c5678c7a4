"""Inventory's own tables: append-only ledger, levels, lots, units and reservations.

Quarantined goods (held by quality, or returned pending re-inspection) stay on hand but are
neither reserved nor available: levels and lots count them, units say so in their status, the
ledger keeps their movements. (The `quarantined` columns and `stock_holds.closed` came without a
migration: default 0, and NULL, an open hold.)
"""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Uuid, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import TYPE_MAP, delivery_tables


class Base(DeclarativeBase):
    type_annotation_map = TYPE_MAP


delivery = delivery_tables(Base.metadata)


class LedgerRow(Base):
    """Every movement, never updated or deleted: the stock is the sum of its ledger."""

    __tablename__ = "stock_ledger"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())
    sku: Mapped[str] = mapped_column(String(16))
    location_code: Mapped[str] = mapped_column(String(16))
    lot_code: Mapped[str] = mapped_column(String(24))
    on_hand_delta: Mapped[int]
    reserved_delta: Mapped[int]
    quarantined_delta: Mapped[int] = mapped_column(default=0, server_default="0")
    reason: Mapped[str] = mapped_column(String(12))
    cause_event_id: Mapped[UUID] = mapped_column(Uuid)
    order_id: Mapped[UUID | None] = mapped_column(Uuid)

    __table_args__ = (Index("ix_ledger_sku_location", "sku", "location_code"),)


class LevelRow(Base):
    __tablename__ = "stock_levels"
    sku: Mapped[str] = mapped_column(String(16), primary_key=True)
    location_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    product_name: Mapped[str] = mapped_column(String(120))
    on_hand: Mapped[int]
    reserved: Mapped[int]
    version: Mapped[int]
    quarantined: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.quarantined


class LotRow(Base):
    __tablename__ = "stock_lots"
    lot_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    location_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    sku: Mapped[str] = mapped_column(String(16), index=True)
    tracking: Mapped[str] = mapped_column(String(4))
    on_hand: Mapped[int]
    reserved: Mapped[int]
    quarantined: Mapped[int] = mapped_column(default=0, server_default="0")
    received_at: Mapped[datetime]


class UnitRow(Base):
    __tablename__ = "stock_units"
    serial: Mapped[str] = mapped_column(String(32), primary_key=True)
    sku: Mapped[str] = mapped_column(String(16))
    lot_code: Mapped[str] = mapped_column(String(24))
    location_code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(
        String(12),
        doc="available, reserved, quarantined, sold, destroyed (a closed hold wrote it off), "
        "rejected (a superseding sign-off failed it after it was received), in_transit (shipped "
        "on a transfer, at its source until received) or lost (shipped, never arrived)",
    )
    order_id: Mapped[UUID | None] = mapped_column(Uuid)

    __table_args__ = (Index("ix_units_sku_status", "sku", "status", "serial"),)


class ReservationRow(Base):
    __tablename__ = "reservations"
    order_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    sku: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(
        String(10),
        doc="reserved, declined, released, sold, or cancelled (its channel cancelled the order "
        "before inventory read it: the order is then never reserved)",
    )
    reason: Mapped[str | None] = mapped_column(String(200))
    allocations: Mapped[list[dict[str, object]]] = mapped_column(JSON)


class HoldRow(Base):
    """A hold inventory was told of, kept so goods of the lot received after it (the sign-off
    read after the hold: they come on different streams) are quarantined on arrival, and so that
    closing another hold of the lot leaves the goods this one still covers quarantined."""

    __tablename__ = "stock_holds"
    hold_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    lot_code: Mapped[str] = mapped_column(String(24), index=True)
    sku: Mapped[str] = mapped_column(String(16))
    serials: Mapped[list[str]] = mapped_column(JSON, doc="the units held; empty: the whole lot")
    event_id: Mapped[UUID] = mapped_column(Uuid, doc="the LotHeld, which later changes follow")
    correlation_id: Mapped[UUID] = mapped_column(Uuid)
    closed: Mapped[str | None] = mapped_column(
        String(10), default=None, doc="None while open; released or destroyed once closed"
    )


class SignOffRow(Base):
    """A QC sign-off inventory applied (passing goods or not), kept so a superseding sign-off
    knows its original was applied and what the lot's decision was before it: stock follows
    the difference. The lot's current decision is its sign-off not superseded."""

    __tablename__ = "stock_sign_offs"
    inspection_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    lot_code: Mapped[str] = mapped_column(String(24), index=True)
    sku: Mapped[str] = mapped_column(String(16))
    passed_quantity: Mapped[int]
    superseded_by: Mapped[UUID | None] = mapped_column(Uuid, default=None)
    event_id: Mapped[UUID] = mapped_column(Uuid)


class ReturnRow(Base):
    """Goods a buyer brought back, kept by the return's id: a return resent under a new event
    id is taken back once."""

    __tablename__ = "stock_returns"
    return_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    sku: Mapped[str] = mapped_column(String(16))
    location_code: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int]
    event_id: Mapped[UUID] = mapped_column(Uuid)


class LocationRow(Base):
    """A place goods are kept or sold from: a UPT's store, a gallery, an outlet, an expo stand
    (locations.py). Stock levels, lots and units name these codes."""

    __tablename__ = "locations"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12), doc="upt_store, gallery, outlet or expo_stand")
    address: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(120), doc="who runs it")
    upt_code: Mapped[str | None] = mapped_column(String(8), doc="the UPT of a upt_store")
    active: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class TransferRow(Base):
    """Goods of one lot sent from one location to another on consignment (transfers.py):
    shipped (in transit: off the source's stock, on nobody's shelf), then received (what
    arrived, what never did, what arrived damaged)."""

    __tablename__ = "stock_transfers"
    transfer_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    sku: Mapped[str] = mapped_column(String(16))
    lot_code: Mapped[str] = mapped_column(String(24), index=True)
    from_location: Mapped[str] = mapped_column(String(16))
    to_location: Mapped[str] = mapped_column(String(16))
    tracking: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[int]
    serials: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), doc="shipped (in transit) or received")
    shipped_at: Mapped[datetime]
    shipped_event_id: Mapped[UUID] = mapped_column(Uuid, doc="the goods-shipped")
    correlation_id: Mapped[UUID] = mapped_column(Uuid, doc="the transfer's flow")
    received_at: Mapped[datetime | None]
    received_quantity: Mapped[int | None]
    received_serials: Mapped[list[str]] = mapped_column(JSON, default=list)
    short_quantity: Mapped[int | None]
    short_serials: Mapped[list[str]] = mapped_column(JSON, default=list)
    damaged_quantity: Mapped[int | None]
    damaged_serials: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (Index("ix_transfers_sku_status", "sku", "status"),)
