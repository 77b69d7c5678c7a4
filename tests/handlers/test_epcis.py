"""GET /epcis/events: the lots' lives as EPCIS 2.0 events, through trace's own app, every
document checked against GS1's EPCIS 2.0 JSON Schema (tests/domain/test_epcis.py)."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from services.trace.app import spec as trace_spec
from services.trace.db import Traces
from services.trace.epcis import object_document
from shared.contracts import Allocation, BatchCompleted, Event, SaleCompleted
from shared.gs1 import digital_link
from shared.service import create_app
from tests.builders import (
    GINGER,
    batch_completed,
    batch_signed_off,
    order_placed,
    received,
    sale_completed,
    stock_reserved,
)
from tests.domain.test_epcis import assert_valid
from tests.handlers.harness import Service
from tests.handlers.test_trace import life_of_a_lot

EPCIS = "application/ld+json"
BUYERS = ("BUYER-EPCIS-SHOES", "BUYER-EPCIS-GINGER")


@asynccontextmanager
async def http(trace: Service) -> AsyncIterator[httpx.AsyncClient]:
    """Trace's app on the test's database, without a rate limit (the access tests have one)."""
    settings = trace.runtime.settings.model_copy(update={"public_rate_limit": "off"})
    app = create_app(trace_spec, settings)
    unused = app.state.runtime
    app.state.runtime = trace.runtime
    await unused.redis.aclose()
    await unused.db.engine.dispose()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://trace") as client:
        yield client


def ginger_sold() -> tuple[BatchCompleted, list[Event]]:
    """120 pouches of ginger drink, 3 rejected at QC, 117 stored, 5 sold."""
    ginger = batch_completed(sku=GINGER, quantity=120)
    signed = batch_signed_off(ginger, rejected_quantity=3)
    stored = received(signed)
    five = Allocation(lot_code=ginger.lot_code, location_code=stored.location_code, quantity=5)
    order = order_placed(sku=GINGER, quantity=5)
    sale = sale_completed(stock_reserved(order, [five]), buyer_ref=BUYERS[1])
    return ginger, [ginger, signed, stored, sale]


@pytest.fixture
async def lives(trace: Service) -> tuple[BatchCompleted, BatchCompleted, list[Event]]:
    """Two lots' lives: shoes (per unit) and ginger drink (per lot), ten EPCIS events."""
    shoes, shoe_events = life_of_a_lot(BUYERS[0])
    ginger, ginger_events = ginger_sold()
    await trace.publish(*shoe_events, *ginger_events)
    return shoes, ginger, shoe_events + ginger_events


async def export(
    client: httpx.AsyncClient, url: str = "/epcis/events", **params: Any
) -> httpx.Response:
    """One page, checked: the media type, GS1's schema, the next link in header and body."""
    response = await client.get(url, params=params or None)  # {}: httpx drops the url's query
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == EPCIS
    document = response.json()
    assert_valid(document)
    assert document["type"] == "EPCISQueryDocument"
    link = response.headers.get("link")
    assert (link is None) == ("jejak:nextPage" not in document)
    if link is not None:
        assert link == f'<{document["jejak:nextPage"]}>; rel="next"'
    return response


def events(response: httpx.Response) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = response.json()["epcisBody"]["queryResults"]["resultsBody"][
        "eventList"
    ]
    return found


async def every_page(client: httpx.AsyncClient, **params: Any) -> list[list[dict[str, Any]]]:
    """The pages of an export, following each page's next link."""
    pages = [events(response := await export(client, **params))]
    while "link" in response.headers:
        next_link = urlsplit(response.headers["link"].removeprefix("<").split(">;")[0])
        response = await export(client, f"{next_link.path}?{next_link.query}")
        pages.append(events(response))
    return pages


def ids(found: list[dict[str, Any]]) -> list[str]:
    return [event["eventID"] for event in found]


def steps_of(found: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(event["bizStep"], event["disposition"], event["action"]) for event in found]


LIFE = [
    ("commissioning", "active", "ADD"),
    ("inspecting", "conformant", "OBSERVE"),
    ("inspecting", "non_conformant", "OBSERVE"),
    ("storing", "sellable_not_accessible", "OBSERVE"),
    ("retail_selling", "retail_sold", "OBSERVE"),
]


