"""A whole Jejak system, every service its own OS process and its own Redis user, on the run's
backend."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jejak.demo import Jejak
from jejak.launcher import FLOW_SERVICES, SERVICE_NAMES, ServiceSet, free_ports
from jejak.migrate_cli import migrate_service_set
from jejak.redis_users import deprovision, provision
from jejak.streams import GroupStatus, group_statuses
from jejak.tokens import Tokens

# Short enough that a test sees a killed consumer's entries taken over within seconds.
CLAIM_IDLE_MS = "1500"


@contextmanager
def running_system(
    env: dict[str, str], log_dir: Path, *, console: bool = False
) -> Iterator[ServiceSet]:
    namespace, admin_url = env["JEJAK_NAMESPACE"], env["REDIS_URL"]
    # The console only calls the others over HTTP: a system starts it for the tests of its pages.
    names = SERVICE_NAMES if console else FLOW_SERVICES
    services = ServiceSet(
        env={**env, "JEJAK_CLAIM_IDLE_MS": CLAIM_IDLE_MS},
        names=names,
        ports=free_ports(names),
        log_dir=log_dir,
        redis_urls=provision(admin_url, namespace, Path(env["JEJAK_DATA_DIR"])),
    )
    try:
        migrate_service_set(services)  # as `jejak migrate` before a deployment starts
        with services:
            yield services
    finally:
        deprovision(admin_url, namespace)


def unsettled_groups(env: dict[str, str]) -> list[GroupStatus]:
    """Groups with entries pending or not yet read; empty once every event is applied."""
    return [s for s in group_statuses(env["REDIS_URL"], env["JEJAK_NAMESPACE"]) if not s.settled]


def api_of(system: ServiceSet) -> Jejak:
    """A client of a running system, signed in with its development principals."""
    return Jejak(system.urls, Tokens.from_data_dir(Path(system.env["JEJAK_DATA_DIR"])))
