"""Food permits per product and UPT: the registry (rules without I/O, then the table and its
store) and the gate a food sign-off passes through (see `release_permits`).

A processed food is sold under an SPP-IRT (home industry, issued by the regency or city) or a
BPOM MD registration, and needs a halal certificate besides (domain.md, "Permits that gate a
release"). Quality keeps them per (sku, upt_code): the same product made in two UPTs holds two
permits. A permit is never edited: a renewal is a new permit; a withdrawn one is revoked.

Number formats accepted:
- SPP-IRT (the P-IRT number): 15 or more digits; the separators `-`, `.` and spaces may group
  them (e.g. `2063604010123-29`), nothing else. It is valid at most 5 years from issue.
- BPOM MD: `MD` followed by 12 digits, with or without one space (`MD 224510001234`); an
  optional `BPOM RI ` before it. Stored as entered, in capitals.
- Halal: the certificate number as printed (BPJPH's, e.g. `ID00110000123450924`), 4-40 letters,
  digits, `-`, `/` or `.`.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from uuid import UUID

from sqlalchemy import Date, String, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.quality.db import Base
from shared.contracts import FoodPermit, PermitRef
from shared.db import core_table, upsert
from shared.errors import Conflict, NotFound, Rejected
from shared.timezones import WIB
from shared.uow import UnitOfWork

SPP_IRT_YEARS = 5
SPP_IRT_NUMBER = re.compile(r"^\d[\d .-]*\d$")
SPP_IRT_DIGITS = 15
BPOM_MD_NUMBER = re.compile(r"^(BPOM RI )?MD ?\d{12}$")
HALAL_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9./-]{3,39}$")
KIND_NAMES: dict[str, str] = {"spp-irt": "SPP-IRT", "bpom-md": "BPOM MD", "halal": "halal"}
PermitState = Literal["valid", "revoked", "expired", "not_yet"]


@dataclass(frozen=True)
class Permit:
    """A permit as the rules read it."""

    kind: str
    number: str
    issuer: str | None
    issued_on: date
    expires_on: date
    revoked_on: date | None = None  # the WIB day it was revoked: not valid from then on

    def valid_on(self, day: date) -> bool:
        return self.state_on(day) == "valid"

    def state_on(self, day: date) -> PermitState:
        """Valid on `day`, or why not: revoked by then, expired, or not issued yet."""
        if self.revoked_on is not None and self.revoked_on <= day:
            return "revoked"
        if day > self.expires_on:
            return "expired"
        return "not_yet" if day < self.issued_on else "valid"

    def facts(self, day: date) -> dict[str, str | None]:
        """The permit as a refusal names it (JSON values), with its state on `day`."""
        return {
            "kind": self.kind,
            "number": self.number,
            "issuer": self.issuer,
            "issued_on": self.issued_on.isoformat(),
            "expires_on": self.expires_on.isoformat(),
            "revoked_on": self.revoked_on.isoformat() if self.revoked_on else None,
            "state": self.state_on(day),
        }

    def ref(self) -> PermitRef:
        return PermitRef(
            kind=self.kind,
            number=self.number,
            issuer=self.issuer,
            expires_on=self.expires_on,
        )

    def described(self) -> str:
        state = f"revoked on {self.revoked_on}" if self.revoked_on else None
        state = state or f"valid {self.issued_on} to {self.expires_on}"
        return f"{KIND_NAMES[self.kind]} {self.number} ({state})"


def check_permit(permit: Permit) -> Permit:
    """A permit as registered: its number in the kind's format, an issuer for an SPP-IRT, and
    dates that make sense; raises Rejected naming the field."""
    number = permit.number.strip().upper()
    if permit.kind == "spp-irt":
        digits = sum(ch.isdigit() for ch in number)
        if not SPP_IRT_NUMBER.match(number) or digits < SPP_IRT_DIGITS:
            raise Rejected(
                "number",
                f"an SPP-IRT (P-IRT) number is {SPP_IRT_DIGITS} or more digits, optionally "
                f"grouped by '-', '.' or spaces; {permit.number!r} has {digits} digits",
            )
        if not (permit.issuer or "").strip():
            raise Rejected("issuer", "an SPP-IRT names its issuer, the regency or city")
        limit = _years_after(permit.issued_on, SPP_IRT_YEARS)
        if permit.expires_on > limit:
            raise Rejected(
                "expires_on",
                f"an SPP-IRT is valid at most {SPP_IRT_YEARS} years: issued "
                f"{permit.issued_on}, it expires by {limit}, not {permit.expires_on}",
            )
    elif permit.kind == "bpom-md":
        if not BPOM_MD_NUMBER.match(number):
            raise Rejected(
                "number",
                f"a BPOM MD number is 'MD' and 12 digits (e.g. 'MD 224510001234'), "
                f"not {permit.number!r}",
            )
    elif not HALAL_NUMBER.match(number):
        raise Rejected(
            "number",
            f"a halal certificate number is 4-40 letters, digits, '-', '/' or '.', "
            f"not {permit.number!r}",
        )
    if permit.expires_on <= permit.issued_on:
        raise Rejected(
            "expires_on",
            f"a permit expires after it is issued: {permit.expires_on} is not after "
            f"{permit.issued_on}",
        )
    issuer = permit.issuer.strip() if permit.issuer else None
    return Permit(permit.kind, number, issuer or None, permit.issued_on, permit.expires_on)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ------------------------------------------------------------------ the gate


@dataclass(frozen=True)
class FoodLot:
    """What the gate reads of a food lot."""

    sku: str
    upt_code: str
    food_permit: FoodPermit
    production_date: date | None
    best_before: date | None


def release_permits(lot: FoodLot, permits: Sequence[Permit], day: date) -> list[PermitRef]:
    """The permits a food lot's goods pass QC under on `day` (WIB): a valid permit of the
    lot's kind and a valid halal certificate, for its SKU at its UPT. Raises Rejected (422,
    field passed_quantity) naming the permit and the defect code when one is missing: PAN-08
    (expired, revoked or never registered) or PAN-09 (a BPOM MD product with only an SPP-IRT),
    its facts in the problem's `permit_check` member (`refusal_facts`) for a page to say in its
    reader's language.

    Why refuse rather than record a PAN-08 rejection on the officer's behalf: a sign-off is
    the officer's decision, and quality never rewrites it. Refused, nothing changes; the
    officer either renews the permit first or signs the whole lot off as rejected, with PAN-08
    named explicitly (a full rejection needs no permit). Recording a rejection the officer did
    not make would put a decision on record under their code that they never took."""
    chosen = [_valid(lot, permits, lot.food_permit, day), _valid(lot, permits, "halal", day)]
    return [permit.ref() for permit in chosen]


def _valid(lot: FoodLot, permits: Sequence[Permit], kind: str, day: date) -> Permit:
    of_kind = [p for p in permits if p.kind == kind]
    valid = [p for p in of_kind if p.valid_on(day)]
    if valid:
        return max(valid, key=lambda p: (p.expires_on, p.number))
    where = f"{lot.sku} at {lot.upt_code}"
    latest = max(of_kind, key=lambda p: (p.expires_on, p.number), default=None)
    latest_facts = latest.facts(day) if latest else None
    if kind == "bpom-md" and any(p.kind == "spp-irt" and p.valid_on(day) for p in permits):
        raise Rejected(
            "passed_quantity",
            f"PAN-09: {where} needs a BPOM MD registration and is not eligible for SPP-IRT; "
            f"no valid BPOM MD on {day} (WIB): reject the goods with PAN-09",
            extensions=refusal_facts("PAN-09", lot, day, kind=kind, latest=latest_facts),
        )
    found = latest.described() if latest else "none is registered"
    raise Rejected(
        "passed_quantity",
        f"PAN-08: no valid {KIND_NAMES[kind]} for {where} on {day} (WIB); latest: {found}. "
        "Renew it, or reject the goods with PAN-08",
        extensions=refusal_facts("PAN-08", lot, day, kind=kind, latest=latest_facts),
    )


def refusal_facts(
    defect_code: str, lot: FoodLot, day: date, **facts: object
) -> dict[str, dict[str, object]]:
    """What the gate refused on, as the problem's `permit_check` member: the defect code to
    reject the goods with, the lot's product and UPT, the day (WIB) and, for a permit, its
    kind and the latest one of that kind registered (None: none is) with its state that day;
    for shelf life, the days left and needed."""
    check: dict[str, object] = {
        "defect_code": defect_code,
        "sku": lot.sku,
        "upt_code": lot.upt_code,
        "day": day.isoformat(),
        **facts,
    }
    return {"permit_check": check}


def check_shelf_life(lot: FoodLot, day: date) -> None:
    """PAN-03: goods released on `day` (WIB) must keep at least a third of their total shelf
    life (best_before - production_date, rounded up) and at least one day: a buyer must have
    time to eat them, and a shop to sell them. Without a production date, at least one day.
    Raises Rejected (422, field passed_quantity) naming PAN-03 and the days."""
    if lot.best_before is None:
        return
    left = (lot.best_before - day).days
    total = (lot.best_before - lot.production_date).days if lot.production_date else 0
    needed = max(1, -(-total // 3))
    if left < needed:
        of_total = f" of {total}" if lot.production_date else ""
        raise Rejected(
            "passed_quantity",
            f"PAN-03: shelf life too short at release: best before {lot.best_before} leaves "
            f"{left} day(s){of_total} on {day} (WIB), at least {needed} needed; reject the "
            "goods with PAN-03",
            extensions=refusal_facts(
                "PAN-03",
                lot,
                day,
                best_before=lot.best_before.isoformat(),
                days_left=left,
                days_needed=needed,
            ),
        )


def wib_day(at: datetime) -> date:
    return at.astimezone(WIB).date()


# ------------------------------------------------------------------ the table


class PermitRow(Base):
    __tablename__ = "permits"
    permit_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    sku: Mapped[str] = mapped_column(String(16), index=True)
    upt_code: Mapped[str] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(8), doc="spp-irt, bpom-md or halal")
    number: Mapped[str] = mapped_column(String(40))
    issuer: Mapped[str | None] = mapped_column(String(120))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    registered_at: Mapped[datetime]
    registered_by: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(500))

    @property
    def permit(self) -> Permit:
        revoked_on = wib_day(self.revoked_at) if self.revoked_at else None
        return Permit(
            self.kind, self.number, self.issuer, self.issued_on, self.expires_on, revoked_on
        )

    def same_as(self, sku: str, upt_code: str, permit: Permit) -> bool:
        mine = (self.sku, self.upt_code, self.kind, self.number, self.issuer)
        theirs = (sku, upt_code, permit.kind, permit.number, permit.issuer)
        dates = (self.issued_on, self.expires_on) == (permit.issued_on, permit.expires_on)
        return mine == theirs and dates


class Permits:
    """Quality's permit registry."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, permit_id: UUID, *, lock: bool = False) -> PermitRow:
        row = await self.session.get(PermitRow, permit_id, with_for_update=lock)
        if row is None:
            raise NotFound("permit_id", f"no permit {permit_id}")
        return row

    async def register(
        self,
        permit_id: UUID,
        sku: str,
        upt_code: str,
        permit: Permit,
        by: str,
        at: datetime,
    ) -> tuple[PermitRow, bool]:
        """Register a checked permit under the caller's id; (row, whether it is new). The same
        id again with the same permit is a resend; with another, a 409."""
        known = await self.session.get(PermitRow, permit_id)
        if known is not None:
            if not known.same_as(sku, upt_code, permit):
                raise Conflict("permit_id", f"permit id {permit_id} is used for another permit")
            return known, False
        row = PermitRow(
            permit_id=permit_id,
            sku=sku,
            upt_code=upt_code,
            kind=permit.kind,
            number=permit.number,
            issuer=permit.issuer,
            issued_on=permit.issued_on,
            expires_on=permit.expires_on,
            registered_at=at,
            registered_by=by,
            revoked_at=None,
            revoke_reason=None,
        )
        self.session.add(row)
        return row, True

    async def of(self, sku: str, upt_code: str) -> list[Permit]:
        """Every permit of a product at a UPT, revoked and expired ones too."""
        rows = await self.session.scalars(
            select(PermitRow).where(PermitRow.sku == sku, PermitRow.upt_code == upt_code)
        )
        return [row.permit for row in rows]


