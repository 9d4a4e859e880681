"""Issue 12: the findings of the outside security review, each with a test that failed before its fix."""
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import HoursEntry, HoursAmendment
from tests import route_world
from tests.factories import sign_in_as


def _hours_url(customer, entry_id, action):
    return f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/hours/entries/{entry_id}/{action}"


def _activity(on, hours_text="2", **extra):
    return {"on": on.isoformat(), "activity": "cv_and_applications", "source": "provider", "mode": "face_to_face",
            "hours": hours_text, "description": "Rewrote CV", "objective": "", **extra}


# Finding 6 ------------------------------------------------------------------------------------------


def test_f6_subcontractor_staff_cannot_change_or_remove_the_primes_hours_entries(client, world):
    customer = world.customers["sub_assigned"]
    week = f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/hours/{route_world.THIS_WEEK.isoformat()}"
    sign_in_as(client, world.users["ses_adviser"])
    assert client.post(week, data=_activity(route_world.THIS_WEEK)).status_code == 302
    primes = db.session.scalar(select(HoursEntry))
    for who in ("sub_adviser", "sub_manager"):
        sign_in_as(client, world.users[who])
        assert client.get(_hours_url(customer, primes.id, "change")).status_code == 403
        changed = client.post(_hours_url(customer, primes.id, "change"),
                              data=_activity(route_world.THIS_WEEK, "9", lock_version=str(primes.lock_version)))
        removed = client.post(_hours_url(customer, primes.id, "remove"), data={"reason": "mine now"})
        assert (changed.status_code, removed.status_code) == (403, 403)
        assert 'hours/entries/%d/change' % primes.id not in client.get(week).get_data(as_text=True)
    db.session.expire_all()
    assert (primes.quarters, primes.removed_at) == (8, None)
    assert db.session.scalars(select(HoursAmendment)).all() == []

    # Their own entries they still change and remove.
    sign_in_as(client, world.users["sub_adviser"])
    assert client.post(week, data=_activity(route_world.THIS_WEEK, source="subcontractor")).status_code == 302
    own = db.session.scalar(select(HoursEntry).where(HoursEntry.id != primes.id))
    assert client.post(_hours_url(customer, own.id, "change"),
                       data=_activity(route_world.THIS_WEEK, "3", source="subcontractor",
                                      lock_version=str(own.lock_version))).status_code == 302
    assert client.post(_hours_url(customer, own.id, "remove"), data={"reason": ""}).status_code == 302
    # The prime's staff keep the whole record, the sub-contractor's entries too.
    sign_in_as(client, world.users["ses_adviser"])
    assert client.get(_hours_url(customer, primes.id, "change")).status_code == 200


# Finding 7 ------------------------------------------------------------------------------------------


def _plan_section(client, world):
    from portal.models import Plan

    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    assert client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}").status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id))
    return f"/customers/{customer.id}/plan/{plan.versions[0].id}/sections/needs"


def _replay(client, token):
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = token
        session["_fresh"] = True


def _end_every_session(world, reason):
    from portal.models import UserSession
    from portal.models.base import utcnow

    for row in db.session.scalars(select(UserSession)).all():
        row.ended_at, row.ended_reason = utcnow(), reason
    db.session.commit()


def _drafts():
    from portal.models import UnsavedDraft

    db.session.expire_all()
    return db.session.scalars(select(UnsavedDraft)).all()


def test_f7_a_signed_out_cookie_plants_no_draft(client, world):
    url = _plan_section(client, world)
    token = sign_in_as(client, world.users["ses_adviser"])
    assert client.post("/sign-out").status_code == 302
    _replay(client, token)
    response = client.post(url, data={"needs_assessment": "Planted after sign-out"})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert _drafts() == []
    sign_in_as(client, world.users["ses_adviser"])
    assert "Planted after sign-out" not in client.get(url).get_data(as_text=True)


def test_f7_a_revoked_or_unknown_session_plants_no_draft(client, world):
    url = _plan_section(client, world)
    token = sign_in_as(client, world.users["ses_adviser"])
    _end_every_session(world, "account disabled")
    _replay(client, token)
    client.post(url, data={"needs_assessment": "Planted after revocation"})
    _replay(client, "no-such-session-token")
    client.post(url, data={"needs_assessment": "Planted with an unknown token"})
    assert _drafts() == []


def test_f7_a_timed_out_session_keeps_its_draft_until_its_user_signs_in_again(client, world):
    from portal.models import UserSession

    url = _plan_section(client, world)
    old = sign_in_as(client, world.users["ses_adviser"])
    for row in db.session.scalars(select(UserSession)).all():
        row.last_seen_at = row.last_seen_at - timedelta(minutes=31)
    db.session.commit()
    _replay(client, old)
    client.post(url, data={"needs_assessment": "Typed while the session ran out"})
    assert len(_drafts()) == 1
    # Signed in again (and out): the timed-out cookie can no longer plant anything.
    sign_in_as(client, world.users["ses_adviser"])
    assert "Typed while the session ran out" in client.get(url).get_data(as_text=True)
    client.post("/sign-out")
    _replay(client, old)
    client.post(url, data={"needs_assessment": "Planted with the old cookie"})
    assert _drafts() == []


