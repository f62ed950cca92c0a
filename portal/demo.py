"""Reference data every installation needs, and demo accounts for trying the portal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.adapters.social_insurance import SocialInsurance
from portal.crypto import Cipher
from portal.models import LocalFigure, Person, ResidentAccount, VerificationOutcome, VerificationSource
from portal.services import accounts, areas, audit, certifications, policies, service_items
from portal.services.ratelimit import make_limiter
from portal.services.staff import Scope

# Local figures with the date they apply from (reference/zhanjiang.md).
LOCAL_FIGURES = (
    ("minimum_wage", date(2025, 3, 1), Decimal("1850.00"), False,
     "Guangdong tier 3 (Zhanjiang) minimum wage from 2025-03-01"),
    ("dibao_urban", date(2025, 1, 1), Decimal("1000.00"), True,
     "SAMPLE value: no verified Zhanjiang urban 低保 standard was found; the bureau must replace it"),
    ("dibao_rural", date(2025, 1, 1), Decimal("800.00"), True,
     "SAMPLE value: no verified Zhanjiang rural 低保 standard was found; the bureau must replace it"),
)  # fmt: skip


@dataclass(frozen=True)
class DemoAccount:
    phone: str
    password: str
    note: str


DEMO_ACCOUNTS = (
    DemoAccount("13800138000", "zhanjiang-demo-1", "a resident with no application yet"),
    DemoAccount("13800138001", "zhanjiang-demo-2", "a second resident with no application yet"),
)


async def load_reference_data(session: AsyncSession) -> dict[str, int]:
    added_areas = await areas.load_areas(session)
    existing = {(f.key, f.valid_from) for f in await session.scalars(select(LocalFigure))}
    figures = [
        LocalFigure(key=key, valid_from=valid_from, amount=amount, is_sample=sample, source=source)
        for key, valid_from, amount, sample, source in LOCAL_FIGURES
        if (key, valid_from) not in existing
    ]
    session.add_all(figures)
    await session.flush()
    added_policies = await policies.load_policies(session)
    added_items = await service_items.load_service_items(session)
    added_categories = await certifications.load_categories(session)
    return {
        "service_areas": added_areas, "local_figures": len(figures), "policies": added_policies,
        "service_items": added_items, "difficulty_categories": added_categories,
    }  # fmt: skip


async def load_demo_accounts(session: AsyncSession) -> int:
    existing = set(await session.scalars(select(ResidentAccount.phone)))
    added = 0
    for demo in DEMO_ACCOUNTS:
        if demo.phone not in existing:
            await accounts.create_account(session, demo.phone, demo.password, "zh_CN")
            added += 1
    return added


@dataclass(frozen=True)
class DemoStaff:
    username: str
    full_name: str
    role: str
    area_code: str | None


DEMO_STAFF_PASSWORD = "zhanjiang-staff-1"  # noqa: S105 - a published demo password
DEMO_STAFF = (
    DemoStaff("chikan.clerk", "赤坎经办（示例）", "clerk", "440802"),
    DemoStaff("chikan.reviewer", "赤坎审核（示例）", "reviewer", "440802"),
    DemoStaff("xiashan.clerk", "霞山经办（示例）", "clerk", "440803"),
    DemoStaff("xiashan.reviewer", "霞山审核（示例）", "reviewer", "440803"),
    DemoStaff("city.admin", "市局管理员（示例）", "city_admin", None),
    DemoStaff("city.viewer", "市局查询（示例）", "city_viewer", None),
)

# Demo applications so that the staff queue is not empty: (phone, name, ID, county, missing papers).
DEMO_CASES: tuple[tuple[str, str, str, str, list[str]], ...] = (
    ("13800138011", "李强", "440881198503150052", "440802", ["termination_proof"]),
    ("13800138012", "黄海", "45010219900101001X", "440802", []),
    ("13800138013", "林晓燕", "440803199103150024", "440803", ["hukou_or_residence_permit"]),
    ("13800138014", "张玮", "440802198607210018", "440802", []),
)


async def load_demo_staff(session: AsyncSession) -> int:
    from portal.models import StaffUser
    from portal.services import staff_accounts

    existing = set(await session.scalars(select(StaffUser.username)))
    added = 0
    for demo in DEMO_STAFF:
        if demo.username not in existing:
            await staff_accounts.create(
                session, audit.SYSTEM, via="demo data", username=demo.username, full_name=demo.full_name,
                password=DEMO_STAFF_PASSWORD, role=demo.role, area_code=demo.area_code,
            )  # fmt: skip
            added += 1
    return added


async def load_demo_cases(session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance) -> int:
    existing = set(await session.scalars(select(ResidentAccount.phone)))
    added = 0
    for phone, name, id_number, county, missing in DEMO_CASES:
        if phone in existing:
            continue
        account = await accounts.create_account(session, phone, "zhanjiang-demo-case", "zh_CN")
        if account is None:  # the number has an account already (made since the list above was read)
            continue
        await _submit_demo(session, cipher, social_insurance, account.id, phone,
                           _demo_answers(phone, name, id_number, county, missing))  # fmt: skip
        added += 1
    return added


async def _submit_demo(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, account_id: int, phone: str,
    answers: dict[str, dict[str, object]],
) -> str:  # fmt: skip
    """Apply as a resident would, step by step; the registration's number."""
    from portal.clock import local_today
    from portal.services import registration as reg
    from portal.services.registration_form import build_steps

    steps = build_steps([(a.code, a.name) for a in await areas.list_areas(session)])
    await reg.start(session, cipher, account_id, phone)
    while True:
        so_far = await reg.get_answers(session, cipher, account_id)
        # reg.start opened the draft and each step saved keeps it, so it is there on every turn.
        assert so_far is not None
        if (step := reg.next_step(steps, so_far)) is None:
            break
        outcome = await reg.save_step(
            session, cipher, social_insurance, account_id, steps, step, answers[step.key], local_today()
        )
        if outcome.errors or outcome.refusal:
            raise RuntimeError(f"demo case {phone} stopped at {step.key}: {outcome.errors or outcome.refusal}")
    submission = await reg.submit(session, cipher, social_insurance, account_id, steps, "zh_CN")
    if not isinstance(submission, reg.Submitted):
        raise RuntimeError(f"demo case {phone} was not submitted: {submission}")
    return submission.registration.number


