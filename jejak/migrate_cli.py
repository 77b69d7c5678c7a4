"""`jejak migrate`: bring each service's database to its history's head (shared/migrations.py).

`jejak migrate` upgrades every service's database (`--only` some), creating it when it is
missing and adopting one made by create_all before migrations existed; `--check` changes
nothing and exits 1 when any is behind; `jejak migrate revision <service> -m "..."` writes the
next migration of a service from the difference between its models and its head.
"""

import asyncio
import os
from collections.abc import Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jejak.launcher import LaunchError, ServiceSet
from jejak.options import parse_only
from shared.migrations import (
    SERVICE_NAMES,
    Migrated,
    MigrationError,
    Revision,
    migrate,
    new_revision,
    revision,
)
from shared.migrations import database_url as service_database_url

T = TypeVar("T")

migrate_app = typer.Typer(
    help="Bring each service's database to the schema of this release (Alembic).",
    invoke_without_command=True,
    no_args_is_help=False,
)
console = Console()
err_console = Console(stderr=True)


def describe(migrated: Migrated) -> str:
    """`none -> 0001 (new database)`, `0001 -> 0002`, `0002 (up to date)`."""
    if migrated.adopted:
        return f"none -> {migrated.after} (made by create_all: adopted at the baseline)"
    if not migrated.changed:
        return f"{migrated.after} (up to date)"
    before = migrated.before or "none"
    return f"{before} -> {migrated.after}" + ("" if migrated.before else " (new schema)")


async def _migrate_each(
    urls: Mapping[str, str], report: Callable[[Migrated], None]
) -> list[Migrated]:
    done = []
    for name, url in urls.items():
        migrated = await migrate(name, url)
        report(migrated)
        done.append(migrated)
    return done


def migrate_databases(urls: Mapping[str, str], out: Console = console) -> list[Migrated]:
    """Migrate each service's database (service -> URL), one line each as it is done."""

    def report(migrated: Migrated) -> None:
        line = f"  {migrated.service:<10} {escape(migrated.database)}: {describe(migrated)}"
        out.print(line, soft_wrap=True)

    return _run_to_completion(_migrate_each(urls, report))


def _run_to_completion(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` to its end from synchronous code, also when this thread already runs an
    event loop (the benchmark starts services from async code): then in a thread of its own,
    blocking the caller as a synchronous call would."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def migrate_service_set(services: ServiceSet, out: Console = console) -> list[Migrated]:
    """Migrate the databases the services of a ServiceSet will use (each as its process sees
    its environment) before they start: they refuse a database that is behind. A database that
    cannot be migrated is a LaunchError, like a service that cannot start."""
    urls = {name: service_database_url(name, services.child_env(name)) for name in services.names}
    out.print("Migrating the databases ...")
    try:
        return migrate_databases(urls, out)
    except (MigrationError, OSError) as exc:
        raise LaunchError(f"cannot migrate: {exc}") from None


def _urls(names: Sequence[str]) -> dict[str, str]:
    try:
        return {name: service_database_url(name, os.environ) for name in names}
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()
        )
        err_console.print(f"[bold red]Bad configuration:[/] {escape(problems)}")
        raise typer.Exit(2) from None


async def _revisions(urls: Mapping[str, str]) -> list[Revision]:
    return [await revision(name, url) for name, url in urls.items()]


def _check(urls: Mapping[str, str]) -> None:
    table = Table(title="Schema revisions", title_justify="left")
    for column in ("service", "database", "revision", "head", ""):
        table.add_column(column, overflow="fold")
    behind = []
    for found in asyncio.run(_revisions(urls)):
        state = "up to date" if found.up_to_date else "behind" if found.known else "unknown"
        style = "" if found.up_to_date else "red"
        table.add_row(
            found.service, escape(found.database), found.shown, found.head, state, style=style
        )
        if not found.up_to_date:
            behind.append(found.service)
    console.print(table)
    if behind:
        err_console.print(
            f"[bold red]Behind:[/] {', '.join(behind)}; `jejak migrate` brings them up.",
            soft_wrap=True,
        )
        raise typer.Exit(1)


@migrate_app.callback()
def migrate_command(
    ctx: typer.Context,
    only: Annotated[
        str | None,
        typer.Option(help="Only these services, comma-separated (e.g. quality,inventory)."),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Change nothing; exit 1 when any database is behind."),
    ] = False,
) -> None:
    """Upgrade each service's database (DATABASE_URL, or the SQLite files of JEJAK_DATA_DIR)
    to this release's schema, printing its revision before and after."""
    if ctx.invoked_subcommand is not None:
        return
    urls = _urls(parse_only(only))
    if check:
        _check(urls)
        return
    try:
        migrate_databases(urls)
    except MigrationError as exc:
        err_console.print(f"[bold red]Cannot migrate:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except OSError as exc:
        err_console.print(f"[bold red]Cannot reach the database:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None


@migrate_app.command("revision")
def revision_command(
    service: Annotated[str, typer.Argument(help="The service whose models changed.")],
    message: Annotated[str, typer.Option("--message", "-m", help="What the change is.")],
) -> None:
    """Write the next migration of a service: its models compared with its history's head
    (in a scratch SQLite database). Review it, run `make format`, and commit it."""
    if service not in SERVICE_NAMES:
        raise typer.BadParameter(f"choose from {', '.join(SERVICE_NAMES)}", param_hint="SERVICE")
    path = new_revision(service, message)
    if path is None:
        console.print(f"{service}: the models match the head; no migration written.")
        return
    console.print(f"Wrote {path}; review it (SQLite needs batch operations to alter a table).")
