"""The job record (R-OUT-1): the form that records, changes and ends a job (bad input: a GOV.UK error,
4xx, nothing changed), its audit, and pay below the National Minimum Wage for the date flagged as a
warning, never a block, at the rate for the customer's age only when the user may see it (R-DATA-2)."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, InWorkJob, ReferralStatus
from portal.services import hours_rules, jobs
from portal.services import job_rules as rules
from tests.factories import make_customer, sign_in_as

TODAY = date.today()


def date_fields(name, value):
    return {name: [str(value.day), str(value.month), str(value.year)]}


@pytest.fixture
def coach(client, world):
    customer = world.customers["ses_started"]
    customer.referrals[0].started_on = TODAY - timedelta(days=60)
    db.session.commit()
    sign_in_as(client, world.users["ses_adviser"])
    return customer


def base(customer):
    return f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/hours"


def job_form(**overrides):
    form = {"employer_name": "Corner Bakery", "employer_staff": "8", "job_title": "Baker's assistant",
            "contracted_hours": "22.5", "hourly_pay": "13.50", "supported": "yes",
            **date_fields("started_on", TODAY - timedelta(days=21))}
    form.update(overrides)
    return form


def job_count():
    return db.session.scalar(select(func.count()).select_from(InWorkJob))


# --- plain rules ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, pence", [("12.21", 1221), ("£12.50", 1250), ("12", 1200), (" 9.5 ", 950)])
def test_r_out_1_pay_in_whole_pence(text, pence):
    assert rules.pence_from_text(text) == pence


@pytest.mark.parametrize("text", ["", "abc", "0", "-1", "12.345", "1000.01", "NaN", "inf"])
def test_r_out_1_bad_pay_is_refused(text):
    with pytest.raises(ValueError):
        rules.pence_from_text(text)


def rates():
    return jobs.rates()


@pytest.mark.parametrize("day, age, pence", [
    (date(2023, 3, 31), None, None),     # before the earliest rate held
    (date(2023, 4, 1), None, 1042),      # the adult rate when the age is unknown
    (date(2023, 4, 1), 22, 1018),
    (date(2024, 3, 31), 22, 1018),
    (date(2024, 4, 1), 22, 1144),        # 21 and 22 year olds joined the National Living Wage
    (date(2025, 3, 31), None, 1144),
    (date(2025, 4, 1), None, 1221),
    (date(2025, 4, 1), 19, 1000),
    (date(2025, 4, 1), 17, 755),
    (date(2025, 4, 1), 15, None),        # under 16: no minimum wage
    (date(2026, 3, 31), 19, 1000),
    (date(2026, 4, 1), 19, 1085),
    (date(2026, 4, 1), None, 1271),
])
def test_r_out_1_minimum_wage_rates_are_rows_by_date_and_age(app_context, day, age, pence):
    rate = rules.rate_on(rates(), day, age)
    assert (rate.pence if rate else None) == pence


def test_r_out_1_pay_is_checked_against_the_rate_on_the_start_date_at_the_april_boundary(app_context):
    """£11.50 is above the £11.44 of 31 March 2025 and below the £12.21 of 1 April 2025."""
    def failed(started_on, today=date(2026, 12, 1), ended_on="same", birth_date=None, pay=1150):
        ended_on = started_on if ended_on == "same" else ended_on
        return rules.pay_checks(rates(), started_on=started_on, ended_on=ended_on, pay_pence=pay,
                                birth_date=birth_date, today=today)
    assert failed(date(2025, 3, 31)) == []
    [check] = failed(date(2025, 4, 1))
    assert check.rate.pence == 1221 and check.what == "when the job started" and not check.age_known
    # An ongoing job is checked against today's rate too: the April 2025 rise catches it.
    [check] = failed(date(2025, 3, 31), today=date(2025, 4, 1), ended_on=None)
    assert check.rate.pence == 1221 and check.what == "now"
    # For a 19 year old the 18 to 20 rate applies; pay not recorded is never flagged.
    assert failed(date(2025, 4, 1), birth_date=date(2006, 1, 1)) == []
    assert failed(date(2025, 4, 1), pay=None) == []


# --- the forms ------------------------------------------------------------------------------------

def test_r_out_1_an_adviser_records_a_job_with_hours_pay_and_support(client, coach):
    assert client.post(f"{base(coach)}/job/new", data=job_form()).status_code == 302
    job = db.session.scalars(select(InWorkJob)).one()
    assert (job.contracted_quarters, job.hourly_pay_pence, job.supported) == (90, 1350, True)
    recorded = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "in_work.job_recorded")).one()
    assert recorded.customer_id == coach.id and '"hourly_pay_pence": 1350' in recorded.detail
    page = client.get(f"{base(coach)}/").get_data(as_text=True)
    assert "Baker&#39;s assistant with Corner Bakery" in page and "£13.50" in page and "22.5" in page
    assert "Started a job" in page and "Below minimum wage" not in page
    customer_page = client.get(f"/customers/{coach.id}").get_data(as_text=True)
    assert "Corner Bakery" in customer_page and "Started a job" in customer_page


BAD_JOBS = [
    ("no pay", {"hourly_pay": ""}, "Enter the hourly pay"),
    ("pay in words", {"hourly_pay": "twelve"}, "as an amount in pounds"),
    ("fractions of a penny", {"hourly_pay": "12.345"}, "pounds and pence"),
    ("no pay at all", {"hourly_pay": "0"}, "more than £0"),
    ("no hours", {"contracted_hours": ""}, "Enter the contracted hours"),
    ("too many hours", {"contracted_hours": "169"}, "168 hours"),
    ("odd minutes", {"contracted_hours": "16.1"}, "quarter hours"),
    ("no answer on support", {"supported": ""}, "supported or unsupported"),
    ("a made-up answer on support", {"supported": "maybe"}, "Not a valid choice"),
    ("not a date", date_fields("started_on", date(2026, 1, 1)) | {"started_on": ["31", "2", "2026"]}, "real date"),
    ("a future start", date_fields("started_on", TODAY + timedelta(days=1)), "cannot be in the future"),
    ("a start before the programme", date_fields("started_on", TODAY - timedelta(days=90)), "while the customer is on"),
    ("no staff", {"employer_staff": "none"}, "whole number"),
    ("a huge title", {"job_title": "x" * 201}, "200 characters"),
]


@pytest.mark.parametrize("case, overrides, message", BAD_JOBS, ids=[c[0] for c in BAD_JOBS])
def test_r_out_1_bad_job_input_is_a_gov_uk_error_and_records_nothing(client, coach, case, overrides, message):
    response = client.post(f"{base(coach)}/job/new", data=job_form(**overrides))
    assert response.status_code == 400, case
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page and message in page, case
    assert job_count() == 0


def recorded_job(client, coach, **overrides):
    assert client.post(f"{base(coach)}/job/new", data=job_form(**overrides)).status_code == 302
    return db.session.scalars(select(InWorkJob).order_by(InWorkJob.id.desc())).first()


def test_r_out_1_pay_below_the_minimum_wage_is_a_warning_not_a_block(client, coach):
    response = client.post(f"{base(coach)}/job/new", data=job_form(hourly_pay="6.50"))
    assert response.status_code == 302 and job_count() == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "below the minimum wage for the date" in page and "Below minimum wage" in page
    assert "National Living Wage (21 and over)" in page  # the adviser may see the date of birth (1990): 21 and over
    checked = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "in_work.minimum_wage_checked")).all()
    assert checked and all('"date_of_birth"' in e.detail for e in checked)  # R-DATA-7
    assert "Below minimum wage" in client.get(f"/customers/{coach.id}").get_data(as_text=True)


def test_r_out_1_changing_a_job_is_audited_and_a_move_to_unsupported_work_is_a_progression(client, coach):
    job = recorded_job(client, coach)
    url = f"{base(coach)}/job/{job.id}/change"
    assert "13.50" in client.get(url).get_data(as_text=True)
    moved = TODAY - timedelta(days=7)
    assert client.post(url, data=job_form(hourly_pay="14.00", reason="Pay rise",
                                          **date_fields("unsupported_from", moved))).status_code == 302
    db.session.refresh(job)
    assert (job.hourly_pay_pence, job.unsupported_from) == (1400, moved)
    changed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "in_work.job_changed")).one()
    assert '"from": 1350' in changed.detail and '"to": 1400' in changed.detail and "Pay rise" in changed.detail
    page = client.get(f"/customers/{coach.id}").get_data(as_text=True)
    assert "Moved from supported to unsupported work" in page


@pytest.mark.parametrize("case, overrides, message", [
    ("a move before the start", date_fields("unsupported_from", TODAY - timedelta(days=30)), "after the start date"),
    ("a move in the future", date_fields("unsupported_from", TODAY + timedelta(days=2)), "cannot be in the future"),
    ("a move from unsupported work", {"supported": "no", **date_fields("unsupported_from", TODAY)}, "started as supported"),
    ("bad pay", {"hourly_pay": "lots"}, "as an amount in pounds"),
])
def test_r_out_1_a_bad_change_is_refused_and_changes_nothing(client, coach, case, overrides, message):
    job = recorded_job(client, coach)
    response = client.post(f"{base(coach)}/job/{job.id}/change", data=job_form(**{"hourly_pay": "15.00", **overrides}))
    assert response.status_code == 400 and message in response.get_data(as_text=True), case
    db.session.refresh(job)
    assert (job.hourly_pay_pence, job.supported, job.unsupported_from) == (1350, True, None)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "in_work.job_changed")) == 0


def test_r_out_1_ending_a_job(client, coach):
    job = recorded_job(client, coach)
    url = f"{base(coach)}/job/{job.id}/end"
    for bad, message in ((TODAY - timedelta(days=30), "on or after the start date"),
                         (TODAY + timedelta(days=1), "cannot be in the future")):
        response = client.post(url, data=date_fields("ended_on", bad))
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert client.post(url, data={"ended_on": ["", "", ""]}).status_code == 400
    db.session.refresh(job)
    assert job.ended_on is None
    assert client.post(url, data={**date_fields("ended_on", TODAY), "reason": "Contract ended"}).status_code == 302
    db.session.refresh(job)
    assert (job.ended_on, job.end_reason) == (TODAY, "Contract ended")
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "in_work.job_ended")).one()
    assert client.post(url, data=date_fields("ended_on", TODAY)).status_code == 409
    # No week after the end is offered for hours worked.
    later = hours_rules.week_start(TODAY) + timedelta(days=7)
    response = client.post(f"{base(coach)}/job/{job.id}/weeks", data={"week": later.isoformat(), "hours": "16"})
    assert response.status_code == 400


def test_r_out_1_another_organisation_or_a_read_only_role_cannot_change_a_job(app, client, coach, world):
    job = recorded_job(client, coach)
    for who, status in (("ses_b_adviser", 404), ("inspector", 403), ("officer", 403)):
        other = app.test_client()
        sign_in_as(other, world.users[who])
        for action, data in (("change", job_form(hourly_pay="1.00")), ("end", date_fields("ended_on", TODAY))):
            assert other.post(f"{base(coach)}/job/{job.id}/{action}", data=data).status_code == status, (who, action)
    db.session.refresh(job)
    assert (job.hourly_pay_pence, job.ended_on) == (1350, None)


def test_r_out_1_r_data_2_the_minimum_wage_flag_uses_the_age_only_for_who_may_see_it(app, client, world):
    """A 19 year old paid £10.50 in May 2025: above the 18 to 20 rate (£10.00), below the adult £12.21.
    An accredited SES provider may see the date of birth, so no flag; a J2E job club may not, so the
    adult rate is used and the page says so, and the page is the same whatever the date of birth."""
    def customer_with_job(organisation_key, code, born):
        customer = make_customer(world.orgs[organisation_key], code, status=ReferralStatus.STARTED,
                                 date_of_birth=born)
        referral = customer.referrals[0]
        referral.started_on = date(2025, 4, 20)
        db.session.add(InWorkJob(referral_id=referral.id, employer_name="Corner Bakery", employer_staff=8,
                                 job_title="Baker's assistant", started_on=date(2025, 5, 1), ended_on=date(2025, 6, 1),
                                 contracted_quarters=64, hourly_pay_pence=1050, supported=False,
                                 recorded_by_id=world.users[f"{organisation_key}_adviser"].id))
        db.session.commit()
        return customer

    ses = customer_with_job("ses", "SES", date(2006, 1, 1))
    sign_in_as(client, world.users["ses_adviser"])
    assert "Below minimum wage" not in client.get(f"/customers/{ses.id}").get_data(as_text=True)

    pages = []
    for born in (date(2006, 1, 1), date(1980, 1, 1)):
        j2e = customer_with_job("j2e", "J2E", born)
        j2e_client = app.test_client()
        sign_in_as(j2e_client, world.users["j2e_adviser"])
        page = j2e_client.get(f"/customers/{j2e.id}").get_data(as_text=True)
        assert "Below minimum wage" in page and "the customer&#39;s age is not used" in page
        page = re.sub(r'(nonce|csrf_token" value|data-csrf-token|name="csrf_token" type="hidden" value)="[^"]*"', "", page)
        pages.append(re.sub(r"(customers|referrals)/\d+", "#", page.replace(j2e.reference, "REF")))
    assert pages[0] == pages[1]


def test_r_out_1_two_ends_of_one_job_at_the_same_instant_one_wins(app, world):
    """Ending checks, then writes: under the job's row lock, so the second sees the first's end."""
    import threading

    from portal.models import User

    referral = world.customers["ses_started"].referrals[0]
    referral.started_on = TODAY - timedelta(days=60)
    job = InWorkJob(referral_id=referral.id, employer_name="Corner Bakery", employer_staff=8, job_title="Baker",
                    started_on=TODAY - timedelta(days=30), recorded_by_id=world.users["ses_adviser"].id)
    db.session.add(job)
    db.session.commit()
    job_id, adviser_id = job.id, world.users["ses_adviser"].id
    barrier, results = threading.Barrier(2), []

    def end(days_ago):
        with app.app_context():
            mine = db.session.get(InWorkJob, job_id)
            adviser = db.session.get(User, adviser_id)
            barrier.wait()
            try:
                jobs.end_job(mine, ended_on=TODAY - timedelta(days=days_ago), reason=None, by=adviser, today=TODAY)
                db.session.commit()
                results.append("ended")
            except jobs.JobError as error:
                db.session.rollback()
                results.append(str(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=end, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["This job has already ended", "ended"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "in_work.job_ended")) == 1
