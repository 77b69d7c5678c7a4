"""The console's routes as the tests see them: method, path and the roles the route lets in,
read from the route itself (its `role(...)` dependency, or `PersonDep` for anyone signed in),
so a page added later is in every test that walks the routes without a table to update."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from services.console.sessions import OfRole, signed_in
from shared.identity import ROLES, Role


@dataclass(frozen=True)
class ConsoleRoute:
    method: str
    path: str
    roles: frozenset[Role] | None  # None: no sign-in needed (the sign-in page, /health)

    @property
    def parameters(self) -> list[str]:
        """The names of the path's parameters, in order: `{batch_id}` -> batch_id."""
        return [part[1:-1].split(":")[0] for part in self.path.split("/") if part.startswith("{")]


def console_routes(app: FastAPI) -> list[ConsoleRoute]:
    """Every route of the console app (of included routers too), by path and method."""
    found = [
        ConsoleRoute(method, path, roles_of(route.dependant))
        for path, route in _api_routes(app.routes, "")
        for method in sorted(route.methods or ())
    ]
    return sorted(found, key=lambda route: (route.path, route.method))


def _api_routes(routes: Sequence[Any], prefix: str) -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included router
            inner = prefix + getattr(getattr(route, "include_context", None), "prefix", "")
            yield from _api_routes(route.original_router.routes, inner)
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


def roles_of(dependant: Dependant) -> frozenset[Role] | None:
    """The roles a route lets in: its `role(...)`'s, every role when it needs only a person
    signed in, None when it needs nobody."""
    calls = list(_calls(dependant))
    checks = [call for call in calls if isinstance(call, OfRole)]
    if checks:
        return frozenset.intersection(*(frozenset(check.roles) for check in checks))
    if signed_in in calls:
        return frozenset(ROLES)
    return None


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)
