"""Recording and reading the weekly record (DOMAIN §6). Totals come from SQL, never from loading every row."""
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, bindparam, cast, func, literal_column, null, select, union_all

from portal import audit, data_access, locks
from portal.extensions import db
from portal.models import (
    Activity, HoursAmendment, HoursEntry, InWorkJob, InWorkWeek, Objective, Organisation, PlanVersion, Referral, Source,
    SupportItem, User,
)
from portal.models.hours import earlier_figures
from portal.models.plan import AGREED_STATUSES, Plan, support_item_objective
from portal.services import hours_rules as rules
from portal.services import outcomes

UK = ZoneInfo("Europe/London")


class HoursError(Exception):
    def __init__(self, problems):
        super().__init__(problems[0][1])
        self.problems = problems


class NeedsEsaConfirmation(Exception):
    """R-HRS-5: the week would pass 16 hours for an ESA (income-related) claimant. When the user may not
    see the benefit type (R-DATA-2), every customer's long week asks alike and `names_benefit` is False."""

    def __init__(self, week_quarters, names_benefit=True):
        super().__init__("confirm")
        self.week_quarters = week_quarters
        self.names_benefit = names_benefit


def period_of(referral):
    return rules.Period(starts_on=referral.started_on, ends_on=referral.ended_on)


def _uk_date(moment):
    return moment.astimezone(UK).date() if moment else None


# The agreed versions of the customer's plans (:customer_id).
_AGREED_OF_CUSTOMER = (Plan.customer_id == bindparam("customer_id"), PlanVersion.agreed_at.is_not(None),
                       PlanVersion.status.in_(AGREED_STATUSES))
_AGREED_VERSIONS = select(PlanVersion).join(Plan, PlanVersion.plan_id == Plan.id).where(*_AGREED_OF_CUSTOMER)


def _in_force(agreed_at, superseded_at, first_day, last_day):
    """Whether a version agreed and superseded at these moments was in force on any day of the period."""
    return _uk_date(agreed_at) <= last_day and (superseded_at is None or _uk_date(superseded_at) > first_day)


def versions_in_force(referral, first_day, last_day):
    """Agreed versions of the customer's plan that were in force on any day from first_day to last_day."""
    versions = db.session.scalars(_AGREED_VERSIONS, {"customer_id": referral.customer_id}).all()
    return [v for v in versions if _in_force(v.agreed_at, v.superseded_at, first_day, last_day)]


def objectives_in_force(referral, on):
    """Ids of the objectives of the plan agreed for that day, or None if no plan was agreed then."""
    versions = versions_in_force(referral, on, on)
    if not versions:
        return None
    return {o.id for v in versions for o in v.objectives}


# The agreed versions of a customer's plans with their objectives, as plain rows (issue 18: one statement,
# built once, instead of the versions and then each version's objectives as entities).
_VERSION_OBJECTIVES = (
    select(PlanVersion.id, PlanVersion.number, PlanVersion.agreed_at, PlanVersion.superseded_at, Objective.id,
           Objective.what)
    .join(Plan, PlanVersion.plan_id == Plan.id)
    .outerjoin(Objective, Objective.version_id == PlanVersion.id)
    .where(*_AGREED_OF_CUSTOMER)
    .order_by(PlanVersion.number, PlanVersion.id, Objective.position, Objective.id)
)


def objective_choices(referral, monday):
    """Objectives a week's entries may serve: those of every plan version in force during the week."""
    last_day = monday + timedelta(days=6)
    rows = [row for row in db.session.execute(_VERSION_OBJECTIVES, {"customer_id": referral.customer_id})
            if _in_force(row[2], row[3], monday, last_day)]
    many = len({row[0] for row in rows}) > 1
    return [(objective_id, f"{what}" + (f" (plan version {number})" if many else ""))
            for _version_id, number, _agreed, _superseded, objective_id, what in rows if objective_id is not None]


def live_entries():
    return HoursEntry.removed_at.is_(None)


