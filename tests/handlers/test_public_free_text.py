"""No public answer of trace carries free text someone typed: the reasons given for a hold, its
recall, its close and a return stay out of the public JSON trace, the page, the Digital Link's
every form and the EPCIS export; defect codes and outcomes (fixed codes) stay in. The
administrators' full trace still reads them.

Every public operation of trace's OpenAPI document is asked, so a public route added later is
asked too (its parameters must be known here, or the test fails naming it)."""

from typing import Any

import httpx

from services.trace.negotiation import EPCIS, HTML, JSON
from services.trace.views import TraceDocument
from shared import samples
from shared.auth import PUBLIC, ROLES_EXTENSION
from shared.contracts import BatchCompleted, Event, SaleCompleted
from tests.builders import later
from tests.handlers.harness import Service
from tests.handlers.test_epcis import http
from tests.handlers.test_trace import life_of_a_lot, look_up

# What people typed; each distinctive enough that finding it anywhere is finding a leak.
HOLD_REASON = "Pak Budi lihat jamur di gudang 7731"
RECALL_REASON = "telepon dari Bu Sari 0812-7731"
CLOSE_REASON = "diperiksa ulang oleh Pak Budi 7731"
RETURN_REASON = "pembeli Andi bilang solnya lepas 7731"
TYPED = (HOLD_REASON, RECALL_REASON, CLOSE_REASON, RETURN_REASON)


def held_and_returned() -> tuple[BatchCompleted, list[Event]]:
    """A lot's life with every kind of typed reason: its first pair sold, the lot held (with a
    defect code), recalled and released, the sold pair returned."""
    batch, life = life_of_a_lot("BUYER-FREE-TEXT")
    sale = life[-1]
    assert isinstance(sale, SaleCompleted)
    hold = samples.lot_held(batch, defect_code="FTW-01", reason=HOLD_REASON, occurred_at=later())
    recall = samples.lot_recalled(hold, reason=RECALL_REASON, occurred_at=later())
    close = samples.hold_closed(hold, reason=CLOSE_REASON, occurred_at=later())
    back = samples.goods_returned(
        sale, location_code="CLG-STORE", reason=RETURN_REASON, occurred_at=later()
    )
    return batch, [*life, hold, recall, close, back]


def public_requests(
    document: dict[str, Any], batch: BatchCompleted
) -> list[tuple[str, dict[str, str]]]:
    """Every public operation of trace's document, each with the path parameters of this lot
    and one of its units, and the query of the lot, of the unit and of none."""
    known = {"code": batch.lot_code, "gtin": batch.gtin, "lot": batch.lot_code}
    units = [batch.serials[0], batch.serials[5]]  # the unit sold and returned, and one held
    queries: list[dict[str, str]] = [{}, {"lot": batch.lot_code}]
    queries += [{"serial": serial} for serial in units]
    asked: list[tuple[str, dict[str, str]]] = []
    for path, operations in document["paths"].items():
        for operation in operations.values():
            if operation.get(ROLES_EXTENSION) != [PUBLIC]:
                continue
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            unknown = set(names) - {*known, "serial"}
            assert not unknown, f"{path}: no value known here for {unknown}"
            for serial in units if "serial" in names else [None]:
                values = known | ({"serial": serial} if serial else {})
                url = path.format(**{name: values[name] for name in names})
                asked += [(url, query) for query in (queries if "/epcis/" in path else [{}])]
                if "code" in names:
                    asked.append((path.format(code=serial or batch.serials[0]), {}))
    return asked


async def test_no_public_answer_carries_a_typed_reason(trace: Service) -> None:
    batch, life = held_and_returned()
    await trace.publish(*life)

    answers: list[tuple[str, httpx.Response]] = []
    async with http(trace) as client:
        asked = public_requests((await client.get("/openapi.json")).json(), batch)
        assert {url for url, _query in asked} >= {
            f"/trace/{batch.lot_code}",
            f"/trace/{batch.serials[0]}",
            f"/01/{batch.gtin}/10/{batch.lot_code}",
            "/epcis/events",
        }
        for url, query in asked:
            for accept in (JSON, HTML, EPCIS):
                response = await client.get(url, params=query, headers={"Accept": accept})
                answers.append((f"{url} {query} ({accept})", response))

    found: list[Any] = []
    for asking, response in answers:
        if response.headers["content-type"] == JSON and asking.startswith(("/trace", "/01")):
            TraceDocument.model_validate(response.json())  # as the OpenAPI document says
        if not asking.startswith(("/health", "/metrics")):  # the harness runs no relay
            assert response.status_code == 200, (asking, response.text)
        found += [(asking, typed) for typed in TYPED if typed in response.text]
    assert found == []
    codes = [response.text for asking, response in answers if asking.startswith("/epcis/")]
    assert any('"jejak:defectCode":"FTW-01"' in text.replace(" ", "") for text in codes)


async def test_the_administrators_trace_still_reads_the_reasons(trace: Service) -> None:
    batch, life = held_and_returned()
    await trace.publish(*life)

    lot = await look_up(trace, batch.lot_code)  # as the Kanwil

    TraceDocument.model_validate(lot)
    TraceDocument.model_validate(await look_up(trace, batch.serials[0]))

    reasons = {step.get("reason") for step in lot["timeline"]}
    assert reasons >= set(TYPED)
