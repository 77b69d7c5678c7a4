"""QC rules without I/O: defect codes per product family and what makes a sign-off valid."""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from shared.errors import Rejected

DEFECT_CODES: dict[str, dict[str, str]] = {
    "PAN": {
        "PAN-01": "incomplete label",
        "PAN-02": "seal or leak",
        "PAN-03": "shelf life too short at release",
        "PAN-04": "net weight under tolerance",
        "PAN-05": "foreign matter",
        "PAN-06": "moisture or rancidity",
        "PAN-07": "mould",
        "PAN-08": "food permit (SPP-IRT) or halal certificate expired",
        "PAN-09": "product not eligible for SPP-IRT",
    },
    "AGR": {
        "AGR-01": "freshness",
        "AGR-02": "pest damage",
        "AGR-03": "weight",
        "AGR-04": "cracked or dirty eggs",
        "AGR-05": "lay date",
        "AGR-06": "fish size or odour",
    },
    "KYU": {
        "KYU-01": "moisture above 15 %",
        "KYU-02": "cracks",
        "KYU-03": "finish",
        "KYU-04": "dimensions out of +-2 mm",
        "KYU-05": "wobble or joint",
        "KYU-06": "weld or HPL delamination",
        "KYU-07": "guitar neck relief, action or intonation",
    },
    "TEX": {
        "TEX-01": "stitching",
        "TEX-02": "loose threads",
        "TEX-03": "colour fastness",
        "TEX-04": "motif or fabric flaw",
        "TEX-05": "dimensions",
    },
    "FTW": {
        "FTW-01": "sole bonding",
        "FTW-02": "stitching",
        "FTW-03": "size and pair matching",
        "FTW-04": "symmetry",
        "FTW-05": "glue marks",
    },
    "BGN": {
        "BGN-01": "compressive strength below the SNI grade",
        "BGN-02": "water absorption",
        "BGN-03": "dimensions",
        "BGN-04": "chipping",
        "BGN-05": "curing age under 28 days",
    },
}


class SignOffError(Rejected):
    """A sign-off that cannot be accepted: the field and the reason (a 422 over HTTP)."""


@dataclass(frozen=True)
class Rejection:
    defect_code: str
    quantity: int
    serials: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lot:
    family: str
    tracking: str
    quantity: int
    serials: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    passed_quantity: int
    rejected_quantity: int
    passed_serials: tuple[str, ...]
    rejections: tuple[Rejection, ...]

    def same_as(self, other: "Decision") -> bool:
        """Whether both pass and reject the same goods for the same defects. The order the
        rejections were listed in, or one defect code listed in two parts, is no difference: a
        correction must change what was decided, not how it was typed."""
        return _verdict(self) == _verdict(other)


@dataclass(frozen=True)
class Correction:
    """What makes a sign-off a correction: the sign-off it replaces, and why."""

    supersedes: UUID
    reason: str


Verdict = tuple[int, int, frozenset[str], dict[str, tuple[int, frozenset[str]]]]


def _verdict(decision: Decision) -> Verdict:
    """A decision without the order it was listed in: counts, passed units and, per defect
    code, the quantity and units rejected."""
    passed, rejected = decision.passed_quantity, decision.rejected_quantity
    return passed, rejected, frozenset(decision.passed_serials), _by_code(decision.rejections)


def _by_code(rejections: Iterable[Rejection]) -> dict[str, tuple[int, frozenset[str]]]:
    totals: dict[str, tuple[int, frozenset[str]]] = {}
    for rejection in rejections:
        quantity, serials = totals.get(rejection.defect_code, (0, frozenset()))
        totals[rejection.defect_code] = (
            quantity + rejection.quantity,
            serials | frozenset(rejection.serials),
        )
    return totals


def decide(lot: Lot, passed: int, rejected: int, rejections: tuple[Rejection, ...]) -> Decision:
    """Check the officer's counts and codes against the lot; return what passed."""
    if passed + rejected != lot.quantity:
        raise SignOffError(
            "passed_quantity",
            f"{passed} passed + {rejected} rejected = {passed + rejected}, "
            f"but the batch has {lot.quantity}",
        )
    listed = sum(r.quantity for r in rejections)
    if listed != rejected:
        raise SignOffError(
            "rejections", f"the rejections add up to {listed}, not the {rejected} rejected"
        )
    for index, rejection in enumerate(rejections):
        if problem := defect_code_problem(lot.family, rejection.defect_code):
            raise SignOffError(f"rejections.{index}.defect_code", problem)
    rejected_serials = _check_serials(lot, rejections)
    passed_serials = tuple(s for s in lot.serials if s not in rejected_serials)
    return Decision(passed, rejected, passed_serials, rejections)


def defect_code_problem(family: str, code: str) -> str | None:
    """Why a code is not one of the family's defect codes (None when it is)."""
    codes = DEFECT_CODES[family]
    if code in codes:
        return None
    return f"{code} is not a defect code of family {family} (known: {', '.join(codes)})"


def _check_serials(lot: Lot, rejections: tuple[Rejection, ...]) -> set[str]:
    if lot.tracking == "lot":
        for index, rejection in enumerate(rejections):
            if rejection.serials:
                raise SignOffError(
                    f"rejections.{index}.serials", "this product is tracked per lot, not per unit"
                )
        return set()
    in_lot = set(lot.serials)
    seen: set[str] = set()
    for index, rejection in enumerate(rejections):
        if len(rejection.serials) != rejection.quantity:
            raise SignOffError(
                f"rejections.{index}.serials",
                f"{rejection.quantity} rejected units need {rejection.quantity} serials, "
                f"got {len(rejection.serials)}",
            )
        for serial in rejection.serials:
            if serial not in in_lot:
                raise SignOffError(f"rejections.{index}.serials", f"{serial} is not in this lot")
            if serial in seen:
                raise SignOffError(f"rejections.{index}.serials", f"{serial} is listed twice")
            seen.add(serial)
    return seen
