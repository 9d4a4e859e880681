"""The key pages read the same number of statements however much data there is (issue 18): more customers
in the caseload and more hours on record add rows to the statements a page runs, never statements."""
from datetime import date, timedelta

from sqlalchemy import event

from portal.extensions import db
from portal.models import HoursEntry, ReferralStatus
from portal.services import plans
from tests.factories import make_customer, sign_in_as
from tests.test_plans import _ready_for_signature, started  # noqa: F401 - a fixture

TODAY = date.today()
MONDAY = TODAY - timedelta(days=TODAY.weekday())


def statements_for(client, path):
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200, (path, response.status_code)
    return len(seen)


def add_hours(referral, by, weeks, start=0, quarters=4):
    for back in range(start, start + weeks):
        day = MONDAY - timedelta(days=7 * back)
        db.session.add(HoursEntry(referral_id=referral.id, on=day, week_start=day, activity="cv_and_applications",
                                  source="provider", mode="face_to_face", quarters=quarters,
                                  description="Searched for jobs", entered_by_id=by.id,
                                  entered_by_organisation_id=by.organisation_id))
    db.session.commit()


def key_pages(customer):
    referral = customer.referrals[0]
    version = plans.plans_for(customer.id)[0].versions[0]
    base = f"/customers/{customer.id}"
    return {
        "caseload": "/caseload/",
        "customer page": base,
        "plan version page": f"{base}/plan/{version.id}",
        "week of hours": f"{base}/referrals/{referral.id}/hours/{MONDAY.isoformat()}",
        "hours summary": f"{base}/referrals/{referral.id}/hours/summary",
        "caseload hours": "/caseload/hours",
    }


def test_key_pages_run_as_many_statements_with_more_customers_and_hours(client, world):
    adviser = world.users["ses_adviser"]
    customer = world.customers["ses_started"]
    referral = customer.referrals[0]
    referral.started_on = TODAY - timedelta(days=400)
    referral.adviser = adviser
    db.session.commit()
    plans.start_plan(customer=customer, referral=referral, by=adviser, customer_name="Test Customer")
    add_hours(referral, adviser, 2)
    sign_in_as(client, adviser)
    pages = key_pages(customer)
    for path in pages.values():
        client.get(path)  # warm: the policy cache, the first connection
    small = {name: statements_for(client, path) for name, path in pages.items()}

    for n in range(30):  # more than a caseload page shows
        other = make_customer(world.orgs["ses"], status=ReferralStatus.STARTED, adviser=adviser, last_name=f"More{n}")
        add_hours(other.referrals[0], adviser, 3)
    add_hours(referral, adviser, 48, start=2, quarters=2)  # a year of hours on this customer's record
    large = {name: statements_for(client, path) for name, path in pages.items()}
    assert large == small, (small, large)
    assert all(count > 3 for count in small.values()), small


def test_the_plan_rules_run_on_a_draft_page_only(client, started, monkeypatch):
    """A version that has left draft passed the rules when it was sent (send_for_signature refuses
    otherwise) and cannot change: its page does not run them again (issue 18)."""
    from portal.services import plan_rules

    customer, _plan, version = started
    calls = []
    real = plan_rules.problems
    monkeypatch.setattr(plan_rules, "problems", lambda *args: calls.append(1) or real(*args))
    url = f"/customers/{customer.id}/plan/{version.id}"
    assert client.get(url).status_code == 200 and calls
    _ready_for_signature(client, customer, version)
    assert version.status.value == "awaiting_signatures"
    calls.clear()
    page = client.get(url)
    assert page.status_code == 200 and not calls
    assert "Needs attention" not in page.get_data(as_text=True)
