"""A customer's page and the changes a provider makes to their referral (R-REF-1, R-ELIG-2)."""
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms import SelectField

from portal import audit, data_access, scope
from portal.extensions import db
from portal.forms import ConfirmForm, EndingForm, StartForm, StatusChangeForm, TransferForm
from portal.hours_forms import CircumstanceForm
from portal.models import Cohort, Referral, ReferralStatus, ReferralTransition, User
from portal.permissions import Permission, has_permission, requires
from portal.services import caseload as caseload_service
from portal.services import cohorts, copies, exit_reasons, jobs, organisations, referrals
from portal.views.helpers import add_error

bp = Blueprint("customers", __name__, url_prefix="/customers")
UK = ZoneInfo("Europe/London")

# The status changes a provider records, with what the page says about each.
ACTIONS = {
    "start": (ReferralStatus.STARTED, "Record that the customer has started", "Start date"),
    "complete": (ReferralStatus.COMPLETED, "Record that the customer has completed the programme", "Completion date"),
    "exit": (ReferralStatus.EXITED_EARLY, "Record an early exit", "Date they left"),
}


# What the customer page shows of each referral, with the referrals rather than a lazy load each (issue 18).
# Of the adviser and of who recorded each change the page shows the name only.
REFERRAL_PAGE_LOADS = (joinedload(Referral.programme), joinedload(Referral.adviser).load_only(User.name),
                       joinedload(Referral.transitions).joinedload(ReferralTransition.recorded_by).load_only(User.name))

# The links to record a status change that a referral in each status offers, worked out once.
_ACTION_LINKS = {
    status: [(action, text) for action, text in (("start", "Record start"), ("complete", "Record completion"),
                                                 ("exit", "Record early exit"))
             if ACTIONS[action][0] in referrals.TRANSITIONS.get(status, ())]
    for status in ReferralStatus
}

# What the page offers by permission, asked once a page rather than once a referral (issue 18).
_PAGE_PERMISSIONS = (Permission.VIEW_PLAN, Permission.RECORD_CONSENT, Permission.VIEW_ACCESS_LOG,
                     Permission.EXPORT_SUBJECT_ACCESS, Permission.CHANGE_REFERRAL_STATUS, Permission.VIEW_HOURS,
                     Permission.TRANSFER_REFERRAL, Permission.CONFIRM_ELIGIBILITY, Permission.ASSIGN_CASELOAD,
                     Permission.ASSIGN_SUBCONTRACTOR)


@bp.route("/<int:customer_id>")
@requires(Permission.VIEW_CUSTOMER)
def show(customer_id):
    user = current_user._get_current_object()
    may = {permission.value: has_permission(user, permission) for permission in _PAGE_PERMISSIONS}
    customer, customer_referrals = scope.customer_and_referrals_or_404(user, customer_id, REFERRAL_PAGE_LOADS)
    programme_ids = data_access.programmes_of_referrals(user, customer_referrals)
    record = data_access.visible_record(user, customer, programme_ids)
    advisers = caseload_service.advisers_for(user) if may["assign_caseload"] else []
    subcontractors = user.organisation.subcontractors if may["assign_subcontractor"] else []
    earlier, earlier_fields = data_access.earlier_referrals(user, customer.id, programme_ids)
    dwp_versions = data_access.record_history(customer.id) if user.role.is_dwp else []
    html = render_template("views/customers/show.html", customer=customer, record=record,
                           referrals=customer_referrals, action_links=_ACTION_LINKS, may=may,
                           own_organisation_id=user.organisation_id,
                           advisers=advisers, subcontractors=subcontractors,
                           plan_copies=_plan_copies(user, customer) if may["view_plan"] else [],
                           earlier=earlier, earlier_fields=earlier_fields, dwp_versions=dwp_versions,
                           **_jobs_and_outcomes(user, customer, customer_referrals))
    # R-DATA-7: every view of DWP-held data is audited with the fields shown (after rendering, so the
    # commit does not expire what the page still reads).
    audit.record_and_commit("customer.viewed", customer_id=customer.id,
                            detail={"through": "page", "fields": record.shown + (earlier_fields if earlier else [])})
    return html


