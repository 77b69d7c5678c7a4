"""Trace lookups at scale: GET /trace/{code} once a million unit serials are traced.

Loading goes through the normal event path: shoe lots of `units_per_lot` serials are completed,
signed off (two units rejected), received into stock and partly sold (five buyers per lot),
as the producing services would announce them; these events are XADD-ed onto trace's input
streams and the trace service (running alone) applies them. Nothing writes trace's database
but trace itself; the benchmark only counts its rows afterwards.

Then `clients` closed-loop clients (each waits for its answer, then asks again) fetch, for
`lookup_s` seconds each (after a one-second warm-up):
  - a random unit's trace: GET /trace/<serial>;
  - a random lot's recall list: GET /trace/<lot code> (every unit with status and buyer, the
    buyers of the lot).
A single client's latencies (no queueing) are measured too, to tell service time from queueing.
"""

import asyncio
import math
import random
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from bench import dbcheck
from bench.backend import Sandbox
from bench.context import Context
from bench.events import Entry, TracedLot, entry, traced_lots
from bench.http import HttpPool, expect_ok
from bench.stats import summarize
from bench.streams import EntryId, dead_letter_count, watch_drain, xadd_all
from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL, Tokens
from shared.gs1 import unit_serial

SALES_PER_LOT = 5
UNITS_PER_SALE = 2
SINGLE_CLIENT_REQUESTS = 300


async def run(ctx: Context) -> dict[str, Any]:
    cfg = ctx.config
    lots = math.ceil(cfg.units / cfg.units_per_lot)
    async with ctx.sandbox("trace-scale") as sandbox:
        redis = Redis.from_url(ctx.backend.redis_url)
        try:
            # The public limit is checked on every anonymous lookup, but must not refuse the
            # benchmark's sixteen clients from one address.
            unlimited = {"JEJAK_PUBLIC_RATE_LIMIT": "1000000/minute"}
            with ctx.services(sandbox, ["identity", "trace"], unlimited) as services:
                traced, loading = await load(
                    ctx, redis, sandbox.namespace, sandbox.group("trace"), lots
                )
                url = sandbox.database_url("trace")
                counts = {
                    table: int(await dbcheck.scalar(url, f"SELECT count(*) FROM {table}") or 0)
                    for table in ("units", "lots", "steps")
                }
                counts["dead_letters"] = await dead_letter_count(redis, sandbox.namespace)
                pool = HttpPool(services.url("trace"), size=cfg.clients)
                try:
                    kanwil = Tokens.from_data_dir(sandbox.data_dir).of(KANWIL)
                    lookups = await measure(ctx, sandbox, services, pool, traced, kanwil)
                finally:
                    await pool.aclose()
        finally:
            await redis.aclose()
    expected_units = lots * cfg.units_per_lot
    result = {
        "traced_units": counts["units"],
        "lots": lots,
        "units_per_lot": cfg.units_per_lot,
        "buyers_per_lot": SALES_PER_LOT,
        "loading": loading,
        "database_rows": counts,
        "loaded_completely": counts["units"] == expected_units and counts["lots"] == lots,
        **lookups,
    }
    unit, lot = lookups["unit"], lookups["lot"]
    ctx.log(
        f"trace at {counts['units']:,} units: unit p50 {unit['latency_ms']['p50']} "
        f"p99 {unit['latency_ms']['p99']} ms ({unit['requests_per_s']:,.0f}/s); recall list "
        f"p50 {lot['latency_ms']['p50']} p99 {lot['latency_ms']['p99']} ms "
        f"({lot['requests_per_s']:,.0f}/s)"
    )
    return result


async def load(
    ctx: Context, redis: Redis, namespace: str, group: str, lots: int
) -> tuple[list[TracedLot], dict[str, Any]]:
    """XADD every lot's events (trace applies them meanwhile); wait until all are applied."""
    per_lot = ctx.config.units_per_lot
    traced: list[TracedLot] = []
    ids: dict[str, list[EntryId]] = {}
    buffer: list[Entry] = []
    adding = ctx.task(f"trace: XADD events of {lots * per_lot:,} units", total=lots)
    started = time.perf_counter()

    async def flush() -> None:
        written = await xadd_all(redis, namespace, buffer, pipeline_size=100)
        for stream, stream_ids in written.items():
            ids.setdefault(stream, []).extend(stream_ids)
        buffer.clear()

    for lot, events in traced_lots(
        lots, per_lot, sales_per_lot=SALES_PER_LOT, units_per_sale=UNITS_PER_SALE
    ):
        traced.append(lot)
        buffer.extend(entry(event) for event in events)
        ctx.progress.advance(adding)
        if len(buffer) >= 200:
            await flush()
    if buffer:
        await flush()
    ctx.finish(adding)
    added = time.perf_counter()
    total = sum(len(v) for v in ids.values())
    applying = ctx.task("trace: events applied", total=total)
    times = await watch_drain(
        redis,
        group,
        ids,
        on_progress=lambda k: ctx.progress.update(applying, completed=k),
        is_alive=lambda: True,
        timeout_s=120 + lots * per_lot / 1000,
        poll_s=0.1,
    )
    ctx.finish(applying)
    seconds = times.settled - started
    return traced, {
        "events": total,
        "xadd_s": round(added - started, 2),
        "until_applied_s": round(seconds, 2),
        "units_per_s": round(lots * per_lot / seconds, 1),
        "events_per_s": round(total / seconds, 1),
    }


