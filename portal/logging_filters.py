"""Keeping ID and phone numbers out of the logs, whatever library writes the record."""

from __future__ import annotations

import logging
import re
from typing import Any

# 18-character ID numbers (and 15-digit old ones), then mainland mobile numbers.
_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")
_PHONE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")
_installed = False


# Password hashes (argon2 encodes its parameters and salt in the text).
_HASH = re.compile(r"\$argon2(?:id|i|d)\$[A-Za-z0-9+/=$,.-]+")


# asyncpg names the value it could not encode, whatever SQLAlchemy's hide_parameters says.
_BAD_ARGUMENT = re.compile(r"(invalid input for query argument \$\d+: ).*?(?= \(|$)", re.MULTILINE)


def redact(text: str) -> str:
    text = _BAD_ARGUMENT.sub(r"\1[value]", _HASH.sub("[password-hash]", text))
    return _PHONE.sub("[phone]", _ID.sub("[id-number]", text))


class RedactPersonalData(logging.Filter):
    """For handlers configured elsewhere (a deployment's own logging config can add it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


_formatter = logging.Formatter()


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed record: leave it for logging to report
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    # An exception's text (a failed insert's message, a traceback line) can carry what the message does not.
    # Formatters print `exc_text` when it is set, so it is rendered here, once, and redacted; the raw
    # exception is dropped so that no handler formats it again from `exc_info`.
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(_formatter.formatException(record.exc_info))
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install() -> None:
    """Redact every record as it is created: filters on handlers miss records that reach other
    handlers (pytest's, a deployment's), and filters on loggers miss records from child loggers."""
    global _installed  # installed once per process
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(redacting_factory)
    # aiosqlite logs every statement with its parameters at DEBUG: noise, and personal data.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    _installed = True
