"""One chaos run: start the rig, drive the load while faults are injected, wait until the
system settled, reconcile, report."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import redis
from rich.console import Console

from jejak.chaos.checks import Check, reconcile
from jejak.chaos.client import Api, ClientStats
from jejak.chaos.faults import KINDS, Fault, Injector, plan_faults
from jejak.chaos.load import Book, Control, run_load
from jejak.chaos.report import print_report
from jejak.chaos.rig import Rig, settle, started_rig
from shared.delivery.entries import DATA_FIELD
from shared.identity import DevCredentials


@dataclass
class ChaosConfig:
    events: int = 10_000
    faults: int = 100
    seed: int | None = None
    minutes: float = 30.0  # the load phase's limit: targets not reached by then fail the run
    database_url: str | None = None  # a PostgreSQL server; None: SQLite files
    work_dir: Path | None = None
    keep: bool = False  # keep the databases and the work directory
    claim_idle_ms: int = 1500
    terminals: int = 6
    channels: int = 6
    settle_s: float = 240.0


@dataclass
class ChaosResult:
    seed: int
    namespace: str
    work_dir: Path
    database_kind: str
    claim_idle_ms: int
    kinds: tuple[str, ...]
    book: Book
    stats: ClientStats
    faults: list[Fault] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)
    distinct: dict[str, int] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    load_s: float = 0.0
    settle_s: float = 0.0
    check_s: float = 0.0
    total_s: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


def run_chaos(config: ChaosConfig, console: Console | None = None) -> ChaosResult:
    console = console or Console()
    began = time.monotonic()
    seed = config.seed if config.seed is not None else secrets.randbelow(1_000_000)
    console.print(
        f"[bold]jejak chaos[/]: seed {seed}, at least {config.events:,} events, "
        f"{config.faults} faults, at most {config.minutes:g} min of load"
    )
    work_dir = config.work_dir or Path(tempfile.mkdtemp(prefix="jejak-chaos-"))
    run_id = uuid.uuid4().hex[:8]
    rng = random.Random(seed)
    result: ChaosResult | None = None
    try:
        with started_rig(
            work_dir,
            run_id,
            config.database_url,
            claim_idle_ms=config.claim_idle_ms,
            keep=config.keep,
            console=console,
        ) as rig:
            kinds = (
                KINDS
                if rig.databases.server_url
                else tuple(k for k in KINDS if k != "pg-terminate")
            )
            credentials = DevCredentials.load(rig.data_dir / "credentials.json")
            api = Api(rig.services.urls, credentials, random.Random(rng.random()))
            result = ChaosResult(
                seed, rig.namespace, work_dir, rig.databases.kind, config.claim_idle_ms,
                kinds, Book(), api.stats,
            )  # fmt: skip
            progress = [0.0]  # the share of the target events published; paces the faults
            injector = Injector(
                rig,
                plan_faults(config.faults, kinds, random.Random(rng.random())),
                random.Random(rng.random()),
                lambda: progress[0],
                claim_idle_ms=config.claim_idle_ms,
                log=console.print,
            )
            started = time.monotonic()
            timed_out = asyncio.run(
                _load_phase(rig, api, result.book, injector, progress, config, seed, console)
            )
            result.load_s = time.monotonic() - started
            result.faults = list(injector.faults)
            console.print(f"load done after {result.load_s:.0f} s; waiting until settled")
            settled, result.settle_s = settle(rig, config.settle_s)
            started = time.monotonic()
            result.events, result.distinct = count_events(rig)
            result.checks = [
                *_run_checks(result, config, injector, settled=settled, timed_out=timed_out),
                *asyncio.run(reconcile(rig, result.book)),
            ]
            result.check_s = time.monotonic() - started
    finally:
        if result is not None:
            result.total_s = time.monotonic() - began
            print_report(result, console)
        if result is not None and result.ok and not config.keep and config.work_dir is None:
            shutil.rmtree(work_dir, ignore_errors=True)
    assert result is not None
    return result


async def _load_phase(
    rig: Rig,
    api: Api,
    book: Book,
    injector: Injector,
    progress: list[float],
    config: ChaosConfig,
    seed: int,
    console: Console,
) -> bool:
    """Run the load and the faults until both targets are reached (or the time is up);
    returns whether the time ran out."""
    control = Control()
    started = time.monotonic()
    limit = started + config.minutes * 60
    state = {"timed_out": False}

    async def watch() -> None:
        shown = 0.0
        events = 0
        while not control.stop.is_set():
            with contextlib.suppress(Exception):  # the run's Redis may be down just now
                events = sum((await asyncio.to_thread(rig.events_added)).values())
            progress[0] = events / max(1, config.events)
            now = time.monotonic()
            if (events >= config.events and injector.done) or injector.broken:
                control.stop.set()
            elif now > limit:
                state["timed_out"] = True
                control.stop.set()
            if now - shown >= 15 or control.stop.is_set():
                shown = now
                console.print(
                    f"{now - started:6.0f} s: {events:,} events, {len(book.batches):,} batches, "
                    f"{len(book.orders):,} orders, {len(injector.faults)} faults, "
                    f"{len(book.failures)} failed flows"
                )
            await asyncio.sleep(1.0)

    injector.start()
    try:
        await asyncio.gather(
            watch(),
            run_load(
                api, book, control, seed, terminals=config.terminals, channels=config.channels
            ),
        )
    finally:
        injector.stop()
        await asyncio.to_thread(injector.join)
        await api.aclose()
    return state["timed_out"]


def _run_checks(
    result: ChaosResult,
    config: ChaosConfig,
    injector: Injector,
    *,
    settled: bool,
    timed_out: bool,
) -> list[Check]:
    published = sum(result.events.values())
    kinds_hit = {f.kind for f in result.faults}
    failed_faults = [f for f in result.faults if f.error]
    return [
        Check(
            "run: load finished within the time limit",
            f"<= {config.minutes:g} min",
            f"{result.load_s / 60:.1f} min",
            not timed_out,
        ),
        Check(
            "run: events published",
            f">= {config.events:,}",
            f"{published:,}",
            published >= config.events,
        ),
        Check(
            "run: faults injected (every kind)",
            f"{config.faults} ({len(result.kinds)} kinds)",
            f"{len(result.faults)} ({len(kinds_hit)} kinds)"
            + (f", {len(failed_faults)} failed" if failed_faults else ""),
            len(result.faults) == config.faults
            and not failed_faults
            and (config.faults < len(result.kinds) or kinds_hit == set(result.kinds)),
        ),
        Check(
            "run: load flows failed", "0", str(len(result.book.failures)), not result.book.failures
        ),
        Check(
            "run: settled (groups caught up, outboxes sent)",
            f"<= {config.settle_s:g} s",
            f"{result.settle_s:.0f} s" if settled else "not settled",
            settled,
        ),
    ]


def count_events(rig: Rig) -> tuple[dict[str, int], dict[str, int]]:
    """Entries added per stream, and the distinct events among them (by event_id: an event
    published again after a crash between XADD and marking it sent is one event)."""
    added = rig.events_added()
    distinct: dict[str, int] = {}
    client = redis.Redis.from_url(rig.admin_url)
    try:
        for stream in added:
            seen: set[str] = set()
            start = "-"
            while True:
                entries: list[tuple[bytes, dict[bytes, bytes]]] = client.xrange(  # type: ignore[assignment]
                    stream, min=start, count=2000
                )
                for entry_id, fields in entries:
                    try:
                        seen.add(str(json.loads(fields[DATA_FIELD])["event_id"]))
                    except (KeyError, ValueError, TypeError):
                        seen.add(entry_id.decode())
                if len(entries) < 2000:
                    break
                start = "(" + entries[-1][0].decode()
            distinct[stream] = len(seen)
    finally:
        client.close()
    return added, distinct