async def measure(
    ctx: Context,
    sandbox: Sandbox,
    services: ServiceSet,
    pool: HttpPool,
    traced: list[TracedLot],
    kanwil: str,
) -> dict[str, Any]:
    """Units as a buyer's scan looks them up (no token); lots as the Kanwil reads their
    recall lists (only an administrator sees the buyers)."""
    rng = random.Random(7)

    def unit_path() -> str:
        lot = rng.choice(traced)
        return f"/trace/{unit_serial(lot.lot_code, rng.randint(1, lot.units))}"

    def lot_path() -> str:
        return f"/trace/{rng.choice(traced).lot_code}"

    await check_answers(pool, traced[0], kanwil)
    results: dict[str, Any] = {"clients": ctx.config.clients, "seconds": ctx.config.lookup_s}
    for kind, path, token in (("unit", unit_path, None), ("lot", lot_path, kanwil)):
        single = await single_client(pool, path, token)
        usage: dict[str, Any] = {}
        with ctx.measuring(f"trace-{kind}", sandbox, services, usage):
            loaded = await closed_loop(ctx, pool, path, kind, token)
        results[kind] = {**loaded, "single_client_latency_ms": single, **usage}
    return results


async def check_answers(pool: HttpPool, lot: TracedLot, kanwil: str) -> None:
    """The lookups measured must be real answers: a sold unit, a lot with units and buyers."""
    unit = expect_ok(await pool.get(f"/trace/{lot.sold[0]}"), "unit trace")
    if unit["kind"] != "unit" or unit["status"] != "sold":
        raise RuntimeError(f"unexpected unit trace: {str(unit)[:500]}")
    recall = expect_ok(await pool.get(f"/trace/{lot.lot_code}", kanwil), "recall list")
    if len(recall["units"]) != lot.units or len(recall["buyers"]) != SALES_PER_LOT:
        raise RuntimeError(
            f"recall list of {lot.lot_code}: {len(recall['units'])} units, "
            f"{len(recall['buyers'])} buyers"
        )


async def single_client(
    pool: HttpPool, path: Callable[[], str], token: str | None
) -> dict[str, Any]:
    latencies = []
    for _ in range(SINGLE_CLIENT_REQUESTS):
        started = time.perf_counter()
        reply = await pool.get(path(), token)
        latencies.append((time.perf_counter() - started) * 1000)
        expect_ok(reply, "trace lookup")
    return summarize(latencies)


async def closed_loop(
    ctx: Context, pool: HttpPool, path: Callable[[], str], kind: str, token: str | None
) -> dict[str, Any]:
    clients, seconds = ctx.config.clients, ctx.config.lookup_s
    latencies: list[float] = []
    errors = 0
    task = ctx.task(f"trace: {kind} lookups, {clients} clients", total=1 + seconds)
    begin = time.perf_counter()
    window_start, window_end = begin + 1.0, begin + 1.0 + seconds

    async def client() -> None:
        nonlocal errors
        while time.perf_counter() < window_end:
            started = time.perf_counter()
            try:
                ok = (await pool.get(path(), token)).ok
            except (OSError, asyncio.IncompleteReadError, TimeoutError):
                ok = False
            ended = time.perf_counter()
            if started >= window_start:
                latencies.append((ended - started) * 1000)
                errors += not ok
            ctx.progress.update(task, completed=min(1 + seconds, ended - begin))

    await asyncio.gather(*(client() for _ in range(clients)))
    ctx.finish(task)
    return {
        "latency_ms": summarize(latencies),
        "requests_per_s": round(len(latencies) / seconds, 1),
        "errors": errors,
    }
