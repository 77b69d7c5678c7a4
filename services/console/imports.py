"""Importing master data from a CSV or XLSX file, with its progress on the page.

The owning service's import (POST <path>/import, shared/imports.py) takes JSON rows, all or
nothing, in one request: a file of thousands of rows would leave the page waiting with no
sign of life. So the console runs an import as a job of its own (db.ImportJob), in three steps
the page follows by polling a fragment every second:

1. reading: the file is read as a table (shared/tabular.py, as `jejak catalogue import` does);
   a bad cell is reported with its row and column and nothing is sent;
2. checking: the rows go to the service's dry run a part at a time (CHECK_ROWS), so the page
   counts the rows checked; every bad row the service finds is kept with its row number;
3. applying: only when every row passed, all of them go in one request without dry run, so the
   service writes all or none (it checks them all again: a row made bad meanwhile, or a key
   twice across parts, refuses the whole import and it is reported as in step 2).

A job's rows live only in the task running it; if the console stops meanwhile the job shows as
interrupted (when that happened while applying, the service either wrote all rows or none:
importing the same file again changes nothing that is already so).
"""

import asyncio
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from services.console.db import ImportJob
from services.console.master import Kanwil, Kind, KindName, kind_of
from services.console.sessions import Console, ConsoleDep, Person, access_token, is_htmx
from services.console.upstream import NotFound
from services.console.views import render
from shared import tabular
from shared.imports import MAX_IMPORT_BODY_BYTES, repeats

router = APIRouter()
log = logging.getLogger(__name__)
CHECK_ROWS = 250  # rows per dry run: the page's count moves every few tenths of a second
APPLY_TIMEOUT_S = 300.0  # thousands of rows in one transaction: far longer than a page's call
STALE = timedelta(minutes=2)  # a running job not heard of for this long: the console stopped
HEARTBEAT = timedelta(seconds=15)  # how often a job waiting for a service says it runs
RUNNING = ("reading", "checking", "applying")
SERVICE_ROW = re.compile(r"^rows\.(\d+)(?:\.(.+))?$")
MAX_PROBLEMS = 1000  # listed on the page; a file this wrong is better fixed in its spreadsheet


@router.get("/kanwil/master/{name}/import")
async def import_form(request: Request, name: KindName, _person: Kanwil) -> Response:
    return render(request, "master_import.html", kind=kind_of(name), job=None, error=None)


@router.post("/kanwil/master/{name}/import")
async def start_import(
    request: Request, name: KindName, person: Kanwil, console: ConsoleDep
) -> Response:
    """Take the file, start its job, and go to the page that follows it."""
    kind = kind_of(name)
    posted = await request.form()
    upload = posted.get("file")
    error = _unreadable(upload)
    if error is not None or not isinstance(upload, UploadFile):
        context = {"kind": kind, "job": None, "error": error or "import.error.no_file"}
        return render(request, "master_import.html", status_code=422, **context)
    data, file_name = await upload.read(), upload.filename or "?"
    options = {
        "dry_run": posted.get("dry_run") == "on",
        "allow_moves": posted.get("allow_moves") == "on",
    }
    job = await _new_job(console, person, kind, file_name, **options)
    _run_in_background(console, run_import(console, person, kind, job.id, data, file_name))
    return RedirectResponse(f"/kanwil/imports/{job.id}", status_code=303)


@router.get("/kanwil/imports/{job_id}")
async def import_page(
    request: Request, job_id: UUID, person: Kanwil, console: ConsoleDep
) -> Response:
    """The job's progress: the whole page, or (htmx, every second while it runs) its part."""
    job = await _job(console, person, job_id)
    template = "_import_progress.html" if is_htmx(request) else "master_import.html"
    context: dict[str, Any] = {"kind": kind_of(job.kind), "job": job, "status": status_of(job)}
    return render(request, template, **context)


def _unreadable(upload: object) -> str | None:
    """What is wrong with the upload itself (none, empty, too big, not CSV or XLSX)."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return "import.error.no_file"
    if format_of(upload.filename) is None:
        return "import.error.format"
    if upload.size is not None and upload.size > MAX_IMPORT_BODY_BYTES:
        return "import.error.too_big"
    return None


def format_of(file_name: str) -> tabular.Format | None:
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return next((f for f in tabular.FORMATS if f == suffix), None)


def status_of(job: ImportJob) -> str:
    """The job's status as the page says it: a running one not heard of lately was stopped."""
    if job.status in RUNNING and datetime.now(UTC) - job.updated_at > STALE:
        return "interrupted"
    return job.status


