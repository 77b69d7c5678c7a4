"""Where a service finds its own database, and how its consumer is named."""

import os
from pathlib import Path

import pytest

from shared.db import ensure_database
from shared.settings import Settings


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
