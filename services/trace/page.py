"""The public page a buyer's phone opens from a label's QR code, rendered on the server.

It is built from the public trace (timeline.public_view): what was made where, checked (and
re-checked: a correction of QC, a hold released after a new check), stored, sent on to a
gallery or an outlet and received there, sold through which channel, returned, destroyed. The
public trace carries no worker codes, buyer references or order ids, so the page cannot show
them. No script, no web font, no CDN: one small HTML answer.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from services.trace.negotiation import Language
from services.trace.timeline import (
    hold_status,
    is_arrival,
    is_release,
    is_sign_off,
    latest_sign_off,
)
from services.trace.wording import FAMILIES, MONTHS, TEXT
from shared.timezones import WIB

FOOD_FAMILIES = frozenset({"PAN"})
PERMIT_WORDS = {"spp-irt": "pirt", "bpom-md": "bpom_md", "halal": "halal"}

templates = Environment(
    loader=PackageLoader("services.trace", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Moment:
    """One step of the journey as the page lists it."""

    label: str  # a wording key: the bizStep, or what _label makes of it
    date: str
    where: str
    detail: str = ""


@dataclass(frozen=True)
class PermitLine:
    """A permit a food lot passed QC under, as the page lists it."""

    kind: str  # a wording key: pirt, bpom_md or halal
    number: str
    issuer: str
    valid_until: str


@dataclass(frozen=True)
class Page:
    lang: Language
    other_lang: Language
    kind: str
    code: str
    lot_code: str
    serial: str | None
    gtin: str | None
    product_name: str
    family: str
    upt_name: str
    workshop_name: str
    made_in: str
    qc: str
    qc_state: str  # passed, failed or waiting: how the page colours the result
    qc_date: str
    sold: list[str]
    food: bool
    notice: str | None
    production_date: str = ""
    best_before: str = ""
    permits: list["PermitLine"] = field(default_factory=list)
    journey: list[Moment] = field(default_factory=list)


def trace_page(
    document: dict[str, Any], lang: Language, places: Mapping[str, str] | None = None
) -> str:
    """The page of a unit or a lot, from its public trace; `places`: names of places by code
    (a place not in it is shown by its code)."""
    page = page_of(document, lang, places or {})
    return templates.get_template("trace.html").render(page=page, t=TEXT[lang])


def problem_page(status: int, reason: str, lang: Language) -> str:
    """What a buyer sees when a label's code is unknown (404) or not a valid code (400)."""
    return templates.get_template("problem.html").render(
        status=status, reason=reason, lang=lang, other_lang=_other(lang), t=TEXT[lang]
    )


def page_of(
    document: dict[str, Any], lang: Language, places: Mapping[str, str] | None = None
) -> Page:
    product = document.get("product") or {}
    steps = document["timeline"]
    first = {step["biz_step"]: step for step in reversed(steps)}
    family = document["lot_code"].split("-")[1]
    made = first.get("commissioning", {})
    sign_off = latest_sign_off(steps)
    food = document.get("food") or {}
    return Page(
        lang=lang,
        other_lang=_other(lang),
        kind=document["kind"],
        code=document["code"],
        lot_code=document["lot_code"],
        serial=document.get("serial"),
        gtin=product.get("gtin"),
        product_name=product.get("name", document["lot_code"]),
        family=FAMILIES[lang].get(family, family),
        upt_name=product.get("upt_name") or made.get("upt_name", ""),
        workshop_name=product.get("workshop_name") or made.get("workshop_name", ""),
        made_in=_month(made["occurred_at"], lang) if made else "",
        qc=_qc(document, sign_off, lang),
        qc_state=_qc_state(sign_off),
        qc_date=_date(sign_off["occurred_at"], lang) if sign_off is not None else "",
        sold=[
            f"{step['channel_code']} ({_date(step['occurred_at'], lang)})"
            for step in steps
            if step["biz_step"] == "retail_selling"
        ],
        food=family in FOOD_FAMILIES,
        notice=_notice(steps),
        production_date=_day(food.get("production_date"), lang),
        best_before=_day(food.get("best_before"), lang),
        permits=[
            PermitLine(
                PERMIT_WORDS.get(permit["kind"], permit["kind"]),
                permit["number"],
                permit.get("issuer") or "",
                _day(permit["expires_on"], lang),
            )
            for permit in food.get("permits", [])
        ],
        journey=[
            _moment(step, lang, counted=document["kind"] == "lot", places=places or {})
            for step in steps
        ],
    )


def _qc(document: dict[str, Any], inspecting: dict[str, Any] | None, lang: Language) -> str:
    text = TEXT[lang]
    if inspecting is None:
        return text["qc_waiting"]
    if document["kind"] == "lot":
        passed = inspecting.get("passed_quantity", 0)
        total = passed + inspecting.get("rejected_quantity", 0)
        return text["qc_lot"].format(passed=passed, total=total)
    return text["qc_passed" if inspecting["disposition"] == "conformant" else "qc_failed"]


def _qc_state(inspecting: dict[str, Any] | None) -> str:
    if inspecting is None:
        return "waiting"
    return "passed" if inspecting["disposition"] == "conformant" else "failed"


def _notice(steps: list[dict[str, Any]]) -> str | None:
    """`recalled`, `on_hold` or `destroyed` when the page's holds say so (timeline.hold_status):
    a recall wins over a hold, even one placed after it; a closed hold says nothing more,
    unless its goods were destroyed."""
    return hold_status(steps)


def _moment(
    step: dict[str, Any], lang: Language, *, counted: bool, places: Mapping[str, str]
) -> Moment:
    """A step with where it happened (places by their names where known); a lot's steps also
    say how many pieces."""

    def place(key: str) -> str:
        code = str(step.get(key, ""))
        return places.get(code, code)

    where = {
        "commissioning": step.get("workshop_name", ""),
        "inspecting": step.get("upt_name", ""),
        "storing": place("location_code"),
        "retail_selling": step.get("channel_code", ""),
        "receiving": place("location_code"),
        "destroying": step.get("upt_name", ""),
        "shipping": f"{place('from_location')} → {place('to_location')}",
    }.get(step["biz_step"], "")
    quantity = step.get("quantity")
    detail = f"{quantity} {TEXT[lang]['pieces']}" if counted and quantity else ""
    return Moment(_label(step), _date(step["occurred_at"], lang), where, detail)


def _label(step: dict[str, Any]) -> str:
    """The wording key of a step: its bizStep, unless the buyer must read more than it says.
    A recall is a holding step, a release after a new check and a correction of QC are
    inspecting steps, goods arriving on a transfer (whole or damaged) a receiving step as a
    return is: each says what it is."""
    if step["disposition"] == "recalled":
        return "recalling"
    if is_release(step):
        return "released"
    if is_sign_off(step) and step.get("supersedes"):
        return "corrected_qc"
    if is_arrival(step):
        return "arrived_damaged" if step["disposition"] == "damaged" else "arrived"
    return str(step["biz_step"])


def _in_wib(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(WIB)


def _date(iso: str, lang: Language) -> str:
    moment = _in_wib(iso)
    return f"{moment.day} {MONTHS[lang][moment.month - 1]} {moment.year}"


def _day(iso_date: str | None, lang: Language) -> str:
    """A business date (already WIB, e.g. a best-before date) as the page writes it."""
    if not iso_date:
        return ""
    day = date.fromisoformat(iso_date)
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def _month(iso: str, lang: Language) -> str:
    moment = _in_wib(iso)
    return f"{MONTHS[lang][moment.month - 1]} {moment.year}"


def _other(lang: Language) -> Language:
    return "en" if lang == "id" else "id"
