"""The Individual Support Plan (DOMAIN §5): a plan per customer and programme, in versions.

A version's content lives in normalised tables (objectives, support items and their links,
barriers, milestones, funding, in-work taper), so hours records and inspectors' checks can refer
to an objective. An agreed version never changes (R-ISP-10): the service layer refuses it.
"""
import enum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_type, utcnow


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_SIGNATURES = "awaiting_signatures"
    AGREED = "agreed"
    SUPERSEDED = "superseded"

    @property
    def label(self):
        return {"draft": "Draft", "awaiting_signatures": "Awaiting signatures", "agreed": "Agreed",
                "superseded": "Superseded"}[self.value]

    @property
    def tag_colour(self):
        return {"draft": "grey", "awaiting_signatures": "yellow", "agreed": "green", "superseded": "purple"}[self.value]

    @property
    def was_agreed(self):
        """Agreed, whether or not a newer version has replaced it since: its content is fixed and sealed."""
        return self in AGREED_STATUSES


# For queries: the statuses of versions that were agreed (VersionStatus.was_agreed).
AGREED_STATUSES = (VersionStatus.AGREED, VersionStatus.SUPERSEDED)


class Plan(db.Model):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    # When the next review is due (R-ISP-5): the agreed plan's first review, then each review's next date.
    # Kept here so the caseload can flag and filter overdue reviews in one query.
    next_review_on = mapped_column(Date, index=True)

    customer = relationship("Customer")
    programme = relationship("Programme")
    reviews = relationship("Review", order_by="Review.held_on.desc()")
    assessments = relationship("DistanceAssessment", order_by="DistanceAssessment.assessed_on")
    versions = relationship("PlanVersion", back_populates="plan", order_by="PlanVersion.number",
                            foreign_keys="PlanVersion.plan_id")
    progress = relationship("Progress", order_by="Progress.done_on", viewonly=True)
    strand_starts = relationship("StrandStart", order_by="StrandStart.started_on", viewonly=True)
    quality_checks = relationship("QualityCheck", order_by="QualityCheck.checked_on", viewonly=True)


class PlanVersion(db.Model):
    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # The provider that wrote this version; a transfer's receiving provider writes the next one.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    status: Mapped[VersionStatus] = mapped_column(enum_type(VersionStatus, 24), default=VersionStatus.DRAFT)
    # Why this version was made (asked for every revision, R-ISP-10).
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    sent_for_signature_at = mapped_column(UTCDateTime)
    agreed_at = mapped_column(UTCDateTime)
    superseded_at = mapped_column(UTCDateTime)
    # SHA-256 of the canonical content when sent for signature: every signature must match it.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # Optimistic locking: a save carries the number it started from; a stale one gets the conflict page.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    needs_assessment: Mapped[str | None] = mapped_column(Text)
    needs_assessed_on = mapped_column(Date)
    aspirations: Mapped[str | None] = mapped_column(Text)
    job_goal: Mapped[str | None] = mapped_column(String(300))
    target_weekly_hours = mapped_column(Numeric(5, 2))
    target_hours_reason: Mapped[str | None] = mapped_column(Text)
    length_rationale: Mapped[str | None] = mapped_column(Text)
    review_every_weeks: Mapped[int | None] = mapped_column(Integer)
    first_review_on = mapped_column(Date)
    permitted_work: Mapped[bool | None] = mapped_column(Boolean)
    permitted_work_hours = mapped_column(Numeric(5, 2))
    permitted_work_details: Mapped[str | None] = mapped_column(Text)
    # R-DATA-8 / SES 4.18: who in the customer's support network may be consulted, with their agreement.
    support_network_who: Mapped[str | None] = mapped_column(Text)
    support_network_agreed_on = mapped_column(Date)
    support_network_withdrawn_on = mapped_column(Date)
    # In-work support (R-ISP-8), after a job start.
    in_work: Mapped[bool] = mapped_column(Boolean, default=False)
    employer_name: Mapped[str | None] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    job_start_on = mapped_column(Date)
    check_settled_in: Mapped[str | None] = mapped_column(Text)
    check_transport: Mapped[str | None] = mapped_column(Text)
    check_benefits_advice: Mapped[str | None] = mapped_column(Text)
    check_adjustments: Mapped[str | None] = mapped_column(Text)

    plan = relationship("Plan", back_populates="versions", foreign_keys=[plan_id])
    organisation = relationship("Organisation")
    referral = relationship("Referral")
    created_by = relationship("User")
    barriers = relationship("Barrier", order_by="Barrier.position", cascade="all, delete-orphan")
    objectives = relationship("Objective", order_by="Objective.position", cascade="all, delete-orphan")
    support_items = relationship("SupportItem", order_by="SupportItem.position", cascade="all, delete-orphan")
    milestones = relationship("Milestone", order_by="Milestone.position", cascade="all, delete-orphan")
    funding = relationship("FundingRequest", order_by="FundingRequest.position", cascade="all, delete-orphan")
    taper_steps = relationship("TaperStep", order_by="TaperStep.position", cascade="all, delete-orphan",
                               foreign_keys="TaperStep.version_id")
    parties = relationship("PlanParty", order_by="PlanParty.position", cascade="all, delete-orphan")
    signatures = relationship("Signature", order_by="Signature.signed_at")

    @property
    def is_editable(self):
        return self.status == VersionStatus.DRAFT


