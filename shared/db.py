"""Engines, the per-service database, and the outbox/inbox tables every service shares."""

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import asyncpg
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from shared.attributes import named_alike


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps with zone on PostgreSQL and SQLite alike; SQLite drops the zone, we restore it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give it a zone")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# Every service's DeclarativeBase uses this map, so `Mapped[datetime]` always keeps its zone.
TYPE_MAP: dict[Any, Any] = {datetime: UtcDateTime}

# SQLite has no BIGINT autoincrement; BigInteger on PostgreSQL, INTEGER PRIMARY KEY on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class DeliveryTables:
    outbox: Table
    inbox: Table


def delivery_tables(metadata: MetaData) -> DeliveryTables:
    """Add the outbox and the inbox to a service's own metadata."""
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("stream", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False, default=lambda: datetime.now(UTC)),
        Column("sent_at", UtcDateTime, nullable=True),
    )
    # The relay only ever looks for unsent rows; a partial index keeps that cheap forever.
    Index(
        "ix_outbox_unsent",
        outbox.c.id,
        postgresql_where=outbox.c.sent_at.is_(None),
        sqlite_where=outbox.c.sent_at.is_(None),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer_group", String(120), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("processed_at", UtcDateTime, nullable=False, server_default=func.now()),
    )
    return DeliveryTables(outbox=outbox, inbox=inbox)


def core_table(entity: type[Any]) -> Table:
    """The Core table of an ORM class: bulk inserts through it skip the ORM's per-row work."""
    return cast(Table, entity.__table__)


def row_values(table: Table, source: object, **values: object) -> dict[str, Any]:
    """A row of `table` from an object (an event, a request) whose attributes are named like
    the columns; `values` add the columns it lacks or override it."""
    return named_alike(source, table.columns.keys()) | values


def upsert(session: AsyncSession, table: Any) -> Any:
    """INSERT ... ON CONFLICT for the session's dialect (PostgreSQL and SQLite share the API)."""
    dialect = session.get_bind().dialect.name
    return postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


async def ensure_database(url: str) -> None:
    """Create the service's PostgreSQL database (or SQLite file) if it is missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            owner_only_sqlite_file(Path(parsed.database))
        return
    name = parsed.database
    admin = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # A replica starting at the same moment may win the race; that is fine.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def owner_only_sqlite_file(path: Path) -> None:
    """A SQLite database file only its owner may read or write (0600), made so before SQLite
    opens it: identity's holds the signing keys in clear, and every service's is its own.
    SQLite gives its -wal and -shm files the database file's mode; a file of an earlier
    release (0644) is narrowed, with its -wal and -shm."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for own in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(own, 0o600)


def create_engine(url: str) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it costs a round trip per transaction. A connection the server dropped fails
    # its transaction once (a consumer batch is retried, a request gets a 5xx) and SQLAlchemy
    # then discards the pool's stale connections.
    # 20: sixteen concurrent requests plus a consumer batch and the relay without opening
    # overflow connections (each a TLS attempt and a handshake) under load.
    return create_async_engine(url, pool_size=20, max_overflow=10, pool_recycle=1800)


def _sqlite_pragmas(dbapi_connection: object, _record: ConnectionPoolEntry) -> None:
    # WAL lets the HTTP side read while a consumer batch writes; NORMAL is durable in WAL mode
    # except for the last transactions on power loss, which the streams redeliver.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """A service's engine and session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite allows one writer; taking turns in-process avoids "database is locked" when
        # a read-then-write transaction would have to upgrade its lock.
        self._writer_turn = asyncio.Lock() if is_sqlite(url) else contextlib.nullcontext()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed on success, rolled back on any exception."""
        async with self._writer_turn, self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)
