"""The start page and the user's own account."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.forms import ChangePasswordForm
from portal.permissions import Permission, has_permission, requires
from portal.services import accounts
from portal.views.helpers import add_error

bp = Blueprint("home", __name__)

# Where each kind of user starts, in order of preference.
START_PAGES = (
    (Permission.VIEW_CASELOAD, "queue.index"),  # R-REM-1: the work queue is the adviser's home
    (Permission.VIEW_ALL_REFERRALS, "referrals.index"),
    (Permission.MANAGE_ORGANISATIONS, "admin.organisations"),
    (Permission.VIEW_MI, "mi.index"),
)


@bp.route("/")
@requires(Permission.USE_PORTAL)
def index():
    for permission, endpoint in START_PAGES:
        if has_permission(current_user, permission):
            return redirect(url_for(endpoint))
    return redirect(url_for("home.account"))


@bp.route("/session/keep-alive", methods=["POST"])
@requires(Permission.USE_PORTAL)
def keep_alive():
    """The user is still here (the idle-timeout warning's "Stay signed in")."""
    from portal.security.sessions import touch

    touch(current_user)
    return "", 204


@bp.route("/account", methods=["GET", "POST"])
@requires(Permission.USE_PORTAL)
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except accounts.AccountError as error:
            add_error(form, error.field, str(error))
        else:
            flash("Your password has been changed. Sign in again with your new password.")
            return redirect(url_for("auth.sign_in"))
    return render_template("views/home/account.html", form=form)
