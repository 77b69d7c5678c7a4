"""Waiting for an eventually consistent outcome, with a clear failure when it never comes."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(what: str, probe: Callable[[], Awaitable[T]], timeout_s: float = 30) -> T:
    """Poll until `probe` returns something truthy; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout_s
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what}: not reached within {timeout_s} s (last: {last!r})")
