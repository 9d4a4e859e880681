"""The DWP data canary (issue 3, R-DATA-1..6): a customer whose every DWP field holds a unique marker.

Each provider role, with and without the customer's consent, requests every GET route of the
application (walked from `app.url_map`, so new routes are covered without touching this file),
including the CSV downloads, in English and in Welsh, then posts every form about a customer. No marker of a field the policy hides may appear
in any body, header or file name. Positive controls prove the crawl reaches the pages that show data.
"""
import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ReferralStatus
from tests import route_world
from tests.factories import make_customer, sign_in_as

MARKERS = {
    "nino": "ZX739155D",
    "date_of_birth": "1961",  # born 23 July 1961: no other date on any page is in 1961
    "address": "Canaryaddress Lane",
    "postcode": "CQ9 9QC",
    "phone": "07700 900987",
    "email": "canary.customer@mail.example",
    "benefit_type": "Incapacity Benefit",
    "wca_group": "ESA support group",
    "wca_decision_date": "1998",  # decided 14 February 1998
    "health_summary": "Canaryhealth summary",
    "medical_details": "Canarymedical details",
    "sanction_history": "Canarysanction history",
    "regulation_29": "Regulation 29",
    "armed_forces": "Armed forces",
    "jobcentre": "Canaryjobcentre",
    "work_coach": "Canarycoach",
}
MASKED_NINO = "55 D"
ALWAYS_HIDDEN = {"sanction_history", "regulation_29", "armed_forces"}  # R-DATA-4
J2E_SEES = set()  # R-DATA-2: name, appointments, language and format only; none of the markers

CANARY_FACTS = dict(
    nino=MARKERS["nino"], date_of_birth=date(1961, 7, 23), address="12 Canaryaddress Lane", postcode="CQ9 9QC",
    phone="07700 900987", email="canary.customer@mail.example", benefit_type="IB", wca_group="SUPPORT",
    wca_decision_date=date(1998, 2, 14), health_summary="Canaryhealth summary", medical_details="Canarymedical details",
    sanction_history="Canarysanction history", regulation_29=True, armed_forces=True, jobcentre="Canaryjobcentre",
    work_coach="Canarycoach",
)

# (scenario, organisation, programme, who looks, health items the customer agreed to share,
#  fields that must be visible (positive controls), fields that must never appear)
BASIC = {"address", "postcode", "phone", "email"}
# Jobcentre and work coach are not in DOMAIN §3's table; the seeded policy gives them to accredited providers
# so the job coach can liaise with the customer's work coach.
PROVIDER_FULL = BASIC | {"date_of_birth", "benefit_type", "wca_group", "wca_decision_date", "jobcentre", "work_coach"}
SCENARIOS = [
    ("J2E adviser", "j2e", "J2E", "j2e_adviser", ("health_summary", "medical_details"), set()),
    ("SES adviser, no health consent", "ses", "SES", "ses_adviser", (), PROVIDER_FULL),
    ("SES adviser, consent to the summary only", "ses", "SES", "ses_adviser", ("health_summary",),
     PROVIDER_FULL | {"health_summary"}),
    ("LSE adviser, no health consent", "lse", "LSE", "lse_adviser", (), PROVIDER_FULL),
    ("Work Choice manager, consent to both", "wc", "WORK_CHOICE", "wc_manager", ("health_summary", "medical_details"),
     PROVIDER_FULL | {"health_summary", "medical_details"}),
    ("sub-contractor adviser, no health consent", "sub", "SES", "sub_adviser", (), BASIC),
    ("sub-contractor adviser, prime's consent to medical details", "sub", "SES", "sub_adviser", ("medical_details",),
     BASIC | {"medical_details"}),
]


def canary_customer(world, organisation_key, code):
    prime = world.orgs["ses"] if organisation_key == "sub" else world.orgs[organisation_key]
    facts = dict(CANARY_FACTS)
    if code == "J2E":
        facts.update(benefit_type="UC", wca_group="LCW", wca_decision_date=date(2018, 1, 8))
    customer = make_customer(prime, code, status=ReferralStatus.STARTED,
                             subcontractor=world.orgs["sub"] if organisation_key == "sub" else None,
                             first_name="Canary", last_name="Customer", **facts)
    world.customers["canary"] = customer
    return customer


