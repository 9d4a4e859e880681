"""Which customers and referrals a user may reach (R-DATA-6), and fetch helpers that 404.

Another organisation's record answers exactly as a missing one does, and the attempt is audited.
"""
from flask import abort
from sqlalchemy import exists, false, or_, select, true

from portal import audit
from portal.extensions import db
from portal.models import Customer, Inspection, Referral, Role, inspection_inspector


def referral_scope(user):
    """A SQL condition on Referral: the referrals this user may see."""
    if user.role == Role.REFERRAL_OFFICER:
        return true()
    if user.role == Role.INSPECTOR:
        # R-DATA-6: the providers of the inspections they are assigned to, open or closed (a closed
        # inspection stays readable to its inspectors); a sub-contractor's inspection covers what it delivers.
        providers = inspected_organisations(user)
        return or_(Referral.organisation_id.in_(providers), Referral.subcontractor_id.in_(providers))
    if user.role.is_provider and user.organisation_id is not None:
        if user.is_subcontractor_staff:
            return Referral.subcontractor_id == user.organisation_id
        return Referral.organisation_id == user.organisation_id
    return false()


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


def referrals_in_scope(user, customer):
    return db.session.scalars(
        select(Referral)
        .where(Referral.customer_id == customer.id, referral_scope(user))
        .order_by(Referral.referred_at.desc())
    ).all()


def _refuse(kind, object_id, model):
    if db.session.get(model, object_id) is not None:
        audit.record_and_commit(
            "access.out_of_scope", subject_type=kind, subject_id=object_id,
            customer_id=object_id if kind == "customer" else None,
        )
    abort(404)


