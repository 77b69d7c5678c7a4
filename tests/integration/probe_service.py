"""A minimal service on the shared plumbing, to test delivery without any domain in the way.

It applies BatchCompleted events by recording them; an event whose quantity is in `poisoned`
fails (as a bug or an outage would) until it is taken out again.
"""

from uuid import UUID

from fastapi import APIRouter
from sqlalchemy import String, Uuid, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.contracts import BatchCompleted
from shared.db import TYPE_MAP, delivery_tables
from shared.delivery.subscriptions import EventRouter
from shared.service import ServiceSpec
from shared.uow import UnitOfWork


class Base(DeclarativeBase):
    type_annotation_map = TYPE_MAP


delivery = delivery_tables(Base.metadata)
poisoned: set[int] = set()
events = EventRouter()


class AppliedRow(Base):
    __tablename__ = "applied"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[UUID] = mapped_column(Uuid)
    lot_code: Mapped[str] = mapped_column(String(24))


@events.subscriber
async def record(batches: list[BatchCompleted], uow: UnitOfWork) -> None:
    for batch in batches:
        if batch.quantity in poisoned:
            raise RuntimeError(f"cannot apply a batch of {batch.quantity}")
    await uow.session.execute(
        insert(AppliedRow), [{"event_id": b.event_id, "lot_code": b.lot_code} for b in batches]
    )


spec = ServiceSpec(
    name="probe",
    metadata=Base.metadata,
    tables=delivery,
    router=APIRouter(),
    events=events,
)
