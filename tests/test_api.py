"""The DWP referral API (issue 3): tokens issued and revoked by the administrator and kept hashed,
idempotent creation (sequential and concurrent), precise validation errors, and a schemathesis run
against the served OpenAPI document."""
import re
import threading
from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ApiToken, Customer, IdempotencyRecord, Referral
from tests.factories import sign_in_as


@pytest.fixture
def token(client, world):
    """A token issued through the administrator's pages, as a DWP system would be given it."""
    sign_in_as(client, world.users["admin"])
    assert client.post("/admin/api-clients", data={"name": "DWP referrals system"}).status_code == 302
    page = client.post("/admin/api-clients/1/tokens").get_data(as_text=True)
    value = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    with client.session_transaction() as session:
        session.clear()
    return value


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
    assert len(stored) == 1 and token not in (stored[0].token_hash, stored[0].prefix)
    before = counts()
    response = post(client, token, referral_body(world))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "referred"
    assert counts() == (before[0] + 1, before[1] + 1)
    got = client.get(response.headers["Location"], headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200 and got.get_json()["id"] == response.get_json()["id"]
    assert "nino" not in got.get_data(as_text=True) and "JT654321C" not in got.get_data(as_text=True)


@pytest.mark.parametrize("header", [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer isp_not-a-real-token", "Token x"])
def test_without_a_live_token_the_api_answers_401_and_writes_nothing(client, world, token, header):
    before = counts()
    headers = {"Idempotency-Key": "k"} | ({"Authorization": header} if header else {})
    response = client.post("/api/v1/referrals", json=referral_body(world), headers=headers)
    assert response.status_code == 401 and response.get_json()["errors"][0]["path"] == "header/Authorization"
    assert "Bearer" in response.headers["WWW-Authenticate"]
    assert counts() == before


def test_a_revoked_token_stops_working_and_a_staff_session_is_not_a_token(client, world, token):
    sign_in_as(client, world.users["admin"])
    assert client.post(f"/admin/api-clients/1/tokens/{db.session.scalar(select(ApiToken.id))}/revoke").status_code == 302
    assert post(client, token, referral_body(world)).status_code == 401  # the admin's session cookie is sent too
    assert client.get("/api/v1/referrals/1").status_code == 401


def test_the_same_idempotency_key_twice_creates_one_referral(client, world, token):
    before = counts()[0]
    first = post(client, token, referral_body(world))
    second = post(client, token, referral_body(world))
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json() and second.headers["Idempotent-Replayed"] == "true"
    assert counts()[0] == before + 1
    different = post(client, token, referral_body(world, programme="WORK_CHOICE"))
    assert different.status_code == 409 and counts()[0] == before + 1
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
    assert post(client, token, referral_body(world), key="").status_code == 400
    assert counts() == before


def test_an_unknown_referral_answers_404(client, token):
    response = client.get("/api/v1/referrals/424242", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and response.get_json()["errors"][0]["path"] == "path/referral_id"


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

        call()
    assert operations == 2  # POST and GET of referrals
    assert 422 in statuses  # generated bodies reached validation, not just the token check
    assert failures == []
