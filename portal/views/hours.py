"""The weekly record of support and participation (DOMAIN §6): a customer's weeks, one week, its changes."""
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from portal import audit, data_access, hours_form_html, scope
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.csv_export import csv_response
from portal.hours_forms import (
    ChangeHoursEntryForm, HoursEntryForm, HoursRangeForm, RemoveHoursEntryForm,
)
from portal.models import HoursEntry, Source
from portal.permissions import Permission, has_permission, requires
from portal.services import hours, hours_rules, jobs, outcomes
from portal.views.helpers import add_error, repeated_post

bp = Blueprint("hours", __name__, url_prefix="/customers/<int:customer_id>/referrals/<int:referral_id>/hours")
UK = ZoneInfo("Europe/London")


def _today():
    return datetime.now(UK).date()


def _referral_or_404(customer_id, referral_id):
    referral = scope.referral_or_404(current_user, referral_id)
    if referral.customer_id != customer_id:
        abort(404)
    return referral


def _open_or_403(referral):
    """A referral that has ended is kept read-only by its provider (R-REF-1, issue 12 finding 5)."""
    if not referral.status.is_open:
        abort(403)
    return referral


def _week_or_404(week):
    monday = hours_rules.parse_week(week)
    if monday is None:
        abort(404)
    return monday


def _entry_or_404(referral, entry_id):
    """An entry of this referral that the user may change (403 for another organisation's, finding 6)."""
    entry = db.session.get(HoursEntry, entry_id)
    if entry is None or entry.referral_id != referral.id or entry.removed_at is not None:
        abort(404)
    if not hours.may_change(entry, current_user):
        abort(403)
    return entry


def _name(referral):
    return data_access.visible_names(current_user, [referral.customer_id]).get(referral.customer_id, "")


def _prepare(form, referral, monday, today):
    days = [d for d in hours_rules.week_days(monday) if d <= today] or [monday]
    form.on.choices = [(d.isoformat(), d.strftime("%A %-d %B")) for d in days]
    form.objective.choices = [("", "Choose an objective")] + [
        (str(i), label) for i, label in hours.objective_choices(referral, monday)]
    if request.method == "GET" and current_user.is_subcontractor_staff and not form.source.data:
        form.source.data = Source.SUBCONTRACTOR.value


def _facts(form):
    source_name = form.source_name.data
    if current_user.is_subcontractor_staff and form.source.data == Source.SUBCONTRACTOR.value and not source_name:
        source_name = current_user.organisation.name
    return hours.EntryFacts(
        on=date.fromisoformat(form.on.data), activity=form.activity.data, source=form.source.data,
        source_name=source_name, objective_id=int(form.objective.data) if form.objective.data else None,
        mode=form.mode.data, quarters=form.quarters, description=form.description.data or "")


def _show_problems(form, error):
    for field, message in error.problems:
        add_error(form, field, message)


@bp.route("/")
@requires(Permission.VIEW_HOURS)
def index(customer_id, referral_id):
    referral = _referral_or_404(customer_id, referral_id)
    today = _today()
    job, sep = hours.small_employer_payment(referral, today)
    referral_jobs = jobs.jobs_for([referral.id])[referral.id]
    flags = jobs.pay_flags(current_user, referral.customer_id, referral_jobs, today)
    html = render_template("views/hours/index.html", referral=referral, customer_name=_name(referral),
                           weeks=hours.week_summaries(referral, today), this_week=hours_rules.week_start(today),
                           job=job, sep=sep, sources=Source, jobs=referral_jobs, pay_flags=flags,
                           events=outcomes.events_for_referral(referral.id))
    db.session.commit()  # the audit of reading the date of birth for the minimum wage check, if any (R-DATA-7)
    return html


@bp.route("/<week>")
@requires(Permission.VIEW_HOURS)
def week(customer_id, referral_id, week):
    referral = _referral_or_404(customer_id, referral_id)
    monday = _week_or_404(week)
    form = HoursEntryForm()
    _prepare(form, referral, monday, _today())
    return _render_week(referral, monday, form)


