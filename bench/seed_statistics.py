# ruff: noqa: S608 - every statement is built from this file's own constants and integers, never from input
"""A city's worth of registrations and service records for the statistics and the assessment (issue 11, point 7).

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/seed_statistics.py [N] [M]
    .venv/bin/python bench/seed_statistics.py 100000 1000000     # SQLite in /tmp/bench-statistics-sqlite/bench.db

Empties the database (PostgreSQL) or the file (SQLite), migrates it, loads the reference data, creates two staff
(bench.clerk, a clerk of 赤坎, and bench.city, a city viewer: no second factor), then builds N people and their
registrations (default 1,000,000) across the ten service areas over the last 24 months, and M service records
(default 10,000,000) on the registrations decided, then certifications, plans and public-welfare placements for a
share of them. Then it times the jobs that pre-aggregate: statistics.take_month for each of the last 12 months and
assessment.compute for the same months. Prints how long each step took.

Everything is built by the database itself, INSERT ... SELECT from a series of numbers (generate_series on
PostgreSQL, a recursive CTE on SQLite), so nothing crosses the wire row by row. Every "random" value is a hash of the
row number in SQL (the same integer arithmetic on both databases), so a run builds the same data every time and on
either database, and a value used in several columns is the same in each.

Shares (of N): about 1.5 % awaiting a decision, 0.5 % deferred, 1.5 % refused, the rest registered, of whom about
60 % end (72 % back in work, reasons 1-3) 30 to 530 days after their decision if that day has come; 78 % urban by
usual residence, 70 % local hukou; 6 % of those registered certified with employment difficulty, 65 % of these with
a plan and about a third in a public-welfare post. Service records: 45 % tracking contacts, the rest the four kinds
of the 12333 minimum; 78 % reached.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from portal.clock import local_midnight, local_today
from portal.db import empty_postgres_schema, make_engine, make_sessionmaker
from portal.models import StaffUser

BIN = Path(sys.executable).parent
PASSWORD = "ledger and lantern"
P = 2147483647  # 2**31 - 1, a prime: the hashes below stay within 64-bit integers on both databases
# Service areas with their share of the registrations, in per cent.
AREAS = [("440802", 12), ("440803", 16), ("440804", 8), ("440811", 9), ("440823", 13), ("440825", 9),
         ("440881", 14), ("440882", 11), ("440883", 6), ("zjetdz", 2)]  # fmt: skip
EDUCATION = [("junior_or_below", 30), ("senior", 35), ("college", 18), ("bachelor", 15), ("postgraduate", 2)]
CATEGORIES = ["school_leaver", "contract_ended", "dismissed", "resigned", "employer_closed", "business_closed",
              "land_expropriated", "veteran", "released", "other"]  # fmt: skip
KINDS = [("tracking", 45), ("policy", 12), ("guidance", 15), ("job_recommendation", 15), ("training", 13)]
CHANNELS = [("phone", 50), ("visit", 15), ("sms", 15), ("online", 10), ("data", 10)]
RESULTS = [("reached", 78), ("not_reached", 14), ("refused_with_reason", 5), ("refused_without_reason", 3)]
POSTS_PER_AREA = 20


class Sql:
    """The few fragments that differ between PostgreSQL and SQLite; the statements are otherwise the same."""

    def __init__(self, postgres: bool, today: date) -> None:
        self.postgres = postgres
        self.today = today
        midnight = local_midnight(today).astimezone(UTC)
        self.midnight = f"{midnight:%Y-%m-%d %H:%M:%S}"
        self.now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")

    def series(self, n: int) -> tuple[str, str]:
        """A WITH prefix and a FROM item giving x = 1 .. n."""
        if self.postgres:
            return "", f"generate_series(1::bigint, {n}) AS g(x)"
        return f"WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {n}) ", "g"

    def day(self, days_ago: str) -> str:
        """The date `days_ago` days before today (negative: after)."""
        if self.postgres:
            return f"(DATE '{self.today}' - ({days_ago})::int)"
        return f"date('{self.today}', printf('%+d days', -({days_ago})))"

    def at(self, days_ago: str, seconds: str) -> str:
        """A timestamp: local midnight `days_ago` days before today, plus `seconds` (stored as UTC)."""
        if self.postgres:
            return f"(TIMESTAMPTZ '{self.midnight}+00' + make_interval(days => -({days_ago})::int, secs => {seconds}))"
        return (f"(strftime('%Y-%m-%d %H:%M:%S', '{self.midnight}', printf('%+d days', -({days_ago})), "
                f"printf('%+d seconds', {seconds})) || '.000000')")  # fmt: skip

    def stamp(self) -> str:
        return f"TIMESTAMPTZ '{self.now}+00'" if self.postgres else f"'{self.now}.000000'"

    def padded(self, x: str, width: int) -> str:
        return f"lpad(({x})::text, {width}, '0')" if self.postgres else f"printf('%0{width}d', {x})"

    def greatest(self, a: str, b: str) -> str:
        return f"greatest({a}, {b})" if self.postgres else f"max({a}, {b})"

    def blob(self) -> str:
        return "'\\x78'::bytea" if self.postgres else "X'78'"


def hashed(k: int, x: str) -> str:
    """One of many (k) hashes of x in 0 .. P - 1: ((x * a + b) mod P)^2 mod P, mixed once more; not linear in x, so
    neighbouring rows do not fall into a pattern."""
    a, b, c = 48271 + 7919 * k, 12345 + 104729 * k, 69621 + 3571 * k
    inner = f"(({x}) * {a} + {b}) % {P}"
    return f"((((({inner}) * ({inner})) % {P}) * {c} + ({x})) % {P})"


def u(k: int, x: str) -> str:
    """A hash of x in 0 .. 9999."""
    return f"({hashed(k, x)} % 10000)"


def pick(value: str, weighted: list[tuple[str, int]]) -> str:
    """A CASE choosing a label by a value in 0 .. 9999 and per-cent weights."""
    whens, edge = [], 0
    for label, weight in weighted[:-1]:
        edge += weight * 100
        whens.append(f"WHEN {value} < {edge} THEN '{label}'")
    return f"CASE {' '.join(whens)} ELSE '{weighted[-1][0]}' END"


async def _step(label: str, conn: AsyncConnection, *statements: str) -> None:
    started = time.perf_counter()
    for statement in statements:
        await conn.exec_driver_sql(statement)
    print(f"  {label:48} {time.perf_counter() - started:8.1f} s", flush=True)


def prepare(env: dict[str, str]) -> None:
    """A fresh schema with the reference data and the bench's two staff (password PASSWORD)."""

    def portal(*args: str) -> None:
        subprocess.run([BIN / "portal", *args], env=env, check=True, capture_output=True)  # noqa: S603

    portal("migrate")
    portal("load-data")
    portal("staff", "create", "--username", "bench.clerk", "--name", "bench clerk", "--role", "clerk",
           "--area", "440802")  # fmt: skip
    portal("staff", "create", "--username", "bench.city", "--name", "bench city", "--role", "city_viewer")


