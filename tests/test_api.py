"""The DWP referral API (issue 3): tokens issued and revoked by the administrator and kept hashed,
idempotent creation (sequential and concurrent), precise validation errors, and a schemathesis run
against the served OpenAPI document."""
import re
import threading
from datetime import date, timedelta

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ApiClient, ApiToken, Customer, IdempotencyRecord, Referral
from portal.security.tokens import token_hash
from tests.factories import sign_in_as


def issue_token(client, world, name="DWP referrals system"):
    """A token issued through the administrator's pages, as a DWP system would be given it."""
    sign_in_as(client, world.users["admin"])
    if db.session.scalar(select(ApiClient).where(ApiClient.name == name)) is None:
        assert client.post("/admin/api-clients", data={"name": name}).status_code == 302
    client_id = db.session.scalar(select(ApiClient.id).where(ApiClient.name == name))
    page = client.post(f"/admin/api-clients/{client_id}/tokens").get_data(as_text=True)
    value = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    with client.session_transaction() as session:
        session.clear()
    return value


@pytest.fixture
def token(client, world):
    return issue_token(client, world)


def referral_body(world, **changes):
    body = {
        "customer": {"nino": "JT654321C", "first_name": "Rhian", "last_name": "Evans", "date_of_birth": "1988-03-14",
                     "benefit_type": "UC", "wca_group": "LCW", "wca_decision_date": "2024-02-01",
                     "preferred_language": "cy", "format_needs": "easy_read"},
        "provider_organisation_id": world.orgs["ses"].id,
        "programme": "SES",
        "first_appointment": {"starts_at": (date.today() + timedelta(days=7)).isoformat() + "T10:30:00+00:00",
                              "location": "Pontypridd office"},
    }
    body.update(changes)
    return body


def post(client, token, body, key="key-1", **headers):
    return client.post("/api/v1/referrals", json=body,
                       headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key, **headers})


def counts():
    return db.session.scalar(select(func.count(Referral.id))), db.session.scalar(select(func.count(Customer.id)))


