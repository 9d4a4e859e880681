"""The in-work support agreement pages (R-ISP-12): read, draft, send, sign in person, send the employer
a link, and record the IFS 12 checks as progress."""
from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import audit, scope
from portal.customer_words import LANGUAGES, words
from portal.documents import service as documents
from portal.extensions import db
from portal.in_work_forms import AgreementForm, CheckForm, LinkForm, LockForm, SignForm, StartForm, TaperForm
from portal.models import InWorkJob, Plan, SignatureMethod, VersionStatus
from portal.permissions import Permission, requires
from portal.services import employer_links, in_work, plan_rules
from portal.views.helpers import add_error, repeated_post
from portal.views.plans import customer_name, visible_versions

bp = Blueprint("in_work", __name__, url_prefix="/customers/<int:customer_id>/plans/<int:plan_id>/in-work")


def _plan_or_404(customer_id, plan_id):
    customer = scope.customer_or_404(current_user, customer_id)
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.customer_id != customer.id or not visible_versions(current_user, customer, plan):
        abort(404)
    return customer, plan


def _may_edit(plan):
    """Only the provider holding the customer's open referral drafts and collects signatures."""
    version = plan.versions[-1]
    referral = version.referral
    return (current_user.role.is_provider and not current_user.is_subcontractor_staff
            and version.organisation_id == current_user.organisation_id
            and referral is not None and referral.status.is_open)


def _editing(customer_id, plan_id):
    customer, plan = _plan_or_404(customer_id, plan_id)
    if not _may_edit(plan):
        abort(403)
    agreement = in_work.current(plan)
    if agreement is None:
        abort(404)
    return customer, plan, agreement


def _to_page(customer, plan):
    return redirect(url_for("in_work.agreement", customer_id=customer.id, plan_id=plan.id))


def _customer_party_name(plan):
    """The customer's name as the plan records it (the party who signs), for R-SIGN-4."""
    party = next((p for p in plan.versions[-1].parties if p.role == "customer"), None)
    return party.name if party else None


@bp.route("", methods=["GET"])
@requires(Permission.VIEW_PLAN)
def agreement(customer_id, plan_id):
    customer, plan = _plan_or_404(customer_id, plan_id)
    current = in_work.current(plan)
    may_edit = _may_edit(plan)
    start_form = None
    jobs = in_work.jobs_for(plan)
    if may_edit and jobs and (current is None or current.status.was_agreed):
        start_form = StartForm()
        start_form.job_id.choices = [(j.id, f"{j.job_title} at {j.employer_name}, from {j.started_on:%d %B %Y}")
                                     for j in jobs]
    return render_template(
        "views/in_work/agreement.html", customer=customer, customer_name=customer_name(customer), plan=plan,
        agreement=current, agreements=in_work.agreements_of(plan), may_edit=may_edit, start_form=start_form,
        problems=plan_rules.agreement_problems(current) if current else [],
        unsigned=in_work.unsigned_parties(current) if current else [],
        lock_form=LockForm(lock_version=current.lock_version) if current else None,
        checks=in_work.checks_of(plan), labels=plan_rules, jobs=jobs)


@bp.route("/start", methods=["POST"])
@requires(Permission.EDIT_PLAN)
def start(customer_id, plan_id):
    customer, plan = _plan_or_404(customer_id, plan_id)
    if not _may_edit(plan):
        abort(403)
    form = StartForm()
    form.job_id.choices = [(j.id, j.job_title) for j in in_work.jobs_for(plan)]
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0])
        return _to_page(customer, plan)
    target = url_for("in_work.agreement", customer_id=customer.id, plan_id=plan.id)
    repeat = repeated_post(form, target)
    if repeat:
        return repeat
    try:
        in_work.start(plan, job=db.session.get(InWorkJob, form.job_id.data), by=current_user,
                      organisation_id=current_user.organisation_id, reason=form.reason.data)
    except in_work.AgreementError as error:
        db.session.rollback()
        flash(str(error))
    return redirect(target)


