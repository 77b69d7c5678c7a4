"""The delivery plumbing against the real Redis and database of the run: groups at 0, inbox,
dead letters, claimer, relay. A probe service keeps the domain out of the way."""

import asyncio
import itertools
import json
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from services.production.domain import serials
from shared.contracts import BatchCompleted
from shared.delivery.entries import DATA_FIELD
from shared.service import Runtime
from tests.contracts.samples import sample_event
from tests.integration import probe_service
from tests.integration.harness import dead_letters, pending_count, running
from tests.waiting import eventually

_sequence = itertools.count(1)


def completed(quantity: int = 24) -> BatchCompleted:
    """A fresh BatchCompleted of its own lot, as production would emit it."""
    lot = f"CLG-FTW-2611-{next(_sequence):04d}"
    fields = {
        "event_id": uuid.uuid4(),
        "batch_id": uuid.uuid4(),
        "lot_code": lot,
        "quantity": quantity,
        "serials": serials(lot, quantity),  # shoes: one per unit, as the contract says
    }
    return BatchCompleted.model_validate(sample_event(BatchCompleted).model_dump() | fields)


async def xadd(redis: Redis, namespace: str, *payloads: bytes | dict[bytes, bytes]) -> None:
    stream = BatchCompleted.stream(namespace)
    for payload in payloads:
        fields: dict[Any, Any] = payload if isinstance(payload, dict) else {DATA_FIELD: payload}
        await redis.xadd(stream, fields)


def raw(event: BatchCompleted) -> bytes:
    return event.model_dump_json().encode()


async def applied(runtime: Runtime) -> list[str]:
    async with runtime.db.sessions() as session:
        return list(await session.scalars(select(probe_service.AppliedRow.lot_code)))


async def settled(runtime: Runtime, expected: int) -> bool:
    stream = BatchCompleted.stream(runtime.settings.namespace)
    return (
        len(await applied(runtime)) == expected
        and await pending_count(runtime.redis, stream, runtime.settings.group) == 0
    )


@pytest.fixture(autouse=True)
def no_poison() -> None:
    probe_service.poisoned.clear()


async def test_events_published_before_the_first_start_are_delivered(
    system_env: dict[str, str],
) -> None:
    redis = Redis.from_url(system_env["REDIS_URL"])
    backlog = [completed() for _ in range(450)]
    await xadd(redis, system_env["JEJAK_NAMESPACE"], *(raw(e) for e in backlog))
    async with running(probe_service.spec, system_env) as runtime:
        await eventually("the backlog applied and acked", lambda: settled(runtime, 450))
        assert sorted(await applied(runtime)) == sorted(e.lot_code for e in backlog)
    await redis.aclose()


async def test_the_same_event_delivered_twice_is_applied_once(system_env: dict[str, str]) -> None:
    event = completed()
    async with running(probe_service.spec, system_env) as runtime:
        await xadd(runtime.redis, runtime.settings.namespace, raw(event))
        await eventually("the first delivery applied", lambda: settled(runtime, 1))
        await xadd(runtime.redis, runtime.settings.namespace, raw(event), raw(event))
        await xadd(runtime.redis, runtime.settings.namespace, raw(completed()))
        await eventually("the next event applied", lambda: settled(runtime, 2))
        assert (await applied(runtime)).count(event.lot_code) == 1


async def test_a_stream_deleted_under_a_running_consumer_is_read_again_once_recreated(
    system_env: dict[str, str],
) -> None:
    async with running(probe_service.spec, system_env) as runtime:
        stream = BatchCompleted.stream(runtime.settings.namespace)
        await xadd(runtime.redis, runtime.settings.namespace, raw(completed()))
        await eventually("the first event applied", lambda: settled(runtime, 1))
        await runtime.redis.delete(stream)  # an operator's reset: the group goes with it
        await asyncio.sleep(0.5)  # the reader meets NOGROUP
        await xadd(runtime.redis, runtime.settings.namespace, raw(completed()))
        await eventually("the event after the reset applied", lambda: settled(runtime, 2))


async def test_bad_entries_are_dead_lettered_with_the_reason_while_the_consumer_goes_on(
    system_env: dict[str, str],
) -> None:
    good = [completed(), completed()]
    invalid = completed().model_dump(mode="json") | {"lot_code": "not-a-lot", "quantity": -1}
    async with running(probe_service.spec, system_env) as runtime:
        namespace = runtime.settings.namespace
        await xadd(
            runtime.redis,
            namespace,
            raw(good[0]),
            b"{this is not json",
            {b"note": b"no data field at all"},
            str(invalid).encode(),  # a Python repr, not JSON
            json.dumps(invalid).encode(),
            raw(good[1]),
        )
        await eventually("good entries applied, every entry acked", lambda: settled(runtime, 2))
        letters = await dead_letters(runtime)
    assert [(d[b"reason"], d[b"source_group"]) for d in letters] == [
        (b"malformed", runtime.settings.group.encode()),
    ] * 3 + [(b"invalid", runtime.settings.group.encode())]
    assert b"lot_code: String should match pattern" in letters[3][b"error"]
    assert b"quantity: Input should be greater than or equal to 0" in letters[3][b"error"]
    assert letters[0][b"original.__data__"] == b"{this is not json"
    assert letters[1][b"original.note"] == b"no data field at all"


