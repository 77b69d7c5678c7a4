"""Food past its best-before date leaves the sales catalogue without anyone acting: real
processes, inventory's best-before job on a short interval.

Inventory's business day is shifted four days ahead (JEJAK_BUSINESS_DATE_SHIFT_DAYS, meant for
drills and tests), so a lot made today, best before three days from now, passes QC today (it
keeps its shelf life: PAN-03) and is already past its date where inventory reads it: it is
received, then quarantined as expired by the job. The test only makes, signs off and watches.
The terminal enters the dates at completion (`production_date`, `best_before` in the body of
POST /batches/{batch_id}/complete).
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jejak.demo import Jejak, sign_off, wait_for
from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL, Who
from shared.timezones import WIB
from tests.backend import Backend
from tests.e2e.system import api_of, running_system

GINGER, WORKSHOP = "PAN-JHM-250", "SRG-JHM"  # the demo seeds its permits in Serang
COMPLETE = "/batches/{batch_id}/complete"


@pytest.fixture(scope="module")
def module_env(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = backend.system_env(tmp_path_factory.mktemp("system"), f"food-{uuid.uuid4().hex[:6]}")
    return env | {"JEJAK_BEST_BEFORE_INTERVAL_S": "0.5", "JEJAK_BUSINESS_DATE_SHIFT_DAYS": "4"}


@pytest.fixture(scope="module")
def system(
    module_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceSet]:
    with running_system(module_env, tmp_path_factory.mktemp("logs")) as services:
        yield services


@pytest.fixture(scope="module")
def api(system: ServiceSet) -> Jejak:
    return api_of(system)


def made_today(api: Jejak, best_before_in_days: int) -> tuple[Any, str]:
    """Serang's ginger workshop makes 20 pouches today (WIB), best before in so many days: the
    batch completed, and its best-before date."""
    today = datetime.now(UTC).astimezone(WIB).date()
    terminal, batch_id = Who.terminal(WORKSHOP), str(uuid.uuid4())
    opened = {"batch_id": batch_id, "workshop_code": WORKSHOP, "sku": GINGER}
    api.call("production", "POST", "/batches", opened, as_=terminal)
    output = {"submission_id": str(uuid.uuid4()), "quantity": 20, "worker_codes": ["WB-J4H2"]}
    api.call("production", "POST", f"/batches/{batch_id}/output", output, as_=terminal)
    dates = {
        "production_date": today.isoformat(),
        "best_before": (today + timedelta(days=best_before_in_days)).isoformat(),
    }
    path = COMPLETE.format(batch_id=batch_id)
    return api.call("production", "POST", path, dates, as_=terminal), dates["best_before"]


def ledger_reasons(api: Jejak, lot_code: str) -> list[str]:
    lines = api.call("inventory", "GET", f"/ledger?sku={GINGER}", as_=KANWIL)["items"]
    return [line["reason"] for line in reversed(lines) if line["lot_code"] == lot_code]


def listed_with_nothing_available(api: Jejak) -> bool:
    """Whether the catalogue lists the ginger (its stock was received) with none available."""
    items = api.call("sales", "GET", "/catalogue?limit=500", as_=KANWIL)["items"]
    ginger = [item["available"] for item in items if item["sku"] == GINGER]
    return bool(ginger) and sum(ginger) == 0


def test_a_lot_past_its_best_before_date_leaves_the_catalogue_by_itself(api: Jejak) -> None:
    batch, best_before = made_today(api, best_before_in_days=3)

    sign_off(api, batch, [])

    reasons = wait_for(
        f"the expiry of {batch['lot_code']}",
        lambda: (r := ledger_reasons(api, batch["lot_code"])) and "expired" in r and r,
    )
    assert reasons == ["received", "expired"]
    wait_for("the catalogue without the expired lot", lambda: listed_with_nothing_available(api))
    trace = api.call("trace", "GET", f"/trace/{batch['lot_code']}")
    assert trace["food"]["best_before"] == best_before
    assert {permit["kind"] for permit in trace["food"]["permits"]} == {"spp-irt", "halal"}
