"""Before start: every configuration problem at once, one line each (`portal check`, and `portal serve`)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from portal.config import DEFAULT_INSTANCE_DIR, Settings

# The key files development generates into the instance folder (portal.config._key), by the setting they stand for.
DEVELOPMENT_KEY_FILES = {"PORTAL_DATA_KEY": "data.key", "PORTAL_SECRET_KEY": "secret.key", "AUDIT_KEY": "audit.key"}
_OFF = {"0", "false", "no", "off", ""}
_SECONDS = 3.0  # to give up on Redis: a check that hangs is no check


def workers_from(env: Mapping[str, str], given: int | None) -> int:
    """The worker processes `serve` starts: --workers, else WEB_CONCURRENCY (as uvicorn reads it), else one."""
    if given is not None:
        return given
    raw = env.get("WEB_CONCURRENCY", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def problems(env: Mapping[str, str], *, workers: int) -> list[str]:
    """What stops the portal from starting, or would make it run unsafely, for `workers` worker processes.
    It connects to the database and Redis in an event loop of its own: call it before one runs."""
    settings, found = Settings.read_env(env)
    production = env.get("PORTAL_ENV") == "production"
    if production and env.get("SECURE_COOKIES", "true").strip().lower() in _OFF:
        found.append("SECURE_COOKIES is off in production: sign-in cookies would also travel over plain HTTP")
    if production:
        found += _development_keys(env)
    raw_workers = env.get("WEB_CONCURRENCY", "").strip()
    if raw_workers and not (raw_workers.isdigit() and int(raw_workers) > 0):
        found.append(f"WEB_CONCURRENCY must be a whole number of workers, not {raw_workers!r}")
    if workers > 1 and not env.get("REDIS_URL"):
        found.append(f"{workers} workers without REDIS_URL: each would keep its own sessions and rate limits")
    if settings is None or not settings.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        return found  # nothing to connect to until the settings are readable
    from portal.cli import _database_problem  # the check every command makes before it runs

    if database := _database_problem(settings):
        found.append(database)
    elif settings.data_key:
        found += asyncio.run(key_problems(settings))
    if settings.statistics_database_url and (replica := _database_problem(settings, settings.statistics_database_url)):
        found.append(f"STATISTICS_DATABASE_URL (the read replica): {replica}")
    if settings.redis_url:
        found += asyncio.run(_redis_problems(settings.redis_url))
    return found


def _development_keys(env: Mapping[str, str]) -> list[str]:
    instance = Path(env.get("PORTAL_INSTANCE_DIR", str(DEFAULT_INSTANCE_DIR)))
    found = []
    for name, file_name in DEVELOPMENT_KEY_FILES.items():
        path = instance / file_name
        if not path.exists():
            continue
        if env.get(name, "").strip().lower() == path.read_text().strip().lower():
            found.append(f"{name} is the development key generated into {path}: make a new one (`portal keys new`)")
        else:
            found.append(f"{path} is a development key file: production takes its keys from the environment only, "
                         "so move it out of the instance folder")  # fmt: skip
    return found


async def key_problems(settings: Settings) -> list[str]:
    """Whether the keys read the stored ID numbers and find them again, tried on the first and the last person."""
    import sqlalchemy as sa
    from cryptography.exceptions import InvalidTag

    from portal.db import make_engine
    from portal.models import Person

    cipher = settings.cipher()
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            people = [
                (await conn.execute(sa.select(Person.id_hash, Person.id_cipher).order_by(order).limit(1))).first()
                for order in (Person.id, Person.id.desc())
            ]
    finally:
        await engine.dispose()
    for person in filter(None, people):
        try:
            number = cipher.decrypt(bytes(person.id_cipher), "id").decode()
        except InvalidTag:
            return ["PORTAL_DATA_KEY and PORTAL_OLD_DATA_KEYS do not read the stored ID numbers: a data key is "
                    "wrong or missing"]  # fmt: skip
        if cipher.keyed_hash(number, "id") != person.id_hash:
            return ["the look-up key does not find the stored ID numbers: set PORTAL_LOOKUP_KEY as it was "
                    "(`portal keys lookup-key` with the first data key)"]  # fmt: skip
    return []


async def _redis_problems(url: str) -> list[str]:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(url, socket_connect_timeout=_SECONDS, socket_timeout=_SECONDS)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        # The client's first line names the cause (refused, unknown host) without the password.
        return [f"Redis cannot be reached: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"]
    finally:
        await client.aclose()
    return []
