"""Cohorts of a programme that runs in groups (J2E job clubs: 12 weeks, at most 15, 8 a year; R-ELIG-3),
and changes of circumstance (R-ELIG-2)."""
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_type, utcnow


class Cohort(db.Model):
    """One club. `capacity` and `ends_on` come from the programme's row when the club is created."""

    __tablename__ = "cohort"
    __table_args__ = (CheckConstraint("places_taken >= 0 AND places_taken <= capacity", name="places_within_capacity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    name: Mapped[str] = mapped_column(String(120))
    starts_on = mapped_column(Date, nullable=False)
    ends_on = mapped_column(Date, nullable=False)
    capacity: Mapped[int] = mapped_column(Integer)
    # Taken by one conditional UPDATE, so two starts for the last place cannot both succeed.
    places_taken: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    organisation = relationship("Organisation")
    programme = relationship("Programme")
    places = relationship("CohortPlace", back_populates="cohort", order_by="CohortPlace.id")


class CohortPlace(db.Model):
    __tablename__ = "cohort_place"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), unique=True)
    joined_on = mapped_column(Date, nullable=False)

    cohort = relationship("Cohort", back_populates="places")
    referral = relationship("Referral")


class CircumstanceKind(enum.StrEnum):
    NO_LONGER_ELIGIBLE = "no_longer_eligible"
    MOVED_OUT_OF_AREA = "moved_out_of_area"

    @property
    def label(self):
        return {"no_longer_eligible": "Circumstances changed: no longer eligible",
                "moved_out_of_area": "Moved out of the area"}[self.value]


class CircumstanceDecision(enum.StrEnum):
    CANNOT_START = "cannot_start"
    CONTINUE = "continue"
    LEAVE = "leave"
    STAY = "stay"
    REFER_ON = "refer_on"

    @property
    def label(self):
        return {"cannot_start": "Cannot start", "continue": "Chose to continue", "leave": "Chose to leave",
                "stay": "Stays: travel is practical", "refer_on": "Referred to the new area's provider"}[self.value]


class CircumstanceChange(db.Model):
    """R-ELIG-2: a change of circumstances, and what follows from it."""

    __tablename__ = "circumstance_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    kind: Mapped[CircumstanceKind] = mapped_column(enum_type(CircumstanceKind, 30))
    changed_on = mapped_column(Date, nullable=False)
    decision: Mapped[CircumstanceDecision] = mapped_column(enum_type(CircumstanceDecision, 20))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)

    referral = relationship("Referral")
    recorded_by = relationship("User")
