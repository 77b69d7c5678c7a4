"""Retention on the run's real Redis and database: streams trimmed only below what every group
still needs and older than the minimum age; inbox and outbox pruned up to the horizon.

Ages are made, not waited for: entries are added with explicit ids in the past (an id carries
its XADD time) and rows are written with old timestamps.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import insert, select, update

from shared.contracts import BatchCompleted
from shared.db import ensure_database
from shared.delivery.dead_letters import dead_letter_stream
from shared.delivery.entries import DATA_FIELD, Entry
from shared.delivery.reader import ensure_groups
from shared.delivery.retention import inbox_horizon, trim
from shared.service import Runtime
from tests.integration import probe_service
from tests.integration.harness import pending_count, running, settings_for
from tests.integration.test_delivery import applied, completed, raw
from tests.waiting import eventually

DAY = timedelta(days=1)
ENTRY = {b"field": b"value"}


def ms_ago(age: timedelta, now: datetime) -> int:
    return int((now - age).timestamp() * 1000)


async def add_aged(redis: Redis, stream: str, *ages: timedelta) -> list[str]:
    """Entries added `ages` ago (oldest first), as their ids say."""
    now = datetime.now(UTC)
    ids = [f"{ms_ago(age, now)}-0" for age in ages]
    for entry_id in ids:
        await redis.xadd(stream, ENTRY, id=entry_id)  # type: ignore[arg-type]
    return ids


async def remaining(redis: Redis, stream: str) -> list[str]:
    entries: Any = await redis.xrange(stream)
    return [entry_id.decode() for entry_id, _fields in entries]


async def read(redis: Redis, stream: str, group: str, count: int) -> list[str]:
    response: Any = await redis.xreadgroup(group, "consumer-1", {stream: ">"}, count=count)
    return [entry_id.decode() for entry_id, _fields in response[0][1]] if response else []


@pytest.fixture
async def redis(system_env: dict[str, str]) -> AsyncIterator[Redis]:
    client = Redis.from_url(system_env["REDIS_URL"])
    yield client
    await client.aclose()


@pytest.fixture
def stream(system_env: dict[str, str]) -> str:
    return f"{system_env['JEJAK_NAMESPACE']}.retention.v1"


async def test_a_pending_entry_is_never_trimmed_even_when_older_than_the_min_age(
    redis: Redis, stream: str
) -> None:
    ids = await add_aged(redis, stream, 10 * DAY, 9 * DAY, 8 * DAY)
    await redis.xgroup_create(stream, "g", id="0")
    await read(redis, stream, "g", 3)
    await redis.xack(stream, "g", ids[0], ids[2])  # the middle one is still pending

    assert await trim(redis, stream, DAY) == 1
    assert await remaining(redis, stream) == ids[1:]
    assert await trim(redis, stream, DAY) == 0


async def test_undelivered_entries_of_a_lagging_group_are_never_trimmed(
    redis: Redis, stream: str
) -> None:
    ids = await add_aged(redis, stream, 10 * DAY, 9 * DAY, 8 * DAY, 7 * DAY)
    for group in ("fast", "lagging"):
        await redis.xgroup_create(stream, group, id="0")
    await redis.xack(stream, "fast", *await read(redis, stream, "fast", 4))
    await redis.xack(stream, "lagging", *await read(redis, stream, "lagging", 2))

    assert await trim(redis, stream, DAY) == 2
    assert await remaining(redis, stream) == ids[2:]


async def test_entries_every_group_acked_and_older_than_the_min_age_are_trimmed(
    redis: Redis, stream: str
) -> None:
    ids = await add_aged(redis, stream, 10 * DAY, 9 * DAY, timedelta(hours=1), timedelta(0))
    for group in ("a", "b"):
        await redis.xgroup_create(stream, group, id="0")
        await redis.xack(stream, group, *await read(redis, stream, group, 4))

    assert await trim(redis, stream, DAY) == 2
    assert await remaining(redis, stream) == ids[2:]  # younger than the minimum age
    assert await trim(redis, stream, timedelta(minutes=30)) == 1
    assert await remaining(redis, stream) == ids[3:]


async def test_a_stream_without_groups_is_trimmed_by_age_only(redis: Redis, stream: str) -> None:
    ids = await add_aged(redis, stream, 10 * DAY, 9 * DAY, timedelta(hours=1))

    assert await trim(redis, stream, DAY) == 2
    assert await remaining(redis, stream) == ids[2:]
    assert await trim(redis, f"{stream}.missing", DAY) == 0


async def test_an_outside_group_created_at_0_holds_the_stream(redis: Redis, stream: str) -> None:
    ids = await add_aged(redis, stream, 10 * DAY, 9 * DAY)
    await redis.xgroup_create(stream, "service", id="0")
    await redis.xack(stream, "service", *await read(redis, stream, "service", 2))
    await redis.xgroup_create(stream, "channel-galeri", id="0")  # never read yet

    assert await trim(redis, stream, DAY) == 0
    assert await remaining(redis, stream) == ids


async def test_a_console_live_group_left_behind_holds_nothing(redis: Redis, stream: str) -> None:
    """The console's live groups (services/console/live.py) read only what comes while a page
    listens: one whose console died, never reading again, must not keep the stream."""
    await add_aged(redis, stream, 10 * DAY, 9 * DAY)
    await redis.xgroup_create(stream, "service", id="0")
    await redis.xack(stream, "service", *await read(redis, stream, "service", 2))
    await redis.xgroup_create(stream, "t.console-live.1.host-1", id="0")  # never read

    assert await trim(redis, stream, DAY) == 2
    assert await remaining(redis, stream) == []


async def test_a_running_service_trims_what_it_produced_once_every_group_is_done(
    system_env: dict[str, str], redis: Redis
) -> None:
    namespace = system_env["JEJAK_NAMESPACE"]
    stream, dead = BatchCompleted.stream(namespace), dead_letter_stream(namespace, "probe")
    await redis.xgroup_create(stream, f"{namespace}.channel", id="0", mkstream=True)
    old_letter, *_ = await add_aged(redis, dead, 40 * DAY)
    await redis.xadd(dead, ENTRY)  # type: ignore[arg-type]
    async with running(
        probe_service.spec,
        system_env,
        JEJAK_STREAM_MIN_AGE_S=0,
        JEJAK_RETENTION_INTERVAL_S=0.05,
    ) as runtime:
        async with runtime.units.begin() as uow:  # the probe produces what it consumes here
            uow.emit(*(completed() for _ in range(5)))
        group = runtime.settings.group
        await eventually("the probe applied them", lambda: _applied_count_is(runtime, 5))
        await eventually("pending none", lambda: _no_pending(redis, stream, group))
        assert await redis.xlen(stream) == 5  # the channel's group has read none of them

        channel = f"{namespace}.channel"
        await redis.xack(stream, channel, *await read(redis, stream, channel, 100))
        await eventually("the stream trimmed", lambda: _length_is(redis, stream, 0))
    assert old_letter not in await remaining(redis, dead)
    assert len(await remaining(redis, dead)) == 1


async def _applied_count_is(runtime: Runtime, count: int) -> bool:
    return len(await applied(runtime)) == count


async def _no_pending(redis: Redis, stream: str, group: str) -> bool:
    return await pending_count(redis, stream, group) == 0


async def _length_is(redis: Redis, stream: str, length: int) -> bool:
    return int(await redis.xlen(stream)) == length


# --------------------------------------------------------------------------- inbox, outbox


@pytest.fixture
async def prepared(system_env: dict[str, str]) -> AsyncIterator[Runtime]:
    """The probe's tables and group, nothing running: each step is the test's own."""
    settings = settings_for(
        probe_service.spec,
        system_env,
        JEJAK_INBOX_RETENTION_S=3600,
        JEJAK_OUTBOX_RETENTION_S=3600,
    )
    runtime = Runtime(probe_service.spec, settings)
    await ensure_database(runtime.db.url)
    async with runtime.db.engine.begin() as conn:  # the probe has no migrations
        await conn.run_sync(probe_service.spec.metadata.create_all)
    await ensure_groups(runtime.redis, runtime.reader.streams, settings.group)
    yield runtime
    await runtime.redis.aclose()
    await runtime.db.engine.dispose()


async def inbox_ids(runtime: Runtime) -> set[str]:
    inbox = probe_service.delivery.inbox
    async with runtime.db.sessions() as session:
        return set(await session.scalars(select(inbox.c.event_id)))


async def processed(runtime: Runtime, *ages: timedelta) -> list[str]:
    """Inbox rows of the probe's group processed `ages` ago; their event ids."""
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = [
        {
            "consumer_group": runtime.settings.group,
            "event_id": str(uuid.uuid4()),
            "processed_at": now - age,
        }
        for age in ages
    ]
    async with runtime.db.transaction() as session:
        await session.execute(insert(probe_service.delivery.inbox), rows)
    return [row["event_id"] for row in rows]


