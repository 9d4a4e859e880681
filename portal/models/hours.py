"""Weekly support and participation records (DOMAIN §6): one row per activity, kept with its history."""
import enum
import json
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
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
        facts = json.loads(self.before)
        facts["on"] = date.fromisoformat(facts["on"])
        facts["activity_label"] = Activity(facts["activity"]).label
        return facts


class InWorkJob(db.Model):
    """A job the customer started while on the programme, for in-work support and R-HRS-6."""

    __tablename__ = "in_work_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    employer_name: Mapped[str] = mapped_column(String(200))
    # The employer's number of staff when the job started: the Small Employer Offer is made on recruitment.
    employer_staff: Mapped[int] = mapped_column(Integer)
    job_title: Mapped[str] = mapped_column(String(200))
    started_on = mapped_column(Date, nullable=False)
    ended_on = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)

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