async def test_an_event_of_another_major_version_or_of_no_version_is_dead_lettered_at_once(
    system_env: dict[str, str],
) -> None:
    """A v1 stream carries 1.x: "2.0", "9.0" or "abc" is another contract, or none."""
    versions = ["2.0", "9.0", "abc"]
    foreign = [completed().model_dump(mode="json") | {"schema_version": v} for v in versions]
    good = completed()
    async with running(probe_service.spec, system_env) as runtime:
        namespace = runtime.settings.namespace
        await xadd(runtime.redis, namespace, *(json.dumps(e).encode() for e in foreign), raw(good))
        await eventually("the good entry applied, every entry acked", lambda: settled(runtime, 1))
        letters = await dead_letters(runtime)
        assert await applied(runtime) == [good.lot_code]
    assert [(d[b"reason"], d[b"deliveries"]) for d in letters] == [(b"invalid", b"1")] * 3
    assert [d[b"error"].decode() for d in letters] == [
        "schema_version: Value error, major version 2 is not this stream's (v1): expected 1.x",
        "schema_version: Value error, major version 9 is not this stream's (v1): expected 1.x",
        "schema_version: Value error, 'abc' is not a version (major.minor, e.g. '1.0')",
    ]


async def test_an_event_that_keeps_failing_is_dead_lettered_after_the_delivery_limit(
    system_env: dict[str, str],
) -> None:
    probe_service.poisoned.add(13)
    poison, fine = completed(quantity=13), completed()
    async with running(
        probe_service.spec, system_env, JEJAK_CLAIM_IDLE_MS=200, JEJAK_MAX_DELIVERIES=3
    ) as runtime:
        namespace = runtime.settings.namespace
        await xadd(runtime.redis, namespace, raw(poison), raw(fine))
        await eventually("the poison dead-lettered, the rest applied", lambda: settled(runtime, 1))
        letters = await dead_letters(runtime)
        assert await applied(runtime) == [fine.lot_code]
    assert len(letters) == 1
    assert letters[0][b"reason"] == b"max_deliveries"
    assert letters[0][b"deliveries"] == b"3"
    assert b"cannot apply a batch of 13" in letters[0][b"error"]
    assert letters[0][b"original.__data__"] == raw(poison)


async def test_a_failure_that_heals_is_applied_once_by_the_claimer(
    system_env: dict[str, str],
) -> None:
    probe_service.poisoned.add(7)
    event = completed(quantity=7)
    async with running(
        probe_service.spec, system_env, JEJAK_CLAIM_IDLE_MS=300, JEJAK_MAX_DELIVERIES=50
    ) as runtime:
        stream = BatchCompleted.stream(runtime.settings.namespace)
        await xadd(runtime.redis, runtime.settings.namespace, raw(event))
        await eventually(
            "the failed entry pending",
            lambda: pending_count(runtime.redis, stream, runtime.settings.group),
        )
        probe_service.poisoned.clear()  # the outage is over
        await eventually("the entry applied by the claimer", lambda: settled(runtime, 1))
        assert await dead_letters(runtime) == []


async def test_entries_left_pending_by_a_crashed_consumer_are_taken_over(
    system_env: dict[str, str],
) -> None:
    events = [completed() for _ in range(30)]
    redis = Redis.from_url(system_env["REDIS_URL"])
    namespace, group = system_env["JEJAK_NAMESPACE"], f"{system_env['JEJAK_NAMESPACE']}.probe"
    stream = BatchCompleted.stream(namespace)
    await redis.xgroup_create(stream, group, id="0", mkstream=True)
    await xadd(redis, namespace, *(raw(e) for e in events))
    # A consumer that read 30 entries and died before acknowledging them.
    await redis.xreadgroup(group, "crashed-consumer", {stream: ">"}, count=30)
    assert await pending_count(redis, stream, group) == 30
    async with running(probe_service.spec, system_env, JEJAK_CLAIM_IDLE_MS=200) as runtime:
        await eventually("the dead consumer's entries applied", lambda: settled(runtime, 30))
    await redis.aclose()


async def unsent(runtime: Runtime) -> int:
    outbox = probe_service.delivery.outbox
    async with runtime.db.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
    return int(count or 0)


async def test_committed_events_are_published_in_order_and_marked_sent(
    system_env: dict[str, str],
) -> None:
    events = [completed() for _ in range(1200)]
    async with running(probe_service.spec, system_env) as runtime:
        async with runtime.units.begin() as uow:
            uow.emit(*events)
        stream = BatchCompleted.stream(runtime.settings.namespace)
        # Published once the unit of work committed, before its block returned.
        entries: Any = await runtime.redis.xrange(stream)
        await eventually("every row marked sent", lambda: unsent_is(runtime, 0))
        await eventually("every event applied", lambda: settled(runtime, len(events)))
    assert [fields[DATA_FIELD] for _id, fields in entries] == [raw(e) for e in events]


async def unsent_is(runtime: Runtime, expected: int) -> bool:
    return await unsent(runtime) == expected


async def test_events_committed_but_never_published_are_swept_out_after_the_grace(
    system_env: dict[str, str],
) -> None:
    events = [completed() for _ in range(30)]
    async with running(probe_service.spec, system_env, JEJAK_SWEEP_GRACE_MS=500) as runtime:
        async with runtime.db.transaction() as session:
            # Written and committed, never dispatched: as if the process died after its commit.
            await runtime.relay.write(session, events)
        stream = BatchCompleted.stream(runtime.settings.namespace)
        assert await runtime.redis.xlen(stream) == 0
        assert await unsent(runtime) == 30
        await eventually("the sweep published every row", lambda: unsent_is(runtime, 0))
        await eventually("every event applied", lambda: settled(runtime, len(events)))
        entries: Any = await runtime.redis.xrange(stream)
    assert [fields[DATA_FIELD] for _id, fields in entries] == [raw(e) for e in events]
