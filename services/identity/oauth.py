"""The OAuth 2.0 shapes of the token endpoint (RFC 6749): the form, the answer and the errors.

Every field of the form is optional, so a malformed request is answered the RFC's way (400
`invalid_request` naming what is missing), never with FastAPI's 422.
"""

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Literal, get_args
from urllib.parse import unquote

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from shared.http import PROBLEM_SCHEMA, TYPE_PREFIX, problem_body

GrantType = Literal["client_credentials", "password", "refresh_token"]
GRANT_TYPES: tuple[GrantType, ...] = ("client_credentials", "password", "refresh_token")
ErrorCode = Literal["invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type"]
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An RFC 6749 §5.2 error: 400, or 401 with WWW-Authenticate for `invalid_client`."""

    def __init__(self, error: ErrorCode, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description

    @property
    def status_code(self) -> int:
        return 401 if self.error == "invalid_client" else 400


async def oauth_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """RFC 6749 §5.2's body and media type (OAuth clients read `error`), with the members of
    an RFC 9457 problem besides, as every other error of Jejak's has."""
    assert isinstance(exc, OAuthError)
    headers = dict(NO_STORE)
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="jejak"'
    problem = problem_body(exc.status_code, exc.description, request.url.path)
    problem["type"] = f"{TYPE_PREFIX}oauth/{exc.error}"
    body = {"error": exc.error, "error_description": exc.description, **problem}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


OAUTH_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "OAuthError",
    "description": "RFC 6749 §5.2, with the members of an RFC 9457 problem.",
    "required": ["error", "error_description"],
    "properties": {
        "error": {"type": "string", "enum": list(get_args(ErrorCode))},
        "error_description": {"type": "string"},
        **{
            name: PROBLEM_SCHEMA["properties"][name]
            for name in ("type", "title", "status", "detail", "instance")
        },
    },
}


class TokenForm(BaseModel):
    """POST /oauth/token, application/x-www-form-urlencoded. A client may send its id and
    secret in the form or with HTTP Basic, not both."""

    model_config = ConfigDict(extra="ignore")

    grant_type: str | None = Field(None, examples=list(GRANT_TYPES))
    client_id: str | None = Field(None, description="client_credentials (or HTTP Basic)")
    client_secret: str | None = Field(None, description="client_credentials (or HTTP Basic)")
    username: str | None = Field(None, description="password grant")
    password: str | None = Field(None, description="password grant")
    refresh_token: str | None = Field(None, description="refresh_token grant")
    scope: str | None = Field(None, description="ignored: a token's reach is its role")


class RevocationForm(BaseModel):
    """POST /oauth/revoke (RFC 7009), application/x-www-form-urlencoded."""

    model_config = ConfigDict(extra="ignore")

    token: str | None = Field(None, description="the refresh token to revoke")
    token_type_hint: str | None = Field(
        None, description="ignored: only refresh tokens are revocable (access tokens expire)"
    )


@dataclass(frozen=True)
class TokenRequest:
    """A well-formed token request: the grant and what it needs."""

    grant_type: GrantType
    name: str  # client_id or username; empty for the refresh_token grant
    secret: str  # client secret, password or refresh token


def token_request(form: TokenForm, authorization: str | None) -> TokenRequest:
    """The grant asked for, with its credentials; OAuthError when something is missing."""
    if not form.grant_type:
        raise OAuthError("invalid_request", "grant_type is missing")
    if form.grant_type == "client_credentials":
        client_id, secret = _client_credentials(form, authorization)
        return TokenRequest("client_credentials", client_id, secret)
    if form.grant_type == "password":
        username, password = _required(form, "username"), _required(form, "password")
        return TokenRequest("password", username, password)
    if form.grant_type == "refresh_token":
        return TokenRequest("refresh_token", "", _required(form, "refresh_token"))
    raise OAuthError(
        "unsupported_grant_type",
        f"grant_type {form.grant_type!r} is not supported (use {', '.join(GRANT_TYPES)})",
    )


def _required(form: TokenForm, name: str) -> str:
    value: str | None = getattr(form, name)
    if not value:
        raise OAuthError("invalid_request", f"{name} is missing")
    return value


def _client_credentials(form: TokenForm, authorization: str | None) -> tuple[str, str]:
    basic = _basic(authorization) if authorization else None
    if basic and (form.client_id not in (None, basic[0]) or form.client_secret is not None):
        raise OAuthError("invalid_request", "client credentials both in Basic and the form")
    if basic:
        return basic
    if not form.client_id or not form.client_secret:
        raise OAuthError("invalid_client", "client authentication failed: no client credentials")
    return form.client_id, form.client_secret


def _basic(authorization: str) -> tuple[str, str]:
    """RFC 6749 §2.3.1: id and secret form-urlencoded, then HTTP Basic."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError("invalid_client", "client authentication is HTTP Basic or the form")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "the Basic credentials are not base64") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id:
        raise OAuthError("invalid_client", "the Basic credentials are not client_id:secret")
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


class TokenAnswer(BaseModel):
    """RFC 6749 §5.1: a bearer access token (a JWT), and a refresh token for a person."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="seconds")
    refresh_token: str | None = Field(None, description="people only; each use replaces it")
