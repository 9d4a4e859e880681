"""What is recorded against an agreed plan without re-signing it: progress (R-ISP-11) and the Work Choice
strands, DEA approvals and quality checks (R-WC-1). Routes of the `plans` blueprint."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import scope
from portal.extensions import db
from portal.permissions import Permission, has_permission, requires
from portal.progress_forms import ApprovalForm, ProgressForm, QualityCheckForm, StrandForm
from portal.services import plans, progress, strands
from portal.views.helpers import add_error, repeated_post
from portal.views.plan_reviews import _may_record, _plan_or_404, _uk_today
from portal.views.plans import bp, customer_name, version_or_404

KIND_TITLES = {"objective": "Record an objective achieved", "milestone": "Record a milestone passed"}


@bp.route("/<int:version_id>/progress/<kind>/<int:item_id>", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def record_progress(customer_id, version_id, kind, item_id):
    if kind not in progress.KINDS:
        abort(404)
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    item = progress.item_of(version, kind, item_id)
    if item is None:
        abort(404)
    if not _may_record(version.plan, customer) or version.organisation_id != current_user.organisation_id:
        abort(403)
    back = url_for("plans.version", customer_id=customer.id, version_id=version.id) + "#progress"
    form = ProgressForm()
    return _record(customer, form, back, lambda: progress.record(
        version, kind, item, done_on=form.done_on.data, note=form.note.data, by=current_user, today=_uk_today()),
        field="done_on", done="Progress recorded", title=KIND_TITLES[kind], subject=plans.row_label(item),
        caption=f"{customer_name(customer)}, plan version {version.number}")


def _form_page(customer, form, title, back, *, subject="", caption=""):
    status = 400 if form.errors else 200
    return render_template("views/plans/record.html", customer=customer, customer_name=customer_name(customer),
                           form=form, title=title, back=back, subject=subject, caption=caption), status


@bp.route("/<int:plan_id>/work-choice", methods=["GET"])
@requires(Permission.VIEW_PLAN)
def work_choice(customer_id, plan_id):
    customer = scope.customer_or_404(current_user, customer_id)
    plan = _plan_or_404(customer, plan_id)
    if not strands.has_strands(plan.programme):
        abort(404)
    today = _uk_today()
    may_record = has_permission(current_user, Permission.EDIT_PLAN) and _may_record(plan, customer)
    return render_template(
        "views/plans/work_choice.html", customer=customer, customer_name=customer_name(customer), plan=plan,
        history=strands.history(plan), current=strands.current(plan), approvals=strands.approvals(plan),
        clock=strands.transitional_clock(plan, today), next_check=strands.next_quality_check(plan),
        labels=strands.STRANDS, may_record=may_record, today=today,
        may_approve=has_permission(current_user, Permission.APPROVE_STRAND))


def _wc_plan(customer_id, plan_id, *, provider):
    customer = scope.customer_or_404(current_user, customer_id)
    plan = _plan_or_404(customer, plan_id)
    if not strands.has_strands(plan.programme):
        abort(404)
    if provider and not _may_record(plan, customer):
        abort(403)
    return customer, plan, url_for("plans.work_choice", customer_id=customer.id, plan_id=plan.id)


def _record(customer, form, back, write, *, field, done, title, subject="", caption=None):
    """The one shape of these forms: once-only, the service's refusal on the form, else back."""
    if form.validate_on_submit():
        if repeat := repeated_post(form, back):
            return repeat
        try:
            write()
        except plans.PlanError as error:
            db.session.rollback()
            add_error(form, error.field or field, str(error))
        else:
            flash(done)
            return redirect(back)
    return _form_page(customer, form, title, back, subject=subject,
                      caption=customer_name(customer) if caption is None else caption)


@bp.route("/<int:plan_id>/work-choice/strand", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def record_strand(customer_id, plan_id):
    customer, plan, back = _wc_plan(customer_id, plan_id, provider=True)
    form = StrandForm()
    return _record(customer, form, back, lambda: strands.record_start(
        plan, strand=form.strand.data, started_on=form.started_on.data, by=current_user, today=_uk_today()),
        field="strand", done="Strand recorded", title="Record a Work Choice strand")


@bp.route("/<int:plan_id>/work-choice/approval", methods=["GET", "POST"])
@requires(Permission.APPROVE_STRAND)
def approve_strand(customer_id, plan_id):
    customer, plan, back = _wc_plan(customer_id, plan_id, provider=False)
    form = ApprovalForm()
    return _record(customer, form, back, lambda: strands.approve(
        plan, approved_on=form.approved_on.data, note=form.note.data, by=current_user, today=_uk_today()),
        field="approved_on", done="Approval recorded", title="Approve a move to longer-term support")


@bp.route("/<int:plan_id>/work-choice/quality-check", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def record_quality_check(customer_id, plan_id):
    customer, plan, back = _wc_plan(customer_id, plan_id, provider=True)
    form = QualityCheckForm()
    return _record(customer, form, back, lambda: strands.record_quality_check(
        plan, checked_on=form.checked_on.data, outcome=form.outcome.data, by=current_user, today=_uk_today()),
        field="checked_on", done="Quality check recorded", title="Record a quality check of longer-term support")