class _VersionChild:
    """Columns every row of a version's content has. `key` stays the same when a version is copied."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Barrier(_VersionChild, db.Model):
    """R-ISP-7: a barrier (disability or beyond), its impact and the response."""

    __tablename__ = "plan_barrier"

    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    impact: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)


class Objective(_VersionChild, db.Model):
    """R-ISP-4: SMART — what, how often (measurable), by when. `key` is the same across versions."""

    __tablename__ = "plan_objective"

    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(Text)
    how_often: Mapped[str | None] = mapped_column(String(200))
    measure: Mapped[str | None] = mapped_column(String(300))
    target_on = mapped_column(Date)


support_item_objective = db.Table(
    "plan_support_item_objective",
    db.Column("support_item_id", ForeignKey("plan_support_item.id", ondelete="CASCADE"), primary_key=True),
    db.Column("objective_id", ForeignKey("plan_objective.id", ondelete="CASCADE"), primary_key=True),
)


class SupportItem(_VersionChild, db.Model):
    """R-ISP-3: support or a qualification, linked to at least one objective, with who delivers it."""

    __tablename__ = "plan_support_item"

    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="support")  # support | qualification
    description: Mapped[str] = mapped_column(Text)
    # provider | subcontractor | employer | third_tier | other (R-HRS-2 uses the same list)
    deliverer: Mapped[str] = mapped_column(String(20), default="provider")
    deliverer_name: Mapped[str | None] = mapped_column(String(200))
    planned_hours = mapped_column(Numeric(6, 2))

    objectives = relationship("Objective", secondary=support_item_objective, order_by="Objective.position")


class Milestone(_VersionChild, db.Model):
    __tablename__ = "plan_milestone"

    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    agreed_on = mapped_column(Date)


class FundingRequest(_VersionChild, db.Model):
    """R-ISP-7 / SES 4.21: funding sought from others (social services, health, local authority...)."""

    __tablename__ = "plan_funding"

    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    amount = mapped_column(Numeric(10, 2))
    outcome: Mapped[str | None] = mapped_column(String(200))


class TaperStep(_VersionChild, db.Model):
    """R-ISP-8: how in-work support changes over time."""

    __tablename__ = "plan_taper_step"

    # A plan version's (before 0019) or an in-work agreement's (R-ISP-12): one of the two.
    version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("in_work_agreement.id", ondelete="CASCADE"),
                                                     index=True)
    from_week: Mapped[int] = mapped_column(Integer)
    to_week: Mapped[int | None] = mapped_column(Integer)
    support: Mapped[str] = mapped_column(Text)
    hours_per_week = mapped_column(Numeric(5, 2))


class PlanParty(_VersionChild, db.Model):
    """Who must sign this version (R-SIGN-1): the customer and the provider; the employer in work."""

    __tablename__ = "plan_party"

    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # customer | adviser | employer | other
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=True)


class SignatureMethod(enum.StrEnum):
    IN_PERSON = "in_person"
    REMOTE_LINK = "remote_link"
    REPRESENTATIVE = "representative"
    VERBAL_WITNESSED = "verbal_witnessed"
    ADVISER = "adviser"
    # The employer's own signature (R-ISP-12): in person on the adviser's device, or by their link.
    EMPLOYER_IN_PERSON = "employer_in_person"
    EMPLOYER_LINK = "employer_link"


class Signature(db.Model):
    """A party's agreement to one exact version (the content hash it saw)."""

    __tablename__ = "plan_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("plan_party.id"))
    method: Mapped[SignatureMethod] = mapped_column(enum_type(SignatureMethod, 20))
    typed_name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_at = mapped_column(UTCDateTime, default=utcnow)
    declaration: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="en")
    document_format: Mapped[str] = mapped_column(String(20), default="standard")
    representative_relationship: Mapped[str | None] = mapped_column(String(120))
    representative_reason: Mapped[str | None] = mapped_column(Text)
    witness_name: Mapped[str | None] = mapped_column(String(200))
    witness_relationship: Mapped[str | None] = mapped_column(String(120))
    witness_reason: Mapped[str | None] = mapped_column(Text)
    drawn_signature_png: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    party = relationship("PlanParty")


class SigningLink(db.Model):
    """A single-use remote signing link, bound to one version's content (expires after 7 days)."""

    __tablename__ = "plan_signing_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("plan_party.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    expires_at = mapped_column(UTCDateTime)
    used_at = mapped_column(UTCDateTime)
    # When the customer first opened the link (R-REM-1: the adviser sees sent, opened, expires, signed).
    opened_at = mapped_column(UTCDateTime)
    failed_checks: Mapped[int] = mapped_column(Integer, default=0)

    version = relationship("PlanVersion")
    party = relationship("PlanParty")


class Review(db.Model):
    """R-ISP-5: a review held, who took part, what changed, and when the next one is due."""

    __tablename__ = "plan_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"))
    held_on = mapped_column(Date)
    participants: Mapped[str] = mapped_column(Text)
    what_changed: Mapped[str | None] = mapped_column(Text)
    next_review_on = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)


class DistanceDomain(db.Model):
    """A distance-travelled domain, configurable per programme (R-ISP-6)."""

    __tablename__ = "distance_domain"
    __table_args__ = (UniqueConstraint("programme_id", "code", name="uq_distance_domain_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    label_cy: Mapped[str | None] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


class DistanceAssessment(db.Model):
    __tablename__ = "distance_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    assessed_on = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(60))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    scores = relationship("DistanceScore", cascade="all, delete-orphan")


class DistanceScore(db.Model):
    __tablename__ = "distance_score"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("distance_assessment.id", ondelete="CASCADE"), primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("distance_domain.id"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)

    domain = relationship("DistanceDomain")


class UnsavedDraft(db.Model):
    """What an adviser posted after their session ended, kept so it is not lost (issue 4: long edits)."""

    __tablename__ = "unsaved_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    form_json: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow)
