"""Inspections (issue 13): the administrator opens them; the inspectors assigned review the provider."""
import json
from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal import audit, data_access
from portal.documents import packs

from portal.extensions import db
from portal.forms import ConfirmForm
from portal.inspection_forms import (
    AddToSampleForm, AnswerForm, DecisionForm, FindingForm, OpenInspectionForm, sample_form,
)
from portal.models import Customer, Finding, FindingState, Inspection
from portal.permissions import Permission, requires
from portal.csv_export import csv_response
from portal.services import audit_trail, findings, inspection_checklist, inspection_review, inspections
from portal.services import organisations as organisation_service
from portal.template_helpers import UK
from portal.views.helpers import add_error, repeated_post

bp = Blueprint("inspections", __name__)


# The inspector's pages of one inspection, for its navigation.
INSPECTION_PAGES = [("inspections.sample", "Sample"), ("inspections.sample_checklist", "Checklists"),
                    ("inspections.findings_list", "Findings"), ("inspections.audit_trail_page", "Audit trail"),
                    ("inspections.report", "Report")]


@bp.context_processor
def _inspection_pages():
    return {"inspection_pages": INSPECTION_PAGES, "checklist_url": _checklist_url}


def _checklist_url(inspection, row):
    return url_for("inspections.checklist", inspection_id=inspection.id, customer_id=row.customer_id)


def today_uk():
    return datetime.now(UK).date()


# The administrator -------------------------------------------------------------------------------

@bp.route("/admin/inspections")
@requires(Permission.MANAGE_INSPECTIONS)
def manage():
    return render_template("views/inspections/manage.html", inspections=inspections.all_inspections(),
                           close_form=ConfirmForm())


def _open_form():
    form = OpenInspectionForm()
    form.organisation_id.choices = [("", "Choose a provider")] + [(str(o.id), o.name) for o in inspections.providers()]
    form.programmes.choices = [(p.code, p.name) for p in organisation_service.all_programmes()]
    form.inspector_ids.choices = [(u.id, f"{u.name} ({u.email})") for u in inspections.inspectors()]
    return form


