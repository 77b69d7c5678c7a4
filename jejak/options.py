"""Options several `jejak` commands share."""

import typer

from jejak.launcher import SERVICE_NAMES


def parse_only(only: str | None) -> list[str]:
    """`--only production,trace` -> ["production", "trace"], in the canonical order."""
    if not only:
        return list(SERVICE_NAMES)
    wanted = {part.strip() for part in only.split(",") if part.strip()}
    unknown = sorted(wanted - set(SERVICE_NAMES))
    if unknown:
        raise typer.BadParameter(
            f"unknown service {', '.join(unknown)}; choose from {', '.join(SERVICE_NAMES)}",
            param_hint="--only",
        )
    return [name for name in SERVICE_NAMES if name in wanted]
