"""Management information pages and exports (R-MI-1): managers see their organisation; DWP referral officers,
DWP MI staff and inspectors (their open inspections' providers) see across providers."""
from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request, stream_with_context
from flask_login import current_user
from sqlalchemy import select

from portal import audit, charts, data_access
from portal.csv_export import csv_response, csv_stream
from portal.extensions import db
from portal.forms import MiFilterForm
from portal.models import Organisation, OrganisationKind, Programme, Role, User
from portal.permissions import Permission, has_permission, requires
from portal.services import mi, mi_records, mi_summary, organisations
from portal.services.mi import Filters

bp = Blueprint("mi", __name__, url_prefix="/mi")
FILTER_ARGS = ("provider", "programme", "adviser", "grain", "date_from", "date_to")


def _providers():
    """[(id, name)] the user may choose among; a manager has only their own organisation."""
    if current_user.role == Role.MANAGER:
        return [(current_user.organisation_id, current_user.organisation.name)]
    query = select(Organisation.id, Organisation.name).where(Organisation.kind != OrganisationKind.DWP)
    if current_user.role == Role.INSPECTOR:
        query = query.where(mi.reach_organisations(current_user))
    return db.session.execute(query.order_by(Organisation.name)).all()


def _advisers(provider_id):
    if provider_id is None:
        return []
    return db.session.execute(select(User.id, User.name).where(
        User.organisation_id == provider_id, User.role.in_([Role.ADVISER, Role.MANAGER])).order_by(User.name)).all()


def _default_dates(today):
    """Two years by month, ending with this month."""
    first = date(today.year - 2 + (today.month == 12), (today.month % 12) + 1, 1)
    return first, today


def _choice(value, allowed):
    """A chosen id, or None for "all"; an id outside the list is another organisation's: 404 (R-DATA-6)."""
    if value in (None, ""):
        return None
    if not str(value).isdigit() or int(value) not in {row[0] for row in allowed}:
        abort(404)
    return int(value)


def _filters():
    """(form, Filters or None): the page's filters from the query string, checked."""
    args = request.args if any(name in request.args for name in FILTER_ARGS) else None
    form = MiFilterForm(formdata=args)
    if args is None:
        form.date_from.data, form.date_to.data = _default_dates(date.today())
    providers = _providers()
    provider_id = _choice(request.args.get("provider"), providers)  # another organisation's id: 404 (R-DATA-6)
    if current_user.role == Role.MANAGER:
        provider_id = current_user.organisation_id
    advisers = _advisers(provider_id)
    programmes = [(p.id, p.name) for p in organisations.all_programmes()]
    form.provider.choices = ([] if current_user.role == Role.MANAGER else [("", "All providers")]) + [
        (str(i), n) for i, n in providers]
    form.programme.choices = [("", "All programmes")] + [(str(i), n) for i, n in programmes]
    form.adviser.choices = [("", "All advisers")] + [(str(i), n) for i, n in advisers]
    programme_id = _choice(request.args.get("programme"), programmes)
    adviser_id = _choice(request.args.get("adviser"), advisers)
    if args is not None and not form.validate():
        return form, None
    filters = Filters(date_from=form.date_from.data, date_to=form.date_to.data, grain=form.grain.data or "month",
                      organisation_id=provider_id if current_user.role != Role.MANAGER else None,
                      programme_id=programme_id, adviser_id=adviser_id)
    return form, mi.whole_periods(filters)


def _query(filters, **extra):
    values = {"grain": filters.grain, "date_from": [filters.date_from.day, filters.date_from.month, filters.date_from.year],
              "date_to": [filters.date_to.day, filters.date_to.month, filters.date_to.year],
              "provider": filters.organisation_id, "programme": filters.programme_id, "adviser": filters.adviser_id,
              **extra}
    return urlencode({k: v for k, v in values.items() if v not in (None, "")}, doseq=True)


