"""Refuse what no browser sends before anything reads it: NUL bytes, and bytes that are not UTF-8, in the
path, the query or a urlencoded form (400, the bad-request page), rather than crash deeper down (Litestar's
form parser, PostgreSQL's text). Multipart and JSON bodies are left to their own parsers."""

from __future__ import annotations

import re

from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import ClientException
from litestar.types import ASGIApp, Receive, Scope, Send


class BadInput(ClientException):
    """NUL bytes or bytes that are not UTF-8 in the path, the query or a form: 400."""

    status_code = 400


# Runs of percent-escapes: a character of several bytes never spans an unescaped (ASCII) byte, so
# checking each run alone is checking the whole, without decoding megabytes of plain text.
_ESCAPES = re.compile(rb"(?:%[0-9A-Fa-f]{2})+")


def _clean(raw: bytes) -> bool:
    """True when percent-encoded `raw` is plain ASCII that decodes to UTF-8 text without NUL bytes.

    Browsers percent-encode everything else; Litestar's form and query parser decodes the raw bytes
    as ASCII and would fail on anything more."""
    if not raw.isascii() or b"\x00" in raw:
        return False
    for run in _ESCAPES.findall(raw):
        decoded = bytes.fromhex(run.replace(b"%", b"").decode("ascii"))
        if b"\x00" in decoded:
            return False
        try:
            decoded.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


def input_guard(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        raw_path = scope.get("raw_path")
        if "\x00" in scope["path"] or (raw_path is not None and not _clean(raw_path)):
            raise BadInput()
        if not _clean(scope.get("query_string", b"")):
            raise BadInput()
        request = scope["litestar_app"].request_class(scope, receive)
        # Read once here; Litestar keeps the body in the scope for the CSRF check and the handler.
        if request.content_type[0] == RequestEncodingType.URL_ENCODED and not _clean(await request.body()):
            raise BadInput()
        await app(scope, receive, send)

    return middleware
