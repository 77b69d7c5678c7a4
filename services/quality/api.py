"""Quality's HTTP API for QC officers: pending inspections, sign-off and its corrections;
holds, recalls and closing them."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Literal, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import select

from services.quality.db import InspectionRow, Inspections, SignOffRow
from services.quality.domain import DEFECT_CODES, Correction, Decision, Lot, Rejection, decide
from services.quality.holds import HoldRow, Holds, HoldStatus, Outcome, check_hold
from services.quality.permits import (
    FoodLot,
    Permits,
    check_shelf_life,
    release_permits,
    wib_day,
)
from services.quality.permits_api import router as permits_router
from shared.auth import SIGNED_IN, CallerDep, Forbidden, allow, require_binding
from shared.contracts import DefectCode, LotCode, LotHeld, PermitRef, Serial
from shared.errors import Rejected
from shared.http import CheckedRoute
from shared.identity import Claims
from shared.inputs import MAX_ENTRIES, MAX_LOT_QUANTITY, MAX_SERIALS, Reason
from shared.pagination import Page, PagingDep, page_of
from shared.service import ReadSessionDep, UnitOfWorkDep

router = APIRouter(tags=["quality"], route_class=CheckedRoute)
router.include_router(permits_router)
Owned = TypeVar("Owned", InspectionRow, HoldRow)


class RejectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defect_code: DefectCode
    quantity: StrictInt = Field(gt=0, le=MAX_LOT_QUANTITY)
    serials: list[Serial] = Field(
        default_factory=list,
        max_length=MAX_SERIALS,
        description="Required for unit-tracked goods.",
    )


class SignOff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer_code: str | None = Field(
        None,
        pattern=r"^QC-[A-Z0-9]{2,5}-\d{2,4}$",
        examples=["QC-CLG-07"],
        description="Taken from the officer's token; if given, it must be the token's.",
    )
    passed_quantity: StrictInt = Field(ge=0, le=MAX_LOT_QUANTITY)
    rejected_quantity: StrictInt = Field(ge=0, le=MAX_LOT_QUANTITY)
    rejections: list[RejectionIn] = Field(default_factory=list, max_length=MAX_ENTRIES)

    def decision(self, lot: Lot) -> Decision:
        """The officer's counts and codes checked against the lot: the same rules for the
        first sign-off and for a correction."""
        found = tuple(
            Rejection(r.defect_code, r.quantity, tuple(r.serials)) for r in self.rejections
        )
        return decide(lot, self.passed_quantity, self.rejected_quantity, found)


class CorrectSignOff(SignOff):
    """A sign-off replacing the current one: the whole new decision, not a difference."""

    supersedes: UUID = Field(
        description="The inspection_id of the current sign-off. Another one's is a 409: "
        "someone corrected it first, so two officers correcting at once cannot both win."
    )
    reason: Reason = Field(examples=["more sole defects found"])


class SignOffView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    inspection_id: UUID
    officer_code: str
    passed_quantity: int
    rejected_quantity: int
    passed_serials: list[str]
    defects: list[dict[str, object]]
    supersedes: UUID | None
    reason: str | None
    signed_off_at: datetime


class InspectionView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    inspection_id: UUID
    batch_id: UUID
    lot_code: str
    sku: str
    product_name: str
    family: str
    tracking: str
    upt_code: str
    quantity: int
    status: Literal["pending", "signed_off"]
    officer_code: str | None
    passed_quantity: int | None
    rejected_quantity: int | None
    defects: list[dict[str, object]] | None
    serials: list[str]
    food_permit: str | None = None
    production_date: date | None = None
    best_before: date | None = None
    permits: list[PermitRef] | None = Field(
        None, description="Food: the permits the current sign-off relied on."
    )
    sign_offs: list[SignOffView] = Field(
        default_factory=list,
        description="Every sign-off, oldest first: the first and each correction of it. The "
        "fields above are the current one's.",
    )


@router.get("/defect-codes", **allow(*SIGNED_IN))
async def defect_codes() -> dict[str, dict[str, str]]:
    """Defect codes per product family."""
    return DEFECT_CODES


READERS = ("qc_officer", "upt_admin", "kanwil_admin")


@router.get("/inspections", **allow(*READERS))
async def list_inspections(
    session: ReadSessionDep,
    caller: CallerDep,
    paging: PagingDep,
    status: Literal["pending", "signed_off"] = "pending",
    upt: str | None = None,
    lot: str | None = None,
) -> Page[InspectionView]:
    """Inspections, oldest received first (first in line): the caller's UPT's (a Kanwil's:
    any, or one UPT's), a page at a time; `lot`: the inspection of that lot (a lineage's QC
    step). Signed-off ones list their sign-offs too, read for the whole page at once."""
    if caller.role != "kanwil_admin":
        require_binding(caller, "upt", upt or caller.upt)
    query = select(InspectionRow).where(InspectionRow.status == status)
    if lot:
        query = query.where(InspectionRow.lot_code == lot)
    if upt := upt or caller.upt:
        query = query.where(InspectionRow.upt_code == upt)
    query = query.order_by(InspectionRow.received_at, InspectionRow.batch_id)
    rows, total = await page_of(session, query, paging)
    items = await _views(Inspections(session), rows)
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/inspections/{batch_id}", **allow(*READERS, errors=[404]))
async def get_inspection(
    batch_id: UUID, session: ReadSessionDep, caller: CallerDep
) -> InspectionView:
    """One batch's inspection, with its sign-offs."""
    inspections = Inspections(session)
    return (await _views(inspections, [_own(caller, await inspections.get(batch_id))]))[0]


