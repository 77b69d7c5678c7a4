"""A service with its real subscribers on FastStream's in-memory `TestRedisBroker`.

Each test gets the service's own SQLite file in tmp_path and a random stream namespace; events
go in through `broker.publish` (the FastStream path: parser, our batch subscriber, the consumer,
the inbox, the handler) and the tests read what a user would see: the service's tables and the
events it wrote to its outbox (the relay does not run here).

One gap of the emulation (faststream 0.7.8) is closed below, to behave as real Redis: it
delivers stream entries with `message_ids=[]`, while our subscriber pairs every entry with its
Redis entry id (`shared/delivery/streams.py`): each emulated entry gets a fresh id. (The
claimer is not a FastStream subscriber and does not run here; the integration tests cover it.)
The emulation also delivers every publish as a batch of one; `deliver_batch` hands a batch of
several entries to the batch subscriber, as one XREADGROUP would.
"""

import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import faststream.redis.testing
import pytest
from faststream.redis import RedisBroker, TestRedisBroker
from faststream.redis.message import BatchStreamMessage
from faststream.redis.subscriber.usecases.stream_subscriber import _StreamHandlerMixin
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts import Event
from shared.delivery.entries import encode
from shared.service import Runtime, ServiceSpec
from shared.settings import Settings

E = TypeVar("E", bound=Event)

_entry_ids = itertools.count(1)


class RedisLikeStreamVisitor(faststream.redis.testing.StreamVisitor):
    """The emulation's stream routing, with an entry id per entry."""

    def get_message(self, channel: str, body: Any, sub: Any) -> Any:
        message = super().get_message(channel, body, sub)
        message["message_ids"] = [f"{next(_entry_ids)}-0".encode() for _ in message["data"]]
        return message


@dataclass
class Service:
    """A running service under test: publish events to it, read its database and outbox."""

    runtime: Runtime
    broker: RedisBroker

    @property
    def namespace(self) -> str:
        return self.runtime.settings.namespace

    async def publish(self, *events: Event) -> None:
        """Each event as its own stream entry, the JSON payload in FastStream's envelope."""
        for event in events:
            await self.broker.publish(
                event.model_dump(mode="json"), stream=type(event).stream(self.namespace)
            )

    async def publish_raw(self, contract: type[Event], payload: bytes) -> None:
        await self.broker.publish(payload, stream=contract.stream(self.namespace))

    async def deliver_batch(self, events: Sequence[Event]) -> None:
        """Events of one stream read together, as one XREADGROUP returns them."""
        await self.deliver_entries(type(events[0]), [encode(event) for event in events])

    async def deliver_entries(
        self, contract: type[Event], entries: Sequence[dict[bytes, bytes]]
    ) -> None:
        """Raw stream entries (field -> value) of one contract's stream, read together."""
        stream = contract.stream(self.namespace)
        subscriber = next(
            sub
            for sub in self.broker.subscribers
            if isinstance(sub, _StreamHandlerMixin)
            and sub.stream_sub.name == stream
            and sub.stream_sub.batch
        )
        message = BatchStreamMessage(
            type="bstream",
            channel=stream,
            data=[*entries],
            message_ids=[f"{next(_entry_ids)}-0".encode() for _ in entries],
        )
        await subscriber.process_message(message)

    def session(self) -> AsyncSession:
        return self.runtime.db.sessions()

    async def rows(self, model: type[Any], *where: Any) -> list[Any]:
        async with self.session() as session:
            return list(await session.scalars(select(model).where(*where)))

    async def outbox(self, contract: type[E]) -> list[E]:
        """The events of one contract the service wrote, oldest first."""
        table = self.runtime.spec.tables.outbox
        async with self.session() as session:
            payloads = await session.scalars(
                select(table.c.payload)
                .where(table.c.stream == contract.stream_suffix())
                .order_by(table.c.id)
            )
            return [contract.model_validate_json(payload) for payload in payloads]


@asynccontextmanager
async def running(
    spec: ServiceSpec, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Service]:
    monkeypatch.setattr(faststream.redis.testing, "StreamVisitor", RedisLikeStreamVisitor)
    monkeypatch.delenv(f"{spec.name.upper()}_DATABASE_URL", raising=False)
    settings = Settings().model_copy(
        update={
            "service": spec.name,
            "data_dir": data_dir,
            "database_url": None,
            "namespace": f"t{uuid4().hex[:12]}",
        }
    )
    runtime = Runtime(spec, settings)
    await runtime.db.create_tables(spec.metadata)
    if spec.seed is not None:
        async with runtime.db.transaction() as session:
            await spec.seed(session)
    try:
        async with TestRedisBroker(runtime.broker) as broker:
            yield Service(runtime, broker)
    finally:
        await runtime.redis.aclose()
        await runtime.db.engine.dispose()
