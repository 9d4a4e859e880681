"""The one writer of audit events (R-AUD-1, R-DATA-7).

Events are appended in the caller's transaction, so a change and its audit event are saved
together or not at all. Appending is one INSERT and takes no lock another request waits on (issue 18):
the hash chain is extended afterwards, in order, by `chain_pending` (the worker's timer, or
`flask audit-chain` / `audit-checkpoint`). Each chained event's hash covers the previous one's:
editing or removing a chained row breaks the chain at that row, which `verify_chain` reports.
Events the job has not reached yet are "pending", not broken.
"""
import hashlib
import json
import logging
from dataclasses import dataclass, field

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import bindparam, func, select, text

from portal.extensions import db
from portal.models import AuditEvent, AuditEventCustomer
from portal.models.base import utcnow

GENESIS_HASH = "0" * 64
log = logging.getLogger(__name__)


def _actor():
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user
    return None


def _canonical(event):
    return json.dumps(
        {
            "occurred_at": event.occurred_at.isoformat(),
            "action": event.action,
            "actor_id": event.actor_id,
            "actor_email": event.actor_email,
            "actor_role": event.actor_role,
            "actor_organisation_id": event.actor_organisation_id,
            "customer_id": event.customer_id,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            "detail": event.detail,
            "ip_address": event.ip_address,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def _hash(previous_hash, event):
    return hashlib.sha256((previous_hash + _canonical(event)).encode("utf-8")).hexdigest()


def record(action, *, customer_id=None, subject_type=None, subject_id=None, detail=None, actor=None,
           customer_ids=None):
    """Append an event. `customer_ids` names every customer whose DWP data a list or export showed.

    One Core INSERT (two on SQLite, which has no data-modifying WITH), not an ORM object and flush: a view
    that shows DWP-held data pays for its event on every request (issue 18). Pending ORM changes are
    flushed first, so the event still follows what the request changed."""
    actor = actor or _actor()
    detail = dict(detail or {})
    linked = sorted(set(customer_ids or ()) | ({customer_id} if customer_id else set()))
    if customer_ids is not None:
        detail["customer_ids"] = linked
    row = {
        "occurred_at": utcnow(),
        "action": action,
        "actor_id": actor.id if actor else None,
        "actor_email": actor.email if actor else None,
        "actor_role": actor.role.value if actor else None,
        "actor_organisation_id": actor.organisation_id if actor else None,
        "customer_id": customer_id,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "detail": json.dumps(detail, sort_keys=True, default=str),
        "ip_address": request.remote_addr if has_request_context() else None,
    }
    session = db.session
    session.flush()
    if linked and session.get_bind().dialect.name == "postgresql":
        session.execute(_INSERT_LINKED, {**row, "linked": linked})
        return
    event_id = session.execute(_INSERT_EVENT, row).scalar_one()
    if linked:
        session.execute(_INSERT_LINK, [{"event_id": event_id, "customer_id": cid} for cid in linked])


_EVENTS = AuditEvent.__table__
_INSERT_EVENT = _EVENTS.insert().returning(_EVENTS.c.id)
_INSERT_LINK = AuditEventCustomer.__table__.insert()
_COLUMNS = ("occurred_at", "action", "actor_id", "actor_email", "actor_role", "actor_organisation_id", "customer_id",
            "subject_type", "subject_id", "detail", "ip_address")
# The event and its customer links in one statement on PostgreSQL.
_INSERT_LINKED = text(
    f"WITH event AS (INSERT INTO audit_event ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)}) "
    "RETURNING id) INSERT INTO audit_event_customer (event_id, customer_id) "
    "SELECT event.id, linked.customer_id FROM event, unnest(CAST(:linked AS integer[])) AS linked(customer_id)"
).bindparams(*[bindparam(c, type_=_EVENTS.c[c].type) for c in _COLUMNS])


def record_and_commit(action, **kwargs):
    record(action, **kwargs)
    db.session.commit()


# Chaining -----------------------------------------------------------------------------------------

CHAIN_LOCK = 727274  # taken only by chain jobs, never by a request


def chain_tail():
    """(position, hash) of the newest chained event, or (0, GENESIS_HASH)."""
    row = db.session.execute(select(AuditEvent.chain_position, AuditEvent.event_hash)
                             .where(AuditEvent.chain_position.is_not(None))
                             .order_by(AuditEvent.chain_position.desc()).limit(1)).first()
    return (0, GENESIS_HASH) if row is None else (row[0], row[1])


def chain_pending(batch=2000):
    """Extend the chain over every committed event not yet in it, oldest id first, and commit; the
    number chained. Chain order is the order chained (`chain_position`), so an event whose request
    committed late is chained after newer ids rather than leaving a gap."""
    chained = 0
    while True:
        if db.engine.dialect.name == "postgresql":
            # Two chain jobs (worker and cron) must not both extend the same tail; requests never take it.
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
        position, previous = chain_tail()
        pending = db.session.scalars(select(AuditEvent).where(AuditEvent.event_hash.is_(None))
                                     .order_by(AuditEvent.id).limit(batch)).all()
        for event in pending:
            position += 1
            event.previous_hash = previous
            event.event_hash = previous = _hash(previous, event)
            event.chain_position = position
        db.session.commit()
        chained += len(pending)
        if len(pending) < batch:
            return chained


def pending_count():
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.event_hash.is_(None)))


def run_chain_every(app, seconds, stop):
    """Chain pending events every `seconds` until `stop` is set: the worker's timer (R-AUD-1)."""
    while not stop.wait(seconds):
        with app.app_context():
            try:
                chain_pending()
            except Exception:  # noqa: BLE001 - a database blip must not stop the timer
                log.exception("Audit chaining failed")
            finally:
                db.session.remove()


# Checking -----------------------------------------------------------------------------------------

def verify_chain():
    """The id of the first event whose hash does not hold, or None if the chain is intact."""
    broken = walk_chain().broken
    return broken[0] if broken else None


@dataclass
class ChainWalk:
    broken: list = field(default_factory=list)  # ids of the events whose hash does not hold
    count: int = 0  # events read
    # For each watched id present: (its stored hash, how many events up to and including it).
    watched: dict = field(default_factory=dict)


def walk_chain(watch_ids=(), *, after=None):
    """Read the whole chain in chain order (or the part after `after` = (position, hash)), noting every
    event that does not hold rather than stopping at the first: after an edited row the rest of the chain
    is still checked against the hashes as stored. Pending events are not read."""
    watch_ids = set(watch_ids)
    walk = ChainWalk()
    query = select(AuditEvent).where(AuditEvent.chain_position.is_not(None)).order_by(AuditEvent.chain_position)
    previous = GENESIS_HASH
    if after is not None:
        query = query.where(AuditEvent.chain_position > after[0])
        previous = after[1]
    for event in db.session.scalars(query).yield_per(1000):
        walk.count += 1
        if event.previous_hash != previous or event.event_hash != _hash(previous, event):
            walk.broken.append(event.id)
        if event.id in watch_ids:
            walk.watched[event.id] = (event.event_hash, walk.count)
        previous = event.event_hash
    return walk


def events_for_customer(customer_id, limit=500):
    """Every event that showed or changed this customer's record, newest first (R-DATA-7)."""
    return db.session.scalars(
        select(AuditEvent)
        .join(AuditEventCustomer, AuditEventCustomer.event_id == AuditEvent.id)
        .where(AuditEventCustomer.customer_id == customer_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ).all()
