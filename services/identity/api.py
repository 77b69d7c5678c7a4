"""Identity's HTTP API: the OAuth 2.0 token endpoint, the issuer's discovery document and keys
(public), and the administration of principals and keys (Kanwil administrators only)."""

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Header, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.identity.db import REFRESH_REFUSED, PrincipalRow, Principals, SigningKeys
from services.identity.domain import ALGORITHM, Binding, Issuer, Kind, access_claims, enrolment
from services.identity.domain import sign as sign_token
from services.identity.oauth import (
    GRANT_TYPES,
    NO_STORE,
    OAUTH_ERROR_SCHEMA,
    OAuthError,
    RevocationForm,
    TokenAnswer,
    TokenForm,
    token_request,
)
from shared.auth import CallerDep, allow
from shared.http import CheckedRoute
from shared.identity import Role
from shared.pagination import Page, PagingDep, page_of
from shared.service import ReadSessionDep, RuntimeDep, UnitOfWorkDep
from shared.settings import Settings

log = logging.getLogger("jejak")
router = APIRouter(tags=["identity"], route_class=CheckedRoute)

UPT_CODE = r"^[A-Z0-9]{2,8}$"
WORKSHOP_CODE = r"^[A-Z0-9]{2,8}-[A-Z0-9]{2,7}$"
CHANNEL_CODE = r"^[A-Z0-9][A-Z0-9-]{1,19}$"
OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "RFC 6749 §5.2: invalid_request, invalid_grant, unsupported_grant_type",
        "content": {"application/json": {"schema": OAUTH_ERROR_SCHEMA}},
    },
    401: {
        "description": "RFC 6749 §5.2: invalid_client (with WWW-Authenticate: Basic)",
        "content": {"application/json": {"schema": OAUTH_ERROR_SCHEMA}},
    },
}


def issuer(settings: Settings) -> Issuer:
    lifetime = timedelta(minutes=settings.access_token_minutes)
    return Issuer(settings.oidc_issuer.rstrip("/"), settings.oidc_audience, lifetime)


@router.post(
    "/oauth/token",
    response_model_exclude_none=True,
    responses=OAUTH_ERRORS,
    **allow("public"),
)
async def token(
    form: Annotated[TokenForm, Form()],
    runtime: RuntimeDep,
    response: Response,
    authorization: Annotated[str | None, Header()] = None,
) -> TokenAnswer:
    """OAuth 2.0 token endpoint (RFC 6749): `client_credentials` for terminals and channel
    systems, `password` for people, `refresh_token` (each refresh token is good once; one used
    again revokes every refresh token of its sign-in, the access tokens expire on their own)."""
    asked, now, settings = token_request(form, authorization), datetime.now(UTC), runtime.settings
    signer = issuer(settings)
    # A unit of work of its own rather than a dependency's: a reused refresh token's family
    # is revoked and committed, then the request is refused.
    async with runtime.units.begin() as uow:
        principals = Principals(uow.session)
        redeemed: tuple[PrincipalRow, str | None] | None
        if asked.grant_type == "refresh_token":
            redeemed = await principals.redeem(asked.secret, now)
        else:
            redeemed = await principals.signed_in(asked, now), None
        if redeemed is not None:
            principal, family = redeemed
            hours = settings.refresh_token_hours
            refresh = await principals.refresh_token(principal, now, hours, family)
            key = await SigningKeys(uow.session).current(now)
            access = sign_token(access_claims(principal.claims, signer, now), key)
    if redeemed is None:
        raise OAuthError("invalid_grant", REFRESH_REFUSED)
    response.headers.update(NO_STORE)
    return TokenAnswer(access_token=access, expires_in=signer.expires_in, refresh_token=refresh)


@router.post(
    "/oauth/revoke",
    response_class=Response,
    responses={200: {"description": "revoked, or nothing to revoke (no body)"}, **OAUTH_ERRORS},
    **allow("public"),
)
async def revoke(form: Annotated[RevocationForm, Form()], runtime: RuntimeDep) -> Response:
    """Sign-out (RFC 7009): the refresh token and every other of its sign-in stop working.
    Holding the token is the authority to end it; the answer is 200 whether it was known or
    not (§2.2), so it tells nobody whether a token exists. An access token is not revocable:
    it expires within one access-token lifetime."""
    if not form.token:
        raise OAuthError("invalid_request", "token is missing")
    async with runtime.units.begin() as uow:
        revoked = await Principals(uow.session).end_sign_in(form.token, datetime.now(UTC))
    log.info("identity: a sign-out revoked %d refresh tokens", revoked)
    return Response(status_code=status.HTTP_200_OK, headers=NO_STORE)


@router.get("/.well-known/openid-configuration", **allow("public"))
async def discovery(runtime: RuntimeDep) -> dict[str, Any]:
    """OpenID Connect discovery: where the token endpoint and the signing keys are."""
    url = issuer(runtime.settings).url
    return {
        "issuer": url,
        "token_endpoint": f"{url}/oauth/token",
        "revocation_endpoint": f"{url}/oauth/revoke",
        "jwks_uri": f"{url}/.well-known/jwks.json",
        "grant_types_supported": list(GRANT_TYPES),
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": ["iss", "aud", "sub", "iat", "exp", "jti", "role", "workshop",
                             "upt", "channel", "officer_code"],
    }  # fmt: skip


