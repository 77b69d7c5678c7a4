"""`jejak dead-letters` against the run's real Redis and running probe services: list and
show what was set aside (every service's dead letters), replay it (applied once, by every group
that had not applied it), drop it; unknown ids change nothing and exit with 2.

Forged letters (a service writing another's, a letter naming what its group does not consume)
are tested with the services' own Redis users in test_dead_letter_forgery.py."""

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from typer.testing import CliRunner, Result

from jejak.cli import app
from jejak.redis_users import SPECS
from shared.contracts import BatchCompleted
from shared.delivery.dead_letters import DeadLetters, dead_letter_prefix, dead_letter_stream
from shared.delivery.entries import DATA_FIELD, Entry
from shared.service import Runtime
from tests.integration import probe_service
from tests.integration.harness import pending_count, running
from tests.integration.test_delivery import applied, completed, raw, xadd
from tests.waiting import eventually

OTHER = dataclasses.replace(probe_service.spec, name="probe2")  # a second group, own database


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, ["dead-letters", *args], env=env, input=stdin)


@pytest.fixture(autouse=True)
def no_poison() -> None:
    probe_service.poisoned.clear()


@pytest.fixture(autouse=True)
def probes_known(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probes are services of this test system: replay learns what their groups consume
    from their specs, as it does the real services'."""
    monkeypatch.setitem(SPECS, "probe", lambda: probe_service.spec)
    monkeypatch.setitem(SPECS, "probe2", lambda: OTHER)


@pytest.fixture
async def redis(system_env: dict[str, str]) -> AsyncIterator[Redis]:
    client = Redis.from_url(system_env["REDIS_URL"])
    yield client
    await client.aclose()


async def letter_ids(redis: Redis, namespace: str) -> list[str]:
    """`<service>/<entry id>` of every letter of every service, oldest first."""
    ids: list[tuple[int, str]] = []
    for service in ("probe", "probe2"):
        entries: Any = await redis.xrange(dead_letter_stream(namespace, service))
        for entry_id, _fields in entries:
            ids.append((int(entry_id.split(b"-")[0]), f"{service}/{entry_id.decode()}"))
    return [letter_id for _ms, letter_id in sorted(ids)]


async def settled(runtime: Runtime) -> bool:
    stream = BatchCompleted.stream(runtime.settings.namespace)
    info: Any = await runtime.redis.xinfo_groups(stream)
    [mine] = [g for g in info if g["name"].decode() == runtime.settings.group]
    last: Any = await runtime.redis.xrevrange(stream, count=1)
    caught_up = mine["last-delivered-id"] == last[0][0]
    return caught_up and await pending_count(runtime.redis, stream, runtime.settings.group) == 0


async def both_settled(*runtimes: Runtime) -> bool:
    return all([await settled(runtime) for runtime in runtimes])


async def test_list_and_show_tell_where_a_letter_came_from_why_and_what_it_held(
    system_env: dict[str, str], redis: Redis
) -> None:
    invalid = completed().model_dump(mode="json") | {"quantity": -1}
    async with running(probe_service.spec, system_env) as runtime:
        namespace, group = runtime.settings.namespace, runtime.settings.group
        await xadd(redis, namespace, json.dumps(invalid).encode(), b"{not json")
        await eventually("two letters", lambda: _count_is(redis, namespace, 2))
    first, second = await letter_ids(redis, namespace)

    listed = cli(system_env, "list")
    assert listed.exit_code == 0, listed.output
    header, *rows, total = listed.stdout.splitlines()
    columns = ["ID", "DEAD", "AT", "SOURCE", "STREAM", "GROUP", "REASON", "DELIVERIES", "EVENT"]
    assert header.split() == columns
    stream = BatchCompleted.stream(namespace)
    assert [row.split()[0] for row in rows] == [first, second]
    event = ["batch-completed", invalid["event_id"]]
    assert rows[0].split()[2:] == [stream, group, "invalid", "1", *event]
    assert rows[1].split()[2:] == [stream, group, "malformed", "1", "?", "?"]
    assert total == f"2 dead letter(s) in {dead_letter_prefix(namespace)}*."

    shown = cli(system_env, "show", first)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines()[:3] == [
        f"Dead letter {first}",
        f"source stream:    {stream}",
        f"source group:     {group}",
    ]
    assert "  quantity: Input should be greater than or equal to 0" in shown.stdout
    assert "  __data__:\n    {\n" in shown.stdout  # the letter's copy, pretty-printed
    assert '      "quantity": -1,' in shown.stdout
    assert "    {not json" in cli(system_env, "show", second).stdout


async def _count_is(redis: Redis, namespace: str, count: int) -> bool:
    return len(await letter_ids(redis, namespace)) == count


async def test_a_letter_never_applied_is_applied_once_after_replay_by_every_group(
    system_env: dict[str, str], redis: Redis
) -> None:
    probe_service.poisoned.add(13)
    event = completed(quantity=13)
    fast_claims = {"JEJAK_CLAIM_IDLE_MS": 200, "JEJAK_MAX_DELIVERIES": 2}
    async with (
        running(probe_service.spec, system_env, **fast_claims) as probe,
        running(OTHER, system_env, **fast_claims) as other,
    ):
        namespace = probe.settings.namespace
        await xadd(redis, namespace, raw(event))
        await eventually("both groups gave up on it", lambda: _count_is(redis, namespace, 2))
        await eventually("both settled", lambda: both_settled(probe, other))
        probe_service.poisoned.clear()  # the bug is fixed
        by_group = {
            (await _letter(redis, namespace, letter_id))[b"source_group"].decode(): letter_id
            for letter_id in await letter_ids(redis, namespace)
        }

        replayed = cli(system_env, "replay", by_group[probe.settings.group])
        assert replayed.exit_code == 0, replayed.output
        assert replayed.stdout.startswith(f"Replayed {by_group[probe.settings.group]} to ")
        await eventually("applied by both", lambda: _applied_everywhere(probe, other, event))

        again = cli(system_env, "replay", by_group[other.settings.group])  # the other's letter
        assert again.exit_code == 0, again.output
        await eventually("both settled again", lambda: both_settled(probe, other))
        assert await applied(probe) == [event.lot_code]
        assert await applied(other) == [event.lot_code]
    assert await letter_ids(redis, namespace) == []
    assert await redis.xlen(BatchCompleted.stream(namespace)) == 3  # original, two copies


async def _letter(redis: Redis, namespace: str, letter_id: str) -> dict[bytes, bytes]:
    service, entry_id = letter_id.split("/")
    stream = dead_letter_stream(namespace, service)
    entries: Any = await redis.xrange(stream, entry_id, entry_id)
    fields: dict[bytes, bytes] = entries[0][1]
    return fields


async def _applied_everywhere(probe: Runtime, other: Runtime, event: BatchCompleted) -> bool:
    return await applied(probe) == await applied(other) == [event.lot_code]


async def test_replaying_an_event_already_applied_changes_nothing(
    system_env: dict[str, str], redis: Redis
) -> None:
    event = completed()
    async with (
        running(probe_service.spec, system_env) as probe,
        running(OTHER, system_env) as other,
    ):
        namespace = probe.settings.namespace
        stream = BatchCompleted.stream(namespace)
        await xadd(redis, namespace, raw(event))
        await eventually("applied by both", lambda: _applied_everywhere(probe, other, event))
        entries: Any = await redis.xrange(stream)
        [(entry_id, fields)] = entries
        # A letter for an entry its group did apply (an operator replays the same event twice).
        await probe.dead_letters.send(
            Entry(stream, entry_id.decode(), fields),
            group=probe.settings.group,
            reason="max_deliveries",
            error="the database went away",
        )
        [letter_id] = await letter_ids(redis, namespace)

        replayed = cli(system_env, "replay", letter_id)
        assert replayed.exit_code == 0, replayed.output
        assert await redis.xlen(stream) == 2
        await eventually("both read the copy", lambda: both_settled(probe, other))
        assert await applied(probe) == await applied(other) == [event.lot_code]
    assert await letter_ids(redis, namespace) == []


async def written_letter(redis: Redis, namespace: str, payload: bytes) -> str:
    """A letter as the probe's group would write it, without running one, for an entry added
    to its source stream."""
    stream = BatchCompleted.stream(namespace)
    entry_id: Any = await redis.xadd(stream, {DATA_FIELD: payload})
    await DeadLetters(redis, namespace, "probe").send(
        Entry(stream, entry_id.decode(), {DATA_FIELD: payload}),
        group=f"{namespace}.probe",
        reason="max_deliveries",
        error="boom",
        deliveries=5,
    )
    return (await letter_ids(redis, namespace))[-1]


async def test_drop_removes_letters_once_confirmed(
    system_env: dict[str, str], redis: Redis
) -> None:
    namespace = system_env["JEJAK_NAMESPACE"]
    first = await written_letter(redis, namespace, raw(completed()))
    second = await written_letter(redis, namespace, raw(completed()))

    declined = cli(system_env, "drop", first, stdin="n\n")
    assert declined.exit_code == 1
    assert await letter_ids(redis, namespace) == [first, second]

    confirmed = cli(system_env, "drop", first, stdin="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert "Dropped 1 dead letter(s)." in confirmed.stdout
    assert await letter_ids(redis, namespace) == [second]

    assert cli(system_env, "drop", "--yes", second).exit_code == 0
    assert cli(system_env, "list").stdout.startswith("No dead letters in ")


async def test_unknown_ids_are_a_clear_error_with_exit_code_2_and_change_nothing(
    system_env: dict[str, str], redis: Redis
) -> None:
    namespace = system_env["JEJAK_NAMESPACE"]
    known = await written_letter(redis, namespace, raw(completed()))
    stream = BatchCompleted.stream(namespace)
    bare_id = known.split("/")[1]  # the entry id alone does not say whose letter it is

    for args in (
        ("show", "probe/1-1"),
        ("show", "not-an-id"),
        ("show", bare_id),
        ("replay", known, "probe/1-1"),
        ("drop", "--yes", known, "probe2/1-1"),
    ):
        result = cli(system_env, *args)
        assert result.exit_code == 2, (args, result.output)
        assert f"Error: no dead letter {args[-1]} in {namespace}.dead-letters.* " in result.stderr
    assert await letter_ids(redis, namespace) == [known]
    assert await redis.xlen(stream) == 1  # the entry the letter names, no copy


async def test_a_letter_older_than_the_inbox_retention_or_still_invalid_needs_force(
    system_env: dict[str, str], redis: Redis
) -> None:
    namespace = system_env["JEJAK_NAMESPACE"]
    stream = BatchCompleted.stream(namespace)
    old = completed().model_copy(update={"recorded_at": datetime.now(UTC) - timedelta(days=8)})
    aged = await written_letter(redis, namespace, raw(old))
    broken = await written_letter(redis, namespace, b"{not json")

    refused = cli(system_env, "replay", aged, broken)
    assert refused.exit_code == 1
    assert "older than the inbox retention (JEJAK_INBOX_RETENTION_S=604800)" in refused.stderr
    assert f"{broken}: it is still malformed" in refused.stderr
    assert await redis.xlen(stream) == 2  # the two entries the letters name, no copy

    longer_retention = system_env | {"JEJAK_INBOX_RETENTION_S": str(9 * 86_400)}
    assert cli(longer_retention, "replay", aged).exit_code == 0
    assert cli(system_env, "replay", "--force", broken).exit_code == 0
    entries: Any = await redis.xrange(stream)
    copies = [fields[DATA_FIELD] for _id, fields in entries][2:]
    assert copies == [raw(old), b"{not json"]
    assert await letter_ids(redis, namespace) == []
