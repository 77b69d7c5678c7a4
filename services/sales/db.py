"""Sales' own tables and stores: channels, the channel catalogue kept from stock changes, orders
and what came back of them, and the holds on lots that keep units from sale."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from uuid import UUID

from sqlalchemy import JSON, Index, Row, String, Uuid, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.sales.domain import (
    REASON_LENGTH,
    cancellable,
    check_cancellable,
    check_completable,
    check_not_held,
    clipped,
    newest_changes,
)
from shared.contracts import (
    Allocation,
    Event,
    GoodsReturned,
    HoldClosed,
    Link,
    LotHeld,
    OrderCancelled,
    OrderPlaced,
    ReservationReleased,
    SaleCompleted,
    StockChanged,
)
from shared.db import TYPE_MAP, BigId, core_table, delivery_tables, row_values, upsert
from shared.errors import NotFound, Rejected, check_resend

H = TypeVar("H", LotHeld, HoldClosed)


class Base(DeclarativeBase):
    type_annotation_map = TYPE_MAP


delivery = delivery_tables(Base.metadata)


class ChannelRow(Base):
    """A sales channel and the locations it sells from: its orders take goods only there."""

    __tablename__ = "channels"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    locations: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)


class LocationRow(Base):
    """A place goods are kept or sold from, as inventory last announced it (location-changed):
    a channel may sell only from places known here and active."""

    __tablename__ = "locations"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(
        doc="when the change kept here happened: an older change read later is ignored"
    )


class WebhookRow(Base):
    """Where a channel wants its stock changes POSTed, and the secret they are signed with
    (kept, not hashed: signing needs it)."""

    __tablename__ = "webhooks"
    channel_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    leased_until: Mapped[datetime | None] = mapped_column(
        doc="a replica delivering this channel's webhooks holds it until then"
    )


class DeliveryRow(Base):
    """One stock change to POST to one channel's webhook, written with the change's inbox
    record: nothing is lost, nothing queued twice. Delivered in id order per channel."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_event", "channel_code", "event_id", unique=True),
        Index("ix_webhook_deliveries_due", "channel_code", "status", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel_code: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[UUID] = mapped_column(Uuid)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), doc="pending, delivered or dead")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(REASON_LENGTH))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class CatalogueRow(Base):
    """What a sales channel sees: kept from stock changed events, newest version wins."""

    __tablename__ = "catalogue"
    sku: Mapped[str] = mapped_column(String(16), primary_key=True)
    location_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    product_name: Mapped[str] = mapped_column(String(120))
    available: Mapped[int]
    version: Mapped[int]


class OrderRow(Base):
    """A channel's order. Its row lock decides between what may happen to an open order at
    the same time: completing it, its channel cancelling it and inventory releasing it take
    the lock (SELECT ... FOR UPDATE) before reading its status, so the second waits for the
    first to commit, then finds it completed or cancelled (409, or nothing to do). The expiry
    job skips an order locked by another (SKIP LOCKED): it is decided there, or next run."""

    __tablename__ = "orders"
    # The expiry job looks for confirmed orders by the time they were confirmed.
    __table_args__ = (
        Index(
            "ix_orders_confirmed_at",
            "answered_at",
            postgresql_where=text("status = 'confirmed'"),
            sqlite_where=text("status = 'confirmed'"),
        ),
    )
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
    completed_event_id: Mapped[UUID | None] = mapped_column(
        Uuid, doc="the sale completed event: returns follow it"
    )
    returned_quantity: Mapped[int | None] = mapped_column(doc="of what was sold; None: nothing")

    def placed(self, locations: Sequence[str]) -> OrderPlaced:
        """The event asking inventory to reserve the order from the channel's `locations`; it
        starts the order's flow."""
        return OrderPlaced.new(
            correlation_id=self.correlation_id, source=self, locations=list(locations)
        )

    def complete(self, at: datetime) -> SaleCompleted:
        """Hand the order over; returns the event, which follows inventory's confirmation."""
        check_completable(self.status, self.reason)
        assert self.answer_event_id is not None  # a confirmed order was answered
        self.status, self.completed_at = "completed", at
        cause = Link(self.answer_event_id, self.correlation_id)
        sale = SaleCompleted.new(caused_by=cause, occurred_at=at, source=self)
        self.completed_event_id = sale.event_id
        return sale

    def cancel(
        self, reason: str, cancelled_by: Literal["channel", "expiry"], at: datetime
    ) -> OrderCancelled:
        """Cancel an open order; returns the event that has inventory give its goods back.
        It follows the order's latest event: inventory's answer, if there was one yet."""
        check_cancellable(self.status, self.reason)
        self.status, self.reason = "cancelled", clipped(reason)
        return OrderCancelled.new(
            caused_by=self._answer(),
            correlation_id=self.correlation_id,
            occurred_at=at,
            source=self,
            cancelled_by=cancelled_by,
            reason=reason,
        )

    def take_back(self, goods: "ReturnRow") -> GoodsReturned:
        """Goods of this sale came back; returns the event, which follows the sale."""
        self.returned_quantity = (self.returned_quantity or 0) + goods.quantity
        sale = self.completed_event_id
        return GoodsReturned.new(
            caused_by=Link(sale, self.correlation_id) if sale else None,
            correlation_id=self.correlation_id,  # a sale completed before sales kept its id
            occurred_at=goods.returned_at,
            source=goods,
            channel_code=self.channel_code,
            sku=self.sku,
        )

    def sold(self) -> list[Allocation]:
        return [Allocation.model_validate(allocation) for allocation in self.allocations]

    def _answer(self) -> Link | None:
        if self.answer_event_id is None:
            return None
        return Link(self.answer_event_id, self.correlation_id)


