"""Inspections (issue 13): the administrator opens one for a provider, its programmes, a period under
review and the inspectors assigned; those inspectors then see that provider's customers (R-DATA-6)."""
import json
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.extensions import db
from portal.models import (
    Customer, Inspection, InspectionSample, InspectionStatus, Organisation, OrganisationKind, Programme, Role, User,
)
from portal.models.base import utcnow
from portal.services import inspection_rules
from portal.models import inspection_inspector


class InspectionError(Exception):
    def __init__(self, message, field):
        super().__init__(message)
        self.field = field


def providers():
    return db.session.scalars(select(Organisation).where(Organisation.kind != OrganisationKind.DWP)
                              .order_by(Organisation.name)).all()


def inspectors():
    return db.session.scalars(select(User).where(User.role == Role.INSPECTOR, User.is_enabled.is_(True))
                              .order_by(User.name)).all()


def all_inspections():
    return db.session.scalars(select(Inspection).order_by(Inspection.opened_on.desc(), Inspection.id.desc())).all()


def inspections_of(user):
    """The inspections this inspector is assigned to, open first."""
    return db.session.scalars(
        select(Inspection).join(inspection_inspector, inspection_inspector.c.inspection_id == Inspection.id)
        .where(inspection_inspector.c.user_id == user.id)
        .order_by(Inspection.status, Inspection.opened_on.desc(), Inspection.id.desc())).all()


def inspection_for(user, inspection_id):
    """The inspection if this inspector is assigned to it, else None (the view answers 404)."""
    return db.session.scalar(
        select(Inspection).join(inspection_inspector, inspection_inspector.c.inspection_id == Inspection.id)
        .where(Inspection.id == inspection_id, inspection_inspector.c.user_id == user.id))


def open_inspection(*, organisation_id, programme_codes, period_from, period_to, inspector_ids, opened_on, by):
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or organisation.kind == OrganisationKind.DWP:
        raise InspectionError("Select the provider to inspect", "organisation_id")
    programmes = db.session.scalars(select(Programme).where(Programme.code.in_(programme_codes or []))).all()
    if not programmes:
        raise InspectionError("Select at least one programme", "programmes")
    if period_from is None or period_to is None or period_from > period_to:
        raise InspectionError("The period under review must start on or before it ends", "period_from")
    if period_from > opened_on:
        raise InspectionError("The period under review cannot start in the future", "period_from")
    chosen = db.session.scalars(select(User).where(User.id.in_(inspector_ids or []),
                                                   User.role == Role.INSPECTOR)).all()
    if not chosen:
        raise InspectionError("Assign at least one inspector", "inspector_ids")
    inspection = Inspection(organisation_id=organisation.id, period_from=period_from, period_to=period_to,
                            opened_on=opened_on, opened_by_id=by.id, status=InspectionStatus.OPEN,
                            programmes=list(programmes), inspectors=list(chosen))
    db.session.add(inspection)
    db.session.flush()
    audit.record("inspection.opened", subject_type="inspection", subject_id=inspection.id, actor=by,
                 detail={"organisation_id": organisation.id, "programmes": sorted(p.code for p in programmes),
                         "from": period_from.isoformat(), "to": period_to.isoformat(),
                         "inspectors": sorted(u.id for u in chosen)})
    db.session.commit()
    return inspection


def close_inspection(inspection, *, closed_on, by, today=None):
    """Closes the inspection and seals its report (issue 13). Claimed in one statement, so two closes
    at the same instant make one report; the report is made in the same transaction as the closing."""
    from portal.documents import reports
    from portal.locks import claim
    from portal.services import inspection_report

    if not claim(Inspection, inspection.id, where=(Inspection.status == InspectionStatus.OPEN,),
                 values={"status": InspectionStatus.CLOSED, "closed_on": closed_on}):
        db.session.rollback()
        raise InspectionError("This inspection is already closed", "")
    db.session.refresh(inspection)
    audit.record("inspection.closed", subject_type="inspection", subject_id=inspection.id, actor=by,
                 detail={"closed_on": closed_on.isoformat()})
    reports.seal_report(inspection, inspection_report.report_facts(inspection, today or closed_on))
    db.session.commit()


