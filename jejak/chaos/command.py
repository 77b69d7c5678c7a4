"""The `jejak chaos` command (registered in jejak/cli.py; `python -m jejak.chaos` runs it too)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def chaos(
    events: Annotated[
        int, typer.Option(min=1, help="Publish at least this many events on the streams.")
    ] = 10_000,
    faults: Annotated[int, typer.Option(min=0, help="Inject this many faults.")] = 100,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the load and the faults (printed; random if unset).")
    ] = None,
    minutes: Annotated[
        float, typer.Option(min=0.1, help="Fail if the load has not reached its targets by then.")
    ] = 30.0,
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="DATABASE_URL",
            help="PostgreSQL server for the run's own databases (jejak_chaos_<run>_<service>, "
            "dropped at the end); unset: SQLite files in the run's directory.",
        ),
    ] = None,
    work_dir: Annotated[
        Path | None,
        typer.Option("--dir", help="The run's directory (Redis files, SQLite files, logs)."),
    ] = None,
    keep: Annotated[
        bool, typer.Option(help="Keep the databases and the run's directory afterwards.")
    ] = False,
    claim_idle_ms: Annotated[
        int, typer.Option(min=100, help="JEJAK_CLAIM_IDLE_MS of the services.")
    ] = 1500,
    terminals: Annotated[int, typer.Option(min=1, help="Concurrent workshop terminals.")] = 6,
    channels: Annotated[int, typer.Option(min=1, help="Concurrent sales channel clients.")] = 6,
) -> None:
    """Drive the whole flow while killing services, freezing them, killing the run's own Redis
    and cutting its database connections; then reconcile every service's data. Exits 1 on
    any mismatch."""
    from jejak.chaos.run import ChaosConfig, run_chaos  # heavy imports only when it runs

    config = ChaosConfig(
        events=events,
        faults=faults,
        seed=seed,
        minutes=minutes,
        database_url=database_url or os.environ.get("DATABASE_URL") or None,
        work_dir=work_dir,
        keep=keep,
        claim_idle_ms=claim_idle_ms,
        terminals=terminals,
        channels=channels,
    )
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)  # a log or a pipe: tables as wide as they need
    if not run_chaos(config, console).ok:
        raise typer.Exit(1)


def main() -> None:
    typer.run(chaos)
