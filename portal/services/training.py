"""Training programmes (§3.2 (2), issue 10 point 9): a county's courses (provider, course, dates, seats, subsidy
policy) kept by its agency; the registered people who want training told in one action (a free-training notice of
the 12333 minimum, and a message); residents enrol on a counted number of seats; staff record completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.clock import local_today
from portal.i18n import _l, localised
from portal.models import (
    EnrolmentStatus,
    MessageKind,
    Person,
    Registration,
    RegistrationStatus,
    ServiceArea,
    ServiceChannel,
    ServiceKind,
    ServiceResult,
    TrainingEnrolment,
    TrainingNotice,
    TrainingProgramme,
)
from portal.models.base import utcnow
from portal.services import audit, fields, inbox, paging, service_records
from portal.services import registration as registrations
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound, OutOfScope
from portal.services.staff import Scope

PAGE_SIZE = 25
TELL_BATCH = 200
PROVIDER_MAX = COURSE_MAX = 100
SEATS_MAX = 1000
# The training subsidies a programme can go with (Attachment 4): entrepreneurship, vocational, skills upgrading.
SUBSIDY_POLICIES: dict[str, object] = {
    "P05": _l("P05 Entrepreneurship training subsidy"),
    "P06": _l("P06 Vocational skills training subsidy"),
    "P07": _l("P07 Skills upgrading subsidy"),
}
ENROLMENT_LABELS: dict[str, object] = {
    EnrolmentStatus.ENROLLED: _l("Enrolled"),
    EnrolmentStatus.COMPLETED: _l("Completed"),
    EnrolmentStatus.NOT_COMPLETED: _l("Did not complete"),
}
COMPLETION_LABELS: dict[str, object] = {
    "certificate": _l("Completed, with a certificate"),
    "completed": _l("Completed, no certificate"),
    "not_completed": _l("Did not complete"),
}

PROVIDER_REQUIRED = _l("Enter the training provider")
COURSE_REQUIRED = _l("Enter the course")
COUNTY_REQUIRED = _l("Select the county")
STARTS_INVALID = _l("Enter the first day of the course: a real date, like 2026-12-07")
ENDS_INVALID = _l("Enter the last day of the course: a real date, not before the first")
ENROL_BY_INVALID = _l("Enter the last day to enrol: a real date, from today and not after the course ends")
SEATS_INVALID = _l("Enter the number of seats: a whole number from 1 to 1000")
SUBSIDY_REQUIRED = _l("Select the training subsidy the course goes with")
CLOSED = _l("Enrolment for this course has closed")
FULL = _l("Sorry, this course is full")
NOT_REGISTERED = _l("Courses are for people registered as unemployed: you can enrol once you are registered.")
COMPLETION_REQUIRED = _l("Select how the course ended for this person")


def may_manage(scope: Scope, county_code: str) -> bool:
    """County clerks and reviewers keep their county's programmes; a city administrator any county's."""
    return scope.is_admin or (scope.can_act and scope.area_code == county_code)


# ---- staff: the programmes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeRow:
    programme: TrainingProgramme
    county_name: str
    told: int


@dataclass(frozen=True)
class ProgrammePage:
    rows: list[ProgrammeRow]
    total: int
    page: int
    pages: int
    may_create: bool


def _told_count() -> Any:
    return (
        select(func.count())
        .select_from(TrainingNotice)
        .where(TrainingNotice.programme_id == TrainingProgramme.id)
        .scalar_subquery()
    )


async def programmes(session: AsyncSession, scope: Scope, *, page: int = 1) -> ProgrammePage:
    """The county's programmes (city staff: every county's), the latest course first."""
    conditions: list[ColumnElement[bool]] = []
    if not scope.is_city:
        conditions.append(TrainingProgramme.county_code == scope.area_code)
    total = await session.scalar(select(func.count()).select_from(TrainingProgramme).where(*conditions)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = await session.execute(
        select(TrainingProgramme, ServiceArea.name_zh, ServiceArea.name_en, _told_count())
        .join(ServiceArea, ServiceArea.code == TrainingProgramme.county_code)
        .where(*conditions)
        .order_by(TrainingProgramme.starts_on.desc(), TrainingProgramme.id.desc())
        .limit(win.limit)
        .offset(win.offset)
    )
    return ProgrammePage(
        [ProgrammeRow(p, localised(zh, en), told or 0) for p, zh, en, told in rows.all()], total, win.page, win.pages,
        may_create=scope.is_admin or scope.can_act,
    )  # fmt: skip


async def find(session: AsyncSession, scope: Scope, programme_id: str | int) -> TrainingProgramme:
    """A programme in the staff member's scope; another county's is not found (and the attempt audited)."""
    programme = await session.scalar(
        select(TrainingProgramme)
        .where(TrainingProgramme.id == fields.record_id(programme_id))
        .execution_options(populate_existing=True)
    )
    if programme is None:
        raise NotFound()
    if not scope.covers(programme.county_code):
        raise OutOfScope(scope.actor, "training_programme", str(programme.id))
    return programme


@dataclass(frozen=True)
class EnrolmentRow:
    enrolment: TrainingEnrolment
    number: str  # the registration's
    name: str


@dataclass(frozen=True)
class ProgrammeView:
    programme: TrainingProgramme
    county_name: str
    told: int
    to_tell: int  # registered people of the county who want training and were not told yet
    enrolments: list[EnrolmentRow]
    page: int
    pages: int
    may_manage: bool
    open: bool


def _wanting_training(county_code: str) -> list[ColumnElement[bool]]:
    return [
        Registration.status == RegistrationStatus.REGISTERED,
        Registration.county_code == county_code,
        Registration.wants_training.is_(True),
    ]


def _not_told(programme_id: int) -> ColumnElement[bool]:
    return ~exists().where(
        TrainingNotice.programme_id == programme_id, TrainingNotice.registration_id == Registration.id
    )


async def programme_view(
    session: AsyncSession, scope: Scope, programme_id: str | int, *, page: int = 1, today: date | None = None
) -> ProgrammeView:
    """A programme with its enrolments (paged) and how many are told or still to tell; the view is audited, as
    it names people."""
    today = today or local_today()
    programme = await find(session, scope, programme_id)
    area = await session.get(ServiceArea, programme.county_code)
    told = await session.scalar(
        select(func.count()).select_from(TrainingNotice).where(TrainingNotice.programme_id == programme.id)
    )
    to_tell = await session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(*_wanting_training(programme.county_code), _not_told(programme.id))
    )
    total = await session.scalar(
        select(func.count()).select_from(TrainingEnrolment).where(TrainingEnrolment.programme_id == programme.id)
    )
    win = paging.window(total or 0, page, PAGE_SIZE)
    rows = await session.execute(
        select(TrainingEnrolment, Registration.number, Person.name)
        .join(Registration, Registration.id == TrainingEnrolment.registration_id)
        .join(Person, Person.id == Registration.person_id)
        .where(TrainingEnrolment.programme_id == programme.id)
        .order_by(TrainingEnrolment.enrolled_at, TrainingEnrolment.id)
        .limit(win.limit)
        .offset(win.offset)
    )
    await audit.record(session, scope.actor, "training.view", "training_programme", str(programme.id),
                       {"page": win.page})  # fmt: skip
    return ProgrammeView(
        programme, localised(area.name_zh, area.name_en) if area else programme.county_code, told or 0, to_tell or 0,
        [EnrolmentRow(e, number, name) for e, number, name in rows.all()], win.page, win.pages,
        may_manage(scope, programme.county_code), programme.enrol_by >= today,
    )  # fmt: skip


@dataclass(frozen=True)
class ProgrammeForm:
    """What staff send for a programme, as typed."""

    provider: str = ""
    course: str = ""
    details: str = ""
    county: str = ""
    starts_on: str = ""
    ends_on: str = ""
    enrol_by: str = ""
    seats: str = ""
    subsidy_policy: str = ""


@dataclass(frozen=True)
class _Checked:
    provider: str
    course: str
    details: str
    starts_on: date
    ends_on: date
    enrol_by: date
    seats: int
    subsidy_policy: str


def _check(form: ProgrammeForm, today: date, *, new: bool) -> _Checked:
    errors: dict[str, object] = {}
    provider, course, details = form.provider.strip(), form.course.strip(), form.details.strip()
    if not provider:
        errors["provider"] = PROVIDER_REQUIRED
    if not course:
        errors["course"] = COURSE_REQUIRED
    fields.check_lengths(errors, {"provider": (provider, PROVIDER_MAX), "course": (course, COURSE_MAX),
                                  "details": (details, fields.NOTE_MAX)})  # fmt: skip
    starts_on, ends_on, enrol_by = (fields.parse_date(form.starts_on), fields.parse_date(form.ends_on),
                                    fields.parse_date(form.enrol_by))  # fmt: skip
    if starts_on is None:
        errors["starts_on"] = STARTS_INVALID
    if ends_on is None or (starts_on is not None and ends_on < starts_on):
        errors["ends_on"] = ENDS_INVALID
    # A new programme opens for enrolment; an edit may keep a closing day that has passed.
    if enrol_by is None or (new and enrol_by < today) or (ends_on is not None and enrol_by > ends_on):
        errors["enrol_by"] = ENROL_BY_INVALID
    seats = fields.db_int(form.seats) if form.seats.strip() else None
    if seats is None or not 1 <= seats <= SEATS_MAX:
        errors["seats"] = SEATS_INVALID
    if form.subsidy_policy not in SUBSIDY_POLICIES:
        errors["subsidy_policy"] = SUBSIDY_REQUIRED
    if errors:
        raise InputError(errors)
    assert starts_on is not None
    assert ends_on is not None
    assert enrol_by is not None
    assert seats is not None
    return _Checked(provider, course, details, starts_on, ends_on, enrol_by, seats, form.subsidy_policy)


async def create(
    session: AsyncSession, scope: Scope, form: ProgrammeForm, today: date | None = None
) -> TrainingProgramme:
    """A new programme: in the county staff member's own county, or the county a city administrator picks."""
    if not (scope.is_admin or scope.can_act):
        raise NotAllowed()
    today = today or local_today()
    county = form.county if scope.is_admin else (scope.area_code or "")
    county_ok = bool(county) and await session.get(ServiceArea, county) is not None
    try:
        checked = _check(form, today, new=True)
    except InputError as error:
        if not county_ok:
            error.errors = {"county": COUNTY_REQUIRED, **error.errors}
        raise
    if not county_ok:
        raise InputError({"county": COUNTY_REQUIRED})
    programme = TrainingProgramme(
        county_code=county, provider=checked.provider, course=checked.course, details=checked.details,
        starts_on=checked.starts_on, ends_on=checked.ends_on, enrol_by=checked.enrol_by, seats=checked.seats,
        subsidy_policy=checked.subsidy_policy, created_by=scope.staff_id,
    )  # fmt: skip
    session.add(programme)
    await session.flush()
    await audit.record(session, scope.actor, "training.create", "training_programme", str(programme.id),
                       {"county": county, "course": checked.course, "seats": checked.seats})  # fmt: skip
    return programme


