"""Who is calling: bearer tokens verified against the issuer's published keys, and who may do what.

Services know only the issuer URL and the audience. The issuer's discovery document names its
JWKS; the keys are fetched once and cached, and a token signed with a key not seen yet fetches
them again (a rotation), at most once per `REFRESH_AFTER_S`. Verifying a token is a signature
check on a cached key, never a call to the identity service per request. Any OpenID Connect
provider that signs with EdDSA, ES256 or RS256 and puts Jejak's claims in its tokens works.

Each route declares who may call it with `**allow(...)`: the rule is enforced by a dependency
and published in the OpenAPI document (`x-jejak-roles`), where the route-by-role matrix test
reads it. Object-level checks (this workshop, this UPT, this channel) are in the routes.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from shared.errors import Rejected
from shared.http import problem_response, problem_responses
from shared.identity import ROLES, Claims, Role

ALGORITHMS = ["EdDSA", "ES256", "RS256"]
VERIFIED_KEPT = 10_000
REFRESH_AFTER_S = 1.0  # a rotation publishes a new kid: fetch it at once, yet not per bad token
PUBLIC = "public"
SIGNED_IN: tuple[Role, ...] = ROLES  # every role: anyone who signed in
ROLES_EXTENSION = "x-jejak-roles"


class Unauthorized(Exception):
    """No token, or one that does not verify: 401 with WWW-Authenticate.

    The reason may quote what a caller sent (a key id, a claim's name): it is kept to one line,
    with non-printable characters escaped, so that it fits a JSON body and, made ASCII, a
    header."""

    def __init__(self, reason: str) -> None:
        reason = " ".join(reason.split()).encode("utf-8", "backslashreplace").decode("utf-8")
        super().__init__(reason)
        self.reason = reason


class Forbidden(Rejected):
    """A valid token outside its scope: 403 naming the reason."""

    status_code = 403

    def __init__(self, reason: str) -> None:
        super().__init__("authorization", reason, kind="forbidden")


class Verifier:
    def __init__(self, issuer: str, audience: str) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        # Tokens already verified, until they expire: a terminal or a channel sends the same
        # token for its quarter of an hour, and its signature need not be checked each time.
        self._verified: dict[str, tuple[Claims, float]] = {}

    async def claims(self, token: str) -> Claims:
        known = self._verified.get(token)
        if known is not None and known[1] > time.time():
            return known[0]
        claims, expires = await self._verify(token)
        if len(self._verified) >= VERIFIED_KEPT:
            self._verified.clear()  # simplest bound; a busy minute re-verifies once
        self._verified[token] = (claims, expires)
        return claims

    async def _verify(self, token: str) -> tuple[Claims, float]:
        """The token's claims and expiry; Unauthorized for anything else, whatever the token
        holds (it comes from anyone: no failure of the checks may escape as a 500)."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except UNVERIFIABLE as exc:
            raise Unauthorized(f"invalid token: {_problem(exc)}") from None
        if not isinstance(kid, str):
            raise Unauthorized("invalid token: its header names no signing key (kid)")
        key = await self._key(kid)
        try:
            # The key itself, not its raw half: PyJWT then verifies with the key's own
            # algorithm and refuses a header naming another (an EdDSA key handed to the RSA
            # or HMAC code raised a TypeError).
            payload = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
            return Claims.from_payload(payload), float(payload["exp"])
        except ValidationError as exc:
            raise Unauthorized(f"invalid token: {_claim_problem(exc)}") from None
        except UNVERIFIABLE as exc:
            raise Unauthorized(f"invalid token: {_problem(exc)}") from None

    async def _key(self, kid: str) -> jwt.PyJWK:
        if kid not in self._keys:
            async with self._lock:
                if kid not in self._keys and time.monotonic() - self._fetched_at > REFRESH_AFTER_S:
                    await self._fetch()
        if kid not in self._keys:
            raise Unauthorized(f"invalid token: no signing key {_quoted(kid)} at the issuer")
        return self._keys[kid]

    async def _fetch(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=5) as http:
                discovery = await http.get(f"{self.issuer}/.well-known/openid-configuration")
                discovery.raise_for_status()
                jwks = await http.get(discovery.json()["jwks_uri"])
                jwks.raise_for_status()
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
            raise Unauthorized(f"the token issuer {self.issuer} cannot be reached: {exc}") from exc
        try:
            keys = jwt.PyJWKSet.from_dict(jwks.json()).keys
        except (jwt.PyJWTError, ValueError) as exc:  # not JSON, or no key PyJWT can use
            raise Unauthorized(
                f"the token issuer {self.issuer} publishes no usable key: {exc}"
            ) from exc
        self._keys = {str(key.key_id): key for key in keys}


# What PyJWT and the claims may raise on a token made up by anyone: its own errors, and the
# ValueError, TypeError or OverflowError of a claim of the wrong type ("exp": 1e400 is
# infinite) or the RecursionError of deeply nested JSON, raised before PyJWT wraps them.
UNVERIFIABLE = (jwt.PyJWTError, ValueError, TypeError, ArithmeticError, RecursionError)
QUOTED_AT_MOST = 40  # characters of a key id named in an answer: a kid may be megabytes


def _quoted(text: str) -> str:
    """A caller's value named in an answer: ASCII, escaped, cut short."""
    shown = ascii(text)
    return shown if len(shown) <= QUOTED_AT_MOST else f"{shown[: QUOTED_AT_MOST - 4]}...'"


def _problem(exc: BaseException) -> str:
    if isinstance(exc, jwt.PyJWTError):
        return str(exc) or type(exc).__name__
    return f"it cannot be decoded ({type(exc).__name__})"


def _claim_problem(exc: ValidationError) -> str:
    """The first wrong claim, named: `role: Input should be 'terminal', ...` (pydantic's own
    text is several lines, with the input repeated)."""
    error = exc.errors()[0]
    claim = ".".join(str(part) for part in error["loc"]) or "claims"
    return f"claim {claim}: {error['msg']}"


async def _bearer_claims(request: Request) -> Claims | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("the Authorization header must be: Bearer <access token>")
    verifier: Verifier = request.app.state.verifier
    return await verifier.claims(token.strip())


async def caller(request: Request) -> Claims:
    """The verified claims of the request's bearer token; 401 without one."""
    claims = await _bearer_claims(request)
    if claims is None:
        raise Unauthorized("this needs a bearer token (POST /oauth/token at the issuer)")
    return claims


async def optional_caller(request: Request) -> Claims | None:
    """The caller when a token was given (a bad one is still a 401); None for the public."""
    return await _bearer_claims(request)


CallerDep = Annotated[Claims, Depends(caller)]
OptionalCallerDep = Annotated[Claims | None, Depends(optional_caller)]


def allow(*roles: Role | str, errors: Iterable[int] = ()) -> dict[str, Any]:
    """Route options: who may call it, and the 4xx it answers besides (a problem each, in the
    OpenAPI document): `allow("public")` needs no token; any other rule brings 401 and 403.
    FastAPI's 422 of a route with parameters or a body is documented by `shared.http`."""
    if PUBLIC in roles:
        extra = {ROLES_EXTENSION: [PUBLIC], "responses": problem_responses(*sorted(set(errors)))}
        return {"openapi_extra": extra}
    statuses = sorted({401, 403, *errors})
    return {
        "dependencies": [Depends(_role_in(frozenset(roles)))],
        "openapi_extra": {
            ROLES_EXTENSION: sorted(roles),
            "responses": problem_responses(*statuses),
        },
    }


def _role_in(roles: frozenset[str]) -> Callable[[Claims], Awaitable[None]]:
    async def check(claims: CallerDep) -> None:
        require_role(claims, *roles)

    return check


def require_role(claims: Claims, *roles: Role | str) -> None:
    if claims.role not in roles:
        raise Forbidden(f"a {claims.role} may not do this (allowed: {', '.join(sorted(roles))})")


def require_binding(claims: Claims, kind: str, code: str | None) -> None:
    """The caller is bound to this workshop, UPT or channel; a kanwil_admin to every one."""
    if claims.role == "kanwil_admin":
        return
    bound = getattr(claims, kind)
    if bound is None or bound != code:
        raise Forbidden(f"this {kind} is {code}; the token is bound to {kind} {bound}")


# RFC 6750 §3: error_description is printable ASCII without '"' and '\\'.
CHALLENGE_TEXT = frozenset(chr(code) for code in range(0x20, 0x7F)) - {'"', "\\"}
CHALLENGE_AT_MOST = 300  # characters of the description in the header; the body has it all


def challenge_text(reason: str) -> str:
    """A reason fit for a WWW-Authenticate header: one line of the characters RFC 6750 allows
    (a line break in a header makes the server drop the connection, a character outside
    Latin-1 makes it fail), cut short."""
    text = "".join(char if char in CHALLENGE_TEXT else "?" for char in reason.replace('"', "'"))
    return text if len(text) <= CHALLENGE_AT_MOST else text[: CHALLENGE_AT_MOST - 3] + "..."


async def unauthorized_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Unauthorized)
    challenge = 'Bearer realm="jejak"'
    if "authorization" in request.headers:  # RFC 6750: an error code only when a token came
        description = challenge_text(exc.reason)
        challenge += f', error="invalid_token", error_description="{description}"'
    errors = [("authorization", exc.reason)]
    headers = {"WWW-Authenticate": challenge}
    return problem_response(
        request, 401, exc.reason, kind="unauthorized", errors=errors, headers=headers
    )
