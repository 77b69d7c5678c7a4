"""Where a service finds its own database, and how its consumer is named; where the `jejak`
command finds Redis and the services."""

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jejak.cli import app, service_urls
from shared.db import ensure_database
from shared.settings import EMBEDDED_REDIS_PORT, SERVICE_PORTS, Settings


@pytest.fixture(autouse=True)
def no_database_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "JEJAK_SERVICE", "INVENTORY_DATABASE_URL", "SALES_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def settings(service: str, data_dir: Path) -> Settings:
    return Settings().model_copy(update={"service": service, "data_dir": data_dir})


def test_without_a_database_server_each_service_gets_its_own_sqlite_file(tmp_path: Path) -> None:
    inventory = settings("inventory", tmp_path).service_database_url()
    sales = settings("sales", tmp_path).service_database_url()

    assert inventory == f"sqlite+aiosqlite:///{tmp_path}/inventory.db"
    assert sales == f"sqlite+aiosqlite:///{tmp_path}/sales.db"


def test_reading_the_settings_creates_no_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "not" / "yet"

    settings("trace", data_dir).service_database_url()

    assert not data_dir.exists()


async def test_the_sqlite_directory_is_created_when_the_database_is_prepared(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "not" / "yet"

    await ensure_database(settings("trace", data_dir).service_database_url())

    assert data_dir.is_dir()


def test_a_sqlite_database_url_gets_one_file_per_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/jejak.db")

    url = Settings().model_copy(update={"service": "sales"}).service_database_url()

    assert url == f"sqlite+aiosqlite:///{tmp_path}/jejak_sales.db"


def test_on_a_database_server_each_service_gets_its_own_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/jejak")

    url = settings("inventory", tmp_path).service_database_url()

    assert url == "postgresql+asyncpg://postgres@127.0.0.1:5432/jejak_inventory"


def test_a_password_in_the_server_url_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://jejak:s3cret@db:5432/jejak")

    url = settings("sales", tmp_path).service_database_url()

    assert url == "postgresql+asyncpg://jejak:s3cret@db:5432/jejak_sales"


def test_a_per_service_database_url_wins_over_the_shared_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/jejak")
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "postgresql://stock@10.0.0.7:5433/gudang")

    assert (
        settings("inventory", tmp_path).service_database_url()
        == "postgresql+asyncpg://stock@10.0.0.7:5433/gudang"
    )
    assert (
        settings("sales", tmp_path).service_database_url()
        == "postgresql+asyncpg://postgres@127.0.0.1:5432/jejak_sales"
    )


def test_the_consumer_name_is_unique_per_process() -> None:
    inventory = Settings().model_copy(update={"service": "inventory"})

    assert inventory.consumer_name.startswith("inventory-")
    assert inventory.consumer_name.endswith(f"-{os.getpid()}")
    assert Settings().model_copy(update={"service": "sales"}).consumer_name != (
        inventory.consumer_name
    )


def test_the_consumer_group_is_the_service_within_its_namespace() -> None:
    trace = Settings().model_copy(update={"service": "trace", "namespace": "t1234"})

    assert trace.group == "t1234.trace"


def test_a_server_url_without_a_database_name_gets_jejak_per_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@db:5432")

    url = settings("trace", tmp_path).service_database_url()

    assert url == "postgresql+asyncpg://postgres@db:5432/jejak_trace"


def test_settings_copied_for_another_service_name_the_consumer_after_it() -> None:
    production = Settings().model_copy(update={"service": "production"})
    assert production.consumer_name.startswith("production-")

    sales = production.model_copy(update={"service": "sales"})

    assert sales.consumer_name.startswith("sales-")


def test_redis_is_embedded_unless_redis_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert Settings().embedded_redis

    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/1")
    configured = Settings()

    assert not configured.embedded_redis
    assert configured.redis_url == "redis://cache:6379/1"


def test_a_variable_set_to_nothing_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("DATABASE_URL", "")

    settings = Settings()

    assert settings.embedded_redis
    assert settings.redis_url == f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"
    assert settings.database_url is None


def test_the_demo_finds_each_service_on_this_machine_at_its_port_plus_the_offset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in SERVICE_PORTS:
        monkeypatch.delenv(f"JEJAK_{name.upper()}_URL", raising=False)

    urls = service_urls(Settings(), port_offset=100)

    assert urls == {
        "console": "http://127.0.0.1:8100",
        "production": "http://127.0.0.1:8101",
        "quality": "http://127.0.0.1:8102",
        "inventory": "http://127.0.0.1:8103",
        "sales": "http://127.0.0.1:8104",
        "trace": "http://127.0.0.1:8105",
        "identity": "http://127.0.0.1:8106",
    }


def test_a_service_url_in_the_environment_wins_over_the_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JEJAK_TRACE_URL", "https://trace.example.org")
    monkeypatch.delenv("JEJAK_SALES_URL", raising=False)

    urls = service_urls(Settings(), port_offset=100)

    assert urls["trace"] == "https://trace.example.org"
    assert urls["sales"] == "http://127.0.0.1:8104"


def test_a_jejak_command_with_a_bad_setting_names_it_and_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JEJAK_NAMESPACE", "Not A Namespace")

    result = CliRunner().invoke(app, ["streams"])

    assert result.exit_code == 2
    assert "Bad configuration" in result.output
    assert "JEJAK_NAMESPACE" in result.output


def test_a_reservation_lives_a_day_and_expiry_looks_every_minute_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JEJAK_RESERVATION_TTL_S", raising=False)
    monkeypatch.delenv("JEJAK_EXPIRY_INTERVAL_S", raising=False)
    defaults = Settings()

    monkeypatch.setenv("JEJAK_RESERVATION_TTL_S", "900")
    monkeypatch.setenv("JEJAK_EXPIRY_INTERVAL_S", "0.5")
    configured = Settings()

    assert (defaults.reservation_ttl_s, defaults.expiry_interval_s) == (86_400, 60)
    assert (configured.reservation_ttl_s, configured.expiry_interval_s) == (900, 0.5)


@pytest.mark.parametrize("name", ["JEJAK_RESERVATION_TTL_S", "JEJAK_EXPIRY_INTERVAL_S"])
def test_a_reservation_lifetime_or_expiry_interval_of_zero_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "0")

    with pytest.raises(ValueError, match=name):
        Settings()
