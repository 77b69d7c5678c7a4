"""GET /lots/{lot_code}/recall-report: where every unit of a lot is now, as JSON, CSV or XLSX.

The Kanwil reads every lot's, a UPT administrator its own lots', a channel the report with only
its own buyers' references (it must reach them; the others are another channel's).
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.trace.db import Traces
from services.trace.recall import as_csv, as_xlsx, recall_report
from shared.auth import CallerDep, allow, require_binding
from shared.http import CheckedRoute
from shared.service import ReadSessionDep, json_response

router = APIRouter(tags=["trace"], route_class=CheckedRoute)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT: dict[str, Any] = {
    "response_class": Response,
    "responses": {200: {"content": {"application/json": {}, "text/csv": {}, XLSX: {}}}},
    **allow("kanwil_admin", "upt_admin", "channel", errors=[404]),
}


@router.get("/lots/{lot_code}/recall-report", **REPORT)
async def recall_report_of(
    lot_code: str,
    session: ReadSessionDep,
    caller: CallerDep,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> Response:
    """Every unit or quantity of the lot and where it is now; the counts add up to what was
    made."""
    traces = Traces(session)
    found = await traces.find(lot_code)
    report = recall_report(found, await traces.releases(found.lot_code))
    if caller.role == "upt_admin":
        require_binding(caller, "upt", found.lot.upt_code if found.lot else None)
    if caller.role == "channel" and caller.channel is not None:
        report = report.only_channel(caller.channel)
    if format == "csv":
        return _file(as_csv(report).encode(), "text/csv; charset=utf-8", f"{lot_code}.csv")
    if format == "xlsx":
        return _file(as_xlsx(report), XLSX, f"{lot_code}.xlsx")
    return json_response(report.as_json())


def _file(body: bytes, media_type: str, name: str) -> Response:
    disposition = f'attachment; filename="recall-{name}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})