# The sample (R-INSP-2) ---------------------------------------------------------------------------

def sample_of(inspection):
    return db.session.scalars(select(InspectionSample).where(InspectionSample.inspection_id == inspection.id)
                              .options(selectinload(InspectionSample.customer), selectinload(InspectionSample.programme))
                              .order_by(InspectionSample.id)).all()


def population_by_programme(inspection):
    """{programme code: customer ids} of the inspection's population; a customer on two programmes counts once,
    on the first by code."""
    from portal.services.inspection_review import population_select

    codes = {p.id: p.code for p in inspection.programmes}
    seen, population = set(), {code: [] for code in sorted(codes.values())}
    rows = db.session.execute(population_select(inspection)).all()
    for _referral_id, customer_id, programme_id, _started, _ended in sorted(rows, key=lambda r: (codes[r[2]], r[1])):
        if customer_id not in seen:
            seen.add(customer_id)
            population[codes[programme_id]].append(customer_id)
    return population


def _refuse_if_closed(inspection):
    if not inspection.is_open:
        raise InspectionError("This inspection is closed: its sample and findings can be read but not changed", "")


def draw(inspection, *, sizes, seed, by):
    """Draws (or, with an earlier seed, draws again) the random part of the sample; customers added by
    hand stay. The seed and sizes are kept on the inspection so the draw can be shown and repeated."""
    _refuse_if_closed(inspection)
    if seed is None:
        seed = secrets.randbelow(10**9)
    population = population_by_programme(inspection)
    chosen = inspection_rules.draw_sample(population, sizes, seed)
    programme_ids = {p.code: p.id for p in inspection.programmes}
    db.session.execute(delete(InspectionSample).where(InspectionSample.inspection_id == inspection.id,
                                                      InspectionSample.how == "random"))
    by_hand = {row.customer_id for row in sample_of(inspection)}
    for code, customer_ids in chosen.items():
        for customer_id in customer_ids:
            if customer_id not in by_hand:
                db.session.add(InspectionSample(inspection_id=inspection.id, customer_id=customer_id,
                                                programme_id=programme_ids[code], how="random", added_by_id=by.id))
    inspection.sample_seed, inspection.sample_spec, inspection.sampled_at = seed, json.dumps(sizes, sort_keys=True), utcnow()
    drawn = sorted(c for ids in chosen.values() for c in ids)
    audit.record("inspection.sample_drawn", subject_type="inspection", subject_id=inspection.id, actor=by,
                 detail={"seed": seed, "sizes": sizes, "population": {k: len(v) for k, v in population.items()},
                         "drawn": drawn})
    db.session.commit()
    return chosen


def add_by_hand(inspection, *, reference, by):
    _refuse_if_closed(inspection)
    population = population_by_programme(inspection)
    customer = db.session.scalar(select(Customer).where(Customer.reference == (reference or "").strip().upper()))
    code = next((code for code, ids in population.items() if customer and customer.id in ids), None)
    if code is None:
        raise InspectionError("No customer with that reference was on this inspection's programmes in the period",
                              "reference")
    if any(row.customer_id == customer.id for row in sample_of(inspection)):
        raise InspectionError("That customer is already in the sample", "reference")
    programme_id = next(p.id for p in inspection.programmes if p.code == code)
    db.session.add(InspectionSample(inspection_id=inspection.id, customer_id=customer.id, programme_id=programme_id,
                                    how="by_hand", added_by_id=by.id))
    audit.record("inspection.sample_added", subject_type="inspection", subject_id=inspection.id, actor=by,
                 customer_id=customer.id)
    db.session.commit()
    return customer
