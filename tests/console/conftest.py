from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.backend import Backend
from tests.console.harness import ConsoleSystem, console_system


@pytest.fixture
async def system(backend: Backend, tmp_path: Path) -> AsyncIterator[ConsoleSystem]:
    async with console_system(backend, tmp_path) as running:
        yield running
