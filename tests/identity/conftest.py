"""Each test gets an identity service of its own: a SQLite file in tmp_path, seeded with the
development principals."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.backend import Backend
from tests.identity.harness import Identity, identity_settings, running_identity


@pytest.fixture
async def identity(backend: Backend, tmp_path: Path) -> AsyncIterator[Identity]:
    async with running_identity(identity_settings(backend, tmp_path)) as service:
        yield service
