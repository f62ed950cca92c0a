"""Classified services for people who want a job (§3.2 (1)): vacancies staff enter or import, the county's
registered people matched to each one (rules.matching), recommendations recorded as services (they count for
the 12333 minimum) with a follow-up of their result, and the resident's answer to each recommendation."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, case, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.clock import local_today
from portal.i18n import _l
from portal.models import (
    FollowUpResult,
    Interest,
    MessageKind,
    Person,
    ProposalSource,
    Recommendation,
    Registration,
    RegistrationStatus,
    ServiceArea,
    ServiceChannel,
    ServiceKind,
    ServiceResult,
    StaffRole,
    Vacancy,
    VacancyStatus,
)
from portal.models.base import utcnow
from portal.models.vacancies import PAY_MAX
from portal.rules import matching
from portal.services import audit, calendar, cases, fields, inbox, paging, proposals, service_records
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound, OutOfScope
from portal.services.staff import Scope

PAGE_SIZE = 25
# Working days after a recommendation (or an interview) when staff ask how it went.
RECOMMENDATION_FOLLOW_UP_DAYS = 5
EMPLOYER_MAX = 100
POST_MAX = 60
REQUIREMENTS_MAX = 1000
SKILLS_MAX = 200
SKILL_WORDS_MAX = 10
SKILL_WORD_MAX = 20
# The CSV import: a file a spreadsheet saves for a few hundred posts, not a database dump.
IMPORT_MAX_BYTES = 1_000_000
IMPORT_MAX_ROWS = 1000

SHOW_LABELS: dict[str, object] = {"open": _l("Open"), "closed": _l("Closed or past closing date")}
STATUS_LABELS: dict[str, object] = {VacancyStatus.OPEN: _l("Open"), VacancyStatus.CLOSED: _l("Closed")}
RESULT_LABELS: dict[str, object] = {
    FollowUpResult.AWAITING: _l("Awaiting the result"),
    FollowUpResult.INTERVIEWED: _l("Interviewed"),
    FollowUpResult.HIRED: _l("Hired"),
    FollowUpResult.NOT_HIRED: _l("Not hired"),
    FollowUpResult.NO_REPLY: _l("No reply"),
}
# What staff may record, and the results each may follow (only once from awaiting; an interview goes on to an
# outcome). A conditional UPDATE on these decides two staff recording at once.
FOLLOW_UP_FROM: dict[FollowUpResult, tuple[FollowUpResult, ...]] = {
    FollowUpResult.INTERVIEWED: (FollowUpResult.AWAITING,),
    FollowUpResult.HIRED: (FollowUpResult.AWAITING, FollowUpResult.INTERVIEWED),
    FollowUpResult.NOT_HIRED: (FollowUpResult.AWAITING, FollowUpResult.INTERVIEWED),
    FollowUpResult.NO_REPLY: (FollowUpResult.AWAITING,),
}
FOLLOW_UP_LABELS: dict[str, object] = {r.value: RESULT_LABELS[r] for r in FOLLOW_UP_FROM}
OPEN_RESULTS = (FollowUpResult.AWAITING, FollowUpResult.INTERVIEWED)
FOLLOW_UP_SHOW_LABELS: dict[str, object] = {
    "due": _l("Due or late"),
    "waiting": _l("Not due yet"),
    "done": _l("Done"),
}
INTEREST_LABELS: dict[str, object] = {
    Interest.INTERESTED: _l("Interested"),
    Interest.NOT_INTERESTED: _l("Not interested"),
}

EMPLOYER_REQUIRED = _l("Enter the employer")
POST_REQUIRED = _l("Enter the post")
COUNTY_REQUIRED = _l("Select the county of the post")
PAY_INVALID = _l("Enter the pay in whole yuan a month, from 0 to 1000000")
PAY_ORDER = _l("The lowest pay cannot be more than the highest")
CLOSING_INVALID = _l("Enter the closing date, today or later, like 2026-12-31")
SKILLS_INVALID = _l("Use at most 10 skills of at most 20 characters each")
RESULT_REQUIRED = _l("Select the result")
INTEREST_REQUIRED = _l("Select whether you are interested")
FILE_REQUIRED = _l("Choose a CSV file to import")
FILE_TOO_BIG = _l("The file is too big: import at most 1 MB at a time")
FILE_NOT_TEXT = _l("The file is not a CSV saved as UTF-8 or GB18030")
FILE_NO_HEADER = _l("The first row must name the columns: employer, post, county, pay_min, pay_max, "
                    "requirements, skills, closing_on")  # fmt: skip
FILE_EMPTY = _l("The file has no vacancies under its header row")
FILE_TOO_MANY = _l("Import at most 1000 vacancies at a time")
COUNTY_NOT_YOURS = _l("You can only enter vacancies of your own county")

# Reasons in words (rules.matching): what the person said, and what the vacancy says.
REASON_WORDS: dict[str, object] = {
    matching.OCCUPATION: _l("wants work as %(person)s — the post is %(vacancy)s"),
    matching.LIVES_IN: _l("lives in %(county)s"),
    matching.REGISTERED_IN: _l("registered in %(county)s"),
    matching.SKILL: _l("skill: %(vacancy)s"),
}

# The CSV's columns, and the Chinese headings a spreadsheet saved by staff may have instead.
CSV_COLUMNS = ("employer", "post", "county", "pay_min", "pay_max", "requirements", "skills", "closing_on")
CSV_HEADINGS = {
    "用人单位": "employer", "岗位": "post", "区县": "county", "最低月薪": "pay_min", "最高月薪": "pay_max",
    "岗位要求": "requirements", "技能": "skills", "截止日期": "closing_on",
}  # fmt: skip


def reason_words(reason: dict[str, Any], area_names: dict[str, str]) -> str:
    """One reason of a match in the reader's language."""
    words = REASON_WORDS.get(str(reason.get("kind")))
    if words is None:
        return ""
    county = area_names.get(str(reason.get("vacancy", "")), str(reason.get("vacancy", "")))
    return str(words) % {"person": reason.get("person", ""), "vacancy": reason.get("vacancy", ""), "county": county}


