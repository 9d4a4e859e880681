"""The portal's tables. Import models from here."""
from sqlalchemy import exists
from sqlalchemy.orm import column_property

from portal.models.api import ApiClient, ApiToken, IdempotencyRecord
from portal.models.audit import AuditCheckpoint, AuditEvent, AuditEventCustomer
from portal.models.cohort import CircumstanceChange, CircumstanceDecision, CircumstanceKind, Cohort, CohortPlace
from portal.models.customer import Appointment, Customer, DwpRecord, DwpRecordVersion
from portal.models.document import (
    CopyMethod, CustomerCopy, DocumentOriginal, InspectionPack, PackStatus, RateLimitHit, VersionSeal,
)
from portal.models.inspection import (
    Finding, FindingEvent, FindingState, Inspection, InspectionSample, InspectionStatus, Severity, inspection_inspector,
    inspection_programme,
)
from portal.models.in_work import EmployerSigningLink, InWorkAgreement, InWorkCheck, InWorkSignature
from portal.models.hours import Activity, HoursAmendment, HoursEntry, InWorkJob, InWorkWeek, JobOutcome, MinimumWageRate, Mode, Source
from portal.models.mail import OutboxMessage
from portal.models.mi import MiPeriodCount, MiPeriodSummary, MiRefresh
from portal.models.organisation import Organisation, OrganisationKind, organisation_programme
from portal.models.plan import (
    AGREED_STATUSES, Barrier, DistanceAssessment, DistanceDomain, DistanceScore, FundingRequest, Milestone, Objective, Plan, PlanParty,
    PlanVersion, Review, Signature, SignatureMethod, SigningLink, SupportItem, TaperStep, UnsavedDraft, VersionStatus,
)
from portal.models.plan_progress import Progress, QualityCheck, StrandApproval, StrandStart
from portal.models.policy import Access, Audience, Consent, ConsentKind, PolicyRule, PolicyVersion
from portal.models.programme import Programme
from portal.models.referral import ExitReason, Referral, ReferralStatus, ReferralTransition
from portal.models.submission import FormSubmission
from portal.models.user import Invitation, PasswordReset, Role, User, UserSession

# Whether any of the organisation's programmes runs in job clubs (cohorts): read with the organisation,
# which comes with the signed-in user's session, instead of a lazy load of its programmes on every page
# that draws the menu (issue 18).
Organisation.runs_cohorts = column_property(
    exists().where(organisation_programme.c.organisation_id == Organisation.id,
                   organisation_programme.c.programme_id == Programme.id,
                   Programme.cohort_size != 0, Programme.cohort_weeks != 0).correlate_except(organisation_programme,
                                                                                              Programme))

__all__ = [
    "CopyMethod", "CustomerCopy", "DocumentOriginal", "InspectionPack", "PackStatus", "RateLimitHit", "VersionSeal",
    "CircumstanceChange", "CircumstanceDecision", "CircumstanceKind", "Cohort", "CohortPlace",
    "EmployerSigningLink", "InWorkAgreement", "InWorkCheck", "InWorkSignature",
    "Activity", "HoursAmendment", "HoursEntry", "InWorkJob", "InWorkWeek", "JobOutcome", "MinimumWageRate", "Mode", "Source",
    "Barrier", "DistanceAssessment", "DistanceDomain", "DistanceScore", "FundingRequest", "Milestone", "Objective",
    "Plan", "PlanParty", "PlanVersion", "Review", "Signature", "SignatureMethod", "SigningLink", "SupportItem",
    "AGREED_STATUSES", "TaperStep", "UnsavedDraft", "VersionStatus",
    "FormSubmission", "Progress", "QualityCheck", "StrandApproval", "StrandStart",
    "Finding", "FindingEvent", "FindingState", "Inspection", "InspectionSample", "InspectionStatus", "Severity",
    "inspection_inspector", "inspection_programme",
    "Access", "ApiClient", "ApiToken", "Audience", "Consent", "ConsentKind", "IdempotencyRecord", "PolicyRule", "PolicyVersion",
    "Appointment", "AuditCheckpoint", "AuditEvent", "AuditEventCustomer", "Customer", "DwpRecord", "Invitation", "Organisation", "OrganisationKind",
    "OutboxMessage", "PasswordReset", "Programme", "ExitReason", "MiPeriodCount", "MiPeriodSummary", "MiRefresh", "Referral", "ReferralStatus", "ReferralTransition", "Role",
    "User", "UserSession", "organisation_programme",
]
