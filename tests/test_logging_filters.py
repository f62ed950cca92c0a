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