# Finding 9 ------------------------------------------------------------------------------------------

HUGE_IDS = (2**31, 2**63, 10**30)


def _with_huge(rule, rw, value):
    values = dict(rw.values())
    for argument in rule.arguments:
        if rule._converters[argument].__class__.__name__ in ("IdConverter", "IntegerConverter"):
            values[argument] = value
    return route_world.url_for_rule(rule, values)


def test_f9_an_id_above_2_63_on_every_int_route_answers_404_not_500(app, client, world):
    rw = route_world.build(client, world)
    int_rules = [r for r in app.url_map.iter_rules()
                 if any(c.__class__.__name__ in ("IdConverter", "IntegerConverter") for c in r._converters.values())]
    assert len(int_rules) > 30
    for who in ("ses_manager", "inspector", "admin"):
        sign_in_as(client, world.users[who])
        answers = {}
        for rule in int_rules:
            for value in HUGE_IDS:
                url = _with_huge(rule, rw, value)
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    answers[f"{method} {url}"] = client.open(url, method=method).status_code
        # 404, as for any missing record (405 where Werkzeug finds a same-path rule for another method first).
        assert {k: v for k, v in answers.items() if v not in (404, 405)} == {}
        assert list(answers.values()).count(404) > len(answers) * 0.9
    # The largest id a database holds is just a missing record, never a 500.
    sign_in_as(client, world.users["ses_manager"])
    biggest = [client.get(_with_huge(r, rw, 2**31 - 1)).status_code for r in int_rules if "GET" in r.methods]
    assert max(biggest) < 500


