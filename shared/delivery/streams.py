"""FastStream wiring: groups created at 0, a batch subscriber and a claimer per subscription."""

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.delivery.consumer import Consumer, Subscription
from shared.delivery.entries import Entry
from shared.settings import Settings


async def ensure_groups(redis: Redis, streams: Iterable[str], group: str) -> None:
    """Create the group at id 0 so events published before the first start are delivered.

    FastStream would create it at `$` (new entries only) and silently skip the backlog.
    """
    for stream in streams:
        try:
            await redis.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


async def entries_aside_parser(
    raw: Mapping[str, Any], faststream_parser: Callable[[Any], Awaitable[Any]]
) -> Any:
    """FastStream's batch parser JSON-decodes every entry several times into a body we never
    use (we decode each entry once, into its contract). Let it parse a copy holding only the
    first entry (its headers give the message's correlation id), which still acknowledges
    every id, and give the handler the untouched entries."""
    message = await faststream_parser({**raw, "data": raw["data"][:1]})
    message.raw_message = raw
    return message


def subscribe(
    broker: RedisBroker,
    settings: Settings,
    consumer: Consumer,
    subscription: Subscription[Any],
) -> None:
    """A batch reader of new entries (stale pending ones are the claimer's)."""
    stream = subscription.contract.stream(settings.namespace)

    async def on_batch(message: RedisBatchStreamMessage) -> None:
        raw = message.raw_message
        entries = [
            Entry(stream, entry_id.decode(), fields)
            for entry_id, fields in zip(raw["message_ids"], raw["data"], strict=True)
        ]
        await consumer.apply_entries(subscription, entries)

    name = subscription.contract.event_name.replace("-", "_")
    on_batch.__name__ = f"apply_{name}"
    broker.subscriber(
        stream=StreamSub(
            stream,
            group=settings.group,
            consumer=settings.consumer_name,
            batch=True,
            max_records=settings.batch_size,
            polling_interval=settings.poll_ms,
        ),
        parser=entries_aside_parser,
    )(on_batch)
