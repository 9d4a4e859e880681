from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class Customer(db.Model):
    """The person on a programme. Holds nothing DWP-held: that lives in DwpRecord."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # R-CUST-1: a duplicate (same NINO) merged by migration 0015 keeps its row, with nothing else
    # pointing at it but the append-only audit events it was named in; this says who it became.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))

    dwp_record = relationship("DwpRecord", uselist=False, back_populates="customer", lazy="raise")
    referrals = relationship("Referral", back_populates="customer", order_by="Referral.referred_at")


class DwpRecord(db.Model):
    """DWP-held personal data (DOMAIN §3): the current version; earlier ones are DwpRecordVersion rows.

    R-DATA-1: only portal.data_access reads these columns; everything else gets its projection.
    """

    __tablename__ = "dwp_record"
    # Caseload name search is `LIKE '%term%'`: a trigram GIN index serves it on PostgreSQL (migration 0007).
    # R-CUST-1: one customer per NINO, held in its stored form (upper case, no spaces) (migration 0015).
    __table_args__ = (
        Index("ix_dwp_record_search_name_trgm", "search_name", postgresql_using="gin",
              postgresql_ops={"search_name": "gin_trgm_ops"}),
        UniqueConstraint("nino", name="uq_dwp_record_nino"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    # 1 for the first referral's details; each later referral's details make the next version.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    recorded_at = mapped_column(UTCDateTime, default=utcnow)
    nino: Mapped[str] = mapped_column(String(9))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Lower-case "first last" for caseload search; derived from the name.
    search_name: Mapped[str] = mapped_column(String(201))
    date_of_birth = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(400))
    postcode: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    benefit_type: Mapped[str | None] = mapped_column(String(32))
    wca_group: Mapped[str | None] = mapped_column(String(32))
    wca_decision_date = mapped_column(Date)
    claim_date = mapped_column(Date)
    health_summary: Mapped[str | None] = mapped_column(Text)
    medical_details: Mapped[str | None] = mapped_column(Text)
    sanction_history: Mapped[str | None] = mapped_column(Text)
    regulation_29: Mapped[bool] = mapped_column(Boolean, default=False)
    armed_forces: Mapped[bool] = mapped_column(Boolean, default=False)
    jobcentre: Mapped[str | None] = mapped_column(String(120))
    work_coach: Mapped[str | None] = mapped_column(String(120))
    preferred_language: Mapped[str] = mapped_column(String(2), default="en")
    format_needs: Mapped[str] = mapped_column(String(20), default="standard")
    # LSE eligibility facts (R-ELIG-4), recorded by DWP.
    learning_disability_or_autism: Mapped[bool] = mapped_column(Boolean, default=False)
    secondary_mental_health: Mapped[bool] = mapped_column(Boolean, default=False)
    on_other_dwp_provision: Mapped[bool] = mapped_column(Boolean, default=False)

    customer = relationship("Customer", back_populates="dwp_record")


class DwpRecordVersion(db.Model):
    """An earlier version of a customer's DWP record, kept when a later referral (or a merge of
    duplicate customers, migration 0015) brought newer details (R-CUST-1). Read only by data_access."""

    __tablename__ = "dwp_record_version"
    __table_args__ = (UniqueConstraint("customer_id", "version", name="uq_dwp_record_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # The record's columns as they were (dates as ISO strings).
    facts = mapped_column(JSON)
    recorded_at = mapped_column(UTCDateTime)
    superseded_at = mapped_column(UTCDateTime, default=utcnow)
    # 'referral' (a later referral brought new details) or 'merge' (a duplicate customer's record).
    source: Mapped[str] = mapped_column(String(16))
    # For a merge: the duplicate customer whose record this was.
    merged_from_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))


class Appointment(db.Model):
    """Appointment details are DWP-held data too (booked by the referral officer)."""

    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    starts_at = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(200))
    details: Mapped[str | None] = mapped_column(String(500))
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    customer = relationship("Customer")
    referral = relationship("Referral")
