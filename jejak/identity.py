"""`jejak identity`: add terminals, people and channel clients, list and revoke them, rotate the
signing key, through the identity service's HTTP API as a Kanwil administrator.

The administrator's token comes from `--token` (JEJAK_ADMIN_TOKEN), or by signing in as the
kanwil_admin of the development credentials file that `jejak run` seeds
(`<JEJAK_DATA_DIR>/credentials.json`, or `--credentials`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn
from uuid import UUID

import httpx
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shared.identity import DevCredentials, DevPrincipal, fetch_token
from shared.settings import Settings

identity_app = typer.Typer(
    name="identity",
    help="Principals (terminals, channel clients, officers, administrators) and signing keys.",
    no_args_is_help=True,
)
console = Console()
err_console = Console(stderr=True)


class PersonRole(StrEnum):
    qc_officer = "qc_officer"
    upt_admin = "upt_admin"
    kanwil_admin = "kanwil_admin"
    channel = "channel"  # gallery staff signing in with a password


CredentialsOption = Annotated[
    Path | None,
    typer.Option(
        "--credentials",
        help="Credentials file with a kanwil_admin (default: <JEJAK_DATA_DIR>/credentials.json).",
    ),
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Identity service base URL (default: JEJAK_IDENTITY_URL, else the credentials' "
        "token URL, else http://127.0.0.1:8006).",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the service's JSON answer (for scripts).")
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="JEJAK_ADMIN_TOKEN",
        help="A kanwil_admin access token, instead of signing in from the credentials file.",
    ),
]


@dataclass
class Admin:
    """The identity service, called as a Kanwil administrator."""

    base_url: str
    token: str

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            with httpx.Client(base_url=self.base_url, headers=headers, timeout=15) as http:
                response = http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            _fail(f"the identity service at {self.base_url} cannot be reached: {exc}")
        if response.is_error:
            _fail(f"{method} {path}: HTTP {response.status_code} {response.text[:500]}")
        return response.json()


def _fail(message: str) -> NoReturn:
    err_console.print(f"[bold red]Error:[/] {escape(message)}")
    raise typer.Exit(1)


def admin(credentials: Path | None, url: str | None, token: str | None) -> Admin:
    """Who calls, where: the given token, or the kanwil_admin of the credentials file."""
    settings = Settings()
    base = url or settings.identity_url
    if token:
        return Admin((base or settings.service_url("identity")).rstrip("/"), token)
    entry = _admin_entry(credentials, settings)
    base = base or entry.token_url.removesuffix("/oauth/token")
    return Admin(base.rstrip("/"), _signed_in(entry))


def admin_token(credentials: Path | None, token: str | None) -> str:
    """A kanwil_admin access token: the given one, or by signing in from the credentials
    file (other commands that call services as an administrator use it too)."""
    return token or _signed_in(_admin_entry(credentials, Settings()))


def _admin_entry(credentials: Path | None, settings: Settings) -> DevPrincipal:
    path = credentials or settings.data_dir / "credentials.json"
    try:
        return DevCredentials.load(path).find("kanwil_admin")
    except FileNotFoundError:
        _fail(f"no credentials file at {path}: give --credentials, or --token (a kanwil_admin "
              "access token)")  # fmt: skip
    except (LookupError, ValueError) as exc:
        _fail(f"{path}: {exc}")


def _signed_in(entry: DevPrincipal) -> str:
    try:
        return fetch_token(entry)
    except httpx.HTTPStatusError as exc:
        _fail(f"signing in as {entry.username} was refused: {exc.response.text[:300]}")
    except httpx.HTTPError as exc:
        _fail(f"signing in at {entry.token_url} failed: {exc}")


def _show_created(created: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _print_json(created)
        return
    _show([created], title="Added")
    if created.get("client_secret"):
        label, secret = f"client_id {created['client_id']}, client secret", created["client_secret"]
    else:
        label, secret = f"username {created['username']}, password", created["password"]
    console.print(f"{label} (shown once, store it now): [bold]{escape(secret)}[/]", soft_wrap=True)


def _print_json(answer: Any) -> None:
    typer.echo(json.dumps(answer, indent=2))


def _show(principals: list[dict[str, Any]], title: str = "Principals") -> None:
    table = Table(title=title, title_justify="left", box=box.SIMPLE)
    for column in ("name", "role", "binding", "created", "revoked"):
        table.add_column(column, no_wrap=column == "name")
    for p in principals:
        binding = " ".join(
            f"{name}={p[name]}"
            for name in ("workshop", "upt", "channel", "officer_code")
            if p.get(name)
        )
        table.add_row(
            p.get("client_id") or p.get("username") or p["id"],
            p["role"],
            binding,
            str(p["created_at"])[:10],
            str(p.get("revoked_at") or "")[:10],
            style="dim" if p.get("revoked_at") else "",
        )
    console.print(table)


@identity_app.command("add-terminal")
def add_terminal(
    workshop: Annotated[str, typer.Argument(help="Workshop code, e.g. CLG-SPT.")],
    client_id: Annotated[
        str | None, typer.Option(help="Default: terminal-<workshop>, numbered if taken.")
    ] = None,
    credentials: CredentialsOption = None,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """A workshop terminal: a client with its own secret, bound to one workshop."""
    body = {"role": "terminal", "workshop": workshop, "name": client_id}
    _show_created(admin(credentials, url, token).call("POST", "/principals", body), as_json)


@identity_app.command("add-channel-client")
def add_channel_client(
    channel: Annotated[str, typer.Argument(help="Channel code, e.g. GALERI-SERANG.")],
    client_id: Annotated[
        str | None, typer.Option(help="Default: channel-<code>, numbered if taken.")
    ] = None,
    credentials: CredentialsOption = None,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """A sales channel's system: a client with its own secret, bound to one channel."""
    body = {"role": "channel", "channel": channel, "name": client_id}
    _show_created(admin(credentials, url, token).call("POST", "/principals", body), as_json)


