"""The work queue (R-REM-1): the adviser's home page; a manager's view of it by adviser, with reassignment;
and the reminder email preference."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import audit, data_access, scope
from portal.extensions import db
from portal.models import User
from portal.permissions import Permission, has_permission, requires
from portal.queue_forms import ReassignForm, ReminderForm
from portal.services import caseload as caseload_service
from portal.services import findings, reminders, work_queue

bp = Blueprint("queue", __name__)


@bp.route("/queue")
@requires(Permission.VIEW_CASELOAD)
def index():
    by_adviser = has_permission(current_user, Permission.ASSIGN_CASELOAD) and request.args.get("mine") != "1"
    items = work_queue.queue_items(current_user, everyone=by_adviser)
    names = data_access.visible_names(current_user, sorted({item.customer_id for item in items}))
    for item in items:
        item.name = names.get(item.customer_id, "")
    advisers = caseload_service.advisers_for(current_user) if by_adviser else []
    groups = _by_adviser(items, advisers) if by_adviser else []
    findings_waiting = (findings.awaiting_answer(current_user.organisation_id)
                        if has_permission(current_user, Permission.ANSWER_FINDINGS) else 0)
    html = render_template("views/queue/index.html", sections=work_queue.SECTIONS, rules=work_queue.by_rule(items),
                           total=len(items), by_adviser=by_adviser, groups=groups, advisers=advisers,
                           reassign_form=ReassignForm(formdata=None), findings_waiting=findings_waiting)
    if items:
        # R-DATA-7: a list of names is a view of DWP-held data; written after rendering (see caseload).
        audit.record_and_commit("caseload.listed", customer_ids=sorted(names),
                                detail={"through": "work_queue", "fields": ["name"]})
    return html


def _by_adviser(items, advisers):
    """[(adviser name, adviser id or None, by_rule(their items), each of their customers once)], unassigned first."""
    known = {adviser.id: adviser.name for adviser in advisers}
    ids = sorted({item.adviser_id for item in items}, key=lambda i: (i is not None, known.get(i, "")))
    groups = []
    for adviser_id in ids:
        theirs = [item for item in items if item.adviser_id == adviser_id]
        customers = list({item.referral_id: item for item in reversed(theirs)}.values())[::-1]
        groups.append((known.get(adviser_id, "Another adviser") if adviser_id else "No adviser assigned", adviser_id,
                       work_queue.by_rule(theirs), customers))
    return groups


@bp.route("/queue/referrals/<int:referral_id>/adviser", methods=["POST"])
@requires(Permission.ASSIGN_CASELOAD)
def reassign(referral_id):
    referral = scope.referral_or_404(current_user, referral_id)
    if referral.organisation_id != current_user.organisation_id:
        abort(404)
    form = ReassignForm()
    form.adviser.choices = [(str(a.id), a.name) for a in caseload_service.advisers_for(current_user)]
    if request.form.get("adviser") == "":
        flash("Choose the adviser to give the customer to")
        return redirect(url_for("queue.index"))
    if not form.validate_on_submit():
        abort(400)
    adviser = db.session.get(User, int(form.adviser.data))
    work_queue.reassign(referral, adviser, by=current_user)
    flash(f"{adviser.name} is now the adviser for {referral.customer.reference}")
    return redirect(url_for("queue.index"))


@bp.route("/account/reminders", methods=["GET", "POST"])
@requires(Permission.VIEW_CASELOAD)
def reminder_settings():
    form = ReminderForm()
    form.frequency.choices = list(reminders.FREQUENCIES.items())
    if form.validate_on_submit():
        reminders.set_frequency(current_user, form.frequency.data)
        flash({"off": "You will not get work-queue emails",
               "daily": "You will get an email of your work queue every day",
               "weekly": "You will get an email of your work queue once a week"}[form.frequency.data])
        return redirect(url_for("home.account"))
    if request.method == "GET":
        form.frequency.data = current_user.reminder_frequency
    status = 400 if request.method == "POST" else 200
    return render_template("views/queue/reminders.html", form=form), status
