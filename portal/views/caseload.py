"""A provider's caseload: paginated, searchable, filterable."""
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from portal.forms import CaseloadFilterForm
from portal.models import ReferralStatus
from portal.permissions import Permission, requires
from portal.services import caseload as caseload_service
from portal.services import organisations

bp = Blueprint("caseload", __name__, url_prefix="/caseload")


@bp.route("/")
@requires(Permission.VIEW_CASELOAD)
def index():
    form = CaseloadFilterForm(request.args)
    programmes = current_user.organisation.programmes or organisations.all_programmes()
    form.programme.choices = [("", "All programmes")] + [(p.code, p.name) for p in programmes]
    form.status.choices = [("", "All statuses")] + [(s.value, s.label) for s in ReferralStatus]
    advisers = caseload_service.advisers_for(current_user)
    form.adviser.choices = [("", "All advisers")] + [(str(a.id), a.name) for a in advisers]
    filters = caseload_service.CaseloadFilters(
        search=(form.q.data or "")[:100],
        programme=form.programme.data or "",
        status=form.status.data or "",
        adviser_id=int(form.adviser.data) if (form.adviser.data or "").isdigit() else None,
        page=max(1, request.args.get("page", 1, type=int)),
    )
    page = caseload_service.caseload_page(current_user, filters, current_app.config["CASELOAD_PAGE_SIZE"])
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("views/caseload/index.html", filter_form=form, page=page, query=query)
