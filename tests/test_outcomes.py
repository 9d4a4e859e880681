"""Job outcomes (R-OUT-1): derived from the job and in-work hours records, never typed; and the
Small Employer Payment (R-HRS-6) reached from the same records. Each kind has a case that reaches it
and a near miss that does not."""
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from portal.extensions import db
from portal.models import InWorkJob, InWorkWeek, ReferralStatus
from portal.services import hours_rules, outcomes
from tests.factories import make_customer

START = date(2025, 1, 6)  # a Monday


@pytest.fixture
def referral(world):
    return world.customers["ses_started"].referrals[0]


def add_job(referral, by, *, started_on=START, weeks=(), staff=8, supported=None, unsupported_from=None,
            ended_on=None):
    """A job with its weekly hours worked: `weeks` holds hours for consecutive weeks from the start's week
    (None: nothing recorded that week)."""
    job = InWorkJob(referral_id=referral.id, employer_name="Corner Bakery", employer_staff=staff,
                    job_title="Baker's assistant", started_on=started_on, ended_on=ended_on, supported=supported,
                    unsupported_from=unsupported_from, contracted_quarters=64, hourly_pay_pence=1300,
                    recorded_by_id=by.id)
    db.session.add(job)
    monday = hours_rules.week_start(started_on)
    for n, hours in enumerate(weeks):
        if hours is not None:
            db.session.add(InWorkWeek(job=job, week_start=monday + timedelta(days=7 * n), quarters=int(hours * 4),
                                      recorded_by_id=by.id))
    db.session.flush()
    outcomes.refresh([referral.id])
    return job


def kinds(referral_id):
    return [(e.kind, e.occurred_on) for e in outcomes.events_for_referral(referral_id)]


def week(n, first=START):
    """The Monday of the nth week of the job (1-based)."""
    return hours_rules.week_start(first) + timedelta(days=7 * (n - 1))


def test_r_out_1_the_public_interface():
    assert list(outcomes.KINDS) == ["job_start", "sustained_13", "sustained_26", "progression", "sep_reached"]
    assert all(isinstance(label, str) and label for label in outcomes.KINDS.values())
    assert [c.name for c in outcomes.outcome_events_query().selected_columns] == [
        "referral_id", "job_id", "kind", "occurred_on"]


def test_r_out_1_job_start_is_the_job_start_date_and_nothing_without_a_job(app_context, world, referral):
    assert kinds(referral.id) == []
    job = add_job(referral, world.users["ses_adviser"], started_on=date(2025, 3, 12))
    events = outcomes.events_for_referral(referral.id)
    assert [(e.kind, e.occurred_on, e.job_id, e.label) for e in events] == [
        ("job_start", date(2025, 3, 12), job.id, "Started a job")]


def test_r_out_1_sustained_at_13_weeks_and_not_at_12(app_context, world, referral):
    """(15 hours a week, so that the Small Employer Payment is not reached as well.)"""
    other = world.customers["ses_b_started"].referrals[0]
    add_job(referral, world.users["ses_adviser"], weeks=[15] * 13)
    add_job(other, world.users["ses_b_adviser"], weeks=[15] * 12)
    assert ("sustained_13", week(13)) in kinds(referral.id)
    assert [k for k, _ in kinds(other.id)] == ["job_start"]  # near miss: 12 weeks


def test_r_out_1_sustained_at_26_weeks_and_not_at_25(app_context, world, referral):
    other = world.customers["ses_b_started"].referrals[0]
    add_job(referral, world.users["ses_adviser"], weeks=[15] * 26)
    add_job(other, world.users["ses_b_adviser"], weeks=[15] * 25)
    assert [k for k, _ in kinds(referral.id)] == ["job_start", "sustained_13", "sustained_26"]
    assert ("sustained_26", week(26)) in kinds(referral.id)
    assert [k for k, _ in kinds(other.id)] == ["job_start", "sustained_13"]


def test_r_out_1_a_short_gap_is_allowed_a_long_one_starts_again(app_context, world, referral):
    """Up to MAX_GAP_WEEKS weeks in a row with no hours (none recorded, or 0) do not break the run but do
    not count; a longer gap starts the count again."""
    other = world.customers["ses_b_started"].referrals[0]
    assert outcomes.MAX_GAP_WEEKS == 2
    add_job(referral, world.users["ses_adviser"], weeks=[15] * 6 + [None, 0] + [15] * 7)
    add_job(other, world.users["ses_b_adviser"], weeks=[15] * 6 + [None, 0, None] + [15] * 7)
    assert ("sustained_13", week(15)) in kinds(referral.id)  # the 13th worked week is the 15th of the job
    assert [k for k, _ in kinds(other.id)] == ["job_start"]  # near miss: a three-week gap


def test_r_out_1_weeks_after_the_job_ended_do_not_count(app_context, world, referral):
    add_job(referral, world.users["ses_adviser"], weeks=[15] * 13, ended_on=week(12) + timedelta(days=4))
    assert [k for k, _ in kinds(referral.id)] == ["job_start"]


def test_r_out_1_progression_from_supported_to_unsupported_work(app_context, world, referral):
    by = world.users["ses_adviser"]
    add_job(referral, by, supported=True, unsupported_from=date(2025, 6, 2))
    assert ("progression", date(2025, 6, 2)) in kinds(referral.id)


