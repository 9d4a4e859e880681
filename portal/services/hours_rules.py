"""The rules of the weekly record (DOMAIN §6), as plain functions over plain values.

Hours travel as whole quarter hours (ints), so no rounding can creep in (R-HRS-4).
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

QUARTERS_IN_A_DAY = 24 * 4
QUARTERS_IN_A_WEEK = 168 * 4
ESA_LIMIT_QUARTERS = 16 * 4  # R-HRS-5
SEP_WEEKLY_QUARTERS = 16 * 4  # R-HRS-6
SEP_WEEKS = 12
SEP_MAX_STAFF = 25
DESCRIPTION_LIMIT = 300  # R-HRS-3: what was done, in a sentence or two


def week_start(day):
    """The Monday of the week `day` is in (R-HRS-4: weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def week_days(monday):
    return [monday + timedelta(days=n) for n in range(7)]


def parse_week(text):
    """A week from a URL part: the Monday's ISO date. None if it is not a Monday."""
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return day if day.weekday() == 0 else None


def quarters_from_text(text):
    """'1.75' → 7. Raises ValueError with the message a user should read."""
    try:
        hours = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError("Enter hours as a number, like 1.5") from None
    if hours <= 0:
        raise ValueError("Hours must be more than 0")
    quarters = hours * 4
    if quarters != quarters.to_integral_value():
        raise ValueError("Enter hours in quarter hours, like 0.25, 0.5 or 1.75")
    return int(quarters)


def hours_text(quarters):
    hours = Decimal(quarters) / 4
    return f"{hours.normalize():f}"


@dataclass(frozen=True)
class Period:
    """The customer's time on the programme: from the start to the end (or open)."""

    starts_on: date | None
    ends_on: date | None

    def contains(self, day):
        return self.starts_on is not None and self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def entry_problems(*, on, monday, quarters, today, period, day_quarters_else, week_quarters_else,
                   objective_id=None, objectives_in_force=None, source_needs_name=False, source_name=None,
                   description=""):
    """Every way an entry breaks R-HRS-3/4, as (field, message). Empty when it may be saved.

    `day_quarters_else` and `week_quarters_else` are the hours already recorded on that day and in
    that week from every source, without this entry. `objectives_in_force` is None when no agreed
    plan was in force that day (an entry then needs no objective), else the ids of its objectives.
    """
    problems = []
    if on > today:
        problems.append(("on", "The date cannot be in the future"))
    elif not (monday <= on <= monday + timedelta(days=6)):
        problems.append(("on", "The date must be in this week"))
    elif not period.contains(on):
        problems.append(("on", "The date must be while the customer is on the programme"))
    if quarters <= 0:
        problems.append(("hours", "Hours must be more than 0"))
    elif day_quarters_else + quarters > QUARTERS_IN_A_DAY:
        problems.append(("hours", f"A day cannot have more than 24 hours; {hours_text(day_quarters_else)} "
                                  "are already recorded for that day"))
    elif week_quarters_else + quarters > QUARTERS_IN_A_WEEK:
        problems.append(("hours", "A week cannot have more than 168 hours"))
    if objectives_in_force is not None:
        if objective_id is None:
            problems.append(("objective", "Select the objective this activity serves"))
        elif objective_id not in objectives_in_force:
            problems.append(("objective", "Select an objective from the plan agreed for that date"))
    if source_needs_name and not (source_name or "").strip():
        problems.append(("source_name", "Enter the name of the organisation that delivered it"))
    if not (description or "").strip():
        problems.append(("description", "Describe what was done"))
    elif len(description) > DESCRIPTION_LIMIT:
        problems.append(("description", f"Description must be {DESCRIPTION_LIMIT} characters or fewer"))
    return problems


def needs_esa_confirmation(week_quarters, esa_income_related):
    """R-HRS-5: more than 16 hours of provision in a week may cost an ESA (income-related) claimant benefit."""
    return bool(esa_income_related) and week_quarters > ESA_LIMIT_QUARTERS


@dataclass(frozen=True)
class SmallEmployerPayment:
    eligible_employer: bool
    current_run_weeks: int
    twelfth_week_on: date | None  # the Monday of the week the twelfth continuous week was reached

    @property
    def qualifies(self):
        return self.twelfth_week_on is not None


def small_employer_payment(employer_staff_at_start, worked_quarters_by_week, today):
    """R-HRS-6 from the in-work record. The employer's size is taken when the job started (the offer is
    made on recruitment), so an employer growing past 25 staff later does not undo it. `worked_quarters_by_week`
    maps a week's Monday to the hours worked; a week missing or under 16 hours breaks the run."""
    eligible = employer_staff_at_start is not None and employer_staff_at_start <= SEP_MAX_STAFF
    run = 0
    twelfth = None
    previous = None
    for monday in sorted(worked_quarters_by_week):
        continuous = previous is not None and monday - previous == timedelta(days=7)
        if worked_quarters_by_week[monday] >= SEP_WEEKLY_QUARTERS:
            run = run + 1 if continuous else 1
            if eligible and run == SEP_WEEKS and twelfth is None:
                twelfth = monday
        else:
            run = 0
        previous = monday
    if previous is not None and previous < week_start(today) - timedelta(days=7):
        run = 0  # no record for last week: the run has stopped
    return SmallEmployerPayment(eligible_employer=eligible, current_run_weeks=run, twelfth_week_on=twelfth)


def weeks_looked_at(period, today):
    """The first and last Mondays `missing_weeks` looks at: weeks on the programme, up to the last complete one."""
    last_day = min(period.ends_on or today, today)
    last_complete = week_start(today) - timedelta(days=7)
    return week_start(period.starts_on), min(week_start(last_day), last_complete)


def missing_weeks(period, recorded_mondays, today):
    """The Mondays of whole or part weeks on the programme, up to the last complete week, with nothing recorded."""
    if period.starts_on is None:
        return []
    first, end = weeks_looked_at(period, today)
    weeks = []
    monday = first
    while monday <= end:
        if monday not in recorded_mondays:
            weeks.append(monday)
        monday += timedelta(days=7)
    return weeks
