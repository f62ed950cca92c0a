"""`portal staff create`, `portal jobs run-due` and `portal audit verify` against a real database file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.cli import main

PORTAL = Path(sys.executable).parent / "portal"


@pytest.fixture(scope="module")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file as `portal migrate` and `portal load-data` leave it, made once for these tests (with the
    commands' own code, in this process) and copied for each: the commands under test run as commands."""
    folder = tmp_path_factory.mktemp("cli-template")
    environment = {
        **os.environ,
        "PORTAL_INSTANCE_DIR": str(folder),
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'cli.db'}",
    }
    assert main(["migrate"], environment) == 0
    assert main(["load-data"], environment) == 0
    return folder / "cli.db"


@pytest.fixture
def env(tmp_path: Path, migrated_file: Path) -> dict[str, str]:
    with sqlite3.connect(migrated_file) as source, sqlite3.connect(tmp_path / "cli.db") as copy:
        source.backup(copy)
    return {
        **os.environ,
        "PORTAL_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "PORTAL_NEW_PASSWORD": "ledger and lantern",
    }


def portal(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PORTAL, *args], env=env, capture_output=True, text=True)  # noqa: S603


def test_staff_create_then_audit_verify_then_tampering_is_found(env: dict[str, str], tmp_path: Path) -> None:
    for name, role, area in (("chikan.clerk", "clerk", "440802"), ("xiashan.clerk", "clerk", "440803"),
                             ("city.admin", "city_admin", None)):  # fmt: skip
        args = ["staff", "create", "--username", name, "--name", name, "--role", role]
        created = portal(env, *args, *(["--area", area] if area else []))
        assert created.returncode == 0, created.stderr
        assert json.loads(created.stdout) == {"created": name}
    intact = portal(env, "audit", "verify")
    assert intact.returncode == 0
    assert json.loads(intact.stdout) == {
        "ok": True,
        "entries": 3,
        "unsealed": 0,
        "checkpoints": 3,
        "first_broken_id": None,
        "problem": None,
    }

    with sqlite3.connect(tmp_path / "cli.db") as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute('UPDATE audit_log SET changes = \'{"role": "city_admin"}\' WHERE id = 2')
    with sqlite3.connect(tmp_path / "cli.db") as db:  # someone with the database file drops the triggers
        db.execute("DROP TRIGGER audit_log_no_update")
        db.execute('UPDATE audit_log SET changes = \'{"role": "city_admin"}\' WHERE id = 2')
    tampered = portal(env, "audit", "verify")
    assert tampered.returncode == 1
    assert json.loads(tampered.stdout)["first_broken_id"] == 2
    assert json.loads(tampered.stdout)["problem"] == "entry edited"


def test_audit_seal_seals_what_was_left_unsealed_and_verify_then_passes(env: dict[str, str], tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute("INSERT INTO audit_log (at, username, role, action, target_type, target_id, changes, mac)"
                   " VALUES ('2026-11-27 00:00:00.000000', 'ghost', 'clerk', 'case.view', 'registration', '1', '{}',"
                   " 'not a mac')")  # fmt: skip
    sealed = portal(env, "audit", "seal")
    assert sealed.returncode == 1
    assert json.loads(sealed.stdout)["refused"] == [1]
    assert json.loads(portal(env, "audit", "verify").stdout)["problem"] == "entry not written by the portal"


def test_staff_create_refuses_a_county_role_without_an_area(env: dict[str, str]) -> None:
    result = portal(env, "staff", "create", "--username", "no.area", "--name", "x", "--role", "reviewer")
    assert result.returncode == 1
    assert "area_code" in json.loads(result.stderr)


def test_jobs_run_due_reports_what_it_did_and_can_run_twice(env: dict[str, str]) -> None:
    first = portal(env, "jobs", "run-due")
    second = portal(env, "jobs", "run-due")
    assert first.returncode == second.returncode == 0
    assert json.loads(second.stdout) == {"proposed": {"4": 0, "8": 0, "9": 0}, "overdue_flagged": 0,
                                         "notices_settled": {}, "listings_ended": 0}  # fmt: skip


async def test_in_app_schedule_runs_the_job(settings, services, db) -> None:
    import asyncio
    import contextlib
    from dataclasses import replace

    from portal.app import run_jobs_every
    from portal.models import AuditEntry, Registration
    from portal.models import RegistrationStatus as Status
    from tests.staffing import make_case

    case = await make_case(db, services, missing=["id_card"])
    registration = await db.get(Registration, case.id)
    registration.deadline = registration.deadline.replace(year=2020)
    await db.commit()
    task = asyncio.create_task(run_jobs_every(replace(services, settings=settings), 3600))
    for _ in range(100):
        await asyncio.sleep(0.05)
        await db.refresh(registration)
        if registration.overdue_since is not None:
            break
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert registration.status is Status.DEFERRED
    assert registration.overdue_since is not None
    assert "jobs.run_due" in set(await db.scalars(select(AuditEntry.action)))  # beside the statistics it took


def test_jobs_tracking_compare_reports_what_it_did_and_compares_nobody_twice(env: dict[str, str]) -> None:
    first = portal(env, "jobs", "tracking-compare")
    second = portal(env, "jobs", "tracking-compare", "--county", "440802")
    assert first.returncode == second.returncode == 0
    assert set(json.loads(first.stdout)) == {"checked", "recorded", "proposed"}
    assert json.loads(second.stdout)["recorded"] == 0


def test_stats_month_prints_the_months_figures_and_refuses_a_month_to_come(env: dict[str, str]) -> None:
    from portal.clock import local_today

    month = f"{local_today():%Y-%m}"
    printed = portal(env, "stats", "month", "--month", month, "--area", "440802")
    assert printed.returncode == 0, printed.stderr
    figures = json.loads(printed.stdout)
    assert (figures["month"], figures["area"], figures["final"]) == (month, "440802", False)
    assert figures["figures"]["registered"] == 0
    assert set(figures["figures"]) >= {"registered", "urban", "inflow", "outflow", "certified", "in_post", "reason:9"}
    assert portal(env, "stats", "take", "--month", month).returncode == 0
    refused = portal(env, "stats", "month", "--month", "2999-01")
    assert refused.returncode == 2
    assert "month" in json.loads(refused.stderr)
