"""Running a service's runtime in the test's event loop, against the run's real backend."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from redis.asyncio import Redis

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
    async with runtime.lifespan(FastAPI()):
        yield runtime


async def pending_count(redis: Redis, stream: str, group: str) -> int:
    summary = await redis.xpending(stream, group)
    return int(summary["pending"])


async def dead_letters(redis: Redis, namespace: str) -> list[dict[bytes, bytes]]:
    entries: Any = await redis.xrange(f"{namespace}.dead-letters")
    return [fields for _id, fields in entries]
