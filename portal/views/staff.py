"""A provider manager invites and disables their own organisation's staff."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.extensions import db
from portal.forms import ConfirmForm, InviteForm
from portal.models import Role, User
from portal.permissions import Permission, requires
from portal.services import accounts
from portal.views.helpers import add_error

bp = Blueprint("staff", __name__, url_prefix="/staff")

PROVIDER_ROLES = (Role.ADVISER, Role.MANAGER)


def _own_staff_member_or_404(user_id):
    user = db.session.get(User, user_id)
    if user is None or user.organisation_id != current_user.organisation_id:
        abort(404)
    return user


@bp.route("/")
@requires(Permission.MANAGE_STAFF)
def index():
    organisation = current_user.organisation
    return render_template("views/staff/index.html", users=accounts.staff_of(organisation),
                           invitations=accounts.pending_invitations(organisation_id=organisation.id),
                           form=None, confirm=ConfirmForm())


@bp.route("/invite", methods=["GET", "POST"])
@requires(Permission.MANAGE_STAFF)
def invite():
    form = InviteForm()
    form.role.choices = [(role.value, role.label) for role in PROVIDER_ROLES]
    if form.validate_on_submit():
        try:
            accounts.invite(email=form.email.data, name=form.name.data, role=Role(form.role.data),
                            organisation=current_user.organisation, invited_by=current_user)
        except accounts.AccountError as error:
            add_error(form, error.field, str(error))
        else:
            flash(f"Invitation sent to {form.email.data}")
            return redirect(url_for("staff.index"))
    return render_template("views/staff/invite.html", form=form)


@bp.route("/<int:user_id>/disable", methods=["POST"])
@requires(Permission.MANAGE_STAFF)
def disable(user_id):
    return _set_enabled(user_id, False)


@bp.route("/<int:user_id>/enable", methods=["POST"])
@requires(Permission.MANAGE_STAFF)
def enable(user_id):
    return _set_enabled(user_id, True)


def _set_enabled(user_id, enabled):
    user = _own_staff_member_or_404(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        accounts.set_enabled(user, enabled, by=current_user)
    except accounts.AccountError as error:
        flash(str(error))
    else:
        flash(f"{user.name} can {'now' if enabled else 'no longer'} sign in")
    return redirect(url_for("staff.index"))
