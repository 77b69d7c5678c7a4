"""Every error is an RFC 9457 problem (application/problem+json), every 4xx a route can answer
is in its OpenAPI document, lists page with totals, and /health/live and /health/ready say
what they promise; through the services' real apps (httpx's ASGI transport)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from services.identity.app import make_app as make_identity_app
from services.inventory.app import spec as inventory_spec
from services.production.app import spec as production_spec
from services.production.catalogue import PRODUCT_BY_SKU
from services.quality.app import spec as quality_spec
from services.sales.app import spec as sales_spec
from services.trace.app import spec as trace_spec
from shared.auth import PUBLIC, ROLES_EXTENSION, Unauthorized
from shared.http import PROBLEM, install
from shared.identity import Claims
from shared.pagination import MAX_LIMIT
from shared.service import ServiceSpec, create_app
from shared.settings import Settings
from tests.backend import Backend
from tests.builders import stock_changed
from tests.handlers.harness import Service, running
from tests.handlers.test_inventory import receive_shoes

KANWIL = Claims(role="kanwil_admin", sub="kanwil-test")
TERMINAL = Claims(role="terminal", sub="terminal-test", workshop="CLG-SPT", upt="CLG")
SPECS = [production_spec, quality_spec, inventory_spec, sales_spec, trace_spec]
# The OAuth endpoints answer their 400 and 401 as RFC 6749 §5.2 says (error, error_description).
OAUTH_PATHS = ("/oauth/token", "/oauth/revoke")


class Tokens:
    """`app.state.verifier`: the bearer token is the name of a role's claims."""

    known = {"kanwil": KANWIL, "terminal": TERMINAL}

    async def claims(self, token: str) -> Claims:
        if token not in self.known:
            raise Unauthorized("invalid token: not one of the test's")
        return self.known[token]


def app_on(service: Service, spec: ServiceSpec) -> FastAPI:
    """The service's app on the test's prepared runtime (migrated database, Redis)."""
    settings = service.runtime.settings.model_copy(update={"public_rate_limit": "off"})
    app = create_app(spec, settings)
    app.state.runtime = service.runtime
    app.state.verifier = Tokens()
    return app