def test_f9_deeply_nested_json_to_the_api_answers_400(client, world):
    from tests.test_api import issue_token

    token = issue_token(client, world)
    for body in ("[" * 100_000 + "]" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000, "[" * 40 + "]" * 40):
        response = client.post("/api/v1/referrals", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k{len(body)}"})
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        assert response.is_json and "nested" in response.get_data(as_text=True)


def _pdf_with_object(body):
    head = b"%PDF-1.7\n"
    obj = b"1 0 obj\n" + body + b"\nendobj\n"
    xref = len(head + obj)
    return (head + obj + b"xref\n0 2\n0000000000 65535 f \n%010d 00000 n \ntrailer\n<</Size 2 /Root 1 0 R>>\n"
            b"startxref\n%d\n%%%%EOF\n" % (len(head), xref))


def test_f9_a_deeply_nested_or_malformed_pdf_on_the_public_verify_page_is_not_a_500(client, app_context):
    import io

    hostile = [_pdf_with_object(b"[" * 50_000 + b"]" * 50_000), _pdf_with_object(b"<</A " * 20_000 + b">>" * 20_000),
               b"%PDF-1.7\n1 0 obj<<", b"%PDF-1.7\n" + b"\xff" * 5000, _pdf_with_object(b"<</Type /Catalog /AcroForm 9 0 R>>")]
    for data in hostile:
        response = client.post("/verify/", data={"document": (io.BytesIO(data), "plan.pdf")},
                               content_type="multipart/form-data")
        assert response.status_code < 500
        page = response.get_data(as_text=True)
        assert "Traceback" not in page and "RecursionError" not in page


def test_f9_the_demo_password_is_deny_listed():
    from portal.security.passwords import password_problem

    for candidate in ("portal demo password", "Portal Demo Password", "portal demo password 2"):
        assert password_problem(candidate, email="someone@provider.example") is not None, candidate


def test_f9_trace_answers_405_with_an_allow_header(client, world):
    for url in ("/", "/sign-in", "/verify/", "/api/v1/referrals"):
        response = client.open(url, method="TRACE")
        assert response.status_code == 405, url
        assert response.headers.get("Allow"), url
        assert "TRACE" not in response.headers["Allow"]


# Finding 5 ------------------------------------------------------------------------------------------


def _transfer(client, world, customer):
    from tests.route_world import date_fields

    referral = customer.referrals[0]
    sign_in_as(client, world.users["ses_manager"])
    response = client.post(f"/customers/{customer.id}/referrals/{referral.id}/transfer", data={
        "organisation": str(world.orgs["ses_b"].id), "reason": "Moved house", **date_fields("effective_on", route_world.TODAY)})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return referral


def test_f5_after_a_transfer_the_former_provider_sees_no_dwp_field_records_no_consent_and_no_other_staff(client, world):
    from portal.models import Consent, ReferralStatus

    customer = world.customers["sub_assigned"]
    sign_in_as(client, world.users["ses_adviser"])
    week = f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/hours/{route_world.THIS_WEEK.isoformat()}"
    assert client.post(week, data=_activity(route_world.THIS_WEEK)).status_code == 302
    referral = _transfer(client, world, customer)
    assert db.session.get(type(referral), referral.id).status == ReferralStatus.TRANSFERRED
    # The receiving provider works with the customer, leaving traces in the access log.
    sign_in_as(client, world.users["ses_b_adviser"])
    receiving = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Assigned Tosub" in receiving and "NE1 1AA" in receiving

    for who in ("ses_adviser", "ses_manager", "sub_adviser"):
        sign_in_as(client, world.users[who])
        page = client.get(f"/customers/{customer.id}")
        assert page.status_code == 200  # read-only access to its own records, for a year
        text = page.get_data(as_text=True)
        for value in ("Assigned Tosub", "NE1 1AA", "1 Test Street", "07700 900123", "customer@mail.example",
                      "Universal Credit", "Alex"):
            assert value not in text, (who, value)
        assert client.get(week).status_code == 200  # its own hours, read-only
        assert client.post(week, data=_activity(route_world.THIS_WEEK)).status_code == 403
    sign_in_as(client, world.users["ses_adviser"])
    before = db.session.scalars(select(Consent)).all()
    assert client.get(f"/customers/{customer.id}/consents/new").status_code == 403
    response = client.post(f"/customers/{customer.id}/consents/new", data={
        "kind": "data_sharing", **route_world.date_fields("given_on", route_world.TODAY)})
    assert response.status_code == 403 and db.session.scalars(select(Consent)).all() == before

    sign_in_as(client, world.users["ses_manager"])
    log = client.get(f"/customers/{customer.id}/access-log").get_data(as_text=True)
    assert "adviser@ses_b.example" not in log and "manager@ses_b.example" not in log
    assert "adviser@ses.example" in log  # its own staff it still sees


def test_f5_a_former_provider_loses_the_customer_a_year_after_the_referral_ended(client, world):
    from datetime import date

    from portal.models import ReferralStatus
    from tests.factories import make_customer

    long_ago = make_customer(world.orgs["ses"], "SES", status=ReferralStatus.COMPLETED, referred_days_ago=500,
                             first_name="Long", last_name="Gone")
    lately = make_customer(world.orgs["ses"], "SES", status=ReferralStatus.COMPLETED, referred_days_ago=60,
                           first_name="Lately", last_name="Done")
    assert long_ago.referrals[0].ended_on < date.today() - timedelta(days=365)
    sign_in_as(client, world.users["ses_manager"])
    assert client.get(f"/customers/{long_ago.id}").status_code == 404
    assert client.get(f"/customers/{lately.id}").status_code == 200
    caseload = client.get("/caseload/?status=completed").get_data(as_text=True)
    assert long_ago.reference not in caseload and lately.reference in caseload
    assert "Lately Done" not in caseload  # completed: no DWP-held field, the name included
    sign_in_as(client, world.users["inspector"])
    assert client.get(f"/customers/{long_ago.id}").status_code == 200


# Finding 10 -----------------------------------------------------------------------------------------


def test_f10_provider_managers_see_their_own_packs_but_not_those_an_inspector_built_about_them(client, world):
    from portal.models import InspectionPack

    programme_id = world.customers["ses_started"].referrals[0].programme_id
    form = {"organisation_id": str(world.orgs["ses"].id), "programme_id": str(programme_id),
            **route_world.date_fields("date_from", route_world.TODAY - timedelta(days=7)),
            **route_world.date_fields("date_to", route_world.TODAY)}
    sign_in_as(client, world.users["inspector"])
    assert client.post("/inspection-packs/", data=form).status_code == 302
    inspectors = db.session.scalar(select(InspectionPack))
    sign_in_as(client, world.users["ses_manager"])
    assert client.post("/inspection-packs/", data=form).status_code == 302
    own = db.session.scalar(select(InspectionPack).where(InspectionPack.id != inspectors.id))

    listing = client.get("/inspection-packs/").get_data(as_text=True)
    assert f"/inspection-packs/{own.id}" in listing and f"/inspection-packs/{inspectors.id}" not in listing
    for suffix in ("", "/progress", "/download"):
        assert client.get(f"/inspection-packs/{inspectors.id}{suffix}").status_code == 404, suffix
        assert client.get(f"/inspection-packs/{own.id}{suffix}").status_code == 200, suffix
    # The inspector keeps their own.
    sign_in_as(client, world.users["inspector"])
    assert client.get(f"/inspection-packs/{inspectors.id}/download").status_code == 200
