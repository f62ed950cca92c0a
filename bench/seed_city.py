# ruff: noqa: S608 - every statement is built from this file's own constants and integers, never from input
"""A city-sized database for the staff lists (issue 12, point 3): bench/seed_statistics.py's registrations and
service records, and everything else the queue, the tracking list, the worklist, the ledger and the objections read.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench_city .venv/bin/python bench/seed_city.py [N] [M]
    .venv/bin/python bench/seed_city.py 20000 200000      # SQLite in /tmp/bench-city-sqlite/bench.db

N registrations (default 1,000,000) and M service records (default 10 N). seed_statistics.fill builds N - 3 % of
them with its shares (about 1.5 % awaiting a decision, 0.5 % deferred); this adds the other 3 % as applications
awaiting a decision, the same number in every area, so that every county's queue has thousands of rows. Then:

- staff: a clerk and a reviewer in every area (bench.clerk and bench.reviewer in 赤坎, bench.clerk.<area> and
  bench.reviewer.<area> elsewhere; password seed_statistics.PASSWORD, no second factor); the plans are shared
  between their county's two, so bench.clerk holds half of 赤坎's;
- every person's ID number encrypted with the instance's data key (1,000 distinct numbers, so the ledger and the
  notices can decrypt and mask them);
- three actions per plan (one overdue in 40 % of open plans), 500 vacancies and a recommendation for 30 % of
  the registrations decided (a second for 5 %), the follow-up open while it is recent; last month's data
  comparison for everyone registered;
- N / 10 grants (100,000) from approved policy applications of eight policies (with 13 % more applications
  rejected and N / 200 awaiting a decision), the unemployment benefit's claims; one notice per county, policy and
  month for the months that are over (published the 3rd of the next month, settled once their period is over);
  an objection to 20 % of the published entries (open ones in the last month, 8 % of the older ones still open),
  their steps, and the grants they hold; a service request from a quarter of the registrations decided (about
  N / 4) with its messages; the registrations' events (submitted, deferred, decided, ended; 1 % of those waiting
  with an "identity to check", which the queue marks);
- the audit log those actions wrote (a comparison and a decision per decided application, an ending per ending,
  every decided policy application, notices, objections and answers: about 2.6 N entries), sealed as the portal
  would seal it: each entry's MAC and the chain are computed here, in id order, with the portal's own functions
  (audit.content_mac, audit.chain_mac), the seals written with the entries, and the head checkpointed, so that the
  served portal's sealer finds nothing to do and `portal audit verify` passes.

Everything but the audit log's MACs is built by the database (INSERT ... SELECT from a series or from the rows
already there; every "random" value a hash of a row number, as in seed_statistics), so a run builds the same data
every time. The audit rows are chosen and ordered by the database, streamed to Python in batches for their MACs,
and written back with COPY (PostgreSQL) or executemany (SQLite). Last, VACUUM and ANALYZE (SQLite: ANALYZE), as a
database in service would be. Prints how long each step took. The instance folder (keys, audit checkpoints) is
/tmp/bench-city-postgres-<database> or /tmp/bench-city-sqlite: serve or verify with PORTAL_INSTANCE_DIR set to it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection

sys.path.insert(0, str(Path(__file__).parent))
from bench_pages import _create_database
from seed_statistics import (
    AREAS,
    EDUCATION,
    Sql,
    _drop_indexes,
    _step,
    environment,
    fill,
    hashed,
    pick,
    prepare,
    u,
)

from portal.clock import LOCAL_TZ, local_today
from portal.config import Settings
from portal.db import empty_postgres_schema, make_engine, make_sessionmaker
from portal.services import audit

PENDING_PER_CENT = 3  # of N: applications awaiting a decision added evenly across the areas
VACANCIES_PER_AREA = 50
ID_POOL = 1000  # distinct encrypted ID numbers, shared by person id modulo
# Policies granted, with their share of the grants in per cent, amount (yuan) and months of support.
GRANTED = [("P08", 40, "1665.00", 6), ("P07", 15, "1500.00", 1), ("P09", 15, "3000.00", 12),
           ("P12", 8, "3000.00", 1), ("P01", 7, "10000.00", 1), ("P02", 5, "4000.00", 12), ("P03", 5, "3000.00", 1),
           ("P10", 5, "1500.00", 12)]  # fmt: skip
AUDIT_BATCH = 20_000
# Each county's clerk and reviewer (bench.clerk and bench.reviewer in 赤坎), for the rows that name staff.
SEED_STAFF = """
    CREATE TEMP TABLE seed_staff AS
    SELECT c.area_code AS county, c.id AS clerk_id, c.username AS clerk, r.id AS reviewer_id, r.username AS reviewer
    FROM staff_users c JOIN staff_users r ON r.area_code = c.area_code AND r.role = 'reviewer'
    WHERE c.role = 'clerk' AND c.username LIKE 'bench.clerk%' AND r.username LIKE 'bench.reviewer%'"""
AUDIT_COLUMNS = ["id", "at", "staff_id", "username", "role", "area_code", "action", "target_type", "target_id",
                 "changes", "mac"]  # fmt: skip


class CitySql(Sql):
    """seed_statistics' dialect fragments, and a few more for dates and JSON read from rows already written."""

    def days_since(self, timestamp: str) -> str:
        """Whole days from a timestamp's day in Zhanjiang to today."""
        if self.postgres:
            return f"(DATE '{self.today}' - ({timestamp} AT TIME ZONE '{LOCAL_TZ.key}')::date)"
        return f"CAST(julianday('{self.today}') - julianday(date({timestamp}, '+8 hours')) AS INTEGER)"

    def days_since_day(self, day: str) -> str:
        if self.postgres:
            return f"(DATE '{self.today}' - {day})"
        return f"CAST(julianday('{self.today}') - julianday({day}) AS INTEGER)"

    def month(self, day: str) -> str:
        """YYYY-MM of a date."""
        return f"to_char({day}, 'YYYY-MM')" if self.postgres else f"strftime('%Y-%m', {day})"

    def before(self, timestamp: str, seconds: int) -> str:
        if self.postgres:
            return f"({timestamp} - interval '{seconds} seconds')"
        return f"(strftime('%Y-%m-%d %H:%M:%S', {timestamp}, '-{seconds} seconds') || '.000000')"

    def boolean(self, value: bool) -> str:
        return ("true" if value else "false") if self.postgres else ("1" if value else "0")

    def json(self, *pairs: tuple[str, str]) -> str:
        """A JSON object as text from (key, SQL expression) pairs."""
        inner = ", ".join(f"'{key}', {value}" for key, value in pairs)
        return f"json_build_object({inner})::text" if self.postgres else f"json_object({inner})"

    def json_list(self, *values: str) -> str:
        return f"json_build_array({', '.join(values)})" if self.postgres else f"json_array({', '.join(values)})"

    def json_bool(self, condition: str) -> str:
        if self.postgres:
            return f"({condition})"
        return f"CASE WHEN {condition} THEN json('true') ELSE json('false') END"

    def null_text(self) -> str:
        return "CAST(NULL AS TEXT)"