# Dev and demo permits of the seeded food products: SPP-IRT from the city each UPT is in, and
# halal from BPJPH, issued a year before the seed day and valid four more (sku, upt, city).
DEMO_FOOD = (
    ("PAN-ROT-001", "CLG", "Kota Cilegon", "3672"),
    ("PAN-JHM-250", "SRG", "Kota Serang", "3673"),
    ("PAN-KTP-150", "TGR1", "Kota Tangerang", "3671"),
    ("PAN-NST-500", "TGRW", "Kota Tangerang", "3671"),
)


async def seed_permits(session: AsyncSession, today: date) -> None:
    """Register the demo permits missing: fixed ids, inserted unless present, so seeding
    again (or two replicas starting at once) adds nothing."""
    issued = today - timedelta(days=365)
    at = datetime.combine(issued, datetime.min.time(), WIB)
    rows: list[dict[str, object]] = []
    for index, (sku, upt, city, region) in enumerate(DEMO_FOOD, start=1):
        spp_irt = Permit(
            "spp-irt",
            f"2{region}{index:02d}01{issued:%y}{index:03d}-{(issued.year + 5) % 100:02d}",
            f"Pemerintah {city} (DPMPTSP)",
            issued,
            _years_after(issued, SPP_IRT_YEARS) - timedelta(days=1),
        )
        number = f"ID{region}{index:04d}{issued:%m%y}"
        halal = Permit("halal", number, "BPJPH", issued, _years_after(issued, 4))
        for kind_number, permit in enumerate((spp_irt, halal)):
            checked = check_permit(permit)
            rows.append(
                {
                    "permit_id": UUID(int=0xF00D_0000 + index * 16 + kind_number),
                    "sku": sku,
                    "upt_code": upt,
                    "kind": checked.kind,
                    "number": checked.number,
                    "issuer": checked.issuer,
                    "issued_on": checked.issued_on,
                    "expires_on": checked.expires_on,
                    "registered_at": at,
                    "registered_by": "seed",
                    "revoked_at": None,
                    "revoke_reason": None,
                }
            )
    await session.execute(upsert(session, core_table(PermitRow)).on_conflict_do_nothing(), rows)


async def seed_demo(uow: UnitOfWork) -> None:
    """The service's seed: the demo permits, dated from today (WIB)."""
    await seed_permits(uow.session, wib_day(datetime.now(UTC)))
