"""The service ledger's county-year export (issue 10, point 4): 100,000 records as CSV and as XLSX, streamed.

    .venv/bin/python bench/bench_ledger_export.py [N]          # SQLite in a temporary folder
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_ledger_export.py [N]

Fills N service records of 10,000 registered people in 赤坎 over the last year, then runs each export the way the
route does (checked, audited, then read in keyset batches) and drains it as a client would, chunk by chunk,
printing the time, the file's size and the peak of Python memory allocated meanwhile (tracemalloc): it stays a
small, fixed amount whatever N is, where holding every row would grow with N.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from portal.cli import migrate
from portal.config import Settings
from portal.crypto import Cipher
from portal.db import empty_postgres_schema, make_engine, make_sessionmaker
from portal.demo import load_reference_data
from portal.models import Person, Registration, ServiceRecord, StaffRole
from portal.services import ledger

sys.path.insert(0, str(Path(__file__).parent))
from bench_queue import TYPED_ANSWERS, _staff

PEOPLE = 10_000
KINDS = ["tracking", "policy", "guidance", "job_recommendation", "training"]


async def fill(settings: Settings, count: int) -> None:
    engine = make_engine(settings.database_url)
    cipher = Cipher(settings.data_key)
    async with make_sessionmaker(engine, settings.audit_key)() as session, session.begin():
        await load_reference_data(session)
        await _staff(session, "bench-reviewer", StaffRole.REVIEWER, "440802")
    rng = random.Random(4)
    now = datetime.now(UTC)
    today = date.today()
    async with engine.begin() as conn:
        await conn.execute(insert(Person), [
            {"id": i + 1, "id_hash": f"{i:064d}", "id_cipher": cipher.encrypt(f"44080219900101{i % 1000:03d}X".encode(),
                                                                              "id"),
             "name": f"测试{i}", "sex": "M", "birth_date": date(1990, 1, 1), "created_at": now, "updated_at": now}
            for i in range(PEOPLE)
        ])  # fmt: skip
        await conn.execute(insert(Registration), [
            {"id": i + 1, "number": f"ZJL{i:011d}", "person_id": i + 1, "account_id": None, "county_code": "440802",
             "status": "registered", "pension_category": "M60", "hukou_local": True, "residence_urban": True,
             "unemployment_category": "dismissed", "phone": "13900000000", "answers": {}, "accepted_at": now,
             "decided_at": now, "deadline": today, "deadline_provisional": False, "version": 1, "decision_note": "",
             "end_note": "", "created_at": now, "updated_at": now, **TYPED_ANSWERS}
            for i in range(PEOPLE)
        ])  # fmt: skip
        for start in range(0, count, 10_000):
            await conn.execute(insert(ServiceRecord), [
                {"registration_id": rng.randint(1, PEOPLE), "day": today - timedelta(days=rng.randint(0, 364)),
                 "kind": rng.choice(KINDS), "channel": "phone", "result": "reached",
                 "note": "电话回访，仍在求职，已推送岗位信息（基准测试）", "created_at": now, "updated_at": now}
                for _ in range(min(10_000, count - start))
            ])  # fmt: skip
    await engine.dispose()


async def export(settings: Settings, fmt: str) -> None:
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine, settings.audit_key)
    cipher = Cipher(settings.data_key)
    from portal.models import StaffUser
    from portal.services.staff import scope_of

    async with sessions() as session:
        scope = scope_of(await session.scalar(select(StaffUser).where(StaffUser.username == "bench-reviewer")))
    tracemalloc.start()
    started = time.perf_counter()
    async with sessions() as session, session.begin():
        made = await ledger.export(session, sessions, cipher, scope, ledger.Filters(), fmt, areas={"440802": "赤坎区"})
    size = 0
    async for chunk in made.chunks:
        size += len(chunk)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{fmt:5} {size / 1e6:7.1f} MB in {elapsed:5.1f} s, peak Python memory {peak / 1e6:6.1f} MB")
    await engine.dispose()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{Path(tmp)}/ledger.db"
        if url.startswith("postgresql"):
            asyncio.run(empty_postgres_schema(url))
        settings = Settings.from_env({"PORTAL_INSTANCE_DIR": tmp, "DATABASE_URL": url})
        migrate(settings)
        asyncio.run(fill(settings, count))
        print(f"{count} service records of {PEOPLE} people in 440802")
        for fmt in ledger.FORMATS:
            asyncio.run(export(settings, fmt))


if __name__ == "__main__":
    main()