def test_a_token_is_shown_once_kept_only_as_a_hash_and_creates_a_referral(client, world, token):
    stored = db.session.scalars(select(ApiToken)).all()
    assert len(stored) == 1 and stored[0].token_hash == token_hash(token) != token
    assert token not in (stored[0].prefix, stored[0].token_hash) and token.startswith(stored[0].prefix)
    sign_in_as(client, world.users["admin"])
    listing = client.get("/admin/api-clients").get_data(as_text=True)
    assert stored[0].prefix in listing and token not in listing  # shown once, on the issuing response only
    with client.session_transaction() as session:
        session.clear()
    before = counts()
    response = post(client, token, referral_body(world))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "referred"
    assert counts() == (before[0] + 1, before[1] + 1)
    got = client.get(response.headers["Location"], headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200 and got.get_json()["id"] == response.get_json()["id"]


@pytest.mark.parametrize("header", [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer isp_not-a-real-token", "Token x"])
def test_without_a_live_token_the_api_answers_401_and_writes_nothing(client, world, token, header):
    before = counts()
    headers = {"Idempotency-Key": "k"} | ({"Authorization": header} if header else {})
    response = client.post("/api/v1/referrals", json=referral_body(world), headers=headers)
    assert response.status_code == 401 and response.get_json()["errors"][0]["path"] == "header/Authorization"
    assert "Bearer" in response.headers["WWW-Authenticate"]
    assert counts() == before


def test_a_revoked_token_stops_working_and_a_staff_session_is_not_a_token(client, world, token):
    assert post(client, token, referral_body(world), key="before").status_code == 201
    referral_id = db.session.scalar(select(func.max(Referral.id)))
    sign_in_as(client, world.users["admin"])
    # The admin's session cookie alone does not authorise the API.
    assert client.get(f"/api/v1/referrals/{referral_id}").status_code == 401
    session_only = client.post("/api/v1/referrals", json=referral_body(world), headers={"Idempotency-Key": "s"})
    assert session_only.status_code == 401 and session_only.get_json()["errors"][0]["path"] == "header/Authorization"
    row_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/admin/api-clients/{db.session.scalar(select(ApiClient.id))}/tokens/{row_id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, row_id).revoked_at is not None
    before = counts()
    for response in (post(client, token, referral_body(world), key="after"),  # the admin's cookie is sent too
                     client.get(f"/api/v1/referrals/{referral_id}", headers={"Authorization": f"Bearer {token}"})):
        assert response.status_code == 401 and response.get_json()["errors"][0]["path"] == "header/Authorization"
    assert counts() == before


def test_the_same_idempotency_key_twice_creates_one_referral(client, world, token):
    before = counts()[0]
    first = post(client, token, referral_body(world))
    second = post(client, token, referral_body(world))
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json() and second.headers["Idempotent-Replayed"] == "true"
    assert counts()[0] == before + 1
    different = post(client, token, referral_body(world, programme="WORK_CHOICE"))
    assert different.status_code == 409 and counts()[0] == before + 1
    assert different.get_json()["errors"][0]["path"] == "header/Idempotency-Key"
    assert post(client, token, referral_body(world), key="key-2").status_code == 201 and counts()[0] == before + 2


def test_concurrent_requests_with_one_key_create_one_referral(app, client, world, token):
    body = referral_body(world)
    before = counts()[0]
    db.session.commit()
    statuses, barrier = [], threading.Barrier(4)

    def send():
        with app.app_context():
            caller = app.test_client()
            barrier.wait()
            statuses.append(post(caller, token, body, key="same-key").status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.session.expire_all()
    assert counts()[0] == before + 1
    assert 201 in statuses and set(statuses) <= {201, 409} and len(statuses) == 4
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 1


@pytest.mark.parametrize("change, pointer", [
    (lambda b: b["customer"].pop("nino"), "/customer/nino"),
    (lambda b: b["customer"].update(nino="12345"), "/customer/nino"),
    (lambda b: b.update(provider_organisation_id="three"), "/provider_organisation_id"),
    (lambda b: b["customer"].update(date_of_birth="14/03/1988"), "/customer/date_of_birth"),
    (lambda b: b["first_appointment"].update(starts_at="2026-12-01T10:30:00"), "/first_appointment/starts_at"),
    (lambda b: b.update(programme="NOPE"), "/programme"),
    (lambda b: b.update(provider_organisation_id=999999), "/provider_organisation_id"),
])
def test_invalid_referrals_get_422_with_a_pointer_to_the_field_and_change_nothing(client, world, token, change, pointer):
    body = referral_body(world)
    change(body)
    before = counts()
    response = post(client, token, body)
    assert response.status_code == 422
    assert pointer in [error["path"] for error in response.get_json()["errors"]]
    assert counts() == before
    assert post(client, token, referral_body(world)).status_code == 201  # a refused request does not use the key


def test_not_json_answers_415_and_malformed_json_400(client, world, token):
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k"}
    before = counts()
    assert client.post("/api/v1/referrals", data="nino=QQ", headers=headers).status_code == 415
    bad = client.post("/api/v1/referrals", data="{not json", headers=headers, content_type="application/json")
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["path"] == "body"
    for missing in (client.post("/api/v1/referrals", json=referral_body(world), headers={"Authorization": f"Bearer {token}"}),
                    post(client, token, referral_body(world), key=""), post(client, token, referral_body(world), key="a b")):
        assert missing.status_code == 400 and missing.get_json()["errors"][0]["path"] == "header/Idempotency-Key"
    assert counts() == before


def test_the_status_page_gives_the_status_and_no_personal_data(client, world, token):
    created = post(client, token, referral_body(world)).get_json()
    auth = {"Authorization": f"Bearer {token}"}
    got = client.get(f"/api/v1/referrals/{created['id']}", headers=auth)
    documented = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Referral"]["properties"]
    assert set(got.get_json()) <= set(documented)
    assert got.get_json()["status"] == "referred" and got.get_json()["customer_reference"]
    text = got.get_data(as_text=True)
    for personal in ("JT654321C", "Rhian", "Evans", "1988-03-14", "Pontypridd", "LCW", "easy_read"):
        assert personal not in text
    # The provider starts the referral; DWP's system sees the new status.
    customer = db.session.get(Referral, created["id"]).customer
    sign_in_as(client, world.users["ses_adviser"])
    today = date.today()
    assert client.post(f"/customers/{customer.id}/referrals/{created['id']}/start",
                       data={"effective_on": [str(today.day), str(today.month), str(today.year)]}).status_code == 302
    with client.session_transaction() as session:
        session.clear()
    after = client.get(f"/api/v1/referrals/{created['id']}", headers=auth).get_json()
    assert after["status"] == "started" and after["started_on"] == today.isoformat()


def test_unknown_and_other_clients_referrals_answer_404(client, world, token):
    mine = post(client, token, referral_body(world)).get_json()["id"]
    other_token = issue_token(client, world, name="Another DWP system")
    auth = {"Authorization": f"Bearer {token}"}
    theirs = post(client, other_token, referral_body(world, customer=referral_body(world)["customer"] | {"nino": "AB123456C"})).get_json()["id"]
    made_in_the_portal = world.customers["ses_referred"].referrals[0].id
    for referral_id in (424242, theirs, made_in_the_portal):
        response = client.get(f"/api/v1/referrals/{referral_id}", headers=auth)
        assert response.status_code == 404 and response.get_json()["errors"][0]["path"] == "path/referral_id"
    assert client.get(f"/api/v1/referrals/{mine}", headers=auth).status_code == 200
    assert client.get(f"/api/v1/referrals/{theirs}", headers={"Authorization": f"Bearer {other_token}"}).status_code == 200


def test_the_openapi_document_describes_the_api(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/referrals", "/api/v1/referrals/{referral_id}"} <= set(document["paths"])
    assert "bearer" in str(document["components"]["securitySchemes"]).lower()


def test_schemathesis_finds_no_server_error_in_the_served_openapi_document(app, world, token):
    """Requests generated from the served document (valid and invalid) never get a 5xx.

    Hypothesis drives schemathesis' strategies directly: schemathesis' own pytest plugin does not work
    with pytest 9."""
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    keys, failures, operations, statuses = iter(range(10**9)), [], 0, set()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case):
            response = case.call(headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"fuzz-{next(keys)}"})
            statuses.add(response.status_code)
            if response.status_code >= 500:
                failures.append((case.method, case.path, case.body, response.text[:300]))
            case.validate_response(response, checks=[not_a_server_error])  # raises (and shrinks) on any 5xx

        call()
    assert operations == 2  # POST and GET of referrals
    assert 422 in statuses  # generated bodies reached validation, not just the token check
    assert failures == []


def test_r_exit_1_r_out_1_the_status_gives_the_coded_exit_reason_and_the_outcome_events(client, world, token):
    """Issue 14: the DWP system that sent a referral reads how it ended (a code, never the provider's
    words) and the job outcomes derived from the job record."""
    from datetime import timedelta

    from portal.models import InWorkJob, ReferralStatus
    from portal.services import outcomes

    created = post(client, token, referral_body(world)).get_json()
    auth = {"Authorization": f"Bearer {token}"}
    before = client.get(f"/api/v1/referrals/{created['id']}", headers=auth).get_json()
    assert before["exit_reason"] is None and before["outcomes"] == []
    referral = db.session.get(Referral, created["id"])
    started = date.today() - timedelta(days=60)
    referral.status, referral.started_on = ReferralStatus.EXITED_EARLY, started
    referral.ended_on = date.today()
    referral.exit_reason_code, referral.exit_reason_text = "other", "Private words of the provider"
    db.session.add(InWorkJob(referral_id=referral.id, employer_name="Shop", employer_staff=8, job_title="Assistant",
                             started_on=started + timedelta(days=7), recorded_by_id=world.users["ses_adviser"].id))
    db.session.flush()
    outcomes.refresh([referral.id])
    db.session.commit()
    got = client.get(f"/api/v1/referrals/{created['id']}", headers=auth)
    body = got.get_json()
    assert body["exit_reason"]["code"] == "other"
    assert [(o["kind"], o["occurred_on"]) for o in body["outcomes"]] == [
        ("job_start", (started + timedelta(days=7)).isoformat())]
    assert "Private words" not in got.get_data(as_text=True)
    documented = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Referral"]["properties"]
    assert set(body) <= set(documented)
