"""Work Choice strands (R-WC-1, IFS 19-26): a history of strand starts, the transitional clock from the
strand's own start, the Disability Employment Adviser's approval of a move to longer-term support, quality
checks scheduled by the programme's row, and Work Choice ESO places (the ESO table)."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Plan, Programme, QualityCheck, StrandApproval, StrandStart
from portal.services import eligibility, plans, strands, work_queue
from tests.factories import make_customer, sign_in_as
from tests.test_integrity import at_once, gate, postgres_only
from tests.test_plans import TODAY, d


@pytest.fixture
def wc(client, world):
    """A Work Choice customer who started a year ago, their plan, and the Work Choice adviser signed in."""
    customer = make_customer(world.orgs["wc"], "WORK_CHOICE", adviser=world.users["wc_adviser"], referred_days_ago=400,
                             first_name="Wyn", last_name="Choice")
    sign_in_as(client, world.users["wc_adviser"])
    assert client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}").status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id))
    return customer, plan


def wc_url(customer, plan, tail=""):
    return f"/customers/{customer.id}/plan/{plan.id}/work-choice{tail}"


def record(client, customer, plan, strand, started_on):
    return client.post(wc_url(customer, plan, "/strand"), data={"strand": strand, "started_on": d(started_on)})


def test_r_wc_1_each_strand_has_its_start_in_a_history(client, wc):
    customer, plan = wc
    assert record(client, customer, plan, "work_entry", TODAY - timedelta(days=300)).status_code == 302
    assert record(client, customer, plan, "transitional", TODAY - timedelta(days=100)).status_code == 302
    history = strands.history(plan)
    assert [(s.strand, s.started_on) for s in history] == [
        ("work_entry", TODAY - timedelta(days=300)), ("transitional", TODAY - timedelta(days=100))]
    assert strands.current(plan).strand == "transitional"
    page = client.get(wc_url(customer, plan)).get_data(as_text=True)
    assert "Work entry" in page and "Transitional" in page and "(now)" in page
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "plan.strand_started")) == 2
    # A start before the current one, a start in the future, or the same strand again: refused, nothing recorded.
    for strand, on in (("work_entry", TODAY - timedelta(days=200)), ("work_entry", TODAY + timedelta(days=1)),
                       ("transitional", TODAY)):
        assert record(client, customer, plan, strand, on).status_code == 400
    assert len(strands.history(plan)) == 2


def test_r_wc_1_the_transitional_clock_runs_from_the_strands_start_not_the_referral(client, wc):
    customer, plan = wc
    weeks = plan.programme.transitional_weeks
    # Referred 400 days ago, but transitional only since 50 days ago: two years from then, no warning yet.
    record(client, customer, plan, "transitional", TODAY - timedelta(days=50))
    clock = strands.transitional_clock(plan, TODAY)
    assert clock.ends_on == TODAY - timedelta(days=50) + timedelta(weeks=weeks) and not clock.warning
    items = work_queue.queue_items(db.session.get(type(customer.referrals[0].adviser), customer.referrals[0].adviser_id))
    assert "transitional_ending" not in {i.rule.key for i in items if i.customer_id == customer.id}


def test_r_wc_1_a_warning_three_months_before_two_years_on_the_customer_page_and_in_the_queue(client, wc, world):
    customer, plan = wc
    weeks = plan.programme.transitional_weeks
    started = TODAY - timedelta(weeks=weeks) + timedelta(weeks=strands.WARNING_WEEKS - 1)
    record(client, customer, plan, "transitional", started)
    assert strands.transitional_clock(plan, TODAY).warning
    page = client.get(f"/customers/{customer.id}/plan/{plan.versions[0].id}").get_data(as_text=True)
    assert "Transitional support reaches two years on" in page
    assert "Transitional support reaches two years" in client.get(wc_url(customer, plan)).get_data(as_text=True)
    items = [i for i in work_queue.queue_items(world.users["wc_adviser"]) if i.customer_id == customer.id]
    assert [i.rule.key for i in items if i.rule.key == "transitional_ending"] == ["transitional_ending"]
    # Just outside the three months: no warning.
    db.session.execute(StrandStart.__table__.update().values(started_on=started + timedelta(weeks=2)))
    db.session.commit()
    assert not strands.transitional_clock(plan, TODAY).warning
    assert "transitional_ending" not in {i.rule.key for i in work_queue.queue_items(world.users["wc_adviser"])
                                         if i.customer_id == customer.id}


def test_r_wc_1_longer_term_needs_the_deas_approval_recorded_by_a_dwp_user_before_the_move(app, client, wc, world):
    customer, plan = wc
    record(client, customer, plan, "transitional", TODAY - timedelta(days=100))
    refused = record(client, customer, plan, "longer_term", TODAY - timedelta(days=5))
    assert refused.status_code == 400 and "Disability Employment Adviser" in refused.get_data(as_text=True)
    # The provider cannot record an approval; the DEA can, dated today or earlier.
    assert client.get(wc_url(customer, plan, "/approval")).status_code == 403
    with pytest.raises(plans.PlanError):
        strands.approve(plan, approved_on=TODAY, note="x", by=world.users["wc_adviser"], today=TODAY)
    dea = app.test_client()
    sign_in_as(dea, world.users["dea"])
    assert dea.get(wc_url(customer, plan)).status_code == 200
    future = dea.post(wc_url(customer, plan, "/approval"), data={"approved_on": d(TODAY + timedelta(days=1)),
                                                                  "note": "Needs ongoing support"})
    assert future.status_code == 400 and "today or in the past" in future.get_data(as_text=True)
    assert dea.post(wc_url(customer, plan, "/approval"), data={"approved_on": d(TODAY - timedelta(days=3)),
                                                                "note": "Needs ongoing support"}).status_code == 302
    approval = db.session.scalars(select(StrandApproval)).one()
    assert approval.approved_by_id == world.users["dea"].id
    # An approval given after the move's date does not cover it; one given before does, once.
    assert record(client, customer, plan, "longer_term", TODAY - timedelta(days=5)).status_code == 400
    assert record(client, customer, plan, "longer_term", TODAY - timedelta(days=2)).status_code == 302
    assert strands.current(plan).approval_id == approval.id
    record(client, customer, plan, "transitional", TODAY - timedelta(days=1))
    used = record(client, customer, plan, "longer_term", TODAY)  # that approval is used: a new one is needed
    assert used.status_code == 400 and "Disability Employment Adviser" in used.get_data(as_text=True)


def test_r_wc_1_the_dea_reaches_only_work_choice_customers(app, world, wc):
    customer, plan = wc
    dea = app.test_client()
    sign_in_as(dea, world.users["dea"])
    assert dea.get(f"/customers/{customer.id}").status_code == 200
    assert dea.get(f"/customers/{world.customers['ses_started'].id}").status_code == 404
    assert dea.get(wc_url(customer, plan, "/strand")).status_code == 403
    assert dea.get("/referrals/").status_code == 200


def test_r_wc_1_longer_term_quality_checks_are_scheduled_by_the_programmes_row_and_recorded(app, client, wc, world):
    customer, plan = wc
    weeks = plan.programme.quality_check_weeks
    assert weeks  # a row value (13 for Work Choice), not code
    db.session.add(StrandApproval(plan_id=plan.id, approved_on=TODAY - timedelta(weeks=weeks + 2), note="x",
                                  approved_by_id=world.users["dea"].id))
    db.session.commit()
    started = TODAY - timedelta(weeks=weeks + 1)
    assert record(client, customer, plan, "longer_term", started).status_code == 302
    assert strands.next_quality_check(plan) == started + timedelta(weeks=weeks)
    items = [i.rule.key for i in work_queue.queue_items(world.users["wc_adviser"]) if i.customer_id == customer.id]
    assert "quality_check_due" in items
    page = client.get(wc_url(customer, plan)).get_data(as_text=True)
    assert "A quality check was due on" in page
    for bad in ({"checked_on": d(TODAY + timedelta(days=1)), "outcome": "Fine"}, {"checked_on": d(TODAY), "outcome": ""},
                {"checked_on": d(started - timedelta(days=1)), "outcome": "Fine"}, {"checked_on": ["x", "", ""]}):
        assert client.post(wc_url(customer, plan, "/quality-check"), data=bad).status_code == 400
    assert client.post(wc_url(customer, plan, "/quality-check"), data={
        "checked_on": d(TODAY), "outcome": "Support still right; employer happy"}).status_code == 302
    assert db.session.scalar(select(func.count(QualityCheck.id))) == 1
    assert strands.next_quality_check(plan) == TODAY + timedelta(weeks=weeks)
    assert "quality_check_due" not in {i.rule.key for i in work_queue.queue_items(world.users["wc_adviser"])
                                       if i.customer_id == customer.id}
    # Data, not branches: a programme row without a schedule has no checks due.
    plan.programme.quality_check_weeks = None
    assert strands.next_quality_check(plan) is None
    db.session.rollback()


def test_r_wc_1_quality_checks_are_only_for_longer_term_support(client, wc):
    customer, plan = wc
    record(client, customer, plan, "transitional", TODAY - timedelta(days=10))
    response = client.post(wc_url(customer, plan, "/quality-check"), data={"checked_on": d(TODAY), "outcome": "x"})
    assert response.status_code == 400 and db.session.scalar(select(func.count(QualityCheck.id))) == 0


def test_r_wc_1_programmes_without_strands_have_no_strand_pages(client, world):
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
    plan = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id))
    assert client.get(wc_url(customer, plan)).status_code == 404
    assert client.post(wc_url(customer, plan, "/strand"), data={"strand": "transitional",
                                                                  "started_on": d(TODAY)}).status_code == 404


@pytest.mark.parametrize("data", [
    {"strand": "nonsense", "started_on": d(TODAY)}, {"strand": "transitional", "started_on": ["99", "99", "2026"]},
    {"strand": "", "started_on": ["", "", ""]}, {}])
def test_r_wc_1_bad_strand_input_is_a_form_error(client, wc, data):
    customer, plan = wc
    assert record.__name__ and client.post(wc_url(customer, plan, "/strand"), data=data).status_code == 400
    assert strands.history(plan) == []


def test_work_choice_eso_places_are_allowed_as_the_eso_table_says(app_context):
    """ESO table: "Additional places on Work Choice" from 3 April 2017, for claimants who are eligible."""
    work_choice = db.session.scalar(select(Programme).where(Programme.code == "WORK_CHOICE"))
    assert work_choice.eso_places == "optional"
    work_preparation = {"benefit_type": "UC", "wca_group": "LCW", "wca_decision_date": TODAY}
    other_group = {"benefit_type": "UC", "wca_group": "LCWRA", "wca_decision_date": TODAY}
    assert eligibility.eligibility_problems(work_choice, {**work_preparation, "eso_place": True}) == []
    assert eligibility.eligibility_problems(work_choice, {**other_group, "eso_place": True}) != []
    assert eligibility.eligibility_problems(work_choice, {**other_group, "eso_place": False}) == []


# --- Where two requests meet (PostgreSQL) ------------------------------------------------------------------

def test_r_wc_1_two_strand_changes_at_once_leave_one_current_strand(app, client, wc, world, monkeypatch):
    postgres_only(app)
    customer, plan = wc
    other = app.test_client()
    sign_in_as(other, world.users["wc_manager"])
    gate(monkeypatch, strands, ["record_start"])
    url = wc_url(customer, plan, "/strand")
    answers = at_once(app, [(client, url, {"strand": "transitional", "started_on": d(TODAY)}),
                            (other, url, {"strand": "transitional", "started_on": d(TODAY)})])
    assert sorted(status for status, _ in answers) == [302, 400], [a[0] for a in answers]
    assert [s.strand for s in strands.history(plan)] == ["transitional"]


def test_r_isp_11_the_same_progress_recorded_twice_at_once_makes_one_record(app, client, world, monkeypatch):
    postgres_only(app)
    from portal.models import Progress
    from portal.services import progress
    from tests.test_plan_progress import sign_all
    from tests.test_plans import _ready_for_signature

    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
    version = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id)).versions[0]
    _ready_for_signature(client, customer, version)
    sign_all(client, customer, version)
    other = app.test_client()
    sign_in_as(other, world.users["ses_manager"])
    gate(monkeypatch, progress, ["record"])
    url = f"/customers/{customer.id}/plan/{version.id}/progress/objective/{version.objectives[0].id}"
    answers = at_once(app, [(client, url, {"done_on": d(TODAY), "note": "first"}),
                            (other, url, {"done_on": d(TODAY), "note": "second"})])
    assert sorted(status for status, _ in answers) == [302, 400], [a[0] for a in answers]
    assert db.session.scalar(select(func.count(Progress.id))) == 1