# A week's entries (removed ones too, for their amendments), each with its objective's words, the name of the
# organisation that entered it and its amendments: the whole table of the week page in one statement of plain
# rows (issue 18), an entry repeated once per amendment.
_WEEK_ROWS = (
    select(HoursEntry.id, HoursEntry.on, HoursEntry.activity, HoursEntry.mode, HoursEntry.source,
           HoursEntry.source_name, HoursEntry.description, HoursEntry.quarters, HoursEntry.entered_by_organisation_id,
           HoursEntry.removed_at, Objective.what.label("objective_what"), Organisation.name.label("organisation_name"),
           HoursAmendment.id.label("amendment_id"), HoursAmendment.kind, HoursAmendment.reason, HoursAmendment.before,
           HoursAmendment.changed_at, User.name.label("changed_by_name"))
    .join(Organisation, HoursEntry.entered_by_organisation_id == Organisation.id)
    .outerjoin(Objective, HoursEntry.objective_id == Objective.id)
    .outerjoin(HoursAmendment, HoursAmendment.entry_id == HoursEntry.id)
    .outerjoin(User, HoursAmendment.changed_by_id == User.id)
    .where(HoursEntry.referral_id == bindparam("referral_id"), HoursEntry.week_start == bindparam("monday"))
    .order_by(HoursEntry.on, HoursEntry.id)
)


@dataclass
class WeekTable:
    entries: list  # the live entries, by day then as entered
    by_day: list  # (day, its entries, its quarters) for the days with entries, in order
    day_totals: dict  # {day: quarters}
    amendments: list  # earlier figures of the week's entries, oldest first


def week_table(referral, monday):
    """What the week page shows of a week. The day totals are summed from the week's rows, which the page
    loads anyway (an aggregate query would read the same rows again)."""
    entries, amendments, seen = [], [], set()
    for row in db.session.execute(_WEEK_ROWS, {"referral_id": referral.id, "monday": monday}):
        if row.id not in seen:
            seen.add(row.id)
            if row.removed_at is None:
                entries.append(row)
        if row.amendment_id is not None:
            amendments.append({"id": row.amendment_id, "kind": row.kind, "reason": row.reason,
                               "changed_at": row.changed_at, "changed_by_name": row.changed_by_name,
                               "earlier": earlier_figures(row.before)})
    amendments.sort(key=lambda a: (a["changed_at"], a["id"]))
    by_day, day_totals = [], {}
    for entry in entries:  # in day order
        if entry.on not in day_totals:
            by_day.append((entry.on, []))
            day_totals[entry.on] = 0
        by_day[-1][1].append(entry)
        day_totals[entry.on] += entry.quarters
    return WeekTable(entries=entries, by_day=[(day, day_entries, day_totals[day]) for day, day_entries in by_day],
                     day_totals=day_totals, amendments=amendments)


def week_entries(referral, monday):
    return db.session.scalars(
        select(HoursEntry).where(HoursEntry.referral_id == referral.id, HoursEntry.week_start == monday, live_entries())
        .order_by(HoursEntry.on, HoursEntry.id)
    ).all()


def _quarters_else(referral, *, on=None, monday=None, leaving_out=None):
    query = select(func.coalesce(func.sum(HoursEntry.quarters), 0)).where(
        HoursEntry.referral_id == referral.id, live_entries())
    if on is not None:
        query = query.where(HoursEntry.on == on)
    if monday is not None:
        query = query.where(HoursEntry.week_start == monday)
    if leaving_out is not None:
        query = query.where(HoursEntry.id != leaving_out)
    return int(db.session.scalar(query))


@dataclass
class EntryFacts:
    on: object
    activity: object
    source: object
    source_name: str | None
    objective_id: int | None
    mode: object
    quarters: int
    description: str


