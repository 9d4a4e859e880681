import enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_type, utcnow


class DeliveryStatus(enum.StrEnum):
    SENT = "sent"
    FAILED = "failed"
    NOT_SENT = "not_sent"
    DEV_FILE = "dev_file"

    @property
    def label(self):
        return {
            "sent": "Sent to the mail server",
            "failed": "Failed: the mail server refused it",
            "not_sent": "Not sent: no mail server configured",
            "dev_file": "Written to the development mail folder",
        }[self.value]


class OutboxMessage(db.Model):
    """The delivery record of a message the mail service handled (issue 12, finding 1).

    No address, subject, text or link: only what the administrator needs to see that mail goes out.
    """

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    recipient_kind: Mapped[str] = mapped_column(String(20))
    # A keyed digest of the address (portal.mail.recipient_reference), never the address.
    recipient_ref: Mapped[str] = mapped_column(String(16))
    status: Mapped[DeliveryStatus] = mapped_column(enum_type(DeliveryStatus, 10))
