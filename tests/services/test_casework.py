"""Case work in the service layer: the eleven reasons, reversal, transfer, proposals and the job."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.adapters.verification import Finding
from portal.models import (
    ContactResult,
    InboxMessage,
    OutboxMessage,
    ProposalState,
    Registration,
    RegistrationStatus,
    ServiceRecord,
    StaffRole,
    StatusProposal,
    Verification,
    VerificationOutcome,
    VerificationSource,
)
from portal.services import audit, casework, jobs, proposals, staff
from portal.services.staff import Scope
from tests.conftest import make_id
from tests.staffing import make_case

REVIEWER = Scope(0, "chikan.reviewer", "赤坎审核", StaffRole.REVIEWER, "440802")
ADMIN = Scope(0, "city.admin", "市局", StaffRole.CITY_ADMIN, None)


@pytest.fixture
async def scopes(db) -> dict[str, Scope]:
    reviewer = await staff.create(
        db, audit.SYSTEM, username="chikan.reviewer", full_name="赤坎审核", password="ledger and lantern",
        role=StaffRole.REVIEWER, area_code="440802",
    )  # fmt: skip
    admin = await staff.create(
        db, audit.SYSTEM, username="city.admin", full_name="市局", password="ledger and lantern",
        role=StaffRole.CITY_ADMIN, area_code=None,
    )  # fmt: skip
    await db.commit()
    return {"reviewer": staff.scope_of(reviewer), "admin": staff.scope_of(admin)}


async def _registered(db, services, scope: Scope, **kwargs) -> Registration:
    case = await make_case(db, services, **kwargs)
    registration = await casework.decide(
        db, services.sms, scope, case.number, version=case.version, seen_event=0, outcome="register"
    )
    await db.commit()
    return registration


async def _messages(db) -> tuple[int, int]:
    inbox = await db.scalar(select(func.count()).select_from(InboxMessage))
    texts = await db.scalar(select(func.count()).select_from(OutboxMessage))
    return inbox, texts


@pytest.mark.parametrize("reason", list(casework.END_REASONS))
async def test_each_of_the_eleven_reasons_ends_as_the_notice_says(db, services, scopes, reason: str) -> None:
    registration = await _registered(db, services, scopes["reviewer"])
    before = await _messages(db)
    rule = casework.END_REASONS[reason]
    ended = await casework.end_registration(
        db, services.sms, scopes["reviewer"], registration.number, version=registration.version, seen_event=10**6,
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
    registration = await _registered(db, services, scopes["reviewer"])
    with pytest.raises(casework.CaseInputError) as raised:
        await casework.end_registration(
            db, services.sms, scopes["reviewer"], registration.number, version=registration.version,
            seen_event=10**6, reason="11", end_date=date.today().isoformat(), note="decided",
        )  # fmt: skip
    assert set(raised.value.errors) == {"end_reference"}


async def test_city_admin_reverses_a_mistaken_ending(db, services, scopes) -> None:
    registration = await _registered(db, services, scopes["reviewer"])
    ended = await casework.end_registration(
        db, services.sms, scopes["reviewer"], registration.number, version=registration.version, seen_event=10**6,
        reason="10", end_date=date.today().isoformat(), note="wrong person",
    )  # fmt: skip
    with pytest.raises(casework.NotAllowed):
        await casework.reverse_end(
            db, services.sms, scopes["reviewer"], ended.number, version=ended.version, seen_event=10**6, why="x"
        )
    reversed_ = await casework.reverse_end(
        db, services.sms, scopes["admin"], ended.number, version=ended.version, seen_event=10**6,
        why="the death record was another person's",
    )  # fmt: skip
    assert reversed_.status is RegistrationStatus.REGISTERED
    assert reversed_.end_reason is None


async def test_transfer_keeps_the_history_and_moves_the_scope(db, services, scopes) -> None:
    registration = await _registered(db, services, scopes["reviewer"])
    moved = await casework.transfer(
        db, services.sms, scopes["reviewer"], registration.number, version=registration.version, seen_event=10**6,
        to_area="440881", note="moved to 廉江",
    )  # fmt: skip
    await db.commit()
    assert moved.county_code == "440881"
    with pytest.raises(casework.NotFound):
        await casework.view_case(db, services.cipher, scopes["reviewer"], registration.number)
    view = await casework.view_case(db, services.cipher, scopes["admin"], registration.number)
    assert [e.kind for e in view.registration.events][-2:] == ["registered", "transferred"]


async def test_resident_report_becomes_a_proposal_that_staff_confirm(db, services, scopes) -> None:
    registration = await _registered(db, services, scopes["reviewer"])
    proposal = await proposals.resident_report(
        db, registration.account_id, registration.number, kind="hired", detail="湛江某物流公司",
        started=date.today().isoformat(),
    )  # fmt: skip
    again = await proposals.resident_report(
        db, registration.account_id, registration.number, kind="hired", detail="湛江某物流公司（更正）",
        started=date.today().isoformat(),
    )  # fmt: skip
    assert again.id == proposal.id
    assert proposal.reason == "1"
    await db.commit()
    ended = await proposals.confirm(
        db, services.sms, scopes["reviewer"], proposal.id, end_date=date.today().isoformat(), note="工作证明"
    )
    assert ended.status is RegistrationStatus.EMPLOYED
    await db.refresh(proposal)
    assert proposal.state is ProposalState.CONFIRMED


async def _age(db, registration: Registration, months: int) -> None:
    registration.decided_at = datetime.now(UTC) - timedelta(days=31 * months)
    await db.commit()


# A man born in December 1966 reaches his pension age (60 years 6 months) on 2027-06-15.
NEAR_PENSION = make_id(date(1966, 12, 15), "M")
PENSION_DAY = date(2027, 6, 15)


async def test_job_proposes_reason_4_on_the_day_the_pension_age_is_reached(db, services, scopes) -> None:
    old = await _registered(db, services, scopes["reviewer"], phone="13300000011", id_number=NEAR_PENSION, name="老李")
    before = await jobs.run_due(db, services.cipher, None, PENSION_DAY - timedelta(days=1))
    assert before.proposed["4"] == 0
    on_the_day = await jobs.run_due(db, services.cipher, None, PENSION_DAY)
    assert on_the_day.proposed["4"] == 1
    proposal = await db.scalar(select(StatusProposal).where(StatusProposal.reason == "4"))
    assert (proposal.registration_id, proposal.detail["pension_date"]) == (old.id, "2027-06-15")


class PensionData:
    """A big-data platform that reports one ID number as receiving a basic pension (early retirement)."""

    name = "test"

    def __init__(self, id_number: str) -> None:
        self.id_number = id_number

    async def compare_other(self, id_number: str) -> Finding:
        if id_number == self.id_number:
            return Finding(VerificationOutcome.MISMATCH, {"reason": "pension"})
        return Finding(VerificationOutcome.MATCH, {"checked": []})


async def test_job_proposes_reason_4_from_pension_data(db, services, scopes) -> None:
    early = make_id(date(1971, 5, 5), "M")  # 55: years before his statutory pension age
    await _registered(db, services, scopes["reviewer"], phone="13300000015", id_number=early, name="早退休")
    report = await jobs.run_due(db, services.cipher, PensionData(early), date.today())
    assert report.proposed["4"] == 1
    assert (await db.scalar(select(StatusProposal))).detail == {"source": "pension_data"}


async def test_job_proposes_reasons_8_and_9_and_flags_overdue_cases(db, services, scopes) -> None:
    today = date.today()
    refuser = await _registered(db, services, scopes["reviewer"], phone="13300000012",
                                id_number=make_id(date(1991, 2, 2), "M"), name="王五")  # fmt: skip
    for n in range(3):
        db.add(ServiceRecord(registration_id=refuser.id, day=today - timedelta(days=n), kind="job_recommendation",
                             channel="phone", result=ContactResult.REFUSED_WITHOUT_REASON))  # fmt: skip
    silent = await _registered(db, services, scopes["reviewer"], phone="13300000013",
                               id_number=make_id(date(1992, 2, 2), "M"), name="赵六")  # fmt: skip
    await _age(db, silent, 7)
    db.add(ServiceRecord(registration_id=silent.id, day=today - timedelta(days=200), kind="tracking",
                         channel="phone", result=ContactResult.REACHED))  # fmt: skip
    deferred = await make_case(db, services, phone="13300000014", id_number=make_id(date(1993, 2, 2), "M"),
                               missing=["id_card"], name="钱七")  # fmt: skip
    deferred.deadline = today - timedelta(days=1)
    await db.commit()

    report = await jobs.run_due(db, services.cipher, services.sources.big_data, today)
    await db.commit()
    assert report.proposed == {"4": 0, "8": 1, "9": 1}
    assert report.overdue_flagged == 1
    reasons = {(p.registration_id, p.reason) for p in await db.scalars(select(StatusProposal))}
    assert reasons == {(refuser.id, "8"), (silent.id, "9")}

    again = await jobs.run_due(db, services.cipher, services.sources.big_data, today)
    assert again.proposed == {"4": 0, "8": 0, "9": 0}
    assert again.overdue_flagged == 0


async def test_two_job_runs_at_once_propose_nothing_twice(db, services, scopes) -> None:
    await _registered(db, services, scopes["reviewer"], phone="13300000021", id_number=NEAR_PENSION, name="老张")

    async def run() -> jobs.JobReport:
        async with services.sessionmaker() as session:
            report = await jobs.run_due(session, services.cipher, None, PENSION_DAY)
            await session.commit()
            return report

    if services.settings.database_url.startswith("sqlite"):
        # SQLite takes one writer at a time: the second run waits for the first and finds it done.
        reports = [await run(), await run()]
    else:
        reports = await asyncio.gather(run(), run())
    assert sorted(r.proposed["4"] for r in reports) == [0, 1]
    assert await db.scalar(select(func.count()).where(StatusProposal.reason == "4")) == 1


async def test_a_dismissed_proposal_is_not_proposed_again_at_once(db, services, scopes) -> None:
    old = await _registered(db, services, scopes["reviewer"], phone="13300000031", id_number=NEAR_PENSION, name="老周")
    await jobs.run_due(db, services.cipher, None, PENSION_DAY)
    proposal = await db.scalar(select(StatusProposal).where(StatusProposal.registration_id == old.id))
    await db.commit()
    await proposals.dismiss(db, scopes["reviewer"], proposal.id, note="pension not yet paid")
    await db.commit()
    report = await jobs.run_due(db, services.cipher, None, PENSION_DAY)
    assert report.proposed["4"] == 0


def test_comparison_details_are_described_in_words() -> None:
    rows = casework.describe({"reason": "active_filing", "employer": "港务公司", "employer_en": "Port Co.",
                              "since": "2019-03-01", "simulated": True})  # fmt: skip
    assert rows == [
        ("发现", "有用人单位劳动用工备案尚未终止"),
        ("用人单位", "港务公司"),
        ("起始日期", "2019-03-01"),
        ("模拟系统答复", "✓"),
    ]


# ---- issue 6, points 13, 14 and 16: what a reviewer may decide, and what the case page says ---------------------


async def test_registering_needs_a_recorded_comparison_but_rejecting_does_not(db, services, scopes) -> None:
    number = (await make_case(db, services, compared=False)).number
    assert casework.can_register([]) is False
    with pytest.raises(casework.CaseInputError) as raised:
        await casework.decide(db, services.sms, scopes["reviewer"], number, version=1, seen_event=0, outcome="register")
    assert raised.value.errors == {"outcome": casework.NOT_COMPARED}
    await db.rollback()
    rejected = await casework.decide(
        db, services.sms, scopes["reviewer"], number, version=1, seen_event=0, outcome="reject",
        reason="identity", note="证件无法核实",
    )  # fmt: skip
    assert rejected.status is RegistrationStatus.REJECTED


async def test_a_field_investigation_alone_allows_registering(db, services, scopes) -> None:
    number = (await make_case(db, services, compared=False)).number
    await casework.record_investigation(db, scopes["reviewer"], number, "match", "上门核实，确未就业")
    await db.commit()
    view = await casework.view_case(db, services.cipher, scopes["reviewer"], number)
    assert view.can_register is True
    registered = await casework.decide(
        db, services.sms, scopes["reviewer"], number, version=1, seen_event=0, outcome="register"
    )
    assert registered.status is RegistrationStatus.REGISTERED


async def test_an_unavailable_source_is_not_a_comparison(db, services, scopes) -> None:
    case = await make_case(db, services, compared=False)
    number = case.number
    db.add(Verification(registration_id=case.id, source=VerificationSource.BIG_DATA,
                        outcome=VerificationOutcome.UNAVAILABLE, detail={}))  # fmt: skip
    await db.commit()
    view = await casework.view_case(db, services.cipher, scopes["reviewer"], number)
    assert view.can_register is False
    with pytest.raises(casework.CaseInputError) as raised:
        await casework.decide(db, services.sms, scopes["reviewer"], number, version=1, seen_event=0, outcome="register")
    assert set(raised.value.errors) == {"outcome"}


async def test_papers_not_supplied_is_a_reason_only_when_papers_were_declared_missing(db, services, scopes) -> None:
    complete_number = (
        await make_case(db, services, phone="13300000041", id_number=make_id(date(1991, 4, 4), "M"))
    ).number
    deferred_number = (
        await make_case(db, services, phone="13300000042", id_number=make_id(date(1992, 4, 4), "M"),
                        missing=["termination_proof"])
    ).number  # fmt: skip
    complete_view = await casework.view_case(db, services.cipher, scopes["reviewer"], complete_number)
    deferred_view = await casework.view_case(db, services.cipher, scopes["reviewer"], deferred_number)
    assert "papers" not in complete_view.rejection_reasons
    assert "papers" in deferred_view.rejection_reasons
    assert set(complete_view.rejection_reasons) == set(casework.REJECTION_REASONS) - {"papers"}
    await db.commit()
    with pytest.raises(casework.CaseInputError) as raised:
        await casework.decide(
            db, services.sms, scopes["reviewer"], complete_number, version=1, seen_event=0,
            outcome="reject", reason="papers",
        )  # fmt: skip
    assert set(raised.value.errors) == {"reason"}
    await db.rollback()
    rejected = await casework.decide(
        db, services.sms, scopes["reviewer"], deferred_number, version=1, seen_event=0,
        outcome="reject", reason="papers", commitment="broken",
    )  # fmt: skip
    assert rejected.rejection_reason == "papers"


async def test_each_decision_error_is_its_own_fields_message(db, services, scopes) -> None:
    deferred_number = (await make_case(db, services, missing=["id_card"])).number
    with pytest.raises(casework.CaseInputError) as empty:
        await casework.decide(
            db, services.sms, scopes["reviewer"], deferred_number, version=1, seen_event=0, outcome=""
        )
    assert empty.value.errors == {"outcome": casework.OUTCOME_REQUIRED, "commitment": casework.COMMITMENT_REQUIRED}
    await db.rollback()
    with pytest.raises(casework.CaseInputError) as no_reason:
        await casework.decide(
            db, services.sms, scopes["reviewer"], deferred_number, version=1, seen_event=0,
            outcome="reject", commitment="kept",
        )  # fmt: skip
    assert no_reason.value.errors == {"reason": casework.REJECTION_REASON_REQUIRED}
    await db.rollback()
    with pytest.raises(casework.CaseInputError) as no_note:
        await casework.decide(
            db, services.sms, scopes["reviewer"], deferred_number, version=1, seen_event=0,
            outcome="reject", reason="other", commitment="kept",
        )  # fmt: skip
    assert no_note.value.errors == {"note": casework.APPLICANT_NOTE_REQUIRED}


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_form_field_of_the_case_page_has_a_message_of_its_own(locale: str) -> None:
    from portal.i18n import current_locale

    token = current_locale.set(locale)
    try:
        messages = [str(m) for m in casework.FIELD_MESSAGES.values()]
    finally:
        current_locale.reset(token)
    assert len(messages) == len(set(messages)), messages


def test_each_case_page_message_names_its_fields_label() -> None:
    from portal.i18n import current_locale

    labels = {
        "outcome": "decision", "reason": "reason for not registering", "note": "note to the applicant",
        "commitment": "credit commitment", "investigation_outcome": "investigation",
        "investigation_note": "what you found", "end_reason": "reason", "end_date": "date it happened",
        "end_note": "evidence", "end_reference": "reference of the public decision", "to_area": "new service area",
        "transfer_note": "why", "why": "why the ending was a mistake", "contact_day": "date of the contact",
        "contact_kind": "service or contact", "contact_channel": "channel", "contact_result": "result of the contact",
    }  # fmt: skip
    token = current_locale.set("en")
    try:
        messages = {name: str(message).lower() for name, message in casework.FIELD_MESSAGES.items()}
    finally:
        current_locale.reset(token)
    assert set(messages) == set(labels)
    for name, words in labels.items():
        assert words in messages[name], name


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_three_parts_of_reason_6_read_as_6a_6b_and_6c(locale: str) -> None:
    from portal.i18n import current_locale

    token = current_locale.set(locale)
    try:
        for code in ("6a", "6b", "6c"):
            assert str(casework.END_REASONS[code].label).startswith(f"{code} ")
    finally:
        current_locale.reset(token)


def test_a_big_data_match_says_nothing_was_found_rather_than_listing_what_was_checked() -> None:
    from portal.adapters.verification import BIG_DATA_CHECKS
    from portal.i18n import current_locale

    token = current_locale.set("en")
    try:
        rows = casework.describe({"checked": list(BIG_DATA_CHECKS)})
    finally:
        current_locale.reset(token)
    assert rows[0] == ("Finding", "nothing found")
    assert rows[1][0] == "Looked for"
    assert "deceased" not in rows[1][1]
    assert "receives" not in rows[1][1]
    for topic in ("death records", "basic pension payments", "business licences", "student enrolment"):
        assert topic in rows[1][1]
