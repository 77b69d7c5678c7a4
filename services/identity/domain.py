"""Identity's rules without I/O: secrets and their hashes, what binds each role, signing keys,
access token claims, and which keys are published.

Every secret and password is generated here (256 bits of randomness), never chosen by a person,
so its Argon2id hash guards a leaked database rather than a guessable password: the hasher uses
OWASP's minimum Argon2id profile (19 MiB, 2 passes), which keeps a token request fast.
"""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import uuid4

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from shared.errors import Rejected
from shared.identity import ROLE_BINDING, Claims, Role

Kind = Literal["client", "user"]
ALGORITHM = "EdDSA"
# A verifier may accept a token this much past its expiry; a retired key stays published as long.
CLOCK_SKEW = timedelta(minutes=1)

_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# Verified when the client or user is unknown, so that an unknown name costs as long as a
# wrong secret and nobody learns which names exist from the answer's timing.
_UNKNOWN = _hasher.hash(secrets.token_urlsafe(32))


# --------------------------------------------------------------------------- secrets


def new_secret() -> str:
    """A client secret, password or refresh token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """The Argon2id hash stored in place of a secret or password."""
    return _hasher.hash(secret)


def secret_matches(stored_hash: str | None, given: str) -> bool:
    """True when `given` is the secret of `stored_hash`; an unknown principal (None) never
    matches but costs the same time."""
    try:
        return _hasher.verify(stored_hash or _UNKNOWN, given) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def refresh_token_hash(token: str) -> str:
    """Refresh tokens are looked up by hash: SHA-256 (they are random, 256 bits: unguessable
    without a slow hash, and a salted hash could not be looked up)."""
    return hashlib.sha256(token.encode()).hexdigest()


# --------------------------------------------------------------------------- principals


@dataclass(frozen=True)
class Binding:
    """What a principal is bound to, checked against its role."""

    workshop: str | None = None
    upt: str | None = None
    channel: str | None = None
    officer_code: str | None = None


PEOPLE: frozenset[Role] = frozenset({"qc_officer", "upt_admin", "kanwil_admin"})
MACHINES: frozenset[Role] = frozenset({"terminal"})


def kind_of(role: Role, asked: Kind | None) -> Kind:
    """A terminal is a machine (client credentials), officers and administrators are people
    (password); a channel is a machine by default, or a person (gallery staff) when asked."""
    kind: Kind = asked or ("user" if role in PEOPLE else "client")
    if (role in PEOPLE and kind != "user") or (role in MACHINES and kind != "client"):
        raise Rejected("kind", f"a {role} signs in as a {'user' if role in PEOPLE else 'client'}")
    return kind


def upt_of_workshop(workshop: str) -> str:
    """A workshop code starts with its UPT's: CLG-SPT belongs to CLG."""
    return workshop.split("-", 1)[0]


def check_binding(role: Role, binding: Binding) -> Binding:
    """The binding a role needs and nothing else; a terminal gets its workshop's UPT too."""
    needed = ROLE_BINDING[role]
    given = {"workshop": binding.workshop, "upt": binding.upt, "channel": binding.channel}
    if role == "terminal" and binding.workshop:
        given["upt"] = binding.upt or upt_of_workshop(binding.workshop)
    if needed is not None and not given[needed]:
        raise Rejected(needed, f"a {role} is bound to a {needed}: give its code")
    for name, value in given.items():
        if value and name != needed and not (role == "terminal" and name == "upt"):
            raise Rejected(name, f"a {role} is not bound to a {name}")
    if role != "qc_officer" and binding.officer_code:
        raise Rejected("officer_code", f"only a qc_officer has an officer code, not a {role}")
    return Binding(given["workshop"], given["upt"], given["channel"], binding.officer_code)


def enrolment(
    role: Role, kind: Kind | None, name: str | None, binding: Binding
) -> tuple[Kind, Binding]:
    """How a new principal signs in and what it is bound to; a person needs a username (a
    client's id is made from its binding when not given)."""
    kind = kind_of(role, kind)
    if kind == "user" and not name:
        raise Rejected("name", f"a {role} is a person: give a username")
    return kind, check_binding(role, binding)


def default_name(role: Role, binding: Binding) -> str:
    """A client id when none is given: terminal-clg-spt, channel-galeri-serang."""
    code = binding.workshop or binding.channel or binding.upt or "kanwil"
    return f"{role.replace('_', '-')}-{code.lower()}"


def officer_code(upt: str, number: int) -> str:
    return f"QC-{upt}-{number:02d}"


# --------------------------------------------------------------------------- signing keys


@dataclass(frozen=True)
class KeyMaterial:
    kid: str
    private_pem: str
    public_jwk: dict[str, str]


def new_signing_key() -> KeyMaterial:
    """A fresh Ed25519 key; its kid is the RFC 7638 thumbprint of its public JWK."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public: dict[str, str] = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    members = {name: public[name] for name in ("crv", "kty", "x")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest()
    kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return KeyMaterial(kid, pem, {**members, "kid": kid, "alg": ALGORITHM, "use": "sig"})


def is_published(retired_at: datetime | None, now: datetime, token_lifetime: timedelta) -> bool:
    """A key is published while it signs, and after its retirement until the last token it
    signed has expired (overlapping keys: a rotation invalidates no token)."""
    return retired_at is None or retired_at + token_lifetime + CLOCK_SKEW > now


# --------------------------------------------------------------------------- access tokens


@dataclass(frozen=True)
class Issuer:
    """Who signs, for whom, for how long."""

    url: str
    audience: str
    lifetime: timedelta

    @property
    def expires_in(self) -> int:
        return int(self.lifetime.total_seconds())


def access_claims(claims: Claims, issuer: Issuer, now: datetime) -> dict[str, Any]:
    """The payload of an access token: the registered claims and Jejak's."""
    return {
        "iss": issuer.url,
        "aud": issuer.audience,
        "iat": int(now.timestamp()),
        "exp": int((now + issuer.lifetime).timestamp()),
        "jti": uuid4().hex,
        **claims.to_payload(),
    }


def sign(payload: dict[str, Any], key: KeyMaterial) -> str:
    return jwt.encode(payload, key.private_pem, algorithm=ALGORITHM, headers={"kid": key.kid})
