"""Read-only checks of a service's own database (verifying effects; never writing)."""

from typing import Any

from sqlalchemy import text

from shared.db import create_engine


async def query(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(sql), params)
            return [tuple(row) for row in result]
    finally:
        await engine.dispose()


async def scalar(url: str, sql: str, **params: Any) -> Any:
    rows = await query(url, sql, **params)
    return rows[0][0] if rows else None


async def inbox_count(url: str, group: str) -> int:
    return int(
        await scalar(url, "SELECT count(*) FROM inbox WHERE consumer_group = :g", g=group) or 0
    )
