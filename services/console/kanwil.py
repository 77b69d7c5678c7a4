"""The Kanwil administrator's dashboard and lineage screen.

The dashboard: stock by UPT and location (inventory's levels under the UPT that made each
product: stock.py) and the lots on hold or recalled now (quality's open holds). Its stock list
is one fragment that live updates refresh (stock_levels.html: `data-live="stock-changed"`, its
own address in `hx-get`); /kanwil/stock answers it alone to htmx.

The lineage of a lot or a unit: trace's administrators' trace of the code and the lot's recall
report, and quality's holds of the lot (lineage.py shapes them).
"""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.console.fields import Fields, Problem
from services.console.i18n import language_of, translator
from services.console.lineage import Lineage, lineage
from services.console.paging import Offset, Pager
from services.console.recall import Hold, report_of
from services.console.sessions import Console, ConsoleDep, Person, access_token, is_htmx, role
from services.console.stock import stock_view
from services.console.upstream import NotFound
from services.console.views import render

router = APIRouter()
Kanwil = Annotated[Person, role("kanwil_admin")]
HOLDS_PAGE = 20
LOT_HOLDS = 100  # a lineage lists this many holds of the lot, and says how many there are
OPEN = ("held", "recalled")  # nothing of the lot may be sold while its hold is one of these
CodeQuery = Annotated[str, Query(max_length=60)]


@router.get("/kanwil")
async def dashboard(
    request: Request, person: Kanwil, console: ConsoleDep, offset: Offset = 0, held: Offset = 0
) -> Response:
    """Stock by UPT and location, and the lots on hold or recalled."""
    token = await access_token(console, person)
    stock = await stock_view(console, token, offset)
    holds, holds_pager = await open_holds(console, token, held)
    context: dict[str, Any] = {"stock": stock, "holds": holds, "holds_pager": holds_pager}
    return render(request, "kanwil_dashboard.html", **_stock_urls(offset), **context)


@router.get("/kanwil/stock")
async def dashboard_stock(
    request: Request, person: Kanwil, console: ConsoleDep, offset: Offset = 0
) -> Response:
    """The dashboard's stock list alone, for htmx (a live update, the reload button); the
    whole dashboard to a browser opening the address."""
    if not is_htmx(request):
        return await dashboard(request, person, console, offset)
    stock = await stock_view(console, await access_token(console, person), offset)
    return render(request, "stock_levels.html", stock=stock, **_stock_urls(offset))


def _stock_urls(offset: int) -> dict[str, Any]:
    """The fragment's own address (what a live update fetches) and where its page links go:
    the dashboard at another page of stock."""
    return {"stock_url": f"/kanwil/stock?offset={offset}", "pages_url": "/kanwil"}


@router.get("/kanwil/lineage")
async def lineage_page(
    request: Request, person: Kanwil, console: ConsoleDep, code: CodeQuery = "", offset: Offset = 0
) -> Response:
    """Where a lot or a unit came from and where it went; a search box for its code."""
    form = Fields(values={"code": code.strip()})
    if not form.values["code"]:
        return render(request, "kanwil_lineage.html", form=form, found=None)
    token = await access_token(console, person)
    try:
        found = await _lineage(console, token, form.values["code"], offset)
    except NotFound:
        form.errors["code"] = Problem(translator(language_of(request))("lineage.not_found"))
        return render(request, "kanwil_lineage.html", 404, form=form, found=None)
    return render(request, "kanwil_lineage.html", form=form, found=found)


async def open_holds(console: Console, token: str, offset: int) -> tuple[list[Hold], Pager]:
    page = await console.upstream.get(
        "quality", "/holds", token, status=list(OPEN), limit=HOLDS_PAGE, offset=offset
    )
    holds = [Hold.model_validate(item) for item in page["items"]]
    return holds, Pager.of(page, offset, HOLDS_PAGE)


async def _lineage(console: Console, token: str, code: str, offset: int) -> Lineage:
    document = await console.upstream.get("trace", f"/trace/{quote(code, safe='')}", token)
    lot_code = str(document["lot_code"])
    report = await report_of(console, token, lot_code)
    holds = await console.upstream.get("quality", "/holds", token, lot=lot_code, limit=LOT_HOLDS)
    return lineage(document, report, holds, await _inspection(console, token, lot_code), offset)


async def _inspection(console: Console, token: str, lot_code: str) -> dict[str, Any] | None:
    """Quality's inspection of the lot, signed off or still waiting (a lot is one batch's)."""
    for status in ("signed_off", "pending"):
        page = await console.upstream.get(
            "quality", "/inspections", token, status=status, lot=lot_code, limit=1
        )
        if page["items"]:
            found: dict[str, Any] = page["items"][0]
            return found
    return None
