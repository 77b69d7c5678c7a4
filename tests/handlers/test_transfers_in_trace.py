"""A consignment transfer in trace: goods shipped from a UPT's store to Kanwil's gallery and
received there are steps shipping and receiving, so a unit reads commissioning, inspecting,
storing, shipping, receiving, retail_selling; its EPCIS events validate against GS1's schema
and name both places; the public page tells the journey in Indonesian."""

import json
from typing import Any

from services.trace.api import Client, resolve_unit
from services.trace.db import Traces
from services.trace.epcis import object_document
from services.trace.negotiation import HTML
from services.trace.recall_api import recall_report_of
from shared import samples
from shared.contracts import Allocation, BatchCompleted, Event, GoodsShipped
from tests.builders import (
    GINGER,
    batch_completed,
    batch_signed_off,
    later,
    order_placed,
    received,
    sale_completed,
    stock_changed,
    stock_reserved,
)
from tests.domain.test_epcis import assert_valid
from tests.handlers.harness import KANWIL, Service
from tests.handlers.test_trace import look_up

GALLERY = "KANWIL-GALERI"
BASE = "https://jejak.example"


def sent_to_the_gallery(
    batch: BatchCompleted, *, sku: str | None = None
) -> tuple[GoodsShipped, list[Event]]:
    """The lot passed whole and stored; 4 pairs (or 12 pouches) sent to the gallery, one never
    arrived and one arrived damaged; the first sold there."""
    signed_off = batch_signed_off(batch)
    stored = received(signed_off)
    per_unit = bool(batch.serials)
    shipped = samples.goods_shipped(
        stored,
        to_location=GALLERY,
        serials=batch.serials[:4] if per_unit else (),
        quantity=None if per_unit else 12,
        occurred_at=later(),
    )
    arrived = samples.goods_received(
        shipped,
        short=batch.serials[3:4] if per_unit else 1,
        damaged=batch.serials[2:3] if per_unit else 2,
        occurred_at=later(),
    )
    at_gallery = stock_changed(  # inventory's own change: no step of its own in trace
        sku=batch.sku,
        location_code=GALLERY,
        available=2 if per_unit else 9,
        on_hand=3 if per_unit else 11,
        version=1,
        delta=3 if per_unit else 11,
        lot_code=batch.lot_code,
        serials=batch.serials[:3],
    ).model_copy(update={"transfer_id": shipped.transfer_id})
    first = Allocation(
        lot_code=batch.lot_code,
        location_code=GALLERY,
        quantity=1,
        serials=batch.serials[:1],
    )
    order = order_placed(sku=batch.sku, quantity=1, serials=batch.serials[:1])
    sale = sale_completed(stock_reserved(order, [first]))
    return shipped, [batch, signed_off, stored, shipped, at_gallery, arrived, sale]


async def test_a_units_trace_runs_through_the_gallery(trace: Service) -> None:
    batch = batch_completed(quantity=6)
    _shipped, events = sent_to_the_gallery(batch)

    await trace.publish(*events)

    sold = await look_up(trace, batch.serials[0])
    assert [step["biz_step"] for step in sold["timeline"]] == [
        "commissioning",
        "inspecting",
        "storing",
        "shipping",
        "receiving",
        "retail_selling",
    ]
    shipping, receiving = sold["timeline"][3:5]
    assert (shipping["disposition"], shipping["from_location"], shipping["to_location"]) == (
        "in_transit",
        "CLG-STORE",
        GALLERY,
    )
    assert (receiving["disposition"], receiving["location_code"]) == (
        "sellable_accessible",
        GALLERY,
    )
    assert sold["status"] == "sold"
    statuses = {serial: (await look_up(trace, serial))["status"] for serial in batch.serials[1:5]}
    assert statuses == {
        batch.serials[1]: "in_stock",  # at the gallery
        batch.serials[2]: "in_stock",  # damaged, quarantined at the gallery
        batch.serials[3]: "in_transit",  # never arrived
        batch.serials[4]: "in_stock",  # never left the store
    }
    damaged = await look_up(trace, batch.serials[2])
    assert damaged["timeline"][-1]["disposition"] == "damaged"


