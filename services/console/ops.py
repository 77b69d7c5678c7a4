"""The Kanwil administrator's operational view: every consuming service's consumer groups (lag,
pending, consumers, how long the oldest pending entry has waited) in one table, every dead
letter (service, stream, reason, when) in one list, and a retry of each.

Each service answers for its own groups and letters through its operations API
(shared/ops.py), asked with the person's token; the console reads no Redis. A service that does
not answer is named on the page, and the others are still shown. A retry asks the service that
holds the letter to replay it; its refusal (still invalid, too old, gone) is said next to the
letter.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from services.console.fields import Fields, Problem
from services.console.i18n import language_of, translator
from services.console.sessions import Console, ConsoleDep, Person, access_token, role
from services.console.upstream import UpstreamUnavailable
from services.console.views import render

router = APIRouter()
Kanwil = Annotated[Person, role("kanwil_admin")]
# The services that consume streams, so have an operations API (a test checks it against
# their specs: the console imports no service's code).
Consuming = Literal["quality", "inventory", "sales", "trace"]
CONSUMING: tuple[Consuming, ...] = ("quality", "inventory", "sales", "trace")
LETTERS_SHOWN = 100  # per service; the page says how many there are in all
EntryId = Annotated[str, Path(pattern=r"^\d{1,19}-\d{1,19}$")]


class Group(BaseModel):
    model_config = ConfigDict(extra="ignore")
    stream: str
    group: str
    length: int
    lag: int | None
    pending: int
    consumers: int
    oldest_pending_idle_ms: int | None


class Letter(BaseModel):
    model_config = ConfigDict(extra="ignore")
    letter_id: str
    service: str
    source_stream: str
    reason: str
    error: str
    deliveries: int | None = None
    dead_at: datetime | None = None
    event_type: str | None = None

    @property
    def key(self) -> str:
        return f"{self.service}/{self.letter_id}"


@dataclass
class Overview:
    """What the services answered, and which did not."""

    groups: list[tuple[str, Group]] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    letters_total: int = 0
    unavailable: list[str] = field(default_factory=list)


@router.get("/kanwil/ops")
async def ops_page(
    request: Request,
    person: Kanwil,
    console: ConsoleDep,
    replayed: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    """The groups and dead letters of every consuming service; `replayed`: the letter just
    retried, said at the top."""
    overview = await _overview(console, await access_token(console, person))
    return render(request, "ops.html", overview=overview, replayed=replayed, refused={})


@router.post("/kanwil/ops/dead-letters/{service}/{letter_id}/replay")
async def replay(
    request: Request, service: Consuming, letter_id: EntryId, person: Kanwil, console: ConsoleDep
) -> Response:
    token, t = await access_token(console, person), translator(language_of(request))
    form, path = Fields(), f"/ops/dead-letters/{letter_id}/replay"
    sent = await form.send(console.upstream, service, path, token, {}, t, passed_on=(404, 409))
    if sent is not None:
        return RedirectResponse(f"/kanwil/ops?replayed={service}/{letter_id}", status_code=303)
    detail = form.errors["form"].detail
    said = "ops.error.gone" if form.status == 404 else "ops.error.refused"
    refused = {f"{service}/{letter_id}": Problem(t(said), detail)}
    overview = await _overview(console, token)
    context: dict[str, Any] = {"overview": overview, "replayed": None, "refused": refused}
    return render(request, "ops.html", status_code=form.status, **context)


async def _overview(console: Console, token: str) -> Overview:
    """Every consuming service asked at once."""
    overview = Overview()
    answers = await asyncio.gather(*(_of(console, token, service) for service in CONSUMING))
    for service, answer in zip(CONSUMING, answers, strict=True):
        if answer is None:
            overview.unavailable.append(service)
            continue
        groups, letters = answer
        overview.groups += [(service, Group.model_validate(group)) for group in groups]
        overview.letters += [Letter.model_validate(letter) for letter in letters["items"]]
        overview.letters_total += int(letters["total"])
    overview.letters.sort(key=lambda letter: (letter.dead_at is None, letter.dead_at))
    return overview


async def _of(console: Console, token: str, service: str) -> tuple[Any, Any] | None:
    """A service's groups and its first dead letters; None when it does not answer."""
    try:
        groups = await console.upstream.get(service, "/ops/consumers", token)
        letters = await console.upstream.get(
            service, "/ops/dead-letters", token, limit=LETTERS_SHOWN
        )
    except UpstreamUnavailable:
        return None
    return groups, letters
