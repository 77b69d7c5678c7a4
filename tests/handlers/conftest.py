"""Each handler test gets its service running on TestRedisBroker (see harness.py)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.inventory.app import spec as inventory_spec
from services.quality.app import spec as quality_spec
from services.sales.app import spec as sales_spec
from services.trace.app import spec as trace_spec
from tests.handlers.harness import Service, running


@pytest.fixture
async def quality(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Service]:
    async with running(quality_spec, tmp_path, monkeypatch) as service:
        yield service


@pytest.fixture
async def inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Service]:
    async with running(inventory_spec, tmp_path, monkeypatch) as service:
        yield service


@pytest.fixture
async def sales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Service]:
    async with running(sales_spec, tmp_path, monkeypatch) as service:
        yield service


@pytest.fixture
async def trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Service]:
    async with running(trace_spec, tmp_path, monkeypatch) as service:
        yield service