class ReturnRow(Base):
    """Goods of a completed order that came back from its buyer, as recorded once under the
    return id its recorder chose (a resend finds it)."""

    __tablename__ = "returns"
    return_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    serials: Mapped[list[str]] = mapped_column(JSON, doc="the units back; empty: lot-tracked")
    quantity: Mapped[int]
    location_code: Mapped[str] = mapped_column(String(40), doc="where the goods came back")
    reason: Mapped[str] = mapped_column(String(500))
    allocations: Mapped[list[dict[str, object]]] = mapped_column(
        JSON, doc="what came back per lot, and where it was sold from"
    )
    returned_at: Mapped[datetime]

    def back(self) -> list[Allocation]:
        return [Allocation.model_validate(allocation) for allocation in self.allocations]

    def same_as(
        self,
        order_id: UUID,
        serials: Sequence[str],
        quantity: int | None,
        location_code: str | None,
        reason: str,
    ) -> bool:
        """Whether a request under this return id asks for this very return (a resend). A
        request without a location meant where the goods were sold from."""
        sold_from = {allocation.location_code for allocation in self.back()}
        default = sold_from.pop() if len(sold_from) == 1 else None
        asked = (order_id, sorted(serials), len(serials) if quantity is None else quantity)
        return (
            asked == (self.order_id, sorted(self.serials), self.quantity)
            and (location_code or default) == self.location_code
            and reason == self.reason
        )


class HeldLotRow(Base):
    """A hold on a lot, or on some of its units, as quality announced it: none of them may be
    ordered until it is closed with its goods released. Closed holds stay, with how and why
    they were closed: destroyed goods are still refused, saying so."""

    __tablename__ = "held_lots"
    hold_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    lot_code: Mapped[str] = mapped_column(String(24))
    sku: Mapped[str] = mapped_column(String(16), index=True)
    serials: Mapped[list[str]] = mapped_column(JSON, doc="the units held; empty: the whole lot")
    reason: Mapped[str] = mapped_column(String(500))
    held_at: Mapped[datetime]
    status: Mapped[str | None] = mapped_column(
        String(10), doc="held, released or destroyed; None (kept before closes were): held"
    )
    closed_reason: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None]


CATALOGUE, ORDERS, HELD_LOTS = (
    core_table(CatalogueRow),
    core_table(OrderRow),
    core_table(HeldLotRow),
)
STILL_HELD = or_(HELD_LOTS.c.status.is_(None), HELD_LOTS.c.status == "held")