def uc(k: int, column: str) -> str:
    """seed_statistics.u of an integer column: widened first, as the hash's products overflow 32 bits."""
    return u(k, f"CAST({column} AS BIGINT)")


def hashed_column(k: int, column: str) -> str:
    return hashed(k, f"CAST({column} AS BIGINT)")


def area_index(column: str) -> str:
    return "CASE " + column + " " + " ".join(f"WHEN '{code}' THEN {a}" for a, (code, _) in enumerate(AREAS)) + " END"


def area_code(index: str) -> str:
    return "CASE " + index + " " + " ".join(f"WHEN {a} THEN '{code}'" for a, (code, _) in enumerate(AREAS)) + " END"


# ---- the rows -----------------------------------------------------------------------------------------------------


async def _staff(conn: AsyncConnection, sql: CitySql) -> None:
    """A clerk and a reviewer per area with bench.clerk's password, and seed_staff: each county's two."""
    people = []
    for code, _ in AREAS:
        for role in ("clerk", "reviewer"):
            username = f"bench.{role}" if code == "440802" else f"bench.{role}.{code}"
            if username != "bench.clerk":
                people.append(f"SELECT '{username}' AS username, '{role} {code}' AS full_name, '{role}' AS role, "
                              f"'{code}' AS area")  # fmt: skip
    await _step(
        "staff (a clerk and a reviewer per area)",
        conn,
        f"""INSERT INTO staff_users (username, full_name, password_hash, role, area_code, active, created_at,
                updated_at)
            SELECT v.username, v.full_name, s.password_hash, v.role, v.area, {sql.boolean(True)}, {sql.stamp()},
                {sql.stamp()}
            FROM staff_users s CROSS JOIN ({" UNION ALL ".join(people)}) v WHERE s.username = 'bench.clerk'""",
        SEED_STAFF,
    )


async def _pending(conn: AsyncConnection, sql: CitySql, base: int, pending: int) -> None:
    """Applications awaiting a decision (a third deferred), accepted in the last 1-12 days (deferred: 1-20), the
    same number in each area; with their people and, for 30 %, the unemployment benefit's claim."""
    with_p, from_p = sql.series(pending)
    await _step(
        f"applications awaiting a decision ({pending:,})",
        conn,
        f"""CREATE TEMP TABLE seed_pending AS
            SELECT id, county, o, CASE WHEN o = 2 THEN 1 + h2 % 20 ELSE 1 + h2 % 12 END AS acc, h2, h3, h4, h5, h6, h7
            FROM ({with_p}SELECT {base} + x AS id, {area_code(f"x % {len(AREAS)}")} AS county,
                         CASE WHEN {uc(40, "x")} < 3300 THEN 2 ELSE 1 END AS o, {uc(41, "x")} AS h2,
                         {uc(42, "x")} AS h3, {uc(43, "x")} AS h4, {uc(44, "x")} AS h5, {uc(45, "x")} AS h6,
                         {uc(46, "x")} AS h7
                  FROM {from_p}) s""",
        f"""INSERT INTO people (id, id_hash, id_cipher, name, sex, birth_date, created_at, updated_at)
            SELECT id, {sql.padded("id", 64)}, {sql.blob()}, '测试' || id, CASE WHEN h3 < 5200 THEN 'M' ELSE 'F' END,
                   {sql.day(f"{16 * 365 + 200} + h4 * {44 * 365} / 10000")}, {sql.stamp()}, {sql.stamp()}
            FROM seed_pending""",
        f"""INSERT INTO registrations (id, number, person_id, account_id, county_code, status, pension_category, phone,
                ethnicity, education, hukou_local, residence_urban, unemployment_category, occupation_intention,
                wants_training, wants_business, insured_before, answers, accepted_at, deadline, deadline_provisional,
                decided_at, decision_note, end_note, version, created_at, updated_at)
            SELECT id, 'ZJS' || {sql.padded("id", 11)}, id, NULL, county,
                CASE o WHEN 2 THEN 'deferred' ELSE 'submitted' END, 'M60', '13900000000', '汉族',
                {pick("h5", EDUCATION)}, h6 % 10 < 7, h7 < 7800, 'dismissed', '', h6 < 3000, h6 > 9500, 'yes', '{{}}',
                {sql.at("acc", "32400 + h2 % 28800")}, {sql.day("acc - CASE WHEN o = 2 THEN 10 ELSE 7 END")},
                {sql.boolean(False)}, NULL, '', '', 1, {sql.stamp()}, {sql.stamp()}
            FROM seed_pending""",
        f"""INSERT INTO ui_benefit_claims (registration_id, status, insured_months, months, monthly_amount,
                period_from, period_to, created_at, updated_at)
            SELECT id, 'claimed', 12 + h3 % 100, 6, 1665.00, {sql.day("acc - 3")}, {sql.day("acc - 3 - 180")},
                {sql.stamp()}, {sql.stamp()}
            FROM seed_pending WHERE h7 % 10 < 3""",
    )


def sealed(key: bytes, plaintext: bytes, purpose: str, n: int) -> bytes:
    """A value sealed as the portal sealed it before the data key ring (nonce, then AES-GCM with the purpose as
    associated data): every version of the portal reads it, the ring's among them (portal.crypto), so that one
    database can be served by older code too (bench_lists.py --code). The nonce is derived from the purpose and
    `n`, so a run writes the same bytes every time and never uses a nonce twice."""
    nonce = hashlib.sha256(f"bench/{purpose}/{n}".encode()).digest()[:12]
    return nonce + AESGCM(key).encrypt(nonce, plaintext, purpose.encode())


