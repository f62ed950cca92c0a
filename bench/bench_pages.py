"""`make bench`: the portal's pages side by side with a bare Litestar "ok" route, in one run (issue 12, points 1, 2, 4).

    .venv/bin/python bench/bench_pages.py                      # SQLite in a temporary folder
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_pages.py
    BENCH_SECONDS=10 BENCH_CONNECTIONS=20,50 BENCH_SERVER=uvicorn .venv/bin/python bench/bench_pages.py

Serves the bare app of `bench/bare_app.py` and the portal (migrated, demo data loaded, two county clerks and a
resident signed in) with the same server and settings: one worker, no access log. Then, for each number of
connections and each page, runs wrk against the bare route and right after it against the page (interleaved, so
both see the same machine), and prints one table: requests per second, p50 and p99, non-2xx responses and the ratio
to the bare route measured just before. Staff pages are measured with one clerk and with two clerks at once (wrk's
two threads each sending one clerk's session). Last, the portal worker's resident memory (RSS) after the whole run and
before and after 100,000 anonymous requests. The table goes to `bench/results/pages-<database>-<time>.csv` too.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from bench_staff_load import _open_notice, _port, _wait

from portal.db import empty_postgres_schema

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
SECONDS = os.environ.get("BENCH_SECONDS", "5")
CONNECTIONS = [int(n) for n in os.environ.get("BENCH_CONNECTIONS", "20,50").split(",")]
SERVER = os.environ.get("BENCH_SERVER", "uvicorn")
ANONYMOUS_REQUESTS = int(os.environ.get("BENCH_ANONYMOUS_REQUESTS", "100000"))
STAFF_PASSWORD = "ledger and lantern"
RESIDENT_PHONE, RESIDENT_PASSWORD = "13800138021", "zhanjiang-demo-case"  # 陈建国, a demo resident of 赤坎
# Issue 12's targets, as ratios to the bare route: cached public pages, status and resident pages, staff lists.
TARGETS = {"public": 0.5, "status": 0.2, "resident": 0.2, "staff": 0.1}
# The floor row (the bare app after one SELECT) has no target: it shows what any page reading the database costs.
FLOOR = "floor"
P99_TARGET_MS = 100.0
READERS = 5000


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    kind: str  # public, status, resident, staff or floor: which target applies and which cookies are sent
    sessions: int = 0  # how many staff members' sessions the connections are spread over


def _serve(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The same server and settings for the bare app and the portal: one worker, no access log."""
    factory = app.startswith("portal")
    if SERVER == "granian":
        args = [BIN / "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                "--no-access-log", "--log-level", "warning", *(["--factory"] if factory else []), app]  # fmt: skip
    else:
        args = [BIN / "uvicorn", app, *(["--factory"] if factory else []), "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning", "--no-access-log"]  # fmt: skip
    return subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def _portal(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([BIN / "portal", *args], env=env, check=True, capture_output=True, text=True)  # noqa: S603
    return done.stdout


def _csrf(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    if found is None:
        raise SystemExit("no CSRF token on the sign-in form")
    return found.group(1)


def _cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def _staff_cookie(base: str, username: str) -> str:
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        token = _csrf(client.get("/staff/login").text)
        signed_in = client.post("/staff/login", data={"username": username, "password": STAFF_PASSWORD,
                                                      "_csrf_token": token})  # fmt: skip
        if signed_in.status_code != 303 or client.get("/staff").status_code != 200:
            raise SystemExit(f"{username} could not sign in ({signed_in.status_code})")
        return _cookie_header(client)


def _resident(base: str) -> tuple[str, str, str]:
    """The resident's cookie, their application page's path and its public status link's path."""
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        token = _csrf(client.get("/account/login").text)
        signed_in = client.post("/account/login", data={"phone": RESIDENT_PHONE, "password": RESIDENT_PASSWORD,
                                                        "next": "/account", "_csrf_token": token})  # fmt: skip
        if signed_in.status_code != 303:
            raise SystemExit(f"the demo resident could not sign in ({signed_in.status_code})")
        account = client.get("/account").text
        application = re.search(r'href="(/account/applications/[A-Za-z0-9]+)"', account)
        if application is None:
            raise SystemExit("the demo resident has no application")
        page = client.get(application.group(1)).text
        status = re.search(r"(/status/[A-Za-z0-9_-]+)", page)
        if status is None:
            raise SystemExit("the application page has no status link")
        return _cookie_header(client), application.group(1), status.group(1)


async def _create_database(database_url: str) -> None:
    """The bench's own PostgreSQL database, created on the first run."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from portal.db import make_engine

    url = make_url(database_url)
    engine = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")  # CREATE DATABASE needs it
        exists = await autocommit.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                          {"name": url.database})  # fmt: skip
        if exists.first() is None:
            await autocommit.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    await engine.dispose()


def _wrk(
    url: str, connections: int, cookies: list[str], workdir: Path, seconds: str = SECONDS, *, readers: bool = False
) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if readers:
        # Many readers, as behind the city's proxy: the per-address limit on notice pages (120 a minute) stays in
        # force and each of READERS addresses stays under it.
        script = workdir / "readers.lua"
        script.write_text(
            f"local i = 0\nrequest = function()\n  i = i + 1\n  local a = i % {READERS}\n"
            '  return wrk.format("GET", nil, {["X-Forwarded-For"] = "10.1." .. math.floor(a / 250) .. "." .. '
            "(a % 250)})\nend\n"
        )
        args += ["-s", str(script)]
    elif cookies:
        # wrk's threads each keep one session: thread i sends cookie i mod n.
        script = workdir / f"cookies-{len(cookies)}-{abs(hash(tuple(cookies)))}.lua"
        quoted = ", ".join(json.dumps(c) for c in cookies)
        script.write_text(
            f"local cookies = {{{quoted}}}\nlocal n = 0\n"
            'setup = function(thread) thread:set("id", n); n = n + 1 end\n'
            "init = function(args) mine = cookies[(id % #cookies) + 1] end\n"
            'request = function() return wrk.format("GET", nil, {["Cookie"] = mine}) end\n'
        )
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    requests = re.search(r"(\d+) requests in", out)
    if rps is None or requests is None:
        raise SystemExit(f"wrk said:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)

    def latency(pct: str) -> float:
        found = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out)
        if found is None:
            return float("nan")
        value, unit = found.groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": float(rps.group(1)), "p50": latency("50"), "p99": latency("99"), "requests": int(requests.group(1)),
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0}  # fmt: skip


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _prepare(env: dict[str, str]) -> None:
    _portal(env, "migrate")
    _portal(env, "load-data", "--demo")
    for n in range(2):
        _portal(env, "staff", "create", "--username", f"bench.clerk{n}", "--name", f"clerk {n}", "--role", "clerk",
                "--area", "440802")  # fmt: skip


def _cookies(page: Page, staff: list[str], resident: str) -> list[str]:
    if page.kind == "staff":
        return staff[: page.sessions]
    return [resident] if page.kind == "resident" else []


def _verdict(page: Page, result: dict[str, float], ratio: float) -> str:
    if page.kind == FLOOR:
        return "reference: no target"
    misses = []
    if ratio < TARGETS[page.kind]:
        misses.append(f"ratio < {TARGETS[page.kind]}")
    if result["p99"] >= P99_TARGET_MS:
        misses.append(f"p99 >= {P99_TARGET_MS:.0f} ms")
    if result["non_2xx"] or result["socket_errors"]:
        misses.append("errors")
    return "ok" if not misses else "; ".join(misses)


def run(workdir: Path, database_url: str) -> list[dict[str, object]]:
    env = {
        **os.environ,
        "PORTAL_INSTANCE_DIR": str(workdir),
        "DATABASE_URL": database_url,
        "PORTAL_NEW_PASSWORD": STAFF_PASSWORD,
        "LOG_LEVEL": "WARNING",
        # wrk stands for the city's proxy: public pages are read from READERS addresses (X-Forwarded-For).
        "TRUSTED_PROXIES": "127.0.0.1/32",
    }
    if database_url.startswith("postgresql"):
        asyncio.run(_create_database(database_url))
        asyncio.run(empty_postgres_schema(database_url))
    _prepare(env)
    portal_port, bare_port = _port(), _port()
    portal_server = _serve("portal.app:create_app", portal_port, env)
    bare_server = _serve("bench.bare_app:app", bare_port, env)
    rows: list[dict[str, object]] = []
    try:
        portal, bare = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{bare_port}"
        _wait(f"{portal}/healthz")
        _wait(bare)
        staff = [_staff_cookie(portal, f"bench.clerk{n}") for n in range(2)]
        resident_cookie, application, status = _resident(portal)
        pages = [
            Page("home", "/", "public"),
            Page("policies", "/policies", "public"),
            Page("notice", _open_notice(database_url), "public"),
            Page("status", status, "status"),
            Page("application", application, "resident"),
            Page("staff queue, 1 clerk", "/staff", "staff", 1),
            Page("staff queue, 2 clerks", "/staff", "staff", 2),
            Page("tracking list, 1 clerk", "/staff/tracking", "staff", 1),
            Page("tracking list, 2 clerks", "/staff/tracking", "staff", 2),
            Page("floor: bare app + one SELECT", "/one-select", FLOOR),
        ]

        def url(page: Page) -> str:
            return (bare if page.kind == FLOOR else portal) + page.path

        for page in pages:  # every page answers before it is timed
            cookies = _cookies(page, staff, resident_cookie)
            answer = httpx.get(url(page), headers={"Cookie": cookies[0]} if cookies else {})
            if answer.status_code != 200:
                raise SystemExit(f"{page.path} answers {answer.status_code}")
        for connections in CONNECTIONS:
            for page in pages:
                cookies = _cookies(page, staff, resident_cookie)
                bare_result = _wrk(f"{bare}/", connections, [], workdir)
                result = _wrk(url(page), connections, cookies, workdir, readers=page.kind == "public")
                ratio = result["rps"] / bare_result["rps"]
                rows.append({"page": page.name, "path": re.sub(r"/status/.+", "/status/…", page.path),
                             "connections": connections, "rps": round(result["rps"]), "p50_ms": result["p50"],
                             "p99_ms": result["p99"], "non_2xx": result["non_2xx"] + result["socket_errors"],
                             "bare_rps": round(bare_result["rps"]), "bare_p99_ms": bare_result["p99"],
                             "ratio": round(ratio, 3), "target": TARGETS.get(page.kind, ""),
                             "verdict": _verdict(page, result, ratio)})  # fmt: skip
                print(f"  {page.name} at {connections}: {result['rps']:.0f} req/s, ratio {ratio:.3f}", flush=True)
        rows.append(_memory(portal_server.pid, portal, workdir))
    finally:
        for server in (portal_server, bare_server):
            server.terminate()
            server.wait()
    return rows


def _memory(pid: int, portal: str, workdir: Path) -> dict[str, object]:
    """RSS after the whole run, then after ANONYMOUS_REQUESTS more anonymous requests of the home page."""
    after_bench = _rss_mb(pid)
    sent = 0
    samples = [after_bench]
    while sent < ANONYMOUS_REQUESTS:
        sent += int(_wrk(f"{portal}/", 20, [], workdir, seconds="5")["requests"])
        samples.append(_rss_mb(pid))
    return {"page": "memory", "path": "/", "connections": 20, "rps": sent, "p50_ms": "", "p99_ms": "", "non_2xx": "",
            "bare_rps": "", "bare_p99_ms": "", "ratio": "", "target": "",
            "verdict": f"RSS {after_bench:.0f} MB after the bench, {samples[-1]:.0f} MB after {sent} more anonymous "
                       f"requests (max {max(samples):.0f} MB)"}  # fmt: skip


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        workdir = Path(tmp)
        database_url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
        started = datetime.now(UTC)
        rows = run(workdir, database_url)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"pages-{database}-{started:%Y%m%dT%H%M}.csv"
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"\n{database}, {SERVER} with one worker, wrk -t2 for {SECONDS} s per run, bare route measured just before "
          "each page")  # fmt: skip
    print("| page | conns | req/s | p50 ms | p99 ms | non-2xx | bare req/s | ratio | target | verdict |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows[:-1]:
        print(f"| {row['page']} | {row['connections']} | {row['rps']} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} "
              f"| {row['non_2xx']} | {row['bare_rps']} | {row['ratio']:.3f} | {row['target']} "
              f"| {row['verdict']} |")  # fmt: skip
    print(f"\nmemory: {rows[-1]['verdict']}")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
