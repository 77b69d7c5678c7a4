"""Sales' HTTP API for channels as master data and for the channels' own feeds: the channel
list and its locations (administrators change them), the stock feed as Server-Sent Events,
and signed webhooks with their dead letters."""

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StrictBool
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.sales.channels import Channel, Channels
from services.sales.db import ChannelRow, DeliveryRow, WebhookRow
from services.sales.feed import ENTRY_ID, START, newest_entry, stock_feed
from services.sales.webhooks import new_secret
from shared.auth import SIGNED_IN, CallerDep, allow, require_binding
from shared.contracts import ChannelCode, Event, LocationCode, StockChanged
from shared.errors import Conflict, NotFound, Rejected
from shared.http import CheckedRoute
from shared.identity import Claims
from shared.imports import DryRun, Imported, Rows, Written, import_rows
from shared.inputs import MAX_LOCATIONS, DatabaseId, Name
from shared.pagination import Page, PagingDep, page_of
from shared.service import ReadSessionDep, RuntimeDep, UnitOfWorkDep

router = APIRouter(tags=["channels"], route_class=CheckedRoute)

ChannelKind = Literal["gallery", "outlet", "expo", "e-catalogue", "marketplace"]


class ChannelView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    kind: str
    locations: list[str] = Field(description="Where it sells from: its orders take goods there.")
    active: bool


class PutChannel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(examples=["Galeri produk WBP"])
    kind: ChannelKind
    locations: list[LocationCode] = Field(
        min_length=1, max_length=MAX_LOCATIONS, examples=[["KANWIL-GALERI"]]
    )
    active: StrictBool = True


class Coded(BaseModel):
    code: ChannelCode


class ChannelSpec(PutChannel, Coded):
    """A channel with its code: a row of an import (the code comes first: fields of the last
    base come first)."""

    def channel(self) -> Channel:
        return Channel(self.code, self.name, self.kind, tuple(self.locations), self.active)


@router.get("/channels", **allow(*SIGNED_IN))
async def list_channels(session: ReadSessionDep, paging: PagingDep) -> Page[ChannelView]:
    """Sales channels and their locations, a page at a time."""
    rows, total = await page_of(session, select(ChannelRow).order_by(ChannelRow.code), paging)
    items = [ChannelView.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/channels/{code}", **allow(*SIGNED_IN, errors=[404]))
async def get_channel(code: str, session: ReadSessionDep) -> ChannelView:
    return ChannelView.model_validate(await Channels(session).get(code))


@router.put("/channels/{code}", **allow("kanwil_admin"))
async def put_channel(code: ChannelCode, body: PutChannel, uow: UnitOfWorkDep) -> ChannelView:
    """Create or change a channel (idempotent): channel-changed announces it. Its locations
    are ones inventory announced and active (422 lists the known ones). Orders placed from
    now on take goods only from its locations; open ones keep theirs."""
    channels = Channels(uow.session)
    _written, event = await channels.put(ChannelSpec(code=code, **body.model_dump()).channel())
    uow.emit(*([event] if event else []))
    return ChannelView.model_validate(await channels.get(code))


@router.post("/channels/import", **allow("kanwil_admin"))
async def import_channels(
    body: Rows[ChannelSpec], uow: UnitOfWorkDep, dry_run: DryRun = False
) -> Imported:
    """Add or change many channels at once (`jejak catalogue import channels`): all rows or
    none, every bad row reported; each channel added or changed is announced."""
    channels = Channels(uow.session)

    async def apply(row: ChannelSpec) -> tuple[Written, Event | None]:
        return await channels.put(row.channel())

    return await import_rows(uow, body.rows, "code", apply, dry_run)


# --------------------------------------------------------------------------- stock feed


@router.get(
    "/feed/stock",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "SSE, no end"}},
    **allow("channel", "kanwil_admin", errors=[404]),
)
async def stock_feed_route(
    runtime: RuntimeDep,
    session: ReadSessionDep,
    caller: CallerDep,
    last_event_id: Annotated[
        str | None,
        Header(max_length=41, description="The id of the last event received: resume after it."),
    ] = None,
    since: Annotated[
        Literal["start", "now"],
        Query(description="Without Last-Event-ID: every change kept (start) or new ones (now)."),
    ] = "start",
    channel_code: Annotated[
        str | None, Query(max_length=20, description="Administrators: the channel to follow.")
    ] = None,
) -> StreamingResponse:
    """Stock changes at the channel's locations as Server-Sent Events (`event: stock-changed`,
    `data:` the stock-changed event's JSON, `id:` its stream entry id). Reconnecting with
    `Last-Event-ID` resumes right after it; a `reset` event says entries were trimmed since
    (reload GET /catalogue)."""
    code = caller.channel if caller.role == "channel" else channel_code
    if code is None:
        raise Rejected("channel_code", "say which channel's feed to follow")
    channel = await Channels(session).get(code)
    if last_event_id is not None and not ENTRY_ID.match(last_event_id):
        raise Rejected("Last-Event-ID", f"{last_event_id!r} is not an event id of this feed")
    stream = StockChanged.stream(runtime.settings.namespace)
    after = last_event_id or (
        START if since == "start" else await newest_entry(runtime.redis, stream)
    )
    events = stock_feed(runtime.redis, stream, channel.locations, after)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


