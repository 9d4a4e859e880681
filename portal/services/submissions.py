"""One record per creating form, however often it is posted (security.md test 18).

A creating form carries a one-time token (`portal.forms.OnceField`). The first post saves the token
in the same transaction as the record it creates; a repeat (a double click, a browser's retry, the
form posted again from the back button) finds it and is sent where the first post went. Two posts
at the same instant: the token is unique, so the second insert waits for the first transaction and
then fails, and the second post is treated as a repeat. A post that failed saved nothing, token
included, so it can be corrected and sent again.
"""
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import FormSubmission

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class Repeated(Exception):
    """This form was posted before; `to` is where the first post went (None if unknown)."""

    def __init__(self, to):
        super().__init__("repeated")
        self.to = to


def _earlier(token, user):
    return db.session.scalar(select(FormSubmission).where(FormSubmission.token == token,
                                                          FormSubmission.user_id == user.id))


def begin(token, user, to=None):
    """Call before creating anything; `to` is where this post will send the user. Returns the
    submission, or None for a form posted without a well-formed token (nothing to match a repeat
    by); raises Repeated for a repeat."""
    if not token or not TOKEN.fullmatch(token):
        return None
    earlier = _earlier(token, user)
    if earlier is not None:
        raise Repeated(earlier.result_path)
    submission = FormSubmission(token=token, user_id=user.id, result_path=to)
    db.session.add(submission)
    try:
        db.session.flush()
    except IntegrityError:
        # The same token committed by a post that ran at the same instant (the token row is the
        # request's first write, so rolling back loses nothing of this request).
        db.session.rollback()
        earlier = _earlier(token, user)
        raise Repeated(earlier.result_path if earlier else None) from None
    return submission
