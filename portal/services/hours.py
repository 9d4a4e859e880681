"""Recording and reading the weekly record (DOMAIN §6). Totals come from SQL, never from loading every row."""
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal import audit, data_access, locks
from portal.extensions import db
from portal.models import HoursAmendment, HoursEntry, InWorkJob, InWorkWeek, Objective, PlanVersion, Referral, Source
from portal.models.plan import AGREED_STATUSES, Plan
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


def versions_in_force(referral, first_day, last_day):
    """Agreed versions of the customer's plan that were in force on any day from first_day to last_day."""
    versions = db.session.scalars(
        select(PlanVersion).join(Plan, PlanVersion.plan_id == Plan.id)
        .where(Plan.customer_id == referral.customer_id, PlanVersion.agreed_at.is_not(None),
               PlanVersion.status.in_(AGREED_STATUSES))
    ).all()
    return [v for v in versions
            if _uk_date(v.agreed_at) <= last_day and (v.superseded_at is None or _uk_date(v.superseded_at) > first_day)]


def objectives_in_force(referral, on):
    """Ids of the objectives of the plan agreed for that day, or None if no plan was agreed then."""
    versions = versions_in_force(referral, on, on)
    if not versions:
        return None
    return {o.id for v in versions for o in v.objectives}


def objective_choices(referral, monday):
    """Objectives a week's entries may serve: those of every plan version in force during the week."""
    versions = sorted(versions_in_force(referral, monday, monday + timedelta(days=6)), key=lambda v: v.number)
    many = len(versions) > 1
    return [(o.id, f"{o.what}" + (f" (plan version {v.number})" if many else "")) for v in versions for o in v.objectives]


def live_entries():
    return HoursEntry.removed_at.is_(None)


def week_entries(referral, monday):
    return db.session.scalars(
        select(HoursEntry).where(HoursEntry.referral_id == referral.id, HoursEntry.week_start == monday, live_entries())
        .order_by(HoursEntry.on, HoursEntry.id)
    ).all()


def removed_entries(referral, monday):
    return db.session.scalars(
        select(HoursEntry).where(HoursEntry.referral_id == referral.id, HoursEntry.week_start == monday,
                                 HoursEntry.removed_at.is_not(None)).order_by(HoursEntry.on, HoursEntry.id)
    ).all()


def day_totals(referral, monday):
    rows = db.session.execute(
        select(HoursEntry.on, func.sum(HoursEntry.quarters))
        .where(HoursEntry.referral_id == referral.id, HoursEntry.week_start == monday, live_entries())
        .group_by(HoursEntry.on)
    ).all()
    return {on: int(total) for on, total in rows}


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


def amendments_for_week(referral, monday):
    return db.session.scalars(
        select(HoursAmendment).join(HoursEntry, HoursAmendment.entry_id == HoursEntry.id)
        .where(HoursEntry.referral_id == referral.id, HoursEntry.week_start == monday)
        .order_by(HoursAmendment.changed_at)
    ).all()


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


def summary(referral):
    """Hours by month and source, by activity, and by objective beside the plan's planned hours."""
    year, month = func.extract("year", HoursEntry.on), func.extract("month", HoursEntry.on)
    by_month = {}
    for y, m, source, total in db.session.execute(
            select(year, month, HoursEntry.source, func.sum(HoursEntry.quarters))
            .where(HoursEntry.referral_id == referral.id, live_entries())
            .group_by(year, month, HoursEntry.source)).all():
        row = by_month.setdefault((int(y), int(m)), {"total": 0, "by_source": {}})
        row["total"] += int(total)
        row["by_source"][source] = int(total)
    by_activity = db.session.execute(
        select(HoursEntry.activity, func.sum(HoursEntry.quarters))
        .where(HoursEntry.referral_id == referral.id, live_entries())
        .group_by(HoursEntry.activity).order_by(func.sum(HoursEntry.quarters).desc())).all()
    actual_by_key = dict(db.session.execute(
        select(Objective.key, func.sum(HoursEntry.quarters))
        .join(Objective, HoursEntry.objective_id == Objective.id)
        .where(HoursEntry.referral_id == referral.id, live_entries())
        .group_by(Objective.key)).all())
    return {
        "by_month": [(date(y, m, 1), by_month[(y, m)]) for y, m in sorted(by_month, reverse=True)],
        "by_activity": [(activity, int(total)) for activity, total in by_activity],
        "by_objective": _planned_against_actual(referral, actual_by_key),
    }


def _planned_against_actual(referral, actual_by_key):
    """Objectives of the newest agreed version. A support item serving two objectives counts for both."""
    versions = versions_in_force(referral, date.min, date.max)
    if not versions:
        return []
    current = max(versions, key=lambda v: v.number)
    rows = []
    for objective in current.objectives:
        planned = sum((item.planned_hours or 0) for item in current.support_items if objective in item.objectives)
        rows.append({"objective": objective, "planned_quarters": int(planned * 4) if planned else None,
                     "actual_quarters": int(actual_by_key.get(objective.key, 0))})
    return rows


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
