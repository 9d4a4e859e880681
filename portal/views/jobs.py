"""A customer's jobs (R-OUT-1, R-HRS-6): record, change and end a job, and the hours worked each week.
Routes of the `hours` blueprint: a job belongs to the referral whose weekly record it sits beside."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.hours_forms import WorkedWeekForm
from portal.job_forms import ChangeJobForm, EndJobForm, NewJobForm
from portal.models import InWorkJob
from portal.permissions import Permission, requires
from portal.services import hours, hours_rules, jobs
from portal.views.helpers import add_error, repeated_post
from portal.views.hours import _name, _open_or_403, _referral_or_404, _today, bp

BELOW_MINIMUM_WAGE = ("The hourly pay is below the minimum wage for the date: check it with the customer "
                      "and the employer (the job's page says which rate)")


def _job_or_404(referral, job_id):
    job = db.session.get(InWorkJob, job_id)
    if job is None or job.referral_id != referral.id:
        abort(404)
    return job


def _index(referral):
    return url_for("hours.index", customer_id=referral.customer_id, referral_id=referral.id)


def _facts(form, unsupported_from=None):
    return jobs.JobFacts(
        employer_name=form.employer_name.data, employer_staff=form.employer_staff.data, job_title=form.job_title.data,
        started_on=form.started_on.data, contracted_quarters=form.contracted_quarters,
        hourly_pay_pence=form.hourly_pay_pence, supported=form.supported.data == "yes",
        unsupported_from=unsupported_from)


def _show(form, error):
    for field, message in error.problems:
        add_error(form, field, message)


def _saved(referral, job, message):
    """R-OUT-1: pay below the minimum wage is a warning, never a block."""
    flags = jobs.pay_flags(current_user, referral.customer_id, [job], _today())
    db.session.commit()
    flash(f"{message}. {BELOW_MINIMUM_WAGE}." if flags.for_job(job) else f"{message}.")
    return redirect(_index(referral))


def _render(template, referral, form, status=None, **context):
    status = status or (400 if form.errors else 200)
    return render_template(template, referral=referral, customer_name=_name(referral), form=form, **context), status


@bp.route("/job/new", methods=["GET", "POST"])
@requires(Permission.RECORD_HOURS)
def new_job(customer_id, referral_id):
    referral = _open_or_403(_referral_or_404(customer_id, referral_id))
    form = NewJobForm()
    if form.validate_on_submit():
        if repeat := repeated_post(form, _index(referral)):
            return repeat
        try:
            job = jobs.record_job(referral, _facts(form), by=current_user, today=_today())
        except jobs.JobError as error:
            db.session.rollback()
            _show(form, error)
        else:
            return _saved(referral, job, "Job recorded. Record the hours worked each week")
    return _render("views/hours/new_job.html", referral, form)


@bp.route("/job/<int:job_id>/change", methods=["GET", "POST"])
@requires(Permission.RECORD_HOURS)
def change_job(customer_id, referral_id, job_id):
    referral = _open_or_403(_referral_or_404(customer_id, referral_id))
    job = _job_or_404(referral, job_id)
    form = ChangeJobForm()
    if request.method == "GET":
        form.employer_name.data, form.employer_staff.data, form.job_title.data = (
            job.employer_name, job.employer_staff, job.job_title)
        form.started_on.data, form.unsupported_from.data = job.started_on, job.unsupported_from
        if job.contracted_quarters is not None:
            form.contracted_hours.data = hours_rules.hours_text(job.contracted_quarters)
        if job.hourly_pay_pence is not None:
            form.hourly_pay.data = f"{job.hourly_pay_pence / 100:.2f}"
        form.supported.data = {True: "yes", False: "no"}.get(job.supported)
    elif form.validate_on_submit():
        try:
            jobs.change_job(job, _facts(form, form.unsupported_from.data), by=current_user, today=_today(),
                            reason=form.reason.data)
        except jobs.JobError as error:
            db.session.rollback()
            _show(form, error)
        else:
            return _saved(referral, job, "Job changed")
    return _render("views/hours/change_job.html", referral, form, job=job)


@bp.route("/job/<int:job_id>/end", methods=["GET", "POST"])
@requires(Permission.RECORD_HOURS)
def end_job(customer_id, referral_id, job_id):
    referral = _open_or_403(_referral_or_404(customer_id, referral_id))
    job = _job_or_404(referral, job_id)
    if job.ended_on is not None:
        abort(409)
    form = EndJobForm()
    if form.validate_on_submit():
        try:
            jobs.end_job(job, ended_on=form.ended_on.data, reason=form.reason.data, by=current_user, today=_today())
            db.session.commit()
        except jobs.JobError as error:
            db.session.rollback()
            _show(form, error)
        else:
            flash("Job ended")
            return redirect(_index(referral))
    return _render("views/hours/end_job.html", referral, form, job=job)


@bp.route("/job/<int:job_id>/weeks", methods=["GET", "POST"])
@requires(Permission.RECORD_HOURS)
def worked_week(customer_id, referral_id, job_id):
    referral = _open_or_403(_referral_or_404(customer_id, referral_id))
    job = _job_or_404(referral, job_id)
    today = _today()
    form = WorkedWeekForm()
    form.week.choices = [(m.isoformat(), f"Week from {m.strftime('%-d %B %Y')}")
                         for m in hours.worked_week_choices(job, today)]
    if form.validate_on_submit():
        try:
            hours.record_worked_week(job, by=current_user, monday=date.fromisoformat(form.week.data),
                                     quarters=form.quarters, reason=form.reason.data, today=today)
            db.session.commit()
        except hours.HoursError as error:
            db.session.rollback()
            _show(form, error)
        else:
            flash("Hours worked saved")
            return redirect(_index(referral))
    return _render("views/hours/worked_week.html", referral, form, job=job)
