"""The work queue and its email preference in Chromium with axe-core (issue 16, R-REM-1)."""
import pytest

from portal.extensions import db
from portal.models import Role
from tests.factories import make_customer, make_user
from tests.test_browser import Journey, browser, live_server  # noqa: F401 - the fixtures

pytestmark = pytest.mark.browser


def test_r_rem_1_the_work_queue_and_its_email_preference_pass_axe(browser, live_server, world):  # noqa: F811
    make_user("colleague@ses.example", Role.ADVISER, world.orgs["ses"], name="Casey Colleague")
    make_customer(world.orgs["ses"], "SES", adviser=world.users["ses_adviser"], referred_days_ago=60,
                  first_name="Late", last_name="Planner")
    db.session.commit()
    journey = Journey(browser, live_server)
    journey.sign_in("adviser@ses.example")
    assert browser.current_url.endswith("/queue")
    page = journey.check("work queue")
    assert "Started with no agreed plan" in page and "Late Planner" in page
    journey.go("/account").check("account")
    journey.go("/account/reminders").check("work queue emails")
    journey.sign_in("manager@ses.example")
    page = journey.go("/queue").check("work queue by adviser")
    assert "Work queue by adviser" in page and "Reassign" in page
    journey.assert_no_violations()
