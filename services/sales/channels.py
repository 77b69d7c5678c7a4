"""Sales channels as master data: who sells, and from which locations.

A channel sells only what its locations hold: the gallery what was shipped to the gallery, the
expo stand what the stand holds. Its orders carry those locations (order-placed 1.1) and
inventory takes goods only there; its catalogue and stock feed show only them. The Banten
channels below are the seeded default; administrators change them over HTTP, naming only
locations sales has heard of from inventory (location-changed) and that are active. The seed
is not checked: sales may start before it has read inventory's locations.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sales.db import ChannelRow, LocationRow
from shared.contracts import ChannelChanged, LocationChanged
from shared.db import core_table, upsert
from shared.errors import NotFound, Rejected
from shared.imports import Written
from shared.uow import UnitOfWork

LOCATIONS = core_table(LocationRow)

UPT_STORES = tuple(
    f"{upt}-STORE" for upt in ("TGR1", "TGRP", "TGRW", "RTGR", "SRG", "CLG", "RKB", "PDG", "CGR")
)


@dataclass(frozen=True)
class Channel:
    code: str
    name: str
    kind: str
    locations: tuple[str, ...]
    active: bool = True


# The e-catalogue and the marketplace ship from the lapas stores; the gallery and the expo stand
# sell what was sent to them.
SEEDED = (
    Channel(
        "GALERI-SERANG", "Galeri produk WBP, Kanwil Ditjenpas Banten", "gallery", ("KANWIL-GALERI",)
    ),
    Channel("EXPO-UMKM", "Stan pameran UMKM Pemprov Banten", "expo", ("EXPO-KP3B",)),
    Channel("E-KATALOG", "Katalog elektronik pemerintah", "e-catalogue", UPT_STORES),
    Channel("MARKETPLACE", "Toko daring", "marketplace", UPT_STORES),
)


class Channels:
    """Sales' channels: read, changed by administrators, each change announced."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str, *, lock: bool = False) -> ChannelRow:
        channel = await self.session.get(ChannelRow, code, with_for_update=lock)
        if channel is None:
            raise NotFound("channel_code", f"unknown sales channel {code!r}")
        return channel

    async def selling(self, code: str) -> ChannelRow:
        """A channel that may place orders now."""
        channel = await self.session.get(ChannelRow, code)
        if channel is None:
            raise Rejected("channel_code", f"unknown sales channel {code!r}")
        if not channel.active:
            raise Rejected("channel_code", f"sales channel {code} is closed")
        return channel

    async def put(
        self, channel: Channel, *, seeding: bool = False
    ) -> tuple[Written, ChannelChanged | None]:
        """Create or change a channel, its locations known and active (unless seeding): what
        was done, and the event announcing it (None when nothing changed)."""
        if not seeding:
            await Places(self.session).check_selling_from(channel.locations)
        if len(set(channel.locations)) != len(channel.locations):
            raise Rejected("locations", "a location is listed twice")
        row = await self.session.get(ChannelRow, channel.code, with_for_update=True)
        wanted = {
            "name": channel.name,
            "kind": channel.kind,
            "locations": list(channel.locations),
            "active": channel.active,
        }
        written: Written = "updated"
        if row is None:
            row = ChannelRow(code=channel.code, **wanted)
            self.session.add(row)
            written = "created"
        elif all(getattr(row, name) == value for name, value in wanted.items()):
            return "unchanged", None
        else:
            for name, value in wanted.items():
                setattr(row, name, value)
        return written, changed(row)


class Places:
    """The locations as inventory last announced them: where channels may sell from."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def keep_newest(self, changes: Sequence[LocationChanged]) -> None:
        """Keep each location's newest change; an older or repeated one changes nothing."""
        newest: dict[str, LocationChanged] = {}
        for change in changes:
            kept = newest.get(change.location_code)
            if kept is None or kept.occurred_at <= change.occurred_at:
                newest[change.location_code] = change
        for change in newest.values():
            statement = upsert(self.session, LOCATIONS).values(
                code=change.location_code,
                name=change.name,
                kind=change.kind,
                active=change.active,
                changed_at=change.occurred_at,
            )
            await self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["code"],
                    set_={
                        name: statement.excluded[name]
                        for name in ("name", "kind", "active", "changed_at")
                    },
                    where=LOCATIONS.c.changed_at < statement.excluded.changed_at,
                )
            )

    async def check_selling_from(self, codes: Sequence[str]) -> None:
        """Every location known and active; else a refusal naming the others and the known."""
        rows = await self.session.scalars(select(LocationRow).order_by(LocationRow.code))
        usable = {row.code for row in rows if row.active}
        if wrong := [code for code in codes if code not in usable]:
            known = ", ".join(sorted(usable)) or "none yet (inventory's locations not yet read)"
            raise Rejected(
                "locations",
                f"unknown or inactive location(s) {', '.join(wrong)}; known and active: {known}",
            )


def changed(row: ChannelRow) -> ChannelChanged:
    return ChannelChanged.new(
        channel_code=row.code,
        channel_name=row.name,
        kind=row.kind,
        locations=list(row.locations),
        active=row.active,
    )


async def seed_channels(uow: UnitOfWork) -> None:
    """The Banten channels, on a fresh database; channels already there are left as they are.
    Each is announced, as any change is. Their locations are not checked: inventory seeds
    them, and sales may not have read them yet."""
    known = set(await uow.session.scalars(select(ChannelRow.code)))
    channels = Channels(uow.session)
    for channel in SEEDED:
        if channel.code not in known:
            _written, event = await channels.put(channel, seeding=True)
            uow.emit(*([event] if event else []))
