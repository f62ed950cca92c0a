"""Named staff for the service tests: a 赤坎 reviewer and a city administrator."""

from __future__ import annotations

import pytest

from portal.services.staff import Scope
from tests.staffing import reviewer_and_admin


@pytest.fixture
async def scopes(db) -> dict[str, Scope]:
    return await reviewer_and_admin(db)