@identity_app.command("add-user")
def add_user(
    username: Annotated[str, typer.Argument(help="e.g. qc-clg-2")],
    role: Annotated[PersonRole, typer.Option(help="What the person does.")],
    upt: Annotated[str | None, typer.Option(help="UPT code (qc_officer, upt_admin).")] = None,
    channel: Annotated[str | None, typer.Option(help="Channel code (channel staff).")] = None,
    officer_code: Annotated[
        str | None, typer.Option(help="A qc_officer's, e.g. QC-CLG-07 (default: the first free).")
    ] = None,
    credentials: CredentialsOption = None,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """A person who signs in with a username and a generated password."""
    body = {
        "role": role.value,
        "kind": "user",
        "name": username,
        "upt": upt,
        "channel": channel,
        "officer_code": officer_code,
    }
    _show_created(admin(credentials, url, token).call("POST", "/principals", body), as_json)


@identity_app.command("list")
def list_principals(
    credentials: CredentialsOption = None,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every principal, revoked ones dimmed; never a secret."""
    principals = _every_principal(admin(credentials, url, token))
    if as_json:
        _print_json(principals)
    else:
        _show(principals)


@identity_app.command("revoke")
def revoke(
    principal: Annotated[
        str, typer.Argument(metavar="ID", help="Its id, client_id or username (see `list`).")
    ],
    credentials: CredentialsOption = None,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """No more tokens for this principal; its last one expires within the token lifetime."""
    service = admin(credentials, url, token)
    principal_id = _principal_id(service, principal)
    _show([service.call("POST", f"/principals/{principal_id}/revoke")], title="Revoked")


def _principal_id(service: Admin, given: str) -> str:
    try:
        return str(UUID(given))
    except ValueError:
        pass
    for principal in _every_principal(service):
        if given in (principal["client_id"], principal["username"]):
            return str(principal["id"])
    _fail(f"no principal with the id, client_id or username {given}")


def _every_principal(service: Admin) -> list[dict[str, Any]]:
    """GET /principals, page after page: it answers {items, total, limit, offset}."""
    principals: list[dict[str, Any]] = []
    while True:
        page = service.call("GET", f"/principals?limit=500&offset={len(principals)}")
        principals += page["items"]
        if not page["items"] or len(principals) >= page["total"]:
            return principals


@identity_app.command("rotate-key")
def rotate_key(
    credentials: CredentialsOption = None, url: UrlOption = None, token: TokenOption = None
) -> None:
    """A new signing key; the former one stays published until its tokens have expired."""
    rotation = admin(credentials, url, token).call("POST", "/keys/rotate")
    retired = ", ".join(rotation["retired"]) or "none"
    console.print(f"Signing with key {rotation['kid']}; retired: {retired}")
