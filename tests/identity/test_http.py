"""The identity service over HTTP: tokens per grant, verifiable with its published keys; RFC
6749 errors; refresh rotation; revocation; key rotation with overlapping keys; administration
by a Kanwil administrator only; the development seed and its credentials file."""

import asyncio
import json
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from sqlalchemy import update

from services.identity.db import SigningKeyRow
from shared.migrations import migrate
from tests.backend import Backend
from tests.identity.harness import ISSUER, Identity, identity_settings, running_identity

# --------------------------------------------------------------------------- grants


async def test_a_terminal_gets_a_token_with_client_credentials_that_the_jwks_verifies(
    identity: Identity,
) -> None:
    terminal = identity.credentials.find("terminal", workshop="CLG-SPT")
    assert terminal.client_id
    assert terminal.client_secret

    response = await identity.token(
        {"grant_type": "client_credentials"}, auth=(terminal.client_id, terminal.client_secret)
    )

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    answer = response.json()
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 15 * 60
    assert "refresh_token" not in answer
    claims = await identity.verify(answer["access_token"])
    assert claims["iss"] == ISSUER
    assert claims["aud"] == "jejak"
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert {k: claims.get(k) for k in ("sub", "role", "workshop", "upt", "channel")} == {
        "sub": "terminal-clg-spt",
        "role": "terminal",
        "workshop": "CLG-SPT",
        "upt": "CLG",
        "channel": None,
    }


async def test_a_client_may_send_its_credentials_in_the_form(identity: Identity) -> None:
    channel = identity.credentials.find("channel", channel="GALERI-SERANG")
    assert channel.client_id
    assert channel.client_secret

    response = await identity.token(
        {
            "grant_type": "client_credentials",
            "client_id": channel.client_id,
            "client_secret": channel.client_secret,
        }
    )

    claims = await identity.verify(response.json()["access_token"])
    assert (claims["role"], claims["channel"]) == ("channel", "GALERI-SERANG")


async def test_a_qc_officer_signs_in_with_a_password_and_gets_a_refresh_token(
    identity: Identity,
) -> None:
    officer = identity.credentials.find("qc_officer", upt="CLG")

    answer = await identity.sign_in(officer)

    assert answer["refresh_token"]
    claims = await identity.verify(answer["access_token"])
    assert (claims["sub"], claims["role"], claims["upt"], claims["officer_code"]) == (
        "qc-clg",
        "qc_officer",
        "CLG",
        "QC-CLG-07",
    )
    assert "workshop" not in claims


async def test_a_wrong_client_secret_is_an_invalid_client_with_www_authenticate(
    identity: Identity,
) -> None:
    terminal = identity.credentials.find("terminal", workshop="CLG-SPT")
    assert terminal.client_id

    response = await identity.token(
        {"grant_type": "client_credentials"}, auth=(terminal.client_id, "not-the-secret")
    )

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.json()["error"] == "invalid_client"


async def test_an_unknown_client_is_refused_like_a_wrong_secret(identity: Identity) -> None:
    response = await identity.token(
        {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"}
    )

    assert response.status_code == 401
    answer = response.json()
    assert {name: answer[name] for name in ("error", "error_description")} == {
        "error": "invalid_client",
        "error_description": "client authentication failed: unknown or revoked, or wrong secret",
    }
    assert (answer["status"], answer["instance"]) == (401, "/oauth/token")  # a problem too


async def test_a_wrong_password_is_an_invalid_grant(identity: Identity) -> None:
    response = await identity.token(
        {"grant_type": "password", "username": "qc-clg", "password": "guess"}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_a_machine_cannot_use_the_password_grant(identity: Identity) -> None:
    terminal = identity.credentials.find("terminal", workshop="CLG-SPT")
    assert terminal.client_id
    assert terminal.client_secret

    response = await identity.token(
        {
            "grant_type": "password",
            "username": terminal.client_id,
            "password": terminal.client_secret,
        }
    )

    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
        ({"grant_type": "password", "username": "qc-clg"}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
    ],
)
async def test_a_malformed_token_request_gets_the_rfc_6749_error(
    identity: Identity, form: dict[str, str], error: str
) -> None:
    response = await identity.token(form)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


async def test_a_json_body_is_not_a_token_request(identity: Identity) -> None:
    response = await identity.http.post("/oauth/token", json={"grant_type": "password"})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


# --------------------------------------------------------------------------- refresh


async def test_a_refresh_token_is_good_once_and_is_replaced_by_a_new_one(
    identity: Identity,
) -> None:
    first = await identity.sign_in(identity.credentials.find("upt_admin", upt="SRG"))
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}

    second = await identity.token(refresh)
    again = await identity.token(refresh)

    assert second.status_code == 200
    assert second.json()["refresh_token"] not in (None, first["refresh_token"])
    claims = await identity.verify(second.json()["access_token"])
    assert (claims["sub"], claims["role"], claims["upt"]) == ("admin-srg", "upt_admin", "SRG")
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    third = await identity.token(
        {"grant_type": "refresh_token", "refresh_token": second.json()["refresh_token"]}
    )
    assert third.status_code == 400  # the first one's reuse revoked its family: this one too