@bp.route("/")
@requires(Permission.VIEW_MI)
def index():
    form, filters = _filters()
    if filters is None:
        return render_template("views/mi/index.html", form=form, series=[], periods=[]), 400
    series = mi.summary(current_user, filters)
    periods = [(key, mi.period_label(key, filters.grain)) for key, _first, _last in mi.periods(filters)]
    for item in series:
        parts = [(label, values) for _key, label, values in item.parts] or [(item.label, item.values)]
        item.chart = charts.series_chart(periods, parts, title=item.label)
    return render_template("views/mi/index.html", form=form, series=series, periods=periods,
                           query=_query(filters), refreshed=mi_summary.last_refreshed(),
                           can_extract=has_permission(current_user, Permission.EXPORT_MI_EXTRACT))


@bp.route("/figures.csv")
@requires(Permission.VIEW_MI)
def figures_csv():
    """The same figures as the page, split by period × provider × programme × adviser (R-MI-1)."""
    form, filters = _filters()
    if filters is None:
        return render_template("views/mi/index.html", form=form, series=[], periods=[]), 400
    columns, rows = mi.breakdown(current_user, filters)
    names = {
        "organisation": dict(db.session.execute(select(Organisation.id, Organisation.name)).all()),
        "programme": dict(db.session.execute(select(Programme.id, Programme.code)).all()),
        "adviser": dict(db.session.execute(select(User.id, User.name).where(User.id.in_(
            {key[3] for key, _ in rows if key[3]}))).all()) if rows else {},
    }
    audit.record_and_commit("mi.figures_exported", detail={"through": "csv", "grain": filters.grain,
                                                          "from": filters.date_from, "to": filters.date_to})
    out = ([key[0], names["organisation"].get(key[1], ""), names["programme"].get(key[2], ""),
            names["adviser"].get(key[3], "Not assigned") if key[3] else "Not assigned", *values.values()]
           for key, values in rows)
    return csv_response(f"mi-{filters.grain}-{filters.date_from}-{filters.date_to}.csv",
                        ["period", "provider", "programme", "adviser", *columns], out)


@bp.route("/customers")
@requires(Permission.VIEW_MI)
def customers():
    """The referrals behind one figure of one period, names as the data policy allows (R-DATA-1, R-DATA-7)."""
    form, filters = _filters()
    figure = request.args.get("figure", "")
    keys = {key: (first, last) for key, first, last in mi.periods(filters)} if filters else {}
    period = request.args.get("period", "")
    if filters is None or figure not in mi_records.LIST_FIGURES or period not in keys:
        abort(404)
    part = request.args.get("part") or None
    page = max(1, request.args.get("page", 1, type=int))
    rows, total, out_of_reach = mi_records.referrals_behind(current_user, filters, figure, *keys[period], part,
                                                             page=page)
    names = data_access.visible_names(current_user, [row.customer_id for row in rows])
    if names:
        audit.record_and_commit("mi.customers_listed", customer_ids=sorted(names),
                                detail={"through": "page", "fields": ["name"], "figure": figure})
    return render_template("views/mi/customers.html", rows=rows, names=names, total=total, out_of_reach=out_of_reach,
                           label=mi.DEFINITIONS[figure][0], period=mi.period_label(period, filters.grain),
                           part=part, page=page, page_count=max(1, -(-total // 50)),
                           query=_query(filters, figure=figure, period=period, part=part or ""),
                           back=_query(filters), can_open=has_permission(current_user, Permission.VIEW_CUSTOMER))


@bp.route("/extract.csv")
@requires(Permission.EXPORT_MI_EXTRACT)
def extract():
    """One row per referral (R-MI-1), streamed; no DWP-held field (the customer is their portal reference)."""
    form, filters = _filters()
    if filters is None:
        return render_template("views/mi/index.html", form=form, series=[], periods=[]), 400
    audit.record_and_commit("mi.extract_exported", detail={
        "through": "csv", "provider": filters.organisation_id, "programme": filters.programme_id})
    query = mi_records.extract_query(current_user, filters)  # built now: the rows are read as they are sent
    rows = stream_with_context(mi_records.extract_rows(query))
    return csv_stream(f"mi-extract-{date.today().isoformat()}.csv", mi_records.EXTRACT_HEADER, rows)

