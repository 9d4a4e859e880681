"""Staff accounts: invitations, sign-in with throttling, TOTP, passwords, disabling (issue 2)."""
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import bindparam, case, func, or_, select, update

from portal import audit, mail
from portal.extensions import db
from portal.models import Invitation, PasswordReset, Role, User
from portal.models.base import UTCDateTime, utcnow
from portal.security import passwords, sessions, totp
from portal.security.tokens import new_token, token_hash


class AccountError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def normalise_email(email):
    return (email or "").strip().lower()


def user_by_email(email):
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# Sign-in --------------------------------------------------------------------------------------


def _throttled(user, now):
    return user is not None and user.throttled_until is not None and user.throttled_until > now


def _not_paused(now):
    return or_(User.throttled_until.is_(None), User.throttled_until <= now)


def _record_failure(user, email, step, now):
    """Count a failed password, code or current password in one UPDATE (issue 12, finding 3).

    The database adds one, so failures sent in parallel each count, and the same statement starts the
    pause at the 10th failure (then the 20th…) whatever the concurrency. A failure during a pause is
    not counted and does not extend it: a stranger cannot keep someone else's account locked.
    """
    if user is not None:
        limit = current_app.config["LOGIN_THROTTLE_AFTER"]
        until = now + timedelta(minutes=current_app.config["LOGIN_THROTTLE_MINUTES"])
        pause_now = (User.failed_sign_in_count + 1) % limit == 0
        db.session.execute(
            update(User).where(User.id == user.id, _not_paused(now))
            .values(failed_sign_in_count=User.failed_sign_in_count + 1,
                    throttled_until=case((pause_now, bindparam("until", until, type_=UTCDateTime)),
                                         else_=User.throttled_until))
            .execution_options(synchronize_session=False)
        )
        db.session.expire(user, ["failed_sign_in_count", "throttled_until"])
    audit.record("sign_in.failed", actor=user, detail={"step": step, "email": normalise_email(email)[:254]})
    db.session.commit()


def _clear_failures(user, now):
    """Reset the count after a full sign-in; False if a pause began meanwhile (the sign-in is then refused)."""
    cleared = db.session.execute(
        update(User).where(User.id == user.id, _not_paused(now))
        .values(failed_sign_in_count=0, throttled_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(user, ["failed_sign_in_count", "throttled_until"])
    return bool(cleared)


def check_password(email, password):
    """The user whose password this is, ready for the TOTP step, or None. Same cost either way."""
    now = utcnow()
    user = user_by_email(email)
    usable = user is not None and user.is_enabled and not _throttled(user, now)
    ok = passwords.verify_password(user.password_hash if usable else None, password or "")
    if not ok:
        _record_failure(user, email, "password", now)
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.session.commit()
    return user


def check_code(user, code):
    """Second factor: accept a TOTP code once (ASVS 6.5.1), counting failures with the password's.

    Raises totp.TotpKeyError, uncounted, when the stored secret cannot be read: a configuration problem.
    """
    now = utcnow()
    secret = totp.decrypt_secret(user.totp_secret_encrypted) if user.totp_secret_encrypted else None
    step = None
    if secret and user.is_enabled and not _throttled(user, now):
        step = totp.matching_timecode(secret, code, now)
        if step is not None and user.totp_last_timecode is not None and step <= user.totp_last_timecode:
            step = None  # replayed code
    if step is None:
        _record_failure(user, user.email, "code", now)
        return False
    if not _clear_failures(user, now):
        db.session.rollback()
        return False
    user.totp_last_timecode = step
    if user.totp_confirmed_at is None:
        user.totp_confirmed_at = now
        audit.record("account.totp_enrolled", actor=user)
    sessions.sign_in(user)
    audit.record("sign_in.succeeded", actor=user)
    db.session.commit()
    return True


def reencrypt_totp_secrets(old_keys):
    """Move every stored TOTP secret to TOTP_ENCRYPTION_KEY from any of `old_keys` (issue 12, finding 4).

    Returns (moved, unreadable): how many were moved, and the emails of users whose secret no key opens
    (they must enrol again). Secrets already under the current key are left alone.
    """
    moved, unreadable = 0, []
    for user in db.session.scalars(select(User).where(User.totp_secret_encrypted.is_not(None)).order_by(User.id)):
        try:
            again = totp.reencrypt(user.totp_secret_encrypted, old_keys)
        except totp.TotpKeyError:
            unreadable.append(user.email)
            continue
        if again is not None:
            user.totp_secret_encrypted = again
            moved += 1
    if moved:
        audit.record("account.totp_secrets_reencrypted", detail={"moved": moved, "unreadable": len(unreadable)})
    db.session.commit()
    return moved, unreadable


def start_totp_enrolment(user):
    """A new secret for a user who has not yet confirmed one."""
    if user.totp_confirmed_at is not None:
        raise AccountError("This account already has an authenticator app")
    secret = totp.new_secret()
    user.totp_secret_encrypted = totp.encrypt_secret(secret)
    db.session.commit()
    return secret


# Invitations ----------------------------------------------------------------------------------


def invite(*, email, name, role, organisation, invited_by):
    email = normalise_email(email)
    if user_by_email(email) is not None:
        raise AccountError("There is already an account with this email address", field="email")
    token = new_token()
    invitation = Invitation(
        token_hash=token_hash(token), email=email, name=name.strip(), role=role, organisation=organisation,
        invited_by_id=invited_by.id, expires_at=utcnow() + current_app.config["INVITE_VALID_FOR"],
    )
    db.session.add(invitation)
    db.session.flush()
    link = current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for("auth.accept_invitation", token=token)
    where = organisation.name if organisation else "the Department for Work and Pensions"
    mail.send(
        email, "You have been invited to the ISP provider portal",
        f"Hello {invitation.name},\n\n{invited_by.name} has invited you to the ISP provider portal as "
        f"{role.label.lower()} for {where}.\n\nCreate your account with this link. It works once and "
        f"expires in {current_app.config['INVITE_VALID_FOR'].days} days:\n\n{link}\n",
        purpose="invitation",
    )
    audit.record("account.invited", subject_type="invitation", subject_id=invitation.id,
                 detail={"email": email, "role": role.value, "organisation_id": organisation.id if organisation else None})
    db.session.commit()
    return invitation


def usable_invitation(token):
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token or "")))
    if invitation is None or invitation.used_at or invitation.cancelled_at or invitation.expires_at < utcnow():
        return None
    return invitation


