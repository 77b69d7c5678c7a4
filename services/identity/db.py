"""Identity's own tables and stores: principals, signing keys and refresh tokens.

No secret is stored in clear: a principal keeps the Argon2id hash of its client secret or
password, a refresh token is kept as its SHA-256. The signing keys' private halves are in this
database; whoever reads it can sign tokens, so it is the service's alone.
"""

import asyncio
import logging
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import JSON, ForeignKey, String, Text, Uuid, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.identity.domain import (
    Binding,
    KeyMaterial,
    Kind,
    default_name,
    hash_secret,
    is_published,
    new_secret,
    new_signing_key,
    officer_code,
    refresh_token_hash,
    secret_matches,
)
from services.identity.oauth import OAuthError, TokenRequest
from shared.db import TYPE_MAP, delivery_tables
from shared.errors import Conflict, NotFound
from shared.identity import Claims, Role

log = logging.getLogger("jejak")


class Base(DeclarativeBase):
    type_annotation_map = TYPE_MAP


delivery = delivery_tables(Base.metadata)  # identity publishes no events; the lifecycle has them


class PrincipalRow(Base):
    """A machine (client) or a person (user) that may ask for tokens."""

    __tablename__ = "principals"
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    kind: Mapped[str] = mapped_column(String(6), doc="client or user")
    name: Mapped[str] = mapped_column(String(80), unique=True, doc="client_id or username")
    role: Mapped[str] = mapped_column(String(16))
    workshop: Mapped[str | None] = mapped_column(String(16))
    upt: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(20))
    officer_code: Mapped[str | None] = mapped_column(String(24), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200), doc="Argon2id of the secret/password")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    @property
    def client_id(self) -> str | None:
        return self.name if self.kind == "client" else None

    @property
    def username(self) -> str | None:
        return self.name if self.kind == "user" else None

    @property
    def claims(self) -> Claims:
        return Claims.model_validate(
            {
                "role": self.role,
                "sub": self.name,
                "workshop": self.workshop,
                "upt": self.upt,
                "channel": self.channel,
                "officer_code": self.officer_code,
            }
        )


class SigningKeyRow(Base):
    """An Ed25519 key: the newest unretired one signs; retired ones stay published a while."""

    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]

    @property
    def material(self) -> KeyMaterial:
        return KeyMaterial(self.kid, self.private_pem, self.public_jwk)


