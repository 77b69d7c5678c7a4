"""Identity's rules without I/O: hashes, bindings, signed claims, published keys, and the
shared claims model and development credentials every service and tool reads."""

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from pydantic import ValidationError

from services.identity.domain import (
    CLOCK_SKEW,
    Binding,
    Issuer,
    access_claims,
    check_binding,
    enrolment,
    hash_secret,
    is_published,
    new_secret,
    new_signing_key,
    refresh_token_hash,
    secret_matches,
    sign,
)
from services.identity.seed import (
    DEV_CHANNEL_STAFF,
    DEV_CHANNELS,
    DEV_UPTS,
    DEV_WORKSHOPS,
    dev_kind,
    dev_principals,
)
from shared.errors import Rejected
from shared.identity import ROLES, Claims, DevCredentials, fetch_token

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ISSUER = Issuer("http://identity.test", "jejak", timedelta(minutes=15))


def decoded(token: str, jwk: dict[str, str]) -> dict[str, object]:
    payload: dict[str, object] = jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=["EdDSA"],
        audience="jejak",
        issuer="http://identity.test",
        options={"verify_exp": False},
    )
    return payload


# --------------------------------------------------------------------------- hashing


def test_a_secret_is_kept_as_an_argon2id_hash_that_only_the_secret_matches() -> None:
    secret = new_secret()

    stored = hash_secret(secret)

    assert stored.startswith("$argon2id$")
    assert secret not in stored
    assert secret_matches(stored, secret)
    assert not secret_matches(stored, new_secret())


def test_the_same_secret_hashes_differently_each_time() -> None:
    secret = new_secret()

    assert hash_secret(secret) != hash_secret(secret)


def test_an_unknown_principal_or_a_broken_hash_never_matches() -> None:
    assert not secret_matches(None, "anything")
    assert not secret_matches("not a hash", "anything")


def test_a_generated_secret_carries_256_random_bits() -> None:
    secrets = {new_secret() for _ in range(100)}

    assert len(secrets) == 100
    assert all(len(base64.urlsafe_b64decode(s + "=")) == 32 for s in secrets)


def test_a_refresh_token_is_looked_up_by_its_sha256() -> None:
    token = new_secret()

    assert refresh_token_hash(token) == refresh_token_hash(token)
    assert len(refresh_token_hash(token)) == 64
    assert token not in refresh_token_hash(token)


# --------------------------------------------------------------------------- bindings


def test_a_terminal_is_bound_to_its_workshop_and_to_the_workshops_upt() -> None:
    kind, binding = enrolment("terminal", None, None, Binding(workshop="CLG-SPT"))

    assert kind == "client"
    assert binding == Binding(workshop="CLG-SPT", upt="CLG")


def test_a_qc_officer_is_a_person_bound_to_a_upt_with_an_officer_code() -> None:
    asked = Binding(upt="CLG", officer_code="QC-CLG-07")

    assert enrolment("qc_officer", None, "qc-clg", asked) == ("user", asked)


def test_a_channel_is_a_client_unless_its_staff_sign_in_as_people() -> None:
    asked = Binding(channel="GALERI-SERANG")

    assert enrolment("channel", None, None, asked)[0] == "client"
    assert enrolment("channel", "user", "galeri-kasir", asked)[0] == "user"


@pytest.mark.parametrize(
    ("role", "binding", "field"),
    [
        ("terminal", Binding(upt="CLG"), "workshop"),
        ("terminal", Binding(workshop="CLG-SPT", channel="EXPO-UMKM"), "channel"),
        ("qc_officer", Binding(workshop="CLG-SPT", upt="CLG"), "workshop"),
        ("upt_admin", Binding(), "upt"),
        ("channel", Binding(upt="CLG"), "channel"),
        ("kanwil_admin", Binding(upt="CLG"), "upt"),
        ("upt_admin", Binding(upt="CLG", officer_code="QC-CLG-07"), "officer_code"),
    ],
)
def test_a_role_is_bound_to_exactly_what_it_needs(role: str, binding: Binding, field: str) -> None:
    with pytest.raises(Rejected) as refused:
        check_binding(role, binding)  # type: ignore[arg-type]

    assert refused.value.field == field


