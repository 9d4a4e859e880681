"""The in-work support agreement (R-ISP-12, R-ISP-8, R-SIGN-1, R-SIGN-4, JCP 92; issue 15).

Its own signed part of the plan: the job from the job record, the six IFS 12 items, the taper and the
contacts, agreed by the customer, the employer and the provider. The employer reads and signs only
that part: by a link opened with a one-time code sent to the employer's own address.
"""
import re
import secrets
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.documents.agreement import build_agreement_context
from portal.documents.pdf_checks import check_pdf
from portal.extensions import db
from portal.models import (
    AuditEvent, EmployerSigningLink, InWorkAgreement, InWorkCheck, InWorkSignature, Plan, SignatureMethod,
    VersionStatus,
)
from portal.models.base import utcnow
from portal.services import employer_links, in_work, plan_rules
from tests import mailbox
from tests.factories import sign_in_as
from tests.test_plans import base, d, fill_complete_plan, lock

TODAY = date.today()
CANARY_HEALTH = "CANARYHEALTH epilepsy medication"
CANARY_BARRIER = "CANARYBARRIER gambling debt"
CANARY_BENEFIT = "CANARYBENEFIT ESA support group"
EMPLOYER_EMAIL = "pat.boss@corner-bakery.example"
CONTENT = {
    "employer_contact_name": "Pat Boss", "employer_contact_role": "Shop manager", "employer_email": EMPLOYER_EMAIL,
    "provider_contact": "Sam, job coach, 01234 567890", "settling_in": "Visit in week 1 and week 4",
    "transport": "Check the bus pass works for the early shift", "benefits_advice": "Better-off calculation by week 2",
    "support": "Job coach on the till for the first fortnight", "adjustments": "A quiet break room",
    "colleague_advice": "Awareness session for the shop team", "unexpected_issues": "Call Sam the same day",
}


def once():
    return secrets.token_urlsafe(24)


def page_of(customer, plan):
    return f"/customers/{customer.id}/plans/{plan.id}/in-work"


@pytest.fixture
def in_work_plan(client, world):
    """A started customer with a complete plan carrying barrier, health and benefit text, and a job."""
    customer = world.customers["ses_started"]
    referral = customer.referrals[0]
    sign_in_as(client, world.users["ses_adviser"])
    assert client.post(f"/customers/{customer.id}/plan/start/{referral.id}").status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id))
    version = plan.versions[0]
    fill_complete_plan(client, customer, version)
    url = base(customer, version)
    for path, data in (
            ("sections/needs", {"needs_assessment": CANARY_HEALTH, "needs_assessed_on": d(TODAY)}),
            ("items/barriers/new", {"category": "debt", "description": CANARY_BARRIER, "impact": "Worry",
                                    "response": "Advice"}),
            ("sections/permitted_work", {"permitted_work": "yes", "permitted_work_hours": "10",
                                         "permitted_work_details": CANARY_BENEFIT})):
        assert client.post(f"{url}/{path}", data={**data, "lock_version": lock(version)}).status_code == 302, path
    assert client.post(f"/customers/{customer.id}/referrals/{referral.id}/hours/job/new", data={
        "employer_name": "Corner Bakery", "employer_staff": "8", "job_title": "Shop assistant",
        "contracted_hours": "16", "hourly_pay": "12.71", "supported": "yes",
        "started_on": d(referral.started_on)}).status_code == 302
    return customer, plan


def start_agreement(client, customer, plan):
    job = in_work.jobs_for(plan)[0]
    assert client.post(f"{page_of(customer, plan)}/start", data={"job_id": job.id, "once": once()}).status_code == 302
    return in_work.current(plan)


def write(client, customer, plan, agreement, **changes):
    db.session.refresh(agreement)
    return client.post(f"{page_of(customer, plan)}/edit", data={**CONTENT, **changes,
                                                                 "lock_version": agreement.lock_version})


