"""The county assessment (issue 11, points 4 and 7): the dashboard's server time with the indicators table filled for
10 counties x 24 months, and the job's run time over bench_worklist's people.

    .venv/bin/python bench/bench_assessment.py [N]          # SQLite in a temporary folder
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_assessment.py [N]

Fills N registered people in 赤坎 the way bench/bench_worklist.py does (the lead's bench/seed_statistics.py did not
exist yet), times `portal jobs assessment`'s work for this month and the last (compute, in-process), then fills
assessment_indicators for 10 counties x 24 months (what the pages read), serves the portal (one uvicorn worker) and
times sequential requests to a county's page (/staff/assessment/440802, which reads the same year of rows as the
city dashboard) as the bench clerk, and the city dashboard's service call in-process. Prints p50 and p95 of each.
The PostgreSQL database is emptied first.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import delete, insert, select

from portal.clock import local_today
from portal.db import empty_postgres_schema, make_engine, make_sessionmaker
from portal.models import AssessmentIndicator, ServiceArea, StaffRole
from portal.services import areas, assessment
from portal.services.staff import Scope

sys.path.insert(0, str(Path(__file__).parent))
from bench_staff_load import PASSWORD, _port, _serve, _sign_in, _wait
from bench_worklist import COUNTY, REQUESTS, _percentiles, _prepare, fill

CITY = Scope(0, "bench.city", "bench city", StaffRole.CITY_VIEWER, None)


async def time_job(url: str, audit_key: str) -> float:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine, audit_key)
    today = local_today()
    started = time.perf_counter()
    async with sessions() as session, session.begin():
        await assessment.compute(session, [assessment.previous_month(today), today], today)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def fill_indicators(url: str) -> None:
    """10 counties x 24 months of every stored indicator, replacing what the job wrote."""
    rng = random.Random(11)
    now = datetime.now(UTC)
    engine = make_engine(url)
    async with engine.begin() as conn:
        counties = list(await conn.scalars(select(ServiceArea.code)))
        await conn.execute(delete(AssessmentIndicator))
        rows = []
        for month in assessment.recent_months(local_today(), 24):
            for county in counties:
                for code in assessment.STORED:
                    den = rng.randint(500, 20000)
                    hist = {str(d): rng.randint(0, 400) for d in range(0, 11)} if code == "decision_days" else None
                    rows.append({"year_month": f"{month:%Y-%m}", "county_code": county, "indicator": code,
                                 "numerator": rng.randint(0, den), "denominator": den, "histogram": hist,
                                 "computed_at": now})  # fmt: skip
        await conn.execute(insert(AssessmentIndicator), rows)
    await engine.dispose()


async def in_process(url: str, audit_key: str) -> list[float]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine, audit_key)
    period = assessment.check_period("", "")
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            board = await assessment.dashboard(session, CITY, period, await areas.names(session))
        times.append((time.perf_counter() - started) * 1000)
    print(f"tables: {len(board.tables)}; counties ranked: {sum(1 for row in board.overall if row.place)}")
    await engine.dispose()
    return times


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-assessment-") as tmp:
        workdir = Path(tmp)
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        if url.startswith("postgresql"):
            asyncio.run(empty_postgres_schema(url))
        env = {**os.environ, "PORTAL_INSTANCE_DIR": str(workdir), "DATABASE_URL": url, "PORTAL_NEW_PASSWORD": PASSWORD,
               "LOG_LEVEL": "WARNING"}  # fmt: skip
        _prepare(env)
        started = time.perf_counter()
        asyncio.run(fill(url, count))
        print(f"{count} registered people in {COUNTY} filled in {time.perf_counter() - started:.1f} s")
        from portal.config import Settings

        settings = Settings.from_env({"PORTAL_INSTANCE_DIR": tmp, "DATABASE_URL": url})
        job = asyncio.run(time_job(url, settings.audit_key))
        print(f"job (this month and the last, every county): {job:.2f} s")
        asyncio.run(fill_indicators(url))
        port = _port()
        server = _serve("portal.app:create_app", port, env)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(f"{base}/staff/login")
            cookie = _sign_in(base, "bench.clerk")
            page_times = []
            with httpx.Client(base_url=base, headers={"Cookie": cookie}) as staff:
                assert staff.get(f"/staff/assessment/{COUNTY}").status_code == 200  # warm
                for _ in range(REQUESTS):
                    started = time.perf_counter()
                    assert staff.get(f"/staff/assessment/{COUNTY}").status_code == 200
                    page_times.append((time.perf_counter() - started) * 1000)
        finally:
            server.terminate()
            server.wait()
        service_times = asyncio.run(in_process(url, settings.audit_key))
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{database}, {REQUESTS} sequential requests each, one uvicorn worker")
        print(f"/staff/assessment/{COUNTY} (HTTP)   {_percentiles(page_times)}")
        print(f"city dashboard service call      {_percentiles(service_times)}")


if __name__ == "__main__":
    main()