def check(referral, facts, *, monday, today, leaving_out=None, objective_required=True):
    problems = rules.entry_problems(
        on=facts.on, monday=monday, quarters=facts.quarters, today=today, period=period_of(referral),
        day_quarters_else=_quarters_else(referral, on=facts.on, leaving_out=leaving_out),
        week_quarters_else=_quarters_else(referral, monday=monday, leaving_out=leaving_out),
        objective_id=facts.objective_id,
        objectives_in_force=objectives_in_force(referral, facts.on) if objective_required else None,
        source_needs_name=Source(facts.source).needs_name, source_name=facts.source_name,
        description=facts.description)
    if problems:
        raise HoursError(problems)


def _check_esa(referral, monday, added_quarters, confirmed, by, leaving_out=None):
    """R-HRS-5 without leaking R-DATA-2: a user who may not see the benefit type is asked to confirm every
    week over 16 hours, in words that name no benefit, and the benefit is never read for them, so no
    reply differs by it. For a user who may see it, reading it is audited (R-DATA-7) whatever it holds."""
    week = _quarters_else(referral, monday=monday, leaving_out=leaving_out) + added_quarters
    if confirmed or not rules.needs_esa_confirmation(week, True):
        return
    if not data_access.may_see(by, referral.customer_id, "benefit_type"):
        raise NeedsEsaConfirmation(week, names_benefit=False)
    esa = data_access.is_esa_income_related(referral.customer_id)
    audit_esa_check(referral.customer_id)
    if esa:
        raise NeedsEsaConfirmation(week)


def audit_esa_check(customer_id):
    """R-DATA-7: the benefit type was read for the 16-hour rule (one event whether or not it warned)."""
    audit.record("hours.esa_checked", customer_id=customer_id,
                 detail={"through": "hours rule", "fields": ["benefit_type"]})


def _apply(entry, facts):
    entry.on = facts.on
    entry.week_start = rules.week_start(facts.on)
    entry.activity = facts.activity
    entry.source = facts.source
    entry.source_name = (facts.source_name or "").strip() or None if Source(facts.source).needs_name else None
    entry.objective_id = facts.objective_id
    entry.mode = facts.mode
    entry.quarters = facts.quarters
    entry.description = facts.description.strip()


def _lock_record(referral):
    """R-HRS-4, R-HRS-5: the day and week totals are checked, then written. Two entries for one
    customer at the same instant queue on the referral's row, so the second is checked against the
    first: a per-referral lock, because the limits span every source and week of one referral."""
    locks.lock_row(Referral, referral.id)


def record_entry(referral, facts, *, by, monday, today, esa_confirmed=False, objective_required=True):
    _lock_record(referral)
    check(referral, facts, monday=monday, today=today, objective_required=objective_required)
    _check_esa(referral, monday, facts.quarters, esa_confirmed, by)
    entry = HoursEntry(referral_id=referral.id, entered_by_id=by.id, entered_by_organisation_id=by.organisation_id)
    _apply(entry, facts)
    db.session.add(entry)
    db.session.flush()
    audit.record("hours.recorded", customer_id=referral.customer_id, subject_type="hours_entry", subject_id=entry.id,
                 detail={"on": facts.on.isoformat(), "quarters": facts.quarters, "week": monday.isoformat()})
    return entry


def may_change(entry, user):
    """Sub-contractor staff change or remove only the entries their own organisation made (issue 12,
    finding 6); the prime's staff keep the whole record of their customer."""
    return not user.is_subcontractor_staff or entry.entered_by_organisation_id == user.organisation_id


def is_past_week(entry, today):
    return entry.week_start < rules.week_start(today)


def _snapshot(entry):
    return json.dumps({
        "on": entry.on.isoformat(), "activity": entry.activity.value, "source": entry.source.value,
        "source_name": entry.source_name, "objective_id": entry.objective_id, "mode": entry.mode.value,
        "hours": rules.hours_text(entry.quarters), "description": entry.description,
    }, sort_keys=True)


def _reason_needed(entry, reason, today):
    if is_past_week(entry, today) and not (reason or "").strip():
        raise HoursError([("reason", "Give a reason for changing a past week")])


