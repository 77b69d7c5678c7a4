"""Trace's HTTP API: the public trace of a unit serial or a lot code (behind the QR code)."""

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from services.trace import db
from services.trace.timeline import (
    buyers,
    digital_link,
    step_view,
    unit_status,
    unit_statuses,
    unit_timeline,
)
from shared.errors import NotFound
from shared.service import ReadSessionDep, RuntimeDep

router = APIRouter(tags=["trace"])


@router.get("/trace/{code}")
async def trace(code: str, session: ReadSessionDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Where a unit or a lot came from and went: workshop, QC, stock, sale (no personal data)."""
    base_url = runtime.settings.public_base_url
    unit = await session.get(db.UnitRow, code)
    lot_code = unit.lot_code if unit else code
    lot = await session.get(db.LotRow, lot_code)
    steps = list(
        await session.scalars(
            select(db.StepRow)
            .where(db.StepRow.lot_code == lot_code)
            .order_by(db.StepRow.occurred_at, db.StepRow.id)
        )
    )
    if lot is None and not steps:
        raise NotFound("code", f"{code} is neither a known unit serial nor a lot code")
    product = _product(lot)
    if unit is not None:
        timeline = unit_timeline(steps, lot, unit.serial)
        return {
            "code": code,
            "kind": "unit",
            "serial": unit.serial,
            "lot_code": lot_code,
            "status": unit_status(timeline),
            "product": product,
            "digital_link": digital_link(base_url, lot.gtin, lot_code, unit.serial)
            if lot
            else None,
            "timeline": timeline,
        }
    serials = list(
        await session.scalars(
            select(db.UnitRow.serial)
            .where(db.UnitRow.lot_code == lot_code)
            .order_by(db.UnitRow.serial)
        )
    )
    return {
        "code": code,
        "kind": "lot",
        "lot_code": lot_code,
        "product": product,
        "digital_link": digital_link(base_url, lot.gtin, lot_code) if lot else None,
        "timeline": [
            step_view(step, lot) | ({"serial": step.serial} if step.serial else {})
            for step in steps
        ],
        "units": unit_statuses(steps, serials),
        "buyers": buyers(steps),
    }


def _product(lot: db.LotRow | None) -> dict[str, Any] | None:
    if lot is None:
        return None  # steps arrived before the lot's production event
    return {
        "sku": lot.sku,
        "name": lot.product_name,
        "gtin": lot.gtin,
        "tracking": lot.tracking,
        "quantity": lot.quantity,
        "unit_of_measure": lot.unit_of_measure,
        "upt_code": lot.upt_code,
        "upt_name": lot.upt_name,
        "workshop_code": lot.workshop_code,
        "workshop_name": lot.workshop_name,
    }
