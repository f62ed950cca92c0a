"""The consistency check with the statistical report (一致性校验, §2.2 of the notice: 加强就业信息系统数据与统计报表
数据的一致性校验). Staff enter the report's figures for a month, or upload them (CSV or XLSX, from a template to
download); the portal compares them with its own figures for that month and area, keeps the result, and shows
every difference with the people behind the portal's side, where an explanation is recorded."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import local_today
from portal.i18n import _l
from portal.models import ConsistencyCheck, ConsistencyLine, StaffRole, StatMonth
from portal.models.base import utcnow
from portal.services import audit, fields, paging, statistics
from portal.services.errors import InputError, NotAllowed, NotFound
from portal.services.staff import Scope

UPLOAD_MAX_BYTES = 512_000
UPLOAD_MAX_ROWS = 500
VALUE_MAX = 100_000_000
EXPLANATION_MAX = 1000
PAGE_SIZE = 20
# The figures the form asks for (an upload may give any of the portal's figures).
FORM_FIGURES = (
    "registered",
    "urban",
    "inflow",
    "outflow",
    "outflow_employed",
    "outflow_exited",
    "certified",
    "in_post",
)
TEMPLATE_HEADER = ("figure", "指标 / what is counted", "value")

VALUE_INVALID = _l("Enter a whole number of people, 0 or more")
NOTHING_GIVEN = _l("Enter at least one figure of the report, or upload a file")
FILE_UNREADABLE = _l("The file is not a CSV or XLSX made from the template")
FILE_TOO_BIG = _l("The file is larger than 500 KB")
FILE_LINE_INVALID = _l("Line %(line)s: %(problem)s")
FIGURE_UNKNOWN = _l("not one of the portal's figures (see the template)")
NUMBER_INVALID = _l("the value is not a whole number of people")
EXPLANATION_REQUIRED = _l("Write what explains the difference")


def may_check(scope: Scope) -> bool:
    """County clerks and reviewers for their county; the city administrator for any county or the whole city."""
    return scope.can_act or scope.role is StaffRole.CITY_ADMIN


def template(fmt: str) -> bytes:
    """The file to fill in: one line per figure the portal counts, its words, and an empty value."""
    rows = [[figure.key, str(figure.label), ""] for figure in statistics.FIGURES]
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title="统计报表")
        sheet.append(list(TEMPLATE_HEADER))
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TEMPLATE_HEADER)
    writer.writerows(rows)
    return "\ufeff".encode() + buffer.getvalue().encode()


def _rows_of(data: bytes, filename: str) -> tuple[str, list[list[Any]]]:
    """The upload's rows (the header left out) and its kind; a file that is neither is an error."""
    if len(data) > UPLOAD_MAX_BYTES:
        raise InputError({"file": FILE_TOO_BIG})
    if data[:2] == b"PK":  # a zip: an XLSX
        from zipfile import BadZipFile

        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            rows: list[list[Any]] = [
                list(row) for row in islice(sheet.iter_rows(values_only=True), UPLOAD_MAX_ROWS + 1)
            ]
        except (BadZipFile, KeyError, ValueError, IndexError, OSError):
            raise InputError({"file": FILE_UNREADABLE}) from None
        return "xlsx", rows[1:]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError({"file": FILE_UNREADABLE}) from None
    if "\x00" in text:
        raise InputError({"file": FILE_UNREADABLE})
    reader = csv.reader(io.StringIO(text, newline=""))
    lines: list[list[Any]] = [list(row) for row in islice(reader, UPLOAD_MAX_ROWS + 1)]
    return "csv", lines[1:]


def _value(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float) and float(raw).is_integer():
        number: int | None = int(raw)
    else:
        text = str(raw or "").strip().replace(",", "")
        number = fields.db_int(text) if text.isdigit() else None
    return number if number is not None and 0 <= number <= VALUE_MAX else None


def _from_file(data: bytes, filename: str) -> tuple[str, dict[str, int]]:
    kind, rows = _rows_of(data, filename)
    values: dict[str, int] = {}
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):
        if not any(str(cell or "").strip() for cell in row):
            continue
        key = str(row[0] or "").strip() if row else ""
        raw = row[2] if len(row) > 2 else (row[1] if len(row) > 1 else "")
        if key not in statistics.BY_KEY:
            problems.append(str(FILE_LINE_INVALID) % {"line": line, "problem": FIGURE_UNKNOWN})
        elif str(raw or "").strip() == "":
            continue  # a figure the report does not give
        elif (number := _value(raw)) is None:
            problems.append(str(FILE_LINE_INVALID) % {"line": line, "problem": NUMBER_INVALID})
        else:
            values[key] = number
    if problems:
        raise InputError({"file": "；".join(problems[:10])})
    return kind, values