def add_step(client, customer, plan, agreement, **changes):
    db.session.refresh(agreement)
    return client.post(f"{page_of(customer, plan)}/taper", data={
        "from_week": "1", "to_week": "4", "support": "Job coach twice a week", "hours_per_week": "4",
        "lock_version": agreement.lock_version, **changes})


def sent_agreement(client, customer, plan):
    agreement = start_agreement(client, customer, plan)
    assert write(client, customer, plan, agreement).status_code == 302
    assert add_step(client, customer, plan, agreement).status_code == 302
    db.session.refresh(agreement)
    client.post(f"{page_of(customer, plan)}/send", data={"lock_version": agreement.lock_version})
    db.session.refresh(agreement)
    assert agreement.status == VersionStatus.AWAITING_SIGNATURES
    return agreement


def seen_hash(page):
    return re.search(r'name="seen_hash"[^>]*value="([0-9a-f]{64})"', page).group(1)


def sign_in_person(client, customer, plan, party, typed_name, **extra):
    url = f"{page_of(customer, plan)}/sign/{party}"
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"seen_hash": seen_hash(page), "declaration": "y", "typed_name": typed_name,
                                  **extra}), page


def customer_name(plan):
    return next(p.name for p in plan.versions[-1].parties if p.role == "customer")


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# The rules -----------------------------------------------------------------------------------------


def test_r_isp_12_the_agreement_lists_the_six_ifs_12_items_and_each_is_needed(client, in_work_plan):
    customer, plan = in_work_plan
    assert len(plan_rules.IFS12_ITEMS) == 6 and set(plan_rules.IFS12_FIELDS) == set(plan_rules.IFS12_ITEMS)
    agreement = start_agreement(client, customer, plan)
    assert agreement.employer_name == "Corner Bakery" and agreement.job_title == "Shop assistant"  # from the job record
    write(client, customer, plan, agreement)
    add_step(client, customer, plan, agreement)
    db.session.refresh(agreement)
    assert plan_rules.agreement_problems(agreement) == []
    for field in ("settling_in", "transport", "benefits_advice", "support", "adjustments", "colleague_advice",
                  "unexpected_issues", "provider_contact", "employer_contact_name"):
        original = getattr(agreement, field)
        setattr(agreement, field, " ")
        assert [p.field for p in plan_rules.agreement_problems(agreement)] == [field], field
        setattr(agreement, field, original)
    steps = list(agreement.taper_steps)
    agreement.taper_steps.clear()
    assert [(p.rule, p.field) for p in plan_rules.agreement_problems(agreement)] == [("R-ISP-8", "taper")]
    db.session.rollback()


def test_r_isp_12_an_incomplete_agreement_cannot_be_sent(client, in_work_plan):
    customer, plan = in_work_plan
    agreement = start_agreement(client, customer, plan)
    write(client, customer, plan, agreement, transport="")
    db.session.refresh(agreement)
    client.post(f"{page_of(customer, plan)}/send", data={"lock_version": agreement.lock_version})
    page = client.get(page_of(customer, plan)).get_data(as_text=True)
    assert "The agreement is missing" in page
    db.session.refresh(agreement)
    assert agreement.status == VersionStatus.DRAFT and agreement.content_hash is None


def test_a_taper_step_is_removed_from_the_draft_and_audited(client, in_work_plan):
    customer, plan = in_work_plan
    agreement = start_agreement(client, customer, plan)
    add_step(client, customer, plan, agreement)
    db.session.refresh(agreement)
    step = agreement.taper_steps[0]
    url = f"{page_of(customer, plan)}/taper/{step.id}/remove"
    assert client.post(url, data={"lock_version": "0"}).status_code == 409
    assert client.post(url, data={"lock_version": agreement.lock_version}).status_code == 302
    db.session.expire_all()
    assert not in_work.current(plan).taper_steps and events("in_work.taper_removed")


