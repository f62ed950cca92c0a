"""The monthly statistics and the assessment dashboard at city scale (issue 11, point 7), beside a bare route.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_statistics.py [N] [M]
    .venv/bin/python bench/bench_statistics.py 100000 1000000            # SQLite
    ... bench_statistics.py --reuse          # the database bench/seed_statistics.py built last, as it is

Seeds N registrations and M service records with bench/seed_statistics.py (which also times the jobs that
pre-aggregate: the last 12 months' statistics and assessment indicators), then serves the portal (one uvicorn worker)
and the bare app of bench/bare_app.py, signs in bench.city (a city viewer: city roles other than the administrator
sign in without a second factor) and bench.clerk (a clerk of 赤坎), and times sequential requests to each page,
interleaved with the bare route: the statistics of last month for the city and for a county, the first page of the
people a figure counted (the city's and a county's stock, the largest lists), the city dashboard of the assessment
and a county's page. Prints a markdown table of p50 / p95 / max server round trips.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from bench_staff_load import _port, _serve, _sign_in, _wait
from seed_statistics import database_url, environment, seed

from portal.clock import local_today
from portal.db import make_engine
from portal.services import assessment

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100"))


def _pages(month: str) -> list[tuple[str, str, str]]:
    """(label, who, path) of each page timed."""
    return [
        ("/staff/statistics, the city", "city", f"/staff/statistics?month={month}&area=city"),
        ("/staff/statistics, a county (霞山)", "city", f"/staff/statistics?month={month}&area=440803"),
        ("/staff/statistics/people, city stock, page 1", "city",
         f"/staff/statistics/people?month={month}&figure=registered&area=city"),
        ("/staff/statistics/people, county stock, page 1", "city",
         f"/staff/statistics/people?month={month}&figure=registered&area=440803"),
        ("/staff/statistics/people, city women, page 1", "city",
         f"/staff/statistics/people?month={month}&figure=sex:F&area=city"),
        ("/staff/assessment (the city dashboard)", "city", "/staff/assessment"),
        ("/staff/assessment/440802 (a county, its clerk)", "clerk", "/staff/assessment/440802"),
    ]  # fmt: skip


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _counts(url: str) -> tuple[int, int]:
    async def read() -> tuple[int, int]:
        engine = make_engine(url)
        async with engine.connect() as conn:
            found = (await conn.execute(text(
                "SELECT (SELECT COUNT(*) FROM registrations), (SELECT COUNT(*) FROM service_records)"
            ))).one()  # fmt: skip
        await engine.dispose()
        return int(found[0]), int(found[1])

    return asyncio.run(read())


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 1_000_000
    records = int(args[1]) if len(args) > 1 else 10 * count
    url = database_url()
    if "--reuse" not in sys.argv:
        seed(url, count, records)
    env = environment(url)
    month = f"{assessment.previous_month(local_today()):%Y-%m}"
    portal_port, bare_port = _port(), _port()
    servers = [_serve("portal.app:create_app", portal_port, env), _serve("bench.bare_app:app", bare_port, env)]
    results: list[tuple[str, list[float]]] = []
    bare_times: list[float] = []
    try:
        portal, bare = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{bare_port}"
        _wait(f"{portal}/staff/login")
        _wait(bare)
        cookies = {"city": _sign_in(portal, "bench.city"), "clerk": _sign_in(portal, "bench.clerk")}
        clients = {who: httpx.Client(base_url=portal, headers={"Cookie": c}, timeout=60) for who, c in cookies.items()}
        with httpx.Client(base_url=bare) as yardstick:
            for label, who, path in _pages(month):
                response = clients[who].get(path)  # warm
                assert response.status_code == 200, (path, response.status_code, response.text[:300])
                times = []
                for _ in range(REQUESTS):
                    started = time.perf_counter()
                    assert clients[who].get(path).status_code == 200
                    times.append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    yardstick.get("/")
                    bare_times.append((time.perf_counter() - started) * 1000)
                results.append((label, times))
                print(f"  {label}: p95 {_p95(times):.1f} ms", flush=True)
        for client in clients.values():
            client.close()
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    count, records = _counts(url)
    print(f"\n{database}, {count:,} registrations, {records:,} service records; month {month}; "
          f"{REQUESTS} sequential requests per page, one uvicorn worker\n")  # fmt: skip
    print("| page | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|")
    for label, times in [*results, ("bare route (interleaved)", bare_times)]:
        print(f"| {label} | {statistics.median(times):.1f} | {_p95(times):.1f} | {max(times):.1f} |")


if __name__ == "__main__":
    main()
