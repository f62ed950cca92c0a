"""The data key ring: values name their key, `portal keys rotate` moves them all under the new one while the portal
reads and writes, and people are still found by their ID number."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.cli import main
from portal.crypto import RING_FORMAT, Cipher, key_id, lookup_key_of
from portal.db import make_engine
from portal.models import AuditEntry, Base, Person, RegistrationDraft, ResidentAccount, StaffRole, StaffUser
from portal.services.key_rotation import ENCRYPTED, ColumnReport, move, pending, rotate
from portal.services.registration import DRAFT_PURPOSE
from portal.services.staff_sign_in import TOTP_PURPOSE
from tests.conftest import make_id
from tests.own_database import own_database, portal_env

OLD = bytes.fromhex("11" * 32)  # the suite's PORTAL_DATA_KEY: what the portal has written under so far
NEW = bytes.fromhex("44" * 32)
LOOKUP = lookup_key_of(OLD)
RING = Cipher(NEW, [OLD], lookup_key=LOOKUP)
AFTER = Cipher(NEW, lookup_key=LOOKUP)  # once the old key is gone
DRAFTS = RegistrationDraft.__table__.c.data_cipher


def bare(key: bytes, plaintext: bytes, purpose: str, nonce: bytes | None = None) -> bytes:
    """A value as the portal wrote it before values named their key: nonce and ciphertext only."""
    nonce = nonce or os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, purpose.encode())


async def add_people(db, count: int, *, cipher: Cipher | None = None, first: int = 1) -> dict[int, str]:
    """People, every other one written before the ring; their ids and ID numbers."""
    old = Cipher(OLD)
    numbers = {}
    for n in range(first, first + count):
        number = make_id(date(1980, 1, 1), sequence=n)
        blob = (cipher or old).encrypt(number.encode(), "id") if cipher or n % 2 else bare(OLD, number.encode(), "id")
        person = Person(id_hash=old.keyed_hash(number, "id"), id_cipher=blob, name=f"测试{n}", sex="M",
                        birth_date=date(1980, 1, 1))  # fmt: skip
        db.add(person)
        await db.flush()
        numbers[person.id] = number
    await db.commit()
    return numbers


async def add_drafts(db, count: int) -> dict[int, dict[str, str]]:
    answers = {}
    for n in range(count):
        account = ResidentAccount(phone=f"1330000{n:04d}", password_hash="-")
        db.add(account)
        await db.flush()
        draft_answers = {"name": f"测试{n}", "id_number": make_id(date(1990, 5, 5), sequence=n + 1)}
        as_json = json.dumps(draft_answers, ensure_ascii=False).encode()
        blob = Cipher(OLD).encrypt(as_json, DRAFT_PURPOSE) if n % 2 else bare(OLD, as_json, DRAFT_PURPOSE)
        draft = RegistrationDraft(account_id=account.id, step="identity", data_cipher=blob)
        db.add(draft)
        await db.flush()
        answers[draft.id] = draft_answers
    await db.commit()
    return answers


async def stored(db, column: sa.Column) -> dict[int, bytes]:
    rows = await db.execute(sa.select(column.table.c.id, column).where(column.is_not(None)))
    return {row_id: bytes(value) for row_id, value in rows}


def test_values_from_before_the_ring_stay_readable_and_new_ones_name_their_key() -> None:
    before = bare(OLD, b"440802199001010016", "id")
    assert Cipher(OLD).decrypt(before, "id") == RING.decrypt(before, "id") == b"440802199001010016"
    written = RING.encrypt(b"440802199001010016", "id")
    assert written.startswith(RING_FORMAT + key_id(NEW))
    assert RING.is_current(written)
    assert AFTER.decrypt(written, "id") == b"440802199001010016"
    with pytest.raises(InvalidTag):  # why every process reads the new key before any writes with it
        Cipher(OLD).decrypt(written, "id")
    # A bare value whose random nonce happens to begin like a ring value is still read, by the fallback.
    lookalike = bare(OLD, b"x", "id", nonce=RING_FORMAT + key_id(OLD) + b"abc")
    assert RING.decrypt(lookalike, "id") == b"x"


def test_the_look_up_key_is_the_one_the_first_data_key_always_gave() -> None:
    assert Cipher(OLD).keyed_hash("440802199001010016", "id") == RING.keyed_hash("440802199001010016", "id")
    assert Cipher(NEW).keyed_hash("440802199001010016", "id") != RING.keyed_hash("440802199001010016", "id")


def test_every_encrypted_column_of_the_models_is_rotated() -> None:
    binary = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.c
        if isinstance(column.type, sa.LargeBinary)
    }
    assert binary == {(column.table.name, column.name) for column, _ in ENCRYPTED}


async def test_old_values_read_back_during_and_after_rotation_and_none_is_left_under_the_old_key(db, services) -> None:
    people = await add_people(db, 7)
    drafts = await add_drafts(db, 3)
    db.add(StaffUser(username="city.admin", full_name="city admin", password_hash="-", role=StaffRole.CITY_ADMIN,
                     totp_cipher=bare(OLD, b"JBSWY3DPEHPK3PXP", TOTP_PURPOSE)))  # fmt: skip
    await db.commit()
    touched_before = dict((await db.execute(sa.select(Person.id, Person.updated_at))).all())
    batches = 0

    async def read_everything(report: ColumnReport) -> None:
        nonlocal batches
        batches += 1
        async with services.sessionmaker() as session:
            for person_id, blob in (await stored(session, Person.__table__.c.id_cipher)).items():
                assert RING.decrypt(blob, "id").decode() == people[person_id]
            for draft_id, blob in (await stored(session, DRAFTS)).items():
                assert RING.decrypt_json(blob, DRAFT_PURPOSE) == drafts[draft_id]

    reports = await rotate(services.sessionmaker, RING, batch=2, after_batch=read_everything)

    moved = {report.column: (report.moved, report.changed_meanwhile, report.unreadable, report.left)
             for report in reports}  # fmt: skip
    assert moved == {
        "people.id_cipher": (7, 0, [], 0),
        "registration_drafts.data_cipher": (3, 0, [], 0),
        "staff_users.totp_cipher": (1, 0, [], 0),
        "objections.objector_name_cipher": (0, 0, [], 0),
        "objections.objector_phone_cipher": (0, 0, [], 0),
    }
    assert batches >= 4 + 2  # read between every batch of people and of drafts
    db.expire_all()
    for person_id, blob in (await stored(db, Person.__table__.c.id_cipher)).items():
        assert blob.startswith(RING.prefix)
        assert AFTER.decrypt(blob, "id").decode() == people[person_id]
    for draft_id, blob in (await stored(db, DRAFTS)).items():
        assert AFTER.decrypt_json(blob, DRAFT_PURPOSE) == drafts[draft_id]
    (totp,) = (await stored(db, StaffUser.__table__.c.totp_cipher)).values()
    assert AFTER.decrypt(totp, TOTP_PURPOSE) == b"JBSWY3DPEHPK3PXP"
    # Found by their ID number as the portal finds them, with the old key gone.
    for person_id, number in people.items():
        assert (
            await db.scalar(sa.select(Person.id).where(Person.id_hash == AFTER.keyed_hash(number, "id"))) == person_id
        )
    # The same number under another key is no change to the record.
    assert dict((await db.execute(sa.select(Person.id, Person.updated_at))).all()) == touched_before
    # The run is audited under the key it moved to, with its counts and no value.
    (entry,) = (await db.scalars(sa.select(AuditEntry).where(AuditEntry.action == "keys.rotate"))).all()
    assert (entry.role, entry.target_type, entry.target_id) == ("system", "data_key", RING.key_id.hex())
    assert entry.changes["people.id_cipher"] == {"moved": 7, "changed_meanwhile": 0, "unreadable": [], "left": 0}


async def test_a_value_the_portal_writes_under_the_new_key_mid_rotation_is_kept(db, services) -> None:
    drafts = await add_drafts(db, 4)
    last = max(drafts)
    changed = {"name": "改过的", "id_number": make_id(date(1991, 1, 1))}
    added: dict[int, str] = {}

    async def the_portal_writes(report: ColumnReport) -> None:
        if report.column == "registration_drafts.data_cipher" and report.moved == 1:
            async with services.sessionmaker() as session:
                draft = await session.get(RegistrationDraft, last)
                draft.data_cipher = RING.encrypt_json(changed, DRAFT_PURPOSE)
                await session.commit()
                added.update(await add_people(session, 1, cipher=RING, first=50))

    reports = await rotate(services.sessionmaker, RING, batch=1, after_batch=the_portal_writes)

    by_column = {report.column: report for report in reports}
    assert by_column["registration_drafts.data_cipher"].moved == 3  # the fourth was already under the new key
    assert by_column["registration_drafts.data_cipher"].left == 0
    db.expire_all()
    assert AFTER.decrypt_json((await db.get(RegistrationDraft, last)).data_cipher, DRAFT_PURPOSE) == changed
    ((person_id, number),) = added.items()
    assert AFTER.decrypt((await db.get(Person, person_id)).id_cipher, "id").decode() == number


async def test_rotation_beside_the_portal_writing_at_the_same_time_loses_no_write(db, services) -> None:
    drafts = await add_drafts(db, 24)
    last_written: dict[int, dict[str, str]] = {}

    async def the_portal_saves_steps() -> None:
        for step in range(3):
            for draft_id in drafts:
                async with services.sessionmaker() as session:
                    draft = await session.get(RegistrationDraft, draft_id)
                    answers = {**RING.decrypt_json(draft.data_cipher, DRAFT_PURPOSE), "step": str(step)}
                    draft.data_cipher = RING.encrypt_json(answers, DRAFT_PURPOSE)
                    await session.commit()
                last_written[draft_id] = answers

    reports, _ = await asyncio.gather(rotate(services.sessionmaker, RING, batch=3), the_portal_saves_steps())

    assert {report.column: report.left for report in reports}["registration_drafts.data_cipher"] == 0
    db.expire_all()
    for draft_id, blob in (await stored(db, DRAFTS)).items():
        assert AFTER.decrypt_json(blob, DRAFT_PURPOSE) == {**drafts[draft_id], "step": "2"} == last_written[draft_id]


async def test_a_row_the_portal_changes_between_read_and_write_keeps_the_portals_value(db, services) -> None:
    (draft_id,) = await add_drafts(db, 1)
    changed = {"name": "改过的"}
    async with services.sessionmaker() as rotation:
        rows = await pending(rotation, RING, DRAFTS)
        assert [row_id for row_id, _ in rows] == [draft_id]
        async with services.sessionmaker() as portal:  # between the rotation's read and its write
            draft = await portal.get(RegistrationDraft, draft_id)
            draft.data_cipher = RING.encrypt_json(changed, DRAFT_PURPOSE)
            await portal.commit()
        report = ColumnReport("registration_drafts.data_cipher")
        await move(rotation, RING, DRAFTS, DRAFT_PURPOSE, rows, report)
        await rotation.commit()
    assert (report.moved, report.changed_meanwhile) == (0, 1)
    db.expire_all()
    assert AFTER.decrypt_json((await db.get(RegistrationDraft, draft_id)).data_cipher, DRAFT_PURPOSE) == changed


async def test_a_value_no_key_reads_is_reported_and_left_as_it_is(db, services) -> None:
    await add_people(db, 2)
    damaged = Person(id_hash="0" * 64, id_cipher=b"\x00" * 40, name="测试", sex="F", birth_date=date(1980, 1, 1))
    db.add(damaged)
    await db.commit()
    damaged_id = damaged.id

    (report, *_) = await rotate(services.sessionmaker, RING)

    assert (report.moved, report.unreadable, report.left) == (2, [damaged_id], 1)
    db.expire_all()
    assert (await db.get(Person, damaged_id)).id_cipher == b"\x00" * 40


# ---- the commands ------------------------------------------------------------------------------------------------


async def _people_in(url: str, count: int, *, damaged: bool = False) -> dict[int, str]:
    from portal.db import make_sessionmaker

    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine, b"3" * 32)() as session:
            people = await add_people(session, count)
            if damaged:
                session.add(Person(id_hash="0" * 64, id_cipher=b"\x00" * 40, name="测试", sex="F",
                                   birth_date=date(1980, 1, 1)))  # fmt: skip
                await session.commit()
            return people
    finally:
        await engine.dispose()


async def _id_ciphers(url: str) -> list[bytes]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return [bytes(blob) for blob in (await conn.execute(sa.select(Person.id_cipher))).scalars()]
    finally:
        await engine.dispose()


def ring_env(tmp_path: Path, url: str, **more: str) -> dict[str, str]:
    return portal_env(tmp_path, url, PORTAL_DATA_KEY=NEW.hex(), PORTAL_OLD_DATA_KEYS=OLD.hex(),
                      PORTAL_LOOKUP_KEY=LOOKUP.hex(), **more)  # fmt: skip


def test_keys_rotate_moves_every_value_then_the_portal_runs_without_the_old_key(tmp_path, capsys) -> None:
    with own_database(tmp_path, "rotate") as url:
        assert main(["migrate"], portal_env(tmp_path, url)) == 0
        asyncio.run(_people_in(url, 5))
        capsys.readouterr()

        assert main(["keys", "rotate", "--batch", "2"], ring_env(tmp_path, url)) == 0
        out = capsys.readouterr().out
        assert (
            "people.id_cipher: 5 moved, 0 changed by the portal meanwhile (its value kept), 0 unreadable, 0 left" in out
        )
        assert (
            f"Every encrypted value is under data key {key_id(NEW).hex()}. PORTAL_OLD_DATA_KEYS may now be removed"
            in out
        )
        assert all(blob.startswith(RING.prefix) for blob in asyncio.run(_id_ciphers(url)))

        assert main(["keys", "rotate"], ring_env(tmp_path, url)) == 0  # again: nothing left to move
        assert "people.id_cipher: 0 moved" in capsys.readouterr().out
        without_old = portal_env(tmp_path, url, PORTAL_DATA_KEY=NEW.hex(), PORTAL_LOOKUP_KEY=LOOKUP.hex())
        assert main(["check"], without_old) == 0
        assert capsys.readouterr().out == "ok\n"
        forgotten = portal_env(tmp_path, url, PORTAL_DATA_KEY=NEW.hex())  # the look-up key left out
        assert main(["check"], forgotten) == 1
        assert capsys.readouterr().out.startswith("the look-up key does not find the stored ID numbers")


def test_keys_rotate_exits_1_and_names_the_rows_no_key_reads(tmp_path, capsys) -> None:
    with own_database(tmp_path, "rotate_damaged") as url:
        assert main(["migrate"], portal_env(tmp_path, url)) == 0
        people = asyncio.run(_people_in(url, 2, damaged=True))
        capsys.readouterr()
        assert main(["keys", "rotate"], ring_env(tmp_path, url)) == 1
        out = capsys.readouterr().out
        damaged_id = max(people) + 1
        assert f"Read by no key of the ring (row ids): people.id_cipher {damaged_id}." in out
        assert "1 values are not under data key" in out
        assert "may now be removed" not in out


def test_keys_new_prints_a_new_key_each_time(capsys) -> None:
    assert main(["keys", "new"], {}) == 0
    assert main(["keys", "new"], {}) == 0
    first, second = capsys.readouterr().out.split()
    assert len(bytes.fromhex(first)) == len(bytes.fromhex(second)) == 32
    assert first != second


def test_keys_lookup_key_prints_the_key_derived_from_the_first_data_key_until_it_is_set(tmp_path, capsys) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"
    assert main(["keys", "lookup-key"], portal_env(tmp_path, url)) == 0
    assert main(["keys", "lookup-key"], ring_env(tmp_path, url)) == 0
    assert capsys.readouterr().out.split() == [LOOKUP.hex(), LOOKUP.hex()]


def test_old_keys_without_the_look_up_key_are_refused_at_start(tmp_path, capsys) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"
    env = portal_env(tmp_path, url, PORTAL_DATA_KEY=NEW.hex(), PORTAL_OLD_DATA_KEYS=OLD.hex())
    assert main(["keys", "rotate"], env) == 2
    assert "PORTAL_LOOKUP_KEY is required with PORTAL_OLD_DATA_KEYS" in capsys.readouterr().err
