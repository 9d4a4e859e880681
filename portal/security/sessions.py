"""Server-side session records behind Flask-Login (ASVS 7.2–7.4; security.md tests S1–S4).

The cookie carries only a random session token; the database says whether that session is still
live. Signing out ends it; disabling an account or changing its password ends all of the user's
sessions, so every copy of an old cookie stops working. Idle and absolute limits are checked here,
on the server, whatever the cookie says.
"""
from datetime import timedelta

from flask import current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import PolicyVersion, User, UserSession
from portal.models.base import utcnow
from portal.security.tokens import new_token, token_hash

# last_seen_at is written at most this often, so most requests cost no write.
LAST_SEEN_GRANULARITY = timedelta(seconds=60)


def touch(user):
    """Mark the current session as active now (the keep-alive button)."""
    from portal.models.base import utcnow as now

    db.session.execute(update(UserSession).where(UserSession.token_hash == token_hash(user.session_token))
                       .values(last_seen_at=now()))
    db.session.commit()


def sign_in(user):
    """Start a fresh session for a user who has passed both factors."""
    token = new_token()
    now = utcnow()
    db.session.add(UserSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    user.last_sign_in_at = now
    session.clear()  # nothing planted before sign-in survives it (session fixation)
    session.permanent = True
    user.session_token = token
    login_user(user)


_SESSION_USER = (
    # The session's own facts as plain columns: only the user is an object the request goes on to use.
    select(UserSession.id, UserSession.created_at, UserSession.last_seen_at, UserSession.ended_at, User,
           select(PolicyVersion.version).where(PolicyVersion.id == 1).scalar_subquery())
    .join(User, User.id == UserSession.user_id)
    .options(joinedload(User.organisation))
    .where(UserSession.token_hash == bindparam("token_hash"))
)


def load_user_for_token(token):
    """Flask-Login's user loader: the user of a live session, or None."""
    if not token:
        return None
    # The user's organisation comes in the same statement: permissions and the data policy ask for it;
    # so does the data policy's version number, which tells whether this process's copy is current.
    row = db.session.execute(_SESSION_USER, {"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    session_id, created_at, last_seen_at, ended_at, user, policy_version = row
    g.policy_version = policy_version
    now = utcnow()
    config = current_app.config
    if ended_at is not None or not user.is_enabled:
        return None
    if now - last_seen_at > config["SESSION_IDLE_TIMEOUT"]:
        _end(session_id, "idle timeout", now)
        return None
    if now - created_at > config["SESSION_ABSOLUTE_TIMEOUT"]:
        _end(session_id, "absolute timeout", now)
        return None
    if now - last_seen_at > LAST_SEEN_GRANULARITY:
        db.session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
        db.session.commit()
    user.session_token = token
    user.session_started_at = created_at
    return user


def _end(session_id, reason, now):
    db.session.execute(update(UserSession).where(UserSession.id == session_id)
                       .values(ended_at=now, ended_reason=reason))
    db.session.commit()


def sign_out(user):
    token = getattr(user, "session_token", None)
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_reason="signed out")
        )
    logout_user()
    session.clear()


def end_all_sessions(user, reason):
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )
