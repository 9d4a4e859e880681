"""The rules of a job record (R-OUT-1), as plain functions over plain values.

Pay travels as whole pence and hours as whole quarter hours, so no rounding can creep in.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from portal.services import hours_rules

MAX_HOURLY_PAY_PENCE = 100_000  # £1,000 an hour: beyond it the figure is a typing slip
YOUNGEST_RATE_AGE = 16


def pence_from_text(text):
    """'12.5' or '£12.50' → 1250. Raises ValueError with the message a user should read."""
    cleaned = str(text or "").strip().removeprefix("£").replace(",", "").strip()
    try:
        pounds = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Enter the hourly pay as an amount in pounds, like 12.21") from None
    if not pounds.is_finite() or pounds <= 0:
        raise ValueError("Hourly pay must be more than £0")
    pence = pounds * 100
    if pence != pence.to_integral_value():
        raise ValueError("Enter the hourly pay in pounds and pence, like 12.21")
    if pence > MAX_HOURLY_PAY_PENCE:
        raise ValueError("Hourly pay must be £1,000 or less")
    return int(pence)


def money_text(pence):
    return f"£{pence // 100:,}.{pence % 100:02d}"


def contracted_quarters_from_text(text):
    """Contracted hours a week: 0 is a real answer (a zero-hours contract)."""
    if str(text or "").strip() in ("0", "0.0", "0.00"):
        return 0
    quarters = hours_rules.quarters_from_text(text)
    if quarters > hours_rules.QUARTERS_IN_A_WEEK:
        raise ValueError("A week cannot have more than 168 hours")
    return quarters


def job_problems(*, started_on, ended_on=None, unsupported_from=None, supported=None, today, period):
    """Every way a job's dates break the record's rules, as (field, message). Empty when it may be saved."""
    problems = []
    if started_on > today:
        problems.append(("started_on", "The start date cannot be in the future"))
    elif not period.contains(started_on):
        problems.append(("started_on", "The start date must be while the customer is on the programme"))
    if ended_on is not None:
        if ended_on > today:
            problems.append(("ended_on", "The end date cannot be in the future"))
        elif ended_on < started_on:
            problems.append(("ended_on", "The end date must be on or after the start date"))
    if unsupported_from is not None:
        if not supported:
            problems.append(("unsupported_from", "Only a job that started as supported work can move to unsupported work"))
        elif unsupported_from > today:
            problems.append(("unsupported_from", "The date of the move cannot be in the future"))
        elif unsupported_from <= started_on:
            problems.append(("unsupported_from", "The date of the move must be after the start date"))
        elif ended_on is not None and unsupported_from > ended_on:
            problems.append(("unsupported_from", "The date of the move must be on or before the end date"))
    return problems


def age_on(birth_date, day):
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class Rate:
    effective_from: date
    min_age: int
    max_age: int | None
    name: str
    pence: int


def rate_on(rates, day, age=None):
    """The minimum wage rate in force on `day` for `age` (R-OUT-1), or None when no rate is held for
    that date (before the earliest row) or the age is under 16. With no age, the adult rate: the band
    with no upper age (the National Living Wage)."""
    in_force = [r for r in rates if r.effective_from <= day]
    if not in_force:
        return None
    latest = max(r.effective_from for r in in_force)
    bands = [r for r in in_force if r.effective_from == latest]
    if age is None:
        return next((r for r in bands if r.max_age is None), None)
    return next((r for r in bands if r.min_age <= age and (r.max_age is None or age <= r.max_age)), None)


@dataclass(frozen=True)
class PayCheck:
    """One comparison of the job's pay with the rate in force on a date."""

    on: date
    what: str            # "when the job started" or "now" / "when the job ended"
    rate: Rate | None
    age_known: bool

    def below(self, pay_pence):
        return self.rate is not None and pay_pence is not None and pay_pence < self.rate.pence


def pay_checks(rates, *, started_on, ended_on, pay_pence, birth_date, today):
    """R-OUT-1, LSE Annex 1 ("the going rate"): the pay against the rate on the job's start date, and
    against the rate in force at its end (or today), for the customer's age on each date when known.
    Returns only the checks the pay fails; empty when the pay is at or above the rate, or not recorded."""
    if pay_pence is None:
        return []
    last = min(ended_on or today, today)
    dates = [(started_on, "when the job started")]
    if last > started_on:
        dates.append((last, "when the job ended" if ended_on and ended_on <= today else "now"))
    failed = []
    for day, what in dates:
        check = PayCheck(on=day, what=what, rate=rate_on(rates, day, age_on(birth_date, day)),
                         age_known=birth_date is not None)
        if check.below(pay_pence) and not any(f.rate == check.rate for f in failed):
            failed.append(check)
    return failed
