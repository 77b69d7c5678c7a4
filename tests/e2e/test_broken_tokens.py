"""Whatever bearer token a caller sends, a running service answers it: a 401 with a one-line
ASCII challenge (or a 403 for a good token outside its route, or the answer itself), never a
5xx and never a dropped connection. Real processes (identity and trace) over real HTTP; the
tokens are generated (headers, algorithms, key ids, claims, signatures, encodings), and the
ones that must get past the signature check are signed with identity's own key.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from jejak.launcher import ServiceSet, free_ports
from jejak.migrate_cli import migrate_service_set
from services.identity.db import SigningKeys
from shared.db import Database
from shared.identity import ROLES
from shared.migrations import database_url
from shared.settings import SERVICE_PORTS
from tests.backend import Backend

PUBLIC_ROUTE = "/trace/CLG-FTW-2601-0001"  # an unknown lot: 404 to whoever may look
PRIVATE_ROUTE = "/lots/CLG-FTW-2601-0001/recall-report"  # kanwil_admin, upt_admin, channel
CHALLENGE_TEXT = frozenset(chr(code) for code in range(0x20, 0x7F))


@dataclass(frozen=True)
class Issuer:
    """The running identity service's current signing key and its issuer URL."""

    url: str
    kid: str
    private_pem: str
    public_jwk: dict[str, str]

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_pem, algorithm="EdDSA", headers={"kid": self.kid})


@pytest.fixture(scope="module")
def services(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceSet]:
    env = backend.system_env(tmp_path_factory.mktemp("system"), f"tok-{uuid.uuid4().hex[:6]}")
    names = ("identity", "trace")
    service_set = ServiceSet(
        env={**env, "JEJAK_PUBLIC_RATE_LIMIT": "off"},  # many anonymous lookups on purpose
        names=names,
        ports=free_ports({name: SERVICE_PORTS[name] for name in names}),
        log_dir=tmp_path_factory.mktemp("logs"),
    )
    migrate_service_set(service_set)
    with service_set:
        yield service_set


@pytest.fixture(scope="module")
def issuer(services: ServiceSet) -> Issuer:
    async def current_key() -> Issuer:
        database = Database(database_url("identity", services.child_env("identity")))
        try:
            async with database.sessions() as session:
                key = await SigningKeys(session).current(datetime.now(UTC))
        finally:
            await database.engine.dispose()
        return Issuer(services.url("identity"), key.kid, key.private_pem, key.public_jwk)

    return asyncio.run(current_key())


# --------------------------------------------------------------------------- the tokens


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
OTHER_KEY_IDS = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0x100), min_size=1, max_size=10),
    st.sampled_from(["\ud800", "\n", 'a"b\\c', "kid\r\nX-Injected: yes"]),
    st.integers(min_value=1, max_value=6000).map(lambda size: "k" * size),
    JSON_VALUES,
)
ALGORITHMS = (
    st.sampled_from(
        ["EdDSA", "ES256", "RS256", "PS256", "HS256", "HS512", "none", "None", "", "ed25519"]
    )
    | JSON_VALUES
)
SIGNERS = st.sampled_from(
    ["identity", "identity", "identity", "identity-wrong-alg", "hs256-public-key", "stranger",
     "garbage", "empty"]
)  # fmt: skip


@st.composite
def claims(draw: st.DrawFn, issuer: Issuer) -> dict[str, Any]:
    """A payload near a good one: claims dropped, of the wrong type, or with unknown roles."""
    payload: dict[str, Any] = {
        "iss": issuer.url,
        "aud": "jejak",
        "sub": "kanwil-admin",
        "iat": int(time.time()),
        "exp": int(time.time()) + 600,
        "role": draw(st.sampled_from([*ROLES, "boss", "", "KANWIL_ADMIN", "kanwil_admin\n"])),
    }
    changed = st.lists(st.sampled_from([*sorted(payload), "nbf", "upt"]), max_size=2)
    for name in draw(st.just([]) | changed):
        if draw(st.booleans()):
            payload.pop(name, None)
        else:
            payload[name] = draw(JSON_VALUES)
    return payload


