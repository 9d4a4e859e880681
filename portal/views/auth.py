"""Sign-in (password, then TOTP), sign-out, invitations and password reset."""
from datetime import timedelta

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, session, url_for
from flask_login import current_user

from portal import audit
from portal.extensions import db
from portal.forms import CodeForm, ForgotPasswordForm, NewPasswordForm, SignInForm
from portal.models import User
from portal.models.base import utcnow
from portal.permissions import Permission, public, requires
from portal.security import rate_limit, sessions, totp
from portal.services import accounts
from portal.views.helpers import add_error, safe_next_url

bp = Blueprint("auth", __name__)

PENDING_USER = "pending_user_id"
PENDING_SINCE = "pending_since"
PENDING_NEXT = "pending_next"
PENDING_LIFETIME = timedelta(minutes=5)
SIGN_IN_FAILED = "Enter a correct email address and password. After 10 failed attempts an account is paused for 15 minutes."


def _pending_user():
    """The user who gave a correct password in this browser in the last 5 minutes, if any."""
    user_id, since = session.get(PENDING_USER), session.get(PENDING_SINCE)
    if not user_id or not since or utcnow().timestamp() - since > PENDING_LIFETIME.total_seconds():
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_enabled else None


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user = accounts.check_password(form.email.data, form.password.data)
        if user is None:
            add_error(form, "email", SIGN_IN_FAILED)
        else:
            next_url = safe_next_url()
            session.clear()
            session[PENDING_USER] = user.id
            session[PENDING_SINCE] = utcnow().timestamp()
            session[PENDING_NEXT] = next_url
            if user.totp_confirmed_at is None:
                return redirect(url_for("auth.set_up_authenticator"))
            return redirect(url_for("auth.enter_code"))
    return render_template("views/auth/sign_in.html", form=form)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def enter_code():
    user = _pending_user()
    if user is None or user.totp_confirmed_at is None:
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        next_url = session.get(PENDING_NEXT) or url_for("home.index")
        if accounts.check_code(user, form.code.data):
            return redirect(next_url)
        add_error(form, "code", "The security code is not correct or has already been used. Wait for a new code and try again.")
    return render_template("views/auth/enter_code.html", form=form)


@bp.route("/sign-in/set-up-authenticator", methods=["GET", "POST"])
@public
def set_up_authenticator():
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if user.totp_confirmed_at is not None:
        return redirect(url_for("auth.enter_code"))
    form = CodeForm()
    if form.validate_on_submit():
        next_url = session.get(PENDING_NEXT) or url_for("home.index")
        if accounts.check_code(user, form.code.data):
            flash("Your authenticator app is set up")
            return redirect(next_url)
        add_error(form, "code", "The security code is not correct. Check the app shows the ISP provider portal and try the newest code.")
    secret = totp.decrypt_secret(user.totp_secret_encrypted) if user.totp_secret_encrypted else None
    if secret is None:
        secret = accounts.start_totp_enrolment(user)
    return render_template(
        "views/auth/set_up_authenticator.html", form=form, secret=totp.grouped(secret),
        qr_data_uri=totp.qr_png_data_uri(secret, user.email),
    )


@bp.route("/sign-out", methods=["POST"])
@requires(Permission.USE_PORTAL)
def sign_out():
    audit.record("sign_out", actor=current_user)
    sessions.sign_out(current_user)
    db.session.commit()
    flash("You have signed out")
    return redirect(url_for("auth.sign_in"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token):
    invitation = accounts.usable_invitation(token)
    if invitation is None:
        return render_template("views/auth/link_expired.html", what="invitation"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.accept_invitation(invitation, form.password.data)
        except accounts.AccountError as error:
            add_error(form, error.field or "password", str(error))
        else:
            flash("Your account is ready. Sign in to set up your authenticator app.")
            return redirect(url_for("auth.sign_in"))
    return render_template("views/auth/accept_invitation.html", form=form, invitation=invitation)


RESET_WINDOW_SECONDS = 3600


def _reset_allowed(email):
    """Issue 12, finding 8: per client and per address typed, known or not, so a refusal says nothing."""
    config = current_app.config
    return (rate_limit.hit("reset-client", config["PASSWORD_RESET_RATE_PER_CLIENT"],
                           window_seconds=RESET_WINDOW_SECONDS)
            and rate_limit.hit("reset-address", config["PASSWORD_RESET_RATE_PER_ADDRESS"],
                               key=accounts.normalise_email(email), window_seconds=RESET_WINDOW_SECONDS))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        if not _reset_allowed(form.email.data):
            response = make_response(render_template("views/auth/reset_limited.html"), 429)
            response.headers["Retry-After"] = str(RESET_WINDOW_SECONDS)
            return response
        accounts.request_password_reset(form.email.data)
        return render_template("views/auth/reset_sent.html", email=form.email.data)
    return render_template("views/auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token):
    reset = accounts.usable_reset(token)
    if reset is None:
        return render_template("views/auth/link_expired.html", what="password reset link"), 404
    form = NewPasswordForm()
    form.password.label.text = "New password"
    if form.validate_on_submit():
        try:
            accounts.reset_password(reset, form.password.data)
        except accounts.AccountError as error:
            add_error(form, "password", str(error))
        else:
            flash("Your password has been changed. Sign in with it and your security code.")
            return redirect(url_for("auth.sign_in"))
    return render_template("views/auth/reset_password.html", form=form)
