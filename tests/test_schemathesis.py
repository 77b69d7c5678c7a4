"""Schemathesis against every service's OpenAPI document, over HTTP to real processes.

One system for the module (every service its own process, as `make run` starts them); each
operation gets a bounded number of generated requests, positive and negative (invalid on
purpose), each signed in as one of the roles the operation allows (`x-jejak-roles`), with
the development principals' real tokens. Every answer must be no 5xx, of a status the
document declares, of a declared media type, and match the declared schema.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL, Tokens, Who
from shared.auth import PUBLIC, ROLES_EXTENSION
from shared.settings import SERVICE_PORTS
from tests.backend import Backend
from tests.e2e.system import running_system

EXAMPLES = 12  # per operation and mode: the whole file stays around a minute on two cores
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


@pytest.fixture(scope="module")
def system(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceSet]:
    env = backend.system_env(tmp_path_factory.mktemp("system"), f"st-{uuid.uuid4().hex[:6]}")
    env["JEJAK_PUBLIC_RATE_LIMIT"] = "off"  # generated lookups are many; 429 is tested apart
    with running_system(env, tmp_path_factory.mktemp("logs")) as services:
        yield services


@pytest.fixture(scope="module")
def tokens(system: ServiceSet) -> Tokens:
    return Tokens.from_data_dir(Path(system.env["JEJAK_DATA_DIR"]))


# Answers that never end (Server-Sent Events): a fuzzer waits forever; tests/e2e/test_feeds.py
# reads them.
ENDLESS = {"/feed/stock"}


def failures_of(url: str, tokens: Tokens) -> list[str]:
    """Every operation of the document at `url`, fuzzed; what failed, one line each."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    session = requests.Session()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err: a broken document
        if operation.path in ENDLESS:
            continue
        roles = operation.definition.raw.get(ROLES_EXTENSION, [PUBLIC])
        callers: list[Who | None] = (
            [None] if roles == [PUBLIC] else [AS_ROLE[role] for role in roles]
        )
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, callers, url, tokens, session)
            except Unsatisfiable:  # nothing to make invalid: an operation without input
                pass
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup
                failures.append(f"{operation.label} ({mode.value}): {exc}"[:1500])
    return failures


def fuzz(
    operation: Any,
    mode: GenerationMode,
    callers: list[Who | None],
    url: str,
    tokens: Tokens,
    session: requests.Session,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode), who=st.sampled_from(callers))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests every run: a failure here is one to fix
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any, who: Who | None) -> None:
        case.call_and_validate(
            base_url=url, session=session, headers=tokens.header(who), checks=CHECKS
        )

    check()


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_every_operation_answers_as_its_document_says(
    system: ServiceSet, tokens: Tokens, service: str
) -> None:
    failures = failures_of(system.url(service), tokens)
    assert not failures, "\n\n".join(failures)
