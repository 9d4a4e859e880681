"""A customer's Individual Support Plan: task list, sections, items, versions and comparison.

Signing is in `plan_signing`, reviews and distance travelled in `plan_reviews`: routes of this blueprint."""
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from portal import data_access, scope
from portal.extensions import db
from portal.models import Plan, PlanVersion, ReferralStatus, Signature, SupportItem, VersionStatus
from portal.permissions import Permission, requires
from portal.plan_forms import ITEM_FORMS, SECTION_FORMS, YES_NO_FIELDS, LockForm, ReasonForm
from portal.services import plain_words, plan_rules, plans, strands
from portal.views.helpers import add_error

bp = Blueprint("plans", __name__, url_prefix="/customers/<int:customer_id>/plan")


def customer_name(customer):
    return data_access.visible_names(current_user, [customer.id]).get(customer.id, customer.reference)


def visible_versions(user, customer, plan):
    """R-REF-1: a provider that transferred the customer keeps the versions it agreed, and nothing newer.

    R-CUST-1: a plan belongs to the customer and its programme. A provider with an open referral for that
    programme carries it on (after a transfer, IFS 35-37, or when the customer comes back, IFS 22); a
    plan for another programme, made at another provider, is not theirs to read."""
    if _sees_every_version(user, customer, plan.programme_id):
        return list(plan.versions)
    return [v for v in plan.versions if _agreed_by_own_organisation(user, v)]


def version_visible(user, customer, version, referrals=None):
    """`version in visible_versions(...)`, decided for the one version without loading the plan's others
    (issue 18). `referrals`: the user's referrals in scope for the customer, when the caller has them."""
    return (_sees_every_version(user, customer, version.plan.programme_id, referrals)
            or _agreed_by_own_organisation(user, version))


def _sees_every_version(user, customer, programme_id, referrals=None):
    """DWP staff, and a provider with an open referral for the plan's programme."""
    if not user.role.is_provider:
        return True
    if referrals is None:
        referrals = scope.referrals_in_scope(user, customer)
    return any(r.status.is_open and r.programme_id == programme_id for r in referrals)


def _agreed_by_own_organisation(user, version):
    organisation_id = user.organisation.prime_id if user.is_subcontractor_staff else user.organisation_id
    return version.organisation_id == organisation_id and version.status.was_agreed


# What the version page shows, in one statement each rather than a lazy load per row (issue 18).
# The version's referral is not among them: it is one of the referrals in scope the page has read already
# (the session's identity map answers it), and its programme is the plan's. The support items come with
# the objectives each helps with, joined: one statement for both.
VERSION_PAGE_LOADS = (
    joinedload(PlanVersion.plan).joinedload(Plan.programme),
    selectinload(PlanVersion.support_items).joinedload(SupportItem.objectives),
)


def version_or_404(customer, version_id, options=(), referrals=None):
    version = db.session.get(PlanVersion, version_id, options=options)
    if version is None or version.plan.customer_id != customer.id:
        abort(404)
    if not version_visible(current_user, customer, version, referrals):
        abort(404)
    return version


def _may_edit(version, user=None):
    """Only the provider holding the open referral edits, and only a draft."""
    user = user or current_user
    referral = version.referral
    return (version.is_editable and user.role.is_provider and not user.is_subcontractor_staff
            and version.organisation_id == user.organisation_id
            and referral is not None and referral.status.is_open)


def _editable_or_403(version):
    if not _may_edit(version):
        if not version.is_editable:
            flash(f"Version {version.number} is {version.status.label.lower()} and cannot change. Start a new version.")
            return False
        abort(403)
    return True


@bp.route("/", methods=["GET"])
@requires(Permission.VIEW_PLAN)
def index(customer_id):
    customer = scope.customer_or_404(current_user, customer_id)
    rows = [(plan, visible_versions(current_user, customer, plan)) for plan in plans.plans_for(customer.id)]
    rows = [(plan, versions) for plan, versions in rows if versions]
    startable = [r for r in scope.referrals_in_scope(current_user, customer)
                 if r.status == ReferralStatus.STARTED and r.organisation_id == current_user.organisation_id
                 and not any(plan.programme_id == r.programme_id for plan, _ in rows)]
    return render_template("views/plans/index.html", customer=customer, customer_name=customer_name(customer), rows=rows,
                           startable=startable)


@bp.route("/start/<int:referral_id>", methods=["POST"])
@requires(Permission.EDIT_PLAN)
def start(customer_id, referral_id):
    customer = scope.customer_or_404(current_user, customer_id)
    referral = scope.referral_or_404(current_user, referral_id)
    if referral.customer_id != customer.id or referral.organisation_id != current_user.organisation_id:
        abort(404)
    try:
        plan = plans.start_plan(customer=customer, referral=referral, by=current_user, customer_name=customer_name(customer))
    except plans.PlanError as error:
        flash(str(error))
        return redirect(url_for("plans.index", customer_id=customer.id))
    return redirect(url_for("plans.version", customer_id=customer.id, version_id=plan.versions[0].id))


