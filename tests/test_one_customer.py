"""One customer per NINO across referrals (R-CUST-1, issue 14), and LSE's "on no other DWP provision"
checked against the customer's open referrals (R-ELIG-4, LSE 5.4)."""
import io
import threading
import zipfile

import pytest
from sqlalchemy import func, select

from portal import data_access
from portal.extensions import db
from portal.models import AuditEvent, Customer, DwpRecord, DwpRecordVersion, Referral, ReferralStatus
from tests.factories import make_customer, sign_in_as
from tests.test_api import post, referral_body
from tests.test_referrals import referral_form


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (Customer, DwpRecord, DwpRecordVersion, Referral))


def nino_of(customer):
    return db.session.get(DwpRecord, customer.id).nino


def returning(world, organisation_key="wc", code="WORK_CHOICE", status=ReferralStatus.EXITED_EARLY, **dwp):
    return make_customer(world.orgs[organisation_key], code, status=status, first_name="Nia", last_name="Rowlands",
                         referred_days_ago=200, **dwp)


def spaced(nino):
    return f"{nino[:2].lower()} {nino[2:4]} {nino[4:6]} {nino[6:8]} {nino[8].lower()}"


# The NINO match, by form ------------------------------------------------------------------------


def test_r_cust_1_a_referral_by_form_for_a_known_nino_attaches_to_that_customer_after_a_check_step(client, world):
    customer = returning(world, address="1 Old Road")
    nino = nino_of(customer)
    sign_in_as(client, world.users["officer"])
    before = counts()
    form = referral_form(world.orgs["wc"], "WORK_CHOICE", nino=spaced(nino), first_name="Nia", last_name="Rowlands",
                         address="2 New Street")
    check = client.post("/referrals/new", data=form)
    # The check step: the officer sees the customer's earlier referral before anything is saved.
    assert check.status_code == 200
    page = check.get_data(as_text=True)
    assert "This person is already a customer" in page and customer.reference in page
    assert "Work Choice" in page and "Exited early" in page and "Work Choice Provider" in page
    assert f'name="known_customer" type="hidden" value="{customer.reference}"' in page
    assert counts() == before
    response = client.post("/referrals/new", data={**form, "known_customer": customer.reference})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/customers/{customer.id}")
    assert counts() == (before[0], before[1], before[2] + 1, before[3] + 1)
    referrals = db.session.scalars(select(Referral).where(Referral.customer_id == customer.id)
                                   .order_by(Referral.id)).all()
    assert [r.status for r in referrals] == [ReferralStatus.EXITED_EARLY, ReferralStatus.REFERRED]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "referral.created"))
    assert event.customer_id == customer.id and '"customer": "known"' in event.detail


def test_r_cust_1_the_dwp_record_takes_a_later_referrals_details_as_a_new_version(client, world):
    customer = returning(world, address="1 Old Road", phone="01000 000001")
    sign_in_as(client, world.users["officer"])
    form = referral_form(world.orgs["wc"], "WORK_CHOICE", nino=nino_of(customer), first_name="Nia",
                         last_name="Rowlands-Price", address="2 New Street", phone=None,
                         known_customer=customer.reference)
    assert client.post("/referrals/new", data=form).status_code == 302
    db.session.expire_all()
    record = db.session.get(DwpRecord, customer.id)
    assert record.version == 2 and record.address == "2 New Street" and record.last_name == "Rowlands-Price"
    assert record.search_name == "nia rowlands-price"
    assert record.phone == "01000 000001"  # a field the new referral left empty keeps its value
    earlier = db.session.scalars(select(DwpRecordVersion).where(DwpRecordVersion.customer_id == customer.id)).all()
    assert len(earlier) == 1 and earlier[0].version == 1 and earlier[0].source == "referral"
    assert earlier[0].facts["address"] == "1 Old Road" and earlier[0].facts["last_name"] == "Rowlands"
    assert earlier[0].facts["date_of_birth"] == "1990-05-17"
    # The DWP-side page shows both versions; the search finds the new name.
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Versions of the details held by DWP" in page and "Nia Rowlands-Price" in page
    # Subject access exports the earlier version too (through data_access).
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/customers/{customer.id}/subject-access.zip").data))
    assert "1 Old Road" in archive.read("dwp_record_versions.csv").decode()
    # The same details again make no new version.
    assert client.post("/referrals/new", data={**form, "programme": "SES", "organisation_id": str(world.orgs["ses"].id)}
                       ).status_code == 302
    db.session.expire_all()
    assert db.session.get(DwpRecord, customer.id).version == 2


