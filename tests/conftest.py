"""Run-wide fixtures: the backend (said in the report header) and fresh systems per test."""

import asyncio
import contextlib
import os
import re
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.backend import Backend, choose_backend

_backend_stack = contextlib.ExitStack()
_backend: Backend | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _backend
    if config.option.collectonly or hasattr(config, "workerinput"):
        return
    _backend = _backend_stack.enter_context(choose_backend())


def pytest_report_header(config: pytest.Config) -> str:
    return f"jejak backend: {_backend.describe() if _backend else 'none (collection only)'}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _backend is not None:
        terminalreporter.write_line(f"jejak backend used: {_backend.describe()}")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _backend is not None and _backend.server_url:
        asyncio.run(_drop_run_databases(_backend))
    _backend_stack.close()


async def _drop_run_databases(backend: Backend) -> None:
    """Each run makes its own databases; leave the server as it was."""
    assert backend.server_url
    url = make_url(backend.server_url)
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database="postgres",
    )
    try:
        names = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", f"jejak_t{backend.run_id}%"
        )
        for row in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def backend() -> Backend:
    assert _backend is not None, "the backend starts in pytest_configure"
    return _backend


def label_for(request: pytest.FixtureRequest) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")
    return f"{name[:16]}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def system_env(backend: Backend, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment of a fresh system: its own streams and databases, nobody else's data."""
    return backend.system_env(tmp_path, label_for(request))


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where a run leaves what people look at afterwards (screenshots, rendered labels):
    $JEJAK_TEST_OUTPUT, or test-output/ in the repository."""
    where = Path(
        os.environ.get("JEJAK_TEST_OUTPUT") or Path(__file__).parent.parent / "test-output"
    )
    where.mkdir(parents=True, exist_ok=True)
    return where
