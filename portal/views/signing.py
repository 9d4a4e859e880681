"""Remote signing: a customer opens a single-use link, confirms their date of birth, reads and signs.

No account is needed. The page works on a phone and is in English or Welsh.
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from portal import data_access
from portal.extensions import db
from portal.forms import GovDateField, PortalForm
from portal.permissions import public
from portal.services import plan_rules, plans, reminders
from portal.customer_words import LANGUAGES, customer_choice, words

bp = Blueprint("signing", __name__, url_prefix="/sign")
VERIFIED = "signing_verified_link"


def _lang():
    lang = request.args.get("lang")
    return lang if lang in LANGUAGES else None


class CheckForm(PortalForm):
    date_of_birth = GovDateField("Date of birth")


class SignForm(PortalForm):
    pass


def _link_or_gone(token):
    link = plans.usable_signing_link(token)
    if link is None:
        return None
    return link


@bp.route("/<token>", methods=["GET", "POST"])
@public
def start(token):
    link = _link_or_gone(token)
    preferred, document_format = ("en", "standard")
    if link is not None:
        preferred, document_format = data_access.customer_preferences(link.version.plan.customer_id)
    lang = _lang() or preferred
    text = words(lang)
    if link is None:
        return render_template("views/signing/gone.html", text=text, lang=lang, page_lang=lang), 404
    reminders.mark_link_opened(link)  # R-REM-1: the adviser's queue shows the link as opened
    form = CheckForm()
    form.date_of_birth.label.text = text["dob_label"]
    if request.method == "POST":
        if form.validate_on_submit() and form.date_of_birth.data and data_access.date_of_birth_matches(
                link.version.plan.customer_id, form.date_of_birth.data):
            session[VERIFIED] = link.id
            return redirect(url_for("signing.read", token=token, lang=lang))
        db.session.rollback()
        left = plans.record_failed_check(link)
        if left <= 0:
            return render_template("views/signing/gone.html", text=text, lang=lang, page_lang=lang), 404
        form.date_of_birth.errors = [text["dob_wrong"].format(left=left)]
    return render_template("views/signing/check.html", form=form, text=text, lang=lang, page_lang=lang, token=token)


@bp.route("/<token>/plan", methods=["GET", "POST"])
@public
def read(token):
    link = _link_or_gone(token)
    if link is None or session.get(VERIFIED) != link.id:
        abort(404)
    preferred, document_format = data_access.customer_preferences(link.version.plan.customer_id)
    lang, document_format = customer_choice(request.args, preferred, document_format)
    text = words(lang)
    version = link.version
    error = None
    if request.method == "POST":
        form = SignForm()
        agreed = request.form.get("declaration") == "y"
        typed_name = (request.form.get("typed_name") or "").strip()
        if not form.validate_on_submit():
            abort(400)
        if not agreed:
            error = ("declaration", text["declaration_missing"])
        elif not typed_name or len(typed_name) > 200:
            error = ("typed_name", text["name_missing"])
        else:
            try:
                plans.sign_by_link(link, typed_name=typed_name, declaration=text["declaration"], language=lang,
                                   document_format=document_format, ip_address=request.remote_addr,
                                   user_agent=request.headers.get("User-Agent"))
            except plans.PlanError as refused:
                db.session.rollback()
                if refused.field != "typed_name":
                    return render_template("views/signing/gone.html", text=text, lang=lang, page_lang=lang), 409
                # R-SIGN-4: nothing signed. A wrong name counts as a failed check, so the name cannot be guessed.
                if plans.record_failed_check(link) <= 0:
                    return render_template("views/signing/gone.html", text=text, lang=lang, page_lang=lang), 404
                error = ("typed_name", text["name_wrong"])
            else:
                session.pop(VERIFIED, None)
                reminders.notify_signed(link)  # R-REM-1: after the signature is committed, tell the adviser
                return render_template("views/signing/done.html", text=text, lang=lang, page_lang=lang)
    earlier = plans.last_signed_by(version, link.party.role)
    changes = plans.changes_for_customer(earlier, version) if earlier else []
    return render_template("views/signing/read.html", text=text, lang=lang, page_lang=lang, version=version,
                           party=link.party, labels=plan_rules, changes=changes, earlier=earlier, error=error,
                           large_print=document_format == "large_print", token=token, document_format=document_format,
                           today=datetime.now(ZoneInfo("Europe/London")).date())
