"""Individual Support Plans: rules, versions, comparison, conflicts and signing (R-ISP-*, R-SIGN-1)."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, DwpRecord, Objective, Plan, PlanVersion, Signature, VersionStatus
from portal.services import plan_rules, plans
from tests.factories import sign_in_as

TODAY = date.today()


def d(value):
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def started(client, world):
    """An SES adviser with a started customer and a fresh draft plan."""
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    response = client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
    assert response.status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id))
    return customer, plan, plan.versions[0]


def base(customer, version):
    return f"/customers/{customer.id}/plan/{version.id}"


def lock(version):
    db.session.refresh(version)
    return str(version.lock_version)


def fill_complete_plan(client, customer, version):
    """Everything the rules need, through the pages an adviser uses."""
    url = base(customer, version)
    steps = [
        ("sections/needs", {"needs_assessment": "Wants warehouse work; anxiety in crowds", "needs_assessed_on": d(TODAY)}),
        ("sections/goals", {"aspirations": "A steady job near home", "job_goal": "Warehouse operative", "target_weekly_hours": "16"}),
        ("items/barriers/new", {"category": "debt", "description": "Rent arrears", "impact": "Worry", "response": "Advocacy with the council"}),
        ("items/objectives/new", {"what": "Apply for warehouse jobs", "how_often": "Weekly", "measure": "3 applications a week", "target_on": d(TODAY + timedelta(days=60))}),
        ("sections/length", {"length_rationale": "Needs 6 months to build confidence"}),
        ("sections/reviews", {"review_every_weeks": "6", "first_review_on": d(TODAY + timedelta(days=42))}),
        ("sections/permitted_work", {"permitted_work": "no"}),
    ]
    for path, data in steps:
        response = client.post(f"{url}/{path}", data={**data, "lock_version": lock(version)})
        assert response.status_code == 302, (path, response.get_data(as_text=True)[:3000])
    objective = version.objectives[0]
    response = client.post(f"{url}/items/support/new", data={
        "kind": "support", "description": "CV workshop", "deliverer": "provider", "planned_hours": "6",
        "objectives": [str(objective.id)], "lock_version": lock(version)})
    assert response.status_code == 302


def test_r_isp_1_a_plan_starts_only_when_the_customer_has_started(client, world):
    customer = world.customers["ses_referred"]
    sign_in_as(client, world.users["ses_adviser"])
    client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
    assert db.session.scalar(select(func.count(Plan.id))) == 0


def test_task_list_shows_each_sections_status(client, started):
    customer, plan, version = started
    page = client.get(base(customer, version)).get_data(as_text=True)
    assert "Needs assessment" in page and "Not yet started" in page
    client.post(f"{base(customer, version)}/sections/needs", data={"needs_assessment": "Assessed", "lock_version": lock(version)})
    page = client.get(base(customer, version)).get_data(as_text=True)
    assert re.search(r"Needs assessment.*?Completed", page, re.S)


def test_the_task_list_links_a_section_only_for_who_may_open_it(client, world, started):
    """The adviser holding the referral opens every section; an inspector reads the draft's list with
    the single-value sections unlinked (their forms are the editor's) and the lists linked."""
    customer, _plan, version = started
    page = client.get(base(customer, version)).get_data(as_text=True)
    assert f'href="{base(customer, version)}/sections/needs" aria-describedby="plan-sections-1-status"' in page
    sign_in_as(client, world.users["inspector"])
    page = client.get(base(customer, version)).get_data(as_text=True)
    assert re.search(r'<li class="govuk-task-list__item">\s*<div class="govuk-task-list__name-and-hint">\s*'
                     r'<div>\s*Needs assessment\s*</div>', page)
    assert "/sections/needs" not in page
    assert f'href="{base(customer, version)}/items/barriers" aria-describedby="plan-sections-2-status"' in page
    assert page.count('id="plan-sections-') == page.count('<li class="govuk-task-list__item')


def test_rules_block_sending_and_list_each_broken_rule_with_a_link(client, started):
    customer, plan, version = started
    url = base(customer, version)
    client.post(f"{url}/items/support/new", data={"kind": "support", "description": "CV workshop", "deliverer": "provider", "lock_version": lock(version)})
    response = client.post(f"{url}/send", data={"lock_version": lock(version)})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The plan cannot be sent for signature yet" in page
    assert "Support item &#39;CV workshop&#39; is not linked to an objective" in page
    db.session.refresh(version)
    found = plans.check(version)
    assert {p.rule for p in found} >= {"R-ISP-1", "R-ISP-2", "R-ISP-3", "R-ISP-4", "R-ISP-5", "R-ISP-6", "R-ISP-7", "R-ISP-9"}
    for problem in found:
        assert str(escape(problem.message)) in page, problem
    assert "R-ISP-" not in page  # rule ids stay in code, tests and the inspector's checklist (issue 16)
    assert version.status == VersionStatus.DRAFT


def test_r_isp_2_under_16_hours_needs_a_reason_for_ses(client, started):
    customer, plan, version = started
    version.target_weekly_hours = Decimal("10")
    rules = [p.rule for p in plan_rules.problems(version, plan.programme) if p.field == "target_hours_reason"]
    assert rules == ["R-ISP-2"]
    version.target_hours_reason = "Agreed with the GP: build up gradually"
    assert not [p for p in plan_rules.problems(version, plan.programme) if p.field == "target_hours_reason"]
    db.session.rollback()


def test_r_isp_12_the_plan_itself_needs_no_employer_and_no_in_work_checks(client, started):
    """In-work support is the in-work support agreement's (tests/test_in_work_agreement.py): an in-work
    version from before 0019 is not sent back for its IFS 12 checks or the employer's signature."""
    customer, plan, version = started
    version.in_work = True
    found = [p for p in plan_rules.problems(version, plan.programme) if p.section in ("in_work", "parties")]
    assert found == []
    db.session.rollback()


def test_r_isp_10_and_r_sign_1_sign_agree_and_revise(client, started, world):
    customer, plan, version = started
    fill_complete_plan(client, customer, version)
    response = client.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    db.session.refresh(version)
    assert version.status == VersionStatus.AWAITING_SIGNATURES and version.content_hash == plans.content_hash(version)
    # The customer signs in person, then the adviser.
    for party in version.parties:
        page = client.get(f"{base(customer, version)}/sign/{party.id}").get_data(as_text=True)
        assert "Apply for warehouse jobs" in page
        seen = re.search(r'name="seen_hash"[^>]*value="([0-9a-f]{64})"', page) or re.search(r'value="([0-9a-f]{64})"', page)
        response = client.post(f"{base(customer, version)}/sign/{party.id}", data={
            "seen_hash": seen.group(1), "method": "in_person", "declaration": "y", "typed_name": party.name})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(version)
    assert version.status == VersionStatus.AGREED
    signatures = db.session.scalars(select(Signature).where(Signature.version_id == version.id)).all()
    assert {s.content_hash for s in signatures} == {version.content_hash}
    # An agreed version never changes: the service refuses, and the pages say so.
    with pytest.raises(plans.PlanError):
        plans.save_section(version, "needs", {"needs_assessment": "changed"}, expected_lock=None, by=world.users["ses_adviser"])
    client.post(f"{base(customer, version)}/sections/needs", data={"needs_assessment": "Sneaky", "lock_version": lock(version)})
    db.session.refresh(version)
    assert version.needs_assessment != "Sneaky"
    # Revising needs a reason and makes version 2; version 1 is superseded once version 2 is agreed.
    page = client.post(f"/customers/{customer.id}/plan/{plan.id}/revise", data={"reason": ""}).get_data(as_text=True)
    assert "Say why the plan is changing" in page
    response = client.post(f"/customers/{customer.id}/plan/{plan.id}/revise", data={"reason": "Review: add a forklift licence"})
    assert response.status_code == 302
    second = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == 2))
    assert second.status == VersionStatus.DRAFT and second.objectives[0].key == version.objectives[0].key
    assert second.support_items[0].objectives[0].id == second.objectives[0].id  # links follow the copy
    client.post(f"{base(customer, second)}/items/objectives/new", data={
        "what": "Get a forklift licence", "how_often": "One course", "measure": "Licence passed",
        "target_on": d(TODAY + timedelta(days=90)), "lock_version": lock(second)})
    page = client.get(f"/customers/{customer.id}/plan/compare?from={version.id}&to={second.id}").get_data(as_text=True)
    assert "Added: Get a forklift licence" in page and "Review: add a forklift licence" in page
    # Version 1 stays readable.
    assert "Apply for warehouse jobs" in client.get(base(customer, version)).get_data(as_text=True)


