"""Weekly support and participation records (DOMAIN §6): one row per activity, kept with its history."""
import enum
import json
from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_type, utcnow


class Activity(enum.StrEnum):
    JOB_SEARCH = "job_search"
    CV_AND_APPLICATIONS = "cv_and_applications"
    INTERVIEW_SKILLS = "interview_skills"
    CONFIDENCE_BUILDING = "confidence_building"
    WORK_TRIAL = "work_trial"
    WORK_PLACEMENT = "work_placement"
    VOLUNTEERING = "volunteering"
    JOB_COACHING = "job_coaching"
    IN_WORK_SUPPORT = "in_work_support"
    ADVOCACY = "advocacy"
    SIGNPOSTING = "signposting"
    HEALTH_SUPPORT = "health_support"
    SKILLS_TRAINING = "skills_training"
    PEER_SUPPORT = "peer_support"
    EMPLOYER_ENGAGEMENT = "employer_engagement"
    OTHER = "other"

    @property
    def label(self):
        return ACTIVITY_LABELS[self]


ACTIVITY_LABELS = {
    Activity.JOB_SEARCH: "Job search",
    Activity.CV_AND_APPLICATIONS: "CV and applications",
    Activity.INTERVIEW_SKILLS: "Interview skills",
    Activity.CONFIDENCE_BUILDING: "Confidence building",
    Activity.WORK_TRIAL: "Work trial",
    Activity.WORK_PLACEMENT: "Work placement",
    Activity.VOLUNTEERING: "Volunteering",
    Activity.JOB_COACHING: "Job coaching",
    Activity.IN_WORK_SUPPORT: "In-work support",
    Activity.ADVOCACY: "Advocacy for debt or housing",
    Activity.SIGNPOSTING: "Signposting",
    Activity.HEALTH_SUPPORT: "Health support",
    Activity.SKILLS_TRAINING: "Skills training",
    Activity.PEER_SUPPORT: "Peer support",
    Activity.EMPLOYER_ENGAGEMENT: "Employer engagement",
    Activity.OTHER: "Other",
}


class Source(enum.StrEnum):
    """Who delivered it (R-HRS-2); the same words as a plan's support items."""

    PROVIDER = "provider"
    SUBCONTRACTOR = "subcontractor"
    EMPLOYER = "employer"
    THIRD_TIER = "third_tier"
    OTHER = "other"

    @property
    def label(self):
        return SOURCE_LABELS[self]

    @property
    def needs_name(self):
        return self in (Source.SUBCONTRACTOR, Source.THIRD_TIER, Source.OTHER)


SOURCE_LABELS = {
    Source.PROVIDER: "Our organisation",
    Source.SUBCONTRACTOR: "A sub-contractor",
    Source.EMPLOYER: "The employer",
    Source.THIRD_TIER: "A third-tier organisation",
    Source.OTHER: "Another external organisation",
}


class Mode(enum.StrEnum):
    FACE_TO_FACE = "face_to_face"
    PHONE = "phone"
    VIDEO = "video"
    GROUP = "group"

    @property
    def label(self):
        return {"face_to_face": "Face to face", "phone": "Phone", "video": "Video", "group": "Group"}[self.value]


class HoursEntry(db.Model):
    """One activity on one day (R-HRS-1). Hours are stored as whole quarter hours (R-HRS-4).

    A removed entry keeps its row (`removed_at`) so the week's history stays whole (R-HRS-7).
    """

    __tablename__ = "hours_entry"
    __table_args__ = (
        Index("ix_hours_entry_referral_week", "referral_id", "week_start"),
        # The weeks with hours of a whole provider, read from the index alone (issue 13's overview).
        Index("ix_hours_entry_live_week", "referral_id", "week_start", postgresql_where=text("removed_at IS NULL"),
              sqlite_where=text("removed_at IS NULL")),
        # R-MI-1: hours of participation by day, answered from the index alone.
        Index("ix_hours_entry_on_referral", "on", "referral_id", "source", "quarters"),
        CheckConstraint("quarters > 0 AND quarters <= 96", name="quarter_hours_in_a_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"))
    week_start = mapped_column(Date, nullable=False)
    on = mapped_column(Date, nullable=False)
    activity: Mapped[Activity] = mapped_column(enum_type(Activity, 30))
    source: Mapped[Source] = mapped_column(enum_type(Source, 20))
    source_name: Mapped[str | None] = mapped_column(String(200))
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("plan_objective.id"))
    mode: Mapped[Mode] = mapped_column(enum_type(Mode, 20))
    quarters: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    entered_by_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    entered_at = mapped_column(UTCDateTime, default=utcnow)
    removed_at = mapped_column(UTCDateTime)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    referral = relationship("Referral")
    objective = relationship("Objective")
    entered_by = relationship("User")
    entered_by_organisation = relationship("Organisation")
    amendments = relationship("HoursAmendment", order_by="HoursAmendment.changed_at", back_populates="entry")

    @property
    def hours(self):
        from decimal import Decimal

        return Decimal(self.quarters) / 4