# Sections a plan may leave empty: in-work support starts with a job (R-ISP-8).
OPTIONAL_SECTIONS = ("milestones", "funding", "support_network", "in_work")


def _section_statuses(version, problems, show_problems):
    """done, broken or empty for each section. An empty section is not "broken" until the adviser
    asks to check the plan: a new plan should not open with a column of red tags."""
    broken = {p.section for p in problems}
    content = plans.canonical_content(version)
    statuses = {}
    for section in plans.SECTION_TITLES:
        if section == "in_work":
            filled = bool(content["in_work"])  # "No" is the default, not an answer
        elif section in plans.SCALAR_SECTIONS:
            filled = any(content[name] not in (None, "") for name in plans.SCALAR_SECTIONS[section])
        else:
            filled = bool(content[section])
        if section in broken and (filled or show_problems):
            statuses[section] = "broken"
        else:
            statuses[section] = "done" if filled else "empty"
    return statuses


def _task_sections(version):
    sections = list(plans.SECTION_TITLES)
    # In-work support is the agreement's, signed apart (R-ISP-12); a version from before keeps its own.
    if not version.in_work:
        sections.remove("in_work")
    return sections


def _progress_view(customer, version, user, referrals):
    """R-ISP-11: progress beside the agreed plan, and whether this user may record it."""
    from portal.services import progress
    from portal.views.plan_reviews import _may_record, _uk_today

    if not version.status.was_agreed:
        return {}
    may_record = (version.status == VersionStatus.AGREED and user.role.is_provider
                  and version.organisation_id == user.organisation_id
                  and _may_record(version.plan, customer, referrals))
    done = progress.progress_of(version)
    return {"progress_lines": progress.lines(version, done), "today": _uk_today(), "may_record_progress": may_record,
            "done_keys": set(done)}


# What the version page shows besides the plan's own content (issue 18).
VERSION_PAGE_EXTRA_LOADS = (
    joinedload(PlanVersion.signatures).joinedload(Signature.party),  # a few rows: joined, not a statement more
)


@bp.route("/<int:version_id>")
@requires(Permission.VIEW_PLAN)
def version(customer_id, version_id):
    user = current_user._get_current_object()  # once, not a proxy lookup per use (issue 18)
    # A provider's referrals decide what it may see and record: read once, with the customer.
    customer, referrals = scope.customer_and_referrals_or_404(user, customer_id)
    version = version_or_404(customer, version_id, VERSION_PAGE_LOADS + VERSION_PAGE_EXTRA_LOADS, referrals)
    draft = version.is_editable
    # The rules ran when the version left draft (send_for_signature refuses a plan that breaks one) and
    # its content cannot change since: only a draft is checked on every view (issue 18).
    problems = plans.check(version) if draft else []
    show_problems = request.args.get("check") == "1" and draft
    # The task list, and so the sections' statuses, is a draft's only.
    statuses = _section_statuses(version, problems, show_problems) if draft else {}
    return render_template(
        "views/plans/version.html", customer=customer, version=version,
        customer_name=data_access.visible_name(user, customer.id, referrals, customer.reference),
        problems=problems, show_problems=show_problems, statuses=statuses,
        optional=OPTIONAL_SECTIONS,
        sections=_task_sections(version), titles=plans.SECTION_TITLES, may_edit=_may_edit(version, user),
        unsigned=plans.unsigned_parties(version) if version.status == VersionStatus.AWAITING_SIGNATURES else [],
        weeks_left=_weeks_left(version),
        has_strands=strands.has_strands(version.plan.programme), **_progress_view(customer, version, user, referrals),
    )


