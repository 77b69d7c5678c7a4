"""An entry that can never be applied is set aside with its reason; the others still apply.

The dead letters are read back from the real dead-letter stream of the test's namespace.
"""

import json
from typing import Any

from services.quality.api import list_inspections
from shared.contracts import BatchCompleted
from shared.delivery.entries import DATA_FIELD, encode
from tests.builders import batch_completed
from tests.handlers.harness import KANWIL, PAGE, Service


async def dead_letters(quality: Service) -> list[tuple[str, dict[bytes, Any]]]:
    """(stream, fields) of every dead letter, the fields' text decoded as it was written."""
    stream = quality.runtime.dead_letters.stream
    entries: Any = await quality.runtime.redis.xrange(stream)
    return [
        (stream, {key: _text(key, value) for key, value in fields.items()})
        for _id, fields in entries
    ]


def _text(key: bytes, value: bytes) -> Any:
    return value if key.startswith(b"original.") else value.decode()


def breaking_quantity(event: BatchCompleted) -> bytes:
    payload = json.loads(event.model_dump_json())
    payload["quantity"] = -1
    return json.dumps(payload).encode()


async def pending_batches(quality: Service) -> set[object]:
    async with quality.session() as session:
        return {
            i.batch_id
            for i in (await list_inspections(session, KANWIL, PAGE, status="pending")).items
        }


async def test_an_event_breaking_its_contract_is_dead_lettered_with_the_field(
    quality: Service,
) -> None:
    await quality.publish_raw(BatchCompleted, breaking_quantity(batch_completed()))

    [(stream, fields)] = await dead_letters(quality)
    assert stream == f"{quality.namespace}.dead-letters.quality"
    assert fields[b"reason"] == "invalid"
    assert fields[b"error"].startswith("quantity: Input should be greater than or equal to 0")
    assert fields[b"source_stream"] == BatchCompleted.stream(quality.namespace)
    assert fields[b"source_group"] == f"{quality.namespace}.quality"
    assert b"original." + DATA_FIELD in fields
    assert await pending_batches(quality) == set()


async def test_an_entry_that_is_not_json_is_dead_lettered_as_malformed(
    quality: Service,
) -> None:
    await quality.publish_raw(BatchCompleted, b"{not json")

    [(_stream, fields)] = await dead_letters(quality)
    assert fields[b"reason"] == "malformed"


async def test_a_bad_entry_does_not_hold_back_the_good_ones_read_with_it(
    quality: Service,
) -> None:
    good, bad = batch_completed(), batch_completed()

    await quality.deliver_entries(
        BatchCompleted, [encode(good), {DATA_FIELD: breaking_quantity(bad)}, {b"other": b"x"}]
    )

    assert [fields[b"reason"] for _stream, fields in await dead_letters(quality)] == [
        "invalid",
        "malformed",
    ]
    assert await pending_batches(quality) == {good.batch_id}