def may_edit(scope: Scope) -> bool:
    """County clerks and reviewers for their county, and city administrators for any."""
    return scope.role in (StaffRole.CLERK, StaffRole.REVIEWER, StaffRole.CITY_ADMIN)


# ---- vacancies ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VacancyForm:
    employer: str = ""
    post: str = ""
    county: str = ""
    pay_min: str = ""
    pay_max: str = ""
    requirements: str = ""
    skills: str = ""
    closing_on: str = ""


def _pay(raw: str) -> int | None:
    text = raw.strip()
    if not text.isascii() or not text.isdecimal() or len(text) > 7:
        return None
    value = int(text)
    return value if 0 <= value <= PAY_MAX else None


def _checked(form: VacancyForm, scope: Scope, counties: set[str], today: date) -> dict[str, Any]:
    """The vacancy's columns from a form (or a CSV row), or an InputError naming each field that is wrong."""
    errors: dict[str, object] = {}
    employer, post = form.employer.strip(), form.post.strip()
    if not employer:
        errors["employer"] = EMPLOYER_REQUIRED
    if not post:
        errors["post"] = POST_REQUIRED
    county = scope.area_code if scope.area_code else form.county.strip()
    if scope.area_code and form.county.strip() not in ("", scope.area_code):
        errors["county"] = COUNTY_NOT_YOURS
    elif county not in counties:
        errors["county"] = COUNTY_REQUIRED
    pay_min, pay_max = _pay(form.pay_min), _pay(form.pay_max)
    if pay_min is None:
        errors["pay_min"] = PAY_INVALID
    if pay_max is None:
        errors["pay_max"] = PAY_INVALID
    elif pay_min is not None and pay_min > pay_max:
        errors["pay_max"] = PAY_ORDER
    closing_on = fields.parse_date(form.closing_on)
    if closing_on is None or closing_on < today:
        errors["closing_on"] = CLOSING_INVALID
    words = matching.keywords(form.skills)
    if len(words) > SKILL_WORDS_MAX or any(len(word) > SKILL_WORD_MAX for word in words):
        errors["skills"] = SKILLS_INVALID
    skills = "、".join(words)
    fields.check_lengths(errors, {
        "employer": (employer, EMPLOYER_MAX), "post": (post, POST_MAX),
        "requirements": (form.requirements.strip(), REQUIREMENTS_MAX), "skills": (skills, SKILLS_MAX),
    })  # fmt: skip
    if errors:
        raise InputError(errors)
    return {
        "employer": employer, "post": post, "county_code": county, "pay_min": pay_min, "pay_max": pay_max,
        "requirements": form.requirements.strip(), "skills": skills, "closing_on": closing_on,
    }  # fmt: skip


