"""Structured logs: JSON lines with the service and the ids of what is being handled, a
readable console form, and no token, password, worker code or buyer reference in either."""

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from services.inventory.app import spec as inventory_spec
from services.production import db as production_db
from services.production.app import spec as production_spec
from shared import logs
from shared.contracts import SaleCompleted
from shared.delivery.subscriptions import Subscription
from shared.identity import Claims
from shared.service import create_app
from shared.uow import UnitOfWork
from tests import builders
from tests.backend import Backend
from tests.handlers.harness import NotApplied, running

TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ0ZXJtaW5hbC1jbGcifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
WORKER_CODES = ["WB-7F3K", "WB-Q2ZX9"]
BUYER_REF = "BUYER-8F2K1-SECRET"
DB_PASSWORD = "s3cr3t-db-pass"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    out = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logs.configure("production", "json", stream=out, level=logging.DEBUG)
    try:
        yield out
    finally:
        logs.unconfigure(handler)
        root.setLevel(level)


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_a_line_is_one_json_object_with_the_service_level_logger_and_time(
    captured: io.StringIO,
) -> None:
    event_id, flow = uuid4(), uuid4()
    with (
        logs.bound(stream="t.quality.batch-signed-off.v1", group="t.inventory"),
        logs.bound(event_id=event_id, correlation_id=flow, causation_id=None),
    ):
        logging.getLogger("jejak.test").info("applied %d", 3, extra={"entries": 3})
    logging.getLogger("jejak.test").warning("outside")

    inside, outside = lines(captured)
    assert inside["service"] == "production"
    assert inside["level"] == "info"
    assert inside["logger"] == "jejak.test"
    assert inside["event"] == "applied 3"
    assert inside["time"].endswith("Z")
    assert inside["stream"] == "t.quality.batch-signed-off.v1"
    assert inside["group"] == "t.inventory"
    assert inside["event_id"] == str(event_id)
    assert inside["correlation_id"] == str(flow)
    assert "causation_id" not in inside
    assert inside["entries"] == 3
    assert "stream" not in outside
    assert outside["level"] == "warning"


def test_an_exception_is_one_line_with_its_traceback_in_a_field(captured: io.StringIO) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("jejak.test").exception("it failed")

    [line] = lines(captured)
    assert line["event"] == "it failed"
    assert line["exception"].startswith("Traceback (most recent call last)")
    assert "ValueError: boom" in line["exception"]


def test_the_console_form_is_readable() -> None:
    out = io.StringIO()
    handler = logs.configure("inventory", "console", stream=out)
    try:
        with logs.bound(stream="t.sales.order-placed.v1"):
            logging.getLogger("jejak.test").info("reserved %s", "stock")
    finally:
        logs.unconfigure(handler)

    line = out.getvalue().strip()
    assert " inventory " in line
    assert " INFO " in line
    assert "reserved stock" in line
    assert "stream=t.sales.order-placed.v1" in line
    assert not line.startswith("{")


@pytest.mark.parametrize(
    "text",
    [
        f"headers: {{'authorization': 'Bearer {TOKEN}'}}",
        f"Authorization: Bearer {TOKEN}",
        f"token {TOKEN} was refused",
        f"postgresql://postgres:{DB_PASSWORD}@db:5432/jejak",
        f"RecordOutput(quantity=2, worker_codes={WORKER_CODES!r})",
        "codes WB-7F3K and WB-Q2ZX9",
        f"SaleCompleted(order_id=1, buyer_ref='{BUYER_REF}', quantity=1)",
        f'{{"buyer_ref":"{BUYER_REF}","quantity":1}}',
        f"DETAIL: Key (buyer_ref)=({BUYER_REF}) already exists",
        f"password={DB_PASSWORD}&user=x",
    ],
)
def test_redaction_removes_secrets_and_personal_codes(text: str) -> None:
    redacted = logs.redact(text)
    for secret in (TOKEN, DB_PASSWORD, BUYER_REF, *WORKER_CODES):
        assert secret not in redacted
    assert logs.REDACTED in redacted or "***" in redacted


class _Terminal:
    """Stands in for the token verifier: any bearer token is terminal CLG-SPT's."""

    async def claims(self, _token: str) -> Claims:
        return Claims(role="terminal", sub="terminal-clg-spt", workshop="CLG-SPT", upt="CLG")


async def test_no_token_worker_code_or_buyer_ref_reaches_the_log(
    backend: Backend, tmp_path: Path, captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A request with a bearer token records worker codes; storing them fails carelessly, with
    # the request body and the token in the exception's message.
    def careless(_self: Any, _batch: Any, body: Any, _at: Any) -> None:
        raise RuntimeError(f"cannot store {body!r} (authorization=Bearer {TOKEN})")

    monkeypatch.setattr(production_db.Batches, "add_output", careless)
    async with running(production_spec, backend, tmp_path / "production") as production:
        app = create_app(production_spec, production.runtime.settings)
        own, app.state.runtime = app.state.runtime, production.runtime
        app.state.verifier = _Terminal()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://production"
            ) as client:
                batch_id = uuid4()
                opened = await client.post(
                    "/batches",
                    json={
                        "batch_id": str(batch_id),
                        "workshop_code": "CLG-SPT",
                        "sku": "FTW-SPT-OLR",
                    },
                    headers=headers,
                )
                assert opened.status_code == 201, opened.text
                output = {
                    "submission_id": str(uuid4()),
                    "quantity": 2,
                    "worker_codes": WORKER_CODES,
                }
                with pytest.raises(RuntimeError, match="cannot store"):
                    await client.post(f"/batches/{batch_id}/output", json=output, headers=headers)
        finally:
            await own.redis.aclose()
            await own.db.engine.dispose()

    # A consumer applies a sale with a buyer reference; its handler fails with the event in
    # the message (the reader logs the failed batch with its traceback).
    async def failing(events: list[SaleCompleted], _uow: UnitOfWork) -> None:
        raise RuntimeError(f"cannot apply {events[0]!r}")

    order = builders.order_placed(quantity=1)
    sale = builders.sale_completed(builders.stock_reserved(order, []), buyer_ref=BUYER_REF)
    async with running(inventory_spec, backend, tmp_path / "inventory") as inventory:
        stream = SaleCompleted.stream(inventory.namespace)
        inventory.runtime.reader.by_stream[stream] = Subscription(SaleCompleted, failing)
        with pytest.raises(NotApplied):
            await inventory.publish(sale)

    text = captured.getvalue()
    for secret in (TOKEN, BUYER_REF, *WORKER_CODES):
        assert secret not in text, f"{secret} is in the log"
    written = lines(captured)
    [failed_request] = [line for line in written if line.get("status") == 500]
    assert failed_request["route"] == "/batches/{batch_id}/output"
    assert failed_request["correlation_id"]
    assert "cannot store" in failed_request["exception"]
    assert logs.REDACTED in failed_request["exception"]
    [failed_batch] = [line for line in written if "entries failed" in line["event"]]
    assert failed_batch["stream"] == stream
    assert failed_batch["group"] == inventory.runtime.settings.group
    assert failed_batch["event_id"] == str(sale.event_id)
    assert failed_batch["correlation_id"] == str(sale.correlation_id)
    assert "cannot apply" in failed_batch["exception"]
    assert logs.REDACTED in failed_batch["exception"]
