"""GET /epcis/events: trace's steps as EPCIS 2.0 events, for partners' systems to copy.

Public like /trace/{code} (and rate limited alike): the events carry where and when goods were
made, checked, stored and sold, never who bought them. Pages follow the recorded time of the
events: `since` and `until` filter on it, and `next_page_token` (in the `Link: <...>;
rel="next"` header and in the body's `jejak:nextPage`) resumes after the last event given,
whatever was recorded meanwhile, without counting rows as an offset would.
"""

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AwareDatetime

from services.trace.api import check_identifiers, public
from services.trace.db import StepQuery, Traces
from services.trace.epcis import query_document, step_events
from services.trace.negotiation import EPCIS
from shared.errors import BadRequest
from shared.http import CheckedRoute
from shared.ratelimit import RateLimitedCallerDep
from shared.service import ReadSessionDep, RuntimeDep, json_response

router = APIRouter(tags=["trace"], route_class=CheckedRoute)

MAX_PER_PAGE = 1000
# An event's place in the export: its step's recorded time and id, and its part of the step.
Position = tuple[datetime, int, int]

EVENTS: dict[str, Any] = public(
    400,
    responses={
        200: {
            "description": "An EPCISQueryDocument of ObjectEvents, oldest recorded first; "
            'the next page in `Link: <...>; rel="next"`',
            "content": {EPCIS: {}},
        },
    },
)


@router.get("/epcis/events", **EVENTS)
async def epcis_events(
    session: ReadSessionDep,
    runtime: RuntimeDep,
    caller: RateLimitedCallerDep,
    lot: Annotated[str | None, Query(description="A lot code (AI 10)")] = None,
    serial: Annotated[str | None, Query(description="A unit: its lot's events and its own")] = None,
    gtin: Annotated[str | None, Query(description="A GTIN-14")] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="Recorded at or after; with its zone")
    ] = None,
    until: Annotated[
        AwareDatetime | None, Query(description="Recorded before; with its zone")
    ] = None,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 100,
    next_page_token: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """EPCIS 2.0 events of every lot and unit, or of the lot, unit or GTIN asked for."""
    check_identifiers(gtin=gtin, lot=lot, serial=serial)
    if since is not None and until is not None and until <= since:
        raise BadRequest("until", "must be later than since")
    query = StepQuery(lot=lot, serial=serial, gtin=gtin, since=since, until=until)
    start = _position(next_page_token) if next_page_token is not None else None
    base_url = runtime.settings.public_base_url
    page = await _page(Traces(session), query, start, per_page, base_url)
    next_page = None
    if len(page) > per_page:
        filters = {"lot": lot, "serial": serial, "gtin": gtin, "since": since, "until": until}
        parameters = {name: _text(value) for name, value in filters.items() if value is not None}
        parameters |= {"per_page": str(per_page), "next_page_token": _token(page[per_page][0])}
        next_page = f"{base_url.rstrip('/')}/epcis/events?{urlencode(parameters)}"
    events = [event for _position_, event in page[:per_page]]
    response = json_response(query_document(events, base_url, next_page=next_page), EPCIS)
    if next_page is not None:
        response.headers["Link"] = f'<{next_page}>; rel="next"'
    return response


async def _page(
    traces: Traces, query: StepQuery, start: Position | None, per_page: int, base_url: str
) -> list[tuple[Position, dict[str, Any]]]:
    """The events from `start` on: the page's and, if there is one more, the next page's first.

    Steps give none to two events each (a unit's query skips the parts that do not name it),
    so steps are read until one event more than the page holds has been made.
    """
    events: list[tuple[Position, dict[str, Any]]] = []
    resume = start
    while True:
        steps = await traces.recorded_steps(
            query, resume[:2] if resume else None, limit=per_page + 1
        )
        lots = await traces.lots_with_units({step.lot_code for step in steps})
        for step in steps:
            known = lots[step.lot_code]
            for part, event in step_events(
                step, known.lot, known.serials, known.rejected, base_url, unit=query.serial
            ):
                position = (step.recorded_at, step.id, part)
                if start is None or position >= start:
                    events.append((position, event))
        if len(events) > per_page or len(steps) <= per_page:
            return events
        resume = (steps[-1].recorded_at, steps[-1].id + 1, 0)


def _text(value: str | datetime) -> str:
    return value.isoformat() if isinstance(value, datetime) else value


def _token(position: Position) -> str:
    recorded_at, step_id, part = position
    text = f"{recorded_at.isoformat()}|{step_id}|{part}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _position(token: str) -> Position:
    """Where a page token says the page starts."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        recorded, step_id, part = text.split("|")
        position = (datetime.fromisoformat(recorded), int(step_id), int(part))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("next_page_token", "not a page token of this export") from None
    if position[0].tzinfo is None or position[1] < 0 or position[2] < 0:
        raise BadRequest("next_page_token", "not a page token of this export")
    return position
