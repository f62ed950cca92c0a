"""Objections to a notice entry (§5.2): anyone may object while the notice is in its period, by real name (the
phone checked by a texted code, so a reply is possible) or anonymously (with a secret code to track it). The
entry's county investigates and decides; an upheld objection takes the entry down and opens a credit case. The
person objected to is told, may give their side, and never learns who objected."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from portal.adapters.sms import SmsGateway
from portal.adapters.social_insurance import SocialInsurance
from portal.clock import local_today
from portal.crypto import Cipher
from portal.i18n import _l, format_date
from portal.models import (
    OPEN_OBJECTION,
    CodePurpose,
    CreditSource,
    Grant,
    MessageKind,
    Notice,
    NoticeEntry,
    NoticeStatus,
    Objection,
    ObjectionGround,
    ObjectionOutcome,
    ObjectionStatus,
    ObjectionStep,
    ObjectionStepKind,
    Person,
    PolicyApplication,
    Registration,
    StaffUser,
)
from portal.models.base import utcnow
from portal.services import accounts, audit, credit, fields, inbox, keyset, notices
from portal.services.calendar import deadline_after
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound, OutOfScope, RateLimited
from portal.services.ratelimit import Limiter, Rule
from portal.services.staff import Scope

FACTS_MAX = 2000
NAME_MAX = 40
PAGE_SIZE = 25
HOUR = 3600
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
# What an attachment may be, told by its first bytes, never by the name or type the browser sent.
ATTACHMENT_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"%PDF-": "application/pdf"}
# The public, as the audit log names them.
PUBLIC = audit.Actor(None, "public", "public", None)
_SECRET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # noqa: S105 - no 0/O, 1/I/L to misread

GROUND_LABELS: dict[str, object] = {
    ObjectionGround.NOT_UNEMPLOYED: _l("The person is not unemployed"),
    ObjectionGround.EMPLOYED: _l("The person already has a job"),
    ObjectionGround.FALSE_INFORMATION: _l("The person gave false information"),
    ObjectionGround.NOT_RESIDENT: _l("The person does not live in the area"),
    ObjectionGround.OTHER: _l("Something else"),
}
STATUS_LABELS: dict[str, object] = {
    ObjectionStatus.RECEIVED: _l("Received"),
    ObjectionStatus.INVESTIGATING: _l("Being investigated"),
    ObjectionStatus.DECIDED: _l("Answered"),
}
OUTCOME_LABELS: dict[str, object] = {
    ObjectionOutcome.UPHELD: _l("Upheld"),
    ObjectionOutcome.PARTLY_UPHELD: _l("Partly upheld"),
    ObjectionOutcome.NOT_UPHELD: _l("Not upheld"),
}
STEP_LABELS: dict[str, object] = {
    ObjectionStepKind.ASSIGNED: _l("Assigned"),
    ObjectionStepKind.INVESTIGATION: _l("Investigation"),
    ObjectionStepKind.PERSON_TOLD: _l("The person was told"),
    ObjectionStepKind.PERSON_SIDE: _l("The person's side"),
    ObjectionStepKind.DECIDED: _l("Decision"),
}
WHO_LABELS: dict[str, object] = {
    "anonymous": _l("Anonymously: I get a tracking number and a secret code"),
    "real_name": _l("With my name and phone: the agency can reply to me"),
}

GROUND_REQUIRED = _l("Select the ground of your objection")
FACTS_REQUIRED = _l("Write the facts you know, in a few sentences")
WHO_REQUIRED = _l("Select whether you object by name or anonymously")
NAME_REQUIRED = _l("Enter your name")
CODE_REQUIRED = _l("Enter the code we texted to your phone")
CODE_WRONG = _l("The code is wrong or has expired: ask for a new one")
ATTACHMENT_TOO_BIG = _l("The attachment is larger than 5 MB")
ATTACHMENT_TYPE = _l("The attachment must be a photo (JPEG or PNG) or a PDF")
NOT_ACCEPTED = _l("This form could not be accepted. Reload the page and try again.")
TAKEN_DOWN = _l("This entry has been withdrawn: there is nothing to object to.")
TRACK_WRONG = _l("No objection matches this number and code (or phone number)")
TRACK_REQUIRED = _l("Enter the tracking number")
NOTE_REQUIRED = _l("Write what you found")
OUTCOME_REQUIRED = _l("Select the decision")
REPLY_REQUIRED = _l("Write the reply to the objector")
ASSIGNEE_REQUIRED = _l("Select who investigates")
ALREADY_DECIDED = _l("This objection has been answered.")
SIDE_REQUIRED = _l("Write what you want the agency to know")


def period_closed(notice: Notice) -> object:
    return _l(
        "Objections to this notice were taken from %(start)s to %(end)s. The period has closed.",
        start=format_date(notice.starts_on), end=format_date(notice.ends_on),
    )  # fmt: skip


# ---- objecting (the public) -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectionForm:
    who: str = ""
    ground: str = ""
    facts: str = ""
    name: str = ""
    phone: str = ""
    code: str = ""
    website: str = ""  # the honeypot: hidden from people, filled in by bots


@dataclass(frozen=True)
class Attachment:
    data: bytes
    declared_type: str = ""


@dataclass(frozen=True)
class Filed:
    number: str
    secret: str  # shown once to an anonymous objector; empty for a real-name one


async def open_entry(session: AsyncSession, number: str, position: int, today: date | None = None) -> tuple[
        Notice, NoticeEntry]:  # fmt: skip
    """The entry to object to, while its notice is in its period (else the refusal with the dates)."""
    notice, entry = await notices.public_entry(session, number, position)
    if not notices.is_current(notice, today or local_today()):
        raise InputError({"notice": period_closed(notice)}, status_code=409)
    if entry.taken_down_at is not None:
        raise InputError({"notice": TAKEN_DOWN}, status_code=409)
    return notice, entry


def _attachment_type(attachment: Attachment | None) -> str | None:
    if attachment is None or not attachment.data:
        return None
    if len(attachment.data) > ATTACHMENT_MAX_BYTES:
        raise InputError({"attachment": ATTACHMENT_TOO_BIG}, status_code=413)
    for magic, kind in ATTACHMENT_TYPES.items():
        if attachment.data.startswith(magic):
            return kind
    raise InputError({"attachment": ATTACHMENT_TYPE}, status_code=415)


async def send_code(session: AsyncSession, sms: SmsGateway, cipher: Cipher, limiter: Limiter, per_hour: int, *,
                    phone: str, address: str) -> str:  # fmt: skip
    """Text a code to a real-name objector's phone; the number, normalised."""
    return await accounts.send_code(session, sms, cipher, limiter, per_hour, phone=phone, address=address,
                                    purpose=CodePurpose.OBJECTION)  # fmt: skip


