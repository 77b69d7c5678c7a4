"""Running a service's runtime in the test's event loop, against the run's real backend."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from unittest import mock

from fastapi import FastAPI
from redis.asyncio import Redis

import shared.service
from shared.db import ensure_database
from shared.migrations import SERVICE_NAMES, migrate
from shared.service import Runtime, ServiceSpec
from shared.settings import Settings


def settings_for(spec: ServiceSpec, env: dict[str, str], **overrides: Any) -> Settings:
    settings = Settings.model_validate({**env, **overrides})
    return settings.model_copy(update={"service": spec.name})


@asynccontextmanager
async def running(
    spec: ServiceSpec, env: dict[str, str], **overrides: Any
) -> AsyncIterator[Runtime]:
    """The service's whole lifecycle (tables, groups, subscribers, claimer, relay), no HTTP."""
    runtime = Runtime(spec, settings_for(spec, env, **overrides))
    if spec.name in SERVICE_NAMES:
        await migrate(spec.name, runtime.db.url)
        async with runtime.lifespan(FastAPI()):
            yield runtime
        return
    # A test-only service (the probe) has no migration history: its tables are made directly.
    await ensure_database(runtime.db.url)
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(spec.metadata.create_all)
    async with AsyncExitStack() as stack:
        with mock.patch.object(shared.service, "require_current", _unversioned):
            await stack.enter_async_context(runtime.lifespan(FastAPI()))
        yield runtime


async def _unversioned(_service: str, _url: str) -> None:
    """The start-up check of a service without a migration history: nothing to check."""


async def pending_count(redis: Redis, stream: str, group: str) -> int:
    summary = await redis.xpending(stream, group)
    return int(summary["pending"])


async def dead_letters(runtime: Runtime) -> list[dict[bytes, bytes]]:
    """The letters of the service's own dead-letter stream."""
    entries: Any = await runtime.redis.xrange(runtime.dead_letters.stream)
    return [fields for _id, fields in entries]
