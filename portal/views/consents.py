"""Consents recorded by the provider with the customer (R-DATA-3, R-DATA-8)."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import data_access, scope
from portal.extensions import db
from portal.forms import ConsentForm, WithdrawConsentForm
from portal.models import Consent
from portal.permissions import Permission, requires
from portal.services import consents
from portal.views.helpers import add_error, repeated_post

bp = Blueprint("consents", __name__, url_prefix="/customers/<int:customer_id>/consents")
UK = ZoneInfo("Europe/London")


def _today():
    return datetime.now(UK).date()


def _customer_and_name(customer_id):
    customer = scope.customer_or_404(current_user, customer_id)
    return customer, data_access.visible_names(current_user, [customer.id]).get(customer.id, customer.reference)


@bp.route("/", methods=["GET"])
@requires(Permission.RECORD_CONSENT)
def index(customer_id):
    customer, name = _customer_and_name(customer_id)
    organisation = consents.consenting_organisation(current_user)
    return render_template("views/consents/index.html", customer=customer, customer_name=name,
                           consents=consents.consents_for(customer, organisation), organisation=organisation,
                           labels=data_access.FIELD_LABELS, form=None)


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.RECORD_CONSENT)
def new(customer_id):
    customer, name = _customer_and_name(customer_id)
    if not scope.has_open_referral(current_user, customer.id):
        abort(403)  # a former provider records no new consent (R-REF-1, issue 12 finding 5)
    form = ConsentForm()
    form.health_items.choices = [(f, data_access.FIELD_LABELS[f]) for f in data_access.HEALTH_FIELDS]
    if form.validate_on_submit():
        if repeat := repeated_post(form, url_for("consents.index", customer_id=customer.id)):
            return repeat
        try:
            consents.record_consent(customer, by=current_user, kind=form.kind.data, given_on=form.given_on.data,
                                    health_items=form.health_items.data or [], people=form.people.data,
                                    today=_today())
        except consents.ConsentError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash("Consent recorded")
            return redirect(url_for("consents.index", customer_id=customer.id))
    return render_template("views/consents/new.html", form=form, customer=customer, customer_name=name)


@bp.route("/<int:consent_id>/withdraw", methods=["GET", "POST"])
@requires(Permission.RECORD_CONSENT)
def withdraw(customer_id, consent_id):
    customer, name = _customer_and_name(customer_id)
    consent = db.session.get(Consent, consent_id)
    organisation = consents.consenting_organisation(current_user)
    if consent is None or consent.customer_id != customer.id or consent.organisation_id != organisation.id:
        abort(404)
    form = WithdrawConsentForm()
    if form.validate_on_submit():
        try:
            consents.withdraw_consent(consent, by=current_user, withdrawn_on=form.withdrawn_on.data, today=_today())
        except consents.ConsentError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash("Consent withdrawn. The information it allowed is hidden from now on.")
            return redirect(url_for("consents.index", customer_id=customer.id))
    return render_template("views/consents/withdraw.html", form=form, customer=customer, customer_name=name,
                           consent=consent, labels=data_access.FIELD_LABELS)
