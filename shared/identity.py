"""Who a token speaks for: Jejak's roles, the names of its claims, and the claims every service
reads from a verified access token. The identity service issues these claims and `shared/auth.py`
verifies them; an outside OpenID Connect provider must put the same names in its tokens.

Also, for development and tests only: `DevCredentials`, the credentials file the identity
service writes when it seeds its development principals (`JEJAK_SEED_DEV_PRINCIPALS`), and
`fetch_token`, which signs one of them in.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field

Role = Literal["terminal", "qc_officer", "channel", "upt_admin", "kanwil_admin"]
ROLES: tuple[Role, ...] = get_args(Role)

# The names of Jejak's own claims in an access token (besides iss, aud, sub, iat, exp, jti).
ROLE_CLAIM = "role"
WORKSHOP_CLAIM = "workshop"
UPT_CLAIM = "upt"
CHANNEL_CLAIM = "channel"
OFFICER_CODE_CLAIM = "officer_code"
JEJAK_CLAIMS = (ROLE_CLAIM, WORKSHOP_CLAIM, UPT_CLAIM, CHANNEL_CLAIM, OFFICER_CODE_CLAIM)

BindingName = Literal["workshop", "upt", "channel"]

# What each role is bound to; a kanwil_admin to nothing (it sees everything). A terminal's
# token carries its workshop's UPT as well, a qc_officer's its officer code.
ROLE_BINDING: dict[Role, BindingName | None] = {
    "terminal": "workshop",
    "qc_officer": "upt",
    "channel": "channel",
    "upt_admin": "upt",
    "kanwil_admin": None,
}


class Claims(BaseModel):
    """The caller, as a verified access token says: its role, its subject and its binding."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    role: Role
    sub: str = Field(min_length=1, description="client_id of a machine, username of a person")
    workshop: str | None = None
    upt: str | None = None
    channel: str | None = None
    officer_code: str | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Claims:
        """The claims of a decoded (and verified) JWT payload; a ValueError (pydantic's
        ValidationError) when the role is missing or unknown or a claim has the wrong type."""
        return cls.model_validate({name: payload.get(name) for name in ("sub", *JEJAK_CLAIMS)})

    def to_payload(self) -> dict[str, str]:
        """Jejak's claims and `sub` as JWT payload entries, without the absent ones."""
        return {name: value for name, value in self.model_dump().items() if value is not None}


# --------------------------------------------------------------------------- development


class DevPrincipal(BaseModel):
    """One entry of the development credentials file, with the file's token URL."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    role: Role
    token_url: str
    workshop: str | None = None
    upt: str | None = None
    channel: str | None = None
    officer_code: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None


class DevCredentials(BaseModel):
    """`<JEJAK_DATA_DIR>/credentials.json`, written by the identity service's development seed:
    `{"token_url": ..., "principals": [{"role": ..., <binding>, <client_id and client_secret,
    or username and password>}, ...]}`."""

    token_url: str
    principals: list[DevPrincipal]

    @classmethod
    def load(cls, path: Path | str) -> DevCredentials:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        token_url = document["token_url"]
        return cls(
            token_url=token_url,
            principals=[
                DevPrincipal.model_validate({**entry, "token_url": token_url})
                for entry in document["principals"]
            ],
        )

    def find(self, role: Role, **binding: str) -> DevPrincipal:
        """The first principal of this role with this binding, e.g.
        `find("terminal", workshop="CLG-SPT")`, `find("qc_officer", upt="CLG")`."""
        for principal in self.principals:
            if principal.role == role and all(
                getattr(principal, name, None) == value for name, value in binding.items()
            ):
                return principal
        wanted = "".join(f" {name}={value}" for name, value in binding.items())
        raise LookupError(f"no {role}{wanted} in the development credentials")


def fetch_token(entry: DevPrincipal, *, client: httpx.Client | None = None) -> str:
    """An access token for a development principal: client credentials (HTTP Basic) for a
    machine, the password grant for a person. Raises httpx.HTTPStatusError when refused."""
    if entry.client_id is not None and entry.client_secret is not None:
        form = {"grant_type": "client_credentials"}
        basic = f"{quote(entry.client_id, safe='')}:{quote(entry.client_secret, safe='')}"
        headers = {"Authorization": "Basic " + base64.b64encode(basic.encode()).decode()}
    elif entry.username is not None and entry.password is not None:
        form = {"grant_type": "password", "username": entry.username, "password": entry.password}
        headers = {}
    else:
        raise ValueError(f"the {entry.role} entry has neither a client secret nor a password")
    http = client or httpx.Client(timeout=10)
    try:
        response = http.post(entry.token_url, data=form, headers=headers)
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token
    finally:
        if client is None:
            http.close()