@st.composite
def tokens(draw: st.DrawFn, issuer: Issuer) -> bytes:
    """A bearer token as the bytes of the Authorization header after the scheme."""
    header: dict[str, Any] = {"alg": draw(ALGORITHMS), "typ": "JWT"}
    kid = draw(st.sampled_from(["known", "known", "known", "other", "none"]))
    if kid != "none":
        header["kid"] = issuer.kid if kid == "known" else draw(OTHER_KEY_IDS)
    if draw(st.integers(0, 3)) == 0:
        header[draw(st.sampled_from(["crit", "b64", "jku", "x5u", "jwk", "cty"]))] = draw(
            JSON_VALUES
        )
    payload = draw(claims(issuer))
    signer = draw(SIGNERS)
    if signer in ("identity", "identity-wrong-alg", "stranger"):
        # A real signature over a header that may still name another algorithm or key.
        key = issuer.private_pem if signer != "stranger" else Ed25519PrivateKey.generate()
        headers = {name: value for name, value in header.items() if name != "alg"}
        try:
            token = jwt.encode(payload, key, algorithm="EdDSA", headers=headers)
        except (jwt.PyJWTError, TypeError, ValueError, OverflowError):
            token = ""  # a header or payload PyJWT will not sign: sent unsigned below
        if token:
            if signer == "identity-wrong-alg":  # the signature stays, the header changes
                _, body, signed = token.split(".")
                token = ".".join([b64(_json(header)), body, signed])
            return _mangled(draw, token.encode())
    if signer == "hs256-public-key":  # the classic confusion: the public key as HMAC secret
        header |= {"alg": "HS256", "kid": issuer.kid}
        secret = json.dumps(issuer.public_jwk).encode()
        signing_input = f"{b64(_json(header))}.{b64(_json(payload))}"
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return _mangled(draw, f"{signing_input}.{b64(signature)}".encode())
    signature = b"" if signer == "empty" else draw(st.binary(max_size=80))
    token = f"{b64(_json(header))}.{b64(_json(payload))}.{b64(signature)}"
    return _mangled(draw, token.encode())


def _json(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


def _mangled(draw: st.DrawFn, token: bytes) -> bytes:
    """The token as sent, or broken in its encoding: bad base64, segments added or missing,
    a segment that is not JSON, not UTF-8 or deeply nested, bytes outside ASCII."""
    if draw(st.booleans()):
        return token
    how = draw(
        st.sampled_from(
            ["as is", "extra segment", "two segments", "one segment",
             "bad base64", "padding", "not json", "not utf-8", "nested", "latin-1 bytes",
             "spaces", "empty"]
        )
    )  # fmt: skip
    segments = token.split(b".")
    if how == "extra segment":
        return token + b"." + draw(st.sampled_from([b"", b"abc", token]))
    if how == "two segments":
        return b".".join(segments[:2])
    if how == "one segment":
        return segments[0]
    if how == "bad base64":
        return b"!@#$%." + b".".join(segments[1:])
    if how == "padding":
        return b".".join(segment + b"==" for segment in segments)
    if how == "not json":
        return b".".join([b64(b"{not json").encode(), *segments[1:]])
    if how == "not utf-8":
        return b".".join([segments[0], b64(b"\xff\xfe{}").encode(), *segments[2:]])
    if how == "nested":
        depth = draw(st.integers(min_value=100, max_value=4000))
        return b".".join([b64(b"[" * depth + b"]" * depth).encode(), *segments[1:]])
    if how == "latin-1 bytes":
        return token[:10] + "é\xa0ÿ".encode("latin-1") + token[10:]
    if how == "spaces":
        return b" " + token.replace(b".", b" . ", 1) + b" "
    if how == "empty":
        return b""
    return token


SCHEMES = st.sampled_from([b"Bearer "] * 6 + [b"bearer ", b"BEARER  ", b"Basic ", b""])


def check_answer(response: httpx.Response, allowed: set[int]) -> None:
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    challenges = response.headers.get_list("www-authenticate")
    if response.status_code == 401:
        [challenge] = challenges
        assert set(challenge) <= CHALLENGE_TEXT, challenge
        assert challenge.startswith('Bearer realm="jejak"')
    assert response.headers["content-type"].startswith(("application/json",
                                                        "application/problem+json"))  # fmt: skip
    response.json()  # a whole answer, readable


@pytest.fixture(scope="module")
def trace(services: ServiceSet) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=services.url("trace"), timeout=10) as http:
        yield http