# --------------------------------------------------------------------------- webhooks


class PutWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: HttpUrl = Field(examples=["https://toko.example/jejak/stock"])


class WebhookView(BaseModel):
    channel_code: str
    url: str
    created_at: datetime
    pending: int
    dead: int
    secret: str | None = Field(
        None, description="Only when set: what signatures are made with. Keep it; it is shown once."
    )


class DeliveryView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    event_id: UUID
    status: Literal["pending", "delivered", "dead"]
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    body: dict[str, object]


def _own_channel(caller: Claims, code: str) -> None:
    require_binding(caller, "channel", code)


@router.put("/channels/{code}/webhook", **allow("channel", "kanwil_admin", errors=[404]))
async def put_webhook(
    code: str, body: PutWebhook, uow: UnitOfWorkDep, caller: CallerDep
) -> WebhookView:
    """Set where the channel's stock changes are POSTed, with a new signing secret (shown
    once). Changes from now on are queued; pending ones go to the new URL."""
    _own_channel(caller, code)
    await Channels(uow.session).get(code)
    hook = await uow.session.get(WebhookRow, code, with_for_update=True)
    secret = new_secret()
    if hook is None:
        hook = WebhookRow(
            channel_code=code, url=str(body.url), secret=secret, created_at=datetime.now(UTC)
        )
        uow.session.add(hook)
    else:
        hook.url, hook.secret = str(body.url), secret
    await uow.session.flush()
    return await _view(uow.session, hook, secret)


@router.get("/channels/{code}/webhook", **allow("channel", "kanwil_admin", errors=[404]))
async def get_webhook(code: str, session: ReadSessionDep, caller: CallerDep) -> WebhookView:
    _own_channel(caller, code)
    return await _view(session, await _hook(session, code))


@router.delete(
    "/channels/{code}/webhook",
    status_code=status.HTTP_204_NO_CONTENT,
    **allow("channel", "kanwil_admin", errors=[404]),
)
async def delete_webhook(code: str, uow: UnitOfWorkDep, caller: CallerDep) -> Response:
    """Stop POSTing; what was still pending is dropped with it."""
    _own_channel(caller, code)
    await uow.session.delete(await _hook(uow.session, code))
    await uow.session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.channel_code == code, DeliveryRow.status == "pending")
        .values(status="dead", last_error="webhook removed")
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/channels/{code}/webhook/deliveries", **allow("channel", "kanwil_admin", errors=[404]))
async def list_deliveries(
    code: str,
    session: ReadSessionDep,
    caller: CallerDep,
    paging: PagingDep,
    status_: Annotated[
        Literal["pending", "delivered", "dead"] | None, Query(alias="status")
    ] = None,
) -> Page[DeliveryView]:
    """The channel's deliveries, oldest first; `status=dead` is its dead-letter list."""
    _own_channel(caller, code)
    await Channels(session).get(code)
    query = select(DeliveryRow).where(DeliveryRow.channel_code == code)
    if status_ is not None:
        query = query.where(DeliveryRow.status == status_)
    rows, total = await page_of(session, query.order_by(DeliveryRow.id), paging)
    items = [_delivery(row) for row in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post(
    "/channels/{code}/webhook/deliveries/{delivery_id}/retry",
    **allow("channel", "kanwil_admin", errors=[404, 409]),
)
async def retry_delivery(
    code: str, delivery_id: DatabaseId, uow: UnitOfWorkDep, caller: CallerDep
) -> DeliveryView:
    """Send a dead delivery again (at its turn, after the pending ones before it)."""
    _own_channel(caller, code)
    delivery = await uow.session.get(DeliveryRow, delivery_id, with_for_update=True)
    if delivery is None or delivery.channel_code != code:
        raise NotFound("delivery_id", f"channel {code} has no delivery {delivery_id}")
    if delivery.status == "delivered":
        raise Conflict("delivery_id", "it was delivered")
    delivery.status, delivery.attempts = "pending", 0
    delivery.next_attempt_at = datetime.now(UTC)
    return _delivery(delivery)


def _delivery(row: DeliveryRow) -> DeliveryView:
    return DeliveryView.model_validate(
        {
            **{name: getattr(row, name) for name in DeliveryView.model_fields},
            "event_id": str(row.event_id),
        }
    )


async def _hook(session: AsyncSession, code: str) -> WebhookRow:
    hook = await session.get(WebhookRow, code)
    if hook is None:
        raise NotFound("channel_code", f"channel {code} has no webhook")
    return hook


async def _view(session: AsyncSession, hook: WebhookRow, secret: str | None = None) -> WebhookView:
    rows = await session.execute(
        select(DeliveryRow.status, func.count())
        .where(DeliveryRow.channel_code == hook.channel_code)
        .group_by(DeliveryRow.status)
    )
    counts: dict[str, int] = {status: count for status, count in rows.tuples()}
    return WebhookView(
        channel_code=hook.channel_code,
        url=hook.url,
        created_at=hook.created_at,
        pending=counts.get("pending", 0),
        dead=counts.get("dead", 0),
        secret=secret,
    )
