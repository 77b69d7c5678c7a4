"""Browser sessions: the cookie, the CSRF check of every unsafe request, who is signed in,
and the person's access token, refreshed with the refresh token when it runs out.

The cookie holds only a random session id (HttpOnly, SameSite=Lax, Secure over https); the
tokens stay in the console's database (db.py) and never reach a page or its scripts. Every
visitor of the sign-in form gets an anonymous session first, so the sign-in form is protected
by a CSRF token like every other form, and a person's session starts under a new id (a session
id planted before the sign-in is worth nothing after it).
"""

import asyncio
import hmac
import ipaddress
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from weakref import WeakValueDictionary

from fastapi import Depends, Request, Response

from services.console.db import SessionRow, Sessions, Tokens, store_tokens
from services.console.upstream import SignInRefused, Upstream, UpstreamUnavailable
from shared.db import Database
from shared.identity import Claims, Role
from shared.settings import IPNetwork

log = logging.getLogger("jejak")
COOKIE = "jejak_session"
ANONYMOUS_LIFETIME = timedelta(hours=2)  # a sign-in form left open this long must be reloaded
# A tablet is enrolled once: its session lasts until the terminal is revoked at identity (the
# next renewal is refused and the session ends) or a year has passed.
TABLET_LIFETIME = timedelta(days=365)
REFRESH_BEFORE = timedelta(seconds=30)  # clocks differ a little; refresh a bit early
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"  # what htmx sends (hx-headers on <body>)
CSRF_FIELD = "csrf_token"  # what a plain form sends (a hidden field)


class SignInRequired(Exception):
    """No session, a forged or ended one, or tokens identity no longer honours."""


class CsrfRefused(Exception):
    """An unsafe request without the session's CSRF token: 403, nothing done."""


class NotForYourRole(Exception):
    """A signed-in person asked for a page of another role: 403."""


@dataclass
class Console:
    """What the console's routes share: its database (sessions) and the services behind it."""

    db: Database
    upstream: Upstream
    person_lifetime: timedelta
    trusted_proxies: tuple[IPNetwork, ...] = ()
    # One refresh at a time per session in this process (a lock lives while a request holds
    # or awaits it); between replicas, the session's row lock (_refreshed).
    _refreshing: "WeakValueDictionary[str, asyncio.Lock]" = field(
        default_factory=WeakValueDictionary
    )
    # What runs on after its request answered (an import, imports.py): cancelled at shutdown.
    tasks: "set[asyncio.Task[None]]" = field(default_factory=set)

    def refresh_lock(self, row: SessionRow) -> asyncio.Lock:
        lock = self._refreshing.get(row.id_hash)
        if lock is None:
            lock = self._refreshing[row.id_hash] = asyncio.Lock()
        return lock


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


ConsoleDep = Annotated[Console, Depends(console_of)]


@dataclass(frozen=True)
class Person:
    """A signed-in person: their session and what their token says they are."""

    row: SessionRow
    claims: Claims


async def browser_session(request: Request, console: ConsoleDep) -> SessionRow | None:
    """The live session the cookie names, or None (no cookie, forged, ended)."""
    if hasattr(request.state, "session"):
        found: SessionRow | None = request.state.session
        return found
    session_id = request.cookies.get(COOKIE)
    row = None
    if session_id:
        async with console.db.sessions() as session:
            row = await Sessions(session).find(session_id, datetime.now(UTC))
    request.state.session = row  # the error pages read it too
    return row


BrowserSessionDep = Annotated[SessionRow | None, Depends(browser_session)]


