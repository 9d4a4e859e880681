"""The system administrator: organisations, DWP staff accounts, mail delivery records."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.forms import ApiClientForm, ConfirmForm, InviteForm, OrganisationForm
from portal.models import ApiClient, ApiToken, Organisation, OutboxMessage, Role
from portal.permissions import Permission, requires
from portal.services import accounts
from portal.services import api_clients as api_client_service
from portal.services import organisations as organisation_service
from portal.views.helpers import add_error

bp = Blueprint("admin", __name__, url_prefix="/admin")

DWP_ROLES = (Role.REFERRAL_OFFICER, Role.DISABILITY_EMPLOYMENT_ADVISER, Role.INSPECTOR, Role.DWP_MI, Role.ADMIN)
MAIL_PURPOSES = {"invitation": "Invitation", "password_reset": "Password reset", "signing_link": "Signing link",
                 "plan_copy": "Copy of a plan"}


def _dwp_organisation():
    from portal.models import OrganisationKind

    return db.session.scalar(select(Organisation).where(Organisation.kind == OrganisationKind.DWP))


@bp.route("/organisations")
@requires(Permission.MANAGE_ORGANISATIONS)
def organisations():
    return render_template("views/admin/organisations.html", organisations=organisation_service.providers())


def _organisation_form(organisation=None):
    form = OrganisationForm(obj=None)
    form.programmes.choices = [(p.code, p.name) for p in organisation_service.all_programmes()]
    form.prime_id.choices = [("", "Not a sub-contractor")] + [
        (str(o.id), o.name) for o in organisation_service.providers() if not o.is_subcontractor and o is not organisation
    ]
    if organisation is not None and not form.is_submitted():
        form.name.data = organisation.name
        form.kind.data = organisation.kind.value
        form.security_accredited.data = "yes" if organisation.security_accredited else "no"
        form.programmes.data = [p.code for p in organisation.programmes]
        form.prime_id.data = str(organisation.prime_id or "")
    return form


def _save(form, organisation):
    try:
        saved = organisation_service.save_organisation(
            organisation, name=form.name.data, kind=form.kind.data,
            security_accredited=form.security_accredited.data == "yes",
            prime_id=int(form.prime_id.data) if form.prime_id.data else None,
            programme_codes=form.programmes.data or [],
        )
    except organisation_service.OrganisationError as error:
        add_error(form, error.field, str(error))
        return None
    flash(f"{saved.name} saved")
    return redirect(url_for("admin.organisations"))


@bp.route("/organisations/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_ORGANISATIONS)
def new_organisation():
    form = _organisation_form()
    if form.validate_on_submit() and (response := _save(form, None)):
        return response
    return render_template("views/admin/organisation_form.html", form=form, organisation=None)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_ORGANISATIONS)
def edit_organisation(organisation_id):
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not organisation.is_provider:
        abort(404)
    form = _organisation_form(organisation)
    if form.validate_on_submit() and (response := _save(form, organisation)):
        return response
    return render_template("views/admin/organisation_form.html", form=form, organisation=organisation)


@bp.route("/dwp-staff")
@requires(Permission.MANAGE_DWP_ACCOUNTS)
def dwp_staff():
    return render_template("views/admin/dwp_staff.html", users=accounts.dwp_staff(),
                           invitations=accounts.pending_invitations(roles=list(DWP_ROLES)))


@bp.route("/dwp-staff/invite", methods=["GET", "POST"])
@requires(Permission.MANAGE_DWP_ACCOUNTS)
def invite_dwp_staff():
    form = InviteForm()
    form.role.choices = [(role.value, role.label) for role in DWP_ROLES]
    if form.validate_on_submit():
        try:
            accounts.invite(email=form.email.data, name=form.name.data, role=Role(form.role.data),
                            organisation=_dwp_organisation(), invited_by=current_user)
        except accounts.AccountError as error:
            add_error(form, error.field, str(error))
        else:
            flash(f"Invitation sent to {form.email.data}")
            return redirect(url_for("admin.dwp_staff"))
    return render_template("views/admin/invite_dwp_staff.html", form=form)


@bp.route("/outbox")
@requires(Permission.READ_OUTBOX)
def outbox():
    """Delivery records only: no address, text or link (issue 12, finding 1; DOMAIN §1)."""
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)).all()
    return render_template("views/admin/outbox.html", messages=messages, purposes=MAIL_PURPOSES)


@bp.route("/api-clients", methods=["GET", "POST"])
@requires(Permission.MANAGE_API_CLIENTS)
def api_clients():
    form = ApiClientForm()
    if form.validate_on_submit():
        try:
            api_client_service.create_client(form.name.data)
        except api_client_service.ApiClientError as error:
            add_error(form, error.field, str(error))
        else:
            flash(f"{form.name.data} added. Issue it a token.")
            return redirect(url_for("admin.api_clients"))
    return render_template("views/admin/api_clients.html", clients=api_client_service.all_clients(), form=form,
                           new_token=None)


@bp.route("/api-clients/<int:client_id>/tokens", methods=["POST"])
@requires(Permission.MANAGE_API_CLIENTS)
def issue_api_token(client_id):
    client = db.session.get(ApiClient, client_id)
    if client is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = api_client_service.issue_token(client, by=current_user)
    # Shown once, on this response only; the portal keeps its hash.
    return render_template("views/admin/api_clients.html", clients=api_client_service.all_clients(),
                           form=ApiClientForm(formdata=None), new_token=token, new_token_client=client)


@bp.route("/api-clients/<int:client_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Permission.MANAGE_API_CLIENTS)
def revoke_api_token(client_id, token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.client_id != client_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    api_client_service.revoke_token(token)
    flash(f"Token {token.prefix}… revoked")
    return redirect(url_for("admin.api_clients"))
