"""Transferring a registration to another service area."""

from __future__ import annotations

import pytest

from portal.services import case_view, transfers
from portal.services.cases import Lock
from portal.services.errors import NotFound
from tests.staffing import registered_case


async def test_transfer_keeps_the_history_and_moves_the_scope(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    moved = await transfers.transfer(
        db, services.sms, scopes["reviewer"], registration.number, Lock(registration.version, 10**6),
        to_area="440881", note="moved to 廉江",
    )  # fmt: skip
    await db.commit()
    assert moved.county_code == "440881"
    with pytest.raises(NotFound):
        await case_view.view(db, services.cipher, scopes["reviewer"], registration.number)
    view = await case_view.view(db, services.cipher, scopes["admin"], registration.number)
    assert [e.kind for e in view.registration.events][-2:] == ["registered", "transferred"]
