"""A plan version's documents: download in the customer's format, the sealed originals, the customer's copy."""
import io
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from portal import audit, data_access, scope
from portal.customer_words import FORMATS, LANGUAGES
from portal.document_forms import CopyForm
from portal.documents import service as documents
from portal.extensions import db
from portal.models import CopyMethod
from portal.permissions import Permission, has_permission, requires
from portal.services import copies
from portal.template_helpers import UK
from portal.views.helpers import add_error
from portal.views.plans import customer_name, version_or_404

bp = Blueprint("documents", __name__, url_prefix="/customers/<int:customer_id>/plan")


@bp.app_template_global("seal_status")
def seal_status(version):
    """The sealing at agreement of `version` (issue 17), or None before agreement."""
    seal = documents.seal_of(version) if version.status.was_agreed else None
    if seal is None:
        return None
    done, total = documents.seal_progress(seal)
    return {"status": seal.status, "done": done, "total": total}


def _may_record_copy(version):
    return (has_permission(current_user, Permission.EDIT_PLAN) and current_user.role.is_provider
            and version.organisation_id == current_user.organisation_id and version.status.was_agreed)


def _choice(customer, version):
    """(format, language, signed): what the customer signed this version in, else their recorded choice.
    The copy they agreed to is the one they can read (R-SIGN-2), even if their record changed since."""
    for signature in version.signatures:
        if (signature.party.role == "customer" and signature.content_hash == version.content_hash
                and signature.document_format in FORMATS and signature.language in LANGUAGES):
            return signature.document_format, signature.language, True
    lang, document_format = data_access.customer_preferences(customer.id)
    return document_format, lang, False


def _page(customer, version, form, status=200):
    document_format, lang, signed_in = _choice(customer, version)
    seal, originals = documents.originals_of(version)
    return render_template(
        "views/documents/index.html", customer=customer, customer_name=customer_name(customer), version=version,
        seal=seal, originals=originals, copies=copies.copies_of(version), form=form,
        may_record_copy=_may_record_copy(version), preferred=(document_format, lang), signed_in=signed_in,
        formats=documents.FORMAT_LABELS, languages=documents.LANGUAGE_LABELS, kinds=documents.KIND_LABELS,
    ), status


@bp.route("/<int:version_id>/documents")
@requires(Permission.VIEW_PLAN)
def index(customer_id, version_id):
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    document_format, lang, _ = _choice(customer, version)
    form = CopyForm(formdata=None, document_format=document_format, language=lang,
                    given_on=datetime.now(UK).date())
    return _page(customer, version, form)


@bp.route("/<int:version_id>/documents/<kind>")
@requires(Permission.VIEW_PLAN)
def download(customer_id, version_id, kind):
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    preferred_format, preferred_lang, _ = _choice(customer, version)
    document_format = request.args.get("format", preferred_format)
    lang = request.args.get("lang", preferred_lang)
    if kind not in documents.KINDS or document_format not in FORMATS or lang not in LANGUAGES:
        abort(404)
    progress_on = datetime.now(UK).date() if request.args.get("progress") == "1" else None
    document = documents.document_for(version, reader=current_user, kind=kind, document_format=document_format,
                                      lang=lang, progress_on=progress_on)
    audit.record_and_commit("document.downloaded", customer_id=customer.id, subject_type="plan_version",
                            subject_id=version.id, detail={"kind": kind, "format": document_format, "language": lang,
                                                           "original": document.original,
                                                           "progress": progress_on is not None})
    response = send_file(io.BytesIO(document.data), mimetype=document.media_type,
                         as_attachment=True, download_name=document.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:version_id>/copies", methods=["POST"])
@requires(Permission.EDIT_PLAN)
def record_copy(customer_id, version_id):
    customer = scope.customer_or_404(current_user, customer_id)
    version = version_or_404(customer, version_id)
    if not _may_record_copy(version):
        abort(403)
    form = CopyForm()
    if form.validate_on_submit():
        try:
            copies.record_copy(version, method=CopyMethod(form.method.data), document_format=form.document_format.data,
                               lang=form.language.data, given_on=form.given_on.data, today=datetime.now(UK).date(),
                               by=current_user, email=form.email.data, note=form.note.data)
        except copies.CopyError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash(f"Copy of version {version.number} recorded")
            return redirect(url_for("documents.index", customer_id=customer.id, version_id=version.id))
    return _page(customer, version, form, status=400)
