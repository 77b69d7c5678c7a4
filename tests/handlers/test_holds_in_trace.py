"""Quality's holds and recalls in trace: the lot's and its units' traces, the public page and
the EPCIS export show what was held and recalled (bizStep holding)."""

from typing import Any

from fastapi.responses import Response

from services.trace.api import Client, resolve_lot, resolve_unit
from services.trace.db import StepRow
from services.trace.negotiation import HTML
from services.trace.wording import TEXT
from shared import samples
from shared.contracts import BatchCompleted, LotHeld, LotRecalled
from shared.gs1 import digital_link
from tests.builders import GINGER, batch_completed, batch_signed_off, later, received
from tests.handlers.harness import Service
from tests.handlers.test_epcis import events, export, http
from tests.handlers.test_trace import life_of_a_lot, look_up

BUYER = "BUYER-HOLD-0007"
ON_HOLD, RECALLED = TEXT["id"]["on_hold"], TEXT["id"]["recalled"]


def held(batch: BatchCompleted, *serials: str) -> LotHeld:
    return samples.lot_held(
        batch,
        serials=serials,
        defect_code="FTW-01",
        reason="sol lepas pada sampel",
        occurred_at=later(),
    )


def recalled(hold: LotHeld) -> LotRecalled:
    return samples.lot_recalled(hold, reason="dikonfirmasi: tarik", occurred_at=later())


async def shoes(trace: Service) -> BatchCompleted:
    """24 pairs: 2 rejected, 22 stored, the first sold (tests/handlers/test_trace.py)."""
    batch, life = life_of_a_lot(BUYER)
    await trace.publish(*life)
    return batch


async def unit_page(trace: Service, batch: BatchCompleted, serial: str) -> str:
    async with trace.session() as session:
        response = await resolve_unit(
            batch.gtin, batch.lot_code, serial, session, trace.runtime, None, Client(HTML, "id")
        )
    return text(response)


async def lot_page(trace: Service, batch: BatchCompleted) -> str:
    async with trace.session() as session:
        response = await resolve_lot(
            batch.gtin, batch.lot_code, session, trace.runtime, None, Client(HTML, "id")
        )
    return text(response)


def text(response: Response) -> str:
    assert response.status_code == 200
    return bytes(response.body).decode()


def notice(text: str) -> str:
    return f'<p class="notice" role="alert" id="notice">{text}</p>'