async def run_retention(runtime: Runtime) -> int:
    return await runtime.retention.run(runtime.units, runtime.settings)


async def test_sent_outbox_rows_older_than_the_retention_are_deleted_unsent_ones_never(
    prepared: Runtime,
) -> None:
    outbox, now = probe_service.delivery.outbox, datetime.now(UTC)
    rows = {
        "old-sent": (now - timedelta(hours=3), now - timedelta(hours=2)),
        "young-sent": (now - timedelta(minutes=5), now - timedelta(minutes=5)),
        "old-unsent": (now - timedelta(hours=3), None),
    }
    async with prepared.db.transaction() as session:
        await session.execute(
            insert(outbox),
            [
                {
                    "event_id": name,
                    "stream": BatchCompleted.stream_suffix(),
                    "payload": "{}",
                    "created_at": created,
                    "sent_at": sent,
                }
                for name, (created, sent) in rows.items()
            ],
        )

    await run_retention(prepared)

    async with prepared.db.sessions() as session:
        left = set(await session.scalars(select(outbox.c.event_id)))
    assert left == {"young-sent", "old-unsent"}


async def test_inbox_rows_are_kept_back_to_the_retention_before_the_oldest_entry_still_due(
    prepared: Runtime,
) -> None:
    redis, group, hour = prepared.redis, prepared.settings.group, timedelta(hours=1)
    stream = BatchCompleted.stream(prepared.settings.namespace)
    retention = timedelta(seconds=prepared.settings.inbox_retention_s)
    now = datetime.now(UTC)
    pending_at, undelivered_at = now - 3 * hour, now - 2 * hour
    ms = [ms_ago(age, now) for age in (3 * hour, 2 * hour)]
    for entry_ms in ms:
        await redis.xadd(stream, ENTRY, id=f"{entry_ms}-0")  # type: ignore[arg-type]
    await redis.xreadgroup(group, "crashed", {stream: ">"}, count=1)  # the first: pending
    _very_old, older, old, young = await processed(
        prepared, 5 * hour, 3.5 * hour, 2.5 * hour, timedelta(0)
    )

    horizon = await inbox_horizon(redis, [stream], group, retention, now)
    assert abs(horizon - (pending_at - retention)) < timedelta(seconds=1)
    await run_retention(prepared)
    assert await inbox_ids(prepared) == {older, old, young}  # all but the one before 4 h ago

    await redis.xack(stream, group, f"{ms[0]}-0")  # the next one due: undelivered, 2 h old
    horizon = await inbox_horizon(redis, [stream], group, retention, now)
    assert abs(horizon - (undelivered_at - retention)) < timedelta(seconds=1)
    await run_retention(prepared)
    assert await inbox_ids(prepared) == {old, young}

    await redis.xack(stream, group, *await read(redis, stream, group, 1))  # nothing due
    assert await inbox_horizon(redis, [stream], group, retention, now) == now - retention
    await run_retention(prepared)
    assert await inbox_ids(prepared) == {young}


