"""How fast the staff queue is with many applications (issue: staff workspace, point 2).

    .venv/bin/python bench/bench_queue.py [N]          # SQLite in a temporary file
    DATABASE_URL=postgresql+asyncpg://... .venv/bin/python bench/bench_queue.py [N]   # fills that database

Inserts N applications spread over the ten areas (a third deferred), then times the queue for a
county clerk and for the city, first and last page, with and without filters, and prints the
query plan of the main query on SQLite.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from portal.cli import migrate
from portal.config import Settings
from portal.db import make_engine, make_sessionmaker
from portal.demo import load_reference_data
from portal.models import Person, Registration, RegistrationStatus, StaffRole, StaffUser
from portal.services import keyset, queue
from portal.services.staff import Scope

# The typed answers every registration has (issue 7).
TYPED_ANSWERS = {"ethnicity": "汉族", "education": "senior", "wants_training": False, "wants_business": False,
                 "insured_before": "yes"}  # fmt: skip
AREAS = ["440802", "440803", "440804", "440811", "440823", "440825", "440881", "440882", "440883", "zjetdz"]


async def _staff(session: AsyncSession, username: str, role: StaffRole, area_code: str | None) -> Scope:
    """A real staff row: every queue view is audited under the viewer's id, which must exist."""
    user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        # Nobody signs in during the bench, so a hash no password matches will do (and skips argon2).
        user = StaffUser(username=username, full_name=username, password_hash="!", role=role, area_code=area_code)
        session.add(user)
        await session.flush()
    return Scope(user.id, user.username, user.full_name, user.role, user.area_code)


async def fill(settings: Settings, count: int) -> tuple[Scope, Scope]:
    engine = make_engine(settings.database_url)
    async with make_sessionmaker(engine, settings.audit_key)() as session, session.begin():
        await load_reference_data(session)
        scopes = (
            await _staff(session, "bench-clerk", StaffRole.CLERK, "440802"),
            await _staff(session, "bench-city", StaffRole.CITY_ADMIN, None),
        )
    rng = random.Random(7)
    today = date.today()
    async with engine.begin() as conn:
        for start in range(0, count, 5000):
            n = min(5000, count - start)
            people = [
                {"id": start + i + 1, "id_hash": f"{start + i:064d}", "id_cipher": b"x", "name": f"测试{start + i}",
                 "sex": "M", "birth_date": date(1990, 1, 1), "created_at": datetime.now(UTC),
                 "updated_at": datetime.now(UTC)}
                for i in range(n)
            ]  # fmt: skip
            await conn.execute(insert(Person), people)
            statuses = [RegistrationStatus.DEFERRED, RegistrationStatus.SUBMITTED, RegistrationStatus.REGISTERED]
            rows = [
                {"number": f"ZJB{start + i:011d}", "person_id": start + i + 1, "account_id": None,
                 "county_code": rng.choice(AREAS), "status": rng.choice(statuses).value, "pension_category": "M60",
                 "hukou_local": True, "residence_urban": True, "unemployment_category": "dismissed",
                 "phone": "13900000000", "answers": {}, "accepted_at": datetime.now(UTC), **TYPED_ANSWERS,
                 "deadline": today + timedelta(days=rng.randint(-10, 20)), "deadline_provisional": False,
                 "version": 1, "decision_note": "", "end_note": "", "created_at": datetime.now(UTC),
                 "updated_at": datetime.now(UTC)}
                for i in range(n)
            ]  # fmt: skip
            await conn.execute(insert(Registration), rows)
    await engine.dispose()
    return scopes


async def measure(settings: Settings, clerk: Scope, city: Scope) -> None:
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine, settings.audit_key)
    cases = [
        ("county clerk, page 1", clerk, queue.Filters(), 1),
        ("county clerk, overdue only", clerk, queue.Filters(due="overdue"), 1),
        ("county clerk, last page", clerk, queue.Filters(), 10**6),
        ("city, page 1", city, queue.Filters(), 1),
        ("city, one county, deferred", city, queue.Filters(county="440881", status="deferred"), 1),
        ("city, last page", city, queue.Filters(), 10**6),
    ]
    for label, scope, filters, page in cases:
        times = []
        for _ in range(7):
            async with factory() as session:
                started = time.perf_counter()
                at = keyset.At(last="1") if page > 1 else keyset.START  # the last page: keyset, not a number
                result = await queue.awaiting(session, scope, filters, at=at)
                times.append(time.perf_counter() - started)
        print(f"{label:32} total={result.total:6} median={statistics.median(times) * 1000:7.1f} ms "
              f"max={max(times) * 1000:7.1f} ms")  # fmt: skip
    if settings.database_url.startswith("sqlite"):
        async with engine.connect() as conn:
            plan = await conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT * FROM registrations WHERE status IN ('submitted','deferred') "
                "AND county_code = '440802' ORDER BY CASE WHEN status = 'deferred' THEN 0 ELSE 1 END, deadline LIMIT 25"
            ))  # fmt: skip
            print("plan:", "; ".join(row[-1] for row in plan))
    await engine.dispose()


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{Path(tmp)}/queue.db"
        settings = Settings.from_env({"PORTAL_INSTANCE_DIR": tmp, "DATABASE_URL": url})
        migrate(settings)
        started = time.perf_counter()
        clerk, city = asyncio.run(fill(settings, count))
        print(f"inserted {count} applications in {time.perf_counter() - started:.1f} s")
        asyncio.run(measure(settings, clerk, city))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
