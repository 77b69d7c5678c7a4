"""A per-client rate limit for what the public may call without signing in (the trace).

Anonymous callers are counted by their address, in a sliding window, in this process's memory
(each replica counts its own callers). Signed-in callers are not limited here: they are known,
and their tokens can be revoked. `JEJAK_PUBLIC_RATE_LIMIT` sets the rule (`120/minute` by
default; `off` for none).
"""

import time
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from shared.auth import optional_caller
from shared.errors import Rejected
from shared.identity import Claims


class TooManyRequests(Rejected):
    status_code = 429

    def __init__(self, rule: str, retry_after_s: int) -> None:
        super().__init__("client", f"more than {rule} lookups; try again later", kind="rate")
        self.retry_after_s = retry_after_s


class PublicRateLimit:
    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.item: RateLimitItem | None = None if rule == "off" else parse(rule)
        # A sliding window of two counters: constant work per lookup whatever the limit (a
        # moving window keeps a timestamp per hit, and was measured costing lookups 20 %).
        self.limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    async def check(self, request: Request, caller: Claims | None) -> None:
        if self.item is None or caller is not None:
            return
        client = request.client.host if request.client else "unknown"
        if not await self.limiter.hit(self.item, "public", client):
            stats = await self.limiter.get_window_stats(self.item, "public", client)
            raise TooManyRequests(self.rule, max(1, int(stats.reset_time - time.time())))


async def rate_limited_caller(request: Request) -> Claims | None:
    """The caller of a public route (None for the public), anonymous ones within the limit:
    one dependency for both, as FastAPI's resolution of each costs per request."""
    caller = await optional_caller(request)
    limit: PublicRateLimit = request.app.state.public_rate_limit
    await limit.check(request, caller)
    return caller


RateLimitedCallerDep = Annotated[Claims | None, Depends(rate_limited_caller)]