def holding(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [step for step in timeline if step["biz_step"] == "holding"]


def holding_events(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in found if event["bizStep"] == "holding"]


async def test_a_whole_lot_held_then_recalled(trace: Service) -> None:
    batch = await shoes(trace)
    hold = held(batch)

    await trace.publish(hold)

    lot = await look_up(trace, batch.lot_code)
    [step] = holding(lot["timeline"])
    assert (step["disposition"], step["hold_id"], step["reason"], step["defect_code"]) == (
        "non_sellable_other",
        str(hold.hold_id),
        "sol lepas pada sampel",
        "FTW-01",
    )
    statuses = {unit["serial"]: unit["status"] for unit in lot["units"]}
    assert {statuses[s] for s in batch.serials[:22]} == {"on_hold"}, "sold and stored alike"
    assert statuses[batch.serials[23]] == "rejected", "it never left the workshop"
    for serial in batch.serials[:2]:
        unit = await look_up(trace, serial)
        assert unit["status"] == "on_hold"
        assert unit["timeline"][-1]["biz_step"] == "holding"
    page = await unit_page(trace, batch, batch.serials[0])
    assert notice(ON_HOLD) in page
    assert "Ditahan" in page, "the journey lists the hold"
    assert BUYER not in page

    await trace.publish(recalled(hold))

    lot = await look_up(trace, batch.lot_code)
    assert [step["disposition"] for step in holding(lot["timeline"])] == [
        "non_sellable_other",
        "recalled",
    ]
    statuses = {unit["serial"]: unit["status"] for unit in lot["units"]}
    assert {statuses[s] for s in batch.serials[:22]} == {"recalled"}
    assert (await look_up(trace, batch.serials[0]))["status"] == "recalled"
    page = await unit_page(trace, batch, batch.serials[1])
    assert notice(RECALLED) in page
    assert ON_HOLD not in page


async def test_a_hold_of_two_units_shows_on_those_units_only(trace: Service) -> None:
    batch = await shoes(trace)
    first, second, other = batch.serials[1], batch.serials[2], batch.serials[3]
    hold = held(batch, first, second)

    await trace.publish(hold)

    for serial in (first, second):
        unit = await look_up(trace, serial)
        assert unit["status"] == "on_hold"
        assert [s["disposition"] for s in holding(unit["timeline"])] == ["non_sellable_other"]
        assert 'id="notice"' in await unit_page(trace, batch, serial)
    unit = await look_up(trace, other)
    assert (unit["status"], holding(unit["timeline"])) == ("in_stock", [])
    assert 'id="notice"' not in await unit_page(trace, batch, other)
    assert 'id="notice"' not in await unit_page(trace, batch, batch.serials[0])
    lot = await look_up(trace, batch.lot_code)
    [line] = holding(lot["timeline"])
    assert (line["serials"], line["quantity"]) == ([first, second], 2)
    statuses = {unit["serial"]: unit["status"] for unit in lot["units"]}
    assert (statuses[first], statuses[second], statuses[other]) == ("on_hold",) * 2 + ("in_stock",)
    assert statuses[batch.serials[0]] == "sold"

    await trace.publish(recalled(hold))

    assert (await look_up(trace, first))["status"] == "recalled"
    assert (await look_up(trace, other))["status"] == "in_stock"
    assert notice(RECALLED) in await unit_page(trace, batch, second)


async def test_a_food_lot_held_shows_on_its_trace_and_page(trace: Service) -> None:
    ginger = batch_completed(sku=GINGER, quantity=120)
    signed = batch_signed_off(ginger, rejected_quantity=3)
    hold = samples.lot_held(ginger, reason="jamur pada sampel", occurred_at=later())
    await trace.publish(ginger, signed, received(signed), hold)

    lot = await look_up(trace, ginger.lot_code)
    [step] = holding(lot["timeline"])
    assert (step["disposition"], step["reason"]) == ("non_sellable_other", "jamur pada sampel")
    assert "defect_code" not in step
    assert lot["units"] == []
    page = await lot_page(trace, ginger)
    assert notice(ON_HOLD) in page

    await trace.publish(recalled(hold))

    assert notice(RECALLED) in await lot_page(trace, ginger)


async def test_holds_and_recalls_export_as_epcis_object_events(trace: Service) -> None:
    shoes_batch = await shoes(trace)
    ginger = batch_completed(sku=GINGER, quantity=120)
    signed = batch_signed_off(ginger, rejected_quantity=3)
    whole = held(shoes_batch)
    recall = recalled(whole)
    some = held(shoes_batch, *shoes_batch.serials[4:6])  # exports follow the recorded order
    food = samples.lot_held(ginger, occurred_at=later())
    await trace.publish(ginger, signed, received(signed), whole, recall, some, food)
    await trace.publish(recalled(food))
    base = trace.runtime.settings.public_base_url

    async with http(trace) as client:  # export() checks every page against GS1's schema
        of_shoes = holding_events(events(await export(client, lot=shoes_batch.lot_code)))
        of_ginger = holding_events(events(await export(client, lot=ginger.lot_code)))
        of_unit = holding_events(events(await export(client, serial=shoes_batch.serials[4])))
        of_other = holding_events(events(await export(client, serial=shoes_batch.serials[7])))

    def units(*serials: str) -> list[str]:
        return [digital_link(base, shoes_batch.gtin, None, serial) for serial in serials]

    assert [(e["disposition"], e["action"], e["epcList"]) for e in of_shoes] == [
        ("non_sellable_other", "OBSERVE", units(*shoes_batch.serials)),
        ("recalled", "OBSERVE", units(*shoes_batch.serials)),
        ("non_sellable_other", "OBSERVE", units(shoes_batch.serials[4])),
        ("non_sellable_other", "OBSERVE", units(shoes_batch.serials[5])),
    ]
    workshop = {"id": f"{base}/locations/{shoes_batch.workshop_code}"}
    hold_event = of_shoes[0]
    assert (hold_event["readPoint"], hold_event["bizLocation"]) == (workshop, workshop)
    assert (hold_event["jejak:holdID"], hold_event["jejak:defectCode"]) == (
        str(whole.hold_id),
        "FTW-01",
    )
    assert "jejak:reason" not in hold_event, "free text stays out of the public export"
    assert [e["disposition"] for e in of_unit] == [
        "non_sellable_other",
        "recalled",
        "non_sellable_other",
    ]
    assert [e["disposition"] for e in of_other] == ["non_sellable_other", "recalled"]
    lot_class = digital_link(base, ginger.gtin, ginger.lot_code)
    assert [(e["disposition"], e["quantityList"]) for e in of_ginger] == [
        ("non_sellable_other", [{"epcClass": lot_class, "quantity": 120}]),
        ("recalled", [{"epcClass": lot_class, "quantity": 120}]),
    ]
    assert all("epcList" not in e and "buyer_ref" not in str(e) for e in of_ginger)


async def test_a_hold_delivered_twice_adds_no_second_step(trace: Service) -> None:
    batch = await shoes(trace)
    hold = held(batch)
    recall = recalled(hold)

    await trace.publish(hold, recall)
    await trace.publish(hold, recall)

    rows = await trace.rows(StepRow, StepRow.biz_step == "holding")
    assert sorted(row.disposition for row in rows) == ["non_sellable_other", "recalled"]
    assert all(row.serial is None for row in rows)
    lot = await look_up(trace, batch.lot_code)
    assert len(holding(lot["timeline"])) == 2
