"""The services behind the console, over their HTTP APIs: identity's token endpoint for
signing in and refreshing, and the others' routes with the signed-in person's own token.

The console never reads another service's database or Redis, and never imports its code:
what it reads from an answer it names in its own small models (pages.py).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.console.db import Tokens
from shared.correlation import HEADER as CORRELATION_HEADER
from shared.correlation import request_flow
from shared.settings import Settings


class UpstreamUnavailable(Exception):
    """A service did not answer, or answered with a server error: the page says so."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"{service}: {detail}")
        self.service = service


class SignInRefused(Exception):
    """Identity refused the credentials or the refresh token (RFC 6749 `invalid_grant`)."""


class TokenRejected(Exception):
    """A service answered 401 to the person's token (revoked, say): sign in again."""


class NotFound(Exception):
    """The service knows nothing at that path (an old link, a batch of another UPT's)."""


@dataclass
class Forbidden(Exception):
    """A service answered 403: the person's role or binding does not reach this."""

    reason: str


@dataclass
class Upstream:
    settings: Settings
    http: httpx.AsyncClient
    _discovery: dict[str, Any] | None = None

    async def sign_in(self, username: str, password: str) -> Tokens:
        """A person's tokens by the password grant."""
        form = {"grant_type": "password", "username": username, "password": password}
        return await self._grant(form)

    async def refresh(self, refresh_token: str) -> Tokens:
        """New tokens for a refresh token (identity takes each only once)."""
        return await self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def client_credentials(self, client_id: str, client_secret: str) -> Tokens:
        """A terminal's tokens by the client credentials grant (an enrolled tablet's)."""
        form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
        return await self._grant(form)

    async def get(self, service: str, path: str, token: str, **params: Any) -> Any:
        """The JSON a service answers to GET `path` as the person; TokenRejected on 401,
        Forbidden on 403, UpstreamUnavailable when it does not answer or fails."""
        return (await self.download(service, path, token, **params)).json()

    async def download(self, service: str, path: str, token: str, **params: Any) -> httpx.Response:
        """The service's whole answer to GET `path` as the person (a report as CSV or XLSX,
        to hand on as it is); NotFound on 404, the other refusals as `get`."""
        url = self.settings.service_url(service) + path
        response = await self._send(service, "GET", url, token, params=params)
        if response.status_code == 404:
            raise NotFound(path)
        return response

    async def get_file(self, service: str, path: str, token: str) -> httpx.Response:
        """A file a service answers (a label sheet's PDF), passed on as it came; NotFound,
        TokenRejected, Forbidden, UpstreamUnavailable as `get`; a 409 is the caller's."""
        url = self.settings.service_url(service) + path
        response = await self._send(service, "GET", url, token)
        if response.status_code == 404:
            raise NotFound(path)
        return response

    async def post(
        self, service: str, path: str, token: str, body: Any, within_s: float | None = None
    ) -> httpx.Response:
        """POST JSON as the person: the answer when it is the service's decision (2xx, or a
        4xx naming what is wrong); TokenRejected, Forbidden, UpstreamUnavailable as `get`.
        `within_s`: longer than the usual for what takes long (an import of thousands)."""
        url = self.settings.service_url(service) + path
        extra: dict[str, Any] = {} if within_s is None else {"timeout": within_s}
        return await self._send(service, "POST", url, token, json=body, **extra)

    async def put(self, service: str, path: str, token: str, body: Any) -> httpx.Response:
        """PUT JSON as the person (master data by its code), answered as `post`."""
        url = self.settings.service_url(service) + path
        return await self._send(service, "PUT", url, token, json=body)

    async def _send(
        self, service: str, method: str, url: str, token: str, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        flow = request_flow()
        if flow is not None:  # the service's answer (and what it emits) joins the page's flow
            headers[CORRELATION_HEADER] = str(flow.correlation_id)
        try:
            response = await self.http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(service, f"{type(exc).__name__}: {exc}") from None
        if response.status_code == 401:
            raise TokenRejected()
        if response.status_code == 403:
            raise Forbidden(str(response.json().get("detail", "")))
        if response.status_code >= 500:
            raise UpstreamUnavailable(service, f"HTTP {response.status_code}")
        return response

    async def _grant(self, form: dict[str, str]) -> Tokens:
        endpoint = await self.token_endpoint()
        try:
            response = await self.http.post(endpoint, data=form)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable("identity", f"{type(exc).__name__}: {exc}") from None
        if response.status_code in (400, 401):
            raise SignInRefused(response.json().get("error_description", ""))
        if response.status_code != 200:
            raise UpstreamUnavailable("identity", f"HTTP {response.status_code}")
        answer = response.json()
        return Tokens(
            access_token=answer["access_token"],
            access_expires_at=datetime.now(UTC) + timedelta(seconds=int(answer["expires_in"])),
            refresh_token=answer.get("refresh_token"),
        )

    async def sign_out(self, refresh_token: str) -> None:
        """Identity revokes the refresh token and its sign-in's others (RFC 7009): a copy of
        the token, wherever it is, cannot sign in again. An issuer without a revocation
        endpoint (an outside provider may have none) has nothing to revoke."""
        endpoint = (await self.discovery()).get("revocation_endpoint")
        if endpoint is None:
            return
        try:
            response = await self.http.post(str(endpoint), data={"token": refresh_token})
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable("identity", f"{type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise UpstreamUnavailable("identity", f"HTTP {response.status_code}")

    async def token_endpoint(self) -> str:
        return str((await self.discovery())["token_endpoint"])

    async def discovery(self) -> dict[str, Any]:
        """The issuer's OpenID Connect discovery document (an outside provider configured as
        the issuer has its own endpoints), read once."""
        if self._discovery is None:
            url = self.settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                response = await self.http.get(url)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                raise UpstreamUnavailable("identity", f"{type(exc).__name__}: {exc}") from None
            self._discovery = dict(response.json())
        return self._discovery
