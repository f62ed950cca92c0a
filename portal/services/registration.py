"""Unemployment registration: drafts saved step by step, the checks that may refuse, submission."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.adapters.social_insurance import SocialInsurance
from portal.clock import local_date
from portal.crypto import Cipher
from portal.i18n import _l
from portal.models import (
    OPEN_STATUSES,
    Commitment,
    EventKind,
    Person,
    Registration,
    RegistrationDraft,
    RegistrationEvent,
    RegistrationStatus,
)
from portal.models.base import utcnow
from portal.rules.eligibility import PENSION_AGE_REACHED, age_window
from portal.rules.pension import PensionCategory
from portal.services import commitments, events, ui_benefit
from portal.services.answers import columns_from
from portal.services.calendar import deadline_after
from portal.services.registration_form import (
    OUTSIDE,
    Draft,
    Errors,
    Step,
    county_options,
    has_missing_papers,
    validate_step,
)

DRAFT_PURPOSE = "registration-draft"
# The words for each status, wherever one is shown (a status tag, the audit log).
STATUS_LABELS: dict[str, object] = {
    RegistrationStatus.SUBMITTED: _l("Awaiting decision"),
    RegistrationStatus.DEFERRED: _l("Accepted, papers to follow"),
    RegistrationStatus.REGISTERED: _l("Registered"),
    RegistrationStatus.REJECTED: _l("Not registered"),
    RegistrationStatus.EMPLOYED: _l("In work"),
    RegistrationStatus.EXITED: _l("Registration ended"),
}
DEFERRAL_WORKING_DAYS = 7  # §5.1 of the notice
DECISION_WORKING_DAYS = 3  # 人社厅发〔2020〕79号: a complete application is decided within 3 working days
DONE = "_done"


@dataclass(frozen=True)
class Refusal:
    """Why the application cannot go on, with what the page needs to explain it."""

    kind: str  # age, employed, already_registered, identity_in_use, no_zhanjiang_link
    step: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Submitted:
    registration: Registration


@dataclass(frozen=True)
class AlreadySubmitted:
    """This account's open registration (a double submit, or a draft submitted after another); `number`
    is empty if it could not be found."""

    number: str


@dataclass(frozen=True)
class Incomplete:
    """A step still to answer (or to answer again) before the application can go in."""

    step: str


@dataclass(frozen=True)
class Refused:
    refusal: Refusal


# What submitting a draft came to: each answered with its own page.
Submission = Submitted | AlreadySubmitted | Incomplete | Refused


@dataclass
class StepOutcome:
    values: Draft
    errors: Errors
    next_step: str | None = None
    refusal: Refusal | None = None


# ---- drafts ---------------------------------------------------------------------------------


async def _draft_row(session: AsyncSession, account_id: int) -> RegistrationDraft | None:
    return await session.scalar(select(RegistrationDraft).where(RegistrationDraft.account_id == account_id))


async def get_answers(session: AsyncSession, cipher: Cipher, account_id: int) -> Draft | None:
    row = await _draft_row(session, account_id)
    return cipher.decrypt_json(row.data_cipher, DRAFT_PURPOSE) if row else None


async def _save(session: AsyncSession, cipher: Cipher, account_id: int, answers: Draft, step: str) -> None:
    blob = cipher.encrypt_json(answers, DRAFT_PURPOSE)
    row = await _draft_row(session, account_id)
    if row is None:
        session.add(RegistrationDraft(account_id=account_id, step=step, data_cipher=blob))
    else:
        row.step, row.data_cipher = step, blob
    await session.flush()


async def start(session: AsyncSession, cipher: Cipher, account_id: int, phone: str) -> Draft:
    """Open a draft, or return the one in progress: starting twice never loses answers."""
    answers = await get_answers(session, cipher, account_id)
    if answers is None:
        answers = {"phone": phone, DONE: []}
        await _save(session, cipher, account_id, answers, "identity")
    return answers


def applicable(steps: Sequence[Step], answers: Mapping[str, Any]) -> list[Step]:
    return [s for s in steps if s.applies(answers)]


def next_step(steps: Sequence[Step], answers: Mapping[str, Any]) -> Step | None:
    """The first step still to answer; None when the check-your-answers page is next."""
    done = set(answers.get(DONE, []))
    return next((s for s in applicable(steps, answers) if s.key not in done), None)


def previous_step(steps: Sequence[Step], answers: Mapping[str, Any], key: str) -> Step | None:
    keys = applicable(steps, answers)
    for before, current in itertools.pairwise(keys):
        if current.key == key:
            return before
    return None


def can_open(steps: Sequence[Step], answers: Mapping[str, Any], key: str) -> bool:
    """A step can be opened once every step before it is answered (no jumping ahead by URL)."""
    upcoming = next_step(steps, answers)
    order = [s.key for s in applicable(steps, answers)]
    if key not in order:
        return False
    return upcoming is None or order.index(key) <= order.index(upcoming.key)


def _recheck_done(steps: Sequence[Step], answers: Draft, today: date) -> None:
    """A change can make an earlier answer wrong (a new hukou area, a new name): ask it again."""
    still_done = []
    for step in applicable(steps, answers):
        if step.key in answers.get(DONE, []):
            _, errors = validate_step(step, answers, answers, today=today)
            if not errors:
                still_done.append(step.key)
    answers[DONE] = still_done


async def save_step(
    session: AsyncSession,
    cipher: Cipher,
    social_insurance: SocialInsurance,
    account_id: int,
    steps: Sequence[Step],
    step: Step,
    form: Mapping[str, Any],
    today: date,
) -> StepOutcome:
    """Check and keep one step's answers. A refusal keeps them too, but leaves the step open."""
    answers = await get_answers(session, cipher, account_id) or {DONE: []}
    values, errors = validate_step(step, form, answers, today=today)
    if errors:
        return StepOutcome(values, errors)
    answers.update(values)
    refusal = await _check_after(session, cipher, social_insurance, account_id, step.key, answers, today)
    done = [k for k in answers.get(DONE, []) if k != step.key]
    if refusal is None:
        done.append(step.key)
    answers[DONE] = done
    _recheck_done(steps, answers, today)
    upcoming = next_step(steps, answers)
    await _save(session, cipher, account_id, answers, upcoming.key if upcoming else "check")
    return StepOutcome(values, {}, upcoming.key if upcoming else None, refusal)


