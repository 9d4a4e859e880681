"""Clubs of programmes that run in cohorts (J2E job clubs, R-ELIG-3) and their group sessions."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import data_access
from portal.extensions import db
from portal.hours_forms import CohortForm, GroupSessionForm
from portal.models import Cohort
from portal.permissions import Permission, requires
from portal.services import cohorts, hours
from portal.views.helpers import add_error, repeated_post

bp = Blueprint("cohorts", __name__, url_prefix="/clubs")
UK = ZoneInfo("Europe/London")


def _today():
    return datetime.now(UK).date()


def _cohort_programmes():
    organisation = current_user.organisation
    return [p for p in (organisation.programmes if organisation else []) if cohorts.runs_in_cohorts(p)]


def _cohort_or_404(cohort_id):
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.organisation_id != current_user.organisation_id:
        abort(404)
    return cohort


@bp.route("/")
@requires(Permission.VIEW_CASELOAD)
def index():
    today = _today()
    first, last = cohorts.contract_year(today)
    years = [(programme, cohorts.cohorts_for_year(current_user.organisation, programme, today))
             for programme in _cohort_programmes()]
    return render_template("views/cohorts/index.html", years=years, first=first, last=last, today=today)


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_COHORTS)
def new():
    programmes = _cohort_programmes()
    if not programmes:
        abort(404)
    form = CohortForm()
    form.programme.choices = [(p.code, p.name) for p in programmes]
    if len(programmes) == 1 and not form.programme.data:
        form.programme.data = programmes[0].code
    if form.validate_on_submit():
        if repeat := repeated_post(form, url_for("cohorts.index")):
            return repeat
        programme = next(p for p in programmes if p.code == form.programme.data)
        try:
            cohort = cohorts.new_cohort(current_user.organisation, programme, starts_on=form.starts_on.data,
                                        name=form.name.data, by=current_user, today=_today())
            db.session.commit()
        except cohorts.CohortError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash(f"{cohort.name} created: {cohort.capacity} places")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return render_template("views/cohorts/new.html", form=form)


@bp.route("/<int:cohort_id>")
@requires(Permission.VIEW_CASELOAD)
def show(cohort_id):
    cohort = _cohort_or_404(cohort_id)
    referrals = cohorts.members(cohort)
    names = data_access.visible_names(current_user, [r.customer_id for r in referrals])
    return render_template("views/cohorts/show.html", cohort=cohort, referrals=referrals, names=names)


@bp.route("/<int:cohort_id>/session", methods=["GET", "POST"])
@requires(Permission.RECORD_HOURS)
def group_session(cohort_id):
    cohort = _cohort_or_404(cohort_id)
    referrals = cohorts.members(cohort)
    names = data_access.visible_names(current_user, [r.customer_id for r in referrals])
    form = GroupSessionForm()
    form.attendees.choices = [(r.id, names.get(r.customer_id) or r.customer.reference) for r in referrals]
    if form.validate_on_submit():
        if repeat := repeated_post(form, url_for("cohorts.show", cohort_id=cohort.id)):
            return repeat
        try:
            attended = cohorts.record_group_session(
                cohort, by=current_user, on=form.on.data, activity=form.activity.data, quarters=form.quarters,
                description=form.description.data, attendee_ids=form.attendees.data, today=_today())
            db.session.commit()
        except hours.HoursError as error:
            db.session.rollback()
            for field, message in error.problems:
                add_error(form, field if field in ("on", "hours", "description", "attendees") else "attendees", message)
        else:
            flash(f"Session recorded for {len(attended)} {'person' if len(attended) == 1 else 'people'}")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return render_template("views/cohorts/session.html", cohort=cohort, form=form)
