"""Schemathesis against every service's OpenAPI document, over HTTP to real processes.

One system for the module (every service its own process, as `make run` starts them), with a
lot made, signed off, sold from and recalled before the run, so that reads find real data. Each
operation is called by every caller there is: anonymous and every role, each signed in with
its development principal's real token. A caller the operation allows (`x-jejak-roles`; every
caller for a public one) gets a bounded number of generated requests, positive and negative
(invalid on purpose); a caller it refuses gets a few (its 401 or 403 must be declared too).
Reads sometimes name the seeded lot, unit, batch, hold or order instead of a generated one.
Every answer must be no 5xx, of a status the document declares, of a declared media type, and
match the declared schema; a public one carries the free text typed for the seeded recall to
the administrators only.

The run cannot take the test system's identity away: identity's revocations name only
principals made for the run (or none that exists), and the signing key is rotated once.
"""

import os
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jejak.demo import produce, recall, sell, sign_off, wait_for_stock
from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL, Tokens, Who
from shared.auth import PUBLIC, ROLES_EXTENSION
from shared.settings import SERVICE_PORTS
from tests.backend import Backend
from tests.e2e.system import api_of, running_system

# Per operation, allowed caller and mode: the file stays about a minute on two cores. A deeper
# run, by hand: JEJAK_SCHEMATHESIS_EXAMPLES=50.
EXAMPLES = int(os.environ.get("JEJAK_SCHEMATHESIS_EXAMPLES", "5"))
# The same requests every run, whatever is edited here: a failure is one to fix. By hand,
# other requests: JEJAK_SCHEMATHESIS_SEED=7.
SEED = int(os.environ.get("JEJAK_SCHEMATHESIS_SEED", "0"))
REFUSED_EXAMPLES = 2  # per operation and caller it refuses (positive only: a 401 or 403)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Who signs in for a role: development principals, bound to Cilegon where a binding is needed.
AS_ROLE: dict[str, Who] = {
    "terminal": Who.terminal("CLG-SPT"),
    "qc_officer": Who.officer("CLG"),
    "channel": Who.sales_channel("GALERI-SERANG"),
    "upt_admin": Who.upt_admin("CLG"),
    "kanwil_admin": KANWIL,
}
ANONYMOUS = "anonymous"
CALLERS: dict[str, Who | None] = {ANONYMOUS: None, **AS_ROLE}
# Answers that never end (Server-Sent Events): a fuzzer waits forever; tests/e2e/test_feeds.py
# reads them.
ENDLESS = {"/feed/stock"}
# Each case of it rotates identity's signing key: one is all a run needs.
ONCE = {"/keys/rotate"}
REVOKE = "/principals/{principal_id}/revoke"
SHOES = "FTW-SPT-OLR"
# The seeded recall's reason, as someone typed it: no public answer may carry it but to the
# administrators (tests/handlers/test_public_free_text.py asks each public route for it).
TYPED_REASON = "Pak Budi found the soles came apart (7731)"
ADMINISTRATORS = {"kanwil_admin", "upt_admin"}


@dataclass(frozen=True)
class Run:
    """What the generated requests may use: tokens, the seeded data's codes and ids (by
    parameter name), identity's principals made for the run and those it must leave alone."""

    tokens: Tokens
    known: dict[str, list[str]]
    own_principals: list[str]
    protected_principals: frozenset[str]


@pytest.fixture(scope="module")
def system(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceSet]:
    env = backend.system_env(tmp_path_factory.mktemp("system"), f"st-{uuid.uuid4().hex[:6]}")
    env["JEJAK_PUBLIC_RATE_LIMIT"] = "off"  # generated lookups are many; 429 is tested apart
    with running_system(env, tmp_path_factory.mktemp("logs"), console=True) as services:
        yield services


@pytest.fixture(scope="module")
def run(system: ServiceSet) -> Run:
    tokens = Tokens.from_data_dir(Path(system.env["JEJAK_DATA_DIR"]))
    return Run(tokens, seeded(system), *principals_for_the_run(system, tokens))


def seeded(system: ServiceSet) -> dict[str, list[str]]:
    """A lot of six pairs made in Cilegon, signed off, one sold, then recalled: the values
    reads may name, by parameter name."""
    api = api_of(system)
    shoes = produce(api, "CLG-SPT", SHOES, [(6, ["WB-C7K2"])])
    sign_off(api, shoes, [])
    wait_for_stock(api, SHOES, 6)
    order = sell(api, "MARKETPLACE", SHOES, 1, "BUYER-ST-0001")
    hold_id = recall(api, shoes, "FTW-01", TYPED_REASON)
    lot = api.call("trace", "GET", f"/trace/{shoes['lot_code']}", as_=KANWIL)
    lot_code, serial = shoes["lot_code"], shoes["serials"][0]
    return {
        "code": [lot_code, serial, "CLG", "CLG-SPT", "CLG-STORE", "GALERI-SERANG"],
        "lot_code": [lot_code],
        "lot": [lot_code],
        "serial": [serial],
        "gtin": [lot["product"]["gtin"]],
        "batch_id": [shoes["batch_id"]],
        "hold_id": [hold_id],
        "order_id": [order["order_id"]],
        "sku": [SHOES],
    }


