"""Is a contract's current JSON Schema still compatible with its golden one?

Within a major version a contract may only gain optional fields (not in `required`, with a
default). Anything else a consumer could trip over is a break: a field removed, a required
field added or made optional, a field's type, format, pattern, bounds or allowed values changed.
Nested models (`$ref`) follow the same rules. Wording (title, description, examples) is
documentation and may change freely.
"""

from collections.abc import Iterator, Mapping
from typing import Any

Schema = Mapping[str, Any]

DOCUMENTATION_KEYWORDS = frozenset({"title", "description", "examples", "$comment"})


def breaking_changes(golden: Schema, current: Schema) -> list[str]:
    """What would break a consumer written against `golden`; empty when compatible."""
    return list(_compare(inline_refs(golden), inline_refs(current), "$"))


def inline_refs(schema: Schema) -> dict[str, Any]:
    """The schema with every local `#/$defs/...` reference replaced by its definition."""
    definitions: Mapping[str, Any] = schema.get("$defs", {})

    def resolve(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/") and ref not in seen:
                target = definitions[ref.removeprefix("#/$defs/")]
                siblings = {key: value for key, value in node.items() if key != "$ref"}
                return resolve({**target, **siblings}, (*seen, ref))
            return {key: resolve(value, seen) for key, value in node.items() if key != "$defs"}
        if isinstance(node, list):
            return [resolve(item, seen) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema, ())
    return resolved


def _compare(golden: Any, current: Any, path: str) -> Iterator[str]:
    if _is_object_schema(golden) and _is_object_schema(current):
        yield from _compare_objects(golden, current, path)
    elif isinstance(golden, Mapping) and isinstance(current, Mapping):
        yield from _compare_keywords(golden, current, path)
    elif isinstance(golden, list) and isinstance(current, list) and len(golden) == len(current):
        for index, (old, new) in enumerate(zip(golden, current, strict=True)):
            yield from _compare(old, new, f"{path}[{index}]")
    elif golden != current:
        yield f"{path}: changed from {golden!r} to {current!r}"


def _compare_objects(golden: Schema, current: Schema, path: str) -> Iterator[str]:
    old_fields: Mapping[str, Any] = golden["properties"]
    new_fields: Mapping[str, Any] = current["properties"]
    old_required = set(golden.get("required", ()))
    new_required = set(current.get("required", ()))
    for name, old_field in old_fields.items():
        if name not in new_fields:
            yield f"{path}.{name}: field removed"
        else:
            yield from _compare(old_field, new_fields[name], f"{path}.{name}")
    for name in sorted(old_required - new_required):
        if name in new_fields:
            yield f"{path}.{name}: no longer required"
    for name in sorted(new_required - old_required):
        yield f"{path}.{name}: new required field (add it as optional with a default instead)"
    rest = {"properties", "required"}
    yield from _compare_keywords(
        {key: value for key, value in golden.items() if key not in rest},
        {key: value for key, value in current.items() if key not in rest},
        path,
    )


def _compare_keywords(golden: Schema, current: Schema, path: str) -> Iterator[str]:
    for key in sorted((golden.keys() | current.keys()) - DOCUMENTATION_KEYWORDS):
        if key not in current:
            yield f"{path}: `{key}` removed (was {golden[key]!r})"
        elif key not in golden:
            yield f"{path}: `{key}` added ({current[key]!r})"
        elif _is_scalar(golden[key]) or _is_scalar(current[key]):
            if golden[key] != current[key]:
                yield f"{path}: `{key}` changed from {golden[key]!r} to {current[key]!r}"
        else:
            yield from _compare(golden[key], current[key], f"{path}.{key}")


def _is_object_schema(node: Any) -> bool:
    return isinstance(node, Mapping) and isinstance(node.get("properties"), Mapping)


def _is_scalar(node: Any) -> bool:
    return not isinstance(node, Mapping | list)
