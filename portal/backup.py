"""Backups of the database and their restore: SQLite through its online backup API, PostgreSQL through pg_dump
and pg_restore. Beside each backup FILE: FILE.manifest.json (schema revision, time, sha256, the ids of the keys
it needs) and FILE.checkpoints.jsonl (the audit checkpoints it is verified against). The keys themselves are
never in a backup (README, "Backup, restore and keys")."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from portal.config import Settings
from portal.crypto import key_id, lookup_key_of
from portal.models.base import utcnow

FORMAT = "portal-backup/1"
SQLITE, POSTGRESQL = "sqlite", "postgresql"


class BackupError(Exception):
    """A backup or restore that cannot be done: the message says why, in one line for the operator."""


def manifest_path(file: Path) -> Path:
    return file.with_name(file.name + ".manifest.json")


def checkpoints_path(file: Path) -> Path:
    return file.with_name(file.name + ".checkpoints.jsonl")


def _kind(database_url: str) -> str:
    return SQLITE if database_url.startswith("sqlite") else POSTGRESQL


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_file(database_url: str) -> Path:
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file")
    return Path(name)


def _partial(path: Path) -> Path:
    """Written first, renamed when complete: an interrupted run never leaves a file that looks like a backup.
    Made empty and readable by its owner only: a backup holds names and phone numbers in the clear."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return partial


def key_ids(settings: Settings) -> dict[str, Any]:
    """The ids of the keys a backup needs (portal.crypto.key_id): which offline copies to fetch, not the keys."""
    return {
        "data": [key_id(key).hex() for key in (settings.data_key, *settings.old_data_keys)],
        "lookup": key_id(settings.lookup_key or lookup_key_of(settings.data_key)).hex(),
        "audit": key_id(settings.audit_key).hex(),
    }


# ---- backup -------------------------------------------------------------------------------------


def backup(settings: Settings, out: Path) -> dict[str, Any]:
    """Write the backup, its checkpoints and its manifest; the manifest is returned."""
    if out.exists():
        raise BackupError(f"{out} exists already: give the backup a new name")
    out.parent.mkdir(parents=True, exist_ok=True)
    # The checkpoints are copied before the database: every one of them then names a seal the copy holds.
    checkpoints = None
    if settings.audit_checkpoint_file.exists():
        copied = checkpoints_path(out)
        partial = _partial(copied)
        shutil.copyfile(settings.audit_checkpoint_file, partial)
        partial.replace(copied)
        lines = len(copied.read_text().splitlines())
        checkpoints = {"file": copied.name, "lines": lines, "sha256": _sha256(copied)}
    kind = _kind(settings.database_url)
    if kind == SQLITE:
        revision = _sqlite_backup(_sqlite_file(settings.database_url), out)
    else:
        revision = _pg_backup(settings.database_url, out)
    manifest = {
        "format": FORMAT,
        "database": kind,
        "file": out.name,
        "size": out.stat().st_size,
        "sha256": _sha256(out),
        "revision": revision,
        "taken_at": utcnow().isoformat(timespec="seconds"),
        "checkpoints": checkpoints,
        "keys": key_ids(settings),
    }
    partial = _partial(manifest_path(out))
    partial.write_text(json.dumps(manifest, indent=2) + "\n")
    partial.replace(manifest_path(out))
    return manifest


def _sqlite_backup(source: Path, out: Path) -> str | None:
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    partial = _partial(out)
    try:
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
            # One step: the copy is the database as one read transaction saw it, while the portal goes on writing.
            live.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            revision = _sqlite_revision(copy)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"SQLite could not copy {source}: {exc}") from exc
    partial.replace(out)
    return revision


def _sqlite_revision(db: sqlite3.Connection) -> str | None:
    try:
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


# ---- PostgreSQL's own tools -------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on the PATH, else the newest under /usr/lib/postgresql (Debian's layout)."""
    if found := shutil.which(name):
        return found
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if not versions:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools (postgresql-client)")
    return str(versions[-1])


def _pg_env(database_url: str) -> dict[str, str]:
    """The connection for libpq's tools as environment variables: the password never on a command line, where
    any user of the machine could read it (ps)."""
    url: URL = make_url(database_url)
    env = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    settings = {
        "PGHOST": url.host or str(url.query.get("host", "")),
        "PGPORT": str(url.port or ""),
        "PGUSER": url.username or "",
        "PGPASSWORD": url.password or "",
        "PGDATABASE": url.database or "",
        "PGSSLMODE": str(url.query.get("sslmode") or url.query.get("ssl") or ""),
    }
    env.update({name: value for name, value in settings.items() if value})
    return env


def _run(command: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, env=_pg_env(database_url), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"{Path(command[0]).name} failed: {lines[0] if lines else f'exit {done.returncode}'}")
    return done


