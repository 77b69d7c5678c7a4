"""A short `jejak chaos` run: ~1,500 events through the whole flow while every kind of fault is
injected (each service killed once, pauses past the claim idle time, the run's own Redis
killed, and on PostgreSQL its connections terminated), then the full reconciliation.

`make chaos` runs the same code at full size (>= 10,000 events, >= 100 faults).
"""

import os
from pathlib import Path

import pytest
from rich.console import Console

from jejak.chaos import ChaosConfig, run_chaos
from jejak.launcher import FLOW_SERVICES
from tests.backend import Backend

pytestmark = [pytest.mark.e2e, pytest.mark.fault]

EVENTS, FAULTS = 1_500, 15


def test_a_short_chaos_run_reconciles(backend: Backend, tmp_path: Path) -> None:
    config = ChaosConfig(
        events=EVENTS,
        faults=FAULTS,
        seed=int(os.environ.get("JEJAK_CHAOS_SEED", "20261130")),
        minutes=6,
        database_url=backend.server_url,
        work_dir=tmp_path,
        settle_s=120,
    )
    result = run_chaos(config, Console(width=120))

    failed = [f"{c.name}: expected {c.expected}, found {c.found}" for c in result.failed]
    assert result.ok, f"seed {result.seed}, logs in {tmp_path / 'logs'}: " + "; ".join(failed)
    assert sum(result.events.values()) >= EVENTS
    assert len(result.faults) == FAULTS
    assert {f.kind for f in result.faults} == set(result.kinds)
    if backend.server_url:
        assert "pg-terminate" in result.kinds
    killed = {f.target for f in result.faults if f.kind == "kill"}
    assert killed == set(FLOW_SERVICES), "every service is killed in turn"
    assert result.book.batches
    assert result.book.orders
