"""One settings class for every service; values come from the environment (or defaults)."""

import os
import socket
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

SERVICE_PORTS: dict[str, int] = {
    "production": 8001,
    "quality": 8002,
    "inventory": 8003,
    "sales": 8004,
    "trace": 8005,
}

EMBEDDED_REDIS_PORT = 6390


class Settings(BaseSettings):
    """Where a service finds Redis and its database, and how it consumes."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    service: str = Field("production", alias="JEJAK_SERVICE")
    redis_url: str = Field(
        f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0",
        alias="REDIS_URL",
        description="Redis server; `jejak run` starts an embedded one on this port when unset.",
    )
    database_url: str | None = Field(
        None,
        alias="DATABASE_URL",
        description="A server URL (postgresql://...); each service uses its own database on it. "
        "Unset: one SQLite file per service under JEJAK_DATA_DIR.",
    )
    data_dir: Path = Field(Path(".jejak"), alias="JEJAK_DATA_DIR")
    namespace: str = Field(
        "jejak",
        alias="JEJAK_NAMESPACE",
        pattern=r"^[a-z][a-z0-9-]{0,30}$",
        description="Prefix of every stream name; tests use a random one per run.",
    )
    batch_size: int = Field(200, alias="JEJAK_BATCH_SIZE", ge=1, le=5000)
    poll_ms: int = Field(100, alias="JEJAK_POLL_MS", ge=1)
    claim_idle_ms: int = Field(
        15_000,
        alias="JEJAK_CLAIM_IDLE_MS",
        ge=100,
        description="An entry pending this long is taken over by the claimer.",
    )
    max_deliveries: int = Field(
        5, alias="JEJAK_MAX_DELIVERIES", ge=1, description="Deliveries before dead-lettering."
    )
    relay_interval_ms: int = Field(
        200, alias="JEJAK_RELAY_INTERVAL_MS", ge=1, description="How often sent rows are marked."
    )
    sweep_grace_ms: int = Field(
        5_000,
        alias="JEJAK_SWEEP_GRACE_MS",
        ge=0,
        description="Committed events still unpublished after this long are published by the "
        "sweep (their process crashed, or Redis was down).",
    )
    public_base_url: str = Field("http://127.0.0.1:8005", alias="JEJAK_PUBLIC_BASE_URL")

    @property
    def consumer_name(self) -> str:
        """Unique per process: replicas and `--workers` must not share a consumer name."""
        return f"{self.service}-{socket.gethostname()}-{os.getpid()}"

    @property
    def group(self) -> str:
        return f"{self.namespace}.{self.service}"

    def service_database_url(self) -> str:
        """The SQLAlchemy async URL of this service's own database."""
        per_service = os.environ.get(f"{self.service.upper()}_DATABASE_URL")
        if per_service:
            return async_driver_url(per_service)
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{self.data_dir / self.service}.db"
        url = make_url(async_driver_url(self.database_url))
        if url.get_backend_name() == "sqlite":
            path = Path(url.database or "jejak.db")
            own = path.with_name(f"{path.stem}_{self.service}{path.suffix or '.db'}")
            return url.set(database=str(own)).render_as_string(hide_password=False)
        base = url.database or "jejak"
        return url.set(database=f"{base}_{self.service}").render_as_string(hide_password=False)


def async_driver_url(url: str) -> str:
    """Accept plain postgresql:// and sqlite:// URLs and pick the async drivers."""
    parsed = make_url(url)
    driver = {"postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}.get(
        parsed.drivername, parsed.drivername
    )
    return parsed.set(drivername=driver).render_as_string(hide_password=False)
