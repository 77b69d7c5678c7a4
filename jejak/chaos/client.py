"""The load's HTTP client: every request retried through faults until it gets an answer.

A request that got no answer (connection refused or reset, a timeout: the service was killed
or frozen) is sent again unchanged, with the same ids, so the service applies it at most once;
so is one answered 5xx (its database connection was cut, Redis was away) or 401 (a restarted
service not yet holding the issuer's keys; the token is fetched anew). Anything else is the
caller's to judge. Tokens of the development principals are fetched through the same kind of
retries (the identity service is killed and frozen too).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from jejak.tokens import Who
from shared.identity import DevCredentials, fetch_token

RENEW_BEFORE_S = 60
RETRY_STATUSES = frozenset({401, 429, 500, 502, 503, 504})


class FlowFailed(RuntimeError):
    """A flow could not go on: no usable answer in time, or an answer the load did not expect."""


@dataclass
class Reply:
    status: int
    body: Any

    def field(self, name: str) -> Any:
        """One field of a JSON object answer (None when absent or not an object)."""
        return self.body.get(name) if isinstance(self.body, dict) else None


@dataclass
class ClientStats:
    requests: int = 0
    no_answer: int = 0  # sent, nothing came back: resent
    retried_status: Counter[int] = field(default_factory=Counter)
    token_fetches: int = 0


class Api:
    """Signed-in requests to the run's services, each retried until answered."""

    def __init__(
        self,
        urls: dict[str, str],
        credentials: DevCredentials,
        rng: random.Random,
        *,
        request_timeout_s: float = 15.0,
        give_up_s: float = 300.0,
    ) -> None:
        self.urls = urls
        self.credentials = credentials
        self.rng = rng
        self.give_up_s = give_up_s
        self.stats = ClientStats()
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(request_timeout_s, connect=3.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=64),
        )
        self._tokens: dict[Who, tuple[str, float]] = {}
        self._token_locks: dict[Who, asyncio.Lock] = {}

    async def aclose(self) -> None:
        await self.http.aclose()

    async def token(self, who: Who, *, fresh: bool = False) -> str:
        lock = self._token_locks.setdefault(who, asyncio.Lock())
        async with lock:
            token, expires = self._tokens.get(who, ("", 0.0))
            if fresh or time.time() > expires - RENEW_BEFORE_S:
                token = await self._fetch_token(who)
                claims = jwt.decode(token, options={"verify_signature": False})
                self._tokens[who] = (token, float(claims["exp"]))
            return token

    async def _fetch_token(self, who: Who) -> str:
        entry = self.credentials.find(who.role, **who.binding)
        deadline = time.monotonic() + self.give_up_s
        attempt = 0
        while True:
            attempt += 1
            self.stats.token_fetches += 1
            try:
                with httpx.Client(timeout=httpx.Timeout(10.0, connect=3.0)) as client:
                    return await asyncio.to_thread(fetch_token, entry, client=client)
            except httpx.HTTPError as exc:
                if time.monotonic() > deadline:
                    raise FlowFailed(
                        f"no token for {who} after {attempt} attempts: {exc!r}"
                    ) from exc
                await self.backoff(attempt)

    async def backoff(self, attempt: int) -> None:
        await asyncio.sleep(min(2.0, 0.1 * 2 ** min(attempt, 5)) * (0.5 + self.rng.random()))

    async def send(
        self, service: str, method: str, path: str, body: Any = None, who: Who | None = None
    ) -> Reply | None:
        """One attempt; None when no answer came back."""
        headers = {} if who is None else {"Authorization": f"Bearer {await self.token(who)}"}
        self.stats.requests += 1
        try:
            response = await self.http.request(
                method, self.urls[service] + path, json=body, headers=headers
            )
        except httpx.TransportError:
            self.stats.no_answer += 1
            return None
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = response.text
        return Reply(response.status_code, payload)

    async def call(
        self,
        what: str,
        service: str,
        method: str,
        path: str,
        body: Any = None,
        who: Who | None = None,
        *,
        also_retry: frozenset[int] = frozenset(),
    ) -> tuple[Reply, bool]:
        """Send until an answer other than a retryable one comes back; returns it and whether
        it was a resend (an earlier attempt may have been applied: a 409 may be its doing)."""
        deadline = time.monotonic() + self.give_up_s
        attempt = 0
        while True:
            attempt += 1
            reply = await self.send(service, method, path, body, who)
            if reply is None:
                pass
            elif reply.status in RETRY_STATUSES or reply.status in also_retry:
                self.stats.retried_status[reply.status] += 1
                if reply.status == 401 and who is not None:
                    await self.token(who, fresh=True)
            else:
                return reply, attempt > 1
            if time.monotonic() > deadline:
                last = "no answer" if reply is None else f"{reply.status} {reply.body!r:.300}"
                raise FlowFailed(f"{what}: no usable answer after {attempt} attempts ({last})")
            await self.backoff(attempt)


def expect(reply: Reply, what: str, *statuses: int) -> Any:
    """The body of an answer with one of these statuses; anything else is a failed flow."""
    if reply.status not in statuses:
        raise FlowFailed(f"{what}: HTTP {reply.status}: {reply.body!r:.500}")
    return reply.body
