"""Every role × every route (issue 2): the status each role gets, written out as a matrix an inspector can read.

The routes come from `app.url_map`, so a new route fails this test until it has a row here.
"""
import re
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent
from tests import route_world
from tests.factories import sign_in_as

ROLES = ["anonymous", "ses_adviser", "ses_manager", "sub_adviser", "sub_manager", "ses_b_adviser", "j2e_manager",
         "officer", "inspector", "admin", "dea"]


OK = " ok"  # allowed, and a POST that would change something: its behaviour is tested with its feature

# Columns: anonymous, SES prime adviser, SES prime manager, sub-contractor adviser, sub-contractor manager,
# another SES provider's adviser, J2E manager, DWP referral officer, DWP inspector, system administrator,
# DWP Disability Employment Adviser (R-WC-1: reads Work Choice customers only, so the SES customer is 404).
# The customer is the SES prime's, assigned to its sub-contractor; the job club is the J2E organisation's;
# the staff member is an adviser of the SES prime. 404 = another organisation's record, answered exactly as
# a missing one (R-DATA-6); 403 = the role may never do this.
MATRIX = {
    "GET /": "302 302 302 302 302 302 302 302 302 302 302",
    "GET /account": "302 200 200 200 200 200 200 200 200 200 200",
    "GET /account/reminders": "302 200 200 200 200 200 200 403 403 403 403",
    "GET /queue": "302 200 200 200 200 200 200 403 403 403 403",
    "POST /queue/referrals/<int:referral_id>/adviser": "302 403  ok 403 403 403 404 403 403 403 403",
    "POST /session/keep-alive": "302  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    "GET /sign-in": "200 302 302 302 302 302 302 302 302 302 302",
    "GET /sign-in/code": "302 302 302 302 302 302 302 302 302 302 302",
    "GET /sign-in/set-up-authenticator": "302 302 302 302 302 302 302 302 302 302 302",
    "POST /sign-out": "302  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    "GET /forgot-password": "200 200 200 200 200 200 200 200 200 200 200",
    "GET /reset-password/<token>": "404 404 404 404 404 404 404 404 404 404 404",
    "GET /invitation/<token>": "404 404 404 404 404 404 404 404 404 404 404",
    "GET /sign/<token>": "404 404 404 404 404 404 404 404 404 404 404",
    "GET /sign/<token>/plan": "404 404 404 404 404 404 404 404 404 404 404",
    "GET /employer-sign/<token>": "404 404 404 404 404 404 404 404 404 404 404",
    "GET /employer-sign/<token>/agreement": "404 404 404 404 404 404 404 404 404 404 404",
    "GET /employer-sign/<token>/agreement.pdf": "404 404 404 404 404 404 404 404 404 404 404",
    "GET /healthz": "200 200 200 200 200 200 200 200 200 200 200",
    "GET /static/<path:filename>": "200 200 200 200 200 200 200 200 200 200 200",
    # System administration: administrators only.
    "GET /admin/api-clients": "302 403 403 403 403 403 403 403 403 200 403",
    "POST /admin/api-clients/<int:client_id>/tokens": "302 403 403 403 403 403 403 403 403  ok 403",
    "POST /admin/api-clients/<int:client_id>/tokens/<int:token_id>/revoke": "302 403 403 403 403 403 403 403 403  ok 403",
    "GET /admin/dwp-staff": "302 403 403 403 403 403 403 403 403 200 403",
    "GET /admin/dwp-staff/invite": "302 403 403 403 403 403 403 403 403 200 403",
    "GET /admin/organisations": "302 403 403 403 403 403 403 403 403 200 403",
    "GET /admin/organisations/<int:organisation_id>": "302 403 403 403 403 403 403 403 403 200 403",
    "GET /admin/organisations/new": "302 403 403 403 403 403 403 403 403 200 403",
    "GET /admin/outbox": "302 403 403 403 403 403 403 403 403 200 403",
    "GET /data-policy": "302 403 403 403 403 403 403 403 200 200 403",
    # Inspections: the administrator opens and closes them; the inspector's is of the SES prime.
    "GET /admin/inspections": "302 403 403 403 403 403 403 403 403 200 403",
    "GET /admin/inspections/new": "302 403 403 403 403 403 403 403 403 200 403",
    "POST /admin/inspections/<int:inspection_id>/close": "302 403 403 403 403 403 403 403 403  ok 403",
    "GET /inspections/": "302 403 403 403 403 403 403 403 200 403 403",
    "GET /inspections/<int:inspection_id>": "302 403 403 403 403 403 403 403 200 403 403",
    "GET /inspections/<int:inspection_id>/customers/<figure>": "302 403 403 403 403 403 403 403 200 403 403",
    "GET /inspections/<int:inspection_id>/sample": "302 403 403 403 403 403 403 403 200 403 403",
    "POST /inspections/<int:inspection_id>/sample/add": "302 403 403 403 403 403 403 403  ok 403 403",
    "POST /inspections/<int:inspection_id>/sample/pack": "302 403 403 403 403 403 403 403  ok 403 403",
    # The route world's customer is not in the sample: its checklist answers 404 (the sample is tested with its feature).
    "GET /inspections/<int:inspection_id>/sample/<int:customer_id>": "302 403 403 403 403 403 403 403 404 403 403",
    # Findings: the inspector records and decides; the inspected organisation's managers answer (the
    # route world's finding is on the SES prime, so the sub-contractor's and the J2E manager get 404).
    "GET /inspections/<int:inspection_id>/findings": "302 403 403 403 403 403 403 403 200 403 403",
    "GET /inspections/<int:inspection_id>/sample/checklist": "302 403 403 403 403 403 403 403 200 403 403",
    "GET /inspections/<int:inspection_id>/close": "302 403 403 403 403 403 403 403 200 403 403",
    "GET /inspections/<int:inspection_id>/report": "302 403 403 403 403 403 403 403 200 403 403",
    "GET /inspections/<int:inspection_id>/report/<kind>/<lang>": "302 403 403 403 403 403 403 403 404 403 403",
    "GET /findings/inspections/<int:inspection_id>/report": "302 403 404 403 404 403 404 403 403 403 403",
    "GET /findings/inspections/<int:inspection_id>/report/<kind>/<lang>": "302 403 404 403 404 403 404 403 403 403 403",
    "GET /inspections/<int:inspection_id>/audit": "302 403 403 403 403 403 403 403 200 403 403",
    "GET /inspections/<int:inspection_id>/audit.csv": "302 403 403 403 403 403 403 403 200 403 403",
    "GET /inspections/<int:inspection_id>/findings/new": "302 403 403 403 403 403 403 403 200 403 403",
    "GET /inspections/<int:inspection_id>/findings/<int:finding_id>": "302 403 403 403 403 403 403 403 200 403 403",
    "GET /findings/": "302 403 200 403 200 403 200 403 403 403 403",
    "GET /findings/<int:finding_id>": "302 403 200 403 404 403 404 403 403 403 403",
    # The API takes bearer tokens only: a signed-in session is not enough.
    "GET /api/v1/openapi.json": "200 200 200 200 200 200 200 200 200 200 200",
    "POST /api/v1/referrals": "401 401 401 401 401 401 401 401 401 401 401",
    "GET /api/v1/referrals/<int:referral_id>": "401 401 401 401 401 401 401 401 401 401 401",
    # DWP referrals.
    "GET /referrals/": "302 403 403 403 403 403 403 200 200 403 200",
    "GET /referrals/new": "302 403 403 403 403 403 403 200 403 403 403",
    "POST /referrals/<int:referral_id>/confirm-eligibility": "302 403 403 403 403 403 403  ok 403 403 403",
    # Management information (R-MI-1): managers (their organisation, not a sub-contractor's), DWP referral
    # officers and inspectors (their open inspections' providers); the per-referral extract for DWP roles only.
    "GET /mi/": "302 403 200 403 403 403 200 200 200 403 403",
    "GET /mi/figures.csv": "302 403 200 403 403 403 200 200 200 403 403",
    "GET /mi/customers": "302 403 200 403 403 403 200 200 200 403 403",
    "GET /mi/extract.csv": "302 403 403 403 403 403 403 200 200 403 403",
    # Caseload and staff.
    "GET /caseload/": "302 200 200 200 200 200 200 403 403 403 403",
    "GET /caseload/export.csv": "302 403 200 403 403 403 200 403 403 403 403",
    "GET /caseload/hours": "302 200 200 200 200 200 200 403 200 403 403",
    "GET /caseload/hours.csv": "302 403 200 403 403 403 200 403 403 403 403",
    "GET /staff/": "302 403 200 403 200 403 200 403 403 403 403",
    "GET /staff/invite": "302 403 200 403 200 403 200 403 403 403 403",
    "POST /staff/<int:user_id>/disable": "302 403  ok 403 404 403 404 403 403 403 403",
    "POST /staff/<int:user_id>/enable": "302 403  ok 403 404 403 404 403 403 403 403",
    # Job clubs (J2E cohorts).
    "GET /clubs/": "302 200 200 200 200 200 200 403 403 403 403",
    "GET /clubs/new": "302 403 404 403 403 403 200 403 403 403 403",
    "GET /clubs/<int:cohort_id>": "302 404 404 404 404 404 200 403 403 403 403",
    "GET /clubs/<int:cohort_id>/session": "302 404 404 404 404 404 200 403 403 403 403",
    # A customer.
    "GET /customers/<int:customer_id>": "302 200 200 200 200 404 404 200 200 403 404",
    "GET /customers/<int:customer_id>/access-log": "302 403 200 403 403 403 404 403 200 403 403",
    # Subject access (UK GDPR Art. 15) goes through DWP: the referral officer exports everything.
    "GET /customers/<int:customer_id>/subject-access.zip": "302 403 403 403 403 403 403 200 403 403 403",
    "GET /customers/<int:customer_id>/consents/": "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/consents/new": "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/consents/<int:consent_id>/withdraw": "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/<any(start, complete, exit):action>":
        "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/circumstances": "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/transfer": "302 403 200 403 403 403 404 200 403 403 403",
    "POST /customers/<int:customer_id>/referrals/<int:referral_id>/adviser": "302 403  ok 403 403 403 404 403 403 403 403",
    "POST /customers/<int:customer_id>/referrals/<int:referral_id>/subcontractor":
        "302 403  ok 403 403 403 404 403 403 403 403",
    # The plan: sub-contractors and inspectors read it; the prime's staff write it.
    "GET /customers/<int:customer_id>/plan/": "302 200 200 200 200 404 404 403 200 403 404",
    "POST /customers/<int:customer_id>/plan/start/<int:referral_id>": "302  ok  ok 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plan/compare": "302 200 200 200 200 404 404 403 200 403 404",
    "GET /customers/<int:customer_id>/plan/<int:version_id>": "302 200 200 200 200 404 404 403 200 403 404",
    "GET /customers/<int:customer_id>/plan/<int:plan_id>/distance": "302 200 200 200 200 404 404 403 200 403 404",
    "GET /customers/<int:customer_id>/plan/<int:plan_id>/reviews": "302 200 200 200 200 404 404 403 200 403 404",
    # The in-work support agreement (R-ISP-12): read like the plan; written and signed by the prime's staff only.
    "GET /customers/<int:customer_id>/plans/<int:plan_id>/in-work": "302 200 200 200 200 404 404 403 200 403 404",
    "GET /customers/<int:customer_id>/plans/<int:plan_id>/in-work/document.pdf": "302 200 200 200 200 404 404 403 200 403 404",
    "POST /customers/<int:customer_id>/plans/<int:plan_id>/in-work/start": "302  ok  ok 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plans/<int:plan_id>/in-work/edit": "302 200 200 403 403 404 404 403 403 403 403",
    "POST /customers/<int:customer_id>/plans/<int:plan_id>/in-work/taper": "302  ok  ok 403 403 404 404 403 403 403 403",
    "POST /customers/<int:customer_id>/plans/<int:plan_id>/in-work/send": "302  ok  ok 403 403 404 404 403 403 403 403",
    "POST /customers/<int:customer_id>/plans/<int:plan_id>/in-work/taper/<int:item_id>/remove": "302  ok  ok 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plans/<int:plan_id>/in-work/sign/<any(customer, employer, provider):party>": "302 302 302 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plans/<int:plan_id>/in-work/employer-link": "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plans/<int:plan_id>/in-work/checks": "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plan/<int:plan_id>/revise": "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plan/<int:version_id>/sections/<section>": "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plan/<int:version_id>/items/<section>": "302 200 200 200 200 404 404 403 200 403 404",
    "GET /customers/<int:customer_id>/plan/<int:version_id>/items/<section>/new": "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plan/<int:version_id>/items/<section>/<int:item_id>":
        "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plan/<int:version_id>/items/<section>/<int:item_id>/remove":
        "302 200 200 403 403 404 404 403 403 403 403",
    "POST /customers/<int:customer_id>/plan/<int:version_id>/send": "302  ok  ok 403 403 404 404 403 403 403 403",
    "POST /customers/<int:customer_id>/plan/<int:version_id>/draft": "302  ok  ok 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plan/<int:version_id>/sign/<int:party_id>": "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plan/<int:version_id>/signed": "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plan/<int:version_id>/signing-link/<int:party_id>":
        "302 200 200 403 403 404 404 403 403 403 403",
    # R-ISP-11 / R-WC-1: progress against the agreed plan, and Work Choice strands (the route world's plan is
    # SES, which has no strands: 404; their behaviour is tested in tests/test_plan_progress.py). Only the
    # Disability Employment Adviser approves a move to longer-term support.
    "GET /customers/<int:customer_id>/plan/<int:version_id>/progress/<kind>/<int:item_id>":
        "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plan/<int:plan_id>/work-choice": "302 404 404 404 404 404 404 403 404 403 404",
    "GET /customers/<int:customer_id>/plan/<int:plan_id>/work-choice/strand": "302 404 404 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/plan/<int:plan_id>/work-choice/approval":
        "302 403 403 403 403 403 403 403 403 403 404",
    "GET /customers/<int:customer_id>/plan/<int:plan_id>/work-choice/quality-check":
        "302 404 404 403 403 404 404 403 403 403 403",
    # Documents: whoever reads the plan downloads it; the prime's staff record the customer's copy.
    "GET /customers/<int:customer_id>/plan/<int:version_id>/documents": "302 200 200 200 200 404 404 403 200 403 404",
    "GET /customers/<int:customer_id>/plan/<int:version_id>/documents/<kind>": "302 200 200 200 200 404 404 403 200 403 404",
    "POST /customers/<int:customer_id>/plan/<int:version_id>/copies": "302  ok  ok 403 403 404 404 403 403 403 403",
    # Inspection packs: inspectors (their own packs) and provider managers (their organisation's).
    "GET /inspection-packs/": "302 403 200 403 403 403 200 403 200 403 403",
    "GET /inspection-packs/<int:pack_id>": "302 403 200 403 403 403 404 403 404 403 403",
    "GET /inspection-packs/<int:pack_id>/progress": "302 403 200 403 403 403 404 403 404 403 403",
    "GET /inspection-packs/<int:pack_id>/download": "302 403 200 403 403 403 404 403 404 403 403",
    # The public verification page (no code in the route world is a real one).
    "GET /verify/": "200 200 200 200 200 200 200 200 200 200 200",
    "GET /verify/<code>": "404 404 404 404 404 404 404 404 404 404 404",
    # The seal's root certificate and CRL, for anyone's validator (issue 17).
    "GET /verify/portal-root.crt": "200 200 200 200 200 200 200 200 200 200 200",
    "GET /verify/portal-root.crl": "200 200 200 200 200 200 200 200 200 200 200",
    # Weekly hours: the sub-contractor records the hours it delivers and changes only its own (the route
    # world's entry is the prime's); inspectors read.
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/hours/": "302 200 200 200 200 404 404 403 200 403 403",
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/hours/<week>": "302 200 200 200 200 404 404 403 200 403 403",
    "POST /customers/<int:customer_id>/referrals/<int:referral_id>/hours/<week>": "302  ok  ok  ok  ok 404 404 403 403 403 403",
    "POST /customers/<int:customer_id>/referrals/<int:referral_id>/hours/<week>/copy-previous":
        "302  ok  ok  ok  ok 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/hours/entries/<int:entry_id>/change":
        "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/hours/entries/<int:entry_id>/remove":
        "302 200 200 403 403 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/hours/summary": "302 200 200 200 200 404 404 403 200 403 403",
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/hours/export.csv":
        "302 200 200 200 200 404 404 403 200 403 403",
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/hours/job/new": "302 200 200 200 200 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/hours/job/<int:job_id>/weeks":
        "302 200 200 200 200 404 404 403 403 403 403",
    # R-OUT-1: changing and ending a job, as recording one.
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/hours/job/<int:job_id>/change": "302 200 200 200 200 404 404 403 403 403 403",
    "GET /customers/<int:customer_id>/referrals/<int:referral_id>/hours/job/<int:job_id>/end": "302 200 200 200 200 404 404 403 403 403 403",
}


