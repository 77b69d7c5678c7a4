"""A Jejak service: FastAPI for HTTP, a FastStream broker for its streams, its own database.

Every service is built by `create_app` from a `ServiceSpec`, so the lifecycle (tables, seed,
consumer groups, subscribers, claimer, outbox relay, health) exists once.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from faststream.redis import RedisBroker
from redis.asyncio import Redis
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database, DeliveryTables
from shared.delivery.claimer import Claimer
from shared.delivery.consumer import Consumer, Subscription
from shared.delivery.dead_letters import DeadLetters
from shared.delivery.outbox import Relay
from shared.delivery.streams import ensure_groups, subscribe
from shared.errors import Rejected, rejected_handler
from shared.settings import Settings

log = logging.getLogger("jejak")


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    metadata: MetaData
    tables: DeliveryTables
    router: APIRouter
    subscriptions: Sequence[Subscription[Any]] = ()
    seed: Callable[[AsyncSession], Awaitable[None]] | None = None
    description: str = ""


class Runtime:
    """What a running service holds: settings, database, Redis, broker and relay."""

    def __init__(self, spec: ServiceSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.db = Database(settings.service_database_url())
        self.redis: Redis = Redis.from_url(settings.redis_url)
        self.broker = RedisBroker(settings.redis_url, logger=_broker_logger(), graceful_timeout=10)
        self.dead_letters = DeadLetters(self.redis, settings.namespace)
        self.relay = Relay(
            self.db,
            spec.tables,
            self.redis,
            namespace=settings.namespace,
            interval_s=settings.relay_interval_ms / 1000,
            sweep_grace=timedelta(milliseconds=settings.sweep_grace_ms),
        )
        self.db.on_outbox_commit = self.relay.dispatch
        self.consumer = Consumer(
            self.db,
            spec.tables.inbox,
            self.dead_letters,
            group=settings.group,
            max_deliveries=settings.max_deliveries,
        )
        for subscription in spec.subscriptions:
            subscribe(self.broker, settings, self.consumer, subscription)
        self.claimer = Claimer(
            self.redis,
            self.consumer,
            spec.subscriptions,
            namespace=settings.namespace,
            name=f"{settings.consumer_name}-claimer",
            min_idle_ms=settings.claim_idle_ms,
        )

    @property
    def streams(self) -> list[str]:
        return [sub.contract.stream(self.settings.namespace) for sub in self.spec.subscriptions]

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        await self.db.create_tables(self.spec.metadata)
        if self.spec.seed is not None:
            async with self.db.transaction() as session:
                await self.spec.seed(session)
        await ensure_groups(self.redis, self.streams, self.settings.group)
        await self.broker.start()
        background = [asyncio.create_task(self.relay.run(), name=f"{self.spec.name}-relay")]
        if self.spec.subscriptions:
            background.append(
                asyncio.create_task(self.claimer.run(), name=f"{self.spec.name}-claimer")
            )
        log.info("%s ready: consumer %s", self.spec.name, self.settings.consumer_name)
        try:
            yield
        finally:
            await self.broker.stop()
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            try:
                await self.relay.flush()
            except Exception:
                log.exception("unsent outbox rows stay for the next start to publish")
            await self.redis.aclose()
            await self.db.engine.dispose()

    async def health(self) -> JSONResponse:
        """Redis and database status of this service."""
        checks = {
            "redis": await _check(self.redis.ping()),
            "database": await _check(self.db.ping()),
        }
        healthy = all(value == "ok" for value in checks.values())
        body = {
            "service": self.spec.name,
            "status": "ok" if healthy else "degraded",
            "consumer": self.settings.consumer_name,
            "database_backend": self.db.engine.dialect.name,
            **checks,
        }
        return JSONResponse(body, status_code=200 if healthy else 503)


async def _check(probe: Awaitable[Any]) -> str:
    try:
        await asyncio.wait_for(probe, timeout=2)
    except Exception as exc:
        return f"error: {exc!r}"
    return "ok"


def _broker_logger() -> logging.Logger:
    # Logging every message costs about 30 % of throughput; keep warnings and errors.
    logger = logging.getLogger("jejak.broker")
    logger.setLevel(logging.WARNING)
    return logger


def create_app(spec: ServiceSpec, settings: Settings | None = None) -> FastAPI:
    settings = (settings or Settings()).model_copy(update={"service": spec.name})
    runtime = Runtime(spec, settings)
    app = FastAPI(
        title=f"Jejak {spec.name}", description=spec.description, lifespan=runtime.lifespan
    )
    app.state.runtime = runtime
    app.add_exception_handler(Rejected, rejected_handler)
    app.add_api_route("/health", runtime.health, methods=["GET"], tags=["operations"])
    app.include_router(spec.router)
    return app


def json_response(body: Any) -> Response:
    """Ready JSON for hot read paths: skips FastAPI's re-validation, orjson is several times
    faster than json. Routes using it declare `response_model` for the API docs."""
    return Response(orjson.dumps(body), media_type="application/json")


async def get_runtime(request: Request) -> Runtime:
    # async: a plain function dependency would cost a threadpool hop on every request.
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def transaction(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A request's unit of work: a `Rejected` raised inside rolls everything back."""
    async with runtime.db.transaction() as session:
        yield session


async def read_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.db.sessions() as session:
        yield session


# scope="function": commit before the response is sent, so a client never reads stale state.
TransactionDep = Annotated[AsyncSession, Depends(transaction, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(read_session)]
