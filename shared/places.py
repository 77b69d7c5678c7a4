"""Which stock locations a principal may read: one rule for every service that shows stock by
location (inventory's levels, ledger and transfers; sales' catalogue), so a UPT administrator
sees the same places wherever it asks.

A UPT's store is `<UPT>-STORE`: goods that pass QC are received there.
"""

from shared.identity import Claims


def store_location(upt_code: str) -> str:
    """The store of a UPT, where the goods that pass its QC are received."""
    return f"{upt_code}-STORE"


def readable_locations(caller: Claims) -> frozenset[str] | None:
    """The locations whose stock the caller may read; None: every one (the Kanwil's).

    A UPT administrator reads its UPT's store only (galleries, outlets and expos are the
    Kanwil's, even when goods of its UPT are there). A channel reads by its own rule, its
    channel's locations, which sales keeps; any other role reads none here.
    """
    if caller.role == "kanwil_admin":
        return None
    if caller.role == "upt_admin" and caller.upt is not None:
        return frozenset({store_location(caller.upt)})
    return frozenset()
