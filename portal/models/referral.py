import enum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
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
        # R-MI-1: starters by start date, completers and exits by end date.
        Index("ix_referral_org_started_on", "organisation_id", "started_on"),
        Index("ix_referral_org_ended_on", "organisation_id", "ended_on"),
        Index("ix_referral_started_on", "started_on"),
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
    # R-EXIT-1: a completion or early exit carries a coded reason (a row of `exit_reason`); "other" needs text.
    exit_reason_code: Mapped[str | None] = mapped_column(ForeignKey("exit_reason.code"))
    exit_reason_text: Mapped[str | None] = mapped_column(String(500))
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))

    customer = relationship("Customer", back_populates="referrals")
    organisation = relationship("Organisation", foreign_keys=[organisation_id])
    subcontractor = relationship("Organisation", foreign_keys=[subcontractor_id])
    programme = relationship("Programme")
    adviser = relationship("User", foreign_keys=[adviser_id])
    referred_by = relationship("User", foreign_keys=[referred_by_id])
    eligibility_confirmed_by = relationship("User", foreign_keys=[eligibility_confirmed_by_id])
    transferred_from = relationship("Referral", remote_side=[id])
    exit_reason = relationship("ExitReason")
    transitions = relationship(
        "ReferralTransition", back_populates="referral", order_by="ReferralTransition.recorded_at"
    )


class ExitReason(db.Model):
    """Why a referral ended (R-EXIT-1): data, not code. A new row appears on the forms and in the MI."""

    __tablename__ = "exit_reason"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    needs_text: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


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