def agree_to_health_items(client, world, customer, organisation_key, items):
    recorder = world.users["ses_adviser" if organisation_key == "sub" else f"{organisation_key}_adviser"]
    sign_in_as(client, recorder)
    response = client.post(f"/customers/{customer.id}/consents/new", data={
        "kind": "health", "health_items": list(items),
        **route_world.date_fields("given_on", route_world.TODAY)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def crawl(app, client, rw):
    """Every GET route, filled in for the canary, in English and Welsh: [(url, everything the user received)]."""
    seen = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        _method, url, _data = route_world.request_for(rule, rw)
        for variant in (url, url + ("&" if "?" in url else "?") + "lang=cy"):
            response = client.get(variant)
            headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
            seen.append((variant, response.status_code, headers + "\n" + readable(response.data)))
    return seen


def post_crawl(app, client, rw):
    """Every POST form about a customer, after the GET crawl (it changes things), with the page each
    redirect leads to: form errors, warnings and flash messages are replies too (issue 12, finding 2)."""
    values = rw.values()
    seen = []
    for rule in sorted((r for r in app.url_map.iter_rules() if _about_a_customer(r)),
                       key=lambda r: (r.endpoint not in FIRST, r.rule)):
        url = route_world.url_for_rule(rule, values)
        response = client.post(url, data=_post_data(rule, rw))
        replies = [response]
        if response.status_code in (302, 303):
            replies.append(client.get(response.headers["Location"]))
        for reply in replies:
            headers = "\n".join(f"{k}: {v}" for k, v in reply.headers.items())
            seen.append(("POST " + url, reply.status_code, headers + "\n" + readable(reply.data)))
    return seen


def readable(data):
    """What a person could read in a response: a page, a CSV, the text of a Word document, each file of a zip.
    A PDF's text is glyph codes of subset fonts, so the Word document made from the same context stands in
    for it (the document routes are crawled as docx)."""
    if data.startswith(b"%PDF"):
        return ""
    if data.startswith(b"PK"):
        archive = zipfile.ZipFile(io.BytesIO(data))
        return "\n".join(re.sub(r"<[^>]+>", "", archive.read(name).decode("utf-8", "replace")) if name.endswith(".xml")
                         else readable(archive.read(name)) for name in archive.namelist()
                         if name.endswith((".xml", ".csv", ".txt", ".docx")))
    if data[:1] == b"\x30":  # DER: the seal's root certificate or CRL (issue 17), read byte for byte
        return data.decode("latin-1")
    return data.decode("utf-8")


@pytest.mark.parametrize("scenario, organisation_key, code, who, agreed, visible", SCENARIOS,
                         ids=[s[0] for s in SCENARIOS])
def test_no_hidden_dwp_field_reaches_any_page_download_or_header(app, client, world, scenario, organisation_key, code,
                                                                 who, agreed, visible):
    customer = canary_customer(world, organisation_key, code)
    prime_key = "ses" if organisation_key == "sub" else organisation_key
    rw = route_world.build(client, world, customer_key="canary", organisation_key=prime_key)
    if agreed:
        agree_to_health_items(client, world, customer, organisation_key, agreed)
    with client.session_transaction() as session:
        session.clear()
    sign_in_as(client, world.users[who])

    pages = crawl(app, client, rw) + post_crawl(app, client, rw)
    answered = [url for url, status, _ in pages if status == 200]
    assert [url for url, status, _ in pages if status >= 500] == []  # an error page would hide a leak
    assert any(f"/customers/{customer.id}" in url for url in answered), "the crawl never reached the customer"
    everything = "\n".join(text for _, _, text in pages)

    leaks = {field: [url for url, _, text in pages if marker in text]
             for field, marker in MARKERS.items() if field not in visible}
    assert {field: urls[:3] for field, urls in leaks.items() if urls} == {}
    assert not (ALWAYS_HIDDEN & visible)
    assert "Canary Customer" in everything  # every provider role sees the name
    for field in visible:  # positive controls: the crawl does reach the data the policy allows
        assert MARKERS[field] in everything, f"{scenario}: {field} should be visible"
    if organisation_key in ("ses", "lse", "wc"):
        assert MASKED_NINO in everything  # R-DATA-5: masked, never in full


def test_the_inspector_sees_every_field_including_the_markers_providers_never_see(app, client, world):
    customer = canary_customer(world, "ses", "SES")
    sign_in_as(client, world.users["inspector"])
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    for field in ("nino", "sanction_history", "health_summary", "medical_details", "address"):
        assert MARKERS[field] in page, field


# POST replies (issue 12, finding 2) ------------------------------------------------------------

HIDDEN_BENEFIT = [("J2E adviser", "j2e", "J2E", "j2e_adviser"), ("sub-contractor adviser", "sub", "SES", "sub_adviser")]
FIRST = ("hours.add", "hours.change", "hours.copy_previous")  # the forms R-HRS-5 answers; before anything ends the referral
LONG_DAY = "17"


def twin(world, key, organisation_key, code, benefit):
    prime = world.orgs["ses"] if organisation_key == "sub" else world.orgs[organisation_key]
    customer = make_customer(prime, code, status=ReferralStatus.STARTED, referred_days_ago=62,
                             subcontractor=world.orgs["sub"] if organisation_key == "sub" else None,
                             first_name="Twin", last_name="Customer", benefit_type=benefit, wca_group="WRAG")
    world.customers[key] = customer
    return customer


def _activity(on, hours_text):
    return {"on": on.isoformat(), "activity": "cv_and_applications", "source": "provider", "mode": "face_to_face",
            "hours": hours_text, "description": "Long day of applications", "objective": ""}


def _post_data(rule, rw):
    if rule.endpoint == "hours.add":
        return _activity(route_world.THIS_WEEK, LONG_DAY)
    if rule.endpoint == "hours.change":
        return {**_activity(route_world.THIS_WEEK, LONG_DAY), "lock_version": str(rw.entry.lock_version)}
    return {}


def _about_a_customer(rule):
    return "POST" in rule.methods and ({"customer_id", "referral_id", "cohort_id"} & set(rule.arguments))


def _same_for_both(response):
    """A reply with what legitimately differs between two customers (ids, references, dates, the
    per-request nonce) taken out."""
    headers = {k: v for k, v in response.headers.items() if k not in ("Set-Cookie", "Content-Security-Policy")}
    text = response.get_data(as_text=True) + "\n" + "\n".join(f"{k}: {v}" for k, v in sorted(headers.items()))
    text = re.sub(r'(nonce|csrf_token" value|data-csrf-token|name="once" type="hidden" value)="[^"]*"', r'\1=""', text)
    return response.status_code, re.sub(r"\d+", "#", text)


@pytest.mark.parametrize("scenario, organisation_key, code, who", HIDDEN_BENEFIT, ids=[s[0] for s in HIDDEN_BENEFIT])
def test_f2_r_data_2_no_post_reply_differs_by_a_hidden_benefit_type(app, client, world, scenario, organisation_key,
                                                                    code, who):
    """Issue 12 finding 2: a user who may not see the benefit type gets exactly the same reply for an
    ESA (income-related) customer as for a Universal Credit one, on every POST form about a customer,
    starting with the hours forms' 16-hour confirmation (R-HRS-5, R-DATA-2)."""
    from portal.services import hours as hours_service

    prime_key = "ses" if organisation_key == "sub" else organisation_key
    twins = {"esa": twin(world, "esa", organisation_key, code, "ESA_IR"),
             "plain": twin(world, "plain", organisation_key, code, "UC")}
    worlds = {key: route_world.build(client, world, customer_key=key, organisation_key=prime_key) for key in twins}
    last_monday = route_world.THIS_WEEK - timedelta(days=7)
    for rw in worlds.values():  # last week already long, for "copy last week"
        facts = hours_service.EntryFacts(on=last_monday, activity="cv_and_applications", source="provider",
                                         source_name=None, objective_id=None, mode="face_to_face", quarters=17 * 4,
                                         description="Long day")
        hours_service.record_entry(rw.referral, facts, by=world.users[f"{prime_key}_adviser"], monday=last_monday,
                                   today=route_world.TODAY, esa_confirmed=True, objective_required=False)
    db.session.commit()
    sign_in_as(client, world.users[who])

    rules = sorted((r for r in app.url_map.iter_rules() if _about_a_customer(r)),
                   key=lambda r: (r.endpoint not in FIRST, FIRST.index(r.endpoint) if r.endpoint in FIRST else 0,
                                  r.rule))
    values = {key: rw.values() for key, rw in worlds.items()}  # before the walk removes things
    data = {key: {rule.endpoint: _post_data(rule, rw) for rule in rules} for key, rw in worlds.items()}
    differences, replies = [], []
    for rule in rules:
        answers = {}
        for key in worlds:
            url = route_world.url_for_rule(rule, values[key])
            response = client.post(url, data=data[key][rule.endpoint])
            assert response.status_code < 500, (url, response.status_code)
            answers[key] = [_same_for_both(response)]
            replies.append(response.get_data(as_text=True))
            if response.status_code in (302, 303):  # the page it leads to, with its flash message
                followed = client.get(response.headers["Location"])
                answers[key].append(_same_for_both(followed))
                replies.append(followed.get_data(as_text=True))
        if answers["esa"] != answers["plain"]:
            differences.append(rule.endpoint)
    assert differences == []
    everything = "\n".join(replies)
    assert "Employment and Support Allowance" not in everything
    assert "can be affected by more than 16 hours a week of support" in everything  # asked for both alike


def test_f2_a_user_who_may_see_the_benefit_is_warned_by_name_and_the_reading_is_audited(client, world):
    """The SES adviser may see the benefit type: the warning names it, and each reading of the benefit for
    the 16-hour rule is audited (R-DATA-7) for an ESA customer and a UC customer alike."""
    from portal.models import AuditEvent

    readings = {}
    for benefit in ("ESA_IR", "UC"):
        customer = twin(world, benefit, "ses", "SES", benefit)
        sign_in_as(client, world.users["ses_adviser"])
        url = f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/hours/{route_world.THIS_WEEK.isoformat()}"
        response = client.post(url, data=_activity(route_world.THIS_WEEK, LONG_DAY))
        page = response.get_data(as_text=True)
        assert ("Employment and Support Allowance (income-related)" in page) is (benefit == "ESA_IR")
        readings[benefit] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "hours.esa_checked",
                                     AuditEvent.customer_id == customer.id)).all()
    assert len(readings["ESA_IR"]) == len(readings["UC"]) == 1
    assert all(e.actor_id == world.users["ses_adviser"].id and "benefit_type" in e.detail
               for events in readings.values() for e in events)