async def file(
    session: AsyncSession, sms: SmsGateway, cipher: Cipher, limiter: Limiter, *, number: str, position: int,
    form: ObjectionForm, attachment: Attachment | None, address: str, per_hour: int, answer_days: int,
    attachment_dir: Path,
) -> Filed:  # fmt: skip
    if form.website.strip():
        raise InputError({"facts": NOT_ACCEPTED}, status_code=400)
    notice, entry = await open_entry(session, number, position)
    errors: dict[str, object] = {}
    if form.who not in WHO_LABELS:
        errors["who"] = WHO_REQUIRED
    if form.ground not in GROUND_LABELS:
        errors["ground"] = GROUND_REQUIRED
    if not form.facts.strip():
        errors["facts"] = FACTS_REQUIRED
    fields.check_lengths(errors, {"facts": (form.facts.strip(), FACTS_MAX), "name": (form.name.strip(), NAME_MAX)})
    phone = None
    if form.who == "real_name":
        if not form.name.strip():
            errors["name"] = NAME_REQUIRED
        phone = accounts.normalise_phone(form.phone)
        if phone is None:
            errors["phone"] = accounts.PHONE_REQUIRED if not form.phone.strip() else accounts.PHONE_INVALID
        if not form.code.strip():
            errors["code"] = CODE_REQUIRED
    kind = None
    try:
        kind = _attachment_type(attachment)
    except InputError as exc:
        errors.update(exc.errors)
    if errors:
        raise InputError(errors)
    if not await limiter.hit(Rule("objection", per_hour, HOUR), address):
        raise RateLimited()
    if phone is not None and not await accounts.check_code(session, cipher, phone, CodePurpose.OBJECTION, form.code):
        raise InputError({"code": CODE_WRONG})
    today = local_today()
    filed_number = await _new_number(session, today)
    secret = "" if phone else "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(10))
    key = None
    if kind is not None and attachment is not None:
        key = secrets.token_hex(16)
        await asyncio.to_thread(_store, attachment_dir, key, attachment.data)
    due = await deadline_after(session, today, answer_days)
    objection = Objection(
        number=filed_number, notice_id=notice.id, entry_id=entry.id, person_id=entry.person_id,
        county_code=notice.county_code, ground=ObjectionGround(form.ground), facts=form.facts.strip(),
        anonymous=phone is None,
        objector_name_cipher=cipher.encrypt(form.name.strip().encode(), "objector") if phone else None,
        objector_phone_cipher=cipher.encrypt(phone.encode(), "objector") if phone else None,
        secret_hash=_track_hash(cipher, filed_number, phone or secret), attachment_key=key,
        attachment_type=kind, attachment_size=len(attachment.data) if key and attachment else None,
        status=ObjectionStatus.RECEIVED, due=due.deadline, due_provisional=due.provisional,
    )  # fmt: skip
    session.add(objection)
    await session.flush()
    await audit.record(session, PUBLIC, "objection.file", "objection", filed_number,
                       {"notice": notice.number, "entry": entry.position, "ground": form.ground,
                        "anonymous": phone is None})  # fmt: skip
    await _tell_person(session, sms, objection, MessageKind.OBJECTION_RECEIVED)
    session.add(ObjectionStep(objection_id=objection.id, kind=ObjectionStepKind.PERSON_TOLD))
    await session.flush()
    return Filed(filed_number, secret)


