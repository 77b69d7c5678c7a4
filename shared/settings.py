"""One settings class for every service and the `jejak` command; values come from the
environment (or defaults). A variable set to the empty string counts as unset."""

import ipaddress
import os
import socket
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

SERVICE_PORTS: dict[str, int] = {
    "console": 8000,  # web pages for people; calls the others with the person's token
    "production": 8001,
    "quality": 8002,
    "inventory": 8003,
    "sales": 8004,
    "trace": 8005,
    "identity": 8006,
}

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(text: str) -> tuple[IPNetwork, ...]:
    """JEJAK_TRUSTED_PROXIES: addresses and networks, comma-separated."""
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as exc:
        raise ValueError(f"not an address or a network: {exc}") from None


EMBEDDED_REDIS_PORT = 6390
LOCALHOST = "127.0.0.1"


def _service_url(service: str) -> Any:
    return Field(
        None,
        alias=f"JEJAK_{service.upper()}_URL",
        description=f"Base URL of the {service} service for `jejak demo`; unset: "
        f"http://{LOCALHOST}:{SERVICE_PORTS[service]} (plus the port offset).",
    )


class Settings(BaseSettings):
    """Where a service finds Redis and its database, and how it consumes; where the `jejak`
    command finds the services."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", env_ignore_empty=True)

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
    database_password_file: Path | None = Field(
        None,
        alias="DATABASE_PASSWORD_FILE",
        description="A file holding DATABASE_URL's password (a compose or Kubernetes secret, "
        "e.g. /run/secrets/...); it takes the place of any password in the URL.",
    )
    redis_password_file: Path | None = Field(
        None,
        alias="REDIS_PASSWORD_FILE",
        description="A file holding REDIS_URL's password, like DATABASE_PASSWORD_FILE.",
    )
    data_dir: Path = Field(Path(".jejak"), alias="JEJAK_DATA_DIR")
    log_format: Literal["json", "console"] = Field(
        "json",
        alias="JEJAK_LOG_FORMAT",
        description="json: one JSON object per log line (services); console: readable lines "
        "(`jejak run` chooses it for the services it starts).",
    )
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
    max_body_bytes: int = Field(
        1_000_000,
        alias="JEJAK_MAX_BODY_BYTES",
        ge=1_000,
        description="The largest request body a service reads (its imports take up to "
        "shared/imports.py's MAX_IMPORT_BODY_BYTES): larger is a 413, refused by its "
        "Content-Length before it is read, or once the bytes read pass it.",
    )
    public_rate_limit: str = Field(
        "120/minute",
        alias="JEJAK_PUBLIC_RATE_LIMIT",
        pattern=r"^(off|\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day)s?)$",
        description="Lookups an anonymous client may make of the public trace (per address and "
        "process), e.g. 120/minute; `off` for no limit.",
    )
    trusted_proxies: str = Field(
        "",
        alias="JEJAK_TRUSTED_PROXIES",
        description="Addresses or networks (comma-separated, e.g. 10.0.0.5,10.1.0.0/16) of the "
        "proxies whose X-Forwarded-For names the client, for the public rate limit; unset: "
        "none, every client is its connection's address.",
    )
    reservation_ttl_s: int = Field(
        86_400,
        alias="JEJAK_RESERVATION_TTL_S",
        gt=0,
        description="Sales cancels a confirmed order not completed this long after inventory "
        "confirmed it (OrderCancelled, cancelled_by expiry), so its reserved stock goes back "
        "on sale; 24 hours unless set.",
    )
    expiry_interval_s: float = Field(
        60,
        alias="JEJAK_EXPIRY_INTERVAL_S",
        gt=0,
        description="How often sales looks for expired reservations; an order is cancelled at "
        "most this long after its time is up.",
    )
    webhook_interval_s: float = Field(
        1,
        alias="JEJAK_WEBHOOK_INTERVAL_S",
        gt=0,
        description="How often sales looks for stock changes to POST to channels' webhooks.",
    )
    webhook_retry_s: float = Field(
        1,
        alias="JEJAK_WEBHOOK_RETRY_S",
        gt=0,
        description="The first wait before a failed webhook delivery is tried again; it doubles "
        "with each failure, up to 5 minutes.",
    )
    webhook_max_attempts: int = Field(
        10,
        alias="JEJAK_WEBHOOK_MAX_ATTEMPTS",
        ge=1,
        le=100,
        description="A delivery failing this many times goes to the channel's dead letters "
        "(GET /channels/{code}/webhook/deliveries?status=dead; retried on request).",
    )
    webhook_timeout_s: float = Field(
        10,
        alias="JEJAK_WEBHOOK_TIMEOUT_S",
        gt=0,
        description="How long a channel's webhook may take to answer before it counts as failed.",
    )
    best_before_interval_s: float = Field(
        300,
        alias="JEJAK_BEST_BEFORE_INTERVAL_S",
        gt=0,
        description="How often inventory looks for food past its best-before date (WIB) and "
        "quarantines it (stock-changed, reason expired); 5 minutes unless set.",
    )
    business_date_shift_days: int = Field(
        0,
        alias="JEJAK_BUSINESS_DATE_SHIFT_DAYS",
        ge=-3660,
        le=3660,
        description="For drills and tests only: days added to today's date (WIB) where "
        "inventory's best-before expiry reads it, e.g. 30 to see what expires within a month. "
        "0 in production.",
    )
    stream_min_age_s: float = Field(
        7 * 86_400,
        alias="JEJAK_STREAM_MIN_AGE_S",
        ge=0,
        description="The retention job never trims a stream entry younger than this, even "
        "when every consumer group is done with it (an entry a group still needs is never "
        "trimmed, whatever its age); 7 days unless set.",
    )
    inbox_retention_s: float = Field(
        7 * 86_400,
        alias="JEJAK_INBOX_RETENTION_S",
        ge=0,
        description="Inbox rows are kept this long, counted back from the oldest entry the "
        "service's group may still be given (or now); a dead letter older than this is only "
        "replayed with --force. 7 days unless set.",
    )
    outbox_retention_s: float = Field(
        7 * 86_400,
        alias="JEJAK_OUTBOX_RETENTION_S",
        ge=0,
        description="Sent outbox rows older than this are deleted (unsent rows never are).",
    )
    dead_letter_retention_s: float = Field(
        30 * 86_400,
        alias="JEJAK_DEAD_LETTER_RETENTION_S",
        ge=0,
        description="Dead letters older than this are trimmed from the dead-letter stream.",
    )
    retention_interval_s: float = Field(
        3600,
        alias="JEJAK_RETENTION_INTERVAL_S",
        gt=0,
        description="How often every service trims the streams it produces and prunes its "
        "inbox and outbox.",
    )
    console_url: str | None = _service_url("console")
    production_url: str | None = _service_url("production")
    quality_url: str | None = _service_url("quality")
    inventory_url: str | None = _service_url("inventory")
    sales_url: str | None = _service_url("sales")
    trace_url: str | None = _service_url("trace")
    identity_url: str | None = _service_url("identity")
    oidc_issuer: str = Field(
        f"http://{LOCALHOST}:{SERVICE_PORTS['identity']}",
        alias="JEJAK_OIDC_ISSUER",
        description="The token issuer: its URL is the `iss` of every access token, and services "
        "find its keys at <issuer>/.well-known/openid-configuration. The identity service "
        "issues as this URL; an outside OpenID Connect provider can take its place.",
    )
    oidc_audience: str = Field(
        "jejak", alias="JEJAK_OIDC_AUDIENCE", description="The `aud` of Jejak's access tokens."
    )
    access_token_minutes: int = Field(
        15,
        alias="JEJAK_ACCESS_TOKEN_MINUTES",
        ge=1,
        le=24 * 60,
        description="Lifetime of an access token; a revoked principal's last token lives this "
        "long, and a retired signing key stays published this long.",
    )
    refresh_token_hours: int = Field(
        12,
        alias="JEJAK_REFRESH_TOKEN_HOURS",
        ge=1,
        description="Lifetime of a person's refresh token (each use replaces it).",
    )
    seed_dev_principals: bool = Field(
        False,
        alias="JEJAK_SEED_DEV_PRINCIPALS",
        description="Development only: on its first start the identity service creates a "
        "terminal per workshop, a client per channel, a QC officer and a UPT administrator "
        "per UPT and a Kanwil administrator, and writes their credentials to "
        "<JEJAK_DATA_DIR>/credentials.json. `jejak run` and the test systems set it.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        proxy_networks(value)  # a ValueError naming the entry that is not an address
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return proxy_networks(self.trusted_proxies)

    @model_validator(mode="after")
    def _passwords_from_files(self) -> Self:
        """Put the passwords of *_PASSWORD_FILE into the URLs they belong to."""
        if self.database_password_file is not None and self.database_url:
            password = read_secret(self.database_password_file, "DATABASE_PASSWORD_FILE")
            self.database_url = with_password(self.database_url, password)
        if self.redis_password_file is not None and "redis_url" in self.model_fields_set:
            password = read_secret(self.redis_password_file, "REDIS_PASSWORD_FILE")
            self.redis_url = with_password(self.redis_url, password)
        return self

    @property
    def embedded_redis(self) -> bool:
        """REDIS_URL is unset: `jejak run` (and the benchmarks) start a Redis of their own."""
        return "redis_url" not in self.model_fields_set

    def service_url(self, service: str, port_offset: int = 0) -> str:
        """Base URL of a service: JEJAK_<SERVICE>_URL, else this machine on the service's
        default port plus `port_offset` (as `jejak run --port-offset` starts them)."""
        configured: str | None = getattr(self, f"{service}_url")
        return configured or f"http://{LOCALHOST}:{SERVICE_PORTS[service] + port_offset}"

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


def read_secret(path: Path, variable: str) -> str:
    """A secret file's content without its trailing newline."""
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ValueError(f"{variable}: cannot read {path}: {exc.strerror or exc}") from None


def with_password(url: str, password: str) -> str:
    """postgresql://user@host/db + secret -> postgresql://user:secret@host/db (quoted)."""
    return make_url(url).set(password=password).render_as_string(hide_password=False)