def test_signing_refuses_a_changed_plan(client, started):
    customer, plan, version = started
    fill_complete_plan(client, customer, version)
    client.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    party = version.parties[0]
    page = client.post(f"{base(customer, version)}/sign/{party.id}", data={
        "seen_hash": "0" * 64, "method": "in_person", "declaration": "y", "typed_name": "Someone"}).get_data(as_text=True)
    assert "The plan has changed since this page was opened" in page
    assert db.session.scalar(select(func.count(Signature.id))) == 0


def test_a_representative_or_witness_must_be_named(client, started):
    customer, plan, version = started
    fill_complete_plan(client, customer, version)
    client.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    db.session.refresh(version)
    party = version.parties[0]
    page = client.post(f"{base(customer, version)}/sign/{party.id}", data={
        "seen_hash": version.content_hash, "method": "verbal_witnessed", "declaration": "y", "typed_name": "X"}).get_data(as_text=True)
    assert "name of the witness" in page
    # R-SIGN-4: the witness also gives their relationship and why, and the customer's name must match.
    witnessed = {"seen_hash": version.content_hash, "method": "verbal_witnessed", "declaration": "y",
                 "typed_name": party.name, "witness_name": "Mair Jones"}
    page = client.post(f"{base(customer, version)}/sign/{party.id}", data=witnessed).get_data(as_text=True)
    assert "Enter the witness&#39;s relationship to the customer" in page and not version.signatures
    witnessed |= {"witness_relationship": "Support worker", "witness_reason": "Cannot hold a pen after surgery"}
    page = client.post(f"{base(customer, version)}/sign/{party.id}", data={**witnessed, "typed_name": "X"})
    assert page.status_code == 200 and not db.session.scalars(select(Signature)).all()
    response = client.post(f"{base(customer, version)}/sign/{party.id}", data=witnessed)
    assert response.status_code == 302
    signature = db.session.scalars(select(Signature)).one()
    assert (signature.witness_relationship, signature.witness_reason) == (
        "Support worker", "Cannot hold a pen after surgery")


