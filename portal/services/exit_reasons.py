"""The coded reasons a referral ends with (R-EXIT-1): rows of `exit_reason`, never a list in code."""
from sqlalchemy import select

from portal.extensions import db
from portal.models import ExitReason

OTHER = "other"
TRANSFERRED = "transferred"


def active_reasons():
    return db.session.scalars(select(ExitReason).where(ExitReason.active).order_by(ExitReason.position)).all()


def all_reasons():
    """Every reason, retired ones too: the MI still counts the endings recorded with them."""
    return db.session.scalars(select(ExitReason).order_by(ExitReason.position)).all()


def choose(code, text):
    """(reason, text) for a completion or exit, or a list of (field, message) problems.

    The code must be an active row; a reason that needs words ("other") needs them.
    """
    reason = db.session.get(ExitReason, code) if code else None
    if reason is None or not reason.active:
        return None, [("reason_code", "Select why the referral ended")]
    text = (text or "").strip() or None
    if reason.needs_text and not text:
        return None, [("reason", "Say what the reason was")]
    return (reason, text), []