@settings(
    max_examples=500,
    deadline=None,
    derandomize=True,  # the same tokens every run: a failure is repeatable
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_broken_token_makes_a_server_error_or_a_dropped_connection(
    trace: httpx.Client, issuer: Issuer, data: st.DataObject
) -> None:
    scheme, token = data.draw(SCHEMES, "scheme"), data.draw(tokens(issuer), "token")
    authorization = {b"Authorization": (scheme + token).strip()}  # as a client sends it

    public = trace.get(PUBLIC_ROUTE, headers=authorization)
    private = trace.get(PRIVATE_ROUTE, headers=authorization)

    check_answer(public, {401, 404})
    check_answer(private, {401, 403, 404})
    event(f"public {public.status_code}, private {private.status_code}")
    event(f"answered: {public.json()['detail'][:40]}")


@pytest.mark.parametrize(
    "case",
    ["another algorithm with a known kid", "a kid outside Latin-1", "an unknown role",
     "a huge kid", "an infinite exp"],
)  # fmt: skip
def test_the_tokens_of_the_issue_are_refused_with_a_401(
    trace: httpx.Client, issuer: Issuer, case: str
) -> None:
    now = int(time.time())
    good = {"iss": issuer.url, "aud": "jejak", "sub": "kanwil-admin", "exp": now + 600}
    if case == "another algorithm with a known kid":
        token = _unsigned({"alg": "RS256", "kid": issuer.kid}, {**good, "role": "kanwil_admin"})
    elif case == "a kid outside Latin-1":
        token = _unsigned({"alg": "EdDSA", "kid": "ключ"}, {**good, "role": "kanwil_admin"})
    elif case == "a huge kid":
        token = _unsigned({"alg": "EdDSA", "kid": "k" * 6000}, {**good, "role": "kanwil_admin"})
    elif case == "an infinite exp":
        token = issuer.sign({**good, "role": "kanwil_admin", "exp": float("inf")})
    else:
        token = issuer.sign({**good, "role": "boss"})
    for route in (PUBLIC_ROUTE, PRIVATE_ROUTE):
        check_answer(trace.get(route, headers={"Authorization": f"Bearer {token}"}), {401})


def test_a_good_token_outside_its_route_is_a_403_and_inside_it_passes(
    trace: httpx.Client, issuer: Issuer
) -> None:
    now = int(time.time())
    good = {"iss": issuer.url, "aud": "jejak", "exp": now + 600}
    terminal = {**good, "sub": "terminal-clg-spt", "role": "terminal", "workshop": "CLG-SPT"}
    kanwil = {**good, "sub": "kanwil-admin", "role": "kanwil_admin"}
    outside = trace.get(PRIVATE_ROUTE, headers={"Authorization": f"Bearer {issuer.sign(terminal)}"})
    inside = trace.get(PRIVATE_ROUTE, headers={"Authorization": f"Bearer {issuer.sign(kanwil)}"})

    assert outside.status_code == 403
    assert inside.status_code == 404  # past the check: the lot is unknown


def _unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{b64(_json(header))}.{b64(_json(payload))}.{b64(b'not a signature')}"