# R-CUST-1: what a provider sees of the customer's referrals at other providers -------------------

EARLIER_MARKERS = {"provider": "Canaryearlier Provider", "exit_reason": "Canaryexit reason",
                   "plan": "Canaryplan aspiration"}
EARLIER_PROGRAMME = "Work Choice supported employment"
# (scenario, organisation, programme, who looks, whether the policy shows them the earlier referrals)
EARLIER_SCENARIOS = [
    ("SES adviser", "ses", "SES", "ses_adviser", True),
    ("LSE manager", "lse", "LSE", "lse_manager", True),
    ("J2E adviser", "j2e", "J2E", "j2e_adviser", False),
    ("sub-contractor adviser", "sub", "SES", "sub_adviser", False),
]


def earlier_referral_at_another_provider(world, customer):
    """An earlier Work Choice referral at another provider, ended, with a reason and a plan of its own."""
    from portal.models import Referral, ReferralTransition
    from portal.services import plans
    from tests.factories import make_organisation, make_user, programme
    from portal.models import Role

    organisation = make_organisation(f"{EARLIER_MARKERS['provider']} Ltd", ("WORK_CHOICE",))
    adviser = make_user("adviser@earlier.example", Role.ADVISER, organisation)
    today = date.today()
    referral = Referral(customer_id=customer.id, organisation=organisation, programme=programme("WORK_CHOICE"),
                        status=ReferralStatus.STARTED, started_on=today - timedelta(days=300))
    db.session.add(referral)
    db.session.commit()
    plan = plans.start_plan(customer=customer, referral=referral, by=adviser, customer_name="Canary Customer")
    plan.versions[0].aspirations = EARLIER_MARKERS["plan"]
    referral.status, referral.ended_on = ReferralStatus.EXITED_EARLY, today - timedelta(days=100)
    referral.exit_reason_code, referral.exit_reason_text = "other", EARLIER_MARKERS["exit_reason"]
    db.session.add(ReferralTransition(referral=referral, from_status=ReferralStatus.STARTED,
                                      to_status=ReferralStatus.EXITED_EARLY, effective_on=referral.ended_on,
                                      reason=EARLIER_MARKERS["exit_reason"]))
    db.session.commit()