def principals_for_the_run(system: ServiceSet, tokens: Tokens) -> tuple[list[str], frozenset[str]]:
    """Principals made for the run, which its revocations may name, and every principal there
    was before, which they may not."""
    url, kanwil = system.url("identity"), tokens.header(KANWIL)
    before = requests.get(f"{url}/principals?limit=500", headers=kanwil, timeout=10).json()
    made = []
    for name, role, binding in (
        ("st-terminal", "terminal", {"workshop": "CLG-SPT"}),
        ("st-channel", "channel", {"channel": "GALERI-SERANG"}),
        ("st-admin", "upt_admin", {"upt": "CLG"}),
        ("st-kanwil", "kanwil_admin", {}),
    ):
        body = {"role": role, "name": f"{name}-{uuid.uuid4().hex[:6]}", **binding}
        answer = requests.post(f"{url}/principals", json=body, headers=kanwil, timeout=10)
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["id"])
    assert before["total"] == len(before["items"])
    return made, frozenset(principal["id"] for principal in before["items"])


@dataclass(frozen=True)
class Caller:
    name: str
    who: Who | None
    allowed: bool


def callers_of(operation: Any) -> list[Caller]:
    """Every caller: the ones the operation allows (all for a public one) and the others."""
    roles = operation.definition.raw.get(ROLES_EXTENSION, [PUBLIC])
    return [Caller(name, who, roles == [PUBLIC] or name in roles) for name, who in CALLERS.items()]


def failures_of(url: str, run: Run, cases: Counter[str]) -> list[str]:
    """Every operation of the document at `url`, fuzzed as every caller; what failed, one
    line each. `cases` counts the requests made, by caller."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    session = requests.Session()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err: a broken document
        if operation.path in ENDLESS:
            continue
        for caller in callers_of(operation):
            modes = [GenerationMode.POSITIVE]
            if caller.allowed and operation.path not in ONCE:
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                try:
                    fuzz(operation, mode, caller, url, run, session, cases)
                except Unsatisfiable:  # nothing to make invalid: an operation without input
                    pass
                except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup
                    where = f"{operation.label} as {caller.name} ({mode.value})"
                    failures.append(f"{where}: {exc}"[:1500])
    return failures


def fuzz(
    operation: Any,
    mode: GenerationMode,
    caller: Caller,
    url: str,
    run: Run,
    session: requests.Session,
    cases: Counter[str],
) -> None:
    examples = EXAMPLES if caller.allowed else REFUSED_EXAMPLES
    reads = operation.method.upper() == "GET" and mode == GenerationMode.POSITIVE
    public = operation.definition.raw.get(ROLES_EXTENSION, [PUBLIC]) == [PUBLIC]

    @given(
        case=operation.as_strategy(generation_mode=mode),
        known=st.fixed_dictionaries(
            {name: st.none() | st.sampled_from(values) for name, values in run.known.items()}
        )
        if reads
        else st.just({}),
        own=st.sampled_from(run.own_principals),
        aim_at_own=st.booleans(),
    )
    @settings(
        max_examples=1 if operation.path in ONCE else examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any, known: dict[str, str | None], own: str, aim_at_own: bool) -> None:
        name_seeded_data(case, known)
        if operation.path == REVOKE:
            aim_at_principals_of_the_run(case, run, own, aim_at_own)
        cases[caller.name] += 1
        response = case.call_and_validate(
            base_url=url, session=session, headers=run.tokens.header(caller.who), checks=CHECKS
        )
        if public and caller.name not in ADMINISTRATORS:
            assert TYPED_REASON not in response.text, f"{case.path} gave {caller.name} free text"
        if operation.path in {REVOKE, *ONCE}:
            cases[f"{operation.label} {response.status_code}"] += 1

    seed(SEED)(check)()


def name_seeded_data(case: Any, known: dict[str, str | None]) -> None:
    """A read names a seeded code or id where one was drawn for a parameter it has."""
    for parameters in (case.path_parameters, case.query):
        if parameters is None:
            continue
        for name, value in known.items():
            if value is not None and name in parameters:
                parameters[name] = value


def aim_at_principals_of_the_run(case: Any, run: Run, own: str, aim_at_own: bool) -> None:
    """A revocation names a principal made for the run (drawn so) or one that does not exist,
    never one the system had before (the development principals every call signs in with)."""
    parameters = case.path_parameters
    named = str(parameters.get("principal_id", "")).lower()
    if aim_at_own or named in run.protected_principals:
        parameters["principal_id"] = own


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_every_operation_answers_as_its_document_says(
    system: ServiceSet, run: Run, service: str
) -> None:
    cases: Counter[str] = Counter()
    failures = failures_of(system.url(service), run, cases)
    by_caller = {name: cases[name] for name in CALLERS}
    print(f"{service}: {sum(by_caller.values())} cases, by caller {by_caller}")
    print({name: count for name, count in cases.items() if name not in CALLERS})
    assert all(by_caller.values()), f"callers that made no request: {by_caller}"
    assert not failures, f"{len(failures)} failed:\n\n" + "\n\n".join(failures)


def test_the_run_left_the_systems_principals_alone(system: ServiceSet, run: Run) -> None:
    """After every service's run (this test is collected last): no principal the system had
    before is revoked, and every role still signs in."""
    fresh = Tokens.from_data_dir(Path(system.env["JEJAK_DATA_DIR"]))  # none cached
    url = system.url("identity")
    listed = requests.get(f"{url}/principals?limit=500", headers=fresh.header(KANWIL), timeout=10)
    revoked = {p["id"] for p in listed.json()["items"] if p["revoked_at"] is not None}
    assert not revoked & run.protected_principals
    for who in AS_ROLE.values():
        answer = requests.get(f"{url}/principals", headers=fresh.header(who), timeout=10)
        assert answer.status_code in (200, 403), answer.text  # signed in, then allowed or not
