"""The stock changes of one transaction: levels locked once, ledger rows and events collected.

Handlers work on whole batches of events; the book keeps the levels they touch in memory
(locked in the database), so each change gets the next version and one flush writes them all.
"""

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory import db
from services.inventory.domain import Level
from shared.contracts import Event, StockChanged, StockReason
from shared.db import core_table, upsert
from shared.delivery.outbox import emit

Key = tuple[str, str]  # (sku, location_code)
LEVELS = core_table(db.LevelRow)


class StockBook:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.levels: dict[Key, Level] = {}
        self.names: dict[Key, str] = {}
        self.ledger: list[dict[str, object]] = []
        self.events: list[Event] = []
        self.touched: set[Key] = set()

    async def lock(self, keys: Iterable[Key], names: dict[Key, str] | None = None) -> None:
        """Create missing level rows, then lock every row the batch will change."""
        wanted = set(keys) - self.levels.keys()
        if not wanted:
            return
        if names:
            await self.session.execute(
                upsert(self.session, LEVELS).on_conflict_do_nothing(),
                [
                    {"sku": sku, "location_code": loc, "product_name": names[(sku, loc)],
                     "on_hand": 0, "reserved": 0, "version": 0}
                    for sku, loc in sorted(wanted)
                ],
            )  # fmt: skip
        await self._load({sku for sku, _ in wanted}, only=wanted)

    async def lock_skus(self, skus: Iterable[str]) -> None:
        """Lock every location of these SKUs: orders may take from any of them."""
        await self._load(set(skus), only=None)

    async def _load(self, skus: set[str], only: set[Key] | None) -> None:
        # Always in (sku, location) order, so two replicas lock rows in the same order.
        rows = await self.session.execute(
            select(LEVELS)
            .where(LEVELS.c.sku.in_(skus))
            .order_by(LEVELS.c.sku, LEVELS.c.location_code)
            .with_for_update()
        )
        for row in rows:
            key = (row.sku, row.location_code)
            if (only is None or key in only) and key not in self.levels:
                self.levels[key] = Level(row.on_hand, row.reserved, row.version)
                self.names[key] = row.product_name

    def available(self, sku: str) -> int:
        """Available stock of a SKU over the locations loaded so far."""
        return sum(level.available for (key_sku, _), level in self.levels.items() if key_sku == sku)

    def move(
        self,
        key: Key,
        *,
        on_hand: int = 0,
        reserved: int = 0,
        reason: StockReason,
        lot_code: str,
        cause: Event,
        order_id: UUID | None = None,
        serials: list[str] | None = None,
    ) -> None:
        level = self.levels[key]
        available_before = level.available
        level.change(on_hand=on_hand, reserved=reserved)
        self.touched.add(key)
        sku, location = key
        self.ledger.append(
            {
                "sku": sku,
                "location_code": location,
                "lot_code": lot_code,
                "on_hand_delta": on_hand,
                "reserved_delta": reserved,
                "reason": reason,
                "cause_event_id": cause.event_id,
                "order_id": order_id,
            }
        )
        self.events.append(
            StockChanged.new(
                caused_by=cause,
                sku=sku,
                product_name=self.names[key],
                location_code=location,
                available=level.available,
                on_hand=level.on_hand,
                version=level.version,
                reason=reason,
                delta=level.available - available_before,
                lot_code=lot_code if reason == "received" else None,
                serials=serials or [],
            )
        )

    def emit(self, event: Event) -> None:
        self.events.append(event)

    async def flush(self) -> None:
        changed = [
            {
                "sku": sku,
                "location_code": loc,
                "on_hand": lvl.on_hand,
                "reserved": lvl.reserved,
                "version": lvl.version,
            }
            for (sku, loc), lvl in self.levels.items()
            if (sku, loc) in self.touched
        ]
        if changed:
            await self.session.execute(update(db.LevelRow), changed)
        if self.ledger:
            await self.session.execute(insert(core_table(db.LedgerRow)), self.ledger)
        await emit(self.session, db.delivery.outbox, self.events)
