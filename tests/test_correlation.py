"""One correlation id per flow over HTTP: taken from the request, answered in the response."""

from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from shared.contracts import OrderPlaced
from shared.correlation import (
    HEADER,
    BadCorrelationHeader,
    CorrelationMiddleware,
    correlation_from_headers,
    request_flow,
)
from shared.uow import UnitOfWork

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_a_request_names_its_flow_with_x_correlation_id() -> None:
    flow = uuid4()
    assert correlation_from_headers({"x-correlation-id": str(flow)}) == flow


def test_a_w3c_traceparent_gives_its_trace_id_as_the_flow() -> None:
    traceparent = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
    assert correlation_from_headers({"traceparent": traceparent}) == UUID(hex=TRACE_ID)


def test_x_correlation_id_wins_over_traceparent() -> None:
    flow = uuid4()
    headers = {"x-correlation-id": str(flow), "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
    assert correlation_from_headers(headers) == flow


def test_a_request_without_either_starts_a_new_flow() -> None:
    assert correlation_from_headers({}) != correlation_from_headers({})


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"x-correlation-id": "order-42"}, HEADER),
        ({"traceparent": "00-xyz-00f067aa0ba902b7-01"}, "traceparent"),
        ({"traceparent": f"00-{'0' * 32}-00f067aa0ba902b7-01"}, "traceparent"),
    ],
)
def test_a_malformed_header_is_refused_naming_it(headers: dict[str, str], named: str) -> None:
    with pytest.raises(BadCorrelationHeader) as refused:
        correlation_from_headers(headers)
    assert refused.value.header == named


def app_emitting(event_flow: UUID | None) -> FastAPI:
    """An app whose one route acts like a route continuing a flow (or not)."""
    app = FastAPI()
    app.add_middleware(CorrelationMiddleware)

    @app.post("/act")
    async def act() -> dict[str, str]:
        flow = request_flow()
        assert flow is not None
        if event_flow is not None:
            placed = OrderPlaced.new(
                correlation_id=event_flow,
                order_id=uuid4(),
                channel_code="GALERI-SERANG",
                sku="FTW-SPT-OLR",
                quantity=1,
            )
            UnitOfWork(session=None).emit(placed)  # type: ignore[arg-type]
        return {"seen": str(flow.correlation_id)}

    return app


async def post(app: FastAPI, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.post("/act", headers=headers)


async def test_the_response_returns_the_requests_own_id() -> None:
    flow = uuid4()
    response = await post(app_emitting(None), {HEADER: str(flow)})
    assert response.headers[HEADER] == str(flow)
    assert response.json() == {"seen": str(flow)}


async def test_the_response_names_the_flow_the_request_continued() -> None:
    batch_flow = uuid4()
    response = await post(app_emitting(batch_flow), {HEADER: str(uuid4())})
    assert response.headers[HEADER] == str(batch_flow)


async def test_a_malformed_header_gets_a_400_naming_it_and_reaches_no_route() -> None:
    response = await post(app_emitting(uuid4()), {HEADER: "not-a-uuid"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["field"]) == (400, f"header.{HEADER}")
    assert "is not a UUID" in problem["reason"]