# The NINO match, by API -------------------------------------------------------------------------


def test_r_cust_1_an_api_referral_for_a_known_nino_attaches_to_that_customer(client, world, token):
    customer = returning(world)
    body = referral_body(world, provider_organisation_id=world.orgs["wc"].id, programme="WORK_CHOICE")
    body["customer"].update(nino=nino_of(customer), first_name="Nia", last_name="Rowlands", address="3 Api Close")
    before = counts()
    response = post(client, token, body, key="returning-1")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["customer_reference"] == customer.reference
    assert counts() == (before[0], before[1], before[2] + 1, before[3] + 1)
    assert db.session.get(DwpRecord, customer.id).address == "3 Api Close"
    # A NINO the portal does not know makes a new customer, as before.
    other = referral_body(world)
    other["customer"]["nino"] = "AB123456C"
    created = post(client, token, other, key="new-1").get_json()
    assert created["customer_reference"] != customer.reference
    assert counts()[0] == before[0] + 1


# LSE: on no other DWP provision (R-ELIG-4, LSE 5.4) ----------------------------------------------

LSE_FACTS = {"benefit_type": "UC", "secondary_mental_health": "y"}


def test_r_elig_4_r_cust_1_an_lse_referral_for_a_customer_on_open_provision_is_refused_by_form(client, world):
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["officer"])
    before = counts()
    version = db.session.get(DwpRecord, customer.id).version
    form = referral_form(world.orgs["lse"], "LSE", nino=nino_of(customer), address="9 Elsewhere", **LSE_FACTS)
    check = client.post("/referrals/new", data=form)
    page = check.get_data(as_text=True)
    assert check.status_code == 200 and "govuk-error-summary" in page
    assert "already on other DWP provision" in page and "Specialist Employability Support with Prime SES Provider" in page
    # Posting the check step anyway is refused by the service too: nothing changes.
    again = client.post("/referrals/new", data={**form, "known_customer": customer.reference})
    assert again.status_code == 200 and "already on other DWP provision" in again.get_data(as_text=True)
    db.session.expire_all()
    assert counts() == before and db.session.get(DwpRecord, customer.id).version == version
    assert db.session.get(DwpRecord, customer.id).address != "9 Elsewhere"


def test_r_elig_4_r_cust_1_an_lse_referral_for_a_customer_on_open_provision_is_refused_by_api(client, world, token):
    customer = world.customers["wc_referred"]
    body = referral_body(world, provider_organisation_id=world.orgs["lse"].id, programme="LSE")
    body["customer"].update(nino=nino_of(customer), benefit_type="UC", secondary_mental_health=True,
                            address="9 Elsewhere")
    before = counts()
    response = post(client, token, body, key="lse-1")
    assert response.status_code == 409
    [error] = response.get_json()["errors"]
    assert error["code"] == "on_other_dwp_provision" and error["path"] == "/programme"
    assert "Work Choice" in error["message"]
    db.session.expire_all()
    assert counts() == before and db.session.get(DwpRecord, customer.id).address != "9 Elsewhere"


@pytest.mark.parametrize("status", [ReferralStatus.COMPLETED, ReferralStatus.EXITED_EARLY, ReferralStatus.TRANSFERRED])
def test_r_elig_4_a_closed_earlier_referral_does_not_block_lse(client, world, token, status):
    customer = make_customer(world.orgs["ses"], "SES", status=status)
    body = referral_body(world, provider_organisation_id=world.orgs["lse"].id, programme="LSE")
    body["customer"].update(nino=nino_of(customer), benefit_type="UC", secondary_mental_health=True)
    response = post(client, token, body, key=f"lse-{status.value}")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["customer_reference"] == customer.reference


def test_r_elig_4_the_open_provision_check_is_the_programmes_data(app_context, world):
    """Only a programme whose checks name `no_other_provision` refuses: SES takes a customer with an open referral."""
    from portal.services.eligibility import open_provision_problems
    from tests.factories import programme

    assert "no_other_provision" in programme("LSE").check_names
    assert open_provision_problems(programme("LSE"), ["Work Choice with X"])
    assert open_provision_problems(programme("LSE"), []) == []
    assert open_provision_problems(programme("SES"), ["Work Choice with X"]) == []


