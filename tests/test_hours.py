"""The weekly record (DOMAIN §6, R-HRS-1..7): the rules as plain functions, then the pages over HTTP."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.models import (
    AuditEvent, DwpRecord, HoursAmendment, HoursEntry, InWorkJob, InWorkWeek, Objective, Plan, PlanVersion, SupportItem,
)
from portal.models.plan import VersionStatus
from portal.services import hours_rules as rules
from tests.factories import sign_in_as

TODAY = date.today()
THIS_WEEK = rules.week_start(TODAY)
TWO_WEEKS_AGO = THIS_WEEK - timedelta(days=14)
PERIOD = rules.Period(starts_on=date(2026, 1, 5), ends_on=None)


def problems(**overrides):
    facts = dict(on=date(2026, 3, 4), monday=date(2026, 3, 2), quarters=8, today=date(2026, 3, 10), period=PERIOD,
                 day_quarters_else=0, week_quarters_else=0, description="CV workshop")
    facts.update(overrides)
    return [field for field, _message in rules.entry_problems(**facts)]


# --- R-HRS-4: the week and the limits ---------------------------------------------------------------

@pytest.mark.parametrize("day, monday", [
    (date(2026, 11, 24), date(2026, 11, 23)),  # a Tuesday
    (date(2026, 11, 23), date(2026, 11, 23)),  # a Monday is its own week
    (date(2026, 11, 29), date(2026, 11, 23)),  # Sunday ends the week
    (date(2026, 3, 1), date(2026, 2, 23)),     # a week straddling a month end
    (date(2027, 1, 1), date(2026, 12, 28)),    # and a year end
    (date(2026, 3, 29), date(2026, 3, 23)),    # the Sunday British Summer Time starts
    (date(2026, 10, 25), date(2026, 10, 19)),  # the Sunday it ends
])
def test_r_hrs_4_a_week_runs_monday_to_sunday(day, monday):
    assert rules.week_start(day) == monday
    assert rules.week_days(monday)[-1] - monday == timedelta(days=6)


@pytest.mark.parametrize("text, quarters", [("0.25", 1), ("1.5", 6), ("7.75", 31), ("24", 96), (" 2 ", 8)])
def test_r_hrs_4_hours_in_quarter_hours(text, quarters):
    assert rules.quarters_from_text(text) == quarters


@pytest.mark.parametrize("text, message", [
    ("0.3", "quarter hours"), ("-1", "more than 0"), ("0", "more than 0"), ("two", "as a number"), ("", "as a number")])
def test_r_hrs_4_bad_hours_are_refused_with_a_clear_message(text, message):
    with pytest.raises(ValueError, match=message):
        rules.quarters_from_text(text)


def test_r_hrs_4_limits_and_dates():
    assert problems() == []
    assert problems(on=date(2026, 3, 11), today=date(2026, 3, 10)) == ["on"]          # future
    assert problems(on=date(2026, 3, 9)) == ["on"]                                     # outside the week
    assert problems(on=date(2026, 1, 4), monday=date(2025, 12, 29)) == ["on"]          # before the start
    assert problems(period=rules.Period(date(2026, 1, 5), date(2026, 3, 3))) == ["on"]  # after the end
    assert problems(day_quarters_else=88, quarters=8) == []                            # exactly 24 hours
    assert problems(day_quarters_else=89, quarters=8) == ["hours"]                     # over 24 in a day
    assert problems(week_quarters_else=672 - 8, quarters=8) == []                      # exactly 168
    assert problems(week_quarters_else=672 - 7, quarters=8) == ["hours"]               # over 168 in a week
    assert problems(description="") == ["description"]
    assert problems(description="x" * 301) == ["description"]                          # R-HRS-3: concise


def test_r_hrs_1_an_objective_of_the_plan_in_force_is_needed_once_a_plan_is_agreed():
    assert problems(objectives_in_force=None) == []
    assert problems(objectives_in_force={1, 2}) == ["objective"]
    assert problems(objectives_in_force={1, 2}, objective_id=3) == ["objective"]
    assert problems(objectives_in_force={1, 2}, objective_id=2) == []


def test_r_hrs_2_a_named_source_needs_its_name():
    assert problems(source_needs_name=True) == ["source_name"]
    assert problems(source_needs_name=True, source_name="Ability Works") == []


@pytest.mark.parametrize("quarters, esa, warn", [(64, True, False), (65, True, True), (200, False, False)])
def test_r_hrs_5_more_than_16_hours_warns_for_esa_income_related(quarters, esa, warn):
    assert rules.needs_esa_confirmation(quarters, esa) is warn


# --- R-HRS-6: Small Employer Payment ------------------------------------------------------------------

def weeks_from(first_monday, hours_list):
    return {first_monday + timedelta(days=7 * n): int(h * 4) for n, h in enumerate(hours_list) if h is not None}


def test_r_hrs_6_twelve_continuous_weeks_at_16_hours_with_a_small_employer():
    first = date(2026, 6, 1)
    result = rules.small_employer_payment(12, weeks_from(first, [16] * 12), today=first + timedelta(days=7 * 12))
    assert result.eligible_employer and result.current_run_weeks == 12
    assert result.twelfth_week_on == first + timedelta(days=7 * 11) and result.qualifies


def test_r_hrs_6_a_week_under_16_hours_or_a_missing_week_breaks_the_run():
    first = date(2026, 6, 1)
    short = rules.small_employer_payment(12, weeks_from(first, [16] * 6 + [15.75] + [16] * 6), today=date(2026, 9, 1))
    assert not short.qualifies and short.current_run_weeks == 6
    gap = rules.small_employer_payment(12, weeks_from(first, [16] * 6 + [None] + [16] * 6), today=date(2026, 9, 1))
    assert not gap.qualifies and gap.current_run_weeks == 6


def test_r_hrs_6_the_run_straddles_a_year_end_and_the_clock_change():
    first = date(2026, 10, 19)  # the week British Summer Time ends, running past New Year
    result = rules.small_employer_payment(25, weeks_from(first, [20] * 12), today=date(2027, 1, 20))
    assert result.twelfth_week_on == date(2027, 1, 4)


def test_r_hrs_6_the_employer_size_when_the_job_started_decides():
    first = date(2026, 6, 1)
    assert not rules.small_employer_payment(26, weeks_from(first, [30] * 12), today=date(2026, 9, 1)).qualifies
    # An employer that grows past 25 after recruiting keeps the offer made at the start: its size
    # is recorded at the job start and later growth is not asked for.
    assert rules.small_employer_payment(25, weeks_from(first, [30] * 12), today=date(2026, 9, 1)).qualifies


def test_missing_weeks_are_the_complete_weeks_on_the_programme_with_nothing_recorded():
    period = rules.Period(starts_on=date(2026, 11, 4), ends_on=None)
    assert rules.missing_weeks(period, {date(2026, 11, 9)}, today=date(2026, 11, 24)) == [
        date(2026, 11, 2), date(2026, 11, 16)]


# --- The pages ----------------------------------------------------------------------------------------

def week_url(customer, week=THIS_WEEK):
    return f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/hours/{week.isoformat()}"


def entry(on, hours="2", **overrides):
    data = {"on": on.isoformat(), "activity": "cv_and_applications", "source": "provider", "mode": "face_to_face",
            "hours": hours, "description": "Rewrote CV for warehouse roles", "objective": ""}
    data.update(overrides)
    return data


def live_entries(customer):
    return db.session.scalars(select(HoursEntry).where(HoursEntry.referral_id == customer.referrals[0].id,
                                                       HoursEntry.removed_at.is_(None))).all()


def agreed_plan(customer, planned_hours=None):
    """An agreed plan, in force since 40 days ago, with one objective (and its support, if planned)."""
    referral = customer.referrals[0]
    plan = Plan(customer_id=customer.id, programme_id=referral.programme_id)
    version = PlanVersion(plan=plan, number=1, organisation_id=referral.organisation_id, referral_id=referral.id,
                          status=VersionStatus.AGREED,
                          agreed_at=datetime.combine(TODAY - timedelta(days=40), time(12), tzinfo=timezone.utc))
    objective = Objective(key="obj1", what="Apply for five jobs a week", position=1)
    version.objectives.append(objective)
    if planned_hours:
        version.support_items.append(SupportItem(key="s1", description="Weekly job search session",
                                                 planned_hours=planned_hours, objectives=[objective]))
    db.session.add_all([plan, version])
    db.session.commit()
    return objective


@pytest.fixture
def coach(client, world):
    customer = world.customers["ses_started"]
    customer.referrals[0].started_on = TODAY - timedelta(days=60)
    db.session.commit()
    sign_in_as(client, world.users["ses_adviser"])
    return customer


def test_r_hrs_1_an_adviser_records_each_activity_and_sees_the_totals(client, coach):
    assert client.post(week_url(coach), data=entry(THIS_WEEK, "1.5")).status_code == 302
    assert client.post(week_url(coach), data=entry(THIS_WEEK, "0.75", activity="job_search")).status_code == 302
    page = client.get(week_url(coach)).get_data(as_text=True)
    assert "CV and applications" in page and "Job search" in page
    assert "Week total" in page and ">2.25<" in page
    assert [e.quarters for e in live_entries(coach)] == [6, 3]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "hours.recorded")) == 2


@pytest.mark.parametrize("overrides, message", [
    ({"hours": "1.3"}, "Enter hours in quarter hours"),
    ({"hours": "-2"}, "Hours must be more than 0"),
    ({"hours": "25"}, "A day cannot have more than 24 hours"),
    ({"description": ""}, "Describe what was done"),
    ({"description": "x" * 301}, "300 characters or fewer"),
    ({"source": "third_tier"}, "Enter the name of the organisation"),
    ({"on": (THIS_WEEK - timedelta(days=1)).isoformat()}, "Not a valid choice"),
])
def test_r_hrs_4_bad_input_gets_a_govuk_error_and_saves_nothing(client, coach, overrides, message):
    response = client.post(week_url(coach), data={**entry(THIS_WEEK), **overrides})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and message in page
    assert live_entries(coach) == []


def test_r_hrs_4_no_hours_before_the_customer_started(client, coach):
    coach.referrals[0].started_on = TODAY
    db.session.commit()
    monday = TWO_WEEKS_AGO
    page = client.post(week_url(coach, monday), data=entry(monday)).get_data(as_text=True)
    assert "while the customer is on the programme" in page and live_entries(coach) == []


def test_r_hrs_5_more_than_16_hours_for_esa_income_related_asks_first(client, coach):
    db.session.get(DwpRecord, coach.id).benefit_type = "ESA_IR"
    monday = TWO_WEEKS_AGO
    for n in range(2):
        assert client.post(week_url(coach, monday), data=entry(monday + timedelta(days=n), "8")).status_code == 302
    page = client.post(week_url(coach, monday), data=entry(monday + timedelta(days=2), "0.25")).get_data(as_text=True)
    assert "16.25 hours of provision" in page and "Save anyway" in page
    assert len(live_entries(coach)) == 2
    confirmed = entry(monday + timedelta(days=2), "0.25", esa_confirmed="yes")
    assert client.post(week_url(coach, monday), data=confirmed).status_code == 302
    assert len(live_entries(coach)) == 3


def test_r_hrs_5_no_warning_for_other_benefits(client, coach):
    monday = TWO_WEEKS_AGO
    for n in range(3):
        assert client.post(week_url(coach, monday), data=entry(monday + timedelta(days=n), "8")).status_code == 302


def test_r_hrs_7_a_past_week_change_needs_a_reason_and_keeps_the_earlier_figures(client, coach, world, app):
    monday = TWO_WEEKS_AGO
    client.post(week_url(coach, monday), data=entry(monday, "3"))
    saved = live_entries(coach)[0]
    base = f"/customers/{coach.id}/referrals/{coach.referrals[0].id}/hours/entries/{saved.id}"
    change = entry(monday, "2.5", lock_version=str(saved.lock_version))
    page = client.post(f"{base}/change", data=change).get_data(as_text=True)
    assert "Give a reason for changing a past week" in page
    db.session.refresh(saved)
    assert saved.quarters == 12
    assert client.post(f"{base}/change", data={**change, "reason": "Session ended early"}).status_code == 302
    db.session.refresh(saved)
    assert saved.quarters == 10
    # The inspector sees the earlier figures, who changed them and why.
    inspector = app.test_client()
    sign_in_as(inspector, world.users["inspector"])
    page = inspector.get(week_url(coach, monday)).get_data(as_text=True)
    assert "Session ended early" in page and "3 hours" in page and "Changes to this week" in page
    # Removal: needs a reason, the row stays, the week's total drops.
    assert "Give a reason" in client.post(f"{base}/remove", data={"reason": ""}).get_data(as_text=True)
    assert client.post(f"{base}/remove", data={"reason": "Recorded against the wrong customer"}).status_code == 302
    assert live_entries(coach) == []
    assert "Recorded against the wrong customer" in inspector.get(week_url(coach, monday)).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(HoursAmendment)) == 2


def test_r_hrs_7_the_history_cannot_be_edited_away_in_the_database(client, coach):
    client.post(week_url(coach), data=entry(THIS_WEEK))
    saved = live_entries(coach)[0]
    with pytest.raises(DBAPIError):
        db.session.execute(text("DELETE FROM hours_entry WHERE id = :id"), {"id": saved.id})
    db.session.rollback()


def test_a_stale_change_gets_a_conflict_with_the_users_text(client, coach):
    client.post(week_url(coach), data=entry(THIS_WEEK))
    saved = live_entries(coach)[0]
    base = f"/customers/{coach.id}/referrals/{coach.referrals[0].id}/hours/entries/{saved.id}"
    opened_at = str(saved.lock_version)  # two advisers open the same activity
    client.post(f"{base}/change", data=entry(THIS_WEEK, "1", lock_version=opened_at))
    response = client.post(f"{base}/change", data=entry(THIS_WEEK, "4", lock_version=opened_at,
                                                        description="My careful wording"))
    assert response.status_code == 409
    assert "Someone else changed this activity" in response.get_data(as_text=True)
    assert "My careful wording" in response.get_data(as_text=True)


def test_copy_last_weeks_pattern_in_one_action(client, coach):
    last = THIS_WEEK - timedelta(days=7)
    client.post(week_url(coach, last), data=entry(last, "2"))
    client.post(week_url(coach, last), data=entry(last + timedelta(days=6), "1", activity="volunteering"))
    client.post(week_url(coach) + "/copy-previous")
    copied = [e for e in live_entries(coach) if e.week_start == THIS_WEEK]
    expected = 1 + (1 if THIS_WEEK + timedelta(days=6) <= TODAY else 0)  # no hours in the future
    assert len(copied) == expected and copied[0].on == THIS_WEEK and copied[0].quarters == 8


def test_r_hrs_1_once_a_plan_is_agreed_each_activity_serves_one_of_its_objectives(client, coach):
    objective = agreed_plan(coach)
    page = client.post(week_url(coach), data=entry(THIS_WEEK)).get_data(as_text=True)
    assert "Select the objective this activity serves" in page
    assert "Apply for five jobs a week" in page  # offered as a choice
    assert client.post(week_url(coach), data=entry(THIS_WEEK, objective=str(objective.id))).status_code == 302
    assert live_entries(coach)[0].objective_id == objective.id


def test_r_hrs_2_sub_contractor_staff_record_their_hours_and_the_prime_sees_who_entered_them(client, world, app):
    customer = world.customers["sub_assigned"]
    sign_in_as(client, world.users["sub_adviser"])
    assert client.post(week_url(customer), data=entry(THIS_WEEK, source="subcontractor")).status_code == 302
    saved = live_entries(customer)[0]
    assert saved.source_name == "Sub-contractor Ltd" and saved.entered_by_organisation_id == world.orgs["sub"].id
    prime = app.test_client()
    sign_in_as(prime, world.users["ses_adviser"])
    page = prime.get(week_url(customer)).get_data(as_text=True)
    assert "Entered by Sub-contractor Ltd" in page
    # A customer not assigned to the sub-contractor is as if it did not exist.
    assert client.get(week_url(world.customers["ses_started"])).status_code == 404


def test_other_organisations_get_404_and_inspectors_read_only(client, coach, world, app):
    other = app.test_client()
    sign_in_as(other, world.users["ses_b_adviser"])
    assert other.get(week_url(coach)).status_code == 404
    assert other.post(week_url(coach), data=entry(THIS_WEEK)).status_code == 404
    inspector = app.test_client()
    sign_in_as(inspector, world.users["inspector"])
    assert inspector.get(week_url(coach)).status_code == 200
    assert inspector.post(week_url(coach), data=entry(THIS_WEEK)).status_code == 403
    assert live_entries(coach) == []


def test_the_weeks_page_shows_totals_by_source_and_the_weeks_with_nothing_recorded(client, coach):
    monday = TWO_WEEKS_AGO
    client.post(week_url(coach, monday), data=entry(monday, "2"))
    client.post(week_url(coach, monday), data=entry(monday, "1", source="employer"))
    page = client.get(f"/customers/{coach.id}/referrals/{coach.referrals[0].id}/hours/").get_data(as_text=True)
    assert "Nothing recorded" in page  # the other weeks since the start
    assert ">3<" in page  # the week's total across sources


def test_r_hrs_6_the_weeks_page_shows_small_employer_payment_status(client, coach, world):
    first = THIS_WEEK - timedelta(days=7 * 12)
    job = InWorkJob(referral_id=coach.referrals[0].id, employer_name="Corner Bakery", employer_staff=8,
                    job_title="Baker's assistant", started_on=first, recorded_by_id=world.users["ses_adviser"].id)
    db.session.add(job)
    for n in range(12):
        db.session.add(InWorkWeek(job=job, week_start=first + timedelta(days=7 * n), quarters=16 * 4,
                                  recorded_by_id=world.users["ses_adviser"].id))
    db.session.commit()
    page = client.get(f"/customers/{coach.id}/referrals/{coach.referrals[0].id}/hours/").get_data(as_text=True)
    assert "Small Employer Payment" in page and "a small employer" in page
    assert (first + timedelta(days=77)).strftime("%-d %B %Y") in page


def test_r_hrs_6_an_adviser_records_the_job_and_the_hours_worked_each_week(client, coach):
    base = f"/customers/{coach.id}/referrals/{coach.referrals[0].id}/hours"
    start = THIS_WEEK - timedelta(days=21)
    form = {"employer_name": "Corner Bakery", "employer_staff": "8", "job_title": "Baker's assistant",
            "contracted_hours": "20", "hourly_pay": "12.71", "supported": "no",
            "started_on": [str(start.day), str(start.month), str(start.year)]}
    assert "Enter the number of staff" in client.post(f"{base}/job/new", data={**form, "employer_staff": ""}).get_data(as_text=True)
    assert client.post(f"{base}/job/new", data=form).status_code == 302
    job = db.session.scalars(select(InWorkJob)).one()
    for n in range(3):
        monday = start + timedelta(days=7 * n)
        assert client.post(f"{base}/job/{job.id}/weeks", data={"week": monday.isoformat(), "hours": "17.5"}).status_code == 302
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "Corner Bakery" in page and "a small employer" in page
    # Changing a recorded week needs a reason; the earlier figure is kept in the audit trail.
    first = start.isoformat()
    assert "Give a reason" in client.post(f"{base}/job/{job.id}/weeks", data={"week": first, "hours": "12"}).get_data(as_text=True)
    assert client.post(f"{base}/job/{job.id}/weeks", data={"week": first, "hours": "12", "reason": "Payslip showed 12"}).status_code == 302
    change = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "in_work.week_recorded")
                                .order_by(AuditEvent.id.desc())).first()
    assert '"earlier_quarters": 70' in change.detail and "Payslip showed 12" in change.detail
    # A week before the job started is not offered.
    before = (start - timedelta(days=7)).isoformat()
    assert "Not a valid choice" in client.post(f"{base}/job/{job.id}/weeks", data={"week": before, "hours": "16"}).get_data(as_text=True)


def test_summaries_by_month_activity_and_objective_and_the_csv_download(client, coach, world):
    objective = agreed_plan(coach, planned_hours=20)
    monday = TWO_WEEKS_AGO
    client.post(week_url(coach, monday), data=entry(monday, "2", objective=str(objective.id)))
    client.post(week_url(coach, monday), data=entry(monday + timedelta(days=1), "1.5", objective=str(objective.id),
                                                    activity="job_search", description="=HYPERLINK(\"x\")"))
    base = f"/customers/{coach.id}/referrals/{coach.referrals[0].id}/hours"
    page = client.get(f"{base}/summary").get_data(as_text=True)
    assert "Apply for five jobs a week" in page and ">20<" in page and ">3.5<" in page
    assert "Job search" in page
    assert all(d.strftime("%B %Y") in page for d in (monday, monday + timedelta(days=1)))
    first, last = monday, monday + timedelta(days=6)
    response = client.get(f"{base}/export.csv", query_string={
        "first_day": [str(first.day), str(first.month), str(first.year)],
        "last_day": [str(last.day), str(last.month), str(last.year)]})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert "Rewrote CV for warehouse roles" in body and "'=HYPERLINK" in body  # no spreadsheet formulas
    assert "SES Started" in body  # the name, which the SES policy shows
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "hours.exported")).one()
    assert exported.customer_id is None and str(coach.id) in exported.detail
    bad = client.get(f"{base}/export.csv", query_string={
        "first_day": [str(last.day), str(last.month), str(last.year)],
        "last_day": [str(first.day), str(first.month), str(first.year)]})
    assert bad.status_code == 400 and "on or after the first date" in bad.get_data(as_text=True)


def test_the_download_shows_a_j2e_job_club_only_what_its_policy_allows(client, world):
    customer = world.customers["j2e_started"]
    customer.referrals[0].started_on = TODAY - timedelta(days=30)
    db.session.commit()
    sign_in_as(client, world.users["j2e_adviser"])
    client.post(week_url(customer), data=entry(THIS_WEEK))
    base = f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/hours"
    body = client.get(f"{base}/export.csv", query_string={
        "first_day": [str(THIS_WEEK.day), str(THIS_WEEK.month), str(THIS_WEEK.year)],
        "last_day": [str(TODAY.day), str(TODAY.month), str(TODAY.year)]}).get_data(as_text=True)
    assert "J2E Started" in body  # the name is allowed (R-DATA-2) ...
    assert f"JT{customer.id:06d}C" not in body and "07700 900123" not in body  # ... nothing else DWP holds


def test_r_hrs_1_the_caseload_filters_customers_with_no_hours_last_week(client, coach, world):
    other = world.customers["ses_referred"]  # not started: never counted as missing
    last = THIS_WEEK - timedelta(days=7)
    page = client.get("/caseload/", query_string={"flag": "hours_missing"}).get_data(as_text=True)
    assert "SES Started" in page and "SES Referred" not in page
    client.post(week_url(coach, last), data=entry(last))
    page = client.get("/caseload/", query_string={"flag": "hours_missing"}).get_data(as_text=True)
    assert "SES Started" not in page
    assert other.referrals[0].status.value == "referred"


def test_the_caseload_hours_by_week_and_month_and_its_download(client, coach, world, app):
    last = THIS_WEEK - timedelta(days=7)
    client.post(week_url(coach, last), data=entry(last, "2.5"))
    page = client.get("/caseload/hours").get_data(as_text=True)
    assert "SES Started" in page and ">2.5<" in page and "None" in page  # earlier weeks with nothing
    months = client.get("/caseload/hours", query_string={"by": "month"}).get_data(as_text=True)
    assert last.strftime("%b %Y") in months and "Show weeks" in months
    # Advisers see the summary; the download is for managers (R-DATA-7: audited).
    dates = {"first_day": [str(last.day), str(last.month), str(last.year)],
             "last_day": [str(TODAY.day), str(TODAY.month), str(TODAY.year)]}
    assert client.get("/caseload/hours.csv", query_string=dates).status_code == 403
    manager = app.test_client()
    sign_in_as(manager, world.users["ses_manager"])
    body = manager.get("/caseload/hours.csv", query_string=dates).get_data(as_text=True)
    assert "Rewrote CV for warehouse roles" in body and "SES Started" in body
    assert "SES_B" not in body  # another provider's customers never appear


def test_caseload_hours_need_the_same_few_queries_whatever_the_history(client, coach, app):
    from sqlalchemy import event

    def count_queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/caseload/hours").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    count_queries()  # warm: the process's policy cache may be stale after another test changed the policy
    before = count_queries()
    for weeks_ago in range(1, 9):
        monday = THIS_WEEK - timedelta(days=7 * weeks_ago)
        client.post(week_url(coach, monday), data=entry(monday, "1"))
    assert count_queries() == before
