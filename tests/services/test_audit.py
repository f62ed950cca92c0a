"""The audit log: keyed MACs sealed into a chain that shows edits, deletions and truncation; masked personal
numbers; search."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError

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


async def _chain(db, length: int, *, sealed: bool = True) -> list:
    entries = [
        await audit.record(db, CHIKAN_CLERK, "registration.review", "registration", n, {"step": n})
        for n in range(length)
    ]
    await db.commit()
    if sealed:
        await _seal(db)
    return entries


async def _seal(db, *, full: bool = False) -> audit.SealReport:
    report = await audit.seal(db, full=full)
    await db.commit()
    return report


async def _tamper(db, *statements: tuple[str, dict]) -> None:
    """What someone with database access can do: set the append-only triggers aside, then change rows."""
    from portal.models.audit import append_only_ddl, drop_append_only_ddl

    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        await db.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        for statement in drop_append_only_ddl(dialect):
            await db.execute(text(statement))
    for statement, params in statements:
        await db.execute(text(statement), params)
    if dialect != "postgresql":
        for statement in append_only_ddl(dialect):
            await db.execute(text(statement))
    await db.commit()


async def test_entries_are_written_with_a_keyed_mac_and_sealed_in_order(db) -> None:
    first = await audit.record(db, CHIKAN_CLERK, "registration.accept", "registration", 7)
    second = await audit.record(db, SYSTEM, "registration.overdue", "registration", 7, {"days": 3})
    await db.commit()
    assert first.mac != second.mac
    assert (second.username, second.role, second.staff_id, second.target_id) == ("system", "system", None, "7")

    report = await _seal(db)
    assert (report.sealed, report.head_seq, report.refused) == (2, 2, [])
    seals = (await db.execute(text("SELECT seq, entry_id FROM audit_seals ORDER BY seq"))).all()
    assert [tuple(row) for row in seals] == [(1, first.id), (2, second.id)]
    assert (await _seal(db)).sealed == 0  # idempotent


async def test_the_mac_needs_the_key(db) -> None:
    fields = (MONDAY, "u", "clerk", None, "registration.accept", "registration", "7", {"a": 1})
    assert audit.content_mac(b"k" * 32, *fields) != audit.content_mac(b"j" * 32, *fields)


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


def test_the_mac_covers_every_field() -> None:
    key = b"k" * 32
    fields = (MONDAY, "chikan_clerk", "clerk", "440802", "registration.accept", "registration", "7", {"a": 1})
    base = audit.content_mac(key, *fields)
    for index, changed in enumerate(
        (MONDAY + timedelta(microseconds=1), "x", "reviewer", None, "y", "z", "8", {"a": 2})
    ):
        altered = list(fields)
        altered[index] = changed
        assert audit.content_mac(key, *altered) != base, index
    assert audit.content_mac(key, *fields, staff_id=3) != base


def test_the_mac_does_not_depend_on_the_timezone_the_moment_is_given_in() -> None:
    in_zhanjiang = MONDAY.astimezone(audit.LOCAL_TZ)
    fields = ("registration.accept", "registration", "7", {"a": 1, "b": [1, 2]})
    key = b"k" * 32
    assert audit.content_mac(key, MONDAY, "u", "clerk", None, *fields) == audit.content_mac(
        key, in_zhanjiang, "u", "clerk", None, *fields
    )


def test_the_chain_mac_covers_the_previous_seal_the_place_and_the_entry() -> None:
    key = b"k" * 32
    base = audit.chain_mac(key, GENESIS, 1, 10, "a" * 64)
    assert base != audit.chain_mac(key, "1" * 64, 1, 10, "a" * 64)
    assert base != audit.chain_mac(key, GENESIS, 2, 10, "a" * 64)
    assert base != audit.chain_mac(key, GENESIS, 1, 11, "a" * 64)
    assert base != audit.chain_mac(key, GENESIS, 1, 10, "b" * 64)


async def test_naive_timestamps_are_refused(db) -> None:
    with pytest.raises(ValueError, match="timezone"):
        await audit.record(db, SYSTEM, "job.run", "job", "nightly", at=datetime(2026, 11, 23, 10, 0))


async def test_an_intact_chain_verifies(db, tmp_path) -> None:
    checkpoints = tmp_path / "checkpoints.jsonl"
    await _chain(db, 5)
    audit.write_checkpoint(checkpoints, *(await audit.head(db)))
    check = await audit.verify_chain(db, checkpoints, batch=2)  # several batches
    assert check == audit.ChainCheck(ok=True, entries=5, first_broken_id=None, problem=None, checkpoints=1)


async def test_an_empty_log_verifies(db) -> None:
    assert await audit.verify_chain(db) == audit.ChainCheck(ok=True, entries=0, first_broken_id=None, problem=None)


async def test_entries_not_yet_sealed_are_counted_and_still_checked(db) -> None:
    await _chain(db, 2)
    await _chain(db, 3, sealed=False)
    check = await audit.verify_chain(db)
    assert (check.ok, check.entries, check.unsealed) == (True, 2, 3)


@pytest.mark.parametrize("table", ["audit_log", "audit_seals"])
async def test_the_database_refuses_to_update_or_delete_audit_rows(db, table) -> None:
    await _chain(db, 1)
    key = "id" if table == "audit_log" else "seq"
    # Table and column names come from the parameter list above, never from input.
    for statement in (f"UPDATE {table} SET {key} = {key} WHERE 1 = 1", f"DELETE FROM {table}"):  # noqa: S608
        with pytest.raises(DBAPIError, match="append-only"):
            await db.execute(text(statement))
        await db.rollback()
    assert await db.scalar(text(f"SELECT count(*) FROM {table}")) == 1  # noqa: S608


async def test_editing_an_entry_and_recomputing_its_hash_is_found(db) -> None:
    entries = await _chain(db, 5)
    # The attacker rewrites the content and a digest of it, as the old SHA-256 chain would have allowed.
    forged = hashlib.sha256(b"step 99").hexdigest()
    await _tamper(db, ("UPDATE audit_log SET changes = :changes, mac = :mac WHERE id = :id",
                       {"changes": json.dumps({"step": 99}), "mac": forged, "id": entries[2].id}))  # fmt: skip

    check = await audit.verify_chain(db, batch=2)
    assert (check.ok, check.first_broken_id, check.problem) == (False, entries[2].id, "entry edited")


async def test_rebuilding_the_seals_after_an_edit_is_found(db) -> None:
    entries = await _chain(db, 3)
    # Without AUDIT_KEY the attacker can only guess the MACs: any other key gives other values.
    other_key = b"\x01" * 32
    row = entries[1]
    forged_mac = audit.content_mac(other_key, row.at, row.username, row.role, row.area_code, "forged",
                                   row.target_type, row.target_id, row.changes, staff_id=row.staff_id)  # fmt: skip
    await _tamper(db, ("UPDATE audit_log SET action = 'forged', mac = :mac WHERE id = :id",
                       {"mac": forged_mac, "id": row.id}))  # fmt: skip
    assert (await audit.verify_chain(db)).first_broken_id == row.id


async def test_deleting_a_middle_entry_is_found(db) -> None:
    entries = await _chain(db, 5)
    await _tamper(db, ("DELETE FROM audit_log WHERE id = :id", {"id": entries[1].id}))

    check = await audit.verify_chain(db)
    assert (check.ok, check.first_broken_id, check.problem) == (False, entries[1].id, "entry missing")


async def test_deleting_a_middle_entry_with_its_seal_is_found(db) -> None:
    entries = await _chain(db, 5)
    await _tamper(
        db,
        ("DELETE FROM audit_seals WHERE entry_id = :id", {"id": entries[1].id}),
        ("DELETE FROM audit_log WHERE id = :id", {"id": entries[1].id}),
    )
    check = await audit.verify_chain(db)
    assert (check.ok, check.first_broken_id, check.problem) == (False, 2, "broken link")


async def test_truncating_the_tail_is_found_by_the_checkpoint(db, tmp_path) -> None:
    checkpoints = tmp_path / "checkpoints.jsonl"
    entries = await _chain(db, 60)
    audit.write_checkpoint(checkpoints, *(await audit.head(db)))
    tail = [entry.id for entry in entries[-50:]]
    await _tamper(
        db,
        *((f"DELETE FROM {table} WHERE {column} >= :id", {"id": tail[0] if column == "id" else 11})  # noqa: S608
          for table, column in (("audit_seals", "seq"), ("audit_log", "id"))),
    )  # fmt: skip
    assert await db.scalar(text("SELECT count(*) FROM audit_log")) == 10
    assert (await audit.verify_chain(db)).ok  # without the checkpoint the shorter chain looks whole
    check = await audit.verify_chain(db, checkpoints)
    assert (check.ok, check.problem) == (False, "log truncated")


async def test_a_row_inserted_without_the_key_is_refused_by_the_sealer_and_reported(db) -> None:
    await _chain(db, 1)
    await db.execute(
        text("INSERT INTO audit_log (at, username, role, action, target_type, target_id, changes, mac)"
             " VALUES (:at, 'ghost', 'clerk', 'registration.accept', 'registration', '9', '{}', :mac)")
        .bindparams(bindparam("at", type_=UTCDateTime())),
        {"at": MONDAY, "mac": "0" * 64},
    )  # fmt: skip
    await db.commit()
    report = await _seal(db)
    assert (report.sealed, len(report.refused)) == (0, 1)
    check = await audit.verify_chain(db)
    assert (check.ok, check.problem) == (False, "entry not written by the portal")


async def test_writers_do_not_wait_for_each_other(db, services) -> None:
    async with services.sessionmaker() as other:
        first = await audit.record(db, CHIKAN_CLERK, "registration.accept", "registration", 1)
        second = await audit.record(other, XIASHAN_CLERK, "registration.accept", "registration", 2)
        # Nothing read from the chain, nothing locked: both commit at once.
        await asyncio.wait_for(asyncio.gather(db.commit(), other.commit()), timeout=5)
    await _seal(db)
    assert {first.id, second.id} == set((await db.execute(text("SELECT entry_id FROM audit_seals"))).scalars())
    assert (await audit.verify_chain(db)).ok


async def test_entries_are_inserted_as_the_transaction_commits_and_dropped_with_a_rollback(db, services) -> None:
    kept = await audit.record(db, CHIKAN_CLERK, "case.view", "registration", 1)
    assert await db.scalar(text("SELECT count(*) FROM audit_log")) == 0  # not yet: no write lock while drawing
    await db.commit()
    assert kept.id is not None
    dropped = await audit.record(db, CHIKAN_CLERK, "case.decide", "registration", 1)
    await db.rollback()
    await db.commit()
    actions = list((await db.execute(text("SELECT action FROM audit_log"))).scalars())
    assert actions == ["case.view"]
    assert dropped.id is None


async def test_a_late_commit_is_sealed_after_later_ids(db, services) -> None:
    async with services.sessionmaker() as slow:
        late = await audit.record(slow, CHIKAN_CLERK, "registration.accept", "registration", 1)
        slow.add(late)
        await slow.flush()  # takes an id now, commits later (as a long transaction would)
        if db.get_bind().dialect.name == "postgresql":
            early = await audit.record(db, XIASHAN_CLERK, "registration.accept", "registration", 2)
            await db.commit()
            assert early.id > late.id
            assert (await _seal(db)).sealed == 1
        await slow.commit()
    await _seal(db)
    order = list((await db.execute(text("SELECT entry_id FROM audit_seals ORDER BY seq"))).scalars())
    if db.get_bind().dialect.name == "postgresql":
        assert order == [early.id, late.id]
    else:
        assert order == [late.id]
    assert (await audit.verify_chain(db)).ok


async def test_a_quick_run_seals_past_the_highest_sealed_id_and_leaves_a_late_commit_to_a_look_back(
    db, services
) -> None:
    """The sealer's run after a wake-up looks only past the highest sealed id. On PostgreSQL an entry whose commit
    came after a later id was sealed is below it: the next run that looks back seals it. On SQLite writers take turns,
    so ids commit in order and the quick run finds every entry."""
    postgres = db.get_bind().dialect.name == "postgresql"
    async with services.sessionmaker() as slow:
        late = await audit.record(slow, CHIKAN_CLERK, "registration.accept", "registration", 1)
        slow.add(late)
        await slow.flush()  # takes an id now, commits later (as a long transaction would)
        if postgres:
            await audit.record(db, XIASHAN_CLERK, "registration.accept", "registration", 2)
            await db.commit()
            assert (await _seal(db)).sealed == 1
        await slow.commit()
    quick = await audit.seal(db, look_back=False)
    await db.commit()
    assert quick.sealed == (0 if postgres else 1)
    looked = await audit.seal(db)
    await db.commit()
    assert looked.sealed == (1 if postgres else 0)
    sealed = set((await db.execute(text("SELECT entry_id FROM audit_seals"))).scalars())
    assert late.id in sealed
    assert (await audit.verify_chain(db)).ok


async def test_two_sealers_at_once_seal_each_entry_once(db, services) -> None:
    await _chain(db, 200, sealed=False)

    async def one_run() -> audit.SealReport:
        return await audit.seal_and_checkpoint(services.sessionmaker, services.settings.audit_checkpoint_file)

    reports = await asyncio.gather(*(one_run() for _ in range(4)))
    assert sum(r.sealed for r in reports) == 200
    assert await db.scalar(text("SELECT count(*) FROM audit_seals")) == 200
    assert (await audit.verify_chain(db, services.settings.audit_checkpoint_file)).ok


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
    found = await audit.search(db, CITY_ADMIN)
    assert _targets(found) == ["1", "4", "3", "2", "1"]
    assert (found.total, found.page, found.pages) == (5, 1, 1)


async def test_search_filters_by_username_action_target_and_area(db) -> None:
    await _search_fixture(db)
    assert _targets(await audit.search(db, CITY_ADMIN, username="chikan_clerk")) == ["2", "1"]
    assert _targets(await audit.search(db, CITY_ADMIN, action="registration.accept")) == ["3", "1"]
    assert [e.action for e in (await audit.search(db, CITY_ADMIN, target="1")).entries] == [
        "registration.overdue",
        "registration.accept",
    ]
    assert _targets(await audit.search(db, CITY_ADMIN, area_code="440803")) == ["3"]
    assert _targets(await audit.search(db, CITY_ADMIN, username="chikan_clerk", action="registration.accept")) == ["1"]
    assert (await audit.search(db, CITY_ADMIN, username="nobody")).total == 0


async def test_search_dates_are_whole_days_in_zhanjiang(db) -> None:
    await _search_fixture(db)
    assert _targets(await audit.search(db, CITY_ADMIN, since=date(2026, 11, 23))) == ["1", "4", "3", "2"]
    assert _targets(await audit.search(db, CITY_ADMIN, until=date(2026, 11, 22))) == ["1"]
    assert _targets(await audit.search(db, CITY_ADMIN, since=date(2026, 11, 23), until=date(2026, 11, 24))) == [
        "4",
        "3",
        "2",
    ]
    assert _targets(await audit.search(db, CITY_ADMIN, since=date(2026, 11, 24), until=date(2026, 11, 24))) == ["4"]


async def test_search_pages_through_the_results(db) -> None:
    await _search_fixture(db)
    first = await audit.search(db, CITY_ADMIN, per_page=2)
    last = await audit.search(db, CITY_ADMIN, page=3, per_page=2)
    assert (_targets(first), first.total, first.page, first.pages) == (["1", "4"], 5, 1, 3)
    assert (_targets(last), last.total, last.page, last.pages) == (["1"], 5, 3, 3)
    beyond = await audit.search(db, CITY_ADMIN, page=9, per_page=2)
    assert (_targets(beyond), beyond.page) == (["1"], 3)


async def test_search_with_no_results_has_one_empty_page(db) -> None:
    found = await audit.search(db, CITY_ADMIN, action="nothing")
    assert (found.entries, found.total, found.page, found.pages) == ([], 0, 1, 1)


async def test_an_entry_reads_in_words_with_area_names_and_without_empty_filters(db) -> None:
    from portal.i18n import current_locale

    entry = await audit.record(
        db, CHIKAN_CLERK, "case.decide", "registration", "ZJ1", {"status": ["submitted", "registered"], "note": ""}
    )
    view = await audit.record(db, CHIKAN_CLERK, "queue.view", "queue", "440802", {"county": "440803", "due": ""})
    token = current_locale.set("en")
    try:
        decided = audit.readable(entry, {"440802": "Chikan District"})
        viewed = audit.readable(view, {"440802": "Chikan District", "440803": "Xiashan District"})
    finally:
        current_locale.reset(token)
    assert (decided.action, decided.role, decided.target) == (
        "Decided an application", "County clerk (经办)", "Application ZJ1"
    )  # fmt: skip
    assert decided.changes == [("Status", "Awaiting decision → Registered")]
    assert (viewed.target, viewed.changes) == ("Queue Chikan District", [("Service area", "Xiashan District")])


async def test_the_audit_search_words_codes_as_the_case_page_does(db) -> None:
    from portal.i18n import current_locale

    contact = await audit.record(
        db, CHIKAN_CLERK, "case.contact", "registration", "ZJ1",
        {"day": "2026-11-20", "kind": "tracking", "channel": "phone", "result": "refused_without_reason"},
    )  # fmt: skip
    ended = await audit.record(db, CHIKAN_CLERK, "case.end", "registration", "ZJ1", {"reason": "6a"})
    rejected = await audit.record(db, CHIKAN_CLERK, "case.decide", "registration", "ZJ2", {"reason": "age"})
    compared = await audit.record(db, CHIKAN_CLERK, "case.compare", "registration", "ZJ3", {"card_base": "mismatch"})
    token = current_locale.set("en")
    try:
        lines = [audit.readable(entry) for entry in (contact, ended, rejected, compared)]
    finally:
        current_locale.reset(token)
    assert lines[0].changes == [
        ("Day", "2026-11-20"), ("Kind", "Monthly tracking contact"), ("Channel", "Phone"),
        ("Contact result", "Refused without a good reason"),
    ]  # fmt: skip
    assert lines[1].changes == [("Reason", "6a Enrolled in school")]
    assert lines[2].changes == [("Reason", "Not of working age")]
    assert lines[3].changes == [("Social security card holders", "Mismatch")]


async def test_searching_the_log_is_itself_audited(db) -> None:
    await audit.search(db, CITY_ADMIN, username="chikan_clerk", since=date(2026, 11, 23))
    await db.commit()
    entry = (await audit.search(db, CITY_ADMIN, action="audit.search")).entries[0]
    assert (entry.username, entry.changes["username"], entry.changes["since"]) == (
        "city_admin",
        "chikan_clerk",
        "2026-11-23",
    )


def test_every_action_the_services_audit_has_words_in_the_audit_search() -> None:
    import re
    from pathlib import Path

    import portal.services

    written: set[str] = set()
    for source in Path(portal.services.__file__).parent.glob("*.py"):
        for call in re.finditer(r"audit\.record(?:_apart)?\((.{0,400}?)\)", source.read_text(), re.S):
            written |= set(re.findall(r'"([a-z_]+\.[a-z_]+)"', call.group(1)))
    assert "ledger.export" in written  # the scan finds the calls
    assert sorted(written - set(audit.ACTIONS)) == []
