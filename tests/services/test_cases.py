"""A case: found only within the staff member's scope, and changed only through the optimistic lock."""

from __future__ import annotations

import pytest

from portal.models import EventKind, StaffRole
from portal.services import cases, events, fields
from portal.services.cases import Lock
from portal.services.errors import Conflict, NotFound, OutOfScope
from portal.services.staff import Scope
from tests.staffing import make_case

XIASHAN_CLERK = Scope(0, "xiashan.clerk", "霞山经办", StaffRole.CLERK, "440803")


async def test_another_countys_case_is_not_found_and_says_whose_attempt_it_was(db, services, scopes) -> None:
    case = await make_case(db, services, county="440802")
    assert (await cases.find(db, scopes["reviewer"], case.number)).id == case.id
    assert (await cases.find(db, scopes["admin"], case.number)).id == case.id  # city staff see every county
    with pytest.raises(OutOfScope) as raised:
        await cases.find(db, XIASHAN_CLERK, case.number)
    assert isinstance(raised.value, NotFound)
    assert (raised.value.actor.username, raised.value.target_id) == ("xiashan.clerk", case.number)
    with pytest.raises(NotFound):
        await cases.find(db, scopes["admin"], "ZJ00000000000000")


async def test_a_form_from_an_older_version_is_a_conflict_that_says_what_happened_since(db, services, scopes) -> None:
    case = await make_case(db, services)
    registration = await cases.find(db, scopes["reviewer"], case.number, full=True)
    seen = max(e.id for e in registration.events)
    await cases.check(db, registration, Lock(registration.version, seen))  # the current version passes
    await events.add(db, registration.id, EventKind.INVESTIGATED, "staff", {"outcome": "match"})
    registration.county_code = "440803"
    await cases.save(db, registration, Lock(registration.version, seen))
    await db.commit()
    with pytest.raises(Conflict) as raised:
        await cases.check(db, registration, Lock(registration.version - 1, seen))
    assert [event.kind for event in raised.value.changes] == [EventKind.INVESTIGATED]


@pytest.mark.parametrize("raw", ["", "x", "1.5", str(2**70), "-" + str(2**70), None])
def test_a_damaged_lock_never_matches_and_never_reaches_sql(raw: str | None) -> None:
    lock = Lock.from_form(raw, raw)
    assert lock == Lock(-1, -1)
    assert fields.DB_INT_MIN <= lock.version <= fields.DB_INT_MAX
