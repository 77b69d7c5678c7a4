"""GS1 identifiers Jejak prints and reads: GTIN-14, lot (AI 10), serial (AI 21), Digital Link.

Lots look like `CLG-FTW-2611-0042` (UPT, QC family, yymm, sequence within the UPT's month) and
serials like `CLG-2611-0042-0007` (UPT, yymm, the lot's sequence, the unit): both at most 20
characters of GS1's AI encodable character set 82, as AI 10 and AI 21 require. The family stays
out of the serial to fit; the GTIN names the product, and the UPT's month and lot sequence name
the lot, so a serial is still unique across all of Jejak.

Serials made before 2026-11-28 (`CLG-FTW-2611-0042-0007`, 22 characters and more) are longer
than AI 21 allows. They are printed on goods already sold, so they are never rewritten: they stay
valid in every contract and keep resolving; only new lots get the GS1 form.
"""

import re
from urllib.parse import quote

LOT_PATTERN = r"^[A-Z0-9]{2,5}-[A-Z]{3}-\d{4}-\d{4}$"
GS1_SERIAL = r"[A-Z0-9]{2,5}-\d{4}-\d{4}-\d{4}"
LEGACY_SERIAL = r"[A-Z0-9]{2,5}-[A-Z]{3}-\d{4}-\d{4}-\d{4,6}"
SERIAL_PATTERN = rf"^(?:{GS1_SERIAL}|{LEGACY_SERIAL})$"

# AI 10 (batch/lot) and AI 21 (serial) hold up to 20 characters of character set 82.
MAX_AI_LENGTH = 20
CHARACTER_SET_82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)


def check_digit(digits: str) -> str:
    """GS1's mod-10 check digit of the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def gtin_problem(gtin: str) -> str | None:
    """Why a GTIN-14 is not one (None when it is)."""
    if len(gtin) != 14 or not gtin.isdigit():
        return f"{gtin[:20]!r} is not 14 digits"
    if check_digit(gtin[:13]) != gtin[13]:
        return f"{gtin}: the check digit should be {check_digit(gtin[:13])}"
    return None


def ai_value_problem(value: str) -> str | None:
    """Why a value cannot be a lot (AI 10) or serial (AI 21); None when it can."""
    if not 1 <= len(value) <= MAX_AI_LENGTH:
        return f"{value[:24]!r} has {len(value)} characters; GS1 allows 1 to {MAX_AI_LENGTH}"
    if strangers := sorted(set(value) - CHARACTER_SET_82):
        return f"{value!r} has characters outside GS1 character set 82: {''.join(strangers)!r}"
    return None


def unit_serial(lot_code: str, number: int) -> str:
    """The serial of a lot's unit: unit 7 of CLG-FTW-2611-0042 is CLG-2611-0042-0007."""
    upt_code, _family, month, sequence = lot_code.split("-")
    return f"{upt_code}-{month}-{sequence}-{number:04d}"


def is_unit_of(serial: str, lot_code: str) -> bool:
    """Whether a serial names a unit of the lot, in GS1's form or the older one."""
    gs1_prefix = unit_serial(lot_code, 0).removesuffix("0000")
    return serial.startswith((gs1_prefix, f"{lot_code}-"))


def serial_problem(value: str) -> str | None:
    """Why a value cannot be a Jejak serial in a Digital Link; serials of the old form resolve."""
    return None if re.fullmatch(LEGACY_SERIAL, value) else ai_value_problem(value)


def digital_link(base_url: str, gtin: str, lot: str | None, serial: str | None = None) -> str:
    """The GS1 Digital Link URI of a label's QR code, <base>/01/<gtin>/10/<lot>[/21/<serial>];
    without the lot, a unit's id in EPCIS events: <base>/01/<gtin>/21/<serial>."""
    link = f"{base_url.rstrip('/')}/01/{gtin}"
    if lot is not None:
        link += f"/10/{quote(lot, safe='')}"
    return f"{link}/21/{quote(serial, safe='')}" if serial else link
