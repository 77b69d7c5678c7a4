"""Closing the loop of a recall in trace: holds closed (released or destroyed), QC corrections,
goods returned by their buyers and orders that gave their goods back. Events go in through the
harness; what comes out is read through the routes: the trace (Kanwil and public), the recall
report, the page and the EPCIS export."""

import json
from collections.abc import Sequence
from typing import Any, Literal

from fastapi.responses import Response

from services.quality.domain import DEFECT_CODES
from services.trace.api import Client, resolve_lot, resolve_unit
from services.trace.api import trace as trace_route
from services.trace.db import ReleaseRow, StepRow
from services.trace.negotiation import HTML, Language
from services.trace.wording import TEXT
from shared import samples
from shared.contracts import (
    Allocation,
    BatchCompleted,
    BatchSignedOff,
    GoodsReturned,
    HoldClosed,
    LotHeld,
    SaleCompleted,
    StockReserved,
)
from shared.gs1 import digital_link
from tests.builders import (
    GINGER,
    batch_completed,
    batch_signed_off,
    later,
    order_placed,
    received,
    sale_completed,
    stock_reserved,
)
from tests.handlers.harness import GALLERY, Service
from tests.handlers.test_epcis import events, export, http
from tests.handlers.test_recall_report import EXPO, counts, report
from tests.handlers.test_trace import life_of_a_lot, look_up

BUYER = "BUYER-LOOP-0042"


# --------------------------------------------------------------------------- the lots' lives


async def shoes(trace: Service) -> tuple[BatchCompleted, BatchSignedOff, SaleCompleted]:
    """24 pairs: the last 2 rejected, 22 stored at CLG-STORE, the first sold to BUYER."""
    batch, life = life_of_a_lot(BUYER)
    await trace.publish(*life)
    signed, sale = life[1], life[3]
    assert isinstance(signed, BatchSignedOff)
    assert isinstance(sale, SaleCompleted)
    return batch, signed, sale


async def ginger(trace: Service) -> tuple[BatchCompleted, BatchSignedOff, SaleCompleted]:
    """120 pouches: 3 rejected, 117 stored at SRG-STORE, 10 sold."""
    made = batch_completed(sku=GINGER, quantity=120)
    signed = batch_signed_off(made, rejected_quantity=3)
    ten = Allocation(lot_code=made.lot_code, location_code="SRG-STORE", quantity=10)
    sale = sale_completed(stock_reserved(order_placed(sku=GINGER, quantity=10), [ten]))
    await trace.publish(made, signed, received(signed), sale)
    return made, signed, sale


def held(batch: BatchCompleted, *serials: str) -> LotHeld:
    return samples.lot_held(batch, serials=serials, reason="sol lepas", occurred_at=later())


def closed(hold: LotHeld, outcome: Literal["released", "destroyed"]) -> HoldClosed:
    reason = "diperiksa ulang: baik" if outcome == "released" else "dimusnahkan"
    return samples.hold_closed(hold, outcome=outcome, reason=reason, occurred_at=later())


def corrected(
    batch: BatchCompleted, first: BatchSignedOff, rejected: Sequence[str] | int
) -> BatchSignedOff:
    """A correction of `first`: the whole new decision, more goods rejected."""
    defect = next(iter(DEFECT_CODES[batch.qc_family].items()))
    return samples.batch_signed_off(
        batch, rejected=rejected, defect=defect, supersedes=first.inspection_id, occurred_at=later()
    )


def returned(sale: SaleCompleted, location: str = "CLG-STORE", **kwargs: Any) -> GoodsReturned:
    return samples.goods_returned(
        sale, location_code=location, reason="sol lepas", occurred_at=later(), **kwargs
    )


def reserved(batch: BatchCompleted, location: str, quantity: int, *serials: str) -> StockReserved:
    taken = Allocation(
        lot_code=batch.lot_code, location_code=location, quantity=quantity, serials=[*serials]
    )
    return stock_reserved(order_placed(sku=batch.sku, quantity=quantity, serials=serials), [taken])


# ------------------------------------------------------------------------------ the answers


