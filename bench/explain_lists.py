"""The plans of the SQL each staff list runs, page 1 and the last page (issue 12, point 3), into bench/explain/.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench_city .venv/bin/python bench/explain_lists.py
    ... explain_lists.py --offset --out bench/explain/offset     # the last page by number (the lists before keyset)

Builds the portal in this process against the database bench/seed_city.py built (with its instance's keys), signs
in bench.clerk (BENCH_STAFF) through the sign-in page, and asks for each page bench_lists.py times, once to warm up,
then again while a listener on every engine (before_cursor_execute / after_cursor_execute) keeps each statement
the request ran, its parameters and how long it took. Each SELECT is then run again as EXPLAIN (ANALYZE, BUFFERS)
(SQLite: EXPLAIN QUERY PLAN) with the same parameters, and `<list>-<page1|last>.txt` gets every statement, the
slowest first, with its time in the request and its plan. `audit-sealer.txt` gets the statements of one run of the
audit sealer after the first page (every staff view writes an entry, and the served portal then seals it; the run
seals what the pages before it wrote, and checkpoints the head, so `portal audit verify` still passes).
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).parent))
from bench_lists import CSRF, STAFF, pages, sizes
from seed_city import city_environment, database_url
from seed_statistics import PASSWORD

from portal.app import create_app
from portal.config import Settings
from portal.db import make_engine
from portal.services import audit

OUT = Path(__file__).parent / "explain"


class Recorder:
    """Every statement run on any engine while `capturing` is a list: (SQL, parameters, milliseconds)."""

    def __init__(self) -> None:
        self.capturing: list[tuple[str, Any, float]] | None = None
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        started = conn.info["bench_started"].pop()
        if self.capturing is not None:
            self.capturing.append((statement, parameters, (time.perf_counter() - started) * 1000))


def _is_read(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("SELECT", "WITH"))


async def _plan(url: str, statement: str, parameters: Any) -> str:
    engine = make_engine(url)
    explain = "EXPLAIN (ANALYZE, BUFFERS) " if url.startswith("postgresql") else "EXPLAIN QUERY PLAN "
    try:
        async with engine.connect() as conn:
            rows = (await conn.exec_driver_sql(explain + statement, tuple(parameters or ()))).all()
    finally:
        await engine.dispose()
    return "\n".join(" | ".join(str(value) for value in row) for row in rows)


async def _write(url: str, path: Path, title: str, ran: list[tuple[str, Any, float]], header: str) -> None:
    total = sum(ms for _, _, ms in ran)
    lines = [f"# {title}", f"# {header}",
             f"# {len(ran)} statements, {total:.1f} ms in all in the request; the slowest first, each read with "
             "its plan from a second run", ""]  # fmt: skip
    order = sorted(range(len(ran)), key=lambda i: -ran[i][2])
    for place, i in enumerate(order, 1):
        statement, parameters, ms = ran[i]
        lines += [f"-- {place}. {ms:.2f} ms in the request (statement {i + 1} of {len(ran)})", statement.strip(),
                  f"-- parameters: {tuple(parameters or ())!r}"]  # fmt: skip
        if _is_read(statement):
            lines += ["", await _plan(url, statement, parameters)]
        lines.append("")
    await asyncio.to_thread(path.write_text, "\n".join(lines) + "\n")
    print(f"  {path.name}: {title}; {len(ran)} statements, {total:.1f} ms; slowest {ran[order[0]][2]:.1f} ms",
          flush=True)  # fmt: skip


async def explain(url: str, out: Path, by_number: bool) -> None:
    settings = Settings.from_env(city_environment(url))
    app = create_app(settings)
    recorder = Recorder()
    header = f"{await sizes(url)}; signed in as {STAFF}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000", timeout=300) as client:
        form = await client.get("/staff/login")
        token = CSRF.search(form.text)
        assert token, "no CSRF token on the sign-in page"
        signed_in = await client.post("/staff/login", data={"username": STAFF, "password": PASSWORD,
                                                            "_csrf_token": token.group(1)})  # fmt: skip
        assert signed_in.status_code == 303, signed_in.text[:300]
        sealer_written = False
        for name, which, path in pages(by_number):
            assert (await client.get(path)).status_code == 200, path  # warm
            recorder.capturing = []
            started = time.perf_counter()
            response = await client.get(path)
            took = (time.perf_counter() - started) * 1000
            ran, recorder.capturing = recorder.capturing, None
            assert response.status_code == 200, (path, response.status_code)
            title = f"{name}, {which}: GET {path}, {took:.1f} ms in this process (no network, no server)"
            await _write(url, out / f"{name}-{which}.txt", title, ran, header)
            if not sealer_written:
                recorder.capturing = []
                services = app.state.services
                await audit.seal_and_checkpoint(services.sessionmaker, settings.audit_checkpoint_file)
                ran, recorder.capturing = recorder.capturing, None
                await _write(url, out / "audit-sealer.txt", f"the audit sealer after GET {path}", ran, header)
                sealer_written = True
        # What the later pages wrote is sealed too, as the served portal would have, so the chain is left whole.
        await audit.seal_and_checkpoint(app.state.services.sessionmaker, settings.audit_checkpoint_file)
    await app.state.services.engine.dispose()


def main() -> None:
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(explain(database_url(), out, "--offset" in sys.argv))


if __name__ == "__main__":
    main()
