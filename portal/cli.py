"""The `portal` command: serve, migrate, load data, and run the domain rules."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal import operations_cli, rules_cli
from portal.config import PROJECT_ROOT, Settings, SettingsError

if TYPE_CHECKING:
    from alembic.config import Config


def _alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


NOT_MIGRATED = "The database is not migrated: run `portal migrate` first."


async def _schema_is_current(database_url: str) -> bool:
    """True when the database is at the migrations' head, so every command finds the tables it expects."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from portal.db import make_engine

    heads = set(ScriptDirectory.from_config(_alembic_config(database_url)).get_heads())
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(lambda sync: set(MigrationContext.configure(sync).get_current_heads()))
    finally:
        await engine.dispose()
    return current == heads


def _database_problem(settings: Settings, url: str | None = None) -> str | None:
    """Why no command but `migrate` can run yet, in one line for the operator; None when it can. `url`: another
    database to check the same way (the statistics' read replica)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    url = url or settings.database_url
    sqlite_file = make_url(url).database if url.startswith("sqlite") else None
    if sqlite_file and sqlite_file != ":memory:" and not Path(sqlite_file).exists():
        return NOT_MIGRATED  # connecting would create an empty file and leave it behind
    try:
        current = asyncio.run(_schema_is_current(url))
    except (OSError, DBAPIError) as exc:
        # The driver's first line names the cause (refused, no such database) without the password.
        return f"The database cannot be reached: {str(exc).splitlines()[0]}"
    return None if current else NOT_MIGRATED


def migrate(settings: Settings) -> None:
    from alembic import command

    if settings.database_url.startswith("sqlite"):
        path = settings.database_url.split("///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = _alembic_config(settings.database_url)
    config.attributes["audit_key"] = settings.audit_key  # to sign entries written before keyed MACs
    command.upgrade(config, "head")


async def _load(settings: Settings, demo: bool) -> dict[str, int]:
    from portal import demo as demo_data
    from portal.adapters.sms import make_gateway
    from portal.adapters.social_insurance import make_social_insurance

    async with _session(settings) as session:
        counts = await demo_data.load_reference_data(session)
        if demo:
            counts["demo_accounts"] = await demo_data.load_demo_accounts(session)
            counts["demo_staff"] = await demo_data.load_demo_staff(session)
            cipher, social_insurance = settings.cipher(), make_social_insurance(settings.social_insurance)
            counts["demo_cases"] = await demo_data.load_demo_cases(session, cipher, social_insurance)
            counts["demo_ui_benefit"] = await demo_data.load_demo_ui_benefit(
                session, make_gateway(settings.sms_gateway)
            )
            counts["demo_people"] = await demo_data.load_demo_services(
                session, cipher, social_insurance, make_gateway(settings.sms_gateway)
            )
            counts["demo_notices"] = await demo_data.load_demo_notices(
                session, cipher, social_insurance, make_gateway(settings.sms_gateway), settings.attachment_dir
            )
            counts["demo_training_loans"] = await demo_data.load_demo_training_and_loans(
                session, cipher, social_insurance, make_gateway(settings.sms_gateway)
            )
            counts["demo_vacancies"] = await demo_data.load_demo_vacancies(session, make_gateway(settings.sms_gateway))
            counts["demo_public_welfare_posts"] = await demo_data.load_demo_public_welfare_posts(
                session, cipher, social_insurance, make_gateway(settings.sms_gateway)
            )
            counts["demo_plans"] = await demo_data.load_demo_plans(session, make_gateway(settings.sms_gateway))
            counts["demo_history"] = await demo_data.load_demo_history(session, cipher)
            # Last, over whatever history the loaders made: a year of the county assessment's figures.
            from portal.clock import local_today
            from portal.services import assessment

            written = await assessment.compute(session, assessment.recent_months(local_today(), 12))
            counts["assessment_indicators"] = sum(written.values())
    return counts


@asynccontextmanager
async def _session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One transaction for a command: committed when it ends normally."""
    from portal.db import make_engine, make_sessionmaker
    from portal.services import audit

    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine, settings.audit_key)
    try:
        async with sessionmaker() as session, session.begin():
            yield session
        if session.info.get(audit.PENDING_INFO):  # committed: seal what the command wrote to the audit log
            await audit.seal_and_checkpoint(sessionmaker, settings.audit_checkpoint_file)
    finally:
        await engine.dispose()