class HoursAmendment(db.Model):
    """An earlier state of an entry: who changed or removed it, when and why (R-HRS-7)."""

    __tablename__ = "hours_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("hours_entry.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "changed" or "removed"
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[str] = mapped_column(Text)  # the entry's figures before the change, as JSON
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    changed_at = mapped_column(UTCDateTime, default=utcnow)

    entry = relationship("HoursEntry", back_populates="amendments")
    changed_by = relationship("User")

    @property
    def earlier(self):
        return earlier_figures(self.before)


def earlier_figures(before):
    """An amendment's `before` JSON as the figures the week page shows."""
    facts = json.loads(before)
    facts["on"] = date.fromisoformat(facts["on"])
    facts["activity_label"] = Activity(facts["activity"]).label
    return facts


class InWorkJob(db.Model):
    """One job the customer started while on the programme: the one record that in-work support, the
    Small Employer Payment (R-HRS-6) and job outcomes (R-OUT-1) all read.

    Jobs recorded before R-OUT-1 have no contracted hours, pay or supported/unsupported answer (None).
    """

    __tablename__ = "in_work_job"
    __table_args__ = (
        CheckConstraint("contracted_quarters >= 0 AND contracted_quarters <= 672", name="contracted_quarter_hours"),
        CheckConstraint("hourly_pay_pence > 0", name="hourly_pay_positive"),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="job_ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    employer_name: Mapped[str] = mapped_column(String(200))
    # The employer's number of staff when the job started: the Small Employer Offer is made on recruitment.
    employer_staff: Mapped[int] = mapped_column(Integer)
    job_title: Mapped[str] = mapped_column(String(200))
    started_on = mapped_column(Date, nullable=False)
    ended_on = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(300))
    # Contracted hours a week in whole quarter hours (R-HRS-4); 0 is a zero-hours contract.
    contracted_quarters: Mapped[int | None] = mapped_column(Integer)
    # Pay in whole pence, so no rounding creeps into the minimum wage check (R-OUT-1).
    hourly_pay_pence: Mapped[int | None] = mapped_column(Integer)
    # Supported work when the job started (IFS 19-20); a move to unsupported work in the same job is dated.
    supported: Mapped[bool | None] = mapped_column(Boolean)
    unsupported_from = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_ongoing(self):
        return self.ended_on is None

    def supported_on(self, day):
        """Whether the job was supported work on `day` (None if never answered)."""
        if self.supported is None:
            return None
        return bool(self.supported) and (self.unsupported_from is None or day < self.unsupported_from)

    referral = relationship("Referral")
    weeks = relationship("InWorkWeek", order_by="InWorkWeek.week_start", back_populates="job")


class InWorkWeek(db.Model):
    """Hours the customer worked in one week of a job (quarter hours)."""

    __tablename__ = "in_work_week"
    __table_args__ = (
        db.UniqueConstraint("job_id", "week_start", name="uq_in_work_week_job_week"),
        CheckConstraint("quarters >= 0 AND quarters <= 672", name="quarter_hours_in_a_week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("in_work_job.id"))
    week_start = mapped_column(Date, nullable=False)
    quarters: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)

    job = relationship("InWorkJob", back_populates="weeks")


class MinimumWageRate(db.Model):
    """A National Minimum Wage or National Living Wage rate for an age band, in force from a date
    (R-OUT-1, LSE Annex 1 "the going rate"). Rates are rows: a new April's figures are a new row."""

    __tablename__ = "minimum_wage_rate"
    __table_args__ = (
        db.UniqueConstraint("effective_from", "min_age", name="uq_minimum_wage_rate_from_age"),
        CheckConstraint("pence > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from = mapped_column(Date, nullable=False)
    min_age: Mapped[int] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)  # None: and over
    name: Mapped[str] = mapped_column(String(120))
    pence: Mapped[int] = mapped_column(Integer)


class JobOutcome(db.Model):
    """An outcome event (R-OUT-1), derived by `portal.services.outcomes` from the job and weekly hours
    records whenever they change, in the same transaction, and never typed. Stored so that MI over the
    whole portal reads a few rows instead of re-deriving them from every week worked (docs/benchmarks.md)."""

    __tablename__ = "job_outcome"
    __table_args__ = (
        db.UniqueConstraint("job_id", "kind", name="uq_job_outcome_job_kind"),
        Index("ix_job_outcome_kind_occurred_on", "kind", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("in_work_job.id"))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on = mapped_column(Date, nullable=False)
