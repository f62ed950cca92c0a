"""The staff case page's view of a case: the person and their answers, what was verified and recorded, what
happened, and which of the case forms this staff member may use now."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from portal.crypto import Cipher
from portal.models import (
    EventKind,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
    ServiceRecord,
    ServiceRequest,
    StatusProposal,
    Verification,
)
from portal.rules.service_minimum import Year
from portal.services import (
    areas,
    audit,
    cases,
    decisions,
    policy_applications,
    proposals,
    service_minimum,
    service_records,
    service_requests,
    ui_benefit,
    verifications,
)
from portal.services.answers import Answers, id_number_masked
from portal.services.answers import of as answers_of
from portal.services.fields import Choice, options
from portal.services.staff import Scope


@dataclass(frozen=True)
class CaseView:
    registration: Registration
    answers: Answers
    id_number_masked: str
    area_names: dict[str, str]
    verifications: list[Verification]
    proposals: list[StatusProposal]
    service_records: list[ServiceRecord]
    # The rest of the person's ledger: the 12333 minimum, their requests and policy applications.
    year: Year | None
    service_requests: list[ServiceRequest]
    policy_applications: list[policy_applications.ApplicationRow]
    # The unemployment insurance benefit claimed (or declined) with the application, decided with it.
    ui_benefit: ui_benefit.ClaimView | None
    # Another account typed this person's ID number while this registration was open (issue 6, 17).
    identity_claims: list[RegistrationEvent]
    # The newest event: the case forms send it back, so that a conflict can say what changed since.
    seen_event: int
    can_register: bool
    # Which forms this staff member may use on the case as it is now.
    may_verify: bool
    may_decide: bool
    may_end: bool
    may_transfer: bool
    may_reverse: bool
    may_record_service: bool
    # The options of the case forms, in the reader's language.
    outcomes: list[Choice]
    rejection_reasons: list[Choice]
    transfer_areas: list[Choice]

    @property
    def area_name(self) -> str:
        return self.area_names.get(self.registration.county_code, self.registration.county_code)


async def view(session: AsyncSession, cipher: Cipher, scope: Scope, number: str) -> CaseView:
    """The case as this staff member may see it (404 outside their scope); the view is audited."""
    registration = await cases.find(session, scope, number, full=True)
    checked = await verifications.of_registration(session, registration.id)
    can_register = verifications.can_register(checked)
    names = await areas.names(session)
    registered = registration.status is RegistrationStatus.REGISTERED
    await audit.record(session, scope.actor, "case.view", "registration", registration.number)
    return CaseView(
        registration=registration,
        answers=answers_of(registration),
        id_number_masked=id_number_masked(cipher, registration.person),
        area_names=names,
        verifications=checked,
        proposals=await proposals.of_registration(session, registration.id),
        service_records=await service_records.of_registration(session, registration.id),
        year=await service_minimum.year_of(session, registration),
        service_requests=await service_requests.of_registration(session, registration.id),
        policy_applications=await policy_applications.of_registration(session, registration.id),
        ui_benefit=await ui_benefit.view_of(session, registration.id),
        identity_claims=[e for e in registration.events if e.kind is EventKind.IDENTITY_CLAIMED],
        seen_event=max((e.id for e in registration.events), default=0),
        can_register=can_register,
        may_verify=scope.can_act and registration.is_open,
        may_decide=scope.can_decide and registration.is_awaiting,
        may_end=scope.can_act and registered,
        may_transfer=(scope.can_act or scope.is_admin) and registration.is_open,
        may_reverse=scope.is_admin and registration.is_ended,
        may_record_service=scope.can_act and registered,
        # Registering needs a comparison or an investigation on record (verifications.can_register).
        outcomes=options(decisions.OUTCOMES, leave_out=() if can_register else ("register",)),
        rejection_reasons=options(decisions.rejection_reasons_for(registration)),
        transfer_areas=[Choice(code, name) for code, name in names.items() if code != registration.county_code],
    )