def test_concurrent_edit_second_save_gets_the_conflict_page_with_its_text(client, started, app, world):
    customer, plan, version = started
    stale = lock(version)
    first = client.post(f"{base(customer, version)}/sections/needs", data={"needs_assessment": "First adviser's text", "lock_version": stale})
    assert first.status_code == 302
    other = app.test_client()
    sign_in_as(other, world.users["ses_manager"])
    second = other.post(f"{base(customer, version)}/sections/needs", data={"needs_assessment": "Second adviser's text", "lock_version": stale})
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Someone else has changed this plan" in page
    assert "First adviser&#39;s text" in page and "Second adviser&#39;s text" in page
    db.session.refresh(version)
    assert version.needs_assessment == "First adviser's text"


def test_other_organisations_cannot_see_the_plan(client, started, world):
    customer, plan, version = started
    sign_in_as(client, world.users["ses_b_adviser"])
    assert client.get(base(customer, version)).status_code == 404
    assert client.get(f"/customers/{customer.id}/plan/").status_code == 404


def test_inspector_reads_but_cannot_edit(client, started, world):
    customer, plan, version = started
    sign_in_as(client, world.users["inspector"])
    assert client.get(base(customer, version)).status_code == 200
    assert client.post(f"{base(customer, version)}/sections/needs", data={"needs_assessment": "x", "lock_version": "1"}).status_code == 403


def test_every_plan_change_is_audited(client, started):
    customer, plan, version = started
    client.post(f"{base(customer, version)}/sections/needs", data={"needs_assessment": "Assessed", "lock_version": lock(version)})
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.customer_id == customer.id)).all()
    assert "plan.started" in actions and "plan.section_saved" in actions


