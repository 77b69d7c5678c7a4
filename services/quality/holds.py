"""Holds and recalls of lots: the rules (no I/O) and the store.

A hold names a lot, or some of its units, with a reason; it may be escalated to a recall. Each
is announced once (LotHeld, LotRecalled) and never edited afterwards: releasing or destroying
held goods will be events of their own.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import JSON, String, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.quality.db import Base, InspectionRow
from services.quality.domain import defect_code_problem
from shared.contracts import Link, LotHeld, LotRecalled
from shared.db import core_table, row_values
from shared.errors import Conflict, NotFound, Rejected

HeldBy = Literal["kanwil_admin", "qc_officer"]


class HoldRow(Base):
    __tablename__ = "holds"
    hold_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    lot_code: Mapped[str] = mapped_column(String(24), index=True)
    sku: Mapped[str] = mapped_column(String(16))
    upt_code: Mapped[str] = mapped_column(String(8), index=True)
    serials: Mapped[list[str]] = mapped_column(JSON, doc="empty: the whole lot")
    defect_code: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(500))
    held_by: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), doc="held or recalled")
    held_at: Mapped[datetime]
    recalled_at: Mapped[datetime | None]
    recall_reason: Mapped[str | None] = mapped_column(String(500))
    held_event_id: Mapped[UUID] = mapped_column(Uuid, doc="the LotHeld; the recall follows it")
    correlation_id: Mapped[UUID] = mapped_column(Uuid, doc="the hold's flow")

    def recall(self, reason: str, at: datetime) -> LotRecalled:
        """Escalate the hold; returns the event announcing it, in the hold's flow."""
        self.status, self.recalled_at, self.recall_reason = "recalled", at, reason
        cause = Link(self.held_event_id, self.correlation_id)
        return LotRecalled.new(caused_by=cause, occurred_at=at, source=self, reason=reason)


def check_hold(lot: InspectionRow, serials: Sequence[str], defect_code: str | None) -> None:
    """The units must be the lot's (and only a unit-tracked lot has units); a defect code must
    be of the lot's family."""
    if serials and lot.tracking == "lot":
        raise Rejected("serials", f"{lot.lot_code} is traced per lot; hold the whole lot")
    strangers = sorted(set(serials) - set(lot.serials))
    if strangers:
        raise Rejected("serials", f"not units of {lot.lot_code}: {', '.join(strangers[:5])}")
    if len(set(serials)) != len(serials):
        raise Rejected("serials", "a serial is listed twice")
    if defect_code is not None and (problem := defect_code_problem(lot.family, defect_code)):
        raise Rejected("defect_code", problem)


HOLDS = core_table(HoldRow)


class Holds:
    """Quality's holds, and the lots they can name (those whose batch arrived)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lot(self, lot_code: str) -> InspectionRow:
        query = select(InspectionRow).where(InspectionRow.lot_code == lot_code)
        lot = (await self.session.scalars(query)).first()
        if lot is None:
            raise NotFound("lot_code", f"no lot {lot_code}: unknown, or its batch has not arrived")
        return lot

    async def get(self, hold_id: UUID, *, lock: bool = False) -> HoldRow:
        hold = await self.session.get(HoldRow, hold_id, with_for_update=lock)
        if hold is None:
            raise NotFound("hold_id", f"no hold {hold_id}")
        return hold

    async def resent(self, hold_id: UUID, lot_code: str, serials: Sequence[str]) -> HoldRow | None:
        """The hold placed before under this id (a resend), if any."""
        hold = await self.session.get(HoldRow, hold_id)
        if hold is not None and (hold.lot_code, sorted(hold.serials)) != (
            lot_code,
            sorted(serials),
        ):
            raise Conflict("hold_id", "this hold id is already used for another hold")
        return hold

    def place(self, held: LotHeld) -> HoldRow:
        """Record the hold its event announces."""
        hold = HoldRow(
            **row_values(
                HOLDS, held, status="held", held_at=held.occurred_at, held_event_id=held.event_id
            )
        )
        self.session.add(hold)
        return hold

    async def listing(self, lot_code: str | None, upt: str | None) -> Sequence[HoldRow]:
        query = select(HoldRow)
        if lot_code:
            query = query.where(HoldRow.lot_code == lot_code)
        if upt:
            query = query.where(HoldRow.upt_code == upt)
        return (await self.session.scalars(query.order_by(HoldRow.held_at).limit(500))).all()
