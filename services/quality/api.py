"""Quality's HTTP API for QC officers: pending inspections and sign-off."""

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.quality import db
from services.quality.domain import DEFECT_CODES, Lot, Rejection, SignOffError, decide
from shared.contracts import BatchSignedOff, Defect
from shared.delivery.outbox import emit
from shared.errors import Conflict, NotFound, Rejected
from shared.service import ReadSessionDep, TransactionDep

router = APIRouter(tags=["quality"])


class RejectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defect_code: str = Field(examples=["FTW-01"])
    quantity: int = Field(gt=0)
    serials: list[str] = Field(default_factory=list, description="Required for unit-tracked goods.")


class SignOff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer_code: str = Field(pattern=r"^QC-[A-Z0-9]{2,5}-\d{2,4}$", examples=["QC-CLG-07"])
    passed_quantity: int = Field(ge=0)
    rejected_quantity: int = Field(ge=0)
    rejections: list[RejectionIn] = Field(default_factory=list)


class InspectionView(BaseModel):
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


@router.get("/defect-codes")
async def defect_codes() -> dict[str, dict[str, str]]:
    """Defect codes per product family."""
    return DEFECT_CODES


@router.get("/inspections")
async def list_inspections(
    session: ReadSessionDep,
    status: Literal["pending", "signed_off"] = "pending",
    upt: str | None = None,
) -> list[InspectionView]:
    """Inspections, pending ones first in line (optionally of one UPT)."""
    query = select(db.InspectionRow).where(db.InspectionRow.status == status)
    if upt:
        query = query.where(db.InspectionRow.upt_code == upt)
    rows = await session.scalars(query.order_by(db.InspectionRow.received_at).limit(500))
    return [_view(row) for row in rows]


@router.get("/inspections/{batch_id}")
async def get_inspection(batch_id: UUID, session: ReadSessionDep) -> InspectionView:
    """One batch's inspection."""
    return _view(await _get(session, batch_id))


@router.post("/inspections/{batch_id}/sign-off")
async def sign_off(batch_id: UUID, body: SignOff, session: TransactionDep) -> InspectionView:
    """Sign a batch off: passed and rejected counts with defect codes of the product's family."""
    inspection = await _get(session, batch_id, lock=True)
    if inspection.status != "pending":
        raise Conflict(
            "batch_id",
            f"batch {inspection.lot_code} was already signed off by {inspection.officer_code}",
        )
    lot = Lot(
        inspection.family, inspection.tracking, inspection.quantity, tuple(inspection.serials)
    )
    rejections = tuple(
        Rejection(r.defect_code, r.quantity, tuple(r.serials)) for r in body.rejections
    )
    try:
        decision = decide(lot, body.passed_quantity, body.rejected_quantity, rejections)
    except SignOffError as error:
        raise Rejected(error.field, error.reason) from error
    defects = [
        Defect(
            code=r.defect_code,
            description=DEFECT_CODES[lot.family][r.defect_code],
            quantity=r.quantity,
            serials=list(r.serials),
        )
        for r in decision.rejections
    ]
    now = datetime.now(UTC)
    inspection.status = "signed_off"
    inspection.officer_code = body.officer_code
    inspection.passed_quantity = decision.passed_quantity
    inspection.rejected_quantity = decision.rejected_quantity
    inspection.defects = [d.model_dump() for d in defects]
    inspection.signed_off_at = now
    event = BatchSignedOff.new(
        occurred_at=now,
        inspection_id=inspection.inspection_id,
        batch_id=inspection.batch_id,
        lot_code=inspection.lot_code,
        sku=inspection.sku,
        product_name=inspection.product_name,
        tracking=inspection.tracking,
        upt_code=inspection.upt_code,
        officer_code=body.officer_code,
        passed_quantity=decision.passed_quantity,
        rejected_quantity=decision.rejected_quantity,
        passed_serials=list(decision.passed_serials),
        defects=defects,
    )
    await emit(session, db.delivery.outbox, [event])
    return _view(inspection)


async def _get(session: ReadSessionDep, batch_id: UUID, *, lock: bool = False) -> db.InspectionRow:
    row = await session.get(db.InspectionRow, batch_id, with_for_update=lock)
    if row is None:
        raise NotFound(
            "batch_id",
            f"no inspection for batch {batch_id}: unknown, or its completion has not arrived yet",
        )
    return row


def _view(row: db.InspectionRow) -> InspectionView:
    return InspectionView(
        inspection_id=row.inspection_id,
        batch_id=row.batch_id,
        lot_code=row.lot_code,
        sku=row.sku,
        product_name=row.product_name,
        family=row.family,
        tracking=row.tracking,
        upt_code=row.upt_code,
        quantity=row.quantity,
        status="signed_off" if row.status == "signed_off" else "pending",
        officer_code=row.officer_code,
        passed_quantity=row.passed_quantity,
        rejected_quantity=row.rejected_quantity,
        defects=row.defects,
        serials=row.serials,
    )
