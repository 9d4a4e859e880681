"""DWP inspections of a provider (issue 13, R-INSP-1, R-INSP-2): scope, sample and findings."""
import enum

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_type, utcnow

inspection_programme = Table(
    "inspection_programme",
    db.metadata,
    Column("inspection_id", ForeignKey("inspection.id", ondelete="CASCADE"), primary_key=True),
    Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
)

# Who may read the provider's customers: R-DATA-6 scopes an inspector by these rows.
inspection_inspector = Table(
    "inspection_inspector",
    db.metadata,
    Column("inspection_id", ForeignKey("inspection.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class InspectionStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Inspection(db.Model):
    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    period_from = mapped_column(Date, nullable=False)
    period_to = mapped_column(Date, nullable=False)
    opened_on = mapped_column(Date, nullable=False)
    closed_on = mapped_column(Date)
    status: Mapped[InspectionStatus] = mapped_column(enum_type(InspectionStatus, 10), default=InspectionStatus.OPEN)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    # R-INSP-2: the last random draw, so it can be repeated and shown to the provider.
    sample_seed: Mapped[int | None] = mapped_column(Integer)
    sample_spec: Mapped[str | None] = mapped_column(Text)  # JSON: {"SES": 10, …} per programme code
    sampled_at = mapped_column(UTCDateTime)

    organisation = relationship("Organisation")
    programmes = relationship("Programme", secondary=inspection_programme, order_by="Programme.code")
    inspectors = relationship("User", secondary=inspection_inspector, order_by="User.name")

    @property
    def is_open(self):
        return self.status == InspectionStatus.OPEN


class InspectionSample(db.Model):
    """A customer in the inspection's sample, drawn at random or added by hand."""

    __tablename__ = "inspection_sample"
    __table_args__ = (UniqueConstraint("inspection_id", "customer_id", name="one_sample_row_per_customer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    how: Mapped[str] = mapped_column(String(10))  # random | by_hand
    added_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    added_at = mapped_column(UTCDateTime, default=utcnow)

    customer = relationship("Customer")
    programme = relationship("Programme")


class FindingState(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    ACCEPTED = "accepted"
    REOPENED = "reopened"

    @property
    def label(self):
        return {"open": "Open", "answered": "Answered by the provider", "accepted": "Accepted",
                "reopened": "Reopened"}[self.value]

    @property
    def awaits_provider(self):
        return self in (FindingState.OPEN, FindingState.REOPENED)


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self):
        return self.value.title()


class Finding(db.Model):
    __tablename__ = "inspection_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))  # None: on the provider
    rule: Mapped[str] = mapped_column(String(20))
    found: Mapped[str] = mapped_column(Text)
    severity: Mapped[Severity] = mapped_column(enum_type(Severity, 10))
    action_required: Mapped[str] = mapped_column(Text)
    due_on = mapped_column(Date, nullable=False)
    state: Mapped[FindingState] = mapped_column(enum_type(FindingState, 10), default=FindingState.OPEN)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    raised_at = mapped_column(UTCDateTime, default=utcnow)

    inspection = relationship("Inspection")
    customer = relationship("Customer")
    events = relationship("FindingEvent", order_by="FindingEvent.id", back_populates="finding")


class FindingEvent(db.Model):
    """Every state change of a finding, kept (R-INSP-2): raised, answered, accepted, reopened."""

    __tablename__ = "inspection_finding_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("inspection_finding.id", ondelete="CASCADE"), index=True)
    to_state: Mapped[FindingState] = mapped_column(enum_type(FindingState, 10, "to_state"))
    text: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at = mapped_column(UTCDateTime, default=utcnow)

    finding = relationship("Finding", back_populates="events")
    by = relationship("User")
