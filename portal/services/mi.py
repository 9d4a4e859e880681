"""Management information (R-MI-1; LSE 2.1.3, 4.1, 7): starters, completers, exits by reason, customers on
programme, hours of participation and job outcomes, by provider × programme × period × adviser.

Every figure is one set-based query: a GROUP BY over the period each date falls in (month, quarter or
year, truncated in SQL for PostgreSQL and SQLite alike). The summary job (mi_summary) runs them over all
time into two small tables, which the page and the CSV read; nothing is counted in Python row by row.
"""
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import and_, false, func, or_, select, true

from portal.extensions import db
from portal.models import (
    Inspection, InspectionStatus, Referral, ReferralStatus, Role, Source, inspection_inspector,
)
from portal.services import exit_reasons, outcomes

GRAINS = {"month": "Month", "quarter": "Quarter", "year": "Year"}
ENDED_OTHERWISE = (ReferralStatus.EXITED_EARLY, ReferralStatus.TRANSFERRED)
DIMENSIONS = ("organisation_id", "programme_id", "adviser_id")

# What each figure counts (LSE 7 asks for agreed definitions of starters, completers and exits): shown on
# the page and in the CSV, and the test of R-MI-1 checks the figures against these words.
DEFINITIONS = {
    "starters": ("Starters", "Referrals whose start date falls in the period. A customer who comes back (a new "
                 "referral) or moves provider starts again and is counted again."),
    "completers": ("Completers", "Referrals recorded as completed with an end date in the period."),
    "exits": ("Exits", "Referrals that ended before completion (an early exit or a transfer to another provider) "
              "with an end date in the period, by the coded reason recorded (R-EXIT-1)."),
    "on_programme": ("Customers on programme", "Started referrals that had not ended before the period began "
                     "(started on or before its last day, ended on or after its first). Each provider counts its own: "
                     "a customer who moved provider or came back within the period is counted with each referral."),
    "hours": ("Hours of participation", "Hours of support and participation recorded for days in the period, "
              "removed entries left out, by who delivered them (R-HRS-2)."),
    "participants": ("Participants", "Referrals with any hours recorded for days in the period (counted as "
                     "customers on programme are)."),
    "hours_per_participant": ("Hours per participant", "Hours of participation divided by participants, to one "
                              "decimal place."),
    **{kind: (label, f"{label} with their date in the period, derived from the job and in-work hours records "
              "(R-OUT-1).") for kind, label in outcomes.KINDS.items()},
}


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    grain: str = "month"
    organisation_id: int | None = None
    programme_id: int | None = None
    adviser_id: int | None = None


# Who sees what ------------------------------------------------------------------------------------


def may_see_mi(user):
    return user.role in (Role.REFERRAL_OFFICER, Role.DWP_MI, Role.INSPECTOR) or (
        user.role == Role.MANAGER and user.organisation_id is not None and not user.is_subcontractor_staff)


def reach(user, table=Referral):
    """A condition on `table` (Referral, or the summary): what a user's figures cover (R-DATA-6, R-INSP-2)."""
    if user.role in (Role.REFERRAL_OFFICER, Role.DWP_MI):
        return true()
    if user.role == Role.INSPECTOR:
        # R-INSP-2: the providers of their open inspections (and what a sub-contractor delivers for one).
        providers = _open_inspections_of(user)
        return or_(table.organisation_id.in_(providers), table.subcontractor_id.in_(providers))
    if may_see_mi(user):
        return table.organisation_id == user.organisation_id
    return false()


def _open_inspections_of(user):
    return (select(Inspection.organisation_id)
            .join(inspection_inspector, inspection_inspector.c.inspection_id == Inspection.id)
            .where(inspection_inspector.c.user_id == user.id, Inspection.status == InspectionStatus.OPEN))


def reach_organisations(user):
    """A condition on Organisation for an inspector's provider filter: their open inspections' providers."""
    from portal.models import Organisation

    return Organisation.id.in_(_open_inspections_of(user))


