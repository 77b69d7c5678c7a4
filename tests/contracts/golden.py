"""Where the golden schemas live and how a contract's schema is rendered."""

import json
from pathlib import Path
from typing import Any

from shared.contracts import Event

GOLDEN_DIR = Path(__file__).parent
REGENERATE_COMMAND = "python -m tests.contracts.regenerate"


def golden_path(model: type[Event]) -> Path:
    """E.g. tests/contracts/quality.batch-signed-off.v1.schema.json."""
    return GOLDEN_DIR / f"{model.stream_suffix()}.schema.json"


def current_schema(model: type[Event]) -> dict[str, Any]:
    """The JSON Schema a consumer validates against (pydantic's validation mode)."""
    return model.model_json_schema(mode="validation")


def load_golden(model: type[Event]) -> dict[str, Any] | None:
    path = golden_path(model)
    if not path.exists():
        return None
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def render(schema: dict[str, Any]) -> str:
    """Stable text, so a regenerated file only differs where the schema does."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
