"""All models, imported here so that Alembic and the app see one metadata."""

from portal.models.accounts import CodePurpose, OutboxMessage, ResidentAccount, SmsCode
from portal.models.areas import CalendarOverride, LocalFigure, ServiceArea
from portal.models.audit import AuditEntry, AuditSeal
from portal.models.base import Base
from portal.models.casework import (
    ContactResult,
    InboxMessage,
    ProposalState,
    ServiceRecord,
    StatusProposal,
    Verification,
    VerificationOutcome,
    VerificationSource,
)
from portal.models.people import Person
from portal.models.registration import (
    OPEN_STATUSES,
    Commitment,
    CommitmentOutcome,
    CommitmentText,
    Registration,
    RegistrationDraft,
    RegistrationEvent,
    RegistrationStatus,
)
from portal.models.staff import StaffRole, StaffUser

__all__ = [
    "OPEN_STATUSES",
    "AuditEntry",
    "AuditSeal",
    "Base",
    "CalendarOverride",
    "CodePurpose",
    "Commitment",
    "CommitmentOutcome",
    "CommitmentText",
    "ContactResult",
    "InboxMessage",
    "LocalFigure",
    "OutboxMessage",
    "Person",
    "ProposalState",
    "Registration",
    "RegistrationDraft",
    "RegistrationEvent",
    "RegistrationStatus",
    "ResidentAccount",
    "ServiceArea",
    "ServiceRecord",
    "SmsCode",
    "StaffRole",
    "StaffUser",
    "StatusProposal",
    "Verification",
    "VerificationOutcome",
    "VerificationSource",
]
