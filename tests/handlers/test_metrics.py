"""GET /metrics of a consuming service: what it applied, what waits for it, what it set aside."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.inventory.app import spec as inventory_spec
from shared.contracts import BatchSignedOff, OrderPlaced
from shared.delivery.entries import encode
from shared.service import create_app
from tests import builders
from tests.backend import Backend
from tests.handlers.harness import Service, running


@dataclass
class Scraped:
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def value(self, name: str, **labels: str) -> float | None:
        return self.samples.get((name, frozenset(labels.items())))


@dataclass
class Metered:
    service: Service
    http: httpx.AsyncClient

    async def scrape(self) -> Scraped:
        response = await self.http.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        return Scraped(
            {
                (sample.name, frozenset(sample.labels.items())): sample.value
                for family in text_string_to_metric_families(response.text)
                for sample in family.samples
            }
        )


@pytest.fixture
async def inventory(backend: Backend, tmp_path: Path) -> AsyncIterator[Metered]:
    async with running(inventory_spec, backend, tmp_path) as service:
        app = create_app(inventory_spec, service.runtime.settings)
        own, app.state.runtime = app.state.runtime, service.runtime
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://inventory"
            ) as http:
                yield Metered(service, http)
        finally:
            await own.redis.aclose()
            await own.db.engine.dispose()


async def test_applied_entries_are_counted_and_every_group_has_lag_and_pending(
    inventory: Metered,
) -> None:
    service = inventory.service
    group = service.runtime.settings.group
    received = BatchSignedOff.stream(service.namespace)
    before = await inventory.scrape()

    signed_off = [builders.batch_signed_off(builders.batch_completed()) for _ in range(2)]
    await service.deliver_batch(signed_off)
    after = await inventory.scrape()

    applied = "jejak_entries_applied_total"
    assert (after.value(applied, stream=received, group=group) or 0) - (
        before.value(applied, stream=received, group=group) or 0
    ) == 2
    for stream in service.runtime.reader.streams:
        assert after.value("jejak_consumer_lag", stream=stream, group=group) == 0
        assert after.value("jejak_consumer_pending", stream=stream, group=group) == 0
    assert after.value("jejak_outbox_backlog") is not None


async def test_unread_and_unacknowledged_entries_show_as_lag_and_pending(
    inventory: Metered,
) -> None:
    service = inventory.service
    redis, group = service.runtime.redis, service.runtime.settings.group
    orders = OrderPlaced.stream(service.namespace)
    for _ in range(3):
        await redis.xadd(orders, encode(builders.order_placed(quantity=1)))  # type: ignore[arg-type]
    # Another consumer of the group takes one and dies before acknowledging it.
    await redis.xreadgroup(group, "crashed-consumer", {orders: ">"}, count=1)

    scraped = await inventory.scrape()

    assert scraped.value("jejak_consumer_lag", stream=orders, group=group) == 2
    assert scraped.value("jejak_consumer_pending", stream=orders, group=group) == 1


async def test_dead_letters_are_counted_by_reason(inventory: Metered) -> None:
    service = inventory.service
    group = service.runtime.settings.group
    received = BatchSignedOff.stream(service.namespace)
    name = "jejak_dead_lettered_total"
    before = await inventory.scrape()

    await service.publish_raw(BatchSignedOff, b"not json")
    after = await inventory.scrape()

    labels = {"stream": received, "group": group, "reason": "malformed"}
    assert (after.value(name, **labels) or 0) - (before.value(name, **labels) or 0) == 1


async def test_requests_are_timed_by_route_template_not_path(inventory: Metered) -> None:
    order_id = uuid4()
    await inventory.http.get(f"/reservations/{order_id}")  # 401: no token
    await inventory.http.get("/no/such/path")

    scraped = await inventory.scrape()

    routes = {
        dict(labels)["route"]
        for (name, labels) in scraped.samples
        if name == "jejak_http_request_duration_seconds_count"
    }
    assert f"/reservations/{order_id}" not in routes
    assert scraped.value(
        "jejak_http_request_duration_seconds_count",
        method="GET",
        route="/reservations/{order_id}",
        status="401",
    )
    assert "/no/such/path" not in routes
    assert "<unmatched>" in routes
    assert "/metrics" in routes