async def edit(
    session: AsyncSession, scope: Scope, programme_id: str | int, version: int, form: ProgrammeForm,
    today: date | None = None,
) -> TrainingProgramme:  # fmt: skip
    """Change a programme, over the version the form showed. Seats never go below those taken: one conditional
    UPDATE decides, against enrolments arriving at the same moment."""
    programme = await find(session, scope, programme_id)
    if not may_manage(scope, programme.county_code):
        raise NotAllowed()
    checked = _check(form, today or local_today(), new=False)
    before = {"course": programme.course, "seats": programme.seats, "enrol_by": programme.enrol_by.isoformat()}
    changed = await session.scalar(
        update(TrainingProgramme)
        .where(TrainingProgramme.id == programme.id, TrainingProgramme.version == version,
               TrainingProgramme.seats_taken <= checked.seats)
        .values(provider=checked.provider, course=checked.course, details=checked.details,
                starts_on=checked.starts_on, ends_on=checked.ends_on, enrol_by=checked.enrol_by, seats=checked.seats,
                subsidy_policy=checked.subsidy_policy, version=TrainingProgramme.version + 1, updated_at=utcnow())
        .returning(TrainingProgramme.id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if changed is None:
        now = await find(session, scope, programme.id)
        if now.version != version:
            raise Conflict()
        raise InputError(
            {
                "seats": _l(
                    "There are %(taken)s people enrolled already: give at least that many seats", taken=now.seats_taken
                )
            }
        )
    await audit.record(session, scope.actor, "training.edit", "training_programme", str(programme.id),
                       {"before": before, "after": {"course": checked.course, "seats": checked.seats,
                                                    "enrol_by": checked.enrol_by.isoformat()}})  # fmt: skip
    return await find(session, scope, programme.id)


# ---- telling the people who want training --------------------------------------------------------------------------


@dataclass(frozen=True)
class Told:
    told: int


async def tell(
    session: AsyncSession, sms: SmsGateway, scope: Scope, programme_id: str | int, *, today: date | None = None,
    batch: int = TELL_BATCH,
) -> Told:  # fmt: skip
    """Tell the county's registered people who want training about an open programme, in batches: each gets a
    free-training notice on their service record (counted for the 12333 minimum) and a message. Once per person and
    programme: the notice's key is claimed by an INSERT that does nothing on conflict, so pressing again, or two
    staff at once, tells nobody twice."""
    today = today or local_today()
    programme = await find(session, scope, programme_id)
    if not may_manage(scope, programme.county_code):
        raise NotAllowed()
    if programme.enrol_by < today:
        raise InputError({"tell": CLOSED})
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    note = f"培训通知：{programme.provider}（{programme.course}），{programme.starts_on.isoformat()}开班"
    params = {"course": programme.course, "provider": programme.provider, "starts": programme.starts_on.isoformat(),
              "enrol_by": programme.enrol_by.isoformat()}  # fmt: skip
    told = 0
    after = 0
    while True:
        found = list(
            await session.scalars(
                select(Registration)
                .where(*_wanting_training(programme.county_code), _not_told(programme.id), Registration.id > after)
                .order_by(Registration.id)
                .limit(batch)
            )
        )
        if not found:
            break
        after = found[-1].id
        for registration in found:
            claim = (
                insert(TrainingNotice)
                .values(programme_id=programme.id, registration_id=registration.id, created_at=utcnow())
                .on_conflict_do_nothing(index_elements=["programme_id", "registration_id"])
            )
            if not cast(CursorResult[Any], await session.execute(claim)).rowcount:
                continue  # told by another press of the button
            await service_records.add(session, registration.id, today, ServiceKind.TRAINING, ServiceChannel.SMS,
                                      ServiceResult.REACHED, note, scope.staff_id)  # fmt: skip
            await inbox.tell(session, sms, registration, MessageKind.TRAINING_OFFERED, params)
            told += 1
    await audit.record(session, scope.actor, "training.tell", "training_programme", str(programme.id),
                       {"told": told})  # fmt: skip
    return Told(told)


# ---- residents: open programmes and enrolling -----------------------------------------------------------------------


@dataclass(frozen=True)
class OpenProgramme:
    programme: TrainingProgramme
    enrolled: bool
    full: bool


@dataclass(frozen=True)
class MyEnrolment:
    enrolment: TrainingEnrolment
    programme: TrainingProgramme


@dataclass(frozen=True)
class ResidentTraining:
    registered: bool
    programmes: list[OpenProgramme]
    enrolments: list[MyEnrolment]
    page: int
    pages: int


async def for_resident(
    session: AsyncSession, account_id: int, *, page: int = 1, today: date | None = None
) -> ResidentTraining:
    """The programmes of the resident's county still open for enrolment (the soonest closing first), and their own
    enrolments."""
    today = today or local_today()
    registration = await registrations.latest_of(session, account_id)
    if registration is None or registration.status is not RegistrationStatus.REGISTERED:
        return ResidentTraining(False, [], [], 1, 1)
    mine = await session.execute(
        select(TrainingEnrolment, TrainingProgramme)
        .join(TrainingProgramme, TrainingProgramme.id == TrainingEnrolment.programme_id)
        .where(TrainingEnrolment.registration_id == registration.id)
        .order_by(TrainingProgramme.starts_on.desc(), TrainingEnrolment.id.desc())
        .limit(PAGE_SIZE)
    )
    enrolments = [MyEnrolment(e, p) for e, p in mine.all()]
    enrolled = {m.programme.id for m in enrolments}
    conditions = [TrainingProgramme.county_code == registration.county_code, TrainingProgramme.enrol_by >= today]
    total = await session.scalar(select(func.count()).select_from(TrainingProgramme).where(*conditions)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = await session.scalars(
        select(TrainingProgramme)
        .where(*conditions)
        .order_by(TrainingProgramme.enrol_by, TrainingProgramme.id)
        .limit(win.limit)
        .offset(win.offset)
    )
    shown = [OpenProgramme(p, p.id in enrolled, p.seats_taken >= p.seats) for p in rows]
    return ResidentTraining(True, shown, enrolments, win.page, win.pages)


@dataclass(frozen=True)
class Enrolled:
    already: bool  # enrolled before (a double click)


async def enrol(session: AsyncSession, account_id: int, programme_id: str | int, today: date | None = None) -> Enrolled:
    """Enrol the resident: one seat taken by a conditional UPDATE (seats_taken < seats) and the enrolment row in
    one savepoint, so that a second click (the unique key) or a full course (no row updated) leaves both as they
    were."""
    today = today or local_today()
    registration = await registrations.latest_of(session, account_id)
    if registration is None or registration.status is not RegistrationStatus.REGISTERED:
        raise InputError({"training": NOT_REGISTERED})
    programme = await session.get(TrainingProgramme, fields.record_id(programme_id))
    if programme is None or programme.county_code != registration.county_code:
        raise NotFound()
    key = f"programme-{programme.id}"
    if programme.enrol_by < today:
        raise InputError({key: CLOSED}, status_code=409)

    async def already() -> bool:
        return (
            await session.scalar(
                select(TrainingEnrolment.id).where(
                    TrainingEnrolment.programme_id == programme.id,
                    TrainingEnrolment.registration_id == registration.id,
                )
            )
            is not None
        )

    if await already():
        return Enrolled(already=True)
    try:
        async with session.begin_nested():
            taken = await session.scalar(
                update(TrainingProgramme)
                .where(TrainingProgramme.id == programme.id, TrainingProgramme.seats_taken < TrainingProgramme.seats,
                       TrainingProgramme.enrol_by >= today)
                .values(seats_taken=TrainingProgramme.seats_taken + 1)
                .returning(TrainingProgramme.seats_taken)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            if taken is None:
                raise _Full()
            session.add(TrainingEnrolment(programme_id=programme.id, registration_id=registration.id,
                                          status=EnrolmentStatus.ENROLLED, enrolled_at=utcnow()))  # fmt: skip
            await session.flush()
    except _Full:
        raise InputError({key: FULL}, status_code=409) from None
    except IntegrityError:
        if await already():  # the other click won: its seat is the person's
            return Enrolled(already=True)
        raise  # pragma: no cover - nothing else is unique here
    return Enrolled(already=False)


class _Full(Exception):
    """No seat was left: the savepoint is rolled back."""


# ---- staff: completion ---------------------------------------------------------------------------------------------


async def record_completion(
    session: AsyncSession, scope: Scope, programme_id: str | int, enrolment_id: str | int, outcome: str
) -> TrainingEnrolment:
    """How the course ended for one enrolled person, once: a conditional UPDATE on an enrolment still open, so a
    second form for the same person finds it recorded (409)."""
    programme = await find(session, scope, programme_id)
    if not may_manage(scope, programme.county_code):
        raise NotAllowed()
    enrolment_key = fields.db_int(enrolment_id)
    if enrolment_key is None:
        raise NotFound()
    if outcome not in COMPLETION_LABELS:
        raise InputError({f"outcome-{enrolment_key}": COMPLETION_REQUIRED})
    status = EnrolmentStatus.NOT_COMPLETED if outcome == "not_completed" else EnrolmentStatus.COMPLETED
    recorded = await session.scalar(
        update(TrainingEnrolment)
        .where(TrainingEnrolment.id == enrolment_key, TrainingEnrolment.programme_id == programme.id,
               TrainingEnrolment.status == EnrolmentStatus.ENROLLED)
        .values(status=status, certificate=outcome == "certificate" if status is EnrolmentStatus.COMPLETED else None,
                completion_recorded_at=utcnow(), completion_recorded_by=scope.staff_id, updated_at=utcnow())
        .returning(TrainingEnrolment.id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if recorded is None:
        exists_at_all = await session.scalar(
            select(TrainingEnrolment.id).where(TrainingEnrolment.id == enrolment_key,
                                               TrainingEnrolment.programme_id == programme.id)
        )  # fmt: skip
        if exists_at_all is None:
            raise NotFound()
        raise Conflict()
    await audit.record(session, scope.actor, "training.complete", "training_programme", str(programme.id),
                       {"enrolment": enrolment_key, "outcome": outcome})  # fmt: skip
    enrolment = await session.get(TrainingEnrolment, enrolment_key, populate_existing=True)
    assert enrolment is not None
    return enrolment