# ------------------------------------------------------------------ the job


def _run_in_background(console: Console, work: Any) -> None:
    """The job outlives the request; the console keeps a reference (a task nobody holds may
    be collected) and cancels what still runs when it stops."""
    task = asyncio.create_task(work)
    console.tasks.add(task)
    task.add_done_callback(console.tasks.discard)


async def run_import(
    console: Console, person: Person, kind: Kind, job_id: str, data: bytes, file_name: str
) -> None:
    """Read, check a part at a time, apply all at once (the module's docstring)."""
    try:
        numbered = await _read(console, kind, job_id, data, file_name)
        if numbered is None:
            return
        await _progress(console, job_id, status="checking", rows=len(numbered))
        numbers = [number for number, _row in numbered]
        rows = [
            row.model_dump(mode="json", by_alias=True, exclude_unset=True) for _n, row in numbered
        ]
        repeated = _repeated(kind, rows, numbers)
        if not await _checked(console, person, kind, job_id, rows, numbers, repeated):
            return
        await _applied(console, person, kind, job_id, rows, numbers)
    except Exception:  # the job says it failed; the console goes on
        log.exception("import %s failed", job_id)
        await _progress(console, job_id, status="failed")


async def _read(
    console: Console, kind: Kind, job_id: str, data: bytes, file_name: str
) -> list[tuple[int, BaseModel]] | None:
    """The file's rows with their row numbers; None when it is not a good table (reported)."""
    fmt = format_of(file_name)
    assert fmt is not None  # checked when the file was taken
    try:
        return await asyncio.to_thread(tabular.read_numbered, data, kind.row_model(), fmt)
    except tabular.TableErrors as bad:
        problems = [_problem(e.row, e.column, e.reason) for e in bad.errors]
        await _progress(console, job_id, status="refused", problems=problems)
        return None


async def _checked(
    console: Console,
    person: Person,
    kind: Kind,
    job_id: str,
    rows: Sequence[dict[str, Any]],
    numbers: Sequence[int],
    problems: list[dict[str, Any]],
) -> bool:
    """Every part through the service's dry run; True when no row was refused (else the
    refusals are the job's, and it is refused). A dry run's counts are the job's result.
    `problems`: what was found in the whole file already (a key twice, in different parts)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    job = await _get(console, job_id)
    for start in range(0, len(rows), CHECK_ROWS):
        part = slice(start, start + CHECK_ROWS)
        answer = await _post(
            console, person, kind, job_id, rows[part], dry_run=True, moves=job.allow_moves
        )
        if answer.status_code == 200:
            counts = {name: counts[name] + answer.json()[name] for name in counts}
        else:
            problems += refusals(answer.status_code, answer.json(), numbers[part])
        await _progress(console, job_id, checked=min(start + CHECK_ROWS, len(rows)))
    if problems:
        await _progress(console, job_id, status="refused", problems=by_row(problems))
        return False
    if job.dry_run:
        await _progress(console, job_id, status="checked", **counts)
        return False
    return True


async def _applied(
    console: Console,
    person: Person,
    kind: Kind,
    job_id: str,
    rows: Sequence[dict[str, Any]],
    numbers: Sequence[int],
) -> None:
    """All rows in one request: the service writes every one or none."""
    job = await _progress(console, job_id, status="applying")
    answer = await _post(console, person, kind, job_id, rows, dry_run=False, moves=job.allow_moves)
    if answer.status_code == 200:
        done = answer.json()
        counts = {name: int(done[name]) for name in ("created", "updated", "unchanged")}
        await _progress(console, job_id, status="done", **counts)
        return
    problems = refusals(answer.status_code, answer.json(), numbers)
    await _progress(console, job_id, status="refused", problems=problems)


async def _post(
    console: Console,
    person: Person,
    kind: Kind,
    job_id: str,
    rows: Sequence[dict[str, Any]],
    *,
    dry_run: bool,
    moves: bool,
) -> Any:
    """The service's import of `rows`, as the person (their token refreshed when needed: a job
    may outlast it). Only products' imports know allow_moves."""
    query = f"dry_run={str(dry_run).lower()}" + (
        "&allow_moves=true" if moves and kind.moves else ""
    )
    token = await access_token(console, person)
    body = {"rows": list(rows)}
    path = f"{kind.path}/import?{query}"
    sent = console.upstream.post(kind.service, path, token, body, within_s=APPLY_TIMEOUT_S)
    return await _alive(console, job_id, asyncio.ensure_future(sent))


