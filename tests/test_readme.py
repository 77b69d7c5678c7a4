"""The README's event catalogue and commands stay true to the code."""

from pathlib import Path

import pytest

from shared.contracts import ALL_EVENTS, Event

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("contract", ALL_EVENTS, ids=lambda c: c.event_name)
def test_the_event_catalogue_lists_every_stream_with_its_fields(contract: type[Event]) -> None:
    row = next(
        (line for line in README.splitlines() if f"`{contract.stream('jejak')}`" in line), None
    )
    assert row is not None, f"README's event catalogue has no row for {contract.stream('jejak')}"
    own_fields = set(contract.model_fields) - set(Event.model_fields)
    missing = [name for name in own_fields if name not in row]
    assert missing == [], f"README's row for {contract.event_name} misses {missing}"


def test_the_readme_gives_the_run_and_test_commands() -> None:
    assert "make run" in README
    assert "make test" in README