async def _county_codes(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(ServiceArea.code)))


def _may_edit_or_refuse(scope: Scope) -> None:
    if not may_edit(scope):
        raise NotAllowed()


async def create(session: AsyncSession, scope: Scope, form: VacancyForm, today: date | None = None) -> Vacancy:
    _may_edit_or_refuse(scope)
    values = _checked(form, scope, await _county_codes(session), today or local_today())
    vacancy = Vacancy(**values, created_by=scope.staff_id)
    session.add(vacancy)
    await session.flush()
    await audit.record(session, scope.actor, "vacancy.create", "vacancy", vacancy.id,
                       {"county": vacancy.county_code, "post": vacancy.post, "employer": vacancy.employer})  # fmt: skip
    return vacancy


async def get(session: AsyncSession, scope: Scope, vacancy_id: int) -> Vacancy:
    """A vacancy in the staff member's scope; another county's is not there for them (and the try is audited)."""
    known = fields.db_int(vacancy_id) is not None
    vacancy = await session.get(Vacancy, vacancy_id, populate_existing=True) if known else None
    if vacancy is None:
        raise NotFound()
    if not scope.covers(vacancy.county_code):
        raise OutOfScope(scope.actor, "vacancy", str(vacancy_id))
    return vacancy


async def edit(
    session: AsyncSession, scope: Scope, vacancy_id: int, form: VacancyForm, version: str, today: date | None = None
) -> Vacancy:
    """Save an edit drawn from `version`: one conditional UPDATE, so of two staff editing at once one wins and
    the other is told it changed."""
    _may_edit_or_refuse(scope)
    vacancy = await get(session, scope, vacancy_id)
    values = _checked(form, scope, await _county_codes(session), today or local_today())
    if not scope.covers(values["county_code"]):
        raise InputError({"county": COUNTY_NOT_YOURS})
    seen = fields.db_int(version)
    saved = await session.scalar(
        update(Vacancy)
        .where(Vacancy.id == vacancy.id, Vacancy.version == (seen if seen is not None else -1))
        .values(**values, version=Vacancy.version + 1, updated_at=utcnow())
        .returning(Vacancy.id)
        .execution_options(synchronize_session=False)
    )
    if saved is None:
        raise Conflict()
    await audit.record(session, scope.actor, "vacancy.edit", "vacancy", vacancy.id,
                       {k: str(v) for k, v in values.items() if k != "requirements"})  # fmt: skip
    return await get(session, scope, vacancy.id)


async def close(session: AsyncSession, scope: Scope, vacancy_id: int) -> None:
    """No longer offered for recommendation; its recommendations and their follow-ups go on."""
    _may_edit_or_refuse(scope)
    vacancy = await get(session, scope, vacancy_id)
    closed = await session.scalar(
        update(Vacancy)
        .where(Vacancy.id == vacancy.id, Vacancy.status == VacancyStatus.OPEN)
        .values(status=VacancyStatus.CLOSED, version=Vacancy.version + 1, updated_at=utcnow())
        .returning(Vacancy.id)
        .execution_options(synchronize_session=False)
    )
    if closed is not None:
        await audit.record(session, scope.actor, "vacancy.close", "vacancy", vacancy.id, {})


