"""The `portal` command against a database that is not migrated: one line saying what to do, exit 2."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PORTAL = Path(sys.executable).parent / "portal"
NOT_MIGRATED = "The database is not migrated: run `portal migrate` first.\n"
COMMANDS = [
    ["serve", "--port", "8799"],
    ["load-data"],
    ["load-data", "--demo"],
    ["staff", "create", "--username", "chikan.clerk", "--name", "x", "--role", "clerk", "--area", "440802"],
    ["jobs", "run-due"],
    ["audit", "verify"],
]


def _env(tmp_path: Path, database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "PORTAL_NEW_PASSWORD": "ledger and lantern",
    }


def portal(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # The timeout guards `serve`: were the check missing, it would start listening instead of exiting.
    return subprocess.run([PORTAL, *args], env=env, capture_output=True, text=True, timeout=60)  # noqa: S603


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_on_an_empty_database_says_to_migrate_and_exits_2(tmp_path: Path, command: list[str]) -> None:
    database = tmp_path / "empty.db"
    sqlite3.connect(database).close()
    result = portal(_env(tmp_path, database), *command)
    assert result.returncode == 2
    assert result.stderr == NOT_MIGRATED
    assert result.stdout == ""


def test_a_missing_database_file_is_reported_and_not_created(tmp_path: Path) -> None:
    database = tmp_path / "never-made.db"
    result = portal(_env(tmp_path, database), "jobs", "run-due")
    assert (result.returncode, result.stderr) == (2, NOT_MIGRATED)
    assert not database.exists()


def test_a_database_behind_the_latest_migration_says_to_migrate(tmp_path: Path) -> None:
    from alembic import command

    from portal.cli import _alembic_config

    database = tmp_path / "behind.db"
    config = _alembic_config(f"sqlite+aiosqlite:///{database}")
    config.attributes["configure_logging"] = False
    command.upgrade(config, "6445e2add479")  # the first migration only
    result = portal(_env(tmp_path, database), "audit", "verify")
    assert (result.returncode, result.stderr) == (2, NOT_MIGRATED)


def test_after_migrate_the_same_command_runs(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    env = _env(tmp_path, database)
    assert portal(env, "audit", "verify").returncode == 2
    assert portal(env, "migrate").returncode == 0
    verified = portal(env, "audit", "verify")
    assert verified.returncode == 0, verified.stderr


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = {**_env(tmp_path, tmp_path / "x.db"), "DATABASE_URL": "postgresql+asyncpg://portal@127.0.0.1:9/portal"}
    result = portal(env, "jobs", "run-due")
    assert result.returncode == 2
    assert result.stderr.startswith("The database cannot be reached: ")
    assert result.stderr.count("\n") == 1  # one line, no traceback
