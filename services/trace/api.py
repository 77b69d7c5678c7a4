"""Trace's HTTP API: the trace of a unit serial or a lot code, by code or by the GS1 Digital
Link printed in the label's QR code (`/01/{gtin}/10/{lot}/21/{serial}`).

Anyone may look a code up; buyer references, order ids and a lot's buyer list (the recall
list) are only for the administrators of the lot's UPT and the Kanwil. The lookups read plain
result rows and answer with ready JSON: a buyer's scan and a recall list of a thousand units
both stay a few queries and one serialisation.
"""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.trace.db import Found, Traces
from services.trace.timeline import public_view, trace_document
from shared.auth import allow
from shared.errors import BadRequest, NotFound
from shared.gs1 import gtin_problem
from shared.identity import Claims
from shared.ratelimit import RateLimitedCallerDep
from shared.service import ReadSessionDep, Runtime, RuntimeDep, json_response

router = APIRouter(tags=["trace"])
PUBLIC: dict[str, Any] = {
    "response_class": Response,
    "responses": {429: {"description": "An anonymous client looked up too much; see Retry-After"}},
    **allow("public"),
}


@router.get("/trace/{code}", **PUBLIC)
async def trace(
    code: str, session: ReadSessionDep, runtime: RuntimeDep, caller: RateLimitedCallerDep
) -> Response:
    """Where a unit or a lot came from and went: workshop, QC, stock, sale."""
    return _answer(await Traces(session).find(code), runtime, caller)


@router.get("/01/{gtin}/10/{lot}/21/{serial}", **PUBLIC)
async def resolve_unit(
    gtin: str,
    lot: str,
    serial: str,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    caller: RateLimitedCallerDep,
) -> Response:
    """The Digital Link of a unit's label: its trace."""
    return _answer(await _resolve(session, gtin, lot, serial), runtime, caller)


@router.get("/01/{gtin}/10/{lot}", **PUBLIC)
async def resolve_lot(
    gtin: str, lot: str, session: ReadSessionDep, runtime: RuntimeDep, caller: RateLimitedCallerDep
) -> Response:
    """The Digital Link of a lot's label (goods traced per lot): its trace."""
    return _answer(await _resolve(session, gtin, lot, None), runtime, caller)


@router.get("/01/{gtin}/21/{serial}", **PUBLIC)
async def resolve_serial(
    gtin: str,
    serial: str,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    caller: RateLimitedCallerDep,
) -> Response:
    """A Digital Link naming the unit without its lot: its trace."""
    return _answer(await _resolve(session, gtin, None, serial), runtime, caller)


async def _resolve(session: AsyncSession, gtin: str, lot: str | None, serial: str | None) -> Found:
    """The unit or lot a Digital Link names; its GTIN and lot must be the ones it was made with."""
    if problem := gtin_problem(gtin):
        raise BadRequest("gtin", problem)
    found = await Traces(session).find(serial or str(lot))
    named = found.lot is not None and found.lot.gtin == gtin and serial == found.serial
    if not named or lot not in (None, found.lot_code):
        raise NotFound("code", f"no product {gtin} with lot {lot} and serial {serial}")
    return found


def _answer(found: Found, runtime: Runtime, caller: Claims | None) -> Response:
    document = trace_document(found, runtime.settings.public_base_url)
    return json_response(document if _sees_buyers(caller, found) else public_view(document))


def _sees_buyers(caller: Claims | None, found: Found) -> bool:
    """The Kanwil sees every lot's buyers, a UPT administrator its own lots'."""
    if caller is None:
        return False
    if caller.role == "kanwil_admin":
        return True
    lot = found.lot
    return caller.role == "upt_admin" and lot is not None and caller.upt == lot.upt_code
