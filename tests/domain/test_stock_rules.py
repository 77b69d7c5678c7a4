"""Inventory's rules for goods leaving the usual path: which goods a correction takes out,
which units another open hold still covers, and the reasons given to orders released."""

from services.inventory.domain import (
    LotOnHand,
    TakeOut,
    cancel_reason,
    correction_reason,
    still_held,
    take_out,
)
from shared import samples
from shared.contracts import Defect


def test_a_correction_takes_free_goods_everywhere_before_quarantined_ones() -> None:
    lots = [LotOnHand("CLG-STORE", 2, 3), LotOnHand("TGR-STORE", 4, 1)]

    assert take_out(7, lots) == (
        [TakeOut("CLG-STORE", 2, 1), TakeOut("TGR-STORE", 4, 0)],
        0,
    )


def test_what_a_correction_cannot_take_is_counted_not_invented() -> None:
    assert take_out(5, [LotOnHand("CLG-STORE", 1, 1)]) == ([TakeOut("CLG-STORE", 1, 1)], 3)
    assert take_out(2, [LotOnHand("CLG-STORE", 0, 0)]) == ([], 2)


def test_a_unit_is_still_held_by_a_hold_naming_it_or_holding_the_whole_lot() -> None:
    assert still_held("A", [["B"], ["A", "C"]])
    assert still_held("A", [[]])
    assert not still_held("A", [["B"]])
    assert not still_held("A", [])


def test_the_reasons_name_why_goods_were_given_back() -> None:
    order = samples.order_placed(sku="FTW-SPT-OLR", quantity=1)
    cancelled = samples.order_cancelled(order, cancelled_by="expiry", reason="not paid")
    defect = Defect(code="FTW-01", description="sole bonding", quantity=1)

    assert (
        correction_reason("CLG-FTW-2611-0042", [defect])
        == "QC correction of lot CLG-FTW-2611-0042: sole bonding (FTW-01)"
    )
    assert cancel_reason(cancelled) == "expired: not paid"
