"""Inspection packs: an inspector, or a provider's manager, builds a zip of sealed originals (issue 6)."""
import io

from flask import Blueprint, abort, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user

from portal import audit
from portal.document_forms import PackForm
from portal.documents import packs
from portal.extensions import db
from portal.models import PackStatus
from portal.permissions import Permission, requires
from portal.views.helpers import add_error

bp = Blueprint("packs", __name__, url_prefix="/inspection-packs")


def _form():
    form = PackForm()
    form.organisation_id.choices = [(o.id, o.name) for o in packs.organisations_for(current_user)]
    form.programme_id.choices = [(p.id, p.name) for p in packs.programmes()]
    return form


def _pack_or_404(pack_id):
    pack = packs.pack_or_none(current_user, pack_id)
    if pack is None:
        abort(404)
    return pack


@bp.route("/", methods=["GET", "POST"])
@requires(Permission.BUILD_INSPECTION_PACK)
def index():
    form = _form()
    if form.validate_on_submit():
        try:
            pack = packs.request_pack(current_user, organisation_id=form.organisation_id.data,
                                      programme_id=form.programme_id.data, date_from=form.date_from.data,
                                      date_to=form.date_to.data)
        except packs.PackError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            packs.start(pack)
            return redirect(url_for("packs.show", pack_id=pack.id))
    status = 400 if form.errors else 200
    return render_template("views/packs/index.html", form=form, packs=packs.packs_for(current_user)), status


@bp.route("/<int:pack_id>")
@requires(Permission.BUILD_INSPECTION_PACK)
def show(pack_id):
    return render_template("views/packs/show.html", pack=_pack_or_404(pack_id), statuses=PackStatus)


@bp.route("/<int:pack_id>/progress")
@requires(Permission.BUILD_INSPECTION_PACK)
def progress(pack_id):
    pack = _pack_or_404(pack_id)
    return jsonify(status=str(pack.status), done=pack.done, total=pack.total)


@bp.route("/<int:pack_id>/download")
@requires(Permission.BUILD_INSPECTION_PACK)
def download(pack_id):
    pack = _pack_or_404(pack_id)
    if pack.status != PackStatus.DONE:
        abort(404)
    audit.record_and_commit("inspection_pack.downloaded", subject_type="inspection_pack", subject_id=pack.id)
    response = send_file(io.BytesIO(pack.zip_bytes), mimetype="application/zip", as_attachment=True,
                         download_name=f"inspection-pack-{pack.id}.zip")
    response.headers["Cache-Control"] = "no-store"
    return response