async def public(trace: Service, code: str) -> dict[str, Any]:
    """GET /trace/{code} as anyone (no sign-in) reads it."""
    async with trace.session() as session:
        response = await trace_route(code, session, trace.runtime, None)
    body: dict[str, Any] = json.loads(bytes(response.body))
    return body


async def page(
    trace: Service, batch: BatchCompleted, serial: str | None = None, lang: Language = "id"
) -> str:
    """The page a phone opens from the label (a unit's, or the lot's)."""
    client = Client(HTML, lang)
    async with trace.session() as session:
        if serial is None:
            response: Response = await resolve_lot(
                batch.gtin, batch.lot_code, session, trace.runtime, None, client
            )
        else:
            response = await resolve_unit(
                batch.gtin, batch.lot_code, serial, session, trace.runtime, None, client
            )
    assert response.status_code == 200
    return bytes(response.body).decode()


def journey_of(html: str) -> list[str]:
    section = html.split('<ol id="journey">')[1].split("</ol>")[0]
    return [part.split("</span>")[0] for part in section.split('<span class="step">')[1:]]


def notice(key: str, lang: Language = "id") -> str:
    return f'<p class="notice" role="alert" id="notice">{TEXT[lang][key]}</p>'


def statuses(lot: dict[str, Any]) -> dict[str, str]:
    return {unit["serial"]: unit["status"] for unit in lot["units"]}


def lines_at(answer: dict[str, Any], where: str) -> list[dict[str, Any]]:
    return [line for line in answer["lines"] if line["where"] == where]


def adds_up(answer: dict[str, Any], serials: Sequence[str] = ()) -> None:
    """Every unit (or quantity) once: the counts add up to what was made."""
    assert sum(answer["counts"].values()) == answer["made"]
    assert sum(line["quantity"] for line in answer["lines"]) == answer["made"]
    if serials:
        assert sorted(line["serial"] for line in answer["lines"]) == sorted(serials)


# ------------------------------------------------------------------------- holds closed


async def test_a_hold_released_after_a_new_check_gives_the_units_their_status_back(
    trace: Service,
) -> None:
    batch, _signed, _sale = await shoes(trace)
    hold = held(batch)
    await trace.publish(hold, closed(hold, "released"))

    lot = await look_up(trace, batch.lot_code)
    [release] = [s for s in lot["timeline"] if s.get("outcome") == "released"]
    assert (release["biz_step"], release["disposition"]) == ("inspecting", "sellable_accessible")
    assert (release["hold_id"], release["reason"]) == (str(hold.hold_id), "diperiksa ulang: baik")
    assert "qc_decision" not in release, "a release is no sign-off"
    units = statuses(lot)
    assert (units[batch.serials[0]], units[batch.serials[1]]) == ("sold", "in_stock")
    assert units[batch.serials[23]] == "rejected"
    unit = await look_up(trace, batch.serials[1])
    assert unit["status"] == "in_stock"
    [sign_off] = [s for s in unit["timeline"] if "qc_decision" in s]
    assert sign_off["qc_decision"] == "conformant"

    answer = await report(trace, batch.lot_code)
    assert answer["status"] == "not_held"
    assert answer["counts"] == counts(sold=1, in_stock=21, rejected=2)
    adds_up(answer, batch.serials)

    languages: list[tuple[Language, str]] = [
        ("id", "Dilepas setelah diperiksa ulang"),
        ("en", "Released after a new check"),
    ]
    for lang, moment in languages:
        html = await page(trace, batch, batch.serials[1], lang)
        assert 'id="notice"' not in html
        assert moment in journey_of(html)
        assert TEXT[lang]["qc_passed"] in html, "the sign-off still decides QC's result"


