"""Write the golden schema of every event contract: `python -m tests.contracts.regenerate`.

Missing golden files are created and compatible changes (a new optional field, new wording)
are recorded. A breaking change is refused: publish a new model on a `.v2` stream instead.
`--accept-breaking` overwrites anyway, for a contract no consumer has used yet.
"""

import argparse
import sys

from shared.contracts import ALL_EVENTS
from tests.contracts.compat import breaking_changes
from tests.contracts.golden import current_schema, golden_path, load_golden, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--accept-breaking",
        action="store_true",
        help="overwrite golden schemas even when the change would break consumers",
    )
    args = parser.parse_args(argv)
    refused = 0
    for model in ALL_EVENTS:
        path = golden_path(model)
        schema = current_schema(model)
        golden = load_golden(model)
        breaks = [] if golden is None else breaking_changes(golden, schema)
        if breaks and not args.accept_breaking:
            refused += 1
            print(f"refused {path.name}: breaking change", file=sys.stderr)
            for problem in breaks:
                print(f"  {problem}", file=sys.stderr)
            continue
        text = render(schema)
        if golden is not None and path.read_text(encoding="utf-8") == text:
            print(f"unchanged {path.name}")
            continue
        path.write_text(text, encoding="utf-8")
        print(f"{'created' if golden is None else 'updated'} {path.name}")
    if refused:
        print(
            f"{refused} contract(s) changed incompatibly: add a new model with "
            "major_version = 2 (a new .v2 stream) instead, "
            "or rerun with --accept-breaking if nobody consumes it yet.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