def test_r_isp_12_the_plan_no_longer_carries_the_employer(client, in_work_plan):
    """The employer is not a party of the customer's plan: the plan rule says so (JCP 92)."""
    customer, plan = in_work_plan
    version = plan.versions[-1]
    assert not [p for p in plan_rules.problems(version, plan.programme) if p.rule == "R-ISP-12"]
    from portal.models import PlanParty
    version.parties.append(PlanParty(key="x1", position=9, role="employer", name="Pat Boss", required=True))
    assert [p.rule for p in plan_rules.problems(version, plan.programme) if "employer" in p.message] == ["R-ISP-12"]
    db.session.rollback()


def test_r_isp_12_and_r_sign_1_agreed_only_when_customer_employer_and_provider_signed(client, in_work_plan, world):
    customer, plan = in_work_plan
    agreement = sent_agreement(client, customer, plan)
    assert [p.message for p in plan_rules.in_work_problems(agreement, True)] == [
        "The in-work support agreement has not been agreed"]
    response, _ = sign_in_person(client, customer, plan, "customer", customer_name(plan))
    assert response.status_code == 302
    response, _ = sign_in_person(client, customer, plan, "provider", world.users["ses_adviser"].name)
    assert response.status_code == 302
    db.session.refresh(agreement)
    assert agreement.status == VersionStatus.AWAITING_SIGNATURES and in_work.unsigned_parties(agreement) == ["employer"]
    # The employer signs in person: their own name and role, and the method says it was the employer.
    response, page = sign_in_person(client, customer, plan, "employer", "Pat Boss")
    assert response.status_code == 400 and "Enter your role at the employer" in response.get_data(as_text=True)
    assert CANARY_BARRIER not in page and CANARY_HEALTH not in page and CANARY_BENEFIT not in page
    response, _ = sign_in_person(client, customer, plan, "employer", "Pat Boss", signer_role="Shop manager")
    assert response.status_code == 302
    db.session.refresh(agreement)
    assert agreement.status == VersionStatus.AGREED
    employer = db.session.scalar(select(InWorkSignature).where(InWorkSignature.party == "employer"))
    assert employer.method == SignatureMethod.EMPLOYER_IN_PERSON and employer.signer_role == "Shop manager"
    assert {s.content_hash for s in agreement.signatures} == {agreement.content_hash == in_work.content_hash(agreement)
                                                              and agreement.content_hash}
    assert plan_rules.in_work_problems(agreement, True) == []
    assert len(events("in_work.signed")) == 3 and len(events("in_work.agreed")) == 1
    assert [e.action for e in events("in_work.sent_for_signature")] == ["in_work.sent_for_signature"]
    # Without the employer's signature the rule fails (R-SIGN-1 reads the agreement's signatures).
    db.session.delete(employer)
    db.session.flush()
    db.session.expire(agreement)
    assert [p.message for p in plan_rules.in_work_problems(agreement, True)] == [
        "The in-work support agreement must be signed by the employer"]
    db.session.rollback()


def test_r_sign_4_the_typed_name_must_be_the_signer(client, in_work_plan, world):
    customer, plan = in_work_plan
    sent_agreement(client, customer, plan)
    response, _ = sign_in_person(client, customer, plan, "customer", "Someone Else")
    assert response.status_code == 400 and "The name typed must be" in response.get_data(as_text=True)
    response, _ = sign_in_person(client, customer, plan, "provider", "Someone Else")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(InWorkSignature.id))) == 0


def test_a_changed_agreement_is_not_signed(client, in_work_plan):
    customer, plan = in_work_plan
    agreement = sent_agreement(client, customer, plan)
    url = f"{page_of(customer, plan)}/sign/customer"
    page = client.get(url).get_data(as_text=True)
    agreement.transport = "Something nobody read"
    db.session.commit()
    response = client.post(url, data={"seen_hash": seen_hash(page), "declaration": "y",
                                      "typed_name": customer_name(plan)})
    assert "The agreement has changed since this page was opened" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(InWorkSignature.id))) == 0


