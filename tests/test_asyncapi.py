"""The AsyncAPI document is made from the code, and the committed one is never stale."""

import json
from typing import Any

import httpx

from jejak.docs import ASYNCAPI_PATH, differences, system_document
from services.quality.app import spec as quality_spec
from shared.contracts import (
    ALL_EVENTS,
    BatchCompleted,
    BatchSignedOff,
    HoldClosed,
    LotHeld,
    LotRecalled,
)
from shared.service import create_app
from shared.settings import Settings


def test_the_committed_asyncapi_document_matches_the_code() -> None:
    committed = json.loads(ASYNCAPI_PATH.read_text(encoding="utf-8"))

    stale = differences(committed, system_document())

    assert stale == [], f"docs/asyncapi.json is stale at {stale[:10]}: run `make docs`"


def test_a_changed_field_description_makes_the_document_stale() -> None:
    generated = system_document()
    committed = json.loads(json.dumps(generated))
    schema = committed["components"]["schemas"]["BatchCompleted"]["properties"]["quantity"]
    schema["description"] = "something else"

    assert differences(committed, generated) == [
        "/components/schemas/BatchCompleted/properties/quantity/description"
    ]


def test_every_stream_has_its_producer_and_every_consumer_group() -> None:
    channels = system_document()["channels"]
    stream = BatchCompleted.stream("jejak")

    assert channels[stream]["bindings"]["redis"]["method"] == "xadd"
    assert "Published by production" in channels[stream]["description"]
    readers = {
        channel["bindings"]["redis"]["groupName"]
        for channel in channels.values()
        if channel["address"] == stream and channel["bindings"]["redis"]["method"] == "xreadgroup"
    }
    assert readers == {"jejak.quality", "jejak.trace"}
    assert {channel["address"] for channel in channels.values()} == {
        *(contract.stream("jejak") for contract in ALL_EVENTS),
        *(f"jejak.dead-letters.{name}" for name in ("quality", "inventory", "sales", "trace")),
    }


def test_payloads_carry_the_contracts_field_descriptions_and_the_envelope() -> None:
    schemas = system_document()["components"]["schemas"]

    for contract in ALL_EVENTS:
        properties = schemas[contract.__name__]["properties"]
        assert {"event_id", "correlation_id", "causation_id"} <= properties.keys()
        for name, field in contract.model_fields.items():
            if field.description:
                assert properties[name]["description"] == field.description, name


def test_the_correlation_id_is_found_in_the_payload() -> None:
    messages = system_document()["components"]["messages"].values()

    assert {json.dumps(m["correlationId"]) for m in messages} == {
        json.dumps({"location": "$message.payload#/correlation_id"})
    }


async def test_each_service_serves_the_document_of_its_own_streams() -> None:
    settings = Settings().model_copy(update={"namespace": "tdocs"})
    app = create_app(quality_spec, settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://quality"
    ) as client:
        response = await client.get("/asyncapi")
    document: dict[str, Any] = response.json()

    assert response.status_code == 200
    assert document["asyncapi"] == "3.0.0"
    operations = {
        (op["action"], document["channels"][_name(op)]["address"])
        for op in document["operations"].values()
    }
    assert operations == {
        ("send", BatchSignedOff.stream("tdocs")),
        ("send", LotHeld.stream("tdocs")),
        ("send", LotRecalled.stream("tdocs")),
        ("send", HoldClosed.stream("tdocs")),
        ("receive", BatchCompleted.stream("tdocs")),
        ("send", "tdocs.dead-letters.quality"),
    }
    [receive] = [c for c in document["channels"].values() if "xreadgroup" in json.dumps(c)]
    assert receive["description"].startswith("quality.open_inspections: Every completed batch")


def _name(operation: dict[str, Any]) -> str:
    return str(operation["channel"]["$ref"]).removeprefix("#/channels/").replace("%20", " ")