async def _id_numbers(conn: AsyncConnection, sql: CitySql, key: bytes) -> None:
    """Every person's ID number sealed with the instance's data key, from a pool of ID_POOL numbers."""
    started = time.perf_counter()
    blob = "BYTEA" if sql.postgres else "BLOB"
    await conn.exec_driver_sql(f"CREATE TEMP TABLE seed_ciphers (k INTEGER PRIMARY KEY, sealed {blob})")
    await conn.execute(
        text("INSERT INTO seed_ciphers (k, sealed) VALUES (:k, :sealed)"),
        [{"k": k, "sealed": sealed(key, f"4408021980{k % 12 + 1:02d}{k % 28 + 1:02d}{k:03d}X".encode(), "id", k)}
         for k in range(ID_POOL)],
    )  # fmt: skip
    if sql.postgres:
        statement = f"UPDATE people SET id_cipher = c.sealed FROM seed_ciphers c WHERE c.k = people.id % {ID_POOL}"
    else:
        statement = f"UPDATE people SET id_cipher = (SELECT sealed FROM seed_ciphers WHERE k = people.id % {ID_POOL})"
    await conn.exec_driver_sql(statement)
    print(f"  {'ID numbers encrypted (a pool of 1,000)':48} {time.perf_counter() - started:8.1f} s", flush=True)


async def _standing(conn: AsyncConnection, sql: CitySql) -> None:
    """seed_standing: the registrations decided as registered (standing or ended since), numbered, with the days
    since their decision (dec) and since their end (lo, 0 while standing)."""
    await _step(
        "seed standing registrations",
        conn,
        f"""CREATE TEMP TABLE seed_standing AS
            SELECT ROW_NUMBER() OVER (ORDER BY id) AS k, id, person_id, county_code AS county, status,
                   {sql.days_since("decided_at")} AS dec,
                   CASE WHEN end_date IS NULL THEN 0 ELSE {sql.days_since_day("end_date")} END AS lo
            FROM registrations WHERE status IN ('registered', 'employed', 'exited')""",
        "CREATE UNIQUE INDEX seed_standing_k ON seed_standing (k)",
    )


async def _plans_and_outreach(conn: AsyncConnection, sql: CitySql) -> None:
    last_month = (sql.today.replace(day=1) - timedelta(days=1)).replace(day=1)
    first_action = f"""
        SELECT p.id, p.case_worker_id, n.n, p.status, {sql.days_since_day("p.opened_on")} AS opened,
               CASE WHEN p.closed_on IS NULL THEN NULL ELSE {sql.days_since_day("p.closed_on")} END AS closed,
               {uc(50, "p.id * 3 + n.n")} AS h
        FROM plans p CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) n"""
    # Days before today each action is due (negative: to come) and was done (NULL: not yet).
    due = ("CASE n WHEN 1 THEN opened - 30 WHEN 2 THEN opened - 60 - h % 60 "
           "ELSE CASE WHEN closed IS NULL THEN -5 - h % 40 ELSE closed + 1 END END")  # fmt: skip
    done = (f"CASE WHEN closed IS NOT NULL THEN {sql.greatest('due - 2', 'closed + 1')} "
            "WHEN n = 1 AND due > 2 THEN due - 2 WHEN n = 2 AND due > 2 AND h < 6000 THEN due - 2 END")  # fmt: skip
    await _step(
        "plans shared by the county's staff, their actions",
        conn,
        """UPDATE plans SET case_worker_id = (SELECT CASE WHEN plans.id % 2 = 0 THEN clerk_id ELSE reviewer_id END
                                              FROM seed_staff WHERE county = plans.county_code)""",
        f"""INSERT INTO plan_actions (plan_id, text, due_on, done_on, staff_id, created_at, updated_at)
            SELECT id, CASE n WHEN 1 THEN '职业指导面谈' WHEN 2 THEN '推荐岗位三个' ELSE '技能培训报名' END,
                   {sql.day("due")}, CASE WHEN done IS NOT NULL THEN {sql.day("done")} END, case_worker_id,
                   {sql.stamp()}, {sql.stamp()}
            FROM (SELECT a.*, {done} AS done FROM (SELECT f.*, {due} AS due FROM ({first_action}) f) a) b""",
    )
    with_v, from_v = sql.series(len(AREAS) * VACANCIES_PER_AREA)
    follow_up = "rec - 14"  # days before today the follow-up is due
    result = (f"CASE WHEN {follow_up} > 20 THEN {pick('h2', [('hired', 15), ('not_hired', 50), ('no_reply', 35)])} "
              "WHEN h2 < 7000 THEN 'awaiting' ELSE 'interviewed' END")  # fmt: skip
    recommended = f"""
        SELECT s.id, s.county, second, lo + h1 % (dec - lo + 1) AS rec, h2,
               {area_index("s.county")} * {VACANCIES_PER_AREA} + (h3 + second) % {VACANCIES_PER_AREA} + 1 AS vacancy
        FROM (SELECT s.*, 0 AS second, {uc(61, "s.id")} AS h1, {uc(62, "s.id")} AS h2, {uc(63, "s.id")} AS h3
              FROM seed_standing s WHERE {uc(60, "s.id")} < 3000
              UNION ALL
              SELECT s.*, 1, {uc(64, "s.id")}, {uc(65, "s.id")}, {uc(63, "s.id")}
              FROM seed_standing s WHERE {uc(60, "s.id")} < 500) s"""
    await _step(
        "vacancies, recommendations",
        conn,
        f"""INSERT INTO vacancies (id, county_code, employer, post, pay_min, pay_max, requirements, skills, closing_on,
                status, created_by, version, created_at, updated_at)
            {with_v}SELECT x, {area_code(f"(x - 1) / {VACANCIES_PER_AREA}")}, '用人单位' || x, '岗位' || x,
                3000 + x % 10 * 100, 5000 + x % 10 * 200, '', '',
                {sql.day(f"CASE WHEN x % {VACANCIES_PER_AREA} < 30 THEN -10 - x % 50 ELSE 10 + x % 300 END")},
                CASE WHEN x % {VACANCIES_PER_AREA} < 30 THEN 'open' ELSE 'closed' END, NULL, 1, {sql.stamp()},
                {sql.stamp()}
            FROM {from_v}""",
        f"""INSERT INTO recommendations (vacancy_id, registration_id, county_code, reasons, recommended_by,
                recommended_on, follow_up_due, result, result_note, result_on, result_by, created_at, updated_at)
            SELECT r.vacancy, r.id, r.county, '[]', st.clerk_id, {sql.day("rec")}, {sql.day(follow_up)},
                {result}, '', CASE WHEN {follow_up} > 20 THEN {sql.day(f"{follow_up} - 3")} END,
                CASE WHEN {follow_up} > 20 THEN st.clerk_id END, {sql.stamp()}, {sql.stamp()}
            FROM ({recommended}) r JOIN seed_staff st ON st.county = r.county""",
    )
    await _step(
        "last month's data comparison",
        conn,
        f"""INSERT INTO tracking_comparisons (registration_id, month, insured_employed, created_at)
            SELECT id, '{last_month:%Y-%m}', {uc(66, "id")} < 300, {sql.stamp()}
            FROM registrations
            WHERE status = 'registered' AND decided_at < {sql.at(str((sql.today - last_month).days), "0")}""",
    )


