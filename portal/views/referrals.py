"""DWP referral officers record customers and refer them to a provider and programme."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, func, select

from portal import audit, data_access, scope
from portal.extensions import db
from portal.forms import ConfirmForm, ReferralForm
from portal.models import Customer, Organisation, Programme, Referral
from portal.permissions import Permission, requires
from portal.services import eligibility, organisations, referrals
from portal.views.helpers import add_error, repeated_post

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

PAGE_SIZE = 50
FACT_FIELDS = (
    "first_name", "last_name", "nino", "date_of_birth", "address", "postcode", "phone", "email", "benefit_type",
    "wca_group", "wca_decision_date", "health_summary", "medical_details", "learning_disability_or_autism",
    "secondary_mental_health", "on_other_dwp_provision", "jobcentre", "work_coach", "preferred_language",
    "format_needs",
)


@bp.route("/")
@requires(Permission.VIEW_ALL_REFERRALS)
def index():
    page = max(1, request.args.get("page", 1, type=int))
    in_scope = scope.referral_scope(current_user)  # R-DATA-6: an inspector sees their inspections' providers
    providers = db.session.execute(
        select(Organisation.id, Organisation.name).join(Referral, Referral.organisation_id == Organisation.id)
        .where(in_scope).distinct().order_by(Organisation.name)).all()
    provider = request.args.get("provider", type=int)
    shown = and_(in_scope, Referral.organisation_id == provider) if provider else in_scope
    total = db.session.scalar(select(func.count(Referral.id)).where(shown))
    rows = db.session.execute(
        select(Referral, Customer.reference, Organisation.name, Programme.name)
        .where(shown)
        .join(Customer, Customer.id == Referral.customer_id)
        .join(Organisation, Organisation.id == Referral.organisation_id)
        .join(Programme, Programme.id == Referral.programme_id)
        .order_by(Referral.referred_at.desc(), Referral.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    names = data_access.visible_names(current_user, [referral.customer_id for referral, *_ in rows])
    audit.record_and_commit("referrals.listed", customer_ids=list(names), detail={"through": "page", "fields": ["name"]})
    return render_template("views/referrals/index.html", rows=rows, names=names, page=page,
                           page_count=max(1, -(-total // PAGE_SIZE)), total=total, providers=providers,
                           provider=provider)


def _referral_form():
    form = ReferralForm()
    form.benefit_type.choices = list(data_access.BENEFIT_LABELS.items())
    form.wca_group.choices = list(data_access.WCA_LABELS.items())
    form.organisation_id.choices = [("", "Choose a provider")] + [
        (str(o.id), o.name) for o in organisations.providers() if not o.is_subcontractor
    ]
    form.programme.choices = [(p.code, p.name) for p in organisations.all_programmes()]
    return form


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.CREATE_REFERRAL)
def new():
    form = _referral_form()
    if form.validate_on_submit():
        if repeat := repeated_post(form, url_for("referrals.index")):
            return repeat
        organisation = db.session.get(Organisation, int(form.organisation_id.data))
        programme = db.session.scalar(select(Programme).where(Programme.code == form.programme.data))
        known = referrals.known_customer(form.nino.data)
        if known is not None and form.known_customer.data != known.reference:
            return _check_known_customer(form, known, programme)
        facts = {name: getattr(form, name).data for name in FACT_FIELDS}
        facts = {name: (value if value != "" else None) for name, value in facts.items()}
        try:
            referral = referrals.create_referral(
                officer=current_user, organisation=organisation, programme=programme, facts=facts,
                eso_place=form.eso_place.data, eligibility_confirmed=form.eligibility_confirmed.data,
                appointment={"date": form.appointment_date.data, "time": form.appointment_time.data,
                             "location": form.appointment_location.data},
            )
        except referrals.ReferralError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash(f"Customer {referral.customer.reference} referred to {organisation.name}")
            return redirect(url_for("customers.show", customer_id=referral.customer_id))
    return render_template("views/referrals/new.html", form=form)


def _check_known_customer(form, customer, programme):
    """R-CUST-1: the NINO is a known customer's. Before referring, the officer sees their earlier and open
    referrals (IFS 22: a returning customer comes back with their history), and LSE's "no other DWP
    provision" is checked against the open ones (R-ELIG-4) so a refusal shows now."""
    form.known_customer.data = customer.reference
    history = scope.referrals_in_scope(current_user, customer)
    described = [f"{r.programme.name} with {r.organisation.name}" for r in history if r.status.is_open]
    for problem in eligibility.open_provision_problems(programme, described):
        add_error(form, "programme", problem)
    names = data_access.visible_names(current_user, [customer.id])
    html = render_template("views/referrals/new.html", form=form, known=customer, history=history,
                           known_name=names.get(customer.id))
    audit.record_and_commit("customer.viewed", customer_id=customer.id,
                            detail={"through": "referral check", "fields": ["name"] if names else []})
    return html


@bp.route("/<int:referral_id>/confirm-eligibility", methods=["POST"])
@requires(Permission.CONFIRM_ELIGIBILITY)
def confirm_eligibility(referral_id):
    referral = scope.referral_or_404(current_user, referral_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            referrals.confirm_eligibility(referral, current_user)
            flash("Eligibility confirmed")
        except referrals.ReferralError as error:
            flash(str(error))
    return redirect(url_for("customers.show", customer_id=referral.customer_id))


