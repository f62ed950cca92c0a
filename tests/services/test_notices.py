"""Public notices, objections and credit cases (§5.2, §5.3): what a notice publishes, maker-checker, the
period and its settling, objections in and after the period, an upheld objection's consequences, and the
credit case's due process."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.clock import local_today
from portal.models import (
    CreditCase,
    CreditListing,
    Grant,
    InboxMessage,
    Notice,
    NoticeEntry,
    Objection,
    PaymentStatus,
    StaffRole,
)
from portal.rules.workdays import period_of
from portal.services import credit, keyset, notices, objections, policy_applications, staff_accounts
from portal.services.audit import SYSTEM
from portal.services.errors import Conflict, InputError, RateLimited
from portal.services.ratelimit import make_limiter
from portal.services.staff import Scope, scope_of
from tests import paging
from tests.conftest import make_id
from tests.staffing import STAFF_PASSWORD, registered_case

APPROVE = policy_applications.Decision(outcome="approve", amount="1500", period_from="2026-12-01",
                                       period_to="2026-12-31")  # fmt: skip
ANONYMOUS = objections.ObjectionForm(who="anonymous", ground="employed", facts="在某公司上班三个月了")


async def _clerk(db) -> Scope:
    clerk = await staff_accounts.create(db, SYSTEM, username="chikan.clerk", full_name="赤坎经办",
                                        password=STAFF_PASSWORD, role="clerk", area_code="440802")  # fmt: skip
    await db.commit()
    return scope_of(clerk)


async def _granted(db, services, reviewer: Scope, *, name: str = "张三", phone: str = "13300000001",
                   birth: date = date(1990, 1, 1), sequence: int = 1) -> Grant:  # fmt: skip
    registration = await registered_case(db, services, reviewer, name=name, phone=phone,
                                         id_number=make_id(birth, "M", sequence=sequence))  # fmt: skip
    applied = await policy_applications.apply(
        db,
        services.cipher,
        services.social_insurance,
        registration.account_id,
        "P06",
        {"missing_papers": ["none"]},
        "zh_CN",
    )
    await db.commit()
    await policy_applications.decide(db, services.sms, reviewer, applied.number, 1, APPROVE)
    await db.commit()
    return await db.scalar(select(Grant).order_by(Grant.id.desc()).limit(1))


def _draft(days: int = 5) -> notices.Draft:
    today = local_today()
    return notices.Draft("P06", today - timedelta(days=30), today, days)


async def _published(db, services, scopes, clerk: Scope, **grant) -> Notice:
    await _granted(db, services, scopes["reviewer"], **grant)
    notice = await notices.compose(db, services.cipher, clerk, _draft())
    await db.commit()
    await notices.publish(db, scopes["reviewer"], notice.number, notice.version)
    await db.commit()
    return notice


# ---- what is published --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "shown"), [("欧阳娜娜", "欧阳**"), ("阿依古丽·买买提", "阿***·***"),
                                             ("司马光", "司马*"), ("李小龙", "李**")])  # fmt: skip
async def test_an_entry_publishes_only_the_masked_name_and_id_with_policy_amount_county_and_period(
    db, services, scopes, name, shown
) -> None:
    clerk = await _clerk(db)
    notice = await _published(db, services, scopes, clerk, name=name)
    entry = await db.scalar(select(NoticeEntry).where(NoticeEntry.notice_id == notice.id))
    assert entry.masked_name == shown
    assert entry.masked_id == make_id(date(1990, 1, 1), "M")[:6] + "********" + make_id(date(1990, 1, 1), "M")[-4:]
    assert (entry.policy_code, entry.amount, entry.county_code) == ("P06", Decimal("1500.00"), "440802")
    assert (entry.period_from, entry.period_to) == (date(2026, 12, 1), date(2026, 12, 31))
    # Nothing else of the person is kept in the entry: no address, birth date or phone.
    kept = {c.name for c in NoticeEntry.__table__.columns}
    assert not kept & {"address", "birth_date", "phone", "name", "id_number"}


async def test_a_published_entry_keeps_its_values_when_the_person_changes_later(db, services, scopes) -> None:
    clerk = await _clerk(db)
    notice = await _published(db, services, scopes, clerk, name="张三")
    from portal.models import Person

    person = await db.scalar(select(Person).order_by(Person.id.desc()).limit(1))
    person.name = "王五"
    await db.commit()
    shown = await notices.public_notice(db, notice.number, retention_days=365)
    assert [e.masked_name for e in shown.entries] == ["张*"]


async def test_the_composer_cannot_publish_their_own_notice_and_a_clerk_cannot_publish(db, services, scopes) -> None:
    clerk = await _clerk(db)
    await _granted(db, services, scopes["reviewer"])
    notice = await notices.compose(db, services.cipher, scopes["reviewer"], _draft())
    await db.commit()
    with pytest.raises(InputError) as raised:
        await notices.publish(db, scopes["reviewer"], notice.number, notice.version)
    assert raised.value.status_code == 403
    from portal.services.errors import NotAllowed

    with pytest.raises(NotAllowed):
        await notices.publish(db, clerk, notice.number, notice.version)


async def test_two_clerks_composing_at_once_put_each_grant_in_one_notice(db, services, scopes) -> None:
    clerk = await _clerk(db)
    await _granted(db, services, scopes["reviewer"])

    async def compose() -> str:
        async with services.sessionmaker() as session:
            try:
                notice = await notices.compose(session, services.cipher, clerk, _draft())
                await session.commit()
                return notice.number
            except InputError:
                return ""

    made = [n for n in await asyncio.gather(compose(), compose()) if n]
    assert len(made) == 1
    assert len(list(await db.scalars(select(NoticeEntry)))) == 1


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (date(2026, 11, 30), 5, date(2026, 12, 4)),  # Monday: to Friday
        (date(2026, 11, 28), 5, date(2026, 12, 4)),  # Saturday: the next five working days
        # Across National Day: 1-7 October off, Saturday 10 October a working day.
        (date(2026, 9, 30), 5, date(2026, 10, 12)),
        (date(2026, 11, 30), 1, date(2026, 11, 30)),  # one working day: the day itself
    ],
)
def test_the_notice_period_counts_working_days_from_the_publishing_day(start, days, end) -> None:
    assert period_of(start, days).deadline == end


async def test_after_the_period_grants_are_cleared_or_held_and_settling_twice_changes_nothing(
    db, services, scopes
) -> None:
    clerk = await _clerk(db)
    await _granted(db, services, scopes["reviewer"], phone="13300000001", sequence=1)
    await _granted(db, services, scopes["reviewer"], phone="13300000002", sequence=2, name="李四")
    notice = await notices.compose(db, services.cipher, clerk, _draft())
    await db.commit()
    await notices.publish(db, scopes["reviewer"], notice.number, notice.version)
    await db.commit()
    await notices.take_down(db, scopes["reviewer"], notice.number, 2, "error", "身份证号录入错误")
    await db.commit()
    after = notice.ends_on + timedelta(days=1)
    assert (await notices.settle_due(db, notice.ends_on))["notices"] == 0  # still in its period
    counts = await notices.settle_due(db, after)
    await db.commit()
    assert counts == {"notices": 1, "cleared": 1, "held": 1}
    statuses = [g.payment_status for g in await db.scalars(select(Grant).order_by(Grant.id))]
    assert statuses == [PaymentStatus.CLEARED.value, PaymentStatus.HELD.value]
    assert (await notices.settle_due(db, after))["notices"] == 0


async def test_a_withdrawn_notice_lets_its_grants_go_into_a_new_one(db, services, scopes) -> None:
    clerk = await _clerk(db)
    notice = await _published(db, services, scopes, clerk)
    await notices.withdraw(db, scopes["reviewer"], notice.number, notice.version + 0, "duplicate", "重复发布")
    await db.commit()
    assert (await db.scalar(select(Grant))).payment_status == PaymentStatus.AWAITING_NOTICE.value
    again = await notices.compose(db, services.cipher, clerk, _draft())
    assert again.entry_count == 1


# ---- objections ---------------------------------------------------------------------------------------------------


async def _file(db, services, notice: Notice, form=ANONYMOUS, limiter=None, address="203.0.113.9"):
    filed = await objections.file(
        db, services.sms, services.cipher, limiter or services.limiter, number=notice.number, position=1,
        form=form, attachment=None, address=address, per_hour=5, answer_days=10,
        attachment_dir=services.settings.attachment_dir,
    )  # fmt: skip
    await db.commit()
    return filed


async def test_an_anonymous_objection_is_tracked_with_its_secret_and_refused_with_a_wrong_one(
    db, services, scopes
) -> None:
    clerk = await _clerk(db)
    notice = await _published(db, services, scopes, clerk)
    filed = await _file(db, services, notice)
    assert filed.secret
    tracked = await objections.track(db, services.cipher, services.limiter, number=filed.number,
                                     secret=filed.secret.lower(), address="198.51.100.1")  # fmt: skip
    assert tracked.objection.status.value == "received"
    with pytest.raises(InputError):
        await objections.track(db, services.cipher, services.limiter, number=filed.number, secret="WRONGWRONG",
                               address="198.51.100.1")  # fmt: skip
    # The person objected to is told, and learns nothing of who objected.
    told = await db.scalar(select(InboxMessage).where(InboxMessage.kind == "objection_received"))
    assert told is not None
    assert filed.number not in str(told.params.values()) or "phone" not in told.params


async def test_an_objection_after_the_period_is_refused_with_the_dates(db, services, scopes) -> None:
    clerk = await _clerk(db)
    notice = await _published(db, services, scopes, clerk)
    with pytest.raises(InputError) as raised:
        await objections.open_entry(db, notice.number, 1, today=notice.ends_on + timedelta(days=1))
    assert raised.value.status_code == 409
    message = str(raised.value.errors["notice"])
    assert notice.ends_on.strftime("%Y") in message


async def test_the_honeypot_and_the_hourly_limit_stop_floods(db, services, scopes) -> None:
    clerk = await _clerk(db)
    notice = await _published(db, services, scopes, clerk)
    bot = objections.ObjectionForm(**{**ANONYMOUS.__dict__, "website": "http://spam.example"})
    with pytest.raises(InputError):
        await _file(db, services, notice, form=bot)
    limiter = make_limiter(None, "test")
    results = await asyncio.gather(*[_try(db, services, notice, limiter) for _ in range(8)])
    assert results.count("filed") == 5
    assert results.count("limited") == 3


async def _try(db, services, notice, limiter) -> str:
    async with services.sessionmaker() as session:
        try:
            await objections.file(
                session, services.sms, services.cipher, limiter, number=notice.number, position=1, form=ANONYMOUS,
                attachment=None, address="192.0.2.7", per_hour=5, answer_days=10,
                attachment_dir=services.settings.attachment_dir,
            )  # fmt: skip
            await session.commit()
            return "filed"
        except RateLimited:
            return "limited"


async def test_an_attachment_must_really_be_an_image_or_a_pdf(db, services, scopes) -> None:
    clerk = await _clerk(db)
    notice = await _published(db, services, scopes, clerk)
    with pytest.raises(InputError) as raised:
        await objections.file(
            db, services.sms, services.cipher, services.limiter, number=notice.number, position=1, form=ANONYMOUS,
            attachment=objections.Attachment(b"MZ\x90\x00 not a picture", "image/png"), address="192.0.2.8",
            per_hour=5, answer_days=10, attachment_dir=services.settings.attachment_dir,
        )  # fmt: skip
    assert "attachment" in raised.value.errors


async def test_an_upheld_objection_takes_the_entry_down_opens_a_credit_case_and_a_listing_blocks_new_support(
    db, services, scopes
) -> None:
    clerk = await _clerk(db)
    notice = await _published(db, services, scopes, clerk)
    filed = await _file(db, services, notice)
    objection = await db.scalar(select(Objection).where(Objection.number == filed.number))
    await objections.investigate(db, services.cipher, services.social_insurance, clerk, filed.number,
                                 note="电话核实，已在职", compare=True)  # fmt: skip
    await db.commit()
    await db.refresh(objection)
    await objections.decide(db, services.sms, scopes["reviewer"], filed.number, objection.version,
                            outcome="upheld", reply="经核实，异议成立，已撤下该条公示。", statement_days=5)  # fmt: skip
    await db.commit()
    entry = await db.scalar(select(NoticeEntry))
    assert entry.taken_down_at is not None
    assert entry.takedown_category == "objection"
    assert (await db.scalar(select(Grant))).payment_status == PaymentStatus.HELD.value
    case = await db.scalar(select(CreditCase))
    assert (case.source.value, case.objection_id) == ("objection", objection.id)
    # The person states their side; a reviewer decides after it, listing them for a year.
    from portal.models import Registration

    registration = await db.get(Registration, case.registration_id)
    # An application made before the decision is waiting when the listing comes.
    second = await policy_applications.apply(
        db,
        services.cipher,
        services.social_insurance,
        registration.account_id,
        "P13",
        {"missing_papers": ["none"]},
        "zh_CN",
    )
    await credit.state_side(db, registration.account_id, case.number, "我已于上月入职，未及时告知。")
    await db.commit()
    await db.refresh(case)
    until = local_today() + timedelta(days=365)
    await credit.decide(db, services.sms, scopes["reviewer"], case.number, case.version,
                        credit.CreditDecision(stop=True, recover="1500", list_until=until.isoformat(),
                                              reasons="隐瞒就业骗取补贴"))  # fmt: skip
    await db.commit()
    listing = await db.scalar(select(CreditListing))
    assert listing.until == until
    # No new support while listed: the decision and the rule engine both refuse, with the date.
    with pytest.raises(InputError) as raised:
        await policy_applications.decide(db, services.sms, scopes["reviewer"], second.number, 1, APPROVE)
    assert str(until.year) in str(raised.value.errors["outcome"])
    with pytest.raises(InputError) as refused:
        await policy_applications.apply(db, services.cipher, services.social_insurance, registration.account_id,
                                        "P06", {"missing_papers": ["none"]}, "zh_CN")  # fmt: skip
    assert str(until.year) in str(refused.value.errors["eligibility"])


async def test_the_decision_waits_for_the_statement_period_unless_the_person_has_answered(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    case = await credit.open_by_staff(db, services.sms, scopes["reviewer"], registration_number=registration.number,
                                      source="finding", facts="冒领补贴", statement_days=5)  # fmt: skip
    await db.commit()
    decision = credit.CreditDecision(reasons="无异议")
    with pytest.raises(InputError):
        await credit.decide(db, services.sms, scopes["reviewer"], case.number, case.version, decision)
    decided = await credit.decide(db, services.sms, scopes["reviewer"], case.number, case.version, decision,
                                  today=case.statement_due + timedelta(days=1))  # fmt: skip
    assert decided.no_action


async def test_repayments_recorded_at_once_never_pass_the_amount_to_recover(db, services, scopes) -> None:
    clerk = await _clerk(db)
    registration = await registered_case(db, services, scopes["reviewer"])
    case = await credit.open_by_staff(db, services.sms, clerk, registration_number=registration.number,
                                      source="finding", facts="冒领补贴", statement_days=5)  # fmt: skip
    await db.commit()
    await credit.decide(db, services.sms, scopes["reviewer"], case.number, case.version,
                        credit.CreditDecision(recover="1000", reasons="追回"),
                        today=case.statement_due + timedelta(days=1))  # fmt: skip
    await db.commit()

    async def repay() -> bool:
        async with services.sessionmaker() as session:
            try:
                await credit.record_repayment(session, clerk, case.number, "400", local_today().isoformat())
                await session.commit()
                return True
            except InputError:
                return False

    outcomes = await asyncio.gather(*[repay() for _ in range(4)])
    assert outcomes.count(True) == 2
    await db.refresh(case)
    assert case.recovered == Decimal("800.00")


async def test_a_repair_decision_ends_the_listing_and_the_export_carries_it_masked_with_a_checksum(
    db, services, scopes
) -> None:
    registration = await registered_case(db, services, scopes["reviewer"], name="欧阳娜娜")
    case = await credit.open_by_staff(db, services.sms, scopes["reviewer"], registration_number=registration.number,
                                      source="commitment", facts="承诺未履行", statement_days=5)  # fmt: skip
    await db.commit()
    until = local_today() + timedelta(days=200)
    await credit.decide(db, services.sms, scopes["reviewer"], case.number, case.version,
                        credit.CreditDecision(list_until=until.isoformat(), reasons="失信"),
                        today=case.statement_due + timedelta(days=1))  # fmt: skip
    await db.commit()
    await credit.repair(db, services.sms, scopes["reviewer"], case.number, "已全额退回并作出信用承诺")
    await db.commit()
    listed, _ = await credit.listed_until(db, registration.person_id, local_today())
    assert not listed
    result = await credit.export(db, services.cipher, scopes["admin"].actor, local_today() - timedelta(days=1),
                                 "json")  # fmt: skip
    import hashlib
    import json

    body = json.loads(result.content)
    assert result.sha256 == hashlib.sha256(result.content).hexdigest()
    [record] = body["records"]
    assert (record["name_masked"], record["end_reason"]) == ("欧阳**", "repaired")
    assert "*" in record["id_masked"]
    csv_result = credit.render_export(body["records"], "csv", local_today(), local_today())  # type: ignore[arg-type]
    assert csv_result.content.decode().splitlines()[0].split(",") == list(credit.EXPORT_FIELDS)


async def test_expired_listings_end_on_their_date_once(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    db.add(CreditListing(person_id=registration.person_id, listed_on=local_today() - timedelta(days=30),
                         until=local_today() - timedelta(days=1), reason="x"))  # fmt: skip
    await db.commit()
    assert await credit.end_expired(db) == 1
    await db.commit()
    assert await credit.end_expired(db) == 0


async def test_a_conflicting_publish_is_answered_with_a_conflict(db, services, scopes) -> None:
    clerk = await _clerk(db)
    await _granted(db, services, scopes["reviewer"])
    notice = await notices.compose(db, services.cipher, clerk, _draft())
    await db.commit()
    with pytest.raises(Conflict):
        await notices.publish(db, scopes["reviewer"], notice.number, notice.version + 1)


@pytest.mark.parametrize(("position", "page"), [(0, 1), (1, 1), (50, 1), (51, 2), (101, 3)])
def test_an_entry_is_found_on_its_page(position, page) -> None:
    assert notices.page_of(position) == page


async def test_a_real_name_objector_is_texted_a_code_that_says_what_it_is_for(db, services) -> None:
    from portal.models import OutboxMessage

    phone = await objections.send_code(db, services.sms, services.cipher, make_limiter(None, "t"), 5,
                                       phone="13700000071", address="192.0.2.9")  # fmt: skip
    text = await db.scalar(select(OutboxMessage.body).order_by(OutboxMessage.id.desc()).limit(1))
    assert phone == "13700000071"
    assert "异议" in text
    assert "重置密码" not in text


async def test_past_the_retention_period_a_notice_shows_only_its_summary(db, services, scopes) -> None:
    clerk = await _clerk(db)
    notice = await _published(db, services, scopes, clerk)
    last_day = notice.ends_on + timedelta(days=365)
    kept = await notices.public_notice(db, notice.number, retention_days=365, today=last_day)
    assert (kept.retired, len(kept.entries)) == (False, 1)
    retired = await notices.public_notice(db, notice.number, retention_days=365, today=last_day + timedelta(days=1))
    assert (retired.retired, retired.entries) == (True, [])


async def test_opening_an_objection_or_a_credit_case_is_audited(db, services, scopes) -> None:
    from portal.models import AuditEntry

    clerk = await _clerk(db)
    notice = await _published(db, services, scopes, clerk)
    filed = await _file(db, services, notice)
    await objections.staff_view(db, services.cipher, clerk, filed.number)
    await db.commit()
    kept = select(AuditEntry).where(AuditEntry.target_id == filed.number).order_by(AuditEntry.id)
    actions = [e.action for e in await db.scalars(kept)]
    assert actions == ["objection.file", "objection.view"]


# ---- the objections queue, a page at a time (keyset) -------------------------------------------------------------


async def copies_of(db, objection: Objection, kinds: list[tuple[int, str, str]]) -> list[Objection]:
    """Objections like `objection` (same notice, entry and person), one per (days to its answer, county, status):
    a queue of any length without filing each through the public form."""
    made = []
    # Numbers beside the original's that no objection holds (the test's others have random numbers too).
    taken = set(await db.scalars(select(Objection.number)))
    free = (number for k in range(1000) if (number := f"{objection.number[:-3]}{k:03d}") not in taken)
    for days, county, status in kinds:
        copy = Objection(
            number=next(free), notice_id=objection.notice_id, entry_id=objection.entry_id,
            person_id=objection.person_id, county_code=county, ground=objection.ground, facts="复制", anonymous=True,
            secret_hash=objection.secret_hash, status=status, due=objection.due + timedelta(days=days),
        )  # fmt: skip
        db.add(copy)
        made.append(copy)
    await db.commit()
    return made


def _open_in_order(made: list[Objection], county: str = "440802") -> list[str]:
    shown = [o for o in made if o.county_code == county and o.status != "decided"]
    return [o.number for o in sorted(shown, key=lambda o: (o.due, o.id))]


async def test_the_objections_queue_pages_either_way_in_the_countys_open_objections_only(
    db, services, scopes, monkeypatch
) -> None:
    clerk = await _clerk(db)
    notice = await _published(db, services, scopes, clerk)
    filed = await _file(db, services, notice)
    first = await db.scalar(select(Objection).where(Objection.number == filed.number))
    days = [3, -2, 3, 8, 0, 5]  # ties on the day: by the order filed
    made = [first, *await copies_of(db, first, [(d, "440802", "received") for d in days] + [
        (1, "440803", "received"), (2, "440802", "decided")])]  # fmt: skip
    expected = _open_in_order(made)
    assert len(expected) == 7
    monkeypatch.setattr(objections, "PAGE_SIZE", 3)

    async def read(at):
        found = await objections.queue(db, clerk, at=at)
        return [o.number for o in found.objections], found.page

    assert await paging.forward(read) == [expected[:3], expected[3:6], expected[6:]]
    assert await paging.backward(read) == [expected[4:], expected[1:4], expected[:1]]
    assert (await objections.queue(db, clerk, at=keyset.At(last="1"))).total == 7
    every = [o.number for o in sorted((o for o in made if o.county_code == "440802"), key=lambda o: (o.due, o.id))]
    assert paging.flat(await paging.forward(lambda at: _numbers(objections.queue(db, clerk, show="all", at=at)))) \
        == every  # fmt: skip
    # 霞山's clerk with 赤坎's cursors: their own one objection, never 赤坎's.
    xiashan = Scope(0, "xiashan.clerk", "霞山经办", StaffRole.CLERK, "440803")
    page = (await objections.queue(db, clerk)).page
    for at in (keyset.At(after=page.next), keyset.At(before=page.next), keyset.At(last="1"), keyset.At(after="!")):
        assert [o.county_code for o in (await objections.queue(db, xiashan, at=at)).objections] == ["440803"]


async def _numbers(found) -> tuple[list[str], keyset.Page]:
    result = await found
    return [o.number for o in result.objections], result.page
