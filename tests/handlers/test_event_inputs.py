"""Events follow the input policy of HTTP (shared/inputs.py): an entry whose payload breaks it
(a control character, an oversize text, serials that do not match the quantity, a quantity
that is text, a lot larger than any) is dead-lettered with the field and the reason, nothing of
it is stored, and the good entry read with it is applied."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from services.quality.db import InspectionRow
from shared.contracts import BatchCompleted
from shared.delivery.entries import DATA_FIELD, encode
from shared.inputs import MAX_LOT_QUANTITY
from tests.builders import GINGER, SHOES, batch_completed
from tests.handlers.harness import Service
from tests.handlers.test_dead_letters import dead_letters, pending_batches

Change = Callable[[dict[str, Any]], None]


def changed(event: BatchCompleted, change: Change) -> bytes:
    payload = json.loads(event.model_dump_json())
    change(payload)
    return json.dumps(payload).encode()


def product_name(value: str) -> Change:
    return lambda payload: payload.update(product_name=value)


def three_serials(payload: dict[str, Any]) -> None:
    payload["serials"] = payload["serials"][:3]


def quantity_as_text(payload: dict[str, Any]) -> None:
    payload["quantity"] = str(payload["quantity"])


def huge_lot(payload: dict[str, Any]) -> None:
    payload["quantity"] = 3_000_000


@pytest.mark.parametrize(
    ("sku", "change", "error"),
    [
        (SHOES, product_name("Sepatu\x00olahraga"), "product_name: contains a control character"),
        (SHOES, product_name("Sepatu\nolahraga"), "product_name: contains a control character"),
        (SHOES, product_name("x" * 5_000_000), "product_name: String should have at most 120"),
        (SHOES, three_serials, "serials: 3 serials for 10 units traced per unit"),
        (SHOES, quantity_as_text, "quantity: Input should be a valid integer"),
        (GINGER, huge_lot, f"quantity: Input should be less than or equal to {MAX_LOT_QUANTITY}"),
    ],
    ids=["nul", "line-break", "5-mb-name", "serials-mismatch", "text-quantity", "huge-lot"],
)
async def test_an_event_breaking_the_policy_is_dead_lettered_and_the_next_applied(
    quality: Service, sku: str, change: Change, error: str
) -> None:
    bad, good = batch_completed(sku=sku, quantity=10), batch_completed(sku=sku, quantity=10)

    await quality.deliver_entries(
        BatchCompleted, [{DATA_FIELD: changed(bad, change)}, encode(good)]
    )

    [(_stream, fields)] = await dead_letters(quality)
    assert fields[b"reason"] == "invalid"
    assert fields[b"error"].startswith(error), fields[b"error"][:200]
    assert await pending_batches(quality) == {good.batch_id}
    assert len(await quality.rows(InspectionRow)) == 1
