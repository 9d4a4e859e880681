"""The weekly record's rules (portal/services/hours_rules.py) as plain functions: no app, no database.

Outcomes only (fields in error, booleans, numbers, dates), never wording (see docs/mutation.md).
"""
from datetime import date, timedelta

import pytest

from portal.services import hours_rules as rules

MONDAY = date(2026, 11, 2)
TODAY = date(2026, 11, 20)
ON_PROGRAMME = rules.Period(date(2026, 1, 5), None)


def entry(**overrides):
    values = {"on": MONDAY, "monday": MONDAY, "quarters": 4, "today": TODAY, "period": ON_PROGRAMME,
              "day_quarters_else": 0, "week_quarters_else": 0, "description": "Mock interview"}
    values.update(overrides)
    problems = rules.entry_problems(**values)
    assert all(isinstance(message, str) and message.strip() for _field, message in problems)
    return [field for field, _message in problems]


def test_r_hrs_4_weeks_run_monday_to_sunday():
    assert rules.week_start(date(2026, 11, 8)) == MONDAY
    assert rules.week_start(MONDAY) == MONDAY
    assert rules.week_days(MONDAY) == [MONDAY + timedelta(days=n) for n in range(7)]
    assert rules.parse_week("2026-11-02") == MONDAY
    assert rules.parse_week("2026-11-03") is None
    assert rules.parse_week("not a date") is None
    assert rules.parse_week(None) is None


@pytest.mark.parametrize("text, quarters", [("0.25", 1), ("1.75", 7), (" 24 ", 96), (3, 12)])
def test_r_hrs_4_hours_travel_as_quarter_hours(text, quarters):
    assert rules.quarters_from_text(text) == quarters
    assert type(rules.quarters_from_text(text)) is int


@pytest.mark.parametrize("text", ["0", "-0.25", "0.1", "1.3", "x", ""])
def test_r_hrs_4_hours_that_are_not_whole_positive_quarters_are_refused(text):
    with pytest.raises(ValueError) as refused:
        rules.quarters_from_text(text)
    reason = refused.value.args[0]
    assert isinstance(reason, str) and reason.strip()  # the user is told why


def test_r_hrs_4_hours_shown_without_rounding():
    assert [rules.hours_text(q) for q in (1, 2, 4, 7, 96)] == ["0.25", "0.5", "1", "1.75", "24"]


def test_r_hrs_4_an_entry_that_breaks_nothing():
    assert entry() == []
    assert entry(on=MONDAY + timedelta(days=6), today=MONDAY + timedelta(days=6)) == []
    assert entry(day_quarters_else=92, quarters=4) == []  # exactly 24 hours in a day
    assert entry(week_quarters_else=668, quarters=4) == []  # exactly 168 hours in a week
    assert entry(description="x" * rules.DESCRIPTION_LIMIT) == []


def test_r_hrs_4_the_date():
    assert entry(on=TODAY + timedelta(days=1), monday=rules.week_start(TODAY)) == ["on"]
    assert entry(on=TODAY, monday=rules.week_start(TODAY)) == []
    assert entry(on=MONDAY - timedelta(days=1)) == ["on"]
    assert entry(on=MONDAY + timedelta(days=7)) == ["on"]
    assert entry(period=rules.Period(MONDAY + timedelta(days=1), None)) == ["on"]
    assert entry(period=rules.Period(date(2026, 1, 5), MONDAY - timedelta(days=1))) == ["on"]
    assert entry(period=rules.Period(date(2026, 1, 5), MONDAY)) == []
    assert entry(period=rules.Period(MONDAY, None)) == []
    assert entry(period=rules.Period(None, None)) == ["on"]
    # a future date outside the week is one problem, not two
    assert entry(on=TODAY + timedelta(days=30)) == ["on"]


def test_r_hrs_4_the_hours():
    assert entry(quarters=1) == []
    assert entry(quarters=0) == ["hours"]
    assert entry(quarters=-1) == ["hours"]
    assert entry(day_quarters_else=93, quarters=4) == ["hours"]
    assert entry(day_quarters_else=0, quarters=97) == ["hours"]
    assert entry(week_quarters_else=669, quarters=4) == ["hours"]


def test_r_hrs_1_an_objective_of_the_plan_in_force():
    assert entry(objectives_in_force=None, objective_id=None) == []
    assert entry(objectives_in_force={1, 2}, objective_id=None) == ["objective"]
    assert entry(objectives_in_force={1, 2}, objective_id=3) == ["objective"]
    assert entry(objectives_in_force={1, 2}, objective_id=2) == []
    assert entry(objectives_in_force=set(), objective_id=None) == ["objective"]


def test_r_hrs_2_a_named_source_needs_its_name():
    assert entry(source_needs_name=True) == ["source_name"]
    assert entry(source_needs_name=True, source_name=" ") == ["source_name"]
    assert entry(source_needs_name=True, source_name="Allies") == []
    assert entry(source_needs_name=False, source_name=None) == []


def test_r_hrs_3_what_was_done_in_a_sentence_or_two():
    assert entry(description="") == ["description"]
    assert entry(description="  ") == ["description"]
    assert entry(description=None) == ["description"]
    no_description = rules.entry_problems(on=MONDAY, monday=MONDAY, quarters=4, today=TODAY, period=ON_PROGRAMME,
                                          day_quarters_else=0, week_quarters_else=0)
    assert [field for field, _message in no_description] == ["description"]
    assert entry(description="x" * (rules.DESCRIPTION_LIMIT + 1)) == ["description"]


