"""Sales' webhook job in a running service against a real HTTP receiver: only the channel's
locations are queued, a delivery that keeps failing goes to the channel's dead letters without
stopping the ones behind it, and a retried dead letter is delivered."""

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from services.sales.app import spec as sales_spec
from services.sales.channel_api import retry_delivery
from services.sales.db import DeliveryRow, WebhookRow
from services.sales.webhooks import queue_deliveries, retry_wait, signature
from shared.service import Runtime
from tests.builders import stock_changed
from tests.handlers.harness import KANWIL
from tests.integration.harness import running
from tests.waiting import eventually


class Refusing(BaseHTTPRequestHandler):
    """Refuses the events named in `refused`, takes the rest (event ids, in arrival order)."""

    refused: set[str] = set()
    taken: list[str] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ok = body["event_id"] not in Refusing.refused
        if ok:
            Refusing.taken.append(body["event_id"])
        self.send_response(200 if ok else 500)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Refusing.refused, Refusing.taken = set(), []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def test_the_signature_is_the_hmac_of_the_timestamp_and_the_body() -> None:
    # printf '%s' '1764460800.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    expected = "sha256=064c48a989f9709708c34b3a902edb65444710c449137717201dfc019aa21617"
    made = signature("whsec_test", "1764460800", b'{"a":1}')
    assert made == expected
    assert made != signature("whsec_test", "1764460801", b'{"a":1}')
    assert made != signature("whsec_other", "1764460800", b'{"a":1}')


def test_the_wait_doubles_up_to_five_minutes() -> None:
    waits = [retry_wait(attempts, 1).total_seconds() for attempts in (1, 2, 3, 9, 10, 40)]
    assert waits == [1, 2, 4, 256, 300, 300]


async def test_a_failing_delivery_goes_dead_the_rest_go_on_and_a_retry_delivers_it(
    system_env: dict[str, str], receiver: str
) -> None:
    async with running(
        sales_spec,
        system_env,
        JEJAK_WEBHOOK_INTERVAL_S=0.05,
        JEJAK_WEBHOOK_RETRY_S=0.05,
        JEJAK_WEBHOOK_MAX_ATTEMPTS=2,
    ) as runtime:
        first, second = (
            stock_changed(location_code="KANWIL-GALERI", available=n, version=n) for n in (5, 6)
        )
        elsewhere = stock_changed(location_code="CLG-STORE", available=9, version=1)
        Refusing.refused = {str(first.event_id)}
        await _hook(runtime, "GALERI-SERANG", receiver)
        async with runtime.units.begin() as uow:
            await queue_deliveries(uow.session, [first, elsewhere, second])
            await queue_deliveries(uow.session, [first])  # redelivered by Redis: queued once

        expected = {first.event_id: ("dead", 2), second.event_id: ("delivered", 1)}
        await eventually("the first dead, the second delivered", lambda: _are(runtime, expected))

        Refusing.refused = set()
        [dead] = [d for d in await _deliveries(runtime) if d.event_id == first.event_id]
        async with runtime.units.begin() as uow:
            await retry_delivery("GALERI-SERANG", dead.id, uow, KANWIL)
        await eventually("the retried one delivered", lambda: _taken(str(first.event_id)))

    assert Refusing.taken == [str(second.event_id), str(first.event_id)]


async def _hook(runtime: Runtime, channel: str, url: str) -> None:
    async with runtime.units.begin() as uow:
        uow.session.add(
            WebhookRow(channel_code=channel, url=url, secret="s", created_at=datetime.now(UTC))
        )


async def _taken(event_id: str) -> bool:
    return event_id in Refusing.taken


async def _deliveries(runtime: Runtime) -> list[DeliveryRow]:
    async with runtime.db.sessions() as session:
        return list(await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))


async def _are(runtime: Runtime, expected: dict[UUID, tuple[str, int]]) -> bool:
    """Whether the deliveries' (status, attempts) are those expected: the job records an
    attempt after the receiver has answered it."""
    return {d.event_id: (d.status, d.attempts) for d in await _deliveries(runtime)} == expected