def _store(directory: Path, key: str, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    (directory / key).write_bytes(data)


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _track_hash(cipher: Cipher, number: str, secret: str) -> str:
    return cipher.keyed_hash(f"{number}:{secret.strip().upper()}", "objection-track")


async def _new_number(session: AsyncSession, today: date) -> str:
    while True:
        number = f"YY{today:%Y%m%d}{secrets.randbelow(1_000_000):06d}"
        if await session.scalar(select(Objection.id).where(Objection.number == number)) is None:
            return number


async def _registration_of(session: AsyncSession, entry_id: int) -> Registration | None:
    """The registration the entry's grant was applied for under: how the person is reached."""
    return await session.scalar(
        select(Registration)
        .join(PolicyApplication, PolicyApplication.registration_id == Registration.id)
        .join(Grant, Grant.application_id == PolicyApplication.id)
        .join(NoticeEntry, NoticeEntry.grant_id == Grant.id)
        .where(NoticeEntry.id == entry_id)
    )


async def _tell_person(session: AsyncSession, sms: SmsGateway, objection: Objection, kind: MessageKind) -> None:
    registration = await _registration_of(session, objection.entry_id)
    if registration is not None:
        await inbox.tell(session, sms, registration, kind, {"objection": objection.number})


@dataclass(frozen=True)
class Tracked:
    objection: Objection
    notice_number: str


async def track(session: AsyncSession, cipher: Cipher, limiter: Limiter, *, number: str, secret: str,
                address: str) -> Tracked:  # fmt: skip
    """The status and the reply, for the tracking number with its secret code (or, by real name, the phone);
    never anything about the person objected to. Tries are counted per address."""
    if not number.strip():
        raise InputError({"number": TRACK_REQUIRED})
    if not await limiter.hit(Rule("objection-track", 30, HOUR), address):
        raise RateLimited()
    number = number.strip().upper()[:20]
    phone = accounts.normalise_phone(secret)
    objection = await session.scalar(select(Objection).where(Objection.number == number))
    proofs = {_track_hash(cipher, number, secret)} | ({_track_hash(cipher, number, phone)} if phone else set())
    if objection is None or objection.secret_hash not in proofs:
        raise InputError({"number": TRACK_WRONG})
    notice_number = await session.scalar(select(Notice.number).where(Notice.id == objection.notice_id))
    return Tracked(objection, notice_number or "")


# ---- the person objected to ------------------------------------------------------------------------------------


async def of_account(session: AsyncSession, account_id: int) -> list[Objection]:
    """Objections to the entries of the account's person: what they may see is the ground, the status and the
    outcome, never the facts (which could say who objected) nor the objector."""
    people = select(Registration.person_id).where(Registration.account_id == account_id)
    return list(
        await session.scalars(
            select(Objection).where(Objection.person_id.in_(people)).order_by(Objection.id.desc()).limit(50)
        )
    )


async def give_side(session: AsyncSession, account_id: int, number: str, text: str) -> Objection:
    people = select(Registration.person_id).where(Registration.account_id == account_id)
    objection = await session.scalar(
        select(Objection).where(Objection.number == number[:20], Objection.person_id.in_(people))
    )
    if objection is None:
        raise NotFound()
    if not objection.is_open:
        raise InputError({"text": ALREADY_DECIDED}, status_code=409)
    errors: dict[str, object] = {} if text.strip() else {"text": SIDE_REQUIRED}
    fields.check_lengths(errors, {"text": (text.strip(), FACTS_MAX)})
    if errors:
        raise InputError(errors)
    session.add(ObjectionStep(objection_id=objection.id, kind=ObjectionStepKind.PERSON_SIDE, text=text.strip()))
    await session.flush()
    return objection


# ---- the county's staff ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuePage:
    objections: list[Objection]
    page: keyset.Page
    total: int
    late: frozenset[int]  # ids of open objections past their answer day
    assignees: dict[int, str]


async def queue(session: AsyncSession, scope: Scope, *, show: str = "open", at: keyset.At = keyset.START) -> QueuePage:
    """The county's objections, the nearest deadline first (city staff: every county's), a page by keyset; the
    total is exact (an index-only count: objections are few beside registrations)."""
    conditions: list[Any] = [] if scope.is_city else [Objection.county_code == scope.area_code]
    if show != "all":
        conditions.append(Objection.status.in_(OPEN_OBJECTION))
    total = await session.scalar(select(func.count()).select_from(Objection).where(*conditions)) or 0
    listing = keyset.Listing(
        "objections.all" if show == "all" else "objections.open",
        [keyset.Segment(select(Objection).where(*conditions), (Objection.due, Objection.id))],
    )
    found = await keyset.read(session, listing, at, PAGE_SIZE)
    rows: list[Objection] = [objection for (objection,) in found.rows]
    names = dict(
        (await session.execute(
            select(StaffUser.id, StaffUser.full_name).where(StaffUser.id.in_({o.assigned_to for o in rows} - {None}))
        )).all()
    )  # fmt: skip
    today = local_today()
    late = frozenset(o.id for o in rows if o.is_open and o.due < today)
    return QueuePage(rows, found, total, late, names)


async def _find(session: AsyncSession, scope: Scope, number: str) -> Objection:
    objection = await session.scalar(select(Objection).where(Objection.number == number[:20]))
    if objection is None:
        raise NotFound()
    if not scope.covers(objection.county_code):
        raise OutOfScope(scope.actor, "objection", number)
    return objection


@dataclass(frozen=True)
class StaffView:
    objection: Objection
    notice: Notice
    entry: NoticeEntry
    steps: list[ObjectionStep]
    staff_names: dict[int, str]
    assignees: list[tuple[int, str]]  # who in the county may be assigned
    objector_name: str
    objector_phone: str
    registration_number: str
    credit_case: str | None

    @property
    def overdue(self) -> bool:
        return self.objection.is_open and self.objection.due < local_today()


async def staff_view(session: AsyncSession, cipher: Cipher, scope: Scope, number: str) -> StaffView:
    objection = await _find(session, scope, number)
    notice = await session.get(Notice, objection.notice_id)
    entry = await session.get(NoticeEntry, objection.entry_id)
    assert notice is not None
    assert entry is not None
    steps = list(
        await session.scalars(
            select(ObjectionStep).where(ObjectionStep.objection_id == objection.id).order_by(ObjectionStep.id)
        )
    )
    county_staff = [
        (staff_id, full_name)
        for staff_id, full_name in (await session.execute(
            select(StaffUser.id, StaffUser.full_name).where(StaffUser.area_code == objection.county_code,
                                                            StaffUser.active.is_(True)).order_by(StaffUser.id)
        )).all()
    ]  # fmt: skip
    names = dict(county_staff)
    unknown = {s.staff_id for s in steps if s.staff_id and s.staff_id not in names}
    if unknown:
        names.update(
            (await session.execute(select(StaffUser.id, StaffUser.full_name).where(StaffUser.id.in_(unknown))))
            .all()
        )  # fmt: skip
    registration = await _registration_of(session, entry.id)
    # The page shows a real-name objector's name and phone: who opened it is kept, as for a case.
    await audit.record(session, scope.actor, "objection.view", "objection", number)
    return StaffView(
        objection, notice, entry, steps, names, county_staff,
        cipher.decrypt(objection.objector_name_cipher, "objector").decode() if objection.objector_name_cipher else "",
        cipher.decrypt(objection.objector_phone_cipher, "objector").decode() if objection.objector_phone_cipher
        else "",
        registration.number if registration else "",
        await credit.case_number_for_objection(session, objection.id),
    )  # fmt: skip


async def _save(session: AsyncSession, objection: Objection) -> None:
    try:
        await session.flush()
    except StaleDataError:
        await session.rollback()
        raise Conflict() from None


async def assign(session: AsyncSession, scope: Scope, number: str, version: int, staff_id: str) -> Objection:
    if not scope.can_act:
        raise NotAllowed()
    objection = await _find(session, scope, number)
    if objection.version != version or not objection.is_open:
        raise Conflict()
    chosen = fields.db_int(staff_id)
    user = await session.get(StaffUser, chosen) if chosen else None
    if user is None or not user.active or user.area_code != objection.county_code:
        raise InputError({"assignee": ASSIGNEE_REQUIRED})
    objection.assigned_to = user.id
    objection.status = ObjectionStatus.INVESTIGATING
    await _save(session, objection)
    session.add(ObjectionStep(objection_id=objection.id, kind=ObjectionStepKind.ASSIGNED, staff_id=scope.staff_id,
                              detail={"to": user.id}))  # fmt: skip
    await audit.record(session, scope.actor, "objection.assign", "objection", number, {"to": user.username})
    return objection


async def investigate(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, scope: Scope, number: str, *,
    note: str, compare: bool,
) -> ObjectionStep:  # fmt: skip
    """Record what was found: a note, and, when asked, the social-insurance comparison of the person (the same
    adapter the registration's comparisons use)."""
    if not scope.can_act:
        raise NotAllowed()
    objection = await _find(session, scope, number)
    if not objection.is_open:
        raise InputError({"note": ALREADY_DECIDED}, status_code=409)
    errors: dict[str, object] = {} if note.strip() or compare else {"note": NOTE_REQUIRED}
    fields.check_lengths(errors, {"note": (note.strip(), fields.NOTE_MAX)})
    if errors:
        raise InputError(errors)
    detail: dict[str, Any] = {}
    if compare:
        person = await session.get(Person, objection.person_id)
        assert person is not None
        record = await social_insurance.employment(cipher.decrypt(person.id_cipher, "id").decode())
        detail = {"insured_employed": record.active, "employer": record.employer_zh or "",
                  "since": record.since.isoformat() if record.since else None}  # fmt: skip
    step = ObjectionStep(objection_id=objection.id, kind=ObjectionStepKind.INVESTIGATION, text=note.strip(),
                         detail=detail, staff_id=scope.staff_id)  # fmt: skip
    session.add(step)
    if objection.status is ObjectionStatus.RECEIVED:
        objection.status = ObjectionStatus.INVESTIGATING
    await _save(session, objection)
    await audit.record(session, scope.actor, "objection.investigate", "objection", number,
                       {"compared": compare or None})  # fmt: skip
    return step


async def decide(
    session: AsyncSession, sms: SmsGateway, scope: Scope, number: str, version: int, *, outcome: str, reply: str,
    statement_days: int,
) -> Objection:  # fmt: skip
    """Upheld, not upheld or partly upheld, with a reply to the objector (reviewers). Upheld: the entry comes
    down and a credit case opens. Partly upheld: the grant is held. Either way the person is told."""
    if not scope.can_decide:
        raise NotAllowed()
    objection = await _find(session, scope, number)
    if objection.version != version or not objection.is_open:
        raise Conflict()
    errors: dict[str, object] = {}
    if outcome not in OUTCOME_LABELS:
        errors["outcome"] = OUTCOME_REQUIRED
    if not reply.strip():
        errors["reply"] = REPLY_REQUIRED
    fields.check_lengths(errors, {"reply": (reply.strip(), FACTS_MAX)})
    if errors:
        raise InputError(errors)
    objection.status = ObjectionStatus.DECIDED
    objection.outcome = ObjectionOutcome(outcome)
    objection.reply = reply.strip()
    objection.decided_at = utcnow()
    objection.decided_by = scope.staff_id
    await _save(session, objection)
    session.add(ObjectionStep(objection_id=objection.id, kind=ObjectionStepKind.DECIDED, staff_id=scope.staff_id,
                              text=reply.strip(), detail={"outcome": outcome}))  # fmt: skip
    await audit.record(session, scope.actor, "objection.decide", "objection", number,
                       {"status": [ObjectionStatus.INVESTIGATING.value, "decided"], "outcome": outcome})  # fmt: skip
    notice = await session.get(Notice, objection.notice_id)
    entry = await session.get(NoticeEntry, objection.entry_id)
    assert notice is not None
    assert entry is not None
    if objection.outcome is ObjectionOutcome.UPHELD:
        if entry.taken_down_at is None and notice.status is NoticeStatus.PUBLISHED:
            entry = await notices.take_down(session, scope, notice.number, entry.position, "objection",
                                            f"{objection.number}", audited=True)  # fmt: skip
        registration = await _registration_of(session, entry.id)
        if registration is not None:
            grounds = str(GROUND_LABELS[objection.ground])
            await credit.open_case(
                session, sms, scope, registration, source=CreditSource.OBJECTION, objection_id=objection.id,
                facts=f"{grounds}: {reply.strip()}", statement_days=statement_days,
            )  # fmt: skip
    elif notice.settled_at is not None:  # the period closed while it was open: settle the grant now
        await notices.settle_entry(session, entry)
    await _tell_person(session, sms, objection, MessageKind.OBJECTION_DECIDED)
    return objection


async def attachment_of(session: AsyncSession, scope: Scope, number: str, attachment_dir: Path) -> tuple[bytes, str]:
    """The attachment, for the county's staff only (never served publicly)."""
    objection = await _find(session, scope, number)
    if objection.attachment_key is None or objection.attachment_type is None:
        raise NotFound()
    data = await asyncio.to_thread(_read, attachment_dir / objection.attachment_key)
    if data is None:
        raise NotFound()
    await audit.record(session, scope.actor, "objection.attachment", "objection", number)
    return data, objection.attachment_type
