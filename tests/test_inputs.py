"""One input policy (shared/inputs.py) over HTTP, through the services' real apps: text that
cannot be stored, numbers and flags that are not numbers and flags, bodies and lists too large
and ids past what a database keeps are 4xx answers naming the field and the reason, and
change nothing. The policy itself holds for every request model and contract (the walk below)."""

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel

from services.inventory.app import spec as inventory_spec
from services.inventory.db import LocationRow
from services.production.app import spec as production_spec
from services.production.db import BatchRow, OutputRow, ProductRow
from services.production.master import ProductSpec
from services.quality.app import spec as quality_spec
from services.quality.holds import HoldRow
from services.sales.app import spec as sales_spec
from services.sales.db import ChannelRow, OrderRow
from services.trace.app import spec as trace_spec
from shared.contracts import ALL_EVENTS, Event
from shared.identity import Claims
from shared.inputs import MAX_LOT_QUANTITY, MAX_WORKER_CODES, NOTE_PATTERN, TEXT_PATTERN
from shared.service import ServiceSpec
from shared.timezones import WIB
from tests.backend import Backend
from tests.builders import SHOES, batch_completed
from tests.handlers.harness import Service, running
from tests.test_problems import app_on, assert_problem, client_of

CALLERS = {
    "kanwil": Claims(role="kanwil_admin", sub="kanwil-test"),
    "terminal": Claims(role="terminal", sub="terminal-test", workshop="CLG-SPT", upt="CLG"),
    "bakery": Claims(role="terminal", sub="bakery-test", workshop="CLG-ROT", upt="CLG"),
    "channel": Claims(role="channel", sub="gallery-test", channel="GALERI-SERANG"),
}


class Tokens:
    """`app.state.verifier`: the bearer token names the caller."""

    async def claims(self, token: str) -> Claims:
        return CALLERS[token]


def as_(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {who}"}


async def send(
    client: httpx.AsyncClient, method: str, path: str, body: object, who: str
) -> httpx.Response:
    """The body as JSON with non-ASCII escaped (\\ud800 stays an escape, as a client sends a
    lone surrogate; httpx's own json= cannot encode one)."""
    headers = {**as_(who), "Content-Type": "application/json"}
    return await client.request(method, path, content=json.dumps(body).encode(), headers=headers)


@asynccontextmanager
async def serving(
    spec: ServiceSpec, backend: Backend, tmp_path: Path
) -> AsyncIterator[tuple[Service, httpx.AsyncClient]]:
    async with running(spec, backend, tmp_path) as service:
        app = app_on(service, spec)
        app.state.verifier = Tokens()
        async with client_of(app) as client:
            yield service, client


async def open_batch(client: httpx.AsyncClient, who: str = "terminal") -> str:
    """A batch of shoes (the terminal's workshop) or of bread (the bakery's)."""
    workshop, sku = CALLERS[who].workshop, {"terminal": SHOES, "bakery": "PAN-ROT-001"}[who]
    batch_id = str(uuid4())
    body = {"batch_id": batch_id, "workshop_code": workshop, "sku": sku}
    response = await send(client, "POST", "/batches", body, who)
    assert response.status_code == 201, response.text
    return batch_id


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        # was a 500: the answer quoted it, and UTF-8 cannot encode it
        ("CLG\ud800SPT", "not valid Unicode text (it holds a lone surrogate)"),
        ("CLG\x00SPT", "should match pattern"),  # a code: its pattern says what it may hold
        ("CLG-SPT\n", "should match pattern"),
        ("CLG\x85SPT", "should match pattern"),  # C1 (NEXT LINE)
    ],
)
async def test_a_code_that_cannot_be_stored_is_a_422_naming_the_field(
    backend: Backend, tmp_path: Path, value: str, reason: str
) -> None:
    body = {"batch_id": str(uuid4()), "workshop_code": value, "sku": "FTW-SPT-OLR"}
    async with serving(production_spec, backend, tmp_path) as (production, client):
        response = await send(client, "POST", "/batches", body, "terminal")
        stored = await production.rows(BatchRow)

    problem = assert_problem(response, 422, "/batches")
    assert problem["field"] == "workshop_code"
    assert reason in problem["reason"]
    assert stored == []


