"""A minimal service on the shared plumbing, to test delivery without any domain in the way.

It applies BatchCompleted events by recording them; an event whose quantity is in `poisoned`
fails (as a bug or an outage would) until it is taken out again.
"""

from uuid import UUID

from fastapi import APIRouter
from sqlalchemy import String, Uuid, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.contracts import BatchCompleted
from shared.db import TYPE_MAP, delivery_tables
from shared.delivery.consumer import Subscription
from shared.service import ServiceSpec


class Base(DeclarativeBase):
    type_annotation_map = TYPE_MAP


delivery = delivery_tables(Base.metadata)
poisoned: set[int] = set()


class AppliedRow(Base):
    __tablename__ = "applied"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[UUID] = mapped_column(Uuid)
    lot_code: Mapped[str] = mapped_column(String(24))


async def record(session: AsyncSession, events: list[BatchCompleted]) -> None:
    for event in events:
        if event.quantity in poisoned:
            raise RuntimeError(f"cannot apply a batch of {event.quantity}")
    await session.execute(
        insert(AppliedRow), [{"event_id": e.event_id, "lot_code": e.lot_code} for e in events]
    )


spec = ServiceSpec(
    name="probe",
    metadata=Base.metadata,
    tables=delivery,
    router=APIRouter(),
    subscriptions=[Subscription(BatchCompleted, record)],
)