@bp.route("/admin/inspections/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_INSPECTIONS)
def open_new():
    form = _open_form()
    if form.validate_on_submit():
        if repeat := repeated_post(form, url_for("inspections.manage")):
            return repeat
        try:
            inspection = inspections.open_inspection(
                organisation_id=int(form.organisation_id.data), programme_codes=form.programmes.data,
                period_from=form.period_from.data, period_to=form.period_to.data,
                inspector_ids=form.inspector_ids.data, opened_on=today_uk(), by=current_user)
        except inspections.InspectionError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash(f"Inspection of {inspection.organisation.name} opened")
            return redirect(url_for("inspections.manage"))
    status = 400 if form.errors else 200
    return render_template("views/inspections/open.html", form=form), status


@bp.route("/admin/inspections/<int:inspection_id>/close", methods=["POST"])
@requires(Permission.MANAGE_INSPECTIONS)
def close(inspection_id):
    inspection = db.session.get(Inspection, inspection_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            inspections.close_inspection(inspection, closed_on=today_uk(), by=current_user)
        except inspections.InspectionError as error:
            flash(str(error))
    return redirect(url_for("inspections.manage"))


# The inspector -----------------------------------------------------------------------------------

@bp.route("/inspections/")
@requires(Permission.INSPECT)
def index():
    return render_template("views/inspections/index.html", inspections=inspections.inspections_of(current_user))


def inspection_or_404(inspection_id):
    inspection = inspections.inspection_for(current_user, inspection_id)
    if inspection is None:
        abort(404)
    return inspection


@bp.route("/inspections/<int:inspection_id>")
@requires(Permission.INSPECT)
def overview(inspection_id):
    inspection = inspection_or_404(inspection_id)
    # Reading every sealed original of a large provider takes minutes: its figure is counted on its own page.
    sets, by_programme = inspection_review.customer_sets(
        inspection, inspection_review.gather(inspection, with_originals=False), today_uk())
    audit.record_and_commit("inspection.overview_viewed", subject_type="inspection", subject_id=inspection.id)
    return render_template("views/inspections/overview.html", inspection=inspection, figures=inspection_review.FIGURES,
                           counts={key: len(ids) for key, ids in sets.items()} | {"originals_verify": None},
                           by_programme={p: len(by_programme.get(p.id, ())) for p in inspection.programmes},
                           provider_findings=_provider_findings(inspection))


def _provider_findings(inspection):
    return db.session.scalar(select(func.count(Finding.id)).where(
        Finding.inspection_id == inspection.id, Finding.customer_id.is_(None),
        Finding.state.in_([FindingState.OPEN, FindingState.REOPENED])))


PAGE_SIZE = 100


@bp.route("/inspections/<int:inspection_id>/customers/<figure>")
@requires(Permission.INSPECT)
def figure_customers(inspection_id, figure):
    inspection = inspection_or_404(inspection_id)
    if figure not in inspection_review.FIGURE_LABELS:
        abort(404)
    sets, by_programme = inspection_review.customer_sets(
        inspection, inspection_review.gather(inspection, with_originals=figure == "originals_verify"), today_uk())
    ids = sets[figure]
    programme = next((p for p in inspection.programmes if p.code == request.args.get("programme")), None)
    if programme is not None:
        ids = ids & by_programme.get(programme.id, set())
    page = max(1, request.args.get("page", 1, type=int))
    ordered = sorted(ids)
    shown = ordered[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    # Plain rows: the audit commit below would expire ORM objects and cost a reload each.
    customers = db.session.execute(select(Customer.id, Customer.reference).where(Customer.id.in_(shown))
                                   .order_by(Customer.reference)).all()
    names = data_access.visible_names(current_user, shown)
    audit.record_and_commit("inspection.customers_listed", subject_type="inspection", subject_id=inspection.id,
                            customer_ids=shown, detail={"through": "page", "fields": ["name"], "figure": figure})
    return render_template("views/inspections/customers.html", inspection=inspection, figure=figure,
                           label=inspection_review.FIGURE_LABELS[figure], programme=programme, customers=customers,
                           names=names, page=page, page_count=max(1, -(-len(ordered) // PAGE_SIZE)), total=len(ordered))


def _sizes(form, inspection):
    return {p.code: getattr(form, f"size_{p.code}").data for p in inspection.programmes}


@bp.route("/inspections/<int:inspection_id>/sample", methods=["GET", "POST"])
@requires(Permission.INSPECT)
def sample(inspection_id):
    inspection = inspection_or_404(inspection_id)
    form = sample_form(inspection.programmes, request.form if request.method == "POST" else None)
    if request.method == "GET" and inspection.sample_spec:
        for code, size in json.loads(inspection.sample_spec).items():
            if (field := getattr(form, f"size_{code}", None)) is not None:
                field.data = size
    if form.validate_on_submit():
        seed = form.seed.data
        if seed and not seed.isdigit():
            add_error(form, "seed", "The seed is a whole number, like 52817")
        else:
            try:
                inspections.draw(inspection, sizes=_sizes(form, inspection), seed=int(seed) if seed else None,
                                 by=current_user)
            except inspections.InspectionError as error:
                db.session.rollback()
                add_error(form, "seed", str(error))
            else:
                flash(f"Sample drawn with seed {inspection.sample_seed}")
                return redirect(url_for("inspections.sample", inspection_id=inspection.id))
    return _sample_page(inspection, form, AddToSampleForm(formdata=None))


def _sample_page(inspection, form, add_form):
    rows = inspections.sample_of(inspection)
    names = data_access.visible_names(current_user, [row.customer_id for row in rows])
    population = {code: len(ids) for code, ids in inspections.population_by_programme(inspection).items()}
    if rows:
        audit.record_and_commit("inspection.sample_viewed", subject_type="inspection", subject_id=inspection.id,
                                customer_ids=[row.customer_id for row in rows],
                                detail={"through": "page", "fields": ["name"]})
    status = 400 if form.errors or add_form.errors else 200
    return render_template("views/inspections/sample.html", inspection=inspection, form=form, add_form=add_form,
                           pack_form=ConfirmForm(formdata=None),
                           rows=rows, names=names, population=population,
                           spec=json.loads(inspection.sample_spec) if inspection.sample_spec else None), status


@bp.route("/inspections/<int:inspection_id>/sample/add", methods=["POST"])
@requires(Permission.INSPECT)
def add_to_sample(inspection_id):
    inspection = inspection_or_404(inspection_id)
    add_form = AddToSampleForm()
    if add_form.validate_on_submit():
        try:
            customer = inspections.add_by_hand(inspection, reference=add_form.reference.data, by=current_user)
        except inspections.InspectionError as error:
            db.session.rollback()
            add_error(add_form, "reference", str(error))
        else:
            flash(f"{customer.reference} added to the sample")
            return redirect(url_for("inspections.sample", inspection_id=inspection.id))
    return _sample_page(inspection, sample_form(inspection.programmes, None), add_form)


@bp.route("/inspections/<int:inspection_id>/sample/pack", methods=["POST"])
@requires(Permission.INSPECT)
def sample_pack(inspection_id):
    """An inspection pack of the sampled customers' sealed originals (issue 13)."""
    inspection = inspection_or_404(inspection_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        pack = packs.request_sample_pack(current_user, inspection, [row.customer_id for row in inspections.sample_of(inspection)])
    except packs.PackError as error:
        db.session.rollback()
        flash(str(error))
        return redirect(url_for("inspections.sample", inspection_id=inspection.id))
    packs.start(pack)
    return redirect(url_for("packs.show", pack_id=pack.id))


@bp.route("/inspections/<int:inspection_id>/sample/<int:customer_id>")
@requires(Permission.INSPECT)
def checklist(inspection_id, customer_id):
    inspection = inspection_or_404(inspection_id)
    row = next((r for r in inspections.sample_of(inspection) if r.customer_id == customer_id), None)
    if row is None:
        abort(404)
    checks, version, _referral = inspection_checklist.checklist(inspection, customer_id, today_uk())
    name = data_access.visible_names(current_user, [customer_id]).get(customer_id, row.customer.reference)
    audit.record_and_commit("inspection.checklist_viewed", subject_type="inspection", subject_id=inspection.id,
                            customer_id=customer_id, detail={"through": "page", "fields": ["name"]})
    return render_template("views/inspections/checklist.html", inspection=inspection, row=row, name=name,
                           checks=checks, version=version)


# The provider's audit trail ---------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


def _audit_filters():
    try:
        return audit_trail.Filters.from_args(request.args)
    except audit_trail.FilterError:
        abort(400)


@bp.route("/inspections/<int:inspection_id>/audit")
@requires(Permission.INSPECT)
def audit_trail_page(inspection_id):
    inspection = inspection_or_404(inspection_id)
    filters = _audit_filters()
    total = audit_trail.count(inspection, filters)
    page_count = max(1, -(-total // AUDIT_PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int)), page_count)
    rows = audit_trail.rows(inspection, filters, offset=(page - 1) * AUDIT_PAGE_SIZE, limit=AUDIT_PAGE_SIZE)
    users = audit_trail.users_to_filter(inspection)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    audit.record_and_commit("inspection.audit_viewed", subject_type="inspection", subject_id=inspection.id,
                            detail={"filters": filters.as_dict(), "page": page})
    return render_template("views/inspections/audit.html", inspection=inspection, rows=rows, filters=filters,
                           users=users, actions=sorted(audit_trail.ACTION_NAMES.items(), key=lambda kv: kv[1]),
                           total=total, page=page, page_count=page_count, query=query)


@bp.route("/inspections/<int:inspection_id>/audit.csv")
@requires(Permission.INSPECT)
def audit_trail_csv(inspection_id):
    inspection = inspection_or_404(inspection_id)
    filters = _audit_filters()
    rows = audit_trail.rows(inspection, filters)
    audit.record_and_commit("inspection.audit_exported", subject_type="inspection", subject_id=inspection.id,
                            detail={"filters": filters.as_dict(), "rows": len(rows)})
    return csv_response(f"audit-trail-inspection-{inspection.id}.csv",
                        ["When (UK time)", "User", "Organisation", "Action", "Action code", "Customer", "About",
                         "Page views"],
                        ([r.occurred_at.astimezone(UK).strftime("%Y-%m-%d %H:%M"), r.user, r.organisation,
                          r.action_name, r.action, r.reference or "", r.about, r.count] for r in rows))


# Findings (R-INSP-2) -----------------------------------------------------------------------------

def _filters():
    due_by = None
    if text := request.args.get("due_by", "").strip():
        try:
            due_by = date.fromisoformat(text)
        except ValueError:
            abort(400)
    return {"state": request.args.get("state") or None, "rule": request.args.get("rule") or None, "due_by": due_by}


def _references(found):
    ids = {f.customer_id for f in found if f.customer_id}
    return dict(db.session.execute(select(Customer.id, Customer.reference).where(Customer.id.in_(ids))).all()) if ids else {}


@bp.route("/inspections/<int:inspection_id>/findings")
@requires(Permission.INSPECT)
def findings_list(inspection_id):
    inspection = inspection_or_404(inspection_id)
    filters = _filters()
    found = findings.of_inspection(inspection, **filters)
    return render_template("views/inspections/findings.html", inspection=inspection, findings=found,
                           references=_references(found), filters=filters, rules=findings.RULES, states=FindingState,
                           show_endpoint="inspections.finding", list_endpoint="inspections.findings_list")


def _finding_form(inspection):
    form = FindingForm()
    sampled = inspections.sample_of(inspection)
    form.customer_id.choices = [("", "The provider as a whole")] + [
        (str(row.customer_id), f"Customer {row.customer.reference}") for row in sampled]
    form.rule.choices = [("", "Choose a rule")] + [(rule, f"{rule}: {label}") for rule, label in findings.RULES.items()]
    if request.method == "GET" and (customer := request.args.get("customer_id")):
        form.customer_id.data = customer
    return form


@bp.route("/inspections/<int:inspection_id>/findings/new", methods=["GET", "POST"])
@requires(Permission.INSPECT)
def new_finding(inspection_id):
    inspection = inspection_or_404(inspection_id)
    form = _finding_form(inspection)
    if form.validate_on_submit():
        if repeat := repeated_post(form, url_for("inspections.findings_list", inspection_id=inspection.id)):
            return repeat
        customer_id = form.customer_id.data
        try:
            finding = findings.raise_finding(
                inspection, customer_id=int(customer_id) if customer_id and customer_id.isdigit() else None,
                rule=form.rule.data, found=form.found.data, severity=form.severity.data,
                action_required=form.action_required.data, due_on=form.due_on.data, by=current_user, today=today_uk())
        except inspections.InspectionError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash("Finding recorded; the provider's managers have been emailed")
            return redirect(url_for("inspections.finding", inspection_id=inspection.id, finding_id=finding.id))
    status = 400 if form.errors else 200
    return render_template("views/inspections/new_finding.html", inspection=inspection, form=form), status


@bp.route("/inspections/<int:inspection_id>/findings/<int:finding_id>", methods=["GET", "POST"])
@requires(Permission.INSPECT)
def finding(inspection_id, finding_id):
    inspection = inspection_or_404(inspection_id)
    found = db.session.get(Finding, finding_id)
    if found is None or found.inspection_id != inspection.id:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            findings.decide(found, decision=form.decision.data, text=form.text.data, by=current_user)
        except inspections.InspectionError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash(f"Finding {found.state.label.lower()}")
            return redirect(url_for("inspections.finding", inspection_id=inspection.id, finding_id=found.id))
    status = 400 if form.errors else 200
    return render_template("views/inspections/finding.html", inspection=inspection, finding=found, form=form,
                           reference=_references([found]).get(found.customer_id), rules=findings.RULES,
                           may_decide=found.state == FindingState.ANSWERED and inspection.is_open), status


# The provider's managers answer ------------------------------------------------------------------

@bp.route("/findings/")
@requires(Permission.ANSWER_FINDINGS)
def provider_findings():
    filters = _filters()
    found = findings.of_organisation(current_user.organisation_id, **filters)
    return render_template("views/inspections/findings.html", inspection=None, findings=found,
                           references=_references(found), filters=filters, rules=findings.RULES, states=FindingState,
                           show_endpoint="inspections.provider_finding", list_endpoint="inspections.provider_findings")


@bp.route("/findings/<int:finding_id>", methods=["GET", "POST"])
@requires(Permission.ANSWER_FINDINGS)
def provider_finding(finding_id):
    found = findings.for_manager(current_user, finding_id)
    if found is None:
        abort(404)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            findings.answer(found, text=form.text.data, evidence_url=form.evidence_url.data, by=current_user)
        except inspections.InspectionError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash("Answer sent to the inspector")
            return redirect(url_for("inspections.provider_finding", finding_id=found.id))
    status = 400 if form.errors else 200
    return render_template("views/inspections/finding.html", inspection=found.inspection, finding=found, form=form,
                           reference=_references([found]).get(found.customer_id), rules=findings.RULES,
                           may_answer=found.state.awaits_provider and found.inspection.is_open), status
