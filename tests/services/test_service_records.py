"""Service records: a contact or service recorded at once, on a registered person, with each field checked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.models import AuditEntry, ServiceChannel, ServiceKind, ServiceResult, StaffRole
from portal.services import service_records
from portal.services.errors import Conflict, InputError, NotAllowed
from portal.services.staff import Scope
from tests.staffing import make_case, registered_case

CITY_VIEWER = Scope(0, "city.viewer", "市局查询", StaffRole.CITY_VIEWER, None)
TODAY = date(2026, 11, 30)


async def test_a_contact_is_recorded_typed_and_audited(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    record = await service_records.record(
        db, scopes["reviewer"], registration.number, day="2026-11-29", kind="guidance", channel="visit",
        result="reached", note=" 上门指导 ", today=TODAY,
    )  # fmt: skip
    await db.commit()
    assert (record.kind, record.channel, record.result) == (
        ServiceKind.GUIDANCE, ServiceChannel.VISIT, ServiceResult.REACHED
    )  # fmt: skip
    assert record.note == "上门指导"
    assert [r.id for r in await service_records.of_registration(db, registration.id)] == [record.id]
    assert await db.scalar(select(AuditEntry.action).where(AuditEntry.action == "case.contact")) == "case.contact"


async def test_each_wrong_field_has_its_own_message_and_nothing_is_recorded(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    with pytest.raises(InputError) as raised:
        await service_records.record(
            db, scopes["reviewer"], registration.number, day=(TODAY + timedelta(days=1)).isoformat(), kind="chat",
            channel="", result="maybe", note="x" * 2001, today=TODAY,
        )  # fmt: skip
    errors = raised.value.errors
    assert str(errors.pop("service_note")) == "不能超过2000个字符"
    assert errors == {
        "service_day": service_records.DAY_INVALID, "service_kind": service_records.KIND_REQUIRED,
        "service_channel": service_records.CHANNEL_REQUIRED, "service_result": service_records.RESULT_REQUIRED,
    }  # fmt: skip
    assert await service_records.of_registration(db, registration.id) == []


async def test_only_registered_people_get_records_and_only_from_county_staff(db, services, scopes) -> None:
    case = await make_case(db, services)
    valid = {"day": "2026-11-29", "kind": "tracking", "channel": "phone", "result": "not_reached", "note": ""}
    with pytest.raises(Conflict):
        await service_records.record(db, scopes["reviewer"], case.number, **valid, today=TODAY)
    with pytest.raises(NotAllowed):
        await service_records.record(db, CITY_VIEWER, case.number, **valid, today=TODAY)
