"""A provider's caseload: paginated, searchable, filterable."""
import csv
import io

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from portal import audit, data_access

from portal.forms import CaseloadFilterForm
from portal.models import ReferralStatus
from portal.permissions import Permission, requires
from portal.services import caseload as caseload_service
from portal.services import organisations

bp = Blueprint("caseload", __name__, url_prefix="/caseload")


def _filters():
    form = CaseloadFilterForm(request.args)
    programmes = current_user.organisation.programmes or organisations.all_programmes()
    form.programme.choices = [("", "All programmes")] + [(p.code, p.name) for p in programmes]
    form.status.choices = [("", "All statuses")] + [(s.value, s.label) for s in ReferralStatus]
    advisers = caseload_service.advisers_for(current_user)
    form.adviser.choices = [("", "All advisers")] + [(str(a.id), a.name) for a in advisers]
    form.flag.choices = [("", "Everyone")] + list(caseload_service.FLAGS.items())
    filters = caseload_service.CaseloadFilters(
        search=(form.q.data or "")[:100],
        programme=form.programme.data or "",
        status=form.status.data or "",
        adviser_id=int(form.adviser.data) if (form.adviser.data or "").isdigit() else None,
        flag=form.flag.data if form.flag.data in caseload_service.FLAGS else "",
        page=max(1, request.args.get("page", 1, type=int)),
    )
    return form, filters


@bp.route("/")
@requires(Permission.VIEW_CASELOAD)
def index():
    form, filters = _filters()
    page = caseload_service.caseload_page(current_user, filters, current_app.config["CASELOAD_PAGE_SIZE"])
    # R-DATA-7: a list of names is a view of DWP-held data too.
    audit.record_and_commit("caseload.listed", customer_ids=[row.referral.customer_id for row in page.rows],
                            detail={"through": "page", "fields": ["name"]})
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("views/caseload/index.html", filter_form=form, page=page, query=query)


@bp.route("/export.csv")
@requires(Permission.EXPORT_CASELOAD)
def export():
    """The filtered caseload as CSV, with the DWP fields this user may see and nothing else."""
    _form, filters = _filters()
    rows = caseload_service.caseload_rows(current_user, filters, limit=current_app.config["EXPORT_LIMIT"])
    views = {view.customer_id: view for view in data_access.visible_records(current_user, [r.customer for r in rows])}
    fields = [name for name, _ in data_access.DWP_FIELDS
              if name != "appointments" and any(name in view for view in views.values())]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Reference", "Programme", "Status", "Referred", "Adviser"]
                    + [data_access.FIELD_LABELS[name] for name in fields])
    for row in rows:
        view = views[row.referral.customer_id]
        writer.writerow([row.customer_reference, row.programme_name, row.referral.status.label,
                         row.referral.referred_at.date().isoformat(), row.adviser_name or ""]
                        + [_csv_safe(view.get(name, "")) for name in fields])
    audit.record_and_commit("caseload.exported", customer_ids=list(views),
                            detail={"through": "export", "fields": fields})
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="caseload.csv"'})


def _csv_safe(value):
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
