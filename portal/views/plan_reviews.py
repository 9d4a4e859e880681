"""A plan's reviews (R-ISP-5) and distance travelled (R-ISP-6). Routes of the `plans` blueprint."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import scope
from portal.charts import distance_chart
from portal.extensions import db
from portal.permissions import Permission, has_permission, requires
from portal.plan_forms import ReviewForm, assessment_form
from portal.services import plans
from portal.views.helpers import add_error, repeated_post
from portal.views.plans import bp, customer_name, visible_versions


def _plan_or_404(customer, plan_id):
    plan = next((p for p in plans.plans_for(customer.id) if p.id == plan_id), None)
    if plan is None or not visible_versions(current_user, customer, plan):
        abort(404)
    return plan


def _may_record(plan, customer, referrals=None):
    """`referrals`: the user's referrals in scope for the customer, when the caller has read them."""
    if referrals is None:
        referrals = scope.referrals_in_scope(current_user, customer)
    return any(r.programme_id == plan.programme_id and r.status.is_open
               and r.organisation_id == current_user.organisation_id
               for r in referrals) and not current_user.is_subcontractor_staff


def _uk_today():
    return datetime.now(ZoneInfo("Europe/London")).date()


@bp.route("/<int:plan_id>/reviews", methods=["GET", "POST"])
@requires(Permission.VIEW_PLAN)
def reviews(customer_id, plan_id):
    customer = scope.customer_or_404(current_user, customer_id)
    plan = _plan_or_404(customer, plan_id)
    may_record = has_permission(current_user, Permission.EDIT_PLAN) and _may_record(plan, customer)
    form = ReviewForm() if may_record else None
    if request.method == "POST":
        if not may_record:
            abort(403)
        if form.validate_on_submit():
            if repeat := repeated_post(form, url_for("plans.reviews", customer_id=customer.id, plan_id=plan.id)):
                return repeat
            try:
                plans.record_review(plan, by=current_user, held_on=form.held_on.data,
                                    participants=form.participants.data, what_changed=form.what_changed.data,
                                    next_review_on=form.next_review_on.data, today=_uk_today())
            except plans.PlanError as error:
                db.session.rollback()
                add_error(form, error.field, str(error))
            else:
                flash("Review recorded")
                return redirect(url_for("plans.reviews", customer_id=customer.id, plan_id=plan.id))
    from portal.services import progress  # R-ISP-11: reviews read progress against the plan

    return render_template("views/plans/reviews.html", customer=customer, customer_name=customer_name(customer), plan=plan,
                           form=form, today=_uk_today(), progress_lines=progress.lines(plans.current_version(plan)))


@bp.route("/<int:plan_id>/distance", methods=["GET", "POST"])
@requires(Permission.VIEW_PLAN)
def distance(customer_id, plan_id):
    customer = scope.customer_or_404(current_user, customer_id)
    plan = _plan_or_404(customer, plan_id)
    domains = plans.domains_for(plan.programme_id)
    may_record = has_permission(current_user, Permission.EDIT_PLAN) and _may_record(plan, customer)
    form = assessment_form(domains) if may_record else None
    if request.method == "POST":
        if not may_record:
            abort(403)
        if form.validate_on_submit():
            if repeat := repeated_post(form, url_for("plans.distance", customer_id=customer.id, plan_id=plan.id)):
                return repeat
            scores = {d.id: getattr(form, f"domain_{d.id}").data for d in domains}
            try:
                plans.record_assessment(plan, by=current_user, assessed_on=form.assessed_on.data,
                                        label=form.label.data, scores=scores, today=_uk_today())
            except plans.PlanError as error:
                db.session.rollback()
                add_error(form, error.field, str(error))
            else:
                flash("Scores saved")
                return redirect(url_for("plans.distance", customer_id=customer.id, plan_id=plan.id))
    domains, rows = plans.distance_table(plan)
    return render_template("views/plans/distance.html", customer=customer, customer_name=customer_name(customer), plan=plan,
                           form=form, domains=domains, rows=rows, chart=distance_chart(domains, rows))
