"""Every service serves Prometheus metrics at GET /metrics, without a token; inventory's show
the lag and pending entries of each of its consumer groups."""

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from jejak.launcher import ServiceSet
from services.inventory.app import spec as inventory_spec

pytestmark = pytest.mark.e2e


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def test_inventory_shows_lag_and_pending_for_each_of_its_groups(system: ServiceSet) -> None:
    namespace = system.env["JEJAK_NAMESPACE"]
    group = f"{namespace}.inventory"
    consumed = {sub.contract.stream(namespace) for sub in inventory_spec.events}

    response = httpx.get(f"{system.url('inventory')}/metrics", timeout=10)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    scraped = samples(response.text)
    for gauge in ("jejak_consumer_lag", "jejak_consumer_pending"):
        streams = {
            labels["stream"]
            for name, labels, value in scraped
            if name == gauge and labels["group"] == group and value >= 0
        }
        assert streams == consumed, f"{gauge}: {streams ^ consumed}"
    assert any(name == "jejak_outbox_backlog" for name, _labels, _value in scraped)


@pytest.mark.parametrize("service", ["production", "quality", "sales", "trace", "identity"])
def test_every_service_serves_metrics_without_a_token(system: ServiceSet, service: str) -> None:
    response = httpx.get(f"{system.url(service)}/metrics", timeout=10)

    assert response.status_code == 200
    names = {name for name, _labels, _value in samples(response.text)}
    assert "jejak_outbox_backlog" in names
    assert "process_start_time_seconds" in names