@bp.route("/<week>", methods=["POST"])
@requires(Permission.RECORD_HOURS)
def add(customer_id, referral_id, week):
    referral = _open_or_403(_referral_or_404(customer_id, referral_id))
    monday = _week_or_404(week)
    today = _today()
    form = HoursEntryForm()
    _prepare(form, referral, monday, today)
    saved, esa = False, None
    week_url = url_for("hours.week", customer_id=customer_id, referral_id=referral_id, week=week)
    if form.validate_on_submit():
        # R-HRS-4: the same form posted twice (a double click, a retry) records one activity.
        if repeat := repeated_post(form, week_url):
            return repeat
        saved, esa = _save(form, referral, lambda confirmed: hours.record_entry(
            referral, _facts(form), by=current_user, monday=monday, today=today, esa_confirmed=confirmed))
    if saved:
        flash("Activity added")
        return redirect(week_url)
    return _render_week(referral, monday, form, esa=esa)


def _save(form, referral, action):
    """Run a change and commit it; on a broken rule show it on the form, on a long week ask first
    (R-HRS-5). Returns (saved, the NeedsEsaConfirmation to show or None)."""
    try:
        action(form.esa_confirmed.data == "yes")
        db.session.commit()
    except hours.HoursError as error:
        db.session.rollback()
        _show_problems(form, error)
    except hours.NeedsEsaConfirmation as warning:
        db.session.rollback()
        if warning.names_benefit:  # the rollback took the audit of reading the benefit with it (R-DATA-7)
            hours.audit_esa_check(referral.customer_id)
            db.session.commit()
        form.esa_confirmed.data = "yes"
        return False, warning
    else:
        return True, None
    return False, None


def _render_week(referral, monday, form, esa=None, status=200):
    user = current_user._get_current_object()  # once, not a proxy lookup per entry
    table = hours.week_table(referral, monday)
    today = _today()
    return render_template(
        "views/hours/week.html", referral=referral, customer_name=_name(referral), monday=monday,
        entries=table.entries, by_day=table.by_day,
        changeable={e.id for e in table.entries if hours.may_change(e, user)},
        week_total=sum(table.day_totals.values()),
        day_totals_json=json.dumps({day.isoformat(): quarters for day, quarters in table.day_totals.items()}),
        previous=monday - timedelta(days=7), next=monday + timedelta(days=7), today=today, form=form,
        esa=esa, amendments=table.amendments, copy_form=ConfirmForm(), fields=hours_form_html,
        # The change and remove links of each entry: this prefix and "<id>/change" (one url_for, not two an entry).
        entries_url=url_for("hours.index", customer_id=referral.customer_id, referral_id=referral.id) + "entries/",
        past_week=monday < hours_rules.week_start(today),
        may_record=has_permission(user, Permission.RECORD_HOURS) and referral.status.is_open,
    ), status


@bp.route("/<week>/copy-previous", methods=["POST"])
@requires(Permission.RECORD_HOURS)
def copy_previous(customer_id, referral_id, week):
    referral = _open_or_403(_referral_or_404(customer_id, referral_id))
    monday = _week_or_404(week)
    if ConfirmForm().validate_on_submit():
        try:
            copied, left = hours.copy_previous_week(referral, monday, by=current_user, today=_today())
        except hours.HoursError as error:
            db.session.rollback()
            flash(str(error))
        else:
            db.session.commit()
            message = f"{copied} {'activity' if copied == 1 else 'activities'} copied from last week"
            if left:
                message += (f"; {left} could not be copied (a future day, an objective no longer in the plan, or more "
                            "than 16 hours in the week, which needs checking with the customer first)")
            flash(message)
    return redirect(url_for("hours.week", customer_id=customer_id, referral_id=referral_id, week=week))


