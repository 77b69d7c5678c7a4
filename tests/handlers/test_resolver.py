"""The QR code on a label (a GS1 Digital Link) opens the public trace of what it names."""

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.responses import Response

from services.trace.api import Client, resolve_lot, resolve_serial, resolve_unit
from services.trace.api import trace as trace_route
from services.trace.negotiation import JSON
from shared.errors import BadRequest, NotFound
from tests.builders import GINGER, batch_completed, batch_signed_off, received
from tests.handlers.harness import Service
from tests.handlers.test_trace import life_of_a_lot

APP = Client(JSON, "id")  # an app asking for JSON


def body(response: Response) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(bytes(response.body))
    return answer


async def link_parts(trace: Service, code: str) -> list[str]:
    """The /01/<gtin>/10/<lot>[/21/<serial>] parts of the link trace prints for a code."""
    async with trace.session() as session:
        printed: str = body(await trace_route(code, session, trace.runtime, None))["digital_link"]
    return urlsplit(printed).path.split("/")[1:]


async def test_the_link_on_a_units_label_opens_its_public_trace(trace: Service) -> None:
    batch, events = life_of_a_lot("BUYER-QR-1")
    await trace.publish(*events)
    _01, gtin, _10, lot, _21, serial = await link_parts(trace, batch.serials[0])

    async with trace.session() as session:
        unit = body(await resolve_unit(gtin, lot, serial, session, trace.runtime, None, APP))
        by_serial = body(await resolve_serial(gtin, serial, session, trace.runtime, None, APP))

    assert (unit["kind"], unit["serial"], unit["status"]) == ("unit", serial, "sold")
    assert by_serial == unit
    assert "BUYER-QR-1" not in json.dumps(unit), "a buyer's reference is never public"


async def test_the_link_on_a_lots_label_opens_the_lots_journey(trace: Service) -> None:
    ginger = batch_completed(sku=GINGER, quantity=120)
    signed = batch_signed_off(ginger, rejected_quantity=0)
    await trace.publish(ginger, signed, received(signed))
    _01, gtin, _10, lot = await link_parts(trace, ginger.lot_code)

    async with trace.session() as session:
        answer = body(await resolve_lot(gtin, lot, session, trace.runtime, None, APP))

    assert (answer["kind"], answer["lot_code"]) == ("lot", ginger.lot_code)
    assert [step["biz_step"] for step in answer["timeline"]] == [
        "commissioning",
        "inspecting",
        "storing",
    ]


async def test_a_gtin_with_a_wrong_check_digit_is_a_bad_request(trace: Service) -> None:
    batch, events = life_of_a_lot("BUYER-QR-2")
    await trace.publish(*events)
    _01, gtin, _10, lot, _21, serial = await link_parts(trace, batch.serials[0])
    wrong = gtin[:13] + str((int(gtin[13]) + 1) % 10)

    async with trace.session() as session:
        with pytest.raises(BadRequest, match=f"check digit should be {gtin[13]}"):
            await resolve_unit(wrong, lot, serial, session, trace.runtime, None, APP)
        with pytest.raises(BadRequest, match="not 14 digits"):
            await resolve_unit("0200000000010", lot, serial, session, trace.runtime, None, APP)


async def test_a_link_whose_parts_do_not_belong_together_is_not_found(trace: Service) -> None:
    batch, events = life_of_a_lot("BUYER-QR-3")
    other, _ = life_of_a_lot("BUYER-QR-4")
    await trace.publish(*events)
    _01, gtin, _10, lot, _21, serial = await link_parts(trace, batch.serials[0])

    async with trace.session() as session:
        with pytest.raises(NotFound):
            await resolve_unit(gtin, other.lot_code, serial, session, trace.runtime, None, APP)
        with pytest.raises(NotFound):
            await resolve_unit("00200000000097", lot, serial, session, trace.runtime, None, APP)
        with pytest.raises(NotFound):
            await resolve_lot(gtin, serial, session, trace.runtime, None, APP)


async def test_a_label_printed_with_a_serial_of_the_old_form_still_resolves(
    trace: Service,
) -> None:
    """Goods sold before serials fitted GS1's 20 characters carry CLG-FTW-2611-0042-0001."""
    batch = batch_completed(quantity=2)
    old = [f"{batch.lot_code}-{n:04d}" for n in (1, 2)]
    await trace.publish(batch.model_copy(update={"serials": old}))

    async with trace.session() as session:
        runtime = trace.runtime
        unit = body(
            await resolve_unit(batch.gtin, batch.lot_code, old[1], session, runtime, None, APP)
        )
        by_serial = body(await resolve_serial(batch.gtin, old[0], session, runtime, None, APP))

    assert (unit["serial"], by_serial["serial"]) == (old[1], old[0])