class Orders:
    """Sales' data access for orders and what a channel may sell."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, order_id: UUID, *, lock: bool = False) -> OrderRow:
        order = await self.session.get(OrderRow, order_id, with_for_update=lock)
        if order is None:
            raise NotFound("order_id", f"no order {order_id}")
        return order

    async def resent(self, order_id: UUID, asked: Mapping[str, object]) -> OrderRow | None:
        """The order a channel placed before under this id (a resend), if any: `asked` must be
        the order's (units in any order), or it is a 409 naming what differs."""
        existing = await self.session.get(OrderRow, order_id)
        if existing is not None:
            recorded = {name: getattr(existing, name) for name in asked}
            if "serials" in recorded:
                recorded["serials"] = sorted(existing.serials)
            check_resend(
                "order_id", "this order id is already used for another order", recorded, asked
            )
        return existing

    async def check_sellable(self, sku: str, serials: Sequence[str]) -> None:
        """The SKU is listed, and none of the units named is on hold."""
        if not await self.session.scalar(select(func.count()).where(CATALOGUE.c.sku == sku)):
            raise Rejected("sku", f"{sku} is not in the catalogue")
        if serials:
            holds = await self.session.scalars(
                select(HeldLotRow).where(
                    HeldLotRow.sku == sku, HeldLotRow.status.is_distinct_from("released")
                )
            )
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
            completed_event_id=None,
            returned_quantity=None,
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

    async def expired(self, confirmed_before: datetime, limit: int) -> Sequence[OrderRow]:
        """Confirmed orders answered before this time, oldest first, locked. Rows another
        transaction holds (a complete, another replica's expiry run) are skipped, not waited
        for: SKIP LOCKED on PostgreSQL; SQLite, one writer at a time, has no row locks."""
        query = (
            select(OrderRow)
            .where(OrderRow.status == "confirmed", OrderRow.answered_at < confirmed_before)
            .order_by(OrderRow.answered_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.scalars(query)).all()

    async def hold(self, holds: Sequence[LotHeld]) -> None:
        """Keep the held lots and units; a hold already kept is not kept twice. A hold whose
        close was read first (another stream) keeps its close and gains its own reason."""
        statement = upsert(self.session, HELD_LOTS)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["hold_id"],
                set_={name: statement.excluded[name] for name in ("reason", "held_at")},
            ),
            [
                row_values(HELD_LOTS, held, held_at=held.occurred_at, status="held")
                for held in _once_per_hold(holds)
            ],
        )

    async def close(self, closes: Sequence[HoldClosed]) -> None:
        """Close holds as quality closed them: released goods may be ordered again, destroyed
        ones stay refused. A close read before its hold keeps the hold's place until the hold
        comes; a hold is closed once (a repeated close changes nothing)."""
        statement = upsert(self.session, HELD_LOTS)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["hold_id"],
                set_={
                    name: statement.excluded[name]
                    for name in ("status", "closed_reason", "closed_at")
                },
                where=STILL_HELD,
            ),
            [
                row_values(
                    HELD_LOTS,
                    closed,
                    held_at=closed.occurred_at,
                    status=closed.outcome,
                    closed_reason=closed.reason,
                    closed_at=closed.occurred_at,
                )
                for closed in _once_per_hold(closes)
            ],
        )


class Returns:
    """Sales' data access for goods that came back."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, return_id: UUID) -> ReturnRow | None:
        return await self.session.get(ReturnRow, return_id)

    async def of_order(self, order_id: UUID) -> list[Allocation]:
        """What earlier returns of an order took back."""
        rows = await self.session.scalars(select(ReturnRow).where(ReturnRow.order_id == order_id))
        return [allocation for row in rows for allocation in row.back()]

    def record(
        self,
        return_id: UUID,
        order_id: UUID,
        back: Sequence[Allocation],
        location_code: str,
        reason: str,
    ) -> ReturnRow:
        """A new return of these goods."""
        row = ReturnRow(
            return_id=return_id,
            order_id=order_id,
            serials=[unit for allocation in back for unit in allocation.serials],
            quantity=sum(allocation.quantity for allocation in back),
            location_code=location_code,
            reason=reason,
            allocations=[allocation.model_dump() for allocation in back],
            returned_at=datetime.now(UTC),
        )
        self.session.add(row)
        return row


def _once_per_hold(events: Sequence[H]) -> list[H]:
    """The first event per hold: one statement may not upsert a row twice (PostgreSQL)."""
    return list({event.hold_id: event for event in reversed(events)}.values())


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

    async def locations(self) -> set[str]:
        """The locations stock was announced at: where goods can come back to."""
        return set(await self.session.scalars(select(CATALOGUE.c.location_code).distinct()))