async def fill(url: str, count: int, records: int, today: date | None = None) -> None:
    today = today or local_today()
    postgres = url.startswith("postgresql")
    sql = Sql(postgres, today)
    with_n, from_n = sql.series(count)
    with_m, from_m = sql.series(records)
    engine = make_engine(url)
    async with engine.begin() as conn:
        staff_id = await conn.scalar(select(StaffUser.id).where(StaffUser.username == "bench.clerk"))
        if postgres:
            # The rows are consistent by construction: skip the foreign-key triggers while filling (superuser).
            await conn.exec_driver_sql("SET session_replication_role = replica")
            await conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            await conn.exec_driver_sql("SET work_mem = '256MB'")
        else:
            await conn.exec_driver_sql("PRAGMA synchronous = OFF")
        hashes = ", ".join(f"{u(k, 'x')} AS u{k}" for k in range(1, 17))
        await _step(
            "seed numbers", conn, f"CREATE TEMP TABLE seed_raw AS {with_n}SELECT x AS id, {hashes} FROM {from_n}"
        )
        # o: 0 registered (then maybe ended), 1 awaiting a decision, 2 deferred, 3 refused; days counted back from
        # today; acc accepted, dec decided, endd ended (the end date), reason the end reason.
        outcome = "CASE WHEN u3 < 150 THEN 1 WHEN u3 < 200 THEN 2 WHEN u3 < 350 THEN 3 ELSE 0 END"
        staged = f"""
            SELECT id, county, o, acc, dec, tenure, u5, u7, u8, u9, u10, u11, u12, u13, u14, u15, u16,
                   CASE WHEN o = 0 AND u5 < 6000 AND tenure <= dec THEN dec - tenure END AS endd
            FROM (SELECT id, county, o, acc, u5, u7, u8, u9, u10, u11, u12, u13, u14, u15, u16,
                         30 + u6 * 500 / 10000 AS tenure,
                         CASE WHEN o IN (1, 2) THEN NULL ELSE {sql.greatest("acc - u4 % 8", "0")} END AS dec
                  FROM (SELECT r.*, {pick("u1", AREAS)} AS county, {outcome} AS o,
                               CASE WHEN {outcome} = 1 THEN 1 + u2 % 12 WHEN {outcome} = 2 THEN 1 + u2 % 20
                                    ELSE 1 + u2 * 729 / 10000 END AS acc
                        FROM seed_raw r) s1) s2"""
        await _step("seed registrations", conn, f"CREATE TEMP TABLE seed_reg AS {staged}")
        await _step(
            "people",
            conn,
            f"""
            INSERT INTO people (id, id_hash, id_cipher, name, sex, birth_date, created_at, updated_at)
            SELECT id, {sql.padded("id", 64)}, {sql.blob()}, '测试' || id, CASE WHEN u13 < 5200 THEN 'M' ELSE 'F' END,
                   {sql.day(f"{16 * 365 + 200} + u14 * {44 * 365} / 10000")}, {sql.stamp()}, {sql.stamp()}
            FROM seed_reg""",
        )
        reason = (
            "CASE WHEN u7 < 7200 THEN (CASE WHEN u8 < 6000 THEN 1 WHEN u8 < 8500 THEN 2 ELSE 3 END) ELSE 4 + u8 % 8 END"
        )
        status = (f"CASE o WHEN 1 THEN 'submitted' WHEN 2 THEN 'deferred' WHEN 3 THEN 'rejected' "
                  f"ELSE CASE WHEN endd IS NULL THEN 'registered' WHEN {reason} <= 3 THEN 'employed' ELSE 'exited' END "
                  f"END")  # fmt: skip
        await _step(
            "registrations",
            conn,
            f"""
            INSERT INTO registrations (id, number, person_id, account_id, county_code, status, pension_category, phone,
                ethnicity, education, hukou_local, residence_urban, unemployment_category, occupation_intention,
                wants_training, wants_business, insured_before, answers, accepted_at, deadline, deadline_provisional,
                decided_at, decision_note, ended_at, end_reason, end_date, end_note, first_contact_due, version,
                created_at, updated_at)
            SELECT id, 'ZJS' || {sql.padded("id", 11)}, id, NULL, county, {status}, 'M60', '13900000000',
                '汉族', {pick("u10", EDUCATION)}, u9 % 10 < 7, u11 < 7800,
                {pick("u12", [(c, 10) for c in CATEGORIES])}, '', u15 < 3000, u15 > 9500, 'yes', '{{}}',
                {sql.at("acc", "32400 + u16 % 28800")}, {sql.day("acc - CASE WHEN o = 2 THEN 10 ELSE 7 END")},
                {"false" if postgres else "0"},
                CASE WHEN o IN (1, 2) THEN NULL ELSE {sql.at("dec", "61200 + u16 % 3600")} END, '',
                CASE WHEN endd IS NOT NULL THEN {sql.at("endd", "36000")} END,
                CASE WHEN endd IS NOT NULL THEN CAST({reason} AS VARCHAR(8)) END,
                CASE WHEN endd IS NOT NULL THEN {sql.day("endd")} END, '',
                CASE WHEN o = 0 THEN {sql.day("dec - 7")} END, 1, {sql.stamp()}, {sql.stamp()}
            FROM seed_reg""",
        )
        # Records fall on the registrations decided as registered, between the decision and the end (or today).
        await _step(
            "seed decided",
            conn,
            """
            CREATE TEMP TABLE seed_decided AS
            SELECT ROW_NUMBER() OVER (ORDER BY id) AS k, id, dec, COALESCE(endd, 0) AS lo FROM seed_reg WHERE o = 0""",
        )
        decided = int((await conn.exec_driver_sql("SELECT COUNT(*) FROM seed_decided")).scalar_one())
        dropped = await _drop_indexes(conn, "service_records") if postgres else []
        await _step(
            f"service records ({records:,})",
            conn,
            f"""
            INSERT INTO service_records (registration_id, day, kind, channel, result, note, created_at, updated_at)
            {with_m}SELECT d.id, {sql.day(f"d.lo + ({u(21, 'x')}) % (d.dec - d.lo + 1)")},
                   {pick(u(22, "x"), KINDS)}, {pick(u(23, "x"), CHANNELS)}, {pick(u(24, "x"), RESULTS)}, '',
                   {sql.stamp()}, {sql.stamp()}
            FROM {from_m} JOIN seed_decided d ON d.k = 1 + {hashed(25, "x")} % {decided}""",
        )
        if dropped:
            await _step("service records' indexes", conn, *dropped)
        await _step("registrations' latest contact", conn, *_latest_contact(postgres))
        await _step(
            "12333 minimum counts",
            conn,
            """
            INSERT INTO service_minimum_counts (registration_id, policy, guidance, job_recommendation, training)
            SELECT registration_id, SUM(CASE WHEN kind = 'policy' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN kind = 'guidance' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN kind = 'job_recommendation' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN kind = 'training' THEN 1 ELSE 0 END)
            FROM service_records WHERE result <> 'not_reached' GROUP BY registration_id""",
        )
        await _step("certifications, plans, posts, placements", conn, *_certified(sql, staff_id))
        await _step("analyze", conn, "ANALYZE")
    await engine.dispose()


