"""The DWP data policy beyond the canary (issue 3): consent and its withdrawal, sub-contractor scoping,
the policy as rows, the access log, and the one reader of DWP-held data (R-DATA-1, 3, 6, 7, 8)."""
from pathlib import Path

from sqlalchemy import select

from portal import data_access
from portal.extensions import db
from portal.models import Access, Audience, Consent, PolicyRule, Programme
from tests.factories import make_customer, sign_in_as
from tests.route_world import TODAY, date_fields

ROOT = Path(__file__).resolve().parent.parent


def customer_page(client, customer):
    return client.get(f"/customers/{customer.id}").get_data(as_text=True)


def give_health_consent(client, customer, items):
    response = client.post(f"/customers/{customer.id}/consents/new", data={
        "kind": "health", "health_items": items, **date_fields("given_on", TODAY)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_r_data_3_health_items_appear_only_while_consent_lasts_and_the_history_stays(client, world):
    customer = make_customer(world.orgs["ses"], "SES", health_summary="Anxiety in crowds",
                             medical_details="Takes sertraline daily")
    sign_in_as(client, world.users["ses_adviser"])
    page = customer_page(client, customer)
    assert "Anxiety in crowds" not in page and "Takes sertraline daily" not in page

    give_health_consent(client, customer, ["health_summary"])
    page = customer_page(client, customer)
    assert "Anxiety in crowds" in page
    assert "Takes sertraline daily" not in page  # only the items agreed
    assert "The customer agreed to share this on" in page  # "why can I see this" names the consent

    consent = db.session.scalar(select(Consent).where(Consent.customer_id == customer.id, Consent.kind == "health"))
    response = client.post(f"/customers/{customer.id}/consents/{consent.id}/withdraw",
                           data=date_fields("withdrawn_on", TODAY))
    assert response.status_code == 302
    assert "Anxiety in crowds" not in customer_page(client, customer)
    history = client.get(f"/customers/{customer.id}/consents/").get_data(as_text=True)
    assert "Withdrawn" in history or "withdrawn" in history
    assert db.session.get(Consent, consent.id).withdrawn_on == TODAY


def test_r_data_6_sub_contractor_staff_see_only_assigned_customers_until_the_prime_removes_them(client, world):
    assigned, other = world.customers["sub_assigned"], world.customers["ses_started"]
    sign_in_as(client, world.users["sub_adviser"])
    caseload = client.get("/caseload/").get_data(as_text=True)
    assert f"/customers/{assigned.id}\"" in caseload and f"/customers/{other.id}\"" not in caseload
    assert client.get(f"/customers/{other.id}").status_code == 404
    assert client.get(f"/customers/{assigned.id}").status_code == 200

    sign_in_as(client, world.users["ses_manager"])
    response = client.post(f"/customers/{assigned.id}/referrals/{assigned.referrals[0].id}/subcontractor",
                           data={"subcontractor": ""})
    assert response.status_code == 302
    sign_in_as(client, world.users["sub_adviser"])
    assert client.get(f"/customers/{assigned.id}").status_code == 404


def test_the_policy_is_rows_changing_a_row_changes_what_providers_see(client, world):
    customer = world.customers["ses_started"]  # address "1 Test Street"
    sign_in_as(client, world.users["ses_adviser"])
    assert "1 Test Street" in customer_page(client, customer)
    ses = db.session.scalar(select(Programme).where(Programme.code == "SES"))
    rows = db.session.scalars(select(PolicyRule).where(
        PolicyRule.field == "address", PolicyRule.audience == Audience.PROVIDER)).all()
    saved = [(row.id, row.access) for row in rows]
    extra = PolicyRule(field="address", programme_id=ses.id, audience=Audience.PROVIDER, accredited=None,
                       access=Access.HIDDEN)
    db.session.add(extra)
    db.session.commit()
    try:
        page = customer_page(client, customer)
        assert "1 Test Street" not in page
        other = world.customers["lse_started"]
        sign_in_as(client, world.users["lse_adviser"])
        assert "1 Test Street" in customer_page(client, other)  # the row is for SES only
    finally:
        db.session.delete(db.session.get(PolicyRule, extra.id))  # policy rows survive between tests
        db.session.commit()
    assert [(row.id, row.access) for row in db.session.scalars(select(PolicyRule).where(
        PolicyRule.field == "address", PolicyRule.audience == Audience.PROVIDER))] == saved


def test_r_data_7_the_access_log_shows_who_saw_which_fields_through_what(client, world):
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    customer_page(client, customer)
    sign_in_as(client, world.users["ses_manager"])
    assert client.get("/caseload/export.csv").status_code == 200
    log = client.get(f"/customers/{customer.id}/access-log").get_data(as_text=True)
    assert "adviser@ses.example" in log and "manager@ses.example" in log
    assert "customer.viewed" in log and "caseload.exported" in log
    assert "page" in log and "export" in log
    assert "address" in log.lower()
    sign_in_as(client, world.users["inspector"])
    assert "adviser@ses.example" in client.get(f"/customers/{customer.id}/access-log").get_data(as_text=True)


def test_the_policy_matrix_is_a_page_for_administrators_and_inspectors(client, world):
    for who in ("admin", "inspector"):
        sign_in_as(client, world.users[who])
        page = client.get("/data-policy").get_data(as_text=True)
        assert "Sanction history" in page and "National Insurance number" in page


def test_a_posted_field_the_form_does_not_offer_changes_nothing(client, world):
    customer = world.customers["ses_referred"]
    referral = customer.referrals[0]
    sign_in_as(client, world.users["ses_adviser"])
    response = client.post(f"/customers/{customer.id}/referrals/{referral.id}/start", data={
        "effective_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
        "organisation_id": str(world.orgs["ses_b"].id), "adviser_id": str(world.users["ses_b_adviser"].id),
        "status": "completed"})
    assert response.status_code in (200, 302)
    db.session.refresh(referral)
    assert referral.organisation_id == world.orgs["ses"].id
    assert referral.adviser_id == world.users["ses_adviser"].id
    assert referral.status.value in ("referred", "started")


def test_r_data_1_only_the_data_access_module_reads_dwp_held_data():
    """Views, services, exports and templates get a projection; none touches the DWP model or columns."""
    allowed = {ROOT / "portal" / "data_access.py", ROOT / "portal" / "models" / "customer.py",
               ROOT / "portal" / "models" / "__init__.py"}
    readers = []
    for path in (ROOT / "portal").rglob("*.py"):
        text = path.read_text()
        if path not in allowed and ("DwpRecord" in text or ".dwp_record" in text):
            if path.name in ("demo_data.py",):  # writes demo records through data_access.new_dwp_record
                assert "DwpRecord" not in text, path
                continue
            readers.append(str(path.relative_to(ROOT)))
    for path in (ROOT / "templates").rglob("*.html"):
        if "dwp_record" in path.read_text():
            readers.append(str(path.relative_to(ROOT)))
    assert readers == []


def test_one_customers_name_from_the_callers_referrals_agrees_with_visible_names(world):
    """Issue 18: the plan version page names the customer from the referrals it has already read;
    every role, every customer state, the same answer as visible_names."""
    from portal import scope
    from portal.models import Customer

    for user in world.users.values():
        for customer in world.customers.values():
            if scope.customer_or_none(user, customer.id) is None:
                continue
            _customer, referrals = scope.customer_and_referrals_or_404(user, customer.id)
            assert _customer is customer
            expected = data_access.visible_names(user, [customer.id]).get(customer.id, "absent")
            assert data_access.visible_name(user, customer.id, referrals, "absent") == expected, (user.email, customer)
    assert db.session.scalar(db.select(db.func.count(Customer.id))) > 5
