"""`make docs`: the AsyncAPI 3 document of every stream, written to docs/asyncapi.json.

The document is made from the code (contracts and subscribers, see shared/asyncapi.py); a test
fails when the committed one no longer matches, as the golden schemas do for the contracts.
"""

import json
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

from shared.asyncapi import asyncapi_document
from shared.settings import SERVICE_PORTS

ROOT = Path(__file__).resolve().parent.parent
ASYNCAPI_PATH = ROOT / "docs" / "asyncapi.json"


def system_document() -> dict[str, Any]:
    """Every service's streams: what each publishes and what each consumer group reads."""
    specs = [import_module(f"services.{name}.app").spec for name in SERVICE_PORTS]
    return asyncapi_document(specs)


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def differences(committed: Any, generated: Any, path: str = "") -> list[str]:
    """Where two documents differ, as JSON paths: a stale-document message people can act on."""
    if isinstance(committed, dict) and isinstance(generated, dict):
        return [
            found
            for key in sorted(committed.keys() | generated.keys())
            for found in differences(committed.get(key), generated.get(key), f"{path}/{key}")
        ]
    return [] if committed == generated else [path or "/"]


def main() -> None:
    ASYNCAPI_PATH.parent.mkdir(parents=True, exist_ok=True)
    ASYNCAPI_PATH.write_text(render(system_document()), encoding="utf-8")
    channels = len(system_document()["channels"])
    print(f"wrote {ASYNCAPI_PATH.relative_to(ROOT)}: {channels} channels", file=sys.stderr)


if __name__ == "__main__":
    main()
