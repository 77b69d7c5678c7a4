"""Each service's schema history, run by Alembic from code: no alembic.ini, no env.py.

A service's history is `services/<service>/migrations/versions/*.py` (package data, so a
non-editable install has it too), and its database records where it stands in its own
version table, `alembic_version_<service>`: services that share one database keep their
histories apart. This module is the one Alembic environment of every service: `migrate`
(what `jejak migrate` runs) brings a database to the head, `require_current` (what a
service runs at start-up) refuses a database that is behind, `new_revision` writes the next
migration of a service by comparing its models with its head.

A database made by `metadata.create_all` before the histories existed has the service's
tables but no version table: when its tables and columns are those of the baseline, it is
stamped at the baseline and upgraded from there; otherwise `migrate` says what differs and
stops.
"""

import importlib
import importlib.resources
import logging
import re
import tempfile
import textwrap
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

import asyncpg
from alembic.autogenerate import compare_metadata, produce_migrations, render_python_code
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, inspect, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.functions import FunctionElement

from shared.db import UtcDateTime, create_engine, ensure_database
from shared.settings import SERVICE_PORTS, Settings

log = logging.getLogger("jejak")

SERVICE_NAMES: tuple[str, ...] = tuple(SERVICE_PORTS)
VERSION_TABLE_PREFIX = "alembic_version_"


class MigrationError(Exception):
    """A database cannot be migrated as it is (its tables are not the baseline's)."""


class SchemaNotCurrent(RuntimeError):
    """A service's database is behind its code (or ahead of it): the service must not start."""


def hidden(url: str) -> str:
    """The URL with its password shown as ***."""
    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class History:
    """One service's migrations."""

    service: str

    @property
    def directory(self) -> Path:
        return Path(str(importlib.resources.files("services"))) / self.service / "migrations"

    @property
    def version_table(self) -> str:
        return f"{VERSION_TABLE_PREFIX}{self.service}"

    @cached_property
    def script(self) -> ScriptDirectory:
        if not (self.directory / "versions").is_dir():
            raise MigrationError(f"{self.service} has no migration history ({self.directory})")
        return ScriptDirectory(str(self.directory))

    @property
    def head(self) -> str:
        head = self.script.get_current_head()
        assert head is not None, f"{self.directory} holds no revision"
        return head

    @property
    def base(self) -> str:
        base = self.script.get_base()
        assert base is not None, f"{self.directory} holds no revision"
        return base

    def knows(self, revision: str) -> bool:
        return any(script.revision == revision for script in self.script.walk_revisions())

    def context(self, conn: Connection, **opts: Any) -> MigrationContext:
        return MigrationContext.configure(conn, opts={"version_table": self.version_table, **opts})

    def upgrade(self, conn: Connection, target: str = "heads") -> None:
        """Run the revisions from the database's one up to `target`, in `conn`'s transaction."""

        def steps(revision: Any, _context: MigrationContext) -> Any:
            return self.script._upgrade_revs(target, revision)

        context = self.context(conn, fn=steps)
        with Operations.context(context):
            context.run_migrations()

    def current(self, conn: Connection) -> str | None:
        heads = self.context(conn).get_current_heads()
        return ",".join(heads) if heads else None


@cache
def history(service: str) -> History:
    return History(service)


def service_metadata(service: str) -> MetaData:
    """The models of a service: the metadata of its ServiceSpec."""
    module = importlib.import_module(f"services.{service}.app")
    metadata: MetaData = module.spec.metadata
    return metadata


# --------------------------------------------------------------------------- where a database is


@dataclass(frozen=True)
class Revision:
    """Where a service's database stands in its history."""

    service: str
    database: str  # its URL, password hidden
    current: str | None  # None: a new database (or none yet)
    head: str
    known: bool = True  # False: a revision this release does not know (a newer one's)
    note: str = ""  # why there is no revision: "no database yet", "no version table"

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def shown(self) -> str:
        if self.current is not None:
            return self.current
        return f"none ({self.note})" if self.note else "none"

    def refusal(self) -> str:
        """Why the service must not start on this database, and what to do."""
        where = f"{self.service}: database {self.database}"
        if not self.known:
            return (
                f"{where} is at revision {self.current}, which this release does not know "
                f"(head {self.head}): a newer release migrated it; run that release, or restore "
                "a backup taken before it migrated"
            )
        return (
            f"{where} is at revision {self.shown}, behind this release's head {self.head}; "
            f"run `jejak migrate --only {self.service}` (or `jejak migrate` for every service) "
            "before starting it"
        )


async def revision(service: str, url: str) -> Revision:
    """Where the database stands, without changing anything (not even creating it)."""
    found = history(service)
    made = Revision(service, hidden(url), None, found.head)
    if _no_sqlite_file(url):
        return replace(made, note="no database file yet")
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            current, versioned = await conn.run_sync(
                lambda sync: (found.current(sync), _has_table(sync, found.version_table))
            )
    except (asyncpg.InvalidCatalogNameError, DBAPIError) as exc:
        if isinstance(exc, DBAPIError) and "InvalidCatalogName" not in repr(exc.orig):
            raise
        return replace(made, note="no database yet")
    finally:
        await engine.dispose()
    if current is None:
        return replace(made, note="" if versioned else f"no {found.version_table} table")
    return replace(made, current=current, known=all(found.knows(r) for r in current.split(",")))