async def test_a_lone_surrogate_in_an_order_is_a_422_not_a_500(
    backend: Backend, tmp_path: Path
) -> None:
    body = {
        "order_id": str(uuid4()),
        "channel_code": "GALERI-SERANG",
        "sku": "FTW-SPT-OLR",
        "quantity": 1,
        "buyer_ref": "BUYER-0001",
        "serials": ["CLG-2611-0001-0001\ud800"],
    }
    async with serving(sales_spec, backend, tmp_path) as (sales, client):
        response = await send(client, "POST", "/orders", body, "channel")
        stored = await sales.rows(OrderRow)

    problem = assert_problem(response, 422, "/orders")
    assert problem["field"] == "serials.0"
    assert "lone surrogate" in problem["reason"]
    assert stored == []


async def test_a_nul_in_a_hold_reason_is_refused_and_a_line_break_kept(
    backend: Backend, tmp_path: Path
) -> None:
    """Reasons are the one multi-line text: a line break is theirs, a NUL is nobody's."""

    def hold(reason: str) -> dict[str, Any]:
        return {"hold_id": str(uuid4()), "lot_code": "CLG-PAN-2611-0001", "reason": reason}

    async with serving(quality_spec, backend, tmp_path) as (quality, client):
        nul = await send(client, "POST", "/holds", hold("mould\x00found"), "kanwil")
        stored = await quality.rows(HoldRow)
        two_lines = await send(client, "POST", "/holds", hold("mould\nfound"), "kanwil")

    problem = assert_problem(nul, 422, "/holds")
    assert (problem["field"], problem["reason"]) == (
        "reason",
        "contains a control character (U+0000)",
    )
    assert stored == []
    # Past the text rule: the lot is unknown to this quality (no batch arrived), a 404.
    assert assert_problem(two_lines, 404, "/holds")["field"] == "lot_code"


async def test_a_nul_in_a_channel_name_is_refused(backend: Backend, tmp_path: Path) -> None:
    body = {"name": "Galeri\x00", "kind": "gallery", "locations": ["KANWIL-GALERI"]}
    async with serving(sales_spec, backend, tmp_path) as (sales, client):
        before = await sales.rows(ChannelRow)
        response = await send(client, "PUT", "/channels/GALERI-BARU", body, "kanwil")
        after = await sales.rows(ChannelRow)

    problem = assert_problem(response, 422, "/channels/GALERI-BARU")
    assert (problem["field"], problem["reason"]) == (
        "name",
        "contains a control character (U+0000)",
    )
    assert [row.code for row in after] == [row.code for row in before]


async def test_a_location_keeps_refusing_control_characters_with_the_shared_rule(
    backend: Backend, tmp_path: Path
) -> None:
    body = {"name": "Stan\tpameran", "kind": "expo_stand", "address": "", "owner": "Pemprov"}
    async with serving(inventory_spec, backend, tmp_path) as (inventory, client):
        response = await send(client, "PUT", "/locations/EXPO-BARU", body, "kanwil")
        stored = await inventory.rows(LocationRow, LocationRow.code == "EXPO-BARU")

    problem = assert_problem(response, 422, "/locations/EXPO-BARU")
    assert (problem["field"], problem["reason"]) == (
        "name",
        "contains a control character (U+0009)",
    )
    assert stored == []


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("quantity", ["5", True, 5.5])
async def test_a_quantity_that_is_not_a_json_integer_is_a_422(
    backend: Backend, tmp_path: Path, quantity: object
) -> None:
    async with serving(production_spec, backend, tmp_path) as (production, client):
        batch_id = await open_batch(client)
        body = {"submission_id": str(uuid4()), "quantity": quantity, "worker_codes": ["WB-0001"]}
        response = await send(client, "POST", f"/batches/{batch_id}/output", body, "terminal")
        outputs = await production.rows(OutputRow)

    problem = assert_problem(response, 422, f"/batches/{batch_id}/output")
    assert problem["field"] == "quantity"
    assert "integer" in problem["reason"]
    assert outputs == []


async def test_a_flag_that_is_not_a_json_boolean_is_a_422(backend: Backend, tmp_path: Path) -> None:
    body = {"name": "Galeri", "kind": "gallery", "locations": ["KANWIL-GALERI"], "active": 1}
    async with serving(sales_spec, backend, tmp_path) as (_sales, client):
        response = await send(client, "PUT", "/channels/GALERI-BARU", body, "kanwil")

    problem = assert_problem(response, 422, "/channels/GALERI-BARU")
    assert problem["field"] == "active"
    assert "boolean" in problem["reason"]


async def test_an_id_past_64_bits_in_a_path_is_a_422(backend: Backend, tmp_path: Path) -> None:
    path = f"/channels/GALERI-SERANG/webhook/deliveries/{2**64}/retry"
    async with serving(sales_spec, backend, tmp_path) as (_sales, client):
        response = await client.post(path, headers=as_("kanwil"))

    problem = assert_problem(response, 422, path)
    assert problem["field"] == "delivery_id"


