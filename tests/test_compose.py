"""compose.yaml deploys every service: one container each, from the one Dockerfile, healthy."""

import re
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
def test_service_reaches_redis_and_postgres_by_their_compose_names(name: str) -> None:
    env = environment(container(name))
    assert "REDIS_URL" not in env, "a service's Redis URL comes from its own secrets file"
    assert container(name)["env_file"] == [f"secrets/redis/{name}.env"]
    assert re.match(r"^postgresql://[^@]+@postgres:5432/\w+$", env["DATABASE_URL"])
    assert env["JEJAK_PUBLIC_BASE_URL"]


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


def test_redis_loads_the_users_and_keeps_the_default_user_behind_a_password() -> None:
    redis = SERVICES["redis"]
    words = command_words(redis["command"])
    acl_file = words[words.index("--aclfile") + 1]
    assert any(str(volume).endswith(f":{acl_file}:ro") for volume in redis["volumes"])
    assert redis["env_file"] == ["secrets/redis/admin.env"]
    assert "REDIS_ADMIN_PASSWORD" in health_test(redis)
