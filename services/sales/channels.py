"""Sales channels as master data: who sells, and from which locations.

A channel sells only what its locations hold: the gallery what was shipped to the gallery, the
expo stand what the stand holds. Its orders carry those locations (order-placed 1.1) and
inventory takes goods only there; its catalogue and stock feed show only them. The Banten
channels below are the seeded default; administrators change them over HTTP.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sales.db import ChannelRow
from shared.contracts import ChannelChanged
from shared.errors import NotFound, Rejected
from shared.uow import UnitOfWork

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

    async def put(self, channel: Channel) -> ChannelChanged | None:
        """Create or change a channel; the event announcing it, or None when nothing changed."""
        check_locations(channel.locations)
        row = await self.session.get(ChannelRow, channel.code, with_for_update=True)
        wanted = {
            "name": channel.name,
            "kind": channel.kind,
            "locations": list(channel.locations),
            "active": channel.active,
        }
        if row is None:
            row = ChannelRow(code=channel.code, **wanted)
            self.session.add(row)
        elif all(getattr(row, name) == value for name, value in wanted.items()):
            return None
        else:
            for name, value in wanted.items():
                setattr(row, name, value)
        return changed(row)


def changed(row: ChannelRow) -> ChannelChanged:
    return ChannelChanged.new(
        channel_code=row.code,
        channel_name=row.name,
        kind=row.kind,
        locations=list(row.locations),
        active=row.active,
    )


def check_locations(locations: Sequence[str]) -> None:
    if len(set(locations)) != len(locations):
        raise Rejected("locations", "a location is listed twice")


async def seed_channels(uow: UnitOfWork) -> None:
    """The Banten channels, on a fresh database; channels already there are left as they are.
    Each is announced, as any change is."""
    known = set(await uow.session.scalars(select(ChannelRow.code)))
    channels = Channels(uow.session)
    for channel in SEEDED:
        if channel.code not in known and (event := await channels.put(channel)):
            uow.emit(event)
