"""An entry that can never be applied is set aside with its reason; the others still apply.

Redis is replaced by a recorder of what would be added to the dead-letter stream: that the entry
really lands there (and is acknowledged) needs a real Redis, and the integration layer checks it.
"""

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from services.quality.api import list_inspections
from shared.contracts import BatchCompleted
from shared.delivery.entries import DATA_FIELD, encode
from tests.builders import batch_completed
from tests.handlers.harness import Service


@dataclass
class RecordingRedis:
    added: list[tuple[str, dict[bytes, Any]]] = field(default_factory=list)

    async def xadd(self, name: str, fields: dict[bytes, Any]) -> bytes:
        self.added.append((name, fields))
        return f"{len(self.added)}-0".encode()


@pytest.fixture
def dead_letters(quality: Service, monkeypatch: pytest.MonkeyPatch) -> RecordingRedis:
    recorder = RecordingRedis()
    monkeypatch.setattr(quality.runtime.dead_letters, "redis", recorder)
    return recorder


def breaking_quantity(event: BatchCompleted) -> bytes:
    payload = json.loads(event.model_dump_json())
    payload["quantity"] = -1
    return json.dumps(payload).encode()


async def pending_batches(quality: Service) -> set[object]:
    async with quality.session() as session:
        return {i.batch_id for i in await list_inspections(session, status="pending")}


async def test_an_event_breaking_its_contract_is_dead_lettered_with_the_field(
    quality: Service, dead_letters: RecordingRedis
) -> None:
    await quality.publish_raw(BatchCompleted, breaking_quantity(batch_completed()))

    [(stream, fields)] = dead_letters.added
    assert stream == f"{quality.namespace}.dead-letters"
    assert fields[b"reason"] == "invalid"
    assert fields[b"error"].startswith("quantity: Input should be greater than or equal to 0")
    assert fields[b"source_stream"] == BatchCompleted.stream(quality.namespace)
    assert fields[b"source_group"] == f"{quality.namespace}.quality"
    assert b"original." + DATA_FIELD in fields
    assert await pending_batches(quality) == set()


async def test_an_entry_that_is_not_json_is_dead_lettered_as_malformed(
    quality: Service, dead_letters: RecordingRedis
) -> None:
    await quality.publish_raw(BatchCompleted, b"{not json")

    [(_stream, fields)] = dead_letters.added
    assert fields[b"reason"] == "malformed"


async def test_a_bad_entry_does_not_hold_back_the_good_ones_read_with_it(
    quality: Service, dead_letters: RecordingRedis
) -> None:
    good, bad = batch_completed(), batch_completed()

    await quality.deliver_entries(
        BatchCompleted, [encode(good), {DATA_FIELD: breaking_quantity(bad)}, {b"other": b"x"}]
    )

    assert [fields[b"reason"] for _stream, fields in dead_letters.added] == [
        "invalid",
        "malformed",
    ]
    assert await pending_batches(quality) == {good.batch_id}
