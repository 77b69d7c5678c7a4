"""Drain rate: a consuming service started on a backlog of its input events.

Method, per service and run: start it once (tables, and its consumer groups created at id 0),
stop it (SIGTERM), XADD the backlog onto its input stream(s), start it again. The clock starts when
XINFO GROUPS first shows the group has read entries (polled every 2 ms, so process start-up and
imports are not counted) and stops when every stream's group has delivered the last entry and
has nothing pending, i.e. every event is applied and acknowledged. Afterwards the service's own
database is read to check that each event took effect exactly once. The drain is repeated
(`--repeat`, fresh namespace and databases each time) and the median run reported, because
other work on a shared 2-core machine makes single runs vary.
"""

import asyncio
import time
from typing import Any

from redis.asyncio import Redis

from bench import dbcheck
from bench.backend import Sandbox
from bench.context import CONSUMERS, Context
from bench.events import Backlog
from bench.http import HttpPool
from bench.streams import dead_letter_count, watch_drain, xadd_all


async def run(ctx: Context) -> dict[str, Any]:
    """Each service drained `repeat` times from scratch; the run with the median rate counts."""
    results: dict[str, Any] = {"repeat": ctx.config.repeat}
    for service in CONSUMERS:
        runs = [await drain(ctx, service, i) for i in range(ctx.config.repeat)]
        runs.sort(key=lambda r: r["events_per_s"])
        median = dict(runs[len(runs) // 2])
        median["runs_events_per_s"] = [r["events_per_s"] for r in runs]
        median["exactly_once"] = all(r["exactly_once"] for r in runs)
        results[service] = median
        ctx.log(
            f"drain {service}: {median['events']:,} events, median of {len(runs)} runs "
            f"[bold]{median['events_per_s']:,.0f}/s[/] (runs: {median['runs_events_per_s']}; "
            f"exactly once: {median['exactly_once']})"
        )
    return results


async def drain(ctx: Context, service: str, attempt: int) -> dict[str, Any]:
    backlog = ctx.backlog(service)
    n = len(backlog.entries)
    async with ctx.sandbox(f"drain-{service}-{attempt}") as sandbox:
        redis = Redis.from_url(ctx.backend.redis_url)
        try:
            with ctx.services(sandbox, [service]) as services:
                services.stop(service)  # its groups now exist at id 0
                adding = ctx.task(f"drain {service}: XADD backlog", total=n)
                ids = await xadd_all(
                    redis,
                    sandbox.namespace,
                    backlog.entries,
                    on_added=lambda k: ctx.progress.advance(adding, k),
                )
                ctx.finish(adding)
                applying = ctx.task(f"drain {service}: applied and acked", total=n)
                spawned = time.perf_counter()
                services.start(service, wait=False)
                healthy = asyncio.create_task(_healthy_at(services.url(service)))
                usage: dict[str, Any] = {}
                with ctx.measuring(f"drain-{service}", sandbox, services, usage):
                    times = await watch_drain(
                        redis,
                        sandbox.group(service),
                        ids,
                        on_progress=lambda k: ctx.progress.update(applying, completed=k),
                        is_alive=lambda: services.running(service),
                        timeout_s=max(120.0, n / 100),
                    )
                ctx.finish(applying)
                healthy_at = await asyncio.wait_for(healthy, timeout=60)
                relayed_at = await _outbox_relayed(sandbox, service)
                checks = await verify(sandbox, service, backlog)
                checks["dead_letters"] = await dead_letter_count(redis, sandbox.namespace)
        finally:
            await redis.aclose()
    seconds = times.settled - times.first_read
    exactly_once = all(c["ok"] for c in checks.values() if isinstance(c, dict)) and (
        checks["dead_letters"] == 0
    )
    result: dict[str, Any] = {
        "events": n,
        "streams": sorted(backlog.streams),
        "payload_bytes_mean": round(backlog.payload_bytes / n, 1),
        "events_per_s": round(n / seconds, 1),
        "drain_s": round(seconds, 3),
        "start_to_first_read_s": round(times.first_read - spawned, 3),
        "start_to_healthy_s": round(healthy_at - spawned, 3),
        "events_per_s_including_startup": round(n / (times.settled - spawned), 1),
        "exactly_once": exactly_once,
        "checks": checks,
        "cores_used_from_start_to_drained": usage.get("cores_used"),
    }
    if relayed_at is not None:
        result["outbox_relayed_s"] = round(relayed_at - times.first_read, 3)
        result["events_per_s_including_outbox_relay"] = round(
            n / (max(relayed_at, times.settled) - times.first_read), 1
        )
    return result


async def _healthy_at(url: str) -> float:
    pool = HttpPool(url, size=1, timeout_s=2)
    try:
        while True:
            try:
                if (await pool.get("/health")).ok:
                    return time.perf_counter()
            except OSError:
                pass
            await asyncio.sleep(0.05)
    finally:
        await pool.aclose()


async def _outbox_relayed(sandbox: Sandbox, service: str) -> float | None:
    """When the events the service emitted were all published (inventory emits per event)."""
    if service != "inventory":
        return None
    url = sandbox.database_url(service)
    sql = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not await dbcheck.scalar(url, sql):
            break
        await asyncio.sleep(0.05)
    return time.perf_counter()


def _check(expected: int, actual: Any) -> dict[str, Any]:
    return {"expected": expected, "actual": actual, "ok": expected == actual}


async def verify(sandbox: Sandbox, service: str, backlog: Backlog) -> dict[str, Any]:
    """Each event applied once: the inbox has each id once and the effects add up."""
    url = sandbox.database_url(service)
    n = len(backlog.entries)
    expect = backlog.expect
    checks: dict[str, Any] = {
        "inbox": _check(n, await dbcheck.inbox_count(url, sandbox.group(service)))
    }

    async def count(table: str) -> int:
        return int(await dbcheck.scalar(url, f"SELECT count(*) FROM {table}") or 0)

    if service == "quality":
        checks["inspections"] = _check(expect["inspections"], await count("inspections"))
    elif service == "inventory":
        checks["lots"] = _check(expect["lots"], await count("stock_lots"))
        checks["ledger"] = _check(expect["ledger"], await count("stock_ledger"))
        checks["stock_changed_emitted"] = _check(expect["outbox"], await count("outbox"))
        versions = await dbcheck.scalar(url, "SELECT sum(version) FROM stock_levels")
        checks["level_versions"] = _check(expect["versions"], int(versions or 0))
    elif service == "sales":
        rows = await dbcheck.query(
            url, "SELECT sku, location_code, version, available FROM catalogue"
        )
        seen = {f"{sku}|{loc}": (version, available) for sku, loc, version, available in rows}
        wrong = sum(1 for key, newest in backlog.newest.items() if seen.get(key) != newest)
        checks["catalogue_rows"] = _check(expect["catalogue_rows"], len(seen))
        checks["catalogue_newest_version_wins"] = _check(0, wrong)
    elif service == "trace":
        checks["lots"] = _check(expect["lots"], await count("lots"))
        checks["units"] = _check(expect["units"], await count("units"))
        checks["steps"] = _check(expect["steps"], await count("steps"))
    return checks