def change_entry(entry, facts, *, by, today, reason, esa_confirmed=False):
    """R-HRS-7: the earlier figures stay, with who changed them, when and why."""
    monday = entry.week_start
    _reason_needed(entry, reason, today)
    _lock_record(entry.referral)
    check(entry.referral, facts, monday=monday, today=today, leaving_out=entry.id)
    _check_esa(entry.referral, monday, facts.quarters, esa_confirmed, by, leaving_out=entry.id)
    db.session.add(HoursAmendment(entry=entry, kind="changed", reason=(reason or "").strip() or None,
                                  before=_snapshot(entry), changed_by_id=by.id))
    _apply(entry, facts)
    audit.record("hours.changed", customer_id=entry.referral.customer_id, subject_type="hours_entry",
                 subject_id=entry.id, detail={"reason": reason, "week": monday.isoformat()})


def remove_entry(entry, *, by, today, reason):
    _reason_needed(entry, reason, today)
    db.session.add(HoursAmendment(entry=entry, kind="removed", reason=(reason or "").strip() or None,
                                  before=_snapshot(entry), changed_by_id=by.id))
    entry.removed_at = datetime.now(UK)
    audit.record("hours.removed", customer_id=entry.referral.customer_id, subject_type="hours_entry",
                 subject_id=entry.id, detail={"reason": reason, "week": entry.week_start.isoformat()})


def copy_previous_week(referral, monday, *, by, today):
    """The previous week's pattern, one day later by a week each: what fits the rules is recorded,
    what does not (a future day, an objective no longer in the plan, a week passing 16 hours that needs
    checking with the customer, R-HRS-5) is left for the adviser."""
    _lock_record(referral)
    if week_entries(referral, monday):
        # Copying is for an empty week; a second click must not copy the week twice.
        raise HoursError([("week", "This week already has activities, so nothing was copied")])
    copied, left = 0, 0
    for earlier in week_entries(referral, monday - timedelta(days=7)):
        on = earlier.on + timedelta(days=7)
        objective_id = _same_objective_on(referral, earlier.objective, on)
        facts = EntryFacts(on=on, activity=earlier.activity, source=earlier.source, source_name=earlier.source_name,
                           objective_id=objective_id, mode=earlier.mode, quarters=earlier.quarters,
                           description=earlier.description)
        try:
            record_entry(referral, facts, by=by, monday=monday, today=today, esa_confirmed=False)
        except (HoursError, NeedsEsaConfirmation):
            left += 1
        else:
            copied += 1
    return copied, left


def _same_objective_on(referral, objective, on):
    """An objective keeps its `key` across plan versions: find it in the version in force on `on`."""
    if objective is None:
        return None
    for version in versions_in_force(referral, on, on):
        for candidate in version.objectives:
            if candidate.key == objective.key:
                return candidate.id
    return None


def week_summaries(referral, today):
    """Totals per week, with the weeks on the programme that have nothing recorded."""
    rows = db.session.execute(
        select(HoursEntry.week_start, HoursEntry.source, func.sum(HoursEntry.quarters))
        .where(HoursEntry.referral_id == referral.id, live_entries())
        .group_by(HoursEntry.week_start, HoursEntry.source)
    ).all()
    weeks = {}
    for monday, source, total in rows:
        week = weeks.setdefault(monday, {"monday": monday, "total": 0, "by_source": {}, "missing": False})
        week["total"] += int(total)
        week["by_source"][source] = int(total)
    for monday in rules.missing_weeks(period_of(referral), set(weeks), today):
        weeks[monday] = {"monday": monday, "total": 0, "by_source": {}, "missing": True}
    return [weeks[m] for m in sorted(weeks, reverse=True)]


def small_employer_payment(referral, today):
    """R-HRS-6 for the customer's latest job, or None if no job is recorded."""
    job = db.session.scalars(select(InWorkJob).where(InWorkJob.referral_id == referral.id)
                             .order_by(InWorkJob.started_on.desc())).first()
    if job is None:
        return None, None
    return job, small_employer_payment_for(job, today)


