"""The public verification page: is this document an untouched original, and is it still current?

Anyone holding a document may ask, with its code or the file itself. The page says which version and
when it was agreed, and whether a newer one supersedes it; it shows nothing personal (issue 6). Rate
limited per client, as codes must not be guessable by brute force.
"""
from flask import Blueprint, make_response, redirect, render_template, request, url_for

from portal.documents.authority import CRL_PATH, ROOT_CERT_PATH

from portal.customer_words import LANGUAGES, date_in, words
from portal.documents import seal as sealing
from portal.documents import service as documents
from portal.documents import verification
from portal.permissions import public
from portal.security.rate_limit import rate_limited
from portal.template_helpers import UK

bp = Blueprint("verify", __name__, url_prefix="/verify")


def _lang():
    lang = request.values.get("lang")
    return lang if lang in LANGUAGES else "en"


def _refused():
    lang = _lang()
    return make_response(_form(lang, ("code", words(lang)["verify_too_many"])))


def _result(verdict, lang, upload=None):
    text = words(lang)
    agreed_on = date_in(verdict.agreed_at.astimezone(UK).date(), lang) if verdict and verdict.agreed_at else ""
    made_on = (date_in(verdict.made_later_at.astimezone(UK).date(), lang)
               if verdict and verdict.made_later_at else "")
    return render_template("views/verify/result.html", text=text, lang=lang, page_lang=lang, verdict=verdict,
                           agreed_on=agreed_on, made_on=made_on, upload=upload, fingerprint=sealing.root_fingerprint())


@bp.route("/", methods=["GET", "POST"])
@public
@rate_limited("verify", "VERIFY_RATE_PER_MINUTE", _refused)
def index():
    lang = _lang()
    text = words(lang)
    if request.method == "POST":
        upload = request.files.get("document")
        if "code" in request.form:
            code = documents.normalise_code(request.form["code"])
            if not request.form["code"].strip():
                return _form(lang, ("code", text["verify_code_missing"]), 400)
            if code is None or verification.seal_for_code(code) is None:
                return _form(lang, ("code", text["verify_code_unknown"]), 404, request.form["code"])
            return redirect(url_for("verify.code", code=code, lang=lang))
        if upload is None or not upload.filename:
            return _form(lang, ("document", text["verify_file_missing"]), 400)
        check = verification.verify_upload(upload.read())
        if check.problem in ("empty", "not_a_document"):  # not a changed original: say what is wrong
            key = "verify_empty_file" if check.problem == "empty" else "verify_not_a_document"
            return _form(lang, ("document", text[key]), 400)
        return _result(check.verdict, lang, upload=check)
    return _form(lang)


def _form(lang, error=None, status=200, code=""):
    return render_template("views/verify/index.html", text=words(lang), lang=lang, page_lang=lang, error=error,
                           code=code, fingerprint=sealing.root_fingerprint()), status


def _published(data, media_type, name):
    response = make_response(data)
    response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Published for third parties' validators (issue 17): the seal's certificate names these addresses.
@bp.route(ROOT_CERT_PATH.removeprefix("/verify"))
@public
def root_certificate():
    return _published(sealing.root_cert_der(), "application/pkix-cert", "portal-root.crt")


@bp.route(CRL_PATH.removeprefix("/verify"))
@public
def revocation_list():
    return _published(sealing.crl_der(), "application/pkix-crl", "portal-root.crl")


@bp.route("/<code>")
@public
@rate_limited("verify", "VERIFY_RATE_PER_MINUTE", _refused)
def code(code):
    lang = _lang()
    verdict = verification.verify_code(code)
    if verdict is None:
        return _form(lang, ("code", words(lang)["verify_code_unknown"]), 404, code)
    return _result(verdict, lang)