def _weeks_left(version):
    """SES 4.04: the programme's length from the start; Work Choice transitional: two years from the
    strand's own start (R-WC-1, IFS 20). None where nothing applies."""
    from datetime import date, timedelta

    referral = version.referral
    clock = strands.transitional_clock(version.plan, date.today())
    if clock is not None:
        start, weeks = clock.started_on, version.plan.programme.transitional_weeks
    elif referral is not None and referral.started_on is not None and version.plan.programme.duration_weeks:
        start, weeks = referral.started_on, version.plan.programme.duration_weeks
    else:
        return None
    end = start + timedelta(weeks=weeks)
    return {"weeks": max(0, (end - date.today()).days // 7), "ends_on": end, "total": weeks,
            "warning": clock.warning if clock else False}


def _seen_lock(form):
    """The lock number the form started from: None when missing (the service treats it as a conflict),
    400 when it is not a number a page of ours could have written."""
    raw = (form.lock_version.data or "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        abort(400)
    return int(raw)


def _form_values(form, section):
    values = {}
    for field in form:
        if field.name in ("csrf_token", "lock_version", "submit", "objectives"):
            continue
        value = field.data
        if field.name in YES_NO_FIELDS:
            value = {"yes": True, "no": False}.get(value)
        elif isinstance(value, str):
            value = value or None
        values[field.name] = value
    return values


@bp.route("/<int:version_id>/sections/<section>", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def section(customer_id, version_id, section):
    if section not in SECTION_FORMS:
        abort(404)
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    if not _editable_or_403(version):
        return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id))
    form_class = SECTION_FORMS[section]
    form, recovered = _form_with_recovered_draft(form_class)
    if not form.is_submitted() and not recovered:
        for name in plans.SCALAR_SECTIONS[section]:
            value = getattr(version, name)
            if name in YES_NO_FIELDS and value is not None:
                value = "yes" if value else "no"
            getattr(form, name).data = value
        form.lock_version.data = version.lock_version
    if form.validate_on_submit():
        values = _form_values(form, section)
        try:
            plans.save_section(version, section, values, expected_lock=_seen_lock(form), by=current_user)
        except plans.Conflict:
            db.session.rollback()
            return _conflict(customer, version, section, form)
        flash(f"{plans.SECTION_TITLES[section]} saved.{_long_sentence_hint(form, values)}")
        return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id))
    if recovered:
        form.lock_version.data = version.lock_version
    return render_template("views/plans/section.html", customer=customer, customer_name=customer_name(customer),
                           version=version, form=form, title=plans.SECTION_TITLES[section], recovered=recovered)


def _smart_errors(form, section, version):
    """R-ISP-4 at save: the objective's own form shows what the send check would (the same function)."""
    from types import SimpleNamespace

    if section != "objectives":
        return False
    candidate = SimpleNamespace(**{name: getattr(form, name).data for name in plans.LIST_MODELS[section][1]})
    window = plan_rules.programme_window(version, version.plan.programme)
    found = plan_rules.objective_problems(candidate, window)
    for field, message in found:
        add_error(form, field, message)
    return bool(found)


def _long_sentence_hint(form, values):
    """Guidance, not a block: " Tip: …" when adviser text has a sentence over 15 words (SES 4.08), else ""."""
    labels = {field.name: str(field.label.text) for field in form}
    tip = plain_words.hint({name: value for name, value in values.items() if isinstance(value, str)}, labels)
    return f" {tip}" if tip else ""


def _form_with_recovered_draft(form_class):
    """On a GET, offer back what this adviser typed before their session ended, if anything."""
    from werkzeug.datastructures import MultiDict

    from portal.drafts import take

    if request.method == "GET":
        kept = take(current_user, request.path)
        if kept:
            return form_class(formdata=MultiDict([(k, v) for k, values in kept.items() for v in values])), True
    return form_class(), False


def _conflict(customer, version, section, form):
    """Two advisers saved the same version: keep this adviser's text and show what the other saved."""
    db.session.refresh(version)
    theirs = [(getattr(form, name).label.text, _display(getattr(version, name)))
              for name in plans.SCALAR_SECTIONS.get(section, ()) if hasattr(form, name)]
    form.lock_version.data = version.lock_version
    return render_template("views/plans/conflict.html", customer=customer, customer_name=customer_name(customer),
                           version=version, form=form, theirs=theirs, title=plans.SECTION_TITLES.get(section, section)), 409


def _display(value):
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return "" if value is None else str(value)


@bp.route("/<int:version_id>/items/<section>/new", methods=["GET", "POST"])
@bp.route("/<int:version_id>/items/<section>/<int:item_id>", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def item(customer_id, version_id, section, item_id=None):
    if section not in ITEM_FORMS:
        abort(404)
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    if not _editable_or_403(version):
        return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id))
    row = plans.item_of(version, section, item_id) if item_id is not None else None
    if item_id is not None and row is None:
        abort(404)
    form, recovered = _form_with_recovered_draft(ITEM_FORMS[section])
    if section == "support":
        form.objectives.choices = [(o.id, plan_rules._short(o.what, 80)) for o in version.objectives]
    if recovered:
        form.lock_version.data = version.lock_version
    elif not form.is_submitted():
        form.lock_version.data = version.lock_version
        if row is not None:
            for name in plans.LIST_MODELS[section][1]:
                getattr(form, name).data = getattr(row, name)
            if section == "support":
                form.objectives.data = [o.id for o in row.objectives]
    if form.validate_on_submit() and not _smart_errors(form, section, version):
        values = _form_values(form, section)
        try:
            plans.save_item(version, section, values, expected_lock=_seen_lock(form),
                            by=current_user, item=row,
                            objective_ids=form.objectives.data if section == "support" else None)
        except plans.Conflict:
            db.session.rollback()
            return _conflict(customer, version, section, form)
        flash(f"{plans.SECTION_TITLES[section]}: saved.{_long_sentence_hint(form, values)}")
        return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id) + f"#{section}")
    return render_template("views/plans/section.html", customer=customer, customer_name=customer_name(customer),
                           version=version, form=form, title=plans.SECTION_TITLES[section], row=row, section=section,
                           recovered=recovered)