@router.post("/inspections/{batch_id}/sign-off", **allow("qc_officer", errors=[404, 409]))
async def sign_off(
    batch_id: UUID, body: SignOff, uow: UnitOfWorkDep, caller: CallerDep
) -> InspectionView:
    """Sign a batch off: passed and rejected counts with defect codes of the product's family.
    Passed food needs valid permits and enough shelf life: refused, the 422's `permit_check`
    member says which permit (or the shelf life) and why, as facts (permits.refusal_facts)."""
    inspections = Inspections(uow.session)
    inspection = _own(caller, await inspections.pending(batch_id))
    officer = _officer_code(caller, body.officer_code)
    decision = body.decision(inspection.lot)
    at = datetime.now(UTC)
    permits = await _release_permits(inspections, inspection, decision, at, releasing=True)
    uow.emit(await inspections.sign_off(inspection, officer, decision, at, permits=permits))
    return (await _views(inspections, [inspection]))[0]


@router.post("/inspections/{batch_id}/corrections", **allow("qc_officer", errors=[404, 409]))
async def correct_sign_off(
    batch_id: UUID, body: CorrectSignOff, uow: UnitOfWorkDep, caller: CallerDep
) -> InspectionView:
    """Replace the current sign-off of a batch with a whole new decision (more defects found):
    a sign-off of its own, superseding the current one, which stays on record; stock and trace
    follow the difference. A correction deciding what was decided already is refused (422)."""
    inspections = Inspections(uow.session)
    inspection = _own(caller, await inspections.get(batch_id, lock=True))
    officer = _officer_code(caller, body.officer_code)
    current = inspection.superseded(body.supersedes)
    decision = body.decision(inspection.lot)
    if decision.same_as(current):
        raise Rejected(
            "rejections",
            f"this correction changes nothing: sign-off {body.supersedes} decided the same",
        )
    correction = Correction(body.supersedes, body.reason)
    at = datetime.now(UTC)
    releasing = decision.passed_quantity > current.passed_quantity
    permits = await _release_permits(inspections, inspection, decision, at, releasing=releasing)
    uow.emit(await inspections.sign_off(inspection, officer, decision, at, correction, permits))
    return (await _views(inspections, [inspection]))[0]


async def _release_permits(
    inspections: Inspections,
    inspection: InspectionRow,
    decision: Decision,
    at: datetime,
    *,
    releasing: bool,
) -> list[PermitRef]:
    """The permits passed food relies on, checked on the sign-off day (WIB): a sign-off or a
    correction passing goods of a food lot needs a valid permit of the lot's kind and a valid
    halal certificate (PAN-08, PAN-09: see `release_permits`), and, when it releases more than
    was released before, enough shelf life left (PAN-03; a correction passing fewer releases
    nothing). A full rejection needs neither. Refused, it is a 422 and nothing changes."""
    if inspection.food_permit is None or decision.passed_quantity == 0:
        return []
    lot = FoodLot(
        inspection.sku,
        inspection.upt_code,
        inspection.food_permit,  # type: ignore[arg-type]  # from the contract's FoodPermit
        inspection.production_date,
        inspection.best_before,
    )
    day = wib_day(at)
    permits = release_permits(
        lot, await Permits(inspections.session).of(lot.sku, lot.upt_code), day
    )
    if releasing:
        check_shelf_life(lot, day)
    return permits


async def _views(inspections: Inspections, rows: Sequence[InspectionRow]) -> list[InspectionView]:
    """Inspections as shown, each with its sign-offs (one query for them all; none for a page
    of pending ones, which have none)."""
    signed = [row.batch_id for row in rows if row.status == "signed_off"]
    sign_offs = await inspections.sign_offs(signed)
    return [_view(row, sign_offs.get(row.batch_id, ())) for row in rows]


def _view(row: InspectionRow, sign_offs: Sequence[SignOffRow]) -> InspectionView:
    view = InspectionView.model_validate(row)
    view.sign_offs = [SignOffView.model_validate(sign_off) for sign_off in sign_offs]
    return view


def _own(caller: Claims, owned: Owned) -> Owned:
    """An inspection or a hold is its UPT's (the Kanwil's too: its binding covers every UPT)."""
    require_binding(caller, "upt", owned.upt_code)
    return owned


