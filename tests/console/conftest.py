from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.backend import Backend
from tests.console.harness import Browser, ConsoleSystem, console_system


@pytest.fixture
async def system(backend: Backend, tmp_path: Path) -> AsyncIterator[ConsoleSystem]:
    async with console_system(backend, tmp_path) as running:
        yield running


@pytest.fixture
async def kanwil(system: ConsoleSystem) -> AsyncIterator[Browser]:
    async with system.browser() as browser:
        await system.signed_in(browser, "kanwil_admin")
        yield browser


@pytest.fixture
async def staff(system: ConsoleSystem) -> AsyncIterator[Browser]:
    async with system.browser() as browser:
        await system.signed_in(browser, "channel", channel="GALERI-SERANG")
        yield browser
