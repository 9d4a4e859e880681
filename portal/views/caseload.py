"""A provider's caseload: paginated, searchable, filterable; its hours by week or month."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from portal import audit, data_access
from portal.csv_export import csv_response
from portal.forms import CaseloadFilterForm
from portal.hours_forms import HoursRangeForm
from portal.models import ReferralStatus
from portal.permissions import Permission, requires
from portal.services import caseload as caseload_service
from portal.services import hours, hours_rules, organisations

bp = Blueprint("caseload", __name__, url_prefix="/caseload")


def _filters(user, with_advisers=True):
    """The filter form and the filters it asks for. The hours page has no adviser list to show, so it loads none
    (an adviser chosen on the caseload page still filters it: the choices only label the list)."""
    form = CaseloadFilterForm(request.args)
    # The organisation's programmes: the page's menu loads them anyway (runs_cohorts), so this is no statement more.
    programmes = user.organisation.programmes or organisations.all_programmes()
    form.programme.choices = [("", "All programmes")] + [(p.code, p.name) for p in programmes]
    form.status.choices = _STATUS_CHOICES
    advisers = caseload_service.advisers_for(user) if with_advisers else []
    form.adviser.choices = [("", "All advisers")] + [(str(adviser_id), name) for adviser_id, name in advisers]
    form.flag.choices = _FLAG_CHOICES
    filters = caseload_service.CaseloadFilters(
        search=(form.q.data or "")[:100],
        programme=form.programme.data or "",
        status=form.status.data or "",
        adviser_id=int(form.adviser.data) if (form.adviser.data or "").isdigit() else None,
        flag=form.flag.data if form.flag.data in caseload_service.FLAGS else "",
        page=max(1, request.args.get("page", 1, type=int)),
    )
    return form, filters


_STATUS_CHOICES = [("", "All statuses")] + [(s.value, s.label) for s in ReferralStatus]
_FLAG_CHOICES = [("", "Everyone")] + list(caseload_service.FLAGS.items())


@bp.route("/")
@requires(Permission.VIEW_CASELOAD)
def index():
    user = current_user._get_current_object()
    form, filters = _filters(user)
    page = caseload_service.caseload_page(user, filters, current_app.config["CASELOAD_PAGE_SIZE"])
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    html = render_template("views/caseload/index.html", filter_form=form, page=page, query=query,
                           customer_link=_link_pattern("customers.show", "customer_id"))
    _audit_listed(page)
    return html


def _link_pattern(endpoint, *names):
    """The endpoint's path as a str.format pattern of the ids `names`: url_for once a page, not once a row."""
    marks = {name: 987654320 + n for n, name in enumerate(names)}
    path = url_for(endpoint, **marks)
    for name, mark in marks.items():
        path = path.replace(str(mark), "{%s}" % name)
    return path


def _audit_listed(page):
    # R-DATA-7: a list of names is a view of DWP-held data too. Written after rendering: the commit
    # expires the loaded rows, and rendering after it would reload each one.
    audit.record_and_commit("caseload.listed", customer_ids=[row.referral.customer_id for row in page.rows],
                            detail={"through": "page", "fields": ["name"]})


@bp.route("/export.csv")
@requires(Permission.EXPORT_CASELOAD)
def export():
    """The filtered caseload as CSV, with the DWP fields this user may see and nothing else."""
    _form, filters = _filters(current_user._get_current_object(), with_advisers=False)
    rows = caseload_service.caseload_rows(current_user, filters, limit=current_app.config["EXPORT_LIMIT"])
    views = {view.customer_id: view for view in data_access.visible_records(current_user, [r.customer for r in rows])}
    fields = [name for name, _ in data_access.DWP_FIELDS
              if name != "appointments" and any(name in view for view in views.values())]
    header = ["Reference", "Programme", "Status", "Referred", "Adviser"] + [data_access.FIELD_LABELS[name] for name in fields]
    lines = [[row.customer_reference, row.programme_name, row.referral.status.label,
              row.referral.referred_at.date().isoformat(), row.adviser_name or ""]
             + [views[row.referral.customer_id].get(name, "") for name in fields] for row in rows]
    audit.record_and_commit("caseload.exported", customer_ids=list(views),
                            detail={"through": "export", "fields": fields})
    return csv_response("caseload.csv", header, lines)


HOURS_WEEKS = 8
HOURS_MONTHS = 6