async def check_csrf(request: Request, row: BrowserSessionDep) -> None:
    """Every unsafe request carries its session's CSRF token (header or form field); one of
    another session, none, or no session at all is refused before the route runs."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if row is None or sent is None or not hmac.compare_digest(sent, row.csrf_token):
        raise CsrfRefused()


async def signed_in(row: BrowserSessionDep) -> Person:
    if row is None or row.person is None:
        raise SignInRequired()
    return Person(row, row.person)


PersonDep = Annotated[Person, Depends(signed_in)]


@dataclass(frozen=True)
class OfRole:
    """The dependency `role(...)` makes. Its roles stay readable on the route's dependant:
    the tests read which roles each page is for from the routes themselves
    (tests/console/routes.py), so a page added later is tested without a table to update."""

    roles: tuple[Role, ...]

    async def __call__(self, person: PersonDep) -> Person:
        if person.claims.role not in self.roles:
            raise NotForYourRole()
        return person


def role(*roles: Role) -> Any:
    """A dependency: the signed-in person, if their role is one of `roles`."""
    return Depends(OfRole(roles))


async def access_token(console: Console, person: Person) -> str:
    """The person's access token, refreshed first when it has (nearly) run out. A refused
    refresh (expired, revoked) ends the session: SignInRequired."""
    tokens = person.row.tokens()
    if tokens is None:
        raise SignInRequired()
    if tokens.access_expires_at - REFRESH_BEFORE > datetime.now(UTC):
        return tokens.access_token
    async with console.refresh_lock(person.row):  # this process's requests wait here
        token = await _refreshed(console, person.row)
    if token is None:
        raise SignInRequired()
    return token


async def _refreshed(console: Console, row: SessionRow) -> str | None:
    """The session's access token, refreshed unless another request did it meanwhile; None
    when identity refused (the session is ended). The session's row stays locked while
    identity answers: a refresh token used twice makes identity revoke the person's whole
    family of tokens (theft, to it), so two replicas must never both use it."""
    async with console.db.transaction() as session:
        current = await session.get(SessionRow, row.id_hash, with_for_update=True)
        tokens = current.tokens() if current is not None else None
        if current is None or tokens is None:
            return None
        if tokens.access_expires_at - REFRESH_BEFORE > datetime.now(UTC):
            return tokens.access_token  # refreshed while this request waited
        client = current.client()
        try:
            if client is not None:  # an enrolled tablet: its terminal signs in again
                new = await console.upstream.client_credentials(*client)
            elif tokens.refresh_token is not None:
                new = await console.upstream.refresh(tokens.refresh_token)
            else:
                raise SignInRefused("no refresh token")
        except SignInRefused:
            await session.delete(current)
            return None
        store_tokens(current, new)
        return new.access_token


async def start_session(
    console: Console,
    claims: Claims | None = None,
    tokens: Tokens | None = None,
    client: tuple[str, str] | None = None,
) -> tuple[str, SessionRow]:
    """An anonymous session, a person's, or (with `client`) an enrolled tablet's."""
    lifetime = ANONYMOUS_LIFETIME if claims is None else console.person_lifetime
    if client is not None:
        lifetime = TABLET_LIFETIME
    async with console.db.transaction() as session:
        return await Sessions(session).start(datetime.now(UTC), lifetime, claims, tokens, client)


async def end_session(console: Console, row: SessionRow) -> None:
    async with console.db.transaction() as session:
        await Sessions(session).end(row)


async def end_sign_in(console: Console, row: SessionRow) -> None:
    """The session ends here, and identity revokes its refresh token (a copy of the token
    cannot sign in again). Signing out always works for the person: an identity that does not
    answer leaves the token to expire with its lifetime, and the log says so."""
    tokens = row.tokens()
    await end_session(console, row)
    if tokens is None or tokens.refresh_token is None:
        return  # anonymous, or a tablet: its terminal's credentials are revoked at identity
    try:
        await console.upstream.sign_out(tokens.refresh_token)
    except UpstreamUnavailable as exc:
        log.warning("console: sign-out could not revoke the refresh token at identity: %s", exc)


def set_cookie(request: Request, response: Response, session_id: str, row: SessionRow) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        expires=row.expires_at,
        path="/",
        httponly=True,  # no page script reads it
        secure=over_https(request, console_of(request).trusted_proxies),
        samesite="lax",  # sent on links from elsewhere, never on their forms' POSTs
    )


def over_https(request: Request, trusted_proxies: Sequence[IPNetwork]) -> bool:
    """The browser reached the console over https: directly, or through a TLS proxy of
    JEJAK_TRUSTED_PROXIES saying so (X-Forwarded-Proto); anyone else's header is not believed
    (uvicorn runs with --no-proxy-headers)."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    trusted = any(address in network for network in trusted_proxies)
    return trusted and request.headers.get("x-forwarded-proto", "").lower() == "https"


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
