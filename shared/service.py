"""A Jejak service: FastAPI for HTTP, Redis streams in and out, its own database.

Every service is built by `create_app` from a `ServiceSpec`, so the lifecycle (tables, seed,
consumer groups, reader, claimer, outbox relay, periodic jobs, health, AsyncAPI) exists once.
"""

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from redis.asyncio import Redis
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from shared.asyncapi import asyncapi_document
from shared.auth import Unauthorized, Verifier, allow, unauthorized_handler
from shared.body_limit import BodyLimit
from shared.correlation import CorrelationMiddleware
from shared.db import Database, DeliveryTables
from shared.delivery.claimer import Claimer
from shared.delivery.consumer import Consumer
from shared.delivery.dead_letters import DeadLetters
from shared.delivery.outbox import Relay
from shared.delivery.reader import Reader, ensure_groups
from shared.delivery.retention import Retention
from shared.delivery.subscriptions import EventRouter
from shared.http import install as install_problems
from shared.http import problem_response, problem_responses
from shared.logs import configure_server as configure_logging
from shared.metrics import CONTENT_TYPE, RequestObserver, ScrapeState, render
from shared.migrations import require_current
from shared.ops import Operations
from shared.ops import router as operations_router
from shared.ratelimit import PublicRateLimit
from shared.settings import Settings
from shared.uow import UnitOfWork, UnitsOfWork

log = logging.getLogger("jejak")


@dataclass(frozen=True)
class Job:
    """Work a service does on a clock rather than on an event or a request (expiring sales'
    reservations). Every replica runs it: `run` must be safe side by side with itself (row
    locks that skip locked rows), and each of its units of work commits its events as any
    other does. `run` answers how many things it did, for the log."""

    name: str
    interval_s: Callable[[Settings], float]  # read from the settings, so tests can shorten it
    run: Callable[[UnitsOfWork, Settings], Awaitable[int]]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    metadata: MetaData
    tables: DeliveryTables
    router: APIRouter
    events: EventRouter = field(default_factory=EventRouter)
    # Seed data in a unit of work, so seeded master data is announced like any change to it.
    seed: Callable[[UnitOfWork], Awaitable[None]] | None = None
    description: str = ""
    jobs: Sequence[Job] = ()


