"""The public trace answers an anonymous client only so often, and says when to come back."""

from pathlib import Path
from uuid import uuid4

import httpx

from services.trace.app import spec as trace_spec
from shared.service import create_app
from shared.settings import Settings
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