async def _grants(conn: AsyncConnection, sql: CitySql, grants: int, waiting: int) -> None:
    """Policy applications: `grants` approved (each with its grant), 13 % as many rejected, `waiting` awaiting a
    decision; the unemployment benefit's claims for its grants."""
    rejected = grants * 13 // 87
    policy = pick("h1", [(code, share) for code, share, _, _ in GRANTED])
    amount = "CASE policy " + " ".join(f"WHEN '{c}' THEN {a}" for c, _, a, _ in GRANTED) + " END"
    months = "CASE policy " + " ".join(f"WHEN '{c}' THEN {m}" for c, _, _, m in GRANTED) + " END"
    await _step(
        f"seed applications ({grants + rejected:,} decided)",
        conn,
        """CREATE TEMP TABLE seed_versions AS
            SELECT v.policy_code, v.id FROM policy_versions v
            JOIN policies p ON p.code = v.policy_code AND v.version = p.current_version""",
        f"""CREATE TEMP TABLE seed_apps AS
            SELECT ROW_NUMBER() OVER (ORDER BY h, id) AS n, id, person_id, county, policy, acc,
                   acc - 1 - h3 % 4 AS decd, {amount} AS amount, {months} AS months
            FROM (SELECT t.*, {policy} AS policy, lo10 + h2 % (dec - lo10 - 4) AS acc
                  FROM (SELECT s.*, {hashed_column(70, "s.id")} AS h, {uc(71, "s.id")} AS h1, {uc(72, "s.id")} AS h2,
                               {uc(73, "s.id")} AS h3, {sql.greatest("lo", "10")} AS lo10
                        FROM seed_standing s) t
                  WHERE dec - lo10 >= 5 ORDER BY h, id LIMIT {grants + rejected}) a""",
    )
    await _step(
        f"policy applications ({grants + rejected + waiting:,})",
        conn,
        f"""INSERT INTO policy_applications (id, number, policy_code, policy_version_id, registration_id, account_id,
                county_code, status, answers, accepted_at, deadline, deadline_provisional, decided_at, decided_by,
                rejection_reason, decision_note, version, created_at, updated_at)
            SELECT a.n, 'ZPB' || {sql.padded("a.n", 11)}, a.policy, v.id, a.id, NULL, a.county,
                CASE WHEN a.n <= {grants} THEN 'approved' ELSE 'rejected' END, '{{}}',
                {sql.at("a.acc", "36000 + a.n % 20000")}, {sql.day("a.acc - 7")}, {sql.boolean(False)},
                {sql.at("a.decd", "54000 + a.n % 7200")}, st.reviewer_id,
                CASE WHEN a.n > {grants} THEN 'not_eligible' END, '', 1, {sql.stamp()}, {sql.stamp()}
            FROM seed_apps a JOIN seed_versions v ON v.policy_code = a.policy
            JOIN seed_staff st ON st.county = a.county""",
        f"""INSERT INTO policy_applications (id, number, policy_code, policy_version_id, registration_id, account_id,
                county_code, status, answers, accepted_at, deadline, deadline_provisional, version, created_at,
                updated_at)
            SELECT {grants + rejected} + w.n, 'ZPB' || {sql.padded(f"{grants + rejected} + w.n", 11)}, w.policy, v.id,
                w.id, NULL, w.county, CASE WHEN w.h2 < 3000 THEN 'deferred' ELSE 'submitted' END, '{{}}',
                {sql.at("w.h2 % 10", "36000 + w.n % 20000")}, {sql.day("w.h2 % 10 - 7")}, {sql.boolean(False)}, 1,
                {sql.stamp()}, {sql.stamp()}
            FROM (SELECT ROW_NUMBER() OVER (ORDER BY h, id) AS n, id, county, {policy} AS policy, h2
                  FROM (SELECT s.*, {hashed_column(74, "s.id")} AS h, {uc(75, "s.id")} AS h1, {uc(76, "s.id")} AS h2
                        FROM seed_standing s WHERE s.status = 'registered' AND s.dec >= 20) t
                  ORDER BY h, id LIMIT {waiting}) w
            JOIN seed_versions v ON v.policy_code = w.policy""",
        f"""INSERT INTO ui_benefit_claims (registration_id, status, insured_months, months, monthly_amount,
                period_from, period_to, application_id, decided_at, created_at, updated_at)
            SELECT id, 'granted', 12 + n % 100, months, amount, {sql.day("decd")}, {sql.day("decd - months * 30")},
                n, {sql.at("decd", "54000 + n % 7200")}, {sql.stamp()}, {sql.stamp()}
            FROM seed_apps WHERE n <= {grants} AND policy = 'P08'""",
    )


def _months(today: date, count: int = 30) -> str:
    """A SELECT of the last `count` months that are over: YYYY-MM and the days from the next month's first day to
    today."""
    rows, first = [], today.replace(day=1)
    for _ in range(count):
        previous = (first - timedelta(days=1)).replace(day=1)
        rows.append(f"SELECT '{previous:%Y-%m}' AS month, {(today - first).days} AS next_ago")
        first = previous
    return " UNION ALL ".join(rows)


