"""Console: web pages for the people who work with Jejak, a backend-for-frontend.

It calls the other services' HTTP APIs with the signed-in person's own token and owns nothing
but its sessions. Server-rendered (Jinja2) with htmx, served from static/vendor/ (committed:
`make vendor` copies it from the npm lock; nothing is built or fetched at run time).
"""

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from services.console import db, pages
from services.console.db import Sessions
from services.console.headers import PageHeaders
from services.console.sessions import (
    COOKIE,
    Console,
    CsrfRefused,
    NotForYourRole,
    SignInRequired,
    end_session,
    is_htmx,
)
from services.console.upstream import (
    Forbidden,
    NotFound,
    TokenRejected,
    Upstream,
    UpstreamUnavailable,
)
from services.console.views import render
from shared.service import Job, ServiceSpec, create_app
from shared.settings import Settings
from shared.uow import UnitsOfWork

STATIC = Path(__file__).parent / "static"
UPSTREAM_TIMEOUT_S = 10.0


async def purge_sessions(units: UnitsOfWork, _settings: Settings) -> int:
    """Ended sessions leave the table (anonymous ones after two hours, people's with their
    refresh token's lifetime)."""
    async with units.begin() as uow:
        return await Sessions(uow.session).purge(datetime.now(UTC))


spec = ServiceSpec(
    name="console",
    description="Web pages for people: sign-in through identity, then the pages of their role, "
    "each calling the services with the person's own token.",
    metadata=db.Base.metadata,
    tables=db.delivery,
    router=pages.router,
    jobs=(Job("sessions", lambda _settings: 600.0, purge_sessions),),
)


def make_app(settings: Settings | None = None, http: httpx.AsyncClient | None = None) -> FastAPI:
    """The console; `http` reaches the services (tests route it to apps in the process)."""
    app = create_app(spec, settings)
    runtime = app.state.runtime
    client = http or httpx.AsyncClient(timeout=UPSTREAM_TIMEOUT_S)
    app.state.console = Console(
        db=runtime.db,
        upstream=Upstream(runtime.settings, client),
        person_lifetime=timedelta(hours=runtime.settings.refresh_token_hours),
        trusted_proxies=runtime.settings.trusted_proxy_networks,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(PageHeaders)
    for exception, handler in HANDLERS.items():
        app.add_exception_handler(exception, handler)
    service_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_lifespan(app):
            yield
            for task in list(app.state.console.tasks):  # an import running: shown interrupted
                task.cancel()
        await client.aclose()

    app.router.lifespan_context = lifespan
    return app


async def sign_in_again(request: Request, _exc: Exception) -> Response:
    """No (live) session: the sign-in page, coming back here afterwards. An htmx request gets
    HX-Redirect, so the whole page goes there rather than a sign-in form inside a fragment."""
    back = request.headers.get("HX-Current-URL") if is_htmx(request) else None
    target = "/sign-in?" + urlencode({"next": _path_of(back) or request.url.path})
    if is_htmx(request):
        response: Response = Response(status_code=401, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    if COOKIE in request.cookies and getattr(request.state, "session", None) is None:
        response.delete_cookie(COOKIE, path="/")  # forged or ended; an anonymous one stays
    return response


def _path_of(url: str | None) -> str | None:
    if not url:
        return None
    parsed = httpx.URL(url)
    return parsed.raw_path.decode() or "/"


async def token_rejected(request: Request, exc: Exception) -> Response:
    """A service refused the person's token (revoked since): the session ends."""
    row = getattr(request.state, "session", None)
    if row is not None:
        await end_session(request.app.state.console, row)
    return await sign_in_again(request, exc)


async def forbidden(request: Request, _exc: Exception) -> Response:
    return render(request, "error.html", status_code=403, message="error.forbidden")


async def not_found(request: Request, _exc: Exception) -> Response:
    return render(request, "error.html", status_code=404, message="error.not_found")


async def csrf_refused(request: Request, _exc: Exception) -> Response:
    return render(request, "error.html", status_code=403, message="error.csrf")


async def unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UpstreamUnavailable)
    return render(
        request, "error.html", status_code=503, message="error.unavailable", service=exc.service
    )


HANDLERS = {
    SignInRequired: sign_in_again,
    TokenRejected: token_rejected,
    NotForYourRole: forbidden,
    Forbidden: forbidden,
    NotFound: not_found,
    CsrfRefused: csrf_refused,
    UpstreamUnavailable: unavailable,
}

app = make_app()
