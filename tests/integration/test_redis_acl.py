"""Each service's Redis user writes only its own streams; a channel's user only reads.

On the run's real Redis (7: selectors keep a service off the streams it consumes too) or the
embedded one (6.2: no selectors, so only streams it neither produces nor consumes are shut).
"""

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import NoPermissionError
from sqlalchemy.engine import make_url

from jejak.redis_users import deprovision, provision
from shared.contracts import BatchCompleted, BatchSignedOff, StockChanged
from shared.delivery.dead_letters import dead_letter_stream

ENTRY = {"__data__": "{}"}


@pytest.fixture
def users(system_env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    admin_url, namespace = system_env["REDIS_URL"], system_env["JEJAK_NAMESPACE"]
    yield provision(admin_url, namespace, tmp_path)
    deprovision(admin_url, namespace)


def redis_major(url: str) -> int:
    with Redis.from_url(url) as admin:
        return int(str(admin.info("server")["redis_version"]).split(".")[0])


def test_a_service_writes_its_own_streams_and_no_other_producers(
    users: dict[str, str], system_env: dict[str, str]
) -> None:
    namespace = system_env["JEJAK_NAMESPACE"]
    with Redis.from_url(users["inventory"]) as inventory:
        assert inventory.xadd(StockChanged.stream(namespace), ENTRY)
        with pytest.raises(NoPermissionError):
            inventory.xadd(BatchCompleted.stream(namespace), ENTRY)
        with pytest.raises(NoPermissionError):
            inventory.delete(StockChanged.stream(namespace))
        if redis_major(system_env["REDIS_URL"]) >= 7:
            with pytest.raises(NoPermissionError):
                inventory.xadd(BatchSignedOff.stream(namespace), ENTRY)  # it only consumes it


def test_a_service_reads_what_it_consumes_with_its_group(
    users: dict[str, str], system_env: dict[str, str]
) -> None:
    namespace = system_env["JEJAK_NAMESPACE"]
    stream, group = BatchSignedOff.stream(namespace), f"{namespace}.inventory"
    with Redis.from_url(system_env["REDIS_URL"]) as admin:
        admin.xadd(stream, ENTRY)
    with Redis.from_url(users["inventory"]) as inventory:
        inventory.xgroup_create(stream, group, id="0", mkstream=True)
        [[_stream, [(entry_id, _fields)]]] = inventory.xreadgroup(group, "c", {stream: ">"})
        assert inventory.xack(stream, group, entry_id) == 1


def test_a_channels_user_reads_stock_changes_and_cannot_write_at_all(
    users: dict[str, str], system_env: dict[str, str]
) -> None:
    namespace = system_env["JEJAK_NAMESPACE"]
    stream = StockChanged.stream(namespace)
    with Redis.from_url(users["channel-galeri-serang"]) as channel:
        channel.xgroup_create(stream, f"{namespace}.galeri", id="0", mkstream=True)
        assert channel.xreadgroup(f"{namespace}.galeri", "pos-1", {stream: ">"}) == []
        dead_letters = dead_letter_stream(namespace, "sales")
        for target in (stream, BatchCompleted.stream(namespace), dead_letters):
            with pytest.raises(NoPermissionError):
                channel.xadd(target, ENTRY)


def test_a_service_inspects_the_groups_of_its_streams_and_trims_only_its_own(
    users: dict[str, str], system_env: dict[str, str]
) -> None:
    """What retention needs (shared/delivery/retention.py): the groups of the streams it
    produces and consumes, and XTRIM of what it produces."""
    namespace = system_env["JEJAK_NAMESPACE"]
    produced, consumed = StockChanged.stream(namespace), BatchSignedOff.stream(namespace)
    with Redis.from_url(system_env["REDIS_URL"]) as admin:
        for stream in (produced, consumed):
            admin.xadd(stream, ENTRY)
            admin.xgroup_create(stream, f"{namespace}.someone", id="0")
    with Redis.from_url(users["inventory"]) as inventory:
        for stream in (produced, consumed):
            assert [g["name"] for g in inventory.xinfo_groups(stream)]
            assert inventory.xpending(stream, f"{namespace}.someone")["pending"] == 0
            assert len(inventory.xrange(stream, count=1)) == 1
        assert inventory.xtrim(produced, minid="0-1") == 0
        if redis_major(system_env["REDIS_URL"]) >= 7:
            with pytest.raises(NoPermissionError):
                inventory.xtrim(consumed, minid="0-1")  # another service's stream


def test_the_consoles_user_follows_its_two_streams_with_groups_of_its_own_and_writes_none(
    users: dict[str, str], system_env: dict[str, str]
) -> None:
    """The live pages (services/console/live.py): a group of its own at `$` on stock-changed
    and batch-completed, read without acknowledging, the groups of sales and quality looked
    at, its group destroyed; no entry written, trimmed or read outside a group, no other
    stream touched."""
    namespace = system_env["JEJAK_NAMESPACE"]
    group = f"{namespace}.console-live.1.host-1"
    with Redis.from_url(system_env["REDIS_URL"]) as admin:
        for contract in (StockChanged, BatchCompleted):
            admin.xadd(contract.stream(namespace), ENTRY)
    with Redis.from_url(users["console"]) as console:
        assert console.ping()
        for contract in (StockChanged, BatchCompleted):
            stream = contract.stream(namespace)
            assert console.xgroup_create(stream, group, id="$")
            assert console.xreadgroup(group, "live", {stream: ">"}, noack=True) == []
            assert [g["name"] for g in console.xinfo_groups(stream)]
            assert console.xpending(stream, group)["pending"] == 0
            for forbidden in (
                partial(console.xadd, stream, ENTRY),
                partial(console.xrange, stream),
                partial(console.xtrim, stream, minid="0-1"),
                partial(console.delete, stream),
            ):
                with pytest.raises(NoPermissionError):
                    forbidden()
            assert console.xgroup_destroy(stream, group) == 1
        assert console.set(f"{group}.alive", 1, ex=60)
        assert console.exists(f"{group}.alive") == 1
        if redis_major(system_env["REDIS_URL"]) >= 7:
            with pytest.raises(NoPermissionError):
                console.set(StockChanged.stream(namespace), 1)  # it would replace the stream
        for other in (BatchSignedOff.stream(namespace), f"{namespace}.dead-letters.console"):
            with pytest.raises(NoPermissionError):
                console.xgroup_create(other, group, id="$", mkstream=True)
            with pytest.raises(NoPermissionError):
                console.xadd(other, ENTRY)


def on_database(url: str, database: int) -> str:
    """`url` with another database number."""
    return make_url(url).set(database=str(database)).render_as_string(hide_password=False)


def test_on_another_database_the_users_select_it_and_no_other(
    system_env: dict[str, str], tmp_path: Path
) -> None:
    """A shared Redis with a database per application: the URL's database is the users' own
    (SELECT of it alone), and what they may do there is what they may do on 0."""
    admin_url, namespace = on_database(system_env["REDIS_URL"], 5), system_env["JEJAK_NAMESPACE"]
    made = provision(admin_url, namespace, tmp_path)
    try:
        assert make_url(made["inventory"]).database == "5"
        with Redis.from_url(made["inventory"]) as inventory:  # redis-py SELECTs 5 on connecting
            entry_id = inventory.xadd(StockChanged.stream(namespace), ENTRY)
            with pytest.raises(NoPermissionError):
                inventory.execute_command("SELECT", "0")
            with pytest.raises(NoPermissionError):
                inventory.xadd(BatchCompleted.stream(namespace), ENTRY)
        with Redis.from_url(admin_url) as admin:
            assert admin.xrange(StockChanged.stream(namespace))[0][0] == entry_id
        with Redis.from_url(on_database(admin_url, 0)) as admin:
            assert admin.exists(StockChanged.stream(namespace)) == 0, "not on database 0"
    finally:
        deprovision(admin_url, namespace)
        with Redis.from_url(admin_url) as admin:
            admin.delete(StockChanged.stream(namespace))
