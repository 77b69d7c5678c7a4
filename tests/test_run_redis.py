"""Every `jejak` command uses the Redis the run uses: `jejak run --redis-port` records its
embedded Redis in the data directory, and `jejak streams`, `jejak dead-letters` and `jejak
demo` (which settles on it) talk to that one unless REDIS_URL says otherwise."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from jejak.launcher import free_port, record_run_redis, run_redis_url
from shared.delivery.dead_letters import dead_letter_stream
from shared.settings import Settings
from tests.test_supervision import JEJAK, Run


def test_redis_url_wins_over_the_runs_and_without_a_run_the_default_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("JEJAK_DATA_DIR", str(tmp_path))
    assert run_redis_url(Settings()) == Settings().redis_url  # no run yet: the default

    record_run_redis(tmp_path, "redis://127.0.0.1:6501/0")

    assert run_redis_url(Settings()) == "redis://127.0.0.1:6501/0"
    assert (tmp_path / "redis-url").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6379/0")
    assert run_redis_url(Settings()) == "redis://elsewhere:6379/0"


@pytest.fixture
def run_on_own_port(system_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Run, int]]:
    """`jejak run --only production --redis-port P`, its embedded Redis on P (no REDIS_URL)."""
    port = free_port()
    run = Run(
        system_env, tmp_path, "--only", "production", "--redis-port", str(port),
        without=["REDIS_URL"],
    )  # fmt: skip
    try:
        yield run, port
    finally:
        run.stop()


@pytest.mark.e2e
def test_streams_and_dead_letters_read_the_redis_of_jejak_run_redis_port(
    run_on_own_port: tuple[Run, int], system_env: dict[str, str]
) -> None:
    run, port = run_on_own_port
    run.wait_for("Press Ctrl-C to stop.", timeout=150)
    assert f"redis://127.0.0.1:{port}/0 (embedded" in run.text()
    namespace = system_env["JEJAK_NAMESPACE"]
    with redis.Redis(port=port) as embedded:
        letter = {"source_stream": "s", "source_group": f"{namespace}.quality", "reason": "invalid"}
        embedded.xadd(dead_letter_stream(namespace, "quality"), letter)

    def jejak(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*JEJAK, *args], env=run.env, capture_output=True, text=True, timeout=60
        )

    listed = jejak("dead-letters", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"1 dead letter(s) in {namespace}.dead-letters.*." in listed.stdout
    shown = jejak("streams")
    assert shown.returncode == 0, shown.stderr
    assert "Dead letters: 1" in shown.stdout
    # The letter's id as jejak dead-letters takes it, and its group (once swallowed as markup).
    assert "  quality/" in shown.stdout
    assert f"s [{namespace}.quality] invalid" in shown.stdout
