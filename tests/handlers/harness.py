"""A service with its real subscribers, fed through the real read path.

Each test gets the service's own SQLite file in tmp_path, the run's Redis (see tests/backend.py)
and a random stream namespace. Events go in as stream entries (XADD), and the service's own
reader takes them with XREADGROUP, decodes them into the handler's contract, applies each
stream's entries in one transaction with the inbox and acknowledges them: the path of a
running service, one read at a time, without the background loops (relay sweep, claimer; the
integration tests cover those). The tests read what a user would see: the service's tables
and the events it wrote to its outbox.
"""

import atexit
import shutil
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts import Event
from shared.delivery.entries import DATA_FIELD, encode
from shared.delivery.outbox import written_events
from shared.identity import Claims
from shared.migrations import migrate
from shared.pagination import MAX_LIMIT, Paging
from shared.service import Runtime, ServiceSpec
from shared.settings import Settings
from tests.backend import Backend

E = TypeVar("E", bound=Event)

# Callers of the routes the tests read through (the routes' access rules are tested over
# HTTP, in tests/e2e/test_access.py).
KANWIL = Claims(role="kanwil_admin", sub="kanwil-test")
GALLERY = Claims(role="channel", sub="gallery-test", channel="GALERI-SERANG")
# The page list routes are called with in these tests: the largest, from the start.
PAGE = Paging(limit=MAX_LIMIT, offset=0)


class NotApplied(Exception):
    """Entries the service read but could not apply: they stay pending, unacknowledged."""


@dataclass
class Service:
    """A service under test: give it stream entries, read its database and outbox."""

    runtime: Runtime

    @property
    def namespace(self) -> str:
        return self.runtime.settings.namespace

    async def publish(self, *events: Event) -> None:
        """Each event as its own stream entry, read on its own."""
        for event in events:
            await self.deliver_entries(type(event), [encode(event)])

    async def publish_raw(self, contract: type[Event], payload: bytes) -> None:
        await self.deliver_entries(contract, [{DATA_FIELD: payload}])

    async def deliver_batch(self, events: Sequence[Event]) -> None:
        """Events of one stream read together, by one XREADGROUP."""
        await self.deliver_entries(type(events[0]), [encode(event) for event in events])

    async def deliver_entries(
        self, contract: type[Event], entries: Sequence[dict[bytes, bytes]]
    ) -> None:
        """Raw stream entries (field -> value) added to a contract's stream, then read together.

        Raises NotApplied when the batch failed and stays pending (the claimer's to retry).
        """
        stream = contract.stream(self.namespace)
        for fields in entries:
            await self.runtime.redis.xadd(stream, fields)  # type: ignore[arg-type]
        while await self.runtime.reader.read_once():
            pass
        pending = await self.runtime.redis.xpending(stream, self.runtime.settings.group)
        if pending["pending"]:
            raise NotApplied(self.runtime.reader.last_failure)

    def session(self) -> AsyncSession:
        return self.runtime.db.sessions()

    async def rows(self, model: type[Any], *where: Any) -> list[Any]:
        async with self.session() as session:
            return list(await session.scalars(select(model).where(*where)))

    async def outbox(self, contract: type[E]) -> list[E]:
        """The events of one contract the service wrote, oldest first."""
        async with self.session() as session:
            return await written_events(session, self.runtime.spec.tables.outbox, contract)


@asynccontextmanager
async def running(spec: ServiceSpec, backend: Backend, data_dir: Path) -> AsyncIterator[Service]:
    settings = Settings().model_copy(
        update={
            "service": spec.name,
            "redis_url": backend.redis_url,
            "data_dir": data_dir,
            "database_url": None,
            "namespace": f"t{uuid4().hex[:12]}",
        }
    )
    runtime = Runtime(spec, settings)
    await migrated(spec.name, runtime.db.url)
    await runtime.prepare()
    try:
        yield Service(runtime)
    finally:
        await _drop_streams(runtime)
        await runtime.redis.aclose()
        await runtime.db.engine.dispose()


async def _drop_streams(runtime: Runtime) -> None:
    keys = [key async for key in runtime.redis.scan_iter(match=f"{runtime.settings.namespace}.*")]
    if keys:
        await runtime.redis.delete(*keys)


# A service's schema at its head, migrated once per run and copied into each test's new
# SQLite file: a copy takes well under a millisecond, migrating a new file 20-30 ms (create_all took
# 13-18 ms).
_SCHEMAS = Path(tempfile.mkdtemp(prefix="jejak-schemas-"))
atexit.register(shutil.rmtree, _SCHEMAS, ignore_errors=True)


async def migrated(service: str, url: str) -> None:
    """Bring the service's database at `url` to its head, as `jejak migrate` would."""
    target = make_url(url).database
    if make_url(url).get_backend_name() != "sqlite" or not target or _exists(Path(target)):
        await migrate(service, url)  # a server, or a file from an earlier start: in place
        return
    template = _SCHEMAS / f"{service}.db"
    if not _exists(template):
        await migrate(service, f"sqlite+aiosqlite:///{template}")
    _copy(template, Path(target))


def _exists(path: Path) -> bool:
    return path.exists()


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
