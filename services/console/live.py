"""Live pages: Server-Sent Events telling a signed-in person's page that something it shows
changed, so the page fetches its own fragment again with the person's token.

Where the news comes from. Each console process reads `stock-changed` and `batch-completed`
with a consumer group of its OWN (`<namespace>.console-live.<created ms>.<host>-<pid>`): a
person's EventSource is connected to one process, so every process must see every event, and
groups shared between processes would split the events among them. The group is created at `$`
(a page wants what happens while it is open, not the past) and read with NOACK: these are
best-effort pushes, a lost one costs a person a reload at worst, nothing is applied or kept,
so nothing is ever pending (no PEL to pile up, no claimer). The group is destroyed when the
process stops; one left by a process that died (killed, its host gone) is destroyed by the
next console that starts and finds its alive key expired (`alive_key`), and retention never
waits for one (shared/delivery/retention.py: is_live_group).

What a person is told. Only the notification's name (`stock-changed`, `batch-completed`),
nothing of the event itself, and only when the event concerns what the person may see
(`Audience`): a channel's staff the stock at their channel's locations (sales' channel), a UPT
administrator their UPT's store and batches, a QC officer their UPT's batches, the Kanwil
everything.

When. The page re-reads a service that itself applies the event (sales' catalogue from
stock-changed, quality's inspections from batch-completed): told too early, it would fetch
the old state. So a notification waits until that service's group has applied the entry (or
APPLIED_WAIT_S passed: a service that is down must not silence the console).

The page contract (static/live.js): an element to refresh carries `data-live="<name>"`, its
own `hx-get` and `hx-trigger="jejak:<name> from:body"`; live.js opens one EventSource('/live')
when a page has any, and dispatches a `jejak:<name>` event on document.body per notification.
"""

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.console.db import Sessions
from services.console.sessions import COOKIE, Console, ConsoleDep, Person, PersonDep, access_token
from shared.contracts import BatchCompleted, Event, StockChanged
from shared.delivery.entries import Entry, InvalidEntry, decode
from shared.delivery.retention import LIVE_GROUP, parse_id
from shared.identity import Claims
from shared.places import readable_locations

log = logging.getLogger(__name__)
router = APIRouter()

Name = Literal["stock-changed", "batch-completed"]
KEEP_ALIVE_S = 15.0  # a comment this often: proxies keep the connection, the session is checked
RETRY_MS = 3_000  # what EventSource waits before reconnecting
BLOCK_MS = 1_000  # well below redis-py's socket timeout (5 s by default)
APPLIED_WAIT_S = 5.0
HEARTBEAT_S = 30.0
ALIVE_S = 120  # the alive key outlives a few missed heartbeats
LEFT_BEHIND_MS = 10 * 60 * 1000  # a group younger than this is never swept


@dataclass(frozen=True)
class Followed:
    """A stream the console follows, and the service whose state a page re-reads after it."""

    contract: type[Event]
    applied_by: str  # that service's group must have applied the entry first

    @property
    def name(self) -> Name:
        name: Name = self.contract.event_name  # type: ignore[assignment]
        return name


FOLLOWED = (Followed(StockChanged, "sales"), Followed(BatchCompleted, "quality"))


@dataclass(frozen=True)
class Audience:
    """What of the live events one person may hear about. None: everything of that kind."""

    locations: frozenset[str] | None = frozenset()
    upts: frozenset[str] | None = frozenset()

    def concerns(self, event: Event) -> bool:
        if isinstance(event, StockChanged):
            return self.locations is None or event.location_code in self.locations
        if isinstance(event, BatchCompleted):
            return self.upts is None or event.upt_code in self.upts
        return False


def audience_of(claims: Claims, channel_locations: frozenset[str] = frozenset()) -> Audience:
    """The Kanwil hears everything; a UPT administrator its store's stock (the locations
    inventory lets it read) and its UPT's batches; a QC officer its UPT's batches; a channel's
    staff the stock at `channel_locations` (sales' record of their channel); anyone else
    nothing."""
    upt = frozenset({claims.upt}) if claims.upt else frozenset()
    if claims.role == "kanwil_admin":
        return Audience(locations=None, upts=None)
    if claims.role == "upt_admin":
        return Audience(locations=readable_locations(claims), upts=upt)
    if claims.role == "qc_officer":
        return Audience(upts=upt)
    if claims.role == "channel":
        return Audience(locations=channel_locations)
    return Audience()


