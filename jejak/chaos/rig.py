"""The chaos run's own system: its own Redis server, its own databases, the six services.

Nothing here touches what others use: the Redis is a `redis-server` child on a free port with
its own directory (AOF fsynced on every write, so a SIGKILL loses nothing acknowledged), the
databases are named `jejak_chaos_<run>_<service>` (PostgreSQL) or are SQLite files in the
run's directory, the streams live in the run's namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import redis
from rich.console import Console
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from jejak.launcher import (
    FLOW_SERVICES,
    SERVICE_NAMES,
    EmbeddedRedis,
    ServiceSet,
    free_port,
    free_ports,
)
from jejak.migrate_cli import migrate_service_set
from jejak.redis_users import provision
from jejak.streams import GroupStatus, group_statuses
from shared.delivery.dead_letters import dead_letter_owner


@dataclass
class OwnRedis(EmbeddedRedis):
    """A redis-server of the run's own: AOF with `appendfsync always`, and its ACL users in an
    ACL file (users set with ACL SETUSER are not in the AOF: after a SIGKILL the server comes
    back with them only because they were saved there)."""

    appendfsync: str = "always"

    @property
    def acl_file(self) -> Path:
        return (self.data_dir / "redis" / "users.acl").resolve()

    def command(self) -> list[str]:
        return [*super().command(), "--aclfile", str(self.acl_file)]

    def start(self) -> None:
        self.acl_file.parent.mkdir(parents=True, exist_ok=True)
        self.acl_file.touch()
        super().start()

    def save_users(self) -> None:
        client = redis.Redis.from_url(self.url)
        try:
            client.execute_command("ACL", "SAVE")  # type: ignore[no-untyped-call]
        finally:
            client.close()


@dataclass(frozen=True)
class Databases:
    """The run's databases: on a PostgreSQL server (`server_url`) or SQLite files."""

    server_url: str | None
    base: str  # jejak_chaos_<run>: each service adds _<service>
    data_dir: Path

    @property
    def kind(self) -> str:
        return "postgresql" if self.server_url else "sqlite"

    def service_env(self) -> dict[str, str]:
        """DATABASE_URL for the services; per-service URLs of the caller's environment blanked,
        so no service of the run ever writes to a database that is not the run's."""
        env = {f"{name.upper()}_DATABASE_URL": "" for name in SERVICE_NAMES}
        env["DATABASE_URL"] = (
            make_url(self.server_url).set(database=self.base).render_as_string(hide_password=False)
            if self.server_url
            else ""
        )
        return env

    def url(self, service: str) -> str:
        """The SQLAlchemy async URL of a service's database (as shared.settings derives it)."""
        if self.server_url is None:
            return f"sqlite+aiosqlite:///{self.data_dir / service}.db"
        return (
            make_url(self.server_url)
            .set(drivername="postgresql+asyncpg", database=f"{self.base}_{service}")
            .render_as_string(hide_password=False)
        )

    def engine(self, service: str) -> AsyncEngine:
        return create_async_engine(self.url(service))

    @property
    def like_pattern(self) -> str:
        """`<base>_%` with LIKE's own wildcards in the name escaped."""
        return self.base.replace("_", r"\_") + r"\_%"

    async def _admin(self) -> Any:
        assert self.server_url is not None
        url = make_url(self.server_url)
        return await asyncpg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database="postgres",
            timeout=10,
        )

    async def terminate_connections(self) -> int:
        """pg_terminate_backend of every connection to the run's databases; how many."""
        conn = await self._admin()
        try:
            rows = await conn.fetch(
                "SELECT pg_terminate_backend(pid) AS gone FROM pg_stat_activity "
                "WHERE datname LIKE $1 AND pid <> pg_backend_pid()",
                self.like_pattern,
            )
        finally:
            await conn.close()
        return sum(1 for row in rows if row["gone"])

    async def drop(self) -> list[str]:
        if self.server_url is None:
            return []
        conn = await self._admin()
        try:
            rows = await conn.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1", self.like_pattern
            )
            names = [str(row["datname"]) for row in rows]
            for name in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        return names


