"""The staff queue under load from several staff at once, beside a bare Litestar route (issue 6, point 5).

    .venv/bin/python bench/bench_staff_load.py                  # SQLite in a temporary folder
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_staff_load.py
    BENCH_PAGE=/staff/service-minimum .venv/bin/python bench/bench_staff_load.py   # another page (see PAGES)
    BENCH_PAGE=notice .venv/bin/python bench/bench_staff_load.py   # the demo's open notice, as the public reads it

Serves the portal (one uvicorn worker, migrated, demo data, 12 county clerks signed in) and the bare app
of `bench/bare_app.py` with the same server settings, then runs wrk against each in turn, interleaved:
the queue with 2 and with 12 staff signed in (each connection sends one staff member's session cookie),
and the bare route with as many connections. Afterwards every queue view must be in the audit log and
the sealed chain must verify. Needs wrk (`apt-get install wrk`). The PostgreSQL database is emptied first.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from portal.db import empty_postgres_schema

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DURATION = os.environ.get("BENCH_SECONDS", "10")
STAFF = 12
# The pages this bench can load, with the audit action each staff view of it writes (None: a public page).
PAGES = {
    "/staff": "queue.view", "/staff/service-minimum": "service_minimum.view",
    "/staff/service-requests": "service_requests.view", "/services": None, "/policies": None,
    "/notices": None, "notice": None,  # "notice": the demo's open notice of training subsidies
}  # fmt: skip
PAGE = os.environ.get("BENCH_PAGE", "/staff")
PASSWORD = "ledger and lantern"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str) -> None:
    for _ in range(150):
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def _serve(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    # The same server settings for both: one uvicorn worker, no access log.
    factory = ["--factory"] if app.startswith("portal") else []
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [BIN / "uvicorn", app, *factory, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _prepare(env: dict[str, str]) -> None:
    def portal(*args: str) -> None:
        subprocess.run([BIN / "portal", *args], env=env, check=True, capture_output=True)  # noqa: S603

    portal("migrate")
    portal("load-data", "--demo")
    for n in range(STAFF):
        portal("staff", "create", "--username", f"bench.clerk{n:02d}", "--name", f"clerk {n}", "--role", "clerk",
               "--area", "440802")  # fmt: skip


def _sign_in(base: str, username: str) -> str:
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        form = client.get("/staff/login").text
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form).group(1)
        response = client.post("/staff/login", data={"username": username, "password": PASSWORD, "_csrf_token": token})
        assert response.status_code == 303, response.text[:500]
        assert client.get("/staff").status_code == 200
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def _wrk(url: str, connections: int, cookies: list[str] | None, workdir: Path) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{DURATION}s", "--latency"]
    if cookies:
        script = workdir / f"cookies{connections}.lua"
        quoted = ", ".join(json.dumps(c) for c in cookies)
        script.write_text(
            f"local cookies = {{{quoted}}}\nlocal i = 0\n"
            "request = function()\n  i = i + 1\n"
            '  return wrk.format("GET", nil, {["Cookie"] = cookies[(i % #cookies) + 1]})\nend\n'
        )
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def latency(pct: str) -> float:
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": latency("50"), "p99": latency("99"), "requests": requests,
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}  # fmt: skip


def _open_notice(url: str) -> str:
    """The path of the demo's notice of training subsidies (its number is random)."""
    from sqlalchemy import text

    from portal.db import make_engine

    async def number() -> str:
        engine = make_engine(url)
        async with engine.connect() as conn:
            found = await conn.scalar(text("SELECT number FROM notices WHERE policy_code = 'P06'"))
        await engine.dispose()
        return str(found)

    return f"/notices/{asyncio.run(number())}"


def _page_views(url: str, action: str) -> int:
    from sqlalchemy import text

    from portal.db import make_engine

    async def count() -> int:
        engine = make_engine(url)
        async with engine.connect() as conn:
            views = await conn.scalar(text("SELECT count(*) FROM audit_log WHERE action = :action"), {"action": action})
        await engine.dispose()
        return int(views or 0)

    return asyncio.run(count())


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    if PAGE not in PAGES:
        raise SystemExit(f"BENCH_PAGE is one of {', '.join(PAGES)}")
    action = PAGES[PAGE]
    with tempfile.TemporaryDirectory(prefix="bench-staff-") as tmp:
        workdir = Path(tmp)
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        if url.startswith("postgresql"):
            asyncio.run(empty_postgres_schema(url))
        # The per-address limit on notice pages is for people, and wrk is one address: lifted here, still counted.
        env = {
            **os.environ,
            "PORTAL_INSTANCE_DIR": str(workdir),
            "DATABASE_URL": url,
            "PORTAL_NEW_PASSWORD": PASSWORD,
            "LOG_LEVEL": "WARNING",
            "NOTICE_PAGES_PER_MINUTE": "100000000",
        }
        _prepare(env)
        path = _open_notice(url) if PAGE == "notice" else PAGE
        portal_port, bare_port = _port(), _port()
        servers = [_serve("portal.app:create_app", portal_port, env), _serve("bench.bare_app:app", bare_port, env)]
        try:
            portal, bare = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{bare_port}"
            _wait(f"{portal}/staff/login")
            _wait(bare)
            cookies = [_sign_in(portal, f"bench.clerk{n:02d}") for n in range(STAFF)]
            rows = []
            for staff in (2, STAFF):
                bare_result = _wrk(f"{bare}/", staff, None, workdir)
                queue_result = _wrk(f"{portal}{path}", staff, cookies[:staff] if action else None, workdir)
                rows.append((staff, queue_result, bare_result))
            time.sleep(3)  # the in-app sealer's tick is 2 s
        finally:
            for server in servers:
                server.terminate()
                server.wait()
        verify = subprocess.run([BIN / "portal", "audit", "verify"], env=env, capture_output=True, text=True)  # noqa: S603
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{path} under load, {database}, wrk -t2 for {DURATION} s per run, one uvicorn worker")
        print("| connections | page req/s | p50 ms | p99 ms | non-2xx | bare req/s | ratio |")
        print("|---|---|---|---|---|---|---|")
        for staff, queue, bare_run in rows:
            print(f"| {staff} | {queue['rps']:.0f} | {queue['p50']:.1f} | {queue['p99']:.1f} | {queue['non_2xx']} "
                  f"| {bare_run['rps']:.0f} | {queue['rps'] / bare_run['rps']:.3f} |")  # fmt: skip
        if action:
            sent = sum(queue["requests"] for _, queue, _ in rows) + (STAFF if PAGE == "/staff" else 0)
            print(f"views sent: {sent}, audited: {_page_views(url, action)}")  # each sign-in opened the queue once
        print(f"audit verify: {verify.stdout.strip()}")


if __name__ == "__main__":
    main()
