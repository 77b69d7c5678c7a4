"""Trace builds the public history of units and lots from every service's events."""

import json
from typing import Any

from services.trace.api import trace as trace_route
from services.trace.views import TraceDocument
from shared.contracts import Allocation, BatchCompleted, Event
from tests.builders import (
    batch_completed,
    batch_signed_off,
    order_placed,
    received,
    sale_completed,
    stock_reserved,
)
from tests.handlers.harness import KANWIL, Service


def life_of_a_lot(buyer_ref: str) -> tuple[BatchCompleted, list[Event]]:
    """24 pairs made, 2 rejected at QC, 22 stored, the first pair sold to `buyer_ref`."""
    batch = batch_completed(quantity=24)
    signed_off = batch_signed_off(batch, rejected_serials=batch.serials[22:])
    stored = received(signed_off)
    first_pair = Allocation(
        lot_code=batch.lot_code, location_code="CLG-STORE", quantity=1, serials=batch.serials[:1]
    )
    sale = sale_completed(
        stock_reserved(order_placed(quantity=1), [first_pair]), buyer_ref=buyer_ref
    )
    return batch, [batch, signed_off, stored, sale]


async def look_up(trace: Service, code: str) -> dict[str, Any]:
    """GET /trace/{code}, as the QR code on the label opens it."""
    async with trace.session() as session:
        response = await trace_route(code, session, trace.runtime, KANWIL)
    body: dict[str, Any] = json.loads(bytes(response.body))
    TraceDocument.model_validate(body)  # the shape the OpenAPI document gives
    return body


async def test_a_sold_units_trace_runs_from_workshop_to_buyer(trace: Service) -> None:
    batch, events = life_of_a_lot("BUYER-77K2")
    serial = batch.serials[0]

    await trace.publish(*events)

    unit = await look_up(trace, serial)
    assert (unit["kind"], unit["status"], unit["lot_code"]) == ("unit", "sold", batch.lot_code)
    assert [step["biz_step"] for step in unit["timeline"]] == [
        "commissioning",
        "inspecting",
        "storing",
        "retail_selling",
    ]
    commissioning, inspecting, storing, selling = unit["timeline"]
    assert commissioning["workshop_code"] == "CLG-SPT"
    assert (inspecting["qc_decision"], inspecting["defects"]) == ("conformant", [])
    assert (storing["location_code"], storing["quantity"]) == ("CLG-STORE", 22)
    assert (selling["buyer_ref"], selling["quantity"]) == ("BUYER-77K2", 1)
    assert unit["digital_link"].endswith(f"/01/{batch.gtin}/10/{batch.lot_code}/21/{serial}")
    assert unit["product"]["gtin"] == batch.gtin


async def test_a_rejected_units_trace_ends_at_qc_with_its_defect(trace: Service) -> None:
    batch, events = life_of_a_lot("BUYER-77K2")
    serial = batch.serials[23]

    await trace.publish(*events)

    unit = await look_up(trace, serial)
    assert unit["status"] == "rejected"
    assert [step["biz_step"] for step in unit["timeline"]] == ["commissioning", "inspecting"]
    inspecting = unit["timeline"][1]
    assert inspecting["disposition"] == "non_conformant"
    assert [d["code"] for d in inspecting["defects"]] == ["FTW-01"]


async def test_a_lots_trace_lists_every_unit_and_the_buyers_for_a_recall(trace: Service) -> None:
    batch, events = life_of_a_lot("BUYER-77K2")

    await trace.publish(*events)

    lot = await look_up(trace, batch.lot_code)
    assert lot["kind"] == "lot"
    statuses = {unit["serial"]: unit["status"] for unit in lot["units"]}
    assert statuses[batch.serials[0]] == "sold"
    assert statuses[batch.serials[1]] == "in_stock"
    assert statuses[batch.serials[22]] == statuses[batch.serials[23]] == "rejected"
    assert [(b["buyer_ref"], b["quantity"], b["serials"]) for b in lot["buyers"]] == [
        ("BUYER-77K2", 1, [batch.serials[0]])
    ]


async def test_a_trace_keeps_the_order_of_life_when_events_arrive_out_of_order(
    trace: Service,
) -> None:
    batch, events = life_of_a_lot("BUYER-77K2")

    await trace.publish(*reversed(events))

    unit = await look_up(trace, batch.serials[0])
    assert [step["biz_step"] for step in unit["timeline"]] == [
        "commissioning",
        "inspecting",
        "storing",
        "retail_selling",
    ]


async def test_events_delivered_twice_add_no_step_twice(trace: Service) -> None:
    batch, events = life_of_a_lot("BUYER-77K2")

    await trace.publish(*events)
    await trace.publish(*events[1:])

    lot = await look_up(trace, batch.lot_code)
    assert [step["biz_step"] for step in lot["timeline"]] == [
        "commissioning",
        "inspecting",
        "storing",
        "retail_selling",
    ]
