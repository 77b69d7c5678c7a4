"""`jejak logs [-f] [SERVICE]`: the log files of the last `jejak run`.

`jejak run` writes one file per child under `<JEJAK_DATA_DIR>/logs/` (`<service>.log`, and
`redis.log` for the embedded Redis), truncated when it starts a service for the first time and
appended to when it restarts one. This prints their last lines, every line prefixed with its
service's name when more than one file is shown, and with `--follow` keeps printing what is
added (a file truncated by a new `jejak run` is read again from its start) until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TextIO

import typer
from pydantic import ValidationError

from jejak.launcher import SERVICE_NAMES, tail
from shared.settings import Settings

LOG_NAMES: tuple[str, ...] = (*SERVICE_NAMES, "redis")


@dataclass
class _Followed:
    name: str
    path: Path
    offset: int = 0
    partial: bytes = b""


def log_dir_of(data_dir: Path) -> Path:
    return data_dir / "logs"


def read_new(followed: _Followed) -> list[str]:
    """Whole lines added to the file since the last call (all of it after a truncation)."""
    try:
        size = followed.path.stat().st_size
    except FileNotFoundError:
        return []
    if size < followed.offset:  # truncated: a new `jejak run` started the service again
        followed.offset, followed.partial = 0, b""
    if size == followed.offset:
        return []
    with followed.path.open("rb") as handle:
        handle.seek(followed.offset)
        data = handle.read(size - followed.offset)
    followed.offset += len(data)
    *lines, followed.partial = (followed.partial + data).split(b"\n")
    return [line.decode("utf-8", errors="replace") for line in lines]


def show(
    names: list[str],
    log_dir: Path,
    *,
    lines: int,
    follow: bool,
    out: TextIO = sys.stdout,
    poll_s: float = 0.25,
    follow_for: float | None = None,
) -> None:
    """Print the last `lines` of each log; with `follow`, then what is added (for `follow_for`
    seconds, or until interrupted)."""
    prefix = len(names) > 1
    width = max(len(name) for name in names)

    def emit(name: str, line: str) -> None:
        out.write(f"{name:<{width}} | {line}\n" if prefix else f"{line}\n")

    followed = [_Followed(name, log_dir / f"{name}.log") for name in names]
    for item in followed:
        if item.path.exists():
            for line in tail(item.path, lines).splitlines() if lines else []:
                emit(item.name, line)
            item.offset = item.path.stat().st_size
    out.flush()
    if not follow:
        return
    deadline = None if follow_for is None else time.monotonic() + follow_for
    while deadline is None or time.monotonic() < deadline:
        for item in followed:
            for line in read_new(item):
                emit(item.name, line)
        out.flush()
        time.sleep(poll_s)


def logs(
    service: Annotated[
        str | None,
        typer.Argument(
            help=f"One of {', '.join(LOG_NAMES)}; all of them when left out.",
            show_default=False,
        ),
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing lines as they are written.")
    ] = False,
    lines: Annotated[
        int, typer.Option("--lines", "-n", min=0, help="How many of the last lines to print.")
    ] = 50,
) -> None:
    """Print (and with -f follow) the services' logs of the last `jejak run` (in
    <JEJAK_DATA_DIR>/logs)."""
    if service is not None and service not in LOG_NAMES:
        raise typer.BadParameter(
            f"unknown service {service!r}; choose from {', '.join(LOG_NAMES)}",
            param_hint="SERVICE",
        )
    try:
        data_dir = Settings().data_dir.resolve()
    except ValidationError as exc:
        typer.echo(f"Bad configuration: {exc}", err=True)
        raise typer.Exit(2) from None
    log_dir = log_dir_of(data_dir)
    if service is None:
        names = [name for name in LOG_NAMES if (log_dir / f"{name}.log").exists()]
    else:
        names = [service]
    if not names or (not follow and not (log_dir / f"{names[0]}.log").exists()):
        what = f"{service}.log" if service else "log files"
        typer.echo(
            f"No {what} in {log_dir}: has `jejak run` run with this JEJAK_DATA_DIR?", err=True
        )
        raise typer.Exit(1)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends --follow
        show(names, log_dir, lines=lines, follow=follow)
