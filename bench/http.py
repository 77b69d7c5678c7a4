"""A small keep-alive HTTP/1.1 client for load generation.

httpx costs about a millisecond of CPU per request; on a 2-core machine the load generator would
take a large share of the CPU the services are measured on. This client only writes a request
and reads the status, headers and body off a kept-alive connection (tens of microseconds), which
is all the benchmarks need from uvicorn's answers.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic_core import from_json, to_json


class HttpError(RuntimeError):
    """An answer the benchmark did not expect."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        return from_json(self.body)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


# uvicorn closes a connection idle for 5 s (timeout_keep_alive); don't reuse one near that.
MAX_IDLE_S = 4.0


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = False
        self.idle_since = time.monotonic()

    async def exchange(self, request: bytes) -> tuple[Reply, bool]:
        """Send one request, read one answer; the flag says whether to keep the connection."""
        self.writer.write(request)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        self.used = True
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length: int | None = None
        chunked = False
        keep = True
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep = value.strip().lower() != b"close"
        if chunked:
            body = await self._read_chunks()
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body, keep = await self.reader.read(), False
        return Reply(status, body), keep

    async def _read_chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append((await self.reader.readexactly(size + 2))[:-2])

    def close(self) -> None:
        self.writer.close()


class HttpPool:
    """Up to `size` kept-alive connections to one service; requests wait for a free one."""

    def __init__(self, base_url: str, size: int = 16, timeout_s: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout_s = timeout_s
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(size)
        self._host_header = f"Host: {self.host}:{self.port}\r\n".encode()

    async def get(self, path: str, token: str | None = None) -> Reply:
        return await self.request("GET", path, token=token)

    async def post(self, path: str, body: Any = None, token: str | None = None) -> Reply:
        return await self.request("POST", path, body, token=token)

    async def request(
        self, method: str, path: str, body: Any = None, *, token: str | None = None
    ) -> Reply:
        """One request; `token`, a bearer access token, signs it in."""
        request = self._encode(method, path, body, token)
        async with self._slots:
            for attempt in (1, 2):
                connection = self._take_idle() if attempt == 1 else None
                connection = connection or await self._open()
                try:
                    async with asyncio.timeout(self.timeout_s):
                        reply, keep = await connection.exchange(request)
                except (ConnectionError, asyncio.IncompleteReadError):
                    connection.close()
                    # A kept-alive connection the server closed meanwhile: one fresh try.
                    if attempt == 1 and connection.used:
                        continue
                    raise
                except BaseException:
                    connection.close()
                    raise
                if keep:
                    connection.idle_since = time.monotonic()
                    self._idle.append(connection)
                else:
                    connection.close()
                return reply
        raise AssertionError("unreachable")

    def _encode(self, method: str, path: str, body: Any, token: str | None) -> bytes:
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self._host_header
        if token is not None:
            head += f"Authorization: Bearer {token}\r\n".encode()
        if body is None:
            return head + (b"Content-Length: 0\r\n\r\n" if method == "POST" else b"\r\n")
        payload = to_json(body)
        return (
            head
            + b"Content-Type: application/json\r\nContent-Length: "
            + str(len(payload)).encode()
            + b"\r\n\r\n"
            + payload
        )

    def _take_idle(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if time.monotonic() - connection.idle_since < MAX_IDLE_S:
                return connection
            connection.close()
        return None

    async def _open(self) -> _Connection:
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        return _Connection(reader, writer)

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()


def expect_ok(reply: Reply, what: str) -> Any:
    """The JSON body of a 2xx answer; anything else raises with the service's reason."""
    if not reply.ok:
        raise HttpError(f"{what}: HTTP {reply.status}: {reply.body[:500]!r}")
    return reply.json()