async def test_a_redelivered_event_whose_inbox_row_is_older_than_the_retention_is_applied_once(
    prepared: Runtime, system_env: dict[str, str]
) -> None:
    """Its batch committed, the process died before the XACK, and the entry stayed pending
    past the inbox retention: the claimer brings it back and the inbox still says applied."""
    redis, group, now = prepared.redis, prepared.settings.group, datetime.now(UTC)
    stream = BatchCompleted.stream(prepared.settings.namespace)
    event = completed()
    entry_id = f"{ms_ago(timedelta(hours=3), now)}-0"
    await redis.xadd(stream, {DATA_FIELD: raw(event)}, id=entry_id)
    response: Any = await redis.xreadgroup(group, "crashed", {stream: ">"})
    [[_stream, [(_id, fields)]]] = response
    [subscription] = probe_service.spec.events
    await prepared.consumer.apply_entries(subscription, [Entry(stream, entry_id, fields)])
    inbox = probe_service.delivery.inbox
    applied_at = now - timedelta(hours=2, minutes=50)  # after its XADD, before the retention
    async with prepared.db.transaction() as session:
        await session.execute(update(inbox).values(processed_at=applied_at))
    [forgotten] = await processed(prepared, timedelta(hours=4, minutes=30))

    await run_retention(prepared)
    # Older than the retention (an hour), and kept: its entry is still pending.
    assert await inbox_ids(prepared) == {str(event.event_id)}
    assert forgotten not in await inbox_ids(prepared)

    async with running(
        probe_service.spec, system_env, JEJAK_CLAIM_IDLE_MS=100, JEJAK_INBOX_RETENTION_S=3600
    ) as runtime:
        await eventually("the claimer took it over", lambda: _no_pending(redis, stream, group))
        assert await applied(runtime) == [event.lot_code]