# ---- checks that can refuse an application --------------------------------------------------


def check_age(answers: Mapping[str, Any], today: date, *, step: str) -> Refusal | None:
    """The working-age window on the day of applying (§1.1); women without an answer get 55."""
    if not answers.get("birth_date"):
        return None
    raw = answers.get("pension_category")
    category = PensionCategory(raw) if answers.get("sex") == "F" and raw else None
    window = age_window(date.fromisoformat(answers["birth_date"]), answers["sex"], today, category)
    if window.eligible:
        return None
    return Refusal(
        "age",
        step,
        {
            "reason": window.reasons[0],
            "start": window.start,
            "until": window.until,
            "pension_age": window.reasons[0] == PENSION_AGE_REACHED,
        },
    )


async def check_not_registered(
    session: AsyncSession, cipher: Cipher, answers: Mapping[str, Any], account_id: int
) -> Refusal | None:
    """One open registration per person. If it is another account's, this account learns nothing
    about it (whose, where, which number): it is sent to the agency, and staff are told."""
    if not answers.get("id_number"):
        return None
    open_registration = await session.scalar(
        select(Registration)
        .join(Person)
        .where(
            Person.id_hash == cipher.keyed_hash(answers["id_number"], "id"),
            Registration.status.in_(OPEN_STATUSES),
        )
    )
    if open_registration is None:
        return None
    if open_registration.account_id == account_id:
        return Refusal("already_registered", "identity", {"number": open_registration.number})
    await flag_identity_claim(session, open_registration.id, account_id)
    return Refusal("identity_in_use", "identity")


async def flag_identity_claim(session: AsyncSession, registration_id: int, account_id: int) -> None:
    """Mark the registration for staff, once per account however often the number is typed again."""
    # PostgreSQL: two requests at once must not both find no flag and both add one, so they queue
    # on the registration's row (NO KEY UPDATE, so staff adding events to it are not held up).
    # SQLite ignores this, but takes one writer at a time, and the INSERT below checks and writes
    # in one statement.
    await session.execute(
        select(Registration.id).where(Registration.id == registration_id).with_for_update(key_share=True)
    )
    await events.add_once(
        session, registration_id, EventKind.IDENTITY_CLAIMED, "system", {"account_id": account_id},
        already=RegistrationEvent.detail["account_id"].as_integer() == account_id,
    )  # fmt: skip


