"""Quality's own tables and their store: one inspection per completed batch."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import JSON, String, Uuid, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.quality.domain import DEFECT_CODES, Decision, Lot
from shared.contracts import BatchCompleted, BatchSignedOff, Link
from shared.db import TYPE_MAP, core_table, delivery_tables, row_values
from shared.errors import Conflict, NotFound


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
    correlation_id: Mapped[UUID] = mapped_column(Uuid, doc="the batch's flow")
    completed_event_id: Mapped[UUID] = mapped_column(Uuid, doc="the batch completion")
    officer_code: Mapped[str | None] = mapped_column(String(24))
    passed_quantity: Mapped[int | None]
    rejected_quantity: Mapped[int | None]
    passed_serials: Mapped[list[str] | None] = mapped_column(JSON)
    defects: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    signed_off_at: Mapped[datetime | None]

    @classmethod
    def values_from(cls, event: BatchCompleted, received_at: datetime) -> dict[str, object]:
        """A pending inspection of a completed batch, as a row to insert."""
        return row_values(
            INSPECTIONS,
            event,
            inspection_id=uuid4(),
            family=event.qc_family,
            status="pending",
            received_at=received_at,
            completed_event_id=event.event_id,
        )

    @property
    def lot(self) -> Lot:
        return Lot(self.family, self.tracking, self.quantity, tuple(self.serials))

    def sign_off(self, officer_code: str, decision: Decision, at: datetime) -> BatchSignedOff:
        """Record the decision; returns the event announcing it, in the batch's flow."""
        self.status, self.officer_code, self.signed_off_at = "signed_off", officer_code, at
        self.passed_quantity = decision.passed_quantity
        self.rejected_quantity = decision.rejected_quantity
        self.passed_serials = list(decision.passed_serials)
        self.defects = [
            {
                "code": r.defect_code,
                "description": DEFECT_CODES[self.family][r.defect_code],
                "quantity": r.quantity,
                "serials": list(r.serials),
            }
            for r in decision.rejections
        ]
        cause = Link(self.completed_event_id, self.correlation_id)
        return BatchSignedOff.new(caused_by=cause, occurred_at=at, source=self)


INSPECTIONS = core_table(InspectionRow)


class Inspections:
    """Quality's data access."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open(self, batches: Sequence[BatchCompleted], at: datetime) -> None:
        rows = [InspectionRow.values_from(batch, at) for batch in batches]
        await self.session.execute(insert(INSPECTIONS), rows)

    async def get(self, batch_id: UUID, *, lock: bool = False) -> InspectionRow:
        row = await self.session.get(InspectionRow, batch_id, with_for_update=lock)
        if row is None:
            raise NotFound(
                "batch_id",
                f"no inspection for batch {batch_id}: unknown, or its completion has not "
                "arrived yet",
            )
        return row

    async def pending(self, batch_id: UUID) -> InspectionRow:
        """An inspection to sign off, locked; one signed off already is a conflict."""
        row = await self.get(batch_id, lock=True)
        if row.status != "pending":
            raise Conflict(
                "batch_id", f"batch {row.lot_code} was already signed off by {row.officer_code}"
            )
        return row

    async def listing(self, status: str, upt: str | None) -> Sequence[InspectionRow]:
        query = select(InspectionRow).where(InspectionRow.status == status)
        if upt:
            query = query.where(InspectionRow.upt_code == upt)
        return (
            await self.session.scalars(query.order_by(InspectionRow.received_at).limit(500))
        ).all()