@dataclass(eq=False)
class Listener:
    """One connected page. It holds at most one of each notification name (a burst of events
    is one refresh), so a slow client never grows the process' memory."""

    audience: Audience
    waiting: dict[Name, None] = field(default_factory=dict)  # an ordered set
    woken: asyncio.Event = field(default_factory=asyncio.Event)

    def tell(self, name: Name, event: Event) -> None:
        if self.audience.concerns(event):
            self.waiting[name] = None
            self.woken.set()

    async def next(self, timeout_s: float) -> list[Name]:
        """The names waiting, once there is one; [] when `timeout_s` passed in silence."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.woken.wait(), timeout_s)
        self.woken.clear()
        names, self.waiting = list(self.waiting), {}
        return names


class Hub:
    """This process' listeners and the reader that tells them."""

    def __init__(self, redis: Redis, namespace: str, *, block_ms: int = BLOCK_MS) -> None:
        self.redis = redis
        self.namespace = namespace
        self.block_ms = block_ms
        self.keep_alive_s = KEEP_ALIVE_S
        self.group = live_group(namespace)
        self.listeners: set[Listener] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._stopped = asyncio.Event()  # wakes the heartbeat's wait at once

    @contextlib.contextmanager
    def listening(self, audience: Audience) -> Iterator[Listener]:
        listener = Listener(audience)
        self.listeners.add(listener)
        try:
            yield listener
        finally:  # the client went away (the response was cancelled) or the session ended
            self.listeners.discard(listener)

    def tell(self, name: Name, event: Event) -> None:
        for listener in list(self.listeners):
            listener.tell(name, event)

    async def start(self) -> None:
        for followed in FOLLOWED:
            stream = followed.contract.stream(self.namespace)
            try:
                await sweep_left_behind(self.redis, stream, self.namespace)
            except Exception:  # another console's leftovers must not stop this one starting
                log.exception("live: could not sweep left-behind groups of %s", stream)
            self._tasks.append(asyncio.create_task(self._follow(followed), name=f"live {stream}"))
        self._tasks.append(asyncio.create_task(self._keep_alive(), name="live heartbeat"))

    async def _keep_alive(self) -> None:
        """The alive key, so that other consoles leave this one's groups alone."""
        while not self._stopping:
            try:
                await self.redis.set(alive_key(self.group), 1, ex=ALIVE_S)
            except Exception:
                log.exception("live: the alive key was not set; trying again later")
            # Not a plain sleep: a stop whose cancellation the Redis client swallowed would
            # otherwise wait out the whole heartbeat (30 s of every shutdown).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), HEARTBEAT_S)

    async def stop(self) -> None:
        self._stopping = True
        self._stopped.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for followed in FOLLOWED:
            stream = followed.contract.stream(self.namespace)
            with contextlib.suppress(Exception):  # Redis away: the next console sweeps it
                await self.redis.xgroup_destroy(stream, self.group)

    async def _follow(self, followed: Followed) -> None:
        stream = followed.contract.stream(self.namespace)
        joined = False
        # Redis' client may swallow the CancelledError of a stop (shared/service.py's `repeat`
        # saw it): the flag ends the loop all the same.
        while not self._stopping:
            try:
                if not joined:  # at first, and when the group went (a sweep, a Redis reset)
                    await join(self.redis, stream, self.group)
                    joined = True
                await self.read_once(followed)
            except Exception as exc:
                # Never leave the loop: a console that stops reading makes pages go stale.
                log.exception("live: reading %s failed; retrying in a second", stream)
                joined = not (isinstance(exc, ResponseError) and "NOGROUP" in str(exc))
                await asyncio.sleep(1)

    async def read_once(self, followed: Followed) -> int:
        stream = followed.contract.stream(self.namespace)
        answer: Any = await self.redis.xreadgroup(
            self.group, self.group, {stream: ">"}, count=200, block=self.block_ms, noack=True
        )
        entries = [Entry(stream, i.decode(), f) for _s, got in answer or [] for i, f in got]
        if not entries:
            return 0
        group = f"{self.namespace}.{followed.applied_by}"
        await applied(self.redis, stream, group, entries[-1].entry_id, APPLIED_WAIT_S)
        for entry in entries:
            try:
                event = decode(entry, followed.contract)
            except InvalidEntry:  # the services' consumers dead-letter it; no page shows it
                continue
            self.tell(followed.name, event)
        return len(entries)


