"""Signing a plan version (R-SIGN-1, R-SIGN-2): in person on the adviser's device, in customer mode
when the customer signs, and by a single-use link sent by email. Routes of the `plans` blueprint."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import data_access, scope
from portal.customer_words import customer_choice, words
from portal.extensions import db
from portal.models import SignatureMethod
from portal.permissions import Permission, requires
from portal.plan_forms import SignInPersonForm, SigningLinkForm
from portal.services import plan_rules, plans, signers
from portal.views.helpers import add_error
from portal.views.plans import bp, customer_name, version_or_404


def _party_or_404(customer_id, version_id, party_id):
    """The customer, the version and the party who signs it; only the provider that wrote it collects signatures."""
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    if version.organisation_id != current_user.organisation_id:
        abort(403)
    party = next((p for p in version.parties if p.id == party_id), None)
    if party is None:
        abort(404)
    return customer, version, party


@bp.route("/<int:version_id>/sign/<int:party_id>", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def sign(customer_id, version_id, party_id):
    """In person, on the adviser's device: the party reads the plan, ticks the declaration, types their name."""
    customer, version, party = _party_or_404(customer_id, version_id, party_id)
    form = SignInPersonForm()
    # The customer reads and agrees in their own language and format (R-SIGN-2); others in English.
    lang, document_format = "en", "standard"
    if party.role == "customer":
        lang, document_format = customer_choice(request.args, *data_access.customer_preferences(customer.id))
    declaration = words(lang)["declaration"] if party.role == "customer" else DECLARATIONS[party.role]
    form.declaration.label.text = declaration
    customer_mode = party.role == "customer"
    if customer_mode:
        _in_customer_words(form, words(lang))
    if request.method == "GET":
        form.seen_hash.data = version.content_hash
    if form.validate_on_submit():
        method = SignatureMethod(form.method.data) if party.role == "customer" else (
            SignatureMethod.EMPLOYER_IN_PERSON if party.role == "employer" else SignatureMethod.ADVISER)
        try:
            plans.sign(version, party, method=method, typed_name=form.typed_name.data,
                       declaration=declaration, seen_hash=form.seen_hash.data, by=current_user,
                       language=lang, document_format=document_format,
                       representative_relationship=form.representative_relationship.data or None,
                       representative_reason=form.representative_reason.data or None,
                       witness_name=form.witness_name.data or None,
                       witness_relationship=form.witness_relationship.data or None,
                       witness_reason=form.witness_reason.data or None,
                       ip_address=request.remote_addr, user_agent=request.headers.get("User-Agent"))
        except plans.PlanError as error:
            db.session.rollback()
            add_error(form, error.field or "typed_name", str(error))
        else:
            if customer_mode:  # the adviser sees the signature on the plan when the device is back
                return redirect(url_for("plans.hand_back", customer_id=customer.id, version_id=version.id,
                                        lang=lang, format=document_format))
            flash(f"{party.name} has signed")
            return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id))
    if customer_mode and form.errors:
        _errors_in_customer_words(form, words(lang))
    return render_template("views/plans/sign.html", customer=customer, customer_name=customer_name(customer),
                           version=version, party=party, form=form, declaration=declaration,
                           labels=plan_rules, lang=lang, document_format=document_format,
                           customer_mode=customer_mode, text=words(lang), page_lang=lang if customer_mode else "en")


def _in_customer_words(form, text):
    """R-SIGN-2: the customer signs in their language, the form's words included."""
    form.method.label.text = text["method_question"]
    form.method.choices = [("in_person", text["method_in_person"]), ("representative", text["method_representative"]),
                           ("verbal_witnessed", text["method_witnessed"])]
    form.representative_relationship.label.text = text["representative_relationship"]
    form.representative_reason.label.text = text["representative_reason"]
    form.witness_name.label.text = text["witness_name"]
    form.witness_relationship.label.text = text["witness_relationship"]
    form.witness_reason.label.text = text["witness_reason"]
    form.typed_name.label.text = text["name_label"]
    form.submit.label.text = text["sign"]


def _errors_in_customer_words(form, text):
    if form.declaration.errors:
        form.declaration.errors = [text["declaration_missing"]]
    if form.typed_name.errors and not (form.typed_name.data or "").strip():
        form.typed_name.errors = [text["name_missing"]]
    elif any(str(e).startswith(signers.NAME_MISMATCH) for e in form.typed_name.errors):
        form.typed_name.errors = [text["name_wrong"]]  # R-SIGN-4, in the customer's language


@bp.route("/<int:version_id>/signed", methods=["GET"])
@requires(Permission.EDIT_PLAN)
def hand_back(customer_id, version_id):
    """After signing in person, the customer hands the adviser's device back (issue 16)."""
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    lang, document_format = customer_choice(request.args, *data_access.customer_preferences(customer.id))
    return render_template("views/plans/hand_back.html", customer=customer, version=version, customer_mode=True,
                           text=words(lang), lang=lang, document_format=document_format, page_lang=lang)


DECLARATIONS = {
    "customer": "I have read this plan, or had it read to me. I understand it and I agree to it.",
    "adviser": "I agree this plan with the customer on behalf of my organisation.",
    "employer": "I agree the in-work support in this plan on behalf of the employer.",
    "other": "I have read this plan and I agree to my part in it.",
}


@bp.route("/<int:version_id>/signing-link/<int:party_id>", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def signing_link(customer_id, version_id, party_id):
    """Send a single-use signing link by the mail service (R-SIGN-1, remote)."""
    customer, version, party = _party_or_404(customer_id, version_id, party_id)
    form = SigningLinkForm()
    if request.method == "GET" and party.role == "customer":
        # Pre-filled only where the data policy shows this user the customer's email.
        form.email.data = data_access.visible_record(current_user, customer).get("email")
    if form.validate_on_submit():
        try:
            plans.create_signing_link(version, party, by=current_user, email=form.email.data,
                                      base_url=current_app.config["PORTAL_BASE_URL"])
        except plans.PlanError as error:
            db.session.rollback()
            add_error(form, "email", str(error))
        else:
            flash(f"A signing link has been sent to {form.email.data}. It works once, for 7 days.")
            return redirect(url_for("plans.version", customer_id=customer.id, version_id=version.id))
    return render_template("views/plans/signing_link.html", customer=customer, customer_name=customer_name(customer),
                           version=version, party=party, form=form)
