"""`portal backup` and `portal restore`: a round trip on the database the suite runs on (SQLite, or PostgreSQL with
pg_dump and pg_restore when TEST_DATABASE_URL is set), the manifest and checkpoints beside the backup, no key in
it, and the refusals that keep a database from being overwritten by mistake."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from portal import backup
from portal.cli import _alembic_config, main
from portal.config import Settings
from portal.crypto import Cipher, key_id, lookup_key_of
from portal.db import make_engine, make_sessionmaker
from portal.models import Person, StaffUser
from tests.conftest import make_id
from tests.own_database import KEYS, own_database, portal_env

DATA_KEY = bytes.fromhex(KEYS["PORTAL_DATA_KEY"])


async def _add_person(url: str, name: str) -> None:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine, b"3" * 32)() as session:
            cipher, number = Cipher(DATA_KEY), make_id(date(1980, 1, 1))
            session.add(Person(id_hash=cipher.keyed_hash(number, "id"), id_cipher=cipher.encrypt(number.encode(), "id"),
                               name=name, sex="M", birth_date=date(1980, 1, 1)))  # fmt: skip
            await session.commit()
    finally:
        await engine.dispose()


async def _rename_people(url: str, name: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.update(Person).values(name=name))
    finally:
        await engine.dispose()


async def _names(url: str) -> tuple[list[str], list[str]]:
    """The staff's user names and the people's names."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            staff = (await conn.execute(sa.select(StaffUser.username).order_by(StaffUser.username))).scalars().all()
            people = (await conn.execute(sa.select(Person.name))).scalars().all()
    finally:
        await engine.dispose()
    return list(staff), list(people)


def _create_staff(env: dict[str, str], monkeypatch: Any, username: str) -> None:
    monkeypatch.setenv("PORTAL_NEW_PASSWORD", "ledger and lantern")  # `staff create` reads it from the process
    assert main(["staff", "create", "--username", username, "--name", username, "--role", "city_viewer"], env) == 0


def _head(url: str) -> str:
    return str(ScriptDirectory.from_config(_alembic_config(url)).get_current_head())


def test_a_restored_backup_brings_back_what_changed_since_and_its_audit_log_verifies(
    tmp_path, capsys, monkeypatch
) -> None:
    with own_database(tmp_path, "backup") as url:
        env = portal_env(tmp_path, url)
        assert main(["migrate"], env) == 0
        _create_staff(env, monkeypatch, "alice.viewer")  # an audit entry, sealed, and its checkpoint
        asyncio.run(_add_person(url, "欧阳娜娜"))
        capsys.readouterr()

        out = tmp_path / "backups" / "portal.backup"
        assert main(["backup", "--out", str(out)], env) == 0
        printed = json.loads(capsys.readouterr().out)
        manifest = json.loads(backup.manifest_path(out).read_text())
        assert printed == {"file": str(out), "manifest": str(backup.manifest_path(out)),
                           "checkpoints": str(backup.checkpoints_path(out)), "revision": _head(url),
                           "sha256": hashlib.sha256(out.read_bytes()).hexdigest()}  # fmt: skip
        assert manifest["database"] == ("sqlite" if url.startswith("sqlite") else "postgresql")
        assert (manifest["revision"], manifest["sha256"]) == (printed["revision"], printed["sha256"])
        assert manifest["checkpoints"]["lines"] >= 1
        assert manifest["keys"] == {"data": [key_id(DATA_KEY).hex()], "lookup": key_id(lookup_key_of(DATA_KEY)).hex(),
                                    "audit": key_id(bytes.fromhex(KEYS["AUDIT_KEY"])).hex()}  # fmt: skip
        for key in KEYS.values():  # the keys are kept apart from the backup
            assert key not in backup.manifest_path(out).read_text()
            assert bytes.fromhex(key) not in out.read_bytes()
            assert key.encode() not in out.read_bytes()
        assert out.stat().st_mode & 0o777 == 0o600

        _create_staff(env, monkeypatch, "bob.viewer")
        asyncio.run(_rename_people(url, "改过的"))
        capsys.readouterr()

        assert main(["restore", str(out)], env) == 1  # the database has tables: not without --yes
        assert capsys.readouterr().err.endswith("restoring replaces everything in it (add --yes)\n")
        assert asyncio.run(_names(url)) == (["alice.viewer", "bob.viewer"], ["改过的"])

        assert main(["restore", str(out), "--yes"], env) == 0
        report = json.loads(capsys.readouterr().out)
        assert asyncio.run(_names(url)) == (["alice.viewer"], ["欧阳娜娜"])
        assert report["audit"]["ok"] is True
        assert report["keys"] == "ok"
        # The checkpoints of bob's entry name a seal the restored log has not: set aside, not lost.
        live = Path(report["checkpoints"])
        assert live.read_text() == backup.checkpoints_path(out).read_text()
        assert Path(report["set_aside"]).read_text().startswith(live.read_text())
        assert len(Path(report["set_aside"]).read_text()) > len(live.read_text())
        assert main(["audit", "verify"], env) == 0