@pytest.mark.parametrize("scenario, organisation_key, code, who, sees", EARLIER_SCENARIOS,
                         ids=[s[0] for s in EARLIER_SCENARIOS])
def test_r_cust_1_a_provider_sees_only_what_the_policy_allows_of_earlier_referrals(app, client, world, scenario,
                                                                                  organisation_key, code, who, sees):
    customer = canary_customer(world, organisation_key, code)
    prime_key = "ses" if organisation_key == "sub" else organisation_key
    rw = route_world.build(client, world, customer_key="canary", organisation_key=prime_key)
    earlier_referral_at_another_provider(world, customer)
    with client.session_transaction() as session:
        session.clear()
    sign_in_as(client, world.users[who])

    pages = crawl(app, client, rw)
    assert [url for url, status, _ in pages if status >= 500] == []
    assert any(f"/customers/{customer.id}" in url for url, status, _ in pages if status == 200)
    leaks = {name: [url for url, _, text in pages if marker in text] for name, marker in EARLIER_MARKERS.items()}
    assert {name: urls[:3] for name, urls in leaks.items() if urls} == {}  # never who, why it ended, or their plan
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    if sees:  # positive control: programme, dates and status
        assert "Other referrals" in page and EARLIER_PROGRAMME in page and "Exited early" in page
    else:
        assert "Other referrals" not in page and EARLIER_PROGRAMME not in "\n".join(t for _, _, t in pages)


def test_r_cust_1_dwp_staff_see_who_delivered_earlier_referrals(app, client, world):
    customer = canary_customer(world, "ses", "SES")
    earlier_referral_at_another_provider(world, customer)
    sign_in_as(client, world.users["inspector"])  # in scope for the SES prime only
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Other referrals" in page and EARLIER_MARKERS["provider"] in page
    assert EARLIER_MARKERS["exit_reason"] not in page