def _demo_answers(
    phone: str, name: str, id_number: str, county: str, missing: list[str]
) -> dict[str, dict[str, object]]:
    return {
        "identity": {"name": name, "id_number": id_number, "ethnicity": "汉族"},
        "pension": {"pension_category": "F55"},
        "contact": {"phone": phone, "education": "senior"},
        "hukou": {"hukou_area": county, "hukou_address": "示例地址（示例）"},
        "residence": {"residence_area": county, "residence_address": "示例地址（示例）", "residence_type": "urban"},
        "place": {"county": county},
        "employment": {
            "unemployment_category": "contract_ended",
            "last_employer": "示例公司（示例）",
            "employment_ended_on": "2026-10-31",
        },
        "skills": {
            "training_intention": "yes",
            "entrepreneurship_intention": "no",
            "had_unemployment_insurance": "yes",
        },
        "needs": {"services_wanted": ["job_matching"]},
        "papers": {"missing_papers": missing or ["none"]},
        "commitment": {"signed_name": name, "agree": ["yes"]},
    }


# ---- registered people and what the agency has done for them (issue 8) ----------------------------------------


@dataclass(frozen=True)
class DemoPerson:
    """A registered demo resident: who they are, since when, and what the agency did for them (kinds of service
    records, oldest first), so that checklists, histories and the 12333 minimum differ and say why."""

    phone: str
    name: str
    birth: date
    sex: str
    county: str
    months_registered: int
    wants_training: bool
    wants_business: bool
    services: tuple[tuple[str, str, str, str], ...]  # (kind, channel, result, what was offered)


DEMO_PEOPLE = (
    DemoPerson("13800138021", "陈建国", date(1974, 5, 12), "M", "440802", 5, True, False, (
        ("tracking", "phone", "reached", "电话回访，仍在求职（示例）"),
        ("guidance", "visit", "reached", "面谈：建议考取电工证，转向设备维护岗位（示例）"),
        ("policy", "phone", "reached", "讲解就业困难人员认定和公益性岗位政策（示例）"),
        ("tracking", "phone", "not_reached", "电话未接通（示例）"),
        ("training", "sms", "reached", "推送：12月赤坎电工培训班，免费（示例）"),
        ("guidance", "online", "reached", "在线指导简历修改（示例）"),
        ("tracking", "phone", "reached", "电话回访（示例）"),
    )),
    DemoPerson("13800138022", "吴小敏", date(2003, 8, 20), "F", "440803", 2, False, True, (
        ("tracking", "phone", "reached", "电话回访，正在准备开网店（示例）"),
        ("guidance", "visit", "reached", "创业指导：开业流程和场地选择（示例）"),
    )),
    DemoPerson("13800138023", "周志强", date(1988, 11, 3), "M", "440802", 8, True, False, (
        ("tracking", "phone", "reached", "电话回访，个体店经营中（示例）"),
    )),
)  # fmt: skip
DEMO_PERSON_PASSWORD = "zhanjiang-demo-case"  # noqa: S105 - a published demo password


def _demo_id(region: str, birth: date, sequence: int, sex: str) -> str:
    from portal.rules.idnumber import check_digit

    first17 = f"{region}{birth:%Y%m%d}{sequence:02d}{(1 if sex == 'M' else 2)}"
    return first17 + check_digit(first17)