def small_employer_payment_for(job, today):
    """R-HRS-6 for one job, from its weekly hours worked (the weeks up to its end, if it has ended)."""
    query = select(InWorkWeek.week_start, InWorkWeek.quarters).where(InWorkWeek.job_id == job.id)
    if job.ended_on is not None:
        query = query.where(InWorkWeek.week_start <= job.ended_on)
    return rules.small_employer_payment(job.employer_staff, dict(db.session.execute(query).all()), today)


def worked_week_choices(job, today):
    """The weeks of the job so far, newest first, up to this week or the week it ended."""
    mondays = []
    monday = rules.week_start(min(today, job.ended_on or today))
    while monday >= rules.week_start(job.started_on):
        mondays.append(monday)
        monday -= timedelta(days=7)
    return mondays


def record_worked_week(job, *, by, monday, quarters, reason, today):
    """Hours worked in a week of the job. Changing an earlier figure needs a reason, kept in the
    audit trail with the figure it replaced (R-HRS-7)."""
    if monday not in worked_week_choices(job, today):
        raise HoursError([("week", "Select a week of the job, up to this week")])
    locks.lock_row(InWorkJob, job.id)  # one figure a week: two posts at once must not both insert
    existing = db.session.scalar(select(InWorkWeek).where(InWorkWeek.job_id == job.id, InWorkWeek.week_start == monday))
    detail = {"week": monday.isoformat(), "quarters": quarters}
    if existing is not None:
        if existing.quarters == quarters:
            return existing  # nothing changed, so no outcome can
        if not (reason or "").strip():
            raise HoursError([("reason", "Give a reason for changing the hours already recorded for that week")])
        detail |= {"earlier_quarters": existing.quarters, "reason": reason.strip()}
        existing.quarters, existing.recorded_by_id, existing.recorded_at = quarters, by.id, datetime.now(UK)
        week = existing
    else:
        week = InWorkWeek(job=job, week_start=monday, quarters=quarters, recorded_by_id=by.id)
        db.session.add(week)
    db.session.flush()
    audit.record("in_work.week_recorded", customer_id=job.referral.customer_id if job.referral else None,
                 subject_type="in_work_job", subject_id=job.id, detail=detail)
    outcomes.refresh([job.referral_id])  # R-OUT-1: sustained jobs and the payment follow the weeks worked
    return week


_YEAR, _MONTH = func.extract("year", HoursEntry.on), func.extract("month", HoursEntry.on)
_LIVE_OF_REFERRAL = (HoursEntry.referral_id == bindparam("referral_id"), HoursEntry.removed_at.is_(None))
# The three tables of the summary in one statement (issue 18): quarters by month and source (kind 0), by
# activity (1) and by objective key (2), told apart by `kind`.
_SUMMARY_TOTALS = union_all(
    select(literal_column("0").label("kind"), cast(_YEAR, Integer).label("y"), cast(_MONTH, Integer).label("m"),
           cast(HoursEntry.source, String).label("what"), func.sum(HoursEntry.quarters).label("quarters"))
    .where(*_LIVE_OF_REFERRAL).group_by(_YEAR, _MONTH, HoursEntry.source),
    select(literal_column("1"), null(), null(), cast(HoursEntry.activity, String), func.sum(HoursEntry.quarters))
    .where(*_LIVE_OF_REFERRAL).group_by(HoursEntry.activity),
    select(literal_column("2"), null(), null(), Objective.key, func.sum(HoursEntry.quarters))
    .join(Objective, HoursEntry.objective_id == Objective.id)
    .where(*_LIVE_OF_REFERRAL).group_by(Objective.key),
)
# The objectives of the newest agreed version of the customer's plan (every agreed version has been in
# force at some time), each with the planned hours of the support items that serve it.
_NEWEST_AGREED_VERSION = (
    select(PlanVersion.id).join(Plan, PlanVersion.plan_id == Plan.id)
    .where(*_AGREED_OF_CUSTOMER)
    .order_by(PlanVersion.number.desc(), PlanVersion.id).limit(1).scalar_subquery()
)
# Read from the support items of the version (the link table is keyed by support item first).
_PLANNED_HOURS = (
    select(support_item_objective.c.objective_id, func.sum(SupportItem.planned_hours).label("planned"))
    .join(support_item_objective, support_item_objective.c.support_item_id == SupportItem.id)
    .where(SupportItem.version_id == _NEWEST_AGREED_VERSION)
    .group_by(support_item_objective.c.objective_id)
    .subquery()
)
_PLANNED_BY_OBJECTIVE = (
    select(Objective.what, Objective.key, _PLANNED_HOURS.c.planned)
    .outerjoin(_PLANNED_HOURS, _PLANNED_HOURS.c.objective_id == Objective.id)
    .where(Objective.version_id == _NEWEST_AGREED_VERSION)
    .order_by(Objective.position, Objective.id)
)


