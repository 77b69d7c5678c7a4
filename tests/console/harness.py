"""The console under test with the real services it calls, all in this process: identity
(tokens, the development principals), quality (the QC queue) and the console, each its real
app with its lifespan on its own SQLite file and the run's Redis, joined by httpx's ASGI
transports. A `Browser` is an httpx client that keeps cookies, as a browser would.

Bearer tokens are verified against identity's own published keys read through the same
transport (tests/identity/harness.py: no server listens at the issuer URL here).
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI

from services.console.app import make_app
from services.console.db import SessionRow, id_hash
from services.console.sessions import COOKIE
from services.production.app import spec as production_spec
from services.quality.app import spec as quality_spec
from shared.contracts import Event
from shared.delivery.entries import encode
from shared.identity import DevPrincipal, Role
from shared.service import create_app
from shared.settings import Settings
from tests.backend import Backend
from tests.handlers.harness import migrated
from tests.identity.harness import (
    ISSUER,
    Identity,
    OwnKeys,
    identity_settings,
    running_identity,
)

QUALITY = "http://quality.test"
PRODUCTION = "http://production.test"
CONSOLE = "http://console.test"


class Fields(HTMLParser):
    """The named inputs of a page's forms: name -> value (the last one wins)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("name"):
            self.values[str(named["name"])] = named.get("value") or ""


def form_fields(html: str) -> dict[str, str]:
    parser = Fields()
    parser.feed(html)
    return parser.values


@dataclass
class Browser:
    """One browser: its own cookie jar."""

    http: httpx.AsyncClient

    @property
    def session_id(self) -> str | None:
        return self.http.cookies.get(COOKIE)

    async def csrf_token(self) -> str:
        """The CSRF token of the sign-in form (an anonymous session's) or of a page."""
        page = await self.http.get("/sign-in")
        if page.status_code == 303:
            page = await self.http.get(page.headers["location"])
        return form_fields(page.text)["csrf_token"]

    async def sign_in(self, principal: DevPrincipal) -> httpx.Response:
        assert principal.username is not None
        assert principal.password is not None
        form = {
            "csrf_token": await self.csrf_token(),
            "username": principal.username,
            "password": principal.password,
        }
        return await self.http.post("/sign-in", data=form)


@dataclass
class ConsoleSystem:
    identity: Identity
    quality: FastAPI
    production: FastAPI
    console: FastAPI
    transport: httpx.ASGITransport

    def principal(self, role: Role, **binding: str) -> DevPrincipal:
        return self.identity.credentials.find(role, **binding)

    @asynccontextmanager
    async def browser(self) -> AsyncIterator[Browser]:
        async with httpx.AsyncClient(transport=self.transport, base_url=CONSOLE) as http:
            yield Browser(http)

    async def signed_in(self, browser: Browser, role: Role = "qc_officer", **binding: str) -> None:
        answer = await browser.sign_in(self.principal(role, **(binding or {"upt": "CLG"})))
        assert answer.status_code == 303, answer.text

    async def session_row(self, session_id: str) -> SessionRow | None:
        async with self.console.state.console.db.sessions() as session:
            row: SessionRow | None = await session.get(SessionRow, id_hash(session_id))
            return row

    async def change_session(self, session_id: str, **values: Any) -> None:
        async with self.console.state.console.db.transaction() as session:
            row = await session.get(SessionRow, id_hash(session_id))
            assert row is not None
            for name, value in values.items():
                setattr(row, name, value)

    async def session_count(self) -> int:
        async with self.console.state.console.db.sessions() as session:
            from sqlalchemy import func, select

            return int(await session.scalar(select(func.count()).select_from(SessionRow)) or 0)

    async def completed(self, event: Event) -> None:
        """A batch-completed entry on quality's stream, as production would publish it."""
        runtime = self.quality.state.runtime
        await runtime.redis.xadd(type(event).stream(runtime.settings.namespace), encode(event))


def settings_of(service: str, backend: Backend, data_dir: Path, namespace: str) -> Settings:
    return Settings().model_copy(
        update={
            "service": service,
            "redis_url": backend.redis_url,
            "data_dir": data_dir,
            "database_url": None,
            "namespace": namespace,
            "oidc_issuer": ISSUER,
            "quality_url": QUALITY,
            "production_url": PRODUCTION,
            "poll_ms": 20,
        }
    )


@asynccontextmanager
async def console_system(backend: Backend, data_dir: Path) -> AsyncIterator[ConsoleSystem]:
    namespace = f"t{uuid4().hex[:12]}"
    async with AsyncExitStack() as stack:
        identity = await stack.enter_async_context(
            running_identity(identity_settings(backend, data_dir / "identity", namespace=namespace))
        )
        quality = await _started(
            stack,
            "quality",
            create_app(quality_spec, settings_of("quality", backend, data_dir, namespace)),
            identity,
        )
        production = await _started(
            stack,
            "production",
            create_app(production_spec, settings_of("production", backend, data_dir, namespace)),
            identity,
        )
        services = httpx.AsyncClient(
            mounts={
                ISSUER: httpx.ASGITransport(app=identity.app),
                QUALITY: httpx.ASGITransport(app=quality),
                PRODUCTION: httpx.ASGITransport(app=production),
            }
        )
        console = make_app(settings_of("console", backend, data_dir, namespace), http=services)
        await _started(stack, "console", console, identity)
        yield ConsoleSystem(
            identity, quality, production, console, httpx.ASGITransport(app=console)
        )


async def _started(stack: AsyncExitStack, name: str, app: FastAPI, identity: Identity) -> FastAPI:
    await migrated(name, app.state.runtime.db.url)
    keys = OwnKeys()
    keys.identity = identity
    app.state.verifier = keys
    await stack.enter_async_context(app.router.lifespan_context(app))
    return app


def now() -> datetime:
    return datetime.now(UTC)
