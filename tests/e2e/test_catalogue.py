"""The catalogue as master data, end to end: a Kanwil administrator adds a product with
`jejak catalogue import` (the real command, against the running system), a workshop makes it,
QC signs it off and the marketplace sells it; the export round-trips as CSV and as XLSX."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from redis import Redis

from jejak.demo import Jejak, produce, sell, sign_off, wait_for, wait_for_stock
from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL
from services.production.master import ProductSpec
from shared import tabular
from shared.contracts import ProductChanged
from shared.delivery.entries import DATA_FIELD

JEJAK = Path(sys.executable).parent / "jejak"
CHAIR = "KYU-KRS-JTI"
HEADER = (
    "sku,name,upt_code,family,tracking,unit_of_measure,price_idr,gtin,shelf_life_days,"
    "food_permit,active"
)
CHAIR_ROW = f"{CHAIR},Kursi jati,CLG,KYU,unit,unit,750000,,,,true"


def jejak(system: ServiceSet, *args: str) -> subprocess.CompletedProcess[str]:
    """`jejak` as an administrator runs it: the system's credentials file, production's URL."""
    env = {
        **os.environ,
        **system.env,
        "JEJAK_PRODUCTION_URL": system.urls["production"],
        "COLUMNS": "200",  # rich wraps error lines at the terminal's width
    }
    return subprocess.run(
        [str(JEJAK), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def product(api: Jejak, sku: str) -> Any | None:
    return api.try_get("production", f"/catalogue/products/{sku}", as_=KANWIL)


def announced(system: ServiceSet, sku: str) -> list[ProductChanged]:
    stream = ProductChanged.stream(system.env["JEJAK_NAMESPACE"])
    with Redis.from_url(system.env["REDIS_URL"]) as redis:
        entries = redis.xrange(stream)
    events = [
        ProductChanged.model_validate(orjson.loads(fields[DATA_FIELD])) for _, fields in entries
    ]
    return [event for event in events if event.sku == sku]


@pytest.fixture(scope="module")
def chairs_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("catalogue") / "x.csv"
    path.write_text(f"{HEADER}\n{CHAIR_ROW}\n", encoding="utf-8")
    return path


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_row(
    system: ServiceSet, api: Jejak, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"{HEADER}\n"
        f"{CHAIR_ROW}\n"
        "kyu-bad,Kursi,CLG,KYU,unit,unit,1,,,,true\n"  # row 3: the SKU's pattern
        "KYU-KRS-JT2,Kursi,XXX,KYU,unit,unit,1,,,,true\n",  # row 4: production knows no XXX
        encoding="utf-8",
    )
    local = jejak(system, "catalogue", "import", "products", str(bad))
    assert local.returncode == 1
    assert "row 3, sku" in local.stderr
    assert "nothing imported" in local.stderr

    bad.write_text(f"{HEADER}\n{CHAIR_ROW}\nKYU-KRS-JT2,Kursi,XXX,KYU,unit,unit,1,,,,true\n")
    server = jejak(system, "catalogue", "import", "products", str(bad))
    assert server.returncode == 1
    assert "row 3, upt_code: unknown UPT 'XXX'" in server.stderr
    assert product(api, CHAIR) is None  # the good row was not written either


def test_a_dry_run_counts_and_writes_nothing(
    system: ServiceSet, api: Jejak, chairs_file: Path
) -> None:
    dry = jejak(system, "catalogue", "import", "products", str(chairs_file), "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert "1 would be added" in dry.stdout
    assert product(api, CHAIR) is None


def test_a_product_imported_from_a_file_is_made_signed_off_and_sold(
    system: ServiceSet, api: Jejak, chairs_file: Path
) -> None:
    imported = jejak(system, "catalogue", "import", "products", str(chairs_file))
    again = jejak(system, "catalogue", "import", "products", str(chairs_file))

    assert imported.returncode == 0, imported.stderr
    assert "1 were added" in imported.stdout
    assert "1 unchanged" in again.stdout
    chair = product(api, CHAIR)
    assert chair is not None
    assert (chair["catalogue_number"], chair["gtin"]) == (14, None)
    events = wait_for("product-changed of the chair", lambda: announced(system, CHAIR) or None)
    assert [(e.gtin, e.price_idr, e.tracking) for e in events] == [
        (chair["label_gtin"], 750_000, "unit")
    ]

    batch = produce(api, "CLG-MBL", CHAIR, [(3, ["WB-KRS1", "WB-KRS2"])])
    assert batch["lot_code"].startswith("CLG-KYU-")
    assert len(batch["serials"]) == 3
    sign_off(api, batch, [])
    wait_for_stock(api, CHAIR, 3)
    order = sell(api, "MARKETPLACE", CHAIR, 1, "BUYER-KRS-1")  # sells from the UPT stores
    assert order["status"] == "completed"
    path = f"/trace/{batch['lot_code']}"
    trace = wait_for("the chair lot's trace", lambda: api.try_get("trace", path, as_=KANWIL))
    assert CHAIR in orjson.dumps(trace).decode()


@pytest.mark.parametrize("kind", ["upts", "workshops", "products"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(
    system: ServiceSet, api: Jejak, tmp_path: Path, kind: str, fmt: str
) -> None:
    path = tmp_path / f"{kind}.{fmt}"
    exported = jejak(system, "catalogue", "export", kind, "--format", fmt, "-o", str(path))
    assert exported.returncode == 0, exported.stderr

    back = jejak(system, "catalogue", "import", kind, str(path))

    assert back.returncode == 0, back.stderr
    listed = api.call("production", "GET", f"/catalogue/{kind}", as_=KANWIL)
    assert f"0 were added, 0 changed, {len(listed)} unchanged" in back.stdout


def test_the_product_export_is_the_catalogue(
    system: ServiceSet, api: Jejak, tmp_path: Path
) -> None:
    path = tmp_path / "products.xlsx"
    jejak(system, "catalogue", "export", "products", "-o", str(path))

    rows = tabular.read(path, ProductSpec)

    listed = api.call("production", "GET", "/catalogue/products", as_=KANWIL)
    assert [row.model_dump(mode="json") for row in rows] == [
        ProductSpec.model_validate(
            {k: v for k, v in item.items() if k in ProductSpec.model_fields}
        ).model_dump(mode="json")
        for item in listed
    ]
    bread = next(row for row in rows if row.sku == "PAN-ROT-001")
    assert (bread.shelf_life_days, bread.food_permit) == (5, "spp-irt")
