"""The outreach worklist with 100,000 registered people in one county (issue 10, point 12), beside a bare route.

    .venv/bin/python bench/bench_worklist.py [N]          # SQLite in a temporary folder
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_worklist.py [N]

Fills N registered people in 赤坎 (440802), decided over the last 20 months, with their latest contact spread over
this month, last month and earlier (some never contacted, first contacts due and late), 12333 counts, 300 plans
held by the bench clerk with actions (some overdue), 50 vacancies and 3,000 recommendations with follow-ups due;
then serves the portal (one uvicorn worker) and the bare app of bench/bare_app.py, signs the clerk in, and times
sequential requests to /staff/worklist and to the bare route, interleaved, and the service call in-process.
Prints p50 and p95 of each. The PostgreSQL database is emptied first.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, select, text

from portal.clock import local_today
from portal.db import empty_postgres_schema, make_engine, make_sessionmaker
from portal.models import (
    Certification,
    Person,
    Plan,
    PlanAction,
    Recommendation,
    Registration,
    StaffUser,
    Vacancy,
)
from portal.services import worklist
from portal.services.staff import scope_of

sys.path.insert(0, str(Path(__file__).parent))
from bench_queue import TYPED_ANSWERS
from bench_staff_load import BIN, PASSWORD, _port, _serve, _sign_in, _wait

COUNTY = "440802"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))


def _prepare(env: dict[str, str]) -> None:
    def portal(*args: str) -> None:
        subprocess.run([BIN / "portal", *args], env=env, check=True, capture_output=True)  # noqa: S603

    portal("migrate")
    portal("load-data")
    portal("staff", "create", "--username", "bench.clerk", "--name", "bench clerk", "--role", "clerk", "--area", COUNTY)


async def fill(url: str, count: int) -> None:
    rng = random.Random(12)
    now = datetime.now(UTC)
    today = local_today()
    this_month = today.replace(day=1)
    engine = make_engine(url)
    async with engine.begin() as conn:
        clerk_id = await conn.scalar(select(StaffUser.id).where(StaffUser.username == "bench.clerk"))
        for start in range(0, count, 5000):
            n = min(5000, count - start)
            await conn.execute(insert(Person), [
                {"id": start + i + 1, "id_hash": f"{start + i:064d}", "id_cipher": b"x", "name": f"测试{start + i}",
                 "sex": rng.choice("MF"), "birth_date": date(1975 + rng.randint(0, 25), 1, 1), "created_at": now,
                 "updated_at": now}
                for i in range(n)
            ])  # fmt: skip
            rows = []
            for i in range(n):
                decided = now - timedelta(days=rng.randint(0, 600))
                roll = rng.random()
                if roll < 0.55:
                    last = this_month + timedelta(days=rng.randint(0, max(0, (today - this_month).days)))
                elif roll < 0.85:
                    last = this_month - timedelta(days=rng.randint(1, 28))
                elif roll < 0.95:
                    last = this_month - timedelta(days=rng.randint(32, 300))
                else:
                    last = None
                rows.append({
                    "id": start + i + 1, "number": f"ZJW{start + i:011d}", "person_id": start + i + 1,
                    "account_id": None, "county_code": COUNTY, "status": "registered", "pension_category": "M60",
                    "hukou_local": True, "residence_urban": True, "unemployment_category": "dismissed",
                    "phone": "13900000000", "answers": {}, "accepted_at": decided, "decided_at": decided,
                    "deadline": decided.date(), "deadline_provisional": False, "version": 1, "decision_note": "",
                    "end_note": "", "created_at": now, "updated_at": now,
                    "first_contact_due": decided.date() + timedelta(days=7), "last_contact_on": last,
                    **TYPED_ANSWERS,
                })  # fmt: skip
            await conn.execute(insert(Registration), rows)
            await conn.execute(text(
                "INSERT INTO service_minimum_counts (registration_id, policy, guidance, job_recommendation, training)"
                " SELECT id, :p, :g, :j, :t FROM registrations WHERE id > :start AND id <= :end AND id % 3 = 0"
            ), {"p": rng.randint(0, 2), "g": rng.randint(0, 3), "j": rng.randint(0, 3), "t": rng.randint(0, 3),
                "start": start, "end": start + n})  # fmt: skip
        # The clerk's plans, each of a certified person, with actions due before and after today.
        people = rng.sample(range(1, count + 1), 300)
        await conn.execute(insert(Certification), [
            {"id": k + 1, "number": f"ZCB{k:011d}", "registration_id": rid, "person_id": rid, "account_id": None,
             "county_code": COUNTY, "category": "older", "status": "certified", "evidence": "", "accepted_at": now,
             "deadline": today, "deadline_provisional": False, "reasons": "", "recheck_reason": "",
             "recheck_reasons": "", "certified_on": today, "review_on": today + timedelta(days=365), "version": 1,
             "created_at": now, "updated_at": now}
            for k, rid in enumerate(people)
        ])  # fmt: skip
        await conn.execute(insert(Plan), [
            {"id": k + 1, "certification_id": k + 1, "registration_id": rid, "person_id": rid, "county_code": COUNTY,
             "case_worker_id": clerk_id, "goals": "", "status": "open", "opened_on": today, "outcome_note": "",
             "version": 1, "created_at": now, "updated_at": now}
            for k, rid in enumerate(people)
        ])  # fmt: skip
        await conn.execute(insert(PlanAction), [
            {"plan_id": k % 300 + 1, "text": "行动", "due_on": today + timedelta(days=rng.randint(-30, 30)),
             "done_on": None if rng.random() < 0.7 else today, "staff_id": clerk_id, "created_at": now,
             "updated_at": now}
            for k in range(900)
        ])  # fmt: skip
        await conn.execute(insert(Vacancy), [
            {"id": v + 1, "county_code": COUNTY, "employer": f"单位{v}", "post": "电工", "pay_min": 3000,
             "pay_max": 5000, "requirements": "", "skills": "", "closing_on": today + timedelta(days=30),
             "status": "open", "created_by": clerk_id, "version": 1, "created_at": now, "updated_at": now}
            for v in range(50)
        ])  # fmt: skip
        await conn.execute(insert(Recommendation), [
            {"vacancy_id": k % 50 + 1, "registration_id": rid, "county_code": COUNTY, "reasons": [],
             "recommended_by": clerk_id, "recommended_on": today - timedelta(days=10),
             "follow_up_due": today + timedelta(days=rng.randint(-10, 10)), "result": "awaiting", "result_note": "",
             "created_at": now, "updated_at": now}
            for k, rid in enumerate(rng.sample(range(1, count + 1), 3000))
        ])  # fmt: skip
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


def _percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50={statistics.median(ordered):6.1f} ms  p95={p95:6.1f} ms  max={ordered[-1]:6.1f} ms"


async def in_process(url: str, audit_key: str) -> list[float]:
    """The service call alone (the page's server-side work without HTTP), in a transaction each, as a request."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine, audit_key)
    async with sessions() as session:
        scope = scope_of(await session.scalar(select(StaffUser).where(StaffUser.username == "bench.clerk")))
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            found = await worklist.worklist(session, scope)
        times.append((time.perf_counter() - started) * 1000)
    print(f"rows shown: {len(found.rows)}; counts: {found.counts}")
    await engine.dispose()
    return times


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-worklist-") as tmp:
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
        portal_port, bare_port = _port(), _port()
        servers = [_serve("portal.app:create_app", portal_port, env), _serve("bench.bare_app:app", bare_port, env)]
        try:
            portal, bare = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{bare_port}"
            _wait(f"{portal}/staff/login")
            _wait(bare)
            cookie = _sign_in(portal, "bench.clerk")
            page_times, bare_times = [], []
            with httpx.Client(base_url=portal, headers={"Cookie": cookie}) as staff, httpx.Client(base_url=bare) as b:
                assert staff.get("/staff/worklist").status_code == 200  # warm
                for _ in range(REQUESTS):
                    started = time.perf_counter()
                    assert staff.get("/staff/worklist").status_code == 200
                    page_times.append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    b.get("/")
                    bare_times.append((time.perf_counter() - started) * 1000)
        finally:
            for server in servers:
                server.terminate()
                server.wait()
        from portal.config import Settings

        settings = Settings.from_env({"PORTAL_INSTANCE_DIR": tmp, "DATABASE_URL": url})
        service_times = asyncio.run(in_process(url, settings.audit_key))
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{database}, {REQUESTS} sequential requests each, one uvicorn worker")
        print(f"/staff/worklist (HTTP)     {_percentiles(page_times)}")
        print(f"bare route (HTTP)          {_percentiles(bare_times)}")
        print(f"worklist service call      {_percentiles(service_times)}")


if __name__ == "__main__":
    main()