def live_group(namespace: str) -> str:
    """This process' own group: when it was made (for the sweep) and who made it."""
    now_ms = int(time.time() * 1000)
    return f"{namespace}.{LIVE_GROUP}.{now_ms}.{socket.gethostname()}-{os.getpid()}"


async def join(redis: Redis, stream: str, group: str) -> None:
    """The group at `$`: what comes from now on."""
    try:
        await redis.xgroup_create(stream, group, id="$", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def alive_key(group: str) -> str:
    """The key a console keeps while it runs (HEARTBEAT_S, expiring after ALIVE_S)."""
    return f"{group}.alive"


async def sweep_left_behind(redis: Redis, stream: str, namespace: str) -> int:
    """Destroy the live groups of consoles that are gone: made over LEFT_BEHIND_MS ago, and
    their console's alive key expired. How many went. (Not the consumers' idle time: an
    XREADGROUP that finds nothing does not refresh it on Redis 7.0.)"""
    prefix = f"{namespace}.{LIVE_GROUP}."
    gone = 0
    now_ms = int(time.time() * 1000)
    try:
        groups: Any = await redis.xinfo_groups(stream)
    except ResponseError:  # no stream yet
        return 0
    for group in groups:
        name = _text(group["name"])
        made_ms = name.removeprefix(prefix).partition(".")[0]
        if not name.startswith(prefix) or not made_ms.isdigit():
            continue
        if now_ms - int(made_ms) > LEFT_BEHIND_MS and not await redis.exists(alive_key(name)):
            gone += int(await redis.xgroup_destroy(stream, name))
    return gone


async def applied(redis: Redis, stream: str, group: str, entry_id: str, wait_s: float) -> bool:
    """Wait until `group` has applied the entry (delivered and acknowledged), at most `wait_s`;
    whether it had. No such group: nobody to wait for."""
    deadline = time.monotonic() + wait_s
    while not await _has_applied(redis, stream, group, entry_id):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def _has_applied(redis: Redis, stream: str, group: str, entry_id: str) -> bool:
    groups: Any = await redis.xinfo_groups(stream)
    found = [g for g in groups if _text(g["name"]) == group]
    if not found:
        return True
    if parse_id(found[0]["last-delivered-id"]) < parse_id(entry_id):
        return False
    pending: Any = await redis.xpending_range(stream, group, min=entry_id, max=entry_id, count=1)
    return not pending


def frame(name: Name) -> bytes:
    """One SSE message: the name as its data, nothing else (a plain message, so a page's
    script hears every name without knowing them beforehand)."""
    return f"data: {name}\n\n".encode()


async def notifications(
    hub: Hub, audience: Audience, signed_in: Callable[[], Awaitable[bool]]
) -> AsyncIterator[bytes]:
    """The SSE body of one page, for as long as it listens and its session lasts."""
    yield f"retry: {RETRY_MS}\n\n".encode()
    with hub.listening(audience) as listener:
        while True:
            names = await listener.next(hub.keep_alive_s)
            if not await signed_in():  # ended or expired: the stream ends with it
                return
            if not names:
                yield b": keep-alive\n\n"
            for name in names:
                yield frame(name)


@router.get("/live")
async def live(request: Request, person: PersonDep, console: ConsoleDep) -> StreamingResponse:
    """The person's notifications as Server-Sent Events (static/live.js listens)."""
    audience = await _audience(console, person)
    session_id = request.cookies.get(COOKIE, "")

    async def still_signed_in() -> bool:
        async with console.db.sessions() as session:
            return await Sessions(session).find(session_id, datetime.now(UTC)) is not None

    hub: Hub = request.app.state.live
    body = notifications(hub, audience, still_signed_in)
    # A proxy (nginx) must pass each message on as it comes (no-store: PageHeaders).
    headers = {"X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)


async def _audience(console: Console, person: Person) -> Audience:
    """A channel's locations are sales' (asked once per connection, with the person's token:
    EventSource reconnects now and then, and a moved location shows at the next)."""
    claims = person.claims
    if claims.role != "channel" or claims.channel is None:
        return audience_of(claims)
    token = await access_token(console, person)
    channel = await console.upstream.get("sales", f"/channels/{claims.channel}", token)
    return audience_of(claims, frozenset(channel["locations"]))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
