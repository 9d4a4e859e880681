"""Stored XSS and template injection (security.md §7 test 13): what a user typed, or DWP sent, is shown
as text on every page that shows it, never run; `{{ 7*7 }}` stays literal; the CSP nonce changes with
every request and only the portal's own scripts carry it."""
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select

from portal.extensions import db
from portal.models import Plan, ReferralStatus
from tests.factories import make_customer, sign_in_as
from tests.test_plans import base, lock

PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "{{ 7*7 }}", "{% raw %}x",
            "javascript:alert(1)", "</textarea><svg onload=alert(1)>", "' onmouseover='alert(1)"]


def _no_markup_from(payload, page):
    assert payload not in page or not re.search(r"[<>\"']", payload), payload
    assert str(escape(payload)) in page, payload


def test_stored_payloads_in_a_name_and_a_plan_show_as_text(client, world):
    adviser = world.users["ses_adviser"]
    for payload in PAYLOADS:
        customer = make_customer(world.orgs["ses"], "SES", status=ReferralStatus.STARTED, adviser=adviser,
                                 first_name=payload, last_name="Quenby")
        sign_in_as(client, adviser)
        client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
        version = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id)).versions[0]
        client.post(f"{base(customer, version)}/sections/needs",
                    data={"needs_assessment": payload, "lock_version": lock(version)})
        for url in (f"/customers/{customer.id}", base(customer, version), "/caseload/?q=Quenby"):
            page = client.get(url).get_data(as_text=True)
            _no_markup_from(payload, page)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60)
       .filter(lambda t: t.strip() and t == t.strip()))
def test_any_text_typed_into_a_plan_comes_back_escaped(client, world, text):
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    plan = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id))
    if plan is None:
        client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
        plan = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id))
    version = plan.versions[0]
    client.post(f"{base(customer, version)}/sections/needs", data={"needs_assessment": text, "lock_version": lock(version)})
    page = client.get(f"{base(customer, version)}/sections/needs").get_data(as_text=True)
    assert str(escape(text)) in page


def test_the_csp_nonce_changes_with_every_request_and_only_our_scripts_carry_it(client, world):
    sign_in_as(client, world.users["ses_adviser"])
    nonces = []
    for _ in range(3):
        response = client.get("/caseload/")
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        page = response.get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert scripts and all(f'nonce="{nonce}"' in s for s in scripts)
        nonces.append(nonce)
    assert len(set(nonces)) == 3