# --------------------------------------------------------------------------- sizes


async def test_a_list_longer_than_any_workshop_is_a_422(backend: Backend, tmp_path: Path) -> None:
    codes = [f"WB-{n:05d}" for n in range(MAX_WORKER_CODES + 1)]
    async with serving(production_spec, backend, tmp_path) as (production, client):
        batch_id = await open_batch(client)
        body = {"submission_id": str(uuid4()), "quantity": 1, "worker_codes": codes}
        response = await send(client, "POST", f"/batches/{batch_id}/output", body, "terminal")
        outputs = await production.rows(OutputRow)

    problem = assert_problem(response, 422, f"/batches/{batch_id}/output")
    assert problem["field"] == "worker_codes"
    assert str(MAX_WORKER_CODES) in problem["reason"]
    assert outputs == []


async def test_a_lot_larger_than_any_is_refused_however_it_is_sent(
    backend: Backend, tmp_path: Path
) -> None:
    """3,000,000 loaves: in one submission (past the body's limit of a lot), or in many (past
    the batch's)."""
    async with serving(production_spec, backend, tmp_path) as (production, client):
        batch_id = await open_batch(client, "bakery")  # bread, traced per lot
        path = f"/batches/{batch_id}/output"

        def output(quantity: int) -> dict[str, Any]:
            codes = ["WB-0001"]
            return {"submission_id": str(uuid4()), "quantity": quantity, "worker_codes": codes}

        whole = await send(client, "POST", path, output(3_000_000), "bakery")
        first = await send(client, "POST", path, output(MAX_LOT_QUANTITY), "bakery")
        one_more = await send(client, "POST", path, output(1), "bakery")
        [batch] = await production.rows(BatchRow)

    assert assert_problem(whole, 422, path)["field"] == "quantity"
    assert first.status_code == 201, first.text
    problem = assert_problem(one_more, 422, path)
    assert (problem["field"], problem["reason"]) == (
        "quantity",
        f"a lot holds at most {MAX_LOT_QUANTITY} (this batch has {MAX_LOT_QUANTITY}); "
        "complete this batch and open another",
    )
    assert batch.quantity == MAX_LOT_QUANTITY


def flood(size: int) -> bytes:
    """An output submission of `size` bytes or more: worker codes until it is that large."""
    head = b'{"submission_id": "%s", "quantity": 1, "worker_codes": [' % str(uuid4()).encode()
    code = b'"WB-0001",'
    return head + code * ((size - len(head)) // len(code) + 1) + b'"WB-0002"]}'


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
async def test_a_body_over_the_limit_is_a_413_naming_it(
    backend: Backend, tmp_path: Path, streamed: bool
) -> None:
    """The 20 MB submission that was stored: refused, by its Content-Length before a byte is
    read, or (no length given) once the bytes read pass the limit."""
    body = flood(20_000_000)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536]

    async with serving(production_spec, backend, tmp_path) as (production, client):
        limit = production.runtime.settings.max_body_bytes
        batch_id = await open_batch(client)
        response = await client.post(
            f"/batches/{batch_id}/output",
            content=chunks() if streamed else body,
            headers={**as_("terminal"), "Content-Type": "application/json"},
        )
        outputs = await production.rows(OutputRow)

    problem = assert_problem(response, 413, f"/batches/{batch_id}/output")
    assert f"{limit} bytes" in problem["detail"]
    assert outputs == []


async def test_an_import_may_be_larger_than_other_bodies(backend: Backend, tmp_path: Path) -> None:
    """Imports take up to 16 MB: over a megabyte of rows is read and checked, not a 413."""
    rows = [{"code": f"X{n:04d}"} for n in range(60_000)]  # 1.1 MB; more rows than allowed
    async with serving(inventory_spec, backend, tmp_path) as (_inventory, client):
        response = await send(client, "POST", "/locations/import", {"rows": rows}, "kanwil")

    assert assert_problem(response, 422, "/locations/import")["errors"][0]["field"] == "rows"


# --------------------------------------------------------------------------- the walk


SPECS = [production_spec, quality_spec, inventory_spec, sales_spec, trace_spec]


def api_routes(router: APIRouter) -> Iterator[APIRoute]:
    for route in router.routes:
        if isinstance(route, APIRoute):
            yield route
        elif isinstance(included := getattr(route, "original_router", None), APIRouter):
            yield from api_routes(included)


