"""Signed webhooks: each stock change at a channel's locations POSTed to the channel's URL.

Queueing: the catalogue subscriber writes one delivery row per change and channel in the
same transaction as its inbox record, so a change is queued once, however often Redis
redelivers it. Delivering: a job POSTs each channel's deliveries in order. A failure is tried
again after a wait that doubles (JEJAK_WEBHOOK_RETRY_S, up to 5 minutes), and the deliveries
behind it wait too, so a receiver sees the changes in order; after JEJAK_WEBHOOK_MAX_ATTEMPTS
the delivery is dead (the channel's dead-letter list) and the next one goes. A replica
delivers a channel under a lease on its webhook row, so two replicas never send one channel's
changes side by side. Delivery is at least once (a receiver that took a change but answered
too late gets it again): `Jejak-Event-Id` is the key to drop repeats by.

Signature: `Jejak-Signature: sha256=<hex>`, the HMAC-SHA256 with the channel's secret of
`<Jejak-Timestamp>.<body>` (the timestamp in the signed text stops an old delivery being
replayed later).
"""

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.sales.db import ChannelRow, DeliveryRow, WebhookRow
from shared.contracts import StockChanged
from shared.db import upsert
from shared.service import Job
from shared.settings import Settings
from shared.uow import UnitsOfWork

MAX_WAIT = timedelta(minutes=5)
LEASE = timedelta(minutes=2)
BATCH = 100
ERROR_LENGTH = 200


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def retry_wait(attempts: int, first: float) -> timedelta:
    """The wait after the `attempts`-th failure: first, then doubling, at most MAX_WAIT."""
    return min(timedelta(seconds=first * 2 ** min(attempts - 1, 30)), MAX_WAIT)


async def queue_deliveries(session: AsyncSession, changes: Sequence[StockChanged]) -> None:
    """A delivery for every change at the locations of each channel with a webhook."""
    hooked = await session.execute(
        select(ChannelRow.code, ChannelRow.locations).join(
            WebhookRow, WebhookRow.channel_code == ChannelRow.code
        )
    )
    now = datetime.now(UTC)
    rows = [
        {
            "channel_code": code,
            "event_id": change.event_id,
            "body": change.model_dump(mode="json"),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": None,
            "created_at": now,
            "delivered_at": None,
        }
        for code, locations in hooked
        for change in changes
        if change.location_code in locations
    ]
    if rows:
        table = DeliveryRow.__table__
        await session.execute(upsert(session, table).on_conflict_do_nothing(), rows)


async def deliver_webhooks(units: UnitsOfWork, settings: Settings) -> int:
    """The job's run: every channel with deliveries due, one after the other; how many went."""
    sent = 0
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_s) as client:
        for hook in await _lease_due(units):
            try:
                sent += await _deliver(units, client, hook, settings)
            finally:
                async with units.begin() as uow:
                    await uow.session.execute(
                        update(WebhookRow)
                        .where(WebhookRow.channel_code == hook.channel_code)
                        .values(leased_until=None)
                    )
    return sent


async def _lease_due(units: UnitsOfWork) -> list[WebhookRow]:
    """Webhooks with a delivery due that no other replica holds, now held by this one."""
    now = datetime.now(UTC)
    due = exists().where(
        DeliveryRow.channel_code == WebhookRow.channel_code,
        DeliveryRow.status == "pending",
        DeliveryRow.next_attempt_at <= now,
    )
    async with units.begin() as uow:
        hooks = list(
            await uow.session.scalars(
                select(WebhookRow)
                .where(due, or_(WebhookRow.leased_until.is_(None), WebhookRow.leased_until < now))
                .with_for_update(skip_locked=True)
            )
        )
        for hook in hooks:
            hook.leased_until = now + LEASE
        await uow.session.flush()
        uow.session.expunge_all()
    return hooks


async def _deliver(
    units: UnitsOfWork, client: httpx.AsyncClient, hook: WebhookRow, settings: Settings
) -> int:
    """POST the channel's pending deliveries in order, until one fails (it waits for its next
    attempt, and the rest behind it) or none is left."""
    sent = 0
    while True:
        async with units.begin() as uow:
            await uow.session.execute(  # a long run keeps its lease
                update(WebhookRow)
                .where(WebhookRow.channel_code == hook.channel_code)
                .values(leased_until=datetime.now(UTC) + LEASE)
            )
            pending = list(
                await uow.session.scalars(
                    select(DeliveryRow)
                    .where(
                        DeliveryRow.channel_code == hook.channel_code,
                        DeliveryRow.status == "pending",
                    )
                    .order_by(DeliveryRow.id)
                    .limit(BATCH)
                )
            )
            uow.session.expunge_all()
        for delivery in pending:
            if delivery.next_attempt_at > datetime.now(UTC):
                return sent
            error = await _post(client, hook, delivery)
            await _record(units, delivery, error, settings)
            if error is None:
                sent += 1
            elif delivery.status == "pending":
                return sent
        if len(pending) < BATCH:
            return sent


async def _post(client: httpx.AsyncClient, hook: WebhookRow, delivery: DeliveryRow) -> str | None:
    """POST one change; None when the receiver took it (2xx), else what went wrong."""
    body = orjson.dumps(delivery.body)
    timestamp = str(int(datetime.now(UTC).timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Jejak-Webhooks/1",
        "Jejak-Event-Id": str(delivery.event_id),
        "Jejak-Event-Type": "stock-changed",
        "Jejak-Delivery": str(delivery.id),
        "Jejak-Attempt": str(delivery.attempts + 1),
        "Jejak-Timestamp": timestamp,
        "Jejak-Signature": signature(hook.secret, timestamp, body),
    }
    try:
        answer = await client.post(hook.url, content=body, headers=headers)
    except httpx.HTTPError as failure:
        return f"{type(failure).__name__}: {failure}"[:ERROR_LENGTH]
    if answer.is_success:
        return None
    return f"HTTP {answer.status_code}: {answer.text}"[:ERROR_LENGTH]


async def _record(
    units: UnitsOfWork, delivery: DeliveryRow, error: str | None, settings: Settings
) -> None:
    """The outcome of an attempt; `delivery` is updated to match."""
    now = datetime.now(UTC)
    values: dict[str, Any]
    if error is None:
        values = {"status": "delivered", "delivered_at": now, "attempts": delivery.attempts + 1}
    else:
        attempts = delivery.attempts + 1
        dead = attempts >= settings.webhook_max_attempts
        values = {
            "status": "dead" if dead else "pending",
            "attempts": attempts,
            "last_error": error,
            "next_attempt_at": now + retry_wait(attempts, settings.webhook_retry_s),
        }
    async with units.begin() as uow:
        await uow.session.execute(
            update(DeliveryRow).where(DeliveryRow.id == delivery.id).values(**values)
        )
    for name, value in values.items():
        setattr(delivery, name, value)


def webhook_interval(settings: Settings) -> float:
    return settings.webhook_interval_s


WEBHOOKS = Job(name="webhooks", interval_s=webhook_interval, run=deliver_webhooks)