class RefreshTokenRow(Base):
    """A person's refresh token, by hash; each use revokes it and issues the next, of the same
    family: the tokens descended from one sign-in, named by the hash of its first token."""

    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal_id: Mapped[UUID] = mapped_column(ForeignKey("principals.id"), index=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Principals:
    """Who may sign in, and their refresh tokens."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def any(self) -> bool:
        return (await self.session.scalar(select(func.count()).select_from(PrincipalRow))) != 0

    async def add(
        self, role: Role, kind: Kind, name: str | None, binding: Binding, at: datetime
    ) -> tuple[PrincipalRow, str]:
        """A new principal and its secret (or password), the only time it is seen in clear; a
        qc_officer without an officer code gets the first free one of its UPT."""
        code = binding.officer_code
        if role == "qc_officer" and code is None and binding.upt is not None:
            code = await self.next_officer_code(binding.upt)
        elif code is not None and await self._officer(code):
            raise Conflict("officer_code", f"officer code {code} belongs to another principal")
        if name is not None and await self._named(name):
            raise Conflict("name", f"{name} is taken")
        secret = new_secret()
        row = PrincipalRow(
            id=uuid4(),
            kind=kind,
            name=name or await self._free_name(role, binding),
            role=role,
            workshop=binding.workshop,
            upt=binding.upt,
            channel=binding.channel,
            officer_code=code,
            secret_hash=await asyncio.to_thread(hash_secret, secret),
            created_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        return row, secret

    async def next_officer_code(self, upt: str) -> str:
        """The first free QC-<UPT>-NN of a UPT, from 01."""
        taken = set(await self.session.scalars(select(PrincipalRow.officer_code)))
        number = 1
        while officer_code(upt, number) in taken:
            number += 1
        return officer_code(upt, number)

    async def get(self, principal_id: UUID, *, lock: bool = False) -> PrincipalRow:
        row = await self.session.get(PrincipalRow, principal_id, with_for_update=lock)
        if row is None:
            raise NotFound("principal_id", f"no principal {principal_id}")
        return row

    async def revoke(self, principal_id: UUID, at: datetime) -> PrincipalRow:
        """No more tokens or refreshes; its last access token expires on its own. The last
        active Kanwil administrator stays: without one, nobody could administer identity."""
        row = await self.get(principal_id)
        if row.role == "kanwil_admin" and row.revoked_at is None:
            await self._keep_a_kanwil_admin(row)  # locks every active one, this one too
        else:
            row = await self.get(principal_id, lock=True)
        row.revoked_at = row.revoked_at or at
        await self.session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.principal_id == row.id, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return row

    async def _keep_a_kanwil_admin(self, leaving: PrincipalRow) -> None:
        # Every active Kanwil administrator's row locked, in one order: two revoking each
        # other at once take turns (no deadlock), and the second sees the first's revocation.
        active = await self.session.scalars(
            select(PrincipalRow.id)
            .where(PrincipalRow.role == "kanwil_admin", PrincipalRow.revoked_at.is_(None))
            .order_by(PrincipalRow.id)
            .with_for_update()
        )
        if set(active) <= {leaving.id}:
            raise Conflict(
                "principal_id",
                f"{leaving.name} is the last active kanwil_admin: add another Kanwil "
                "administrator before revoking this one",
            )

    async def signed_in(self, asked: TokenRequest, at: datetime) -> PrincipalRow:
        """The principal a client_credentials or password grant authenticates; OAuthError
        when it does not."""
        kind = "client" if asked.grant_type == "client_credentials" else "user"
        row = await self.session.scalar(
            select(PrincipalRow).where(PrincipalRow.name == asked.name, PrincipalRow.kind == kind)
        )
        stored = row.secret_hash if row is not None else None
        matches = await asyncio.to_thread(secret_matches, stored, asked.secret)
        # One answer for an unknown name, a wrong secret and a revoked principal: whoever
        # holds a revoked account's password cannot learn from the answer that it is right.
        if row is None or not matches or row.revoked_at is not None:
            raise _refused(kind)
        return row

    async def refresh_token(
        self, principal: PrincipalRow, at: datetime, hours: int, family: str | None = None
    ) -> str | None:
        """A new refresh token for a person, of the family of the one it replaces (a new
        family for a sign-in); machines get none (they hold their secret)."""
        if principal.kind == "client":
            return None
        token = new_secret()
        token_hash = refresh_token_hash(token)
        self.session.add(
            RefreshTokenRow(
                token_hash=token_hash,
                principal_id=principal.id,
                family=family or token_hash,
                issued_at=at,
                expires_at=at + timedelta(hours=hours),
            )
        )
        return token

    async def redeem(self, token: str, at: datetime) -> tuple[PrincipalRow, str] | None:
        """The principal of a refresh token and its family; the token is good once: it is
        revoked as it is used. A used one coming back means that two parties hold the family
        (one stole a token): the whole family is revoked and None answered, which the caller
        refuses after committing the revocation."""
        row = await self.session.get(
            RefreshTokenRow, refresh_token_hash(token), with_for_update=True
        )
        if row is not None and row.revoked_at is not None:
            revoked = await self.revoke_family(row.family, at)
            log.warning(
                "identity: a used or revoked refresh token of principal %s came back; its "
                "family is revoked (%d live refresh tokens)",
                row.principal_id,
                revoked,
            )
            return None
        if row is None or row.expires_at <= at:
            raise OAuthError("invalid_grant", REFRESH_REFUSED)
        row.revoked_at = at
        principal = await self.get(row.principal_id)
        if principal.revoked_at is not None:
            raise OAuthError("invalid_grant", REFRESH_REFUSED)
        return principal, row.family

    async def end_sign_in(self, token: str, at: datetime) -> int:
        """Sign-out (RFC 7009): the family of this refresh token, revoked; how many of its
        tokens were live. An unknown token is no error: there is nothing to end."""
        row = await self.session.get(RefreshTokenRow, refresh_token_hash(token))
        return 0 if row is None else await self.revoke_family(row.family, at)

    async def revoke_family(self, family: str, at: datetime) -> int:
        """Every refresh token descended from the sign-in of `family`; how many were live.
        The access tokens they gave expire on their own, within one access-token lifetime."""
        revoked = await self.session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.family == family, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(getattr(revoked, "rowcount", 0) or 0)

    async def _named(self, name: str) -> bool:
        found = await self.session.scalar(select(PrincipalRow.id).where(PrincipalRow.name == name))
        return found is not None

    async def _officer(self, code: str) -> bool:
        found = await self.session.scalar(
            select(PrincipalRow.id).where(PrincipalRow.officer_code == code)
        )
        return found is not None

    async def _free_name(self, role: Role, binding: Binding) -> str:
        base = default_name(role, binding)
        taken = set(
            await self.session.scalars(
                select(PrincipalRow.name).where(PrincipalRow.name.startswith(base))
            )
        )
        number = 1
        while (name := base if number == 1 else f"{base}-{number}") in taken:
            number += 1
        return name


# The refusals name every cause at once, so that none of them is confirmed.
REFRESH_REFUSED = "the refresh token is unknown, used, expired or revoked"


def _refused(kind: str) -> OAuthError:
    if kind == "client":
        return OAuthError(
            "invalid_client", "client authentication failed: unknown or revoked, or wrong secret"
        )
    return OAuthError("invalid_grant", "wrong username or password, or the user is revoked")


class SigningKeys:
    """The keys that sign access tokens and the JWKS that publishes them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self, at: datetime) -> KeyMaterial:
        """The newest unretired key; created when there is none (the first start)."""
        row = await self.session.scalar(
            select(SigningKeyRow)
            .where(SigningKeyRow.retired_at.is_(None))
            .order_by(SigningKeyRow.created_at.desc())
            .limit(1)
        )
        return row.material if row is not None else await self._new(at)

    async def rotate(self, at: datetime) -> tuple[KeyMaterial, list[str]]:
        """A new current key; the former ones retire (published until their tokens expired)."""
        retired = list(
            await self.session.scalars(
                update(SigningKeyRow)
                .where(SigningKeyRow.retired_at.is_(None))
                .values(retired_at=at)
                .returning(SigningKeyRow.kid)
            )
        )
        return await self._new(at), retired

    async def published(self, at: datetime, token_lifetime: timedelta) -> list[dict[str, str]]:
        """Public JWKs of the current key and of retired keys whose tokens may still live."""
        rows = await self.session.scalars(
            select(SigningKeyRow).order_by(SigningKeyRow.created_at.desc())
        )
        return [row.public_jwk for row in rows if is_published(row.retired_at, at, token_lifetime)]

    async def _new(self, at: datetime) -> KeyMaterial:
        key = new_signing_key()
        self.session.add(
            SigningKeyRow(
                kid=key.kid, private_pem=key.private_pem, public_jwk=key.public_jwk, created_at=at
            )
        )
        await self.session.flush()
        return key