async def _create_staff(settings: Settings, args: argparse.Namespace, password: str) -> str:
    from portal.services import audit, staff_accounts

    async with _session(settings) as session:
        user = await staff_accounts.create(
            session, audit.SYSTEM, username=args.username, full_name=args.name, password=password,
            role=args.role, area_code=args.area, via="cli",
        )  # fmt: skip
        return user.username


async def _credit_export(settings: Settings, since: date, fmt: str) -> Any:
    from portal.services import audit, credit

    async with _session(settings) as session:
        return await credit.export(session, settings.cipher(), audit.SYSTEM, since, fmt)


async def _stats_month(settings: Settings, month: str, area: str) -> dict[str, Any]:
    """The month's figures (point 1 of issue 11) as the pages show them; a month not taken yet is taken first."""
    from portal.clock import local_today
    from portal.models import StatMonth
    from portal.services import statistics

    async with _session(settings) as session:
        first = statistics.parse_month(month, local_today())
        month = f"{first:%Y-%m}"
        taken = await session.get(StatMonth, month)
        if taken is None:
            await statistics.take_month(session, month)
            taken = await session.get(StatMonth, month)
        found = await statistics.month_figures(session, month, area or statistics.CITY)
        assert taken is not None
        return {"month": month, "area": found.area, "as_of": taken.as_of.isoformat(), "final": taken.final,
                "rule": taken.rule, "figures": found.values}  # fmt: skip


async def _stats_take(settings: Settings, month: str) -> dict[str, Any]:
    from portal.services import statistics

    async with _session(settings) as session:
        taken = await statistics.take_month(session, month)
    return {"month": taken.month, "final": taken.final, "taken": taken.again}


async def _tracking_compare(settings: Settings, county: str | None) -> dict[str, int]:
    from portal.adapters.social_insurance import make_social_insurance
    from portal.services import audit, tracking

    async with _session(settings) as session:
        report = await tracking.compare_due(
            session,
            settings.cipher(),
            make_social_insurance(settings.social_insurance),
            audit.SYSTEM,
            county=county,
        )
    return report.as_dict()


async def _run_due(settings: Settings) -> dict[str, object]:
    """One run, unless one is under way elsewhere (an app's schedule, another cron): then it says so and skips."""
    from portal.adapters.verification import make_sources
    from portal.db import make_engine, make_sessionmaker
    from portal.services import audit, job_lock, jobs

    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine, settings.audit_key)
    try:
        async with job_lock.one_run(
            sessionmaker, "run_due", redis_url=settings.redis_url, redis_prefix=settings.redis_prefix
        ) as session:
            if session is None:
                return {"skipped": "another run-due is under way"}
            report = await jobs.run_due(session, settings.cipher(), make_sources(settings.social_insurance).big_data)
            await session.commit()
            if session.info.get(audit.PENDING_INFO):
                await audit.seal_and_checkpoint(sessionmaker, settings.audit_checkpoint_file)
    finally:
        await engine.dispose()
    return report.as_dict()


async def _assessment(settings: Settings, month: date | None) -> dict[str, int]:
    from portal.clock import local_today
    from portal.services import assessment

    today = local_today()
    months = [month] if month else [assessment.previous_month(today), today]
    async with _session(settings) as session:
        return await assessment.compute(session, months, today)


async def _verify_audit(settings: Settings) -> dict[str, object]:
    from portal.services import audit

    async with _session(settings) as session:
        check = await audit.verify_chain(session, settings.audit_checkpoint_file)
    return {"ok": check.ok, "entries": check.entries, "unsealed": check.unsealed, "checkpoints": check.checkpoints,
            "first_broken_id": check.first_broken_id, "problem": check.problem}  # fmt: skip


async def _seal_audit(settings: Settings, full: bool) -> dict[str, object]:
    from portal.db import make_engine, make_sessionmaker
    from portal.services import audit

    engine = make_engine(settings.database_url)
    try:
        report = await audit.seal_and_checkpoint(
            make_sessionmaker(engine, settings.audit_key), settings.audit_checkpoint_file, full=full
        )
    finally:
        await engine.dispose()
    return {"sealed": report.sealed, "head": report.head_seq, "refused": report.refused, "skipped": report.skipped}


# Longer than nginx keeps an idle upstream connection (keepalive_timeout 60s in deploy/nginx.conf): the proxy,
# never the app, closes an idle one, so nginx never sends a request down a connection the app is closing.
KEEP_ALIVE_SECONDS = 65
# What a stopping worker gives requests under way (systemd's TimeoutStopSec is longer).
GRACEFUL_SECONDS = 20
# How long the supervisor waits for a worker to answer its ping before killing it as hung. uvicorn's 5 s also
# runs while a new worker is still starting its interpreter: on a busy host (a reload, another job on the cores)
# that takes longer, and every new worker was killed and started again, for ever (seen here at load 12 on 2 cores).
WORKER_HEALTHCHECK_SECONDS = 30


