"""`portal check`: every configuration problem before start, one a line, exit 1; "ok" and exit 0 when there is none."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import date

from portal.cli import main
from portal.crypto import Cipher
from portal.db import make_engine, make_sessionmaker
from portal.models import Person
from portal.preflight import problems, workers_from
from tests.conftest import make_id
from tests.own_database import KEYS, own_database, portal_env

NOT_MIGRATED = "The database is not migrated: run `portal migrate` first."


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_production_configuration_reports_every_problem_at_once(tmp_path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "data.key").write_text("44" * 32)  # what a development run generated there
    env = {
        "PORTAL_ENV": "production", "PORTAL_INSTANCE_DIR": str(instance),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'never-made.db'}",
        "PORTAL_DATA_KEY": "44" * 32, "PORTAL_SECRET_KEY": "22" * 32,  # and no AUDIT_KEY
        "BASE_URL": "http://jy.example.cn", "SECURE_COOKIES": "false",
    }  # fmt: skip

    assert problems(env, workers=4) == [
        "AUDIT_KEY is required in production",
        "BASE_URL must use https in production",
        "the development SMS outbox cannot be used in production",
        "SECURE_COOKIES is off in production: sign-in cookies would also travel over plain HTTP",
        f"PORTAL_DATA_KEY is the development key generated into {instance / 'data.key'}: make a new one "
        "(`portal keys new`)",
        "4 workers without REDIS_URL: each would keep its own sessions and rate limits",
        NOT_MIGRATED,
    ]
    assert not (tmp_path / "never-made.db").exists()
    assert not (instance / "audit.key").exists()  # production generates no key


def test_a_development_key_file_left_in_productions_instance_folder_is_reported(tmp_path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret.key").write_text("99" * 32)
    env = {"PORTAL_ENV": "production", "PORTAL_INSTANCE_DIR": str(instance), **KEYS}
    assert (
        f"{instance / 'secret.key'} is a development key file: production takes its keys from the environment "
        "only, so move it out of the instance folder"
    ) in problems(env, workers=1)


def test_every_bad_value_is_reported_not_the_first_only(tmp_path, capsys) -> None:
    env = portal_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", SMS_PER_HOUR="many", LOG_LEVEL="loud",
                     TRUSTED_PROXIES="nginx", PORTAL_OLD_DATA_KEYS="abc")  # fmt: skip
    assert main(["check"], env) == 1
    assert capsys.readouterr().out.splitlines() == [
        "PORTAL_OLD_DATA_KEYS must be 64 hex characters",
        "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR",
        "TRUSTED_PROXIES must list addresses or networks, not 'nginx'",
        "SMS_PER_HOUR must be a whole number, not 'many'",
        NOT_MIGRATED,
    ]


def test_several_workers_need_redis_whether_told_by_option_or_by_web_concurrency(tmp_path, capsys) -> None:
    env = portal_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", WEB_CONCURRENCY="3")
    assert workers_from(env, None) == 3
    assert workers_from(env, 1) == 1
    assert main(["check"], env) == 1
    assert "3 workers without REDIS_URL: each would keep its own sessions and rate limits" in capsys.readouterr().out
    assert main(["check", "--workers", "2"], {**env, "WEB_CONCURRENCY": "lots"}) == 1
    out = capsys.readouterr().out.splitlines()
    assert "WEB_CONCURRENCY must be a whole number of workers, not 'lots'" in out
    assert "2 workers without REDIS_URL: each would keep its own sessions and rate limits" in out


def test_an_unreachable_database_or_redis_is_reported_in_one_line_each(tmp_path, capsys) -> None:
    env = portal_env(tmp_path, f"postgresql+asyncpg://portal:s3cret-pw@127.0.0.1:{_closed_port()}/portal",
                     REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")  # fmt: skip
    assert main(["check", "--workers", "2"], env) == 1
    database, redis = capsys.readouterr().out.splitlines()
    assert database.startswith("The database cannot be reached: ")
    assert redis.startswith("Redis cannot be reached: ")
    assert "s3cret-pw" not in database


async def _a_person(url: str) -> None:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine, b"3" * 32)() as session:
            cipher, number = Cipher(bytes.fromhex(KEYS["PORTAL_DATA_KEY"])), make_id(date(1980, 1, 1))
            session.add(Person(id_hash=cipher.keyed_hash(number, "id"), id_cipher=cipher.encrypt(number.encode(), "id"),
                               name="测试", sex="M", birth_date=date(1980, 1, 1)))  # fmt: skip
            await session.commit()
    finally:
        await engine.dispose()


def test_a_sound_configuration_is_ok_and_a_data_key_that_reads_nothing_is_not(tmp_path, capsys) -> None:
    with own_database(tmp_path, "preflight") as url:
        redis = {"REDIS_URL": os.environ["TEST_REDIS_URL"]} if os.environ.get("TEST_REDIS_URL") else {}
        env = portal_env(tmp_path, url, **redis)
        assert main(["check"], env) == 1
        assert capsys.readouterr().out == f"{NOT_MIGRATED}\n"
        assert main(["migrate"], env) == 0
        asyncio.run(_a_person(url))
        capsys.readouterr()

        assert main(["check", "--workers", "2" if redis else "1"], env) == 0
        assert capsys.readouterr().out == "ok\n"
        assert main(["check"], {**env, "PORTAL_DATA_KEY": "44" * 32}) == 1
        assert capsys.readouterr().out == (
            "PORTAL_DATA_KEY and PORTAL_OLD_DATA_KEYS do not read the stored ID numbers: a data key is wrong or "
            "missing\n"
        )