@bp.route("/<int:customer_id>/subject-access.zip")
@requires(Permission.EXPORT_SUBJECT_ACCESS)
def subject_access(customer_id):
    """Everything the portal holds about the customer (UK GDPR Art. 15), audited."""
    from flask import send_file

    from portal.services import subject_access as sar

    customer = scope.customer_or_404(current_user, customer_id)
    data, _manifest = sar.export(customer)
    db.session.commit()
    response = send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
                         download_name=f"subject-access-{customer.reference}.zip")
    response.headers["Cache-Control"] = "no-store"
    return response


def _jobs_and_outcomes(user, customer, customer_referrals):
    """R-OUT-1: each started referral's jobs, the minimum wage flag and the outcome events derived from them
    (the page shows them for a started referral only; a job is recorded after the start)."""
    referral_jobs, events = jobs.jobs_and_events_for([r.id for r in customer_referrals if r.started_on])
    flags = jobs.pay_flags(user, customer.id, [j for js in referral_jobs.values() for j in js],
                           datetime.now(UK).date())
    return {"referral_jobs": referral_jobs, "pay_flags": flags, "events": events}


def _plan_copies(user, customer):
    """R-SIGN-2: for each plan, its agreed version and whether the customer has been given a copy of it."""
    own = user.organisation.prime_id if user.is_subcontractor_staff else user.organisation_id
    return [row for row in copies.current_copies(customer.id)
            if not user.role.is_provider or row.organisation_id == own]


def _referral_for(customer_id, referral_id):
    referral = scope.referral_or_404(current_user, referral_id)
    if referral.customer_id != customer_id:
        abort(404)
    return referral


@bp.route("/<int:customer_id>/referrals/<int:referral_id>/<any(start, complete, exit):action>", methods=["GET", "POST"])
@requires(Permission.CHANGE_REFERRAL_STATUS)
def change_status(customer_id, referral_id, action):
    referral = _referral_for(customer_id, referral_id)
    to_status, heading, date_label = ACTIONS[action]
    in_cohorts = action == "start" and cohorts.runs_in_cohorts(referral.programme)
    form = StartForm() if in_cohorts else (StatusChangeForm() if action == "start" else EndingForm())
    if action != "start":
        # R-EXIT-1: the list is the rows of `exit_reason`, so a new row is a new choice.
        form.reason_code.choices = [(r.code, r.label) for r in exit_reasons.active_reasons()
                                    if r.code != exit_reasons.TRANSFERRED]
    if in_cohorts:
        form.cohort.choices = [("", "Choose a club")] + [
            (str(c.id), f"{c.name} ({c.capacity - c.places_taken} of {c.capacity} places free)")
            for c in cohorts.cohorts_with_places(referral)]
    form.effective_on.label.text = date_label
    if action == "exit":
        form.reason_code.label.text = "Why did they leave?"
    if form.validate_on_submit():
        try:
            referrals.change_status(referral, to_status, by=current_user, effective_on=form.effective_on.data,
                                    reason=form.reason.data, reason_code=getattr(form, "reason_code", None)
                                    and form.reason_code.data,
                                    cohort=_chosen_cohort(form) if in_cohorts else None)
            db.session.commit()
        except referrals.ReferralError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash(f"Referral is now {to_status.label.lower()}")
            return redirect(url_for("customers.show", customer_id=customer_id))
    name = data_access.visible_names(current_user, [customer_id]).get(customer_id, "")
    return render_template("views/customers/change_status.html", form=form, heading=heading, referral=referral,
                           customer_name=name, action=action)


def _chosen_cohort(form):
    return db.session.get(Cohort, int(form.cohort.data)) if (form.cohort.data or "").isdigit() else None