async def test_a_hold_closed_by_destroying_the_lot_shows_a_notice_and_counts_what_was_destroyed(
    trace: Service,
) -> None:
    batch, _signed, _sale = await shoes(trace)
    hold = held(batch)
    await trace.publish(hold, samples.lot_recalled(hold, occurred_at=later()))
    await trace.publish(closed(hold, "destroyed"))

    units = statuses(await look_up(trace, batch.lot_code))
    assert {units[s] for s in batch.serials[1:22]} == {"destroyed"}
    assert units[batch.serials[0]] == "sold", "the buyer's pair was not destroyed"
    assert units[batch.serials[22]] == "rejected"
    unit = await look_up(trace, batch.serials[5])
    assert (unit["status"], unit["timeline"][-1]["biz_step"]) == ("destroyed", "destroying")
    assert unit["timeline"][-1]["disposition"] == "destroyed"

    answer = await report(trace, batch.lot_code)
    assert answer["status"] == "destroyed"
    assert answer["counts"] == counts(sold=1, destroyed=21, rejected=2)
    assert {line["location_code"] for line in lines_at(answer, "destroyed")} == {"CLG-STORE"}
    adds_up(answer, batch.serials)

    html = await page(trace, batch, batch.serials[0])
    assert notice("destroyed") in html, "the buyer of a sold pair must read it"
    assert "Dimusnahkan" in journey_of(html)
    english = await page(trace, batch, batch.serials[0], "en")
    assert notice("destroyed", "en") in english
    assert "Destroyed" in journey_of(english)
    assert BUYER not in html + english


async def test_closing_a_hold_of_two_units_closes_it_for_those_units_only(trace: Service) -> None:
    batch, _signed, _sale = await shoes(trace)
    first, second, other = batch.serials[1:4]
    some, lot_hold = held(batch, first, second), held(batch)
    await trace.publish(some, lot_hold, closed(some, "destroyed"))

    units = statuses(await look_up(trace, batch.lot_code))
    assert (units[first], units[second], units[other]) == ("destroyed", "destroyed", "on_hold")
    answer = await report(trace, batch.lot_code)
    assert answer["status"] == "on_hold", "the lot's hold is still open"
    assert answer["counts"] == counts(sold=1, held=19, destroyed=2, rejected=2)
    adds_up(answer, batch.serials)

    await trace.publish(closed(lot_hold, "released"))

    units = statuses(await look_up(trace, batch.lot_code))
    assert (units[first], units[other], units[batch.serials[0]]) == (
        "destroyed",
        "in_stock",
        "sold",
    )
    answer = await report(trace, batch.lot_code)
    assert answer["counts"] == counts(sold=1, in_stock=19, destroyed=2, rejected=2)
    assert answer["status"] == "destroyed"
    adds_up(answer, batch.serials)
    assert 'id="notice"' not in await page(trace, batch, other)
    assert notice("destroyed") in await page(trace, batch, first)


async def test_a_food_lot_held_then_destroyed_counts_its_quantities(trace: Service) -> None:
    made, _signed, sale = await ginger(trace)
    back = Allocation(lot_code=made.lot_code, location_code="SRG-STORE", quantity=4)
    hold = samples.lot_held(made, reason="jamur", occurred_at=later())
    await trace.publish(returned(sale, "SRG-STORE", allocations=[back]))

    answer = await report(trace, made.lot_code)
    assert answer["counts"] == counts(sold=6, returned=4, in_stock=107, rejected=3)
    adds_up(answer)

    await trace.publish(hold)
    answer = await report(trace, made.lot_code)
    assert answer["counts"] == counts(sold=6, returned=4, held=107, rejected=3)

    await trace.publish(closed(hold, "destroyed"))
    answer = await report(trace, made.lot_code)
    assert answer["counts"] == counts(sold=6, destroyed=111, rejected=3)
    adds_up(answer)
    assert notice("destroyed") in await page(trace, made)


# ------------------------------------------------------------------------- QC corrections


