"""The lineage of a lot or a unit on one screen, from trace's answers (the administrators'
trace of the code, with buyers and orders; the lot's recall report) and quality's holds of
the lot: where it came from (UPT, workshop, what was made, QC's sign-offs and their defect
codes, a food lot's permits) and where it went (stores, transfers, sales with the buyer's
reference and the order, returns, holds and recalls; every unit and where it is now).

Pure shaping here; the route (kanwil.py) fetches. Trace records no batch, no worker codes and
no QC officer: the batch and the officer's code come from quality's inspection of the lot;
worker codes no service answers with, so the page shows none and invents nothing.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.console.paging import Pager
from services.console.recall import Hold, Report, ReportLine

UNITS_PAGE = 50
# A step's words: by bizStep and disposition where one bizStep says several things (a
# sign-off, a release; an arrival, a damaged one, a return), else by bizStep.
STEP_WORDS = {
    ("inspecting", "sellable_accessible"): "lineage.step.released",
    ("receiving", "damaged"): "lineage.step.damaged",
    ("receiving", "returned"): "lineage.step.returned",
    ("holding", "recalled"): "lineage.step.recalled",
}
BIZ_STEP_WORDS = {
    "commissioning": "lineage.step.made",
    "inspecting": "lineage.step.inspected",
    "storing": "lineage.step.stored",
    "shipping": "lineage.step.shipped",
    "receiving": "lineage.step.received",
    "retail_selling": "lineage.step.sold",
    "holding": "lineage.step.held",
    "destroying": "lineage.step.destroyed",
}


@dataclass(frozen=True)
class Line:
    """A step of the timeline and the words that say what it was."""

    word: str
    step: Mapping[str, Any]


@dataclass(frozen=True)
class Lineage:
    document: Mapping[str, Any]  # trace's answer, as it came
    backwards: list[Line]
    forwards: list[Line]
    units: list[ReportLine]  # this page of them
    pager: Pager
    report: Report
    holds: list[Hold]
    holds_total: int  # quality's count: more than it listed is said, not cut off silently
    inspection: Mapping[str, Any] | None  # quality's, of the lot: its batch and officer

    @property
    def is_unit(self) -> bool:
        return self.document.get("kind") == "unit"


def step_word(step: Mapping[str, Any]) -> str:
    biz_step, disposition = str(step.get("biz_step")), str(step.get("disposition"))
    return STEP_WORDS.get((biz_step, disposition)) or BIZ_STEP_WORDS.get(
        biz_step, "lineage.step.other"
    )


def is_origin(step: Mapping[str, Any]) -> bool:
    """Where the goods came from: made, and QC's decisions on them (a release after a hold
    is no decision on what was made: it carries no counts)."""
    biz_step = step.get("biz_step")
    return biz_step == "commissioning" or (biz_step == "inspecting" and "passed_quantity" in step)


def split_timeline(timeline: Sequence[Mapping[str, Any]]) -> tuple[list[Line], list[Line]]:
    """The timeline in time order, cut in two: where it came from, where it went."""
    backwards = [Line(step_word(step), step) for step in timeline if is_origin(step)]
    forwards = [Line(step_word(step), step) for step in timeline if not is_origin(step)]
    return backwards, forwards


def units_of(report: Report, serial: str | None) -> list[ReportLine]:
    """The report's lines of the unit asked for, or of the whole lot."""
    if serial is None:
        return list(report.lines)
    return [line for line in report.lines if line.serial == serial]


def lineage(
    document: Mapping[str, Any],
    report: Report,
    holds_page: Mapping[str, Any],
    inspection: Mapping[str, Any] | None,
    offset: int,
) -> Lineage:
    backwards, forwards = split_timeline(document.get("timeline", []))
    units = units_of(report, document.get("serial"))
    pager = Pager(offset, UNITS_PAGE, len(units))
    shown = units[offset : offset + UNITS_PAGE]
    holds = [Hold.model_validate(item) for item in holds_page["items"]]
    total = int(holds_page["total"])
    return Lineage(document, backwards, forwards, shown, pager, report, holds, total, inspection)
