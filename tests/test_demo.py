"""The demo data `make run` loads shows every page of the policies and services with content that differs and says
why: three registered residents months into their registration, their checklists, a policy application waiting, a
request answered and one overdue, a service history of several kinds, and someone behind on the 12333 minimum."""

from __future__ import annotations

from sqlalchemy import select

from portal.demo import DEMO_PEOPLE, load_demo_services, load_demo_staff
from portal.models import (
    PolicyApplication,
    PolicyApplicationStatus,
    RequestStatus,
    ResidentAccount,
    ServiceRequest,
    StaffUser,
)
from portal.services import audit, policies, service_history, service_minimum, service_requests
from portal.services.staff import scope_of


async def _account_id(db, phone: str) -> int:
    return await db.scalar(select(ResidentAccount.id).where(ResidentAccount.phone == phone))


async def test_the_demo_people_show_every_new_page_with_content_that_differs(db, services) -> None:
    await load_demo_staff(db)
    assert await load_demo_services(db, services.cipher, services.social_insurance, services.sms) == 3
    await db.commit()
    chen, wu, zhou = [await _account_id(db, person.phone) for person in DEMO_PEOPLE]

    fitting = {}
    for account_id in (chen, wu, zhou):
        mine = await policies.resident_checklist(db, services.cipher, services.social_insurance, account_id)
        fitting[account_id] = {fit.policy.code for fit in mine.fits if fit.outcome.eligible}
    assert len({frozenset(codes) for codes in fitting.values()}) == 3  # three different checklists
    assert {"P06", "P10"} <= fitting[chen]  # wants training; certified with an employment difficulty
    assert {"P04", "P05"} <= fitting[wu]  # wants to start a business
    assert "P06" not in fitting[zhou]  # took P01: no other employment subsidy
    zhou_p06 = next(f for f in (await policies.resident_checklist(db, services.cipher, services.social_insurance,
                                                                  zhou)).fits if f.policy.code == "P06")  # fmt: skip
    assert any("P01" in words for words in zhou_p06.outcome.missing)

    waiting = await db.scalar(select(PolicyApplication).where(PolicyApplication.account_id == chen,
                                                              PolicyApplication.policy_code == "P06"))  # fmt: skip
    assert waiting.status is PolicyApplicationStatus.DEFERRED

    statuses = {r.account_id: r for r in await db.scalars(select(ServiceRequest))}
    assert statuses[chen].status is RequestStatus.ANSWERED
    late = await service_requests.thread_of_account(db, wu, statuses[wu].number)
    assert late.overdue

    history = await service_history.of_account(db, chen)
    assert len({row.record.kind for row in history.records}) >= 4
    assert history.year is not None
    assert not history.year.behind

    city = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "city.viewer")))
    behind = await service_minimum.behind(db, city)
    assert [row.name for row in behind.rows] == ["周志强"]

    await db.commit()
    assert (await audit.verify_chain(db)).ok
    assert await load_demo_services(db, services.cipher, services.social_insurance, services.sms) == 0