def _officer_code(caller: Claims, given: str | None) -> str:
    """The officer signing is the token's; a body naming another is refused."""
    if caller.officer_code is None or given not in (None, caller.officer_code):
        raise Forbidden(f"the officer code comes from the token ({caller.officer_code})")
    return caller.officer_code


class PlaceHold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hold_id: UUID = Field(description="Generated by the caller; resending it is harmless.")
    lot_code: LotCode
    serials: list[Serial] = Field(
        default_factory=list,
        max_length=MAX_SERIALS,
        description="Units to hold; none: the whole lot.",
    )
    defect_code: DefectCode | None = Field(None, description="A defect code of the lot's family.")
    reason: Reason = Field(examples=["mould found in a sample"])


class Recall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason = Field(examples=["mould confirmed in 3 jars"])


class CloseHold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Outcome = Field(description="released: sellable again; destroyed: written off.")
    reason: Reason = Field(examples=["re-inspected: no mould found"])


class HoldView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    hold_id: UUID
    lot_code: str
    sku: str
    upt_code: str
    serials: list[str]
    defect_code: str | None
    reason: str
    held_by: str
    status: HoldStatus
    held_at: datetime
    recalled_at: datetime | None
    recall_reason: str | None
    closed_at: datetime | None
    close_reason: str | None


HOLDERS = ("qc_officer", "kanwil_admin")


@router.post(
    "/holds",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": HoldView, "description": "A resend: the hold placed before"}},
    **allow(*HOLDERS, errors=[404, 409]),
)
async def place_hold(
    body: PlaceHold, uow: UnitOfWorkDep, response: Response, caller: CallerDep
) -> HoldView:
    """Put a lot, or some of its units, on hold: nothing of it may be sold any more."""
    holds = Holds(uow.session)
    asked = body.model_dump(include={"lot_code", "defect_code", "reason"})
    if resent := await holds.resent(body.hold_id, {**asked, "serials": sorted(body.serials)}):
        response.status_code = status.HTTP_200_OK
        return HoldView.model_validate(_own(caller, resent))
    lot = _own(caller, await holds.lot(body.lot_code))
    check_hold(lot, body.serials, body.defect_code)
    held = LotHeld.new(
        correlation_id=uow.correlation_id,  # a hold starts its own flow: the recall's
        source=lot,
        held_by=caller.role,
        **body.model_dump(include={"hold_id", "serials", "defect_code", "reason"}),
    )
    uow.emit(held)
    return HoldView.model_validate(holds.place(held))


@router.post("/holds/{hold_id}/recall", **allow(*HOLDERS, errors=[404, 409]))
async def recall(hold_id: UUID, body: Recall, uow: UnitOfWorkDep, caller: CallerDep) -> HoldView:
    """Escalate a hold to a recall: what was sold must come back. Recalling again changes
    nothing; a closed hold cannot be recalled (409)."""
    hold = _own(caller, await Holds(uow.session).get(hold_id, lock=True))
    if hold.recallable():
        uow.emit(hold.recall(body.reason, datetime.now(UTC)))
    return HoldView.model_validate(hold)


@router.post("/holds/{hold_id}/close", **allow(*HOLDERS, errors=[404, 409]))
async def close_hold(
    hold_id: UUID, body: CloseHold, uow: UnitOfWorkDep, caller: CallerDep
) -> HoldView:
    """Close a hold, or the recall it became: its goods released to sale or destroyed. Closing
    again the same way changes nothing (a resend); the other way is a 409: it is final."""
    hold = _own(caller, await Holds(uow.session).get(hold_id, lock=True))
    if hold.closing(body.outcome):
        uow.emit(hold.close(body.outcome, body.reason, caller.role, datetime.now(UTC)))
    return HoldView.model_validate(hold)


@router.get("/holds", **allow(*READERS))
async def list_holds(
    session: ReadSessionDep,
    caller: CallerDep,
    paging: PagingDep,
    lot: str | None = None,
    upt: str | None = None,
    status: Annotated[
        list[HoldStatus] | None, Query(description="Only these (repeat it): held, recalled...")
    ] = None,
) -> Page[HoldView]:
    """Holds and recalls, oldest first: the caller's UPT's (a Kanwil's: any, or one UPT's),
    a page at a time; `status=held&status=recalled`: the lots nothing of may be sold now."""
    if caller.role != "kanwil_admin":
        require_binding(caller, "upt", upt or caller.upt)
    query = select(HoldRow)
    if lot:
        query = query.where(HoldRow.lot_code == lot)
    if upt := upt or caller.upt:
        query = query.where(HoldRow.upt_code == upt)
    if status:
        query = query.where(HoldRow.status.in_(status))
    rows, total = await page_of(session, query.order_by(HoldRow.held_at, HoldRow.hold_id), paging)
    items = [HoldView.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/holds/{hold_id}", **allow(*READERS, errors=[404]))
async def get_hold(hold_id: UUID, session: ReadSessionDep, caller: CallerDep) -> HoldView:
    """One hold."""
    return HoldView.model_validate(_own(caller, await Holds(session).get(hold_id)))
