"""Structured logs: one JSON object per line from every service (a readable line under
`jejak run`), naming the service, the request's or the event's ids, and never a secret.

Every line has `time` (UTC, ISO 8601), `level`, `service`, `logger` and `event` (the message);
inside an HTTP request its `correlation_id`; while a consumer applies entries `stream`, `group`
and, for a single entry, `event_id`, `correlation_id` and `causation_id` (set with `bound`);
an exception is a field (`exception`, the whole traceback) of its one line. Bearer tokens,
passwords in URLs, worker codes and buyer references are replaced by `[redacted]` before a
line is written, wherever in the line they are (`RedactionFilter`).

Services set this up when uvicorn imports them (`configure_server`): uvicorn's own lines go
through the same handler, and its access log is replaced by Jejak's (shared/metrics.py).
"""

import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

import orjson

from shared.correlation import request_flow

LogFormat = Literal["json", "console"]
REDACTED = "[redacted]"
CONTEXT_FIELDS = ("correlation_id", "causation_id", "event_id", "stream", "group")
ALREADY_LOGGED = "_jejak_logged"  # set on an exception whose traceback is on a line already

_context: ContextVar[Mapping[str, str] | None] = ContextVar("jejak_log_context", default=None)
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName", "color_message", ALREADY_LOGGED}
)


@contextmanager
def bound(**fields: object) -> Iterator[None]:
    """Every line logged inside the block (by this task) carries these fields; None is left
    out."""
    values = {key: str(value) for key, value in fields.items() if value is not None}
    token = _context.set({**(_context.get() or {}), **values})
    try:
        yield
    finally:
        _context.reset(token)


def context() -> dict[str, str]:
    """The fields bound here, and the correlation id of the request being handled."""
    fields = dict(_context.get() or {})
    if "correlation_id" not in fields:
        flow = request_flow()
        if flow is not None:
            fields["correlation_id"] = str(flow.correlation_id)
    return fields


_ID = r'"{}":"([0-9a-fA-F-]{{36}})"'
_ENVELOPE_IDS = {name: re.compile(_ID.format(name)) for name in CONTEXT_FIELDS[:3]}


def entry_ids(fields: Mapping[bytes, bytes]) -> dict[str, str]:
    """event_id, correlation_id and causation_id of a raw stream entry, without decoding it
    (the envelope comes first in the JSON), for the log context of a single entry."""
    raw = fields.get(b"__data__", b"")[:1024].decode(errors="replace")
    found = {name: pattern.search(raw) for name, pattern in _ENVELOPE_IDS.items()}
    return {name: match.group(1) for name, match in found.items() if match}


# --------------------------------------------------------------------------- redaction

SENSITIVE_KEY = re.compile(
    r"authorization|cookie|token|password|passwd|secret|api_?key|worker_codes?|buyer_ref", re.I
)
_KEYS = (
    r"authorization|cookie|(?:access_|refresh_|id_)?token|password|passwd|(?:client_)?secret"
    r"|api_?key|worker_codes?|buyer_ref"
)
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer <token> / Basic <credentials>, in headers, reprs and messages.
    (re.compile(r"\b(Bearer|Basic)(\s+)[A-Za-z0-9\-._~+/]+=*", re.I), rf"\1\2{REDACTED}"),
    # JSON Web Tokens wherever they are.
    (re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    # scheme://user:password@host -> scheme://user:***@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s'\"]*:)[^@\s/'\"]+@", re.I), r"\1***@"),
    # Worker codes (WB-7F3K), personal pseudonyms that stay in production's database.
    (re.compile(r"\bWB-[A-Z0-9]{4,8}\b"), REDACTED),
    # key=value, key: value, 'key': 'value', "key":"value", (key)=(value), key=[...], for
    # the keys above: buyer references are opaque, only their name gives them away.
    (
        re.compile(
            rf"""(["']?\b(?:{_KEYS})\b["']?\)?\s*[:=]\s*)"""
            r"""(\[[^\]]*\]|\([^)]*\)|"[^"]*"|'[^']*'|[^\s,;)}\]&]+)""",
            re.I,
        ),
        rf"\1{REDACTED}",
    ),
)


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(key: str, value: Any) -> Any:
    if SENSITIVE_KEY.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


class RedactionFilter(logging.Filter):
    """Rewrites a record before any handler formats it: the message (with its arguments),
    the traceback and every extra field lose tokens, passwords, worker codes, buyer refs."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD:
                record.__dict__[key] = _redact_value(key, value)
        return True


class ContextFilter(logging.Filter):
    """Adds the bound fields (and the request's correlation id) to a record; fields given
    explicitly with `extra=` win."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in context().items():
            record.__dict__.setdefault(key, value)
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


def _traceback(record: logging.LogRecord, formatter: logging.Formatter) -> str | None:
    if record.exc_info and not record.exc_text:
        record.exc_text = formatter.formatException(record.exc_info)
    return record.exc_text or None


# --------------------------------------------------------------------------- formatters


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "event": record.getMessage(),
        }
        extras = _extras(record)
        line.update((key, extras.pop(key)) for key in CONTEXT_FIELDS if key in extras)
        line.update(extras)
        traceback = _traceback(record, self)
        if traceback:
            line["exception"] = traceback
        if record.stack_info:
            line["stack"] = record.stack_info
        return orjson.dumps(line, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    """For people (`jejak run`): time, service, level, message, then key=value; a traceback
    follows on its own lines."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S.%f")[:-3]
        pairs = " ".join(f"{key}={value}" for key, value in _extras(record).items())
        line = f"{stamp} {self.service:<10} {record.levelname:<7} {record.getMessage()}"
        if pairs:
            line += f"  {pairs}"
        traceback = _traceback(record, self)
        if traceback:
            line += "\n" + traceback
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


class _StreamHandler(logging.StreamHandler[TextIO]):
    """Marks the handler this module installed, so configuring again replaces it."""


class _NotLoggedTwice(logging.Filter):
    """uvicorn logs 'Exception in ASGI application' for an exception the request observer
    already wrote, with its route and correlation id, on one line: once is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not getattr(exc, ALREADY_LOGGED, False)


_NOT_LOGGED_TWICE = _NotLoggedTwice()


def configure(
    service: str,
    fmt: LogFormat = "json",
    *,
    level: int = logging.INFO,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send every log line of this process (uvicorn's too) to `stream` (stdout) in `fmt`;
    uvicorn's access log is switched off. Configuring again replaces the handler. Returns it."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StreamHandler)]:
        root.removeHandler(old)
    handler = _StreamHandler(stream if stream is not None else sys.stdout)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactionFilter())
    handler.setFormatter(JsonFormatter(service) if fmt == "json" else ConsoleFormatter(service))
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.error").addFilter(_NOT_LOGGED_TWICE)
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
    return handler


def unconfigure(handler: logging.Handler) -> None:
    """Remove a handler `configure` installed (tests)."""
    logging.getLogger().removeHandler(handler)


def under_uvicorn() -> bool:
    """uvicorn's command line configured its loggers before importing the app: this is a
    service process, whose logging is ours to set up (not a test importing a service)."""
    return bool(
        logging.getLogger("uvicorn").handlers or logging.getLogger("uvicorn.error").handlers
    )


def configure_server(service: str, fmt: LogFormat) -> None:
    """Set up logging when a service starts under uvicorn; leave a test's logging alone."""
    if under_uvicorn():
        configure(service, fmt)