def accept_invitation(invitation, password):
    problem = passwords.password_problem(password, email=invitation.email, name=invitation.name)
    if problem:
        raise AccountError(problem, field="password")
    if user_by_email(invitation.email) is not None:
        raise AccountError("There is already an account with this email address")
    now = utcnow()
    user = User(
        email=invitation.email, name=invitation.name, role=invitation.role,
        organisation_id=invitation.organisation_id, password_hash=passwords.hash_password(password),
        password_changed_at=now,
    )
    db.session.add(user)
    invitation.used_at = now
    db.session.flush()
    audit.record("account.created", actor=user, subject_type="user", subject_id=user.id,
                 detail={"invitation_id": invitation.id})
    db.session.commit()
    return user


# Staff management -----------------------------------------------------------------------------


def set_enabled(user, enabled, *, by):
    if user.id == by.id:
        raise AccountError("You cannot disable your own account")
    user.is_enabled = enabled
    if not enabled:
        sessions.end_all_sessions(user, "account disabled")
    audit.record("account.enabled" if enabled else "account.disabled", subject_type="user", subject_id=user.id)
    db.session.commit()


def staff_of(organisation):
    return db.session.scalars(select(User).where(User.organisation_id == organisation.id).order_by(User.name)).all()


def pending_invitations(organisation_id=None, roles=None):
    query = select(Invitation).where(Invitation.used_at.is_(None), Invitation.cancelled_at.is_(None),
                                     Invitation.expires_at > utcnow())
    if organisation_id is not None:
        query = query.where(Invitation.organisation_id == organisation_id)
    if roles is not None:
        query = query.where(Invitation.role.in_(roles))
    return db.session.scalars(query.order_by(Invitation.created_at.desc())).all()


def dwp_staff():
    return db.session.scalars(
        select(User).where(User.role.in_([Role.REFERRAL_OFFICER, Role.DISABILITY_EMPLOYMENT_ADVISER, Role.INSPECTOR,
                                          Role.DWP_MI, Role.ADMIN])).order_by(User.name)
    ).all()


# Passwords ------------------------------------------------------------------------------------


def change_password(user, current, new):
    """A wrong current password counts towards the sign-in pause; while paused none is checked."""
    now = utcnow()
    if _throttled(user, now):
        raise AccountError("Your account is paused after too many failed attempts. Try again in "
                           f"{current_app.config['LOGIN_THROTTLE_MINUTES']} minutes.", field="current_password")
    if not passwords.verify_password(user.password_hash, current or ""):
        _record_failure(user, user.email, "current_password", now)
        raise AccountError("Your current password is not correct", field="current_password")
    problem = passwords.password_problem(new, email=user.email, name=user.name)
    if problem:
        raise AccountError(problem, field="new_password")
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    sessions.end_all_sessions(user, "password changed")
    audit.record("account.password_changed", actor=user, subject_type="user", subject_id=user.id)
    db.session.commit()


def request_password_reset(email):
    """Sends a link if the account exists; says nothing either way."""
    user = user_by_email(email)
    if user is None or not user.is_enabled:
        audit.record_and_commit("account.password_reset_requested", detail={"known": False})
        return
    token = new_token()
    reset = PasswordReset(token_hash=token_hash(token), user_id=user.id,
                          expires_at=utcnow() + current_app.config["PASSWORD_RESET_VALID_FOR"])
    db.session.add(reset)
    link = current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for("auth.reset_password", token=token)
    mail.send(user.email, "Reset your ISP provider portal password",
              f"Hello {user.name},\n\nUse this link to choose a new password. It works once and expires in "
              f"1 hour. You will still need the code from your authenticator app to sign in.\n\n{link}\n\n"
              "If you did not ask for this, you can ignore this email.\n",
              purpose="password_reset")
    audit.record("account.password_reset_requested", actor=user, detail={"known": True})
    db.session.commit()


def usable_reset(token):
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token or "")))
    if reset is None or reset.used_at or reset.expires_at < utcnow() or not reset.user.is_enabled:
        return None
    return reset


def reset_password(reset, new):
    """Sets the password and ends every session. It never signs the user in: TOTP still follows."""
    user = reset.user
    problem = passwords.password_problem(new, email=user.email, name=user.name)
    if problem:
        raise AccountError(problem, field="password")
    now = utcnow()
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    user.failed_sign_in_count = 0
    user.throttled_until = None
    reset.used_at = now
    sessions.end_all_sessions(user, "password reset")
    audit.record("account.password_reset", actor=user, subject_type="user", subject_id=user.id)
    db.session.commit()


def active_user_count():
    return db.session.scalar(select(func.count(User.id)).where(User.is_enabled.is_(True)))