async def _drop_indexes(conn: AsyncConnection, table: str) -> list[str]:
    """Drop a table's secondary indexes for a bulk load; the statements that build them again afterwards."""
    rows = (await conn.exec_driver_sql(
        f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename = '{table}' AND indexname NOT LIKE 'pk_%'"
    )).all()  # fmt: skip
    for name, _ in rows:
        await conn.exec_driver_sql(f"DROP INDEX {name}")
    return [definition for _, definition in rows]


def _latest_contact(postgres: bool) -> list[str]:
    latest = ("SELECT registration_id, MAX(day) AS last FROM service_records "
              "WHERE kind = 'tracking' AND result = 'reached' GROUP BY registration_id")  # fmt: skip
    if postgres:
        return [f"UPDATE registrations r SET last_contact_on = t.last FROM ({latest}) t "
                f"WHERE t.registration_id = r.id AND r.status = 'registered'"]  # fmt: skip
    return [f"CREATE TEMP TABLE seed_latest AS {latest}",
            "CREATE UNIQUE INDEX seed_latest_id ON seed_latest (registration_id)",
            "UPDATE registrations SET last_contact_on = (SELECT last FROM seed_latest WHERE registration_id = "
            "registrations.id) WHERE status = 'registered'"]  # fmt: skip