async def test_a_unit_tracked_lots_life_lists_its_units_by_digital_link(
    trace: Service, lives: tuple[BatchCompleted, BatchCompleted, list[Event]]
) -> None:
    shoes, _ginger, _events = lives
    base = trace.runtime.settings.public_base_url
    async with http(trace) as client:
        found = events(await export(client, lot=shoes.lot_code))

    assert steps_of(found) == LIFE
    made, passed, failed, stored, sold = found
    assert made["epcList"] == [digital_link(base, shoes.gtin, None, s) for s in shoes.serials]
    assert len(passed["epcList"]) == len(stored["epcList"]) == 22
    assert failed["epcList"] == [
        digital_link(base, shoes.gtin, None, s) for s in shoes.serials[22:]
    ]
    assert failed["jejak:defects"] == [{"jejak:code": "FTW-01", "jejak:quantity": 2}]
    assert sold["epcList"] == [digital_link(base, shoes.gtin, None, shoes.serials[0])]
    assert made["readPoint"] == {"id": f"{base}/locations/{shoes.workshop_code}"}
    assert stored["bizLocation"] == {"id": f"{base}/locations/CLG-STORE"}
    for event in found:
        assert event["eventTime"].endswith("+07:00")
        assert event["recordTime"].endswith("+07:00")
        assert event["eventTimeZoneOffset"] == "+07:00"
        assert "quantityList" not in event


async def test_a_lot_tracked_lots_life_counts_its_lot(
    trace: Service, lives: tuple[BatchCompleted, BatchCompleted, list[Event]]
) -> None:
    _shoes, ginger, _events = lives
    base = trace.runtime.settings.public_base_url
    async with http(trace) as client:
        found = events(await export(client, lot=ginger.lot_code))

    assert steps_of(found) == LIFE
    assert [event["quantityList"] for event in found] == [
        [{"epcClass": digital_link(base, ginger.gtin, ginger.lot_code), "quantity": quantity}]
        for quantity in (120, 117, 3, 117, 5)
    ], "pouches are counted: no uom"
    assert all("epcList" not in event for event in found)
    assert found[3]["readPoint"] == {"id": f"{base}/locations/SRG-STORE"}


async def test_exporting_twice_gives_the_same_events_as_the_resolver(
    trace: Service, lives: tuple[BatchCompleted, BatchCompleted, list[Event]]
) -> None:
    shoes, _ginger, _events = lives
    base = trace.runtime.settings.public_base_url
    async with http(trace) as client:
        first = events(await export(client))
        again = events(await export(client))
        of_unit = events(await export(client, serial=shoes.serials[0]))
    async with trace.session() as session:
        found = await Traces(session).find(shoes.serials[0], lot_units=True)
    document = object_document(found, base)

    assert_valid(document)
    assert len(first) == 10
    assert ids(first) == ids(again)
    assert len(set(ids(first))) == 10
    resolved = document["epcisBody"]["eventList"]
    assert sorted(ids(resolved)) == sorted(ids(of_unit))
    by_id = {event["eventID"]: event for event in first}
    assert all(by_id[event["eventID"]] == event for event in resolved), "one event, one content"


async def test_a_units_events_are_its_lots_and_its_own(
    trace: Service, lives: tuple[BatchCompleted, BatchCompleted, list[Event]]
) -> None:
    shoes, _ginger, _events = lives
    async with http(trace) as client:
        sold = events(await export(client, serial=shoes.serials[0]))
        rejected = events(await export(client, serial=shoes.serials[23]))
        unknown = events(await export(client, serial="CLG-2611-9999-0001"))

    assert steps_of(sold) == [LIFE[0], LIFE[1], LIFE[3], LIFE[4]]
    assert steps_of(rejected) == [LIFE[0], LIFE[2]]
    assert unknown == []


