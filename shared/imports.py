"""Bulk imports of master data (production's catalogue, inventory's locations, sales' channels):
many rows in one request, all or nothing.

Each row goes through the same write as the service's PUT of one (`apply`), so an import checks
nothing a PUT does not and misses nothing a PUT checks. Every bad row is reported, each as a
problem at `rows.<index>.<field>`; the rows are written in one savepoint, kept only when every
row is good and it is not a dry run. Only what changed is announced, so importing the same
rows again writes and announces nothing.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from shared.contracts import Event
from shared.errors import Rejected
from shared.uow import UnitOfWork

Written = Literal["created", "updated", "unchanged"]
MAX_IMPORT_ROWS = 20_000
# An import's body (a route ending in /import, shared/body_limit.py): 20,000 rows of a few
# hundred bytes each, with room to spare; every other body is held to Settings.max_body_bytes.
MAX_IMPORT_BODY_BYTES = 16_000_000
DryRun = Annotated[bool, Query(description="Check every row and count; write nothing.")]
AllowMoves = Annotated[
    bool,
    Query(
        description="Let rows move what exists to another owner or change how it is traced "
        "(a product to another UPT, or between unit and lot); without it such a row is refused."
    ),
]
Row = TypeVar("Row", bound=BaseModel)


class Rows(BaseModel, Generic[Row]):
    rows: list[Row] = Field(max_length=MAX_IMPORT_ROWS)


class Imported(BaseModel):
    """What an import did (or, dry, would do)."""

    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def repeats(keys: Sequence[object]) -> dict[int, int]:
    """Each index whose key an earlier index has, and that first index: a bad row of an
    import (the console finds them in a whole file it checks a part at a time)."""
    first: dict[object, int] = {}
    repeated: dict[int, int] = {}
    for index, key in enumerate(keys):
        if key in first:
            repeated[index] = first[key]
        else:
            first[key] = index
    return repeated


async def import_rows(
    uow: UnitOfWork,
    rows: Sequence[Row],
    key_field: str,
    apply: Callable[[Row], Awaitable[tuple[Written, Event | None]]],
    dry_run: bool,
) -> Imported:
    """Every row in one savepoint: kept only when all are good and it is not a dry run. A key
    (`key_field`'s value) twice in the rows is a bad row: which one should win is not said."""
    outcome = Imported(dry_run=dry_run)
    problems: list[dict[str, Any]] = []
    events: list[Event] = []
    repeated = repeats([getattr(row, key_field) for row in rows])
    savepoint = await uow.session.begin_nested()
    for index, row in enumerate(rows):
        if index in repeated:
            reason = f"{getattr(row, key_field)} is also row {repeated[index]} of this import"
            problems.append({"loc": ("body", "rows", index, key_field), "msg": reason})
            continue
        try:
            written, event = await apply(row)
        except Rejected as rejected:
            problems.append(
                {"loc": ("body", "rows", index, rejected.field), "msg": rejected.reason}
            )
            continue
        setattr(outcome, written, getattr(outcome, written) + 1)
        events.extend([event] if event else [])
    if problems or dry_run:
        await savepoint.rollback()
    else:
        await savepoint.commit()
        uow.emit(*events)
    if problems:
        raise RequestValidationError([{**p, "type": "rejected"} for p in problems])
    return outcome
