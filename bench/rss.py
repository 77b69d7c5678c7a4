"""Peak resident memory and CPU time of the service processes, sampled every half second.

Besides each service's peak RSS it counts CPU seconds per section: of each service, of the
PostgreSQL and Redis server processes (every process of that name on the machine: other work
on the machine shows up there too), of the benchmark process itself (the load generator) and
of all other processes. That tells where the 2 cores went while a figure was measured, and
whether something else on the machine took a share.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psutil

from jejak.launcher import ServiceSet

MB = 1024 * 1024
SERVERS = {"postgres": "postgres", "redis-server": "redis"}


def _machine_busy() -> float:
    """CPU seconds the whole machine spent not idle (every core, every process)."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


class _Section:
    def __init__(self, services: ServiceSet) -> None:
        self.services = services
        self.started = time.time()
        self.wall_started = time.perf_counter()
        self.wall_s = 0.0
        self.rss_mb: dict[str, float] = {}
        self.service_cpu: dict[str, dict[int, float]] = {}  # name -> pid -> cpu seconds
        self.server_base: dict[int, float] = {}  # pid -> cpu seconds when first seen
        self.server_cpu: dict[str, dict[int, float]] = {}  # kind -> pid -> seconds used since
        self.bench_base = _cpu(psutil.Process())
        self.bench_cpu = 0.0
        self.machine_base = _machine_busy()
        self.machine_cpu = 0.0


class RssMonitor:
    """Watches the service sets of the sections; keeps peak RSS and CPU time per section."""

    def __init__(self, interval_s: float = 0.5) -> None:
        self.interval_s = interval_s
        self.peaks: dict[str, dict[str, float]] = {}  # section -> service -> MB
        self.cpu: dict[str, dict[str, float]] = {}  # section -> process kind -> CPU seconds
        self._sections: dict[str, _Section] = {}
        self._processes: dict[int, psutil.Process] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-monitor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    @contextmanager
    def watching(self, section: str, services: ServiceSet) -> Iterator[None]:
        state = _Section(services)
        with self._lock:
            self._sections[section] = state
        try:
            yield
        finally:
            with self._lock:
                self._sample(section, state)
                self._sections.pop(section, None)
                self._summarize(section, state)

    def sample(self) -> None:
        with self._lock:
            for section, state in self._sections.items():
                self._sample(section, state)

    def _process(self, pid: int) -> psutil.Process:
        process = self._processes.get(pid)
        if process is None:
            process = self._processes[pid] = psutil.Process(pid)
        return process

    def _sample(self, section: str, state: _Section) -> None:
        for name, pid in state.services.pids.items():
            if pid is None:
                continue
            try:
                process = self._process(pid)
                rss = process.memory_info().rss / MB
                cpu = _cpu(process)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            state.rss_mb[name] = max(state.rss_mb.get(name, 0.0), rss)
            state.service_cpu.setdefault(name, {})[pid] = cpu
        self.peaks[section] = dict(state.rss_mb)
        for process in psutil.process_iter(["name", "create_time"]):
            kind = SERVERS.get(process.info["name"] or "")
            if kind is None:
                continue
            try:
                cpu = _cpu(process)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            if process.pid not in state.server_base:
                born_during = (process.info["create_time"] or 0) >= state.started
                state.server_base[process.pid] = 0.0 if born_during else cpu
            used = cpu - state.server_base[process.pid]
            state.server_cpu.setdefault(kind, {})[process.pid] = used
        state.bench_cpu = _cpu(psutil.Process()) - state.bench_base
        state.machine_cpu = _machine_busy() - state.machine_base
        state.wall_s = time.perf_counter() - state.wall_started

    @staticmethod
    def _totals(state: _Section) -> dict[str, float]:
        cpu = {name: sum(per_pid.values()) for name, per_pid in state.service_cpu.items()}
        cpu |= {kind: sum(per_pid.values()) for kind, per_pid in state.server_cpu.items()}
        cpu["bench (load generator)"] = state.bench_cpu
        # Everything else on the machine (other work running meanwhile shows up here).
        cpu["other processes"] = max(0.0, state.machine_cpu - sum(cpu.values()))
        cpu["wall_s"] = state.wall_s
        return cpu

    def _summarize(self, section: str, state: _Section) -> None:
        self.cpu[section] = {name: round(s, 1) for name, s in self._totals(state).items()}

    def snapshot(self, section: str) -> dict[str, float]:
        """CPU seconds so far in a running section (and its wall time as wall_s)."""
        with self._lock:
            state = self._sections.get(section)
            if state is None:
                return {}
            self._sample(section, state)
            return self._totals(state)

    def overall(self) -> dict[str, float]:
        """Peak per service over every section of the run."""
        result: dict[str, float] = {}
        for peaks in self.peaks.values():
            for name, mb in peaks.items():
                result[name] = round(max(result.get(name, 0.0), mb), 1)
        return dict(sorted(result.items()))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Cores used per process kind between two snapshots (CPU seconds / wall seconds)."""
    wall = after.get("wall_s", 0.0) - before.get("wall_s", 0.0)
    if wall <= 0:
        return {}
    used = {  # sampling moments differ slightly: never below zero
        name: round(max(0.0, seconds - before.get(name, 0.0)) / wall, 2)
        for name, seconds in after.items()
        if name != "wall_s"
    }
    return {"wall_s": round(wall, 1), **dict(sorted(used.items(), key=lambda kv: -kv[1]))}
