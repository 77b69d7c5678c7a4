"""One pair of shoes from workshop to buyer: two flows, every event linked to its cause.

Every service runs as its own process; the terminal, the QC officer and the marketplace call them
over HTTP, and the test then reads the events off the real streams.
"""

import uuid
from typing import Any
from uuid import UUID

from redis import Redis

from jejak.demo import Jejak, wait_for
from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL, Who
from shared.contracts import (
    BatchCompleted,
    BatchSignedOff,
    Event,
    OrderPlaced,
    SaleCompleted,
    StockChanged,
    StockReserved,
)
from shared.correlation import HEADER
from shared.delivery.entries import DATA_FIELD
from tests.e2e.system import unsettled_groups

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


class Client:
    """HTTP calls that show the correlation id each response names."""

    def __init__(self, api: Jejak) -> None:
        self.api = api

    def post(
        self,
        who: Who,
        service: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[Any, UUID]:
        signed_in = {**self.api.tokens.header(who), **(headers or {})}
        response = self.api.http.post(self.api.urls[service] + path, json=body, headers=signed_in)
        assert response.status_code < 300, response.text
        return response.json(), UUID(response.headers[HEADER])


def events_on(env: dict[str, str], contract: type[Event]) -> list[Any]:
    redis = Redis.from_url(env["REDIS_URL"])
    entries: Any = redis.xrange(contract.stream(env["JEJAK_NAMESPACE"]))
    redis.close()
    return [contract.model_validate_json(fields[DATA_FIELD]) for _id, fields in entries]


def test_one_pair_of_shoes_keeps_its_batch_flow_and_its_order_flow(
    system: ServiceSet, module_env: dict[str, str], api: Jejak
) -> None:
    client, batch_flow, batch_id = Client(api), uuid.uuid4(), str(uuid.uuid4())
    terminal, officer = Who.terminal("CLG-SPT"), Who.officer("CLG")
    gallery = Who.sales_channel("MARKETPLACE")
    opened = {"batch_id": batch_id, "workshop_code": "CLG-SPT", "sku": "FTW-SPT-OLR"}
    _, named = client.post(terminal, "production", "/batches", opened, {HEADER: str(batch_flow)})
    assert named == batch_flow
    output = {"submission_id": str(uuid.uuid4()), "quantity": 2, "worker_codes": ["WB-C7K2"]}
    client.post(terminal, "production", f"/batches/{batch_id}/output", output)
    batch, named = client.post(terminal, "production", f"/batches/{batch_id}/complete")
    assert named == batch_flow, "completing continues the flow the batch was opened in"
    wait_for(
        "the inspection", lambda: api.try_get("quality", f"/inspections/{batch_id}", as_=officer)
    )
    verdict = {"passed_quantity": 2, "rejected_quantity": 0}
    _, named = client.post(officer, "quality", f"/inspections/{batch_id}/sign-off", verdict)
    assert named == batch_flow, "a sign-off continues its batch's flow"
    lot = batch["lot_code"]
    wait_for("the lot in stock", lambda: _stored(api, lot))

    order_id, pair = str(uuid.uuid4()), batch["serials"][:1]
    order = {"order_id": order_id, "channel_code": "MARKETPLACE", "sku": "FTW-SPT-OLR",
             "quantity": 1, "serials": pair, "buyer_ref": "BUYER-CORR-1"}  # fmt: skip
    traceparent = {"traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01"}
    _, order_flow = client.post(gallery, "sales", "/orders", order, traceparent)
    assert order_flow == UUID(hex=TRACE_ID)
    wait_for("the order confirmed", lambda: _confirmed(api, order_id, gallery))
    _, named = client.post(
        gallery, "sales", f"/orders/{order_id}/complete", None, {HEADER: str(uuid.uuid4())}
    )
    assert named == order_flow, "completing an order continues the order's flow"
    wait_for("every event applied", lambda: not unsettled_groups(module_env) or None)

    env = module_env
    [completed] = [e for e in events_on(env, BatchCompleted) if str(e.batch_id) == batch_id]
    [signed] = [e for e in events_on(env, BatchSignedOff) if str(e.batch_id) == batch_id]
    changes = [
        e for e in events_on(env, StockChanged) if e.correlation_id in (batch_flow, order_flow)
    ]
    [received] = [e for e in changes if e.reason == "received" and e.lot_code == lot]
    [placed] = [e for e in events_on(env, OrderPlaced) if str(e.order_id) == order_id]
    [reserved] = [e for e in events_on(env, StockReserved) if str(e.order_id) == order_id]
    [sold] = [e for e in events_on(env, SaleCompleted) if str(e.order_id) == order_id]
    [reserving] = [e for e in changes if e.reason == "reserved"]
    [selling] = [e for e in changes if e.reason == "sold"]

    assert {e.correlation_id for e in (completed, signed, received)} == {batch_flow}
    assert completed.causation_id is None
    assert signed.causation_id == completed.event_id
    assert received.causation_id == signed.event_id
    assert {e.correlation_id for e in (placed, reserved, reserving, sold, selling)} == {order_flow}
    assert placed.causation_id is None
    assert reserved.causation_id == placed.event_id
    assert reserving.causation_id == placed.event_id
    assert sold.causation_id == reserved.event_id
    assert selling.causation_id == sold.event_id


def _stored(api: Jejak, lot: str) -> Any:
    trace = api.try_get("trace", f"/trace/{lot}", as_=KANWIL)
    return trace and any(step["biz_step"] == "storing" for step in trace["timeline"])


def _confirmed(api: Jejak, order_id: str, channel: Who) -> Any:
    order = api.try_get("sales", f"/orders/{order_id}", as_=channel)
    return order and order["status"] == "confirmed"
