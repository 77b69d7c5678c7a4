"""Which of some names an object's kind has attributes for, worked out once per kind.

Rows are made from events and events from rows by the attributes named alike
(`shared.db.row_values`, `Event.new(source=...)`). Asking each object with `hasattr` costs an
AttributeError per missing name, thousands of times a second on a consumer; the answer is the
same for every object of one kind (a pydantic model, a dataclass, an ORM row).
"""

import dataclasses
from collections.abc import Iterable

_KNOWN: dict[tuple[type, tuple[str, ...]], tuple[str, ...]] = {}


def named_alike(source: object, names: Iterable[str]) -> dict[str, object]:
    """`{name: source.name}` for each of `names` that `source`'s kind has."""
    kind, wanted = type(source), tuple(names)
    present = _KNOWN.get((kind, wanted))
    if present is None:
        present = _KNOWN[(kind, wanted)] = _present(kind, wanted)
    return {name: getattr(source, name) for name in present}


def _present(kind: type, names: tuple[str, ...]) -> tuple[str, ...]:
    fields = {*getattr(kind, "model_fields", {})}
    if dataclasses.is_dataclass(kind):
        fields |= {field.name for field in dataclasses.fields(kind)}
    return tuple(name for name in names if name in fields or hasattr(kind, name))