def request_models() -> Iterator[tuple[str, type[BaseModel]]]:
    """The body model of every route of every service (identity's forms are its own)."""
    for spec in SPECS:
        for route in api_routes(spec.router):
            if route.body_field is not None:
                model = route.body_field.field_info.annotation
                for candidate in (model, *getattr(model, "__args__", ())):
                    if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                        yield (
                            f"{spec.name} {sorted(route.methods or ())[0]} {route.path}",
                            candidate,
                        )


def loose_fields(schema: Any, where: str = "") -> Iterator[str]:
    """Where a JSON schema has a text without a pattern (the policy's, or a code's), free text
    without a length limit, a list without one, or an integer without a maximum (before the
    database's: past 64 bits a driver raises). (Strictness of numbers and flags is not in
    a JSON schema: see below.)"""
    if isinstance(schema, dict):
        kind = schema.get("type")
        if kind == "string" and not {"enum", "const", "format"} & schema.keys():
            if "pattern" not in schema:
                yield f"{where}: text without a pattern"
            elif schema["pattern"] in (TEXT_PATTERN, NOTE_PATTERN) and "maxLength" not in schema:
                yield f"{where}: free text without a maxLength"
        if kind == "array" and "maxItems" not in schema:
            yield f"{where}: list without maxItems"
        if kind == "integer" and not {"maximum", "exclusiveMaximum"} & schema.keys():
            yield f"{where}: integer without a maximum"
        for key, value in schema.items():
            yield from loose_fields(value, f"{where}.{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from loose_fields(value, f"{where}.{index}")


def lax_numbers(core: Any, where: str = "") -> Iterator[str]:
    """Where a pydantic core schema takes an int or a bool without strict mode."""
    if isinstance(core, dict):
        if core.get("type") in ("int", "bool") and not core.get("strict"):
            yield f"{where}: {core['type']} not strict"
        for key, value in core.items():
            yield from lax_numbers(value, f"{where}.{key}")
    elif isinstance(core, list):
        for index, value in enumerate(core):
            yield from lax_numbers(value, f"{where}.{index}")


MODELS = [*request_models(), *((event.stream_suffix(), event) for event in ALL_EVENTS)]


@pytest.mark.parametrize(("name", "model"), MODELS, ids=[name for name, _ in MODELS])
def test_every_request_model_and_contract_follows_the_policy(
    name: str, model: type[BaseModel]
) -> None:
    schema = model.model_json_schema()
    if issubclass(model, Event):  # the envelope's fields are set by Event.new, not given
        for envelope in Event.model_fields:
            schema["properties"].pop(envelope, None)
    problems = [*loose_fields(schema, model.__name__)]
    problems += lax_numbers(model.__pydantic_core_schema__, model.__name__)
    assert problems == [], name


def test_the_walk_finds_every_service_s_bodies() -> None:
    names = {name.split()[0] for name, _ in request_models()}
    assert names == {"production", "quality", "inventory", "sales"}


# --------------------------------------------------------------------------- resends


async def test_an_output_submission_sent_again_differently_is_a_409_naming_what_differs(
    backend: Backend, tmp_path: Path
) -> None:
    submission = str(uuid4())
    first = {"submission_id": submission, "quantity": 2, "worker_codes": ["WB-0001", "WB-0002"]}
    async with serving(production_spec, backend, tmp_path) as (production, client):
        batch_id = await open_batch(client)
        path = f"/batches/{batch_id}/output"
        created = await send(client, "POST", path, first, "terminal")
        resent = await send(
            client, "POST", path, {**first, "worker_codes": ["WB-0002", "WB-0001"]}, "terminal"
        )
        more = await send(client, "POST", path, {**first, "quantity": 3}, "terminal")
        others = await send(
            client, "POST", path, {**first, "worker_codes": ["WB-0009"]}, "terminal"
        )
        outputs = await production.rows(OutputRow)
        [batch] = await production.rows(BatchRow)

    assert (created.status_code, resent.status_code) == (201, 200)
    problem = assert_problem(more, 409, path)
    assert (problem["field"], problem["reason"]) == (
        "submission_id",
        "this submission id was used for other output; it differs in quantity",
    )
    assert assert_problem(others, 409, path)["reason"].endswith("it differs in worker_codes")
    assert "WB-0009" not in others.text  # worker codes never leave production, even back
    assert (len(outputs), batch.quantity) == (1, 2)


async def test_a_hold_sent_again_with_another_reason_is_a_409_naming_it(
    backend: Backend, tmp_path: Path
) -> None:
    batch = batch_completed(sku=SHOES, quantity=2)
    hold = {"hold_id": str(uuid4()), "lot_code": batch.lot_code, "reason": "mould found"}
    async with serving(quality_spec, backend, tmp_path) as (quality, client):
        await quality.publish(batch)
        placed = await send(client, "POST", "/holds", hold, "kanwil")
        resent = await send(client, "POST", "/holds", hold, "kanwil")
        changed = await send(
            client,
            "POST",
            "/holds",
            {**hold, "reason": "no mould", "serials": batch.serials[:1]},
            "kanwil",
        )
        [row] = await quality.rows(HoldRow)

    assert (placed.status_code, resent.status_code) == (201, 200)
    problem = assert_problem(changed, 409, "/holds")
    assert (problem["field"], problem["reason"]) == (
        "hold_id",
        "this hold id is already used for another hold; it differs in reason, serials",
    )
    assert (row.reason, row.serials) == ("mould found", [])


async def test_an_order_sent_again_for_other_units_is_a_409_naming_them(
    backend: Backend, tmp_path: Path
) -> None:
    async with serving(sales_spec, backend, tmp_path) as (sales, client):
        order_id = uuid4()
        async with sales.session() as session, session.begin():
            session.add(
                OrderRow(
                    order_id=order_id,
                    channel_code="GALERI-SERANG",
                    sku=SHOES,
                    quantity=1,
                    serials=["CLG-2611-0001-0001"],
                    buyer_ref="BUYER-0001",
                    status="pending",
                    allocations=[],
                    correlation_id=uuid4(),
                    placed_at=datetime.now(UTC),
                )
            )
        body = {
            "order_id": str(order_id),
            "channel_code": "GALERI-SERANG",
            "sku": SHOES,
            "quantity": 1,
            "buyer_ref": "BUYER-0001",
            "serials": ["CLG-2611-0001-0002"],
        }
        response = await send(client, "POST", "/orders", body, "channel")

    problem = assert_problem(response, 409, "/orders")
    assert problem["reason"].endswith("it differs in serials")


# --------------------------------------------------------------------------- imports


@pytest.mark.parametrize(
    ("change", "field"),
    [({"upt_code": "SRG"}, "upt_code"), ({"tracking": "unit"}, "tracking")],
    ids=["to-another-upt", "lot-to-unit"],
)
async def test_an_import_moving_a_product_is_refused_unless_moves_are_allowed(
    backend: Backend, tmp_path: Path, change: dict[str, str], field: str
) -> None:
    async with serving(production_spec, backend, tmp_path) as (production, client):
        bread = (await client.get("/catalogue/products/PAN-ROT-001", headers=as_("kanwil"))).json()
        row = {name: bread[name] for name in ProductSpec.model_fields} | change
        path = "/catalogue/products/import"
        refused = await send(client, "POST", path, {"rows": [row]}, "kanwil")
        [kept] = await production.rows(ProductRow, ProductRow.sku == "PAN-ROT-001")
        unchanged = (kept.upt_code, kept.tracking)
        allowed = await send(client, "POST", f"{path}?allow_moves=true", {"rows": [row]}, "kanwil")
        [moved] = await production.rows(ProductRow, ProductRow.sku == "PAN-ROT-001")

    problem = assert_problem(refused, 422, path)
    assert problem["field"] == f"rows.0.{field}"
    assert "allow_moves" in problem["reason"]
    assert unchanged == ("CLG", "lot")
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["updated"] == 1
    assert getattr(moved, field) == change[field]


async def test_a_completion_sent_again_with_other_dates_is_a_409_naming_them(
    backend: Backend, tmp_path: Path
) -> None:
    today = datetime.now(WIB).date()
    dates = {"production_date": str(today), "best_before": str(today + timedelta(days=4))}
    async with serving(production_spec, backend, tmp_path) as (production, client):
        batch_id = await open_batch(client, "bakery")
        output = {"submission_id": str(uuid4()), "quantity": 200, "worker_codes": ["WB-0001"]}
        await send(client, "POST", f"/batches/{batch_id}/output", output, "bakery")
        path = f"/batches/{batch_id}/complete"
        completed = await send(client, "POST", path, dates, "bakery")
        resent = await send(client, "POST", path, dates, "bakery")
        other = {**dates, "best_before": str(today + timedelta(days=5))}
        changed = await send(client, "POST", path, other, "bakery")
        [batch] = await production.rows(BatchRow)

    assert (completed.status_code, resent.status_code) == (200, 200), completed.text
    problem = assert_problem(changed, 409, path)
    assert (problem["field"], problem["reason"]) == (
        "batch_id",
        "this batch was completed with other dates; it differs in best_before",
    )
    assert str(batch.best_before) == dates["best_before"]
