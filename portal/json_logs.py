"""Log lines as JSON objects (production), and the request id that every record made during a request carries."""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import msgspec

from portal import logging_filters
from portal.logging_filters import redact

# Set by the outermost middleware (`portal.metrics.observe`) for the length of one request.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
REQUEST_ID_HEADER = b"x-request-id"
# A proxy's or load balancer's id is kept, so that its logs and ours join up; anything else is replaced, so that
# a client cannot write what it likes into our logs.
_SAFE_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
# The access line's own fields (see `access_record`), copied into its JSON object.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")
ACCESS_LOGGER = "portal.access"
_installed = False


# Ids are this process's random prefix and a count: unique across processes and restarts, and far cheaper per
# request than random bytes each time. A forked worker takes a prefix of its own.
_prefix = ""
_counter = itertools.count()


def _new_prefix() -> None:
    global _prefix, _counter  # once per process
    _prefix, _counter = secrets.token_hex(5) + "-", itertools.count(1)


_new_prefix()
os.register_at_fork(after_in_child=_new_prefix)


def new_request_id() -> str:
    return f"{_prefix}{next(_counter):x}"


def request_id_from(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The request's `X-Request-ID` when it is a short safe token (and no personal number), else a new one."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            if _SAFE_ID.fullmatch(value):
                text = value.decode("ascii")
                if redact(text) == text:
                    return text
            break
    return new_request_id()


def install() -> None:
    """Give every record the current request id as it is created, after `logging_filters` redacted it: a filter
    on one handler would miss records that reach others, and records formatted on the queue listener's thread
    no longer see the request's context. A record with the attribute has been redacted (see JsonFormatter)."""
    global _installed  # installed once per process
    if _installed:
        return
    logging_filters.install()
    make_record = logging.getLogRecordFactory()

    def with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    logging.setLogRecordFactory(with_request_id)
    _installed = True


# msgspec (Litestar's own encoder) writes a line in a fraction of json's time: the access line is per request.
_encode = msgspec.json.Encoder(enc_hook=str).encode


def _unchanged(text: str) -> str:
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per record. A record made without the portal's record factory (by a library that builds
    its own, say) has its message and exception text redacted here; the factory's were redacted as they were
    made, and are not searched twice."""

    def format(self, record: logging.LogRecord) -> str:
        redacted = redact if not hasattr(record, "request_id") else _unchanged
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redacted(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        for key in ACCESS_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exception"] = redacted(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return _encode(entry).decode()


def access_record(method: str, route: str, status: int, duration_ms: float, request_id: str) -> logging.LogRecord:
    """The access line, made directly rather than through the logger's record factory and caller lookup: it is
    written for every request, and holds nothing to redact (a known method, a route template, a status)."""
    record = logging.LogRecord(ACCESS_LOGGER, logging.INFO, "", 0, "%s %s %d", (method, route, status), None)
    record.method, record.route, record.status, record.duration_ms = method, route, status, duration_ms
    record.request_id = request_id
    return record


def formatter(json_lines: bool) -> dict[str, Any]:
    """The `standard` formatter of the app's LoggingConfig."""
    if json_lines:
        return {"()": JsonFormatter}
    return {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}


def loggers(json_lines: bool) -> dict[str, dict[str, Any]]:
    """Loggers for the app's LoggingConfig. The access line (with request id, route and duration) is written in
    JSON mode only, where it takes the place of uvicorn's: that one has the raw path and query (status tokens,
    record numbers) and its own text handler. uvicorn's other records go to the root's JSON handler."""
    if not json_lines:
        return {ACCESS_LOGGER: {"level": "WARNING"}}
    return {
        ACCESS_LOGGER: {"level": "INFO"},
        "uvicorn": {"handlers": [], "propagate": True},
        "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
    }
