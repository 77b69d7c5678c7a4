"""Trace's HTTP API: the trace of a unit serial or a lot code, by code or by the GS1 Digital
Link printed in the label's QR code (`/01/{gtin}/10/{lot}/21/{serial}`). The link answers in the
form its client asks for (negotiation.py): a phone's browser gets the public page, an app the
public JSON, a partner system the EPCIS events.

Anyone may look a code up; buyer references, order ids and a lot's buyer list (the recall
list) are only for the administrators of the lot's UPT and the Kanwil. The lookups read plain
result rows and answer with ready JSON: a buyer's scan and a recall list of a thousand units
both stay a few queries and one serialisation.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.trace.db import Found, Traces
from services.trace.epcis import object_document
from services.trace.negotiation import (
    EPCIS,
    HTML,
    JSON,
    Language,
    preferred_language,
    preferred_media,
)
from services.trace.page import problem_page, trace_page
from services.trace.timeline import public_view, trace_document
from services.trace.views import TraceDocument
from shared.auth import allow
from shared.errors import BadRequest, NotFound, Rejected
from shared.gs1 import ai_value_problem, gtin_problem, serial_problem
from shared.http import CheckedRoute
from shared.identity import Claims
from shared.ratelimit import RateLimitedCallerDep
from shared.service import ReadSessionDep, Runtime, RuntimeDep, json_response

router = APIRouter(tags=["trace"], route_class=CheckedRoute)


@dataclass(frozen=True)
class Client:
    """What a Digital Link's client asked for."""

    media: str
    language: Language


async def client_preferences(
    accept: Annotated[str | None, Header()] = None,
    accept_language: Annotated[str | None, Header()] = None,
    lang: Annotated[
        str | None, Query(description="id (default) or en; wins over the header")
    ] = None,
) -> Client:
    return Client(preferred_media(accept), preferred_language(lang, accept_language))


ClientDep = Annotated[Client, Depends(client_preferences)]


def public(*errors: int, **options: Any) -> dict[str, Any]:
    """Options of a public, rate limited route (429), which a bad token given still makes a
    401, and the other 4xx it answers."""
    return {"response_class": Response, **options, **allow("public", errors={401, 429, *errors})}


TRACE_JSON = {200: {"model": TraceDocument, "content": {JSON: {}}, "description": "The trace"}}


@router.get("/trace/{code}", **public(404, responses=TRACE_JSON))
async def trace(
    code: str, session: ReadSessionDep, runtime: RuntimeDep, caller: RateLimitedCallerDep
) -> Response:
    """Where a unit or a lot came from and went: workshop, QC, stock, sale."""
    return _answer(await Traces(session).find(code), runtime, caller)


RESOLVER: dict[str, Any] = public(
    400,
    404,
    responses={
        200: {
            "description": "The public trace; the page for browsers, EPCIS for partners",
            "model": TraceDocument,  # of the JSON
            "content": {JSON: {}, HTML: {}, EPCIS: {}},
        },
        400: {
            "description": "Not a GS1 Digital Link: the part and the reason (a page for browsers)",
            "content": {HTML: {}},
        },
        404: {"description": "No such unit or lot (a page for browsers)", "content": {HTML: {}}},
    },
)


@router.get("/01/{gtin}/10/{lot}/21/{serial}", **RESOLVER)
async def resolve_unit(
    gtin: str,
    lot: str,
    serial: str,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    caller: RateLimitedCallerDep,
    client: ClientDep,
) -> Response:
    """The Digital Link of a unit's label: its trace, as a page, JSON or EPCIS events."""
    return await _negotiated(session, client, runtime, caller, (gtin, lot, serial))


@router.get("/01/{gtin}/10/{lot}", **RESOLVER)
async def resolve_lot(
    gtin: str,
    lot: str,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    caller: RateLimitedCallerDep,
    client: ClientDep,
) -> Response:
    """The Digital Link of a lot's label (goods traced per lot): the lot's journey."""
    return await _negotiated(session, client, runtime, caller, (gtin, lot, None))


@router.get("/01/{gtin}/21/{serial}", **RESOLVER)
async def resolve_serial(
    gtin: str,
    serial: str,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    caller: RateLimitedCallerDep,
    client: ClientDep,
) -> Response:
    """A Digital Link naming the unit without its lot: its trace."""
    return await _negotiated(session, client, runtime, caller, (gtin, None, serial))


# A Digital Link's parts: GTIN, lot (AI 10) and serial (AI 21); lot or serial may be absent.
LinkParts = tuple[str, str | None, str | None]


def check_identifiers(*, gtin: str | None, lot: str | None, serial: str | None) -> None:
    """A GTIN, lot and serial (those given) GS1 can carry; else a 400 naming the part."""
    for field, value, problem_of in (
        ("gtin", gtin, gtin_problem),
        ("lot", lot, ai_value_problem),
        ("serial", serial, serial_problem),
    ):
        if value is not None and (problem := problem_of(value)):
            raise BadRequest(field, problem)


async def _resolve(session: AsyncSession, parts: LinkParts, *, lot_units: bool) -> Found:
    """The unit or lot a Digital Link names; its GTIN and lot must be the ones it was made with."""
    gtin, lot, serial = parts
    check_identifiers(gtin=gtin, lot=lot, serial=serial)
    found = await Traces(session).find(serial or str(lot), lot_units=lot_units)
    named = found.lot is not None and found.lot.gtin == gtin and serial == found.serial
    if not named or lot not in (None, found.lot_code):
        raise NotFound("code", f"no product {gtin} with lot {lot} and serial {serial}")
    return found


async def _negotiated(
    session: AsyncSession, client: Client, runtime: Runtime, caller: Claims | None, parts: LinkParts
) -> Response:
    """The answer in the form the client asked for; a browser gets its errors as a page too."""
    try:
        # EPCIS events name every unit of the lot they concern, as the export does.
        found = await _resolve(session, parts, lot_units=client.media == EPCIS)
    except Rejected as problem:
        if client.media != HTML:
            raise
        page = problem_page(problem.status_code, problem.reason, client.language)
        return _varying(HTMLResponse(page, problem.status_code))
    base_url = runtime.settings.public_base_url
    if client.media == HTML:
        document = public_view(trace_document(found, base_url))
        page = trace_page(document, client.language, await Traces(session).place_names())
        return _varying(HTMLResponse(page))
    if client.media == EPCIS:
        return _varying(json_response(object_document(found, base_url), media_type=EPCIS))
    return _varying(_answer(found, runtime, caller))


def _varying(response: Response) -> Response:
    # One link, several answers: caches must keep one per media type and language.
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


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
