"""The public trace answers an anonymous client only so often, and says when to come back."""

from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from limits import parse
from starlette.requests import Request

from services.trace.app import spec as trace_spec
from shared.ratelimit import ClientAddress, seconds_until_allowed
from shared.service import create_app
from shared.settings import Settings, proxy_networks
from tests.backend import Backend
from tests.handlers.harness import migrated


async def lookups(backend: Backend, tmp_path: Path, rule: str, count: int) -> list[httpx.Response]:
    settings = Settings().model_copy(
        update={
            "redis_url": backend.redis_url,
            "data_dir": tmp_path,
            "database_url": None,
            "namespace": f"t{uuid4().hex[:12]}",
            "public_rate_limit": rule,
        }
    )
    app = create_app(trace_spec, settings)
    runtime = app.state.runtime
    await migrated("trace", runtime.db.url)
    await runtime.prepare()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://trace") as client:
            return [await client.get("/trace/CLG-FTW-2601-0001") for _ in range(count)]
    finally:
        await runtime.redis.aclose()
        await runtime.db.engine.dispose()


async def test_an_anonymous_client_beyond_the_limit_is_told_when_to_come_back(
    backend: Backend, tmp_path: Path
) -> None:
    answers = await lookups(backend, tmp_path, "3/minute", 4)

    assert [answer.status_code for answer in answers] == [404, 404, 404, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert answers[-1].headers["content-type"] == "application/problem+json"
    assert answers[-1].json()["detail"] == "more than 3/minute lookups; try again later"


async def test_the_limit_can_be_switched_off(backend: Backend, tmp_path: Path) -> None:
    answers = await lookups(backend, tmp_path, "off", 5)

    assert {answer.status_code for answer in answers} == {404}


def request_from(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 50000), "headers": headers})


def test_only_a_trusted_proxy_names_the_client_and_only_its_own_hop_counts() -> None:
    addresses = ClientAddress(proxy_networks("10.0.0.0/8"))

    assert addresses.of(request_from("127.0.0.1", "198.51.100.7")) == "127.0.0.1"
    assert addresses.of(request_from("10.0.0.5", "198.51.100.7")) == "198.51.100.7"
    # What the client wrote itself is left of what the proxies appended: ignored.
    assert addresses.of(request_from("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.9")) == (
        "198.51.100.7"
    )
    assert addresses.of(request_from("10.0.0.5", "6.6.6.6", "198.51.100.7")) == "198.51.100.7"
    assert addresses.of(request_from("10.0.0.5")) == "10.0.0.5"
    assert ClientAddress(()).of(request_from("10.0.0.5", "198.51.100.7")) == "10.0.0.5"


def test_the_wait_counts_the_previous_window_fading_out() -> None:
    item = parse("10/10 seconds")
    # 4 s left in the window, 10 counted in the previous one and 8 in this one: a lookup
    # passes once 10 x (4 - t) / 10 + 8 < 10, after 2 s.
    assert seconds_until_allowed(item, 10, 4.0, 8, 14.0) == pytest.approx(2.0)
    # This window is full: its count must fade in the next window until 10 x (1 - s/10) < 10.
    assert seconds_until_allowed(item, 0, 0.0, 10, 14.0) == pytest.approx(4.0)
