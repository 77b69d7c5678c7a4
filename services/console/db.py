"""The console's only data: its sessions, and the imports of master data it runs for a Kanwil
administrator (ImportJob: how far one has got, for the page that shows its progress). The
person's tokens stay here, on the server; the browser holds a random session id in an HttpOnly
cookie and nothing else.

A row is keyed by the SHA-256 of the session id, so whoever reads this table cannot take
over a session with what it finds (the refresh tokens in it are the person's, good until they
expire: the table is the console's alone, like any service's database).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, Boolean, Integer, String, Text, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import TYPE_MAP, delivery_tables
from shared.identity import Claims


class Base(DeclarativeBase):
    type_annotation_map = TYPE_MAP


delivery = delivery_tables(Base.metadata)  # the console publishes no events; the lifecycle has them


@dataclass(frozen=True)
class Tokens:
    """What identity's token endpoint answered for a person."""

    access_token: str
    access_expires_at: datetime
    refresh_token: str | None  # none for a terminal: the client credentials renew its token


class SessionRow(Base):
    """A browser's session: anonymous (a sign-in form's CSRF token) or a person's."""

    __tablename__ = "sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True, doc="SHA-256 of the id")
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True, doc="the session ends, whatever")
    claims: Mapped[dict[str, str] | None] = mapped_column(JSON, doc="None: not signed in")
    access_token: Mapped[str | None] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None]
    refresh_token: Mapped[str | None] = mapped_column(Text)
    # An enrolled workshop tablet's terminal: its access token is renewed with these (the
    # client credentials grant), never with the refresh token; they never leave the server.
    client_id: Mapped[str | None] = mapped_column(String(200))
    client_secret: Mapped[str | None] = mapped_column(Text)

    @property
    def person(self) -> Claims | None:
        return Claims.model_validate(self.claims) if self.claims is not None else None

    def client(self) -> tuple[str, str] | None:
        """The terminal's client credentials of an enrolled tablet's session, else None."""
        if self.client_id is None or self.client_secret is None:
            return None
        return self.client_id, self.client_secret

    def tokens(self) -> Tokens | None:
        if self.access_token is None or (self.refresh_token is None and self.client() is None):
            return None
        assert self.access_expires_at is not None
        return Tokens(self.access_token, self.access_expires_at, self.refresh_token)


class ImportJob(Base):
    """A file of master data being imported for a person: checked against the owning service
    a part at a time (its dry run), then applied in one request, all rows or none. The rows
    themselves are not kept: only the counts and the problems, each naming row and column."""

    __tablename__ = "import_jobs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), index=True, doc="who started it")
    kind: Mapped[str] = mapped_column(String(20), doc="upts, workshops, products, ...")
    file_name: Mapped[str] = mapped_column(String(200))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    allow_moves: Mapped[bool] = mapped_column(Boolean)
    # reading, checking, applying; then done, checked (a dry run), refused or failed
    status: Mapped[str] = mapped_column(String(12))
    rows: Mapped[int] = mapped_column(Integer, default=0, doc="rows read from the file")
    checked: Mapped[int] = mapped_column(Integer, default=0, doc="rows the service checked")
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[dict[str, object]]] = mapped_column(
        JSON, default=list, doc="[{row, column, reason}]: row as the spreadsheet numbers it"
    )
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """The session table's queries: every change is one statement, committed by the caller."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, session_id: str, now: datetime) -> SessionRow | None:
        """The live session of this id; None for an unknown, forged or ended one."""
        row = await self.session.get(SessionRow, id_hash(session_id))
        return row if row is not None and row.expires_at > now else None

    async def start(
        self,
        now: datetime,
        lifetime: timedelta,
        claims: Claims | None = None,
        tokens: Tokens | None = None,
        client: tuple[str, str] | None = None,
    ) -> tuple[str, SessionRow]:
        """A new session under a new random id (returned: it goes into the cookie only)."""
        session_id = new_secret()
        row = SessionRow(
            id_hash=id_hash(session_id),
            csrf_token=new_secret(),
            created_at=now,
            expires_at=now + lifetime,
            claims=claims.to_payload() if claims is not None else None,
        )
        if tokens is not None:
            store_tokens(row, tokens)
        if client is not None:
            row.client_id, row.client_secret = client
        self.session.add(row)
        await self.session.flush()
        return session_id, row

    async def end(self, row: SessionRow) -> None:
        await self.session.execute(delete(SessionRow).where(SessionRow.id_hash == row.id_hash))

    async def purge(self, now: datetime) -> int:
        """Delete ended sessions (the console's clean-up job)."""
        result = await self.session.execute(delete(SessionRow).where(SessionRow.expires_at <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]


def store_tokens(row: SessionRow, tokens: Tokens) -> None:
    row.access_token = tokens.access_token
    row.access_expires_at = tokens.access_expires_at
    row.refresh_token = tokens.refresh_token