async def _notices(conn: AsyncConnection, sql: CitySql, grants: int) -> None:
    """One notice per county, policy and month that is over, composed the 1st of the next month and published the
    3rd for 7 days (a draft if that day has not come); the grants with their notice and payment status."""
    await _step(
        "notices",
        conn,
        f"CREATE TEMP TABLE seed_months AS {_months(sql.today)}",
        f"""CREATE TEMP TABLE seed_notices AS
            SELECT ROW_NUMBER() OVER (ORDER BY g.month, g.county, g.policy) AS id, g.*, m.next_ago - 2 AS starts,
                   m.next_ago - 9 AS ends
            FROM (SELECT county, policy, {sql.month(sql.day("decd"))} AS month, COUNT(*) AS entries,
                         MAX(decd) AS first_day, MIN(decd) AS last_day
                  FROM seed_apps WHERE n <= {grants} GROUP BY county, policy, {sql.month(sql.day("decd"))}) g
            JOIN seed_months m ON m.month = g.month""",
        f"""INSERT INTO notices (id, number, county_code, policy_code, granted_from, granted_to, working_days, status,
                entry_count, composed_by, composed_at, published_by, published_at, starts_on, ends_on,
                ends_provisional, withdrawal_reason, settled_at, version, created_at, updated_at)
            SELECT n.id, 'GS' || {sql.padded("n.id", 10)}, n.county, n.policy, {sql.day("n.first_day")},
                {sql.day("n.last_day")}, 5, CASE WHEN n.starts >= 0 THEN 'published' ELSE 'draft' END, n.entries,
                st.clerk_id, {sql.at("n.starts + 2", "36000")},
                CASE WHEN n.starts >= 0 THEN st.reviewer_id END,
                CASE WHEN n.starts >= 0 THEN {sql.at("n.starts", "32400")} END,
                CASE WHEN n.starts >= 0 THEN {sql.day("n.starts")} END,
                CASE WHEN n.starts >= 0 THEN {sql.day("n.ends")} END, {sql.boolean(False)}, '',
                CASE WHEN n.ends >= 1 THEN {sql.at("n.ends - 1", "3600")} END, 1, {sql.stamp()}, {sql.stamp()}
            FROM seed_notices n JOIN seed_staff st ON st.county = n.county""",
        f"""INSERT INTO grants (id, application_id, person_id, policy_code, county_code, amount, period_from, period_to,
                granted_on, created_at, notice_id, payment_status)
            SELECT a.n, a.n, a.person_id, a.policy, a.county, a.amount, {sql.day("a.decd")},
                {sql.day("a.decd - a.months * 30 + 1")}, {sql.day("a.decd")}, {sql.at("a.decd", "57600")}, n.id,
                CASE WHEN n.id IS NULL THEN 'awaiting_notice' WHEN n.ends >= 1 THEN 'cleared' ELSE 'in_notice' END
            FROM seed_apps a
            LEFT JOIN seed_notices n ON n.county = a.county AND n.policy = a.policy
                AND n.month = {sql.month(sql.day("a.decd"))}
            WHERE a.n <= {grants}""",
        f"""INSERT INTO notice_entries (id, notice_id, position, grant_id, person_id, masked_name, masked_id,
                policy_code, amount, county_code, period_from, period_to, takedown_reason)
            SELECT g.id, g.notice_id, ROW_NUMBER() OVER (PARTITION BY g.notice_id ORDER BY g.id), g.id, g.person_id,
                '测' || '*****', '440802********' || {sql.padded(f"g.person_id % {ID_POOL}", 3)} || 'X', g.policy_code,
                g.amount, g.county_code, g.period_from, g.period_to, ''
            FROM grants g WHERE g.notice_id IS NOT NULL""",
    )


async def _objections(conn: AsyncConnection, sql: CitySql, key: bytes) -> None:
    """An objection to 20 % of the published entries, filed during the notice's period: the last month's still
    open (received or being investigated), 8 % of the older ones too (late), the rest answered; their steps; the
    grants an open or upheld objection holds."""
    objector = sealed(key, "某某".encode(), "objector", 1).hex()
    phone = sealed(key, b"13800000000", "objector", 2).hex()
    blob = (lambda h: f"decode('{h}', 'hex')") if sql.postgres else (lambda h: f"X'{h}'")
    status = ("CASE WHEN filed <= 30 THEN CASE WHEN h2 < 4000 THEN 'received' ELSE 'investigating' END "
              "WHEN h2 < 9200 THEN 'decided' ELSE 'investigating' END")  # fmt: skip
    grounds = [("not_unemployed", 30), ("employed", 35), ("false_information", 15), ("not_resident", 10), ("other", 10)]
    outcome = pick("h3", [("upheld", 10), ("partly_upheld", 5), ("not_upheld", 85)])
    filed = f"""
        SELECT ROW_NUMBER() OVER (ORDER BY e.id) AS id, e.id AS entry_id, e.notice_id, e.person_id, n.county_code,
               {sql.days_since_day("n.starts_on")} - {uc(81, "e.id")} % 7 AS filed, {uc(82, "e.id")} AS h2,
               {uc(83, "e.id")} AS h3, {uc(84, "e.id")} AS h4
        FROM notice_entries e JOIN notices n ON n.id = e.notice_id
        WHERE n.status = 'published' AND {uc(80, "e.id")} < 2000"""
    await _step(
        "objections, their steps, the grants held",
        conn,
        f"""INSERT INTO objections (id, number, notice_id, entry_id, person_id, county_code, ground, facts, anonymous,
                objector_name_cipher, objector_phone_cipher, secret_hash, status, due, due_provisional, assigned_to,
                outcome, reply, decided_at, decided_by, version, created_at, updated_at)
            SELECT o.id, 'YY' || {sql.padded("o.id", 12)}, o.notice_id, o.entry_id, o.person_id, o.county_code,
                {pick("h4", grounds)}, '据了解此人已在外地工作。', h4 % 10 < 6,
                CASE WHEN h4 % 10 >= 6 THEN {blob(objector)} END, CASE WHEN h4 % 10 >= 6 THEN {blob(phone)} END,
                {sql.padded("o.id", 64)}, o.status, {sql.day("o.filed - 21")}, {sql.boolean(False)},
                CASE WHEN o.status <> 'received' THEN st.clerk_id END,
                CASE WHEN o.status = 'decided' THEN {outcome} END,
                CASE WHEN o.status = 'decided' THEN '经调查核实，答复如下。' ELSE '' END,
                CASE WHEN o.status = 'decided' THEN {sql.at("o.filed - 10", "50400")} END,
                CASE WHEN o.status = 'decided' THEN st.reviewer_id END, 1, {sql.at("o.filed", "43200")},
                {sql.stamp()}
            FROM (SELECT f.*, {status} AS status FROM ({filed}) f WHERE f.filed >= 0) o
            JOIN seed_staff st ON st.county = o.county_code""",
        f"""INSERT INTO objection_steps (objection_id, kind, text, detail, staff_id, created_at)
            SELECT o.id, k.kind, '', '{{}}', CASE WHEN k.kind IN ('person_told') THEN NULL ELSE o.assigned_to END,
                {sql.at(sql.greatest(f"{sql.days_since('o.created_at')} - k.after", "0"), "46800")}
            FROM objections o
            JOIN (SELECT 'person_told' AS kind, 0 AS after UNION ALL SELECT 'assigned', 1
                  UNION ALL SELECT 'investigation', 5 UNION ALL SELECT 'decided', 10) k
              ON k.kind = 'person_told' OR (k.kind IN ('assigned', 'investigation') AND o.status <> 'received')
                 OR (k.kind = 'decided' AND o.status = 'decided')""",
        """UPDATE grants SET payment_status = 'held'
            WHERE payment_status = 'cleared' AND id IN (
                SELECT e.grant_id FROM objections o JOIN notice_entries e ON e.id = o.entry_id
                WHERE o.status <> 'decided' OR o.outcome <> 'not_upheld')""",
    )