def test_a_backup_is_never_written_over_nor_restored_unless_it_is_the_file_its_manifest_describes(
    tmp_path, capsys, monkeypatch
) -> None:
    with own_database(tmp_path, "backup_refusals") as url:
        env = portal_env(tmp_path, url)
        assert main(["migrate"], env) == 0
        _create_staff(env, monkeypatch, "alice.viewer")
        out = tmp_path / "portal.backup"
        assert main(["backup", "--out", str(out)], env) == 0
        kept = out.read_bytes()
        capsys.readouterr()

        assert main(["backup", "--out", str(out)], env) == 1
        assert capsys.readouterr().err.endswith(f"portal: {out} exists already: give the backup a new name\n")
        assert out.read_bytes() == kept

        out.write_bytes(kept[:-1] + bytes([kept[-1] ^ 1]))
        assert main(["restore", str(out), "--yes"], env) == 1
        assert "is not the file its manifest describes (sha256 differs)" in capsys.readouterr().err

        out.write_bytes(kept)
        backup.manifest_path(out).unlink()
        assert main(["restore", str(out), "--yes"], env) == 1
        assert "backup.manifest.json is missing: a backup is restored with its manifest" in capsys.readouterr().err
        _create_staff(env, monkeypatch, "bob.viewer")
        assert asyncio.run(_names(url))[0] == ["alice.viewer", "bob.viewer"]  # untouched by every refusal


def test_the_postgresql_password_reaches_pg_dump_through_its_environment_never_its_command_line(
    tmp_path, monkeypatch
) -> None:
    settings = Settings.from_env(portal_env(
        tmp_path, "postgresql+asyncpg://portal:s3cret-pw@db.example:6543/jobs?ssl=require"
    ))  # fmt: skip
    calls: list[tuple[list[str], dict[str, str]]] = []

    def run(command: list[str], *, env: dict[str, str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append((command, env))
        if "--format=custom" in command:
            Path(command[command.index("--file") + 1]).write_bytes(b"PGDMP")
        listed = "COPY public.alembic_version (version_num) FROM stdin;\n7a0c1e5f0012\n\\.\n"
        return subprocess.CompletedProcess(command, 0, stdout=listed, stderr="")

    monkeypatch.setattr(backup.subprocess, "run", run)
    manifest = backup.backup(settings, tmp_path / "portal.dump")

    assert manifest["revision"] == "7a0c1e5f0012"
    assert [Path(command[0]).name for command, _ in calls] == ["pg_dump", "pg_restore"]
    for command, env in calls:
        assert not any("s3cret-pw" in part for part in command)
        connection = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE")
        assert {name: env[name] for name in connection} == {
            "PGHOST": "db.example", "PGPORT": "6543", "PGUSER": "portal", "PGPASSWORD": "s3cret-pw",
            "PGDATABASE": "jobs", "PGSSLMODE": "require",
        }  # fmt: skip
