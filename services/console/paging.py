"""Long lists a page at a time, as the services page them (shared/pagination.py: `limit`,
`offset`, and a `total` on every page): where this page starts and ends, and the offsets of
the pages before and after it, for the links under a list."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

MAX_OFFSET = 1_000_000_000  # the services' own bound (shared/pagination.MAX_OFFSET)
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


@dataclass(frozen=True)
class Pager:
    offset: int
    limit: int
    total: int
    counted: bool = True  # False: a list without a total (production's), known to this page

    @classmethod
    def uncounted(cls, offset: int, limit: int, more: bool) -> "Pager":
        """A list asked for one item more than a page: whether there is a next page."""
        return cls(offset, limit, offset + limit + (1 if more else 0), counted=False)

    @classmethod
    def of(cls, page: dict[str, object], offset: int, limit: int) -> "Pager":
        """The pager of a service's page (its `total`)."""
        total = page.get("total", 0)
        return cls(offset, limit, int(total) if isinstance(total, int) else 0)

    @property
    def first(self) -> int:
        """The number of the page's first item, counted from 1 (0: the list is empty)."""
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.limit, self.total)

    @property
    def previous(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset > 0 else None

    @property
    def next(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def more_than_one(self) -> bool:
        return self.total > self.limit or self.offset > 0
