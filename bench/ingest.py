"""Terminal ingest: how many requests per second production accepts from workshop terminals.

The whole system runs (quality and trace consume the completed batches meanwhile, as they
would in production). `clients` terminals, each a closed loop on its own kept-alive connection,
repeat: open a batch, record output three times, complete it (5 requests; completion assigns the
lot code and, for unit-tracked products, the serials). Every terminal makes another product, so
the lot sequences of several UPTs and families are in use. Requests answered 2xx within the
measured window (after a warm-up) count; anything else is an error.

For scale, the same clients then fetch a static endpoint without a database (quality's
GET /defect-codes): what uvicorn and FastAPI alone manage per process on this machine.
"""

import asyncio
import time
import uuid
from collections import defaultdict
from typing import Any

from redis.asyncio import Redis

from bench.context import Context
from bench.events import ALL_LINES
from bench.http import HttpPool
from bench.stats import summarize
from bench.streams import unsettled
from jejak.launcher import FLOW_SERVICES
from jejak.tokens import KANWIL, Tokens, Who
from shared.samples import Line

OUTPUTS_PER_BATCH = 3
PIECES_PER_OUTPUT = 4


class Meter:
    """Latencies per request kind, counted only inside the measured window."""

    def __init__(self, window_start: float, window_end: float) -> None:
        self.window_start = window_start
        self.window_end = window_end
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []

    def record(self, kind: str, started: float, ended: float, ok: bool, detail: bytes) -> None:
        if not self.window_start <= ended <= self.window_end:
            return
        if ok:
            self.latencies[kind].append((ended - started) * 1000)
        else:
            self.errors[kind] += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{kind}: {detail[:300]!r}")

    @property
    def accepted(self) -> int:
        return sum(len(v) for v in self.latencies.values())


async def terminal(pool: HttpPool, line: Line, meter: Meter, terminal_no: int, token: str) -> None:
    worker = f"WB-T{terminal_no:03d}"

    async def call(kind: str, path: str, body: Any) -> bool:
        started = time.perf_counter()
        try:
            reply = await pool.post(path, body, token)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            meter.record(kind, started, time.perf_counter(), False, repr(exc).encode())
            return False
        meter.record(kind, started, time.perf_counter(), reply.ok, reply.body)
        return reply.ok

    while time.perf_counter() < meter.window_end:
        batch_id = str(uuid.uuid4())
        body = {"batch_id": batch_id, "workshop_code": line.workshop.code, "sku": line.sku}
        if not await call("open", "/batches", body):
            await asyncio.sleep(0.01)  # don't spin on a failing service
            continue
        for _ in range(OUTPUTS_PER_BATCH):
            output = {
                "submission_id": str(uuid.uuid4()),
                "quantity": PIECES_PER_OUTPUT,
                "worker_codes": [worker, "WB-K9L1"],
            }
            await call("output", f"/batches/{batch_id}/output", output)
        await call("complete", f"/batches/{batch_id}/complete", None)


async def run(ctx: Context) -> dict[str, Any]:
    clients = ctx.config.clients
    seconds = ctx.config.ingest_s
    warmup = 1.0 if ctx.config.quick else 3.0
    async with ctx.sandbox("ingest") as sandbox:
        with ctx.services(sandbox, FLOW_SERVICES) as services:
            pool = HttpPool(services.url("production"), size=clients)
            tokens = Tokens.from_data_dir(sandbox.data_dir)
            lines = [ALL_LINES[i % len(ALL_LINES)] for i in range(clients)]
            signed_in = [tokens.of(Who.terminal(line.workshop.code)) for line in lines]
            start = time.perf_counter()
            meter = Meter(start + warmup, start + warmup + seconds)
            task = ctx.task(f"ingest: {clients} terminals", total=warmup + seconds)
            ticker = asyncio.create_task(_tick(ctx, task, start, warmup + seconds))
            usage: dict[str, Any] = {}
            try:
                with ctx.measuring("ingest", sandbox, services, usage):
                    await asyncio.gather(
                        *(terminal(pool, lines[i], meter, i, signed_in[i]) for i in range(clients))
                    )
            finally:
                ticker.cancel()
                ctx.finish(task)
                await pool.aclose()
            backlog = await _settle(ctx, sandbox.namespace)
            floor = await http_floor(
                ctx, services.url("quality"), min(seconds, 10.0), tokens.of(KANWIL)
            )
    result = {
        "clients": clients,
        "seconds": seconds,
        "warmup_s": warmup,
        "requests_per_s": round(meter.accepted / seconds, 1),
        "batches_completed_per_s": round(len(meter.latencies["complete"]) / seconds, 1),
        "accepted": meter.accepted,
        "errors": dict(meter.errors),
        "error_samples": meter.error_samples,
        "latency_ms": {kind: summarize(v) for kind, v in meter.latencies.items()},
        "consumers_caught_up_s": backlog,
        "cores_used": usage.get("cores_used"),
        "http_floor": floor,
    }
    ctx.log(
        f"ingest: [bold]{result['requests_per_s']:,.0f} requests/s[/] from {clients} terminals "
        f"({result['batches_completed_per_s']:,.0f} batches/s, errors {dict(meter.errors)})"
    )
    return result


async def http_floor(ctx: Context, url: str, seconds: float, token: str) -> dict[str, Any]:
    """The HTTP stack's own ceiling here: the same clients on an endpoint without a database
    (quality's GET /defect-codes: uvicorn, FastAPI routing, token verification and JSON)."""
    clients = ctx.config.clients
    pool = HttpPool(url, size=clients)
    latencies: list[float] = []
    end = time.perf_counter() + seconds
    task = ctx.task("ingest: HTTP floor (GET /defect-codes)", total=None)

    async def client() -> None:
        while time.perf_counter() < end:
            started = time.perf_counter()
            if (await pool.get("/defect-codes", token)).ok:
                latencies.append((time.perf_counter() - started) * 1000)

    try:
        await asyncio.gather(*(client() for _ in range(clients)))
    finally:
        ctx.finish(task)
        await pool.aclose()
    return {
        "endpoint": "quality GET /defect-codes",
        "requests_per_s": round(len(latencies) / seconds, 1),
        "latency_ms": summarize(latencies),
    }


async def _tick(ctx: Context, task: Any, start: float, total: float) -> None:
    while True:
        ctx.progress.update(task, completed=min(total, time.perf_counter() - start))
        await asyncio.sleep(0.25)


async def _settle(ctx: Context, namespace: str, timeout_s: float = 120) -> float | None:
    """Seconds until quality and trace caught up with the completions (None: not in time)."""
    redis = Redis.from_url(ctx.backend.redis_url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout_s:
            if not await unsettled(redis, namespace):
                return round(time.perf_counter() - started, 2)
            await asyncio.sleep(0.1)
        return None
    finally:
        await redis.aclose()