def _certified(sql: Sql, staff_id: int) -> list[str]:
    """6 % of those registered a month or more certified (ended with their registration), 65 % of them with a plan,
    and about a third placed in one of the area's public-welfare posts for a year (ended early if the registration
    ended first)."""
    chosen = f"o = 0 AND dec >= 60 AND {u(30, 'id')} < 600"
    posts = ", ".join(
        f"({a * POSTS_PER_AREA + j + 1}, '{code}', '公益单位{a}-{j}', '公益岗位', '', 50, 0, 12, 1500, "
        f"{'true' if sql.postgres else '1'}, 1, {sql.stamp()}, {sql.stamp()})"
        for a, (code, _) in enumerate(AREAS) for j in range(POSTS_PER_AREA)
    )  # fmt: skip
    area_index = "CASE county " + " ".join(f"WHEN '{code}' THEN {a}" for a, (code, _) in enumerate(AREAS)) + " END"
    starts, ends = "dec - 30", "dec - 30 - 364"
    active = ("SELECT COUNT(*) FROM public_welfare_placements p "
              "WHERE p.post_id = public_welfare_posts.id AND p.status = 'active'")  # fmt: skip
    return [
        f"""INSERT INTO certifications (id, number, registration_id, person_id, account_id, county_code, category,
                status, evidence, accepted_at, deadline, deadline_provisional, reasons, recheck_reason,
                recheck_reasons, certified_on, review_on, version, created_at, updated_at)
            SELECT id, 'ZCS' || {sql.padded("id", 11)}, id, id, NULL, county, 'older',
                CASE WHEN endd IS NULL THEN 'certified' ELSE 'ended' END, '', {sql.at("dec - 5", "36000")},
                {sql.day("dec - 19")}, {"false" if sql.postgres else "0"}, '', '', '', {sql.day("dec - 20")},
                {sql.day("dec - 20 - 365")}, 1, {sql.stamp()}, {sql.stamp()}
            FROM seed_reg WHERE {chosen}""",
        f"""INSERT INTO plans (id, certification_id, registration_id, person_id, county_code, case_worker_id, goals,
                status, opened_on, closed_on, outcome_note, version, created_at, updated_at)
            SELECT id, id, id, id, county, {staff_id}, '', CASE WHEN endd IS NULL THEN 'open' ELSE 'closed' END,
                {sql.day("dec - 25")}, CASE WHEN endd IS NOT NULL THEN {sql.day("endd")} END, '', 1, {sql.stamp()},
                {sql.stamp()}
            FROM seed_reg WHERE {chosen} AND {u(31, "id")} < 6500""",
        f"""INSERT INTO public_welfare_posts (id, county_code, employer, title, duties, positions, filled, term_months,
                monthly_subsidy, open, version, created_at, updated_at) VALUES {posts}""",
        f"""INSERT INTO public_welfare_placements (id, post_id, registration_id, person_id, status, starts_on, ends_on,
                subsidy_from, subsidy_to, ended_on, end_reason, created_at, updated_at)
            SELECT id, {area_index} * {POSTS_PER_AREA} + id % {POSTS_PER_AREA} + 1, id, id,
                CASE WHEN endd IS NOT NULL THEN 'ended_early' WHEN {ends} >= 0 THEN 'completed' ELSE 'active' END,
                {sql.day(starts)}, {sql.day(ends)}, {sql.day(starts)},
                CASE WHEN endd IS NOT NULL THEN {sql.day("endd")} ELSE {sql.day(ends)} END,
                CASE WHEN endd IS NOT NULL THEN {sql.day("endd")} END, '', {sql.stamp()}, {sql.stamp()}
            FROM seed_reg WHERE {chosen} AND {u(32, "id")} < 3500 AND (endd IS NULL OR endd < {starts})""",
        f"UPDATE public_welfare_posts SET filled = ({active}), positions = {sql.greatest(f'({active})', '50')}",
    ]


