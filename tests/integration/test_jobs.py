"""Periodic jobs in a running service: started with it, run again and again, a failing run
logged and retried, stopped with the service; sales' reservation expiry on the run's database."""

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from services.sales.app import spec as sales_spec
from services.sales.db import OrderRow
from shared.contracts import OrderCancelled
from shared.delivery.entries import DATA_FIELD
from shared.service import Job, Runtime
from shared.settings import Settings
from shared.uow import UnitsOfWork
from tests.integration import probe_service
from tests.integration.harness import running
from tests.waiting import eventually


class Flaky:
    """A job's run that fails its second time, and counts its runs."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self, _units: UnitsOfWork, _settings: Settings) -> int:
        self.runs += 1
        if self.runs == 2:
            raise RuntimeError("the database went away")
        return 1


async def test_a_job_runs_every_interval_survives_a_failing_run_and_stops_with_the_service(
    system_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    flaky = Flaky()
    job = Job(name="flaky", interval_s=lambda _settings: 0.02, run=flaky)
    spec = dataclasses.replace(probe_service.spec, jobs=(job,))

    with caplog.at_level(logging.ERROR, logger="jejak"):
        async with running(spec, system_env):
            await eventually("four runs", lambda: _at_least(flaky, 4))
        stopped_at = flaky.runs
        await asyncio.sleep(0.1)

    assert flaky.runs == stopped_at
    [failure] = [record for record in caplog.records if "job flaky failed" in record.message]
    assert failure.exc_info is not None
    assert "the database went away" in str(failure.exc_info[1])


async def _at_least(flaky: Flaky, runs: int) -> bool:
    return flaky.runs >= runs


async def test_sales_expires_an_old_confirmed_order_on_its_own(
    system_env: dict[str, str],
) -> None:
    async with running(
        sales_spec, system_env, JEJAK_RESERVATION_TTL_S=3600, JEJAK_EXPIRY_INTERVAL_S=0.05
    ) as runtime:
        stale = await _confirmed_order(runtime, answered=datetime.now(UTC) - timedelta(hours=2))
        fresh = await _confirmed_order(runtime, answered=datetime.now(UTC))

        await eventually("the stale order cancelled", lambda: _status(runtime, stale, "cancelled"))
        expired = await eventually("its event on Redis", lambda: _published(runtime))

        assert await _status(runtime, fresh, "confirmed")
    [event] = expired
    assert (event.order_id, event.cancelled_by) == (stale, "expiry")
    assert event.reason == "not completed within 1 hour"


async def _confirmed_order(runtime: Runtime, answered: datetime) -> UUID:
    order_id = uuid4()
    async with runtime.db.transaction() as session:
        session.add(
            OrderRow(
                order_id=order_id,
                channel_code="GALERI-SERANG",
                sku="FTW-SPT-OLR",
                quantity=1,
                serials=[],
                buyer_ref="BUYER-EXPIRY",
                status="confirmed",
                reason=None,
                allocations=[
                    {"lot_code": "CLG-FTW-2611-0042", "location_code": "CLG-STORE", "quantity": 1}
                ],
                correlation_id=uuid4(),
                answer_event_id=uuid4(),
                placed_at=answered,
                answered_at=answered,
            )
        )
    return order_id


async def _status(runtime: Runtime, order_id: UUID, status: str) -> bool:
    async with runtime.db.sessions() as session:
        found = await session.scalar(select(OrderRow.status).where(OrderRow.order_id == order_id))
    return found == status


async def _published(runtime: Runtime) -> list[OrderCancelled]:
    redis: Redis = runtime.redis
    entries: Any = await redis.xrange(OrderCancelled.stream(runtime.settings.namespace))
    return [OrderCancelled.model_validate_json(fields[DATA_FIELD]) for _id, fields in entries]