@bp.route("/entries/<int:entry_id>/change", methods=["GET", "POST"])
@requires(Permission.RECORD_HOURS)
def change(customer_id, referral_id, entry_id):
    referral = _open_or_403(_referral_or_404(customer_id, referral_id))
    entry = _entry_or_404(referral, entry_id)
    form = ChangeHoursEntryForm(obj=None)
    today = _today()
    _prepare(form, referral, entry.week_start, today)
    if request.method == "GET":
        form.on.data = entry.on.isoformat()
        form.activity.data, form.source.data, form.mode.data = entry.activity.value, entry.source.value, entry.mode.value
        form.source_name.data = entry.source_name
        form.objective.data = str(entry.objective_id) if entry.objective_id else ""
        form.hours.data = hours_rules.hours_text(entry.quarters)
        form.description.data = entry.description
        form.lock_version.data = str(entry.lock_version)
    esa, status = None, 200
    if form.validate_on_submit():
        saved = False
        try:
            if form.lock_version.data != str(entry.lock_version):
                raise StaleDataError()
            saved, esa = _save(form, referral, lambda confirmed: hours.change_entry(
                entry, _facts(form), by=current_user, today=today, reason=form.reason.data, esa_confirmed=confirmed))
        except StaleDataError:
            db.session.rollback()
            add_error(form, "description", "Someone else changed this activity while you were editing it. "
                                           "Your changes are below; check the activity and save again.")
            form.lock_version.data = str(entry.lock_version)
            status = 409
        if saved:
            flash("Activity changed")
            return redirect(url_for("hours.week", customer_id=customer_id, referral_id=referral_id,
                                    week=entry.week_start.isoformat()))
    return render_template("views/hours/change.html", referral=referral, customer_name=_name(referral), entry=entry,
                           form=form, esa=esa, fields=hours_form_html,
                           past_week=hours.is_past_week(entry, today)), status


@bp.route("/entries/<int:entry_id>/remove", methods=["GET", "POST"])
@requires(Permission.RECORD_HOURS)
def remove(customer_id, referral_id, entry_id):
    referral = _open_or_403(_referral_or_404(customer_id, referral_id))
    entry = _entry_or_404(referral, entry_id)
    form = RemoveHoursEntryForm()
    today = _today()
    if form.validate_on_submit():
        try:
            hours.remove_entry(entry, by=current_user, today=today, reason=form.reason.data)
            db.session.commit()
        except hours.HoursError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            flash("Activity removed; the week keeps a record of it")
            return redirect(url_for("hours.week", customer_id=customer_id, referral_id=referral_id,
                                    week=entry.week_start.isoformat()))
    return render_template("views/hours/remove.html", referral=referral, customer_name=_name(referral), entry=entry,
                           form=form, past_week=hours.is_past_week(entry, today))


@bp.route("/summary")
@requires(Permission.VIEW_HOURS)
def summary(customer_id, referral_id):
    referral = _referral_or_404(customer_id, referral_id)
    form = HoursRangeForm(formdata=None)
    form.first_day.data, form.last_day.data = referral.started_on, _today()
    return render_template("views/hours/summary.html", referral=referral, customer_name=_name(referral),
                           summary=hours.summary(referral), sources=Source, range_form=form, fields=hours_form_html)


@bp.route("/export.csv")
@requires(Permission.VIEW_HOURS)
def export(customer_id, referral_id):
    """A customer's activities for a date range. The name comes through the data-access policy (R-DATA-1)."""
    referral = _referral_or_404(customer_id, referral_id)
    form = HoursRangeForm(formdata=request.args)
    if not form.validate():
        return render_template("views/hours/summary.html", referral=referral, customer_name=_name(referral),
                               summary=hours.summary(referral), sources=Source, range_form=form, form=form,
                               fields=hours_form_html), 400
    name = _name(referral)
    entries = hours.entries_between([referral.id], form.first_day.data, form.last_day.data,
                                    limit=current_app.config["EXPORT_LIMIT"])
    audit.record_and_commit("hours.exported", customer_ids=[referral.customer_id],
                            detail={"through": "export", "fields": ["name"] if name else [],
                                    "from": form.first_day.data.isoformat(), "to": form.last_day.data.isoformat()})
    header = ["Reference", "Name", "Date", "Week from", "Activity", "Delivered by", "Organisation", "Objective",
              "How", "Hours", "What was done", "Entered by"]
    rows = [[referral.customer.reference, name, e.on.isoformat(), e.week_start.isoformat(), e.activity.label,
             e.source.label, e.source_name or "", e.objective.what if e.objective else "", e.mode.label,
             hours_rules.hours_text(e.quarters), e.description, e.entered_by_organisation.name] for e in entries]
    return csv_response(f"hours-{referral.customer.reference}.csv", header, rows)