def test_r_isp_5_reviews_set_the_next_due_date_and_the_caseload_flags_overdue(client, started, world):
    customer, plan, version = started
    fill_complete_plan(client, customer, version)
    client.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    db.session.refresh(version)
    for party in version.parties:
        client.post(f"{base(customer, version)}/sign/{party.id}", data={
            "seen_hash": version.content_hash, "method": "in_person", "declaration": "y", "typed_name": party.name})
    db.session.refresh(plan)
    assert plan.next_review_on == TODAY + timedelta(days=42)
    url = f"/customers/{customer.id}/plan/{plan.id}/reviews"
    page = client.post(url, data={"held_on": d(TODAY), "participants": "Customer, adviser",
                                  "next_review_on": d(TODAY - timedelta(days=1))}).get_data(as_text=True)
    assert "The next review must be after this one" in page
    response = client.post(url, data={"held_on": d(TODAY - timedelta(days=30)), "participants": "Customer, adviser, mother",
                                      "what_changed": "Good progress", "next_review_on": d(TODAY - timedelta(days=2))})
    assert response.status_code == 302
    db.session.refresh(plan)
    assert plan.next_review_on == TODAY - timedelta(days=2)
    assert "is overdue" in client.get(url).get_data(as_text=True)
    sign_in_as(client, world.users["ses_manager"])
    flagged = client.get("/caseload/?flag=review_overdue").get_data(as_text=True)
    assert "Review overdue" in flagged and "SES Started" in flagged
    assert "SES Referred" not in flagged


def test_caseload_filters_plans_awaiting_signatures(client, started, world):
    customer, plan, version = started
    fill_complete_plan(client, customer, version)
    client.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    page = client.get("/caseload/?flag=awaiting_signatures").get_data(as_text=True)
    assert "SES Started" in page and "Awaiting signatures" in page and "SES Referred" not in page


def test_r_isp_6_distance_travelled_scores_show_as_a_chart_and_a_table(client, started):
    customer, plan, version = started
    from portal.services.plans import domains_for

    domains = domains_for(plan.programme_id)
    assert [d.code for d in domains] == ["confidence", "job_search", "motivation", "health_at_work"]
    url = f"/customers/{customer.id}/plan/{plan.id}/distance"
    page = client.post(url, data={"assessed_on": d(TODAY), "label": "Start"}).get_data(as_text=True)
    assert "Give a score for confidence" in page
    for label, score in (("Start", "3"), ("Review 1", "6")):
        data = {"assessed_on": d(TODAY), "label": label, **{f"domain_{dm.id}": score for dm in domains}}
        assert client.post(url, data=data).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    assert "Confidence, Review 1: 6 out of 10" in page
    assert "+3" in page  # change since the start, in the table


def _ready_for_signature(client, customer, version):
    fill_complete_plan(client, customer, version)
    client.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    db.session.refresh(version)


