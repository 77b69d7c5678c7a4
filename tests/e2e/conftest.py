"""One system per e2e module (tests use their own random ids); fault tests start their own."""

import uuid
from collections.abc import Iterator

import pytest

from jejak.demo import Jejak
from jejak.launcher import ServiceSet
from tests.backend import Backend
from tests.e2e.system import api_of, running_system


@pytest.fixture(scope="module")
def module_env(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return backend.system_env(tmp_path_factory.mktemp("system"), f"e2e-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
def system(
    module_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[ServiceSet]:
    """Every service but the console, which a module marked `with_console` gets too."""
    console = request.node.get_closest_marker("with_console") is not None
    logs = tmp_path_factory.mktemp("logs")
    with running_system(module_env, logs, console=console) as services:
        yield services


@pytest.fixture(scope="module")
def api(system: ServiceSet) -> Jejak:
    return api_of(system)
