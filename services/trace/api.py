"""Trace's HTTP API: the public trace of a unit serial or a lot code (behind the QR code).

The lookups read plain result rows (no ORM objects) and answer with ready JSON: a buyer's
scan and a recall list of a thousand units both stay a few queries and one serialisation.
"""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.trace import db
from services.trace.timeline import (
    buyers,
    digital_link,
    lot_timeline,
    unit_status,
    unit_statuses,
    unit_timeline,
)
from shared.db import core_table
from shared.errors import NotFound
from shared.service import ReadSessionDep, RuntimeDep, json_response

router = APIRouter(tags=["trace"])

lots, units, steps = core_table(db.LotRow), core_table(db.UnitRow), core_table(db.StepRow)


@router.get("/trace/{code}", response_class=Response)
async def trace(code: str, session: ReadSessionDep, runtime: RuntimeDep) -> Response:
    """Where a unit or a lot came from and went: workshop, QC, stock, sale (no personal data)."""
    base_url = runtime.settings.public_base_url
    unit = (
        await session.execute(
            select(units.c.serial, units.c.lot_code).where(units.c.serial == code)
        )
    ).first()
    lot_code = unit.lot_code if unit else code
    lot = (await session.execute(select(lots).where(lots.c.lot_code == lot_code))).first()
    if unit is not None:
        unit_steps = await _steps(session, lot_code, only_for=unit.serial)
        timeline = unit_timeline(unit_steps, lot, unit.serial)
        return json_response(
            {
                "code": code,
                "kind": "unit",
                "serial": unit.serial,
                "lot_code": lot_code,
                "status": unit_status(timeline),
                "product": _product(lot),
                "digital_link": digital_link(base_url, lot.gtin, lot_code, unit.serial)
                if lot
                else None,
                "timeline": timeline,
            }
        )
    lot_steps = await _steps(session, lot_code)
    if lot is None and not lot_steps:
        raise NotFound("code", f"{code} is neither a known unit serial nor a lot code")
    serials = list(
        await session.scalars(
            select(units.c.serial).where(units.c.lot_code == lot_code).order_by(units.c.serial)
        )
    )
    return json_response(
        {
            "code": code,
            "kind": "lot",
            "lot_code": lot_code,
            "product": _product(lot),
            "digital_link": digital_link(base_url, lot.gtin, lot_code) if lot else None,
            "timeline": lot_timeline(lot_steps, lot),
            "units": unit_statuses(lot_steps, serials),
            "buyers": buyers(lot_steps),
        }
    )


async def _steps(
    session: AsyncSession, lot_code: str, *, only_for: str | None = None
) -> list[Row[Any]]:
    """A lot's steps in time order; for one unit, the lot's own steps and that unit's."""
    query = select(steps).where(steps.c.lot_code == lot_code)
    if only_for is not None:
        query = query.where(or_(steps.c.serial.is_(None), steps.c.serial == only_for))
    return list((await session.execute(query.order_by(steps.c.occurred_at, steps.c.id))).all())


def _product(lot: Row[Any] | None) -> dict[str, Any] | None:
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
