"""Documents of agreed plans (issue 6): the sealed originals, the customer's copy and inspection packs."""
import enum
import json

from sqlalchemy import (
    Boolean, CheckConstraint, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, false,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_type, utcnow


class VersionSeal(db.Model):
    """The verification reference printed on every original (R-SIGN-3): of an agreed plan version, or of
    a closed inspection's report (issue 13), never both."""

    __tablename__ = "version_seal"
    __table_args__ = (
        CheckConstraint("(version_id IS NULL) <> (inspection_id IS NULL)", name="seal_of_a_version_or_a_report"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"), unique=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    sealed_at = mapped_column(UTCDateTime, default=utcnow)
    # Issue 17: the variants sealed at agreement, JSON ["pdf/standard/en", …] (None: sealed before that
    # was recorded), and how far the sealing has got: queued, running, done or failed.
    variants: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="done", server_default="done")
    error: Mapped[str | None] = mapped_column(String(300))
    finished_at = mapped_column(UTCDateTime)

    version = relationship("PlanVersion")
    inspection = relationship("Inspection")
    originals = relationship("DocumentOriginal", back_populates="seal", order_by="DocumentOriginal.id")

    @property
    def wanted(self):
        """[(kind, format, language)] sealed at agreement."""
        return [tuple(item.split("/")) for item in json.loads(self.variants)] if self.variants else []

    @property
    def in_progress(self):
        return self.status in ("queued", "running")


class DocumentOriginal(db.Model):
    """The bytes of one original document, stored once and never changed (R-SIGN-3).

    `record` is the canonical JSON the portal signed (`signature`, base64): code, version, file kind,
    format, language and SHA-256. A PDF also carries the portal's PAdES signature inside it.
    """

    __tablename__ = "document_original"
    __table_args__ = (UniqueConstraint("seal_id", "kind", "document_format", "language", name="uq_document_original"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seal_id: Mapped[int] = mapped_column(ForeignKey("version_seal.id"), index=True)
    kind: Mapped[str] = mapped_column(String(4))  # docx | pdf
    document_format: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content = deferred(mapped_column(LargeBinary))
    record: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    # Made after agreement, when first asked for: sealed as a copy of the agreed version (issue 17).
    made_later: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    seal = relationship("VersionSeal", back_populates="originals")


class CopyMethod(enum.StrEnum):
    HANDED_OVER = "handed_over"
    POSTED = "posted"
    EMAILED = "emailed"
    READ_BY_LINK = "read_by_link"

    @property
    def label(self):
        return {"handed_over": "Handed over in person", "posted": "Posted",
                "emailed": "Emailed through the portal's mail service",
                "read_by_link": "Read through the remote signing link"}[self.value]


class CustomerCopy(db.Model):
    """How the customer was given their copy of a version (R-SIGN-2)."""

    __tablename__ = "customer_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"), index=True)
    method: Mapped[CopyMethod] = mapped_column(enum_type(CopyMethod, 20))
    document_format: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    given_on = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)

    recorded_by = relationship("User")


class PackStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class InspectionPack(db.Model):
    """A zip of sealed originals with a manifest and hours summaries, for one provider, programme and period."""

    __tablename__ = "inspection_pack"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"))  # None: the inspection's programmes
    date_from = mapped_column(Date)
    date_to = mapped_column(Date)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    requested_at = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[PackStatus] = mapped_column(enum_type(PackStatus, 10), default=PackStatus.QUEUED)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    finished_at = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(300))
    zip_bytes = deferred(mapped_column(LargeBinary))
    zip_sha256: Mapped[str | None] = mapped_column(String(64))
    # Built for an inspection's sample (issue 13): only these customers' originals, JSON list of ids
    # taken when the pack was asked for, so a later redraw does not change what the pack holds.
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), index=True)
    customer_ids: Mapped[str | None] = mapped_column(Text)

    organisation = relationship("Organisation")
    programme = relationship("Programme")
    inspection = relationship("Inspection")

    @property
    def scope_label(self):
        if self.inspection_id is not None:
            return f"sample of inspection {self.inspection_id}"
        return self.programme.name
    requested_by = relationship("User")


class RateLimitHit(db.Model):
    """Requests counted per bucket and window (portal/security/rate_limit.py): the verification page per
    client and minute, "forgot password" per client and per address and hour."""

    __tablename__ = "rate_limit_hit"

    bucket: Mapped[str] = mapped_column(String(80), primary_key=True)
    # The window's number: seconds since the epoch // the limit's window length.
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
