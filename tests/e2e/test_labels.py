"""Label sheets over HTTP from the running system: a terminal prints them, `jejak labels`
writes them, and every QR code on them opens its unit's trace at the trace service."""

import uuid
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
import zxingcpp
from typer.testing import CliRunner

from jejak.cli import app
from jejak.demo import Jejak, produce, wait_for
from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL, Who


def labels_of(api: Jejak, batch: dict[str, Any], who: Who, query: str = "") -> Any:
    path = f"/batches/{batch['batch_id']}/labels.pdf{query}"
    return api.http.get(api.urls["production"] + path, headers=api.tokens.header(who))


def read_codes(pdf: bytes) -> list[str]:
    """The QR codes on every page, at 300 dpi."""
    images = [page.render(scale=300 / 72).to_pil() for page in pdfium.PdfDocument(pdf)]
    return [code.text for image in images for code in zxingcpp.read_barcodes(image)]


@pytest.fixture(scope="module")
def shoes(api: Jejak) -> Any:
    return produce(api, "CLG-SPT", "FTW-SPT-OLR", [(3, ["WB-L4B1"])])


def test_a_terminal_prints_its_labels_and_each_code_opens_its_units_trace(
    api: Jejak, shoes: dict[str, Any]
) -> None:
    response = labels_of(api, shoes, Who.terminal("CLG-SPT"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="labels-{shoes["lot_code"]}.pdf"' in response.headers["content-disposition"]
    codes = read_codes(response.content)
    traces = [wait_for(s, partial(api.try_get, "trace", f"/trace/{s}")) for s in shoes["serials"]]
    assert sorted(codes) == sorted(trace["digital_link"] for trace in traces)
    for code in codes:  # the link's base is the public address: ask the trace service here
        unit = api.call("trace", "GET", urlsplit(code).path)
        assert unit["digital_link"] == code


def test_copies_out_of_range_and_batches_not_completed_are_refused(api: Jejak) -> None:
    bread = produce(api, "CLG-ROT", "PAN-ROT-001", [(40, ["WB-L4B2"])])
    terminal = Who.terminal("CLG-ROT")
    opened = {"batch_id": str(uuid.uuid4()), "workshop_code": "CLG-ROT", "sku": "PAN-ROT-001"}
    api.call("production", "POST", "/batches", opened, as_=terminal)

    assert labels_of(api, bread, KANWIL, "?copies=0").status_code == 422
    assert labels_of(api, bread, KANWIL, "?copies=501").status_code == 422
    assert labels_of(api, opened, terminal).status_code == 409
    assert labels_of(api, bread, Who.terminal("CLG-SPT")).status_code == 403
    assert len(read_codes(labels_of(api, bread, terminal, "?copies=2").content)) == 2


def test_jejak_labels_writes_the_sheets_of_a_batch(
    api: Jejak, system: ServiceSet, shoes: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    env = {
        "JEJAK_DATA_DIR": system.env["JEJAK_DATA_DIR"],
        "JEJAK_PRODUCTION_URL": api.urls["production"],
    }
    monkeypatch.chdir(tmp_path)

    named = CliRunner().invoke(app, ["labels", shoes["batch_id"]], env=env)
    chosen = CliRunner().invoke(app, ["labels", shoes["batch_id"], "-o", "x.pdf"], env=env)
    refused = CliRunner().invoke(app, ["labels", shoes["batch_id"], "--copies", "2"], env=env)

    assert named.exit_code == 0, named.output
    written = tmp_path / f"labels-{shoes['lot_code']}.pdf"
    assert f"Wrote the labels to {written.name}" in named.output
    assert len(read_codes(written.read_bytes())) == 3
    assert chosen.exit_code == 0
    assert (tmp_path / "x.pdf").read_bytes() == written.read_bytes()
    assert refused.exit_code == 1
    said = " ".join(refused.output.split())  # as the terminal wrapped it
    assert "No labels: 422" in said
    assert "each unit of this batch gets one label" in said
