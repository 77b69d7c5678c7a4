"""Trace's HTTP API: the public trace of a unit serial or a lot code (behind the QR code).

The lookups read plain result rows (no ORM objects) and answer with ready JSON: a buyer's
scan and a recall list of a thousand units both stay a few queries and one serialisation.
"""

from fastapi import APIRouter
from fastapi.responses import Response

from services.trace.db import Traces
from services.trace.timeline import trace_document
from shared.service import ReadSessionDep, RuntimeDep, json_response

router = APIRouter(tags=["trace"])


@router.get("/trace/{code}", response_class=Response)
async def trace(code: str, session: ReadSessionDep, runtime: RuntimeDep) -> Response:
    """Where a unit or a lot came from and went: workshop, QC, stock, sale (no personal data)."""
    found = await Traces(session).find(code)
    return json_response(trace_document(found, runtime.settings.public_base_url))