# The employer's link -------------------------------------------------------------------------------


def send_link(client, customer, plan):
    assert client.post(f"{page_of(customer, plan)}/employer-link", data={"email": EMPLOYER_EMAIL}).status_code == 302
    return mailbox.link("/employer-sign", recipient=EMPLOYER_EMAIL)


def newest_code():
    return re.search(r"Your code is (\d{6})", mailbox.newest("employer_signing_code", EMPLOYER_EMAIL).body).group(1)


def test_r_isp_12_the_employer_signs_by_link_with_a_code_sent_to_their_address(app, client, in_work_plan, world):
    customer, plan = in_work_plan
    agreement = sent_agreement(client, customer, plan)
    path = send_link(client, customer, plan)
    employer = app.test_client()
    first = employer.get(path).get_data(as_text=True)
    assert "Send me a code" in first and "date of birth" not in first.lower()
    assert employer.get(f"{path}/agreement").status_code == 404  # nothing to read before the code
    employer.post(path, data={"action": "send"})
    code = newest_code()
    wrong = "000000" if code != "000000" else "111111"
    response = employer.post(path, data={"action": "check", "code": wrong})
    assert response.status_code == 400 and "You have 4 more tries" in response.get_data(as_text=True)
    assert employer.post(path, data={"action": "check", "code": code}).status_code == 302
    page = employer.get(f"{path}/agreement").get_data(as_text=True)
    # The employer's own declaration, the agreement's terms, and none of the customer's plan (JCP 92).
    assert in_work.DECLARATIONS["employer"].replace("'", "&#39;") in page
    assert "I have read this plan" not in page and "Job coach on the till" in page
    for canary in (CANARY_HEALTH, CANARY_BARRIER, CANARY_BENEFIT, "Rent arrears", "Apply for warehouse jobs"):
        assert canary not in page, canary
    document = employer.get(f"{path}/agreement.pdf")
    assert document.status_code == 200 and check_pdf(document.data, "en") == []
    response = employer.post(f"{path}/agreement", data={"declaration": "y", "typed_name": "Pat Boss",
                                                        "signer_role": "Shop manager"})
    assert response.status_code == 200 and "You have signed the agreement" in response.get_data(as_text=True)
    signature = db.session.scalar(select(InWorkSignature).where(InWorkSignature.party == "employer"))
    assert signature.method == SignatureMethod.EMPLOYER_LINK
    assert (signature.typed_name, signature.signer_role) == ("Pat Boss", "Shop manager")
    assert signature.declaration == in_work.DECLARATIONS["employer"]
    assert employer.get(path).status_code == 404  # single use
    for action in ("in_work.employer_link_sent", "in_work.employer_link_opened", "in_work.employer_code_sent",
                   "in_work.employer_code_failed", "in_work.employer_code_checked", "in_work.signed"):
        assert events(action), action
    db.session.refresh(agreement)
    assert agreement.status == VersionStatus.AWAITING_SIGNATURES  # the customer and provider still to sign


def test_r_isp_12_the_employers_document_holds_the_agreement_only(client, in_work_plan):
    """A canary in the customer's barriers, health and benefit text never reaches the agreement's document."""
    customer, plan = in_work_plan
    agreement = sent_agreement(client, customer, plan)
    context = build_agreement_context(agreement, customer_name(plan))
    flat = repr(context)
    assert "Job coach on the till" in flat
    for canary in (CANARY_HEALTH, CANARY_BARRIER, CANARY_BENEFIT, "Rent arrears"):
        assert canary not in flat
    from portal.documents.agreement import TEMPLATE
    from flask import render_template
    html = render_template(TEMPLATE, doc=context, css="")
    assert "Job coach on the till" in html and CANARY_BARRIER not in html and CANARY_HEALTH not in html
    response = client.get(f"{page_of(customer, plan)}/document.pdf")
    assert response.status_code == 200 and check_pdf(response.data, "en") == []
    assert events("in_work.document_made")