async def test_the_transfers_epcis_events_name_both_places(trace: Service) -> None:
    batch = batch_completed(quantity=6)
    _shipped, events = sent_to_the_gallery(batch)
    await trace.publish(*events)

    async with trace.session() as session:
        found = await Traces(session).find(batch.serials[0], lot_units=True)
    document = object_document(found, BASE)

    assert_valid(document)
    by_step = {event["bizStep"]: event for event in document["epcisBody"]["eventList"]}
    store, gallery = f"{BASE}/locations/CLG-STORE", f"{BASE}/locations/{GALLERY}"
    shipping, receiving = by_step["shipping"], by_step["receiving"]
    assert (shipping["action"], shipping["disposition"], shipping["readPoint"]) == (
        "OBSERVE",
        "in_transit",
        {"id": store},
    )
    assert "bizLocation" not in shipping  # between places
    assert (receiving["disposition"], receiving["bizLocation"]) == (
        "sellable_accessible",
        {"id": gallery},
    )
    for event in (shipping, receiving):
        assert event["sourceList"] == [{"type": "location", "source": store}]
        assert event["destinationList"] == [{"type": "location", "destination": gallery}]
        assert "jejak:transferID" in event
    assert [e["bizStep"] for e in document["epcisBody"]["eventList"]].count("storing") == 1


async def test_goods_traced_per_lot_ship_by_quantity(trace: Service) -> None:
    ginger = batch_completed(sku=GINGER, quantity=40)
    shipped, events = sent_to_the_gallery(ginger)
    await trace.publish(*events[:-1])  # not sold: the sale's units are shoes' only

    async with trace.session() as session:
        found = await Traces(session).find(ginger.lot_code)
    document = object_document(found, BASE)

    assert_valid(document)
    moved = [
        (e["bizStep"], e["disposition"], e["quantityList"][0]["quantity"])
        for e in document["epcisBody"]["eventList"]
        if e["bizStep"] in ("shipping", "receiving")
    ]
    assert moved == [
        ("shipping", "in_transit", 12),
        ("receiving", "sellable_accessible", 9),
        ("receiving", "damaged", 2),
    ]
    lot = await look_up(trace, ginger.lot_code)
    assert [s["biz_step"] for s in lot["timeline"]].count("receiving") == 2
    async with trace.session() as session:  # the recall report reads transfers too
        report = await recall_report_of(ginger.lot_code, session, KANWIL, "json")
    body: dict[str, Any] = json.loads(bytes(report.body))
    assert body["lot_code"] == ginger.lot_code
    assert shipped.quantity == 12


async def test_the_page_tells_the_journey_in_indonesian(trace: Service) -> None:
    batch = batch_completed(quantity=6)
    _shipped, events = sent_to_the_gallery(batch)
    await trace.publish(*events)

    async with trace.session() as session:
        response = await resolve_unit(
            batch.gtin, batch.lot_code, batch.serials[0], session, trace.runtime, KANWIL,
            Client(HTML, "id"),
        )  # fmt: skip

    page = bytes(response.body).decode()
    assert "Dikirim" in page
    assert f"CLG-STORE → {GALLERY}" in page
    assert "Diterima di tempat penjualan" in page
    journey = page[page.index('id="journey"') :]
    assert journey.index("Dikirim") < journey.index("Diterima di tempat") < journey.index("Dijual")


async def test_the_page_names_the_places_inventory_announced(trace: Service) -> None:
    batch = batch_completed(quantity=6)
    _shipped, events = sent_to_the_gallery(batch)
    store = samples.location_changed(
        "CLG-STORE", "Gudang Lapas Kelas IIA Cilegon", kind="upt_store", upt_code="CLG"
    )
    renamed = samples.location_changed(GALLERY, "Galeri WBP")
    gallery = samples.location_changed(GALLERY, "Galeri produk WBP")
    await trace.deliver_batch([store, renamed, gallery])  # the latest change of a place wins
    await trace.publish(*events)

    async with trace.session() as session:
        response = await resolve_unit(
            batch.gtin, batch.lot_code, batch.serials[0], session, trace.runtime, KANWIL,
            Client(HTML, "id"),
        )  # fmt: skip

    page = bytes(response.body).decode()
    assert "Gudang Lapas Kelas IIA Cilegon → Galeri produk WBP" in page