def _no_sqlite_file(url: str) -> bool:
    parsed = make_url(url)
    path = parsed.database
    return (
        parsed.get_backend_name() == "sqlite"
        and bool(path)
        and path != ":memory:"
        and (not Path(str(path)).exists())
    )


def _has_table(conn: Connection, table: str) -> bool:
    return inspect(conn).has_table(table)


async def require_current(service: str, url: str) -> None:
    """Start-up's check: the database is at this release's head, or the service stops."""
    found = await revision(service, url)
    if not found.up_to_date:
        message = found.refusal()
        log.error("%s", message)
        raise SchemaNotCurrent(message)


# --------------------------------------------------------------------------- migrating


@dataclass(frozen=True)
class Migrated:
    service: str
    database: str  # password hidden
    before: str | None
    after: str
    adopted: bool = False  # made by create_all, stamped at the baseline first

    @property
    def changed(self) -> bool:
        return self.before != self.after


async def migrate(service: str, url: str) -> Migrated:
    """Create the database if it is missing, adopt it if create_all made it, upgrade it to the
    head: one transaction on PostgreSQL, taken by one migrator at a time."""
    found = history(service)
    await ensure_database(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(_migrate, found, hidden(url))
    finally:
        await engine.dispose()


def _migrate(conn: Connection, found: History, database: str) -> Migrated:
    if conn.dialect.name == "postgresql":  # a second migrator waits, then finds nothing to do
        key = zlib.crc32(found.version_table.encode())
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    before = found.current(conn)
    if before is not None and not all(found.knows(r) for r in before.split(",")):
        raise MigrationError(
            f"{found.service}: database {database} is at revision {before}, which this release "
            f"does not know (head {found.head}): a newer release migrated it"
        )
    adopted = before is None and _adopt(conn, found, database)
    found.upgrade(conn)
    after = found.current(conn)
    assert after is not None
    return Migrated(found.service, database, before, after, adopted)


def _adopt(conn: Connection, found: History, database: str) -> bool:
    """Stamp a database made by create_all at the baseline; False for a new database."""
    inspector = inspect(conn)
    present = set(inspector.get_table_names())
    if found.version_table in present:
        return False
    baseline = baseline_tables(found.service)
    if not baseline.keys() & present:
        return False
    tables = {
        name: {column["name"] for column in inspector.get_columns(name)}
        for name in baseline.keys() & present
    }
    problems = differences_by_name(baseline, tables)
    if problems:
        raise MigrationError(
            f"{found.service}: database {database} has tables but no {found.version_table}, "
            f"and they are not those of the baseline revision {found.base}: "
            + "; ".join(problems)
            + ". Bring them to the baseline by hand (or start from an empty database), then "
            "migrate again."
        )
    found.context(conn).stamp(found.script, found.base)
    log.info("%s: %s adopted at the baseline %s", found.service, database, found.base)
    return True


@cache
def baseline_tables(service: str) -> dict[str, frozenset[str]]:
    """Table -> column names of the baseline revision, as it makes them (in SQLite, in memory)."""
    found = history(service)
    engine = create_sync_engine("sqlite://")
    try:
        with engine.begin() as conn:
            found.upgrade(conn, found.base)
            inspector = inspect(conn)
            return {
                name: frozenset(column["name"] for column in inspector.get_columns(name))
                for name in inspector.get_table_names()
                if name != found.version_table
            }
    finally:
        engine.dispose()


def differences_by_name(
    expected: Mapping[str, Iterable[str]], found: Mapping[str, Iterable[str]]
) -> list[str]:
    """What differs between two sets of tables and their column names, in words."""
    problems = []
    missing = sorted(expected.keys() - found.keys())
    if missing:
        problems.append(f"missing tables {', '.join(missing)}")
    for table in sorted(expected.keys() & found.keys()):
        want, have = set(expected[table]), set(found[table])
        if want - have:
            problems.append(f"{table} lacks columns {', '.join(sorted(want - have))}")
        if have - want:
            extra = ", ".join(sorted(have - want))
            problems.append(f"{table} has columns the baseline lacks: {extra}")
    return problems


# --------------------------------------------------------------------------- every service


def database_url(service: str, env: Mapping[str, str]) -> str:
    """The database a service started with environment `env` uses (as its Settings find it)."""
    # Empty means unset (as Settings reads the environment): the default, not os.environ's.
    defaults = {field.alias: field.default for field in Settings.model_fields.values()}
    values = {key: defaults.get(key) if value == "" else value for key, value in env.items()}
    settings = Settings.model_validate(values).model_copy(update={"service": service})
    own = values.get(f"{service.upper()}_DATABASE_URL")
    if own:
        return settings.model_copy(update={"database_url": own}).service_database_url()
    return settings.service_database_url()


async def migrate_services(
    env: Mapping[str, str],
    names: Sequence[str] = SERVICE_NAMES,
    report: Callable[[Migrated], None] | None = None,
) -> list[Migrated]:
    """Migrate the database of each service started with environment `env`."""
    done = []
    for name in names:
        migrated = await migrate(name, database_url(name, env))
        if report is not None:
            report(migrated)
        done.append(migrated)
    return done


async def service_revisions(
    env: Mapping[str, str], names: Sequence[str] = SERVICE_NAMES
) -> list[Revision]:
    return [await revision(name, database_url(name, env)) for name in names]


# --------------------------------------------------------------------------- models vs history


def _include_name(name: str | None, type_: str, _parents: Mapping[str, str | None]) -> bool:
    """Leave out every service's version table (some set-ups share one database)."""
    return not (type_ == "table" and name is not None and name.startswith(VERSION_TABLE_PREFIX))


def _render_item(type_: str, item: Any, _context: AutogenContext) -> str | Literal[False]:
    """Our timestamp type as what it is in the database (migrations keep no app types), and
    server-side functions as functions, which each dialect spells its own way (now() on
    PostgreSQL, CURRENT_TIMESTAMP on SQLite)."""
    if type_ == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "server_default" and isinstance(getattr(item, "arg", None), FunctionElement):
        function: Any = item.arg
        if not function.clauses.clauses:
            return f"sa.func.{function.name}()"
    return False


def _compare_options(found: History, metadata: MetaData) -> dict[str, Any]:
    return {
        "version_table": found.version_table,
        "target_metadata": metadata,
        "compare_type": True,
        "include_name": _include_name,
        "render_item": _render_item,
        "render_as_batch": True,  # SQLite alters a table by copying it
    }


def schema_differences(conn: Connection, service: str, metadata: MetaData) -> list[Any]:
    """What `alembic check` would find: the models against the database, [] when equal."""
    found = history(service)
    context = MigrationContext.configure(conn, opts=_compare_options(found, metadata))
    return list(compare_metadata(context, metadata))


@dataclass
class Rendered:
    upgrade: str
    downgrade: str
    imports: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return "pass" in self.upgrade.split() and "op." not in self.upgrade


def render_changes(
    conn: Connection, service: str, metadata: MetaData, *, batch: bool = True
) -> Rendered:
    """The operations that bring the database in `conn` to the models, as Python code."""
    found = history(service)
    options = _compare_options(found, metadata) | {"render_as_batch": batch}
    context = MigrationContext.configure(conn, opts=options)
    script = produce_migrations(context, metadata)
    imports: set[str] = set()

    def render(ops: Any) -> str:
        code = render_python_code(
            ops,
            render_as_batch=batch,
            imports=imports,  # type: ignore[arg-type]  # filled in as it renders
            render_item=_render_item,
            migration_context=context,
        )
        return textwrap.indent(textwrap.dedent(f"    {code.strip()}"), "    ")

    return Rendered(render(script.upgrade_ops), render(script.downgrade_ops), imports)


REVISION_TEMPLATE = '''"""{message}

Revision ID: {revision}
Revises: {down_revision}
Create Date: {created}
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
{imports}
revision: str = "{revision}"
down_revision: str | None = {down_literal}
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''


def write_revision(service: str, message: str, rendered: Rendered) -> Path:
    """The next revision file of a service's history (numbered 0001, 0002, ...)."""
    found = history(service)
    versions = found.directory / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    down = found.script.get_current_head() if any(versions.glob("*.py")) else None
    number = f"{int(down) + 1:04d}" if down and down.isdigit() else "0001"
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "change"
    path = versions / f"{number}_{slug}.py"
    extra = "".join(f"{line}\n" for line in sorted(rendered.imports - {"import sqlalchemy as sa"}))
    path.write_text(
        REVISION_TEMPLATE.format(
            message=message,
            revision=number,
            down_revision=down or "nothing: the first revision",
            down_literal=repr(down).replace("'", '"'),
            created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            imports=f"{extra}\n" if extra else "",
            upgrade=rendered.upgrade.rstrip(),
            downgrade=rendered.downgrade.rstrip(),
        )
    )
    found.__dict__.pop("script", None)  # the history has grown
    return path


def new_revision(service: str, message: str) -> Path | None:
    """Compare the service's models with its head (a scratch SQLite database migrated to it)
    and write the difference as the next revision; None when there is no difference."""
    found = history(service)
    metadata = service_metadata(service)
    with tempfile.TemporaryDirectory(prefix="jejak-revision-") as scratch:
        engine = create_sync_engine(f"sqlite:///{scratch}/{service}.db")
        try:
            with engine.begin() as conn:
                if (found.directory / "versions").is_dir() and any(
                    (found.directory / "versions").glob("*.py")
                ):
                    found.upgrade(conn)
                rendered = render_changes(conn, service, metadata)
        finally:
            engine.dispose()
    if rendered.empty:
        return None
    return write_revision(service, message, rendered)