def test_a_terminal_cannot_sign_in_as_a_person_nor_an_officer_as_a_machine() -> None:
    with pytest.raises(Rejected, match="client"):
        enrolment("terminal", "user", "someone", Binding(workshop="CLG-SPT"))
    with pytest.raises(Rejected, match="user"):
        enrolment("qc_officer", "client", None, Binding(upt="CLG", officer_code="QC-CLG-07"))


def test_a_person_needs_a_username() -> None:
    with pytest.raises(Rejected) as refused:
        enrolment("upt_admin", None, None, Binding(upt="CLG"))

    assert refused.value.field == "name"


# --------------------------------------------------------------------------- tokens and keys


def test_an_access_token_carries_the_registered_claims_and_the_binding() -> None:
    key = new_signing_key()
    officer = Claims(role="qc_officer", sub="qc-clg", upt="CLG", officer_code="QC-CLG-07")

    token = sign(access_claims(officer, ISSUER, NOW), key)

    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": key.kid, "typ": "JWT"}
    payload = decoded(token, key.public_jwk)
    assert payload["exp"] == int((NOW + timedelta(minutes=15)).timestamp())
    assert payload["iat"] == int(NOW.timestamp())
    assert isinstance(payload["jti"], str)
    assert len(payload["jti"]) == 32
    assert {k: payload[k] for k in ("iss", "aud", "sub", "role", "upt", "officer_code")} == {
        "iss": "http://identity.test",
        "aud": "jejak",
        "sub": "qc-clg",
        "role": "qc_officer",
        "upt": "CLG",
        "officer_code": "QC-CLG-07",
    }
    assert "workshop" not in payload
    assert "channel" not in payload


def test_every_token_has_its_own_id() -> None:
    claims = Claims(role="kanwil_admin", sub="kanwil-admin")

    assert access_claims(claims, ISSUER, NOW)["jti"] != access_claims(claims, ISSUER, NOW)["jti"]


def test_a_token_does_not_verify_with_another_key() -> None:
    token = sign(access_claims(Claims(role="terminal", sub="t"), ISSUER, NOW), new_signing_key())

    with pytest.raises(jwt.InvalidSignatureError):
        decoded(token, new_signing_key().public_jwk)


def test_a_key_is_named_by_the_thumbprint_of_its_public_half() -> None:
    key = new_signing_key()

    assert key.public_jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": key.public_jwk["x"],
        "kid": key.kid,
        "alg": "EdDSA",
        "use": "sig",
    }
    assert "d" not in key.public_jwk
    assert new_signing_key().kid != key.kid


def test_a_retired_key_stays_published_until_the_last_token_it_signed_has_expired() -> None:
    lifetime = timedelta(minutes=15)
    retired = NOW

    assert is_published(None, NOW, lifetime)
    assert is_published(retired, NOW + lifetime, lifetime)
    assert is_published(retired, NOW + lifetime + CLOCK_SKEW - timedelta(seconds=1), lifetime)
    assert not is_published(retired, NOW + lifetime + CLOCK_SKEW, lifetime)


# --------------------------------------------------------------------------- shared.identity


def test_claims_are_read_from_a_verified_payload_and_ignore_the_registered_claims() -> None:
    payload = {"iss": "x", "aud": "jejak", "sub": "terminal-clg-spt", "exp": 1, "jti": "j",
               "role": "terminal", "workshop": "CLG-SPT", "upt": "CLG"}  # fmt: skip

    claims = Claims.from_payload(payload)

    assert claims == Claims(role="terminal", sub="terminal-clg-spt", workshop="CLG-SPT", upt="CLG")
    assert claims.to_payload() == {
        "role": "terminal",
        "sub": "terminal-clg-spt",
        "workshop": "CLG-SPT",
        "upt": "CLG",
    }


