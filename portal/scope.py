"""Which customers and referrals a user may reach (R-DATA-6), and fetch helpers that 404.

Another organisation's record answers exactly as a missing one does, and the attempt is audited.
A provider whose referral has ended (completed, exited early or transferred: R-REF-1) keeps read-only
access to its own records of that customer for FORMER_PROVIDER_ACCESS after the end date, and no
DWP-held field at all (portal/data_access.py); then the customer leaves its reach (issue 12, finding 5).
"""
from datetime import date, timedelta

from flask import abort
from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.orm import joinedload

from portal import audit
from portal.extensions import db
from portal.models import Customer, Inspection, Programme, Referral, ReferralStatus, Role, inspection_inspector

OPEN_STATUSES = (ReferralStatus.REFERRED, ReferralStatus.STARTED)
FORMER_PROVIDER_ACCESS = timedelta(days=365)


def referral_scope(user):
    """A SQL condition on Referral: the referrals this user may see."""
    if user.role == Role.REFERRAL_OFFICER:
        return true()
    if user.role == Role.DISABILITY_EMPLOYMENT_ADVISER:
        # R-WC-1: programmes with strands (a transitional length) are the ones a DEA approves moves in.
        return Referral.programme_id.in_(select(Programme.id).where(Programme.transitional_weeks.is_not(None)))
    if user.role == Role.INSPECTOR:
        # R-DATA-6: the providers of the inspections they are assigned to, open or closed (a closed
        # inspection stays readable to its inspectors); a sub-contractor's inspection covers what it delivers.
        providers = inspected_organisations(user)
        return or_(Referral.organisation_id.in_(providers), Referral.subcontractor_id.in_(providers))
    if user.role.is_provider and user.organisation_id is not None:
        if user.is_subcontractor_staff:
            return and_(Referral.subcontractor_id == user.organisation_id, _not_long_ended())
        return and_(Referral.organisation_id == user.organisation_id, _not_long_ended())
    return false()


def _not_long_ended():
    cutoff = date.today() - FORMER_PROVIDER_ACCESS
    return or_(Referral.status.in_(OPEN_STATUSES), Referral.ended_on.is_(None), Referral.ended_on >= cutoff)


def open_referral_scope(user):
    """The referrals in the user's scope that are still open: the ones a provider may act on."""
    return and_(referral_scope(user), Referral.status.in_(OPEN_STATUSES))


def has_open_referral(user, customer_id):
    return db.session.scalar(select(exists().where(Referral.customer_id == customer_id, open_referral_scope(user))))


def inspected_organisations(user):
    """A subquery: the organisations of the inspections this inspector is assigned to."""
    return (select(Inspection.organisation_id)
            .join(inspection_inspector, inspection_inspector.c.inspection_id == Inspection.id)
            .where(inspection_inspector.c.user_id == user.id))


def customer_scope(user):
    """A SQL condition on Customer: customers with at least one referral in the user's scope."""
    return exists().where(Referral.customer_id == Customer.id, referral_scope(user))


def customer_or_404(user, customer_id):
    customer = customer_or_none(user, customer_id)
    if customer is None:
        _refuse("customer", customer_id, Customer)
    return customer


def customer_or_none(user, customer_id):
    return db.session.scalar(select(Customer).where(Customer.id == customer_id, customer_scope(user)))


def referral_or_404(user, referral_id):
    referral = db.session.scalar(select(Referral).where(Referral.id == referral_id, referral_scope(user)))
    if referral is None:
        _refuse("referral", referral_id, Referral)
    return referral


def customer_and_referrals_or_404(user, customer_id, options=()):
    """(customer, their referrals in the user's scope) in one statement, for a page that shows both: the
    customer is in scope exactly when one of their referrals is (`customer_scope`). 404 as
    `customer_or_404` when none is."""
    referrals = db.session.scalars(
        select(Referral)
        .where(Referral.customer_id == customer_id, referral_scope(user))
        .options(joinedload(Referral.customer), *options)
        .order_by(Referral.referred_at.desc())
    ).unique().all()
    if not referrals:
        _refuse("customer", customer_id, Customer)
    return referrals[0].customer, referrals


def referrals_in_scope(user, customer, options=()):
    """`options`: what the caller's page shows of each referral, loaded with it (issue 18)."""
    return db.session.scalars(
        select(Referral)
        .where(Referral.customer_id == customer.id, referral_scope(user))
        .options(*options)
        .order_by(Referral.referred_at.desc())
    ).all()


def _refuse(kind, object_id, model):
    if db.session.get(model, object_id) is not None:
        audit.record_and_commit(
            "access.out_of_scope", subject_type=kind, subject_id=object_id,
            customer_id=object_id if kind == "customer" else None,
        )
    abort(404)


