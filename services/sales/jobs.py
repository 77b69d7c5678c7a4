"""Sales' work on a clock: reservations that were never completed expire.

A confirmed order holds stock out of every channel's reach. One its channel forgets (the buyer
never came back) is cancelled once `reservation_ttl_s` has passed since inventory confirmed it;
inventory gives the stock back when it reads the order cancelled event.
"""

from datetime import UTC, datetime, timedelta

from services.sales.db import Orders
from services.sales.domain import expiry_reason
from shared.service import Job
from shared.settings import Settings
from shared.uow import UnitsOfWork

# Orders cancelled per unit of work: a short transaction that holds few locks, so a channel
# completing one of them waits briefly, if at all.
BATCH_SIZE = 200


async def expire_orders(
    units: UnitsOfWork, *, now: datetime, ttl: timedelta, batch_size: int = BATCH_SIZE
) -> int:
    """Cancel the confirmed orders not completed within `ttl` of their confirmation, batch by
    batch until a batch comes back short; returns how many. Orders locked by someone else (a
    complete in progress, another replica) are skipped: whoever holds the lock decides them,
    and one still confirmed is found by the next run."""
    reason, cancelled = expiry_reason(ttl), 0
    while True:
        async with units.begin() as uow:
            expired = await Orders(uow.session).expired(now - ttl, batch_size)
            uow.emit(*(order.cancel(reason, "expiry", now) for order in expired))
        cancelled += len(expired)
        if len(expired) < batch_size:
            return cancelled


async def expire_reservations(units: UnitsOfWork, settings: Settings) -> int:
    """The job's run: expire what is due now, with the configured lifetime."""
    ttl = timedelta(seconds=settings.reservation_ttl_s)
    return await expire_orders(units, now=datetime.now(UTC), ttl=ttl)


def expiry_interval(settings: Settings) -> float:
    return settings.expiry_interval_s


EXPIRY = Job(name="reservation-expiry", interval_s=expiry_interval, run=expire_reservations)
