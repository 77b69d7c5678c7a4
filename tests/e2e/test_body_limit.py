"""The request body limit over real HTTP (uvicorn): the 20 MB output submission of 1.9 million
worker codes that was stored is a 413 naming the limit, whether it declares its length or
streams it, and production's memory does not grow with it."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from jejak.demo import Jejak
from jejak.launcher import ServiceSet
from jejak.tokens import Who
from shared.http import PROBLEM
from shared.settings import Settings

TERMINAL = Who.terminal("CLG-SPT")
FLOOD_BYTES = 20_000_000  # 1.9 million worker codes
# Far below what reading the body whole costs: 186 MB of peak memory (VmHWM) when only the
# list limit refused it, 487 MB when it was stored; refused by the body limit, 1-2 MB.
GROWTH_LIMIT_BYTES = 30_000_000


def flood() -> bytes:
    head = b'{"submission_id": "%s", "quantity": 1, "worker_codes": [' % str(uuid.uuid4()).encode()
    code = b'"WB-0001",'
    return head + code * ((FLOOD_BYTES - len(head)) // len(code)) + b'"WB-0002"]}'


def peak_resident_bytes(pid: int) -> int:
    """The most memory the process has held at once (VmHWM): a body read whole shows here
    even once it is freed."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for process {pid}")


def test_a_flood_is_a_413_naming_the_limit_and_costs_no_memory(
    system: ServiceSet, api: Jejak
) -> None:
    batch_id = str(uuid.uuid4())
    opened = {"batch_id": batch_id, "workshop_code": "CLG-SPT", "sku": "FTW-SPT-OLR"}
    api.call("production", "POST", "/batches", opened, as_=TERMINAL)
    url = f"{system.url('production')}/batches/{batch_id}/output"
    headers = {**api.tokens.header(TERMINAL), "Content-Type": "application/json"}
    body = flood()
    pid = system.pid("production")
    assert pid is not None
    before = peak_resident_bytes(pid)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536]

    with httpx.Client(timeout=60) as http:
        declared = http.post(url, content=body, headers=headers)
        streamed = http.post(url, content=chunks(), headers=headers)
        batch = http.get(url.removesuffix("/output"), headers=headers).json()
    grown = peak_resident_bytes(pid) - before

    limit = Settings().max_body_bytes
    for response in (declared, streamed):
        assert response.status_code == 413, response.text[:300]
        assert response.headers["content-type"] == PROBLEM
        assert f"limit of {limit} bytes" in response.json()["detail"]
    assert batch["quantity"] == 0
    assert grown < GROWTH_LIMIT_BYTES, f"production grew by {grown / 1e6:.0f} MB"
