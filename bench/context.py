"""What every section gets: the settings of the run, the backend, progress display, RSS monitor."""

import contextlib
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import Progress, TaskID

from bench.backend import Backend, Sandbox
from bench.events import BUILDERS, Backlog
from bench.profiling import Profiler
from bench.rss import RssMonitor, cpu_used
from jejak.launcher import ServiceSet, free_ports
from jejak.migrate_cli import migrate_service_set

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("ceiling", "drain", "ingest", "latency", "trace")
CONSUMERS = ("quality", "inventory", "sales", "trace")


@dataclass(frozen=True)
class Config:
    sections: tuple[str, ...]
    quick: bool
    backlog: int  # events per drained service
    rate: float  # QC sign-offs per second offered in the latency section
    duration_s: float  # how long that load is offered
    order_rate: float  # orders per second placed meanwhile
    hold_rate: float  # lots put on hold per second meanwhile
    units: int  # unit serials traced before the trace lookups
    units_per_lot: int
    clients: int  # concurrent HTTP clients for ingest and lookups
    ingest_s: float
    lookup_s: float
    watch_ms: float  # how often the catalogue watcher polls sales
    keep: bool  # leave namespaces, databases and logs behind
    results_dir: Path
    profile_dir: Path | None  # py-spy profiles of the services while measuring
    service_env: dict[str, str]  # extra environment for every service (experiments)
    repeat: int  # drains per service (the median counts)


@dataclass
class Context:
    config: Config
    backend: Backend
    progress: Progress
    rss: RssMonitor
    profiler: Profiler
    _backlogs: dict[str, Backlog] = field(default_factory=dict)

    def log(self, message: str) -> None:
        self.progress.console.log(message)

    def backlog(self, service: str) -> Backlog:
        """The service's drain backlog (built once; the ceiling reuses the same entries)."""
        if service not in self._backlogs:
            self._backlogs[service] = BUILDERS[service](self.config.backlog)
        return self._backlogs[service]

    @contextlib.contextmanager
    def measuring(
        self,
        label: str,
        sandbox: Sandbox,
        services: ServiceSet,
        into: dict[str, Any],
        names: Sequence[str] | None = None,
    ) -> Iterator[None]:
        """The window a figure is measured in: cores used per process, and py-spy if asked."""
        before = self.rss.snapshot(sandbox.label)
        with self.profiler.record(label, services, names):
            yield
        into["cores_used"] = cpu_used(before, self.rss.snapshot(sandbox.label))

    def task(self, description: str, total: float | None) -> TaskID:
        return self.progress.add_task(description, total=total)

    def finish(self, task: TaskID) -> None:
        total = self.progress.tasks[task].total if task in self.progress.task_ids else None
        self.progress.update(task, completed=total or 1, total=total or 1)
        self.progress.stop_task(task)

    @contextlib.asynccontextmanager
    async def sandbox(self, label: str) -> AsyncIterator[Sandbox]:
        """A fresh namespace and databases for one section, removed afterwards."""
        sandbox = self.backend.sandbox(label)
        sandbox.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            yield sandbox
        finally:
            if not self.config.keep:
                await sandbox.cleanup()

    @contextlib.contextmanager
    def services(
        self, sandbox: Sandbox, names: Sequence[str], env: dict[str, str] | None = None
    ) -> Iterator[ServiceSet]:
        """The services as OS processes, healthy, their RSS watched; stopped on exit."""
        services = ServiceSet(
            env={**sandbox.env, **self.config.service_env, **(env or {})},
            names=tuple(names),
            ports=free_ports(names),
            log_dir=sandbox.log_dir,
            cwd=ROOT,
        )
        migrate_service_set(services, self.progress.console)
        started = time.perf_counter()
        with self.rss.watching(sandbox.label, services):
            try:
                services.start_all()
                self.log(
                    f"[dim]{sandbox.label}: {', '.join(names)} healthy in "
                    f"{time.perf_counter() - started:.1f} s (logs: {sandbox.log_dir})[/]"
                )
                yield services
            finally:
                services.stop_all()