# Returning customers (IFS 22) and what a new provider sees of earlier referrals ------------------


def test_r_cust_1_a_returning_work_choice_customer_comes_back_with_their_history(client, world, token):
    customer = returning(world)
    body = referral_body(world, provider_organisation_id=world.orgs["wc"].id, programme="WORK_CHOICE")
    body["customer"]["nino"] = nino_of(customer)
    assert post(client, token, body, key="back").status_code == 201
    sign_in_as(client, world.users["wc_adviser"])
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    # Their own provider sees both referrals, the earlier one with its history.
    assert page.count("Work Choice supported employment with Work Choice Provider") == 2 and "Exited early" in page


def test_r_cust_1_a_new_provider_sees_only_what_the_policy_allows_of_earlier_referrals(client, world):
    customer = returning(world)  # exited early from Work Choice Provider, reason "Moved away"
    sign_in_as(client, world.users["officer"])
    form = referral_form(world.orgs["ses_b"], "SES", nino=nino_of(customer), known_customer=customer.reference)
    assert client.post("/referrals/new", data=form).status_code == 302
    sign_in_as(client, world.users["ses_b_adviser"])
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Other referrals" in page and "Work Choice" in page and "Exited early" in page
    assert "Work Choice Provider" not in page and "Moved away" not in page  # not who, nor their notes
    # A J2E provider (not accredited) sees none of it.
    sign_in_as(client, world.users["officer"])
    j2e = referral_form(world.orgs["j2e"], "J2E", nino=nino_of(customer), known_customer=customer.reference)
    assert client.post("/referrals/new", data=j2e).status_code == 302
    sign_in_as(client, world.users["j2e_adviser"])
    assert "Other referrals" not in client.get(f"/customers/{customer.id}").get_data(as_text=True)


# Concurrency (PostgreSQL) -----------------------------------------------------------------------


def _race(app, token, bodies):
    statuses, barrier = [], threading.Barrier(len(bodies))

    def send(body, key):
        with app.app_context():
            caller = app.test_client()
            barrier.wait()
            response = post(caller, token, body, key=key)
            statuses.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send, args=(body, f"race-{i}")) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def test_r_cust_1_two_referrals_for_one_new_nino_at_the_same_instant_make_one_customer(app, client, world, token):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL's row locks (SQLite serialises every writer)")
    bodies = []
    for code, organisation in (("SES", "ses"), ("WORK_CHOICE", "wc"), ("SES", "ses_b")):
        body = referral_body(world, provider_organisation_id=world.orgs[organisation].id, programme=code)
        body["customer"]["nino"] = "TW987654A"
        bodies.append(body)
    before = counts()
    db.session.commit()
    statuses = _race(app, token, bodies)
    db.session.expire_all()
    assert [s for s, _ in statuses] == [201, 201, 201], statuses
    assert len({body["customer_reference"] for _, body in statuses}) == 1
    assert counts()[0] == before[0] + 1 and counts()[3] == before[3] + 3


def test_r_elig_4_two_lse_referrals_for_one_new_nino_at_the_same_instant_make_one(app, client, world, token):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL's row locks (SQLite serialises every writer)")
    body = referral_body(world, provider_organisation_id=world.orgs["lse"].id, programme="LSE")
    body["customer"].update(nino="TW123123B", benefit_type="UC", secondary_mental_health=True)
    before = counts()
    db.session.commit()
    statuses = _race(app, token, [body, body, body])
    db.session.expire_all()
    assert sorted(s for s, _ in statuses) == [201, 409, 409], statuses
    assert counts()[0] == before[0] + 1 and counts()[3] == before[3] + 1


def test_r_cust_1_the_nino_is_unique_in_the_database(app_context, world):
    from sqlalchemy.exc import IntegrityError

    customer = world.customers["ses_started"]
    twin = Customer(reference="twin")
    db.session.add(twin)
    db.session.flush()
    data_access.new_dwp_record(twin, {"nino": nino_of(customer), "first_name": "A", "last_name": "B"})
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.fixture
def token(client, world):
    from tests.test_api import issue_token

    return issue_token(client, world)


def test_data_policy_page_lists_the_earlier_referral_rows(client, world):
    sign_in_as(client, world.users["admin"])
    page = client.get("/data-policy").get_data(as_text=True)
    assert "Other referrals: programme, dates and status" in page and "Other referrals: which provider" in page