async def _alive(console: Console, job_id: str, answer: "asyncio.Future[Any]") -> Any:
    """The service's answer; meanwhile the job says every HEARTBEAT it is still running (an
    apply of thousands of rows takes longer than STALE, and is not stale)."""
    try:
        while not answer.done():
            await asyncio.wait({answer}, timeout=HEARTBEAT.total_seconds())
            if not answer.done():
                await _progress(console, job_id)
        return answer.result()
    finally:
        answer.cancel()  # the job was cancelled (the console stops): so is its request


def _repeated(
    kind: Kind, rows: Sequence[dict[str, Any]], numbers: Sequence[int]
) -> list[dict[str, Any]]:
    """A key twice in the file: the service finds it only among the rows of one request, and
    the rows are checked a part at a time."""
    keys = [row.get(kind.key) for row in rows]
    return [
        _problem(
            numbers[index], kind.key, f"{keys[index]} is also row {numbers[first]} of this file"
        )
        for index, first in repeats(keys).items()
    ]


def refusals(status: int, problem: dict[str, Any], numbers: Sequence[int]) -> list[dict[str, Any]]:
    """The service's refusal of rows (`rows.<index>.<column>`) at the file's row numbers; a
    refusal of no row (a 409, say) is the file's as a whole (row 0)."""
    found = []
    for error in problem.get("errors") or []:
        match = SERVICE_ROW.match(str(error.get("field", "")))
        if match is None:
            found.append(
                _problem(0, str(error.get("field") or "") or None, str(error.get("reason")))
            )
            continue
        index = int(match[1])
        row = numbers[index] if index < len(numbers) else 0
        found.append(_problem(row, match[2], str(error.get("reason"))))
    return found or [_problem(0, None, f"HTTP {status}: {problem.get('detail', '')}")]


def by_row(problems: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The problems in the file's order, each (row, column) once: a key twice within one part
    is found by the console and the service alike."""
    unique = {(p["row"], p["column"] or ""): p for p in reversed(problems)}
    return sorted(unique.values(), key=lambda p: (p["row"], p["column"] or ""))


def _problem(row: int, column: str | None, reason: str) -> dict[str, Any]:
    return {"row": row, "column": column, "reason": reason}


# ------------------------------------------------------------------ the job's row


async def _new_job(
    console: Console,
    person: Person,
    kind: Kind,
    file_name: str,
    *,
    dry_run: bool,
    allow_moves: bool,
) -> ImportJob:
    now = datetime.now(UTC)
    job = ImportJob(
        id=str(uuid4()),
        subject=person.claims.sub,
        kind=kind.name,
        file_name=file_name[:200],
        dry_run=dry_run,
        allow_moves=allow_moves and kind.moves,
        status="reading",
        rows=0,
        checked=0,
        created=0,
        updated=0,
        unchanged=0,
        problems=[],
        started_at=now,
        updated_at=now,
    )
    async with console.db.transaction() as session:
        session.add(job)
    return job


async def _progress(console: Console, job_id: str, **changes: Any) -> ImportJob:
    """Record how far the job has got (each change its own transaction: the page reads it)."""
    if "problems" in changes:
        changes["problems"] = changes["problems"][:MAX_PROBLEMS]
    async with console.db.transaction() as session:
        job = await session.get(ImportJob, job_id)
        assert job is not None
        for name, value in {**changes, "updated_at": datetime.now(UTC)}.items():
            setattr(job, name, value)
    return job


async def _get(console: Console, job_id: str) -> ImportJob:
    async with console.db.sessions() as session:
        job = await session.get(ImportJob, job_id)
    assert job is not None
    return job


async def _job(console: Console, person: Person, job_id: UUID) -> ImportJob:
    """The person's own job (another's is not found: it is theirs to follow)."""
    async with console.db.sessions() as session:
        job = await session.get(ImportJob, str(job_id))
    if job is None or job.subject != person.claims.sub:
        raise NotFound(f"import {job_id}")
    return job