def narrowed(user, filters, table=Referral):
    condition = [reach(user, table)]
    for name in DIMENSIONS:
        value = getattr(filters, name)
        if value is not None:
            condition.append(getattr(table, name) == value)
    return and_(*condition)


# Periods ------------------------------------------------------------------------------------------


def period_start(day, grain):
    if grain == "year":
        return date(day.year, 1, 1)
    if grain == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, day.month, 1)


def next_period(start, grain):
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def whole_periods(filters):
    """The filters widened to whole periods of their grain: every figure then covers the same days."""
    last = next_period(period_start(filters.date_to, filters.grain), filters.grain) - timedelta(days=1)
    return replace(filters, date_from=period_start(filters.date_from, filters.grain), date_to=last)


def periods(filters):
    """[(key, first day, last day)] covering the filter's dates; the key is the first day as ISO text."""
    out, start = [], period_start(filters.date_from, filters.grain)
    while start <= filters.date_to:
        end = next_period(start, filters.grain) - timedelta(days=1)
        out.append((start.isoformat(), max(start, filters.date_from), min(end, filters.date_to)))
        start = end + timedelta(days=1)
    return out


def period_label(key, grain):
    day = date.fromisoformat(key)
    if grain == "year":
        return str(day.year)
    if grain == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    return day.strftime("%b %Y")


def truncated_date(column, grain):
    """The first day of the period `column` falls in, as a date (for the summaries)."""
    if db.engine.dialect.name == "postgresql":
        return func.cast(func.date_trunc(grain, column), db.Date)
    return _truncated(column, grain)


def _truncated(column, grain):
    """The first day of the period `column` falls in, as 'YYYY-MM-DD' text, on either database."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.date_trunc(grain, column), "YYYY-MM-DD")
    if grain == "quarter":
        month = (func.cast(func.strftime("%m", column), db.Integer) - 1) // 3 * 3 + 1
        return func.printf("%s-%02d-01", func.strftime("%Y", column), month)
    return func.strftime("%Y-01-01" if grain == "year" else "%Y-%m-01", column)


# Figures ------------------------------------------------------------------------------------------


def _grouped(query, bucket, dims, *, key=None):
    columns = [bucket.label("period"), *(getattr(Referral, d).label(d) for d in dims)]
    if key is not None:
        columns.append(key.label("key"))
    return query.add_columns(*columns).group_by(*columns[:len(columns)])


def figure_queries(filters, dims=(), *, where, truncate=None):
    """{figure: Select of (value, period, *dims[, key])}: the set-based queries of the counted figures, one
    per figure (the summary job runs them for every period; see mi_summary)."""
    truncate = truncate or _truncated
    span = (filters.date_from, filters.date_to)
    queries = {}
    started = truncate(Referral.started_on, filters.grain)
    queries["starters"] = _grouped(select(func.count(Referral.id).label("value")).where(
        where, Referral.started_on.between(*span)), started, dims)
    ended = truncate(Referral.ended_on, filters.grain)
    queries["completers"] = _grouped(select(func.count(Referral.id).label("value")).where(
        where, Referral.status == ReferralStatus.COMPLETED, Referral.ended_on.between(*span)), ended, dims)
    queries["exits"] = _grouped(select(func.count(Referral.id).label("value")).where(
        where, Referral.status.in_(ENDED_OTHERWISE), Referral.ended_on.between(*span)), ended, dims,
        key=func.coalesce(Referral.exit_reason_code, "not_recorded"))
    events = outcomes.outcome_events_query().subquery()
    queries["outcomes"] = _grouped(
        select(func.count().label("value")).select_from(events).join(Referral, Referral.id == events.c.referral_id)
        .where(where, events.c.occurred_on.between(*span)),
        truncate(events.c.occurred_on, filters.grain), dims, key=events.c.kind)
    return queries


@dataclass
class Series:
    """One figure over the periods, with its parts (reasons, sources) where it has them."""

    key: str
    label: str
    definition: str
    values: dict
    parts: list  # [(part key, part label, {period: value})]
    unit: str = ""


def summary(user, filters):
    """The page's figures: one Series per figure, totalled over the filters (no dimension split)."""
    from portal.services import mi_summary

    raw = mi_summary.count_rows(user, filters)
    summed = mi_summary.summary_rows(user, filters)
    keys = [key for key, _first, _last in periods(filters)]

    def totals(rows, *, part=None, value="value"):
        out = dict.fromkeys(keys, 0)
        for row in rows:
            if part is None or row["key"] == part:
                out[row["period"]] = out.get(row["period"], 0) + (row[value] or 0)
        return out

    series = []
    for name in ("starters", "completers"):
        series.append(Series(name, *DEFINITIONS[name], totals(raw[name]), []))
    reasons = {r.code: r.label for r in exit_reasons.all_reasons()} | {"not_recorded": "Not recorded"}
    seen = {row["key"] for row in raw["exits"]}
    series.append(Series("exits", *DEFINITIONS["exits"], totals(raw["exits"]),
                         [(code, label, totals(raw["exits"], part=code)) for code, label in reasons.items()
                          if code in seen]))
    series.append(Series("on_programme", *DEFINITIONS["on_programme"], totals(summed, value="on_programme"), []))
    by_source = {s.value: totals(summed, value=s.value) for s in Source}
    hours = {k: sum(by_source[s][k] for s in by_source) for k in keys}
    series.append(Series("hours", *DEFINITIONS["hours"], hours,
                         [(s.value, s.label, by_source[s.value]) for s in Source if any(by_source[s.value].values())],
                         unit="hours"))
    people = totals(summed, value="participants")
    series.append(Series("participants", *DEFINITIONS["participants"], people, []))
    series.append(Series("hours_per_participant", *DEFINITIONS["hours_per_participant"],
                         {k: round(hours[k] / people[k], 1) if people[k] else 0 for k in keys}, [], unit="hours"))
    for kind in outcomes.KINDS:
        series.append(Series(kind, *DEFINITIONS[kind], totals(raw["outcomes"], part=kind), []))
    return series


