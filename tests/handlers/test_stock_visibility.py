"""One rule for which stock a principal reads (shared/places.py): a UPT administrator sees in
sales' catalogue what inventory's stock view shows it, its UPT's store, and never another
UPT's store, whichever channel it asks about; the Kanwil sees every location in both."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.api import list_stock
from shared.contracts import StockChanged
from shared.identity import Claims
from tests.builders import GINGER, SHOES, batch_completed, batch_signed_off
from tests.handlers.harness import KANWIL, PAGE, Service
from tests.handlers.test_sales import catalogue_items

CILEGON_ADMIN = Claims(role="upt_admin", sub="admin-clg", upt="CLG")


async def inventorys_view(inventory: Service, caller: Claims) -> set[tuple[str, str]]:
    async with inventory.session() as session:
        page = await list_stock(session, caller, PAGE)
    return {(level.sku, level.location_code) for level in page.items}


async def catalogues_view(
    session: AsyncSession, caller: Claims, channel_code: str | None = None
) -> set[tuple[str, str]]:
    items = await catalogue_items(session, caller, channel_code)
    return {(item.sku, location) for item in items for location in item.locations}


async def test_a_upt_admin_sees_in_the_catalogue_what_inventory_shows_it(
    inventory: Service, sales: Service
) -> None:
    for sku in (SHOES, GINGER):  # Cilegon's shoes, Serang's ginger drink, each in its store
        await inventory.publish(batch_signed_off(batch_completed(sku=sku)))
    await sales.publish(*await inventory.outbox(StockChanged))

    own = await inventorys_view(inventory, CILEGON_ADMIN)
    assert own == {(SHOES, "CLG-STORE")}
    async with sales.session() as session:
        assert await catalogues_view(session, CILEGON_ADMIN) == own
        # The marketplace sells from every UPT's store: the admin still sees only its own.
        assert await catalogues_view(session, CILEGON_ADMIN, "MARKETPLACE") == own
        everything = await catalogues_view(session, KANWIL)
    assert everything == await inventorys_view(inventory, KANWIL)
    assert everything == {(SHOES, "CLG-STORE"), (GINGER, "SRG-STORE")}