@pytest.mark.parametrize(
    "payload",
    [
        {"sub": "x"},
        {"sub": "x", "role": "warden"},
        {"role": "terminal"},
        {"sub": "", "role": "terminal"},
    ],
)
def test_a_payload_without_a_known_role_or_a_subject_is_no_caller(payload: dict[str, str]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - pydantic's ValidationError is a ValueError
        Claims.from_payload(payload)


def test_claims_cannot_be_changed() -> None:
    claims = Claims(role="channel", sub="channel-expo-umkm", channel="EXPO-UMKM")

    with pytest.raises(ValidationError):
        claims.channel = "GALERI-SERANG"  # type: ignore[misc]


def test_the_development_set_has_every_terminal_channel_officer_and_administrator() -> None:
    seeded = dev_principals()

    roles = [role for role, _, _ in seeded]
    assert set(roles) == set(ROLES)
    assert roles.count("terminal") == len(DEV_WORKSHOPS) == 12
    assert roles.count("channel") == len(DEV_CHANNELS) + len(DEV_CHANNEL_STAFF) == 6
    assert roles.count("qc_officer") == roles.count("upt_admin") == len(DEV_UPTS) == 9
    assert roles.count("kanwil_admin") == 1
    officers = [binding.officer_code for role, _, binding in seeded if role == "qc_officer"]
    assert "QC-CLG-07" in officers
    for role, name, binding in seeded:
        enrolment(role, dev_kind(name), name, binding)  # every one is a valid principal


def test_the_gallery_and_the_expo_stand_have_staff_who_sign_in_as_people() -> None:
    staff = [(name, binding) for role, name, binding in dev_principals() if role == "channel"]

    assert ("staf-galeri-serang", Binding(channel="GALERI-SERANG")) in staff
    assert enrolment("channel", dev_kind("staf-galeri-serang"), "staf-galeri-serang",
                     Binding(channel="GALERI-SERANG"))[0] == "user"  # fmt: skip


def write_credentials(path: Path) -> DevCredentials:
    path.write_text(
        json.dumps(
            {
                "token_url": "http://identity.test/oauth/token",
                "principals": [
                    {"role": "terminal", "workshop": "CLG-SPT", "upt": "CLG",
                     "client_id": "terminal-clg-spt", "client_secret": "s3cret:/+"},
                    {"role": "qc_officer", "upt": "CLG", "officer_code": "QC-CLG-07",
                     "username": "qc-clg", "password": "pw"},
                ],
            }
        )
    )  # fmt: skip
    return DevCredentials.load(path)


def test_development_credentials_are_found_by_role_and_binding(tmp_path: Path) -> None:
    credentials = write_credentials(tmp_path / "credentials.json")

    assert credentials.find("terminal", workshop="CLG-SPT").client_id == "terminal-clg-spt"
    assert credentials.find("qc_officer", upt="CLG").officer_code == "QC-CLG-07"
    assert credentials.find("qc_officer").token_url == "http://identity.test/oauth/token"
    with pytest.raises(LookupError, match="no terminal workshop=SRG-JHM"):
        credentials.find("terminal", workshop="SRG-JHM")


def test_a_machine_fetches_its_token_with_http_basic_and_a_person_with_a_password(
    tmp_path: Path,
) -> None:
    credentials = write_credentials(tmp_path / "credentials.json")
    asked: list[httpx.Request] = []

    def issuer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200, json={"access_token": f"token-{len(asked)}"})

    with httpx.Client(transport=httpx.MockTransport(issuer)) as client:
        machine = fetch_token(credentials.find("terminal"), client=client)
        person = fetch_token(credentials.find("qc_officer"), client=client)

    assert (machine, person) == ("token-1", "token-2")
    assert str(asked[0].url) == "http://identity.test/oauth/token"
    basic = base64.b64decode(asked[0].headers["authorization"].removeprefix("Basic "))
    assert basic == b"terminal-clg-spt:s3cret%3A%2F%2B"  # RFC 6749 2.3.1: form-encoded first
    assert asked[0].content == b"grant_type=client_credentials"
    assert asked[1].content == b"grant_type=password&username=qc-clg&password=pw"
    assert "authorization" not in asked[1].headers


def test_a_refused_token_request_raises(tmp_path: Path) -> None:
    credentials = write_credentials(tmp_path / "credentials.json")
    refuse = httpx.MockTransport(lambda _: httpx.Response(401, json={"error": "invalid_client"}))

    with httpx.Client(transport=refuse) as client, pytest.raises(httpx.HTTPStatusError):
        fetch_token(credentials.find("terminal"), client=client)