async def _service_requests(conn: AsyncConnection, sql: CitySql, share: int, postgres: bool) -> None:
    """Service requests from `share` in 10,000 of the registrations decided, filed during the registration; those
    of the last 3 days waiting for an answer, 10 % of the others answered and the rest closed; the request, the
    answer and for a fifth a reply and a closing answer as messages."""
    kinds = [("policy", 25), ("guidance", 15), ("job", 25), ("training", 15), ("business", 5), ("ui_benefit", 10),
             ("other", 5)]  # fmt: skip
    requests = f"""
        SELECT ROW_NUMBER() OVER (ORDER BY s.id) AS id, s.id AS registration_id, s.county,
               s.lo + {uc(91, "s.id")} % (s.dec - s.lo + 1) AS filed, {uc(92, "s.id")} AS h2, {uc(93, "s.id")} AS h3
        FROM seed_standing s WHERE {uc(90, "s.id")} < {share}"""
    status = "CASE WHEN r.filed <= 3 THEN 'waiting' WHEN r.h2 < 1000 THEN 'answered' ELSE 'closed' END"
    dropped = await _drop_indexes(conn, "service_request_messages") if postgres else []
    await _step(
        "service requests and their messages",
        conn,
        f"""INSERT INTO service_requests (id, number, registration_id, account_id, county_code, kind, channel, status,
                due, due_provisional, first_answered_at, recorded_by, created_at, updated_at)
            SELECT r.id, 'ZQB' || {sql.padded("r.id", 11)}, r.registration_id, NULL, r.county, {pick("r.h3", kinds)},
                CASE WHEN r.h2 % 10 < 7 THEN 'online' ELSE 'phone_12333' END, {status}, {sql.day("r.filed - 5")},
                {sql.boolean(False)},
                CASE WHEN r.filed > 3 THEN {sql.at("r.filed - 1 - r.h3 % 3", "39600")} END,
                CASE WHEN r.h2 % 10 >= 7 THEN st.clerk_id END, {sql.at("r.filed", "30000 + r.h3 % 30000")},
                {sql.stamp()}
            FROM ({requests}) r JOIN seed_staff st ON st.county = r.county""",
        """INSERT INTO service_request_messages (request_id, author, staff_id, body, created_at)
            SELECT q.id, CASE WHEN m.n % 2 = 1 THEN 'resident' ELSE 'staff' END,
                CASE WHEN m.n % 2 = 0 THEN st.clerk_id END,
                CASE m.n WHEN 1 THEN '想了解相关政策和服务。' WHEN 3 THEN '谢谢，还有一个问题。'
                    ELSE '已答复，请查收。' END,
                CASE WHEN m.n = 1 THEN q.created_at ELSE q.first_answered_at END
            FROM service_requests q JOIN seed_staff st ON st.county = q.county_code
            JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) m
              ON m.n = 1 OR (q.status <> 'waiting' AND (m.n = 2 OR q.id % 5 = 0))""",
        *dropped,
    )


async def _events(conn: AsyncConnection, sql: CitySql, postgres: bool) -> None:
    """Each registration's timeline: submitted; deferred; registered or rejected; ended; and for 1 % of those
    waiting, another account that typed the same ID number (the queue marks them)."""
    dropped = await _drop_indexes(conn, "registration_events") if postgres else []
    await _step(
        "registrations' events",
        conn,
        """INSERT INTO registration_events (registration_id, at, kind, actor, detail)
            SELECT id, accepted_at, 'submitted', 'resident', '{}' FROM registrations""",
        f"""INSERT INTO registration_events (registration_id, at, kind, actor, detail)
            SELECT id, at, kind, actor, '{{}}' FROM (
                SELECT id, accepted_at AS at, 'deferred' AS kind, 'resident' AS actor FROM registrations
                WHERE status = 'deferred'
                UNION ALL
                SELECT id, decided_at, CASE WHEN status = 'rejected' THEN 'rejected' ELSE 'registered' END, 'staff'
                FROM registrations WHERE decided_at IS NOT NULL
                UNION ALL
                SELECT id, ended_at, 'ended', 'staff' FROM registrations WHERE ended_at IS NOT NULL
                UNION ALL
                SELECT id, accepted_at, 'identity_claimed', 'system' FROM registrations
                WHERE status IN ('submitted', 'deferred') AND {uc(95, "id")} < 100) e""",
        *dropped,
    )


# ---- the audit log ------------------------------------------------------------------------------------------------