async def check_not_employed(social_insurance: SocialInsurance, answers: Mapping[str, Any]) -> Refusal | None:
    """'Not in work' is decided by the social-insurance system (§1.1), not by what is typed."""
    if not answers.get("id_number"):
        return None
    record = await social_insurance.employment(answers["id_number"])
    if not record.active:
        return None
    return Refusal(
        "employed",
        "employment",
        {
            "employer_zh": record.employer_zh,
            "employer_en": record.employer_en,
            "since": record.since,
            "county": answers.get("county"),
        },
    )


def check_zhanjiang_link(answers: Mapping[str, Any]) -> Refusal | None:
    if answers.get("hukou_area") == OUTSIDE and answers.get("residence_area") == OUTSIDE:
        return Refusal("no_zhanjiang_link", "residence")
    return None


async def _check_after(
    session: AsyncSession,
    cipher: Cipher,
    social_insurance: SocialInsurance,
    account_id: int,
    key: str,
    answers: Draft,
    today: date,
) -> Refusal | None:
    if key == "identity":
        return await check_not_registered(session, cipher, answers, account_id) or check_age(answers, today, step=key)
    if key == "pension":
        return check_age(answers, today, step=key)
    if key == "residence":
        return check_zhanjiang_link(answers)
    if key == "employment":
        return await check_not_employed(social_insurance, answers)
    return None


# ---- submission -----------------------------------------------------------------------------


async def _new_number(session: AsyncSession, today: date) -> str:
    # Random rather than sequential, so numbers say nothing about how many others applied.
    while True:
        number = f"ZJ{today:%Y%m%d}{secrets.randbelow(1_000_000):06d}"
        if await session.scalar(select(Registration.id).where(Registration.number == number)) is None:
            return number


async def _person(session: AsyncSession, cipher: Cipher, answers: Mapping[str, Any]) -> Person:
    id_hash = cipher.keyed_hash(answers["id_number"], "id")
    person = await session.scalar(select(Person).where(Person.id_hash == id_hash))
    if person is None:
        person = Person(
            id_hash=id_hash,
            id_cipher=cipher.encrypt(answers["id_number"].encode(), "id"),
            name=answers["name"],
            sex=answers["sex"],
            birth_date=date.fromisoformat(answers["birth_date"]),
        )
        try:
            async with session.begin_nested():  # the unique id_hash decides between simultaneous submits
                session.add(person)
        except IntegrityError:
            person = await session.scalar(select(Person).where(Person.id_hash == id_hash))
            if person is None:  # pragma: no cover - the row that won cannot vanish inside our transaction
                raise
    person.name = answers["name"]
    await session.flush()
    return person


async def existing_open_number(session: AsyncSession, account_id: int) -> str | None:
    return await session.scalar(
        select(Registration.number).where(Registration.account_id == account_id, Registration.status.in_(OPEN_STATUSES))
    )