@bp.route("/hours")
@requires(Permission.VIEW_HOURS)
def hours_summary():
    """The caseload's hours for recent weeks or months: one page of customers, one aggregate query."""
    user = current_user._get_current_object()
    form, filters = _filters(user, with_advisers=False)
    page = caseload_service.caseload_page(user, filters, current_app.config["CASELOAD_PAGE_SIZE"])
    today = datetime.now(ZoneInfo("Europe/London")).date()
    referral_ids = [row.referral.id for row in page.rows]
    by_month = request.args.get("by") == "month"
    if by_month:
        first = _months_back(today, HOURS_MONTHS - 1)
        columns = [_months_back(today, n) for n in range(HOURS_MONTHS - 1, -1, -1)]
        totals = hours.monthly_totals(referral_ids, first, today)
    else:
        this_week = hours_rules.week_start(today)
        columns = [this_week - timedelta(days=7 * n) for n in range(HOURS_WEEKS - 1, -1, -1)]
        totals = hours.weekly_totals(referral_ids, columns[0], columns[-1])
    periods = [(column, (_months_back(column, -1) - timedelta(days=1)) if by_month else column + timedelta(days=6))
               for column in columns]
    grid = {row.referral.id: [_cell(row.referral, column, last_day, totals, today) for column, last_day in periods]
            for row in page.rows}
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    other_view = {k: v for k, v in query.items() if k != "by"} | ({} if by_month else {"by": "month"})
    range_form = HoursRangeForm(formdata=None)
    range_form.first_day.data, range_form.last_day.data = columns[0], today
    html = render_template("views/caseload/hours.html", filter_form=form, page=page, query=query, columns=columns,
                           grid=grid, by_month=by_month, other_view=other_view, range_form=range_form,
                           hours_link=_link_pattern("hours.index", "customer_id", "referral_id"),
                           customer_link=_link_pattern("customers.show", "customer_id"))
    _audit_listed(page)
    return html


def _cell(referral, column, last_day, totals, today):
    """(hours as text, missing): missing when the customer was on the programme for the whole period and nothing is recorded."""
    total = totals.get((referral.id, column), 0)
    if total:
        return hours_rules.hours_text(total), False
    on_programme = (referral.started_on is not None and referral.started_on <= column
                    and (referral.ended_on is None or referral.ended_on >= last_day))
    return "", on_programme and last_day < today


def _months_back(day, months):
    month_index = day.year * 12 + day.month - 1 - months
    return date(month_index // 12, month_index % 12 + 1, 1)


@bp.route("/hours.csv")
@requires(Permission.EXPORT_CASELOAD)
def hours_export():
    """Every activity of the filtered caseload in a date range; names through the data-access policy."""
    _form, filters = _filters(current_user._get_current_object(), with_advisers=False)
    range_form = HoursRangeForm(formdata=request.args)
    if not range_form.validate():
        return render_template("views/caseload/hours_range.html", form=range_form, query={}), 400
    rows = caseload_service.caseload_rows(current_user, filters, limit=current_app.config["EXPORT_LIMIT"])
    referrals = {row.referral.id: row for row in rows}
    names = data_access.visible_names(current_user, [row.referral.customer_id for row in rows])
    entries = hours.entries_between(list(referrals), range_form.first_day.data, range_form.last_day.data,
                                    limit=current_app.config["EXPORT_LIMIT"])
    audit.record_and_commit("hours.exported", customer_ids=sorted({referrals[e.referral_id].referral.customer_id for e in entries}),
                            detail={"through": "export", "fields": ["name"],
                                    "from": range_form.first_day.data.isoformat(), "to": range_form.last_day.data.isoformat()})
    header = ["Reference", "Name", "Programme", "Date", "Week from", "Activity", "Delivered by", "Organisation",
              "Objective", "How", "Hours", "What was done", "Entered by"]
    lines = [[referrals[e.referral_id].customer_reference, names.get(referrals[e.referral_id].referral.customer_id, ""),
              referrals[e.referral_id].programme_name, e.on.isoformat(), e.week_start.isoformat(), e.activity.label,
              e.source.label, e.source_name or "", e.objective.what if e.objective else "", e.mode.label,
              hours_rules.hours_text(e.quarters), e.description, e.entered_by_organisation.name] for e in entries]
    return csv_response("caseload-hours.csv", header, lines)
