"""The public trace's rate limit on a running trace process, over HTTP from loopback: a client
cannot escape it by naming other addresses in X-Forwarded-For (only the proxies of
JEJAK_TRUSTED_PROXIES are believed), and the Retry-After of a refusal is the real wait:
coming back after it gets an answer, and asking again meanwhile does not push it back."""

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from jejak.launcher import ServiceSet, free_ports
from jejak.migrate_cli import migrate_service_set
from tests.backend import Backend

WINDOW_S = 2
RULE = f"3/{WINDOW_S} seconds"  # a small window keeps the waits short
LOOKUP = "/trace/CLG-FTW-2601-0001"  # an unknown lot: 404 while within the limit


@contextmanager
def running_trace(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory, **env: str
) -> Iterator[httpx.Client]:
    system = backend.system_env(tmp_path_factory.mktemp("system"), f"rl-{uuid.uuid4().hex[:6]}")
    trace = ServiceSet(
        env={**system, "JEJAK_PUBLIC_RATE_LIMIT": RULE, **env},
        names=("trace",),
        ports=free_ports(["trace"]),
        log_dir=tmp_path_factory.mktemp("logs"),
    )
    migrate_service_set(trace)
    with trace, httpx.Client(base_url=trace.url("trace"), timeout=10) as http:
        yield http


@pytest.fixture(scope="module")
def trace(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with running_trace(backend, tmp_path_factory) as http:
        yield http


def forwarded_for(number: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"203.0.113.{number % 250 + 1}"}


def at_a_fresh_window() -> None:
    """Sleep to just past the start of a window whose previous window saw no lookup (the
    limiter's windows start at multiples of their length): the counts are then known."""
    time.sleep(WINDOW_S - time.time() % WINDOW_S + WINDOW_S + 0.05)


def refused(http: httpx.Client, headers: dict[str, str] | None = None) -> httpx.Response:
    """Look up until refused."""
    for _ in range(20):
        answer = http.get(LOOKUP, headers=headers)
        if answer.status_code == 429:
            return answer
        assert answer.status_code == 404, answer.text
    raise AssertionError("never refused")


def test_a_loopback_client_naming_other_addresses_is_still_limited(trace: httpx.Client) -> None:
    at_a_fresh_window()
    statuses = [trace.get(LOOKUP, headers=forwarded_for(n)).status_code for n in range(10)]

    assert statuses == [404] * 3 + [429] * 7


def test_retry_after_is_the_wait_until_the_client_may_come_back(trace: httpx.Client) -> None:
    at_a_fresh_window()
    first = refused(trace)  # the 4th lookup, 3 counted in this window and none before it
    waits = [int(first.headers["Retry-After"])]
    for _ in range(3):  # asking again meanwhile: refused, and the wait does not grow
        time.sleep(0.2)
        again = trace.get(LOOKUP)
        assert again.status_code == 429
        waits.append(int(again.headers["Retry-After"]))
    time.sleep(waits[-1])
    back = trace.get(LOOKUP)

    # Its window's end, 1.9 s away: 2 s. Sooner, this window's 3 lookups still count in full.
    assert waits[0] == 2
    assert waits == sorted(waits, reverse=True)
    assert back.status_code == 404


def test_the_x_forwarded_for_of_a_trusted_proxy_names_the_client(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with running_trace(backend, tmp_path_factory, JEJAK_TRUSTED_PROXIES="127.0.0.1") as http:
        behind_the_proxy = [
            http.get(LOOKUP, headers=forwarded_for(n)).status_code for n in range(10)
        ]
        one_client = refused(http, {"X-Forwarded-For": "198.51.100.7, 127.0.0.1"})

    assert behind_the_proxy == [404] * 10  # ten clients, one lookup each
    assert one_client.status_code == 429
