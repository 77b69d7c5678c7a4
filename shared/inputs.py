"""One input policy for everything Jejak takes in: request bodies, imported rows and events.

Every service's request models and every contract (shared/contracts.py) are built from these
types, so HTTP, imports and events refuse the same things with the same reasons:

- Text (`Text`, one line) refuses control characters, C0 and C1 (U+0000-U+001F, U+007F-U+009F:
  PostgreSQL cannot store a NUL, and a tab, CR or line feed in a name or code breaks every list,
  label and CSV it is shown in), and text that is not valid Unicode (a lone surrogate such as
  U+D800, which no database encoding or JSON encoder can write). `Reason` is the one multi-line
  kind: free-text reasons (of a hold, a recall, a cancellation, a return, a correction) may
  hold line breaks and tabs (LF, CR, TAB), nothing else below U+0020. Both carry their rule as a
  `pattern` in the JSON schemas, so clients see it; each field sets its own `max_length`.
- Numbers and booleans are strict (`StrictInt`, `StrictBool`): `"5"` and `true` are not a
  quantity, `1` and `"yes"` not a flag. Every integer has a maximum (`le`), so none past 64 bits
  reaches a database driver (it raised: a 500); ids in a path are `DatabaseId`. A table's cells
  are text: shared/tabular.py turns a cell into its column's JSON value before validation, as a
  JSON body would carry it.
- Lists are bounded by what a real workshop never reaches but a flood does (below), and every
  request body by `Settings.max_body_bytes` (shared/body_limit.py; imports by their own).

tests/test_inputs.py walks every request model and contract and fails on a text without the
rule (or a code's pattern) or a length, a list without a limit, an integer without a maximum,
or a number or flag that is not strict.
"""

import re
from typing import Annotated, Any

from fastapi import Path
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

# C0 and C1 controls; a note may hold TAB (U+0009), LF (U+000A) and CR (U+000D).
TEXT_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
NOTE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NOTE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# Lists: far above any real workshop, far below a flood.
MAX_SERIALS = 10_000  # a list of units: a lot holds at most 9,999 (services/production/domain.py)
MAX_WORKER_CODES = 150  # named on one output submission: a workshop has a few dozen workers,
# and 150 of the longest codes (WB- and 8) fit the 2,000 characters production keeps
MAX_ENTRIES = 1_000  # parts of one decision: defects of a sign-off, allocations of an order
MAX_LOCATIONS = 100  # places a channel sells from
# A lot of goods traced per lot (bread, pouches, eggs, paving blocks): the largest real lot
# (handbook: 2,280 paving blocks a shift) fits over 40 times; a 3,000,000-loaf lot does not.
MAX_LOT_QUANTITY = 100_000

# Lengths of the text kinds Jejak keeps.
NAME_LENGTH = 120  # a product, UPT, workshop, location or channel name
NOTE_LENGTH = 500  # a free-text reason
SHORT_LENGTH = 40  # a unit of measure, a permit number, a kind


# A row id as a database keeps it (BIGINT): a larger one in a path is a 422, not a driver's
# overflow (it was a 500).
DatabaseId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` cannot be taken as text (None when it can): the one rule, also used for path
    and query parameters (shared/http.py)."""
    if _SURROGATE.search(value):
        return "is not valid Unicode text (it holds a lone surrogate)"
    control = (_NOTE_CONTROL if multiline else _LINE_CONTROL).search(value)
    if control:
        return f"contains a control character (U+{ord(control.group()):04X})"
    return None


def _checked(multiline: bool) -> Any:
    def check(value: object) -> object:
        # Before the str schema: the reason says what is wrong rather than which pattern
        # failed; anything not a str is the str schema's to refuse.
        if isinstance(value, str) and (problem := text_problem(value, multiline=multiline)):
            raise PydanticCustomError("text", problem)
        return value

    return BeforeValidator(check)


# One line of text; a field sets its max_length (and min_length): `unit: Text = Field(...)`.
# (Constraints go in one Field next to the pattern, never a nested Annotated: pydantic would
# check them after the validator, with a message about "items". And a field's own Field cannot
# loosen a constraint its type has: the type's wins, so types with lengths are used as they are.)
Text = Annotated[str, Field(pattern=TEXT_PATTERN), _checked(multiline=False)]
# Free text that may span lines; a field sets its lengths (`Reason` is the usual one).
Note = Annotated[str, Field(pattern=NOTE_PATTERN), _checked(multiline=True)]
# A name of something Jejak keeps: one line, 1 to 120 characters.
Name = Annotated[
    str,
    Field(pattern=TEXT_PATTERN, min_length=1, max_length=NAME_LENGTH),
    _checked(multiline=False),
]
# A free-text reason: may span lines, 1 to 500 characters.
Reason = Annotated[
    str,
    Field(pattern=NOTE_PATTERN, min_length=1, max_length=NOTE_LENGTH),
    _checked(multiline=True),
]


def serials_problem(quantity: int, serials: list[str] | tuple[str, ...]) -> str | None:
    """Why units named for a quantity do not match it (None: none named, or one each)."""
    if serials and len(serials) != quantity:
        return f"{len(serials)} serials given for a quantity of {quantity}"
    if len(set(serials)) != len(serials):
        return "a serial is listed twice"
    return None
