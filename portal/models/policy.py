import enum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_type, utcnow


class Access(enum.StrEnum):
    FULL = "full"
    MASKED = "masked"
    WITH_CONSENT = "with_consent"
    HIDDEN = "hidden"

    @property
    def label(self):
        return {"full": "Full", "masked": "Masked", "with_consent": "With the customer's consent", "hidden": "Hidden"}[self.value]

    @property
    def strictness(self):
        return ("full", "masked", "with_consent", "hidden").index(self.value)


class Audience(enum.StrEnum):
    """Who a policy row is for. Provider staff of a sub-contractor are 'subcontractor'."""

    PROVIDER = "provider"
    SUBCONTRACTOR = "subcontractor"
    REFERRAL_OFFICER = "referral_officer"
    INSPECTOR = "inspector"

    @property
    def label(self):
        return {"provider": "Provider staff", "subcontractor": "Sub-contractor staff",
                "referral_officer": "DWP referral officers", "inspector": "DWP inspectors"}[self.value]


class PolicyRule(db.Model):
    """One row of the data policy (R-DATA-1): who sees which DWP field, and how.

    A row with no programme applies to every programme; a row with no accreditation to both. Where
    several rows match, the most restrictive wins; where none does, the field is hidden.
    """

    __tablename__ = "policy_rule"
    __table_args__ = (
        UniqueConstraint("field", "programme_id", "audience", "accredited", name="uq_policy_rule_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(40), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"))
    audience: Mapped[Audience] = mapped_column(enum_type(Audience, 20))
    accredited: Mapped[bool | None] = mapped_column(Boolean)
    access: Mapped[Access] = mapped_column(enum_type(Access, 20))
    note: Mapped[str | None] = mapped_column(String(200))

    programme = relationship("Programme")


class PolicyVersion(db.Model):
    """One row whose number database triggers replace (with a random one) whenever a policy_rule or programme row changes,
    so each process may keep the policy in memory and reload it only when the number moves (issue 18)."""

    __tablename__ = "policy_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class ConsentKind(enum.StrEnum):
    DATA_SHARING = "data_sharing"
    HEALTH = "health"
    SUPPORT_NETWORK = "support_network"

    @property
    def label(self):
        return {"data_sharing": "Sharing information with the provider",
                "health": "Sharing health information",
                "support_network": "Consulting the customer's support network"}[self.value]


class Consent(db.Model):
    """A consent the customer gave their provider (R-DATA-3, R-DATA-8). Withdrawn, never deleted."""

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_customer_org", "customer_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[ConsentKind] = mapped_column(enum_type(ConsentKind, 20))
    # For health consent: the DWP fields agreed, space-separated (e.g. "health_summary medical_details").
    health_items: Mapped[str] = mapped_column(String(200), default="")
    # For support-network consent: who may be consulted, as the customer named them.
    people: Mapped[str | None] = mapped_column(Text)
    given_on = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_on = mapped_column(Date)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at = mapped_column(UTCDateTime)

    customer = relationship("Customer")
    organisation = relationship("Organisation")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    @property
    def items(self):
        return self.health_items.split()

    @property
    def is_active(self):
        return self.withdrawn_at is None