async def submit(
    session: AsyncSession,
    cipher: Cipher,
    social_insurance: SocialInsurance,
    account_id: int,
    steps: Sequence[Step],
    language: str,
    now: datetime | None = None,
    *,
    claim_ui_benefit: bool = True,
) -> Submission:
    """Accept the application at once: `deferred` with a commitment when papers are missing (§5.1),
    otherwise `submitted` with a decision target. Someone entitled to unemployment insurance benefit claims it
    with the application (§3.2(4)) unless `claim_ui_benefit` is False (they declined it)."""
    now = now or utcnow()
    today = local_date(now)
    draft = await get_answers(session, cipher, account_id)
    if draft is None:
        number = await existing_open_number(session, account_id)
        return AlreadySubmitted(number) if number else Incomplete("identity")
    _recheck_done(steps, draft, today)
    upcoming = next_step(steps, draft)
    if upcoming is not None:
        return Incomplete(upcoming.key)
    refusal = (
        await check_not_registered(session, cipher, draft, account_id)
        or check_age(draft, today, step="pension" if draft.get("sex") == "F" else "identity")
        or check_zhanjiang_link(draft)
        or await check_not_employed(social_insurance, draft)
    )
    if refusal is not None:
        if refusal.kind == "already_registered":  # a double submit whose twin committed first
            return AlreadySubmitted(refusal.detail["number"])
        return Refused(refusal)
    if draft.get("county") not in county_options(draft):
        return Incomplete("place")

    deferred = has_missing_papers(draft)
    # Worked out before anything is written: the benefit's period starts on the day the application is accepted.
    benefit = await ui_benefit.offer(session, social_insurance, draft, today)
    due = await deadline_after(session, today, DEFERRAL_WORKING_DAYS if deferred else DECISION_WORKING_DAYS)
    person = await _person(session, cipher, draft)
    registration = Registration(
        number=await _new_number(session, today),
        person_id=person.id,
        account_id=account_id,
        status=RegistrationStatus.DEFERRED if deferred else RegistrationStatus.SUBMITTED,
        pension_category=draft.get("pension_category") or ("M60" if draft["sex"] == "M" else "F55"),
        accepted_at=now,
        deadline=due.deadline,
        deadline_provisional=due.provisional,
        **columns_from(draft),
    )
    try:
        async with session.begin_nested():
            session.add(registration)
            await session.flush()
    except IntegrityError:
        # Another request for the same person got there first (a double submit): keep theirs.
        return AlreadySubmitted(await existing_open_number(session, account_id) or "")

    timeline = [events.new(registration.id, EventKind.SUBMITTED, "resident", at=now)]
    if deferred:
        text = await commitments.text_row(session, "registration", language)
        session.add(
            Commitment(
                registration_id=registration.id,
                text_id=text.id,
                text_sha256=text.sha256,
                signed_name=draft["signed_name"],
                signed_at=now,
                missing_items=draft["missing_papers"],
            )
        )
        timeline.append(
            events.new(
                registration.id, EventKind.COMMITMENT_SIGNED, "resident", {"missing": draft["missing_papers"]}, at=now
            )
        )
    timeline.append(
        events.new(
            registration.id, EventKind.DEFERRED if deferred else EventKind.AWAITING_DECISION, "system",
            {"deadline": due.deadline.isoformat(), "provisional": due.provisional}, at=now,
        )
    )  # fmt: skip
    session.add_all(timeline)
    if benefit is not None:
        await ui_benefit.make_with(session, registration, benefit, claimed=claim_ui_benefit)
    draft_row = await _draft_row(session, account_id)
    if draft_row is not None:
        await session.delete(draft_row)
    await session.flush()
    return Submitted(registration)


# ---- reading applications -------------------------------------------------------------------


async def applications_of(session: AsyncSession, account_id: int) -> list[Registration]:
    rows = await session.scalars(
        select(Registration)
        .where(Registration.account_id == account_id)
        .options(selectinload(Registration.events), selectinload(Registration.commitment))
        .order_by(Registration.accepted_at.desc())
    )
    return list(rows)


async def application_of(session: AsyncSession, account_id: int, number: str) -> Registration | None:
    return await session.scalar(
        select(Registration)
        .where(Registration.account_id == account_id, Registration.number == number)
        .options(selectinload(Registration.events), selectinload(Registration.commitment))
    )


async def follow_phone_change(session: AsyncSession, account_id: int, old: str, new: str) -> None:
    """The account's number changed: an open registration that used the old one for its texts uses the new one,
    and its timeline says so."""
    moved = await session.scalars(
        update(Registration)
        .where(Registration.account_id == account_id, Registration.status.in_(OPEN_STATUSES), Registration.phone == old)
        .values(phone=new, updated_at=utcnow())
        .returning(Registration.id)
        .execution_options(synchronize_session=False)
    )
    for registration_id in list(moved):
        await events.add(session, registration_id, EventKind.PHONE_CHANGED, "resident")


async def latest_of(session: AsyncSession, account_id: int) -> Registration | None:
    """The account's open registration, or else its latest, with its person and typed answers loaded."""
    return await session.scalar(
        select(Registration)
        .where(Registration.account_id == account_id)
        .options(
            selectinload(Registration.person),
            selectinload(Registration.difficulty_rows),
            selectinload(Registration.service_wanted_rows),
        )
        .order_by(Registration.status.in_(OPEN_STATUSES).desc(), Registration.accepted_at.desc())
        .limit(1)
    )


async def status_of(session: AsyncSession, registration_id: int) -> Registration | None:
    return await session.get(Registration, registration_id)