def _send_link(client, customer, version, party):
    from tests import mailbox

    response = client.post(f"{base(customer, version)}/signing-link/{party.id}", data={"email": "sam@mail.example"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    body = mailbox.newest("signing_link").body
    return re.search(r"(/sign/[A-Za-z0-9_-]+)", body).group(1)


def test_remote_signing_by_link_with_a_date_of_birth_check(client, started, app):
    customer, plan, version = started
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    path = _send_link(client, customer, version, party)
    phone = app.test_client()  # the customer's own device: no account, no session
    page = phone.get(path).get_data(as_text=True)
    assert "enter your date of birth" in page
    wrong = phone.post(path, data={"date_of_birth": ["1", "1", "2000"]}).get_data(as_text=True)
    assert "does not match" in wrong and "4 more tries" in wrong
    assert phone.get(path + "/plan").status_code == 404  # not past the check yet
    response = phone.post(path, data={"date_of_birth": ["17", "5", "1990"]})
    assert response.status_code == 302
    page = phone.get(path + "/plan").get_data(as_text=True)
    assert "Apply for warehouse jobs" in page
    page = phone.post(path + "/plan", data={"typed_name": party.name}).get_data(as_text=True)
    assert "Tick the box" in page
    page = phone.post(path + "/plan", data={"declaration": "y", "typed_name": party.name}).get_data(as_text=True)
    assert "You have signed your plan" in page
    signature = db.session.scalar(select(Signature).where(Signature.party_id == party.id))
    assert signature.method.value == "remote_link" and signature.content_hash == version.content_hash
    # The link works once.
    assert phone.get(path).status_code == 404


def test_a_signing_link_expires_after_7_days_and_dies_with_a_change(client, started, app):
    from portal.models import SigningLink

    customer, plan, version = started
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    path = _send_link(client, customer, version, party)
    link = db.session.scalars(select(SigningLink)).first()
    assert (link.expires_at - link.created_at).days == 7
    link.expires_at = link.created_at - timedelta(seconds=1)
    db.session.commit()
    assert app.test_client().get(path).status_code == 404
    # A fresh link, then the plan goes back to draft and changes: the link no longer works.
    path = _send_link(client, customer, version, party)
    client.post(f"{base(customer, version)}/draft")
    client.post(f"{base(customer, version)}/sections/length", data={"length_rationale": "Changed", "lock_version": lock(version)})
    client.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    assert app.test_client().get(path).status_code == 404


def test_signing_link_attempts_are_limited(client, started, app):
    customer, plan, version = started
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    path = _send_link(client, customer, version, party)
    phone = app.test_client()
    for _ in range(5):
        phone.post(path, data={"date_of_birth": ["2", "2", "2002"]})
    assert phone.post(path, data={"date_of_birth": ["17", "5", "1990"]}).status_code == 404


def test_signing_pages_in_welsh(client, started, app):
    customer, plan, version = started
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    path = _send_link(client, customer, version, party)
    phone = app.test_client()
    page = phone.get(path + "?lang=cy").get_data(as_text=True)
    assert '<html lang="cy"' in page and "rhowch eich dyddiad geni" in page
    phone.post(path + "?lang=cy", data={"date_of_birth": ["17", "5", "1990"]})
    page = phone.get(path + "/plan?lang=cy").get_data(as_text=True)
    assert "Eich cynllun" in page and "Apply for warehouse jobs" in page  # adviser's words stay as written


def test_r_ref_1_a_transfer_hands_the_plan_over(client, started, world, app):
    customer, plan, version = started
    _ready_for_signature(client, customer, version)
    for party in version.parties:
        client.post(f"{base(customer, version)}/sign/{party.id}", data={
            "seen_hash": version.content_hash, "method": "in_person", "declaration": "y", "typed_name": party.name})
    # A second version in progress at the sending provider, then the transfer.
    client.post(f"/customers/{customer.id}/plan/{plan.id}/revise", data={"reason": "Draft before the move"})
    sign_in_as(client, world.users["ses_manager"])
    referral = customer.referrals[0]
    client.post(f"/customers/{customer.id}/referrals/{referral.id}/transfer", data={
        "organisation": str(world.orgs["ses_b"].id), "reason": "Moving house", "effective_on": d(TODAY)})
    # The receiving provider sees the plan and continues it as its own version 3.
    receiving = app.test_client()
    sign_in_as(receiving, world.users["ses_b_adviser"])
    assert "Continue the plan as Other SES Provider" in receiving.get(f"/customers/{customer.id}/plan/").get_data(as_text=True)
    response = receiving.post(f"/customers/{customer.id}/plan/{plan.id}/revise", data={"reason": "Transferred: continuing"})
    assert response.status_code == 302
    newest = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.number.desc()))
    assert newest.number == 3 and newest.organisation_id == world.orgs["ses_b"].id
    assert newest.objectives[0].what == "Apply for warehouse jobs"
    # The sending provider keeps the version it agreed, and nothing newer.
    sender = app.test_client()
    sign_in_as(sender, world.users["ses_adviser"])
    assert sender.get(base(customer, version)).status_code == 200
    assert sender.get(base(customer, newest)).status_code == 404
    draft = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == 2))
    assert sender.get(base(customer, draft)).status_code == 404


def test_text_posted_after_the_session_ended_is_kept_and_offered_back(client, started, world):
    from portal.models import UserSession

    customer, plan, version = started
    # The session times out while the adviser types.
    for row in db.session.scalars(select(UserSession)).all():
        row.last_seen_at = row.last_seen_at - timedelta(minutes=31)
    db.session.commit()
    url = f"{base(customer, version)}/sections/needs"
    response = client.post(url, data={"needs_assessment": "Forty minutes of careful notes", "lock_version": lock(version)})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    db.session.refresh(version)
    assert version.needs_assessment is None  # nothing saved without a session
    sign_in_as(client, world.users["ses_adviser"])
    page = client.get(url).get_data(as_text=True)
    assert "Forty minutes of careful notes" in page and "It is not saved yet" in page
    # Offered once; then it is the adviser's to save.
    assert "Forty minutes of careful notes" not in client.get(url).get_data(as_text=True)