async def load_demo_services(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, sms: SmsGateway
) -> int:
    """Registered demo residents, months into their registration, with service records, requests (one answered,
    one overdue), a policy application waiting and a grant; skipped for a number that has an account."""
    from datetime import timedelta

    from sqlalchemy import update

    from portal.clock import local_today
    from portal.models import Registration as RegistrationRow
    from portal.models import RegistrationEvent, StaffUser, Verification
    from portal.rules.policies import months_before
    from portal.services import decisions, service_records
    from portal.services.cases import Lock
    from portal.services.staff import scope_of

    existing = set(await session.scalars(select(ResidentAccount.phone)))
    staff = {u.username: scope_of(u) for u in await session.scalars(select(StaffUser))}
    today = local_today()
    added = 0
    for n, person in enumerate(DEMO_PEOPLE, start=1):
        if person.phone in existing:
            continue
        account = await accounts.create_account(session, person.phone, DEMO_PERSON_PASSWORD, "zh_CN")
        if account is None:
            continue
        county = "chikan" if person.county == "440802" else "xiashan"
        clerk, reviewer = staff[f"{county}.clerk"], staff[f"{county}.reviewer"]
        since = months_before(today, person.months_registered)
        answers = _demo_answers(
            person.phone, person.name, _demo_id(person.county, person.birth, 30 + n, person.sex), person.county, []
        )
        answers["employment"]["employment_ended_on"] = (since - timedelta(days=10)).isoformat()
        answers["skills"] |= {
            "training_intention": "yes" if person.wants_training else "no",
            "entrepreneurship_intention": "yes" if person.wants_business else "no",
        }
        number = await _submit_demo(session, cipher, social_insurance, account.id, person.phone, answers)
        registration = await session.scalar(select(RegistrationRow).where(RegistrationRow.number == number))
        assert registration is not None
        session.add(Verification(
            registration_id=registration.id, source=VerificationSource.FIELD_INVESTIGATION,
            outcome=VerificationOutcome.MATCH, detail={"note": "demo data"},
        ))  # fmt: skip
        await session.flush()
        await decisions.decide(session, sms, reviewer, number, Lock(registration.version, 0), outcome="register")
        # As if it all happened `months_registered` months ago.
        shift = timedelta(days=(today - since).days)
        await session.refresh(registration)
        assert registration.decided_at is not None
        await session.execute(
            update(RegistrationRow).where(RegistrationRow.id == registration.id)
            .values(accepted_at=registration.accepted_at - shift, decided_at=registration.decided_at - shift,
                    first_contact_due=registration.first_contact_due - shift if registration.first_contact_due
                    else None)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        for event in await session.scalars(
            select(RegistrationEvent).where(RegistrationEvent.registration_id == registration.id)
        ):
            event.at -= shift
        for i, (kind, channel, result, note) in enumerate(person.services):
            day = since + timedelta(days=(today - since).days * (i + 1) // (len(person.services) + 1))
            await service_records.record(
                session, clerk, number, day=day.isoformat(), kind=kind, channel=channel, result=result, note=note,
            )  # fmt: skip
        await _demo_requests_and_applications(session, cipher, social_insurance, sms, person, account.id, clerk,
                                              reviewer, today)  # fmt: skip
        added += 1
    return added


async def _demo_requests_and_applications(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, sms: SmsGateway, person: DemoPerson,
    account_id: int, clerk: Scope, reviewer: Scope, today: date,
) -> None:  # fmt: skip
    """Per person: 陈建国 certified (P11) and waiting on a training subsidy with a commitment, a job request
    answered; 吴小敏 a business request overdue; 周志强 a founder's grant (P01), a policy question answered."""
    from datetime import datetime, time, timedelta

    from portal.clock import LOCAL_TZ
    from portal.services import policy_applications, service_requests
    from portal.services.policy_applications import Decision

    limiter = make_limiter(None, "demo")  # the demo's requests are not the day's allowance of anyone

    def days_ago(days: int) -> datetime:
        return datetime.combine(today - timedelta(days=days), time(10), tzinfo=LOCAL_TZ)

    async def approve(code: str, form: Mapping[str, object], amount: str, days: int) -> None:
        applied = await policy_applications.apply(
            session, cipher, social_insurance, account_id, code, form, "zh_CN", now=days_ago(days)
        )
        period = Decision(outcome="approve", amount=amount, period_from=(today - timedelta(days)).isoformat(),
                          period_to=(today + timedelta(days=365 - days)).isoformat(), note="示例数据")  # fmt: skip
        await policy_applications.decide(session, sms, reviewer, applied.number, 1, period)

    async def ask(kind: str, text: str, days: int) -> str:
        filed = await service_requests.file(
            session, limiter, per_day=10, answer_days=1, account_id=account_id, kind=kind, text=text,
            now=days_ago(days),
        )  # fmt: skip
        return filed.number

    if person.name == "陈建国":
        await approve("P11", {"missing_papers": ["none"]}, "", 100)
        await policy_applications.apply(
            session, cipher, social_insurance, account_id, "P06",
            {"missing_papers": ["training_record"], "signed_name": person.name, "agree": "yes"}, "zh_CN",
        )  # fmt: skip
        number = await ask("job", "想找设备维护或仓库管理的工作，赤坎附近，能倒班。", 1)
        await service_requests.answer(
            session, sms, clerk, number, "为您推荐：赤坎某物流园设备维护员，月薪4500元，12月5日前可面试（示例）。",
            record_as="job_recommendation",
        )  # fmt: skip
    elif person.name == "吴小敏":
        await ask("business", "想开网店卖湛江特产，请问创业担保贷款怎么申请？", 7)
    else:
        form = {"business_founded_on": (today - timedelta(days=230)).isoformat(), "employees_insured_months": "4",
                "missing_papers": ["none"]}  # fmt: skip
        await approve("P01", form, "10000", 20)
        number = await ask("policy", "领了一次性创业资助后，还能申请技能培训补贴吗？", 3)
        await service_requests.answer(
            session, sms, clerk, number,
            "领取一次性创业资助后，除灵活就业人员社会保险补贴外，不能再享受技能培训补贴等其他就业补贴；创业类政策仍可申请（示例）。",
            close=True,
        )  # fmt: skip


# ---- public notices, objections and a credit case (issue 9) ------------------------------------------------------

# Recipients of a training subsidy in 赤坎, in a notice open today (sample people, no account of their own use).
NOTICE_RECIPIENTS = (
    ("13800138031", "林晓燕", date(1992, 3, 8), "F"),
    ("13800138032", "欧阳志明", date(1985, 7, 21), "M"),
    ("13800138033", "黄海波", date(1979, 12, 2), "M"),
)


async def load_demo_notices(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, sms: SmsGateway, settings_dir: Path
) -> int:
    """A closed notice (陈建国's certification, cleared for payment), a notice open today of three training
    subsidies (one entry taken down, an objection under investigation, one answered), and 周志强's business grant
    in a notice whose objection was upheld, so that he has a credit case waiting for his side. Skipped when a
    notice exists."""
    from datetime import timedelta

    from portal.clock import local_today
    from portal.models import Notice, StaffUser, Verification
    from portal.models import Registration as RegistrationRow
    from portal.services import decisions, notices, objections, policy_applications
    from portal.services.cases import Lock
    from portal.services.staff import scope_of

    if await session.scalar(select(Notice.id).limit(1)) is not None:
        return 0
    staff = {u.username: scope_of(u) for u in await session.scalars(select(StaffUser))}
    clerk, reviewer = staff["chikan.clerk"], staff["chikan.reviewer"]
    today = local_today()
    for n, (phone, name, birth, sex) in enumerate(NOTICE_RECIPIENTS, start=1):
        account = await accounts.create_account(session, phone, DEMO_PERSON_PASSWORD, "zh_CN")
        if account is None:
            continue
        answers = _demo_answers(phone, name, _demo_id("440802", birth, 40 + n, sex), "440802", [])
        number = await _submit_demo(session, cipher, social_insurance, account.id, phone, answers)
        registration = await session.scalar(select(RegistrationRow).where(RegistrationRow.number == number))
        assert registration is not None
        session.add(Verification(registration_id=registration.id, source=VerificationSource.FIELD_INVESTIGATION,
                                 outcome=VerificationOutcome.MATCH, detail={"note": "demo data"}))  # fmt: skip
        await session.flush()
        await decisions.decide(session, sms, reviewer, number, Lock(registration.version, 0), outcome="register")
        applied = await policy_applications.apply(session, cipher, social_insurance, account.id, "P06",
                                                  {"missing_papers": ["none"]}, "zh_CN")  # fmt: skip
        await policy_applications.decide(session, sms, reviewer, applied.number, 1, policy_applications.Decision(
            outcome="approve", amount="1200", period_from=today.isoformat(),
            period_to=(today + timedelta(days=90)).isoformat(), note="示例数据"))  # fmt: skip

    async def published(code: str, back: int = 0) -> Notice:
        draft = notices.Draft(code, today - timedelta(days=400), today, 5)
        notice = await notices.compose(session, cipher, clerk, draft)
        await notices.publish(session, reviewer, notice.number, notice.version, today=today - timedelta(days=back))
        return notice

    closed = await published("P11", back=20)
    # As if composed and published 20 days ago.
    assert closed.published_at is not None
    closed.published_at -= timedelta(days=20)
    closed.composed_at -= timedelta(days=21)
    await session.flush()
    await notices.settle_due(session, today)
    training = await published("P06")
    await notices.take_down(
        session, reviewer, training.number, 3, "error", "身份证号码录入错误，更正后重新公示（示例）"
    )
    limiter = make_limiter(None, "demo")

    async def objection(notice: Notice, position: int, ground: str, facts: str) -> str:
        filed = await objections.file(
            session, sms, cipher, limiter, number=notice.number, position=position,
            form=objections.ObjectionForm(who="anonymous", ground=ground, facts=facts), attachment=None,
            address="demo", per_hour=100, answer_days=10, attachment_dir=settings_dir,
        )  # fmt: skip
        return filed.number

    investigating = await objection(training, 1, "employed", "她上个月起在霞山一家超市当收银员（示例）。")
    await objections.assign(session, clerk, investigating, 1, str(clerk.staff_id))
    await objections.investigate(session, cipher, social_insurance, clerk, investigating,
                                 note="已电话联系本人，约定下周到所核实（示例）。", compare=True)  # fmt: skip
    answered = await objection(training, 2, "not_resident", "此人常年住在广州（示例）。")
    await objections.decide(session, sms, reviewer, answered, 1, outcome="not_upheld", statement_days=5,
                            reply="经核实，其常住地为赤坎区，异议不成立（示例）。")  # fmt: skip
    founder = await published("P01")
    upheld = await objection(founder, 1, "false_information", "他的店铺早已转让给别人经营（示例）。")
    await objections.decide(session, sms, reviewer, upheld, 1, outcome="upheld", statement_days=5,
                            reply="经核实，店铺已于两个月前转让，异议成立，"
                                  "已撤下该条公示并启动信用核查（示例）。")  # fmt: skip
    return 3


# ---- unemployment insurance benefit handled with the registration (issue 10, point 11) ---------------------------

UI_BENEFIT_DEMO_PHONE = "13800138012"  # 黄海 of DEMO_CASES: insured 78 months, his contract ended on 2026-10-31


async def load_demo_ui_benefit(session: AsyncSession, sms: SmsGateway) -> int:
    """黄海's application (a demo case of 赤坎, made with the benefit claimed) registered by the 赤坎 reviewer, so that
    his benefit is granted with it: 18 months at 90% of the minimum wage. 李强's case stays waiting, his claim with
    it. Skipped unless 黄海's application is still waiting."""
    from portal.models import AWAITING_STATUSES, StaffUser, Verification
    from portal.models import Registration as RegistrationRow
    from portal.services import decisions
    from portal.services.cases import Lock
    from portal.services.staff import scope_of

    registration = await session.scalar(
        select(RegistrationRow)
        .join(ResidentAccount, ResidentAccount.id == RegistrationRow.account_id)
        .where(ResidentAccount.phone == UI_BENEFIT_DEMO_PHONE, RegistrationRow.status.in_(AWAITING_STATUSES))
    )
    reviewer = await session.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer"))
    if registration is None or reviewer is None:
        return 0
    session.add(Verification(
        registration_id=registration.id, source=VerificationSource.FIELD_INVESTIGATION,
        outcome=VerificationOutcome.MATCH, detail={"note": "demo data"},
    ))  # fmt: skip
    await session.flush()
    await decisions.decide(
        session, sms, scope_of(reviewer), registration.number, Lock(registration.version, 0), outcome="register"
    )
    return 1


# ---- vacancies, recommendations and their follow-ups (issue 10, point 8) ----------------------------------------

# What the registered demo people said of the work they want (the form's skills step), so that vacancies match them.
DEMO_JOB_SEEKERS = {
    "13800138021": ("电工", "设备维护五年", "低压电工证"),  # 陈建国, 赤坎
    "13800138023": ("仓库管理员", "叉车驾驶，库存盘点", ""),  # 周志强, 赤坎
    "13800138022": ("电商客服", "网店运营，电商直播", ""),  # 吴小敏, 霞山
}
# (county, employer, post, pay, requirements, skills, closing in days, recommended to, days ago, result)
DEMO_VACANCIES = (
    ("440802", "湛江示例电力设备有限公司（示例）", "维修电工", (4500, 6500), "持证上岗，能倒班（示例）", "电工证",
     30, "13800138021", 10, None),
    ("440802", "赤坎示例物流中心（示例）", "仓库管理员", (3800, 5000), "会开叉车优先（示例）", "叉车、盘点", 20,
     "13800138023", 12, "not_hired"),
    ("440802", "赤坎示例商场（示例）", "收银员", (3000, 3800), "能上早晚班（示例）", "", 25, None, 0, None),
    ("440803", "霞山示例电商公司（示例）", "电商客服", (3500, 4500), "普通话标准，会打字（示例）", "电商", 30,
     "13800138022", 8, None),
    ("440803", "霞山示例海鲜加工厂（示例）", "质检员", (3600, 4800), "（示例）", "食品检验", 15, None, 0, None),
)  # fmt: skip


async def load_demo_vacancies(session: AsyncSession, sms: SmsGateway) -> int:
    """Vacancies in 赤坎 and 霞山 recommended to the registered demo people (who are given a job-search intention
    first): two follow-ups due, one done. Skipped once there are vacancies."""
    from datetime import timedelta

    from sqlalchemy import update

    from portal.clock import local_today
    from portal.models import Registration as RegistrationRow
    from portal.models import RegistrationStatus, StaffUser, Vacancy
    from portal.services import vacancies
    from portal.services.staff import scope_of

    if await session.scalar(select(Vacancy.id).limit(1)) is not None:
        return 0
    staff = {u.username: scope_of(u) for u in await session.scalars(select(StaffUser))}
    numbers: dict[str, str] = {}
    for phone, (intention, skills, certificates) in DEMO_JOB_SEEKERS.items():
        registration = await session.scalar(
            select(RegistrationRow)
            .join(ResidentAccount, ResidentAccount.id == RegistrationRow.account_id)
            .where(ResidentAccount.phone == phone, RegistrationRow.status == RegistrationStatus.REGISTERED)
        )
        if registration is None:
            continue
        await session.execute(
            update(RegistrationRow).where(RegistrationRow.id == registration.id)
            .values(occupation_intention=intention,
                    answers={**registration.answers, "skills": skills, "certificates": certificates})
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        numbers[phone] = registration.number
    today = local_today()
    added = 0
    for county, employer, post, (low, high), requirements, skills, closing, to, ago, result in DEMO_VACANCIES:
        clerk = staff.get("chikan.clerk" if county == "440802" else "xiashan.clerk")
        if clerk is None:
            continue
        form = vacancies.VacancyForm(employer=employer, post=post, pay_min=str(low), pay_max=str(high),
                                     requirements=requirements, skills=skills,
                                     closing_on=(today + timedelta(days=closing)).isoformat())  # fmt: skip
        vacancy = await vacancies.create(session, clerk, form, today=today - timedelta(days=ago))
        added += 1
        if to is None or to not in numbers:
            continue
        since = today - timedelta(days=ago)
        made = await vacancies.recommend(session, sms, clerk, vacancy.id, numbers[to], today=since)
        if result is not None:
            await vacancies.record_follow_up(session, clerk, made.recommendation.id, result=result,
                                             note="已面试，用人单位另选他人（示例）", today=today)  # fmt: skip
    return added


# ---- training programmes and the business-start guarantee loan (issue 10, points 9 and 10) --------------------------

# Registered for these demos: in 霞山 someone who wants training and a business, in 赤坎 a founder-to-be.
TRAINING_LOAN_PEOPLE = (
    ("13800138061", "李梅", date(1990, 6, 15), "F", "440803", True, True),
    ("13800138062", "王海", date(1985, 9, 9), "M", "440802", False, True),
)


async def load_demo_training_and_loans(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, sms: SmsGateway
) -> int:
    """A training programme in 赤坎 and in 霞山, each told to the county's registered people who want training and
    with people enrolled (one completion recorded in 赤坎); 吴小敏's guarantee-loan application checked by the 霞山
    agency and 王海's with the lender in 赤坎. Skipped when a programme exists. The number of programmes made."""
    from datetime import timedelta

    from portal.clock import local_today
    from portal.models import Registration as RegistrationRow
    from portal.models import StaffUser, TrainingEnrolment, TrainingProgramme, Verification
    from portal.services import decisions, loans, training
    from portal.services.cases import Lock
    from portal.services.staff import scope_of

    if await session.scalar(select(TrainingProgramme.id).limit(1)) is not None:
        return 0
    staff = {u.username: scope_of(u) for u in await session.scalars(select(StaffUser))}
    today = local_today()
    accounts_by_phone: dict[str, int] = {}
    for n, (phone, name, birth, sex, county, wants_training, wants_business) in enumerate(TRAINING_LOAN_PEOPLE, 1):
        account = await accounts.create_account(session, phone, DEMO_PERSON_PASSWORD, "zh_CN")
        if account is None:
            continue
        answers = _demo_answers(phone, name, _demo_id(county, birth, 60 + n, sex), county, [])
        answers["skills"] |= {"training_intention": "yes" if wants_training else "no",
                              "entrepreneurship_intention": "yes" if wants_business else "no"}  # fmt: skip
        number = await _submit_demo(session, cipher, social_insurance, account.id, phone, answers)
        registration = await session.scalar(select(RegistrationRow).where(RegistrationRow.number == number))
        assert registration is not None
        session.add(Verification(registration_id=registration.id, source=VerificationSource.FIELD_INVESTIGATION,
                                 outcome=VerificationOutcome.MATCH, detail={"note": "demo data"}))  # fmt: skip
        await session.flush()
        reviewer = staff["chikan.reviewer" if county == "440802" else "xiashan.reviewer"]
        await decisions.decide(session, sms, reviewer, number, Lock(registration.version, 0), outcome="register")
        accounts_by_phone[phone] = account.id
    for phone in ("13800138021", "13800138022", "13800138023"):  # the registered people of load_demo_services
        found = await session.scalar(select(ResidentAccount.id).where(ResidentAccount.phone == phone))
        if found is not None:
            accounts_by_phone[phone] = found

    def days(n: int) -> str:
        return (today + timedelta(days=n)).isoformat()

    courses = (
        ("chikan.clerk", "湛江市某职业技能培训学校（示例）", "电工（初级）", "P06", "20",
         "赤坎区示例路8号，周一至周五 9:00–12:00；结业考试合格可取得低压电工作业证（示例）",
         ("13800138021", "13800138023")),
        ("xiashan.clerk", "湛江市某创业孵化基地（示例）", "网店运营创业培训（SYB）", "P05", "15",
         "霞山区示例大道66号，共10个工作日；含开业指导和创业担保贷款讲解（示例）", ("13800138061", "13800138022")),
    )  # fmt: skip
    for username, provider, course, policy, seats, details, enrolling in courses:
        clerk = staff[username]
        programme = await training.create(session, clerk, training.ProgrammeForm(
            provider=provider, course=course, details=details, starts_on=days(12), ends_on=days(40),
            enrol_by=days(9), seats=seats, subsidy_policy=policy,
        ))  # fmt: skip
        await training.tell(session, sms, clerk, programme.id, today=today)
        for phone in enrolling:
            if phone in accounts_by_phone:
                await training.enrol(session, accounts_by_phone[phone], programme.id, today)
        if username == "chikan.clerk":
            first = await session.scalar(select(TrainingEnrolment.id).where(
                TrainingEnrolment.programme_id == programme.id).order_by(TrainingEnrolment.id).limit(1))  # fmt: skip
            if first is not None:
                await training.record_completion(session, clerk, programme.id, first, "certificate")

    applications = (
        ("13800138022", "xiashan.clerk", loans.LoanForm(
            business_name="小敏湛江特产网店（示例）", business_type="online_shop", amount="100000",
            purpose="首批进货、网店装修和直播设备（示例）", term_months="24", business_registered="no"),
         [loans.StepForm("submitted", "check", note="身份、登记和创业意愿已核实（示例）")]),
        ("13800138062", "chikan.clerk", loans.LoanForm(
            business_name="海记汽车维修店（示例）", business_type="individual", amount="200000",
            purpose="租用铺面和购置维修设备（示例）", term_months="36", business_registered="yes",
            business_registered_on=days(-20)),
         [loans.StepForm("submitted", "check"),
          loans.StepForm("checked", "send", lender="湛江某农商银行赤坎支行（示例）")]),
    )  # fmt: skip
    for phone, username, form, steps in applications:
        if phone not in accounts_by_phone:
            continue
        applied = await loans.apply(session, cipher, social_insurance, accounts_by_phone[phone], form)
        for step in steps:
            await loans.take_step(session, sms, staff[username], applied.number, step, today)
    await loans.offer(session, staff["chikan.clerk"], await session.scalar(
        select(RegistrationRow.number).join(ResidentAccount, ResidentAccount.id == RegistrationRow.account_id)
        .where(ResidentAccount.phone == "13800138062")) or "", service="opening", channel="visit", result="reached",
        note="讲解个体工商户登记流程和选址（示例）")  # fmt: skip
    return len(courses)


# ---- public-welfare posts (issue 10, point 7) -----------------------------------------------------------------------

# Certified with employment difficulty (older: a man over 50) in 赤坎, for the placement demo; a new demo person, so
# the other demo people keep the state their own pages show.
PUBLIC_WELFARE_PERSON = ("13800138071", "梁志华", date(1971, 4, 9), "M", "440802")
PUBLIC_WELFARE_POSTS = (
    ("chikan.clerk", "赤坎区某街道办事处（示例）", "社区保洁员",
     "负责辖区内街巷的日常清扫保洁，早班 6:00–11:00（示例）", "5", "12", "1850"),
    ("xiashan.clerk", "霞山区某公园管理处（示例）", "公园巡查员",
     "公园日常巡查、设施看护和游客引导，白班轮休（示例）", "3", "36", "1850"),
)  # fmt: skip


async def load_demo_public_welfare_posts(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, sms: SmsGateway
) -> int:
    """A public-welfare post in 赤坎 and in 霞山; a new demo person, certified (older) by the 赤坎 reviewer, placed in
    赤坎's post with a term that ends within 30 days, so the alert shows. Skipped when a post exists. The number of
    posts made."""
    from datetime import timedelta

    from portal.clock import local_today
    from portal.models import Certification, PublicWelfarePost, StaffUser, Verification
    from portal.models import Registration as RegistrationRow
    from portal.services import decisions
    from portal.services import public_welfare_posts as posts
    from portal.services.cases import Lock
    from portal.services.staff import scope_of

    if await session.scalar(select(PublicWelfarePost.id).limit(1)) is not None:
        return 0
    staff = {u.username: scope_of(u) for u in await session.scalars(select(StaffUser))}
    today = local_today()
    made = {}
    for username, employer, title, duties, positions, term, subsidy in PUBLIC_WELFARE_POSTS:
        made[username] = await posts.create(session, staff[username], posts.PostForm(
            employer=employer, title=title, duties=duties, positions=positions, term_months=term,
            monthly_subsidy=subsidy,
        ))  # fmt: skip
    phone, name, birth, sex, county = PUBLIC_WELFARE_PERSON
    account = await accounts.create_account(session, phone, DEMO_PERSON_PASSWORD, "zh_CN")
    if account is None:
        return len(made)
    number = await _submit_demo(session, cipher, social_insurance, account.id, phone,
                                _demo_answers(phone, name, _demo_id(county, birth, 71, sex), county, []))  # fmt: skip
    registration = await session.scalar(select(RegistrationRow).where(RegistrationRow.number == number))
    assert registration is not None
    session.add(Verification(registration_id=registration.id, source=VerificationSource.FIELD_INVESTIGATION,
                             outcome=VerificationOutcome.MATCH, detail={"note": "demo data"}))  # fmt: skip
    await session.flush()
    reviewer = staff["chikan.reviewer"]
    await decisions.decide(session, sms, reviewer, number, Lock(registration.version, 0), outcome="register")
    applied = await certifications.apply(session, account.id, category="older", evidence="commitment",
                                         evidence_text="", commitment_name=name, today=today)  # fmt: skip
    version = await session.scalar(select(Certification.version).where(Certification.number == applied.number))
    await certifications.decide(session, sms, reviewer, applied.number, version=version or 1, outcome="certify",
                                reasons="", today=today)  # fmt: skip
    # A 12-month term begun almost a year ago: its last day is 20 days from today.
    after_end = today + timedelta(days=21)
    starts_on = after_end.replace(year=after_end.year - 1, day=min(after_end.day, 28))
    chikan = made["chikan.clerk"]
    await posts.place(session, staff["chikan.clerk"], chikan.id,
                      posts.PlaceForm(number=number, starts_on=starts_on.isoformat()), today)  # fmt: skip
    return len(made)


async def load_demo_plans(session: AsyncSession, sms: SmsGateway) -> int:
    """陈建国 (赤坎, 52: category 1) certified with employment difficulty through the certification workflow, with
    his one-person-one-plan: 赤坎's clerk as case worker, goals, an action done, one due and one overdue, and a
    review; 周志强's application for certification waiting for a decision. Skipped for a person who applied already."""
    from datetime import timedelta

    from portal.clock import local_today
    from portal.models import Certification, Plan, PlanAction, StaffUser
    from portal.models import Registration as RegistrationRow
    from portal.services import plans
    from portal.services.staff import scope_of

    staff = {u.username: scope_of(u) for u in await session.scalars(select(StaffUser))}
    clerk, reviewer = staff["chikan.clerk"], staff["chikan.reviewer"]
    today = local_today()
    added = 0
    for phone, category, certify in (("13800138021", "older", True), ("13800138023", "long_unemployed", False)):
        account_id = await session.scalar(select(ResidentAccount.id).where(ResidentAccount.phone == phone))
        if account_id is None or await session.scalar(
            select(Certification.id).where(Certification.account_id == account_id)
        ):
            continue  # not there, or loaded already
        name = await session.scalar(
            select(Person.name).join(RegistrationRow, RegistrationRow.person_id == Person.id)
            .where(RegistrationRow.account_id == account_id)
        )  # fmt: skip
        applied = await certifications.apply(session, account_id, category=category, evidence="commitment",
                                             evidence_text="", commitment_name=name or "", today=today)  # fmt: skip
        added += 1
        if not certify:
            continue
        await certifications.decide(session, sms, reviewer, applied.number, version=1, outcome="certify",
                                    reasons="", today=today)  # fmt: skip
        plan = await session.scalar(
            select(Plan).join(Certification, Certification.id == Plan.certification_id)
            .where(Certification.number == applied.number)
        )  # fmt: skip
        assert plan is not None
        await plans.reassign(session, reviewer, plan.id, case_worker=str(clerk.staff_id), version=plan.version)
        await session.refresh(plan)
        goals = "三个月内在赤坎区找到设备维护或保安类工作；考取电工证（示例）"
        await plans.set_goals(session, clerk, plan.id, goals=goals, version=plan.version)
        # As agreed over the past weeks: one done, one overdue, one still to come.
        session.add_all([
            PlanAction(plan_id=plan.id, text="报名参加赤坎区电工培训班（示例）", due_on=today - timedelta(days=20),
                       done_on=today - timedelta(days=22), staff_id=clerk.staff_id),
            PlanAction(plan_id=plan.id, text="向三家物流园投递简历（示例）", due_on=today - timedelta(days=3),
                       staff_id=clerk.staff_id),
            PlanAction(plan_id=plan.id, text="参加12月赤坎区就业困难人员专场招聘会（示例）",
                       due_on=today + timedelta(days=12), staff_id=clerk.staff_id),
        ])  # fmt: skip
        await plans.add_review(session, clerk, plan.id, note="面谈：已报名电工培训，求职意愿强，需要简历指导（示例）",
                               today=today)  # fmt: skip
    return added


HISTORY_SIZE = 160  # people registered across the counties over the past year, for the statistics and dashboard
HISTORY_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
HISTORY_GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
)


async def load_demo_history(session: AsyncSession, cipher: Cipher) -> int:
    """A year of registrations across the counties, as the statistics, the dashboard and the consistency check
    need them: registered over the past 13 months, some back in work or exited since (with the reasons' usual
    mix), with a tracking contact most months; then each past month's statistics taken (final) and this month's
    (provisional). Written straight to the tables (numbers ZJH…), as if it all happened then. Skipped once there."""
    import random
    from datetime import timedelta

    from portal.clock import local_midnight, local_today
    from portal.models import (
        Education,
        Registration,
        RegistrationStatus,
        ServiceArea,
        ServiceChannel,
        ServiceKind,
        ServiceRecord,
        ServiceResult,
        UnemploymentCategory,
    )
    from portal.rules.policies import months_before
    from portal.services import statistics

    if await session.scalar(select(Registration.id).where(Registration.number.like("ZJH%")).limit(1)):
        return 0
    rng = random.Random(2021)  # noqa: S311 - made-up demo people, the same each time
    today = local_today()
    counties = list(await session.scalars(select(ServiceArea.code).order_by(ServiceArea.sort_order)))
    weights = [6 if code in ("440802", "440803") else 2 for code in counties]  # the demo's two counties busiest
    reasons = ["1"] * 9 + ["2"] * 4 + ["3"] * 2 + ["4", "6a", "8", "9", "9", "10"]
    start = months_before(today.replace(day=1), 12)
    span = (today - start).days
    for n in range(HISTORY_SIZE):
        county = rng.choices(counties, weights)[0]
        sex = rng.choice("MF")
        birth = date(rng.randint(1968, 2006), rng.randint(1, 12), rng.randint(1, 28))
        region = county if county.isdigit() else "440800"
        id_number = _demo_id(region, birth, n % 90 + 10, sex)
        person = Person(id_hash=cipher.keyed_hash(id_number, "id"), id_cipher=cipher.encrypt(id_number.encode(), "id"),
                        name=rng.choice(HISTORY_SURNAMES) + "".join(rng.sample(HISTORY_GIVEN, rng.choice((1, 2)))),
                        sex=sex, birth_date=birth)  # fmt: skip
        session.add(person)
        await session.flush()
        decided_on = start + timedelta(days=rng.randint(0, span))
        decided_at = local_midnight(decided_on) + timedelta(hours=10)
        ended_on = decided_on + timedelta(days=rng.randint(20, 300)) if rng.random() < 0.45 else None
        ended = ended_on is not None and ended_on < today
        reason = rng.choice(reasons) if ended else None
        status = (RegistrationStatus.REGISTERED if not ended else
                  RegistrationStatus.EMPLOYED if reason in ("1", "2", "3") else RegistrationStatus.EXITED)  # fmt: skip
        registration = Registration(
            number=f"ZJH{decided_on:%Y%m%d}{n:06d}", person_id=person.id, account_id=None, county_code=county,
            status=status, pension_category="M60" if sex == "M" else "F55", phone=f"1390000{n:04d}",
            ethnicity="汉族", education=rng.choice(list(Education)), hukou_local=rng.random() < 0.7,
            residence_urban=rng.random() < 0.8,
            unemployment_category=rng.choice([c for c in UnemploymentCategory if c.value != "other"]),
            occupation_intention="", wants_training=rng.random() < 0.3, wants_business=rng.random() < 0.15,
            insured_before=rng.choice(["yes", "no"]), answers={"last_employer": "湛江某企业（示例）"},
            accepted_at=decided_at - timedelta(days=2), deadline=decided_on, decided_at=decided_at,
            first_contact_due=decided_on + timedelta(days=7), end_reason=reason,
            end_date=ended_on if ended else None, ended_at=local_midnight(ended_on) if ended and ended_on else None,
            end_note="示例" if ended else "",
        )  # fmt: skip
        session.add(registration)
        await session.flush()
        # A tracking contact most months while registered (the ledger and the dashboard's coverage read them).
        last = None
        day = decided_on + timedelta(days=rng.randint(2, 9))
        until = ended_on if ended and ended_on else today
        while day < until:
            if rng.random() < 0.85:
                session.add(ServiceRecord(registration_id=registration.id, day=day, kind=ServiceKind.TRACKING,
                                          channel=rng.choice([ServiceChannel.PHONE, ServiceChannel.DATA]),
                                          result=ServiceResult.REACHED, note="定期联系（示例）"))  # fmt: skip
                last = day
            day += timedelta(days=rng.randint(25, 35))
        registration.last_contact_on = last
    await session.flush()
    for back in range(12, -1, -1):
        await statistics.take_month(session, f"{months_before(today.replace(day=1), back):%Y-%m}", today)
    return HISTORY_SIZE
