"""A per-client rate limit for what the public may call without signing in (the trace).

Anonymous callers are counted by their address, in a sliding window, in this process's memory
(each replica counts its own callers). Signed-in callers are not limited here: they are known,
and their tokens can be revoked. `JEJAK_PUBLIC_RATE_LIMIT` sets the rule (`120/minute` by
default; `off` for none).

A caller's address is its connection's, unless that connection comes from a proxy named in
`JEJAK_TRUSTED_PROXIES`: then it is the address that proxy forwarded (X-Forwarded-For). Nobody
is trusted by default, loopback included, so a client cannot pick its own address; the
services run under uvicorn with `--no-proxy-headers`, so the address seen here is the
connection's own.
"""

import ipaddress
import math
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from shared.auth import optional_caller
from shared.errors import Rejected
from shared.identity import Claims
from shared.settings import IPNetwork

ADDRESS_AT_MOST = 64  # characters of a forwarded address kept as a key (an IPv6 has 45)


class TooManyRequests(Rejected):
    status_code = 429

    def __init__(self, rule: str, retry_after_s: int) -> None:
        super().__init__("client", f"more than {rule} lookups; try again later", kind="rate")
        self.retry_after_s = retry_after_s


class ClientAddress:
    """Who a request comes from, as far as the trusted proxies say."""

    def __init__(self, trusted: Sequence[IPNetwork]) -> None:
        self.trusted = tuple(trusted)

    def of(self, request: Request) -> str:
        peer = request.client.host if request.client else "unknown"
        if not self.trusted or not self._trusted(peer):
            return peer
        # Each proxy appends the address it saw: the rightmost one that is not a trusted
        # proxy's is the client; whatever lies left of it the client may have written itself.
        hops = [
            hop.strip()
            for header in request.headers.getlist("x-forwarded-for")
            for hop in header.split(",")
            if hop.strip()
        ]
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop[:ADDRESS_AT_MOST]
        return hops[0][:ADDRESS_AT_MOST] if hops else peer

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)


class PublicRateLimit:
    def __init__(self, rule: str, trusted_proxies: Sequence[IPNetwork] = ()) -> None:
        self.rule = rule
        self.item: RateLimitItem | None = None if rule == "off" else parse(rule)
        # A sliding window of two counters: constant work per lookup whatever the limit (a
        # moving window keeps a timestamp per hit, and was measured costing lookups 20 %).
        self.storage = MemoryStorage()
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)
        self.addresses = ClientAddress(trusted_proxies)

    async def check(self, request: Request, caller: Claims | None) -> None:
        if self.item is None or caller is not None:
            return
        client = self.addresses.of(request)
        if not await self.limiter.hit(self.item, "public", client):
            window = await self.storage.get_sliding_window(
                self.item.key_for("public", client), self.item.get_expiry()
            )
            wait = seconds_until_allowed(self.item, *window)
            raise TooManyRequests(self.rule, math.floor(wait) + 1)  # past the wait, not at it


def seconds_until_allowed(
    item: RateLimitItem,
    previous_count: int,
    _previous_ttl: float,
    current_count: int,
    current_ttl: float,
) -> float:
    """How long until a refused client's next lookup passes, nobody counting meanwhile (a
    refused lookup is not counted). The limiter counts per fixed window and weighs the
    previous window's count by the share of it still inside the sliding window: a lookup
    passes while previous x share + current < amount."""
    expiry, amount = item.get_expiry(), item.amount
    window_ends_in = current_ttl - expiry  # the current counter outlives its window by one
    if current_count < amount and previous_count:
        # Within this window: the previous window's weight falls off until it is small enough.
        return max(0.0, window_ends_in - (amount - current_count) * expiry / previous_count)
    if not current_count:
        return 0.0
    # In the next window, this window's count is the previous one, weighing less and less.
    return window_ends_in + max(0.0, expiry * (1 - amount / current_count))


async def rate_limited_caller(request: Request) -> Claims | None:
    """The caller of a public route (None for the public), anonymous ones within the limit:
    one dependency for both, as FastAPI's resolution of each costs per request."""
    caller = await optional_caller(request)
    limit: PublicRateLimit = request.app.state.public_rate_limit
    await limit.check(request, caller)
    return caller


RateLimitedCallerDep = Annotated[Claims | None, Depends(rate_limited_caller)]
