"""Page arithmetic shared by every paginated list: a stale page number still lands on a real page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageWindow:
    page: int
    pages: int
    offset: int
    limit: int


def window(total: int, page: int, per_page: int) -> PageWindow:
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    return PageWindow(page=page, pages=pages, offset=(page - 1) * per_page, limit=per_page)
