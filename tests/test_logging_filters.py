"""Personal numbers are removed from log records whoever logs them."""

from __future__ import annotations

import logging

from portal.logging_filters import RedactPersonalData, redact


def test_id_and_phone_numbers_are_redacted() -> None:
    text = "id 44080219900101002X phone 13812345678 and +8613812345678 order 12345"
    assert redact(text) == "id [id-number] phone [phone] and [phone] order 12345"


def test_filter_rewrites_the_record_message() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "login for %s", ("13812345678",), None)
    assert RedactPersonalData().filter(record)
    assert record.getMessage() == "login for [phone]"


def test_installed_redaction_covers_records_from_any_logger(caplog) -> None:
    from portal.logging_filters import install

    install()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("some.library").debug("params %s", ("44080219900101002X", "13812345678"))
    assert "44080219900101002X" not in caplog.text
    assert "13812345678" not in caplog.text


def test_password_hashes_are_redacted() -> None:
    text = "VALUES ('13812345678', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', 'zh_CN')"
    assert redact(text) == "VALUES ('[phone]', '[password-hash]', 'zh_CN')"


def test_the_value_asyncpg_could_not_encode_is_redacted() -> None:
    text = "invalid input for query argument $3: '王秀英\x00' (invalid byte sequence)"
    assert redact(text) == "invalid input for query argument $3: [value] (invalid byte sequence)"


def test_exception_text_and_traceback_are_redacted(caplog) -> None:
    from portal.logging_filters import install

    install()
    caplog.set_level(logging.ERROR)
    try:
        raise ValueError("duplicate key (phone)=(13812345678) for 44080219900101002X")
    except ValueError:
        logging.getLogger("portal.test").exception("sign-up failed")
    assert "sign-up failed" in caplog.text
    assert "ValueError: duplicate key (phone)=([phone]) for [id-number]" in caplog.text
    assert "13812345678" not in caplog.text
    assert "44080219900101002X" not in caplog.text


async def test_a_failed_insert_logs_no_personal_data(services, caplog) -> None:
    """What a real database error looks like in the log: the statement, never its parameters."""
    from datetime import date

    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from portal.logging_filters import install

    install()
    caplog.set_level(logging.DEBUG)
    insert = text("INSERT INTO people (id_hash, id_cipher, name, sex, birth_date, created_at, updated_at)"
                  " VALUES (:h, :c, :name, :sex, :birth, '2026-11-27', '2026-11-27')")  # fmt: skip
    params = {"h": "x" * 64, "c": b"secret", "name": "王秀英", "sex": "F", "birth": date(1985, 6, 15)}
    async with services.sessionmaker() as session:
        await session.execute(insert, params)
        try:
            await session.execute(insert, params)  # the same keyed hash twice: unique violation
        except IntegrityError:
            logging.getLogger("portal.test").exception("insert failed")
        await session.rollback()
    assert "insert failed" in caplog.text
    assert "IntegrityError" in caplog.text
    assert "INSERT INTO people" in caplog.text  # the statement is shown, to find the fault
    assert "王秀英" not in caplog.text
    assert "1985-06-15" not in caplog.text
