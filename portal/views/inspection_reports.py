"""The whole sample's checklist, closing an inspection and its sealed report (issue 13, R-INSP-1).

Routes on the inspections blueprint (portal/views/inspections.py)."""
import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from portal import audit, data_access
from portal.customer_words import LANGUAGES
from portal.documents import reports
from portal.documents.service import KIND_LABELS, LANGUAGE_LABELS, MEDIA_TYPES
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.models import Finding, FindingState, Inspection
from portal.permissions import Permission, requires
from portal.services import inspection_checklist, inspection_report, inspections
from portal.views.inspections import bp, inspection_or_404, today_uk
from sqlalchemy import func, select


@bp.route("/inspections/<int:inspection_id>/sample/checklist")
@requires(Permission.INSPECT)
def sample_checklist(inspection_id):
    """Every sampled customer's checklist on one page, with the results by rule: a fixed number of
    queries for any sample size (portal/services/inspection_checklist.checklists)."""
    inspection = inspection_or_404(inspection_id)
    rows = inspections.sample_of(inspection)
    ids = [row.customer_id for row in rows]
    checked = inspection_checklist.checklists(inspection, ids, today_uk())
    results = inspection_report.results_by_rule(checks for checks, _version, _referral in checked.values())
    names = data_access.visible_names(current_user, ids)
    # Rendered before the audit commit, which would expire every plan loaded above (a reload each).
    page = render_template("views/inspections/sample_checklist.html", inspection=inspection, rows=rows,
                           checked=checked, names=names, results=results)
    if ids:
        audit.record_and_commit("inspection.sample_checklist_viewed", subject_type="inspection",
                                subject_id=inspection.id, customer_ids=ids,
                                detail={"through": "page", "fields": ["name"]})
    return page


def _open_findings(inspection):
    return db.session.scalar(select(func.count(Finding.id)).where(
        Finding.inspection_id == inspection.id, Finding.state.in_([FindingState.OPEN, FindingState.REOPENED])))


@bp.route("/inspections/<int:inspection_id>/close", methods=["GET", "POST"])
@requires(Permission.INSPECT)
def close_and_report(inspection_id):
    """The inspector closes their inspection; its report is sealed then (the administrator may close too)."""
    inspection = inspection_or_404(inspection_id)
    if not inspection.is_open:
        return redirect(url_for("inspections.report", inspection_id=inspection.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            inspections.close_inspection(inspection, closed_on=today_uk(), by=current_user)
        except inspections.InspectionError as error:
            flash(str(error))
        else:
            flash("The inspection is closed and its report sealed")
        return redirect(url_for("inspections.report", inspection_id=inspection.id))
    return render_template("views/inspections/close.html", inspection=inspection, form=form,
                           open_findings=_open_findings(inspection), sampled=len(inspections.sample_of(inspection)))


@bp.route("/inspections/<int:inspection_id>/report")
@requires(Permission.INSPECT)
def report(inspection_id):
    inspection = inspection_or_404(inspection_id)
    return _report_page(inspection, "inspections.report_download")


@bp.route("/inspections/<int:inspection_id>/report/<kind>/<lang>")
@requires(Permission.INSPECT)
def report_download(inspection_id, kind, lang):
    return _download(inspection_or_404(inspection_id), kind, lang)


def _provider_inspection_or_404(inspection_id):
    """A closed inspection of the manager's own organisation (R-DATA-6: others answer 404)."""
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None or inspection.organisation_id != current_user.organisation_id or inspection.is_open:
        abort(404)
    return inspection


@bp.route("/findings/inspections/<int:inspection_id>/report")
@requires(Permission.ANSWER_FINDINGS)
def provider_report(inspection_id):
    return _report_page(_provider_inspection_or_404(inspection_id), "inspections.provider_report_download")


@bp.route("/findings/inspections/<int:inspection_id>/report/<kind>/<lang>")
@requires(Permission.ANSWER_FINDINGS)
def provider_report_download(inspection_id, kind, lang):
    return _download(_provider_inspection_or_404(inspection_id), kind, lang)


def _report_page(inspection, download_endpoint):
    seal = reports.report_seal(inspection)
    return render_template("views/inspections/report.html", inspection=inspection, seal=seal,
                           originals=list(seal.originals) if seal else [], download_endpoint=download_endpoint,
                           kinds=KIND_LABELS, languages=LANGUAGE_LABELS)


def _download(inspection, kind, lang):
    if kind not in reports.KINDS or lang not in LANGUAGES:
        abort(404)
    original = reports.report_original(inspection, kind, lang)
    if original is None:
        abort(404)
    audit.record_and_commit("inspection.report_downloaded", subject_type="inspection", subject_id=inspection.id,
                            detail={"kind": kind, "language": lang})
    return send_file(io.BytesIO(original.content), mimetype=MEDIA_TYPES[kind], as_attachment=True,
                     download_name=reports.filename(inspection, kind, lang))
