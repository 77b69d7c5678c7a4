"""Sales' subscribers: the channel catalogue from stock changes, order answers from inventory."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services.sales import db
from shared.contracts import ReservationDeclined, StockChanged, StockReserved
from shared.db import upsert
from shared.delivery.consumer import Subscription


async def update_catalogue(session: AsyncSession, events: list[StockChanged]) -> None:
    """Keep the newest version per SKU and location; older or repeated changes are ignored."""
    newest: dict[tuple[str, str], StockChanged] = {}
    for event in events:
        key = (event.sku, event.location_code)
        if key not in newest or newest[key].version < event.version:
            newest[key] = event
    statement = upsert(session, db.CatalogueRow)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["sku", "location_code"],
            set_={
                "available": statement.excluded.available,
                "version": statement.excluded.version,
                "product_name": statement.excluded.product_name,
            },
            where=db.CatalogueRow.version < statement.excluded.version,
        ),
        [
            {
                "sku": e.sku,
                "location_code": e.location_code,
                "product_name": e.product_name,
                "available": e.available,
                "version": e.version,
            }
            for e in newest.values()
        ],
    )


async def confirm_orders(session: AsyncSession, events: list[StockReserved]) -> None:
    now = datetime.now(UTC)
    for event in events:
        await session.execute(
            update(db.OrderRow)
            .where(db.OrderRow.order_id == event.order_id, db.OrderRow.status == "pending")
            .values(
                status="confirmed",
                allocations=[a.model_dump() for a in event.allocations],
                answered_at=now,
            )
        )


async def reject_orders(session: AsyncSession, events: list[ReservationDeclined]) -> None:
    now = datetime.now(UTC)
    for event in events:
        await session.execute(
            update(db.OrderRow)
            .where(db.OrderRow.order_id == event.order_id, db.OrderRow.status == "pending")
            .values(status="rejected", reason=event.reason, answered_at=now)
        )


subscriptions: list[Subscription[Any]] = [
    Subscription(StockChanged, update_catalogue),
    Subscription(StockReserved, confirm_orders),
    Subscription(ReservationDeclined, reject_orders),
]
