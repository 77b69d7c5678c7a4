"""Trace's HTTP API: the trace of a unit serial or a lot code (behind the QR code).

Anyone may look a code up; buyer references, order ids and a lot's buyer list (the recall
list) are only for the administrators of the lot's UPT and the Kanwil. The lookups read plain
result rows and answer with ready JSON: a buyer's scan and a recall list of a thousand units
both stay a few queries and one serialisation.
"""

from fastapi import APIRouter
from fastapi.responses import Response

from services.trace.db import Found, Traces
from services.trace.timeline import public_view, trace_document
from shared.auth import allow
from shared.identity import Claims
from shared.ratelimit import RateLimitedCallerDep
from shared.service import ReadSessionDep, RuntimeDep, json_response

router = APIRouter(tags=["trace"])


@router.get(
    "/trace/{code}",
    response_class=Response,
    responses={429: {"description": "An anonymous client looked up too much; see Retry-After"}},
    **allow("public"),
)
async def trace(
    code: str, session: ReadSessionDep, runtime: RuntimeDep, caller: RateLimitedCallerDep
) -> Response:
    """Where a unit or a lot came from and went: workshop, QC, stock, sale."""
    found = await Traces(session).find(code)
    document = trace_document(found, runtime.settings.public_base_url)
    return json_response(document if _sees_buyers(caller, found) else public_view(document))


def _sees_buyers(caller: Claims | None, found: Found) -> bool:
    if caller is None or found.lot is None:
        return caller is not None and caller.role == "kanwil_admin"
    return caller.role == "kanwil_admin" or (
        caller.role == "upt_admin" and caller.upt == found.lot.upt_code
    )
