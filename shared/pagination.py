"""Lists in pages, with their totals: nothing is cut off silently.

A list route takes `limit` (1 to `MAX_LIMIT`; more is a 422 naming the maximum) and `offset`,
and answers `{items, total, limit, offset}`: `total` counts every item the filters match, so a
client knows there is more and asks for it. Data only ever appended (inventory's ledger) pages
with a cursor instead, `{items, total, limit, next_cursor}`, which stays right while new lines
are written.
"""

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
MAX_OFFSET = 1_000_000_000


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="How many items the filters match, on every page.")
    limit: int
    offset: int


class CursorPage(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="How many items the filters match, on every page.")
    limit: int
    next_cursor: str | None = Field(
        description="Give it as `cursor` for the next page; null: this is the last page."
    )


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


async def paging(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
) -> Paging:
    return Paging(limit, offset)


PagingDep = Annotated[Paging, Depends(paging)]


async def count(session: AsyncSession, query: Select[Any]) -> int:
    """How many rows `query` matches (its order and paging aside)."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)


async def page_of(
    session: AsyncSession, query: Select[Any], paging: Paging
) -> tuple[list[Any], int]:
    """One page of an ordered query's rows (ORM entities), and how many there are in all."""
    rows = await session.scalars(query.limit(paging.limit).offset(paging.offset))
    return list(rows), await count(session, query)
