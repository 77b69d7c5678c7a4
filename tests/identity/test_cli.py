"""`jejak identity` against a real identity process started by the launcher, which tells it
its issuer URL and has it seed the development principals."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from typer.testing import CliRunner

from jejak.cli import app
from jejak.launcher import ServiceSet, free_ports
from jejak.migrate_cli import migrate_service_set
from shared.identity import DevCredentials, fetch_token
from tests.backend import Backend


@pytest.fixture(scope="module")
def started(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The data directory of an identity process run by the launcher (a SQLite file there)."""
    data_dir = tmp_path_factory.mktemp("identity-cli")
    env = {**backend.system_env(data_dir, "identity-cli"), "DATABASE_URL": ""}
    ports = free_ports(["identity"])
    services = ServiceSet(env, names=["identity"], ports=ports, log_dir=data_dir / "logs")
    migrate_service_set(services)
    with services:
        yield data_dir


@pytest.fixture(scope="module")
def identity_process(started: Path) -> str:
    return DevCredentials.load(started / "credentials.json").token_url.removesuffix("/oauth/token")


@pytest.fixture(scope="module")
def credentials(started: Path) -> Path:
    return started / "credentials.json"


def jejak(*args: str) -> str:
    result = CliRunner().invoke(app, ["identity", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_launcher_gives_identity_its_own_url_as_the_issuer(
    identity_process: str, credentials: Path
) -> None:
    discovery = httpx.get(f"{identity_process}/.well-known/openid-configuration").json()
    token = fetch_token(DevCredentials.load(credentials).find("terminal", workshop="CLG-SPT"))

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", identity_process)
    assert discovery["issuer"] == identity_process
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == identity_process


def test_an_operator_adds_a_terminal_that_can_sign_in_then_revokes_it(
    identity_process: str, credentials: Path
) -> None:
    shown = jejak("add-terminal", "SRG-JHM", "--credentials", str(credentials))
    as_json = jejak("add-terminal", "SRG-JHM", "--json", "--credentials", str(credentials))
    added = json.loads(as_json)

    assert re.search(r"client secret \(shown once, store it now\): \S{43}$", shown.strip())
    assert "terminal-srg-jhm-2" in shown
    assert added["client_id"] == "terminal-srg-jhm-3"
    client = (added["client_id"], added["client_secret"])
    form = {"grant_type": "client_credentials"}
    assert httpx.post(f"{identity_process}/oauth/token", data=form, auth=client).is_success
    listed = jejak("list", "--credentials", str(credentials))
    assert "terminal-srg-jhm-3" in listed
    assert added["client_secret"] not in listed
    revoked = jejak("revoke", "terminal-srg-jhm-3", "--credentials", str(credentials))
    assert "terminal-srg-jhm-3" in revoked
    refused = httpx.post(f"{identity_process}/oauth/token", data=form, auth=client)
    assert refused.status_code == 401


def test_an_operator_adds_an_officer_and_a_channel_client_and_rotates_the_key(
    identity_process: str, credentials: Path
) -> None:
    officer = json.loads(
        jejak(
            "add-user", "qc-srg-2", "--role", "qc_officer", "--upt", "SRG", "--json",
            "--credentials", str(credentials),
        )
    )  # fmt: skip
    channel = jejak("add-channel-client", "EXPO-UMKM", "--json", "--credentials", str(credentials))
    revoked = jejak("revoke", officer["id"], "--credentials", str(credentials))
    # Last: right after a rotation the service's own verifier may not know the new key yet.
    rotated = jejak("rotate-key", "--credentials", str(credentials))

    assert (officer["username"], officer["officer_code"]) == ("qc-srg-2", "QC-SRG-01")
    assert officer["password"]
    assert json.loads(channel)["client_id"] == "channel-expo-umkm-2"
    assert "qc-srg-2" in revoked
    assert "retired:" in rotated
    keys = httpx.get(f"{identity_process}/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 2


def test_without_credentials_the_command_says_what_to_give(
    identity_process: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app, ["identity", "list", "--credentials", str(tmp_path / "none.json")]
    )

    assert result.exit_code == 1
    assert "--token" in result.output