def _from_form(form: dict[str, str]) -> dict[str, int]:
    values: dict[str, int] = {}
    errors: dict[str, object] = {}
    for key in FORM_FIGURES:
        raw = form.get(key, "").strip()
        if not raw:
            continue
        number = _value(raw[:20])
        if number is None:
            errors[key] = VALUE_INVALID
        else:
            values[key] = number
    if errors:
        raise InputError(errors)
    return values


async def check(
    session: AsyncSession, scope: Scope, *, month: str, area: str, form: dict[str, str], data: bytes | None = None,
    filename: str = "", today: date | None = None,
) -> int:  # fmt: skip
    """Compare the report's figures with the portal's for the month and area; keep and audit the result. The
    month is counted first if it has not been yet. The check's id."""
    if not may_check(scope):
        raise NotAllowed()
    today = today or local_today()
    first = statistics.parse_month(month, today)
    month = f"{first:%Y-%m}"
    area = statistics.area_for(scope, area)
    if data:
        source, values = _from_file(data, filename)
    else:
        source, values = "form", _from_form(form)
    if not values:
        raise InputError({"file" if data else FORM_FIGURES[0]: NOTHING_GIVEN})
    if await session.get(StatMonth, month) is None:
        await statistics.take_month(session, month, today)
    taken = await session.get(StatMonth, month)
    assert taken is not None
    portal = (await statistics.month_figures(session, month, area, today)).values
    differences = sum(1 for key, value in values.items() if portal[key] != value)
    made = ConsistencyCheck(month=month, area=area, source=source, portal_as_of=taken.as_of.isoformat(),
                            portal_final=taken.final, differences=differences, created_by=scope.staff_id)  # fmt: skip
    session.add(made)
    await session.flush()
    session.add_all([
        ConsistencyLine(check_id=made.id, figure=key, report_value=value, portal_value=portal[key])
        for key, value in values.items()
    ])  # fmt: skip
    await session.flush()
    await audit.record(session, scope.actor, "consistency.check", "consistency_check", made.id,
                       {"month": month, "area": area, "source": source, "figures": len(values),
                        "differences": differences})  # fmt: skip
    return made.id


@dataclass(frozen=True)
class Line:
    figure: statistics.Figure
    report_value: int
    portal_value: int
    explanation: str

    @property
    def difference(self) -> int:
        return self.report_value - self.portal_value


@dataclass(frozen=True)
class Result:
    check: ConsistencyCheck
    lines: list[Line]  # the differences first

    @property
    def unexplained(self) -> int:
        return sum(1 for line in self.lines if line.difference and not line.explanation)


def _visible(scope: Scope) -> list[Any]:
    return [] if scope.is_city else [ConsistencyCheck.area == scope.area_code]


async def result(session: AsyncSession, scope: Scope, check_id: int) -> Result:
    made = await session.get(ConsistencyCheck, check_id)
    if made is None or not (scope.is_city or made.area == scope.area_code):
        raise NotFound()
    lines = await session.scalars(select(ConsistencyLine).where(ConsistencyLine.check_id == check_id))
    order = {figure.key: n for n, figure in enumerate(statistics.FIGURES)}
    shown = [Line(statistics.BY_KEY[line.figure], line.report_value, line.portal_value, line.explanation)
             for line in lines if line.figure in statistics.BY_KEY]  # fmt: skip
    shown.sort(key=lambda line: (line.difference == 0, order[line.figure.key]))
    return Result(made, shown)


@dataclass(frozen=True)
class ChecksPage:
    checks: list[ConsistencyCheck]
    page: int
    pages: int


async def checks(session: AsyncSession, scope: Scope, *, page: int = 1) -> ChecksPage:
    where = _visible(scope)
    total = await session.scalar(select(func.count()).select_from(ConsistencyCheck).where(*where)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    found = await session.scalars(
        select(ConsistencyCheck).where(*where).order_by(ConsistencyCheck.id.desc()).limit(win.limit).offset(win.offset)
    )
    return ChecksPage(list(found), win.page, win.pages)


async def explain(session: AsyncSession, scope: Scope, check_id: int, figure: str, text: str) -> None:
    """Record (or correct) what explains a difference; audited with the words."""
    await result(session, scope, check_id)  # in scope, or not found
    if not may_check(scope):
        raise NotAllowed()
    errors: dict[str, object] = {}
    if not text.strip():
        errors["explanation"] = EXPLANATION_REQUIRED
    fields.check_lengths(errors, {"explanation": (text.strip(), EXPLANATION_MAX)})
    if errors:
        raise InputError(errors)
    moved = await session.execute(
        update(ConsistencyLine)
        .where(ConsistencyLine.check_id == check_id, ConsistencyLine.figure == figure,
               ConsistencyLine.report_value != ConsistencyLine.portal_value)
        .values(explanation=text.strip(), explained_by=scope.staff_id, explained_at=utcnow())
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if not cast(CursorResult[Any], moved).rowcount:
        raise NotFound()  # no such difference in this check
    await audit.record(session, scope.actor, "consistency.explain", "consistency_check", check_id,
                       {"figure": figure, "explanation": text.strip()})  # fmt: skip
