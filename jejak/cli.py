"""The `jejak` command: `jejak run` starts everything on one machine, `jejak demo` walks a story."""

from __future__ import annotations

import signal
import time
from email.message import Message
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, NoReturn
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jejak import __version__
from jejak.catalogue_cli import catalogue_app
from jejak.dead_letters_cli import dead_letters_app
from jejak.identity import identity_app
from jejak.launcher import (
    LOCALHOST,
    Backoff,
    EmbeddedRedis,
    LaunchError,
    PortInUseError,
    ServiceSet,
    describe_exit,
    ensure_port_free,
    offset_ports,
    record_run_redis,
    run_redis_url,
    tail,
)
from jejak.logs_cli import logs
from jejak.migrate_cli import migrate_app, migrate_service_set
from jejak.options import parse_only
from jejak.redis_users import provision, write_deployment_files
from jejak.streams import dead_letters, group_statuses
from shared.settings import EMBEDDED_REDIS_PORT, SERVICE_PORTS, Settings

app = typer.Typer(
    name="jejak",
    help="Jejak: traceability for products of Indonesian prison workshops.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(identity_app, name="identity")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(migrate_app, name="migrate")
app.command()(logs)
app.command("chaos")(__import__("jejak.chaos.command", fromlist=["chaos"]).chaos)
console = Console()
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"jejak {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Jejak: traceability for products of Indonesian prison workshops."""


# --------------------------------------------------------------------------- run


class _Shutdown(Exception):
    """Raised in the main thread by the SIGINT/SIGTERM/SIGHUP handler of `jejak run`."""


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _raise_shutdown(signum: int, _frame: FrameType | None) -> NoReturn:
    raise _Shutdown(signal.Signals(signum).name)


def hide_password(url: str) -> str:
    """redis://:secret@host:6379/0 -> redis://:***@host:6379/0"""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _settings() -> Settings:
    """The settings from the environment; a bad value ends the command with what is wrong."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()
        )
        err_console.print(f"[bold red]Bad configuration:[/] {escape(problems)}")
        raise typer.Exit(2) from None


def _database_description(settings: Settings, data_dir: Path) -> str:
    database_url = settings.database_url
    if not database_url:
        return f"SQLite, one file per service under {data_dir}"
    base = urlsplit(database_url).path.lstrip("/") or "jejak"
    return f"{hide_password(database_url)} (one database per service: {base}_<service>)"


@app.command()
def run(
    only: Annotated[
        str | None,
        typer.Option(help="Start only these services, comma-separated (e.g. production,trace)."),
    ] = None,
    port_offset: Annotated[
        int,
        typer.Option(
            envvar="JEJAK_PORT_OFFSET",
            help="Add this to every default service port (8000-8006).",
        ),
    ] = 0,
    redis_port: Annotated[
        int,
        typer.Option(
            envvar="JEJAK_REDIS_PORT",
            help="Port of the embedded Redis (only used when REDIS_URL is unset).",
        ),
    ] = EMBEDDED_REDIS_PORT,
    startup_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for every service to become healthy.")
    ] = 90.0,
) -> None:
    """Start Redis (embedded, unless REDIS_URL is set) and the services; Ctrl-C stops all.
    The other commands use the same Redis (recorded in the data directory)."""
    names = parse_only(only)
    ports = offset_ports(port_offset)
    settings = _settings()
    data_dir = settings.data_dir.resolve()
    log_dir = data_dir / "logs"
    env = {"JEJAK_DATA_DIR": str(data_dir)}
    # Readable log lines for people (`jejak logs`), unless JEJAK_LOG_FORMAT says otherwise.
    env["JEJAK_LOG_FORMAT"] = (
        settings.log_format if "log_format" in settings.model_fields_set else "console"
    )

    redis: EmbeddedRedis | None = None
    services: ServiceSet | None = None
    exit_code = 0
    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Python keeps that.
    previous = {signum: signal.signal(signum, _raise_shutdown) for signum in _STOP_SIGNALS}
    try:
        for name in names:  # say which port is taken before starting anything
            ensure_port_free(ports[name], LOCALHOST, f"the {name} service")
        if not settings.embedded_redis:
            redis_description = f"{hide_password(settings.redis_url)} (from REDIS_URL)"
        else:
            redis = EmbeddedRedis(
                port=redis_port, data_dir=data_dir, log_path=log_dir / "redis.log"
            )
            console.print(f"Starting embedded Redis on port {redis_port} ...")
            redis.start()
            env["REDIS_URL"] = redis.url
            redis_description = (
                f"{redis.url} (embedded, pid {redis.pid}, append-only file in {data_dir / 'redis'})"
            )
        admin_url = env.get("REDIS_URL", settings.redis_url)
        record_run_redis(data_dir, admin_url)  # for jejak demo, streams, dead-letters
        redis_users = provision(admin_url, settings.namespace, data_dir)
        services = ServiceSet(
            env,
            names=names,
            ports=ports,
            log_dir=log_dir,
            startup_timeout=startup_timeout,
            redis_urls=redis_users,
        )
        migrate_service_set(services, console)  # a service refuses a database behind it
        console.print(f"Starting {', '.join(names)} ... (logs in {log_dir})")
        services.start_all()
        database_description = _database_description(settings, data_dir)
        _print_started(services, settings.namespace, redis_description, database_description)
        exit_code = _supervise(services, redis)
    except PortInUseError as exc:
        hint = "--redis-port" if "Redis" in exc.what else "--port-offset (moves every service)"
        err_console.print(f"[bold red]Cannot start:[/] {exc}; jejak run {hint} helps")
        exit_code = 1
    except LaunchError as exc:
        err_console.print(f"[bold red]Start failed:[/] {exc}")
        exit_code = 1
    except (KeyboardInterrupt, _Shutdown) as exc:
        reason = "Ctrl-C" if isinstance(exc, KeyboardInterrupt) or str(exc) == "SIGINT" else exc
        console.print(f"\n{reason}: stopping ...")
    finally:
        for signum in _STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not orphan a child
        if services is not None:
            services.stop_all()  # services first: their shutdown still publishes to Redis
        if redis is not None:
            redis.stop()
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)
    if exit_code == 0:
        console.print("Stopped.")
    raise typer.Exit(exit_code)


def _print_started(
    services: ServiceSet, namespace: str, redis_description: str, database_description: str
) -> None:
    table = Table(title="Jejak is running", title_justify="left")
    table.add_column("Service", style="bold")
    table.add_column("URL")
    table.add_column("API docs")
    table.add_column("Database")
    table.add_column("PID", justify="right")
    for service in services:
        backend = "?"
        try:
            body: dict[str, Any] = services.health(service.name).json()
            backend = str(body.get("database_backend", "?"))
        except Exception:  # the table is informative only
            pass
        table.add_row(
            service.name, service.url, f"{service.url}/docs", backend, str(service.pid or "")
        )
    console.print(table)
    console.print(f"[bold]Redis:[/]     {redis_description}")
    console.print(f"[bold]Database:[/]  {database_description}")
    console.print(f"[bold]Namespace:[/] {namespace}")
    console.print(f"[bold]Logs:[/]      {services.log_dir}")
    credentials = services.log_dir.parent / "credentials.json"
    if credentials.exists():
        console.print(f"[bold]Sign-in:[/]   development principals' credentials in {credentials}")
    if "console" in services.names:
        console.print(
            f"[bold]Console:[/]   {services.url('console')}/sign-in - people sign in with a "
            "username and password of that file (qc-clg, admin-clg, kanwil-admin, "
            "staf-galeri-serang)"
        )
    console.print("Press Ctrl-C to stop.")


def _supervise(services: ServiceSet, redis: EmbeddedRedis | None) -> int:
    """Until a signal stops `jejak run`: restart every child that dies, with exponential
    backoff (0.5 s, doubling to 30 s; back to 0.5 s once it stayed up a minute), and say so."""
    backoffs = {service.name: Backoff() for service in services}
    redis_backoff = Backoff()
    unhealthy: set[str] = set()  # restarted, /health not answered yet
    while True:
        time.sleep(0.25)
        if redis is not None:
            _supervise_redis(redis, redis_backoff)
        for service in services:
            name, backoff = service.name, backoffs[service.name]
            if backoff.restart_at is None and not service.running():
                unhealthy.discard(name)
                delay = backoff.crashed()
                err_console.print(
                    f"[bold red]{name} exited with {describe_exit(service.returncode)}[/]; "
                    f"last lines of {service.log_path}:\n{escape(tail(service.log_path, 20))}"
                )
                err_console.print(
                    f"[yellow]Restarting {name} in {delay:g} s[/] (crash {backoff.crashes} in "
                    "a row)"
                )
            elif backoff.due():
                try:
                    pid = services.start(name, wait=False)
                except LaunchError as exc:
                    delay = backoff.crashed()
                    err_console.print(
                        f"[bold red]Could not restart {name}:[/] {escape(str(exc))}; "
                        f"trying again in {delay:g} s"
                    )
                    continue
                backoff.started()
                unhealthy.add(name)
                console.print(f"Restarted {name} (pid {pid}); waiting for its /health ...")
        for name in sorted(unhealthy):
            if services.running(name) and _answers_health(services, name):
                unhealthy.discard(name)
                console.print(f"[green]{name} is healthy again[/] ({services.url(name)})")


def _supervise_redis(redis: EmbeddedRedis, backoff: Backoff) -> None:
    if backoff.restart_at is None and not redis.running():
        code = redis.process.poll() if redis.process is not None else None
        delay = backoff.crashed()
        err_console.print(
            f"[bold red]embedded Redis exited with {describe_exit(code)}[/]; last lines of "
            f"{redis.log}:\n{escape(tail(redis.log, 20))}"
        )
        err_console.print(f"[yellow]Restarting embedded Redis in {delay:g} s[/]")
    elif backoff.due():
        try:
            redis.start()  # waits until it answers PING; its append-only file is kept
        except LaunchError as exc:
            delay = backoff.crashed()
            err_console.print(
                f"[bold red]Could not restart embedded Redis:[/] {escape(str(exc))}; "
                f"trying again in {delay:g} s"
            )
            return
        backoff.started()
        console.print(f"[green]Restarted embedded Redis[/] (pid {redis.pid})")


def _answers_health(services: ServiceSet, name: str) -> bool:
    try:
        return services.health(name, timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


# --------------------------------------------------------------------------- demo


def service_urls(settings: Settings, port_offset: int = 0) -> dict[str, str]:
    """Base URL of each service: JEJAK_<SERVICE>_URL, else this machine, default port + offset."""
    return {name: settings.service_url(name, port_offset) for name in SERVICE_PORTS}


@app.command()
def demo(
    port_offset: Annotated[
        int,
        typer.Option(envvar="JEJAK_PORT_OFFSET", help="Same offset as given to `jejak run`."),
    ] = 0,
) -> None:
    """Walk products from workshop to buyer against running services (start `jejak run`)."""
    from jejak.demo import DemoError, run_demo
    from jejak.tokens import Tokens

    settings = _settings()
    credentials = settings.data_dir / "credentials.json"
    if not credentials.exists():
        err_console.print(f"[bold red]Demo failed:[/] no {credentials}\nIs `jejak run` up?")
        raise typer.Exit(1)
    try:
        run_demo(service_urls(settings, port_offset), Tokens.from_data_dir(settings.data_dir))
    except (DemoError, httpx.ConnectError, httpx.HTTPStatusError) as exc:
        err_console.print(f"[bold red]Demo failed:[/] {exc}\nIs `jejak run` up?")
        raise typer.Exit(1) from None
    _wait_until_settled(run_redis_url(settings), settings.namespace)
    streams(wait=0)


def _wait_until_settled(redis_url: str, namespace: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(status.settled for status in group_statuses(redis_url, namespace)):
            return
        time.sleep(0.2)


@app.command()
def streams(
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for the groups to settle first.")
    ] = 0,
) -> None:
    """Every stream and consumer group: entries, pending, unread; and the dead letters."""
    settings = _settings()
    redis_url = run_redis_url(settings)
    if wait:
        _wait_until_settled(redis_url, settings.namespace, wait)
    table = Table(title=f"Streams of namespace {settings.namespace!r}", title_justify="left")
    for column in ("stream", "group", "entries", "pending", "unread"):
        table.add_column(column, justify="left" if column in ("stream", "group") else "right")
    for status in group_statuses(redis_url, settings.namespace):
        style = "" if status.settled else "yellow"
        unread = "?" if status.lag is None else str(status.lag)
        table.add_row(
            status.stream,
            status.group,
            str(status.length),
            str(status.pending),
            unread,
            style=style,
        )
    console.print(table)
    letters = dead_letters(redis_url, settings.namespace)
    console.print(f"Dead letters: {len(letters)}")
    for letter in letters[-10:]:
        where = f"{letter.source_stream} [{letter.source_group}]"
        line = f"  {letter.letter_id} {where} {letter.reason}: {letter.error[:160]}"
        console.print(escape(line))  # "[group]" is no markup


# --------------------------------------------------------------------------- labels


@app.command()
def labels(
    batch_id: Annotated[UUID, typer.Argument(help="A completed batch.", metavar="BATCH_ID")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The PDF to write; default labels-<lot>.pdf here."),
    ] = None,
    copies: Annotated[
        int | None,
        typer.Option(help="Labels of a lot-tracked batch; default one per piece, up to a limit."),
    ] = None,
    port_offset: Annotated[
        int,
        typer.Option(envvar="JEJAK_PORT_OFFSET", help="Same offset as given to `jejak run`."),
    ] = 0,
) -> None:
    """Write a completed batch's label sheets (A4 PDF, a QR code per label) from the running
    production service, signed in as the development Kanwil administrator."""
    from jejak.tokens import KANWIL, Tokens

    settings = _settings()
    url = f"{service_urls(settings, port_offset)['production']}/batches/{batch_id}/labels.pdf"
    query = {} if copies is None else {"copies": copies}
    try:
        headers = Tokens.from_data_dir(settings.data_dir).header(KANWIL)
        response = httpx.get(url, params=query, headers=headers, timeout=120)
    except (OSError, httpx.HTTPError) as exc:  # no credentials file, no service, no token
        err_console.print(f"[bold red]No labels:[/] {escape(str(exc))}\nIs `jejak run` up?")
        raise typer.Exit(1) from None
    if response.status_code != 200:
        err_console.print(f"[bold red]No labels:[/] {response.status_code} {escape(response.text)}")
        raise typer.Exit(1)
    path = output or Path(_file_name(response) or f"labels-{batch_id}.pdf")
    path.write_bytes(response.content)
    console.print(f"Wrote the labels to {path} ({len(response.content):,} bytes)")


def _file_name(response: httpx.Response) -> str | None:
    """The file name the server suggests (Content-Disposition); a name, never a path."""
    message = Message()
    message["Content-Disposition"] = response.headers.get("Content-Disposition", "")
    name = message.get_filename()
    return Path(name).name if name else None


if __name__ == "__main__":
    app()


@app.command("redis-users")
def redis_users(
    out: Annotated[
        Path, typer.Option(help="Folder for users.acl, admin.env and one <user>.env each.")
    ] = Path("secrets/redis"),
    redis_host: Annotated[str, typer.Option(help="host:port the services reach Redis at.")] = (
        "redis:6379"
    ),
) -> None:
    """Write the Redis users of a deployment (compose): an ACL file and each service's URL."""
    settings = _settings()
    written = write_deployment_files(out, settings.namespace, redis_host)
    console.print(f"Wrote {len(written)} files to {out} (mode 0600; keep them out of git).")
