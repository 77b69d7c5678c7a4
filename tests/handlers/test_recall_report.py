"""The recall report: every unit (or quantity) of a lot and where it is now, counts adding up."""

import csv
import io
import json
from typing import Any

from openpyxl import load_workbook

from services.trace.recall import WHERE
from services.trace.recall_api import recall_report_of
from shared import samples
from shared.contracts import Allocation
from shared.identity import Claims
from tests.builders import (
    GINGER,
    batch_completed,
    batch_signed_off,
    order_placed,
    received,
    sale_completed,
    stock_reserved,
)
from tests.handlers.harness import GALLERY, KANWIL, Service
from tests.handlers.test_trace import life_of_a_lot

EXPO = Claims(role="channel", sub="expo-test", channel="EXPO-UMKM")


def counts(**where: int) -> dict[str, int]:
    """A report's counts: every place goods can be, nothing where not said."""
    return dict.fromkeys(WHERE, 0) | where


async def report(trace: Service, lot: str, caller: Claims = KANWIL, as_: Any = "json") -> Any:
    async with trace.session() as session:
        response = await recall_report_of(lot, session, caller, as_)
    body = bytes(response.body)
    if as_ == "json":
        return json.loads(body)
    return body


async def test_a_recalled_shoe_lot_lists_every_pair_once_and_the_counts_add_up(
    trace: Service,
) -> None:
    batch, events = life_of_a_lot("BUYER-RC-0001")  # 24 made, 2 rejected, 1 sold
    held = samples.lot_held(batch, defect_code="FTW-01", reason="soles come loose")
    await trace.publish(*events, held, samples.lot_recalled(held))

    answer = await report(trace, batch.lot_code)

    assert (answer["status"], answer["made"]) == ("recalled", 24)
    assert answer["counts"] == counts(sold=1, held=21, rejected=2)
    assert sum(answer["counts"].values()) == answer["made"]
    serials = [line["serial"] for line in answer["lines"]]
    assert sorted(serials) == sorted(batch.serials), "every unit exactly once"
    [sold] = [line for line in answer["lines"] if line["where"] == "sold"]
    assert (sold["serial"], sold["channel_code"], sold["buyer_ref"]) == (
        batch.serials[0],
        "GALERI-SERANG",
        "BUYER-RC-0001",
    )
    held_lines = [line for line in answer["lines"] if line["where"] == "held"]
    assert {line["location_code"] for line in held_lines} == {"CLG-STORE"}


async def test_the_same_report_as_csv_and_xlsx(trace: Service) -> None:
    batch, events = life_of_a_lot("BUYER-RC-0002")
    held = samples.lot_held(batch, reason="check")
    await trace.publish(*events, held)

    rows = list(
        csv.DictReader(io.StringIO((await report(trace, batch.lot_code, as_="csv")).decode()))
    )
    book = load_workbook(io.BytesIO(await report(trace, batch.lot_code, as_="xlsx")))

    assert len(rows) == 24
    assert {row["where"] for row in rows} == {"sold", "held", "rejected"}
    sheet = book[batch.lot_code]
    assert sheet.max_row == 25, "a header and a row per pair"
    counts = {row[0].value: row[1].value for row in book["counts"].iter_rows()}
    assert (counts["status"], counts["made"], counts["sold"]) == ("on_hold", 24, 1)


async def test_a_channel_sees_only_its_own_buyers(trace: Service) -> None:
    batch, events = life_of_a_lot("BUYER-RC-0003")  # sold through GALERI-SERANG
    await trace.publish(*events)

    gallery = await report(trace, batch.lot_code, GALLERY)
    expo = await report(trace, batch.lot_code, EXPO)

    [mine] = [line for line in gallery["lines"] if line["where"] == "sold"]
    [theirs] = [line for line in expo["lines"] if line["where"] == "sold"]
    assert mine["buyer_ref"] == "BUYER-RC-0003"
    assert (theirs["buyer_ref"], theirs["order_id"], theirs["channel_code"]) == (
        None,
        None,
        "GALERI-SERANG",
    )
    assert "BUYER-RC-0003" not in json.dumps(expo)
    assert expo["counts"] == gallery["counts"]


async def test_a_food_lot_is_reported_by_quantity(trace: Service) -> None:
    ginger = batch_completed(sku=GINGER, quantity=120)
    signed = batch_signed_off(ginger, rejected_quantity=3)
    stored = received(signed)
    taken = Allocation(lot_code=ginger.lot_code, location_code="SRG-STORE", quantity=10)
    sale = sale_completed(stock_reserved(order_placed(sku=GINGER, quantity=10), [taken]))
    await trace.publish(ginger, signed, stored, sale, samples.lot_held(ginger, reason="mould"))

    answer = await report(trace, ginger.lot_code)

    assert answer["counts"] == counts(sold=10, held=107, rejected=3)
    assert sum(answer["counts"].values()) == 120
    [sold] = [line for line in answer["lines"] if line["where"] == "sold"]
    assert (sold["quantity"], sold["buyer_ref"]) == (10, sale.buyer_ref)
