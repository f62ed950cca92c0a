"""The audit log: a hash chain that shows edits and deletions, masked personal numbers, search."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import bindparam, text

from portal.models import StaffRole
from portal.models.base import UTCDateTime
from portal.services import audit
from portal.services.audit import GENESIS, SYSTEM, Actor

CHIKAN_CLERK = Actor(None, "chikan_clerk", StaffRole.CLERK.value, "440802")
XIASHAN_CLERK = Actor(None, "xiashan_clerk", StaffRole.CLERK.value, "440803")
CITY_ADMIN = Actor(None, "city_admin", StaffRole.CITY_ADMIN.value, None)

ID_NUMBER = "440802199001010016"
PHONE = "13812345678"

# Monday 2026-11-23, 10:00 in Zhanjiang.
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def _chain(db, length: int) -> list:
    entries = [
        await audit.record(db, CHIKAN_CLERK, "registration.review", "registration", n, {"step": n})
        for n in range(length)
    ]
    await db.commit()
    return entries


async def test_each_entry_links_to_the_hash_of_the_one_before(db) -> None:
    first = await audit.record(db, CHIKAN_CLERK, "registration.accept", "registration", 7)
    second = await audit.record(db, SYSTEM, "registration.overdue", "registration", 7, {"days": 3})
    await db.commit()

    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert second.hash != first.hash
    assert (second.username, second.role, second.staff_id, second.target_id) == ("system", "system", None, "7")


async def _staff_id(db, username: str, role: StaffRole, area_code: str | None) -> int:
    # Plain SQL with the columns the audit log relies on: the staff model is still growing.
    await db.execute(
        text(
            "INSERT INTO staff_users"
            " (username, full_name, password_hash, role, area_code, active, created_at, updated_at)"
            " VALUES (:username, '李四', 'x', :role, :area_code, :active, :now, :now)"
        ).bindparams(bindparam("now", type_=UTCDateTime())),
        {"username": username, "role": role.value, "area_code": area_code, "active": True, "now": MONDAY},
    )
    return (await db.execute(text("SELECT id FROM staff_users WHERE username = :u"), {"u": username})).scalar_one()


async def test_the_staff_member_and_their_area_are_copied_into_the_entry(db) -> None:
    staff_id = await _staff_id(db, "chikan_clerk", StaffRole.CLERK, "440802")
    actor = Actor(staff_id, "chikan_clerk", StaffRole.CLERK.value, "440802")

    entry = await audit.record(db, actor, "registration.accept", "registration", 1, at=MONDAY)
    await db.commit()

    assert (entry.staff_id, entry.username, entry.role, entry.area_code) == (
        staff_id,
        "chikan_clerk",
        "clerk",
        "440802",
    )
    assert entry.at == MONDAY


async def test_personal_numbers_are_masked_in_the_changes(db) -> None:
    changes = {
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "note": f"called {PHONE} about {ID_NUMBER}",
        "nested": [ID_NUMBER, {"phone": f"+86{PHONE}"}],
        "count": 2,
        "ok": True,
        "missing": None,
    }
    entry = await audit.record(db, CHIKAN_CLERK, "person.update", "person", 3, changes)
    await db.commit()

    stored = (await db.execute(text("SELECT changes FROM audit_log WHERE id = :id"), {"id": entry.id})).scalar_one()
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored == {
        "id_number": "[id-number]",
        "phone": "[phone]",
        "note": "called [phone] about [id-number]",
        "nested": ["[id-number]", {"phone": "[phone]"}],
        "count": 2,
        "ok": True,
        "missing": None,
    }
    assert ID_NUMBER not in json.dumps(stored)
    assert PHONE not in json.dumps(stored)


def test_masking_copies_and_turns_dates_into_text() -> None:
    changes = {"day": date(2026, 11, 23), "at": MONDAY, "ids": (ID_NUMBER,), 5: "five"}
    masked = audit.mask_changes(changes)
    assert masked == {"day": "2026-11-23", "at": "2026-11-23T02:00:00+00:00", "ids": ["[id-number]"], "5": "five"}
    assert changes["ids"] == (ID_NUMBER,)


def test_the_hash_covers_every_field_and_the_previous_hash() -> None:
    fields = (GENESIS, MONDAY, "chikan_clerk", "clerk", "440802", "registration.accept", "registration", "7", {"a": 1})
    base = audit.entry_hash(*fields)
    for index, changed in enumerate(
        ("1" * 64, MONDAY + timedelta(microseconds=1), "x", "reviewer", None, "y", "z", "8", {"a": 2})
    ):
        altered = list(fields)
        altered[index] = changed
        assert audit.entry_hash(*altered) != base, index


def test_the_hash_does_not_depend_on_the_timezone_the_moment_is_given_in() -> None:
    in_zhanjiang = MONDAY.astimezone(audit.LOCAL_TZ)
    fields = ("registration.accept", "registration", "7", {"a": 1, "b": [1, 2]})
    assert audit.entry_hash(GENESIS, MONDAY, "u", "clerk", None, *fields) == audit.entry_hash(
        GENESIS, in_zhanjiang, "u", "clerk", None, *fields
    )


async def test_naive_timestamps_are_refused(db) -> None:
    with pytest.raises(ValueError, match="timezone"):
        await audit.record(db, SYSTEM, "job.run", "job", "nightly", at=datetime(2026, 11, 23, 10, 0))


async def test_an_intact_chain_verifies(db) -> None:
    await _chain(db, 5)
    check = await audit.verify_chain(db, batch=2)  # several batches
    assert check == audit.ChainCheck(ok=True, entries=5, first_broken_id=None, problem=None)


async def test_an_empty_log_verifies(db) -> None:
    assert await audit.verify_chain(db) == audit.ChainCheck(ok=True, entries=0, first_broken_id=None, problem=None)


async def test_editing_an_entry_in_the_database_breaks_its_hash(db) -> None:
    entries = await _chain(db, 5)
    await db.execute(
        text("UPDATE audit_log SET changes = :changes WHERE id = :id"),
        {"changes": json.dumps({"step": 99}), "id": entries[2].id},
    )
    await db.commit()

    check = await audit.verify_chain(db, batch=2)
    assert (check.ok, check.first_broken_id, check.problem) == (False, entries[2].id, "hash mismatch")


async def test_deleting_an_entry_breaks_the_link_of_the_next(db) -> None:
    entries = await _chain(db, 5)
    await db.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": entries[1].id})
    await db.commit()

    check = await audit.verify_chain(db)
    assert (check.ok, check.first_broken_id, check.problem) == (False, entries[2].id, "broken link")


async def test_the_first_broken_entry_is_reported(db) -> None:
    entries = await _chain(db, 5)
    for entry in (entries[3], entries[1]):
        await db.execute(text("UPDATE audit_log SET username = 'someone' WHERE id = :id"), {"id": entry.id})
    await db.commit()

    assert (await audit.verify_chain(db)).first_broken_id == entries[1].id


async def test_verification_continues_after_the_verified_entries_are_in_the_session(db) -> None:
    entries = await _chain(db, 3)
    await db.execute(text("UPDATE audit_log SET action = 'forged' WHERE id = :id"), {"id": entries[0].id})
    await db.commit()
    # entries[0] is still in the session's identity map with its old action.
    assert (await audit.verify_chain(db)).first_broken_id == entries[0].id


async def test_concurrent_writers_never_fork_the_chain(db, services) -> None:
    await audit.record(db, SYSTEM, "job.run", "job", "first")
    await db.commit()

    async with services.sessionmaker() as other:
        holding = await audit.record(db, CHIKAN_CLERK, "registration.accept", "registration", 1)
        # The second writer starts while the first has not committed yet.
        waiting = asyncio.create_task(audit.record(other, XIASHAN_CLERK, "registration.accept", "registration", 2))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        await db.commit()
        if db.get_bind().dialect.name == "postgresql":
            # The advisory lock made the second writer wait before reading the head.
            appended = await waiting
            assert appended.prev_hash == holding.hash
            await other.commit()
        else:
            # SQLite: the stale head is noticed once the second writer holds the write lock.
            with pytest.raises(RuntimeError, match="audit chain fork"):
                await waiting
            await other.rollback()

    assert (await audit.verify_chain(db)).ok


async def _search_fixture(db) -> None:
    rows = [
        # (actor, action, target, when)
        (CHIKAN_CLERK, "registration.accept", "1", datetime(2026, 11, 22, 15, 59, 59, tzinfo=UTC)),  # 11-22 local
        (CHIKAN_CLERK, "registration.reject", "2", datetime(2026, 11, 22, 16, 0, tzinfo=UTC)),  # 11-23 00:00 local
        (XIASHAN_CLERK, "registration.accept", "3", MONDAY),
        (CITY_ADMIN, "staff.create", "4", datetime(2026, 11, 24, 15, 59, 59, 999999, tzinfo=UTC)),  # 11-24 local
        (SYSTEM, "registration.overdue", "1", datetime(2026, 11, 24, 16, 0, tzinfo=UTC)),  # 11-25 local
    ]
    for actor, action, target, when in rows:
        await audit.record(db, actor, action, "registration", target, at=when)
    await db.commit()


def _targets(page: audit.AuditPage) -> list[str]:
    return [entry.target_id for entry in page.entries]


async def test_search_returns_newest_first_with_every_entry(db) -> None:
    await _search_fixture(db)
    found = await audit.search(db)
    assert _targets(found) == ["1", "4", "3", "2", "1"]
    assert (found.total, found.page, found.pages) == (5, 1, 1)


async def test_search_filters_by_username_action_target_and_area(db) -> None:
    await _search_fixture(db)
    assert _targets(await audit.search(db, username="chikan_clerk")) == ["2", "1"]
    assert _targets(await audit.search(db, action="registration.accept")) == ["3", "1"]
    assert [e.action for e in (await audit.search(db, target="1")).entries] == [
        "registration.overdue",
        "registration.accept",
    ]
    assert _targets(await audit.search(db, area_code="440803")) == ["3"]
    assert _targets(await audit.search(db, username="chikan_clerk", action="registration.accept")) == ["1"]
    assert (await audit.search(db, username="nobody")).total == 0


async def test_search_dates_are_whole_days_in_zhanjiang(db) -> None:
    await _search_fixture(db)
    assert _targets(await audit.search(db, since=date(2026, 11, 23))) == ["1", "4", "3", "2"]
    assert _targets(await audit.search(db, until=date(2026, 11, 22))) == ["1"]
    assert _targets(await audit.search(db, since=date(2026, 11, 23), until=date(2026, 11, 24))) == ["4", "3", "2"]
    assert _targets(await audit.search(db, since=date(2026, 11, 24), until=date(2026, 11, 24))) == ["4"]


async def test_search_pages_through_the_results(db) -> None:
    await _search_fixture(db)
    first = await audit.search(db, per_page=2)
    last = await audit.search(db, page=3, per_page=2)
    assert (_targets(first), first.total, first.page, first.pages) == (["1", "4"], 5, 1, 3)
    assert (_targets(last), last.total, last.page, last.pages) == (["1"], 5, 3, 3)
    beyond = await audit.search(db, page=9, per_page=2)
    assert (_targets(beyond), beyond.page) == (["1"], 3)


async def test_search_with_no_results_has_one_empty_page(db) -> None:
    found = await audit.search(db, action="nothing")
    assert (found.entries, found.total, found.page, found.pages) == ([], 0, 1, 1)


def test_the_hash_covers_the_staff_id_too() -> None:
    fields = (GENESIS, MONDAY, "u", "clerk", "440802", "case.view", "registration", "7", {})
    assert audit.entry_hash(*fields, staff_id=1) != audit.entry_hash(*fields, staff_id=2)
