"""The employer's remote signing (R-ISP-12): a one-time code sent to the employer's own email address
opens the in-work support agreement — that part of the plan only (JCP 92) — and the employer signs it
with their own declaration, name and role."""
from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for

from portal.documents import service as documents
from portal.extensions import db
from portal.in_work_forms import CodeForm, EmployerSignForm
from portal.permissions import public
from portal.services import employer_links, in_work, plan_rules
from portal.views.helpers import add_error

bp = Blueprint("employer_signing", __name__, url_prefix="/employer-sign")
VERIFIED = "employer_verified_link"


def _gone():
    return render_template("views/employer_signing/gone.html"), 404


@bp.route("/<token>", methods=["GET", "POST"])
@public
def start(token):
    link = employer_links.usable(token)
    if link is None:
        return _gone()
    employer_links.mark_opened(link)
    form = CodeForm()
    sent = link.codes_sent > 0
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if form.action.data == "send":
            try:
                employer_links.send_code(link)
                sent = True
            except in_work.AgreementError as error:
                add_error(form, "code", str(error))
                status = 429
        else:
            result = employer_links.check_code(link, form.code.data)
            if result == employer_links.OK:
                session[VERIFIED] = link.id
                return redirect(url_for("employer_signing.read", token=token))
            if result == employer_links.LOCKED:
                return _gone()
            db.session.refresh(link)
            left = employer_links.attempts_left(link)
            add_error(form, "code", ("That code has expired or was not sent. Ask for a new code."
                                     if result == employer_links.EXPIRED else "That code is not right.")
                      + f" You have {left} more {'try' if left == 1 else 'tries'}.")
            sent, status = True, 400
    return render_template("views/employer_signing/code.html", form=form, sent=sent, token=token,
                           agreement=link.agreement), status


@bp.route("/<token>/agreement", methods=["GET", "POST"])
@public
def read(token):
    link = employer_links.usable(token)
    if link is None or link.verified_at is None or session.get(VERIFIED) != link.id:
        abort(404)
    agreement = link.agreement
    form = EmployerSignForm()
    form.declaration.label.text = in_work.DECLARATIONS["employer"]
    if form.validate_on_submit():
        try:
            employer_links.sign_by_link(link, typed_name=form.typed_name.data, signer_role=form.signer_role.data,
                                        ip_address=request.remote_addr, user_agent=request.headers.get("User-Agent"))
        except in_work.AgreementError as error:
            db.session.rollback()
            if error.field:
                add_error(form, error.field, str(error))
            else:
                return _gone()
        else:
            session.pop(VERIFIED, None)
            return render_template("views/employer_signing/done.html", agreement=agreement)
    return render_template("views/employer_signing/read.html", form=form, agreement=agreement, labels=plan_rules,
                           employee=_employee(agreement), token=token), 400 if form.errors else 200


def _employee(agreement):
    return next((p.name for p in agreement.plan.versions[-1].parties if p.role == "customer"), "")


@bp.route("/<token>/agreement.pdf", methods=["GET"])
@public
def document(token):
    """The employer's copy to read before signing: the agreement's own document, nothing more."""
    link = employer_links.usable(token)
    if link is None or link.verified_at is None or session.get(VERIFIED) != link.id:
        abort(404)
    made = documents.agreement_document(link.agreement, employee=_employee(link.agreement))
    return Response(made.data, mimetype=made.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{made.filename}"'})
