"""Places and channels as master data, end to end: a Kanwil administrator adds an outlet of the
province with `jejak catalogue import locations` (inventory), and, once sales has heard of it
(location-changed), a channel selling from it with `jejak catalogue import channels` (sales);
both read back over HTTP, and their XLSX exports import back unchanged."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jejak.demo import Jejak, wait_for
from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL
from services.inventory.locations import LocationView
from services.sales.channel_api import ChannelSpec
from shared import tabular

JEJAK = Path(sys.executable).parent / "jejak"
OUTLET = "PEMPROV-PDG"
CHANNEL = "OUTLET-PDG"
LOCATIONS = (
    "code,name,kind,address,owner,upt_code,active\n"
    f'{OUTLET},Outlet UMKM Pemprov Banten di Pandeglang,outlet,"Kabupaten Pandeglang, Banten",'
    '"Pemprov Banten, Dinas Koperasi dan UKM",,true\n'
)
CHANNELS = (
    "code,name,kind,locations,active\n"
    f'{CHANNEL},Outlet UMKM Pandeglang,outlet,"{OUTLET},PEMPROV-OUTLET",true\n'
)


def jejak(system: ServiceSet, *args: str) -> subprocess.CompletedProcess[str]:
    """`jejak` as an administrator runs it: the system's credentials file and services' URLs."""
    urls = {f"JEJAK_{name.upper()}_URL": url for name, url in system.urls.items()}
    env = {**os.environ, **system.env, **urls, "COLUMNS": "200"}
    return subprocess.run(
        [str(JEJAK), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("places")
    (folder / "locations.csv").write_text(LOCATIONS, encoding="utf-8")
    (folder / "channels.csv").write_text(CHANNELS, encoding="utf-8")
    return folder


def test_a_channel_at_a_place_inventory_never_announced_is_refused(
    system: ServiceSet, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(CHANNELS + "OUTLET-X,Outlet X,outlet,NOWHERE,true\n", encoding="utf-8")

    refused = jejak(system, "catalogue", "import", "channels", str(bad))

    assert refused.returncode == 1
    assert "row 2, locations: unknown or inactive location(s) PEMPROV-PDG" in refused.stderr
    assert "row 3, locations: unknown or inactive location(s) NOWHERE" in refused.stderr
    assert "nothing imported" in refused.stderr


def test_an_outlet_and_its_channel_imported_from_files_are_served(
    system: ServiceSet, api: Jejak, files: Path
) -> None:
    places = jejak(system, "catalogue", "import", "locations", str(files / "locations.csv"))
    assert places.returncode == 0, places.stderr
    assert "1 were added" in places.stdout

    def sales_knows_the_outlet() -> bool:
        dry = jejak(
            system, "catalogue", "import", "channels", str(files / "channels.csv"), "--dry-run"
        )
        return dry.returncode == 0 and "1 would be added" in dry.stdout

    wait_for("sales to hear of the new outlet", sales_knows_the_outlet)
    channels = jejak(system, "catalogue", "import", "channels", str(files / "channels.csv"))
    again = jejak(system, "catalogue", "import", "channels", str(files / "channels.csv"))

    assert channels.returncode == 0, channels.stderr
    assert "1 were added" in channels.stdout
    assert "0 were added, 0 changed, 1 unchanged" in again.stdout
    outlet = api.call("inventory", "GET", f"/locations/{OUTLET}", as_=KANWIL)
    assert (outlet["kind"], outlet["address"], outlet["upt_code"], outlet["active"]) == (
        "outlet",
        "Kabupaten Pandeglang, Banten",
        None,
        True,
    )
    channel = api.call("sales", "GET", f"/channels/{CHANNEL}", as_=KANWIL)
    assert (channel["kind"], channel["locations"]) == ("outlet", [OUTLET, "PEMPROV-OUTLET"])


@pytest.mark.parametrize(
    ("kind", "service", "path", "row"),
    [
        ("locations", "inventory", "/locations", LocationView),
        ("channels", "sales", "/channels?limit=500", ChannelSpec),
    ],
)
def test_an_xlsx_export_is_what_is_served_and_imports_back_unchanged(
    system: ServiceSet,
    api: Jejak,
    tmp_path: Path,
    kind: str,
    service: str,
    path: str,
    row: type[LocationView | ChannelSpec],
) -> None:
    file = tmp_path / f"{kind}.xlsx"
    exported = jejak(system, "catalogue", "export", kind, "-o", str(file))
    assert exported.returncode == 0, exported.stderr

    back = jejak(system, "catalogue", "import", kind, str(file))

    served = api.call(service, "GET", path, as_=KANWIL)
    items = served["items"] if kind == "channels" else served
    rows = tabular.read(file, row)
    assert [r.model_dump(mode="json") for r in rows] == [
        row.model_validate({k: v for k, v in item.items() if k in row.model_fields}).model_dump(
            mode="json"
        )
        for item in items
    ]
    assert back.returncode == 0, back.stderr
    assert f"0 were added, 0 changed, {len(items)} unchanged" in back.stdout
