"""The live pages' event stream (services/console/live.py) against the real services: a
channel's staff hear of stock changes at their channel's locations and of no other channel's,
a QC officer of their UPT's completed batches once quality has the inspection, and the stream
ends with the session.

The stream is read by calling the console's ASGI app directly: httpx's ASGI transport waits
for a whole answer, and this one never ends by itself. Leaving the context is the browser
going away (`http.disconnect`)."""

import asyncio
import time
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from services.console.live import (
    LEFT_BEHIND_MS,
    Hub,
    Listener,
    alive_key,
    audience_of,
    sweep_left_behind,
)
from shared.contracts import StockChanged
from shared.delivery.retention import LIVE_GROUP
from shared.identity import Claims
from tests.builders import batch_completed, stock_changed
from tests.console.harness import Browser, ConsoleSystem

GALLERY = "KANWIL-GALERI"  # GALERI-SERANG's location
EXPO = "EXPO-KP3B"  # EXPO-UMKM's
HEARD_WITHIN_S = 10.0


@dataclass
class Stream:
    """What a page's EventSource receives: the status, headers and every chunk of the body."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    chunks: "asyncio.Queue[bytes]" = field(default_factory=asyncio.Queue)
    task: "asyncio.Task[None] | None" = None

    async def message(self, within_s: float = HEARD_WITHIN_S) -> str:
        """The next message (comments and the retry field skipped): its data."""
        while True:
            chunk = (await asyncio.wait_for(self.chunks.get(), within_s)).decode()
            if chunk.startswith("data: "):
                return chunk.removeprefix("data: ").strip()

    def silent(self) -> bool:
        """Nothing but comments and the retry field so far."""
        heard = []
        while not self.chunks.empty():
            heard.append(self.chunks.get_nowait())
        return not any(chunk.startswith(b"data:") for chunk in heard)


@asynccontextmanager
async def listening(system: ConsoleSystem, browser: Browser) -> AsyncIterator[Stream]:
    stream = Stream()
    gone = asyncio.Event()
    asked = False
    cookie = "; ".join(f"{name}={value}" for name, value in browser.http.cookies.items())
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/live",
        "raw_path": b"/live",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"console.test"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("console.test", 80),
    }

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            stream.status = message["status"]
            stream.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message.get("body"):
            await stream.chunks.put(message["body"])

    stream.task = asyncio.create_task(system.console(scope, receive, send))
    try:
        yield stream
    finally:
        gone.set()
        await asyncio.wait_for(stream.task, 5)


async def connected(system: ConsoleSystem, stream: Stream) -> None:
    """The page's listener is in the hub (the stream's first bytes are sent after that)."""
    retry = await asyncio.wait_for(stream.chunks.get(), HEARD_WITHIN_S)
    assert retry.startswith(b"retry: "), retry
    assert stream.status == 200
    assert stream.headers["content-type"].startswith("text/event-stream")


def hub_of(system: ConsoleSystem) -> Hub:
    hub: Hub = system.console.state.live
    return hub


async def test_a_channels_staff_hear_of_stock_at_their_locations_only(
    system: ConsoleSystem, staff: Browser
) -> None:
    async with system.browser() as expo_staff:
        await system.signed_in(expo_staff, "channel", channel="EXPO-UMKM")
        async with listening(system, staff) as gallery, listening(system, expo_staff) as expo:
            await connected(system, gallery)
            await connected(system, expo)
            await system.published(stock_changed(location_code=EXPO, available=5, version=1))
            assert await expo.message() == "stock-changed"
            await asyncio.sleep(0.05)  # the hub tells every listener at once
            assert gallery.silent(), "the gallery's staff heard of the expo's stock"

            await system.published(stock_changed(location_code=GALLERY, available=4, version=1))
            assert await gallery.message() == "stock-changed"
    assert not hub_of(system).listeners, "a page that went away is still listened to"


async def test_a_qc_officer_hears_of_a_batch_of_their_upt_once_quality_has_it(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as officer:
        await system.signed_in(officer, "qc_officer", upt="CLG")
        async with listening(system, officer) as stream:
            await connected(system, stream)
            batch = batch_completed(quantity=4)  # Cilegon's shoes
            await system.completed(batch)
            assert await stream.message() == "batch-completed"
            fragment = await officer.http.get("/qc/inspections", headers={"HX-Request": "true"})
            assert batch.lot_code in fragment.text  # what the page fetches shows it already


async def test_the_stream_ends_with_the_session(system: ConsoleSystem, staff: Browser) -> None:
    hub_of(system).keep_alive_s = 0.1
    async with listening(system, staff) as stream:
        await connected(system, stream)
        page = await staff.http.get("/gallery/stock")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed_out = await staff.http.post("/sign-out", data={"csrf_token": csrf})
        assert signed_out.status_code == 303
        assert stream.task is not None
        await asyncio.wait_for(stream.task, 5)  # ended by the console, not by the browser


async def test_no_stream_without_a_session(system: ConsoleSystem) -> None:
    async with system.browser() as anonymous:
        answer = await anonymous.http.get("/live")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in")


def test_who_hears_of_what() -> None:
    """The rule of `audience_of`, without a system: the Kanwil everything, a UPT administrator
    its store and its UPT's batches, a QC officer its UPT's batches only, anyone else nothing."""
    at_store = stock_changed(available=1, version=1)
    at_gallery = stock_changed(location_code=GALLERY, available=1, version=1)
    cilegon_batch = batch_completed(quantity=2)  # Cilegon's shoes
    kanwil = audience_of(Claims(role="kanwil_admin", sub="kanwil"))
    upt_admin = audience_of(Claims(role="upt_admin", sub="admin-clg", upt="CLG"))
    other_upt = audience_of(Claims(role="upt_admin", sub="admin-srg", upt="SRG"))
    officer = audience_of(Claims(role="qc_officer", sub="qc-clg", upt="CLG"))
    terminal = audience_of(Claims(role="terminal", sub="t", workshop="CLG-SPT", upt="CLG"))

    assert all(kanwil.concerns(e) for e in (at_store, at_gallery, cilegon_batch))
    assert [upt_admin.concerns(e) for e in (at_store, at_gallery, cilegon_batch)] == [
        True,
        False,
        True,
    ]
    assert not any(other_upt.concerns(e) for e in (at_store, at_gallery, cilegon_batch))
    assert [officer.concerns(e) for e in (at_store, cilegon_batch)] == [False, True]
    assert not any(terminal.concerns(e) for e in (at_store, cilegon_batch))


async def test_a_group_a_dead_console_left_is_swept_and_no_living_ones(
    system: ConsoleSystem,
) -> None:
    runtime = system.quality.state.runtime
    redis, namespace = runtime.redis, runtime.settings.namespace
    stream = StockChanged.stream(namespace)
    long_ago = int(time.time() * 1000) - LEFT_BEHIND_MS - 60_000
    gone, alive = (f"{namespace}.{LIVE_GROUP}.{long_ago}.host-{pid}" for pid in (1, 2))
    for group in (gone, alive):
        await redis.xgroup_create(stream, group, id="$", mkstream=True)
    await redis.set(alive_key(alive), 1, ex=60)

    assert await sweep_left_behind(redis, stream, namespace) == 1
    left = {group["name"].decode() for group in await redis.xinfo_groups(stream)}
    assert gone not in left
    assert {alive, hub_of(system).group} <= left  # this console's own is young and alive


async def test_a_slow_page_holds_one_of_each_name_however_many_events_came() -> None:
    """A client that does not read for a while costs no memory: a burst is one refresh."""
    listener = Listener(audience_of(Claims(role="kanwil_admin", sub="kanwil")))
    for version in range(1, 1001):
        listener.tell("stock-changed", stock_changed(available=version, version=version))
    listener.tell("batch-completed", batch_completed(quantity=2))

    assert await listener.next(timeout_s=1) == ["stock-changed", "batch-completed"]
    assert await listener.next(timeout_s=0.05) == []  # nothing new: silence, a keep-alive