def test_every_problem_of_an_entry_is_reported():
    assert entry(on=TODAY + timedelta(days=1), quarters=0, objectives_in_force={1}, source_needs_name=True,
                 description="") == ["on", "hours", "objective", "source_name", "description"]


@pytest.mark.parametrize("quarters, esa_ir, warn", [(64, True, False), (65, True, True), (65, False, False),
                                                    (65, None, False), (200, 1, True)])
def test_r_hrs_5_more_than_16_hours_warns_an_esa_income_related_claimant(quarters, esa_ir, warn):
    assert rules.needs_esa_confirmation(quarters, esa_ir) is warn


def weeks(first, count, quarters=64):
    return {first + timedelta(weeks=n): quarters for n in range(count)}


def test_r_hrs_6_twelve_continuous_weeks_at_16_hours_with_a_small_employer():
    first = date(2026, 6, 1)
    today = first + timedelta(weeks=12)
    payment = rules.small_employer_payment(25, weeks(first, 12), today)
    assert payment == rules.SmallEmployerPayment(True, 12, first + timedelta(weeks=11))
    assert payment.qualifies
    assert rules.small_employer_payment(25, weeks(first, 11), today - timedelta(weeks=1)) == rules.SmallEmployerPayment(
        True, 11, None)
    later = rules.small_employer_payment(25, weeks(first, 14), today + timedelta(weeks=2))
    assert later == rules.SmallEmployerPayment(True, 14, first + timedelta(weeks=11))


def test_r_hrs_6_the_employer_size_when_the_job_started():
    first = date(2026, 6, 1)
    today = first + timedelta(weeks=12)
    assert rules.small_employer_payment(26, weeks(first, 12), today) == rules.SmallEmployerPayment(False, 12, None)
    assert not rules.small_employer_payment(None, weeks(first, 12), today).qualifies
    assert rules.small_employer_payment(1, weeks(first, 12), today).qualifies


def test_r_hrs_6_a_short_or_missing_week_breaks_the_run():
    first = date(2026, 6, 1)
    record = weeks(first, 12)
    record[first + timedelta(weeks=5)] = 63
    today = first + timedelta(weeks=12)
    assert rules.small_employer_payment(5, record, today) == rules.SmallEmployerPayment(True, 6, None)
    gap = weeks(first, 5) | weeks(first + timedelta(weeks=6), 6)
    assert rules.small_employer_payment(5, gap, today) == rules.SmallEmployerPayment(True, 6, None)
    assert rules.small_employer_payment(5, weeks(first, 12, quarters=65), today).qualifies


def test_r_hrs_6_no_record_for_last_week_stops_the_run():
    first = date(2026, 6, 1)
    last = first + timedelta(weeks=4)
    assert rules.small_employer_payment(5, weeks(first, 5), last + timedelta(weeks=1)).current_run_weeks == 5
    assert rules.small_employer_payment(5, weeks(first, 5), last + timedelta(weeks=1, days=6)).current_run_weeks == 5
    assert rules.small_employer_payment(5, weeks(first, 5), last + timedelta(weeks=2)).current_run_weeks == 0
    assert rules.small_employer_payment(5, {}, last) == rules.SmallEmployerPayment(True, 0, None)


def test_r_hrs_6_the_twelfth_week_is_the_first_reached():
    first = date(2026, 1, 5)
    record = weeks(first, 12) | {first + timedelta(weeks=12): 0} | weeks(first + timedelta(weeks=13), 12)
    payment = rules.small_employer_payment(5, record, first + timedelta(weeks=25))
    assert payment.twelfth_week_on == first + timedelta(weeks=11)
    assert payment.current_run_weeks == 12


def test_r_hrs_4_the_period_on_the_programme():
    period = rules.Period(date(2026, 1, 5), date(2026, 3, 1))
    assert period.contains(date(2026, 1, 5)) and period.contains(date(2026, 3, 1))
    assert not period.contains(date(2026, 1, 4)) and not period.contains(date(2026, 3, 2))
    assert rules.Period(date(2026, 1, 5), None).contains(date(2030, 1, 1))
    assert not rules.Period(None, None).contains(date(2026, 1, 5))


def test_missing_weeks_are_whole_or_part_weeks_on_the_programme_up_to_the_last_complete_one():
    today = date(2026, 2, 4)  # a Wednesday: the week of 2 February is not complete
    period = rules.Period(date(2026, 1, 7), None)  # starts mid-week
    assert rules.weeks_looked_at(period, today) == (date(2026, 1, 5), date(2026, 1, 26))
    assert rules.missing_weeks(period, {date(2026, 1, 12)}, today) == [
        date(2026, 1, 5), date(2026, 1, 19), date(2026, 1, 26)]
    ended = rules.Period(date(2026, 1, 7), date(2026, 1, 20))
    assert rules.weeks_looked_at(ended, today) == (date(2026, 1, 5), date(2026, 1, 19))
    assert rules.missing_weeks(ended, set(), today) == [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    ends_later = rules.Period(date(2026, 1, 7), date(2026, 6, 1))
    assert rules.weeks_looked_at(ends_later, today) == (date(2026, 1, 5), date(2026, 1, 26))
    assert rules.missing_weeks(rules.Period(None, None), set(), today) == []
    assert rules.missing_weeks(rules.Period(date(2026, 2, 2), None), set(), today) == []
    sunday = date(2026, 2, 8)
    assert rules.weeks_looked_at(period, sunday)[1] == date(2026, 1, 26)
    assert rules.weeks_looked_at(period, date(2026, 2, 9))[1] == date(2026, 2, 2)