def test_r_isp_12_an_expired_code_is_refused(app, client, in_work_plan):
    customer, plan = in_work_plan
    sent_agreement(client, customer, plan)
    path = send_link(client, customer, plan)
    employer = app.test_client()
    employer.post(path, data={"action": "send"})
    code = newest_code()
    link = db.session.scalar(select(EmployerSigningLink))
    link.code_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = employer.post(path, data={"action": "check", "code": code})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert employer.get(f"{path}/agreement").status_code == 404


def test_r_isp_12_too_many_tries_close_the_link(app, client, in_work_plan):
    customer, plan = in_work_plan
    sent_agreement(client, customer, plan)
    path = send_link(client, customer, plan)
    employer = app.test_client()
    employer.post(path, data={"action": "send"})
    code = newest_code()
    wrong = "000000" if code != "000000" else "111111"
    statuses = [employer.post(path, data={"action": "check", "code": wrong}).status_code
                for _ in range(employer_links.MAX_ATTEMPTS)]
    assert statuses == [400] * (employer_links.MAX_ATTEMPTS - 1) + [404]
    assert employer.post(path, data={"action": "check", "code": code}).status_code == 404
    assert db.session.scalar(select(EmployerSigningLink.attempts)) == employer_links.MAX_ATTEMPTS


def test_bad_input_gets_a_4xx_never_a_500(app, client, in_work_plan, world):
    customer, plan = in_work_plan
    agreement = start_agreement(client, customer, plan)
    url = page_of(customer, plan)
    assert client.post(f"{url}/edit", data={**CONTENT, "lock_version": "abc"}).status_code == 409
    assert client.post(f"{url}/edit", data={**CONTENT, "employer_email": "not an email",
                                            "lock_version": agreement.lock_version}).status_code == 400
    assert add_step(client, customer, plan, agreement, from_week="abc").status_code == 400
    assert add_step(client, customer, plan, agreement, from_week="9", to_week="2").status_code == 400
    assert client.post(f"{url}/start", data={"job_id": "99999999999999999999", "once": once()}).status_code == 302
    assert client.post(f"{url}/send", data={"lock_version": "1e9"}).status_code == 409
    assert client.post(f"{url}/checks", data={"item": "nonsense", "done_on": ["x", "y", "z"], "done_by": "Sam",
                                              "note": "n", "once": once()}).status_code == 400
    assert client.post(f"{url}/employer-link", data={"email": "x" * 300}).status_code == 400
    assert client.get(f"/customers/{customer.id}/plans/999999/in-work").status_code == 404
    other = world.customers["ses_b_started"] if "ses_b_started" in world.customers else None
    if other is not None:
        assert client.get(f"/customers/{other.id}/plans/{plan.id}/in-work").status_code == 404
    employer = app.test_client()
    assert employer.post("/employer-sign/no-such-token", data={"action": "check", "code": "1" * 20}).status_code == 404
    db.session.refresh(agreement)
    assert agreement.status == VersionStatus.DRAFT and not agreement.taper_steps


# Progress: the IFS 12 checks -----------------------------------------------------------------------