async def test_a_correction_rejecting_a_stored_unit_rejects_it_and_hides_its_storing(
    trace: Service,
) -> None:
    batch, signed, _sale = await shoes(trace)
    # One more pair found bad (the 22nd), and the sold one: it stays sold.
    correction = corrected(batch, signed, [batch.serials[0], *batch.serials[21:]])
    await trace.publish(correction)

    unit = await look_up(trace, batch.serials[21])
    assert unit["status"] == "rejected"
    assert [s["biz_step"] for s in unit["timeline"]] == [
        "commissioning",
        "inspecting",
        "inspecting",
    ]
    first, latest = unit["timeline"][1:]
    assert (first["qc_decision"], latest["qc_decision"]) == ("conformant", "non_conformant")
    assert latest["supersedes"] == str(signed.inspection_id)
    assert [d["code"] for d in latest["defects"]] == ["FTW-01"]
    units = statuses(await look_up(trace, batch.lot_code))
    assert (units[batch.serials[0]], units[batch.serials[1]]) == ("sold", "in_stock")
    assert {units[s] for s in batch.serials[21:]} == {"rejected"}

    answer = await report(trace, batch.lot_code)
    assert answer["counts"] == counts(sold=1, in_stock=20, rejected=3), "not 2 + 4"
    adds_up(answer, batch.serials)

    html = await page(trace, batch, batch.serials[21])
    assert journey_of(html) == ["Selesai dibuat", "Diperiksa mutunya", "Koreksi hasil QC"]
    assert "Tidak lulus pemeriksaan mutu" in html
    english = await page(trace, batch, batch.serials[21], "en")
    assert "QC result corrected" in journey_of(english)
    assert "Failed the quality check" in english
    assert "20 dari 24 lulus" in await page(trace, batch), "the lot's page: the latest decision"

    base = trace.runtime.settings.public_base_url
    async with http(trace) as client:
        found = events(await export(client, lot=batch.lot_code))
    stored = [e for e in found if e["bizStep"] == "storing"]
    [stored_event] = stored
    assert digital_link(base, batch.gtin, None, batch.serials[21]) not in stored_event["epcList"]
    corrections = [e for e in found if e.get("jejak:supersedes") == str(signed.inspection_id)]
    assert [e["disposition"] for e in corrections] == ["conformant", "non_conformant"]


async def test_a_food_lots_correction_counts_its_latest_rejection_once(trace: Service) -> None:
    made, signed, _sale = await ginger(trace)
    await trace.publish(corrected(made, signed, 8))

    answer = await report(trace, made.lot_code)

    assert answer["counts"] == counts(sold=10, in_stock=102, rejected=8)
    adds_up(answer)
    assert "112 dari 120 lulus" in await page(trace, made)


# ------------------------------------------------------------------------- goods returned


async def test_a_returned_pair_is_returned_where_it_came_back_and_no_buyer_is_public(
    trace: Service,
) -> None:
    batch, _signed, sale = await shoes(trace)
    back = returned(sale, "SRG-STORE")
    await trace.publish(back)

    unit = await look_up(trace, batch.serials[0])
    assert unit["status"] == "returned"
    step = unit["timeline"][-1]
    assert (step["biz_step"], step["disposition"], step["location_code"]) == (
        "receiving",
        "returned",
        "SRG-STORE",
    )
    assert (step["return_id"], step["order_id"], step["reason"]) == (
        str(back.return_id),
        str(sale.order_id),
        "sol lepas",
    )
    assert "buyer_ref" not in step
    assert statuses(await look_up(trace, batch.lot_code))[batch.serials[0]] == "returned"

    answers = [
        json.dumps(await public(trace, batch.serials[0])),
        json.dumps(await public(trace, batch.lot_code)),
        await page(trace, batch, batch.serials[0]),
        await page(trace, batch, batch.serials[0], "en"),
        await page(trace, batch),
    ]
    for text in answers:
        for private in (BUYER, str(sale.order_id), "buyer_ref", "order_id"):
            assert private not in text, private
    assert '"status": "returned"' in answers[0]
    assert "Dikembalikan pembeli" in journey_of(answers[2])
    assert "Returned by its buyer" in journey_of(answers[3])

    answer = await report(trace, batch.lot_code)
    assert answer["counts"] == counts(returned=1, in_stock=21, rejected=2), "not sold"
    adds_up(answer, batch.serials)
    [line] = lines_at(answer, "returned")
    assert (line["serial"], line["location_code"], line["channel_code"]) == (
        batch.serials[0],
        "SRG-STORE",
        "GALERI-SERANG",
    )
    assert (line["order_id"], line["buyer_ref"]) == (str(sale.order_id), BUYER)
    assert line["returned_at"] is not None
    [mine] = lines_at(await report(trace, batch.lot_code, GALLERY), "returned")
    [theirs] = lines_at(await report(trace, batch.lot_code, EXPO), "returned")
    assert mine["buyer_ref"] == BUYER
    assert (theirs["buyer_ref"], theirs["order_id"], theirs["location_code"]) == (
        None,
        None,
        "SRG-STORE",
    )


