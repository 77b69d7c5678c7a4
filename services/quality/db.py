"""Quality's own tables and their store: one inspection per completed batch, and every sign-off
of it (the first and each correction)."""

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID, uuid4

from sqlalchemy import JSON, Date, ForeignKey, String, Uuid, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.quality.domain import DEFECT_CODES, Correction, Decision, Lot, Rejection
from shared.contracts import BatchCompleted, BatchSignedOff, Defect, Link, PermitRef
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
    food_permit: Mapped[str | None] = mapped_column(String(8), doc="spp-irt or bpom-md: food")
    production_date: Mapped[date | None] = mapped_column(Date)
    best_before: Mapped[date | None] = mapped_column(Date)
    permits: Mapped[list[dict[str, object]] | None] = mapped_column(
        JSON, doc="the permits the current sign-off relied on (food passing QC)"
    )

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
            permits=None,
        )

    @property
    def lot(self) -> Lot:
        return Lot(self.family, self.tracking, self.quantity, tuple(self.serials))

    @property
    def decision(self) -> Decision | None:
        """What the current sign-off decided; None while the inspection is pending."""
        if self.passed_quantity is None or self.rejected_quantity is None:
            return None
        defects = [Defect.model_validate(defect) for defect in self.defects or ()]
        rejections = tuple(Rejection(d.code, d.quantity, tuple(d.serials)) for d in defects)
        passed_serials = tuple(self.passed_serials or ())
        return Decision(self.passed_quantity, self.rejected_quantity, passed_serials, rejections)

    def superseded(self, supersedes: UUID) -> Decision:
        """The decision a correction naming `supersedes` replaces. Only the current sign-off can
        be corrected: naming an older one means someone corrected it first (409, naming the
        current one), so of two officers correcting at once only one wins."""
        decision = self.decision
        if decision is None:
            raise Conflict("batch_id", f"batch {self.lot_code} is pending: sign it off first")
        if supersedes != self.inspection_id:
            raise Conflict(
                "supersedes",
                f"the current sign-off of {self.lot_code} is {self.inspection_id} "
                f"(by {self.officer_code}), not {supersedes}: correct that one",
            )
        return decision

    def sign_off(
        self,
        officer_code: str,
        decision: Decision,
        at: datetime,
        correction: Correction | None = None,
        permits: Sequence[PermitRef] = (),
    ) -> BatchSignedOff:
        """Record the decision, the first or a correction of the current one, and the permits
        its passed food relied on; returns the event announcing it, in the batch's flow. A
        correction is a sign-off of its own, under a new inspection id: consumers tell it from
        the one it supersedes, and both stay on record."""
        if correction is not None:
            self.inspection_id = uuid4()
        self.status, self.officer_code, self.signed_off_at = "signed_off", officer_code, at
        self.passed_quantity = decision.passed_quantity
        self.rejected_quantity = decision.rejected_quantity
        self.passed_serials = list(decision.passed_serials)
        self.permits = [permit.model_dump(mode="json") for permit in permits]
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
        supersedes = correction.supersedes if correction else None
        return BatchSignedOff.new(
            caused_by=cause,
            occurred_at=at,
            source=self,
            supersedes=supersedes,
            permits=list(permits),
        )


INSPECTIONS = core_table(InspectionRow)


class SignOffRow(Base):
    """One sign-off of a batch, the first or a correction, as it was decided. Rows are only
    ever added: the inspection shows the current decision, this table every one before it."""

    __tablename__ = "sign_offs"
    inspection_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    batch_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("inspections.batch_id"), index=True)
    lot_code: Mapped[str] = mapped_column(String(24))
    officer_code: Mapped[str] = mapped_column(String(24))
    passed_quantity: Mapped[int]
    rejected_quantity: Mapped[int]
    passed_serials: Mapped[list[str]] = mapped_column(JSON)
    defects: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    supersedes: Mapped[UUID | None] = mapped_column(Uuid, doc="the sign-off this one corrects")
    reason: Mapped[str | None] = mapped_column(String(500), doc="why it was corrected")
    signed_off_at: Mapped[datetime]

    @classmethod
    def of(cls, inspection: InspectionRow, correction: Correction | None) -> "SignOffRow":
        """The inspection's current sign-off, as a row of the history."""
        supersedes, reason = (
            (correction.supersedes, correction.reason) if correction else (None, None)
        )
        return cls(**row_values(core_table(cls), inspection, supersedes=supersedes, reason=reason))


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

    async def sign_off(
        self,
        inspection: InspectionRow,
        officer_code: str,
        decision: Decision,
        at: datetime,
        correction: Correction | None = None,
        permits: Sequence[PermitRef] = (),
    ) -> BatchSignedOff:
        """Sign an inspection off, or correct its sign-off, and keep the sign-off on record:
        the one way both go. A sign-off made before the history was kept is recorded as it
        stands before its first correction replaces it."""
        if (
            correction is not None
            and await self.session.get(SignOffRow, correction.supersedes) is None
        ):
            self.session.add(SignOffRow.of(inspection, None))
        signed = inspection.sign_off(officer_code, decision, at, correction, permits)
        self.session.add(SignOffRow.of(inspection, correction))
        return signed

    async def sign_offs(self, batch_ids: Sequence[UUID]) -> dict[UUID, list[SignOffRow]]:
        """Every sign-off of these batches, oldest first, in one query (a listing's too)."""
        found: dict[UUID, list[SignOffRow]] = {batch_id: [] for batch_id in batch_ids}
        if not batch_ids:
            return found
        query = select(SignOffRow).where(SignOffRow.batch_id.in_(batch_ids))
        for row in await self.session.scalars(query.order_by(SignOffRow.signed_off_at)):
            found[row.batch_id].append(row)
        return found
