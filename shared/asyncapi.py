"""The AsyncAPI 3 document of Jejak's streams, made by FastStream's generator from the code.

Every stream a service publishes is a `send` channel with its contract as the payload; every
subscription is a `receive` channel of its consumer group with the handler's docstring. Field
descriptions and examples come from the contracts, so the document changes when they do
(`make docs` writes docs/asyncapi.json; a test fails when the committed one is stale).
FastStream is used here for description only: services read and write the streams through
`shared/delivery/`, whose wire format (one `__data__` field of JSON, metadata in the payload)
the document states.
"""

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from faststream.redis import RedisBroker, StreamSub
from faststream.specification import AsyncAPI

from shared.contracts import ALL_EVENTS, Event
from shared.delivery.dead_letters import DeadLetter, dead_letter_stream
from shared.delivery.subscriptions import EventRouter, Subscription

DOCUMENTED_REDIS = "redis://localhost:6379"
WIRE_FORMAT = (
    "Each stream entry has one field `__data__` holding the event as UTF-8 JSON; the envelope "
    "(event_id, event_type, schema_version, occurred_at, recorded_at, producer, correlation_id, "
    "causation_id) is part of the payload. Delivery is at least once; consumers apply each "
    "event_id once per group (inbox) and move entries they cannot apply to their own "
    "`<namespace>.dead-letters.<service>` with the reason."
)


class Described(Protocol):
    """A service as the document needs it: its name and its subscriptions."""

    @property
    def name(self) -> str: ...
    @property
    def events(self) -> EventRouter: ...


def asyncapi_document(
    services: Sequence[Described],
    *,
    namespace: str = "jejak",
    contracts: Iterable[type[Event]] = ALL_EVENTS,
) -> dict[str, Any]:
    """The streams these services publish and consume, as an AsyncAPI 3.0 document."""
    broker = RedisBroker(DOCUMENTED_REDIS)
    names = {service.name for service in services}
    for contract in contracts:
        if contract.producer_service in names:
            broker.publisher(
                stream=contract.stream(namespace),
                schema=contract,
                title=contract.stream(namespace),
                description=f"Published by {contract.producer_service}. {contract.__doc__}",
            )
    for service in services:
        for subscription in service.events:
            _document_subscriber(broker, service.name, subscription, namespace)
        if service.events:
            broker.publisher(
                stream=dead_letter_stream(namespace, service.name),
                schema=DeadLetter,
                title=dead_letter_stream(namespace, service.name),
                description=f"Written by {service.name}'s consumer group only, read by "
                f"operators. {DeadLetter.__doc__}",
            )
    title = "Jejak" if len(services) != 1 else f"Jejak {services[0].name}"
    document = (
        AsyncAPI(broker, title=title, version="1", description=WIRE_FORMAT, schema_version="3.0.0")
        .to_specification()
        .to_jsonable()
    )
    # FastStream assumes the correlation id travels in headers; ours is in the payload.
    for message in document.get("components", {}).get("messages", {}).values():
        message["correlationId"] = {"location": "$message.payload#/correlation_id"}
    return dict(document)


def _document_subscriber(
    broker: RedisBroker, service: str, subscription: Subscription[Any], namespace: str
) -> None:
    stream, group = subscription.contract.stream(namespace), f"{namespace}.{service}"

    async def one_entry(event: Event) -> None:
        """Never called: its signature gives the payload schema of one stream entry."""

    one_entry.__annotations__ = {"event": subscription.contract, "return": None}
    broker.subscriber(
        stream=StreamSub(stream, group=group, consumer=f"{service}-<host>-<pid>"),
        title=f"{stream} to {group}",
        description=f"{service}.{subscription.name}: {subscription.description}",
    )(one_entry)
