"""Retention: streams trimmed below what every group still needs, inbox and outbox pruned.

Every service runs this job (`Runtime` adds it to the spec's own jobs), every
`JEJAK_RETENTION_INTERVAL_S`:

- **Streams it produces** (the contracts it emits, and any stream its outbox rows name) are
  trimmed with `XTRIM <stream> MINID <id>`, where `id` is the older of
  - the oldest entry any consumer group of the stream still needs (any group: ours, another
    service's, a sales channel's own): per group, the smaller of its oldest pending entry
    (`XPENDING` summary) and its first entry after its last-delivered id (not yet delivered);
  - `now - JEJAK_STREAM_MIN_AGE_S`: nothing younger is trimmed, needed or not.
  A stream without groups is trimmed by age only. The console's live groups
  (`<namespace>.console-live.*`, services/console/live.py) are not waited for: they read
  with NOACK what comes while a page is open, need nothing older, and one left by a console
  that died would otherwise hold the stream back for good. Trimming is exact (no `~`). A
  service that consumes has its own dead-letter stream, without groups: it trims that one, by
  age only (`JEJAK_DEAD_LETTER_RETENTION_S`), and no other service's.
  A group created between the reading of the groups and the `XTRIM` (a channel joining at 0)
  can only lose entries older than the minimum age, which one pass earlier would have taken
  anyway: a group joining at 0 gets what is still there.
- **Sent outbox rows** older than `JEJAK_OUTBOX_RETENTION_S` are deleted; unsent rows never.
- **Inbox rows** of the service's group processed before the *prune horizon* are deleted:

      horizon = min(now, the oldest entry the group may still be given) - INBOX_RETENTION

  (INBOX_RETENTION: `JEJAK_INBOX_RETENTION_S`.) "May still be given": per stream it
  consumes, its oldest pending entry or first undelivered entry, or the stream's first entry
  when the group is missing (the reader recreates it at 0).
  An entry id carries its XADD time, and an event is applied after it was added, so the inbox
  row of every entry that can still be delivered is kept, and so is that of any event applied
  up to the retention before it (a duplicate the relay published again).

Redelivery after pruning. Decision: a redelivery is always RECOGNISED, never applied twice.
An entry pending or undelivered holds the horizon back, so its event's row is still there when
the claimer (or the reader) brings it. What the rule cannot see is a copy added later: a
dead-letter replay, or the relay republishing a row more than the retention after the
original was applied (a producer down for that long). Replay therefore REFUSES a dead letter
whose event (its entry's time or its `recorded_at`, the older) is older than
`JEJAK_INBOX_RETENTION_S`, unless forced: other groups may have pruned their row and would
apply it again. Keep the inbox retention longer than any outage of a producer.

Clocks: entry times are Redis' clock, `processed_at` the database's, `now` this process':
skew between them is seconds, the ages are days. A Redis user without the rights
(`XINFO GROUPS`, `XPENDING`, `XRANGE`, `XTRIM`) leaves the streams untrimmed and the inbox
unpruned, with a warning; it never guesses.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoPermissionError, ResponseError
from sqlalchemy import distinct, select

from shared.contracts import ALL_EVENTS
from shared.db import Database, DeliveryTables
from shared.delivery.dead_letters import dead_letter_stream
from shared.delivery.inbox import prune_inbox
from shared.delivery.outbox import prune_sent
from shared.settings import Settings
from shared.uow import UnitsOfWork

log = logging.getLogger(__name__)

EntryId = tuple[int, int]
LIVE_GROUP = "console-live"  # the console's own groups, one per process (see the docstring)


def is_live_group(name: str | bytes) -> bool:
    return f".{LIVE_GROUP}." in _text(name)


def parse_id(entry_id: str | bytes) -> EntryId:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def format_id(entry_id: EntryId) -> str:
    return f"{entry_id[0]}-{entry_id[1]}"


def entry_time(entry_id: str | bytes | EntryId) -> datetime:
    """When an entry was added: the milliseconds of its id."""
    ms = entry_id[0] if isinstance(entry_id, tuple) else parse_id(entry_id)[0]
    return datetime.fromtimestamp(ms / 1000, UTC)


def id_at(moment: datetime) -> EntryId:
    """The first id an entry added at `moment` can have."""
    return int(moment.timestamp() * 1000), 0


async def first_entry_after(redis: Redis, stream: str, after: str | bytes) -> EntryId | None:
    start = after.decode() if isinstance(after, bytes) else after
    entries: Any = await redis.xrange(stream, min=f"({start}", max="+", count=1)
    return parse_id(entries[0][0]) if entries else None


async def groups_of(redis: Redis, stream: str) -> list[dict[str, Any]]:
    """XINFO GROUPS; a stream that does not exist has none."""
    try:
        groups: Any = await redis.xinfo_groups(stream)
    except ResponseError as exc:
        if "no such key" in str(exc).lower():
            return []
        raise
    return list(groups)


async def group_needs(redis: Redis, stream: str, group: dict[str, Any]) -> EntryId | None:
    """The oldest entry this group may still be given: its oldest pending entry or its first
    undelivered one, the older; None: it is done with every entry there is."""
    needs: list[EntryId] = []
    if int(group["pending"]):
        summary: Any = await redis.xpending(stream, group["name"])
        if summary["pending"]:
            needs.append(parse_id(summary["min"]))
    undelivered = await first_entry_after(redis, stream, group["last-delivered-id"])
    if undelivered is not None:
        needs.append(undelivered)
    return min(needs, default=None)


async def oldest_needed(
    redis: Redis, stream: str, groups: Sequence[dict[str, Any]] | None = None
) -> EntryId | None:
    """The oldest entry any group of the stream may still be given (None: none needs any)."""
    groups = await groups_of(redis, stream) if groups is None else groups
    waited = [group for group in groups if not is_live_group(group["name"])]
    needs = [need for group in waited if (need := await group_needs(redis, stream, group))]
    return min(needs, default=None)


async def trim_point(redis: Redis, stream: str, min_age: timedelta, now: datetime) -> EntryId:
    """The MINID to trim at: what any group still needs, never newer than now - min_age."""
    limit = id_at(now - min_age)
    needed = await oldest_needed(redis, stream)
    return limit if needed is None else min(needed, limit)


async def trim(redis: Redis, stream: str, min_age: timedelta, now: datetime | None = None) -> int:
    """Trim the entries of `stream` no group needs and older than `min_age`; how many went."""
    point = await trim_point(redis, stream, min_age, now or datetime.now(UTC))
    trimmed: Any = await redis.xtrim(stream, minid=format_id(point), approximate=False)
    return int(trimmed)


async def inbox_horizon(
    redis: Redis,
    streams: Iterable[str],
    group: str,
    retention: timedelta,
    now: datetime | None = None,
) -> datetime:
    """Inbox rows of `group` processed before this may go: `retention` before the older of
    now and the oldest entry of `streams` the group may still be given."""
    oldest = now or datetime.now(UTC)
    for stream in streams:
        groups = await groups_of(redis, stream)
        mine = [found for found in groups if _text(found["name"]) == group]
        if mine:
            needed = await group_needs(redis, stream, mine[0])
        else:  # no group (yet, or deleted): the reader creates it at 0, every entry comes
            needed = await first_entry_after(redis, stream, "0-0")
        if needed is not None:
            oldest = min(oldest, entry_time(needed))
    return oldest - retention


def produced_streams(service: str, namespace: str) -> list[str]:
    """The streams of the contracts a service emits."""
    return [c.stream(namespace) for c in ALL_EVENTS if c.producer_service == service]


@dataclass
class Retention:
    """The retention job of one service (see the module's docstring)."""

    redis: Redis
    db: Database
    tables: DeliveryTables
    consumes: Sequence[str]  # stream names, with the namespace
    batch_size: int = 5000

    @staticmethod
    def interval_s(settings: Settings) -> float:
        return settings.retention_interval_s

    async def run(self, _units: UnitsOfWork, settings: Settings) -> int:
        """One pass; returns how many entries and rows went."""
        now = datetime.now(UTC)
        done = 0
        min_age = timedelta(seconds=settings.stream_min_age_s)
        for stream in await self.produced(settings):
            done += await self._trim(stream, min_age, now)
        if self.consumes:  # it writes dead letters, to its own stream
            dead_age = timedelta(seconds=settings.dead_letter_retention_s)
            own = dead_letter_stream(settings.namespace, settings.service)
            done += await self._trim(own, dead_age, now)
        before = now - timedelta(seconds=settings.outbox_retention_s)
        done += await prune_sent(self.db, self.tables.outbox, before, self.batch_size)
        retention = timedelta(seconds=settings.inbox_retention_s)
        try:
            horizon = await inbox_horizon(self.redis, self.consumes, settings.group, retention, now)
        except NoPermissionError as exc:
            log.warning("retention: inbox not pruned, no right to read its streams: %s", exc)
            return done
        done += await prune_inbox(
            self.db, self.tables.inbox, settings.group, horizon, self.batch_size
        )
        return done

    async def produced(self, settings: Settings) -> list[str]:
        """Its contracts' streams and those its outbox rows name."""
        async with self.db.sessions() as session:
            suffixes = await session.scalars(select(distinct(self.tables.outbox.c.stream)))
            named = {f"{settings.namespace}.{suffix}" for suffix in suffixes}
        return sorted(named | set(produced_streams(settings.service, settings.namespace)))

    async def _trim(self, stream: str, min_age: timedelta, now: datetime) -> int:
        try:
            return await trim(self.redis, stream, min_age, now)
        except NoPermissionError as exc:
            log.warning("retention: %s not trimmed, no right to: %s", stream, exc)
            return 0


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