def is_offered(vacancy: Vacancy, today: date) -> bool:
    """Open and not past its closing date: it may be recommended."""
    return vacancy.status is VacancyStatus.OPEN and vacancy.closing_on >= today


def _offered(today: date) -> ColumnElement[bool]:
    return and_(Vacancy.status == VacancyStatus.OPEN, Vacancy.closing_on >= today)


@dataclass(frozen=True)
class VacancyRow:
    vacancy: Vacancy
    recommended: int


@dataclass(frozen=True)
class VacancyPage:
    rows: list[VacancyRow]
    show: str
    counts: dict[str, int]
    page: int
    pages: int


async def listing(
    session: AsyncSession, scope: Scope, *, show: str = "open", page: int = 1, today: date | None = None
) -> VacancyPage:
    """The county's vacancies (city staff: the city's), open ones by closing date, closed ones newest first."""
    today = today or local_today()
    show = show if show in SHOW_LABELS else "open"
    base: list[Any] = [] if scope.is_city else [Vacancy.county_code == scope.area_code]
    conditions = {"open": _offered(today), "closed": ~_offered(today)}
    counts = {
        name: await session.scalar(select(func.count()).select_from(Vacancy).where(*base, condition)) or 0
        for name, condition in conditions.items()
    }
    win = paging.window(counts[show], page, PAGE_SIZE)
    recommended = (
        select(func.count()).where(Recommendation.vacancy_id == Vacancy.id).correlate(Vacancy).scalar_subquery()
    )
    order = (Vacancy.closing_on, Vacancy.id) if show == "open" else (Vacancy.closing_on.desc(), Vacancy.id.desc())
    found = await session.execute(
        select(Vacancy, recommended).where(*base, conditions[show]).order_by(*order).limit(win.limit)
        .offset(win.offset)
    )  # fmt: skip
    return VacancyPage([VacancyRow(v, n) for v, n in found.all()], show, counts, win.page, win.pages)


# ---- matching ------------------------------------------------------------------------------------------------------


def _like_escaped(column: Any) -> Any:
    """A column's text used as a LIKE pattern, its own wildcards taken literally (escaped with "/", as
    SQLAlchemy's autoescape does)."""
    return func.replace(func.replace(func.replace(column, "/", "//"), "%", "/%"), "_", "/_")


def _score(vacancy: Vacancy) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """The reasons rules.matching finds, counted in SQL: (occupation and skills found, all reasons). A person
    matches when the first is above nought."""
    skills = func.lower(func.coalesce(Registration.answers["skills"].as_string(), ""))
    certificates = func.lower(func.coalesce(Registration.answers["certificates"].as_string(), ""))
    wanted = func.lower(func.trim(Registration.occupation_intention))
    post = vacancy.post.strip().casefold()
    occupation = case(
        (and_(wanted != "", or_(literal(post).like("%" + _like_escaped(wanted) + "%", escape="/"),
                                wanted.contains(post, autoescape=True))), 1),
        else_=0,
    )  # fmt: skip
    found: ColumnElement[int] = occupation
    for word in vacancy.skill_list:
        folded = word.casefold()
        found = found + case(
            (or_(skills.contains(folded, autoescape=True), certificates.contains(folded, autoescape=True)), 1),
            else_=0,
        )
    # Living in the county, or else registered there: always one or the other in the county's own list.
    return found, found + 1


@dataclass(frozen=True)
class MatchRow:
    number: str
    name: str
    reasons: list[matching.Reason]
    recommendation: Recommendation | None


@dataclass(frozen=True)
class MatchPage:
    rows: list[MatchRow]
    total: int
    page: int
    pages: int


def person_of(registration: Registration) -> matching.Person:
    kept = registration.answers or {}
    return matching.Person(
        occupation_intention=registration.occupation_intention, registration_county=registration.county_code,
        residence_county=str(kept.get("residence_area", "")), skills=str(kept.get("skills", "")),
        certificates=str(kept.get("certificates", "")),
    )  # fmt: skip


