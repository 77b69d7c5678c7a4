"""`jejak catalogue`: export master data to CSV or XLSX and import it back, through the HTTP
API of the service that owns it, as a Kanwil administrator: production's catalogue (UPTs,
workshops, products), inventory's locations and sales' channels.

An import checks every row of the file first and lists every bad one (row number as the
spreadsheet shows it, column, reason); then the owning service applies all rows in one
transaction, checking what only it knows (the UPT exists, a workshop makes the family, the GTIN
is free, a channel's locations are known) and again writing nothing unless every row is good.
Importing the same file again changes nothing. The token comes from `--token`
(JEJAK_ADMIN_TOKEN) or the credentials file, as for `jejak identity`; the service's URL from
`--url`, JEJAK_<SERVICE>_URL (JEJAK_PRODUCTION_URL, ...) or the port offset.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn

from jejak.identity import CredentialsOption, TokenOption, admin_token
from services.inventory.locations import LocationView
from services.production.master import ProductSpec, UptSpec, WorkshopSpec
from services.sales.channel_api import ChannelSpec
from shared import tabular
from shared.pagination import MAX_LIMIT
from shared.settings import Settings

catalogue_app = typer.Typer(
    name="catalogue",
    help=(
        "Master data to and from CSV or XLSX: production's UPTs, workshops and products, "
        "inventory's locations, sales' channels."
    ),
    no_args_is_help=True,
)
console = Console()
err_console = Console(stderr=True)
SERVER_ROW = re.compile(r"^rows\.(\d+)(?:\.(.+))?$")


@dataclass(frozen=True)
class MasterData:
    """A kind of master data: the service owning it, where it is read (GET `path`) and
    imported (POST `path`/import), and a row of its table."""

    service: str
    path: str
    row: type[BaseModel]
    paged: bool = False  # GET answers a Page (items, total), read `MAX_LIMIT` at a time


class Kind(StrEnum):
    upts = "upts"
    workshops = "workshops"
    products = "products"
    locations = "locations"
    channels = "channels"


KINDS: dict[Kind, MasterData] = {
    Kind.upts: MasterData("production", "/catalogue/upts", UptSpec),
    Kind.workshops: MasterData("production", "/catalogue/workshops", WorkshopSpec),
    Kind.products: MasterData("production", "/catalogue/products", ProductSpec),
    Kind.locations: MasterData("inventory", "/locations", LocationView),
    Kind.channels: MasterData("sales", "/channels", ChannelSpec, paged=True),
}
KindArgument = Annotated[
    Kind, typer.Argument(help="upts, workshops, products, locations or channels.")
]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="csv or xlsx (default: the file's extension; export: csv)."),
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help=(
            "The owning service's base URL (default: JEJAK_<SERVICE>_URL, else this machine "
            "plus the port offset)."
        ),
    ),
]
PortOffsetOption = Annotated[
    int, typer.Option(envvar="JEJAK_PORT_OFFSET", help="Same offset as given to `jejak run`.")
]


@dataclass
class Owner:
    """The HTTP API of the service owning a kind of master data, called as a Kanwil
    administrator."""

    service: str
    base_url: str
    token: str

    def call(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            with httpx.Client(base_url=self.base_url, headers=headers, timeout=300) as http:
                return http.request(method, path, json=body, params=params)
        except httpx.HTTPError as exc:
            _fail(f"{self.service} at {self.base_url} cannot be reached: {exc}")

    def read_all(self, data: MasterData) -> list[Any]:
        """Every item GET `path` answers, page after page when it pages."""
        items: list[Any] = []
        while True:
            params = {"limit": MAX_LIMIT, "offset": len(items)} if data.paged else None
            answer = self.call("GET", data.path, params=params)
            if answer.is_error:
                _fail(f"GET {data.path}: HTTP {answer.status_code} {answer.text[:500]}")
            if not data.paged:
                return list(answer.json())
            page = answer.json()
            items.extend(page["items"])
            if not page["items"] or len(items) >= page["total"]:
                return items


def _fail(message: str) -> NoReturn:
    err_console.print(f"[bold red]Error:[/] {escape(message)}")
    raise typer.Exit(1)


def _owner(
    data: MasterData, url: str | None, token: str | None, credentials: Path | None, offset: int
) -> Owner:
    base = url or Settings().service_url(data.service, offset)
    return Owner(data.service, base.rstrip("/"), admin_token(credentials, token))


def _format(given: str | None, path: Path | None) -> tabular.Format:
    """--format, else the file's extension; CSV on standard output."""
    for known in tabular.FORMATS:
        if given == known:
            return known
    if given is not None:
        _fail(f"--format {given}: say csv or xlsx")
    if path is None:
        return "csv"
    try:
        return tabular.format_of(path)
    except ValueError as exc:
        _fail(str(exc))