def test_r_isp_8_checks_are_progress_after_the_job_start_without_new_signatures(client, in_work_plan, world):
    customer, plan = in_work_plan
    agreement = sent_agreement(client, customer, plan)
    sign_in_person(client, customer, plan, "customer", customer_name(plan))
    sign_in_person(client, customer, plan, "provider", world.users["ses_adviser"].name)
    sign_in_person(client, customer, plan, "employer", "Pat Boss", signer_role="Shop manager")
    db.session.refresh(agreement)
    sealed_hash = agreement.content_hash
    assert agreement.status == VersionStatus.AGREED
    url = f"{page_of(customer, plan)}/checks"
    started = agreement.started_on

    def record(done_on, **changes):
        return client.post(url, data={"item": "transport", "done_on": d(done_on), "done_by": "Sam, job coach",
                                      "note": "Bus on time all week", "once": once(), **changes})

    response = record(started - timedelta(days=1))
    assert response.status_code == 400 and "before the job started" in response.get_data(as_text=True)
    response = record(TODAY + timedelta(days=1))
    assert response.status_code == 400 and "today or in the past" in response.get_data(as_text=True)
    assert record(TODAY, done_by="").status_code == 400
    assert db.session.scalar(select(func.count(InWorkCheck.id))) == 0
    assert record(TODAY).status_code == 302
    check = db.session.scalar(select(InWorkCheck))
    assert (check.item, check.done_on, check.done_by) == ("transport", TODAY, "Sam, job coach")
    db.session.refresh(agreement)
    assert agreement.status == VersionStatus.AGREED and agreement.content_hash == sealed_hash
    assert db.session.scalar(select(func.count(InWorkAgreement.id))) == 1  # no new version, no new signatures
    assert len(events("in_work.check_recorded")) == 1
    page = client.get(page_of(customer, plan)).get_data(as_text=True)
    assert "Bus on time all week" in page and "Make sure the customer&#39;s transport arrangements are working" in page


def test_r_isp_12_a_new_version_copies_the_terms_and_needs_a_reason(client, in_work_plan, world):
    customer, plan = in_work_plan
    agreement = sent_agreement(client, customer, plan)
    job = in_work.jobs_for(plan)[0]
    # One in progress at a time.
    client.post(f"{page_of(customer, plan)}/start", data={"job_id": job.id, "once": once()})
    assert db.session.scalar(select(func.count(InWorkAgreement.id))) == 1
    sign_in_person(client, customer, plan, "customer", customer_name(plan))
    sign_in_person(client, customer, plan, "provider", world.users["ses_adviser"].name)
    sign_in_person(client, customer, plan, "employer", "Pat Boss", signer_role="Shop manager")
    client.post(f"{page_of(customer, plan)}/start", data={"job_id": job.id, "once": once()})
    assert db.session.scalar(select(func.count(InWorkAgreement.id))) == 1  # no reason given
    client.post(f"{page_of(customer, plan)}/start", data={"job_id": job.id, "once": once(), "reason": "Review"})
    second = in_work.current(plan)
    assert second.number == 2 and second.support == CONTENT["support"] and len(second.taper_steps) == 1
    assert in_work.content_hash(second) != agreement.content_hash
    assert len(events("in_work.agreement_started")) == 2


def test_r_isp_8_the_inspection_checklist_reads_the_agreements_signatures(app, client, in_work_plan, world):
    from portal.services import inspection_checklist

    customer, plan = in_work_plan
    with app.test_request_context():
        assert inspection_checklist._in_work_check(plan, customer.id, inspection_checklist._in_work_facts([plan])).result == "fail"  # a job, no agreement
    agreement = sent_agreement(client, customer, plan)
    sign_in_person(client, customer, plan, "customer", customer_name(plan))
    sign_in_person(client, customer, plan, "provider", world.users["ses_adviser"].name)
    with app.test_request_context():
        assert inspection_checklist._in_work_check(plan, customer.id, inspection_checklist._in_work_facts([plan])).result == "fail"  # the employer has not signed
    sign_in_person(client, customer, plan, "employer", "Pat Boss", signer_role="Shop manager")
    db.session.refresh(agreement)
    with app.test_request_context():
        check = inspection_checklist._in_work_check(plan, customer.id, inspection_checklist._in_work_facts([plan]))
    assert (check.rule, check.result) == ("R-ISP-8", "pass") and "signed by the employer" in check.detail