# ---- the jobs that pre-aggregate ---------------------------------------------------------------------------------


async def time_jobs(url: str, audit_key: bytes, months: int = 12, today: date | None = None) -> dict[str, float]:
    """statistics.take_month and assessment.compute for each of the last `months` months, one transaction each (as
    the daily job runs them); seconds per job in all, with each month printed."""
    from portal.services import assessment, statistics

    today = today or local_today()
    engine = make_engine(url)
    sessions = make_sessionmaker(engine, audit_key)
    firsts = assessment.recent_months(today, months)
    totals = {"statistics.take_month": 0.0, "assessment.compute": 0.0}
    for first in firsts:
        jobs: list[tuple[str, Callable[..., object]]] = [
            ("statistics.take_month", lambda s, f=first: statistics.take_month(s, f"{f:%Y-%m}", today)),
            ("assessment.compute", lambda s, f=first: assessment.compute(s, [f], today)),
        ]
        for name, job in jobs:
            started = time.perf_counter()
            async with sessions() as session, session.begin():
                await job(session)  # type: ignore[misc]
            elapsed = time.perf_counter() - started
            totals[name] += elapsed
            print(f"  {name:24} {first:%Y-%m} {elapsed:8.1f} s", flush=True)
    await engine.dispose()
    for name, total in totals.items():
        print(f"  {name:24} all {months} months {total:8.1f} s", flush=True)
    return totals


def instance_for(url: str) -> Path:
    """The bench's instance folder (its keys: the bench server must sign the audit log with the same key)."""
    name = "bench-statistics-postgres" if url.startswith("postgresql") else "bench-statistics-sqlite"
    return Path(tempfile.gettempdir()) / name


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{instance_for('sqlite') / 'bench.db'}"


def environment(url: str) -> dict[str, str]:
    instance = instance_for(url)
    instance.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PORTAL_INSTANCE_DIR": str(instance), "DATABASE_URL": url, "PORTAL_NEW_PASSWORD": PASSWORD,
            "LOG_LEVEL": "WARNING"}  # fmt: skip


def seed(url: str, count: int, records: int) -> None:
    env = environment(url)
    print(f"seeding {count:,} registrations and {records:,} service records ({url.split('+')[0]})", flush=True)
    started = time.perf_counter()
    if url.startswith("postgresql"):
        asyncio.run(empty_postgres_schema(url))
    else:
        path = Path(url.split("///", 1)[1])
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
    prepare(env)
    print(f"  {'schema, reference data, staff':48} {time.perf_counter() - started:8.1f} s", flush=True)
    asyncio.run(fill(url, count, records))
    print(f"  {'seeded in all':48} {time.perf_counter() - started:8.1f} s", flush=True)
    from portal.config import Settings

    settings = Settings.from_env({"PORTAL_INSTANCE_DIR": env["PORTAL_INSTANCE_DIR"], "DATABASE_URL": url})
    print("the jobs that pre-aggregate, the last 12 months:", flush=True)
    asyncio.run(time_jobs(url, settings.audit_key))


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 10 * count
    seed(database_url(), count, records)


if __name__ == "__main__":
    main()
