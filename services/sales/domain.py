"""Sales rules without I/O: which catalogue change wins, when an order may be handed over."""

from collections.abc import Iterable

from shared.contracts import StockChanged
from shared.errors import Conflict


def newest_changes(changes: Iterable[StockChanged]) -> list[StockChanged]:
    """The newest version per SKU and location among these changes."""
    newest: dict[tuple[str, str], StockChanged] = {}
    for change in changes:
        key = (change.sku, change.location_code)
        if key not in newest or newest[key].version < change.version:
            newest[key] = change
    return list(newest.values())


def check_completable(status: str, reason: str | None) -> None:
    """Only a confirmed order can be handed over to its buyer."""
    if status != "confirmed":
        why = (
            "inventory has not answered yet"
            if status == "pending"
            else f"it was rejected: {reason}"
        )
        raise Conflict("order_id", f"only a confirmed order can be completed; {why}")
