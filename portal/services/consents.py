"""Consents the customer gives their provider (R-DATA-3, R-DATA-8). A withdrawal keeps the history."""
from sqlalchemy import select

from portal import audit, locks
from portal.data_access import HEALTH_FIELDS
from portal.extensions import db
from portal.models import Consent, ConsentKind
from portal.models.base import utcnow


class ConsentError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def consenting_organisation(user):
    """Consent is given to the prime provider; its sub-contractors work under it."""
    organisation = user.organisation
    return organisation.prime if organisation.is_subcontractor else organisation


def consents_for(customer, organisation):
    return db.session.scalars(
        select(Consent).where(Consent.customer_id == customer.id, Consent.organisation_id == organisation.id)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
    ).all()


def record_consent(customer, *, by, kind, given_on, health_items=(), people=None, today):
    kind = ConsentKind(kind)
    if given_on > today:
        raise ConsentError("The date the customer agreed must be today or in the past", field="given_on")
    items = [item for item in health_items if item in HEALTH_FIELDS]
    if kind == ConsentKind.HEALTH and not items:
        raise ConsentError("Select the health information the customer agreed to share", field="health_items")
    people = (people or "").strip() or None
    if kind == ConsentKind.SUPPORT_NETWORK and not people:
        raise ConsentError("Enter who the customer agreed you may consult", field="people")
    consent = Consent(customer_id=customer.id, organisation_id=consenting_organisation(by).id, kind=kind,
                      health_items=" ".join(items) if kind == ConsentKind.HEALTH else "",
                      people=people if kind == ConsentKind.SUPPORT_NETWORK else None,
                      given_on=given_on, recorded_by_id=by.id)
    db.session.add(consent)
    db.session.flush()
    audit.record("consent.recorded", customer_id=customer.id, subject_type="consent", subject_id=consent.id,
                 detail={"kind": kind.value, "health_items": items, "given_on": given_on})
    db.session.commit()
    return consent


def withdraw_consent(consent, *, by, withdrawn_on, today):
    if consent.withdrawn_at is not None:
        raise ConsentError("This consent has already been withdrawn")
    if withdrawn_on > today or withdrawn_on < consent.given_on:
        raise ConsentError("The withdrawal date must be between the date it was given and today", field="withdrawn_on")
    # Withdrawn once, with one audit event, however many times the form is posted at once.
    if not locks.claim(Consent, consent.id, where=(Consent.withdrawn_at.is_(None),), values={"withdrawn_at": utcnow()}):
        raise ConsentError("This consent has already been withdrawn")
    consent.withdrawn_on = withdrawn_on
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = by.id
    audit.record("consent.withdrawn", customer_id=consent.customer_id, subject_type="consent",
                 subject_id=consent.id, detail={"kind": consent.kind.value, "withdrawn_on": withdrawn_on})
    db.session.commit()
