"""The in-work support agreement (R-ISP-12, IFS 12 and 16-18): its own signed part of the customer's plan.

After a job start the customer, the employer and the provider agree how support in work is organised
and how it tapers. It has versions of its own, content hashed and sealed like a plan version's, and
the employer reads and signs only this part (JCP 92: the data shared with an employer is minimal).
The IFS 12 checks done after the job start are progress recorded against it, not part of what is signed.
"""
from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_type, utcnow
from portal.models.plan import SignatureMethod, VersionStatus


class InWorkAgreement(db.Model):
    __tablename__ = "in_work_agreement"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_in_work_agreement_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # The job comes from the job record (never retyped). Agreements carried over from plans written
    # before 0019 without a job record keep the employer and job as the plan had them (legacy_*).
    job_id: Mapped[int | None] = mapped_column(ForeignKey("in_work_job.id"), index=True)
    legacy_employer_name: Mapped[str | None] = mapped_column(String(200))
    legacy_job_title: Mapped[str | None] = mapped_column(String(200))
    legacy_started_on = mapped_column(Date)
    status: Mapped[VersionStatus] = mapped_column(enum_type(VersionStatus, 24, name="agreementstatus"),
                                                  default=VersionStatus.DRAFT)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    sent_for_signature_at = mapped_column(UTCDateTime)
    agreed_at = mapped_column(UTCDateTime)
    superseded_at = mapped_column(UTCDateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    # Contacts.
    employer_contact_name: Mapped[str | None] = mapped_column(String(200))
    employer_contact_role: Mapped[str | None] = mapped_column(String(120))
    employer_email: Mapped[str | None] = mapped_column(String(254))
    provider_contact: Mapped[str | None] = mapped_column(Text)
    # The six IFS 12 items, each as agreed (the taper steps are the fourth's detail).
    settling_in: Mapped[str | None] = mapped_column(Text)
    transport: Mapped[str | None] = mapped_column(Text)
    benefits_advice: Mapped[str | None] = mapped_column(Text)
    support: Mapped[str | None] = mapped_column(Text)
    adjustments: Mapped[str | None] = mapped_column(Text)
    colleague_advice: Mapped[str | None] = mapped_column(Text)
    unexpected_issues: Mapped[str | None] = mapped_column(Text)

    plan = relationship("Plan")
    organisation = relationship("Organisation")
    job = relationship("InWorkJob")
    created_by = relationship("User")
    taper_steps = relationship("TaperStep", order_by="TaperStep.position", cascade="all, delete-orphan",
                               foreign_keys="TaperStep.agreement_id")
    signatures = relationship("InWorkSignature", order_by="InWorkSignature.signed_at")

    @property
    def is_editable(self):
        return self.status == VersionStatus.DRAFT

    @property
    def employer_name(self):
        return self.job.employer_name if self.job else self.legacy_employer_name

    @property
    def job_title(self):
        return self.job.job_title if self.job else self.legacy_job_title

    @property
    def started_on(self):
        return self.job.started_on if self.job else self.legacy_started_on


class InWorkSignature(db.Model):
    """One party's agreement to one exact agreement content: customer, employer or provider."""

    __tablename__ = "in_work_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("in_work_agreement.id"), index=True)
    party: Mapped[str] = mapped_column(String(20))  # customer | employer | provider
    method: Mapped[SignatureMethod] = mapped_column(enum_type(SignatureMethod, 20, name="inworksignaturemethod"))
    typed_name: Mapped[str] = mapped_column(String(200))
    # Who signed for the employer: their role there (R-ISP-12: who signed and how).
    signer_role: Mapped[str | None] = mapped_column(String(120))
    content_hash: Mapped[str] = mapped_column(String(64))
    declaration: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="en")
    signed_at = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class InWorkCheck(db.Model):
    """Progress: an IFS 12 check done after the job start, with when, who and a note. Not signed content."""

    __tablename__ = "in_work_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("in_work_agreement.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(30))
    done_on = mapped_column(Date, nullable=False)
    done_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)


class EmployerSigningLink(db.Model):
    """A single-use link for the employer, bound to one agreement content, opened with a one-time code
    sent to the employer's email address (something the employer holds, R-ISP-12)."""

    __tablename__ = "in_work_signing_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("in_work_agreement.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    expires_at = mapped_column(UTCDateTime)
    opened_at = mapped_column(UTCDateTime)
    used_at = mapped_column(UTCDateTime)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at = mapped_column(UTCDateTime)
    codes_sent: Mapped[int] = mapped_column(Integer, default=0)
    # Every code tried is counted before it is compared, in one statement (portal.locks.claim).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    verified_at = mapped_column(UTCDateTime)

    agreement = relationship("InWorkAgreement")
