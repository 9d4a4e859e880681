from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class ApiClient(db.Model):
    """A DWP system allowed to send referrals through the API."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    tokens = relationship("ApiToken", back_populates="client", order_by="ApiToken.created_at.desc()")


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is kept, with a short prefix to recognise it by."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_used_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime)

    client = relationship("ApiClient", back_populates="tokens")


class IdempotencyRecord(db.Model):
    """The first response to a client's Idempotency-Key, replayed for any repeat of the same request."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("client_id", "key", name="uq_idempotency_record_client_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
