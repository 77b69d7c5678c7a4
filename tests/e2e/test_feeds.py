"""Stock feeds for channels that don't speak Redis, over real processes: the SSE feed read
across a disconnect (resumed with Last-Event-ID) and a webhook receiver that fails twice.

The expo stand's channel sells from Cilegon's store here; guitars stored at Rangkasbitung are
another channel's business and must not reach it."""

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from jejak.demo import Jejak, produce, sell, sign_off, wait_for, wait_for_stock
from jejak.tokens import KANWIL, Who
from tests.backend import Backend

EXPO = "EXPO-UMKM"
SHOES, GUITAR = "FTW-SPT-OLR", "KYU-GTR-AKS"
QUIET_S = 2.0  # a feed silent this long has nothing more to say


@pytest.fixture(scope="module")
def module_env(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = backend.system_env(tmp_path_factory.mktemp("system"), f"feed-{uuid.uuid4().hex[:6]}")
    return env | {"JEJAK_WEBHOOK_RETRY_S": "0.2", "JEJAK_WEBHOOK_INTERVAL_S": "0.2"}


class Receiver(BaseHTTPRequestHandler):
    """A channel's webhook endpoint: refuses the first two deliveries, then takes each one
    whose signature checks out, remembering what it took."""

    secret = ""
    refused = 0
    taken: list[dict[str, Any]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        signed = self.headers["Jejak-Timestamp"].encode() + b"." + body
        digest = hmac.new(Receiver.secret.encode(), signed, hashlib.sha256).hexdigest()
        with Receiver.lock:
            if self.headers["Jejak-Signature"] != f"sha256={digest}":
                self.send_response(401)
            elif Receiver.refused < 2:
                Receiver.refused += 1
                self.send_response(503)
            else:
                Receiver.taken.append(json.loads(body))
                self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jejak/stock"
    server.shutdown()


@pytest.fixture(scope="module")
def stand_at_cilegon(api: Jejak, receiver: str) -> None:
    """The expo stand sells from Cilegon's store and wants its changes POSTed; then shoes
    (Cilegon) and guitars (Rangkasbitung) are made and stored, and the stand sells a pair."""
    body = {"name": "Stan pameran UMKM", "kind": "expo", "locations": ["CLG-STORE"]}
    api.call("sales", "PUT", f"/channels/{EXPO}", body, as_=KANWIL)
    hook = api.call(
        "sales", "PUT", f"/channels/{EXPO}/webhook", {"url": receiver}, as_=Who.sales_channel(EXPO)
    )
    Receiver.secret = hook["secret"]
    shoes = produce(api, "CLG-SPT", SHOES, [(4, ["WB-FEED1"])])
    guitars = produce(api, "RKB-KYU", GUITAR, [(2, ["WB-FEED2"])])
    sign_off(api, shoes, [])
    sign_off(api, guitars, [])
    wait_for_stock(api, SHOES, 4)
    wait_for_stock(api, GUITAR, 2)
    sell(api, EXPO, SHOES, 1, "BUYER-FEED-1")


def read_feed(
    api: Jejak,
    *,
    last_event_id: str | None = None,
    stop_after: int | None = None,
    since: str = "start",
    connected: threading.Event | None = None,
    quiet_s: float = QUIET_S,
) -> list[tuple[str, dict[str, Any]]]:
    """(id, stock change) of the stand's feed until it is quiet for `quiet_s`, or `stop_after`
    events, then hang up; `connected` is set once the feed has answered."""
    headers = api.tokens.header(Who.sales_channel(EXPO))
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    got: list[tuple[str, dict[str, Any]]] = []
    fields: dict[str, str] = {}
    timeout = httpx.Timeout(10, read=quiet_s)
    url = api.urls["sales"] + f"/feed/stock?since={since}"
    try:
        with httpx.stream("GET", url, headers=headers, timeout=timeout) as response:
            assert response.status_code == 200, response.read()
            assert response.headers["content-type"].startswith("text/event-stream")
            if connected is not None:
                connected.set()
            for line in response.iter_lines():
                if line:
                    name, _, value = line.partition(": ")
                    fields[name] = value
                    continue
                if fields.get("event") == "stock-changed":
                    got.append((fields["id"], json.loads(fields["data"])))
                    if stop_after is not None and len(got) == stop_after:
                        break
                fields = {}
    except httpx.ReadTimeout:
        pass
    return got


@pytest.mark.usefixtures("stand_at_cilegon")
def test_the_feed_resumes_after_a_disconnect_without_gaps_or_repeats(api: Jejak) -> None:
    everything = read_feed(api)
    first = read_feed(api, stop_after=2)
    rest = read_feed(api, last_event_id=first[-1][0])

    assert [entry_id for entry_id, _ in first + rest] == [entry_id for entry_id, _ in everything]
    changes = [change for _, change in everything]
    assert {change["location_code"] for change in changes} == {"CLG-STORE"}
    assert {change["sku"] for change in changes} == {SHOES}
    assert [change["reason"] for change in changes] == ["received", "reserved", "sold"]
    assert [change["version"] for change in changes] == [1, 2, 3]


@pytest.mark.usefixtures("stand_at_cilegon")
def test_the_feed_goes_on_live_after_what_was_missed(api: Jejak) -> None:
    missed = read_feed(api)
    sell(api, EXPO, SHOES, 1, "BUYER-FEED-2")

    new = read_feed(api, last_event_id=missed[-1][0])

    assert [(change["reason"], change["available"]) for _, change in new] == [
        ("reserved", 2),
        ("sold", 2),
    ]


@pytest.mark.usefixtures("stand_at_cilegon")
def test_a_feed_since_now_gets_only_the_changes_after_it_connected(api: Jejak) -> None:
    connected = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(
            read_feed, api, since="now", stop_after=2, connected=connected, quiet_s=20
        )
        assert connected.wait(10), "the feed did not answer"
        sell(api, EXPO, SHOES, 1, "BUYER-FEED-3")
        new = reading.result()

    assert [(change["reason"], change["location_code"]) for _, change in new] == [
        ("reserved", "CLG-STORE"),
        ("sold", "CLG-STORE"),
    ]


@pytest.mark.usefixtures("stand_at_cilegon")
def test_a_webhook_that_fails_twice_still_gets_each_change_once_in_order(api: Jejak) -> None:
    sent = [change for _, change in read_feed(api)]

    def all_taken() -> bool:
        with Receiver.lock:
            return len(Receiver.taken) >= len(sent)

    wait_for("the webhook receiver to take every change", all_taken, timeout_s=30)
    with Receiver.lock:
        taken = list(Receiver.taken)
    assert Receiver.refused == 2
    assert [change["event_id"] for change in taken] == [change["event_id"] for change in sent]
    deliveries = api.call(
        "sales", "GET", f"/channels/{EXPO}/webhook/deliveries", as_=Who.sales_channel(EXPO)
    )
    attempts = [delivery["attempts"] for delivery in deliveries["items"]]
    assert attempts == [3] + [1] * (len(sent) - 1)
    assert {delivery["status"] for delivery in deliveries["items"]} == {"delivered"}