class Jwks(BaseModel):
    keys: list[dict[str, str]]


@router.get("/.well-known/jwks.json", **allow("public"))
async def jwks(session: ReadSessionDep, runtime: RuntimeDep) -> Jwks:
    """The public signing keys: the current one, and retired ones while their tokens live."""
    lifetime = issuer(runtime.settings).lifetime
    return Jwks(keys=await SigningKeys(session).published(datetime.now(UTC), lifetime))


class NewPrincipal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    kind: Kind | None = Field(
        None,
        description="client or user: a terminal is a client, officers and administrators are "
        "users, a channel is a client unless given as a user (gallery staff).",
    )
    name: str | None = Field(
        None,
        pattern=r"^[a-z0-9][a-z0-9._-]{2,79}$",
        examples=["qc-clg-2"],
        description="The username (required for a user), or the client_id (made from the "
        "binding when not given: terminal-clg-spt).",
    )
    workshop: str | None = Field(None, pattern=WORKSHOP_CODE, examples=["CLG-SPT"])
    upt: str | None = Field(
        None,
        pattern=UPT_CODE,
        examples=["CLG"],
        description="A terminal's is its workshop's (the code before the first '-') unless given.",
    )
    channel: str | None = Field(None, pattern=CHANNEL_CODE, examples=["GALERI-SERANG"])
    officer_code: str | None = Field(
        None,
        pattern=r"^QC-[A-Z0-9]{2,5}-\d{2,4}$",
        examples=["QC-CLG-07"],
        description="A qc_officer's; the first free QC-<UPT>-NN when not given.",
    )

    def binding(self) -> Binding:
        return Binding(self.workshop, self.upt, self.channel, self.officer_code)


class PrincipalView(BaseModel):
    """A principal without its secret."""

    model_config = ConfigDict(from_attributes=True)
    id: UUID
    kind: Kind
    role: Role
    client_id: str | None
    username: str | None
    workshop: str | None
    upt: str | None
    channel: str | None
    officer_code: str | None
    created_at: datetime
    revoked_at: datetime | None


class NewCredentials(PrincipalView):
    """A new principal with its client secret or password: shown here once, stored only hashed."""

    client_secret: str | None = None
    password: str | None = None

    @classmethod
    def of(cls, row: PrincipalRow, secret: str) -> "NewCredentials":
        view = PrincipalView.model_validate(row).model_dump()
        return cls(**view, **{"client_secret" if row.kind == "client" else "password": secret})


KANWIL = allow("kanwil_admin")


@router.post(
    "/principals", status_code=status.HTTP_201_CREATED, **allow("kanwil_admin", errors=[409])
)
async def add_principal(
    body: NewPrincipal, uow: UnitOfWorkDep, caller: CallerDep, response: Response
) -> NewCredentials:
    """A terminal, a channel client or a person; its secret or password is in this answer
    only."""
    kind, binding = enrolment(body.role, body.kind, body.name, body.binding())
    principals, now = Principals(uow.session), datetime.now(UTC)
    row, secret = await principals.add(body.role, kind, body.name, binding, now)
    response.headers.update(NO_STORE)
    log.info("identity: %s added %s %s (%s)", caller.sub, body.role, row.name, row.id)
    return NewCredentials.of(row, secret)


@router.get("/principals", **KANWIL)
async def list_principals(session: ReadSessionDep, paging: PagingDep) -> Page[PrincipalView]:
    """Every principal, revoked ones too, oldest first, a page at a time; never a secret."""
    query = select(PrincipalRow).order_by(
        PrincipalRow.created_at, PrincipalRow.name, PrincipalRow.id
    )
    rows, total = await page_of(session, query, paging)
    items = [PrincipalView.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/principals/{principal_id}", **allow("kanwil_admin", errors=[404]))
async def get_principal(principal_id: UUID, session: ReadSessionDep) -> PrincipalView:
    """One principal, revoked or not; never its secret."""
    return PrincipalView.model_validate(await Principals(session).get(principal_id))


@router.post("/principals/{principal_id}/revoke", **allow("kanwil_admin", errors=[404, 409]))
async def revoke_principal(
    principal_id: UUID, uow: UnitOfWorkDep, caller: CallerDep
) -> PrincipalView:
    """No more tokens or refreshes for this principal; its last access token expires within
    one access-token lifetime. The last active Kanwil administrator cannot be revoked (409):
    add another first."""
    row = await Principals(uow.session).revoke(principal_id, datetime.now(UTC))
    log.info("identity: %s revoked %s %s (%s)", caller.sub, row.role, row.name, row.id)
    return PrincipalView.model_validate(row)


class Rotation(BaseModel):
    kid: str = Field(description="the new signing key")
    retired: list[str] = Field(description="published until their last tokens have expired")


@router.post("/keys/rotate", **KANWIL)
async def rotate_key(uow: UnitOfWorkDep, caller: CallerDep) -> Rotation:
    """A new signing key signs from now on; the former ones stay in the JWKS one token lifetime."""
    key, retired = await SigningKeys(uow.session).rotate(datetime.now(UTC))
    log.info("identity: %s rotated the signing key to %s", caller.sub, key.kid)
    return Rotation(kid=key.kid, retired=retired)