@bp.route("/edit", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def edit(customer_id, plan_id):
    customer, plan, agreement = _editing(customer_id, plan_id)
    if not agreement.is_editable:
        flash(f"Agreement {agreement.number} is {agreement.status.label.lower()} and cannot change")
        return _to_page(customer, plan)
    form = AgreementForm(obj=agreement if request.method == "GET" else None)
    taper_form = TaperForm(lock_version=agreement.lock_version)
    if request.method == "GET":
        form.lock_version.data = agreement.lock_version
    if form.validate_on_submit():
        try:
            in_work.save(agreement, {name: getattr(form, name).data for name in in_work.CONTENT_FIELDS},
                         expected_lock=form.lock_version.data, by=current_user)
        except in_work.Conflict:
            db.session.rollback()
            return render_template("views/in_work/conflict.html", customer=customer, plan=plan), 409
        except in_work.AgreementError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash("The agreement has been saved")
            return _to_page(customer, plan)
    return render_template("views/in_work/edit.html", customer=customer, customer_name=customer_name(customer),
                           plan=plan, agreement=agreement, form=form, taper_form=taper_form), 400 if form.errors else 200


@bp.route("/taper", methods=["POST"])
@requires(Permission.EDIT_PLAN)
def taper(customer_id, plan_id):
    customer, plan, agreement = _editing(customer_id, plan_id)
    form = TaperForm()
    if form.validate_on_submit():
        try:
            in_work.add_taper_step(agreement, {n: getattr(form, n).data for n in in_work.TAPER_FIELDS},
                                   expected_lock=form.lock_version.data, by=current_user)
        except in_work.Conflict:
            db.session.rollback()
            return render_template("views/in_work/conflict.html", customer=customer, plan=plan), 409
        except in_work.AgreementError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            return redirect(url_for("in_work.edit", customer_id=customer.id, plan_id=plan.id))
    agreement_form = AgreementForm(obj=agreement)
    agreement_form.lock_version.data = agreement.lock_version
    return render_template("views/in_work/edit.html", customer=customer, customer_name=customer_name(customer),
                           plan=plan, agreement=agreement, form=agreement_form, taper_form=form), 400


@bp.route("/taper/<int:item_id>/remove", methods=["POST"])
@requires(Permission.EDIT_PLAN)
def remove_taper(customer_id, plan_id, item_id):
    customer, plan, agreement = _editing(customer_id, plan_id)
    step = next((s for s in agreement.taper_steps if s.id == item_id), None)
    if step is None:
        abort(404)
    form = LockForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        in_work.remove_taper_step(agreement, step, expected_lock=form.lock_version.data, by=current_user)
    except in_work.Conflict:
        db.session.rollback()
        return render_template("views/in_work/conflict.html", customer=customer, plan=plan), 409
    except in_work.AgreementError as error:
        db.session.rollback()
        flash(str(error))
    return redirect(url_for("in_work.edit", customer_id=customer.id, plan_id=plan.id))


@bp.route("/send", methods=["POST"])
@requires(Permission.EDIT_PLAN)
def send(customer_id, plan_id):
    customer, plan, agreement = _editing(customer_id, plan_id)
    form = LockForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        in_work.send_for_signature(agreement, expected_lock=form.lock_version.data, by=current_user)
    except in_work.Conflict:
        db.session.rollback()
        return render_template("views/in_work/conflict.html", customer=customer, plan=plan), 409
    except in_work.AgreementError as error:
        db.session.rollback()
        flash(str(error))
    return _to_page(customer, plan)


SIGN_AS = {"customer": SignatureMethod.IN_PERSON, "provider": SignatureMethod.ADVISER,
           "employer": SignatureMethod.EMPLOYER_IN_PERSON}


@bp.route("/sign/<any(customer, employer, provider):party>", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def sign(customer_id, plan_id, party):
    """In person on the adviser's device. Each party reads the agreement only (the employer: JCP 92)."""
    customer, plan, agreement = _editing(customer_id, plan_id)
    if agreement.status != VersionStatus.AWAITING_SIGNATURES or party not in in_work.unsigned_parties(agreement):
        flash("This agreement is not waiting for that signature")
        return _to_page(customer, plan)
    # The customer reads and signs in English or Welsh (their words: portal/customer_words.py).
    lang = request.args.get("lang") if party == "customer" and request.args.get("lang") in LANGUAGES else "en"
    t = words(lang) | {"lang": lang} if party == "customer" else None
    form = SignForm()
    form.declaration.label.text = t["iw_declaration"] if t else in_work.DECLARATIONS[party]
    if t:
        form.typed_name.label.text, form.submit.label.text = t["name_label"], t["iw_sign"]
    if request.method == "GET":
        form.seen_hash.data = agreement.content_hash
    if form.validate_on_submit():
        expected = {"customer": _customer_party_name(plan), "provider": current_user.name}.get(party)
        try:
            in_work.sign(agreement, party, method=SIGN_AS[party], typed_name=form.typed_name.data,
                         signer_role=form.signer_role.data if party == "employer" else None,
                         seen_hash=form.seen_hash.data, expected_name=expected, by=current_user, language=lang,
                         declaration=form.declaration.label.text,
                         ip_address=request.remote_addr, user_agent=request.headers.get("User-Agent"))
        except in_work.AgreementError as error:
            db.session.rollback()
            field = error.field or "typed_name"
            add_error(form, field, t["name_wrong"] if t and lang != "en" and field == "typed_name" else str(error))
        else:
            flash(f"The {party} has signed the in-work support agreement")
            return _to_page(customer, plan)
    if t and lang != "en":
        form.declaration.errors = [t["iw_declaration_missing"]] if form.declaration.errors else []
        if form.typed_name.errors and not form.typed_name.data:
            form.typed_name.errors = [t["name_missing"]]
    return render_template("views/in_work/sign.html", customer=customer, plan=plan, agreement=agreement,
                           party=party, form=form, labels=plan_rules, t=t, lang=lang,
                           employee=_customer_party_name(plan)), 400 if form.errors else 200


@bp.route("/employer-link", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def employer_link(customer_id, plan_id):
    customer, plan, agreement = _editing(customer_id, plan_id)
    form = LinkForm()
    if request.method == "GET":
        form.email.data = agreement.employer_email
    if form.validate_on_submit():
        try:
            employer_links.create_link(agreement, by=current_user, email=form.email.data,
                                       base_url=current_app.config["PORTAL_BASE_URL"])
        except in_work.AgreementError as error:
            db.session.rollback()
            add_error(form, "email", str(error))
        else:
            flash(f"A signing link has been sent to {form.email.data}. It works once, for "
                  f"{employer_links.LINK_DAYS} days.")
            return _to_page(customer, plan)
    return render_template("views/in_work/link.html", customer=customer, customer_name=customer_name(customer),
                           plan=plan, agreement=agreement, form=form), 400 if form.errors else 200


@bp.route("/checks", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def checks(customer_id, plan_id):
    """R-ISP-8: the IFS 12 checks, recorded after the job start as progress (no new signature)."""
    customer, plan, agreement = _editing(customer_id, plan_id)
    form = CheckForm()
    if form.validate_on_submit():
        target = url_for("in_work.agreement", customer_id=customer.id, plan_id=plan.id)
        repeat = repeated_post(form, target)
        if repeat:
            return repeat
        try:
            in_work.record_check(agreement, item=form.item.data, done_on=form.done_on.data,
                                 done_by=form.done_by.data, note=form.note.data, by=current_user, today=date.today())
        except in_work.AgreementError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash("The check has been recorded")
            return redirect(target)
    return render_template("views/in_work/check.html", customer=customer, customer_name=customer_name(customer),
                           plan=plan, agreement=agreement, form=form), 400 if form.errors else 200


@bp.route("/document.pdf", methods=["GET"])
@requires(Permission.VIEW_PLAN)
def document(customer_id, plan_id):
    """The agreement's own document: what the employer is given, nothing else of the plan (JCP 92)."""
    customer, plan = _plan_or_404(customer_id, plan_id)
    agreement = in_work.current(plan)
    if agreement is None:
        abort(404)
    made = documents.agreement_document(agreement, employee=_customer_party_name(plan))
    audit.record("in_work.document_made", customer_id=customer.id, subject_type="in_work_agreement",
                 subject_id=agreement.id, detail={"agreement": agreement.number, "kind": "pdf"})
    db.session.commit()
    return Response(made.data, mimetype=made.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{made.filename}"'})
