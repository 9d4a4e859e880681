import enum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_type, utcnow


class Role(enum.StrEnum):
    ADVISER = "adviser"
    MANAGER = "manager"
    REFERRAL_OFFICER = "referral_officer"
    INSPECTOR = "inspector"
    ADMIN = "admin"
    # R-WC-1 / IFS 21: the Jobcentre Plus Disability Employment Adviser approves moves to longer-term support.
    DISABILITY_EMPLOYMENT_ADVISER = "disability_employment_adviser"
    # DWP staff who read management information across providers (R-MI-1), and nothing else.
    DWP_MI = "dwp_mi"

    @property
    def label(self):
        return {
            "adviser": "Provider adviser",
            "manager": "Provider manager",
            "referral_officer": "DWP referral officer",
            "inspector": "DWP inspector",
            "admin": "System administrator",
            "disability_employment_adviser": "DWP Disability Employment Adviser",
            "dwp_mi": "DWP management information",
        }[self.value]

    @property
    def is_provider(self):
        return self in (Role.ADVISER, Role.MANAGER)

    @property
    def is_dwp(self):
        return self in (Role.REFERRAL_OFFICER, Role.INSPECTOR, Role.DISABILITY_EMPLOYMENT_ADVISER, Role.DWP_MI)


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_type(Role, 32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The TOTP secret is stored encrypted (portal.security.totp).
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255))
    totp_confirmed_at = mapped_column(UTCDateTime)
    # The last TOTP time step accepted: a code from that step or earlier is refused (no replay).
    totp_last_timecode: Mapped[int | None] = mapped_column(Integer)
    failed_sign_in_count: Mapped[int] = mapped_column(Integer, default=0)
    throttled_until = mapped_column(UTCDateTime)
    password_changed_at = mapped_column(UTCDateTime)
    last_sign_in_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    # R-REM-1: an email of the work queue: 'daily', 'weekly' or 'off'; when the last one was sent.
    reminder_frequency: Mapped[str] = mapped_column(String(10), default="weekly", server_default="weekly")
    reminder_sent_at = mapped_column(UTCDateTime)

    organisation = relationship("Organisation")

    # Flask-Login needs these; the session, not the user, is what the cookie names (UserSession).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self):
        return self.is_enabled

    # Set by portal.security.sessions for the signed-in request; Flask-Login keeps it in the cookie.
    session_token = None
    session_started_at = None

    def get_id(self):
        return self.session_token

    @property
    def is_subcontractor_staff(self):
        return self.role.is_provider and self.organisation is not None and self.organisation.is_subcontractor

    @property
    def role_label(self):
        if self.is_subcontractor_staff:
            return f"{self.role.label} (sub-contractor)"
        return self.role.label

    def __repr__(self):
        return f"<User {self.email}>"


class UserSession(db.Model):
    """A signed-in session, so that it can be ended server-side (ASVS 7.4.1, 7.4.2)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at = mapped_column(UTCDateTime, default=utcnow)
    ended_at = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    user = relationship("User")


class Invitation(db.Model):
    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_type(Role, 32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    expires_at = mapped_column(UTCDateTime)
    used_at = mapped_column(UTCDateTime)
    cancelled_at = mapped_column(UTCDateTime)

    organisation = relationship("Organisation")
    invited_by = relationship("User")


class PasswordReset(db.Model):
    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    expires_at = mapped_column(UTCDateTime)
    used_at = mapped_column(UTCDateTime)

    user = relationship("User")