def test_r_out_1_no_progression_while_still_supported_or_never_supported(app_context, world, referral):
    by = world.users["ses_adviser"]
    still = world.customers["ses_b_started"].referrals[0]
    add_job(still, world.users["ses_b_adviser"], supported=True)  # near miss: still supported
    add_job(referral, by, supported=False)                          # unsupported from the start
    add_job(referral, by, started_on=date(2025, 5, 5), supported=False)  # one unsupported job after another
    lse = world.customers["lse_started"].referrals[0]
    add_job(lse, world.users["lse_adviser"], supported=None)         # a job recorded before R-OUT-1
    add_job(lse, world.users["lse_adviser"], started_on=date(2025, 5, 5), supported=False)
    for referral_id in (still.id, referral.id, lse.id):
        assert "progression" not in [k for k, _ in kinds(referral_id)]


def test_r_out_1_progression_to_a_new_unsupported_job(app_context, world):
    """IFS 19-20: leaving a supported job for unsupported work elsewhere is a progression too, once."""
    referral = world.customers["wc_started"].referrals[0]
    by = world.users["wc_adviser"]
    add_job(referral, by, supported=True, ended_on=date(2025, 4, 30))
    second = add_job(referral, by, started_on=date(2025, 5, 5), supported=False)
    add_job(referral, by, started_on=date(2025, 9, 1), supported=False)  # a third job: no second progression
    progressions = [e for e in outcomes.events_for_referral(referral.id) if e.kind == "progression"]
    assert [(e.occurred_on, e.job_id) for e in progressions] == [(date(2025, 5, 5), second.id)]


def test_r_hrs_6_r_out_1_small_employer_payment_reached(app_context, world, referral):
    add_job(referral, world.users["ses_adviser"], weeks=[16] * 12)
    assert ("sep_reached", week(12)) in kinds(referral.id)


@pytest.mark.parametrize("case, weeks, staff", [
    ("eleven weeks", [16] * 11, 8),
    ("one week under 16 hours", [16] * 5 + [15.75] + [16] * 6, 8),
    ("a week not recorded", [16] * 5 + [None] + [16] * 6, 8),
    ("an employer of 26 staff", [16] * 12, 26),
])
def test_r_hrs_6_r_out_1_small_employer_payment_near_misses(app_context, world, referral, case, weeks, staff):
    add_job(referral, world.users["ses_adviser"], weeks=weeks, staff=staff)
    assert "sep_reached" not in [k for k, _ in kinds(referral.id)], case


@pytest.mark.parametrize("weeks", [
    [16] * 12, [20] * 3 + [10] + [16] * 12, [16] * 11, [16] * 6 + [None] + [16] * 12 + [40] * 3, [17] * 30,
])
def test_r_hrs_6_the_outcome_and_the_weekly_hours_page_agree(app_context, world, referral, weeks):
    """The set-based query and the rule the weekly hours page shows reach the payment in the same week."""
    job = add_job(referral, world.users["ses_adviser"], weeks=weeks)
    worked = {w.week_start: w.quarters for w in job.weeks}
    page = hours_rules.small_employer_payment(job.employer_staff, worked, date(2026, 12, 1)).twelfth_week_on
    derived = [on for k, on in kinds(referral.id) if k == "sep_reached"]
    assert derived == ([page] if page else [])


def test_r_out_1_events_are_ordered_by_date(app_context, world, referral):
    add_job(referral, world.users["ses_adviser"], weeks=[20] * 26, supported=True, unsupported_from=week(3))
    events = outcomes.events_for_referral(referral.id)
    assert [e.occurred_on for e in events] == sorted(e.occurred_on for e in events)
    assert [e.kind for e in events] == ["job_start", "progression", "sep_reached", "sustained_13", "sustained_26"]


def count_statements(action):
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def test_r_out_1_one_statement_whatever_the_number_of_referrals(app_context, world):
    """Set-based SQL: the whole portal's outcome events cost one statement for 1 referral or 20, and
    deriving them again for 1 referral or 20 costs the same number of statements."""
    by = world.users["ses_adviser"]
    first = world.customers["ses_started"].referrals[0]
    add_job(first, by, weeks=[20] * 26, supported=True, unsupported_from=week(4))
    db.session.commit()
    one = count_statements(lambda: db.session.execute(outcomes.outcome_events_query()).all())
    first_id = first.id
    refresh_one = count_statements(lambda: outcomes.refresh([first_id]))
    with_one = len(db.session.execute(outcomes.outcome_events_query()).all())
    referral_ids = [first_id]
    for n in range(19):
        customer = make_customer(world.orgs["ses"], "SES", status=ReferralStatus.STARTED)
        add_job(customer.referrals[0], by, weeks=[20] * 26, supported=True, unsupported_from=week(4))
        referral_ids.append(customer.referrals[0].id)
    db.session.commit()
    many = count_statements(lambda: db.session.execute(outcomes.outcome_events_query()).all())
    refresh_many = count_statements(lambda: outcomes.refresh(referral_ids))
    assert one == many == 1 and refresh_one == refresh_many
    assert len(db.session.execute(outcomes.outcome_events_query()).all()) == 20 * with_one == 20 * 5
    kinds_found = db.session.execute(select(outcomes.outcome_events_query().subquery().c.kind)).scalars().all()
    assert sorted(set(kinds_found)) == sorted(outcomes.KINDS)


def test_r_out_1_the_stored_events_are_the_derived_ones(app_context, world, referral):
    """Every write refreshes the stored events: they match a fresh derivation, and a job changed
    behind the service's back is corrected by `refresh`."""
    by = world.users["ses_adviser"]
    job = add_job(referral, by, weeks=[15] * 13, supported=True)
    stored = sorted(db.session.execute(outcomes.outcome_events_query()).all())
    assert stored == sorted(db.session.execute(outcomes.derived_events_query()).all())
    job.unsupported_from = week(5)
    outcomes.refresh([referral.id])
    assert ("progression", week(5)) in kinds(referral.id)
    assert sorted(db.session.execute(outcomes.outcome_events_query()).all()) == sorted(
        db.session.execute(outcomes.derived_events_query()).all())
