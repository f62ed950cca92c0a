"""How long the registration service takes per step and per submission, on SQLite or DATABASE_URL.

    .venv/bin/python bench/bench_registration.py [N]

Creates N applicants in a temporary SQLite database (or DATABASE_URL, which it fills), answers
every step and submits; prints the mean and the 95th percentile per step save and per submission.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from portal.adapters.social_insurance import SocialInsuranceSimulator
from portal.cli import migrate
from portal.config import Settings
from portal.crypto import Cipher
from portal.db import make_engine, make_sessionmaker
from portal.demo import load_reference_data
from portal.models import ResidentAccount
from portal.rules.idnumber import check_digit
from portal.services import registration as reg
from portal.services.registration_form import build_steps


def _id(n: int) -> str:
    first17 = f"440802{date(1980, 1, 1) + timedelta(days=n):%Y%m%d}002"  # a woman born on day n
    return first17 + check_digit(first17)


def _answers(n: int) -> dict[str, dict]:
    return {
        "identity": {"name": "测试", "id_number": _id(n), "ethnicity": "汉族"},
        "pension": {"pension_category": "F55"},
        "contact": {"phone": f"139{n:08d}", "education": "senior"},
        "hukou": {"hukou_area": "440802", "hukou_address": "示例"},
        "residence": {"residence_area": "440803", "residence_address": "示例", "residence_type": "urban"},
        "place": {"county": "440803"},
        "employment": {
            "unemployment_category": "dismissed",
            "last_employer": "示例",
            "employment_ended_on": "2026-10-01",
        },
        "skills": {"training_intention": "yes", "entrepreneurship_intention": "no", "had_unemployment_insurance": "no"},
        "needs": {},
        "papers": {"missing_papers": ["id_card"]},
        "commitment": {"signed_name": "测试", "agree": ["yes"]},
    }


async def run(settings: Settings, count: int) -> None:
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine, settings.audit_key)
    cipher, insurance = Cipher(settings.data_key), SocialInsuranceSimulator()
    steps = build_steps([(c, c) for c in ("440802", "440803")])
    async with factory() as session, session.begin():
        await load_reference_data(session)
    step_times, submit_times = [], []
    for n in range(count):
        person = _answers(n)
        async with factory() as session, session.begin():
            account = ResidentAccount(phone=f"139{n:08d}", password_hash="x")
            session.add(account)
            await session.flush()
            await reg.start(session, cipher, account.id, account.phone)
        while True:
            async with factory() as session, session.begin():
                step = reg.next_step(steps, await reg.get_answers(session, cipher, account.id))
                if step is None:
                    break
                started = time.perf_counter()
                await reg.save_step(
                    session, cipher, insurance, account.id, steps, step, person[step.key], date(2026, 11, 26)
                )
                step_times.append(time.perf_counter() - started)
        async with factory() as session, session.begin():
            started = time.perf_counter()
            await reg.submit(session, cipher, insurance, account.id, steps, "zh_CN")
            submit_times.append(time.perf_counter() - started)
    await engine.dispose()
    for name, times in (("step save", step_times), ("submission", submit_times)):
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{name}: n={len(times)} mean={statistics.mean(times) * 1000:.1f} ms p95={p95 * 1000:.1f} ms")


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{Path(tmp)}/bench.db"
        settings = Settings.from_env({"PORTAL_INSTANCE_DIR": tmp, "DATABASE_URL": url})
        migrate(settings)
        asyncio.run(run(settings, count))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
