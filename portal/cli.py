"""The `portal` command: serve, migrate, load data, and run the domain rules."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from portal import rules_cli
from portal.config import PROJECT_ROOT, Settings, SettingsError


def _alembic_config(database_url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def migrate(settings: Settings) -> None:
    from alembic import command

    if settings.database_url.startswith("sqlite"):
        path = settings.database_url.split("///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(_alembic_config(settings.database_url), "head")


async def _load(settings: Settings, demo: bool) -> dict[str, int]:
    from portal import demo as demo_data
    from portal.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            counts = await demo_data.load_reference_data(session)
            if demo:
                counts["demo_accounts"] = await demo_data.load_demo_accounts(session)
        return counts
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="portal", description="Zhanjiang unemployed-persons service portal")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the portal (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true")

    sub.add_parser("migrate", help="apply the database migrations (alembic upgrade head)")
    load = sub.add_parser("load-data", help="load reference data (service areas, local figures); idempotent")
    load.add_argument("--demo", action="store_true", help="also the demo accounts")
    rules_cli.add_parser(sub)

    args = parser.parse_args(argv)
    if args.command == "rules":
        return rules_cli.run(args)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"portal: bad setting: {exc}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        migrate(settings)
        return 0
    if args.command == "load-data":
        counts = asyncio.run(_load(settings, args.demo))
        print(", ".join(f"{name}: {n} added" for name, n in counts.items()))
        return 0
    if args.command == "serve":
        import uvicorn

        uvicorn.run(
            "portal.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            reload=args.reload,
            proxy_headers=False,
            log_level=settings.log_level.lower(),
        )
        return 0
    parser.error("unknown command")
    return 2


if __name__ == "__main__":
    sys.exit(main())