@asynccontextmanager
async def client_of(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://jejak") as client:
        yield client


@asynccontextmanager
async def serving(
    spec: ServiceSpec, backend: Backend, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async with running(spec, backend, tmp_path) as service, client_of(app_on(service, spec)) as c:
        yield c


def as_(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {who}"}


def assert_problem(response: httpx.Response, status: int, path: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(problem)
    assert (problem["status"], problem["instance"]) == (status, path)
    assert problem["title"]
    assert problem["detail"]
    return problem


# --------------------------------------------------------------------------- the shape


async def test_an_unknown_route_and_a_wrong_method_are_plain_http_problems(
    backend: Backend, tmp_path: Path
) -> None:
    async with serving(quality_spec, backend, tmp_path) as client:
        unknown = await client.get("/no/such/thing")
        wrong_method = await client.delete("/holds", headers=as_("kanwil"))

    problem = assert_problem(unknown, 404, "/no/such/thing")
    assert (problem["type"], problem["title"]) == ("about:blank", "Not Found")
    problem = assert_problem(wrong_method, 405, "/holds")
    assert problem["type"] == "about:blank"
    assert wrong_method.headers["allow"] in problem["detail"]


async def test_a_rule_broken_names_its_field_at_the_top_and_in_the_errors(
    backend: Backend, tmp_path: Path
) -> None:
    async with serving(quality_spec, backend, tmp_path) as client:
        missing = await client.get(
            "/holds/00000000-0000-0000-0000-000000000000", headers=as_("kanwil")
        )

    problem = assert_problem(missing, 404, "/holds/00000000-0000-0000-0000-000000000000")
    assert problem["type"].endswith("/not-found")
    assert problem["field"] == "hold_id"
    assert problem["errors"] == [{"field": "hold_id", "reason": problem["reason"]}]


async def test_request_validation_errors_list_every_field(backend: Backend, tmp_path: Path) -> None:
    body = {"hold_id": "not-a-uuid", "lot_code": "CLG-FTW-2601-0001", "reason": ""}
    async with serving(quality_spec, backend, tmp_path) as client:
        response = await client.post("/holds", json=body, headers=as_("kanwil"))

    problem = assert_problem(response, 422, "/holds")
    assert problem["type"].endswith("/validation")
    assert {error["field"] for error in problem["errors"]} == {"hold_id", "reason"}
    assert "field" not in problem  # two fields: no single-field shortcut


async def test_no_token_a_bad_token_and_the_wrong_role_are_problems(
    backend: Backend, tmp_path: Path
) -> None:
    async with serving(quality_spec, backend, tmp_path) as client:
        none = await client.get("/holds")
        bad = await client.get("/holds", headers=as_("forged"))
        wrong_role = await client.get("/holds", headers=as_("terminal"))

    assert assert_problem(none, 401, "/holds")["field"] == "authorization"
    assert none.headers["www-authenticate"] == 'Bearer realm="jejak"'
    assert_problem(bad, 401, "/holds")
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]
    assert assert_problem(wrong_role, 403, "/holds")["type"].endswith("/forbidden")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/trace/CLG%00FTW", "code"),
        ("/trace/" + "X" * 201, "code"),
        ("/01/09501101530003/10/LOT%00A", "lot"),
        ("/epcis/events?lot=A%00B", "lot"),
    ],
)
async def test_a_nul_or_an_overlong_parameter_is_refused_at_the_edge(
    backend: Backend, tmp_path: Path, path: str, field: str
) -> None:
    """PostgreSQL cannot keep NUL in text: it must never reach the database (it was a 500)."""
    async with serving(trace_spec, backend, tmp_path) as client:
        response = await client.get(path)

    problem = assert_problem(response, 422, path.split("?")[0].replace("%00", "\x00"))
    assert problem["field"] == field


async def test_the_human_page_of_a_digital_link_stays_html(
    backend: Backend, tmp_path: Path
) -> None:
    async with serving(trace_spec, backend, tmp_path) as client:
        response = await client.get(
            "/01/09501101530003/10/NOPE/21/NOPE", headers={"Accept": "text/html"}
        )

    assert response.status_code in (400, 404)
    assert response.headers["content-type"].startswith("text/html")


# --------------------------------------------------------------------------- lists


async def test_a_limit_above_the_maximum_is_refused_naming_it(
    backend: Backend, tmp_path: Path
) -> None:
    async with serving(quality_spec, backend, tmp_path) as client:
        response = await client.get(f"/holds?limit={MAX_LIMIT + 1}", headers=as_("kanwil"))

    problem = assert_problem(response, 422, "/holds")
    assert problem["field"] == "limit"
    assert str(MAX_LIMIT) in problem["reason"]


async def test_the_catalogue_pages_its_skus_with_the_total(
    backend: Backend, tmp_path: Path
) -> None:
    skus = sorted(PRODUCT_BY_SKU)[:5]
    async with running(sales_spec, backend, tmp_path) as sales:
        await sales.publish(
            *(stock_changed(sku=sku, available=n + 1, version=1) for n, sku in enumerate(skus))
        )
        async with client_of(app_on(sales, sales_spec)) as client:
            first = (await client.get("/catalogue?limit=2", headers=as_("kanwil"))).json()
            last = (await client.get("/catalogue?limit=2&offset=4", headers=as_("kanwil"))).json()

    assert [item["sku"] for item in first["items"]] == skus[:2]
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert last["items"] == [
        {
            "sku": skus[4],
            "product_name": PRODUCT_BY_SKU[skus[4]].name,
            "available": 5,
            "locations": {"CLG-STORE": 5},
        }
    ]


async def test_the_ledger_pages_with_a_cursor_to_its_end(backend: Backend, tmp_path: Path) -> None:
    async with running(inventory_spec, backend, tmp_path) as inventory:
        await receive_shoes(inventory)
        await receive_shoes(inventory)
        await receive_shoes(inventory)
        async with client_of(app_on(inventory, inventory_spec)) as client:
            pages, cursor = [], ""
            while True:
                page = (
                    await client.get(
                        f"/ledger?sku=FTW-SPT-OLR&limit=2{cursor}", headers=as_("kanwil")
                    )
                ).json()
                pages.append(page)
                if page["next_cursor"] is None:
                    break
                cursor = f"&cursor={page['next_cursor']}"
            bad = await client.get("/ledger?sku=FTW-SPT-OLR&cursor=x", headers=as_("kanwil"))

    ids = [line["id"] for page in pages for line in page["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids)
    assert len(ids) == pages[0]["total"] >= 3
    assert assert_problem(bad, 400, "/ledger")["field"] == "cursor"


# --------------------------------------------------------------------------- health


async def test_live_answers_and_ready_names_what_does_not_run(
    backend: Backend, tmp_path: Path
) -> None:
    async with running(trace_spec, backend, tmp_path) as trace:
        app = create_app(trace_spec, trace.runtime.settings)  # its own runtime, on the same data
        runtime = app.state.runtime
        async with client_of(app) as client:
            live = await client.get("/health/live")
            before = await client.get("/health/ready")  # no lifespan: nothing started
            async with app.router.lifespan_context(app):
                ready = await client.get("/health/ready")
                [relay] = [t for t in runtime.background if t.get_name() == "trace-relay"]
                relay.cancel()
                await asyncio.wait([relay])
                stopped = await client.get("/health/ready")

    assert (live.status_code, live.json()["status"]) == (200, "ok")
    problem = assert_problem(before, 503, "/health/ready")
    assert problem["checks"]["relay"] == "not started"
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "service": "trace",
        "status": "ready",
        "database": "ok",
        "redis": "ok",
        "relay": "ok",
        "reader": "ok",
        "claimer": "ok",
    }
    problem = assert_problem(stopped, 503, "/health/ready")
    assert problem["detail"] == "not ready: relay"


# --------------------------------------------------------------------------- the documents


def documents() -> dict[str, dict[str, Any]]:
    settings = Settings()
    found = {spec.name: create_app(spec, settings).openapi() for spec in SPECS}
    found["identity"] = make_identity_app(settings).openapi()
    return found


@pytest.mark.parametrize(("service", "document"), list(documents().items()))
def test_every_4xx_is_a_documented_problem(service: str, document: dict[str, Any]) -> None:
    wrong = []
    assert "HTTPValidationError" not in str(document)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            name, responses = f"{method.upper()} {path}", operation["responses"]
            public = operation[ROLES_EXTENSION] == [PUBLIC]
            takes_input = operation.get("parameters") or operation.get("requestBody")
            needed = ({"422"} if takes_input else set()) | (set() if public else {"401", "403"})
            if missing := needed - set(responses):
                wrong.append(f"{name}: {sorted(missing)} not documented")
            for status, response in responses.items():
                if status.startswith("4") and not (path in OAUTH_PATHS and status < "422"):
                    schema = response.get("content", {}).get(PROBLEM, {}).get("schema")
                    if schema != {"$ref": "#/components/schemas/Problem"}:
                        wrong.append(f"{name} {status}: not a problem")
    assert wrong == [], service
    assert {"Problem", "FieldError"} <= set(document["components"]["schemas"])


# --------------------------------------------------------------------------- lost connections


async def test_a_lost_database_connection_is_a_503_to_retry_and_a_bug_a_500() -> None:
    """`make chaos` terminated PostgreSQL connections: the request that met the dead
    connection changed nothing and may be sent again, which a 503 with Retry-After says."""
    app = FastAPI()
    install(app)

    @app.get("/lost")
    async def lost() -> None:
        raise DBAPIError("SELECT 1", None, ConnectionError("gone"), connection_invalidated=True)

    @app.get("/bug")
    async def bug() -> None:
        raise ValueError("a bug")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://jejak") as client:
        lost_answer, bug_answer = await client.get("/lost"), await client.get("/bug")

    assert_problem(lost_answer, 503, "/lost")
    assert lost_answer.headers["retry-after"] == "1"
    assert_problem(bug_answer, 500, "/bug")
