"""The referrals behind an MI figure, and the per-referral MI extract for DWP (R-MI-1).

Neither reads a DWP-held field: the list gets names from portal/data_access.py (R-DATA-1) and the
extract carries the portal's own reference for each customer and nothing DWP holds.
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select

from portal import scope
from portal.extensions import db
from portal.models import ExitReason, HoursEntry, Organisation, Programme, Referral, ReferralStatus, Customer
from portal.services import mi, outcomes

UK = ZoneInfo("Europe/London")
LIST_FIGURES = ("starters", "completers", "exits", "on_programme", "hours", "participants", "hours_per_participant",
                *outcomes.KINDS)


def behind(user, filters, figure, first, last, part=None):
    """A condition on Referral: the referrals counted in `figure` for the period [first, last]."""
    if figure == "starters":
        return Referral.started_on.between(first, last)
    if figure == "completers":
        return and_(Referral.status == ReferralStatus.COMPLETED, Referral.ended_on.between(first, last))
    if figure == "exits":
        reason = ((Referral.exit_reason_code.is_(None) if part == "not_recorded" else Referral.exit_reason_code == part)
                  if part else True)
        return and_(Referral.status.in_(mi.ENDED_OTHERWISE), Referral.ended_on.between(first, last), reason)
    if figure == "on_programme":
        return and_(Referral.started_on <= last, or_(Referral.ended_on.is_(None), Referral.ended_on >= first))
    if figure in ("hours", "participants", "hours_per_participant"):
        return exists().where(HoursEntry.referral_id == Referral.id, HoursEntry.removed_at.is_(None),
                              HoursEntry.on.between(first, last), *([HoursEntry.source == part] if part else []))
    events = outcomes.outcome_events_query().subquery()
    return Referral.id.in_(select(events.c.referral_id).where(events.c.kind == figure,
                                                              events.c.occurred_on.between(first, last)))


def listed(user):
    """Providers list only what their scope still reaches (a referral ended over a year ago drops out,
    R-DATA-6); DWP roles list everything their figures cover."""
    return scope.referral_scope(user) if user.role.is_provider else True


def referrals_behind(user, filters, figure, first, last, part=None, *, page=1, size=50):
    where = and_(mi.narrowed(user, filters), behind(user, filters, figure, first, last, part), listed(user))
    total = db.session.scalar(select(func.count(Referral.id)).where(where))
    counted = db.session.scalar(select(func.count(Referral.id)).where(
        mi.narrowed(user, filters), behind(user, filters, figure, first, last, part)))
    rows = db.session.execute(
        select(Referral.id, Referral.customer_id, Customer.reference, Organisation.name, Programme.name,
               Referral.status, Referral.started_on, Referral.ended_on)
        .join(Customer, Customer.id == Referral.customer_id)
        .join(Organisation, Organisation.id == Referral.organisation_id)
        .join(Programme, Programme.id == Referral.programme_id)
        .where(where).order_by(Customer.reference, Referral.id).limit(size).offset((page - 1) * size)).all()
    return rows, total, counted - total


EXTRACT_HEADER = ["referral_id", "customer_reference", "provider", "programme", "status", "referred_on", "started_on",
                  "ended_on", "exit_reason_code", "exit_reason", "transferred_from_referral_id", "hours",
                  *outcomes.KINDS]


def extract_query(user, filters):
    """One row per referral in the user's reach; hours and outcomes read per referral by index, so the first
    rows come at once however many follow."""
    events = outcomes.outcome_events_query().subquery()
    hours = (select(func.coalesce(func.sum(HoursEntry.quarters), 0)).where(
        HoursEntry.referral_id == Referral.id, HoursEntry.removed_at.is_(None)).scalar_subquery())
    kinds = [select(func.count()).select_from(events).where(events.c.referral_id == Referral.id,
                                                            events.c.kind == kind).scalar_subquery()
             for kind in outcomes.KINDS]
    where = [mi.reach(user)] + [getattr(Referral, name) == getattr(filters, name)
                                for name in ("organisation_id", "programme_id") if getattr(filters, name) is not None]
    query = (select(Referral.id, Customer.reference, Organisation.name, Programme.code, Referral.status,
                    Referral.referred_at, Referral.started_on, Referral.ended_on, Referral.exit_reason_code,
                    ExitReason.label, Referral.exit_reason_text, Referral.transferred_from_id, hours, *kinds)
             .join(Customer, Customer.id == Referral.customer_id)
             .join(Organisation, Organisation.id == Referral.organisation_id)
             .join(Programme, Programme.id == Referral.programme_id)
             .outerjoin(ExitReason, ExitReason.code == Referral.exit_reason_code)
             .where(*where).order_by(Referral.id))
    return query


def extract_rows(query, *, batch=2000):
    """The extract's rows from a server-side cursor, `batch` at a time: memory stays flat."""
    result = db.session.execute(query, execution_options={"yield_per": batch})
    for row in result:
        (rid, reference, provider, programme, status, referred_at, started_on, ended_on, code, label, text,
         transferred_from, quarters, *counts) = row
        yield [rid, reference, provider, programme, status.value if hasattr(status, "value") else status,
               _day(referred_at), _day(started_on), _day(ended_on), code or "",
               f"{label}: {text}" if label and text else (label or ""), transferred_from or "",
               f"{(quarters or 0) / 4:g}", *counts]


def _day(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UK).date().isoformat()
    return value.isoformat()