async def test_filters_by_gtin_and_recorded_time(
    trace: Service, lives: tuple[BatchCompleted, BatchCompleted, list[Event]]
) -> None:
    shoes, ginger, _events = lives
    async with http(trace) as client:
        everything = events(await export(client))
        of_shoes = events(await export(client, gtin=shoes.gtin))
        of_ginger = events(await export(client, gtin=ginger.gtin, lot=ginger.lot_code))
        since, until = everything[2]["recordTime"], everything[7]["recordTime"]
        between = events(await export(client, since=since, until=until))
        from_on = events(await export(client, since=since))

    def recorded(event: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(event["recordTime"])

    assert ids(of_shoes) == ids(everything[:5])
    assert ids(of_ginger) == ids(everything[5:])
    start, end = datetime.fromisoformat(since), datetime.fromisoformat(until)
    assert ids(between) == ids([e for e in everything if start <= recorded(e) < end])
    assert ids(from_on) == ids([e for e in everything if start <= recorded(e)])
    assert 0 < len(between) < len(from_on) < len(everything)


@pytest.mark.parametrize("per_page", [1, 2, 3, 4])
async def test_pages_follow_one_another_without_gaps_or_repeats(
    trace: Service, lives: tuple[BatchCompleted, BatchCompleted, list[Event]], per_page: int
) -> None:
    """Small pages split a sign-off's two events between pages, too."""
    shoes, _ginger, _events = lives
    async with http(trace) as client:
        everything = events(await export(client))
        pages = await every_page(client, per_page=per_page)
        of_unit = events(await export(client, serial=shoes.serials[0]))
        unit_pages = await every_page(client, serial=shoes.serials[0], per_page=per_page)

    assert all(len(page) == per_page for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= per_page
    assert ids([event for page in pages for event in page]) == ids(everything)
    assert ids([event for page in unit_pages for event in page]) == ids(of_unit)


async def test_the_next_link_keeps_the_filters(
    trace: Service, lives: tuple[BatchCompleted, BatchCompleted, list[Event]]
) -> None:
    shoes, _ginger, _events = lives
    async with http(trace) as client:
        first = await export(
            client, lot=shoes.lot_code, since="2020-01-01T00:00:00+07:00", per_page=2
        )

    link = first.json()["jejak:nextPage"]
    assert link.startswith(f"{trace.runtime.settings.public_base_url}/epcis/events?")
    assert f"lot={shoes.lot_code}" in link
    assert "since=2020-01-01T00%3A00%3A00%2B07%3A00" in link
    assert "per_page=2" in link
    assert "next_page_token=" in link


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"since": "2026-11-01T08:00:00"}, 422, "since"),
        ({"until": "yesterday"}, 422, "until"),
        ({"since": "2026-11-02T00:00:00+07:00", "until": "2026-11-01T00:00:00Z"}, 400, "until"),
        ({"gtin": "0200000000010"}, 400, "gtin"),
        ({"lot": "CLG-FTW-2611-0042-TOO-LONG"}, 400, "lot"),
        ({"serial": "X" * 21}, 400, "serial"),
        ({"per_page": 0}, 422, "per_page"),
        ({"per_page": 1001}, 422, "per_page"),
        ({"next_page_token": "not-a-token"}, 400, "next_page_token"),
    ],
)
async def test_a_malformed_filter_names_the_field(
    trace: Service, params: dict[str, Any], status: int, field: str
) -> None:
    async with http(trace) as client:
        response = await client.get("/epcis/events", params=params)

    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert (problem["status"], problem["field"]) == (status, field)
    assert problem["reason"]
    assert problem["errors"] == [{"field": field, "reason": problem["reason"]}]


async def test_no_buyer_reference_or_order_id_is_exported(
    trace: Service, lives: tuple[BatchCompleted, BatchCompleted, list[Event]]
) -> None:
    shoes, ginger, published = lives
    orders = [str(event.order_id) for event in published if isinstance(event, SaleCompleted)]
    async with http(trace) as client:
        answers = [
            (await export(client)).text,
            (await export(client, serial=shoes.serials[0])).text,
            (await export(client, lot=ginger.lot_code, per_page=1)).text,
        ]
    async with trace.session() as session:
        for code in (shoes.serials[0], shoes.lot_code, ginger.lot_code):
            found = await Traces(session).find(code, lot_units=True)
            document = object_document(found, trace.runtime.settings.public_base_url)
            answers.append(json.dumps(document))

    assert len(orders) == 2
    for text in answers:
        for private in (*BUYERS, *orders, "buyer_ref", "order_id"):
            assert private not in text