def route_key(rule):
    return f"{'GET' if 'GET' in rule.methods else 'POST'} {rule.rule}"


def test_every_route_has_a_row_in_the_matrix(app):
    routes = {route_key(rule) for rule in app.url_map.iter_rules()}
    assert sorted(routes - MATRIX.keys()) == [], "routes missing from the role × route matrix"
    assert sorted(MATRIX.keys() - routes) == [], "rows for routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_status_the_matrix_gives_on_every_route(app, client, world, role):
    rw = route_world.build(client, world)
    if role != "anonymous":
        sign_in_as(client, world.users[role])
    column = ROLES.index(role)
    wrong = []
    for rule in app.url_map.iter_rules():
        expected = MATRIX[route_key(rule)].split()[column]
        if expected == "ok":
            continue
        method, url, data = route_world.request_for(rule, rw)
        response = client.open(url, method=method, data=data)
        if str(response.status_code) != expected:
            wrong.append(f"{method} {url}: expected {expected}, got {response.status_code}")
        elif expected == "302" and role == "anonymous" and rule.endpoint not in ANONYMOUS_REDIRECTS_ELSEWHERE:
            if not response.headers["Location"].startswith("/sign-in"):
                wrong.append(f"{method} {url}: sent to {response.headers['Location']}, not to sign in")
    assert wrong == []


