"""Walking a keyset list (services/keyset.py) page by page, forward with Next and backward with Previous, as a
reader following the links would."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from typing import Any

from portal.services import keyset

Read = Callable[[keyset.At], Awaitable[tuple[list[Any], keyset.Page]]]  # a page's rows (as the test names them)
MAX_PAGES = 50  # a walk that goes round in circles stops here (and the test then fails on its rows)


async def forward(read: Read) -> list[list[Any]]:
    """Every page from the first, following Next to the end."""
    pages: list[list[Any]] = []
    at = keyset.START
    for _ in range(MAX_PAGES):
        rows, page = await read(at)
        pages.append(rows)
        if not page.has_next:
            break
        at = keyset.At(after=page.next)
    return pages


async def backward(read: Read) -> list[list[Any]]:
    """Every page from the last, following Previous to the start; in the order they were visited."""
    pages: list[list[Any]] = []
    at = keyset.At(last="1")
    for _ in range(MAX_PAGES):
        rows, page = await read(at)
        pages.append(rows)
        if not page.has_previous:
            break
        at = keyset.At(before=page.previous)
    return pages


def flat(pages: list[list[Any]]) -> list[Any]:
    return [row for rows in pages for row in rows]


_NAV = re.compile(r'<nav class="pagination"[^>]*>(.*?)</nav>', re.S)
_LINK = re.compile(r'<a href="([^"]+)"(?: rel="(prev|next)")?')


def links(page: str) -> dict[str, str]:
    """The pager's links on an HTML page: first, prev, next and last (those shown), unescaped."""
    nav = _NAV.search(page)
    if nav is None:
        return {}
    found: dict[str, str] = {}
    for url, rel in _LINK.findall(nav.group(1)):
        url = html.unescape(url)
        name = rel or ("last" if "last=1" in url else "first")
        found[name] = url
    return found


async def follow(client: Any, url: str, rel: str, rows: Callable[[str], list[Any]], **get: Any) -> list[list[Any]]:
    """The pages from `url` on, following the pager's `rel` link (next or prev) as a reader clicking it would."""
    pages: list[list[Any]] = []
    for _ in range(MAX_PAGES):
        response = await client.get(url, **get)
        assert response.status_code == 200, response.text[:300]
        pages.append(rows(response.text))
        link = links(response.text).get(rel)
        if link is None:
            break
        url = link
    return pages