def _serve(settings: Settings, args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """uvicorn, one process or a supervisor of N workers (SIGHUP replaces them one by one, each new one ready
    before the old one stops; a worker that dies is replaced). The client address is left as the socket gives
    it: the portal believes X-Forwarded-For only from TRUSTED_PROXIES (portal.routes._common)."""
    import uvicorn

    from portal import preflight

    workers = preflight.workers_from(env, args.workers)
    if workers < 1:
        print("portal: --workers must be at least 1", file=sys.stderr)
        return 2
    if workers > 1 and not settings.redis_url:
        print(f"portal: {workers} workers need REDIS_URL: sessions, rate limits, cached pages and the job schedule's "
              "lock must be shared by every process (one worker works without it)", file=sys.stderr)  # fmt: skip
        return 2
    if workers > 1 and args.reload:
        print("portal: --reload serves one process: leave out --workers", file=sys.stderr)
        return 2
    if settings.is_production and (found := preflight.problems(env, workers=workers)):
        for problem in found:
            print(f"portal: {problem}", file=sys.stderr)
        return 2
    from portal import metrics

    if settings.metrics_dir is not None:
        # Prometheus multiprocess mode: the files of an earlier run would be added to this one's.
        metrics.empty_multiprocess_dir(settings.metrics_dir)
    elif workers > 1:
        # Several workers each count their own requests: /metrics must add them up, from files in a folder of
        # their own that the workers (started after this) find in their environment.
        import os
        import tempfile

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="portal-metrics-")
    uvicorn.run(
        "portal.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        reload=args.reload,
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        log_level=settings.log_level.lower(),
        # In JSON mode the portal writes its own access line (route template, status, duration, request id).
        access_log=not settings.log_json,
    )
    return 0


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """The `portal` command; `environ` stands for the process environment (the settings' source) when given."""
    parser = argparse.ArgumentParser(prog="portal", description="Zhanjiang unemployed-persons service portal")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the portal (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true")
    serve.add_argument(
        "--workers", type=int, help="worker processes (default WEB_CONCURRENCY, else 1); more than one needs REDIS_URL"
    )

    sub.add_parser("migrate", help="apply the database migrations (alembic upgrade head)")
    load = sub.add_parser("load-data", help="load reference data (service areas, local figures); idempotent")
    load.add_argument("--demo", action="store_true", help="also the demo accounts")
    rules_cli.add_parser(sub)
    operations_cli.add_parsers(sub)

    staff_cmd = sub.add_parser("staff", help="staff accounts").add_subparsers(dest="staff_command", required=True)
    create = staff_cmd.add_parser("create", help="create a staff account (password from PORTAL_NEW_PASSWORD or asked)")
    create.add_argument("--username", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=["clerk", "reviewer", "city_admin", "city_viewer"])
    create.add_argument("--area", help="service area code, for clerks and reviewers")
    jobs_cmd = sub.add_parser("jobs", help="scheduled work").add_subparsers(dest="jobs_command", required=True)
    jobs_cmd.add_parser("run-due", help="propose reasons 4, 8, 9 and flag overdue deferred cases; idempotent")
    compare = jobs_cmd.add_parser(
        "tracking-compare", help="compare everyone due a contact this month with the social-insurance data; "
        "records each once a month, proposes reason 1 for the newly insured",
    )  # fmt: skip
    compare.add_argument("--county", help="one county's code (default: the whole city)")
    assess = jobs_cmd.add_parser(
        "assessment", help="compute the county assessment's indicators for a month (default: this month and the "
        "last); idempotent",
    )  # fmt: skip
    assess.add_argument("--month", help="YYYY-MM")
    audit_cmd = sub.add_parser("audit", help="the audit log").add_subparsers(dest="audit_command", required=True)
    audit_cmd.add_parser(
        "verify", help="check the sealed chain and the checkpoints; exit 1 at the first edited, missing or forged entry"
    )
    seal = audit_cmd.add_parser("seal", help="seal committed entries into the chain and write a checkpoint")
    seal.add_argument("--full", action="store_true", help="look for unsealed entries in the whole log, not the tail")

    stats_cmd = sub.add_parser("stats", help="monthly statistics (§2.2)").add_subparsers(dest="stats_command",
                                                                                        required=True)  # fmt: skip
    stats_month = stats_cmd.add_parser("month", help="print a month's figures as one JSON object")
    stats_month.add_argument("--month", required=True, help="YYYY-MM")
    stats_month.add_argument("--area", default="", help="a service area's code (default: the whole city)")
    stats_take = stats_cmd.add_parser("take", help="count a month's people and figures (final once it is over)")
    stats_take.add_argument("--month", required=True, help="YYYY-MM")
    credit_cmd = sub.add_parser("credit", help="credit listings").add_subparsers(dest="credit_command", required=True)
    export = credit_cmd.add_parser(
        "export", help="write the listings made or ended since a day for the credit-information sharing platform "
        "(docs/credit-export.md), with FILE.sha256 beside it",
    )  # fmt: skip
    export.add_argument("--since", required=True, help="YYYY-MM-DD")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--out", help="the file to write (default credit-listings-SINCE.FORMAT)")

    args = parser.parse_args(argv)
    if args.command == "rules":
        return rules_cli.run(args)
    if args.command in operations_cli.COMMANDS:
        return operations_cli.run(args, environ)
    try:
        settings = Settings.from_env(environ)
    except SettingsError as exc:
        print(f"portal: bad setting: {exc}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        migrate(settings)
        return 0
    # Demo accounts and `staff create` hash passwords; `serve` sets the profile in create_app too.
    from portal.services.passwords import passwords

    passwords.use(settings.password_hash_profile)
    if problem := _database_problem(settings):
        print(problem, file=sys.stderr)
        return 2
    if args.command == "load-data":
        counts = asyncio.run(_load(settings, args.demo))
        print(", ".join(f"{name}: {n} added" for name, n in counts.items()))
        return 0
    if args.command == "staff":
        import getpass

        from portal.services.errors import InputError

        password = os.environ.get("PORTAL_NEW_PASSWORD") or getpass.getpass("Password for the new account: ")
        try:
            username = asyncio.run(_create_staff(settings, args, password))
        except InputError as exc:
            print(json.dumps({k: str(v) for k, v in exc.errors.items()}, ensure_ascii=False), file=sys.stderr)
            return 1
        print(json.dumps({"created": username}))
        return 0
    if args.command == "credit":
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            print("portal: --since must be a day, YYYY-MM-DD", file=sys.stderr)
            return 2
        out = Path(args.out or f"credit-listings-{since:%Y%m%d}.{args.format}")
        result = asyncio.run(_credit_export(settings, since, args.format))
        out.write_bytes(result.content)
        out.with_name(out.name + ".sha256").write_text(f"{result.sha256}  {out.name}\n")
        print(json.dumps({"file": str(out), "count": result.count, "sha256": result.sha256}))
        return 0
    if args.command == "jobs" and args.jobs_command == "assessment":
        from portal.services.assessment import parse_month

        month = parse_month(args.month) if args.month else None
        if args.month and month is None:
            print("portal: --month must be a month, YYYY-MM", file=sys.stderr)
            return 2
        print(json.dumps(asyncio.run(_assessment(settings, month))))
    if args.command == "stats":
        from portal.services.errors import InputError

        try:
            if args.stats_command == "take":
                print(json.dumps(asyncio.run(_stats_take(settings, args.month))))
            else:
                print(json.dumps(asyncio.run(_stats_month(settings, args.month, args.area[:16])), ensure_ascii=False))
        except InputError as exc:
            print(json.dumps({k: str(v) for k, v in exc.errors.items()}, ensure_ascii=False), file=sys.stderr)
            return 2
        return 0
    if args.command == "jobs" and args.jobs_command == "tracking-compare":
        print(json.dumps(asyncio.run(_tracking_compare(settings, args.county))))
        return 0
    if args.command == "jobs":
        print(json.dumps(asyncio.run(_run_due(settings)), ensure_ascii=False))
        return 0
    if args.command == "audit" and args.audit_command == "seal":
        sealed = asyncio.run(_seal_audit(settings, args.full))
        print(json.dumps(sealed))
        return 1 if sealed["refused"] else 0
    if args.command == "audit":
        result = asyncio.run(_verify_audit(settings))
        print(json.dumps(result))
        return 0 if result["ok"] else 1
    if args.command == "serve":
        return _serve(settings, args, os.environ if environ is None else environ)
    parser.error("unknown command")


if __name__ == "__main__":
    sys.exit(main())