def _pg_backup(database_url: str, out: Path) -> str | None:
    partial = _partial(out)
    # pg_dump reads in one snapshot: consistent while the portal runs.
    _run([pg_tool("pg_dump"), "--format=custom", "--file", str(partial)], database_url)
    partial.replace(out)
    return _pg_revision(out, database_url)


def _pg_revision(dump: Path, database_url: str) -> str | None:
    """The schema revision as the dump holds it (not as the database is now)."""
    shown = _run([pg_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(dump)],
                 database_url)  # fmt: skip
    lines = shown.stdout.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
            value = lines[number + 1].strip()
            return None if value == "\\." else value
    return None


def _pg_dump_tables(dump: Path, database_url: str) -> set[str]:
    listed = _run([pg_tool("pg_restore"), "--list", str(dump)], database_url).stdout
    # A table's line: "215; 1259 16390 TABLE public people postgres".
    return {line.split()[5] for line in listed.splitlines() if not line.startswith(";") and " TABLE public " in line}


# ---- restore ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    revision: str | None
    checkpoints: Path | None  # the audit checkpoint file now in place, from the backup
    set_aside: Path | None  # the checkpoint file that was there, kept under another name


def read_manifest(file: Path) -> dict[str, Any]:
    """The backup's manifest, once the file is found to be the one it describes."""
    try:
        manifest: dict[str, Any] = json.loads(manifest_path(file).read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{manifest_path(file)} is missing: a backup is restored with its manifest") from exc
    except ValueError as exc:
        raise BackupError(f"{manifest_path(file)} is not a backup manifest") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{manifest_path(file)} is not a {FORMAT} manifest")
    if not file.exists():
        raise BackupError(f"{file} does not exist")
    if _sha256(file) != manifest.get("sha256"):
        raise BackupError(f"{file} is not the file its manifest describes (sha256 differs): damaged or replaced")
    listed = manifest.get("checkpoints")
    if listed and _sha256(checkpoints_path(file)) != listed.get("sha256"):
        raise BackupError(f"{checkpoints_path(file)} is not the checkpoint file the manifest describes")
    return manifest


async def _tables(database_url: str) -> set[str]:
    import sqlalchemy as sa

    from portal.db import make_engine

    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names)


def database_tables(settings: Settings) -> set[str]:
    """The tables in the database the settings name (none for a SQLite file not made yet)."""
    import asyncio

    from sqlalchemy.exc import DBAPIError

    if _kind(settings.database_url) == SQLITE and not _sqlite_file(settings.database_url).exists():
        return set()
    try:
        return asyncio.run(_tables(settings.database_url))
    except (OSError, DBAPIError) as exc:
        # The driver's first line names the cause (refused, no such database) without the password.
        raise BackupError(f"the database cannot be reached: {str(exc).splitlines()[0]}") from exc


def restore(settings: Settings, file: Path, *, replace: bool) -> Restored:
    """Put the backup in place of the database and its checkpoints in place of the audit checkpoint file.
    A database with tables is only replaced with `replace` (the command's --yes)."""
    manifest = read_manifest(file)
    kind = _kind(settings.database_url)
    if manifest["database"] != kind:
        raise BackupError(f"this is a {manifest['database']} backup, and DATABASE_URL names a {kind} database")
    tables = database_tables(settings)
    if tables and not replace:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        raise BackupError(f"{where} has {len(tables)} tables: restoring replaces everything in it (add --yes)")
    if kind == SQLITE:
        _sqlite_restore(file, _sqlite_file(settings.database_url))
    else:
        extra = tables - _pg_dump_tables(file, settings.database_url)
        if extra:
            raise BackupError(f"the database has tables the backup has not ({', '.join(sorted(extra))}): restore "
                              "into an empty database (dropdb, createdb)")  # fmt: skip
        _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", "--dbname", _pg_env(settings.database_url)["PGDATABASE"], str(file)],
             settings.database_url)  # fmt: skip
    set_aside = None
    live = settings.audit_checkpoint_file
    if live.exists():
        # Its later checkpoints name seals the restored log has not: kept, as the record of what was lost.
        set_aside = live.with_name(f"{live.name}.before-restore-{utcnow():%Y%m%dT%H%M%SZ}")
        live.replace(set_aside)
    placed = None
    if manifest.get("checkpoints"):
        live.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(checkpoints_path(file), live)
        live.chmod(0o600)
        placed = live
    return Restored(manifest.get("revision"), placed, set_aside)


def _sqlite_restore(file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(file)) as source, closing(sqlite3.connect(target, timeout=30)) as live:
            # Under the target's own write lock: no reader ever sees half of the old and half of the new.
            source.backup(live)
    except sqlite3.Error as exc:  # e.g. locked by a portal still running
        raise BackupError(f"SQLite could not write {target}: {exc} (stop the portal first)") from exc
