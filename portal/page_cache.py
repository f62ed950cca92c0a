"""Whole public pages for visitors without a session, kept in this process for a few seconds.

The home page, the policies and the notices are the same for every visitor without a session who reads the same
language; drawing them costs the whole middleware chain, a database session and a template. Here a page drawn once
is answered from memory before Litestar is asked. What is kept is only what anyone may read: pages for someone with a
session, pages that carry a form's CSRF token (bound to one visitor's cookie) and anything but a 200 are never kept,
and no cookie is ever replayed. The store is bounded (entries and bytes), so a crawler of unique query strings only
pushes out older pages. Each process keeps its own: a change is seen at once in the process that made it
(`clear`) and within `ttl_seconds` in the others. A `ttl_seconds` of 0 keeps nothing.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from litestar.types import ASGIApp, Message, Receive, Scope, Send

# A page with a form carries the visitor's own CSRF token: never shared.
_TOKEN_MARK = b'name="_csrf_token"'
# Headers that belong to one response or one visitor, dropped from what is kept.
_NOT_KEPT = frozenset({b"set-cookie", b"date", b"content-length"})


@dataclass(frozen=True)
class Kept:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    until: float
    # The route's template (Litestar's router sets it): what a kept page is counted under in the metrics.
    route: str | None


# Asked before a kept page is answered (e.g. a per-address limit): False sends the request on to the app.
Gate = Callable[[Scope], Awaitable[bool]]


class PublicPages:
    def __init__(
        self,
        app: ASGIApp,
        *,
        paths: tuple[str, ...],
        prefixes: tuple[str, ...],
        gates: dict[str, Gate] | None = None,
        ttl_seconds: float = 10.0,
        max_entries: int = 512,
        max_bytes: int = 16 * 1024 * 1024,
        max_page_bytes: int = 512 * 1024,
    ) -> None:
        self.app = app
        self.paths = frozenset(paths)
        self.prefixes = prefixes
        self.gates = gates or {}
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_page_bytes = max_page_bytes
        self._kept: OrderedDict[tuple[str, bytes, str], Kept] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        self._kept.clear()
        self._bytes = 0

    def cacheable(self, scope: Scope) -> bool:
        path: str = scope["path"]
        return (
            self.ttl_seconds > 0
            and scope.get("method") == "GET"
            and (path in self.paths or path.startswith(self.prefixes))
        )

    def _gate(self, path: str) -> Gate | None:
        return next((gate for prefix, gate in self.gates.items() if path.startswith(prefix)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send, *, locale: str) -> None:
        """Answer `scope` (a GET of a public page by a visitor without a session) from memory, or ask the app."""
        key = (scope["path"], scope.get("query_string", b""), locale)
        gate = self._gate(scope["path"])
        if gate is not None and not await gate(scope):
            await self.app(scope, receive, send)  # the app answers as it does when over the limit
            return
        kept = self._kept.get(key)
        now = time.monotonic()
        if kept is not None and kept.until > now:
            self.hits += 1
            self._kept.move_to_end(key)
            if kept.route:
                cast(dict[str, Any], scope)["path_template"] = kept.route
            headers = [*kept.headers, (b"content-length", str(len(kept.body)).encode())]
            await send({"type": "http.response.start", "status": kept.status, "headers": headers})
            await send({"type": "http.response.body", "body": kept.body, "more_body": False})
            return
        self.misses += 1
        await self._draw_and_keep(scope, receive, send, key, now)

    async def _draw_and_keep(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[str, bytes, str], now: float
    ) -> None:
        status = 0
        start_headers: list[tuple[bytes, bytes]] = []
        parts: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal status, start_headers, size
            if message["type"] == "http.response.start":
                status, start_headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body" and size <= self.max_page_bytes:
                body = message.get("body", b"")
                parts.append(body)
                size += len(body)
            await send(message)

        await self.app(scope, receive, capture)
        if status != 200 or size > self.max_page_bytes:
            return
        body = b"".join(parts)
        if _TOKEN_MARK in body:
            return
        headers = [(name, value) for name, value in start_headers if name.lower() not in _NOT_KEPT]
        if any(name.lower() == b"cache-control" and b"no-store" in value for name, value in headers):
            return
        route = cast(dict[str, Any], scope).get("path_template")
        self._keep(key, Kept(status, headers, body, now + self.ttl_seconds, route))

    def _keep(self, key: tuple[str, bytes, str], kept: Kept) -> None:
        old = self._kept.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._kept[key] = kept
        self._bytes += len(kept.body)
        while self._kept and (len(self._kept) > self.max_entries or self._bytes > self.max_bytes):
            _, dropped = self._kept.popitem(last=False)
            self._bytes -= len(dropped.body)