@bp.route("/<int:version_id>/items/<section>/<int:item_id>/remove", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def remove_item(customer_id, version_id, section, item_id):
    """Asks first (issue 16): a removed objective takes its support links with it."""
    if section not in ITEM_FORMS:
        abort(404)
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    if not _editable_or_403(version):
        return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id))
    row = plans.item_of(version, section, item_id)
    if row is None:
        abort(404)
    form = LockForm()
    if request.method == "GET":
        form.lock_version.data = version.lock_version
        return render_template("views/plans/remove.html", customer=customer, customer_name=customer_name(customer),
                               version=version, section=section, row=row, form=form,
                               title=plans.SECTION_TITLES[section], label=plan_rules._short(plans.row_label(row), 120))
    try:
        plans.remove_item(version, section, row, expected_lock=_seen_lock(form), by=current_user)
    except plans.Conflict:
        db.session.rollback()
        flash("Someone else changed this plan while you were looking at it. Check it and try again.")
    return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id) + f"#{section}")


@bp.route("/<int:version_id>/send", methods=["POST"])
@requires(Permission.EDIT_PLAN)
def send(customer_id, version_id):
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    if not _editable_or_403(version):
        return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id))
    form = LockForm()
    try:
        plans.send_for_signature(version, expected_lock=_seen_lock(form), by=current_user)
    except plans.Conflict:
        db.session.rollback()
        flash("Someone else changed this plan while you were looking at it. Check it and try again.")
    except plans.PlanError:
        db.session.rollback()
        return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id, check=1))
    else:
        flash("The plan is ready to sign")
    return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id))


@bp.route("/<int:version_id>/draft", methods=["POST"])
@requires(Permission.EDIT_PLAN)
def back_to_draft(customer_id, version_id):
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    if version.organisation_id != current_user.organisation_id:
        abort(403)
    try:
        plans.return_to_draft(version, by=current_user)
    except plans.PlanError as error:
        flash(str(error))
    return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id))


@bp.route("/<int:plan_id>/revise", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def revise(customer_id, plan_id):
    customer = scope.customer_or_404(current_user, customer_id)
    plan = next((p for p in plans.plans_for(customer.id) if p.id == plan_id), None)
    if plan is None:
        abort(404)
    referral = next((r for r in scope.referrals_in_scope(current_user, customer)
                     if r.programme_id == plan.programme_id and r.status.is_open
                     and r.organisation_id == current_user.organisation_id), None)
    if referral is None:
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            version = plans.revise(plan, by=current_user, reason=form.reason.data,
                                   organisation_id=current_user.organisation_id, referral=referral)
        except plans.PlanError as error:
            add_error(form, "reason", str(error))
        else:
            return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id))
    return render_template("views/plans/revise.html", customer=customer, customer_name=customer_name(customer), form=form,
                           plan=plan)


@bp.route("/compare")
@requires(Permission.VIEW_PLAN)
def compare(customer_id):
    customer = scope.customer_or_404(current_user, customer_id)
    older = version_or_404(customer, request.args.get("from", type=int) or 0)
    newer = version_or_404(customer, request.args.get("to", type=int) or 0)
    if older.plan_id != newer.plan_id:
        abort(404)
    if older.number > newer.number:
        older, newer = newer, older
    between = [v for v in older.plan.versions if older.number < v.number <= newer.number]
    return render_template("views/plans/compare.html", customer=customer, customer_name=customer_name(customer),
                           older=older, newer=newer, changes=plans.compare(older, newer), between=between)


@bp.route("/<int:version_id>/items/<section>")
@requires(Permission.VIEW_PLAN)
def items(customer_id, version_id, section):
    if section not in ITEM_FORMS:
        abort(404)
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    rows = getattr(version, plans.RELATIONSHIPS[section])
    problems = [p for p in plans.check(version) if p.section == section] if version.is_editable else []
    return render_template("views/plans/items.html", customer=customer, customer_name=customer_name(customer),
                           version=version, section=section, rows=rows, title=plans.SECTION_TITLES[section],
                           may_edit=_may_edit(version), problems=problems, labels=plan_rules,
                           lock_form=LockForm(lock_version=version.lock_version))
