from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """Append-only and hash-chained (R-AUD-1). Written only by portal.audit: the request inserts the
    event without its hashes; the chain job later sets `previous_hash`, `event_hash` and `chain_position`
    once, the only UPDATE the database triggers allow (no DELETE).
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_customer_occurred", "customer_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_email: Mapped[str | None] = mapped_column(String(254))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    actor_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column()
    detail: Mapped[str] = mapped_column(Text, default="{}")
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # Empty until the chain job reaches the event ("pending"); then set once.
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    event_hash: Mapped[str | None] = mapped_column(String(64))
    chain_position: Mapped[int | None] = mapped_column(unique=True, index=True)


class AuditEventCustomer(db.Model):
    """Which customers' DWP data one event showed: a list page or an export names many (R-DATA-7).

    The same ids are in the event's hashed detail, so the chain covers them too.
    """

    __tablename__ = "audit_event_customer"

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), primary_key=True, index=True)


class AuditCheckpoint(db.Model):
    """A signed note of how long the audit trail was (R-AUD-1): the event count and the newest event's id
    and hash, signed with the portal's seal key. Append-only like the trail.

    Written only by portal.audit_checkpoints, which also appends each one to a file outside the
    database: the copy that survives the restore of an older backup.
    """

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    event_count: Mapped[int] = mapped_column()
    last_event_id: Mapped[int] = mapped_column()
    last_event_hash: Mapped[str] = mapped_column(String(64))
    # The canonical JSON that was signed, and its base64 ECDSA P-256 signature.
    record: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(200))