def _audit_sources(sql: CitySql) -> str:
    """Every audited action the rows above stand for, as (at, staff_id, username, role, area_code, action,
    target_type, target_id, changes as JSON text)."""
    staff = "JOIN seed_staff st ON st.county = {}"
    clerk, reviewer = "st.clerk_id, st.clerk, 'clerk'", "st.reviewer_id, st.reviewer, 'reviewer'"
    null = sql.null_text()
    compared = sql.json(
        ("card_base", "'match'"),
        ("social_insurance", "CASE WHEN r.status = 'rejected' THEN 'mismatch' ELSE 'match' END"),
        ("labour_filing", "'match'"), ("big_data", "'match'"),
    )  # fmt: skip
    decided_as = "CASE WHEN r.status = 'rejected' THEN 'rejected' ELSE 'registered' END"
    decided = sql.json(("status", sql.json_list("'submitted'", decided_as)), ("reason", null), ("commitment", null))
    ended = sql.json(("status", sql.json_list("'registered'", "r.status")), ("reason", "r.end_reason"),
                     ("reference", null))  # fmt: skip
    applied = sql.json(
        ("status", sql.json_list("'submitted'", "a.status")), ("policy", "a.policy_code"),
        ("amount", "CAST(g.amount AS TEXT)"), ("reason", "a.rejection_reason"), ("commitment", null),
    )  # fmt: skip
    composed = sql.json(
        ("policy", "n.policy_code"), ("granted", sql.json_list("CAST(n.granted_from AS TEXT)",
                                                               "CAST(n.granted_to AS TEXT)")),
        ("entries", "n.entry_count"), ("working_days", "n.working_days"),
    )  # fmt: skip
    published = sql.json(
        ("status", sql.json_list("'draft'", "'published'")), ("starts_on", "CAST(n.starts_on AS TEXT)"),
        ("ends_on", "CAST(n.ends_on AS TEXT)"),
    )  # fmt: skip
    filed = sql.json(("notice", "n.number"), ("entry", "e.position"), ("ground", "o.ground"),
                     ("anonymous", sql.json_bool("o.anonymous")))  # fmt: skip
    assigned = sql.json(("to", "st.clerk"))
    answered = sql.json(("status", sql.json_list("'investigating'", "'decided'")), ("outcome", "o.outcome"))
    closed = sql.json(("close", sql.json_bool("q.status = 'closed'")), ("recorded_as", null))
    return f"""
        SELECT {sql.before("r.decided_at", 3600)} AS at, st.clerk_id AS staff_id, st.clerk AS username,
               'clerk' AS role, r.county_code AS area_code, 'case.compare' AS action,
               'registration' AS target_type, r.number AS target_id, {compared} AS changes
        FROM registrations r {staff.format("r.county_code")} WHERE r.decided_at IS NOT NULL
        UNION ALL
        SELECT r.decided_at, {reviewer}, r.county_code, 'case.decide', 'registration', r.number, {decided}
        FROM registrations r {staff.format("r.county_code")} WHERE r.decided_at IS NOT NULL
        UNION ALL
        SELECT r.ended_at, {clerk}, r.county_code, 'case.end', 'registration', r.number, {ended}
        FROM registrations r {staff.format("r.county_code")} WHERE r.ended_at IS NOT NULL
        UNION ALL
        SELECT a.decided_at, {reviewer}, a.county_code, 'policy_application.decide', 'policy_application', a.number,
               {applied}
        FROM policy_applications a {staff.format("a.county_code")} LEFT JOIN grants g ON g.application_id = a.id
        WHERE a.decided_at IS NOT NULL
        UNION ALL
        SELECT n.composed_at, {clerk}, n.county_code, 'notice.compose', 'notice', n.number, {composed}
        FROM notices n {staff.format("n.county_code")}
        UNION ALL
        SELECT n.published_at, {reviewer}, n.county_code, 'notice.publish', 'notice', n.number, {published}
        FROM notices n {staff.format("n.county_code")} WHERE n.published_at IS NOT NULL
        UNION ALL
        SELECT o.created_at, NULL, 'public', 'public', NULL, 'objection.file', 'objection', o.number, {filed}
        FROM objections o JOIN notices n ON n.id = o.notice_id JOIN notice_entries e ON e.id = o.entry_id
        UNION ALL
        SELECT s.created_at, {clerk}, o.county_code, 'objection.assign', 'objection', o.number, {assigned}
        FROM objections o JOIN objection_steps s ON s.objection_id = o.id AND s.kind = 'assigned'
        {staff.format("o.county_code")}
        UNION ALL
        SELECT o.decided_at, {reviewer}, o.county_code, 'objection.decide', 'objection', o.number, {answered}
        FROM objections o {staff.format("o.county_code")} WHERE o.decided_at IS NOT NULL
        UNION ALL
        SELECT q.first_answered_at, {clerk}, q.county_code, 'service_request.answer', 'service_request', q.number,
               {closed}
        FROM service_requests q {staff.format("q.county_code")} WHERE q.first_answered_at IS NOT NULL"""