def breakdown(user, filters):
    """The CSV's rows: one per period × provider × programme × adviser with anything to count, every figure a
    column (exits by reason and hours by source too)."""
    from portal.services import mi_summary

    raw = mi_summary.count_rows(user, filters, DIMENSIONS)
    reasons = [r.code for r in exit_reasons.all_reasons()] + ["not_recorded"]
    columns = (["starters", "completers", "exits"] + [f"exits:{code}" for code in reasons] + ["on_programme", "hours"]
               + [f"hours:{s.value}" for s in Source] + ["participants", "hours_per_participant", *outcomes.KINDS])
    table = {}

    def cell(row):
        return table.setdefault((row["period"], *(row[d] for d in DIMENSIONS)), dict.fromkeys(columns, 0))

    for name, rows in raw.items():
        for row in rows:
            value = int(row["value"] or 0)
            if name == "exits":
                cell(row)["exits"] += value
                cell(row)[f"exits:{row['key']}"] += value
            elif name == "outcomes":
                cell(row)[row["key"]] += value
            else:
                cell(row)[name] += value
    for row in mi_summary.summary_rows(user, filters, DIMENSIONS):
        target = cell(row)
        target["on_programme"] += int(row["on_programme"] or 0)
        target["participants"] += int(row["participants"] or 0)
        for source in Source:
            target[f"hours:{source.value}"] += row[source.value]
            target["hours"] += row[source.value]
    for values in table.values():
        values["hours_per_participant"] = (round(values["hours"] / values["participants"], 1)
                                           if values["participants"] else 0)
    order = sorted(table, key=lambda k: tuple("" if v is None else str(v) for v in k))
    return columns, [(key, table[key]) for key in order]
