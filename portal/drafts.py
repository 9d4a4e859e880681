"""Unsaved work kept across a session timeout: a plan form posted after the session ended is stored
server-side (never in the cookie) for the user it belonged to, and offered back after they sign in."""
import json
from datetime import timedelta

from flask import request, session
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import UnsavedDraft, UserSession
from portal.models.base import utcnow
from portal.security.tokens import token_hash

KEEP_FOR = timedelta(hours=24)
# Only a session that ran out of time leaves work worth keeping; one that was signed out, revoked or
# ended with the account planted nothing (issue 12, finding 7).
TIMED_OUT = {"idle timeout", "absolute timeout"}
RECOVERABLE_ENDPOINTS = {"plans.section", "plans.item"}
NEVER_KEPT = {"csrf_token", "lock_version"}


def stash_expired_post():
    """Called when a POST arrives without a live session. Returns True if the form was kept."""
    if request.method != "POST" or request.endpoint not in RECOVERABLE_ENDPOINTS:
        return False
    token = session.get("_user_id")
    if not token:
        return False
    ended = db.session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if not _timed_out_lately(ended):
        return False
    fields = {key: request.form.getlist(key) for key in request.form if key not in NEVER_KEPT}
    if not fields:
        return False
    db.session.execute(delete(UnsavedDraft).where(UnsavedDraft.user_id == ended.user_id,
                                                  UnsavedDraft.path == request.path))
    db.session.add(UnsavedDraft(user_id=ended.user_id, path=request.path, form_json=json.dumps(fields)))
    db.session.commit()
    return True


def _timed_out_lately(ended):
    """A session that timed out in the last KEEP_FOR, and after which its user has not signed in again
    (a later sign-in and sign-out would otherwise leave the old cookie able to plant text)."""
    if ended is None or ended.ended_at is None or ended.ended_reason not in TIMED_OUT:
        return False
    if _aware(ended.ended_at) < utcnow() - KEEP_FOR:
        return False
    later = db.session.scalar(select(UserSession.id).where(UserSession.user_id == ended.user_id,
                                                         UserSession.created_at > ended.created_at).limit(1))
    return later is None


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def take(user, path):
    """The kept form data for this user and page (a MultiDict-like dict of lists), removed once taken."""
    draft = db.session.scalar(select(UnsavedDraft).where(UnsavedDraft.user_id == user.id, UnsavedDraft.path == path,
                                                         UnsavedDraft.created_at > utcnow() - KEEP_FOR))
    if draft is None:
        return None
    data = json.loads(draft.form_json)
    db.session.delete(draft)
    db.session.commit()
    return data
