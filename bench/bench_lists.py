"""The staff lists at city scale (issue 12, point 3): page 1 and the last page of each, beside a bare route.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench_city .venv/bin/python bench/bench_lists.py [N] [M]
    ... bench_lists.py --reuse              # the database bench/seed_city.py built last, as it is
    ... bench_lists.py --reuse --offset     # the last page by its number, for the lists from before keyset paging
    ... bench_lists.py --reuse --offset --code /tmp/head    # the portal served from another copy of its code

Seeds N registrations and M service records with bench/seed_city.py (unless --reuse), serves the portal (one uvicorn
worker, no access log) beside the bare app of bench/bare_app.py, signs in bench.clerk (a clerk of 赤坎, no second
factor, who holds half of the county's plans; BENCH_STAFF for another) and times BENCH_REQUESTS (100) sequential
requests to page 1 and to the last page of each staff list, each followed by one to the bare route: the queue, the
tracking list, the worklist, the ledger and the objections queue. Page 1 is the plain URL; the last page is the same
URL with ?last=1, or with --offset ?page_number=1000000, which the lists before keyset paging kept within their pages
(so: the last page, read with OFFSET). --code DIR serves the portal from DIR instead of this checkout, e.g. the
last commit's code, `git archive HEAD portal migrations alembic.ini | tar -x -C DIR` (copy the compiled .mo files
in too), to time the code before a change on the same database.

Prints a Markdown table of p50 / p95 / max round trips on 127.0.0.1 in ms (the server's time and a loopback
round trip; the bare route's row is that floor), and for each last page whether it showed other people than page 1
(a list that ignores the parameter shows page 1 again).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from bench_staff_load import BIN, _port, _serve, _wait
from seed_city import city_environment, database_url, seed
from seed_statistics import PASSWORD

from portal.db import make_engine

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100"))
STAFF = os.environ.get("BENCH_STAFF", "bench.clerk")
# (name, page 1's path): the five staff lists of issue 12, point 3.
LISTS = [
    ("queue", "/staff"),
    ("tracking", "/staff/tracking"),
    ("worklist", "/staff/worklist"),
    ("ledger", "/staff/ledger"),
    ("objections", "/staff/objections"),
]
LAST_PAGE = "last=1"
LAST_PAGE_BY_NUMBER = "page_number=1000000"
# What identifies a row on a list: a registration's number, or an objection's.
ROW_NUMBERS = re.compile(r"\b(?:ZJS\d{11}|YY\d{12})\b")
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def pages(by_number: bool = False) -> list[tuple[str, str, str]]:
    """(list, "page1" or "last", path) of each page timed."""
    last = LAST_PAGE_BY_NUMBER if by_number else LAST_PAGE
    return [(name, which, path if which == "page1" else f"{path}?{last}")
            for name, path in LISTS for which in ("page1", "last")]  # fmt: skip


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def sign_in(base: str, username: str) -> str:
    """The session cookie of a staff member without a second factor. bench_staff_load._sign_in, with the patience
    a shared machine needs: the password's hash takes seconds to check when the cores are busy."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=120) as client:
        token = CSRF.search(client.get("/staff/login").text)
        assert token, "no CSRF token on the sign-in page"
        response = client.post("/staff/login", data={"username": username, "password": PASSWORD,
                                                      "_csrf_token": token.group(1)})  # fmt: skip
        assert response.status_code == 303, response.text[:500]
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def serve_code(code: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The portal served as bench_staff_load._serve serves it, from another copy of its code."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [BIN / "uvicorn", "portal.app:create_app", "--factory", "--app-dir", str(code), "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env={**env, "PYTHONPATH": str(code)}, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def sizes(url: str) -> str:
    """How big the database is, in a line."""
    engine = make_engine(url)
    async with engine.connect() as conn:
        found = (await conn.execute(text(
            "SELECT (SELECT COUNT(*) FROM registrations), (SELECT COUNT(*) FROM service_records), "
            "(SELECT COUNT(*) FROM grants), (SELECT COUNT(*) FROM audit_log)"
        ))).one()  # fmt: skip
    await engine.dispose()
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    return (f"{database}, {found[0]:,} registrations, {found[1]:,} service records, {found[2]:,} grants, "
            f"{found[3]:,} audit entries")  # fmt: skip


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    code = Path(sys.argv[sys.argv.index("--code") + 1]).resolve() if "--code" in sys.argv else None
    if code is not None:
        args.remove(str(sys.argv[sys.argv.index("--code") + 1]))
    count = int(args[0]) if args else 1_000_000
    records = int(args[1]) if len(args) > 1 else 10 * count
    url = database_url()
    if "--reuse" not in sys.argv:
        seed(url, count, records)
    env = city_environment(url)
    by_number = "--offset" in sys.argv
    # Stopped from outside (kill): the servers are stopped too, by the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    portal_port, bare_port = _port(), _port()
    servers = [
        serve_code(code, portal_port, env) if code else _serve("portal.app:create_app", portal_port, env),
        _serve("bench.bare_app:app", bare_port, env),
    ]
    results: list[tuple[str, list[float]]] = []
    bare_times: list[float] = []
    shown: dict[str, set[str]] = {}
    try:
        portal, bare = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{bare_port}"
        _wait(f"{portal}/staff/login")
        _wait(bare)
        cookie = sign_in(portal, STAFF)
        with (
            httpx.Client(base_url=portal, headers={"Cookie": cookie}, timeout=120) as client,
            httpx.Client(base_url=bare) as yardstick,
        ):
            for name, which, path in pages(by_number):
                response = client.get(path)  # warm
                assert response.status_code == 200, (path, response.status_code, response.text[:300])
                shown[f"{name} {which}"] = set(ROW_NUMBERS.findall(response.text))
                times = []
                for _ in range(REQUESTS):
                    started = time.perf_counter()
                    assert client.get(path).status_code == 200
                    times.append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    yardstick.get("/")
                    bare_times.append((time.perf_counter() - started) * 1000)
                label = f"{name}, {'page 1' if which == 'page1' else 'last page'} ({path})"
                results.append((label, times))
                print(f"  {label}: p95 {p95(times):.1f} ms", flush=True)
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    print(f"\n{asyncio.run(sizes(url))}; {STAFF}; {REQUESTS} sequential requests per page, one uvicorn worker"
          f"{'; code from ' + str(code) if code else ''}\n")  # fmt: skip
    print("| page | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|")
    for label, times in [*results, ("bare route (interleaved)", bare_times)]:
        print(f"| {label} | {statistics.median(times):.1f} | {p95(times):.1f} | {max(times):.1f} |")
    print()
    for name, _ in LISTS:
        first, last = shown[f"{name} page1"], shown[f"{name} last"]
        print(f"  {name}: page 1 shows {len(first)} numbered rows, the last page {len(last)}, "
              f"{'other rows' if first != last else 'THE SAME rows'}")  # fmt: skip


if __name__ == "__main__":
    main()
