"""JSON log lines (production): one object per line, each record made during a request carrying that request's id
(the one its response names in X-Request-ID), and no personal number, exception text included."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from portal import json_logs
from portal.app import create_app
from portal.app_services import Services
from portal.config import Settings, SettingsError
from portal.json_logs import JsonFormatter, request_id_from
from tests.conftest import make_id

ID_NUMBER = make_id(date(1990, 1, 1), "M")
PHONE = "13812345678"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the root logger writes through the JSON formatter, the access line included."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    root, access = logging.getLogger(), logging.getLogger(json_logs.ACCESS_LOGGER)
    level = access.level
    root.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        access.setLevel(level)


def _entries(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]  # each line one object, or this fails


async def test_a_requests_log_lines_carry_the_request_id_of_its_response(client, json_lines, monkeypatch) -> None:
    from portal.routes import pages

    async def broken(engine: Any) -> bool:
        raise ValueError(f"no person {ID_NUMBER} with phone {PHONE}")

    monkeypatch.setattr(pages.health, "database_ok", broken)
    response = await client.get("/healthz")
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]

    entries = _entries(json_lines)
    mine = [entry for entry in entries if entry.get("request_id") == request_id]
    error = next(entry for entry in mine if entry["level"] == "ERROR")
    assert error["logger"] == "portal.routes.errors"
    assert "ValueError: no person [id-number] with phone [phone]" in error["exception"]
    access = next(entry for entry in mine if entry["logger"] == json_logs.ACCESS_LOGGER)
    assert (access["method"], access["route"], access["status"]) == ("GET", "/healthz", 500)
    assert isinstance(access["duration_ms"], float)
    assert {"time", "level", "logger", "message"} <= access.keys()
    assert ID_NUMBER not in json_lines.getvalue()
    assert PHONE not in json_lines.getvalue()


async def test_each_request_has_its_own_id_and_a_safe_incoming_one_is_kept(client, json_lines) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz", headers={"X-Request-ID": "edge-42.a_b"})
    assert second.headers["x-request-id"] == "edge-42.a_b"
    ids = [entry["request_id"] for entry in _entries(json_lines) if entry["logger"] == json_logs.ACCESS_LOGGER]
    assert ids == [first.headers["x-request-id"], "edge-42.a_b"]


@pytest.mark.parametrize(
    "incoming", ["x" * 65, "two words", "<script>", "中文", ID_NUMBER, f"req-{PHONE}", ""], ids=repr
)
def test_an_incoming_request_id_that_is_not_a_short_safe_token_is_replaced(incoming: str) -> None:
    made = request_id_from([(b"x-request-id", incoming.encode())])
    assert made != incoming
    assert made == request_id_from([(b"x-request-id", made.encode())])  # what we make is itself safe


def test_a_record_outside_any_request_has_no_request_id(json_lines) -> None:
    logging.getLogger("portal.test").warning("between requests")
    (entry,) = [entry for entry in _entries(json_lines) if entry["message"] == "between requests"]
    assert "request_id" not in entry


def test_the_json_formatter_redacts_a_record_made_without_the_portals_record_factory() -> None:
    try:
        raise RuntimeError(f"insert failed for {ID_NUMBER}")
    except RuntimeError:
        record = logging.LogRecord("lib", logging.ERROR, __file__, 1, "texting %s", (PHONE,), exc_info=sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "texting [phone]"
    assert "insert failed for [id-number]" in entry["exception"]


def test_log_format_is_a_setting() -> None:
    base = {"PORTAL_ENV": "test", "PORTAL_DATA_KEY": "11" * 32, "PORTAL_SECRET_KEY": "22" * 32, "AUDIT_KEY": "33" * 32}
    assert not Settings.from_env(base).log_json
    assert Settings.from_env({**base, "LOG_FORMAT": "json"}).log_json
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        Settings.from_env({**base, "LOG_FORMAT": "xml"})


async def test_an_app_in_json_mode_writes_every_line_as_json(app, settings, capfd) -> None:
    """Through the app's own logging configuration: its handler on the root, uvicorn's records sent there too,
    and uvicorn's access line (raw path and query) replaced by the portal's."""
    json_app = create_app(replace(settings, log_json=True))
    try:
        logging.getLogger("portal.test").warning("marker %s", ID_NUMBER)
        logging.getLogger("uvicorn.error").warning("uvicorn marker")
        logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /status/secret-token HTTP/1.1" 200')
        written = ""
        for _ in range(100):  # the queue listener writes from its own thread
            written += capfd.readouterr().err
            if "uvicorn marker" in written:
                break
            await asyncio.sleep(0.02)
    finally:
        services: Services = json_app.state.services
        await services.limiter.close()
        await services.engine.dispose()
        app.logging_config.configure()  # the suite's app's text lines again
    lines = [json.loads(line) for line in written.splitlines() if line.strip()]
    assert {"logger": "portal.test", "message": "marker [id-number]"}.items() <= lines[0].items()
    assert {"logger": "uvicorn.error", "message": "uvicorn marker"}.items() <= lines[1].items()
    assert "secret-token" not in written