async def test_a_returned_pair_released_after_a_new_check_is_in_stock_again(
    trace: Service,
) -> None:
    batch, _signed, sale = await shoes(trace)
    hold = held(batch, batch.serials[0])
    await trace.publish(returned(sale), hold)

    assert (await look_up(trace, batch.serials[0]))["status"] == "returned"
    answer = await report(trace, batch.lot_code)
    assert answer["counts"] == counts(returned=1, in_stock=21, rejected=2)

    await trace.publish(closed(hold, "released"))

    assert (await look_up(trace, batch.serials[0]))["status"] == "in_stock"
    answer = await report(trace, batch.lot_code)
    assert answer["counts"] == counts(in_stock=22, rejected=2)
    adds_up(answer, batch.serials)


async def test_a_returned_pair_of_a_destroyed_hold_is_destroyed(trace: Service) -> None:
    batch, _signed, sale = await shoes(trace)
    hold = held(batch)
    await trace.publish(hold, returned(sale), closed(hold, "destroyed"))

    assert (await look_up(trace, batch.serials[0]))["status"] == "destroyed"
    answer = await report(trace, batch.lot_code)
    assert answer["counts"] == counts(destroyed=22, rejected=2)
    adds_up(answer, batch.serials)


# ------------------------------------------------------------------------- orders released


async def test_units_an_order_gave_back_say_which_order_in_the_recall_report(
    trace: Service,
) -> None:
    batch, _signed, _sale = await shoes(trace)
    order = reserved(batch, "CLG-STORE", 2, *batch.serials[1:3])
    hold = held(batch)
    reason = f"lot {batch.lot_code} is on hold: sol lepas"
    release = samples.reservation_released(order, reason=reason)
    await trace.publish(hold, release)

    rows = await trace.rows(ReleaseRow, ReleaseRow.lot_code == batch.lot_code)
    assert sorted((row.serial, row.quantity, row.order_id) for row in rows) == [
        (serial, 1, order.order_id) for serial in batch.serials[1:3]
    ]
    assert await trace.rows(StepRow, StepRow.event_id == release.event_id) == [], "no step"
    unit = await look_up(trace, batch.serials[1])
    assert str(order.order_id) not in json.dumps(unit), "not on the trace"

    answer = await report(trace, batch.lot_code)
    assert answer["counts"] == counts(sold=1, held=21, rejected=2)
    adds_up(answer, batch.serials)
    given_back = [line for line in answer["lines"] if line["released_from_order"]]
    assert [(line["serial"], line["where"]) for line in given_back] == [
        (batch.serials[1], "held"),
        (batch.serials[2], "held"),
    ]
    assert {(line["released_from_order"], line["release_reason"]) for line in given_back} == {
        (str(order.order_id), reason)
    }
    channel = await report(trace, batch.lot_code, GALLERY)
    assert not any(line["released_from_order"] for line in channel["lines"])
    assert channel["counts"] == answer["counts"]


async def test_a_quantity_an_order_gave_back_is_reported_as_such(trace: Service) -> None:
    made, _signed, _sale = await ginger(trace)
    order = reserved(made, "SRG-STORE", 5)
    release = samples.reservation_released(order, reason="cancelled by its channel")
    await trace.publish(release)

    answer = await report(trace, made.lot_code)

    assert answer["counts"] == counts(sold=10, in_stock=107, rejected=3)
    adds_up(answer)
    stock = lines_at(answer, "in_stock")
    assert [(line["quantity"], line["released_from_order"]) for line in stock] == [
        (5, str(order.order_id)),
        (102, None),
    ]
    assert stock[0]["release_reason"] == "cancelled by its channel"