@dataclass
class Rig:
    """Everything the run started; `services` and `redis` are what the faults hit."""

    work_dir: Path
    namespace: str
    redis: OwnRedis
    databases: Databases
    services: ServiceSet

    @property
    def admin_url(self) -> str:
        return self.redis.url

    @property
    def data_dir(self) -> Path:
        return self.work_dir / "data"

    def groups(self) -> list[GroupStatus]:
        return group_statuses(self.admin_url, self.namespace)

    def streams(self) -> list[str]:
        client = redis.Redis.from_url(self.admin_url)
        try:
            keys = client.scan_iter(match=f"{self.namespace}.*", _type="stream")
            streams = (key.decode() for key in keys)
            return sorted(s for s in streams if dead_letter_owner(self.namespace, s) is None)
        finally:
            client.close()

    def events_added(self) -> dict[str, int]:
        """Entries ever added per stream (XINFO's entries-added; the length on Redis 6)."""
        client = redis.Redis.from_url(self.admin_url, socket_timeout=5)
        try:
            counts = {}
            for stream in self.streams():
                info: Any = client.xinfo_stream(stream)
                counts[stream] = int(info.get("entries-added", info["length"]))
            return counts
        finally:
            client.close()

    async def unsent(self) -> int:
        """Outbox rows committed and not yet marked sent, over every service."""
        total = 0
        for service in FLOW_SERVICES:
            engine = self.databases.engine(service)
            try:
                async with engine.connect() as conn:
                    query = text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
                    total += int((await conn.execute(query)).scalar_one())
            except Exception as exc:  # identity may have no outbox; a missing table is 0
                if "outbox" not in str(exc):
                    raise
            finally:
                await engine.dispose()
        return total


def settle(rig: Rig, timeout_s: float, *, quiet_s: float = 2.0) -> tuple[bool, float]:
    """Wait until every group read and acknowledged everything and no outbox holds an unsent
    row, the same for `quiet_s` on end; (settled, seconds waited)."""
    started = time.monotonic()
    deadline = started + timeout_s
    calm_since: float | None = None
    while time.monotonic() < deadline:
        try:
            calm = all(s.settled for s in rig.groups()) and asyncio.run(rig.unsent()) == 0
        except Exception:
            calm = False
        now = time.monotonic()
        if not calm:
            calm_since = None
        elif calm_since is None:
            calm_since = now
        elif now - calm_since >= quiet_s:
            return True, now - started
        time.sleep(0.5)
    return False, time.monotonic() - started


@contextlib.contextmanager
def started_rig(
    work_dir: Path,
    run_id: str,
    server_url: str | None,
    *,
    claim_idle_ms: int,
    keep: bool,
    console: Console,
) -> Iterator[Rig]:
    """Start the run's Redis and services; on the way out stop them and, unless `keep`, drop
    the run's databases (the work directory is the caller's)."""
    data_dir = work_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    namespace = f"chaos-{run_id}"
    databases = Databases(server_url, f"jejak_chaos_{run_id}", data_dir)
    own = OwnRedis(port=free_port(), data_dir=work_dir, log_path=work_dir / "logs" / "redis.log")
    own.start()
    try:
        redis_urls = provision(own.url, namespace, data_dir)
        own.save_users()
        env = {
            "REDIS_URL": own.url,
            "JEJAK_NAMESPACE": namespace,
            "JEJAK_DATA_DIR": str(data_dir),
            "JEJAK_CLAIM_IDLE_MS": str(claim_idle_ms),
            "JEJAK_PUBLIC_RATE_LIMIT": "off",
            **databases.service_env(),
        }
        services = ServiceSet(
            env=env,
            names=FLOW_SERVICES,
            ports=free_ports(FLOW_SERVICES),
            log_dir=work_dir / "logs",
            redis_urls=redis_urls,
            startup_timeout=90,
        )
        console.print(
            f"chaos rig: Redis {own.url} ({own.command()[0]}, AOF always, dir "
            f"{own.data_dir / 'redis'}), {databases.kind} databases {databases.base}_*, "
            f"namespace {namespace}, logs {work_dir / 'logs'}"
        )
        try:
            migrate_service_set(services, console)  # as `jejak migrate` before a deployment
            with services:
                yield Rig(work_dir, namespace, own, databases, services)
        finally:
            if not keep:
                dropped = asyncio.run(databases.drop())
                if dropped:
                    console.print(f"dropped {len(dropped)} databases {databases.base}_*")
    finally:
        own.stop()