async def test_an_unknown_refresh_token_is_an_invalid_grant(identity: Identity) -> None:
    response = await identity.token({"grant_type": "refresh_token", "refresh_token": "made-up"})

    assert response.json()["error"] == "invalid_grant"


async def test_signing_out_revokes_the_refresh_token_and_every_other_of_its_sign_in(
    identity: Identity,
) -> None:
    first = await identity.sign_in(identity.credentials.find("upt_admin", upt="SRG"))
    second = await identity.token(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    other = await identity.sign_in(identity.credentials.find("upt_admin", upt="SRG"))

    revoked = await identity.http.post(
        "/oauth/revoke", data={"token": second.json()["refresh_token"]}
    )

    assert revoked.status_code == 200
    assert revoked.headers["cache-control"] == "no-store"
    after = await identity.token(
        {"grant_type": "refresh_token", "refresh_token": second.json()["refresh_token"]}
    )
    assert after.json()["error"] == "invalid_grant"
    still = await identity.token(
        {"grant_type": "refresh_token", "refresh_token": other["refresh_token"]}
    )
    assert still.status_code == 200, "another sign-in of the same person is not ended"


async def test_revoking_an_unknown_token_answers_200_and_no_token_is_a_bad_request(
    identity: Identity,
) -> None:
    unknown = await identity.http.post("/oauth/revoke", data={"token": "made-up"})
    missing = await identity.http.post("/oauth/revoke", data={})

    assert unknown.status_code == 200  # RFC 7009 §2.2: nobody learns whether a token exists
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    discovery = (await identity.http.get("/.well-known/openid-configuration")).json()
    assert discovery["revocation_endpoint"] == f"{ISSUER}/oauth/revoke"


# --------------------------------------------------------------------------- revocation


async def test_a_revoked_principal_gets_no_token_and_no_refresh(identity: Identity) -> None:
    officer = identity.credentials.find("qc_officer", upt="PDG")
    terminal = identity.credentials.find("terminal", workshop="PDG-RJT")
    assert terminal.client_id
    assert terminal.client_secret
    signed_in = await identity.sign_in(officer)
    admin = await identity.bearer()
    listed = (await identity.http.get("/principals", headers=admin)).json()["items"]
    ids = {p["client_id"] or p["username"]: p["id"] for p in listed}

    for name in ("qc-pdg", "terminal-pdg-rjt"):
        revoked = await identity.http.post(f"/principals/{ids[name]}/revoke", headers=admin)
        assert revoked.status_code == 200
        assert revoked.json()["revoked_at"] is not None

    password = {"grant_type": "password", "username": "qc-pdg", "password": officer.password}
    refresh = {"grant_type": "refresh_token", "refresh_token": signed_in["refresh_token"]}
    client = {"grant_type": "client_credentials"}
    assert (await identity.token(password)).json()["error"] == "invalid_grant"  # type: ignore[arg-type]
    assert (await identity.token(refresh)).json()["error"] == "invalid_grant"
    machine = await identity.token(client, auth=(terminal.client_id, terminal.client_secret))
    assert (machine.status_code, machine.json()["error"]) == (401, "invalid_client")


# --------------------------------------------------------------------------- keys


async def test_the_discovery_document_names_the_token_endpoint_and_the_keys(
    identity: Identity,
) -> None:
    document = (await identity.http.get("/.well-known/openid-configuration")).json()

    assert document["issuer"] == ISSUER
    assert document["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert document["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert set(document["grant_types_supported"]) == {
        "client_credentials",
        "password",
        "refresh_token",
    }
    assert document["id_token_signing_alg_values_supported"] == ["EdDSA"]
    assert "client_secret_basic" in document["token_endpoint_auth_methods_supported"]


async def test_the_jwks_publishes_only_public_keys(identity: Identity) -> None:
    [key] = (await identity.http.get("/.well-known/jwks.json")).json()["keys"]

    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert "d" not in key


async def test_a_token_signed_before_a_key_rotation_still_verifies_with_the_published_jwks(
    identity: Identity,
) -> None:
    before = (await identity.sign_in(identity.credentials.find("kanwil_admin")))["access_token"]

    rotated = await identity.http.post("/keys/rotate", headers=await identity.bearer())

    assert rotated.status_code == 200
    old_kid = jwt.get_unverified_header(before)["kid"]
    assert rotated.json()["retired"] == [old_kid]
    after = (await identity.sign_in(identity.credentials.find("kanwil_admin")))["access_token"]
    assert jwt.get_unverified_header(after)["kid"] == rotated.json()["kid"] != old_kid
    keys = (await identity.http.get("/.well-known/jwks.json")).json()["keys"]
    assert {key["kid"] for key in keys} == {old_kid, rotated.json()["kid"]}
    assert (await identity.verify(before))["sub"] == "kanwil-admin"
    assert (await identity.verify(after))["sub"] == "kanwil-admin"


async def test_a_retired_key_leaves_the_jwks_once_its_tokens_have_expired(
    identity: Identity,
) -> None:
    before = (await identity.sign_in(identity.credentials.find("kanwil_admin")))["access_token"]
    await identity.http.post("/keys/rotate", headers=await identity.bearer())
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    async with identity.app.state.runtime.db.transaction() as session:
        await session.execute(
            update(SigningKeyRow)
            .where(SigningKeyRow.retired_at.is_not(None))
            .values(retired_at=long_ago)
        )

    keys = (await identity.http.get("/.well-known/jwks.json")).json()["keys"]

    assert jwt.get_unverified_header(before)["kid"] not in {key["kid"] for key in keys}
    assert len(keys) == 1
    with pytest.raises(jwt.InvalidKeyError):
        await identity.verify(before)


# --------------------------------------------------------------------------- administration


async def test_principals_are_listed_without_any_secret(identity: Identity) -> None:
    response = await identity.http.get("/principals", headers=await identity.bearer())

    assert response.status_code == 200
    page = response.json()
    listed = page["items"]
    assert len(listed) == page["total"] == 12 + 4 + 2 + 9 + 9 + 1  # 2: channels' staff
    text = response.text
    for entry in identity.credentials.principals:
        assert (entry.client_secret or entry.password or "-") not in text
    assert not {"client_secret", "password", "secret_hash"} & set().union(*listed)
    assert "argon2" not in text


async def test_a_kanwil_admin_adds_a_terminal_whose_secret_is_shown_once_and_works(
    identity: Identity,
) -> None:
    admin = await identity.bearer()

    response = await identity.http.post(
        "/principals", json={"role": "terminal", "workshop": "CLG-SPT"}, headers=admin
    )

    assert response.status_code == 201
    added = response.json()
    assert added["client_id"] == "terminal-clg-spt-2"  # the seeded one has the plain name
    assert (added["workshop"], added["upt"], added["password"]) == ("CLG-SPT", "CLG", None)
    secret = added["client_secret"]
    token = await identity.token(
        {"grant_type": "client_credentials"}, auth=(added["client_id"], secret)
    )
    assert (await identity.verify(token.json()["access_token"]))["workshop"] == "CLG-SPT"
    listed = await identity.http.get("/principals", headers=admin)
    assert secret not in listed.text


async def test_a_new_qc_officer_gets_the_first_free_officer_code_of_the_upt(
    identity: Identity,
) -> None:
    admin = await identity.bearer()
    body = {"role": "qc_officer", "name": "qc-clg-2", "upt": "CLG"}

    added = (await identity.http.post("/principals", json=body, headers=admin)).json()
    taken = await identity.http.post(
        "/principals",
        json={**body, "name": "qc-clg-3", "officer_code": "QC-CLG-07"},
        headers=admin,
    )

    assert (added["username"], added["officer_code"]) == ("qc-clg-2", "QC-CLG-01")
    assert added["password"]
    assert taken.status_code == 409


async def test_a_principal_bound_wrongly_is_refused_naming_the_field(identity: Identity) -> None:
    response = await identity.http.post(
        "/principals",
        json={"role": "upt_admin", "name": "admin-x", "workshop": "CLG-SPT", "upt": "CLG"},
        headers=await identity.bearer(),
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["status"], response.json()["field"]) == (422, "workshop")


async def test_a_taken_username_is_a_conflict(identity: Identity) -> None:
    response = await identity.http.post(
        "/principals",
        json={"role": "upt_admin", "name": "admin-clg", "upt": "CLG"},
        headers=await identity.bearer(),
    )

    assert response.status_code == 409


async def test_only_a_kanwil_admin_administers_principals_and_keys(identity: Identity) -> None:
    upt_admin = await identity.bearer("upt_admin", upt="CLG")
    terminal = await identity.bearer("terminal", workshop="CLG-SPT")
    body = {"role": "kanwil_admin", "name": "me-too"}

    assert (await identity.http.get("/principals")).status_code == 401
    assert (await identity.http.get("/principals", headers=upt_admin)).status_code == 403
    assert (await identity.http.post("/principals", json=body, headers=terminal)).status_code == 403
    assert (await identity.http.post("/keys/rotate", headers=upt_admin)).status_code == 403
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await identity.http.get("/principals", headers=bad)).status_code == 401


# --------------------------------------------------------------------------- the seed


async def test_the_development_seed_writes_credentials_only_their_owner_can_read(
    identity: Identity,
) -> None:
    path = identity.settings.data_dir / "credentials.json"

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert document["token_url"] == f"{ISSUER}/oauth/token"
    terminal = next(p for p in document["principals"] if p.get("workshop") == "CLG-SPT")
    assert set(terminal) == {"role", "workshop", "upt", "client_id", "client_secret"}
    officer = next(p for p in document["principals"] if p["role"] == "qc_officer")
    assert set(officer) == {"role", "upt", "officer_code", "username", "password"}
    kanwil = next(p for p in document["principals"] if p["role"] == "kanwil_admin")
    assert set(kanwil) == {"role", "username", "password"}


async def test_the_seed_runs_once_and_keeps_the_signing_key_across_restarts(
    backend: Backend, tmp_path: Path
) -> None:
    settings = identity_settings(backend, tmp_path)
    async with running_identity(settings) as first:
        written = first.credentials
        token = (await first.sign_in(written.find("kanwil_admin")))["access_token"]

    async with running_identity(settings) as again:
        assert again.credentials == written
        assert (await again.verify(token))["sub"] == "kanwil-admin"
        listed = await again.http.get("/principals", headers=await again.bearer())
        assert listed.json()["total"] == 37  # with the gallery's and the expo stand's staff


async def test_without_the_development_seed_only_a_first_kanwil_admin_is_created(
    backend: Backend, tmp_path: Path
) -> None:
    settings = identity_settings(backend, tmp_path, seed_dev_principals=False)

    async with running_identity(settings) as identity:
        [admin] = identity.credentials.principals
        listed = await identity.http.get("/principals", headers=await identity.bearer())

    assert (admin.role, admin.username) == ("kanwil_admin", "kanwil-admin")
    assert [p["username"] for p in listed.json()["items"]] == ["kanwil-admin"]


# --------------------------------------------------------------------------- issue 17


async def principal_ids(identity: Identity, admin: dict[str, str]) -> dict[str, str]:
    listed = (await identity.http.get("/principals?limit=500", headers=admin)).json()["items"]
    return {p["client_id"] or p["username"]: p["id"] for p in listed}


async def test_the_last_active_kanwil_admin_cannot_be_revoked(identity: Identity) -> None:
    admin = await identity.bearer()
    first = (await principal_ids(identity, admin))["kanwil-admin"]

    alone = await identity.http.post(f"/principals/{first}/revoke", headers=admin)
    added = await identity.http.post(
        "/principals", json={"role": "kanwil_admin", "name": "kanwil-2"}, headers=admin
    )
    second = added.json()["id"]
    with_another = await identity.http.post(f"/principals/{first}/revoke", headers=admin)
    last_again = await identity.http.post(f"/principals/{second}/revoke", headers=admin)

    assert alone.status_code == 409
    assert alone.json()["field"] == "principal_id"
    assert "last active kanwil_admin" in alone.json()["detail"]
    assert with_another.status_code == 200
    assert last_again.status_code == 409
    listed = (await identity.http.get("/principals?limit=500", headers=admin)).json()["items"]
    assert [p["username"] for p in listed if p["role"] == "kanwil_admin" and not p["revoked_at"]]


async def test_a_reused_refresh_token_revokes_every_refresh_token_of_its_sign_in(
    identity: Identity,
) -> None:
    admin = identity.credentials.find("upt_admin", upt="CLG")
    signed_in = await identity.sign_in(admin)
    elsewhere = await identity.sign_in(admin)  # another sign-in: another family
    first = signed_in["refresh_token"]
    second = await identity.token({"grant_type": "refresh_token", "refresh_token": first})
    third = await identity.token(
        {"grant_type": "refresh_token", "refresh_token": second.json()["refresh_token"]}
    )
    live = third.json()["refresh_token"]

    reused = await identity.token({"grant_type": "refresh_token", "refresh_token": first})
    after = await identity.token({"grant_type": "refresh_token", "refresh_token": live})
    other = await identity.token(
        {"grant_type": "refresh_token", "refresh_token": elsewhere["refresh_token"]}
    )

    assert (second.status_code, third.status_code) == (200, 200)
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    assert (after.status_code, after.json()["error"]) == (400, "invalid_grant")  # the family
    assert other.status_code == 200  # another sign-in's tokens are not the thief's
    # The access tokens the family gave are not revoked: they expire within their lifetime.
    assert (await identity.verify(third.json()["access_token"]))["sub"] == "admin-clg"


async def test_a_revoked_account_is_refused_as_a_wrong_password_is(identity: Identity) -> None:
    admin = await identity.bearer()
    ids = await principal_ids(identity, admin)
    officer = identity.credentials.find("qc_officer", upt="PDG")
    terminal = identity.credentials.find("terminal", workshop="PDG-RJT")
    assert officer.password
    assert terminal.client_id
    for name in ("qc-pdg", "terminal-pdg-rjt"):
        await identity.http.post(f"/principals/{ids[name]}/revoke", headers=admin)

    def person(password: str) -> dict[str, str]:
        return {"grant_type": "password", "username": "qc-pdg", "password": password}

    right_password = await identity.token(person(officer.password))
    wrong_password = await identity.token(person("guess"))
    client = {"grant_type": "client_credentials"}
    right_secret = await identity.token(client, auth=(terminal.client_id, terminal.client_secret))
    wrong_secret = await identity.token(client, auth=(terminal.client_id, "guess"))

    assert right_password.status_code == wrong_password.status_code == 400
    assert right_password.json() == wrong_password.json()
    assert right_secret.status_code == wrong_secret.status_code == 401
    assert right_secret.json() == wrong_secret.json()


async def test_the_database_holding_the_signing_key_is_readable_by_its_owner_only(
    backend: Backend, tmp_path: Path
) -> None:
    settings = identity_settings(backend, tmp_path)
    await migrate("identity", settings.service_database_url())  # as `jejak migrate` makes it

    async with running_identity(settings) as identity:
        await identity.sign_in(identity.credentials.find("kanwil_admin"))  # a write: the WAL
        modes = file_modes(tmp_path)

    assert {"identity.db", "identity.db-wal", "credentials.json"} <= set(modes)
    assert modes == dict.fromkeys(modes, 0o600)


def file_modes(folder: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir() if p.is_file()}


async def test_two_kanwil_admins_revoking_each_other_at_once_leave_one_of_them(
    backend: Backend, tmp_path: Path
) -> None:
    # On the run's PostgreSQL when it has one: there the two transactions really overlap.
    server = backend.system_env(tmp_path, f"id-{uuid.uuid4().hex[:6]}").get("DATABASE_URL")
    settings = identity_settings(backend, tmp_path, database_url=server)
    async with running_identity(settings) as identity:
        first = await identity.bearer()
        body = {"role": "kanwil_admin", "name": "kanwil-2"}
        added = (await identity.http.post("/principals", json=body, headers=first)).json()
        signed_in = await identity.token(
            {"grant_type": "password", "username": "kanwil-2", "password": added["password"]}
        )
        second = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        ids = await principal_ids(identity, first)

        answers = await asyncio.gather(
            identity.http.post(f"/principals/{ids['kanwil-2']}/revoke", headers=first),
            identity.http.post(f"/principals/{ids['kanwil-admin']}/revoke", headers=second),
        )

    assert sorted(answer.status_code for answer in answers) == [200, 409]


async def test_one_principal_is_read_by_its_id_without_its_secret(identity: Identity) -> None:
    admin = await identity.bearer()
    ids = await principal_ids(identity, admin)

    found = await identity.http.get(f"/principals/{ids['kanwil-admin']}", headers=admin)
    unknown = await identity.http.get(f"/principals/{uuid.uuid4()}", headers=admin)
    as_officer = await identity.http.get(
        f"/principals/{ids['kanwil-admin']}", headers=await identity.bearer("qc_officer", upt="CLG")
    )

    assert found.status_code == 200
    assert (found.json()["username"], found.json()["role"]) == ("kanwil-admin", "kanwil_admin")
    assert not {"client_secret", "password", "secret_hash"} & set(found.json())
    assert unknown.status_code == 404
    assert as_officer.status_code == 403
