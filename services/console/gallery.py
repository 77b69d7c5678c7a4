"""The pages of the staff at a channel's counter (the Kanwil's gallery, an expo stand): the
stock at the channel's locations, selling with the buyer's reference, and an order's
completion, cancellation and returns.

Gallery staff sign in as people bound to their channel (identity's channel role, kind user:
services/identity/seed.py); sales keeps each channel to its own orders and stock. Sales has no
list of a channel's orders: an order is reached from the sale that placed it (its page's
address). Consignments arriving at the gallery are received by the Kanwil (receipts.py):
inventory lets only administrators record a receipt.
"""

from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from services.console.fields import Fields
from services.console.i18n import Translate, language_of, translator
from services.console.sessions import Console, ConsoleDep, Person, access_token, is_htmx, role
from services.console.views import render

router = APIRouter()
Staff = Annotated[Person, role("channel")]
CATALOGUE_LIMIT = 200  # the page shows this many SKUs and says how many there are in all
SELL_FIELDS = ("order_id", "sku", "quantity", "serials", "buyer_ref")
RETURN_FIELDS = ("return_id", "serials", "quantity", "reason")


class StockItem(BaseModel):
    """A line of sales' catalogue: a SKU available at the channel's locations."""

    model_config = ConfigDict(extra="ignore")
    sku: str
    product_name: str
    available: int
    locations: dict[str, int]


class Allocation(BaseModel):
    model_config = ConfigDict(extra="ignore")
    lot_code: str
    location_code: str
    quantity: int
    serials: list[str] = []


class Order(BaseModel):
    """What the pages show of sales' order view."""

    model_config = ConfigDict(extra="ignore")
    order_id: UUID
    sku: str
    quantity: int
    buyer_ref: str
    status: Literal["pending", "confirmed", "rejected", "completed", "cancelled"]
    reason: str | None = None
    allocations: list[Allocation] = []
    returned_quantity: int = 0


@router.get("/gallery/stock")
async def stock(request: Request, person: Staff, console: ConsoleDep) -> Response:
    """What the channel can sell now, per SKU and location. The list is its own fragment
    (#stock): the reload button swaps it, and live updates (stock-changed over SSE, a later
    slice) will swap the same fragment."""
    items, total = await _catalogue(console, await access_token(console, person))
    template = "gallery_stock_list.html" if is_htmx(request) else "gallery_stock.html"
    return render(request, template, items=items, total=total)


@router.get("/gallery/sell")
async def sell_form(
    request: Request, person: Staff, console: ConsoleDep, sku: str = ""
) -> Response:
    """A new sale; the order id is made here, so sending the form twice places one order."""
    items, _total = await _catalogue(console, await access_token(console, person))
    form = Fields(values={"order_id": str(uuid4()), "sku": sku[:40]})
    return render(request, "gallery_sell.html", form=form, items=items)


@router.post("/gallery/sell")
async def sell(request: Request, person: Staff, console: ConsoleDep) -> Response:
    token = await access_token(console, person)
    t = translator(language_of(request))
    form = Fields.read(await request.form(), SELL_FIELDS)
    body = _sale(form, person, t)
    answer = await form.send(console.upstream, "sales", "/orders", token, body, t)
    if answer is not None:
        return RedirectResponse(f"/gallery/orders/{answer.json()['order_id']}", 303)
    items, _total = await _catalogue(console, token)
    return render(request, "gallery_sell.html", status_code=form.status, form=form, items=items)


def _sale(form: Fields, person: Person, t: Translate) -> dict[str, Any]:
    """The order sales takes, from the form, for the staff's own channel."""
    return {
        "order_id": form.text("order_id", t),
        "channel_code": person.claims.channel,
        "sku": form.text("sku", t),
        "quantity": form.count("quantity", t, required=True),
        "serials": form.codes("serials"),
        "buyer_ref": form.text("buyer_ref", t),
    }


@router.get("/gallery/orders/{order_id}")
async def order_page(
    request: Request, order_id: UUID, person: Staff, console: ConsoleDep
) -> Response:
    """An order: inventory's answer (the page asks again while it is pending), and what may
    be done next: complete or cancel an open order, record a return of a completed one."""
    order = await _order(console, await access_token(console, person), order_id)
    return _order_page(request, order)


@router.post("/gallery/orders/{order_id}/complete")
async def complete(
    request: Request, order_id: UUID, person: Staff, console: ConsoleDep
) -> Response:
    return await _act(request, person, console, order_id, "complete", Fields(), {})


@router.post("/gallery/orders/{order_id}/cancel")
async def cancel(request: Request, order_id: UUID, person: Staff, console: ConsoleDep) -> Response:
    form = Fields.read(await request.form(), ("reason",))
    reason = form.text("reason", translator(language_of(request)))
    return await _act(request, person, console, order_id, "cancel", form, {"reason": reason})


@router.post("/gallery/orders/{order_id}/returns")
async def record_return(
    request: Request, order_id: UUID, person: Staff, console: ConsoleDep
) -> Response:
    """Goods back from the buyer: units by serial, lot-tracked goods by quantity."""
    t = translator(language_of(request))
    form = Fields.read(await request.form(), RETURN_FIELDS)
    body: dict[str, Any] = {
        "return_id": form.text("return_id", t),
        "serials": form.codes("serials"),
        "reason": form.text("reason", t),
    }
    if (quantity := form.count("quantity", t)) is not None:
        body["quantity"] = quantity
    return await _act(request, person, console, order_id, "returns", form, body)


async def _act(
    request: Request,
    person: Person,
    console: Console,
    order_id: UUID,
    action: str,
    form: Fields,
    body: dict[str, Any],
) -> Response:
    """Send an action on the order to sales; back to the order's page, or the refusal next
    to the action's inputs (409: the order is no longer open to it)."""
    token = await access_token(console, person)
    path, t = f"/orders/{order_id}/{action}", translator(language_of(request))
    if await form.send(console.upstream, "sales", path, token, body, t) is not None:
        return RedirectResponse(f"/gallery/orders/{order_id}", 303)
    order = await _order(console, token, order_id)
    return _order_page(request, order, status_code=form.status, forms={action: form})


def _order_page(
    request: Request, order: Order, status_code: int = 200, forms: dict[str, Fields] | None = None
) -> Response:
    """The order, with an empty form for each action unless one came back refused."""
    shown = {"complete": Fields(), "cancel": Fields(), "returns": Fields()}
    shown["returns"].values["return_id"] = str(uuid4())  # a resent return is harmless
    shown.update(forms or {})
    return render(request, "gallery_order.html", status_code=status_code, order=order, **shown)


async def _catalogue(console: Console, token: str) -> tuple[list[StockItem], int]:
    page = await console.upstream.get("sales", "/catalogue", token, limit=CATALOGUE_LIMIT)
    return [StockItem.model_validate(item) for item in page["items"]], int(page["total"])


async def _order(console: Console, token: str, order_id: UUID) -> Order:
    return Order.model_validate(await console.upstream.get("sales", f"/orders/{order_id}", token))
