"""Access tokens of the development principals, for the demo, the tests and the benchmarks.

`make run` (like every test system) has the identity service write the credentials of its
development principals to `<JEJAK_DATA_DIR>/credentials.json`; a caller names who it acts as
(`Who.terminal("CLG-SPT")`, `Who.officer("CLG")`, `Who.channel("GALERI-SERANG")`,
`KANWIL`) and gets a bearer token, fetched once and again a minute before it expires.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt

from shared.identity import DevCredentials, Role, fetch_token

RENEW_BEFORE_S = 60


@dataclass(frozen=True)
class Who:
    """A development principal: a role and what it is bound to."""

    role: Role
    workshop: str | None = None
    upt: str | None = None
    channel: str | None = None

    @classmethod
    def terminal(cls, workshop: str) -> "Who":
        return cls("terminal", workshop=workshop)

    @classmethod
    def officer(cls, upt: str) -> "Who":
        return cls("qc_officer", upt=upt)

    @classmethod
    def sales_channel(cls, channel: str) -> "Who":
        return cls("channel", channel=channel)

    @classmethod
    def upt_admin(cls, upt: str) -> "Who":
        return cls("upt_admin", upt=upt)

    @property
    def binding(self) -> dict[str, str]:
        named = {"workshop": self.workshop, "upt": self.upt, "channel": self.channel}
        return {name: value for name, value in named.items() if value is not None}


KANWIL = Who("kanwil_admin")


class Tokens:
    def __init__(self, credentials: DevCredentials) -> None:
        self.credentials = credentials
        self.http = httpx.Client(timeout=10)
        self._cache: dict[Who, tuple[str, float]] = {}

    @classmethod
    def from_data_dir(cls, data_dir: Path) -> "Tokens":
        return cls(DevCredentials.load(data_dir / "credentials.json"))

    def of(self, who: Who) -> str:
        token, expires = self._cache.get(who, ("", 0.0))
        if time.time() > expires - RENEW_BEFORE_S:
            entry = self.credentials.find(who.role, **who.binding)
            token = fetch_token(entry, client=self.http)
            expires = float(jwt.decode(token, options={"verify_signature": False})["exp"])
            self._cache[who] = (token, expires)
        return token

    def header(self, who: Who | None) -> dict[str, str]:
        """The Authorization header of `who`; none for the public."""
        return {} if who is None else {"Authorization": f"Bearer {self.of(who)}"}
