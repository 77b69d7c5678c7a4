"""Faults injected at random (from the run's seed) while the load runs, one at a time.

- kill: `kill -9` of a service, restarted after a moment (every service in turn: a seeded
  shuffle of the six, over and over);
- pause: SIGSTOP of a service for longer than the claim idle time, then SIGCONT (its pending
  entries go idle past the claimer's limit; its HTTP clients wait);
- redis-kill: SIGKILL of the run's own Redis server, restarted on the same port and directory
  (its append-only file, fsynced on every write, brings back everything acknowledged);
- pg-terminate: pg_terminate_backend of every connection to the run's databases (PostgreSQL
  only; the services' pools find their connections dead).

Faults are paced by the load's progress (the share of the target events published), so they
spread over the whole run.
"""

from __future__ import annotations

import asyncio
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from jejak.chaos.rig import Rig
from jejak.launcher import FLOW_SERVICES, LaunchError

KINDS = ("kill", "pause", "redis-kill", "pg-terminate")
WEIGHTS = {"kill": 0.40, "pause": 0.30, "redis-kill": 0.12, "pg-terminate": 0.18}


def plan_faults(count: int, kinds: tuple[str, ...], rng: random.Random) -> list[str]:
    """`count` fault kinds in a seeded random order: in proportion to their weights (largest
    remainders), every kind at least once when there are enough faults."""
    weight = sum(WEIGHTS[k] for k in kinds)
    exact = {k: count * WEIGHTS[k] / weight for k in kinds}
    counts = {k: int(v) for k, v in exact.items()}
    if count >= len(kinds):
        counts = {k: max(1, n) for k, n in counts.items()}
    by_remainder = sorted(kinds, key=lambda k: exact[k] - int(exact[k]), reverse=True)
    while sum(counts.values()) < count:
        for kind in by_remainder:
            if sum(counts.values()) < count:
                counts[kind] += 1
    while sum(counts.values()) > count:
        counts[max(counts, key=lambda k: counts[k])] -= 1
    planned = [kind for kind in kinds for _ in range(counts[kind])]
    rng.shuffle(planned)
    return planned


def _in_turn(rng: random.Random) -> Iterator[str]:
    """Every service once in a shuffled order, then again in another."""
    while True:
        order = list(FLOW_SERVICES)
        rng.shuffle(order)
        yield from order


@dataclass
class Fault:
    n: int
    kind: str
    target: str
    at_s: float  # since the load started
    took_s: float
    detail: str
    error: str | None = None


class Injector(threading.Thread):
    """Injects the planned faults, paced by `progress()` (0..1, the load's share done)."""

    def __init__(
        self,
        rig: Rig,
        planned: list[str],
        rng: random.Random,
        progress: Callable[[], float],
        *,
        claim_idle_ms: int,
        log: Callable[[str], None],
    ) -> None:
        super().__init__(name="chaos-faults", daemon=True)
        self.rig = rig
        self.planned = planned
        self.rng = rng
        self.progress = progress
        self.claim_idle_s = claim_idle_ms / 1000
        self.log = log
        self.faults: list[Fault] = []
        self.broken: str | None = None  # a fault the system did not come back from
        self._halt = threading.Event()
        self._began = time.monotonic()
        self._kills = _in_turn(random.Random(rng.random()))
        self._pauses = _in_turn(random.Random(rng.random()))

    def stop(self) -> None:
        self._halt.set()

    @property
    def done(self) -> bool:
        return not self.is_alive()

    def run(self) -> None:
        self._began = time.monotonic()
        total = len(self.planned)
        for n, kind in enumerate(self.planned, start=1):
            self._halt.wait(self.rng.uniform(0.3, 1.2))
            while not self._halt.is_set() and self.progress() < (n - 1) / total:
                self._halt.wait(0.2)
            if self._halt.is_set():
                return
            at = time.monotonic()
            try:
                target, detail = self._inject(kind)
                error = None
            except Exception as exc:
                target, detail, error = "?", "", repr(exc)
            fault = Fault(n, kind, target, at - self._began, time.monotonic() - at, detail, error)
            self.faults.append(fault)
            self.log(
                f"fault {n}/{total} at {fault.at_s:6.1f} s: {kind} {target} {detail}"
                + (f" FAILED: {error}" if error else "")
            )
            if error:
                self.broken = f"fault {n} ({kind} {target}): {error}"
                return

    def _inject(self, kind: str) -> tuple[str, str]:
        if kind == "kill":
            return self._kill(next(self._kills))
        if kind == "pause":
            return self._pause(next(self._pauses))
        if kind == "redis-kill":
            return self._kill_redis()
        if kind == "pg-terminate":
            gone = asyncio.run(self.rig.databases.terminate_connections())
            return self.rig.databases.base + "_*", f"{gone} connections terminated"
        raise ValueError(f"unknown fault kind {kind!r}")

    def _kill(self, name: str) -> tuple[str, str]:
        services = self.rig.services
        services.kill(name)
        down = self.rng.uniform(0.2, 1.5)
        time.sleep(down)
        started = time.monotonic()
        try:
            services.start(name)
        except LaunchError:
            services.kill(name)  # one more try: a slow start under load is not yet a finding
            services.start(name)
        return name, f"down {down:.1f} s, healthy again after {time.monotonic() - started:.1f} s"

    def _pause(self, name: str) -> tuple[str, str]:
        services = self.rig.services
        frozen = self.rng.uniform(1.5, 3.0) * self.claim_idle_s
        services.send_signal(name, signal.SIGSTOP)
        try:
            time.sleep(frozen)
        finally:
            services.send_signal(name, signal.SIGCONT)
        return name, f"frozen {frozen:.1f} s"

    def _kill_redis(self) -> tuple[str, str]:
        own = self.rig.redis
        own.kill()
        down = self.rng.uniform(0.3, 2.0)
        time.sleep(down)
        started = time.monotonic()
        own.start()
        return (
            f"redis :{own.port}",
            f"down {down:.1f} s, loaded in {time.monotonic() - started:.1f} s",
        )
