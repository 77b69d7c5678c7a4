"""Each service's migration history against its models, on SQLite and on the run's PostgreSQL.

A database the current release made the old way (metadata.create_all) is adopted and upgraded
to the same schema as one migrated from nothing; a migrated database matches the models as
`alembic check` compares them (a model changed without a migration fails here); and a service
process started on a database behind its migrations exits, saying why and what to run.
"""

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, inspect
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from jejak.cli import app
from jejak.launcher import LaunchError, ServiceSet, free_ports
from shared.db import create_engine, ensure_database
from shared.migrations import (
    SERVICE_NAMES,
    MigrationError,
    baseline_tables,
    history,
    migrate,
    revision,
    schema_differences,
    service_metadata,
)
from shared.settings import async_driver_url
from tests.backend import Backend

BACKENDS = ("sqlite", "postgresql")


def database(backend: Backend, kind: str, tmp_path: Path, name: str) -> str:
    """A new, empty database of the kind (a SQLite file, or a database on the run's server)."""
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / name}.db"
    if backend.server_url is None:
        pytest.skip("the run has no PostgreSQL server (DATABASE_URL)")
    own = f"jejak_t{backend.run_id}_mig_{uuid.uuid4().hex[:8]}_{name}"
    return async_driver_url(make_url(backend.server_url).set(database=own).render_as_string(False))


