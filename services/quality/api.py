"""Quality's HTTP API for QC officers: pending inspections and sign-off."""

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.quality.db import InspectionRow, Inspections
from services.quality.domain import DEFECT_CODES, Rejection, decide
from shared.auth import SIGNED_IN, CallerDep, Forbidden, allow, require_binding
from shared.identity import Claims
from shared.service import ReadSessionDep, UnitOfWorkDep

router = APIRouter(tags=["quality"])


class RejectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defect_code: str = Field(examples=["FTW-01"])
    quantity: int = Field(gt=0)
    serials: list[str] = Field(default_factory=list, description="Required for unit-tracked goods.")


class SignOff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer_code: str | None = Field(
        None,
        pattern=r"^QC-[A-Z0-9]{2,5}-\d{2,4}$",
        examples=["QC-CLG-07"],
        description="Taken from the officer's token; if given, it must be the token's.",
    )
    passed_quantity: int = Field(ge=0)
    rejected_quantity: int = Field(ge=0)
    rejections: list[RejectionIn] = Field(default_factory=list)

    def rejections_found(self) -> tuple[Rejection, ...]:
        return tuple(
            Rejection(r.defect_code, r.quantity, tuple(r.serials)) for r in self.rejections
        )


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


@router.get("/defect-codes", **allow(*SIGNED_IN))
async def defect_codes() -> dict[str, dict[str, str]]:
    """Defect codes per product family."""
    return DEFECT_CODES


READERS = ("qc_officer", "upt_admin", "kanwil_admin")


@router.get("/inspections", **allow(*READERS))
async def list_inspections(
    session: ReadSessionDep,
    caller: CallerDep,
    status: Literal["pending", "signed_off"] = "pending",
    upt: str | None = None,
) -> list[InspectionView]:
    """Inspections, pending ones first in line: the caller's UPT's (a Kanwil's: any, or one)."""
    if caller.role != "kanwil_admin":
        require_binding(caller, "upt", upt or caller.upt)
    rows = await Inspections(session).listing(status, upt or caller.upt)
    return [InspectionView.model_validate(row) for row in rows]


@router.get("/inspections/{batch_id}", **allow(*READERS))
async def get_inspection(
    batch_id: UUID, session: ReadSessionDep, caller: CallerDep
) -> InspectionView:
    """One batch's inspection."""
    return InspectionView.model_validate(_own(caller, await Inspections(session).get(batch_id)))


@router.post("/inspections/{batch_id}/sign-off", **allow("qc_officer"))
async def sign_off(
    batch_id: UUID, body: SignOff, uow: UnitOfWorkDep, caller: CallerDep
) -> InspectionView:
    """Sign a batch off: passed and rejected counts with defect codes of the product's family."""
    inspection = _own(caller, await Inspections(uow.session).pending(batch_id))
    officer = _officer_code(caller, body.officer_code)
    passed, rejected = body.passed_quantity, body.rejected_quantity
    decision = decide(inspection.lot, passed, rejected, body.rejections_found())
    uow.emit(inspection.sign_off(officer, decision, datetime.now(UTC)))
    return InspectionView.model_validate(inspection)


def _own(caller: Claims, inspection: InspectionRow) -> InspectionRow:
    require_binding(caller, "upt", inspection.upt_code)
    return inspection


def _officer_code(caller: Claims, given: str | None) -> str:
    """The officer signing is the token's; a body naming another is refused."""
    if caller.officer_code is None or given not in (None, caller.officer_code):
        raise Forbidden(f"the officer code comes from the token ({caller.officer_code})")
    return caller.officer_code
