"""Verifying an application (§5.1): the data comparisons with the official sources, field investigations,
and the words their results are shown with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.social_insurance import SocialInsurance
from portal.adapters.verification import Sources
from portal.crypto import Cipher
from portal.i18n import _l, current_locale, plain
from portal.models import EventKind, Verification, VerificationOutcome, VerificationSource
from portal.services import audit, cases, events, fields
from portal.services.errors import InputError, NotAllowed
from portal.services.staff import Scope

SOURCE_LABELS: dict[str, object] = {
    VerificationSource.CARD_BASE: _l("Social security card holders"),
    VerificationSource.SOCIAL_INSURANCE: _l("Social insurance registration"),
    VerificationSource.LABOUR_FILING: _l("Labour-use filings"),
    VerificationSource.BIG_DATA: _l("Big-data platform"),
    VerificationSource.FIELD_INVESTIGATION: _l("Field investigation"),
}
OUTCOME_LABELS: dict[str, object] = {
    VerificationOutcome.MATCH: _l("Match"),
    VerificationOutcome.MISMATCH: _l("Mismatch"),
    VerificationOutcome.UNAVAILABLE: _l("Unavailable"),
}
# What a field investigation may find (the outcomes a person can record).
INVESTIGATION_OUTCOMES: dict[str, object] = {
    VerificationOutcome.MATCH: _l("The application is confirmed"),
    VerificationOutcome.MISMATCH: _l("The application is not confirmed"),
}
INVESTIGATION_OUTCOME_REQUIRED = _l("Select what the investigation found")
INVESTIGATION_NOTE_REQUIRED = _l("Write what you found")


def can_register(verifications: Sequence[Verification]) -> bool:
    """Registering needs at least one comparison or field investigation that gave an answer;
    a source that was unavailable compared nothing. Rejecting needs none."""
    return any(v.outcome is not VerificationOutcome.UNAVAILABLE for v in verifications)


async def of_registration(session: AsyncSession, registration_id: int) -> list[Verification]:
    return list(
        await session.scalars(
            select(Verification).where(Verification.registration_id == registration_id).order_by(Verification.id)
        )
    )


async def compare(
    session: AsyncSession, cipher: Cipher, scope: Scope, sources: Sources, social_insurance: SocialInsurance,
    number: str,
) -> list[Verification]:  # fmt: skip
    """Run every data comparison of §5.1 and keep each result."""
    if not scope.can_act:
        raise NotAllowed()
    registration = await cases.find(session, scope, number)
    id_number = cipher.decrypt(registration.person.id_cipher, "id").decode()
    findings = [
        (VerificationSource.CARD_BASE, await sources.card_base.compare_identity(id_number, registration.person.name)),
        (VerificationSource.LABOUR_FILING, await sources.labour_filings.compare_unemployment(id_number)),
        (VerificationSource.BIG_DATA, await sources.big_data.compare_other(id_number)),
    ]
    record = await social_insurance.employment(id_number)
    if record.active:
        insured = (VerificationOutcome.MISMATCH, {
            "reason": "active_employment", "employer": record.employer_zh, "employer_en": record.employer_en,
            "since": record.since.isoformat() if record.since else None,
        })  # fmt: skip
    else:
        insured = (VerificationOutcome.MATCH, {"ended": record.ended_on.isoformat() if record.ended_on else None})
    rows = [
        Verification(
            registration_id=registration.id, source=source, outcome=f.outcome, detail=f.detail, staff_id=scope.staff_id
        )
        for source, f in findings
    ]
    rows.insert(
        1,
        Verification(
            registration_id=registration.id, source=VerificationSource.SOCIAL_INSURANCE, outcome=insured[0],
            detail=insured[1], staff_id=scope.staff_id,
        ),
    )  # fmt: skip
    session.add_all(rows)
    await events.add(
        session, registration.id, EventKind.COMPARED, "staff",
        {"mismatches": [r.source.value for r in rows if r.outcome is VerificationOutcome.MISMATCH]},
    )  # fmt: skip
    await audit.record(
        session, scope.actor, "case.compare", "registration", number, {r.source.value: r.outcome.value for r in rows}
    )
    return rows


async def investigate(session: AsyncSession, scope: Scope, number: str, *, outcome: str, note: str) -> Verification:
    """A field investigation (实地调查) instead of, or beside, the data comparisons."""
    if not scope.can_act:
        raise NotAllowed()
    errors: dict[str, object] = {}
    if outcome not in INVESTIGATION_OUTCOMES:
        errors["investigation_outcome"] = INVESTIGATION_OUTCOME_REQUIRED
    if not note.strip():
        errors["investigation_note"] = INVESTIGATION_NOTE_REQUIRED
    fields.check_lengths(errors, {"investigation_note": (note.strip(), fields.NOTE_MAX)})
    if errors:
        raise InputError(errors)
    registration = await cases.find(session, scope, number)
    verification = Verification(
        registration_id=registration.id, source=VerificationSource.FIELD_INVESTIGATION,
        outcome=VerificationOutcome(outcome), detail={"note": note.strip()}, staff_id=scope.staff_id,
    )  # fmt: skip
    session.add(verification)
    await events.add(session, registration.id, EventKind.INVESTIGATED, "staff", {"outcome": outcome})
    await audit.record(session, scope.actor, "case.investigate", "registration", number, {"outcome": outcome})
    return verification


# ---- a result's detail in words ----------------------------------------------------------------

_DETAIL_LABELS = {
    "name_on_record": _l("Name on record"),
    "name_given": _l("Name given"),
    "reason": _l("Finding"),
    "other_reasons": _l("Also"),
    "employer": _l("Employer"),
    "business": _l("Business"),
    "since": _l("Since"),
    "ended": _l("Insured job ended"),
    "filings": _l("Filings on record"),
    "checked": _l("Looked for"),
    "simulated": _l("Answer from the simulator"),
    "note": _l("Note"),
}
_FINDINGS = {
    "name_differs": _l("the name differs from the card holder's"),
    "no_card_holder": _l("no social security card holder with this ID number"),
    "active_filing": _l("an employer's labour-use filing is open"),
    "active_employment": _l("insured as an employee now"),
    "business_owner": _l("holds a business licence"),
    "pension": _l("receives a basic pension"),
    "deceased": _l("recorded as deceased"),
    "student": _l("enrolled as a student"),
}
# What the big-data platform looked for when it found nothing: the kind of record, never a fact
# about the person ("recorded as deceased" beside "Match" read as if the person had died).
_LOOKED_FOR = {
    "deceased": _l("death records"),
    "pension": _l("basic pension payments"),
    "business_owner": _l("business licences"),
    "student": _l("student enrolment"),
}
NOTHING_FOUND = _l("nothing found")


def describe(detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A result's detail in the reader's language: (label, value) pairs."""
    english = current_locale.get() == "en"
    rows = []
    for key, value in detail.items():
        if key.endswith("_en"):
            continue
        if english and f"{key}_en" in detail and detail[f"{key}_en"]:
            value = detail[f"{key}_en"]
        if key == "checked":
            rows.append((str(_DETAIL_LABELS["reason"]), str(NOTHING_FOUND)))
            if not value:
                continue
            value = [str(_LOOKED_FOR.get(v, v)) for v in value]
        elif key in ("reason", "other_reasons"):
            items = value if isinstance(value, list) else [value]
            value = [str(_FINDINGS.get(v, v)) for v in items]
        rows.append((str(_DETAIL_LABELS.get(key, key)), plain(value)))
    return rows
