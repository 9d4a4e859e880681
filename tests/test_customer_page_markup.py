"""The customer page writes plain GOV.UK markup instead of calling the GOV.UK macros (issue 18): for the same
content it gives the HTML the macros give, whitespace aside."""
import re
from datetime import datetime, timedelta, timezone

from portal.extensions import db
from portal.models import Appointment, VersionStatus
from portal.template_helpers import uk_date, uk_datetime
from tests.factories import sign_in_as
from tests.test_documents_service import agreed, started  # noqa: F401 - fixtures
from tests.test_jobs import base, coach, job_form  # noqa: F401 - `coach` is a fixture


def norm(html):
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", html).strip()


def govuk(app, name, component, params):
    template = app.jinja_env.from_string(
        f'{{% from "govuk_frontend_jinja/components/{component}/macro.html" import {name} %}}{{{{ {name}(params) }}}}')
    return norm(template.render(params=params))


def page_of(client, customer):
    response = client.get(f"/customers/{customer.id}")
    assert response.status_code == 200
    return norm(response.get_data(as_text=True))


def test_a_referrals_summary_list_jobs_and_appointments_are_the_gov_uk_macros_markup(app, client, coach):
    referral = coach.referrals[0]
    db.session.add(Appointment(customer_id=coach.id, referral_id=referral.id, location="Provider office",
                               starts_at=datetime.now(timezone.utc) + timedelta(days=3), booked_by_id=referral.referred_by_id))
    db.session.commit()
    assert client.post(f"{base(coach)}/job/new", data=job_form(hourly_pay="6.50")).status_code == 302
    page = page_of(client, coach)

    tag = {"html": govuk(app, "govukTag", "tag", {"text": referral.status.label,
                                                  "classes": "govuk-tag--" + referral.status.tag_colour})}
    rows = [{"key": {"text": "Status"}, "value": tag},
            {"key": {"text": "Referred"}, "value": {"text": uk_date(referral.referred_at)}},
            {"key": {"text": "Started"}, "value": {"text": uk_date(referral.started_on)}},
            {"key": {"text": "Adviser"}, "value": {"text": referral.adviser.name if referral.adviser else "Not assigned"}}]
    if referral.programme.requires_dwp_confirmation:
        rows.append({"key": {"text": "Eligibility confirmed by DWP"},
                     "value": {"text": uk_date(referral.eligibility_confirmed_at) or "Not yet confirmed"}})
    assert govuk(app, "govukSummaryList", "summary-list", {"rows": rows}) in page

    assert govuk(app, "govukTag", "tag", {"text": "Below minimum wage", "classes": "govuk-tag--red"}) in page
    warning = re.search(r'<div class="govuk-warning-text">.*?<span class="govuk-visually-hidden">Warning</span>'
                        r'(Baker.*?)</strong></div>', page)
    assert warning and "below the" in warning.group(1)
    text = warning.group(1).replace("&#39;", "'")
    assert govuk(app, "govukWarningText", "warning-text", {"text": text, "iconFallbackText": "Warning"}) in page

    appointments = db.session.query(Appointment).filter_by(customer_id=coach.id).order_by(Appointment.starts_at)
    table = {"caption": "Appointments", "captionClasses": "govuk-visually-hidden",
             "head": [{"text": "When"}, {"text": "Where"}, {"text": "Details"}],
             "rows": [[{"text": uk_datetime(a.starts_at)}, {"text": a.location}, {"text": a.details or ""}]
                      for a in appointments]}
    assert govuk(app, "govukTable", "table", table) in page


def test_the_plan_copy_warning_is_the_gov_uk_macros_markup(app, client, agreed):
    customer, _plan, version = agreed
    assert version.status == VersionStatus.AGREED
    page = page_of(client, customer)
    html = (f"The customer has not been given a copy of their current plan ({version.plan.programme.name}, "
            f"version {version.number}). <a class=\"govuk-link\" href=\"/customers/{customer.id}/plan/{version.id}"
            f"/documents\">Download it and record the copy</a>")
    assert govuk(app, "govukWarningText", "warning-text", {"html": html, "iconFallbackText": "Warning"}) in page


def test_the_page_offers_what_the_users_permissions_allow(client, world, coach):
    """The permissions are asked once in the view: an inspector sees no change links, the adviser does."""
    referral = coach.referrals[0]
    page = page_of(client, coach)
    assert f"/customers/{coach.id}/referrals/{referral.id}/complete" in page
    assert f"/customers/{coach.id}/referrals/{referral.id}/hours/" in page
    sign_in_as(client, world.users["inspector"])
    page = page_of(client, coach)
    assert f"/referrals/{referral.id}/complete" not in page and "Change of circumstances" not in page