def summary(referral):
    """Hours by month and source, by activity, and by objective beside the plan's planned hours."""
    by_month, by_activity, actual_by_key = {}, [], {}
    for kind, y, m, what, total in db.session.execute(_SUMMARY_TOTALS, {"referral_id": referral.id}):
        if kind == 0:
            row = by_month.setdefault((int(y), int(m)), {"total": 0, "by_source": {}})
            row["total"] += int(total)
            row["by_source"][Source(what)] = int(total)
        elif kind == 1:
            by_activity.append((Activity(what), int(total)))
        else:
            actual_by_key[what] = int(total)
    order = {activity: i for i, activity in enumerate(Activity)}
    by_activity.sort(key=lambda pair: (-pair[1], order[pair[0]]))  # most hours first; ties in the form's order
    for row in by_month.values():
        row["cells"] = [row["by_source"].get(source) for source in Source]  # the table's columns, in order
    return {
        "by_month": [(date(y, m, 1), by_month[(y, m)]) for y, m in sorted(by_month, reverse=True)],
        "by_activity": by_activity,
        "by_objective": _planned_against_actual(referral, actual_by_key),
    }


def _planned_against_actual(referral, actual_by_key):
    """Objectives of the newest agreed version. A support item serving two objectives counts for both."""
    return [{"what": what, "planned_quarters": int(planned * 4) if planned else None,
             "actual_quarters": int(actual_by_key.get(key, 0))}
            for what, key, planned in db.session.execute(_PLANNED_BY_OBJECTIVE, {"customer_id": referral.customer_id})]


def entries_between(referral_ids, first_day, last_day, limit):
    return db.session.scalars(
        select(HoursEntry).where(HoursEntry.referral_id.in_(referral_ids), live_entries(),
                                 HoursEntry.on >= first_day, HoursEntry.on <= last_day)
        .order_by(HoursEntry.referral_id, HoursEntry.on, HoursEntry.id).limit(limit)
    ).all()


def weekly_totals(referral_ids, first_monday, last_monday):
    """{(referral id, Monday): quarters} for a page of a caseload, in one aggregate query."""
    if not referral_ids:
        return {}
    return {(referral_id, monday): int(total) for referral_id, monday, total in db.session.execute(
        select(HoursEntry.referral_id, HoursEntry.week_start, func.sum(HoursEntry.quarters))
        .where(HoursEntry.referral_id.in_(referral_ids), live_entries(),
               HoursEntry.week_start >= first_monday, HoursEntry.week_start <= last_monday)
        .group_by(HoursEntry.referral_id, HoursEntry.week_start))}


def monthly_totals(referral_ids, first_day, last_day):
    """{(referral id, first of the month): quarters}, in one aggregate query."""
    if not referral_ids:
        return {}
    year, month = func.extract("year", HoursEntry.on), func.extract("month", HoursEntry.on)
    return {(referral_id, date(int(y), int(m), 1)): int(total) for referral_id, y, m, total in db.session.execute(
        select(HoursEntry.referral_id, year, month, func.sum(HoursEntry.quarters))
        .where(HoursEntry.referral_id.in_(referral_ids), live_entries(),
               HoursEntry.on >= first_day, HoursEntry.on <= last_day)
        .group_by(HoursEntry.referral_id, year, month))}
