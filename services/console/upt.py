"""The UPT administrator's pages: the stock and the ledger of the UPT's store, its batches
with their inspections, and the recalls of its lots with the buyers to reach. Transfers are
receipts.py's.

Each page shows what the services let a UPT administrator read, never more: inventory its
store's levels and ledger, quality its UPT's inspections and holds, production the batches of
its workshops, trace the recall reports of its own lots. The stock list is the same live
fragment as the Kanwil's dashboard (stock_levels.html).
"""

from typing import Annotated, Any, Literal, get_args
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.console.paging import Offset, Pager
from services.console.recall import Hold, report_file, report_of
from services.console.sessions import Console, ConsoleDep, Person, access_token, is_htmx, role
from services.console.stock import stock_view
from services.console.upstream import NotFound
from services.console.views import render
from shared.contracts import StockReason

router = APIRouter()
Admin = Annotated[Person, role("upt_admin")]
LEDGER_PAGE = 50
LIST_PAGE = 20
UPT_REPORT: dict[str, Any] = {
    "base": "/upt/lots",
    "back": "/upt/recalls",
    "back_word": "upt.recalls.back",
}
# Why stock moved, in words (a reason inventory adds later shows as it came until it has some).
LEDGER_REASONS = frozenset(get_args(StockReason))
BatchTab = Literal["open", "pending", "signed_off"]  # production's open ones, then QC's


@router.get("/upt/stock")
async def stock(
    request: Request, person: Admin, console: ConsoleDep, offset: Offset = 0
) -> Response:
    """The UPT store's stock; the list alone to htmx (live updates, the reload button)."""
    view = await stock_view(console, await access_token(console, person), offset)
    template = "stock_levels.html" if is_htmx(request) else "upt_stock.html"
    return render(request, template, stock=view, stock_url=f"/upt/stock?offset={offset}")


@router.get("/upt/ledger")
async def ledger(
    request: Request,
    person: Admin,
    console: ConsoleDep,
    sku: Annotated[str, Query(max_length=40)] = "",
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """A SKU's movements at the store, newest first; older ones by inventory's cursor."""
    if not sku.strip():
        return render(request, "upt_ledger.html", sku="", page=None)
    token = await access_token(console, person)
    params = {"sku": sku.strip(), "limit": LEDGER_PAGE, **({"cursor": cursor} if cursor else {})}
    page = await console.upstream.get("inventory", "/ledger", token, **params)
    context = {"sku": sku.strip(), "page": page, "cursor": cursor, "reasons": LEDGER_REASONS}
    return render(request, "upt_ledger.html", **context)


@router.get("/upt/inspections")
async def inspections(
    request: Request,
    person: Admin,
    console: ConsoleDep,
    status: BatchTab = "open",
    offset: Offset = 0,
) -> Response:
    """The UPT's batches: open at its workshops (production's, the latest first), waiting for
    QC (quality's, oldest first) or signed off."""
    token = await access_token(console, person)
    if status == "open":
        items, pager = await _open_batches(console, token, offset)
    else:
        items, pager = await _inspections(console, token, status, offset)
    return render(request, "upt_inspections.html", items=items, pager=pager, status=status)


async def _open_batches(console: Console, token: str, offset: int) -> tuple[list[Any], Pager]:
    """Production lists without a total: one more than a page says there is a next one."""
    listed = await console.upstream.get(
        "production", "/batches", token, status="open", limit=LIST_PAGE + 1, offset=offset
    )
    return listed[:LIST_PAGE], Pager.uncounted(offset, LIST_PAGE, len(listed) > LIST_PAGE)


async def _inspections(
    console: Console, token: str, status: str, offset: int
) -> tuple[list[Any], Pager]:
    page = await console.upstream.get(
        "quality", "/inspections", token, status=status, limit=LIST_PAGE, offset=offset
    )
    return page["items"], Pager.of(page, offset, LIST_PAGE)


@router.get("/upt/batches/{batch_id}")
async def batch(request: Request, batch_id: UUID, person: Admin, console: ConsoleDep) -> Response:
    """A batch as production has it, and its inspection once completed."""
    token = await access_token(console, person)
    made = await console.upstream.get("production", f"/batches/{batch_id}", token)
    try:
        inspection = await console.upstream.get("quality", f"/inspections/{batch_id}", token)
    except NotFound:  # open, or completed and not yet in quality's queue
        inspection = None
    return render(request, "upt_batch.html", batch=made, inspection=inspection)


@router.get("/upt/recalls")
async def recalls(
    request: Request, person: Admin, console: ConsoleDep, offset: Offset = 0
) -> Response:
    """The holds and recalls of the UPT's lots (quality keeps a UPT to its own)."""
    token = await access_token(console, person)
    page = await console.upstream.get("quality", "/holds", token, limit=LIST_PAGE, offset=offset)
    holds = [Hold.model_validate(item) for item in page["items"]]
    pager = Pager.of(page, offset, LIST_PAGE)
    return render(request, "upt_recalls.html", holds=holds, pager=pager)


@router.get("/upt/lots/{lot_code}/recall-report")
async def recall_report(
    request: Request, lot_code: str, person: Admin, console: ConsoleDep
) -> Response:
    """Where every unit of the UPT's lot is now, the buyers to reach first."""
    report = await report_of(console, await access_token(console, person), lot_code)
    return render(request, "recall_report.html", report=report, **UPT_REPORT)


@router.get("/upt/lots/{lot_code}/recall-report/download")
async def recall_report_file(
    lot_code: str, person: Admin, console: ConsoleDep, format: Literal["csv", "xlsx"] = "csv"
) -> Response:
    return await report_file(console, await access_token(console, person), lot_code, format)