async def create_all(url: str, metadata: MetaData) -> None:
    """The old way: what Runtime.prepare did before the migrations."""
    await ensure_database(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
    finally:
        await engine.dispose()


async def inspected(url: str, what: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(what)
    finally:
        await engine.dispose()


def schema(conn: Connection) -> dict[str, Any]:
    """Tables with their columns (type, nullability, server default), primary key, indexes,
    unique constraints and foreign keys, as the database reports them."""
    inspector = inspect(conn)
    tables: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        if table.startswith("alembic_version_"):
            continue
        columns = [
            (
                column["name"],
                str(column["type"].compile(dialect=conn.dialect)),
                column["nullable"],
                str(column.get("default")),
            )
            for column in inspector.get_columns(table)
        ]
        indexes = sorted(
            (
                str(index["name"]),
                tuple(str(name) for name in index["column_names"]),
                bool(index["unique"]),
                sorted(
                    (key, str(value)) for key, value in index.get("dialect_options", {}).items()
                ),
            )
            for index in inspector.get_indexes(table)
        )
        uniques = sorted(
            (str(unique["name"]), tuple(unique["column_names"]))
            for unique in inspector.get_unique_constraints(table)
        )
        foreign_keys = sorted(
            (
                tuple(key["constrained_columns"]),
                key["referred_table"],
                tuple(key["referred_columns"]),
            )
            for key in inspector.get_foreign_keys(table)
        )
        primary_key = inspector.get_pk_constraint(table)["constrained_columns"]
        tables[table] = {
            "columns": columns,
            "primary_key": primary_key,
            "indexes": indexes,
            "uniques": uniques,
            "foreign_keys": foreign_keys,
        }
    return tables


def _options(index: Any) -> dict[str, Any]:
    """Dialect options of an index: a partial index's WHERE."""
    options: dict[str, Any] = index.get("dialect_options", {})
    return options


@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_a_database_made_by_create_all_is_adopted_and_ends_as_one_migrated_from_nothing(
    backend: Backend, tmp_path: Path, service: str, kind: str
) -> None:
    metadata = at_baseline(service_metadata(service), service)
    old = database(backend, kind, tmp_path, f"{service}_old")
    new = database(backend, kind, tmp_path, f"{service}_new")
    await create_all(old, metadata)

    adopted = await migrate(service, old)
    fresh = await migrate(service, new)

    head = history(service).head
    assert (adopted.before, adopted.after, adopted.adopted) == (None, head, True)
    assert (fresh.before, fresh.after, fresh.adopted) == (None, head, False)
    assert (await revision(service, old)).up_to_date
    old_schema, new_schema = await inspected(old, schema), await inspected(new, schema)
    assert set(old_schema) == set(service_metadata(service).tables)
    assert new_schema == old_schema


def at_baseline(metadata: MetaData, service: str) -> MetaData:
    """The models' tables that the baseline made: what create_all made before the histories
    (tables added by later revisions came with their migration)."""
    baseline = baseline_tables(service)
    then = MetaData()
    for table in metadata.sorted_tables:
        if table.name in baseline:
            table.to_metadata(then)
    return then


@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_the_migrated_schema_is_the_models_schema(
    backend: Backend, tmp_path: Path, service: str, kind: str
) -> None:
    """`alembic check`: a model changed without a migration that makes the change fails here
    (`jejak migrate revision <service> -m ...` writes that migration)."""
    url = database(backend, kind, tmp_path, service)
    await migrate(service, url)
    metadata = service_metadata(service)

    assert await inspected(url, lambda conn: schema_differences(conn, service, metadata)) == []

    changed = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    next(iter(changed.tables.values())).append_column(Column("added_later", Integer))
    [difference] = await inspected(url, lambda conn: schema_differences(conn, service, changed))
    assert difference[0] == "add_column"


async def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'quality.db'}"
    first = await migrate("quality", url)
    again = await migrate("quality", url)

    assert first.changed
    assert (again.before, again.after, again.changed) == (first.after, first.after, False)


async def test_the_baseline_makes_the_tables_of_the_models() -> None:
    """Each baseline table is a model's, with the model's columns (later revisions may add
    tables)."""
    for service in SERVICE_NAMES:
        metadata = service_metadata(service)
        baseline = baseline_tables(service)
        assert baseline == {
            name: frozenset(metadata.tables[name].columns.keys())
            for name in baseline
            if name in metadata.tables
        }


async def test_tables_that_are_not_the_baselines_are_not_adopted(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'inventory.db'}"
    metadata = service_metadata("inventory")
    changed = MetaData()
    for table in metadata.sorted_tables:
        if table.name != "outbox":  # a table missing
            table.to_metadata(changed)
    changed.tables["inbox"].append_column(Column("extra", Integer))  # a column too many
    await create_all(url, changed)

    with pytest.raises(MigrationError) as refused:
        await migrate("inventory", url)

    message = str(refused.value)
    assert "no alembic_version_inventory" in message
    assert "missing tables outbox" in message
    assert "inbox has columns the baseline lacks: extra" in message
    assert (await revision("inventory", url)).current is None  # left as it was


def test_jejak_migrate_check_fails_until_every_database_is_migrated(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"JEJAK_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}

    behind = runner.invoke(app, ["migrate", "--check", "--only", "quality,trace"], env=env)
    migrated = runner.invoke(app, ["migrate", "--only", "quality,trace"], env=env)
    current = runner.invoke(app, ["migrate", "--check", "--only", "quality,trace"], env=env)
    again = runner.invoke(app, ["migrate", "--only", "trace"], env=env)

    assert behind.exit_code == 1, behind.output
    assert "behind" in behind.output
    assert migrated.exit_code == 0, migrated.output
    head = history("quality").head
    assert f"quality.db: none -> {head} (new schema)" in migrated.output
    assert current.exit_code == 0, current.output
    assert f"trace.db: {history('trace').head} (up to date)" in again.output


def test_a_service_on_a_database_behind_its_migrations_exits_and_says_why(
    system_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(system_env)
    if "DATABASE_URL" in env:  # the password must not reach the log (trust auth ignores it)
        env["DATABASE_URL"] = (
            make_url(env["DATABASE_URL"]).set(password="s3cret").render_as_string(False)
        )
    services = ServiceSet(
        env, names=["quality"], ports=free_ports(["quality"]), log_dir=tmp_path / "logs"
    )
    try:
        with pytest.raises(LaunchError) as failed:
            services.start("quality", timeout=60)
    finally:
        services.stop_all()

    code = services["quality"].returncode
    assert code is not None
    assert code != 0
    assert "exited with code" in str(failed.value)
    log = services.log_path("quality").read_text()
    assert "quality: database " in log
    assert "behind this release's head" in log
    assert "jejak migrate --only quality" in log
    assert "s3cret" not in log
