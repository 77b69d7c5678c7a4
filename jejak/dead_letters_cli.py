"""`jejak dead-letters`: list, show, replay and drop the entries consumer groups set aside.

Every consuming service has its own dead letters (`<namespace>.dead-letters.<service>`); a
letter's id is `<service>/<entry id>`. Replay re-reads the entry the letter names from its
source stream and puts a copy of that back (every group of that stream sees it, and those that
applied the event already skip it by their inbox), then deletes the letter. It refuses a letter
whose event is older than the inbox retention (groups may have forgotten they applied it) or
that would still be invalid, unless `--force` (exit code 1); a letter whose source stream its
group does not consume, or whose entry is not there, is never replayed. Unknown ids and letters
never replayed end the command with exit code 2; either refusal changes nothing.
"""

import json
from datetime import timedelta
from typing import Annotated

import typer

from jejak.launcher import run_redis_url
from jejak.streams import (
    DeadLetterError,
    ReplayForbidden,
    UnknownDeadLetter,
    dead_letters,
    dead_letters_by_id,
    drop_dead_letters,
    replay_dead_letters,
)
from shared.delivery.dead_letters import dead_letter_prefix
from shared.delivery.letters import Letter
from shared.settings import Settings

dead_letters_app = typer.Typer(
    help="The dead letters: entries a consumer group could not apply.", no_args_is_help=True
)

Ids = Annotated[list[str], typer.Argument(help="Dead-letter ids, as `list` shows them.")]


def _settings() -> Settings:
    from jejak.cli import _settings as settings  # one place that reports bad configuration

    return settings()


def _fail(exc: DeadLetterError) -> typer.Exit:
    typer.echo(f"Error: {exc}", err=True)
    return typer.Exit(2 if isinstance(exc, UnknownDeadLetter | ReplayForbidden) else 1)


def _columns(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


@dead_letters_app.command("list")
def list_letters() -> None:
    """Every dead letter: id, time, source stream and group, reason, deliveries, event."""
    settings = _settings()
    redis_url = run_redis_url(settings)
    letters = dead_letters(redis_url, settings.namespace)
    streams = f"{dead_letter_prefix(settings.namespace)}*"
    if not letters:
        typer.echo(f"No dead letters in {streams}.")
        return
    header = ("ID", "DEAD AT", "SOURCE STREAM", "GROUP", "REASON", "DELIVERIES", "EVENT")
    rows = [
        (
            x.letter_id,
            x.dead_at[:19],
            x.source_stream,
            x.source_group,
            x.reason,
            x.deliveries,
            x.event,
        )
        for x in letters
    ]
    for line in _columns([header, *rows]):
        typer.echo(line)
    typer.echo(f"{len(letters)} dead letter(s) in {streams}.")


@dead_letters_app.command()
def show(letter_id: Annotated[str, typer.Argument(metavar="ID", help="A dead-letter id.")]) -> None:
    """One dead letter whole: where it came from, why, and the original entry."""
    settings = _settings()
    redis_url = run_redis_url(settings)
    try:
        [letter] = dead_letters_by_id(redis_url, settings.namespace, [letter_id])
    except DeadLetterError as exc:
        raise _fail(exc) from None
    typer.echo("\n".join(describe(letter)))


def describe(letter: Letter) -> list[str]:
    lines = [
        f"Dead letter {letter.letter_id}",
        *_columns(
            [
                ("source stream:", letter.source_stream),
                ("source group:", letter.source_group),
                ("source entry id:", letter.source_entry_id),
                ("reason:", letter.reason),
                ("deliveries:", letter.deliveries),
                ("dead at:", letter.dead_at),
                ("event:", letter.event),
            ]
        ),
        "error:",
        *(f"  {line}" for line in letter.error.splitlines() or [""]),
        "original entry (the letter's copy; replay re-reads the source stream's):",
    ]
    for name, value in letter.original.items():
        lines.append(f"  {name}:")
        lines += [f"    {line}" for line in _pretty(value).splitlines()]
    return lines


def _pretty(value: bytes) -> str:
    try:
        return json.dumps(json.loads(value), indent=2, ensure_ascii=False)
    except ValueError:
        text = value.decode(errors="replace")
        return text if text.isprintable() else repr(value)


@dead_letters_app.command()
def replay(
    ids: Ids,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replay even an event older than the inbox retention, or one still invalid.",
        ),
    ] = False,
) -> None:
    """Put the entries the letters name back on their source streams (re-read there, by id),
    then delete the letters."""
    settings = _settings()
    redis_url = run_redis_url(settings)
    try:
        replayed = replay_dead_letters(
            redis_url,
            settings.namespace,
            ids,
            inbox_retention=timedelta(seconds=settings.inbox_retention_s),
            force=force,
        )
    except DeadLetterError as exc:
        raise _fail(exc) from None
    for done in replayed:
        typer.echo(
            f"Replayed {done.letter_id} to {done.stream} as {done.entry_id} "
            f"(for {done.group}; groups that applied it skip it)"
        )
        if done.copy_differed:
            typer.echo(
                f"  {done.letter_id}: its copy differed from the source entry; the source "
                "entry was replayed"
            )


@dead_letters_app.command()
def drop(
    ids: Ids,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Delete dead letters for good."""
    settings = _settings()
    redis_url = run_redis_url(settings)
    try:
        if not yes:
            for letter in dead_letters_by_id(redis_url, settings.namespace, ids):
                typer.echo(f"{letter.letter_id}  {letter.reason}  {letter.event}")
            typer.confirm(f"Drop these {len(ids)} dead letter(s) for good?", abort=True)
        dropped = drop_dead_letters(redis_url, settings.namespace, ids)
    except DeadLetterError as exc:
        raise _fail(exc) from None
    typer.echo(f"Dropped {dropped} dead letter(s).")
