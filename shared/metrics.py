"""Prometheus metrics of a service process, served at GET /metrics (one registry per process:
prometheus_client's default, with its process_* and python_* metrics).

Counted as things happen: HTTP requests (by method, route template and status), entries a
consumer group applied, redeliveries by the claimer, dead letters (by reason), claimer runs,
and the publish latency of each event (its `recorded_at` to XADD done). Read at scrape time,
with a time limit (`ScrapeState.refresh`): per consumer group its lag (XINFO GROUPS) and
pending entries, and the service's outbox backlog (rows not yet marked sent).

Also here: `RequestObserver`, the ASGI middleware writing the access log line of each request.
"""

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from redis.asyncio import Redis
from redis.exceptions import NoPermissionError, ResponseError
from sqlalchemy import Table, func, select

from shared.correlation import Message, Receive, Scope, Send, request_flow
from shared.db import Database
from shared.logs import ALREADY_LOGGED, bound

log = logging.getLogger("jejak.metrics")
access_log = logging.getLogger("jejak.access")

CONTENT_TYPE = CONTENT_TYPE_LATEST
STREAM_GROUP = ("stream", "group")
UNMATCHED = "<unmatched>"  # a path no route matched: one label value, not one per path

# No *_created series: a counter's start is the process's (process_start_time_seconds).
disable_created_metrics()  # type: ignore[no-untyped-call]