def test_the_session_warning_and_keep_alive(client, started):
    customer, plan, version = started
    page = client.get(base(customer, version)).get_data(as_text=True)
    assert 'data-session-timeout' in page and 'data-idle-seconds="1800"' in page
    assert client.post("/session/keep-alive").status_code == 204


def test_r_sign_2_a_customer_who_asked_for_easy_read_reads_the_plan_in_easy_read(client, started, app):
    customer, plan, version = started
    db.session.get(DwpRecord, customer.id).format_needs = "easy_read"
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    path = _send_link(client, customer, version, party)
    phone = app.test_client()
    phone.post(path, data={"date_of_birth": ["17", "5", "1990"]})
    page = phone.get(path + "/plan").get_data(as_text=True)
    assert "portal-easy-read" in page and "This is your plan." in page
    assert "Apply for warehouse jobs" in page  # the adviser's words, in short parts
    assert 'aria-hidden="true"' in page  # the pictures support the words, screen readers skip them
    welsh = phone.get(path + "/plan?lang=cy").get_data(as_text=True)
    assert "Dyma eich cynllun." in welsh and "This is your plan." not in welsh
    standard = phone.get(path + "/plan?format=standard").get_data(as_text=True)
    assert "portal-easy-read" not in standard and "What you will work on" in standard
    phone.post(path + "/plan?lang=cy", data={"declaration": "y", "typed_name": party.name})
    signature = db.session.scalars(select(Signature).where(Signature.party_id == party.id)).one()
    assert (signature.language, signature.document_format) == ("cy", "easy_read")
    assert signature.declaration.startswith("Rwyf wedi darllen")


def test_r_sign_2_in_person_the_customer_reads_and_agrees_in_their_language_and_format(client, started):
    customer, plan, version = started
    record = db.session.get(DwpRecord, customer.id)
    record.preferred_language, record.format_needs = "cy", "large_print"
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    page = client.get(f"{base(customer, version)}/sign/{party.id}").get_data(as_text=True)
    assert '<html lang="cy"' in page and "portal-large-print" in page and "Eich nodau" in page
    easy = client.get(f"{base(customer, version)}/sign/{party.id}?format=easy_read&lang=en").get_data(as_text=True)
    assert "This is your plan." in easy
    client.post(f"{base(customer, version)}/sign/{party.id}", data={
        "seen_hash": version.content_hash, "method": "in_person", "declaration": "y", "typed_name": party.name})
    signature = db.session.scalars(select(Signature).where(Signature.party_id == party.id)).one()
    assert (signature.language, signature.document_format) == ("cy", "large_print")
    assert signature.declaration.startswith("Rwyf wedi darllen")


def test_a_new_plan_does_not_open_with_red_tags_and_an_empty_in_work_part_is_optional(client, started):
    customer, plan, version = started
    page = client.get(base(customer, version)).get_data(as_text=True)
    assert "Needs attention" not in page
    assert re.search(r"Funding from other organisations.*?Optional", page, re.S)
    assert "in-work support agreement</a>, signed apart from this plan" in page
    assert "Needs attention" in client.get(f"{base(customer, version)}?check=1").get_data(as_text=True)