def test_r_isp_12_codes_are_limited_and_a_changed_agreement_closes_the_link(app, client, in_work_plan):
    customer, plan = in_work_plan
    agreement = sent_agreement(client, customer, plan)
    path = send_link(client, customer, plan)
    employer = app.test_client()
    statuses = [employer.post(path, data={"action": "send"}).status_code for _ in range(employer_links.MAX_CODES + 1)]
    assert statuses == [200] * employer_links.MAX_CODES + [429]
    assert len(mailbox.messages("employer_signing_code", EMPLOYER_EMAIL)) == employer_links.MAX_CODES
    agreement.support = "Changed after the link was sent"
    agreement.content_hash = in_work.content_hash(agreement)
    db.session.commit()
    assert employer.get(path).status_code == 404


def test_r_isp_12_an_employer_left_on_an_old_plan_signs_as_the_employer_never_by_the_customers_link(
        client, in_work_plan):
    """A version from before 0019 with an employer party: signing in person records the employer's own
    method (not "adviser"), and no plan link (with the customer's date of birth) goes to the employer."""
    from portal.models import PlanParty, Signature

    customer, plan = in_work_plan
    from portal.services import plans

    version = plan.versions[-1]
    client.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    db.session.refresh(version)
    assert version.status == VersionStatus.AWAITING_SIGNATURES
    version.parties.append(PlanParty(key="e1", position=5, role="employer", name="Pat Boss", required=True))
    db.session.flush()
    version.content_hash = plans.content_hash(version)  # as it was sent before 0019
    db.session.commit()
    employer = version.parties[-1]
    url = f"{base(customer, version)}/signing-link/{employer.id}"
    assert "The employer signs the in-work support agreement" in client.post(
        url, data={"email": EMPLOYER_EMAIL}).get_data(as_text=True)
    assert not mailbox.messages(recipient=EMPLOYER_EMAIL)
    client.post(f"{base(customer, version)}/sign/{employer.id}", data={
        "seen_hash": version.content_hash, "declaration": "y", "typed_name": "Pat Boss"})
    signature = db.session.scalar(select(Signature).where(Signature.party_id == employer.id))
    assert signature.method == SignatureMethod.EMPLOYER_IN_PERSON


def test_r_isp_12_the_customer_reads_and_signs_the_agreement_in_welsh(client, in_work_plan):
    """Customer-facing words exist in English and Welsh: the customer's own signing page of the agreement
    (the fixed words Welsh, the adviser's words marked as English), and the Welsh declaration recorded."""
    from portal.models import InWorkSignature

    customer, plan = in_work_plan
    sent_agreement(client, customer, plan)
    url = f"{page_of(customer, plan)}/sign/customer"
    english = client.get(url).get_data(as_text=True)
    assert "Sign your in-work support agreement" in english and "Cymraeg" in english
    welsh = client.get(url + "?lang=cy").get_data(as_text=True)
    assert "Llofnodwch eich cytundeb cymorth mewn gwaith" in welsh and "Cyrraedd y gwaith" in welsh
    assert 'lang="cy"' in welsh and 'lang="en"' in welsh  # the adviser's words inside the Welsh page
    missing = client.post(url + "?lang=cy", data={"seen_hash": seen_hash(welsh), "typed_name": ""})
    assert missing.status_code == 400 and "Ticiwch y blwch" in missing.get_data(as_text=True)
    wrong = client.post(url + "?lang=cy", data={"seen_hash": seen_hash(welsh), "declaration": "y",
                                                "typed_name": "Someone Else"})
    assert wrong.status_code == 400
    signed = client.post(url + "?lang=cy", data={"seen_hash": seen_hash(welsh), "declaration": "y",
                                                 "typed_name": customer_name(plan)})
    assert signed.status_code == 302
    signature = db.session.scalars(select(InWorkSignature).where(InWorkSignature.party == "customer")).one()
    assert signature.language == "cy" and signature.declaration.startswith("Rwyf wedi darllen")
