"""Which events a service consumes, and the typed function that applies each batch of them.

    events = EventRouter()

    @events.subscriber
    async def receive_goods(events: list[BatchSignedOff], uow: UnitOfWork) -> None:
        ...

The contract is read from the handler's signature, so the signature is the subscription: the
reader decodes entries into it, and the AsyncAPI document describes it.
"""

import inspect
import typing
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from shared.contracts import Event
from shared.uow import UnitOfWork

E = TypeVar("E", bound=Event)
Handler = Callable[[list[E], UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class Subscription(Generic[E]):
    """A service applies events of one contract with one function, a batch per transaction."""

    contract: type[E]
    handler: Handler[E]

    @property
    def name(self) -> str:
        return self.handler.__name__

    @property
    def description(self) -> str:
        return inspect.getdoc(self.handler) or ""


class EventRouter:
    """A service's subscriptions, one per contract (each its own stream)."""

    def __init__(self) -> None:
        self.subscriptions: list[Subscription[Any]] = []

    def subscriber(self, handler: Handler[E]) -> Handler[E]:
        contract = contract_of(handler)
        if any(sub.contract is contract for sub in self.subscriptions):
            raise TypeError(f"{contract.__name__} already has a subscriber in this router")
        self.subscriptions.append(Subscription(contract, handler))
        return handler

    def __iter__(self) -> Iterator[Subscription[Any]]:
        return iter(self.subscriptions)

    def __len__(self) -> int:
        return len(self.subscriptions)


def contract_of(handler: Callable[..., Any]) -> type[Event]:
    """The event model of a handler's first parameter, annotated `list[SomeEvent]`."""
    first = next(iter(inspect.signature(handler).parameters), None)
    annotation = typing.get_type_hints(handler).get(first) if first else None
    [contract] = typing.get_args(annotation) or [None]
    if typing.get_origin(annotation) is not list or not (
        isinstance(contract, type) and issubclass(contract, Event)
    ):
        raise TypeError(
            f"{handler.__qualname__}: the first parameter must be annotated list[<an Event>], "
            f"not {annotation!r}"
        )
    return contract