class Runtime:
    """What a running service holds: settings, database, Redis, relay, reader and claimer."""

    def __init__(self, spec: ServiceSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.db = Database(settings.service_database_url())
        self.redis: Redis = Redis.from_url(settings.redis_url)
        self.dead_letters = DeadLetters(self.redis, settings.namespace, settings.service)
        self.relay = Relay(
            self.db,
            spec.tables,
            self.redis,
            namespace=settings.namespace,
            interval_s=settings.relay_interval_ms / 1000,
            sweep_grace=timedelta(milliseconds=settings.sweep_grace_ms),
        )
        self.units = UnitsOfWork(self.db, self.relay)
        self.consumer = Consumer(
            self.units,
            spec.tables.inbox,
            self.dead_letters,
            group=settings.group,
            max_deliveries=settings.max_deliveries,
        )
        self.reader = Reader(
            self.redis,
            self.consumer,
            list(spec.events),
            namespace=settings.namespace,
            name=settings.consumer_name,
            batch_size=settings.batch_size,
            block_ms=settings.poll_ms,
        )
        self.claimer = Claimer(
            self.redis,
            self.consumer,
            list(spec.events),
            namespace=settings.namespace,
            name=f"{settings.consumer_name}-claimer",
            min_idle_ms=settings.claim_idle_ms,
        )
        self.operations = Operations(
            self.redis,
            settings.namespace,
            settings.service,
            self.consumer,
            self.reader.by_stream,
            timedelta(seconds=settings.inbox_retention_s),
        )
        self.scrape = ScrapeState(
            self.redis, self.reader.streams, settings.group, self.db, spec.tables.outbox
        )
        # Every service trims what it produces and prunes its inbox and outbox: a job of its own.
        self.retention = Retention(self.redis, self.db, spec.tables, consumes=self.reader.streams)
        self.jobs = (*spec.jobs, Job("retention", Retention.interval_s, self.retention.run))
        self.background: list[asyncio.Task[Any]] = []  # started by the lifespan

    async def prepare(self) -> None:
        """The schema's revision, seed data and consumer groups: everything before the first
        read. A database behind this release's migrations (`jejak migrate` brings it up) stops
        the start with SchemaNotCurrent, naming the service, the database and the revisions."""
        await require_current(self.spec.name, self.db.url)
        if self.spec.seed is not None:
            async with self.units.begin() as uow:
                await self.spec.seed(uow)
        await ensure_groups(self.redis, self.reader.streams, self.settings.group)

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        await self.prepare()
        background = [asyncio.create_task(self.relay.run(), name=f"{self.spec.name}-relay")]
        background += [
            asyncio.create_task(self.repeat(job), name=f"{self.spec.name}-{job.name}")
            for job in self.jobs
        ]
        if self.spec.events:
            self.reader.start()
            background.append(
                asyncio.create_task(self.claimer.run(), name=f"{self.spec.name}-claimer")
            )
        self.background = background  # what /health/ready checks runs
        log.info("%s ready: consumer %s", self.spec.name, self.settings.consumer_name)
        try:
            yield
        finally:
            await self.reader.stop()
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            try:
                await self.relay.flush()
            except Exception:
                log.exception("unsent outbox rows stay for the next start to publish")
            await self.redis.aclose()
            await self.db.engine.dispose()

    async def repeat(self, job: Job) -> None:
        """Run a job now (what fell due while the service was down), then every interval,
        until the service stops (the task is cancelled)."""
        interval_s = job.interval_s(self.settings)
        task = asyncio.current_task()
        while True:
            await self.run_job(job)
            # A library awaited inside the run may swallow the CancelledError of a shutdown
            # (seen with the retention job's Redis and database calls): the request is still
            # counted on the task, and sleeping on would hold the shutdown for an interval.
            if task is not None and task.cancelling():
                raise asyncio.CancelledError
            await asyncio.sleep(interval_s)

    async def run_job(self, job: Job) -> int | None:
        """One run of a job. A failing run is logged and tried again at the next interval: a
        database or Redis outage must not stop the service's clock for good. None: it failed."""
        try:
            done = await job.run(self.units, self.settings)
        except Exception:
            log.exception("%s: job %s failed; it runs again later", self.spec.name, job.name)
            return None
        if done:
            log.info("%s: job %s did %d", self.spec.name, job.name, done)
        return done

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

    async def live(self) -> dict[str, str]:
        """Liveness: the process answers (nothing else is checked)."""
        return {"service": self.spec.name, "status": "ok"}

    async def ready(self, request: Request) -> Response:
        """Readiness: 200 when the database and Redis answer and the relay (and the readers
        and claimer of a service with subscribers) run; else 503 naming what failed."""
        checks = {
            "database": await _check(self.db.ping()),
            "redis": await _check(self.redis.ping()),
        }
        tasks = {
            task.get_name().removeprefix(f"{self.spec.name}-"): task for task in self.background
        }
        checks["relay"] = _running(tasks.get("relay"))
        if self.spec.events:
            readers = list(self.reader._tasks.values())  # one per stream it follows
            checks["reader"] = _running(*readers) if readers else "not started"
            checks["claimer"] = _running(tasks.get("claimer"))
        failed = [name for name, value in checks.items() if value != "ok"]
        if failed:
            detail = f"not ready: {', '.join(failed)}"
            return problem_response(request, 503, detail, service=self.spec.name, checks=checks)
        return JSONResponse({"service": self.spec.name, "status": "ready", **checks})

    async def metrics(self) -> Response:
        """Prometheus metrics of this process (text format): HTTP, consumer groups (lag,
        pending, applied, redeliveries, dead letters), outbox backlog and publish latency."""
        await self.scrape.refresh()
        return Response(render(), media_type=CONTENT_TYPE)

    async def asyncapi(self) -> Response:
        """AsyncAPI 3 document of the streams this service publishes and consumes."""
        return json_response(self._asyncapi)

    @functools.cached_property
    def _asyncapi(self) -> dict[str, Any]:
        return asyncapi_document([self.spec], namespace=self.settings.namespace)


def _running(*tasks: "asyncio.Task[Any] | None") -> str:
    """ok while every task runs; else whether one never started, stopped or failed."""
    for task in tasks:
        if task is None:
            return "not started"
        if task.done():
            failure = None if task.cancelled() else task.exception()
            return f"stopped: {failure!r}" if failure else "stopped"
    return "ok"


NOT_READY: dict[int | str, dict[str, Any]] = {503: problem_responses(503)["503"]}


async def _check(probe: Awaitable[Any]) -> str:
    try:
        await asyncio.wait_for(probe, timeout=2)
    except Exception as exc:
        return f"error: {exc!r}"
    return "ok"


def create_app(spec: ServiceSpec, settings: Settings | None = None) -> FastAPI:
    settings = (settings or Settings()).model_copy(update={"service": spec.name})
    configure_logging(spec.name, settings.log_format)  # under uvicorn only, not in tests
    runtime = Runtime(spec, settings)
    app = FastAPI(
        title=f"Jejak {spec.name}",
        description=spec.description,
        lifespan=runtime.lifespan,
    )
    app.state.runtime = runtime
    app.state.verifier = Verifier(settings.oidc_issuer, settings.oidc_audience)
    app.state.public_rate_limit = PublicRateLimit(
        settings.public_rate_limit, settings.trusted_proxy_networks
    )
    app.add_middleware(RequestObserver)  # inside the correlation middleware: knows the flow
    app.add_middleware(CorrelationMiddleware)
    # Outermost: a body too large is refused before anything else reads or logs it.
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes)
    install_problems(app)  # every error an RFC 9457 problem (shared/http.py)
    app.add_exception_handler(Unauthorized, unauthorized_handler)
    operations: dict[str, Any] = {"methods": ["GET"], "tags": ["operations"], **allow("public")}
    app.add_api_route("/health", runtime.health, **operations)
    app.add_api_route("/health/live", runtime.live, **operations)
    app.add_api_route("/health/ready", runtime.ready, responses=NOT_READY, **operations)
    app.add_api_route("/asyncapi", runtime.asyncapi, **operations)
    app.add_api_route(
        "/metrics",
        runtime.metrics,
        response_class=PlainTextResponse,  # documented as the Prometheus text it is
        responses={200: {"content": {CONTENT_TYPE: {"schema": {"type": "string"}}}}},
        **operations,
    )
    if spec.events:  # its consumer groups and dead letters, for the Kanwil (shared/ops.py)
        app.state.operations = runtime.operations
        app.include_router(operations_router)
    app.include_router(spec.router)
    return app


def json_response(body: Any, media_type: str = "application/json") -> Response:
    """Ready JSON for hot read paths: skips FastAPI's re-validation, orjson is several times
    faster than json. Routes using it declare `response_model` for the API docs."""
    return Response(orjson.dumps(body), media_type=media_type)


async def get_runtime(request: Request) -> Runtime:
    # async: a plain function dependency would cost a threadpool hop on every request.
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def unit_of_work(runtime: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    """A request's unit of work: a `Rejected` raised inside rolls everything back."""
    async with runtime.units.begin() as uow:
        yield uow


async def read_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.db.sessions() as session:
        yield session


# scope="function": commit before the response is sent, so a client never reads stale state.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(read_session)]
