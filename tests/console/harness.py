"""The console under test with the real services it calls, all in this process: identity
(tokens, the development principals), quality (the QC queue, holds), inventory (transfers),
sales (the channels' stock and orders), trace (recall reports) and the console, each its real
app with its lifespan on its own SQLite file and the run's Redis, joined by httpx's ASGI
transports; the events between them flow over the run's Redis as in production. A `Browser`
is an httpx client that keeps cookies, as a browser would.

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
from services.inventory.app import spec as inventory_spec
from services.production.app import spec as production_spec
from services.quality.app import spec as quality_spec
from services.sales.app import spec as sales_spec
from services.trace.app import spec as trace_spec
from shared.contracts import BatchCompleted, Event
from shared.delivery.entries import encode
from shared.identity import DevPrincipal, Role
from shared.service import create_app
from shared.settings import Settings
from tests.backend import Backend
from tests.builders import SHOES, batch_completed
from tests.handlers.harness import migrated
from tests.identity.harness import (
    ISSUER,
    Identity,
    OwnKeys,
    identity_settings,
    running_identity,
)
from tests.waiting import eventually

SERVICES = {
    "quality": quality_spec,
    "inventory": inventory_spec,
    "sales": sales_spec,
    "trace": trace_spec,
    "production": production_spec,  # the workshop tablet's
}
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
    console: FastAPI
    transport: httpx.ASGITransport
    services: httpx.AsyncClient  # the services' own APIs, as the console reaches them

    async def call(
        self, service: str, method: str, path: str, body: Any = None, **who: str
    ) -> httpx.Response:
        """A service's API as a development principal (`role=`, then its binding): what the
        other people of the day do through their own pages or clients."""
        role = who.pop("role", "kanwil_admin")
        headers = await self.identity.bearer(role, **who)
        url = f"http://{service}.test{path}"
        return await self.services.request(method, url, json=body, headers=headers)

    def principal(self, role: Role, **binding: str) -> DevPrincipal:
        """The person of this role and binding (a channel's staff, not its machine client)."""
        for entry in self.identity.credentials.principals:
            bound = all(getattr(entry, name) == value for name, value in binding.items())
            if entry.role == role and bound and entry.username is not None:
                return entry
        raise LookupError(f"no person {role} {binding} in the development credentials")

    @asynccontextmanager
    async def browser(self) -> AsyncIterator[Browser]:
        async with httpx.AsyncClient(transport=self.transport, base_url=CONSOLE) as http:
            yield Browser(http)

    async def signed_in(self, browser: Browser, role: Role = "qc_officer", **binding: str) -> None:
        if not binding and role in ("qc_officer", "upt_admin"):
            binding = {"upt": "CLG"}
        answer = await browser.sign_in(self.principal(role, **binding))
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
        await self.published(event)

    async def published(self, event: Event) -> None:
        """An event on its stream, as its producer would publish it."""
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
            **{f"{name}_url": f"http://{name}.test" for name in SERVICES},
            "identity_url": ISSUER,
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
        apps = {
            name: await _started(
                stack,
                name,
                create_app(spec, settings_of(name, backend, data_dir, namespace)),
                identity,
            )
            for name, spec in SERVICES.items()
        }
        services = httpx.AsyncClient(
            mounts={
                ISSUER: httpx.ASGITransport(app=identity.app),
                **{
                    f"http://{name}.test": httpx.ASGITransport(app=app)
                    for name, app in apps.items()
                },
            }
        )
        console = make_app(settings_of("console", backend, data_dir, namespace), http=services)
        await _started(stack, "console", console, identity)
        transport = httpx.ASGITransport(app=console)
        yield ConsoleSystem(identity, apps["quality"], console, transport, services)


async def _started(stack: AsyncExitStack, name: str, app: FastAPI, identity: Identity) -> FastAPI:
    await migrated(name, app.state.runtime.db.url)
    keys = OwnKeys()
    keys.identity = identity
    app.state.verifier = keys
    await stack.enter_async_context(app.router.lifespan_context(app))
    return app


def now() -> datetime:
    return datetime.now(UTC)


async def post_form(browser: Browser, page_path: str, action: str, **fields: str) -> str:
    """Post a form of the page at `page_path` (its CSRF token and hidden ids) with `fields`;
    the page that comes back, after its redirect."""
    page = await browser.http.get(page_path)
    assert page.status_code == 200, page.text
    hidden = {name: value for name, value in form_fields(page.text).items() if name.endswith("_id")}
    form = {"csrf_token": form_fields(page.text)["csrf_token"], **hidden, **fields}
    answer = await browser.http.post(action, data=form)
    if answer.status_code == 303:
        return (await browser.http.get(answer.headers["location"])).text
    assert answer.status_code in (404, 409, 422), answer.text
    return answer.text


async def made_and_signed_off(
    system: ConsoleSystem, quantity: int = 6, sku: str = SHOES
) -> BatchCompleted:
    """A lot of `sku` (Cilegon's shoes unless told), signed off whole by its UPT's officer, in
    its UPT's store."""
    batch = batch_completed(sku=sku, quantity=quantity)
    await system.completed(batch)
    path = f"/inspections/{batch.batch_id}"
    officer = {"role": "qc_officer", "upt": batch.upt_code}

    async def pending() -> bool:
        return (await system.call("quality", "GET", path, **officer)).status_code == 200

    await eventually("the inspection in quality", pending)
    verdict = {"passed_quantity": quantity, "rejected_quantity": 0, "rejections": []}
    signed = await system.call("quality", "POST", f"{path}/sign-off", verdict, **officer)
    assert signed.status_code == 200, signed.text

    async def stocked() -> bool:
        answer = await system.call("inventory", "GET", f"/stock?sku={batch.sku}")
        return any(level["available"] for level in answer.json()["items"])

    await eventually("the lot in Cilegon's store", stocked)
    return batch
