import enum

from sqlalchemy import Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_type, utcnow


class ReferralStatus(enum.StrEnum):
    REFERRED = "referred"
    STARTED = "started"
    COMPLETED = "completed"
    EXITED_EARLY = "exited_early"
    TRANSFERRED = "transferred"

    @property
    def label(self):
        return {
            "referred": "Referred",
            "started": "Started",
            "completed": "Completed",
            "exited_early": "Exited early",
            "transferred": "Transferred",
        }[self.value]

    @property
    def tag_colour(self):
        return {
            "referred": "blue",
            "started": "green",
            "completed": "grey",
            "exited_early": "orange",
            "transferred": "purple",
        }[self.value]

    @property
    def is_open(self):
        return self in (ReferralStatus.REFERRED, ReferralStatus.STARTED)


class Referral(db.Model):
    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_org_status", "organisation_id", "status"),
        Index("ix_referral_org_referred_at", "organisation_id", "referred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    status: Mapped[ReferralStatus] = mapped_column(
        enum_type(ReferralStatus, 20), default=ReferralStatus.REFERRED
    )
    adviser_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Set when the prime assigns the customer to its sub-contractor (R-DATA-6).
    subcontractor_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    eso_place: Mapped[bool] = mapped_column(Boolean, default=False)
    referred_at = mapped_column(UTCDateTime, default=utcnow)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    eligibility_confirmed_at = mapped_column(UTCDateTime)
    eligibility_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_on = mapped_column(Date)
    ended_on = mapped_column(Date)
    exit_reason: Mapped[str | None] = mapped_column(String(500))
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))

    customer = relationship("Customer", back_populates="referrals")
    organisation = relationship("Organisation", foreign_keys=[organisation_id])
    subcontractor = relationship("Organisation", foreign_keys=[subcontractor_id])
    programme = relationship("Programme")
    adviser = relationship("User", foreign_keys=[adviser_id])
    referred_by = relationship("User", foreign_keys=[referred_by_id])
    eligibility_confirmed_by = relationship("User", foreign_keys=[eligibility_confirmed_by_id])
    transferred_from = relationship("Referral", remote_side=[id])
    transitions = relationship(
        "ReferralTransition", back_populates="referral", order_by="ReferralTransition.recorded_at"
    )


class ReferralTransition(db.Model):
    """One step of R-REF-1's state machine, with its reason and date."""

    __tablename__ = "referral_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ReferralStatus | None] = mapped_column(enum_type(ReferralStatus, 20, "from_status"))
    to_status: Mapped[ReferralStatus] = mapped_column(enum_type(ReferralStatus, 20, "to_status"))
    effective_on = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)

    referral = relationship("Referral", back_populates="transitions")
    recorded_by = relationship("User")
