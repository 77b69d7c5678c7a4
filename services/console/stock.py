"""Stock levels as the administrators' pages show them (the Kanwil's dashboard, a UPT's stock
page): inventory's levels a page at a time, each under the UPT that made its product
(production's catalogue: a SKU is one UPT's) and with its location's name (inventory's
locations). Inventory decides which levels a person reads: a UPT administrator its store's.

The list is one fragment (stock_levels.html) that live updates refresh: it names its own
address, with the page it shows, so a refresh keeps the person where they were.
"""

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from services.console.paging import Pager
from services.console.sessions import Console

STOCK_PAGE = 100


class Level(BaseModel):
    """A line of inventory's stock: a SKU at a location."""

    model_config = ConfigDict(extra="ignore")
    sku: str
    product_name: str
    location_code: str
    on_hand: int
    reserved: int
    quarantined: int
    available: int
    in_transit: int = 0


class Place(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str
    name: str
    kind: str
    upt_code: str | None = None


@dataclass
class Maker:
    """A UPT and the levels of its products on this page."""

    code: str
    name: str
    levels: list[Level] = field(default_factory=list)


@dataclass(frozen=True)
class StockView:
    makers: list[Maker]
    places: dict[str, Place]
    pager: Pager


def by_maker(
    levels: list[Level], made_by: dict[str, str], upt_names: dict[str, str]
) -> list[Maker]:
    """The levels under the UPT that made each SKU, in UPT code order; a SKU the catalogue
    does not know (yet) under an empty code, last."""
    makers: dict[str, Maker] = {}
    for level in levels:
        code = made_by.get(level.sku, "")
        maker = makers.setdefault(code, Maker(code, upt_names.get(code, "")))
        maker.levels.append(level)
    return sorted(makers.values(), key=lambda maker: (maker.code == "", maker.code))


async def stock_view(console: Console, token: str, offset: int) -> StockView:
    """A page of the stock the person may read, by maker, with its places' names."""
    upstream = console.upstream
    page = await upstream.get("inventory", "/stock", token, limit=STOCK_PAGE, offset=offset)
    catalogue = await upstream.get("production", "/catalogue", token)
    places = await upstream.get("inventory", "/locations", token)
    levels = [Level.model_validate(item) for item in page["items"]]
    made_by = {str(item["sku"]): str(item["upt_code"]) for item in catalogue["products"]}
    names = {str(upt["code"]): str(upt["name"]) for upt in catalogue["upts"]}
    return StockView(
        makers=by_maker(levels, made_by, names),
        places={place.code: place for place in map(Place.model_validate, places)},
        pager=Pager.of(page, offset, STOCK_PAGE),
    )