def post_of(vacancy: Vacancy) -> matching.Post:
    return matching.Post(vacancy.post, vacancy.county_code, tuple(vacancy.skill_list))


async def matches(session: AsyncSession, scope: Scope, vacancy_id: int, *, page: int = 1) -> tuple[Vacancy, MatchPage]:
    """The county's registered people who match the vacancy (occupation or a skill), the most reasons first,
    with any recommendation already made; filtered, counted, ranked and paged in SQL, explained per row."""
    vacancy = await get(session, scope, vacancy_id)
    found, score = _score(vacancy)
    where = [
        Registration.county_code == vacancy.county_code,
        Registration.status == RegistrationStatus.REGISTERED,
        found > 0,
    ]
    total = await session.scalar(select(func.count()).select_from(Registration).where(*where)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = await session.execute(
        select(Registration, Person.name, Recommendation)
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(Recommendation, and_(Recommendation.registration_id == Registration.id,
                                        Recommendation.vacancy_id == vacancy.id))
        .where(*where)
        .order_by(score.desc(), Registration.decided_at, Registration.id)
        .limit(win.limit)
        .offset(win.offset)
    )  # fmt: skip
    post = post_of(vacancy)
    listed = [
        MatchRow(registration.number, name, matching.reasons(person_of(registration), post), recommendation)
        for registration, name, recommendation in rows.all()
    ]
    return vacancy, MatchPage(listed, total, win.page, win.pages)


# ---- recommending --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recommended:
    recommendation: Recommendation
    created: bool  # False: it had been recommended already (a double click), and nothing more was done


async def recommend(
    session: AsyncSession, sms: SmsGateway, scope: Scope, vacancy_id: int, number: str, *,
    today: date | None = None, follow_up_days: int = RECOMMENDATION_FOLLOW_UP_DAYS,
) -> Recommended:  # fmt: skip
    """Recommend an offered vacancy to a registered person of its county: once per vacancy and person (the
    unique index decides, so a double click finds the first), as a job-recommendation service record (it counts
    for the 12333 minimum), with its follow-up due after `follow_up_days` working days; the person is told."""
    if not scope.can_act:
        raise NotAllowed()
    today = today or local_today()
    vacancy = await get(session, scope, vacancy_id)
    if not is_offered(vacancy, today):
        raise Conflict()
    registration = await cases.find(session, scope, number)
    if registration.county_code != vacancy.county_code:
        raise NotFound()
    if registration.status is not RegistrationStatus.REGISTERED:
        raise Conflict()
    reasons = [r.as_dict() for r in matching.reasons(person_of(registration), post_of(vacancy))]
    due = (await calendar.deadline_after(session, today, follow_up_days)).deadline
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    made = await session.scalar(
        insert(Recommendation)
        .values(vacancy_id=vacancy.id, registration_id=registration.id, county_code=vacancy.county_code,
                reasons=reasons, recommended_by=scope.staff_id, recommended_on=today, follow_up_due=due,
                result=FollowUpResult.AWAITING.value, result_note="", created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["vacancy_id", "registration_id"])
        .returning(Recommendation.id)
    )  # fmt: skip
    if made is None:
        existing = await session.scalar(
            select(Recommendation).where(Recommendation.vacancy_id == vacancy.id,
                                         Recommendation.registration_id == registration.id)
        )  # fmt: skip
        if existing is None:  # pragma: no cover - the row that won the index cannot vanish: it is never deleted
            raise Conflict()
        return Recommended(existing, False)
    note = f"{vacancy.employer}：{vacancy.post}（{vacancy.pay_min}–{vacancy.pay_max}元/月）"
    service_record = await service_records.add(
        session, registration.id, today, ServiceKind.JOB_RECOMMENDATION, ServiceChannel.ONLINE, ServiceResult.REACHED,
        note, scope.staff_id,
    )  # fmt: skip
    await session.execute(
        update(Recommendation).where(Recommendation.id == made).values(service_record_id=service_record.id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    await inbox.tell(session, sms, registration, MessageKind.JOB_RECOMMENDED,
                     {"post": vacancy.post, "employer": vacancy.employer})  # fmt: skip
    await audit.record(session, scope.actor, "vacancy.recommend", "registration", number,
                       {"vacancy": vacancy.id, "follow_up_due": due.isoformat(), "matched": len(reasons)})  # fmt: skip
    recommendation = await session.get(Recommendation, made, populate_existing=True)
    assert recommendation is not None
    return Recommended(recommendation, True)


# ---- following up --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpRow:
    recommendation: Recommendation
    vacancy: Vacancy
    number: str
    name: str

    def overdue(self, today: date) -> bool:
        return self.recommendation.result in OPEN_RESULTS and self.recommendation.follow_up_due < today


@dataclass(frozen=True)
class FollowUpPage:
    rows: list[FollowUpRow]
    show: str
    counts: dict[str, int]
    page: int
    pages: int
    vacancy: Vacancy | None = None


def _follow_up_conditions(show: str, today: date) -> ColumnElement[bool]:
    if show == "done":
        return Recommendation.result.not_in(OPEN_RESULTS)
    if show == "waiting":
        return and_(Recommendation.result.in_(OPEN_RESULTS), Recommendation.follow_up_due > today)
    return and_(Recommendation.result.in_(OPEN_RESULTS), Recommendation.follow_up_due <= today)


async def follow_ups(
    session: AsyncSession, scope: Scope, *, show: str = "due", page: int = 1, vacancy_id: int | None = None,
    today: date | None = None,
) -> FollowUpPage:  # fmt: skip
    """The county's recommendations by follow-up: due or late (the oldest due first), not due yet, or done;
    all of them, or one vacancy's."""
    today = today or local_today()
    show = show if show in FOLLOW_UP_SHOW_LABELS else "due"
    base: list[Any] = [] if scope.is_city else [Recommendation.county_code == scope.area_code]
    vacancy = None
    if vacancy_id is not None:
        vacancy = await get(session, scope, vacancy_id)
        base.append(Recommendation.vacancy_id == vacancy.id)
    counts = {
        name: await session.scalar(
            select(func.count()).select_from(Recommendation).where(*base, _follow_up_conditions(name, today))
        ) or 0
        for name in FOLLOW_UP_SHOW_LABELS
    }  # fmt: skip
    win = paging.window(counts[show], page, PAGE_SIZE)
    order = (
        (Recommendation.result_on.desc(), Recommendation.id.desc())
        if show == "done"
        else (Recommendation.follow_up_due, Recommendation.id)
    )
    found = await session.execute(
        select(Recommendation, Vacancy, Registration.number, Person.name)
        .join(Vacancy, Vacancy.id == Recommendation.vacancy_id)
        .join(Registration, Registration.id == Recommendation.registration_id)
        .join(Person, Person.id == Registration.person_id)
        .where(*base, _follow_up_conditions(show, today))
        .order_by(*order)
        .limit(win.limit)
        .offset(win.offset)
    )
    rows = [FollowUpRow(r, v, number, name) for r, v, number, name in found.all()]
    return FollowUpPage(rows, show, counts, win.page, win.pages, vacancy)


async def follow_up_row(session: AsyncSession, scope: Scope, recommendation_id: int) -> FollowUpRow:
    found = (
        await session.execute(
            select(Recommendation, Vacancy, Registration.number, Person.name)
            .join(Vacancy, Vacancy.id == Recommendation.vacancy_id)
            .join(Registration, Registration.id == Recommendation.registration_id)
            .join(Person, Person.id == Registration.person_id)
            .where(Recommendation.id == recommendation_id)
            .execution_options(populate_existing=True)
        )
    ).first() if fields.db_int(recommendation_id) is not None else None  # fmt: skip
    if found is None:
        raise NotFound()
    row = FollowUpRow(*found)
    if not scope.covers(row.recommendation.county_code):
        raise OutOfScope(scope.actor, "recommendation", str(recommendation_id))
    return row


@dataclass(frozen=True)
class FollowedUp:
    result: FollowUpResult
    proposed: bool  # hired: a reason-1 proposal was made (False when one was open already)


async def record_follow_up(
    session: AsyncSession, scope: Scope, recommendation_id: int, *, result: str, note: str,
    today: date | None = None, follow_up_days: int = RECOMMENDATION_FOLLOW_UP_DAYS,
) -> FollowedUp:  # fmt: skip
    """The result of a recommendation, once from awaiting (an interview may go on to hired or not hired): one
    conditional UPDATE, so two staff recording at once cannot both. Hired proposes ending the registration
    with reason 1, which a reviewer confirms like any proposal."""
    if not scope.can_act:
        raise NotAllowed()
    today = today or local_today()
    errors: dict[str, object] = {}
    if result not in FOLLOW_UP_LABELS:
        errors["result"] = RESULT_REQUIRED
    fields.check_lengths(errors, {"note": (note.strip(), fields.NOTE_MAX)})
    if errors:
        raise InputError(errors)
    outcome = FollowUpResult(result)
    row = await follow_up_row(session, scope, recommendation_id)
    values: dict[str, Any] = {
        "result": outcome, "result_note": note.strip(), "result_on": today, "result_by": scope.staff_id,
        "updated_at": utcnow(),
    }  # fmt: skip
    if outcome is FollowUpResult.INTERVIEWED:  # ask again how the interview went
        values["follow_up_due"] = (await calendar.deadline_after(session, today, follow_up_days)).deadline
    recorded = await session.scalar(
        update(Recommendation)
        .where(Recommendation.id == row.recommendation.id, Recommendation.result.in_(FOLLOW_UP_FROM[outcome]))
        .values(**values)
        .returning(Recommendation.id)
        .execution_options(synchronize_session=False)
    )
    if recorded is None:
        raise Conflict()
    proposed = False
    if outcome is FollowUpResult.HIRED:
        registration = await session.get(Registration, row.recommendation.registration_id)
        if registration is not None and registration.status is RegistrationStatus.REGISTERED:
            detail: dict[str, object] = {"employer": row.vacancy.employer, "post": row.vacancy.post,
                                         "recommendation": row.recommendation.id, "note": note.strip()}  # fmt: skip
            proposed = await proposals.propose(session, registration.id, "1", detail,
                                               source=ProposalSource.RECOMMENDATION)  # fmt: skip
    await audit.record(session, scope.actor, "recommendation.follow_up", "registration", row.number,
                       {"vacancy": row.vacancy.id, "follow_up": outcome.value, "proposed": proposed})  # fmt: skip
    return FollowedUp(outcome, proposed)


# ---- the resident ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentRow:
    recommendation: Recommendation
    vacancy: Vacancy


@dataclass(frozen=True)
class ResidentPage:
    rows: list[ResidentRow]
    page: int
    pages: int


def _of_account(account_id: int) -> ColumnElement[bool]:
    return Recommendation.registration_id.in_(select(Registration.id).where(Registration.account_id == account_id))


async def of_account(session: AsyncSession, account_id: int, *, page: int = 1) -> ResidentPage:
    """The vacancies recommended to the resident, the newest first."""
    total = await session.scalar(select(func.count()).select_from(Recommendation).where(_of_account(account_id))) or 0
    win = paging.window(total, page, PAGE_SIZE)
    found = await session.execute(
        select(Recommendation, Vacancy).join(Vacancy, Vacancy.id == Recommendation.vacancy_id)
        .where(_of_account(account_id)).order_by(Recommendation.id.desc()).limit(win.limit).offset(win.offset)
        .execution_options(populate_existing=True)
    )  # fmt: skip
    return ResidentPage([ResidentRow(r, v) for r, v in found.all()], win.page, win.pages)


async def resident_row(session: AsyncSession, account_id: int, recommendation_id: int) -> ResidentRow:
    found = (
        await session.execute(
            select(Recommendation, Vacancy).join(Vacancy, Vacancy.id == Recommendation.vacancy_id)
            .where(Recommendation.id == recommendation_id, _of_account(account_id))
            .execution_options(populate_existing=True)
        )
    ).first() if fields.db_int(recommendation_id) is not None else None  # fmt: skip
    if found is None:
        raise NotFound()
    return ResidentRow(*found)


async def answer_interest(session: AsyncSession, account_id: int, recommendation_id: int, interest: str) -> ResidentRow:
    """The resident says whether a recommended vacancy interests them (and may change their mind); staff see it on
    the follow-up. Someone else's recommendation is not there for them."""
    if interest not in INTEREST_LABELS:
        raise InputError({f"interest-{recommendation_id}": INTEREST_REQUIRED})
    if fields.db_int(recommendation_id) is None:
        raise NotFound()
    answered = cast(
        CursorResult[Any],
        await session.execute(
            update(Recommendation)
            .where(Recommendation.id == recommendation_id, _of_account(account_id))
            .values(interest=Interest(interest), interest_at=utcnow(), updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    if answered.rowcount != 1:
        raise NotFound()
    return await resident_row(session, account_id, recommendation_id)


# ---- the CSV import -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineProblem:
    line: int
    messages: list[object]


@dataclass
class ImportReport:
    imported: int = 0
    problems: list[LineProblem] = field(default_factory=list)


def _decoded(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise InputError({"file": FILE_NOT_TEXT})


async def _county_by_name(session: AsyncSession) -> dict[str, str]:
    """County codes by code, Chinese name and English name (a CSV may say any)."""
    found: dict[str, str] = {}
    for area in await session.scalars(select(ServiceArea)):
        for key in (area.code, area.name_zh, area.name_en):
            found[key.strip().casefold()] = area.code
    return found


async def import_csv(
    session: AsyncSession, scope: Scope, data: bytes | None, today: date | None = None
) -> ImportReport:
    """Vacancies from a CSV with a header row (the columns by name, in English or Chinese). Every row is checked
    as the form checks it; if any row is wrong, nothing is imported and each wrong line is reported, so a file
    is never half in. Audited with the count."""
    _may_edit_or_refuse(scope)
    today = today or local_today()
    if not data:
        raise InputError({"file": FILE_REQUIRED})
    if len(data) > IMPORT_MAX_BYTES:
        raise InputError({"file": FILE_TOO_BIG})
    reader = csv.reader(io.StringIO(_decoded(data), newline=""))
    try:
        header = next(reader, [])
        columns = [CSV_HEADINGS.get(h.strip(), h.strip().casefold()) for h in header]
        if not {"employer", "post", "pay_min", "pay_max", "closing_on"} <= set(columns):
            raise InputError({"file": FILE_NO_HEADER})
        counties = await _county_by_name(session)
        report = ImportReport()
        checked: list[dict[str, Any]] = []
        codes = set(counties.values())
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line a spreadsheet left
            if len(checked) + len(report.problems) >= IMPORT_MAX_ROWS:
                raise InputError({"file": FILE_TOO_MANY})
            row = dict(zip(columns, cells, strict=False))
            county = row.get("county", "").strip()
            form = VacancyForm(**{name: row.get(name, "") for name in CSV_COLUMNS if name != "county"},
                               county=counties.get(county.casefold(), county) if county else "")  # fmt: skip
            try:
                checked.append(_checked(form, scope, codes, today))
            except InputError as wrong:
                report.problems.append(LineProblem(reader.line_num, list(wrong.errors.values())))
    except csv.Error:
        raise InputError({"file": FILE_NOT_TEXT}) from None
    if report.problems:
        return report
    if not checked:
        raise InputError({"file": FILE_EMPTY})
    session.add_all(Vacancy(**values, created_by=scope.staff_id) for values in checked)
    await session.flush()
    report.imported = len(checked)
    await audit.record(session, scope.actor, "vacancy.import", "vacancy", scope.area_code or "city",
                       {"count": report.imported})  # fmt: skip
    return report
