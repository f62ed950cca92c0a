"""Ending a registration with the eleven reasons of §2.1, and reversing a mistaken ending."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, update

from portal.clock import LOCAL_TZ, local_today
from portal.i18n import current_locale
from portal.models import (
    AuditEntry,
    EventKind,
    Grant,
    InboxMessage,
    NoticeEntry,
    NoticeStatus,
    OutboxMessage,
    PaymentStatus,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
    UiBenefitClaim,
)
from portal.rules.ui_benefit import period_end
from portal.services import decisions, endings, notices, ui_benefit
from portal.services.cases import Lock
from portal.services.errors import InputError, NotAllowed
from tests.staffing import make_case, registered_case

ANY_EVENT = 10**6
LI_QIANG = "440881198503150052"  # simulator: insured 139 months, his filing ended: 24 months of benefit


async def _messages(db) -> tuple[int, int]:
    inbox = await db.scalar(select(func.count()).select_from(InboxMessage))
    texts = await db.scalar(select(func.count()).select_from(OutboxMessage))
    return inbox, texts


@pytest.mark.parametrize("reason", list(endings.END_REASONS))
async def test_each_of_the_eleven_reasons_ends_as_the_notice_says(db, services, scopes, reason: str) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    before = await _messages(db)
    rule = endings.END_REASONS[reason]
    ended = await endings.end(
        db, services.sms, scopes["reviewer"], registration.number, Lock(registration.version, ANY_EVENT),
        reason=reason, end_date=date.today().isoformat(), note="evidence on file",
        reference="湛人社公告〔2026〕1号" if rule.needs_reference else "",
    )  # fmt: skip
    assert ended.status is rule.ends_as
    assert ended.status is (RegistrationStatus.EMPLOYED if reason in ("1", "2", "3") else RegistrationStatus.EXITED)
    assert ended.end_reason == reason
    told = (await _messages(db))[0] - before[0], (await _messages(db))[1] - before[1]
    silent = {"6c", "7", "9", "10"}  # emigration, imprisonment, unreachable, death
    assert told == ((0, 0) if reason in silent else (1, 1))


async def test_reason_11_needs_the_reference_of_the_public_decision(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    with pytest.raises(InputError) as raised:
        await endings.end(
            db, services.sms, scopes["reviewer"], registration.number, Lock(registration.version, ANY_EVENT),
            reason="11", end_date=date.today().isoformat(), note="decided",
        )  # fmt: skip
    assert set(raised.value.errors) == {"end_reference"}


async def test_city_admin_reverses_a_mistaken_ending(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    ended = await endings.end(
        db, services.sms, scopes["reviewer"], registration.number, Lock(registration.version, ANY_EVENT),
        reason="10", end_date=date.today().isoformat(), note="wrong person",
    )  # fmt: skip
    with pytest.raises(NotAllowed):
        await endings.reverse(
            db, services.sms, scopes["reviewer"], ended.number, Lock(ended.version, ANY_EVENT), why="x"
        )
    reversed_ = await endings.reverse(
        db, services.sms, scopes["admin"], ended.number, Lock(ended.version, ANY_EVENT),
        why="the death record was another person's",
    )  # fmt: skip
    assert reversed_.status is RegistrationStatus.REGISTERED
    assert reversed_.end_reason is None


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_three_parts_of_reason_6_read_as_6a_6b_and_6c(locale: str) -> None:
    token = current_locale.set(locale)
    try:
        for code in ("6a", "6b", "6c"):
            assert str(endings.END_REASONS[code].label).startswith(f"{code} ")
    finally:
        current_locale.reset(token)


# ---- the unemployment insurance benefit stops with the registration ---------------------------------------------


async def _with_benefit(db, services, scopes, *, made_days_ago: int = 40) -> Registration:
    """李强, registered with his benefit granted, the registration made `made_days_ago` days ago."""
    case = await make_case(db, services, id_number=LI_QIANG, name="李强")
    made = datetime.combine(local_today() - timedelta(days=made_days_ago), time(9), tzinfo=LOCAL_TZ)
    await db.execute(update(Registration).where(Registration.id == case.id).values(accepted_at=made))
    await db.commit()
    registration = await decisions.decide(
        db, services.sms, scopes["reviewer"], case.number, Lock(case.version, 0), outcome="register"
    )
    await db.commit()
    return registration


async def _grant(db) -> Grant:
    return await db.scalar(select(Grant).where(Grant.policy_code == "P08").execution_options(populate_existing=True))


async def _end(db, services, scopes, registration: Registration, reason: str, day: date) -> Registration:
    ended = await endings.end(
        db, services.sms, scopes["reviewer"], registration.number, Lock(registration.version, ANY_EVENT),
        reason=reason, end_date=day.isoformat(), note="evidence on file",
        reference="湛人社公告〔2026〕1号" if endings.END_REASONS[reason].needs_reference else "",
    )  # fmt: skip
    await db.commit()
    return ended


@pytest.fixture
def _in_english() -> Iterator[None]:
    token = current_locale.set("en")
    yield
    current_locale.reset(token)


@pytest.mark.usefixtures("_in_english")
@pytest.mark.parametrize("reason", ["1", "4", "6b", "10"])
async def test_an_ending_stops_the_benefit_the_day_before_the_end_date(db, services, scopes, reason: str) -> None:
    registration = await _with_benefit(db, services, scopes)
    start = local_today() - timedelta(days=40)
    assert ((await _grant(db)).period_from, (await _grant(db)).period_to) == (start, period_end(start, 24))
    hired = local_today() - timedelta(days=10)
    await _end(db, services, scopes, registration, reason, hired)

    grant = await _grant(db)
    assert (grant.period_from, grant.period_to) == (start, hired - timedelta(days=1))
    assert grant.payment_status == PaymentStatus.AWAITING_NOTICE.value  # still paid, for the shorter period
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "ui_benefit.stop"))
    assert (entry.target_id, entry.changes) == (registration.number, {
        "end_date": hired.isoformat(),
        "grants": [{"grant": grant.id, "period_to": [period_end(start, 24).isoformat(),
                                                     (hired - timedelta(days=1)).isoformat()]}],
    })  # fmt: skip
    # The claim keeps the figures it was granted with; what is paid is the grant's, and the person is told why.
    claim = await db.scalar(select(UiBenefitClaim))
    assert claim.period_to == period_end(start, 24)
    view = await ui_benefit.view_of(db, registration.id)
    assert view.stopped.startswith("Stopped when the registration ended: paid until ")


async def test_an_ending_after_the_benefits_period_changes_nothing(db, services, scopes) -> None:
    registration = await _with_benefit(db, services, scopes)
    # A period that ran out before the ending (shortened here so as not to wait for it).
    over = local_today() - timedelta(days=5)
    await db.execute(update(Grant).values(period_to=over))
    await db.execute(update(UiBenefitClaim).values(period_to=over))
    await db.commit()
    await _end(db, services, scopes, registration, "1", local_today())
    assert (await _grant(db)).period_to == over
    assert await db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "ui_benefit.stop")) == 0  # fmt: skip
    assert (await ui_benefit.view_of(db, registration.id)).stopped == ""


@pytest.mark.usefixtures("_in_english")
async def test_an_ending_on_the_benefits_first_day_stops_its_payment(db, services, scopes) -> None:
    registration = await _with_benefit(db, services, scopes, made_days_ago=0)
    granted = await _grant(db)
    await _end(db, services, scopes, registration, "1", local_today())
    grant = await _grant(db)
    assert (grant.period_to, grant.payment_status) == (granted.period_to, PaymentStatus.STOPPED.value)
    assert (await ui_benefit.view_of(db, registration.id)).stopped == "Stopped: nothing more is paid."


async def test_a_draft_notice_follows_the_shortened_period_and_a_published_one_stays(db, services, scopes) -> None:
    registration = await _with_benefit(db, services, scopes)
    granted = await _grant(db)
    draft = notices.Draft("P08", local_today(), local_today(), 5)
    notice = await notices.compose(db, services.cipher, scopes["reviewer"], draft)
    await db.commit()
    hired = local_today() - timedelta(days=10)
    await _end(db, services, scopes, registration, "1", hired)
    entry = await db.scalar(select(NoticeEntry).execution_options(populate_existing=True))
    assert entry.period_to == hired - timedelta(days=1)
    grant = await _grant(db)
    assert (grant.notice_id, grant.payment_status) == (notice.id, PaymentStatus.IN_NOTICE.value)

    # Reversed, the draft shows the period granted again; a published notice is never rewritten.
    await db.execute(update(notices.Notice).where(notices.Notice.id == notice.id)
                     .values(status=NoticeStatus.PUBLISHED))  # fmt: skip
    await db.commit()
    reversed_ = await db.get(Registration, registration.id, populate_existing=True)
    await endings.reverse(db, services.sms, scopes["admin"], reversed_.number, Lock(reversed_.version, ANY_EVENT),
                          why="he had not started")  # fmt: skip
    await db.commit()
    assert (await _grant(db)).period_to == granted.period_to
    entry = await db.scalar(select(NoticeEntry).execution_options(populate_existing=True))
    assert entry.period_to == hired - timedelta(days=1)


async def test_reversing_a_mistaken_ending_gives_the_benefit_back(db, services, scopes) -> None:
    registration = await _with_benefit(db, services, scopes)
    granted = await _grant(db)
    ended = await _end(db, services, scopes, registration, "10", local_today() - timedelta(days=3))
    event = await db.scalar(select(RegistrationEvent.detail).where(RegistrationEvent.kind == EventKind.ENDED))
    assert event[endings.UI_BENEFIT] == [{"grant": granted.id, "period_to": [
        granted.period_to.isoformat(), (local_today() - timedelta(days=4)).isoformat()]}]  # fmt: skip
    await endings.reverse(db, services.sms, scopes["admin"], ended.number, Lock(ended.version, ANY_EVENT),
                          why="the death record was another person's")  # fmt: skip
    await db.commit()
    assert (await _grant(db)).period_to == granted.period_to
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "ui_benefit.restore"))
    assert entry.changes == {"grants": [{"grant": granted.id, "period_to": [
        (local_today() - timedelta(days=4)).isoformat(), granted.period_to.isoformat()]}]}  # fmt: skip
    assert (await ui_benefit.view_of(db, registration.id)).stopped == ""


async def test_reversing_gives_a_stopped_benefit_its_payment_state_back(db, services, scopes) -> None:
    registration = await _with_benefit(db, services, scopes, made_days_ago=0)
    ended = await _end(db, services, scopes, registration, "1", local_today())
    assert (await _grant(db)).payment_status == PaymentStatus.STOPPED.value
    await endings.reverse(db, services.sms, scopes["admin"], ended.number, Lock(ended.version, ANY_EVENT),
                          why="the job offer was withdrawn before he started")  # fmt: skip
    await db.commit()
    assert (await _grant(db)).payment_status == PaymentStatus.AWAITING_NOTICE.value


async def test_a_p08_granted_through_the_generic_form_is_shortened_too(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"], id_number=LI_QIANG, name="李强")
    # Not claimed with the registration: granted on its own application, from before the ending.
    await db.execute(update(UiBenefitClaim).values(status="declined", application_id=None))
    await db.execute(Grant.__table__.delete())
    await db.commit()
    from portal.services import policy_applications

    applied = await policy_applications.apply(
        db,
        services.cipher,
        services.social_insurance,
        registration.account_id,
        "P08",
        {"missing_papers": ["none"]},
        "zh_CN",
    )
    await db.commit()
    start = local_today() - timedelta(days=30)
    approval = policy_applications.Decision(outcome="approve", amount="1665.00", period_from=start.isoformat(),
                                            period_to=(start + timedelta(days=365)).isoformat())  # fmt: skip
    await policy_applications.decide(db, services.sms, scopes["reviewer"], applied.number, 1, approval)
    await db.commit()
    registration = await db.get(Registration, registration.id, populate_existing=True)
    await _end(db, services, scopes, registration, "2", local_today())
    grant = await _grant(db)
    assert (grant.application_id, grant.period_to) == (
        (await policy_applications.one_of_account(db, registration.account_id, applied.number)).application.id,
        local_today() - timedelta(days=1),
    )
