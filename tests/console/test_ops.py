"""The Kanwil's operational view against the real services and the run's Redis: every
consuming service's groups in one table, a bad entry on a stream set aside and shown with its
reason, a retry refused in words (still invalid) or done (the letter leaves the list, the event
applied once), and a service that does not answer named while the others are still shown."""

import json
import re
from html import unescape
from typing import Any

from jejak.redis_users import SPECS
from services.console.ops import CONSUMING
from shared.contracts import BatchCompleted
from shared.delivery.entries import DATA_FIELD, Entry
from tests.builders import batch_completed
from tests.console.harness import Browser, ConsoleSystem, form_fields
from tests.waiting import eventually

RETRY = re.compile(r'action="/kanwil/ops/dead-letters/(?P<service>[a-z]+)/(?P<id>[\d-]+)/replay"')


async def ops_page(browser: Browser) -> str:
    page = await browser.http.get("/kanwil/ops")
    assert page.status_code == 200, page.text
    return unescape(page.text)


async def retried(browser: Browser, service: str, letter_id: str) -> Any:
    csrf = form_fields(await ops_page(browser))["csrf_token"]
    path = f"/kanwil/ops/dead-letters/{service}/{letter_id}/replay"
    return await browser.http.post(path, data={"csrf_token": csrf})


def letter_card(page: str, service: str, letter_id: str) -> str:
    marker = f'id="letter-{service}-{letter_id}"'
    return page.split(marker, 1)[1].split("</li>", 1)[0] if marker in page else ""


async def shown_letters(browser: Browser, count: int) -> dict[str, str]:
    """The dead letters on the page, once there are `count`: service -> letter id."""

    async def listed() -> dict[str, str] | None:
        found = {m["service"]: m["id"] for m in RETRY.finditer(await ops_page(browser))}
        return found if len(found) >= count else None

    shown = await eventually(f"{count} dead letter(s) on the page", listed)
    assert shown is not None
    return shown


def test_the_console_asks_every_service_that_consumes_streams() -> None:
    assert set(CONSUMING) == {name for name, spec in SPECS.items() if spec().events}


async def test_the_page_shows_the_group_of_every_consuming_service_and_no_letter(
    kanwil: Browser,
) -> None:
    page = await ops_page(kanwil)

    for service in CONSUMING:
        assert f'id="group-{service}-' in page
    assert ".batch-completed" in page
    assert "Tidak ada surat mati." in page
    assert "tidak menjawab" not in page
    english = await kanwil.http.get("/kanwil/ops?lang=en")
    assert '<h2 id="groups-heading">Consumer groups</h2>' in english.text
    assert "No dead letters." in english.text


async def test_a_bad_entry_is_shown_with_its_reason_and_its_retry_is_refused_in_words(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    payload = batch_completed().model_dump(mode="json") | {"quantity": -1}
    runtime = system.quality.state.runtime
    stream = BatchCompleted.stream(runtime.settings.namespace)
    await runtime.redis.xadd(stream, {DATA_FIELD: json.dumps(payload).encode()})

    # Every group of the stream sets it aside: quality's and trace's.
    letters = await shown_letters(kanwil, 2)
    assert set(letters) == {"quality", "trace"}
    service, letter_id = "quality", letters["quality"]
    card = letter_card(await ops_page(kanwil), service, letter_id)
    assert "Tidak sah: melanggar kontraknya" in card
    assert stream in card
    assert "quantity: Input should be greater than or equal to 0" in card
    answer = await retried(kanwil, service, letter_id)

    assert answer.status_code == 409
    refused = letter_card(unescape(answer.text), service, letter_id)
    assert "Tidak dicoba lagi." in refused
    assert "still invalid" in refused
    assert letter_card(await ops_page(kanwil), service, letter_id), "the letter stays"


async def test_a_letter_retried_from_the_page_is_replayed_once_and_leaves_the_list(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    batch = batch_completed()
    await system.completed(batch)
    runtime = system.quality.state.runtime
    stream = BatchCompleted.stream(runtime.settings.namespace)
    [(entry_id, fields)] = await runtime.redis.xrange(stream)
    # As quality's claimer sets an entry aside after its deliveries kept failing.
    await runtime.dead_letters.send(
        Entry(stream, entry_id.decode(), fields),
        group=runtime.settings.group,
        reason="max_deliveries",
        error="not applied after 5 deliveries; last error: the database went away",
        deliveries=5,
    )
    [(service, letter_id)] = (await shown_letters(kanwil, 1)).items()
    assert "Gagal diterapkan berulang kali" in letter_card(
        await ops_page(kanwil), service, letter_id
    )

    answer = await retried(kanwil, service, letter_id)

    assert answer.status_code == 303
    done = unescape((await kanwil.http.get(answer.headers["location"])).text)
    assert f"Surat mati quality/{letter_id} dicoba lagi" in done
    assert not letter_card(done, service, letter_id)
    inspections = await system.call("quality", "GET", "/inspections?status=pending")
    assert [i["batch_id"] for i in inspections.json()["items"]] == [str(batch.batch_id)]
    again = await retried(kanwil, service, letter_id)
    assert again.status_code == 404
    assert "sudah tidak ada" in unescape(again.text)
    assert await runtime.redis.xlen(stream) == 1, "nothing was added to the stream"


async def test_a_service_that_does_not_answer_is_named_and_the_others_still_shown(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    upstream = system.console.state.console.upstream
    upstream.settings = upstream.settings.model_copy(update={"trace_url": "http://127.0.0.1:9"})

    page = await ops_page(kanwil)

    assert "Layanan trace tidak menjawab" in page
    assert 'id="group-quality-' in page
    assert 'id="group-trace-' not in page