HTTP_DURATION = Histogram(
    "jejak_http_request_duration_seconds",
    "HTTP requests by method, route template and status.",
    ("method", "route", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CONSUMER_LAG = Gauge(
    "jejak_consumer_lag",
    "Entries of the stream not yet delivered to the group (XINFO GROUPS lag), at scrape time.",
    STREAM_GROUP,
)
CONSUMER_PENDING = Gauge(
    "jejak_consumer_pending",
    "Entries delivered to the group and not yet acknowledged (XPENDING), at scrape time.",
    STREAM_GROUP,
)
EVENTS_APPLIED = Counter(
    "jejak_entries_applied",
    "Stream entries the group applied and committed (duplicates the inbox dropped included).",
    STREAM_GROUP,
)
REDELIVERIES = Counter(
    "jejak_redeliveries",
    "Pending entries the claimer took over and delivered again.",
    STREAM_GROUP,
)
DEAD_LETTERED = Counter(
    "jejak_dead_lettered",
    "Entries set aside on the dead-letter stream, by reason.",
    (*STREAM_GROUP, "reason"),
)
CLAIMER_RUNS = Counter("jejak_claimer_runs", "Passes of the claimer over the pending entries.")
OUTBOX_BACKLOG = Gauge(
    "jejak_outbox_backlog", "Outbox rows not yet marked sent (published or not), at scrape time."
)
PUBLISH_LATENCY = Histogram(
    "jejak_publish_latency_seconds",
    "From an event's recorded_at to its XADD done, by stream.",
    ("stream",),
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
SCRAPE_ERRORS = Counter(
    "jejak_metrics_scrape_errors",
    "Scrape-time reads that failed or timed out (their gauges are left out), by source.",
    ("source",),
)


def render() -> bytes:
    return generate_latest(REGISTRY)


# --------------------------------------------------------------------------- delivery


def applied(stream: str, group: str, count: int) -> None:
    EVENTS_APPLIED.labels(stream, group).inc(count)


def redelivered(stream: str, group: str) -> None:
    REDELIVERIES.labels(stream, group).inc()


def dead_lettered(stream: str, group: str, reason: str) -> None:
    DEAD_LETTERED.labels(stream, group, reason).inc()


def claimer_ran() -> None:
    CLAIMER_RUNS.inc()


_HEAD = re.compile(r'"(event_id|recorded_at)":"([^"]+)"')


def published(namespace: str, entries: Iterable[tuple[str, str]]) -> None:
    """Events just XADDed (stream without namespace, JSON payload): their publish latency,
    and a debug line each with its stream and event id."""
    now = datetime.now(UTC)
    debug = log.isEnabledFor(logging.DEBUG)
    for stream, payload in entries:
        head = dict(_HEAD.findall(payload[:600]))  # the envelope comes first
        name = f"{namespace}.{stream}"
        try:
            recorded_at = datetime.fromisoformat(head["recorded_at"])
        except (KeyError, ValueError):
            continue
        PUBLISH_LATENCY.labels(name).observe(max((now - recorded_at).total_seconds(), 0.0))
        if debug:
            logging.getLogger("jejak.relay").debug(
                "published", extra={"stream": name, "event_id": head.get("event_id")}
            )


# --------------------------------------------------------------------------- scrape time


class ScrapeState:
    """The gauges that need Redis and the database, read when /metrics is asked for."""

    def __init__(
        self,
        redis: Redis,
        streams: Sequence[str],
        group: str,
        db: Database,
        outbox: Table,
        *,
        timeout_s: float = 2.0,
    ) -> None:
        self.redis = redis
        self.streams = list(streams)
        self.group = group
        self.db = db
        self.outbox = outbox
        self.timeout_s = timeout_s
        self._xinfo_denied = False

    async def refresh(self) -> None:
        """Read every gauge at once, none for longer than the time limit; one that fails is
        left out of this scrape (never a stale value) and counted."""
        await asyncio.gather(
            self._bounded("redis", self._groups, self._forget_groups),
            self._bounded("database", self._backlog, self._forget_backlog),
        )

    async def _bounded(
        self, source: str, read: Callable[[], Awaitable[None]], forget: Callable[[], None]
    ) -> None:
        try:
            await asyncio.wait_for(read(), self.timeout_s)
        except Exception as exc:
            SCRAPE_ERRORS.labels(source).inc()
            log.warning("metrics: reading %s failed: %r", source, exc)
            forget()

    async def _groups(self) -> None:
        for stream in self.streams:
            lag, pending = await self._group_state(stream)
            CONSUMER_PENDING.labels(stream, self.group).set(pending)
            if lag is None:
                _remove(CONSUMER_LAG, stream, self.group)
            else:
                CONSUMER_LAG.labels(stream, self.group).set(lag)

    async def _group_state(self, stream: str) -> tuple[int | None, int]:
        """(lag, pending); lag None when Redis cannot say (6.2, or XINFO not allowed)."""
        if not self._xinfo_denied:
            try:
                groups: Any = await self.redis.xinfo_groups(stream)
            except NoPermissionError:
                self._xinfo_denied = True
                log.warning("metrics: this Redis user may not XINFO GROUPS; no lag gauges")
            except ResponseError as exc:
                if "no such key" not in str(exc).lower():
                    raise
                return 0, 0
            else:
                for row in groups:
                    name = row["name"]
                    if (name.decode() if isinstance(name, bytes) else name) == self.group:
                        lag = row.get("lag")
                        return (None if lag is None else int(lag)), int(row["pending"])
                return None, 0
        summary: Any = await self.redis.xpending(stream, self.group)
        return None, int(summary["pending"])

    def _forget_groups(self) -> None:
        for stream in self.streams:
            _remove(CONSUMER_PENDING, stream, self.group)
            _remove(CONSUMER_LAG, stream, self.group)

    async def _backlog(self) -> None:
        query = select(func.count()).select_from(self.outbox).where(self.outbox.c.sent_at.is_(None))
        async with self.db.sessions() as session:
            OUTBOX_BACKLOG.set(int(await session.scalar(query) or 0))

    def _forget_backlog(self) -> None:
        OUTBOX_BACKLOG.set(float("nan"))


def _remove(gauge: Gauge, *labels: str) -> None:
    with contextlib.suppress(KeyError):
        gauge.remove(*labels)


# --------------------------------------------------------------------------- HTTP

ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
QUIET_ROUTES = frozenset({"/health", "/metrics"})  # polled all day: debug lines when fine


class RequestObserver:
    """Plain ASGI: times every request into the histogram and writes its access line
    (method, route template, status, duration_ms, correlation_id). Sits inside the
    CorrelationMiddleware, so the flow the request ended in is known. An exception leaves as
    one error line with its traceback (and a 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        except Exception as exc:
            status = 500
            self._observe(scope, status, start, exc)
            raise
        self._observe(scope, status, start, None)

    @staticmethod
    def _observe(scope: Scope, status: int, start: float, exc: Exception | None) -> None:
        elapsed = time.perf_counter() - start
        method: str = scope["method"]
        route = getattr(scope.get("route"), "path", None) or UNMATCHED
        HTTP_DURATION.labels(method, route, str(status)).observe(elapsed)
        flow = request_flow()
        fields = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
        }
        with bound(correlation_id=flow.correlation_id if flow else None):
            if exc is not None:
                access_log.error("%s %s %d", method, route, status, extra=fields, exc_info=exc)
                with contextlib.suppress(AttributeError):
                    setattr(exc, ALREADY_LOGGED, True)
            else:
                level = logging.DEBUG if route in QUIET_ROUTES and status < 400 else logging.INFO
                access_log.log(level, "%s %s %d", method, route, status, extra=fields)
