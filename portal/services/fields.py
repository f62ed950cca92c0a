"""What every form shares: free text within its length, integers within what the database holds, dates, and
the options of a choice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from portal.i18n import _l
from portal.services.errors import NotFound

# Free-text notes staff write on a case (evidence, reasons, contacts): a page of text, not a file.
NOTE_MAX = 2000
# PostgreSQL's BIGINT and SQLite's INTEGER: a larger number in a query is an error, not "no row".
DB_INT_MIN = -(2**63)
DB_INT_MAX = 2**63 - 1
# Content the bureau has not confirmed yet (policies, the service list) is marked as a sample where it shows.
SAMPLE_LABELS: dict[str, object] = {
    "yes": _l("Yes: sample content, marked as such"),
    "no": _l("No: confirmed by the bureau"),
}


def too_long(text: str, limit: int) -> object | None:
    """The error to show beside a field whose text is longer than `limit` characters."""
    if len(text) > limit:
        return _l("Use at most %(limit)s characters", limit=limit)
    return None


def check_lengths(errors: dict[str, object], limits: Mapping[str, tuple[str, int]]) -> None:
    """Add a length error for each field (name: (text, limit)) that has no error yet."""
    for name, (text, limit) in limits.items():
        if name not in errors and (error := too_long(text, limit)) is not None:
            errors[name] = error


def db_int(raw: str | int | None) -> int | None:
    """The integer in `raw` if the database can compare with it, otherwise None."""
    try:
        number = raw if isinstance(raw, int) else int((raw or "").strip())
    except ValueError:
        return None
    return number if DB_INT_MIN <= number <= DB_INT_MAX else None


def record_id(raw: str | int) -> int:
    """A record's id from a path: a positive number the database can hold, or the record is not found."""
    number = db_int(raw if isinstance(raw, int) else raw[:20])
    if number is None or number < 1:
        raise NotFound()
    return number


def parse_date(raw: str | None) -> date | None:
    """A date typed as 2026-11-20, or None when it is not one."""
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def past_date(raw: str | None, today: date) -> date | None:
    """A real date that is today or before, or None: when something happened."""
    day = parse_date(raw)
    return day if day is not None and day <= today else None


@dataclass(frozen=True)
class Choice:
    """An option of a radio group, a set of checkboxes or a select: the value sent and the words shown."""

    value: str
    label: object
    hint: object | None = None


def options(labels: Mapping[str, object], *, leave_out: Iterable[str] = ()) -> list[Choice]:
    """The options of a field, in the order of its wording map."""
    left_out = set(leave_out)
    return [Choice(str(value), label) for value, label in labels.items() if value not in left_out]


def labels_of(labels: Mapping[str, object], values: Iterable[str]) -> list[str]:
    """The words of the chosen values, in the wording map's order."""
    chosen = set(values)
    return [str(label) for value, label in labels.items() if value in chosen]
