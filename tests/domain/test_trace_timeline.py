"""The public trace built from read-model rows: pure functions, rows made by hand."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from services.trace.db import LotRow, StepRow
from services.trace.timeline import (
    buyers,
    hold_status,
    is_sign_off,
    lot_timeline,
    public_view,
    rejected_serials,
    unit_status,
    unit_statuses,
    unit_timeline,
)
from shared.gs1 import digital_link

LOT = "CLG-FTW-2611-0042"
S1, S2, S3, S4 = (f"{LOT}-{n:04d}" for n in range(1, 5))
START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def lot_row() -> LotRow:
    return LotRow(
        lot_code=LOT,
        batch_id=uuid4(),
        sku="FTW-SPT-OLR",
        product_name="Sepatu olahraga mesh",
        gtin="00200000000103",
        tracking="unit",
        quantity=4,
        unit_of_measure="pair",
        upt_code="CLG",
        upt_name="Lapas Kelas IIA Cilegon",
        workshop_code="CLG-SPT",
        workshop_name="Bengkel sepatu",
    )


def step(
    minute: int,
    biz_step: str,
    disposition: str,
    data: dict[str, Any],
    serial: str | None = None,
) -> StepRow:
    return StepRow(
        lot_code=LOT,
        serial=serial,
        biz_step=biz_step,
        disposition=disposition,
        occurred_at=START + timedelta(minutes=minute),
        event_id=uuid4(),
        data=data,
    )


def made() -> StepRow:
    return step(0, "commissioning", "active", {"workshop_code": "CLG-SPT", "quantity": 4})


def inspected() -> StepRow:
    """S4 rejected for sole bonding, the other three passed."""
    defect = {"code": "FTW-01", "description": "sole bonding", "quantity": 1, "serials": [S4]}
    return step(
        1,
        "inspecting",
        "conformant",
        {"passed_quantity": 3, "rejected_quantity": 1, "defects": [defect]},
    )


def stored() -> StepRow:
    return step(
        2, "storing", "sellable_not_accessible", {"location_code": "CLG-STORE", "quantity": 3}
    )


def sold(
    minute: int, serial: str | None, order_id: str, buyer_ref: str, quantity: int = 1
) -> StepRow:
    data = {
        "channel_code": "GALERI-SERANG",
        "buyer_ref": buyer_ref,
        "order_id": order_id,
        "location_code": "CLG-STORE",
        "quantity": quantity,
    }
    return step(minute, "retail_selling", "retail_sold", data, serial)


def life() -> list[StepRow]:
    """S1 and S2 sold in one order, S3 on the shelf, S4 rejected at QC."""
    order = str(uuid4())
    return [
        made(),
        inspected(),
        stored(),
        sold(3, S1, order, "BUYER-A1"),
        sold(3, S2, order, "BUYER-A1"),
    ]


def biz_steps(timeline: list[dict[str, Any]]) -> list[str]:
    return [s["biz_step"] for s in timeline]


def test_a_sold_unit_went_through_every_step_of_its_lot_and_its_own_sale() -> None:
    timeline = unit_timeline(life(), lot_row(), S1)

    assert biz_steps(timeline) == ["commissioning", "inspecting", "storing", "retail_selling"]
    assert timeline[-1]["buyer_ref"] == "BUYER-A1"
    assert unit_status(timeline) == "sold"


def test_a_unit_passed_at_qc_shows_a_conformant_inspection_without_defects() -> None:
    inspecting = unit_timeline(life(), lot_row(), S3)[1]

    assert (inspecting["disposition"], inspecting["qc_decision"]) == ("conformant", "conformant")
    assert inspecting["defects"] == []


def test_a_rejected_unit_is_non_conformant_with_its_defect_and_never_stored() -> None:
    timeline = unit_timeline(life(), lot_row(), S4)

    assert biz_steps(timeline) == ["commissioning", "inspecting"]
    inspecting = timeline[1]
    assert (inspecting["disposition"], inspecting["qc_decision"]) == (
        "non_conformant",
        "non_conformant",
    )
    assert [d["code"] for d in inspecting["defects"]] == ["FTW-01"]
    assert unit_status(timeline) == "rejected"


def test_a_units_timeline_leaves_out_the_sales_of_other_units() -> None:
    timeline = unit_timeline(life(), lot_row(), S3)

    assert biz_steps(timeline) == ["commissioning", "inspecting", "storing"]
    assert unit_status(timeline) == "in_stock"


def test_every_step_of_a_known_lot_names_where_it_was_made() -> None:
    for view in unit_timeline(life(), lot_row(), S1):
        assert (view["upt_name"], view["workshop_name"]) == (
            "Lapas Kelas IIA Cilegon",
            "Bengkel sepatu",
        )
        assert view["lot_code"] == LOT


def test_steps_that_arrived_before_their_lot_are_shown_without_the_workshop() -> None:
    [view] = unit_timeline([made()], None, S1)

    assert "workshop_name" not in view
    assert view["occurred_at"] == START.isoformat()


def test_a_unit_status_follows_how_far_its_lot_got() -> None:
    steps = life()

    assert unit_status(unit_timeline(steps[:1], lot_row(), S1)) == "awaiting_qc"
    assert unit_status(unit_timeline(steps[:2], lot_row(), S1)) == "passed_qc"
    assert unit_status(unit_timeline(steps[:3], lot_row(), S1)) == "in_stock"
    assert unit_status(unit_timeline(steps, lot_row(), S1)) == "sold"
    assert unit_status([]) == "unknown"


def test_a_lot_lists_each_unit_with_its_status_and_buyer() -> None:
    assert unit_statuses(life(), [S1, S2, S3, S4]) == [
        {"serial": S1, "status": "sold", "buyer_ref": "BUYER-A1"},
        {"serial": S2, "status": "sold", "buyer_ref": "BUYER-A1"},
        {"serial": S3, "status": "in_stock", "buyer_ref": None},
        {"serial": S4, "status": "rejected", "buyer_ref": None},
    ]


def test_units_of_a_lot_not_yet_stored_are_passed_or_awaiting_qc() -> None:
    inspected_only = [made(), inspected()]

    assert [u["status"] for u in unit_statuses(inspected_only, [S1, S4])] == [
        "passed_qc",
        "rejected",
    ]
    assert [u["status"] for u in unit_statuses([made()], [S1])] == ["awaiting_qc"]


def test_buyers_of_a_lot_are_listed_once_per_order_for_a_recall() -> None:
    first, second = str(uuid4()), str(uuid4())
    steps = [*life()[:3], sold(3, S1, first, "BUYER-A1"), sold(3, S2, first, "BUYER-A1")]
    steps.append(sold(5, S3, second, "BUYER-B2"))

    assert buyers(steps) == [
        {
            "buyer_ref": "BUYER-A1",
            "channel_code": "GALERI-SERANG",
            "order_id": first,
            "sold_at": (START + timedelta(minutes=3)).isoformat(),
            "quantity": 2,
            "serials": [S1, S2],
        },
        {
            "buyer_ref": "BUYER-B2",
            "channel_code": "GALERI-SERANG",
            "order_id": second,
            "sold_at": (START + timedelta(minutes=5)).isoformat(),
            "quantity": 1,
            "serials": [S3],
        },
    ]


def test_buyers_of_a_lot_tracked_product_are_counted_by_quantity() -> None:
    order = str(uuid4())
    steps = [made(), sold(3, None, order, "BUYER-C3", quantity=40)]

    assert [(b["buyer_ref"], b["quantity"], b["serials"]) for b in buyers(steps)] == [
        ("BUYER-C3", 40, [])
    ]


def test_a_lot_nobody_bought_from_has_no_buyers() -> None:
    assert buyers(life()[:3]) == []


def held(minute: int, serial: str | None = None, hold_id: str = "hold-1") -> StepRow:
    data = {"hold_id": hold_id, "reason": "mould found in a sample", "defect_code": "FTW-01"}
    return step(minute, "holding", "non_sellable_other", data, serial)


def recalled(minute: int, serial: str | None = None, hold_id: str = "hold-1") -> StepRow:
    data = {"hold_id": hold_id, "reason": "confirmed: recall"}
    return step(minute, "holding", "recalled", data, serial)


def test_a_hold_on_the_lot_puts_every_unit_on_hold_but_a_rejected_one() -> None:
    steps = [*life(), held(4)]

    assert unit_status(unit_timeline(steps, lot_row(), S1)) == "on_hold"  # sold, then held
    assert unit_status(unit_timeline(steps, lot_row(), S3)) == "on_hold"
    assert unit_status(unit_timeline(steps, lot_row(), S4)) == "rejected"
    assert [u["status"] for u in unit_statuses(steps, [S1, S2, S3, S4])] == [
        "on_hold",
        "on_hold",
        "on_hold",
        "rejected",
    ]


def test_a_recall_wins_over_a_hold_even_one_placed_after_it() -> None:
    steps = [*life(), held(4), recalled(5), held(6, S3, hold_id="hold-2")]

    for serial in (S1, S3):
        assert unit_status(unit_timeline(steps, lot_row(), serial)) == "recalled"
    assert [u["status"] for u in unit_statuses(steps, [S1, S3, S4])] == [
        "recalled",
        "recalled",
        "rejected",
    ]


def test_a_hold_of_some_units_leaves_the_others_as_they_were() -> None:
    steps = [*life(), held(4, S2), held(4, S3), recalled(5, S2)]

    assert unit_status(unit_timeline(steps, lot_row(), S1)) == "sold"
    assert unit_status(unit_timeline(steps, lot_row(), S2)) == "recalled"
    assert unit_status(unit_timeline(steps, lot_row(), S3)) == "on_hold"
    assert "holding" not in biz_steps(unit_timeline(steps, lot_row(), S1))
    assert [u["status"] for u in unit_statuses(steps, [S1, S2, S3, S4])] == [
        "sold",
        "recalled",
        "on_hold",
        "rejected",
    ]
    assert [u["buyer_ref"] for u in unit_statuses(steps, [S1, S2])] == ["BUYER-A1", "BUYER-A1"]


def test_a_lot_shows_a_hold_of_some_units_as_one_line_with_the_units_held() -> None:
    steps = [*life(), held(4, S2), held(4, S3), recalled(5, S2)]

    timeline = lot_timeline(steps, lot_row())

    assert biz_steps(timeline) == [
        "commissioning",
        "inspecting",
        "storing",
        "retail_selling",
        "holding",
        "holding",
    ]
    hold, recall = timeline[-2:]
    assert (hold["disposition"], hold["serials"], hold["quantity"]) == (
        "non_sellable_other",
        [S2, S3],
        2,
    )
    assert (recall["disposition"], recall["serials"]) == ("recalled", [S2])


def test_a_hold_is_public_with_its_defect_but_not_its_typed_reason() -> None:
    timeline = unit_timeline([*life(), held(4)], lot_row(), S1)
    public = public_view({"code": S1, "timeline": timeline})

    hold = public["timeline"][-1]
    assert (hold["defect_code"], hold["hold_id"]) == ("FTW-01", "hold-1")
    assert "reason" not in hold
    assert timeline[-1]["reason"] == "mould found in a sample", "the full trace keeps it"
    assert all("buyer_ref" not in entry for entry in public["timeline"])


def test_a_units_digital_link_carries_gtin_lot_and_serial_in_gs1_order() -> None:
    link = digital_link("https://trace.example.id/", "00200000000103", LOT, S1)

    assert link == f"https://trace.example.id/01/00200000000103/10/{LOT}/21/{S1}"


def test_a_lots_digital_link_stops_at_the_lot() -> None:
    link = digital_link("http://127.0.0.1:8005", "00200000000103", LOT)

    assert link == f"http://127.0.0.1:8005/01/00200000000103/10/{LOT}"


# ------------------------------------------- holds closed, corrections of QC, goods returned


def closed(
    minute: int, outcome: str, serial: str | None = None, hold_id: str = "hold-1"
) -> StepRow:
    biz_step, disposition = {
        "released": ("inspecting", "sellable_accessible"),
        "destroyed": ("destroying", "destroyed"),
    }[outcome]
    data = {"hold_id": hold_id, "outcome": outcome, "reason": "re-inspected"}
    return step(minute, biz_step, disposition, data, serial)


def correction(minute: int, *rejected: str) -> StepRow:
    """A correction of inspected(): `rejected` fail (the whole new decision)."""
    defect = {"code": "FTW-01", "description": "sole bonding", "quantity": len(rejected)}
    data = {
        "passed_quantity": 4 - len(rejected),
        "rejected_quantity": len(rejected),
        "defects": [defect | {"serials": [*rejected]}],
        "inspection_id": "inspection-2",
        "supersedes": "inspection-1",
    }
    return step(minute, "inspecting", "conformant", data)


def returned(minute: int, serial: str, order_id: str) -> StepRow:
    data = {
        "return_id": "return-1",
        "order_id": order_id,
        "channel_code": "GALERI-SERANG",
        "location_code": "SRG-STORE",
        "quantity": 1,
        "reason": "came back broken",
    }
    return step(minute, "receiving", "returned", data, serial)


def statuses_of(steps: list[StepRow], *serials: str) -> list[str]:
    """unit_status (from each unit's timeline) and unit_statuses (the lot's) must agree."""
    one_by_one = [unit_status(unit_timeline(steps, lot_row(), serial)) for serial in serials]
    assert [u["status"] for u in unit_statuses(steps, [*serials])] == one_by_one
    return one_by_one


def test_a_release_after_a_new_check_is_no_sign_off_and_ends_the_hold() -> None:
    steps = [*life(), held(4), recalled(5), closed(6, "released")]

    assert (is_sign_off(steps[1]), is_sign_off(steps[-1])) == (True, False)
    assert statuses_of(steps, S1, S3, S4) == ["sold", "in_stock", "rejected"]
    release = unit_timeline(steps, lot_row(), S3)[-1]
    assert (release["biz_step"], release["disposition"]) == ("inspecting", "sellable_accessible")
    assert "qc_decision" not in release
    assert rejected_serials(steps) == {S4}, "a release rejects nothing"
    assert hold_status(steps) is None


def test_a_hold_closed_by_destroying_ends_the_units_still_in_hand() -> None:
    steps = [*life(), held(4), closed(5, "destroyed")]

    assert statuses_of(steps, S1, S3, S4) == ["sold", "destroyed", "rejected"]
    assert hold_status(steps) == "destroyed"
    assert hold_status([*steps, held(6, hold_id="hold-2")]) == "on_hold", "an open hold first"


def test_closing_one_hold_leaves_another_open() -> None:
    steps = [*life(), held(4, S3), held(4, S2, hold_id="hold-2"), closed(5, "released", S3)]

    assert statuses_of(steps, S2, S3) == ["on_hold", "in_stock"]


def test_the_latest_sign_off_alone_decides_what_was_rejected() -> None:
    """The correction finds S3 bad and S4 good after all: S4 was never stored, S3 was."""
    steps = [*life(), correction(4, S3)]

    assert rejected_serials(steps) == {S3}
    assert statuses_of(steps, S1, S3, S4) == ["sold", "rejected", "passed_qc"]
    timeline = unit_timeline(steps, lot_row(), S3)
    assert biz_steps(timeline) == ["commissioning", "inspecting", "inspecting"], "storing hidden"
    assert [view["qc_decision"] for view in timeline[1:]] == ["conformant", "non_conformant"]
    assert timeline[-1]["supersedes"] == "inspection-1"


def test_a_correction_does_not_reject_a_unit_already_sold() -> None:
    steps = [*life(), correction(4, S1, S4)]

    assert statuses_of(steps, S1, S4) == ["sold", "rejected"]
    assert "storing" in biz_steps(unit_timeline(steps, lot_row(), S1))


def test_a_returned_unit_is_returned_until_a_release_or_destruction_says_otherwise() -> None:
    order = str(uuid4())
    steps = [*life()[:3], sold(3, S1, order, "BUYER-A1"), returned(4, S1, order)]

    assert statuses_of(steps, S1, S2) == ["returned", "in_stock"]
    assert statuses_of([*steps, held(5)], S1, S2) == ["returned", "on_hold"]
    assert statuses_of([*steps, held(5), closed(6, "released")], S1) == ["in_stock"]
    assert statuses_of([*steps, held(5), closed(6, "destroyed")], S1) == ["destroyed"]


def test_a_returned_unit_is_public_without_its_order_or_buyer() -> None:
    order = str(uuid4())
    steps = [*life()[:3], sold(3, S1, order, "BUYER-A1"), returned(4, S1, order)]
    public = public_view({"code": S1, "timeline": unit_timeline(steps, lot_row(), S1)})

    back = public["timeline"][-1]
    assert (back["biz_step"], back["location_code"], back["return_id"]) == (
        "receiving",
        "SRG-STORE",
        "return-1",
    )
    assert order not in str(public)
    assert "BUYER-A1" not in str(public)


def test_a_lot_shows_the_returns_of_its_units_as_one_line_per_return() -> None:
    order = str(uuid4())
    steps = [*life()[:3], sold(3, S1, order, "B"), sold(3, S2, order, "B")]
    steps += [returned(4, S1, order), returned(4, S2, order)]

    line = lot_timeline(steps, lot_row())[-1]

    assert (line["biz_step"], line["serials"], line["quantity"]) == ("receiving", [S1, S2], 2)