@catalogue_app.command("export")
def export(
    kind: KindArgument,
    fmt: FormatOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The file (default: CSV on standard output, XLSX to <kind>.xlsx).",
        ),
    ] = None,
    url: UrlOption = None,
    token: TokenOption = None,
    credentials: CredentialsOption = None,
    port_offset: PortOffsetOption = 0,
) -> None:
    """Write UPTs, workshops, products, locations or channels as a table to edit and import."""
    chosen = _format(fmt, output)
    data = KINDS[kind]
    items = _owner(data, url, token, credentials, port_offset).read_all(data)
    spec = data.row
    known = set(tabular.columns(spec))
    rows = [spec.model_validate({k: v for k, v in item.items() if k in known}) for item in items]
    if output is None and chosen == "csv":
        tabular.write_csv(rows, spec, sys.stdout)
        return
    path = output or Path(f"{kind}.xlsx")
    count = tabular.write(rows, spec, path, chosen)
    err_console.print(f"Wrote {count} {kind} to {path}")


def _import_parameters(dry_run: bool, allow_moves: bool) -> dict[str, object]:
    """Only products' imports know allow_moves; it is sent when asked for."""
    parameters: dict[str, object] = {"dry_run": dry_run}
    return parameters | ({"allow_moves": True} if allow_moves else {})


@catalogue_app.command("import")
def import_(
    kind: KindArgument,
    file: Annotated[Path, typer.Argument(help="A CSV or XLSX file with a header row.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and count; write nothing.")
    ] = False,
    allow_moves: Annotated[
        bool,
        typer.Option(
            "--allow-moves",
            help="Let rows move a product to another UPT or change its tracking (unit, lot); "
            "without it such a row is refused.",
        ),
    ] = False,
    fmt: FormatOption = None,
    url: UrlOption = None,
    token: TokenOption = None,
    credentials: CredentialsOption = None,
    port_offset: PortOffsetOption = 0,
) -> None:
    """Add and change UPTs, workshops, products, locations or channels from a table: all rows
    or none."""
    chosen = _format(fmt, file)
    master = KINDS[kind]
    spec = master.row
    try:
        data = file.read_bytes()
    except OSError as exc:
        _fail(f"{file}: {exc}")
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=err_console, transient=True
    ) as progress:
        task = progress.add_task(f"checking {file.name}", total=None)

        def checked(row: int) -> None:
            if row % 500 == 0:
                progress.update(task, description=f"checking {file.name}: row {row:,}")

        try:
            numbered = tabular.read_numbered(data, spec, chosen, on_row=checked)
        except tabular.TableErrors as bad:
            _report(file, bad.errors)
        progress.update(task, description=f"{master.service} is applying {len(numbered):,} rows")
        body = {"rows": [row.model_dump(mode="json", by_alias=True) for _n, row in numbered]}
        answer = _owner(master, url, token, credentials, port_offset).call(
            "POST", f"{master.path}/import", body, _import_parameters(dry_run, allow_moves)
        )
    if answer.status_code == 422:
        _report(file, _server_errors(answer.json(), [number for number, _row in numbered]))
    if answer.is_error:
        _fail(f"POST {master.path}/import: HTTP {answer.status_code} {answer.text[:500]}")
    done = answer.json()
    verb = "would be" if dry_run else "were"
    console.print(
        f"{file}: {len(numbered)} {kind}; {done['created']} {verb} added, {done['updated']} "
        f"changed, {done['unchanged']} unchanged"
        + (" (dry run: nothing written)" if dry_run else "")
    )


def _server_errors(problem: dict[str, Any], numbers: list[int]) -> list[tabular.RowError]:
    """The service's problems of rows (field rows.<index>.<column>) at the file's row numbers."""
    errors = []
    for error in problem.get("errors", []):
        match = SERVER_ROW.match(str(error.get("field", "")))
        if match is None:
            errors.append(tabular.RowError(0, error.get("field"), str(error.get("reason"))))
            continue
        row = numbers[int(match[1])] if int(match[1]) < len(numbers) else 0
        errors.append(tabular.RowError(row, match[2], str(error.get("reason"))))
    return errors or [tabular.RowError(0, None, str(problem.get("detail", problem)))]


def _report(file: Path, errors: list[tabular.RowError]) -> NoReturn:
    rows = len({error.row for error in errors})
    err_console.print(f"[bold red]{escape(str(file))}: nothing imported; {rows} row(s) to fix:[/]")
    for error in errors:
        err_console.print(f"  {escape(str(error))}")
    raise typer.Exit(1)
