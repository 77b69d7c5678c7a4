"""Sales' own tables and stores: channels, the channel catalogue kept from stock changes, orders,
and the holds on lots that keep units from sale."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Row, String, Uuid, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.sales.domain import (
    REASON_LENGTH,
    cancellable,
    check_completable,
    check_not_held,
    clipped,
    newest_changes,
)
from shared.contracts import (
    Event,
    Link,
    LotHeld,
    OrderPlaced,
    ReservationReleased,
    SaleCompleted,
    StockChanged,
)
from shared.db import TYPE_MAP, core_table, delivery_tables, row_values, upsert
from shared.errors import Conflict, NotFound, Rejected


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
    status: Mapped[str] = mapped_column(
        String(10), doc="pending, confirmed, rejected, completed, cancelled"
    )
    reason: Mapped[str | None] = mapped_column(
        String(REASON_LENGTH), doc="why it was rejected or cancelled"
    )
    allocations: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    correlation_id: Mapped[UUID] = mapped_column(Uuid, doc="the order's flow")
    answer_event_id: Mapped[UUID | None] = mapped_column(Uuid, doc="inventory's answer")
    placed_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    def placed(self) -> OrderPlaced:
        """The event asking inventory to reserve the order; it starts the order's flow."""
        return OrderPlaced.new(correlation_id=self.correlation_id, source=self)

    def complete(self, at: datetime) -> SaleCompleted:
        """Hand the order over; returns the event, which follows inventory's confirmation."""
        check_completable(self.status, self.reason)
        assert self.answer_event_id is not None  # a confirmed order was answered
        self.status, self.completed_at = "completed", at
        cause = Link(self.answer_event_id, self.correlation_id)
        return SaleCompleted.new(caused_by=cause, occurred_at=at, source=self)


class HeldLotRow(Base):
    """A hold on a lot, or on some of its units, as quality announced it: none of them may be
    ordered."""

    __tablename__ = "held_lots"
    hold_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    lot_code: Mapped[str] = mapped_column(String(24))
    sku: Mapped[str] = mapped_column(String(16), index=True)
    serials: Mapped[list[str]] = mapped_column(JSON, doc="the units held; empty: the whole lot")
    reason: Mapped[str] = mapped_column(String(500))
    held_at: Mapped[datetime]


CATALOGUE, ORDERS, HELD_LOTS = (
    core_table(CatalogueRow),
    core_table(OrderRow),
    core_table(HeldLotRow),
)


class Orders:
    """Sales' data access for orders and what a channel may sell."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, order_id: UUID, *, lock: bool = False) -> OrderRow:
        order = await self.session.get(OrderRow, order_id, with_for_update=lock)
        if order is None:
            raise NotFound("order_id", f"no order {order_id}")
        return order

    async def resent(
        self, order_id: UUID, sku: str, quantity: int, buyer_ref: str
    ) -> OrderRow | None:
        """The order a channel placed before under this id (a resend), if any."""
        existing = await self.session.get(OrderRow, order_id)
        if existing is not None and (existing.sku, existing.quantity, existing.buyer_ref) != (
            sku,
            quantity,
            buyer_ref,
        ):
            raise Conflict("order_id", "this order id is already used for another order")
        return existing

    async def check_sellable(self, channel_code: str, sku: str, serials: Sequence[str]) -> None:
        """The channel is known, the SKU listed, and none of the units named is on hold."""
        if await self.session.get(ChannelRow, channel_code) is None:
            raise Rejected("channel_code", f"unknown sales channel {channel_code!r}")
        if not await self.session.scalar(select(func.count()).where(CATALOGUE.c.sku == sku)):
            raise Rejected("sku", f"{sku} is not in the catalogue")
        if serials:
            holds = await self.session.scalars(select(HeldLotRow).where(HeldLotRow.sku == sku))
            check_not_held(serials, holds)

    def place(self, request: object, correlation_id: UUID) -> OrderRow:
        """A new pending order from a channel's request (its fields named like the columns)."""
        values = row_values(
            ORDERS,
            request,
            status="pending",
            reason=None,
            allocations=[],
            correlation_id=correlation_id,
            answer_event_id=None,
            placed_at=datetime.now(UTC),
            answered_at=None,
            completed_at=None,
        )
        order = OrderRow(**values)
        self.session.add(order)
        return order

    async def answer(self, order_id: UUID, answer: Event, status: str, **values: object) -> None:
        """Inventory's answer to a pending order (a repeated answer changes nothing)."""
        await self.session.execute(
            update(OrderRow)
            .where(OrderRow.order_id == order_id, OrderRow.status == "pending")
            .values(
                status=status,
                answer_event_id=answer.event_id,
                answered_at=datetime.now(UTC),
                **values,
            )
        )

    async def cancel(self, released: ReservationReleased) -> None:
        """Inventory gave the order's goods back (a hold on them): see `cancellable`."""
        order = await self.session.get(OrderRow, released.order_id, with_for_update=True)
        if order is not None and cancellable(order.status):
            order.status, order.reason = "cancelled", clipped(released.reason)
            if order.answer_event_id is None:  # the release was read before the reservation
                order.answer_event_id, order.answered_at = released.event_id, datetime.now(UTC)

    async def hold(self, holds: Sequence[LotHeld]) -> None:
        """Keep the held lots and units; a hold already kept is not kept twice."""
        await self.session.execute(
            upsert(self.session, HELD_LOTS).on_conflict_do_nothing(index_elements=["hold_id"]),
            [row_values(HELD_LOTS, held, held_at=held.occurred_at) for held in holds],
        )


class Catalogue:
    """The channel catalogue: available stock per SKU and location."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def keep_newest(self, changes: Sequence[StockChanged]) -> None:
        """Apply the newest change per SKU and location; older or repeated ones do nothing."""
        statement = upsert(self.session, CATALOGUE)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["sku", "location_code"],
                set_={
                    name: statement.excluded[name]
                    for name in ("available", "version", "product_name")
                },
                where=CATALOGUE.c.version < statement.excluded.version,
            ),
            [row_values(CATALOGUE, change) for change in newest_changes(changes)],
        )

    async def rows(self) -> Sequence[Row[Any]]:
        query = select(CATALOGUE).order_by(CATALOGUE.c.sku, CATALOGUE.c.location_code)
        return (await self.session.execute(query)).all()


async def seed_channels(session: AsyncSession) -> None:
    known = set(await session.scalars(select(ChannelRow.code)))
    session.add_all(
        ChannelRow(code=code, name=name, kind=kind)
        for code, name, kind in CHANNELS
        if code not in known
    )
