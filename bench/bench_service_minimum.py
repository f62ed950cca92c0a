"""How fast the 12333 minimum's list of people behind and a person's service history are at city scale (issue 8).

    .venv/bin/python bench/bench_service_minimum.py [N]          # SQLite in a temporary file
    DATABASE_URL=postgresql+asyncpg://... .venv/bin/python bench/bench_service_minimum.py [N]   # fills that database

Inserts N registered people spread over the ten areas, decided over the last 14 months, each with 0 to 12
service records of the five kinds, then times the county's and the city's list (first and last page) and one
person's year, and prints the main query's plan on SQLite.
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

from portal.cli import migrate
from portal.config import Settings
from portal.db import make_engine, make_sessionmaker
from portal.demo import load_reference_data
from portal.models import Person, Registration, ServiceRecord, StaffRole
from portal.services import service_minimum
from portal.services.staff import Scope

sys.path.insert(0, str(Path(__file__).parent))
from bench_queue import AREAS, TYPED_ANSWERS, _staff

KINDS = ["tracking", "policy", "guidance", "job_recommendation", "training"]
RESULTS = ["reached", "reached", "reached", "not_reached", "refused_with_reason"]


async def fill(settings: Settings, count: int) -> tuple[Scope, Scope]:
    engine = make_engine(settings.database_url)
    async with make_sessionmaker(engine, settings.audit_key)() as session, session.begin():
        await load_reference_data(session)
        scopes = (
            await _staff(session, "bench-clerk", StaffRole.CLERK, "440802"),
            await _staff(session, "bench-city", StaffRole.CITY_VIEWER, None),
        )
    rng = random.Random(11)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        for start in range(0, count, 5000):
            n = min(5000, count - start)
            people = [
                {"id": start + i + 1, "id_hash": f"{start + i:064d}", "id_cipher": b"x", "name": f"测试{start + i}",
                 "sex": "M", "birth_date": date(1990, 1, 1), "created_at": now, "updated_at": now}
                for i in range(n)
            ]  # fmt: skip
            await conn.execute(insert(Person), people)
            decided = [now - timedelta(days=rng.randint(0, 430)) for _ in range(n)]
            rows = [
                {"id": start + i + 1, "number": f"ZJM{start + i:011d}", "person_id": start + i + 1,
                 "account_id": None, "county_code": rng.choice(AREAS), "status": "registered",
                 "pension_category": "M60", "hukou_local": True, "residence_urban": True,
                 "unemployment_category": "dismissed", "phone": "13900000000", "answers": {},
                 "accepted_at": decided[i], "decided_at": decided[i], "deadline": decided[i].date(),
                 "deadline_provisional": False, "version": 1, "decision_note": "", "end_note": "",
                 "created_at": now, "updated_at": now, **TYPED_ANSWERS}
                for i in range(n)
            ]  # fmt: skip
            await conn.execute(insert(Registration), rows)
            records = [
                {"registration_id": start + i + 1, "day": (decided[i] + timedelta(days=rng.randint(0, 60))).date(),
                 "kind": rng.choice(KINDS), "channel": "phone", "result": rng.choice(RESULTS), "note": "",
                 "created_at": now, "updated_at": now}
                for i in range(n) for _ in range(rng.randint(0, 12))
            ]  # fmt: skip
            await conn.execute(insert(ServiceRecord), records)
        # The counts the portal keeps as it writes each record (services/service_minimum.tally), made in one go.
        await conn.execute(text(
            "INSERT INTO service_minimum_counts (registration_id, policy, guidance, job_recommendation, training)"
            " SELECT registration_id, SUM(CASE WHEN kind = 'policy' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN kind = 'guidance' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN kind = 'job_recommendation' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN kind = 'training' THEN 1 ELSE 0 END) FROM service_records"
            " WHERE result <> 'not_reached' GROUP BY registration_id"
        ))  # fmt: skip
        await conn.execute(text("ANALYZE"))
    await engine.dispose()
    return scopes


async def _time(label: str, run, repeat: int = 7) -> None:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = await run()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{label:32} {result:>10} median={statistics.median(times):7.1f} ms max={max(times):7.1f} ms")


async def measure(settings: Settings, clerk: Scope, city: Scope) -> None:
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine, settings.audit_key)

    def behind(scope: Scope, page: int):  # type: ignore[no-untyped-def]
        async def run() -> str:
            async with sessions() as session, session.begin():
                listed = await service_minimum.behind(session, scope, page=page)
                return f"total={listed.total}"

        return run

    async def one_year() -> str:
        async with sessions() as session:
            registration = await session.scalar(select(Registration).where(Registration.number == "ZJM00000000007"))
            assert registration is not None
            year = await service_minimum.year_of(session, registration)
            return "behind" if year and year.behind else "on pace"

    await _time("county clerk, page 1", behind(clerk, 1))
    await _time("county clerk, last page", behind(clerk, 10**6))
    await _time("city, page 1", behind(city, 1))
    await _time("city, last page", behind(city, 10**6))
    await _time("one person's year", one_year)
    if settings.database_url.startswith("sqlite"):
        async with engine.connect() as conn:
            plan = await conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM registrations WHERE county_code = '440802' AND "
                "status = 'registered' AND decided_at >= '2025-11-30'"
            ))  # fmt: skip
            print("plan:", "; ".join(row[3] for row in plan))
    await engine.dispose()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-minimum-") as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{Path(tmp)}/minimum.db"
        settings = Settings.from_env({"PORTAL_INSTANCE_DIR": tmp, "DATABASE_URL": url})
        migrate(settings)
        started = time.perf_counter()
        clerk, city = asyncio.run(fill(settings, count))
        print(f"inserted {count} registered people in {time.perf_counter() - started:.1f} s")
        asyncio.run(measure(settings, clerk, city))


if __name__ == "__main__":
    main()
