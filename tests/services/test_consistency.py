"""The consistency check with the statistical report: figures entered or uploaded (CSV, XLSX from the template)
compared with the portal's; differences kept, explained and audited; files that are not the template refused."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.models import AuditEntry, ConsistencyLine
from portal.services import consistency, staff_accounts, statistics
from portal.services.errors import InputError, NotAllowed, NotFound
from portal.services.staff import scope_of
from tests.staffing import STAFF_PASSWORD, registered_case

MONTH = f"{date.today():%Y-%m}"


async def _one_registered(db, services, scopes) -> None:
    await registered_case(db, services, scopes["reviewer"])
    await statistics.take_month(db, MONTH)
    await db.commit()


def _csv(lines: list[str]) -> bytes:
    return ("figure,what,value\n" + "\n".join(lines) + "\n").encode()


async def test_entered_figures_are_compared_and_every_difference_kept(db, services, scopes) -> None:
    await _one_registered(db, services, scopes)
    check_id = await consistency.check(db, scopes["reviewer"], month=MONTH, area="",
                                       form={"registered": "3", "urban": "1", "inflow": ""})  # fmt: skip
    await db.commit()
    found = await consistency.result(db, scopes["reviewer"], check_id)
    assert found.check.differences == 1
    assert [(line.figure.key, line.report_value, line.portal_value, line.difference) for line in found.lines] == [
        ("registered", 3, 1, 2), ("urban", 1, 1, 0),
    ]  # fmt: skip
    assert found.unexplained == 1
    await consistency.explain(
        db, scopes["reviewer"], check_id, "registered", "报表含两名本月底前已迁入尚未转移登记的人员"
    )
    await db.commit()
    assert (await consistency.result(db, scopes["reviewer"], check_id)).unexplained == 0
    with pytest.raises(NotFound):  # no difference to explain there
        await consistency.explain(db, scopes["reviewer"], check_id, "urban", "x")
    actions = (await db.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "consistency_check")
                                .order_by(AuditEntry.id))).all()  # fmt: skip
    assert actions == ["consistency.check", "consistency.explain"]


async def test_a_report_uploaded_from_the_csv_or_xlsx_template(db, services, scopes) -> None:
    await _one_registered(db, services, scopes)
    sheet = load_workbook(io.BytesIO(consistency.template("xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "registered"
    assert len(rows) == 1 + len(statistics.FIGURES)
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["figure", "what", "value"])
    book.active.append(["registered", "", 1])
    book.active.append(["sex:M", "", 5])
    out = io.BytesIO()
    book.save(out)
    from_xlsx = await consistency.check(db, scopes["reviewer"], month=MONTH, area="", form={}, data=out.getvalue())
    with_bom = "\ufeff".encode() + _csv(["registered,x,1", "inflow,x,", "sex:M,x,1"])
    from_csv = await consistency.check(db, scopes["reviewer"], month=MONTH, area="", form={}, data=with_bom)
    await db.commit()
    assert (
        await consistency.result(db, scopes["reviewer"], from_xlsx)
    ).check.differences == 1  # 5 men, 1 in the portal
    assert (await consistency.result(db, scopes["reviewer"], from_csv)).check.differences == 0
    assert set(await db.scalars(select(ConsistencyLine.figure).where(ConsistencyLine.check_id == from_csv))) == {
        "registered", "sex:M"}  # fmt: skip


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04 not really a zip", b"\xff\xfe\x00\x00garbage\x00", _csv(["nonsense,x,1"]), _csv(["registered,x,-4"]),
     _csv(["registered,x,1e9"]), b"x" * (consistency.UPLOAD_MAX_BYTES + 1)],
)  # fmt: skip
async def test_a_file_that_is_not_the_template_filled_in_is_refused_with_the_reason(
    db, services, scopes, data: bytes
) -> None:
    await _one_registered(db, services, scopes)
    with pytest.raises(InputError) as raised:
        await consistency.check(db, scopes["reviewer"], month=MONTH, area="", form={}, data=data)
    assert set(raised.value.errors) == {"file"}


async def test_the_form_needs_a_figure_and_whole_numbers(db, services, scopes) -> None:
    await _one_registered(db, services, scopes)
    with pytest.raises(InputError) as nothing:
        await consistency.check(db, scopes["reviewer"], month=MONTH, area="", form={})
    assert set(nothing.value.errors) == {"registered"}
    with pytest.raises(InputError) as bad:
        await consistency.check(db, scopes["reviewer"], month=MONTH, area="", form={"registered": "1.5", "urban": "-1"})
    assert set(bad.value.errors) == {"registered", "urban"}


async def test_who_may_check_and_see_which_areas(db, services, scopes) -> None:
    await _one_registered(db, services, scopes)
    check_id = await consistency.check(db, scopes["admin"], month=MONTH, area="440802", form={"registered": "1"})
    city_id = await consistency.check(db, scopes["admin"], month=MONTH, area="", form={"registered": "1"})
    await db.commit()
    assert (await consistency.result(db, scopes["admin"], city_id)).check.area == statistics.CITY
    assert (await consistency.result(db, scopes["reviewer"], check_id)).check.area == "440802"
    with pytest.raises(NotFound):  # the city's check is not a county's to read
        await consistency.result(db, scopes["reviewer"], city_id)
    viewer = scope_of(await staff_accounts.create(db, staff_accounts.audit.SYSTEM, username="city.viewer",
                                                  full_name="v", password=STAFF_PASSWORD, role="city_viewer",
                                                  area_code=None))  # fmt: skip
    with pytest.raises(NotAllowed):
        await consistency.check(db, viewer, month=MONTH, area="", form={"registered": "1"})
    with pytest.raises(InputError):  # a county's staff check their own county only
        await consistency.check(db, scopes["reviewer"], month=MONTH, area="440803", form={"registered": "1"})