@bp.route("/<int:customer_id>/referrals/<int:referral_id>/transfer", methods=["GET", "POST"])
@requires(Permission.TRANSFER_REFERRAL)
def transfer(customer_id, referral_id):
    referral = _referral_for(customer_id, referral_id)
    form = TransferForm()
    form.effective_on.label.text = "Transfer date"
    form.reason.label.text = "Why is the customer moving provider?"
    form.organisation.choices = [("", "Choose a provider")] + [
        (str(o.id), o.name) for o in organisations.providers()
        if referral.programme in o.programmes and o.id != referral.organisation_id and not o.is_subcontractor
    ]
    if form.validate_on_submit():
        from portal.models import Organisation

        receiving = db.session.get(Organisation, int(form.organisation.data))
        try:
            referrals.transfer(referral, to_organisation=receiving, by=current_user,
                               effective_on=form.effective_on.data, reason=form.reason.data)
            db.session.commit()
        except referrals.ReferralError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash(f"Customer transferred to {receiving.name}")
            if scope.customer_or_none(current_user, customer_id):
                return redirect(url_for("customers.show", customer_id=customer_id))
            return redirect(url_for("home.index"))
    name = data_access.visible_names(current_user, [customer_id]).get(customer_id, "")
    return render_template("views/customers/transfer.html", form=form, referral=referral, customer_name=name)


@bp.route("/<int:customer_id>/referrals/<int:referral_id>/adviser", methods=["POST"])
@requires(Permission.ASSIGN_CASELOAD)
def assign_adviser(customer_id, referral_id):
    referral = _referral_for(customer_id, referral_id)

    class AssignForm(ConfirmForm):
        adviser = SelectField(choices=[(str(a.id), a.name) for a in caseload_service.advisers_for(current_user)])

    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    adviser = db.session.get(User, int(form.adviser.data))
    if referral.organisation_id != current_user.organisation_id:
        abort(404)
    referral.adviser_id = adviser.id
    audit.record("referral.adviser_assigned", customer_id=customer_id, subject_type="referral",
                 subject_id=referral.id, detail={"adviser_id": adviser.id})
    db.session.commit()
    flash(f"{adviser.name} is now the adviser")
    return redirect(url_for("customers.show", customer_id=customer_id))


@bp.route("/<int:customer_id>/referrals/<int:referral_id>/subcontractor", methods=["POST"])
@requires(Permission.ASSIGN_SUBCONTRACTOR)
def assign_subcontractor(customer_id, referral_id):
    """R-DATA-6: the prime decides which customers its sub-contractor may see."""
    referral = _referral_for(customer_id, referral_id)
    if referral.organisation_id != current_user.organisation_id:
        abort(404)
    choices = {str(o.id): o for o in current_user.organisation.subcontractors}

    class AssignForm(ConfirmForm):
        subcontractor = SelectField(choices=[("", "None")] + [(key, o.name) for key, o in choices.items()])

    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = choices.get(form.subcontractor.data)
    referral.subcontractor_id = chosen.id if chosen else None
    audit.record("referral.subcontractor_assigned" if chosen else "referral.subcontractor_removed",
                 customer_id=customer_id, subject_type="referral", subject_id=referral.id,
                 detail={"subcontractor_id": chosen.id if chosen else None})
    db.session.commit()
    flash(f"{chosen.name} can now see this customer" if chosen else "No sub-contractor is assigned now")
    return redirect(url_for("customers.show", customer_id=customer_id))


@bp.route("/<int:customer_id>/referrals/<int:referral_id>/circumstances", methods=["GET", "POST"])
@requires(Permission.CHANGE_REFERRAL_STATUS)
def circumstances(customer_id, referral_id):
    """R-ELIG-2: a change of circumstances before or after the start, and what follows."""
    referral = _referral_for(customer_id, referral_id)
    if not referral.status.is_open:
        abort(404)
    form = CircumstanceForm()
    if form.validate_on_submit():
        try:
            cohorts.record_circumstance_change(referral, kind=form.kind.data, changed_on=form.changed_on.data,
                                               decision=form.decision.data, note=form.note.data, by=current_user,
                                               today=datetime.now(UK).date())
            db.session.commit()
        except (cohorts.CohortError, referrals.ReferralError) as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash("Change of circumstances recorded")
            return redirect(url_for("customers.show", customer_id=customer_id))
    name = data_access.visible_names(current_user, [customer_id]).get(customer_id, "")
    return render_template("views/customers/circumstances.html", form=form, referral=referral, customer_name=name)