# Public steps of the sign-in that, with no sign-in under way, send a visitor back to its start.
ANONYMOUS_REDIRECTS_ELSEWHERE = {"auth.enter_code", "auth.set_up_authenticator"}


def test_another_organisations_customer_answers_404_like_a_missing_one_and_is_audited(client, world):
    other = world.customers["ses_started"]
    sign_in_as(client, world.users["lse_adviser"])
    missing = client.get("/customers/999999")
    response = client.get(f"/customers/{other.id}")
    assert response.status_code == missing.status_code == 404
    def without_nonce(r):
        text = re.sub(r'nonce="[^"]*"', "", r.get_data(as_text=True))
        return re.sub(r'"[\w-]+\.[\w-]{6}\.[\w-]{27}"', '"csrf"', text)  # signed CSRF tokens carry the second

    assert without_nonce(response) == without_nonce(missing)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.out_of_scope")).all()
    assert [(e.actor_id, e.subject_id) for e in events] == [(world.users["lse_adviser"].id, other.id)]


def test_a_forbidden_request_is_audited(client, world):
    sign_in_as(client, world.users["ses_adviser"])
    assert client.get("/admin/organisations").status_code == 403
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access.forbidden"))
    assert event is not None and event.actor_id == world.users["ses_adviser"].id