def test_removing_an_objective_asks_first(client, started):
    customer, plan, version = started
    fill_complete_plan(client, customer, version)
    objective_id = version.objectives[0].id
    url = f"{base(customer, version)}/items/objectives/{objective_id}/remove"
    page = client.get(url).get_data(as_text=True)
    assert "Are you sure you want to remove this" in page and "Apply for warehouse jobs" in page
    assert db.session.get(Objective, objective_id) is not None
    assert client.post(url, data={"lock_version": lock(version)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Objective, objective_id) is None



def test_r_sign_2_signing_in_person_is_customer_mode_in_the_customers_language(client, started):
    """Issue 16: no staff menu while the device is with the customer, the form in their language,
    someone else's fields only when chosen, and a hand-back page after signing."""
    customer, plan, version = started
    db.session.get(DwpRecord, customer.id).preferred_language = "cy"
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    page = client.get(f"{base(customer, version)}/sign/{party.id}").get_data(as_text=True)
    for staff_only in ("Sign out", "Caseload", "Portal menu", "Back to the plan"):
        assert staff_only not in page, staff_only
    for welsh in ("Sut ydych chi&#39;n cytuno i&#39;ch cynllun?", "Rwy&#39;n ei lofnodi fy hun", "Enw&#39;r tyst"):
        assert welsh in page, welsh
    assert 'data-reveal-when="method=representative"' in page  # revealed only when chosen (form-behaviour.mjs)
    page = client.post(f"{base(customer, version)}/sign/{party.id}", data={
        "seen_hash": version.content_hash, "method": "in_person", "typed_name": party.name}).get_data(as_text=True)
    assert "Ticiwch y blwch" in page  # the error is in Welsh too
    response = client.post(f"{base(customer, version)}/sign/{party.id}", data={
        "seen_hash": version.content_hash, "method": "in_person", "declaration": "y", "typed_name": party.name})
    assert "/signed" in response.headers["Location"]
    hand_back = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rhowch y ddyfais yn ôl" in hand_back and "Sign out" not in hand_back
    # The adviser's own signature keeps the staff page and goes back to the plan.
    adviser = next(p for p in version.parties if p.role == "adviser")
    page = client.get(f"{base(customer, version)}/sign/{adviser.id}").get_data(as_text=True)
    assert "Sign out" in page and "govuk-radios" not in page


def test_what_changed_reads_as_sentences_in_the_customers_language_and_names_the_provider(client, started, app):
    """Issue 16: the customer re-signing a new version reads what changed in words, not a log."""
    customer, plan, version = started
    _ready_for_signature(client, customer, version)
    for party in version.parties:
        client.post(f"{base(customer, version)}/sign/{party.id}", data={
            "seen_hash": version.content_hash, "method": "in_person", "declaration": "y", "typed_name": party.name})
    client.post(f"/customers/{customer.id}/plan/{plan.id}/revise", data={"reason": "Review"})
    second = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == 2))
    client.post(f"{base(customer, second)}/items/objectives/new", data={
        "what": "Get a forklift licence", "how_often": "One course", "measure": "Licence passed",
        "target_on": d(TODAY + timedelta(days=90)), "lock_version": lock(second)})
    client.post(f"{base(customer, second)}/sections/goals", data={
        "aspirations": "A job near home", "job_goal": "Forklift driver", "target_weekly_hours": "16",
        "lock_version": lock(second)})
    client.post(f"{base(customer, second)}/send", data={"lock_version": lock(second)})
    db.session.refresh(second)
    party = next(p for p in second.parties if p.role == "customer")
    path = _send_link(client, customer, second, party)
    phone = app.test_client()
    phone.post(path, data={"date_of_birth": ["17", "5", "1990"]})
    english = phone.get(path + "/plan?lang=en").get_data(as_text=True)
    assert "New in “What you will work on”: Get a forklift licence" in english
    assert "“Your goals” has changed." in english and "Changed:" not in english and "target on" not in english
    assert customer.referrals[0].organisation.name in english  # "Given by" names the provider
    welsh = phone.get(path + "/plan?lang=cy").get_data(as_text=True)
    assert "Newydd yn" in welsh and "Changed" not in welsh


def test_r_sign_2_the_signing_link_email_is_in_the_customers_language_first_and_names_the_provider(client, started):
    from tests import mailbox

    customer, plan, version = started
    db.session.get(DwpRecord, customer.id).preferred_language = "cy"
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    _send_link(client, customer, version, party)
    message = mailbox.newest("signing_link")
    assert message.subject.startswith("Mae eich cynllun cymorth yn barod")
    assert message.body.startswith("Helo ") and message.body.index("Hello ") > message.body.index("Helo ")
    assert "?lang=cy" in message.body and "?lang=en" in message.body
    assert customer.referrals[0].organisation.name in message.body
