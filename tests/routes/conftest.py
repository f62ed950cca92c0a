"""Named staff for the route tests, shared by the case, sign-in, staff-account and audit pages."""

from __future__ import annotations

import pytest

from tests.staffing import create_named_staff


@pytest.fixture
async def named_staff(db) -> None:
    await create_named_staff(db)