# Not a change to anyone else's record: their own session and their own password, the inspection
# packs an inspector builds (tests/test_documents_service.py), and the inspection's own sample and
# findings (tests/test_inspections.py).
OWN_SESSION = {"auth.sign_out", "home.keep_alive", "home.account", "packs.index", "inspections.sample",
               "inspections.sample_pack",
               "inspections.add_to_sample", "inspections.new_finding", "inspections.finding",
               "inspections.close_and_report"}
# What any request writes about itself, not about a customer.
BOOKKEEPING = {"audit_event", "audit_event_customer", "user_session"}


def snapshot():
    tables = [t for t in db.metadata.sorted_tables if t.name not in BOOKKEEPING]
    return {t.name: sorted(map(tuple, db.session.execute(select(t)).all()), key=repr) for t in tables}


def test_an_inspector_may_change_nothing_every_post_answers_403_and_the_database_is_unchanged(app, client, world):
    rw = route_world.build(client, world)
    sign_in_as(client, world.users["inspector"])
    before = snapshot()
    answered = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "POST" not in rule.methods or getattr(view, "is_public", False) or rule.endpoint in OWN_SESSION \
                or rule.endpoint.startswith("api."):
            continue
        _method, url, _data = route_world.request_for(rule, rw)
        answered[url] = client.post(url, data={"reason": "inspector", "what": "x", "hours": "1"}).status_code
    assert len(answered) > 30
    assert {url: status for url, status in answered.items() if status != 403} == {}
    db.session.expire_all()
    assert snapshot() == before
