"""Page arithmetic for every paginated list."""

from __future__ import annotations

import pytest

from portal.services.paging import window


@pytest.mark.parametrize(
    ("total", "page", "expected"),
    [(0, 1, (1, 1, 0)), (25, 1, (1, 1, 0)), (26, 2, (2, 2, 25)), (60, 99, (3, 3, 50)), (60, -4, (1, 3, 0))],
)
def test_a_page_number_is_kept_within_the_real_pages(total: int, page: int, expected: tuple[int, int, int]) -> None:
    w = window(total, page, 25)
    assert (w.page, w.pages, w.offset) == expected
    assert w.limit == 25


def test_pages_need_a_positive_size() -> None:
    with pytest.raises(ValueError, match="per_page"):
        window(10, 1, 0)
