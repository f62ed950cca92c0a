"""The service ledger over HTTP: filters with and without htmx, bad filters as a page of errors, the printable
record table, streamed exports, and who may see each."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from portal.models import AuditEntry, Registration, ServiceChannel, ServiceKind, ServiceResult, StaffUser
from portal.services import service_records
from portal.services.staff import scope_of
from tests.conftest import HTMX
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case, sign_in_staff


async def _with_records(db, services) -> Registration:
    await create_named_staff(db)
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    registration = await registered_case(db, services, reviewer)
    for day, kind in ((date(2026, 10, 5), ServiceKind.TRACKING), (date(2026, 11, 2), ServiceKind.GUIDANCE)):
        await service_records.add(db, registration.id, day, kind, ServiceChannel.PHONE, ServiceResult.REACHED,
                                  f"{day:%m}月联系", reviewer.staff_id)  # fmt: skip
    await db.commit()
    return registration


async def test_the_ledger_filters_without_javascript_and_with_htmx_returns_only_the_list(client, services, db) -> None:
    registration = await _with_records(db, services)
    await sign_in_staff(client, "chikan_clerk")
    whole = await client.get("/staff/ledger")
    assert whole.status_code == 200
    assert "10月联系" in whole.text
    assert "11月联系" in whole.text
    assert whole.headers["cache-control"] == "no-store"
    narrowed = await client.get("/staff/ledger?kind=guidance", headers={**HTMX, "HX-Target": "ledger-list"})
    assert narrowed.text.lstrip().startswith('<div id="ledger-list"')
    assert "11月联系" in narrowed.text
    assert "10月联系" not in narrowed.text
    assert f"/staff/ledger/{registration.number}/record-table" in narrowed.text


async def test_a_bad_filter_answers_400_with_the_error_beside_its_field(client, services, db) -> None:
    await _with_records(db, services)
    await sign_in_staff(client, "chikan_clerk")
    response = await client.get("/staff/ledger?date_from=2026-02-31&kind=x&staff_member=" + "9" * 40)
    assert response.status_code == 400
    assert 'href="#date_from"' in response.text
    assert 'href="#kind"' in response.text
    assert 'value="2026-02-31"' in response.text  # what was typed comes back


async def test_the_record_table_prints_the_persons_contacts(client, services, db) -> None:
    registration = await _with_records(db, services)
    await sign_in_staff(client, "chikan_clerk")
    response = await client.get(f"/staff/ledger/{registration.number}/record-table")
    assert response.status_code == 200
    assert "失业人员定期联系情况记录表" in response.text
    assert response.text.index("10月联系") < response.text.index("11月联系")
    assert 'class="staff printable"' in response.text


async def test_a_csv_export_streams_the_filtered_ledger_and_is_audited(client, services, db) -> None:
    registration = await _with_records(db, services)
    await sign_in_staff(client, "chikan_clerk")
    response = await client.get(f"/staff/ledger/export?file=csv&number={registration.number}&kind=tracking")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[8] for row in rows[1:]] == ["10月联系"]
    assert await db.scalar(select(AuditEntry.action).where(AuditEntry.action == "ledger.export")) == "ledger.export"


async def test_an_unknown_export_format_is_a_400_page(client, services, db) -> None:
    await _with_records(db, services)
    await sign_in_staff(client, "chikan_clerk")
    response = await client.get("/staff/ledger/export?file=pdf")
    assert response.status_code == 400
    assert "<html" in response.text


SEE = dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303}
TABLE = {
    "chikan_clerk": 200, "chikan_reviewer": 200, "xiashan_clerk": 404, "xiashan_reviewer": 404,
    "city_admin": 200, "city_viewer": 200, "resident": 303, "anonymous": 303,
}  # fmt: skip


@pytest.mark.parametrize("who", USERS)
async def test_who_may_see_the_ledger_its_record_tables_and_exports(client, services, db, who: str) -> None:
    registration = await _with_records(db, services)
    await _as(client, services, db, who)
    listed = await client.get("/staff/ledger", follow_redirects=False)
    assert listed.status_code == SEE[who]
    exported = await client.get("/staff/ledger/export?file=csv", follow_redirects=False)
    assert exported.status_code == SEE[who]
    if who.startswith("xiashan"):  # another county's ledger: nothing of 赤坎's
        assert "10月联系" not in listed.text
        assert "10月联系" not in exported.text
    table = await client.get(f"/staff/ledger/{registration.number}/record-table", follow_redirects=False)
    assert table.status_code == TABLE[who]
