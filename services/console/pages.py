"""The console's pages: sign-in and sign-out, the home page, and the pages of each role
(qc.py: the QC officer's; master.py, imports.py, permits.py: the Kanwil's master data).

Every route is under the router's CSRF check (sessions.check_csrf): an unsafe request without
its session's token never reaches a route. Pages are for people, not part of the OpenAPI
document (the console's API is only /health and its kin).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.console import (
    gallery,
    identities,
    imports,
    kanwil,
    live,
    master,
    ops,
    permits,
    qc,
    recall,
    receipts,
    tablet,
    upt,
)
from services.console.db import SessionRow, Tokens
from services.console.sessions import (
    COOKIE,
    BrowserSessionDep,
    Console,
    ConsoleDep,
    PersonDep,
    check_csrf,
    end_session,
    end_sign_in,
    set_cookie,
    start_session,
)
from services.console.upstream import SignInRefused
from services.console.views import landing_page, render

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
for pages_of_a_role in (
    qc,
    gallery,
    receipts,
    recall,
    tablet,
    identities,
    ops,
    imports,
    master,
    permits,
    kanwil,
    upt,
    live,  # the pages' event stream
):  # all under the same CSRF check
    router.include_router(pages_of_a_role.router)
SEE_OTHER = 303


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=SEE_OTHER)


def local_path(asked: str | None) -> str | None:
    """`next` only ever leads to a page of the console itself (no open redirect)."""
    if asked and asked.startswith("/") and not asked.startswith(("//", "/\\")):
        return asked
    return None


@router.get("/")
async def home(person: PersonDep) -> Response:
    return see_other(landing_page(person.claims.role))


@router.get("/home")
async def home_page(request: Request, _person: PersonDep) -> Response:
    return render(request, "home.html")


@router.get("/sign-in")
async def sign_in_form(
    request: Request, row: BrowserSessionDep, console: ConsoleDep, next: str | None = None
) -> Response:
    if row is not None and row.person is not None:
        return see_other(local_path(next) or landing_page(row.person.role))
    if row is not None:
        return render(request, "sign_in.html", next=local_path(next))
    session_id, row = await start_session(console)
    request.state.session = row
    response = render(request, "sign_in.html", next=local_path(next))
    set_cookie(request, response, session_id, row)
    return response


@router.post("/sign-in")
async def sign_in(
    request: Request,
    row: BrowserSessionDep,
    console: ConsoleDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """The password grant at identity; a new session under a new id on success."""
    assert row is not None  # check_csrf refused the request otherwise
    if not username.strip() or not password:
        return _refused(request, "sign_in.missing", username, next)
    try:
        tokens = await console.upstream.sign_in(username.strip(), password)
    except SignInRefused:
        return _refused(request, "sign_in.refused", username, next)
    return await _signed_in(request, console, row, tokens, next)


async def _signed_in(
    request: Request, console: Console, row: SessionRow, tokens: Tokens, next: str | None
) -> Response:
    """The anonymous session ends; the person's starts under a new id (no fixation)."""
    claims = await request.app.state.verifier.claims(tokens.access_token)
    await end_session(console, row)
    session_id, person_row = await start_session(console, claims, tokens)
    response = see_other(local_path(next) or landing_page(claims.role))
    set_cookie(request, response, session_id, person_row)
    return response


def _refused(request: Request, error: str, username: str, next: str | None) -> Response:
    context: dict[str, Any] = {"error": error, "username": username, "next": local_path(next)}
    return render(request, "sign_in.html", status_code=400, **context)


@router.post("/sign-out")
async def sign_out(row: BrowserSessionDep, console: ConsoleDep) -> Response:
    assert row is not None  # check_csrf refused the request otherwise
    await end_sign_in(console, row)
    response = see_other("/sign-in")
    response.delete_cookie(COOKIE, path="/")
    return response
