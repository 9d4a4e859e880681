"""Telling advisers what is due (R-REM-1): the work-queue digest by email, a note when a customer signs
by link, and when a signing link was first opened. Staff mail is English; none of it names a customer
(the reference is enough to find them, and names stay behind the data-access policy)."""
import logging
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import or_, select, update

from portal import audit, mail
from portal.extensions import db
from portal.models import Referral, Role, SigningLink, User
from portal.models.base import utcnow
from portal.services import work_queue

log = logging.getLogger(__name__)

FREQUENCIES = {"daily": "Every day", "weekly": "Once a week",
               "off": "No emails"}
# A little under a day or a week, so a cron job or the worker's timer that runs a few minutes early
# still sends the next one.
INTERVALS = {"daily": timedelta(hours=20), "weekly": timedelta(days=6, hours=20)}


def set_frequency(user, frequency):
    if frequency not in FREQUENCIES:
        raise ValueError(frequency)
    user.reminder_frequency = frequency
    audit.record("account.reminders_changed", subject_type="user", subject_id=user.id, actor=user,
                 detail={"frequency": frequency})
    db.session.commit()


def mark_link_opened(link):
    """The first time the customer opens their signing link: the adviser's queue shows it as opened."""
    if link.opened_at is not None:
        return
    db.session.execute(update(SigningLink).where(SigningLink.id == link.id, SigningLink.opened_at.is_(None))
                       .values(opened_at=utcnow()))
    db.session.commit()


def _address(endpoint, **values):
    with current_app.test_request_context():
        return current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def notify_signed(link):
    """After the customer's signature by link is committed: tell the customer's adviser (or whoever sent
    the link). A mail failure is logged, never shown to the customer, whose signature is already kept."""
    version = link.version
    referral = db.session.get(Referral, version.referral_id) if version.referral_id else None
    adviser = (referral.adviser if referral is not None and referral.adviser is not None
               else db.session.get(User, link.created_by_id) if link.created_by_id else None)
    if adviser is None or not adviser.is_enabled:
        return
    reference = version.plan.customer.reference
    still = "Every party has now signed: the plan is agreed." if version.status.was_agreed else \
        "Other signatures are still needed before the plan is agreed."
    try:
        mail.send(adviser.email, f"Customer {reference} signed their plan",
                  f"Hello {adviser.name},\n\nCustomer {reference} signed version {version.number} of their "
                  f"Individual Support Plan through the link you sent. {still}\n\n"
                  f"{_address('plans.version', customer_id=version.plan.customer_id, version_id=version.id)}\n",
                  purpose="signed_by_link")
        db.session.commit()
    except Exception:  # noqa: BLE001 - the customer has signed; a mail server's failure is the adviser's loss only
        db.session.rollback()
        log.exception("Could not tell the adviser that plan version %s was signed", version.id)


def digest_text(user, items, now):
    lines = [f"Hello {user.name},", "", "This is what your work queue shows today.", ""]
    for key, heading in work_queue.SECTIONS:
        groups = [(rule, rows) for rule, rows in work_queue.by_rule(items) if rule.section == key and rows]
        if not groups:
            continue
        lines += [heading, "-" * len(heading)]
        for rule, rows in groups:
            lines.append(f"{rule.title}: {len(rows)}")
            lines += [f"  - {item.reference} ({item.programme}): {item.words}" for item in rows[:20]]
            if len(rows) > 20:
                lines.append(f"  - and {len(rows) - 20} more")
        lines.append("")
    lines += ["Open your work queue:", _address("queue.index"), "",
              "To change how often you get this email, or stop it, go to your account page:",
              _address("home.account")]
    return "\n".join(lines) + "\n"


def _claim(user, now):
    """Mark the digest as sent unless another process just did (one UPDATE, so two workers send one)."""
    interval = INTERVALS[user.reminder_frequency]
    claimed = db.session.execute(
        update(User).where(User.id == user.id, User.reminder_frequency == user.reminder_frequency,
                           or_(User.reminder_sent_at.is_(None), User.reminder_sent_at <= now - interval))
        .values(reminder_sent_at=now)
    ).rowcount
    return claimed == 1


def recipients(now):
    """Enabled provider staff who want a digest and have not had one within their interval."""
    due = or_(*[(User.reminder_frequency == name) & (User.reminder_sent_at.is_(None) | (User.reminder_sent_at <= now - interval))
                for name, interval in INTERVALS.items()])
    return db.session.scalars(select(User).where(User.is_enabled.is_(True), User.role.in_([Role.ADVISER, Role.MANAGER]),
                                                 User.organisation_id.is_not(None), due).order_by(User.id)).all()


def send_digests(now=None):
    """Send each adviser who is due one their queue's digest; returns how many were sent. An empty queue
    sends nothing (and is not counted as sent, so the next run tries again)."""
    now = now or utcnow()
    sent = 0
    for user in recipients(now):
        items = work_queue.queue_items(user, now=now)
        if not items:
            continue
        if not _claim(user, now):
            db.session.rollback()
            continue
        total = len(items)
        mail.send(user.email, f"Your work queue: {total} {'thing' if total == 1 else 'things'} to look at",
                  digest_text(user, items, now), purpose="queue_digest")
        db.session.commit()
        sent += 1
    return sent


def run_every(app, seconds, stop):
    """Send due digests every `seconds` until `stop` (a threading.Event) is set: the worker's timer."""
    while not stop.wait(seconds):
        with app.app_context():
            try:
                count = send_digests()
                if count:
                    log.info("Work-queue digests sent: %s", count)
            except Exception:  # noqa: BLE001 - a database or mail blip must not stop the timer
                log.exception("Work-queue digests failed")
            finally:
                db.session.remove()
