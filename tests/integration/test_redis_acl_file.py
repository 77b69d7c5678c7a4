"""`jejak redis-users` writes the users of a deployment; a Redis 7 server loads them as they are
(the machine's redis-server, on a port of its own; compose runs redis:7 the same way)."""

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import AuthenticationError, NoPermissionError, ResponseError

from jejak.launcher import free_port
from jejak.redis_users import write_deployment_files
from shared.contracts import BatchCompleted, StockChanged

REDIS_SERVER = shutil.which("redis-server")


def server_major() -> int:
    assert REDIS_SERVER is not None
    version = subprocess.run([REDIS_SERVER, "--version"], capture_output=True, text=True)
    return int(version.stdout.split("v=")[1].split(".")[0])


pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None or server_major() < 7, reason="needs a redis-server 7 on the PATH"
)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    written = write_deployment_files(tmp_path / "redis", "jejak", redis_host="127.0.0.1:0")
    port = free_port()
    acl = next(path for path in written if path.name == "users.acl")
    assert REDIS_SERVER is not None
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--aclfile", str(acl), "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):  # up once it answers at all (its default user wants a password)
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            time.sleep(0.05)
        yield tmp_path / "redis", port
    finally:
        server.terminate()
        server.wait(10)


def url_in(env_file: Path, port: int) -> str:
    return env_file.read_text().strip().removeprefix("REDIS_URL=").replace(":0/", f":{port}/")


def test_the_written_users_load_and_each_keeps_to_its_streams(
    deployment: tuple[Path, int],
) -> None:
    folder, port = deployment
    with Redis.from_url(url_in(folder / "inventory.env", port)) as inventory:
        assert inventory.xadd(StockChanged.stream("jejak"), {"__data__": "{}"})
        with pytest.raises(NoPermissionError):
            inventory.xadd(BatchCompleted.stream("jejak"), {"__data__": "{}"})
    channel = Redis.from_url(url_in(folder / "channel-marketplace.env", port))
    with channel, pytest.raises(NoPermissionError):
        channel.xadd(StockChanged.stream("jejak"), {"__data__": "{}"})


def test_the_default_user_needs_the_administrators_password(
    deployment: tuple[Path, int],
) -> None:
    folder, port = deployment
    password = (folder / "admin.env").read_text().strip().removeprefix("REDIS_ADMIN_PASSWORD=")
    with Redis(port=port) as anonymous, pytest.raises((AuthenticationError, ResponseError)):
        anonymous.ping()
    with Redis(port=port, password=password) as admin:
        assert admin.ping()
    assert {path.stat().st_mode & 0o777 for path in folder.iterdir()} == {0o600}


def test_files_left_readable_by_an_older_release_are_narrowed_to_their_owner(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "redis"
    folder.mkdir()
    for name in ("passwords.json", "users.acl"):
        (folder / name).write_text("{}" if name.endswith(".json") else "")
        (folder / name).chmod(0o644)
    written = write_deployment_files(folder, "jejak", redis_host="127.0.0.1:0")
    assert {path.stat().st_mode & 0o777 for path in written} == {0o600}
