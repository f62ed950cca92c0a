"""All models, imported here so that Alembic and the app see one metadata."""

from portal.models.accounts import CodePurpose, OutboxMessage, ResidentAccount, SmsCode
from portal.models.areas import CalendarOverride, LocalFigure, ServiceArea
from portal.models.assessment import AssessmentIndicator, Circular, CircularStatus, CircularVersion
from portal.models.audit import AuditEntry, AuditSeal
from portal.models.base import Base
from portal.models.certifications import Certification, CertificationStatus, DifficultyCategory
from portal.models.consistency import ConsistencyCheck, ConsistencyLine
from portal.models.credit import CreditCase, CreditCaseStatus, CreditRepayment, CreditSource
from portal.models.inbox import InboxMessage, MessageKind
from portal.models.loans import OPEN_LOAN_STATUSES, BusinessType, LoanApplication, LoanStatus, LoanStep
from portal.models.notices import Notice, NoticeEntry, NoticeStatus, PaymentStatus
from portal.models.objections import (
    OPEN_OBJECTION,
    Objection,
    ObjectionGround,
    ObjectionOutcome,
    ObjectionStatus,
    ObjectionStep,
    ObjectionStepKind,
)
from portal.models.people import Person
from portal.models.plans import Plan, PlanAction, PlanOutcome, PlanReview, PlanStatus
from portal.models.policies import CreditListing, Policy, PolicyVersion
from portal.models.policy_applications import (
    AWAITING_APPLICATION,
    Grant,
    PolicyApplication,
    PolicyApplicationStatus,
)
from portal.models.proposals import ProposalSource, ProposalState, StatusProposal
from portal.models.public_welfare_posts import PlacementStatus, PublicWelfarePlacement, PublicWelfarePost
from portal.models.registration import (
    AWAITING_STATUSES,
    ENDED_STATUSES,
    JOB_LOSS_CATEGORIES,
    OPEN_STATUSES,
    Commitment,
    CommitmentOutcome,
    CommitmentText,
    Difficulty,
    Education,
    EventKind,
    InsuredBefore,
    Registration,
    RegistrationDifficulty,
    RegistrationDraft,
    RegistrationEvent,
    RegistrationServiceWanted,
    RegistrationStatus,
    ServiceWanted,
    UnemploymentCategory,
)
from portal.models.service_items import ServiceItem
from portal.models.service_minimum import ServiceMinimumCount
from portal.models.service_records import (
    ServiceChannel,
    ServiceKind,
    ServiceRecord,
    ServiceResult,
    TrackingComparison,
)
from portal.models.service_requests import (
    RequestChannel,
    RequestKind,
    RequestMessage,
    RequestStatus,
    ServiceRequest,
)
from portal.models.staff import StaffRole, StaffUser
from portal.models.statistics import StatFigure, StatMonth, StatPerson
from portal.models.training import EnrolmentStatus, TrainingEnrolment, TrainingNotice, TrainingProgramme
from portal.models.ui_benefit import UiBenefitClaim, UiClaimStatus
from portal.models.vacancies import FollowUpResult, Interest, Recommendation, Vacancy, VacancyStatus
from portal.models.verifications import Verification, VerificationOutcome, VerificationSource

__all__ = [
    "AWAITING_APPLICATION",
    "AWAITING_STATUSES",
    "ENDED_STATUSES",
    "JOB_LOSS_CATEGORIES",
    "OPEN_LOAN_STATUSES",
    "OPEN_OBJECTION",
    "OPEN_STATUSES",
    "AssessmentIndicator",
    "AuditEntry",
    "AuditSeal",
    "Base",
    "BusinessType",
    "CalendarOverride",
    "Certification",
    "CertificationStatus",
    "Circular",
    "CircularStatus",
    "CircularVersion",
    "CodePurpose",
    "Commitment",
    "CommitmentOutcome",
    "CommitmentText",
    "ConsistencyCheck",
    "ConsistencyLine",
    "CreditCase",
    "CreditCaseStatus",
    "CreditListing",
    "CreditRepayment",
    "CreditSource",
    "Difficulty",
    "DifficultyCategory",
    "Education",
    "EnrolmentStatus",
    "EventKind",
    "FollowUpResult",
    "Grant",
    "InboxMessage",
    "InsuredBefore",
    "Interest",
    "LoanApplication",
    "LoanStatus",
    "LoanStep",
    "LocalFigure",
    "MessageKind",
    "Notice",
    "NoticeEntry",
    "NoticeStatus",
    "Objection",
    "ObjectionGround",
    "ObjectionOutcome",
    "ObjectionStatus",
    "ObjectionStep",
    "ObjectionStepKind",
    "OutboxMessage",
    "PaymentStatus",
    "Person",
    "PlacementStatus",
    "Plan",
    "PlanAction",
    "PlanOutcome",
    "PlanReview",
    "PlanStatus",
    "Policy",
    "PolicyApplication",
    "PolicyApplicationStatus",
    "PolicyVersion",
    "ProposalSource",
    "ProposalState",
    "PublicWelfarePlacement",
    "PublicWelfarePost",
    "Recommendation",
    "Registration",
    "RegistrationDifficulty",
    "RegistrationDraft",
    "RegistrationEvent",
    "RegistrationServiceWanted",
    "RegistrationStatus",
    "RequestChannel",
    "RequestKind",
    "RequestMessage",
    "RequestStatus",
    "ResidentAccount",
    "ServiceArea",
    "ServiceChannel",
    "ServiceItem",
    "ServiceKind",
    "ServiceMinimumCount",
    "ServiceRecord",
    "ServiceRequest",
    "ServiceResult",
    "ServiceWanted",
    "SmsCode",
    "StaffRole",
    "StaffUser",
    "StatFigure",
    "StatMonth",
    "StatPerson",
    "StatusProposal",
    "TrackingComparison",
    "TrainingEnrolment",
    "TrainingNotice",
    "TrainingProgramme",
    "UiBenefitClaim",
    "UiClaimStatus",
    "UnemploymentCategory",
    "Vacancy",
    "VacancyStatus",
    "Verification",
    "VerificationOutcome",
    "VerificationSource",
]