class Chain:
    """The audit chain as the sealer would extend it: each entry's MAC and its seal after the head so far."""

    def __init__(self, key: bytes, seq: int, prev: str, first_id: int, postgres: bool) -> None:
        self.key, self.seq, self.prev, self.first_id = key, seq, prev, first_id
        now = datetime.now(UTC)
        self.sealed_at: datetime | str = now if postgres else f"{now:%Y-%m-%d %H:%M:%S.%f}"
        self.known: dict[str, Any] = {}  # most actions write one of a few changes: each is parsed once

    def extend(self, rows: list[Any]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The audit_log and audit_seals rows of a batch of seed_audit rows, in order."""
        entries, seals = [], []
        for n, at, staff_id, username, role, area, action, target_type, target_id, changes in rows:
            when = at if isinstance(at, datetime) else datetime.fromisoformat(at).replace(tzinfo=UTC)
            parsed = self.known.get(changes)
            if parsed is None:
                parsed = json.loads(changes)
                if len(self.known) < 100_000:
                    self.known[changes] = parsed
            entry_mac = audit.content_mac(self.key, when, username, role, area, action, target_type, target_id, parsed,
                                          staff_id=staff_id)  # fmt: skip
            entry_id = self.first_id + n - 1
            self.seq += 1
            self.prev = audit.chain_mac(self.key, self.prev, self.seq, entry_id, entry_mac)
            entries.append((entry_id, at, staff_id, username, role, area, action, target_type, target_id, changes,
                            entry_mac))  # fmt: skip
            seals.append((self.seq, entry_id, self.prev, self.sealed_at))
        return entries, seals


async def _append(conn: AsyncConnection, entries: list[tuple[Any, ...]], seals: list[tuple[Any, ...]]) -> None:
    """A batch of entries and their seals: COPY on PostgreSQL, executemany on SQLite."""
    if conn.dialect.name == "postgresql":
        driver = (await conn.get_raw_connection()).driver_connection
        await driver.copy_records_to_table("audit_log", records=entries, columns=AUDIT_COLUMNS)
        await driver.copy_records_to_table("audit_seals", records=seals,
                                           columns=["seq", "entry_id", "chain_mac", "sealed_at"])  # fmt: skip
        return
    await conn.exec_driver_sql(f"INSERT INTO audit_log ({', '.join(AUDIT_COLUMNS)}) VALUES ({', '.join('?' * 11)})",
                               entries)  # fmt: skip
    await conn.exec_driver_sql("INSERT INTO audit_seals (seq, entry_id, chain_mac, sealed_at) VALUES (?, ?, ?, ?)",
                               seals)  # fmt: skip


async def write_audit_log(url: str, settings: Settings, sql: CitySql) -> int:
    """The audit entries of the rows built, in the order they happened, each with its MAC and its seal in the
    chain (continuing the head the portal left); then a checkpoint of the new head. The number written.

    Two connections: one reads the entries in batches while the other writes the batch before (COPY), and the
    MACs of a batch are computed in a thread meanwhile, so the database and Python work at the same time."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine, settings.audit_key)
    # The few entries the set-up wrote (staff created) are sealed the portal's way first; the chain goes on from
    # their head.
    await audit.seal_and_checkpoint(sessions, settings.audit_checkpoint_file, full=True)
    async with engine.begin() as writer, engine.begin() as reader:
        if sql.postgres:
            await writer.exec_driver_sql("SET session_replication_role = replica")
            await writer.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            await reader.exec_driver_sql("SET work_mem = '256MB'")
        else:
            await writer.exec_driver_sql("PRAGMA synchronous = OFF")
        head = (await writer.execute(text("SELECT seq, chain_mac FROM audit_seals ORDER BY seq DESC LIMIT 1"))).first()
        first_id = int(await writer.scalar(text("SELECT COALESCE(MAX(id), 0) FROM audit_log")) or 0) + 1
        chain = Chain(settings.audit_key, int(head[0]) if head else 0, str(head[1]) if head else audit.GENESIS,
                      first_id, sql.postgres)  # fmt: skip
        dropped = await _drop_indexes(writer, "audit_log") if sql.postgres else []
        await reader.exec_driver_sql(SEED_STAFF)
        await _step(
            "audit entries chosen and ordered",
            reader,
            f"""CREATE TEMP TABLE seed_audit AS
                SELECT ROW_NUMBER() OVER (ORDER BY at, action, target_id) AS n, a.*
                FROM ({_audit_sources(sql)}) a""",
            "CREATE UNIQUE INDEX seed_audit_n ON seed_audit (n)",
        )
        started = time.perf_counter()
        after, written = 0, 0
        writing: asyncio.Task[None] | None = None
        while True:
            rows = (await reader.exec_driver_sql(
                "SELECT n, at, staff_id, username, role, area_code, action, target_type, target_id, changes "
                f"FROM seed_audit WHERE n > {after} ORDER BY n LIMIT {AUDIT_BATCH}"
            )).all()  # fmt: skip
            if not rows:
                break
            entries, seals = await asyncio.to_thread(chain.extend, list(rows))
            if writing is not None:
                await writing
            writing = asyncio.create_task(_append(writer, entries, seals))
            after = int(rows[-1][0])
            written += len(rows)
        if writing is not None:
            await writing
        print(f"  {f'audit log, MACs and seals ({written:,})':48} {time.perf_counter() - started:8.1f} s", flush=True)
        if dropped:
            await _step("audit log's indexes", writer, *dropped)
        if sql.postgres and written:
            await writer.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('audit_log', 'id'), {first_id + written - 1})"
            )
    if written:
        audit.write_checkpoint(settings.audit_checkpoint_file, chain.seq, first_id + written - 1, chain.prev)
    await engine.dispose()
    return written


# ---- putting it together ------------------------------------------------------------------------------------------


async def build(url: str, settings: Settings, count: int, pending: int) -> None:
    """Everything after seed_statistics.fill: the rows the staff lists read, the audit log, then VACUUM and ANALYZE."""
    today = local_today()
    postgres = url.startswith("postgresql")
    sql = CitySql(postgres, today)
    engine = make_engine(url)
    async with engine.begin() as conn:
        if postgres:
            await conn.exec_driver_sql("SET session_replication_role = replica")
            await conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            await conn.exec_driver_sql("SET work_mem = '256MB'")
        else:
            await conn.exec_driver_sql("PRAGMA synchronous = OFF")
        await _staff(conn, sql)
        await _pending(conn, sql, count - pending, pending)
        await _id_numbers(conn, sql, settings.data_key)
        await _standing(conn, sql)
        await _plans_and_outreach(conn, sql)
        await _grants(conn, sql, count // 10, count // 200)
        await _notices(conn, sql, count // 10)
        await _objections(conn, sql, settings.data_key)
        await _service_requests(conn, sql, 2500, postgres)
        await _events(conn, sql, postgres)
    await engine.dispose()
    await write_audit_log(url, settings, sql)
    engine = make_engine(url)
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        # VACUUM too on PostgreSQL: a database in service has been vacuumed by autovacuum, and its visibility map
        # lets counts and seeks read the index alone; freshly loaded rows would each be checked in the table.
        await _step("vacuum, analyze", conn, "VACUUM (ANALYZE)" if postgres else "ANALYZE")
    await engine.dispose()


def instance_for(url: str) -> Path:
    """The bench's instance folder, one per database: its keys (the served portal must use the same) and the audit
    checkpoints of that database's chain."""
    name = f"bench-city-postgres-{make_url(url).database}" if url.startswith("postgresql") else "bench-city-sqlite"
    return Path(tempfile.gettempdir()) / name


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{instance_for('sqlite') / 'bench.db'}"


def city_environment(url: str) -> dict[str, str]:
    instance = instance_for(url)
    instance.mkdir(parents=True, exist_ok=True)
    return {**environment(url), "PORTAL_INSTANCE_DIR": str(instance)}


def settings_for(url: str) -> Settings:
    return Settings.from_env({"PORTAL_INSTANCE_DIR": str(instance_for(url)), "DATABASE_URL": url})


def seed(url: str, count: int, records: int) -> None:
    env = city_environment(url)
    pending = count * PENDING_PER_CENT // 100
    print(f"seeding a city: {count:,} registrations ({pending:,} of them added awaiting a decision), "
          f"{records:,} service records ({url.split('+')[0]})", flush=True)  # fmt: skip
    started = time.perf_counter()
    if url.startswith("postgresql"):
        asyncio.run(_create_database(url))  # on a new machine the database is not there yet
        asyncio.run(empty_postgres_schema(url))
    else:
        path = Path(url.split("///", 1)[1])
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
    settings = settings_for(url)
    settings.audit_checkpoint_file.unlink(missing_ok=True)  # the old database's chain heads
    prepare(env)
    print(f"  {'schema, reference data, staff':48} {time.perf_counter() - started:8.1f} s", flush=True)
    asyncio.run(fill(url, count - pending, records))
    asyncio.run(build(url, settings, count, pending))
    print(f"  {'seeded in all':48} {time.perf_counter() - started:8.1f} s", flush=True)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 10 * count
    seed(database_url(), count, records)


if __name__ == "__main__":
    main()
