"""Referral, eligibility and the referral state machine (R-ELIG-1, R-ELIG-4, R-REF-1)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Customer, DwpRecord, Referral, ReferralStatus, ReferralTransition
from portal.services.eligibility import eligibility_problems
from tests.factories import make_customer, programme, sign_in_as


def _date_fields(prefix, value):
    return {f"{prefix}": [str(value.day), str(value.month), str(value.year)]}


def referral_form(organisation, code="SES", **overrides):
    data = {
        "first_name": "Dafydd", "last_name": "Prosser", "nino": "jt 12 34 56 c",
        "benefit_type": "UC", "wca_group": "LCW", "preferred_language": "cy", "format_needs": "easy_read",
        "organisation_id": str(organisation.id), "programme": code, "appointment_time": "10:30",
        "appointment_location": "Northway office", "postcode": "ne1 4st",
    }
    data.update(_date_fields("date_of_birth", date(1988, 2, 29)))
    data.update(_date_fields("wca_decision_date", date(2023, 6, 1)))
    data.update(_date_fields("appointment_date", date.today() + timedelta(days=5)))
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Customer, DwpRecord, Referral))


# R-ELIG-1 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("facts, eligible", [
    ({"benefit_type": "UC", "wca_group": "LCW", "wca_decision_date": date(2017, 4, 3)}, True),
    ({"benefit_type": "UC", "wca_group": "LCW", "wca_decision_date": date(2017, 4, 2)}, False),
    ({"benefit_type": "UC", "wca_group": "LCWRA", "wca_decision_date": date(2020, 1, 1)}, False),
    ({"benefit_type": "ESA_IR", "wca_group": "LCW", "wca_decision_date": date(2020, 1, 1)}, False),
    ({"benefit_type": "UC", "wca_group": "LCW", "wca_decision_date": None}, False),
])
def test_r_elig_1_eso_places_need_the_work_preparation_group_from_3_april_2017(app_context, facts, eligible):
    assert (eligibility_problems(programme("J2E"), facts) == []) is eligible
    # An SES referral is checked only when it is an ESO place.
    assert (eligibility_problems(programme("SES"), {**facts, "eso_place": True}) == []) is eligible
    assert eligibility_problems(programme("SES"), {**facts, "eso_place": False}) == []


@pytest.mark.parametrize("facts, eligible", [
    ({"benefit_type": "ESA_CB", "learning_disability_or_autism": True}, True),
    ({"benefit_type": "UC", "secondary_mental_health": True}, True),
    ({"benefit_type": "JSA", "learning_disability_or_autism": True}, False),
    ({"benefit_type": "UC"}, False),
    ({"benefit_type": "UC", "secondary_mental_health": True, "on_other_dwp_provision": True}, False),
])
def test_r_elig_4_lse_eligibility(app_context, facts, eligible):
    assert (eligibility_problems(programme("LSE"), facts) == []) is eligible


def test_officer_refers_a_customer_and_books_the_first_appointment(client, world):
    sign_in_as(client, world.users["officer"])
    response = client.post("/referrals/new", data=referral_form(world.orgs["ses"]))
    assert response.status_code == 302
    customer = db.session.scalars(select(Customer).order_by(Customer.id.desc())).first()
    assert response.headers["Location"].endswith(f"/customers/{customer.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dafydd Prosser" in page and "JT123456C" in page  # DWP staff see the NINO in full
    assert "Northway office" in page and "Welsh (Cymraeg)" in page and "Easy Read" in page
    referral = customer.referrals[0]
    assert referral.status == ReferralStatus.REFERRED and referral.organisation_id == world.orgs["ses"].id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "referral.created",
                                                      AuditEvent.customer_id == customer.id)) is not None
    # The provider's adviser now has the customer on their caseload.
    sign_in_as(client, world.users["ses_adviser"])
    assert "Dafydd Prosser" in client.get("/caseload/?q=prosser").get_data(as_text=True)


def test_an_ineligible_j2e_referral_is_refused_with_a_clear_message_and_saves_nothing(client, world):
    sign_in_as(client, world.users["officer"])
    before = counts()
    response = client.post("/referrals/new", data=referral_form(world.orgs["j2e"], "J2E", wca_group="LCWRA"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in page and "There is a problem" in page
    assert "work preparation group" in page
    assert counts() == before


def test_a_provider_can_only_be_sent_programmes_it_delivers(client, world):
    sign_in_as(client, world.users["officer"])
    before = counts()
    page = client.post("/referrals/new", data=referral_form(world.orgs["ses"], "LSE")).get_data(as_text=True)
    assert "does not deliver Local Supported Employment" in page
    assert counts() == before


@pytest.mark.parametrize("field, value, message", [
    ("nino", "AB123", "National Insurance number in the correct format"),
    ("first_name", "", "Enter the customer&#39;s first name"),
    ("postcode", "NOT A POSTCODE", "Enter a real postcode"),
    ("appointment_time", "25:99", "as hours and minutes, like 14:30"),
])
def test_bad_referral_input_gets_a_govuk_error_and_changes_nothing(client, world, field, value, message):
    sign_in_as(client, world.users["officer"])
    before = counts()
    page = client.post("/referrals/new", data=referral_form(world.orgs["ses"], **{field: value})).get_data(as_text=True)
    assert message in page and f'href="#{field}' in page
    assert counts() == before


def test_error_summary_links_a_date_to_its_day_field(client, world):
    sign_in_as(client, world.users["officer"])
    page = client.post("/referrals/new", data=referral_form(world.orgs["ses"], date_of_birth=["", "", ""])).get_data(as_text=True)
    assert 'href="#date_of_birth-day"' in page


# R-REF-1 --------------------------------------------------------------------------------------


def _post_status(client, customer, action, on, reason=None, reason_code=None):
    referral = customer.referrals[0]
    data = {"effective_on": [str(on.day), str(on.month), str(on.year)]}
    if reason is not None:
        data["reason"] = reason
    if action != "start":  # R-EXIT-1: an ending takes a coded reason
        data["reason_code"] = reason_code or ("other" if action == "exit" else "programme_end")
    return client.post(f"/customers/{customer.id}/referrals/{referral.id}/{action}", data=data)


def test_r_ref_1_referred_started_completed(client, world):
    customer = world.customers["ses_referred"]
    sign_in_as(client, world.users["ses_adviser"])
    assert _post_status(client, customer, "start", date.today()).status_code == 302
    assert _post_status(client, customer, "complete", date.today()).status_code == 302
    referral = db.session.get(Referral, customer.referrals[0].id)
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.COMPLETED and referral.started_on == date.today()
    steps = [t.to_status for t in referral.transitions]
    assert steps == [ReferralStatus.REFERRED, ReferralStatus.STARTED, ReferralStatus.COMPLETED]


def test_r_ref_1_an_early_exit_needs_a_reason_and_a_date(client, world):
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    page = _post_status(client, customer, "exit", date.today(), reason="").get_data(as_text=True)
    assert "Say what the reason was" in page
    page = client.post(f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/exit",
                       data={"reason": "Moved away"}).get_data(as_text=True)
    assert "Enter the date" in page
    assert db.session.get(Referral, customer.referrals[0].id).status == ReferralStatus.STARTED
    assert _post_status(client, customer, "exit", date.today(), reason="Found work elsewhere").status_code == 302
    referral = db.session.get(Referral, customer.referrals[0].id)
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.EXITED_EARLY and referral.exit_reason_code == "other" \
        and referral.exit_reason_text == "Found work elsewhere"


def test_r_ref_1_no_future_dates_and_no_date_before_the_start(client, world):
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    assert "today or in the past" in _post_status(client, customer, "complete", date.today() + timedelta(days=1)).get_data(as_text=True)
    assert "on or after" in _post_status(client, customer, "complete", date(2000, 1, 1)).get_data(as_text=True)


def test_r_ref_1_a_finished_referral_cannot_move_again(client, world):
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    assert _post_status(client, customer, "complete", date.today()).status_code == 302
    page = _post_status(client, customer, "start", date.today()).get_data(as_text=True)
    assert "cannot become started" in page


def test_r_elig_4_an_lse_customer_cannot_start_before_dwp_confirms_eligibility(client, world):
    customer = make_customer(world.orgs["lse"], "LSE", status=ReferralStatus.REFERRED)
    referral = customer.referrals[0]
    referral.eligibility_confirmed_at = None
    db.session.commit()
    sign_in_as(client, world.users["lse_adviser"])
    assert "DWP must confirm eligibility" in _post_status(client, customer, "start", date.today()).get_data(as_text=True)
    sign_in_as(client, world.users["officer"])
    assert client.post(f"/referrals/{referral.id}/confirm-eligibility").status_code == 302
    sign_in_as(client, world.users["lse_adviser"])
    assert _post_status(client, customer, "start", date.today()).status_code == 302


def test_r_ref_1_a_transfer_hands_the_customer_to_the_receiving_provider(client, world):
    customer = world.customers["ses_started"]
    referral = customer.referrals[0]
    sign_in_as(client, world.users["ses_manager"])
    today = date.today()
    response = client.post(f"/customers/{customer.id}/referrals/{referral.id}/transfer", data={
        "organisation": str(world.orgs["ses_b"].id), "reason": "Nearer home",
        "effective_on": [str(today.day), str(today.month), str(today.year)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == ReferralStatus.TRANSFERRED
    successor = db.session.scalar(select(Referral).where(Referral.transferred_from_id == referral.id))
    assert successor.organisation_id == world.orgs["ses_b"].id and successor.status == ReferralStatus.REFERRED
    sign_in_as(client, world.users["ses_b_adviser"])
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Transferred from" in page and "Prime SES Provider" in page


def test_a_transfer_needs_a_provider_that_delivers_the_programme(client, world):
    customer = world.customers["ses_started"]
    referral = customer.referrals[0]
    sign_in_as(client, world.users["ses_manager"])
    today = date.today()
    page = client.post(f"/customers/{customer.id}/referrals/{referral.id}/transfer", data={
        "organisation": str(world.orgs["lse"].id), "reason": "x",
        "effective_on": [str(today.day), str(today.month), str(today.year)]}).get_data(as_text=True)
    assert "There is a problem" in page
    assert db.session.scalar(select(func.count()).select_from(ReferralTransition).where(
        ReferralTransition.referral_id == referral.id, ReferralTransition.to_status == ReferralStatus.TRANSFERRED)) == 0


# Caseload -------------------------------------------------------------------------------------


def test_caseload_is_paginated_searchable_and_filterable(client, world, app):
    organisation = world.orgs["ses"]
    for n in range(30):
        make_customer(organisation, first_name=f"Bulk{n:02d}", last_name="Person",
                      status=ReferralStatus.STARTED if n % 2 else ReferralStatus.REFERRED,
                      adviser=world.users["ses_manager"] if n % 3 == 0 else world.users["ses_adviser"])
    sign_in_as(client, world.users["ses_manager"])
    first = client.get("/caseload/").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get("/caseload/?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second
    search = client.get("/caseload/?q=bulk07").get_data(as_text=True)
    assert "Bulk07 Person" in search and "Bulk08 Person" not in search
    by_reference = client.get(f"/caseload/?q={world.customers['ses_started'].reference.lower()}").get_data(as_text=True)
    assert "SES Started" in by_reference and "Bulk" not in by_reference
    referred = client.get("/caseload/?status=referred&q=bulk").get_data(as_text=True)
    assert "Bulk00 Person" in referred and "Bulk01 Person" not in referred
    mine = client.get(f"/caseload/?adviser={world.users['ses_manager'].id}&q=bulk").get_data(as_text=True)
    assert "Bulk03 Person" in mine and "Bulk04 Person" not in mine
    # Other organisations' customers never appear, whatever the search.
    assert "J2E" not in client.get("/caseload/?q=j2e").get_data(as_text=True).split("<main")[1]


def test_manager_reassigns_a_customer_to_another_adviser(client, world):
    customer = world.customers["ses_started"]
    referral = customer.referrals[0]
    sign_in_as(client, world.users["ses_manager"])
    response = client.post(f"/customers/{customer.id}/referrals/{referral.id}/adviser",
                           data={"adviser": str(world.users["ses_manager"].id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).adviser_id == world.users["ses_manager"].id


def test_the_referrals_list_filters_by_provider_and_names_the_programme(client, world):
    """Issue 13: a DWP officer or inspector narrows the list to one provider; programmes by name, not code."""
    sign_in_as(client, world.users["officer"])
    everything = client.get("/referrals/").get_data(as_text=True)
    assert 'name="provider"' in everything and "<label" in everything
    ses, j2e = world.orgs["ses"], world.orgs["j2e"]
    assert ses.name in everything and j2e.name in everything
    page = client.get(f"/referrals/?provider={ses.id}").get_data(as_text=True)
    rows = page[page.index("<tbody"):page.index("</tbody>")]
    assert ses.name in rows and j2e.name not in rows
    assert "WORK_CHOICE" not in everything and "Specialist Employability Support" in everything
    assert client.get("/referrals/?provider=abc").status_code == 200  # not a number: the whole list
