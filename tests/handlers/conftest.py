"""Each handler test gets its service on its own SQLite file and stream namespace."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.inventory.app import spec as inventory_spec
from services.production.app import spec as production_spec
from services.quality.app import spec as quality_spec
from services.sales.app import spec as sales_spec
from services.trace.app import spec as trace_spec
from tests.backend import Backend
from tests.handlers.harness import Service, running


@pytest.fixture
async def production(backend: Backend, tmp_path: Path) -> AsyncIterator[Service]:
    async with running(production_spec, backend, tmp_path) as service:
        yield service


@pytest.fixture
async def quality(backend: Backend, tmp_path: Path) -> AsyncIterator[Service]:
    async with running(quality_spec, backend, tmp_path) as service:
        yield service


@pytest.fixture
async def inventory(backend: Backend, tmp_path: Path) -> AsyncIterator[Service]:
    async with running(inventory_spec, backend, tmp_path) as service:
        yield service


@pytest.fixture
async def sales(backend: Backend, tmp_path: Path) -> AsyncIterator[Service]:
    async with running(sales_spec, backend, tmp_path) as service:
        yield service


@pytest.fixture
async def trace(backend: Backend, tmp_path: Path) -> AsyncIterator[Service]:
    async with running(trace_spec, backend, tmp_path) as service:
        yield service
