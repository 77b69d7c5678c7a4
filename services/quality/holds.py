"""Holds and recalls of lots: the rules (no I/O) and the store.

A hold names a lot, or some of its units, with a reason; it may be escalated to a recall, and
it is closed, held or recalled, when its goods are released to sale or destroyed. Each step is
announced once (LotHeld, LotRecalled, HoldClosed) and never edited afterwards; a closed hold
is final.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import JSON, String, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.quality.db import Base, InspectionRow
from services.quality.domain import defect_code_problem
from shared.contracts import HoldClosed, Link, LotHeld, LotRecalled
from shared.db import core_table, row_values
from shared.errors import Conflict, NotFound, Rejected, check_resend

HeldBy = Literal["kanwil_admin", "qc_officer"]
Outcome = Literal["released", "destroyed"]
HoldStatus = Literal["held", "recalled", "released", "destroyed"]
CLOSED: frozenset[str] = frozenset(("released", "destroyed"))


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
    status: Mapped[str] = mapped_column(
        String(12), doc="held or recalled; released or destroyed once closed"
    )
    held_at: Mapped[datetime]
    recalled_at: Mapped[datetime | None]
    recall_reason: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(500))
    held_event_id: Mapped[UUID] = mapped_column(Uuid, doc="the LotHeld; the recall follows it")
    correlation_id: Mapped[UUID] = mapped_column(Uuid, doc="the hold's flow")

    def recallable(self) -> bool:
        """Whether a recall is news: a held hold's is; a recalled one's changes nothing (a
        resend). A closed hold's goods were released or destroyed: recalling it is a 409."""
        self._check_open(f"{self.status} goods cannot be recalled")
        return self.status == "held"

    def closing(self, outcome: Outcome) -> bool:
        """Whether closing with this outcome is news: an open hold's is (held or recalled);
        the same outcome again is a resend that changes nothing; another one is a 409."""
        if self.status == outcome:
            return False
        self._check_open(f"it cannot be {outcome} now")
        return True

    def _check_open(self, why_not: str) -> None:
        if self.status in CLOSED:
            closed = f"{self.closed_at:%Y-%m-%d %H:%M} UTC" if self.closed_at else "before"
            raise Conflict(
                "hold_id",
                f"hold {self.hold_id} was closed {closed}, its goods {self.status} "
                f"({self.close_reason}): {why_not}",
            )

    def recall(self, reason: str, at: datetime) -> LotRecalled:
        """Escalate the hold; returns the event announcing it, in the hold's flow."""
        self.status, self.recalled_at, self.recall_reason = "recalled", at, reason
        cause = Link(self.held_event_id, self.correlation_id)
        return LotRecalled.new(caused_by=cause, occurred_at=at, source=self, reason=reason)

    def close(self, outcome: Outcome, reason: str, role: str, at: datetime) -> HoldClosed:
        """Close the hold, its goods released or destroyed; returns the event announcing it,
        in the hold's flow. `role`: the caller's (the event admits only those who hold)."""
        self.status, self.closed_at, self.close_reason = outcome, at, reason
        cause = Link(self.held_event_id, self.correlation_id)
        return HoldClosed.new(
            caused_by=cause,
            occurred_at=at,
            source=self,
            outcome=outcome,
            reason=reason,
            closed_by=role,
        )


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

    async def resent(self, hold_id: UUID, asked: Mapping[str, object]) -> HoldRow | None:
        """The hold placed before under this id (a resend), if any: `asked` (its lot, units in
        any order, defect and reason) must be the hold's, or it is a 409 naming what differs."""
        hold = await self.session.get(HoldRow, hold_id)
        if hold is not None:
            recorded = {name: getattr(hold, name) for name in asked}
            if "serials" in recorded:
                recorded["serials"] = sorted(hold.serials)
            check_resend(
                "hold_id", "this hold id is already used for another hold", recorded, asked
            )
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