# ------------------------------------------------------------------------- EPCIS


async def test_closes_returns_and_corrections_export_as_valid_epcis_events(
    trace: Service,
) -> None:
    batch, signed, sale = await shoes(trace)
    some, lot_hold = held(batch, *batch.serials[4:6]), held(batch)
    back = returned(sale, "SRG-STORE")
    await trace.publish(back, some, closed(some, "destroyed"), lot_hold)
    await trace.publish(closed(lot_hold, "released"), corrected(batch, signed, 3))
    made, _ginger_signed, ginger_sale = await ginger(trace)
    ginger_hold = samples.lot_held(made, reason="jamur", occurred_at=later())
    await trace.publish(returned(ginger_sale, "SRG-STORE"), ginger_hold)
    await trace.publish(closed(ginger_hold, "destroyed"))
    base = trace.runtime.settings.public_base_url

    async with http(trace) as client:  # export() checks every page against GS1's schema
        of_shoes = events(await export(client, lot=batch.lot_code))
        of_ginger = events(await export(client, lot=made.lot_code))
        of_pair = events(await export(client, serial=batch.serials[0]))
        paged = events(await export(client, lot=batch.lot_code, per_page=3))

    def units(*serials: str) -> list[str]:
        return [digital_link(base, batch.gtin, None, serial) for serial in serials]

    new = [e for e in of_shoes if e["bizStep"] in ("receiving", "destroying")]
    new += [e for e in of_shoes if e.get("jejak:outcome") == "released"]
    assert [(e["bizStep"], e["disposition"], e["action"]) for e in new] == [
        ("receiving", "returned", "OBSERVE"),
        ("destroying", "destroyed", "DELETE"),
        ("destroying", "destroyed", "DELETE"),
        ("inspecting", "sellable_accessible", "OBSERVE"),
    ]
    returning, destroyed, _other, release = new
    assert returning["epcList"] == units(batch.serials[0])
    assert returning["bizLocation"] == {"id": f"{base}/locations/SRG-STORE"}
    assert (returning["jejak:channel"], returning["jejak:returnID"]) == (
        "GALERI-SERANG",
        str(back.return_id),
    )
    assert destroyed["epcList"] == units(batch.serials[4])
    assert "bizLocation" not in destroyed, "destroyed goods are nowhere"
    assert (release["jejak:holdID"], release["epcList"]) == (
        str(lot_hold.hold_id),
        units(*batch.serials),
    )
    assert [e["bizStep"] for e in of_pair].count("receiving") == 1
    assert len(paged) == 3
    lot_class = digital_link(base, made.gtin, made.lot_code)
    [ginger_back] = [e for e in of_ginger if e["bizStep"] == "receiving"]
    assert ginger_back["quantityList"] == [{"epcClass": lot_class, "quantity": 10}]
    [ginger_gone] = [e for e in of_ginger if e["bizStep"] == "destroying"]
    assert ginger_gone["quantityList"] == [{"epcClass": lot_class, "quantity": 120}]
    text = json.dumps([of_shoes, of_ginger, of_pair])
    for private in (BUYER, str(sale.order_id), str(ginger_sale.order_id), "buyer", "order"):
        assert private not in text, private


async def test_closes_returns_and_releases_delivered_twice_add_nothing_twice(
    trace: Service,
) -> None:
    batch, _signed, sale = await shoes(trace)
    hold = held(batch, *batch.serials[1:3])
    order = reserved(batch, "CLG-STORE", 1, batch.serials[5])
    once = [hold, closed(hold, "released"), returned(sale)]
    release = samples.reservation_released(order, reason="cancelled")

    await trace.publish(*once, release)
    await trace.publish(*once, release)

    steps = await trace.rows(StepRow, StepRow.lot_code == batch.lot_code)
    assert sorted(row.biz_step for row in steps if row.serial is not None) == [
        "holding",
        "holding",
        "inspecting",
        "inspecting",
        "receiving",
        "retail_selling",
    ]
    assert len(await trace.rows(ReleaseRow, ReleaseRow.lot_code == batch.lot_code)) == 1
