"""All models, imported here so that Alembic and the app see one metadata."""

from portal.models.accounts import CodePurpose, OutboxMessage, ResidentAccount, SmsCode
from portal.models.areas import CalendarOverride, LocalFigure, ServiceArea
from portal.models.base import Base
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

__all__ = [
    "OPEN_STATUSES",
    "Base",
    "CalendarOverride",
    "CodePurpose",
    "Commitment",
    "CommitmentOutcome",
    "CommitmentText",
    "LocalFigure",
    "OutboxMessage",
    "Person",
    "Registration",
    "RegistrationDraft",
    "RegistrationEvent",
    "RegistrationStatus",
    "ResidentAccount",
    "ServiceArea",
    "SmsCode",
]
